/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ruleset model: a plain C value describing table inet edgefw.
 *
 * The compiler produces it, the netlink reader produces it from the kernel,
 * the emitters turn it into nft text or a netlink batch. Keys are kept in
 * the kernel's register layout (every field padded to 32 bits, network byte
 * order), so writing, reading and comparing elements is memcpy and memcmp.
 */
#ifndef EDGEFW_MODEL_H
#define EDGEFW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rows.h"

#define EF_TABLE "edgefw"
#define EF_NAME_MAX 256		/* sets and chains, with NUL: the kernel's own limit */
#define EF_KEY_MAX 64		/* 16 registers of 32 bits: the widest key */
#define EF_FIELDS_MAX 6
#define EF_IFNAME_LEN 16
#define EF_DATA_MAX 16		/* a map's data: IPv6 at most */

/* The type of one field of a set's key: decides its width. */
enum ef_type {
	EF_T_IFNAME,
	EF_T_IPV4,
	EF_T_IPV6,
	EF_T_PROTO,
	EF_T_PORT,
	EF_T_MAX,
};

/* What a rule loads into one field of a lookup key. */
enum ef_field {
	EF_F_IIFNAME,
	EF_F_OIFNAME,
	EF_F_SADDR4,
	EF_F_DADDR4,
	EF_F_SADDR6,
	EF_F_DADDR6,
	EF_F_L4PROTO,
	EF_F_DPORT,
	EF_F_MAX,
};

struct ef_set {
	char name[EF_NAME_MAX];
	uint8_t nfields;
	enum ef_type type[EF_FIELDS_MAX];
	bool counter;			/* every element counts its hits */
	bool hashed;			/* one field, single keys: no ranges */
	/*
	 * flags timeout: a runtime set. Its elements are the daemon's
	 * runtime data (timed exceptions), added with a time to live and
	 * expired by the kernel: a compiled model declares it empty, and
	 * neither the diff nor equality looks at its elements.
	 */
	bool timeout;
	/* A hash's capacity, sized up front (0 = none): the kernel then
	 * builds a fixed table once instead of growing it, which halves
	 * its cost of loading and dumping a large group. It is also a
	 * limit, so a group outgrowing it gets a new set. */
	uint32_t size;
	/* A map (nft `map`): each element's key maps to its data, of this
	 * type; NAT looks the new address up in one. */
	bool map;
	enum ef_type data;
	/*
	 * Its elements: nelems of them, stored by model.c and read with
	 * ef_elem_*() (the layout is model.c's). A million addresses of a
	 * group take 4 bytes each: keys are of the set's width, a hash
	 * keeps no end, and what only some sets have (rows, a map's data,
	 * counts, times to live) is kept only where there is some.
	 */
	size_t nelems;
	size_t cap;
	uint8_t *keys;			/* key, then key_end unless single */
	uint8_t klen, kstride;		/* fixed when the first comes */
	struct ef_rows **rows;		/* NULL while no element has rows */
	uint8_t *datas;			/* a map's */
	uint64_t *counts;		/* packets, bytes: read back */
	uint64_t *times;		/* timeout, expires: runtime sets */
};

enum ef_verdict { EF_V_NONE, EF_V_ACCEPT, EF_V_DROP };

/* ct state bits, as the kernel numbers them. */
#define EF_CT_INVALID 1u
#define EF_CT_ESTABLISHED 2u
#define EF_CT_RELATED 4u

/* ct status bits, as the kernel numbers them (IPS_*_NAT). */
#define EF_CT_STATUS_SNAT 0x10u
#define EF_CT_STATUS_DNAT 0x20u

/* A NAT statement: the address looked up in the rule's map replaces the
 * rule's key field (daddr for DNAT, saddr for SNAT). */
enum ef_nat { EF_NAT_NONE, EF_NAT_SNAT, EF_NAT_DNAT };

/*
 * A rule is a fixed sequence of optional steps, linearized in the order of
 * the fields below. Rules the reader cannot express this way are kept as
 * `foreign` with their kernel text, so a diff replaces them.
 */
