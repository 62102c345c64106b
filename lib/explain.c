// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * explain: an interpreter of struct ef_model for the first packet of one
 * connection. It runs exactly what the chains say, rule by rule, with the
 * key of every lookup built from the flow (ef_key_put, the set's layout;
 * an element matches when each field lies in key..key_end), so it agrees
 * with the kernel on every table the compiler makes or the reader reads.
 * What it cannot run (a rule we did not write, in a table read back) it
 * skips, and counts in the answer: the kernel may decide otherwise.
 */
#include <errno.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "explain.h"
#include "nat.h"
#include "util.h"

#define CT_NEW 8u	/* the kernel's ct state bit of a new connection */

/* The models asked; sets are found in `runtime` first. */
static const struct ef_set *find_set(const struct ef_explain_models *on,
					const char *name)
{
	const struct ef_set *set = NULL;

	if (on->runtime)
		set = ef_model_find_set(on->runtime, name);
	return set ? set : ef_model_find_set(on->rules, name);
}

/* The packet as the chains see it: the destination may be translated. */
struct pkt {
	const struct ef_flow *f;
	uint8_t daddr[16];
	char iif[EF_IFNAME_LEN], oif[EF_IFNAME_LEN];
	uint32_t ct_status;
};

/* The bytes a rule loads for `field`; NULL when the packet has none (an
 * address of the other family). */
static const void *field_value(const struct pkt *p, enum ef_field field,
			       uint8_t port[2])
{
	switch (field) {
	case EF_F_IIFNAME:
		return p->iif;
	case EF_F_OIFNAME:
		return p->oif;
	case EF_F_SADDR4:
		return p->f->family == 4 ? p->f->saddr : NULL;
	case EF_F_DADDR4:
		return p->f->family == 4 ? p->daddr : NULL;
	case EF_F_SADDR6:
		return p->f->family == 6 ? p->f->saddr : NULL;
	case EF_F_DADDR6:
		return p->f->family == 6 ? p->daddr : NULL;
	case EF_F_L4PROTO:
		return &p->f->proto;
	case EF_F_DPORT:
		port[0] = p->f->dport >> 8;
		port[1] = p->f->dport & 0xff;
		return port;
	case EF_F_MAX:
		break;
	}
	return NULL;
}

/* The key a lookup of `set` by `fields` builds; false if a field is
 * missing or the set has another shape. */
static bool build_key(const struct ef_set *set, const enum ef_field *fields,
		      unsigned int n, const struct pkt *p, uint8_t *key)
{
	memset(key, 0, EF_KEY_MAX);
	if (n != set->nfields)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t port[2];
		const void *v = field_value(p, fields[i], port);

		if (!v || ef_field_info(fields[i])->type != set->type[i])
			return false;
		ef_key_put(set, i, key, v);
	}
	return true;
}

/* Does field i of key lie in the element's range? */
static bool field_in(const struct ef_set *set, unsigned int i,
		     const uint8_t *key, size_t e)
{
	size_t off = ef_field_offset(set, i);
	size_t len = ef_type_info(set->type[i])->reg_len;

	return memcmp(key + off, ef_elem_key(set, e) + off, len) >= 0 &&
	       memcmp(key + off, ef_elem_key_end(set, e) + off, len) <= 0;
}

/* The fields of key outside the element's ranges, as a bit mask. */
static unsigned int elem_misses(const struct ef_set *set, const uint8_t *key,
				size_t e)
{
	unsigned int miss = 0;

	for (unsigned int i = 0; i < set->nfields; i++)
		if (!field_in(set, i, key, e))
			miss |= 1u << i;
	return miss;
}

/* An element a lookup found: set NULL for none. */
struct hit {
	const struct ef_set *set;
	size_t i;
};

static struct hit lookup(const struct ef_set *set, const uint8_t *key)
{
	for (size_t i = 0; i < set->nelems; i++)
		if (!elem_misses(set, key, i))
			return (struct hit){ set, i };
	return (struct hit){ NULL, 0 };
}

