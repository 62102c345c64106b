// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's framing, request grammar and reply encoding.
 * It does not act on a request: the daemon's handlers do.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "nft_emit.h"
#include "site.h"
#include "util.h"

#define QUOTE_MAX 32	/* bytes of a bad word quoted in a message */

static const char *const cmd_names[] = {
	[EF_CTL_HELLO] = "hello",
	[EF_CTL_STATUS] = "status",
	[EF_CTL_LIST] = "list",
	[EF_CTL_SWITCH] = "switch",
	[EF_CTL_CONFIRM] = "confirm",
	[EF_CTL_ROLLBACK] = "rollback",
	[EF_CTL_DIFF] = "diff",
	[EF_CTL_RECONCILE] = "reconcile",
	[EF_CTL_COUNTERS] = "counters",
	[EF_CTL_RELOAD] = "reload",
	[EF_CTL_ALLOW] = "allow",
	[EF_CTL_REVOKE] = "revoke",
	[EF_CTL_EXCEPTIONS] = "exceptions",
	[EF_CTL_EXPLAIN] = "explain",
};

const char *ef_ctl_cmd_name(enum ef_ctl_cmd cmd)
{
	if ((unsigned int)cmd >= ARRAY_SIZE(cmd_names))
		return NULL;
	return cmd_names[cmd];
}

bool ef_ctl_request_read_only(const struct ef_ctl_request *rq)
{
	switch (rq->cmd) {
	case EF_CTL_HELLO:
	case EF_CTL_STATUS:
	case EF_CTL_LIST:
	case EF_CTL_DIFF:
	case EF_CTL_COUNTERS:
	case EF_CTL_EXCEPTIONS:
	case EF_CTL_EXPLAIN:
		return true;
	case EF_CTL_SWITCH:
		return rq->dry_run;
	case EF_CTL_CONFIRM:
	case EF_CTL_ROLLBACK:
	case EF_CTL_RECONCILE:	/* may write to the kernel */
	case EF_CTL_RELOAD:
	case EF_CTL_ALLOW:
	case EF_CTL_REVOKE:
		return false;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */

struct word {
	const char *s;
	size_t len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool next_word(const char **pos, const char *end, struct word *w)
{
	const char *p = *pos;

	while (p < end && is_blank(*p))
		p++;
	w->s = p;
	while (p < end && !is_blank(*p))
		p++;
	w->len = p - w->s;
	*pos = p;
	return w->len > 0;
}

static bool word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->len && !memcmp(w->s, s, w->len);
}

struct pctx {
	struct ef_ctl_request *req;
	const char **why;
};

static int fail(struct pctx *c, const char *msg)
{
	if (c->why)
		*c->why = msg;
	return -EINVAL;
}

/*
 * "what 'word'" in why_buf. The word is cut and made printable ASCII, so
 * the message stays one short line whatever the client sent.
 */
static int fail_word(struct pctx *c, const char *what, const struct word *w)
{
	char q[QUOTE_MAX + 1];
	size_t n = w->len < QUOTE_MAX ? w->len : QUOTE_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = w->s[i];

		q[i] = ch > ' ' && ch < 0x7f ? (char)ch : '?';
	}
	q[n] = '\0';
	snprintf(c->req->why_buf, sizeof(c->req->why_buf), "%s '%s%s'", what,
		 q, w->len > n ? "..." : "");
	return fail(c, c->req->why_buf);
}

static bool valid_name(const struct word *w)
{
	if (w->s[0] < 'a' || w->s[0] > 'z')
		return false;
	for (size_t i = 1; i < w->len; i++) {
		char ch = w->s[i];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9') &&
		    ch != '_' && ch != '-')
			return false;
	}
	return true;
}

/* Decimal digits only, 1 to max; 0 if not. */
static uint64_t parse_num(const struct word *w, uint64_t max)
{
	uint64_t v = 0;

	for (size_t i = 0; i < w->len; i++) {
		uint64_t digit = (uint64_t)(w->s[i] - '0');

		if (w->s[i] < '0' || w->s[i] > '9' ||
		    v > (max - digit) / 10)
			return 0;
		v = v * 10 + digit;
	}
	return v;
}

static unsigned int parse_secs(const struct word *w)
{
	return (unsigned int)parse_num(w, EF_CTL_CONFIRM_MAX);
}

