// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Status and counter replies -> Prometheus text. No I/O: the program
 * asks the daemon and prints what comes back from here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

/* A number or flag of the status reply, and the metric it becomes. */
struct fact {
	const char *key;
	const char *name;
	const char *type;
	const char *help;
	bool absent_is_zero;	/* a flag the daemon sends only when set */
};

#define COUNTER(k, n, h) { .key = k, .name = n, .type = "counter", .help = h }
#define GAUGE(k, n, h) { .key = k, .name = n, .type = "gauge", .help = h }

static const struct fact facts[] = {
	COUNTER("reconciles", "edgefw_reconciles_total",
		"Reconciles edgefwd ran since it started."),
	COUNTER("drift_corrections", "edgefw_drift_corrections_total",
		"Reconciles that found table inet edgefw changed by someone else and changed it back."),
	GAUGE("last_reconcile", "edgefw_last_reconcile_timestamp_seconds",
	      "When the last reconcile ran, in seconds since the epoch (0: none yet)."),
	GAUGE("generation", "edgefw_ruleset_generation",
	      "The kernel's nftables ruleset generation."),
	GAUGE("in_sync", "edgefw_in_sync",
	      "1 if table inet edgefw is known to match the active policy."),
	GAUGE("elements", "edgefw_set_elements",
	      "Set elements of the active policy."),
	GAUGE("locked", "edgefw_table_locked",
	      "1 if edgefwd owns the table, so that no other process can change it."),
	COUNTER("writer_fights", "edgefw_writer_fights_total",
		"Times another writer changed table inet edgefw back after corrections, ten times within a minute."),
	GAUGE("exceptions", "edgefw_exceptions_open",
	      "Timed exceptions open now (edgefwctl exceptions lists them)."),
	GAUGE("fighting", "edgefw_writer_fighting",
	      "1 while corrections are slowed down because another writer keeps changing the table back."),
	{ .key = "unconfirmed", .name = "edgefw_confirm_pending",
	  .type = "gauge", .help = "1 while a switch --confirm waits for confirm.",
	  .absent_is_zero = true },
	GAUGE("confirm_by", "edgefw_confirm_deadline_timestamp_seconds",
	      "When the unconfirmed switch goes back by itself, in seconds since the epoch."),
};

/* The HELP texts are ours and hold no backslash or newline to escape. */
static void family(struct ef_strbuf *sb, const char *name, const char *type,
		   const char *help)
{
	ef_sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * name="value" after a comma unless it is the first: the format ends a
 * value at the first bare '"' and a sample at a newline, so those and the
 * backslash that escapes them are escaped. Anything else goes as it is
 * (the replies are UTF-8, checked when they were parsed).
 */
static void label(struct ef_strbuf *sb, bool *first, const char *name,
		  const char *value)
{
	ef_sb_printf(sb, "%s%s=\"", *first ? "" : ",", name);
	*first = false;
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			ef_sb_printf(sb, "\\%c", *p);
		else if (*p == '\n')
			ef_sb_printf(sb, "\\n");
		else
			ef_sb_putc(sb, *p);
	}
	ef_sb_putc(sb, '"');
}

