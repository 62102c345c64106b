// SPDX-License-Identifier: GPL-2.0-or-later
/* Features: declarations and row tags, the site's switches, what the
 * compiler leaves out, and the shipped policies' names. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "helpers.h"
#include "util.h"

#define POLICIES "../../policies/"

/* Rows: 1 xmpp, 2 xmpp and ocs2007, 3 core; ocs2007 declared after its
 * row, as a role may be. */
#define POL "policy t \"T\"\n" \
	"feature xmpp \"XMPP federation\"\n" \
	"address web\n" \
	"zone z {\n" \
	"\ttcp 5269 any web \"xmpp\" feature xmpp\n" \
	"\ttcp 50000-59999 any web \"media\" feature xmpp,ocs2007\n" \
	"\ttcp 443 any web \"core\"\n" \
	"}\n" \
	"feature ocs2007 \"OCS 2007 federation\"\n"
#define SITE "zone z = eth0\nweb = 192.0.2.1\nmanagement = none\n"

static struct ef_policy *parse_text(const char *text)
{
	struct ef_diags d = { 0 };
	struct ef_policy *pol;
	struct tdir t;
	char *path, *all;

	tdir_init(&t);
	path = tdir_write(&t, "p.policy", text, 0644);
	pol = ef_policy_parse(path, &d);
	all = ef_diags_format(&d);
	cr_assert_eq(d.n, 0, "%s", all);
	free(all);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
	return pol;
}

static struct ef_site *site_text(const char *text)
{
	struct ef_diags d = { 0 };
	struct ef_site *site;
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "s.site", text, 0644);
	site = ef_site_parse(path, &d);
	cr_assert_eq(d.n, 0);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
	return site;
}

Test(feature, declarations_and_tags)
{
	struct ef_policy *pol = parse_text(POL);

	cr_assert_eq(pol->nfeatures, 2);
	cr_assert_str_eq(pol->features[0].name, "xmpp");
	cr_assert_str_eq(pol->features[0].title, "XMPP federation");
	cr_assert_eq(pol->features[0].loc.line, 2);
	cr_assert_str_eq(pol->features[1].name, "ocs2007");
	cr_assert_eq(ef_policy_find_feature(pol, "ocs2007"), 1);
	cr_assert_eq(ef_policy_find_feature(pol, "msn"), -1);
	cr_assert_eq(pol->rows[0].features, 1u);
	cr_assert_eq(pol->rows[1].features, 3u);
	cr_assert_eq(pol->rows[2].features, 0u);
	ef_policy_free(pol);
}

Test(feature, names_in_declaration_order)
{
	struct ef_policy *pol = parse_text(POL);
	char *names;

	cr_assert_eq(ef_feature_names(pol, 3, &names), 0);
	cr_assert_str_eq(names, "xmpp,ocs2007");
	free(names);
	cr_assert_eq(ef_feature_names(pol, 0, &names), 0);
	cr_assert_null(names);
	ef_policy_free(pol);
}

Test(feature, site_lines)
{
	struct ef_site *s = site_text("management = none\nfeature xmpp = off\nfeature ocs2007 = on\n");

	cr_assert_eq(s->nfeatures, 2);
	cr_assert_str_eq(s->features[0].name, "xmpp");
	cr_assert_not(s->features[0].on);
	cr_assert_eq(s->features[0].loc.line, 2);
	cr_assert_eq(s->features[0].loc.col, 9);
	cr_assert(s->features[1].on);
	ef_site_free(s);
}

/* The default is the table as written; a row two features need stays
 * while either is on. */
Test(feature, row_on)
{
	struct ef_policy *pol = parse_text(POL);
	struct ef_site *none = site_text("management = none\n");
	struct ef_site *xoff = site_text("management = none\nfeature xmpp = off\n");
	struct ef_site *both = site_text("management = none\nfeature xmpp = off\nfeature ocs2007 = off\n");
	uint32_t on;

	cr_assert_eq(ef_features_on(pol, NULL), 3u);
	cr_assert_eq(ef_features_on(pol, none), 3u);
	on = ef_features_on(pol, xoff);
	cr_assert_eq(on, 2u);
	cr_assert_not(ef_row_on(&pol->rows[0], on));
	cr_assert(ef_row_on(&pol->rows[1], on));
	cr_assert(ef_row_on(&pol->rows[2], on));
	on = ef_features_on(pol, both);
	cr_assert_eq(on, 0u);
	cr_assert_not(ef_row_on(&pol->rows[0], on));
	cr_assert_not(ef_row_on(&pol->rows[1], on));
	cr_assert(ef_row_on(&pol->rows[2], on));
	ef_policy_free(pol);
	ef_site_free(none);
	ef_site_free(xoff);
	ef_site_free(both);
}

static struct ef_model *compile_texts(const char *policy, const char *site)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	struct tdir t;
	char *ppath, *spath, *all;

	tdir_init(&t);
	ppath = tdir_write(&t, "p.policy", policy, 0644);
	spath = tdir_write(&t, "s.site", site, 0644);
	cr_assert_eq(compile_files(ppath, spath, NULL, &d, &m), 0);
	all = ef_diags_format(&d);
	cr_assert_eq(d.n, 0, "%s", all);
	free(all);
	free(ppath);
	free(spath);
	ef_diags_free(&d);
	tdir_fini(&t);
	return m;
}

