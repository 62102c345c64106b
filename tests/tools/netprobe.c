// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netprobe: the traffic end points of the netns tests.
 *
 *   netprobe listen [--tcp PORTLIST] [--udp PORTLIST] [--ready FILE]
 *   netprobe connect tcp|udp ADDR PORT [--timeout-ms N] [--source ADDR]
 *                    [--print-peer] [-v]
 *
 * listen binds dual-stack sockets on every listed port, answers each TCP
 * connection with "ok\n" and echoes each UDP datagram from the address it
 * was sent to, until SIGTERM or SIGINT; either answer goes on with
 * "peer ADDR\n", the address the connection or datagram came from.
 *
 * connect exits 0 when the far end answered, 1 when it did not (refused,
 * unreachable, timeout, wrong answer) and 2 on a usage or local error.
 * With --print-peer it prints the address the far end saw it come from
 * (after NAT, say), one line on stdout.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Whole listener, TCP and UDP together: enough for the tests, small enough
 * that a typo like 1-65535 is refused rather than eating the fd table. */
#define MAX_SOCKETS 2048
#define FD_MARGIN 64
#define LISTEN_BACKLOG 128
#define DGRAM_MAX 65536
#define DEFAULT_TIMEOUT_MS 1000
#define PEER_LINE_MAX (sizeof("peer \n") + INET6_ADDRSTRLEN)

enum exit_code {
	EXIT_REACHED = 0,
	EXIT_UNREACHED = 1,
	EXIT_USAGE = 2,
};

static volatile sig_atomic_t stop_requested;

/* Ports in the order given, each once: overlapping lists are fine. */
struct portlist {
	uint8_t seen[65536 / 8];
	uint16_t port[MAX_SOCKETS];
	size_t len;
};

struct listener {
	int fd;
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	uint16_t port;
};

struct listen_set {
	struct listener sock[MAX_SOCKETS];
	struct pollfd pfd[MAX_SOCKETS];
	size_t len;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netprobe listen [--tcp PORTLIST] [--udp PORTLIST] "
		"[--ready FILE]\n"
		"       netprobe connect tcp|udp ADDR PORT [--timeout-ms N] "
		"[--source ADDR] [--print-peer] [-v]\n"
		"PORTLIST: comma-separated ports or ranges, e.g. "
		"443,5061,50000-50002\n"
		"          (at most %d sockets in all)\n"
		"connect exits 0 if reached, 1 if not, 2 on usage or local "
		"error\n",
		MAX_SOCKETS);
}

/* ---- parsing ---------------------------------------------------------- */

