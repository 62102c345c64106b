// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl explain: which rows admit a flow, or which chain drops it and
 * why. With a POLICY or --site it is answered here, from the compiled
 * policy; else edgefwd answers from the table in force. Either way the
 * flow is said as the protocol's request line and read by its parser, so
 * both forms refuse the same words with the same messages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "explain.h"
#include "json.h"

static const struct ctl_syntax explain_syntax = {
	{ "[POLICY] --site SITE [--policy-dir DIR]... [--from ADDR] --to ADDR\n"
	  "        PROTO PORT [--in IFACE] [--out IFACE] [--json]",
	  "[--from ADDR] --to ADDR PROTO PORT [--in IFACE] [--out IFACE]\n"
	  "        " CTL_DAEMON_USAGE },
	(const struct option[]){ O_SITE, O_POLICY_DIR, O_FROM, O_TO, O_IN,
				 O_OUT, O_JSON, O_SOCKET, O_TIMEOUT, O_HELP,
				 O_END },
	2, 3
};

struct explain_args {
	struct ctl_daemon_args daemon;
	const char *site;
	struct ef_policy_dirs dirs;
	const char *from, *to, *in, *out;
	int local_opt, daemon_opt;	/* one of each form's own, if given */
};

static int explain_opt(void *ctx, const char *cmd, int opt, const char *arg)
{
	struct explain_args *a = ctx;

	switch (opt) {
	case OPT_SITE:
		a->site = arg;
		a->local_opt = opt;
		return 0;
	case OPT_POLICY_DIR:
		a->local_opt = opt;
		if (ef_policy_dirs_add(&a->dirs, arg))
			return ctl_refuse(cmd, "at most %d --policy-dir",
					  EF_POLICY_DIRS_MAX);
		return 0;
	case OPT_FROM:
		a->from = arg;
		return 0;
	case OPT_TO:
		a->to = arg;
		return 0;
	case OPT_IN:
		a->in = arg;
		return 0;
	case OPT_OUT:
		a->out = arg;
		return 0;
	case OPT_SOCKET:
	case OPT_TIMEOUT:
		a->daemon_opt = opt;
		break;
	}
	return ctl_daemon_opt(&a->daemon, cmd, opt, arg);
}

/* The request line of the flow, read by the protocol's own parser. */
static int explain_request(const char *cmd, const struct explain_args *a,
			   const char *proto, const char *port,
			   struct ef_ctl_request *rq)
{
	const char *words[] = { proto, port, "to", a->to, "from", a->from,
				"in", a->in, "out", a->out };
	struct ef_strbuf sb = { 0 };
	const char *why = NULL;
	int err;

	ef_sb_printf(&sb, "explain");
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		const char *w = words[i | 1] ? words[i] : NULL;

		if (i >= 2 && !w)
			continue;
		if (!*words[i] || strpbrk(words[i], " \t\"")) {
			ef_sb_free(&sb);
			return ctl_refuse(cmd, "'%s' is not one word", words[i]);
		}
		ef_sb_printf(&sb, " %s", words[i]);
	}
	err = sb.err ? -ENOMEM : ef_ctl_parse(sb.buf, rq, &why);
	ef_sb_free(&sb);
	if (err == -ENOMEM)
		return ctl_refuse(cmd, "out of memory");
	return err ? ctl_refuse(cmd, "%s", why) : 0;
}

/* Answered here: the policy compiled with the site. */
static int explain_offline(const char *cmd, const struct explain_args *a,
			   const char *policy, const struct ef_ctl_request *rq)
{
	struct ef_explanation x;
	struct json_object *o;
	struct ef_loaded l;
	struct ef_explain_models on;
	struct ef_flow f;
	int status = ctl_load_offline(cmd, policy, a->site,
				      a->dirs.n ? &a->dirs : NULL, &l);

	if (status)
		return status;
	on = (struct ef_explain_models){ l.model, NULL, l.model };
	ef_ctl_explain_flow(&rq->explain, &f);
	ef_explain(&on, &f, rq->explain.from.family != 0, &x);
	o = ef_explanation_json(&x, l.model);
	ef_explanation_free(&x);
	if (o) {
		json_object_object_add(o, "policy",
				       json_object_new_string(l.policy->name));
		json_object_object_add(o, "model",
				       json_object_new_string("compiled"));
	}
	ef_loaded_free(&l);
	if (!o) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_RUNTIME;
	}
	if (a->daemon.json) {
		print_json(o);
		return 0;
	}
	ctl_print_explanation(o);
	json_object_put(o);
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	struct explain_args a = { .daemon = CTL_DAEMON_ARGS_INIT };
	struct ef_ctl_request rq;
	struct ctl_words w;
	bool offline;
	int status = ctl_parse(&explain_syntax, argc, argv, explain_opt, &a,
			       &w);

	if (status != CTL_GO)
		return status;
	if (!a.to)
		return ctl_refuse(argv[0], "--to ADDR is required: where the flow goes");
	offline = w.n == 3 || a.local_opt;
	if (offline && a.daemon_opt)
		return ctl_refuse(argv[0], "option '--%s' does not apply with a POLICY or --site (edgefwd is not asked); see %s explain --help",
				  ctl_opt_name(a.daemon_opt), prog);
	status = explain_request(argv[0], &a, w.v[w.n - 2], w.v[w.n - 1], &rq);
	if (status)
		return status;
	if (!offline)
		return ctl_daemon_ask(&a.daemon, &rq);
	return explain_offline(argv[0], &a, w.n == 3 ? w.v[0] : NULL, &rq);
}

