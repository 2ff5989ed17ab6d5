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
 * A whole free chunk is in no lane's free lists but in the chunk pool
 * (chunks.c): a lane with no block large enough takes the lowest free chunk
 * of its run from the pool and splits it, and a release that coalesces a
 * chunk whole gives it back, so that the pool always knows every whole free
 * chunk.  A grant larger than a chunk is a span: consecutive free chunks
 * taken from the pool as one, a single offset and range, and put back as
 * one.  The pool's lock is a leaf under a lane's lock, so no path holds two
 * lane locks.
 *
 * State of a lane, per order k:
 *  - the free bitmap, hierarchical (bitmap.h), so that finding a free block
 *    costs a word per level, never a scan;
 *  - free_count[k], and bit k of @nonempty when it is non-zero, so that the
 *    smallest order able to serve a request is one __ffs() away;
 *  - the split bitmap (k >= 1): block i is split into two halves.  A block is
 *    allocated exactly when it is neither free nor split and its parent is
 *    split (or, a top block, the lane holds its chunk), which lets free()
 *    reject anything that is not a live grant of that size instead of
 *    corrupting the lane.
 *
 * Allocation takes the first free block of the smallest non-empty order
 * that fits, and splits it down, publishing each right half as free.
 * Release claims the buddy while it is free and climbs, then publishes the
 * merged block.  Both cost O(orders) word operations under one lane lock.
 *
 * Each lane caches released blocks of its smallest orders (cache_orders, at
 * most ARENA_BUDDY_CACHE_ORDERS, never a top block) uncoalesced, up to
 * ARENA_BUDDY_CACHE_DEPTH of each, for its next grants of that order: a
 * grant and a release of the same small size would otherwise split a chunk
 * down and coalesce it back every time (nine levels for 4 KiB blocks of a
 * 2 MiB chunk), the buddy's cost in the kernel's profile of the grant ioctl
 * and on the host.  The cache lives under the lane's lock like the rest of
 * the lane: a CPU starts in a lane of its own where there are enough
 * chunks, so it costs no lock of its own, a release can check against it
 * (a few compares) that a block is not released twice, and emptying it
 * needs no other CPU's help.  A cached
 * block stays allocated in the bitmaps; everything outside the lane counts
 * it as free:
 *  - its order is published (with LANE_CACHED), so a poll and a lock-free
 *    largest_free see it as a free block of its size;
 *  - a request that finds nothing empties every lane's cache and tries once
 *    more before -ENOSPC, and a span and the largest grant empty them first;
 *  - the stats empty them, so that largest_free_block (and the
 *    fragmentation derived from it) is the coalesced arena's.
 *
 * Concurrency design: a lane's lock protects everything in the lane; it is
 * taken with interrupts disabled, so allocation and release may run in any
 * context that cannot sleep, and no path holds two lane locks.  A CPU starts
 * in lane (cpu % nr_lanes) and moves to the next lanes only when its own
 * cannot serve the request, skipping lanes whose @published shows no block
 * large enough.  @published is the lane's @nonempty copied once, as the lock
 * is released (with LANE_POOL, see lane_unlock()), and read without the
 * lock: a split or a merge clears a bit
 * before it sets the one that replaces it, so @nonempty itself can read as
 * empty mid-operation on a lane with plenty free; a lane whose run has a
 * chunk in the pool is never skipped.  So -ENOSPC means no lane had a large
 * enough block or free chunk between operations when it was looked at; a
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

/*
 * A lane's published word: its @nonempty orders, and LANE_POOL when the
 * pool has a free chunk of its run (a top block it can take).  One word,
 * stored once as the lock is released: chunks move between the pool and
 * the lane only under this lock, so what is published is the lane between
 * two of its operations, wherever its chunks are (two words could be read
 * one before and one after a move).  The pool's count is read only when a
 * chunk moved during this hold (@moved); otherwise LANE_POOL stays as
 * published.  A span that takes the run's last pool chunk clears LANE_POOL
 * (span_emptied()); a lane unlocking meanwhile may set it again from a
 * stale count, which only makes a lock-free reader look at it in vain.
 */
