// SPDX-License-Identifier: GPL-2.0-or-later
/* The compiler: shipped scenarios, chains, management, log, iface bindings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "helpers.h"
#include "nft_emit.h"
#include "util.h"

#define POLICIES "../../policies/"
#define SITES "../../policies/examples/"

/* Compiles a shipped policy with a shipped site; asserts no diagnostics. */
static struct ef_model *compile_shipped(const char *policy, const char *site)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char ppath[256], spath[256], *text;
	int err;

	snprintf(ppath, sizeof(ppath), POLICIES "%s.policy", policy);
	snprintf(spath, sizeof(spath), SITES "%s.site", site);
	err = compile_files(ppath, spath, NULL, &d, &m);
	text = ef_diags_format(&d);
	cr_assert_eq(err, 0, "%s with %s: %d\n%s", policy, site, err, text);
	cr_assert_eq(d.n, 0, "%s with %s:\n%s", policy, site, text);
	cr_assert_not_null(m);
	free(text);
	ef_diags_free(&d);
	return m;
}

/* Compiles policy and site texts (written to a temp dir). */
static int compile_texts(const char *policy, const char *site,
			 const struct ef_compile_opts *opts, struct ef_diags *d,
			 struct ef_model **m)
{
	struct tdir t;
	char *ppath, *spath;
	int err;

	tdir_init(&t);
	ppath = tdir_write(&t, "p.policy", policy, 0644);
	spath = tdir_write(&t, "s.site", site, 0644);
	err = compile_files(ppath, spath, opts, d, m);
	free(ppath);
	free(spath);
	tdir_fini(&t);
	return err;
}

/* Like compile_texts, but must succeed without any diagnostic. */
static struct ef_model *compile_ok(const char *policy, const char *site,
				   const struct ef_compile_opts *opts)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text;
	int err;

	err = compile_texts(policy, site, opts, &d, &m);
	text = ef_diags_format(&d);
	cr_assert_eq(err, 0, "%d:\n%s", err, text);
	cr_assert_eq(d.n, 0, "%s", text);
	cr_assert_not_null(m);
	free(text);
	ef_diags_free(&d);
	return m;
}

static bool ranges_overlap(const struct ef_set *s, const struct ef_elem *a,
			   const struct ef_elem *b, unsigned int f)
{
	size_t off = ef_field_offset(s, f);
	size_t w = ef_type_info(s->type[f])->len;

	return memcmp(a->key + off, b->key_end + off, w) <= 0 &&
	       memcmp(b->key + off, a->key_end + off, w) <= 0;
}

/* The kernel refuses overlapping interval elements. */
static void assert_sets_disjoint(const struct ef_model *m)
{
	for (size_t i = 0; i < m->nsets; i++) {
		const struct ef_set *s = &m->sets[i];

		for (size_t a = 0; a < s->nelems; a++)
		for (size_t b = a + 1; b < s->nelems; b++) {
			bool overlap = true;

			for (unsigned int f = 0; f < s->nfields && overlap; f++)
				overlap = ranges_overlap(s, &s->elems[a],
							 &s->elems[b], f);
			if (overlap) {
				char *ka = elem_key(s, a), *kb = elem_key(s, b);

				cr_assert_fail("set %s: %s overlaps %s", s->name,
					       ka, kb);
			}
		}
	}
}

static bool chain_has_log(const struct ef_chain *c)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (c->rules[i].log)
			return true;
	return false;
}

static const struct ef_rule *find_lookup(const struct ef_chain *c,
					 const char *set)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].set, set))
			return &c->rules[i];
	return NULL;
}

/* --- the shipped scenarios */

