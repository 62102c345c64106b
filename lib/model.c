// SPDX-License-Identifier: GPL-2.0-or-later
/* The ruleset model: construction, ordering, equality. */

#include <errno.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* nft datatype numbers (nftables include/datatype.h), used in key types. */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define NFT_TYPE_INET_PROTOCOL 12
#define NFT_TYPE_INET_SERVICE 13
#define NFT_TYPE_IFNAME 41

static const struct ef_type_info type_info[EF_T_MAX] = {
	[EF_T_IFNAME] = { "ifname", NFT_TYPE_IFNAME, 16, 16 },
	[EF_T_IPV4] = { "ipv4_addr", NFT_TYPE_IPADDR, 4, 4 },
	[EF_T_IPV6] = { "ipv6_addr", NFT_TYPE_IP6ADDR, 16, 16 },
	[EF_T_PROTO] = { "inet_proto", NFT_TYPE_INET_PROTOCOL, 1, 4 },
	[EF_T_PORT] = { "inet_service", NFT_TYPE_INET_SERVICE, 2, 4 },
};

static const struct ef_field_info field_info[EF_F_MAX] = {
	[EF_F_IIFNAME] = { "iifname", EF_T_IFNAME },
	[EF_F_OIFNAME] = { "oifname", EF_T_IFNAME },
	[EF_F_SADDR4] = { "ip saddr", EF_T_IPV4 },
	[EF_F_DADDR4] = { "ip daddr", EF_T_IPV4 },
	[EF_F_SADDR6] = { "ip6 saddr", EF_T_IPV6 },
	[EF_F_DADDR6] = { "ip6 daddr", EF_T_IPV6 },
	[EF_F_L4PROTO] = { "meta l4proto", EF_T_PROTO },
	[EF_F_DPORT] = { "th dport", EF_T_PORT },
};

const struct ef_type_info *ef_type_info(enum ef_type t)
{
	return &type_info[t];
}

const struct ef_field_info *ef_field_info(enum ef_field f)
{
	return &field_info[f];
}

void ef_fields_types(const enum ef_field *fields, unsigned int n,
		     enum ef_type *ret)
{
	for (unsigned int i = 0; i < n; i++)
		ret[i] = field_info[fields[i]].type;
}

uint32_t ef_set_key_len(const struct ef_set *set)
{
	return (uint32_t)ef_field_offset(set, set->nfields);
}

size_t ef_field_offset(const struct ef_set *set, unsigned int idx)
{
	size_t off = 0;

	for (unsigned int i = 0; i < idx; i++)
		off += type_info[set->type[i]].reg_len;
	return off;
}

struct ef_model *ef_model_new(void)
{
	return calloc(1, sizeof(struct ef_model));
}

static void rule_release(struct ef_rule *r)
{
	free(r->foreign);
}

void ef_model_free(struct ef_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nsets; i++) {
		ef_set_release(&m->sets[i]);
	}
	for (size_t i = 0; i < m->nchains; i++) {
		for (size_t j = 0; j < m->chains[i].nrules; j++)
			rule_release(&m->chains[i].rules[j]);
		free(m->chains[i].rules);
	}
	for (size_t i = 0; i < m->nrows; i++) {
		free(m->rows[i].where);
		free(m->rows[i].note);
		free(m->rows[i].features);
	}
	for (size_t i = 0; i < m->nroles; i++) {
		free(m->roles[i].name);
		free(m->roles[i].addrs);
	}
	free(m->sets);
	free(m->chains);
	free(m->rows);
	free(m->roles);
	for (size_t i = 0; i < m->nzones; i++) {
		free(m->zones[i].name);
		free(m->zones[i].ifnames);
	}
	free(m->zones);
	free(m);
}

