// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control sockets (struct control): binding them, who may connect
 * (peer credentials), reading requests and writing replies, one request
 * a client per turn of the loop, idle clients dropped. What a request
 * does is requests.c's.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
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
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (d->ctl.clients[i].fd >= 0)
			close(d->ctl.clients[i].fd);
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
 * Replies go out whole: a client that does not read its replies is given
 * a second per wait, then dropped (its socket is nonblocking).
 */
static int send_text(int fd, char *text)
{
	size_t off = 0, len = text ? strlen(text) : 0;
	int err = 0;

	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
		struct pollfd pfd = { fd, POLLOUT, 0 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && poll(&pfd, 1, 1000) == 1)
			continue;
		if (n <= 0) {
			err = -EPIPE;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	return err;
}

static void close_client(struct daemon *d, struct client *c)
{
	epoll_ctl(d->loop.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static size_t count_read_only(const struct control *ctl)
{
	size_t n = 0;

	for (size_t i = 0; i < MAX_CLIENTS; i++)
		n += ctl->clients[i].fd >= 0 && ctl->clients[i].read_only;
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
	(void)send_text(fd, ef_ctl_error_text(why));
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
	 * confirm, say): half of it is the control socket's alone. */
	if (read_only && count_read_only(ctl) >= MAX_CLIENTS / 2)
		c = NULL;
	if (!c || loop_add(d, fd, TAG_CLIENT + (uint64_t)(c - ctl->clients))) {
		(void)send_text(fd, ef_ctl_error_text("busy: too many clients"));
		close(fd);
		return;
	}
	memset(&c->in, 0, sizeof(c->in));
	c->fd = fd;
	c->read_only = read_only;
	c->last = time(NULL);
}

/* Answers the client's next whole request, if it has one. */
static void serve_one(struct daemon *d, struct client *c)
{
	char line[EF_CTL_REQUEST_MAX];
	int r;

	if (c->fd < 0 || !(r = ef_ctl_reader_line(&c->in, line)))
		return;
	if (send_text(c->fd, r < 0 ? ef_ctl_error_text("invalid request") :
				     request_handle(d, line, c->read_only)) < 0)
		close_client(d, c);
	else
		c->last = time(NULL);	/* busy, not idle */
}

/*
 * Reads what the client sent. Requests are answered one a client per
 * turn of the loop (control_serve_round): a client that pipelines many (a
 * thousand diffs in one write) must not keep the others, the timers and
 * the nftables events waiting until all of its are done. What it sent
 * beyond a whole request is read only once those before are answered, so
 * that its end of file cannot come before them.
 */
void control_on_client(struct daemon *d, struct client *c)
{
	size_t room = ef_ctl_reader_room(&c->in);
	char buf[4096];
	ssize_t n;

	if (c->fd < 0 || ef_ctl_reader_has_line(&c->in))
		return;
	n = recv(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf), 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			close_client(d, c);
		return;
	}
	c->last = time(NULL);
	if (ef_ctl_reader_feed(&c->in, buf, (size_t)n) < 0) {
		(void)send_text(c->fd, ef_ctl_error_text("request too long"));
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
		if (d->ctl.clients[i].fd >= 0 &&
		    ef_ctl_reader_has_line(&d->ctl.clients[i].in))
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
