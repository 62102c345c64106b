// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl: compile, check, apply and show edgefw policies.
 *
 * Exit status: 0 success, 1 a runtime or kernel error, 2 bad input or
 * usage (then nothing was applied), 3 the live table differs (verify,
 * diff).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "compile.h"
#include "ctl_proto.h"
#include "json.h"
#include "metrics.h"
#include "nft_emit.h"
#include "nl.h"
#include "paths.h"
#include "policy.h"
#include "reconcile.h"
#include "state.h"

#define EXIT_RUNTIME 1
#define EXIT_INPUT 2
#define EXIT_DIFFERS 3

static const char *prog = "edgefwctl";

struct args {
	const char *policy;
	char policy_buf[PATH_MAX];	/* a policy found by name */
	/* Where a policy given by name is looked for, in order; as edgefwd. */
	struct ef_policy_dirs policy_dirs;
	const char *site;
	const char *socket;
	unsigned int timeout;	/* seconds edgefwd has to answer */
	int argc;		/* the request words, for daemon commands */
	char **argv;
	bool counters;
	bool replace;
	bool json;
};

static void print_diags(const struct ef_diags *d)
{
	char *text = ef_diags_format(d);

	if (text)
		fputs(text, stderr);
	free(text);
}

/* Parses and compiles; prints every diagnostic. Returns an exit status. */
static int load(const struct args *a, bool need_site, struct ef_model **ret,
		struct ef_policy **ret_pol)
{
	struct ef_compile_opts opts = { .iface_addrs = ef_iface_addrs };
	struct ef_diags d = { 0 };
	struct ef_policy *pol;
	struct ef_site *site = NULL;
	struct ef_model *m = NULL;
	int status = 0, err;

	pol = ef_policy_parse(a->policy, &d);
	if (a->site)
		site = ef_site_parse(a->site, &d);
	if (!pol || (a->site && !site)) {
		status = EXIT_RUNTIME;
		goto out;
	}
	if (!d.errors && site) {
		err = ef_compile(pol, site, &opts, &d, &m);
		if (err == -ENOMEM && !d.errors)
			status = EXIT_RUNTIME;
		/* The lock is for a reconciler that stays (edgefwd): this
		 * process ends, and with it any ownership it took. */
		if (m)
			m->table_flags = 0;
	} else if (need_site && !a->site) {
		fprintf(stderr, "%s: --site SITE is needed\n", prog);
		status = EXIT_INPUT;
	}
	print_diags(&d);
	if (!status && d.errors)
		status = EXIT_INPUT;
	if (!status && ret)
		*ret = m, m = NULL;
	if (!status && ret_pol)
		*ret_pol = pol, pol = NULL;
out:
	ef_model_free(m);
	ef_policy_free(pol);
	ef_site_free(site);
	ef_diags_free(&d);
	return status;
}

/* Prints the text built in sb and frees it: 0, or EXIT_RUNTIME (said
 * why) if building it ran out of memory or stdout cannot take it. */
static int put_text(struct ef_strbuf *sb)
{
	int status = 0;

	if (sb->err) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = EXIT_RUNTIME;
	} else if (sb->buf && (fputs(sb->buf, stdout) == EOF ||
			       fflush(stdout) == EOF)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", prog,
			strerror(errno));
		status = EXIT_RUNTIME;
	}
	ef_sb_free(sb);
	return status;
}

static int print_model(const struct ef_model *m, unsigned int flags)
{
	struct ef_strbuf sb = { 0 };

	ef_emit_nft(&sb, m, flags);
	return put_text(&sb);
}

static int cmd_compile(const struct args *a)
{
	struct ef_model *m = NULL;
	int status = load(a, true, &m, NULL);

	if (!status)
		status = print_model(m, 0);
	ef_model_free(m);
	return status;
}

static int cmd_check(const struct args *a)
{
	struct ef_model *m = NULL;
	struct ef_policy *pol = NULL;
	int status = load(a, false, &m, &pol);

	if (status)
		return status;
	if (m)
		printf("%s: ok: policy %s, %zu rows, %zu set elements\n",
		       a->policy, pol->name, pol->nrows, ef_model_elem_count(m));
	else
		printf("%s: ok: policy %s, %zu rows\n", a->policy, pol->name,
		       pol->nrows);
	ef_model_free(m);
	ef_policy_free(pol);
	return 0;
}

