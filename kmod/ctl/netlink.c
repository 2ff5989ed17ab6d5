// SPDX-License-Identifier: GPL-2.0
/*
 * The control plane: generic netlink family "arena".
 *
 * GET answers one arena, by id or name, or dumps them all; NEW and DEL make
 * and remove named arenas and need CAP_SYS_ADMIN; the "events" group hears
 * arenas made and removed, allocations that found no space and free space
 * falling below the low watermark (the last two at most once a second per
 * arena).  Every command is strictly validated (resv_start_op is 0) against
 * its own policy, and every refusal carries an extended-ack message.
 *
 * Dumps walk the registry by id; a dump during which arenas came or went
 * is flagged NLM_F_DUMP_INTR (the registry's generation is the sequence).
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <net/genetlink.h>

#include "ctl.h"

static const struct nla_policy arena_get_policy[ARENA_A_MAX + 1] = {
	[ARENA_A_ID]		= { .type = NLA_U32 },
	[ARENA_A_NAME]		= { .type = NLA_NUL_STRING, .len = ARENA_NAME_MAX - 1 },
};

static const struct nla_policy arena_new_policy[ARENA_A_MAX + 1] = {
	[ARENA_A_NAME]		= { .type = NLA_NUL_STRING, .len = ARENA_NAME_MAX - 1 },
	[ARENA_A_MODE]		= NLA_POLICY_RANGE(NLA_U32, ARENA_MODE_FIXED, ARENA_MODE_BUDDY),
	[ARENA_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, ARENA_CREATE_FLAGS),
	[ARENA_A_NODE]		= { .type = NLA_S32 },
	[ARENA_A_CHUNK_ORDER]	= { .type = NLA_U32 },
	[ARENA_A_SIZE]		= { .type = NLA_U64 },
	[ARENA_A_MIN_BLOCK]	= { .type = NLA_U64 },
	[ARENA_A_SLOT_SIZE]	= { .type = NLA_U64 },
	[ARENA_A_SLOT_COUNT]	= { .type = NLA_U64 },
	[ARENA_A_ALIGN]		= { .type = NLA_U64 },
	[ARENA_A_DEV_UID]	= { .type = NLA_U32 },
	[ARENA_A_DEV_GID]	= { .type = NLA_U32 },
	[ARENA_A_DEV_MODE]	= NLA_POLICY_MAX(NLA_U32, 0777),
	[ARENA_A_ONE_DOMAIN]	= NLA_POLICY_MAX(NLA_U8, 1),
	[ARENA_A_DMA_HEAP]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy arena_del_policy[ARENA_A_MAX + 1] = {
	[ARENA_A_ID]		= { .type = NLA_U32 },
	[ARENA_A_NAME]		= { .type = NLA_NUL_STRING, .len = ARENA_NAME_MAX - 1 },
};

static struct genl_family arena_nl_family;

static int put_u64(struct sk_buff *skb, int type, u64 value, int pad)
{
	return nla_put_u64_64bit(skb, type, value, pad);
}

static int arena_nl_fill_stats(struct sk_buff *skb, const struct arena_info *info)
{
	struct nlattr *nest = nla_nest_start(skb, ARENA_A_STATS);

	if (!nest ||
	    put_u64(skb, ARENA_S_ALLOCATIONS_OK, info->allocations_ok, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_ALLOCATIONS_FAILED, info->allocations_failed, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_FREES, info->frees, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_BYTES_RESERVED, info->bytes_reserved, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_BYTES_LIVE, info->bytes_live, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_SPLITS, info->splits, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_COALESCES, info->coalesces, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_LARGEST_FREE_BLOCK, info->largest_free_block, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_BYTES_MAPPED, info->bytes_mapped, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_PMD_FAULTS, info->pmd_faults, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_PTE_FAULTS, info->pte_faults, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_LIVE_GRANTS, info->live_grants, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_EXPORTED_GRANTS, info->exported_grants, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_METADATA_BYTES, info->metadata_bytes, ARENA_S_PAD) ||
	    nla_put_u32(skb, ARENA_S_FRAGMENTATION, arena_fragmentation(info)) ||
	    put_u64(skb, ARENA_S_LARGEST_FREE_GRANT, info->largest_free_grant, ARENA_S_PAD) ||
	    put_u64(skb, ARENA_S_LARGEST_FREE_CONTIG, info->largest_free_contig, ARENA_S_PAD) ||
	    nla_put_u32(skb, ARENA_S_SPAN_FRAGMENTATION, arena_span_fragmentation(info)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Who it is: id, kind, name and node of a named arena, its maker. */
