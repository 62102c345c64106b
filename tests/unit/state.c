// SPDX-License-Identifier: GPL-2.0-or-later
/* The persisted state: its format, its atomic replacement, corruption. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "state.h"
#include "util.h"

static struct tdir t;

static void setup(void)
{
	tdir_init(&t);
}

static void teardown(void)
{
	tdir_fini(&t);
}

TestSuite(state, .init = setup, .fini = teardown);

/* A state with the marker "untouched", to see a failure leave it alone. */
static const struct ef_state untouched = { "untouched", "untouched" };

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t len;

	cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &text, &len, NULL), 0,
		     "cannot read %s", path);
	return text;
}

/* The names in t.path, sorted, joined by spaces. */
static char *listing(void)
{
	struct dirent **names;
	struct ef_strbuf sb = { 0 };
	int n = scandir(t.path, &names, NULL, alphasort);

	cr_assert_geq(n, 0, "scandir %s: %s", t.path, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") &&
		    strcmp(names[i]->d_name, ".."))
			ef_sb_printf(&sb, "%s%s", sb.len ? " " : "",
				  names[i]->d_name);
		free(names[i]);
	}
	free(names);
	ef_sb_printf(&sb, "%s", "");
	return ef_sb_steal(&sb);
}

static void expect_corrupt(const char *text, size_t len, const char *why)
{
	struct ef_state st = untouched;
	char *path = NULL;
	FILE *f;

	cr_assert_neq(asprintf(&path, "%s/state", t.path), -1);
	f = fopen(path, "we");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	free(path);
	cr_assert_eq(ef_state_load(t.path, &st), -EINVAL, "%s: not refused",
		     why);
	cr_assert_str_eq(st.policy, "untouched", "%s: clobbered", why);
	cr_assert_str_eq(st.previous, "untouched", "%s: clobbered", why);
}

#define CORRUPT(text, why) expect_corrupt(text, sizeof(text) - 1, why)

Test(state, round_trip)
{
	const struct ef_state saved = { "edge-single-public", "reverse-proxy" };
	struct ef_state st = untouched;
	char *path = NULL, *text;
	struct stat sb;

	cr_assert_eq(ef_state_save(t.path, &saved), 0);
	cr_assert_eq(ef_state_load(t.path, &st), 0);
	cr_assert_str_eq(st.policy, "edge-single-public");
	cr_assert_str_eq(st.previous, "reverse-proxy");

	cr_assert_neq(asprintf(&path, "%s/state", t.path), -1);
	text = read_text(path);
	cr_assert_str_eq(text, "edgefw-state 1\n"
			       "policy edge-single-public\n"
			       "previous reverse-proxy\n");
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0640, "mode %o",
		     (unsigned int)(sb.st_mode & 07777));
	free(text);
	free(path);
}

Test(state, round_trip_without_previous)
{
	const struct ef_state saved = { "internal-servers", "" };
	struct ef_state st = untouched;
	char *path = NULL, *text;

	cr_assert_eq(ef_state_save(t.path, &saved), 0);
	cr_assert_eq(ef_state_load(t.path, &st), 0);
	cr_assert_str_eq(st.policy, "internal-servers");
	cr_assert_str_eq(st.previous, "");
	cr_assert_neq(asprintf(&path, "%s/state", t.path), -1);
	text = read_text(path);
	cr_assert_str_eq(text, "edgefw-state 1\npolicy internal-servers\n");
	free(text);
	free(path);
}

/* Written by hand (or by an older edgefwd): keys in either order. */
Test(state, reads_the_documented_format)
{
	struct ef_state st = untouched;

	free(tdir_write(&t, "state",
			"edgefw-state 1\nprevious a\npolicy b_2-c\n", 0640));
	cr_assert_eq(ef_state_load(t.path, &st), 0);
	cr_assert_str_eq(st.policy, "b_2-c");
	cr_assert_str_eq(st.previous, "a");
}

