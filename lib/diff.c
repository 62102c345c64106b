// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff(desired, live) -> an ordered delta, and the delta's sizes and
 * names. Compares models only: it neither reads nor writes the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"

struct dctx {
	const struct ef_model *desired, *live;
	struct ef_delta *d;
	bool *set_goes;		/* per live set: deleted (maybe re-added) */
	bool *chain_goes;	/* per live chain: deleted (maybe re-added) */
};

static int push(struct ef_delta *d, const struct ef_op *op)
{
	if (ef_grow((void **)&d->ops, &d->cap, d->n + 1, sizeof(*d->ops)))
		return -ENOMEM;
	d->ops[d->n++] = *op;
	return 0;
}

static bool same_shape(const struct ef_set *a, const struct ef_set *b)
{
	return a->nfields && ef_set_same_shape(a, b);
}

static bool same_hook(const struct ef_chain *a, const struct ef_chain *b)
{
	return a->type == b->type && a->hook == b->hook &&
	       a->priority == b->priority && b->policy != EF_V_NONE;
}

/* Does a live rule of `c` look up a set that is going away? */
static bool uses_going_set(const struct dctx *c, const struct ef_chain *ch)
{
	for (size_t i = 0; i < ch->nrules; i++) {
		const struct ef_rule *r = &ch->rules[i];

		for (size_t s = 0; r->set[0] && s < c->live->nsets; s++)
			if (c->set_goes[s] &&
			    (!strcmp(c->live->sets[s].name, r->set) ||
			     !strcmp(c->live->sets[s].name, r->peer_set)))
				return true;
	}
	return false;
}

/* Marks in `in` the rules of `sub` in order; false if sub is not a
 * subsequence of big. */
static bool subsequence(const struct ef_chain *sub, const struct ef_chain *big,
			size_t *match)
{
	size_t j = 0;

	for (size_t i = 0; i < sub->nrules; i++) {
		while (j < big->nrules &&
		       !ef_rule_equal(&sub->rules[i], &big->rules[j]))
			j++;
		if (j == big->nrules)
			return false;
		match[i] = j++;
	}
	return true;
}

/*
 * The smallest change the chain allows: delete extra live rules, or add
 * the missing desired ones in place; anything else replaces all rules.
 * Removals go to `del` now; additions are pushed later (`add`).
 */
static int rule_changes(struct dctx *c, const struct ef_chain *want,
			const struct ef_chain *have, struct ef_delta *add)
{
	size_t n = want->nrules > have->nrules ? want->nrules : have->nrules;
	size_t *match = calloc(n + 1, sizeof(*match));
	struct ef_op op = { 0 };
	int err = 0;

	if (!match)
		return -ENOMEM;
	if (uses_going_set(c, have)) {
		/* fall through to replacing every rule */
	} else if (subsequence(want, have, match)) {
		/* Extra rules in the live chain: delete them by handle. */
		size_t k = 0;

		for (size_t j = 0; j < have->nrules && !err; j++) {
			if (k < want->nrules && match[k] == j) {
				k++;
				continue;
			}
			op = (struct ef_op){ .kind = EF_OP_DEL_RULE,
					     .chain = have, .rule = j };
			err = push(c->d, &op);
		}
		goto out;
	} else if (subsequence(have, want, match)) {
		/* Rules missing: insert each before the next live rule that
		 * stays, or append at the end; in order, so order holds. */
		size_t k = 0;

		for (size_t i = 0; i < want->nrules && !err; i++) {
			if (k < have->nrules && match[k] == i) {
				k++;
				continue;
			}
			op = (struct ef_op){ .kind = EF_OP_ADD_RULE,
					     .chain = want, .rule = i };
			if (k < have->nrules)
				op.before = have->rules[k].handle;
			err = push(add, &op);
		}
		goto out;
	}
	op = (struct ef_op){ .kind = EF_OP_FLUSH_CHAIN, .chain = have };
	err = push(c->d, &op);
	for (size_t i = 0; i < want->nrules && !err; i++) {
		op = (struct ef_op){ .kind = EF_OP_ADD_RULE, .chain = want,
				     .rule = i };
		err = push(add, &op);
	}
out:
	free(match);
	return err;
}

static int add_index(size_t **v, size_t *n, size_t *cap, size_t idx)
{
	if (ef_grow((void **)v, cap, *n + 1, sizeof(**v)))
		return -ENOMEM;
	(*v)[(*n)++] = idx;
	return 0;
}

