// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff(desired, live) -> delta: which operations, pointing where, in which
 * order; their size, their text and their JSON. The randomized test applies
 * each delta to a copy of the live model, refusing what the kernel would
 * refuse, and wants the desired model back.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "helpers.h"
#include "json.h"
#include "model.h"
#include "nft_emit.h"
#include "util.h"

#define POLICY "../../policies/edge-single-public.policy"
#define SITE "../../policies/examples/edge-single-public.site"
#define FOREIGN_TEXT "meta mark 0x1 accept"

/* ------------------------------------------------------------------ */
/* Models: the compiled one, deep copies, and small edits on them.     */

static struct ef_model *compile_edge(void)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	int err = compile_files(POLICY, SITE, NULL, &d, &m);
	char *text = ef_diags_format(&d);

	cr_assert_eq(err, 0, "compile: %d\n%s", err, text);
	cr_assert_not_null(m);
	free(text);
	ef_diags_free(&d);
	return m;
}

static void copy_set_into(struct ef_model *dst, const struct ef_set *s)
{
	struct ef_set *n = ef_model_add_set_like(dst, s);

	cr_assert_not_null(n, "copy of set %s", s->name);
	for (size_t i = 0; i < s->nelems; i++) {
		cr_assert_eq(ef_set_copy_elem(n, s, i), 0);
		cr_assert_eq(ef_elem_set_counts(n, i, ef_elem_packets(s, i),
						ef_elem_bytes(s, i)), 0);
		cr_assert_eq(ef_elem_set_times(n, i, ef_elem_timeout(s, i),
					       ef_elem_expires(s, i)), 0);
	}
}

/* Inserts a copy of *src (foreign text too) at `pos`; src may be in c. */
static struct ef_rule *insert_rule(struct ef_chain *c, size_t pos,
				   const struct ef_rule *src)
{
	struct ef_rule copy = *src;

	cr_assert_leq(pos, c->nrules);
	if (src->foreign) {
		copy.foreign = strdup(src->foreign);
		cr_assert_not_null(copy.foreign);
	}
	cr_assert_not_null(ef_chain_add_rule(c));
	memmove(&c->rules[pos + 1], &c->rules[pos],
		(c->nrules - 1 - pos) * sizeof(c->rules[0]));
	c->rules[pos] = copy;
	return &c->rules[pos];
}

static struct ef_chain *copy_chain_into(struct ef_model *dst,
					const struct ef_chain *c)
{
	struct ef_chain *n = ef_model_add_chain(dst, c->name, c->hook,
						c->priority, c->policy);

	cr_assert_not_null(n, "copy of chain %s", c->name);
	n->type = c->type;
	for (size_t i = 0; i < c->nrules; i++)
		insert_rule(n, n->nrules, &c->rules[i]);
	return n;
}

/* A deep copy, as the reader would give it back: no rows texts. */
static struct ef_model *model_copy(const struct ef_model *m)
{
	struct ef_model *n = ef_model_new();

	cr_assert_not_null(n);
	n->table_flags = m->table_flags;
	for (size_t i = 0; i < m->nsets; i++)
		copy_set_into(n, &m->sets[i]);
	for (size_t i = 0; i < m->nchains; i++)
		copy_chain_into(n, &m->chains[i]);
	return n;
}

/* Handles as the kernel would give them: 100, 101, ... in each chain. */
static void number_rules(struct ef_model *m)
{
	for (size_t k = 0; k < m->nchains; k++)
		for (size_t i = 0; i < m->chains[k].nrules; i++)
			m->chains[k].rules[i].handle = 100 + i;
}

static void sort_sets(struct ef_model *m)
{
	for (size_t i = 0; i < m->nsets; i++)
		ef_set_sort(&m->sets[i]);
}

static void remove_rule(struct ef_chain *c, size_t i)
{
	cr_assert_lt(i, c->nrules);
	free(c->rules[i].foreign);
	memmove(&c->rules[i], &c->rules[i + 1],
		(c->nrules - i - 1) * sizeof(c->rules[0]));
	c->nrules--;
}

static void remove_elem(struct ef_set *s, size_t i)
{
	cr_assert_lt(i, s->nelems);
	ef_set_remove_elem(s, i);
}

static void remove_set(struct ef_model *m, size_t i)
{
	struct ef_set *s = &m->sets[i];

	cr_assert_lt(i, m->nsets);
	ef_set_release(s);
	memmove(&m->sets[i], &m->sets[i + 1],
		(m->nsets - i - 1) * sizeof(m->sets[0]));
	m->nsets--;
}

static void remove_chain(struct ef_model *m, size_t i)
{
	struct ef_chain *c = &m->chains[i];

	cr_assert_lt(i, m->nchains);
	for (size_t j = 0; j < c->nrules; j++)
		free(c->rules[j].foreign);
	free(c->rules);
	memmove(&m->chains[i], &m->chains[i + 1],
		(m->nchains - i - 1) * sizeof(m->chains[0]));
	m->nchains--;
}

static void set_rows(struct ef_set *s, size_t i, const char *rows)
{
	struct ef_rows *r = rows_of(rows);

	cr_assert_eq(ef_elem_set_rows(s, i, r), 0);
	ef_rows_put(r);
}

static struct ef_set *get_set(const struct ef_model *m, const char *name)
{
	struct ef_set *s = ef_model_find_set(m, name);

	cr_assert_not_null(s, "no set %s", name);
	return s;
}

static struct ef_chain *get_chain(const struct ef_model *m, const char *name)
{
	struct ef_chain *c = ef_model_find_chain(m, name);

	cr_assert_not_null(c, "no chain %s", name);
	return c;
}

static size_t elem_index(const struct ef_set *s, const char *key)
{
	long i = find_elem(s, key);

	cr_assert_geq(i, 0, "set %s has no element %s", s->name, key);
	return (size_t)i;
}

/* A set nobody looks up, with one element: 192.0.2.<host> . tcp . 22 */
static void add_lonely_set(struct ef_model *m, const char *name, uint8_t host)
{
	static const enum ef_type t[] = { EF_T_IPV4, EF_T_PROTO, EF_T_PORT };
	uint8_t key[EF_KEY_MAX] = { 192, 0, 2, host, 6, 0, 0, 0, 0, 22 };
	struct ef_set *s = ef_model_add_set(m, name, t, 3, true);

	cr_assert_not_null(s);
	cr_assert_eq(add_elem_rows(s, key, key, "x1"), 0);
}

static struct ef_rule foreign_rule(void)
{
	return (struct ef_rule){ .foreign = (char *)FOREIGN_TEXT };
}

/* ------------------------------------------------------------------ */
/* The delta: text, diffing, and checks every delta must pass.         */

static char *delta_text(const struct ef_delta *d)
{
	struct ef_strbuf sb = { 0 };

	ef_emit_delta(&sb, d);
	return ef_sb_steal(&sb);
}

static void diff_ok(const struct ef_model *want, const struct ef_model *have,
		    struct ef_delta *d)
{
	cr_assert_eq(ef_diff(want, have, d), 0);
}

static bool set_in(const struct ef_model *m, const struct ef_set *s)
{
	uintptr_t p = (uintptr_t)s, lo = m ? (uintptr_t)m->sets : 0;

	return m && s && p >= lo && p < lo + m->nsets * sizeof(*s) &&
	       (p - lo) % sizeof(*s) == 0;
}

static bool chain_in(const struct ef_model *m, const struct ef_chain *c)
{
	uintptr_t p = (uintptr_t)c, lo = m ? (uintptr_t)m->chains : 0;

	return m && c && p >= lo && p < lo + m->nchains * sizeof(*c) &&
	       (p - lo) % sizeof(*c) == 0;
}

static bool op_deletes(enum ef_op_kind k)
{
	return k == EF_OP_DEL_RULE || k == EF_OP_FLUSH_CHAIN ||
	       k == EF_OP_DEL_CHAIN || k == EF_OP_DEL_SET ||
	       k == EF_OP_DEL_ELEMS;
}

static bool op_adds(enum ef_op_kind k)
{
	return k == EF_OP_ADD_SET || k == EF_OP_ADD_CHAIN ||
	       k == EF_OP_ADD_ELEMS || k == EF_OP_ADD_RULE;
}

static bool op_on_set(enum ef_op_kind k)
{
	return k == EF_OP_DEL_SET || k == EF_OP_ADD_SET ||
	       k == EF_OP_DEL_ELEMS || k == EF_OP_ADD_ELEMS;
}

static bool op_on_table(enum ef_op_kind k)
{
	return k == EF_OP_DEL_TABLE || k == EF_OP_ADD_TABLE ||
	       k == EF_OP_TABLE_FLAGS;
}

static const char *op_object(const struct ef_op *op)
{
	if (op_on_table(op->kind))
		return EF_TABLE;
	return op_on_set(op->kind) ? op->set->name : op->chain->name;
}

/*
 * What every delta must be: table ops first; ops point into the model
 * they are about (deletions into live, additions into desired), with
 * indexes in range; nothing is deleted after something of the same name
 * was added.
 */
static void check_delta(const struct ef_model *want,
			const struct ef_model *have, const struct ef_delta *d,
			const char *ctx)
{
	cr_assert_eq(d->table_flags, want->table_flags, "%s", ctx);
	for (size_t i = 0; i < d->n; i++) {
		const struct ef_op *op = &d->ops[i];

		switch (op->kind) {
		case EF_OP_DEL_TABLE:
			cr_assert(have && i == 0, "op %zu: delete-table\n%s", i,
				  ctx);
			have = NULL;	/* what follows builds it anew */
			break;
		case EF_OP_TABLE_FLAGS:
			cr_assert(have && i == 0, "op %zu: table-flags\n%s", i,
				  ctx);
			break;
		case EF_OP_ADD_TABLE:
			cr_assert(!have && (i == 0 || (i == 1 &&
				  d->ops[0].kind == EF_OP_DEL_TABLE)),
				  "op %zu: add-table\n%s", i, ctx);
			break;
		case EF_OP_DEL_RULE:
		case EF_OP_FLUSH_CHAIN:
		case EF_OP_DEL_CHAIN:
			cr_assert(chain_in(have, op->chain),
				  "op %zu (%s): chain not a live one\n%s", i,
				  ef_op_name(op), ctx);
			cr_assert(op->kind != EF_OP_DEL_RULE ||
				  op->rule < op->chain->nrules,
				  "op %zu: rule %zu\n%s", i, op->rule, ctx);
			break;
		case EF_OP_SET_POLICY:
		case EF_OP_ADD_CHAIN:
		case EF_OP_ADD_RULE:
			cr_assert(chain_in(want, op->chain),
				  "op %zu (%s): chain not a desired one\n%s", i,
				  ef_op_name(op), ctx);
			cr_assert(op->kind != EF_OP_ADD_RULE ||
				  op->rule < op->chain->nrules,
				  "op %zu: rule %zu\n%s", i, op->rule, ctx);
			break;
		case EF_OP_DEL_SET:
		case EF_OP_DEL_ELEMS:
			cr_assert(set_in(have, op->set),
				  "op %zu (%s): set not a live one\n%s", i,
				  ef_op_name(op), ctx);
			break;
		case EF_OP_ADD_SET:
		case EF_OP_ADD_ELEMS:
			cr_assert(set_in(want, op->set),
				  "op %zu (%s): set not a desired one\n%s", i,
				  ef_op_name(op), ctx);
			break;
		}
		if (op->kind == EF_OP_DEL_ELEMS || op->kind == EF_OP_ADD_ELEMS) {
			cr_assert_gt(op->nelems, 0, "op %zu: no elements\n%s", i,
				     ctx);
			for (size_t e = 0; e < op->nelems; e++) {
				cr_assert_lt(op->elems[e], op->set->nelems,
					     "op %zu\n%s", i, ctx);
				cr_assert(!e || op->elems[e] > op->elems[e - 1],
					  "op %zu: indexes not increasing\n%s",
					  i, ctx);
			}
		}
		if (!op_deletes(op->kind))
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct ef_op *prev = &d->ops[j];

			if (op_adds(prev->kind) &&
			    op_on_set(prev->kind) == op_on_set(op->kind) &&
			    !strcmp(op_object(prev), op_object(op)))
				cr_assert_fail("op %zu (%s %s) comes after op %zu (%s)\n%s",
					       i, ef_op_name(op), op_object(op), j,
					       ef_op_name(prev), ctx);
		}
	}
}