static int kernel_error(const char *what, int err, char *why)
{
	/* A batch's error (why names the object) may need the netlink
	 * reading of errno; any other is what strerror says. */
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what,
		why ? ef_nl_strerror(err) : strerror(-err),
		why ? " in " : "", why ? why : "");
	if (err == -EPERM)
		fprintf(stderr, "%s: changing the ruleset needs CAP_NET_ADMIN (run as root),\n"
			"%s: and table inet %s must not be locked by another process (see: edgefwctl show)\n",
			prog, prog, EF_TABLE);

	free(why);
	return EXIT_RUNTIME;
}

static int open_nl(struct ef_nl **nl)
{
	int err = ef_nl_open(nl);

	if (err)
		return kernel_error("cannot open the netfilter netlink socket",
				    err, NULL);
	return 0;
}

static void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void report_reconcile(const struct args *a,
			     const struct ef_reconcile_report *rep,
			     const struct ef_model *m)
{
	const struct ef_delta_size *s = &rep->sent;

	if (a->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "created", json_object_new_boolean(rep->created));
		json_object_object_add(o, "elements_added", json_object_new_uint64(s->elems_added));
		json_object_object_add(o, "elements_deleted", json_object_new_uint64(s->elems_deleted));
		json_object_object_add(o, "rules_added", json_object_new_uint64(s->rules_added));
		json_object_object_add(o, "rules_deleted", json_object_new_uint64(s->rules_deleted));
		json_object_object_add(o, "objects", json_object_new_uint64(s->objects));
		json_object_object_add(o, "tries", json_object_new_uint64(rep->tries));
		json_object_object_add(o, "elements", json_object_new_uint64(ef_model_elem_count(m)));
		print_json(o);
		return;
	}
	if (ef_delta_size_zero(s)) {
		printf("table inet %s already matches %s: nothing sent\n",
		       EF_TABLE, a->policy);
		return;
	}
	printf("%s %s: +%zu -%zu elements, +%zu -%zu rules, %zu other changes (%zu elements in all)\n",
	       rep->created ? "created from" : "reconciled with", a->policy,
	       s->elems_added, s->elems_deleted, s->rules_added,
	       s->rules_deleted, s->objects, ef_model_elem_count(m));
}

/* The compiled policy and a socket to the kernel: what changes need. */
static int load_and_open(const struct args *a, struct ef_model **m,
			 struct ef_nl **nl)
{
	int status = load(a, true, m, NULL);

	return status ? status : open_nl(nl);
}

static int cmd_apply(const struct args *a)
{
	struct ef_reconcile_report rep;
	struct ef_model *m = NULL;
	struct ef_nl *nl = NULL;
	char *why = NULL;
	int status, err;

	status = load_and_open(a, &m, &nl);
	if (status)
		goto out;
	if (a->replace) {
		err = ef_nl_replace(nl, m, &why);
		if (!err)
			printf("replaced table inet %s with %s: %zu set elements\n",
			       EF_TABLE, a->policy, ef_model_elem_count(m));
	} else {
		err = ef_reconcile(nl, m, &rep, &why);
		if (!err)
			report_reconcile(a, &rep, m);
	}
	if (err == -EAGAIN)
		fprintf(stderr, "%s: gave up after %d tries: the ruleset changed under every one of them\n",
			prog, EF_RECONCILE_TRIES);
	if (err)
		status = kernel_error("the kernel refused the ruleset", err, why);
out:
	ef_nl_close(nl);
	ef_model_free(m);
	return status;
}

static int cmd_diff(const struct args *a)
{
	struct ef_model *m = NULL, *live = NULL;
	struct ef_delta delta = { 0 };
	struct ef_nl *nl = NULL;
	struct ef_strbuf sb = { 0 };
	char *why = NULL;
	int status, err;

	status = load_and_open(a, &m, &nl);
	if (status)
		goto out;
	err = ef_plan(nl, m, &live, &delta, &why);
	if (err) {
		status = kernel_error("cannot read table inet " EF_TABLE, err, why);
		goto out;
	}
	if (a->json)
		print_json(ef_delta_json(&delta));
	else
		ef_emit_delta(&sb, &delta);
	status = put_text(&sb);
	if (!status)
		status = ef_delta_empty(&delta) ? 0 : EXIT_DIFFERS;
out:
	ef_delta_free(&delta);
	ef_model_free(live);
	ef_nl_close(nl);
	ef_model_free(m);
	return status;
}

