/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side: one nfnetlink socket, batches that are all or nothing,
 * dumps of our table. Only table inet edgefw is ever written or read.
 */
#ifndef EDGEFW_NL_H
#define EDGEFW_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct nftnl_rule;
struct ef_nl;

/* Opens the socket (needs CAP_NET_ADMIN for writes). 0 or -errno. */
int ef_nl_open(struct ef_nl **ret);
void ef_nl_close(struct ef_nl *nl);
/* What the kernel's error means for a batch of ours: strerror, except
 * where errno's name misleads (ENFILE from a set is a full set). */
const char *ef_nl_strerror(int err);

/*
 * Replaces table inet edgefw by `m` in one batch: the table is created (if
 * missing), deleted and built again inside the same transaction, so no
 * packet sees a missing or half-built table. On a kernel error returns it
 * and sets *ret_why to the object it concerns (caller frees).
 */
int ef_nl_replace(struct ef_nl *nl, const struct ef_model *m, char **ret_why);

/*
 * Whether a kernel of this release (uname -r) keeps an owned table when
 * its owner exits (table flag persist, Linux 6.9). Owning a table without
 * it would drop the firewall with the process: `lock = auto` never does.
 */
bool ef_kernel_can_persist(const char *release);

/* The ruleset generation now: read it before a dump, send it with the
 * batch, and the kernel refuses the batch if anyone committed between. */
int ef_nl_genid(struct ef_nl *nl, uint32_t *ret);

/*
 * Sends `delta` (from ef_diff(desired, live)) as one batch guarded by
 * `genid`. -ERESTART: the ruleset changed since; read again and retry.
 */
struct ef_delta;
int ef_nl_send_delta(struct ef_nl *nl, const struct ef_model *desired,
		     const struct ef_delta *delta, uint32_t genid,
		     char **ret_why);

/*
 * Reads table inet edgefw into a new model (sets sorted, element counters
 * filled). -ENOENT when the table does not exist.
 */
int ef_nl_read(struct ef_nl *nl, struct ef_model **ret, char **ret_why);
/*
 * The table's chains and rules only, in a few messages however large its
 * sets: for the counts of rules that look no set up (a rule that does has
 * no set to be read against, and reads as foreign). -ENOENT as above.
 */
int ef_nl_read_rules(struct ef_nl *nl, struct ef_model **ret);

/*
 * One object of our table read alone, into `into`: set `name` with its
 * elements (sorted), or chain `name` with its rules (their lookups
 * described by the sets of `sets`). -ENOENT: the kernel has none.
 */
int ef_nl_read_set(struct ef_nl *nl, struct ef_model *into, const char *name);
int ef_nl_read_chain(struct ef_nl *nl, struct ef_model *into,
		     const struct ef_model *sets, const char *name);
/* The element of set `into` (by its name, key and shape) at `key`, a key
 * of ef_set_key_len bytes, added to `into`. -ENOENT: none. */
int ef_nl_get_elem(struct ef_nl *nl, struct ef_set *into, const void *key);

/* nl_expr.c */
int ef_rule_linearize(struct nftnl_rule *r, const struct ef_model *m,
		      const struct ef_rule *er);
int ef_rule_delinearize(const struct nftnl_rule *r, const struct ef_model *m,
			struct ef_rule *ret);

#endif