Test(compile, every_shipped_policy_compiles_with_its_site)
{
	static const struct {
		const char *policy, *site;
		size_t rows;
	} cases[] = {
		{ "edge-single-public", "edge-single-public", 37 },
		{ "edge-single-nat", "edge-single-nat", 37 },
		{ "edge-scaled-dns-public", "edge-scaled-dns-public", 37 },
		{ "edge-scaled-dns-nat", "edge-scaled-dns-nat", 38 },
		{ "edge-scaled-hlb", "edge-scaled-hlb", 33 },
		{ "edge-scaled-hlb", "edge-scaled-hlb-gateway", 33 },
		{ "reverse-proxy", "reverse-proxy", 5 },
		{ "sip-xmpp-federation-pic", "sip-xmpp-federation-pic", 10 },
		{ "public-im-connectivity", "public-im-connectivity", 6 },
		{ "internal-servers", "internal-servers", 90 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ef_model *m = compile_shipped(cases[i].policy,
						     cases[i].site);

		cr_assert_eq(m->nrows, cases[i].rows, "%s", cases[i].site);
		for (size_t r = 0; r < m->nrows; r++)
			cr_assert_eq(m->rows[r].id, r + 1);
		/* 8 row sets and 2 management sets, every time. */
		cr_assert_eq(m->nsets, 10, "%s", cases[i].site);
		cr_assert_gt(ef_model_elem_count(m), 0);
		cr_assert_not_null(ef_model_find_chain(m, "input"));
		assert_sets_disjoint(m);
		for (size_t s = 0; s < m->nsets; s++)
			for (size_t e = 0; e < m->sets[s].nelems; e++)
				cr_assert_not_null(m->sets[s].elems[e].rows);
		ef_model_free(m);
	}
}

Test(compile, edge_single_public_exact_elements)
{
	static const struct want_elem in4[] = {
		{ "\"eth0\" . 198.51.100.10 . tcp . 443", "r5,r31" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5061", "r6,r29" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5269", "r1,r35" },
		{ "\"eth0\" . 198.51.100.11 . tcp . 443", "r8" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 443", "r15" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 50000-59999", "r11" },
		{ "\"eth0\" . 198.51.100.12 . udp . 3478", "r14,r34" },
		{ "\"eth0\" . 198.51.100.12 . udp . 50000-59999", "r12" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 443", "r23" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 23456", "r37" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 50001", "r25" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 50002", "r26" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 50003", "r27" },
		{ "\"eth1\" . 192.0.2.1 . udp . 3478", "r22" },
	};
	static const struct want_elem out4[] = {
		{ "\"eth0\" . 198.51.100.10 . tcp . 53", "r3" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 80", "r2" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5061", "r7,r28,r30" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5269", "r36" },
		{ "\"eth0\" . 198.51.100.10 . udp . 53", "r4" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 443", "r16" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 50000-59999", "r9,r32" },
		{ "\"eth0\" . 198.51.100.12 . udp . 3478", "r13,r33" },
		{ "\"eth0\" . 198.51.100.12 . udp . 50000-59999", "r10" },
	};
	static const struct want_elem out4_peer[] = {
		{ "\"eth1\" . 192.0.2.1 . 192.0.2.10 . tcp . 5061", "r19" },
		{ "\"eth1\" . 192.0.2.1 . 192.0.2.11 . tcp . 5061", "r19" },
	};
	static const struct want_elem out6_peer[] = {
		{ "\"eth1\" . 2001:db8:200::1 . 2001:db8:200::10 . tcp . 5061",
		  "r19" },
	};
	static const struct want_elem mgmt4[] = {
		{ "203.0.113.0/24 . tcp . 22", "mgmt" },
	};
	static const struct want_elem mgmt6[] = {
		{ "2001:db8:ffff::/48 . tcp . 22", "mgmt" },
	};
	struct ef_model *m = compile_shipped("edge-single-public",
					     "edge-single-public");

	assert_set_elems(m, "in4", in4, sizeof(in4) / sizeof(in4[0]));
	assert_set_elems(m, "out4", out4, sizeof(out4) / sizeof(out4[0]));
	assert_set_elems(m, "out4_peer", out4_peer,
			 sizeof(out4_peer) / sizeof(out4_peer[0]));
	assert_set_elems(m, "out6_peer", out6_peer,
			 sizeof(out6_peer) / sizeof(out6_peer[0]));
	assert_set_elems(m, "mgmt4", mgmt4, 1);
	assert_set_elems(m, "mgmt6", mgmt6, 1);
	/* Peers restricted by the site go to the _peer sets. */
	assert_has_elem(m, "in4_peer",
			"\"eth1\" . 192.0.2.10 . 192.0.2.1 . tcp . 5061", "r18");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8:100::10 . tcp . 443",
			"r5,r31");
	cr_assert_eq(ef_model_find_set(m, "in4_peer")->nelems, 10);
	cr_assert_eq(ef_model_find_set(m, "in6")->nelems, 14);
	cr_assert_eq(ef_model_find_set(m, "in6_peer")->nelems, 5);
	cr_assert_eq(ef_model_find_set(m, "out6")->nelems, 9);
	cr_assert_eq(ef_model_elem_count(m), 66);

	/* Rows keep where they were written and their note. */
	cr_assert_eq(m->nrows, 37);
	cr_assert_eq(m->rows[0].id, 1);
	cr_assert_str_eq(m->rows[0].where,
			 "../../policies/edge-single-public.policy:36");
	cr_assert_str_eq(m->rows[0].note,
			 "[ext] XMPP proxy accepts traffic from contacts in defined XMPP federations");
	ef_model_free(m);
}

Test(compile, edge_single_nat)
{
	struct ef_model *m = compile_shipped("edge-single-nat",
					     "edge-single-nat");

	/* The Edge's own, private, addresses. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.66 . tcp . 443", "r5,r31");
	assert_has_elem(m, "in4_peer",
			"\"eth1\" . 192.0.2.20 . 192.0.2.129 . tcp . 5061", "r18");
	assert_no_elem(m, "in4_peer",
		       "\"eth1\" . 192.0.2.20 . 192.0.2.129 . tcp . 8057");
	assert_no_elem(m, "in4", "\"eth0\" . 198.51.100.20 . tcp . 443");
	ef_model_free(m);
}

Test(compile, edge_scaled_dns_public)
{
	struct ef_model *m = compile_shipped("edge-scaled-dns-public",
					     "edge-scaled-dns-public");

	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.33 . udp . 3478",
			"r14,r34");
	/* A peer CIDR stays one element. */
	assert_has_elem(m, "in6_peer",
			"\"eth1\" . 2001:db8:200::10/124 . 2001:db8:200::41 . tcp . 5061",
			"r18");
	ef_model_free(m);
}

Test(compile, edge_scaled_dns_nat)
{
	struct ef_model *m = compile_shipped("edge-scaled-dns-nat",
					     "edge-scaled-dns-nat");

	/* This topic's extra outbound 5269 row merges with the XMPP one. */
	assert_has_elem(m, "out4", "\"eth0\" . 192.0.2.97 . tcp . 5269",
			"r2,r37");
	assert_has_elem(m, "in4", "\"eth1\" . 192.0.2.161 . tcp . 23456", "r38");
	ef_model_free(m);
}

Test(compile, edge_scaled_hlb_host)
{
	struct ef_model *m = compile_shipped("edge-scaled-hlb",
					     "edge-scaled-hlb");

	/* Node and VIP roles bound to the same address share elements. */
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.63 . tcp . 443",
			"r10,r27");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.62 . tcp . 443", "r25");
	cr_assert_not_null(ef_model_find_chain(m, "output"));
	cr_assert_null(ef_model_find_chain(m, "forward"));
	ef_model_free(m);
}

Test(compile, edge_scaled_hlb_gateway)
{
	struct ef_model *m = compile_shipped("edge-scaled-hlb",
					     "edge-scaled-hlb-gateway");
	const struct ef_chain *fwd = ef_model_find_chain(m, "forward");
	const struct ef_chain *in = ef_model_find_chain(m, "input");

	cr_assert_not_null(fwd);
	cr_assert_eq(fwd->hook, EF_HOOK_FORWARD);
	cr_assert_eq(fwd->policy, EF_V_DROP);
	cr_assert_null(ef_model_find_chain(m, "output"));
	cr_assert_eq(m->nchains, 2);
	/* Both directions are looked up in forward; input only guards. */
	cr_assert_not_null(find_lookup(fwd, "in4"));
	cr_assert_not_null(find_lookup(fwd, "out6_peer"));
	cr_assert_null(find_lookup(fwd, "mgmt4"));
	cr_assert_null(find_lookup(in, "in4"));
	cr_assert_null(find_lookup(in, "out4"));
	cr_assert_not_null(find_lookup(in, "mgmt4"));
	/* Two pool members and the VIPs. */
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.52 . tcp . 443", "r27");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.63 . tcp . 443", "r10");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.73 . tcp . 443", "r10");
	assert_has_elem(m, "in4", "\"eth1\" . 192.0.2.142 . tcp . 50001", "r17");
	ef_model_free(m);
}

