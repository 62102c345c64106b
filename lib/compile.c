// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy + site -> model. Every row becomes, for each interface of its
 * zone, each address of its local end and each address of its peer, one
 * box in a concatenated interval set; the boxes are then cut into disjoint
 * elements (disjoint.c). Chains only look packets up in those sets.
 */
#include <errno.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "disjoint.h"
#include "util.h"

enum dir { DIR_IN, DIR_OUT };

struct set_spec {
	const char *name;
	enum dir dir;
	uint8_t family;
	bool peer;		/* the remote end is restricted */
	unsigned int nfields;
	enum ef_field field[EF_FIELDS_MAX];
};

/* The row sets: direction x family x (remote end any | restricted). */
static const struct set_spec row_sets[] = {
	{ "in4", DIR_IN, 4, false, 4,
	  { EF_F_IIFNAME, EF_F_DADDR4, EF_F_L4PROTO, EF_F_DPORT } },
	{ "in4_peer", DIR_IN, 4, true, 5,
	  { EF_F_IIFNAME, EF_F_SADDR4, EF_F_DADDR4, EF_F_L4PROTO, EF_F_DPORT } },
	{ "in6", DIR_IN, 6, false, 4,
	  { EF_F_IIFNAME, EF_F_DADDR6, EF_F_L4PROTO, EF_F_DPORT } },
	{ "in6_peer", DIR_IN, 6, true, 5,
	  { EF_F_IIFNAME, EF_F_SADDR6, EF_F_DADDR6, EF_F_L4PROTO, EF_F_DPORT } },
	{ "out4", DIR_OUT, 4, false, 4,
	  { EF_F_OIFNAME, EF_F_SADDR4, EF_F_L4PROTO, EF_F_DPORT } },
	{ "out4_peer", DIR_OUT, 4, true, 5,
	  { EF_F_OIFNAME, EF_F_SADDR4, EF_F_DADDR4, EF_F_L4PROTO, EF_F_DPORT } },
	{ "out6", DIR_OUT, 6, false, 4,
	  { EF_F_OIFNAME, EF_F_SADDR6, EF_F_L4PROTO, EF_F_DPORT } },
	{ "out6_peer", DIR_OUT, 6, true, 5,
	  { EF_F_OIFNAME, EF_F_SADDR6, EF_F_DADDR6, EF_F_L4PROTO, EF_F_DPORT } },
};

static const enum ef_field mgmt4_fields[] = { EF_F_SADDR4, EF_F_L4PROTO,
					      EF_F_DPORT };
static const enum ef_field mgmt6_fields[] = { EF_F_SADDR6, EF_F_L4PROTO,
					      EF_F_DPORT };

/* Rows x addresses may merge into fewer elements; cap what we hold. */
#define EF_BOXES_PER_ELEMENT 8u

struct boxes {
	struct ef_box *v;
	size_t n, cap;
};

struct cctx {
	const struct ef_policy *pol;
	const struct ef_site *site;
	const struct ef_compile_opts *opts;
	struct ef_diags *d;
	struct boxes sets[ARRAY_SIZE(row_sets)];
	size_t nboxes;
};

void ef_key_put(const struct ef_set *set, unsigned int idx, uint8_t *key,
		const void *value)
{
	memcpy(key + ef_field_offset(set, idx), value,
	       ef_type_info(set->type[idx])->len);
}

/* A box with one [lo, hi] per field; `lo`/`hi` point at field values. */
static int add_box(struct cctx *c, size_t si, const void *const *lo,
		   const void *const *hi, unsigned int row)
{
	const struct set_spec *spec = &row_sets[si];
	struct boxes *bx = &c->sets[si];
	struct ef_set tmp = { .nfields = (uint8_t)spec->nfields };
	struct ef_box *b;

	/* Elements are counted after cutting; this only bounds memory. */
	if (c->nboxes >= EF_BOXES_PER_ELEMENT * c->site->max_elements)
		return -E2BIG;
	if (grow((void **)&bx->v, &bx->cap, bx->n + 1, sizeof(*bx->v)))
		return -ENOMEM;
	ef_fields_types(spec->field, spec->nfields, tmp.type);
	b = &bx->v[bx->n++];
	memset(b, 0, sizeof(*b));
	for (unsigned int i = 0; i < spec->nfields; i++) {
		ef_key_put(&tmp, i, b->key, lo[i]);
		ef_key_put(&tmp, i, b->key_end, hi[i]);
	}
	b->row = row;
	c->nboxes++;
	return 0;
}

