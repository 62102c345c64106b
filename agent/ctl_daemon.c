// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl's requests to edgefwd: connecting (within --timeout), asking,
 * printing the replies for people, and the metrics for Prometheus.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "metrics.h"

static int connect_daemon(const struct args *a)
{
	const char *path = a->socket;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	/* A daemon that hangs must not hang its callers (scripts, timers)
	 * with it: neither while its backlog is full (connect waits with the
	 * send timeout) nor while it does not answer. */
	struct timeval tv = { .tv_sec = a->timeout };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 &&
	    !setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) &&
	    !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == EAGAIN || errno == EINPROGRESS)
		fprintf(stderr, "%s: edgefwd did not take the connection within %u seconds (--timeout)\n",
			prog, a->timeout);
	else if (errno == ENOENT || errno == ECONNREFUSED)
		fprintf(stderr, "%s: edgefwd is not running (no one listens on %s)\n",
			prog, path);
	else if (errno == EACCES)
		fprintf(stderr, "%s: access to %s denied: run as root or as a member of the socket's group (edgefw; edgefw-read for the read-only socket)\n",
			prog, path);
	else
		fprintf(stderr, "%s: cannot reach edgefwd at %s: %s\n", prog,
			path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * One request, one reply line; NULL if none came. edgefwd answers a peer
 * it refuses and closes without reading: the send may then fail (EPIPE),
 * and the answer saying why is still there to read.
 */
static char *ask(int fd, const char *line)
{
	static const size_t max = 1 << 24;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf || (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 &&
		     errno != EPIPE && errno != ECONNRESET)) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *p = cap < max ? realloc(buf, cap * 2) : NULL;

			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			free(buf);
			errno = ETIMEDOUT;	/* --timeout passed */
			return NULL;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	if (!len) {
		free(buf);
		errno = ECONNRESET;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* key: value lines; an array gets a line per item, an object item its
 * fields' values side by side (counters: row, where, note, packets, ...). */
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
 * cell (the last one as it comes). */
#define TABLE_COLS 16

/* Cell c of the table's line `line`: line 0 is the header. */
static const char *table_cell(struct json_object *arr, size_t line, size_t c)
{
	struct json_object *item = json_object_array_get_idx(arr, line ? line - 1 : 0);
	size_t k = 0;

	if (!json_object_is_type(item, json_type_object))
		return NULL;
	json_object_object_foreach(item, key, val) {
		if (k++ == c)
			return line ? json_object_get_string(val) : key;
	}
	return NULL;
}

static void print_table(struct json_object *arr)
{
	size_t lines = json_object_array_length(arr) + 1, width[TABLE_COLS] = { 0 };
	const char *cell;

	for (size_t l = 0; l < lines; l++)
		for (size_t c = 0; c < TABLE_COLS && (cell = table_cell(arr, l, c)); c++)
			if (strlen(cell) > width[c])
				width[c] = strlen(cell);
	for (size_t l = 0; l < lines; l++) {
		for (size_t c = 0; c < TABLE_COLS && (cell = table_cell(arr, l, c)); c++)
			printf("  %-*s", table_cell(arr, l, c + 1) ? (int)width[c] : 0, cell);
		putchar('\n');
	}
}

/* key value lines; an array of strings gets a line per item, an array of
 * objects a table. --json is the stable interface for scripts. */
static void print_human(struct json_object *o)
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
			json_object_object_foreach(val, k, v)
				printf("  %-16s %s\n", k, json_object_get_string(v));
			continue;
		}
		if (!json_object_is_type(val, json_type_array)) {
			printf("%-18s %s\n", key, json_object_get_string(val));
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

/*
 * Sends one request line over fd. Returns the reply if it says ok; else
 * NULL, having said why on stderr.
 */
static struct json_object *call(const struct args *a, int fd,
				 const char *line)
{
	struct json_object *reply, *val;
	char *text = ask(fd, line);

	if (!text && errno == ETIMEDOUT)
		fprintf(stderr, "%s: edgefwd did not answer within %u seconds (--timeout)\n",
			prog, a->timeout);
	if (!text && errno != ETIMEDOUT)
		fprintf(stderr, "%s: no answer from edgefwd\n", prog);
	if (!text)
		return NULL;
	reply = ef_ctl_reply_parse(text);
	free(text);
	if (!reply) {
		fprintf(stderr, "%s: edgefwd answered something that is not JSON\n",
			prog);
		return NULL;
	}
	if (json_object_object_get_ex(reply, "ok", &val) &&
	    json_object_get_boolean(val))
		return reply;
	if (json_object_object_get_ex(reply, "error", &val))
		fprintf(stderr, "%s: edgefwd: %s\n", prog,
			json_object_get_string(val));
	else
		fprintf(stderr, "%s: edgefwd refused the request\n", prog);
	json_object_put(reply);
	return NULL;
}

int cmd_daemon(const struct args *a)
{
	struct json_object *reply = NULL;
	const char *why;
	char *line;
	int fd;

	line = ef_ctl_request_line(a->argc, a->argv, &why);
	if (!line) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return EXIT_INPUT;
	}
	fd = connect_daemon(a);
	if (fd >= 0) {
		reply = call(a, fd, line);
		close(fd);
	}
	free(line);
	if (!reply)
		return EXIT_RUNTIME;
	if (a->json) {
		print_json(reply);
	} else {
		print_human(reply);
		json_object_put(reply);
	}
	return 0;
}

/*
 * Status and counters, on one connection, as Prometheus text. Whatever
 * goes wrong, stdout still gets edgefw_up 0: a scraper (or the textfile
 * the timer writes) then says the daemon is down rather than going stale.
 */
int cmd_metrics(const struct args *a)
{
	struct json_object *status = NULL, *counters = NULL;
	struct ef_strbuf sb = { 0 };
	int fd, err = -EIO;

	fd = connect_daemon(a);
	if (fd >= 0) {
		status = call(a, fd, "status\n");
		counters = status ? call(a, fd, "counters\n") : NULL;
		close(fd);
	}
	if (counters) {
		err = ef_metrics_format(&sb, status, counters);
		if (err == -EPROTO)
			fprintf(stderr, "%s: edgefwd's status or counters reply is not what edgefwctl(8) says\n",
				prog);
		else if (err)
			fprintf(stderr, "%s: %s\n", prog, strerror(-err));
	}
	json_object_put(status);
	json_object_put(counters);
	if (err) {
		ef_sb_free(&sb);
		ef_metrics_format_down(&sb);
	}
	return put_text(&sb) ?: (err ? EXIT_RUNTIME : 0);
}