int ef_diff_set_elems(const struct ef_set *want, const struct ef_set *have,
		      struct ef_delta *d)
{
	struct ef_op del = { .kind = EF_OP_DEL_ELEMS, .set = have };
	struct ef_op add = { .kind = EF_OP_ADD_ELEMS, .set = want };
	size_t i = 0, j = 0, del_cap = 0, add_cap = 0;
	int err = 0;

	/* One array in both: a model compared with a view of itself
	 * (reconcile.c), a million elements not walked. */
	if (ef_set_shares_elems(want, have))
		return 0;

	while (!err && (i < want->nelems || j < have->nelems)) {
		int r = i == want->nelems ? 1 :
			j == have->nelems ? -1 :
			ef_elem_cmp(want, i, have, j);

		if (r < 0) {
			err = add_index(&add.elems, &add.nelems, &add_cap, i++);
		} else if (r > 0) {
			err = add_index(&del.elems, &del.nelems, &del_cap, j++);
		} else {
			/* Same key, other rows or data: the element is
			 * replaced (a map's data cannot be changed in
			 * place). */
			if (!ef_rows_equal(ef_elem_rows(want, i),
					   ef_elem_rows(have, j)) ||
			    memcmp(ef_elem_data(want, i), ef_elem_data(have, j),
				   ef_set_data_len(want)))
				err = add_index(&del.elems, &del.nelems,
						&del_cap, j) ?:
				      add_index(&add.elems, &add.nelems,
						&add_cap, i);
			i++;
			j++;
		}
	}
	if (!err && del.nelems)
		err = push(d, &del);
	else
		free(del.elems);
	if (!err && add.nelems)
		err = push(d, &add);
	else
		free(add.elems);
	return err;
}

static size_t set_index(const struct ef_model *m, const struct ef_set *s)
{
	return (size_t)(s - m->sets);
}

static int diff_live(struct dctx *c)
{
	const struct ef_model *want = c->desired, *have = c->live;
	struct ef_delta add_rules = { 0 };
	struct ef_op op;
	int err = 0;

	/* Which live sets and chains go (gone from desired, or reshaped). */
	for (size_t s = 0; s < have->nsets; s++) {
		const struct ef_set *w = ef_model_find_set(want, have->sets[s].name);

		c->set_goes[s] = !w || !same_shape(w, &have->sets[s]);
	}
	for (size_t k = 0; k < have->nchains; k++) {
		const struct ef_chain *w =
			ef_model_find_chain(want, have->chains[k].name);

		c->chain_goes[k] = !w || !same_hook(w, &have->chains[k]);
	}
	/* 1. Rules and chains leave first: they may use sets that go. */
	for (size_t k = 0; k < have->nchains && !err; k++) {
		const struct ef_chain *h = &have->chains[k];
		const struct ef_chain *w = ef_model_find_chain(want, h->name);

		if (c->chain_goes[k]) {
			op = (struct ef_op){ .kind = EF_OP_DEL_CHAIN, .chain = h };
			err = push(c->d, &op);
		} else if (!ef_chain_equal(w, h) || uses_going_set(c, h)) {
			bool rules_same = w->nrules == h->nrules &&
					  !uses_going_set(c, h);

			for (size_t i = 0; rules_same && i < w->nrules; i++)
				rules_same = ef_rule_equal(&w->rules[i],
							   &h->rules[i]);
			if (!rules_same)
				err = rule_changes(c, w, h, &add_rules);
		}
	}
	/* 2. Sets that go. */
	for (size_t s = 0; s < have->nsets && !err; s++) {
		if (!c->set_goes[s])
			continue;
		op = (struct ef_op){ .kind = EF_OP_DEL_SET, .set = &have->sets[s] };
		err = push(c->d, &op);
	}
	/* 3. Policies of chains that stay. */
	for (size_t k = 0; k < have->nchains && !err; k++) {
		const struct ef_chain *w =
			ef_model_find_chain(want, have->chains[k].name);

		if (c->chain_goes[k] || w->policy == have->chains[k].policy)
			continue;
		op = (struct ef_op){ .kind = EF_OP_SET_POLICY, .chain = w };
		err = push(c->d, &op);
	}
	/* 4. Sets that come, and the elements of sets that stay. */
	for (size_t s = 0; s < want->nsets && !err; s++) {
		const struct ef_set *w = &want->sets[s];
		const struct ef_set *h = ef_model_find_set(have, w->name);

		if (!h || c->set_goes[set_index(have, h)]) {
			op = (struct ef_op){ .kind = EF_OP_ADD_SET, .set = w };
			err = push(c->d, &op);
		} else if (!w->timeout) {
			/* A runtime set's elements are the daemon's. */
			err = ef_diff_set_elems(w, h, c->d);
		}
	}
	/* 5. Chains that come, then rules, in order. */
	for (size_t k = 0; k < want->nchains && !err; k++) {
		const struct ef_chain *w = &want->chains[k];
		const struct ef_chain *h = ef_model_find_chain(have, w->name);

		if (h && !c->chain_goes[(size_t)(h - have->chains)])
			continue;
		op = (struct ef_op){ .kind = EF_OP_ADD_CHAIN, .chain = w };
		err = push(c->d, &op);
	}
	for (size_t i = 0; i < add_rules.n && !err; i++)
		err = push(c->d, &add_rules.ops[i]);
	free(add_rules.ops);
	return err;
}

