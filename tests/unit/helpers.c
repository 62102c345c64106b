// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the unit tests; see helpers.h. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "nat.h"
#include "nft_emit.h"
#include "util.h"

static void remove_tree(const char *path)
{
	struct dirent *de;
	DIR *dir = opendir(path);

	if (!dir) {
		unlink(path);
		return;
	}
	while ((de = readdir(dir))) {
		char *sub = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			continue;
		remove_tree(sub);
		free(sub);
	}
	closedir(dir);
	rmdir(path);
}

/*
 * Directories still there when the test process exits (a failed assertion
 * skips the test's own tdir_fini) are removed then.
 */
#define TDIRS_MAX 16
static char live[TDIRS_MAX][64];

static void remove_live(void)
{
	for (size_t i = 0; i < TDIRS_MAX; i++)
		if (live[i][0])
			remove_tree(live[i]);
}

void tdir_init(struct tdir *t)
{
	static bool registered;

	snprintf(t->path, sizeof(t->path), "/tmp/edgefw-unit-XXXXXX");
	cr_assert_not_null(mkdtemp(t->path), "mkdtemp: %s", strerror(errno));
	if (!registered)
		registered = atexit(remove_live) == 0;
	for (size_t i = 0; i < TDIRS_MAX; i++) {
		if (!live[i][0]) {
			memcpy(live[i], t->path, sizeof(live[i]));
			break;
		}
	}
}

void tdir_fini(struct tdir *t)
{
	if (!t->path[0])
		return;
	remove_tree(t->path);
	for (size_t i = 0; i < TDIRS_MAX; i++)
		if (!strcmp(live[i], t->path))
			live[i][0] = '\0';
	t->path[0] = '\0';
}

char *tdir_write(struct tdir *t, const char *name, const char *text,
		 mode_t mode)
{
	return tdir_write_bytes(t, name, text, strlen(text), mode);
}

