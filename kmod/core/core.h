/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The allocator core: which slot or block of an arena a grant gets.
 *
 * Two allocators share this interface: fixed slots (slots.c, lock-free) and
 * buddy blocks (buddy.c, one spinlock).  Both hand out *offsets* into the
 * arena's address space, in which chunk c occupies [c * chunk_size,
 * (c + 1) * chunk_size); no slot or block ever crosses a chunk, so each is
 * physically contiguous.  A grant larger than a chunk (buddy arenas only)
 * is a span of consecutive whole chunks, one range of offsets, physically
 * contiguous only where its chunks happen to be.  The core never touches
 * the memory itself.
 *
 * Errors are distinct so that callers can act on them:
 *   -EINVAL     invalid geometry, zero-size request, or freeing something
 *               that is not a live grant of that size
 *   -EOVERFLOW  the geometry's sizes overflow or are too large to index
 *   -EFBIG      request larger than the largest slot or block: it can never
 *               succeed, so it must not be waited for
 *   -ENOSPC     no space right now; a free may make room
 *   -ENOMEM     no memory for the allocator's own metadata
 */
#ifndef ARENA_CORE_H
#define ARENA_CORE_H

#include "core_compat.h"

/* A granted slot or block. */
struct arena_block {
	u64 offset;		/* in the arena's address space */
	u64 size;		/* the slot or block size reserved */
	u64 capacity;		/* bytes the holder may use (<= size) */
};

/* Counters, summed over CPUs when read. */
struct arena_core_stats {
	u64 allocations_ok;
	u64 allocations_failed;
	u64 frees;
	u64 bytes_reserved;	/* slot or block sizes of live grants */
	u64 bytes_live;		/* requested sizes of live grants */
	u64 splits;		/* buddy only */
	u64 coalesces;		/* buddy only */
	u64 largest_free_block;	/* buddy: largest free block; fixed: slot size if any free */
	u64 largest_free_grant;	/* buddy: the larger of that and the longest free span */
};

/*
 * Per-CPU event counters: updated with this_cpu_add() (one unlocked
 * instruction on x86), so that counting costs the hot paths no shared
 * cache line.  Byte counts are signed because a grant may be freed on
 * another CPU than the one that made it; only the sum means anything.
 */
struct arena_core_pcpu {
	u64 allocations_ok;
	u64 allocations_failed;
	u64 frees;
	s64 bytes_reserved;
	s64 bytes_live;
	u64 splits;
	u64 coalesces;
	unsigned int hint;	/* slots: the bitmap word this CPU claims from */
};

void arena_core_stats_sum(struct arena_core_pcpu __percpu *pcpu,
			  struct arena_core_stats *st);

/*
 * An allocator as its arena calls it, chosen once when the arena is made
 * (as genalloc keeps one algorithm pointer per pool): @core is the
 * allocator's own state, struct arena_slots or struct arena_buddy.  A
 * caller picks the entry point once per call; each entry point takes a
 * whole batch, so that no claim costs an indirect call of its own.
 *
 * @alloc_batch: up to @n grants of @size, each within one chunk; returns
 *	how many, or an error as listed above
 * @alloc_span: one grant of @size larger than a chunk, made of whole
 *	consecutive chunks: 0, or an error as listed above (fixed arenas:
 *	always -EFBIG)
 * @free: give back what @alloc_batch or @alloc_span made for @size bytes
 * @has_space: whether the smallest request could succeed now
 * @stats: the counters, summed
 * @metadata_bytes: what the allocator's own state takes
 * @destroy: free that state (not @core itself)
 */
struct arena_core_ops {
	int (*alloc_batch)(void *core, u64 size, unsigned int n, struct arena_block *blks);
	int (*alloc_span)(void *core, u64 size, struct arena_block *blk);
	int (*free)(void *core, u64 offset, u64 size);
	bool (*has_space)(void *core);
	void (*stats)(void *core, struct arena_core_stats *st);
	size_t (*metadata_bytes)(const void *core);
	void (*destroy)(void *core);
};

extern const struct arena_core_ops arena_slots_ops;
extern const struct arena_core_ops arena_buddy_ops;

#endif /* ARENA_CORE_H */