/* ------------------------------------------------------------------ */
/* An in-memory kernel: applies a delta, refusing what nf_tables would. */

struct applier {
	struct ef_model *m;	/* NULL: no table */
	uint32_t table_flags;	/* the delta's */
	uint64_t handle;	/* next handle for added rules */
	const char *ctx;
	size_t at;		/* index of the op being applied */
};

/* Element i of s and b overlap. */
static bool elems_overlap(const struct ef_set *s, size_t i,
			  const struct elem_keys *b)
{
	struct elem_keys a = keys_of(s, i);

	for (unsigned int f = 0; f < s->nfields; f++) {
		size_t off = ef_field_offset(s, f);
		size_t len = ef_type_info(s->type[f])->reg_len;

		if (memcmp(a.key + off, b->key_end + off, len) > 0 ||
		    memcmp(b->key + off, a.key_end + off, len) > 0)
			return false;
	}
	return true;
}

static bool same_set_shape(const struct ef_set *a, const struct ef_set *b)
{
	return a->nfields == b->nfields && a->counter == b->counter &&
	       a->hashed == b->hashed && a->size == b->size &&
	       a->map == b->map && a->data == b->data &&
	       !memcmp(a->type, b->type, a->nfields * sizeof(a->type[0]));
}

static struct ef_set *ap_set(struct applier *a, const char *name)
{
	struct ef_set *s = ef_model_find_set(a->m, name);

	cr_assert_not_null(s, "op %zu: no set %s (ENOENT)\n%s", a->at, name,
			   a->ctx);
	return s;
}

static struct ef_chain *ap_chain(struct applier *a, const char *name)
{
	struct ef_chain *c = ef_model_find_chain(a->m, name);

	cr_assert_not_null(c, "op %zu: no chain %s (ENOENT)\n%s", a->at, name,
			   a->ctx);
	return c;
}

static size_t ap_rule_at(struct applier *a, const struct ef_chain *c,
			 uint64_t handle)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (c->rules[i].handle == handle)
			return i;
	cr_assert_fail("op %zu: chain %s has no rule with handle %llu (ENOENT)\n%s",
		       a->at, c->name, (unsigned long long)handle, a->ctx);
	return 0;
}

/* A lookup needs its set, with the key types the rule builds; so does
 * the lookup of a peer group's addresses in front of it. */
static void ap_check_lookup(struct applier *a, const struct ef_rule *r)
{
	enum ef_type t[EF_FIELDS_MAX];
	const struct ef_set *s;

	if (!r->set[0]) {
		cr_assert_eq(r->peer_set[0], '\0',
			     "op %zu: a peer lookup without a lookup\n%s", a->at,
			     a->ctx);
		return;
	}
	if (r->peer_set[0]) {
		s = ap_set(a, r->peer_set);
		cr_assert_eq(s->nfields, 1, "op %zu: peer lookup of %s\n%s",
			     a->at, r->peer_set, a->ctx);
		cr_assert_eq(ef_field_info(r->peer_key)->type, s->type[0],
			     "op %zu: peer lookup of %s with another key type\n%s",
			     a->at, r->peer_set, a->ctx);
	}
	s = ap_set(a, r->set);
	cr_assert_eq(r->nkeys, s->nfields, "op %zu: lookup of %s\n%s", a->at,
		     r->set, a->ctx);
	cr_assert_eq(!r->nat, !s->map, "op %zu: NAT needs a map: %s\n%s",
		     a->at, r->set, a->ctx);
	ef_fields_types(r->key, r->nkeys, t);
	cr_assert(!memcmp(t, s->type, r->nkeys * sizeof(t[0])),
		  "op %zu: lookup of %s with other key types\n%s", a->at,
		  r->set, a->ctx);
}

static void ap_add_rule(struct applier *a, struct ef_chain *c, size_t pos,
			const struct ef_rule *src)
{
	ap_check_lookup(a, src);
	insert_rule(c, pos, src)->handle = a->handle++;
}

static void apply_op(struct applier *a, const struct ef_op *op)
{
	struct ef_chain *c;
	struct ef_set *s;
	size_t pos;

	if (op->kind == EF_OP_ADD_TABLE) {
		cr_assert_null(a->m, "op %zu: table exists (EEXIST)\n%s", a->at,
			       a->ctx);
		a->m = ef_model_new();
		cr_assert_not_null(a->m);
		a->m->table_flags = a->table_flags;
		return;
	}
	cr_assert_not_null(a->m, "op %zu: no table (ENOENT)\n%s", a->at, a->ctx);
	switch (op->kind) {
	case EF_OP_ADD_TABLE:
		break;
	case EF_OP_DEL_TABLE:
		ef_model_free(a->m);
		a->m = NULL;
		break;
	case EF_OP_TABLE_FLAGS:
		/* The kernel takes an ownerless table over only if persist. */
		cr_assert(a->m->table_flags & EF_TABLE_F_PERSIST,
			  "op %zu: table-flags on a table never owned (EPERM)\n%s",
			  a->at, a->ctx);
		a->m->table_flags = a->table_flags;
		break;
	case EF_OP_DEL_RULE:
		c = ap_chain(a, op->chain->name);
		remove_rule(c, ap_rule_at(a, c, op->chain->rules[op->rule].handle));
		break;
	case EF_OP_FLUSH_CHAIN:
		c = ap_chain(a, op->chain->name);
		while (c->nrules)
			remove_rule(c, c->nrules - 1);
		break;
	case EF_OP_DEL_CHAIN:
		c = ap_chain(a, op->chain->name);
		remove_chain(a->m, (size_t)(c - a->m->chains));
		break;
	case EF_OP_DEL_SET:
		s = ap_set(a, op->set->name);
		for (size_t k = 0; k < a->m->nchains; k++)
			for (size_t i = 0; i < a->m->chains[k].nrules; i++) {
				const struct ef_rule *r = &a->m->chains[k].rules[i];

				cr_assert(strcmp(r->set, s->name) &&
					  strcmp(r->peer_set, s->name),
					  "op %zu: set %s still used by chain %s rule %zu (EBUSY)\n%s",
					  a->at, s->name, a->m->chains[k].name,
					  i, a->ctx);
			}
		remove_set(a->m, (size_t)(s - a->m->sets));
		break;
	case EF_OP_SET_POLICY:
		c = ap_chain(a, op->chain->name);
		cr_assert(c->hook == op->chain->hook &&
			  c->priority == op->chain->priority,
			  "op %zu: policy of chain %s with another hook\n%s",
			  a->at, c->name, a->ctx);
		c->policy = op->chain->policy;
		break;
	case EF_OP_ADD_SET:
		cr_assert_null(ef_model_find_set(a->m, op->set->name),
			       "op %zu: set %s exists (EEXIST)\n%s", a->at,
			       op->set->name, a->ctx);
		copy_set_into(a->m, op->set);
		break;
	case EF_OP_DEL_ELEMS:
		s = ap_set(a, op->set->name);
		for (size_t i = 0; i < op->nelems; i++) {
			for (pos = 0; pos < s->nelems; pos++)
				if (!ef_elem_cmp(s, pos, op->set, op->elems[i]))
					break;
			cr_assert_lt(pos, s->nelems,
				     "op %zu: set %s has no element %zu (ENOENT)\n%s",
				     a->at, s->name, op->elems[i], a->ctx);
			remove_elem(s, pos);
		}
		break;
	case EF_OP_ADD_ELEMS:
		s = ap_set(a, op->set->name);
		cr_assert(same_set_shape(s, op->set),
			  "op %zu: elements for another shape of set %s\n%s",
			  a->at, s->name, a->ctx);
		for (size_t i = 0; i < op->nelems; i++) {
			struct elem_keys e = keys_of(op->set, op->elems[i]);

			for (size_t j = 0; j < s->nelems; j++)
				cr_assert_not(elems_overlap(s, j, &e),
					      "op %zu: set %s element %zu overlaps one there (EEXIST)\n%s",
					      a->at, s->name, op->elems[i], a->ctx);
			cr_assert_eq(ef_set_copy_elem(s, op->set,
						      op->elems[i]), 0);
		}
		ef_set_sort(s);
		break;
	case EF_OP_ADD_CHAIN:
		cr_assert_null(ef_model_find_chain(a->m, op->chain->name),
			       "op %zu: chain %s exists (EEXIST)\n%s", a->at,
			       op->chain->name, a->ctx);
		c = ef_model_add_chain(a->m, op->chain->name, op->chain->hook,
				       op->chain->priority, op->chain->policy);
		cr_assert_not_null(c);
		c->type = op->chain->type;
		for (size_t i = 0; i < op->chain->nrules; i++)
			ap_add_rule(a, c, c->nrules, &op->chain->rules[i]);
		break;
	case EF_OP_ADD_RULE:
		c = ap_chain(a, op->chain->name);
		if (op->before)
			pos = ap_rule_at(a, c, op->before);
		else
			pos = c->nrules;
		ap_add_rule(a, c, pos, &op->chain->rules[op->rule]);
		break;
	}
}

/* The live model after the delta; live NULL: no table to start from. */
static struct ef_model *apply_delta(const struct ef_model *have,
				    const struct ef_delta *d, const char *ctx)
{
	struct applier a = { .handle = 1000000, .ctx = ctx,
			     .table_flags = d->table_flags };

	if (have)
		a.m = model_copy(have);
	for (a.at = 0; a.at < d->n; a.at++)
		apply_op(&a, &d->ops[a.at]);
	cr_assert_not_null(a.m, "no table after the delta\n%s", ctx);
	sort_sets(a.m);
	return a.m;
}

static char *model_text(const struct ef_model *m)
{
	struct ef_strbuf sb = { 0 };

	ef_emit_nft(&sb, m, 0);
	return ef_sb_steal(&sb);
}

/* Checks the delta, applies it, wants `want` back and nothing left to do. */
static void assert_delta_applies(const struct ef_model *want,
				 const struct ef_model *have,
				 const struct ef_delta *d, const char *ctx)
{
	struct ef_model *got;
	struct ef_delta again;

	check_delta(want, have, d, ctx);
	got = apply_delta(have, d, ctx);
	if (!ef_model_equal(got, want)) {
		char *text = model_text(got);

		cr_assert_fail("live + delta differs from desired:\n%s\n%s",
			       text, ctx);
	}
	cr_assert_eq(got->table_flags & want->table_flags, want->table_flags,
		     "table flags %#x, desired %#x\n%s", got->table_flags,
		     want->table_flags, ctx);
	diff_ok(want, got, &again);
	cr_assert(ef_delta_empty(&again), "a second diff is not empty\n%s", ctx);
	ef_delta_free(&again);
	ef_model_free(got);
}

/* For messages: the delta's text. */
static char *ctx_of(const struct ef_delta *d)
{
	char *text = delta_text(d), *ctx = NULL;

	cr_assert_neq(asprintf(&ctx, "delta:\n%s", text), -1);
	free(text);
	return ctx;
}

/* Diffs, checks the delta applies, and returns it (free it). */
static void diff_checked(const struct ef_model *want,
			 const struct ef_model *have, struct ef_delta *d)
{
	char *ctx;

	diff_ok(want, have, d);
	ctx = ctx_of(d);
	assert_delta_applies(want, have, d, ctx);
	free(ctx);
}

static void assert_op(const struct ef_delta *d, size_t i,
		      enum ef_op_kind kind, const void *obj)
{
	char *text = delta_text(d);
	const struct ef_op *op;

	cr_assert_lt(i, d->n, "no op %zu:\n%s", i, text);
	op = &d->ops[i];
	cr_assert_eq(op->kind, kind, "op %zu is %s:\n%s", i, ef_op_name(op),
		     text);
	if (obj)
		cr_assert(op_on_set(kind) ? (const void *)op->set == obj :
					    (const void *)op->chain == obj,
			  "op %zu (%s) is about another object:\n%s", i,
			  ef_op_name(op), text);
	free(text);
}

static void assert_nops(const struct ef_delta *d, size_t n)
{
	char *text = delta_text(d);

	cr_assert_eq(d->n, n, "%zu ops, not %zu:\n%s", d->n, n, text);
	free(text);
}

/* ------------------------------------------------------------------ */
/* 1. Nothing to do.                                                    */

