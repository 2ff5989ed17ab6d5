// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the allocator core (slots.c, buddy.c) as arena.ko runs
 * it: kernel atomics, per-CPU counters and spinlocks, under whatever
 * checkers the kernel has (KASAN, lockdep).  The same rules are tested
 * natively by kmod/host/core_test.c; what only the kernel can show is
 * tested here too: counters summed over CPUs and concurrent claims on two
 * CPUs that never overlap.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "../core/buddy.h"
#include "../kcompat.h"
#include "../core/slots.h"

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

/*
 * Allocators made by a test are destroyed when it ends, passed or not: a
 * KUnit resource (kunit_add_action() is 6.5+) whose data is the allocator.
 */
static int keep_data(struct kunit_resource *res, void *data)
{
	res->data = data;
	return 0;
}

static void buddy_destroy_res(struct kunit_resource *res)
{
	arena_buddy_destroy(res->data);
}

static struct arena_buddy *make_buddy(struct kunit *test, u64 total, u64 min_block,
				      u64 max_block, u32 flags)
{
	struct arena_buddy_geometry g = {
		.total = total, .min_block = min_block, .max_block = max_block, .flags = flags,
	};
	struct arena_buddy *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	void *res;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_geometry(&g));
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_init(b, &g));
	res = kunit_alloc_resource(test, keep_data, buddy_destroy_res, GFP_KERNEL, b);
	if (!res)
		arena_buddy_destroy(b);
	KUNIT_ASSERT_NOT_NULL(test, res);
	return b;
}

static void slots_destroy_res(struct kunit_resource *res)
{
	arena_slots_destroy(res->data);
}

static struct arena_slots *make_slots(struct kunit *test, u64 slot_size, u64 slot_count,
				      u64 align)
{
	struct arena_slots_geometry g = {
		.slot_size = slot_size, .slot_count = slot_count, .align = align,
		.chunk_size = SZ_2M,
	};
	struct arena_slots *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	void *res;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, 0, arena_slots_geometry(&g));
	KUNIT_ASSERT_EQ(test, 0, arena_slots_init(s, &g));
	res = kunit_alloc_resource(test, keep_data, slots_destroy_res, GFP_KERNEL, s);
	if (!res)
		arena_slots_destroy(s);
	KUNIT_ASSERT_NOT_NULL(test, res);
	return s;
}

/* --- buddy ----------------------------------------------------------------- */

static void buddy_geometry_errors_are_distinct(struct kunit *test)
{
	struct arena_buddy_geometry g;

	g = (struct arena_buddy_geometry){ .total = 0, .min_block = 512, .max_block = SZ_4K };
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = SZ_4K, .min_block = 500, .max_block = SZ_4K };
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 3 * SZ_1M, .min_block = 512,
					   .max_block = SZ_2M };
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = SZ_4K, .min_block = 512, .max_block = SZ_4K,
					   .flags = 0x80 };
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = ~0ULL, .min_block = 512, .max_block = SZ_2M,
					   .flags = ARENA_BUDDY_NEAREST };
	KUNIT_EXPECT_EQ(test, -EOVERFLOW, arena_buddy_geometry(&g));
	g = (struct arena_buddy_geometry){ .total = 1ULL << 50, .min_block = 64,
					   .max_block = SZ_2M };
	KUNIT_EXPECT_EQ(test, -EOVERFLOW, arena_buddy_geometry(&g));
}

/* The scenario: 4096 bytes, 512-byte blocks, a 700-byte request. */
static void buddy_700_splits_twice_and_coalesces_back(struct kunit *test)
{
	struct arena_buddy *b = make_buddy(test, SZ_4K, 512, SZ_2M, ARENA_BUDDY_NEAREST);
	struct arena_core_stats st;
	struct arena_block blk;

	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(b, 700, &blk));
	KUNIT_EXPECT_EQ(test, 0ULL, blk.offset);
	KUNIT_EXPECT_EQ(test, 1024ULL, blk.size);
	KUNIT_EXPECT_EQ(test, 700ULL, blk.capacity);
	st = buddy_stats(b);
	KUNIT_EXPECT_EQ(test, 2ULL, st.splits);
	KUNIT_EXPECT_EQ(test, 2048ULL, st.largest_free_block);
	KUNIT_EXPECT_EQ(test, 700ULL, st.bytes_live);

	KUNIT_ASSERT_EQ(test, 0, arena_buddy_free(b, blk.offset, 700));
	st = buddy_stats(b);
	KUNIT_EXPECT_EQ(test, 2ULL, st.coalesces);
	KUNIT_EXPECT_EQ(test, 4096ULL, st.largest_free_block);
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_live);
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_reserved);
}

