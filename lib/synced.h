/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a reconciler that stays leaves for the next one when it exits in
 * sync: "the table equaled the model of this fingerprint at generation G,
 * in network namespace N of boot B", one small file DIR/synced:
 *
 *	edgefw-synced 1
 *	boot 0c5a...-...
 *	netns 4097
 *	genid 1234
 *	flags 4
 *	fingerprint 9f1c2a0b3d4e5f60
 *
 * The generation counts every commit of the namespace, to any table, and
 * only ever grows; the boot id and the namespace cookie are never reused
 * within a boot. So while all three are still the same, nobody has
 * committed since: the table is still that model, with those flags, and a
 * restart that compiles the same model (same fingerprint) need not read
 * it back. Anything else, and it reads.
 */
#ifndef EDGEFW_SYNCED_H
#define EDGEFW_SYNCED_H

#include <stdint.h>

#include "model.h"

#define EF_SYNCED_FILE "synced"

struct ef_synced {
	char boot[40];		/* /proc/sys/kernel/random/boot_id */
	uint64_t netns;		/* SO_NETNS_COOKIE of our sockets */
	uint32_t genid;
	uint32_t flags;		/* the table's flags once the writer is gone */
	uint64_t fingerprint;	/* ef_model_fingerprint */
};

/* This boot and this namespace (genid, flags, fingerprint left 0). */
int ef_synced_here(struct ef_synced *ret);
/* The model as the kernel is given it: a hash of its replace batch. */
int ef_model_fingerprint(const struct ef_model *m, uint64_t *ret);
/* DIR/synced, replaced atomically (temporary file, fsync, rename). */
int ef_synced_save(const char *dir, const struct ef_synced *s);
/* -ENOENT: none; -EINVAL: not one of ours. */
int ef_synced_load(const char *dir, struct ef_synced *ret);

#endif
