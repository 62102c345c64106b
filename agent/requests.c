// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What each control request does and what it answers: one JSON line per
 * request (edgefwctl(8)). Reads the rooms; changes go through switch.c
 * and enforce.c. The read-only socket gets only the requests that change
 * nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "counters.h"
#include "daemon.h"
#include "diff.h"
#include "drop_log.h"
#include "explain.h"
#include "json.h"
#include "log.h"
#include "nft_emit.h"
#include "util.h"

/* The reply's text; the object is done with. */
static char *reply(struct json_object *o)
{
	char *text = ef_ctl_reply_text(o);

	json_object_put(o);
	return text;
}

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *policy_dirs_json(const struct daemon *d)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < d->set.policy_dirs.n; i++)
		json_object_array_add(arr, jstr(d->set.policy_dirs.v[i]));
	return arr;
}

/* [{"chain":"input","family":"ip","packets":N,"bytes":N}, ...]: what the
 * policy of each chain of `m` dropped, as the rules of `live` counted it;
 * NULL when out of memory. */
static struct json_object *drops_json(const struct ef_model *m,
				      const struct ef_model *live)
{
	struct ef_drop_count *drops;
	struct json_object *arr;
	size_t n;

	if (ef_drop_counters(m, live, &drops, &n))
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		add(o, "chain", jstr(drops[i].chain));
		add(o, "family", jstr(ef_family_name(drops[i].nfproto)));
		add(o, "packets", json_object_new_uint64(drops[i].packets));
		add(o, "bytes", json_object_new_uint64(drops[i].bytes));
		json_object_array_add(arr, o);
	}
	free(drops);
	return arr;
}

/* The drops now: the rules alone are read, never the sets (a status is
 * asked for often, and a large group's set is slow to dump). Left out
 * when the table cannot be read. */
static void add_drops(struct daemon *d, const struct ef_model *m,
		      struct json_object *o)
{
	struct ef_model *live = NULL;
	struct json_object *drops;

	if (!m || ef_nl_read_rules(d->enf.nl, &live))
		return;
	drops = drops_json(m, live);
	if (drops)
		add(o, "drops", drops);
	ef_model_free(live);
}

static bool logs_drops(const struct ef_model *m)
{
	for (size_t c = 0; c < m->nchains; c++)
		for (size_t i = 0; i < m->chains[c].nrules; i++)
			if (m->chains[c].rules[i].log)
				return true;
	return false;
}

static char *do_status(struct daemon *d)
{
	const struct enforce *e = &d->enf;
	const struct switcher *sw = &d->sw;
	const struct ef_model *m = ef_reconciler_model(&e->rec);
	struct json_object *o = ef_ctl_ok();
	uint32_t genid = 0;
	bool known;

	watch_catch_up(d);
	known = ef_reconciler_known(&d->enf.rec, &genid);

	add(o, "policy", jstr(e->policy));
	add(o, "version", jstr(EF_VERSION));
	add(o, "kernel", jstr(d->set.kernel));
	add(o, "site", jstr(d->set.site_path));
	add(o, "policy_file", jstr(e->policy_file));
	add(o, "policy_dirs", policy_dirs_json(d));
	add(o, "generation", json_object_new_uint64(genid));
	add(o, "in_sync", json_object_new_boolean(known));
	add(o, "last_reconcile", json_object_new_int64(e->last_time));
	add(o, "last_result",
	    jstr(e->last_result ? ef_nl_strerror(e->last_result) : "ok"));
	add(o, "reconciles", json_object_new_uint64(e->reconciles));
	add(o, "drift_corrections", json_object_new_uint64(e->corrections));
	add(o, "elements", json_object_new_uint64(m ? ef_model_elem_count(m) : 0));
	add(o, "locked", json_object_new_boolean(m && m->table_flags));
	add(o, "exceptions", json_object_new_uint64(d->exc.list.n));
	add(o, "writer_fights", json_object_new_uint64(d->fight.fights));
	add(o, "fighting", json_object_new_boolean(d->fight.fighting));
	/* Where a rollback with no switch waiting would go. */
	if (!sw->revert_to[0] && sw->previous[0])
		add(o, "previous", jstr(sw->previous));
	if (sw->revert_to[0]) {
		add(o, "unconfirmed", json_object_new_boolean(1));
		add(o, "reverts_to", jstr(sw->revert_to));
		add(o, "confirm_by", json_object_new_int64(sw->confirm_by));
		add(o, "switch_id", json_object_new_uint64(sw->id));
	}
	/* No model before the first apply: no rules to speak of. */
	if (m)
		add(o, "drop_log", jstr(ef_drop_log_where(EF_PROC_NETFILTER,
							  logs_drops(m))));
	add_drops(d, m, o);
	return reply(o);
}

