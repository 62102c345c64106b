/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol of edgefwd: a unix stream socket, one request a line
 * (at most EF_CTL_REQUEST_MAX bytes with its newline), one reply a line (a
 * JSON object and "\n"). This is the framing, the request grammar and the
 * reply encoding; what the commands do is the daemon's business.
 *
 *   hello | status | list | confirm | rollback | diff | reconcile |
 *   counters | reload | exceptions
 *   switch NAME [--dry-run] [--confirm SECONDS]
 *   allow PROTO PORT [from ADDR] [to ROLE|ADDR] for SECONDS note "TEXT"
 *   revoke ID
 *   explain PROTO PORT to ADDR [from ADDR] [in IFACE] [out IFACE]
 *
 * Words are separated by blanks (spaces, tabs); commands and options are
 * lower case, unknown or extra words are errors. The options of switch may
 * come before or after NAME. NAME is [a-z][a-z0-9_-]*, at most 31 bytes;
 * SECONDS is decimal, 1 to 86400. --dry-run may be repeated (it is a flag);
 * --confirm may not (two values could disagree). --dry-run and --confirm
 * together parse; the daemon decides what a dry run with a confirm means.
 *
 * allow opens a timed exception: PROTO is tcp or udp, PORT a port or a
 * range (8443, 50000-50100); then, in any order, each once, `from ADDR`
 * (an address or network, default any), `to ROLE|ADDR` (an address role
 * of the active policy, or one address; default this machine), `for
 * SECONDS` (1 to 2592000, required; the site may allow less) and `note
 * "TEXT"` (required): TEXT in double quotes, where \" and \\ stand for
 * a quote and a backslash, is UTF-8 without control characters, 1 to
 * 200 bytes, not only blanks. revoke closes exception ID early.
 *
 * explain asks which rows of the active policy admit a new connection,
 * or why it is dropped: PROTO tcp or udp, PORT one port, then in any
 * order, each once, `to ADDR` (one address, required), `from ADDR` (one
 * address of the same family; default: one in no group), `in IFACE` and
 * `out IFACE` (interface names, 1 to 15 bytes of printable ASCII but
 * '/' and quotes; default: each zone's).
 */
#ifndef EDGEFW_CTL_PROTO_H
#define EDGEFW_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "exception.h"
#include "explain.h"
#include "model.h"

#define EF_CTL_VERSION 1
#define EF_CTL_REQUEST_MAX 4096		/* bytes of a request, with "\n" */
#define EF_CTL_NAME_MAX 31		/* bytes of a policy name */
#define EF_CTL_CONFIRM_MAX 86400	/* seconds: one day */
#define EF_CTL_WHY_MAX 96

enum ef_ctl_cmd {
	EF_CTL_HELLO,
	EF_CTL_STATUS,
	EF_CTL_LIST,
	EF_CTL_SWITCH,
	EF_CTL_CONFIRM,
	EF_CTL_ROLLBACK,
	EF_CTL_DIFF,
	EF_CTL_RECONCILE,
	EF_CTL_COUNTERS,
	EF_CTL_RELOAD,
	EF_CTL_ALLOW,
	EF_CTL_REVOKE,
	EF_CTL_EXCEPTIONS,
	EF_CTL_EXPLAIN,
};

/* explain: the flow asked about (see explain.h). */
struct ef_ctl_explain {
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	struct ef_addr_range from;	/* family 0: not said */
	struct ef_addr_range to;
	char iif[EF_IFNAME_LEN], oif[EF_IFNAME_LEN];	/* "": not said */
};

/* allow: what the client asked to open. */
struct ef_ctl_allow {
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port_lo, port_hi;
	struct ef_addr_range from;	/* family 0: not said (any) */
	/* to: a role, or one address (family 0: not said) */
	char to_role[EF_CTL_NAME_MAX + 1];
	struct ef_addr_range to_addr;
	uint32_t secs;
	char note[EF_EXC_NOTE_MAX + 1];
};

struct ef_ctl_request {
	enum ef_ctl_cmd cmd;
	char name[EF_CTL_NAME_MAX + 1];	/* switch */
	bool dry_run;			/* switch */
	unsigned int confirm_secs;	/* switch; 0 = none */
	/* confirm, rollback: only if this switch is the one waiting (the
	 * id a switch --confirm answered with); 0 = whichever waits. */
	uint64_t switch_id;
	struct ef_ctl_allow allow;	/* allow */
	uint32_t exception_id;		/* revoke */
	struct ef_ctl_explain explain;	/* explain */
	/* Where a failed parse writes a message quoting the bad word. */
	char why_buf[EF_CTL_WHY_MAX];
};

/*
 * Parses one request line (no newline; one trailing "\r" is ignored):
 *   hello | status | list | diff | reconcile | counters | reload |
 *   exceptions
 *   switch NAME [--dry-run] [--confirm SECONDS]
 *   confirm [ID] | rollback [ID]
 *   allow PROTO PORT [from ADDR] [to ROLE|ADDR] for SECONDS note "TEXT"
 *   revoke ID
 *   explain PROTO PORT to ADDR [from ADDR] [in IFACE] [out IFACE]
 * Returns 0, or -EINVAL with *why (if why is not NULL) set to a message for
 * the client: either a string literal ("empty request", "switch needs a
 * policy name", "invalid policy name", "policy name longer than 31 bytes",
 * "--confirm needs seconds (1 to 86400)", "--confirm given twice") or, for
 * "unknown command 'foo'", "unknown option '--foo'", "unexpected word 'x'",
 * "not a switch id 'x'" and the like of allow and revoke ("not a port
 * 'x'"), text in ret->why_buf, valid while *ret lives and is not parsed
 * into again. Quoted words are cut to 32 bytes ("...") and bytes other than
 * printable ASCII shown as '?': every message is short, one line, ASCII.
 */
int ef_ctl_parse(const char *line, struct ef_ctl_request *ret,
		 const char **why);
/* The flow an explain request asks about (the source only if said). */
void ef_ctl_explain_flow(const struct ef_ctl_explain *x, struct ef_flow *ret);
/* "hello", "switch", ...; NULL for a value outside the enum. */
const char *ef_ctl_cmd_name(enum ef_ctl_cmd cmd);
/* Does it leave the firewall and the daemon's state as they are? Only
 * such requests are served on the read-only socket. */
bool ef_ctl_request_read_only(const struct ef_ctl_request *rq);

/*
 * Per-client input buffer: feed bytes as they arrive, take whole lines
 * out. Zero it to start. It holds two requests' worth, so that reading at
 * most EF_CTL_REQUEST_MAX bytes at a time and taking every whole line out
 * before the next read always fits, whatever part of a line is left over:
 *
 *	n = read(fd, tmp, EF_CTL_REQUEST_MAX);
 *	err = ef_ctl_reader_feed(&r, tmp, n);	(< 0: reply, close)
 *	while ((got = ef_ctl_reader_line(&r, line)) != 0) ...
 */
struct ef_ctl_reader {
	char buf[2 * EF_CTL_REQUEST_MAX];
	size_t len;
	bool overflow;
};

/* Bytes the next feed may bring: 0 after an overflow. */
size_t ef_ctl_reader_room(const struct ef_ctl_reader *r);
/*
 * Appends n bytes. Returns 0; -EMSGSIZE once a line has grown past the
 * limit (EF_CTL_REQUEST_MAX bytes with no newline among them, or a longer
 * line with one): the connection should then get an error reply and be
 * closed; later feeds say -EMSGSIZE again, ef_ctl_reader_line() says 0.
 * -ENOBUFS, keeping nothing, if n is more than ef_ctl_reader_room().
 */
int ef_ctl_reader_feed(struct ef_ctl_reader *r, const char *data, size_t n);
/*
 * If a whole line is buffered: copies it without its "\n" or "\r\n",
 * NUL-terminated, to `line` (EF_CTL_REQUEST_MAX bytes), removes it from the
 * buffer and returns 1; else 0. A line holding a NUL byte is removed and
 * refused with -EINVAL (reply with an error; later lines still come).
 */
int ef_ctl_reader_line(struct ef_ctl_reader *r, char *line);
/* Is a whole line waiting (ef_ctl_reader_line() would not say 0)? */
bool ef_ctl_reader_has_line(const struct ef_ctl_reader *r);

/*
 * A reply object as text: one line of JSON ("\n" at the end and nowhere
 * else: json-c escapes quotes, newlines and control characters in strings),
 * no spaces, "/" not escaped. The caller frees it and still owns o. NULL if
 * o is not a JSON object, or out of memory.
 */
char *ef_ctl_reply_text(struct json_object *o);
/* {"ok":false,"error":MSG} as text, like ef_ctl_reply_text; NULL: ENOMEM. */
char *ef_ctl_error_text(const char *msg);
/* A new {"ok":true} to add fields to (they keep their order); NULL: ENOMEM. */
struct json_object *ef_ctl_ok(void);

/*
 * Client side: the request line for *rq, "\n" included, in the one form
 * ef_ctl_parse reads back as the same request (name, then --dry-run, then
 * --confirm; a switch id last; allow's words in the order of its
 * grammar), e.g. "switch web --confirm 60\n". why_buf
 * is not read. 0 with a malloc'd line in *ret_line; -EINVAL, *ret_line
 * untouched, if no line reads back as *rq: a command outside the enum, a
 * name that is not a policy name (or not NUL-terminated), seconds out of
 * range, or a field its command does not take (a name, --dry-run or
 * seconds but for switch, a switch id but for confirm and rollback, an
 * exception but for allow, an exception id but for revoke); -ENOMEM.
 */
int ef_ctl_request_format(const struct ef_ctl_request *rq, char **ret_line);
/* The same request (why_buf aside)? */
bool ef_ctl_request_equal(const struct ef_ctl_request *a,
			  const struct ef_ctl_request *b);
/*
 * Client side: parses one reply line (a trailing "\n" or "\r\n" and blanks
 * around are fine). Returns the object (the caller puts it), or NULL if the
 * text is not exactly one JSON object in valid UTF-8.
 */
struct json_object *ef_ctl_reply_parse(const char *line);

#endif
