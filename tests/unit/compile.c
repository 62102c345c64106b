// SPDX-License-Identifier: GPL-2.0-or-later
/* The compiler: shipped scenarios, chains, management, log, iface bindings. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "helpers.h"
#include "nft_emit.h"
#include "util.h"

#define POLICIES "../../policies/"
#define SITES "../../policies/examples/"

/* Compiles a shipped policy with a shipped site; asserts no diagnostics. */
static struct ef_model *compile_shipped(const char *policy, const char *site)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char ppath[256], spath[256], *text;
	int err;

	snprintf(ppath, sizeof(ppath), POLICIES "%s.policy", policy);
	snprintf(spath, sizeof(spath), SITES "%s.site", site);
	err = compile_files(ppath, spath, NULL, &d, &m);
	text = ef_diags_format(&d);
	cr_assert_eq(err, 0, "%s with %s: %d\n%s", policy, site, err, text);
	cr_assert_eq(d.n, 0, "%s with %s:\n%s", policy, site, text);
	cr_assert_not_null(m);
	free(text);
	ef_diags_free(&d);
	return m;
}

/* Compiles policy and site texts (written to a temp dir). */
static int compile_texts(const char *policy, const char *site,
			 const struct ef_compile_opts *opts, struct ef_diags *d,
			 struct ef_model **m)
{
	struct tdir t;
	char *ppath, *spath;
	int err;

	tdir_init(&t);
	ppath = tdir_write(&t, "p.policy", policy, 0644);
	spath = tdir_write(&t, "s.site", site, 0644);
	err = compile_files(ppath, spath, opts, d, m);
	free(ppath);
	free(spath);
	tdir_fini(&t);
	return err;
}

/* Like compile_texts, but must succeed without any diagnostic. */
static struct ef_model *compile_ok(const char *policy, const char *site,
				   const struct ef_compile_opts *opts)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text;
	int err;

	err = compile_texts(policy, site, opts, &d, &m);
	text = ef_diags_format(&d);
	cr_assert_eq(err, 0, "%d:\n%s", err, text);
	cr_assert_eq(d.n, 0, "%s", text);
	cr_assert_not_null(m);
	free(text);
	ef_diags_free(&d);
	return m;
}

static bool ranges_overlap(const struct ef_set *s, size_t a, size_t b,
			   unsigned int f)
{
	size_t off = ef_field_offset(s, f);
	size_t w = ef_type_info(s->type[f])->len;

	return memcmp(ef_elem_key(s, a) + off, ef_elem_key_end(s, b) + off,
		      w) <= 0 &&
	       memcmp(ef_elem_key(s, b) + off, ef_elem_key_end(s, a) + off,
		      w) <= 0;
}

static const struct ef_set *sort_set;

static int elem_index_cmp(const void *a, const void *b)
{
	return ef_elem_cmp(sort_set, *(const size_t *)a, sort_set,
			   *(const size_t *)b);
}

/*
 * Two elements of the set that overlap (indexes in *a, *b), or false. A
 * one-field set is checked without n^2 steps (a group may hold 100 000
 * addresses): sorted by start, each must start after the one before ends.
 */
static bool set_overlap(const struct ef_set *s, size_t *a, size_t *b)
{
	if (s->nfields == 1) {
		size_t w = ef_type_info(s->type[0])->len;
		size_t *v = calloc(s->nelems + 1, sizeof(*v));
		bool found = false;

		cr_assert_not_null(v);
		for (size_t i = 0; i < s->nelems; i++)
			v[i] = i;
		sort_set = s;
		qsort(v, s->nelems, sizeof(*v), elem_index_cmp);
		for (size_t i = 1; i < s->nelems && !found; i++) {
			found = memcmp(ef_elem_key(s, v[i]),
				       ef_elem_key_end(s, v[i - 1]), w) <= 0;
			*a = v[i - 1];
			*b = v[i];
		}
		free(v);
		return found;
	}
	for (*a = 0; *a < s->nelems; (*a)++)
	for (*b = *a + 1; *b < s->nelems; (*b)++) {
		bool overlap = true;

		for (unsigned int f = 0; f < s->nfields && overlap; f++)
			overlap = ranges_overlap(s, *a, *b, f);
		if (overlap)
			return true;
	}
	return false;
}

/* Every field of every element is a range [lo, hi] with lo <= hi. */
static void assert_elems_well_formed(const struct ef_set *s)
{
	for (size_t i = 0; i < s->nelems; i++)
		for (unsigned int f = 0; f < s->nfields; f++) {
			size_t off = ef_field_offset(s, f);
			size_t w = ef_type_info(s->type[f])->len;

			if (memcmp(ef_elem_key(s, i) + off,
				   ef_elem_key_end(s, i) + off, w) > 0) {
				char *k = elem_key(s, i);

				cr_assert_fail("set %s: element %s ends before it starts",
					       s->name, k);
			}
		}
}

/* Elements that serve the same rows, in any set, share one list. */
static void assert_rows_shared(const struct ef_model *m)
{
	const struct ef_rows **lists = calloc(ef_model_elem_count(m) + 1,
					      sizeof(*lists));
	size_t n = 0;

	cr_assert_not_null(lists);
	for (size_t s = 0; s < m->nsets; s++)
		for (size_t i = 0; i < m->sets[s].nelems; i++)
			if (ef_elem_rows(&m->sets[s], i))
				lists[n++] = ef_elem_rows(&m->sets[s], i);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_assert_eq(ef_rows_equal(lists[i], lists[j]),
				     lists[i] == lists[j],
				     "\"%s\" made twice", rows_text(lists[i]));
	free(lists);
}

/* The kernel refuses overlapping interval elements, in every set. */
static void assert_sets_disjoint(const struct ef_model *m)
{
	for (size_t i = 0; i < m->nsets; i++) {
		const struct ef_set *s = &m->sets[i];
		size_t a, b;

		assert_elems_well_formed(s);
		if (set_overlap(s, &a, &b)) {
			char *ka = elem_key(s, a), *kb = elem_key(s, b);

			cr_assert_fail("set %s: %s overlaps %s", s->name, ka, kb);
		}
	}
}

static void put_v4(struct ef_set *s, const char *lo, const char *hi)
{
	uint8_t k[EF_KEY_MAX] = { 0 }, e[EF_KEY_MAX] = { 0 };

	cr_assert_eq(inet_pton(AF_INET, lo, k), 1);
	cr_assert_eq(inet_pton(AF_INET, hi, e), 1);
	cr_assert_eq(ef_set_add_elem(s, k, e, NULL), 0);
}

/* The checker itself sees overlaps in one-field sets, in any order. */
Test(compile, disjoint_check_of_one_field_sets)
{
	static const struct {
		const char *v[3][2];
		bool overlap;
	} cases[] = {
		{ { { "10.0.0.10", "10.0.0.20" }, { "10.0.0.0", "10.0.0.9" },
		    { "10.0.0.21", "10.0.0.21" } }, false },	/* adjacent */
		{ { { "10.0.0.10", "10.0.0.20" }, { "10.0.0.0", "10.0.0.10" },
		    { "10.0.1.0", "10.0.1.0" } }, true },	/* one shared */
		{ { { "10.0.1.0", "10.0.1.0" }, { "10.0.0.0", "10.0.255.255" },
		    { "9.0.0.0", "9.0.0.0" } }, true },	/* nested */
		{ { { "0.0.0.0", "0.0.0.0" }, { "255.255.255.255", "255.255.255.255" },
		    { "10.0.0.0", "10.0.0.0" } }, false },
		{ { { "10.0.0.0", "10.0.0.5" }, { "10.0.0.7", "10.0.0.9" },
		    { "10.0.0.5", "10.0.0.6" } }, true },	/* last added */
	};
	const enum ef_type t = EF_T_IPV4;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ef_model *m = ef_model_new();
		struct ef_set *s = ef_model_add_set(m, "g4_x", &t, 1, false);
		size_t a, b;

		cr_assert_not_null(s);
		for (size_t k = 0; k < 3; k++)
			put_v4(s, cases[i].v[k][0], cases[i].v[k][1]);
		cr_assert_eq(set_overlap(s, &a, &b), cases[i].overlap,
			     "case %zu", i);
		if (cases[i].overlap)
			cr_assert(ranges_overlap(s, a, b, 0),
				  "case %zu", i);
		ef_model_free(m);
	}
}

/* a_end + 1 == b in `len` bytes: the ranges touch, one could hold both. */
static bool touches(const uint8_t *a_end, const uint8_t *b, size_t len)
{
	uint8_t next[16];

	memcpy(next, a_end, len);
	for (size_t k = len; k-- > 0;)
		if (++next[k])
			break;
	return !memcmp(next, b, len);
}

static bool is_group_addr_set(const char *name)
{
	return !strncmp(name, "g4_", 3) || !strncmp(name, "g6_", 3);
}

/* "in4_front_end" -> in, 4, "front_end"; false for in4, mgmt4, g4_x ... */
static bool is_group_row_set(const char *name, bool *in, unsigned int *family,
			     const char **group)
{
	size_t n = !strncmp(name, "in", 2) ? 2 : !strncmp(name, "out", 3) ? 3 : 0;

	if (!n || (name[n] != '4' && name[n] != '6') || name[n + 1] != '_' ||
	    !name[n + 2])
		return false;
	*in = n == 2;
	*family = name[n] == '4' ? 4 : 6;
	*group = name + n + 2;
	return true;
}

static bool elem_less(const struct ef_set *s, size_t a, size_t b)
{
	return ef_elem_cmp(s, a, s, b) < 0;
}

/* A rule looking up a group's rows, exactly as the compiler writes it. */
static void assert_peer_rule(const struct ef_rule *r)
{
	const enum ef_field in4[] = { EF_F_IIFNAME, EF_F_DADDR4, EF_F_L4PROTO,
				      EF_F_DPORT };
	const enum ef_field in6[] = { EF_F_IIFNAME, EF_F_DADDR6, EF_F_L4PROTO,
				      EF_F_DPORT };
	const enum ef_field out4[] = { EF_F_OIFNAME, EF_F_SADDR4, EF_F_L4PROTO,
				       EF_F_DPORT };
	const enum ef_field out6[] = { EF_F_OIFNAME, EF_F_SADDR6, EF_F_L4PROTO,
				       EF_F_DPORT };
	unsigned int family;
	const char *group;
	char want_peer[EF_NAME_MAX];
	bool in;

	cr_assert(is_group_row_set(r->set, &in, &family, &group),
		  "peer lookup @%s in front of @%s: not a group's rows",
		  r->peer_set, r->set);
	snprintf(want_peer, sizeof(want_peer), "g%u_%s", family, group);
	cr_assert_str_eq(r->peer_set, want_peer, "rule looking up @%s", r->set);
	cr_assert_eq(r->peer_key, in ? (family == 4 ? EF_F_SADDR4 : EF_F_SADDR6) :
				       (family == 4 ? EF_F_DADDR4 : EF_F_DADDR6),
		     "@%s: the peer is the wrong end", r->set);
	cr_assert_eq(r->nfproto, family == 4 ? 2 : 10, "@%s", r->set);
	cr_assert_eq(r->nkeys, 4, "@%s", r->set);
	cr_assert_arr_eq(r->key, in ? (family == 4 ? in4 : in6) :
				      (family == 4 ? out4 : out6),
			 sizeof(in4), "@%s: keys", r->set);
	cr_assert_eq(r->verdict, EF_V_ACCEPT, "@%s", r->set);
	cr_assert_eq(r->l4proto, 0);
	cr_assert_eq(r->ct_state, 0);
	cr_assert_not(r->log);
}

static void assert_drop_counters(const struct ef_chain *c)
{
	size_t first = c->nrules;

	if (c->policy == EF_V_DROP) {
		cr_assert_geq(c->nrules, 2, "chain %s", c->name);
		first = c->nrules - 2;
	}
	for (size_t i = 0; i < c->nrules; i++) {
		const struct ef_rule *r = &c->rules[i];

		cr_assert_eq(r->counter, i >= first, "chain %s, rule %zu",
			     c->name, i);
		if (i < first)
			continue;
		cr_assert_eq(r->nfproto, i == first ? NFPROTO_IPV4 : NFPROTO_IPV6,
			     "chain %s, rule %zu", c->name, i);
		cr_assert_eq(r->verdict, EF_V_NONE, "chain %s", c->name);
		cr_assert(!r->set[0] && !r->ct_state && !r->l4proto,
			  "chain %s: a drop counter that matches more", c->name);
	}
}