struct ef_rule {
	uint32_t ct_state;		/* ct state & mask != 0; 0 = no match */
	uint32_t ct_status;		/* the same, of ct status */
	bool iif_lo, oif_lo;		/* loopback by ifindex 1 */
	uint8_t nfproto;		/* 0 = both families */
	uint8_t l4proto;		/* 0 = any */
	bool icmpv6_type;		/* icmpv6 type in [type_lo, type_hi] */
	uint8_t type_lo, type_hi;
	/* ip saddr (or daddr) @peer_set: the peer is in a group. */
	char peer_set[EF_NAME_MAX];	/* "" = none */
	enum ef_field peer_key;
	char set[EF_NAME_MAX];		/* lookup in this set; "" = none */
	uint8_t nkeys;			/* of the key built for the lookup */
	enum ef_field key[EF_FIELDS_MAX];
	bool counter;			/* counts the packets that get this far */
	uint64_t packets, bytes;	/* its counts: read back, never compared */
	uint32_t limit_rate;		/* packets per limit_unit; 0 = no limit */
	uint64_t limit_unit;		/* seconds */
	uint32_t limit_burst;
	bool log;
	char log_prefix[128];		/* NF_LOG_PREFIXLEN */
	uint32_t log_level;
	enum ef_nat nat;		/* `set` the map, key[0] the address */
	enum ef_verdict verdict;
	char *foreign;			/* kernel text of a rule we do not know */
	uint64_t handle;		/* read back only, never compared */
};

enum ef_hook {
	EF_HOOK_INPUT,
	EF_HOOK_FORWARD,
	EF_HOOK_OUTPUT,
	EF_HOOK_PREROUTING,
	EF_HOOK_POSTROUTING,
};

/* A base chain's type: filter, or nat (sees the first packet of each
 * connection, and may translate it). */
enum ef_chain_type { EF_CHAIN_FILTER, EF_CHAIN_NAT };

#define EF_PRIO_DSTNAT (-100)	/* nft's priority names, for nat chains */
#define EF_PRIO_SRCNAT 100

struct ef_chain {
	char name[EF_NAME_MAX];
	enum ef_chain_type type;
	enum ef_hook hook;
	int32_t priority;
	enum ef_verdict policy;
	struct ef_rule *rules;
	size_t nrules, cap;
};

/* An address family's range of addresses, network order, inclusive. */
struct ef_addr_range {
	uint8_t family;			/* 4 or 6 */
	uint8_t lo[16], hi[16];
};

/* An address role of the compiled policy and the addresses the site gave
 * it then: what a timed exception `to ROLE` opens. */
struct ef_model_role {
	char *name;
	struct ef_addr_range *addrs;
	size_t naddrs;
};

/* A zone of the compiled policy and the interfaces the site gave it:
 * what explain names an interface by. */
struct ef_model_zone {
	char *name;
	char (*ifnames)[EF_IFNAME_LEN];
	size_t nifnames;
};

/* One policy row, for people: where it was written and what it is for. */
/* What a row admits, by protocol, port and way: what explain needs to
 * name a row turned off, which no element stands for. */
struct ef_row_flow {
	bool tcp, udp;
	uint16_t port_lo, port_hi;
	bool out;			/* from this machine (or the machines
					 * behind a gateway) */
};

struct ef_row {
	unsigned int id;
	char *where;			/* "policies/x.policy:12" */
	char *note;
	char *features;			/* "sip-federation,pic"; NULL: core */
	/* Its features are all off in the site: not compiled, no element
	 * serves it; kept so that counters and explain can name it. */
	bool off;
	struct ef_row_flow flow;	/* set for a row with features */
};

/* Table flags; PERSIST is missing from older kernel headers. */
#define EF_TABLE_F_OWNER 0x2u	/* only the owning socket may change it */
#define EF_TABLE_F_PERSIST 0x4u	/* stays, ownerless, when the owner exits */

struct ef_model {
	uint32_t table_flags;		/* EF_TABLE_F_* */
	uint32_t table_owner;		/* read back only: owner's netlink port */
	struct ef_set *sets;
	size_t nsets, sets_cap;
	struct ef_chain *chains;
	size_t nchains, chains_cap;
	struct ef_row *rows;		/* compiled models only */
	size_t nrows, rows_cap;
	struct ef_model_role *roles;	/* compiled models only */
	size_t nroles, roles_cap;
	struct ef_model_zone *zones;	/* compiled models only */
	size_t nzones, zones_cap;
};

