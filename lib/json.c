// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A delta as JSON for scripts (--json). Keys and rules are written as
 * nft writes them (nft_emit), so the text matches `edgefwctl diff`.
 */
#include <netinet/in.h>

#include "json.h"
#include "nft_emit.h"

static struct json_object *text(void (*fn)(struct ef_strbuf *, const void *),
				const void *arg)
{
	struct ef_strbuf sb = { 0 };
	struct json_object *o;

	fn(&sb, arg);
	o = sb.err ? NULL : json_object_new_string(sb.buf ? sb.buf : "");
	ef_sb_free(&sb);
	return o;
}

struct elem_arg {
	const struct ef_set *set;
	size_t e;
};

static void elem_text(struct ef_strbuf *sb, const void *arg)
{
	const struct elem_arg *a = arg;

	ef_emit_elem_key(sb, a->set, a->e);
}

static void data_text(struct ef_strbuf *sb, const void *arg)
{
	const struct elem_arg *a = arg;

	ef_emit_field(sb, a->set->data, ef_elem_data(a->set, a->e),
		      ef_elem_data(a->set, a->e));
}

static void rule_text(struct ef_strbuf *sb, const void *arg)
{
	ef_emit_rule(sb, NULL, arg);
}

/* A reply stays readable: a delta of 100 000 elements lists the first. */
#define EF_JSON_ELEMS_MAX 1000

static struct json_object *elements(const struct ef_op *op)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < op->nelems && i < EF_JSON_ELEMS_MAX; i++) {
		size_t e = op->elems[i];
		struct elem_arg a = { op->set, e };
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "key", text(elem_text, &a));
		if (op->set->map)
			json_object_object_add(o, "data", text(data_text, &a));
		if (ef_elem_rows(op->set, e)) {
			char rows[EF_COMMENT_MAX];

			ef_rows_text(ef_elem_rows(op->set, e), rows,
				     sizeof(rows));
			json_object_object_add(o, "rows",
					       json_object_new_string(rows));
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *op_json(const struct ef_op *op)
{
	struct json_object *o = json_object_new_object();
	const struct ef_chain *c = op->chain;

	json_object_object_add(o, "op", json_object_new_string(ef_op_name(op)));
	if (op->set)
		json_object_object_add(o, "set",
				       json_object_new_string(op->set->name));
	if (c)
		json_object_object_add(o, "chain", json_object_new_string(c->name));
	switch (op->kind) {
	case EF_OP_DEL_ELEMS:
	case EF_OP_ADD_ELEMS:
		json_object_object_add(o, "elements", elements(op));
		json_object_object_add(o, "element_count",
				       json_object_new_uint64(op->nelems));
		break;
	case EF_OP_ADD_SET:
		json_object_object_add(o, "element_count",
				       json_object_new_uint64(op->set->nelems));
		break;
	case EF_OP_DEL_RULE:
	case EF_OP_ADD_RULE:
		json_object_object_add(o, "rule",
				       text(rule_text, &c->rules[op->rule]));
		break;
	case EF_OP_SET_POLICY:
	case EF_OP_ADD_CHAIN:
		json_object_object_add(o, "policy",
				       json_object_new_string(ef_verdict_name(c->policy)));
		break;
	default:
		break;
	}
	return o;
}

struct json_object *ef_delta_json(const struct ef_delta *d)
{
	struct ef_delta_size s = ef_delta_size(d);
	struct json_object *root = json_object_new_object();
	struct json_object *size = json_object_new_object();
	struct json_object *ops = json_object_new_array();

	json_object_object_add(size, "elements_added",
			       json_object_new_uint64(s.elems_added));
	json_object_object_add(size, "elements_deleted",
			       json_object_new_uint64(s.elems_deleted));
	json_object_object_add(size, "rules_added",
			       json_object_new_uint64(s.rules_added));
	json_object_object_add(size, "rules_deleted",
			       json_object_new_uint64(s.rules_deleted));
	json_object_object_add(size, "objects", json_object_new_uint64(s.objects));
	for (size_t i = 0; i < d->n; i++)
		json_object_array_add(ops, op_json(&d->ops[i]));
	json_object_object_add(root, "empty",
			       json_object_new_boolean(ef_delta_empty(d)));
	json_object_object_add(root, "size", size);
	json_object_object_add(root, "ops", ops);
	return root;
}

/* ---- explain ---------------------------------------------------------- */

static struct json_object *addr_json(uint8_t family, const uint8_t *lo,
				     const uint8_t *hi)
{
	struct ef_strbuf sb = { 0 };
	struct json_object *o;

	ef_emit_field(&sb, family == 4 ? EF_T_IPV4 : EF_T_IPV6, lo, hi);
	o = sb.err ? NULL : json_object_new_string(sb.buf ? sb.buf : "");
	ef_sb_free(&sb);
	return o;
}

static const struct ef_row *find_row(const struct ef_model *meta,
				     unsigned int id)
{
	for (size_t i = 0; i < meta->nrows; i++)
		if (meta->rows[i].id == id)
			return &meta->rows[i];
	return NULL;
}

/* [{"row":5,"where":"x.policy:12","note":"..."}, ...]: the policy rows of
 * a list (the management guard is said by "by", not as a row). */
static struct json_object *rows_json(const struct ef_rows *rows,
				     const struct ef_model *meta)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; rows && arr && i < rows->n; i++) {
		const struct ef_row *r = find_row(meta, rows->id[i]);
		struct json_object *o;

		if (rows->id[i] == EF_ROW_MGMT)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "row", json_object_new_uint64(rows->id[i]));
		if (r) {
			json_object_object_add(o, "where", json_object_new_string(r->where));
			json_object_object_add(o, "note", json_object_new_string(r->note ? r->note : ""));
			if (r->features)
				json_object_object_add(o, "features",
						       json_object_new_string(r->features));
			if (r->off)
				json_object_object_add(o, "off", json_object_new_boolean(1));
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *reason_json(const struct ef_reason *r,
				       const struct ef_model *meta)
{
	static const char *const diffs[] = { "zone", "address", "peer" };
	struct json_object *o = json_object_new_object();
	struct json_object *d = json_object_new_array();

	json_object_object_add(o, "reason", json_object_new_string(ef_reason_name(r->kind)));
	for (unsigned int i = 0; i < 3; i++)
		if (r->differs & (1u << i))
			json_object_array_add(d, json_object_new_string(diffs[i]));
	json_object_object_add(o, "differs", d);
	if (r->differs & EF_DIFF_ZONE) {
		json_object_object_add(o, "interface", json_object_new_string(r->ifname));
		json_object_object_add(o, "zone", json_object_new_string(r->zone));
	}
	if (r->addr.family)
		json_object_object_add(o, "address", addr_json(r->addr.family, r->addr.lo, r->addr.hi));
	if (r->role[0])
		json_object_object_add(o, "role", json_object_new_string(r->role));
	if (r->group[0])
		json_object_object_add(o, "group", json_object_new_string(r->group));
	if (r->kind == EF_R_ROW_ELSEWHERE || r->kind == EF_R_FEATURE_OFF)
		json_object_object_add(o, "rows", rows_json(r->rows, meta));
	return o;
}

static struct json_object *answer_json(const struct ef_answer *a,
				       const struct ef_model *meta)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ifs = json_object_new_array();
	struct json_object *why;
	char comment[EF_COMMENT_MAX];

	for (size_t i = 0; i < a->nifnames; i++) {
		const struct ef_model_zone *z =
			ef_model_iface_zone(meta, a->ifnames[i]);
		struct json_object *one = json_object_new_object();

		json_object_object_add(one, "interface", json_object_new_string(a->ifnames[i]));
		json_object_object_add(one, "zone", json_object_new_string(z ? z->name : ""));
		json_object_array_add(ifs, one);
	}
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(o, "chain", json_object_new_string(a->chain));
	json_object_object_add(o, "verdict", json_object_new_string(ef_verdict_name(a->verdict)));
	json_object_object_add(o, "by", json_object_new_string(ef_by_name(a->by)));
	if (a->set[0])
		json_object_object_add(o, "set", json_object_new_string(a->set));
	if (a->unknown_rules)
		json_object_object_add(o, "unknown_rules",
				       json_object_new_uint64(a->unknown_rules));
	if (a->by == EF_BY_ROW || a->by == EF_BY_HAIRPIN)
		json_object_object_add(o, "rows", rows_json(a->rows, meta));
	if (a->by == EF_BY_EXCEPTION) {
		ef_rows_text(a->rows, comment, sizeof(comment));
		json_object_object_add(o, "comment", json_object_new_string(comment));
		json_object_object_add(o, "expires_in",
				       json_object_new_uint64(a->expires_ms / 1000));
	}
	if (a->verdict != EF_V_DROP)
		return o;
	why = json_object_new_array();
	for (size_t i = 0; i < a->nreasons; i++)
		json_object_array_add(why, reason_json(&a->reasons[i], meta));
	json_object_object_add(o, "reasons", why);
	return o;
}