struct ef_set *ef_model_add_set(struct ef_model *m, const char *name,
				const enum ef_type *types, unsigned int n,
				bool counter)
{
	struct ef_set *set;

	if (n == 0 || n > EF_FIELDS_MAX || strlen(name) >= EF_NAME_MAX)
		return NULL;
	if (ef_grow((void **)&m->sets, &m->sets_cap, m->nsets + 1,
		 sizeof(*m->sets)) < 0)
		return NULL;
	set = &m->sets[m->nsets++];
	memset(set, 0, sizeof(*set));
	strcpy(set->name, name);
	set->nfields = (uint8_t)n;
	memcpy(set->type, types, n * sizeof(*types));
	set->counter = counter;
	return set;
}

struct ef_set *ef_model_add_set_like(struct ef_model *m,
				     const struct ef_set *shape)
{
	struct ef_set *set = ef_model_add_set(m, shape->name, shape->type,
					      shape->nfields, shape->counter);

	if (set) {
		set->hashed = shape->hashed;
		set->timeout = shape->timeout;
		set->size = shape->size;
		set->map = shape->map;
		set->data = shape->data;
	}
	return set;
}

struct ef_set *ef_model_find_set(const struct ef_model *m, const char *name)
{
	for (size_t i = 0; i < m->nsets; i++)
		if (!strcmp(m->sets[i].name, name))
			return &m->sets[i];
	return NULL;
}

struct ef_set *ef_model_add_map(struct ef_model *m, const char *name,
				enum ef_type key, enum ef_type data)
{
	struct ef_set *map = ef_model_add_set(m, name, &key, 1, false);

	if (map) {
		map->hashed = true;
		map->map = true;
		map->data = data;
	}
	return map;
}

uint32_t ef_set_data_len(const struct ef_set *set)
{
	return set->map ? type_info[set->data].reg_len : 0;
}

/*
 * A set's elements: their keys side by side in one array, klen bytes
 * each, every key followed by the end of its range unless the set is a
 * hash. Rows, a map's data, counts and times are arrays of their own,
 * made when the first element that has some comes: a group's million
 * addresses carry none of them.
 */

static const uint8_t no_data[EF_DATA_MAX];

