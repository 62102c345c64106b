// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interface addresses read through rtnetlink (libnl-3), for `iface`
 * bindings. Reads only: watching for changes is the daemon's job.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "addr.h"
#include "util.h"

static int to_prefix(struct rtnl_addr *a, struct ef_prefix *p)
{
	struct nl_addr *local = rtnl_addr_get_local(a);
	unsigned int len;

	if (!local || rtnl_addr_get_scope(a) >= RT_SCOPE_LINK)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	len = nl_addr_get_len(local);
	if (rtnl_addr_get_family(a) == AF_INET && len == 4)
		p->family = 4;
	else if (rtnl_addr_get_family(a) == AF_INET6 && len == 16)
		p->family = 6;
	else
		return -EINVAL;
	memcpy(p->lo, nl_addr_get_binary_addr(local), len);
	memcpy(p->hi, p->lo, len);
	return 0;
}

int ef_iface_addrs(void *ctx, const char *ifname, struct ef_prefix **ret,
		   size_t *ret_n)
{
	struct nl_cache *links = NULL, *addrs = NULL;
	struct ef_prefix *v = NULL;
	size_t n = 0, cap = 0;
	struct nl_sock *sk;
	struct nl_object *o;
	int ifindex, err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0 || rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0 ||
	    rtnl_addr_alloc_cache(sk, &addrs) < 0) {
		err = -EIO;
		goto out;
	}
	ifindex = rtnl_link_name2i(links, ifname);
	if (!ifindex) {
		err = -ENODEV;
		goto out;
	}
	for (o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct ef_prefix p;

		if (rtnl_addr_get_ifindex(a) != ifindex || to_prefix(a, &p))
			continue;
		if (ef_grow((void **)&v, &cap, n + 1, sizeof(*v))) {
			err = -ENOMEM;
			goto out;
		}
		v[n++] = p;
	}
	*ret = v;
	*ret_n = n;
	v = NULL;
	err = 0;
out:
	free(v);
	nl_cache_free(addrs);
	nl_cache_free(links);
	nl_socket_free(sk);
	return err;
}
