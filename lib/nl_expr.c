// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rules <-> nf_tables expressions. The bytecode is the one nft generates
 * for the same rule text, so a table loaded by `nft -f` from our emitter
 * reads back equal, and `nft list` shows our rules as we print them.
 *
 * Reading is done leniently, then checked by writing the rule again and
 * comparing expression by expression: whatever does not round-trip exactly
 * is kept as a foreign rule, never guessed at.
 */
#include <errno.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nl.h"
#include "util.h"

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int meta_load(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return 0;
}

static int payload_load(struct nftnl_rule *r, uint32_t base, uint32_t off,
			uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return 0;
}

static int cmp(struct nftnl_rule *r, uint32_t op, const void *data,
	       uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int cmp_u8(struct nftnl_rule *r, uint32_t op, uint8_t v)
{
	return cmp(r, op, &v, 1);
}

static int cmp_u32(struct nftnl_rule *r, uint32_t op, uint32_t v)
{
	return cmp(r, op, &v, 4);
}

/* ct state (or status) & mask != 0 */
static int lin_ct_bits(struct nftnl_rule *r, uint32_t key, uint32_t mask)
{
	static const uint32_t zero;
	struct nftnl_expr *e = expr(r, "ct");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	if (!(e = expr(r, "bitwise")))
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	return cmp_u32(r, NFT_CMP_NEQ, 0);
}

/* The register holding key byte `off`, named as nft names it. */
static uint32_t key_reg(size_t off)
{
	if (off % NFT_REG_SIZE == 0)
		return NFT_REG_1 + (uint32_t)(off / NFT_REG_SIZE);
	return NFT_REG32_00 + (uint32_t)(off / NFT_REG32_SIZE);
}

static int lin_field(struct nftnl_rule *r, enum ef_field f, uint32_t reg)
{
	struct nftnl_expr *e;
	int err;

	switch (f) {
	case EF_F_IIFNAME:
		return meta_load(r, NFT_META_IIFNAME, reg);
	case EF_F_OIFNAME:
		return meta_load(r, NFT_META_OIFNAME, reg);
	case EF_F_SADDR4:
		return payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, reg);
	case EF_F_DADDR4:
		return payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg);
	case EF_F_SADDR6:
		return payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, reg);
	case EF_F_DADDR6:
		return payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, reg);
	case EF_F_L4PROTO:
		/* nft converts host-order fields of interval concatenations;
		 * for one byte it is a no-op, but it is what nft writes. */
		err = meta_load(r, NFT_META_L4PROTO, reg);
		if (err || !(e = expr(r, "byteorder")))
			return err ? err : -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 2);
		return 0;
	case EF_F_DPORT:
		return payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg);
	case EF_F_MAX:
		break;
	}
	return -EINVAL;
}

/* The lookup; into register 1 (dreg) when it fetches a map's data. */
static int lin_lookup(struct nftnl_rule *r, const struct ef_set *set,
		      const enum ef_field *key, unsigned int nkeys, bool dreg)
{
	struct nftnl_expr *e;
	int err;

	if (nkeys != set->nfields)
		return -EINVAL;
	for (unsigned int i = 0; i < set->nfields; i++) {
		if (ef_field_info(key[i])->type != set->type[i])
			return -EINVAL;
		err = lin_field(r, key[i], key_reg(ef_field_offset(set, i)));
		if (err)
			return err;
	}
	if (!(e = expr(r, "lookup")))
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set->name);
	if (dreg)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	/* The kernel reports flags 0: say them so a read rule compares equal. */
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
	return 0;
}

/* As nft writes `counter` (or `counter packets N bytes N`): the counts
 * only when there are any. */
static int lin_counter(struct nftnl_rule *r, const struct ef_rule *er)
{
	struct nftnl_expr *e = expr(r, "counter");

	if (!e)
		return -ENOMEM;
	if (er->packets)
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, er->packets);
	if (er->bytes)
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, er->bytes);
	return 0;
}

