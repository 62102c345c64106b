// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl allow and revoke: timed exceptions, asked of edgefwd. What
 * edgefwd would refuse for its form is refused here first (exit 2),
 * with the protocol's own words; what it refuses for the site (too long,
 * no such role, an overlap) it says itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "exception.h"

static const struct ctl_syntax allow_syntax = {
	{ "PROTO PORT [from ADDR] [to ROLE|ADDR] --for DURATION NOTE "
	  CTL_DAEMON_USAGE },
	(const struct option[]){ O_FOR, O_SOCKET, O_TIMEOUT, O_JSON, O_HELP,
				 O_END },
	3, 7
};

struct allow_args {
	struct ctl_daemon_args daemon;
	uint64_t secs;
};

static int allow_opt(void *ctx, const char *cmd, int opt, const char *arg)
{
	struct allow_args *a = ctx;

	if (opt != OPT_FOR)
		return ctl_daemon_opt(&a->daemon, cmd, opt, arg);
	if (ef_parse_duration(arg, EF_EXC_SECS_MAX, &a->secs))
		return ctl_refuse(cmd, "--for needs a duration like 90s, 30m, 1h or 2d (at most 30d), not '%s'",
				  arg);
	return 0;
}

/* A word that stays one word in the request line. */
static bool one_word(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if ((unsigned char)*w <= ' ' || *w == '"' || *w == '\\' ||
		    *w == 0x7f)
			return false;
	return true;
}

/*
 * The words before the note, as the protocol's line, parsed by its own
 * parser: then its messages are the ones edgefwd would give. The note
 * goes in after, checked as the parser checks it.
 */
static int allow_request(const char *cmd, const struct ctl_words *w,
			 uint64_t secs, struct ef_ctl_request *rq)
{
	const char *note = w->v[w->n - 1], *why = NULL;
	struct ef_strbuf sb = { 0 };
	int err;

	ef_sb_printf(&sb, "allow");
	for (int i = 0; i < w->n - 1; i++) {
		if (!one_word(w->v[i])) {
			ef_sb_free(&sb);
			return ctl_refuse(cmd, "'%s' is not one word", w->v[i]);
		}
		ef_sb_printf(&sb, " %s", w->v[i]);
	}
	ef_sb_printf(&sb, " for %llu note \"-\"", (unsigned long long)secs);
	err = sb.err ? -ENOMEM : ef_ctl_parse(sb.buf, rq, &why);
	ef_sb_free(&sb);
	if (err == -ENOMEM)
		return ctl_refuse(cmd, "out of memory");
	if (err)
		return ctl_refuse(cmd, "%s", why);
	if (strlen(note) > EF_EXC_NOTE_MAX)
		return ctl_refuse(cmd, "the note is longer than %d bytes",
				  EF_EXC_NOTE_MAX);
	if (!ef_note_valid(note, strlen(note)))
		return ctl_refuse(cmd, "the note must be UTF-8 text without control characters, not only blanks");
	strcpy(rq->allow.note, note);
	return 0;
}

int cmd_allow(int argc, char **argv)
{
	struct allow_args a = { .daemon = CTL_DAEMON_ARGS_INIT };
	struct ef_ctl_request rq;
	struct ctl_words w;
	int status = ctl_parse(&allow_syntax, argc, argv, allow_opt, &a, &w);

	if (status != CTL_GO)
		return status;
	if (!a.secs)
		return ctl_refuse(argv[0], "--for DURATION is required: how long it stays open");
	/* PROTO PORT, pairs, the note last. */
	if (w.n % 2 == 0)
		return ctl_refuse(argv[0], "the note comes last, one word (quote it): %s %s %s",
				  prog, argv[0], allow_syntax.usage[0]);
	status = allow_request(argv[0], &w, a.secs, &rq);
	return status ? status : ctl_daemon_ask(&a.daemon, &rq);
}

static const struct ctl_syntax revoke_syntax = {
	{ "ID " CTL_DAEMON_USAGE },
	(const struct option[]){ O_SOCKET, O_TIMEOUT, O_JSON, O_HELP, O_END },
	1, 1
};

int cmd_revoke(int argc, char **argv)
{
	struct ctl_daemon_args a = CTL_DAEMON_ARGS_INIT;
	struct ef_ctl_request rq = { .cmd = EF_CTL_REVOKE };
	struct ctl_words w;
	unsigned long id;
	int status = ctl_parse(&revoke_syntax, argc, argv, ctl_daemon_opt, &a,
			       &w);

	if (status != CTL_GO)
		return status;
	if (ef_parse_uint(w.v[0], 1, UINT32_MAX, &id))
		return ctl_refuse(argv[0], "'%s' is not an exception id (edgefwctl exceptions lists them)",
				  w.v[0]);
	rq.exception_id = (uint32_t)id;
	return ctl_daemon_ask(&a, &rq);
}
