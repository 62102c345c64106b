/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What edgefwd persists so that a restart enforces the same policy: the
 * active policy's name and the one before it (for rollback), in one small
 * text file, DIR/state:
 *
 *	edgefw-state 1
 *	policy edge-single-public
 *	previous reverse-proxy
 *
 * The previous line may be absent. The file is replaced atomically.
 */
#ifndef EDGEFW_STATE_H
#define EDGEFW_STATE_H

#include <stdbool.h>

#define EF_STATE_NAME_MAX 32	/* a policy name, with NUL */
#define EF_STATE_FILE "state"
#define EF_STATE_SIZE_MAX 4096	/* larger files are corrupt */

struct ef_state {
	char policy[EF_STATE_NAME_MAX];		/* the active policy */
	char previous[EF_STATE_NAME_MAX];	/* the one before; "" = none */
};

/* Whether `name` is a policy name: [a-z][a-z0-9_-]{0,30}. */
bool ef_state_name_valid(const char *name);

/*
 * Writes DIR/state atomically: a temporary file in DIR (mode 0640) is
 * written and fsync'ed, renamed over DIR/state, and DIR is fsync'ed, so
 * after a crash the file holds the old state or the new one, never part of
 * either. 0; -EINVAL for a bad name in `s` (nothing is written); -ENOENT
 * when DIR does not exist; another -errno from the file system.
 */
int ef_state_save(const char *dir, const struct ef_state *s);

/*
 * Reads DIR/state. 0; -ENOENT when there is none; -EINVAL when it is not a
 * regular file or is corrupt (bad header, bad name, a missing policy line,
 * a key unknown or repeated, an unterminated line, more than
 * EF_STATE_SIZE_MAX bytes): the caller then falls back to the site's
 * default policy, never to an open firewall. *ret is untouched on failure.
 */
int ef_state_load(const char *dir, struct ef_state *ret);

/*
 * What ef_state_save and ef_state_load do for any small file of the
 * daemon's in DIR: replace DIR/NAME by `text` atomically; read DIR/NAME
 * (a regular file, no link) of at most `max` bytes into a NUL-terminated
 * buffer the caller frees. The reader says -ENOENT when there is none and
 * -EINVAL when it is not a regular file or is larger.
 */
int ef_state_write_file(const char *dir, const char *name, const char *text,
			size_t len);
int ef_state_read_file(const char *dir, const char *name, size_t max,
		       char **ret, size_t *ret_len);

#endif