/* The error reply: "what: why", or either alone; why is taken over. */
static char *failed(const char *what, char *why)
{
	char *text = NULL, *r;

	if (what && why && asprintf(&text, "%s: %s", what, why) < 0)
		text = NULL;
	r = ef_ctl_error_text(text ? text : why ? why : what ? what :
				     "out of memory");
	free(text);
	free(why);
	return r;
}

/* {"ok":true,"policy":...}: what a change of policy answers. */
static struct json_object *policy_reply(const struct daemon *d)
{
	struct json_object *o = ef_ctl_ok();

	add(o, "policy", jstr(d->enf.policy));
	return o;
}

/* The lines of a delta's text a dry run answers with: enough to review a
 * change by eye; `edgefwctl diff` on the host shows all of a larger one. */
#define DRY_RUN_LINES 500

/* The first DRY_RUN_LINES lines of the delta, and how many were left out. */
static struct json_object *delta_text(const struct ef_delta *delta,
				      size_t *ret_left)
{
	struct ef_strbuf sb = { 0 };
	struct json_object *o;
	size_t lines = 0;
	char *p;

	ef_emit_delta(&sb, delta);
	*ret_left = 0;
	for (p = sb.buf; p && *p; p++) {
		if (*p != '\n')
			continue;
		if (++lines == DRY_RUN_LINES && p[1]) {
			for (char *q = p + 1; *q; q++)
				*ret_left += *q == '\n';
			p[1] = '\0';
			break;
		}
	}
	o = jstr(sb.buf);
	ef_sb_free(&sb);
	return o;
}

/*
 * Compiles NAME and says what switching to it would send, without sending
 * it: the delta against the table as the daemon holds it when nobody has
 * committed since (no read), else against the table read back. Changes
 * nothing and logs nothing, so the read-only socket may ask.
 */
static char *do_dry_run(struct daemon *d, const char *name)
{
	const struct ef_model *held = ef_reconciler_model(&d->enf.rec);
	struct ef_delta delta = { 0 };
	struct ef_model *m = NULL, *live = NULL;
	struct json_object *o, *size;
	char *why = NULL;
	size_t left;
	int err = enforce_compile(d, name, true, &m, NULL, &why);

	if (err) {
		ef_model_free(m);
		return failed(NULL, why);
	}
	if (held && ef_reconciler_known(&d->enf.rec, NULL))
		err = ef_diff(m, held, &delta);
	else
		err = ef_plan(d->enf.nl, m, &live, &delta, &why);
	if (err) {
		ef_model_free(m);
		ef_model_free(live);
		return failed("cannot compute the delta",
			      why ? why : strdup(ef_nl_strerror(err)));
	}
	o = ef_ctl_ok();
	add(o, "dry_run", json_object_new_boolean(1));
	add(o, "policy", jstr(name));
	size = ef_delta_json(&delta);
	add(o, "delta", size);
	/* The elements each op carries are what `diff` is for. */
	json_object_object_del(size, "ops");
	add(o, "delta_text", delta_text(&delta, &left));
	add(o, "delta_lines_left_out", json_object_new_uint64(left));
	ef_delta_free(&delta);
	ef_model_free(live);
	ef_model_free(m);
	return reply(o);
}