#define LANE_POOL	BIT(BITS_PER_LONG - 1)	/* above every order */
#define LANE_CACHED	BIT(BITS_PER_LONG - 2)	/* the cache holds a block */
#define LANE_FLAGS	(LANE_POOL | LANE_CACHED)
static_assert(ARENA_BUDDY_MAX_ORDERS + 2 <= BITS_PER_LONG, "LANE_FLAGS lie above every order");

static void lane_unlock(struct arena_buddy *b, unsigned int l, bool moved,
			unsigned long flags)
	__releases(&b->lanes[l].lock)
{
	struct arena_buddy_lane *lane = &b->lanes[l];
	unsigned long pool = lane->published & LANE_POOL;

	if (unlikely(moved))
		pool = arena_chunks_group_has(&b->pool, l) ? LANE_POOL : 0;
	if (lane->cache_mask)
		pool |= lane->cache_mask | LANE_CACHED;
	WRITE_ONCE(lane->published, lane->nonempty | pool);
	spin_unlock_irqrestore(&lane->lock, flags);
}

/* The orders a published word says the lane can serve, its pool chunks as top blocks. */
static unsigned long published_orders(const struct arena_buddy *b, unsigned long published)
{
	return (published & ~LANE_FLAGS) | (published & LANE_POOL ? BIT(b->max_order) : 0);
}

