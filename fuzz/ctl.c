// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol, as edgefwd meets a client: the input's first byte
 * is the size of the pieces the client's bytes arrive in (0: as large as
 * a read takes, EF_CTL_REQUEST_MAX), the rest are those bytes. They go
 * through an ef_ctl_reader as edgefwd's loop feeds it (a read only when
 * no whole line waits), and each line through ef_ctl_parse. Checked on
 * the way:
 *
 * - the reader's promise: then a whole read always fits (never
 *   -ENOBUFS), and every line it gives is shorter than
 *   EF_CTL_REQUEST_MAX;
 * - a request that parses is written again by the client's
 *   ef_ctl_request_format, and that line parses to the same request;
 * - a refusal says why in one short line of printable ASCII, and the
 *   client reads that message back from edgefwd's error reply.
 *
 * Each line also goes through ef_ctl_reply_parse, the client's reader of
 * the daemon's replies.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "fuzz.h"

/* The refusal edgefwd sends, and what the client reads of it. */
static void check_why(const char *why)
{
	struct json_object *o, *err;
	char *reply;
	size_t n;

	if (!why)
		abort();
	n = strlen(why);
	if (n == 0 || n >= EF_CTL_WHY_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (why[i] < ' ' || why[i] > '~')
			abort();
	reply = ef_ctl_error_text(why);
	if (!reply)
		abort();
	o = ef_ctl_reply_parse(reply);
	if (!o || !json_object_object_get_ex(o, "error", &err) ||
	    strcmp(json_object_get_string(err), why))
		abort();
	json_object_put(o);
	free(reply);
}

static bool same(const struct ef_ctl_request *a,
		 const struct ef_ctl_request *b)
{
	return a->cmd == b->cmd && !strcmp(a->name, b->name) &&
	       a->dry_run == b->dry_run && a->confirm_secs == b->confirm_secs &&
	       a->switch_id == b->switch_id;
}

/* The client writes the same request again, as one line. */
static void check_rebuilt(const struct ef_ctl_request *rq)
{
	struct ef_ctl_request rq2;
	const char *why = NULL;
	char *again = NULL;
	size_t len;

	if (ef_ctl_request_format(rq, &again) || !again)
		abort();
	len = strlen(again);
	if (len > EF_CTL_REQUEST_MAX || again[len - 1] != '\n' ||
	    memchr(again, '\n', len - 1))
		abort();
	again[len - 1] = '\0';
	if (ef_ctl_parse(again, &rq2, &why) || !same(rq, &rq2))
		abort();
	free(again);
}

static void serve(char *line)
{
	struct ef_ctl_request rq;
	const char *why = NULL;
	struct json_object *o;

	if (strlen(line) >= EF_CTL_REQUEST_MAX)
		abort();
	if (ef_ctl_parse(line, &rq, &why)) {
		check_why(why);
	} else {
		if (!ef_ctl_cmd_name(rq.cmd))
			abort();
		(void)ef_ctl_request_read_only(&rq);
		check_rebuilt(&rq);
	}
	o = ef_ctl_reply_parse(line);
	if (o) {
		free(ef_ctl_reply_text(o));
		json_object_put(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ef_ctl_reader r;
	static char line[EF_CTL_REQUEST_MAX];
	size_t piece, pos = 1;

	if (size == 0)
		return 0;
	piece = data[0] ? data[0] : EF_CTL_REQUEST_MAX;
	memset(&r, 0, sizeof(r));
	for (;;) {
		int got;

		if (!ef_ctl_reader_has_line(&r)) {
			size_t n = size - pos, room = ef_ctl_reader_room(&r);
			int err;

			if (n == 0)
				break;
			/* A whole read always fits (only an overflow, which
			 * ends the connection, leaves no room). */
			if (room < EF_CTL_REQUEST_MAX)
				abort();
			if (n > piece)
				n = piece;
			err = ef_ctl_reader_feed(&r, (const char *)data + pos, n);
			pos += n;
			if (err == -EMSGSIZE)
				break;	/* edgefwd replies and closes */
			if (err)
				abort();
		}
		got = ef_ctl_reader_line(&r, line);
		if (got == 1)
			serve(line);
		else if (got != -EINVAL && ef_ctl_reader_has_line(&r))
			abort();
	}
	return 0;
}
