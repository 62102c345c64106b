// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model (or delta) -> nft text, as `nft list` would print it: what
 * people read and what the tests load with `nft -f`. Never the kernel's path.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "nft_emit.h"

/* Length of the prefix [lo, hi] covers, or -1 if it is not a prefix. */
static int prefix_len(const uint8_t *lo, const uint8_t *hi, unsigned int len)
{
	unsigned int bits = len * 8, b = 0;

	while (b < bits) {
		uint8_t bit = (uint8_t)(0x80u >> (b % 8));

		if ((lo[b / 8] & bit) != (hi[b / 8] & bit))
			break;
		b++;
	}
	for (unsigned int i = b; i < bits; i++) {
		uint8_t bit = (uint8_t)(0x80u >> (i % 8));

		if ((lo[i / 8] & bit) || !(hi[i / 8] & bit))
			return -1;
	}
	return (int)b;
}

static void emit_addr(struct ef_strbuf *sb, int af, const uint8_t *lo,
		      const uint8_t *hi, unsigned int len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int plen = prefix_len(lo, hi, len);

	inet_ntop(af, lo, a, sizeof(a));
	if (plen == (int)len * 8) {
		ef_sb_printf(sb, "%s", a);
	} else if (plen >= 0) {
		ef_sb_printf(sb, "%s/%d", a, plen);
	} else {
		inet_ntop(af, hi, b, sizeof(b));
		ef_sb_printf(sb, "%s-%s", a, b);
	}
}

static void emit_proto(struct ef_strbuf *sb, uint8_t p)
{
	if (p == IPPROTO_TCP)
		ef_sb_printf(sb, "tcp");
	else if (p == IPPROTO_UDP)
		ef_sb_printf(sb, "udp");
	else
		ef_sb_printf(sb, "%u", p);
}

void ef_emit_field(struct ef_strbuf *sb, enum ef_type t, const uint8_t *lo,
		   const uint8_t *hi)
{
	unsigned int plo, phi;

	switch (t) {
	case EF_T_IFNAME:
		ef_sb_printf(sb, "\"%.16s\"", (const char *)lo);
		if (memcmp(lo, hi, EF_IFNAME_LEN))
			ef_sb_printf(sb, "-\"%.16s\"", (const char *)hi);
		return;
	case EF_T_IPV4:
		emit_addr(sb, AF_INET, lo, hi, 4);
		return;
	case EF_T_IPV6:
		emit_addr(sb, AF_INET6, lo, hi, 16);
		return;
	case EF_T_PROTO:
		emit_proto(sb, lo[0]);
		if (lo[0] != hi[0]) {
			ef_sb_putc(sb, '-');
			emit_proto(sb, hi[0]);
		}
		return;
	case EF_T_PORT:
		plo = (unsigned int)lo[0] << 8 | lo[1];
		phi = (unsigned int)hi[0] << 8 | hi[1];
		ef_sb_printf(sb, "%u", plo);
		if (plo != phi)
			ef_sb_printf(sb, "-%u", phi);
		return;
	case EF_T_MAX:
		break;
	}
}

void ef_emit_elem_key(struct ef_strbuf *sb, const struct ef_set *set,
		      const struct ef_elem *e)
{
	for (unsigned int i = 0; i < set->nfields; i++) {
		size_t off = ef_field_offset(set, i);

		if (i)
			ef_sb_printf(sb, " . ");
		ef_emit_field(sb, set->type[i], e->key + off, e->key_end + off);
	}
}

/* Milliseconds as nft writes a time: 1d2h3m4s5ms, the parts not 0. */
void ef_emit_ms(struct ef_strbuf *sb, uint64_t ms)
{
	static const struct { const char *unit; uint64_t ms; } parts[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};

	if (!ms) {
		ef_sb_printf(sb, "0s");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		if (ms >= parts[i].ms)
			ef_sb_printf(sb, "%" PRIu64 "%s", ms / parts[i].ms,
				     parts[i].unit);
		ms %= parts[i].ms;
	}
}

const char *ef_duration_text(uint64_t secs, char buf[EF_DURATION_TEXT])
{
	struct ef_strbuf sb = { 0 };

	ef_emit_ms(&sb, secs * 1000);
	snprintf(buf, EF_DURATION_TEXT, "%s", sb.buf ? sb.buf : "?");
	ef_sb_free(&sb);
	return buf;
}

