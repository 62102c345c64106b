// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netlink message builder without a kernel: a model built into a
 * replace batch and parsed back out of it is the same model; and the
 * delta batch carries the generation id in its batch-begin message.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "diff.h"
#include "helpers.h"
#include "nl_sock.h"

static const char *const scenarios[][2] = {
	{ "edge-single-public", "edge-single-public" },
	{ "edge-scaled-hlb", "edge-scaled-hlb-gateway" },
	{ "edge-scaled-dns-nat", "edge-scaled-dns-nat-gateway" },
	{ "internal-servers", "internal-servers" },
	{ "reverse-proxy", "reverse-proxy" },
};

static struct ef_model *compiled(const char *policy, const char *site)
{
	char p[256], s[256];
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;

	snprintf(p, sizeof(p), "../../policies/%s.policy", policy);
	snprintf(s, sizeof(s), "../../policies/examples/%s.site", site);
	cr_assert_eq(compile_files(p, s, NULL, &d, &m), 0, "%s does not compile",
		     p);
	ef_diags_free(&d);
	return m;
}

Test(nl_build, replace_batch_round_trips)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		struct ef_model *m = compiled(scenarios[i][0], scenarios[i][1]);
		struct ef_nl fake = { .seq = 1 };	/* no socket needed */
		struct ef_model *back = NULL;
		struct ef_batch b;

		ef_batch_init(&b, &fake, NULL);
		cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
		cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
		cr_assert(ef_model_equal(m, back), "%s does not round-trip",
			  scenarios[i][1]);
		/* Every message asks for an ack and is described. */
		for (size_t k = 0; k < b.nmsgs; k++)
			cr_assert(b.what[k] && b.what[k][0]);
		ef_model_free(back);
		ef_batch_free(&b);
		ef_model_free(m);
	}
}

/* Maps with their data, nat chains, NAT statements, ct status. */
Test(nl_build, nat_model_round_trips)
{
	struct ef_model *m = nat_model(), *back = NULL;
	struct ef_nl fake = { .seq = 1 };
	struct ef_batch b;

	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	cr_assert(ef_model_equal(m, back));
	cr_assert(ef_model_find_set(back, "nat_dnat4")->map);
	cr_assert_eq(ef_model_find_chain(back, "prerouting")->type,
		     EF_CHAIN_NAT);
	cr_assert_eq(ef_model_find_chain(back, "postrouting")->rules[0].nat,
		     EF_NAT_SNAT);
	ef_model_free(back);
	ef_batch_free(&b);
	ef_model_free(m);
}

/* Thousands of elements are packed many to a message, never one each. */
Test(nl_build, elements_share_messages)
{
	struct ef_model *m = compiled("internal-servers", "internal-servers");
	struct ef_set *set = ef_model_find_set(m, "in4");
	struct ef_nl fake = { .seq = 1 };
	struct ef_model *back = NULL;
	uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };
	struct ef_batch b;
	size_t before;

	cr_assert(set && set->nelems);
	memcpy(key, ef_elem_key(set, 0), ef_set_key_len(set));
	memcpy(end, ef_elem_key_end(set, 0), ef_set_key_len(set));
	before = set->nelems;
	/* 5000 more elements: distinct interfaces names keep them disjoint. */
	for (int i = 0; i < 5000; i++) {
		snprintf((char *)key, EF_IFNAME_LEN, "x%d", i);
		memcpy(end, key, EF_IFNAME_LEN);
		cr_assert_eq(add_elem_rows(set, key, end, "r1"), 0);
	}
	ef_set_sort(set);
	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_lt(b.nmsgs, 200, "%u messages for %zu elements", b.nmsgs,
		     before + 5000);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	cr_assert(ef_model_equal(m, back));
	ef_model_free(back);
	ef_batch_free(&b);
	ef_model_free(m);
}

Test(nl_build, batch_begin_carries_genid)
{
	struct ef_nl fake = { .seq = 7 };
	const struct nlattr *a;
	const struct nlmsghdr *nlh;
	uint32_t genid = 0x1234, got = 0;
	struct ef_batch b;

	ef_batch_init(&b, &fake, &genid);
	nlh = (const struct nlmsghdr *)b.buf;
	cr_assert_eq(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFNL_BATCH_GENID)
			got = ntohl(mnl_attr_get_u32(a));
	cr_assert_eq(got, genid);
	ef_batch_free(&b);
}

static void put_range(struct ef_set *s, int af, const char *lo, const char *hi,
		      const char *rows)
{
	uint8_t k[EF_KEY_MAX] = { 0 }, e[EF_KEY_MAX] = { 0 };

	cr_assert_eq(inet_pton(af, lo, k), 1, "%s", lo);
	cr_assert_eq(inet_pton(af, hi, e), 1, "%s", hi);
	cr_assert_eq(add_elem_rows(s, k, e, rows), 0);
}

