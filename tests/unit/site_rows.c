// SPDX-License-Identifier: GPL-2.0-or-later
/* A site's own rows: parsing, numbering after the policy's, refusals. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "helpers.h"
#include "site.h"

#define POL "policy t \"T\"\naddress web mail\ngroup peers\n" \
	    "zone ext {\n\ttcp 443 any web \"in\"\n}\n" \
	    "zone int {\n\ttcp 25 mail peers \"out\"\n}\n"
#define SITE "zone ext = eth0\nzone int = eth1\n" \
	     "web = 198.51.100.80, 2001:db8:100::80\nmail = 192.0.2.25\n" \
	     "peers = 192.0.2.0/28\nmanagement = none\noutput = drop\n"

struct files {
	struct tdir t;
	char *policy, *site;
};

static void files_write(struct files *f, const char *policy, const char *site)
{
	tdir_init(&f->t);
	f->policy = tdir_write(&f->t, "p.policy", policy, 0644);
	f->site = tdir_write(&f->t, "s.site", site, 0644);
}

static void files_fini(struct files *f)
{
	free(f->policy);
	free(f->site);
	tdir_fini(&f->t);
}

static struct ef_model *compile_ok(struct files *f, const char *site)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text;
	int err;

	files_write(f, POL, site);
	err = compile_files(f->policy, f->site, NULL, &d, &m);
	text = ef_diags_format(&d);
	cr_assert_eq(err, 0, "%d:\n%s", err, text);
	cr_assert_eq(d.n, 0, "%s", text);
	free(text);
	ef_diags_free(&d);
	return m;
}

Test(site_rows, parsed_with_the_policy_grammar)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	struct ef_site *s;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "s.site", SITE
			  "zone int {\n"
			  "\tudp 53 self 192.0.2.53, 2001:db8::53 \"DNS\"\n"
			  "\n"
			  "\ttcp,udp 123-124 mail any \"NTP\"\n"
			  "}\n"
			  "zone ext {\n\ttcp 9100 203.0.113.9 self \"scrape\"\n}\n",
			  0644);
	s = ef_site_parse(path, &d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(s->nrows, 3);
	cr_assert_eq(s->rows[0].id, 1);
	cr_assert_str_eq(s->rows[0].zone, "int");
	cr_assert(s->rows[0].udp && !s->rows[0].tcp);
	cr_assert_str_eq(s->rows[0].from, "self");
	cr_assert_null(s->rows[0].from_addrs);
	cr_assert_not_null(s->rows[0].to_addrs);
	cr_assert_eq(s->rows[0].to_addrs->nprefixes, 2);
	cr_assert_eq(s->rows[0].to_addrs->prefixes[1].family, 6);
	cr_assert_str_eq(s->rows[0].note, "DNS");
	cr_assert_eq(s->rows[0].loc.line, 9);
	cr_assert_eq(s->rows[1].id, 2);
	cr_assert(s->rows[1].tcp && s->rows[1].udp);
	cr_assert_eq(s->rows[1].port_lo, 123);
	cr_assert_eq(s->rows[1].port_hi, 124);
	cr_assert_str_eq(s->rows[1].to, "any");
	cr_assert_str_eq(s->rows[2].zone, "ext");
	cr_assert_not_null(s->rows[2].from_addrs);
	cr_assert_str_eq(s->rows[2].to, "self");
	/* The zone block binds no interface. */
	cr_assert_eq(s->nzones, 2);
	ef_site_free(s);
	ef_diags_free(&d);
	free(path);
	tdir_fini(&t);
}

/* One parse error of a site, at line:col, saying msg. */
static void parse_error(const char *rows, unsigned int line, unsigned int col,
			const char *msg)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	struct ef_site *s;
	char *path, *text;

	if (asprintf(&text, SITE "zone int {\n%s}\n", rows) < 0)
		cr_assert_fail("asprintf");
	tdir_init(&t);
	path = tdir_write(&t, "s.site", text, 0644);
	s = ef_site_parse(path, &d);
	assert_first_error(&d, path, line, col, msg);
	cr_assert_eq(s->nrows, 0, "%s", rows);
	ef_site_free(s);
	ef_diags_free(&d);
	free(path);
	free(text);
	tdir_fini(&t);
}

