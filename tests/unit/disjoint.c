// SPDX-License-Identifier: GPL-2.0-or-later
/* ef_set_add_disjoint: overlapping boxes become disjoint, row-listing pieces. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disjoint.h"
#include "helpers.h"
#include "util.h"

static struct ef_set *new_set(struct ef_model *m, const enum ef_type *types,
			      unsigned int n)
{
	struct ef_set *s = ef_model_add_set(m, "s", types, n, true);

	cr_assert_not_null(s);
	return s;
}

/* Lays an integer into field f of a key, big-endian over its width. */
static void put(const struct ef_set *s, unsigned int f, uint8_t *key,
		uint64_t v)
{
	size_t off = ef_field_offset(s, f);
	unsigned int w = ef_type_info(s->type[f])->len;

	for (unsigned int i = w; i-- > 0; v >>= 8)
		key[off + i] = (uint8_t)v;
}

static uint64_t get(const struct ef_set *s, unsigned int f,
		    const uint8_t *key)
{
	size_t off = ef_field_offset(s, f);
	unsigned int w = ef_type_info(s->type[f])->len;
	uint64_t v = 0;

	for (unsigned int i = 0; i < w; i++)
		v = v << 8 | key[off + i];
	return v;
}

/* A box from per-field [lo, hi] pairs. */
static void make_box(const struct ef_set *s, struct ef_box *b,
		     const uint64_t *lo, const uint64_t *hi, unsigned int row)
{
	memset(b, 0, sizeof(*b));
	for (unsigned int f = 0; f < s->nfields; f++) {
		put(s, f, b->key, lo[f]);
		put(s, f, b->key_end, hi[f]);
	}
	b->row = row;
}

static void box1(const struct ef_set *s, struct ef_box *b, uint64_t lo,
		 uint64_t hi, unsigned int row)
{
	make_box(s, b, &lo, &hi, row);
}

static const enum ef_type port_only[] = { EF_T_PORT };
static const enum ef_type ipv4_only[] = { EF_T_IPV4 };
static const enum ef_type ipv4_port[] = { EF_T_IPV4, EF_T_PORT };

Test(disjoint, overlapping_port_ranges)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, port_only, 1);
	struct ef_box b[3];
	static const struct want_elem want[] = {
		{ "1024-49151", "r3" },
		{ "49152-57500", "r1,r3" },
		{ "57501-65535", "r1,r2,r3" },
	};

	box1(s, &b[0], 49152, 65535, 1);
	box1(s, &b[1], 57501, 65535, 2);
	box1(s, &b[2], 1024, 65535, 3);
	cr_assert_eq(ef_set_add_disjoint(s, b, 3, 100), 0);
	assert_set_elems(m, "s", want, 3);
	ef_model_free(m);
}

Test(disjoint, partial_overlaps_and_gaps)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, port_only, 1);
	struct ef_box b[4];
	static const struct want_elem want[] = {
		{ "1-4", "r1" },
		{ "5-10", "r1,r2" },
		{ "11-15", "r2" },
		{ "20", "r4" },
		{ "30-40", "r3" },
	};

	box1(s, &b[0], 30, 40, 3);
	box1(s, &b[1], 1, 10, 1);
	box1(s, &b[2], 5, 15, 2);
	box1(s, &b[3], 20, 20, 4);
	cr_assert_eq(ef_set_add_disjoint(s, b, 4, 100), 0);
	assert_set_elems(m, "s", want, 5);
	ef_model_free(m);
}

Test(disjoint, exact_duplicates_merge_rows)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, port_only, 1);
	struct ef_box b[4];
	static const struct want_elem want[] = { { "443", "r3,r7,r12" } };

	box1(s, &b[0], 443, 443, 7);
	box1(s, &b[1], 443, 443, 12);
	box1(s, &b[2], 443, 443, 3);
	box1(s, &b[3], 443, 443, 7);	/* the same row twice: listed once */
	cr_assert_eq(ef_set_add_disjoint(s, b, 4, 100), 0);
	assert_set_elems(m, "s", want, 1);
	ef_model_free(m);
}

Test(disjoint, management_row_is_named)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, port_only, 1);
	struct ef_box b[2];
	static const struct want_elem want[] = {
		{ "22", "mgmt,r4" },
		{ "23", "r4" },
	};

	box1(s, &b[0], 22, 22, EF_ROW_MGMT);
	box1(s, &b[1], 22, 23, 4);
	cr_assert_eq(ef_set_add_disjoint(s, b, 2, 100), 0);
	assert_set_elems(m, "s", want, 2);
	ef_model_free(m);
}

Test(disjoint, nested_cidrs)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, ipv4_only, 1);
	struct ef_box b[2];
	static const struct want_elem want[] = {
		{ "10.0.0.0/16", "r1" },
		{ "10.1.0.0/16", "r1,r2" },
		{ "10.2.0.0-10.255.255.255", "r1" },
	};

	box1(s, &b[0], 0x0a000000, 0x0affffff, 1);	/* 10.0.0.0/8 */
	box1(s, &b[1], 0x0a010000, 0x0a01ffff, 2);	/* 10.1.0.0/16 */
	cr_assert_eq(ef_set_add_disjoint(s, b, 2, 100), 0);
	assert_set_elems(m, "s", want, 3);
	ef_model_free(m);
}