static int lin_limit_log(struct nftnl_rule *r, const struct ef_rule *er)
{
	struct nftnl_expr *e;

	if (er->limit_rate) {
		if (!(e = expr(r, "limit")))
			return -ENOMEM;
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, er->limit_rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, er->limit_unit);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, er->limit_burst);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
	}
	if (er->log) {
		if (!(e = expr(r, "log")))
			return -ENOMEM;
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, er->log_prefix);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_LEVEL, er->log_level);
	}
	return 0;
}

/*
 * "dnat ip to ip daddr map @m": the lookup left the new address in
 * register 1. Written as the kernel dumps it (nft says only addr_min; the
 * kernel fills in addr_max and the flag), so a read rule compares equal.
 */
static int lin_nat(struct nftnl_rule *r, const struct ef_rule *er)
{
	struct nftnl_expr *e = expr(r, "nat");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE,
			   er->nat == EF_NAT_DNAT ? NFT_NAT_DNAT :
						    NFT_NAT_SNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
			   ef_field_info(er->key[0])->type == EF_T_IPV6 ?
			   NFPROTO_IPV6 : NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS);
	return 0;
}

int ef_rule_linearize(struct nftnl_rule *r, const struct ef_model *m,
		      const struct ef_rule *er)
{
	struct nftnl_expr *e;
	int err = 0;

	if (er->foreign)
		return -EINVAL;
	if (er->ct_state)
		err = lin_ct_bits(r, NFT_CT_STATE, er->ct_state);
	if (!err && er->ct_status)
		err = lin_ct_bits(r, NFT_CT_STATUS, er->ct_status);
	if (!err && er->iif_lo)
		err = meta_load(r, NFT_META_IIF, NFT_REG_1) ?:
		      cmp_u32(r, NFT_CMP_EQ, 1);
	if (!err && er->oif_lo)
		err = meta_load(r, NFT_META_OIF, NFT_REG_1) ?:
		      cmp_u32(r, NFT_CMP_EQ, 1);
	if (!err && er->nfproto)
		err = meta_load(r, NFT_META_NFPROTO, NFT_REG_1) ?:
		      cmp_u8(r, NFT_CMP_EQ, er->nfproto);
	if (!err && er->l4proto)
		err = meta_load(r, NFT_META_L4PROTO, NFT_REG_1) ?:
		      cmp_u8(r, NFT_CMP_EQ, er->l4proto);
	/* One type as nft writes it, a compare for equality; a range as
	 * two compares. */
	if (!err && er->icmpv6_type && er->type_lo == er->type_hi)
		err = payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1,
				   NFT_REG_1) ?:
		      cmp_u8(r, NFT_CMP_EQ, er->type_lo);
	else if (!err && er->icmpv6_type)
		err = payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1,
				   NFT_REG_1) ?:
		      cmp_u8(r, NFT_CMP_GTE, er->type_lo) ?:
		      cmp_u8(r, NFT_CMP_LTE, er->type_hi);
	if (!err && er->peer_set[0]) {
		const struct ef_set *set = ef_model_find_set(m, er->peer_set);

		err = set ? lin_lookup(r, set, &er->peer_key, 1, false) :
			    -ENOENT;
	}
	if (!err && er->set[0]) {
		const struct ef_set *set = ef_model_find_set(m, er->set);

		if (!set)
			err = -ENOENT;
		else if (!er->nat != !set->map || (er->nat && er->nkeys != 1))
			err = -EINVAL;	/* a map: NAT, by one field */
		else
			err = lin_lookup(r, set, er->key, er->nkeys, er->nat);
	}
	if (!err && er->counter)
		err = lin_counter(r, er);
	if (!err)
		err = lin_limit_log(r, er);
	if (!err && er->nat)
		err = lin_nat(r, er);
	if (!err && er->verdict != EF_V_NONE) {
		if (!(e = expr(r, "immediate")))
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT,
				   er->verdict == EF_V_ACCEPT ? NF_ACCEPT :
								NF_DROP);
	}
	return err;
}

/* What a register was loaded with, while reading a rule. */
enum src { SRC_NONE, SRC_CT_STATE, SRC_CT_STATUS, SRC_IIF, SRC_OIF,
	   SRC_NFPROTO, SRC_L4PROTO, SRC_ICMP_TYPE, SRC_OTHER };