Test(diff, equal_models_give_an_empty_delta)
{
	struct ef_model *want = compile_edge(), *have = compile_edge();
	struct ef_delta d;
	struct ef_delta_size z;

	diff_ok(want, have, &d);
	assert_nops(&d, 0);
	cr_assert(ef_delta_empty(&d));
	z = ef_delta_size(&d);
	cr_assert_eq(z.elems_added + z.elems_deleted + z.rules_added +
			     z.rules_deleted + z.objects, 0);
	ef_delta_free(&d);
	ef_model_free(have);

	/* Read back: handles, counters, no rows, sets in another order. */
	have = ef_model_new();
	have->table_flags = want->table_flags;
	have->table_owner = 4242;
	for (size_t i = want->nsets; i-- > 0;)
		copy_set_into(have, &want->sets[i]);
	for (size_t i = 0; i < want->nchains; i++)
		copy_chain_into(have, &want->chains[i]);
	number_rules(have);
	/* in4, copied last, has elements (ex6, first now, has none). */
	cr_assert_eq(ef_elem_set_counts(&have->sets[have->nsets - 1], 0, 7,
					700), 0);
	cr_assert(ef_model_equal(want, have));
	diff_ok(want, have, &d);
	assert_nops(&d, 0);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 2. No table.                                                         */

Test(diff, no_table_adds_everything)
{
	struct ef_model *want = compile_edge();
	struct ef_delta d;
	struct ef_delta_size z;
	size_t rules = 0;

	diff_ok(want, NULL, &d);
	assert_nops(&d, 1 + want->nsets + want->nchains);
	assert_op(&d, 0, EF_OP_ADD_TABLE, NULL);
	for (size_t s = 0; s < want->nsets; s++)
		assert_op(&d, 1 + s, EF_OP_ADD_SET, &want->sets[s]);
	for (size_t k = 0; k < want->nchains; k++) {
		assert_op(&d, 1 + want->nsets + k, EF_OP_ADD_CHAIN,
			  &want->chains[k]);
		rules += want->chains[k].nrules;
	}
	z = ef_delta_size(&d);
	cr_assert_eq(z.elems_added, ef_model_elem_count(want));
	cr_assert_gt(z.elems_added, 0);
	cr_assert_eq(z.rules_added, rules);
	cr_assert_gt(rules, 0);
	cr_assert_eq(z.objects, 1 + want->nsets + want->nchains);
	cr_assert_eq(z.elems_deleted, 0);
	cr_assert_eq(z.rules_deleted, 0);
	cr_assert_not(ef_delta_empty(&d));
	ef_delta_free(&d);

	diff_checked(want, NULL, &d);
	ef_delta_free(&d);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 3. Elements.                                                         */

#define R8_KEY "\"eth0\" . 198.51.100.11 . tcp . 443"
#define R5_KEY "\"eth0\" . 198.51.100.10 . tcp . 443"

Test(diff, element_missing_in_live)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_set *ws = get_set(want, "in4");
	size_t i = elem_index(ws, R8_KEY);
	struct ef_delta d;
	struct ef_delta_size z;

	remove_elem(get_set(have, "in4"), i);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_ADD_ELEMS, ws);
	cr_assert_eq(d.ops[0].nelems, 1);
	cr_assert_eq(d.ops[0].elems[0], i);
	cr_assert_str_eq(rows_text(ef_elem_rows(ws, d.ops[0].elems[0])), "r8");
	z = ef_delta_size(&d);
	cr_assert_eq(z.elems_added, 1);
	cr_assert_eq(z.elems_deleted + z.rules_added + z.rules_deleted +
			     z.objects, 0);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, element_extra_in_live)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_set *hs = get_set(have, "in4");
	struct elem_keys e = keys_of(hs, elem_index(hs, R8_KEY));
	struct ef_delta d;
	size_t i;

	/* 198.51.100.13: an address the policy never opened. */
	e.key[16 + 3] = 13;
	e.key_end[16 + 3] = 13;
	cr_assert_eq(add_elem_rows(hs, e.key, e.key_end, "r99"), 0);
	ef_set_sort(hs);
	i = elem_index(hs, "\"eth0\" . 198.51.100.13 . tcp . 443");
	cr_assert_eq(hs->nelems, get_set(want, "in4")->nelems + 1);

	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_DEL_ELEMS, hs);
	cr_assert_eq(d.ops[0].nelems, 1);
	cr_assert_eq(d.ops[0].elems[0], i);
	cr_assert_eq(ef_delta_size(&d).elems_deleted, 1);
	cr_assert_eq(ef_delta_size(&d).elems_added, 0);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* An element of set ex4 from 203.0.113.N, any port 8443 to
 * 198.51.100.10, commented as exception `id`. */
static void add_exception_elem(struct ef_set *set, uint8_t n, unsigned int id)
{
	uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };
	char comment[32];

	key[0] = 203, key[1] = 0, key[2] = 113, key[3] = n;
	key[4] = 198, key[5] = 51, key[6] = 100, key[7] = 10;
	key[8] = 6;
	key[12] = 8443 >> 8, key[13] = 8443 & 0xff;
	memcpy(end, key, sizeof(end));
	snprintf(comment, sizeof(comment), "exception %u", id);
	cr_assert_eq(add_elem_rows(set, key, end, comment), 0);
	cr_assert_eq(ef_elem_set_times(set, set->nelems - 1, 60000, 0), 0);
	ef_set_sort(set);
}

/* The elements of a runtime set are the daemon's: a diff neither deletes
 * the live ones nor adds the desired ones; the set itself is the
 * model's. */
Test(diff, runtime_set_elements_are_left_alone)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;

	add_exception_elem(get_set(have, "ex4"), 7, 1);
	diff_checked(want, have, &d);
	assert_nops(&d, 0);
	ef_delta_free(&d);
	cr_assert(ef_model_equal(want, have));
	add_exception_elem(get_set(want, "ex4"), 8, 2);
	diff_checked(want, have, &d);
	assert_nops(&d, 0);
	ef_delta_free(&d);

	/* Not a timeout set any more: made again, empty. */
	get_set(have, "ex4")->timeout = false;
	cr_assert_not(ef_model_equal(want, have));
	diff_checked(want, have, &d);
	/* The rules that look it up go first, and come back after. */
	assert_op(&d, 0, EF_OP_FLUSH_CHAIN, NULL);
	assert_op(&d, 1, EF_OP_DEL_SET, get_set(have, "ex4"));
	assert_op(&d, 2, EF_OP_ADD_SET, get_set(want, "ex4"));
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* What the daemon sends for a runtime set: what only the live set has
 * goes, what only the wanted set has comes, what both have stays (its
 * time left in the kernel stands). */
Test(diff, set_elems_of_a_runtime_set)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_set *ws = get_set(want, "ex4"), *hs = get_set(have, "ex4");
	struct ef_delta d = { 0 };

	add_exception_elem(ws, 1, 1);
	add_exception_elem(ws, 2, 2);
	add_exception_elem(hs, 2, 2);
	add_exception_elem(hs, 3, 9);
	/* left: not compared */
	cr_assert_eq(ef_elem_set_times(hs, 0, 1000, 500), 0);
	cr_assert_eq(ef_diff_set_elems(ws, hs, &d), 0);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_DEL_ELEMS, hs);
	cr_assert_eq(d.ops[0].nelems, 1);
	cr_assert_str_eq(rows_text(ef_elem_rows(hs, d.ops[0].elems[0])),
			 "exception 9");
	assert_op(&d, 1, EF_OP_ADD_ELEMS, ws);
	cr_assert_eq(d.ops[1].nelems, 1);
	cr_assert_str_eq(rows_text(ef_elem_rows(ws, d.ops[1].elems[0])),
			 "exception 1");
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, element_with_other_rows_is_replaced)
{
	static const char *const rows[] = { "r5", NULL, "r5,r31,r40" };

	for (size_t k = 0; k < ARRAY_SIZE(rows); k++) {
		struct ef_model *want = compile_edge(), *have = model_copy(want);
		struct ef_set *ws = get_set(want, "in4"), *hs = get_set(have, "in4");
		size_t i = elem_index(ws, R5_KEY);
		struct ef_delta d;

		cr_assert_str_eq(rows_text(ef_elem_rows(ws, i)), "r5,r31");
		set_rows(hs, i, rows[k]);
		diff_checked(want, have, &d);
		assert_nops(&d, 2);
		assert_op(&d, 0, EF_OP_DEL_ELEMS, hs);
		assert_op(&d, 1, EF_OP_ADD_ELEMS, ws);
		cr_assert_eq(d.ops[0].nelems, 1);
		cr_assert_eq(d.ops[0].elems[0], i);
		cr_assert_eq(d.ops[1].nelems, 1);
		cr_assert_eq(d.ops[1].elems[0], i);
		cr_assert_eq(ef_delta_size(&d).elems_added, 1);
		cr_assert_eq(ef_delta_size(&d).elems_deleted, 1);
		ef_delta_free(&d);
		ef_model_free(have);
		ef_model_free(want);
	}
}

/* A range narrowed in live: the old one goes before the new one comes. */
Test(diff, element_with_other_range_is_replaced)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_set *ws = get_set(want, "in4"), *hs = get_set(have, "in4");
	size_t i = elem_index(ws, "\"eth0\" . 198.51.100.12 . tcp . 50000-59999");
	struct ef_delta d;

	struct elem_keys e = keys_of(hs, i);

	e.key_end[ef_field_offset(hs, 3) + 1]--;	/* 59998 */
	ef_elem_set_key_end(hs, i, e.key_end);
	ef_set_sort(hs);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_DEL_ELEMS, hs);
	assert_op(&d, 1, EF_OP_ADD_ELEMS, ws);
	cr_assert_eq(d.ops[1].elems[0], i);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, elements_added_and_deleted_in_one_op_each)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_set *ws = get_set(want, "out4"), *hs = get_set(have, "out4");
	struct ef_delta d;

	cr_assert_geq(hs->nelems, 6);
	/* Drop 1 and 4, rename 2's rows, add two strangers. */
	set_rows(hs, 2, "zz");
	remove_elem(hs, 4);
	remove_elem(hs, 1);
	for (uint8_t p = 1; p <= 2; p++) {
		struct elem_keys e = keys_of(hs, 0);

		size_t port = ef_field_offset(hs, 3);

		e.key[port] = e.key_end[port] = 0;	/* port 1, 2 */
		e.key[port + 1] = e.key_end[port + 1] = p;
		cr_assert_eq(add_elem_rows(hs, e.key, e.key_end, "x"), 0);
	}
	ef_set_sort(hs);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_DEL_ELEMS, hs);
	assert_op(&d, 1, EF_OP_ADD_ELEMS, ws);
	cr_assert_eq(d.ops[0].nelems, 3);	/* 2 strangers, old 2 */
	cr_assert_eq(d.ops[1].nelems, 3);	/* 1, 2, 4 */
	cr_assert_eq(d.ops[1].elems[0], 1);
	cr_assert_eq(d.ops[1].elems[1], 2);
	cr_assert_eq(d.ops[1].elems[2], 4);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 4. Sets.                                                             */

Test(diff, set_only_in_live_is_deleted)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;

	add_lonely_set(have, "foreign", 1);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_DEL_SET, &have->sets[have->nsets - 1]);
	cr_assert_eq(ef_delta_size(&d).objects, 1);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, set_only_in_desired_is_added)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;

	add_lonely_set(want, "newset", 2);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_ADD_SET, &want->sets[want->nsets - 1]);
	cr_assert_eq(ef_delta_size(&d).objects, 1);
	cr_assert_eq(ef_delta_size(&d).elems_added, 1);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/*
 * A set only in live, looked up by a live rule: the set goes, so the
 * chain's rules are replaced, and the flush comes before the set goes.
 */