Test(site_rows, parse_errors_have_their_place)
{
	parse_error("\tudp 53 self 192.0.2.300 \"x\"\n", 9, 14,
		    "'192.0.2.300': not an IPv4 or IPv6 address (a row's end is 'self', 'any', a role of the policy, or addresses)");
	parse_error("\tudp 53 self 192.0.2.1/24 \"x\"\n", 9, 14,
		    "'192.0.2.1/24': host bits set under the prefix length (write the network address) (a row's end is 'self', 'any', a role of the policy, or addresses)");
	parse_error("\tudp 53 self 192.0.2.1, \"x\"\n", 9, 25,
		    "expected an address or CIDR after ',', got a string");
	parse_error("\tudp 53 self any \"x\" feature xmpp\n", 9, 22,
		    "a site's row has no feature: it is on while it is written (features tag the policy's rows)");
	parse_error("\tudp 0 self any \"x\"\n", 9, 6,
		    "port out of range in '0': ports are 1 to 65535");
	parse_error("\ticmp 1 self any \"x\"\n", 9, 2,
		    "unknown protocol 'icmp': expected tcp, udp or tcp,udp");
	parse_error("\tudp 53 self any\n", 9, 17,
		    "expected the row's note in double quotes, got end of line");
}

Test(site_rows, numbered_after_the_policy_and_named_by_site_line)
{
	struct files f;
	struct ef_model *m = compile_ok(&f, SITE
		"zone int {\n"
		"\tudp 53 self 192.0.2.53 \"DNS\"\n"
		"\ttcp 53 self 192.0.2.53 \"DNS, long answers\"\n"
		"\tudp 123 mail 192.0.2.123 \"NTP\"\n"
		"}\n"
		"zone ext {\n"
		"\ttcp 9100 203.0.113.9 self \"scrape\"\n"
		"\ttcp 80 web any \"CRL\"\n"
		"}\n");
	char where[300];

	cr_assert_eq(m->nrows, 2 + 5);
	for (size_t i = 0; i < m->nrows; i++)
		cr_assert_eq(m->rows[i].id, i + 1);
	snprintf(where, sizeof(where), "%s:9", f.site);
	cr_assert_str_eq(m->rows[2].where, where);
	cr_assert_str_eq(m->rows[2].note, "DNS");
	snprintf(where, sizeof(where), "%s:14", f.site);
	cr_assert_str_eq(m->rows[5].where, where);
	/* self: every address of the machine, leaving by the zone's
	 * interfaces; the same addresses, one group for both rows. */
	assert_set_elems(m, "out4_row3",
			 (const struct want_elem[]){
				 { "\"eth1\" . 192.0.2.25 . tcp . 53", "r4" },
				 { "\"eth1\" . 192.0.2.25 . udp . 53", "r3" },
				 { "\"eth1\" . 198.51.100.80 . tcp . 53", "r4" },
				 { "\"eth1\" . 198.51.100.80 . udp . 53", "r3" } },
			 4);
	cr_assert_null(ef_model_find_set(m, "out4_row4"));
	/* No IPv6 peer: no IPv6 set for it. */
	cr_assert_null(ef_model_find_set(m, "out6_row3"));
	assert_set_elems(m, "out4_row5",
			 (const struct want_elem[]){
				 { "\"eth1\" . 192.0.2.25 . udp . 123", "r5" } },
			 1);
	assert_set_elems(m, "in4_row6",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.25 . tcp . 9100", "r6" },
				 { "\"eth0\" . 198.51.100.80 . tcp . 9100", "r6" } },
			 2);
	assert_has_elem(m, "out6", "\"eth0\" . 2001:db8:100::80 . tcp . 80",
			"r7");
	cr_assert_not_null(ef_model_find_set(m, "g4_row3"));
	cr_assert_null(ef_model_find_set(m, "g6_row6"));
	ef_model_free(m);
	files_fini(&f);
}

