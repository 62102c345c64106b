// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The site file parser: `key = value, value` lines binding a policy's
 * roles and zones to one machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exception.h"
#include "nft_emit.h"
#include "site.h"
#include "state.h"
#include "util.h"

/* The first 96 bits of ::ffff:192.0.2.1. */
static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

/* inet_pton(AF_INET) (four decimal octets, no leading zeros), without
 * its cost: a group file may hold a million addresses. */
static bool parse_ipv4(const char *s, uint8_t out[4])
{
	unsigned int octets = 0, v = 0;
	bool digit = false;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (digit && !v)
				return false;	/* a leading zero */
			v = v * 10 + (unsigned int)(*s - '0');
			if (v > 255)
				return false;
			if (!digit && ++octets > 4)
				return false;
			digit = true;
		} else if ((*s == '.' || !*s) && digit) {
			out[octets - 1] = (uint8_t)v;
			if (!*s)
				return octets == 4;
			if (octets == 4)
				return false;
			v = 0;
			digit = false;
		} else {
			return false;
		}
	}
}

int ef_prefix_parse(const char *s, struct ef_prefix *ret, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = NULL;
	size_t alen = 0;
	struct ef_prefix p = { 0 };

	while (s[alen] && s[alen] != '/' && alen < sizeof(addr))
		alen++;
	if (s[alen] == '/')
		slash = s + alen;
	unsigned int plen, bits;

	if (alen == 0 || alen >= sizeof(addr)) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (parse_ipv4(addr, p.lo)) {
		p.family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, p.lo) == 1) {
		p.family = 6;
		bits = 128;
		/* The kernel sees such a peer as IPv4: a rule for it in the
		 * IPv6 sets would never match. */
		if (!memcmp(p.lo, v4mapped, sizeof(v4mapped))) {
			*why = "an IPv4-mapped IPv6 address: write the IPv4 address";
			return -EINVAL;
		}
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	plen = bits;
	if (slash) {
		const char *q = slash + 1;

		if (!*q || strlen(q) > 3) {
			*why = "invalid prefix length";
			return -EINVAL;
		}
		/* 024 is 20 to whoever reads it as octal: no leading zero. */
		if (q[0] == '0' && q[1]) {
			*why = "prefix length with a leading zero (write 24, not 024)";
			return -EINVAL;
		}
		plen = 0;
		for (; *q; q++) {
			if (*q < '0' || *q > '9') {
				*why = "invalid prefix length";
				return -EINVAL;
			}
			plen = plen * 10 + (unsigned int)(*q - '0');
		}
		if (plen > bits) {
			*why = p.family == 4 ? "prefix length above 32" :
					       "prefix length above 128";
			return -ERANGE;
		}
	}
	memcpy(p.hi, p.lo, sizeof(p.lo));
	for (unsigned int b = plen; b < bits; b++) {
		uint8_t bit = (uint8_t)(0x80u >> (b % 8));

		if (p.lo[b / 8] & bit) {
			*why = "host bits set under the prefix length (write the network address)";
			return -EINVAL;
		}
		p.hi[b / 8] |= bit;
	}
	*ret = p;
	return 0;
}

/* The settings a site gives once; `management` is among them. */
static const char *const settings[] = {
	"mode", "lock", "output", "log", "management-port", "interval",
	"max-elements", "management", "policy",
};

struct sparser {
	struct ef_site *site;
	struct ef_diags *d;
	struct ef_loc set_at[ARRAY_SIZE(settings)];	/* line 0: not yet */
};

/*
 * A setting given twice is refused, the first place in a note: the last
 * one silently winning is how a forgotten line loosens a firewall.
 */
static bool set_once(struct sparser *sp, const char *key,
		     const struct ef_loc *loc)
{
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		struct ef_loc *first = &sp->set_at[i];

		if (strcmp(key, settings[i]))
			continue;
		if (first->line) {
			ef_error(sp->d, loc, "'%s' already set at line %u", key,
				 first->line);
			ef_note(sp->d, first, "'%s' first set here", key);
			return false;
		}
		*first = *loc;
	}
	return true;
}

static bool prefix_bit(const uint8_t *a, unsigned int bit)
{
	return a[bit / 8] & (0x80u >> (bit % 8));
}

/* The file it was written in, as an index in b->files. */
static int prefix_file(struct ef_binding *b, const struct ef_loc *loc)
{
	size_t i = b->nfiles;

	/* Most come from one group file, one after the other. */
	while (i > 0 && b->files[i - 1].text != loc->text)
		i--;
	if (i > 0)
		return (int)i - 1;
	if (b->nfiles > UINT16_MAX ||
	    ef_grow((void **)&b->files, &b->files_cap, b->nfiles + 1,
		    sizeof(*b->files)))
		return -ENOMEM;
	b->files[b->nfiles] = (struct ef_loc){ loc->file, loc->text, 0, 0 };
	return (int)b->nfiles++;
}