/* Off rows are not cut into elements; the model's row table keeps them,
 * with their features and the mark, for counters and explain. */
Test(feature, compile_leaves_off_rows_out)
{
	struct ef_model *m = compile_texts(POL, SITE "feature xmpp = off\n");

	assert_set_elems(m, "in4", (const struct want_elem[]){
		{ "\"eth0\" . 192.0.2.1 . tcp . 443", "r3" },
		{ "\"eth0\" . 192.0.2.1 . tcp . 50000-59999", "r2" },
	}, 2);
	cr_assert_eq(m->nrows, 3);
	cr_assert_str_eq(m->rows[0].features, "xmpp");
	cr_assert(m->rows[0].off);
	cr_assert_str_eq(m->rows[1].features, "xmpp,ocs2007");
	cr_assert_not(m->rows[1].off);
	cr_assert_null(m->rows[2].features);
	cr_assert_not(m->rows[2].off);
	ef_model_free(m);

	m = compile_texts(POL, SITE "feature xmpp = off\nfeature ocs2007 = off\n");
	assert_set_elems(m, "in4", (const struct want_elem[]){
		{ "\"eth0\" . 192.0.2.1 . tcp . 443", "r3" },
	}, 1);
	cr_assert(m->rows[1].off);
	ef_model_free(m);
}

/* `= on` is the default said out loud: the same model as without it. */
Test(feature, on_is_the_default)
{
	struct ef_model *a = compile_texts(POL, SITE);
	struct ef_model *b = compile_texts(POL, SITE "feature xmpp = on\n");

	cr_assert(ef_model_equal(a, b));
	cr_assert_not(b->rows[0].off);
	ef_model_free(a);
	ef_model_free(b);
}

/* The names the issue asks for, the same in every policy that has the
 * feature; each policy declares only what its rows use (no warning). */
Test(feature, shipped_policies)
{
	static const struct {
		const char *policy;
		const char *features;
	} want[] = {
		{ "edge-single-public", "remote-access web-conferencing av sip-federation xmpp-federation pic msn ocs2007 cms-replication centralized-logging" },
		{ "edge-single-nat", "remote-access web-conferencing av sip-federation xmpp-federation pic msn ocs2007 cms-replication centralized-logging" },
		{ "edge-scaled-dns-public", "remote-access web-conferencing av sip-federation xmpp-federation pic msn ocs2007 cms-replication centralized-logging" },
		{ "edge-scaled-dns-nat", "remote-access web-conferencing av sip-federation xmpp-federation pic msn ocs2007 cms-replication centralized-logging" },
		{ "edge-scaled-hlb", "remote-access web-conferencing av sip-federation xmpp-federation pic ocs2007 cms-replication centralized-logging" },
		{ "sip-xmpp-federation-pic", "remote-access sip-federation xmpp-federation pic msn" },
		{ "public-im-connectivity", "remote-access sip-federation pic msn" },
		{ "reverse-proxy", "web-conferencing http-redirect" },
		{ "internal-servers", "remote-access web-conferencing av ocs2007 cms-replication dial-in-conferencing enterprise-voice response-group app-sharing mobility persistent-chat remote-call-control" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct ef_diags d = { 0 };
		struct ef_strbuf got = { 0 };
		struct ef_policy *pol;
		char path[256];

		snprintf(path, sizeof(path), POLICIES "%s.policy", want[i].policy);
		pol = ef_policy_parse(path, &d);
		cr_assert_eq(d.n, 0, "%s", want[i].policy);
		for (size_t k = 0; k < pol->nfeatures; k++)
			ef_sb_printf(&got, "%s%s", k ? " " : "",
				     pol->features[k].name);
		cr_assert_str_eq(got.buf, want[i].features, "%s", want[i].policy);
		ef_sb_free(&got);
		ef_policy_free(pol);
		ef_diags_free(&d);
	}
}

/* The packet test's rows: with XMPP and OCS 2007 off, edge-single-public
 * keeps every row but 5269, 23456 of the XMPP gateway and 50000-59999
 * that only OCS 2007 federation needs. */
Test(feature, edge_single_public_xmpp_and_ocs2007)
{
	static const unsigned int off[] = { 1, 10, 11, 12, 17, 35, 36, 37 };
	struct ef_diags d = { 0 };
	struct ef_policy *pol = ef_policy_parse(POLICIES "edge-single-public.policy", &d);
	struct ef_site *s = site_text("management = none\nfeature xmpp-federation = off\nfeature ocs2007 = off\n");
	uint32_t on = ef_features_on(pol, s);

	for (size_t r = 0; r < pol->nrows; r++) {
		bool want_off = false;

		for (size_t k = 0; k < ARRAY_SIZE(off); k++)
			want_off |= pol->rows[r].id == off[k];
		cr_assert_eq(ef_row_on(&pol->rows[r], on), !want_off,
			     "row %u", pol->rows[r].id);
	}
	ef_policy_free(pol);
	ef_site_free(s);
	ef_diags_free(&d);
}
