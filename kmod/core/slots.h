/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-slot allocator: slot_count slots of one size, claimed lock-free.
 * See slots.c for the concurrency design.
 */
#ifndef ARENA_SLOTS_H
#define ARENA_SLOTS_H

#include "core.h"

struct arena_slots_geometry {
	u64 slot_size;		/* in: bytes; out: rounded up to align */
	u64 slot_count;
	u64 align;		/* a power of two */
	u64 chunk_size;		/* a power of two; slots never cross a chunk */
	/* out, filled by arena_slots_geometry(): */
	u64 slots_per_chunk;
	u64 nr_chunks;
	u64 total;		/* nr_chunks * chunk_size */
};

struct arena_slots {
	atomic_long_t *words;	/* bit set = slot free */
	unsigned int nr_words;
	unsigned int chunk_bits_shift;	/* log2(bit positions per chunk) */
	unsigned int chunk_shift;	/* log2(chunk_size) */
	unsigned int slot_shift;	/* log2(slot_size) if a power of two, else 0 */
	u64 slot_size;
	u64 slots_per_chunk;
	u64 slot_count;
	u64 total;
	struct arena_core_pcpu __percpu *pcpu;
};

int arena_slots_geometry(struct arena_slots_geometry *g);
int arena_slots_init(struct arena_slots *s, const struct arena_slots_geometry *g);
void arena_slots_destroy(struct arena_slots *s);
int arena_slots_alloc(struct arena_slots *s, u64 size, struct arena_block *blk);
int arena_slots_alloc_batch(struct arena_slots *s, u64 size, unsigned int n,
			    struct arena_block *blks);
int arena_slots_free(struct arena_slots *s, u64 offset, u64 size);
int arena_slots_free_batch(struct arena_slots *s, const struct arena_block *blks,
			   unsigned int n, u64 size);
void arena_slots_stats(struct arena_slots *s, struct arena_core_stats *st);
size_t arena_slots_metadata_bytes(const struct arena_slots *s);

#endif /* ARENA_SLOTS_H */
