// SPDX-License-Identifier: GPL-2.0-or-later
/* The model: layout, construction, ordering and ef_model_equal. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model.h"

static const enum ef_type key_types[] = { EF_T_IPV4, EF_T_PROTO, EF_T_PORT };

/* 192.0.2.<host> . tcp . <port> */
static void add_elem(struct ef_set *s, uint8_t host, uint16_t port,
		     const char *rows)
{
	uint8_t key[EF_KEY_MAX] = { 192, 0, 2, host, 6, 0, 0, 0,
				    (uint8_t)(port >> 8), (uint8_t)port };

	cr_assert_eq(add_elem_rows(s, key, key, rows), 0);
}

/* Index of the element 192.0.2.<host> . tcp . <port>. */
static size_t elem_at(const struct ef_set *s, uint8_t host, uint16_t port)
{
	for (size_t i = 0; i < s->nelems; i++)
		if (ef_elem_key(s, i)[3] == host &&
		    ef_elem_key(s, i)[8] == (uint8_t)(port >> 8) &&
		    ef_elem_key(s, i)[9] == (uint8_t)port)
			return i;
	cr_assert_fail("no element 192.0.2.%u . tcp . %u", host, port);
	return 0;
}

static struct ef_rule *add_rule(struct ef_chain *c, enum ef_verdict v)
{
	struct ef_rule *r = ef_chain_add_rule(c);

	cr_assert_not_null(r);
	r->verdict = v;
	return r;
}

/* A small model like the compiler's; `swap` adds things in another order. */
static struct ef_model *sample(bool swap)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s, *t;
	struct ef_chain *c;
	struct ef_rule *r;

	cr_assert_not_null(m);
	/* Sets in either order; found by name after both are added. */
	cr_assert_not_null(ef_model_add_set(m, swap ? "other" : "web",
					    key_types, 3, true));
	cr_assert_not_null(ef_model_add_set(m, swap ? "web" : "other",
					    key_types, 3, true));
	s = ef_model_find_set(m, "web");
	t = ef_model_find_set(m, "other");
	cr_assert(s && t);
	if (swap) {
		add_elem(s, 2, 80, "r2");
		add_elem(s, 1, 443, "r1,r3");
	} else {
		add_elem(s, 1, 443, "r1,r3");
		add_elem(s, 2, 80, "r2");
	}
	add_elem(t, 9, 53, "r4");
	ef_set_sort(s);
	ef_set_sort(t);

	c = ef_model_add_chain(m, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	cr_assert_not_null(c);
	r = add_rule(c, EF_V_ACCEPT);
	r->ct_state = EF_CT_ESTABLISHED | EF_CT_RELATED;
	r = add_rule(c, EF_V_ACCEPT);
	strcpy(r->set, "web");
	r->nfproto = 2;
	r->nkeys = 3;
	r->key[0] = EF_F_DADDR4;
	r->key[1] = EF_F_L4PROTO;
	r->key[2] = EF_F_DPORT;
	c = ef_model_add_chain(m, "output", EF_HOOK_OUTPUT, 0, EF_V_DROP);
	cr_assert_not_null(c);
	add_rule(c, EF_V_ACCEPT)->oif_lo = true;

	cr_assert_eq(ef_model_add_row(m, 1, "p.policy:3", "https"), 0);
	return m;
}

Test(model, layout)
{
	struct ef_model *m = ef_model_new();
	static const enum ef_type t[] = { EF_T_IFNAME, EF_T_IPV6, EF_T_IPV4,
					  EF_T_PROTO, EF_T_PORT };
	struct ef_set *s = ef_model_add_set(m, "x", t, 5, false);

	/* Every field padded to 32 bits. */
	cr_assert_eq(ef_field_offset(s, 0), 0);
	cr_assert_eq(ef_field_offset(s, 1), 16);
	cr_assert_eq(ef_field_offset(s, 2), 32);
	cr_assert_eq(ef_field_offset(s, 3), 36);
	cr_assert_eq(ef_field_offset(s, 4), 40);
	cr_assert_eq(ef_set_key_len(s), 44);
	cr_assert_eq(ef_type_info(EF_T_PROTO)->len, 1);
	cr_assert_eq(ef_type_info(EF_T_PROTO)->reg_len, 4);
	cr_assert_eq(ef_type_info(EF_T_PORT)->len, 2);
	cr_assert_str_eq(ef_type_info(EF_T_PORT)->nft_type, "inet_service");
	cr_assert_str_eq(ef_field_info(EF_F_SADDR6)->nft_expr, "ip6 saddr");
	cr_assert_eq(ef_field_info(EF_F_OIFNAME)->type, EF_T_IFNAME);
	ef_model_free(m);
}

