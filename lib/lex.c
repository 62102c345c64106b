// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tokenizer shared by the policy, site and group file parsers, and
 * the file loader behind it. It knows words, not statements.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lex.h"
#include "util.h"

#define EF_TOKEN_MAX 4096

#define REFUSED "writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)"

/* Why a file others could change is refused; NULL if out of memory. */
static char *unsafe_why(const struct ef_unsafe *u)
{
	char *why = NULL;
	int n = 0;

	switch (u->what) {
	case EF_UNSAFE_FILE:
		return strdup(REFUSED);
	case EF_UNSAFE_DIR:
		n = asprintf(&why, "its directory %s is " REFUSED, u->path);
		break;
	case EF_UNSAFE_LINK:
		n = asprintf(&why, "its path goes through link %s owned by another user; refusing it",
			     u->path);
		break;
	case EF_UNSAFE_UNCHECKED:
		n = asprintf(&why, "cannot check the directories on its way (%s); refusing it",
			     strerror(-u->err));
		break;
	}
	return n < 0 ? NULL : why;
}

/* "not a regular file (a FIFO)"; NULL if out of memory. */
static char *not_regular(const char *path)
{
	struct stat st;
	char *why = NULL;

	/* Looked at again only to name it: it was not opened. */
	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return strdup("not a regular file");
	if (asprintf(&why, "not a regular file (%s)", ef_file_kind(st.st_mode)) < 0)
		return NULL;
	return why;
}

/*
 * Text is text: a byte that is not UTF-8 would reach the kernel in a note
 * and come back as JSON nobody can read. Reports the first such byte of
 * every line; the file is still parsed, so that one run says everything.
 */
void ef_source_check_text(const struct ef_source *src, struct ef_diags *d)
{
	struct ef_loc loc = { src->path, src->text, 1, 1 };
	const unsigned char *p = (const unsigned char *)src->text;
	const unsigned char *counted = p, *line = p;

	/* Invisible, it would glue itself to the first word ("mode"). */
	if (!strncmp(src->text, "\xef\xbb\xbf", 3))
		ef_error(d, &loc,
			 "a byte order mark (U+FEFF) starts the file: save it as UTF-8 without one");
	/* ASCII is most of it (a group file of a million addresses is 12
	 * MB): lines and columns are counted only for an error. */
	while (*p) {
		size_t n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		n = ef_utf8_char(p);
		if (n) {
			p += n;
			continue;
		}
		for (; counted < p; counted++)
			if (*counted == '\n') {
				loc.line++;
				line = counted + 1;
			}
		loc.col = (unsigned int)(p - line) + 1;	/* bytes, as the lexer */
		ef_error(d, &loc,
			 "invalid UTF-8 (byte 0x%02x): policy, site and group files are UTF-8 text",
			 *p);
		while (*p && *p != '\n')
			p++;
	}
}

/* Where byte `at` of the text is, to report it. */
static struct ef_loc place(const char *path, const char *text, const char *at)
{
	struct ef_loc loc = { path, text, 1, 1 };

	for (const char *p = text; p < at; p++) {
		if (*p == '\n') {
			loc.line++;
			loc.col = 1;
		} else {
			loc.col++;
		}
	}
	return loc;
}

struct ef_source *ef_source_load(struct ef_sources *srcs, const char *path,
				 struct ef_diags *d,
				 const struct ef_loc *from)
{
	struct ef_unsafe unsafe = { .path = NULL };
	struct ef_source *src;
	char *text, *why_buf = NULL;
	size_t len;
	int err;

	err = ef_read_config_file(path, EF_FILE_MAX, &text, &len, &unsafe);
	if (err < 0) {
		const char *why = strerror(-err);

		if (err == -EPERM && (why_buf = unsafe_why(&unsafe)))
			why = why_buf;
		else if (err == -ESTALE)
			why = "replaced while it was being read";
		else if (err == -EFBIG)
			why = "larger than the 16 MiB limit";
		else if (err == -EINVAL)
			why = why_buf = not_regular(path);
		/* A whole file refused: its name first, then why. */
		if (!why)
			why = "out of memory";
		if (from)
			ef_error(d, from, "'%s': %s", path, why);
		else
			ef_error_file(d, path, "%s", why);
		free(why_buf);
		free(unsafe.path);
		return NULL;
	}
	if (strlen(text) != len) {
		struct ef_loc at = place(path, text, text + strlen(text));

		ef_error(d, &at, "a NUL byte: not a text file");
		free(text);
		return NULL;
	}
	src = calloc(1, sizeof(*src));
	if (!src || !(src->path = strdup(path)) ||
	    ef_grow((void **)&srcs->v, &srcs->cap, srcs->n + 1,
		 sizeof(*srcs->v))) {
		if (src)
			free(src->path);
		free(src);
		free(text);
		ef_error_file(d, path, "out of memory");
		return NULL;
	}
	src->text = text;
	srcs->v[srcs->n++] = src;
	return src;
}

void ef_sources_free(struct ef_sources *srcs)
{
	for (size_t i = 0; i < srcs->n; i++) {
		free(srcs->v[i]->path);
		free(srcs->v[i]->text);
		free(srcs->v[i]);
	}
	free(srcs->v);
	memset(srcs, 0, sizeof(*srcs));
}

void ef_lex_init(struct ef_lexer *lx, const struct ef_source *src,
		 struct ef_diags *d)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->p = src->text;
	lx->line = 1;
	lx->col = 1;
	lx->diags = d;
	ef_source_check_text(src, d);
	ef_lex_next(lx);
}

