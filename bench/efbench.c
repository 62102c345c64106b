// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * efbench: the in-process measurements `make bench` needs, each printed as
 * seconds on one line. Run inside a throwaway network namespace.
 *
 *   efbench floor   POLICY SITE        send an already built replace batch
 *   efbench change  POLICY SITE SITE2  reconcile SITE, then time SITE2
 *   efbench noop    POLICY SITE        reconcile, then time it again
 *   efbench readdiff POLICY SITE       read the table back and diff it
 *   efbench drift   POLICY SITE N      delete one element N times, each
 *                                      time until edgefwd put it back:
 *                                      "p50 p99 max" seconds
 *   efbench listen                     subscribe to nftables events and
 *                                      read them until killed
 *   efbench compile POLICY SITE        parse both and compile: the best
 *                                      of 5, no kernel needed
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "compile.h"
#include "nl_monitor.h"
#include "nl_sock.h"
#include "reconcile.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ef_model *compile(const char *policy, const char *site)
{
	struct ef_diags d = { 0 };
	struct ef_policy *pol = ef_policy_parse(policy, &d);
	struct ef_site *s = ef_site_parse(site, &d);
	struct ef_model *m = NULL;

	if (!pol || !s || d.errors || ef_compile(pol, s, NULL, &d, &m)) {
		char *text = ef_diags_format(&d);

		fprintf(stderr, "efbench: %s + %s do not compile\n%s", policy,
			site, text ? text : "");
		exit(2);
	}
	m->table_flags = 0;
	ef_policy_free(pol);
	ef_site_free(s);
	ef_diags_free(&d);
	return m;
}

static void check(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "efbench: %s: %s\n", what, strerror(-err));
		exit(1);
	}
}

static void floor_cmd(struct ef_nl *nl, struct ef_model *m)
{
	struct ef_batch b;
	double t;

	ef_batch_init(&b, nl, NULL);
	check(ef_nl_build_replace(&b, nl, m), "build");
	t = now();
	check(ef_batch_send(&b, nl, NULL), "send");
	printf("%.6f\n", now() - t);
	ef_batch_free(&b);
	ef_model_free(m);
}

static void reconcile_cmd(struct ef_nl *nl, struct ef_model *first,
			  struct ef_model *second)
{
	struct ef_reconciler r = { .nl = nl };
	struct ef_reconcile_report rep;
	double t;

	check(ef_reconciler_run(&r, first, &rep, NULL), "first reconcile");
	t = now();
	check(ef_reconciler_run(&r, second ? second : first, &rep, NULL),
	      "second reconcile");
	printf("%.6f\n", now() - t);
	ef_reconciler_fini(&r);
}

static void readdiff_cmd(struct ef_nl *nl, struct ef_model *m)
{
	struct ef_model *live = NULL;
	struct ef_delta delta;
	double t;

	t = now();
	check(ef_plan(nl, m, &live, &delta, NULL), "read");
	printf("%.6f\n", now() - t);
	ef_delta_free(&delta);
	ef_model_free(live);
	ef_model_free(m);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Until an event re-adds an element of `set` (edgefwd's correction), at
 * most 5 s; 0 when it came. */
static int wait_readd(struct mnl_socket *mon, const char *set)
{
	char buf[65536];
	double end = now() + 5;

	while (now() < end) {
		struct pollfd pfd = { mnl_socket_get_fd(mon), POLLIN, 0 };
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		const struct nlattr *a;
		ssize_t n;
		int len;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = mnl_socket_recvfrom(mon, buf, sizeof(buf));
		if (n < 0)
			continue;
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSETELEM)
				continue;
			mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
				if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET &&
				    !strcmp(mnl_attr_get_str(a), set))
					return 0;
		}
	}
	return -ETIMEDOUT;
}

static struct mnl_socket *listener(void)
{
	struct mnl_socket *mon = mnl_socket_open(NETLINK_NETFILTER);
	int size = 8 << 20;

