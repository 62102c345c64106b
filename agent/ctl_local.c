// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl's commands on policy files and the kernel, without edgefwd:
 * check, compile, apply, diff with a POLICY, show, verify; and finding a
 * POLICY given by name.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "feature.h"
#include "json.h"
#include "load.h"
#include "nft_emit.h"
#include "nl.h"
#include "paths.h"
#include "policy.h"
#include "reconcile.h"
#include "state.h"

/* A command's options and its POLICY. */
struct local_args {
	const char *policy;
	char policy_buf[PATH_MAX];	/* a policy found by name */
	/* Where a policy given by name is looked for, in order; as edgefwd. */
	struct ef_policy_dirs policy_dirs;
	const char *site;
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

/*
 * Parses and compiles; prints every diagnostic. Never owns the table: the
 * lock is for a reconciler that stays (edgefwd), and this process ends.
 * Returns an exit status; 0 with all of *ret.
 */
/* What a command needs of its load. */
enum {
	NEED_SITE = 1 << 0,	/* --site is required */
	/* It talks to this machine's kernel: the site is compared with
	 * this machine (interfaces, addresses), with warnings. check and
	 * compile do not: they may run on another machine. */
	ON_HOST = 1 << 1,
};

static int load(const struct local_args *a, unsigned int flags,
		struct ef_loaded *ret)
{
	const struct ef_load_opts opts = {
		.policy = a->policy,
		.site = a->site,
		.transient = true,
		.check_host = flags & ON_HOST,
	};
	bool need_site = flags & NEED_SITE;
	struct ef_diags d = { 0 };
	int err = ef_load(&opts, &d, ret), status = 0;

