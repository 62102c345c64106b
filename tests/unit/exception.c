// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Timed exceptions: durations, notes, the record (its format, a round
 * trip, every kind of corruption refused whole), the elements an
 * exception opens and when two would overlap.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "exception.h"
#include "helpers.h"
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

TestSuite(exception, .init = setup, .fini = teardown);

Test(exception, durations)
{
	static const struct {
		const char *s;
		int err;
		uint64_t secs;
	} cases[] = {
		{ "90s", 0, 90 }, { "30m", 0, 1800 }, { "1h", 0, 3600 },
		{ "2d", 0, 172800 }, { "3", 0, 3 }, { "0030m", 0, 1800 },
		{ "30d", 0, 2592000 }, { "2592000", 0, 2592000 },
		{ "31d", -ERANGE, 0 }, { "0", -ERANGE, 0 }, { "0h", -ERANGE, 0 },
		{ "99999999999d", -ERANGE, 0 },
		{ "", -EINVAL, 0 }, { "h", -EINVAL, 0 }, { "1w", -EINVAL, 0 },
		{ "1hh", -EINVAL, 0 }, { "1h30m", -EINVAL, 0 },
		{ " 1h", -EINVAL, 0 }, { "1h ", -EINVAL, 0 },
		{ "-1h", -EINVAL, 0 }, { "+1h", -EINVAL, 0 },
		{ "1.5h", -EINVAL, 0 }, { "1H", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 4242;

		cr_assert_eq(ef_parse_duration(cases[i].s, EF_EXC_SECS_MAX, &v),
			     cases[i].err, "'%s'", cases[i].s);
		cr_assert_eq(v, cases[i].err ? 4242 : cases[i].secs, "'%s'", cases[i].s);
	}
}

Test(exception, notes)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "debugging the federation", true },
		{ "x", true },
		{ " leading and trailing ", true },
		{ "quotes \" and \\ backslashes", true },
		{ "caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x94\xa5", true },
		{ "", false },
		{ "   ", false },
		{ "tab\there", false },
		{ "new\nline", false },
		{ "del\x7f", false },
		{ "c1 \xc2\x85 next line", false },
		{ "overlong \xc0\xaf", false },
		{ "overlong \xe0\x80\xaf", false },
		{ "surrogate \xed\xa0\x80", false },
		{ "beyond \xf4\x90\x80\x80", false },
		{ "cut \xe2\x82", false },
		{ "lone \x80 continuation", false },
		{ "latin-1 \xe9", false },
	};
	char longest[EF_EXC_NOTE_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		cr_assert_eq(ef_note_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok,
			     "'%s'", cases[i].s);
	memset(longest, 'n', sizeof(longest));
	cr_assert(ef_note_valid(longest, EF_EXC_NOTE_MAX));
	cr_assert_not(ef_note_valid(longest, EF_EXC_NOTE_MAX + 1));
	/* A NUL inside is a control character too. */
	cr_assert_not(ef_note_valid("a\0b", 3));
}

static struct ef_addr_range range(const char *cidr)
{
	struct ef_addr_range r = { 0 };
	struct ef_prefix p;
	const char *why;

	cr_assert_eq(ef_prefix_parse(cidr, &p, &why), 0, "%s", cidr);
	r.family = p.family;
	memcpy(r.lo, p.lo, sizeof(r.lo));
	memcpy(r.hi, p.hi, sizeof(r.hi));
	return r;
}

/* tcp 8443 from 203.0.113.7 to access_edge (two addresses), an hour. */
static struct ef_exception sample(void)
{
	struct ef_exception x = {
		.id = 7, .added_ms = 1767222000123, .expires_ms = 1767225600123,
		.uid = 1000, .proto = IPPROTO_TCP, .port_lo = 8443,
		.port_hi = 8443, .nto = 2, .role = "access_edge",
		.note = "debugging the federation: \"caf\xc3\xa9\"",
	};

	x.from = range("203.0.113.7");
	x.to[0] = range("198.51.100.10");
	x.to[1] = range("2001:db8:100::10");
	return x;
}

static char *record_text(void)
{
	char *path = NULL, *text = NULL;
	size_t len;

	cr_assert_neq(asprintf(&path, "%s/exceptions", t.path), -1);
	cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &text, &len, NULL),
		     0);
	free(path);
	return text;
}

static void write_record(const char *text)
{
	char *path = tdir_write(&t, "exceptions", text, 0600);

	free(path);
}

