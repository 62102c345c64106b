// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy + site -> model. Every row becomes, for each interface of its
 * zone, each address of its local end and each address of its peer, one
 * box in a concatenated interval set; the boxes are then cut into disjoint
 * elements (disjoint.c). Chains only look packets up in those sets.
 */
#include <endian.h>
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

enum dir { DIR_IN, DIR_OUT };

struct set_spec {
	const char *name;
	enum dir dir;
	uint8_t family;
	unsigned int nfields;
	enum ef_field field[EF_FIELDS_MAX];
};

/*
 * The row sets, direction x family, keyed by interface, local address,
 * protocol and port. Rows whose peer is any go to these; rows whose peer
 * is a group go to the group's own copy of them (in4_front_end ...), and
 * the group's addresses to one plain interval set (g4_front_end ...): a
 * group of 100 000 addresses then costs 100 000 cheap elements, not 100 000
 * times its rows in a concatenated set.
 */
static const struct set_spec row_sets[] = {
	{ "in4", DIR_IN, 4, 4,
	  { EF_F_IIFNAME, EF_F_DADDR4, EF_F_L4PROTO, EF_F_DPORT } },
	{ "in6", DIR_IN, 6, 4,
	  { EF_F_IIFNAME, EF_F_DADDR6, EF_F_L4PROTO, EF_F_DPORT } },
	{ "out4", DIR_OUT, 4, 4,
	  { EF_F_OIFNAME, EF_F_SADDR4, EF_F_L4PROTO, EF_F_DPORT } },
	{ "out6", DIR_OUT, 6, 4,
	  { EF_F_OIFNAME, EF_F_SADDR6, EF_F_L4PROTO, EF_F_DPORT } },
};

#define NSPECS ARRAY_SIZE(row_sets)

static const enum ef_field mgmt4_fields[] = { EF_F_SADDR4, EF_F_L4PROTO,
					      EF_F_DPORT };
static const enum ef_field mgmt6_fields[] = { EF_F_SADDR6, EF_F_L4PROTO,
					      EF_F_DPORT };
/* Timed exceptions: peer, this end, protocol, port. */
static const enum ef_field ex4_fields[] = { EF_F_SADDR4, EF_F_DADDR4,
					    EF_F_L4PROTO, EF_F_DPORT };
static const enum ef_field ex6_fields[] = { EF_F_SADDR6, EF_F_DADDR6,
					    EF_F_L4PROTO, EF_F_DPORT };

/* Rows x addresses may merge into fewer elements; cap what we hold. */
#define EF_BOXES_PER_ELEMENT 8u

struct boxes {
	struct ef_box *v;
	size_t n, cap;
};

/* Addresses of one family as ranges: lo then hi, network order, each
 * the family's width (a million IPv4 ranges take 8 MB). */
struct addr_ranges {
	uint8_t *v;
	size_t n, cap;
};

/*
 * A group bound to addresses: their union, and the rows that name it. A
 * site row's end written as addresses is a group too, with no role: it
 * is named after the row ("row57").
 */
struct peer_group {
	char name[EF_ROLE_MAX];
	struct addr_ranges fam[2];	/* [0] IPv4, [1] IPv6 */
	struct boxes rows[NSPECS];
};

static unsigned int family_len(unsigned int f)
{
	return f ? 16 : 4;
}

struct cctx {
	const struct ef_policy *pol;
	const struct ef_site *site;
	uint32_t features_on;		/* ef_features_on */
	const struct ef_compile_opts *opts;
	struct ef_diags *d;
	struct boxes sets[NSPECS];	/* rows whose peer is any */
	struct peer_group *groups;
	size_t ngroups;
	/* Per site row, the group its end of addresses is (one group for
	 * the rows that list the same addresses); NULL for none. */
	struct peer_group **row_groups;
	size_t nboxes;
	/* `iface` values whose interface is missing, warned of once (a
	 * binding's addresses are read for each of its rows). */
	const char **missing;
	size_t nmissing, missing_cap;
};

/* A site row's number in the compiled model: after the policy's rows. */
static unsigned int site_row_id(const struct cctx *c, const struct ef_prow *row)
{
	return (unsigned int)c->pol->nrows + row->id;
}

/* Warns once of a binding's interface that is not there (yet). */
static void warn_missing_iface(struct cctx *c, const struct ef_binding *b,
			       size_t i)
{
	for (size_t k = 0; k < c->nmissing; k++)
		if (c->missing[k] == b->ifaces[i])
			return;
	if (!ef_grow((void **)&c->missing, &c->missing_cap, c->nmissing + 1,
		     sizeof(*c->missing)))
		c->missing[c->nmissing++] = b->ifaces[i];
	ef_warn(c->d, &b->loc,
		"'%s': there is no interface '%s' (yet): it adds no addresses until it appears",
		b->name, b->ifaces[i]);
}

void ef_key_put(const struct ef_set *set, unsigned int idx, uint8_t *key,
		const void *value)
{
	memcpy(key + ef_field_offset(set, idx), value,
	       ef_type_info(set->type[idx])->len);
}