Test(model, fields_types)
{
	static const enum ef_field f[] = { EF_F_IIFNAME, EF_F_SADDR4,
					   EF_F_DADDR6, EF_F_L4PROTO,
					   EF_F_DPORT };
	enum ef_type t[5];

	ef_fields_types(f, 5, t);
	cr_assert_eq(t[0], EF_T_IFNAME);
	cr_assert_eq(t[1], EF_T_IPV4);
	cr_assert_eq(t[2], EF_T_IPV6);
	cr_assert_eq(t[3], EF_T_PROTO);
	cr_assert_eq(t[4], EF_T_PORT);
}

Test(model, add_and_find)
{
	struct ef_model *m = sample(false);
	char name[EF_NAME_MAX + 1];

	cr_assert_eq(m->nsets, 2);
	cr_assert_eq(ef_model_find_set(m, "web"), &m->sets[0]);
	cr_assert_null(ef_model_find_set(m, "nope"));
	cr_assert_eq(ef_model_find_chain(m, "output"), &m->chains[1]);
	cr_assert_null(ef_model_find_chain(m, "forward"));
	cr_assert_eq(ef_model_elem_count(m), 3);
	cr_assert_eq(m->nrows, 1);
	cr_assert_str_eq(m->rows[0].where, "p.policy:3");
	cr_assert_str_eq(m->rows[0].note, "https");

	/* Refused: no fields, too many, a name that does not fit. */
	cr_assert_null(ef_model_add_set(m, "a", key_types, 0, false));
	cr_assert_null(ef_model_add_set(m, "b", key_types, EF_FIELDS_MAX + 1,
					false));
	memset(name, 'n', EF_NAME_MAX);
	name[EF_NAME_MAX] = '\0';
	cr_assert_null(ef_model_add_set(m, name, key_types, 1, false));
	cr_assert_null(ef_model_add_chain(m, name, EF_HOOK_INPUT, 0,
					  EF_V_DROP));
	name[EF_NAME_MAX - 1] = '\0';
	cr_assert_not_null(ef_model_add_set(m, name, key_types, 1, false));
	cr_assert_eq(m->nsets, 3);
	ef_model_free(m);
}

Test(model, elements_sorted)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = ef_model_add_set(m, "s", key_types, 3, false);
	uint8_t lo[EF_KEY_MAX] = { 192, 0, 2, 1, 6, 0, 0, 0, 0, 80 };
	uint8_t hi[EF_KEY_MAX] = { 192, 0, 2, 1, 6, 0, 0, 0, 0, 90 };

	add_elem(s, 9, 1, "c");
	add_elem(s, 1, 443, "b");
	/* Same start, different end: ordered by the end. */
	cr_assert_eq(add_elem_rows(s, lo, hi, "a2"), 0);
	cr_assert_eq(add_elem_rows(s, lo, lo, "a1"), 0);
	add_elem(s, 1, 22, "a0");
	ef_set_sort(s);
	cr_assert_str_eq(rows_text(ef_elem_rows(s, 0)), "a0");
	cr_assert_str_eq(rows_text(ef_elem_rows(s, 1)), "a1");
	cr_assert_str_eq(rows_text(ef_elem_rows(s, 2)), "a2");
	cr_assert_str_eq(rows_text(ef_elem_rows(s, 3)), "b");
	cr_assert_str_eq(rows_text(ef_elem_rows(s, 4)), "c");
	for (size_t i = 1; i < s->nelems; i++)
		cr_assert_leq(memcmp(ef_elem_key(s, i - 1), ef_elem_key(s, i),
				     EF_KEY_MAX), 0);
	ef_model_free(m);
}

