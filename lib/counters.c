// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-row counters from a live model: adds each element's hits to the
 * rows it serves. Reads models only; the caller reads the kernel.
 */
#include <errno.h>
#include <stdlib.h>

#include "counters.h"

/* Adds the element's hits to every row of `compiled` it lists (rows cut
 * off its comment are not known; EF_ROW_MGMT is no policy row). */
static void count_elem(const struct ef_model *compiled,
		       const struct ef_elem *e, struct ef_row_count *counts)
{
	for (size_t i = 0; e->rows && i < e->rows->n; i++) {
		for (size_t r = 0; r < compiled->nrows; r++) {
			if (compiled->rows[r].id != e->rows->id[i])
				continue;
			counts[r].packets += e->packets;
			counts[r].bytes += e->bytes;
		}
	}
}

int ef_row_counters(const struct ef_model *compiled,
		    const struct ef_model *live, struct ef_row_count **ret)
{
	struct ef_row_count *counts = NULL;

	*ret = NULL;
	if (!compiled->nrows)
		return 0;
	counts = calloc(compiled->nrows, sizeof(*counts));
	if (!counts)
		return -ENOMEM;
	for (size_t s = 0; live && s < live->nsets; s++)
		for (size_t i = 0; i < live->sets[s].nelems; i++)
			count_elem(compiled, &live->sets[s].elems[i], counts);
	*ret = counts;
	return 0;
}
