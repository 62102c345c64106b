// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dropping privileges for real: each test runs in a process of its own
 * (Criterion forks one per test), which becomes nobody keeping only
 * CAP_NET_ADMIN, and is then examined through /proc/self/status and by
 * what it can and cannot do. Needs root.
 */
#include <cap-ng.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model.h"
#include "nl.h"
#include "privdrop.h"

#define NET_ADMIN_ONLY "0000000000001000"	/* 1 << CAP_NET_ADMIN (12) */
#define NONE "0000000000000000"

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to drop privileges");
}

/* The value of `key` in /proc/self/status, tabs and all (caller frees). */
static char *status_field(const char *key)
{
	char line[512], *val = NULL;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	cr_assert_not_null(f, "/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		line[strcspn(line, "\n")] = '\0';
		val = strdup(line + klen + 1 + strspn(line + klen + 1, "\t "));
		break;
	}
	fclose(f);
	cr_assert_not_null(val, "no %s in /proc/self/status", key);
	return val;
}

static void expect_status(const char *key, const char *want)
{
	char *val = status_field(key);

	cr_assert_str_eq(val, want, "%s is \"%s\", not \"%s\"", key, val, want);
	free(val);
}

static void expect_ids(uid_t uid, gid_t gid)
{
	char want[128];

	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned int)uid,
		 (unsigned int)uid, (unsigned int)uid, (unsigned int)uid);
	expect_status("Uid", want);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned int)gid,
		 (unsigned int)gid, (unsigned int)gid, (unsigned int)gid);
	expect_status("Gid", want);
}

static void expect_net_admin_only(void)
{
	expect_status("CapEff", NET_ADMIN_ONLY);
	expect_status("CapPrm", NET_ADMIN_ONLY);
	expect_status("CapBnd", NET_ADMIN_ONLY);
	expect_status("CapInh", NONE);
	expect_status("CapAmb", NONE);
	expect_status("NoNewPrivs", "1");
}

static void nobody(uid_t *uid, gid_t *gid)
{
	int err = ef_user_lookup("nobody", uid, gid);

	if (err == -ENOENT)
		cr_skip_test("there is no user nobody");
	cr_assert_eq(err, 0, "ef_user_lookup(nobody): %s", strerror(-err));
	cr_assert_neq(*uid, 0);
	cr_assert_neq(*gid, 0);
}

/*
 * SO_SNDBUFFORCE is refused without CAP_NET_ADMIN (in the socket's user
 * namespace, here the initial one): the capability is effective.
 */
static void expect_net_admin_works(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	int size = 1 << 20;

	cr_assert_geq(fd, 0, "netlink socket: %s", strerror(errno));
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size,
				sizeof(size)),
		     0, "SO_SNDBUFFORCE: %s", strerror(errno));
	close(fd);
}

Test(privdrop, lookups)
{
	uid_t uid = 4242;
	gid_t gid = 4242;

	cr_assert_eq(ef_user_lookup("root", &uid, &gid), 0);
	cr_assert_eq(uid, 0);
	cr_assert_eq(gid, 0);
	cr_assert_eq(ef_group_lookup("root", &gid), 0);
	cr_assert_eq(gid, 0);

	uid = 4242;
	gid = 4242;
	cr_assert_eq(ef_user_lookup("edgefw-no-such-user", &uid, &gid),
		     -ENOENT);
	cr_assert_eq(ef_group_lookup("edgefw-no-such-group", &gid), -ENOENT);
	cr_assert_eq(ef_user_lookup("", &uid, &gid), -EINVAL);
	cr_assert_eq(ef_group_lookup("", &gid), -EINVAL);
	cr_assert_eq(uid, 4242, "clobbered on failure");
	cr_assert_eq(gid, 4242, "clobbered on failure");
}

Test(privdrop, keeps_only_net_admin)
{
	uid_t uid;
	gid_t gid;
	int err;

	need_root();
	nobody(&uid, &gid);
	cr_assert_eq(setgroups(1, &(gid_t){ 0 }), 0);

	err = ef_drop_privileges(uid, gid);
	cr_assert_eq(err, 0, "ef_drop_privileges: %s", strerror(-err));

	expect_net_admin_only();
	expect_ids(uid, gid);
	expect_status("Groups", "");
	expect_net_admin_works();

	/* No way back, and nothing root could read. */
	cr_assert_eq(setresuid(0, 0, 0), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(setresgid(0, 0, 0), -1);
	cr_assert_eq(setgroups(0, NULL), -1);
	cr_assert_eq(open("/etc/shadow", O_RDONLY | O_CLOEXEC), -1);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), -1,
		     "no_new_privs can be unset");
}

