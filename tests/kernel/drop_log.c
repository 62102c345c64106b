// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel makes net.netfilter.nf_log_all_netns in the initial network
 * namespace only: from a namespace of our own, the drop log is said not
 * to be visible (the initial namespace is never entered here).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "drop_log.h"
#include "helpers.h"

Test(drop_log, not_visible_from_a_network_namespace)
{
	const char *w;

	kt_private_netns(false);
	w = ef_drop_log_where(EF_PROC_NETFILTER, true);
	cr_assert(!strncmp(w, "not visible unless ", 19), "%s", w);
}