struct ef_type_info {
	const char *nft_type;		/* nft datatype name */
	uint32_t type_id;		/* nft datatype number */
	uint8_t len;			/* bytes that matter */
	uint8_t reg_len;		/* bytes it takes in the key */
};

struct ef_field_info {
	const char *nft_expr;		/* nft expression that loads it */
	enum ef_type type;
};

const struct ef_type_info *ef_type_info(enum ef_type t);
const struct ef_field_info *ef_field_info(enum ef_field f);
/* The types of a key built by loading `fields`. */
void ef_fields_types(const enum ef_field *fields, unsigned int n,
		     enum ef_type *ret);
uint32_t ef_set_key_len(const struct ef_set *set);
size_t ef_field_offset(const struct ef_set *set, unsigned int idx);

struct ef_model *ef_model_new(void);
void ef_model_free(struct ef_model *m);

struct ef_set *ef_model_add_set(struct ef_model *m, const char *name,
				const enum ef_type *types, unsigned int n,
				bool counter);
/* A new set of `shape`'s name and shape, without elements. */
struct ef_set *ef_model_add_set_like(struct ef_model *m,
				     const struct ef_set *shape);
/* Same name, key, flags and capacity: elements aside, the same set. */
bool ef_set_same_shape(const struct ef_set *a, const struct ef_set *b);
struct ef_set *ef_model_find_set(const struct ef_model *m, const char *name);
/* The element takes a reference to `rows` of its own. A hash's elements
 * are single keys: key_end must equal key (-EINVAL). 0 or -ENOMEM. */
int ef_set_add_elem(struct ef_set *set, const uint8_t *key,
		    const uint8_t *key_end, struct ef_rows *rows);
/* Room for n elements in all (a group's size is known). 0 or -ENOMEM. */
int ef_set_reserve(struct ef_set *set, size_t n);
/* Element i of `src` (key, end, rows, data) added to `dst`, a set of the
 * same key. 0 or -ENOMEM. */
int ef_set_copy_elem(struct ef_set *dst, const struct ef_set *src, size_t i);

/*
 * Element i of a set. Keys are ef_set_key_len() bytes in register layout;
 * a hash's key_end is its key. A set without rows, data, counts or times
 * answers NULL, zeroes, 0.
 */
const uint8_t *ef_elem_key(const struct ef_set *set, size_t i);
const uint8_t *ef_elem_key_end(const struct ef_set *set, size_t i);
/* The policy rows it serves, its comment in the kernel; NULL for none (a
 * group's addresses). Shared with other elements: see rows.h. */
struct ef_rows *ef_elem_rows(const struct ef_set *set, size_t i);
/* A map's: what the key maps to (ef_set_data_len() bytes). */
const uint8_t *ef_elem_data(const struct ef_set *set, size_t i);
/* Its counter, read back only, never compared. */
uint64_t ef_elem_packets(const struct ef_set *set, size_t i);
uint64_t ef_elem_bytes(const struct ef_set *set, size_t i);
/* A runtime set's: the milliseconds it is given to live, when written;
 * read back, what it was given and what is left. Never compared. */
uint64_t ef_elem_timeout(const struct ef_set *set, size_t i);
uint64_t ef_elem_expires(const struct ef_set *set, size_t i);
int ef_elem_set_counts(struct ef_set *set, size_t i, uint64_t packets,
		       uint64_t bytes);
int ef_elem_set_times(struct ef_set *set, size_t i, uint64_t timeout_ms,
		      uint64_t expires_ms);
/* A map's element's data, as read. 0 or -ENOMEM. */
int ef_map_set_data(struct ef_set *map, size_t i, const uint8_t *data);
/* A range's end once known: a reader pairs the kernel's start and end
 * elements of a one-field interval set. Not for a hash's. */
void ef_elem_set_key_end(struct ef_set *set, size_t i, const uint8_t *key_end);
/* A new key (a hash's end with it). */
void ef_elem_set_key(struct ef_set *set, size_t i, const uint8_t *key);
/* Other rows: takes a reference to `rows`, drops the old one. 0 or
 * -ENOMEM. */
