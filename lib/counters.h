/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-row counters: what the elements serving each policy row of a
 * compiled model counted in the live table read back; and per chain and
 * family, what a chain's policy dropped.
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

/* What the policy of one chain dropped of one family. */
struct ef_drop_count {
	const char *chain;	/* the compiled model's name for it */
	uint8_t nfproto;	/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	uint64_t packets, bytes;
};

/*
 * One entry per rule of `compiled` that counts (the ends of the chains
 * whose policy drops, one rule per family: the compiler makes no others),
 * in its order, into *ret and *ret_n (NULL and 0 for none; the caller
 * frees). The counts are those of the equal rule of the same chain in
 * `live`: 0 where it has none. 0 or -ENOMEM.
 */
int ef_drop_counters(const struct ef_model *compiled,
		     const struct ef_model *live, struct ef_drop_count **ret,
		     size_t *ret_n);

#endif
