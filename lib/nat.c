// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Gateway NAT, as the Lync NAT scenarios need it: the firewall in front of
 * the Edge translates each of its external IPv4 addresses 1:1 to a public
 * one, the same address both ways, never the internal interface's.
 *
 *   chain prerouting  (nat, dstnat):  dnat ip to ip daddr map @nat_dnat4
 *   chain postrouting (nat, srcnat):  snat ip to ip saddr map @nat_snat4
 *   chain forward (filter): the policy's rows on the private addresses,
 *     ct status dnat
 *     ip saddr . ip daddr . meta l4proto . th dport @hairpin4 accept
 *
 * One map lookup each way, on every interface, for the first packet of a
 * connection (conntrack does the rest). Forward runs after prerouting, so
 * the filter sees private destinations and the rows bind private
 * addresses: a client connecting to a public address reaches the Edge
 * with its own source address, and any port the rows do not admit is
 * dropped there. Postrouting runs after forward: what the Edge sends
 * leaves with its public address.
 *
 * Hairpin. That the maps apply on every interface is what makes a DMZ host
 * reach a public address of the DMZ: its packet is DNATed to the private
 * address, and SNATed from its own private address to its own public one
 * (nat_snat4 is looked up by source, wherever the packet goes). The
 * receiver then sees a public source, off its own network, and answers
 * through the gateway, which turns both addresses back: so the
 * DNS-load-balanced A/V Edges reach each other's (and their own) public
 * addresses, and see each other's public ones. A host without a public
 * address could not be answered that way, and nothing admits it below.
 *
 * Such traffic never crosses the external interface, so the row sets,
 * keyed by interface, cannot admit it. It is admitted when the Internet
 * path would be, by the rows whose peer is any: the source's outbound
 * rows and the destination's inbound rows, both of a translated role.
 * hairpin4 holds, for every pair of translated addresses, the ports both
 * admit (saddr . daddr . proto . port, disjoint, each element naming both
 * rows), and only traffic addressed to a public address (ct status dnat)
 * is looked up in it.
 */
#include <errno.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "disjoint.h"
#include "feature.h"
#include "nat.h"
#include "util.h"

/* A binding's mappings count if it binds an address role of the policy. */
static bool translates(const struct ef_policy *pol, const struct ef_binding *b)
{
	const struct ef_role *r = ef_policy_find_role(pol, b->name);

	return b->nnat && r && r->kind == EF_ROLE_ADDRESS;
}

bool ef_nat_on(const struct ef_policy *pol, const struct ef_site *site)
{
	if (site->mode != EF_MODE_GATEWAY)
		return false;
	for (size_t i = 0; i < site->nbinds; i++)
		if (translates(pol, &site->binds[i]))
			return true;
	return false;
}

/* The first row whose local end is `role`, in zone `zone`. */
static const struct ef_prow *row_in_zone(const struct ef_policy *pol,
					 const char *role, const char *zone)
{
	for (size_t i = 0; i < pol->nrows; i++) {
		const struct ef_prow *r = &pol->rows[i];

		if (!strcmp(r->zone, zone) &&
		    (!strcmp(r->from, role) || !strcmp(r->to, role)))
			return r;
	}
	return NULL;
}

/* Why the role of `b` cannot be translated at all; reported at `at`. */
static bool role_refused(const struct ef_policy *pol,
			 const struct ef_site *site, const struct ef_binding *b,
			 const struct ef_loc *at, struct ef_diags *d)
{
	const struct ef_role *r = ef_policy_find_role(pol, b->name);
	const struct ef_no_nat *no;
	const struct ef_prow *row;

	if (site->mode != EF_MODE_GATEWAY) {
		ef_error(d, at,
			 "'public' needs 'mode = gateway': a host does not translate its own addresses (the firewall in front of it does)");
		return true;
	}
	if (!r)
		return true;	/* unused: warned about already */
	if (r->kind == EF_ROLE_GROUP) {
		ef_error(d, at,
			 "'%s' is a group of peers: only the Edge's own addresses (address roles) are translated",
			 b->name);
		return true;
	}
	if ((no = ef_policy_no_nat(pol, b->name))) {
		ef_error(d, at, "'%s' must not be translated: %s (%s:%u)",
			 b->name, no->why, no->loc.file, no->loc.line);
		return true;
	}
	if ((row = row_in_zone(pol, b->name, EF_ZONE_INTERNAL))) {
		ef_error(d, at,
			 "NAT is never done for the Edge's internal interface: '%s' has rows in zone %s (%s:%u)",
			 b->name, EF_ZONE_INTERNAL, row->loc.file,
			 row->loc.line);
		return true;
	}
	return false;
}