static int parse_port(const char *s, uint16_t *ret)
{
	unsigned long v;
	int r;

	r = ef_parse_uint(s, 1, 65535, &v);
	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

static int portlist_add_range(struct portlist *pl, uint16_t lo, uint16_t hi)
{
	if (lo > hi)
		return -EINVAL;
	for (unsigned int p = lo; p <= hi; p++) {
		uint8_t bit = (uint8_t)(1u << (p % 8));

		if (pl->seen[p / 8] & bit)
			continue;
		if (pl->len == MAX_SOCKETS)
			return -E2BIG;
		pl->seen[p / 8] |= bit;
		pl->port[pl->len++] = (uint16_t)p;
	}
	return 0;
}

/* One item: "443" or "50000-50002". Modifies item. */
static int portlist_add_item(struct portlist *pl, char *item)
{
	char *dash = strchr(item, '-');
	uint16_t lo, hi;
	int r;

	if (dash)
		*dash = '\0';
	r = parse_port(item, &lo);
	if (r < 0)
		return r;
	hi = lo;
	if (dash) {
		r = parse_port(dash + 1, &hi);
		if (r < 0)
			return r;
	}
	return portlist_add_range(pl, lo, hi);
}

static int portlist_parse(struct portlist *pl, const char *text)
{
	char buf[4096];
	char *rest = buf, *item;
	int r;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	while ((item = strsep(&rest, ","))) {
		r = portlist_add_item(pl, item);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Numeric IPv4 or IPv6 address and port into a sockaddr. */
static int parse_sockaddr(const char *addr, uint16_t port,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

/* ---- time ------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

/* Waits for events on fd until deadline: 0 when ready, -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	for (;;) {
		r = poll(&pfd, 1, ms_left(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* ---- listen ----------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Catches SIGTERM and SIGINT but keeps them blocked; ppoll() unblocks them
 * with *waitmask, so a stop request cannot slip in between the check of
 * the flag and the wait. */
static int install_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) < 0)
		return -errno;
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	return 0;
}

static int raise_nofile(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		rl.rlim_max = need; /* needs CAP_SYS_RESOURCE */
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	return 0;
}

static int set_int_opt(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

/* A dual-stack socket bound to [::]:port, listening if TCP. */
static int open_listener(int type, uint16_t port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(port),
	};
	int fd, r;

	fd = socket(AF_INET6, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!r)
		r = set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	/* UDP replies must leave from the address the datagram came to */
	if (!r && type == SOCK_DGRAM)
		r = set_int_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	if (!r && bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0)
		r = -errno;
	if (!r && type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static const char *type_name(int type)
{
	return type == SOCK_STREAM ? "tcp" : "udp";
}

static int listen_set_add(struct listen_set *set, const struct portlist *pl,
			  int type)
{
	for (size_t i = 0; i < pl->len; i++) {
		int fd = open_listener(type, pl->port[i]);

		if (fd < 0) {
			fprintf(stderr, "netprobe: %s port %u: %s\n",
				type_name(type), pl->port[i], strerror(-fd));
			return fd;
		}
		set->sock[set->len] = (struct listener){
			.fd = fd, .type = type, .port = pl->port[i],
		};
		set->pfd[set->len] = (struct pollfd){
			.fd = fd, .events = POLLIN,
		};
		set->len++;
	}
	return 0;
}

static void listen_set_close(struct listen_set *set)
{
	for (size_t i = 0; i < set->len; i++)
		close(set->sock[i].fd);
	set->len = 0;
}

static int touch_ready(const char *path)
{
	char line[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)n) != n) {
		int r = -errno;

		close(fd);
		return r ? r : -EIO;
	}
	if (close(fd) < 0)
		return -errno;
	return 0;
}

/* "peer ADDR\n": where a connection or datagram came from; an IPv4
 * peer of the dual-stack socket as IPv4. Returns its length. */
static size_t peer_line(const struct sockaddr_in6 *peer, char *buf,
			size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (IN6_IS_ADDR_V4MAPPED(&peer->sin6_addr))
		inet_ntop(AF_INET, &peer->sin6_addr.s6_addr[12], addr,
			  sizeof(addr));
	else
		inet_ntop(AF_INET6, &peer->sin6_addr, addr, sizeof(addr));
	return (size_t)snprintf(buf, size, "peer %s\n", addr);
}

/* Accepts every pending connection, answers "ok\n" and the peer line,
 * and closes it. */
static void serve_tcp(int lfd)
{
	char answer[3 + PEER_LINE_MAX] = "ok\n";
	struct sockaddr_in6 peer;
	socklen_t len;
	size_t n;
	int cfd;

	for (;;) {
		len = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		cfd = accept4(lfd, (struct sockaddr *)&peer, &len,
			      SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0)
			return; /* EAGAIN, or the peer gave up: next round */
		n = 3 + peer_line(&peer, answer + 3, sizeof(answer) - 3);
		/* a fresh socket's send buffer always takes these bytes */
		(void)send(cfd, answer, n, MSG_NOSIGNAL);
		close(cfd);
	}
}

/* The destination of a received datagram, as IPV6_PKTINFO (v4-mapped for
 * IPv4): the source of the echo. 0 or -ENOENT. */
static int find_pktinfo(struct msghdr *msg, struct in6_pktinfo *ret)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*ret))) {
			memcpy(ret, CMSG_DATA(c), sizeof(*ret));
			return 0;
		}
	}
	return -ENOENT;
}

/* Puts one IPV6_PKTINFO control message into msg, whose control buffer
 * must have room for it. */
static void put_pktinfo(struct msghdr *msg, const struct in6_pktinfo *info)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);

	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(*info));
	memcpy(CMSG_DATA(c), info, sizeof(*info));
}

static void echo_one(int fd, char *buf, size_t size)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} in_ctl, out_ctl;
	struct sockaddr_in6 peer;
	char line[PEER_LINE_MAX];
	struct iovec iov[2] = { { .iov_base = buf, .iov_len = size },
				{ .iov_base = line } };
	struct msghdr msg = {
		.msg_name = &peer, .msg_namelen = sizeof(peer),
		.msg_iov = iov, .msg_iovlen = 1,
		.msg_control = in_ctl.buf, .msg_controllen = sizeof(in_ctl.buf),
	};
	struct in6_pktinfo dst;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return;
	/* The echo, then where it came from. */
	iov[0].iov_len = (size_t)n;
	iov[1].iov_len = peer_line(&peer, line, sizeof(line));
	msg.msg_iovlen = 2;
	msg.msg_flags = 0;
	if (find_pktinfo(&msg, &dst) == 0) {
		memset(&out_ctl, 0, sizeof(out_ctl));
		msg.msg_control = out_ctl.buf;
		msg.msg_controllen = sizeof(out_ctl.buf);
		put_pktinfo(&msg, &dst);
	} else {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	(void)sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Echoes a bounded number of queued datagrams so TCP is not starved. */
static void serve_udp(int fd, char *buf, size_t size)
{
	for (int i = 0; i < 64; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) <= 0)
			return;
		echo_one(fd, buf, size);
	}
}

