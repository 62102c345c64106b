/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Features: parts of a scenario (XMPP federation, OCS 2007 federation,
 * ...) that the policy declares and tags rows with, and that a site turns
 * off by name. The one place that decides whether a row is on.
 */
#ifndef EDGEFW_FEATURE_H
#define EDGEFW_FEATURE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"
#include "site.h"

/* A row is on when it is a core row (no feature) or any of its features
 * is on: a row two features need stays while either is on. */
static inline bool ef_row_on(const struct ef_prow *row, uint32_t on_mask)
{
	return !row->features || (row->features & on_mask);
}

/*
 * The mask of the policy's features that are on: every declared one
 * unless the site says `feature NAME = off` (site NULL: all on). Names
 * the policy does not declare are ef_features_check's to refuse.
 */
uint32_t ef_features_on(const struct ef_policy *pol,
			const struct ef_site *site);

/*
 * Every `feature NAME = ...` line of the site names a feature of the
 * policy; an error at the line otherwise (fail closed: a typo must not
 * leave open what the operator believes is off).
 */
void ef_features_check(const struct ef_policy *pol,
		       const struct ef_site *site, struct ef_diags *d);

/*
 * The names of the features in `mask`, comma-separated, in declaration
 * order ("sip-federation,pic"), in *ret; NULL for 0 (a core row).
 * 0 or -ENOMEM.
 */
int ef_feature_names(const struct ef_policy *pol, uint32_t mask, char **ret);

#endif