	if (!mon || mnl_socket_bind(mon, 1 << (NFNLGRP_NFTABLES - 1),
				    MNL_SOCKET_AUTOPID) < 0)
		check(-errno, "event socket");
	setsockopt(mnl_socket_get_fd(mon), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		   sizeof(size));
	return mon;
}

/*
 * A foreign writer deleting one element of the largest set, n times, and
 * how long edgefwd takes to put it back each time (seen from its event).
 */
static void drift_cmd(struct ef_nl *nl, struct ef_model *m, int n)
{
	struct mnl_socket *mon = listener();
	const struct ef_set *set = &m->sets[0];
	double *lat = calloc((size_t)n, sizeof(*lat));
	int late = 0;

	for (size_t i = 1; i < m->nsets; i++)
		if (m->sets[i].nelems > set->nelems)
			set = &m->sets[i];
	if (!lat || !set->nelems)
		check(-ENOMEM, "drift");
	for (int i = 0; i < n; i++) {
		size_t idx = ((size_t)i * 7919) % set->nelems;
		struct ef_batch b;
		double t;

		ef_batch_init(&b, nl, NULL);
		check(ef_nl_put_elems(&b, nl, set, NFT_MSG_DELSETELEM, &idx, 1),
		      "build");
		t = now();
		check(ef_batch_send(&b, nl, NULL), "delete");
		ef_batch_free(&b);
		if (wait_readd(mon, set->name))
			late++;
		lat[i] = now() - t;
		usleep(30000);	/* the next one is not part of this burst */
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	printf("%.6f %.6f %.6f %d %s\n", lat[n / 2], lat[(n * 99 + 99) / 100 - 1],
	       lat[n - 1], late, set->name);
	free(lat);
	mnl_socket_close(mon);
	ef_model_free(m);
}

/* Parse and compile alone, as edgefwctl and edgefwd do before any kernel
 * work; the best of 5 runs (the first pays for the page cache). */
static void compile_cmd(const char *policy, const char *site)
{
	double best = 0;

	for (int i = 0; i < 5; i++) {
		double t = now();
		struct ef_model *m = compile(policy, site);

		t = now() - t;
		ef_model_free(m);
		if (!i || t < best)
			best = t;
	}
	printf("%.6f\n", best);
}

static void listen_cmd(void)
{
	struct mnl_socket *mon = listener();
	char buf[65536];

	for (;;)
		if (mnl_socket_recvfrom(mon, buf, sizeof(buf)) < 0 &&
		    errno != ENOBUFS && errno != EINTR)
			break;
	mnl_socket_close(mon);
}

int main(int argc, char **argv)
{
	struct ef_nl *nl;

	if (argc == 2 && !strcmp(argv[1], "listen")) {
		listen_cmd();
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: efbench floor|change|noop|readdiff|drift|compile POLICY SITE [SITE2|N]\n       efbench listen\n");
		return 2;
	}
	if (!strcmp(argv[1], "compile")) {
		compile_cmd(argv[2], argv[3]);
		return 0;
	}
	check(ef_nl_open(&nl), "netlink");
	if (!strcmp(argv[1], "floor"))
		floor_cmd(nl, compile(argv[2], argv[3]));
	else if (!strcmp(argv[1], "change") && argc == 5)
		reconcile_cmd(nl, compile(argv[2], argv[3]),
			      compile(argv[2], argv[4]));
	else if (!strcmp(argv[1], "noop"))
		reconcile_cmd(nl, compile(argv[2], argv[3]), NULL);
	else if (!strcmp(argv[1], "drift") && argc == 5)
		drift_cmd(nl, compile(argv[2], argv[3]), atoi(argv[4]));
	else if (!strcmp(argv[1], "readdiff"))
		readdiff_cmd(nl, compile(argv[2], argv[3]));
	else
		return 2;
	ef_nl_close(nl);
	return 0;
}
