/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the unit tests: temporary directories holding policy,
 * site and group files written from strings, diagnostics checks, and set
 * elements as nft text.
 */
#ifndef EDGEFW_TEST_HELPERS_H
#define EDGEFW_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "compile.h"
#include "diag.h"
#include "model.h"
#include "policy.h"

/* A fresh directory under /tmp; tdir_fini removes it and what it holds. */
struct tdir {
	char path[64];
};

void tdir_init(struct tdir *t);
/* Writes `text` to t->path/name with `mode`; returns the path (free it). */
char *tdir_write(struct tdir *t, const char *name, const char *text,
		 mode_t mode);
/* The same with `len` bytes of `text`, NUL bytes and all. */
char *tdir_write_bytes(struct tdir *t, const char *name, const char *text,
		       size_t len, mode_t mode);
/* t->path/name, a directory with `mode`; returns its path (free it). */
char *tdir_mkdir(struct tdir *t, const char *name, mode_t mode);
/* t->path/name, a symbolic link to `target`; returns its path. */
char *tdir_symlink(struct tdir *t, const char *name, const char *target);
void tdir_fini(struct tdir *t);

/* `s` with every "@DIR" replaced by `dir` (free it). */
char *subst_dir(const char *s, const char *dir);

/* Asserts diagnostic i (of any kind) is at file:line:col saying msg. */
void assert_diag(const struct ef_diags *d, size_t i, const char *file,
		 unsigned int line, unsigned int col, const char *msg);
/* Asserts the first diagnostic is an error at file:line:col saying msg. */
void assert_first_error(const struct ef_diags *d, const char *file,
			unsigned int line, unsigned int col, const char *msg);

/* The rows a comment names ("r5,r31", foreign text too); NULL for NULL. */
struct ef_rows *rows_of(const char *comment);
/* An element's key and end, copied out to change and add as another. */
struct elem_keys {
	uint8_t key[EF_KEY_MAX], key_end[EF_KEY_MAX];
};
struct elem_keys keys_of(const struct ef_set *s, size_t i);
/* ef_set_add_elem with the rows a comment names (NULL: none). */
int add_elem_rows(struct ef_set *set, const uint8_t *key,
		  const uint8_t *key_end, const char *comment);
/* The comment of a list, NULL for none; it lasts eight more calls. */
const char *rows_text(const struct ef_rows *rows);

/* Element i of a set as nft writes its key ("\"eth0\" . 192.0.2.1 ..."). */
char *elem_key(const struct ef_set *set, size_t i);
/* Index of the element with this key, or -1. */
long find_elem(const struct ef_set *set, const char *key);

/* A set's expected element: its key as nft text and its rows comment. */
struct want_elem {
	const char *key;
	const char *rows;
};

/* Asserts the set holds exactly these elements, in this order. */
void assert_set_elems(const struct ef_model *m, const char *set,
		      const struct want_elem *want, size_t n);
/* Asserts the set holds this element (among others) with these rows. */
void assert_has_elem(const struct ef_model *m, const char *set,
		     const char *key, const char *rows);
void assert_no_elem(const struct ef_model *m, const char *set,
		    const char *key);
/*
 * Asserts the set is a group's address set (one field of `type`, no
 * counter, no rows comments) holding exactly these keys, in this order.
 */
void assert_addr_set(const struct ef_model *m, const char *set,
		     enum ef_type type, const char *const *keys, size_t n);

/*
 * Parses `policy` and `site` files and compiles them. Returns the
 * ef_compile result; *ret_model is set on success. The trees are freed.
 */
int compile_files(const char *policy, const char *site,
		  const struct ef_compile_opts *opts, struct ef_diags *d,
		  struct ef_model **ret_model);

/*
 * A small NAT model: maps nat_dnat4 (198.51.100.20 : 192.0.2.66, comment
 * "access_edge") and nat_snat4 (the reverse), the nat chains prerouting and postrouting with
 * one map lookup each, and a forward chain accepting `ct status dnat`.
 */
struct ef_model *nat_model(void);

#endif