static size_t find_set_spec(enum dir dir, uint8_t family, bool peer)
{
	for (size_t i = 0; i < ARRAY_SIZE(row_sets); i++)
		if (row_sets[i].dir == dir && row_sets[i].family == family &&
		    row_sets[i].peer == peer)
			return i;
	return 0;
}

/*
 * The addresses a binding stands for now: its prefixes and the addresses of
 * its interfaces. On failure reports at the binding and returns < 0.
 */
static int binding_addrs(struct cctx *c, const struct ef_binding *b,
			 struct ef_prefix **ret, size_t *ret_n)
{
	struct ef_prefix *all = NULL;
	size_t n = 0, cap = 0;

	if (grow((void **)&all, &cap, b->nprefixes + 1, sizeof(*all)))
		return -ENOMEM;
	if (b->nprefixes)
		memcpy(all, b->prefixes, b->nprefixes * sizeof(*all));
	n = b->nprefixes;
	for (size_t i = 0; i < b->nifaces; i++) {
		struct ef_prefix *got = NULL;
		size_t ngot = 0;
		int err = -EOPNOTSUPP;

		if (c->opts && c->opts->iface_addrs)
			err = c->opts->iface_addrs(c->opts->ctx, b->ifaces[i],
						   &got, &ngot);
		if (err < 0) {
			ef_error(c->d, &b->loc,
				 "'%s': cannot read the addresses of interface '%s': %s",
				 b->name, b->ifaces[i],
				 err == -ENODEV ? "no such interface" :
						  strerror(-err));
			free(all);
			return err;
		}
		if (grow((void **)&all, &cap, n + ngot, sizeof(*all))) {
			free(got);
			free(all);
			return -ENOMEM;
		}
		for (size_t k = 0; k < ngot; k++) {
			all[n] = got[k];
			all[n++].loc = b->loc;
		}
		free(got);
	}
	*ret = all;
	*ret_n = n;
	return 0;
}

struct row_ends {
	struct ef_prefix *local, *peer;
	size_t nlocal, npeer;	/* npeer == 0 and !peer_any: no peers */
	bool peer_any;
	const struct ef_zone_bind *zone;
};

static int row_boxes(struct cctx *c, const struct ef_prow *row,
		     const struct row_ends *e, enum dir dir)
{
	static const uint8_t proto_tcp = IPPROTO_TCP, proto_udp = IPPROTO_UDP;
	uint8_t plo[2] = { row->port_lo >> 8, row->port_lo & 0xff };
	uint8_t phi[2] = { row->port_hi >> 8, row->port_hi & 0xff };
	const uint8_t *protos[2];
	unsigned int nprotos = 0;
	int err;

	if (row->tcp)
		protos[nprotos++] = &proto_tcp;
	if (row->udp)
		protos[nprotos++] = &proto_udp;
	for (size_t z = 0; z < e->zone->nifnames; z++)
	for (size_t l = 0; l < e->nlocal; l++)
	for (size_t p = 0; p < (e->peer_any ? 1 : e->npeer); p++)
	for (unsigned int pr = 0; pr < nprotos; pr++) {
		const struct ef_prefix *loc = &e->local[l];
		const struct ef_prefix *peer = e->peer_any ? NULL : &e->peer[p];
		const void *lo[EF_FIELDS_MAX], *hi[EF_FIELDS_MAX];
		unsigned int k = 0;
		size_t si;

		if (peer && peer->family != loc->family)
			continue;
		si = find_set_spec(dir, loc->family, peer != NULL);
		lo[k] = hi[k] = e->zone->ifnames[z];
		k++;
		/* saddr comes before daddr in every key. */
		if (dir == DIR_IN && peer) {
			lo[k] = peer->lo;
			hi[k++] = peer->hi;
		}
		lo[k] = loc->lo;
		hi[k++] = loc->hi;
		if (dir == DIR_OUT && peer) {
			lo[k] = peer->lo;
			hi[k++] = peer->hi;
		}
		lo[k] = hi[k] = protos[pr];
		k++;
		lo[k] = plo;
		hi[k] = phi;
		err = add_box(c, si, lo, hi, row->id);
		if (err)
			return err;
	}
	return 0;
}

