// SPDX-License-Identifier: GPL-2.0-or-later
/* delta -> one batch, guarded by the generation the live model was read at. */
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "diff.h"
#include "nl_sock.h"

/* A message naming one object of our table: table, name, maybe handle. */
static int put_named(struct ef_batch *b, struct ef_nl *nl, uint16_t type,
		     uint16_t name_attr, const char *name, uint64_t handle,
		     const char *what)
{
	struct nlmsghdr *nlh = ef_batch_msg(b, nl, type, 0, "%s %s", what, name);

	if (!nlh)
		return b->err;
	/* Table is attribute 1 and name (or chain) attribute 2 for tables,
	 * chains, sets and rules alike. */
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, EF_TABLE);
	mnl_attr_put_strz(nlh, name_attr, name);
	if (handle)
		mnl_attr_put_u64(nlh, NFTA_RULE_HANDLE, htobe64(handle));
	ef_batch_msg_done(b, nlh);
	return 0;
}

static int put_op(struct ef_batch *b, struct ef_nl *nl,
		  const struct ef_model *desired, const struct ef_delta *d,
		  const struct ef_op *op, uint32_t *set_id)
{
	const struct ef_chain *c = op->chain;
	int err = 0;

	switch (op->kind) {
	case EF_OP_DEL_TABLE:
		return ef_nl_put_table(b, nl, NFT_MSG_DELTABLE, 0, NULL);
	case EF_OP_ADD_TABLE:
	case EF_OP_TABLE_FLAGS:
		return ef_nl_put_table(b, nl, NFT_MSG_NEWTABLE, NLM_F_CREATE,
				       &d->table_flags);
	case EF_OP_DEL_RULE:
		return put_named(b, nl, NFT_MSG_DELRULE, NFTA_RULE_CHAIN,
				 c->name, c->rules[op->rule].handle,
				 "a rule of chain");
	case EF_OP_FLUSH_CHAIN:
		return put_named(b, nl, NFT_MSG_DELRULE, NFTA_RULE_CHAIN,
				 c->name, 0, "the rules of chain");
	case EF_OP_DEL_CHAIN:
		return put_named(b, nl, NFT_MSG_DELCHAIN, NFTA_CHAIN_NAME,
				 c->name, 0, "chain");
	case EF_OP_DEL_SET:
		return put_named(b, nl, NFT_MSG_DELSET, NFTA_SET_NAME,
				 op->set->name, 0, "set");
	case EF_OP_SET_POLICY:
		return ef_nl_put_chain(b, nl, c, true);
	case EF_OP_ADD_SET:
		return ef_nl_put_set(b, nl, op->set, ++*set_id) ?:
		       ef_nl_put_elems(b, nl, op->set, NFT_MSG_NEWSETELEM,
				       NULL, 0);
	case EF_OP_DEL_ELEMS:
		return ef_nl_put_elems(b, nl, op->set, NFT_MSG_DELSETELEM,
				       op->elems, op->nelems);
	case EF_OP_ADD_ELEMS:
		return ef_nl_put_elems(b, nl, op->set, NFT_MSG_NEWSETELEM,
				       op->elems, op->nelems);
	case EF_OP_ADD_CHAIN:
		err = ef_nl_put_chain(b, nl, c, false);
		for (size_t i = 0; i < c->nrules && !err; i++)
			err = ef_nl_put_rule(b, nl, desired, c, i, 0);
		return err;
	case EF_OP_ADD_RULE:
		return ef_nl_put_rule(b, nl, desired, c, op->rule, op->before);
	}
	return -EINVAL;
}

int ef_nl_send_delta(struct ef_nl *nl, const struct ef_model *desired,
		     const struct ef_delta *delta, uint32_t genid,
		     char **ret_why)
{
	struct ef_batch b;
	uint32_t set_id = 0;
	int err = 0;

	if (ef_delta_empty(delta))
		return 0;
	ef_batch_init(&b, nl, &genid);
	for (size_t i = 0; i < delta->n && !err; i++)
		err = put_op(&b, nl, desired, delta, &delta->ops[i], &set_id);
	if (!err)
		err = ef_batch_send(&b, nl, ret_why);
	ef_batch_free(&b);
	return err;
}
