// SPDX-License-Identifier: GPL-2.0-or-later
/* The tokenizer: tokens, their text and where they start. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "lex.h"
#include "util.h"

#define MAX_TOKS 64

struct tok {
	enum ef_tok tok;
	char *text;
	unsigned int line, col;
};

struct lexed {
	struct ef_source src;
	struct ef_diags d;
	struct tok t[MAX_TOKS];
	size_t n;
};

/* Tokenizes `text` up to and including T_EOF. */
static void lex_all(struct lexed *lx, const char *text)
{
	struct ef_lexer l;

	memset(lx, 0, sizeof(*lx));
	lx->src.path = strdup("mem.policy");
	lx->src.text = strdup(text);
	cr_assert(lx->src.path && lx->src.text);
	ef_lex_init(&l, &lx->src, &lx->d);
	for (;;) {
		struct tok *t = &lx->t[lx->n++];

		cr_assert_leq(lx->n, MAX_TOKS);
		t->tok = l.tok;
		t->text = l.text ? strdup(l.text) : NULL;
		t->line = l.loc.line;
		t->col = l.loc.col;
		cr_assert_str_eq(l.loc.file, "mem.policy");
		if (l.tok == T_EOF)
			break;
		ef_lex_next(&l);
	}
	ef_lex_fini(&l);
}

static void lexed_free(struct lexed *lx)
{
	for (size_t i = 0; i < lx->n; i++)
		free(lx->t[i].text);
	free(lx->src.path);
	free(lx->src.text);
	ef_diags_free(&lx->d);
}

static void expect_tok(const struct lexed *lx, size_t i, enum ef_tok tok,
		       const char *text, unsigned int line, unsigned int col)
{
	const struct tok *t = &lx->t[i];

	cr_assert_lt(i, lx->n, "only %zu tokens", lx->n);
	cr_assert_eq(t->tok, tok, "token %zu is %s, not %s", i,
		     ef_tok_name(t->tok), ef_tok_name(tok));
	if (text) {
		cr_assert_not_null(t->text, "token %zu has no text", i);
		cr_assert_str_eq(t->text, text, "token %zu", i);
	}
	cr_assert_eq(t->line, line, "token %zu at line %u, not %u", i,
		     t->line, line);
	cr_assert_eq(t->col, col, "token %zu at col %u, not %u", i, t->col,
		     col);
}

Test(lex, words_and_punctuation)
{
	struct lexed lx;

	lex_all(&lx, "zone external {\n}\n");
	cr_assert_eq(lx.n, 7);
	expect_tok(&lx, 0, T_WORD, "zone", 1, 1);
	expect_tok(&lx, 1, T_WORD, "external", 1, 6);
	expect_tok(&lx, 2, T_LBRACE, NULL, 1, 15);
	expect_tok(&lx, 3, T_NEWLINE, NULL, 1, 16);
	expect_tok(&lx, 4, T_RBRACE, NULL, 2, 1);
	expect_tok(&lx, 5, T_NEWLINE, NULL, 2, 2);
	expect_tok(&lx, 6, T_EOF, NULL, 3, 1);
	cr_assert_eq(lx.d.n, 0);
	lexed_free(&lx);
}

Test(lex, equals_and_commas)
{
	struct lexed lx;

	lex_all(&lx, "front_end = 192.0.2.0/28, 2001:db8::/64,x");
	cr_assert_eq(lx.n, 8);
	expect_tok(&lx, 0, T_WORD, "front_end", 1, 1);
	expect_tok(&lx, 1, T_EQUALS, NULL, 1, 11);
	expect_tok(&lx, 2, T_WORD, "192.0.2.0/28", 1, 13);
	expect_tok(&lx, 3, T_COMMA, NULL, 1, 25);
	/* ':' and '/' are word characters. */
	expect_tok(&lx, 4, T_WORD, "2001:db8::/64", 1, 27);
	expect_tok(&lx, 5, T_COMMA, NULL, 1, 40);
	expect_tok(&lx, 6, T_WORD, "x", 1, 41);
	expect_tok(&lx, 7, T_EOF, NULL, 1, 42);
	lexed_free(&lx);
}

