// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the allocator core (kmod/core/slots.c, buddy.c, chunks.c,
 * bitmap.c), compiled natively on the host.
 */
#include <stdlib.h>
#include <string.h>

#include "../buddy.h"
#include "../slots.h"

#include "../kselftest_harness.h"

#define KiB	1024ULL

static void no_lanes(struct arena_chunk_pool *p, u32 group)
{
	(void)p;
	(void)group;
}
#define MiB	(1024 * KiB)

static struct arena_core_stats buddy_stats(struct arena_buddy *b)
{
	struct arena_core_stats st;

	arena_buddy_stats(b, &st);
	return st;
}

static struct arena_core_stats slots_stats(struct arena_slots *s)
{
	struct arena_core_stats st;

	arena_slots_stats(s, &st);
	return st;
}

/* --- hierarchical bitmap ------------------------------------------------ */

TEST(hbitmap_set_clear_find_across_levels)
{
	unsigned int nbits = 64 * 64 * 3 + 5;	/* three levels */
	struct arena_hbitmap hb;
	size_t words = arena_hbitmap_layout(&hb, nbits, 10);
	unsigned long *w = calloc(words, sizeof(long));

	ASSERT_NE(NULL, w);
	EXPECT_EQ(3, hb.levels);
	EXPECT_EQ(10, hb.off[0]);
	EXPECT_EQ(10 + 193 + 4 + 1, words);
	EXPECT_EQ(-1, arena_hbitmap_find_first(&hb, w));

	arena_hbitmap_set(&hb, w, nbits - 1);
	EXPECT_EQ(nbits - 1, arena_hbitmap_find_first(&hb, w));
	arena_hbitmap_set(&hb, w, 4097);
	EXPECT_EQ(4097, arena_hbitmap_find_first(&hb, w));
	arena_hbitmap_set(&hb, w, 4096);
	arena_hbitmap_clear(&hb, w, 4097);
	EXPECT_EQ(4096, arena_hbitmap_find_first(&hb, w));
	arena_hbitmap_clear(&hb, w, 4096);
	EXPECT_EQ(nbits - 1, arena_hbitmap_find_first(&hb, w));
	EXPECT_TRUE(arena_hbitmap_test(&hb, w, nbits - 1));
	arena_hbitmap_clear(&hb, w, nbits - 1);
	EXPECT_EQ(-1, arena_hbitmap_find_first(&hb, w));
	for (words = 0; words < 10; words++)	/* nothing written before it */
		EXPECT_EQ(0, w[words]);
	free(w);
}

TEST(hbitmap_single_word)
{
	unsigned long w[1] = { 0 };
	struct arena_hbitmap hb;

	EXPECT_EQ(1, arena_hbitmap_layout(&hb, 64, 0));
	EXPECT_EQ(1, hb.levels);
	arena_hbitmap_set(&hb, w, 63);
	EXPECT_EQ(63, arena_hbitmap_find_first(&hb, w));
}

/* --- buddy geometry ------------------------------------------------------ */

TEST(buddy_geometry_errors_are_distinct)
{
	struct arena_buddy_geometry g;

	g = (struct arena_buddy_geometry){ .total = 0, .min_block = 512, .max_block = 4096 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 4096, .min_block = 0, .max_block = 4096 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 4096, .min_block = 500, .max_block = 4096 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));	/* exact: not a power of two */
	g = (struct arena_buddy_geometry){ .total = 3000, .min_block = 512, .max_block = 4096 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 3 * MiB, .min_block = 512, .max_block = 2 * MiB };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));	/* not a multiple of a chunk */
	g = (struct arena_buddy_geometry){ .total = 4096, .min_block = 8192, .max_block = 4096 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 1ULL << 40, .min_block = 1, .max_block = 1ULL << 40 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));	/* too many orders */
	g = (struct arena_buddy_geometry){ .total = 4096, .min_block = 512, .max_block = 4096, .flags = 0x80 };
	EXPECT_EQ(-EINVAL, arena_buddy_geometry(&g));	/* unknown flag */
	/* Overflow: rounding up or indexing does not fit. */
	g = (struct arena_buddy_geometry){ .total = ~0ULL, .min_block = 512,
					   .max_block = 2 * MiB, .flags = ARENA_BUDDY_NEAREST };
	EXPECT_EQ(-EOVERFLOW, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 1ULL << 50, .min_block = 64, .max_block = 2 * MiB };
	EXPECT_EQ(-EOVERFLOW, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 4096, .min_block = (1ULL << 63) + 1,
					   .max_block = 4096, .flags = ARENA_BUDDY_NEAREST };
	EXPECT_EQ(-EOVERFLOW, arena_buddy_geometry(&g));
}

