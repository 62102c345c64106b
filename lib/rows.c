// SPDX-License-Identifier: GPL-2.0-or-later
/* Row lists: made, written as comments, read back, shared. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

#define TOKEN_MAX 16		/* ",r4294967295" or ",+4294967295", NUL */

/* A list with room for n ids, or for a foreign text of `text` bytes. */
static struct ef_rows *rows_alloc(size_t n, size_t text)
{
	struct ef_rows *r = malloc(sizeof(*r) + n * sizeof(r->id[0]) + text);

	if (r) {
		memset(r, 0, sizeof(*r));
		r->refs = 1;
	}
	return r;
}

static const char *foreign_text(const struct ef_rows *r)
{
	return (const char *)r->id;
}

/* Row `id` as a comment names it, after a comma unless it comes first. */
static size_t row_token(char *tok, unsigned int id, bool first)
{
	const char *sep = first ? "" : ",";

	if (id == EF_ROW_MGMT)
		return (size_t)sprintf(tok, "%smgmt", sep);
	return (size_t)sprintf(tok, "%sr%u", sep, id);
}

struct ef_rows *ef_rows_new(const unsigned int *ids, size_t n)
{
	char tok[TOKEN_MAX];
	size_t keep, len = 0;
	struct ef_rows *r;

	for (keep = 0; keep < n; keep++) {
		len += row_token(tok, ids[keep], !keep);
		/* Room for ",+NNNNNNNNNN" after the last row that fits. */
		if (len > EF_ROWS_MAX - 12)
			break;
	}
	r = rows_alloc(keep, 0);
	if (!r)
		return NULL;
	r->n = (uint16_t)keep;
	r->cut = (uint32_t)(n - keep);
	memcpy(r->id, ids, keep * sizeof(ids[0]));
	return r;
}

/* Appends len bytes to buf as snprintf would; *at counts them all. */
static void append(char *buf, size_t size, size_t *at, const char *s,
		   size_t len)
{
	if (*at + 1 < size) {
		size_t room = size - 1 - *at;

		memcpy(buf + *at, s, len < room ? len : room);
	}
	*at += len;
}

size_t ef_rows_text(const struct ef_rows *r, char *buf, size_t size)
{
	char tok[TOKEN_MAX];
	size_t len = 0;

	if (r->foreign) {
		append(buf, size, &len, foreign_text(r),
		       strlen(foreign_text(r)));
	} else {
		for (size_t i = 0; i < r->n; i++)
			append(buf, size, &len, tok,
			       row_token(tok, r->id[i], !i));
		if (r->cut)
			append(buf, size, &len, tok,
			       (size_t)sprintf(tok, ",+%u", r->cut));
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}

/*
 * Reads "mgmt", "rN" and "+N" tokens into r (room for one id a token);
 * false where a token is none of them or the ids do not ascend. What the
 * encoder would write otherwise (a leading zero, "r0", the cut not last)
 * is left to the caller's round trip.
 */
static bool parse_ids(const char *p, struct ef_rows *r)
{
	while (*p) {
		unsigned long v = EF_ROW_MGMT;
		char *end;

		if (*p == 'r' || *p == '+') {
			if (p[1] < '0' || p[1] > '9')
				return false;
			errno = 0;
			v = strtoul(p + 1, &end, 10);
			if (errno || v > UINT_MAX)
				return false;
		} else if (!strncmp(p, "mgmt", 4)) {
			end = (char *)p + 4;
		} else {
			return false;
		}
		if (*p == '+') {
			r->cut = (uint32_t)v;
		} else if (r->n && v <= r->id[r->n - 1]) {
			return false;
		} else {
			r->id[r->n++] = (unsigned int)v;
		}
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return false;
	}
	return r->n || r->cut;
}

int ef_rows_parse(const char *text, struct ef_rows **ret)
{
	size_t len = strlen(text), tokens = 1;
	char again[EF_COMMENT_MAX];
	struct ef_rows *r = NULL;

	if (len < EF_COMMENT_MAX) {
		for (const char *c = text; *c; c++)
			tokens += *c == ',';
		r = rows_alloc(tokens, 0);
		if (!r)
			return -ENOMEM;
		if (parse_ids(text, r) &&
		    ef_rows_text(r, again, sizeof(again)) == len &&
		    !memcmp(again, text, len)) {
			*ret = r;
			return 0;
		}
		free(r);
	}
	r = rows_alloc(0, len + 1);
	if (!r)
		return -ENOMEM;
	r->foreign = true;
	memcpy((char *)r->id, text, len + 1);
	*ret = r;
	return 0;
}

struct ef_rows *ef_rows_get(struct ef_rows *r)
{
	if (r)
		r->refs++;
	return r;
}

void ef_rows_put(struct ef_rows *r)
{
	if (r && !--r->refs)
		free(r);
}

int ef_rows_cmp(const struct ef_rows *a, const struct ef_rows *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return a ? 1 : -1;
	if (a->foreign != b->foreign)
		return a->foreign ? 1 : -1;
	if (a->foreign)
		return strcmp(foreign_text(a), foreign_text(b));
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->cut != b->cut)
		return a->cut < b->cut ? -1 : 1;
	for (size_t i = 0; i < a->n; i++)
		if (a->id[i] != b->id[i])
			return a->id[i] < b->id[i] ? -1 : 1;
	return 0;
}

bool ef_rows_equal(const struct ef_rows *a, const struct ef_rows *b)
{
	return !ef_rows_cmp(a, b);
}