Test(model, equal)
{
	struct ef_model *a = sample(false), *b = sample(false);

	cr_assert(ef_model_equal(a, b));
	cr_assert(ef_model_equal(b, a));
	cr_assert(ef_model_equal(a, a));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, equal_whatever_the_order_of_sets_and_insertions)
{
	struct ef_model *a = sample(false), *b = sample(true);

	cr_assert_str_neq(a->sets[0].name, b->sets[0].name);
	cr_assert(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, counters_and_row_texts_are_not_compared)
{
	struct ef_model *a = sample(false), *b = sample(false);

	cr_assert_eq(ef_elem_set_counts(&b->sets[0], 0, 12, 3456), 0);
	free(b->rows[0].note);
	b->rows[0].note = strdup("another note");
	cr_assert(ef_model_equal(a, b));
	/* A read-back model has no rows at all. */
	free(b->rows[0].where);
	free(b->rows[0].note);
	b->nrows = 0;
	cr_assert(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, differing_element)
{
	struct ef_model *a = sample(false), *b = sample(false);
	struct elem_keys k = keys_of(&b->sets[0], 1);

	k.key_end[9]++;		/* port range end */
	ef_elem_set_key_end(&b->sets[0], 1, k.key_end);
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_set_equal(&a->sets[0], &b->sets[0]));
	ef_model_free(b);

	b = sample(false);
	k = keys_of(&b->sets[1], 0);
	k.key[3] = 10;		/* 192.0.2.10 */
	k.key_end[3] = 10;
	ef_elem_set_key(&b->sets[1], 0, k.key);
	ef_elem_set_key_end(&b->sets[1], 0, k.key_end);
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	/* One element more. */
	b = sample(false);
	add_elem(&b->sets[1], 10, 53, "r4");
	ef_set_sort(&b->sets[1]);
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_model_equal(b, a));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, differing_rows_comment)
{
	struct ef_model *a = sample(false), *b = sample(false);

	struct ef_rows *r1 = rows_of("r1");

	cr_assert_eq(ef_elem_set_rows(&b->sets[0], 0, r1), 0);
	ef_rows_put(r1);
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_eq(ef_elem_set_rows(&b->sets[0], 0, NULL), 0);
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_model_equal(b, a));
	ef_model_free(a);
	ef_model_free(b);
}

/* Equal lists, made apart, in one set or two, become one; the model says
 * what it said. */
Test(model, share_rows)
{
	struct ef_model *a = sample(false), *b = sample(false);
	struct ef_set *web = &b->sets[0], *other = &b->sets[1];
	const struct ef_rows *r13, *r2;

	add_elem(other, 10, 53, "r1,r3");
	add_elem(other, 11, 53, "r2");
	add_elem(other, 12, 53, NULL);
	add_elem(other, 13, 53, "by hand");
	add_elem(web, 14, 53, "by hand");
	ef_set_sort(web);
	ef_set_sort(other);
	cr_assert_eq(ef_model_share_rows(b), 0);
	r13 = ef_elem_rows(web, elem_at(web, 1, 443));
	r2 = ef_elem_rows(web, elem_at(web, 2, 80));
	cr_assert_eq(ef_elem_rows(other, elem_at(other, 10, 53)), r13);
	cr_assert_eq(ef_elem_rows(other, elem_at(other, 11, 53)), r2);
	cr_assert_eq(r13->refs, 2);
	cr_assert_eq(r2->refs, 2);
	cr_assert_null(ef_elem_rows(other, elem_at(other, 12, 53)));
	cr_assert_eq(ef_elem_rows(other, elem_at(other, 13, 53)),
		     ef_elem_rows(web, elem_at(web, 14, 53)));
	cr_assert_neq(ef_elem_rows(other, elem_at(other, 9, 53)), r13);
	cr_assert_str_eq(rows_text(ef_elem_rows(other, elem_at(other, 9, 53))),
			 "r4");
	cr_assert_str_eq(rows_text(r13), "r1,r3");
	/* Sharing again changes nothing. */
	cr_assert_eq(ef_model_share_rows(b), 0);
	cr_assert_eq(r13->refs, 2);
	ef_model_free(b);
	b = sample(false);
	cr_assert_eq(ef_model_share_rows(a), 0);
	cr_assert(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, differing_set_attributes)
{
	struct ef_model *a = sample(false), *b = sample(false);

	b->sets[0].counter = false;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	b = sample(false);
	b->sets[0].type[2] = EF_T_PROTO;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, differing_chain_policy)
{
	struct ef_model *a = sample(false), *b = sample(false);

	b->chains[1].policy = EF_V_ACCEPT;
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_chain_equal(&a->chains[1], &b->chains[1]));
	ef_model_free(b);

	b = sample(false);
	b->chains[0].priority = -10;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	b = sample(false);
	b->chains[0].hook = EF_HOOK_FORWARD;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, differing_rule_order)
{
	struct ef_model *a = sample(false), *b = sample(false);
	struct ef_rule tmp = b->chains[0].rules[0];

	b->chains[0].rules[0] = b->chains[0].rules[1];
	b->chains[0].rules[1] = tmp;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, differing_rule)
{
	struct ef_model *a = sample(false), *b = sample(false);

	b->chains[0].rules[1].key[2] = EF_F_L4PROTO;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	b = sample(false);
	b->chains[0].rules[1].verdict = EF_V_DROP;
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	b = sample(false);
	add_rule(&b->chains[1], EF_V_DROP);
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	/* A rule the reader did not understand never equals anything. */
	b = sample(false);
	b->chains[1].rules[0].foreign = strdup("meta mark 1 accept");
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_model_equal(b, b));
	ef_model_free(a);
	ef_model_free(b);
}