TEST(buddy_geometry_nearest_rounds_up)
{
	struct arena_buddy_geometry g = {
		.total = 3000, .min_block = 500, .max_block = 2 * MiB,
		.flags = ARENA_BUDDY_NEAREST,
	};

	ASSERT_EQ(0, arena_buddy_geometry(&g));
	EXPECT_EQ(4096, g.total);
	EXPECT_EQ(512, g.min_block);
	EXPECT_EQ(4096, g.max_block);
	EXPECT_EQ(3, g.max_order);
	EXPECT_EQ(1, g.nr_chunks);

	g = (struct arena_buddy_geometry){ .total = 5 * MiB, .min_block = 256,
					   .max_block = 2 * MiB, .flags = ARENA_BUDDY_NEAREST };
	ASSERT_EQ(0, arena_buddy_geometry(&g));
	EXPECT_EQ(6 * MiB, g.total);
	EXPECT_EQ(3, g.nr_chunks);
	EXPECT_EQ(13, g.max_order);
}

/* --- buddy: the scenario of total 4096 / min 512 ------------------------ */

FIXTURE(small_buddy) {
	struct arena_buddy b;
};

FIXTURE_VARIANT(small_buddy) {
	u32 flags;
};

FIXTURE_VARIANT_ADD(small_buddy, exact) { .flags = 0 };
FIXTURE_VARIANT_ADD(small_buddy, nearest) { .flags = ARENA_BUDDY_NEAREST };

FIXTURE_SETUP(small_buddy)
{
	struct arena_buddy_geometry g = {
		.total = 4096, .min_block = 512, .max_block = 2 * MiB,
		.flags = variant->flags,
	};

	ASSERT_EQ(0, arena_buddy_geometry(&g));
	ASSERT_EQ(0, arena_buddy_init(&self->b, &g));
}

FIXTURE_TEARDOWN(small_buddy)
{
	arena_buddy_destroy(&self->b);
}

TEST_F(small_buddy, request_700_splits_twice_and_coalesces_back)
{
	struct arena_block blk;
	struct arena_core_stats st;

	EXPECT_EQ(4096, arena_buddy_largest_free(&self->b));
	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 700, &blk));
	EXPECT_EQ(0, blk.offset);
	EXPECT_EQ(1024, blk.size);
	/* The nearest form reports what was asked for, the exact one the block. */
	EXPECT_EQ(variant->flags ? 700 : 1024, blk.capacity);

	st = buddy_stats(&self->b);
	EXPECT_EQ(2, st.splits);
	EXPECT_EQ(2048, st.largest_free_block);
	EXPECT_EQ(1, st.allocations_ok);
	EXPECT_EQ(700, st.bytes_live);
	EXPECT_EQ(1024, st.bytes_reserved);
	EXPECT_EQ(1, arena_buddy_free_blocks(&self->b, 2));	/* the 2048 right half */
	EXPECT_EQ(1, arena_buddy_free_blocks(&self->b, 1));	/* the 1024 right half */

	ASSERT_EQ(0, arena_buddy_free(&self->b, blk.offset, 700));
	st = buddy_stats(&self->b);
	EXPECT_EQ(2, st.coalesces);
	EXPECT_EQ(4096, st.largest_free_block);
	EXPECT_EQ(1, st.frees);
	EXPECT_EQ(0, st.bytes_live);
	EXPECT_EQ(0, st.bytes_reserved);
	EXPECT_EQ(1, arena_buddy_free_blocks(&self->b, 3));
	EXPECT_EQ(0, arena_buddy_free_blocks(&self->b, 2) + arena_buddy_free_blocks(&self->b, 1) + arena_buddy_free_blocks(&self->b, 0));
}