/* The rows the element found serves (NULL: none, or nothing found). */
static struct ef_rows *hit_rows(struct hit h)
{
	return h.set ? ef_elem_rows(h.set, h.i) : NULL;
}

static uint8_t nfproto_of(uint8_t family)
{
	return family == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

/* Is the peer in the rule's peer set? */
static bool peer_in(const struct ef_explain_models *on, const struct ef_rule *r,
		    const struct pkt *p)
{
	const struct ef_set *set = find_set(on, r->peer_set);
	uint8_t key[EF_KEY_MAX];

	return set && build_key(set, &r->peer_key, 1, p, key) &&
	       lookup(set, key).set;
}

/* Everything of the rule before its lookup: the steps nl_expr writes
 * first. */
static bool rule_guards(const struct ef_rule *r, const struct pkt *p)
{
	if (r->foreign)
		return false;
	if (r->ct_state && !(r->ct_state & CT_NEW))
		return false;
	if (r->ct_status && !(r->ct_status & p->ct_status))
		return false;
	if (r->iif_lo && strcmp(p->iif, "lo"))
		return false;
	if (r->oif_lo && strcmp(p->oif, "lo"))
		return false;
	if (r->nfproto && r->nfproto != nfproto_of(p->f->family))
		return false;
	if (r->l4proto && r->l4proto != p->f->proto)
		return false;
	return !r->icmpv6_type;	/* a flow of tcp or udp has no type */
}

/* Does the rule match? *hit: the element its lookup found. */
static bool rule_matches(const struct ef_explain_models *on,
			 const struct ef_rule *r,
			 const struct pkt *p, struct hit *hit)
{
	const struct ef_set *set;
	uint8_t key[EF_KEY_MAX];

	*hit = (struct hit){ NULL, 0 };
	if (!rule_guards(r, p))
		return false;
	if (r->peer_set[0] && !peer_in(on, r, p))
		return false;
	if (!r->set[0])
		return true;
	set = find_set(on, r->set);
	if (!set || !build_key(set, r->key, r->nkeys, p, key))
		return false;
	*hit = lookup(set, key);
	return hit->set != NULL;
}

/* What kind of rule decided, by its set. */
static enum ef_by by_of(const struct ef_rule *r, struct hit hit)
{
	if (r->iif_lo || r->oif_lo)
		return EF_BY_LOOPBACK;
	if (!r->set[0])
		return EF_BY_RULE;
	if (!strcmp(r->set, EF_SET_MGMT4) || !strcmp(r->set, EF_SET_MGMT6))
		return EF_BY_MGMT;
	if (!strcmp(r->set, EF_SET_EX4) || !strcmp(r->set, EF_SET_EX6))
		return EF_BY_EXCEPTION;
	if (!strcmp(r->set, EF_SET_HAIRPIN4))
		return EF_BY_HAIRPIN;
	return hit_rows(hit) ? EF_BY_ROW : EF_BY_RULE;
}

/* Runs a filter chain: the first rule with a verdict that matches. */
static void run_filter(const struct ef_explain_models *on,
		       const struct ef_chain *c,
		       const struct pkt *p, struct ef_answer *a)
{
	snprintf(a->chain, sizeof(a->chain), "%s", c->name);
	a->verdict = c->policy;
	a->by = EF_BY_POLICY;
	for (size_t i = 0; i < c->nrules; i++) {
		const struct ef_rule *r = &c->rules[i];
		struct hit hit;

		if (r->foreign) {
			a->unknown_rules++;	/* it may have decided */
			continue;
		}
		if (r->verdict == EF_V_NONE || r->nat ||
		    !rule_matches(on, r, p, &hit))
			continue;
		a->verdict = r->verdict;
		a->by = by_of(r, hit);
		snprintf(a->set, sizeof(a->set), "%s", r->set);
		if (hit.set) {
			a->rows = ef_rows_get(hit_rows(hit));
			a->expires_ms = ef_elem_expires(hit.set, hit.i);
		}
		return;
	}
}

/* Runs the nat chains of prerouting: a DNAT map's address replaces the
 * destination, and conntrack says so (ct status dnat). */
static void run_dnat(const struct ef_explain_models *on, struct pkt *p)
{
	for (size_t c = 0; c < on->rules->nchains; c++) {
		const struct ef_chain *ch = &on->rules->chains[c];

		if (ch->type != EF_CHAIN_NAT || ch->hook != EF_HOOK_PREROUTING)
			continue;
		for (size_t i = 0; i < ch->nrules; i++) {
			const struct ef_rule *r = &ch->rules[i];
			const struct ef_set *map = find_set(on, r->set);
			struct hit hit;

			if (r->nat != EF_NAT_DNAT || !map || !map->map ||
			    !rule_matches(on, r, p, &hit))
				continue;
			memcpy(p->daddr, ef_elem_data(map, hit.i),
			       ef_set_data_len(map));
			p->ct_status |= EF_CT_STATUS_DNAT;
			return;
		}
	}
}

static const struct ef_chain *filter_chain(const struct ef_model *m,
					   enum ef_hook hook)
{
	for (size_t c = 0; c < m->nchains; c++)
		if (m->chains[c].type == EF_CHAIN_FILTER &&
		    m->chains[c].hook == hook)
			return &m->chains[c];
	return NULL;
}

/* ---- whose address ---------------------------------------------------- */

static bool range_has(const struct ef_addr_range *r, uint8_t family,
		      const uint8_t *lo, const uint8_t *hi)
{
	size_t len = family == 4 ? 4 : 16;

	return r->family == family && memcmp(lo, r->lo, len) >= 0 &&
	       memcmp(hi, r->hi, len) <= 0;
}

/* The roles holding lo..hi, ", "-separated into buf; "" for none. */
static bool roles_of(const struct ef_model *meta, uint8_t family,
		     const uint8_t *lo, const uint8_t *hi, char *buf,
		     size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < meta->nroles; i++) {
		const struct ef_model_role *r = &meta->roles[i];

		for (size_t k = 0; k < r->naddrs; k++) {
			if (!range_has(&r->addrs[k], family, lo, hi))
				continue;
			if (len < size)
				len += snprintf(buf + len, size - len, "%s%s",
						len ? ", " : "", r->name);
			break;
		}
	}
	return buf[0] != '\0';
}