/* Whether a rule counts is compared; what it counted is not. */
Test(model, rule_counter)
{
	struct ef_model *a = sample(false), *b = sample(false);
	struct ef_rule *ra = &a->chains[1].rules[0], *rb = &b->chains[1].rules[0];

	rb->counter = true;
	cr_assert_not(ef_rule_equal(ra, rb));
	cr_assert_not(ef_rule_equal(rb, ra));
	cr_assert_not(ef_model_equal(a, b));
	ra->counter = true;
	rb->packets = 12;
	rb->bytes = 3456;
	cr_assert(ef_rule_equal(ra, rb));
	cr_assert(ef_model_equal(a, b));
	ef_model_free(a);
	ef_model_free(b);
}

/* A lookup of the peer's group in front of the rule's own lookup. */
Test(model, differing_peer_lookup)
{
	struct ef_model *a = sample(false), *b;
	struct ef_rule *ra = &a->chains[0].rules[1], *rb;

	strcpy(ra->peer_set, "peers4");
	ra->peer_key = EF_F_SADDR4;
	b = sample(false);
	rb = &b->chains[0].rules[1];
	*rb = *ra;
	cr_assert(ef_rule_equal(ra, rb));
	cr_assert(ef_model_equal(a, b));

	/* Another group's set. */
	strcpy(rb->peer_set, "other4");
	cr_assert_not(ef_rule_equal(ra, rb));
	cr_assert_not(ef_model_equal(a, b));
	/* None: the same lookup for any peer. */
	rb->peer_set[0] = '\0';
	cr_assert_not(ef_rule_equal(ra, rb));
	cr_assert_not(ef_rule_equal(rb, ra));
	cr_assert_not(ef_model_equal(b, a));
	/* The peer at the other end. */
	strcpy(rb->peer_set, "peers4");
	rb->peer_key = EF_F_DADDR4;
	cr_assert_not(ef_rule_equal(ra, rb));
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	/* Without a peer set, peer_key is not looked at. */
	ef_model_free(a);
	a = sample(false);
	b = sample(false);
	b->chains[0].rules[1].peer_key = EF_F_DADDR6;
	cr_assert(ef_rule_equal(&a->chains[0].rules[1], &b->chains[0].rules[1]));
	cr_assert(ef_model_equal(a, b));
	ef_model_free(b);
	ef_model_free(a);
}

Test(model, extra_set_or_chain)
{
	struct ef_model *a = sample(false), *b = sample(false);

	cr_assert_not_null(ef_model_add_set(b, "extra", key_types, 3, true));
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_model_equal(b, a));
	ef_model_free(b);

	/* As many sets, but one named differently. */
	b = sample(false);
	strcpy(b->sets[1].name, "renamed");
	cr_assert_not(ef_model_equal(a, b));
	ef_model_free(b);

	b = sample(false);
	cr_assert_not_null(ef_model_add_chain(b, "forward", EF_HOOK_FORWARD, 0,
					      EF_V_DROP));
	cr_assert_not(ef_model_equal(a, b));
	cr_assert_not(ef_model_equal(b, a));
	ef_model_free(a);
	ef_model_free(b);
}

Test(model, names)
{
	cr_assert_str_eq(ef_hook_name(EF_HOOK_INPUT), "input");
	cr_assert_str_eq(ef_hook_name(EF_HOOK_FORWARD), "forward");
	cr_assert_str_eq(ef_hook_name(EF_HOOK_OUTPUT), "output");
	cr_assert_str_eq(ef_verdict_name(EF_V_ACCEPT), "accept");
	cr_assert_str_eq(ef_verdict_name(EF_V_DROP), "drop");
	cr_assert_str_eq(ef_verdict_name(EF_V_NONE), "");
}

Test(model, free_null)
{
	ef_model_free(NULL);
}