Test(compile, reverse_proxy)
{
	struct ef_model *m = compile_shipped("reverse-proxy", "reverse-proxy");
	const struct ef_chain *out = ef_model_find_chain(m, "output");
	static const struct want_elem in4[] = {
		{ "\"eth0\" . 198.51.100.80 . tcp . 80", "r1" },
		{ "\"eth0\" . 198.51.100.80 . tcp . 443", "r2" },
	};

	assert_set_elems(m, "in4", in4, 2);
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8:100::80 . tcp . 443", "r2");
	assert_has_elem(m, "out4_peer",
			"\"eth1\" . 192.0.2.180 . 192.0.2.30 . tcp . 443", "r5");
	assert_has_elem(m, "out4_peer",
			"\"eth1\" . 192.0.2.180 . 192.0.2.25 . tcp . 8080", "r3");
	assert_no_elem(m, "out4_peer",
		       "\"eth1\" . 192.0.2.180 . 192.0.2.30 . tcp . 8080");
	/* output = accept in this site. */
	cr_assert_not_null(out);
	cr_assert_eq(out->policy, EF_V_ACCEPT);
	ef_model_free(m);
}

Test(compile, sip_xmpp_federation_pic)
{
	struct ef_model *m = compile_shipped("sip-xmpp-federation-pic",
					     "sip-xmpp-federation-pic");

	assert_has_elem(m, "in4_peer",
			"\"eth0\" . 198.51.100.192/27 . 198.51.100.10 . tcp . 5061",
			"r2");
	assert_has_elem(m, "out4", "\"eth0\" . 198.51.100.10 . tcp . 5061", "r1");
	assert_has_elem(m, "in4", "\"eth1\" . 192.0.2.1 . tcp . 23456", "r10");
	ef_model_free(m);
}

