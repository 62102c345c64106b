/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Gateway NAT: the site's `ADDR public ADDR` mappings -> two maps, two nat
 * chains and the hairpin set of table inet edgefw. Part of the compile.
 */
#ifndef EDGEFW_NAT_H
#define EDGEFW_NAT_H

#include "diag.h"
#include "model.h"
#include "policy.h"
#include "site.h"

#define EF_SET_DNAT4 "nat_dnat4"	/* public -> private */
#define EF_SET_SNAT4 "nat_snat4"	/* private -> public */
#define EF_SET_HAIRPIN4 "hairpin4"
/* The zone of the Edge's internal interface: NAT is never done there. */
#define EF_ZONE_INTERNAL "internal"

/*
 * Refuses the mappings Lync forbids, each at its address: in host mode, on
 * a group, on a role of the internal zone, on a role the policy says
 * `no-nat` for, on a private address another role has too. Reports on d.
 */
void ef_nat_check(const struct ef_policy *pol, const struct ef_site *site,
		  struct ef_diags *d);

/* Whether the compile of pol and site translates any address. */
bool ef_nat_on(const struct ef_policy *pol, const struct ef_site *site);

/*
 * The maps and the hairpin set, when ef_nat_on(): 0, -ENOMEM, or -E2BIG
 * when the hairpin set would pass `max` elements.
 */
int ef_nat_sets(const struct ef_policy *pol, const struct ef_site *site,
		size_t max, struct ef_model *m);
/* The forward rule that admits hairpinned traffic (see nat.c). */
int ef_nat_forward_rule(struct ef_chain *fwd);
/* The nat chains prerouting and postrouting, one map lookup each. */
int ef_nat_chains(struct ef_model *m);

#endif
