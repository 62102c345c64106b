/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the parts of edgefwctl share: its exit statuses, the options of
 * every command and a command's syntax (parsed and shown by edgefwctl.c),
 * how output is written, the options of a request to edgefwd
 * (ctl_daemon.c), and the commands, by the file that holds them.
 */
#ifndef EDGEFW_CTL_H
#define EDGEFW_CTL_H

#include <getopt.h>
#include <stdbool.h>

#include <json-c/json.h>

#include "ctl_proto.h"
#include "load.h"
#include "paths.h"
#include "util.h"

#define EXIT_RUNTIME 1
#define EXIT_INPUT 2
#define EXIT_DIFFERS 3

extern const char *const prog;

/* getopt_long's val of every option of every command. */
enum ctl_opt {
	OPT_HELP = 'h',
	OPT_SITE = 's',
	OPT_POLICY_DIR = 256,
	OPT_REPLACE,
	OPT_JSON,
	OPT_COUNTERS,
	OPT_SOCKET,
	OPT_TIMEOUT,
	OPT_DRY_RUN,
	OPT_CONFIRM,
	OPT_FOR,
	OPT_FROM,
	OPT_TO,
	OPT_IN,
	OPT_OUT,
};

/* The rows of a command's getopt_long table. */
#define O_HELP { "help", no_argument, NULL, OPT_HELP }
#define O_SITE { "site", required_argument, NULL, OPT_SITE }
#define O_POLICY_DIR { "policy-dir", required_argument, NULL, OPT_POLICY_DIR }
#define O_REPLACE { "replace", no_argument, NULL, OPT_REPLACE }
#define O_JSON { "json", no_argument, NULL, OPT_JSON }
#define O_COUNTERS { "counters", no_argument, NULL, OPT_COUNTERS }
#define O_SOCKET { "socket", required_argument, NULL, OPT_SOCKET }
#define O_TIMEOUT { "timeout", required_argument, NULL, OPT_TIMEOUT }
#define O_DRY_RUN { "dry-run", no_argument, NULL, OPT_DRY_RUN }
#define O_CONFIRM { "confirm", required_argument, NULL, OPT_CONFIRM }
#define O_FOR { "for", required_argument, NULL, OPT_FOR }
#define O_FROM { "from", required_argument, NULL, OPT_FROM }
#define O_TO { "to", required_argument, NULL, OPT_TO }
#define O_IN { "in", required_argument, NULL, OPT_IN }
#define O_OUT { "out", required_argument, NULL, OPT_OUT }
#define O_END { NULL, 0, NULL, 0 }

/* What a command takes: what ctl_parse accepts and its --help shows. */
struct ctl_syntax {
	/* After the command's name; usage[1]: another form, or NULL. */
	const char *usage[2];
	const struct option *opts;	/* ends with O_END; has O_HELP */
	int min_words, max_words;	/* positional words */
};

/* The positional words of a command line, in order. */
struct ctl_words {
	char **v;
	int n;
};

/*
 * Takes one option of command cmd (opt: enum ctl_opt; arg: its value, or
 * NULL). Returns 0, or an exit status having said why.
 */
typedef int (*ctl_opt_fn)(void *ctx, const char *cmd, int opt,
			  const char *arg);

/*
 * Parses a command's arguments (argv[0]: its name) as syn says: options
 * may stand before, between and after the positional words; each goes to
 * on_opt. An option the command does not take, a value option given
 * twice (but --policy-dir) or a wrong number of words is refused, with a
 * message naming the command. Returns CTL_GO, with the words in *ret (if
 * not NULL); else an exit status: 0 after printing --help, EXIT_INPUT.
 */
#define CTL_GO (-1)
int ctl_parse(const struct ctl_syntax *syn, int argc, char **argv,
	      ctl_opt_fn on_opt, void *ctx, struct ctl_words *ret);
/* "edgefwctl CMD: MESSAGE" on stderr; returns EXIT_INPUT. */
int ctl_refuse(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "--site", ...: how opt is spelled. */
const char *ctl_opt_name(int opt);

/* Output: prints the text built in sb and frees it: 0, or EXIT_RUNTIME
 * (said why) if building it ran out of memory or stdout cannot take it. */
int put_text(struct ef_strbuf *sb);
/* Prints o as indented JSON and puts it. */
void print_json(struct json_object *o);

/* ---- ctl_daemon.c: requests to edgefwd ---- */

#define CTL_SOCKET "/run/edgefw/control"
#define CTL_SOCKET_READ "/run/edgefw/read"
/* A switch to a large policy compiles and applies it before the answer:
 * seconds at most; a daemon that hangs must not hang its callers
 * (scripts, timers) with it. */
#define CTL_TIMEOUT 60
#define CTL_TIMEOUT_MAX 3600

/* The options of every request: --socket, --timeout, --json. */
struct ctl_daemon_args {
	const char *socket;
	bool socket_given;	/* --socket: no read-only fall-back */
	unsigned int timeout;	/* seconds edgefwd has to answer */
	bool json;
};

#define CTL_DAEMON_ARGS_INIT { .socket = CTL_SOCKET, .timeout = CTL_TIMEOUT }
/* Their usage. */
#define CTL_DAEMON_USAGE "[--socket PATH] [--timeout SECONDS] [--json]"

/* A ctl_opt_fn for a struct ctl_daemon_args. */
int ctl_daemon_opt(void *ctx, const char *cmd, int opt, const char *arg);
/* ctl_print.c: a reply, for people. */
void ctl_print_human(struct json_object *o);
/* Asks edgefwd rq and prints its answer. Returns an exit status. */
int ctl_daemon_ask(const struct ctl_daemon_args *a,
		   const struct ef_ctl_request *rq);

/* ---- The commands: int cmd_NAME(int argc, char **argv), argv[0] NAME ---- */

/*
 * ctl_local.c: POLICY (a file or a name; NULL: the one the site names)
 * and SITE parsed and compiled for this machine or another, every
 * diagnostic printed. Returns an exit status; 0 with all of *ret.
 */
int ctl_load_offline(const char *cmd, const char *policy, const char *site,
		     const struct ef_policy_dirs *dirs, struct ef_loaded *ret);

/* ctl_explain.c: an explanation (edgefwd's, or made here), for people. */
void ctl_print_explanation(struct json_object *o);

/* ctl_local.c: policy files and the kernel */
int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* ctl_daemon.c: edgefwd */
int cmd_hello(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_switch(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_counters(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_exceptions(int argc, char **argv);

/* ctl_explain.c: why a flow passes or is dropped */
int cmd_explain(int argc, char **argv);

/* ctl_exceptions.c: timed exceptions */
int cmd_allow(int argc, char **argv);
int cmd_revoke(int argc, char **argv);

#endif