Test(compile, public_im_connectivity)
{
	struct ef_model *m = compile_shipped("public-im-connectivity",
					     "public-im-connectivity");

	assert_has_elem(m, "out4_peer",
			"\"eth0\" . 198.51.100.10 . 198.51.100.192/27 . tcp . 5061",
			"r2");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.10 . tcp . 443", "r3");
	assert_has_elem(m, "in6_peer",
			"\"eth0\" . 2001:db8:f00::/48 . 2001:db8:100::10 . tcp . 5061",
			"r1");
	ef_model_free(m);
}

Test(compile, internal_servers)
{
	struct ef_model *m = compile_shipped("internal-servers",
					     "internal-servers");

	/* Overlapping media ranges are cut into disjoint pieces. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . tcp . 49152-57500",
			"r28,r39");
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . tcp . 57501-65535",
			"r10,r28");
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . udp . 49152-57500",
			"r39");
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . udp . 1434",
			"r1,r38");
	/* Every client role is none here: nothing outbound. */
	cr_assert_eq(ef_model_find_set(m, "out4")->nelems, 0);
	cr_assert_eq(ef_model_find_chain(m, "output")->policy, EF_V_ACCEPT);
	ef_model_free(m);
}

/* --- chains */

#define POL "policy t \"T\"\naddress web\ngroup peers\nzone ext {\n" \
	    "\ttcp 443 any web \"in\"\n\ttcp 53 web any \"out\"\n" \
	    "\ttcp 8443 peers web \"peers in\"\n}\n"
