// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwd: keeps table inet edgefw equal to the active policy.
 *
 * Starts as root: reads the site and the active policy, opens its netlink
 * sockets and binds the control socket, then keeps only CAP_NET_ADMIN as
 * user edgefw. One event loop: a periodic timer, nftables events (anyone
 * touching our table), address changes (rtnetlink), the control socket and
 * signals (TERM: exit leaving the rules in force; HUP: re-read files).
 *
 * This file is start-up, the loop and main; daemon.h says which room
 * owns the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "privdrop.h"
#include "util.h"

int loop_add(struct daemon *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->loop.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void loop_drain(int fd)
{
	uint64_t n;

	while (read(fd, &n, sizeof(n)) > 0)
		;
}

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

/* Signals through a descriptor, and a tick a second: idle clients go;
 * every interval, a reconcile. */
static int open_loop(struct daemon *d)
{
	struct itimerspec it = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	struct loop *l = &d->loop;
	sigset_t mask;

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->sigfd < 0 || l->tickfd < 0 ||
	    timerfd_settime(l->tickfd, 0, &it, NULL) < 0)
		return -errno;
	return loop_add(d, l->sigfd, TAG_SIG) ?: loop_add(d, l->tickfd, TAG_TICK);
}

/*
 * The user to become. Running on as root is never a default: only
 * `--user root` said out loud keeps it (then nothing is dropped).
 */
static int lookup_user(const struct settings *set, uid_t *uid, gid_t *gid)
{
	int err;

	if (!set->user) {
		if (geteuid() != 0)
			return 0;
		log_err("refusing to run as root: give --user USER (edgefw), or --user root to keep root");
		return -EPERM;
	}
	err = ef_user_lookup(set->user, uid, gid);
	if (err)
		log_err("no user %s to run as: %s", set->user,
			err == -ENOENT ? "no such user" : strerror(-err));
	return err;
}

/* The first policy: the recorded one, or if that cannot be applied now
 * (gone, broken), the one the site names. The daemon starts with some
 * policy. */
static int enforce_first(struct daemon *d)
{
	char file[PATH_MAX], recorded[EF_STATE_NAME_MAX], *why = NULL;
	struct ef_model *m = NULL;
	int err;

	err = switch_choose_start(d);
	if (err)
		return err;
	err = enforce_compile(d, d->enf.policy, false, &m, file, &why);
	snprintf(recorded, sizeof(recorded), "%s", d->enf.policy);
	if (err && d->sw.from_record && !switch_start_default(d) &&
	    strcmp(d->enf.policy, recorded)) {
		log_err("recorded policy %s cannot be applied (%s); starting with policy %s",
			recorded, why ? why : strerror(-err), d->enf.policy);
		free(why);
		err = enforce_compile(d, d->enf.policy, false, &m, file, &why);
	}
	if (err) {
		log_err("policy %s cannot be applied: %s", d->enf.policy,
			why ? why : strerror(-err));
		free(why);
		return err;
	}
	enforce_recall(d, m);
	err = enforce_reconcile(d, m, false, NULL);
	if (!err)
		enforce_set_policy_file(d, file);
	return err;
}