Test(diff, set_only_in_live_and_used_goes_after_its_users)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc, *wc = get_chain(want, "output");
	struct ef_rule r = { .nfproto = 2, .nkeys = 3,
			     .key = { EF_F_SADDR4, EF_F_L4PROTO, EF_F_DPORT },
			     .verdict = EF_V_ACCEPT };
	struct ef_delta d;

	add_lonely_set(have, "foreign", 1);
	strcpy(r.set, "foreign");
	hc = get_chain(have, "output");
	insert_rule(hc, 2, &r);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2 + wc->nrules);
	assert_op(&d, 0, EF_OP_FLUSH_CHAIN, hc);
	assert_op(&d, 1, EF_OP_DEL_SET, get_set(have, "foreign"));
	for (size_t i = 0; i < wc->nrules; i++) {
		assert_op(&d, 2 + i, EF_OP_ADD_RULE, wc);
		cr_assert_eq(d.ops[2 + i].rule, i);
	}
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* A set gone from live with the rule that used it: set, then rule. */
Test(diff, set_and_its_user_missing_in_live)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "input");
	size_t user = SIZE_MAX;
	struct ef_delta d;

	for (size_t i = 0; i < hc->nrules; i++)
		if (!strcmp(hc->rules[i].set, "mgmt4"))
			user = i;
	cr_assert_neq(user, SIZE_MAX);
	remove_rule(hc, user);
	remove_set(have, (size_t)(get_set(have, "mgmt4") - have->sets));
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_ADD_SET, get_set(want, "mgmt4"));
	assert_op(&d, 1, EF_OP_ADD_RULE, get_chain(want, "input"));
	cr_assert_eq(d.ops[1].rule, user);
	cr_assert_eq(d.ops[1].before, 100 + user);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/*
 * The set in live has another shape: it goes and comes back, and every
 * chain that looks it up has its rules flushed before and added after.
 */
static void check_reshaped(struct ef_model *want, struct ef_model *have,
			   const char *name)
{
	const struct ef_set *ws = get_set(want, name), *hs = get_set(have, name);
	const struct ef_chain *users[8];
	size_t nusers = 0, n = 0, del_set = SIZE_MAX, add_set = SIZE_MAX;
	struct ef_delta d;
	char *text;

	for (size_t k = 0; k < have->nchains; k++)
		for (size_t i = 0; i < have->chains[k].nrules; i++)
			if (!strcmp(have->chains[k].rules[i].set, name) ||
			    !strcmp(have->chains[k].rules[i].peer_set, name)) {
				users[nusers++] = &have->chains[k];
				break;
			}
	cr_assert_gt(nusers, 0, "nobody uses %s", name);
	diff_checked(want, have, &d);
	text = delta_text(&d);
	for (size_t i = 0; i < d.n; i++) {
		const struct ef_op *op = &d.ops[i];

		if (op->kind == EF_OP_DEL_SET) {
			cr_assert_eq(op->set, hs, "%s", text);
			del_set = i;
		} else if (op->kind == EF_OP_ADD_SET) {
			cr_assert_eq(op->set, ws, "%s", text);
			add_set = i;
		}
	}
	cr_assert_neq(del_set, SIZE_MAX, "no delete-set:\n%s", text);
	cr_assert_neq(add_set, SIZE_MAX, "no add-set:\n%s", text);
	cr_assert_lt(del_set, add_set, "%s", text);
	for (size_t u = 0; u < nusers; u++) {
		const struct ef_chain *wc = get_chain(want, users[u]->name);
		size_t flush = SIZE_MAX, next = 0;

		for (size_t i = 0; i < d.n; i++) {
			const struct ef_op *op = &d.ops[i];

			if (op->kind == EF_OP_FLUSH_CHAIN && op->chain == users[u])
				flush = i;
			if (op->kind != EF_OP_ADD_RULE || op->chain != wc)
				continue;
			cr_assert_gt(i, add_set, "%s", text);
			cr_assert_eq(op->rule, next, "%s", text);
			cr_assert_eq(op->before, 0, "%s", text);
			next++;
		}
		cr_assert_lt(flush, del_set, "chain %s:\n%s", wc->name, text);
		cr_assert_eq(next, wc->nrules, "chain %s:\n%s", wc->name, text);
		n += 1 + wc->nrules;
	}
	assert_nops(&d, n + 2);
	free(text);
	ef_delta_free(&d);
}

Test(diff, set_with_other_counter_flag_is_recreated)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);

	get_set(have, "mgmt4")->counter = false;
	number_rules(have);
	check_reshaped(want, have, "mgmt4");
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, set_with_other_key_types_is_recreated)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);

	get_set(have, "out4_director")->type[1] = EF_T_IPV6;
	number_rules(have);
	check_reshaped(want, have, "out4_director");
	ef_model_free(have);
	ef_model_free(want);
}

/*
 * A group's address set of another shape: every chain that looks it up
 * in front of its rows (input and output for the director) is flushed
 * before it goes and has its rules back after it comes.
 */
Test(diff, peer_set_with_other_shape_is_recreated)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);

	get_set(have, "g4_director")->type[0] = EF_T_IPV6;
	number_rules(have);
	check_reshaped(want, have, "g4_director");
	ef_model_free(have);

	have = model_copy(want);
	get_set(have, "g6_front_end")->counter = true;
	number_rules(have);
	check_reshaped(want, have, "g6_front_end");
	ef_model_free(have);

	/* Read back with more fields: not ours, replaced. */
	have = model_copy(want);
	{
		struct ef_set *s = get_set(have, "g4_front_end");

		s->nfields = 2;
		s->type[1] = EF_T_PORT;
	}
	number_rules(have);
	check_reshaped(want, have, "g4_front_end");
	ef_model_free(have);
	ef_model_free(want);
}

/* A group that outgrew its hash's capacity (or a live set without one)
 * gets a new set: the kernel refuses elements beyond the size. */
Test(diff, hash_of_other_capacity_is_recreated)
{
	struct ef_model *want = compile_edge(), *have;
	const char *hash = NULL;

	for (size_t i = 0; i < want->nsets && !hash; i++)
		if (want->sets[i].hashed)
			hash = want->sets[i].name;
	cr_assert_not_null(hash, "the edge site has a hash set");
	cr_assert_gt(get_set(want, hash)->size, 0);
	for (int k = 0; k < 2; k++) {
		have = model_copy(want);
		get_set(have, hash)->size = k ? 0 : 2 * get_set(want, hash)->size;
		number_rules(have);
		check_reshaped(want, have, hash);
		ef_model_free(have);
	}
	ef_model_free(want);
}

/* The chain that uses it differs too (a rule missing): still replaced. */
Test(diff, set_recreated_with_its_chain_changed)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "input");

	get_set(have, "in6")->counter = false;
	remove_rule(hc, hc->nrules - 1);
	number_rules(have);
	check_reshaped(want, have, "in6");
	ef_model_free(have);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 5. Chains.                                                           */

Test(diff, chain_policy_differs)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;

	get_chain(have, "input")->policy = EF_V_ACCEPT;
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_SET_POLICY, get_chain(want, "input"));
	cr_assert_eq(d.ops[0].chain->policy, EF_V_DROP);
	cr_assert_eq(ef_delta_size(&d).objects, 1);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

static void check_chain_recreated(void (*change)(struct ef_chain *))
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;
	struct ef_delta_size z;

	change(get_chain(have, "output"));
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_DEL_CHAIN, get_chain(have, "output"));
	assert_op(&d, 1, EF_OP_ADD_CHAIN, get_chain(want, "output"));
	z = ef_delta_size(&d);
	cr_assert_eq(z.objects, 2);
	cr_assert_eq(z.rules_added, get_chain(want, "output")->nrules);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

static void other_hook(struct ef_chain *c)
{
	c->hook = EF_HOOK_FORWARD;
}

static void other_priority(struct ef_chain *c)
{
	c->priority = -10;
}

static void other_hook_and_policy(struct ef_chain *c)
{
	c->hook = EF_HOOK_INPUT;
	c->policy = EF_V_ACCEPT;
}

static void no_policy(struct ef_chain *c)
{
	c->policy = EF_V_NONE;
}

Test(diff, chain_hook_differs)
{
	check_chain_recreated(other_hook);
}

Test(diff, chain_priority_differs)
{
	check_chain_recreated(other_priority);
}

/* Recreated, so no set-policy besides. */
Test(diff, chain_hook_and_policy_differ)
{
	check_chain_recreated(other_hook_and_policy);
}

/* A live chain without a policy is not a base chain: recreated. */
Test(diff, chain_without_policy)
{
	check_chain_recreated(no_policy);
}

Test(diff, chain_only_in_live_is_deleted)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *c;
	struct ef_delta d;

	c = ef_model_add_chain(have, "forward", EF_HOOK_FORWARD, 0, EF_V_DROP);
	cr_assert_not_null(c);
	insert_rule(c, 0, &get_chain(want, "input")->rules[0]);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_DEL_CHAIN, get_chain(have, "forward"));
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, chain_only_in_desired_is_added)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;

	remove_chain(have, (size_t)(get_chain(have, "output") - have->chains));
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_ADD_CHAIN, get_chain(want, "output"));
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* The table's flags: owned by the reconciler, persistent.              */

/* The shipped site with one more line. */
static struct ef_model *compile_edge_with(const char *line)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text = NULL, *site, *path;
	size_t len = 0;
	FILE *f = fopen(SITE, "r");

	cr_assert_not_null(f);
	cr_assert_gt(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	cr_assert_neq(asprintf(&site, "%s\n%s\n", text, line), -1);
	tdir_init(&t);
	path = tdir_write(&t, "x.site", site, 0644);
	cr_assert_eq(compile_files(POLICY, path, NULL, &d, &m), 0);
	ef_diags_free(&d);
	tdir_fini(&t);
	free(path);
	free(site);
	free(text);
	return m;
}

Test(diff, table_owned_and_persistent_stays)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;

	cr_assert_eq(want->table_flags, EF_TABLE_F_OWNER | EF_TABLE_F_PERSIST);
	have->table_owner = 1234;	/* held by a running reconciler */
	diff_ok(want, have, &d);
	assert_nops(&d, 0);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* Its owner exited: the table stays, ownerless; one flag change takes it. */
Test(diff, table_left_by_its_owner_is_taken_over)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;
	char *got;

	have->table_flags = EF_TABLE_F_PERSIST;
	get_chain(have, "input")->policy = EF_V_ACCEPT;
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_TABLE_FLAGS, NULL);
	assert_op(&d, 1, EF_OP_SET_POLICY, get_chain(want, "input"));
	cr_assert_eq(d.table_flags, EF_TABLE_F_OWNER | EF_TABLE_F_PERSIST);
	cr_assert_eq(ef_delta_size(&d).objects, 2);
	got = delta_text(&d);
	cr_assert_str_eq(got, "~ table inet edgefw { flags owner,persist; }\n"
			      "~ chain input { policy drop; }\n");
	free(got);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* Made by nft (never owned): replaced whole, in the same delta. */
Test(diff, table_never_owned_is_replaced_whole)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_delta d;
	struct ef_delta_size z;
	size_t rules = 0;
	char *got;

	have->table_flags = 0;
	add_lonely_set(have, "foreign", 1);
	remove_elem(get_set(have, "in4"), 0);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2 + want->nsets + want->nchains);
	assert_op(&d, 0, EF_OP_DEL_TABLE, NULL);
	assert_op(&d, 1, EF_OP_ADD_TABLE, NULL);
	for (size_t s = 0; s < want->nsets; s++)
		assert_op(&d, 2 + s, EF_OP_ADD_SET, &want->sets[s]);
	for (size_t k = 0; k < want->nchains; k++) {
		assert_op(&d, 2 + want->nsets + k, EF_OP_ADD_CHAIN,
			  &want->chains[k]);
		rules += want->chains[k].nrules;
	}
	z = ef_delta_size(&d);
	cr_assert_eq(z.objects, 2 + want->nsets + want->nchains);
	cr_assert_eq(z.elems_added, ef_model_elem_count(want));
	cr_assert_eq(z.rules_added, rules);
	got = delta_text(&d);
	cr_assert(!strncmp(got, "- table inet edgefw (to take it over)\n"
				"+ table inet edgefw { flags owner,persist; }\n"
				"+ set in4 (14 elements)\n",
			   strlen("- table inet edgefw (to take it over)\n"
				  "+ table inet edgefw { flags owner,persist; }\n"
				  "+ set in4 (14 elements)\n")),
		  "%s", got);
	free(got);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, table_not_locked)
{
	struct ef_model *want = compile_edge_with("lock = off");
	struct ef_model *have = model_copy(want);
	struct ef_delta d;
	char *got;

	cr_assert_eq(want->table_flags, 0);
	diff_ok(want, have, &d);
	assert_nops(&d, 0);
	ef_delta_free(&d);

	diff_checked(want, NULL, &d);
	cr_assert_eq(d.table_flags, 0);
	got = delta_text(&d);
	cr_assert(!strncmp(got, "+ table inet edgefw\n+ set in4 ",
			   strlen("+ table inet edgefw\n+ set in4 ")), "%s", got);
	free(got);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);

	want = compile_edge_with("lock = on");
	cr_assert_eq(want->table_flags, EF_TABLE_F_OWNER | EF_TABLE_F_PERSIST);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 6. Rules.                                                            */