static int read_live(struct ef_model **live)
{
	struct ef_nl *nl = NULL;
	char *why = NULL;
	int status, err;

	status = open_nl(&nl);
	if (status)
		return status;
	err = ef_nl_read(nl, live, &why);
	ef_nl_close(nl);
	if (err == -ENOENT) {
		free(why);
		fprintf(stderr, "%s: there is no table inet %s: nothing is applied\n",
			prog, EF_TABLE);
		return EXIT_RUNTIME;
	}
	if (err)
		return kernel_error("cannot read table inet " EF_TABLE, err, why);
	free(why);
	return 0;
}

static int cmd_show(const struct args *a)
{
	struct ef_model *live = NULL;
	int status = read_live(&live);

	if (!status)
		status = print_model(live, a->counters ? EF_EMIT_COUNTERS : 0);
	ef_model_free(live);
	return status;
}

static int cmd_verify(const struct args *a)
{
	struct ef_model *m = NULL, *live = NULL;
	int status = load(a, true, &m, NULL);

	if (!status)
		status = read_live(&live);
	if (!status && !ef_model_equal(m, live)) {
		fprintf(stderr, "%s: table inet %s differs from %s\n", prog,
			EF_TABLE, a->policy);
		status = EXIT_DIFFERS;
	} else if (!status) {
		printf("table inet %s matches %s\n", EF_TABLE, a->policy);
	}
	ef_model_free(m);
	ef_model_free(live);
	return status;
}

/* ---- commands the daemon answers ---- */

static int connect_daemon(const struct args *a)
{
	const char *path = a->socket;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	/* A daemon that hangs must not hang its callers (scripts, timers)
	 * with it: neither while its backlog is full (connect waits with the
	 * send timeout) nor while it does not answer. */
	struct timeval tv = { .tv_sec = a->timeout };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 &&
	    !setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) &&
	    !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == EAGAIN || errno == EINPROGRESS)
		fprintf(stderr, "%s: edgefwd did not take the connection within %u seconds (--timeout)\n",
			prog, a->timeout);
	else if (errno == ENOENT || errno == ECONNREFUSED)
		fprintf(stderr, "%s: edgefwd is not running (no one listens on %s)\n",
			prog, path);
	else if (errno == EACCES)
		fprintf(stderr, "%s: access to %s denied: run as root or as a member of the socket's group (edgefw; edgefw-read for the read-only socket)\n",
			prog, path);
	else
		fprintf(stderr, "%s: cannot reach edgefwd at %s: %s\n", prog,
			path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * One request, one reply line; NULL if none came. edgefwd answers a peer
 * it refuses and closes without reading: the send may then fail (EPIPE),
 * and the answer saying why is still there to read.
 */
static char *ask(int fd, const char *line)
{
	static const size_t max = 1 << 24;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf || (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 &&
		     errno != EPIPE && errno != ECONNRESET)) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *p = cap < max ? realloc(buf, cap * 2) : NULL;

			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			free(buf);
			errno = ETIMEDOUT;	/* --timeout passed */
			return NULL;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	if (!len) {
		free(buf);
		errno = ECONNRESET;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* key: value lines; an array gets a line per item, an object item its
 * fields' values side by side (counters: row, where, note, packets, ...). */
/* Times the daemon gives in seconds since the epoch: also as a person
 * reads them. The number stays first, for scripts. */
static void print_time(const char *key, struct json_object *val)
{
	time_t t = (time_t)json_object_get_int64(val), now = time(NULL);
	char when[32];
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm)) {
		printf("%-18s %lld\n", key, (long long)t);
		return;
	}
	if (t > now)
		printf("%-18s %lld (%s, in %lld s)\n", key, (long long)t, when,
		       (long long)(t - now));
	else
		printf("%-18s %lld (%s, %lld s ago)\n", key, (long long)t, when,
		       (long long)(now - t));
}

/* An array of objects (counters' rows) as a table: a header of the first
 * item's keys, then a line an item, each column as wide as its widest
 * cell (the last one as it comes). */
#define TABLE_COLS 16

