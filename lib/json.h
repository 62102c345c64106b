/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON for scripts (json-c): what --json prints. */
#ifndef EDGEFW_JSON_H
#define EDGEFW_JSON_H

#include <json-c/json.h>

#include "diff.h"

/* {"empty": false, "size": {...}, "ops": [{"op": "add-elements", ...}]} */
struct json_object *ef_delta_json(const struct ef_delta *d);

#endif