/* What edgefwd does with it: write its table after the drop. */
Test(privdrop, writes_the_table_after_dropping)
{
	struct ef_model *empty = ef_model_new(), *live = NULL;
	struct ef_nl *nl = NULL;
	char *why = NULL;
	uid_t uid;
	gid_t gid;
	int err;

	need_root();
	nobody(&uid, &gid);
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("cannot unshare a network namespace: %s",
			     strerror(errno));
	cr_assert_not_null(empty);
	cr_assert_eq(ef_drop_privileges(uid, gid), 0);

	err = ef_nl_open(&nl);
	cr_assert_eq(err, 0, "ef_nl_open: %s", strerror(-err));
	err = ef_nl_replace(nl, empty, &why);
	cr_assert_eq(err, 0, "ef_nl_replace: %s (%s)", strerror(-err),
		     why ? why : "");
	err = ef_nl_read(nl, &live, &why);
	cr_assert_eq(err, 0, "ef_nl_read: %s (%s)", strerror(-err),
		     why ? why : "");
	cr_assert_eq(live->nsets, 0);
	cr_assert_eq(live->nchains, 0);
	ef_model_free(live);
	ef_model_free(empty);
	ef_nl_close(nl);
	free(why);
}

Test(privdrop, second_drop_fails_cleanly)
{
	uid_t uid;
	gid_t gid;

	need_root();
	nobody(&uid, &gid);
	cr_assert_eq(ef_drop_privileges(uid, gid), 0);

	cr_assert_eq(ef_drop_privileges(0, 0), -EPERM);
	cr_assert_eq(ef_drop_privileges(uid, gid), -EPERM);
	expect_net_admin_only();
	expect_ids(uid, gid);
	expect_net_admin_works();
}

Test(privdrop, refuses_to_drop_to_root)
{
	char *eff;

	need_root();
	eff = status_field("CapEff");
	cr_assert_eq(ef_drop_privileges(0, 0), -EINVAL);
	cr_assert_eq(ef_drop_privileges(0, 65534), -EINVAL);
	cr_assert_eq(ef_drop_privileges(65534, 0), -EINVAL);
	cr_assert_eq(ef_drop_privileges((uid_t)-1, 65534), -EINVAL);
	cr_assert_eq(ef_drop_privileges(65534, (gid_t)-1), -EINVAL);
	expect_status("CapEff", eff);
	expect_ids(0, 0);
	free(eff);
}

/* Root by uid but without the capabilities to change it: an error. */
Test(privdrop, fails_cleanly_without_setuid)
{
	uid_t uid;
	gid_t gid;
	int err;

	need_root();
	nobody(&uid, &gid);
	cr_assert_eq(capng_get_caps_process(), 0);
	cr_assert_eq(capng_updatev(CAPNG_DROP,
				   CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				   CAP_SETUID, CAP_SETGID, CAP_SETPCAP, -1),
		     0);
	cr_assert_eq(capng_apply(CAPNG_SELECT_CAPS), 0);

	err = ef_drop_privileges(uid, gid);
	cr_assert_lt(err, 0);
	cr_assert_eq(geteuid(), 0, "the uid changed nonetheless");
}

/* Gives this root process the capabilities `...` (a -1-terminated list). */
static void root_with(unsigned int cap, ...)
{
	va_list ap;

	capng_clear(CAPNG_SELECT_BOTH);
	va_start(ap, cap);
	for (; cap != (unsigned int)-1; cap = va_arg(ap, unsigned int))
		cr_assert_eq(capng_update(CAPNG_ADD,
					  CAPNG_EFFECTIVE | CAPNG_PERMITTED |
						  CAPNG_BOUNDING_SET,
					  cap),
			     0);
	va_end(ap);
	cr_assert_eq(capng_apply(CAPNG_SELECT_BOTH), 0);
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
}

/* As packaging/edgefwd.service starts it: root, with these and no more. */
Test(privdrop, from_the_service_capabilities)
{
	uid_t uid;
	gid_t gid;
	int err;

	need_root();
	nobody(&uid, &gid);
	root_with(CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_CHOWN,
		  CAP_SETPCAP, -1);
	cr_assert_eq(setresgid(gid, gid, gid), 0, "Group=");

	err = ef_drop_privileges(uid, gid);
	cr_assert_eq(err, 0, "ef_drop_privileges: %s", strerror(-err));
	expect_net_admin_only();
	expect_ids(uid, gid);
	expect_net_admin_works();
}

/* Without CAP_SETPCAP the bounding set cannot shrink: refused, still root. */
Test(privdrop, needs_setpcap)
{
	uid_t uid;
	gid_t gid;

	need_root();
	nobody(&uid, &gid);
	root_with(CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_CHOWN, -1);
	cr_assert_eq(ef_drop_privileges(uid, gid), -EPERM);
	expect_ids(0, 0);
}
