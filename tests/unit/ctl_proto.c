// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol: request grammar and its exact error messages, line
 * framing and its limits, reply text, and the client's request lines and
 * reply parsing.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Requests                                                           */

static struct ef_ctl_request parse_ok(const char *line)
{
	struct ef_ctl_request req;
	const char *why = "unset";
	int err = ef_ctl_parse(line, &req, &why);

	cr_assert_eq(err, 0, "'%s': %d (%s)", line, err, why);
	return req;
}

static void parse_bad(const char *line, const char *msg)
{
	struct ef_ctl_request req;
	const char *why = NULL;
	int err = ef_ctl_parse(line, &req, &why);

	cr_assert_eq(err, -EINVAL, "'%s' parsed: %d", line, err);
	cr_assert_not_null(why, "'%s': no message", line);
	cr_assert_str_eq(why, msg, "'%s'", line);
}

Test(ctl_proto, every_command_parses)
{
	static const struct {
		const char *line;
		enum ef_ctl_cmd cmd;
	} t[] = {
		{ "hello", EF_CTL_HELLO },
		{ "status", EF_CTL_STATUS },
		{ "list", EF_CTL_LIST },
		{ "switch web", EF_CTL_SWITCH },
		{ "confirm", EF_CTL_CONFIRM },
		{ "rollback", EF_CTL_ROLLBACK },
		{ "diff", EF_CTL_DIFF },
		{ "reconcile", EF_CTL_RECONCILE },
		{ "counters", EF_CTL_COUNTERS },
		{ "reload", EF_CTL_RELOAD },
		{ "allow tcp 1 for 1 note \"n\"", EF_CTL_ALLOW },
		{ "revoke 1", EF_CTL_REVOKE },
		{ "exceptions", EF_CTL_EXCEPTIONS },
		{ "explain tcp 443 to 192.0.2.1", EF_CTL_EXPLAIN },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct ef_ctl_request req = parse_ok(t[i].line);

		cr_assert_eq(req.cmd, t[i].cmd, "%s", t[i].line);
		if (req.cmd != EF_CTL_SWITCH && req.cmd != EF_CTL_ALLOW &&
		    req.cmd != EF_CTL_REVOKE && req.cmd != EF_CTL_EXPLAIN)
			cr_assert_str_eq(ef_ctl_cmd_name(req.cmd), t[i].line);
		cr_assert_not(req.dry_run);
		cr_assert_eq(req.confirm_secs, 0);
	}
	cr_assert_str_eq(ef_ctl_cmd_name(EF_CTL_SWITCH), "switch");
	cr_assert_str_eq(ef_ctl_cmd_name(EF_CTL_ALLOW), "allow");
	cr_assert_str_eq(ef_ctl_cmd_name(EF_CTL_REVOKE), "revoke");
	cr_assert_null(ef_ctl_cmd_name((enum ef_ctl_cmd)(EF_CTL_EXPLAIN + 1)));
	cr_assert_null(ef_ctl_cmd_name((enum ef_ctl_cmd)-1));
}

/* What the read-only socket serves: nothing that changes the firewall or
 * the daemon's state. */
Test(ctl_proto, read_only_requests)
{
	static const struct {
		const char *line;
		bool read_only;
	} t[] = {
		{ "hello", true },
		{ "status", true },
		{ "list", true },
		{ "diff", true },
		{ "counters", true },
		{ "switch internal-servers --dry-run", true },
		{ "switch internal-servers", false },
		{ "switch internal-servers --confirm 30", false },
		{ "confirm", false },
		{ "rollback", false },
		{ "reconcile", false },
		{ "reload", false },
		{ "exceptions", true },
		{ "allow tcp 8443 for 60 note \"n\"", false },
		{ "revoke 3", false },
		{ "explain udp 3478 to 2001:db8::1 in eth0", true },
	};
	struct ef_ctl_request req;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(ef_ctl_parse(t[i].line, &req, NULL), 0, "%s",
			     t[i].line);
		cr_assert_eq(ef_ctl_request_read_only(&req), t[i].read_only,
			     "%s", t[i].line);
	}
	/* Every command is in the table above. */
	for (int c = EF_CTL_HELLO; c <= EF_CTL_EXCEPTIONS; c++) {
		bool found = false;

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]) && !found; i++)
			found = !strncmp(t[i].line, ef_ctl_cmd_name((enum ef_ctl_cmd)c),
					 strlen(ef_ctl_cmd_name((enum ef_ctl_cmd)c)));
		cr_assert(found, "%s", ef_ctl_cmd_name((enum ef_ctl_cmd)c));
	}
}

Test(ctl_proto, blanks_and_carriage_return)
{
	cr_assert_eq(parse_ok("  \tstatus \t ").cmd, EF_CTL_STATUS);
	cr_assert_eq(parse_ok("status\r").cmd, EF_CTL_STATUS);
	cr_assert_eq(parse_ok("status \r").cmd, EF_CTL_STATUS);
	cr_assert_str_eq(parse_ok("switch\tweb\r").name, "web");
}

Test(ctl_proto, switch_forms)
{
	struct ef_ctl_request r;

	r = parse_ok("switch edge-single-public");
	cr_assert_str_eq(r.name, "edge-single-public");
	cr_assert_not(r.dry_run);
	cr_assert_eq(r.confirm_secs, 0);

	r = parse_ok("switch web --dry-run");
	cr_assert_str_eq(r.name, "web");
	cr_assert(r.dry_run);

	r = parse_ok("switch web --confirm 60");
	cr_assert_eq(r.confirm_secs, 60);
	cr_assert_not(r.dry_run);

	/* Options in any order, before or after the name. */
	r = parse_ok("switch --confirm 1 --dry-run web");
	cr_assert_str_eq(r.name, "web");
	cr_assert(r.dry_run);
	cr_assert_eq(r.confirm_secs, 1);

	r = parse_ok("switch web --confirm 86400");
	cr_assert_eq(r.confirm_secs, 86400);
	r = parse_ok("switch web --confirm 0060");
	cr_assert_eq(r.confirm_secs, 60);

	/* Every allowed character; 31 bytes is the longest name. */
	r = parse_ok("switch a0_-z9");
	cr_assert_str_eq(r.name, "a0_-z9");
	r = parse_ok("switch abcdefghijklmnopqrstuvwxyz01234");
	cr_assert_str_eq(r.name, "abcdefghijklmnopqrstuvwxyz01234");
	cr_assert_eq(strlen(r.name), 31);
}