int ef_diff(const struct ef_model *desired, const struct ef_model *live,
	    struct ef_delta *ret)
{
	struct dctx c = { .desired = desired, .live = live, .d = ret };
	struct ef_op op = { .kind = EF_OP_ADD_TABLE };
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	ret->table_flags = desired->table_flags;
	if (live && (desired->table_flags & ~live->table_flags)) {
		/*
		 * Only an ownerless persistent table can be taken over; one
		 * that never had an owner is replaced whole, in the batch.
		 */
		if (live->table_flags & EF_TABLE_F_PERSIST) {
			op.kind = EF_OP_TABLE_FLAGS;
			err = push(ret, &op);
		} else {
			op.kind = EF_OP_DEL_TABLE;
			err = push(ret, &op);
			live = NULL;
		}
	}
	op.kind = EF_OP_ADD_TABLE;
	if (err) {
		/* nothing */
	} else if (!live) {
		err = push(ret, &op);
		for (size_t s = 0; s < desired->nsets && !err; s++) {
			op = (struct ef_op){ .kind = EF_OP_ADD_SET,
					     .set = &desired->sets[s] };
			err = push(ret, &op);
		}
		for (size_t k = 0; k < desired->nchains && !err; k++) {
			op = (struct ef_op){ .kind = EF_OP_ADD_CHAIN,
					     .chain = &desired->chains[k] };
			err = push(ret, &op);
		}
	} else {
		c.set_goes = calloc(live->nsets + 1, sizeof(bool));
		c.chain_goes = calloc(live->nchains + 1, sizeof(bool));
		err = c.set_goes && c.chain_goes ? diff_live(&c) : -ENOMEM;
		free(c.set_goes);
		free(c.chain_goes);
	}
	if (err)
		ef_delta_free(ret);
	return err;
}

void ef_delta_free(struct ef_delta *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->ops[i].elems);
	free(d->ops);
	memset(d, 0, sizeof(*d));
}

bool ef_delta_empty(const struct ef_delta *d)
{
	return d->n == 0;
}

struct ef_delta_size ef_delta_size(const struct ef_delta *d)
{
	struct ef_delta_size s = { 0 };

	for (size_t i = 0; i < d->n; i++) {
		const struct ef_op *op = &d->ops[i];

		switch (op->kind) {
		case EF_OP_ADD_ELEMS:
			s.elems_added += op->nelems;
			break;
		case EF_OP_DEL_ELEMS:
			s.elems_deleted += op->nelems;
			break;
		case EF_OP_ADD_RULE:
			s.rules_added++;
			break;
		case EF_OP_DEL_RULE:
			s.rules_deleted++;
			break;
		case EF_OP_ADD_SET:
			s.objects++;
			s.elems_added += op->set->nelems;
			break;
		case EF_OP_ADD_CHAIN:
			s.objects++;
			s.rules_added += op->chain->nrules;
			break;
		default:
			s.objects++;
		}
	}
	return s;
}

bool ef_delta_size_zero(const struct ef_delta_size *s)
{
	return !s->elems_added && !s->elems_deleted && !s->rules_added &&
	       !s->rules_deleted && !s->objects;
}

const char *ef_op_name(const struct ef_op *op)
{
	static const char *const names[] = {
		[EF_OP_DEL_TABLE] = "delete-table",
		[EF_OP_ADD_TABLE] = "add-table",
		[EF_OP_TABLE_FLAGS] = "table-flags",
		[EF_OP_DEL_RULE] = "delete-rule",
		[EF_OP_FLUSH_CHAIN] = "flush-chain",
		[EF_OP_DEL_CHAIN] = "delete-chain",
		[EF_OP_DEL_SET] = "delete-set",
		[EF_OP_SET_POLICY] = "set-policy",
		[EF_OP_ADD_SET] = "add-set",
		[EF_OP_DEL_ELEMS] = "delete-elements",
		[EF_OP_ADD_ELEMS] = "add-elements",
		[EF_OP_ADD_CHAIN] = "add-chain",
		[EF_OP_ADD_RULE] = "add-rule",
	};

	return names[op->kind];
}
