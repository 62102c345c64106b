// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Row lists and their comments: what the encoder writes, that the parser
 * reads it back as the same list, the cut of a long list, and comments
 * edgefw did not write.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "util.h"

static struct ef_rows *made(const unsigned int *ids, size_t n)
{
	struct ef_rows *r = ef_rows_new(ids, n);

	cr_assert_not_null(r);
	return r;
}

static struct ef_rows *parsed(const char *text)
{
	struct ef_rows *r = NULL;

	cr_assert_eq(ef_rows_parse(text, &r), 0);
	cr_assert_not_null(r);
	return r;
}

static void expect_text(const struct ef_rows *r, const char *want)
{
	char buf[EF_COMMENT_MAX];

	cr_assert_eq(ef_rows_text(r, buf, sizeof(buf)), strlen(want));
	cr_assert_str_eq(buf, want);
}

/* ids -> text -> the same list, not foreign. */
static void round_trip(const unsigned int *ids, size_t n, const char *want)
{
	struct ef_rows *r = made(ids, n), *back;

	expect_text(r, want);
	back = parsed(want);
	cr_assert_not(back->foreign, "%s read back as foreign", want);
	cr_assert(ef_rows_equal(r, back), "%s", want);
	cr_assert(ef_rows_equal(back, r), "%s", want);
	cr_assert_eq(ef_rows_cmp(r, back), 0);
	expect_text(back, want);
	ef_rows_put(back);
	ef_rows_put(r);
}

Test(rows, round_trip)
{
	static const unsigned int one[] = { 8 };
	static const unsigned int two[] = { 5, 31 };
	static const unsigned int guard[] = { EF_ROW_MGMT };
	static const unsigned int guard_and[] = { EF_ROW_MGMT, 4, 12 };
	static const unsigned int top[] = { 1, 4294967295u };

	round_trip(one, 1, "r8");
	round_trip(two, 2, "r5,r31");
	round_trip(guard, 1, "mgmt");
	round_trip(guard_and, 3, "mgmt,r4,r12");
	round_trip(top, 2, "r1,r4294967295");
}

/* The text of before the rows were integers, for the cut: rows joined
 * until one more would pass 115 bytes, then ",+" and how many are left. */
static char *old_text(const unsigned int *ids, size_t n)
{
	struct ef_strbuf sb = { 0 };

	for (size_t i = 0; i < n; i++) {
		size_t before = sb.len;

		if (ids[i] == EF_ROW_MGMT)
			ef_sb_printf(&sb, "%smgmt", i ? "," : "");
		else
			ef_sb_printf(&sb, "%sr%u", i ? "," : "", ids[i]);
		if (sb.len > EF_ROWS_MAX - 12) {
			sb.len = before;
			sb.buf[before] = '\0';
			ef_sb_printf(&sb, ",+%zu", n - i);
			break;
		}
	}
	cr_assert_eq(sb.err, 0);
	return ef_sb_steal(&sb);
}

/* A long list: cut at a row, within nft's 127 bytes, the same text as
 * before, and read back as the same list. */
Test(rows, long_list_is_cut)
{
	unsigned int ids[200];
	struct ef_strbuf want = { 0 };
	struct ef_rows *r, *back;
	char *old;

	for (unsigned int i = 0; i < 200; i++)
		ids[i] = i + 1;
	for (unsigned int i = 1; i <= 31; i++)
		ef_sb_printf(&want, "%sr%u", i > 1 ? "," : "", i);
	ef_sb_printf(&want, ",+169");
	r = made(ids, 200);
	cr_assert_eq(r->n, 31);
	cr_assert_eq(r->cut, 169);
	expect_text(r, want.buf);
	cr_assert_leq(strlen(want.buf), EF_ROWS_MAX);
	back = parsed(want.buf);
	cr_assert_not(back->foreign);
	cr_assert_eq(back->n, 31);
	cr_assert_eq(back->cut, 169);
	cr_assert(ef_rows_equal(r, back));
	ef_rows_put(back);
	ef_rows_put(r);
	ef_sb_free(&want);

	/* Every length around the cut, wide ids and the guard among them,
	 * gives the text of before, and reads back as itself. */
	for (size_t n = 1; n <= 60; n++) {
		for (size_t i = 0; i < n; i++)
			ids[i] = i ? 99990 + (unsigned int)i : EF_ROW_MGMT;
		old = old_text(ids, n);
		r = made(ids, n);
		expect_text(r, old);
		cr_assert_leq(strlen(old), EF_ROWS_MAX);
		back = parsed(old);
		cr_assert_not(back->foreign, "%s", old);
		cr_assert(ef_rows_equal(r, back), "%s", old);
		ef_rows_put(back);
		ef_rows_put(r);
		free(old);
	}
}