static void buddy_full_oversized_and_zero_are_distinct(struct kunit *test)
{
	struct arena_buddy *b = make_buddy(test, SZ_4K, 512, SZ_4K, 0);
	struct arena_block blk, other;

	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_alloc(b, 0, &blk));
	KUNIT_EXPECT_EQ(test, -EFBIG, arena_buddy_alloc(b, SZ_4K + 1, &blk));
	KUNIT_EXPECT_EQ(test, 0ULL, buddy_stats(b).allocations_failed);
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(b, SZ_4K, &blk));
	KUNIT_EXPECT_EQ(test, -ENOSPC, arena_buddy_alloc(b, 1, &other));
	KUNIT_EXPECT_EQ(test, 1ULL, buddy_stats(b).allocations_failed);
	KUNIT_EXPECT_EQ(test, 0, arena_buddy_free(b, blk.offset, SZ_4K));
}

static void buddy_free_rejects_what_is_not_a_live_grant(struct kunit *test)
{
	struct arena_buddy *b = make_buddy(test, SZ_4K, 512, SZ_4K, 0);
	struct arena_block a, c;

	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(b, 1024, &a));	/* [0, 1024) */
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(b, 512, &c));	/* [1024, 1536) */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, a.offset, 512));	/* wrong size */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, a.offset, 2048));	/* parent */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, 512, 512));		/* inside */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, 1536, 512));	/* free */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, 100, 512));		/* unaligned */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, SZ_8K, 512));	/* outside */
	KUNIT_EXPECT_EQ(test, 0ULL, buddy_stats(b).frees);
	KUNIT_EXPECT_EQ(test, 0, arena_buddy_free(b, a.offset, 1000));
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, a.offset, 1000));	/* double */
	KUNIT_EXPECT_EQ(test, 0, arena_buddy_free(b, c.offset, 512));
	KUNIT_EXPECT_EQ(test, (u64)SZ_4K, buddy_stats(b).largest_free_block);
}

/*
 * A released small block waits uncoalesced in its lane's cache for the next
 * grant of its size, is counted free by a poll, cannot be released twice,
 * and does not stand in the way of a block or a span that needs it
 * coalesced: the request empties the caches before it answers -ENOSPC.
 */
static void buddy_cache_serves_again_and_drains_when_needed(struct kunit *test)
{
	struct arena_buddy *b = make_buddy(test, SZ_2M, SZ_4K, SZ_2M, 0);	/* one lane */
	struct arena_buddy *two = make_buddy(test, SZ_4M, SZ_4K, SZ_2M, 0);
	struct arena_block blk[8], again;
	struct arena_core_stats st;
	int i;

	KUNIT_ASSERT_EQ(test, 8, arena_buddy_alloc_batch(b, SZ_4K, 8, blk));
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, 0, arena_buddy_free(b, blk[i].offset, SZ_4K));
	KUNIT_EXPECT_EQ(test, 8ULL, arena_buddy_free_blocks(b, 0));	/* all cached */
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_buddy_free(b, blk[3].offset, SZ_4K));
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(b, SZ_4K, &again));
	KUNIT_EXPECT_EQ(test, blk[7].offset, again.offset);	/* the last one back */
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_free(b, again.offset, SZ_4K));
	/* Nothing in the lists serves the whole chunk: the cache is emptied. */
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(b, SZ_2M, &again));
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_free(b, again.offset, SZ_2M));
	st = buddy_stats(b);
	KUNIT_EXPECT_EQ(test, 10ULL, st.allocations_ok);
	KUNIT_EXPECT_EQ(test, 0ULL, st.allocations_failed);
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_reserved);
	KUNIT_EXPECT_EQ(test, st.splits, st.coalesces);

	/* A block in either lane's cache does not hold back a span. */
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc(two, SZ_4K, &again));
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_free(two, again.offset, SZ_4K));
	KUNIT_EXPECT_EQ(test, 2ULL, arena_buddy_free_blocks(two, 0));	/* its buddy, itself */
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_alloc_span(two, SZ_4M, &again));
	KUNIT_ASSERT_EQ(test, 0, arena_buddy_free(two, again.offset, SZ_4M));
}

