// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwd: keeps table inet edgefw equal to the active policy.
 *
 * Starts as root: reads the site and the active policy, opens its netlink
 * sockets and binds the control socket, then keeps only CAP_NET_ADMIN as
 * user edgefw. One event loop: a periodic timer, nftables events (anyone
 * touching our table), address changes (rtnetlink), the control socket and
 * signals (TERM: exit leaving the rules in force; HUP: re-read files).
 */
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>	/* before the linux/ headers */
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "addr.h"
#include "compile.h"
#include "json.h"
#include "ctl_proto.h"
#include "log.h"
#include "nl.h"
#include "paths.h"
#include "privdrop.h"
#include "reconcile.h"
#include "state.h"
#include "util.h"

#define MAX_CLIENTS 128
#define KICK_DELAY_NS (50 * 1000 * 1000)	/* events come in bursts */
/* Corrections in one minute that mean another writer fights us. */
#define FIGHT_LIMIT 10
#define FIGHT_WINDOW 60
#define FIGHT_DELAY_SECS 5

struct client {
	int fd;
	bool read_only;		/* came in on the read-only socket */
	time_t last;
	struct ef_ctl_reader in;
};


struct daemon {
	/* settings */
	const char *site_path, *state_dir, *socket_path;
	/* The read-only socket (status, counters, ...) and the group that
	 * may use it besides the control group; NULL: none. */
	const char *read_socket_path, *read_group;
	/* Searched in order: the operator's own policies shadow shipped
	 * ones of the same name, and a package upgrade never touches them. */
	struct ef_policy_dirs policy_dirs;
	const char *user, *group, *default_policy;
	unsigned int interval;		/* seconds between reconciles */
	bool interval_set;		/* --interval given: the site's is ignored */
	unsigned int client_timeout;	/* seconds a client may idle */
	unsigned long ticks;		/* one a second */
	bool foreground;
	/* what is active */
	char policy[32];
	char policy_file[PATH_MAX];	/* where it was read from */
	char previous[32];	/* recorded: where a rollback goes; "" = none */
	struct ef_reconciler rec;
	bool recompile;		/* files or addresses changed */
	/* switch --confirm: the policy to go back to unless confirmed */
	char revert_to[32];
	time_t confirm_by;
	/* Names the waiting switch, so that a confirm or rollback meant for
	 * it cannot act on another one; starts at random, so ids of an
	 * earlier run of the daemon do not match either. */
	uint64_t switch_id;
	char last_writer[64];	/* "nft[1234]": who committed last, not us */
	time_t fight_start;	/* the current minute of corrections */
	unsigned int fight_count;
	bool fighting;		/* then corrections wait FIGHT_DELAY_SECS */
	unsigned long fights;	/* how often that began */
	/* status for `status` */
	time_t last_time;
	int last_result;
	unsigned long corrections, reconciles;
	/* descriptors */
	int epfd, sigfd, tickfd, kickfd, confirmfd, listenfd, readfd;
	struct mnl_socket *mon;
	struct nl_sock *rtnl;
	struct client clients[MAX_CLIENTS];
	gid_t ctl_gid, read_gid;
	bool stop;
};

/* epoll tags: small numbers for our own descriptors, client index + 16. */
enum { TAG_SIG = 1, TAG_TICK, TAG_KICK, TAG_CONFIRM, TAG_LISTEN, TAG_MON,
       TAG_RTNL, TAG_READ_LISTEN, TAG_CLIENT = 16 };

static int epoll_add(struct daemon *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The active policy's file, logged when it changes (another directory's
 * file of that name appeared or went). */
static void set_policy_file(struct daemon *d, const char *file)
{
	if (!strcmp(d->policy_file, file))
		return;
	if (d->policy_file[0])
		log_info("policy %s is now read from %s (was %s)", d->policy,
			 file, d->policy_file);
	snprintf(d->policy_file, sizeof(d->policy_file), "%s", file);
}

/* Cuts s to at most max bytes, at a character boundary (replies are
 * UTF-8 text). */
static void utf8_cut(char *s, size_t max)
{
	if (strlen(s) <= max)
		return;
	while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
}

/*
 * Compiles NAME with the site as it is now. The file it came from goes to
 * `file` (if not NULL). For the policy to run, diagnostics are logged and
 * the site's interval taken. A dry run (`dry_why` not NULL) changes
 * nothing and logs nothing (anyone on the read-only socket may ask): what
 * went wrong first comes back in *dry_why.
 */