struct delin {
	struct ef_rule *r;
	enum src reg1;
	uint32_t mask;
	/* Loads not yet consumed by a cmp: the key of the next lookup. */
	int pending[EF_FIELDS_MAX];
	unsigned int npending;
	bool bad;
};

static void push_load(struct delin *d, int field)
{
	if (d->npending == EF_FIELDS_MAX) {
		d->bad = true;
		return;
	}
	d->pending[d->npending++] = field;
}

static void delin_meta(struct delin *d, struct nftnl_expr *e)
{
	switch (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)) {
	case NFT_META_IIF:
		d->reg1 = SRC_IIF;
		push_load(d, -1);
		break;
	case NFT_META_OIF:
		d->reg1 = SRC_OIF;
		push_load(d, -1);
		break;
	case NFT_META_NFPROTO:
		d->reg1 = SRC_NFPROTO;
		push_load(d, -1);
		break;
	case NFT_META_L4PROTO:
		d->reg1 = SRC_L4PROTO;
		push_load(d, EF_F_L4PROTO);
		break;
	case NFT_META_IIFNAME:
		d->reg1 = SRC_OTHER;
		push_load(d, EF_F_IIFNAME);
		break;
	case NFT_META_OIFNAME:
		d->reg1 = SRC_OTHER;
		push_load(d, EF_F_OIFNAME);
		break;
	default:
		d->reg1 = SRC_OTHER;
		push_load(d, -1);
	}
}

/* Which key field a payload load is; -1 for none of ours. */
static int payload_field(uint32_t base, uint32_t off, uint32_t len)
{
	static const struct { uint32_t base, off, len; enum ef_field f; } map[] = {
		{ NFT_PAYLOAD_NETWORK_HEADER, 12, 4, EF_F_SADDR4 },
		{ NFT_PAYLOAD_NETWORK_HEADER, 16, 4, EF_F_DADDR4 },
		{ NFT_PAYLOAD_NETWORK_HEADER, 8, 16, EF_F_SADDR6 },
		{ NFT_PAYLOAD_NETWORK_HEADER, 24, 16, EF_F_DADDR6 },
		{ NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, EF_F_DPORT },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].base == base && map[i].off == off &&
		    map[i].len == len)
			return (int)map[i].f;
	return -1;
}

static void delin_payload(struct delin *d, struct nftnl_expr *e)
{
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);

	d->reg1 = base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 0 && len == 1 ?
		  SRC_ICMP_TYPE : SRC_OTHER;
	push_load(d, payload_field(base, off, len));
}

static void delin_lookup(struct delin *d, struct nftnl_expr *e)
{
	const char *s = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);

	if (!s || strlen(s) >= sizeof(d->r->set) || d->r->peer_set[0]) {
		d->bad = true;
		return;
	}
	if (d->r->set[0]) {
		/* Two lookups: the first was the peer group's. */
		if (d->r->nkeys != 1) {
			d->bad = true;
			return;
		}
		strcpy(d->r->peer_set, d->r->set);
		d->r->peer_key = d->r->key[0];
	}
	strcpy(d->r->set, s);
	for (unsigned int i = 0; i < d->npending; i++) {
		if (d->pending[i] < 0) {
			d->bad = true;
			return;
		}
		d->r->key[i] = (enum ef_field)d->pending[i];
	}
	d->r->nkeys = (uint8_t)d->npending;
	d->npending = 0;
}

static void delin_cmp(struct delin *d, struct nftnl_expr *e)
{
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	uint32_t v32 = 0;

	if (!data || !len || len > 4) {
		d->bad = true;
		return;
	}
	if (d->npending)
		d->npending--;	/* the load this compares */
	memcpy(&v32, data, len);
	switch (d->reg1) {
	case SRC_CT_STATE:
		d->r->ct_state = d->mask;
		break;
	case SRC_CT_STATUS:
		d->r->ct_status = d->mask;
		break;
	case SRC_IIF:
		d->r->iif_lo = v32 == 1;
		break;
	case SRC_OIF:
		d->r->oif_lo = v32 == 1;
		break;
	case SRC_NFPROTO:
		d->r->nfproto = data[0];
		break;
	case SRC_L4PROTO:
		d->r->l4proto = data[0];
		break;
	case SRC_ICMP_TYPE:
		d->r->icmpv6_type = true;
		if (op == NFT_CMP_GTE || op == NFT_CMP_EQ)
			d->r->type_lo = data[0];
		if (op == NFT_CMP_LTE || op == NFT_CMP_EQ)
			d->r->type_hi = data[0];
		break;
	default:
		d->bad = true;
	}
}

