/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A parsed site file: this machine's mode, zones, role bindings, settings. */
#ifndef EDGEFW_SITE_H
#define EDGEFW_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "lex.h"
#include "model.h"
#include "policy.h"

/* An address or CIDR, or an address range (group files may hold either). */
struct ef_prefix {
	uint8_t family;			/* 4 or 6 */
	uint8_t lo[16], hi[16];		/* inclusive, network order */
	struct ef_loc loc;
};

/*
 * What a role is bound to: addresses (and interfaces), `none` (a role this
 * machine does not have, a group of no one) or `any` (a group: every peer).
 */
enum ef_bind_kind { EF_BIND_ADDRS, EF_BIND_IFACE, EF_BIND_NONE, EF_BIND_ANY };

/*
 * `ADDR public ADDR`: in gateway mode the gateway translates this private
 * IPv4 address to that public one, both ways, 1:1 (no two mappings share
 * either address). The private address is also one of the binding's
 * prefixes: the filter rows match it, after the translation.
 */
struct ef_nat_map {
	uint8_t priv[4], pub[4];	/* network order */
	struct ef_loc priv_loc, pub_loc;
};

struct ef_binding {
	char name[EF_ROLE_MAX];
	struct ef_loc loc;
	enum ef_bind_kind kind;
	struct ef_prefix *prefixes;
	size_t nprefixes, prefixes_cap;
	char **ifaces;			/* EF_BIND_IFACE */
	size_t nifaces;
	struct ef_nat_map *nat;		/* its addresses with `public` */
	size_t nnat, nat_cap;
};

struct ef_zone_bind {
	char name[EF_ROLE_MAX];
	struct ef_loc loc;
	char (*ifnames)[EF_IFNAME_LEN];
	struct ef_loc *ifname_locs;	/* where each name was written */
	size_t nifnames;
};

enum ef_mode { EF_MODE_HOST, EF_MODE_GATEWAY };

/* lock: own the table while the reconciler runs (needs persist, 6.9+). */
enum ef_lock { EF_LOCK_AUTO, EF_LOCK_ON, EF_LOCK_OFF };

struct ef_site {
	enum ef_mode mode;
	enum ef_lock lock;
	struct ef_zone_bind *zones;
	size_t nzones, zones_cap;
	struct ef_binding *binds;
	size_t nbinds, binds_cap;
	bool management_set;		/* said, even if "none" */
	struct ef_binding management;
	uint16_t management_port;
	enum ef_verdict output_policy;
	uint32_t log_rate;		/* per log_unit seconds; 0 = off */
	uint64_t log_unit;
	uint64_t max_elements;
	struct ef_loc max_elements_loc;	/* where it was set, if it was */
	unsigned int interval;		/* edgefwd: seconds between reconciles */
	unsigned int exception_max;	/* edgefwd: the longest timed exception,
					 * in seconds */
	char policy[EF_ROLE_MAX];	/* the policy to enforce; "" = not said */
	struct ef_loc policy_loc;
	/*
	 * The site's own rows (`zone NAME { rows }`): the machine's needs
	 * the policy does not list. Each id is 1-based in the site's order;
	 * compiled, a row is numbered after the policy's (its row count +
	 * id) and named by the site's file:line. Ends are `self`, `any`, a
	 * role of the policy or addresses (from_addrs, to_addrs); zone and
	 * roles are checked against the policy when compiling.
	 */
	struct ef_prow *rows;
	size_t nrows, rows_cap;
	struct ef_sources sources;
};

#define EF_DEFAULT_MAX_ELEMENTS 1000000u
#define EF_GROUP_FILE_MAX_ENTRIES 1000000u

/*
 * Returns a tree even when it found errors (so that every error of a run
 * is reported); the caller checks d->errors.
 */
struct ef_site *ef_site_parse(const char *path, struct ef_diags *d);
void ef_site_free(struct ef_site *s);
const struct ef_binding *ef_site_find(const struct ef_site *s,
				      const char *name);
const struct ef_zone_bind *ef_site_find_zone(const struct ef_site *s,
					     const char *name);

/*
 * Parses "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". Host bits set under
 * the prefix length are an error: the operator meant something else.
 * Returns 0 or a negative errno with a message in `why` (static text).
 */
int ef_prefix_parse(const char *s, struct ef_prefix *ret, const char **why);

/*
 * The name the site's `policy = NAME` line gives (the last one; the parser
 * refuses a second), read without parsing the rest (group files are not
 * read). 0; -ENOENT when it has none; -EINVAL when the file cannot be read,
 * said on `why` (if not NULL): only such whole-file refusals, the lines
 * are the parser's to judge.
 */
int ef_site_policy(const char *path, char ret[EF_ROLE_MAX],
		   struct ef_diags *why);

#endif