static char *do_switch(struct daemon *d, const struct ef_ctl_request *rq)
{
	struct json_object *o;
	char *why = NULL;

	if (rq->dry_run)
		return do_dry_run(d, rq->name);
	if (switch_to(d, rq->name, rq->confirm_secs, &why))
		return failed(NULL, why);
	o = policy_reply(d);
	if (rq->confirm_secs) {
		add(o, "confirm_by", json_object_new_int64(d->sw.confirm_by));
		add(o, "switch_id", json_object_new_uint64(d->sw.id));
	}
	return reply(o);
}

static char *do_list(struct daemon *d)
{
	struct json_object *o, *arr;
	struct ef_policy_names names;
	const char *bad_dir;
	int err = ef_policy_list(&d->set.policy_dirs, &names, &bad_dir);

	if (err) {
		char why[EF_CTL_REQUEST_MAX];

		snprintf(why, sizeof(why), "cannot read policy directory %s: %s",
			 bad_dir ? bad_dir : "?", strerror(-err));
		return ef_ctl_error_text(why);
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < names.n; i++)
		json_object_array_add(arr, jstr(names.v[i]));
	ef_policy_names_free(&names);
	o = ef_ctl_ok();
	add(o, "active", jstr(d->enf.policy));
	add(o, "policies", arr);
	add(o, "policy_dirs", policy_dirs_json(d));
	return reply(o);
}