static void buddy_blocks_never_cross_chunks(struct kunit *test)
{
	struct arena_buddy *b = make_buddy(test, SZ_8M, SZ_4K, SZ_2M, 0);
	struct arena_block blk[4], small;
	unsigned long seen = 0;
	int i;

	KUNIT_EXPECT_EQ(test, -EFBIG, arena_buddy_alloc(b, SZ_4M, &small));
	KUNIT_ASSERT_EQ(test, 4, arena_buddy_alloc_batch(b, SZ_2M, 8, blk));
	/* Each chunk once; in which order depends on the CPU's lane. */
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, 0ULL, blk[i].offset % SZ_2M);
		KUNIT_EXPECT_LT(test, blk[i].offset, (u64)SZ_8M);
		seen |= BIT(blk[i].offset / SZ_2M);
	}
	KUNIT_EXPECT_EQ(test, 0xfUL, seen);
	KUNIT_EXPECT_EQ(test, -ENOSPC, arena_buddy_alloc(b, SZ_4K, &small));
	KUNIT_EXPECT_EQ(test, 4, arena_buddy_free_batch(b, blk, 4, SZ_2M));
	KUNIT_ASSERT_EQ(test, 4, arena_buddy_alloc_batch(b, 1536 * SZ_1K, 4, blk));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, 0ULL, blk[i].offset % SZ_2M);
	KUNIT_EXPECT_EQ(test, 4, arena_buddy_free_batch(b, blk, 4, 1536 * SZ_1K));
}

/* --- fixed slots ----------------------------------------------------------- */

static void slots_geometry_rounds_and_rejects(struct kunit *test)
{
	struct arena_slots_geometry g = { .slot_size = 3000, .slot_count = 1000,
					  .align = SZ_4K, .chunk_size = SZ_2M };

	KUNIT_ASSERT_EQ(test, 0, arena_slots_geometry(&g));
	KUNIT_EXPECT_EQ(test, (u64)SZ_4K, g.slot_size);
	KUNIT_EXPECT_EQ(test, 512ULL, g.slots_per_chunk);
	KUNIT_EXPECT_EQ(test, 2ULL, g.nr_chunks);
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = 1, .align = 48,
					   .chunk_size = SZ_2M };
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_slots_geometry(&g));
	g = (struct arena_slots_geometry){ .slot_size = 3 * SZ_1M, .slot_count = 1, .align = 64,
					   .chunk_size = SZ_2M };
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_slots_geometry(&g));
	g = (struct arena_slots_geometry){ .slot_size = 64, .slot_count = ~0ULL - 100,
					   .align = 64, .chunk_size = SZ_2M };
	KUNIT_EXPECT_EQ(test, -EOVERFLOW, arena_slots_geometry(&g));
}

static void slots_alloc_free_counters_and_double_free(struct kunit *test)
{
	struct arena_slots *s = make_slots(test, 256, 200, 256);
	struct arena_core_stats st;
	struct arena_block blk;

	KUNIT_EXPECT_EQ(test, -EINVAL, arena_slots_alloc(s, 0, &blk));
	KUNIT_EXPECT_EQ(test, -EFBIG, arena_slots_alloc(s, 257, &blk));
	KUNIT_ASSERT_EQ(test, 0, arena_slots_alloc(s, 100, &blk));
	KUNIT_EXPECT_EQ(test, 0ULL, blk.offset % 256);
	st = slots_stats(s);
	KUNIT_EXPECT_EQ(test, 100ULL, st.bytes_live);
	KUNIT_EXPECT_EQ(test, 256ULL, st.bytes_reserved);
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_slots_free(s, blk.offset + 1, 100));
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_slots_free(s, blk.offset, 300));
	KUNIT_ASSERT_EQ(test, 0, arena_slots_free(s, blk.offset, 100));
	KUNIT_EXPECT_EQ(test, -EINVAL, arena_slots_free(s, blk.offset, 100));
	st = slots_stats(s);
	KUNIT_EXPECT_EQ(test, 1ULL, st.frees);
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_live);
}