TEST_F(small_buddy, request_4096_exhausts)
{
	struct arena_block blk, other;
	struct arena_core_stats st;

	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 4096, &blk));
	EXPECT_EQ(0, blk.offset);
	EXPECT_EQ(0, arena_buddy_largest_free(&self->b));
	EXPECT_EQ(-ENOSPC, arena_buddy_alloc(&self->b, 1, &other));
	st = buddy_stats(&self->b);
	EXPECT_EQ(1, st.allocations_ok);
	EXPECT_EQ(1, st.allocations_failed);
	EXPECT_EQ(0, st.splits);
	ASSERT_EQ(0, arena_buddy_free(&self->b, 0, 4096));
	EXPECT_EQ(4096, arena_buddy_largest_free(&self->b));
}

TEST_F(small_buddy, oversized_is_not_full)
{
	struct arena_block blk;

	EXPECT_EQ(-EFBIG, arena_buddy_alloc(&self->b, 4097, &blk));
	EXPECT_EQ(-EINVAL, arena_buddy_alloc(&self->b, 0, &blk));
	EXPECT_EQ(0, buddy_stats(&self->b).allocations_failed);
	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 4096, &blk));
	EXPECT_EQ(-ENOSPC, arena_buddy_alloc(&self->b, 512, &blk));
	EXPECT_EQ(-EFBIG, arena_buddy_alloc(&self->b, 8192, &blk));
}

TEST_F(small_buddy, halves_coalesce_only_when_both_released)
{
	struct arena_block a, b;

	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 2048, &a));
	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 2048, &b));
	EXPECT_EQ(0, a.offset);
	EXPECT_EQ(2048, b.offset);
	EXPECT_EQ(1, buddy_stats(&self->b).splits);
	EXPECT_EQ(0, arena_buddy_largest_free(&self->b));

	ASSERT_EQ(0, arena_buddy_free(&self->b, a.offset, 2048));
	EXPECT_EQ(0, buddy_stats(&self->b).coalesces);
	EXPECT_EQ(2048, arena_buddy_largest_free(&self->b));
	ASSERT_EQ(0, arena_buddy_free(&self->b, b.offset, 2048));
	EXPECT_EQ(1, buddy_stats(&self->b).coalesces);
	EXPECT_EQ(4096, arena_buddy_largest_free(&self->b));
}

TEST_F(small_buddy, free_rejects_what_is_not_a_live_grant)
{
	struct arena_block a, b;
	struct arena_core_stats st;

	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 1024, &a));	/* [0, 1024) */
	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 512, &b));	/* [1024, 1536) */
	EXPECT_EQ(1024, b.offset);

	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, a.offset, 512));	 /* wrong size */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, a.offset, 2048)); /* parent */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 512, 512));	 /* inside a */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 1536, 512));	 /* free block */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 2048, 2048));	 /* free block */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 100, 512));	 /* unaligned */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 8192, 512));	 /* outside */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 0, 0));
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, 0, 1ULL << 40));
	st = buddy_stats(&self->b);
	EXPECT_EQ(0, st.frees);
	EXPECT_EQ(1536, st.bytes_reserved);

	EXPECT_EQ(0, arena_buddy_free(&self->b, a.offset, 1000));	/* same order */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, a.offset, 1000)); /* double */
	EXPECT_EQ(0, arena_buddy_free(&self->b, b.offset, 512));
	st = buddy_stats(&self->b);
	EXPECT_EQ(4096, st.largest_free_block);
	EXPECT_EQ(0, st.bytes_reserved);
}

/*
 * A released block of a small order waits, uncoalesced, in its lane's cache
 * for the next grant of its order; everyone else counts it as free.
 */