static int parse_switch(struct pctx *c, const char **pos, const char *end)
{
	static const char confirm_msg[] =
		"--confirm needs seconds (1 to 86400)";
	static const char name_msg[] = "policy name longer than 31 bytes";
	struct ef_ctl_request *req = c->req;
	bool have_name = false, have_confirm = false;
	struct word w;

	while (next_word(pos, end, &w)) {
		if (word_is(&w, "--dry-run")) {
			req->dry_run = true;
		} else if (word_is(&w, "--confirm")) {
			if (have_confirm)
				return fail(c, "--confirm given twice");
			have_confirm = true;
			if (!next_word(pos, end, &w) ||
			    !(req->confirm_secs = parse_secs(&w)))
				return fail(c, confirm_msg);
		} else if (w.s[0] == '-') {
			return fail_word(c, "unknown option", &w);
		} else if (have_name) {
			return fail_word(c, "unexpected word", &w);
		} else {
			if (!valid_name(&w))
				return fail(c, "invalid policy name");
			if (w.len > EF_CTL_NAME_MAX)
				return fail(c, name_msg);
			memcpy(req->name, w.s, w.len);
			req->name[w.len] = '\0';
			have_name = true;
		}
	}
	if (!have_name)
		return fail(c, "switch needs a policy name");
	return 0;
}

/* confirm [ID], rollback [ID]: ID a decimal number, not 0. */
static int parse_switch_id(struct pctx *c, const char **pos, const char *end)
{
	struct word w;

	if (!next_word(pos, end, &w))
		return 0;
	c->req->switch_id = parse_num(&w, UINT64_MAX);
	if (!c->req->switch_id)
		return fail_word(c, "not a switch id", &w);
	if (next_word(pos, end, &w))
		return fail_word(c, "unexpected word", &w);
	return 0;
}

/* revoke ID: ID a decimal number, 1 to 2^32 - 1. */
static int parse_revoke(struct pctx *c, const char **pos, const char *end)
{
	struct word w;

	if (!next_word(pos, end, &w))
		return fail(c, "revoke needs an exception id");
	c->req->exception_id = (uint32_t)parse_num(&w, UINT32_MAX);
	if (!c->req->exception_id)
		return fail_word(c, "not an exception id", &w);
	if (next_word(pos, end, &w))
		return fail_word(c, "unexpected word", &w);
	return 0;
}

/* PORT or PORT-PORT, 1 to 65535, ascending. */
static bool parse_ports(const struct word *w, struct ef_ctl_allow *a)
{
	const char *dash = memchr(w->s, '-', w->len);
	struct word lo = { w->s, dash ? (size_t)(dash - w->s) : w->len };
	struct word hi = lo;

	if (dash)
		hi = (struct word){ dash + 1, w->len - lo.len - 1 };
	a->port_lo = (uint16_t)parse_num(&lo, 65535);
	a->port_hi = (uint16_t)parse_num(&hi, 65535);
	return a->port_lo && a->port_hi && a->port_lo <= a->port_hi;
}

/* An address or network as the site writes it; `one`: an address. */
static bool parse_addr(const struct word *w, bool one,
		       struct ef_addr_range *ret)
{
	char buf[64];
	struct ef_prefix p;
	const char *why;

	if (w->len >= sizeof(buf))
		return false;
	memcpy(buf, w->s, w->len);
	buf[w->len] = '\0';
	if (ef_prefix_parse(buf, &p, &why) ||
	    (one && memcmp(p.lo, p.hi, sizeof(p.lo))))
		return false;
	ret->family = p.family;
	memcpy(ret->lo, p.lo, sizeof(ret->lo));
	memcpy(ret->hi, p.hi, sizeof(ret->hi));
	return true;
}

/* to ROLE|ADDR */
static int parse_to(struct pctx *c, const struct word *w)
{
	struct ef_ctl_allow *a = &c->req->allow;

	if (valid_name(w)) {
		if (w->len > EF_CTL_NAME_MAX)
			return fail(c, "role name longer than 31 bytes");
		memcpy(a->to_role, w->s, w->len);
		a->to_role[w->len] = '\0';
		return 0;
	}
	if (!parse_addr(w, true, &a->to_addr))
		return fail_word(c, "not an address role or one address", w);
	return 0;
}

