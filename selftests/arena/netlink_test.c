// SPDX-License-Identifier: GPL-2.0
/*
 * The "arena" generic netlink family's refusals, each with the errno
 * Documentation/abi.rst gives it: NEW without a name or a mode, with a
 * uid or gid that does not exist here, a name too long, the 257th named
 * arena; GET and DEL without an id or a name; DEL while only a dma-buf
 * holds a grant; and the events group's rate limit (a FULL event once a
 * second at most, LOW once per crossing).  Needs root (NEW and DEL need
 * CAP_SYS_ADMIN).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena_nl.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

#define ARENA_NAMED_MAX	256	/* abi.rst: at most 256 named arenas at once */

enum { NO_NAME = 1, NO_MODE = 2 };

struct new_request {
	const char *name;
	int leave_out;		/* NO_NAME, NO_MODE */
	int64_t uid, gid;	/* < 0: not sent */
};

static void new_fill(struct nlmsghdr *nlh, uint8_t cmd, const void *arg)
{
	const struct new_request *r = arg;

	(void)cmd;
	if (!(r->leave_out & NO_NAME))
		mnl_attr_put_strz(nlh, ARENA_A_NAME, r->name);
	if (!(r->leave_out & NO_MODE))
		mnl_attr_put_u32(nlh, ARENA_A_MODE, ARENA_MODE_BUDDY);
	mnl_attr_put_u64(nlh, ARENA_A_SIZE, 4096);
	if (r->uid >= 0)
		mnl_attr_put_u32(nlh, ARENA_A_DEV_UID, r->uid);
	if (r->gid >= 0)
		mnl_attr_put_u32(nlh, ARENA_A_DEV_GID, r->gid);
}

/* NEW of a 4 KiB buddy arena @name (or with what @leave_out says missing). */
static int nl_new(const char *name, int leave_out, int64_t uid, int64_t gid)
{
	struct new_request r = { .name = name, .leave_out = leave_out, .uid = uid, .gid = gid };

	return nl_request(ARENA_CMD_NEW, new_fill, &r);
}

static void name_fill(struct nlmsghdr *nlh, uint8_t cmd, const void *name)
{
	(void)cmd;
	if (name)
		mnl_attr_put_strz(nlh, ARENA_A_NAME, name);
}

/* GET or DEL of @name, or of nothing at all when @name is NULL. */
static int nl_by_name(uint8_t cmd, const char *name)
{
	return nl_request(cmd, name_fill, name);
}

/*
 * Tests longer than a tenth of the harness's default 30 s on the debug lane
 * name their own limit, ten times what they took there (arena_util.h).
 */
FIXTURE(timed) {};
FIXTURE_SETUP(timed) {}
FIXTURE_TEARDOWN(timed) {}

TEST(new_needs_a_name_and_a_mode)
{
	EXPECT_EQ(-EINVAL, nl_new("nl-a", NO_NAME, -1, -1));
	EXPECT_EQ(-EINVAL, nl_new("nl-a", NO_MODE, -1, -1));
	EXPECT_EQ(-ENOENT, nl_by_name(ARENA_CMD_GET, "nl-a"));	/* nothing was made */
}

TEST(new_refuses_ids_that_do_not_exist_here)
{
	/* (u32)-1 is no uid or gid in any namespace. */
	EXPECT_EQ(-EINVAL, nl_new("nl-b", 0, 0xffffffffLL, -1));
	EXPECT_EQ(-EINVAL, nl_new("nl-b", 0, -1, 0xffffffffLL));
	EXPECT_EQ(-ENOENT, nl_by_name(ARENA_CMD_GET, "nl-b"));
}

TEST(new_refuses_a_name_too_long)
{
	char name[ARENA_NAME_MAX + 1];

	memset(name, 'a', ARENA_NAME_MAX);
	name[ARENA_NAME_MAX] = 0;		/* 32 bytes: one too many */
	EXPECT_EQ(-EINVAL, nl_new(name, 0, -1, -1));
	name[ARENA_NAME_MAX - 1] = 0;		/* 31: the longest */
	ASSERT_EQ(0, nl_new(name, 0, -1, -1));
	EXPECT_EQ(0, nl_by_name(ARENA_CMD_DEL, name));
}

TEST(get_and_del_need_an_id_or_a_name)
{
	EXPECT_EQ(-EINVAL, nl_by_name(ARENA_CMD_GET, NULL));
	EXPECT_EQ(-EINVAL, nl_by_name(ARENA_CMD_DEL, NULL));
	EXPECT_EQ(-ENOENT, nl_by_name(ARENA_CMD_DEL, "nl-none"));
}