static bool add_prefix(struct ef_binding *b, const struct ef_prefix *p)
{
	unsigned int bits = p->family == 4 ? 32 : 128, host = 0;
	struct ef_addr_entry e = { 0, p->loc.line, p->loc.col, p->family, 0,
				   0 };
	int file = prefix_file(b, &p->loc);

	if (file < 0 || ef_grow((void **)&b->addrs, &b->addrs_cap,
				b->nprefixes + 1, sizeof(e)))
		return false;
	while (host < bits && prefix_bit(p->hi, bits - 1 - host) &&
	       !prefix_bit(p->lo, bits - 1 - host))
		host++;
	e.plen = (uint8_t)(bits - host);
	e.file = (uint16_t)file;
	if (p->family == 4) {
		memcpy(&e.addr, p->lo, 4);
	} else {
		if (ef_grow((void **)&b->v6, &b->v6_cap, b->nv6 + 1,
			    sizeof(*b->v6)))
			return false;
		memcpy(b->v6[b->nv6], p->lo, 16);
		e.addr = (uint32_t)b->nv6++;
	}
	b->addrs[b->nprefixes++] = e;
	return true;
}

uint8_t ef_binding_range(const struct ef_binding *b, size_t i, uint8_t *lo,
			 uint8_t *hi)
{
	const struct ef_addr_entry *e = &b->addrs[i];

	if (e->family == 4) {
		uint32_t host = e->plen >= 32 ? 0 : ~0u >> e->plen;
		uint32_t end = e->addr | htonl(host);

		memcpy(lo, &e->addr, 4);
		memcpy(hi, &end, 4);
		return 4;
	}
	memcpy(lo, b->v6[e->addr], 16);
	memcpy(hi, lo, 16);
	for (unsigned int k = e->plen; k < 128; k++)
		hi[k / 8] |= (uint8_t)(0x80u >> (k % 8));
	return 6;
}

void ef_binding_prefix(const struct ef_binding *b, size_t i,
		       struct ef_prefix *ret)
{
	const struct ef_addr_entry *e = &b->addrs[i];

	memset(ret, 0, sizeof(*ret));
	ret->family = ef_binding_range(b, i, ret->lo, ret->hi);
	ret->loc = b->files[e->file];
	ret->loc.line = e->line;
	ret->loc.col = e->col;
}

/* A group file: one address or CIDR a line, '#' comments. */
static bool read_group_file(struct sparser *sp, struct ef_binding *b,
			    const char *path, const struct ef_loc *from)
{
	const struct ef_source *src;
	const char *line;
	unsigned int lineno = 0;
	size_t entries = 0;
	bool ok = true;

	src = ef_source_load(&sp->site->sources, path, sp->d, from);
	if (!src)
		return false;
	ef_source_check_text(src, sp->d);
	for (line = src->text; *line; ) {
		const char *end = strchrnul(line, '\n'), *p = line, *w;
		struct ef_loc loc = { src->path, src->text, ++lineno, 1 };
		struct ef_prefix pfx;
		const char *why;
		char word[80];
		size_t n;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '#')
			p++;
		n = (size_t)(p - w);
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		loc.col = (unsigned int)(w - line) + 1;
		if (n == 0) {
			/* blank or comment line */
		} else if (p < end && *p != '#') {
			loc.col = (unsigned int)(p - line) + 1;
			ef_error(sp->d, &loc, "one address or CIDR a line");
			ok = false;
		} else if (n >= sizeof(word)) {
			ef_error(sp->d, &loc, "not an IPv4 or IPv6 address");
			ok = false;
		} else if (++entries > EF_GROUP_FILE_MAX_ENTRIES) {
			ef_error(sp->d, &loc,
				 "more than %u entries in a group file",
				 EF_GROUP_FILE_MAX_ENTRIES);
			return false;
		} else {
			memcpy(word, w, n);
			word[n] = '\0';
			if (ef_prefix_parse(word, &pfx, &why) < 0) {
				ef_error(sp->d, &loc, "'%s': %s", word, why);
				ok = false;
			} else {
				pfx.loc = loc;
				if (!add_prefix(b, &pfx))
					return false;
			}
		}
		line = *end ? end + 1 : end;
	}
	/* An empty file is no way to say "no one" or "everyone". */
	if (ok && !entries && b == &sp->site->management) {
		ef_error(sp->d, from,
			 "management file '%s' holds no network: write 'management = none' if that is meant",
			 path);
		ok = false;
	} else if (ok && !entries) {
		ef_error(sp->d, from,
			 "group file '%s' holds no address: write 'none' (no peer) or 'any' (every peer) in the site if that is meant",
			 path);
		ok = false;
	}
	return ok;
}

/*
 * After `ADDR` (p), `public ADDR`: the address the gateway translates it
 * to. One IPv4 address to one IPv4 address; the 1:1 of all the mappings
 * is checked once the whole site is read (check_nat).
 */
