// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > (SIZE_MAX / 2) / size)
			return -ENOMEM;
		ncap *= 2;
	}
	p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (sb->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || grow((void **)&sb->buf, &sb->cap, sb->len + n + 1, 1)) {
		sb->err = -ENOMEM;
		return;
	}
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_putc(struct strbuf *sb, char c)
{
	if (sb->err)
		return;
	if (grow((void **)&sb->buf, &sb->cap, sb->len + 2, 1)) {
		sb->err = -ENOMEM;
		return;
	}
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

char *sb_steal(struct strbuf *sb)
{
	char *s;

	if (sb->err) {
		sb_free(sb);
		return NULL;
	}
	s = sb->buf ? sb->buf : strdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->err = 0;
}

/* Can anyone but root and us change it? Group root may (umask 002). A
 * sticky directory (/tmp) lets others add files, not replace ours. */
static bool open_to_others(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return true;
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return false;
	return (st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) && st->st_gid);
}

/* Each directory above the absolute path `p` (taken apart in place);
 * the first one others can write goes to *ret_dir (a copy). */
static int check_ancestors(char *p, char **ret_dir)
{
	struct stat st;
	char *slash;

	while ((slash = strrchr(p, '/'))) {
		slash[slash == p] = '\0';	/* keep "/" itself */
		if (stat(p, &st) < 0)
			return -errno;
		if (open_to_others(&st)) {
			if (ret_dir)
				*ret_dir = strdup(p);
			return -EPERM;
		}
		if (slash == p)
			break;
	}
	return 0;
}

/*
 * Every directory above the file we opened, along the path as given (so
 * that a symbolic link in a directory others can write is refused, wherever
 * it leads) and along its real path (so that the file it leads to is in
 * safe hands too), as sshd's StrictModes does for the latter.
 */
static int check_dirs(const char *path, const struct stat *file,
		      char **ret_dir)
{
	char *real = realpath(path, NULL), *given = NULL, cwd[PATH_MAX];
	struct stat st;
	int err;

	if (!real)
		return -errno;
	/* The path must still name the file we hold open. */
	if (stat(real, &st) < 0 || st.st_dev != file->st_dev ||
	    st.st_ino != file->st_ino) {
		free(real);
		return -ESTALE;
	}
	err = check_ancestors(real, ret_dir);
	if (!err && path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		err = -errno;
	if (!err && asprintf(&given, "%s%s%s", path[0] == '/' ? "" : cwd,
			     path[0] == '/' ? "" : "/", path) < 0) {
		given = NULL;
		err = -ENOMEM;
	}
	if (!err)
		err = check_ancestors(given, ret_dir);
	free(given);
	free(real);
	return err;
}

int read_config_file(const char *path, size_t max, char **ret_text,
		     size_t *ret_len, char **ret_dir)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	if (open_to_others(&st)) {
		err = -EPERM;
		goto out;
	}
	err = check_dirs(path, &st, ret_dir);
	if (err)
		goto out;
	if ((size_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		err = -ENOMEM;
		goto out;
	}
	/* The file may grow while we read: stop at the size we checked. */
	while (len < (size_t)st.st_size) {
		n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		err = -EILSEQ;	/* a NUL byte: not a text file */
		goto out;
	}
	*ret_text = text;
	*ret_len = len;
	text = NULL;
	err = 0;
out:
	free(text);
	close(fd);
	return err;
}

char *path_relative_to(const char *base, const char *path)
{
	char *dir, *full = NULL;

	if (path[0] == '/')
		return strdup(path);
	dir = strdup(base);
	if (dir && asprintf(&full, "%s/%s", dirname(dir), path) < 0)
		full = NULL;
	free(dir);
	return full;
}