/*
 * Decided: --dry-run is a flag, so saying it twice is harmless and
 * accepted; --confirm carries a value, and two could disagree, so it is
 * refused.
 */
Test(ctl_proto, repeated_options)
{
	struct ef_ctl_request r = parse_ok("switch web --dry-run --dry-run");

	cr_assert(r.dry_run);
	parse_bad("switch web --confirm 5 --confirm 5",
		  "--confirm given twice");
	parse_bad("switch web --confirm 5 --confirm 6",
		  "--confirm given twice");
}

Test(ctl_proto, malformed_requests)
{
	static const struct {
		const char *line, *why;
	} t[] = {
		{ "", "empty request" },
		{ " \t  ", "empty request" },
		{ "\r", "empty request" },
		{ "foo", "unknown command 'foo'" },
		{ "HELLO", "unknown command 'HELLO'" },
		{ "--dry-run", "unknown command '--dry-run'" },
		{ "hello 1", "unexpected word '1'" },
		{ "status now", "unexpected word 'now'" },
		{ "list  x  y", "unexpected word 'x'" },
		{ "reload\tfast", "unexpected word 'fast'" },
		{ "switch", "switch needs a policy name" },
		{ "switch   \r", "switch needs a policy name" },
		{ "switch --dry-run", "switch needs a policy name" },
		{ "switch --confirm 60", "switch needs a policy name" },
		{ "switch Web", "invalid policy name" },
		{ "switch 1web", "invalid policy name" },
		{ "switch _web", "invalid policy name" },
		{ "switch web.policy", "invalid policy name" },
		{ "switch ../etc/passwd", "invalid policy name" },
		{ "switch w\xc3\xa9", "invalid policy name" },
		{ "switch abcdefghijklmnopqrstuvwxyz012345",
		  "policy name longer than 31 bytes" },
		{ "switch web other", "unexpected word 'other'" },
		{ "switch web --force", "unknown option '--force'" },
		{ "switch -x", "unknown option '-x'" },
		{ "switch web --confirm=60", "unknown option '--confirm=60'" },
		{ "switch web --confirm",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm 0",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm 000",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm 86401",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm abc",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm 60s",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm -5",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm +5",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm 0x10",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm 99999999999999999999999",
		  "--confirm needs seconds (1 to 86400)" },
		{ "switch web --confirm --dry-run",
		  "--confirm needs seconds (1 to 86400)" },
		/* Only one "\r" is a line end; a second is part of the word. */
		{ "hello\r\r", "unknown command 'hello?'" },
		/* Quoted words are printable ASCII and cut to 32 bytes. */
		{ "st\x01tus", "unknown command 'st?tus'" },
		{ "\"quoted\"\x7f\xff", "unknown command '\"quoted\"?" "?'" },
		{ "abcdefghijklmnopqrstuvwxyz0123456789",
		  "unknown command 'abcdefghijklmnopqrstuvwxyz012345...'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		parse_bad(t[i].line, t[i].why);
}

Test(ctl_proto, long_word_message_fits)
{
	char line[EF_CTL_REQUEST_MAX];
	struct ef_ctl_request req;
	const char *why = NULL;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "status ", 7);
	cr_assert_eq(ef_ctl_parse(line, &req, &why), -EINVAL);
	cr_assert_str_eq(why, "unexpected word "
			 "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
	cr_assert_eq(why, req.why_buf);
	/* why is optional. */
	cr_assert_eq(ef_ctl_parse("nope", &req, NULL), -EINVAL);
	cr_assert_eq(ef_ctl_parse(NULL, &req, &why), -EINVAL);
	cr_assert_str_eq(why, "empty request");
}

/* ------------------------------------------------------------------ */
/* Framing                                                            */

static void feed(struct ef_ctl_reader *r, const char *s)
{
	cr_assert_eq(ef_ctl_reader_feed(r, s, strlen(s)), 0, "feed '%s'", s);
}

static void want_line(struct ef_ctl_reader *r, const char *want)
{
	char line[EF_CTL_REQUEST_MAX];
	int got = ef_ctl_reader_line(r, line);

	cr_assert_eq(got, 1, "want '%s': %d", want, got);
	cr_assert_str_eq(line, want);
}

static void want_none(struct ef_ctl_reader *r)
{
	char line[EF_CTL_REQUEST_MAX];

	cr_assert_eq(ef_ctl_reader_line(r, line), 0);
}

Test(ctl_proto, reader_split_across_feeds)
{
	struct ef_ctl_reader r = { 0 };
	const char *text = "switch web --confirm 60\n";

	want_none(&r);
	for (const char *p = text; *p; p++) {
		want_none(&r);
		cr_assert_eq(ef_ctl_reader_feed(&r, p, 1), 0);
	}
	want_line(&r, "switch web --confirm 60");
	want_none(&r);
	cr_assert_eq(r.len, 0);

	feed(&r, "sta");
	feed(&r, "");
	want_none(&r);
	feed(&r, "tus\nli");
	want_line(&r, "status");
	want_none(&r);
	feed(&r, "st\n");
	want_line(&r, "list");
	want_none(&r);
}

Test(ctl_proto, reader_several_lines_in_one_feed)
{
	struct ef_ctl_reader r = { 0 };

	feed(&r, "hello\nstatus\n\nswitch web\nconf");
	want_line(&r, "hello");
	want_line(&r, "status");
	want_line(&r, "");
	want_line(&r, "switch web");
	want_none(&r);
	cr_assert_eq(r.len, 4);
	feed(&r, "irm\n");
	want_line(&r, "confirm");
	want_none(&r);
}

Test(ctl_proto, reader_crlf)
{
	struct ef_ctl_reader r = { 0 };

	feed(&r, "hello\r\nstatus\r");
	want_line(&r, "hello");
	want_none(&r);
	feed(&r, "\n\r\n");
	want_line(&r, "status");
	want_line(&r, "");
	/* A lone "\r" inside a line stays. */
	feed(&r, "a\rb\n");
	want_line(&r, "a\rb");
}

/* A line of `len` bytes of 'a' (newline not counted), plus "\n". */
static char *long_line(size_t len)
{
	char *s = malloc(len + 2);

	cr_assert_not_null(s);
	memset(s, 'a', len);
	s[len] = '\n';
	s[len + 1] = '\0';
	return s;
}

Test(ctl_proto, reader_line_at_limit)
{
	struct ef_ctl_reader r = { 0 };
	char line[EF_CTL_REQUEST_MAX];
	char *s = long_line(EF_CTL_REQUEST_MAX - 1);

	/* 4095 bytes and the newline: exactly the limit. */
	cr_assert_eq(ef_ctl_reader_feed(&r, s, EF_CTL_REQUEST_MAX), 0);
	cr_assert_eq(ef_ctl_reader_room(&r), EF_CTL_REQUEST_MAX);
	cr_assert_eq(ef_ctl_reader_line(&r, line), 1);
	cr_assert_eq(strlen(line), EF_CTL_REQUEST_MAX - 1);
	cr_assert_eq(line[0], 'a');
	cr_assert_eq(ef_ctl_reader_room(&r), 2 * EF_CTL_REQUEST_MAX);
	free(s);

	/* The same, fed in pieces after a partial one went out. */
	s = long_line(EF_CTL_REQUEST_MAX - 1);
	feed(&r, "hello\naaa");
	want_line(&r, "hello");
	cr_assert_eq(ef_ctl_reader_feed(&r, s + 3, EF_CTL_REQUEST_MAX - 3), 0);
	cr_assert_eq(ef_ctl_reader_line(&r, line), 1);
	cr_assert_eq(strlen(line), EF_CTL_REQUEST_MAX - 1);
	free(s);

	/* With "\r\n", the "\r" counts: 4094 + 2. */
	s = long_line(EF_CTL_REQUEST_MAX - 1);
	s[EF_CTL_REQUEST_MAX - 2] = '\r';
	cr_assert_eq(ef_ctl_reader_feed(&r, s, EF_CTL_REQUEST_MAX), 0);
	cr_assert_eq(ef_ctl_reader_line(&r, line), 1);
	cr_assert_eq(strlen(line), EF_CTL_REQUEST_MAX - 2);
	free(s);
}

Test(ctl_proto, reader_line_over_limit)
{
	struct ef_ctl_reader r = { 0 };
	char line[EF_CTL_REQUEST_MAX];
	char *s = long_line(EF_CTL_REQUEST_MAX);

	/* 4096 bytes and then the newline: one byte over. */
	cr_assert_eq(ef_ctl_reader_feed(&r, s, EF_CTL_REQUEST_MAX), -EMSGSIZE);
	cr_assert(r.overflow);
	cr_assert_eq(ef_ctl_reader_room(&r), 0);
	cr_assert_eq(ef_ctl_reader_feed(&r, "\n", 1), -EMSGSIZE);
	cr_assert_eq(ef_ctl_reader_feed(&r, "", 0), -EMSGSIZE);
	cr_assert_eq(ef_ctl_reader_line(&r, line), 0);
	free(s);

	/* In pieces, after whole lines: only the long one counts. */
	memset(&r, 0, sizeof(r));
	feed(&r, "status\n");
	want_line(&r, "status");
	s = long_line(EF_CTL_REQUEST_MAX);
	for (size_t i = 0; i + 1 < EF_CTL_REQUEST_MAX; i += 1000) {
		size_t n = EF_CTL_REQUEST_MAX - i < 1000 ?
			   EF_CTL_REQUEST_MAX - i : 1000;
		int err = ef_ctl_reader_feed(&r, s + i, n);

		cr_assert_eq(err, i + n == EF_CTL_REQUEST_MAX ? -EMSGSIZE : 0,
			     "at %zu: %d", i, err);
		if (!err)
			want_none(&r);
	}
	cr_assert_eq(ef_ctl_reader_line(&r, line), 0);
	free(s);

	/* Ended, but too long: one feed bringing all of it. */
	memset(&r, 0, sizeof(r));
	s = long_line(EF_CTL_REQUEST_MAX);
	feed(&r, "status\n");
	cr_assert_eq(ef_ctl_reader_feed(&r, s, strlen(s)), -EMSGSIZE);
	free(s);

	/* Too long behind a short line fed with it, not yet taken out. */
	memset(&r, 0, sizeof(r));
	s = long_line(EF_CTL_REQUEST_MAX + 100);
	s[0] = 's';
	s[1] = '\n';
	cr_assert_eq(ef_ctl_reader_feed(&r, s, EF_CTL_REQUEST_MAX), 0);
	cr_assert_eq(ef_ctl_reader_feed(&r, s + EF_CTL_REQUEST_MAX, 10),
		     -EMSGSIZE);
	free(s);
}

Test(ctl_proto, reader_feed_beyond_room)
{
	struct ef_ctl_reader r = { 0 };
	char big[2 * EF_CTL_REQUEST_MAX];
	size_t room;

	memset(big, 'a', sizeof(big));
	big[10] = '\n';
	feed(&r, "hello\n");
	room = ef_ctl_reader_room(&r);
	cr_assert_eq(room, 2 * EF_CTL_REQUEST_MAX - 6);
	cr_assert_eq(ef_ctl_reader_feed(&r, big, room + 1), -ENOBUFS);
	cr_assert_eq(r.len, 6);
	cr_assert_not(r.overflow);
	want_line(&r, "hello");
	want_none(&r);
}

/*
 * A client pipelining many buffers of requests: read sizes vary, from 1 to
 * EF_CTL_REQUEST_MAX bytes (whole lines taken out after each), or come as
 * whatever room is left.
 */
static void pipeline(bool by_room)
{
	struct ef_ctl_reader r = { 0 };
	char line[EF_CTL_REQUEST_MAX];
	struct ef_strbuf sb = { 0 };
	size_t pos = 0, got = 0, chunk = 1000;
	char *longest = long_line(EF_CTL_REQUEST_MAX - 1);

	longest[EF_CTL_REQUEST_MAX - 1] = '\0';	/* the line, no "\n" */
	for (int i = 0; i < 3000; i++)
		ef_sb_printf(&sb, "%s\n", i % 3 == 0 ? "status" :
			  i % 3 == 1 ? "switch web --dry-run" : longest);
	cr_assert_eq(sb.err, 0);
	while (pos < sb.len) {
		size_t n = by_room ? ef_ctl_reader_room(&r) : chunk;
		int ret;

		n = n < sb.len - pos ? n : sb.len - pos;
		cr_assert_gt(n, 0);
		cr_assert_eq(ef_ctl_reader_feed(&r, sb.buf + pos, n), 0,
			     "at %zu, %zu bytes, %zu held", pos, n, r.len);
		pos += n;
		while ((ret = ef_ctl_reader_line(&r, line)) == 1) {
			const char *want = got % 3 == 0 ? "status" :
					   got % 3 == 1 ?
					   "switch web --dry-run" : longest;

			cr_assert_eq(strlen(line), strlen(want));
			cr_assert_str_eq(line, want);
			got++;
		}
		cr_assert_eq(ret, 0);
		chunk = chunk * 7 % EF_CTL_REQUEST_MAX + 1;
		if (got % 5 == 0)
			chunk = EF_CTL_REQUEST_MAX;
	}
	cr_assert_eq(got, 3000);
	cr_assert_eq(r.len, 0);
	ef_sb_free(&sb);
	free(longest);
}

Test(ctl_proto, reader_pipelined_reads_up_to_limit)
{
	pipeline(false);
}

Test(ctl_proto, reader_pipelined_reads_by_room)
{
	pipeline(true);
}

Test(ctl_proto, reader_nul_inside_line)
{
	struct ef_ctl_reader r = { 0 };
	char line[EF_CTL_REQUEST_MAX];
	static const char data[] = "hello\nsta\0tus\nlist\n\0\n";

	cr_assert_eq(ef_ctl_reader_feed(&r, data, sizeof(data) - 1), 0);
	want_line(&r, "hello");
	cr_assert_eq(ef_ctl_reader_line(&r, line), -EINVAL);
	want_line(&r, "list");
	cr_assert_eq(ef_ctl_reader_line(&r, line), -EINVAL);
	want_none(&r);
	cr_assert_eq(r.len, 0);
	/* Not yet a whole line: nothing said until its end. */
	cr_assert_eq(ef_ctl_reader_feed(&r, "a\0b", 3), 0);
	want_none(&r);
	feed(&r, "\nok\n");
	cr_assert_eq(ef_ctl_reader_line(&r, line), -EINVAL);
	want_line(&r, "ok");
}

/* ------------------------------------------------------------------ */
/* Replies                                                            */

static void assert_one_line(const char *text)
{
	size_t len = strlen(text);

	cr_assert_gt(len, 1);
	cr_assert_eq(text[len - 1], '\n', "no newline at the end: %s", text);
	cr_assert_eq(strchr(text, '\n'), text + len - 1, "two lines: %s",
		     text);
	for (const char *p = text; *p; p++)
		cr_assert((unsigned char)*p >= ' ' || *p == '\n',
			  "control character 0x%02x in %s", *p, text);
}

Test(ctl_proto, ok_reply_text)
{
	struct json_object *o = ef_ctl_ok();
	char *text;

	cr_assert_not_null(o);
	text = ef_ctl_reply_text(o);
	cr_assert_str_eq(text, "{\"ok\":true}\n");
	free(text);

	json_object_object_add(o, "version",
			       json_object_new_int(EF_CTL_VERSION));
	json_object_object_add(o, "server", json_object_new_string("edgefwd"));
	json_object_object_add(o, "socket",
			       json_object_new_string("/run/edgefw/control"));
	text = ef_ctl_reply_text(o);
	cr_assert_str_eq(text, "{\"ok\":true,\"version\":1,"
			 "\"server\":\"edgefwd\","
			 "\"socket\":\"/run/edgefw/control\"}\n");
	assert_one_line(text);
	free(text);
	json_object_put(o);
}

Test(ctl_proto, nested_reply_stays_one_line)
{
	struct json_object *o = ef_ctl_ok(), *arr = json_object_new_array();
	struct json_object *p = json_object_new_object();
	char *text;

	json_object_object_add(p, "name", json_object_new_string("web"));
	json_object_object_add(p, "title",
			       json_object_new_string("line 1\nline 2"));
	json_object_array_add(arr, p);
	json_object_object_add(o, "policies", arr);
	text = ef_ctl_reply_text(o);
	cr_assert_str_eq(text, "{\"ok\":true,\"policies\":[{\"name\":\"web\","
			 "\"title\":\"line 1\\nline 2\"}]}\n");
	assert_one_line(text);
	free(text);
	json_object_put(o);
}

Test(ctl_proto, error_text_escapes)
{
	char *text = ef_ctl_error_text("unknown command 'foo'");

	cr_assert_str_eq(text, "{\"ok\":false,\"error\":\"unknown command "
			 "'foo'\"}\n");
	free(text);

	text = ef_ctl_error_text("say \"no\"\nthen\ttab\x01 back\\slash a/b");
	cr_assert_not_null(text);
	cr_assert_str_eq(text, "{\"ok\":false,\"error\":\"say \\\"no\\\"\\n"
			 "then\\ttab\\u0001 back\\\\slash a/b\"}\n");
	assert_one_line(text);
	free(text);

	text = ef_ctl_error_text("a\r\nb");
	assert_one_line(text);
	free(text);
}

Test(ctl_proto, reply_text_wants_an_object)
{
	struct json_object *a = json_object_new_array();
	struct json_object *s = json_object_new_string("x");

	cr_assert_null(ef_ctl_reply_text(NULL));
	cr_assert_null(ef_ctl_reply_text(a));
	cr_assert_null(ef_ctl_reply_text(s));
	json_object_put(a);
	json_object_put(s);
}

Test(ctl_proto, reply_parse_objects)
{
	static const char *const ok[] = {
		"{\"ok\":true}",
		"{\"ok\":true}\n",
		"{\"ok\":true}\r\n",
		"  {\"ok\" : true ,\"version\": 1}  \n",
		"{}",
		"{\"error\":\"caf\xc3\xa9\"}\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct json_object *o = ef_ctl_reply_parse(ok[i]);

		cr_assert_not_null(o, "'%s'", ok[i]);
		cr_assert(json_object_is_type(o, json_type_object));
		json_object_put(o);
	}
}

/*
 * Not here: {'ok':true}. json-c 0.16 takes single-quoted keys even when
 * strict; the daemon never writes them, so the client may as well read them.
 */
Test(ctl_proto, reply_parse_rejects)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage",
		"[]",
		"[{\"ok\":true}]",
		"1",
		"\"ok\"",
		"null",
		"true",
		"{",
		"{\"ok\":",
		"{\"ok\":true",
		"{\"ok\":true}x",
		"{\"ok\":true}\n{\"ok\":true}\n",
		"{} {}",
		"{ok:true}",
		"{\"ok\":true,}",
		"{\"ok\":tru}",
		"{\"error\":\"\xff\"}",
		"{\"error\":'x'}",
	};

	cr_assert_null(ef_ctl_reply_parse(NULL));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_null(ef_ctl_reply_parse(bad[i]), "'%s' accepted",
			       bad[i]);
}