static bool is_local(const struct ef_model *meta, uint8_t family,
		     const uint8_t *addr)
{
	char buf[EF_NAME_MAX];

	return roles_of(meta, family, addr, addr, buf, sizeof(buf));
}

/* Is the address in a set whose first field is an address of its
 * family: a group's addresses, the management networks? */
static bool in_addr_set(const struct ef_set *set, uint8_t family,
			const uint8_t *addr)
{
	enum ef_type t = family == 4 ? EF_T_IPV4 : EF_T_IPV6;
	uint8_t key[EF_KEY_MAX] = { 0 };

	if (!set->nfields || set->type[0] != t || set->map)
		return false;
	ef_key_put(set, 0, key, addr);
	for (size_t i = 0; i < set->nelems; i++)
		if (field_in(set, 0, key, i))
			return true;
	return false;
}

/* In no peer group, no management network, none of this machine's. */
static bool nobody(const struct ef_explain_models *on,
		   uint8_t family, const uint8_t *addr)
{
	if (is_local(on->meta, family, addr))
		return false;
	for (size_t c = 0; c < on->rules->nchains; c++) {
		const struct ef_chain *ch = &on->rules->chains[c];

		for (size_t i = 0; i < ch->nrules; i++) {
			const struct ef_rule *r = &ch->rules[i];
			const struct ef_set *s;

			s = find_set(on, r->peer_set);
			if (r->peer_set[0] && s && in_addr_set(s, family, addr))
				return false;
			s = find_set(on, r->set);
			if (s && (!strcmp(r->set, EF_SET_MGMT4) ||
				  !strcmp(r->set, EF_SET_MGMT6)) &&
			    in_addr_set(s, family, addr))
				return false;
		}
	}
	return true;
}

