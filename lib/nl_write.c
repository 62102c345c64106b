// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model -> one nfnetlink batch. Tables, sets, chains and rules are built
 * with libnftnl; set elements are written straight into the message with
 * libmnl, many to a message, since a large group means 100 000 of them and
 * an object per element would cost more than the kernel's own work.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft_emit.h"
#include "nl_sock.h"
#include "util.h"

#define NFT_TYPE_BITS 6		/* nft's encoding of concatenated types */

int ef_nl_put_table(struct ef_batch *b, struct ef_nl *nl, uint16_t type,
		    uint16_t flags, const uint32_t *table_flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, EF_TABLE);
	if (table_flags)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, *table_flags);
	nlh = ef_batch_msg(b, nl, type, flags, "table inet %s", EF_TABLE);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		ef_batch_msg_done(b, nlh);
	}
	nftnl_table_free(t);
	return b->err;
}

static uint32_t key_type(const struct ef_set *set)
{
	uint32_t type = 0;

	for (unsigned int i = 0; i < set->nfields; i++)
		type = type << NFT_TYPE_BITS | ef_type_info(set->type[i])->type_id;
	return type;
}

int ef_nl_put_set(struct ef_batch *b, struct ef_nl *nl,
		   const struct ef_set *set, uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint8_t field_len[NFT_REG32_COUNT] = { 0 };
	struct nlmsghdr *nlh;
	struct nftnl_expr *counter;
	uint32_t flags;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, EF_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	/* The kernel wants an id to name the set within the transaction. */
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type(set));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, ef_set_key_len(set));
	if (set->nfields > 1) {
		flags = NFT_SET_INTERVAL | NFT_SET_CONCAT;
		for (unsigned int i = 0; i < set->nfields; i++)
			field_len[i] = ef_type_info(set->type[i])->len;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, field_len,
				   set->nfields);
	} else {
		flags = (set->hashed ? 0 : NFT_SET_INTERVAL) |
			(set->map ? NFT_SET_MAP : 0);
	}
	if (set->map) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE,
				  ef_type_info(set->data)->type_id);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, ef_set_data_len(set));
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
			  flags | (set->timeout ? NFT_SET_TIMEOUT : 0));
	if (set->size)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, set->size);
	if (set->counter) {
		counter = nftnl_expr_alloc("counter");
		if (!counter) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_set_add_expr(s, counter);
	}
	nlh = ef_batch_msg(b, nl, NFT_MSG_NEWSET, NLM_F_CREATE, "set %s",
			   set->name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		ef_batch_msg_done(b, nlh);
	}
	nftnl_set_free(s);
	return b->err;
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *data,
		     uint32_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
	mnl_attr_nest_end(nlh, nest);
}

/* Worst case bytes one element, its time to live and its comment if any,
 * add to a message. */
static size_t elem_room(const struct ef_set *set, const char *comment)
{
	return 2 * (64 + 2 * (16 + ef_set_key_len(set)) +
		    ef_set_data_len(set)) + 16 +
	       (comment ? strlen(comment) + 16 : 0);
}

static void put_extras(struct nlmsghdr *nlh, uint64_t ttl_ms,
		       const char *comment);

/* What a map's element maps to (nothing for a plain set's). */
static void put_map_data(struct nlmsghdr *nlh, const struct ef_set *set,
			 size_t e)
{
	if (set->map)
		put_data(nlh, NFTA_SET_ELEM_DATA, ef_elem_data(set, e),
			 ef_set_data_len(set));
}

/*
 * A one-field interval set (the kernel's rbtree) takes a range as two
 * elements: its start, and the first key after it flagged as an end;
 * nothing ends a range that runs to the top of the key space.
 */
static void put_range(struct nlmsghdr *nlh, const struct ef_set *set,
		      size_t e, uint64_t ttl_ms,
		      const char *comment)
{
	uint32_t len = ef_set_key_len(set);
	uint8_t after[EF_KEY_MAX];
	struct nlattr *nest;
	bool top = true;

	nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, ef_elem_key(set, e), len);
	put_map_data(nlh, set, e);
	put_extras(nlh, ttl_ms, comment);
	mnl_attr_nest_end(nlh, nest);
	memcpy(after, ef_elem_key_end(set, e), len);
	for (uint32_t i = len; i-- > 0 && top;)
		top = !++after[i];
	if (top)
		return;
	nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, after, len);
	mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
	mnl_attr_nest_end(nlh, nest);
}