static int arena_nl_fill_ident(struct sk_buff *skb, struct arena *arena)
{
	bool named = arena->kind == ARENA_KIND_NAMED;

	if (nla_put_u32(skb, ARENA_A_ID, arena->id) ||
	    nla_put_u32(skb, ARENA_A_KIND, arena->kind) ||
	    (named && nla_put_string(skb, ARENA_A_NAME, arena->name)) ||
	    (named && nla_put_u32(skb, ARENA_A_DEV_UID,
				  from_kuid_munged(&init_user_ns, arena->perm.uid))) ||
	    (named && nla_put_u32(skb, ARENA_A_DEV_GID,
				  from_kgid_munged(&init_user_ns, arena->perm.gid))) ||
	    (named && nla_put_u32(skb, ARENA_A_DEV_MODE, arena->perm.mode)) ||
	    (named && nla_put_u8(skb, ARENA_A_DMA_HEAP, arena->dma_heap)) ||
	    nla_put_u32(skb, ARENA_A_OWNER_UID, from_kuid_munged(&init_user_ns, arena->owner)) ||
	    nla_put_u32(skb, ARENA_A_OWNER_PID, arena->owner_pid))
		return -EMSGSIZE;
	return 0;
}

/* How it is made: mode, flags, node, chunks and the mode's geometry. */
static int arena_nl_fill_geometry(struct sk_buff *skb, const struct arena_info *info)
{
	if (nla_put_u32(skb, ARENA_A_MODE, info->mode) ||
	    nla_put_u32(skb, ARENA_A_FLAGS, info->flags) ||
	    nla_put_s32(skb, ARENA_A_NODE, info->node) ||
	    nla_put_u32(skb, ARENA_A_CHUNK_ORDER, info->chunk_order) ||
	    put_u64(skb, ARENA_A_NR_CHUNKS, info->nr_chunks, ARENA_A_PAD) ||
	    put_u64(skb, ARENA_A_SIZE, info->size, ARENA_A_PAD))
		return -EMSGSIZE;
	if (info->mode == ARENA_MODE_BUDDY &&
	    (put_u64(skb, ARENA_A_MIN_BLOCK, info->min_block, ARENA_A_PAD) ||
	     put_u64(skb, ARENA_A_MAX_BLOCK, info->max_block, ARENA_A_PAD)))
		return -EMSGSIZE;
	if (info->mode == ARENA_MODE_FIXED &&
	    (put_u64(skb, ARENA_A_SLOT_SIZE, info->slot_size, ARENA_A_PAD) ||
	     put_u64(skb, ARENA_A_SLOT_COUNT, info->slot_count, ARENA_A_PAD) ||
	     put_u64(skb, ARENA_A_ALIGN, info->align, ARENA_A_PAD)))
		return -EMSGSIZE;
	return 0;
}

/* One arena's attributes; the caller holds it. */
static int arena_nl_fill(struct sk_buff *skb, struct arena *arena)
{
	struct arena_info info;

	arena_fill_info(arena, &info);
	if (arena_nl_fill_ident(skb, arena) || arena_nl_fill_geometry(skb, &info) ||
	    nla_put_u32(skb, ARENA_A_HOLDERS, atomic_read(&arena->holders)) ||
	    nla_put_u8(skb, ARENA_A_ONE_DOMAIN, arena->one_domain))
		return -EMSGSIZE;
	return arena_nl_fill_stats(skb, &info);
}

/* One arena as a reply to @info's request. */
static int arena_nl_reply(struct arena *arena, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &arena_nl_family, 0, info->genlhdr->cmd);
	if (!hdr || arena_nl_fill(msg, arena)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static struct arena *arena_nl_target(struct genl_info *info)
{
	if (info->attrs[ARENA_A_NAME])
		return arena_named_find(nla_data(info->attrs[ARENA_A_NAME]));
	return arena_find(nla_get_u32(info->attrs[ARENA_A_ID]));
}

/**
 * arena_nl_get() - ARENA_CMD_GET of one arena, by ARENA_A_ID or ARENA_A_NAME
 * @skb: the request
 * @info: its attributes
 *
 * Return: 0 with the arena sent, -EINVAL without an id or name, -ENOENT,
 * or -EMSGSIZE/-ENOMEM if the reply cannot be built.
 */
static int arena_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct arena *arena;
	int ret;

	if (!info->attrs[ARENA_A_ID] && !info->attrs[ARENA_A_NAME]) {
		NL_SET_ERR_MSG(info->extack, "give an arena's id or name, or dump them all");
		return -EINVAL;
	}
	arena = arena_nl_target(info);
	if (!arena) {
		NL_SET_ERR_MSG(info->extack, "no arena of that id or name");
		return -ENOENT;
	}
	ret = arena_nl_reply(arena, info);
	arena_put(arena);
	return ret;
}

