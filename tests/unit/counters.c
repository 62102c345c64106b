// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_row_counters: each live element's hits go to the rows of the compiled
 * model its comment lists, and to no other. ef_drop_counters: the counts
 * of the live rules equal to the compiled ends of the chains that drop.
 */
#include <criterion/criterion.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "helpers.h"
#include "model.h"

static const enum ef_type port_only[] = { EF_T_PORT };

/* A compiled model that knows rows 1, 2, 3 and 7, in that order. */
static struct ef_model *compiled(void)
{
	struct ef_model *m = ef_model_new();
	static const unsigned int ids[] = { 1, 2, 3, 7 };

	cr_assert_not_null(m);
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(ef_model_add_row(m, ids[i], "p.policy:1", "n"), 0);
	return m;
}

/* An element of port `port` that counted packets and 100 bytes each. */
static void add(struct ef_set *s, uint16_t port, const char *rows,
		uint64_t packets)
{
	uint8_t key[EF_KEY_MAX] = { (uint8_t)(port >> 8), (uint8_t)port };
	cr_assert_eq(add_elem_rows(s, key, key, rows), 0);
	cr_assert_eq(ef_elem_set_counts(s, s->nelems - 1, packets,
					100 * packets), 0);
}

static struct ef_set *live_set(struct ef_model *live, const char *name)
{
	struct ef_set *s = ef_model_add_set(live, name, port_only, 1, true);

	cr_assert_not_null(s);
	return s;
}

static void expect(const struct ef_row_count *c, uint64_t packets)
{
	cr_assert_eq(c->packets, packets);
	cr_assert_eq(c->bytes, 100 * packets);
}

Test(counters, element_shared_by_rows_counts_for_each)
{
	struct ef_model *m = compiled(), *live = ef_model_new();
	struct ef_row_count *c;

	add(live_set(live, "in4"), 443, "r1,r3", 5);
	add(&live->sets[0], 80, "r3", 2);
	add(live_set(live, "in6"), 443, "r1,r3", 1);
	cr_assert_eq(ef_row_counters(m, live, &c), 0);
	cr_assert_not_null(c);
	expect(&c[0], 6);	/* r1 */
	expect(&c[1], 0);	/* r2: no element */
	expect(&c[2], 8);	/* r3 */
	expect(&c[3], 0);	/* r7 */
	free(c);
	ef_model_free(live);
	ef_model_free(m);
}

/* A long list is cut in the comment: only the rows it names count. */
Test(counters, rows_cut_off_count_nothing)
{
	struct ef_model *m = compiled(), *live = ef_model_new();
	struct ef_row_count *c;

	add(live_set(live, "in4"), 443, "r1,r2,+2", 4);
	cr_assert_eq(ef_row_counters(m, live, &c), 0);
	expect(&c[0], 4);
	expect(&c[1], 4);
	expect(&c[2], 0);
	expect(&c[3], 0);
	free(c);
	ef_model_free(live);
	ef_model_free(m);
}

/* The management guard, a group's addresses (no comment) and a comment
 * we did not write (even one that names a row in passing) serve no
 * policy row. */
Test(counters, elements_of_no_row_count_nothing)
{
	struct ef_model *m = compiled(), *live = ef_model_new();
	struct ef_set *s = live_set(live, "mgmt4");
	struct ef_row_count *c;

	add(s, 22, "mgmt", 9);
	add(s, 23, NULL, 9);
	add(s, 24, "ours?", 9);
	add(s, 25, "mgmt,r7", 3);
	add(s, 26, "see r1", 9);
	cr_assert_eq(ef_row_counters(m, live, &c), 0);
	expect(&c[0], 0);
	expect(&c[1], 0);
	expect(&c[2], 0);
	expect(&c[3], 3);
	free(c);
	ef_model_free(live);
	ef_model_free(m);
}

/* Rows the live table names but the compiled model does not know. */
Test(counters, unknown_rows_are_skipped)
{
	struct ef_model *m = compiled(), *live = ef_model_new();
	struct ef_row_count *c;

	add(live_set(live, "in4"), 443, "r5,r7,r99", 2);
	cr_assert_eq(ef_row_counters(m, live, &c), 0);
	expect(&c[3], 2);
	expect(&c[0], 0);
	free(c);
	ef_model_free(live);
	ef_model_free(m);
}