/*
 * note "TEXT", from *pos (just after the word note): \" and \\ stand for
 * a quote and a backslash, nothing else is escaped.
 */
static int parse_note(struct pctx *c, const char **pos, const char *end)
{
	char *note = c->req->allow.note;
	const char *p = *pos;
	size_t n = 0;

	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '"')
		return fail(c, "note needs a text in double quotes");
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\') {
			if (++p == end || (*p != '"' && *p != '\\'))
				return fail(c, "in a note, a backslash escapes only \" and \\");
		}
		if (n == EF_EXC_NOTE_MAX)
			return fail(c, "note longer than 200 bytes");
		note[n++] = *p;
	}
	if (p == end)
		return fail(c, "note has no closing quote");
	note[n] = '\0';
	if (++p < end && !is_blank(*p))
		return fail(c, "a blank must follow the note's closing quote");
	*pos = p;
	if (!ef_note_valid(note, n))
		return fail(c, "note must be UTF-8 text without control characters, not only blanks");
	return 0;
}

/* Each clause of allow at most once. */
enum { HAVE_FROM = 1, HAVE_TO = 2, HAVE_FOR = 4, HAVE_NOTE = 8 };

static int parse_clause(struct pctx *c, const struct word *w,
			const char **pos, const char *end, unsigned int *have)
{
	static const char *const names[] = { "from", "to", "for", "note" };
	static const char *const twice[] = {
		"from given twice", "to given twice", "for given twice",
		"note given twice",
	};
	struct ef_ctl_allow *a = &c->req->allow;
	unsigned int k;
	struct word v;

	for (k = 0; k < ARRAY_SIZE(names) && !word_is(w, names[k]); k++)
		;
	if (k == ARRAY_SIZE(names))
		return fail_word(c, "unexpected word", w);
	if (*have & (1u << k))
		return fail(c, twice[k]);
	*have |= 1u << k;
	if (k == 3)
		return parse_note(c, pos, end);
	if (!next_word(pos, end, &v)) {
		static const char *const need[] = {
			"from needs an address or network",
			"to needs an address role or one address",
			"for needs seconds (1 to 2592000)",
		};

		return fail(c, need[k]);
	}
	if (k == 0 && !parse_addr(&v, false, &a->from))
		return fail_word(c, "not an address or network", &v);
	if (k == 1)
		return parse_to(c, &v);
	if (k == 2 && !(a->secs = (uint32_t)parse_num(&v, EF_EXC_SECS_MAX)))
		return fail(c, "for needs seconds (1 to 2592000)");
	return 0;
}

/* allow PROTO PORT [from ADDR] [to ROLE|ADDR] for SECONDS note "TEXT" */
static int parse_allow(struct pctx *c, const char **pos, const char *end)
{
	struct ef_ctl_allow *a = &c->req->allow;
	unsigned int have = 0;
	struct word w;
	int err;

	if (!next_word(pos, end, &w))
		return fail(c, "allow needs a protocol (tcp or udp)");
	if (word_is(&w, "tcp"))
		a->proto = IPPROTO_TCP;
	else if (word_is(&w, "udp"))
		a->proto = IPPROTO_UDP;
	else
		return fail_word(c, "unknown protocol", &w);
	if (!next_word(pos, end, &w))
		return fail(c, "allow needs a port (1 to 65535) or a range");
	if (!parse_ports(&w, a))
		return fail_word(c, "not a port or range", &w);
	while (next_word(pos, end, &w)) {
		err = parse_clause(c, &w, pos, end, &have);
		if (err)
			return err;
	}
	if (!(have & HAVE_FOR))
		return fail(c, "allow needs 'for SECONDS'");
	if (!(have & HAVE_NOTE))
		return fail(c, "allow needs 'note \"TEXT\"'");
	return 0;
}

/* An interface name: 1 to 15 bytes, printable ASCII but '/' and quotes
 * (a word here, a name the kernel takes). */
static bool parse_ifname(const struct word *w, char ret[EF_IFNAME_LEN])
{
	if (w->len >= EF_IFNAME_LEN)
		return false;
	for (size_t i = 0; i < w->len; i++)
		if (w->s[i] <= ' ' || w->s[i] >= 0x7f || w->s[i] == '/' ||
		    w->s[i] == '"' || w->s[i] == '\\' || w->s[i] == '\'')
			return false;
	memcpy(ret, w->s, w->len);
	ret[w->len] = '\0';
	return true;
}