/*
 * A group's address sets go to the kernel as start and end elements and
 * come back as ranges: at the bottom and the top of the address space
 * (no end element there), touching one another, single addresses, the
 * whole space.
 */
Test(nl_build, one_field_sets_round_trip)
{
	static const enum ef_field in4_f[] = { EF_F_IIFNAME, EF_F_DADDR4,
					       EF_F_L4PROTO, EF_F_DPORT };
	static const enum ef_type in4_t[] = { EF_T_IFNAME, EF_T_IPV4,
					      EF_T_PROTO, EF_T_PORT };
	const enum ef_type t4 = EF_T_IPV4, t6 = EF_T_IPV6;
	struct ef_model *m = ef_model_new(), *back = NULL;
	struct ef_nl fake = { .seq = 1 };
	uint8_t key[EF_KEY_MAX] = { 0 };
	struct ef_set *s;
	struct ef_chain *c;
	struct ef_rule *r;
	struct ef_batch b;

	s = ef_model_add_set(m, "g4_x", &t4, 1, false);
	put_range(s, AF_INET, "0.0.0.0", "0.0.0.0", NULL);
	put_range(s, AF_INET, "10.0.0.0", "10.0.0.255", NULL);
	put_range(s, AF_INET, "10.0.1.0", "10.0.1.255", NULL);
	put_range(s, AF_INET, "192.0.2.10", "192.0.2.12", "r1");
	put_range(s, AF_INET, "203.0.113.255", "203.0.114.0", NULL);
	put_range(s, AF_INET, "255.255.255.0", "255.255.255.255", NULL);
	s = ef_model_add_set(m, "g6_x", &t6, 1, false);
	put_range(s, AF_INET6, "::", "::1", NULL);
	put_range(s, AF_INET6, "2001:db8:200::10", "2001:db8:200::21", NULL);
	put_range(s, AF_INET6, "ffff::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  NULL);
	s = ef_model_add_set(m, "g4_all", &t4, 1, false);
	put_range(s, AF_INET, "0.0.0.0", "255.255.255.255", NULL);
	s = ef_model_add_set(m, "g6_all", &t6, 1, false);
	put_range(s, AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  NULL);
	s = ef_model_add_set(m, "in4_x", in4_t, 4, true);
	memcpy(key, "eth0", 4);
	key[16] = 192, key[19] = 1, key[20] = 6, key[25] = 80;
	cr_assert_eq(add_elem_rows(s, key, key, "r2"), 0);
	c = ef_model_add_chain(m, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	r = ef_chain_add_rule(c);
	r->nfproto = 2;
	strcpy(r->peer_set, "g4_x");
	r->peer_key = EF_F_SADDR4;
	strcpy(r->set, "in4_x");
	r->nkeys = 4;
	memcpy(r->key, in4_f, sizeof(in4_f));
	r->verdict = EF_V_ACCEPT;
	for (size_t i = 0; i < m->nsets; i++)
		ef_set_sort(&m->sets[i]);

	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	cr_assert(ef_model_equal(m, back));
	cr_assert_eq(ef_model_find_set(back, "g4_x")->nelems, 6);
	cr_assert_eq(ef_model_find_set(back, "g6_x")->nelems, 3);
	cr_assert_not(ef_model_find_set(back, "g4_x")->counter);
	cr_assert_str_eq(back->chains[0].rules[0].peer_set, "g4_x");
	cr_assert_eq(back->chains[0].rules[0].peer_key, EF_F_SADDR4);
	ef_model_free(back);
	ef_batch_free(&b);
	ef_model_free(m);
}

/* A group of 100 000 addresses: many to a message, and back as they were. */
Test(nl_build, large_address_set_shares_messages)
{
	const enum ef_type t4 = EF_T_IPV4;
	struct ef_model *m = ef_model_new(), *back = NULL;
	struct ef_set *s = ef_model_add_set(m, "g4_big", &t4, 1, false);
	struct ef_nl fake = { .seq = 1 };
	struct ef_batch b;

	cr_assert_not_null(s);
	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t a = htonl(0x0a000000u + 2 * i);
		uint8_t k[EF_KEY_MAX] = { 0 };

		memcpy(k, &a, 4);
		cr_assert_eq(ef_set_add_elem(s, k, k, NULL), 0);
	}
	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_lt(b.nmsgs, 200, "%u messages for 100 000 elements", b.nmsgs);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	cr_assert_eq(ef_model_find_set(back, "g4_big")->nelems, 100000);
	cr_assert(ef_model_equal(m, back));
	ef_model_free(back);
	ef_batch_free(&b);
	ef_model_free(m);
}

/*
 * A one-field set with no element: the compiler makes none, but a live
 * one may be (nft flush set inet edgefw g4_front_end), and reading it
 * must not trip the sanitizers (fold_ranges sorts a set with no keys array).
 */
Test(nl_build, empty_one_field_set_round_trips)
{
	const enum ef_type t6 = EF_T_IPV6;
	struct ef_model *m = ef_model_new(), *back = NULL;
	struct ef_nl fake = { .seq = 1 };
	struct ef_batch b;

	cr_assert_not_null(ef_model_add_set(m, "g6_none", &t6, 1, false));
	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	cr_assert(ef_model_equal(m, back));
	cr_assert_eq(ef_model_find_set(back, "g6_none")->nfields, 1);
	cr_assert_eq(ef_model_find_set(back, "g6_none")->nelems, 0);
	ef_model_free(back);
	ef_batch_free(&b);
	ef_model_free(m);
}

/* A runtime set keeps flags timeout, and an element added to it the time
 * to live it was given and its comment. */
Test(nl_build, runtime_set_elements_carry_their_timeout)
{
	struct ef_model *m = compiled("edge-single-public", "edge-single-public");
	struct ef_set *set = ef_model_find_set(m, "ex4");
	struct ef_nl fake = { .seq = 1 };
	struct ef_model *back = NULL;
	uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };
	const struct ef_set *got;
	struct ef_batch b;

	cr_assert(set && set->timeout && !set->nelems);
	key[4] = 198, key[5] = 51, key[6] = 100, key[7] = 10;	/* daddr */
	key[8] = 6;						/* tcp */
	key[12] = 8443 >> 8, key[13] = 8443 & 0xff;		/* dport */
	memcpy(end, key, sizeof(end));
	memset(end, 0xff, 4);					/* any saddr */
	cr_assert_eq(add_elem_rows(set, key, end, "exception 3"), 0);
	cr_assert_eq(ef_elem_set_times(set, 0, 3600000, 0), 0);
	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	got = ef_model_find_set(back, "ex4");
	cr_assert(got && got->timeout);
	cr_assert_eq(got->nelems, 1);
	cr_assert_eq(ef_elem_timeout(got, 0), 3600000);
	cr_assert_str_eq(rows_text(ef_elem_rows(got, 0)), "exception 3");
	cr_assert_arr_eq(ef_elem_key(got, 0), key, ef_set_key_len(got));
	cr_assert_arr_eq(ef_elem_key_end(got, 0), end, ef_set_key_len(got));
	/* Equal as the kernel runs it: the elements are the daemon's. */
	cr_assert(ef_model_equal(m, back));
	ef_set_clear(set);
	cr_assert(ef_model_equal(m, back));
	ef_model_free(back);
	ef_batch_free(&b);
	ef_model_free(m);
}

