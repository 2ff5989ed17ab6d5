// SPDX-License-Identifier: GPL-2.0
/*
 * One arena as the kernel lists it (ARENA_CMD_GET replies and events):
 * its attributes into struct arena_listing, and the names of its enums.
 */
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>

#include "arenactl.h"

static int stat_attr(const struct nlattr *attr, void *data)
{
	struct arena_listing *r = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > ARENA_S_MAX || type == ARENA_S_PAD)
		return MNL_CB_OK;
	r->stats[type] = type == ARENA_S_FRAGMENTATION || type == ARENA_S_SPAN_FRAGMENTATION ?
			 mnl_attr_get_u32(attr) : mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int arena_attr(const struct nlattr *attr, void *data)
{
	struct arena_listing *r = data;

	switch (mnl_attr_get_type(attr)) {
	case ARENA_A_ID:		r->id = mnl_attr_get_u32(attr); break;
	case ARENA_A_NAME:
		snprintf(r->name, sizeof(r->name), "%s", mnl_attr_get_str(attr));
		break;
	case ARENA_A_KIND:		r->kind = mnl_attr_get_u32(attr); break;
	case ARENA_A_OWNER_UID:		r->owner_uid = mnl_attr_get_u32(attr); break;
	case ARENA_A_OWNER_PID:		r->owner_pid = mnl_attr_get_u32(attr); break;
	case ARENA_A_MODE:		r->mode = mnl_attr_get_u32(attr); break;
	case ARENA_A_FLAGS:		r->flags = mnl_attr_get_u32(attr); break;
	case ARENA_A_NODE:		r->node = (int32_t)mnl_attr_get_u32(attr); break;
	case ARENA_A_CHUNK_ORDER:	r->chunk_order = mnl_attr_get_u32(attr); break;
	case ARENA_A_NR_CHUNKS:		r->nr_chunks = mnl_attr_get_u64(attr); break;
	case ARENA_A_SIZE:		r->size = mnl_attr_get_u64(attr); break;
	case ARENA_A_MIN_BLOCK:		r->min_block = mnl_attr_get_u64(attr); break;
	case ARENA_A_MAX_BLOCK:		r->max_block = mnl_attr_get_u64(attr); break;
	case ARENA_A_SLOT_SIZE:		r->slot_size = mnl_attr_get_u64(attr); break;
	case ARENA_A_SLOT_COUNT:	r->slot_count = mnl_attr_get_u64(attr); break;
	case ARENA_A_ALIGN:		r->align = mnl_attr_get_u64(attr); break;
	case ARENA_A_DEV_UID:		r->dev_uid = mnl_attr_get_u32(attr); break;
	case ARENA_A_DEV_GID:		r->dev_gid = mnl_attr_get_u32(attr); break;
	case ARENA_A_DEV_MODE:		r->dev_mode = mnl_attr_get_u32(attr); break;
	case ARENA_A_HOLDERS:		r->holders = mnl_attr_get_u32(attr); break;
	case ARENA_A_EVENT:		r->event = mnl_attr_get_u32(attr); break;
	case ARENA_A_ONE_DOMAIN:	r->one_domain = mnl_attr_get_u8(attr); break;
	case ARENA_A_DMA_HEAP:		r->dma_heap = mnl_attr_get_u8(attr); break;
	case ARENA_A_STATS:		mnl_attr_parse_nested(attr, stat_attr, r); break;
	}
	return MNL_CB_OK;
}

void arena_parse(const struct nlmsghdr *nlh, struct arena_listing *r)
{
	memset(r, 0, sizeof(*r));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), arena_attr, r);
}

const char *kind_name(uint32_t kind)
{
	return kind == ARENA_KIND_DEFAULT ? "default" : kind == ARENA_KIND_PRIVATE ? "private" :
	       kind == ARENA_KIND_NAMED ? "named" : "?";
}

const char *event_name(uint32_t event)
{
	static const char *names[] = { "?", "made", "removed", "full", "low" };

	return event < sizeof(names) / sizeof(names[0]) ? names[event] : "?";
}

/* ARENA_CREATE_* by bit, as arenactl prints and takes them. */
const char *const flag_names[] = {
	"skip-zeroing", "prefault", "smaller-chunks", "nearest", "fileless",
};
const size_t nr_flag_names = sizeof(flag_names) / sizeof(flag_names[0]);
