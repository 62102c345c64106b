// SPDX-License-Identifier: GPL-2.0-or-later
/* Which features are on, and the site's feature lines held against the
 * policy's declarations. */
#include <errno.h>
#include <string.h>

#include "feature.h"
#include "util.h"

uint32_t ef_features_on(const struct ef_policy *pol,
			const struct ef_site *site)
{
	uint32_t on = pol->nfeatures >= 32 ? UINT32_MAX :
					     (1u << pol->nfeatures) - 1;

	for (size_t i = 0; site && i < site->nfeatures; i++) {
		int f = ef_policy_find_feature(pol, site->features[i].name);

		if (f >= 0 && !site->features[i].on)
			on &= ~(1u << f);
	}
	return on;
}

void ef_features_check(const struct ef_policy *pol,
		       const struct ef_site *site, struct ef_diags *d)
{
	for (size_t i = 0; i < site->nfeatures; i++) {
		const struct ef_site_feature *sf = &site->features[i];
		struct ef_strbuf names = { 0 };

		if (ef_policy_find_feature(pol, sf->name) >= 0)
			continue;
		for (size_t k = 0; k < pol->nfeatures; k++)
			ef_sb_printf(&names, "%s%s", k ? ", " : "",
				     pol->features[k].name);
		if (!pol->nfeatures)
			ef_error(d, &sf->loc,
				 "policy '%s' has no feature '%s': it declares no features",
				 pol->name, sf->name);
		else
			ef_error(d, &sf->loc,
				 "policy '%s' has no feature '%s': its features are %s",
				 pol->name, sf->name,
				 names.buf ? names.buf : "(out of memory)");
		ef_sb_free(&names);
	}
}

int ef_feature_names(const struct ef_policy *pol, uint32_t mask, char **ret)
{
	struct ef_strbuf sb = { 0 };

	*ret = NULL;
	if (!mask)
		return 0;
	for (size_t i = 0; i < pol->nfeatures; i++)
		if (mask & (1u << i))
			ef_sb_printf(&sb, "%s%s", sb.len ? "," : "",
				     pol->features[i].name);
	*ret = ef_sb_steal(&sb);
	return *ret ? 0 : -ENOMEM;
}