/**
 * arena_nl_dump() - ARENA_CMD_GET of every arena, in id order
 * @skb: the reply being filled
 * @cb: the dump's state: the next id to send
 *
 * A dump spans several calls; arenas made or removed in between mark the
 * messages NLM_F_DUMP_INTR (the registry's generation changed).
 *
 * Return: the reply's length, 0 when done, or a negative errno.
 */
static int arena_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[0];
	struct arena *arena;
	void *hdr;
	int ret = 0;

	cb->seq = arena_generation();
	while ((arena = arena_next(&id))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &arena_nl_family, NLM_F_MULTI, ARENA_CMD_GET);
		if (!hdr) {
			arena_put(arena);
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		ret = arena_nl_fill(skb, arena);
		arena_put(arena);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	cb->args[0] = id;
	/* A full message ends this round; the next one resumes at @id. */
	return ret == -EMSGSIZE || !ret ? skb->len : ret;
}

static bool arena_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	NL_SET_ERR_MSG(info->extack, "named arenas are made and removed with CAP_SYS_ADMIN");
	return false;
}

static u64 get_u64(struct genl_info *info, int type)
{
	return info->attrs[type] ? nla_get_u64(info->attrs[type]) : 0;
}

/**
 * arena_nl_new() - ARENA_CMD_NEW: make a named arena (CAP_SYS_ADMIN)
 * @skb: the request
 * @info: its attributes: name, mode and geometry, node owner and mode,
 *	whether its holders are one trust domain, whether it is a dma-buf heap
 *
 * The new arena is sent back; if that fails it is removed again, so that
 * a caller told of a failure never finds it made.
 *
 * Return: 0, -EPERM, -EINVAL, -EEXIST, -ENOSPC, -EOPNOTSUPP for a heap
 * this kernel or module set cannot serve, or an error of arena_create()
 * or of adding the heap; every refusal carries an extended-ack message.
 */
static int arena_nl_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct arena_create c = { .node = ARENA_NODE_LOCAL };
	struct arena_named_opts o = {
		.uid = GLOBAL_ROOT_UID, .gid = GLOBAL_ROOT_GID, .mode = 0600,
	};
	struct arena *arena;
	int err;

	if (!arena_nl_admin(skb, info))
		return -EPERM;
	if (!a[ARENA_A_NAME]) {
		NL_SET_ERR_MSG(info->extack, "a named arena needs a name");
		return -EINVAL;
	}
	if (!a[ARENA_A_MODE]) {
		NL_SET_ERR_MSG(info->extack, "give a mode: fixed or buddy");
		return -EINVAL;
	}
	c.mode = nla_get_u32(a[ARENA_A_MODE]);
	c.flags = a[ARENA_A_FLAGS] ? nla_get_u32(a[ARENA_A_FLAGS]) : 0;
	if (a[ARENA_A_NODE])
		c.node = nla_get_s32(a[ARENA_A_NODE]);
	c.chunk_order = a[ARENA_A_CHUNK_ORDER] ? nla_get_u32(a[ARENA_A_CHUNK_ORDER]) : 0;
	c.size = get_u64(info, ARENA_A_SIZE);
	c.min_block = get_u64(info, ARENA_A_MIN_BLOCK);
	c.slot_size = get_u64(info, ARENA_A_SLOT_SIZE);
	c.slot_count = get_u64(info, ARENA_A_SLOT_COUNT);
	c.align = get_u64(info, ARENA_A_ALIGN);
	if (a[ARENA_A_DEV_UID]) {
		o.uid = make_kuid(current_user_ns(), nla_get_u32(a[ARENA_A_DEV_UID]));
		if (!uid_valid(o.uid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[ARENA_A_DEV_UID], "no such uid here");
			return -EINVAL;
		}
	}
	if (a[ARENA_A_DEV_GID]) {
		o.gid = make_kgid(current_user_ns(), nla_get_u32(a[ARENA_A_DEV_GID]));
		if (!gid_valid(o.gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[ARENA_A_DEV_GID], "no such gid here");
			return -EINVAL;
		}
	}
	if (a[ARENA_A_DEV_MODE])
		o.mode = nla_get_u32(a[ARENA_A_DEV_MODE]);
	o.one_domain = a[ARENA_A_ONE_DOMAIN] && nla_get_u8(a[ARENA_A_ONE_DOMAIN]);
	o.dma_heap = a[ARENA_A_DMA_HEAP] && nla_get_u8(a[ARENA_A_DMA_HEAP]);
	if (o.dma_heap) {
		err = arena_heap_ready(info->extack);
		if (err)
			return err;
	}

	arena = arena_named_create(&c, nla_data(a[ARENA_A_NAME]), &o, info->extack);
	if (IS_ERR(arena))
		return PTR_ERR(arena);
	/* A heap, once added, stays: so it comes after the arena, which may fail. */
	err = o.dma_heap ? arena_heap_expose(arena->name, info->extack) : 0;
	if (!err)
		err = arena_nl_reply(arena, info);
	/* A caller told of a failure must not find the arena made anyway. */
	if (err)
		arena_named_delete(NULL, arena->id, NULL);
	arena_put(arena);
	return err;
}