static void slots_batch_is_partial_then_full(struct kunit *test)
{
	struct arena_slots *s = make_slots(test, 256, 200, 256);
	struct arena_block *blk = kunit_kcalloc(test, 256, sizeof(*blk), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blk);
	KUNIT_EXPECT_EQ(test, 8, arena_slots_alloc_batch(s, 256, 8, blk));
	KUNIT_EXPECT_EQ(test, 192, arena_slots_alloc_batch(s, 256, 248, blk + 8));
	KUNIT_EXPECT_EQ(test, -ENOSPC, arena_slots_alloc_batch(s, 256, 1, blk));
	KUNIT_EXPECT_EQ(test, 200, arena_slots_free_batch(s, blk, 200, 256));
	KUNIT_EXPECT_EQ(test, 0ULL, slots_stats(s).bytes_reserved);
}

/* --- the kernel's own concurrency ------------------------------------------ */

/*
 * Every online CPU allocates and frees through one allocator at once.  An
 * owner byte per position catches overlap: a claim must find it zero.
 * The racers together never hold every position, so a claim that fails
 * is a false "full": exact, whatever the timing.
 */
#define RACE_POSITIONS	512	/* 2 MiB of 4 KiB blocks or slots */
#define RACE_ROUNDS	4000
#define RACE_HELD	8	/* blocks a racer holds at most */

struct race {
	struct kunit *test;
	struct arena_buddy *b;		/* one of these two */
	struct arena_slots *s;
	unsigned int positions;		/* 4 KiB positions of the arena */
	unsigned int held_max;		/* blocks a racer holds at most */
	bool sawtooth;			/* fill to held_max, then empty: lanes run dry */
	u8 *owner;			/* per position */
	atomic_t overlaps, bad_frees, grants, full;
	unsigned int racers;
};

struct racer {
	struct work_struct work;
	struct race *race;
	u8 id;
};

static void racer_work(struct work_struct *work)
{
	struct racer *r = container_of(work, struct racer, work);
	struct race *race = r->race;
	struct arena_block *held = kcalloc(race->held_max, sizeof(*held), GFP_KERNEL);
	unsigned int n = 0, i;
	bool filling = true;
	int ret;

	if (!held) {
		atomic_inc(&race->full);
		return;
	}
	for (i = 0; i < RACE_ROUNDS; i++) {
		bool take;

		if (race->sawtooth) {
			if (n == race->held_max)
				filling = false;
			else if (!n)
				filling = true;
			take = filling;
		} else {
			take = n < race->held_max && (n == 0 || get_random_u32() % 2);
		}

		if (take) {
			ret = race->b ? arena_buddy_alloc(race->b, SZ_4K, &held[n]) :
					arena_slots_alloc(race->s, SZ_4K, &held[n]);
			if (ret) {	/* cannot happen: see run_race() */
				atomic_inc(&race->full);
				continue;
			}
			if (cmpxchg(&race->owner[held[n].offset / SZ_4K], 0, r->id))
				atomic_inc(&race->overlaps);
			atomic_inc(&race->grants);
			n++;
		} else {
			n--;
			WRITE_ONCE(race->owner[held[n].offset / SZ_4K], 0);
			ret = race->b ? arena_buddy_free(race->b, held[n].offset, SZ_4K) :
					arena_slots_free(race->s, held[n].offset, SZ_4K);
			if (ret)
				atomic_inc(&race->bad_frees);
		}
		if (i % 256 == 0)
			cond_resched();
	}
	while (n--) {
		WRITE_ONCE(race->owner[held[n].offset / SZ_4K], 0);
		if (race->b ? arena_buddy_free(race->b, held[n].offset, SZ_4K) :
			      arena_slots_free(race->s, held[n].offset, SZ_4K))
			atomic_inc(&race->bad_frees);
	}
	kfree(held);
}

