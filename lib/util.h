/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers every module needs: growing arrays, a string buffer, files. */
#ifndef EDGEFW_UTIL_H
#define EDGEFW_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Make room for `need` items of `size` in *arr; doubles. 0 or -ENOMEM. */
int ef_grow(void **arr, size_t *cap, size_t need, size_t size);

struct ef_strbuf {
	char *buf;
	size_t len, cap;
	int err;		/* sticky: first -ENOMEM */
};

void ef_sb_printf(struct ef_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ef_sb_vprintf(struct ef_strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void ef_sb_putc(struct ef_strbuf *sb, char c);
/* Hands the string over (never NULL unless out of memory). */
char *ef_sb_steal(struct ef_strbuf *sb);
void ef_sb_free(struct ef_strbuf *sb);

/*
 * A decimal number in [min, max], the whole string: no sign, no blanks,
 * nothing after it ("5x" is not 5). 0, or -EINVAL with *ret untouched.
 */
int ef_parse_uint(const char *s, unsigned long min, unsigned long max,
		  unsigned long *ret);

/*
 * A duration in seconds, 1 to max, the whole string: a decimal number and
 * one unit, s, m, h or d ("90s", "30m", "1h", "2d"); a number alone is
 * seconds. 0; -ERANGE when it is 0 or longer than max; -EINVAL when it is
 * no duration. *ret is untouched on failure.
 */
int ef_parse_duration(const char *s, uint64_t max, uint64_t *ret);

/*
 * The length of the UTF-8 character at p, or 0 if it is not one (RFC
 * 3629: no overlong forms, no surrogates, nothing above U+10FFFF). Reads
 * no further than a NUL.
 */
size_t ef_utf8_char(const unsigned char *p);

/* A byte that continues a UTF-8 character (10xxxxxx): never cut before
 * one, never count one as a column. */
static inline bool ef_utf8_cont(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/* `path` as seen from the directory of `base` (absolute paths kept). */
char *ef_path_relative_to(const char *base, const char *path);

#define EF_FILE_MAX (16u << 20)

/* What others could change, when ef_read_config_file refuses a file. */
struct ef_unsafe {
	enum ef_unsafe_what {
		EF_UNSAFE_FILE,		/* the file itself */
		EF_UNSAFE_DIR,		/* `path`, a directory on its way */
		EF_UNSAFE_LINK,		/* `path`, a link on its way owned by
					 * another user */
		EF_UNSAFE_UNCHECKED,	/* its way could not be checked: `err`
					 * (a directory above the working
					 * directory we may not search, ...) */
	} what;
	char *path;			/* NULL for the file; the caller frees */
	int err;			/* EF_UNSAFE_UNCHECKED: why */
};

/*
 * Reads a whole configuration file, refusing files larger than `max` bytes
 * (-EFBIG) and files others could change (-EPERM), since whoever can
 * change them could open the firewall: a file writable by others or by a
 * group other than root's, or owned by a user other than root or us; a
 * file under a directory that is so, on the way the kernel resolves the
 * path (whoever can write it can put another file in its place); a file
 * reached through a symbolic link owned by another user (who can repoint
 * it). On such a refusal `*ret_unsafe` (if given) says which. Anything
 * but a regular file (a FIFO, a device, a socket, a directory) is refused
 * with -EINVAL without being opened for reading, so without blocking. The
 * text is
 * NUL-terminated; a NUL byte in it is the caller's to find (*ret_len is
 * the length read).
 */
int ef_read_config_file(const char *path, size_t max, char **ret_text,
		     size_t *ret_len, struct ef_unsafe *ret_unsafe);

/* What a file of this mode is, for messages: "a FIFO", "a directory"... */
const char *ef_file_kind(mode_t mode);

#endif
