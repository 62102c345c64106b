/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What nftables events said changed in table inet edgefw: which sets,
 * which chains, and for a set whose elements alone changed, which keys.
 * The monitor writes it (one per committed generation), the reconciler
 * keeps what it has not corrected yet and reads only those objects back.
 * Past its limits it says "the table": then everything is read.
 */
#ifndef EDGEFW_DIRTY_H
#define EDGEFW_DIRTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define EF_DIRTY_OBJECTS 16	/* more: the table */
#define EF_DIRTY_KEYS 256	/* elements named in one set; more: the set */

struct ef_dirty_key {
	uint8_t len;
	uint8_t key[EF_KEY_MAX];
};

struct ef_dirty_object {
	bool chain;		/* else a set */
	bool whole;		/* the set itself, or too many of its elements */
	char name[EF_NAME_MAX];
	struct ef_dirty_key *keys;	/* a set's elements (not whole) */
	size_t nkeys, cap;
};

struct ef_dirty {
	bool table;		/* the table, an object we do not read alone,
				 * or more than the limits: read it all */
	struct ef_dirty_object *objs;
	size_t n, cap;
};

bool ef_dirty_empty(const struct ef_dirty *d);
/* The whole table. */
void ef_dirty_table(struct ef_dirty *d);
/* A chain (its rules with it), or a set with all its elements. */
void ef_dirty_object(struct ef_dirty *d, bool chain, const char *name);
/* One element of a set, by the key the event carried. */
void ef_dirty_key(struct ef_dirty *d, const char *set, const void *key,
		  size_t len);
/* Adds what `src` names to `dst`. */
void ef_dirty_merge(struct ef_dirty *dst, const struct ef_dirty *src);
/* Forgets everything (keeps no memory). */
void ef_dirty_clear(struct ef_dirty *d);

#endif