static int compile_policy(struct daemon *d, const char *name,
			  struct ef_model **ret, char file[PATH_MAX],
			  char **dry_why)
{
	unsigned int interval = 0;
	struct ef_compile_opts opts = { .iface_addrs = ef_iface_addrs };
	struct ef_diags diags = { 0 };
	struct ef_policy *pol = NULL;
	struct ef_site *site = NULL;
	enum ef_lock lock = EF_LOCK_OFF;
	struct utsname u;
	char path[PATH_MAX];
	const char *bad_dir;
	int err;

	err = ef_policy_find(&d->policy_dirs, name, path, &bad_dir);
	if (err && bad_dir) {
		if (!dry_why)
			log_err("cannot look for policy %s in %s: %s", name,
				bad_dir, strerror(-err));
		else if (asprintf(dry_why, "cannot look for policy %s in %s: %s",
				  name, bad_dir, strerror(-err)) < 0)
			*dry_why = NULL;
	}
	if (err)
		return err;
	if (file)
		memcpy(file, path, PATH_MAX);
	pol = ef_policy_parse(path, &diags);
	site = ef_site_parse(d->site_path, &diags);
	if (!pol || !site)
		err = -ENOMEM;
	else if (diags.errors)
		err = -EINVAL;
	else
		err = ef_compile(pol, site, &opts, &diags, ret);
	if (site) {
		lock = site->lock;
		interval = site->interval;
	}
	if (diags.n && !dry_why) {
		char *text = ef_diags_format(&diags);

		/* One log line per diagnostic line keeps file:line visible. */
		for (char *line = text, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			log_msg(diags.errors ? LOG_ERR : LOG_WARNING, "%s", line);
		}
		free(text);
	}
	for (size_t i = 0; dry_why && err && !*dry_why && i < diags.n; i++) {
		const struct ef_diag *g = &diags.v[i];

		if (!g->warning && asprintf(dry_why, "the policy does not compile: %s:%u:%u: %s",
					    g->file ? g->file : "?", g->line,
					    g->col, g->msg) < 0)
			*dry_why = NULL;
		else if (*dry_why)
			utf8_cut(*dry_why, 400);
	}
	/* The site says how often, unless the command line did. */
	if (!err && !dry_why && interval && !d->interval_set)
		d->interval = interval;
	/* Own the table only where the kernel keeps it after us. */
	if (!err && lock == EF_LOCK_AUTO &&
	    (uname(&u) < 0 || !ef_kernel_can_persist(u.release)))
		(*ret)->table_flags = 0;
	ef_policy_free(pol);
	ef_site_free(site);
	ef_diags_free(&diags);
	return err;
}

/*
 * A writer that changes the table back after every correction would have
 * us fight it forever: after FIGHT_LIMIT corrections in a minute, say so
 * (once a minute) and correct at most every FIGHT_DELAY_SECS.
 */
static void fight_window(struct daemon *d, time_t now)
{
	if (now - d->fight_start < FIGHT_WINDOW)
		return;
	d->fighting = d->fight_count >= FIGHT_LIMIT;
	d->fight_start = now;
	d->fight_count = 0;
}

static void note_correction(struct daemon *d)
{
	d->corrections++;
	fight_window(d, time(NULL));
	if (++d->fight_count == FIGHT_LIMIT) {
		d->fighting = true;
		d->fights++;
		log_warn("table inet %s was changed back %d times within %d s%s%s: correcting at most every %d s",
			 EF_TABLE, FIGHT_LIMIT, FIGHT_WINDOW,
			 d->last_writer[0] ? ", last by " : "", d->last_writer,
			 FIGHT_DELAY_SECS);
	}
}

/* Hands `next` (or, if NULL, the active model again) to the reconciler. */
static int reconcile(struct daemon *d, struct ef_model *next, bool drift)
{
	struct ef_reconcile_report rep;
	char *why = NULL;
	int err;

	err = ef_reconciler_run(&d->rec, next ? next : d->rec.model, &rep, &why);
	d->last_time = time(NULL);
	d->last_result = err;
	d->reconciles++;
	if (err) {
		log_err("reconcile of policy %s failed: %s%s%s", d->policy,
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
		free(why);
		return err;
	}
	if (ef_delta_size_zero(&rep.sent))
		return 0;
	if (drift)
		note_correction(d);
	log_info("%s policy %s (generation %u, %zu elements): +%zu -%zu elements, +%zu -%zu rules, %zu other changes%s%s%s",
		 drift ? "drift corrected for" : "applied", d->policy,
		 rep.genid, ef_model_elem_count(d->rec.model),
		 rep.sent.elems_added, rep.sent.elems_deleted,
		 rep.sent.rules_added, rep.sent.rules_deleted, rep.sent.objects,
		 drift && d->last_writer[0] ? " (last changed by " : "",
		 drift ? d->last_writer : "",
		 drift && d->last_writer[0] ? ")" : "");
	return 0;
}

/* Compiles the active policy again (site or addresses changed). */
static int recompile(struct daemon *d)
{
	char file[PATH_MAX];
	struct ef_model *m = NULL;
	int err = compile_policy(d, d->policy, &m, file, NULL);

	d->recompile = false;
	if (err) {
		log_err("policy %s no longer compiles; the running rules stay",
			d->policy);
		return err;
	}
	err = reconcile(d, m, false);
	if (!err)
		set_policy_file(d, file);
	return err;
}

static void kick(struct daemon *d)
{
	struct itimerspec it = { .it_value = { 0, KICK_DELAY_NS } };

	if (d->fighting)
		it.it_value = (struct timespec){ FIGHT_DELAY_SECS, 0 };
	timerfd_settime(d->kickfd, 0, &it, NULL);
}

/* ---- nftables events ------------------------------------------------ */

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

/* A new generation names the process that made it: remember strangers. */
static void note_writer(struct daemon *d, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	const char *name = "?";
	uint32_t pid = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			pid = ntohl(mnl_attr_get_u32(a));
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
	}
	if (pid && pid != (uint32_t)getpid())
		snprintf(d->last_writer, sizeof(d->last_writer), "%s[%u]",
			 name, pid);
}

