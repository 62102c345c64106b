// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-row counters from a live model: adds each element's hits to the
 * rows it serves. Reads models only; the caller reads the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"

/* Adds the element's hits to every row of `compiled` it lists. */
static void count_elem(const struct ef_model *compiled,
		       const struct ef_elem *e, struct ef_row_count *counts)
{
	for (const char *p = e->rows; p && (p = strchr(p, 'r'));) {
		unsigned long id = strtoul(++p, NULL, 10);

		for (size_t r = 0; r < compiled->nrows; r++) {
			if (compiled->rows[r].id != id)
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