Test(state, names)
{
	cr_assert(ef_state_name_valid("a"));
	cr_assert(ef_state_name_valid("edge-scaled-dns-public"));
	cr_assert(ef_state_name_valid("x0_-9"));
	/* 31 characters: the longest */
	cr_assert(ef_state_name_valid("abcdefghijklmnopqrstuvwxyz01234"));
	cr_assert_not(ef_state_name_valid("abcdefghijklmnopqrstuvwxyz012345"));
	cr_assert_not(ef_state_name_valid(""));
	cr_assert_not(ef_state_name_valid(NULL));
	cr_assert_not(ef_state_name_valid("0abc"));
	cr_assert_not(ef_state_name_valid("-abc"));
	cr_assert_not(ef_state_name_valid("Edge"));
	cr_assert_not(ef_state_name_valid("a b"));
	cr_assert_not(ef_state_name_valid("a/b"));
	cr_assert_not(ef_state_name_valid("../etc"));
	cr_assert_not(ef_state_name_valid("a."));
}

Test(state, missing)
{
	struct ef_state st = untouched;

	cr_assert_eq(ef_state_load(t.path, &st), -ENOENT);
	cr_assert_str_eq(st.policy, "untouched");
	cr_assert_eq(ef_state_load("/nonexistent/edgefw", &st), -ENOENT);
}