static int listen_loop(struct listen_set *set, const sigset_t *waitmask)
{
	char dgram[DGRAM_MAX];
	int n;

	while (!stop_requested) {
		n = ppoll(set->pfd, set->len, NULL, waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (size_t i = 0; i < set->len; i++) {
			if (!set->pfd[i].revents)
				continue;
			if (set->sock[i].type == SOCK_STREAM)
				serve_tcp(set->sock[i].fd);
			else
				serve_udp(set->sock[i].fd, dgram,
					  sizeof(dgram));
		}
	}
	return 0;
}

static int cmd_listen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcp", required_argument, NULL, 't' },
		{ "udp", required_argument, NULL, 'u' },
		{ "ready", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct portlist tcp = { .len = 0 }, udp = { .len = 0 };
	struct listen_set set = { .len = 0 };
	const char *ready = NULL;
	sigset_t waitmask;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
		case 'u':
			r = portlist_parse(c == 't' ? &tcp : &udp, optarg);
			if (r == -E2BIG) {
				fprintf(stderr, "netprobe: more than %d "
					"sockets requested\n", MAX_SOCKETS);
				return EXIT_USAGE;
			}
			if (r < 0) {
				fprintf(stderr, "netprobe: bad port list "
					"'%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			ready = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_REACHED;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || tcp.len + udp.len == 0 ||
	    tcp.len + udp.len > MAX_SOCKETS) {
		if (tcp.len + udp.len > MAX_SOCKETS)
			fprintf(stderr, "netprobe: more than %d sockets "
				"requested\n", MAX_SOCKETS);
		usage(stderr);
		return EXIT_USAGE;
	}

	r = install_signals(&waitmask);
	if (r < 0) {
		fprintf(stderr, "netprobe: sigaction: %s\n", strerror(-r));
		return EXIT_USAGE;
	}
	r = raise_nofile(tcp.len + udp.len + FD_MARGIN);
	if (r < 0) {
		fprintf(stderr, "netprobe: cannot raise RLIMIT_NOFILE to %zu: "
			"%s\n", tcp.len + udp.len + FD_MARGIN, strerror(-r));
		return EXIT_USAGE;
	}
	r = listen_set_add(&set, &tcp, SOCK_STREAM);
	if (!r)
		r = listen_set_add(&set, &udp, SOCK_DGRAM);
	if (!r && ready) {
		r = touch_ready(ready);
		if (r < 0)
			fprintf(stderr, "netprobe: %s: %s\n", ready,
				strerror(-r));
	}
	if (!r) {
		r = listen_loop(&set, &waitmask);
		if (r < 0)
			fprintf(stderr, "netprobe: poll: %s\n", strerror(-r));
	}
	listen_set_close(&set);
	return r < 0 ? EXIT_USAGE : EXIT_REACHED;
}

/* ---- connect ---------------------------------------------------------- */

struct probe {
	int type;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct sockaddr_storage src;
	socklen_t src_len; /* 0: let the kernel choose */
	int64_t deadline;
	bool verbose;
	bool print_peer;
	char peer[INET6_ADDRSTRLEN]; /* what the far end saw, if it said */
};

/* After the answer, "peer ADDR\n": the address into p->peer. */
static void take_peer(struct probe *p, const char *s, size_t len)
{
	const char *end = memchr(s, '\n', len);
	size_t n;

	if (len < 5 || memcmp(s, "peer ", 5) || !end)
		return;
	n = (size_t)(end - s) - 5;
	if (n < sizeof(p->peer)) {
		memcpy(p->peer, s + 5, n);
		p->peer[n] = '\0';
	}
}

/* Socket for the probe, bound to --source if given. -errno on failure. */
static int probe_socket(const struct probe *p)
{
	int fd;

	fd = socket(p->dst.ss_family, p->type | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	if (p->src_len &&
	    bind(fd, (const struct sockaddr *)&p->src, p->src_len) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Completes a non-blocking connect: 0, or the connect error. */
static int finish_connect(int fd, int64_t deadline)
{
	socklen_t len;
	int err, r;

	r = wait_fd(fd, POLLOUT, deadline);
	if (r < 0)
		return r;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

static int probe_tcp(int fd, struct probe *p)
{
	char buf[3 + PEER_LINE_MAX];
	size_t got = 0;
	ssize_t n;
	int r;

	if (connect(fd, (const struct sockaddr *)&p->dst, p->dst_len) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		r = finish_connect(fd, p->deadline);
		if (r < 0)
			return r;
	}
	/* "ok\n" is the answer; for the peer line, read on to the end. */
	while (got < (p->print_peer ? sizeof(buf) : 3)) {
		r = wait_fd(fd, POLLIN, p->deadline);
		if (r < 0)
			return r;
		n = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < 3 || memcmp(buf, "ok\n", 3))
		return -EPROTO;
	take_peer(p, buf + 3, got - 3);
	return 0;
}

/* A connected UDP socket: ICMP port unreachable shows as ECONNREFUSED, and
 * an echo from any address but the one we sent to is not accepted. */
static int probe_udp(int fd, struct probe *p)
{
	char sent[64], buf[64 + PEER_LINE_MAX];
	ssize_t n;
	int len, r;

	if (connect(fd, (const struct sockaddr *)&p->dst, p->dst_len) < 0)
		return -errno;
	len = snprintf(sent, sizeof(sent), "netprobe %ld %lld\n",
		       (long)getpid(), (long long)now_ms());
	if (send(fd, sent, (size_t)len, MSG_NOSIGNAL) != len)
		return -errno;
	for (;;) {
		r = wait_fd(fd, POLLIN, p->deadline);
		if (r < 0)
			return r;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (n >= len && !memcmp(buf, sent, (size_t)len)) {
			take_peer(p, buf + len, (size_t)(n - len));
			return 0;
		}
	}
}

static int run_probe(struct probe *p)
{
	int fd, r;

	fd = probe_socket(p);
	if (fd < 0)
		return fd;
	if (p->type == SOCK_STREAM)
		r = probe_tcp(fd, p);
	else
		r = probe_udp(fd, p);
	close(fd);
	return r;
}

/* Errors that say something is wrong here, not that the far end is
 * silent: a usage/local error rather than "not reached". */
static bool is_local_error(int err)
{
	switch (err) {
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
	case EINVAL:
		return true;
	default:
		return false;
	}
}

static int parse_proto(const char *s, int *type)
{
	if (!strcmp(s, "tcp"))
		*type = SOCK_STREAM;
	else if (!strcmp(s, "udp"))
		*type = SOCK_DGRAM;
	else
		return -EINVAL;
	return 0;
}

static int parse_connect_args(int argc, char **argv, struct probe *p)
{
	static const struct option opts[] = {
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-peer", no_argument, NULL, 'p' },
		{ 0 }
	};
	unsigned long timeout = DEFAULT_TIMEOUT_MS;
	const char *source = NULL;
	uint16_t port;
	int c;

	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (ef_parse_uint(optarg, 1, 600000, &timeout) < 0)
				return -EINVAL;
			break;
		case 's':
			source = optarg;
			break;
		case 'v':
			p->verbose = true;
			break;
		case 'p':
			p->print_peer = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 3 || parse_proto(argv[optind], &p->type) < 0 ||
	    parse_port(argv[optind + 2], &port) < 0 ||
	    parse_sockaddr(argv[optind + 1], port, &p->dst, &p->dst_len) < 0)
		return -EINVAL;
	if (source) {
		if (parse_sockaddr(source, 0, &p->src, &p->src_len) < 0 ||
		    p->src.ss_family != p->dst.ss_family)
			return -EINVAL;
	}
	p->deadline = now_ms() + (int64_t)timeout;
	return 0;
}

static int cmd_connect(int argc, char **argv)
{
	struct probe p;
	int r;

	memset(&p, 0, sizeof(p));
	if (parse_connect_args(argc, argv, &p) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	r = run_probe(&p);
	if (r == 0) {
		if (p.verbose)
			fprintf(stderr, "netprobe: reached\n");
		if (p.print_peer)
			printf("%s\n", p.peer[0] ? p.peer : "?");
		return EXIT_REACHED;
	}
	if (is_local_error(-r)) {
		fprintf(stderr, "netprobe: %s\n", strerror(-r));
		return EXIT_USAGE;
	}
	if (p.verbose)
		fprintf(stderr, "netprobe: not reached: %s\n",
			r == -EPROTO ? "unexpected answer" : strerror(-r));
	return EXIT_UNREACHED;
}

/* ---- main ------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "listen", cmd_listen },
	{ "connect", cmd_connect },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_REACHED;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "netprobe: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
