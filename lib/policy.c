// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy parser. One statement a line; after an error it skips to the
 * next line and goes on, so one run reports every error.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

struct pparser {
	struct ef_policy *pol;
	struct ef_diags *d;
	const char *stack[EF_INCLUDE_DEPTH_MAX + 1];	/* real paths */
	unsigned int depth;
	bool top_seen_policy;
};

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= EF_ROLE_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* Checks the current token is a valid name and copies it. */
static bool take_name(struct ef_lexer *lx, const char *what, char *out)
{
	char buf[80];

	if (lx->tok != T_WORD) {
		ef_error(lx->diags, &lx->loc, "expected %s, got %s", what,
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	if (!valid_name(lx->text)) {
		ef_error(lx->diags, &lx->loc,
			 "invalid %s '%.60s': names are [a-z][a-z0-9_-]*, at most %d bytes",
			 what, lx->text, EF_ROLE_MAX - 1);
		return false;
	}
	strcpy(out, lx->text);
	ef_lex_next(lx);
	return true;
}


const struct ef_role *ef_policy_find_role(const struct ef_policy *p,
					  const char *name)
{
	for (size_t i = 0; i < p->nroles; i++)
		if (!strcmp(p->roles[i].name, name))
			return &p->roles[i];
	return NULL;
}

static bool parse_roles(struct pparser *pp, struct ef_lexer *lx,
			enum ef_role_kind kind)
{
	unsigned int n = 0;

	ef_lex_next(lx);
	while (lx->tok == T_WORD) {
		const struct ef_role *old;
		struct ef_role role = { .kind = kind, .loc = lx->loc };

		if (!take_name(lx, "role name", role.name))
			return false;
		/* 'any', 'self' (a site row's word for this machine), and
		 * the site's keywords, which could never be bound. */
		if (!strcmp(role.name, "any") || !strcmp(role.name, "self") ||
		    ef_site_word(role.name)) {
			ef_error(pp->d, &role.loc,
				 "'%s' is a keyword, not a role name", role.name);
			return false;
		}
		old = ef_policy_find_role(pp->pol, role.name);
		if (old) {
			ef_error(pp->d, &role.loc,
				 "role '%s' already declared at %s:%u", role.name,
				 old->loc.file, old->loc.line);
			return false;
		}
		if (ef_grow((void **)&pp->pol->roles, &pp->pol->roles_cap,
			 pp->pol->nroles + 1, sizeof(role)))
			return false;
		pp->pol->roles[pp->pol->nroles++] = role;
		n++;
	}
	if (!n) {
		ef_error(pp->d, &lx->loc, "expected at least one role name");
		return false;
	}
	return ef_lex_expect_eol(lx);
}

const struct ef_no_nat *ef_policy_no_nat(const struct ef_policy *p,
					 const char *role)
{
	for (size_t i = 0; i < p->nno_nat; i++)
		if (!strcmp(p->no_nat[i].role, role))
			return &p->no_nat[i];
	return NULL;
}

/* no-nat ROLE [ROLE ...] "why": roles whose addresses must not be
 * translated; checked against the declarations at the end. */
static bool parse_no_nat(struct pparser *pp, struct ef_lexer *lx)
{
	struct ef_policy *pol = pp->pol;
	size_t first = pol->nno_nat;
	char buf[80];

	ef_lex_next(lx);
	while (lx->tok == T_WORD) {
		struct ef_no_nat n = { .loc = lx->loc };

		if (!take_name(lx, "role name", n.role) ||
		    ef_grow((void **)&pol->no_nat, &pol->no_nat_cap,
			    pol->nno_nat + 1, sizeof(n)))
			goto fail;
		pol->no_nat[pol->nno_nat++] = n;
	}
	if (pol->nno_nat == first) {
		ef_error(pp->d, &lx->loc, "expected at least one role name");
		return false;
	}
	if (lx->tok != T_STRING || !lx->text[0]) {
		ef_error(pp->d, &lx->loc,
			 "expected why in double quotes (the scenario's words), got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		goto fail;
	}
	for (size_t i = first; i < pol->nno_nat; i++)
		if (!(pol->no_nat[i].why = strdup(lx->text)))
			goto fail;
	ef_lex_next(lx);
	return ef_lex_expect_eol(lx);
fail:
	for (size_t i = first; i < pol->nno_nat; i++)
		free(pol->no_nat[i].why);
	pol->nno_nat = first;
	return false;
}

static bool parse_proto(struct ef_lexer *lx, struct ef_prow *row)
{
	char buf[80];

	for (;;) {
		if (lx->tok != T_WORD) {
			ef_error(lx->diags, &lx->loc,
				 "expected a protocol (tcp, udp or tcp,udp), got %s",
				 ef_lex_what(lx, buf, sizeof(buf)));
			return false;
		}
		if (!strcmp(lx->text, "tcp") && !row->tcp) {
			row->tcp = true;
		} else if (!strcmp(lx->text, "udp") && !row->udp) {
			row->udp = true;
		} else {
			ef_error(lx->diags, &lx->loc,
				 "unknown protocol '%.60s': expected tcp, udp or tcp,udp",
				 lx->text);
			return false;
		}
		ef_lex_next(lx);
		if (lx->tok != T_COMMA)
			return true;
		ef_lex_next(lx);
	}
}

/* A bounded port number: digits only, 1..65535. */
static int port_parse(const char *s, const char **end, uint16_t *ret)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -ERANGE;
		p++;
	}
	if (v == 0)
		return -ERANGE;
	*end = p;
	*ret = (uint16_t)v;
	return 0;
}

static bool parse_ports(struct ef_lexer *lx, struct ef_prow *row)
{
	const char *s, *end;
	int err;

	if (lx->tok != T_WORD) {
		ef_error(lx->diags, &lx->loc,
			 "expected a port or a range like 50000-59999");
		return false;
	}
	s = lx->text;
	err = port_parse(s, &end, &row->port_lo);
	row->port_hi = row->port_lo;
	if (!err && *end == '-')
		err = port_parse(end + 1, &end, &row->port_hi);
	if (!err && *end)
		err = -EINVAL;
	if (err == -ERANGE) {
		ef_error(lx->diags, &lx->loc,
			 "port out of range in '%.60s': ports are 1 to 65535", s);
		return false;
	}
	if (err) {
		ef_error(lx->diags, &lx->loc,
			 "invalid port '%.60s': expected a port or a range like 50000-59999",
			 s);
		return false;
	}
	if (row->port_lo > row->port_hi) {
		ef_error(lx->diags, &lx->loc,
			 "empty port range '%.60s': the first port is above the last",
			 s);
		return false;
	}
	ef_lex_next(lx);
	return true;
}

static bool parse_end(struct ef_lexer *lx, const char *what, char *out,
		      struct ef_loc *loc, ef_row_end_fn addrs, void *ctx,
		      struct ef_prow *row, bool to)
{
	*loc = lx->loc;
	/* Names are [a-z][a-z0-9_-]*: a word that is none (192.0.2.53,
	 * 2001:db8::53) is an address, where the caller takes them. */
	if (addrs && lx->tok == T_WORD && !valid_name(lx->text))
		return addrs(ctx, lx, row, to);
	return take_name(lx, what, out);
}

bool ef_row_parse(struct ef_lexer *lx, struct ef_prow *row,
		  ef_row_end_fn addrs, void *ctx)
{
	char buf[80];

	row->loc = lx->loc;
	if (!parse_proto(lx, row) || !parse_ports(lx, row) ||
	    !parse_end(lx, "source ('any' or a role)", row->from,
		       &row->from_loc, addrs, ctx, row, false) ||
	    !parse_end(lx, "destination ('any' or a role)", row->to,
		       &row->to_loc, addrs, ctx, row, true))
		return false;
	if (lx->tok != T_STRING) {
		ef_error(lx->diags, &lx->loc,
			 "expected the row's note in double quotes, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	row->note = strdup(lx->text);
	if (!row->note)
		return false;
	ef_lex_next(lx);
	return true;
}

static bool parse_row(struct pparser *pp, struct ef_lexer *lx,
		      const char *zone)
{
	struct ef_prow row = { 0 };

	strcpy(row.zone, zone);
	if (!ef_row_parse(lx, &row, NULL, NULL))
		return false;
	if (ef_grow((void **)&pp->pol->rows, &pp->pol->rows_cap,
		 pp->pol->nrows + 1, sizeof(row))) {
		free(row.note);
		return false;
	}
	row.id = (unsigned int)pp->pol->nrows + 1;
	pp->pol->rows[pp->pol->nrows++] = row;
	return ef_lex_expect_eol(lx);
}

static void parse_zone(struct pparser *pp, struct ef_lexer *lx)
{
	struct ef_zone_decl z = { .loc = lx->loc };
	char buf[80];
	bool known = false;

	ef_lex_next(lx);
	if (!take_name(lx, "zone name", z.name)) {
		ef_lex_skip_line(lx);
		return;
	}
	if (lx->tok != T_LBRACE) {
		ef_error(pp->d, &lx->loc, "expected '{' after the zone name, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		ef_lex_skip_line(lx);
		return;
	}
	ef_lex_next(lx);
	for (size_t i = 0; i < pp->pol->nzones; i++)
		known |= !strcmp(pp->pol->zones[i].name, z.name);
	/* A zone may be opened again to keep the source table's row order. */
	if (!known && !ef_grow((void **)&pp->pol->zones, &pp->pol->zones_cap,
			    pp->pol->nzones + 1, sizeof(z)))
		pp->pol->zones[pp->pol->nzones++] = z;
	for (;;) {
		if (lx->tok == T_NEWLINE) {
			ef_lex_next(lx);
			continue;
		}
		if (lx->tok == T_RBRACE) {
			ef_lex_next(lx);
			if (!ef_lex_expect_eol(lx))
				ef_lex_skip_line(lx);
			return;
		}
		if (lx->tok == T_EOF) {
			ef_error(pp->d, &z.loc,
				 "zone '%s' is not closed: '}' missing", z.name);
			return;
		}
		if (!parse_row(pp, lx, z.name))
			ef_lex_skip_line(lx);
	}
}

static void parse_file(struct pparser *pp, const char *path,
		       const struct ef_loc *from);

static void parse_include(struct pparser *pp, struct ef_lexer *lx)
{
	struct ef_loc loc = lx->loc;
	char *full;

	ef_lex_next(lx);
	if (lx->tok != T_STRING || !lx->text[0]) {
		ef_error(pp->d, &lx->loc, "expected a file name in double quotes");
		ef_lex_skip_line(lx);
		return;
	}
	full = ef_path_relative_to(lx->src->path, lx->text);
	loc = lx->loc;
	ef_lex_next(lx);
	if (!ef_lex_expect_eol(lx)) {
		ef_lex_skip_line(lx);
	} else if (full) {
		parse_file(pp, full, &loc);
	}
	free(full);
}

static void parse_policy_stmt(struct pparser *pp, struct ef_lexer *lx,
			      bool top)
{
	struct ef_loc loc = lx->loc;
	char buf[80];

	ef_lex_next(lx);
	if (!top) {
		ef_error(pp->d, &loc,
			 "'policy' belongs in the top file, not in an included one");
		ef_lex_skip_line(lx);
		return;
	}
	if (pp->top_seen_policy) {
		ef_error(pp->d, &loc, "a second 'policy' statement");
		ef_lex_skip_line(lx);
		return;
	}
	pp->top_seen_policy = true;
	if (!take_name(lx, "policy name", pp->pol->name)) {
		ef_lex_skip_line(lx);
		return;
	}
	if (lx->tok != T_STRING) {
		ef_error(pp->d, &lx->loc,
			 "expected the policy's title in double quotes, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		ef_lex_skip_line(lx);
		return;
	}
	free(pp->pol->title);
	pp->pol->title = strdup(lx->text);
	ef_lex_next(lx);
	if (!ef_lex_expect_eol(lx))
		ef_lex_skip_line(lx);
}

static void parse_stmt(struct pparser *pp, struct ef_lexer *lx, bool top)
{
	char buf[80];
	bool ok = true;

	if (lx->tok != T_WORD) {
		ef_error(pp->d, &lx->loc,
			 "expected a statement (policy, address, group, zone, no-nat or include), got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		ef_lex_skip_line(lx);
		return;
	}
	if (!strcmp(lx->text, "policy")) {
		parse_policy_stmt(pp, lx, top);
		return;
	}
	if (!strcmp(lx->text, "zone")) {
		parse_zone(pp, lx);
		return;
	}
	if (!strcmp(lx->text, "include")) {
		parse_include(pp, lx);
		return;
	}
	if (!strcmp(lx->text, "address"))
		ok = parse_roles(pp, lx, EF_ROLE_ADDRESS);
	else if (!strcmp(lx->text, "group"))
		ok = parse_roles(pp, lx, EF_ROLE_GROUP);
	else if (!strcmp(lx->text, "no-nat"))
		ok = parse_no_nat(pp, lx);
	else {
		ef_error(pp->d, &lx->loc,
			 "unknown statement '%.60s': expected policy, address, group, zone, no-nat or include",
			 lx->text);
		ok = false;
	}
	if (!ok)
		ef_lex_skip_line(lx);
}

static void parse_file(struct pparser *pp, const char *path,
		       const struct ef_loc *from)
{
	const struct ef_source *src;
	struct ef_lexer lx;
	char *real;
	bool top = pp->depth == 0;

	/* The top file is depth 0: up to EF_INCLUDE_DEPTH_MAX nested includes. */
	if (pp->depth > EF_INCLUDE_DEPTH_MAX) {
		ef_error(pp->d, from, "includes nested deeper than %d",
			 EF_INCLUDE_DEPTH_MAX);
		return;
	}
	real = realpath(path, NULL);
	for (unsigned int i = 0; real && i < pp->depth; i++) {
		if (!strcmp(pp->stack[i], real)) {
			ef_error(pp->d, from, "include cycle: '%s' includes itself",
				 path);
			free(real);
			return;
		}
	}
	src = ef_source_load(&pp->pol->sources, path, pp->d, from);
	if (!src) {
		free(real);
		return;
	}
	pp->stack[pp->depth++] = real ? real : "";
	ef_lex_init(&lx, src, pp->d);
	while (lx.tok != T_EOF) {
		if (lx.tok == T_NEWLINE) {
			ef_lex_next(&lx);
			continue;
		}
		parse_stmt(pp, &lx, top);
	}
	ef_lex_fini(&lx);
	pp->depth--;
	free(real);
}

/* Only an address of this machine can be translated. */
static void check_no_nat(const struct ef_policy *pol, struct ef_diags *d)
{
	for (size_t i = 0; i < pol->nno_nat; i++) {
		const struct ef_no_nat *n = &pol->no_nat[i];
		const struct ef_role *r = ef_policy_find_role(pol, n->role);

		if (!r)
			ef_error(d, &n->loc,
				 "unknown role '%s': declare it with 'address'",
				 n->role);
		else if (r->kind != EF_ROLE_ADDRESS)
			ef_error(d, &n->loc,
				 "'%s' is a group of peers: only an address role is translated",
				 n->role);
	}
}

/* Checks made once the whole policy is known: roles may be used before
 * they are declared. */
static void check_rows(struct ef_policy *pol, struct ef_diags *d)
{
	for (size_t i = 0; i < pol->nrows; i++) {
		struct ef_prow *row = &pol->rows[i];
		const struct ef_role *from = NULL, *to = NULL;
		bool bad = false;

		if (strcmp(row->from, "any") &&
		    !(from = ef_policy_find_role(pol, row->from))) {
			ef_error(d, &row->from_loc,
				 "unknown role '%s': declare it with 'address' or 'group'",
				 row->from);
			bad = true;
		}
		if (strcmp(row->to, "any") &&
		    !(to = ef_policy_find_role(pol, row->to))) {
			ef_error(d, &row->to_loc,
				 "unknown role '%s': declare it with 'address' or 'group'",
				 row->to);
			bad = true;
		}
		if (bad)
			continue;
		if ((from && from->kind == EF_ROLE_ADDRESS) ==
		    (to && to->kind == EF_ROLE_ADDRESS))
			ef_error(d, &row->loc,
				 from && to && from->kind == EF_ROLE_ADDRESS ?
				 "both ends are address roles: one end must be a peer ('any' or a group)" :
				 "no local end: the source or the destination must be an address role");
	}
}

struct ef_policy *ef_policy_parse(const char *path, struct ef_diags *d)
{
	struct pparser pp = { .d = d };
	struct ef_loc top = { .file = path, .line = 1, .col = 1 };

	pp.pol = calloc(1, sizeof(*pp.pol));
	if (!pp.pol) {
		ef_error_file(d, path, "out of memory");
		return NULL;
	}
	parse_file(&pp, path, NULL);
	if (pp.pol->sources.n == 0)
		return pp.pol;
	top.text = pp.pol->sources.v[0]->text;
	top.file = pp.pol->sources.v[0]->path;
	if (!pp.top_seen_policy)
		ef_error(d, &top,
			 "missing 'policy NAME \"title\"' statement");
	check_rows(pp.pol, d);
	check_no_nat(pp.pol, d);
	return pp.pol;
}

void ef_policy_free(struct ef_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrows; i++)
		free(p->rows[i].note);
	free(p->rows);
	for (size_t i = 0; i < p->nno_nat; i++)
		free(p->no_nat[i].why);
	free(p->no_nat);
	free(p->roles);
	free(p->zones);
	free(p->title);
	ef_sources_free(&p->sources);
	free(p);
}