#define SITE_BASE "zone ext = eth0\nweb = 192.0.2.1, 2001:db8::1\n"

Test(compile, host_mode_chains)
{
	struct ef_model *m = compile_ok(POL, SITE_BASE "management = none\n",
					NULL);
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	const struct ef_chain *out = ef_model_find_chain(m, "output");
	const struct ef_rule *r;

	cr_assert_eq(m->nchains, 2);
	cr_assert_null(ef_model_find_chain(m, "forward"));
	cr_assert_eq(in->hook, EF_HOOK_INPUT);
	cr_assert_eq(in->policy, EF_V_DROP);
	cr_assert_eq(out->hook, EF_HOOK_OUTPUT);
	cr_assert_eq(out->policy, EF_V_DROP);

	/* The guard first: established, invalid, loopback, ND. */
	cr_assert_eq(in->rules[0].ct_state, EF_CT_ESTABLISHED | EF_CT_RELATED);
	cr_assert_eq(in->rules[0].verdict, EF_V_ACCEPT);
	cr_assert_eq(in->rules[1].ct_state, EF_CT_INVALID);
	cr_assert_eq(in->rules[1].verdict, EF_V_DROP);
	cr_assert(in->rules[2].iif_lo);
	cr_assert(out->rules[2].oif_lo);
	cr_assert(in->rules[3].icmpv6_type);
	cr_assert_eq(in->rules[3].type_lo, 133);
	cr_assert_eq(in->rules[3].type_hi, 136);

	r = find_lookup(in, "in4");
	cr_assert_not_null(r);
	cr_assert_eq(r->verdict, EF_V_ACCEPT);
	cr_assert_eq(r->nkeys, 4);
	cr_assert_eq(r->key[0], EF_F_IIFNAME);
	cr_assert_eq(r->key[1], EF_F_DADDR4);
	cr_assert_eq(r->key[2], EF_F_L4PROTO);
	cr_assert_eq(r->key[3], EF_F_DPORT);
	r = find_lookup(out, "out6");
	cr_assert_not_null(r);
	cr_assert_eq(r->key[0], EF_F_OIFNAME);
	cr_assert_eq(r->key[1], EF_F_SADDR6);
	cr_assert_null(find_lookup(in, "out4"));
	cr_assert_null(find_lookup(out, "in4"));
	cr_assert_not_null(find_lookup(in, EF_SET_MGMT4));
	cr_assert_not_null(find_lookup(in, EF_SET_MGMT6));

	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 443", "r1");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8::1 . tcp . 443", "r1");
	assert_has_elem(m, "out4", "\"eth0\" . 192.0.2.1 . tcp . 53", "r2");
	/* An unbound group is any peer. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 8443", "r3");
	cr_assert_eq(ef_model_find_set(m, "in4_peer")->nelems, 0);
	ef_model_free(m);
}

Test(compile, output_policy_follows_the_site)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "output = accept\nmanagement = none\n",
					NULL);
	const struct ef_chain *out = ef_model_find_chain(m, "output");

	cr_assert_eq(out->policy, EF_V_ACCEPT);
	/* Nothing is dropped there, so nothing is logged as dropped. */
	cr_assert_not(chain_has_log(out));
	cr_assert(chain_has_log(ef_model_find_chain(m, "input")));
	cr_assert_eq(ef_model_find_chain(m, "input")->policy, EF_V_DROP);
	ef_model_free(m);
}