char *tdir_write_bytes(struct tdir *t, const char *name, const char *text,
		       size_t len, mode_t mode)
{
	char *path = NULL;
	int fd;

	cr_assert_neq(asprintf(&path, "%s/%s", t->path, name), -1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	/* fchmod, not the umask: the mode is what the test is about. */
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

char *subst_dir(const char *s, const char *dir)
{
	struct ef_strbuf sb = { 0 };
	const char *at;

	while ((at = strstr(s, "@DIR"))) {
		ef_sb_printf(&sb, "%.*s%s", (int)(at - s), s, dir);
		s = at + 4;
	}
	ef_sb_printf(&sb, "%s", s);
	return ef_sb_steal(&sb);
}

void assert_diag(const struct ef_diags *d, size_t i, const char *file,
		 unsigned int line, unsigned int col, const char *msg)
{
	char *all = ef_diags_format(d);

	cr_assert_gt(d->n, i, "no diagnostic %zu:\n%s", i, all);
	cr_assert_str_eq(d->v[i].file, file, "diagnostics:\n%s", all);
	cr_assert_eq(d->v[i].line, line, "line %u, not %u; diagnostics:\n%s",
		     d->v[i].line, line, all);
	cr_assert_eq(d->v[i].col, col, "col %u, not %u; diagnostics:\n%s",
		     d->v[i].col, col, all);
	cr_assert_str_eq(d->v[i].msg, msg, "diagnostics:\n%s", all);
	free(all);
}

void assert_first_error(const struct ef_diags *d, const char *file,
			unsigned int line, unsigned int col, const char *msg)
{
	cr_assert_gt(d->errors, 0, "no error reported");
	cr_assert_gt(d->n, 0);
	cr_assert_not(d->v[0].warning || d->v[0].note,
		      "the first diagnostic is not an error: %s", d->v[0].msg);
	assert_diag(d, 0, file, line, col, msg);
}

struct elem_keys keys_of(const struct ef_set *s, size_t i)
{
	struct elem_keys k = { { 0 }, { 0 } };

	memcpy(k.key, ef_elem_key(s, i), ef_set_key_len(s));
	memcpy(k.key_end, ef_elem_key_end(s, i), ef_set_key_len(s));
	return k;
}

struct ef_rows *rows_of(const char *comment)
{
	struct ef_rows *rows = NULL;

	if (comment)
		cr_assert_eq(ef_rows_parse(comment, &rows), 0, "%s", comment);
	return rows;
}

int add_elem_rows(struct ef_set *set, const uint8_t *key,
		  const uint8_t *key_end, const char *comment)
{
	struct ef_rows *rows = rows_of(comment);
	int err = ef_set_add_elem(set, key, key_end, rows);

	ef_rows_put(rows);
	return err;
}

const char *rows_text(const struct ef_rows *rows)
{
	static char ring[8][EF_COMMENT_MAX];
	static unsigned int next;
	char *buf = ring[next++ % 8];

	if (!rows)
		return NULL;
	ef_rows_text(rows, buf, EF_COMMENT_MAX);
	return buf;
}

char *elem_key(const struct ef_set *set, size_t i)
{
	struct ef_strbuf sb = { 0 };

	ef_emit_elem_key(&sb, set, i);
	return ef_sb_steal(&sb);
}

long find_elem(const struct ef_set *set, const char *key)
{
	for (size_t i = 0; i < set->nelems; i++) {
		char *k = elem_key(set, i);
		bool same = !strcmp(k, key);

		free(k);
		if (same)
			return (long)i;
	}
	return -1;
}

static char *set_dump(const struct ef_set *set)
{
	struct ef_strbuf sb = { 0 };

	for (size_t i = 0; i < set->nelems; i++) {
		ef_emit_elem_key(&sb, set, i);
		ef_sb_printf(&sb, " comment \"%s\"\n",
			  ef_elem_rows(set, i) ? rows_text(ef_elem_rows(set, i)) :
					       "(null)");
	}
	return ef_sb_steal(&sb);
}

void assert_set_elems(const struct ef_model *m, const char *set,
		      const struct want_elem *want, size_t n)
{
	const struct ef_set *s = ef_model_find_set(m, set);
	char *dump;

	cr_assert_not_null(s, "no set %s", set);
	dump = set_dump(s);
	cr_assert_eq(s->nelems, n, "set %s has %zu elements, not %zu:\n%s",
		     set, s->nelems, n, dump);
	for (size_t i = 0; i < n; i++) {
		char *k = elem_key(s, i);

		cr_assert_str_eq(k, want[i].key, "%s element %zu:\n%s", set, i,
				 dump);
		cr_assert_not_null(ef_elem_rows(s, i));
		cr_assert_str_eq(rows_text(ef_elem_rows(s, i)), want[i].rows,
				 "%s element %zu (%s):\n%s", set, i, k, dump);
		free(k);
	}
	free(dump);
}

void assert_has_elem(const struct ef_model *m, const char *set,
		     const char *key, const char *rows)
{
	const struct ef_set *s = ef_model_find_set(m, set);
	char *dump;
	long i;

	cr_assert_not_null(s, "no set %s", set);
	dump = set_dump(s);
	i = find_elem(s, key);
	cr_assert_geq(i, 0, "set %s has no element %s:\n%s", set, key, dump);
	cr_assert_not_null(ef_elem_rows(s, i), "set %s element %s:\n%s", set,
			   key, dump);
	cr_assert_str_eq(rows_text(ef_elem_rows(s, i)), rows,
			 "set %s element %s:\n%s",
			 set, key, dump);
	free(dump);
}

void assert_no_elem(const struct ef_model *m, const char *set,
		    const char *key)
{
	const struct ef_set *s = ef_model_find_set(m, set);

	cr_assert_not_null(s, "no set %s", set);
	cr_assert_lt(find_elem(s, key), 0, "set %s has element %s", set, key);
}

void assert_addr_set(const struct ef_model *m, const char *set,
		     enum ef_type type, const char *const *keys, size_t n)
{
	const struct ef_set *s = ef_model_find_set(m, set);
	char *dump;

	cr_assert_not_null(s, "no set %s", set);
	dump = set_dump(s);
	cr_assert_eq(s->nfields, 1, "set %s has %u fields", set, s->nfields);
	cr_assert_eq(s->type[0], type, "set %s has type %s", set,
		     ef_type_info(s->type[0])->nft_type);
	cr_assert_not(s->counter, "set %s counts", set);
	cr_assert_eq(s->nelems, n, "set %s has %zu elements, not %zu:\n%s",
		     set, s->nelems, n, dump);
	for (size_t i = 0; i < n; i++) {
		char *k = elem_key(s, i);

		cr_assert_str_eq(k, keys[i], "%s element %zu:\n%s", set, i,
				 dump);
		cr_assert_null(ef_elem_rows(s, i), "%s element %zu (%s):\n%s",
			       set, i, k, dump);
		free(k);
	}
	free(dump);
}

int compile_files(const char *policy, const char *site,
		  const struct ef_compile_opts *opts, struct ef_diags *d,
		  struct ef_model **ret_model)
{
	struct ef_policy *pol = ef_policy_parse(policy, d);
	struct ef_site *s = ef_site_parse(site, d);
	int err = -EINVAL;

	*ret_model = NULL;
	if (pol && s && !d->errors)
		err = ef_compile(pol, s, opts, d, ret_model);
	ef_policy_free(pol);
	ef_site_free(s);
	return err;
}

/* t->path/name, a directory with `mode`; returns its path (free it). */
char *tdir_mkdir(struct tdir *t, const char *name, mode_t mode)
{
	char *dir = NULL;

	cr_assert_neq(asprintf(&dir, "%s/%s", t->path, name), -1);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chmod(dir, mode), 0);
	return dir;
}

/* t->path/name, a symbolic link to `target`; returns its path. */
char *tdir_symlink(struct tdir *t, const char *name,
			  const char *target)
{
	char *link = NULL;

	cr_assert_neq(asprintf(&link, "%s/%s", t->path, name), -1);
	cr_assert_eq(symlink(target, link), 0, "%s: %s", link, strerror(errno));
	return link;
}

struct ef_model *nat_model(void)
{
	static const uint8_t pub[4] = { 198, 51, 100, 20 }, prv[4] = { 192, 0, 2, 66 };
	struct ef_model *m = ef_model_new();
	struct ef_set *dnat, *snat;
	struct ef_rows *role;
	struct ef_chain *c;
	struct ef_rule *r;

	cr_assert_not_null(m);
	dnat = ef_model_add_map(m, "nat_dnat4", EF_T_IPV4, EF_T_IPV4);
	cr_assert_not_null(dnat);
	role = rows_of("access_edge");
	cr_assert_eq(ef_map_add_elem(dnat, pub, prv, role), 0);
	snat = ef_model_add_map(m, "nat_snat4", EF_T_IPV4, EF_T_IPV4);
	cr_assert_not_null(snat);
	cr_assert_eq(ef_map_add_elem(snat, prv, pub, role), 0);
	ef_rows_put(role);

	/* The compiler's own nat chains. */
	cr_assert_eq(ef_nat_chains(m), 0);
	c = ef_model_add_chain(m, "forward", EF_HOOK_FORWARD, 0, EF_V_DROP);
	r = ef_chain_add_rule(c);
	r->ct_status = EF_CT_STATUS_DNAT;
	r->verdict = EF_V_ACCEPT;
	return m;
}