Test(lex, special_characters_end_words)
{
	struct lexed lx;

	lex_all(&lx, "a{b}c=d,e\"f\"g#h");
	cr_assert_eq(lx.n, 12);
	expect_tok(&lx, 0, T_WORD, "a", 1, 1);
	expect_tok(&lx, 1, T_LBRACE, NULL, 1, 2);
	expect_tok(&lx, 2, T_WORD, "b", 1, 3);
	expect_tok(&lx, 3, T_RBRACE, NULL, 1, 4);
	expect_tok(&lx, 4, T_WORD, "c", 1, 5);
	expect_tok(&lx, 5, T_EQUALS, NULL, 1, 6);
	expect_tok(&lx, 6, T_WORD, "d", 1, 7);
	expect_tok(&lx, 7, T_COMMA, NULL, 1, 8);
	expect_tok(&lx, 8, T_WORD, "e", 1, 9);
	expect_tok(&lx, 9, T_STRING, "f", 1, 10);
	expect_tok(&lx, 10, T_WORD, "g", 1, 13);
	expect_tok(&lx, 11, T_EOF, NULL, 1, 16);
	lexed_free(&lx);
}

Test(lex, strings)
{
	struct lexed lx;

	lex_all(&lx, "\"hello world\" \"\" \"a # not a comment, {=}\"\n");
	cr_assert_eq(lx.n, 5);
	expect_tok(&lx, 0, T_STRING, "hello world", 1, 1);
	expect_tok(&lx, 1, T_STRING, "", 1, 15);
	expect_tok(&lx, 2, T_STRING, "a # not a comment, {=}", 1, 18);
	expect_tok(&lx, 3, T_NEWLINE, NULL, 1, 42);
	expect_tok(&lx, 4, T_EOF, NULL, 2, 1);
	cr_assert_eq(lx.d.n, 0);
	lexed_free(&lx);
}

Test(lex, comments)
{
	struct lexed lx;

	lex_all(&lx, "# whole line\nword # trailing { \" =\n\t# indented\n");
	cr_assert_eq(lx.n, 5);
	expect_tok(&lx, 0, T_NEWLINE, NULL, 1, 13);
	expect_tok(&lx, 1, T_WORD, "word", 2, 1);
	expect_tok(&lx, 2, T_NEWLINE, NULL, 2, 22);
	expect_tok(&lx, 3, T_NEWLINE, NULL, 3, 12);
	expect_tok(&lx, 4, T_EOF, NULL, 4, 1);
	cr_assert_eq(lx.d.n, 0);
	lexed_free(&lx);
}

Test(lex, comment_at_end_of_file_without_newline)
{
	struct lexed lx;

	lex_all(&lx, "a # the end");
	cr_assert_eq(lx.n, 2);
	expect_tok(&lx, 0, T_WORD, "a", 1, 1);
	expect_tok(&lx, 1, T_EOF, NULL, 1, 12);
	lexed_free(&lx);
}

Test(lex, newlines_and_blank_lines)
{
	struct lexed lx;

	lex_all(&lx, "\n\n  a\r\nb\n");
	cr_assert_eq(lx.n, 7);
	expect_tok(&lx, 0, T_NEWLINE, NULL, 1, 1);
	expect_tok(&lx, 1, T_NEWLINE, NULL, 2, 1);
	expect_tok(&lx, 2, T_WORD, "a", 3, 3);
	/* '\r' is a blank: CRLF files read like LF ones. */
	expect_tok(&lx, 3, T_NEWLINE, NULL, 3, 5);
	expect_tok(&lx, 4, T_WORD, "b", 4, 1);
	expect_tok(&lx, 5, T_NEWLINE, NULL, 4, 2);
	expect_tok(&lx, 6, T_EOF, NULL, 5, 1);
	lexed_free(&lx);
}

Test(lex, empty_input)
{
	struct lexed lx;

	lex_all(&lx, "");
	cr_assert_eq(lx.n, 1);
	expect_tok(&lx, 0, T_EOF, NULL, 1, 1);
	lexed_free(&lx);
}

/* A tab is one column, like any byte; the caret keeps the tab. */
Test(lex, columns_after_tabs)
{
	struct lexed lx;

	lex_all(&lx, "\ttcp\t\t443 \t\"n\"\n\t}");
	cr_assert_eq(lx.n, 6);
	expect_tok(&lx, 0, T_WORD, "tcp", 1, 2);
	expect_tok(&lx, 1, T_WORD, "443", 1, 7);
	expect_tok(&lx, 2, T_STRING, "n", 1, 12);
	expect_tok(&lx, 3, T_NEWLINE, NULL, 1, 15);
	expect_tok(&lx, 4, T_RBRACE, NULL, 2, 2);
	expect_tok(&lx, 5, T_EOF, NULL, 2, 3);
	lexed_free(&lx);
}

