// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus text edgefwctl metrics prints: the whole text for known
 * replies, the syntax of every line, HELP and TYPE once per family,
 * escaped label values, fields left out, no rows, replies that are not
 * what the protocol says, and the text for a daemon that cannot be asked.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "metrics.h"
#include "util.h"

/* What edgefwd answers, as in t_daemon.sh: a policy, two rows. */
static const char status_line[] =
	"{\"ok\":true,\"policy\":\"edge-single-public\","
	"\"site\":\"/etc/edgefw/site.conf\",\"generation\":42,"
	"\"in_sync\":true,\"last_reconcile\":1795000000,"
	"\"last_result\":\"ok\",\"reconciles\":7,\"drift_corrections\":2,"
	"\"elements\":58,\"locked\":false}\n";
static const char counters_line[] =
	"{\"ok\":true,\"policy\":\"edge-single-public\",\"rows\":["
	"{\"row\":5,\"where\":\"policies/edge-single-public.policy:43\","
	"\"note\":\"[ext] client-to-server SIP for remote users\","
	"\"packets\":12,\"bytes\":720},"
	"{\"row\":24,\"where\":\"policies/edge-single-public.policy:96\","
	"\"note\":\"[int] CMS replication\",\"packets\":0,\"bytes\":0}],"
	"\"drops\":[{\"chain\":\"input\",\"family\":\"ip\",\"packets\":3,"
	"\"bytes\":180},{\"chain\":\"input\",\"family\":\"ip6\","
	"\"packets\":1,\"bytes\":80}]}\n";

static struct json_object *parse(const char *line)
{
	struct json_object *o = ef_ctl_reply_parse(line);

	cr_assert_not_null(o, "not a reply: %s", line);
	return o;
}

/* The text for these two reply lines; the format must succeed. */
static char *format(const char *status, const char *counters)
{
	struct json_object *s = parse(status), *c = parse(counters);
	struct ef_strbuf sb = { 0 };
	int err = ef_metrics_format(&sb, s, c);

	cr_assert_eq(err, 0, "ef_metrics_format: %d", err);
	json_object_put(s);
	json_object_put(c);
	return ef_sb_steal(&sb);
}

static int format_err(const char *status, const char *counters)
{
	struct json_object *s = parse(status), *c = parse(counters);
	struct ef_strbuf sb = { 0 };
	int err = ef_metrics_format(&sb, s, c);

	json_object_put(s);
	json_object_put(c);
	ef_sb_free(&sb);
	return err;
}

/* ------------------------------------------------------------------ */
/* A small checker of the text format, version 0.0.4                 */

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':';
}

static bool name_char(char c)
{
	return name_start(c) || isdigit((unsigned char)c);
}

/* Skips a metric (or, without colons, label) name; NULL if none. */
static const char *skip_name(const char *p)
{
	if (!name_start(*p))
		return NULL;
	while (name_char(*p))
		p++;
	return p;
}

