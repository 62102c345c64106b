// SPDX-License-Identifier: GPL-2.0-or-later
/* The record of the last generation at which the table matched a model. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl_sock.h"
#include "synced.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int ef_synced_here(struct ef_synced *ret)
{
	socklen_t len = sizeof(ret->netns);
	int fd, err = 0;
	FILE *f;

	memset(ret, 0, sizeof(*ret));
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return -errno;
	if (!fgets(ret->boot, sizeof(ret->boot), f))
		err = -EIO;
	fclose(f);
	ret->boot[strcspn(ret->boot, "\n")] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!err && getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &ret->netns,
			       &len) < 0)
		err = -errno;
	close(fd);
	return err ?: (ret->boot[0] && ret->netns ? 0 : -EIO);
}

/* 64 bits at a time: a million elements in a few tens of milliseconds. */
static uint64_t mix(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t w;

	for (; len >= 8; len -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, b, len);
	h = (h ^ w ^ len) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

int ef_model_fingerprint(const struct ef_model *m, uint64_t *ret)
{
	struct ef_nl none = { 0 };	/* numbers its messages; sends nothing */
	struct ef_batch b;
	const struct nlmsghdr *nlh;
	uint64_t h = 0x6564676566770001ull;
	int err, len;

	ef_batch_init(&b, &none, NULL);
	err = ef_nl_build_replace(&b, &none, m) ?: b.err;
	len = (int)b.len;
	/* Every message but its sequence number, which counts batches. */
	for (nlh = (const struct nlmsghdr *)b.buf; !err && mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		h = mix(h, &nlh->nlmsg_type, sizeof(nlh->nlmsg_type));
		h = mix(h, &nlh->nlmsg_flags, sizeof(nlh->nlmsg_flags));
		h = mix(h, mnl_nlmsg_get_payload(nlh),
			nlh->nlmsg_len - NLMSG_HDRLEN);
	}
	ef_batch_free(&b);
	if (!err)
		*ret = h;
	return err;
}

int ef_synced_save(const char *dir, const struct ef_synced *s)
{
	char tmp[4096], path[4096], text[256];
	int fd, n, err = 0;

	n = snprintf(text, sizeof(text),
		     "edgefw-synced 1\nboot %s\nnetns %" PRIu64 "\ngenid %" PRIu32
		     "\nflags %" PRIu32 "\nfingerprint %016" PRIx64 "\n",
		     s->boot, s->netns, s->genid, s->flags, s->fingerprint);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, EF_SYNCED_FILE) >=
	    (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, EF_SYNCED_FILE) >=
	    (int)sizeof(path) || n >= (int)sizeof(text))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0640);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)n) != n || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int ef_synced_load(const char *dir, struct ef_synced *ret)
{
	char path[4096], text[512];
	struct ef_synced s = { 0 };
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, EF_SYNCED_FILE) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	text[n] = '\0';
	if (sscanf(text,
		   "edgefw-synced 1\nboot %39s\nnetns %" SCNu64 "\ngenid %" SCNu32
		   "\nflags %" SCNu32 "\nfingerprint %" SCNx64,
		   s.boot, &s.netns, &s.genid, &s.flags, &s.fingerprint) != 5)
		return -EINVAL;
	*ret = s;
	return 0;
}