/* A source "from anywhere": the first address of the documentation
 * ranges, from the top down, that is in no group and not ours. */
static void assume_source(const struct ef_explain_models *on, struct ef_flow *f)
{
	static const uint8_t nets4[][3] = {
		{ 198, 51, 100 }, { 203, 0, 113 }, { 192, 0, 2 },
	};
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(f->saddr, 0, sizeof(f->saddr));
	if (f->family == 6) {
		for (unsigned int n = 0xeeee; n > 0xee00; n--) {
			a[4] = n >> 8;
			a[5] = n & 0xff;
			a[15] = 1;
			if (nobody(on, 6, a))
				break;
		}
		memcpy(f->saddr, a, 16);
		return;
	}
	for (size_t k = 0; k < ARRAY_SIZE(nets4); k++) {
		for (unsigned int host = 254; host > 0; host--) {
			memcpy(a, nets4[k], 3);
			a[3] = (uint8_t)host;
			if (nobody(on, 4, a)) {
				memcpy(f->saddr, a, 4);
				return;
			}
		}
	}
	memcpy(f->saddr, a, 4);	/* none free: the last one tried */
}

/* ---- why not ------------------------------------------------------------ */

static bool same_reason(const struct ef_reason *a, const struct ef_reason *b)
{
	return a->kind == b->kind && a->differs == b->differs &&
	       ef_rows_equal(a->rows, b->rows) &&
	       !strcmp(a->ifname, b->ifname) && !strcmp(a->role, b->role) &&
	       !strcmp(a->group, b->group);
}

static void add_reason(struct ef_answer *a, const struct ef_reason *r)
{
	for (size_t i = 0; i < a->nreasons; i++)
		if (same_reason(&a->reasons[i], r))
			return;
	if (a->nreasons == EF_EXPLAIN_REASONS_MAX)
		return;
	a->reasons[a->nreasons] = *r;
	a->reasons[a->nreasons++].rows = ef_rows_get(r->rows);
}

/* What the element of field i holds, into the reason: an interface, or
 * an address and whose it is. */
static void describe_field(const struct ef_model *meta,
			   const struct ef_set *set, unsigned int i,
			   size_t e, struct ef_reason *r)
{
	size_t off = ef_field_offset(set, i);
	const struct ef_model_zone *z;

	if (set->type[i] == EF_T_IFNAME) {
		memcpy(r->ifname, ef_elem_key(set, e) + off, EF_IFNAME_LEN - 1);
		z = ef_model_iface_zone(meta, r->ifname);
		if (z)
			snprintf(r->zone, sizeof(r->zone), "%s", z->name);
		return;
	}
	r->addr.family = set->type[i] == EF_T_IPV4 ? 4 : 6;
	memcpy(r->addr.lo, ef_elem_key(set, e) + off,
	       r->addr.family == 4 ? 4 : 16);
	memcpy(r->addr.hi, ef_elem_key_end(set, e) + off,
	       r->addr.family == 4 ? 4 : 16);
	roles_of(meta, r->addr.family, r->addr.lo, r->addr.hi, r->role,
		 sizeof(r->role));
}

/* Is field `f` the local end of a lookup keyed by `iface`? Inbound rows
 * key the ingress and the destination, outbound the egress and the
 * source. */
static bool local_field(enum ef_field f, enum ef_field iface)
{
	if (iface == EF_F_IIFNAME)
		return f == EF_F_DADDR4 || f == EF_F_DADDR6;
	return f == EF_F_SADDR4 || f == EF_F_SADDR6;
}

/* The rows of one row lookup that admit this protocol and port, and
 * what else they would need. */
static void near_rows(const struct ef_explain_models *on, const struct ef_rule *rl,
		      const struct pkt *p, enum ef_field iface,
		      struct ef_answer *a)
{
	const struct ef_set *set = find_set(on, rl->set);
	bool peer_ok = !rl->peer_set[0] || peer_in(on, rl, p);
	uint8_t key[EF_KEY_MAX];