Test(ctl_proto, reply_round_trip)
{
	const char *msg = "quote \" newline \n slash / tab \t \x02";
	char *text = ef_ctl_error_text(msg);
	struct json_object *o = ef_ctl_reply_parse(text), *v;

	cr_assert_not_null(o);
	cr_assert(json_object_object_get_ex(o, "ok", &v));
	cr_assert(json_object_is_type(v, json_type_boolean));
	cr_assert_not(json_object_get_boolean(v));
	cr_assert(json_object_object_get_ex(o, "error", &v));
	cr_assert_str_eq(json_object_get_string(v), msg);
	json_object_put(o);
	free(text);
}

/* confirm and rollback may name the switch they are meant for. */
Test(ctl_proto, confirm_and_rollback_with_a_switch_id)
{
	struct ef_ctl_request r;

	r = parse_ok("confirm");
	cr_assert_eq(r.switch_id, 0);
	r = parse_ok("confirm 1795338226000");
	cr_assert_eq(r.cmd, EF_CTL_CONFIRM);
	cr_assert_eq(r.switch_id, UINT64_C(1795338226000));
	r = parse_ok("rollback 18446744073709551615");
	cr_assert_eq(r.cmd, EF_CTL_ROLLBACK);
	cr_assert_eq(r.switch_id, UINT64_MAX);
	parse_bad("confirm 0", "not a switch id '0'");
	parse_bad("confirm x1", "not a switch id 'x1'");
	parse_bad("rollback -1", "not a switch id '-1'");
	parse_bad("rollback 18446744073709551616",
		  "not a switch id '18446744073709551616'");
	parse_bad("confirm 7 8", "unexpected word '8'");
}

