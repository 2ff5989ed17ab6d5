/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buddy allocator: power-of-two blocks from min_block up to max_block (the
 * chunk size), split on allocate and coalesced on release, and spans of
 * whole chunks for grants larger than a chunk.  See buddy.c.
 */
#ifndef ARENA_BUDDY_H
#define ARENA_BUDDY_H

#include "bitmap.h"
#include "chunks.h"
#include "core.h"

#define ARENA_BUDDY_MAX_ORDERS	32
#define ARENA_BUDDY_MAX_LANES	16

/*
 * A lane's cache of released blocks, left uncoalesced: up to
 * ARENA_BUDDY_CACHE_DEPTH blocks of each of the ARENA_BUDDY_CACHE_ORDERS
 * smallest orders (never a chunk's top block); see buddy.c.
 */
#define ARENA_BUDDY_CACHE_ORDERS	4
#define ARENA_BUDDY_CACHE_DEPTH		8

/*
 * ARENA_BUDDY_NEAREST: round min_block, max_block and total up to what the
 * allocator needs instead of rejecting them, and report each grant's
 * capacity as the size asked for rather than the block size.  Without it
 * (the "exact" form) every size must already be valid.
 */
#define ARENA_BUDDY_NEAREST	0x1

struct arena_buddy_geometry {
	u64 total;		/* bytes; a power of two below max_block, else a multiple */
	u64 min_block;		/* a power of two */
	u64 max_block;		/* a power of two: the chunk size */
	u32 flags;		/* ARENA_BUDDY_* */
	/* out, filled by arena_buddy_geometry(): */
	u32 max_order;		/* blocks of min_block << max_order are the largest */
	u64 nr_chunks;		/* total / max_block, after max_block is capped to total */
};

/* A lane: whole chunks with their own lock and free lists; see buddy.c. */
struct arena_buddy_lane {
	spinlock_t lock;		/* protects the whole lane */
	unsigned long nonempty;		/* bit k: free_count[k] != 0 */
	unsigned long published;	/* @nonempty, cached orders, pool chunks; lock-free */
	u32 free_count[ARENA_BUDDY_MAX_ORDERS];
	unsigned long *words;		/* free and split bitmaps, per the shapes */
	/* Released blocks kept uncoalesced for the next grant of their order. */
	unsigned long cache_mask;	/* bit k: cached[k] != 0 */
	u8 cached[ARENA_BUDDY_CACHE_ORDERS];
	u32 cache[ARENA_BUDDY_CACHE_ORDERS][ARENA_BUDDY_CACHE_DEPTH];	/* block indices */
} ____cacheline_aligned;

struct arena_buddy {
	unsigned int min_shift;		/* log2(min_block) */
	unsigned int max_order;
	unsigned int nr_chunks;
	unsigned int nr_lanes;
	unsigned int lane_chunks;	/* chunks per lane */
	unsigned int cache_orders;	/* orders below this one are cached */
	bool cap_capacity;
	/* Shapes of one lane's bitmaps, the same for every lane. */
	struct arena_hbitmap free[ARENA_BUDDY_MAX_ORDERS];	/* bit i: block i free */
	u32 split[ARENA_BUDDY_MAX_ORDERS];	/* first word of the split bitmap */
	size_t lane_words;
	struct arena_buddy_lane *lanes;
	unsigned long *words;
	struct arena_core_pcpu __percpu *pcpu;
	/* Last: the block paths touch it only to take or give back a chunk. */
	struct arena_chunk_pool pool;	/* whole free chunks, and spans */
};

int arena_buddy_geometry(struct arena_buddy_geometry *g);
int arena_buddy_init(struct arena_buddy *b, const struct arena_buddy_geometry *g);
void arena_buddy_destroy(struct arena_buddy *b);
int arena_buddy_alloc(struct arena_buddy *b, u64 size, struct arena_block *blk);
int arena_buddy_alloc_batch(struct arena_buddy *b, u64 size, unsigned int n,
			    struct arena_block *blks);
int arena_buddy_alloc_span(struct arena_buddy *b, u64 size, struct arena_block *blk);
int arena_buddy_free(struct arena_buddy *b, u64 offset, u64 size);
int arena_buddy_free_batch(struct arena_buddy *b, const struct arena_block *blks,
			   unsigned int n, u64 size);
u64 arena_buddy_largest_free(const struct arena_buddy *b);
u64 arena_buddy_largest_grant(struct arena_buddy *b);
u64 arena_buddy_free_blocks(const struct arena_buddy *b, unsigned int order);
bool arena_buddy_drain(struct arena_buddy *b);
void arena_buddy_stats(struct arena_buddy *b, struct arena_core_stats *st);
size_t arena_buddy_metadata_bytes(const struct arena_buddy *b);

#endif /* ARENA_BUDDY_H */