static int end_addrs(struct cctx *c, const char *name, struct ef_prefix **ret,
		     size_t *ret_n, bool *ret_any)
{
	const struct ef_binding *b;

	*ret = NULL;
	*ret_n = 0;
	*ret_any = false;
	if (!strcmp(name, "any")) {
		*ret_any = true;
		return 0;
	}
	b = ef_site_find(c->site, name);
	if (!b) {
		/* An unbound group means any peer; address roles were checked. */
		*ret_any = true;
		return 0;
	}
	if (b->kind == EF_BIND_NONE)
		return 0;
	return binding_addrs(c, b, ret, ret_n);
}

static int compile_row(struct cctx *c, const struct ef_prow *row)
{
	const struct ef_role *from = ef_policy_find_role(c->pol, row->from);
	bool out = from && from->kind == EF_ROLE_ADDRESS;
	struct row_ends e = { 0 };
	bool local_any;
	int err;

	e.zone = ef_site_find_zone(c->site, row->zone);
	if (!e.zone)
		return 0;	/* reported once per zone */
	err = end_addrs(c, out ? row->from : row->to, &e.local, &e.nlocal,
			&local_any);
	if (!err)
		err = end_addrs(c, out ? row->to : row->from, &e.peer,
				&e.npeer, &e.peer_any);
	if (!err)
		err = row_boxes(c, row, &e, out ? DIR_OUT : DIR_IN);
	free(e.local);
	free(e.peer);
	return err;
}

static void check_bindings(struct cctx *c)
{
	const struct ef_policy *pol = c->pol;

	for (size_t i = 0; i < pol->nroles; i++) {
		const struct ef_role *r = &pol->roles[i];

		if (r->kind == EF_ROLE_ADDRESS && !ef_site_find(c->site, r->name))
			ef_error(c->d, &r->loc,
				 "address role '%s' is not bound in the site: bind it to addresses, 'iface NAME' or 'none'",
				 r->name);
	}
	for (size_t i = 0; i < pol->nzones; i++) {
		const struct ef_zone_decl *z = &pol->zones[i];

		if (!ef_site_find_zone(c->site, z->name))
			ef_error(c->d, &z->loc,
				 "zone '%s' is not bound in the site: add 'zone %s = IFNAME'",
				 z->name, z->name);
	}
	/* A site may serve several policies: extra names are only a warning. */
	for (size_t i = 0; i < c->site->nbinds; i++) {
		const struct ef_binding *b = &c->site->binds[i];

		if (!ef_policy_find_role(pol, b->name))
			ef_warn(c->d, &b->loc,
				"policy '%s' has no role '%s'; this binding is unused",
				pol->name, b->name);
	}
}

static struct ef_set *add_set(struct ef_model *m, const char *name,
			      const enum ef_field *keys, unsigned int nkeys)
{
	enum ef_type types[EF_FIELDS_MAX];

	ef_fields_types(keys, nkeys, types);
	return ef_model_add_set(m, name, types, nkeys, true);
}

/* The management guard: networks that may always SSH in, as disjoint
 * elements since operators list overlapping networks too. */