/* A runtime set's element: the time it was given and the time left. */
static void emit_timeout(struct ef_strbuf *sb, const struct ef_set *set,
			 const struct ef_elem *e)
{
	if (!set->timeout || !e->timeout_ms)
		return;
	ef_sb_printf(sb, " timeout ");
	ef_emit_ms(sb, e->timeout_ms);
	if (e->expires_ms) {
		ef_sb_printf(sb, " expires ");
		ef_emit_ms(sb, e->expires_ms);
	}
}

void ef_emit_elem(struct ef_strbuf *sb, const struct ef_set *set,
		  const struct ef_elem *e)
{
	ef_emit_elem_key(sb, set, e);
	if (set->map) {
		ef_sb_printf(sb, " : ");
		ef_emit_field(sb, set->data, e->data, e->data);
	}
}

/* The comment naming the rows an element serves, if it serves any. */
static void emit_comment(struct ef_strbuf *sb, const struct ef_elem *e)
{
	char text[EF_COMMENT_MAX];

	if (!e->rows)
		return;
	ef_rows_text(e->rows, text, sizeof(text));
	ef_sb_printf(sb, " comment \"%s\"", text);
}

/* An element as nft writes it in a list: its key, counter, time to live
 * and comment, then what a map's maps it to. */
static void emit_elem_line(struct ef_strbuf *sb, const struct ef_set *set,
			   const struct ef_elem *e, unsigned int flags)
{
	ef_emit_elem_key(sb, set, e);
	if ((flags & EF_EMIT_COUNTERS) && set->counter)
		ef_sb_printf(sb, " counter packets %" PRIu64 " bytes %" PRIu64,
			     e->packets, e->bytes);
	emit_timeout(sb, set, e);
	emit_comment(sb, e);
	if (set->map) {
		ef_sb_printf(sb, " : ");
		ef_emit_field(sb, set->data, e->data, e->data);
	}
}

static void emit_set(struct ef_strbuf *sb, const struct ef_set *set,
		     unsigned int flags)
{
	ef_sb_printf(sb, "\t%s %s {\n\t\ttype ", set->map ? "map" : "set",
		     set->name);
	for (unsigned int i = 0; i < set->nfields; i++)
		ef_sb_printf(sb, "%s%s", i ? " . " : "",
			  ef_type_info(set->type[i])->nft_type);
	if (set->map)
		ef_sb_printf(sb, " : %s", ef_type_info(set->data)->nft_type);
	ef_sb_printf(sb, "\n");
	if (set->size)
		ef_sb_printf(sb, "\t\tsize %u\n", set->size);
	if (!set->hashed || set->timeout)
		ef_sb_printf(sb, "\t\tflags %s%s%s\n",
			     set->hashed ? "" : "interval",
			     !set->hashed && set->timeout ? "," : "",
			     set->timeout ? "timeout" : "");
	if (set->counter)
		ef_sb_printf(sb, "\t\tcounter\n");
	for (size_t i = 0; i < set->nelems; i++) {
		ef_sb_printf(sb, i ? ",\n\t\t\t     " : "\t\telements = { ");
		emit_elem_line(sb, set, &set->elems[i], flags);
	}
	if (set->nelems)
		ef_sb_printf(sb, " }\n");
	ef_sb_printf(sb, "\t}\n");
}

static const char *unit_name(uint64_t secs)
{
	switch (secs) {
	case 1:
		return "second";
	case 60:
		return "minute";
	case 3600:
		return "hour";
	case 86400:
		return "day";
	}
	return "week";
}

static const char *log_level_name(uint32_t level)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	};

	return level < ARRAY_SIZE(names) ? names[level] : "audit";
}

static void emit_lookup(struct ef_strbuf *sb, const struct ef_model *m,
			const struct ef_rule *r)
{
	if (r->peer_set[0])
		ef_sb_printf(sb, "%s @%s ", ef_field_info(r->peer_key)->nft_expr,
			  r->peer_set);
	for (unsigned int i = 0; i < r->nkeys; i++)
		ef_sb_printf(sb, "%s%s", i ? " . " : "",
			  ef_field_info(r->key[i])->nft_expr);
	ef_sb_printf(sb, " @%s ", r->set);
}

/* "dnat ip to ip daddr map @nat_dnat4": the looked-up address replaces
 * the one the key loads. */
static void emit_nat(struct ef_strbuf *sb, const struct ef_rule *r)
{
	enum ef_type t = ef_field_info(r->key[0])->type;

	ef_sb_printf(sb, "%s %s to %s map @%s ",
		     r->nat == EF_NAT_DNAT ? "dnat" : "snat",
		     t == EF_T_IPV6 ? "ip6" : "ip",
		     ef_field_info(r->key[0])->nft_expr, r->set);
}

