// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The watchers (struct watch): nftables events (anyone touching our
 * table), address changes of the interfaces roles follow (rtnetlink,
 * libnl-3), and the short timer through which both ask for a reconcile.
 * What a message means is lib's (nl_monitor.c); what a reconcile does is
 * enforce.c's.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "daemon.h"
#include "log.h"
#include "nl_monitor.h"
#include "util.h"

#define KICK_DELAY_NS (20 * 1000 * 1000)	/* events come in bursts */

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/*
 * A reconcile soon. A kick already waiting is never pushed back: a writer
 * changing the table every quarter second would otherwise put the
 * correction off for as long as it went on.
 */
void watch_kick(struct daemon *d)
{
	struct itimerspec it = { .it_value = { 0, KICK_DELAY_NS } }, now;
	unsigned int delay = fight_delay(d);

	if (delay)
		it.it_value = (struct timespec){ delay, 0 };
	if (!timerfd_gettime(d->watch.kickfd, &now) &&
	    ns(&now.it_value) && ns(&now.it_value) <= ns(&it.it_value))
		return;
	timerfd_settime(d->watch.kickfd, 0, &it, NULL);
}

void watch_on_kick(struct daemon *d)
{
	loop_drain(d->watch.kickfd);
	/* Every event so far counted: then only what they name is read. */
	watch_catch_up(d);
	if (d->enf.recompile)
		enforce_recompile(d, NULL);
	else
		enforce_reconcile(d, NULL, true, NULL);
}

/* One read of the event socket: -EAGAIN once it is empty. */
static int read_events(struct daemon *d)
{
	struct ef_monitor_news news;
	int err = ef_monitor_read(d->watch.mon, &news);

	if (err)
		return err;
	if (news.writer[0])
		snprintf(d->fight.last_writer, sizeof(d->fight.last_writer),
			 "%s", news.writer);
	/* Another table's commits leave ours as it was; a change of ours
	 * names the objects the next reconcile reads back. */
	for (size_t i = 0; i < news.ngens; i++)
		ef_reconciler_changed(&d->enf.rec, news.gens[i].genid,
				      &news.gens[i].dirty);
	/* Events were lost: we cannot tell what changed. */
	if (news.lost)
		ef_reconciler_forget(&d->enf.rec);
	if (news.lost || news.ours)
		watch_kick(d);
	ef_monitor_news_free(&news);
	return 0;
}

void watch_on_monitor(struct daemon *d)
{
	read_events(d);
}

void watch_catch_up(struct daemon *d)
{
	/* Bounded: a writer committing without pause cannot hold us. */
	for (int i = 0; i < 64 && !read_events(d); i++)
		;
}

static int on_route_msg(struct nl_msg *msg, void *arg)
{
	struct daemon *d = arg;

	d->enf.recompile = true;
	watch_kick(d);
	return NL_OK;
}

void watch_on_rtnl(struct daemon *d)
{
	/* Lost address events: look at them all again. */
	if (nl_recvmsgs_default(d->watch.rtnl) < 0 && errno != EAGAIN) {
		d->enf.recompile = true;
		watch_kick(d);
	}
}

static int open_rtnl(struct daemon *d)
{
	struct nl_sock *sk = nl_socket_alloc();

	d->watch.rtnl = sk;
	if (!sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_route_msg, d);
	if (nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_memberships(sk, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV6_IFADDR, 0) < 0 ||
	    nl_socket_set_nonblocking(sk) < 0)
		return -EIO;
	return loop_add(d, nl_socket_get_fd(sk), TAG_RTNL);
}

int watch_open(struct daemon *d)
{
	int err;

	d->watch.kickfd = timerfd_create(CLOCK_MONOTONIC,
					 TFD_CLOEXEC | TFD_NONBLOCK);
	err = d->watch.kickfd < 0 ? -errno : 0;
	err = err ?: loop_add(d, d->watch.kickfd, TAG_KICK);
	if (err) {
		log_err("cannot make the reconcile timer: %s", strerror(-err));
		return err;
	}
	err = ef_monitor_open(&d->watch.mon);
	err = err ?: loop_add(d, ef_monitor_fd(d->watch.mon), TAG_MON);
	if (err) {
		log_err("cannot subscribe to nftables events: %s",
			strerror(-err));
		return err;
	}
	err = open_rtnl(d);
	if (err)
		log_err("cannot subscribe to address changes (rtnetlink): %s",
			strerror(-err));
	return err;
}

void watch_close(struct daemon *d)
{
	ef_monitor_close(d->watch.mon);
	nl_socket_free(d->watch.rtnl);
}
