// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel -> model: dumps of table inet edgefw only. Objects of other tables
 * may come along in a dump; they are skipped unread.
 */
#include <endian.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nl_sock.h"
#include "util.h"

#define NFT_TYPE_BITS 6
#define READ_TRIES 5
#define REQ_SIZE 1024		/* room for one request message */

/* A one-field interval set's range ends, as read: keys of its width,
 * paired with the starts once the whole set is read (fold_ranges). */
struct range_ends {
	uint8_t *keys;
	size_t n, cap;
};

struct rctx {
	struct ef_model *m;
	struct range_ends *ends;	/* a batch parsed: per set of m */
	size_t ends_cap;
	/* Where rules find the sets they look up (NULL: in m), when m holds
	 * one chain read alone. */
	const struct ef_model *sets;
	char *why;		/* first problem met, for the report */
};

static void why(struct rctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* libmnl reports a callback's failure through errno. */
static int cb_fail(int err)
{
	errno = err;
	return MNL_CB_ERROR;
}

static void why(struct rctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why)
		return;
	va_start(ap, fmt);
	if (vasprintf(&c->why, fmt, ap) < 0)
		c->why = NULL;
	va_end(ap);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ef_model *m = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return cb_fail(ENOMEM);
	if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		return cb_fail(EINVAL);
	}
	m->table_flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	if (nftnl_table_is_set(t, NFTNL_TABLE_OWNER))
		m->table_owner = nftnl_table_get_u32(t, NFTNL_TABLE_OWNER);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static struct nlmsghdr *request(char *buf, struct ef_nl *nl, uint16_t type,
				uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, flags, nl->seq);
}

static int read_table(struct ef_nl *nl, struct ef_model *m)
{
	char buf[REQ_SIZE] = { 0 };
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, EF_TABLE);
	nlh = request(buf, nl, NFT_MSG_GETTABLE, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return ef_nl_get(nl, nlh, table_cb, m);
}

static bool type_of(uint32_t id, enum ef_type *ret)
{
	for (int t = 0; t < EF_T_MAX; t++) {
		if (ef_type_info((enum ef_type)t)->type_id == id) {
			*ret = (enum ef_type)t;
			return true;
		}
	}
	return false;
}

static int has_counter(struct nftnl_expr *e, void *data)
{
	if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter"))
		*(bool *)data = true;
	return 0;
}

/* A set we did not make keeps its name but no type: it never equals ours. */
static int add_set(struct rctx *c, struct nftnl_set *s)
{
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	uint32_t key_type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
	uint32_t flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	bool timeout = flags & NFT_SET_TIMEOUT;
	/* data: a valid type even for a map not ours, since it indexes. */
	enum ef_type types[EF_FIELDS_MAX] = { 0 }, data = EF_T_IPV4;
	bool map = flags & NFT_SET_MAP;
	unsigned int n = 0;
	bool counter = false;
	struct ef_set *set;
	uint32_t len = 0;

	if (!name || strlen(name) >= EF_NAME_MAX)
		return -EINVAL;
	flags &= ~(uint32_t)(NFT_SET_MAP | NFT_SET_TIMEOUT);
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_CONCAT))
		nftnl_set_get_data(s, NFTNL_SET_DESC_CONCAT, &len);
	n = len;
	if ((flags == NFT_SET_INTERVAL || flags == 0) && !n)
		n = 1;		/* one field: rbtree, or hash without ranges */
	else if (flags != (NFT_SET_INTERVAL | NFT_SET_CONCAT) || n < 2 ||
		 n > EF_FIELDS_MAX)
		n = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t id = key_type >> (NFT_TYPE_BITS * (n - 1 - i)) &
			      ((1u << NFT_TYPE_BITS) - 1);

		if (!type_of(id, &types[i]))
			n = 0;
	}
	/* A map of ours: one of our types, at its length. */
	if (map &&
	    (!type_of(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), &data) ||
	     nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN) !=
	     ef_type_info(data)->reg_len))
		n = 0;
	nftnl_set_expr_foreach(s, has_counter, &counter);
	set = ef_model_add_set(c->m, name, types, n ? n : 1, counter);
	if (!set)
		return -ENOMEM;
	set->hashed = n == 1 && flags == 0;
	set->timeout = timeout;
	set->map = map;
	set->data = data;
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		set->size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
	if (!n) {
		set->nfields = 0;
		why(c, "set %s is not one edgefw makes", name);
	} else if (ef_set_key_len(set) != nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN)) {
		set->nfields = 0;
	}
	return 0;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rctx *c = data;
	struct nftnl_set *s = nftnl_set_alloc();
	const char *table;
	int err = MNL_CB_OK;

	if (!s)
		return cb_fail(ENOMEM);
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return cb_fail(EINVAL);
	}
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	if (table && !strcmp(table, EF_TABLE) &&
	    nftnl_set_get_u32(s, NFTNL_SET_FAMILY) == NFPROTO_INET &&
	    add_set(c, s) < 0)
		err = cb_fail(ENOMEM);
	nftnl_set_free(s);
	return err;
}