Test(disjoint, whole_space_and_its_edges)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, ipv4_only, 1);
	struct ef_box b[3];
	static const struct want_elem want[] = {
		{ "0.0.0.0", "r1,r2" },
		{ "0.0.0.1-255.255.255.254", "r1" },
		{ "255.255.255.255", "r1,r3" },
	};

	box1(s, &b[0], 0, 0xffffffff, 1);
	box1(s, &b[1], 0, 0, 2);
	box1(s, &b[2], 0xffffffff, 0xffffffff, 3);
	cr_assert_eq(ef_set_add_disjoint(s, b, 3, 100), 0);
	assert_set_elems(m, "s", want, 3);
	ef_model_free(m);
}

Test(disjoint, two_fields)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, ipv4_port, 2);
	struct ef_box b[2];
	const uint64_t alo[] = { 0x0a000000, 80 }, ahi[] = { 0x0affffff, 80 };
	const uint64_t blo[] = { 0x0a010000, 80 }, bhi[] = { 0x0a01ffff, 81 };
	static const struct want_elem want[] = {
		{ "10.0.0.0/16 . 80", "r1" },
		{ "10.1.0.0/16 . 80", "r1,r2" },
		{ "10.1.0.0/16 . 81", "r2" },
		{ "10.2.0.0-10.255.255.255 . 80", "r1" },
	};

	make_box(s, &b[0], alo, ahi, 1);
	make_box(s, &b[1], blo, bhi, 2);
	cr_assert_eq(ef_set_add_disjoint(s, b, 2, 100), 0);
	assert_set_elems(m, "s", want, 4);
	ef_model_free(m);
}

Test(disjoint, no_boxes)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, port_only, 1);

	cr_assert_eq(ef_set_add_disjoint(s, NULL, 0, 100), 0);
	cr_assert_eq(s->nelems, 0);
	ef_model_free(m);
}

Test(disjoint, cap)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, port_only, 1);
	struct ef_box b[3];

	box1(s, &b[0], 1, 1, 1);
	box1(s, &b[1], 2, 2, 2);
	box1(s, &b[2], 3, 3, 3);
	cr_assert_eq(ef_set_add_disjoint(s, b, 3, 3), 0);
	cr_assert_eq(s->nelems, 3);
	ef_model_free(m);

	/* Two boxes, but their overlap makes three pieces. */
	m = ef_model_new();
	s = new_set(m, port_only, 1);
	box1(s, &b[0], 1, 10, 1);
	box1(s, &b[1], 5, 15, 2);
	cr_assert_eq(ef_set_add_disjoint(s, b, 2, 2), -E2BIG);
	ef_model_free(m);

	m = ef_model_new();
	s = new_set(m, port_only, 1);
	box1(s, &b[0], 1, 1, 1);
	box1(s, &b[1], 2, 2, 2);
	box1(s, &b[2], 3, 3, 3);
	cr_assert_eq(ef_set_add_disjoint(s, b, 3, 2), -E2BIG);
	ef_model_free(m);
}

/* --- property test */

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32: the same sequence on every run. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

#define NF 3
#define NBOX_MAX 10
#define NROWS 6

/* Each field ranges over [base, base + size): small enough to check every
 * point, placed where carries and the top of the type are exercised. */
struct domain {
	uint64_t base[NF];
	unsigned int size[NF];
};

static const enum ef_type prop_types[NF] = { EF_T_IPV4, EF_T_PROTO,
					     EF_T_PORT };
static const struct domain domains[] = {
	{ { 0x0a0000f8, 248, 65528 }, { 16, 8, 8 } },	/* carry; top of proto, port */
	{ { 0xfffffff0, 0, 250 }, { 16, 8, 12 } },	/* top of ipv4; bottom; carry */
	{ { 0, 1, 0 }, { 6, 3, 20 } },
};

/* The rows of the boxes covering point p, as the compiler writes them. */
static void expected_rows(const struct ef_set *s, const struct ef_box *b,
			  size_t n, const uint64_t *p, char *out, size_t size)
{
	bool seen[NROWS + 1] = { false };
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		bool in = true;

		for (unsigned int f = 0; f < NF && in; f++)
			in = get(s, f, b[i].key) <= p[f] &&
			     p[f] <= get(s, f, b[i].key_end);
		if (in)
			seen[b[i].row] = true;
	}
	for (unsigned int r = 0; r <= NROWS; r++)
		if (seen[r])
			len += (size_t)snprintf(out + len, size - len, "%sr%u",
						len ? "," : "", r);
}

static bool elem_holds(const struct ef_set *s, size_t e, const uint64_t *p)
{
	for (unsigned int f = 0; f < NF; f++)
		if (p[f] < get(s, f, ef_elem_key(s, e)) ||
		    p[f] > get(s, f, ef_elem_key_end(s, e)))
			return false;
	return true;
}