static int mgmt_sets(struct cctx *c, struct ef_model *m)
{
	static const uint8_t tcp = IPPROTO_TCP;
	const struct ef_binding *b = &c->site->management;
	uint8_t port[2] = { c->site->management_port >> 8,
			    c->site->management_port & 0xff };
	struct ef_box *boxes[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	struct ef_set *sets[2];
	int err = 0;

	sets[0] = add_set(m, EF_SET_MGMT4, mgmt4_fields, 3);
	sets[1] = sets[0] ? add_set(m, EF_SET_MGMT6, mgmt6_fields, 3) : NULL;
	if (!sets[1])
		return -ENOMEM;
	/* add_set may have moved the first set. */
	sets[0] = ef_model_find_set(m, EF_SET_MGMT4);
	if (b->kind == EF_BIND_NONE || !b->nprefixes)
		return 0;
	boxes[0] = calloc(b->nprefixes, sizeof(struct ef_box));
	boxes[1] = calloc(b->nprefixes, sizeof(struct ef_box));
	if (!boxes[0] || !boxes[1])
		err = -ENOMEM;
	for (size_t i = 0; i < b->nprefixes && !err; i++) {
		const struct ef_prefix *p = &b->prefixes[i];
		unsigned int f = p->family == 4 ? 0 : 1;
		struct ef_box *box = &boxes[f][n[f]++];

		ef_key_put(sets[f], 0, box->key, p->lo);
		ef_key_put(sets[f], 0, box->key_end, p->hi);
		ef_key_put(sets[f], 1, box->key, &tcp);
		ef_key_put(sets[f], 1, box->key_end, &tcp);
		ef_key_put(sets[f], 2, box->key, port);
		ef_key_put(sets[f], 2, box->key_end, port);
		box->row = EF_ROW_MGMT;
	}
	for (unsigned int f = 0; f < 2 && !err; f++)
		err = ef_set_add_disjoint(sets[f], boxes[f], n[f],
					  c->site->max_elements);
	free(boxes[0]);
	free(boxes[1]);
	return err;
}

/* Rule helpers: each returns NULL only when out of memory. */
static struct ef_rule *rule(struct ef_chain *ch, enum ef_verdict v)
{
	struct ef_rule *r = ef_chain_add_rule(ch);

	if (r)
		r->verdict = v;
	return r;
}

static int lookup_rule(struct ef_chain *ch, const char *set, uint8_t family,
		       const enum ef_field *keys, unsigned int nkeys)
{
	struct ef_rule *r = rule(ch, EF_V_ACCEPT);

	if (!r)
		return -ENOMEM;
	r->nfproto = family == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	strcpy(r->set, set);
	r->nkeys = (uint8_t)nkeys;
	memcpy(r->key, keys, nkeys * sizeof(*keys));
	return 0;
}


static int guard_rules(struct ef_chain *ch, bool out)
{
	struct ef_rule *r;

	if (!(r = rule(ch, EF_V_ACCEPT)))
		return -ENOMEM;
	r->ct_state = EF_CT_ESTABLISHED | EF_CT_RELATED;
	if (!(r = rule(ch, EF_V_DROP)))
		return -ENOMEM;
	r->ct_state = EF_CT_INVALID;
	if (ch->hook == EF_HOOK_FORWARD)
		return 0;
	if (!(r = rule(ch, EF_V_ACCEPT)))
		return -ENOMEM;
	if (out)
		r->oif_lo = true;
	else
		r->iif_lo = true;
	/* IPv6 does not work without neighbour and router discovery. */
	if (!(r = rule(ch, EF_V_ACCEPT)))
		return -ENOMEM;
	r->nfproto = NFPROTO_IPV6;	/* as nft writes icmpv6 in inet */
	r->l4proto = IPPROTO_ICMPV6;
	r->icmpv6_type = true;
	r->type_lo = 133;	/* router solicitation */
	r->type_hi = 136;	/* neighbour advertisement */
	return 0;
}

static int log_rule(const struct ef_site *site, struct ef_chain *ch)
{
	struct ef_rule *r;

	if (!site->log_rate || ch->policy != EF_V_DROP)
		return 0;
	if (!(r = rule(ch, EF_V_NONE)))
		return -ENOMEM;
	r->limit_rate = site->log_rate;
	r->limit_unit = site->log_unit;
	r->limit_burst = 5;
	r->log = true;
	snprintf(r->log_prefix, sizeof(r->log_prefix), EF_LOG_PREFIX "%s: ",
		 ch->name);
	r->log_level = 6;	/* info */
	return 0;
}

static int row_lookups(struct ef_chain *ch, enum dir dir)
{
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(row_sets) && !err; i++)
		if (row_sets[i].dir == dir)
			err = lookup_rule(ch, row_sets[i].name,
					  row_sets[i].family, row_sets[i].field,
					  row_sets[i].nfields);
	return err;
}