	if (err == -ENOMEM) {
		status = EXIT_RUNTIME;
	} else if (need_site && !a->site) {
		fprintf(stderr, "%s: --site SITE is needed\n", prog);
		status = EXIT_INPUT;
	} else if (err) {
		status = EXIT_INPUT;
	}
	print_diags(&d);
	if (err == -ENOMEM && !d.errors)
		fprintf(stderr, "%s: out of memory\n", prog);
	ef_diags_free(&d);
	if (status)
		ef_loaded_free(ret);
	return status;
}

static int print_model(const struct ef_model *m, unsigned int flags)
{
	struct ef_strbuf sb = { 0 };

	ef_emit_nft(&sb, m, flags);
	return put_text(&sb);
}

static int compile(const struct local_args *a)
{
	struct ef_loaded l;
	int status = load(a, NEED_SITE, &l);

	if (!status)
		status = print_model(l.model, 0);
	ef_loaded_free(&l);
	return status;
}

/*
 * Each feature of the policy, on or off in the site (on without one), and
 * the rows it keeps:
 *   xmpp-federation  on   XMPP federation  rows 1, 17
 */
static void print_features(const struct ef_policy *pol,
			   const struct ef_site *site)
{
	uint32_t on = ef_features_on(pol, site);
	int name_w = 0, title_w = 0;

	if (!pol->nfeatures)
		return;
	for (size_t i = 0; i < pol->nfeatures; i++) {
		int n = (int)strlen(pol->features[i].name);
		int t = (int)strlen(pol->features[i].title);

		name_w = n > name_w ? n : name_w;
		title_w = t > title_w ? t : title_w;
	}
	printf("features:\n");
	for (size_t i = 0; i < pol->nfeatures; i++) {
		const struct ef_feature *f = &pol->features[i];
		size_t nrows = 0, k = 0;

		for (size_t r = 0; r < pol->nrows; r++)
			nrows += !!(pol->rows[r].features & (1u << i));
		printf("  %-*s  %-3s  %-*s  %s", name_w, f->name,
		       on & (1u << i) ? "on" : "off", title_w, f->title,
		       nrows == 1 ? "row" : "rows");
		for (size_t r = 0; r < pol->nrows; r++)
			if (pol->rows[r].features & (1u << i))
				printf("%s%u", k++ ? ", " : " ",
				       pol->rows[r].id);
		putchar('\n');
	}
}

static int check(const struct local_args *a)
{
	struct ef_loaded l;
	int status = load(a, 0, &l);

	if (status)
		return status;
	if (l.model && l.site->nrows)
		printf("%s: ok: policy %s, %zu rows, %zu site rows, %zu set elements\n",
		       a->policy, l.policy->name, l.policy->nrows,
		       l.site->nrows, ef_model_elem_count(l.model));
	else if (l.model)
		printf("%s: ok: policy %s, %zu rows, %zu set elements\n",
		       a->policy, l.policy->name, l.policy->nrows,
		       ef_model_elem_count(l.model));
	else
		printf("%s: ok: policy %s, %zu rows\n", a->policy,
		       l.policy->name, l.policy->nrows);
	print_features(l.policy, l.site);
	ef_loaded_free(&l);
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

static void report_reconcile(const struct local_args *a,
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
static int load_and_open(const struct local_args *a, struct ef_loaded *l,
			 struct ef_nl **nl)
{
	int status = load(a, NEED_SITE | ON_HOST, l);

	return status ? status : open_nl(nl);
}

static int apply(const struct local_args *a)
{
	struct ef_reconcile_report rep;
	struct ef_loaded l;
	struct ef_nl *nl = NULL;
	char *why = NULL;
	int status, err;

	status = load_and_open(a, &l, &nl);
	if (status)
		goto out;
	/* The model is all the kernel write needs: a large group's file and
	 * addresses go before its batch is built. */
	ef_site_free(l.site);
	l.site = NULL;
	if (a->replace) {
		err = ef_nl_replace(nl, l.model, &why);
		if (!err)
			printf("replaced table inet %s with %s: %zu set elements\n",
			       EF_TABLE, a->policy, ef_model_elem_count(l.model));
	} else {
		err = ef_reconcile(nl, l.model, &rep, &why);
		if (!err)
			report_reconcile(a, &rep, l.model);
	}
	if (err == -EAGAIN)
		fprintf(stderr, "%s: gave up after %d tries: the ruleset changed under every one of them\n",
			prog, EF_RECONCILE_TRIES);
	if (err)
		status = kernel_error("the kernel refused the ruleset", err, why);
out:
	ef_nl_close(nl);
	ef_loaded_free(&l);
	return status;
}

static int diff_policy(const struct local_args *a)
{
	struct ef_model *live = NULL;
	struct ef_delta delta = { 0 };
	struct ef_loaded l;
	struct ef_nl *nl = NULL;
	struct ef_strbuf sb = { 0 };
	char *why = NULL;
	int status, err;

	status = load_and_open(a, &l, &nl);
	if (status)
		goto out;
	err = ef_plan(nl, l.model, &live, &delta, &why);
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
	ef_loaded_free(&l);
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

static int show(const struct local_args *a)
{
	struct ef_model *live = NULL;
	int status = read_live(&live);

	if (!status)
		status = print_model(live, a->counters ? EF_EMIT_COUNTERS : 0);
	ef_model_free(live);
	return status;
}

static int verify(const struct local_args *a)
{
	struct ef_model *live = NULL;
	struct ef_loaded l;
	int status = load(a, NEED_SITE | ON_HOST, &l);

	if (!status)
		status = read_live(&live);
	if (!status && !ef_model_equal(l.model, live)) {
		fprintf(stderr, "%s: table inet %s differs from %s\n", prog,
			EF_TABLE, a->policy);
		status = EXIT_DIFFERS;
	} else if (!status) {
		printf("table inet %s matches %s\n", EF_TABLE, a->policy);
	}
	ef_loaded_free(&l);
	ef_model_free(live);
	return status;
}

/*
 * POLICY on the command line: a file as before (a path with a slash, a
 * .policy file, any file here), else a name looked up as edgefwd does,
 * in the first --policy-dir that has NAME.policy.
 */
static int find_policy(struct local_args *a, const char *arg)
{
	size_t len = strlen(arg);
	const char *bad_dir;
	struct stat st;
	int err;

	ef_policy_dirs_default(&a->policy_dirs);
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

/* ---- The commands' arguments ---- */

static int local_opt(void *ctx, const char *cmd, int opt, const char *arg)
{
	struct local_args *a = ctx;

	switch (opt) {
	case OPT_SITE:
		a->site = arg;
		break;
	case OPT_POLICY_DIR:
		if (ef_policy_dirs_add(&a->policy_dirs, arg))
			return ctl_refuse(cmd, "at most %d --policy-dir",
					  EF_POLICY_DIRS_MAX);
		break;
	case OPT_REPLACE:
		a->replace = true;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_COUNTERS:
		a->counters = true;
		break;
	}
	return 0;
}

static const struct option policy_opts[] = {
	O_SITE, O_POLICY_DIR, O_HELP, O_END
};

/* POLICY may be left out when the site names one (policy = NAME). */
static const struct ctl_syntax check_syntax = {
	{ "[POLICY] [--site SITE] [--policy-dir DIR]..." }, policy_opts, 0, 1
};

/* compile, verify */
static const struct ctl_syntax policy_site_syntax = {
	{ "[POLICY] --site SITE [--policy-dir DIR]..." }, policy_opts, 0, 1
};

static const struct ctl_syntax apply_syntax = {
	{ "[POLICY] --site SITE [--replace | --json] [--policy-dir DIR]..." },
	(const struct option[]){ O_SITE, O_POLICY_DIR, O_REPLACE, O_JSON,
				 O_HELP, O_END },
	0, 1
};

static const struct ctl_syntax diff_syntax = {
	{ "POLICY --site SITE [--policy-dir DIR]... [--json]",
	  CTL_DAEMON_USAGE },
	(const struct option[]){ O_SITE, O_POLICY_DIR, O_JSON, O_SOCKET,
				 O_TIMEOUT, O_HELP, O_END },
	0, 1
};

static const struct ctl_syntax show_syntax = {
	{ "[--counters]" },
	(const struct option[]){ O_COUNTERS, O_HELP, O_END },
	0, 0
};

/* No POLICY given: the one the site names, looked up by name. */
static int site_policy(struct local_args *a, const char *cmd)
{
	struct ef_diags d = { 0 };
	char name[EF_ROLE_MAX];
	int err;

	if (!a->site)
		return ctl_refuse(cmd, "a POLICY, or --site SITE naming one (policy = NAME), is needed");
	err = ef_site_policy(a->site, name, &d);
	print_diags(&d);
	ef_diags_free(&d);
	if (err == -ENOENT)
		fprintf(stderr, "%s: %s: no 'policy = NAME' line: name the POLICY on the command line or in the site\n",
			prog, a->site);
	return err ? EXIT_INPUT : find_policy(a, name);
}

int ctl_load_offline(const char *cmd, const char *policy, const char *site,
		     const struct ef_policy_dirs *dirs, struct ef_loaded *ret)
{
	struct local_args a = { .site = site };
	int status;

	if (dirs)
		a.policy_dirs = *dirs;
	status = policy ? find_policy(&a, policy) : site_policy(&a, cmd);
	return status ?: load(&a, NEED_SITE, ret);
}

/* A command on a POLICY: its options, the policy found, then fn. */
static int on_policy(const struct ctl_syntax *syn, int argc, char **argv,
		     int (*fn)(const struct local_args *a))
{
	struct local_args a = { 0 };
	struct ctl_words w;
	int status = ctl_parse(syn, argc, argv, local_opt, &a, &w);

	if (status != CTL_GO)
		return status;
	if (w.n)
		return find_policy(&a, w.v[0]) ?: fn(&a);
	return site_policy(&a, argv[0]) ?: fn(&a);
}

int cmd_check(int argc, char **argv)
{
	return on_policy(&check_syntax, argc, argv, check);
}

int cmd_compile(int argc, char **argv)
{
	return on_policy(&policy_site_syntax, argc, argv, compile);
}

int cmd_verify(int argc, char **argv)
{
	return on_policy(&policy_site_syntax, argc, argv, verify);
}

/* --replace sends the table whole and says so in words. */
static int apply_checked(const struct local_args *a)
{
	if (a->replace && a->json)
		return ctl_refuse("apply",
				  "options '--replace' and '--json' do not go together (--replace prints no JSON)");
	return apply(a);
}

int cmd_apply(int argc, char **argv)
{
	return on_policy(&apply_syntax, argc, argv, apply_checked);
}

int cmd_show(int argc, char **argv)
{
	struct local_args a = { 0 };
	int status = ctl_parse(&show_syntax, argc, argv, local_opt, &a, NULL);

	return status == CTL_GO ? show(&a) : status;
}

/*
 * diff POLICY compares the live table with the policy compiled here;
 * diff alone asks edgefwd. Each form takes its own options (and --json).
 */
struct diff_args {
	struct local_args local;
	struct ctl_daemon_args daemon;
	int local_opt, daemon_opt;	/* one of each form's own, if given */
};

static int diff_opt(void *ctx, const char *cmd, int opt, const char *arg)
{
	struct diff_args *a = ctx;

	if (opt == OPT_SOCKET || opt == OPT_TIMEOUT) {
		a->daemon_opt = opt;
		return ctl_daemon_opt(&a->daemon, cmd, opt, arg);
	}
	if (opt == OPT_JSON)
		a->daemon.json = true;
	else
		a->local_opt = opt;
	return local_opt(&a->local, cmd, opt, arg);
}

int cmd_diff(int argc, char **argv)
{
	static const struct ef_ctl_request rq = { .cmd = EF_CTL_DIFF };
	struct diff_args a = { .daemon = CTL_DAEMON_ARGS_INIT };
	struct ctl_words w;
	int status = ctl_parse(&diff_syntax, argc, argv, diff_opt, &a, &w);

	if (status != CTL_GO)
		return status;
	if (!w.n && a.local_opt)
		return ctl_refuse(argv[0], "option '--%s' does not apply without a POLICY (edgefwd's diff); see %s diff --help",
				  ctl_opt_name(a.local_opt), prog);
	if (!w.n)
		return ctl_daemon_ask(&a.daemon, &rq);
	if (a.daemon_opt)
		return ctl_refuse(argv[0], "option '--%s' does not apply with a POLICY (edgefwd is not asked); see %s diff --help",
				  ctl_opt_name(a.daemon_opt), prog);
	return find_policy(&a.local, w.v[0]) ?: diff_policy(&a.local);
}
