// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Timed exceptions: the list, the record edgefwd keeps of them (written,
 * read back, validated) and the set elements each one opens. What an
 * exception may be (how long, to what) is the daemon's decision.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "exception.h"
#include "nft_emit.h"
#include "site.h"
#include "state.h"

#define HEADER "edgefw-exceptions 1"

/* ------------------------------------------------------------------ */
/* Notes                                                              */

bool ef_note_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	bool text = false;
	size_t n;

	if (!len || len > EF_EXC_NOTE_MAX)
		return false;
	for (size_t i = 0; i < len; i += n) {
		n = ef_utf8_char(p + i);
		if (!n || n > len - i)
			return false;
		/* Control characters: C0 and DEL, C1 (U+0080 to U+009F). */
		if ((n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) ||
		    (n == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f))
			return false;
		text = text || p[i] != ' ';
	}
	return text;
}

/* ------------------------------------------------------------------ */
/* The list                                                           */

int ef_exceptions_add(struct ef_exceptions *xs, const struct ef_exception *x)
{
	if (xs->n >= EF_EXC_MAX)
		return -E2BIG;
	if (ef_grow((void **)&xs->v, &xs->cap, xs->n + 1, sizeof(*xs->v)))
		return -ENOMEM;
	xs->v[xs->n] = *x;
	if (!xs->next_id)
		xs->next_id = 1;
	if (!x->id)
		xs->v[xs->n].id = xs->next_id;
	if (xs->v[xs->n].id >= xs->next_id)
		xs->next_id = xs->v[xs->n].id + 1;
	xs->n++;
	return 0;
}

void ef_exceptions_remove(struct ef_exceptions *xs, size_t i)
{
	memmove(&xs->v[i], &xs->v[i + 1], (xs->n - i - 1) * sizeof(*xs->v));
	xs->n--;
}

long ef_exceptions_find(const struct ef_exceptions *xs, uint32_t id)
{
	for (size_t i = 0; i < xs->n; i++)
		if (xs->v[i].id == id)
			return (long)i;
	return -1;
}

void ef_exceptions_free(struct ef_exceptions *xs)
{
	free(xs->v);
	memset(xs, 0, sizeof(*xs));
}

/* ------------------------------------------------------------------ */
/* What people read                                                   */

static unsigned int addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static void emit_range(struct ef_strbuf *sb, const struct ef_addr_range *r)
{
	ef_emit_field(sb, r->family == 4 ? EF_T_IPV4 : EF_T_IPV6, r->lo,
		      r->hi);
}

const char *ef_exception_proto(const struct ef_exception *x)
{
	return x->proto == IPPROTO_UDP ? "udp" : "tcp";
}

void ef_exception_ports(struct ef_strbuf *sb, const struct ef_exception *x)
{
	ef_sb_printf(sb, "%u", x->port_lo);
	if (x->port_hi != x->port_lo)
		ef_sb_printf(sb, "-%u", x->port_hi);
}

void ef_exception_from(struct ef_strbuf *sb, const struct ef_exception *x)
{
	if (x->from.family)
		emit_range(sb, &x->from);
	else
		ef_sb_printf(sb, "any");
}

void ef_exception_to(struct ef_strbuf *sb, const struct ef_exception *x)
{
	if (x->role[0])
		ef_sb_printf(sb, "%s", x->role);
	else if (x->nto)
		emit_range(sb, &x->to[0]);
	else
		ef_sb_printf(sb, "this machine");
}

void ef_exception_text(struct ef_strbuf *sb, const struct ef_exception *x)
{
	ef_sb_printf(sb, "%s ", ef_exception_proto(x));
	ef_exception_ports(sb, x);
	ef_sb_printf(sb, " from ");
	ef_exception_from(sb, x);
	ef_sb_printf(sb, " to ");
	ef_exception_to(sb, x);
	if (!x->role[0])
		return;
	ef_sb_printf(sb, " (");
	for (size_t i = 0; i < x->nto; i++) {
		ef_sb_printf(sb, "%s", i ? ", " : "");
		emit_range(sb, &x->to[i]);
	}
	ef_sb_printf(sb, ")");
}