/* " value\n" for an integer or a flag (1 or 0); -EPROTO for anything else. */
static int value(struct ef_strbuf *sb, struct json_object *v)
{
	int64_t n;

	if (json_object_is_type(v, json_type_boolean)) {
		ef_sb_printf(sb, " %d\n", json_object_get_boolean(v) ? 1 : 0);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return -EPROTO;
	/* A uint64 past INT64_MAX reads back as int64 saturated, not < 0. */
	n = json_object_get_int64(v);
	if (n < 0)
		ef_sb_printf(sb, " %" PRId64 "\n", n);
	else
		ef_sb_printf(sb, " %" PRIu64 "\n", json_object_get_uint64(v));
	return 0;
}

/* A string field into *ret, NULL if absent; -EPROTO if it is no string. */
static int get_str(struct json_object *o, const char *key, const char **ret)
{
	struct json_object *v;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EPROTO;
	*ret = json_object_get_string(v);
	return 0;
}

static void up(struct ef_strbuf *sb, int answered)
{
	family(sb, "edgefw_up", "gauge",
	       "1 if edgefwd answered status and counters, 0 if it could not be asked.");
	ef_sb_printf(sb, "edgefw_up %d\n", answered);
}

/* What edgefwd is and what it runs on, when its status says so. */
static int build_info(struct ef_strbuf *sb, struct json_object *status)
{
	const char *version, *kernel;
	bool first = true;
	int err = get_str(status, "version", &version) ?:
		  get_str(status, "kernel", &kernel);

	if (err || !version)
		return err;
	family(sb, "edgefw_build_info", "gauge",
	       "edgefwd's version and the kernel release it runs on; always 1.");
	ef_sb_printf(sb, "edgefw_build_info{");
	label(sb, &first, "version", version);
	if (kernel)
		label(sb, &first, "kernel", kernel);
	ef_sb_printf(sb, "} 1\n");
	return 0;
}

/* The status reply's words, as labels of one sample that is always 1. */
static int info(struct ef_strbuf *sb, struct json_object *status)
{
	static const char *const keys[] = { "site", "last_result",
					    "reverts_to" };
	const char *s;
	bool first = true;
	int err;

	/* Every status names the policy: the braces are never empty. */
	err = get_str(status, "policy", &s);
	if (err || !s)
		return -EPROTO;
	family(sb, "edgefw_info", "gauge",
	       "edgefwd's active policy and site, the result of its last reconcile and the policy an unconfirmed switch goes back to; always 1.");
	ef_sb_printf(sb, "edgefw_info{");
	label(sb, &first, "policy", s);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		err = get_str(status, keys[i], &s);
		if (err)
			return err;
		if (s)
			label(sb, &first, keys[i], s);
	}
	ef_sb_printf(sb, "} 1\n");
	return 0;
}

static int status_facts(struct ef_strbuf *sb, struct json_object *status)
{
	const char *result;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(facts); i++) {
		const struct fact *f = &facts[i];
		struct json_object *v = NULL;

		if (!json_object_object_get_ex(status, f->key, &v) &&
		    !f->absent_is_zero)
			continue;
		family(sb, f->name, f->type, f->help);
		ef_sb_printf(sb, "%s", f->name);
		if (!v) {
			ef_sb_printf(sb, " 0\n");
			continue;
		}
		err = value(sb, v);
		if (err)
			return err;
	}
	/* The result is a message ("ok" or an errno's text): alerts want a
	 * number. The message itself is a label of edgefw_info. */
	err = get_str(status, "last_result", &result);
	if (err || !result)
		return err;
	family(sb, "edgefw_last_reconcile_success", "gauge",
	       "1 if the last reconcile succeeded.");
	ef_sb_printf(sb, "edgefw_last_reconcile_success %d\n",
		  !strcmp(result, "ok"));
	return 0;
}

/* One sample per row: `key` (packets or bytes) of each row of `rows`. */
static int row_family(struct ef_strbuf *sb, struct json_object *rows,
		      const char *policy, const char *key, const char *name,
		      const char *help)
{
	family(sb, name, "counter", help);
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		struct json_object *id, *count;
		const char *where, *note;
		bool first = true;
		char rid[24];

		if (!json_object_is_type(row, json_type_object) ||
		    !json_object_object_get_ex(row, "row", &id) ||
		    !json_object_is_type(id, json_type_int) ||
		    json_object_get_int64(id) < 0 ||
		    !json_object_object_get_ex(row, key, &count) ||
		    !json_object_is_type(count, json_type_int) ||
		    get_str(row, "where", &where) || get_str(row, "note", &note))
			return -EPROTO;
		/* r12, as the element comments and the policy notes say it. */
		snprintf(rid, sizeof(rid), "r%" PRIu64,
			 json_object_get_uint64(id));
		ef_sb_printf(sb, "%s{", name);
		if (policy)
			label(sb, &first, "policy", policy);
		label(sb, &first, "row", rid);
		/* Not `where`: its line moves when a comment above it is
		 * edited, and every move would start new series. The row's
		 * number and note say which row it is. */
		(void)where;
		if (note)
			label(sb, &first, "note", note);
		ef_sb_putc(sb, '}');
		value(sb, count);
	}
	return 0;
}

/*
 * Where each row was written (the policy's file:line, or the site's for
 * its own rows), as an info metric: the counters stay keyed by row
 * number, so an edit above a row moves only this series, and a query
 * joins on `row` to name a counter by its line.
 */