	if (!set || !build_key(set, rl->key, rl->nkeys, p, key) ||
	    rl->key[0] != iface)
		return;
	for (size_t e = 0; e < set->nelems; e++) {
		struct ef_rows *rows = ef_elem_rows(set, e);
		unsigned int miss = elem_misses(set, key, e);
		struct ef_reason r = { .kind = EF_R_ROW_ELSEWHERE };
		bool other = false;

		for (unsigned int i = 0; i < set->nfields; i++) {
			if (!(miss & (1u << i)))
				continue;
			if (rl->key[i] == iface) {
				r.differs |= EF_DIFF_ZONE;
				describe_field(on->meta, set, i, e, &r);
			} else if (local_field(rl->key[i], iface)) {
				r.differs |= EF_DIFF_ADDR;
				describe_field(on->meta, set, i, e, &r);
			} else {
				other = true;	/* protocol, port */
			}
		}
		if (other || !rows)
			continue;
		if (!peer_ok) {
			r.differs |= EF_DIFF_PEER;
			/* g4_NAME: the group's addresses */
			snprintf(r.group, sizeof(r.group), "%s",
				 strlen(rl->peer_set) > 3 ? rl->peer_set + 3 :
							    rl->peer_set);
		}
		if (!r.differs)
			continue;	/* it would match: not a reason */
		r.rows = rows;
		add_reason(a, &r);
	}
}

/* The management guard's port: the networks allowed it. */
static void mgmt_only(const struct ef_explain_models *on,
		      const struct ef_rule *rl, const struct pkt *p,
		      struct ef_answer *a)
{
	const struct ef_set *set = find_set(on, rl->set);
	uint8_t key[EF_KEY_MAX];

	if (!set || !build_key(set, rl->key, rl->nkeys, p, key))
		return;
	for (size_t e = 0; e < set->nelems; e++) {
		struct ef_reason r = { .kind = EF_R_MGMT_ONLY };

		if (elem_misses(set, key, e) & ~1u)
			continue;	/* another protocol or port */
		r.addr.family = p->f->family;
		memcpy(r.addr.lo, ef_elem_key(set, e),
		       p->f->family == 4 ? 4 : 16);
		memcpy(r.addr.hi, ef_elem_key_end(set, e),
		       p->f->family == 4 ? 4 : 16);
		r.rows = ef_elem_rows(set, e);
		add_reason(a, &r);
	}
}

/* Of the rows that come near, those that differ in the fewest ways: a
 * row one zone away says more than one in another zone, for another
 * address. */
static void nearest_only(struct ef_answer *a)
{
	unsigned int best = 4;
	size_t out = 0;

	for (size_t i = 0; i < a->nreasons; i++)
		if (a->reasons[i].kind == EF_R_ROW_ELSEWHERE &&
		    (unsigned int)__builtin_popcount(a->reasons[i].differs) < best)
			best = (unsigned int)__builtin_popcount(a->reasons[i].differs);
	for (size_t i = 0; i < a->nreasons; i++) {
		struct ef_reason *r = &a->reasons[i];

		if (r->kind == EF_R_ROW_ELSEWHERE &&
		    (unsigned int)__builtin_popcount(r->differs) > best)
			ef_rows_put(r->rows);
		else
			a->reasons[out++] = *r;
	}
	a->nreasons = out;
}

/*
 * The rows of this protocol and port, this way, that the site turned off
 * with their features: no element stands for them, so the model's row
 * table says what they admitted. One reason listing them all.
 */
static void feature_off(const struct ef_model *meta, const struct pkt *p,
			enum ef_direction dir, struct ef_answer *a)
{
	struct ef_reason r = { .kind = EF_R_FEATURE_OFF };
	unsigned int *ids = NULL;
	size_t n = 0;

