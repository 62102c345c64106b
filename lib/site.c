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

#include "site.h"
#include "state.h"
#include "util.h"

/* The first 96 bits of ::ffff:192.0.2.1. */
static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

int ef_prefix_parse(const char *s, struct ef_prefix *ret, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct ef_prefix p = { 0 };
	unsigned int plen, bits;

	if (alen == 0 || alen >= sizeof(addr)) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p.lo) == 1) {
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

static bool add_prefix(struct ef_binding *b, const struct ef_prefix *p)
{
	if (ef_grow((void **)&b->prefixes, &b->prefixes_cap, b->nprefixes + 1,
		 sizeof(*p)))
		return false;
	b->prefixes[b->nprefixes++] = *p;
	return true;
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
		while (p < end && !strchr(" \t\r#", *p))
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
	ef_lex_next(lx);
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
	free(b->prefixes);
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

static bool parse_zone(struct sparser *sp, struct ef_lexer *lx)
{
	struct ef_zone_bind z = { .loc = lx->loc };
	const struct ef_zone_bind *old;
	char buf[80];

	ef_lex_next(lx);
	if (lx->tok != T_WORD || strlen(lx->text) >= EF_ROLE_MAX) {
		ef_error(sp->d, &lx->loc, "expected a zone name, got %s",
			 ef_lex_what(lx, buf, sizeof(buf)));
		return false;
	}
	strcpy(z.name, lx->text);
	old = ef_site_find_zone(sp->site, z.name);
	if (old) {
		ef_error(sp->d, &lx->loc, "zone '%s' already bound at line %u",
			 z.name, old->loc.line);
		ef_note(sp->d, &old->loc, "zone '%s' first bound here", z.name);
		return false;
	}
	ef_lex_next(lx);
	if (lx->tok != T_EQUALS) {
		ef_error(sp->d, &lx->loc, "expected '=' after the zone name");
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

/* N/second, N/minute, N/hour or off */
static bool parse_log(struct sparser *sp, struct ef_lexer *lx)
{
	static const struct { const char *name; uint64_t secs; } units[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 },
	};
	char *slash;
	unsigned long v;
	char *end;

	if (lx->tok == T_WORD && !strcmp(lx->text, "off")) {
		sp->site->log_rate = 0;
		ef_lex_next(lx);
		return true;
	}
	if (lx->tok != T_WORD || !(slash = strchr(lx->text, '/')))
		goto bad;
	*slash = '\0';
	errno = 0;
	v = strtoul(lx->text, &end, 10);
	if (*end || end == lx->text || errno || v == 0 || v > 100000)
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
	free(s->binds);
	free(s->zones);
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