/*
 * What every compiled model must be, whatever the policy:
 * - row sets (several fields) count hits, every element names its rows;
 * - a group's address set (g4_x, g6_x) is one field of the family's
 *   address, no counter, no comments, not empty, its ranges sorted and
 *   merged (none touch another);
 * - a group's row set (in4_x ...) is not empty and looked up exactly once,
 *   behind the lookup of its group's addresses of the same family, with
 *   the peer at the right end; it is never looked up without that;
 * - every set is looked up, by keys of its types; every set is sorted;
 * - elements that serve the same rows share one list;
 * - a chain whose policy drops ends with a rule counting IPv4, then one
 *   counting IPv6, neither with a verdict; no other rule counts.
 */
static void assert_model_shape(const struct ef_model *m)
{
	assert_sets_disjoint(m);
	assert_rows_shared(m);
	for (size_t i = 0; i < m->nsets; i++) {
		const struct ef_set *s = &m->sets[i];
		size_t as_set = 0, as_peer = 0;
		unsigned int family;
		const char *group;
		bool in;

		for (size_t e = 1; e < s->nelems; e++)
			cr_assert(elem_less(s, e - 1, e),
				  "set %s: element %zu out of order", s->name, e);
		for (size_t k = 0; k < m->nchains; k++)
			for (size_t r = 0; r < m->chains[k].nrules; r++) {
				as_set += !strcmp(m->chains[k].rules[r].set,
						  s->name);
				as_peer += !strcmp(m->chains[k].rules[r].peer_set,
						   s->name);
			}
		if (s->map) {
			/* NAT's: address to address, one lookup. */
			cr_assert_eq(s->nfields, 1, "map %s", s->name);
			cr_assert(s->hashed && !s->counter, "map %s", s->name);
			cr_assert_eq(s->type[0], s->data, "map %s", s->name);
			/* Each element's comment is its role. */
			for (size_t e = 0; e < s->nelems; e++)
				cr_assert(ef_elem_rows(s, e) &&
					  ef_elem_rows(s, e)->foreign,
					  "map %s", s->name);
			cr_assert_eq(as_set, 1, "map %s looked up %zu times",
				     s->name, as_set);
			continue;
		}
		if (is_group_addr_set(s->name)) {
			enum ef_type t = s->name[1] == '4' ? EF_T_IPV4 : EF_T_IPV6;
			size_t w = ef_type_info(t)->len;

			cr_assert_eq(s->nfields, 1, "set %s", s->name);
			cr_assert_eq(s->type[0], t, "set %s", s->name);
			cr_assert_not(s->counter, "set %s", s->name);
			cr_assert_gt(s->nelems, 0, "set %s is empty", s->name);
			for (size_t e = 0; e < s->nelems; e++)
				cr_assert_null(ef_elem_rows(s, e), "set %s", s->name);
			for (size_t e = 1; e < s->nelems; e++)
				cr_assert_not(touches(ef_elem_key_end(s, e - 1),
						      ef_elem_key(s, e), w),
					      "set %s: element %zu touches the one before: not merged",
					      s->name, e);
			cr_assert_eq(as_set, 0, "set %s looked up as rows", s->name);
			cr_assert_gt(as_peer, 0, "set %s: nobody looks it up",
				     s->name);
			continue;
		}
		cr_assert_gt(s->nfields, 1, "set %s", s->name);
		cr_assert(s->counter, "set %s does not count", s->name);
		for (size_t e = 0; e < s->nelems; e++)
			cr_assert_not_null(ef_elem_rows(s, e), "set %s element %zu",
					   s->name, e);
		cr_assert_eq(as_peer, 0, "set %s looked up as a group", s->name);
		if (is_group_row_set(s->name, &in, &family, &group)) {
			cr_assert_gt(s->nelems, 0, "set %s is empty", s->name);
			cr_assert_eq(as_set, 1, "set %s looked up %zu times",
				     s->name, as_set);
		} else {
			cr_assert_gt(as_set, 0, "set %s: nobody looks it up",
				     s->name);
		}
	}
	for (size_t k = 0; k < m->nchains; k++)
		for (size_t i = 0; i < m->chains[k].nrules; i++) {
			const struct ef_rule *r = &m->chains[k].rules[i];
			const struct ef_set *s;
			enum ef_type t[EF_FIELDS_MAX];
			unsigned int family;
			const char *group;
			bool in;

			if (!r->set[0]) {
				cr_assert_eq(r->peer_set[0], '\0');
				continue;
			}
			s = ef_model_find_set(m, r->set);
			cr_assert_not_null(s, "chain %s looks up @%s: no such set",
					   m->chains[k].name, r->set);
			cr_assert_eq(r->nkeys, s->nfields, "@%s", r->set);
			ef_fields_types(r->key, r->nkeys, t);
			cr_assert_arr_eq(t, s->type, r->nkeys * sizeof(t[0]),
					 "@%s: key types", r->set);
			if (is_group_row_set(r->set, &in, &family, &group)) {
				cr_assert_neq(r->peer_set[0], '\0',
					      "@%s looked up for any peer", r->set);
				assert_peer_rule(r);
				s = ef_model_find_set(m, r->peer_set);
				cr_assert_not_null(s, "no set %s", r->peer_set);
				cr_assert_eq(ef_field_info(r->peer_key)->type,
					     s->type[0], "@%s", r->peer_set);
				/* In the chain of its direction. */
				cr_assert(m->chains[k].hook == EF_HOOK_FORWARD ||
					  m->chains[k].hook ==
					  (in ? EF_HOOK_INPUT : EF_HOOK_OUTPUT),
					  "@%s in chain %s", r->set,
					  m->chains[k].name);
			} else {
				cr_assert_eq(r->peer_set[0], '\0',
					     "@%s behind a peer lookup", r->set);
			}
		}
	for (size_t k = 0; k < m->nchains; k++)
		assert_drop_counters(&m->chains[k]);
}

/*
 * The lookups of a chain, in order, as one line: "mgmt4 in4 ..." with a
 * group's as "g4_x>in4_x".
 */
static void assert_lookups(const struct ef_chain *c, const char *want)
{
	struct ef_strbuf sb = { 0 };
	char *got;

	for (size_t i = 0; i < c->nrules; i++) {
		const struct ef_rule *r = &c->rules[i];

		if (!r->set[0])
			continue;
		ef_sb_printf(&sb, "%s%s%s%s", sb.len ? " " : "", r->peer_set,
			  r->peer_set[0] ? ">" : "", r->set);
	}
	got = ef_sb_steal(&sb);
	cr_assert_str_eq(got ? got : "", want, "chain %s", c->name);
	free(got);
}

/* The rule of chain c that looks up `set` behind `peer_set`, checked. */
static const struct ef_rule *find_peer_lookup(const struct ef_chain *c,
					      const char *peer_set,
					      const char *set)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].set, set) &&
		    !strcmp(c->rules[i].peer_set, peer_set)) {
			assert_peer_rule(&c->rules[i]);
			return &c->rules[i];
		}
	return NULL;
}

static bool any_peer_lookup(const struct ef_model *m)
{
	for (size_t k = 0; k < m->nchains; k++)
		for (size_t i = 0; i < m->chains[k].nrules; i++)
			if (m->chains[k].rules[i].peer_set[0])
				return true;
	return false;
}

static bool chain_has_log(const struct ef_chain *c)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (c->rules[i].log)
			return true;
	return false;
}

static const struct ef_rule *find_lookup(const struct ef_chain *c,
					 const char *set)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].set, set))
			return &c->rules[i];
	return NULL;
}

/* --- the shipped scenarios */

