// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl: compile, check, apply and show edgefw policies, and ask
 * edgefwd. This file holds the command line: the table of commands, main()
 * and usage, every option with its help, the parsing every command does
 * of its own arguments (ctl_parse) and its --help; and how the commands
 * write their output. The commands are in ctl_local.c (files and the
 * kernel) and ctl_daemon.c (edgefwd).
 *
 * Exit status: 0 success, 1 a runtime or kernel error, 2 bad input or
 * usage (then nothing was applied), 3 the live table differs (verify,
 * diff).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "paths.h"

const char *const prog = "edgefwctl";

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

/* ---- Options ---- */

/* Every option of every command, as its --help describes it. */
static const struct ctl_opt_doc {
	struct option o;
	const char *value;	/* its value's name; NULL: a flag */
	const char *help;	/* "\n": a line more */
} opt_docs[] = {
	{ O_SITE, "SITE",
	  "the site file: this machine's addresses and peers" },
	{ O_POLICY_DIR, "DIR",
	  "look a POLICY name up as DIR/NAME.policy; repeated:\n"
	  "in the first DIR that has it (default:\n"
	  EF_POLICY_DIR_LOCAL ",\nthen " EF_POLICY_DIR_SHIPPED ")" },
	{ O_REPLACE, NULL,
	  "send the whole table, not what differs (one\ntransaction)" },
	{ O_JSON, NULL, "print JSON, the form for scripts" },
	{ O_COUNTERS, NULL, "add every element's packets and bytes" },
	{ O_SOCKET, "PATH",
	  "edgefwd's socket (default " CTL_SOCKET ";\n"
	  CTL_SOCKET_READ " for looking only)" },
	{ O_TIMEOUT, "SECONDS",
	  "wait at most SECONDS for edgefwd (1 to 3600,\ndefault 60)" },
	{ O_DRY_RUN, NULL, "only check that the policy compiles there" },
	{ O_CONFIRM, "SECONDS",
	  "go back by itself unless confirmed within SECONDS\n(1 to 86400)" },
	{ O_FOR, "DURATION",
	  "how long it stays open: 90s, 30m, 1h, 2d (a number\n"
	  "alone is seconds); the site's exception-max caps it" },
	{ O_FROM, "ADDR",
	  "the flow's source address (default: one in no\ngroup, said)" },
	{ O_TO, "ADDR", "the flow's destination address" },
	{ O_IN, "IFACE",
	  "the interface it comes in on (default: each\nzone's, and one of no zone)" },
	{ O_OUT, "IFACE",
	  "the interface it leaves by (default: each zone's,\nfor an outbound flow)" },
	{ O_HELP, NULL, "print this help" },
};

static const struct ctl_opt_doc *opt_doc(int opt)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_docs); i++)
		if (opt_docs[i].o.val == opt)
			return &opt_docs[i];
	return NULL;
}

const char *ctl_opt_name(int opt)
{
	const struct ctl_opt_doc *doc = opt_doc(opt);

	return doc ? doc->o.name : "?";
}

/*
 * The option a word of the command line names, as getopt_long reads it:
 * "--NAME" or "--NAME=VALUE" (NAME, or the start of only one name), "-C"
 * (C and what follows). NULL if none, or several (*ambiguous).
 */
static const struct ctl_opt_doc *opt_named(const char *word, bool *ambiguous)
{
	const struct ctl_opt_doc *found = NULL;
	size_t len;

	*ambiguous = false;
	if (word[0] != '-' || !word[1])
		return NULL;
	if (word[1] != '-')
		return opt_doc((unsigned char)word[1] < 128 ? word[1] : -1);
	word += 2;
	len = strcspn(word, "=");
	for (size_t i = 0; len && i < ARRAY_SIZE(opt_docs); i++) {
		const char *name = opt_docs[i].o.name;

		if (strlen(name) == len && !strncmp(name, word, len)) {
			*ambiguous = false;
			return &opt_docs[i];
		}
		if (!strncmp(name, word, len)) {
			*ambiguous = found != NULL;
			found = &opt_docs[i];
		}
	}
	return *ambiguous ? NULL : found;
}

int ctl_refuse(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_INPUT;
}

/*
 * getopt_long refused an option of argv (c: '?', or ':' for a missing
 * value): says which and why. The word it refused is argv[optind - 1]
 * when it is a long option (optopt then 0 if unknown, else its val); a
 * short one is optopt.
 */