static void on_monitor(struct daemon *d)
{
	char buf[32768];
	ssize_t n = mnl_socket_recvfrom(d->mon, buf, sizeof(buf));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int len = (int)n;

	if (n < 0) {
		/* Events were lost: we cannot tell what changed. */
		if (errno == ENOBUFS) {
			d->rec.synced = false;
			kick(d);
		}
		return;
	}
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN)
			note_writer(d, nlh);
		else if (about_our_table(nlh))
			kick(d);
	}
}

static int open_monitor(struct daemon *d)
{
	int bufsize = 1 << 20;

	d->mon = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!d->mon || mnl_socket_bind(d->mon, 1 << (NFNLGRP_NFTABLES - 1),
				       MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	setsockopt(mnl_socket_get_fd(d->mon), SOL_SOCKET, SO_RCVBUFFORCE,
		   &bufsize, sizeof(bufsize));
	return epoll_add(d, mnl_socket_get_fd(d->mon), TAG_MON);
}

/* ---- addresses (rtnetlink, libnl-3) ------------------------------------ */

static int on_route_msg(struct nl_msg *msg, void *arg)
{
	struct daemon *d = arg;

	d->recompile = true;
	kick(d);
	return NL_OK;
}

static int open_rtnl(struct daemon *d)
{
	d->rtnl = nl_socket_alloc();
	if (!d->rtnl)
		return -ENOMEM;
	nl_socket_disable_seq_check(d->rtnl);
	nl_socket_modify_cb(d->rtnl, NL_CB_VALID, NL_CB_CUSTOM, on_route_msg, d);
	if (nl_connect(d->rtnl, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_memberships(d->rtnl, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV6_IFADDR, 0) < 0 ||
	    nl_socket_set_nonblocking(d->rtnl) < 0)
		return -EIO;
	return epoll_add(d, nl_socket_get_fd(d->rtnl), TAG_RTNL);
}

/* ---- the control socket --------------------------------------------- */

/* A socket at PATH, mode 0660, group GID: the file system lets only root
 * and that group connect; the daemon checks each peer as well. */
static int open_listener(struct daemon *d, const char *path, gid_t gid,
			 uint64_t tag, int *ret_fd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 ||
	    (gid != (gid_t)-1 && chown(path, 0, gid) < 0) ||
	    listen(fd, 16) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*ret_fd = fd;
	return epoll_add(d, fd, tag);
}

static int open_listeners(struct daemon *d)
{
	struct stat ctl, rd;
	int err = open_listener(d, d->socket_path, d->ctl_gid, TAG_LISTEN,
				&d->listenfd);

	if (err || !d->read_socket_path)
		return err;
	/* However it is spelled, the read-only socket must not replace the
	 * control socket (binding it unlinks what is there). */
	if (!stat(d->socket_path, &ctl) && !stat(d->read_socket_path, &rd) &&
	    ctl.st_dev == rd.st_dev && ctl.st_ino == rd.st_ino) {
		log_err("--read-socket %s is the control socket", d->read_socket_path);
		return -EINVAL;
	}
	return open_listener(d, d->read_socket_path, d->read_gid,
			     TAG_READ_LISTEN, &d->readfd);
}

/* Did the peer hold `gid` among its supplementary groups when it
 * connected (SupplementaryGroups= of a unit, newgrp)? */
static bool peer_has_group(int fd, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE || !(groups = malloc(len)) ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			len = 0;
	}
	for (size_t i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

/* Did the peer hold `gid` when it connected (primary or supplementary)? */
static bool peer_holds(int fd, const struct ucred *c, gid_t gid)
{
	return gid != (gid_t)-1 && (c->gid == gid || peer_has_group(fd, gid));
}

/* Does the user database put the peer's user in `gid`? (NSS: it may be
 * slow, so asked last.) */
static bool user_in_group(const struct ucred *c, gid_t gid)
{
	struct passwd pw, *p = NULL;
	char buf[4096];
	gid_t groups[256];
	int n = 256;

	if (gid == (gid_t)-1 ||
	    getpwuid_r(c->uid, &pw, buf, sizeof(buf), &p) || !p ||
	    getgrouplist(p->pw_name, p->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* Root, our own user, the control group; on the read-only socket also
 * the read group. The kernel's word first, the user database last. */
static bool peer_allowed(const struct daemon *d, int fd, const struct ucred *c,
			 bool read_only)
{
	gid_t read_gid = read_only ? d->read_gid : (gid_t)-1;

	return c->uid == 0 || c->uid == geteuid() ||
	       peer_holds(fd, c, d->ctl_gid) || peer_holds(fd, c, read_gid) ||
	       user_in_group(c, d->ctl_gid) || user_in_group(c, read_gid);
}

/*
 * Replies go out whole: a client that does not read its replies is given
 * a second per wait, then dropped (its socket is nonblocking).
 */
static int send_text(int fd, char *text)
{
	size_t off = 0, len = text ? strlen(text) : 0;
	int err = 0;

	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
		struct pollfd pfd = { fd, POLLOUT, 0 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && poll(&pfd, 1, 1000) == 1)
			continue;
		if (n <= 0) {
			err = -EPIPE;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	return err;
}

static void close_client(struct daemon *d, struct client *c)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static size_t count_read_only(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < MAX_CLIENTS; i++)
		n += d->clients[i].fd >= 0 && d->clients[i].read_only;
	return n;
}

static void on_accept(struct daemon *d, int listenfd, bool read_only)
{
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len = sizeof(cred);
	int fd = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    !peer_allowed(d, fd, &cred, read_only)) {
		bool two = read_only && d->read_group;
		char groups[96], why[160];

		snprintf(groups, sizeof(groups), "%s%s%s",
			 d->group ? d->group : "root", two ? " or " : "",
			 two ? d->read_group : "");
		log_warn("%s connection refused: uid %u pid %d is not root nor in group %s",
			 read_only ? "read-only" : "control", cred.uid, cred.pid,
			 groups);
		snprintf(why, sizeof(why), "permission denied: root or group %s only",
			 groups);
		(void)send_text(fd, ef_ctl_error_text(why));
		close(fd);
		return;
	}
	for (size_t i = 0; i < MAX_CLIENTS && !c; i++)
		if (d->clients[i].fd < 0)
			c = &d->clients[i];
	/* Lookers must not fill the table and lock operators out (of a
	 * confirm, say): half of it is the control socket's alone. */
	if (read_only && count_read_only(d) >= MAX_CLIENTS / 2)
		c = NULL;
	if (!c || epoll_add(d, fd, TAG_CLIENT + (uint64_t)(c - d->clients))) {
		(void)send_text(fd, ef_ctl_error_text("busy: too many clients"));
		close(fd);
		return;
	}
	memset(&c->in, 0, sizeof(c->in));
	c->fd = fd;
	c->read_only = read_only;
	c->last = time(NULL);
}

/* The reply's text; the object is done with. */
static char *reply(struct json_object *o)
{
	char *text = ef_ctl_reply_text(o);

	json_object_put(o);
	return text;
}

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static struct json_object *policy_dirs_json(const struct daemon *d)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < d->policy_dirs.n; i++)
		json_object_array_add(arr, jstr(d->policy_dirs.v[i]));
	return arr;
}

static char *do_status(struct daemon *d)
{
	struct json_object *o = ef_ctl_ok();
	uint32_t genid = 0;
	bool known = ef_reconciler_known(&d->rec, &genid);

	json_object_object_add(o, "policy", jstr(d->policy));
	json_object_object_add(o, "site", jstr(d->site_path));
	json_object_object_add(o, "policy_file", jstr(d->policy_file));
	json_object_object_add(o, "policy_dirs", policy_dirs_json(d));
	json_object_object_add(o, "generation", json_object_new_uint64(genid));
	json_object_object_add(o, "in_sync", json_object_new_boolean(known));
	json_object_object_add(o, "last_reconcile", json_object_new_int64(d->last_time));
	json_object_object_add(o, "last_result",
			       jstr(d->last_result ? ef_nl_strerror(d->last_result) : "ok"));
	json_object_object_add(o, "reconciles", json_object_new_uint64(d->reconciles));
	json_object_object_add(o, "drift_corrections",
			       json_object_new_uint64(d->corrections));
	json_object_object_add(o, "elements", json_object_new_uint64(
		d->rec.model ? ef_model_elem_count(d->rec.model) : 0));
	json_object_object_add(o, "locked", json_object_new_boolean(
		d->rec.model && d->rec.model->table_flags));
	json_object_object_add(o, "writer_fights", json_object_new_uint64(d->fights));
	json_object_object_add(o, "fighting", json_object_new_boolean(d->fighting));
	/* Where a rollback with no switch waiting would go. */
	if (!d->revert_to[0] && d->previous[0])
		json_object_object_add(o, "previous", jstr(d->previous));
	if (d->revert_to[0]) {
		json_object_object_add(o, "unconfirmed", json_object_new_boolean(1));
		json_object_object_add(o, "reverts_to", jstr(d->revert_to));
		json_object_object_add(o, "confirm_by", json_object_new_int64(d->confirm_by));
		json_object_object_add(o, "switch_id", json_object_new_uint64(d->switch_id));
	}
	return reply(o);
}

static void record_state(struct daemon *d, const char *previous)
{
	struct ef_state st = { 0 };

	snprintf(st.policy, sizeof(st.policy), "%s", d->policy);
	if (previous && ef_state_name_valid(previous))
		snprintf(st.previous, sizeof(st.previous), "%s", previous);
	snprintf(d->previous, sizeof(d->previous), "%s", st.previous);
	if (ef_state_save(d->state_dir, &st) < 0)
		log_warn("cannot record the active policy in %s", d->state_dir);
}

/* Why a policy could not be compiled, for the client. */
static const char *policy_why(int err)
{
	if (err == -ENOENT)
		return "no such policy";
	if (err == -EACCES || err == -EPERM)
		return "a policy directory cannot be read: see the log";
	return "the policy does not compile: see the log";
}

/* Makes NAME the active policy: compiled, reconciled. */
static int activate(struct daemon *d, const char *name, const char **why)
{
	char previous[32], file[PATH_MAX];
	struct ef_model *m = NULL;
	int err = compile_policy(d, name, &m, file, NULL);

	if (err) {
		*why = policy_why(err);
		return err;
	}
	snprintf(previous, sizeof(previous), "%s", d->policy);
	snprintf(d->policy, sizeof(d->policy), "%s", name);
	err = reconcile(d, m, false);
	if (err) {
		*why = "the kernel refused the policy: see the log";
		snprintf(d->policy, sizeof(d->policy), "%s", previous);
		d->recompile = true;	/* put the previous one back */
		kick(d);
		return err;
	}
	d->policy_file[0] = '\0';	/* another policy: nothing to compare */
	set_policy_file(d, file);
	return 0;
}

static void arm_confirm(struct daemon *d, unsigned int secs)
{
	struct itimerspec it = { .it_value = { secs, 0 } };

	timerfd_settime(d->confirmfd, 0, &it, NULL);
	d->confirm_by = secs ? time(NULL) + secs : 0;
}

/* No switch waits for its confirmation any more. */
static void settle(struct daemon *d)
{
	d->revert_to[0] = '\0';
	arm_confirm(d, 0);
}

/* {"ok":true,"policy":...}: what a change of policy answers. */
static struct json_object *policy_reply(const struct daemon *d)
{
	struct json_object *o = ef_ctl_ok();

	json_object_object_add(o, "policy", jstr(d->policy));
	return o;
}

static char *do_switch(struct daemon *d, const struct ef_ctl_request *rq)
{
	struct ef_model *m = NULL;
	struct json_object *o;
	char previous[32];
	const char *why;
	int err;

	if (rq->dry_run) {
		char *dry_why = NULL, *text = NULL;

		err = compile_policy(d, rq->name, &m, NULL, &dry_why);
		ef_model_free(m);
		if (err) {
			/* The reason itself, not "see the log": a dry run
			 * logs nothing. */
			text = ef_ctl_error_text(dry_why ? dry_why : policy_why(err));
			free(dry_why);
			return text;
		}
		o = ef_ctl_ok();
		json_object_object_add(o, "dry_run", json_object_new_boolean(1));
		json_object_object_add(o, "policy", jstr(rq->name));
		return reply(o);
	}
	snprintf(previous, sizeof(previous), "%s",
		 d->revert_to[0] ? d->revert_to : d->policy);
	if (activate(d, rq->name, &why))
		return ef_ctl_error_text(why);
	if (rq->confirm_secs) {
		/* Recorded only once confirmed: a restart goes back too. */
		snprintf(d->revert_to, sizeof(d->revert_to), "%s", previous);
		arm_confirm(d, rq->confirm_secs);
		d->switch_id++;
		log_info("switched to policy %s (switch %" PRIu64 "); back to %s in %u s unless confirmed",
			 d->policy, d->switch_id, previous, rq->confirm_secs);
	} else {
		settle(d);
		record_state(d, previous);
		log_info("switched to policy %s", d->policy);
	}
	o = policy_reply(d);
	if (rq->confirm_secs) {
		json_object_object_add(o, "confirm_by",
				       json_object_new_int64(d->confirm_by));
		json_object_object_add(o, "switch_id",
				       json_object_new_uint64(d->switch_id));
	}
	return reply(o);
}

/* A confirm or rollback naming a switch: is it the one waiting? NULL if
 * so (or if it names none), else the error reply. */
static char *not_this_switch(const struct daemon *d, uint64_t id)
{
	char why[128];

	if (!id || (d->revert_to[0] && id == d->switch_id))
		return NULL;
	if (d->revert_to[0])
		snprintf(why, sizeof(why), "switch %" PRIu64 " is not the one waiting (switch %" PRIu64 " is): nothing done",
			 id, d->switch_id);
	else
		snprintf(why, sizeof(why), "switch %" PRIu64 " is no longer waiting: nothing done",
			 id);
	return ef_ctl_error_text(why);
}

static char *do_confirm(struct daemon *d, uint64_t id)
{
	char *refused = not_this_switch(d, id);

	if (refused)
		return refused;
	if (!d->revert_to[0])
		return ef_ctl_error_text("nothing to confirm");
	record_state(d, d->revert_to);
	log_info("switch to policy %s confirmed", d->policy);
	settle(d);
	return reply(policy_reply(d));
}

/* Back to the policy before an unconfirmed switch, or the recorded one;
 * with an id, only that switch, if it still waits. */
static char *do_rollback(struct daemon *d, uint64_t id)
{
	char *refused = not_this_switch(d, id);
	char target[32];
	const char *why;

	if (refused)
		return refused;
	if (d->revert_to[0])
		snprintf(target, sizeof(target), "%s", d->revert_to);
	else if (d->previous[0])
		snprintf(target, sizeof(target), "%s", d->previous);
	else
		return ef_ctl_error_text("no policy to go back to");
	if (activate(d, target, &why))
		return ef_ctl_error_text(why);
	settle(d);
	record_state(d, NULL);
	log_info("rolled back to policy %s", d->policy);
	return reply(policy_reply(d));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char **v;
	size_t n, cap;
};

/* Adds the policy names DIR holds; a missing directory is only empty. */
static int list_dir(const char *path, struct names *names)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int err = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		char *name;

		if (len <= 7 || strcmp(e->d_name + len - 7, ".policy"))
			continue;
		name = strndup(e->d_name, len - 7);
		if (!name || ef_grow((void **)&names->v, &names->cap,
				  names->n + 1, sizeof(*names->v))) {
			free(name);
			err = -ENOMEM;
		} else if (ef_state_name_valid(name)) {
			names->v[names->n++] = name;
		} else {
			free(name);
		}
	}
	closedir(dir);
	return err;
}

static char *do_list(struct daemon *d)
{
	struct json_object *o = NULL, *arr = json_object_new_array();
	struct names names = { 0 };
	char why[EF_CTL_REQUEST_MAX];
	int err = 0;

	for (size_t i = 0; i < d->policy_dirs.n && !err; i++) {
		err = list_dir(d->policy_dirs.v[i], &names);
		if (err)
			snprintf(why, sizeof(why), "cannot read policy directory %s: %s",
				 d->policy_dirs.v[i], strerror(-err));
	}
	if (!err) {
		/* A name in two directories is one policy. */
		if (names.n)
			qsort(names.v, names.n, sizeof(*names.v), cmp_str);
		for (size_t i = 0; i < names.n; i++)
			if (!i || strcmp(names.v[i], names.v[i - 1]))
				json_object_array_add(arr, jstr(names.v[i]));
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	if (err) {
		json_object_put(arr);
		return ef_ctl_error_text(why);
	}
	o = ef_ctl_ok();
	json_object_object_add(o, "active", jstr(d->policy));
	json_object_object_add(o, "policies", arr);
	json_object_object_add(o, "policy_dirs", policy_dirs_json(d));
	return reply(o);
}

static char *do_diff(struct daemon *d)
{
	struct ef_model *live = NULL;
	struct ef_delta delta = { 0 };
	struct json_object *o;
	char *why = NULL;
	int err = 0;

	/* Nobody committed since the table matched: nothing to read (a
	 * dump of a large table is what a looker must not make us do at
	 * will). */
	if (!ef_reconciler_known(&d->rec, NULL))
		err = ef_plan(d->rec.nl, d->rec.model, &live, &delta, &why);
	if (err) {
		log_err("diff: cannot read table inet %s: %s%s%s", EF_TABLE,
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
		free(why);
		return ef_ctl_error_text("cannot read the table: see the log");
	}
	free(why);
	o = ef_delta_json(&delta);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	ef_delta_free(&delta);
	ef_model_free(live);
	return reply(o);
}

/* Per policy row: what the elements serving it counted, with its note.
 * An element several rows share counts for each of them. */
static char *do_counters(struct daemon *d)
{
	const struct ef_model *m = d->rec.model;
	struct ef_model *live = NULL;
	struct json_object *o, *arr;
	uint64_t *packets, *bytes;
	int err = ef_nl_read(d->rec.nl, &live, NULL);

	if (err)
		return ef_ctl_error_text("cannot read the table");
	packets = calloc(m->nrows + 1, sizeof(*packets));
	bytes = calloc(m->nrows + 1, sizeof(*bytes));
	for (size_t s = 0; packets && bytes && s < live->nsets; s++) {
		for (size_t i = 0; i < live->sets[s].nelems; i++) {
			const struct ef_elem *e = &live->sets[s].elems[i];

			for (const char *p = e->rows; p && (p = strchr(p, 'r'));) {
				unsigned long id = strtoul(++p, NULL, 10);

				for (size_t r = 0; r < m->nrows; r++) {
					if (m->rows[r].id != id)
						continue;
					packets[r] += e->packets;
					bytes[r] += e->bytes;
				}
			}
		}
	}
	arr = json_object_new_array();
	for (size_t r = 0; packets && bytes && r < m->nrows; r++) {
		struct json_object *row = json_object_new_object();

		json_object_object_add(row, "row", json_object_new_uint64(m->rows[r].id));
		json_object_object_add(row, "where", jstr(m->rows[r].where));
		json_object_object_add(row, "note", jstr(m->rows[r].note));
		json_object_object_add(row, "packets", json_object_new_uint64(packets[r]));
		json_object_object_add(row, "bytes", json_object_new_uint64(bytes[r]));
		json_object_array_add(arr, row);
	}
	free(packets);
	free(bytes);
	ef_model_free(live);
	o = ef_ctl_ok();
	json_object_object_add(o, "policy", jstr(d->policy));
	json_object_object_add(o, "rows", arr);
	return reply(o);
}

static char *handle(struct daemon *d, const char *line, bool read_only)
{
	struct ef_ctl_request rq;
	const char *why;
	struct json_object *o;

	if (ef_ctl_parse(line, &rq, &why) < 0)
		return ef_ctl_error_text(why);
	if (read_only && !ef_ctl_request_read_only(&rq)) {
		char buf[96];

		snprintf(buf, sizeof(buf), "read-only socket: %s needs the control socket",
			 ef_ctl_cmd_name(rq.cmd));
		return ef_ctl_error_text(buf);
	}
	switch (rq.cmd) {
	case EF_CTL_HELLO:
		o = ef_ctl_ok();
		json_object_object_add(o, "version", json_object_new_int(EF_CTL_VERSION));
		json_object_object_add(o, "server", jstr("edgefwd"));
		return reply(o);
	case EF_CTL_STATUS:
		return do_status(d);
	case EF_CTL_RECONCILE:
		d->rec.synced = false;	/* asked for: read the table */
		if (reconcile(d, NULL, true))
			return ef_ctl_error_text("reconcile failed: see the log");
		return do_status(d);
	case EF_CTL_RELOAD:
		if (recompile(d))
			return ef_ctl_error_text("reload failed: see the log");
		return do_status(d);
	case EF_CTL_SWITCH:
		return do_switch(d, &rq);
	case EF_CTL_LIST:
		return do_list(d);
	case EF_CTL_DIFF:
		return do_diff(d);
	case EF_CTL_COUNTERS:
		return do_counters(d);
	case EF_CTL_CONFIRM:
		return do_confirm(d, rq.switch_id);
	case EF_CTL_ROLLBACK:
		return do_rollback(d, rq.switch_id);
	}
	return ef_ctl_error_text("unknown command");
}

/* Answers the client's next whole request, if it has one. */
static void serve_one(struct daemon *d, struct client *c)
{
	char line[EF_CTL_REQUEST_MAX];
	int r;

	if (c->fd < 0 || !(r = ef_ctl_reader_line(&c->in, line)))
		return;
	if (send_text(c->fd, r < 0 ? ef_ctl_error_text("invalid request") :
				     handle(d, line, c->read_only)) < 0)
		close_client(d, c);
	else
		c->last = time(NULL);	/* busy, not idle */
}

/*
 * Reads what the client sent. Requests are answered one a client per
 * turn of the loop (serve_round): a client that pipelines many (a
 * thousand diffs in one write) must not keep the others, the timers and
 * the nftables events waiting until all of its are done. What it sent
 * beyond a whole request is read only once those before are answered, so
 * that its end of file cannot come before them.
 */
static void on_client(struct daemon *d, struct client *c)
{
	size_t room = ef_ctl_reader_room(&c->in);
	char buf[4096];
	ssize_t n;

	if (c->fd < 0 || ef_ctl_reader_has_line(&c->in))
		return;
	n = recv(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf), 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			close_client(d, c);
		return;
	}
	c->last = time(NULL);
	if (ef_ctl_reader_feed(&c->in, buf, (size_t)n) < 0) {
		(void)send_text(c->fd, ef_ctl_error_text("request too long"));
		close_client(d, c);
	}
}

/* Each client's next request, if it has one. */
static void serve_round(struct daemon *d)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		serve_one(d, &d->clients[i]);
}

/* Requests still waiting after this turn: the loop must not sleep. */
static bool requests_waiting(const struct daemon *d)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i].fd >= 0 &&
		    ef_ctl_reader_has_line(&d->clients[i].in))
			return true;
	return false;
}