int ef_elem_set_rows(struct ef_set *set, size_t i, struct ef_rows *rows);
/* Removes element i; the ones after it move up. */
void ef_set_remove_elem(struct ef_set *set, size_t i);
/* Orders elements by key, then key_end (what ef_set_sort sorts by). */
int ef_elem_cmp(const struct ef_set *a, size_t i, const struct ef_set *b,
		size_t j);
/* In a sorted set, the element whose key is `key`: true and its index. */
bool ef_set_find_key(const struct ef_set *set, const uint8_t *key,
		     size_t *ret);
/* The same elements (a set and a copy of its struct): nothing to compare. */
bool ef_set_shares_elems(const struct ef_set *a, const struct ef_set *b);
/* Keeps the first of the elements whose keys are equal (a sorted set). */
void ef_set_unique(struct ef_set *set);
/* Forgets every element. */
void ef_set_clear(struct ef_set *set);
/* Forgets every element and frees their room: a set taken out of a model. */
void ef_set_release(struct ef_set *set);
/* A map of single keys to data of one type: a hash, no counters. */
struct ef_set *ef_model_add_map(struct ef_model *m, const char *name,
				enum ef_type key, enum ef_type data);
/* key -> data (both in register layout), with its comment (rows, or
 * NULL); a reference to `rows` as ef_set_add_elem. 0 or -ENOMEM. */
int ef_map_add_elem(struct ef_set *map, const uint8_t *key,
		    const uint8_t *data, struct ef_rows *rows);
uint32_t ef_set_data_len(const struct ef_set *set);
void ef_set_sort(struct ef_set *set);
/*
 * Elements that serve the same rows, in any set, then share one list: a
 * compile or a read makes one per element. 0, or -ENOMEM with the model
 * as it was.
 */
int ef_model_share_rows(struct ef_model *m);

struct ef_chain *ef_model_add_chain(struct ef_model *m, const char *name,
				    enum ef_hook hook, int32_t prio,
				    enum ef_verdict policy);
struct ef_chain *ef_model_find_chain(const struct ef_model *m,
				     const char *name);
struct ef_rule *ef_chain_add_rule(struct ef_chain *c);
int ef_model_add_row(struct ef_model *m, unsigned int id, const char *where,
		     const char *note);
/* Row `id`'s features (copied; NULL for a core row), whether they are
 * off, and what it admits. 0, -ENOENT (no such row) or -ENOMEM. */
int ef_model_tag_row(struct ef_model *m, unsigned int id,
		     const char *features, bool off,
		     const struct ef_row_flow *flow);
/* Copies the addresses. 0 or -ENOMEM. */
int ef_model_add_role(struct ef_model *m, const char *name,
		      const struct ef_addr_range *addrs, size_t n);
const struct ef_model_role *ef_model_find_role(const struct ef_model *m,
					       const char *name);
/* Copies the names. 0 or -ENOMEM. */
int ef_model_add_zone(struct ef_model *m, const char *name,
		      const char (*ifnames)[EF_IFNAME_LEN], size_t n);
/* The zone an interface is in, or NULL. */
const struct ef_model_zone *ef_model_iface_zone(const struct ef_model *m,
						const char *ifname);

size_t ef_model_elem_count(const struct ef_model *m);
bool ef_rule_equal(const struct ef_rule *a, const struct ef_rule *b);
bool ef_set_equal(const struct ef_set *a, const struct ef_set *b);
bool ef_chain_equal(const struct ef_chain *a, const struct ef_chain *b);
/*
 * Equal as the kernel would run them: rows' texts, counters and the table
 * flags (who owns it: not what it does) are not compared.
 */
bool ef_model_equal(const struct ef_model *a, const struct ef_model *b);

const char *ef_hook_name(enum ef_hook h);
const char *ef_chain_type_name(enum ef_chain_type t);
/* "ip" or "ip6", as nft names the family of NFPROTO_IPV4 or _IPV6. */
const char *ef_family_name(uint8_t nfproto);
const char *ef_verdict_name(enum ef_verdict v);

#endif
