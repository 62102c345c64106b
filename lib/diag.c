// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Diagnostics as data: collected with their place, formatted once as
 * `file:line:col: message`, the line and a caret. Never prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

static char *line_of(const char *text, unsigned int line)
{
	const char *p = text, *end;

	if (!text || !line)
		return NULL;
	for (unsigned int i = 1; i < line; i++) {
		p = strchr(p, '\n');
		if (!p)
			return NULL;
		p++;
	}
	end = strchrnul(p, '\n');
	return strndup(p, (size_t)(end - p));
}

/*
 * What a diagnostic shows is text a terminal will not act on: a control
 * character (but a tab), or a byte that is not UTF-8, becomes '?', byte
 * for byte, so that the caret still stands under the same column.
 */
static void make_printable(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (p && *p) {
		size_t n = ef_utf8_char(p);

		if (!n || (*p < 0x20 && *p != '\t') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] <= 0x9f)) {
			n = n ? n : 1;
			memset(p, '?', n);
		}
		p += n;
	}
}

#define EF_DIAGS_MAX 50	/* a file of errors is a wrong file: stop there */

enum kind { ERROR, WARNING, NOTE };

static void add(struct ef_diags *d, const char *file,
		const struct ef_loc *loc, enum kind kind, const char *fmt,
		va_list ap)
{
	struct ef_strbuf sb = { 0 };
	struct ef_diag *dg;

	/* Out of memory while reporting: the error count still says "failed". */
	if (kind == ERROR)
		d->errors++;
	/* A note past the limit belongs to a diagnostic left out. */
	if (d->n > EF_DIAGS_MAX || (kind == NOTE && d->n == EF_DIAGS_MAX))
		return;
	if (d->n == EF_DIAGS_MAX) {
		kind = ERROR;
		loc = NULL;
		fmt = "too many errors; stopping here";
	}
	if (ef_grow((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v)))
		return;
	ef_sb_vprintf(&sb, fmt, ap);
	dg = &d->v[d->n];
	memset(dg, 0, sizeof(*dg));
	dg->msg = ef_sb_steal(&sb);
	dg->file = strdup(file ? file : "-");
	if (!dg->msg || !dg->file) {
		free(dg->msg);
		free(dg->file);
		return;
	}
	dg->warning = kind == WARNING;
	dg->note = kind == NOTE;
	if (loc) {
		dg->line = loc->line;
		dg->col = loc->col;
		dg->source = line_of(loc->text, loc->line);
	}
	make_printable(dg->msg);
	make_printable(dg->source);
	d->n++;
}

void ef_error(struct ef_diags *d, const struct ef_loc *loc, const char *fmt,
	      ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, loc->file, loc, ERROR, fmt, ap);
	va_end(ap);
}

void ef_warn(struct ef_diags *d, const struct ef_loc *loc, const char *fmt,
	     ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, loc->file, loc, WARNING, fmt, ap);
	va_end(ap);
}

void ef_error_file(struct ef_diags *d, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, file, NULL, ERROR, fmt, ap);
	va_end(ap);
}

void ef_warn_file(struct ef_diags *d, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, file, NULL, WARNING, fmt, ap);
	va_end(ap);
}

void ef_note(struct ef_diags *d, const struct ef_loc *loc, const char *fmt,
	     ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, loc->file, loc, NOTE, fmt, ap);
	va_end(ap);
}

char *ef_diags_format(const struct ef_diags *d)
{
	struct ef_strbuf sb = { 0 };

	for (size_t i = 0; i < d->n; i++) {
		const struct ef_diag *dg = &d->v[i];
		const char *kind = dg->warning ? "warning: " :
				   dg->note ? "note: " : "";

		if (!dg->line) {
			ef_sb_printf(&sb, "%s: %s%s\n", dg->file, kind, dg->msg);
			continue;
		}
		ef_sb_printf(&sb, "%s:%u:%u: %s%s\n", dg->file, dg->line, dg->col,
			  kind, dg->msg);
		if (!dg->source)
			continue;
		ef_sb_printf(&sb, "%s\n", dg->source);
		/* Columns count bytes; the caret goes under the character:
		 * tabs kept, one blank for a character of several bytes. */
		for (unsigned int c = 1; c < dg->col && dg->source[c - 1]; c++) {
			unsigned char b = (unsigned char)dg->source[c - 1];

			if (!ef_utf8_cont(b))
				ef_sb_putc(&sb, b == '\t' ? '\t' : ' ');
		}
		ef_sb_printf(&sb, "^\n");
	}
	return ef_sb_steal(&sb);
}

void ef_diags_free(struct ef_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].source);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const struct ef_diag *ef_diags_first_error(const struct ef_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (!d->v[i].warning && !d->v[i].note)
			return &d->v[i];
	return NULL;
}