struct json_object *ef_explanation_json(const struct ef_explanation *x,
					const struct ef_model *meta)
{
	const struct ef_flow *f = &x->flow;
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(o, "from", addr_json(f->family, f->saddr, f->saddr));
	json_object_object_add(o, "from_assumed", json_object_new_boolean(x->from_assumed));
	json_object_object_add(o, "to", addr_json(f->family, f->daddr, f->daddr));
	json_object_object_add(o, "proto", json_object_new_string(f->proto == IPPROTO_UDP ? "udp" : "tcp"));
	json_object_object_add(o, "port", json_object_new_int(f->dport));
	if (f->iif[0])
		json_object_object_add(o, "in", json_object_new_string(f->iif));
	if (f->oif[0])
		json_object_object_add(o, "out", json_object_new_string(f->oif));
	if (x->dnat)
		json_object_object_add(o, "translated_to",
				       addr_json(f->family, x->dnat_to, x->dnat_to));
	json_object_object_add(o, "direction", json_object_new_string(x->dir == EF_DIR_IN ? "in" : "out"));
	json_object_object_add(o, "forwarded", json_object_new_boolean(x->gateway));
	json_object_object_add(o, "ours", json_object_new_boolean(!x->unknown_dest));
	json_object_object_add(o, "by_interface",
			       json_object_new_string(x->vary_oif ? "out" : "in"));
	for (size_t i = 0; i < x->nanswers; i++)
		json_object_array_add(arr, answer_json(&x->answers[i], meta));
	json_object_object_add(o, "answers", arr);
	return o;
}
