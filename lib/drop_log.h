/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where what the drop rules log can be read. The kernel writes it to its
 * own log; but from a network namespace other than the initial one only
 * if net.netfilter.nf_log_all_netns is 1 in the initial one. The kernel
 * makes that setting in the initial namespace alone (no other one's
 * /proc/sys/net/netfilter has it), so whether it is there tells where the
 * asker runs, with no privilege; from another namespace its value cannot
 * be read.
 */
#ifndef EDGEFW_DROP_LOG_H
#define EDGEFW_DROP_LOG_H

#include <stdbool.h>

#define EF_PROC_NETFILTER "/proc/sys/net/netfilter"

/*
 * One line for people, for a ruleset that logs drops (`logs`) or not, as
 * the directory `netfilter` (EF_PROC_NETFILTER; tests give another) shows
 * it: where the log goes, "not visible unless ...", "off ..." or
 * "unknown ...". Static text.
 */
const char *ef_drop_log_where(const char *netfilter, bool logs);

#endif