Test(compile, every_shipped_policy_compiles_with_its_site)
{
	static const struct {
		const char *policy, *site;
		size_t rows, sets;
		const char *groups;	/* group sets, in order */
	} cases[] = {
		{ "edge-single-public", "edge-single-public", 37, 16,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director" },
		{ "edge-single-nat", "edge-single-nat", 37, 16,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director" },
		{ "edge-scaled-dns-public", "edge-scaled-dns-public", 37, 16,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director" },
		{ "edge-scaled-dns-nat", "edge-scaled-dns-nat", 38, 16,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director" },
		{ "edge-scaled-hlb", "edge-scaled-hlb", 33, 16,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director" },
		/* Gateway NAT: two maps and the hairpin set. */
		{ "edge-single-nat", "edge-single-nat-gateway", 37, 19,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director nat_dnat4 nat_snat4 hairpin4" },
		{ "edge-scaled-dns-nat", "edge-scaled-dns-nat-gateway", 38, 19,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director nat_dnat4 nat_snat4 hairpin4" },
		{ "edge-scaled-hlb", "edge-scaled-hlb-gateway", 33, 16,
		  "g4_front_end in4_front_end g6_front_end in6_front_end "
		  "g4_director in4_director g6_director in6_director "
		  "out4_director out6_director" },
		/* With the site's rows: 8 after the policy's 5, their
		 * peers' addresses groups of their own. */
		{ "reverse-proxy", "reverse-proxy", 5 + 8, 26,
		  "g4_web_pools out4_web_pools g6_web_pools out6_web_pools "
		  "g4_office_web_apps out4_office_web_apps "
		  "g6_office_web_apps out6_office_web_apps "
		  "g4_row6 out4_row6 g6_row6 out6_row6 g4_row8 out4_row8 "
		  "g4_row9 out4_row9 g4_row11 in4_row11 g4_row12 out4_row12" },
		{ "sip-xmpp-federation-pic", "sip-xmpp-federation-pic", 10, 12,
		  "g4_pic_partners in4_pic_partners g6_pic_partners "
		  "in6_pic_partners out4_pic_partners out6_pic_partners" },
		{ "public-im-connectivity", "public-im-connectivity", 6, 12,
		  "g4_pic_partners in4_pic_partners g6_pic_partners "
		  "in6_pic_partners out4_pic_partners out6_pic_partners" },
		/* Every group unbound: any peer; the site's rows' peers
		 * are groups of their own. */
		{ "internal-servers", "internal-servers", 90 + 8, 18,
		  "g4_row91 out4_row91 g6_row91 out6_row91 g4_row95 out4_row95 "
		  "g4_row96 out4_row96 g4_row97 in4_row97 g4_row98 out4_row98" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ef_model *m = compile_shipped(cases[i].policy,
						     cases[i].site);
		static const char *const fixed[] = { "in4", "in6", "out4",
						     "out6" };
		struct ef_strbuf sb = { 0 };
		char *groups;

		cr_assert_eq(m->nrows, cases[i].rows, "%s", cases[i].site);
		for (size_t r = 0; r < m->nrows; r++)
			cr_assert_eq(m->rows[r].id, r + 1);
		/* The 4 row sets for any peer first, the 2 management sets
		 * and the 2 of timed exceptions last, each group's sets
		 * between. */
		cr_assert_eq(m->nsets, cases[i].sets + 2, "%s", cases[i].site);
		for (size_t s = 0; s < 4; s++)
			cr_assert_str_eq(m->sets[s].name, fixed[s], "%s",
					 cases[i].site);
		cr_assert_str_eq(m->sets[m->nsets - 4].name, EF_SET_MGMT4);
		cr_assert_str_eq(m->sets[m->nsets - 3].name, EF_SET_MGMT6);
		cr_assert_str_eq(m->sets[m->nsets - 2].name, EF_SET_EX4);
		cr_assert_str_eq(m->sets[m->nsets - 1].name, EF_SET_EX6);
		cr_assert(m->sets[m->nsets - 1].timeout);
		cr_assert_eq(m->sets[m->nsets - 1].nelems, 0);
		for (size_t s = 4; s < m->nsets - 4; s++)
			ef_sb_printf(&sb, "%s%s", s > 4 ? " " : "", m->sets[s].name);
		groups = ef_sb_steal(&sb);
		cr_assert_str_eq(groups ? groups : "", cases[i].groups, "%s",
				 cases[i].site);
		free(groups);
		cr_assert_gt(ef_model_elem_count(m), 0);
		cr_assert_not_null(ef_model_find_chain(m, "input"));
		assert_model_shape(m);
		ef_model_free(m);
	}
}

Test(compile, edge_single_public_exact_elements)
{
	static const struct want_elem in4[] = {
		{ "\"eth0\" . 198.51.100.10 . tcp . 443", "r5,r31" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5061", "r6,r29" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5269", "r1,r35" },
		{ "\"eth0\" . 198.51.100.11 . tcp . 443", "r8" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 443", "r15" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 50000-59999", "r11" },
		{ "\"eth0\" . 198.51.100.12 . udp . 3478", "r14,r34" },
		{ "\"eth0\" . 198.51.100.12 . udp . 50000-59999", "r12" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 443", "r23" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 23456", "r37" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 50001", "r25" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 50002", "r26" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 50003", "r27" },
		{ "\"eth1\" . 192.0.2.1 . udp . 3478", "r22" },
	};
	static const struct want_elem out4[] = {
		{ "\"eth0\" . 198.51.100.10 . tcp . 53", "r3" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 80", "r2" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5061", "r7,r28,r30" },
		{ "\"eth0\" . 198.51.100.10 . tcp . 5269", "r36" },
		{ "\"eth0\" . 198.51.100.10 . udp . 53", "r4" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 443", "r16" },
		{ "\"eth0\" . 198.51.100.12 . tcp . 50000-59999", "r9,r32" },
		{ "\"eth0\" . 198.51.100.12 . udp . 3478", "r13,r33" },
		{ "\"eth0\" . 198.51.100.12 . udp . 50000-59999", "r10" },
	};
	/* Rows from the front end (192.0.2.10, .11, 2001:db8:200::10) and
	 * the director (the same addresses here): each element once, not
	 * once per peer address. */
	static const struct want_elem in4_front_end[] = {
		{ "\"eth1\" . 192.0.2.1 . tcp . 4443", "r24" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 5062", "r21" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 8057", "r20" },
		{ "\"eth1\" . 192.0.2.1 . tcp . 23456", "r17" },
	};
	static const struct want_elem in6_front_end[] = {
		{ "\"eth1\" . 2001:db8:200::1 . tcp . 4443", "r24" },
		{ "\"eth1\" . 2001:db8:200::1 . tcp . 5062", "r21" },
		{ "\"eth1\" . 2001:db8:200::1 . tcp . 8057", "r20" },
		{ "\"eth1\" . 2001:db8:200::1 . tcp . 23456", "r17" },
	};
	static const struct want_elem in4_director[] = {
		{ "\"eth1\" . 192.0.2.1 . tcp . 5061", "r18" },
	};
	static const struct want_elem in6_director[] = {
		{ "\"eth1\" . 2001:db8:200::1 . tcp . 5061", "r18" },
	};
	static const struct want_elem out4_director[] = {
		{ "\"eth1\" . 192.0.2.1 . tcp . 5061", "r19" },
	};
	static const struct want_elem out6_director[] = {
		{ "\"eth1\" . 2001:db8:200::1 . tcp . 5061", "r19" },
	};
	/* 192.0.2.10 and 192.0.2.11: one range. */
	static const char *const g4[] = { "192.0.2.10/31" };
	static const char *const g6[] = { "2001:db8:200::10" };
	static const struct want_elem mgmt4[] = {
		{ "203.0.113.0/24 . tcp . 22", "mgmt" },
	};
	static const struct want_elem mgmt6[] = {
		{ "2001:db8:ffff::/48 . tcp . 22", "mgmt" },
	};
	struct ef_model *m = compile_shipped("edge-single-public",
					     "edge-single-public");
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	const struct ef_chain *out = ef_model_find_chain(m, "output");

	assert_model_shape(m);
	assert_set_elems(m, "in4", in4, ARRAY_SIZE(in4));
	assert_set_elems(m, "out4", out4, ARRAY_SIZE(out4));
	assert_set_elems(m, "in4_front_end", in4_front_end,
			 ARRAY_SIZE(in4_front_end));
	assert_set_elems(m, "in6_front_end", in6_front_end,
			 ARRAY_SIZE(in6_front_end));
	assert_set_elems(m, "in4_director", in4_director,
			 ARRAY_SIZE(in4_director));
	assert_set_elems(m, "in6_director", in6_director,
			 ARRAY_SIZE(in6_director));
	assert_set_elems(m, "out4_director", out4_director,
			 ARRAY_SIZE(out4_director));
	assert_set_elems(m, "out6_director", out6_director,
			 ARRAY_SIZE(out6_director));
	assert_addr_set(m, "g4_front_end", EF_T_IPV4, g4, 1);
	assert_addr_set(m, "g6_front_end", EF_T_IPV6, g6, 1);
	assert_addr_set(m, "g4_director", EF_T_IPV4, g4, 1);
	assert_addr_set(m, "g6_director", EF_T_IPV6, g6, 1);
	/* The front end is never connected to: no outbound sets. */
	cr_assert_null(ef_model_find_set(m, "out4_front_end"));
	cr_assert_null(ef_model_find_set(m, "out6_front_end"));
	assert_set_elems(m, "mgmt4", mgmt4, 1);
	assert_set_elems(m, "mgmt6", mgmt6, 1);
	/* Rows whose peer is a group stay out of the sets for any peer. */
	assert_no_elem(m, "in4", "\"eth1\" . 192.0.2.1 . tcp . 5061");
	assert_no_elem(m, "in4", "\"eth1\" . 192.0.2.1 . tcp . 8057");
	assert_no_elem(m, "out4", "\"eth1\" . 192.0.2.1 . tcp . 5061");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8:100::10 . tcp . 443",
			"r5,r31");
	cr_assert_eq(ef_model_find_set(m, "in6")->nelems, 14);
	cr_assert_eq(ef_model_find_set(m, "out6")->nelems, 9);
	/* 46 for any peer, 12 rows of groups, 4 group ranges, 2 mgmt. */
	cr_assert_eq(ef_model_elem_count(m), 64);

	/* After the lookups for any peer, each group's, in policy order. */
	assert_lookups(in, "mgmt4 mgmt6 in4 in6 "
			   "g4_front_end>in4_front_end g6_front_end>in6_front_end "
			   "g4_director>in4_director g6_director>in6_director "
			   "ex4 ex6");
	assert_lookups(out, "out4 out6 g4_director>out4_director "
			    "g6_director>out6_director");
	cr_assert_eq(find_peer_lookup(in, "g4_front_end", "in4_front_end")->peer_key,
		     EF_F_SADDR4);
	cr_assert_eq(find_peer_lookup(in, "g6_director", "in6_director")->peer_key,
		     EF_F_SADDR6);
	cr_assert_eq(find_peer_lookup(out, "g4_director", "out4_director")->peer_key,
		     EF_F_DADDR4);
	cr_assert_eq(find_peer_lookup(out, "g6_director", "out6_director")->peer_key,
		     EF_F_DADDR6);
	/* The drop log stays last. */
	cr_assert(in->rules[in->nrules - 1].log);
	cr_assert(out->rules[out->nrules - 1].log);

	/* Rows keep where they were written and their note. */
	cr_assert_eq(m->nrows, 37);
	cr_assert_eq(m->rows[0].id, 1);
	cr_assert_str_eq(m->rows[0].where,
			 "../../policies/edge-single-public.policy:50");
	cr_assert_str_eq(m->rows[0].note,
			 "[ext] XMPP proxy accepts traffic from contacts in defined XMPP federations");
	ef_model_free(m);
}

Test(compile, edge_single_nat)
{
	struct ef_model *m = compile_shipped("edge-single-nat",
					     "edge-single-nat");
	static const char *const fe4[] = { "192.0.2.10-192.0.2.12" };
	static const char *const fe6[] = { "2001:db8:200::10/124" };
	/* 192.0.2.20, .21 and the front end's; 2001:db8:200::20/127 right
	 * after the front end's /124: one range. */
	static const char *const dir4[] = { "192.0.2.10-192.0.2.12",
					    "192.0.2.20/31" };
	static const char *const dir6[] = { "2001:db8:200::10-2001:db8:200::21" };

	assert_model_shape(m);
	/* The Edge's own, private, addresses. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.66 . tcp . 443", "r5,r31");
	assert_no_elem(m, "in4", "\"eth0\" . 198.51.100.20 . tcp . 443");
	/* 5061 from the director (192.0.2.20 among them) ... */
	assert_set_elems(m, "in4_director",
			 (const struct want_elem[]){
				 { "\"eth1\" . 192.0.2.129 . tcp . 5061", "r18" } },
			 1);
	assert_addr_set(m, "g4_director", EF_T_IPV4, dir4, ARRAY_SIZE(dir4));
	assert_addr_set(m, "g6_director", EF_T_IPV6, dir6, ARRAY_SIZE(dir6));
	/* ... but 8057 only from the front end, which 192.0.2.20 is not. */
	assert_has_elem(m, "in4_front_end",
			"\"eth1\" . 192.0.2.129 . tcp . 8057", "r20");
	assert_no_elem(m, "in4_director", "\"eth1\" . 192.0.2.129 . tcp . 8057");
	assert_addr_set(m, "g4_front_end", EF_T_IPV4, fe4, ARRAY_SIZE(fe4));
	assert_addr_set(m, "g6_front_end", EF_T_IPV6, fe6, ARRAY_SIZE(fe6));
	ef_model_free(m);
}

Test(compile, edge_scaled_dns_public)
{
	struct ef_model *m = compile_shipped("edge-scaled-dns-public",
					     "edge-scaled-dns-public");
	static const char *const fe6[] = { "2001:db8:200::10/124",
					   "2001:db8:200::50/127" };
	static const char *const dir4[] = { "192.0.2.10-192.0.2.12",
					    "192.0.2.20/31", "192.0.2.50/31" };

	assert_model_shape(m);
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.33 . udp . 3478",
			"r14,r34");
	/* A peer CIDR stays one element; two addresses in a row become one. */
	assert_addr_set(m, "g6_front_end", EF_T_IPV6, fe6, ARRAY_SIZE(fe6));
	assert_addr_set(m, "g4_director", EF_T_IPV4, dir4, ARRAY_SIZE(dir4));
	assert_set_elems(m, "in6_director",
			 (const struct want_elem[]){
				 { "\"eth1\" . 2001:db8:200::41 . tcp . 5061", "r18" } },
			 1);
	cr_assert_not_null(find_peer_lookup(ef_model_find_chain(m, "input"),
					    "g6_director", "in6_director"));
	ef_model_free(m);
}

Test(compile, edge_scaled_dns_nat)
{
	struct ef_model *m = compile_shipped("edge-scaled-dns-nat",
					     "edge-scaled-dns-nat");

	/* This topic's extra outbound 5269 row merges with the XMPP one. */
	assert_has_elem(m, "out4", "\"eth0\" . 192.0.2.97 . tcp . 5269",
			"r2,r37");
	assert_has_elem(m, "in4", "\"eth1\" . 192.0.2.161 . tcp . 23456", "r38");
	ef_model_free(m);
}

Test(compile, edge_scaled_hlb_host)
{
	struct ef_model *m = compile_shipped("edge-scaled-hlb",
					     "edge-scaled-hlb");

	/* Node and VIP roles bound to the same address share elements. */
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.63 . tcp . 443",
			"r10,r27");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.62 . tcp . 443", "r25");
	cr_assert_not_null(ef_model_find_chain(m, "output"));
	cr_assert_null(ef_model_find_chain(m, "forward"));
	ef_model_free(m);
}

Test(compile, edge_scaled_hlb_gateway)
{
	struct ef_model *m = compile_shipped("edge-scaled-hlb",
					     "edge-scaled-hlb-gateway");
	const struct ef_chain *fwd = ef_model_find_chain(m, "forward");
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	static const char *const dir4[] = { "192.0.2.10-192.0.2.12",
					    "192.0.2.15", "192.0.2.20/31",
					    "192.0.2.25" };
	static const char *const dir6[] = { "2001:db8:200::10-2001:db8:200::2f" };

	assert_model_shape(m);
	cr_assert_not_null(fwd);
	cr_assert_eq(fwd->hook, EF_HOOK_FORWARD);
	cr_assert_eq(fwd->policy, EF_V_DROP);
	cr_assert_null(ef_model_find_chain(m, "output"));
	cr_assert_eq(m->nchains, 2);
	/* Both directions are looked up in forward, each direction's groups
	 * after its lookups for any peer; input only guards. */
	assert_lookups(fwd, "in4 in6 "
			    "g4_front_end>in4_front_end g6_front_end>in6_front_end "
			    "g4_director>in4_director g6_director>in6_director "
			    "out4 out6 g4_director>out4_director "
			    "g6_director>out6_director ex4 ex6");
	cr_assert_eq(find_peer_lookup(fwd, "g6_director", "out6_director")->peer_key,
		     EF_F_DADDR6);
	cr_assert_eq(find_peer_lookup(fwd, "g4_front_end", "in4_front_end")->peer_key,
		     EF_F_SADDR4);
	assert_lookups(in, "mgmt4 mgmt6");
	cr_assert(fwd->rules[fwd->nrules - 1].log);
	/* Two pool members and the VIPs. */
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.52 . tcp . 443", "r27");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.63 . tcp . 443", "r10");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.73 . tcp . 443", "r10");
	assert_has_elem(m, "in4", "\"eth1\" . 192.0.2.142 . tcp . 50001", "r17");
	/* Groups' rows on both pool members and the internal VIP. */
	assert_has_elem(m, "in4_director", "\"eth1\" . 192.0.2.141 . udp . 3478",
			"r15");
	assert_has_elem(m, "in4_director", "\"eth1\" . 192.0.2.142 . udp . 3478",
			"r15");
	assert_has_elem(m, "in4_front_end", "\"eth1\" . 192.0.2.140 . tcp . 5062",
			"r30");
	assert_set_elems(m, "out6_director",
			 (const struct want_elem[]){
				 { "\"eth1\" . 2001:db8:200::140 . tcp . 5061", "r29" } },
			 1);
	assert_addr_set(m, "g4_director", EF_T_IPV4, dir4, ARRAY_SIZE(dir4));
	assert_addr_set(m, "g6_director", EF_T_IPV6, dir6, ARRAY_SIZE(dir6));
	ef_model_free(m);
}

Test(compile, reverse_proxy)
{
	struct ef_model *m = compile_shipped("reverse-proxy", "reverse-proxy");
	const struct ef_chain *out = ef_model_find_chain(m, "output");
	static const struct want_elem in4[] = {
		{ "\"eth0\" . 198.51.100.80 . tcp . 80", "r1" },
		{ "\"eth0\" . 198.51.100.80 . tcp . 443", "r2" },
	};
	static const struct want_elem out4_web_pools[] = {
		{ "\"eth1\" . 192.0.2.180 . tcp . 4443", "r4" },
		{ "\"eth1\" . 192.0.2.180 . tcp . 8080", "r3" },
	};
	static const struct want_elem out4_office_web_apps[] = {
		{ "\"eth1\" . 192.0.2.180 . tcp . 443", "r5" },
	};
	static const char *const pools4[] = { "192.0.2.10-192.0.2.12",
					      "192.0.2.15", "192.0.2.20/31",
					      "192.0.2.25" };
	static const char *const owa4[] = { "192.0.2.30" };
	static const char *const owa6[] = { "2001:db8:200::30" };

	assert_model_shape(m);
	assert_set_elems(m, "in4", in4, 2);
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8:100::80 . tcp . 443", "r2");
	/* 443 to Office Web Apps (192.0.2.30), 8080 to the pools (.25 in
	 * them); not 8080 to Office Web Apps: .30 is in no pool. */
	assert_set_elems(m, "out4_web_pools", out4_web_pools,
			 ARRAY_SIZE(out4_web_pools));
	assert_set_elems(m, "out4_office_web_apps", out4_office_web_apps,
			 ARRAY_SIZE(out4_office_web_apps));
	assert_addr_set(m, "g4_web_pools", EF_T_IPV4, pools4,
			ARRAY_SIZE(pools4));
	assert_addr_set(m, "g4_office_web_apps", EF_T_IPV4, owa4, 1);
	assert_addr_set(m, "g6_office_web_apps", EF_T_IPV6, owa6, 1);
	/* Outbound only: no inbound sets for the groups. */
	cr_assert_null(ef_model_find_set(m, "in4_web_pools"));
	cr_assert_null(ef_model_find_set(m, "in6_office_web_apps"));
	/* output = drop in this site, with the proxy's own needs. */
	cr_assert_not_null(out);
	cr_assert_eq(out->policy, EF_V_DROP);
	assert_lookups(out, "out4 out6 g4_web_pools>out4_web_pools "
			    "g6_web_pools>out6_web_pools "
			    "g4_office_web_apps>out4_office_web_apps "
			    "g6_office_web_apps>out6_office_web_apps "
			    "g4_row6>out4_row6 g6_row6>out6_row6 "
			    "g4_row8>out4_row8 g4_row9>out4_row9 "
			    "g4_row12>out4_row12");
	assert_lookups(ef_model_find_chain(m, "input"),
		       "mgmt4 mgmt6 in4 in6 g4_row11>in4_row11 ex4 ex6");
	/* The resolvers' rows, udp and tcp, share one group. */
	assert_has_elem(m, "out4_row6", "\"eth1\" . 192.0.2.180 . tcp . 53",
			"r7");
	assert_has_elem(m, "out4_row6", "\"eth1\" . 192.0.2.180 . udp . 53",
			"r6");
	assert_has_elem(m, "out4", "\"eth0\" . 198.51.100.80 . tcp . 80",
			"r13");
	ef_model_free(m);
}

Test(compile, sip_xmpp_federation_pic)
{
	struct ef_model *m = compile_shipped("sip-xmpp-federation-pic",
					     "sip-xmpp-federation-pic");
	static const char *const pic4[] = { "198.51.100.192/27" };
	static const char *const pic6[] = { "2001:db8:f00::/48" };

	assert_model_shape(m);
	assert_set_elems(m, "in4_pic_partners",
			 (const struct want_elem[]){
				 { "\"eth0\" . 198.51.100.10 . tcp . 5061", "r2" } },
			 1);
	assert_set_elems(m, "out4_pic_partners",
			 (const struct want_elem[]){
				 { "\"eth0\" . 198.51.100.10 . tcp . 5061", "r3" } },
			 1);
	assert_addr_set(m, "g4_pic_partners", EF_T_IPV4, pic4, 1);
	assert_addr_set(m, "g6_pic_partners", EF_T_IPV6, pic6, 1);
	assert_has_elem(m, "out4", "\"eth0\" . 198.51.100.10 . tcp . 5061", "r1");
	assert_has_elem(m, "in4", "\"eth1\" . 192.0.2.1 . tcp . 23456", "r10");
	assert_no_elem(m, "in4", "\"eth0\" . 198.51.100.10 . tcp . 5061");
	ef_model_free(m);
}

Test(compile, public_im_connectivity)
{
	struct ef_model *m = compile_shipped("public-im-connectivity",
					     "public-im-connectivity");
	static const char *const pic4[] = { "198.51.100.192/27" };
	static const char *const pic6[] = { "2001:db8:f00::/48" };

	assert_model_shape(m);
	assert_set_elems(m, "out4_pic_partners",
			 (const struct want_elem[]){
				 { "\"eth0\" . 198.51.100.10 . tcp . 5061", "r2" } },
			 1);
	assert_set_elems(m, "in6_pic_partners",
			 (const struct want_elem[]){
				 { "\"eth0\" . 2001:db8:100::10 . tcp . 5061", "r1" } },
			 1);
	assert_addr_set(m, "g4_pic_partners", EF_T_IPV4, pic4, 1);
	assert_addr_set(m, "g6_pic_partners", EF_T_IPV6, pic6, 1);
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.10 . tcp . 443", "r3");
	assert_lookups(ef_model_find_chain(m, "output"),
		       "out4 out6 g4_pic_partners>out4_pic_partners "
		       "g6_pic_partners>out6_pic_partners");
	ef_model_free(m);
}

Test(compile, internal_servers)
{
	struct ef_model *m = compile_shipped("internal-servers",
					     "internal-servers");

	/* Overlapping media ranges are cut into disjoint pieces. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . tcp . 49152-57500",
			"r28,r39");
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . tcp . 57501-65535",
			"r10,r28");
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . udp . 49152-57500",
			"r39");
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.10 . udp . 1434",
			"r1,r38");
	/* Every client role is none here: nothing outbound to any. */
	cr_assert_eq(ef_model_find_set(m, "out4")->nelems, 0);
	/* No group bound: peer lookups only for the site's rows. */
	cr_assert_eq(m->nsets, 6 + 2 + 12);
	assert_lookups(ef_model_find_chain(m, "output"),
		       "out4 out6 g4_row91>out4_row91 g6_row91>out6_row91 "
		       "g4_row95>out4_row95 g4_row96>out4_row96 "
		       "g4_row98>out4_row98");
	assert_model_shape(m);
	cr_assert_eq(ef_model_find_chain(m, "output")->policy, EF_V_DROP);
	ef_model_free(m);
}

/* --- chains */

#define POL "policy t \"T\"\naddress web\ngroup peers\nzone ext {\n" \
	    "\ttcp 443 any web \"in\"\n\ttcp 53 web any \"out\"\n" \
	    "\ttcp 8443 peers web \"peers in\"\n}\n"
#define SITE_BASE "zone ext = eth0\nweb = 192.0.2.1, 2001:db8::1\n"

Test(compile, host_mode_chains)
{
	struct ef_model *m = compile_ok(POL, SITE_BASE "peers = any\nmanagement = none\n",
					NULL);
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	const struct ef_chain *out = ef_model_find_chain(m, "output");
	const struct ef_rule *r;

	cr_assert_eq(m->nchains, 2);
	cr_assert_null(ef_model_find_chain(m, "forward"));
	cr_assert_eq(in->hook, EF_HOOK_INPUT);
	cr_assert_eq(in->policy, EF_V_DROP);
	cr_assert_eq(out->hook, EF_HOOK_OUTPUT);
	cr_assert_eq(out->policy, EF_V_DROP);

	/* The guard first: established, invalid, loopback, ND. */
	cr_assert_eq(in->rules[0].ct_state, EF_CT_ESTABLISHED | EF_CT_RELATED);
	cr_assert_eq(in->rules[0].verdict, EF_V_ACCEPT);
	cr_assert_eq(in->rules[1].ct_state, EF_CT_INVALID);
	cr_assert_eq(in->rules[1].verdict, EF_V_DROP);
	cr_assert(in->rules[2].iif_lo);
	cr_assert(out->rules[2].oif_lo);
	cr_assert(in->rules[3].icmpv6_type);
	cr_assert_eq(in->rules[3].type_lo, 133);
	cr_assert_eq(in->rules[3].type_hi, 136);
	/* Output also admits the host's MLDv2 reports; input does not. */
	cr_assert(out->rules[4].icmpv6_type);
	cr_assert_eq(out->rules[4].type_lo, 143);
	cr_assert_eq(out->rules[4].type_hi, 143);
	cr_assert_eq(out->rules[4].verdict, EF_V_ACCEPT);
	cr_assert_not(in->rules[4].icmpv6_type);

	r = find_lookup(in, "in4");
	cr_assert_not_null(r);
	cr_assert_eq(r->verdict, EF_V_ACCEPT);
	cr_assert_eq(r->nkeys, 4);
	cr_assert_eq(r->key[0], EF_F_IIFNAME);
	cr_assert_eq(r->key[1], EF_F_DADDR4);
	cr_assert_eq(r->key[2], EF_F_L4PROTO);
	cr_assert_eq(r->key[3], EF_F_DPORT);
	r = find_lookup(out, "out6");
	cr_assert_not_null(r);
	cr_assert_eq(r->key[0], EF_F_OIFNAME);
	cr_assert_eq(r->key[1], EF_F_SADDR6);
	cr_assert_null(find_lookup(in, "out4"));
	cr_assert_null(find_lookup(out, "in4"));
	cr_assert_not_null(find_lookup(in, EF_SET_MGMT4));
	cr_assert_not_null(find_lookup(in, EF_SET_MGMT6));

	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 443", "r1");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8::1 . tcp . 443", "r1");
	assert_has_elem(m, "out4", "\"eth0\" . 192.0.2.1 . tcp . 53", "r2");
	/* A group bound to any: no sets or lookups of its own. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 8443", "r3");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8::1 . tcp . 8443", "r3");
	cr_assert_eq(m->nsets, 6 + 2);
	cr_assert_null(ef_model_find_set(m, "in4_peers"));
	cr_assert_null(ef_model_find_set(m, "g4_peers"));
	cr_assert_not(any_peer_lookup(m));
	assert_lookups(in, "mgmt4 mgmt6 in4 in6 ex4 ex6");
	assert_lookups(out, "out4 out6");
	assert_model_shape(m);
	ef_model_free(m);
}

Test(compile, output_policy_follows_the_site)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "output = accept\npeers = any\nmanagement = none\n",
					NULL);
	const struct ef_chain *out = ef_model_find_chain(m, "output");

	cr_assert_eq(out->policy, EF_V_ACCEPT);
	/* Nothing is dropped there, so nothing is logged or counted as
	 * dropped. */
	cr_assert_not(chain_has_log(out));
	assert_drop_counters(out);
	cr_assert(chain_has_log(ef_model_find_chain(m, "input")));
	cr_assert_eq(ef_model_find_chain(m, "input")->policy, EF_V_DROP);
	ef_model_free(m);
}

Test(compile, gateway_mode_makes_a_forward_chain)
{
	struct ef_model *m = compile_ok(POL,
					"mode = gateway\n" SITE_BASE
					"peers = 198.51.100.0/24, 2001:db8:f::/48\n"
					"management = none\n",
					NULL);
	const struct ef_chain *fwd = ef_model_find_chain(m, "forward");
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	static const char *const p4[] = { "198.51.100.0/24" };
	static const char *const p6[] = { "2001:db8:f::/48" };

	cr_assert_not_null(fwd);
	cr_assert_eq(fwd->hook, EF_HOOK_FORWARD);
	cr_assert_eq(fwd->policy, EF_V_DROP);
	cr_assert_null(ef_model_find_chain(m, "output"));
	/* forward: no loopback, no ND; every row set looked up. */
	for (size_t i = 0; i < fwd->nrules; i++) {
		cr_assert_not(fwd->rules[i].iif_lo);
		cr_assert_not(fwd->rules[i].icmpv6_type);
	}
	assert_lookups(fwd, "in4 in6 g4_peers>in4_peers g6_peers>in6_peers "
			    "out4 out6 ex4 ex6");
	cr_assert_eq(find_peer_lookup(fwd, "g6_peers", "in6_peers")->peer_key,
		     EF_F_SADDR6);
	assert_lookups(in, "mgmt4 mgmt6");
	assert_set_elems(m, "in4_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 8443", "r3" } },
			 1);
	assert_set_elems(m, "in6_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 2001:db8::1 . tcp . 8443", "r3" } },
			 1);
	assert_addr_set(m, "g4_peers", EF_T_IPV4, p4, 1);
	assert_addr_set(m, "g6_peers", EF_T_IPV6, p6, 1);
	assert_no_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 8443");
	cr_assert(chain_has_log(fwd));
	cr_assert(chain_has_log(in));
	assert_model_shape(m);
	ef_model_free(m);
}

Test(compile, log_rule)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "log = 3/minute\npeers = any\nmanagement = none\n",
					NULL);
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	const struct ef_rule *r = &in->rules[in->nrules - 1];

	/* Last rules before the policy drop: IPv4's, then IPv6's, each
	 * counting all it sees before the limit and the log. */
	cr_assert(r->log);
	cr_assert(r->counter);
	cr_assert_eq(r->nfproto, NFPROTO_IPV6);
	cr_assert_eq(r->limit_rate, 3);
	cr_assert_eq(r->limit_unit, 60);
	cr_assert_gt(r->limit_burst, 0);
	cr_assert_str_eq(r->log_prefix, EF_LOG_PREFIX "input ip6: ");
	cr_assert_eq(r->verdict, EF_V_NONE);
	r = &in->rules[in->nrules - 2];
	cr_assert(r->log && r->counter);
	cr_assert_eq(r->nfproto, NFPROTO_IPV4);
	cr_assert_eq(r->limit_rate, 3);
	cr_assert_str_eq(r->log_prefix, EF_LOG_PREFIX "input ip: ");
	cr_assert_eq(r->verdict, EF_V_NONE);
	r = &ef_model_find_chain(m, "output")->rules[ef_model_find_chain(m, "output")->nrules - 1];
	cr_assert(r->log);
	cr_assert_str_eq(r->log_prefix, "edgefw drop output ip6: ");
	ef_model_free(m);

	/* No log: the counters stay, alone. */
	m = compile_ok(POL, SITE_BASE "log = off\npeers = any\nmanagement = none\n", NULL);
	for (size_t i = 0; i < m->nchains; i++) {
		const struct ef_chain *c = &m->chains[i];

		cr_assert_not(chain_has_log(c), "%s", c->name);
		cr_assert_geq(c->nrules, 2);
		for (size_t k = 0; k < 2; k++) {
			r = &c->rules[c->nrules - 2 + k];
			cr_assert(r->counter, "%s", c->name);
			cr_assert_eq(r->nfproto, k ? NFPROTO_IPV6 : NFPROTO_IPV4);
			cr_assert_eq(r->limit_rate, 0);
			cr_assert_eq(r->verdict, EF_V_NONE);
		}
	}
	ef_model_free(m);
}