void ef_ctl_explain_flow(const struct ef_ctl_explain *x, struct ef_flow *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = x->to.family;
	memcpy(ret->daddr, x->to.lo, sizeof(ret->daddr));
	if (x->from.family)
		memcpy(ret->saddr, x->from.lo, sizeof(ret->saddr));
	ret->proto = x->proto;
	ret->dport = x->port;
	memcpy(ret->iif, x->iif, sizeof(ret->iif));
	memcpy(ret->oif, x->oif, sizeof(ret->oif));
}

/* explain PROTO PORT to ADDR [from ADDR] [in IFACE] [out IFACE] */
static int parse_explain(struct pctx *c, const char **pos, const char *end)
{
	static const char *const names[] = { "to", "from", "in", "out" };
	struct ef_ctl_explain *x = &c->req->explain;
	unsigned int have = 0, k;
	struct word w, v;

	if (!next_word(pos, end, &w))
		return fail(c, "explain needs a protocol (tcp or udp)");
	if (word_is(&w, "tcp"))
		x->proto = IPPROTO_TCP;
	else if (word_is(&w, "udp"))
		x->proto = IPPROTO_UDP;
	else
		return fail_word(c, "unknown protocol", &w);
	if (!next_word(pos, end, &w) || !(x->port = (uint16_t)parse_num(&w, 65535)))
		return fail(c, "explain needs a port (1 to 65535)");
	while (next_word(pos, end, &w)) {
		for (k = 0; k < ARRAY_SIZE(names) && !word_is(&w, names[k]); k++)
			;
		if (k == ARRAY_SIZE(names))
			return fail_word(c, "unexpected word", &w);
		if (have & (1u << k))
			return fail_word(c, "given twice:", &w);
		have |= 1u << k;
		if (!next_word(pos, end, &v))
			return fail_word(c, "a value is needed after", &w);
		if (k < 2 && !parse_addr(&v, true, k ? &x->from : &x->to))
			return fail_word(c, "not one address", &v);
		if (k >= 2 && !parse_ifname(&v, k == 2 ? x->iif : x->oif))
			return fail_word(c, "not an interface name", &v);
	}
	if (!(have & 1))
		return fail(c, "explain needs 'to ADDR'");
	if (x->from.family && x->from.family != x->to.family)
		return fail(c, "from and to are of different families");
	return 0;
}