Test(counters, no_rows_or_no_live_table)
{
	struct ef_model *m = compiled(), *none = ef_model_new();
	struct ef_row_count *c = (void *)1;

	/* No rows compiled: nothing to count, nothing allocated. */
	cr_assert_eq(ef_row_counters(none, m, &c), 0);
	cr_assert_null(c);
	/* No live table: every row at zero. */
	cr_assert_eq(ef_row_counters(m, NULL, &c), 0);
	cr_assert_not_null(c);
	for (size_t r = 0; r < m->nrows; r++)
		expect(&c[r], 0);
	free(c);
	ef_model_free(none);
	ef_model_free(m);
}

/* A chain as the compiler ends one that drops; `counts` fills in what a
 * read-back one counted (IPv4 n packets, IPv6 2n, 60 bytes each). */
static struct ef_chain *drop_chain(struct ef_model *m, const char *name,
				   enum ef_hook hook, uint64_t counts)
{
	struct ef_chain *c = ef_model_add_chain(m, name, hook, 0, EF_V_DROP);
	struct ef_rule *r;

	cr_assert_not_null(c);
	r = ef_chain_add_rule(c);
	r->ct_state = EF_CT_ESTABLISHED | EF_CT_RELATED;
	r->verdict = EF_V_ACCEPT;
	for (uint64_t f = 1; f <= 2; f++) {
		r = ef_chain_add_rule(c);
		r->nfproto = f == 1 ? NFPROTO_IPV4 : NFPROTO_IPV6;
		r->counter = true;
		r->log = true;
		snprintf(r->log_prefix, sizeof(r->log_prefix),
			 "edgefw drop %s %s: ", name, ef_family_name(r->nfproto));
		r->packets = f * counts;
		r->bytes = 60 * f * counts;
	}
	return c;
}

static void expect_drops(const struct ef_drop_count *d, const char *chain,
			 uint8_t nfproto, uint64_t packets)
{
	cr_assert_str_eq(d->chain, chain);
	cr_assert_eq(d->nfproto, nfproto, "%s", chain);
	cr_assert_eq(d->packets, packets, "%s", chain);
	cr_assert_eq(d->bytes, 60 * packets, "%s", chain);
}

Test(counters, drops_per_chain_and_family)
{
	struct ef_model *m = ef_model_new(), *live = ef_model_new();
	struct ef_drop_count *d;
	size_t n;

	drop_chain(m, "input", EF_HOOK_INPUT, 0);
	drop_chain(m, "output", EF_HOOK_OUTPUT, 0);
	/* Live in another order, with a counting rule of someone else's. */
	drop_chain(live, "output", EF_HOOK_OUTPUT, 3);
	drop_chain(live, "input", EF_HOOK_INPUT, 5);
	live->chains[1].rules[0].foreign = strdup("meta mark 1 counter");
	cr_assert_eq(ef_drop_counters(m, live, &d, &n), 0);
	cr_assert_eq(n, 4);
	expect_drops(&d[0], "input", NFPROTO_IPV4, 5);
	expect_drops(&d[1], "input", NFPROTO_IPV6, 10);
	expect_drops(&d[2], "output", NFPROTO_IPV4, 3);
	expect_drops(&d[3], "output", NFPROTO_IPV6, 6);
	free(d);
	ef_model_free(live);
	ef_model_free(m);
}

/* A live rule that is not the compiled one (an older prefix), a chain
 * missing, no live table at all: nothing counted there. */
Test(counters, drops_without_their_live_rule_are_zero)
{
	struct ef_model *m = ef_model_new(), *live = ef_model_new();
	struct ef_drop_count *d = (void *)1;
	size_t n = 1;

	cr_assert_eq(ef_drop_counters(m, live, &d, &n), 0);
	cr_assert_null(d);
	cr_assert_eq(n, 0);
	drop_chain(m, "input", EF_HOOK_INPUT, 0);
	drop_chain(m, "forward", EF_HOOK_FORWARD, 0);
	drop_chain(live, "input", EF_HOOK_INPUT, 4);
	strcpy(live->chains[0].rules[1].log_prefix, "edgefw drop input: ");
	cr_assert_eq(ef_drop_counters(m, live, &d, &n), 0);
	cr_assert_eq(n, 4);
	expect_drops(&d[0], "input", NFPROTO_IPV4, 0);
	expect_drops(&d[1], "input", NFPROTO_IPV6, 8);
	expect_drops(&d[2], "forward", NFPROTO_IPV4, 0);
	expect_drops(&d[3], "forward", NFPROTO_IPV6, 0);
	free(d);
	cr_assert_eq(ef_drop_counters(m, NULL, &d, &n), 0);
	cr_assert_eq(n, 4);
	expect_drops(&d[1], "input", NFPROTO_IPV6, 0);
	free(d);
	ef_model_free(live);
	ef_model_free(m);
}
