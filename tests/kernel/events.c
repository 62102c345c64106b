// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Events at scale, against the real kernel, each test in a network
 * namespace of its own: a reconciler's own commits reach its event socket
 * not at all (it leaves the group while they commit), and another
 * writer's commit during that time is noticed from the generation.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "helpers.h"
#include "nl_monitor.h"
#include "reconcile.h"

static struct ef_model *unlocked(void)
{
	return kt_compile("edge-single-public", "edge-single-public",
			  EF_LOCK_OFF);
}

/* Everything the socket holds now; *ours: was our table named. */
static unsigned int drain(struct ef_monitor *mon, bool *ours)
{
	struct ef_monitor_news news;
	unsigned int reads = 0;

	*ours = false;
	while (!ef_monitor_read(mon, &news)) {
		cr_assert(!news.lost, "the event socket overflowed");
		*ours = *ours || news.ours;
		reads++;
	}
	return reads;
}

Test(events, own_commits_are_muted)
{
	struct ef_reconcile_report rep;
	struct ef_reconciler r;
	struct ef_monitor *mon;
	struct ef_nl *nl;
	bool ours;

	kt_private_netns(true);
	cr_assert_eq(ef_nl_open(&nl), 0);
	cr_assert_eq(ef_monitor_open(&mon), 0);
	ef_reconciler_init(&r, nl);
	r.events = mon;
	cr_assert_eq(ef_reconciler_run(&r, unlocked(), &rep, NULL), 0);
	cr_assert(rep.created && !rep.unseen);
	cr_assert_eq(drain(mon, &ours), 0, "our own commit came back as events");
	/* Joined again: a stranger's change is seen. */
	cr_assert_eq(kt_run("nft delete element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 443 }'"), 0);
	cr_assert(drain(mon, &ours) > 0 && ours, "deaf after our commit");
	ef_reconciler_fini(&r);
	ef_monitor_close(mon);
	ef_nl_close(nl);
}

Test(events, mute_and_join_again)
{
	struct ef_monitor *mon;
	bool ours;

	kt_private_netns(true);
	cr_assert_eq(ef_monitor_open(&mon), 0);
	cr_assert_eq(ef_monitor_mute(mon, true), 0);
	cr_assert_eq(kt_run("nft add table inet edgefw"), 0);
	cr_assert_eq(drain(mon, &ours), 0, "muted, yet an event came");
	cr_assert_eq(ef_monitor_mute(mon, false), 0);
	cr_assert_eq(kt_run("nft add chain inet edgefw c"), 0);
	cr_assert(drain(mon, &ours) > 0 && ours);
	ef_monitor_close(mon);
}
