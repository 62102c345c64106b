/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "Why was this dropped?": the model asked about one new connection. A
 * small interpreter of struct ef_model does the match the kernel does
 * (nat prerouting's map, then the filter chain's rules in order: ct
 * state, loopback, family, protocol, set lookups with the key built from
 * the flow), so it cannot disagree with the tables it describes; then,
 * when nothing admits the flow, the same sets are asked again with one
 * field let go, to say which rows come near and what differs.
 */
#ifndef EDGEFW_EXPLAIN_H
#define EDGEFW_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The first packet of a connection. */
struct ef_flow {
	uint8_t family;			/* 4 or 6 */
	uint8_t saddr[16], daddr[16];	/* network order */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t dport;
	/* "" = not said: each zone's interfaces are tried (see below). */
	char iif[EF_IFNAME_LEN], oif[EF_IFNAME_LEN];
};

/* What decided. */
enum ef_by {
	EF_BY_POLICY,		/* the chain's policy: no rule decided */
	EF_BY_ROW,		/* a row set's element */
	EF_BY_MGMT,		/* the management guard */
	EF_BY_EXCEPTION,	/* a timed exception */
	EF_BY_HAIRPIN,		/* NAT hairpin (nat.c) */
	EF_BY_LOOPBACK,		/* iif/oif lo */
	EF_BY_RULE,		/* another rule (a guard, one we did not write) */
};

/* Why a dropped flow is not admitted. */
enum ef_reason_kind {
	EF_R_NO_ROW,		/* no row of this protocol and port here */
	EF_R_ROW_ELSEWHERE,	/* a row of it exists: see `differs` */
	EF_R_MGMT_ONLY,		/* the management guard's port */
	EF_R_FEATURE_OFF,	/* rows of it whose features the site
				 * turned off: `rows` */
};

/* What a row of the same protocol and port has otherwise. */
#define EF_DIFF_ZONE 1u		/* another interface (zone) */
#define EF_DIFF_ADDR 2u		/* another of this machine's addresses */
#define EF_DIFF_PEER 4u		/* a peer group the source is not in */

struct ef_reason {
	enum ef_reason_kind kind;
	unsigned int differs;		/* EF_DIFF_* */
	struct ef_rows *rows;		/* a reference; NULL for none */
	char ifname[EF_IFNAME_LEN];	/* its interface, with EF_DIFF_ZONE */
	char zone[EF_NAME_MAX];		/* that interface's zone, or "" */
	struct ef_addr_range addr;	/* its address (or the management
					 * networks' range) */
	char role[EF_NAME_MAX];		/* whose address, or "" */
	char group[EF_NAME_MAX];	/* its peer group, with EF_DIFF_PEER */
};

#define EF_EXPLAIN_REASONS_MAX 8
#define EF_EXPLAIN_IFACES_MAX 16

/* The verdict on some interfaces (all that gave the same one). */
struct ef_answer {
	char ifnames[EF_EXPLAIN_IFACES_MAX][EF_IFNAME_LEN];
	size_t nifnames;		/* "": an interface of no zone */
	char chain[EF_NAME_MAX];	/* the filter chain that decided */
	enum ef_verdict verdict;
	enum ef_by by;
	char set[EF_NAME_MAX];		/* the set whose element decided */
	struct ef_rows *rows;		/* that element's rows; a reference */
	uint64_t expires_ms;		/* an exception's time left */
	/* Rules edgefwd did not write (a table read back) before the one
	 * that decided: explain cannot run them, so the kernel may decide
	 * otherwise. */
	size_t unknown_rules;
	struct ef_reason reasons[EF_EXPLAIN_REASONS_MAX];
	size_t nreasons;
};

/* Which way the flow goes, as this machine's addresses say. */
enum ef_direction { EF_DIR_IN, EF_DIR_OUT };

struct ef_explanation {
	struct ef_flow flow;		/* as asked, the source filled in */
	bool from_assumed;		/* the source was not said */
	bool dnat;			/* prerouting translated the address */
	uint8_t dnat_to[16];
	enum ef_direction dir;
	bool gateway;			/* forwarded, not this machine's */
	bool unknown_dest;		/* no role has the (translated) address */
	bool vary_oif;			/* the answers are by egress interface */
	struct ef_answer answers[EF_EXPLAIN_IFACES_MAX + 1];
	size_t nanswers;
};

/* What is asked: `rules` (a compiled model, or one read back from the
 * kernel: its chains and sets are run), `runtime` (NULL, or sets read
 * back that stand for `rules`' own of the same name: the timed
 * exceptions of a live table) and `meta` (the compiled model: its rows'
 * texts, roles and zones; may be `rules`). */
struct ef_explain_models {
	const struct ef_model *rules, *runtime, *meta;
};

/*
 * Explains `flow` (family, daddr, proto, dport set; saddr unless
 * from_given is false; iif, oif optional) on the models `on`. An interface not said is the one the answer depends on: the
 * ingress of an inbound flow, the egress of an outbound one; then every
 * zone's interfaces are tried, and one that is in no zone, and equal
 * answers are merged. 0 or -ENOMEM; *ret is then to be freed with
 * ef_explanation_free.
 */
int ef_explain(const struct ef_explain_models *on, const struct ef_flow *flow,
	       bool from_given, struct ef_explanation *ret);
void ef_explanation_free(struct ef_explanation *x);

/* "row", "management", ...; "no_row", ... */
const char *ef_by_name(enum ef_by by);
const char *ef_reason_name(enum ef_reason_kind k);

#endif