void ef_lex_fini(struct ef_lexer *lx)
{
	free(lx->text);
	lx->text = NULL;
}

static void advance(struct ef_lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

static bool is_word_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u >= 0x20 && u != 0x7f && !strchr(" {}=,\"#", c);
}

static void set_text(struct ef_lexer *lx, const char *start, size_t len)
{
	free(lx->text);
	lx->text = strndup(start, len);
	if (!lx->text)
		lx->tok = T_BAD;
}

/*
 * A control character in the string from `start` to the closing quote at
 * lx->p (a tab is fine): notes are printed on terminals and in logs, where
 * one would be a command, not text. Reports the first.
 */
static void bad_control(struct ef_lexer *lx, const char *start)
{
	for (const char *p = start; p < lx->p; p++) {
		unsigned char c = (unsigned char)p[0];
		unsigned int cp = c;
		struct ef_loc at = lx->loc;

		/* C1 controls, U+0080 to U+009F, are 0xc2 0x80 to 0xc2 0x9f. */
		if (c == 0xc2 && (unsigned char)p[1] >= 0x80 &&
		    (unsigned char)p[1] <= 0x9f)
			cp = (unsigned char)p[1];
		else if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		at.col += (unsigned int)(p - start) + 1;
		ef_error(lx->diags, &at,
			 "control character U+%04X in a string",
			 cp);
		return;
	}
}

void ef_lex_next(struct ef_lexer *lx)
{
	const char *start;

	for (;;) {
		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
			advance(lx);
		if (*lx->p != '#')
			break;
		while (*lx->p && *lx->p != '\n')
			advance(lx);
	}
	lx->loc.file = lx->src->path;
	lx->loc.text = lx->src->text;
	lx->loc.line = lx->line;
	lx->loc.col = lx->col;
	free(lx->text);
	lx->text = NULL;

	switch (*lx->p) {
	case '\0':
		lx->tok = T_EOF;
		return;
	case '\n':
		lx->tok = T_NEWLINE;
		advance(lx);
		return;
	case '{':
		lx->tok = T_LBRACE;
		advance(lx);
		return;
	case '}':
		lx->tok = T_RBRACE;
		advance(lx);
		return;
	case '=':
		lx->tok = T_EQUALS;
		advance(lx);
		return;
	case ',':
		lx->tok = T_COMMA;
		advance(lx);
		return;
	case '"':
		advance(lx);
		start = lx->p;
		while (*lx->p && *lx->p != '"' && *lx->p != '\n')
			advance(lx);
		/* Reported, and still a string: the line parses on. */
		if (*lx->p == '"')
			bad_control(lx, start);
		if (*lx->p != '"') {
			ef_error(lx->diags, &lx->loc,
				 "unterminated string: a closing '\"' is missing on this line");
			lx->tok = T_BAD;
			return;
		}
		if ((size_t)(lx->p - start) > EF_TOKEN_MAX) {
			ef_error(lx->diags, &lx->loc,
				 "string longer than %d bytes", EF_TOKEN_MAX);
			advance(lx);
			lx->tok = T_BAD;
			return;
		}
		lx->tok = T_STRING;
		set_text(lx, start, (size_t)(lx->p - start));
		advance(lx);
		return;
	}
	start = lx->p;
	while (is_word_char(*lx->p))
		advance(lx);
	if (lx->p == start) {
		/* Only control characters other than blanks get here. */
		ef_error(lx->diags, &lx->loc, "unexpected character 0x%02x",
			 (unsigned char)*lx->p);
		advance(lx);
		lx->tok = T_BAD;
		return;
	}
	if ((size_t)(lx->p - start) > EF_TOKEN_MAX) {
		ef_error(lx->diags, &lx->loc, "word longer than %d bytes",
			 EF_TOKEN_MAX);
		lx->tok = T_BAD;
		return;
	}
	lx->tok = T_WORD;
	set_text(lx, start, (size_t)(lx->p - start));
}

void ef_lex_skip_line(struct ef_lexer *lx)
{
	while (lx->tok != T_NEWLINE && lx->tok != T_EOF)
		ef_lex_next(lx);
	if (lx->tok == T_NEWLINE)
		ef_lex_next(lx);
}

const char *ef_tok_name(enum ef_tok t)
{
	static const char *const names[] = {
		[T_EOF] = "end of file", [T_NEWLINE] = "end of line",
		[T_WORD] = "a word",	 [T_STRING] = "a string",
		[T_LBRACE] = "'{'",	 [T_RBRACE] = "'}'",
		[T_EQUALS] = "'='",	 [T_COMMA] = "','",
		[T_BAD] = "a bad token",
	};
	return names[t];
}

const char *ef_lex_what(const struct ef_lexer *lx, char *buf, size_t size)
{
	if (lx->tok == T_WORD) {
		snprintf(buf, size, "'%.60s'", lx->text);
		return buf;
	}
	if (lx->tok == T_STRING)
		return "a string";
	return ef_tok_name(lx->tok);
}

bool ef_lex_expect_eol(struct ef_lexer *lx)
{
	char buf[80];

	if (lx->tok == T_NEWLINE || lx->tok == T_EOF)
		return true;
	ef_error(lx->diags, &lx->loc, "expected end of line, got %s",
		 ef_lex_what(lx, buf, sizeof(buf)));
	return false;
}

bool ef_site_word(const char *word)
{
	static const char *const words[] = {
		"mode", "output", "log", "management-port", "max-elements",
		"management", "zone", "lock", "interval", "policy",
		"exception-max", "feature",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(word, words[i]))
			return true;
	return false;
}
