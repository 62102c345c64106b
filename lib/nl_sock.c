// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netfilter netlink socket: opening it, batches, acks with the
 * object a refusal names, dumps, the generation id. Knows no model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libnftnl/common.h>

#include "nl_sock.h"
#include "util.h"

#define ACK_TIMEOUT_MS 10000

int ef_nl_open(struct ef_nl **ret)
{
	struct ef_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, err;

	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = -errno;
		free(nl);
		return err;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl->sock);
		free(nl);
		return err;
	}
	/* Error acks without a copy of the (large) request; with the
	 * kernel's reason when it gives one. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*ret = nl;
	return 0;
}

void ef_nl_close(struct ef_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Room after the messages so far; new room is zeroed, since netlink
 * attribute padding is sent as it lies in the buffer. */
static int reserve(struct ef_batch *b, size_t room)
{
	size_t old = b->cap;

	if (b->err)
		return b->err;
	if (ef_grow((void **)&b->buf, &b->cap, b->len + room, 1))
		b->err = -ENOMEM;
	else if (b->cap > old)
		memset(b->buf + old, 0, b->cap - old);
	return b->err;
}

void ef_batch_init(struct ef_batch *b, struct ef_nl *nl,
		   const uint32_t *genid)
{
	struct nlmsghdr *nlh;

	memset(b, 0, sizeof(*b));
	if (reserve(b, EF_MSG_ROOM))
		return;
	b->seq_begin = nl->seq++;
	nlh = nftnl_batch_begin(b->buf, b->seq_begin);
	if (genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*genid));
	b->len = NLMSG_ALIGN(nlh->nlmsg_len);
}

struct nlmsghdr *ef_batch_msg(struct ef_batch *b, struct ef_nl *nl,
			      uint16_t type, uint16_t flags, const char *fmt,
			      ...)
{
	struct ef_strbuf sb = { 0 };
	va_list ap;

	if (reserve(b, EF_MSG_ROOM) ||
	    ef_grow((void **)&b->what, &b->what_cap, b->nmsgs + 1,
		 sizeof(*b->what))) {
		b->err = -ENOMEM;
		return NULL;
	}
	va_start(ap, fmt);
	ef_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	b->what[b->nmsgs] = ef_sb_steal(&sb);
	b->nmsgs++;
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET,
				     flags | NLM_F_ACK, nl->seq++);
}

void ef_batch_msg_done(struct ef_batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

void ef_batch_free(struct ef_batch *b)
{
	for (size_t i = 0; i < b->nmsgs; i++)
		free(b->what[i]);
	free(b->what);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* The kernel's own words on an error, when it sent them (NETLINK_EXT_ACK). */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* With NETLINK_CAP_ACK only the header of the request is echoed. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(attr, nlh, off)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	return NULL;
}

static int recv_acks(struct ef_batch *b, struct ef_nl *nl, char **ret_why)
{
	size_t bufsize = MNL_SOCKET_BUFFER_SIZE * 4;
	char *buf = malloc(bufsize);
	uint32_t acked = 0;
	int first = 0;

	if (!buf)
		return -ENOMEM;
	while (acked < b->nmsgs) {
		struct pollfd pfd = { mnl_socket_get_fd(nl->sock), POLLIN, 0 };
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		if (poll(&pfd, 1, ACK_TIMEOUT_MS) == 0) {
			first = first ?: -ETIMEDOUT;
			break;
		}
		n = mnl_socket_recvfrom(nl->sock, buf, bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			first = first ?: -errno;
			break;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			uint32_t idx = nlh->nlmsg_seq - b->seq_begin - 1;

			/* Only acks of this batch count: a late one of an
			 * earlier batch must not. */
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq < b->seq_begin ||
			    nlh->nlmsg_seq > b->seq_begin + b->nmsgs)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_seq == b->seq_begin) {
				/* The batch as a whole was refused. */
				first = first ?: (e->error ? e->error : -EPROTO);
				acked = b->nmsgs;
				break;
			}
			acked++;
			if (!e->error || first)
				continue;
			first = e->error;
			if (ret_why && idx < b->nmsgs) {
				const char *why = ext_ack_msg(nlh);


				if (asprintf(ret_why, "%s%s%s", b->what[idx],
					     why ? ": " : "", why ? why : "") < 0)
					*ret_why = NULL;
			}
		}
	}
	free(buf);
	return first;
}

int ef_batch_send(struct ef_batch *b, struct ef_nl *nl, char **ret_why)
{
	int size;
	ssize_t n;

	if (reserve(b, NLMSG_HDRLEN + 64))
		return b->err;
	nftnl_batch_end(b->buf + b->len, nl->seq++);
	b->len += NLMSG_ALIGN(((struct nlmsghdr *)(b->buf + b->len))->nlmsg_len);
	/* The whole batch is one netlink message to the kernel: the send
	 * buffer must hold it. FORCE needs CAP_NET_ADMIN, which writing
	 * rules needs anyway. */
	size = b->len > INT32_MAX / 2 ? INT32_MAX : (int)b->len * 2;
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET,
		       SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET,
			   SO_SNDBUF, &size, sizeof(size));
	size = (int)(b->nmsgs * 256 + MNL_SOCKET_BUFFER_SIZE * 16);
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET,
		       SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET,
			   SO_RCVBUF, &size, sizeof(size));
	n = mnl_socket_sendto(nl->sock, b->buf, b->len);
	if (n < 0)
		return -errno;
	return recv_acks(b, nl, ret_why);
}

static int skip_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

/* After a failure, read the rest of the answer, so that the next request
 * does not meet it. */
static void drain_dump(struct ef_nl *nl, char *buf, size_t size, uint32_t seq)
{
	for (int i = 0; i < 100000; i++) {
		struct pollfd pfd = { mnl_socket_get_fd(nl->sock), POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 0) <= 0)
			return;
		n = mnl_socket_recvfrom(nl->sock, buf, size);
		if (n <= 0 || mnl_cb_run(buf, (size_t)n, seq, nl->portid,
					 skip_cb, NULL) <= MNL_CB_STOP)
			return;
	}
}

static int run_replies(struct ef_nl *nl, uint32_t seq, mnl_cb_t cb,
		       void *data)
{
	size_t bufsize = 32768;	/* what the kernel fills per dump message */
	char *buf = malloc(bufsize);
	bool intr = false;
	int ret;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, bufsize);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		/* A dump that raced with a change is incomplete: redo it. */
		if (n >= (ssize_t)sizeof(*nlh) && nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			intr = true;
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (ret < 0) {
			ret = errno ? -errno : -EIO;
			drain_dump(nl, buf, bufsize, seq);
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
	free(buf);
	return !ret && intr ? -EINTR : ret;
}

int ef_nl_dump(struct ef_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data)
{
	req->nlmsg_seq = nl->seq++;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	return run_replies(nl, req->nlmsg_seq, cb, data);
}

int ef_nl_get(struct ef_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	      void *data)
{
	req->nlmsg_flags |= NLM_F_ACK;
	return ef_nl_dump(nl, req, cb, data);
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

int ef_nl_genid(struct ef_nl *nl, uint32_t *ret)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, nl->seq);
	return ef_nl_get(nl, nlh, gen_cb, ret);
}

bool ef_kernel_can_persist(const char *release)
{
	unsigned int major = 0, minor = 0;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 9);
}

const char *ef_nl_strerror(int err)
{
	if (err == -ENFILE)
		return "set full: more elements than its size allows";
	return strerror(-err);
}