/* Grows an optional array (if there is one) along with the keys. */
static int grow_part(void **arr, size_t cap, size_t size)
{
	void *p;

	if (!*arr)
		return 0;
	p = realloc(*arr, cap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* Makes an optional array, zeroes for the elements there are. */
static int need_part(const struct ef_set *set, void **arr, size_t size)
{
	if (!*arr)
		*arr = calloc(set->cap ? set->cap : 1, size);
	return *arr ? 0 : -ENOMEM;
}

int ef_set_reserve(struct ef_set *set, size_t n)
{
	size_t cap = set->cap;
	int err;

	if (!set->kstride) {
		set->klen = (uint8_t)ef_set_key_len(set);
		set->kstride = (uint8_t)(set->hashed ? set->klen :
					 2 * set->klen);
	}
	if (n <= set->cap)
		return 0;
	if (ef_grow((void **)&set->keys, &cap, n, set->kstride ?
		    set->kstride : 1))
		return -ENOMEM;
	err = grow_part((void **)&set->rows, cap, sizeof(*set->rows));
	err = err ?: grow_part((void **)&set->datas, cap,
			       ef_set_data_len(set) ?: 1);
	err = err ?: grow_part((void **)&set->counts, cap, 2 * sizeof(uint64_t));
	err = err ?: grow_part((void **)&set->times, cap, 2 * sizeof(uint64_t));
	if (!err)
		set->cap = cap;
	return err;
}

int ef_set_add_elem(struct ef_set *set, const uint8_t *key,
		    const uint8_t *key_end, struct ef_rows *rows)
{
	size_t i = set->nelems;
	uint32_t dlen = ef_set_data_len(set);
	uint8_t *k;

	if (ef_set_reserve(set, i + 1))
		return -ENOMEM;
	if (set->kstride == set->klen && memcmp(key, key_end, set->klen))
		return -EINVAL;
	if (rows && need_part(set, (void **)&set->rows, sizeof(*set->rows)))
		return -ENOMEM;
	k = set->keys + i * set->kstride;
	memcpy(k, key, set->klen);
	memcpy(k + set->kstride - set->klen, key_end, set->klen);
	/* A slot left by a removed element may hold its old values. */
	if (set->rows)
		set->rows[i] = ef_rows_get(rows);
	if (set->datas)
		memset(set->datas + i * dlen, 0, dlen);
	if (set->counts)
		memset(set->counts + 2 * i, 0, 2 * sizeof(uint64_t));
	if (set->times)
		memset(set->times + 2 * i, 0, 2 * sizeof(uint64_t));
	set->nelems++;
	return 0;
}

int ef_map_set_data(struct ef_set *map, size_t i, const uint8_t *data)
{
	uint32_t dlen = ef_set_data_len(map);

	if (!dlen)
		return 0;
	if (need_part(map, (void **)&map->datas, dlen))
		return -ENOMEM;
	memcpy(map->datas + i * dlen, data, dlen);
	return 0;
}

int ef_map_add_elem(struct ef_set *map, const uint8_t *key,
		    const uint8_t *data, struct ef_rows *rows)
{
	int err = ef_set_add_elem(map, key, key, rows);

	return err ?: ef_map_set_data(map, map->nelems - 1, data);
}

void ef_elem_set_key(struct ef_set *set, size_t i, const uint8_t *key)
{
	memcpy(set->keys + i * set->kstride, key, set->klen);
}

int ef_elem_set_rows(struct ef_set *set, size_t i, struct ef_rows *rows)
{
	if (!set->rows && !rows)
		return 0;
	if (need_part(set, (void **)&set->rows, sizeof(*set->rows)))
		return -ENOMEM;
	ef_rows_put(set->rows[i]);
	set->rows[i] = ef_rows_get(rows);
	return 0;
}

void ef_elem_set_key_end(struct ef_set *set, size_t i, const uint8_t *key_end)
{
	if (set->kstride != set->klen)
		memcpy(set->keys + i * set->kstride + set->klen, key_end,
		       set->klen);
}

int ef_set_copy_elem(struct ef_set *dst, const struct ef_set *src, size_t i)
{
	int err = ef_set_add_elem(dst, ef_elem_key(src, i),
				  ef_elem_key_end(src, i),
				  ef_elem_rows(src, i));

	if (err || !src->datas)
		return err;
	return ef_map_set_data(dst, dst->nelems - 1, ef_elem_data(src, i));
}

const uint8_t *ef_elem_key(const struct ef_set *set, size_t i)
{
	return set->keys + i * set->kstride;
}

const uint8_t *ef_elem_key_end(const struct ef_set *set, size_t i)
{
	return set->keys + i * set->kstride + (set->kstride - set->klen);
}

struct ef_rows *ef_elem_rows(const struct ef_set *set, size_t i)
{
	return set->rows ? set->rows[i] : NULL;
}

const uint8_t *ef_elem_data(const struct ef_set *set, size_t i)
{
	return set->datas ? set->datas + i * ef_set_data_len(set) : no_data;
}

uint64_t ef_elem_packets(const struct ef_set *set, size_t i)
{
	return set->counts ? set->counts[2 * i] : 0;
}

uint64_t ef_elem_bytes(const struct ef_set *set, size_t i)
{
	return set->counts ? set->counts[2 * i + 1] : 0;
}

uint64_t ef_elem_timeout(const struct ef_set *set, size_t i)
{
	return set->times ? set->times[2 * i] : 0;
}

uint64_t ef_elem_expires(const struct ef_set *set, size_t i)
{
	return set->times ? set->times[2 * i + 1] : 0;
}

int ef_elem_set_counts(struct ef_set *set, size_t i, uint64_t packets,
		       uint64_t bytes)
{
	if (!set->counts && !packets && !bytes)
		return 0;
	if (need_part(set, (void **)&set->counts, 2 * sizeof(uint64_t)))
		return -ENOMEM;
	set->counts[2 * i] = packets;
	set->counts[2 * i + 1] = bytes;
	return 0;
}

int ef_elem_set_times(struct ef_set *set, size_t i, uint64_t timeout_ms,
		      uint64_t expires_ms)
{
	if (!set->times && !timeout_ms && !expires_ms)
		return 0;
	if (need_part(set, (void **)&set->times, 2 * sizeof(uint64_t)))
		return -ENOMEM;
	set->times[2 * i] = timeout_ms;
	set->times[2 * i + 1] = expires_ms;
	return 0;
}

int ef_elem_cmp(const struct ef_set *a, size_t i, const struct ef_set *b,
		size_t j)
{
	int r = memcmp(ef_elem_key(a, i), ef_elem_key(b, j), a->klen);

	return r ? r : memcmp(ef_elem_key_end(a, i), ef_elem_key_end(b, j),
			      a->klen);
}

bool ef_set_find_key(const struct ef_set *set, const uint8_t *key,
		     size_t *ret)
{
	size_t lo = 0, hi = set->nelems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(ef_elem_key(set, mid), key, set->klen);

		if (!r) {
			*ret = mid;
			return true;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool ef_set_shares_elems(const struct ef_set *a, const struct ef_set *b)
{
	return a->keys == b->keys && a->nelems == b->nelems;
}

/* Element `from` put at `to`, over what was there. */
static void move_elem(struct ef_set *set, size_t to, size_t from)
{
	uint32_t dlen = ef_set_data_len(set);

	memcpy(set->keys + to * set->kstride, set->keys + from * set->kstride,
	       set->kstride);
	if (set->rows)
		set->rows[to] = set->rows[from];
	if (set->datas)
		memcpy(set->datas + to * dlen, set->datas + from * dlen, dlen);
	if (set->counts)
		memcpy(set->counts + 2 * to, set->counts + 2 * from,
		       2 * sizeof(uint64_t));
	if (set->times)
		memcpy(set->times + 2 * to, set->times + 2 * from,
		       2 * sizeof(uint64_t));
}

void ef_set_unique(struct ef_set *set)
{
	size_t out = 0;

	for (size_t i = 0; i < set->nelems; i++) {
		if (out && !memcmp(ef_elem_key(set, i),
				   ef_elem_key(set, out - 1), set->klen)) {
			ef_rows_put(ef_elem_rows(set, i));
			continue;
		}
		if (out != i)
			move_elem(set, out, i);
		out++;
	}
	set->nelems = out;
}

void ef_set_remove_elem(struct ef_set *set, size_t i)
{
	ef_rows_put(ef_elem_rows(set, i));
	for (; i + 1 < set->nelems; i++)
		move_elem(set, i, i + 1);
	set->nelems--;
}

void ef_set_clear(struct ef_set *set)
{
	for (size_t i = 0; set->rows && i < set->nelems; i++)
		ef_rows_put(set->rows[i]);
	set->nelems = 0;
}

void ef_set_release(struct ef_set *set)
{
	ef_set_clear(set);
	free(set->keys);
	free(set->rows);
	free(set->datas);
	free(set->counts);
	free(set->times);
	set->keys = set->datas = NULL;
	set->rows = NULL;
	set->counts = set->times = NULL;
	set->cap = 0;
}

static void swap_elems(struct ef_set *set, size_t a, size_t b)
{
	uint8_t key[2 * EF_KEY_MAX], data[EF_DATA_MAX];
	uint32_t dlen = ef_set_data_len(set);
	uint64_t two[2];
	struct ef_rows *rows;

	memcpy(key, ef_elem_key(set, a), set->kstride);
	memcpy(set->keys + a * set->kstride, ef_elem_key(set, b), set->kstride);
	memcpy(set->keys + b * set->kstride, key, set->kstride);
	if (set->rows) {
		rows = set->rows[a];
		set->rows[a] = set->rows[b];
		set->rows[b] = rows;
	}
	if (set->datas) {
		memcpy(data, set->datas + a * dlen, dlen);
		memcpy(set->datas + a * dlen, set->datas + b * dlen, dlen);
		memcpy(set->datas + b * dlen, data, dlen);
	}
	if (set->counts) {
		memcpy(two, set->counts + 2 * a, sizeof(two));
		memcpy(set->counts + 2 * a, set->counts + 2 * b, sizeof(two));
		memcpy(set->counts + 2 * b, two, sizeof(two));
	}
	if (set->times) {
		memcpy(two, set->times + 2 * a, sizeof(two));
		memcpy(set->times + 2 * a, set->times + 2 * b, sizeof(two));
		memcpy(set->times + 2 * b, two, sizeof(two));
	}
}

static void sift_down(struct ef_set *set, size_t i, size_t n)
{
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && ef_elem_cmp(set, c + 1, set, c) > 0)
			c++;
		if (ef_elem_cmp(set, i, set, c) >= 0)
			return;
		swap_elems(set, i, c);
	}
}

/* Keys side by side, each followed by its end: one memcmp orders them. */
static int stride_cmp(const void *a, const void *b, void *arg)
{
	return memcmp(a, b, ((const struct ef_set *)arg)->kstride);
}

void ef_set_sort(struct ef_set *set)
{
	size_t n = set->nelems, i;

	for (i = 1; i < n && ef_elem_cmp(set, i - 1, set, i) <= 0; i++)
		;
	if (i >= n)
		return;		/* sorted already: a group comes sorted */
	if (!set->rows && !set->datas && !set->counts && !set->times) {
		qsort_r(set->keys, n, set->kstride, stride_cmp, set);
		return;
	}
	/* Parallel arrays: a heap sort moves them together, in place. */
	for (i = n / 2; i-- > 0;)
		sift_down(set, i, n);
	for (i = n; i-- > 1;) {
		swap_elems(set, 0, i);
		sift_down(set, 0, i);
	}
}

/* Orders pointers to elements' rows by the lists they point to. */
static int rows_ref_cmp(const void *a, const void *b)
{
	struct ef_rows *const *x = *(struct ef_rows *const *const *)a;
	struct ef_rows *const *y = *(struct ef_rows *const *const *)b;

	return ef_rows_cmp(*x, *y);
}

int ef_model_share_rows(struct ef_model *m)
{
	struct ef_rows ***refs = NULL;
	size_t n = 0, cap = 0;

	for (size_t s = 0; s < m->nsets; s++) {
		struct ef_set *set = &m->sets[s];

		for (size_t i = 0; set->rows && i < set->nelems; i++) {
			if (!set->rows[i])
				continue;
			if (ef_grow((void **)&refs, &cap, n + 1,
				    sizeof(*refs))) {
				free(refs);
				return -ENOMEM;
			}
			refs[n++] = &set->rows[i];
		}
	}
	if (n > 1)
		qsort(refs, n, sizeof(*refs), rows_ref_cmp);
	/* Equal lists are neighbours now: a run takes the list of its first. */
	for (size_t i = 1; i < n; i++) {
		struct ef_rows *first = *refs[i - 1];

		if (*refs[i] != first && ef_rows_equal(*refs[i], first)) {
			ef_rows_put(*refs[i]);
			*refs[i] = ef_rows_get(first);
		}
	}
	free(refs);
	return 0;
}

struct ef_chain *ef_model_add_chain(struct ef_model *m, const char *name,
				    enum ef_hook hook, int32_t prio,
				    enum ef_verdict policy)
{
	struct ef_chain *c;

	if (strlen(name) >= EF_NAME_MAX)
		return NULL;
	if (ef_grow((void **)&m->chains, &m->chains_cap, m->nchains + 1,
		 sizeof(*m->chains)) < 0)
		return NULL;
	c = &m->chains[m->nchains++];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->hook = hook;
	c->priority = prio;
	c->policy = policy;
	return c;
}

struct ef_chain *ef_model_find_chain(const struct ef_model *m,
				     const char *name)
{
	for (size_t i = 0; i < m->nchains; i++)
		if (!strcmp(m->chains[i].name, name))
			return &m->chains[i];
	return NULL;
}

struct ef_rule *ef_chain_add_rule(struct ef_chain *c)
{
	struct ef_rule *r;

	if (ef_grow((void **)&c->rules, &c->cap, c->nrules + 1,
		 sizeof(*c->rules)) < 0)
		return NULL;
	r = &c->rules[c->nrules++];
	memset(r, 0, sizeof(*r));
	return r;
}

int ef_model_add_row(struct ef_model *m, unsigned int id, const char *where,
		     const char *note)
{
	struct ef_row *row;

	if (ef_grow((void **)&m->rows, &m->rows_cap, m->nrows + 1,
		 sizeof(*m->rows)) < 0)
		return -ENOMEM;
	row = &m->rows[m->nrows];
	memset(row, 0, sizeof(*row));
	row->id = id;
	row->where = strdup(where);
	row->note = strdup(note);
	if (!row->where || !row->note) {
		free(row->where);
		free(row->note);
		return -ENOMEM;
	}
	m->nrows++;
	return 0;
}

int ef_model_tag_row(struct ef_model *m, unsigned int id,
		     const char *features, bool off,
		     const struct ef_row_flow *flow)
{
	for (size_t i = 0; i < m->nrows; i++) {
		struct ef_row *row = &m->rows[i];
		char *copy = NULL;

		if (row->id != id)
			continue;
		if (features && !(copy = strdup(features)))
			return -ENOMEM;
		free(row->features);
		row->features = copy;
		row->off = off;
		row->flow = *flow;
		return 0;
	}
	return -ENOENT;
}

int ef_model_add_role(struct ef_model *m, const char *name,
		      const struct ef_addr_range *addrs, size_t n)
{
	struct ef_model_role *role;

	if (ef_grow((void **)&m->roles, &m->roles_cap, m->nroles + 1,
		    sizeof(*m->roles)) < 0)
		return -ENOMEM;
	role = &m->roles[m->nroles];
	role->name = strdup(name);
	role->addrs = malloc((n ? n : 1) * sizeof(*addrs));
	if (!role->name || !role->addrs) {
		free(role->name);
		free(role->addrs);
		return -ENOMEM;
	}
	if (n)
		memcpy(role->addrs, addrs, n * sizeof(*addrs));
	role->naddrs = n;
	m->nroles++;
	return 0;
}

const struct ef_model_role *ef_model_find_role(const struct ef_model *m,
					       const char *name)
{
	for (size_t i = 0; i < m->nroles; i++)
		if (!strcmp(m->roles[i].name, name))
			return &m->roles[i];
	return NULL;
}

int ef_model_add_zone(struct ef_model *m, const char *name,
		      const char (*ifnames)[EF_IFNAME_LEN], size_t n)
{
	struct ef_model_zone *zone;

	if (ef_grow((void **)&m->zones, &m->zones_cap, m->nzones + 1,
		    sizeof(*m->zones)) < 0)
		return -ENOMEM;
	zone = &m->zones[m->nzones];
	zone->name = strdup(name);
	zone->ifnames = malloc((n ? n : 1) * sizeof(*ifnames));
	if (!zone->name || !zone->ifnames) {
		free(zone->name);
		free(zone->ifnames);
		return -ENOMEM;
	}
	if (n)
		memcpy(zone->ifnames, ifnames, n * sizeof(*ifnames));
	zone->nifnames = n;
	m->nzones++;
	return 0;
}

const struct ef_model_zone *ef_model_iface_zone(const struct ef_model *m,
						const char *ifname)
{
	for (size_t i = 0; i < m->nzones; i++)
		for (size_t k = 0; k < m->zones[i].nifnames; k++)
			if (!strncmp(m->zones[i].ifnames[k], ifname,
				     EF_IFNAME_LEN))
				return &m->zones[i];
	return NULL;
}

size_t ef_model_elem_count(const struct ef_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nsets; i++)
		n += m->sets[i].nelems;
	return n;
}

bool ef_rule_equal(const struct ef_rule *a, const struct ef_rule *b)
{
	if (a->foreign || b->foreign)
		return false;
	return a->ct_state == b->ct_state && a->ct_status == b->ct_status &&
	       a->iif_lo == b->iif_lo &&
	       a->oif_lo == b->oif_lo && a->nfproto == b->nfproto &&
	       a->l4proto == b->l4proto && a->icmpv6_type == b->icmpv6_type &&
	       a->type_lo == b->type_lo && a->type_hi == b->type_hi &&
	       !strcmp(a->peer_set, b->peer_set) &&
	       (!a->peer_set[0] || a->peer_key == b->peer_key) &&
	       !strcmp(a->set, b->set) && a->nkeys == b->nkeys &&
	       !memcmp(a->key, b->key, a->nkeys * sizeof(a->key[0])) &&
	       a->counter == b->counter && a->limit_rate == b->limit_rate &&
	       a->limit_unit == b->limit_unit &&
	       a->limit_burst == b->limit_burst && a->log == b->log &&
	       !strcmp(a->log_prefix, b->log_prefix) &&
	       a->log_level == b->log_level && a->nat == b->nat &&
	       a->verdict == b->verdict;
}

bool ef_set_same_shape(const struct ef_set *a, const struct ef_set *b)
{
	return !strcmp(a->name, b->name) && a->nfields == b->nfields &&
	       !memcmp(a->type, b->type, a->nfields * sizeof(a->type[0])) &&
	       a->counter == b->counter && a->hashed == b->hashed &&
	       a->timeout == b->timeout && a->size == b->size &&
	       a->map == b->map && (!a->map || a->data == b->data);
}

/* Both sets must be sorted (ef_set_sort). */
bool ef_set_equal(const struct ef_set *a, const struct ef_set *b)
{
	uint32_t len = ef_set_key_len(a), dlen = ef_set_data_len(a);

	if (!ef_set_same_shape(a, b))
		return false;
	if (a->timeout)
		return true;	/* its elements are the daemon's */
	if (a->nelems != b->nelems)
		return false;
	for (size_t i = 0; i < a->nelems; i++) {
		if (memcmp(ef_elem_key(a, i), ef_elem_key(b, i), len) ||
		    memcmp(ef_elem_key_end(a, i), ef_elem_key_end(b, i), len) ||
		    memcmp(ef_elem_data(a, i), ef_elem_data(b, i), dlen) ||
		    !ef_rows_equal(ef_elem_rows(a, i), ef_elem_rows(b, i)))
			return false;
	}
	return true;
}

bool ef_chain_equal(const struct ef_chain *a, const struct ef_chain *b)
{
	if (strcmp(a->name, b->name) || a->type != b->type ||
	    a->hook != b->hook ||
	    a->priority != b->priority || a->policy != b->policy ||
	    a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!ef_rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

bool ef_model_equal(const struct ef_model *a, const struct ef_model *b)
{
	if (a->nsets != b->nsets || a->nchains != b->nchains)
		return false;
	for (size_t i = 0; i < a->nsets; i++) {
		const struct ef_set *other = ef_model_find_set(b, a->sets[i].name);

		if (!other || !ef_set_equal(&a->sets[i], other))
			return false;
	}
	for (size_t i = 0; i < a->nchains; i++) {
		const struct ef_chain *other =
			ef_model_find_chain(b, a->chains[i].name);

		if (!other || !ef_chain_equal(&a->chains[i], other))
			return false;
	}
	return true;
}

const char *ef_hook_name(enum ef_hook h)
{
	switch (h) {
	case EF_HOOK_INPUT:
		return "input";
	case EF_HOOK_FORWARD:
		return "forward";
	case EF_HOOK_OUTPUT:
		return "output";
	case EF_HOOK_PREROUTING:
		return "prerouting";
	case EF_HOOK_POSTROUTING:
		return "postrouting";
	}
	return "?";
}

const char *ef_chain_type_name(enum ef_chain_type t)
{
	return t == EF_CHAIN_NAT ? "nat" : "filter";
}

const char *ef_family_name(uint8_t nfproto)
{
	return nfproto == NFPROTO_IPV4 ? "ip" :
	       nfproto == NFPROTO_IPV6 ? "ip6" : "?";
}

const char *ef_verdict_name(enum ef_verdict v)
{
	switch (v) {
	case EF_V_ACCEPT:
		return "accept";
	case EF_V_DROP:
		return "drop";
	case EF_V_NONE:
		break;
	}
	return "";
}
