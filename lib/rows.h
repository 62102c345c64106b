/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy rows a set element serves, as row ids, and the comment that
 * carries them into the kernel and back: "r5,r31", "mgmt,r4", or, for a
 * list too long for a comment, the rows that fit and how many did not,
 * "r1,r2,...,r30,+12". One encoder and one parser, so that a list read
 * back from the kernel equals the list compiled.
 *
 * A list never changes once made, and elements serving the same rows may
 * share one: each element holds a reference, the last one frees it.
 */
#ifndef EDGEFW_ROWS_H
#define EDGEFW_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EF_ROW_MGMT 0u		/* the management guard, not a policy row */
#define EF_ROWS_MAX 127		/* bytes of a comment we write: nft's limit */
#define EF_COMMENT_MAX 256	/* bytes of any comment, with its NUL: the
				 * kernel's limit on an element's user data */

struct ef_rows {
	uint32_t refs;
	uint32_t cut;		/* rows left out of the comment: ",+N" */
	uint16_t n;		/* ids in id[] */
	/* A comment that names no rows (n = cut = 0): one we did not
	 * write, or the role of a NAT map's element. Kept as it was read,
	 * after the header: it equals only the same text. */
	bool foreign;
	unsigned int id[];	/* ascending, each once; EF_ROW_MGMT first */
};

/*
 * The list of `ids` (n > 0, ascending, each once): as many as a comment of
 * EF_ROWS_MAX bytes names, the others counted in `cut`. The cut depends on
 * the ids only, so compiling twice makes the same comment. NULL when out
 * of memory.
 */
struct ef_rows *ef_rows_new(const unsigned int *ids, size_t n);
/*
 * The list a comment names. A comment the encoder would not write the
 * same, byte for byte, is kept as foreign text. 0 or -ENOMEM.
 */
int ef_rows_parse(const char *text, struct ef_rows **ret);
/*
 * The comment of `r` into buf (NUL-terminated, cut to `size`), as
 * snprintf: returns the length of the whole comment. EF_COMMENT_MAX bytes
 * hold any list made or parsed here.
 */
size_t ef_rows_text(const struct ef_rows *r, char *buf, size_t size);

/* Another reference to r (NULL stays NULL); put drops one. */
struct ef_rows *ef_rows_get(struct ef_rows *r);
void ef_rows_put(struct ef_rows *r);

/* An order of lists by what they say (NULL first), and equality in it: a
 * foreign comment equals only the same foreign text. */
int ef_rows_cmp(const struct ef_rows *a, const struct ef_rows *b);
bool ef_rows_equal(const struct ef_rows *a, const struct ef_rows *b);

#endif