/**
 * arena_nl_del() - ARENA_CMD_DEL: remove a named arena (CAP_SYS_ADMIN)
 * @skb: the request
 * @info: its attributes: ARENA_A_NAME or ARENA_A_ID
 *
 * Return: 0, -EPERM, -EINVAL, -ENOENT, -EBUSY while in use, or -ENOMEM.
 */
static int arena_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	if (!arena_nl_admin(skb, info))
		return -EPERM;
	if (!info->attrs[ARENA_A_ID] && !info->attrs[ARENA_A_NAME]) {
		NL_SET_ERR_MSG(info->extack, "give the named arena's name or id");
		return -EINVAL;
	}
	return arena_named_delete(info->attrs[ARENA_A_NAME] ?
				  nla_data(info->attrs[ARENA_A_NAME]) : NULL,
				  info->attrs[ARENA_A_ID] ?
				  nla_get_u32(info->attrs[ARENA_A_ID]) : 0, info->extack);
}

static const struct genl_ops arena_nl_ops[] = {
	{
		.cmd		= ARENA_CMD_GET,
		.doit		= arena_nl_get,
		.dumpit		= arena_nl_dump,
		.policy		= arena_get_policy,
		.maxattr	= ARENA_A_MAX,
	},
	{
		.cmd		= ARENA_CMD_NEW,
		.doit		= arena_nl_new,
		.policy		= arena_new_policy,
		.maxattr	= ARENA_A_MAX,
	},
	{
		.cmd		= ARENA_CMD_DEL,
		.doit		= arena_nl_del,
		.policy		= arena_del_policy,
		.maxattr	= ARENA_A_MAX,
	},
};

static const struct genl_multicast_group arena_nl_mcgrps[] = {
	{ .name = ARENA_GENL_MCGRP_EVENTS },
};

static struct genl_family arena_nl_family __ro_after_init = {
	.name		= ARENA_GENL_NAME,
	.version	= ARENA_GENL_VERSION,
	.maxattr	= ARENA_A_MAX,
	.module		= THIS_MODULE,
	.ops		= arena_nl_ops,
	.n_ops		= ARRAY_SIZE(arena_nl_ops),
	.mcgrps		= arena_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(arena_nl_mcgrps),
};

/**
 * arena_nl_event() - tell the events group about @arena
 * @arena: the arena
 * @event: an enum arena_event_kind
 *
 * Called by the events notifier (events.c), only while the family is
 * registered.  A no-op without listeners; best effort otherwise
 * (multicast may drop).
 */
void arena_nl_event(struct arena *arena, u32 event)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&arena_nl_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &arena_nl_family, 0, ARENA_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, ARENA_A_EVENT, event) || arena_nl_fill(msg, arena)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&arena_nl_family, msg, 0, 0, GFP_KERNEL);
}

int arena_nl_init(void)
{
	return genl_register_family(&arena_nl_family);
}

void arena_nl_exit(void)
{
	genl_unregister_family(&arena_nl_family);
}
