// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-row counters from a live model: adds each element's hits to the
 * rows it serves; and the drop counters at the ends of the chains. Reads
 * models only; the caller reads the kernel.
 */
#include <errno.h>
#include <stdlib.h>

#include "counters.h"
#include "util.h"

/* Adds the element's hits to every row of `compiled` it lists (rows cut
 * off its comment are not known; EF_ROW_MGMT is no policy row). */
static void count_elem(const struct ef_model *compiled,
		       const struct ef_set *set, size_t e,
		       struct ef_row_count *counts)
{
	const struct ef_rows *rows = ef_elem_rows(set, e);

	for (size_t i = 0; rows && i < rows->n; i++) {
		for (size_t r = 0; r < compiled->nrows; r++) {
			if (compiled->rows[r].id != rows->id[i])
				continue;
			counts[r].packets += ef_elem_packets(set, e);
			counts[r].bytes += ef_elem_bytes(set, e);
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
			count_elem(compiled, &live->sets[s], i, counts);
	*ret = counts;
	return 0;
}

/* The counts of the rule of `live` equal to the compiled `r`, if any. */
static void count_rule(const struct ef_chain *live, const struct ef_rule *r,
		       struct ef_drop_count *count)
{
	for (size_t i = 0; live && i < live->nrules; i++) {
		if (!ef_rule_equal(&live->rules[i], r))
			continue;
		count->packets = live->rules[i].packets;
		count->bytes = live->rules[i].bytes;
		return;
	}
}

int ef_drop_counters(const struct ef_model *compiled,
		     const struct ef_model *live, struct ef_drop_count **ret,
		     size_t *ret_n)
{
	struct ef_drop_count *counts = NULL;
	size_t n = 0, cap = 0;

	for (size_t c = 0; c < compiled->nchains; c++) {
		const struct ef_chain *ch = &compiled->chains[c];
		const struct ef_chain *lch = live ?
			ef_model_find_chain(live, ch->name) : NULL;

		for (size_t i = 0; i < ch->nrules; i++) {
			const struct ef_rule *r = &ch->rules[i];

			if (!r->counter)
				continue;
			if (ef_grow((void **)&counts, &cap, n + 1,
				    sizeof(*counts))) {
				free(counts);
				return -ENOMEM;
			}
			counts[n] = (struct ef_drop_count){
				.chain = ch->name, .nfproto = r->nfproto };
			count_rule(lch, r, &counts[n++]);
		}
	}
	*ret = counts;
	*ret_n = n;
	return 0;
}