Test(state, corrupt)
{
	char big[EF_STATE_SIZE_MAX + 2];
	char junk[64];

	CORRUPT("", "empty");
	CORRUPT("edgefw-state 1\n", "no policy line");
	CORRUPT("edgefw-state 2\npolicy a\n", "future version");
	CORRUPT("edgefw-state\npolicy a\n", "header without version");
	CORRUPT("EDGEFW-STATE 1\npolicy a\n", "header in capitals");
	CORRUPT("edgefw-state 1 \npolicy a\n", "header with a blank");
	CORRUPT("policy a\n", "no header");
	CORRUPT("policy a\nedgefw-state 1\n", "header not first");
	CORRUPT("edgefw-state 1\npolicy Edge\n", "bad name");
	CORRUPT("edgefw-state 1\npolicy ../../etc/passwd\n", "path as name");
	CORRUPT("edgefw-state 1\npolicy \n", "empty name");
	CORRUPT("edgefw-state 1\npolicy  a\n", "two blanks");
	CORRUPT("edgefw-state 1\npolicy a \n", "trailing blank");
	CORRUPT("edgefw-state 1\r\npolicy a\r\n", "CRLF");
	CORRUPT("edgefw-state 1\npolicy abcdefghijklmnopqrstuvwxyz012345\n",
		"name of 32 characters");
	CORRUPT("edgefw-state 1\npolicy a\nprevious 9\n", "bad previous");
	CORRUPT("edgefw-state 1\npolicy a\nactive b\n", "unknown key");
	CORRUPT("edgefw-state 1\npolicy a\npolicy b\n", "policy twice");
	CORRUPT("edgefw-state 1\npolicy a\nprevious b\nprevious c\n",
		"previous twice");
	CORRUPT("edgefw-state 1\nprevious a\n", "previous without policy");
	CORRUPT("edgefw-state 1\npolicy a\n\n", "empty line");
	CORRUPT("edgefw-state 1\npolicy\n", "key without value");
	CORRUPT("edgefw-state 1\npolicy a\n# comment\n", "comment");
	CORRUPT("edgefw-state 1\npolicy a\0b\n", "NUL in a name");
	CORRUPT("edgefw-state 1\npolicy edge-sin", "truncated in a line");
	CORRUPT("edgefw-state 1\npolicy a\nprev", "truncated after a line");
	CORRUPT("edgefw-st", "truncated header");

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 37 + 11);
	expect_corrupt(junk, sizeof(junk), "binary junk");
	memcpy(junk, "edgefw-state 1\npolicy a\n", 24);
	expect_corrupt(junk, sizeof(junk), "binary junk after a good start");

	/* A good file padded with valid-looking lines past 4 KiB. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "edgefw-state 1\npolicy a\n", 24);
	big[sizeof(big) - 1] = '\n';
	expect_corrupt(big, sizeof(big), "too big");
	expect_corrupt(big, EF_STATE_SIZE_MAX + 1, "one byte too big");
}

Test(state, not_a_regular_file)
{
	struct ef_state st = untouched;
	char *path = NULL;

	cr_assert_neq(asprintf(&path, "%s/state", t.path), -1);
	cr_assert_eq(mkdir(path, 0750), 0);
	cr_assert_eq(ef_state_load(t.path, &st), -EINVAL, "a directory");
	cr_assert_eq(rmdir(path), 0);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(ef_state_load(t.path, &st), -EINVAL, "a FIFO");
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink("/etc/hostname", path), 0);
	cr_assert_eq(ef_state_load(t.path, &st), -EINVAL, "a symlink");
	cr_assert_str_eq(st.policy, "untouched");
	free(path);
}

Test(state, save_replaces_atomically)
{
	const struct ef_state first = { "edge-single-public", "" };
	const struct ef_state second = { "edge-single-nat",
					 "edge-single-public" };
	struct ef_state st = untouched;
	char *names;

	cr_assert_eq(ef_state_save(t.path, &first), 0);
	for (int i = 0; i < 20; i++)
		cr_assert_eq(ef_state_save(t.path, i % 2 ? &first : &second),
			     0);
	cr_assert_eq(ef_state_save(t.path, &second), 0);
	cr_assert_eq(ef_state_load(t.path, &st), 0);
	cr_assert_str_eq(st.policy, "edge-single-nat");
	cr_assert_str_eq(st.previous, "edge-single-public");
	names = listing();
	cr_assert_str_eq(names, "state", "left behind in the directory: %s",
			 names);
	free(names);
}

/* Reading while another process keeps replacing: always whole states. */
Test(state, readers_see_whole_states)
{
	const struct ef_state a = { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "" };
	const struct ef_state b = { "b", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" };
	pid_t pid;
	int status;

	cr_assert_eq(ef_state_save(t.path, &a), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < 200; i++)
			if (ef_state_save(t.path, i % 2 ? &a : &b))
				_exit(1);
		_exit(0);
	}
	for (int i = 0; i < 200; i++) {
		struct ef_state st = untouched;

		cr_assert_eq(ef_state_load(t.path, &st), 0, "read %d", i);
		cr_assert(!strcmp(st.policy, a.policy) ||
				  !strcmp(st.policy, b.policy),
			  "read %d: policy %s", i, st.policy);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(state, save_refuses_bad_names)
{
	struct ef_state bad = { "Edge", "" };
	char *names;

	cr_assert_eq(ef_state_save(t.path, &bad), -EINVAL);
	strcpy(bad.policy, "ok");
	strcpy(bad.previous, "not ok");
	cr_assert_eq(ef_state_save(t.path, &bad), -EINVAL);
	bad.policy[0] = '\0';
	bad.previous[0] = '\0';
	cr_assert_eq(ef_state_save(t.path, &bad), -EINVAL);
	/* Not NUL-terminated within the field. */
	memset(bad.policy, 'a', sizeof(bad.policy));
	cr_assert_eq(ef_state_save(t.path, &bad), -EINVAL);
	names = listing();
	cr_assert_str_eq(names, "", "written: %s", names);
	free(names);
}

Test(state, save_into_missing_dir)
{
	const struct ef_state s = { "reverse-proxy", "" };
	char *missing = NULL;

	cr_assert_neq(asprintf(&missing, "%s/no-such-dir", t.path), -1);
	cr_assert_eq(ef_state_save(missing, &s), -ENOENT);
	free(missing);
}