TEST_F(small_buddy, a_released_block_is_cached_and_counted_free)
{
	struct arena_block blk[8], again;
	struct arena_core_stats st;

	ASSERT_EQ(8, arena_buddy_alloc_batch(&self->b, 512, 8, blk));
	EXPECT_EQ(0, arena_buddy_largest_free(&self->b));
	ASSERT_EQ(0, arena_buddy_free(&self->b, blk[5].offset, 512));
	/* Nothing in the free lists, yet a poll sees space. */
	EXPECT_EQ(512, arena_buddy_largest_free(&self->b));
	EXPECT_EQ(1, arena_buddy_free_blocks(&self->b, 0));
	EXPECT_EQ(-EINVAL, arena_buddy_free(&self->b, blk[5].offset, 512));	/* double */
	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 512, &again));
	EXPECT_EQ(blk[5].offset, again.offset);
	st = buddy_stats(&self->b);
	EXPECT_EQ(1, st.frees);
	EXPECT_EQ(9, st.allocations_ok);
	EXPECT_EQ(7, st.splits);
	EXPECT_EQ(0, st.coalesces);
	EXPECT_EQ(4096, st.bytes_reserved);
}

/* A request nothing serves empties the caches before it answers -ENOSPC. */
TEST_F(small_buddy, nothing_found_drains_the_caches)
{
	struct arena_block blk[8], whole;
	struct arena_core_stats st;
	int i;

	ASSERT_EQ(8, arena_buddy_alloc_batch(&self->b, 512, 8, blk));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, arena_buddy_free(&self->b, blk[i].offset, 512));
	EXPECT_EQ(8, arena_buddy_free_blocks(&self->b, 0));	/* all cached */
	EXPECT_EQ(512, arena_buddy_largest_free(&self->b));
	ASSERT_EQ(0, arena_buddy_alloc(&self->b, 4096, &whole));
	EXPECT_EQ(0, whole.offset);
	st = buddy_stats(&self->b);
	EXPECT_EQ(0, st.allocations_failed);
	EXPECT_EQ(7, st.coalesces);
	ASSERT_EQ(0, arena_buddy_free(&self->b, 0, 4096));
	EXPECT_FALSE(arena_buddy_drain(&self->b));	/* a top block is never cached */
}

/* --- buddy: several chunks ------------------------------------------------ */

/* --- chunk pool: runs, groups, spans -------------------------------------- */

TEST(chunk_pool_finds_runs_and_keeps_groups_apart)
{
	struct arena_chunk_pool p;

	/* Ten chunks, not a power of two, in two groups of five. */
	ASSERT_EQ(0, arena_chunks_init(&p, 10, 5));
	EXPECT_EQ(10, arena_chunks_longest(&p));
	EXPECT_EQ(0, arena_chunks_take_one(&p, 0));
	EXPECT_EQ(5, arena_chunks_take_one(&p, 1));
	EXPECT_EQ(4, arena_chunks_longest(&p));		/* [1, 5) and [6, 10) */
	EXPECT_EQ(1, arena_chunks_take_span(&p, 4, no_lanes));
	EXPECT_EQ(6, arena_chunks_take_span(&p, 3, no_lanes));
	EXPECT_EQ(-ENOSPC, arena_chunks_take_span(&p, 2, no_lanes));
	EXPECT_EQ(9, arena_chunks_take_one(&p, 1));
	EXPECT_EQ(-ENOSPC, arena_chunks_take_one(&p, 1));
	EXPECT_EQ(-ENOSPC, arena_chunks_take_one(&p, 0));
	EXPECT_EQ(0, arena_chunks_longest(&p));
	EXPECT_TRUE(arena_chunks_held(&p, 0));
	EXPECT_FALSE(arena_chunks_held(&p, 2));		/* a span's, not the group's */

	/* Only the exact span goes back. */
	EXPECT_EQ(-EINVAL, arena_chunks_give_span(&p, 1, 3));
	EXPECT_EQ(-EINVAL, arena_chunks_give_span(&p, 2, 3));
	EXPECT_EQ(-EINVAL, arena_chunks_give_span(&p, 0, 2));	/* held, not a span */
	EXPECT_EQ(-EINVAL, arena_chunks_give_span(&p, 8, 4));	/* past the end */
	EXPECT_EQ(0, arena_chunks_give_span(&p, 1, 4));
	EXPECT_EQ(-EINVAL, arena_chunks_give_span(&p, 1, 4));	/* twice */
	EXPECT_EQ(4, arena_chunks_longest(&p));
	arena_chunks_give_one(&p, 0);
	EXPECT_EQ(5, arena_chunks_longest(&p));
	EXPECT_EQ(0, arena_chunks_take_one(&p, 0));		/* the lowest again */
	arena_chunks_give_one(&p, 0);
	arena_chunks_give_one(&p, 5);
	EXPECT_EQ(0, arena_chunks_give_span(&p, 6, 3));
	arena_chunks_give_one(&p, 9);
	EXPECT_EQ(10, arena_chunks_longest(&p));
	EXPECT_EQ(10, p.nr_free);
	arena_chunks_destroy(&p);
}