static int read_sets(struct ef_nl *nl, struct rctx *c)
{
	char buf[REQ_SIZE] = { 0 };
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, EF_TABLE);
	nlh = request(buf, nl, NFT_MSG_GETSET, NLM_F_DUMP);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return ef_nl_dump(nl, nlh, set_cb, c);
}

struct elem_ctx {
	struct ef_set *set;
	struct range_ends *ends;	/* NULL: not a one-field interval set */
	uint32_t key_len;
	uint32_t data_len;	/* a map's; 0 for a plain set */
	bool broken;		/* an element we cannot hold (no key of ours) */
};

/* NFTA_DATA_VALUE inside a key nest, if it has the key's length. */
static const void *data_value(const struct nlattr *nest, uint32_t len)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == NFTA_DATA_VALUE &&
		    mnl_attr_get_payload_len(a) == len)
			return mnl_attr_get_payload(a);
	return NULL;
}

static int read_counter(const struct nlattr *expr, struct ef_set *set,
			size_t e)
{
	const struct nlattr *a, *d;
	uint64_t packets = ef_elem_packets(set, e), bytes = ef_elem_bytes(set, e);
	bool counter = false;

	mnl_attr_for_each_nested(a, expr) {
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			counter = !strcmp(mnl_attr_get_str(a), "counter");
		if (mnl_attr_get_type(a) != NFTA_EXPR_DATA || !counter)
			continue;
		mnl_attr_for_each_nested(d, a) {
			if (mnl_attr_validate(d, MNL_TYPE_U64) < 0)
				continue;
			if (mnl_attr_get_type(d) == NFTA_COUNTER_PACKETS)
				packets = be64toh(mnl_attr_get_u64(d));
			else if (mnl_attr_get_type(d) == NFTA_COUNTER_BYTES)
				bytes = be64toh(mnl_attr_get_u64(d));
		}
	}
	return ef_elem_set_counts(set, e, packets, bytes);
}

/* The element comment (nft's udata TLV), if any. */
static const char *comment(const struct nlattr *udata)
{
	const uint8_t *p = mnl_attr_get_payload(udata);
	uint16_t len = mnl_attr_get_payload_len(udata);

	while (len >= 2 && p[1] + 2 <= len) {
		if (p[0] == NFTNL_UDATA_SET_ELEM_COMMENT && p[1] &&
		    p[2 + p[1] - 1] == '\0')
			return (const char *)p + 2;
		len -= (uint16_t)(p[1] + 2);
		p += p[1] + 2;
	}
	return NULL;
}

/* A one-field interval set comes as start and end elements: the ends
 * are kept aside until the whole set is read (fold_ranges). */
static int add_end(struct range_ends *ends, const void *key, uint32_t len)
{
	if (ef_grow((void **)&ends->keys, &ends->cap, ends->n + 1, len ?: 1))
		return -ENOMEM;
	memcpy(ends->keys + ends->n++ * len, key, len);
	return 0;
}