Test(exception, record_round_trip)
{
	struct ef_exceptions xs = { 0 }, back = { 0 };
	struct ef_exception x = sample();
	unsigned int line = 99;
	char *text;

	cr_assert_eq(ef_exceptions_add(&xs, &x), 0);
	x = (struct ef_exception){ .added_ms = 1000, .expires_ms = 4000,
				   .proto = IPPROTO_UDP, .port_lo = 50000,
				   .port_hi = 50100, .note = "media" };
	cr_assert_eq(ef_exceptions_add(&xs, &x), 0);
	cr_assert_eq(xs.v[1].id, 8, "the next id");
	cr_assert_eq(xs.next_id, 9);
	cr_assert_eq(ef_exceptions_save(t.path, &xs), 0);
	text = record_text();
	cr_assert_str_eq(text,
			 "edgefw-exceptions 1\n"
			 "next 9\n"
			 "x 7 1767222000123 1767225600123 1000 tcp 8443-8443 203.0.113.7 198.51.100.10,2001:db8:100::10 access_edge debugging the federation: \"caf\xc3\xa9\"\n"
			 "x 8 1000 4000 0 udp 50000-50100 any local - media\n");
	free(text);
	cr_assert_eq(ef_exceptions_load(t.path, &back, &line), 0);
	cr_assert_eq(back.n, 2);
	cr_assert_eq(back.next_id, 9);
	cr_assert_eq(memcmp(&back.v[0], &xs.v[0], sizeof(xs.v[0])), 0);
	cr_assert_eq(memcmp(&back.v[1], &xs.v[1], sizeof(xs.v[1])), 0);
	/* Ids are not used twice: removing the last keeps next. */
	ef_exceptions_remove(&xs, 1);
	cr_assert_eq(ef_exceptions_find(&xs, 8), -1);
	cr_assert_eq(ef_exceptions_find(&xs, 7), 0);
	cr_assert_eq(ef_exceptions_save(t.path, &xs), 0);
	cr_assert_eq(ef_exceptions_load(t.path, &back, NULL), 0);
	cr_assert_eq(back.n, 1);
	cr_assert_eq(back.next_id, 9);
	ef_exceptions_free(&back);
	ef_exceptions_free(&xs);
}

Test(exception, no_record)
{
	struct ef_exceptions xs = { 0 };

	cr_assert_eq(ef_exceptions_load(t.path, &xs, NULL), -ENOENT);
	cr_assert_eq(xs.n, 0);
	write_record("edgefw-exceptions 1\nnext 1\n");
	cr_assert_eq(ef_exceptions_load(t.path, &xs, NULL), 0);
	cr_assert_eq(xs.n, 0);
	cr_assert_eq(xs.next_id, 1);
}

#define GOOD "x 7 1000 4000 0 tcp 8443-8443 any local - note\n"

/* Whatever is wrong, nothing of the record is trusted, and the line
 * that is wrong is named. */
Test(exception, corrupt_records_are_refused_whole)
{
	static const struct {
		const char *text;
		unsigned int line;
	} bad[] = {
		{ "", 1 },
		{ "edgefw-exceptions 1\n", 2 },
		{ "edgefw-exceptions 2\nnext 8\n", 1 },
		{ "edgefw-exceptions 1\nnext 8", 2 },
		{ "edgefw-exceptions 1\nnext 0\n", 2 },
		{ "edgefw-exceptions 1\nnext x\n", 2 },
		{ "edgefw-exceptions 1\nnext 8\n" GOOD "x 7 1000", 4 },
		{ "edgefw-exceptions 1\nnext 8\n" GOOD GOOD, 4 },
		{ "edgefw-exceptions 1\nnext 7\n" GOOD, 3 },
		{ "edgefw-exceptions 1\nnext 8\ny 7 1000 4000 0 tcp 1-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 0 1000 4000 0 tcp 1-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 4000 4000 0 tcp 1-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 2592001001 0 tcp 1-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 -1 tcp 1-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 icmp 1-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 2-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 0-1 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-65536 any local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 anywhere local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 192.0.2.1/24 local - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any 192.0.2.300 - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any 192.0.2.1, - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local Web n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local -\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local - \n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local - a\tb\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local - \xe9\n", 3 },
		/* From IPv4 to IPv6 only: opens nothing, written by no one. */
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 192.0.2.1 2001:db8::1 - n\n", 3 },
		{ "edgefw-exceptions 1\nnext 8\n" GOOD "\n", 4 },
		{ "edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local - n\0more\n", 3 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ef_exceptions xs = { 0 };
		unsigned int line = 99;
		char *path = NULL;
		FILE *f;
		size_t len = strlen(bad[i].text);

		/* The last one holds a NUL: its length by hand. */
		if (i == ARRAY_SIZE(bad) - 1)
			len = sizeof("edgefw-exceptions 1\nnext 8\nx 7 1000 4000 0 tcp 1-1 any local - n\0more\n") - 1;
		cr_assert_neq(asprintf(&path, "%s/exceptions", t.path), -1);
		f = fopen(path, "we");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(bad[i].text, 1, len, f), len);
		cr_assert_eq(fclose(f), 0);
		free(path);
		cr_assert_eq(ef_exceptions_load(t.path, &xs, &line), -EINVAL,
			     "case %zu: not refused", i);
		cr_assert_eq(xs.n, 0, "case %zu", i);
		cr_assert_eq(line, bad[i].line, "case %zu: line %u", i, line);
	}
}