/* 256 named arenas at once, and not one more; all removable after. */
/* 14.3 s on the debug lane */
TEST_F_TIMEOUT(timed, the_257th_named_arena_is_refused, 180)
{
	char name[ARENA_NAME_MAX];
	int i, made = 0, ret;

	for (i = 0; i < ARENA_NAMED_MAX; i++) {
		snprintf(name, sizeof(name), "nl-%d", i);
		ret = nl_new(name, 0, -1, -1);
		if (ret)
			break;
		made++;
	}
	EXPECT_EQ(ARENA_NAMED_MAX, made) TH_LOG("stopped at %d: %s", made, strerror(-ret));
	EXPECT_EQ(-ENOSPC, nl_new("nl-one-more", 0, -1, -1));
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "nl-%d", i);
		EXPECT_EQ(0, nl_by_name(ARENA_CMD_DEL, name));
	}
	/* The numbers came back: another can be made. */
	ASSERT_EQ(0, nl_new("nl-one-more", 0, -1, -1));
	EXPECT_EQ(0, nl_by_name(ARENA_CMD_DEL, "nl-one-more"));
}

/* A dma-buf alone holding a grant keeps a named arena from removal. */
TEST(del_is_refused_while_a_dma_buf_holds_a_grant)
{
	struct arena_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct arena_alloc a;
	int fd, i, ret;

	ASSERT_EQ(0, nl_new("nl-held", 0, -1, -1));
	fd = open("/dev/arenas/nl-held", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	e.handle = a.handle;
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_EXPORT, &e));
	ASSERT_EQ(0, arena_free(fd, a.handle));
	close(fd);			/* only the dma-buf holds anything now */
	EXPECT_EQ(-EBUSY, nl_by_name(ARENA_CMD_DEL, "nl-held"));
	close(e.fd);
	/* The grant goes back (a worker may zero it): then removal works. */
	for (i = 0; i < 600; i++) {
		ret = nl_by_name(ARENA_CMD_DEL, "nl-held");
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, ret);
}

/* --- events ---------------------------------------------------------- */

static int mcast_group_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr *a, *id = NULL;
	bool events = false;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			events = !strcmp(mnl_attr_get_str(a), ARENA_GENL_MCGRP_EVENTS);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = a;
	}
	if (events && id)
		*(uint32_t *)data = mnl_attr_get_u32(id);
	return MNL_CB_OK;
}

static int family_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr *grp;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_for_each_nested(grp, attr)
			mcast_group_attr(grp, data);
	return MNL_CB_OK;
}

static int family_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, data);
}

/* A socket that hears the events group; NULL if it cannot. */
static struct mnl_socket *events_socket(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *s = nl_open();
	struct nlmsghdr *nlh;
	uint32_t group = 0;
	int n;

	if (!s)
		return NULL;
	nlh = genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ARENA_GENL_NAME);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	do {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n <= 0)
			break;
		n = mnl_cb_run(buf, n, 0, 0, family_msg, &group);
	} while (n > 0);
	if (!group || mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)))
		goto fail;
	return s;
fail:
	mnl_socket_close(s);
	return NULL;
}

struct event_count {
	uint32_t kind, event;
	int full, low;
};

static int event_attr(const struct nlattr *attr, void *data)
{
	struct event_count *c = data;

	if (mnl_attr_get_type(attr) == ARENA_A_EVENT)
		c->event = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int event_msg(const struct nlmsghdr *nlh, void *data)
{
	struct event_count *c = data;

	c->event = 0;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), event_attr, c);
	c->full += c->event == ARENA_EVENT_FULL;
	c->low += c->event == ARENA_EVENT_LOW;
	return MNL_CB_OK;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * An arena kept full, asked 40 times: one FULL event a second at most
 * (whatever the pace of the asking), one LOW event for the one crossing.
 */
TEST(full_and_low_events_are_rate_limited)
{
	struct mnl_socket *ev = events_socket();
	struct event_count count = { 0 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct arena_alloc a, b;
	double start, took;
	int fd, i, n;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, nl_new("nl-full", 0, -1, -1));	/* one 4 KiB block */
	fd = open("/dev/arenas/nl-full", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	start = now_s();
	for (i = 0; i < 40; i++)
		EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &b));
	took = now_s() - start;
	/* Multicast is asynchronous but in order: a later ack means all came. */
	EXPECT_EQ(0, nl_by_name(ARENA_CMD_GET, "nl-full"));
	while ((n = recv(mnl_socket_get_fd(ev), buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		mnl_cb_run(buf, n, 0, 0, event_msg, &count);
	TH_LOG("40 refusals in %.2f s: %d FULL and %d LOW events", took, count.full, count.low);
	EXPECT_LE(1, count.full);
	EXPECT_GE((int)took + 1, count.full);
	EXPECT_EQ(1, count.low);
	close(fd);
	mnl_socket_close(ev);
	for (i = 0; i < 600 && nl_by_name(ARENA_CMD_DEL, "nl-full") == -EBUSY; i++)
		usleep(100000);
	EXPECT_EQ(-ENOENT, nl_by_name(ARENA_CMD_GET, "nl-full"));
}

TEST_HARNESS_MAIN
