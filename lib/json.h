/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON for scripts (json-c): what --json prints. */
#ifndef EDGEFW_JSON_H
#define EDGEFW_JSON_H

#include <json-c/json.h>

#include "diff.h"
#include "explain.h"

/* {"empty": false, "size": {...}, "ops": [{"op": "add-elements", ...}]} */
struct json_object *ef_delta_json(const struct ef_delta *d);

/*
 * An explanation (edgefwctl explain --json, edgefwd's explain): the flow,
 * then an answer per set of interfaces; rows named by `meta`'s row table
 * (id, where, note). NULL when out of memory.
 */
struct json_object *ef_explanation_json(const struct ef_explanation *x,
					const struct ef_model *meta);

#endif
