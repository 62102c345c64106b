/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the netlink layer: the socket, batch buffers, dumps. */
#ifndef EDGEFW_NL_SOCK_H
#define EDGEFW_NL_SOCK_H

#include <libmnl/libmnl.h>
#include <stdarg.h>

#include "nl.h"

struct ef_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/*
 * A batch in one growing buffer, sent with a single sendmsg. Each message
 * asks for an ack and has a description, so a kernel error names the
 * object it concerns.
 */
struct ef_batch {
	char *buf;
	size_t len, cap;
	uint32_t seq_begin;	/* the batch-begin message's */
	uint32_t nmsgs;		/* messages between begin and end */
	char **what;		/* description of message i (seq_begin + 1 + i) */
	size_t what_cap;
	int err;		/* sticky: first -ENOMEM */
};

/* Room one message may take; element messages are filled up to it. */
#define EF_MSG_ROOM (64u * 1024)

/*
 * Starts a batch. With `genid`, the kernel refuses it (-ERESTART) if the
 * ruleset changed since that generation was read.
 */
void ef_batch_init(struct ef_batch *b, struct ef_nl *nl,
		   const uint32_t *genid);
/*
 * Starts an nf_tables message with room for EF_MSG_ROOM bytes; NULL when
 * out of memory (then b->err is set and the batch must not be sent).
 */
struct nlmsghdr *ef_batch_msg(struct ef_batch *b, struct ef_nl *nl,
			      uint16_t type, uint16_t flags, const char *fmt,
			      ...) __attribute__((format(printf, 5, 6)));
/* Ends the message started last (its length is in its header). */
void ef_batch_msg_done(struct ef_batch *b, struct nlmsghdr *nlh);
/* Closes, sends, reads every ack. 0, or the first error and *ret_why. */
int ef_batch_send(struct ef_batch *b, struct ef_nl *nl, char **ret_why);
void ef_batch_free(struct ef_batch *b);

/* nl_write.c: the pieces a replace or a delta is made of. `idx` lists
 * the elements to send (NULL: all of them). */
int ef_nl_put_elems(struct ef_batch *b, struct ef_nl *nl,
		    const struct ef_set *set, uint16_t type,
		    const size_t *idx, size_t n);
int ef_nl_put_table(struct ef_batch *b, struct ef_nl *nl, uint16_t type,
		    uint16_t flags, const uint32_t *table_flags);
int ef_nl_put_set(struct ef_batch *b, struct ef_nl *nl,
		  const struct ef_set *set, uint32_t id);
int ef_nl_put_chain(struct ef_batch *b, struct ef_nl *nl,
		    const struct ef_chain *c, bool policy_only);
int ef_nl_put_rule(struct ef_batch *b, struct ef_nl *nl,
		   const struct ef_model *m, const struct ef_chain *c,
		   size_t idx, uint64_t before);

/* The whole-table replace, built but not sent. */
int ef_nl_build_replace(struct ef_batch *b, struct ef_nl *nl,
			const struct ef_model *m);
/* Reads the model back out of a built batch, as the kernel would take it:
 * the message builder tested without a kernel. */
int ef_nl_parse_batch(const void *buf, size_t len, struct ef_model **ret);

/* Sends a dump request and runs cb on every reply. -EINTR if the dump was
 * interrupted by a concurrent change (redo it). */
int ef_nl_dump(struct ef_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data);
/* A single request answered by one object or an error. */
int ef_nl_get(struct ef_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	      void *data);

#endif