static void check_point(const struct ef_set *s, const struct ef_box *b,
			size_t n, const uint64_t *p, unsigned int round)
{
	char want[64];
	const struct ef_rows *hit_rows = NULL;
	bool hit = false;

	expected_rows(s, b, n, p, want, sizeof(want));
	for (size_t i = 0; i < s->nelems; i++) {
		if (!elem_holds(s, i, p))
			continue;
		cr_assert_not(hit, "round %u: point %llx.%llx.%llx in two elements",
			       round, (unsigned long long)p[0],
			       (unsigned long long)p[1], (unsigned long long)p[2]);
		hit = true;
		hit_rows = ef_elem_rows(s, i);
	}
	if (!want[0]) {
		cr_assert_not(hit, "round %u: point %llx.%llx.%llx covered by no box but by an element",
			       round, (unsigned long long)p[0],
			       (unsigned long long)p[1], (unsigned long long)p[2]);
		return;
	}
	cr_assert(hit, "round %u: point %llx.%llx.%llx (%s) not covered",
			   round, (unsigned long long)p[0],
			   (unsigned long long)p[1], (unsigned long long)p[2],
			   want);
	cr_assert_str_eq(rows_text(hit_rows), want,
			 "round %u: point %llx.%llx.%llx",
			 round, (unsigned long long)p[0],
			 (unsigned long long)p[1], (unsigned long long)p[2]);
}

static void check_round(const struct domain *dom, unsigned int round)
{
	struct ef_model *m = ef_model_new();
	struct ef_set *s = new_set(m, prop_types, NF);
	struct ef_box b[NBOX_MAX], copy[NBOX_MAX];
	size_t n = 1 + rnd() % NBOX_MAX;
	uint64_t p[NF];

	for (size_t i = 0; i < n; i++) {
		uint64_t lo[NF], hi[NF];

		for (unsigned int f = 0; f < NF; f++) {
			uint64_t x = rnd() % dom->size[f];
			uint64_t y = rnd() % dom->size[f];

			/* Favour thin boxes: more edges meet. */
			if (rnd() % 3 == 0)
				y = x;
			lo[f] = dom->base[f] + (x < y ? x : y);
			hi[f] = dom->base[f] + (x < y ? y : x);
		}
		make_box(s, &b[i], lo, hi, 1 + rnd() % NROWS);
	}
	memcpy(copy, b, sizeof(b[0]) * n);
	cr_assert_eq(ef_set_add_disjoint(s, b, n, 100000), 0);

	for (size_t i = 0; i < s->nelems; i++) {
		for (unsigned int f = 0; f < NF; f++)
			cr_assert_leq(get(s, f, ef_elem_key(s, i)),
				      get(s, f, ef_elem_key_end(s, i)),
				      "round %u: empty element", round);
		if (i)
			cr_assert_lt(memcmp(ef_elem_key(s, i - 1),
					    ef_elem_key(s, i),
					    ef_set_key_len(s)), 0,
				     "round %u: elements not sorted", round);
	}
	/* Every point of the domain, and one step outside it on each side. */
	for (int64_t i = -1; i <= (int64_t)dom->size[0]; i++)
	for (int64_t j = -1; j <= (int64_t)dom->size[1]; j++)
	for (int64_t k = -1; k <= (int64_t)dom->size[2]; k++) {
		const int64_t off[NF] = { i, j, k };
		bool skip = false;

		for (unsigned int f = 0; f < NF; f++) {
			uint64_t max = (1ull << (8 * ef_type_info(prop_types[f])->len)) - 1;

			if ((off[f] < 0 && dom->base[f] == 0) ||
			    (off[f] >= 0 && dom->base[f] + (uint64_t)off[f] > max)) {
				skip = true;
				break;
			}
			p[f] = dom->base[f] + (uint64_t)off[f];
			if (off[f] < 0)
				p[f] = dom->base[f] - 1;
		}
		if (!skip)
			check_point(s, copy, n, p, round);
	}
	ef_model_free(m);
}

Test(disjoint, random_boxes_property, .timeout = 120)
{
	rng_state = 0x2545f491;
	for (unsigned int round = 0; round < 300; round++)
		check_round(&domains[round % 3], round);
}

/* An element serving many rows: the comment stays within nft's 127 bytes,
 * cut at a row, with the count of rows left out. */
Test(disjoint, rows_comment_is_bounded)
{
	struct ef_set set = { .nfields = 1, .type = { EF_T_PORT } };
	struct ef_box boxes[200];
	const char *text;

	memset(boxes, 0, sizeof(boxes));
	for (unsigned int i = 0; i < 200; i++) {
		boxes[i].key[1] = 80;
		boxes[i].key_end[1] = 80;
		boxes[i].row = i + 1;
	}
	cr_assert_eq(ef_set_add_disjoint(&set, boxes, 200, 10), 0);
	cr_assert_eq(set.nelems, 1);
	text = rows_text(ef_elem_rows(&set, 0));
	cr_assert_leq(strlen(text), 127);
	cr_assert(strncmp(text, "r1,r2,r3,", 9) == 0);
	cr_assert_not_null(strstr(text, ",+"));
	ef_set_release(&set);
}
