/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one load step of both programs: a policy file and a site file (and
 * the addresses of the interfaces the site names) -> a model.
 */
#ifndef EDGEFW_LOAD_H
#define EDGEFW_LOAD_H

#include <stdbool.h>

#include "compile.h"

struct ef_load_opts {
	const char *policy;	/* the policy's file */
	const char *site;	/* NULL: the policy alone is parsed */
	/* The caller exits after applying (edgefwctl): never own the
	 * table. Else it is owned as the site's `lock` says. */
	bool transient;
	/*
	 * The model is for this machine (edgefwctl apply, edgefwd): warn of
	 * zone interfaces it does not have and, in host mode, of address
	 * roles' addresses it does not have (host.h). Off for what may run
	 * elsewhere (check, compile).
	 */
	bool check_host;
};

struct ef_loaded {
	struct ef_policy *policy;
	struct ef_site *site;	/* NULL without a site */
	struct ef_model *model;	/* NULL without a site */
};

/*
 * Parses both files and compiles (and with check_host, compares the site
 * with this machine: warnings only). Every diagnostic goes on d. 0 with all
 * of *ret; -EINVAL when d holds errors; -ENOMEM. On failure *ret is empty.
 */
int ef_load(const struct ef_load_opts *opts, struct ef_diags *d,
	    struct ef_loaded *ret);
void ef_loaded_free(struct ef_loaded *l);

#endif