/* A policy row and a site row over the same flow: one element, two rows. */
Test(site_rows, cut_with_the_policy_rows)
{
	struct files f;
	struct ef_model *m = compile_ok(&f, SITE
		"zone ext {\n\ttcp 443-444 any web \"also\"\n}\n");

	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.80 . tcp . 443",
			"r1,r3");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.80 . tcp . 444", "r3");
	ef_model_free(m);
	files_fini(&f);
}

/* The first error compiling SITE with `rows` in zone int, at line:col. */
static void compile_error(const char *mode, const char *rows,
			  unsigned int line, unsigned int col, const char *msg)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	struct files f;
	char *text;

	if (asprintf(&text, "%s" SITE "zone int {\n%s}\n", mode, rows) < 0)
		cr_assert_fail("asprintf");
	files_write(&f, POL, text);
	cr_assert_lt(compile_files(f.policy, f.site, NULL, &d, &m), 0, "%s",
		     rows);
	cr_assert_null(m);
	assert_first_error(&d, f.site, line, col, msg);
	ef_diags_free(&d);
	free(text);
	files_fini(&f);
}

Test(site_rows, refused_where_they_could_widen)
{
	compile_error("", "\tudp 53 any any \"x\"\n", 9, 2,
		      "no end is this machine: the source or the destination must be 'self' or an address role");
	compile_error("", "\tudp 53 192.0.2.1 peers \"x\"\n", 9, 2,
		      "no end is this machine: the source or the destination must be 'self' or an address role");
	compile_error("", "\tudp 53 self web \"x\"\n", 9, 2,
		      "both ends are this machine: one end must be a peer ('any', a group or addresses)");
	compile_error("", "\tudp 53 self nobody \"x\"\n", 9, 14,
		      "unknown role 'nobody': policy 't' has no such role (a site row's end is 'self', 'any', a role of the policy, or addresses)");
	compile_error("", "}\nzone dmz {\n\tudp 53 self any \"x\"\n", 11, 2,
		      "zone 'dmz' of this row is not a zone of policy 't'");
	compile_error("mode = gateway\n", "\tudp 53 self any \"x\"\n", 10, 9,
		      "'self' is this machine, and a gateway's rows are the traffic it forwards for the machines behind it: name their address role (the gateway's own outbound traffic is not filtered)");
}

Test(site_rows, gateway_rows_are_forwarded)
{
	struct files f;
	struct ef_model *m = compile_ok(&f, "mode = gateway\n" SITE
		"zone int {\n\tudp 53 mail 192.0.2.53 \"DNS of the host behind\"\n}\n");
	const struct ef_chain *fwd = ef_model_find_chain(m, "forward");
	bool found = false;

	assert_set_elems(m, "out4_row3",
			 (const struct want_elem[]){
				 { "\"eth1\" . 192.0.2.25 . udp . 53", "r3" } },
			 1);
	for (size_t i = 0; i < fwd->nrules; i++)
		found |= !strcmp(fwd->rules[i].set, "out4_row3") &&
			 !strcmp(fwd->rules[i].peer_set, "g4_row3");
	cr_assert(found);
	ef_model_free(m);
	files_fini(&f);
}

Test(site_rows, self_is_not_a_role_name)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p;
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "p.policy", "policy t \"T\"\naddress self\n",
			  0644);
	p = ef_policy_parse(path, &d);
	assert_first_error(&d, path, 2, 9, "'self' is a keyword, not a role name");
	ef_policy_free(p);
	ef_diags_free(&d);
	free(path);
	tdir_fini(&t);
}