static void drop_idle_clients(struct daemon *d)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i].fd >= 0 &&
		    now - d->clients[i].last >= (time_t)d->client_timeout)
			close_client(d, &d->clients[i]);
}

/* ---- start-up ---------------------------------------------------------- */

static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return;
	strcpy(sun.sun_path, path);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
}

static int open_timers(struct daemon *d)
{
	/* A tick a second: idle clients go; every interval, a reconcile. */
	struct itimerspec it = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->kickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->confirmfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sigfd < 0 || d->tickfd < 0 || d->kickfd < 0 || d->confirmfd < 0 ||
	    timerfd_settime(d->tickfd, 0, &it, NULL) < 0)
		return -errno;
	return epoll_add(d, d->sigfd, TAG_SIG) ?: epoll_add(d, d->tickfd, TAG_TICK) ?:
	       epoll_add(d, d->kickfd, TAG_KICK) ?:
	       epoll_add(d, d->confirmfd, TAG_CONFIRM);
}

/* The policy to start with: the recorded one, else the default. A corrupt
 * record is reported and the default used: never an open firewall. */
static void choose_policy(struct daemon *d)
{
	struct ef_state st;
	int err = ef_state_load(d->state_dir, &st);

	if (!err) {
		snprintf(d->policy, sizeof(d->policy), "%s", st.policy);
		snprintf(d->previous, sizeof(d->previous), "%s", st.previous);
		return;
	}
	if (err != -ENOENT)
		log_err("state in %s is unreadable (%s); starting with policy %s",
			d->state_dir, strerror(-err), d->default_policy);
	snprintf(d->policy, sizeof(d->policy), "%s", d->default_policy);
}

