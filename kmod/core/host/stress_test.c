// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-threaded stress of the allocator core on the host: threads allocate,
 * stamp every word of their grant with (thread, sequence), verify the stamp,
 * and release, on one shared arena-sized buffer.  Two grants that overlap
 * would overwrite each other's stamps.  At the end every counter must be
 * back to zero and the arena whole.
 *
 * ARENA_STRESS_OPS sets the operations per thread.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../buddy.h"
#include "../slots.h"

#include "../kselftest_harness.h"

#define NR_THREADS	4
#define HELD		16	/* grants a thread holds at once */

struct stress {
	struct arena_buddy *b;	/* one of b or s */
	struct arena_slots *s;
	u64 max_req;
	u64 max_span;		/* buddy: one request in eight is a span up to this */
	u64 *memory;		/* the "arena": total bytes */
	u64 ops;
	int errors;
};

struct worker {
	struct stress *st;
	unsigned int id;
	u64 rng;
	u64 grants, enospc;
};

static u64 next_rand(u64 *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

static int do_alloc(struct stress *st, u64 req, struct arena_block *blk)
{
	if (st->b && req > st->max_req)
		return arena_buddy_alloc_span(st->b, req, blk);
	return st->b ? arena_buddy_alloc(st->b, req, blk) : arena_slots_alloc(st->s, req, blk);
}

static int do_free(struct stress *st, const struct arena_block *blk, u64 req)
{
	return st->b ? arena_buddy_free(st->b, blk->offset, req) :
		       arena_slots_free(st->s, blk->offset, req);
}

static void stamp(struct stress *st, const struct arena_block *blk, u64 tag)
{
	u64 *p = st->memory + blk->offset / 8;
	u64 i;

	for (i = 0; i < blk->size / 8; i++)
		p[i] = tag;
}

static bool verify(struct stress *st, const struct arena_block *blk, u64 tag)
{
	u64 *p = st->memory + blk->offset / 8;
	u64 i;

	for (i = 0; i < blk->size / 8; i++)
		if (p[i] != tag)
			return false;
	return true;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	struct arena_block held[HELD];
	u64 req[HELD], tag[HELD], op;
	unsigned int n = 0, i;

	for (op = 0; op < st->ops; op++) {
		bool alloc = n < HELD && (n == 0 || next_rand(&w->rng) % 2);

		if (alloc) {
			u64 r = 1 + next_rand(&w->rng) % st->max_req;
			int ret;

			if (st->max_span && next_rand(&w->rng) % 8 == 0)
				r = st->max_req + 1 + next_rand(&w->rng) % (st->max_span - st->max_req);
			ret = do_alloc(st, r, &held[n]);

			if (ret == -ENOSPC) {
				w->enospc++;
				continue;
			}
			if (ret) {
				__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELAXED);
				break;
			}
			req[n] = r;
			tag[n] = ((u64)w->id << 48) | op;
			stamp(st, &held[n], tag[n]);
			n++;
			w->grants++;
		} else {
			i = next_rand(&w->rng) % n;
			if (!verify(st, &held[i], tag[i]) || do_free(st, &held[i], req[i]))
				__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELAXED);
			held[i] = held[--n];
			req[i] = req[n];
			tag[i] = tag[n];
		}
	}
	while (n--)
		if (!verify(st, &held[n], tag[n]) || do_free(st, &held[n], req[n]))
			__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELAXED);
	return NULL;
}

static u64 ops_per_thread(void)
{
	const char *s = getenv("ARENA_STRESS_OPS");

	return s ? strtoull(s, NULL, 0) : 300000;
}

static void run(struct __test_metadata *_metadata, struct stress *st, u64 total)
{
	struct worker w[NR_THREADS];
	pthread_t t[NR_THREADS];
	u64 grants = 0, enospc = 0;
	unsigned int i;

	st->memory = calloc(total / 8, 8);
	ASSERT_NE(NULL, st->memory);
	st->ops = ops_per_thread();
	for (i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .st = st, .id = i + 1, .rng = 0x9e3779b97f4a7c15ULL * (i + 1) };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		grants += w[i].grants;
		enospc += w[i].enospc;
	}
	free(st->memory);
	TH_LOG("%d threads: %llu grants stamped and verified, %llu ENOSPC",
	       NR_THREADS, (unsigned long long)grants, (unsigned long long)enospc);
	ASSERT_EQ(0, st->errors);
	ASSERT_LT(0, grants);
}

/* Four lanes (one chunk each), and one lane that every thread contends on. */
FIXTURE(buddy_stress) {
	struct arena_buddy b;
	struct arena_buddy_geometry g;
};

FIXTURE_VARIANT(buddy_stress) {
	u64 total, max_block, max_span;
};