static int build_chains(const struct ef_site *site, struct ef_model *m)
{
	bool gw = site->mode == EF_MODE_GATEWAY;
	struct ef_chain *in, *out = NULL, *fwd = NULL;
	int err;

	in = ef_model_add_chain(m, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	if (!in)
		return -ENOMEM;
	if (gw) {
		fwd = ef_model_add_chain(m, "forward", EF_HOOK_FORWARD, 0,
					 EF_V_DROP);
		if (!fwd)
			return -ENOMEM;
	} else {
		out = ef_model_add_chain(m, "output", EF_HOOK_OUTPUT, 0,
					 site->output_policy);
		if (!out)
			return -ENOMEM;
	}
	/* add_chain may move the array: look the chains up again. */
	in = ef_model_find_chain(m, "input");
	err = guard_rules(in, false);
	err = err ?: lookup_rule(in, EF_SET_MGMT4, 4, mgmt4_fields, 3);
	err = err ?: lookup_rule(in, EF_SET_MGMT6, 6, mgmt6_fields, 3);
	if (!gw)
		err = err ?: row_lookups(in, DIR_IN);
	err = err ?: log_rule(site, in);
	if (gw) {
		fwd = ef_model_find_chain(m, "forward");
		err = err ?: guard_rules(fwd, false);
		err = err ?: row_lookups(fwd, DIR_IN);
		err = err ?: row_lookups(fwd, DIR_OUT);
		err = err ?: log_rule(site, fwd);
	} else {
		out = ef_model_find_chain(m, "output");
		err = err ?: guard_rules(out, true);
		err = err ?: row_lookups(out, DIR_OUT);
		err = err ?: log_rule(site, out);
	}
	return err;
}

static int build(struct cctx *c, struct ef_model *m)
{
	int err = 0;

	for (size_t i = 0; i < c->pol->nrows; i++) {
		const struct ef_prow *row = &c->pol->rows[i];
		char where[512];

		snprintf(where, sizeof(where), "%s:%u", row->loc.file,
			 row->loc.line);
		err = ef_model_add_row(m, row->id, where, row->note);
		if (!err)
			err = compile_row(c, row);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(row_sets) && !err; i++) {
		const struct set_spec *spec = &row_sets[i];
		struct ef_set *set = add_set(m, spec->name, spec->field,
					     spec->nfields);

		if (!set)
			return -ENOMEM;
		err = ef_set_add_disjoint(set, c->sets[i].v, c->sets[i].n,
					  c->site->max_elements);
	}
	err = err ?: mgmt_sets(c, m);
	err = err ?: build_chains(c->site, m);
	if (!err && ef_model_elem_count(m) > c->site->max_elements)
		err = -E2BIG;
	return err;
}

int ef_compile(const struct ef_policy *pol, const struct ef_site *site,
	       const struct ef_compile_opts *opts, struct ef_diags *d,
	       struct ef_model **ret)
{
	struct cctx c = { .pol = pol, .site = site, .opts = opts, .d = d };
	struct ef_model *m;
	size_t errors = d->errors;
	int err;

	check_bindings(&c);
	if (d->errors > errors)
		return -EINVAL;
	m = ef_model_new();
	if (!m)
		return -ENOMEM;
	/* Whether the kernel can keep it is for the caller to find out. */
	if (site->lock != EF_LOCK_OFF)
		m->table_flags = EF_TABLE_F_OWNER | EF_TABLE_F_PERSIST;
	err = build(&c, m);
	for (size_t i = 0; i < ARRAY_SIZE(row_sets); i++)
		free(c.sets[i].v);
	if (err == -E2BIG) {
#define TOO_BIG "the compiled ruleset would hold more than %llu set elements; raise 'max-elements' if that is meant"
		if (site->max_elements_loc.file)
			ef_error(d, &site->max_elements_loc, TOO_BIG,
				 (unsigned long long)site->max_elements);
		else
			ef_error_file(d, site->sources.n ?
					 site->sources.v[0]->path : "site",
				      TOO_BIG, (unsigned long long)site->max_elements);
#undef TOO_BIG
	} else if (err == -ENOMEM) {
		ef_error_file(d, pol->sources.n ? pol->sources.v[0]->path : "policy",
			      "out of memory while compiling");
	}
	if (err || d->errors > errors) {
		ef_model_free(m);
		return err ? err : -EINVAL;
	}
	*ret = m;
	return 0;
}
