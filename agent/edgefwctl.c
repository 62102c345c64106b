// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl: compile, check, apply and show edgefw policies, and ask
 * edgefwd. This file holds the table of commands, usage and main(), and
 * how the commands write their output; the commands are in ctl_local.c
 * (files and the kernel) and ctl_daemon.c (edgefwd).
 *
 * Exit status: 0 success, 1 a runtime or kernel error, 2 bad input or
 * usage (then nothing was applied), 3 the live table differs (verify,
 * diff).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

const char *const prog = "edgefwctl";

/* Prints the text built in sb and frees it: 0, or EXIT_RUNTIME (said
 * why) if building it ran out of memory or stdout cannot take it. */
int put_text(struct ef_strbuf *sb)
{
	int status = 0;

	if (sb->err) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = EXIT_RUNTIME;
	} else if (sb->buf && (fputs(sb->buf, stdout) == EOF ||
			       fflush(stdout) == EOF)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", prog,
			strerror(errno));
		status = EXIT_RUNTIME;
	}
	ef_sb_free(sb);
	return status;
}

void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static const struct {
	const char *name;
	int (*fn)(const struct args *a);
	const char *usage;
	const char *description;
} commands[] = {
	{ "check", cmd_check, "POLICY [--site SITE]",
	  "Validates a policy (and site) offline; nothing is applied" },
	{ "compile", cmd_compile, "POLICY --site SITE",
	  "Prints the ruleset the policy compiles to, as nft text" },
	{ "apply", cmd_apply, "POLICY --site SITE [--replace] [--json]",
	  "Sends what differs from the live table, in one batch" },
	{ "diff", cmd_diff, "[POLICY --site SITE] [--json]",
	  "What apply would send (exit 3 if anything); no POLICY: edgefwd's" },
	{ "show", cmd_show, "[--counters]",
	  "Reads table inet edgefw from the kernel and prints it" },
	{ "verify", cmd_verify, "POLICY --site SITE",
	  "Exits 0 if the live table equals the compiled policy, 3 if not" },
	{ "hello", cmd_daemon, "", "Asks edgefwd for its protocol version" },
	{ "status", cmd_daemon, "",
	  "edgefwd's active policy, generation, last reconcile, corrections" },
	{ "reconcile", cmd_daemon, "", "Has edgefwd reconcile now" },
	{ "reload", cmd_daemon, "", "Has edgefwd read the site and policy again" },
	{ "switch", cmd_daemon, "NAME [--dry-run] [--confirm SECONDS]",
	  "Has edgefwd apply another policy (and go back unless confirmed)" },
	{ "confirm", cmd_daemon, "[ID]", "Keeps the policy a switch --confirm applied (switch ID only)" },
	{ "rollback", cmd_daemon, "[ID]", "Goes back to the policy before the last switch (while ID waits)" },
	{ "list", cmd_daemon, "", "The policies edgefwd can switch to" },
	{ "counters", cmd_daemon, "",
	  "Packets and bytes per policy row, with the row's note" },
	{ "metrics", cmd_metrics, "[--socket PATH]",
	  "edgefwd's status and row counters for Prometheus (text format)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND [ARGS]\n\nCommands:\n", prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %-40s %s\n", commands[i].name,
			commands[i].usage, commands[i].description);
	fprintf(f, "\nPOLICY is a file, or a name looked up as NAME.policy in the first\n"
		   "--policy-dir DIR that has it (default %s, then\n%s).\n",
		EF_POLICY_DIR_LOCAL, EF_POLICY_DIR_SHIPPED);
	fprintf(f, "\nedgefwd's commands take --socket PATH (default /run/edgefw/control;\n"
		   "/run/edgefw/read for looking only), --timeout SECONDS (default 60)\n"
		   "and --json.\n");
	fprintf(f, "\nExit status: 0 ok, 1 runtime or kernel error, "
		   "2 bad input or usage (nothing applied), 3 differs.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "counters", no_argument, NULL, 'c' },
		{ "replace", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "confirm", required_argument, NULL, 'C' },
		{ "policy-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* A switch to a large policy compiles and applies it before the
	 * answer: seconds at most; a daemon that hangs must not hang its
	 * callers (scripts, timers) with it. */
	struct args a = { .socket = "/run/edgefw/control", .timeout = 60 };
	char *words[6];
	const char *confirm = NULL;
	bool dry_run = false;
	const char *cmd;
	int c;

	/* Options may stand before or after the command (getopt permutes). */
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a.site = optarg;
			break;
		case 'c':
			a.counters = true;
			break;
		case 'r':
			a.replace = true;
			break;
		case 'j':
			a.json = true;
			break;
		case 'S':
			a.socket = optarg;
			break;
		case 'T': {
			char *end;
			unsigned long t = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || !t ||
			    t > 3600) {
				fprintf(stderr, "%s: --timeout must be 1 to 3600 seconds, not '%s'\n",
					prog, optarg);
				return EXIT_INPUT;
			}
			a.timeout = (unsigned int)t;
			break;
		}
		case 'd':
			dry_run = true;
			break;
		case 'C':
			confirm = optarg;
			break;
		case 'P':
			if (ef_policy_dirs_add(&a.policy_dirs, optarg)) {
				fprintf(stderr, "%s: at most %d --policy-dir\n",
					prog, EF_POLICY_DIRS_MAX);
				return EXIT_INPUT;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return EXIT_INPUT;
		}
	}
	ef_policy_dirs_default(&a.policy_dirs);
	if (optind >= argc || !strcmp(argv[optind], "help")) {
		usage(optind >= argc ? stderr : stdout);
		return optind >= argc ? EXIT_INPUT : 0;
	}
	cmd = argv[optind++];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		bool wants_policy = commands[i].fn != cmd_show &&
				    commands[i].fn != cmd_metrics;

		if (strcmp(cmd, commands[i].name))
			continue;
		/* diff without a policy asks the daemon. */
		if (commands[i].fn == cmd_daemon ||
		    (commands[i].fn == cmd_diff && optind == argc)) {
			/* The request as the protocol spells it. */
			a.argc = 0;
			words[a.argc++] = (char *)cmd;
			if (optind < argc && a.argc < 3)
				words[a.argc++] = argv[optind++];
			if (dry_run)
				words[a.argc++] = (char *)"--dry-run";
			if (confirm) {
				words[a.argc++] = (char *)"--confirm";
				words[a.argc++] = (char *)confirm;
			}
			if (optind != argc) {
				fprintf(stderr, "Usage: %s %s %s\n", prog, cmd,
					commands[i].usage);
				return EXIT_INPUT;
			}
			a.argv = words;
			return cmd_daemon(&a);
		}
		if (wants_policy && optind != argc - 1) {
			fprintf(stderr, "Usage: %s %s %s\n", prog, cmd,
				commands[i].usage);
			return EXIT_INPUT;
		}
		if (!wants_policy && optind != argc) {
			fprintf(stderr, "Usage: %s %s %s\n", prog, cmd,
				commands[i].usage);
			return EXIT_INPUT;
		}
		if (wants_policy) {
			int status = find_policy(&a, argv[optind]);

			if (status)
				return status;
		}
		return commands[i].fn(&a);
	}
	fprintf(stderr, "%s: unknown command '%s'\n\n", prog, cmd);
	usage(stderr);
	return EXIT_INPUT;
}