int ef_ctl_parse(const char *line, struct ef_ctl_request *ret,
		 const char **why)
{
	struct pctx c = { .req = ret, .why = why };
	const char *pos = line, *end;
	struct word w;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	if (!line)
		return fail(&c, "empty request");
	end = line + strlen(line);
	if (end > line && end[-1] == '\r')
		end--;
	if (!next_word(&pos, end, &w))
		return fail(&c, "empty request");
	for (i = 0; i < ARRAY_SIZE(cmd_names); i++)
		if (word_is(&w, cmd_names[i]))
			break;
	if (i == ARRAY_SIZE(cmd_names))
		return fail_word(&c, "unknown command", &w);
	ret->cmd = i;
	if (ret->cmd == EF_CTL_SWITCH)
		return parse_switch(&c, &pos, end);
	if (ret->cmd == EF_CTL_CONFIRM || ret->cmd == EF_CTL_ROLLBACK)
		return parse_switch_id(&c, &pos, end);
	if (ret->cmd == EF_CTL_ALLOW)
		return parse_allow(&c, &pos, end);
	if (ret->cmd == EF_CTL_REVOKE)
		return parse_revoke(&c, &pos, end);
	if (ret->cmd == EF_CTL_EXPLAIN)
		return parse_explain(&c, &pos, end);
	if (next_word(&pos, end, &w))
		return fail_word(&c, "unexpected word", &w);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Framing                                                            */

size_t ef_ctl_reader_room(const struct ef_ctl_reader *r)
{
	return r->overflow ? 0 : sizeof(r->buf) - r->len;
}

/* Is a buffered line, ended or not yet, longer than the limit allows? */
static bool too_long(const struct ef_ctl_reader *r)
{
	size_t pos = 0;

	while (pos < r->len) {
		const char *nl = memchr(r->buf + pos, '\n', r->len - pos);
		size_t end = nl ? (size_t)(nl - r->buf) + 1 : r->len;

		/* Without its "\n", the limit's worth is already too long. */
		if (end - pos > EF_CTL_REQUEST_MAX ||
		    (!nl && end - pos == EF_CTL_REQUEST_MAX))
			return true;
		pos = end;
	}
	return false;
}

int ef_ctl_reader_feed(struct ef_ctl_reader *r, const char *data, size_t n)
{
	if (r->overflow)
		return -EMSGSIZE;
	if (n > sizeof(r->buf) - r->len)
		return -ENOBUFS;
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	if (too_long(r)) {
		r->overflow = true;
		return -EMSGSIZE;
	}
	return 0;
}

bool ef_ctl_reader_has_line(const struct ef_ctl_reader *r)
{
	return !r->overflow && memchr(r->buf, '\n', r->len);
}

int ef_ctl_reader_line(struct ef_ctl_reader *r, char *line)
{
	const char *nl;
	size_t len, eat;
	int ret = 1;

	if (r->overflow)
		return 0;
	nl = memchr(r->buf, '\n', r->len);
	if (!nl)
		return 0;
	len = nl - r->buf;
	eat = len + 1;
	if (memchr(r->buf, '\0', len)) {
		ret = -EINVAL;
	} else {
		if (len && r->buf[len - 1] == '\r')
			len--;
		memcpy(line, r->buf, len);
		line[len] = '\0';
	}
	memmove(r->buf, r->buf + eat, r->len - eat);
	r->len -= eat;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Replies                                                            */

/* Adds val (NULL: out of memory) under key, taking it over. 0 or -ENOMEM. */
static int add(struct json_object *o, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(o, key, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

char *ef_ctl_reply_text(struct json_object *o)
{
	const char *s;
	size_t len;
	char *text;

	if (!json_object_is_type(o, json_type_object))
		return NULL;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE,
					      &len);
	if (!s)
		return NULL;
	text = malloc(len + 2);
	if (!text)
		return NULL;
	memcpy(text, s, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	return text;
}

struct json_object *ef_ctl_ok(void)
{
	struct json_object *o = json_object_new_object();

	if (o && add(o, "ok", json_object_new_boolean(1))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

char *ef_ctl_error_text(const char *msg)
{
	struct json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o)
		return NULL;
	if (!add(o, "ok", json_object_new_boolean(0)) &&
	    !add(o, "error", json_object_new_string(msg ? msg : "error")))
		text = ef_ctl_reply_text(o);
	json_object_put(o);
	return text;
}

/* ------------------------------------------------------------------ */
/* Client side                                                        */

static void format_range(struct ef_strbuf *sb, const char *word,
			 const struct ef_addr_range *r)
{
	if (!r->family)
		return;
	ef_sb_printf(sb, " %s ", word);
	ef_emit_field(sb, r->family == 4 ? EF_T_IPV4 : EF_T_IPV6, r->lo, r->hi);
}

static void format_allow(struct ef_strbuf *sb, const struct ef_ctl_allow *a)
{
	ef_sb_printf(sb, " %s %u", a->proto == IPPROTO_UDP ? "udp" :
				   a->proto == IPPROTO_TCP ? "tcp" : "?",
		     a->port_lo);
	if (a->port_hi != a->port_lo)
		ef_sb_printf(sb, "-%u", a->port_hi);
	format_range(sb, "from", &a->from);
	if (a->to_role[0])
		ef_sb_printf(sb, " to %s", a->to_role);
	format_range(sb, "to", &a->to_addr);
	ef_sb_printf(sb, " for %" PRIu32 " note \"", a->secs);
	for (const char *p = a->note; *p; p++) {
		if (*p == '"' || *p == '\\')
			ef_sb_putc(sb, '\\');
		ef_sb_putc(sb, *p);
	}
	ef_sb_putc(sb, '"');
}

static void format_explain(struct ef_strbuf *sb, const struct ef_ctl_explain *x)
{
	ef_sb_printf(sb, " %s %u", x->proto == IPPROTO_UDP ? "udp" :
				   x->proto == IPPROTO_TCP ? "tcp" : "?",
		     x->port);
	format_range(sb, "to", &x->to);
	format_range(sb, "from", &x->from);
	if (x->iif[0])
		ef_sb_printf(sb, " in %s", x->iif);
	if (x->oif[0])
		ef_sb_printf(sb, " out %s", x->oif);
}

/* The canonical line of a request, "\n" included; NULL: out of memory. */
static char *format(const struct ef_ctl_request *rq)
{
	struct ef_strbuf sb = { 0 };

	ef_sb_printf(&sb, "%s", ef_ctl_cmd_name(rq->cmd));
	if (rq->cmd == EF_CTL_ALLOW)
		format_allow(&sb, &rq->allow);
	if (rq->cmd == EF_CTL_EXPLAIN)
		format_explain(&sb, &rq->explain);
	if (rq->exception_id)
		ef_sb_printf(&sb, " %" PRIu32, rq->exception_id);
	if (rq->cmd == EF_CTL_SWITCH) {
		ef_sb_printf(&sb, " %s", rq->name);
		if (rq->dry_run)
			ef_sb_printf(&sb, " --dry-run");
		if (rq->confirm_secs)
			ef_sb_printf(&sb, " --confirm %u", rq->confirm_secs);
	}
	if (rq->switch_id)
		ef_sb_printf(&sb, " %" PRIu64, rq->switch_id);
	ef_sb_putc(&sb, '\n');
	return ef_sb_steal(&sb);
}

static bool same_range(const struct ef_addr_range *a,
		       const struct ef_addr_range *b)
{
	return a->family == b->family &&
	       (!a->family || (!memcmp(a->lo, b->lo, sizeof(a->lo)) &&
			       !memcmp(a->hi, b->hi, sizeof(a->hi))));
}

static bool same_allow(const struct ef_ctl_allow *a,
		       const struct ef_ctl_allow *b)
{
	return a->proto == b->proto && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && same_range(&a->from, &b->from) &&
	       !strcmp(a->to_role, b->to_role) &&
	       same_range(&a->to_addr, &b->to_addr) && a->secs == b->secs &&
	       !strcmp(a->note, b->note);
}

static bool same_explain(const struct ef_ctl_explain *a,
			 const struct ef_ctl_explain *b)
{
	return a->proto == b->proto && a->port == b->port &&
	       same_range(&a->from, &b->from) && same_range(&a->to, &b->to) &&
	       !strcmp(a->iif, b->iif) && !strcmp(a->oif, b->oif);
}

bool ef_ctl_request_equal(const struct ef_ctl_request *a,
			  const struct ef_ctl_request *b)
{
	return a->cmd == b->cmd && !strcmp(a->name, b->name) &&
	       a->dry_run == b->dry_run && a->confirm_secs == b->confirm_secs &&
	       a->switch_id == b->switch_id &&
	       a->exception_id == b->exception_id &&
	       same_allow(&a->allow, &b->allow) &&
	       same_explain(&a->explain, &b->explain);
}

int ef_ctl_request_format(const struct ef_ctl_request *rq, char **ret_line)
{
	struct ef_ctl_request back;
	char *line;
	size_t len;

	if (!ef_ctl_cmd_name(rq->cmd) ||
	    !memchr(rq->name, '\0', sizeof(rq->name)) ||
	    !memchr(rq->allow.to_role, '\0', sizeof(rq->allow.to_role)) ||
	    !memchr(rq->allow.note, '\0', sizeof(rq->allow.note)) ||
	    !memchr(rq->explain.iif, '\0', sizeof(rq->explain.iif)) ||
	    !memchr(rq->explain.oif, '\0', sizeof(rq->explain.oif)))
		return -EINVAL;
	line = format(rq);
	if (!line)
		return -ENOMEM;
	/* What the daemon will read must be this very request: a field
	 * that cannot be said, or is said so that it reads otherwise (a
	 * name with a blank, seconds out of range), is refused here. */
	len = strlen(line);
	line[len - 1] = '\0';
	if (ef_ctl_parse(line, &back, NULL) || !ef_ctl_request_equal(rq, &back)) {
		free(line);
		return -EINVAL;
	}
	line[len - 1] = '\n';
	*ret_line = line;
	return 0;
}

static bool only_space(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

struct json_object *ef_ctl_reply_parse(const char *line)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t len;

	if (!line)
		return NULL;
	len = strlen(line);
	if (len > INT_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS |
			       JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  !json_object_is_type(o, json_type_object) ||
		  !only_space(line + json_tokener_get_parse_end(tok)))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}