	for (size_t i = 0; i < meta->nrows; i++) {
		const struct ef_row *row = &meta->rows[i];
		const struct ef_row_flow *f = &row->flow;
		bool proto = p->f->proto == IPPROTO_TCP ? f->tcp : f->udp;
		unsigned int *more;

		if (!row->off || !proto || f->out != (dir == EF_DIR_OUT) ||
		    p->f->dport < f->port_lo || p->f->dport > f->port_hi)
			continue;
		more = realloc(ids, (n + 1) * sizeof(*ids));
		if (!more)
			break;	/* out of memory: a reason fewer */
		ids = more;
		ids[n++] = row->id;
	}
	r.rows = n ? ef_rows_new(ids, n) : NULL;
	free(ids);
	if (r.rows) {
		add_reason(a, &r);
		ef_rows_put(r.rows);
	}
}

/* Why the chain dropped it: the lookups of its family asked again. */
static void why_dropped(const struct ef_explain_models *on, const struct ef_chain *c,
			const struct pkt *p, enum ef_direction dir,
			struct ef_answer *a)
{
	enum ef_field iface = dir == EF_DIR_IN ? EF_F_IIFNAME : EF_F_OIFNAME;
	struct ef_reason none = { .kind = EF_R_NO_ROW };

	for (size_t i = 0; i < c->nrules; i++) {
		const struct ef_rule *rl = &c->rules[i];

		if (!rl->set[0] || rl->verdict != EF_V_ACCEPT ||
		    (rl->nfproto && rl->nfproto != nfproto_of(p->f->family)))
			continue;
		if (by_of(rl, (struct hit){ NULL, 0 }) == EF_BY_MGMT)
			mgmt_only(on, rl, p, a);
		else
			near_rows(on, rl, p, iface, a);
	}
	nearest_only(a);
	feature_off(on->meta, p, dir, a);
	if (!a->nreasons)
		add_reason(a, &none);
}

/* ---- the whole answer ----------------------------------------------------- */

static void answer_free(struct ef_answer *a)
{
	ef_rows_put(a->rows);
	for (size_t i = 0; i < a->nreasons; i++)
		ef_rows_put(a->reasons[i].rows);
}

void ef_explanation_free(struct ef_explanation *x)
{
	for (size_t i = 0; i < x->nanswers; i++)
		answer_free(&x->answers[i]);
	x->nanswers = 0;
}

static bool same_answer(const struct ef_answer *a, const struct ef_answer *b)
{
	if (a->verdict != b->verdict || a->by != b->by ||
	    a->unknown_rules != b->unknown_rules ||
	    strcmp(a->chain, b->chain) || strcmp(a->set, b->set) ||
	    !ef_rows_equal(a->rows, b->rows) || a->nreasons != b->nreasons)
		return false;
	for (size_t i = 0; i < a->nreasons; i++)
		if (!same_reason(&a->reasons[i], &b->reasons[i]))
			return false;
	return true;
}

/* One interface's answer, merged into an equal one if there is. */
static void keep_answer(struct ef_explanation *x, struct ef_answer *a,
			const char *ifname)
{
	for (size_t i = 0; i < x->nanswers; i++) {
		struct ef_answer *o = &x->answers[i];

		if (!same_answer(o, a) || o->nifnames == EF_EXPLAIN_IFACES_MAX)
			continue;
		snprintf(o->ifnames[o->nifnames++], EF_IFNAME_LEN, "%s",
			 ifname);
		answer_free(a);
		return;
	}
	if (ifname) {
		snprintf(a->ifnames[0], EF_IFNAME_LEN, "%s", ifname);
		a->nifnames = 1;
	}
	x->answers[x->nanswers++] = *a;
}

static void decide(const struct ef_explain_models *on,
		   const struct ef_explanation *x, struct pkt *p,
		   struct ef_answer *a)
{
	const struct ef_chain *c;