static void run_race(struct kunit *test, struct race *race)
{
	struct racer *racers;
	unsigned int cpu, nr = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "one CPU online: nothing runs concurrently");
	race->test = test;
	race->positions = race->positions ?: RACE_POSITIONS;
	race->held_max = race->held_max ?: RACE_HELD;
	race->owner = kunit_kzalloc(test, race->positions, GFP_KERNEL);
	racers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*racers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, race->owner);
	KUNIT_ASSERT_NOT_NULL(test, racers);

	/*
	 * Each racer holds at most held_max blocks, so with no more than
	 * (positions - 1) / held_max of them the allocator can never be full
	 * and every claim must succeed.
	 */
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (nr == (race->positions - 1) / race->held_max)
			break;
		racers[nr] = (struct racer){ .race = race, .id = nr + 1 };
		INIT_WORK(&racers[nr].work, racer_work);
		queue_work_on(cpu, system_highpri_wq, &racers[nr].work);
		nr++;
	}
	cpus_read_unlock();
	race->racers = nr;
	while (nr--)
		flush_work(&racers[nr].work);

	KUNIT_EXPECT_EQ(test, 0, atomic_read(&race->overlaps));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&race->bad_frees));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&race->full));
	/*
	 * Every round takes or releases, and a racer never releases more than
	 * it took: at least half of each racer's rounds made a grant.  (Not a
	 * speed check: the count does not depend on timing.)
	 */
	KUNIT_EXPECT_GE(test, atomic_read(&race->grants), (int)(race->racers * RACE_ROUNDS / 2));
}

static void buddy_concurrent_claims_never_overlap(struct kunit *test)
{
	struct race race = { .b = make_buddy(test, SZ_2M, SZ_4K, SZ_2M, 0) };
	struct arena_core_stats st;

	run_race(test, &race);
	st = buddy_stats(race.b);
	/* Per-CPU counters: a grant freed on another CPU still sums to zero. */
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_live);
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&race.grants), st.allocations_ok);
	KUNIT_EXPECT_EQ(test, st.allocations_ok, st.frees);
	KUNIT_EXPECT_EQ(test, (u64)SZ_2M, arena_buddy_largest_free(race.b));
}

/*
 * A multi-lane arena (two chunks, so two lanes when two CPUs are online),
 * each racer filling up to just short of half the arena and emptying it
 * again: its own lane runs dry and it must take from the other, while the
 * other racer does the same; together they never hold every block, so no
 * claim may find the arena full.
 */
static void buddy_lanes_never_falsely_full(struct kunit *test)
{
	struct race race = {
		.b = make_buddy(test, SZ_4M, SZ_4K, SZ_2M, 0),
		.positions = SZ_4M / SZ_4K, .sawtooth = true,
	};
	struct arena_core_stats st;

	race.held_max = (race.positions - 1) / min(num_online_cpus(), 2U);
	KUNIT_EXPECT_LE(test, 2U, race.b->nr_lanes);
	run_race(test, &race);
	st = buddy_stats(race.b);
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_live);
	KUNIT_EXPECT_EQ(test, st.allocations_ok, st.frees);
	KUNIT_EXPECT_EQ(test, (u64)SZ_2M, arena_buddy_largest_free(race.b));
}

static void slots_concurrent_claims_never_overlap(struct kunit *test)
{
	struct race race = { .s = make_slots(test, SZ_4K, RACE_POSITIONS, SZ_4K) };
	struct arena_core_stats st;

	run_race(test, &race);
	st = slots_stats(race.s);
	KUNIT_EXPECT_EQ(test, 0ULL, st.bytes_live);
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&race.grants), st.allocations_ok);
	KUNIT_EXPECT_EQ(test, st.allocations_ok, st.frees);
}

/*
 * A lane seen without its lock is seen between operations, never mid-split
 * or mid-merge.  One CPU allocates and frees a 4 KiB block of an otherwise
 * free 2 MiB lane, so that every allocation splits the chunk nine times and
 * every free merges it back; the other reads the lane lock-free, as the
 * allocation path and poll() do.  At most 4 KiB is ever allocated, so the
 * largest free block is never below 1 MiB and allocating 1 MiB never fails.
 */