static int read_elem(struct elem_ctx *c, const struct nlattr *nest)
{
	const void *key = NULL, *key_end = NULL, *data = NULL;
	const struct nlattr *a, *x;
	const char *text = NULL;
	struct ef_rows *rows = NULL;
	struct ef_set *set = c->set;
	size_t e;
	bool end = false, expired = false;
	uint64_t timeout = 0, expires = 0;
	int err;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_FLAGS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				end = ntohl(mnl_attr_get_u32(a)) &
				      NFT_SET_ELEM_INTERVAL_END;
			break;
		case NFTA_SET_ELEM_KEY:
			key = data_value(a, c->key_len);
			break;
		case NFTA_SET_ELEM_KEY_END:
			key_end = data_value(a, c->key_len);
			break;
		case NFTA_SET_ELEM_DATA:
			if (c->data_len)
				data = data_value(a, c->data_len);
			break;
		case NFTA_SET_ELEM_USERDATA:
			text = comment(a);
			break;
		case NFTA_SET_ELEM_TIMEOUT:
			if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
				timeout = be64toh(mnl_attr_get_u64(a));
			break;
		case NFTA_SET_ELEM_EXPIRATION:
			if (mnl_attr_validate(a, MNL_TYPE_U64) == 0) {
				expires = be64toh(mnl_attr_get_u64(a));
				expired = !expires;
			}
			break;
		}
	}
	/* Gone for packets already, only not yet collected. */
	if (expired)
		return 0;
	if (!key || (c->data_len && !data && !end)) {
		/* A catch-all element, a key of another length, a map's
		 * element without data of its length: not a set we made.
		 * Marked, so that the diff makes it again. */
		c->broken = true;
		return 0;
	}
	if (end && c->ends)
		return add_end(c->ends, key, c->key_len);
	if (text) {
		err = ef_rows_parse(text, &rows);
		if (err)
			return err;
	}
	err = ef_set_add_elem(set, key, key_end ? key_end : key, rows);
	ef_rows_put(rows);
	if (err)
		return err;
	e = set->nelems - 1;
	err = ef_elem_set_times(set, e, timeout, expires);
	if (!err && data)
		err = ef_map_set_data(set, e, data);
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_EXPR)
			err = err ?: read_counter(a, set, e);
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_EXPRESSIONS)
			mnl_attr_for_each_nested(x, a)
				err = err ?: read_counter(x, set, e);
	}
	return err;
}

static int key_cmp(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(const uint32_t *)len);
}

static bool one_field_interval(const struct ef_set *set)
{
	return set->nfields == 1 && !set->hashed;
}

/*
 * Start elements -> ranges: each ends before the end element that comes
 * next after it, if one does before the next start (at one key, the end
 * of a range comes before the next's start), else at the top of the key
 * space. Ends that close nothing (nft writes one at the bottom of the key
 * space) are dropped. Sorts the set; the ends are used up.
 */
static void fold_ranges(struct ef_set *set, struct range_ends *ends)
{
	uint32_t len = ef_set_key_len(set);
	size_t e = 0;

	ef_set_sort(set);
	if (ends->n > 1)
		qsort_r(ends->keys, ends->n, len, key_cmp, &len);
	for (size_t i = 0; i < set->nelems; i++) {
		const uint8_t *key = ef_elem_key(set, i);
		uint8_t last[EF_KEY_MAX];

		while (e < ends->n && memcmp(ends->keys + e * len, key, len) <= 0)
			e++;
		if (e < ends->n && (i + 1 == set->nelems ||
				    memcmp(ends->keys + e * len,
					   ef_elem_key(set, i + 1), len) <= 0)) {
			memcpy(last, ends->keys + e * len, len);
			for (uint32_t k = len; k-- > 0;)
				if (last[k]--)
					break;
		} else {
			memset(last, 0xff, len);
		}
		ef_elem_set_key_end(set, i, last);
	}
	free(ends->keys);
	memset(ends, 0, sizeof(*ends));
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_ctx *c = data;
	const struct nlattr *a, *el;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
			if (read_elem(c, el) < 0)
				return cb_fail(ENOMEM);
	}
	return MNL_CB_OK;
}

