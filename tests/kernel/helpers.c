// SPDX-License-Identifier: GPL-2.0-or-later
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "helpers.h"

void kt_private_netns(bool need_nft)
{
	if (geteuid() != 0)
		cr_skip_test("needs root for a network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("cannot unshare a network namespace: %s",
			     strerror(errno));
	if (need_nft && kt_run("command -v nft >/dev/null"))
		cr_skip_test("nft is not installed");
}

int kt_run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct ef_model *kt_compile(const char *policy, const char *site,
			    enum ef_lock lock)
{
	char ppath[256], spath[256];
	struct ef_diags d = { 0 };
	struct ef_policy *pol;
	struct ef_site *s;
	struct ef_model *m = NULL;

	snprintf(ppath, sizeof(ppath), "../../policies/%s.policy", policy);
	snprintf(spath, sizeof(spath), "../../policies/examples/%s.site", site);
	pol = ef_policy_parse(ppath, &d);
	s = ef_site_parse(spath, &d);
	cr_assert(pol && s && !d.errors, "%s + %s do not parse", ppath, spath);
	s->lock = lock;
	cr_assert_eq(ef_compile(pol, s, NULL, &d, &m), 0, "%s does not compile",
		     ppath);
	ef_policy_free(pol);
	ef_site_free(s);
	ef_diags_free(&d);
	return m;
}