/* A box with one [lo, hi] per field; `lo`/`hi` point at field values. */
static int add_box(struct cctx *c, struct boxes *bx, size_t si,
		   const void *const *lo, const void *const *hi,
		   unsigned int row)
{
	const struct set_spec *spec = &row_sets[si];
	struct ef_set tmp = { .nfields = (uint8_t)spec->nfields };
	struct ef_box *b;

	/* Elements are counted after cutting; this only bounds memory. */
	if (c->nboxes >= EF_BOXES_PER_ELEMENT * c->site->max_elements)
		return -E2BIG;
	if (ef_grow((void **)&bx->v, &bx->cap, bx->n + 1, sizeof(*bx->v)))
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

static size_t find_set_spec(enum dir dir, uint8_t family)
{
	for (size_t i = 0; i < NSPECS; i++)
		if (row_sets[i].dir == dir && row_sets[i].family == family)
			return i;
	return 0;
}

/*
 * The addresses a binding stands for now: its prefixes from `first` on
 * and the addresses of its interfaces. On failure reports at the binding
 * and returns < 0.
 */
static int binding_addrs_from(struct cctx *c, const struct ef_binding *b,
			      size_t first, struct ef_prefix **ret,
			      size_t *ret_n)
{
	struct ef_prefix *all = NULL;
	size_t n = b->nprefixes - first, cap = 0;

	if (ef_grow((void **)&all, &cap, n + 1, sizeof(*all)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ef_binding_prefix(b, first + i, &all[i]);
	for (size_t i = 0; i < b->nifaces; i++) {
		struct ef_prefix *got = NULL;
		size_t ngot = 0;
		int err = -EOPNOTSUPP;

		if (c->opts && c->opts->iface_addrs)
			err = c->opts->iface_addrs(c->opts->ctx, b->ifaces[i],
						   &got, &ngot);
		/*
		 * An interface that is not there yet (at boot, before the
		 * network is configured) has no addresses yet: the role's
		 * rows wait for them, narrower, never wider. Refusing would
		 * leave the machine with no table at all; edgefwd compiles
		 * again when addresses come.
		 */
		if (err == -ENODEV) {
			warn_missing_iface(c, b, i);
			continue;
		}
		if (err < 0) {
			ef_error(c->d, &b->loc,
				 "'%s': cannot read the addresses of interface '%s': %s",
				 b->name, b->ifaces[i], strerror(-err));
			free(all);
			return err;
		}
		if (ef_grow((void **)&all, &cap, n + ngot, sizeof(*all))) {
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

/* All the addresses a binding stands for now. */
static int binding_addrs(struct cctx *c, const struct ef_binding *b,
			 struct ef_prefix **ret, size_t *ret_n)
{
	return binding_addrs_from(c, b, 0, ret, ret_n);
}

struct row_ends {
	struct ef_prefix *local;
	size_t nlocal, nlocal_cap;
	struct peer_group *group;	/* NULL: any peer */
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
	for (unsigned int pr = 0; pr < nprotos; pr++) {
		const struct ef_prefix *loc = &e->local[l];
		size_t si = find_set_spec(dir, loc->family);
		const void *lo[4], *hi[4];
		struct boxes *bx = &c->sets[si];

		if (e->group) {
			/* A peer of the other family can never match. */
			if (!e->group->fam[loc->family == 6].n)
				continue;
			bx = &e->group->rows[si];
		}
		lo[0] = hi[0] = e->zone->ifnames[z];
		lo[1] = loc->lo;
		hi[1] = loc->hi;
		lo[2] = hi[2] = protos[pr];
		lo[3] = plo;
		hi[3] = phi;
		err = add_box(c, bx, si, lo, hi, row->id);
		if (err)
			return err;
	}
	return 0;
}

static struct peer_group *find_group(struct cctx *c, const char *name)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (!strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

/* This machine's end of a row: an address role, or a site row's `self`. */
static bool end_is_local(const struct ef_policy *pol, const char *end)
{
	const struct ef_role *r = ef_policy_find_role(pol, end);

	return !strcmp(end, "self") || (r && r->kind == EF_ROLE_ADDRESS);
}

/* The name of the group a site row's end of addresses is, by its id. */
static void row_group_name(unsigned int id, char name[EF_ROLE_MAX])
{
	snprintf(name, EF_ROLE_MAX, "row%u", id);
}

/*
 * The addresses of a row's local end: its role's, or for `self` those of
 * every address role (the roles of a machine are all its own). A role
 * bound to `none` adds none.
 */
static int local_addrs(struct cctx *c, const char *local,
		       struct row_ends *e)
{
	bool self = !strcmp(local, "self");
	int err = 0;

	for (size_t i = 0; i < c->pol->nroles && !err; i++) {
		const struct ef_role *r = &c->pol->roles[i];
		const struct ef_binding *b;
		struct ef_prefix *got = NULL;
		size_t n = 0;

		if (self ? r->kind != EF_ROLE_ADDRESS : strcmp(r->name, local))
			continue;
		b = ef_site_find(c->site, r->name);
		if (b->kind == EF_BIND_NONE)
			continue;	/* a role this machine does not have */
		err = binding_addrs(c, b, &got, &n);
		if (!err && ef_grow((void **)&e->local, &e->nlocal_cap,
				    e->nlocal + n + 1, sizeof(*got)))
			err = -ENOMEM;
		if (!err && n)
			memcpy(e->local + e->nlocal, got, n * sizeof(*got));
		if (!err)
			e->nlocal += n;
		free(got);
	}
	return err;
}

/*
 * A row of the policy, or of the site (its id then the compiled one):
 * the direction is where this machine's end is, the peer any, a group,
 * or the site's addresses.
 */
static int compile_row(struct cctx *c, const struct ef_prow *row)
{
	bool out = end_is_local(c->pol, row->from) && !row->from_addrs;
	const char *local = out ? row->from : row->to;
	const char *peer = out ? row->to : row->from;
	const struct ef_binding *peer_addrs = out ? row->to_addrs :
						    row->from_addrs;
	const struct ef_binding *b;
	struct row_ends e = { 0 };
	int err;

	e.zone = ef_site_find_zone(c->site, row->zone);
	if (!e.zone)
		return 0;	/* reported once per zone */
	if (peer_addrs) {
		e.group = c->row_groups[row->id - c->pol->nrows - 1];
	} else if (strcmp(peer, "any")) {
		b = ef_site_find(c->site, peer);
		if (b->kind == EF_BIND_NONE)
			return 0;	/* a group of no one */
		/* A group bound to `any` is no restriction. */
		e.group = b->kind == EF_BIND_ANY ? NULL : find_group(c, peer);
	}
	err = local_addrs(c, local, &e);
	if (!err)
		err = row_boxes(c, row, &e, out ? DIR_OUT : DIR_IN);
	free(e.local);
	return err;
}

static int add_range(struct addr_ranges *r, unsigned int len,
		     const uint8_t *lo, const uint8_t *hi)
{
	if (ef_grow((void **)&r->v, &r->cap, r->n + 1, 2 * len))
		return -ENOMEM;
	memcpy(r->v + r->n * 2 * len, lo, len);
	memcpy(r->v + r->n * 2 * len + len, hi, len);
	r->n++;
	return 0;
}

static int range_cmp(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(const unsigned int *)len);
}

/* memcmp of two addresses, IPv4 ones without a call: a group of a
 * million compares a million times. */
static int addr_cmp(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	uint32_t x, y;

	if (len != 4)
		return memcmp(a, b, len);
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	x = ntohl(x);
	y = ntohl(y);
	return x < y ? -1 : x > y;
}

/*
 * IPv4 ranges in order: each, lo then hi, read as one big-endian 64-bit
 * number and sorted in four passes of 16 bits. A million unsorted
 * addresses cost qsort 170 ns each; this, about 15.
 */
static int sort_ranges4(struct addr_ranges *r)
{
	uint64_t *a = (uint64_t *)(void *)r->v, *b = malloc(r->n * sizeof(*b));
	size_t *at = malloc(65536 * sizeof(*at));

	if (!b || !at) {
		free(b);
		free(at);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++) {
		uint64_t x;

		memcpy(&x, r->v + 8 * i, 8);
		a[i] = be64toh(x);
	}
	for (unsigned int shift = 0; shift < 64; shift += 16) {
		uint64_t *t;
		size_t sum = 0;

		memset(at, 0, 65536 * sizeof(*at));
		for (size_t i = 0; i < r->n; i++)
			at[(a[i] >> shift) & 0xffff]++;
		for (size_t d = 0; d < 65536; d++) {
			size_t n = at[d];

			at[d] = sum;
			sum += n;
		}
		for (size_t i = 0; i < r->n; i++)
			b[at[(a[i] >> shift) & 0xffff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	/* Four passes: the sorted numbers are back in r->v. */
	for (size_t i = 0; i < r->n; i++) {
		uint64_t x = htobe64(a[i]);

		memcpy(r->v + 8 * i, &x, 8);
	}
	free(b);
	free(at);
	return 0;
}

/* The union of a family's ranges, sorted, merged: overlapping and
 * adjacent ones become one. A group file usually comes sorted. */
static int merge_ranges(struct addr_ranges *r, unsigned int len)
{
	size_t out = 0, i;
	unsigned int w = 2 * len;

	for (i = 1; i < r->n && addr_cmp(r->v + (i - 1) * w, r->v + i * w,
					 len) <= 0; i++)
		;
	if (i < r->n && len == 4 && sort_ranges4(r))
		return -ENOMEM;
	if (i < r->n && len != 4)
		qsort_r(r->v, r->n, w, range_cmp, &len);
	for (i = 0; i < r->n; i++) {
		const uint8_t *lo = r->v + i * w, *hi = lo + len;

		if (out) {
			uint8_t *last_hi = r->v + (out - 1) * w + len;
			uint8_t next[16];
			bool top = true;

			memcpy(next, last_hi, len);
			for (unsigned int k = len; k-- > 0 && top;)
				top = !++next[k];
			if (top || addr_cmp(lo, next, len) <= 0) {
				if (addr_cmp(hi, last_hi, len) > 0)
					memcpy(last_hi, hi, len);
				continue;
			}
		}
		if (out != i)
			memcpy(r->v + out * w, lo, w);
		out++;
	}
	r->n = out;
	return 0;
}

/* A group's addresses, per family, from its binding: its prefixes and
 * its interfaces' addresses. */
static int group_addrs(struct cctx *c, const struct ef_binding *b,
		       struct peer_group *g)
{
	struct ef_prefix *ifaddrs = NULL;
	size_t n[2] = { 0, 0 }, nif = 0;
	int err;

	/* Sized once: a million addresses are not copied while they grow. */
	for (size_t i = 0; i < b->nprefixes; i++)
		n[b->addrs[i].family == 6]++;
	for (unsigned int f = 0; f < 2; f++)
		if (n[f] && ef_grow((void **)&g->fam[f].v, &g->fam[f].cap, n[f],
				    2 * family_len(f)))
			return -ENOMEM;
	err = binding_addrs_from(c, b, b->nprefixes, &ifaddrs, &nif);
	for (size_t i = 0; !err && i < b->nprefixes; i++) {
		uint8_t lo[16], hi[16];
		unsigned int f = ef_binding_range(b, i, lo, hi) == 6;

		err = add_range(&g->fam[f], family_len(f), lo, hi);
	}
	for (size_t i = 0; !err && i < nif; i++) {
		unsigned int f = ifaddrs[i].family == 6;

		err = add_range(&g->fam[f], family_len(f), ifaddrs[i].lo,
				ifaddrs[i].hi);
	}
	free(ifaddrs);
	for (unsigned int f = 0; f < 2 && !err; f++)
		err = merge_ranges(&g->fam[f], family_len(f));
	return err;
}

/* An earlier site row's group of the same addresses as `g`, or g. */
static struct peer_group *same_group(struct cctx *c, struct peer_group *g)
{
	for (size_t i = 0; i < c->site->nrows; i++) {
		const struct peer_group *o = c->row_groups[i];
		bool same = o != NULL;

		for (unsigned int f = 0; same && f < 2; f++)
			same = o->fam[f].n == g->fam[f].n &&
			       (!g->fam[f].n ||
				!memcmp(o->fam[f].v, g->fam[f].v,
					g->fam[f].n * 2 * family_len(f)));
		if (same)
			return c->row_groups[i];
	}
	return g;
}

/* Every group role the site binds to addresses, resolved once. */
static int resolve_groups(struct cctx *c)
{
	const struct ef_policy *pol = c->pol;
	int err = 0;

	c->groups = calloc(pol->nroles + c->site->nrows + 1,
			   sizeof(*c->groups));
	if (!c->groups)
		return -ENOMEM;
	for (size_t i = 0; i < pol->nroles && !err; i++) {
		const struct ef_role *r = &pol->roles[i];
		const struct ef_binding *b = ef_site_find(c->site, r->name);
		struct peer_group *g;

		if (r->kind != EF_ROLE_GROUP || b->kind == EF_BIND_NONE ||
		    b->kind == EF_BIND_ANY)
			continue;
		g = &c->groups[c->ngroups++];
		strcpy(g->name, r->name);
		err = group_addrs(c, b, g);
	}
	c->row_groups = calloc(c->site->nrows + 1, sizeof(*c->row_groups));
	if (!c->row_groups)
		return -ENOMEM;
	/* A site row's peer written as addresses: a group, named after the
	 * first row that lists those addresses; the others share it. */
	for (size_t i = 0; i < c->site->nrows && !err; i++) {
		const struct ef_prow *row = &c->site->rows[i];
		const struct ef_binding *b = row->from_addrs ?
					     row->from_addrs : row->to_addrs;
		struct peer_group *g;

		if (!b)
			continue;
		g = &c->groups[c->ngroups];
		row_group_name(site_row_id(c, row), g->name);
		err = group_addrs(c, b, g);
		c->row_groups[i] = err ? NULL : same_group(c, g);
		if (c->row_groups[i] != g) {
			free(g->fam[0].v);
			free(g->fam[1].v);
			memset(g, 0, sizeof(*g));
		} else {
			c->ngroups++;
		}
	}
	return err;
}

static void free_groups(struct cctx *c)
{
	for (size_t i = 0; i < c->ngroups; i++) {
		free(c->groups[i].fam[0].v);
		free(c->groups[i].fam[1].v);
		for (size_t k = 0; k < NSPECS; k++)
			free(c->groups[i].rows[k].v);
	}
	free(c->groups);
	free(c->row_groups);
}

/* Edits (insert, delete, replace, swap two neighbours) from a to b. */
static unsigned int edits(const char *a, const char *b)
{
	unsigned int d[EF_ROLE_MAX + 1][EF_ROLE_MAX + 1];
	size_t n = strlen(a), m = strlen(b);

	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned int)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			unsigned int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/* An unbound role a binding's name is a typo of, or NULL. */
static const char *unbound_near(const struct cctx *c, const char *name)
{
	for (size_t i = 0; i < c->pol->nroles; i++) {
		const char *role = c->pol->roles[i].name;

		if (!ef_site_find(c->site, role) && edits(name, role) <= 2)
			return role;
	}
	return NULL;
}

/*
 * Every role is bound, each as its kind allows: a group left out (or
 * misspelt) would otherwise admit any peer without anyone saying so.
 */
static void check_roles(struct cctx *c)
{
	const struct ef_policy *pol = c->pol;

	for (size_t i = 0; i < pol->nroles; i++) {
		const struct ef_role *r = &pol->roles[i];
		const struct ef_binding *b = ef_site_find(c->site, r->name);

		if (!b && r->kind == EF_ROLE_ADDRESS)
			ef_error(c->d, &r->loc,
				 "address role '%s' is not bound in the site: bind it to addresses, 'iface NAME' or 'none'",
				 r->name);
		else if (!b)
			ef_error(c->d, &r->loc,
				 "group role '%s' is not bound in the site: bind it to addresses, 'file \"PATH\"', 'any' or 'none'",
				 r->name);
		else if (r->kind == EF_ROLE_ADDRESS && b->kind == EF_BIND_ANY)
			ef_error(c->d, &b->loc,
				 "'%s' is an address role of this machine, not a group: 'any' is for groups; bind it to addresses, 'iface NAME' or 'none'",
				 r->name);
	}
}

static bool policy_has_zone(const struct ef_policy *pol, const char *zone)
{
	for (size_t i = 0; i < pol->nzones; i++)
		if (!strcmp(pol->zones[i].name, zone))
			return true;
	return false;
}

/*
 * What one end of a site row is, reported where it is wrong: true for an
 * end that names something the policy has (or `self`, `any`, addresses).
 */
static bool check_site_end(struct cctx *c, const struct ef_prow *row,
			   bool to, bool *ret_local)
{
	const char *end = to ? row->to : row->from;
	const struct ef_loc *loc = to ? &row->to_loc : &row->from_loc;
	const struct ef_role *r;

	*ret_local = false;
	if ((to ? row->to_addrs : row->from_addrs) || !strcmp(end, "any"))
		return true;
	if (!strcmp(end, "self")) {
		if (c->site->mode == EF_MODE_GATEWAY) {
			ef_error(c->d, loc,
				 "'self' is this machine, and a gateway's rows are the traffic it forwards for the machines behind it: name their address role (the gateway's own outbound traffic is not filtered)");
			return false;
		}
		*ret_local = true;
		return true;
	}
	r = ef_policy_find_role(c->pol, end);
	if (!r) {
		ef_error(c->d, loc,
			 "unknown role '%s': policy '%s' has no such role (a site row's end is 'self', 'any', a role of the policy, or addresses)",
			 end, c->pol->name);
		return false;
	}
	*ret_local = r->kind == EF_ROLE_ADDRESS;
	return true;
}

/*
 * The site's rows, against the policy: its zones and roles, and one end
 * this machine's (in gateway mode, the protected machine's), the other a
 * peer; a row never admits what does not touch this machine.
 */
static void check_site_rows(struct cctx *c)
{
	bool gw = c->site->mode == EF_MODE_GATEWAY;

	for (size_t i = 0; i < c->site->nrows; i++) {
		const struct ef_prow *row = &c->site->rows[i];
		char name[EF_ROLE_MAX];
		bool from_local, to_local, ok;

		if (!policy_has_zone(c->pol, row->zone)) {
			ef_error(c->d, &row->loc,
				 "zone '%s' of this row is not a zone of policy '%s'",
				 row->zone, c->pol->name);
			continue;
		}
		ok = check_site_end(c, row, false, &from_local);
		ok &= check_site_end(c, row, true, &to_local);
		if (!ok)
			continue;
		if (from_local && to_local)
			ef_error(c->d, &row->loc,
				 "both ends are this machine: one end must be a peer ('any', a group or addresses)");
		else if (!from_local && !to_local)
			ef_error(c->d, &row->loc, gw ?
				 "no end is a machine behind this gateway: the source or the destination must be an address role" :
				 "no end is this machine: the source or the destination must be 'self' or an address role");
		row_group_name(site_row_id(c, row), name);
		if ((row->from_addrs || row->to_addrs) &&
		    ef_policy_find_role(c->pol, name))
			ef_error(c->d, &row->loc,
				 "this row's addresses would be a group named '%s', and policy '%s' has a role of that name: name the peers by a group of the policy",
				 name, c->pol->name);
	}
}

static void check_bindings(struct cctx *c)
{
	const struct ef_policy *pol = c->pol;

	check_roles(c);
	for (size_t i = 0; i < pol->nzones; i++) {
		const struct ef_zone_decl *z = &pol->zones[i];

		if (!ef_site_find_zone(c->site, z->name))
			ef_error(c->d, &z->loc,
				 "zone '%s' is not bound in the site: add 'zone %s = IFNAME'",
				 z->name, z->name);
	}
	/* A site may serve several policies: extra names are only a warning
	 * (a zone's interfaces then get nothing but the guards). */
	for (size_t i = 0; i < c->site->nzones; i++) {
		const struct ef_zone_bind *z = &c->site->zones[i];

		if (!policy_has_zone(pol, z->name))
			ef_warn(c->d, &z->loc,
				"policy '%s' has no zone '%s'; this binding is unused (its interfaces get no row)",
				pol->name, z->name);
	}
	for (size_t i = 0; i < c->site->nbinds; i++) {
		const struct ef_binding *b = &c->site->binds[i];
		const char *near;

		if (ef_policy_find_role(pol, b->name))
			continue;
		near = unbound_near(c, b->name);
		if (near)
			ef_warn(c->d, &b->loc,
				"policy '%s' has no role '%s' (did you mean '%s'?); this binding is unused",
				pol->name, b->name, near);
		else
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
		struct ef_prefix p;
		unsigned int f;
		struct ef_box *box;

		ef_binding_prefix(b, i, &p);
		f = p.family == 4 ? 0 : 1;
		box = &boxes[f][n[f]++];
		ef_key_put(sets[f], 0, box->key, p.lo);
		ef_key_put(sets[f], 0, box->key_end, p.hi);
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

/*
 * The sets of timed exceptions, declared empty: the daemon adds their
 * elements with a time to live, the kernel expires them, and the diff
 * leaves them alone.
 */
static int exception_sets(struct ef_model *m)
{
	struct ef_set *set = add_set(m, EF_SET_EX4, ex4_fields, 4);

	if (set)
		set->timeout = true;
	set = set ? add_set(m, EF_SET_EX6, ex6_fields, 4) : NULL;
	if (!set)
		return -ENOMEM;
	set->timeout = true;
	return 0;
}

/* The address roles and the addresses they stand for now, for timed
 * exceptions `to ROLE`. */
static int model_roles(struct cctx *c, struct ef_model *m)
{
	int err = 0;

	for (size_t i = 0; i < c->pol->nroles && !err; i++) {
		const struct ef_role *r = &c->pol->roles[i];
		const struct ef_binding *b = ef_site_find(c->site, r->name);
		struct ef_addr_range *addrs = NULL;
		struct ef_prefix *got = NULL;
		size_t n = 0;

		if (r->kind != EF_ROLE_ADDRESS || !b || b->kind == EF_BIND_NONE)
			continue;
		err = binding_addrs(c, b, &got, &n);
		if (!err && !(addrs = calloc(n + 1, sizeof(*addrs))))
			err = -ENOMEM;
		for (size_t k = 0; !err && k < n; k++) {
			addrs[k].family = got[k].family;
			memcpy(addrs[k].lo, got[k].lo, sizeof(addrs[k].lo));
			memcpy(addrs[k].hi, got[k].hi, sizeof(addrs[k].hi));
		}
		err = err ?: ef_model_add_role(m, r->name, addrs, n);
		free(addrs);
		free(got);
	}
	return err;
}

/* The zones the site binds and their interfaces, for explain. */
static int model_zones(const struct cctx *c, struct ef_model *m)
{
	int err = 0;

	for (size_t i = 0; i < c->site->nzones && !err; i++) {
		const struct ef_zone_bind *z = &c->site->zones[i];

		err = ef_model_add_zone(m, z->name,
					(const char (*)[EF_IFNAME_LEN])z->ifnames,
					z->nifnames);
	}
	return err;
}

static void group_set_names(const struct peer_group *g, size_t si,
			    char *addrs, char *rows)
{
	const struct set_spec *spec = &row_sets[si];

	snprintf(addrs, EF_NAME_MAX, "g%u_%s", spec->family, g->name);
	snprintf(rows, EF_NAME_MAX, "%s_%s", spec->name, g->name);
}

/* The capacity a hash of n addresses is created with: room to grow by a
 * quarter before the set has to be made anew, in powers of two so that
 * small changes to a group leave it alone. */
static uint32_t hash_capacity(size_t n)
{
	uint64_t want = n + n / 4, size = 64;

	while (size < want && size < UINT32_MAX / 2 + 1)
		size *= 2;
	return (uint32_t)size;
}

/*
 * A group's addresses of one family as a plain set: a hash of single
 * addresses when that is all it holds (the kernel changes one element of
 * a hash in constant time), an interval set when it has networks.
 */
static int group_addr_set(const struct cctx *c, const struct peer_group *g,
			  const char *name, uint8_t family, struct ef_model *m)
{
	enum ef_type type = family == 4 ? EF_T_IPV4 : EF_T_IPV6;
	const struct addr_ranges *r = &g->fam[family == 6];
	unsigned int len = family == 4 ? 4 : 16;
	struct ef_set *set;
	bool hosts = true;
	int err = 0;

	if (ef_model_find_set(m, name))
		return 0;
	set = ef_model_add_set(m, name, &type, 1, false);
	if (!set)
		return -ENOMEM;
	for (size_t i = 0; i < r->n && hosts; i++)
		hosts = !addr_cmp(r->v + 2 * i * len,
				  r->v + (2 * i + 1) * len, len);
	set->hashed = hosts;
	if (r->n > c->site->max_elements)
		return -E2BIG;
	err = ef_set_reserve(set, r->n);
	/* The key of one address field is the address: no padding. */
	for (size_t i = 0; i < r->n && !err; i++)
		err = ef_set_add_elem(set, r->v + 2 * i * len,
				      r->v + (2 * i + 1) * len, NULL);
	if (hosts)
		set->size = hash_capacity(set->nelems);
	return err;
}

/* For each direction and family the group's rows use: its row set and
 * the address set its rule looks the peer up in. */
static int group_sets(const struct cctx *c, const struct peer_group *g,
		      struct ef_model *m)
{
	int err = 0;

	for (size_t i = 0; i < NSPECS && !err; i++) {
		const struct set_spec *spec = &row_sets[i];
		char addrs[EF_NAME_MAX], rows[EF_NAME_MAX];
		struct ef_set *set;

		if (!g->rows[i].n)
			continue;
		group_set_names(g, i, addrs, rows);
		err = group_addr_set(c, g, addrs, spec->family, m);
		if (err)
			break;
		set = add_set(m, rows, spec->field, spec->nfields);
		if (!set)
			return -ENOMEM;
		err = ef_set_add_disjoint(set, g->rows[i].v, g->rows[i].n,
					  c->site->max_elements);
	}
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

static struct ef_rule *lookup_rule(struct ef_chain *ch, const char *set,
				   uint8_t family, const enum ef_field *keys,
				   unsigned int nkeys)
{
	struct ef_rule *r = rule(ch, EF_V_ACCEPT);

	if (!r)
		return NULL;
	r->nfproto = family == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	strcpy(r->set, set);
	r->nkeys = (uint8_t)nkeys;
	memcpy(r->key, keys, nkeys * sizeof(*keys));
	return r;
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
	if (!out)
		return 0;
	/*
	 * The host's own MLDv2 reports: it joins its solicited-node groups
	 * with them, and switches that snoop MLD stop sending it neighbour
	 * solicitations without them. Not an input: queries come from the
	 * router, and nothing here answers them for the host.
	 */
	if (!(r = rule(ch, EF_V_ACCEPT)))
		return -ENOMEM;
	r->nfproto = NFPROTO_IPV6;
	r->l4proto = IPPROTO_ICMPV6;
	r->icmpv6_type = true;
	r->type_lo = r->type_hi = 143;	/* multicast listener report v2 */
	return 0;
}

/*
 * The end of a chain whose policy drops: per family, a rule that counts
 * every packet that gets there (the policy cannot count), then logs a few
 * of them. The counter comes before the limit, so it also counts what the
 * limit keeps from the log; with the log off it is the whole rule.
 */
static int drop_rules(const struct ef_site *site, struct ef_chain *ch)
{
	static const uint8_t families[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	struct ef_rule *r;

	if (ch->policy != EF_V_DROP)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		if (!(r = rule(ch, EF_V_NONE)))
			return -ENOMEM;
		r->nfproto = families[i];
		r->counter = true;
		if (!site->log_rate)
			continue;
		r->limit_rate = site->log_rate;
		r->limit_unit = site->log_unit;
		r->limit_burst = 5;
		r->log = true;
		snprintf(r->log_prefix, sizeof(r->log_prefix),
			 EF_LOG_PREFIX "%.64s %s: ", ch->name,
			 ef_family_name(families[i]));
		r->log_level = 6;	/* info */
	}
	return 0;
}

/*
 * The lookups of one direction: rows with any peer, then, per group,
 * "ip saddr @g4_front_end iifname . ip daddr ... @in4_front_end accept".
 */
static int row_lookups(const struct cctx *c, const struct ef_model *m,
		       struct ef_chain *ch, enum dir dir)
{
	for (size_t i = 0; i < NSPECS; i++) {
		const struct set_spec *spec = &row_sets[i];

		if (spec->dir == dir &&
		    !lookup_rule(ch, spec->name, spec->family, spec->field,
				 spec->nfields))
			return -ENOMEM;
	}
	for (size_t g = 0; g < c->ngroups; g++) {
		for (size_t i = 0; i < NSPECS; i++) {
			const struct set_spec *spec = &row_sets[i];
			char addrs[EF_NAME_MAX], rows[EF_NAME_MAX];
			struct ef_rule *r;

			group_set_names(&c->groups[g], i, addrs, rows);
			if (spec->dir != dir || !ef_model_find_set(m, rows))
				continue;
			r = lookup_rule(ch, rows, spec->family, spec->field,
					spec->nfields);
			if (!r)
				return -ENOMEM;
			strcpy(r->peer_set, addrs);
			r->peer_key = dir == DIR_IN ?
				(spec->family == 4 ? EF_F_SADDR4 : EF_F_SADDR6) :
				(spec->family == 4 ? EF_F_DADDR4 : EF_F_DADDR6);
		}
	}
	return 0;
}

/* The lookups of timed exceptions, after the policy's rows. */
static int exception_lookups(struct ef_chain *ch)
{
	if (!lookup_rule(ch, EF_SET_EX4, 4, ex4_fields, 4) ||
	    !lookup_rule(ch, EF_SET_EX6, 6, ex6_fields, 4))
		return -ENOMEM;
	return 0;
}

static int build_chains(const struct cctx *c, struct ef_model *m)
{
	const struct ef_site *site = c->site;
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
	if (!err && (!lookup_rule(in, EF_SET_MGMT4, 4, mgmt4_fields, 3) ||
		     !lookup_rule(in, EF_SET_MGMT6, 6, mgmt6_fields, 3)))
		err = -ENOMEM;
	if (!gw) {
		err = err ?: row_lookups(c, m, in, DIR_IN);
		err = err ?: exception_lookups(in);
	}
	err = err ?: drop_rules(site, in);
	if (gw) {
		bool nat = ef_nat_on(c->pol, site);

		fwd = ef_model_find_chain(m, "forward");
		err = err ?: guard_rules(fwd, false);
		err = err ?: row_lookups(c, m, fwd, DIR_IN);
		err = err ?: row_lookups(c, m, fwd, DIR_OUT);
		if (nat)
			err = err ?: ef_nat_forward_rule(fwd);
		err = err ?: exception_lookups(fwd);
		err = err ?: drop_rules(site, fwd);
		/* Last: adding chains may move fwd. */
		if (nat)
			err = err ?: ef_nat_chains(m);
	} else {
		out = ef_model_find_chain(m, "output");
		err = err ?: guard_rules(out, true);
		err = err ?: row_lookups(c, m, out, DIR_OUT);
		err = err ?: drop_rules(site, out);
	}
	return err;
}

/* The row's features in the model's row table: counters and explain
 * name them, and say that an off row is off. */
static int tag_row(const struct cctx *c, struct ef_model *m,
		   const struct ef_prow *row)
{
	struct ef_row_flow flow = {
		.tcp = row->tcp, .udp = row->udp,
		.port_lo = row->port_lo, .port_hi = row->port_hi,
		.out = end_is_local(c->pol, row->from),
	};
	char *names;
	int err;

	if (!row->features)
		return 0;
	err = ef_feature_names(c->pol, row->features, &names);
	err = err ?: ef_model_tag_row(m, row->id, names,
				      !ef_row_on(row, c->features_on), &flow);
	free(names);
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
		err = err ?: tag_row(c, m, row);
		/* A row whose features are all off is never cut into
		 * elements: it is not there. */
		if (!err && ef_row_on(row, c->features_on))
			err = compile_row(c, row);
		if (err)
			return err;
	}
	for (size_t i = 0; i < c->site->nrows; i++) {
		struct ef_prow row = c->site->rows[i];
		char where[512];

		row.id = site_row_id(c, &c->site->rows[i]);
		snprintf(where, sizeof(where), "%s:%u", row.loc.file,
			 row.loc.line);
		err = ef_model_add_row(m, row.id, where, row.note);
		if (!err)
			err = compile_row(c, &row);
		if (err)
			return err;
	}
	for (size_t i = 0; i < NSPECS && !err; i++) {
		const struct set_spec *spec = &row_sets[i];
		struct ef_set *set = add_set(m, spec->name, spec->field,
					     spec->nfields);

		if (!set)
			return -ENOMEM;
		err = ef_set_add_disjoint(set, c->sets[i].v, c->sets[i].n,
					  c->site->max_elements);
	}
	for (size_t g = 0; g < c->ngroups && !err; g++)
		err = group_sets(c, &c->groups[g], m);
	err = err ?: ef_nat_sets(c->pol, c->site, c->site->max_elements, m);
	err = err ?: mgmt_sets(c, m);
	err = err ?: exception_sets(m);
	err = err ?: model_roles(c, m);
	err = err ?: model_zones(c, m);
	err = err ?: ef_model_share_rows(m);
	err = err ?: build_chains(c, m);
	if (!err && ef_model_elem_count(m) > c->site->max_elements)
		err = -E2BIG;
	return err;
}

/*
 * Own the table only for a reconciler that stays, and with `lock = auto`
 * only where the kernel keeps the table when its owner exits.
 */
static bool owns_table(const struct ef_site *site,
		       const struct ef_compile_opts *opts)
{
	if (site->lock == EF_LOCK_OFF || (opts && opts->transient))
		return false;
	return site->lock == EF_LOCK_ON || !opts || !opts->no_persist;
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
	check_site_rows(&c);
	ef_features_check(pol, site, d);
	c.features_on = ef_features_on(pol, site);
	ef_nat_check(pol, site, d);
	if (d->errors > errors)
		return -EINVAL;
	m = ef_model_new();
	if (!m)
		return -ENOMEM;
	if (owns_table(site, opts))
		m->table_flags = EF_TABLE_F_OWNER | EF_TABLE_F_PERSIST;
	err = resolve_groups(&c);
	err = err ?: build(&c, m);
	for (size_t i = 0; i < NSPECS; i++)
		free(c.sets[i].v);
	free_groups(&c);
	free(c.missing);
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
