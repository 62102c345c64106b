// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A delta as JSON for scripts (--json). Keys and rules are written as
 * nft writes them (nft_emit), so the text matches `edgefwctl diff`.
 */
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
