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
		ef_monitor_news_free(&news);
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

/*
 * Drift named by events: a reconciler that stays, the events of a foreign
 * nft command counted into it, then one run that must read back only
 * what they named (rep.partial) and leave the table equal to the model.
 */
struct stay {
	struct ef_nl *nl;
	struct ef_monitor *mon;
	struct ef_reconciler r;
};

static void stay_up(struct stay *s)
{
	struct ef_reconcile_report rep;

	kt_private_netns(true);
	cr_assert_eq(ef_nl_open(&s->nl), 0);
	cr_assert_eq(ef_monitor_open(&s->mon), 0);
	ef_reconciler_init(&s->r, s->nl);
	s->r.events = s->mon;
	cr_assert_eq(ef_reconciler_run(&s->r, unlocked(), &rep, NULL), 0);
}

static void stay_down(struct stay *s)
{
	ef_reconciler_fini(&s->r);
	ef_monitor_close(s->mon);
	ef_nl_close(s->nl);
}

/* Counts every event waiting into the reconciler, as edgefwd does. */
static void count_events(struct stay *s)
{
	struct ef_monitor_news news;

	while (!ef_monitor_read(s->mon, &news)) {
		cr_assert(!news.lost);
		for (size_t i = 0; i < news.ngens; i++)
			ef_reconciler_changed(&s->r, news.gens[i].genid,
					      &news.gens[i].dirty);
		ef_monitor_news_free(&news);
	}
}

static void nft(const char *cmd)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "nft %s", cmd);
	cr_assert_eq(kt_run(buf), 0, "nft %s failed", cmd);
}

/* One recheck: corrected, by the path `partial` says; then in sync. */
static struct ef_reconcile_report fix(struct stay *s, bool partial)
{
	struct ef_reconcile_report rep, again;
	struct ef_model *live = NULL;
	char *why = NULL;

	int err;

	count_events(s);
	err = ef_reconciler_recheck(&s->r, &rep, &why);
	cr_assert_eq(err, 0, "%s: %s", strerror(-err), why ? why : "");
	cr_assert_eq(rep.partial, partial, "read back %s",
		     rep.partial ? "in part" : "whole");
	cr_assert(!ef_delta_size_zero(&rep.sent), "nothing was corrected");
	cr_assert_eq(ef_nl_read(s->nl, &live, NULL), 0);
	cr_assert(ef_model_equal(ef_reconciler_model(&s->r), live),
		  "not corrected");
	ef_model_free(live);
	cr_assert(ef_reconciler_known(&s->r, NULL), "not in sync after it");
	cr_assert_eq(ef_reconciler_recheck(&s->r, &again, NULL), 0);
	cr_assert(again.unchanged);
	return rep;
}

Test(events, element_of_a_hashed_set_by_key)
{
	struct ef_reconcile_report rep;
	struct stay s;

	stay_up(&s);
	nft("delete element inet edgefw g6_front_end '{ 2001:db8:200::10 }'");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.elems_added, 1);
	cr_assert_eq(rep.sent.elems_deleted + rep.sent.rules_added, 0);
	nft("add element inet edgefw g6_front_end '{ 2001:db8:200::99 }'");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.elems_deleted, 1);
	cr_assert_eq(rep.sent.elems_added, 0);
	/* The same key back with other rows: replaced. */
	nft("delete element inet edgefw g6_front_end '{ 2001:db8:200::10 }'");
	nft("add element inet edgefw g6_front_end '{ 2001:db8:200::10 comment \"r99\" }'");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.elems_deleted, 1);
	cr_assert_eq(rep.sent.elems_added, 1);
	stay_down(&s);
}

Test(events, element_of_an_interval_set_reads_that_set)
{
	struct ef_reconcile_report rep;
	struct stay s;

	stay_up(&s);
	nft("delete element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 443 }'");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.elems_added, 1);
	cr_assert_eq(rep.sent.elems_deleted, 0);
	nft("add element inet edgefw g4_front_end '{ 10.9.9.0/24 }'");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.elems_deleted, 1);
	stay_down(&s);
}

Test(events, rules_and_chains)
{
	struct ef_reconcile_report rep;
	struct stay s;

	stay_up(&s);
	nft("chain inet edgefw input '{ policy accept; }'");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.objects, 1);
	nft("insert rule inet edgefw input tcp dport 9 accept");
	rep = fix(&s, true);
	cr_assert_eq(rep.sent.rules_deleted, 1);
	cr_assert_eq(rep.sent.rules_added, 0);
	nft("flush chain inet edgefw output");
	rep = fix(&s, true);
	cr_assert(rep.sent.rules_added > 0);
	nft("delete rule inet edgefw input handle "
	    "$(nft -a list chain inet edgefw input | awk '/accept # handle/ { h = $NF } END { print h }')");
	fix(&s, true);
	stay_down(&s);
}

Test(events, what_it_does_not_read_alone_is_read_whole)
{
	struct stay s;

	stay_up(&s);
	nft("add set inet edgefw odd '{ type ipv4_addr; }'");
	fix(&s, false);
	nft("delete table inet edgefw");
	fix(&s, false);
	stay_down(&s);
}

Test(events, a_commit_not_yet_counted_reads_whole)
{
	struct ef_reconcile_report rep;
	struct stay s;

	stay_up(&s);
	nft("delete element inet edgefw g6_front_end '{ 2001:db8:200::10 }'");
	count_events(&s);
	/* After the events were counted: the generation moved past them. */
	nft("add element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 9 }'");
	cr_assert_eq(ef_reconciler_recheck(&s.r, &rep, NULL), 0);
	cr_assert(!rep.partial);
	cr_assert_eq(rep.sent.elems_added, 1);
	cr_assert_eq(rep.sent.elems_deleted, 1);
	stay_down(&s);
}

Test(events, another_table_keeps_it_known)
{
	struct stay s;

	stay_up(&s);
	count_events(&s);
	nft("add table inet not-ours");
	count_events(&s);
	cr_assert(ef_reconciler_known(&s.r, NULL));
	stay_down(&s);
}

/*
 * A restart trusts the last reconciler's record while the generation is
 * the recorded one (nothing read, nothing sent), and reads once anyone
 * committed since, even to another table.
 */
Test(events, restart_trusts_the_record_while_nobody_committed)
{
	struct ef_reconcile_report rep;
	struct ef_reconciler r2;
	uint32_t genid;
	struct stay s;

	stay_up(&s);
	cr_assert(ef_reconciler_known(&s.r, &genid));
	ef_reconciler_init(&r2, s.nl);
	ef_reconciler_trust(&r2, genid, 0);
	cr_assert_eq(ef_reconciler_run(&r2, unlocked(), &rep, NULL), 0);
	cr_assert(rep.recorded && ef_delta_size_zero(&rep.sent));
	cr_assert(ef_reconciler_known(&r2, NULL));
	ef_reconciler_fini(&r2);

	nft("add table inet not-ours");
	ef_reconciler_init(&r2, s.nl);
	ef_reconciler_trust(&r2, genid, 0);
	cr_assert_eq(ef_reconciler_run(&r2, unlocked(), &rep, NULL), 0);
	cr_assert(!rep.recorded, "trusted a record that a commit outdated");
	ef_reconciler_fini(&r2);
	stay_down(&s);
}
