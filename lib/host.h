/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live machine, checked where it matters: a zone interface this
 * machine does not have, or (host mode) an address role's address it does
 * not have, compiles to rows that silently never match. Warnings, not
 * errors: interfaces and addresses can appear later.
 */
#ifndef EDGEFW_HOST_H
#define EDGEFW_HOST_H

#include <stddef.h>

#include "diag.h"
#include "policy.h"
#include "site.h"

/* What this machine has now. */
struct ef_host {
	char (*ifnames)[EF_IFNAME_LEN];	/* every interface, up or down */
	size_t nifnames;
	struct ef_prefix *addrs;	/* every address, as a host prefix */
	size_t naddrs;
};

/* Reads the interfaces and addresses of this network namespace. 0 or a
 * negative errno; on failure *ret is empty. */
int ef_host_read(struct ef_host *ret);
void ef_host_free(struct ef_host *h);

/*
 * Warns on d, at the line of the site that names it, of every interface
 * of a zone the policy uses that `host` lacks and, in host mode, of every
 * address of an address role that is not among `host`'s (a network:
 * holding none of them). Reads nothing but its arguments.
 */
void ef_host_check(const struct ef_policy *pol, const struct ef_site *site,
		   const struct ef_host *host, struct ef_diags *d);

#endif
