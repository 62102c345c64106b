// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The site against the live machine: interfaces and addresses it names
 * that this machine does not have. Only warns: `edgefwctl check` may run
 * on another machine, and an interface may come later.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "util.h"

static bool has_ifname(const struct ef_host *h, const char *name)
{
	for (size_t i = 0; i < h->nifnames; i++)
		if (!strcmp(h->ifnames[i], name))
			return true;
	return false;
}

static int add_ifname(struct ef_host *h, size_t *cap, const char *name)
{
	if (has_ifname(h, name))
		return 0;
	if (ef_grow((void **)&h->ifnames, cap, h->nifnames + 1,
		    sizeof(*h->ifnames)))
		return -ENOMEM;
	snprintf(h->ifnames[h->nifnames++], EF_IFNAME_LEN, "%s", name);
	return 0;
}

static int add_addr(struct ef_host *h, size_t *cap, const struct sockaddr *sa)
{
	struct ef_prefix p = { 0 };

	if (sa->sa_family == AF_INET) {
		p.family = 4;
		memcpy(p.lo, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		p.family = 6;
		memcpy(p.lo, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return 0;	/* the link itself (AF_PACKET) */
	}
	memcpy(p.hi, p.lo, sizeof(p.lo));
	if (ef_grow((void **)&h->addrs, cap, h->naddrs + 1, sizeof(p)))
		return -ENOMEM;
	h->addrs[h->naddrs++] = p;
	return 0;
}

int ef_host_read(struct ef_host *ret)
{
	struct ef_host h = { 0 };
	size_t names_cap = 0, addrs_cap = 0;
	struct ifaddrs *all, *ifa;
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	if (getifaddrs(&all) < 0)
		return -errno;
	/* Every link has an entry of its own, with or without addresses. */
	for (ifa = all; ifa && !err; ifa = ifa->ifa_next) {
		err = add_ifname(&h, &names_cap, ifa->ifa_name);
		if (!err && ifa->ifa_addr)
			err = add_addr(&h, &addrs_cap, ifa->ifa_addr);
	}
	freeifaddrs(all);
	if (err) {
		ef_host_free(&h);
		return err;
	}
	*ret = h;
	return 0;
}

void ef_host_free(struct ef_host *h)
{
	free(h->ifnames);
	free(h->addrs);
	memset(h, 0, sizeof(*h));
}

/* Does the machine have an address in [p->lo, p->hi]? */
static bool has_addr_in(const struct ef_host *h, const struct ef_prefix *p)
{
	size_t len = p->family == 4 ? 4 : 16;

	for (size_t i = 0; i < h->naddrs; i++) {
		const struct ef_prefix *a = &h->addrs[i];

		if (a->family == p->family && memcmp(a->lo, p->lo, len) >= 0 &&
		    memcmp(a->lo, p->hi, len) <= 0)
			return true;
	}
	return false;
}

/* A prefix as it was written: "192.0.2.1", "192.0.2.0/24". */
static void prefix_text(const struct ef_prefix *p, char *buf, size_t size)
{
	unsigned int bits = p->family == 4 ? 32 : 128, plen = 0;
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->lo, addr,
		  sizeof(addr));
	while (plen < bits &&
	       !((p->lo[plen / 8] ^ p->hi[plen / 8]) & (0x80u >> (plen % 8))))
		plen++;
	if (plen == bits)
		snprintf(buf, size, "%s", addr);
	else
		snprintf(buf, size, "%s/%u", addr, plen);
}

static void check_zones(const struct ef_policy *pol, const struct ef_site *site,
			const struct ef_host *host, struct ef_diags *d)
{
	for (size_t i = 0; i < pol->nzones; i++) {
		const char *zone = pol->zones[i].name;
		const struct ef_zone_bind *z = ef_site_find_zone(site, zone);

		for (size_t k = 0; z && k < z->nifnames; k++) {
			if (has_ifname(host, z->ifnames[k]))
				continue;
			ef_warn(d, &z->ifname_locs[k],
				"this machine has no interface '%s': the rows of zone '%s' will not match on it until it appears",
				z->ifnames[k], zone);
		}
	}
}

/* Host mode: the address roles are this machine's own addresses. */
static void check_addresses(const struct ef_policy *pol,
			    const struct ef_site *site,
			    const struct ef_host *host, struct ef_diags *d)
{
	for (size_t i = 0; i < pol->nroles; i++) {
		const struct ef_role *r = &pol->roles[i];
		const struct ef_binding *b = ef_site_find(site, r->name);

		if (r->kind != EF_ROLE_ADDRESS || !b || b->kind != EF_BIND_ADDRS)
			continue;
		for (size_t k = 0; k < b->nprefixes; k++) {
			struct ef_prefix pfx;
			const struct ef_prefix *p = &pfx;
			char text[INET6_ADDRSTRLEN + 5];

			ef_binding_prefix(b, k, &pfx);
			if (has_addr_in(host, p))
				continue;
			prefix_text(p, text, sizeof(text));
			ef_warn(d, &p->loc,
				"this machine has no address %s%s: the rows of '%s' will not match it until it does",
				strchr(text, '/') ? "in " : "", text, r->name);
		}
	}
}

void ef_host_check(const struct ef_policy *pol, const struct ef_site *site,
		   const struct ef_host *host, struct ef_diags *d)
{
	check_zones(pol, site, host, d);
	if (site->mode == EF_MODE_HOST)
		check_addresses(pol, site, host, d);
}
