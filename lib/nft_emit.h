/* SPDX-License-Identifier: GPL-2.0-or-later */
/* model -> nft text: what people read and what `nft -c -f` accepts. */
#ifndef EDGEFW_NFT_EMIT_H
#define EDGEFW_NFT_EMIT_H

#include "model.h"
#include "util.h"

enum {
	/* counts of elements and rules (read-back models) */
	EF_EMIT_COUNTERS = 1 << 0,
};

void ef_emit_nft(struct ef_strbuf *sb, const struct ef_model *m, unsigned int flags);
/* One field value range [lo, hi] as nft writes it. */
void ef_emit_field(struct ef_strbuf *sb, enum ef_type t, const uint8_t *lo,
		   const uint8_t *hi);
/* One element: "eth0" . 192.0.2.1 . tcp . 443 */
void ef_emit_elem_key(struct ef_strbuf *sb, const struct ef_set *set,
		      size_t i);
/* Its key, and for a map what it maps to: 198.51.100.20 : 192.0.2.66 */
void ef_emit_elem(struct ef_strbuf *sb, const struct ef_set *set, size_t i);
/* One rule, a counter without its counts. */
void ef_emit_rule(struct ef_strbuf *sb, const struct ef_model *m,
		  const struct ef_rule *r);
/* Milliseconds as nft writes a time: "1h", "59m58s512ms". */
void ef_emit_ms(struct ef_strbuf *sb, uint64_t ms);
/* Seconds so, into buf (cut to EF_DURATION_TEXT bytes); returns buf. */
#define EF_DURATION_TEXT 32
const char *ef_duration_text(uint64_t secs, char buf[EF_DURATION_TEXT]);

struct ef_delta;
struct ef_op;
/* One line per change: "+ element in4 ...", "- rule ...", "~ chain ...". */
void ef_emit_delta(struct ef_strbuf *sb, const struct ef_delta *d);

#endif
