// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control sockets (struct control): binding them, who may connect
 * (peer credentials), reading requests and writing replies, one request
 * a client per turn of the loop, idle clients dropped. What a request
 * does is requests.c's.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

/* A socket at PATH, mode 0660, group GID: the file system lets only root
 * and that group connect; the daemon checks each peer as well. */
static int open_listener(struct daemon *d, const char *path, gid_t gid,
			 uint64_t tag, int *ret_fd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *step = "bind";
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("cannot bind %s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		log_err("cannot make a socket for %s: %s", path, strerror(-err));
		return err;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	step = "chmod";
	if (chmod(path, 0660) < 0)
		goto fail;
	step = "chown";
	if (gid != (gid_t)-1 && chown(path, 0, gid) < 0)
		goto fail;
	step = "listen on";
	if (listen(fd, 16) < 0)
		goto fail;
	err = loop_add(d, fd, tag);
	if (err) {
		errno = -err;
		step = "watch";
		goto fail;
	}
	*ret_fd = fd;
	return 0;
fail:
	err = -errno;
	log_err("cannot %s %s: %s", step, path, strerror(-err));
	close(fd);
	return err;
}

int control_open(struct daemon *d)
{
	const struct settings *set = &d->set;
	struct control *ctl = &d->ctl;
	struct stat cs, rs;
	int err = open_listener(d, set->socket_path, ctl->ctl_gid, TAG_LISTEN,
				&ctl->listenfd);

	if (err || !set->read_socket_path)
		return err;
	/* However it is spelled, the read-only socket must not replace the
	 * control socket (binding it unlinks what is there). */
	if (!stat(set->socket_path, &cs) && !stat(set->read_socket_path, &rs) &&
	    cs.st_dev == rs.st_dev && cs.st_ino == rs.st_ino) {
		log_err("--read-socket %s is the control socket",
			set->read_socket_path);
		return -EINVAL;
	}
	return open_listener(d, set->read_socket_path, ctl->read_gid,
			     TAG_READ_LISTEN, &ctl->readfd);
}

void control_close(struct daemon *d)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++) {
		if (d->ctl.clients[i].fd >= 0)
			close(d->ctl.clients[i].fd);
		free(d->ctl.clients[i].out);
	}
}

/* Did the peer hold `gid` among its supplementary groups when it
 * connected (SupplementaryGroups= of a unit, newgrp)? */
