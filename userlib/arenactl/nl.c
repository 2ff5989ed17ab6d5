// SPDX-License-Identifier: GPL-2.0
/*
 * arenactl's transport: one generic netlink socket to the "arena" family
 * (libmnl), requests (built as genl.h builds them for the selftests too),
 * their replies and acks, and the kernel's extended-ack reason for a
 * failure, which every error message carries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "arenactl.h"
#include "genl.h"

void nl_die(struct nl *nl, const char *what)
{
	if (nl->ext_msg[0])
		fprintf(stderr, "arenactl: %s: %s: %s\n", what, strerror(errno), nl->ext_msg);
	else
		fprintf(stderr, "arenactl: %s: %s\n", what, strerror(errno));
	exit(EXIT_FAILURE);
}

static int ext_ack_attr(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* One request's replies: the caller's callback, and where errors go. */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	const struct talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

/* NLMSG_ERROR: an ack, or an error with its extended-ack message. */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct talk *t = data;
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_get_payload_len(nlh) > off)
			mnl_attr_parse_payload((const char *)err + off,
					       mnl_nlmsg_get_payload_len(nlh) - off,
					       ext_ack_attr, t->nl);
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

/*
 * libmnl fails a whole receive with EINTR at a message marked
 * NLM_F_DUMP_INTR, dropping the rest of it (the end of the dump too).  Take
 * the mark off here and remember it: the caller decides to dump again.
 */
static void take_dump_intr(struct nl *nl, void *buf, int len)
{
	struct nlmsghdr *nlh;

	for (nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			nl->interrupted = true;
		}
	}
}

/* Run the replies to the last request through @cb until the end. */
int nl_talk(struct nl *nl, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = on_error, [NLMSG_DONE] = on_done };
	struct talk t = { nl, cb, data };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	nl->ext_msg[0] = 0;
	nl->interrupted = false;
	do {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret <= 0)
			return -1;
		take_dump_intr(nl, buf, ret);
		ret = mnl_cb_run2(buf, ret, nl->seq, nl->portid, on_data, &t, ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret;
}

/* A request, acknowledged, with the socket's next sequence number. */
struct nlmsghdr *nl_request(struct nl *nl, char *buf, uint16_t type, uint8_t cmd,
			    uint16_t flags)
{
	return arena_genl_request(buf, type, cmd, NLM_F_ACK | flags, ++nl->seq);
}

int nl_send(struct nl *nl, struct nlmsghdr *nlh)
{
	return mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

void nl_open(struct nl *nl)
{
	struct arena_genl_family family = { 0 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->seq = time(NULL);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		nl_die(nl, "netlink socket");
	nl->portid = mnl_socket_get_portid(nl->sock);
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = nl_request(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ARENA_GENL_NAME);
	if (nl_send(nl, nlh) || nl_talk(nl, arena_genl_family_reply, &family) < 0 || !family.id) {
		if (errno == ENOENT) {
			fprintf(stderr, "arenactl: the arena netlink family is not there: "
				"load arena.ko (modprobe arena)\n");
			exit(EXIT_FAILURE);
		}
		nl_die(nl, "looking up the arena netlink family");
	}
	nl->family = family.id;
	nl->events_group = family.events_group;
}
