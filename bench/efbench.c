// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * efbench: the in-process measurements `make bench` needs, each printed as
 * seconds on one line. Run inside a throwaway network namespace.
 *
 *   efbench floor   POLICY SITE        send an already built replace batch
 *   efbench change  POLICY SITE SITE2  reconcile SITE, then time SITE2
 *   efbench noop    POLICY SITE        reconcile, then time it again
 *   efbench readdiff POLICY SITE       read the table back and diff it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
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

int main(int argc, char **argv)
{
	struct ef_nl *nl;

	if (argc < 4) {
		fprintf(stderr, "usage: efbench floor|change|noop|readdiff POLICY SITE [SITE2]\n");
		return 2;
	}
	check(ef_nl_open(&nl), "netlink");
	if (!strcmp(argv[1], "floor"))
		floor_cmd(nl, compile(argv[2], argv[3]));
	else if (!strcmp(argv[1], "change") && argc == 5)
		reconcile_cmd(nl, compile(argv[2], argv[3]),
			      compile(argv[2], argv[4]));
	else if (!strcmp(argv[1], "noop"))
		reconcile_cmd(nl, compile(argv[2], argv[3]), NULL);
	else if (!strcmp(argv[1], "readdiff"))
		readdiff_cmd(nl, compile(argv[2], argv[3]));
	else
		return 2;
	ef_nl_close(nl);
	return 0;
}