static void emit_ct_status(struct ef_strbuf *sb, uint32_t status)
{
	const char *sep = "";

	ef_sb_printf(sb, "ct status ");
	if (status & EF_CT_STATUS_SNAT)
		ef_sb_printf(sb, "%ssnat", sep), sep = ",";
	if (status & EF_CT_STATUS_DNAT)
		ef_sb_printf(sb, "%sdnat", sep);
	ef_sb_putc(sb, ' ');
}

static void emit_rule(struct ef_strbuf *sb, const struct ef_model *m,
		      const struct ef_rule *r, unsigned int flags)
{
	size_t start = sb->len;

	if (r->foreign) {
		ef_sb_printf(sb, "# not edgefw's: %s", r->foreign);
		return;
	}
	if (r->ct_state) {
		const char *sep = "";

		ef_sb_printf(sb, "ct state ");
		if (r->ct_state & EF_CT_INVALID)
			ef_sb_printf(sb, "%sinvalid", sep), sep = ",";
		if (r->ct_state & EF_CT_ESTABLISHED)
			ef_sb_printf(sb, "%sestablished", sep), sep = ",";
		if (r->ct_state & EF_CT_RELATED)
			ef_sb_printf(sb, "%srelated", sep);
		ef_sb_putc(sb, ' ');
	}
	if (r->ct_status)
		emit_ct_status(sb, r->ct_status);
	if (r->iif_lo)
		ef_sb_printf(sb, "iif \"lo\" ");
	if (r->oif_lo)
		ef_sb_printf(sb, "oif \"lo\" ");
	/* Lookups of ip/ip6 fields and icmpv6 imply the family. */
	if (r->nfproto && !r->set[0] && !r->icmpv6_type)
		ef_sb_printf(sb, "meta nfproto %s ",
			  r->nfproto == 2 ? "ipv4" : "ipv6");
	if (r->icmpv6_type && r->type_lo == r->type_hi)
		ef_sb_printf(sb, "icmpv6 type %u ", r->type_lo);
	else if (r->icmpv6_type)
		ef_sb_printf(sb, "icmpv6 type %u-%u ", r->type_lo, r->type_hi);
	else if (r->l4proto)
		ef_sb_printf(sb, "meta l4proto %u ", r->l4proto);
	if (r->set[0] && !r->nat)
		emit_lookup(sb, m, r);
	if (r->counter && (flags & EF_EMIT_COUNTERS))
		ef_sb_printf(sb, "counter packets %" PRIu64 " bytes %" PRIu64 " ",
			     r->packets, r->bytes);
	else if (r->counter)
		ef_sb_printf(sb, "counter ");
	if (r->limit_rate)
		ef_sb_printf(sb, "limit rate %u/%s burst %u packets ",
			  r->limit_rate, unit_name(r->limit_unit),
			  r->limit_burst);
	if (r->log)
		ef_sb_printf(sb, "log prefix \"%s\" level %s ", r->log_prefix,
			  log_level_name(r->log_level));
	if (r->nat)
		emit_nat(sb, r);
	if (r->verdict != EF_V_NONE)
		ef_sb_printf(sb, "%s ", ef_verdict_name(r->verdict));
	if (!sb->err && sb->len > start && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
}

void ef_emit_rule(struct ef_strbuf *sb, const struct ef_model *m,
		  const struct ef_rule *r)
{
	emit_rule(sb, m, r, 0);
}

/* A priority by nft's name for it where it has one. */
static void emit_priority(struct ef_strbuf *sb, const struct ef_chain *c)
{
	if (!c->priority)
		ef_sb_printf(sb, "filter");
	else if (c->type == EF_CHAIN_NAT && c->priority == EF_PRIO_DSTNAT &&
		 c->hook == EF_HOOK_PREROUTING)
		ef_sb_printf(sb, "dstnat");
	else if (c->type == EF_CHAIN_NAT && c->priority == EF_PRIO_SRCNAT &&
		 c->hook == EF_HOOK_POSTROUTING)
		ef_sb_printf(sb, "srcnat");
	else
		ef_sb_printf(sb, "%" PRId32, c->priority);
}

static void emit_chain(struct ef_strbuf *sb, const struct ef_model *m,
		       const struct ef_chain *c, unsigned int flags)
{
	ef_sb_printf(sb, "\tchain %s {\n", c->name);
	ef_sb_printf(sb, "\t\ttype %s hook %s priority ",
		     ef_chain_type_name(c->type), ef_hook_name(c->hook));
	emit_priority(sb, c);
	ef_sb_printf(sb, "; policy %s;\n", ef_verdict_name(c->policy));
	for (size_t i = 0; i < c->nrules; i++) {
		ef_sb_printf(sb, "\t\t");
		emit_rule(sb, m, &c->rules[i], flags);
		ef_sb_putc(sb, '\n');
	}
	ef_sb_printf(sb, "\t}\n");
}

void ef_emit_nft(struct ef_strbuf *sb, const struct ef_model *m, unsigned int flags)
{
	ef_sb_printf(sb, "table inet %s {\n", EF_TABLE);
	/* As a comment: nft -f cannot give ownership to a socket that ends
	 * with it, and nft before 1.1 does not know persist. */
	if (m->table_owner)
		ef_sb_printf(sb, "\t# flags owner,persist: locked by netlink port %u\n",
			  m->table_owner);
	else if (m->table_flags & EF_TABLE_F_PERSIST)
		ef_sb_printf(sb, "\t# flags owner,persist: locked while its reconciler runs\n");
	for (size_t i = 0; i < m->nsets; i++) {
		if (i)
			ef_sb_putc(sb, '\n');
		emit_set(sb, &m->sets[i], flags);
	}
	for (size_t i = 0; i < m->nchains; i++) {
		ef_sb_putc(sb, '\n');
		emit_chain(sb, m, &m->chains[i], flags);
	}
	ef_sb_printf(sb, "}\n");
}

static void emit_elems(struct ef_strbuf *sb, char sign, const struct ef_op *op)
{
	for (size_t i = 0; i < op->nelems; i++) {
		const struct ef_elem *e = &op->set->elems[op->elems[i]];

		ef_sb_printf(sb, "%c element %s { ", sign, op->set->name);
		emit_elem_line(sb, op->set, e, 0);
		ef_sb_printf(sb, " }\n");
	}
}

void ef_emit_delta(struct ef_strbuf *sb, const struct ef_delta *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ef_op *op = &d->ops[i];
		const struct ef_chain *c = op->chain;

		switch (op->kind) {
		case EF_OP_DEL_TABLE:
			ef_sb_printf(sb, "- table inet %s (to take it over)\n",
				  EF_TABLE);
			break;
		case EF_OP_ADD_TABLE:
			ef_sb_printf(sb, "+ table inet %s%s\n", EF_TABLE,
				  d->table_flags & EF_TABLE_F_OWNER ?
				  " { flags owner,persist; }" : "");
			break;
		case EF_OP_TABLE_FLAGS:
			ef_sb_printf(sb, "~ table inet %s { flags owner,persist; }\n",
				  EF_TABLE);
			break;
		case EF_OP_DEL_RULE:
			ef_sb_printf(sb, "- rule %s { ", c->name);
			ef_emit_rule(sb, NULL, &c->rules[op->rule]);
			ef_sb_printf(sb, " }\n");
			break;
		case EF_OP_FLUSH_CHAIN:
			ef_sb_printf(sb, "- every rule of chain %s\n", c->name);
			break;
		case EF_OP_DEL_CHAIN:
			ef_sb_printf(sb, "- chain %s\n", c->name);
			break;
		case EF_OP_DEL_SET:
			ef_sb_printf(sb, "- set %s\n", op->set->name);
			break;
		case EF_OP_SET_POLICY:
			ef_sb_printf(sb, "~ chain %s { policy %s; }\n", c->name,
				  ef_verdict_name(c->policy));
			break;
		case EF_OP_ADD_SET:
			ef_sb_printf(sb, "+ set %s (%zu elements)\n", op->set->name,
				  op->set->nelems);
			break;
		case EF_OP_DEL_ELEMS:
			emit_elems(sb, '-', op);
			break;
		case EF_OP_ADD_ELEMS:
			emit_elems(sb, '+', op);
			break;
		case EF_OP_ADD_CHAIN:
			ef_sb_printf(sb, "+ chain %s (hook %s, policy %s, %zu rules)\n",
				  c->name, ef_hook_name(c->hook),
				  ef_verdict_name(c->policy), c->nrules);
			break;
		case EF_OP_ADD_RULE:
			ef_sb_printf(sb, "+ rule %s { ", c->name);
			ef_emit_rule(sb, NULL, &c->rules[op->rule]);
			ef_sb_printf(sb, " }\n");
			break;
		}
	}
}
