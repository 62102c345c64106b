/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics are data: collected while parsing and compiling, printed once
 * by the program as `file:line:col: message`, the source line and a caret.
 */
#ifndef EDGEFW_DIAG_H
#define EDGEFW_DIAG_H

#include <stdbool.h>
#include <stddef.h>

/* A place in a source file; `file` and `text` belong to the parsed tree. */
struct ef_loc {
	const char *file;
	const char *text;	/* whole file, to show the line */
	unsigned int line, col;	/* 1-based */
};

struct ef_diag {
	char *file;
	unsigned int line, col;
	bool warning;
	bool note;		/* a second place of the diagnostic before it */
	char *msg;
	char *source;		/* the line, without its newline; may be NULL */
};

struct ef_diags {
	struct ef_diag *v;
	size_t n, cap;
	size_t errors;
};

void ef_error(struct ef_diags *d, const struct ef_loc *loc, const char *fmt,
	      ...) __attribute__((format(printf, 3, 4)));
void ef_warn(struct ef_diags *d, const struct ef_loc *loc, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));
/*
 * A note on the diagnostic just reported: another place that belongs to it
 * (where a setting given twice was first given). Neither an error nor a
 * warning.
 */
void ef_note(struct ef_diags *d, const struct ef_loc *loc, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));
/* An error with no place in a file (a file that cannot be opened). */
void ef_error_file(struct ef_diags *d, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning with no place in a file. */
void ef_warn_file(struct ef_diags *d, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The first error (not warning) reported on d; NULL if none. */
const struct ef_diag *ef_diags_first_error(const struct ef_diags *d);
/* Human form of all diagnostics; caller frees. */
char *ef_diags_format(const struct ef_diags *d);
void ef_diags_free(struct ef_diags *d);

#endif
