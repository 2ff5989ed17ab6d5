/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmnl helpers of the selftests that speak the "arena" generic netlink
 * family directly (arenactl_test, faults_test, hostile_test, stress_test),
 * and the named arenas they make.
 */
#ifndef ARENA_NL_H
#define ARENA_NL_H

#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <linux/arena.h>

#include "genl.h"	/* userlib/arenactl/genl.h: arenactl's requests too */

/* A request of @cmd to family @type, built at the start of @buf. */
static inline struct nlmsghdr *genl_msg(char *buf, uint16_t type, uint8_t cmd, uint16_t flags)
{
	return arena_genl_request(buf, type, cmd, flags, 1);
}

/* The family's id, asked of the controller on @s; 0 if unknown. */
static inline uint16_t genl_arena_family(struct mnl_socket *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	struct arena_genl_family family = { 0 };
	int n;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ARENA_GENL_NAME);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return 0;
	do {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n <= 0)
			break;
		n = mnl_cb_run(buf, n, 0, 0, arena_genl_family_reply, &family);
	} while (n > 0);
	return family.id;
}

/* A generic netlink socket, bound, whose receives give up after 10 s. */
static inline struct mnl_socket *nl_open(void)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_GENERIC);

	/* A reply lost without an error would otherwise hang the test. */
	struct timeval timeout = { .tv_sec = 10 };

	if (s && (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) ||
		  setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO,
			     &timeout, sizeof(timeout)))) {
		mnl_socket_close(s);
		s = NULL;
	}
	return s;
}

static inline int count_msg(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(int *)data;
	return MNL_CB_OK;
}

/* Send @nlh, read replies to the ack or the dump's end; 0 or -errno. */
static inline int nl_talk(struct mnl_socket *s, struct nlmsghdr *nlh, int *messages)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int n, ret, count = 0;

	if (messages)
		*messages = 0;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, 0, 0, count_msg, &count);
	} while (ret == MNL_CB_OK);
	if (messages)
		*messages = count;
	return ret < 0 ? -errno : 0;
}

/* The "arena" family's id, on a socket of its own; 0 if unknown. */
static inline uint16_t genl_arena_family_id(void)
{
	struct mnl_socket *s = nl_open();
	uint16_t family = s ? genl_arena_family(s) : 0;

	if (s)
		mnl_socket_close(s);
	return family;
}

/* A named arena as a test asks for it; 0 leaves the module's default. */
struct named {
	const char *name;
	uint32_t mode;			/* ARENA_MODE_* */
	uint64_t size, min_block;	/* buddy */
	uint64_t slot_size, slot_count, align;	/* fixed */
	uint32_t flags;
	uint32_t dev_mode;		/* 0: 0666 */
	uint32_t dev_uid, dev_gid;
	uint8_t one_domain;
	uint8_t dma_heap;		/* served as /dev/dma_heap/arena-<name> */
};

/*
 * One acknowledged request @cmd, on a socket of its own, its attributes put
 * by @fill(@nlh, @cmd, @arg); 0 or -errno.
 */
static inline int nl_request(uint8_t cmd, void (*fill)(struct nlmsghdr *, uint8_t, const void *),
			     const void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *s = nl_open();
	struct nlmsghdr *nlh;
	int ret;

	if (!s)
		return -errno;
	nlh = genl_msg(buf, genl_arena_family_id(), cmd, NLM_F_ACK);
	fill(nlh, cmd, arg);
	ret = nl_talk(s, nlh, NULL);
	mnl_socket_close(s);
	return ret;
}

static inline void named_fill(struct nlmsghdr *nlh, uint8_t cmd, const void *arg)
{
	const struct named *n = arg;

	mnl_attr_put_strz(nlh, ARENA_A_NAME, n->name);
	if (cmd == ARENA_CMD_NEW) {
		mnl_attr_put_u32(nlh, ARENA_A_MODE, n->mode ?: ARENA_MODE_BUDDY);
		if (n->size)
			mnl_attr_put_u64(nlh, ARENA_A_SIZE, n->size);
		if (n->min_block)
			mnl_attr_put_u64(nlh, ARENA_A_MIN_BLOCK, n->min_block);
		if (n->slot_size) {
			mnl_attr_put_u64(nlh, ARENA_A_SLOT_SIZE, n->slot_size);
			mnl_attr_put_u64(nlh, ARENA_A_SLOT_COUNT, n->slot_count);
			mnl_attr_put_u64(nlh, ARENA_A_ALIGN, n->align);
		}
		if (n->flags)
			mnl_attr_put_u32(nlh, ARENA_A_FLAGS, n->flags);
		mnl_attr_put_u32(nlh, ARENA_A_DEV_MODE, n->dev_mode ?: 0666);
		mnl_attr_put_u32(nlh, ARENA_A_DEV_UID, n->dev_uid);
		mnl_attr_put_u32(nlh, ARENA_A_DEV_GID, n->dev_gid);
		if (n->one_domain)
			mnl_attr_put_u8(nlh, ARENA_A_ONE_DOMAIN, 1);
		if (n->dma_heap)
			mnl_attr_put_u8(nlh, ARENA_A_DMA_HEAP, 1);
	}
}

/* NEW (with @n's attributes) or DEL of the named arena @n->name; 0 or -errno. */
static inline int named_request(uint8_t cmd, const struct named *n)
{
	return nl_request(cmd, named_fill, n);
}

static inline int named_new(const struct named *n)
{
	return named_request(ARENA_CMD_NEW, n);
}

/* DEL, waiting out EBUSY for up to a minute. */
static inline int named_del(const char *name)
{
	struct named n = { .name = name };
	int ret, i;

	/* Zeroing and the last unmaps of exited children may lag a little. */
	for (i = 0; i < 600; i++) {
		ret = named_request(ARENA_CMD_DEL, &n);
		if (ret != -EBUSY)
			return ret;
		usleep(100000);
	}
	return ret;
}

#endif /* ARENA_NL_H */