static int start(struct daemon *d)
{
	char file[PATH_MAX];
	struct ef_model *m = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	int err;

	d->ctl_gid = d->read_gid = (gid_t)-1;
	/* Unpredictable and never reused across restarts; kept below 2^53
	 * so that any JSON reader holds it exactly. */
	if (getrandom(&d->switch_id, sizeof(d->switch_id), GRND_NONBLOCK) !=
	    sizeof(d->switch_id))
		d->switch_id = (uint64_t)time(NULL) << 20;
	d->switch_id &= (UINT64_C(1) << 52) - 1;
	if (d->group && ef_group_lookup(d->group, &d->ctl_gid) < 0)
		log_warn("no group %s: only root may use the control socket",
			 d->group);
	if (d->read_group && ef_group_lookup(d->read_group, &d->read_gid) < 0)
		log_warn("no group %s: the read-only socket serves the control group only",
			 d->read_group);
	if (d->user && (err = ef_user_lookup(d->user, &uid, &gid)) < 0) {
		log_err("no user %s to run as: %s", d->user, strerror(-err));
		return err;
	}
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	err = d->epfd < 0 ? -errno : 0;
	err = err ?: ef_nl_open(&d->rec.nl);
	err = err ?: open_monitor(d);
	err = err ?: open_rtnl(d);
	err = err ?: open_timers(d);
	err = err ?: open_listeners(d);
	if (err) {
		log_err("cannot set up: %s", strerror(-err));
		return err;
	}
	if (d->user && geteuid() == 0) {
		err = ef_drop_privileges(uid, gid);
		if (err) {
			log_err("cannot drop privileges: %s", strerror(-err));
			return err;
		}
	}
	/* Files are read as the user that will read them again later. */
	choose_policy(d);
	err = compile_policy(d, d->policy, &m, file, NULL);
	if (err) {
		log_err("policy %s does not compile: %s", d->policy,
			strerror(-err));
		return err;
	}
	err = reconcile(d, m, false);
	if (err)
		return err;
	set_policy_file(d, file);
	log_info("policy %s (%s) in force (%zu elements); control socket %s",
		 d->policy, d->policy_file, ef_model_elem_count(d->rec.model),
		 d->socket_path);
	notify_ready();
	return 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		log_info("SIGHUP: reading the site and policy %s again", d->policy);
		recompile(d);
		return;
	}
	/* The rules stay in force: the table persists without us. */
	log_info("exiting on signal %u; the rules stay in force", si.ssi_signo);
	d->stop = true;
}

