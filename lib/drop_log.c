// SPDX-License-Identifier: GPL-2.0-or-later
/* Where the drop log can be read (drop_log.h). */
#include <fcntl.h>
#include <unistd.h>

#include "drop_log.h"

const char *ef_drop_log_where(const char *netfilter, bool logs)
{
	int dir;
	bool initial;

	if (!logs)
		return "off: the site says log = off";
	dir = open(netfilter, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return "unknown: " EF_PROC_NETFILTER " cannot be read";
	initial = !faccessat(dir, "nf_log_all_netns", F_OK, 0);
	close(dir);
	if (initial)
		return "kernel log (dmesg, journalctl -k), prefix \"edgefw drop CHAIN FAMILY: \"";
	return "not visible unless net.netfilter.nf_log_all_netns is 1 in the initial network namespace: edgefwd runs in another network namespace, from which that setting cannot be read";
}