/* Cell c of the table's line `line`: line 0 is the header. */
static const char *table_cell(struct json_object *arr, size_t line, size_t c)
{
	struct json_object *item = json_object_array_get_idx(arr, line ? line - 1 : 0);
	size_t k = 0;

	if (!json_object_is_type(item, json_type_object))
		return NULL;
	json_object_object_foreach(item, key, val) {
		if (k++ == c)
			return line ? json_object_get_string(val) : key;
	}
	return NULL;
}

static void print_table(struct json_object *arr)
{
	size_t lines = json_object_array_length(arr) + 1, width[TABLE_COLS] = { 0 };
	const char *cell;

	for (size_t l = 0; l < lines; l++)
		for (size_t c = 0; c < TABLE_COLS && (cell = table_cell(arr, l, c)); c++)
			if (strlen(cell) > width[c])
				width[c] = strlen(cell);
	for (size_t l = 0; l < lines; l++) {
		for (size_t c = 0; c < TABLE_COLS && (cell = table_cell(arr, l, c)); c++)
			printf("  %-*s", table_cell(arr, l, c + 1) ? (int)width[c] : 0, cell);
		putchar('\n');
	}
}

/* key value lines; an array of strings gets a line per item, an array of
 * objects a table. --json is the stable interface for scripts. */
static void print_human(struct json_object *o)
{
	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "ok"))
			continue;
		if (!strcmp(key, "last_reconcile") || !strcmp(key, "confirm_by")) {
			print_time(key, val);
			continue;
		}
		if (json_object_is_type(val, json_type_object)) {
			printf("%s:\n", key);
			json_object_object_foreach(val, k, v)
				printf("  %-16s %s\n", k, json_object_get_string(v));
			continue;
		}
		if (!json_object_is_type(val, json_type_array)) {
			printf("%-18s %s\n", key, json_object_get_string(val));
			continue;
		}
		printf("%s:\n", key);
		if (json_object_array_length(val) &&
		    json_object_is_type(json_object_array_get_idx(val, 0),
					json_type_object)) {
			print_table(val);
			continue;
		}
		for (size_t i = 0; i < json_object_array_length(val); i++)
			printf("  %s\n", json_object_get_string(
				json_object_array_get_idx(val, i)));
	}
}

/*
 * Sends one request line over fd. Returns the reply if it says ok; else
 * NULL, having said why on stderr.
 */
static struct json_object *call(const struct args *a, int fd,
				 const char *line)
{
	struct json_object *reply, *val;
	char *text = ask(fd, line);

	if (!text && errno == ETIMEDOUT)
		fprintf(stderr, "%s: edgefwd did not answer within %u seconds (--timeout)\n",
			prog, a->timeout);
	if (!text && errno != ETIMEDOUT)
		fprintf(stderr, "%s: no answer from edgefwd\n", prog);
	if (!text)
		return NULL;
	reply = ef_ctl_reply_parse(text);
	free(text);
	if (!reply) {
		fprintf(stderr, "%s: edgefwd answered something that is not JSON\n",
			prog);
		return NULL;
	}
	if (json_object_object_get_ex(reply, "ok", &val) &&
	    json_object_get_boolean(val))
		return reply;
	if (json_object_object_get_ex(reply, "error", &val))
		fprintf(stderr, "%s: edgefwd: %s\n", prog,
			json_object_get_string(val));
	else
		fprintf(stderr, "%s: edgefwd refused the request\n", prog);
	json_object_put(reply);
	return NULL;
}

static int cmd_daemon(const struct args *a)
{
	struct json_object *reply = NULL;
	const char *why;
	char *line;
	int fd;

	line = ef_ctl_request_line(a->argc, a->argv, &why);
	if (!line) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return EXIT_INPUT;
	}
	fd = connect_daemon(a);
	if (fd >= 0) {
		reply = call(a, fd, line);
		close(fd);
	}
	free(line);
	if (!reply)
		return EXIT_RUNTIME;
	if (a->json) {
		print_json(reply);
	} else {
		print_human(reply);
		json_object_put(reply);
	}
	return 0;
}

/*
 * Status and counters, on one connection, as Prometheus text. Whatever
 * goes wrong, stdout still gets edgefw_up 0: a scraper (or the textfile
 * the timer writes) then says the daemon is down rather than going stale.
 */
