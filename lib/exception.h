/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timed exceptions: a port opened for a while (to debug), closed by the
 * kernel itself. Each is elements with a timeout in the runtime sets ex4
 * and ex6 of the table, and a line of the record edgefwd keeps next to
 * its state file, DIR/exceptions, so that a restarted daemon opens again
 * those not yet expired, for the time they have left:
 *
 *	edgefw-exceptions 1
 *	next 8
 *	x 7 ADDED EXPIRES 0 tcp 8443-8443 203.0.113.7 198.51.100.10,2001:db8:100::10 access_edge the note, to the end
 *
 * An exception line holds its id, when it was added and when it expires
 * (milliseconds since the epoch), the uid that added it, the protocol,
 * the ports, `from` ("any" or an address or network), `to` ("local":
 * this machine, or the addresses it opens), the role `to` named ("-"
 * for none) and the note, the rest of the line. `next` is the id the
 * next exception gets: ids are not used twice. The file is replaced
 * atomically; any defect makes all of it untrusted.
 */
#ifndef EDGEFW_EXCEPTION_H
#define EDGEFW_EXCEPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lex.h"
#include "model.h"
#include "util.h"

#define EF_EXC_FILE "exceptions"
#define EF_EXC_SECS_MAX (30u * 86400)	/* the longest a site may allow */
#define EF_EXC_SECS_DEFAULT 86400u	/* exception-max, unless the site says */
#define EF_EXC_NOTE_MAX 200		/* bytes of a note */
#define EF_EXC_TO_MAX 16		/* addresses one exception opens */
#define EF_EXC_MAX 64			/* exceptions at once */
#define EF_EXC_FILE_MAX (128u << 10)	/* a larger record is corrupt */

struct ef_exception {
	uint32_t id;
	int64_t added_ms, expires_ms;	/* since the epoch */
	uint32_t uid;			/* who added it */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port_lo, port_hi;
	struct ef_addr_range from;	/* family 0: any */
	/* What it opens: none, this machine (every address the input
	 * chain sees packets for); else these addresses. */
	struct ef_addr_range to[EF_EXC_TO_MAX];
	size_t nto;
	char role[EF_ROLE_MAX];		/* the role `to` named; "" none */
	char note[EF_EXC_NOTE_MAX + 1];
};

struct ef_exceptions {
	struct ef_exception *v;
	size_t n, cap;
	uint32_t next_id;		/* the next one's; 0 counts as 1 */
};

/*
 * Is it a note: 1 to EF_EXC_NOTE_MAX bytes of UTF-8 text (shortest forms,
 * no surrogates), no control characters (C0, DEL, C1), not only blanks?
 * s[len] must be readable (a NUL there, as in a string).
 */
bool ef_note_valid(const char *s, size_t len);

/* Takes a copy of *x, giving it the next id if its id is 0. 0, -E2BIG
 * (EF_EXC_MAX already), -ENOMEM. */
int ef_exceptions_add(struct ef_exceptions *xs, const struct ef_exception *x);
/* Removes the i-th (order kept). */
void ef_exceptions_remove(struct ef_exceptions *xs, size_t i);
/* The index of exception `id`, or -1. */
long ef_exceptions_find(const struct ef_exceptions *xs, uint32_t id);
void ef_exceptions_free(struct ef_exceptions *xs);

/* Writes DIR/exceptions atomically (ef_state_write_file). 0, -EINVAL for
 * an exception that would not read back, or -errno. */
int ef_exceptions_save(const char *dir, const struct ef_exceptions *xs);
/*
 * Reads DIR/exceptions into *ret (emptied first; the caller frees it).
 * 0; -ENOENT when there is none; -EINVAL when it is corrupt (*ret_line:
 * the line, 0 for the file as a whole: not a regular file, too large):
 * then *ret is empty, nothing of it to be trusted. Expired exceptions are
 * kept: the caller says they expired.
 */
int ef_exceptions_load(const char *dir, struct ef_exceptions *ret,
		       unsigned int *ret_line);

/*
 * Appends x's elements, each with the time it has left at now_ms and the
 * comment "exception ID", to set4 and set6 (the shapes of the model's ex4
 * and ex6): from x (any: the whole family) to each address of x (none:
 * the whole family, this machine), protocol, ports. Nothing if it has
 * expired. 0 or -ENOMEM; the sets are left sorted.
 */
int ef_exception_elems(const struct ef_exception *x, int64_t now_ms,
		       struct ef_set *set4, struct ef_set *set6);
/* Does x open nothing at all (from and to of no common family)? */
bool ef_exception_empty(const struct ef_exception *x);
/* Could one packet match both (one set takes no overlapping elements)? */
bool ef_exceptions_overlap(const struct ef_exception *a,
			   const struct ef_exception *b);

/* "tcp", "udp" */
const char *ef_exception_proto(const struct ef_exception *x);
/* Its parts as people read them: the ports ("8443", "50000-50100"), the
 * peer ("any", "203.0.113.0/24"), what it opens ("this machine", the
 * role's name, the address). */
void ef_exception_ports(struct ef_strbuf *sb, const struct ef_exception *x);
void ef_exception_from(struct ef_strbuf *sb, const struct ef_exception *x);
void ef_exception_to(struct ef_strbuf *sb, const struct ef_exception *x);
/* "tcp 8443 from any to access_edge (198.51.100.10, 2001:db8:100::10)" */
void ef_exception_text(struct ef_strbuf *sb, const struct ef_exception *x);

#endif
