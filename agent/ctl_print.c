// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwd's replies for people: key value lines, times as a person reads
 * them, arrays of objects as tables at most 100 columns wide. --json is
 * the stable form for scripts; this one may change.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "nft_emit.h"
#include "util.h"

/* Times the daemon gives in seconds since the epoch: also as a person
 * reads them. The number stays first, for scripts. */
static void print_time(const char *key, struct json_object *val)
{
	time_t t = (time_t)json_object_get_int64(val), now = time(NULL);
	char when[32];
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm)) {
		printf("%-18s %lld\n", key, (long long)t);
		return;
	}
	if (t > now)
		printf("%-18s %lld (%s, in %lld s)\n", key, (long long)t, when,
		       (long long)(t - now));
	else
		printf("%-18s %lld (%s, %lld s ago)\n", key, (long long)t, when,
		       (long long)(now - t));
}

/* An array of objects (counters' rows) as a table: a header of the first
 * item's keys, then a line an item, each column as wide as its widest
 * cell (the last one as it comes), the whole at most TABLE_WIDTH columns:
 * the note gives way (--json has it whole). */
#define TABLE_COLS 16
#define TABLE_WIDTH 100

/* A value as text; seconds as a duration ("59m58s") for keys that hold
 * one, in buf. */
static const char *value_text(const char *key, struct json_object *val,
			      char buf[EF_DURATION_TEXT])
{
	if (strcmp(key, "left") && strcmp(key, "exception_max"))
		return json_object_get_string(val);
	return ef_duration_text((uint64_t)json_object_get_int64(val), buf);
}

/* Cell c of the table's line `line`: line 0 is the header. buf holds it
 * if it is made. */
static const char *table_cell(struct json_object *arr, size_t line, size_t c,
			      char buf[EF_DURATION_TEXT])
{
	struct json_object *item = json_object_array_get_idx(arr, line ? line - 1 : 0);
	size_t k = 0;

	if (!json_object_is_type(item, json_type_object))
		return NULL;
	json_object_object_foreach(item, key, val) {
		if (k++ != c)
			continue;
		if (!line)
			return key;
		/* Where a row was written: the file's name says enough. */
		if (!strcmp(key, "where") && strrchr(json_object_get_string(val), '/'))
			return strrchr(json_object_get_string(val), '/') + 1;
		return value_text(key, val, buf);
	}
	return NULL;
}

/* Columns a UTF-8 string takes (a character each). */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += !ef_utf8_cont((unsigned char)*s);
	return n;
}

/* Prints s in exactly `width` columns (cut with "~" if longer), or as it
 * comes when width is 0 (the last column). */
static void put_cell(const char *s, size_t width)
{
	size_t w = text_width(s), bytes = 0, cols = 0;

	if (!width) {
		printf("  %s", s);
		return;
	}
	if (w <= width) {
		printf("  %s%*s", s, (int)(width - w), "");
		return;
	}
	while (s[bytes] && cols < width - 1) {
		bytes++;
		while (ef_utf8_cont((unsigned char)s[bytes]))
			bytes++;
		cols++;
	}
	printf("  %.*s~", (int)bytes, s);
}

static void print_table(struct json_object *arr)
{
	size_t lines = json_object_array_length(arr) + 1, width[TABLE_COLS] = { 0 };
	size_t ncols = 0, total = 0, note = TABLE_COLS;
	char buf[EF_DURATION_TEXT], next[EF_DURATION_TEXT];
	const char *cell;

	for (size_t l = 0; l < lines; l++)
		for (size_t c = 0; c < TABLE_COLS && (cell = table_cell(arr, l, c, buf)); c++) {
			if (text_width(cell) > width[c])
				width[c] = text_width(cell);
			if (c >= ncols)
				ncols = c + 1;
			if (!l && !strcmp(cell, "note"))
				note = c;
		}
	for (size_t c = 0; c < ncols; c++)
		total += 2 + width[c];
	/* The note gives way, down to a few columns. */
	if (note < ncols && total > TABLE_WIDTH)
		width[note] = width[note] > total - TABLE_WIDTH + 8 ?
				      width[note] - (total - TABLE_WIDTH) : 8;
	for (size_t l = 0; l < lines; l++) {
		for (size_t c = 0; c < TABLE_COLS && (cell = table_cell(arr, l, c, buf)); c++)
			put_cell(cell, table_cell(arr, l, c + 1, next) || c == note ?
					       width[c] : 0);
		putchar('\n');
	}
}

/* key value lines; an array of strings gets a line per item, an array of
 * objects a table. --json is the stable interface for scripts. */
/* A text of several lines (a delta): under its key, indented. */
static void print_lines(const char *key, const char *text)
{
	printf("%s:\n", key);
	while (*text) {
		size_t n = strcspn(text, "\n");

		printf("  %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

void ctl_print_human(struct json_object *o)
{
	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "ok"))
			continue;
		if (!strcmp(key, "last_reconcile") || !strcmp(key, "confirm_by")) {
			print_time(key, val);
			continue;
		}
		if (json_object_is_type(val, json_type_object)) {
			printf("%s:\n", key);
			json_object_object_foreach(val, k, v) {
				char buf[EF_DURATION_TEXT];

				printf("  %-16s %s\n", k, value_text(k, v, buf));
			}
			continue;
		}
		if (json_object_is_type(val, json_type_string) &&
		    strchr(json_object_get_string(val), '\n')) {
			print_lines(key, json_object_get_string(val));
			continue;
		}
		if (!json_object_is_type(val, json_type_array)) {
			char buf[EF_DURATION_TEXT];

			printf("%-18s %s\n", key, value_text(key, val, buf));
			continue;
		}
		printf("%s:\n", key);
		if (json_object_array_length(val) &&
		    json_object_is_type(json_object_array_get_idx(val, 0),
					json_type_object)) {
			print_table(val);
			continue;
		}
		for (size_t i = 0; i < json_object_array_length(val); i++)
			printf("  %s\n", json_object_get_string(
				json_object_array_get_idx(val, i)));
	}
}

