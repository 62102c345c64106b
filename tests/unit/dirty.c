// SPDX-License-Identifier: GPL-2.0-or-later
/* What events name: objects, keys, and the fall-back to the whole table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dirty.h"

Test(dirty, objects_and_keys)
{
	struct ef_dirty d = { 0 };
	uint8_t k1[4] = { 10, 0, 0, 1 }, k2[4] = { 10, 0, 0, 2 };

	cr_assert(ef_dirty_empty(&d));
	ef_dirty_key(&d, "g4", k1, sizeof(k1));
	ef_dirty_key(&d, "g4", k2, sizeof(k2));
	ef_dirty_key(&d, "g4", k1, sizeof(k1));	/* deleted, added again */
	ef_dirty_object(&d, true, "input");
	cr_assert(!ef_dirty_empty(&d) && !d.table);
	cr_assert_eq(d.n, 2);
	cr_assert(!d.objs[0].chain && !d.objs[0].whole);
	cr_assert_eq(d.objs[0].nkeys, 2);
	cr_assert(d.objs[1].chain && d.objs[1].whole);
	/* The set itself changed: all of it, keys forgotten. */
	ef_dirty_object(&d, false, "g4");
	cr_assert(d.objs[0].whole && !d.objs[0].nkeys);
	ef_dirty_key(&d, "g4", k1, sizeof(k1));
	cr_assert(d.objs[0].whole && !d.objs[0].nkeys);
	ef_dirty_clear(&d);
	cr_assert(ef_dirty_empty(&d));
}

Test(dirty, past_the_limits)
{
	struct ef_dirty d = { 0 };
	char name[16];

	for (unsigned int i = 0; i <= EF_DIRTY_KEYS; i++)
		ef_dirty_key(&d, "g4", &i, sizeof(i));
	cr_assert(d.objs[0].whole, "more keys than the limit: the set");
	for (int i = 0; i < EF_DIRTY_OBJECTS; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		ef_dirty_object(&d, true, name);
	}
	cr_assert(d.table, "more objects than the limit: the table");
	ef_dirty_key(&d, "g4", name, 4);
	cr_assert(d.table && !d.n);
	ef_dirty_clear(&d);
}

Test(dirty, merge)
{
	struct ef_dirty a = { 0 }, b = { 0 };
	uint8_t k[4] = { 1, 2, 3, 4 };

	ef_dirty_key(&a, "g4", k, sizeof(k));
	ef_dirty_key(&b, "g4", k, sizeof(k));
	ef_dirty_object(&b, true, "output");
	ef_dirty_merge(&a, &b);
	cr_assert_eq(a.n, 2);
	cr_assert_eq(a.objs[0].nkeys, 1);
	ef_dirty_table(&b);
	ef_dirty_merge(&a, &b);
	cr_assert(a.table && !a.n);
	ef_dirty_clear(&a);
	ef_dirty_clear(&b);
}