static int cmd_metrics(const struct args *a)
{
	struct json_object *status = NULL, *counters = NULL;
	struct ef_strbuf sb = { 0 };
	int fd, err = -EIO;

	fd = connect_daemon(a);
	if (fd >= 0) {
		status = call(a, fd, "status\n");
		counters = status ? call(a, fd, "counters\n") : NULL;
		close(fd);
	}
	if (counters) {
		err = ef_metrics_format(&sb, status, counters);
		if (err == -EPROTO)
			fprintf(stderr, "%s: edgefwd's status or counters reply is not what edgefwctl(8) says\n",
				prog);
		else if (err)
			fprintf(stderr, "%s: %s\n", prog, strerror(-err));
	}
	json_object_put(status);
	json_object_put(counters);
	if (err) {
		ef_sb_free(&sb);
		ef_metrics_format_down(&sb);
	}
	return put_text(&sb) ?: (err ? EXIT_RUNTIME : 0);
}

/*
 * POLICY on the command line: a file as before (a path with a slash, a
 * .policy file, any file here), else a name looked up as edgefwd does,
 * in the first --policy-dir that has NAME.policy.
 */
static int find_policy(struct args *a, const char *arg)
{
	size_t len = strlen(arg);
	const char *bad_dir;
	struct stat st;
	int err;

	a->policy = arg;
	if (strchr(arg, '/') || (len > 7 && !strcmp(arg + len - 7, ".policy")) ||
	    !stat(arg, &st) || !ef_state_name_valid(arg))
		return 0;
	err = ef_policy_find(&a->policy_dirs, arg, a->policy_buf, &bad_dir);
	if (!err) {
		a->policy = a->policy_buf;
		return 0;
	}
	if (bad_dir) {
		fprintf(stderr, "%s: cannot look for policy %s in %s: %s\n",
			prog, arg, bad_dir, strerror(-err));
		return EXIT_INPUT;
	}
	fprintf(stderr, "%s: %s: no such file, and no policy of that name in", prog,
		arg);
	for (size_t i = 0; i < a->policy_dirs.n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", a->policy_dirs.v[i]);
	fputc('\n', stderr);
	return EXIT_INPUT;
}

static const struct {
	const char *name;
	int (*fn)(const struct args *a);
	const char *usage;
	const char *description;
} commands[] = {
	{ "check", cmd_check, "POLICY [--site SITE]",
	  "Validates a policy (and site) offline; nothing is applied" },
	{ "compile", cmd_compile, "POLICY --site SITE",
	  "Prints the ruleset the policy compiles to, as nft text" },
	{ "apply", cmd_apply, "POLICY --site SITE [--replace] [--json]",
	  "Sends what differs from the live table, in one batch" },
	{ "diff", cmd_diff, "[POLICY --site SITE] [--json]",
	  "What apply would send (exit 3 if anything); no POLICY: edgefwd's" },
	{ "show", cmd_show, "[--counters]",
	  "Reads table inet edgefw from the kernel and prints it" },
	{ "verify", cmd_verify, "POLICY --site SITE",
	  "Exits 0 if the live table equals the compiled policy, 3 if not" },
	{ "hello", cmd_daemon, "", "Asks edgefwd for its protocol version" },
	{ "status", cmd_daemon, "",
	  "edgefwd's active policy, generation, last reconcile, corrections" },
	{ "reconcile", cmd_daemon, "", "Has edgefwd reconcile now" },
	{ "reload", cmd_daemon, "", "Has edgefwd read the site and policy again" },
	{ "switch", cmd_daemon, "NAME [--dry-run] [--confirm SECONDS]",
	  "Has edgefwd apply another policy (and go back unless confirmed)" },
	{ "confirm", cmd_daemon, "[ID]", "Keeps the policy a switch --confirm applied (switch ID only)" },
	{ "rollback", cmd_daemon, "[ID]", "Goes back to the policy before the last switch (while ID waits)" },
	{ "list", cmd_daemon, "", "The policies edgefwd can switch to" },
	{ "counters", cmd_daemon, "",
	  "Packets and bytes per policy row, with the row's note" },
	{ "metrics", cmd_metrics, "[--socket PATH]",
	  "edgefwd's status and row counters for Prometheus (text format)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND [ARGS]\n\nCommands:\n", prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %-40s %s\n", commands[i].name,
			commands[i].usage, commands[i].description);
	fprintf(f, "\nPOLICY is a file, or a name looked up as NAME.policy in the first\n"
		   "--policy-dir DIR that has it (default %s, then\n%s).\n",
		EF_POLICY_DIR_LOCAL, EF_POLICY_DIR_SHIPPED);
	fprintf(f, "\nedgefwd's commands take --socket PATH (default /run/edgefw/control;\n"
		   "/run/edgefw/read for looking only), --timeout SECONDS (default 60)\n"
		   "and --json.\n");
	fprintf(f, "\nExit status: 0 ok, 1 runtime or kernel error, "
		   "2 bad input or usage (nothing applied), 3 differs.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "counters", no_argument, NULL, 'c' },
		{ "replace", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "confirm", required_argument, NULL, 'C' },
		{ "policy-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* A switch to a large policy compiles and applies it before the
	 * answer: seconds at most; a daemon that hangs must not hang its
	 * callers (scripts, timers) with it. */
	struct args a = { .socket = "/run/edgefw/control", .timeout = 60 };
	char *words[6];
	const char *confirm = NULL;
	bool dry_run = false;
	const char *cmd;
	int c;

	/* Options may stand before or after the command (getopt permutes). */
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a.site = optarg;
			break;
		case 'c':
			a.counters = true;
			break;
		case 'r':
			a.replace = true;
			break;
		case 'j':
			a.json = true;
			break;
		case 'S':
			a.socket = optarg;
			break;
		case 'T': {
			char *end;
			unsigned long t = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || !t ||
			    t > 3600) {
				fprintf(stderr, "%s: --timeout must be 1 to 3600 seconds, not '%s'\n",
					prog, optarg);
				return EXIT_INPUT;
			}
			a.timeout = (unsigned int)t;
			break;
		}
		case 'd':
			dry_run = true;
			break;
		case 'C':
			confirm = optarg;
			break;
		case 'P':
			if (ef_policy_dirs_add(&a.policy_dirs, optarg)) {
				fprintf(stderr, "%s: at most %d --policy-dir\n",
					prog, EF_POLICY_DIRS_MAX);
				return EXIT_INPUT;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return EXIT_INPUT;
		}
	}
	ef_policy_dirs_default(&a.policy_dirs);
	if (optind >= argc || !strcmp(argv[optind], "help")) {
		usage(optind >= argc ? stderr : stdout);
		return optind >= argc ? EXIT_INPUT : 0;
	}
	cmd = argv[optind++];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		bool wants_policy = commands[i].fn != cmd_show &&
				    commands[i].fn != cmd_metrics;

		if (strcmp(cmd, commands[i].name))
			continue;
		/* diff without a policy asks the daemon. */
		if (commands[i].fn == cmd_daemon ||
		    (commands[i].fn == cmd_diff && optind == argc)) {
			/* The request as the protocol spells it. */
			a.argc = 0;
			words[a.argc++] = (char *)cmd;
			if (optind < argc && a.argc < 3)
				words[a.argc++] = argv[optind++];
			if (dry_run)
				words[a.argc++] = (char *)"--dry-run";
			if (confirm) {
				words[a.argc++] = (char *)"--confirm";
				words[a.argc++] = (char *)confirm;
			}
			if (optind != argc) {
				fprintf(stderr, "Usage: %s %s %s\n", prog, cmd,
					commands[i].usage);
				return EXIT_INPUT;
			}
			a.argv = words;
			return cmd_daemon(&a);
		}
		if (wants_policy && optind != argc - 1) {
			fprintf(stderr, "Usage: %s %s %s\n", prog, cmd,
				commands[i].usage);
			return EXIT_INPUT;
		}
		if (!wants_policy && optind != argc) {
			fprintf(stderr, "Usage: %s %s %s\n", prog, cmd,
				commands[i].usage);
			return EXIT_INPUT;
		}
		if (wants_policy) {
			int status = find_policy(&a, argv[optind]);

			if (status)
				return status;
		}
		return commands[i].fn(&a);
	}
	fprintf(stderr, "%s: unknown command '%s'\n\n", prog, cmd);
	usage(stderr);
	return EXIT_INPUT;
}
