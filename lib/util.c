// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small helpers every module needs: growing arrays, a string buffer,
 * reading a configuration file that nobody else could have changed.
 */
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

int ef_grow(void **arr, size_t *cap, size_t need, size_t size)
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

void ef_sb_vprintf(struct ef_strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (sb->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || ef_grow((void **)&sb->buf, &sb->cap, sb->len + n + 1, 1)) {
		sb->err = -ENOMEM;
		return;
	}
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void ef_sb_printf(struct ef_strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ef_sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void ef_sb_putc(struct ef_strbuf *sb, char c)
{
	if (sb->err)
		return;
	if (ef_grow((void **)&sb->buf, &sb->cap, sb->len + 2, 1)) {
		sb->err = -ENOMEM;
		return;
	}
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

char *ef_sb_steal(struct ef_strbuf *sb)
{
	char *s;

	if (sb->err) {
		ef_sb_free(sb);
		return NULL;
	}
	s = sb->buf ? sb->buf : strdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void ef_sb_free(struct ef_strbuf *sb)
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

static int refuse(struct ef_unsafe *ret_unsafe, enum ef_unsafe_what what,
		  const char *path)
{
	char *copy = NULL;

	if (!ret_unsafe)
		return -EPERM;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	ret_unsafe->what = what;
	ret_unsafe->path = copy;
	return -EPERM;
}

/* The real path `dir`, about to be searched: whoever can change it can
 * change what a name in it stands for. */
static int check_dir(const char *dir, struct ef_unsafe *ret_unsafe)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (open_to_others(&st))
		return refuse(ret_unsafe, EF_UNSAFE_DIR, dir);
	return 0;
}

/* Appends "/name" to the real path `cur` (a buffer of PATH_MAX). */
static int path_push(char *cur, const char *name, size_t len)
{
	size_t n = strlen(cur), sep = n > 1;

	if (n + sep + len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (sep)
		cur[n++] = '/';
	memcpy(cur + n, name, len);
	cur[n + len] = '\0';
	return 0;
}

static void path_pop(char *cur)
{
	char *slash = strrchr(cur, '/');

	slash[slash == cur] = '\0';	/* keep "/" itself */
}

/* `path` made absolute; the working directory is a real path. */
static int absolute(const char *path, char **ret)
{
	char *cwd;
	int n;

	if (path[0] == '/') {
		*ret = strdup(path);
		return *ret ? 0 : -ENOMEM;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -errno;
	n = asprintf(ret, "%s/%s", cwd, path);
	free(cwd);
	return n < 0 ? -ENOMEM : 0;
}

/*
 * Resolves `path` as the kernel does, a name at a time, and checks what
 * others could change on the way: each directory a name is looked up in,
 * and the owner of each symbolic link (who can repoint it even in a sticky
 * directory, and the kernel follows it there unless fs.protected_symlinks
 * says otherwise). `cur` is always a real path, so ".." is its parent: the
 * directory ".." leaves is not searched, and whoever writes it cannot
 * change where ".." leads. The path must end at the very `file` we hold
 * open.
 */
static int check_path(const char *path, const struct stat *file,
		      struct ef_unsafe *ret_unsafe)
{
	char cur[PATH_MAX] = "/", target[PATH_MAX], *todo, *next;
	const char *p, *name;
	unsigned int links = 0;
	struct stat st;
	size_t len;
	ssize_t n;
	int err;

	err = absolute(path, &todo);
	if (err)
		return err;
	for (p = todo; *p;) {
		p += strspn(p, "/");
		name = p;
		len = strcspn(p, "/");
		p += len;
		if (len == 0 || (len == 1 && name[0] == '.'))
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			path_pop(cur);
			continue;
		}
		err = check_dir(cur, ret_unsafe);
		if (!err)
			err = path_push(cur, name, len);
		if (!err && lstat(cur, &st) < 0)
			err = -errno;
		if (err)
			goto out;
		if (!S_ISLNK(st.st_mode))
			continue;
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			err = refuse(ret_unsafe, EF_UNSAFE_LINK, cur);
			goto out;
		}
		if (++links > 40) {	/* the kernel's limit */
			err = -ELOOP;
			goto out;
		}
		n = readlink(cur, target, sizeof(target));
		if (n < 0 || (size_t)n >= sizeof(target)) {
			err = n < 0 ? -errno : -ENAMETOOLONG;
			goto out;
		}
		target[n] = '\0';
		/* Go on from the link's directory, or from "/". */
		path_pop(cur);
		if (target[0] == '/')
			strcpy(cur, "/");
		/* The rest `p` is empty or starts with '/'. */
		if (asprintf(&next, "%s%s", target, p) < 0) {
			err = -ENOMEM;
			goto out;
		}
		free(todo);
		todo = next;
		p = todo;
	}
	if (lstat(cur, &st) < 0 || st.st_dev != file->st_dev ||
	    st.st_ino != file->st_ino)
		err = -ESTALE;
out:
	free(todo);
	return err;
}

int ef_read_config_file(const char *path, size_t max, char **ret_text,
		     size_t *ret_len, struct ef_unsafe *ret_unsafe)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, err;

	/*
	 * Only a regular file is read, and nothing else is even opened: a
	 * FIFO would block the open until someone writes to it (a hung
	 * reload), a device may act on being opened. O_NONBLOCK covers a
	 * FIFO put in its place between the two looks.
	 */
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
		err = refuse(ret_unsafe, EF_UNSAFE_FILE, NULL);
		goto out;
	}
	err = check_path(path, &st, ret_unsafe);
	/* Opened, but its way cannot be checked: refused all the same, and
	 * not with an errno that says the file itself is missing. */
	if (err && err != -EPERM && err != -ESTALE && err != -ENOMEM) {
		if (ret_unsafe)
			*ret_unsafe = (struct ef_unsafe){
				.what = EF_UNSAFE_UNCHECKED, .err = err };
		err = -EPERM;
	}
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
	*ret_text = text;
	*ret_len = len;
	text = NULL;
	err = 0;
out:
	free(text);
	close(fd);
	return err;
}

const char *ef_file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "of an unknown kind";
}

char *ef_path_relative_to(const char *base, const char *path)
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

size_t ef_utf8_char(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

int ef_parse_uint(const char *s, unsigned long min, unsigned long max,
		  unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}