/* --- management */

Test(compile, management_set)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "peers = any\nmanagement = 203.0.113.0/24, 198.51.100.7, 2001:db8:ffff::/48\n",
					NULL);
	static const struct want_elem mgmt4[] = {
		{ "198.51.100.7 . tcp . 22", "mgmt" },
		{ "203.0.113.0/24 . tcp . 22", "mgmt" },
	};
	static const struct want_elem mgmt6[] = {
		{ "2001:db8:ffff::/48 . tcp . 22", "mgmt" },
	};
	const struct ef_rule *r;

	assert_set_elems(m, EF_SET_MGMT4, mgmt4, 2);
	assert_set_elems(m, EF_SET_MGMT6, mgmt6, 1);
	r = find_lookup(ef_model_find_chain(m, "input"), EF_SET_MGMT4);
	cr_assert_eq(r->verdict, EF_V_ACCEPT);
	cr_assert_eq(r->nkeys, 3);
	cr_assert_eq(r->key[0], EF_F_SADDR4);
	cr_assert_eq(r->key[1], EF_F_L4PROTO);
	cr_assert_eq(r->key[2], EF_F_DPORT);
	ef_model_free(m);
}

Test(compile, management_port)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "peers = any\nmanagement-port = 2222\nmanagement = 203.0.113.0/24\n",
					NULL);
	static const struct want_elem mgmt4[] = {
		{ "203.0.113.0/24 . tcp . 2222", "mgmt" },
	};

	assert_set_elems(m, EF_SET_MGMT4, mgmt4, 1);
	cr_assert_eq(ef_model_find_set(m, EF_SET_MGMT6)->nelems, 0);
	ef_model_free(m);
}