#define PEEK_READS	200000
#define PEEK_CYCLES	2000	/* allocate-free cycles the reads must overlap */

struct churn {
	struct work_struct work;
	struct arena_buddy *b;
	bool stop;
	unsigned int cycles;
	int bad_ops;
};

static void churn_work(struct work_struct *work)
{
	struct churn *c = container_of(work, struct churn, work);
	struct arena_block blk;
	unsigned int i;

	for (i = 0; !READ_ONCE(c->stop); i++) {
		if (arena_buddy_alloc(c->b, SZ_4K, &blk) ||
		    arena_buddy_free(c->b, blk.offset, SZ_4K))
			c->bad_ops++;
		WRITE_ONCE(c->cycles, i + 1);
		if (i % 256 == 0)
			cond_resched();
	}
}

static void buddy_lock_free_reads_see_whole_operations(struct kunit *test)
{
	struct churn c = { .b = make_buddy(test, SZ_2M, SZ_4K, SZ_2M, 0) };
	unsigned int i, small = 0, failed = 0, cpu;
	struct arena_block big;

	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu >= nr_cpu_ids)
		kunit_skip(test, "one CPU online: nothing runs concurrently");
	INIT_WORK_ONSTACK(&c.work, churn_work);
	queue_work_on(cpu, system_highpri_wq, &c.work);
	/* Reads and cycles overlap for sure: a hang is the VM runner's to catch. */
	while (!READ_ONCE(c.cycles))
		cond_resched();
	for (i = 0; i < PEEK_READS || READ_ONCE(c.cycles) < PEEK_CYCLES; i++) {
		if (arena_buddy_largest_free(c.b) < SZ_1M)
			small++;
		if (i % 64 == 0) {
			if (arena_buddy_alloc(c.b, SZ_1M, &big))
				failed++;
			else
				arena_buddy_free(c.b, big.offset, SZ_1M);
		}
		if (i % 256 == 0)
			cond_resched();
	}
	WRITE_ONCE(c.stop, true);
	flush_work(&c.work);
	destroy_work_on_stack(&c.work);

	kunit_info(test, "%u lock-free reads over %u allocate-free cycles\n", i, c.cycles);
	KUNIT_EXPECT_EQ(test, 0, c.bad_ops);
	KUNIT_EXPECT_EQ(test, 0U, small);
	KUNIT_EXPECT_EQ(test, 0U, failed);
}

static struct kunit_case arena_buddy_cases[] = {
	KUNIT_CASE(buddy_geometry_errors_are_distinct),
	KUNIT_CASE(buddy_700_splits_twice_and_coalesces_back),
	KUNIT_CASE(buddy_full_oversized_and_zero_are_distinct),
	KUNIT_CASE(buddy_free_rejects_what_is_not_a_live_grant),
	KUNIT_CASE(buddy_cache_serves_again_and_drains_when_needed),
	KUNIT_CASE(buddy_blocks_never_cross_chunks),
	KUNIT_CASE(buddy_concurrent_claims_never_overlap),
	KUNIT_CASE(buddy_lanes_never_falsely_full),
	KUNIT_CASE(buddy_lock_free_reads_see_whole_operations),
	{}
};

static struct kunit_suite arena_buddy_suite = {
	.name = "arena_buddy",
	.test_cases = arena_buddy_cases,
};

static struct kunit_case arena_slots_cases[] = {
	KUNIT_CASE(slots_geometry_rounds_and_rejects),
	KUNIT_CASE(slots_alloc_free_counters_and_double_free),
	KUNIT_CASE(slots_batch_is_partial_then_full),
	KUNIT_CASE(slots_concurrent_claims_never_overlap),
	{}
};

static struct kunit_suite arena_slots_suite = {
	.name = "arena_slots",
	.test_cases = arena_slots_cases,
};

kunit_test_suites(&arena_buddy_suite, &arena_slots_suite);

MODULE_DESCRIPTION("KUnit tests of arena.ko's allocator core and grant lifetimes");
MODULE_LICENSE("GPL");
ARENA_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
