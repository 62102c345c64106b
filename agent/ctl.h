/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the parts of edgefwctl share: its exit statuses, the command line
 * as main() parsed it, how output is written, and the commands, by the
 * file that holds them.
 */
#ifndef EDGEFW_CTL_H
#define EDGEFW_CTL_H

#include <limits.h>
#include <stdbool.h>

#include <json-c/json.h>

#include "paths.h"
#include "util.h"

#define EXIT_RUNTIME 1
#define EXIT_INPUT 2
#define EXIT_DIFFERS 3

extern const char *const prog;

struct args {
	const char *policy;
	char policy_buf[PATH_MAX];	/* a policy found by name */
	/* Where a policy given by name is looked for, in order; as edgefwd. */
	struct ef_policy_dirs policy_dirs;
	const char *site;
	const char *socket;
	unsigned int timeout;	/* seconds edgefwd has to answer */
	int argc;		/* the request words, for daemon commands */
	char **argv;
	bool counters;
	bool replace;
	bool json;
};

/* edgefwctl.c */
int put_text(struct ef_strbuf *sb);
void print_json(struct json_object *o);

/* ctl_local.c: policies and the kernel */
int cmd_check(const struct args *a);
int cmd_compile(const struct args *a);
int cmd_apply(const struct args *a);
int cmd_diff(const struct args *a);
int cmd_show(const struct args *a);
int cmd_verify(const struct args *a);
int find_policy(struct args *a, const char *arg);

/* ctl_daemon.c: requests to edgefwd */
int cmd_daemon(const struct args *a);
int cmd_metrics(const struct args *a);

#endif