/* The drop counter and log of a chain's end, as the compiler makes it. */
static struct ef_rule *drop_rule(struct ef_chain *c, uint8_t nfproto)
{
	struct ef_rule *r = ef_chain_add_rule(c);

	cr_assert_not_null(r);
	r->nfproto = nfproto;
	r->counter = true;
	r->limit_rate = 10;
	r->limit_unit = 1;
	r->limit_burst = 5;
	r->log = true;
	snprintf(r->log_prefix, sizeof(r->log_prefix), "edgefw drop input %s: ",
		 nfproto == 2 ? "ip" : "ip6");
	r->log_level = 6;
	return r;
}

/*
 * A rule's counter goes as nft writes it, its counts only when it has
 * any, and comes back with them; a counter where edgefw puts none (after
 * the log) reads as someone else's rule.
 */
Test(nl_build, rule_counter_round_trips)
{
	struct ef_model *m = ef_model_new(), *back = NULL;
	struct ef_nl fake = { .seq = 1 };
	struct nftnl_rule *nr;
	struct ef_rule *r, read;
	struct ef_chain *c;
	struct ef_batch b;

	c = ef_model_add_chain(m, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	cr_assert_not_null(c);
	r = drop_rule(c, 2);
	r->packets = 7;
	r->bytes = 420;
	drop_rule(c, 10);
	ef_batch_init(&b, &fake, NULL);
	cr_assert_eq(ef_nl_build_replace(&b, &fake, m), 0);
	cr_assert_eq(ef_nl_parse_batch(b.buf, b.len, &back), 0);
	cr_assert(ef_model_equal(m, back));
	r = &back->chains[0].rules[0];
	cr_assert(r->counter && !r->foreign);
	cr_assert_eq(r->packets, 7);
	cr_assert_eq(r->bytes, 420);
	r = &back->chains[0].rules[1];
	cr_assert(r->counter && !r->foreign);
	cr_assert_eq(r->packets + r->bytes, 0);
	ef_model_free(back);
	ef_batch_free(&b);

	nr = nftnl_rule_alloc();
	cr_assert_not_null(nr);
	r = &m->chains[0].rules[0];
	r->counter = false;
	cr_assert_eq(ef_rule_linearize(nr, m, r), 0);
	nftnl_rule_add_expr(nr, nftnl_expr_alloc("counter"));
	cr_assert_eq(ef_rule_delinearize(nr, m, &read), 0);
	cr_assert_not_null(read.foreign);
	free(read.foreign);
	nftnl_rule_free(nr);
	ef_model_free(m);
}