Test(exception, record_not_a_regular_file_or_too_large)
{
	struct ef_exceptions xs = { 0 };
	unsigned int line = 99;
	char *path = tdir_mkdir(&t, "exceptions", 0700), *big;

	cr_assert_eq(ef_exceptions_load(t.path, &xs, &line), -EINVAL);
	cr_assert_eq(line, 0);
	cr_assert_eq(rmdir(path), 0);
	free(path);
	big = malloc(EF_EXC_FILE_MAX + 2);
	memset(big, 'x', EF_EXC_FILE_MAX + 1);
	big[EF_EXC_FILE_MAX + 1] = '\0';
	write_record(big);
	free(big);
	cr_assert_eq(ef_exceptions_load(t.path, &xs, &line), -EINVAL);
	cr_assert_eq(line, 0);
}

Test(exception, save_refuses_what_would_not_read_back)
{
	struct ef_exceptions xs = { 0 };
	struct ef_exception x = sample();

	cr_assert_eq(ef_exceptions_add(&xs, &x), 0);
	xs.v[0].note[0] = '\0';
	cr_assert_eq(ef_exceptions_save(t.path, &xs), -EINVAL);
	xs.v[0] = sample();
	xs.v[0].expires_ms = xs.v[0].added_ms;
	cr_assert_eq(ef_exceptions_save(t.path, &xs), -EINVAL);
	xs.v[0] = sample();
	xs.v[0].proto = IPPROTO_ICMP;
	cr_assert_eq(ef_exceptions_save(t.path, &xs), -EINVAL);
	xs.v[0] = sample();
	strcpy(xs.v[0].role, "Bad Role");
	cr_assert_eq(ef_exceptions_save(t.path, &xs), -EINVAL);
	cr_assert_eq(ef_exceptions_load(t.path, &xs, NULL), -ENOENT);
	ef_exceptions_free(&xs);
}

Test(exception, at_most_so_many)
{
	struct ef_exceptions xs = { 0 };
	struct ef_exception x = sample();

	for (size_t i = 0; i < EF_EXC_MAX; i++) {
		x.id = 0;
		cr_assert_eq(ef_exceptions_add(&xs, &x), 0);
	}
	x.id = 0;
	cr_assert_eq(ef_exceptions_add(&xs, &x), -E2BIG);
	cr_assert_eq(xs.n, EF_EXC_MAX);
	ef_exceptions_free(&xs);
}

/* The model's ex4 and ex6. */
static struct ef_model *ex_sets(struct ef_set **set4, struct ef_set **set6)
{
	static const enum ef_type t4[] = { EF_T_IPV4, EF_T_IPV4, EF_T_PROTO,
					   EF_T_PORT };
	static const enum ef_type t6[] = { EF_T_IPV6, EF_T_IPV6, EF_T_PROTO,
					   EF_T_PORT };
	struct ef_model *m = ef_model_new();

	cr_assert_not_null(ef_model_add_set(m, EF_SET_EX4, t4, 4, true));
	cr_assert_not_null(ef_model_add_set(m, EF_SET_EX6, t6, 4, true));
	*set4 = &m->sets[0];
	*set6 = &m->sets[1];
	(*set4)->timeout = (*set6)->timeout = true;
	return m;
}

