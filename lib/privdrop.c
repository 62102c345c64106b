// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Giving up root: user and group lookups, then keeping CAP_NET_ADMIN
 * alone. It opens nothing: the daemon does that before calling it.
 */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privdrop.h"

/* Room for one passwd or group entry; groups can list many members. */
#define EF_PWBUF_MIN 1024
#define EF_PWBUF_MAX (1u << 20)

static size_t pwbuf_start(int which)
{
	long n = sysconf(which);

	return n > EF_PWBUF_MIN && n <= EF_PWBUF_MAX ? (size_t)n : EF_PWBUF_MIN;
}

/* getpw*_r and getgr*_r return these (or 0 and no entry) for "no such". */
static int lookup_errno(int rc)
{
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		return -ENOENT;
	return -rc;
}

/* One getpwnam_r or getgrnam_r call into buf; fills the caller's ids. */
struct lookup {
	const char *name;
	uid_t *uid;
	gid_t *gid;
	int (*call)(struct lookup *l, char *buf, size_t len, bool *found);
};

static int call_getpw(struct lookup *l, char *buf, size_t len, bool *found)
{
	struct passwd pw, *p = NULL;
	int rc = getpwnam_r(l->name, &pw, buf, len, &p);

	if (p) {
		*l->uid = pw.pw_uid;
		*l->gid = pw.pw_gid;
	}
	*found = p != NULL;
	return rc;
}

static int call_getgr(struct lookup *l, char *buf, size_t len, bool *found)
{
	struct group gr, *g = NULL;
	int rc = getgrnam_r(l->name, &gr, buf, len, &g);

	if (g)
		*l->gid = gr.gr_gid;
	*found = g != NULL;
	return rc;
}

/* Calls l->call with a buffer that grows while the entry does not fit. */
static int lookup(struct lookup *l, int which)
{
	size_t len = pwbuf_start(which);
	bool found = false;
	char *buf = NULL;
	int rc;

	if (!l->name || !*l->name)
		return -EINVAL;
	for (;;) {
		char *nbuf = realloc(buf, len);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		rc = l->call(l, buf, len, &found);
		if (rc != ERANGE || len >= EF_PWBUF_MAX)
			break;
		len *= 2;
	}
	free(buf);
	return found ? 0 : lookup_errno(rc);
}

int ef_user_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	uid_t u;
	gid_t g;
	struct lookup l = { user, &u, &g, call_getpw };
	int err = lookup(&l, _SC_GETPW_R_SIZE_MAX);

	if (!err) {
		*uid = u;
		*gid = g;
	}
	return err;
}

int ef_group_lookup(const char *group, gid_t *gid)
{
	gid_t g;
	struct lookup l = { group, NULL, &g, call_getgr };
	int err = lookup(&l, _SC_GETGR_R_SIZE_MAX);

	if (!err)
		*gid = g;
	return err;
}

/* libcap-ng returns -1 (or its own step numbers) and may leave errno. */
static int capng_errno(void)
{
	return errno > 0 ? -errno : -EPERM;
}

/*
 * Whether the bounding set holds CAP_NET_ADMIN alone. Read from the
 * kernel: without CAP_SETPCAP some libcap-ng versions leave the set as it
 * was and still report success.
 */
static bool bounding_is_net_admin(void)
{
	for (unsigned long cap = 0;; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0)
			return errno == EINVAL && cap > CAP_NET_ADMIN;
		if (in != (cap == CAP_NET_ADMIN))
			return false;
	}
}

int ef_drop_privileges(uid_t uid, gid_t gid)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (geteuid() != 0)
		return -EPERM;
	if (uid == 0 || gid == 0 || uid == (uid_t)-1 || gid == (gid_t)-1)
		return -EINVAL;

	/*
	 * The bounding set first, while we still have CAP_SETPCAP: libcap-ng's
	 * CAPNG_CLEAR_BOUNDING would empty it entirely, CAP_NET_ADMIN too.
	 */
	errno = 0;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD,
			 CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			 CAP_NET_ADMIN))
		return capng_errno();
	if (capng_apply(CAPNG_SELECT_BOUNDS))
		return capng_errno();
	if (!bounding_is_net_admin())
		return -EPERM;

	/*
	 * Sets the groups, then the uids with PR_SET_KEEPCAPS, holding
	 * CAP_SETUID and CAP_SETGID only as long as it needs them; applies
	 * the sets above (inheritable empty) at the end.
	 */
	errno = 0;
	if (capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP))
		return capng_errno();

	/* Empty already, since the inheritable set is; say so anyway. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;

	/* Trust, but verify: no id may have stayed behind. */
	if (getresuid(&ruid, &euid, &suid) || getresgid(&rgid, &egid, &sgid))
		return -errno;
	if (ruid != uid || euid != uid || suid != uid || rgid != gid ||
	    egid != gid || sgid != gid || getgroups(0, NULL) != 0)
		return -EPERM;
	if (capng_get_caps_process() ||
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) != 1 ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) != 0 ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP) != 0)
		return -EPERM;
	return 0;
}
