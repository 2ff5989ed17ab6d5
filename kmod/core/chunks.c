// SPDX-License-Identifier: GPL-2.0
/*
 * The chunk pool of a buddy arena: every chunk that is whole and free, and
 * every span of whole chunks granted as one (a grant larger than a chunk).
 *
 * A chunk is in one of three places, recorded in state[]:
 *  - ARENA_CHUNK_FREE: in the pool;
 *  - ARENA_CHUNK_HELD: its group's, a buddy lane that took it to split it
 *    into blocks, and gives it back when its blocks coalesce into it again;
 *  - a span: state[first] is the span's length, the others ARENA_CHUNK_BODY.
 * Groups are fixed runs of group_chunks consecutive chunks, and a group
 * takes only chunks of its own run, so a lane's bitmaps stay those of its
 * run (see buddy.c).
 *
 * A span is a run of consecutive free chunks.  Finding one costs O(log
 * chunks) in a summary tree over the chunks: a perfect binary tree whose
 * leaves are the chunks (free or not), each node holding the free chunks at
 * the start and end of its range and its longest run of free chunks, which
 * its children's three figures give (as the longest run of ones in a bit
 * string is kept in a segment tree).  Each change of a chunk costs a walk to
 * the root, O(log chunks).  Both spans and groups take the lowest free
 * chunks they can, so the free chunks above them stay in long runs.
 *
 * Locking: @lock protects everything but the lock-free hints (@nr_free,
 * @group_free, the root's longest run) and is a leaf: a buddy lane takes it
 * while holding its own lock (to take or give back a chunk), spans take it
 * alone, and nothing is locked under it.  A chunk moves between the pool
 * and its group only under the group's lane lock, so a lane reads whether
 * it holds a chunk (arena_chunks_held()) under its own lock alone.
 */

#include "chunks.h"

static void set_leaf(struct arena_chunk_pool *p, u32 chunk, bool free)
{
	struct arena_chunk_run *t = p->tree;
	u32 i = p->leaves + chunk, half = 1;

	t[i].prefix = free;
	t[i].suffix = free;
	WRITE_ONCE(t[i].longest, free);	/* the root, for a pool of one chunk */
	for (i /= 2; i; i /= 2, half *= 2) {
		const struct arena_chunk_run *l = &t[2 * i], *r = &t[2 * i + 1];
		struct arena_chunk_run run = {
			.prefix = l->prefix == half ? half + r->prefix : l->prefix,
			.suffix = r->suffix == half ? half + l->suffix : r->suffix,
			.longest = max(max(l->longest, r->longest), l->suffix + r->prefix),
		};

		/* Unchanged here, unchanged above. */
		if (run.prefix == t[i].prefix && run.suffix == t[i].suffix &&
		    run.longest == t[i].longest)
			break;
		t[i].prefix = run.prefix;
		t[i].suffix = run.suffix;
		WRITE_ONCE(t[i].longest, run.longest);	/* the root's is read lock-free */
	}
}

static void set_state(struct arena_chunk_pool *p, u32 chunk, u32 state)
{
	u32 g = chunk / p->group_chunks;
	bool was_free = p->state[chunk] == ARENA_CHUNK_FREE;
	bool free = state == ARENA_CHUNK_FREE;

	WRITE_ONCE(p->state[chunk], state);
	if (was_free == free)
		return;
	set_leaf(p, chunk, free);
	WRITE_ONCE(p->nr_free, p->nr_free + (free ? 1 : -1));
	WRITE_ONCE(p->group_free[g], p->group_free[g] + (free ? 1 : -1));
}

/**
 * arena_chunks_init() - a pool of @nr_chunks chunks, all free
 * @p: the pool
 * @nr_chunks: chunks, at least one
 * @group_chunks: chunks per group; divides @nr_chunks
 *
 * Return: 0, -EINVAL for a bad shape, -EOVERFLOW for more chunks than the
 * tree indexes, or -ENOMEM.
 */
int arena_chunks_init(struct arena_chunk_pool *p, u32 nr_chunks, u32 group_chunks)
{
	u32 c;

	*p = (struct arena_chunk_pool){ 0 };
	if (!nr_chunks || !group_chunks || nr_chunks % group_chunks)
		return -EINVAL;
	if (nr_chunks > (1U << 30))
		return -EOVERFLOW;
	spin_lock_init(&p->lock);
	p->nr_chunks = nr_chunks;
	p->group_chunks = group_chunks;
	p->leaves = roundup_pow_of_two(nr_chunks);
	p->state = kvcalloc(nr_chunks, sizeof(*p->state), GFP_KERNEL | __GFP_ACCOUNT);
	p->group_free = kvcalloc(nr_chunks / group_chunks, sizeof(*p->group_free),
				 GFP_KERNEL | __GFP_ACCOUNT);
	p->tree = kvcalloc(2 * (size_t)p->leaves, sizeof(*p->tree), GFP_KERNEL | __GFP_ACCOUNT);
	if (!p->state || !p->group_free || !p->tree) {
		arena_chunks_destroy(p);
		return -ENOMEM;
	}
	/* From HELD (zero) to FREE: the leaves past @nr_chunks stay unfree. */
	for (c = 0; c < nr_chunks; c++)
		set_state(p, c, ARENA_CHUNK_FREE);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_init);