static int start(struct daemon *d)
{
	const struct settings *set = &d->set;
	uid_t uid = 0;
	gid_t gid = 0;
	int err;

	struct utsname u;

	if (!uname(&u))
		snprintf(d->set.kernel, sizeof(d->set.kernel), "%s", u.release);
	d->ctl.ctl_gid = d->ctl.read_gid = (gid_t)-1;
	if (set->group && ef_group_lookup(set->group, &d->ctl.ctl_gid) < 0)
		log_warn("no group %s: only root may use the control socket",
			 set->group);
	if (set->read_group &&
	    ef_group_lookup(set->read_group, &d->ctl.read_gid) < 0)
		log_warn("no group %s: the read-only socket serves the control group only",
			 set->read_group);
	err = lookup_user(set, &uid, &gid);
	if (err)
		return err;
	/* Each step logs what it could not do, naming the object. */
	err = open_loop(d);
	if (err)
		log_err("cannot set up the event loop: %s", strerror(-err));
	if (!err && (err = ef_nl_open(&d->enf.nl)))
		log_err("cannot open the netfilter netlink socket: %s",
			strerror(-err));
	if (!err)
		ef_reconciler_init(&d->enf.rec, d->enf.nl);
	err = err ?: watch_open(d);
	/* Our own commits then cost the kernel no events (reconcile.h). */
	if (!err)
		d->enf.rec.events = d->watch.mon;
	err = err ?: switch_init(d);
	err = err ?: control_open(d);
	if (err)
		return err;
	if (uid && geteuid() == 0) {
		err = ef_drop_privileges(uid, gid);
		if (err) {
			log_err("cannot drop privileges to user %s: %s",
				set->user, strerror(-err));
			return err;
		}
	} else if (geteuid() == 0) {
		log_warn("running as root (--user root): nothing is dropped");
	}
	/* Files are read as the user that will read them again later. */
	err = enforce_first(d);
	if (err)
		return err;
	exceptions_start(d);
	log_info("policy %s (%s) in force (%zu elements); control socket %s",
		 d->enf.policy, d->enf.policy_file,
		 ef_model_elem_count(ef_reconciler_model(&d->enf.rec)),
		 set->socket_path);
	notify_ready();
	return 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	char *why = NULL;

	if (read(d->loop.sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		log_info("SIGHUP: reading the site and policy %s again",
			 d->enf.policy);
		switch_reload(d, &why);
		free(why);
		return;
	}
	/* The rules stay in force: the table persists without us. */
	log_info("exiting on signal %u; the rules stay in force", si.ssi_signo);
	d->loop.stop = true;
}

static void on_tick(struct daemon *d)
{
	loop_drain(d->loop.tickfd);
	control_drop_idle(d);
	fight_window(d, time(NULL));
	exceptions_tick(d);
	if (++d->loop.ticks % d->enf.interval == 0)
		enforce_reconcile(d, NULL, true, NULL);
}

static void dispatch(struct daemon *d, uint64_t tag, uint32_t events)
{
	if (tag >= TAG_CLIENT) {
		control_on_client(d, &d->ctl.clients[tag - TAG_CLIENT], events);
		return;
	}
	switch (tag) {
	case TAG_SIG: on_signal(d); break;
	case TAG_TICK: on_tick(d); break;
	case TAG_CONFIRM: switch_on_deadline(d); break;
	case TAG_KICK: watch_on_kick(d); break;
	case TAG_LISTEN: control_on_accept(d, false); break;
	case TAG_READ_LISTEN: control_on_accept(d, true); break;
	case TAG_MON: watch_on_monitor(d); break;
	case TAG_RTNL: watch_on_rtnl(d); break;
	}
}

static void run(struct daemon *d)
{
	struct epoll_event ev[16];

	while (!d->loop.stop) {
		/* Requests waiting: look at events, do not sleep on them. */
		int n = epoll_wait(d->loop.epfd, ev, 16,
				   control_requests_waiting(d) ? 0 : -1);

		for (int i = 0; i < n && !d->loop.stop; i++)
			dispatch(d, ev[i].data.u64, ev[i].events);
		control_serve_round(d);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: edgefwd [--site FILE] [--policy-dir DIR]... [--policy NAME]\n"
		   "               [--state-dir DIR] [--socket PATH] [--user USER]\n"
		   "               [--group GROUP] [--read-socket PATH]\n"
		   "               [--read-group GROUP] [--interval SECONDS]\n"
		   "               [--client-timeout SECONDS] [--fight-limit N]\n"
		   "               [--foreground]\n"
		   "       edgefwd --help | --version\n");
}

/* A number of seconds in [1, max], the whole argument; else exit 2. */
static int seconds(const char *opt, const char *arg, unsigned long max,
		   unsigned int *ret)
{
	unsigned long v;

	if (ef_parse_uint(arg, 1, max, &v)) {
		fprintf(stderr, "edgefwd: %s must be 1 to %lu seconds, not '%s'\n",
			opt, max, arg);
		return 2;
	}
	*ret = (unsigned int)v;
	return 0;
}

/* The command line into d->set; -1 to go on, else the exit status. */
static int parse_args(struct daemon *d, int argc, char **argv)
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
		{ "fight-limit", required_argument, NULL, 'F' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct settings *set = &d->set;
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': set->site_path = optarg; break;
		case 'p':
			if (ef_policy_dirs_add(&set->policy_dirs, optarg)) {
				fprintf(stderr, "edgefwd: at most %d --policy-dir\n",
					EF_POLICY_DIRS_MAX);
				return 2;
			}
			break;
		case 'P': set->default_policy = optarg; break;
		case 'S': set->state_dir = optarg; break;
		case 'c': set->socket_path = optarg; break;
		case 'r': set->read_socket_path = optarg; break;
		case 'R': set->read_group = optarg; break;
		case 'u': set->user = optarg; break;
		case 'g': set->group = optarg; break;
		case 'i':
			if (seconds("--interval", optarg, 86400, &d->enf.interval))
				return 2;
			set->interval_set = true;
			break;
		case 't':
			if (seconds("--client-timeout", optarg, 3600,
				    &set->client_timeout))
				return 2;
			break;
		case 'F':
			if (ef_parse_uint(optarg, 1, 1000000, &v)) {
				fprintf(stderr, "edgefwd: --fight-limit must be 1 to 1000000, not '%s'\n",
					optarg);
				return 2;
			}
			set->fight_limit = (unsigned int)v;
			break;
		case 'f': set->foreground = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("edgefwd %s\n", EF_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (set->read_socket_path &&
			       !strcmp(set->read_socket_path, set->socket_path))) {
		usage(stderr);
		return 2;
	}
	ef_policy_dirs_default(&set->policy_dirs);
	return -1;
}

int main(int argc, char **argv)
{
	struct daemon d = {
		.set = {
			.site_path = EF_SITE_FILE,
			.state_dir = "/var/lib/edgefw",
			.socket_path = "/run/edgefw/control",
			.group = "edgefw",
			.client_timeout = 10,
			.fight_limit = 10,
		},
		.enf.interval = 30,
		.enf.exception_max = EF_EXC_SECS_DEFAULT,
		.loop = { .epfd = -1, .sigfd = -1, .tickfd = -1 },
	};
	int status = parse_args(&d, argc, argv), err;

	if (status >= 0)
		return status;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		d.ctl.clients[i].fd = -1;
	log_init(d.set.foreground || getenv("JOURNAL_STREAM"));
	err = start(&d);
	if (!err) {
		run(&d);
		enforce_leave(&d);
	}
	control_close(&d);
	exceptions_stop(&d);
	ef_reconciler_fini(&d.enf.rec);
	ef_nl_close(d.enf.nl);
	watch_close(&d);
	return err ? 1 : 0;
}