/* A translated private address is one role's: another role binding it
 * would be reached through the same public address. */
static void check_shared(const struct ef_policy *pol,
			 const struct ef_site *site, const struct ef_binding *b,
			 const struct ef_nat_map *map, struct ef_diags *d)
{
	for (size_t i = 0; i < site->nbinds; i++) {
		const struct ef_binding *o = &site->binds[i];
		const struct ef_role *r = ef_policy_find_role(pol, o->name);

		if (o == b || !r || r->kind != EF_ROLE_ADDRESS)
			continue;
		for (size_t k = 0; k < o->nprefixes; k++) {
			struct ef_prefix pfx;
			const struct ef_prefix *p = &pfx;

			ef_binding_prefix(o, k, &pfx);
			if (p->family == 4 && !memcmp(p->lo, map->priv, 4) &&
			    !memcmp(p->hi, map->priv, 4))
				ef_error(d, &p->loc,
					 "this address of '%s' is translated for '%s' (line %u): each Edge role needs a public address of its own",
					 o->name, b->name, map->priv_loc.line);
		}
	}
}

void ef_nat_check(const struct ef_policy *pol, const struct ef_site *site,
		  struct ef_diags *d)
{
	for (size_t i = 0; i < site->nbinds; i++) {
		const struct ef_binding *b = &site->binds[i];

		for (size_t k = 0; k < b->nnat; k++)
			if (!role_refused(pol, site, b, &b->nat[k].pub_loc, d))
				check_shared(pol, site, b, &b->nat[k], d);
	}
}

/* Sorted, each key once: a mapping said twice in a role (the site
 * allows nothing else twice) is made once. */
static void sort_unique(struct ef_set *map)
{
	ef_set_sort(map);
	ef_set_unique(map);
}

/*
 * public -> private and private -> public, each element commented with
 * its role, so that `show` (and whoever reads the kernel's table) says
 * whose address it is. The comment goes through the rows parser, as any
 * read back does: the same text compiles and reads to equal lists.
 */
static int add_mapping(struct ef_set *dnat, struct ef_set *snat,
		       const struct ef_binding *b, const struct ef_nat_map *map)
{
	uint8_t pub[EF_KEY_MAX] = { 0 }, priv[EF_KEY_MAX] = { 0 };
	struct ef_rows *role = NULL;
	int err;

	memcpy(pub, map->pub, 4);
	memcpy(priv, map->priv, 4);
	err = ef_rows_parse(b->name, &role);
	err = err ?: ef_map_add_elem(dnat, pub, priv, role);
	err = err ?: ef_map_add_elem(snat, priv, pub, role);
	ef_rows_put(role);
	return err;
}

static int maps(const struct ef_site *site, const struct ef_policy *pol,
		struct ef_model *m)
{
	struct ef_set *dnat, *snat;
	int err = 0;

	if (!ef_model_add_map(m, EF_SET_DNAT4, EF_T_IPV4, EF_T_IPV4) ||
	    !ef_model_add_map(m, EF_SET_SNAT4, EF_T_IPV4, EF_T_IPV4))
		return -ENOMEM;
	dnat = ef_model_find_set(m, EF_SET_DNAT4);
	snat = ef_model_find_set(m, EF_SET_SNAT4);
	for (size_t i = 0; i < site->nbinds && !err; i++) {
		const struct ef_binding *b = &site->binds[i];

		for (size_t k = 0; translates(pol, b) && k < b->nnat && !err;
		     k++)
			err = add_mapping(dnat, snat, b, &b->nat[k]);
	}
	sort_unique(dnat);
	sort_unique(snat);
	return err;
}