void arena_chunks_destroy(struct arena_chunk_pool *p)
{
	kvfree(p->tree);
	kvfree(p->group_free);
	kvfree(p->state);
	p->tree = NULL;
	p->group_free = NULL;
	p->state = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_destroy);

/* The first free chunk at or after @from, or -1: a climb, then a descent. */
static long first_free_from(const struct arena_chunk_pool *p, u32 from)
{
	const struct arena_chunk_run *t = p->tree;
	u32 i = p->leaves + from;

	/* Invariant: no chunk at or after @from in i's range is free. */
	if (!t[i].longest) {
		while (i > 1 && ((i & 1) || !t[i + 1].longest))
			i /= 2;
		if (i == 1)
			return -1;
		i++;
	}
	while (i < p->leaves)
		i = t[2 * i].longest ? 2 * i : 2 * i + 1;
	return i - p->leaves;
}

/**
 * arena_chunks_take_one() - give @group its lowest free chunk
 * @p: the pool
 * @group: the group, whose lane lock the caller holds
 *
 * Return: the chunk, now ARENA_CHUNK_HELD, or -ENOSPC.
 */
long arena_chunks_take_one(struct arena_chunk_pool *p, u32 group)
{
	u32 first = group * p->group_chunks;
	unsigned long flags;
	long c = -ENOSPC;

	spin_lock_irqsave(&p->lock, flags);
	if (p->group_free[group]) {
		c = first_free_from(p, first);
		set_state(p, c, ARENA_CHUNK_HELD);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_take_one);

/* Put @chunk, whole again, back: its group's lane lock is held. */
void arena_chunks_give_one(struct arena_chunk_pool *p, u32 chunk)
{
	unsigned long flags;

	spin_lock_irqsave(&p->lock, flags);
	set_state(p, chunk, ARENA_CHUNK_FREE);
	spin_unlock_irqrestore(&p->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_give_one);

/* The first chunk of the leftmost run of @n free chunks; the tree has one. */
static u32 leftmost_run(const struct arena_chunk_pool *p, u32 n)
{
	const struct arena_chunk_run *t = p->tree;
	u32 i = 1, lo = 0, half = p->leaves / 2;

	for (; half; half /= 2) {
		/* Within the left half, across the middle, or within the right. */
		if (t[2 * i].longest >= n) {
			i = 2 * i;
			continue;
		}
		if (t[2 * i].suffix + t[2 * i + 1].prefix >= n)
			return lo + half - t[2 * i].suffix;
		i = 2 * i + 1;
		lo += half;
	}
	return lo;
}

/**
 * arena_chunks_take_span() - take @n consecutive free chunks as one span
 * @p: the pool
 * @n: chunks, at least two
 * @emptied: called, under the pool's lock, for each group the span leaves
 *	with no free chunk (the buddy clears what its lane published)
 *
 * Return: the span's first chunk, or -ENOSPC if no run is that long now.
 */
long arena_chunks_take_span(struct arena_chunk_pool *p, u32 n,
			    void (*emptied)(struct arena_chunk_pool *p, u32 group))
{
	unsigned long flags;
	long first = -ENOSPC;
	u32 c;

	spin_lock_irqsave(&p->lock, flags);
	if (p->tree[1].longest >= n) {
		first = leftmost_run(p, n);
		set_state(p, first, n);
		for (c = first + 1; c < first + n; c++)
			set_state(p, c, ARENA_CHUNK_BODY);
		for (c = first; c < first + n; c += p->group_chunks - c % p->group_chunks)
			if (!p->group_free[c / p->group_chunks])
				emptied(p, c / p->group_chunks);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return first;
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_take_span);

/**
 * arena_chunks_give_span() - put the span of @n chunks at @first back
 * @p: the pool
 * @first: its first chunk
 * @n: its length
 *
 * Return: 0, or -EINVAL (nothing changes) if no span of @n starts there.
 */
int arena_chunks_give_span(struct arena_chunk_pool *p, u32 first, u32 n)
{
	unsigned long flags;
	int ret = -EINVAL;
	u32 c;

	if (first >= p->nr_chunks || n < 2 || n > p->nr_chunks - first)
		return -EINVAL;
	spin_lock_irqsave(&p->lock, flags);
	if (p->state[first] == n) {
		for (c = first; c < first + n; c++)
			set_state(p, c, ARENA_CHUNK_FREE);
		ret = 0;
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_give_span);

/* The longest run of free chunks, read without the lock. */
u32 arena_chunks_longest(const struct arena_chunk_pool *p)
{
	return READ_ONCE(p->tree[1].longest);
}
EXPORT_SYMBOL_IF_KUNIT(arena_chunks_longest);

size_t arena_chunks_metadata_bytes(const struct arena_chunk_pool *p)
{
	return p->nr_chunks * sizeof(*p->state) +
	       p->nr_chunks / p->group_chunks * sizeof(*p->group_free) +
	       2 * (size_t)p->leaves * sizeof(*p->tree);
}
