// SPDX-License-Identifier: GPL-2.0
/*
 * Buddy allocator.
 *
 * The arena's chunks form a forest: block i of order k covers
 * [i << (k + min_shift), (i + 1) << (k + min_shift)), the top order is one
 * block per chunk, and the buddy of block i is block i ^ 1 of the same order,
 * which never lies in another chunk.
 *
 * The chunks are dealt out to lanes, each a run of whole chunks with its own
 * lock and its own free lists, so that CPUs allocating at once do not share
 * a lock or a cache line (one lane per chunk at most; up to
 * ARENA_BUDDY_MAX_LANES, no more than there are CPUs).  Every lane holds
 * whole chunks, so any lane can serve any request up to the chunk size.
 *
 * State of a lane, per order k:
 *  - the free bitmap, hierarchical (bitmap.h), so that finding a free block
 *    costs a word per level, never a scan;
 *  - free_count[k], and bit k of @nonempty when it is non-zero, so that the
 *    smallest order able to serve a request is one __ffs() away;
 *  - the split bitmap (k >= 1): block i is split into two halves.  A block is
 *    allocated exactly when it is neither free nor split and its parent is
 *    split (or it is a top block), which lets free() reject anything that is
 *    not a live grant of that size instead of corrupting the lane.
 *
 * Allocation takes the first free block of the smallest non-empty order
 * that fits, and splits it down, publishing each right half as free.
 * Release claims the buddy while it is free and climbs, then publishes the
 * merged block.  Both cost O(orders) word operations under one lane lock.
 *
 * Concurrency design: a lane's lock protects everything in the lane; it is
 * taken with interrupts disabled, so allocation and release may run in any
 * context that cannot sleep, and no path holds two lane locks.  A CPU starts
 * in lane (cpu % nr_lanes) and moves to the next lanes only when its own
 * cannot serve the request, skipping lanes whose @published shows no block
 * large enough.  @published is the lane's @nonempty copied once, as the lock
 * is released, and read without the lock: a split or a merge clears a bit
 * before it sets the one that replaces it, so @nonempty itself can read as
 * empty mid-operation on a lane with plenty free.  So -ENOSPC means no lane
 * had a large enough block between operations when it was looked at; a
 * release behind that look is not seen, and callers that wait for space try
 * again when woken.  Counters are per-CPU, as in slots.c.
 */

#include "buddy.h"

/* Blocks of @order in one lane. */
static u32 lane_blocks(const struct arena_buddy *b, unsigned int order)
{
	return b->lane_chunks << (b->max_order - order);
}

static int round_or_reject(u64 *v, bool nearest)
{
	if (is_power_of_2(*v))
		return 0;
	if (!nearest)
		return -EINVAL;
	if (*v > (1ULL << 63))
		return -EOVERFLOW;
	*v = roundup_pow_of_two(*v);
	return 0;
}

int arena_buddy_geometry(struct arena_buddy_geometry *g)
{
	bool nearest = g->flags & ARENA_BUDDY_NEAREST;
	u64 chunks;
	int ret;

	if (g->flags & ~ARENA_BUDDY_NEAREST)
		return -EINVAL;
	if (!g->total || !g->min_block || !g->max_block)
		return -EINVAL;
	ret = round_or_reject(&g->min_block, nearest);
	if (!ret)
		ret = round_or_reject(&g->max_block, nearest);
	if (ret)
		return ret;
	if (g->max_block < g->min_block)
		return -EINVAL;
	if (g->total < g->min_block) {
		if (!nearest)
			return -EINVAL;
		g->total = g->min_block;
	}

	if (g->total <= g->max_block) {
		/* Smaller than a chunk: one tree of the total's size. */
		ret = round_or_reject(&g->total, nearest);
		if (ret)
			return ret;
		g->max_block = min(g->max_block, g->total);
	} else if (g->total % g->max_block) {
		if (!nearest)
			return -EINVAL;
		if (check_add_overflow(g->total, g->max_block - 1, &g->total))
			return -EOVERFLOW;
		g->total -= g->total % g->max_block;
	}

	g->max_order = ilog2(g->max_block) - ilog2(g->min_block);
	if (g->max_order >= ARENA_BUDDY_MAX_ORDERS)
		return -EINVAL;
	chunks = g->total / g->max_block;
	if (chunks > (1ULL << 31) >> g->max_order)
		return -EOVERFLOW;	/* more blocks than the bitmaps index */
	g->nr_chunks = chunks;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_geometry);