/* A cut reads back as the rows named and the count of the others. */
Test(rows, cut_read_back)
{
	struct ef_rows *r = parsed("r1,r2,+3");
	struct ef_rows *other = parsed("r1,r2,+4");

	cr_assert_not(r->foreign);
	cr_assert_eq(r->n, 2);
	cr_assert_eq(r->id[0], 1);
	cr_assert_eq(r->id[1], 2);
	cr_assert_eq(r->cut, 3);
	cr_assert_not(ef_rows_equal(r, other));
	ef_rows_put(other);
	ef_rows_put(r);
}

/* Comments the encoder would not write the same: kept as they are, equal
 * only to the same text, never to a list of ours. */
Test(rows, foreign_comments)
{
	static const char *const foreign[] = {
		"zz", "old", "", "r", "r05", "r0", "r31,r5", "r5,r5",
		"r5,", ",r5", "r5,,r6", "+3", "r5,+0", "r5,+3,r7", "r5,+3,+3",
		"mgmt,mgmt", "r4,mgmt", "mgmtx", "r 5", "r-1", "r+5",
		"r4294967296", "r99999999999999999999", "R5", "r5 ",
		"r5,r31 (web)",
	};
	static const unsigned int five[] = { 5 };
	struct ef_rows *ours = made(five, 1);

	for (size_t i = 0; i < ARRAY_SIZE(foreign); i++) {
		struct ef_rows *r = parsed(foreign[i]);
		struct ef_rows *again = parsed(foreign[i]);

		cr_assert(r->foreign, "\"%s\" read as ours", foreign[i]);
		cr_assert_eq(r->n, 0);
		cr_assert_eq(r->cut, 0);
		expect_text(r, foreign[i]);
		cr_assert(ef_rows_equal(r, again), "%s", foreign[i]);
		cr_assert_not(ef_rows_equal(r, ours), "%s", foreign[i]);
		cr_assert_not(ef_rows_equal(ours, r), "%s", foreign[i]);
		cr_assert_not(ef_rows_equal(r, NULL), "%s", foreign[i]);
		for (size_t j = 0; j < i; j++) {
			struct ef_rows *o = parsed(foreign[j]);

			cr_assert_not(ef_rows_equal(r, o), "%s, %s",
				      foreign[i], foreign[j]);
			ef_rows_put(o);
		}
		ef_rows_put(again);
		ef_rows_put(r);
	}
	ef_rows_put(ours);
}

/* A comment as long as the kernel holds, and longer: kept whole, written
 * cut to the buffer. */
Test(rows, long_foreign_comment)
{
	char text[400], buf[EF_COMMENT_MAX];
	struct ef_rows *r;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	r = parsed(text);
	cr_assert(r->foreign);
	cr_assert_eq(ef_rows_text(r, buf, sizeof(buf)), sizeof(text) - 1);
	cr_assert_eq(strlen(buf), sizeof(buf) - 1);
	cr_assert_eq(strncmp(buf, text, sizeof(buf) - 1), 0);
	ef_rows_put(r);
}

/* The encoder is snprintf: the length of the whole, what fits. */
Test(rows, text_into_small_buffer)
{
	static const unsigned int ids[] = { 5, 31 };
	struct ef_rows *r = made(ids, 2);
	char buf[4] = "???";

	cr_assert_eq(ef_rows_text(r, buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "r5,");
	cr_assert_eq(ef_rows_text(r, buf, 1), 6);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(ef_rows_text(r, NULL, 0), 6);
	ef_rows_put(r);
}

Test(rows, order_and_equality)
{
	static const unsigned int a[] = { 1, 2 }, b[] = { 1, 3 }, c[] = { 1 };
	struct ef_rows *ra = made(a, 2), *rb = made(b, 2), *rc = made(c, 1);
	struct ef_rows *zz = parsed("zz");

	cr_assert(ef_rows_equal(NULL, NULL));
	cr_assert_not(ef_rows_equal(ra, NULL));
	cr_assert_not(ef_rows_equal(NULL, ra));
	cr_assert_lt(ef_rows_cmp(NULL, ra), 0);
	cr_assert_lt(ef_rows_cmp(ra, rb), 0);
	cr_assert_gt(ef_rows_cmp(rb, ra), 0);
	cr_assert_lt(ef_rows_cmp(rc, ra), 0);
	cr_assert_gt(ef_rows_cmp(zz, ra), 0);
	cr_assert_lt(ef_rows_cmp(rc, zz), 0);
	ef_rows_put(zz);
	ef_rows_put(rc);
	ef_rows_put(rb);
	ef_rows_put(ra);
}

/* Shared: each holder drops its own reference; the last one frees it. */
Test(rows, references)
{
	static const unsigned int ids[] = { 7 };
	struct ef_rows *r = made(ids, 1);

	cr_assert_eq(r->refs, 1);
	cr_assert_eq(ef_rows_get(r), r);
	cr_assert_eq(r->refs, 2);
	ef_rows_put(r);
	cr_assert_eq(r->refs, 1);
	expect_text(r, "r7");
	ef_rows_put(r);
	cr_assert_null(ef_rows_get(NULL));
	ef_rows_put(NULL);
}
