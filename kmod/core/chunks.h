/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chunk pool: which of a buddy arena's chunks are whole and free, and
 * which are spans of whole chunks granted as one.  See chunks.c.
 */
#ifndef ARENA_CHUNKS_H
#define ARENA_CHUNKS_H

#include "core_compat.h"

/* A node of the summary tree: free chunks at each end, and the longest run. */
struct arena_chunk_run {
	u32 prefix;
	u32 suffix;
	u32 longest;
};

struct arena_chunk_pool {
	spinlock_t lock;		/* a leaf: see chunks.c */
	u32 nr_chunks;
	u32 leaves;			/* a power of two >= nr_chunks */
	u32 group_chunks;		/* chunks per group (a buddy lane) */
	u32 nr_free;			/* whole free chunks; read lock-free */
	u32 *state;			/* per chunk, ARENA_CHUNK_* or a span's length */
	u32 *group_free;		/* free chunks per group; read lock-free */
	struct arena_chunk_run *tree;	/* [1, 2 * leaves): node i's children 2i, 2i + 1 */
};

/* state[c]: held by its group, in the pool, inside a span; else a span's length. */
#define ARENA_CHUNK_HELD	0U
#define ARENA_CHUNK_FREE	U32_MAX
#define ARENA_CHUNK_BODY	(U32_MAX - 1)

int arena_chunks_init(struct arena_chunk_pool *p, u32 nr_chunks, u32 group_chunks);
void arena_chunks_destroy(struct arena_chunk_pool *p);
long arena_chunks_take_one(struct arena_chunk_pool *p, u32 group);
void arena_chunks_give_one(struct arena_chunk_pool *p, u32 chunk);
long arena_chunks_take_span(struct arena_chunk_pool *p, u32 n,
			    void (*emptied)(struct arena_chunk_pool *p, u32 group));
int arena_chunks_give_span(struct arena_chunk_pool *p, u32 first, u32 n);
u32 arena_chunks_longest(const struct arena_chunk_pool *p);
size_t arena_chunks_metadata_bytes(const struct arena_chunk_pool *p);

/* Whether @chunk is its group's (allocated from or split), read by the group. */
static inline bool arena_chunks_held(const struct arena_chunk_pool *p, u32 chunk)
{
	return READ_ONCE(p->state[chunk]) == ARENA_CHUNK_HELD;
}

/* Whether @group could take a chunk now; lock-free, a hint. */
static inline bool arena_chunks_group_has(const struct arena_chunk_pool *p, u32 group)
{
	return READ_ONCE(p->group_free[group]) != 0;
}

#endif /* ARENA_CHUNKS_H */