/* ------------------------------------------------------------------ */
/* The record                                                         */

static bool proto_ok(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static bool family_ok(uint8_t family)
{
	return family == 4 || family == 6;
}

/* Would the line of x read back as x? */
static bool savable(const struct ef_exception *x)
{
	for (size_t i = 0; i < x->nto && i < EF_EXC_TO_MAX; i++)
		if (!family_ok(x->to[i].family))
			return false;
	return x->id && proto_ok(x->proto) && x->port_lo &&
	       (!x->from.family || family_ok(x->from.family)) &&
	       x->port_lo <= x->port_hi && x->nto <= EF_EXC_TO_MAX &&
	       x->added_ms >= 0 && x->expires_ms > x->added_ms &&
	       memchr(x->role, '\0', sizeof(x->role)) &&
	       (!x->role[0] || ef_state_name_valid(x->role)) &&
	       memchr(x->note, '\0', sizeof(x->note)) &&
	       ef_note_valid(x->note, strlen(x->note));
}

static void save_line(struct ef_strbuf *sb, const struct ef_exception *x)
{
	ef_sb_printf(sb, "x %" PRIu32 " %" PRId64 " %" PRId64 " %" PRIu32
		     " %s %u-%u ", x->id, x->added_ms, x->expires_ms, x->uid,
		     ef_exception_proto(x), x->port_lo, x->port_hi);
	ef_exception_from(sb, x);
	ef_sb_putc(sb, ' ');
	if (!x->nto)
		ef_sb_printf(sb, "local");
	for (size_t i = 0; i < x->nto; i++) {
		if (i)
			ef_sb_putc(sb, ',');
		emit_range(sb, &x->to[i]);
	}
	ef_sb_printf(sb, " %s %s\n", x->role[0] ? x->role : "-", x->note);
}

int ef_exceptions_save(const char *dir, const struct ef_exceptions *xs)
{
	struct ef_strbuf sb = { 0 };
	int err;

	ef_sb_printf(&sb, HEADER "\nnext %" PRIu32 "\n",
		     xs->next_id ? xs->next_id : 1);
	for (size_t i = 0; i < xs->n; i++) {
		if (!savable(&xs->v[i]) || xs->v[i].id >= xs->next_id) {
			ef_sb_free(&sb);
			return -EINVAL;
		}
		save_line(&sb, &xs->v[i]);
	}
	if (sb.err) {
		ef_sb_free(&sb);
		return -ENOMEM;
	}
	err = ef_state_write_file(dir, EF_EXC_FILE, sb.buf, sb.len);
	ef_sb_free(&sb);
	return err;
}

/* The next word of a line (up to a space or its end), NUL-terminated in
 * place; NULL if the line has none. */
static char *word(char **pos)
{
	char *w = *pos, *sp;

	if (!w || !*w)
		return NULL;
	sp = strchr(w, ' ');
	if (sp) {
		*sp = '\0';
		*pos = sp + 1;
	} else {
		*pos = NULL;
	}
	return w;
}

static bool number(const char *w, uint64_t max, uint64_t *ret)
{
	unsigned long v;

	if (!w || ef_parse_uint(w, 0, max, &v))
		return false;
	*ret = v;
	return true;
}

static bool addr(const char *w, struct ef_addr_range *ret)
{
	struct ef_prefix p;
	const char *why;

	if (!w || ef_prefix_parse(w, &p, &why))
		return false;
	ret->family = p.family;
	memcpy(ret->lo, p.lo, sizeof(ret->lo));
	memcpy(ret->hi, p.hi, sizeof(ret->hi));
	return true;
}

static bool ports(const char *w, struct ef_exception *x)
{
	unsigned long lo, hi;
	char buf[16], *dash;

	if (!w || strlen(w) >= sizeof(buf))
		return false;
	strcpy(buf, w);
	dash = strchr(buf, '-');
	if (!dash)
		return false;
	*dash = '\0';
	if (ef_parse_uint(buf, 1, 65535, &lo) ||
	    ef_parse_uint(dash + 1, lo, 65535, &hi))
		return false;
	x->port_lo = (uint16_t)lo;
	x->port_hi = (uint16_t)hi;
	return true;
}

/* "local", or addresses separated by commas. */
static bool to_list(char *w, struct ef_exception *x)
{
	char *next;

	if (!w)
		return false;
	if (!strcmp(w, "local"))
		return true;
	for (; w; w = next) {
		next = strchr(w, ',');
		if (next)
			*next++ = '\0';
		if (x->nto == EF_EXC_TO_MAX || !addr(w, &x->to[x->nto++]))
			return false;
	}
	return true;
}

/* One exception line, without its "\n", written over; true if sound. */
static bool parse_line(char *line, struct ef_exception *x)
{
	char *pos = line, *w;
	uint64_t v;

	memset(x, 0, sizeof(*x));
	if (!(w = word(&pos)) || strcmp(w, "x"))
		return false;
	if (!number(word(&pos), UINT32_MAX, &v) || !v)
		return false;
	x->id = (uint32_t)v;
	if (!number(word(&pos), INT64_MAX, &v))
		return false;
	x->added_ms = (int64_t)v;
	if (!number(word(&pos), INT64_MAX, &v))
		return false;
	x->expires_ms = (int64_t)v;
	if (!number(word(&pos), UINT32_MAX, &v))
		return false;
	x->uid = (uint32_t)v;
	w = word(&pos);
	if (!w || (strcmp(w, "tcp") && strcmp(w, "udp")))
		return false;
	x->proto = strcmp(w, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
	if (!ports(word(&pos), x))
		return false;
	w = word(&pos);
	if (!w || (strcmp(w, "any") && !addr(w, &x->from)))
		return false;
	if (!to_list(word(&pos), x))
		return false;
	w = word(&pos);
	if (!w || (strcmp(w, "-") && !ef_state_name_valid(w)))
		return false;
	if (strcmp(w, "-"))
		snprintf(x->role, sizeof(x->role), "%s", w);
	if (!pos || !ef_note_valid(pos, strlen(pos)))
		return false;
	strcpy(x->note, pos);
	return x->expires_ms > x->added_ms &&
	       x->expires_ms - x->added_ms <= (int64_t)EF_EXC_SECS_MAX * 1000 &&
	       !ef_exception_empty(x);
}

/* The record's text (NUL-terminated, len bytes) into xs; 0, or the line
 * that is wrong. */
static unsigned int parse(char *text, size_t len, struct ef_exceptions *xs)
{
	char *p = text, *end = text + len;
	unsigned int lineno = 0;
	uint64_t next = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		struct ef_exception x;

		lineno++;
		/* Unterminated (truncated), or a NUL inside. */
		if (!nl || memchr(p, '\0', (size_t)(nl - p)))
			return lineno;
		*nl = '\0';
		if (lineno == 1) {
			if (strcmp(p, HEADER))
				return lineno;
		} else if (lineno == 2) {
			if (strncmp(p, "next ", 5) ||
			    !number(p + 5, UINT32_MAX, &next) || !next)
				return lineno;
		} else if (!parse_line(p, &x) || x.id >= next ||
			   ef_exceptions_find(xs, x.id) >= 0 ||
			   ef_exceptions_add(xs, &x)) {
			return lineno;
		}
		p = nl + 1;
	}
	if (lineno < 2)
		return lineno + 1;
	xs->next_id = (uint32_t)next;
	return 0;
}

int ef_exceptions_load(const char *dir, struct ef_exceptions *ret,
		       unsigned int *ret_line)
{
	struct ef_exceptions xs = { 0 };
	unsigned int line = 0;
	size_t len;
	char *text;
	int err;

	ef_exceptions_free(ret);
	err = ef_state_read_file(dir, EF_EXC_FILE, EF_EXC_FILE_MAX, &text,
				 &len);
	if (!err) {
		line = parse(text, len, &xs);
		free(text);
		err = line ? -EINVAL : 0;
	}
	if (err) {
		ef_exceptions_free(&xs);
		if (ret_line)
			*ret_line = line;
		return err;
	}
	*ret = xs;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Elements                                                           */

static void whole(uint8_t family, struct ef_addr_range *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memset(ret->hi, 0xff, addr_len(family));
}

/* x's peers of the family: false if none. */
static bool from_range(const struct ef_exception *x, uint8_t family,
		       struct ef_addr_range *ret)
{
	if (x->from.family && x->from.family != family)
		return false;
	if (x->from.family)
		*ret = x->from;
	else
		whole(family, ret);
	return true;
}

/* What x opens in the family, into ret (EF_EXC_TO_MAX); their count. */
static size_t to_ranges(const struct ef_exception *x, uint8_t family,
			struct ef_addr_range *ret)
{
	size_t n = 0;

	if (!x->nto) {
		whole(family, ret);
		return 1;
	}
	for (size_t i = 0; i < x->nto; i++)
		if (x->to[i].family == family)
			ret[n++] = x->to[i];
	return n;
}

bool ef_exception_empty(const struct ef_exception *x)
{
	struct ef_addr_range from, to[EF_EXC_TO_MAX];

	for (uint8_t f = 4; f <= 6; f += 2)
		if (from_range(x, f, &from) && to_ranges(x, f, to))
			return false;
	return true;
}

static int add_elems(const struct ef_exception *x, uint64_t ttl_ms,
		     uint8_t family, struct ef_set *set)
{
	struct ef_addr_range from, to[EF_EXC_TO_MAX];
	uint8_t plo[2] = { x->port_lo >> 8, x->port_lo & 0xff };
	uint8_t phi[2] = { x->port_hi >> 8, x->port_hi & 0xff };
	struct ef_rows *rows = NULL;
	char comment[32];
	size_t n;
	int err = 0;

	if (!from_range(x, family, &from) || !(n = to_ranges(x, family, to)))
		return 0;
	snprintf(comment, sizeof(comment), "exception %" PRIu32, x->id);
	if (ef_rows_parse(comment, &rows))
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };

		ef_key_put(set, 0, key, from.lo);
		ef_key_put(set, 0, end, from.hi);
		ef_key_put(set, 1, key, to[i].lo);
		ef_key_put(set, 1, end, to[i].hi);
		ef_key_put(set, 2, key, &x->proto);
		ef_key_put(set, 2, end, &x->proto);
		ef_key_put(set, 3, key, plo);
		ef_key_put(set, 3, end, phi);
		err = ef_set_add_elem(set, key, end, rows);
		err = err ?: ef_elem_set_times(set, set->nelems - 1, ttl_ms, 0);
	}
	ef_rows_put(rows);
	return err;
}