TEST(buddy_spans_are_whole_chunks_apart_from_blocks)
{
	struct arena_buddy_geometry g = { .total = 16 * MiB, .min_block = 4 * KiB,
					  .max_block = 2 * MiB };
	struct arena_block small, span, other;
	struct arena_core_stats st;
	struct arena_buddy b;

	ASSERT_EQ(0, arena_buddy_geometry(&g));
	ASSERT_EQ(0, arena_buddy_init(&b, &g));
	EXPECT_EQ(16 * MiB, arena_buddy_largest_grant(&b));
	EXPECT_EQ(-EINVAL, arena_buddy_alloc_span(&b, 2 * MiB, &span));	/* a block's */
	EXPECT_EQ(-EFBIG, arena_buddy_alloc_span(&b, 16 * MiB + 1, &span));
	ASSERT_EQ(0, arena_buddy_alloc(&b, 4 * KiB, &small));
	ASSERT_EQ(0, arena_buddy_alloc_span(&b, 5 * MiB, &span));	/* three chunks */
	EXPECT_EQ(6 * MiB, span.size);
	EXPECT_EQ(0, span.offset % (2 * MiB));
	EXPECT_TRUE(span.offset >= small.offset + 2 * MiB ||
		    span.offset + span.size <= small.offset - small.offset % (2 * MiB));
	EXPECT_EQ(-ENOSPC, arena_buddy_alloc_span(&b, 16 * MiB, &other));
	st = buddy_stats(&b);
	EXPECT_EQ(2, st.allocations_ok);
	EXPECT_EQ(1, st.allocations_failed);
	EXPECT_EQ(5 * MiB + 4 * KiB, st.bytes_live);
	EXPECT_EQ(6 * MiB + 4 * KiB, st.bytes_reserved);

	EXPECT_EQ(-EINVAL, arena_buddy_free(&b, span.offset, 3 * MiB));	/* two chunks' */
	EXPECT_EQ(-EINVAL, arena_buddy_free(&b, span.offset + 2 * MiB, 3 * MiB));
	EXPECT_EQ(-EINVAL, arena_buddy_free(&b, span.offset, 4 * KiB));	/* not a block */
	ASSERT_EQ(0, arena_buddy_free(&b, span.offset, 5 * MiB + 1));	/* same chunks */
	ASSERT_EQ(0, arena_buddy_free(&b, small.offset, 4 * KiB));
	st = buddy_stats(&b);
	EXPECT_EQ(0, st.bytes_reserved);
	EXPECT_EQ(16 * MiB, st.largest_free_grant);
	EXPECT_EQ(8, arena_buddy_free_blocks(&b, b.max_order));
	ASSERT_EQ(0, arena_buddy_alloc_span(&b, 16 * MiB, &span));	/* all of it */
	EXPECT_EQ(0, span.offset);
	EXPECT_EQ(0, arena_buddy_largest_free(&b));
	EXPECT_EQ(-ENOSPC, arena_buddy_alloc(&b, 4 * KiB, &small));
	ASSERT_EQ(0, arena_buddy_free(&b, 0, 16 * MiB));
	EXPECT_EQ(2 * MiB, arena_buddy_largest_free(&b));

	/* A block released into a lane's cache does not hold back a span. */
	ASSERT_EQ(0, arena_buddy_alloc(&b, 4 * KiB, &small));
	ASSERT_EQ(0, arena_buddy_free(&b, small.offset, 4 * KiB));
	EXPECT_EQ(2, arena_buddy_free_blocks(&b, 0));	/* its buddy, and itself cached */
	ASSERT_EQ(0, arena_buddy_alloc_span(&b, 16 * MiB, &span));
	ASSERT_EQ(0, arena_buddy_free(&b, 0, 16 * MiB));
	arena_buddy_destroy(&b);
}