/* One end of a hairpin: a translated address, a protocol, ports, a row. */
struct hp_end {
	uint8_t addr[4];
	uint8_t proto;
	uint16_t lo, hi;
	unsigned int row;
};

struct hp_ends {
	struct hp_end *v;
	size_t n, cap;
};

static int push_end(struct hp_ends *e, const uint8_t *addr, uint8_t proto,
		    const struct ef_prow *row)
{
	struct hp_end *x;

	if (ef_grow((void **)&e->v, &e->cap, e->n + 1, sizeof(*e->v)))
		return -ENOMEM;
	x = &e->v[e->n++];
	memcpy(x->addr, addr, 4);
	x->proto = proto;
	x->lo = row->port_lo;
	x->hi = row->port_hi;
	x->row = row->id;
	return 0;
}

/* A row's peer is any: 'any', or a group the site binds to any. */
static bool peer_any(const struct ef_site *site, const char *peer)
{
	const struct ef_binding *b;

	if (!strcmp(peer, "any"))
		return true;
	b = ef_site_find(site, peer);
	return b && b->kind == EF_BIND_ANY;
}

/* The rows of translated roles whose peer is any: out[] by source, in[]
 * by destination. A row the site turns off with its features admits
 * nothing, hairpinned or not. */
static int hairpin_ends(const struct ef_policy *pol, const struct ef_site *site,
			struct hp_ends *out, struct hp_ends *in)
{
	uint32_t on = ef_features_on(pol, site);
	int err = 0;

	for (size_t i = 0; i < pol->nrows && !err; i++) {
		const struct ef_prow *row = &pol->rows[i];
		const struct ef_role *from =
			ef_policy_find_role(pol, row->from);
		bool outbound = from && from->kind == EF_ROLE_ADDRESS;
		const char *local = outbound ? row->from : row->to;
		const struct ef_binding *b = ef_site_find(site, local);

		if (!ef_row_on(row, on) || !b || !translates(pol, b) ||
		    !peer_any(site, outbound ? row->to : row->from))
			continue;
		for (size_t k = 0; k < b->nnat && !err; k++) {
			struct hp_ends *e = outbound ? out : in;
			const uint8_t *a = b->nat[k].priv;

			if (row->tcp)
				err = push_end(e, a, IPPROTO_TCP, row);
			if (!err && row->udp)
				err = push_end(e, a, IPPROTO_UDP, row);
		}
	}
	return err;
}

static const enum ef_field hairpin_fields[] = { EF_F_SADDR4, EF_F_DADDR4,
						EF_F_L4PROTO, EF_F_DPORT };

/* The ports an outbound and an inbound end both admit, as two boxes (one
 * per row) over saddr . daddr . proto . port; none if they share none. */
static int pair_boxes(const struct ef_set *set, const struct hp_end *o,
		      const struct hp_end *i, struct ef_box **v, size_t *n,
		      size_t *cap, size_t max)
{
	uint16_t lo = o->lo > i->lo ? o->lo : i->lo;
	uint16_t hi = o->hi < i->hi ? o->hi : i->hi;
	uint8_t plo[2] = { lo >> 8, lo & 0xff };
	uint8_t phi[2] = { hi >> 8, hi & 0xff };

	if (o->proto != i->proto || lo > hi)
		return 0;
	if (*n + 2 > max)
		return -E2BIG;
	if (ef_grow((void **)v, cap, *n + 2, sizeof(**v)))
		return -ENOMEM;
	for (int k = 0; k < 2; k++) {
		struct ef_box *b = &(*v)[(*n)++];

		memset(b, 0, sizeof(*b));
		ef_key_put(set, 0, b->key, o->addr);
		ef_key_put(set, 0, b->key_end, o->addr);
		ef_key_put(set, 1, b->key, i->addr);
		ef_key_put(set, 1, b->key_end, i->addr);
		ef_key_put(set, 2, b->key, &o->proto);
		ef_key_put(set, 2, b->key_end, &o->proto);
		ef_key_put(set, 3, b->key, plo);
		ef_key_put(set, 3, b->key_end, phi);
		b->row = k ? i->row : o->row;
	}
	return 0;
}