	memset(a, 0, sizeof(*a));
	c = filter_chain(on->rules, x->gateway ? EF_HOOK_FORWARD :
				x->dir == EF_DIR_IN ? EF_HOOK_INPUT :
				EF_HOOK_OUTPUT);
	if (!c) {
		a->verdict = EF_V_ACCEPT;	/* no chain: nothing filters */
		return;
	}
	run_filter(on, c, p, a);
	if (a->verdict == EF_V_DROP)
		why_dropped(on, c, p, x->dir, a);
}

/* Interfaces to try: the flow's own, else every zone's and one in no
 * zone (""). */
static size_t candidates(const struct ef_model *meta, const char *said,
			 char (*ret)[EF_IFNAME_LEN])
{
	size_t n = 0;

	if (said[0]) {
		snprintf(ret[n++], EF_IFNAME_LEN, "%s", said);
		return n;
	}
	for (size_t z = 0; z < meta->nzones; z++)
		for (size_t k = 0; k < meta->zones[z].nifnames; k++) {
			bool seen = false;

			for (size_t i = 0; i < n; i++)
				seen |= !strcmp(ret[i], meta->zones[z].ifnames[k]);
			if (!seen && n < EF_EXPLAIN_IFACES_MAX)
				snprintf(ret[n++], EF_IFNAME_LEN, "%s",
					 meta->zones[z].ifnames[k]);
		}
	ret[n++][0] = '\0';
	return n;
}

int ef_explain(const struct ef_explain_models *on,
	       const struct ef_flow *flow, bool from_given,
	       struct ef_explanation *ret)
{
	char ifs[EF_EXPLAIN_IFACES_MAX + 1][EF_IFNAME_LEN];
	struct ef_explanation *x = ret;
	struct pkt p = { 0 };
	size_t n;

	memset(x, 0, sizeof(*x));
	x->flow = *flow;
	x->from_assumed = !from_given;
	if (!from_given)
		assume_source(on, &x->flow);
	p.f = &x->flow;
	memcpy(p.daddr, x->flow.daddr, sizeof(p.daddr));
	x->gateway = filter_chain(on->rules, EF_HOOK_FORWARD) != NULL;
	if (x->gateway)
		run_dnat(on, &p);
	x->dnat = p.ct_status & EF_CT_STATUS_DNAT;
	memcpy(x->dnat_to, p.daddr, sizeof(x->dnat_to));
	x->dir = EF_DIR_IN;
	if (!is_local(on->meta, flow->family, p.daddr) &&
	    is_local(on->meta, flow->family, x->flow.saddr))
		x->dir = EF_DIR_OUT;
	x->unknown_dest = x->dir == EF_DIR_IN &&
			  !is_local(on->meta, flow->family, p.daddr);
	x->vary_oif = x->dir == EF_DIR_OUT;
	n = candidates(on->meta, x->vary_oif ? flow->oif : flow->iif, ifs);
	for (size_t i = 0; i < n; i++) {
		struct ef_answer a;

		snprintf(x->vary_oif ? p.oif : p.iif, EF_IFNAME_LEN, "%s",
			 ifs[i]);
		decide(on, x, &p, &a);
		keep_answer(x, &a, ifs[i]);
	}
	return 0;
}

const char *ef_by_name(enum ef_by by)
{
	static const char *const names[] = {
		[EF_BY_POLICY] = "policy", [EF_BY_ROW] = "row",
		[EF_BY_MGMT] = "management", [EF_BY_EXCEPTION] = "exception",
		[EF_BY_HAIRPIN] = "hairpin", [EF_BY_LOOPBACK] = "loopback",
		[EF_BY_RULE] = "rule",
	};

	return (unsigned int)by < ARRAY_SIZE(names) ? names[by] : "?";
}

const char *ef_reason_name(enum ef_reason_kind k)
{
	static const char *const names[] = {
		[EF_R_NO_ROW] = "no_row",
		[EF_R_ROW_ELSEWHERE] = "row_elsewhere",
		[EF_R_MGMT_ONLY] = "management_only",
		[EF_R_FEATURE_OFF] = "feature_off",
	};

	return (unsigned int)k < ARRAY_SIZE(names) ? names[k] : "?";
}