static void check_one_extra_rule(const struct ef_model *want, size_t pos,
				 const struct ef_rule *extra)
{
	struct ef_model *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "input");
	struct ef_delta d;
	struct ef_delta_size z;

	insert_rule(hc, pos, extra);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_DEL_RULE, hc);
	cr_assert_eq(d.ops[0].rule, pos);
	z = ef_delta_size(&d);
	cr_assert_eq(z.rules_deleted, 1);
	cr_assert_eq(z.rules_added + z.objects + z.elems_added, 0);
	ef_delta_free(&d);
	ef_model_free(have);
}

Test(diff, rule_extra_in_live)
{
	struct ef_model *want = compile_edge();
	const struct ef_chain *wc = get_chain(want, "input");
	struct ef_rule r;

	for (size_t src = 0; src < wc->nrules; src++) {
		r = wc->rules[src];
		r.verdict = r.verdict == EF_V_DROP ? EF_V_ACCEPT : EF_V_DROP;
		/* Right after its original, right before, at the end. */
		check_one_extra_rule(want, src + 1, &r);
		check_one_extra_rule(want, src, &r);
		check_one_extra_rule(want, wc->nrules, &r);
	}
	r = foreign_rule();
	check_one_extra_rule(want, 0, &r);
	check_one_extra_rule(want, 5, &r);
	check_one_extra_rule(want, wc->nrules, &r);
	/* Only the copy goes, not the original. */
	r = wc->rules[3];
	check_one_extra_rule(want, 4, &r);
	ef_model_free(want);
}

/* Desired rules [from, to) of input missing in live. */
static void check_missing_rules(size_t from, size_t to)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *wc = get_chain(want, "input");
	struct ef_chain *hc = get_chain(have, "input");
	uint64_t before;
	struct ef_delta d;

	for (size_t i = to; i-- > from;)
		remove_rule(hc, i);
	number_rules(have);
	before = from < hc->nrules ? hc->rules[from].handle : 0;
	cr_assert(from == hc->nrules || before == 100 + from);
	diff_checked(want, have, &d);
	assert_nops(&d, to - from);
	for (size_t i = 0; i < to - from; i++) {
		assert_op(&d, i, EF_OP_ADD_RULE, wc);
		cr_assert_eq(d.ops[i].rule, from + i);
		cr_assert_eq(d.ops[i].before, before, "op %zu: before %llu", i,
			     (unsigned long long)d.ops[i].before);
	}
	cr_assert_eq(ef_delta_size(&d).rules_added, to - from);
	cr_assert_eq(ef_delta_size(&d).objects, 0);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, rule_missing_in_live)
{
	size_t n;
	struct ef_model *want = compile_edge();

	n = get_chain(want, "input")->nrules;
	ef_model_free(want);
	cr_assert_geq(n, 6);
	check_missing_rules(4, 5);		/* before the next live rule */
	check_missing_rules(0, 1);		/* first */
	check_missing_rules(n - 1, n);		/* last: appended */
	check_missing_rules(4, 6);		/* two, same `before` */
	check_missing_rules(n - 2, n);		/* two at the end */
	check_missing_rules(0, n);		/* all */
}

/* Several gaps: each addition before the live rule that follows it. */
Test(diff, rules_missing_in_several_places)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *wc = get_chain(want, "input");
	struct ef_chain *hc = get_chain(have, "input");
	struct ef_delta d;

	/* live keeps desired rules 0, 2, 3, 6..n-2; handles 100.. */
	remove_rule(hc, hc->nrules - 1);
	remove_rule(hc, 5);
	remove_rule(hc, 4);
	remove_rule(hc, 1);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 4);
	for (size_t i = 0; i < 4; i++)
		assert_op(&d, i, EF_OP_ADD_RULE, wc);
	cr_assert_eq(d.ops[0].rule, 1);
	cr_assert_eq(d.ops[0].before, 101);	/* desired 2 */
	cr_assert_eq(d.ops[1].rule, 4);
	cr_assert_eq(d.ops[1].before, 103);	/* desired 6 */
	cr_assert_eq(d.ops[2].rule, 5);
	cr_assert_eq(d.ops[2].before, 103);
	cr_assert_eq(d.ops[3].rule, wc->nrules - 1);
	cr_assert_eq(d.ops[3].before, 0);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* Some missing, some extra: every rule again. */
static void check_mixed(struct ef_model *want, struct ef_model *have,
			const char *chain)
{
	struct ef_chain *wc = get_chain(want, chain);
	struct ef_delta d;
	struct ef_delta_size z;

	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1 + wc->nrules);
	assert_op(&d, 0, EF_OP_FLUSH_CHAIN, get_chain(have, chain));
	for (size_t i = 0; i < wc->nrules; i++) {
		assert_op(&d, 1 + i, EF_OP_ADD_RULE, wc);
		cr_assert_eq(d.ops[1 + i].rule, i);
		cr_assert_eq(d.ops[1 + i].before, 0);
	}
	z = ef_delta_size(&d);
	cr_assert_eq(z.objects, 1);
	cr_assert_eq(z.rules_added, wc->nrules);
	ef_delta_free(&d);
}

Test(diff, rules_mixed_change_replaces_all)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "input");
	struct ef_rule r = foreign_rule();

	remove_rule(hc, 2);
	insert_rule(hc, hc->nrules, &r);
	check_mixed(want, have, "input");
	ef_model_free(have);

	/* Two rules swapped. */
	have = model_copy(want);
	hc = get_chain(have, "output");
	r = hc->rules[1];
	hc->rules[1] = hc->rules[2];
	hc->rules[2] = r;
	check_mixed(want, have, "output");
	ef_model_free(have);

	/* One rule changed in place. */
	have = model_copy(want);
	get_chain(have, "input")->rules[3].verdict = EF_V_DROP;
	check_mixed(want, have, "input");
	ef_model_free(have);
	ef_model_free(want);
}

/* Rules and a policy: both. */
Test(diff, rules_and_policy)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "output");
	struct ef_delta d;

	hc->policy = EF_V_ACCEPT;
	remove_rule(hc, 0);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_SET_POLICY, get_chain(want, "output"));
	assert_op(&d, 1, EF_OP_ADD_RULE, get_chain(want, "output"));
	cr_assert_eq(d.ops[1].rule, 0);
	cr_assert_eq(d.ops[1].before, 100);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 7. Random mutations: the delta must carry live to desired.           */

static unsigned int rnd(unsigned int *seed, size_t n)
{
	return n ? (unsigned int)((size_t)rand_r(seed) % n) : 0;
}

static struct ef_set *rnd_set(struct ef_model *m, unsigned int *seed,
			      bool with_elems)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nsets; i++)
		n += !with_elems || m->sets[i].nelems;
	if (!n)
		return NULL;
	n = rnd(seed, n);
	for (size_t i = 0; i < m->nsets; i++)
		if ((!with_elems || m->sets[i].nelems) && !n--)
			return &m->sets[i];
	return NULL;
}

static struct ef_chain *rnd_chain(struct ef_model *m, unsigned int *seed,
				  bool with_rules)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nchains; i++)
		n += !with_rules || m->chains[i].nrules;
	if (!n)
		return NULL;
	n = rnd(seed, n);
	for (size_t i = 0; i < m->nchains; i++)
		if ((!with_rules || m->chains[i].nrules) && !n--)
			return &m->chains[i];
	return NULL;
}

static bool overlaps_any(const struct ef_set *s, const struct elem_keys *e)
{
	for (size_t i = 0; i < s->nelems; i++)
		if (elems_overlap(s, i, e))
			return true;
	return false;
}

/* A point element: random fields, or a neighbour's with a random port. */
static bool mut_add_elem(struct ef_model *m, unsigned int *seed,
			 struct ef_strbuf *log)
{
	struct ef_set *s = rnd_set(m, seed, true);
	struct elem_keys e;
	char *k;

	if (!s)
		return false;
	e = keys_of(s, rnd(seed, s->nelems));
	if (rnd(seed, 2)) {
		memset(e.key, 0, sizeof(e.key));
		for (unsigned int f = 0; f < s->nfields; f++) {
			size_t off = ef_field_offset(s, f);

			if (s->type[f] == EF_T_IFNAME) {
				memcpy(e.key + off, "eth", 3);
				e.key[off + 3] = (uint8_t)('0' + rnd(seed, 4));
				continue;
			}
			for (size_t b = 0; b < ef_type_info(s->type[f])->len; b++)
				e.key[off + b] = (uint8_t)rnd(seed, 256);
		}
	} else {
		size_t off = ef_field_offset(s, s->nfields - 1);

		e.key[off] = (uint8_t)rnd(seed, 256);
		e.key[off + 1] = (uint8_t)rnd(seed, 256);
	}
	memcpy(e.key_end, e.key, sizeof(e.key));
	if (overlaps_any(s, &e))
		return false;
	cr_assert_eq(add_elem_rows(s, e.key, e.key_end,
				   rnd(seed, 3) ? "r77" : NULL), 0);
	k = elem_key(s, s->nelems - 1);
	ef_sb_printf(log, "add element %s { %s }\n", s->name, k);
	free(k);
	ef_set_sort(s);
	return true;
}

static unsigned int peer_mutations;	/* how many mut_peer made */

/*
 * A group's rows looked up behind another group's addresses, behind
 * none (any peer), or with the peer at the other end.
 */
static bool mut_peer(struct ef_model *m, unsigned int *seed, struct ef_strbuf *log)
{
	struct ef_chain *c = rnd_chain(m, seed, true);
	struct ef_rule *r;
	struct ef_set *s;
	size_t i;

	if (!c)
		return false;
	i = rnd(seed, c->nrules);
	r = &c->rules[i];
	if (!r->peer_set[0])
		return false;
	peer_mutations++;
	switch (rnd(seed, 3)) {
	case 0:
		ef_sb_printf(log, "peer lookup of %s #%zu (@%s) dropped\n", c->name,
			  i, r->peer_set);
		r->peer_set[0] = '\0';
		return true;
	case 1:
		r->peer_key = r->peer_key == EF_F_SADDR4 ? EF_F_DADDR4 :
			      r->peer_key == EF_F_DADDR4 ? EF_F_SADDR4 :
			      r->peer_key == EF_F_SADDR6 ? EF_F_DADDR6 :
							   EF_F_SADDR6;
		ef_sb_printf(log, "peer lookup of %s #%zu (@%s) at the other end\n",
			  c->name, i, r->peer_set);
		return true;
	default:
		s = rnd_set(m, seed, false);
		if (!s || s->nfields != 1 || !strcmp(s->name, r->peer_set) ||
		    s->type[0] != ef_field_info(r->peer_key)->type) {
			peer_mutations--;
			return false;
		}
		ef_sb_printf(log, "peer lookup of %s #%zu: @%s -> @%s\n", c->name,
			  i, r->peer_set, s->name);
		strcpy(r->peer_set, s->name);
		return true;
	}
}

static void drop_set_and_users(struct ef_model *m, size_t idx)
{
	char name[EF_NAME_MAX];

	memcpy(name, m->sets[idx].name, sizeof(name));
	remove_set(m, idx);
	for (size_t k = 0; k < m->nchains; k++)
		for (size_t i = m->chains[k].nrules; i-- > 0;)
			if (!strcmp(m->chains[k].rules[i].set, name) ||
			    !strcmp(m->chains[k].rules[i].peer_set, name))
				remove_rule(&m->chains[k], i);
}

enum mutation {
	MUT_DROP_ELEM,
	MUT_ADD_ELEM,
	MUT_ROWS,
	MUT_NARROW,
	MUT_POLICY,
	MUT_PRIORITY,
	MUT_HOOK,
	MUT_DROP_RULE,
	MUT_INSERT_RULE,
	MUT_SWAP_RULES,
	MUT_DROP_SET,
	MUT_RESHAPE,
	MUT_EXTRA_SET,
	MUT_EXTRA_CHAIN,
	MUT_DROP_CHAIN,
	MUT_TABLE_FLAGS,
	MUT_PEER,
	MUT_MAX,
};