FIXTURE_VARIANT_ADD(buddy_stress, four_lanes) { .total = 256 << 10, .max_block = 64 << 10 };
FIXTURE_VARIANT_ADD(buddy_stress, one_lane) { .total = 256 << 10, .max_block = 256 << 10 };
/* 64 chunks in 16 lanes, spans of up to 16 chunks across them. */
FIXTURE_VARIANT_ADD(buddy_stress, spans_across_lanes) {
	.total = 1 << 20, .max_block = 16 << 10, .max_span = 256 << 10,
};

FIXTURE_SETUP(buddy_stress)
{
	self->g = (struct arena_buddy_geometry){ .total = variant->total, .min_block = 256,
						 .max_block = variant->max_block };
	ASSERT_EQ(0, arena_buddy_geometry(&self->g));
	ASSERT_EQ(0, arena_buddy_init(&self->b, &self->g));
}

FIXTURE_TEARDOWN(buddy_stress)
{
	arena_buddy_destroy(&self->b);
}

TEST_F(buddy_stress, threads_never_overlap)
{
	struct stress st = { .max_req = min(16 << 10, variant->max_block),
			     .max_span = variant->max_span, .b = &self->b };
	struct arena_core_stats cs;

	TH_LOG("%u lanes", self->b.nr_lanes);
	run(_metadata, &st, self->g.total);
	arena_buddy_stats(&self->b, &cs);
	EXPECT_EQ(0, cs.bytes_live);
	EXPECT_EQ(0, cs.bytes_reserved);
	EXPECT_EQ(cs.allocations_ok, cs.frees);
	EXPECT_EQ(cs.splits, cs.coalesces);
	EXPECT_EQ(self->g.max_block, cs.largest_free_block);
	EXPECT_EQ(self->g.nr_chunks, arena_buddy_free_blocks(&self->b, self->b.max_order));
}

TEST(slots_threads_never_overlap)
{
	/* Few slots for the threads' demand: contention and ENOSPC both happen. */
	struct arena_slots_geometry g = { .slot_size = 512, .slot_count = 50,
					  .align = 64, .chunk_size = 8 << 10 };
	struct stress st = { .max_req = 512 };
	struct arena_core_stats cs;
	struct arena_slots s;

	ASSERT_EQ(0, arena_slots_geometry(&g));
	ASSERT_EQ(0, arena_slots_init(&s, &g));
	st.s = &s;
	run(_metadata, &st, g.total);
	arena_slots_stats(&s, &cs);
	EXPECT_EQ(0, cs.bytes_live);
	EXPECT_EQ(0, cs.bytes_reserved);
	EXPECT_EQ(cs.allocations_ok, cs.frees);
	arena_slots_destroy(&s);
}

/*
 * A lane read without its lock is seen between operations, never mid-split
 * or mid-merge (as kmod/kunit/core_kunit.c checks in the kernel): a thread
 * allocates and frees one 4 KiB block of an otherwise free 2 MiB lane, each
 * time splitting the chunk nine times and merging it back, while this one
 * reads the lane lock-free and allocates 1 MiB, which always fits.
 */
#define PEEK_READS	2000000
#define PEEK_CYCLES	20000

struct churn {
	struct arena_buddy *b;
	unsigned int cycles;
	bool stop;
	int bad_ops;
};

static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	struct arena_block blk;
	unsigned int i;

	for (i = 0; !READ_ONCE(c->stop); i++) {
		if (arena_buddy_alloc(c->b, 4096, &blk) || arena_buddy_free(c->b, blk.offset, 4096))
			c->bad_ops++;
		WRITE_ONCE(c->cycles, i + 1);
	}
	return NULL;
}

TEST(buddy_lock_free_reads_see_whole_operations)
{
	struct arena_buddy_geometry g = { .total = 2 << 20, .min_block = 4096,
					  .max_block = 2 << 20 };
	unsigned int i, small = 0, failed = 0;
	struct arena_block big;
	struct arena_buddy b;
	struct churn c;
	pthread_t t;

	ASSERT_EQ(0, arena_buddy_geometry(&g));
	ASSERT_EQ(0, arena_buddy_init(&b, &g));
	c = (struct churn){ .b = &b };
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_fn, &c));
	while (!READ_ONCE(c.cycles))
		;
	for (i = 0; i < PEEK_READS || READ_ONCE(c.cycles) < PEEK_CYCLES; i++) {
		if (arena_buddy_largest_free(&b) < (1 << 20))
			small++;
		if (i % 64 == 0) {
			if (arena_buddy_alloc(&b, 1 << 20, &big))
				failed++;
			else
				arena_buddy_free(&b, big.offset, 1 << 20);
		}
	}
	WRITE_ONCE(c.stop, true);
	ASSERT_EQ(0, pthread_join(t, NULL));
	arena_buddy_destroy(&b);
	TH_LOG("%u lock-free reads over %u allocate-free cycles", i, c.cycles);
	EXPECT_EQ(0, c.bad_ops);
	EXPECT_EQ(0, small);
	EXPECT_EQ(0, failed);
}

TEST_HARNESS_MAIN