Test(compile, gateway_mode_makes_a_forward_chain)
{
	struct ef_model *m = compile_ok(POL,
					"mode = gateway\n" SITE_BASE "management = none\n",
					NULL);
	const struct ef_chain *fwd = ef_model_find_chain(m, "forward");
	const struct ef_chain *in = ef_model_find_chain(m, "input");

	cr_assert_not_null(fwd);
	cr_assert_eq(fwd->hook, EF_HOOK_FORWARD);
	cr_assert_eq(fwd->policy, EF_V_DROP);
	cr_assert_null(ef_model_find_chain(m, "output"));
	/* forward: no loopback, no ND; every row set looked up. */
	for (size_t i = 0; i < fwd->nrules; i++) {
		cr_assert_not(fwd->rules[i].iif_lo);
		cr_assert_not(fwd->rules[i].icmpv6_type);
	}
	cr_assert_not_null(find_lookup(fwd, "in4"));
	cr_assert_not_null(find_lookup(fwd, "out4"));
	cr_assert_not_null(find_lookup(fwd, "in6_peer"));
	cr_assert_null(find_lookup(in, "in4"));
	cr_assert(chain_has_log(fwd));
	cr_assert(chain_has_log(in));
	ef_model_free(m);
}

Test(compile, log_rule)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "log = 3/minute\nmanagement = none\n",
					NULL);
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	const struct ef_rule *r = &in->rules[in->nrules - 1];

	/* Last rule before the policy drop. */
	cr_assert(r->log);
	cr_assert_eq(r->limit_rate, 3);
	cr_assert_eq(r->limit_unit, 60);
	cr_assert_gt(r->limit_burst, 0);
	cr_assert_str_eq(r->log_prefix, EF_LOG_PREFIX "input: ");
	cr_assert_eq(r->verdict, EF_V_NONE);
	r = &ef_model_find_chain(m, "output")->rules[ef_model_find_chain(m, "output")->nrules - 1];
	cr_assert(r->log);
	cr_assert_str_eq(r->log_prefix, "edgefw drop output: ");
	ef_model_free(m);

	m = compile_ok(POL, SITE_BASE "log = off\nmanagement = none\n", NULL);
	for (size_t i = 0; i < m->nchains; i++)
		cr_assert_not(chain_has_log(&m->chains[i]), "%s",
			      m->chains[i].name);
	ef_model_free(m);
}

/* --- management */

Test(compile, management_set)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "management = 203.0.113.0/24, 198.51.100.7, 2001:db8:ffff::/48\n",
					NULL);
	static const struct want_elem mgmt4[] = {
		{ "198.51.100.7 . tcp . 22", "mgmt" },
		{ "203.0.113.0/24 . tcp . 22", "mgmt" },
	};
	static const struct want_elem mgmt6[] = {
		{ "2001:db8:ffff::/48 . tcp . 22", "mgmt" },
	};
	const struct ef_rule *r;

	assert_set_elems(m, EF_SET_MGMT4, mgmt4, 2);
	assert_set_elems(m, EF_SET_MGMT6, mgmt6, 1);
	r = find_lookup(ef_model_find_chain(m, "input"), EF_SET_MGMT4);
	cr_assert_eq(r->verdict, EF_V_ACCEPT);
	cr_assert_eq(r->nkeys, 3);
	cr_assert_eq(r->key[0], EF_F_SADDR4);
	cr_assert_eq(r->key[1], EF_F_L4PROTO);
	cr_assert_eq(r->key[2], EF_F_DPORT);
	ef_model_free(m);
}

Test(compile, management_port)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "management-port = 2222\nmanagement = 203.0.113.0/24\n",
					NULL);
	static const struct want_elem mgmt4[] = {
		{ "203.0.113.0/24 . tcp . 2222", "mgmt" },
	};

	assert_set_elems(m, EF_SET_MGMT4, mgmt4, 1);
	cr_assert_eq(ef_model_find_set(m, EF_SET_MGMT6)->nelems, 0);
	ef_model_free(m);
}