/* Rows x addresses may merge into fewer elements: as compile.c. */
#define BOXES_PER_ELEMENT 8u

static int hairpin_set(const struct ef_policy *pol, const struct ef_site *site,
		       size_t max, struct ef_model *m)
{
	enum ef_type types[ARRAY_SIZE(hairpin_fields)];
	struct hp_ends out = { 0 }, in = { 0 };
	struct ef_box *boxes = NULL;
	size_t n = 0, cap = 0;
	struct ef_set *set;
	int err;

	ef_fields_types(hairpin_fields, ARRAY_SIZE(hairpin_fields), types);
	set = ef_model_add_set(m, EF_SET_HAIRPIN4, types,
			       ARRAY_SIZE(hairpin_fields), true);
	if (!set)
		return -ENOMEM;
	err = hairpin_ends(pol, site, &out, &in);
	for (size_t o = 0; o < out.n && !err; o++)
		for (size_t i = 0; i < in.n && !err; i++)
			err = pair_boxes(set, &out.v[o], &in.v[i], &boxes, &n,
					 &cap, BOXES_PER_ELEMENT * max);
	if (!err)
		err = ef_set_add_disjoint(set, boxes, n, max);
	free(boxes);
	free(out.v);
	free(in.v);
	return err;
}

int ef_nat_sets(const struct ef_policy *pol, const struct ef_site *site,
		size_t max, struct ef_model *m)
{
	if (!ef_nat_on(pol, site))
		return 0;
	return maps(site, pol, m) ?: hairpin_set(pol, site, max, m);
}

int ef_nat_forward_rule(struct ef_chain *fwd)
{
	struct ef_rule *r = ef_chain_add_rule(fwd);

	if (!r)
		return -ENOMEM;
	r->ct_status = EF_CT_STATUS_DNAT;
	r->nfproto = NFPROTO_IPV4;
	strcpy(r->set, EF_SET_HAIRPIN4);
	r->nkeys = ARRAY_SIZE(hairpin_fields);
	memcpy(r->key, hairpin_fields, sizeof(hairpin_fields));
	r->verdict = EF_V_ACCEPT;
	return 0;
}

/* A nat chain translating by one lookup of `field` in `map`. */
static int nat_chain(struct ef_model *m, const char *name, enum ef_hook hook,
		     int32_t prio, const char *map, enum ef_field field,
		     enum ef_nat nat)
{
	struct ef_chain *c = ef_model_add_chain(m, name, hook, prio,
						EF_V_ACCEPT);
	struct ef_rule *r;

	if (!c || !(r = ef_chain_add_rule(c)))
		return -ENOMEM;
	c->type = EF_CHAIN_NAT;
	r->nfproto = NFPROTO_IPV4;
	strcpy(r->set, map);
	r->nkeys = 1;
	r->key[0] = field;
	r->nat = nat;
	return 0;
}

int ef_nat_chains(struct ef_model *m)
{
	return nat_chain(m, "prerouting", EF_HOOK_PREROUTING, EF_PRIO_DSTNAT,
			 EF_SET_DNAT4, EF_F_DADDR4, EF_NAT_DNAT) ?:
	       nat_chain(m, "postrouting", EF_HOOK_POSTROUTING, EF_PRIO_SRCNAT,
			 EF_SET_SNAT4, EF_F_SADDR4, EF_NAT_SNAT);
}