static bool parse_public(struct sparser *sp, struct ef_lexer *lx,
			 struct ef_binding *b, const struct ef_prefix *p,
			 const char *text)
{
	struct ef_nat_map map = { .priv_loc = p->loc };
	struct ef_prefix pub;
	const char *why;
	char buf[80];

	if (b == &sp->site->management) {
		ef_error(sp->d, &lx->loc,
			 "'public' is for the addresses of a role, not for management");
		return false;
	}
	if (p->family == 6) {
		ef_error(sp->d, &p->loc,
			 "'%.60s': IPv6 addresses are not translated: bind it without 'public'",
			 text);
		return false;
	}
	if (memcmp(p->lo, p->hi, 4)) {
		ef_error(sp->d, &p->loc,
			 "'%.60s' is a network: 'public' translates one address to one address",
			 text);
		return false;
	}
	ef_lex_next(lx);
	map.pub_loc = lx->loc;
	if (lx->tok != T_WORD) {
		ef_error(sp->d, &lx->loc,
			 "expected the public IPv4 address after 'public', got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	if (ef_prefix_parse(lx->text, &pub, &why) < 0) {
		ef_error(sp->d, &lx->loc, "'%.60s': %s", lx->text, why);
		return false;
	}
	if (pub.family != 4 || memcmp(pub.lo, pub.hi, 4)) {
		ef_error(sp->d, &lx->loc, pub.family == 6 ?
			 "'%.60s': the public address of an IPv4 address is IPv4 (IPv6 is not translated)" :
			 "'%.60s' is a network: give one public address per private address",
			 lx->text);
		return false;
	}
	memcpy(map.priv, p->lo, 4);
	memcpy(map.pub, pub.lo, 4);
	if (ef_grow((void **)&b->nat, &b->nat_cap, b->nnat + 1, sizeof(map)))
		return false;
	b->nat[b->nnat++] = map;
	ef_lex_next(lx);
	return true;
}

static bool parse_value(struct sparser *sp, struct ef_lexer *lx,
			struct ef_binding *b, bool allow_ifaces)
{
	struct ef_loc loc = lx->loc;
	struct ef_prefix pfx;
	const char *why;
	char buf[80];

	if (lx->tok != T_WORD) {
		ef_error(sp->d, &lx->loc,
			 "expected an address, CIDR, 'file \"PATH\"'%s, got %s",
			 allow_ifaces ? ", 'iface NAME'" : "",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	if (!strcmp(lx->text, "any") || !strcmp(lx->text, "none")) {
		ef_error(sp->d, &lx->loc,
			 "'%s' stands alone: it cannot be listed with other values",
			 lx->text);
		return false;
	}
	if (!strcmp(lx->text, "file")) {
		char *full;
		bool ok;

		ef_lex_next(lx);
		if (lx->tok != T_STRING || !lx->text[0]) {
			ef_error(sp->d, &lx->loc,
				 "expected a file name in double quotes after 'file'");
			return false;
		}
		full = ef_path_relative_to(lx->src->path, lx->text);
		loc = lx->loc;
		ef_lex_next(lx);
		ok = full && read_group_file(sp, b, full, &loc);
		free(full);
		return ok;
	}
	if (!strcmp(lx->text, "iface")) {
		char **v;

		if (!allow_ifaces) {
			ef_error(sp->d, &lx->loc,
				 "'iface' is not allowed here: give networks");
			return false;
		}
		ef_lex_next(lx);
		if (lx->tok != T_WORD || strlen(lx->text) >= IFNAMSIZ) {
			ef_error(sp->d, &lx->loc,
				 "expected an interface name (at most %d bytes) after 'iface'",
				 IFNAMSIZ - 1);
			return false;
		}
		v = realloc(b->ifaces, (b->nifaces + 1) * sizeof(*v));
		if (!v)
			return false;
		b->ifaces = v;
		if (!(v[b->nifaces] = strdup(lx->text)))
			return false;
		b->nifaces++;
		ef_lex_next(lx);
		return true;
	}
	if (ef_prefix_parse(lx->text, &pfx, &why) < 0) {
		ef_error(sp->d, &lx->loc, "'%.60s': %s", lx->text, why);
		return false;
	}
	pfx.loc = loc;
	snprintf(buf, sizeof(buf), "%s", lx->text);
	ef_lex_next(lx);
	if (lx->tok == T_WORD && !strcmp(lx->text, "public") &&
	    !parse_public(sp, lx, b, &pfx, buf))
		return false;
	return add_prefix(b, &pfx);
}

/* `none` | `any` | value {, value} */
static bool parse_values(struct sparser *sp, struct ef_lexer *lx,
			 struct ef_binding *b, bool allow_ifaces)
{
	bool none = lx->tok == T_WORD && !strcmp(lx->text, "none");
	bool any = lx->tok == T_WORD && !strcmp(lx->text, "any");

	if (any && b == &sp->site->management) {
		ef_error(sp->d, &lx->loc,
			 "management cannot be 'any': give networks (0.0.0.0/0, ::/0 if that is meant) or 'none'");
		return false;
	}
	if (none || any) {
		b->kind = none ? EF_BIND_NONE : EF_BIND_ANY;
		ef_lex_next(lx);
		return ef_lex_expect_eol(lx);
	}
	b->kind = EF_BIND_ADDRS;
	for (;;) {
		if (!parse_value(sp, lx, b, allow_ifaces))
			return false;
		if (lx->tok == T_WORD && !strcmp(lx->text, "public")) {
			ef_error(sp->d, &lx->loc,
				 "'public' follows one address, not 'iface' or 'file'");
			return false;
		}
		if (lx->tok != T_COMMA)
			break;
		ef_lex_next(lx);
	}
	return ef_lex_expect_eol(lx);
}

static void binding_release(struct ef_binding *b)
{
	for (size_t i = 0; i < b->nifaces; i++)
		free(b->ifaces[i]);
	free(b->ifaces);
	free(b->addrs);
	free(b->v6);
	free(b->files);
	free(b->nat);
}

const struct ef_binding *ef_site_find(const struct ef_site *s,
				      const char *name)
{
	for (size_t i = 0; i < s->nbinds; i++)
		if (!strcmp(s->binds[i].name, name))
			return &s->binds[i];
	return NULL;
}

const struct ef_zone_bind *ef_site_find_zone(const struct ef_site *s,
					     const char *name)
{
	for (size_t i = 0; i < s->nzones; i++)
		if (!strcmp(s->zones[i].name, name))
			return &s->zones[i];
	return NULL;
}

static void zone_release(struct ef_zone_bind *z)
{
	free(z->ifnames);
	free(z->ifname_locs);
}

static bool zone_add_ifname(struct ef_zone_bind *z, const char *name,
			    const struct ef_loc *loc)
{
	void *v = realloc(z->ifnames, (z->nifnames + 1) * sizeof(*z->ifnames));

	if (!v)
		return false;
	z->ifnames = v;
	v = realloc(z->ifname_locs, (z->nifnames + 1) * sizeof(*loc));
	if (!v)
		return false;
	z->ifname_locs = v;
	memset(z->ifnames[z->nifnames], 0, EF_IFNAME_LEN);
	strcpy(z->ifnames[z->nifnames], name);
	z->ifname_locs[z->nifnames++] = *loc;
	return true;
}

static void row_release(struct ef_prow *row)
{
	struct ef_binding *ends[] = { row->from_addrs, row->to_addrs };

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		if (!ends[i])
			continue;
		binding_release(ends[i]);
		free(ends[i]);
	}
	free(row->note);
}

/*
 * A row end written as addresses, `192.0.2.53` or `192.0.2.53,
 * 2001:db8::53`: a group of peers the site binds, with no name.
 */
static bool parse_row_addrs(void *ctx, struct ef_lexer *lx,
			    struct ef_prow *row, bool to)
{
	struct sparser *sp = ctx;
	struct ef_binding *b = calloc(1, sizeof(*b));

	if (!b)
		return false;
	b->kind = EF_BIND_ADDRS;
	b->loc = lx->loc;
	if (to)
		row->to_addrs = b;
	else
		row->from_addrs = b;
	for (;;) {
		struct ef_prefix pfx;
		const char *why;

		if (lx->tok != T_WORD) {
			char buf[80];

			ef_error(sp->d, &lx->loc,
				 "expected an address or CIDR after ',', got %s",
				 ef_lex_what(lx, buf, sizeof(buf)));
			return false;
		}
		if (ef_prefix_parse(lx->text, &pfx, &why) < 0) {
			ef_error(sp->d, &lx->loc,
				 "'%.60s': %s (a row's end is 'self', 'any', a role of the policy, or addresses)",
				 lx->text, why);
			return false;
		}
		pfx.loc = lx->loc;
		if (!add_prefix(b, &pfx))
			return false;
		ef_lex_next(lx);
		if (lx->tok != T_COMMA)
			return true;
		ef_lex_next(lx);
	}
}

static bool parse_site_row(struct sparser *sp, struct ef_lexer *lx,
			   const char *zone)
{
	struct ef_site *site = sp->site;
	struct ef_prow row = { 0 };

	strcpy(row.zone, zone);
	if (!ef_row_parse(lx, &row, parse_row_addrs, sp))
		goto fail;
	/* Features tag the policy's rows; a site's row is the site's. */
	if (lx->tok == T_WORD && !strcmp(lx->text, "feature")) {
		ef_error(sp->d, &lx->loc,
			 "a site's row has no feature: it is on while it is written (features tag the policy's rows)");
		goto fail;
	}
	if (!ef_lex_expect_eol(lx) ||
	    ef_grow((void **)&site->rows, &site->rows_cap, site->nrows + 1,
		    sizeof(row)))
		goto fail;
	row.id = (unsigned int)site->nrows + 1;
	site->rows[site->nrows++] = row;
	return true;
fail:
	row_release(&row);
	return false;
}

/*
 * `zone NAME {` rows `}`: the rows of the machine's own needs in one of
 * the policy's zones. Like the policy's zone blocks, one row a line; a
 * bad row is reported and skipped, the others still read.
 */
static bool parse_zone_rows(struct sparser *sp, struct ef_lexer *lx,
			    const struct ef_loc *at, const char *zone)
{
	ef_lex_next(lx);
	if (!ef_lex_expect_eol(lx))
		ef_lex_skip_line(lx);
	for (;;) {
		size_t before = sp->d->errors;

		if (lx->tok == T_NEWLINE) {
			ef_lex_next(lx);
			continue;
		}
		if (lx->tok == T_RBRACE) {
			ef_lex_next(lx);
			return ef_lex_expect_eol(lx);
		}
		if (lx->tok == T_EOF) {
			ef_error(sp->d, at, "zone '%s' is not closed: '}' missing",
				 zone);
			return true;
		}
		if (!parse_site_row(sp, lx, zone)) {
			if (sp->d->errors == before)
				ef_error(sp->d, &lx->loc, "out of memory");
			ef_lex_skip_line(lx);
		}
	}
}

static bool parse_zone(struct sparser *sp, struct ef_lexer *lx)
{
	struct ef_zone_bind z = { .loc = lx->loc };
	const struct ef_zone_bind *old;
	struct ef_loc name_loc;
	char buf[80];

	ef_lex_next(lx);
	if (lx->tok != T_WORD || strlen(lx->text) >= EF_ROLE_MAX) {
		ef_error(sp->d, &lx->loc, "expected a zone name, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	strcpy(z.name, lx->text);
	name_loc = lx->loc;
	ef_lex_next(lx);
	if (lx->tok == T_LBRACE)
		return parse_zone_rows(sp, lx, &z.loc, z.name);
	old = ef_site_find_zone(sp->site, z.name);
	if (old) {
		ef_error(sp->d, &name_loc, "zone '%s' already bound at line %u",
			 z.name, old->loc.line);
		ef_note(sp->d, &old->loc, "zone '%s' first bound here", z.name);
		return false;
	}
	if (lx->tok != T_EQUALS) {
		ef_error(sp->d, &lx->loc,
			 "expected '=' (its interfaces) or '{' (rows of the site) after the zone name");
		return false;
	}
	ef_lex_next(lx);
	for (;;) {
		if (lx->tok != T_WORD || strlen(lx->text) >= IFNAMSIZ) {
			ef_error(sp->d, &lx->loc,
				 "expected an interface name (at most %d bytes), got %s",
				 IFNAMSIZ - 1, ef_lex_what(lx, buf, sizeof(buf)));
			zone_release(&z);
			return false;
		}
		if (!zone_add_ifname(&z, lx->text, &lx->loc)) {
			zone_release(&z);
			return false;
		}
		ef_lex_next(lx);
		if (lx->tok != T_COMMA)
			break;
		ef_lex_next(lx);
	}
	if (!ef_lex_expect_eol(lx) ||
	    ef_grow((void **)&sp->site->zones, &sp->site->zones_cap,
		 sp->site->nzones + 1, sizeof(z))) {
		zone_release(&z);
		return false;
	}
	sp->site->zones[sp->site->nzones++] = z;
	return true;
}

static bool parse_number(struct ef_lexer *lx, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p;

	if (lx->tok != T_WORD || !lx->text[0])
		goto bad;
	for (p = lx->text; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max) {
			ef_error(lx->diags, &lx->loc,
				 "number out of range: at most %llu",
				 (unsigned long long)max);
			return false;
		}
	}
	*ret = v;
	ef_lex_next(lx);
	return true;
bad:
	ef_error(lx->diags, &lx->loc, "expected a number");
	return false;
}

/* 90s, 30m, 1h, 2d (ef_parse_duration), 1 second to max. */
static bool parse_duration(struct ef_lexer *lx, uint64_t max, uint64_t *ret)
{
	char longest[EF_DURATION_TEXT];
	int err = lx->tok == T_WORD ?
		  ef_parse_duration(lx->text, max, ret) : -EINVAL;

	if (err == -ERANGE) {
		ef_error(lx->diags, &lx->loc, "duration out of range: 1s to %s",
			 ef_duration_text(max, longest));
		return false;
	}
	if (err) {
		ef_error(lx->diags, &lx->loc,
			 "expected a duration like 90s, 30m, 1h or 2d");
		return false;
	}
	ef_lex_next(lx);
	return true;
}

/* N/second, N/minute, N/hour or off */
static bool parse_log(struct sparser *sp, struct ef_lexer *lx)
{
	static const struct { const char *name; uint64_t secs; } units[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 },
	};
	char *slash;
	unsigned long v;

	if (lx->tok == T_WORD && !strcmp(lx->text, "off")) {
		sp->site->log_rate = 0;
		ef_lex_next(lx);
		return true;
	}
	if (lx->tok != T_WORD || !(slash = strchr(lx->text, '/')))
		goto bad;
	*slash = '\0';
	if (ef_parse_uint(lx->text, 1, 100000, &v) < 0)
		goto bad;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(slash + 1, units[i].name)) {
			sp->site->log_rate = (uint32_t)v;
			sp->site->log_unit = units[i].secs;
			ef_lex_next(lx);
			return true;
		}
	}
bad:
	ef_error(sp->d, &lx->loc,
		 "expected a log rate like 10/second (1..100000 per second, minute or hour) or 'off'");
	return false;
}

