// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * edgefwctl's requests to edgefwd: connecting (within --timeout), asking,
 * printing the replies for people, and the metrics for Prometheus.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "util.h"
#include "ctl_proto.h"
#include "metrics.h"
#include "state.h"

/* A connection to edgefwd at path, or -errno. */
static int connect_to(const char *path, unsigned int timeout)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	/* A daemon that hangs must not hang its callers (scripts, timers)
	 * with it: neither while its backlog is full (connect waits with the
	 * send timeout) nor while it does not answer. */
	struct timeval tv = { .tv_sec = timeout };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 &&
	    !setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) &&
	    !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * A connection for rq. A request that changes nothing goes to the
 * read-only socket by itself when the control socket is not the caller's
 * (monitoring users are in group edgefw-read only), unless --socket named
 * one. -1 once it has said why.
 */
static int connect_daemon(const struct ctl_daemon_args *a,
			  const struct ef_ctl_request *rq)
{
	const char *path = a->socket;
	int fd = connect_to(path, a->timeout);

	if (fd == -EACCES && !a->socket_given && rq &&
	    ef_ctl_request_read_only(rq)) {
		int rfd = connect_to(CTL_SOCKET_READ, a->timeout);

		/* No read-only socket: the control socket's refusal stands. */
		if (rfd != -ENOENT && rfd != -ECONNREFUSED) {
			fd = rfd;
			path = CTL_SOCKET_READ;
		}
	}
	if (fd >= 0)
		return fd;
	if (fd == -EAGAIN || fd == -EINPROGRESS)
		fprintf(stderr, "%s: edgefwd did not take the connection within %u seconds (--timeout)\n",
			prog, a->timeout);
	else if (fd == -ENOENT || fd == -ECONNREFUSED)
		fprintf(stderr, "%s: edgefwd is not running (no one listens on %s)\n",
			prog, path);
	else if (fd == -EACCES)
		fprintf(stderr, "%s: access to %s denied: run as root or as a member of the socket's group (edgefw; edgefw-read for the read-only socket)\n",
			prog, path);
	else if (fd == -ENAMETOOLONG)
		fprintf(stderr, "%s: socket path too long: %s\n", prog, path);
	else
		fprintf(stderr, "%s: cannot reach edgefwd at %s: %s\n", prog,
			path, strerror(-fd));
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

/*
 * Sends rq over fd. Returns the reply if it says ok; else NULL, having
 * said why on stderr.
 */
static struct json_object *call(const struct ctl_daemon_args *a, int fd,
				 const struct ef_ctl_request *rq)
{
	struct json_object *reply, *val;
	char *line = NULL, *text;
	int err = ef_ctl_request_format(rq, &line);

	if (err) {
		/* The commands give it only what edgefwd reads back. */
		fprintf(stderr, "%s: cannot put the %s request into words: %s\n",
			prog, ef_ctl_cmd_name(rq->cmd) ?: "?", strerror(-err));
		return NULL;
	}
	text = ask(fd, line);
	free(line);

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

int ctl_daemon_ask(const struct ctl_daemon_args *a,
		   const struct ef_ctl_request *rq)
{
	struct json_object *reply = NULL;
	int fd = connect_daemon(a, rq);

	if (fd >= 0) {
		reply = call(a, fd, rq);
		close(fd);
	}
	if (!reply)
		return EXIT_RUNTIME;
	if (a->json) {
		print_json(reply);
	} else {
		if (rq->cmd == EF_CTL_EXPLAIN)
			ctl_print_explanation(reply);
		else
			ctl_print_human(reply);
		json_object_put(reply);
	}
	return 0;
}

/*
 * Status and counters, on one connection, as Prometheus text. Whatever
 * goes wrong, stdout still gets edgefw_up 0: a scraper (or the textfile
 * the timer writes) then says the daemon is down rather than going stale.
 */
static int metrics(const struct ctl_daemon_args *a)
{
	static const struct ef_ctl_request status_rq = { .cmd = EF_CTL_STATUS },
					   counters_rq = { .cmd = EF_CTL_COUNTERS };
	struct json_object *status = NULL, *counters = NULL;
	struct ef_strbuf sb = { 0 };
	int fd, err = -EIO;

	fd = connect_daemon(a, &status_rq);
	if (fd >= 0) {
		status = call(a, fd, &status_rq);
		counters = status ? call(a, fd, &counters_rq) : NULL;
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

/* ---- The commands' arguments ---- */

/* A number from 1 to max, in decimal digits only (no sign, no blanks), as
 * the control protocol writes its numbers. 0, or -EINVAL. */
static int parse_number(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long v;
	int err = ef_parse_uint(s, 1, max, &v);

	if (!err)
		*ret = v;
	return err;
}

int ctl_daemon_opt(void *ctx, const char *cmd, int opt, const char *arg)
{
	struct ctl_daemon_args *a = ctx;
	uint64_t secs;

	switch (opt) {
	case OPT_SOCKET:
		a->socket = arg;
		a->socket_given = true;
		break;
	case OPT_TIMEOUT:
		if (parse_number(arg, CTL_TIMEOUT_MAX, &secs))
			return ctl_refuse(cmd, "--timeout must be 1 to %d seconds, not '%s'",
					  CTL_TIMEOUT_MAX, arg);
		a->timeout = (unsigned int)secs;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	}
	return 0;
}

static const struct option request_opts[] = {
	O_SOCKET, O_TIMEOUT, O_JSON, O_HELP, O_END
};

static const struct ctl_syntax request_syntax = {
	{ CTL_DAEMON_USAGE }, request_opts, 0, 0
};

/* confirm, rollback */
static const struct ctl_syntax switch_id_syntax = {
	{ "[ID] " CTL_DAEMON_USAGE },
	request_opts, 0, 1
};

/* A request without options of its own; ID: the switch it is for. */
static int request(enum ef_ctl_cmd cmd, const struct ctl_syntax *syn,
		   int argc, char **argv)
{
	struct ctl_daemon_args a = CTL_DAEMON_ARGS_INIT;
	struct ef_ctl_request rq = { .cmd = cmd };
	struct ctl_words w;
	int status = ctl_parse(syn, argc, argv, ctl_daemon_opt, &a, &w);

	if (status != CTL_GO)
		return status;
	if (w.n && parse_number(w.v[0], UINT64_MAX, &rq.switch_id))
		return ctl_refuse(argv[0], "'%s' is not a switch id (the number switch --confirm answered)",
				  w.v[0]);
	return ctl_daemon_ask(&a, &rq);
}

int cmd_hello(int argc, char **argv)
{
	return request(EF_CTL_HELLO, &request_syntax, argc, argv);
}

int cmd_status(int argc, char **argv)
{
	return request(EF_CTL_STATUS, &request_syntax, argc, argv);
}

int cmd_list(int argc, char **argv)
{
	return request(EF_CTL_LIST, &request_syntax, argc, argv);
}

int cmd_reconcile(int argc, char **argv)
{
	return request(EF_CTL_RECONCILE, &request_syntax, argc, argv);
}

int cmd_counters(int argc, char **argv)
{
	return request(EF_CTL_COUNTERS, &request_syntax, argc, argv);
}

int cmd_reload(int argc, char **argv)
{
	return request(EF_CTL_RELOAD, &request_syntax, argc, argv);
}

int cmd_exceptions(int argc, char **argv)
{
	return request(EF_CTL_EXCEPTIONS, &request_syntax, argc, argv);
}

int cmd_confirm(int argc, char **argv)
{
	return request(EF_CTL_CONFIRM, &switch_id_syntax, argc, argv);
}

int cmd_rollback(int argc, char **argv)
{
	return request(EF_CTL_ROLLBACK, &switch_id_syntax, argc, argv);
}

static const struct ctl_syntax switch_syntax = {
	{ "NAME [--dry-run] [--confirm SECONDS] " CTL_DAEMON_USAGE },
	(const struct option[]){ O_DRY_RUN, O_CONFIRM, O_SOCKET, O_TIMEOUT,
				 O_JSON, O_HELP, O_END },
	1, 1
};

struct switch_args {
	struct ctl_daemon_args daemon;
	struct ef_ctl_request rq;
};

static int switch_opt(void *ctx, const char *cmd, int opt, const char *arg)
{
	struct switch_args *a = ctx;
	uint64_t secs;

	if (opt == OPT_DRY_RUN) {
		a->rq.dry_run = true;
	} else if (opt == OPT_CONFIRM) {
		if (parse_number(arg, EF_CTL_CONFIRM_MAX, &secs))
			return ctl_refuse(cmd, "--confirm needs seconds (1 to %d), not '%s'",
					  EF_CTL_CONFIRM_MAX, arg);
		a->rq.confirm_secs = (unsigned int)secs;
	} else {
		return ctl_daemon_opt(&a->daemon, cmd, opt, arg);
	}
	return 0;
}

int cmd_switch(int argc, char **argv)
{
	struct switch_args a = {
		.daemon = CTL_DAEMON_ARGS_INIT,
		.rq = { .cmd = EF_CTL_SWITCH },
	};
	struct ctl_words w;
	int status = ctl_parse(&switch_syntax, argc, argv, switch_opt, &a, &w);

	if (status != CTL_GO)
		return status;
	/* What edgefwd takes: a policy name, not a file. */
	if (strlen(w.v[0]) > EF_CTL_NAME_MAX || !ef_state_name_valid(w.v[0]))
		return ctl_refuse(argv[0], "'%s' is not a policy name ([a-z][a-z0-9_-]*, at most %d bytes)",
				  w.v[0], EF_CTL_NAME_MAX);
	strcpy(a.rq.name, w.v[0]);
	return ctl_daemon_ask(&a.daemon, &a.rq);
}

static const struct ctl_syntax metrics_syntax = {
	{ "[--socket PATH] [--timeout SECONDS]" },
	(const struct option[]){ O_SOCKET, O_TIMEOUT, O_HELP, O_END },
	0, 0
};

int cmd_metrics(int argc, char **argv)
{
	struct ctl_daemon_args a = CTL_DAEMON_ARGS_INIT;
	int status = ctl_parse(&metrics_syntax, argc, argv, ctl_daemon_opt, &a,
			       NULL);

	return status == CTL_GO ? metrics(&a) : status;
}