/* ------------------------------------------------------------------ */
/* Client side: requests as edgefwctl builds them                     */

static void format_ok(const struct ef_ctl_request *rq, const char *want)
{
	struct ef_ctl_request back;
	const char *why = NULL;
	char *line = NULL;

	cr_assert_eq(ef_ctl_request_format(rq, &line), 0, "want '%s'", want);
	cr_assert_str_eq(line, want);
	/* The daemon reads the very request back. */
	line[strlen(line) - 1] = '\0';
	cr_assert_eq(ef_ctl_parse(line, &back, &why), 0, "%s: %s", line, why);
	cr_assert_eq(back.cmd, rq->cmd, "%s", line);
	cr_assert_str_eq(back.name, rq->name, "%s", line);
	cr_assert_eq(back.dry_run, rq->dry_run, "%s", line);
	cr_assert_eq(back.confirm_secs, rq->confirm_secs, "%s", line);
	cr_assert_eq(back.switch_id, rq->switch_id, "%s", line);
	free(line);
}

static void format_bad(const struct ef_ctl_request *rq, const char *what)
{
	char *line = (char *)"untouched";

	cr_assert_eq(ef_ctl_request_format(rq, &line), -EINVAL,
		     "%s: formatted as '%s'", what, line);
	cr_assert_str_eq(line, "untouched", "%s", what);
}