static void put_free(const struct arena_buddy *b, struct arena_buddy_lane *lane,
		     unsigned int order, unsigned long i)
{
	arena_hbitmap_set(&b->free[order], lane->words, i);
	if (!lane->free_count[order]++)
		lane->nonempty |= BIT(order);
}

static void take_free(const struct arena_buddy *b, struct arena_buddy_lane *lane,
		      unsigned int order, unsigned long i)
{
	arena_hbitmap_clear(&b->free[order], lane->words, i);
	if (!--lane->free_count[order])
		lane->nonempty &= ~BIT(order);
}

/* Publish the lane's state for lock-free readers, then unlock it. */
static void lane_unlock(struct arena_buddy_lane *lane, unsigned long flags)
	__releases(&lane->lock)
{
	WRITE_ONCE(lane->published, lane->nonempty);
	spin_unlock_irqrestore(&lane->lock, flags);
}

static bool is_split(const struct arena_buddy *b, const struct arena_buddy_lane *lane,
		     unsigned int order, unsigned long i)
{
	return test_bit(i, lane->words + b->split[order]);
}

/* The most lanes up to the cap and the CPU count that divide the chunks. */
static unsigned int pick_lanes(unsigned int nr_chunks)
{
	unsigned int n = min_t(unsigned int, ARENA_BUDDY_MAX_LANES, nr_cpu_ids);

	n = min(n, nr_chunks);
	while (nr_chunks % n)
		n--;
	return n;
}

