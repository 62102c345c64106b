/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy + site -> model */
#ifndef EDGEFW_COMPILE_H
#define EDGEFW_COMPILE_H

#include "diag.h"
#include "model.h"
#include "policy.h"
#include "site.h"

/*
 * Fills *ret with the addresses an interface has now (host prefixes,
 * link-local ones left out). Returns 0 or a negative errno; -ENODEV for
 * an interface that does not exist.
 */
typedef int (*ef_iface_addrs_fn)(void *ctx, const char *ifname,
				 struct ef_prefix **ret, size_t *ret_n);

struct ef_compile_opts {
	ef_iface_addrs_fn iface_addrs;	/* NULL: 'iface' bindings are errors */
	void *ctx;
	/*
	 * Who holds the table: a process that exits (edgefwctl) must not
	 * own it, or its ownership would end with it; a reconciler that
	 * stays (edgefwd) owns it as the site's `lock` says.
	 */
	bool transient;
	/* The kernel drops an owned table with its owner (before 6.9):
	 * then `lock = auto` does not own it. */
	bool no_persist;
};

/* Names of the sets and chains the compiler makes. */
#define EF_SET_MGMT4 "mgmt4"
#define EF_SET_MGMT6 "mgmt6"
/* Timed exceptions: runtime sets, ip saddr . ip daddr . meta l4proto .
 * th dport, in input (host mode) or forward (gateway mode). */
#define EF_SET_EX4 "ex4"
#define EF_SET_EX6 "ex6"
#define EF_LOG_PREFIX "edgefw drop "

/*
 * Compiles; on errors (reported on d) returns -EINVAL and no model.
 * Warnings leave a model.
 */
int ef_compile(const struct ef_policy *pol, const struct ef_site *site,
	       const struct ef_compile_opts *opts, struct ef_diags *d,
	       struct ef_model **ret);

/* Lays a field value into a key, in register layout. */
void ef_key_put(const struct ef_set *set, unsigned int idx, uint8_t *key,
		const void *value);

#endif
