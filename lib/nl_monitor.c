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
#include "util.h"
#include "nl_monitor.h"

struct ef_monitor {
	struct mnl_socket *sock;
	uint32_t self;		/* our process id: our own commits */
	/* Since the last new generation: the objects of our table that
	 * changed, or the table when events were lost (anything may have). */
	struct ef_dirty cur;
};

int ef_monitor_open(struct ef_monitor **ret)
{
	/* A burst of events (a large foreign commit) must not overflow it. */
	int bufsize = 1 << 20, err;
	struct ef_monitor *mon = calloc(1, sizeof(*mon));

	if (!mon)
		return -ENOMEM;
	/*
	 * Nothing is assumed dirty: the events of a commit we joined in the
	 * middle of are of a generation the reconciler's first read already
	 * takes in, and it ignores generations it has taken in.
	 */
	mon->self = (uint32_t)getpid();
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
	ef_dirty_clear(&mon->cur);
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

/* A string attribute of the message, or NULL. */
static const char *attr_str(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == type &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	return NULL;
}

/* Every nf_tables object names its table in attribute 1. */
static bool about_our_table(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const char *table = attr_str(nlh, 1);

	return g->nfgen_family == NFPROTO_INET && table &&
	       !strcmp(table, EF_TABLE);
}

/* The elements an element event carries, by key; one without a key (a
 * catch-all) makes the whole set to be read. */
static void elem_keys(struct ef_dirty *d, const struct nlmsghdr *nlh,
		      const char *set)
{
	const struct nlattr *a, *el, *k, *v;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			const struct nlattr *key = NULL;

			mnl_attr_for_each_nested(k, el)
				if (mnl_attr_get_type(k) == NFTA_SET_ELEM_KEY)
					key = k;
			v = NULL;
			if (key)
				mnl_attr_for_each_nested(k, key)
					if (mnl_attr_get_type(k) == NFTA_DATA_VALUE)
						v = k;
			if (v)
				ef_dirty_key(d, set, mnl_attr_get_payload(v),
					     mnl_attr_get_payload_len(v));
			else
				ef_dirty_object(d, false, set);
		}
	}
}

/* An event about our table: which object it names. */
static void note_object(struct ef_monitor *mon, const struct nlmsghdr *nlh)
{
	const char *name = NULL;
	bool chain = true;

	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
		name = attr_str(nlh, NFTA_CHAIN_NAME);
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		name = attr_str(nlh, NFTA_RULE_CHAIN);
		break;
	case NFT_MSG_NEWSET:
	case NFT_MSG_DELSET:
		name = attr_str(nlh, NFTA_SET_NAME);
		chain = false;
		break;
	case NFT_MSG_NEWSETELEM:
	case NFT_MSG_DELSETELEM:
		name = attr_str(nlh, NFTA_SET_ELEM_LIST_SET);
		if (name) {
			elem_keys(&mon->cur, nlh, name);
			return;
		}
		break;
	}
	if (name)
		ef_dirty_object(&mon->cur, chain, name);
	else
		ef_dirty_table(&mon->cur);	/* the table, or a kind we do
						 * not read alone */
}

/*
 * A new generation names the process that made it: remember strangers.
 * It closes a transaction: what of our table was in it?
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
	if (!has_id)
		return;
	if (ef_grow((void **)&news->gens, &news->cap, news->ngens + 1,
		    sizeof(*news->gens))) {
		news->lost = true;	/* it cannot be listed */
		return;
	}
	news->gens[news->ngens].genid = genid;
	news->gens[news->ngens].dirty = mon->cur;	/* moved */
	news->ngens++;
	memset(&mon->cur, 0, sizeof(mon->cur));
}

void ef_monitor_news_free(struct ef_monitor_news *news)
{
	for (size_t i = 0; i < news->ngens; i++)
		ef_dirty_clear(&news->gens[i].dirty);
	free(news->gens);
	memset(news, 0, sizeof(*news));
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
		ef_dirty_table(&mon->cur);
		return 0;
	}
	if (n < 0)
		return -errno;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN) {
			new_generation(mon, nlh, ret);
		} else if (about_our_table(nlh)) {
			ret->ours = true;
			note_object(mon, nlh);
		}
	}
	return 0;
}