static int bad_option(const struct ctl_syntax *syn, int c, char **argv)
{
	const char *word = argv[optind - 1], *cmd = argv[0], *why;
	const struct ctl_opt_doc *doc = NULL;
	bool ambiguous = false, own = false;
	char name[48];

	if (!strncmp(word, "--", 2)) {
		doc = opt_named(word, &ambiguous);
		if (optopt && optopt < 256 && (!doc || doc->o.val != optopt))
			word = NULL;	/* a short one after all */
	} else {
		word = NULL;
	}
	if (word && doc)
		snprintf(name, sizeof(name), "--%s", doc->o.name);
	else if (word)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="),
			 word);
	else if (optopt > ' ' && optopt < 0x7f)
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "-\\x%02x", optopt & 0xff);
	if (!word)
		doc = opt_named(name, &ambiguous);
	for (const struct option *o = syn->opts; doc && o->name; o++)
		own = own || o->val == doc->o.val;
	if (c == ':')
		why = "needs a value";
	else if (own)
		why = "takes no value";
	else if (doc)
		why = "does not apply";
	else
		why = ambiguous ? "is ambiguous" : "is unknown";
	return ctl_refuse(cmd, "option '%s' %s; see %s %s --help", name, why,
			  prog, cmd);
}

/* ---- Commands ---- */

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} commands[] = {
	{ "check", cmd_check,
	  "Validates a policy (and site) offline; nothing is applied" },
	{ "compile", cmd_compile,
	  "Prints the ruleset the policy compiles to, as nft text" },
	{ "apply", cmd_apply,
	  "Sends what differs from the live table, in one batch" },
	{ "diff", cmd_diff,
	  "What apply would send (exit 3 if anything); no POLICY: edgefwd's" },
	{ "show", cmd_show,
	  "Reads table inet edgefw from the kernel and prints it" },
	{ "verify", cmd_verify,
	  "Exits 0 if the live table equals the compiled policy, 3 if not" },
	{ "hello", cmd_hello, "Asks edgefwd for its protocol version" },
	{ "status", cmd_status,
	  "edgefwd's policy, generation, last reconcile, corrections, drops" },
	{ "reconcile", cmd_reconcile, "Has edgefwd reconcile now" },
	{ "reload", cmd_reload, "Has edgefwd read the site and policy again" },
	{ "switch", cmd_switch,
	  "Has edgefwd apply another policy (and go back unless confirmed)" },
	{ "confirm", cmd_confirm,
	  "Keeps the policy a switch --confirm applied (switch ID only)" },
	{ "rollback", cmd_rollback,
	  "Goes back to the policy before the last switch (while ID waits)" },
	{ "list", cmd_list, "The policies edgefwd can switch to" },
	{ "counters", cmd_counters,
	  "Packets and bytes per policy row (with its note), drops per chain" },
	{ "metrics", cmd_metrics,
	  "edgefwd's status, rows and drops for Prometheus (text format)" },
	{ "allow", cmd_allow,
	  "Has edgefwd open a port for a while (a timed exception, with a note)" },
	{ "exceptions", cmd_exceptions,
	  "The timed exceptions open now: time left, note, who, hits" },
	{ "revoke", cmd_revoke, "Has edgefwd close a timed exception early" },
	{ "explain", cmd_explain,
	  "Which rows admit a flow, or which chain drops it and why" },
};

