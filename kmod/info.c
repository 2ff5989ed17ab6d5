// SPDX-License-Identifier: GPL-2.0
/*
 * What an arena reports of itself, the one description that ARENA_IOC_INFO
 * copies out and netlink (ctl/netlink.c) puts into attributes.
 */

#include <linux/math64.h>

#include "file.h"
#include "kcompat.h"

/*
 * How far, in per mille, the largest free block falls short of the largest
 * block the free bytes could make (no block is larger than max_block): 0
 * for an empty arena, near 1000 when the free bytes are all crumbs.
 */
u32 arena_fragmentation(const struct arena_info *info)
{
	u64 free = info->size - min(info->bytes_reserved, info->size);
	u64 best = min(free, info->max_block);

	if (info->mode == ARENA_MODE_FIXED || !best)
		return 0;
	return 1000 - div64_u64(min(info->largest_free_block, best) * 1000, best);
}

/*
 * How far, in per mille, the largest grant that could be made now falls
 * short of the free bytes: 0 when they are one run, near 1000 when no big
 * grant fits although much is free.
 */
u32 arena_span_fragmentation(const struct arena_info *info)
{
	u64 free = info->size - min(info->bytes_reserved, info->size);

	if (info->mode == ARENA_MODE_FIXED || !free)
		return 0;
	return 1000 - div64_u64(min(info->largest_free_grant, free) * 1000, free);
}

/**
 * arena_fill_info() - what ARENA_IOC_INFO and netlink report of @arena
 * @arena: the arena, held by the caller
 * @info: receives its features, geometry and statistics
 */
void arena_fill_info(struct arena *arena, struct arena_info *info)
{
	struct arena_core_stats st;

	arena->ops->stats(arena->core, &st);
	*info = (struct arena_info){
		.features = ARENA_FEATURE_FIXED | ARENA_FEATURE_BUDDY |
			    ARENA_FEATURE_BATCH | ARENA_FEATURE_WAIT |
			    ARENA_FEATURE_POLL | ARENA_FEATURE_WHOLE_MAP |
			    (ARENA_PMD_MAPPABLE ? ARENA_FEATURE_PMD_MAP : 0) |
			    ARENA_FEATURE_IMPLICIT_MAP |
			    ARENA_FEATURE_DMABUF | ARENA_FEATURE_SYNC |
			    ARENA_FEATURE_NETLINK | ARENA_FEATURE_ISOLATION |
			    ARENA_FEATURE_SHARE_LIMIT | ARENA_FEATURE_BIG_GRANTS |
			    ARENA_FEATURE_CONTIG | ARENA_FEATURE_ALLOC_EXPORT |
			    ARENA_DMA_HEAP_FEATURE,
		.id = arena->id,
		.kind = arena->kind,
		.mode = arena->mode,
		.flags = arena->flags,
		.node = arena->node,
		.chunk_order = arena->chunk_order,
		.size = arena->size,
		.chunk_size = 1ULL << arena->chunk_shift,
		.nr_chunks = arena->nr_chunks,
		.slot_size = arena->slot_size,
		.slot_count = arena->slot_count,
		.align = arena->align,
		.min_block = arena->min_block,
		.max_block = arena->max_block,
		.whole_offset = arena_cookie(arena, ARENA_WHOLE_N),
		.metadata_bytes = arena->ops->metadata_bytes(arena->core),
		.allocations_ok = st.allocations_ok,
		.allocations_failed = st.allocations_failed,
		.frees = st.frees,
		.bytes_reserved = st.bytes_reserved,
		.bytes_live = st.bytes_live,
		.splits = st.splits,
		.coalesces = st.coalesces,
		.largest_free_block = st.largest_free_block,
		.bytes_mapped = arena_bytes_mapped(arena),
		.pmd_faults = atomic64_read(&arena->stats.pmd_faults),
		.pte_faults = atomic64_read(&arena->stats.pte_faults),
		.live_grants = atomic64_read(&arena->stats.live_grants),
		.exported_grants = atomic64_read(&arena->stats.exported_grants),
		.max_grant = arena_max_grant(arena),
		.largest_free_grant = st.largest_free_grant,
		/* A chunk is the largest contiguous unit: see abi.rst. */
		.largest_free_contig = st.largest_free_block,
		.contig_offset = arena_cookie(arena, ARENA_CONTIG_N),
	};
}