static int delin_one(struct nftnl_expr *e, void *arg)
{
	struct delin *d = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *s;

	if (!strcmp(name, "meta")) {
		delin_meta(d, e);
	} else if (!strcmp(name, "ct")) {
		switch (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY)) {
		case NFT_CT_STATE:
			d->reg1 = SRC_CT_STATE;
			break;
		case NFT_CT_STATUS:
			d->reg1 = SRC_CT_STATUS;
			break;
		default:
			d->reg1 = SRC_OTHER;
		}
		push_load(d, -1);
	} else if (!strcmp(name, "bitwise")) {
		uint32_t len = 0;
		const void *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK,
						  &len);

		if (mask && len == 4)
			memcpy(&d->mask, mask, 4);
	} else if (!strcmp(name, "payload")) {
		delin_payload(d, e);
	} else if (!strcmp(name, "cmp")) {
		delin_cmp(d, e);
	} else if (!strcmp(name, "lookup")) {
		delin_lookup(d, e);
	} else if (!strcmp(name, "counter")) {
		d->r->counter = true;
		d->r->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		d->r->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	} else if (!strcmp(name, "limit")) {
		d->r->limit_rate = (uint32_t)nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE);
		d->r->limit_unit = nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT);
		d->r->limit_burst = nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_BURST);
	} else if (!strcmp(name, "log")) {
		d->r->log = true;
		s = nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX);
		if (s)
			snprintf(d->r->log_prefix, sizeof(d->r->log_prefix),
				 "%s", s);
		d->r->log_level = nftnl_expr_get_u32(e, NFTNL_EXPR_LOG_LEVEL);
	} else if (!strcmp(name, "nat")) {
		/* Read as ours; writing it again checks registers and
		 * flags. */
		d->r->nat = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) ==
			    NFT_NAT_DNAT ? EF_NAT_DNAT : EF_NAT_SNAT;
	} else if (!strcmp(name, "immediate")) {
		int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

		if (v == NF_ACCEPT)
			d->r->verdict = EF_V_ACCEPT;
		else if (v == NF_DROP)
			d->r->verdict = EF_V_DROP;
		else
			d->bad = true;
	} else if (strcmp(name, "byteorder")) {
		d->bad = true;
	}
	return 0;
}

/* Text of every expression in order: what "the same rule" means. */
static char *exprs_text(const struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct ef_strbuf sb = { 0 };
	struct nftnl_expr *e;
	char buf[512];

	if (!it)
		return NULL;
	while ((e = nftnl_expr_iter_next(it))) {
		nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
		ef_sb_printf(&sb, "[ %s %s ]", nftnl_expr_get_str(e, NFTNL_EXPR_NAME),
			  buf);
	}
	nftnl_expr_iter_destroy(it);
	return ef_sb_steal(&sb);
}

int ef_rule_delinearize(const struct nftnl_rule *r, const struct ef_model *m,
			struct ef_rule *ret)
{
	struct delin d = { .r = ret };
	struct nftnl_rule *again = NULL;
	char *have = NULL, *want = NULL;
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	nftnl_expr_foreach((struct nftnl_rule *)r, delin_one, &d);
	have = exprs_text(r);
	if (!have)
		return -ENOMEM;
	if (!d.bad) {
		again = nftnl_rule_alloc();
		if (!again) {
			err = -ENOMEM;
			goto out;
		}
		if (!ef_rule_linearize(again, m, ret))
			want = exprs_text(again);
	}
	if (!want || strcmp(have, want)) {
		memset(ret, 0, sizeof(*ret));
		ret->foreign = have;
		have = NULL;
	}
out:
	if (again)	/* libnftnl's free does not take NULL */
		nftnl_rule_free(again);
	free(have);
	free(want);
	return err;
}
