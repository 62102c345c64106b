// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The list of objects events named. Out of memory, or past a limit, it
 * falls back to "the table": never less than what changed.
 */
#include <stdlib.h>
#include <string.h>

#include "dirty.h"
#include "util.h"

bool ef_dirty_empty(const struct ef_dirty *d)
{
	return !d->table && !d->n;
}

void ef_dirty_table(struct ef_dirty *d)
{
	ef_dirty_clear(d);
	d->table = true;
}

static struct ef_dirty_object *find(struct ef_dirty *d, bool chain,
				    const char *name)
{
	struct ef_dirty_object *o;

	for (size_t i = 0; i < d->n; i++)
		if (d->objs[i].chain == chain && !strcmp(d->objs[i].name, name))
			return &d->objs[i];
	if (d->table || strlen(name) >= EF_NAME_MAX ||
	    d->n == EF_DIRTY_OBJECTS ||
	    ef_grow((void **)&d->objs, &d->cap, d->n + 1, sizeof(*d->objs))) {
		ef_dirty_table(d);
		return NULL;
	}
	o = &d->objs[d->n++];
	memset(o, 0, sizeof(*o));
	o->chain = chain;
	strcpy(o->name, name);
	return o;
}

static void whole(struct ef_dirty_object *o)
{
	free(o->keys);
	o->keys = NULL;
	o->nkeys = o->cap = 0;
	o->whole = true;
}

void ef_dirty_object(struct ef_dirty *d, bool chain, const char *name)
{
	struct ef_dirty_object *o = find(d, chain, name);

	if (o)
		whole(o);
}

void ef_dirty_key(struct ef_dirty *d, const char *set, const void *key,
		  size_t len)
{
	struct ef_dirty_object *o = find(d, false, set);

	if (!o || o->whole)
		return;
	for (size_t k = 0; k < o->nkeys; k++)
		if (o->keys[k].len == len && !memcmp(o->keys[k].key, key, len))
			return;		/* deleted, then added again */
	if (!len || len > EF_KEY_MAX || o->nkeys == EF_DIRTY_KEYS ||
	    ef_grow((void **)&o->keys, &o->cap, o->nkeys + 1,
		    sizeof(*o->keys))) {
		whole(o);
		return;
	}
	memset(&o->keys[o->nkeys], 0, sizeof(*o->keys));
	o->keys[o->nkeys].len = (uint8_t)len;
	memcpy(o->keys[o->nkeys].key, key, len);
	o->nkeys++;
}

void ef_dirty_merge(struct ef_dirty *dst, const struct ef_dirty *src)
{
	if (src->table) {
		ef_dirty_table(dst);
		return;
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct ef_dirty_object *o = &src->objs[i];

		if (o->chain || o->whole)
			ef_dirty_object(dst, o->chain, o->name);
		for (size_t k = 0; !o->chain && !o->whole && k < o->nkeys; k++)
			ef_dirty_key(dst, o->name, o->keys[k].key,
				     o->keys[k].len);
	}
}

void ef_dirty_clear(struct ef_dirty *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->objs[i].keys);
	free(d->objs);
	memset(d, 0, sizeof(*d));
}