static char *do_diff(struct daemon *d)
{
	struct ef_model *live = NULL;
	struct ef_delta delta = { 0 };
	struct json_object *o;
	char *why = NULL;
	/* Nobody committed since the table matched: nothing to read (a
	 * dump of a large table is what a looker must not make us do at
	 * will). */
	int err = ef_reconciler_plan(&d->enf.rec, &live, &delta, &why);

	if (err) {
		log_err("diff: cannot read table inet %s: %s%s%s", EF_TABLE,
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
		free(why);
		return ef_ctl_error_text("cannot read the table: see the log");
	}
	free(why);
	o = ef_delta_json(&delta);
	add(o, "ok", json_object_new_boolean(1));
	ef_delta_free(&delta);
	ef_model_free(live);
	return reply(o);
}

/* A row and where it was written, with its note. */
static struct json_object *row_json(const struct ef_row *r)
{
	struct json_object *row = json_object_new_object();

	add(row, "row", json_object_new_uint64(r->id));
	add(row, "where", jstr(r->where));
	add(row, "note", jstr(r->note));
	return row;
}

/*
 * Per policy row: what the elements serving it counted, with its note.
 * An element several rows share counts for each of them. And what each
 * chain's policy dropped, from the same read. Rows whose features the
 * site turned off are not in the kernel: they are listed apart, with
 * their features, not as rows that count nothing (a series stuck at 0
 * would say the row is there and never matched).
 */
static char *do_counters(struct daemon *d)
{
	const struct ef_model *m = ef_reconciler_model(&d->enf.rec);
	struct ef_row_count *counts = NULL;
	struct ef_model *live = NULL;
	struct json_object *o, *arr, *off, *drops;

	if (ef_nl_read(d->enf.nl, &live, NULL))
		return ef_ctl_error_text("cannot read the table");
	arr = json_object_new_array();
	off = json_object_new_array();
	if (!ef_row_counters(m, live, &counts)) {
		for (size_t r = 0; r < m->nrows; r++) {
			struct json_object *row = row_json(&m->rows[r]);

			if (m->rows[r].off) {
				add(row, "features", jstr(m->rows[r].features));
				json_object_array_add(off, row);
				continue;
			}
			add(row, "packets", json_object_new_uint64(counts[r].packets));
			add(row, "bytes", json_object_new_uint64(counts[r].bytes));
			json_object_array_add(arr, row);
		}
	}
	free(counts);
	drops = drops_json(m, live);
	ef_model_free(live);
	o = ef_ctl_ok();
	add(o, "policy", jstr(d->enf.policy));
	add(o, "rows", arr);
	if (json_object_array_length(off))
		add(o, "off_rows", off);
	else
		json_object_put(off);
	if (drops)
		add(o, "drops", drops);
	return reply(o);
}

/* A part of an exception as people read it. */
static struct json_object *jpart(void (*fn)(struct ef_strbuf *,
					    const struct ef_exception *),
				 const struct ef_exception *x)
{
	struct ef_strbuf sb = { 0 };
	struct json_object *o;

	fn(&sb, x);
	o = jstr(sb.buf);
	ef_sb_free(&sb);
	return o;
}

/* An exception as allow and exceptions answer it; hits NULL: none read. */
static struct json_object *exception_json(const struct ef_exception *x,
					  const struct ef_row_count *hits)
{
	struct json_object *o = json_object_new_object();

	add(o, "id", json_object_new_uint64(x->id));
	add(o, "proto", jstr(ef_exception_proto(x)));
	add(o, "port", jpart(ef_exception_ports, x));
	add(o, "from", jpart(ef_exception_from, x));
	add(o, "to", jpart(ef_exception_to, x));
	add(o, "left", json_object_new_uint64(exceptions_secs_left(x)));
	add(o, "uid", json_object_new_uint64(x->uid));
	add(o, "packets", json_object_new_uint64(hits ? hits->packets : 0));
	add(o, "bytes", json_object_new_uint64(hits ? hits->bytes : 0));
	add(o, "note", jstr(x->note));
	return o;
}

static char *do_allow(struct daemon *d, const struct ef_ctl_allow *a,
		      uid_t uid)
{
	const struct ef_exception *x = NULL;
	struct json_object *o;
	char *why = NULL;

	if (exceptions_allow(d, a, uid, &x, &why))
		return failed(NULL, why);
	o = ef_ctl_ok();
	add(o, "exception", exception_json(x, NULL));
	add(o, "opens", jpart(ef_exception_text, x));
	return reply(o);
}

static char *do_revoke(struct daemon *d, uint32_t id, uid_t uid)
{
	struct json_object *o;
	char *why = NULL;

	if (exceptions_revoke(d, id, uid, &why))
		return failed(NULL, why);
	o = ef_ctl_ok();
	add(o, "revoked", json_object_new_uint64(id));
	return reply(o);
}

/* Each exception with the time it has left and what it counted. */
static char *do_exceptions(struct daemon *d)
{
	struct ef_row_count *hits = NULL;
	struct json_object *o, *arr;

	exceptions_tick(d);	/* not one that has expired */
	if (exceptions_hits(d, &hits))
		return ef_ctl_error_text("cannot read the table");
	arr = json_object_new_array();
	for (size_t i = 0; i < d->exc.list.n; i++)
		json_object_array_add(arr, exception_json(&d->exc.list.v[i],
							  &hits[i]));
	free(hits);
	o = ef_ctl_ok();
	add(o, "exception_max", json_object_new_uint64(d->enf.exception_max));
	add(o, "exceptions", arr);
	return reply(o);
}

static char *do_hello(void)
{
	struct json_object *o = ef_ctl_ok();

	add(o, "version", json_object_new_int(EF_CTL_VERSION));
	add(o, "server", jstr("edgefwd"));
	return reply(o);
}

/* Confirm or rollback: the new state, or why not. */
static char *settled(struct daemon *d, int err, char *why)
{
	return err ? failed(NULL, why) : reply(policy_reply(d));
}

/*
 * explain, on what the kernel runs: when the table is known to equal the
 * model (nobody committed since), the model itself and the live timed
 * exceptions (two small sets), not a dump of a large table at a
 * looker's will; else the whole table read back, so that drift shows.
 */
static char *do_explain(struct daemon *d, const struct ef_ctl_explain *rx)
{
	const struct ef_model *m = ef_reconciler_model(&d->enf.rec);
	static const char *const runtime_sets[] = { EF_SET_EX4, EF_SET_EX6 };
	struct ef_explain_models on = { .rules = m, .meta = m };
	struct ef_model *live = NULL;
	struct json_object *o, *x_json;
	struct ef_explanation x;
	const char *which = "desired";
	struct ef_flow f;
	int err = 0;

	if (!m)
		return ef_ctl_error_text("no policy is applied yet");
	if (ef_reconciler_known(&d->enf.rec, NULL)) {
		live = ef_model_new();
		for (size_t i = 0; live && i < ARRAY_SIZE(runtime_sets) && !err; i++)
			err = ef_nl_read_set(d->enf.nl, live, runtime_sets[i]);
		on.runtime = live;
	} else {
		err = ef_nl_read(d->enf.nl, &live, NULL);
		on.rules = live;
		which = "live";
	}
	if (!live || err) {
		ef_model_free(live);
		return ef_ctl_error_text("cannot read the table");
	}
	ef_ctl_explain_flow(rx, &f);
	ef_explain(&on, &f, rx->from.family != 0, &x);
	x_json = ef_explanation_json(&x, m);
	ef_explanation_free(&x);
	ef_model_free(live);
	if (!x_json)
		return ef_ctl_error_text("out of memory");
	o = ef_ctl_ok();
	add(o, "policy", jstr(d->enf.policy));
	add(o, "model", jstr(which));
	json_object_object_foreach(x_json, key, val)
		add(o, key, json_object_get(val));
	json_object_put(x_json);
	return reply(o);
}

char *request_handle(struct daemon *d, const char *line, bool read_only,
		     uid_t uid)
{
	struct ef_ctl_request rq;
	const char *bad;
	char ro[96], *why = NULL;
	int err;

	if (ef_ctl_parse(line, &rq, &bad) < 0)
		return ef_ctl_error_text(bad);
	if (read_only && !ef_ctl_request_read_only(&rq)) {
		snprintf(ro, sizeof(ro), "read-only socket: %s needs the control socket",
			 ef_ctl_cmd_name(rq.cmd));
		return ef_ctl_error_text(ro);
	}
	switch (rq.cmd) {
	case EF_CTL_HELLO:
		return do_hello();
	case EF_CTL_STATUS:
		return do_status(d);
	case EF_CTL_RECONCILE:
		ef_reconciler_forget(&d->enf.rec);	/* asked for: read the table */
		if (enforce_reconcile(d, NULL, true, &why))
			return failed("reconcile failed", why);
		return do_status(d);
	case EF_CTL_RELOAD:
		if (switch_reload(d, &why))
			return failed("reload failed; the running rules stay", why);
		return do_status(d);
	case EF_CTL_SWITCH:
		return do_switch(d, &rq);
	case EF_CTL_LIST:
		return do_list(d);
	case EF_CTL_DIFF:
		return do_diff(d);
	case EF_CTL_COUNTERS:
		return do_counters(d);
	case EF_CTL_CONFIRM:
		err = switch_confirm(d, rq.switch_id, &why);
		return settled(d, err, why);
	case EF_CTL_ROLLBACK:
		err = switch_rollback(d, rq.switch_id, &why);
		return settled(d, err, why);
	case EF_CTL_ALLOW:
		return do_allow(d, &rq.allow, uid);
	case EF_CTL_REVOKE:
		return do_revoke(d, rq.exception_id, uid);
	case EF_CTL_EXCEPTIONS:
		return do_exceptions(d);
	case EF_CTL_EXPLAIN:
		return do_explain(d, &rq.explain);
	}
	return ef_ctl_error_text("unknown command");
}