/* Whether a lane that published @published may serve a block of @order. */
static bool published_serves(unsigned long published, unsigned int order)
{
	/* LANE_POOL lies above every order: it passes any shift. */
	return (published & ~LANE_CACHED) >> order;
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
	int ret;

	*b = (struct arena_buddy){ 0 };
	b->min_shift = ilog2(g->min_block);
	b->max_order = g->max_order;
	b->nr_chunks = g->nr_chunks;
	b->nr_lanes = pick_lanes(g->nr_chunks);
	b->lane_chunks = g->nr_chunks / b->nr_lanes;
	b->cache_orders = min_t(unsigned int, ARENA_BUDDY_CACHE_ORDERS, b->max_order);
	b->cap_capacity = g->flags & ARENA_BUDDY_NEAREST;

	for (k = 0; k <= b->max_order; k++) {
		w = arena_hbitmap_layout(&b->free[k], lane_blocks(b, k), w);
		if (k) {
			b->split[k] = w;
			w += DIV_ROUND_UP(lane_blocks(b, k), BITS_PER_LONG);
		}
	}
	b->lane_words = w;

	ret = arena_chunks_init(&b->pool, b->nr_chunks, b->lane_chunks);
	if (ret)
		return ret;
	b->lanes = kvcalloc(b->nr_lanes, sizeof(*b->lanes), GFP_KERNEL | __GFP_ACCOUNT);
	b->words = kvcalloc(b->nr_lanes * b->lane_words, sizeof(*b->words),
			    GFP_KERNEL | __GFP_ACCOUNT);
	b->pcpu = alloc_percpu_gfp(struct arena_core_pcpu, GFP_KERNEL | __GFP_ACCOUNT);
	if (!b->lanes || !b->words || !b->pcpu) {
		arena_buddy_destroy(b);
		return -ENOMEM;
	}
	/* Every chunk starts in the pool: the lanes' lists start empty. */
	for (l = 0; l < b->nr_lanes; l++) {
		spin_lock_init(&b->lanes[l].lock);
		b->lanes[l].words = b->words + l * b->lane_words;
		b->lanes[l].published = LANE_POOL;
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
	arena_chunks_destroy(&b->pool);
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

/*
 * Caller holds lane @l's lock.  Returns the block index in the lane, or
 * -ENOSPC when neither its lists nor the pool's chunks of its run serve.
 */
static long alloc_locked(struct arena_buddy *b, unsigned int l,
			 unsigned int order, unsigned int *splits, bool *moved)
{
	struct arena_buddy_lane *lane = &b->lanes[l];
	unsigned long avail = lane->nonempty >> order;
	unsigned int k;
	long i;

	lockdep_assert_held(&lane->lock);
	if (order < b->cache_orders && lane->cached[order]) {
		if (!--lane->cached[order])
			lane->cache_mask &= ~BIT(order);
		return lane->cache[order][lane->cached[order]];
	}
	if (avail) {
		k = order + __ffs(avail);
		i = arena_hbitmap_find_first(&b->free[k], lane->words);
		take_free(b, lane, k, i);
	} else {
		i = arena_chunks_take_one(&b->pool, l);
		if (i < 0)
			return -ENOSPC;
		*moved = true;
		k = b->max_order;
		i -= l * b->lane_chunks;
	}
	while (k > order) {
		__set_bit(i, lane->words + b->split[k]);
		k--;
		i *= 2;
		put_free(b, lane, k, i + 1);	/* the right half */
		(*splits)++;
	}
	return i;
}

static bool is_allocated(const struct arena_buddy *b, unsigned int l,
			 unsigned int order, unsigned long i)
{
	const struct arena_buddy_lane *lane = &b->lanes[l];

	if (arena_hbitmap_test(&b->free[order], lane->words, i))
		return false;
	if (order && is_split(b, lane, order, i))
		return false;
	if (order == b->max_order)
		return arena_chunks_held(&b->pool, l * b->lane_chunks + i);
	return is_split(b, lane, order + 1, i / 2);
}

/*
 * Caller holds lane @l's lock.  Put allocated block @i of @order back in the
 * free lists, coalesced; a chunk coalesced whole goes to the pool.
 */
static void release_locked(struct arena_buddy *b, unsigned int l, unsigned int order,
			   unsigned long i, unsigned int *coalesces, bool *moved)
{
	struct arena_buddy_lane *lane = &b->lanes[l];

	while (order < b->max_order &&
	       arena_hbitmap_test(&b->free[order], lane->words, i ^ 1)) {
		take_free(b, lane, order, i ^ 1);
		i /= 2;
		order++;
		__clear_bit(i, lane->words + b->split[order]);
		(*coalesces)++;
	}
	/* A lane keeps one whole chunk as its spare; more go to the pool. */
	if (order == b->max_order && lane->free_count[order]) {
		arena_chunks_give_one(&b->pool, l * b->lane_chunks + i);
		*moved = true;
	} else {
		put_free(b, lane, order, i);
	}
}

static bool is_cached(const struct arena_buddy_lane *lane, unsigned int order, u32 i)
{
	unsigned int c;

	for (c = 0; c < lane->cached[order]; c++)
		if (lane->cache[order][c] == i)
			return true;
	return false;
}

/*
 * Caller holds lane @l's lock.  Release block @i of @order: into the lane's
 * cache while it has room for the order, else into the free lists.
 */
static int free_locked(struct arena_buddy *b, unsigned int l,
		       unsigned int order, unsigned long i, unsigned int *coalesces, bool *moved)
{
	struct arena_buddy_lane *lane = &b->lanes[l];

	lockdep_assert_held(&lane->lock);
	if (order < b->cache_orders) {
		/* A cached block is still allocated in the bitmaps. */
		if (is_cached(lane, order, i) || !is_allocated(b, l, order, i))
			return -EINVAL;
		if (lane->cached[order] < ARENA_BUDDY_CACHE_DEPTH) {
			lane->cache[order][lane->cached[order]++] = i;
			lane->cache_mask |= BIT(order);
			return 0;
		}
	} else if (!is_allocated(b, l, order, i)) {
		return -EINVAL;
	}
	release_locked(b, l, order, i, coalesces, moved);
	return 0;
}

/* Caller holds lane @l's lock.  Release every block in its cache. */
static void drain_cache_locked(struct arena_buddy *b, unsigned int l,
			       unsigned int *coalesces, bool *moved)
{
	struct arena_buddy_lane *lane = &b->lanes[l];
	unsigned int k;

	for (k = 0; k < b->cache_orders; k++)
		while (lane->cached[k]) {
			lane->cached[k]--;
			release_locked(b, l, k, lane->cache[k][lane->cached[k]], coalesces, moved);
		}
	lane->cache_mask = 0;
}

/*
 * Empty every lane's cache into its free lists and, with @spares, give its
 * spare chunks back to the pool, one lane lock at a time, so that a request
 * that found nothing, a span, or the longest run reported sees them.  A
 * lane whose published state shows neither has none.  Returns whether a
 * block or a chunk moved.
 */
static bool drain_lanes(struct arena_buddy *b, bool spares)
{
	unsigned int top = b->max_order, l, coalesces = 0;
	unsigned long want = LANE_CACHED | (spares ? BIT(top) : 0);
	struct arena_buddy_lane *lane;
	unsigned long flags;
	bool moved, any = false;
	long i;

	for (l = 0; l < b->nr_lanes; l++) {
		lane = &b->lanes[l];
		if (!(READ_ONCE(lane->published) & want))
			continue;
		moved = false;
		spin_lock_irqsave(&lane->lock, flags);
		if (lane->cache_mask) {
			drain_cache_locked(b, l, &coalesces, &moved);
			any = true;
		}
		while (spares && lane->free_count[top]) {
			i = arena_hbitmap_find_first(&b->free[top], lane->words);
			take_free(b, lane, top, i);
			arena_chunks_give_one(&b->pool, l * b->lane_chunks + i);
			moved = true;
		}
		any |= moved;
		lane_unlock(b, l, moved, flags);
	}
	if (coalesces)
		this_cpu_add(b->pcpu->coalesces, coalesces);
	return any;
}

/**
 * arena_buddy_drain() - empty every lane's cache of released blocks
 * @b: the allocator
 *
 * The cached blocks go back to the free lists, coalesced, as if they had
 * never been cached.
 *
 * Return: whether a lane's cache held a block.
 */
bool arena_buddy_drain(struct arena_buddy *b)
{
	return drain_lanes(b, false);
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_drain);

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
	bool drained = false;
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
again:
	for (t = 0; t < b->nr_lanes && got < n; t++) {
		unsigned int l = first + t < b->nr_lanes ? first + t : first + t - b->nr_lanes;
		struct arena_buddy_lane *lane = &b->lanes[l];
		bool moved = false;

		if (!published_serves(READ_ONCE(lane->published), order) &&
		    !arena_chunks_group_has(&b->pool, l))
			continue;
		spin_lock_irqsave(&lane->lock, flags);
		for (; got < n; got++) {
			i = alloc_locked(b, l, order, &splits, &moved);
			if (i < 0)
				break;
			blks[got].offset = l * lane_bytes + (u64)i * bsize;
			blks[got].size = bsize;
			blks[got].capacity = b->cap_capacity ? size : bsize;
		}
		lane_unlock(b, l, moved, flags);
	}

	if (!got) {
		/* Cached blocks may coalesce into what was asked for. */
		if (!drained && drain_lanes(b, false)) {
			drained = true;
			goto again;
		}
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
	bool moved;
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
		moved = false;
		spin_lock_irqsave(&b->lanes[l].lock, flags);
		do {
			if (!free_locked(b, l, order, g % per_lane, &coalesces, &moved))
				freed++;
			if (++j == n)
				break;
			g = blks[j].offset >> shift;
		} while (!(blks[j].offset & ((1ULL << shift) - 1)) && g / per_lane == l);
		lane_unlock(b, l, moved, flags);
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

static unsigned int chunk_shift(const struct arena_buddy *b)
{
	return b->min_shift + b->max_order;
}

/* Chunks a span for @size bytes takes, or 0 if more than the arena has. */
static u32 span_chunks(const struct arena_buddy *b, u64 size)
{
	u64 n = (size >> chunk_shift(b)) + !!(size & ((1ULL << chunk_shift(b)) - 1));

	return n <= b->nr_chunks ? n : 0;
}

/*
 * A span took the last free chunks of lane @group's run: clear the lane's
 * LANE_POOL.  Called under the pool's lock, so no chunk can come back to
 * the run before the bit is cleared; see lane_unlock() for a racing unlock.
 */
static void span_emptied(struct arena_chunk_pool *pool, u32 group)
{
	struct arena_buddy *b = container_of(pool, struct arena_buddy, pool);

	clear_bit(BITS_PER_LONG - 1, &b->lanes[group].published);	/* LANE_POOL */
}

/**
 * arena_buddy_alloc_span() - grant @size bytes, more than a chunk, as a span
 * @b: the allocator
 * @size: bytes; rounded up to whole chunks
 * @blk: receives the span: consecutive whole chunks, one offset
 *
 * Return: 0, -EINVAL for a size a block would serve, -EFBIG beyond the
 * arena's size, -ENOSPC if no run of free chunks is that long now.
 */
int arena_buddy_alloc_span(struct arena_buddy *b, u64 size, struct arena_block *blk)
{
	u32 n = span_chunks(b, size);
	long first;

	if (size <= 1ULL << chunk_shift(b))
		return -EINVAL;
	if (!n)
		return -EFBIG;
	/* Caches and spares first: a span is rare and large, a lane lock each is cheap. */
	drain_lanes(b, true);
	first = arena_chunks_take_span(&b->pool, n, span_emptied);
	if (first < 0) {
		this_cpu_add(b->pcpu->allocations_failed, 1);
		return -ENOSPC;
	}
	blk->offset = (u64)first << chunk_shift(b);
	blk->size = (u64)n << chunk_shift(b);
	blk->capacity = b->cap_capacity ? size : blk->size;
	this_cpu_add(b->pcpu->allocations_ok, 1);
	this_cpu_add(b->pcpu->bytes_live, (s64)size);
	this_cpu_add(b->pcpu->bytes_reserved, (s64)blk->size);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_alloc_span);

static int free_span(struct arena_buddy *b, u64 offset, u64 size)
{
	u32 n = span_chunks(b, size);

	if (!n || offset & ((1ULL << chunk_shift(b)) - 1) ||
	    arena_chunks_give_span(&b->pool, offset >> chunk_shift(b), n))
		return -EINVAL;
	this_cpu_add(b->pcpu->frees, 1);
	this_cpu_add(b->pcpu->bytes_live, -(s64)size);
	this_cpu_add(b->pcpu->bytes_reserved, -(s64)((u64)n << chunk_shift(b)));
	return 0;
}

/**
 * arena_buddy_free() - release the block or span at @offset, granted for
 *	@size bytes
 * @b: the allocator
 * @offset: the block's offset, as granted
 * @size: the size it was requested with
 *
 * Return: 0, or -EINVAL if no live block or span for that size starts at
 * @offset.
 */
int arena_buddy_free(struct arena_buddy *b, u64 offset, u64 size)
{
	struct arena_block blk = { .offset = offset };

	if (size > 1ULL << chunk_shift(b))
		return free_span(b, offset, size);
	return arena_buddy_free_batch(b, &blk, 1, size) == 1 ? 0 : -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_free);

/* The largest free block in bytes, read without the locks: O(lanes). */
u64 arena_buddy_largest_free(const struct arena_buddy *b)
{
	unsigned long nonempty = 0;
	unsigned int l;

	for (l = 0; l < b->nr_lanes; l++)
		nonempty |= published_orders(b, READ_ONCE(b->lanes[l].published));
	/* Spans come back to the pool without a lane: count those too. */
	if (READ_ONCE(b->pool.nr_free))
		nonempty |= BIT(b->max_order);
	return nonempty ? 1ULL << (__fls(nonempty) + b->min_shift) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_largest_free);

/*
 * The largest grant, block or span, that could be made now, the lanes'
 * caches emptied and spare chunks given back to the pool first so that
 * runs count them.
 */
u64 arena_buddy_largest_grant(struct arena_buddy *b)
{
	u64 span;

	drain_lanes(b, true);
	span = (u64)arena_chunks_longest(&b->pool) << chunk_shift(b);
	return max(span, arena_buddy_largest_free(b));
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_largest_grant);

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
		if (order < b->cache_orders)
			n += lane->cached[order];	/* free to everyone else */
		/* Whole free chunks are the pool's, moved only under this lock. */
		if (order == b->max_order)
			n += READ_ONCE(b->pool.group_free[l]);
		spin_unlock_irqrestore(&lane->lock, flags);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_free_blocks);

void arena_buddy_stats(struct arena_buddy *b, struct arena_core_stats *st)
{
	/*
	 * The largest grant first: it empties the lanes' caches, so that the
	 * largest block and the counters are the coalesced arena's.
	 */
	u64 grant = arena_buddy_largest_grant(b);

	arena_core_stats_sum(b->pcpu, st);
	st->largest_free_block = arena_buddy_largest_free(b);
	st->largest_free_grant = grant;
}
EXPORT_SYMBOL_IF_KUNIT(arena_buddy_stats);

size_t arena_buddy_metadata_bytes(const struct arena_buddy *b)
{
	return sizeof(*b) + b->nr_lanes * (sizeof(*b->lanes) +
					   b->lane_words * sizeof(*b->words)) +
	       arena_chunks_metadata_bytes(&b->pool) +
	       nr_cpu_ids * sizeof(struct arena_core_pcpu);
}

static int buddy_alloc_span(void *core, u64 size, struct arena_block *blk)
{
	return arena_buddy_alloc_span(core, size, blk);
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