Test(ctl_proto, request_format_every_command)
{
	static const struct {
		enum ef_ctl_cmd cmd;
		const char *line;
	} t[] = {
		{ EF_CTL_HELLO, "hello\n" },
		{ EF_CTL_STATUS, "status\n" },
		{ EF_CTL_LIST, "list\n" },
		{ EF_CTL_CONFIRM, "confirm\n" },
		{ EF_CTL_ROLLBACK, "rollback\n" },
		{ EF_CTL_DIFF, "diff\n" },
		{ EF_CTL_RECONCILE, "reconcile\n" },
		{ EF_CTL_COUNTERS, "counters\n" },
		{ EF_CTL_RELOAD, "reload\n" },
		{ EF_CTL_EXCEPTIONS, "exceptions\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct ef_ctl_request rq = { .cmd = t[i].cmd };

		format_ok(&rq, t[i].line);
	}
}

Test(ctl_proto, request_format_switch_and_ids)
{
	struct ef_ctl_request rq = { .cmd = EF_CTL_SWITCH };

	strcpy(rq.name, "web");
	format_ok(&rq, "switch web\n");
	rq.dry_run = true;
	format_ok(&rq, "switch web --dry-run\n");
	rq.confirm_secs = EF_CTL_CONFIRM_MAX;
	format_ok(&rq, "switch web --dry-run --confirm 86400\n");
	rq.dry_run = false;
	rq.confirm_secs = 1;
	format_ok(&rq, "switch web --confirm 1\n");
	/* The longest name there is. */
	memset(rq.name, 'a', EF_CTL_NAME_MAX);
	rq.name[EF_CTL_NAME_MAX] = '\0';
	rq.confirm_secs = 0;
	format_ok(&rq, "switch aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	strcpy(rq.name, "a_b-9");
	format_ok(&rq, "switch a_b-9\n");

	rq = (struct ef_ctl_request){ .cmd = EF_CTL_CONFIRM, .switch_id = 42 };
	format_ok(&rq, "confirm 42\n");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_ROLLBACK,
				      .switch_id = UINT64_MAX };
	format_ok(&rq, "rollback 18446744073709551615\n");
}

/* What the daemon would read otherwise, or not at all, is never sent. */
Test(ctl_proto, request_format_refuses)
{
	struct ef_ctl_request rq = { .cmd = (enum ef_ctl_cmd)99 };

	format_bad(&rq, "a command outside the enum");

	rq = (struct ef_ctl_request){ .cmd = EF_CTL_SWITCH };
	format_bad(&rq, "switch without a name");
	strcpy(rq.name, "Web");
	format_bad(&rq, "an upper-case name");
	strcpy(rq.name, "web reload");
	format_bad(&rq, "a name with a blank");
	strcpy(rq.name, "web\nreload");
	format_bad(&rq, "a name with a newline: a second request");
	strcpy(rq.name, "-web");
	format_bad(&rq, "a name read as an option");
	memset(rq.name, 'a', sizeof(rq.name));
	format_bad(&rq, "a name without its NUL");
	strcpy(rq.name, "web");
	rq.confirm_secs = EF_CTL_CONFIRM_MAX + 1;
	format_bad(&rq, "seconds out of range");
	rq.confirm_secs = 0;
	rq.switch_id = 7;
	format_bad(&rq, "a switch id on switch");

	rq = (struct ef_ctl_request){ .cmd = EF_CTL_STATUS };
	strcpy(rq.name, "web");
	format_bad(&rq, "a name on status");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_HELLO, .dry_run = true };
	format_bad(&rq, "--dry-run on hello");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_LIST, .confirm_secs = 5 };
	format_bad(&rq, "seconds on list");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_STATUS, .switch_id = 5 };
	format_bad(&rq, "a switch id on status");
}

