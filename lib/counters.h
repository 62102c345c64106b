/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-row counters: what the elements serving each policy row of a
 * compiled model counted in the live table read back.
 */
#ifndef EDGEFW_COUNTERS_H
#define EDGEFW_COUNTERS_H

#include <stdint.h>

#include "model.h"

struct ef_row_count {
	uint64_t packets, bytes;
};

/*
 * One entry per row of `compiled`, in its order, into *ret (NULL when it
 * has no rows; the caller frees). An element several rows share counts
 * for each of them. 0 or -ENOMEM.
 */
int ef_row_counters(const struct ef_model *compiled,
		    const struct ef_model *live, struct ef_row_count **ret);

#endif