static bool parse_keyword(struct sparser *sp, struct ef_lexer *lx,
			  const char *key, const char *a, const char *b,
			  bool *ret_is_a)
{
	if (lx->tok == T_WORD && (!strcmp(lx->text, a) || !strcmp(lx->text, b))) {
		*ret_is_a = !strcmp(lx->text, a);
		ef_lex_next(lx);
		return true;
	}
	ef_error(sp->d, &lx->loc, "%s must be '%s' or '%s'", key, a, b);
	return false;
}

/* feature NAME = off|on: each name once. */
static bool parse_feature(struct sparser *sp, struct ef_lexer *lx)
{
	struct ef_site *site = sp->site;
	struct ef_site_feature f = { 0 };
	char buf[80], key[EF_ROLE_MAX + 8];
	bool off;

	ef_lex_next(lx);
	f.loc = lx->loc;
	if (lx->tok != T_WORD || strlen(lx->text) >= EF_ROLE_MAX) {
		ef_error(sp->d, &lx->loc, "expected a feature name, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	strcpy(f.name, lx->text);
	for (size_t i = 0; i < site->nfeatures; i++) {
		if (strcmp(site->features[i].name, f.name))
			continue;
		ef_error(sp->d, &f.loc, "feature '%s' already set at line %u",
			 f.name, site->features[i].loc.line);
		ef_note(sp->d, &site->features[i].loc,
			"feature '%s' first set here", f.name);
		return false;
	}
	ef_lex_next(lx);
	if (lx->tok != T_EQUALS) {
		ef_error(sp->d, &lx->loc, "expected '=' after the feature name, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	ef_lex_next(lx);
	snprintf(key, sizeof(key), "feature %s", f.name);
	if (!parse_keyword(sp, lx, key, "off", "on", &off) ||
	    !ef_lex_expect_eol(lx) ||
	    ef_grow((void **)&site->features, &site->features_cap,
		    site->nfeatures + 1, sizeof(f)))
		return false;
	f.on = !off;
	site->features[site->nfeatures++] = f;
	return true;
}

static bool parse_setting(struct sparser *sp, struct ef_lexer *lx,
			  const char *key)
{
	struct ef_site *s = sp->site;
	uint64_t v;
	bool is_a;

	if (!strcmp(key, "mode")) {
		if (!parse_keyword(sp, lx, key, "host", "gateway", &is_a))
			return false;
		s->mode = is_a ? EF_MODE_HOST : EF_MODE_GATEWAY;
	} else if (!strcmp(key, "lock")) {
		if (lx->tok == T_WORD && !strcmp(lx->text, "auto")) {
			s->lock = EF_LOCK_AUTO;
			ef_lex_next(lx);
		} else if (!parse_keyword(sp, lx, "lock (or auto)", "on", "off",
					  &is_a)) {
			return false;
		} else {
			s->lock = is_a ? EF_LOCK_ON : EF_LOCK_OFF;
		}
	} else if (!strcmp(key, "output")) {
		if (!parse_keyword(sp, lx, key, "drop", "accept", &is_a))
			return false;
		s->output_policy = is_a ? EF_V_DROP : EF_V_ACCEPT;
	} else if (!strcmp(key, "log")) {
		if (!parse_log(sp, lx))
			return false;
	} else if (!strcmp(key, "management-port")) {
		struct ef_loc loc = lx->loc;

		if (!parse_number(lx, 65535, &v))
			return false;
		if (!v) {
			ef_error(sp->d, &loc, "port 0 is not a port");
			return false;
		}
		s->management_port = (uint16_t)v;
	} else if (!strcmp(key, "interval")) {
		struct ef_loc loc = lx->loc;

		if (!parse_number(lx, 86400, &v))
			return false;
		if (!v) {
			ef_error(sp->d, &loc, "interval must be 1 to 86400 seconds");
			return false;
		}
		s->interval = (unsigned int)v;
	} else if (!strcmp(key, "policy")) {
		if (lx->tok != T_WORD || !ef_state_name_valid(lx->text)) {
			char what[64];

			ef_error(sp->d, &lx->loc, "policy must be a policy name ([a-z][a-z0-9_-]*, at most 31 bytes), not %s",
				 ef_lex_what(lx, what, sizeof(what)));
			return false;
		}
		snprintf(s->policy, sizeof(s->policy), "%s", lx->text);
		s->policy_loc = lx->loc;
		ef_lex_next(lx);
	} else if (!strcmp(key, "exception-max")) {
		if (!parse_duration(lx, EF_EXC_SECS_MAX, &v))
			return false;
		s->exception_max = (unsigned int)v;
	} else if (!strcmp(key, "max-elements")) {
		s->max_elements_loc = lx->loc;
		if (!parse_number(lx, 100000000, &v))
			return false;
		s->max_elements = v;
	} else {
		return false;
	}
	return ef_lex_expect_eol(lx);
}

static bool parse_stmt(struct sparser *sp, struct ef_lexer *lx)
{
	struct ef_loc loc = lx->loc;
	struct ef_binding b = { .loc = lx->loc };
	const struct ef_binding *old;
	char key[EF_ROLE_MAX + 1], buf[80];

	if (lx->tok != T_WORD) {
		ef_error(sp->d, &lx->loc, "expected 'NAME = VALUE', got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	if (!strcmp(lx->text, "zone"))
		return parse_zone(sp, lx);
	if (!strcmp(lx->text, "feature"))
		return parse_feature(sp, lx);
	if (strlen(lx->text) >= EF_ROLE_MAX) {
		ef_error(sp->d, &lx->loc, "name longer than %d bytes",
			 EF_ROLE_MAX - 1);
		return false;
	}
	strcpy(key, lx->text);
	ef_lex_next(lx);
	if (lx->tok != T_EQUALS) {
		ef_error(sp->d, &lx->loc, "expected '=' after '%s', got %s", key,
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	ef_lex_next(lx);
	if (ef_site_word(key) && !set_once(sp, key, &loc))
		return false;
	if (ef_site_word(key) && strcmp(key, "management"))
		return parse_setting(sp, lx, key);
	if (!strcmp(key, "management")) {
		sp->site->management_set = true;
		sp->site->management.loc = loc;
		strcpy(sp->site->management.name, key);
		return parse_values(sp, lx, &sp->site->management, false);
	}
	old = ef_site_find(sp->site, key);
	if (old) {
		ef_error(sp->d, &loc, "'%s' already bound at line %u", key,
			 old->loc.line);
		ef_note(sp->d, &old->loc, "'%s' first bound here", key);
		return false;
	}
	strcpy(b.name, key);
	if (!parse_values(sp, lx, &b, true) ||
	    ef_grow((void **)&sp->site->binds, &sp->site->binds_cap,
		 sp->site->nbinds + 1, sizeof(b))) {
		binding_release(&b);
		return false;
	}
	sp->site->binds[sp->site->nbinds++] = b;
	return true;
}

/* A mapping of the site, and the earlier one it clashes with, if any. */
struct nat_ref {
	const struct ef_binding *b;
	const struct ef_nat_map *map;
	size_t order;			/* in the file */
	const struct ef_binding *clash_b;
	const struct ef_nat_map *clash;
	bool by_priv;			/* the clash is the private one */
};

static int cmp_order(const void *a, const void *b)
{
	const struct nat_ref *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

static int cmp_pub(const void *a, const void *b)
{
	const struct nat_ref *x = a, *y = b;

	return memcmp(x->map->pub, y->map->pub, 4) ?: cmp_order(a, b);
}

static int cmp_priv(const void *a, const void *b)
{
	const struct nat_ref *x = a, *y = b;

	return memcmp(x->map->priv, y->map->priv, 4) ?: cmp_order(a, b);
}

/*
 * Every mapping of `n`, sorted by one address: each that repeats the
 * address of the first of its run, where the other address differs (or,
 * by the public one, the role), clashes with that first one.
 */
static void find_clashes(struct nat_ref *v, size_t n, bool by_priv)
{
	size_t first = 0;

	qsort(v, n, sizeof(*v), by_priv ? cmp_priv : cmp_pub);
	for (size_t i = 1; i < n; i++) {
		const uint8_t *a = by_priv ? v[i].map->priv : v[i].map->pub;
		const uint8_t *f = by_priv ? v[first].map->priv :
					     v[first].map->pub;
		const uint8_t *other = by_priv ? v[i].map->pub : v[i].map->priv;
		const uint8_t *fother = by_priv ? v[first].map->pub :
						  v[first].map->priv;

		if (memcmp(a, f, 4)) {
			first = i;
			continue;
		}
		if (v[i].clash || (!memcmp(other, fother, 4) &&
				   (by_priv || v[i].b == v[first].b)))
			continue;	/* the same mapping said again */
		v[i].clash = v[first].map;
		v[i].clash_b = v[first].b;
		v[i].by_priv = by_priv;
	}
}

static void report_clash(struct ef_diags *d, const struct nat_ref *r)
{
	char priv[INET_ADDRSTRLEN], pub[INET_ADDRSTRLEN];
	char other[INET_ADDRSTRLEN];
	unsigned int line = r->by_priv ? r->clash->priv_loc.line :
					 r->clash->pub_loc.line;

	inet_ntop(AF_INET, r->map->priv, priv, sizeof(priv));
	inet_ntop(AF_INET, r->map->pub, pub, sizeof(pub));
	if (r->by_priv) {
		inet_ntop(AF_INET, r->clash->pub, other, sizeof(other));
		ef_error(d, &r->map->priv_loc,
			 "%s is already translated to %s (line %u): translation is 1:1, one public address per private address",
			 priv, other, line);
	} else if (memcmp(r->map->priv, r->clash->priv, 4)) {
		inet_ntop(AF_INET, r->clash->priv, other, sizeof(other));
		ef_error(d, &r->map->pub_loc,
			 "%s is already the public address of %s (line %u): translation is 1:1, one private address per public address",
			 pub, other, line);
	} else {
		ef_error(d, &r->map->pub_loc,
			 "%s is already the public address of %s (line %u): each Edge role needs a public address of its own",
			 pub, r->clash_b->name, line);
	}
}

/* Translation is 1:1: no address, private or public, in two mappings. */
static void check_nat(struct sparser *sp, const char *path)
{
	const struct ef_site *site = sp->site;
	struct nat_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < site->nbinds; i++)
		n += site->binds[i].nnat;
	if (n < 2)
		return;
	v = calloc(n, sizeof(*v));
	if (!v) {
		ef_error_file(sp->d, path, "out of memory");
		return;
	}
	n = 0;
	for (size_t i = 0; i < site->nbinds; i++)
		for (size_t k = 0; k < site->binds[i].nnat; k++, n++)
			v[n] = (struct nat_ref){ .b = &site->binds[i],
						 .map = &site->binds[i].nat[k],
						 .order = n };
	find_clashes(v, n, false);
	find_clashes(v, n, true);
	qsort(v, n, sizeof(*v), cmp_order);
	for (size_t i = 0; i < n; i++)
		if (v[i].clash)
			report_clash(sp->d, &v[i]);
	free(v);
}

/*
 * An interface in two zones gets both zones' rows. A one-armed proxy may
 * mean it; a typo (eth0 for eth1) would open the internal rows on the
 * outside: said, at the second one.
 */
static void check_shared_ifaces(struct sparser *sp)
{
	const struct ef_site *s = sp->site;

	for (size_t z = 0; z < s->nzones; z++)
		for (size_t i = 0; i < s->zones[z].nifnames; i++)
			for (size_t y = 0; y < z; y++)
				for (size_t k = 0; k < s->zones[y].nifnames; k++) {
					if (strcmp(s->zones[z].ifnames[i],
						   s->zones[y].ifnames[k]))
						continue;
					ef_warn(sp->d, &s->zones[z].ifname_locs[i],
						"interface '%s' is in zone '%s' too: both zones' rows apply on it",
						s->zones[z].ifnames[i],
						s->zones[y].name);
				}
}

struct ef_site *ef_site_parse(const char *path, struct ef_diags *d)
{
	struct sparser sp = { .d = d };
	const struct ef_source *src;
	struct ef_lexer lx;

	sp.site = calloc(1, sizeof(*sp.site));
	if (!sp.site) {
		ef_error_file(d, path, "out of memory");
		return NULL;
	}
	sp.site->mode = EF_MODE_HOST;
	sp.site->output_policy = EF_V_DROP;
	sp.site->management_port = 22;
	sp.site->log_rate = 10;
	sp.site->log_unit = 1;
	sp.site->max_elements = EF_DEFAULT_MAX_ELEMENTS;
	sp.site->interval = 30;
	sp.site->exception_max = EF_EXC_SECS_DEFAULT;
	src = ef_source_load(&sp.site->sources, path, d, NULL);
	if (!src)
		return sp.site;
	ef_lex_init(&lx, src, d);
	while (lx.tok != T_EOF) {
		if (lx.tok == T_NEWLINE) {
			ef_lex_next(&lx);
			continue;
		}
		size_t before = d->errors;
		struct ef_loc at = lx.loc;

		if (!parse_stmt(&sp, &lx)) {
			/* Never drop a binding silently: an unbound group
			 * would mean any peer. */
			if (d->errors == before)
				ef_error(d, &at, "out of memory");
			ef_lex_skip_line(&lx);
		}
		else if (lx.tok == T_NEWLINE)
			ef_lex_next(&lx);
	}
	ef_lex_fini(&lx);
	check_nat(&sp, path);
	check_shared_ifaces(&sp);
	if (!sp.site->management_set) {
		struct ef_loc top = { src->path, src->text, 1, 1 };

		ef_error(d, &top,
			 "no 'management' network: set the network allowed to SSH in, or write 'management = none'");
	}
	return sp.site;
}

void ef_site_free(struct ef_site *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nbinds; i++)
		binding_release(&s->binds[i]);
	for (size_t i = 0; i < s->nzones; i++)
		zone_release(&s->zones[i]);
	binding_release(&s->management);
	for (size_t i = 0; i < s->nrows; i++)
		row_release(&s->rows[i]);
	free(s->rows);
	free(s->binds);
	free(s->zones);
	free(s->features);
	ef_sources_free(&s->sources);
	free(s);
}

int ef_site_policy(const char *path, char ret[EF_ROLE_MAX],
		   struct ef_diags *why)
{
	struct ef_sources srcs = { 0 };
	struct ef_diags d = { 0 };
	const struct ef_source *src = ef_source_load(&srcs, path,
						     why ? why : &d, NULL);
	struct ef_lexer lx;
	int err = -ENOENT;

	if (!src) {
		err = -EINVAL;
		goto out;
	}
	/* Only the file's own refusals go to `why`: the lines are the
	 * parser's to judge. */
	ef_lex_init(&lx, src, &d);
	/* Only the lines: the values of the others are the parser's. */
	while (lx.tok != T_EOF) {
		bool at_policy = lx.tok == T_WORD && !strcmp(lx.text, "policy");

		if (at_policy) {
			ef_lex_next(&lx);
			if (lx.tok == T_EQUALS)
				ef_lex_next(&lx);
			if (lx.tok == T_WORD && ef_state_name_valid(lx.text)) {
				snprintf(ret, EF_ROLE_MAX, "%s", lx.text);
				err = 0;
			}
		}
		ef_lex_skip_line(&lx);
	}
	ef_lex_fini(&lx);
out:
	ef_diags_free(&d);
	ef_sources_free(&srcs);
	return err;
}