static void drain(int fd)
{
	uint64_t n;

	while (read(fd, &n, sizeof(n)) > 0)
		;
}

static void run(struct daemon *d)
{
	struct epoll_event ev[16];

	while (!d->stop) {
		/* Requests waiting: look at events, do not sleep on them. */
		int n = epoll_wait(d->epfd, ev, 16, requests_waiting(d) ? 0 : -1);

		for (int i = 0; i < n && !d->stop; i++) {
			uint64_t tag = ev[i].data.u64;

			if (tag >= TAG_CLIENT) {
				on_client(d, &d->clients[tag - TAG_CLIENT]);
				continue;
			}
			switch (tag) {
			case TAG_SIG:
				on_signal(d);
				break;
			case TAG_TICK:
				drain(d->tickfd);
				drop_idle_clients(d);
				fight_window(d, time(NULL));
				if (++d->ticks % d->interval == 0)
					reconcile(d, NULL, true);
				break;
			case TAG_CONFIRM:
				drain(d->confirmfd);
				if (d->revert_to[0]) {
					log_warn("switch to %s was not confirmed in time: going back to %s",
						 d->policy, d->revert_to);
					free(do_rollback(d, 0));
				}
				/* Could not go back: try again, and say so. */
				if (d->revert_to[0]) {
					log_err("could not go back to policy %s; trying again in %u s",
						d->revert_to, d->interval);
					arm_confirm(d, d->interval);
				}
				break;
			case TAG_KICK:
				drain(d->kickfd);
				if (d->recompile)
					recompile(d);
				else
					reconcile(d, NULL, true);
				break;
			case TAG_LISTEN:
				on_accept(d, d->listenfd, false);
				break;
			case TAG_READ_LISTEN:
				on_accept(d, d->readfd, true);
				break;
			case TAG_MON:
				on_monitor(d);
				break;
			case TAG_RTNL:
				/* Lost address events: look at them all again. */
				if (nl_recvmsgs_default(d->rtnl) < 0 &&
				    errno != EAGAIN) {
					d->recompile = true;
					kick(d);
				}
				break;
			}
		}
		serve_round(d);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: edgefwd [--site FILE] [--policy-dir DIR]... [--policy NAME]\n"
		   "               [--state-dir DIR] [--socket PATH] [--user USER]\n"
		   "               [--group GROUP] [--read-socket PATH]\n"
		   "               [--read-group GROUP] [--interval SECONDS]\n"
		   "               [--client-timeout SECONDS] [--foreground]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 'c' },
		{ "read-socket", required_argument, NULL, 'r' },
		{ "read-group", required_argument, NULL, 'R' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "interval", required_argument, NULL, 'i' },
		{ "client-timeout", required_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct daemon d = {
		.site_path = EF_SITE_FILE,
		.state_dir = "/var/lib/edgefw",
		.socket_path = "/run/edgefw/control",
		.group = "edgefw",
		.default_policy = "edge-single-public",
		.interval = 30,
		.client_timeout = 10,
	};
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': d.site_path = optarg; break;
		case 'p':
			if (ef_policy_dirs_add(&d.policy_dirs, optarg)) {
				fprintf(stderr, "edgefwd: at most %d --policy-dir\n",
					EF_POLICY_DIRS_MAX);
				return 2;
			}
			break;
		case 'P': d.default_policy = optarg; break;
		case 'S': d.state_dir = optarg; break;
		case 'c': d.socket_path = optarg; break;
		case 'r': d.read_socket_path = optarg; break;
		case 'R': d.read_group = optarg; break;
		case 'u': d.user = optarg; break;
		case 'g': d.group = optarg; break;
		case 'i':
			d.interval = (unsigned int)strtoul(optarg, NULL, 10);
			d.interval_set = true;
			break;
		case 't': d.client_timeout = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'f': d.foreground = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !d.interval || d.interval > 86400 ||
	    !d.client_timeout || d.client_timeout > 3600 ||
	    (d.read_socket_path && !strcmp(d.read_socket_path, d.socket_path))) {
		usage(stderr);
		return 2;
	}
	ef_policy_dirs_default(&d.policy_dirs);
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		d.clients[i].fd = -1;
	log_init(d.foreground || getenv("JOURNAL_STREAM"));
	err = start(&d);
	if (!err)
		run(&d);
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (d.clients[i].fd >= 0)
			close(d.clients[i].fd);
	ef_reconciler_fini(&d.rec);
	ef_nl_close(d.rec.nl);
	if (d.mon)
		mnl_socket_close(d.mon);
	nl_socket_free(d.rtnl);
	return err ? 1 : 0;
}