Test(compile, management_none)
{
	struct ef_model *m = compile_ok(POL, SITE_BASE "peers = any\nmanagement = none\n",
					NULL);

	/* The sets and lookups exist, empty. */
	cr_assert_eq(ef_model_find_set(m, EF_SET_MGMT4)->nelems, 0);
	cr_assert_eq(ef_model_find_set(m, EF_SET_MGMT6)->nelems, 0);
	cr_assert_not_null(find_lookup(ef_model_find_chain(m, "input"),
				       EF_SET_MGMT4));
	ef_model_free(m);
}

/* Overlapping management networks must still make disjoint elements. */
Test(compile, management_networks_that_overlap)
{
	struct ef_model *m = compile_ok(POL,
					SITE_BASE "peers = any\nmanagement = 10.0.0.0/8, 10.1.0.0/16, 10.1.0.0/16\n",
					NULL);

	assert_sets_disjoint(m);
	ef_model_free(m);
}

/* --- bindings */

struct fake_ifaces {
	unsigned int calls;
};

static int fake_iface_addrs(void *ctx, const char *ifname,
			    struct ef_prefix **ret, size_t *ret_n)
{
	static const char *const addrs[] = { "192.0.2.7", "2001:db8::7" };
	struct fake_ifaces *f = ctx;
	struct ef_prefix *v;
	const char *why;

	f->calls++;
	if (strcmp(ifname, "eth7"))
		return -ENODEV;
	v = calloc(2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(ef_prefix_parse(addrs[i], &v[i], &why), 0);
	*ret = v;
	*ret_n = 2;
	return 0;
}

Test(compile, iface_binding)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0\nweb = iface eth7, 198.51.100.1\n"
					"peers = any\nmanagement = none\n",
					&opts);

	cr_assert_gt(f.calls, 0);
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.7 . tcp . 443", "r1");
	assert_has_elem(m, "in4", "\"eth0\" . 198.51.100.1 . tcp . 443", "r1");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8::7 . tcp . 443", "r1");
	assert_has_elem(m, "out6", "\"eth0\" . 2001:db8::7 . tcp . 53", "r2");
	ef_model_free(m);
}

/* What a timed exception `to web` opens: the addresses the role stood
 * for when compiled, interfaces' too; groups and unbound roles are not
 * address roles. */
Test(compile, address_roles_and_their_addresses)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0\nweb = iface eth7, 198.51.100.0/28\n"
					"peers = 192.0.2.99\nmanagement = none\n",
					&opts);
	const struct ef_model_role *web = ef_model_find_role(m, "web");
	static const uint8_t net_lo[4] = { 198, 51, 100, 0 },
			     net_hi[4] = { 198, 51, 100, 15 },
			     v4[4] = { 192, 0, 2, 7 };

	cr_assert_eq(m->nroles, 1);
	cr_assert_null(ef_model_find_role(m, "peers"));
	cr_assert_not_null(web);
	cr_assert_eq(web->naddrs, 3);
	cr_assert_eq(web->addrs[0].family, 4);
	cr_assert_arr_eq(web->addrs[0].lo, net_lo, 4);
	cr_assert_arr_eq(web->addrs[0].hi, net_hi, 4);
	cr_assert_eq(web->addrs[1].family, 4);
	cr_assert_arr_eq(web->addrs[1].lo, v4, 4);
	cr_assert_arr_eq(web->addrs[1].hi, v4, 4);
	cr_assert_eq(web->addrs[2].family, 6);
	ef_model_free(m);

	m = compile_ok(POL, "zone ext = eth0\nweb = none\npeers = any\n"
		       "management = none\n", NULL);
	cr_assert_eq(m->nroles, 0);
	ef_model_free(m);
}

/* The timed exceptions' sets are declared empty, runtime sets, looked up
 * after the policy's rows and before the drop counters and the log: in
 * input in host mode, in forward in gateway mode. */
Test(compile, exception_sets_and_lookups)
{
	static const char *const modes[] = { "", "mode = gateway\n" };

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		char site[256];
		struct ef_model *m;
		const struct ef_chain *ch;
		const struct ef_rule *r;
		const struct ef_set *set;

		snprintf(site, sizeof(site),
			 "%s" SITE_BASE "peers = any\nmanagement = none\n",
			 modes[i]);
		m = compile_ok(POL, site, NULL);
		ch = ef_model_find_chain(m, i ? "forward" : "input");
		cr_assert_not_null(ch);
		set = ef_model_find_set(m, EF_SET_EX4);
		cr_assert_not_null(set);
		cr_assert(set->timeout);
		cr_assert(set->counter);
		cr_assert_not(set->hashed);
		cr_assert_eq(set->nelems, 0);
		cr_assert_eq(set->nfields, 4);
		cr_assert(ef_model_find_set(m, EF_SET_EX6)->timeout);
		/* Then the drop counters and logs, one rule per family. */
		cr_assert(ch->rules[ch->nrules - 1].log);
		cr_assert(ch->rules[ch->nrules - 2].log);
		r = &ch->rules[ch->nrules - 4];
		cr_assert_str_eq(r->set, EF_SET_EX4);
		cr_assert_eq(r->verdict, EF_V_ACCEPT);
		cr_assert_eq(r->nkeys, 4);
		cr_assert_eq(r->key[0], EF_F_SADDR4);
		cr_assert_eq(r->key[1], EF_F_DADDR4);
		cr_assert_eq(r->key[2], EF_F_L4PROTO);
		cr_assert_eq(r->key[3], EF_F_DPORT);
		r = &ch->rules[ch->nrules - 3];
		cr_assert_str_eq(r->set, EF_SET_EX6);
		cr_assert_eq(r->key[0], EF_F_SADDR6);
		cr_assert_eq(r->key[1], EF_F_DADDR6);
		/* Nowhere else. */
		for (size_t k = 0; k < m->nchains; k++)
			for (size_t j = 0; j < m->chains[k].nrules; j++)
				cr_assert(&m->chains[k] == ch ||
					  strncmp(m->chains[k].rules[j].set, "ex", 2));
		ef_model_free(m);
	}
}