/* {a="x",b="y\"z"}: NULL if malformed, else just after the brace. */
static const char *skip_labels(const char *p)
{
	if (*p++ != '{')
		return NULL;
	for (;;) {
		if (!(p = skip_name(p)) || *p++ != '=' || *p++ != '"')
			return NULL;
		for (; *p != '"'; p++) {
			if (*p == '\0' || *p == '\n')
				return NULL;
			if (*p == '\\' && !strchr("\\\"n", *++p))
				return NULL;
		}
		p++;
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/* An integer, as we print every value. */
static bool is_value(const char *p)
{
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

struct family {
	char name[64];
	int help, type;
	bool samples_done;	/* another family's samples came after */
};

/*
 * Asserts the syntax of every line, that every family has one HELP and
 * one TYPE before its samples, and that a family's samples are together.
 * Returns the number of samples.
 */
static size_t check_text(const char *text)
{
	struct family fam[64];
	size_t nfam = 0, samples = 0;
	struct family *cur = NULL;
	char *copy = strdup(text), *save = NULL;

	cr_assert_not_null(copy);
	cr_assert(text[0] && text[strlen(text) - 1] == '\n',
		  "the text does not end with a newline");
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool help = !strncmp(line, "# HELP ", 7);
		bool type = !strncmp(line, "# TYPE ", 7);
		const char *p = help || type ? line + 7 : line;
		const char *end = skip_name(p);
		struct family *f = NULL;

		cr_assert(line[0] != '#' || help || type, "comment: %s", line);
		cr_assert_not_null(end, "no name: %s", line);
		for (size_t i = 0; i < nfam; i++)
			if (strlen(fam[i].name) == (size_t)(end - p) &&
			    !strncmp(fam[i].name, p, end - p))
				f = &fam[i];
		if (!f) {
			cr_assert_lt(nfam, ARRAY_SIZE(fam));
			cr_assert_lt((size_t)(end - p), sizeof(f->name));
			f = &fam[nfam++];
			memset(f, 0, sizeof(*f));
			memcpy(f->name, p, end - p);
		}
		if (cur && cur != f)
			cur->samples_done = true;
		cur = f;
		cr_assert(!f->samples_done, "%s: samples apart", f->name);
		if (help) {
			cr_assert(*end == ' ' && end[1], "help: %s", line);
			cr_assert_eq(++f->help, 1, "%s: HELP twice", f->name);
			continue;
		}
		if (type) {
			cr_assert(!strcmp(end, " counter") ||
				  !strcmp(end, " gauge"), "type: %s", line);
			cr_assert_eq(f->help, 1, "%s: TYPE before HELP", f->name);
			cr_assert_eq(++f->type, 1, "%s: TYPE twice", f->name);
			continue;
		}
		cr_assert_eq(f->type, 1, "%s: a sample before TYPE", f->name);
		if (*end == '{')
			end = skip_labels(end);
		cr_assert_not_null(end, "labels: %s", line);
		cr_assert(*end == ' ' && is_value(end + 1), "value: %s", line);
		samples++;
	}
	free(copy);
	return samples;
}

/* ------------------------------------------------------------------ */

Test(metrics, whole_text)
{
	static const char want[] =
		"# HELP edgefw_up 1 if edgefwd answered status and counters, 0 if it could not be asked.\n"
		"# TYPE edgefw_up gauge\n"
		"edgefw_up 1\n"
		"# HELP edgefw_info edgefwd's active policy and site, the result of its last reconcile and the policy an unconfirmed switch goes back to; always 1.\n"
		"# TYPE edgefw_info gauge\n"
		"edgefw_info{policy=\"edge-single-public\",site=\"/etc/edgefw/site.conf\",last_result=\"ok\"} 1\n"
		"# HELP edgefw_reconciles_total Reconciles edgefwd ran since it started.\n"
		"# TYPE edgefw_reconciles_total counter\n"
		"edgefw_reconciles_total 7\n"
		"# HELP edgefw_drift_corrections_total Reconciles that found table inet edgefw changed by someone else and changed it back.\n"
		"# TYPE edgefw_drift_corrections_total counter\n"
		"edgefw_drift_corrections_total 2\n"
		"# HELP edgefw_last_reconcile_timestamp_seconds When the last reconcile ran, in seconds since the epoch (0: none yet).\n"
		"# TYPE edgefw_last_reconcile_timestamp_seconds gauge\n"
		"edgefw_last_reconcile_timestamp_seconds 1795000000\n"
		"# HELP edgefw_ruleset_generation The kernel's nftables ruleset generation.\n"
		"# TYPE edgefw_ruleset_generation gauge\n"
		"edgefw_ruleset_generation 42\n"
		"# HELP edgefw_in_sync 1 if table inet edgefw is known to match the active policy.\n"
		"# TYPE edgefw_in_sync gauge\n"
		"edgefw_in_sync 1\n"
		"# HELP edgefw_set_elements Set elements of the active policy.\n"
		"# TYPE edgefw_set_elements gauge\n"
		"edgefw_set_elements 58\n"
		"# HELP edgefw_table_locked 1 if edgefwd owns the table, so that no other process can change it.\n"
		"# TYPE edgefw_table_locked gauge\n"
		"edgefw_table_locked 0\n"
		"# HELP edgefw_confirm_pending 1 while a switch --confirm waits for confirm.\n"
		"# TYPE edgefw_confirm_pending gauge\n"
		"edgefw_confirm_pending 0\n"
		"# HELP edgefw_last_reconcile_success 1 if the last reconcile succeeded.\n"
		"# TYPE edgefw_last_reconcile_success gauge\n"
		"edgefw_last_reconcile_success 1\n"
		"# HELP edgefw_row_packets_total Packets the set elements serving a policy row matched; an element several rows share counts for each.\n"
		"# TYPE edgefw_row_packets_total counter\n"
		"edgefw_row_packets_total{policy=\"edge-single-public\",row=\"r5\",note=\"[ext] client-to-server SIP for remote users\"} 12\n"
		"edgefw_row_packets_total{policy=\"edge-single-public\",row=\"r24\",note=\"[int] CMS replication\"} 0\n"
		"# HELP edgefw_row_bytes_total Bytes the set elements serving a policy row matched; an element several rows share counts for each.\n"
		"# TYPE edgefw_row_bytes_total counter\n"
		"edgefw_row_bytes_total{policy=\"edge-single-public\",row=\"r5\",note=\"[ext] client-to-server SIP for remote users\"} 720\n"
		"edgefw_row_bytes_total{policy=\"edge-single-public\",row=\"r24\",note=\"[int] CMS replication\"} 0\n"
		"# HELP edgefw_row_info Where a row of the active policy or of the site was written (label where: file:line); always 1.\n"
		"# TYPE edgefw_row_info gauge\n"
		"edgefw_row_info{policy=\"edge-single-public\",row=\"r5\",where=\"policies/edge-single-public.policy:43\"} 1\n"
		"edgefw_row_info{policy=\"edge-single-public\",row=\"r24\",where=\"policies/edge-single-public.policy:96\"} 1\n"
		"# HELP edgefw_dropped_packets_total Packets the policy of a chain of table inet edgefw dropped, per family (ip, ip6).\n"
		"# TYPE edgefw_dropped_packets_total counter\n"
		"edgefw_dropped_packets_total{chain=\"input\",family=\"ip\"} 3\n"
		"edgefw_dropped_packets_total{chain=\"input\",family=\"ip6\"} 1\n"
		"# HELP edgefw_dropped_bytes_total Bytes the policy of a chain of table inet edgefw dropped, per family (ip, ip6).\n"
		"# TYPE edgefw_dropped_bytes_total counter\n"
		"edgefw_dropped_bytes_total{chain=\"input\",family=\"ip\"} 180\n"
		"edgefw_dropped_bytes_total{chain=\"input\",family=\"ip6\"} 80\n";
	char *text = format(status_line, counters_line);

	cr_assert_str_eq(text, want);
	cr_assert_eq(check_text(text), 21);
	free(text);
}

Test(metrics, help_and_type_once_per_family)
{
	struct ef_strbuf rows = { 0 };
	char *counters, *text;

	/* Many rows: still one HELP and one TYPE per family. */
	ef_sb_printf(&rows, "{\"ok\":true,\"policy\":\"p\",\"rows\":[");
	for (int i = 1; i <= 40; i++)
		ef_sb_printf(&rows, "%s{\"row\":%d,\"where\":\"p.policy:%d\","
			  "\"note\":\"n\",\"packets\":%d,\"bytes\":%d}",
			  i > 1 ? "," : "", i, i + 10, i, 60 * i);
	ef_sb_printf(&rows, "]}");
	counters = ef_sb_steal(&rows);
	cr_assert_not_null(counters);
	text = format(status_line, counters);
	cr_assert_eq(check_text(text), 11 + 3 * 40);
	cr_assert_not_null(strstr(text, "\nedgefw_row_bytes_total{policy=\"p\",row=\"r40\",note=\"n\"} 2400\n"));
	free(text);
	free(counters);
}

Test(metrics, label_values_escaped)
{
	static const char status[] =
		"{\"ok\":true,\"policy\":\"p\",\"site\":\"/etc/a\\\"b\\\\c\\nd.conf\"}";
	static const char counters[] =
		"{\"ok\":true,\"policy\":\"p\",\"rows\":[{\"row\":1,"
		"\"where\":\"C:\\\\x.policy:1\","
		"\"note\":\"say \\\"hi\\\"\\nback\\\\slash, caf\\u00e9 {x=\\\"y\\\"}\","
		"\"packets\":1,\"bytes\":2}]}";
	char *text = format(status, counters);

	cr_assert_not_null(strstr(text,
		"\nedgefw_info{policy=\"p\",site=\"/etc/a\\\"b\\\\c\\nd.conf\"} 1\n"),
		"%s", text);
	cr_assert_not_null(strstr(text,
		"\nedgefw_row_packets_total{policy=\"p\",row=\"r1\","
		"note=\"say \\\"hi\\\"\\nback\\\\slash, caf\xc3\xa9 {x=\\\"y\\\"}\"} 1\n"),
		"%s", text);
	check_text(text);
	free(text);
}

Test(metrics, unconfirmed_switch_label_set)
{
	static const char status[] =
		"{\"ok\":true,\"policy\":\"public-im-connectivity\","
		"\"site\":\"s.conf\",\"last_result\":\"Operation not permitted\","
		"\"unconfirmed\":true,\"reverts_to\":\"edge-single-public\","
		"\"confirm_by\":1795000120}";
	char *text = format(status, counters_line);

	cr_assert_not_null(strstr(text,
		"\nedgefw_info{policy=\"public-im-connectivity\",site=\"s.conf\","
		"last_result=\"Operation not permitted\","
		"reverts_to=\"edge-single-public\"} 1\n"), "%s", text);
	cr_assert_not_null(strstr(text, "\nedgefw_confirm_pending 1\n"));
	cr_assert_not_null(strstr(text,
		"\nedgefw_confirm_deadline_timestamp_seconds 1795000120\n"));
	cr_assert_not_null(strstr(text, "\nedgefw_last_reconcile_success 0\n"));
	/* The rows carry the policy they were counted for. */
	cr_assert_not_null(strstr(text,
		"\nedgefw_row_packets_total{policy=\"edge-single-public\",row=\"r5\","));
	check_text(text);
	free(text);
}

/* Another writer keeps changing the table back: counted and shown. */
Test(metrics, writer_fights)
{
	static const char status[] =
		"{\"ok\":true,\"policy\":\"p\",\"writer_fights\":3,"
		"\"fighting\":true}";
	char *text = format(status, counters_line);

	cr_assert_not_null(strstr(text,
		"# TYPE edgefw_writer_fights_total counter\n"
		"edgefw_writer_fights_total 3\n"), "%s", text);
	cr_assert_not_null(strstr(text, "\nedgefw_writer_fighting 1\n"));
	check_text(text);
	free(text);
}

/* Timed exceptions open now: a gauge an alert can watch. */
Test(metrics, exceptions_open)
{
	static const char status[] =
		"{\"ok\":true,\"policy\":\"p\",\"exceptions\":2}";
	char *text = format(status, counters_line);

	cr_assert_not_null(strstr(text,
		"# TYPE edgefw_exceptions_open gauge\n"
		"edgefw_exceptions_open 2\n"), "%s", text);
	check_text(text);
	free(text);
}

Test(metrics, absent_fields_left_out)
{
	static const char status[] = "{\"ok\":true,\"policy\":\"p\"}";
	static const char counters[] = "{\"ok\":true,\"rows\":[{\"row\":3,"
				       "\"packets\":1,\"bytes\":2}]}";
	char *text = format(status, counters);

	cr_assert_not_null(strstr(text, "\nedgefw_info{policy=\"p\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nedgefw_confirm_pending 0\n"));
	cr_assert_null(strstr(text, "reconciles"));
	cr_assert_null(strstr(text, "edgefw_confirm_deadline"));
	cr_assert_null(strstr(text, "edgefw_last_reconcile_success"));
	cr_assert_not_null(strstr(text, "\nedgefw_row_packets_total{row=\"r3\"} 1\n"));
	/* No drops in the reply (an older edgefwd): no drop families. */
	cr_assert_null(strstr(text, "edgefw_dropped"));
	cr_assert_eq(check_text(text), 5);
	free(text);
}

Test(metrics, empty_counters)
{
	static const char counters[] =
		"{\"ok\":true,\"policy\":\"edge-single-public\",\"rows\":[],"
		"\"drops\":[]}";
	char *text = format(status_line, counters);

	/* No row, no row family: not even its HELP; nor for drops. */
	cr_assert_null(strstr(text, "edgefw_row_"), "%s", text);
	cr_assert_null(strstr(text, "edgefw_dropped"), "%s", text);
	cr_assert_not_null(strstr(text, "\nedgefw_reconciles_total 7\n"));
	cr_assert_eq(check_text(text), 11);
	free(text);
}

Test(metrics, full_range_of_counts)
{
	static const char counters[] =
		"{\"ok\":true,\"policy\":\"p\",\"rows\":[{\"row\":1,"
		"\"packets\":9223372036854775808,"
		"\"bytes\":18446744073709551615}]}";
	char *text = format(status_line, counters);

	cr_assert_not_null(strstr(text,
		"\nedgefw_row_packets_total{policy=\"p\",row=\"r1\"} 9223372036854775808\n"));
	cr_assert_not_null(strstr(text,
		"\nedgefw_row_bytes_total{policy=\"p\",row=\"r1\"} 18446744073709551615\n"));
	free(text);
}

/* A chain's drops, labels escaped as any; the forward chain's too. */
Test(metrics, drops_per_chain_and_family)
{
	static const char counters[] =
		"{\"ok\":true,\"policy\":\"p\",\"rows\":[],\"drops\":["
		"{\"chain\":\"forward\",\"family\":\"ip6\","
		"\"packets\":18446744073709551615,\"bytes\":0},"
		"{\"chain\":\"a\\\"b\",\"family\":\"ip\",\"packets\":2,"
		"\"bytes\":120}]}";
	char *text = format(status_line, counters);

	cr_assert_not_null(strstr(text,
		"\nedgefw_dropped_packets_total{chain=\"forward\",family=\"ip6\"} 18446744073709551615\n"
		"edgefw_dropped_packets_total{chain=\"a\\\"b\",family=\"ip\"} 2\n"),
		"%s", text);
	cr_assert_not_null(strstr(text,
		"\nedgefw_dropped_bytes_total{chain=\"a\\\"b\",family=\"ip\"} 120\n"),
		"%s", text);
	cr_assert_eq(check_text(text), 11 + 4);
	free(text);
}

Test(metrics, replies_not_as_the_protocol_says)
{
	static const struct {
		const char *status, *counters, *why;
	} t[] = {
		{ "{\"ok\":true}", counters_line, "status without policy" },
		{ "{\"ok\":true,\"policy\":7}", counters_line, "policy a number" },
		{ "{\"ok\":true,\"policy\":\"p\",\"reconciles\":\"7\"}",
		  counters_line, "a count as a string" },
		{ "{\"ok\":true,\"policy\":\"p\",\"generation\":1.5}",
		  counters_line, "a fraction" },
		{ "{\"ok\":true,\"policy\":\"p\",\"reverts_to\":null}",
		  counters_line, "a label null" },
		{ status_line, "{\"ok\":true}", "counters without rows" },
		{ status_line, "{\"ok\":true,\"rows\":{}}", "rows an object" },
		{ status_line, "{\"ok\":true,\"rows\":[1]}", "a row a number" },
		{ status_line, "{\"ok\":true,\"rows\":[{\"packets\":1,\"bytes\":1}]}",
		  "a row without its number" },
		{ status_line, "{\"ok\":true,\"rows\":[{\"row\":-1,\"packets\":1,\"bytes\":1}]}",
		  "a negative row" },
		{ status_line, "{\"ok\":true,\"rows\":[{\"row\":1,\"packets\":1}]}",
		  "a row without bytes" },
		{ status_line, "{\"ok\":true,\"rows\":[{\"row\":1,\"packets\":true,\"bytes\":1}]}",
		  "packets a flag" },
		{ status_line, "{\"ok\":true,\"rows\":[{\"row\":1,\"note\":[],\"packets\":1,\"bytes\":1}]}",
		  "a note an array" },
		{ status_line, "{\"ok\":true,\"rows\":[],\"drops\":{}}",
		  "drops an object" },
		{ status_line, "{\"ok\":true,\"rows\":[],\"drops\":[7]}",
		  "a drop a number" },
		{ status_line, "{\"ok\":true,\"rows\":[],\"drops\":[{\"family\":\"ip\",\"packets\":1,\"bytes\":1}]}",
		  "a drop without its chain" },
		{ status_line, "{\"ok\":true,\"rows\":[],\"drops\":[{\"chain\":\"input\",\"family\":6,\"packets\":1,\"bytes\":1}]}",
		  "a family a number" },
		{ status_line, "{\"ok\":true,\"rows\":[],\"drops\":[{\"chain\":\"input\",\"family\":\"ip\",\"packets\":1}]}",
		  "a drop without bytes" },
		{ status_line, "{\"ok\":true,\"rows\":[],\"drops\":[{\"chain\":\"input\",\"family\":\"ip\",\"packets\":\"1\",\"bytes\":1}]}",
		  "packets a string" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		cr_assert_eq(format_err(t[i].status, t[i].counters), -EPROTO,
			     "%s", t[i].why);
}

Test(metrics, no_objects)
{
	struct json_object *o = parse(status_line);
	struct json_object *arr = json_object_new_array();
	struct ef_strbuf sb = { 0 };

	cr_assert_eq(ef_metrics_format(&sb, NULL, o), -EPROTO);
	ef_sb_free(&sb);
	cr_assert_eq(ef_metrics_format(&sb, o, NULL), -EPROTO);
	ef_sb_free(&sb);
	cr_assert_eq(ef_metrics_format(&sb, o, arr), -EPROTO);
	ef_sb_free(&sb);
	json_object_put(o);
	json_object_put(arr);
}

Test(metrics, down)
{
	struct ef_strbuf sb = { 0 };

	cr_assert_eq(ef_metrics_format_down(&sb), 0);
	cr_assert_str_eq(sb.buf,
		"# HELP edgefw_up 1 if edgefwd answered status and counters, 0 if it could not be asked.\n"
		"# TYPE edgefw_up gauge\n"
		"edgefw_up 0\n");
	cr_assert_eq(check_text(sb.buf), 1);
	ef_sb_free(&sb);
}

/* edgefw_build_info from the status's version and kernel. */
Test(metrics, build_info)
{
	static const char status[] =
		"{\"ok\":true,\"policy\":\"p\",\"version\":\"0.1.0\","
		"\"kernel\":\"6.18.44\"}";
	static const char counters[] = "{\"ok\":true,\"policy\":\"p\",\"rows\":[]}";
	char *text = format(status, counters);

	cr_assert_not_null(strstr(text,
		"# TYPE edgefw_build_info gauge\n"
		"edgefw_build_info{version=\"0.1.0\",kernel=\"6.18.44\"} 1\n"),
		"%s", text);
	check_text(text);
	free(text);
}

/* A row's counter series do not move with its line: editing a comment
 * above it (its `where` changes) keeps the same series; only its info
 * series says the new line. */
Test(metrics, row_series_stable_across_lines)
{
	static const char status[] = "{\"ok\":true,\"policy\":\"p\"}";
	static const char at10[] =
		"{\"ok\":true,\"policy\":\"p\",\"rows\":[{\"row\":3,"
		"\"where\":\"p.policy:10\",\"note\":\"n\",\"packets\":1,\"bytes\":2}]}";
	static const char at12[] =
		"{\"ok\":true,\"policy\":\"p\",\"rows\":[{\"row\":3,"
		"\"where\":\"p.policy:12\",\"note\":\"n\",\"packets\":1,\"bytes\":2}]}";
	char *a = format(status, at10), *b = format(status, at12);
	char *ia = strstr(a, "edgefw_row_info{"), *ib = strstr(b, "edgefw_row_info{");

	cr_assert_not_null(ia);
	cr_assert_not_null(ib);
	cr_assert_str_eq(ia, "edgefw_row_info{policy=\"p\",row=\"r3\",where=\"p.policy:10\"} 1\n");
	cr_assert_str_eq(ib, "edgefw_row_info{policy=\"p\",row=\"r3\",where=\"p.policy:12\"} 1\n");
	*ia = *ib = '\0';
	cr_assert_str_eq(a, b);
	cr_assert_not_null(strstr(a, "edgefw_row_packets_total{policy=\"p\",row=\"r3\",note=\"n\"} 1\n"), "%s", a);
	free(a);
	free(b);
}
