// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's recorded state file: read, validated, replaced
 * atomically. What goes in it is the daemon's decision.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

#define HEADER "edgefw-state 1"

/* Checks the first `len` bytes of `s`, which need not be NUL-terminated. */
static bool name_valid(const char *s, size_t len)
{
	if (len == 0 || len >= EF_STATE_NAME_MAX)
		return false;
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '_' && c != '-')
			return false;
	}
	return true;
}

bool ef_state_name_valid(const char *name)
{
	return name && name_valid(name, strnlen(name, EF_STATE_NAME_MAX));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes, syncs and closes the temporary file. */
static int write_tmp(int fd, const char *text, size_t len)
{
	int err = 0;

	if (fchmod(fd, 0640))
		err = -errno;
	if (!err)
		err = write_all(fd, text, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err && errno != EINTR)
		err = -errno;
	return err;
}

int ef_state_write_file(const char *dir, const char *name, const char *text,
			size_t len)
{
	char *tmp = NULL, *path = NULL;
	int dirfd, fd, err = 0;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto out;
	}
	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		err = -ENOMEM;
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_tmp(fd, text, len);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		goto out;
	}
	/* The rename itself is durable only once the directory is. */
	if (fsync(dirfd))
		err = -errno;
out:
	free(tmp);
	free(path);
	close(dirfd);
	return err;
}

int ef_state_save(const char *dir, const struct ef_state *s)
{
	char text[3 * EF_STATE_NAME_MAX + 32];
	int len;

	if (!ef_state_name_valid(s->policy) ||
	    (s->previous[0] && !ef_state_name_valid(s->previous)))
		return -EINVAL;
	if (s->previous[0])
		len = snprintf(text, sizeof(text),
			       HEADER "\npolicy %s\nprevious %s\n", s->policy,
			       s->previous);
	else
		len = snprintf(text, sizeof(text), HEADER "\npolicy %s\n",
			       s->policy);
	if (len < 0 || (size_t)len >= sizeof(text))
		return -EINVAL;
	return ef_state_write_file(dir, EF_STATE_FILE, text, (size_t)len);
}

/* Reads at most `cap` bytes. */
static int read_small(int fd, char *buf, size_t cap, size_t *ret_len)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

/* Parses the file's text, `len` bytes that may hold anything. */
static int parse(const char *text, size_t len, struct ef_state *ret)
{
	struct ef_state st = { 0 };
	const char *p = text, *end = text + len;
	bool header = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp, *val;
		size_t llen, vlen;
		char *dst;

		if (!nl)
			return -EINVAL;	/* unterminated: truncated */
		llen = (size_t)(nl - p);
		if (!header) {
			if (llen != strlen(HEADER) || memcmp(p, HEADER, llen))
				return -EINVAL;
			header = true;
			p = nl + 1;
			continue;
		}
		sp = memchr(p, ' ', llen);
		if (!sp)
			return -EINVAL;
		val = sp + 1;
		vlen = (size_t)(nl - val);
		if ((size_t)(sp - p) == strlen("policy") &&
		    !memcmp(p, "policy", strlen("policy")))
			dst = st.policy;
		else if ((size_t)(sp - p) == strlen("previous") &&
			 !memcmp(p, "previous", strlen("previous")))
			dst = st.previous;
		else
			return -EINVAL;
		if (dst[0] || !name_valid(val, vlen))
			return -EINVAL;
		memcpy(dst, val, vlen);
		dst[vlen] = '\0';
		p = nl + 1;
	}
	if (!st.policy[0])
		return -EINVAL;
	*ret = st;
	return 0;
}

int ef_state_read_file(const char *dir, const char *name, size_t max,
		       char **ret, size_t *ret_len)
{
	char *path = NULL, *buf;
	struct stat sb;
	size_t len = 0;
	int fd, err;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	/* No symlinks, and no blocking on a FIFO put in its place. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	err = fd < 0 ? -errno : 0;
	free(path);
	if (err)
		return err == -ELOOP ? -EINVAL : err;
	buf = malloc(max + 2);
	if (!buf)
		err = -ENOMEM;
	else if (fstat(fd, &sb))
		err = -errno;
	else if (!S_ISREG(sb.st_mode))
		err = -EINVAL;
	/* One byte more than allowed means too big. */
	if (!err)
		err = read_small(fd, buf, max + 1, &len);
	close(fd);
	if (!err && len > max)
		err = -EINVAL;
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int ef_state_load(const char *dir, struct ef_state *ret)
{
	size_t len;
	char *text;
	int err = ef_state_read_file(dir, EF_STATE_FILE, EF_STATE_SIZE_MAX,
				     &text, &len);

	if (err)
		return err;
	err = parse(text, len, ret);
	free(text);
	return err;
}
