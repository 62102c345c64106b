/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers every module needs: growing arrays, a string buffer, files. */
#ifndef EDGEFW_UTIL_H
#define EDGEFW_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Make room for `need` items of `size` in *arr; doubles. 0 or -ENOMEM. */
int grow(void **arr, size_t *cap, size_t need, size_t size);

struct strbuf {
	char *buf;
	size_t len, cap;
	int err;		/* sticky: first -ENOMEM */
};

void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void sb_putc(struct strbuf *sb, char c);
/* Hands the string over (never NULL unless out of memory). */
char *sb_steal(struct strbuf *sb);
void sb_free(struct strbuf *sb);

/* `path` as seen from the directory of `base` (absolute paths kept). */
char *path_relative_to(const char *base, const char *path);

#define EF_FILE_MAX (16u << 20)

/*
 * Reads a whole configuration file, refusing files larger than `max` bytes
 * (-EFBIG) and files writable by others or by a group other than root's
 * (-EPERM), since whoever can write them could open the firewall. The
 * same holds for every directory above the file (whoever can write one
 * can put another file in its place); on such a refusal `*ret_dir` (if
 * given) names the directory. The text is NUL-terminated.
 */
int read_config_file(const char *path, size_t max, char **ret_text,
		     size_t *ret_len, char **ret_dir);

#endif