/* Whatever the daemon parsed, formatted again, is its one canonical line. */
Test(ctl_proto, request_format_is_canonical)
{
	static const struct {
		const char *line, *canonical;
	} t[] = {
		{ "switch --confirm 060 --dry-run web --dry-run",
		  "switch web --dry-run --confirm 60\n" },
		{ "  switch\tweb  ", "switch web\n" },
		{ "confirm 007", "confirm 7\n" },
		{ "rollback", "rollback\n" },
		{ "status\r", "status\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct ef_ctl_request rq = parse_ok(t[i].line);

		format_ok(&rq, t[i].canonical);
	}
}

/* ------------------------------------------------------------------ */
/* Timed exceptions                                                   */

static void assert_range(const struct ef_addr_range *r, int family,
			 const char *lo, const char *hi)
{
	uint8_t want_lo[16] = { 0 }, want_hi[16] = { 0 };
	int af = family == 4 ? AF_INET : AF_INET6;

	cr_assert_eq(r->family, family);
	cr_assert_eq(inet_pton(af, lo, want_lo), 1);
	cr_assert_eq(inet_pton(af, hi, want_hi), 1);
	cr_assert_arr_eq(r->lo, want_lo, 16, "lo is not %s", lo);
	cr_assert_arr_eq(r->hi, want_hi, 16, "hi is not %s", hi);
}

Test(ctl_proto, allow_forms)
{
	struct ef_ctl_request r;

	r = parse_ok("allow tcp 8443 from 203.0.113.7 to access_edge for 3600 "
		     "note \"debugging the federation\"");
	cr_assert_eq(r.allow.proto, IPPROTO_TCP);
	cr_assert_eq(r.allow.port_lo, 8443);
	cr_assert_eq(r.allow.port_hi, 8443);
	assert_range(&r.allow.from, 4, "203.0.113.7", "203.0.113.7");
	cr_assert_str_eq(r.allow.to_role, "access_edge");
	cr_assert_eq(r.allow.to_addr.family, 0);
	cr_assert_eq(r.allow.secs, 3600);
	cr_assert_str_eq(r.allow.note, "debugging the federation");

	/* The least: no from, no to; the clauses in any order. */
	r = parse_ok("allow udp 50000-50100 note \"media\" for 2592000");
	cr_assert_eq(r.allow.proto, IPPROTO_UDP);
	cr_assert_eq(r.allow.port_lo, 50000);
	cr_assert_eq(r.allow.port_hi, 50100);
	cr_assert_eq(r.allow.from.family, 0);
	cr_assert_str_eq(r.allow.to_role, "");
	cr_assert_eq(r.allow.to_addr.family, 0);
	cr_assert_eq(r.allow.secs, 2592000);

	r = parse_ok("allow tcp 1-65535 to 2001:db8::5 from 2001:db8::/32 "
		     "for 1 note \"x\"");
	assert_range(&r.allow.from, 6, "2001:db8::",
		     "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_range(&r.allow.to_addr, 6, "2001:db8::5", "2001:db8::5");
	r = parse_ok("allow tcp 22 to 192.0.2.1/32 for 1 note \"x\"");
	assert_range(&r.allow.to_addr, 4, "192.0.2.1", "192.0.2.1");

	/* Escapes, blanks inside, UTF-8. */
	r = parse_ok("allow tcp 1 for 1 note \"a \\\"quoted\\\" \\\\ caf\xc3\xa9\"\r");
	cr_assert_str_eq(r.allow.note, "a \"quoted\" \\ caf\xc3\xa9");
}

Test(ctl_proto, allow_and_revoke_malformed)
{
	static const struct {
		const char *line, *why;
	} t[] = {
		{ "allow", "allow needs a protocol (tcp or udp)" },
		{ "allow icmp 1 for 1 note \"n\"", "unknown protocol 'icmp'" },
		{ "allow TCP 1 for 1 note \"n\"", "unknown protocol 'TCP'" },
		{ "allow tcp", "allow needs a port (1 to 65535) or a range" },
		{ "allow tcp 0 for 1 note \"n\"", "not a port or range '0'" },
		{ "allow tcp 65536 for 1 note \"n\"", "not a port or range '65536'" },
		{ "allow tcp 2-1 for 1 note \"n\"", "not a port or range '2-1'" },
		{ "allow tcp 1- for 1 note \"n\"", "not a port or range '1-'" },
		{ "allow tcp -1 for 1 note \"n\"", "not a port or range '-1'" },
		{ "allow tcp 1-2-3 for 1 note \"n\"", "not a port or range '1-2-3'" },
		{ "allow tcp https for 1 note \"n\"", "not a port or range 'https'" },
		{ "allow tcp 1 note \"n\"", "allow needs 'for SECONDS'" },
		{ "allow tcp 1 for 1", "allow needs 'note \"TEXT\"'" },
		{ "allow tcp 1 for", "for needs seconds (1 to 2592000)" },
		{ "allow tcp 1 for 0 note \"n\"", "for needs seconds (1 to 2592000)" },
		{ "allow tcp 1 for 2592001 note \"n\"", "for needs seconds (1 to 2592000)" },
		{ "allow tcp 1 for 1h note \"n\"", "for needs seconds (1 to 2592000)" },
		{ "allow tcp 1 for 1 for 2 note \"n\"", "for given twice" },
		{ "allow tcp 1 from", "from needs an address or network" },
		{ "allow tcp 1 from any for 1 note \"n\"", "not an address or network 'any'" },
		{ "allow tcp 1 from 192.0.2.1/24 for 1 note \"n\"",
		  "not an address or network '192.0.2.1/24'" },
		{ "allow tcp 1 from 192.0.2.1 from 192.0.2.2 for 1 note \"n\"",
		  "from given twice" },
		{ "allow tcp 1 to", "to needs an address role or one address" },
		{ "allow tcp 1 to 192.0.2.0/24 for 1 note \"n\"",
		  "not an address role or one address '192.0.2.0/24'" },
		{ "allow tcp 1 to Web for 1 note \"n\"",
		  "not an address role or one address 'Web'" },
		{ "allow tcp 1 to abcdefghijklmnopqrstuvwxyz012345 for 1 note \"n\"",
		  "role name longer than 31 bytes" },
		{ "allow tcp 1 to a to b for 1 note \"n\"", "to given twice" },
		{ "allow tcp 1 for 1 note", "note needs a text in double quotes" },
		{ "allow tcp 1 for 1 note n", "note needs a text in double quotes" },
		{ "allow tcp 1 for 1 note \"n", "note has no closing quote" },
		{ "allow tcp 1 for 1 note \"n\\\"", "note has no closing quote" },
		{ "allow tcp 1 for 1 note \"\"",
		  "note must be UTF-8 text without control characters, not only blanks" },
		{ "allow tcp 1 for 1 note \"  \"",
		  "note must be UTF-8 text without control characters, not only blanks" },
		{ "allow tcp 1 for 1 note \"a\tb\"",
		  "note must be UTF-8 text without control characters, not only blanks" },
		{ "allow tcp 1 for 1 note \"\xe9t\xe9\"",
		  "note must be UTF-8 text without control characters, not only blanks" },
		{ "allow tcp 1 for 1 note \"a\\nb\"",
		  "in a note, a backslash escapes only \" and \\" },
		{ "allow tcp 1 for 1 note \"a\"b", "a blank must follow the note's closing quote" },
		{ "allow tcp 1 for 1 note \"a\" note \"b\"", "note given twice" },
		{ "allow tcp 1 for 1 note \"a\" now", "unexpected word 'now'" },
		{ "allow tcp 1 --for 1 note \"a\"", "unexpected word '--for'" },
		{ "revoke", "revoke needs an exception id" },
		{ "revoke 0", "not an exception id '0'" },
		{ "revoke 4294967296", "not an exception id '4294967296'" },
		{ "revoke x", "not an exception id 'x'" },
		{ "revoke 1 2", "unexpected word '2'" },
		{ "exceptions all", "unexpected word 'all'" },
	};
	char line[600], note[EF_EXC_NOTE_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		parse_bad(t[i].line, t[i].why);
	/* 200 bytes are a note; 201 are not. */
	memset(note, 'n', sizeof(note));
	note[EF_EXC_NOTE_MAX] = '\0';
	snprintf(line, sizeof(line), "allow tcp 1 for 1 note \"%s\"", note);
	cr_assert_eq(strlen(parse_ok(line).allow.note), EF_EXC_NOTE_MAX);
	note[EF_EXC_NOTE_MAX] = 'n';
	note[EF_EXC_NOTE_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "allow tcp 1 for 1 note \"%s\"", note);
	parse_bad(line, "note longer than 200 bytes");
	cr_assert_eq(parse_ok("revoke 4294967295").exception_id, UINT32_MAX);
}

Test(ctl_proto, request_format_allow_and_revoke)
{
	struct ef_ctl_request rq = parse_ok(
		"allow tcp 8443 note \"say \\\"hi\\\" \\\\o/\" for 3600 to access_edge "
		"from 203.0.113.0/24");
	struct ef_ctl_request back;

	format_ok(&rq, "allow tcp 8443 from 203.0.113.0/24 to access_edge for 3600 note \"say \\\"hi\\\" \\\\o/\"\n");
	cr_assert_eq(ef_ctl_parse("allow tcp 8443 from 203.0.113.0/24 to access_edge for 3600 note \"say \\\"hi\\\" \\\\o/\"",
				  &back, NULL), 0);
	cr_assert_str_eq(back.allow.note, "say \"hi\" \\o/");
	rq = parse_ok("allow udp 3478-3480 to 2001:DB8::0:5 for 1 note \"n\"");
	format_ok(&rq, "allow udp 3478-3480 to 2001:db8::5 for 1 note \"n\"\n");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_REVOKE, .exception_id = 12 };
	format_ok(&rq, "revoke 12\n");

	/* What the daemon would not read is never sent. */
	rq = parse_ok("allow tcp 1 for 1 note \"n\"");
	rq.allow.secs = 0;
	format_bad(&rq, "no seconds");
	rq.allow.secs = EF_EXC_SECS_MAX + 1;
	format_bad(&rq, "seconds out of range");
	rq.allow.secs = 1;
	strcpy(rq.allow.note, "a\nrevoke 1");
	format_bad(&rq, "a note with a newline: a second request");
	strcpy(rq.allow.note, "");
	format_bad(&rq, "an empty note");
	memset(rq.allow.note, 'n', sizeof(rq.allow.note));
	format_bad(&rq, "a note without its NUL");
	strcpy(rq.allow.note, "n");
	strcpy(rq.allow.to_role, "a b");
	format_bad(&rq, "a role with a blank");
	rq.allow.to_role[0] = '\0';
	rq.allow.proto = IPPROTO_ICMP;
	format_bad(&rq, "icmp");
	rq.allow.proto = IPPROTO_TCP;
	rq.allow.from.family = 4;
	memset(rq.allow.from.hi, 0xff, 4);
	rq.allow.from.lo[3] = 1;	/* 0.0.0.1-255.255.255.255: no network */
	format_bad(&rq, "a range that is no network");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_STATUS, .exception_id = 5 };
	format_bad(&rq, "an exception id on status");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_REVOKE };
	format_bad(&rq, "revoke without an id");
	rq = (struct ef_ctl_request){ .cmd = EF_CTL_HELLO,
				      .allow = { .secs = 5 } };
	format_bad(&rq, "an exception on hello");
}