/* A binding made of interfaces only (no literal address). */
Test(compile, iface_only_binding)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0\nweb = iface eth7\npeers = any\nmanagement = none\n",
					&opts);

	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.7 . tcp . 443", "r1");
	assert_has_elem(m, "out6", "\"eth0\" . 2001:db8::7 . tcp . 53", "r2");
	ef_model_free(m);
}

Test(compile, iface_binding_errors)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	int err;

	/* An interface not there yet: no addresses from it, a warning,
	 * and a ruleset (narrower: the role's rows wait for it). */
	err = compile_texts(POL, "zone ext = eth0\nweb = iface eth9\npeers = any\nmanagement = none\n",
			    &opts, &d, &m);
	cr_assert_eq(err, 0);
	cr_assert_not_null(m);
	cr_assert_eq(d.errors, 0);
	cr_assert_eq(d.n, 1, "%zu diagnostics: %s, ...", d.n, d.n ? d.v[d.n - 1].msg : "");
	cr_assert(d.v[0].warning);
	cr_assert_eq(d.v[0].line, 2);
	cr_assert_eq(d.v[0].col, 1);
	cr_assert_str_eq(d.v[0].msg,
			 "'web': there is no interface 'eth9' (yet): it adds no addresses until it appears");
	cr_assert_eq(ef_model_elem_count(m), 0);
	ef_model_free(m);
	m = NULL;
	ef_diags_free(&d);

	/* No way to read addresses: an error, not an empty binding. */
	err = compile_texts(POL, "zone ext = eth0\nweb = iface eth7\npeers = any\nmanagement = none\n",
			    NULL, &d, &m);
	cr_assert_lt(err, 0);
	cr_assert_null(m);
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].msg,
			 "'web': cannot read the addresses of interface 'eth7': Operation not supported");
	ef_diags_free(&d);
}

Test(compile, address_role_bound_to_none_skips_its_rows)
{
	struct ef_model *m = compile_ok(
		"policy t \"T\"\naddress web mail\nzone ext {\n"
		"\ttcp 443 any web \"a\"\n\ttcp 25 any mail \"b\"\n\ttcp 587 mail any \"c\"\n}\n",
		"zone ext = eth0\nweb = 192.0.2.1\nmail = none\nmanagement = none\n",
		NULL);

	cr_assert_eq(m->nrows, 3);	/* still listed for people */
	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1" } },
			 1);
	cr_assert_eq(ef_model_find_set(m, "out4")->nelems, 0);
	ef_model_free(m);
}

Test(compile, peers_restrict_and_families_match)
{
	struct ef_model *m = compile_ok(
		POL, SITE_BASE "peers = 198.51.100.0/24, 198.51.100.9\nmanagement = none\n",
		NULL);
	const struct ef_chain *in = ef_model_find_chain(m, "input");
	static const char *const p4[] = { "198.51.100.0/24" };

	/* 198.51.100.9 is inside 198.51.100.0/24: one range, no overlap. */
	assert_model_shape(m);
	assert_addr_set(m, "g4_peers", EF_T_IPV4, p4, 1);
	assert_set_elems(m, "in4_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 8443", "r3" } },
			 1);
	/* No IPv6 peer: the IPv6 address gets no row for the group, in no
	 * set, and there is no IPv6 lookup for it. */
	cr_assert_null(ef_model_find_set(m, "g6_peers"));
	cr_assert_null(ef_model_find_set(m, "in6_peers"));
	assert_no_elem(m, "in6", "\"eth0\" . 2001:db8::1 . tcp . 8443");
	assert_no_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 8443");
	assert_lookups(in, "mgmt4 mgmt6 in4 in6 g4_peers>in4_peers ex4 ex6");
	cr_assert_eq(find_peer_lookup(in, "g4_peers", "in4_peers")->peer_key,
		     EF_F_SADDR4);
	/* The rest is untouched. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 443", "r1");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8::1 . tcp . 443", "r1");
	ef_model_free(m);
}

/* --- groups: their own address sets */

/* A group both connecting in and connected to. */
#define GPOL "policy t \"T\"\naddress web\ngroup peers\nzone ext {\n" \
	     "\ttcp 8443 peers web \"in\"\n\ttcp 5061 web peers \"out\"\n}\n"
#define GSITE "zone ext = eth0\nweb = 192.0.2.1, 2001:db8::1\nmanagement = none\n"

/*
 * Overlapping, nested, duplicate and adjacent prefixes, out of order and
 * of both families in one group, become the fewest ranges per family;
 * a range may cross a byte (203.0.113.255-203.0.114.0) or end at the top
 * of the address space.
 */
Test(compile, group_addresses_merge_into_minimal_ranges)
{
	static const char *const g4[] = {
		"10.0.0.0/7",			/* 10/8 + 10.1/16 + 10.1.2.3 + 11/8 */
		"192.0.2.0/24",			/* two /25, one of them twice */
		"198.51.100.10-198.51.100.12",	/* three addresses in a row */
		"198.51.100.14",		/* .13 missing: apart */
		"203.0.113.255-203.0.114.0",
		"255.255.255.254/31",
	};
	static const char *const g6[] = {
		"::/127",
		"2001:db8::/32",		/* two /33 + a /48 inside */
		"2001:db9::ffff-2001:db9::1:0",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	struct ef_model *m = compile_ok(GPOL,
		GSITE "peers = 2001:db8:8000::/33, 10.1.0.0/16, 192.0.2.128/25, "
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 255.255.255.255, "
		"198.51.100.12, 10.0.0.0/8, 2001:db9::1:0, 192.0.2.0/25, ::1, "
		"198.51.100.10, 2001:db8:1::/48, 203.0.114.0, 10.1.2.3, "
		"198.51.100.14, 192.0.2.0/25, 11.0.0.0/8, 2001:db8::/33, "
		"255.255.255.254, 203.0.113.255, ::, 198.51.100.11, "
		"2001:db9::ffff\n",
		NULL);

	assert_model_shape(m);
	assert_addr_set(m, "g4_peers", EF_T_IPV4, g4, ARRAY_SIZE(g4));
	assert_addr_set(m, "g6_peers", EF_T_IPV6, g6, ARRAY_SIZE(g6));
	/* However many addresses: one row element per row and family. */
	assert_set_elems(m, "in4_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 8443", "r1" } },
			 1);
	assert_set_elems(m, "in6_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 2001:db8::1 . tcp . 8443", "r1" } },
			 1);
	assert_set_elems(m, "out4_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 5061", "r2" } },
			 1);
	assert_set_elems(m, "out6_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 2001:db8::1 . tcp . 5061", "r2" } },
			 1);
	/* One address set per family, looked up from both directions. */
	cr_assert_eq(m->nsets, 4 + 6 + 2 + 2);
	assert_lookups(ef_model_find_chain(m, "input"),
		       "mgmt4 mgmt6 in4 in6 g4_peers>in4_peers g6_peers>in6_peers "
		       "ex4 ex6");
	assert_lookups(ef_model_find_chain(m, "output"),
		       "out4 out6 g4_peers>out4_peers g6_peers>out6_peers");
	cr_assert_eq(ef_model_find_set(m, "in4")->nelems, 0);
	cr_assert_eq(ef_model_find_set(m, "out6")->nelems, 0);
	ef_model_free(m);
}

/* A /0 is the whole family: one range, whatever else is in the group. */
Test(compile, group_of_the_whole_address_space)
{
	static const char *const all4[] = { "0.0.0.0/0" };
	static const char *const all6[] = { "::/0" };
	struct ef_model *m = compile_ok(GPOL,
		GSITE "peers = 10.0.0.0/8, 0.0.0.0/0, 2001:db8::/32, "
		"255.255.255.255, ::/0, 0.0.0.0, ffff::1\n",
		NULL);

	assert_model_shape(m);
	assert_addr_set(m, "g4_peers", EF_T_IPV4, all4, 1);
	assert_addr_set(m, "g6_peers", EF_T_IPV6, all6, 1);
	ef_model_free(m);

	/* IPv4's /0 running to the top does not swallow the IPv6 ones. */
	m = compile_ok(GPOL, GSITE "peers = 0.0.0.0/0, 2001:db8::1, 2001:db8::2\n",
		       NULL);
	assert_model_shape(m);
	assert_addr_set(m, "g4_peers", EF_T_IPV4, all4, 1);
	assert_addr_set(m, "g6_peers", EF_T_IPV6,
			(const char *const[]){ "2001:db8::1-2001:db8::2" }, 1);
	ef_model_free(m);

	/* A /0 of one family is no peer of the other: still a group. */
	m = compile_ok(GPOL, GSITE "peers = 0.0.0.0/0\n", NULL);
	assert_model_shape(m);
	assert_addr_set(m, "g4_peers", EF_T_IPV4, all4, 1);
	cr_assert_null(ef_model_find_set(m, "g6_peers"));
	cr_assert_null(ef_model_find_set(m, "in6_peers"));
	cr_assert_null(ef_model_find_set(m, "out6_peers"));
	cr_assert_eq(ef_model_find_set(m, "in4")->nelems, 0);
	cr_assert_eq(ef_model_find_set(m, "in6")->nelems, 0);
	cr_assert_eq(ef_model_find_set(m, "out6")->nelems, 0);
	assert_lookups(ef_model_find_chain(m, "input"),
		       "mgmt4 mgmt6 in4 in6 g4_peers>in4_peers ex4 ex6");
	ef_model_free(m);
}

/* A group bound to none is no one: its rows go, the other group's stay. */
Test(compile, group_bound_to_none_drops_its_rows)
{
	const char *pol = "policy t \"T\"\naddress web\ngroup peers partners\n"
			  "zone ext {\n"
			  "\ttcp 443 any web \"a\"\n"
			  "\ttcp 8443 peers web \"b\"\n"
			  "\ttcp 5061 web peers \"c\"\n"
			  "\ttcp 5062 partners web \"d\"\n"
			  "\ttcp 5063 web partners \"e\"\n}\n";
	struct ef_model *m = compile_ok(pol,
		GSITE "peers = none\npartners = 198.51.100.7\n", NULL);

	assert_model_shape(m);
	cr_assert_eq(m->nrows, 5);	/* still listed for people */
	/* Not in the sets for any peer ... */
	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1" } },
			 1);
	assert_set_elems(m, "in6",
			 (const struct want_elem[]){
				 { "\"eth0\" . 2001:db8::1 . tcp . 443", "r1" } },
			 1);
	cr_assert_eq(ef_model_find_set(m, "out4")->nelems, 0);
	cr_assert_eq(ef_model_find_set(m, "out6")->nelems, 0);
	/* ... nor sets of their own. */
	for (size_t i = 0; i < m->nsets; i++)
		cr_assert_null(strstr(m->sets[i].name, "_peers"), "%s",
			       m->sets[i].name);
	assert_set_elems(m, "in4_partners",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 5062", "r4" } },
			 1);
	assert_set_elems(m, "out4_partners",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 5063", "r5" } },
			 1);
	assert_addr_set(m, "g4_partners", EF_T_IPV4,
			(const char *const[]){ "198.51.100.7" }, 1);
	cr_assert_eq(m->nsets, 4 + 3 + 2 + 2);
	assert_lookups(ef_model_find_chain(m, "input"),
		       "mgmt4 mgmt6 in4 in6 g4_partners>in4_partners ex4 ex6");
	assert_lookups(ef_model_find_chain(m, "output"),
		       "out4 out6 g4_partners>out4_partners");
	ef_model_free(m);
}

