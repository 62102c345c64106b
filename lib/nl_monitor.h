/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables events (NFNLGRP_NFTABLES), read for a reconciler that stays:
 * did anyone touch table inet edgefw, and who committed the last
 * generation. Only the meaning of the messages lives here; when to
 * reconcile is the daemon's decision.
 */
#ifndef EDGEFW_NL_MONITOR_H
#define EDGEFW_NL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "dirty.h"

struct ef_monitor;

/* One generation committed, and what it changed of our table: nothing
 * (another table's commit), or the objects it named. */
struct ef_monitor_gen {
	uint32_t genid;
	struct ef_dirty dirty;
};

/* What one read of the event socket said. */
struct ef_monitor_news {
	bool ours;		/* an object of table inet edgefw changed */
	bool lost;		/* the socket overflowed: anything may have */
	/* "nft[1234]": who committed the last generation seen in this read,
	 * if that was not us (our own process id); "" otherwise. */
	char writer[64];
	/* The generations this read saw committed, oldest first. */
	struct ef_monitor_gen *gens;
	size_t ngens, cap;
};

/* Subscribes to nftables events; nonblocking, close-on-exec. */
int ef_monitor_open(struct ef_monitor **ret);
void ef_monitor_close(struct ef_monitor *mon);
int ef_monitor_fd(const struct ef_monitor *mon);
/*
 * Leaves (mute) or joins again the event group. While the kernel commits a
 * batch, it builds one notification per element for as long as any
 * socket listens (nf_tables_setelem_notify returns early only when
 * !nfnetlink_has_listeners(net, NFNLGRP_NFTABLES)); a reconciler leaves
 * the group around its own commits, so that it neither pays for them nor
 * overflows its socket with them. The group is global to the host, not
 * to the namespace (netlink_has_listeners tests one bitmap per netlink
 * protocol): another listener anywhere still makes the kernel build them.
 * Whoever mutes must find out from the generation id whether someone
 * else committed meanwhile (see ef_reconciler_run). 0 or -errno.
 */
int ef_monitor_mute(struct ef_monitor *mon, bool mute);
/*
 * Reads what is waiting (one recv). 0 with *ret filled (free it with
 * ef_monitor_news_free); -EAGAIN when nothing was; a lost event (or no
 * memory to list it) is reported as ret->lost, not as an error.
 */
int ef_monitor_read(struct ef_monitor *mon, struct ef_monitor_news *ret);
void ef_monitor_news_free(struct ef_monitor_news *news);

#endif