/* explain: its words in any order, each once; one address each, of one
 * family; read back the same from its canonical line. */
Test(ctl_proto, explain_forms)
{
	static const char *const good[] = {
		"explain tcp 443 to 198.51.100.10",
		"explain udp 3478 from 203.0.113.7 to 198.51.100.12 in eth0",
		"explain tcp 5061 to 2001:db8::1 out eth1 from 2001:db8::2",
		"explain tcp 1 in lo to 192.0.2.1 out veth-a.100",
	};
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "explain", "explain needs a protocol (tcp or udp)" },
		{ "explain icmp 1 to 192.0.2.1", "unknown protocol 'icmp'" },
		{ "explain tcp 0 to 192.0.2.1", "explain needs a port (1 to 65535)" },
		{ "explain tcp 65536 to 192.0.2.1", "explain needs a port (1 to 65535)" },
		{ "explain tcp 443", "explain needs 'to ADDR'" },
		{ "explain tcp 443 to 192.0.2.0/24", "not one address '192.0.2.0/24'" },
		{ "explain tcp 443 to 192.0.2.1 to 192.0.2.2", "given twice: 'to'" },
		{ "explain tcp 443 to 192.0.2.1 from 2001:db8::1",
		  "from and to are of different families" },
		{ "explain tcp 443 to 192.0.2.1 in a/b", "not an interface name 'a/b'" },
		{ "explain tcp 443 to 192.0.2.1 in 0123456789abcdef",
		  "not an interface name '0123456789abcdef'" },
		{ "explain tcp 443 to 192.0.2.1 in", "a value is needed after 'in'" },
		{ "explain tcp 443 to 192.0.2.1 via x", "unexpected word 'via'" },
	};
	struct ef_ctl_request req, back;
	const char *why;
	char *line;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		req = parse_ok(good[i]);
		cr_assert_eq(req.cmd, EF_CTL_EXPLAIN);
		cr_assert_eq(ef_ctl_request_format(&req, &line), 0, "%s", good[i]);
		line[strlen(line) - 1] = '\0';
		back = parse_ok(line);
		cr_assert(ef_ctl_request_equal(&req, &back), "%s", line);
		free(line);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		cr_assert_eq(ef_ctl_parse(bad[i].line, &req, &why), -EINVAL,
			     "%s", bad[i].line);
		cr_assert_str_eq(why, bad[i].why, "%s", bad[i].line);
	}
}