Test(exception, elements)
{
	struct ef_set *s4, *s6;
	struct ef_model *m = ex_sets(&s4, &s6);
	struct ef_exception x = sample();
	char *key;

	/* From an IPv4 address: the role's IPv4 address only. */
	cr_assert_eq(ef_exception_elems(&x, x.expires_ms - 1500, s4, s6), 0);
	cr_assert_eq(s4->nelems, 1);
	cr_assert_eq(s6->nelems, 0);
	key = elem_key(s4, 0);
	cr_assert_str_eq(key, "203.0.113.7 . 198.51.100.10 . tcp . 8443");
	free(key);
	cr_assert_eq(ef_elem_timeout(s4, 0), 1500);
	cr_assert_str_eq(rows_text(ef_elem_rows(s4, 0)), "exception 7");

	/* From any, to this machine, a port range: both families whole. */
	x = (struct ef_exception){ .id = 9, .expires_ms = 60000,
				   .proto = IPPROTO_UDP, .port_lo = 3478,
				   .port_hi = 3480, .note = "n" };
	cr_assert_eq(ef_exception_elems(&x, 0, s4, s6), 0);
	cr_assert_eq(s4->nelems, 2);
	cr_assert_eq(s6->nelems, 1);
	cr_assert_eq(find_elem(s4, "0.0.0.0/0 . 0.0.0.0/0 . udp . 3478-3480"), 0);
	cr_assert_geq(find_elem(s6, "::/0 . ::/0 . udp . 3478-3480"), 0);
	cr_assert_eq(ef_elem_timeout(s6, 0), 60000);

	/* Expired: nothing. */
	cr_assert_eq(ef_exception_elems(&x, 60000, s4, s6), 0);
	cr_assert_eq(s4->nelems, 2);
	ef_model_free(m);
}

Test(exception, opening_nothing)
{
	struct ef_exception x = sample();

	cr_assert_not(ef_exception_empty(&x));
	x.nto = 1;
	x.to[0] = range("2001:db8:100::10");
	cr_assert(ef_exception_empty(&x), "from IPv4 to IPv6 only");
	x.from.family = 0;
	cr_assert_not(ef_exception_empty(&x));
}

Test(exception, overlaps)
{
	struct ef_exception a = sample(), b = sample();

	cr_assert(ef_exceptions_overlap(&a, &b));
	b.port_lo = b.port_hi = 8444;
	cr_assert_not(ef_exceptions_overlap(&a, &b));
	b.port_lo = 8000;
	cr_assert(ef_exceptions_overlap(&a, &b), "port ranges meet");
	b.proto = IPPROTO_UDP;
	cr_assert_not(ef_exceptions_overlap(&a, &b));
	b = sample();
	b.from = range("203.0.113.8");
	cr_assert_not(ef_exceptions_overlap(&a, &b));
	b.from = range("203.0.113.0/24");
	cr_assert(ef_exceptions_overlap(&a, &b), "a network holding it");
	b.from.family = 0;
	cr_assert(ef_exceptions_overlap(&a, &b), "any");
	b.nto = 1;
	b.to[0] = range("198.51.100.11");
	cr_assert_not(ef_exceptions_overlap(&a, &b), "another address");
	b.nto = 0;
	cr_assert(ef_exceptions_overlap(&a, &b), "this machine: all of it");
	/* IPv6 only on one side, IPv4 from on the other. */
	b.to[0] = range("2001:db8:100::10");
	b.nto = 1;
	cr_assert_not(ef_exceptions_overlap(&a, &b));
	a.from.family = 0;
	cr_assert(ef_exceptions_overlap(&a, &b));
}

Test(exception, text)
{
	struct ef_exception x = sample();
	struct ef_strbuf sb = { 0 };
	char *s;

	ef_exception_text(&sb, &x);
	s = ef_sb_steal(&sb);
	cr_assert_str_eq(s, "tcp 8443 from 203.0.113.7 to access_edge (198.51.100.10, 2001:db8:100::10)");
	free(s);
	x = (struct ef_exception){ .proto = IPPROTO_UDP, .port_lo = 1,
				   .port_hi = 2 };
	x.from = range("2001:db8::/32");
	ef_exception_text(&sb, &x);
	s = ef_sb_steal(&sb);
	cr_assert_str_eq(s, "udp 1-2 from 2001:db8::/32 to this machine");
	free(s);
	x.nto = 1;
	x.to[0] = range("2001:db8::5");
	ef_exception_text(&sb, &x);
	s = ef_sb_steal(&sb);
	cr_assert_str_eq(s, "udp 1-2 from 2001:db8::/32 to 2001:db8::5");
	free(s);
	cr_assert_str_eq(ef_exception_proto(&x), "udp");
}
