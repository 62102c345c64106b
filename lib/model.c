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
		for (size_t j = 0; j < m->sets[i].nelems; j++)
			ef_rows_put(m->sets[i].elems[j].rows);
		free(m->sets[i].elems);
	}
	for (size_t i = 0; i < m->nchains; i++) {
		for (size_t j = 0; j < m->chains[i].nrules; j++)
			rule_release(&m->chains[i].rules[j]);
		free(m->chains[i].rules);
	}
	for (size_t i = 0; i < m->nrows; i++) {
		free(m->rows[i].where);
		free(m->rows[i].note);
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

int ef_set_add_elem(struct ef_set *set, const uint8_t *key,
		    const uint8_t *key_end, struct ef_rows *rows)
{
	uint32_t len = ef_set_key_len(set);
	struct ef_elem *e;

	if (ef_grow((void **)&set->elems, &set->cap, set->nelems + 1,
		 sizeof(*set->elems)) < 0)
		return -ENOMEM;
	e = &set->elems[set->nelems++];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, len);
	memcpy(e->key_end, key_end, len);
	e->rows = ef_rows_get(rows);
	return 0;
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

int ef_map_add_elem(struct ef_set *map, const uint8_t *key,
		    const uint8_t *data, struct ef_rows *rows)
{
	int err = ef_set_add_elem(map, key, key, rows);

	if (!err)
		memcpy(map->elems[map->nelems - 1].data, data,
		       ef_set_data_len(map));
	return err;
}

static int elem_cmp(const void *a, const void *b)
{
	const struct ef_elem *x = a, *y = b;
	int r = memcmp(x->key, y->key, EF_KEY_MAX);

	return r ? r : memcmp(x->key_end, y->key_end, EF_KEY_MAX);
}

void ef_set_sort(struct ef_set *set)
{
	if (set->nelems > 1)
		qsort(set->elems, set->nelems, sizeof(*set->elems), elem_cmp);
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
		for (size_t i = 0; i < m->sets[s].nelems; i++) {
			struct ef_elem *e = &m->sets[s].elems[i];

			if (!e->rows)
				continue;
			if (ef_grow((void **)&refs, &cap, n + 1,
				    sizeof(*refs))) {
				free(refs);
				return -ENOMEM;
			}
			refs[n++] = &e->rows;
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
		const struct ef_elem *x = &a->elems[i], *y = &b->elems[i];

		if (memcmp(x->key, y->key, len) ||
		    memcmp(x->key_end, y->key_end, len) ||
		    memcmp(x->data, y->data, dlen) ||
		    !ef_rows_equal(x->rows, y->rows))
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