/* ttl_ms: the time to live to give it (elements added to a runtime set). */
static void put_elem(struct nlmsghdr *nlh, const struct ef_set *set,
		     size_t e, uint64_t ttl_ms,
		     const char *comment)
{
	uint32_t len = ef_set_key_len(set);
	struct nlattr *nest;

	if (set->nfields == 1 && !set->hashed) {
		put_range(nlh, set, e, ttl_ms, comment);
		return;
	}
	if (set->hashed) {
		nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		put_data(nlh, NFTA_SET_ELEM_KEY, ef_elem_key(set, e), len);
		put_map_data(nlh, set, e);
		put_extras(nlh, ttl_ms, comment);
		mnl_attr_nest_end(nlh, nest);
		return;
	}
	nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_data(nlh, NFTA_SET_ELEM_KEY, ef_elem_key(set, e), len);
	put_data(nlh, NFTA_SET_ELEM_KEY_END, ef_elem_key_end(set, e), len);
	put_map_data(nlh, set, e);
	put_extras(nlh, ttl_ms, comment);
	mnl_attr_nest_end(nlh, nest);
}

/* An element's time to live (0: none) and its comment (NULL: none). */
static void put_extras(struct nlmsghdr *nlh, uint64_t ttl_ms,
		       const char *comment)
{
	if (ttl_ms)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(ttl_ms));
	if (comment) {
		/* nft's element comment: one TLV, NUL-terminated string. */
		size_t n = strlen(comment) + 1;
		uint8_t udata[2 + EF_COMMENT_MAX];

		if (n > 255)
			n = 255;
		udata[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
		udata[1] = (uint8_t)n;
		memcpy(udata + 2, comment, n - 1);
		udata[2 + n - 1] = '\0';
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, 2 + n, udata);
	}
}

struct elem_list {
	const struct ef_set *set;
	const size_t *idx;	/* NULL: all elements */
	size_t n;
};

static size_t list_elem(const struct elem_list *l, size_t i)
{
	return l->idx ? l->idx[i] : i;
}

/* Elements from *pos on, as many as fit one message. */
static int put_elems(struct ef_batch *b, struct ef_nl *nl,
		     const struct elem_list *l, uint16_t type, size_t *pos)
{
	const struct ef_set *set = l->set;
	size_t first = *pos;
	struct nlmsghdr *nlh;
	struct nlattr *list;

	nlh = ef_batch_msg(b, nl, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
			   "elements of set %s", set->name);
	if (!nlh)
		return b->err;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, EF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set->name);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (; *pos < l->n; (*pos)++) {
		size_t e = list_elem(l, *pos);
		char buf[EF_COMMENT_MAX];
		const char *comment = NULL;

		if (ef_elem_rows(set, e)) {
			ef_rows_text(ef_elem_rows(set, e), buf, sizeof(buf));
			comment = buf;
		}
		if (nlh->nlmsg_len + elem_room(set, comment) >= EF_MSG_ROOM)
			break;
		put_elem(nlh, set, e, type == NFT_MSG_NEWSETELEM && set->timeout ?
				      ef_elem_timeout(set, e) : 0, comment);
	}
	mnl_attr_nest_end(nlh, list);
	ef_batch_msg_done(b, nlh);
	/* Not even one element fits an empty message: never loop on it. */
	if (*pos == first && *pos < l->n)
		return -E2BIG;
	/* Name the elements in the description, for error reports. */
	if (*pos > first) {
		struct ef_strbuf sb = { 0 };

		ef_sb_printf(&sb, "%s (", b->what[b->nmsgs - 1]);
		ef_emit_elem_key(&sb, set, list_elem(l, first));
		ef_sb_printf(&sb, "%s)", *pos - first > 1 ? " and on" : "");
		if (!sb.err) {
			free(b->what[b->nmsgs - 1]);
			b->what[b->nmsgs - 1] = ef_sb_steal(&sb);
		}
		ef_sb_free(&sb);
	}
	return b->err;
}