TEST(buddy_chunks_never_merge)
{
	struct arena_buddy_geometry g = { .total = 8 * MiB, .min_block = 4 * KiB,
					  .max_block = 2 * MiB };
	struct arena_block blk[4], small;
	struct arena_buddy b;
	int i;

	ASSERT_EQ(0, arena_buddy_geometry(&g));
	ASSERT_EQ(4, g.nr_chunks);
	ASSERT_EQ(0, arena_buddy_init(&b, &g));
	EXPECT_EQ(-EFBIG, arena_buddy_alloc(&b, 4 * MiB, &small));
	ASSERT_EQ(4, arena_buddy_alloc_batch(&b, 2 * MiB, 8, blk));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(i * 2 * MiB, blk[i].offset);
	EXPECT_EQ(-ENOSPC, arena_buddy_alloc(&b, 4 * KiB, &small));
	EXPECT_EQ(4, arena_buddy_free_batch(&b, blk, 4, 2 * MiB));
	EXPECT_EQ(4, arena_buddy_free_blocks(&b, b.max_order));
	EXPECT_EQ(2 * MiB, arena_buddy_largest_free(&b));

	/* A block never straddles chunks: fill with 1.5 MiB requests. */
	ASSERT_EQ(4, arena_buddy_alloc_batch(&b, 1536 * KiB, 4, blk));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, blk[i].offset % (2 * MiB));
	arena_buddy_destroy(&b);
}

TEST(buddy_batch_partial_then_full)
{
	struct arena_buddy_geometry g = { .total = 64 * KiB, .min_block = 4 * KiB,
					  .max_block = 64 * KiB };
	struct arena_block blk[32];
	struct arena_core_stats st;
	struct arena_buddy b;
	int i;

	ASSERT_EQ(0, arena_buddy_geometry(&g));
	ASSERT_EQ(0, arena_buddy_init(&b, &g));
	ASSERT_EQ(16, arena_buddy_alloc_batch(&b, 4 * KiB, 32, blk));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(i * 4 * KiB, blk[i].offset);
	EXPECT_EQ(-ENOSPC, arena_buddy_alloc_batch(&b, 4 * KiB, 1, blk + 16));
	EXPECT_EQ(-EINVAL, arena_buddy_alloc_batch(&b, 4 * KiB, 0, blk + 16));
	EXPECT_EQ(16, arena_buddy_free_batch(&b, blk, 16, 4 * KiB));
	st = buddy_stats(&b);	/* the lane's cache emptied: coalesced whole */
	EXPECT_EQ(64 * KiB, st.largest_free_block);
	EXPECT_EQ(15, st.coalesces);
	arena_buddy_destroy(&b);
}

/* --- fixed slots ---------------------------------------------------------- */