static bool peer_has_group(int fd, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE || !(groups = malloc(len)) ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			len = 0;
	}
	for (size_t i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

/* Did the peer hold `gid` when it connected (primary or supplementary)? */
static bool peer_holds(int fd, const struct ucred *c, gid_t gid)
{
	return gid != (gid_t)-1 && (c->gid == gid || peer_has_group(fd, gid));
}

/* Does the user database put the peer's user in `gid`? (NSS: it may be
 * slow, so asked last.) */
static bool user_in_group(const struct ucred *c, gid_t gid)
{
	struct passwd pw, *p = NULL;
	char buf[4096];
	gid_t groups[256];
	int n = 256;

	if (gid == (gid_t)-1 ||
	    getpwuid_r(c->uid, &pw, buf, sizeof(buf), &p) || !p ||
	    getgrouplist(p->pw_name, p->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* Root, our own user, the control group; on the read-only socket also
 * the read group. The kernel's word first, the user database last. */
static bool peer_allowed(const struct control *ctl, int fd,
			 const struct ucred *c, bool read_only)
{
	gid_t read_gid = read_only ? ctl->read_gid : (gid_t)-1;

	return c->uid == 0 || c->uid == geteuid() ||
	       peer_holds(fd, c, ctl->ctl_gid) || peer_holds(fd, c, read_gid) ||
	       user_in_group(c, ctl->ctl_gid) || user_in_group(c, read_gid);
}

/*
 * Replies are queued per client and written as the socket takes them,
 * never waiting: a client that does not read cannot stall the loop (the
 * timers, the events, the other clients). While more than OUT_PAUSE bytes
 * wait, its next request waits too; a client whose replies pile up past
 * OUT_MAX is dropped.
 */
#define OUT_PAUSE (64u << 10)
#define OUT_MAX (4u << 20)
/* Read-only connections one user may hold: monitoring needs a few, and
 * one user must not take every read-only slot. */
#define READ_ONLY_PER_UID 16
#define CLIENT_SNDBUF (32 << 10)

static size_t pending(const struct client *c)
{
	return c->out_len - c->out_off;
}

/* One reply to a socket just accepted (its buffer is empty); no wait. */
static void send_now(int fd, char *text)
{
	if (text)
		(void)send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(text);
}

static void close_client(struct daemon *d, struct client *c)
{
	epoll_ctl(d->loop.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Waits for the socket to take more only while replies wait. */
static void want_out(struct daemon *d, struct client *c, bool want)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (want ? EPOLLOUT : 0),
		.data.u64 = TAG_CLIENT + (uint64_t)(c - d->ctl.clients),
	};

	if (c->want_out == want)
		return;
	if (!epoll_ctl(d->loop.epfd, EPOLL_CTL_MOD, c->fd, &ev))
		c->want_out = want;
}

/* Writes what the socket takes now. -EPIPE: the client is gone. */
static int flush(struct daemon *d, struct client *c)
{
	while (pending(c)) {
		ssize_t n = send(c->fd, c->out + c->out_off, pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -EPIPE;
		c->out_off += (size_t)n;
	}
	if (!pending(c))
		c->out_off = c->out_len = 0;
	want_out(d, c, pending(c));
	return 0;
}

/* Queues the reply text (taken over) and writes what it can. */
static int queue_reply(struct daemon *d, struct client *c, char *text)
{
	size_t len = text ? strlen(text) : 0;

	if (!text)
		return -ENOMEM;
	if (pending(c) + len > OUT_MAX) {
		log_warn("client uid %u does not read its replies (%zu bytes waiting): dropped",
			 (unsigned int)c->uid, pending(c));
		free(text);
		return -ENOBUFS;
	}
	if (c->out_off && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_off, pending(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (ef_grow((void **)&c->out, &c->out_cap, c->out_len + len, 1)) {
		free(text);
		return -ENOMEM;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
	free(text);
	return flush(d, c);
}

static size_t count_read_only(const struct control *ctl, uid_t uid)
{
	size_t n = 0;

	for (size_t i = 0; i < MAX_CLIENTS; i++)
		n += ctl->clients[i].fd >= 0 && ctl->clients[i].read_only &&
		     (uid == (uid_t)-1 || ctl->clients[i].uid == uid);
	return n;
}

/* Says why, and closes: the peer may not use this socket. */
static void refuse_peer(const struct daemon *d, int fd, const struct ucred *cred,
			bool read_only)
{
	bool two = read_only && d->set.read_group;
	char groups[96], why[160];

	snprintf(groups, sizeof(groups), "%s%s%s",
		 d->set.group ? d->set.group : "root", two ? " or " : "",
		 two ? d->set.read_group : "");
	log_warn("%s connection refused: uid %u pid %d is not root nor in group %s",
		 read_only ? "read-only" : "control", cred->uid, cred->pid,
		 groups);
	snprintf(why, sizeof(why), "permission denied: root or group %s only",
		 groups);
	send_now(fd, ef_ctl_error_text(why));
	close(fd);
}

void control_on_accept(struct daemon *d, bool read_only)
{
	struct control *ctl = &d->ctl;
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len = sizeof(cred);
	int fd = accept4(read_only ? ctl->readfd : ctl->listenfd, NULL, NULL,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    !peer_allowed(ctl, fd, &cred, read_only)) {
		refuse_peer(d, fd, &cred, read_only);
		return;
	}
	for (size_t i = 0; i < MAX_CLIENTS && !c; i++)
		if (ctl->clients[i].fd < 0)
			c = &ctl->clients[i];
	/* Lookers must not fill the table and lock operators out (of a
	 * confirm, say): half of it is the control socket's alone, and one
	 * user gets a share of that half. */
	if (read_only && (count_read_only(ctl, (uid_t)-1) >= MAX_CLIENTS / 2 ||
			  count_read_only(ctl, cred.uid) >= READ_ONLY_PER_UID))
		c = NULL;
	if (!c || loop_add(d, fd, TAG_CLIENT + (uint64_t)(c - ctl->clients))) {
		send_now(fd, ef_ctl_error_text("busy: too many clients"));
		close(fd);
		return;
	}
	/* Replies are small: a client that stops reading stops being
	 * answered after a few, not after the kernel's default buffer. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ CLIENT_SNDBUF },
		   sizeof(int));
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->read_only = read_only;
	c->uid = cred.uid;
	c->last = time(NULL);
}

/* May its next request be answered now? Not while its replies pile up. */
static bool servable(const struct client *c)
{
	return c->fd >= 0 && pending(c) <= OUT_PAUSE &&
	       ef_ctl_reader_has_line(&c->in);
}

/* Answers the client's next whole request, if it has one. */
static void serve_one(struct daemon *d, struct client *c)
{
	char line[EF_CTL_REQUEST_MAX];
	int r;

	if (!servable(c) || !(r = ef_ctl_reader_line(&c->in, line)))
		return;
	/* Idle counts from the last whole request: trickling bytes is not
	 * being busy. */
	c->last = time(NULL);
	if (queue_reply(d, c, r < 0 ? ef_ctl_error_text("invalid request") :
				      request_handle(d, line, c->read_only)) < 0)
		close_client(d, c);
}

/*
 * Reads what the client sent. Requests are answered one a client per
 * turn of the loop (control_serve_round): a client that pipelines many (a
 * thousand diffs in one write) must not keep the others, the timers and
 * the nftables events waiting until all of its are done. What it sent
 * beyond a whole request is read only once those before are answered, so
 * that its end of file cannot come before them.
 */
void control_on_client(struct daemon *d, struct client *c, uint32_t events)
{
	size_t room = ef_ctl_reader_room(&c->in);
	char buf[4096];
	ssize_t n;

	if (c->fd >= 0 && (events & EPOLLOUT) && flush(d, c) < 0) {
		close_client(d, c);
		return;
	}
	if (c->fd < 0 || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ||
	    ef_ctl_reader_has_line(&c->in))
		return;
	n = recv(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf), 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			close_client(d, c);
		return;
	}
	if (ef_ctl_reader_feed(&c->in, buf, (size_t)n) < 0) {
		send_now(c->fd, ef_ctl_error_text("request too long"));
		close_client(d, c);
	}
}

void control_serve_round(struct daemon *d)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		serve_one(d, &d->ctl.clients[i]);
}

bool control_requests_waiting(const struct daemon *d)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (servable(&d->ctl.clients[i]))
			return true;
	return false;
}

void control_drop_idle(struct daemon *d)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (d->ctl.clients[i].fd >= 0 &&
		    now - d->ctl.clients[i].last >= (time_t)d->set.client_timeout)
			close_client(d, &d->ctl.clients[i]);
}
