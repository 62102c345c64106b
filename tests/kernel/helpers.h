/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the kernel tests share: a private namespace, shell commands, and
 * compiling a shipped policy with its example site. */
#ifndef EDGEFW_KERNEL_HELPERS_H
#define EDGEFW_KERNEL_HELPERS_H

#include <stdbool.h>

#include "model.h"
#include "policy.h"
#include "site.h"

/* Skips the test unless root can unshare a network namespace (and, with
 * need_nft, nft is installed); then the test runs in that namespace. */
void kt_private_netns(bool need_nft);
/* Runs a shell command; its exit status, or -1. */
int kt_run(const char *cmd);
/* Compiles ../../policies/POLICY.policy with examples/SITE.site; asserts. */
struct ef_model *kt_compile(const char *policy, const char *site,
			    enum ef_lock lock);

#endif