/* A set we cannot describe keeps its name and nothing else: it never
 * equals one of ours, so a reconcile makes it again. */
static void forget_elems(struct ef_set *set)
{
	ef_set_clear(set);
	set->nfields = 0;
}

/* Reads the set's elements, sorted. */
static int read_elems(struct ef_nl *nl, struct ef_set *set)
{
	char buf[REQ_SIZE] = { 0 };
	struct range_ends ends = { 0 };
	struct elem_ctx c = { set, one_field_interval(set) ? &ends : NULL,
			      ef_set_key_len(set), ef_set_data_len(set),
			      false };
	struct nlmsghdr *nlh;

	int err;

	nlh = request(buf, nl, NFT_MSG_GETSETELEM, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, EF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set->name);
	err = ef_nl_dump(nl, nlh, elem_cb, &c);
	if (!err && c.broken)
		forget_elems(set);
	if (c.ends)
		fold_ranges(set, c.ends);
	ef_set_sort(set);
	return err;
}

static int add_chain(struct rctx *c, struct nftnl_chain *ch)
{
	const char *name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME);
	enum ef_chain_type ctype = EF_CHAIN_FILTER;
	enum ef_verdict policy = EF_V_NONE;
	enum ef_hook hook = EF_HOOK_INPUT;
	struct ef_chain *chain;
	const char *type;

	if (!name || strlen(name) >= EF_NAME_MAX)
		return -EINVAL;
	if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
		switch (nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM)) {
		case NF_INET_LOCAL_IN:
			hook = EF_HOOK_INPUT;
			break;
		case NF_INET_FORWARD:
			hook = EF_HOOK_FORWARD;
			break;
		case NF_INET_LOCAL_OUT:
			hook = EF_HOOK_OUTPUT;
			break;
		case NF_INET_PRE_ROUTING:
			hook = EF_HOOK_PREROUTING;
			break;
		case NF_INET_POST_ROUTING:
			hook = EF_HOOK_POSTROUTING;
			break;
		default:
			why(c, "chain %s has a hook edgefw does not use", name);
		}
		policy = nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) == NF_ACCEPT ?
			 EF_V_ACCEPT : EF_V_DROP;
		type = nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE);
		if (type && !strcmp(type, "nat"))
			ctype = EF_CHAIN_NAT;
		else if (type && strcmp(type, "filter"))
			policy = EF_V_NONE;
	}
	/* A regular chain gets no policy: it never equals one of ours. */
	chain = ef_model_add_chain(c->m, name, hook,
				   nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO),
				   policy);
	if (!chain)
		return -ENOMEM;
	chain->type = ctype;
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rctx *c = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	const char *table;
	int err = MNL_CB_OK;

	if (!ch)
		return cb_fail(ENOMEM);
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0) {
		nftnl_chain_free(ch);
		return cb_fail(EINVAL);
	}
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	if (table && !strcmp(table, EF_TABLE) &&
	    nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY) == NFPROTO_INET &&
	    add_chain(c, ch) < 0)
		err = cb_fail(ENOMEM);
	nftnl_chain_free(ch);
	return err;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rctx *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *table, *chain;
	struct ef_chain *ch;
	struct ef_rule *er;
	int err = MNL_CB_OK;

	if (!r)
		return cb_fail(ENOMEM);
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return cb_fail(EINVAL);
	}
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	if (!table || strcmp(table, EF_TABLE) ||
	    nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) != NFPROTO_INET || !chain)
		goto out;
	/* A chain made after our chain dump: the generation guard will
	 * refuse what we send, and the next read sees it. */
	ch = ef_model_find_chain(c->m, chain);
	if (!ch)
		goto out;
	er = ef_chain_add_rule(ch);
	if (!er || ef_rule_delinearize(r, c->sets ? c->sets : c->m, er) < 0)
		err = cb_fail(ENOMEM);
	else
		er->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