TEST(slots_geometry_errors_are_distinct)
{
	struct arena_slots_geometry g;

	g = (struct arena_slots_geometry){ .slot_size = 0, .slot_count = 1, .align = 64, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EINVAL, arena_slots_geometry(&g));
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = 0, .align = 64, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EINVAL, arena_slots_geometry(&g));
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = 1, .align = 48, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EINVAL, arena_slots_geometry(&g));	/* alignment not a power of two */
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = 1, .align = 0, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EINVAL, arena_slots_geometry(&g));
	g = (struct arena_slots_geometry){ .slot_size = 3 * MiB, .slot_count = 1, .align = 64, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EINVAL, arena_slots_geometry(&g));	/* slot larger than a chunk */
	g = (struct arena_slots_geometry){ .slot_size = ~0ULL - 10, .slot_count = 1, .align = 4096, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EOVERFLOW, arena_slots_geometry(&g));	/* rounding overflows */
	g = (struct arena_slots_geometry){ .slot_size = 2 * MiB, .slot_count = ~0ULL, .align = 4096, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EOVERFLOW, arena_slots_geometry(&g));	/* total overflows */
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = 1ULL << 40, .align = 64, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EOVERFLOW, arena_slots_geometry(&g));	/* too many to index */
	/* Found by core_fuzz: rounding the chunk count up must not wrap to 0. */
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = ~0ULL - 100, .align = 64, .chunk_size = 2 * MiB };
	EXPECT_EQ(-EOVERFLOW, arena_slots_geometry(&g));
}

TEST(slots_rounding_and_chunk_layout)
{
	struct arena_slots_geometry g = { .slot_size = 3000, .slot_count = 1000,
					  .align = 4096, .chunk_size = 2 * MiB };
	struct arena_block blk[64];
	struct arena_slots s;
	u64 seen = 0;
	int n, i;

	ASSERT_EQ(0, arena_slots_geometry(&g));
	EXPECT_EQ(4096, g.slot_size);
	EXPECT_EQ(512, g.slots_per_chunk);
	EXPECT_EQ(2, g.nr_chunks);
	EXPECT_EQ(4 * MiB, g.total);

	/* 12 KiB slots: 170 per chunk, a non-power-of-two layout. */
	g = (struct arena_slots_geometry){ .slot_size = 12 * KiB, .slot_count = 400,
					   .align = 4096, .chunk_size = 2 * MiB };
	ASSERT_EQ(0, arena_slots_geometry(&g));
	EXPECT_EQ(170, g.slots_per_chunk);
	EXPECT_EQ(3, g.nr_chunks);
	ASSERT_EQ(0, arena_slots_init(&s, &g));
	while ((n = arena_slots_alloc_batch(&s, 12 * KiB, 64, blk)) > 0) {
		for (i = 0; i < n; i++) {
			u64 end = blk[i].offset + blk[i].size;

			EXPECT_EQ(blk[i].offset / (2 * MiB), (end - 1) / (2 * MiB));
			EXPECT_EQ(0, (blk[i].offset % (2 * MiB)) % (12 * KiB));
			EXPECT_LT(end, g.total + 1);
		}
		seen += n;
	}
	EXPECT_EQ(-ENOSPC, n);
	EXPECT_EQ(400, seen);
	EXPECT_EQ(400 * 12 * KiB, slots_stats(&s).bytes_reserved);
	EXPECT_EQ(0, slots_stats(&s).largest_free_block);
	/* Offsets that are not slot starts. */
	EXPECT_EQ(-EINVAL, arena_slots_free(&s, 170 * 12 * KiB, 1));	/* tail of chunk 0 */
	EXPECT_EQ(-EINVAL, arena_slots_free(&s, 4096, 1));
	EXPECT_EQ(-EINVAL, arena_slots_free(&s, 2 * 2 * MiB + 60 * 12 * KiB, 1)); /* past count */
	EXPECT_EQ(-EINVAL, arena_slots_free(&s, g.total, 1));
	arena_slots_destroy(&s);
}

FIXTURE(slots) {
	struct arena_slots s;
};

FIXTURE_SETUP(slots)
{
	struct arena_slots_geometry g = { .slot_size = 256, .slot_count = 200,
					  .align = 256, .chunk_size = 2 * MiB };

	ASSERT_EQ(0, arena_slots_geometry(&g));
	ASSERT_EQ(0, arena_slots_init(&self->s, &g));
}

