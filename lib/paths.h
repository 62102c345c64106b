/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where an installed edgefw keeps its files: the Makefile passes the
 * directories it installs to, so the defaults match the install. */
#ifndef EDGEFW_PATHS_H
#define EDGEFW_PATHS_H

#ifndef EF_SYSCONFDIR
#define EF_SYSCONFDIR "/etc"
#endif
#ifndef EF_DATADIR
#define EF_DATADIR "/usr/share/edgefw"
#endif

#define EF_SITE_FILE EF_SYSCONFDIR "/edgefw/site.conf"
/* Policies by name: the operator's own, then the shipped ones. */
#define EF_POLICY_DIR_LOCAL EF_SYSCONFDIR "/edgefw/policies"
#define EF_POLICY_DIR_SHIPPED EF_DATADIR "/policies"

#endif