static const struct command *command_named(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage_lines(FILE *f, const char *cmd,
			const struct ctl_syntax *syn)
{
	fprintf(f, "Usage: %s %s %s\n", prog, cmd, syn->usage[0]);
	if (syn->usage[1])
		fprintf(f, "   or: %s %s %s\n", prog, cmd, syn->usage[1]);
}

#define HELP_COL 26	/* where an option's help starts */

/* A command's --help: its usage, what it does, its options. Returns 0. */
static int help(const char *cmd, const struct ctl_syntax *syn)
{
	const struct command *c = command_named(cmd);

	usage_lines(stdout, cmd, syn);
	printf("%s.\n\nOptions:\n", c ? c->description : cmd);
	for (const struct option *o = syn->opts; o->name; o++) {
		const struct ctl_opt_doc *doc = opt_doc(o->val);
		int n;

		if (o->val < 256)
			n = printf("  -%c, --%s", o->val, o->name);
		else
			n = printf("      --%s", o->name);
		if (doc && doc->value)
			n += printf(" %s", doc->value);
		printf("%*s", n < HELP_COL ? HELP_COL - n : 1, "");
		for (const char *h = doc ? doc->help : ""; *h; h++) {
			putchar(*h);
			if (*h == '\n')
				printf("%*s", HELP_COL, "");
		}
		putchar('\n');
	}
	return 0;
}

int ctl_parse(const struct ctl_syntax *syn, int argc, char **argv,
	      ctl_opt_fn on_opt, void *ctx, struct ctl_words *ret)
{
	bool given[ARRAY_SIZE(opt_docs)] = { false };
	char shorts[8] = ":";	/* ':': a missing value is told apart */
	size_t n = 1;
	int c, status;

	for (const struct option *o = syn->opts; o->name; o++) {
		if (o->val > 255 || n + 3 > sizeof(shorts))
			continue;
		shorts[n++] = (char)o->val;
		if (o->has_arg == required_argument)
			shorts[n++] = ':';
	}
	shorts[n] = '\0';
	opterr = 0;	/* bad_option says why, naming the command */
	optind = 0;	/* glibc: 0 starts afresh on a new argv, as 1 may not */
	while ((c = getopt_long(argc, argv, shorts, syn->opts, NULL)) != -1) {
		const struct ctl_opt_doc *doc = opt_doc(c);

		if (c == '?' || c == ':' || !doc)
			return bad_option(syn, c, argv);
		if (c == OPT_HELP)
			return help(argv[0], syn);
		/* Two values could disagree; only directories add up. */
		if (given[doc - opt_docs] && doc->o.has_arg &&
		    c != OPT_POLICY_DIR)
			return ctl_refuse(argv[0], "option '--%s' given twice",
					  doc->o.name);
		given[doc - opt_docs] = true;
		status = on_opt(ctx, argv[0], c, optarg);
		if (status)
			return status;
	}
	if (argc - optind < syn->min_words || argc - optind > syn->max_words) {
		usage_lines(stderr, argv[0], syn);
		return EXIT_INPUT;
	}
	if (ret) {
		ret->v = argv + optind;
		ret->n = argc - optind;
	}
	return CTL_GO;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND [ARGUMENTS] [OPTIONS]\n"
		   "       %s COMMAND --help | help [COMMAND] | --version\n"
		   "\nCommands:\n", prog, prog);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].description);
	fprintf(f, "\nEach command takes only its own options, before or after its\n"
		   "arguments: %s COMMAND --help lists them.\n", prog);
	fprintf(f, "\nPOLICY is a file, or a name looked up as NAME.policy in the first\n"
		   "--policy-dir DIR that has it (default %s, then\n%s).\n",
		EF_POLICY_DIR_LOCAL, EF_POLICY_DIR_SHIPPED);
	fprintf(f, "\nExit status: 0 ok, 1 runtime or kernel error, "
		   "2 bad input or usage (nothing applied), 3 differs.\n");
}

/*
 * Where the command's name stands: after the options some put before it
 * (each with its value, if it takes one). argc if nowhere; -1 after
 * saying why.
 */
static int command_at(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const struct ctl_opt_doc *doc;
		bool ambiguous;

		if (!strcmp(argv[i], "--"))
			return i + 1;
		doc = opt_named(argv[i], &ambiguous);
		if (!doc) {
			fprintf(stderr, "%s: option '%.*s' is %s; see %s --help\n",
				prog, (int)strcspn(argv[i], "="), argv[i],
				ambiguous ? "ambiguous" : "unknown", prog);
			return -1;
		}
		/* Its value is the next word, unless "--NAME=V" or "-sV". */
		if (doc->o.has_arg == required_argument &&
		    !strchr(argv[i], '=') && (argv[i][1] == '-' || !argv[i][2]))
			i++;
	}
	return i;
}

/* help COMMAND: COMMAND --help. */
static int help_of(const char *name)
{
	const struct command *c = command_named(name);
	char *argv[] = { (char *)name, (char *)"--help", NULL };

	if (c)
		return c->fn(2, argv);
	fprintf(stderr, "%s: unknown command '%s'\n\n", prog, name);
	usage(stderr);
	return EXIT_INPUT;
}

int main(int argc, char **argv)
{
	const struct command *c;
	char *name;
	int at;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s %s\n", prog, EF_VERSION);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "help") ||
			  !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		if (argc == 3)
			return help_of(argv[2]);
		usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : EXIT_INPUT;
	}
	at = command_at(argc, argv);
	if (at < 0)
		return EXIT_INPUT;
	if (at >= argc) {
		usage(stderr);
		return EXIT_INPUT;
	}
	c = command_named(argv[at]);
	if (!c) {
		fprintf(stderr, "%s: unknown command '%s'\n\n", prog, argv[at]);
		usage(stderr);
		return EXIT_INPUT;
	}
	/* The options before its name go to the command as if after it. */
	name = argv[at];
	memmove(argv + 2, argv + 1, (size_t)(at - 1) * sizeof(*argv));
	argv[1] = name;
	return c->fn(argc - 1, argv + 1);
}