/* One random change to a live model; false if it did not apply. */
static bool mutate(struct ef_model *m, unsigned int *seed, unsigned int serial,
		   struct ef_strbuf *log)
{
	enum mutation what = (enum mutation)rnd(seed, MUT_MAX);
	struct ef_set *s;
	struct ef_chain *c;
	struct ef_rule r;
	char name[EF_NAME_MAX];
	size_t i;
	char *k;

	switch (what) {
	case MUT_DROP_ELEM:
		if (!(s = rnd_set(m, seed, true)))
			return false;
		i = rnd(seed, s->nelems);
		k = elem_key(s, i);
		ef_sb_printf(log, "drop element %s { %s }\n", s->name, k);
		free(k);
		remove_elem(s, i);
		return true;
	case MUT_ADD_ELEM:
		return mut_add_elem(m, seed, log);
	case MUT_ROWS:
		if (!(s = rnd_set(m, seed, true)))
			return false;
		i = rnd(seed, s->nelems);
		set_rows(s, i, rnd(seed, 4) ? "r99" : NULL);
		k = elem_key(s, i);
		ef_sb_printf(log, "rows of %s { %s } -> %s\n", s->name, k,
			  ef_elem_rows(s, i) ? rows_text(ef_elem_rows(s, i)) :
					     "(none)");
		free(k);
		return true;
	case MUT_NARROW:
		if (!(s = rnd_set(m, seed, true)))
			return false;
		for (i = 0; i < s->nelems; i++)
			if (memcmp(ef_elem_key(s, i), ef_elem_key_end(s, i),
				   ef_set_key_len(s)))
				break;
		if (i == s->nelems)
			return false;
		k = elem_key(s, i);
		ef_sb_printf(log, "narrow %s { %s } to its first key\n", s->name, k);
		free(k);
		ef_elem_set_key_end(s, i, ef_elem_key(s, i));
		ef_set_sort(s);
		return true;
	case MUT_POLICY:
		if (!(c = rnd_chain(m, seed, false)))
			return false;
		c->policy = rnd(seed, 5) == 0 ? EF_V_NONE :
			    c->policy == EF_V_DROP ? EF_V_ACCEPT : EF_V_DROP;
		ef_sb_printf(log, "policy of %s -> '%s'\n", c->name,
			  ef_verdict_name(c->policy));
		return true;
	case MUT_PRIORITY:
		if (!(c = rnd_chain(m, seed, false)))
			return false;
		c->priority += rnd(seed, 2) ? 10 : -10;
		ef_sb_printf(log, "priority of %s -> %d\n", c->name, c->priority);
		return true;
	case MUT_HOOK:
		if (!(c = rnd_chain(m, seed, false)))
			return false;
		c->hook = (enum ef_hook)((c->hook + 1 + rnd(seed, 2)) % 3);
		ef_sb_printf(log, "hook of %s -> %s\n", c->name,
			  ef_hook_name(c->hook));
		return true;
	case MUT_DROP_RULE:
		if (!(c = rnd_chain(m, seed, true)))
			return false;
		i = rnd(seed, c->nrules);
		ef_sb_printf(log, "drop rule %s #%zu\n", c->name, i);
		remove_rule(c, i);
		return true;
	case MUT_INSERT_RULE:
		if (!(c = rnd_chain(m, seed, true)))
			return false;
		r = c->rules[rnd(seed, c->nrules)];
		switch (rnd(seed, 3)) {
		case 0:
			r = foreign_rule();
			break;
		case 1:
			r.verdict = r.verdict == EF_V_ACCEPT ? EF_V_DROP :
							       EF_V_ACCEPT;
			break;
		default:
			break;		/* a duplicate */
		}
		c = rnd_chain(m, seed, false);
		if ((r.set[0] && !ef_model_find_set(m, r.set)) ||
		    (r.peer_set[0] && !ef_model_find_set(m, r.peer_set)))
			return false;
		i = rnd(seed, c->nrules + 1);
		ef_sb_printf(log, "insert rule %s #%zu (%s, verdict %s)\n", c->name,
			  i, r.foreign ? "foreign" : r.set[0] ? r.set : "-",
			  ef_verdict_name(r.verdict));
		insert_rule(c, i, &r);
		return true;
	case MUT_SWAP_RULES:
		if (!(c = rnd_chain(m, seed, true)) || c->nrules < 2)
			return false;
		i = rnd(seed, c->nrules - 1);
		r = c->rules[i];
		c->rules[i] = c->rules[i + 1];
		c->rules[i + 1] = r;
		ef_sb_printf(log, "swap rules %s #%zu #%zu\n", c->name, i, i + 1);
		return true;
	case MUT_DROP_SET:
		if (!(s = rnd_set(m, seed, false)))
			return false;
		ef_sb_printf(log, "drop set %s and the rules using it\n", s->name);
		drop_set_and_users(m, (size_t)(s - m->sets));
		return true;
	case MUT_RESHAPE:
		if (!(s = rnd_set(m, seed, false)))
			return false;
		s->counter = !s->counter;
		ef_sb_printf(log, "counter of %s -> %d\n", s->name, s->counter);
		return true;
	case MUT_EXTRA_SET:
		snprintf(name, sizeof(name), "extra%u", serial);
		add_lonely_set(m, name, (uint8_t)rnd(seed, 256));
		ef_sb_printf(log, "extra set %s", name);
		if (rnd(seed, 2) && (c = rnd_chain(m, seed, false))) {
			r = (struct ef_rule){ .nfproto = 2, .nkeys = 3,
					      .key = { EF_F_SADDR4, EF_F_L4PROTO,
						       EF_F_DPORT },
					      .verdict = EF_V_ACCEPT };
			strcpy(r.set, name);
			i = rnd(seed, c->nrules + 1);
			insert_rule(c, i, &r);
			ef_sb_printf(log, ", looked up by %s #%zu", c->name, i);
		}
		ef_sb_putc(log, '\n');
		return true;
	case MUT_EXTRA_CHAIN:
		snprintf(name, sizeof(name), "xchain%u", serial);
		c = ef_model_add_chain(m, name, EF_HOOK_FORWARD,
				       (int32_t)rnd(seed, 3), EF_V_ACCEPT);
		cr_assert_not_null(c);
		r = foreign_rule();
		insert_rule(c, 0, &r);
		ef_sb_printf(log, "extra chain %s\n", name);
		return true;
	case MUT_DROP_CHAIN:
		if (!(c = rnd_chain(m, seed, false)))
			return false;
		ef_sb_printf(log, "drop chain %s\n", c->name);
		remove_chain(m, (size_t)(c - m->chains));
		return true;
	case MUT_TABLE_FLAGS:
		/* Never owned (nft made it), or its owner exited; rarely,
		 * since the first replaces the table whole. */
		if (rnd(seed, 4))
			return false;
		m->table_flags = rnd(seed, 2) ? EF_TABLE_F_PERSIST : 0;
		ef_sb_printf(log, "table flags -> %#x\n", m->table_flags);
		return true;
	case MUT_PEER:
		return mut_peer(m, seed, log);
	case MUT_MAX:
		break;
	}
	return false;
}

/* Shipped scenarios: host mode, gateway mode, another policy. */
static const char *const scenarios[][2] = {
	{ "edge-single-public", "edge-single-public" },
	{ "edge-scaled-hlb", "edge-scaled-hlb-gateway" },
	{ "reverse-proxy", "reverse-proxy" },
	{ "edge-single-nat", "edge-single-nat" },
};

static struct ef_model *compile_scenario(size_t i)
{
	char p[128], s[128];
	struct ef_diags dg = { 0 };
	struct ef_model *m = NULL;
	char *text;
	int err;

	snprintf(p, sizeof(p), "../../policies/%s.policy", scenarios[i][0]);
	snprintf(s, sizeof(s), "../../policies/examples/%s.site",
		 scenarios[i][1]);
	err = compile_files(p, s, NULL, &dg, &m);
	text = ef_diags_format(&dg);
	cr_assert_eq(err, 0, "%s with %s:\n%s", p, s, text);
	free(text);
	ef_diags_free(&dg);
	return m;
}

struct random_stats {
	unsigned int deltas, nonempty, inserts;
	unsigned int kinds[EF_OP_ADD_RULE + 1];
};

/* `n` live models, each `want` with 1 to 6 random changes. */
static void random_rounds(const struct ef_model *want, unsigned int seed0,
			  unsigned int n, struct random_stats *st)
{
	for (unsigned int iter = 0; iter < n; iter++) {
		unsigned int seed = seed0 * 7919u + iter;
		unsigned int nmut = 1 + rnd(&seed, 6), done = 0;
		struct ef_model *have = model_copy(want);
		struct ef_strbuf log = { 0 };
		struct ef_delta d;
		char *text, *ctx = NULL;

		ef_sb_printf(&log, "seed %u, iteration %u\n", seed0, iter);
		for (unsigned int t = 0; done < nmut && t < 50; t++)
			done += mutate(have, &seed, t, &log);
		sort_sets(have);
		/* Kernel handles: unique in the table. */
		for (size_t k = 0, h = 10; k < have->nchains; k++)
			for (size_t i = 0; i < have->chains[k].nrules; i++)
				have->chains[k].rules[i].handle = h++;

		diff_ok(want, have, &d);
		text = delta_text(&d);
		cr_assert_neq(asprintf(&ctx, "mutations:\n%sdelta:\n%s",
				       log.buf ? log.buf : "", text), -1);
		assert_delta_applies(want, have, &d, ctx);
		st->deltas++;
		st->nonempty += !ef_delta_empty(&d);
		for (size_t i = 0; i < d.n; i++) {
			cr_assert_lt((size_t)d.ops[i].kind, ARRAY_SIZE(st->kinds));
			st->kinds[d.ops[i].kind]++;
			st->inserts += d.ops[i].kind == EF_OP_ADD_RULE &&
				       d.ops[i].before;
		}
		free(ctx);
		free(text);
		ef_sb_free(&log);
		ef_delta_free(&d);
		ef_model_free(have);
	}
}

Test(diff, random_mutations_apply_back_to_desired, .timeout = 120)
{
	struct random_stats st = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		struct ef_model *want = compile_scenario(i);

		random_rounds(want, 0xd1ffu + (unsigned int)i, 500, &st);
		ef_model_free(want);
	}
	/* The mutations did make work for every kind of op. */
	cr_assert_gt(st.nonempty, st.deltas * 9 / 10, "%u of %u deltas not empty",
		     st.nonempty, st.deltas);
	for (size_t k = 0; k < ARRAY_SIZE(st.kinds); k++) {
		struct ef_op op = { .kind = (enum ef_op_kind)k };

		cr_assert_gt(st.kinds[k], 0, "no %s in any delta", ef_op_name(&op));
	}
	cr_assert_gt(st.kinds[EF_OP_FLUSH_CHAIN], 50);
	cr_assert_gt(st.kinds[EF_OP_DEL_RULE], 50);
	cr_assert_gt(st.kinds[EF_OP_DEL_ELEMS], 200);
	cr_assert_gt(st.kinds[EF_OP_ADD_ELEMS], 200);
	cr_assert_gt(st.inserts, 50, "%u rules inserted before a handle",
		     st.inserts);
	/* Peer lookups were changed in live too. */
	cr_assert_gt(peer_mutations, 50, "%u peer lookups changed",
		     peer_mutations);
}

/* From no table at all, the delta builds the whole model. */
Test(diff, no_table_applies_to_desired)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		struct ef_model *want = compile_scenario(i);
		struct ef_delta d;

		diff_checked(want, NULL, &d);
		ef_delta_free(&d);
		ef_model_free(want);
	}
}

/* ------------------------------------------------------------------ */
/* 8. Text and JSON.                                                    */

/* in4 lacks r8, a set `foreign`, input accepts, output has a stranger. */
static struct ef_model *small_change(const struct ef_model *want)
{
	struct ef_model *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "output");
	struct ef_rule r = foreign_rule();

	remove_elem(get_set(have, "in4"),
		    elem_index(get_set(have, "in4"), R8_KEY));
	add_lonely_set(have, "foreign", 1);
	get_chain(have, "input")->policy = EF_V_ACCEPT;
	insert_rule(hc, hc->nrules, &r);
	number_rules(have);
	return have;
}

