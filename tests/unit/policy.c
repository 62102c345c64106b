// SPDX-License-Identifier: GPL-2.0-or-later
/* The policy parser: statements, includes, rows and their numbering. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "policy.h"

/* Parses `text` as t/p.policy; the caller frees the policy and the diags. */
static struct ef_policy *parse_text(struct tdir *t, const char *text,
				    struct ef_diags *d)
{
	char *path = tdir_write(t, "p.policy", text, 0644);
	struct ef_policy *p = ef_policy_parse(path, d);

	free(path);
	cr_assert_not_null(p);
	return p;
}

static void expect_row(const struct ef_prow *r, unsigned int id,
		       const char *zone, bool tcp, bool udp, unsigned int lo,
		       unsigned int hi, const char *from, const char *to,
		       const char *note)
{
	cr_assert_eq(r->id, id, "row id %u, not %u", r->id, id);
	cr_assert_str_eq(r->zone, zone, "row %u", id);
	cr_assert_eq(r->tcp, tcp, "row %u tcp", id);
	cr_assert_eq(r->udp, udp, "row %u udp", id);
	cr_assert_eq(r->port_lo, lo, "row %u port_lo %u", id, r->port_lo);
	cr_assert_eq(r->port_hi, hi, "row %u port_hi %u", id, r->port_hi);
	cr_assert_str_eq(r->from, from, "row %u", id);
	cr_assert_str_eq(r->to, to, "row %u", id);
	cr_assert_str_eq(r->note, note, "row %u", id);
}

static void expect_loc(const struct ef_loc *l, const char *file,
		       unsigned int line, unsigned int col)
{
	cr_assert_str_eq(l->file, file);
	cr_assert_eq(l->line, line, "%s: line %u, not %u", file, l->line, line);
	cr_assert_eq(l->col, col, "%s:%u: col %u, not %u", file, line, l->col,
		     col);
	cr_assert_not_null(l->text);
}

Test(policy, good_policy_with_includes)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("data/good.policy", &d);
	char *diags = ef_diags_format(&d);

	cr_assert_not_null(p);
	cr_assert_eq(d.n, 0, "%s", diags);
	free(diags);
	cr_assert_str_eq(p->name, "good");
	cr_assert_str_eq(p->title, "A good policy");

	/* Every file read, includes relative to the file that includes. */
	cr_assert_eq(p->sources.n, 4);
	cr_assert_str_eq(p->sources.v[0]->path, "data/good.policy");
	cr_assert_str_eq(p->sources.v[1]->path, "data/good-inc/more.policy");
	cr_assert_str_eq(p->sources.v[2]->path,
			 "data/good-inc/deeper/leaf.policy");
	cr_assert_str_eq(p->sources.v[3]->path, "data/good-inc/rows.policy");

	cr_assert_eq(p->nroles, 4);
	cr_assert_str_eq(p->roles[0].name, "web");
	cr_assert_eq(p->roles[0].kind, EF_ROLE_ADDRESS);
	expect_loc(&p->roles[0].loc, "data/good.policy", 4, 9);
	cr_assert_str_eq(p->roles[1].name, "db_local");
	cr_assert_eq(p->roles[1].kind, EF_ROLE_ADDRESS);
	expect_loc(&p->roles[1].loc, "data/good.policy", 4, 13);
	cr_assert_str_eq(p->roles[2].name, "clients");
	cr_assert_eq(p->roles[2].kind, EF_ROLE_GROUP);
	cr_assert_str_eq(p->roles[3].name, "admins");
	cr_assert_eq(p->roles[3].kind, EF_ROLE_GROUP);
	expect_loc(&p->roles[3].loc, "data/good-inc/deeper/leaf.policy", 1,
		   7);

	/* The zone opened twice is declared once. */
	cr_assert_eq(p->nzones, 2);
	cr_assert_str_eq(p->zones[0].name, "ext");
	expect_loc(&p->zones[0].loc, "data/good.policy", 8, 1);
	cr_assert_str_eq(p->zones[1].name, "int");
	expect_loc(&p->zones[1].loc, "data/good-inc/rows.policy", 1, 1);

	/* Rows numbered in file order, includes expanded where they stand. */
	cr_assert_eq(p->nrows, 6);
	expect_row(&p->rows[0], 1, "ext", true, false, 80, 80, "any", "web",
		   "r1 http");
	expect_row(&p->rows[1], 2, "ext", true, true, 53, 53, "web", "any",
		   "r2 dns");
	expect_row(&p->rows[2], 3, "int", true, false, 5432, 5432, "any",
		   "db_local", "r3 postgres");
	expect_row(&p->rows[3], 4, "int", false, true, 65535, 65535,
		   "db_local", "clients", "r4 highest port");
	expect_row(&p->rows[4], 5, "ext", false, true, 50000, 59999,
		   "clients", "web", "r5 media");
	expect_row(&p->rows[5], 6, "ext", true, true, 1, 65535, "admins",
		   "web", "r6 everything, from admins");

	expect_loc(&p->rows[0].loc, "data/good.policy", 9, 2);
	expect_loc(&p->rows[0].from_loc, "data/good.policy", 9, 24);
	expect_loc(&p->rows[0].to_loc, "data/good.policy", 9, 34);
	expect_loc(&p->rows[2].loc, "data/good-inc/rows.policy", 2, 2);
	expect_loc(&p->rows[3].loc, "data/good-inc/rows.policy", 3, 2);
	expect_loc(&p->rows[4].loc, "data/good.policy", 15, 2);

	cr_assert_eq(ef_policy_find_role(p, "clients"), &p->roles[2]);
	cr_assert_null(ef_policy_find_role(p, "any"));
	cr_assert_null(ef_policy_find_role(p, "nobody"));
	ef_policy_free(p);
	ef_diags_free(&d);
}

