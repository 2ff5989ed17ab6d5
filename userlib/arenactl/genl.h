/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "arena" generic netlink family's requests, as arenactl and the
 * selftests that speak the family directly both build them (libmnl).
 * Header-only, so that a kselftest build needs this one file.
 */
#ifndef ARENA_GENL_H
#define ARENA_GENL_H

#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <linux/arena.h>

/* A request of @cmd to family @type, with @flags and @seq, at @buf's start. */
static inline struct nlmsghdr *arena_genl_request(char *buf, uint16_t type, uint8_t cmd,
						  uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = type == GENL_ID_CTRL ? 1 : ARENA_GENL_VERSION;
	return nlh;
}

/* What the controller says of the family: its id and its events group. */
struct arena_genl_family {
	uint16_t id;
	uint32_t events_group;
};

static inline int arena_genl_mcast_group(const struct nlattr *attr, struct arena_genl_family *f)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = a;
	}
	if (name && id && !strcmp(mnl_attr_get_str(name), ARENA_GENL_MCGRP_EVENTS))
		f->events_group = mnl_attr_get_u32(id);
	return MNL_CB_OK;
}

/* An attribute of CTRL_CMD_GETFAMILY's reply, into struct arena_genl_family. */
static inline int arena_genl_family_attr(const struct nlattr *attr, void *data)
{
	struct arena_genl_family *f = data;
	const struct nlattr *grp;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
		f->id = mnl_attr_get_u16(attr);
	else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_for_each_nested(grp, attr)
			arena_genl_mcast_group(grp, f);
	return MNL_CB_OK;
}

/* CTRL_CMD_GETFAMILY's reply, as an mnl callback. */
static inline int arena_genl_family_reply(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), arena_genl_family_attr, data);
	return MNL_CB_OK;
}

#endif /* ARENA_GENL_H */