FIXTURE_TEARDOWN(slots)
{
	arena_slots_destroy(&self->s);
}

TEST_F(slots, alloc_free_counters_and_double_free)
{
	struct arena_block blk;
	struct arena_core_stats st;

	EXPECT_EQ(-EINVAL, arena_slots_alloc(&self->s, 0, &blk));
	EXPECT_EQ(-EFBIG, arena_slots_alloc(&self->s, 257, &blk));
	ASSERT_EQ(0, arena_slots_alloc(&self->s, 100, &blk));
	EXPECT_EQ(0, blk.offset % 256);
	EXPECT_EQ(256, blk.size);
	EXPECT_EQ(256, blk.capacity);
	st = slots_stats(&self->s);
	EXPECT_EQ(1, st.allocations_ok);
	EXPECT_EQ(100, st.bytes_live);
	EXPECT_EQ(256, st.bytes_reserved);
	EXPECT_EQ(256, st.largest_free_block);

	EXPECT_EQ(-EINVAL, arena_slots_free(&self->s, blk.offset, 0));
	EXPECT_EQ(-EINVAL, arena_slots_free(&self->s, blk.offset, 300));
	EXPECT_EQ(-EINVAL, arena_slots_free(&self->s, blk.offset + 1, 100));
	ASSERT_EQ(0, arena_slots_free(&self->s, blk.offset, 100));
	EXPECT_EQ(-EINVAL, arena_slots_free(&self->s, blk.offset, 100));
	st = slots_stats(&self->s);
	EXPECT_EQ(1, st.frees);
	EXPECT_EQ(0, st.bytes_live);
	EXPECT_EQ(0, st.bytes_reserved);
}

TEST_F(slots, batch_prefers_one_word_and_reports_partial)
{
	struct arena_block blk[256];
	int n, i;

	n = arena_slots_alloc_batch(&self->s, 256, 8, blk);
	ASSERT_EQ(8, n);
	for (i = 1; i < 8; i++)		/* one word: neighbouring slots */
		EXPECT_EQ(blk[0].offset / (64 * 256), blk[i].offset / (64 * 256));
	n = arena_slots_alloc_batch(&self->s, 256, 256, blk + 8);
	EXPECT_EQ(192, n);		/* partial: only 192 left */
	EXPECT_EQ(-ENOSPC, arena_slots_alloc_batch(&self->s, 256, 1, blk));
	EXPECT_EQ(1, slots_stats(&self->s).allocations_failed);
	EXPECT_EQ(200, slots_stats(&self->s).allocations_ok);
	EXPECT_EQ(200, arena_slots_free_batch(&self->s, blk, 200, 256));
	EXPECT_EQ(0, arena_slots_free_batch(&self->s, blk, 200, 256));
	EXPECT_EQ(0, slots_stats(&self->s).bytes_reserved);
}

TEST(metadata_is_under_0_2_percent)
{
	struct arena_buddy_geometry bg = { .total = 64 * MiB, .min_block = 256,
					   .max_block = 2 * MiB };
	struct arena_slots_geometry sg = { .slot_size = 256, .slot_count = 64 * MiB / 256,
					   .align = 256, .chunk_size = 2 * MiB };
	struct arena_buddy b;
	struct arena_slots s;

	ASSERT_EQ(0, arena_buddy_geometry(&bg));
	ASSERT_EQ(0, arena_buddy_init(&b, &bg));
	TH_LOG("buddy 64 MiB / 256 B: %zu bytes of metadata", arena_buddy_metadata_bytes(&b));
	EXPECT_LE(arena_buddy_metadata_bytes(&b) * 1000, 2 * bg.total);
	arena_buddy_destroy(&b);

	ASSERT_EQ(0, arena_slots_geometry(&sg));
	ASSERT_EQ(0, arena_slots_init(&s, &sg));
	EXPECT_LE(arena_slots_metadata_bytes(&s) * 1000, 2 * sg.total);
	arena_slots_destroy(&s);
}

TEST_HARNESS_MAIN
