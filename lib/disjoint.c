// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cuts the boxes of overlapping rows into disjoint set elements, each
 * listing the rows it serves. Knows keys and rows, not the policy syntax.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disjoint.h"

struct dctx {
	struct ef_set *set;
	size_t off[EF_FIELDS_MAX];
	uint8_t width[EF_FIELDS_MAX];
	size_t max;
	uint8_t lo[EF_KEY_MAX], hi[EF_KEY_MAX];	/* the piece being cut */
	unsigned int dim;	/* for the qsort comparator */
};

struct bound {
	uint8_t v[16];
};

/* v += 1 over w big-endian bytes; false on overflow. */
static bool inc(uint8_t *v, unsigned int w)
{
	for (unsigned int i = w; i-- > 0;)
		if (++v[i])
			return true;
	return false;
}

static void dec(uint8_t *v, unsigned int w)
{
	for (unsigned int i = w; i-- > 0;)
		if (v[i]--)
			return;
}

static int cmp_u32(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The rows the boxes serve, each once, in order (ef_rows_new cuts a list
 * too long for a comment). */
static struct ef_rows *row_list(struct ef_box **b, size_t n)
{
	unsigned int *ids = malloc(n * sizeof(*ids));
	struct ef_rows *rows;
	size_t uniq = 0;

	if (!ids)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ids[i] = b[i]->row;
	qsort(ids, n, sizeof(*ids), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!i || ids[i] != ids[i - 1])
			ids[uniq++] = ids[i];
	rows = ef_rows_new(ids, uniq);
	free(ids);
	return rows;
}

/* Dimensions below `d` come from the piece, the rest from b[0]. */
static int emit(struct dctx *c, struct ef_box **b, size_t n, unsigned int d)
{
	uint8_t key[EF_KEY_MAX], key_end[EF_KEY_MAX];
	size_t split = d < c->set->nfields ? c->off[d] :
					     ef_set_key_len(c->set);
	struct ef_rows *rows;
	int err;

	if (c->set->nelems >= c->max)
		return -E2BIG;
	memcpy(key, c->lo, split);
	memcpy(key_end, c->hi, split);
	memcpy(key + split, b[0]->key + split, EF_KEY_MAX - split);
	memcpy(key_end + split, b[0]->key_end + split, EF_KEY_MAX - split);
	rows = row_list(b, n);
	if (!rows)
		return -ENOMEM;
	err = ef_set_add_elem(c->set, key, key_end, rows);
	ef_rows_put(rows);
	return err;
}

static int cmp_bound(const void *a, const void *b, void *width)
{
	return memcmp(a, b, *(unsigned int *)width);
}

static int split(struct dctx *c, struct ef_box **b, size_t n, unsigned int d);

static int sweep(struct dctx *c, struct ef_box **b, size_t n, unsigned int d,
		 struct bound *bounds, size_t nb)
{
	unsigned int w = c->width[d];
	size_t off = c->off[d], j = 0, nactive = 0;
	struct ef_box **active = malloc(n * sizeof(*active));
	struct ef_box **sub = malloc(n * sizeof(*sub));
	int err = 0;

	if (!active || !sub) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nb && !err; i++) {
		uint8_t end[16];
		size_t k = 0;

		/* Drop boxes that ended before this piece, take those that start. */
		for (size_t a = 0; a < nactive; a++)
			if (memcmp(active[a]->key_end + off, bounds[i].v, w) >= 0)
				active[k++] = active[a];
		nactive = k;
		while (j < n && memcmp(b[j]->key + off, bounds[i].v, w) <= 0)
			active[nactive++] = b[j++];
		if (!nactive)
			continue;
		if (i + 1 < nb) {
			memcpy(end, bounds[i + 1].v, w);
			dec(end, w);
		} else {
			memset(end, 0xff, w);
		}
		memcpy(c->lo + off, bounds[i].v, w);
		memcpy(c->hi + off, end, w);
		memcpy(sub, active, nactive * sizeof(*sub));
		err = split(c, sub, nactive, d + 1);
	}
out:
	free(active);
	free(sub);
	return err;
}

/* Sorts boxes by their start in dimension c->dim. */
static int cmp_box_lo(const void *a, const void *b, void *arg)
{
	const struct dctx *c = arg;
	const struct ef_box *x = *(struct ef_box *const *)a;
	const struct ef_box *y = *(struct ef_box *const *)b;

	return memcmp(x->key + c->off[c->dim], y->key + c->off[c->dim],
		      c->width[c->dim]);
}

static int split(struct dctx *c, struct ef_box **b, size_t n, unsigned int d)
{
	unsigned int w;
	struct bound *bounds;
	size_t nb = 0, u = 0;
	int err;

	if (d == c->set->nfields || n == 1)
		return emit(c, b, n, d);
	w = c->width[d];
	bounds = calloc(2 * n, sizeof(*bounds));
	if (!bounds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(bounds[nb++].v, b[i]->key + c->off[d], w);
		memcpy(bounds[nb].v, b[i]->key_end + c->off[d], w);
		if (inc(bounds[nb].v, w))
			nb++;
	}
	qsort_r(bounds, nb, sizeof(*bounds), cmp_bound, &w);
	for (size_t i = 0; i < nb; i++)
		if (!u || memcmp(bounds[i].v, bounds[u - 1].v, w))
			bounds[u++] = bounds[i];
	c->dim = d;
	qsort_r(b, n, sizeof(*b), cmp_box_lo, c);
	err = sweep(c, b, n, d, bounds, u);
	free(bounds);
	return err;
}

int ef_set_add_disjoint(struct ef_set *set, struct ef_box *boxes, size_t n,
			size_t max)
{
	struct dctx c = { .set = set, .max = max };
	struct ef_box **b;
	int err;

	if (!n)
		return 0;
	for (unsigned int i = 0; i < set->nfields; i++) {
		c.off[i] = ef_field_offset(set, i);
		c.width[i] = ef_type_info(set->type[i])->len;
	}
	b = malloc(n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		b[i] = &boxes[i];
	err = split(&c, b, n, 0);
	free(b);
	if (!err)
		ef_set_sort(set);
	return err;
}