/*
 * A group's sets exist only for the directions and families its rows
 * have: c's only row is for an address this machine does not have, a has
 * only IPv6 addresses, d meets only an IPv4-only local address, b is only
 * connected to.
 */
Test(compile, group_sets_only_where_its_rows_are)
{
	const char *pol = "policy t \"T\"\naddress web web4 gone\ngroup a b c d\n"
			  "zone ext {\n"
			  "\ttcp 5 c gone \"c in, to nothing\"\n"
			  "\ttcp 1 a web \"a in\"\n"
			  "\ttcp 2 web b \"b out\"\n"
			  "\ttcp 3 d web4 \"d in\"\n"
			  "\ttcp 4 any web4 \"any in\"\n}\n";
	struct ef_model *m = compile_ok(pol,
		"zone ext = eth0\nweb = 192.0.2.1, 2001:db8::1\nweb4 = 192.0.2.4\n"
		"a = 2001:db8:a::/48\nb = 198.51.100.2, 2001:db8:b::2\n"
		"c = 198.51.100.3\nd = 198.51.100.4, 2001:db8:d::4\n"
		"gone = none\nmanagement = none\n",
		NULL);
	static const char *const names[] = {
		"in4", "in6", "out4", "out6",
		"g6_a", "in6_a",
		"g4_b", "out4_b", "g6_b", "out6_b",
		"g4_d", "in4_d",
		"mgmt4", "mgmt6", "ex4", "ex6",
	};

	assert_model_shape(m);
	cr_assert_eq(m->nsets, ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		cr_assert_str_eq(m->sets[i].name, names[i]);
	assert_set_elems(m, "in6_a",
			 (const struct want_elem[]){
				 { "\"eth0\" . 2001:db8::1 . tcp . 1", "r2" } },
			 1);
	assert_set_elems(m, "in4_d",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.4 . tcp . 3", "r4" } },
			 1);
	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.4 . tcp . 4", "r5" } },
			 1);
	assert_lookups(ef_model_find_chain(m, "input"),
		       "mgmt4 mgmt6 in4 in6 g6_a>in6_a g4_d>in4_d ex4 ex6");
	assert_lookups(ef_model_find_chain(m, "output"),
		       "out4 out6 g4_b>out4_b g6_b>out6_b");
	ef_model_free(m);
}

/* Role names may be 31 bytes: the sets named after them still fit. */
Test(compile, group_with_the_longest_name)
{
#define LONG "abcdefghijklmnopqrstuvwxyz01234"
	struct ef_model *m = compile_ok(
		"policy t \"T\"\naddress web\ngroup " LONG "\nzone ext {\n"
		"\ttcp 8443 " LONG " web \"in\"\n\ttcp 5061 web " LONG " \"out\"\n}\n",
		GSITE LONG " = 198.51.100.1, 2001:db8:f::1\n", NULL);

	cr_assert_eq(strlen(LONG), EF_ROLE_MAX - 1);
	assert_model_shape(m);
	assert_addr_set(m, "g4_" LONG, EF_T_IPV4,
			(const char *const[]){ "198.51.100.1" }, 1);
	assert_addr_set(m, "g6_" LONG, EF_T_IPV6,
			(const char *const[]){ "2001:db8:f::1" }, 1);
	assert_has_elem(m, "in4_" LONG, "\"eth0\" . 192.0.2.1 . tcp . 8443", "r1");
	assert_has_elem(m, "out6_" LONG, "\"eth0\" . 2001:db8::1 . tcp . 5061",
			"r2");
	cr_assert_not_null(find_peer_lookup(ef_model_find_chain(m, "output"),
					    "g6_" LONG, "out6_" LONG));
	ef_model_free(m);
#undef LONG
}

/* Group addresses count against max-elements like any element. */
Test(compile, element_cap_counts_group_addresses)
{
	/* in4 443, out4 53, in4_peers 8443, three peer ranges: 6. */
#define CAP_SITE "zone ext = eth0\nweb = 192.0.2.1\nmanagement = none\n" \
		 "peers = 198.51.100.1, 198.51.100.3, 198.51.100.5\n"
	struct ef_model *m = compile_ok(POL, "max-elements = 6\n" CAP_SITE, NULL);
	struct ef_diags d = { 0 };

	assert_model_shape(m);
	cr_assert_eq(ef_model_elem_count(m), 6);
	cr_assert_eq(ef_model_find_set(m, "g4_peers")->nelems, 3);
	ef_model_free(m);
	m = NULL;
	cr_assert_eq(compile_texts(POL, "max-elements = 5\n" CAP_SITE, NULL, &d,
				   &m), -E2BIG);
	cr_assert_null(m);
	cr_assert_eq(d.errors, 1);
	cr_assert_eq(d.v[0].line, 1);
	cr_assert_eq(d.v[0].col, 16);
	cr_assert_str_eq(d.v[0].msg,
			 "the compiled ruleset would hold more than 5 set elements; raise 'max-elements' if that is meant");
	ef_diags_free(&d);
#undef CAP_SITE
}

Test(compile, zones_with_several_interfaces)
{
	struct ef_model *m = compile_ok(POL,
					"zone ext = eth0, eth1\nweb = 192.0.2.1\npeers = any\nmanagement = none\n",
					NULL);

	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1" },
				 { "\"eth0\" . 192.0.2.1 . tcp . 8443", "r3" },
				 { "\"eth1\" . 192.0.2.1 . tcp . 443", "r1" },
				 { "\"eth1\" . 192.0.2.1 . tcp . 8443", "r3" } },
			 4);
	ef_model_free(m);
}

Test(compile, unused_binding_is_a_warning)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *text;

	cr_assert_eq(compile_texts(POL, SITE_BASE "mail = 192.0.2.25\npeers = any\nmanagement = none\n",
				   NULL, &d, &m), 0);
	cr_assert_not_null(m);
	cr_assert_eq(d.errors, 0);
	cr_assert_eq(d.n, 1);
	cr_assert(d.v[0].warning);
	cr_assert_eq(d.v[0].line, 3);
	cr_assert_str_eq(d.v[0].msg,
			 "policy 't' has no role 'mail'; this binding is unused");
	text = ef_diags_format(&d);
	cr_assert_not_null(strstr(text, "/s.site:3:1: warning: policy 't' has no role 'mail'; this binding is unused\n"
				  "mail = 192.0.2.25\n^\n"), "%s", text);
	free(text);
	ef_model_free(m);
	ef_diags_free(&d);
}

/* A zone the policy lacks (a site serving several policies): a warning
 * at the binding, never silence about interfaces that get no row. */
Test(compile, unused_zone_is_a_warning)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;

	cr_assert_eq(compile_texts(POL, SITE_BASE "zone dmz = eth2\npeers = any\nmanagement = none\n",
				   NULL, &d, &m), 0);
	cr_assert_not_null(m);
	cr_assert_eq(d.errors, 0);
	cr_assert_eq(d.n, 1);
	cr_assert(d.v[0].warning);
	cr_assert_eq(d.v[0].line, 3);
	cr_assert_eq(d.v[0].col, 1);
	cr_assert_str_eq(d.v[0].msg,
			 "policy 't' has no zone 'dmz'; this binding is unused (its interfaces get no row)");
	ef_model_free(m);
	ef_diags_free(&d);
}

/* "refuse to compile more set elements than this": exactly max is fine. */
Test(compile, element_cap_is_on_elements)
{
	const char *pol = "policy t \"T\"\naddress web\nzone ext {\n"
			  "\ttcp 443 any web \"a\"\n\ttcp 443 any web \"same again\"\n}\n";
	struct ef_model *m = compile_ok(pol,
					"max-elements = 1\nzone ext = eth0\nweb = 192.0.2.1\nmanagement = none\n",
					NULL);

	assert_set_elems(m, "in4",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 443", "r1,r2" } },
			 1);
	cr_assert_eq(ef_model_elem_count(m), 1);
	ef_model_free(m);
}

Test(compile, key_put_uses_register_layout)
{
	struct ef_model *m = ef_model_new();
	static const enum ef_type types[] = { EF_T_IFNAME, EF_T_IPV4,
					      EF_T_PROTO, EF_T_PORT };
	struct ef_set *s = ef_model_add_set(m, "s", types, 4, false);
	uint8_t key[EF_KEY_MAX] = { 0 };
	const char ifname[EF_IFNAME_LEN] = "eth0";
	const uint8_t addr[4] = { 192, 0, 2, 1 }, proto = 6,
		      port[2] = { 0x01, 0xbb };
	static const uint8_t want[28] = {
		'e', 't', 'h', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		192, 0, 2, 1,
		6, 0, 0, 0,
		0x01, 0xbb, 0, 0,
	};

	ef_key_put(s, 0, key, ifname);
	ef_key_put(s, 1, key, addr);
	ef_key_put(s, 2, key, &proto);
	ef_key_put(s, 3, key, port);
	cr_assert_arr_eq(key, want, sizeof(want));
	ef_model_free(m);
}

/* A group bound to an interface's addresses, and to one more. */
Test(compile, group_bound_to_an_iface)
{
	struct fake_ifaces f = { 0 };
	struct ef_compile_opts opts = { .iface_addrs = fake_iface_addrs,
					.ctx = &f };
	struct ef_diags d = { 0 };
	struct ef_model *m = compile_ok(GPOL, GSITE "peers = iface eth7, 192.0.2.8\n",
					&opts);

	cr_assert_gt(f.calls, 0);
	assert_model_shape(m);
	/* 192.0.2.7 (eth7's) and 192.0.2.8: adjacent, not a prefix. */
	assert_addr_set(m, "g4_peers", EF_T_IPV4,
			(const char *const[]){ "192.0.2.7-192.0.2.8" }, 1);
	assert_addr_set(m, "g6_peers", EF_T_IPV6,
			(const char *const[]){ "2001:db8::7" }, 1);
	assert_has_elem(m, "in6_peers", "\"eth0\" . 2001:db8::1 . tcp . 8443", "r1");
	ef_model_free(m);

	/* Its interface not there yet: a group of no one, never any. */
	m = NULL;
	cr_assert_eq(compile_texts(GPOL, GSITE "peers = iface eth9\n", &opts, &d,
				   &m), 0);
	cr_assert_eq(d.errors, 0);
	cr_assert_eq(d.n, 1);
	cr_assert_eq(d.v[0].line, 4);
	cr_assert_str_eq(d.v[0].msg,
			 "'peers': there is no interface 'eth9' (yet): it adds no addresses until it appears");
	assert_no_elem(m, "in4", "\"eth0\" . 192.0.2.1 . tcp . 8443");
	assert_no_elem(m, "in6", "\"eth0\" . 2001:db8::1 . tcp . 8443");
	cr_assert_null(ef_model_find_set(m, "g4_peers") &&
		       ef_model_find_set(m, "g4_peers")->nelems ?
			       ef_model_find_set(m, "g4_peers") : NULL);
	ef_model_free(m);
	ef_diags_free(&d);
}

/*
 * 100 000 peer addresses (none next to another, written out of order,
 * some twice): 100 000 elements in one address set, and the group's rows
 * cost one element each, as for a group of one address.
 */