Test(diff, delta_text)
{
	struct ef_model *want = compile_edge(), *have = small_change(want);
	struct ef_delta d;
	char *got;

	diff_checked(want, have, &d);
	got = delta_text(&d);
	cr_assert_str_eq(got,
			 "- rule output { # not edgefw's: " FOREIGN_TEXT " }\n"
			 "- set foreign\n"
			 "~ chain input { policy drop; }\n"
			 "+ element in4 { " R8_KEY " comment \"r8\" }\n");
	free(got);
	ef_delta_free(&d);
	ef_model_free(have);

	/* An element without rows has no comment; a range and a prefix. */
	have = model_copy(want);
	set_rows(get_set(have, "in4"), elem_index(get_set(have, "in4"),
						  R5_KEY), NULL);
	remove_elem(get_set(have, "out4"),
		    elem_index(get_set(have, "out4"),
			       "\"eth0\" . 198.51.100.12 . tcp . 50000-59999"));
	remove_elem(get_set(have, "mgmt6"), 0);
	number_rules(have);
	diff_checked(want, have, &d);
	got = delta_text(&d);
	cr_assert_str_eq(got,
			 "- element in4 { " R5_KEY " }\n"
			 "+ element in4 { " R5_KEY " comment \"r5,r31\" }\n"
			 "+ element out4 { \"eth0\" . 198.51.100.12 . tcp . 50000-59999 comment \"r9,r32\" }\n"
			 "+ element mgmt6 { 2001:db8:ffff::/48 . tcp . 22 comment \"mgmt\" }\n");
	free(got);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, delta_text_of_every_kind)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "input");
	struct ef_set *hs = get_set(have, "mgmt4");
	struct ef_delta d;
	char *got, *want_text = NULL;

	/* input: rule 0 swapped with rule 1 (flush); output: recreated;
	 * mgmt6: recreated; mgmt4: its element's comment differs. */
	{
		struct ef_rule r = hc->rules[0];

		hc->rules[0] = hc->rules[1];
		hc->rules[1] = r;
	}
	get_chain(have, "output")->priority = 5;
	get_set(have, "mgmt6")->counter = false;
	set_rows(hs, 0, "old");
	number_rules(have);
	diff_checked(want, have, &d);
	got = delta_text(&d);
	{
		struct ef_strbuf sb = { 0 };
		const struct ef_chain *wc = get_chain(want, "input");

		ef_sb_printf(&sb, "- every rule of chain input\n"
			       "- chain output\n"
			       "- set mgmt6\n"
			       "- element mgmt4 { 203.0.113.0/24 . tcp . 22 comment \"old\" }\n"
			       "+ element mgmt4 { 203.0.113.0/24 . tcp . 22 comment \"mgmt\" }\n"
			       "+ set mgmt6 (1 elements)\n"
			       "+ chain output (hook output, policy drop, %zu rules)\n",
			  get_chain(want, "output")->nrules);
		for (size_t i = 0; i < wc->nrules; i++) {
			ef_sb_printf(&sb, "+ rule input { ");
			ef_emit_rule(&sb, NULL, &wc->rules[i]);
			ef_sb_printf(&sb, " }\n");
		}
		want_text = ef_sb_steal(&sb);
	}
	cr_assert_str_eq(got, want_text);
	cr_assert_not_null(strstr(got, "+ rule input { ct state established,related accept }\n"
				       "+ rule input { ct state invalid drop }\n"));
	free(want_text);
	free(got);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, delta_text_from_no_table)
{
	struct ef_model *want = ef_model_new();
	struct ef_chain *c;
	struct ef_rule *r;
	struct ef_delta d;
	char *got;

	add_lonely_set(want, "web", 1);
	c = ef_model_add_chain(want, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	cr_assert_not_null(c);
	r = ef_chain_add_rule(c);
	cr_assert_not_null(r);
	r->verdict = EF_V_ACCEPT;
	diff_checked(want, NULL, &d);
	got = delta_text(&d);
	cr_assert_str_eq(got, "+ table inet edgefw\n"
			      "+ set web (1 elements)\n"
			      "+ chain input (hook input, policy drop, 1 rules)\n");
	free(got);
	ef_delta_free(&d);
	ef_model_free(want);
}

Test(diff, op_names)
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

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct ef_op op = { .kind = (enum ef_op_kind)i };

		cr_assert_str_eq(ef_op_name(&op), names[i]);
	}
}

/* The delta as JSON text, parsed back. */
static struct json_object *json_roundtrip(const struct ef_delta *d)
{
	struct json_object *o = ef_delta_json(d), *back;
	const char *text;

	cr_assert_not_null(o);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	cr_assert_not_null(text);
	back = json_tokener_parse(text);
	cr_assert_not_null(back, "not JSON: %s", text);
	json_object_put(o);
	return back;
}

static struct json_object *jget(struct json_object *o, const char *key,
				json_type type)
{
	struct json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
		  json_object_to_json_string(o));
	cr_assert(json_object_is_type(v, type), "\"%s\" has type %s", key,
		  json_type_to_name(json_object_get_type(v)));
	return v;
}

static void assert_jsize(struct json_object *root, int64_t ea, int64_t ed,
			 int64_t ra, int64_t rd, int64_t obj)
{
	struct json_object *size = jget(root, "size", json_type_object);

	cr_assert_eq(json_object_get_int64(jget(size, "elements_added", json_type_int)), ea);
	cr_assert_eq(json_object_get_int64(jget(size, "elements_deleted", json_type_int)), ed);
	cr_assert_eq(json_object_get_int64(jget(size, "rules_added", json_type_int)), ra);
	cr_assert_eq(json_object_get_int64(jget(size, "rules_deleted", json_type_int)), rd);
	cr_assert_eq(json_object_get_int64(jget(size, "objects", json_type_int)), obj);
}

static const char *jstr(struct json_object *o, const char *key)
{
	return json_object_get_string(jget(o, key, json_type_string));
}

Test(diff, delta_json)
{
	static const char *const ops_want[] = { "delete-rule", "delete-set",
						"set-policy", "add-elements" };
	struct ef_model *want = compile_edge(), *have = small_change(want);
	struct json_object *root, *ops, *op, *elems;
	struct ef_delta d;

	diff_checked(want, have, &d);
	root = json_roundtrip(&d);
	cr_assert_not(json_object_get_boolean(jget(root, "empty", json_type_boolean)));
	assert_jsize(root, 1, 0, 0, 1, 2);
	ops = jget(root, "ops", json_type_array);
	cr_assert_eq(json_object_array_length(ops), ARRAY_SIZE(ops_want));
	for (size_t i = 0; i < ARRAY_SIZE(ops_want); i++)
		cr_assert_str_eq(jstr(json_object_array_get_idx(ops, i), "op"),
				 ops_want[i]);

	op = json_object_array_get_idx(ops, 0);
	cr_assert_str_eq(jstr(op, "chain"), "output");
	cr_assert_str_eq(jstr(op, "rule"), "# not edgefw's: " FOREIGN_TEXT);
	op = json_object_array_get_idx(ops, 1);
	cr_assert_str_eq(jstr(op, "set"), "foreign");
	op = json_object_array_get_idx(ops, 2);
	cr_assert_str_eq(jstr(op, "chain"), "input");
	cr_assert_str_eq(jstr(op, "policy"), "drop");
	op = json_object_array_get_idx(ops, 3);
	cr_assert_str_eq(jstr(op, "set"), "in4");
	elems = jget(op, "elements", json_type_array);
	cr_assert_eq(json_object_array_length(elems), 1);
	cr_assert_str_eq(jstr(json_object_array_get_idx(elems, 0), "key"), R8_KEY);
	cr_assert_str_eq(jstr(json_object_array_get_idx(elems, 0), "rows"), "r8");
	json_object_put(root);
	ef_delta_free(&d);
	ef_model_free(have);

	/* No rows: no "rows". */
	have = model_copy(want);
	set_rows(get_set(have, "in4"), elem_index(get_set(have, "in4"),
						  R5_KEY), NULL);
	diff_checked(want, have, &d);
	root = json_roundtrip(&d);
	assert_jsize(root, 1, 1, 0, 0, 0);
	ops = jget(root, "ops", json_type_array);
	cr_assert_eq(json_object_array_length(ops), 2);
	op = json_object_array_get_idx(ops, 0);
	cr_assert_str_eq(jstr(op, "op"), "delete-elements");
	elems = jget(op, "elements", json_type_array);
	cr_assert_str_eq(jstr(json_object_array_get_idx(elems, 0), "key"), R5_KEY);
	cr_assert_not(json_object_object_get_ex(json_object_array_get_idx(elems, 0),
						"rows", NULL));
	op = json_object_array_get_idx(ops, 1);
	cr_assert_str_eq(jstr(op, "op"), "add-elements");
	elems = jget(op, "elements", json_type_array);
	cr_assert_str_eq(jstr(json_object_array_get_idx(elems, 0), "rows"),
			 "r5,r31");
	json_object_put(root);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

Test(diff, delta_json_empty_and_from_no_table)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct json_object *root, *ops;
	struct ef_delta d;
	size_t rules = 0;

	diff_ok(want, have, &d);
	root = json_roundtrip(&d);
	cr_assert(json_object_get_boolean(jget(root, "empty", json_type_boolean)));
	assert_jsize(root, 0, 0, 0, 0, 0);
	cr_assert_eq(json_object_array_length(jget(root, "ops", json_type_array)), 0);
	json_object_put(root);
	ef_delta_free(&d);

	diff_ok(want, NULL, &d);
	root = json_roundtrip(&d);
	for (size_t k = 0; k < want->nchains; k++)
		rules += want->chains[k].nrules;
	cr_assert_not(json_object_get_boolean(jget(root, "empty", json_type_boolean)));
	assert_jsize(root, (int64_t)ef_model_elem_count(want), 0, (int64_t)rules,
		     0, (int64_t)(1 + want->nsets + want->nchains));
	ops = jget(root, "ops", json_type_array);
	cr_assert_eq(json_object_array_length(ops), d.n);
	cr_assert_str_eq(jstr(json_object_array_get_idx(ops, 0), "op"), "add-table");
	for (size_t i = 1; i < d.n; i++) {
		struct json_object *op = json_object_array_get_idx(ops, i);

		cr_assert_str_eq(jstr(op, "op"), ef_op_name(&d.ops[i]));
		if (d.ops[i].kind == EF_OP_ADD_SET)
			cr_assert_eq(json_object_get_int64(jget(op, "element_count",
								json_type_int)),
				     (int64_t)d.ops[i].set->nelems);
	}
	json_object_put(root);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* ------------------------------------------------------------------ */
/* 9. Groups: peer lookups and the groups' address sets.                */

#define FE_PEER "ip saddr @g4_front_end iifname . ip daddr . meta l4proto . th dport @in4_front_end accept"

static size_t rule_index(const struct ef_chain *c, const char *peer_set,
			 const char *set)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].set, set) &&
		    !strcmp(c->rules[i].peer_set, peer_set))
			return i;
	cr_assert_fail("chain %s has no lookup %s>%s", c->name, peer_set, set);
	return 0;
}

static char *rule_text(const struct ef_rule *r)
{
	struct ef_strbuf sb = { 0 };

	ef_emit_rule(&sb, NULL, r);
	return ef_sb_steal(&sb);
}

/*
 * A live rule that differs only in its peer lookup is another rule: the
 * front end's ports open to the director, to any peer, or to the front
 * end as a destination. None of them may pass for the desired one.
 */
Test(diff, rule_with_other_peer_lookup_is_replaced)
{
	struct ef_model *want = compile_edge(), *have;
	const struct ef_chain *wc = get_chain(want, "input");
	size_t i = rule_index(wc, "g4_front_end", "in4_front_end");
	struct ef_rule *r;
	char *text;

	text = rule_text(&wc->rules[i]);
	cr_assert_str_eq(text, FE_PEER);
	free(text);

	/* Another group's addresses. */
	have = model_copy(want);
	r = &get_chain(have, "input")->rules[i];
	strcpy(r->peer_set, "g4_director");
	cr_assert_not(ef_rule_equal(r, &wc->rules[i]));
	cr_assert_not(ef_model_equal(want, have));
	check_mixed(want, have, "input");
	ef_model_free(have);

	/* No peer lookup: the front end's rows open to any peer. */
	have = model_copy(want);
	r = &get_chain(have, "input")->rules[i];
	r->peer_set[0] = '\0';
	cr_assert_not(ef_rule_equal(r, &wc->rules[i]));
	cr_assert_not(ef_rule_equal(&wc->rules[i], r));
	check_mixed(want, have, "input");
	ef_model_free(have);

	/* The peer at the other end. */
	have = model_copy(want);
	r = &get_chain(have, "input")->rules[i];
	r->peer_key = EF_F_DADDR4;
	cr_assert_not(ef_rule_equal(r, &wc->rules[i]));
	check_mixed(want, have, "input");
	ef_model_free(have);

	/* Behind a lookup of a peer set, a rule that had none. */
	have = model_copy(want);
	r = &get_chain(have, "input")->rules[rule_index(wc, "", "in4")];
	strcpy(r->peer_set, "g4_front_end");
	r->peer_key = EF_F_SADDR4;
	check_mixed(want, have, "input");
	ef_model_free(have);
	ef_model_free(want);
}