Test(lex, unterminated_string)
{
	struct lexed lx;
	char *text;

	lex_all(&lx, "\tx \"abc\ny");
	cr_assert_eq(lx.n, 5);
	expect_tok(&lx, 0, T_WORD, "x", 1, 2);
	expect_tok(&lx, 1, T_BAD, NULL, 1, 4);
	/* The lexer goes on with the next line. */
	expect_tok(&lx, 2, T_NEWLINE, NULL, 1, 8);
	expect_tok(&lx, 3, T_WORD, "y", 2, 1);
	expect_tok(&lx, 4, T_EOF, NULL, 2, 2);
	cr_assert_eq(lx.d.n, 1);
	cr_assert_eq(lx.d.errors, 1);
	assert_first_error(&lx.d, "mem.policy", 1, 4,
			   "unterminated string: a closing '\"' is missing on this line");
	cr_assert_str_eq(lx.d.v[0].source, "\tx \"abc");
	text = ef_diags_format(&lx.d);
	cr_assert_str_eq(text,
			 "mem.policy:1:4: unterminated string: a closing '\"' is missing on this line\n"
			 "\tx \"abc\n"
			 "\t  ^\n");
	free(text);
	lexed_free(&lx);
}

Test(lex, unterminated_string_at_end_of_file)
{
	struct lexed lx;

	lex_all(&lx, "\"abc");
	cr_assert_eq(lx.n, 2);
	expect_tok(&lx, 0, T_BAD, NULL, 1, 1);
	expect_tok(&lx, 1, T_EOF, NULL, 1, 5);
	assert_first_error(&lx.d, "mem.policy", 1, 1,
			   "unterminated string: a closing '\"' is missing on this line");
	lexed_free(&lx);
}

Test(lex, control_character)
{
	struct lexed lx;

	lex_all(&lx, "a \x01 b");
	cr_assert_eq(lx.n, 4);
	expect_tok(&lx, 0, T_WORD, "a", 1, 1);
	expect_tok(&lx, 1, T_BAD, NULL, 1, 3);
	expect_tok(&lx, 2, T_WORD, "b", 1, 5);
	assert_first_error(&lx.d, "mem.policy", 1, 3,
			   "unexpected character 0x01");
	lexed_free(&lx);
}

Test(lex, overlong_word_and_string)
{
	struct lexed lx;
	char *text = malloc(2 * 4097 + 16);
	size_t n = 0;

	cr_assert_not_null(text);
	memset(text, 'w', 4097);
	n = 4097;
	text[n++] = '\n';
	text[n++] = '"';
	memset(text + n, 's', 4097);
	n += 4097;
	text[n++] = '"';
	text[n++] = ' ';
	text[n++] = 'x';
	text[n] = '\0';
	lex_all(&lx, text);
	free(text);
	cr_assert_eq(lx.n, 5);
	expect_tok(&lx, 0, T_BAD, NULL, 1, 1);
	expect_tok(&lx, 1, T_NEWLINE, NULL, 1, 4098);
	expect_tok(&lx, 2, T_BAD, NULL, 2, 1);
	expect_tok(&lx, 3, T_WORD, "x", 2, 4101);
	cr_assert_eq(lx.d.errors, 2);
	assert_first_error(&lx.d, "mem.policy", 1, 1,
			   "word longer than 4096 bytes");
	cr_assert_str_eq(lx.d.v[1].msg, "string longer than 4096 bytes");
	cr_assert_eq(lx.d.v[1].line, 2);
	cr_assert_eq(lx.d.v[1].col, 1);
	lexed_free(&lx);
}

Test(lex, longest_word_is_accepted)
{
	struct lexed lx;
	char *text = malloc(4097);

	cr_assert_not_null(text);
	memset(text, 'w', 4096);
	text[4096] = '\0';
	lex_all(&lx, text);
	cr_assert_eq(lx.n, 2);
	expect_tok(&lx, 0, T_WORD, text, 1, 1);
	cr_assert_eq(lx.d.n, 0);
	free(text);
	lexed_free(&lx);
}