int ef_nl_put_elems(struct ef_batch *b, struct ef_nl *nl,
		    const struct ef_set *set, uint16_t type,
		    const size_t *idx, size_t n)
{
	struct elem_list l = { set, idx, idx ? n : set->nelems };
	size_t pos = 0;
	int err = 0;

	while (!err && pos < l.n)
		err = put_elems(b, nl, &l, type, &pos);
	return err;
}

/* A base chain, or (policy_only) just a new policy for an existing one. */
int ef_nl_put_chain(struct ef_batch *b, struct ef_nl *nl,
		    const struct ef_chain *c, bool policy_only)
{
	static const uint32_t hooks[] = {
		[EF_HOOK_INPUT] = NF_INET_LOCAL_IN,
		[EF_HOOK_FORWARD] = NF_INET_FORWARD,
		[EF_HOOK_OUTPUT] = NF_INET_LOCAL_OUT,
		[EF_HOOK_PREROUTING] = NF_INET_PRE_ROUTING,
		[EF_HOOK_POSTROUTING] = NF_INET_POST_ROUTING,
	};
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!ch)
		return -ENOMEM;
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, EF_TABLE);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
	if (!policy_only) {
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE,
				    ef_chain_type_name(c->type));
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, hooks[c->hook]);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, c->priority);
	}
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY,
			    c->policy == EF_V_ACCEPT ? NF_ACCEPT : NF_DROP);
	nlh = ef_batch_msg(b, nl, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "%schain %s",
			   policy_only ? "the policy of " : "", c->name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		ef_batch_msg_done(b, nlh);
	}
	nftnl_chain_free(ch);
	return b->err;
}

/* Appends the rule, or inserts it before the live rule `before`. */
int ef_nl_put_rule(struct ef_batch *b, struct ef_nl *nl,
		   const struct ef_model *m, const struct ef_chain *c,
		   size_t idx, uint64_t before)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int err;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, EF_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (before)
		nftnl_rule_set_u64(r, NFTNL_RULE_POSITION, before);
	err = ef_rule_linearize(r, m, &c->rules[idx]);
	if (!err) {
		nlh = ef_batch_msg(b, nl, NFT_MSG_NEWRULE,
				   NLM_F_CREATE | (before ? 0 : NLM_F_APPEND),
				   "rule %zu of chain %s", idx + 1, c->name);
		if (nlh) {
			nftnl_rule_nlmsg_build_payload(nlh, r);
			ef_batch_msg_done(b, nlh);
		}
		err = b->err;
	}
	nftnl_rule_free(r);
	return err;
}

int ef_nl_build_replace(struct ef_batch *b, struct ef_nl *nl,
			const struct ef_model *m)
{
	int err;

	/* Create-if-missing then delete: the delete cannot fail for a
	 * missing table, and the new table replaces the old atomically. */
	err = ef_nl_put_table(b, nl, NFT_MSG_NEWTABLE, NLM_F_CREATE, NULL);
	err = err ?: ef_nl_put_table(b, nl, NFT_MSG_DELTABLE, 0, NULL);
	err = err ?: ef_nl_put_table(b, nl, NFT_MSG_NEWTABLE, NLM_F_CREATE,
				     &m->table_flags);
	for (size_t i = 0; i < m->nsets && !err; i++)
		err = ef_nl_put_set(b, nl, &m->sets[i], (uint32_t)i + 1) ?:
		      ef_nl_put_elems(b, nl, &m->sets[i], NFT_MSG_NEWSETELEM,
				      NULL, 0);
	for (size_t i = 0; i < m->nchains && !err; i++) {
		const struct ef_chain *c = &m->chains[i];

		err = ef_nl_put_chain(b, nl, c, false);
		for (size_t j = 0; j < c->nrules && !err; j++)
			err = ef_nl_put_rule(b, nl, m, c, j, 0);
	}
	return err;
}

int ef_nl_replace(struct ef_nl *nl, const struct ef_model *m, char **ret_why)
{
	struct ef_batch b;
	int err;

	ef_batch_init(&b, nl, NULL);
	err = ef_nl_build_replace(&b, nl, m);
	if (!err)
		err = ef_batch_send(&b, nl, ret_why);
	ef_batch_free(&b);
	return err;
}