/* Extra live rules with other peer lookups go one by one, by handle. */
Test(diff, extra_rule_with_other_peer_lookup_is_deleted)
{
	struct ef_model *want = compile_edge();
	const struct ef_chain *wc = get_chain(want, "input");
	size_t i = rule_index(wc, "g4_front_end", "in4_front_end");
	struct ef_rule r = wc->rules[i];

	strcpy(r.peer_set, "g4_director");
	check_one_extra_rule(want, i + 1, &r);
	check_one_extra_rule(want, i, &r);
	check_one_extra_rule(want, wc->nrules, &r);
	r.peer_set[0] = '\0';
	check_one_extra_rule(want, i + 1, &r);
	check_one_extra_rule(want, 0, &r);
	ef_model_free(want);
}

/* A desired peer lookup missing in live: added where it stands. */
Test(diff, peer_lookup_missing_in_live)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	const struct ef_chain *wc = get_chain(want, "input");
	size_t i = rule_index(wc, "g4_front_end", "in4_front_end");
	struct json_object *root, *ops, *op;
	struct ef_delta d;
	char *got;

	remove_rule(get_chain(have, "input"), i);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_ADD_RULE, wc);
	cr_assert_eq(d.ops[0].rule, i);
	cr_assert_eq(d.ops[0].before, 100 + i);
	got = delta_text(&d);
	cr_assert_str_eq(got, "+ rule input { " FE_PEER " }\n");
	free(got);
	root = json_roundtrip(&d);
	ops = jget(root, "ops", json_type_array);
	cr_assert_eq(json_object_array_length(ops), 1);
	op = json_object_array_get_idx(ops, 0);
	cr_assert_str_eq(jstr(op, "op"), "add-rule");
	cr_assert_str_eq(jstr(op, "chain"), "input");
	cr_assert_str_eq(jstr(op, "rule"), FE_PEER);
	json_object_put(root);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* The text and JSON of a live peer lookup that goes. */
Test(diff, peer_lookup_extra_in_live_text_and_json)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *hc = get_chain(have, "output");
	size_t i = rule_index(hc, "g4_director", "out4_director");
	struct ef_rule r = hc->rules[i];
	static const char want_rule[] =
		"ip daddr @g4_front_end oifname . ip saddr . meta l4proto . th dport @out4_director accept";
	struct json_object *root, *ops, *op;
	struct ef_delta d;
	char *got;

	strcpy(r.peer_set, "g4_front_end");
	insert_rule(hc, i + 1, &r);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 1);
	assert_op(&d, 0, EF_OP_DEL_RULE, hc);
	cr_assert_eq(d.ops[0].rule, i + 1);
	got = delta_text(&d);
	cr_assert_str_eq(got, "- rule output { ip daddr @g4_front_end oifname . ip saddr . meta l4proto . th dport @out4_director accept }\n");
	free(got);
	root = json_roundtrip(&d);
	assert_jsize(root, 0, 0, 0, 1, 0);
	ops = jget(root, "ops", json_type_array);
	op = json_object_array_get_idx(ops, 0);
	cr_assert_str_eq(jstr(op, "op"), "delete-rule");
	cr_assert_str_eq(jstr(op, "chain"), "output");
	cr_assert_str_eq(jstr(op, "rule"), want_rule);
	json_object_put(root);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/*
 * A set only in live that a live rule looks its peer up in: the chain is
 * flushed before the set goes (the kernel refuses to delete a set in use).
 */
Test(diff, peer_set_only_in_live_goes_after_its_users)
{
	struct ef_model *want = compile_edge(), *have = model_copy(want);
	struct ef_chain *wc = get_chain(want, "input"), *hc;
	const enum ef_type t = EF_T_IPV4;
	uint8_t k[EF_KEY_MAX] = { 198, 51, 100, 1 };
	struct ef_set *gone;
	struct ef_rule r;
	struct ef_delta d;

	gone = ef_model_add_set(have, "g4_gone", &t, 1, false);
	cr_assert_not_null(gone);
	cr_assert_eq(ef_set_add_elem(gone, k, k, NULL), 0);
	hc = get_chain(have, "input");
	r = hc->rules[rule_index(hc, "g4_front_end", "in4_front_end")];
	strcpy(r.peer_set, "g4_gone");
	insert_rule(hc, hc->nrules - 1, &r);
	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2 + wc->nrules);
	assert_op(&d, 0, EF_OP_FLUSH_CHAIN, hc);
	assert_op(&d, 1, EF_OP_DEL_SET, get_set(have, "g4_gone"));
	for (size_t i = 0; i < wc->nrules; i++) {
		assert_op(&d, 2 + i, EF_OP_ADD_RULE, wc);
		cr_assert_eq(d.ops[2 + i].rule, i);
	}
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* The shipped site with one line replaced. */
static struct ef_model *compile_edge_replacing(const char *from, const char *to)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text = NULL, *site = NULL, *path, *at, *msg;
	size_t len = 0;
	FILE *f = fopen(SITE, "r");

	cr_assert_not_null(f);
	cr_assert_gt(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	at = strstr(text, from);
	cr_assert_not_null(at, "no '%s' in " SITE, from);
	cr_assert_neq(asprintf(&site, "%.*s%s%s", (int)(at - text), text, to,
			       at + strlen(from)), -1);
	tdir_init(&t);
	path = tdir_write(&t, "x.site", site, 0644);
	cr_assert_eq(compile_files(POLICY, path, NULL, &d, &m), 0);
	msg = ef_diags_format(&d);
	cr_assert_eq(d.n, 0, "%s", msg);
	free(msg);
	ef_diags_free(&d);
	tdir_fini(&t);
	free(path);
	free(site);
	free(text);
	return m;
}

#define DIRECTOR "director  = 192.0.2.10, 192.0.2.11, 2001:db8:200::10"

/* A group's addresses change: its address set's elements, nothing else. */
Test(diff, group_addresses_change_only_their_elements)
{
	struct ef_model *have = compile_edge();
	struct ef_model *want = compile_edge_replacing(DIRECTOR,
		"director = 192.0.2.12, 192.0.2.10, 192.0.2.11, 198.51.100.77, 2001:db8:200::10");
	struct ef_set *ws = get_set(want, "g4_director");
	struct json_object *root, *ops, *elems;
	struct ef_delta d;
	char *got;

	number_rules(have);
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_DEL_ELEMS, get_set(have, "g4_director"));
	assert_op(&d, 1, EF_OP_ADD_ELEMS, ws);
	cr_assert_eq(d.ops[1].nelems, 2);
	got = delta_text(&d);
	cr_assert_str_eq(got, "- element g4_director { 192.0.2.10/31 }\n"
			      "+ element g4_director { 192.0.2.10-192.0.2.12 }\n"
			      "+ element g4_director { 198.51.100.77 }\n");
	free(got);
	root = json_roundtrip(&d);
	assert_jsize(root, 2, 1, 0, 0, 0);
	ops = jget(root, "ops", json_type_array);
	elems = jget(json_object_array_get_idx(ops, 1), "elements",
		     json_type_array);
	cr_assert_eq(json_object_array_length(elems), 2);
	cr_assert_str_eq(jstr(json_object_array_get_idx(elems, 0), "key"),
			 "192.0.2.10-192.0.2.12");
	/* A group's addresses serve no row of their own: no "rows". */
	cr_assert_not(json_object_object_get_ex(json_object_array_get_idx(elems, 0),
						"rows", NULL));
	json_object_put(root);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* A group bound to none, then to addresses again: its sets and lookups go
 * and come back, the lookups after their sets. */
Test(diff, group_unbound_and_bound_again)
{
	static const char *const director_sets[] = {
		"g4_director", "in4_director", "g6_director", "in6_director",
		"out4_director", "out6_director",
	};
	struct ef_model *full = compile_edge();
	struct ef_model *none = compile_edge_replacing(DIRECTOR,
						       "director = none");
	struct ef_model *have;
	struct ef_delta d;
	size_t dels = 0, adds = 0;

	cr_assert_eq(full->nsets, none->nsets + ARRAY_SIZE(director_sets));
	for (size_t i = 0; i < ARRAY_SIZE(director_sets); i++)
		cr_assert_null(ef_model_find_set(none, director_sets[i]));

	/* Unbound: every director set goes, after the rules using them. */
	have = model_copy(full);
	number_rules(have);
	diff_checked(none, have, &d);
	for (size_t i = 0; i < d.n; i++) {
		cr_assert(d.ops[i].kind != EF_OP_ADD_SET &&
			  d.ops[i].kind != EF_OP_ADD_ELEMS &&
			  d.ops[i].kind != EF_OP_DEL_ELEMS);
		if (d.ops[i].kind == EF_OP_DEL_SET) {
			cr_assert_not_null(strstr(d.ops[i].set->name, "director"));
			dels++;
		}
	}
	cr_assert_eq(dels, ARRAY_SIZE(director_sets));
	ef_delta_free(&d);
	ef_model_free(have);

	/* Bound again: the sets come first, then the four lookups in place. */
	have = model_copy(none);
	number_rules(have);
	diff_checked(full, have, &d);
	for (size_t i = 0; i < d.n; i++) {
		if (d.ops[i].kind == EF_OP_ADD_SET) {
			cr_assert_eq(adds, i, "add-set after another op");
			adds++;
			continue;
		}
		assert_op(&d, i, EF_OP_ADD_RULE, NULL);
		cr_assert_not_null(strstr(d.ops[i].chain->rules[d.ops[i].rule].peer_set,
					  "_director"));
		cr_assert_neq(d.ops[i].before, 0, "appended after the log rule");
	}
	cr_assert_eq(adds, ARRAY_SIZE(director_sets));
	cr_assert_eq(d.n, adds + 4);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(none);
	ef_model_free(full);
}

/* ------------------------------------------------------------------ */
/* NAT: maps and nat chains drift like everything else.                */

/* A map element pointing elsewhere (198.51.100.20 : 192.0.2.99) is
 * replaced: deleted, then added with the compiled data. */
Test(diff, map_element_with_other_data_is_replaced)
{
	struct ef_model *want = nat_model(), *have = model_copy(want);
	struct ef_set *ws = get_set(want, "nat_dnat4");
	struct ef_set *hs = get_set(have, "nat_dnat4");
	struct ef_delta d;
	char *text;

	uint8_t data[EF_DATA_MAX];

	memcpy(data, ef_elem_data(hs, 0), ef_set_data_len(hs));
	data[3] = 99;
	cr_assert_eq(ef_map_set_data(hs, 0, data), 0);
	cr_assert_not(ef_model_equal(want, have));
	diff_checked(want, have, &d);
	assert_nops(&d, 2);
	assert_op(&d, 0, EF_OP_DEL_ELEMS, hs);
	assert_op(&d, 1, EF_OP_ADD_ELEMS, ws);
	text = delta_text(&d);
	cr_assert_str_eq(text,
			 "- element nat_dnat4 { 198.51.100.20 comment \"access_edge\" : 192.0.2.99 }\n"
			 "+ element nat_dnat4 { 198.51.100.20 comment \"access_edge\" : 192.0.2.66 }\n");
	free(text);
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}

/* A plain set where the map should be, or a filter chain where the nat
 * chain should be: made again, with what uses them. */
Test(diff, map_turned_set_and_nat_chain_turned_filter_are_recreated)
{
	struct ef_model *want = nat_model(), *have = model_copy(want);
	struct ef_delta d;

	get_set(have, "nat_snat4")->map = false;
	get_chain(have, "prerouting")->type = EF_CHAIN_FILTER;
	number_rules(have);
	diff_checked(want, have, &d);
	cr_assert_eq(ef_delta_size(&d).rules_added, 2, "prerouting, postrouting");
	ef_delta_free(&d);
	ef_model_free(have);
	ef_model_free(want);
}
