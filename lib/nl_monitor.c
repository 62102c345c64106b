// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftables events -> "our table changed", "events were lost", "who
 * committed". Parses messages; never reconciles, never logs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>

#include "model.h"
#include "nl_monitor.h"

struct ef_monitor {
	struct mnl_socket *sock;
	uint32_t self;		/* our process id: our own commits */
	/* Since the last new generation: an object of our table changed,
	 * or events were lost (so it may have). */
	bool touched;
};

int ef_monitor_open(struct ef_monitor **ret)
{
	/* A burst of events (a large foreign commit) must not overflow it. */
	int bufsize = 1 << 20, err;
	struct ef_monitor *mon = calloc(1, sizeof(*mon));

	if (!mon)
		return -ENOMEM;
	mon->self = (uint32_t)getpid();
	mon->touched = true;	/* what came before we listened is unknown */
	mon->sock = mnl_socket_open2(NETLINK_NETFILTER,
				     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!mon->sock || mnl_socket_bind(mon->sock,
					  1 << (NFNLGRP_NFTABLES - 1),
					  MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		ef_monitor_close(mon);
		return err;
	}
	setsockopt(mnl_socket_get_fd(mon->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		   &bufsize, sizeof(bufsize));
	*ret = mon;
	return 0;
}

void ef_monitor_close(struct ef_monitor *mon)
{
	if (!mon)
		return;
	if (mon->sock)
		mnl_socket_close(mon->sock);
	free(mon);
}

int ef_monitor_mute(struct ef_monitor *mon, bool mute)
{
	int group = NFNLGRP_NFTABLES;

	if (setsockopt(mnl_socket_get_fd(mon->sock), SOL_NETLINK,
		       mute ? NETLINK_DROP_MEMBERSHIP : NETLINK_ADD_MEMBERSHIP,
		       &group, sizeof(group)) < 0)
		return -errno;
	return 0;
}

int ef_monitor_fd(const struct ef_monitor *mon)
{
	return mnl_socket_get_fd(mon->sock);
}

/* Every nf_tables object names its table in attribute 1. */
static bool about_our_table(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (g->nfgen_family != NFPROTO_INET)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*g))
		if (mnl_attr_get_type(a) == 1 &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return !strcmp(mnl_attr_get_str(a), EF_TABLE);
	return false;
}

/*
 * A new generation names the process that made it: remember strangers.
 * It closes a transaction: was our table in it?
 */
static void new_generation(struct ef_monitor *mon, const struct nlmsghdr *nlh,
			   struct ef_monitor_news *news)
{
	const struct nlattr *a;
	const char *name = "?";
	uint32_t pid = 0, genid = 0;
	bool has_id = false;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_GEN_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			genid = ntohl(mnl_attr_get_u32(a));
			has_id = true;
		}
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			pid = ntohl(mnl_attr_get_u32(a));
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
	}
	if (pid && pid != mon->self)
		snprintf(news->writer, sizeof(news->writer), "%s[%u]", name,
			 pid);
	if (has_id && !mon->touched) {
		if (news->n_quiet < sizeof(news->quiet) / sizeof(news->quiet[0]))
			news->quiet[news->n_quiet] = genid;
		news->n_quiet++;
	}
	mon->touched = false;
}

int ef_monitor_read(struct ef_monitor *mon, struct ef_monitor_news *ret)
{
	char buf[32768];
	ssize_t n = mnl_socket_recvfrom(mon->sock, buf, sizeof(buf));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int len = (int)n;

	memset(ret, 0, sizeof(*ret));
	if (n < 0 && errno == ENOBUFS) {
		ret->lost = true;
		mon->touched = true;
		return 0;
	}
	if (n < 0)
		return -errno;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN) {
			new_generation(mon, nlh, ret);
		} else if (about_our_table(nlh)) {
			ret->ours = true;
			mon->touched = true;
		}
	}
	return 0;
}