/* ---- for people ---------------------------------------------------------- */

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

static bool flag(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

static struct json_object *arr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

static void print_rows(struct json_object *rows, const char *indent)
{
	for (size_t i = 0; rows && i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);

		printf("%srow %s  %s  %s", indent, str(r, "row"),
		       str(r, "where"), str(r, "note"));
		if (*str(r, "features"))
			printf("  [feature %s%s]", str(r, "features"),
			       flag(r, "off") ? ": off" : "");
		printf("\n");
	}
}

/* "in eth0 (zone external)", "in an interface of no zone", ... */
static void print_ifaces(struct json_object *x, struct json_object *ans)
{
	struct json_object *ifs = arr(ans, "interfaces");
	const char *way = strcmp(str(x, "by_interface"), "out") ? "in" : "out";
	size_t n = ifs ? json_object_array_length(ifs) : 0;

	printf("%s ", way);
	for (size_t i = 0; i < n; i++) {
		struct json_object *one = json_object_array_get_idx(ifs, i);
		const char *name = str(one, "interface");

		printf("%s%s", i ? ", " : "",
		       *name ? name : "an interface of no zone");
		if (*str(one, "zone"))
			printf(" (zone %s)", str(one, "zone"));
	}
	printf(": ");
}

static void print_reason(struct json_object *r, const char *proto,
			 const char *port)
{
	const char *kind = str(r, "reason");

	if (!strcmp(kind, "no_row")) {
		printf("    no row admits %s %s this way (to this address, in this direction)\n",
		       proto, port);
		return;
	}
	if (!strcmp(kind, "feature_off")) {
		printf("    rows for %s %s this way are turned off with their features in the site:\n",
		       proto, port);
		print_rows(arr(r, "rows"), "      ");
		return;
	}
	if (!strcmp(kind, "management_only")) {
		printf("    %s %s is for the management networks only (%s)\n",
		       proto, port, str(r, "address"));
		return;
	}
	printf("    a row for %s %s is", proto, port);
	if (*str(r, "group"))
		printf(" for peer group %s", str(r, "group"));
	if (*str(r, "interface"))
		printf(" on %s%s%s", str(r, "interface"),
		       *str(r, "zone") ? ", zone " : "", str(r, "zone"));
	if (*str(r, "address"))
		printf(" at %s%s%s%s", str(r, "address"),
		       *str(r, "role") ? " (" : "", str(r, "role"),
		       *str(r, "role") ? ")" : "");
	printf(":\n");
	print_rows(arr(r, "rows"), "      ");
}

/* Which rules were asked, for people. */
static const char *model_text(const char *model)
{
	if (!strcmp(model, "compiled"))
		return "the rules compiled here from the files";
	if (!strcmp(model, "desired"))
		return "the rules edgefwd applied (the table is known to match them)";
	if (!strcmp(model, "live"))
		return "the table read back from the kernel";
	return model;
}

void ctl_print_explanation(struct json_object *x)
{
	struct json_object *answers = arr(x, "answers");
	const char *proto = str(x, "proto"), *port = str(x, "port");

	printf("%s %s from %s%s to %s", proto, port, str(x, "from"),
	       flag(x, "from_assumed") ? " (assumed: an address in no group)" : "",
	       str(x, "to"));
	if (*str(x, "translated_to"))
		printf(", translated to %s", str(x, "translated_to"));
	printf("\n%s, policy %s; %s\n", model_text(str(x, "model")), str(x, "policy"),
	       !flag(x, "ours") ? "the destination is none of the policy's addresses" :
	       !strcmp(str(x, "direction"), "in") ? "inbound" : "outbound");
	for (size_t i = 0; answers && i < json_object_array_length(answers); i++) {
		struct json_object *a = json_object_array_get_idx(answers, i);
		const char *by = str(a, "by");
		struct json_object *why = arr(a, "reasons");

		print_ifaces(x, a);
		printf("%s by chain %s", strcmp(str(a, "verdict"), "accept") ?
					 "DROPPED" : "ADMITTED", str(a, "chain"));
		if (!strcmp(by, "policy"))
			printf("'s policy");
		else if (!strcmp(by, "exception"))
			printf(", timed exception (%s, %s s left)",
			       str(a, "comment"), str(a, "expires_in"));
		else
			printf(", %s%s%s", by, *str(a, "set") ? " in set " : "",
			       str(a, "set"));
		printf("\n");
		if (*str(a, "unknown_rules"))
			printf("    but %s rule(s) edgefwd did not write come first in chain %s, and explain cannot run them: the kernel may decide otherwise (edgefwctl diff shows them)\n",
			       str(a, "unknown_rules"), str(a, "chain"));
		print_rows(arr(a, "rows"), "    ");
		for (size_t k = 0; why && k < json_object_array_length(why); k++)
			print_reason(json_object_array_get_idx(why, k), proto,
				     port);
	}
}