out:
	nftnl_rule_free(r);
	return err;
}

static int read_objects(struct ef_nl *nl, struct rctx *c, uint16_t type,
			mnl_cb_t cb)
{
	char buf[REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh = request(buf, nl, type, NLM_F_DUMP);

	/* The kernel filters dumps by this table. */
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, EF_TABLE);
	return ef_nl_dump(nl, nlh, cb, c);
}

/* Sets before rules: a rule is read against the sets it looks up. */
static int read_once(struct ef_nl *nl, struct rctx *c, bool sets)
{
	int err;

	err = read_table(nl, c->m);
	if (!err && sets)
		err = read_sets(nl, c);
	for (size_t i = 0; i < c->m->nsets && !err; i++)
		if (c->m->sets[i].nfields)
			err = read_elems(nl, &c->m->sets[i]);
	err = err ?: read_objects(nl, c, NFT_MSG_GETCHAIN, chain_cb);
	err = err ?: read_objects(nl, c, NFT_MSG_GETRULE, rule_cb);
	return err ?: ef_model_share_rows(c->m);
}

static int read_model(struct ef_nl *nl, bool sets, struct ef_model **ret,
		      char **ret_why)
{
	struct rctx c = { 0 };
	int err = -EINTR;

	for (int i = 0; i < READ_TRIES && err == -EINTR; i++) {
		ef_model_free(c.m);
		free(c.why);
		c.why = NULL;
		c.m = ef_model_new();
		if (!c.m)
			return -ENOMEM;
		err = read_once(nl, &c, sets);
	}
	if (err) {
		ef_model_free(c.m);
		if (ret_why)
			*ret_why = c.why;
		else
			free(c.why);
		return err;
	}
	*ret = c.m;
	free(c.why);
	return 0;
}

int ef_nl_read(struct ef_nl *nl, struct ef_model **ret, char **ret_why)
{
	return read_model(nl, true, ret, ret_why);
}

int ef_nl_read_rules(struct ef_nl *nl, struct ef_model **ret)
{
	return read_model(nl, false, ret, NULL);
}

/*
 * One object alone, for drift that events named: a get of the set (then a
 * dump of its elements), of the chain (then a dump of its rules only),
 * of one element by its key. Each is a read of the generation it runs
 * in; the batch that corrects what they found is guarded by the
 * generation read before them.
 */
int ef_nl_read_set(struct ef_nl *nl, struct ef_model *into, const char *name)
{
	char buf[REQ_SIZE] = { 0 };
	struct rctx c = { .m = into };
	struct nftnl_set *s = nftnl_set_alloc();
	size_t before = into->nsets;
	struct ef_set *set;
	struct nlmsghdr *nlh;
	int err;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, EF_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nlh = request(buf, nl, NFT_MSG_GETSET, 0);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	err = ef_nl_get(nl, nlh, set_cb, &c);
	free(c.why);
	if (err)
		return err;
	if (into->nsets != before + 1)
		return -EPROTO;
	set = &into->sets[before];
	if (set->nfields)
		err = read_elems(nl, set);
	return err;
}

int ef_nl_read_chain(struct ef_nl *nl, struct ef_model *into,
		     const struct ef_model *sets, const char *name)
{
	char buf[REQ_SIZE] = { 0 };
	struct rctx c = { .m = into, .sets = sets };
	struct nlmsghdr *nlh;
	int err;

	nlh = request(buf, nl, NFT_MSG_GETCHAIN, 0);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, EF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	err = ef_nl_get(nl, nlh, chain_cb, &c);
	if (!err && !ef_model_find_chain(into, name))
		err = -EPROTO;
	if (!err) {
		memset(buf, 0, sizeof(buf));
		nlh = request(buf, nl, NFT_MSG_GETRULE, NLM_F_DUMP);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, EF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, name);
		err = ef_nl_dump(nl, nlh, rule_cb, &c);
	}
	free(c.why);
	return err;
}

