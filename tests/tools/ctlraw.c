// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctlraw: sends raw bytes to a unix stream socket and prints what comes
 * back, for the control-protocol tests edgefwctl cannot make (it only
 * sends well-formed requests).
 *
 *   ctlraw PATH text STRING     the string, \n escapes turned into newlines
 *   ctlraw PATH bytes N         N bytes of 'x' and a newline
 *   ctlraw PATH half STRING     the string without a newline, then waits
 *                               for the server to give up (prints "closed")
 *   ctlraw PATH slow STRING     as text, but reads the replies slowly (4 KiB
 *                               every 10 ms): a client that is busy, not idle
 *   ctlraw PATH deaf STRING     as text, then never reads: waits until the
 *                               server drops it (prints "dropped") or 30 s
 *   ctlraw PATH notify SECONDS  binds a datagram socket at PATH and prints
 *                               the first datagram (a service manager's
 *                               NOTIFY_SOCKET, for READY=1)
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		if (in[0] == '\\' && in[1] == 'n') {
			out[n++] = '\n';
			in++;
		} else if (in[0] == '\\' && in[1] == '0') {
			out[n++] = '\0';
			in++;
		} else {
			out[n++] = *in;
		}
	}
	return n;
}

static int notify(const struct sockaddr_un *sun, int secs)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	if (fd < 0 || bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0)
		return 1;
	if (poll(&pfd, 1, secs * 1000) <= 0)
		return 1;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	puts(buf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	char buf[65536], *data;
	size_t len, want = 0, got = 0;
	bool slow;
	ssize_t n;
	int fd;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[1]);
	if (!strcmp(argv[2], "notify"))
		return notify(&sun, atoi(argv[3]));
	slow = !strcmp(argv[2], "slow");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return 1;
	if (!strcmp(argv[2], "bytes")) {
		len = strtoul(argv[3], NULL, 10);
		data = malloc(len + 1);
		if (!data)
			return 1;
		memset(data, 'x', len);
		data[len++] = '\n';
	} else {
		data = malloc(strlen(argv[3]) + 1);
		if (!data)
			return 1;
		len = unescape(argv[3], data);
	}
	/* One reply a request line: read until that many came. */
	for (size_t i = 0; i < len; i++)
		want += data[i] == '\n';
	if (send(fd, data, len, MSG_NOSIGNAL) < 0) {
		/* the server may close first on an oversized request */
	}
	free(data);
	if (!strcmp(argv[2], "deaf")) {
		/* POLLIN stays quiet while replies only queue: wait for the
		 * server to hang up. */
		pfd.fd = fd;
		pfd.events = POLLRDHUP;
		if (poll(&pfd, 1, 30000) > 0)
			puts("dropped");
		close(fd);
		return 0;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* A half-sent request: the server must not wait forever. */
	while (poll(&pfd, 1, !strcmp(argv[2], "half") ? 60000 : 2000) > 0) {
		if (slow)
			poll(NULL, 0, 10);
		n = recv(fd, buf, slow ? 4096 : sizeof(buf) - 1, 0);
		if (n <= 0) {
			puts("closed");
			break;
		}
		buf[n] = '\0';
		fputs(buf, stdout);
		for (ssize_t i = 0; i < n; i++)
			got += buf[i] == '\n';
		if (strcmp(argv[2], "half") && got >= want)
			break;
	}
	close(fd);
	return 0;
}
