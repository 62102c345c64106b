/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface addresses through rtnetlink (libnl-3). */
#ifndef EDGEFW_ADDR_H
#define EDGEFW_ADDR_H

#include <stddef.h>

#include "site.h"

/*
 * The addresses `ifname` has now, as host prefixes; link-local ones are
 * left out (no Lync peer talks to them). An ef_iface_addrs_fn; ctx unused.
 * -ENODEV when there is no such interface.
 */
int ef_iface_addrs(void *ctx, const char *ifname, struct ef_prefix **ret,
		   size_t *ret_n);

#endif
