/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turns overlapping boxes (one per policy row and address) into disjoint set
 * elements. The kernel refuses an interval element whose start or end falls
 * inside another one, and which element a packet hits should not depend on
 * insertion order: so every element covers a piece of key space that is
 * served by the same rows, and lists them all.
 */
#ifndef EDGEFW_DISJOINT_H
#define EDGEFW_DISJOINT_H

#include "model.h"
#include "rows.h"

struct ef_box {
	uint8_t key[EF_KEY_MAX];
	uint8_t key_end[EF_KEY_MAX];
	unsigned int row;
};

/*
 * Adds the disjoint elements covering `boxes` to `set`. Fails with -E2BIG
 * when the set would hold more than `max` elements. Reorders `boxes`.
 */
int ef_set_add_disjoint(struct ef_set *set, struct ef_box *boxes, size_t n,
			size_t max);

#endif