static int row_info(struct ef_strbuf *sb, struct json_object *rows,
		    const char *policy)
{
	bool any = false;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		struct json_object *id;
		const char *where = NULL;
		bool first = true;
		char rid[24];

		/* Checked by row_family; a row with no place has no info. */
		json_object_object_get_ex(row, "row", &id);
		if (get_str(row, "where", &where) || !where)
			continue;
		if (!any)
			family(sb, "edgefw_row_info", "gauge",
			       "Where a row of the active policy or of the site was written (label where: file:line); always 1.");
		any = true;
		snprintf(rid, sizeof(rid), "r%" PRIu64,
			 json_object_get_uint64(id));
		ef_sb_printf(sb, "edgefw_row_info{");
		if (policy)
			label(sb, &first, "policy", policy);
		label(sb, &first, "row", rid);
		label(sb, &first, "where", where);
		ef_sb_printf(sb, "} 1\n");
	}
	return 0;
}

static int row_counters(struct ef_strbuf *sb, struct json_object *counters)
{
	struct json_object *rows;
	const char *policy;
	int err;

	if (!json_object_object_get_ex(counters, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array))
		return -EPROTO;
	/* The counters' own policy, not the status's: a switch may have come
	 * between the two requests, and the rows are this one's. */
	err = get_str(counters, "policy", &policy);
	if (err)
		return err;
	/* No rows, no families: a HELP without a sample says nothing. */
	if (!json_object_array_length(rows))
		return 0;
	return row_family(sb, rows, policy, "packets",
			  "edgefw_row_packets_total",
			  "Packets the set elements serving a policy row matched; an element several rows share counts for each.") ?:
	       row_family(sb, rows, policy, "bytes", "edgefw_row_bytes_total",
			  "Bytes the set elements serving a policy row matched; an element several rows share counts for each.") ?:
	       row_info(sb, rows, policy);
}

/* One sample per chain and family: `key` (packets or bytes) of each. */
static int drop_family(struct ef_strbuf *sb, struct json_object *drops,
		       const char *key, const char *name, const char *help)
{
	family(sb, name, "counter", help);
	for (size_t i = 0; i < json_object_array_length(drops); i++) {
		struct json_object *drop = json_object_array_get_idx(drops, i);
		struct json_object *count;
		const char *chain = NULL, *fam = NULL;
		bool first = true;

		if (!json_object_is_type(drop, json_type_object) ||
		    get_str(drop, "chain", &chain) || !chain ||
		    get_str(drop, "family", &fam) || !fam ||
		    !json_object_object_get_ex(drop, key, &count) ||
		    !json_object_is_type(count, json_type_int))
			return -EPROTO;
		ef_sb_printf(sb, "%s{", name);
		label(sb, &first, "chain", chain);
		label(sb, &first, "family", fam);
		ef_sb_putc(sb, '}');
		value(sb, count);
	}
	return 0;
}

static int drop_counters(struct ef_strbuf *sb, struct json_object *counters)
{
	struct json_object *drops;

	/* An edgefwd that does not count drops does not say so. */
	if (!json_object_object_get_ex(counters, "drops", &drops))
		return 0;
	if (!json_object_is_type(drops, json_type_array))
		return -EPROTO;
	if (!json_object_array_length(drops))
		return 0;
	return drop_family(sb, drops, "packets", "edgefw_dropped_packets_total",
			   "Packets the policy of a chain of table inet edgefw dropped, per family (ip, ip6).") ?:
	       drop_family(sb, drops, "bytes", "edgefw_dropped_bytes_total",
			   "Bytes the policy of a chain of table inet edgefw dropped, per family (ip, ip6).");
}

int ef_metrics_format(struct ef_strbuf *sb, struct json_object *status,
		      struct json_object *counters)
{
	int err;

	if (!json_object_is_type(status, json_type_object) ||
	    !json_object_is_type(counters, json_type_object))
		return -EPROTO;
	up(sb, 1);
	err = build_info(sb, status) ?: info(sb, status) ?: status_facts(sb, status) ?:
	      row_counters(sb, counters) ?: drop_counters(sb, counters);
	return err ?: sb->err;
}

int ef_metrics_format_down(struct ef_strbuf *sb)
{
	up(sb, 0);
	return sb->err;
}