Test(compile, group_of_100000_addresses, .timeout = 120)
{
	enum { N = 100000 };
	struct ef_strbuf sb = { 0 };
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	char *ppath, *spath, *gpath, *text;
	const struct ef_set *g4;
	char *k;
	int err;

	for (unsigned int i = 0; i < N + 10; i++) {
		/* 7919 is prime to N: every address once, scattered. */
		uint32_t a = 0x0a000000u + 2u * ((i % N) * 7919u % N);

		ef_sb_printf(&sb, "%u.%u.%u.%u\n", a >> 24, a >> 16 & 0xff,
			  a >> 8 & 0xff, a & 0xff);
	}
	text = ef_sb_steal(&sb);
	cr_assert_not_null(text);
	tdir_init(&t);
	gpath = tdir_write(&t, "peers.txt", text, 0644);
	free(text);
	ppath = tdir_write(&t, "p.policy", GPOL, 0644);
	spath = tdir_write(&t, "s.site", GSITE "peers = file \"peers.txt\"\n",
			   0644);
	err = compile_files(ppath, spath, NULL, &d, &m);
	text = ef_diags_format(&d);
	cr_assert_eq(err, 0, "%s", text);
	cr_assert_eq(d.n, 0, "%s", text);
	free(text);

	g4 = ef_model_find_set(m, "g4_peers");
	cr_assert_not_null(g4);
	cr_assert_eq(g4->nelems, N);
	/* A quarter to grow by, rounded up to a power of two. */
	cr_assert(g4->hashed);
	cr_assert_eq(g4->size, 131072);
	k = elem_key(g4, 0);
	cr_assert_str_eq(k, "10.0.0.0");
	free(k);
	k = elem_key(g4, N - 1);
	cr_assert_str_eq(k, "10.3.13.62");	/* 10.0.0.0 + 2 * 99 999 */
	free(k);
	assert_set_elems(m, "in4_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 8443", "r1" } },
			 1);
	assert_set_elems(m, "out4_peers",
			 (const struct want_elem[]){
				 { "\"eth0\" . 192.0.2.1 . tcp . 5061", "r2" } },
			 1);
	/* No IPv6 peer: no IPv6 sets for the group. */
	cr_assert_null(ef_model_find_set(m, "g6_peers"));
	cr_assert_null(ef_model_find_set(m, "in6_peers"));
	cr_assert_eq(m->nsets, 4 + 3 + 2 + 2);
	cr_assert_eq(ef_model_elem_count(m), N + 2);
	assert_model_shape(m);

	ef_model_free(m);
	ef_diags_free(&d);
	free(gpath);
	free(ppath);
	free(spath);
	tdir_fini(&t);
}

/* A group of single addresses is a hash set (the kernel changes one of its
 * elements in constant time); one network in it makes it an interval set,
 * per family. */
Test(compile, hosts_only_group_is_hashed)
{
	const char *pol = "policy t \"T\"\naddress web\ngroup peers\n"
			  "zone ext {\n\ttcp 8443 peers web \"b\"\n}\n";
	struct ef_model *m = compile_ok(pol,
		GSITE "peers = 198.51.100.7, 198.51.100.9, 2001:db8:5::/64\n",
		NULL);

	assert_model_shape(m);
	cr_assert(ef_model_find_set(m, "g4_peers")->hashed);
	cr_assert_not(ef_model_find_set(m, "g6_peers")->hashed);
	cr_assert_eq(ef_model_find_set(m, "g4_peers")->nelems, 2);
	/* The hash is sized up front; an interval set is not. */
	cr_assert_eq(ef_model_find_set(m, "g4_peers")->size, 64);
	cr_assert_eq(ef_model_find_set(m, "g6_peers")->size, 0);
	ef_model_free(m);
}

/* ------------------------------------------------------------------ */
/* Gateway NAT                                                          */

/* The map's elements as "key : data", in order, one line. */
static void assert_map(const struct ef_model *m, const char *name,
		       const char *want)
{
	const struct ef_set *s = ef_model_find_set(m, name);
	struct ef_strbuf sb = { 0 };
	char *got;

	cr_assert_not_null(s, "no map %s", name);
	cr_assert(s->map);
	for (size_t i = 0; i < s->nelems; i++) {
		if (i)
			ef_sb_printf(&sb, ", ");
		ef_emit_elem(&sb, s, i);
	}
	got = ef_sb_steal(&sb);
	cr_assert_str_eq(got ? got : "", want, "map %s", name);
	free(got);
}

/* A nat chain of one rule: the lookup of `field` in `map`, translating. */
static void assert_nat_chain(const struct ef_model *m, const char *name,
			     enum ef_hook hook, int32_t prio, const char *map,
			     enum ef_field field, enum ef_nat nat)
{
	const struct ef_chain *c = ef_model_find_chain(m, name);

	cr_assert_not_null(c, "no chain %s", name);
	cr_assert(c->type == EF_CHAIN_NAT && c->hook == hook &&
		  c->priority == prio && c->policy == EF_V_ACCEPT, "%s", name);
	cr_assert_eq(c->nrules, 1, "%s", name);
	cr_assert_str_eq(c->rules[0].set, map);
	cr_assert(c->rules[0].nkeys == 1 && c->rules[0].key[0] == field &&
		  c->rules[0].nat == nat, "%s", name);
}

/* The single Edge behind a translating gateway: the rows on its private
 * addresses in forward, one map lookup each way, hairpin before the log. */
Test(compile, edge_single_nat_gateway)
{
	struct ef_model *m = compile_shipped("edge-single-nat",
					     "edge-single-nat-gateway");
	const struct ef_chain *fwd = ef_model_find_chain(m, "forward");
	const struct ef_rule *hp;

	assert_model_shape(m);
	assert_map(m, "nat_dnat4", "198.51.100.20 : 192.0.2.66, "
				   "198.51.100.21 : 192.0.2.67, "
				   "198.51.100.22 : 192.0.2.68");
	assert_map(m, "nat_snat4", "192.0.2.66 : 198.51.100.20, "
				   "192.0.2.67 : 198.51.100.21, "
				   "192.0.2.68 : 198.51.100.22");
	assert_nat_chain(m, "prerouting", EF_HOOK_PREROUTING, EF_PRIO_DSTNAT,
			 "nat_dnat4", EF_F_DADDR4, EF_NAT_DNAT);
	assert_nat_chain(m, "postrouting", EF_HOOK_POSTROUTING, EF_PRIO_SRCNAT,
			 "nat_snat4", EF_F_SADDR4, EF_NAT_SNAT);
	/* The filter sees the private addresses, after DNAT; IPv6 as it is. */
	assert_has_elem(m, "in4", "\"eth0\" . 192.0.2.66 . tcp . 443", "r5,r31");
	assert_no_elem(m, "in4", "\"eth0\" . 198.51.100.20 . tcp . 443");
	assert_has_elem(m, "out4", "\"eth0\" . 192.0.2.66 . udp . 53", "r4");
	assert_has_elem(m, "in6", "\"eth0\" . 2001:db8:100::20 . tcp . 443",
			"r5,r31");
	assert_has_elem(m, "in4_director",
			"\"eth1\" . 192.0.2.129 . tcp . 5061", "r18");
	/* Hairpin: after the row lookups, before the timed exceptions and
	 * the log (and the drop counters with it, one rule per family). */
	hp = &fwd->rules[fwd->nrules - 5];
	cr_assert_str_eq(hp->set, "hairpin4");
	cr_assert_str_eq(fwd->rules[fwd->nrules - 4].set, EF_SET_EX4);
	cr_assert_str_eq(fwd->rules[fwd->nrules - 3].set, EF_SET_EX6);
	cr_assert_eq(hp->ct_status, EF_CT_STATUS_DNAT);
	cr_assert_eq(hp->verdict, EF_V_ACCEPT);
	cr_assert(fwd->rules[fwd->nrules - 2].log);
	cr_assert(fwd->rules[fwd->nrules - 1].log);
	/* The A/V Edge to its own public address: what it sends to any
	 * (3478/udp out: r13, and r33 to msn_clients, bound to any) and what it
	 * takes from any (r14, r34). */
	assert_has_elem(m, "hairpin4", "192.0.2.68 . 192.0.2.68 . udp . 3478",
			"r13,r14,r33,r34");
	/* Web conferencing sends nothing out: no hairpin from it. */
	for (size_t i = 0; i < ef_model_find_set(m, "hairpin4")->nelems; i++) {
		char *key = elem_key(ef_model_find_set(m, "hairpin4"), i);

		cr_assert_null(strstr(key, "192.0.2.67 . 192.0.2."), "%s", key);
		cr_assert_null(strstr(key, "192.0.2.129"), "%s", key);
		free(key);
	}
	ef_model_free(m);
}

/* Two DNS-load-balanced nodes: each A/V Edge reaches the other's public
 * address, with the ports both ends' rows admit. */
Test(compile, edge_scaled_dns_nat_gateway_hairpin)
{
	struct ef_model *m = compile_shipped("edge-scaled-dns-nat",
					     "edge-scaled-dns-nat-gateway");

	assert_model_shape(m);
	cr_assert_eq(ef_model_find_set(m, "nat_dnat4")->nelems, 6);
	assert_has_elem(m, "hairpin4", "192.0.2.99 . 192.0.2.103 . udp . 3478",
			"r14,r15,r34,r35");
	assert_has_elem(m, "hairpin4", "192.0.2.103 . 192.0.2.99 . udp . 3478",
			"r14,r15,r34,r35");
	assert_has_elem(m, "hairpin4",
			"192.0.2.103 . 192.0.2.99 . tcp . 50000-59999",
			"r10,r12,r33");
	assert_has_elem(m, "hairpin4", "192.0.2.99 . 192.0.2.102 . tcp . 443",
			"r9,r17");
	/* DNS goes out from access_edge, and nobody takes it in. */
	assert_no_elem(m, "hairpin4", "192.0.2.97 . 192.0.2.101 . udp . 53");
	ef_model_free(m);
}

#define NAT_POLICY "policy t \"T\"\naddress web av edge_internal\ngroup peers\n" \
	"zone external {\n\ttcp 443 any web \"w\"\n\tudp 3478 any av \"a in\"\n" \
	"\tudp 3478-3479 av any \"a out\"\n\tudp 3478 av peers \"a out to peers\"\n}\n" \
	"zone internal {\n\ttcp 5061 any edge_internal \"i\"\n}\n"

/* A mapping said twice in a role is made once; a binding the policy does
 * not use translates nothing; a group bound to peers narrows the hairpin
 * to the rows whose peer is any. */
Test(compile, nat_mappings_once_and_only_for_the_policys_roles)
{
	struct ef_model *m = compile_ok(NAT_POLICY,
		"mode = gateway\nzone external = eth0\nzone internal = eth1\n"
		"web = 192.0.2.66 public 198.51.100.20, 192.0.2.66 public 198.51.100.20\n"
		"av = 192.0.2.68 public 198.51.100.22\nedge_internal = 192.0.2.129\n"
		"peers = 203.0.113.0/24\nmanagement = none\n", NULL);

	assert_model_shape(m);
	assert_map(m, "nat_dnat4", "198.51.100.20 : 192.0.2.66, "
				   "198.51.100.22 : 192.0.2.68");
	assert_set_elems(m, "hairpin4",
			 (const struct want_elem[]){
				 { "192.0.2.68 . 192.0.2.68 . udp . 3478", "r2,r3" } },
			 1);
	ef_model_free(m);
}

/* A row the site turns off with its feature admits nothing, hairpinned
 * traffic included: the hairpin set is made of the rows that are on. */
Test(compile, hairpin_leaves_off_rows_out)
{
	struct ef_model *m = compile_ok(
		"policy t \"T\"\nfeature av \"A/V\"\naddress web av edge_internal\n"
		"zone external {\n\ttcp 443 any web \"w\"\n"
		"\tudp 3478 any av \"a in\" feature av\n"
		"\tudp 3478-3479 av any \"a out\" feature av\n"
		"\ttcp 443 av any \"a out 443\"\n}\n"
		"zone internal {\n\ttcp 5061 any edge_internal \"i\"\n}\n",
		"mode = gateway\nzone external = eth0\nzone internal = eth1\n"
		"web = 192.0.2.66 public 198.51.100.20\n"
		"av = 192.0.2.68 public 198.51.100.22\nedge_internal = 192.0.2.129\n"
		"management = none\nfeature av = off\n", NULL);

	/* Only the core rows: av's 443 out meets web's 443 in. */
	assert_set_elems(m, "hairpin4",
			 (const struct want_elem[]){
				 { "192.0.2.68 . 192.0.2.66 . tcp . 443", "r1,r4" } },
			 1);
	ef_model_free(m);
}

Test(compile, gateway_without_public_addresses_has_no_nat)
{
	struct ef_model *m = compile_ok(NAT_POLICY,
		"mode = gateway\nzone external = eth0\nzone internal = eth1\n"
		"web = 192.0.2.66\nav = 192.0.2.68\nedge_internal = 192.0.2.129\n"
		"peers = any\nmanagement = none\n", NULL);

	cr_assert_null(ef_model_find_set(m, "nat_dnat4"));
	cr_assert_null(ef_model_find_set(m, "hairpin4"));
	cr_assert_null(ef_model_find_chain(m, "prerouting"));
	cr_assert_eq(m->nchains, 2);
	ef_model_free(m);
}
