/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Giving up root: edgefwd starts as root, opens what it needs, then keeps
 * only CAP_NET_ADMIN (to write its table) and runs as user edgefw.
 */
#ifndef EDGEFW_PRIVDROP_H
#define EDGEFW_PRIVDROP_H

#include <sys/types.h>

/*
 * Looks up `user` (getpwnam_r): its uid and primary group. 0, -ENOENT when
 * there is no such user, -EINVAL for an empty name, or another -errno.
 * The outputs are untouched on failure.
 */
int ef_user_lookup(const char *user, uid_t *uid, gid_t *gid);

/* Looks up `group` (getgrnam_r). Errors as ef_user_lookup. */
int ef_group_lookup(const char *group, gid_t *gid);

/*
 * Becomes uid/gid (real, effective and saved; no supplementary groups)
 * keeping only CAP_NET_ADMIN, effective and permitted. The bounding set is
 * cut down to CAP_NET_ADMIN, the inheritable and ambient sets are emptied,
 * and PR_SET_NO_NEW_PRIVS is set, so nothing executed later can gain more.
 *
 * Capabilities are per thread: call it before starting any thread.
 * Returns 0; -EPERM when not running as root; -EINVAL when uid or gid is
 * root's or -1 (dropping to root would keep root's files); otherwise the
 * -errno of the step that failed, after which the process must exit: it
 * may be left half-way (e.g. with its capabilities already reduced).
 */
int ef_drop_privileges(uid_t uid, gid_t gid);

#endif