int ef_nl_get_elem(struct ef_nl *nl, struct ef_set *into, const void *key)
{
	char buf[REQ_SIZE] = { 0 };
	struct range_ends ends = { 0 };
	struct elem_ctx c = { into, one_field_interval(into) ? &ends : NULL,
			      ef_set_key_len(into), ef_set_data_len(into),
			      false };
	struct nlattr *list, *el, *k;
	struct nlmsghdr *nlh;
	int err;

	nlh = request(buf, nl, NFT_MSG_GETSETELEM, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, EF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, into->name);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, c.key_len, key);
	mnl_attr_nest_end(nlh, k);
	mnl_attr_nest_end(nlh, el);
	mnl_attr_nest_end(nlh, list);
	err = ef_nl_get(nl, nlh, elem_cb, &c);
	if (c.ends)
		fold_ranges(into, c.ends);
	return !err && c.broken ? -EPROTO : err;
}

/* The set an element message is for, by name. */
static struct ef_set *elem_msg_set(const struct nlmsghdr *nlh,
				   const struct ef_model *m)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return ef_model_find_set(m, mnl_attr_get_str(a));
	return NULL;
}

static int parse_msg(const struct nlmsghdr *nlh, struct rctx *c)
{
	struct elem_ctx ec;

	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		return table_cb(nlh, c->m);
	case NFT_MSG_DELTABLE:
		/* The replace batch empties the table, then builds it. */
		for (size_t i = 0; i < c->ends_cap; i++)
			c->ends[i].n = 0;
		ef_model_free(c->m);
		c->m = ef_model_new();
		return c->m ? MNL_CB_OK : cb_fail(ENOMEM);
	case NFT_MSG_NEWSET:
		return set_cb(nlh, c);
	case NFT_MSG_NEWSETELEM:
		ec.set = elem_msg_set(nlh, c->m);
		if (!ec.set)
			return cb_fail(EINVAL);
		ec.ends = NULL;
		if (one_field_interval(ec.set)) {
			size_t i = (size_t)(ec.set - c->m->sets), had = c->ends_cap;

			if (ef_grow((void **)&c->ends, &c->ends_cap, i + 1,
				    sizeof(*c->ends)))
				return cb_fail(ENOMEM);
			memset(c->ends + had, 0,
			       (c->ends_cap - had) * sizeof(*c->ends));
			ec.ends = &c->ends[i];
		}
		ec.key_len = ef_set_key_len(ec.set);
		ec.data_len = ef_set_data_len(ec.set);
		ec.broken = false;
		return elem_cb(nlh, &ec) == MNL_CB_OK && !ec.broken ?
		       MNL_CB_OK : cb_fail(EINVAL);
	case NFT_MSG_NEWCHAIN:
		return chain_cb(nlh, c);
	case NFT_MSG_NEWRULE:
		return rule_cb(nlh, c);
	}
	return MNL_CB_OK;	/* batch begin and end */
}

int ef_nl_parse_batch(const void *buf, size_t len, struct ef_model **ret)
{
	const struct nlmsghdr *nlh = buf;
	struct rctx c = { .m = ef_model_new() };
	int rest = (int)len, err = 0;

	if (!c.m)
		return -ENOMEM;
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest))
		if (!err && parse_msg(nlh, &c) != MNL_CB_OK)
			err = -EINVAL;
	for (size_t i = 0; i < c.m->nsets; i++) {
		struct range_ends none = { 0 };

		if (one_field_interval(&c.m->sets[i]))
			fold_ranges(&c.m->sets[i], i < c.ends_cap ?
				    &c.ends[i] : &none);
		ef_set_sort(&c.m->sets[i]);
	}
	for (size_t i = 0; i < c.ends_cap; i++)
		free(c.ends[i].keys);
	free(c.ends);
	free(c.why);
	if (err) {
		ef_model_free(c.m);
		return err;
	}
	*ret = c.m;
	return 0;
}
