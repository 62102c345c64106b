/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diff(desired, live) -> delta: the changes that turn the live table into
 * the desired one, as a list of operations already in the order one batch
 * must carry them (rules that use a set go before the set; elements are
 * deleted before the ones that replace them are added).
 */
#ifndef EDGEFW_DIFF_H
#define EDGEFW_DIFF_H

#include "model.h"

enum ef_op_kind {
	EF_OP_DEL_TABLE,	/* replace it whole: it cannot be taken over */
	EF_OP_ADD_TABLE,	/* live has no table */
	EF_OP_TABLE_FLAGS,	/* take an ownerless table over, or persist it */
	EF_OP_DEL_RULE,		/* chain (live), rule index in it */
	EF_OP_FLUSH_CHAIN,	/* chain (live): all its rules */
	EF_OP_DEL_CHAIN,	/* chain (live) */
	EF_OP_DEL_SET,		/* set (live) */
	EF_OP_SET_POLICY,	/* chain (desired): its policy */
	EF_OP_ADD_SET,		/* set (desired), with all its elements */
	EF_OP_DEL_ELEMS,	/* set (live), elems: indexes into it */
	EF_OP_ADD_ELEMS,	/* set (desired), elems: indexes into it */
	EF_OP_ADD_CHAIN,	/* chain (desired), with all its rules */
	EF_OP_ADD_RULE,		/* chain (desired), rule index; after: see below */
};

struct ef_op {
	enum ef_op_kind kind;
	const struct ef_set *set;
	const struct ef_chain *chain;
	size_t *elems;
	size_t nelems;
	size_t rule;
	/*
	 * EF_OP_ADD_RULE only: insert before this live rule handle; 0 appends
	 * at the end (the order of the ops then keeps the rules' order).
	 */
	uint64_t before;
};

struct ef_delta {
	struct ef_op *ops;
	size_t n, cap;
	uint32_t table_flags;	/* ADD_TABLE, TABLE_FLAGS: the flags to set */
};

/* What a delta sends, counted for people and for tests. */
struct ef_delta_size {
	size_t elems_added, elems_deleted;
	size_t rules_added, rules_deleted;
	size_t objects;		/* tables, sets, chains, policies, flushes */
};

/*
 * Computes the delta; `live` NULL means the table does not exist. Both
 * models' sets must be sorted; the delta points into both, which must
 * outlive it. A runtime set (flags timeout) is made or deleted as any
 * other, but its elements are never added or deleted: they are the
 * daemon's (ef_reconciler_set_elems). 0 or -ENOMEM.
 */
int ef_diff(const struct ef_model *desired, const struct ef_model *live,
	    struct ef_delta *ret);
/*
 * Appends to d what turns the elements of `have` into those of `want`
 * (two sets of one shape, both sorted, one merge walk): the elements only
 * `have` has are deleted, those only `want` has added; an element of one
 * key with other rows is replaced. Elements both have are left alone. 0
 * or -ENOMEM.
 */
int ef_diff_set_elems(const struct ef_set *want, const struct ef_set *have,
		      struct ef_delta *d);
void ef_delta_free(struct ef_delta *d);
bool ef_delta_empty(const struct ef_delta *d);
struct ef_delta_size ef_delta_size(const struct ef_delta *d);
/* Nothing added, deleted or changed: nothing was (or is to be) sent. */
bool ef_delta_size_zero(const struct ef_delta_size *s);

/* The op's kind as a word: "add-elements", "delete-rule", ... */
const char *ef_op_name(const struct ef_op *op);

#endif