int ef_exception_elems(const struct ef_exception *x, int64_t now_ms,
		       struct ef_set *set4, struct ef_set *set6)
{
	int err;

	if (x->expires_ms <= now_ms)
		return 0;
	err = add_elems(x, (uint64_t)(x->expires_ms - now_ms), 4, set4);
	err = err ?: add_elems(x, (uint64_t)(x->expires_ms - now_ms), 6, set6);
	ef_set_sort(set4);
	ef_set_sort(set6);
	return err;
}

static bool ranges_meet(const struct ef_addr_range *a,
			const struct ef_addr_range *b)
{
	unsigned int len = addr_len(a->family);

	return a->family == b->family && memcmp(a->lo, b->hi, len) <= 0 &&
	       memcmp(b->lo, a->hi, len) <= 0;
}

bool ef_exceptions_overlap(const struct ef_exception *a,
			   const struct ef_exception *b)
{
	struct ef_addr_range fa, fb, ta[EF_EXC_TO_MAX], tb[EF_EXC_TO_MAX];

	if (a->proto != b->proto || a->port_lo > b->port_hi ||
	    b->port_lo > a->port_hi)
		return false;
	for (uint8_t f = 4; f <= 6; f += 2) {
		size_t na = to_ranges(a, f, ta), nb = to_ranges(b, f, tb);

		if (!from_range(a, f, &fa) || !from_range(b, f, &fb) ||
		    !ranges_meet(&fa, &fb))
			continue;
		for (size_t i = 0; i < na; i++)
			for (size_t k = 0; k < nb; k++)
				if (ranges_meet(&ta[i], &tb[k]))
					return true;
	}
	return false;
}
