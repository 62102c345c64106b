/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A parsed policy file: roles, zones and rows, with where each was written. */
#ifndef EDGEFW_POLICY_H
#define EDGEFW_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "lex.h"
#include "model.h"

#define EF_INCLUDE_DEPTH_MAX 8

enum ef_role_kind { EF_ROLE_ADDRESS, EF_ROLE_GROUP };

struct ef_role {
	char name[EF_ROLE_MAX];
	enum ef_role_kind kind;
	struct ef_loc loc;
};

struct ef_prow {
	unsigned int id;		/* 1-based, in file order */
	struct ef_loc loc;
	char zone[EF_ROLE_MAX];
	bool tcp, udp;
	uint16_t port_lo, port_hi;
	char from[EF_ROLE_MAX];		/* "any" or a role; a site's: "self" */
	char to[EF_ROLE_MAX];
	struct ef_loc from_loc, to_loc;
	char *note;
	/* A site row's end written as addresses, an anonymous group the
	 * site binds (from or to then holds ""); NULL for a name. Owned by
	 * the site. */
	struct ef_binding *from_addrs, *to_addrs;
};

struct ef_zone_decl {
	char name[EF_ROLE_MAX];
	struct ef_loc loc;
};

/* `no-nat ROLE... "why"`: a site may not translate these roles' addresses
 * (the scenario forbids it, in its words). */
struct ef_no_nat {
	char role[EF_ROLE_MAX];
	struct ef_loc loc;
	char *why;
};

struct ef_policy {
	char name[EF_ROLE_MAX];
	char *title;
	struct ef_role *roles;
	size_t nroles, roles_cap;
	struct ef_zone_decl *zones;
	size_t nzones, zones_cap;
	struct ef_prow *rows;
	size_t nrows, rows_cap;
	struct ef_no_nat *no_nat;
	size_t nno_nat, no_nat_cap;
	struct ef_sources sources;	/* every file read; locations point here */
};

struct ef_binding;

/*
 * Takes a row end that is not a name (an address list): sets
 * row->from_addrs (or to_addrs, if `to`) and reports its errors on
 * lx->diags. The lexer is at its first word.
 */
typedef bool (*ef_row_end_fn)(void *ctx, struct ef_lexer *lx,
			      struct ef_prow *row, bool to);

/*
 * One row, `PROTO PORT[-PORT] FROM TO "note"`, from the lexer's token up
 * to and with its note: the policy's row grammar, which a site's rows
 * share. Ends that are not names go to `addrs` (NULL: names only). Sets
 * row->loc and every field but id and zone; false after reporting an
 * error (row->note, if set, is the caller's to free).
 */
bool ef_row_parse(struct ef_lexer *lx, struct ef_prow *row,
		  ef_row_end_fn addrs, void *ctx);

/*
 * Returns a tree even when it found errors (so that every error of a run
 * is reported); the caller checks d->errors.
 */
struct ef_policy *ef_policy_parse(const char *path, struct ef_diags *d);
void ef_policy_free(struct ef_policy *p);
const struct ef_role *ef_policy_find_role(const struct ef_policy *p,
					  const char *name);
/* The no-nat statement naming a role, or NULL. */
const struct ef_no_nat *ef_policy_no_nat(const struct ef_policy *p,
					 const char *role);

#endif