int arena_buddy_init(struct arena_buddy *b, const struct arena_buddy_geometry *g)
{
	unsigned int k, l;
	size_t w = 0;
	u32 i;

	*b = (struct arena_buddy){ 0 };
	b->min_shift = ilog2(g->min_block);
	b->max_order = g->max_order;
	b->nr_chunks = g->nr_chunks;
	b->nr_lanes = pick_lanes(g->nr_chunks);
	b->lane_chunks = g->nr_chunks / b->nr_lanes;
	b->cap_capacity = g->flags & ARENA_BUDDY_NEAREST;

	for (k = 0; k <= b->max_order; k++) {
		w = arena_hbitmap_layout(&b->free[k], lane_blocks(b, k), w);
		if (k) {
			b->split[k] = w;
			w += DIV_ROUND_UP(lane_blocks(b, k), BITS_PER_LONG);
		}
	}
	b->lane_words = w;

	b->lanes = kvcalloc(b->nr_lanes, sizeof(*b->lanes), GFP_KERNEL | __GFP_ACCOUNT);
	b->words = kvcalloc(b->nr_lanes * b->lane_words, sizeof(*b->words),
			    GFP_KERNEL | __GFP_ACCOUNT);
	b->pcpu = alloc_percpu_gfp(struct arena_core_pcpu, GFP_KERNEL | __GFP_ACCOUNT);
	if (!b->lanes || !b->words || !b->pcpu) {
		arena_buddy_destroy(b);
		return -ENOMEM;
	}
	for (l = 0; l < b->nr_lanes; l++) {
		struct arena_buddy_lane *lane = &b->lanes[l];

		spin_lock_init(&lane->lock);
		lane->words = b->words + l * b->lane_words;
		for (i = 0; i < b->lane_chunks; i++)
			put_free(b, lane, b->max_order, i);
		lane->published = lane->nonempty;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_init);

void arena_buddy_destroy(struct arena_buddy *b)
{
	if (b->pcpu)
		free_percpu(b->pcpu);
	kvfree(b->words);
	kvfree(b->lanes);
	b->pcpu = NULL;
	b->words = NULL;
	b->lanes = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_destroy);

/* The order whose blocks hold @size bytes, or -EFBIG if none does. */
static int order_of(const struct arena_buddy *b, u64 size)
{
	unsigned int shift;

	if (size > (1ULL << (b->min_shift + b->max_order)))
		return -EFBIG;
	shift = size <= 1 ? 0 : ilog2(size - 1) + 1;	/* ceil(log2(size)) */
	return shift <= b->min_shift ? 0 : shift - b->min_shift;
}

/* Caller holds the lane lock.  Returns the block index or -ENOSPC. */
static long alloc_locked(const struct arena_buddy *b, struct arena_buddy_lane *lane,
			 unsigned int order, unsigned int *splits)
{
	unsigned long avail = lane->nonempty >> order;
	unsigned int k;
	long i;

	lockdep_assert_held(&lane->lock);
	if (!avail)
		return -ENOSPC;
	k = order + __ffs(avail);
	i = arena_hbitmap_find_first(&b->free[k], lane->words);
	take_free(b, lane, k, i);
	while (k > order) {
		__set_bit(i, lane->words + b->split[k]);
		k--;
		i *= 2;
		put_free(b, lane, k, i + 1);	/* the right half */
		(*splits)++;
	}
	return i;
}

static bool is_allocated(const struct arena_buddy *b, const struct arena_buddy_lane *lane,
			 unsigned int order, unsigned long i)
{
	if (arena_hbitmap_test(&b->free[order], lane->words, i))
		return false;
	if (order && is_split(b, lane, order, i))
		return false;
	return order == b->max_order || is_split(b, lane, order + 1, i / 2);
}

/* Caller holds the lane lock. */
static int free_locked(const struct arena_buddy *b, struct arena_buddy_lane *lane,
		       unsigned int order, unsigned long i, unsigned int *coalesces)
{
	lockdep_assert_held(&lane->lock);
	if (!is_allocated(b, lane, order, i))
		return -EINVAL;
	while (order < b->max_order &&
	       arena_hbitmap_test(&b->free[order], lane->words, i ^ 1)) {
		take_free(b, lane, order, i ^ 1);
		i /= 2;
		order++;
		__clear_bit(i, lane->words + b->split[order]);
		(*coalesces)++;
	}
	put_free(b, lane, order, i);
	return 0;
}

/**
 * arena_buddy_alloc_batch() - allocate up to @n blocks for @size bytes each
 * @b: the allocator
 * @size: bytes each block must hold
 * @n: blocks wanted
 * @blks: receives the blocks granted
 *
 * Return: the number of blocks granted (1 to @n), -EINVAL for a zero @size
 * or @n, -EFBIG if @size exceeds the largest block, -ENOSPC if nothing fits
 * now.
 */
int arena_buddy_alloc_batch(struct arena_buddy *b, u64 size, unsigned int n,
			    struct arena_block *blks)
{
	unsigned int splits = 0, got = 0, first, t;
	unsigned long flags;
	int order;
	u64 bsize, lane_bytes;
	long i;

	if (!size || !n)
		return -EINVAL;
	order = order_of(b, size);
	if (order < 0)
		return order;
	bsize = 1ULL << (order + b->min_shift);
	lane_bytes = (u64)lane_blocks(b, order) * bsize;

	first = raw_smp_processor_id() % b->nr_lanes;
	for (t = 0; t < b->nr_lanes && got < n; t++) {
		unsigned int l = first + t < b->nr_lanes ? first + t : first + t - b->nr_lanes;
		struct arena_buddy_lane *lane = &b->lanes[l];

		if (!(READ_ONCE(lane->published) >> order))
			continue;
		spin_lock_irqsave(&lane->lock, flags);
		for (; got < n; got++) {
			i = alloc_locked(b, lane, order, &splits);
			if (i < 0)
				break;
			blks[got].offset = l * lane_bytes + (u64)i * bsize;
			blks[got].size = bsize;
			blks[got].capacity = b->cap_capacity ? size : bsize;
		}
		lane_unlock(lane, flags);
	}

	if (!got) {
		this_cpu_add(b->pcpu->allocations_failed, 1);
		return -ENOSPC;
	}
	this_cpu_add(b->pcpu->allocations_ok, got);
	this_cpu_add(b->pcpu->bytes_live, (s64)(size * got));
	this_cpu_add(b->pcpu->bytes_reserved, (s64)(bsize * got));
	if (splits)
		this_cpu_add(b->pcpu->splits, splits);
	return got;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_alloc_batch);

int arena_buddy_alloc(struct arena_buddy *b, u64 size, struct arena_block *blk)
{
	int ret = arena_buddy_alloc_batch(b, size, 1, blk);

	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_alloc);

/**
 * arena_buddy_free_batch() - release @n blocks granted for @size bytes each
 * @b: the allocator
 * @blks: the blocks, as granted (only the offsets are read)
 * @n: how many
 * @size: the size they were requested with
 *
 * Blocks that are not live grants of that size are skipped and change
 * nothing.
 *
 * Return: how many were released.
 */
int arena_buddy_free_batch(struct arena_buddy *b, const struct arena_block *blks,
			   unsigned int n, u64 size)
{
	unsigned int coalesces = 0, j = 0, shift, l;
	unsigned long flags;
	int order, freed = 0;
	u64 per_lane;

	if (!size)
		return 0;
	order = order_of(b, size);
	if (order < 0)
		return 0;
	shift = order + b->min_shift;
	per_lane = lane_blocks(b, order);

	/* One lane lock at a time, held over a run of blocks of that lane. */
	while (j < n) {
		u64 g = blks[j].offset >> shift;	/* block index in the arena */

		if (blks[j].offset & ((1ULL << shift) - 1) || g >= per_lane * b->nr_lanes) {
			j++;
			continue;
		}
		l = g / per_lane;
		spin_lock_irqsave(&b->lanes[l].lock, flags);
		do {
			if (!free_locked(b, &b->lanes[l], order, g % per_lane, &coalesces))
				freed++;
			if (++j == n)
				break;
			g = blks[j].offset >> shift;
		} while (!(blks[j].offset & ((1ULL << shift) - 1)) && g / per_lane == l);
		lane_unlock(&b->lanes[l], flags);
	}

	if (!freed)
		return 0;
	this_cpu_add(b->pcpu->frees, freed);
	this_cpu_add(b->pcpu->bytes_live, -(s64)(size * freed));
	this_cpu_add(b->pcpu->bytes_reserved, -(s64)((1ULL << shift) * freed));
	if (coalesces)
		this_cpu_add(b->pcpu->coalesces, coalesces);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_free_batch);

/**
 * arena_buddy_free() - release the block at @offset, granted for @size bytes
 * @b: the allocator
 * @offset: the block's offset, as granted
 * @size: the size it was requested with
 *
 * Return: 0, or -EINVAL if no live block of that size starts at @offset.
 */
int arena_buddy_free(struct arena_buddy *b, u64 offset, u64 size)
{
	struct arena_block blk = { .offset = offset };

	return arena_buddy_free_batch(b, &blk, 1, size) == 1 ? 0 : -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_free);

/* The largest free block in bytes, read without the locks: O(lanes). */
u64 arena_buddy_largest_free(const struct arena_buddy *b)
{
	unsigned long nonempty = 0;
	unsigned int l;

	for (l = 0; l < b->nr_lanes; l++)
		nonempty |= READ_ONCE(b->lanes[l].published);
	return nonempty ? 1ULL << (__fls(nonempty) + b->min_shift) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_largest_free);

/*
 * Free blocks of @order over all lanes, each read under its lane's lock
 * (for tests: the counts are not published for lock-free readers, which
 * would cost the allocation path a marked store per split).
 */
u64 arena_buddy_free_blocks(const struct arena_buddy *b, unsigned int order)
{
	struct arena_buddy_lane *lane;
	unsigned long flags;
	unsigned int l;
	u64 n = 0;

	for (l = 0; l < b->nr_lanes; l++) {
		lane = &b->lanes[l];
		spin_lock_irqsave(&lane->lock, flags);
		n += lane->free_count[order];
		spin_unlock_irqrestore(&lane->lock, flags);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_free_blocks);

void arena_buddy_stats(struct arena_buddy *b, struct arena_core_stats *st)
{
	arena_core_stats_sum(b->pcpu, st);
	st->largest_free_block = arena_buddy_largest_free(b);
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_stats);

size_t arena_buddy_metadata_bytes(const struct arena_buddy *b)
{
	return sizeof(*b) + b->nr_lanes * (sizeof(*b->lanes) +
					   b->lane_words * sizeof(*b->words)) +
	       nr_cpu_ids * sizeof(struct arena_core_pcpu);
}

/*
 * A span of whole chunks (a grant larger than the largest block) is the
 * big-grants work still to come: refused as one block that size would be.
 */
static int buddy_alloc_span(void __always_unused *core, u64 __always_unused size,
			    struct arena_block __always_unused *blk)
{
	return -EFBIG;
}

static int buddy_alloc_batch(void *core, u64 size, unsigned int n, struct arena_block *blks)
{
	return arena_buddy_alloc_batch(core, size, n, blks);
}

static int buddy_free(void *core, u64 offset, u64 size)
{
	return arena_buddy_free(core, offset, size);
}

static void buddy_stats(void *core, struct arena_core_stats *st)
{
	arena_buddy_stats(core, st);
}

static bool buddy_has_space(void *core)
{
	return arena_buddy_largest_free(core) != 0;
}

static size_t buddy_metadata_bytes(const void *core)
{
	return arena_buddy_metadata_bytes(core);
}

static void buddy_destroy(void *core)
{
	arena_buddy_destroy(core);
}

const struct arena_core_ops arena_buddy_ops = {
	.alloc_batch	= buddy_alloc_batch,
	.alloc_span	= buddy_alloc_span,
	.free		= buddy_free,
	.has_space	= buddy_has_space,
	.stats		= buddy_stats,
	.metadata_bytes	= buddy_metadata_bytes,
	.destroy	= buddy_destroy,
};
