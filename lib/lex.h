/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tokenizer shared by policy, site and group files. Words are anything
 * up to a blank or one of `{ } = , " #`; strings are double quoted on one
 * line; newlines are tokens because statements end at the end of a line.
 */
#ifndef EDGEFW_LEX_H
#define EDGEFW_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define EF_ROLE_MAX 32		/* names of policies, roles, zones, with NUL */

enum ef_tok {
	T_EOF,
	T_NEWLINE,
	T_WORD,
	T_STRING,
	T_LBRACE,
	T_RBRACE,
	T_EQUALS,
	T_COMMA,
	T_BAD,
};

/* A loaded file: its name as given, its text; owned by a source list. */
struct ef_source {
	char *path;
	char *text;
};

struct ef_sources {
	struct ef_source **v;
	size_t n, cap;
};

/*
 * Loads `path` (size cap, no group/world write), adds it to `srcs`.
 * Reports failure on `d` at `from` (an include line) or at the file itself.
 */
struct ef_source *ef_source_load(struct ef_sources *srcs, const char *path,
				 struct ef_diags *d,
				 const struct ef_loc *from);
void ef_sources_free(struct ef_sources *srcs);
/*
 * Reports at its place what keeps a loaded file from being text: a byte
 * order mark, a byte that is not UTF-8 (the first of each line). The
 * lexer does it (ef_lex_init); a file read otherwise calls it. Whole-file
 * refusals (missing, unsafe, not regular, a NUL byte) are the loader's.
 */
void ef_source_check_text(const struct ef_source *src, struct ef_diags *d);

struct ef_lexer {
	const struct ef_source *src;
	const char *p;
	unsigned int line, col;
	/* the current token */
	enum ef_tok tok;
	char *text;		/* word or string contents */
	struct ef_loc loc;
	struct ef_diags *diags;
};

void ef_lex_init(struct ef_lexer *lx, const struct ef_source *src,
		 struct ef_diags *d);
void ef_lex_next(struct ef_lexer *lx);
/* Skips to the start of the next line: error recovery. */
void ef_lex_skip_line(struct ef_lexer *lx);
void ef_lex_fini(struct ef_lexer *lx);
/* True at the end of a line (or file); otherwise reports what is there. */
bool ef_lex_expect_eol(struct ef_lexer *lx);
const char *ef_tok_name(enum ef_tok t);
/* Describes the current token for "expected X, got Y" messages. */
const char *ef_lex_what(const struct ef_lexer *lx, char *buf, size_t size);

/*
 * The site's setting names: a role so named could never be bound, so the
 * policy parser refuses it. Kept here, below both parsers, so that the
 * policy parser does not depend on the site parser.
 */
bool ef_site_word(const char *word);

#endif