Test(compile, management_none)
{
	struct ef_model *m = compile_ok(POL, SITE_BASE "management = none\n",
					NULL);

	/* The sets and lookups exist, empty. */
	cr_assert_eq(ef_model_find_set(m, EF_SET_MGMT4)->nelems, 0);
	cr_assert_eq(ef_model_find_set(m, EF_SET_MGMT6)->nelems, 0);
	cr_assert_not_null(find_lookup(ef_model_find_chain(m, "input"),
				       EF_SET_MGMT4));
	ef_model_free(m);
}

/* Overlapping management networks must still make disjoint elements. */
Test(compile, management_networks_that_overlap)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "management = 10.0.0.0/8, 10.1.0.0/16, 10.1.0.0/16\n",
					NULL);

	assert_sets_disjoint(m);
	ef_model_free(m);
}

/* --- bindings */

struct fake_ifaces {
	unsigned int calls;
};

static int fake_iface_addrs(void *ctx, const char *ifname,
			    struct ef_prefix **ret, size_t *ret_n)
{
	static const char *const addrs[] = { "192.0.2.7", "2001:db8::7" };
	struct fake_ifaces *f = ctx;
	struct ef_prefix *v;
	const char *why;

	f->calls++;
	if (strcmp(ifname, "eth7"))
		return -ENODEV;
	v = calloc(2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(ef_prefix_parse(addrs[i], &v[i], &why), 0);
	*ret = v;
	*ret_n = 2;
	return 0;
}

Test(compile, iface_binding)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0\nweb = iface eth7, 198.51.100.1\n"
					"management = none\n",
					&opts);

	cr_assert_gt(f.calls, 0);
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.7 . tcp . 443", "r1");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.1 . tcp . 443", "r1");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8::7 . tcp . 443", "r1");
	assert_has_elem(m, "out6", "\"eth0\" . 2001:db8::7 . tcp . 53", "r2");
	ef_model_free(m);
}

/* A binding made of interfaces only (no literal address). */
Test(compile, iface_only_binding)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0\nweb = iface eth7\nmanagement = none\n",
					&opts);

	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.7 . tcp . 443", "r1");
	assert_has_elem(m, "out6", "\"eth0\" . 2001:db8::7 . tcp . 53", "r2");
	ef_model_free(m);
}

Test(compile, iface_binding_errors)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	int err;

	err = compile_texts(POL, "zone ext = eth0\nweb = iface eth9\nmanagement = none\n",
			    &opts, &d, &m);
	cr_assert_lt(err, 0);
	cr_assert_null(m);
	cr_assert_eq(d.errors, 1);
	cr_assert_eq(d.v[0].line, 2);
	cr_assert_eq(d.v[0].col, 1);
	cr_assert_str_eq(d.v[0].msg,
			 "'web': cannot read the addresses of interface 'eth9': no such interface");
	ef_diags_free(&d);

	/* No way to read addresses: an error, not an empty binding. */
	err = compile_texts(POL, "zone ext = eth0\nweb = iface eth7\nmanagement = none\n",
			    NULL, &d, &m);
	cr_assert_lt(err, 0);
	cr_assert_null(m);
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].msg,
			 "'web': cannot read the addresses of interface 'eth7': Operation not supported");
	ef_diags_free(&d);
}

Test(compile, address_role_bound_to_none_skips_its_rows)
{
	struct ef_model *m = compile_ok(
		"policy t \"T\"\naddress web mail\nzone ext {\n"
		"\ttcp 443 any web \"a\"\n\ttcp 25 any mail \"b\"\n\ttcp 587 mail any \"c\"\n}\n",
		"zone ext = eth0\nweb = 192.0.2.1\nmail = none\nmanagement = none\n",
		NULL);

	cr_assert_eq(m->nrows, 3);	/* still listed for people */
	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1" } },
			 1);
	cr_assert_eq(ef_model_find_set(m, "out4")->nelems, 0);
	ef_model_free(m);
}