Test(policy, protocols_and_ports)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_policy *p;

	tdir_init(&t);
	p = parse_text(&t,
		       "policy protos \"Protocols and ports\"\n"
		       "address me\n"
		       "zone z {\n"
		       "\ttcp 1 any me \"a\"\n"
		       "\tudp 65535 any me \"b\"\n"
		       "\ttcp,udp 5060-5061 me any \"c\"\n"
		       "\tudp,tcp 1-65535 me any \"d\"\n"
		       "\ttcp , udp 443-443 any me \"e\"\n"
		       "\tudp 00080 any me \"f\"\n"
		       "}\n", &d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(p->nrows, 6);
	expect_row(&p->rows[0], 1, "z", true, false, 1, 1, "any", "me", "a");
	expect_row(&p->rows[1], 2, "z", false, true, 65535, 65535, "any",
		   "me", "b");
	expect_row(&p->rows[2], 3, "z", true, true, 5060, 5061, "me", "any",
		   "c");
	expect_row(&p->rows[3], 4, "z", true, true, 1, 65535, "me", "any",
		   "d");
	expect_row(&p->rows[4], 5, "z", true, true, 443, 443, "any", "me",
		   "e");
	expect_row(&p->rows[5], 6, "z", false, true, 80, 80, "any", "me",
		   "f");
	ef_policy_free(p);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(policy, zone_reopened_keeps_row_order)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_policy *p;

	tdir_init(&t);
	p = parse_text(&t,
		       "policy zones \"Zones\"\n"
		       "address a b\n"
		       "zone one {\n\ttcp 1 any a \"1\"\n}\n"
		       "zone two {\n\ttcp 2 any b \"2\"\n}\n"
		       "zone one {\n\ttcp 3 any a \"3\"\n}\n"
		       "zone two { }\n"
		       "zone three {\n}\n"
		       "zone one {\n\ttcp 4 any a \"4\"\n\n\t# comment\n\ttcp 5 any a \"5\"\n}\n",
		       &d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(p->nzones, 3);
	cr_assert_str_eq(p->zones[0].name, "one");
	cr_assert_eq(p->zones[0].loc.line, 3);
	cr_assert_str_eq(p->zones[1].name, "two");
	cr_assert_str_eq(p->zones[2].name, "three");
	cr_assert_eq(p->nrows, 5);
	for (unsigned int i = 0; i < 5; i++) {
		cr_assert_eq(p->rows[i].id, i + 1);
		cr_assert_eq(p->rows[i].port_lo, i + 1);
	}
	cr_assert_str_eq(p->rows[0].zone, "one");
	cr_assert_str_eq(p->rows[1].zone, "two");
	cr_assert_str_eq(p->rows[2].zone, "one");
	cr_assert_str_eq(p->rows[3].zone, "one");
	cr_assert_eq(p->rows[4].loc.line, 19);
	ef_policy_free(p);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(policy, roles_kinds_and_use_before_declaration)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_policy *p;

	tdir_init(&t);
	p = parse_text(&t,
		       "# comment first\n\n"
		       "policy roles \"Roles # not a comment\"   # a comment\n"
		       "zone z {\n"
		       "\ttcp 443 peer-1 me_2 \"declared below\"\n"
		       "}\n"
		       "group peer-1 peer_2\n"
		       "address me_2\n"
		       "address abcdefghijklmnopqrstuvwxyz01234\n",
		       &d);
	cr_assert_eq(d.n, 0);
	cr_assert_str_eq(p->title, "Roles # not a comment");
	cr_assert_eq(p->nroles, 4);
	cr_assert_eq(ef_policy_find_role(p, "peer-1")->kind, EF_ROLE_GROUP);
	cr_assert_eq(ef_policy_find_role(p, "peer_2")->kind, EF_ROLE_GROUP);
	cr_assert_eq(ef_policy_find_role(p, "me_2")->kind, EF_ROLE_ADDRESS);
	/* 31 bytes: the longest name. */
	cr_assert_not_null(
		ef_policy_find_role(p, "abcdefghijklmnopqrstuvwxyz01234"));
	cr_assert_eq(p->nrows, 1);
	ef_policy_free(p);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* no-nat: roles named before or after they are declared, each with the
 * statement's reason and its own place. */
Test(policy, no_nat_roles)
{
	struct ef_diags d = { 0 };
	const struct ef_no_nat *n;
	struct ef_policy *p;
	struct tdir t;

	tdir_init(&t);
	p = parse_text(&t, "policy t \"T\"\n"
			   "no-nat av av_vip \"the A/V Edge must not be NATed\"\n"
			   "address web av av_vip\n"
			   "zone z {\n\ttcp 443 any web \"n\"\n}\n", &d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(p->nno_nat, 2);
	n = ef_policy_no_nat(p, "av_vip");
	cr_assert_not_null(n);
	cr_assert_str_eq(n->why, "the A/V Edge must not be NATed");
	expect_loc(&n->loc, p->sources.v[0]->path, 2, 11);
	cr_assert_null(ef_policy_no_nat(p, "web"));
	ef_policy_free(p);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* The HLB scenario forbids NAT for the A/V Edge, node and VIP. */
Test(policy, hlb_policy_forbids_nat_of_the_av_edge)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("../../policies/edge-scaled-hlb.policy",
					      &d);

	cr_assert_eq(d.errors, 0);
	cr_assert_not_null(ef_policy_no_nat(p, "av_edge"));
	cr_assert_not_null(ef_policy_no_nat(p, "av_edge_vip"));
	cr_assert_null(ef_policy_no_nat(p, "access_edge"));
	ef_policy_free(p);
	ef_diags_free(&d);
}

Test(policy, shipped_policies_row_counts)
{
	static const struct {
		const char *name;
		size_t rows;
	} want[] = {
		{ "edge-single-public", 37 },
		{ "edge-single-nat", 37 },
		{ "edge-scaled-dns-public", 37 },
		{ "edge-scaled-dns-nat", 38 },
		{ "edge-scaled-hlb", 33 },
		{ "reverse-proxy", 5 },
		{ "sip-xmpp-federation-pic", 10 },
		{ "public-im-connectivity", 6 },
		{ "internal-servers", 90 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct ef_diags d = { 0 };
		struct ef_policy *p;
		char path[256];

		snprintf(path, sizeof(path), "../../policies/%s.policy",
			 want[i].name);
		p = ef_policy_parse(path, &d);
		cr_assert_not_null(p);
		cr_assert_eq(d.n, 0, "%s: %zu diagnostics", path, d.n);
		cr_assert_str_eq(p->name, want[i].name);
		cr_assert_eq(p->nrows, want[i].rows, "%s: %zu rows", path,
			     p->nrows);
		for (size_t r = 0; r < p->nrows; r++)
			cr_assert_eq(p->rows[r].id, r + 1);
		ef_policy_free(p);
		ef_diags_free(&d);
	}
}

Test(policy, include_chain_of_eight_is_accepted)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("data/depth/top8.policy", &d);
	char *text = ef_diags_format(&d);

	/* The doc: "include depth over 8 ... refused"; 8 is not over 8. */
	cr_assert_eq(d.errors, 0, "%s", text);
	cr_assert_eq(p->nrows, 1);
	cr_assert_str_eq(p->rows[0].loc.file, "data/depth/d9.policy");
	free(text);
	ef_policy_free(p);
	ef_diags_free(&d);
}

Test(policy, missing_top_file)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("data/no-such.policy", &d);

	cr_assert_not_null(p);
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].file, "data/no-such.policy");
	cr_assert_eq(d.v[0].line, 0);
	cr_assert_str_eq(d.v[0].msg, "No such file or directory");
	ef_policy_free(p);
	ef_diags_free(&d);
}