Test(lex, skip_line)
{
	struct ef_source src = { .path = strdup("m"), .text = strdup("a b \"c\" {\nd\n") };
	struct ef_diags d = { 0 };
	struct ef_lexer l;

	ef_lex_init(&l, &src, &d);
	cr_assert_eq(l.tok, T_WORD);
	ef_lex_skip_line(&l);
	cr_assert_eq(l.tok, T_WORD);
	cr_assert_str_eq(l.text, "d");
	cr_assert_eq(l.loc.line, 2);
	ef_lex_skip_line(&l);
	cr_assert_eq(l.tok, T_EOF);
	ef_lex_skip_line(&l);
	cr_assert_eq(l.tok, T_EOF);
	ef_lex_fini(&l);
	free(src.path);
	free(src.text);
	ef_diags_free(&d);
}

Test(lex, describing_tokens)
{
	struct ef_source src = { .path = strdup("m"), .text = strdup("word \"s\" =\n") };
	struct ef_diags d = { 0 };
	struct ef_lexer l;
	char buf[80];

	ef_lex_init(&l, &src, &d);
	cr_assert_str_eq(ef_lex_what(&l, buf, sizeof(buf)), "'word'");
	ef_lex_next(&l);
	cr_assert_str_eq(ef_lex_what(&l, buf, sizeof(buf)), "a string");
	ef_lex_next(&l);
	cr_assert_str_eq(ef_lex_what(&l, buf, sizeof(buf)), "'='");
	ef_lex_next(&l);
	cr_assert_str_eq(ef_lex_what(&l, buf, sizeof(buf)), "end of line");
	ef_lex_next(&l);
	cr_assert_str_eq(ef_lex_what(&l, buf, sizeof(buf)), "end of file");
	ef_lex_fini(&l);
	cr_assert_str_eq(ef_tok_name(T_LBRACE), "'{'");
	cr_assert_str_eq(ef_tok_name(T_RBRACE), "'}'");
	cr_assert_str_eq(ef_tok_name(T_COMMA), "','");
	cr_assert_str_eq(ef_tok_name(T_WORD), "a word");
	cr_assert_str_eq(ef_tok_name(T_BAD), "a bad token");
	free(src.path);
	free(src.text);
	ef_diags_free(&d);
}

Test(lex, source_load_and_missing_file)
{
	struct ef_sources srcs = { 0 };
	struct ef_diags d = { 0 };
	struct ef_loc from = { "inc.policy", "include \"x\"\n", 1, 9 };
	struct ef_source *src;
	struct tdir t;
	char *path, *missing = NULL;

	tdir_init(&t);
	path = tdir_write(&t, "a.policy", "policy a \"A\"\n", 0644);
	src = ef_source_load(&srcs, path, &d, NULL);
	cr_assert_not_null(src);
	cr_assert_str_eq(src->path, path);
	cr_assert_str_eq(src->text, "policy a \"A\"\n");
	cr_assert_eq(srcs.n, 1);
	cr_assert_eq(d.n, 0);

	cr_assert_neq(asprintf(&missing, "%s/missing.policy", t.path), -1);
	cr_assert_null(ef_source_load(&srcs, missing, &d, NULL));
	cr_assert_null(ef_source_load(&srcs, missing, &d, &from));
	cr_assert_eq(srcs.n, 1);
	cr_assert_eq(d.errors, 2);
	/* Without a place: the file itself. */
	cr_assert_str_eq(d.v[0].file, missing);
	cr_assert_eq(d.v[0].line, 0);
	cr_assert_str_eq(d.v[0].msg, "No such file or directory");
	/* From an include: at the include. */
	cr_assert_str_eq(d.v[1].file, "inc.policy");
	cr_assert_eq(d.v[1].line, 1);
	cr_assert_eq(d.v[1].col, 9);
	cr_assert_eq(strncmp(d.v[1].msg, "'", 1), 0);
	cr_assert_neq(strstr(d.v[1].msg, "missing.policy': No such file or directory"), NULL);

	free(missing);
	free(path);
	ef_sources_free(&srcs);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(lex, source_with_nul_byte_is_refused)
{
	struct ef_sources srcs = { 0 };
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write_bytes(&t, "nul.policy", "ab\0cd\n", 6, 0644);
	cr_assert_null(ef_source_load(&srcs, path, &d, NULL));
	cr_assert_eq(d.errors, 1);
	assert_diag(&d, 0, path, 1, 3, "a NUL byte: not a text file");
	free(path);
	ef_sources_free(&srcs);
	ef_diags_free(&d);
	tdir_fini(&t);
}