Test(compile, peers_restrict_and_families_match)
{
	struct ef_model *m = compile_ok(
		POL, SITE_BASE "peers = 198.51.100.0/24, 198.51.100.9\nmanagement = none\n",
		NULL);
	const struct ef_set *s = ef_model_find_set(m, "in4_peer");

	/* 198.51.100.9 is inside 198.51.100.0/24: no overlapping elements. */
	assert_sets_disjoint(m);
	cr_assert_geq(s->nelems, 1);
	for (size_t i = 0; i < s->nelems; i++)
		cr_assert_str_eq(s->elems[i].rows, "r3");
	/* No IPv6 peer: the IPv6 address gets no peer element. */
	cr_assert_eq(ef_model_find_set(m, "in6_peer")->nelems, 0);
	assert_no_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 8443");
	ef_model_free(m);
}

Test(compile, zones_with_several_interfaces)
{
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0, eth1\nweb = 192.0.2.1\nmanagement = none\n",
					NULL);

	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1" },
				 { "\"eth0\" . 192.0.2.1 . tcp . 8443", "r3" },
				 { "\"eth1\" . 192.0.2.1 . tcp . 443", "r1" },
				 { "\"eth1\" . 192.0.2.1 . tcp . 8443", "r3" } },
			 4);
	ef_model_free(m);
}

Test(compile, unused_binding_is_a_warning)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text;

	cr_assert_eq(compile_texts(POL, SITE_BASE "mail = 192.0.2.25\nmanagement = none\n",
				   NULL, &d, &m), 0);
	cr_assert_not_null(m);
	cr_assert_eq(d.errors, 0);
	cr_assert_eq(d.n, 1);
	cr_assert(d.v[0].warning);
	cr_assert_eq(d.v[0].line, 3);
	cr_assert_str_eq(d.v[0].msg,
			 "policy 't' has no role 'mail'; this binding is unused");
	text = ef_diags_format(&d);
	cr_assert_not_null(strstr(text, "/s.site:3:1: warning: policy 't' has no role 'mail'; this binding is unused\n"
				  "mail = 192.0.2.25\n^\n"), "%s", text);
	free(text);
	ef_model_free(m);
	ef_diags_free(&d);
}

/* "refuse to compile more set elements than this": exactly max is fine. */
Test(compile, element_cap_is_on_elements)
{
	const char *pol = "policy t \"T\"\naddress web\nzone ext {\n"
			  "\ttcp 443 any web \"a\"\n\ttcp 443 any web \"same again\"\n}\n";
	struct ef_model *m = compile_ok(pol,
					"max-elements = 1\nzone ext = eth0\nweb = 192.0.2.1\nmanagement = none\n",
					NULL);

	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1,r2" } },
			 1);
	cr_assert_eq(ef_model_elem_count(m), 1);
	ef_model_free(m);
}

Test(compile, key_put_uses_register_layout)
{
	struct ef_model *m = ef_model_new();
	static const enum ef_type types[] = { EF_T_IFNAME, EF_T_IPV4,
					      EF_T_PROTO, EF_T_PORT };
	struct ef_set *s = ef_model_add_set(m, "s", types, 4, false);
	uint8_t key[EF_KEY_MAX] = { 0 };
	const char ifname[EF_IFNAME_LEN] = "eth0";
	const uint8_t addr[4] = { 192, 0, 2, 1 }, proto = 6,
		      port[2] = { 0x01, 0xbb };
	static const uint8_t want[28] = {
		'e', 't', 'h', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		192, 0, 2, 1,
		6, 0, 0, 0,
		0x01, 0xbb, 0, 0,
	};

	ef_key_put(s, 0, key, ifname);
	ef_key_put(s, 1, key, addr);
	ef_key_put(s, 2, key, &proto);
	ef_key_put(s, 3, key, port);
	cr_assert_arr_eq(key, want, sizeof(want));
	ef_model_free(m);
}
