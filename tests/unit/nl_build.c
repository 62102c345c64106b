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

#include "diff.h"
#include "helpers.h"
#include "nl_sock.h"

static const char *const scenarios[][2] = {
	{ "edge-single-public", "edge-single-public" },
	{ "edge-scaled-hlb", "edge-scaled-hlb-gateway" },
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

/* Thousands of elements are packed many to a message, never one each. */
Test(nl_build, elements_share_messages)
{
	struct ef_model *m = compiled("internal-servers", "internal-servers");
	struct ef_set *set = ef_model_find_set(m, "in4");
	struct ef_nl fake = { .seq = 1 };
	struct ef_model *back = NULL;
	uint8_t key[EF_KEY_MAX], end[EF_KEY_MAX];
	struct ef_batch b;
	size_t before;

	cr_assert(set && set->nelems);
	memcpy(key, set->elems[0].key, sizeof(key));
	memcpy(end, set->elems[0].key_end, sizeof(end));
	before = set->nelems;
	/* 5000 more elements: distinct interfaces names keep them disjoint. */
	for (int i = 0; i < 5000; i++) {
		snprintf((char *)key, EF_IFNAME_LEN, "x%d", i);
		memcpy(end, key, EF_IFNAME_LEN);
		cr_assert_eq(ef_set_add_elem(set, key, end, "r1"), 0);
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
