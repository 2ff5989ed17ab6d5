// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized differential test of the allocator core against a deliberately
 * simple model: an owner map with one entry per minimum unit of the arena.
 *
 * After every operation the allocator's answer must be one the model allows:
 * a grant covers only free units, is aligned and inside one chunk; -ENOSPC
 * only when the model has no free region that could serve the request
 * (which, for the buddy, also proves that coalescing never misses);
 * -EFBIG exactly for oversized requests; a free succeeds exactly for live
 * grants.  Buddy requests larger than a chunk are spans: exactly the
 * leftmost run of that many whole free chunks, -ENOSPC exactly when the
 * model has no such run, and the largest grant reported is the model's.  Every few hundred operations the counters must equal the
 * model's, and at the end everything is released and the arena is whole.
 *
 * ARENA_MODEL_OPS sets the operations per configuration, ARENA_MODEL_SEED
 * the seed, by default taken from the clock once per run, so that every
 * run explores other sequences (printed, so that a failure can be replayed
 * with ARENA_MODEL_SEED).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../buddy.h"
#include "../slots.h"

#include "../kselftest_harness.h"

struct grant {
	u64 offset, size, req;
};

struct model {
	u64 unit;		/* bytes per owner-map entry */
	u64 total;
	u64 chunk;		/* largest block / chunk size */
	u32 *owner;		/* 0 = free, else grant id */
	struct grant *live;
	unsigned int nr_live, max_live;
	u32 next_id;
	u64 ok, failed, frees, bytes_live, bytes_reserved;
	u64 rng;
};

static u64 rnd(struct model *m)
{
	/* xorshift64*: fast, and reproducible from the printed seed */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545f4914f6cdd1dULL;
}

/* A size spread evenly over orders of magnitude, sometimes oversized. */
static u64 rnd_size(struct model *m, u64 max)
{
	unsigned int bits = 64 - __builtin_clzll(max) + 1;
	u64 v = rnd(m) & ((1ULL << (rnd(m) % bits)) - 1);

	return v + 1;
}

/*
 * Percent of operations that allocate: phases of filling and of draining, so
 * that the arena is seen both nearly full and nearly empty (large blocks).
 */
static u64 alloc_percent(u64 op)
{
	return (op / 4096) % 2 ? 75 : 25;
}

static u64 ops_per_config(void)
{
	const char *s = getenv("ARENA_MODEL_OPS");

	return s ? strtoull(s, NULL, 0) : 1000000;
}

static u64 seed(void)
{
	static u64 once;
	const char *s = getenv("ARENA_MODEL_SEED");
	struct timespec ts;

	if (s)
		return strtoull(s, NULL, 0);
	if (!once) {
		clock_gettime(CLOCK_REALTIME, &ts);
		once = ((u64)ts.tv_sec << 20 ^ (u64)ts.tv_nsec) | 1;
	}
	return once;
}

static void model_init(struct model *m, u64 unit, u64 total, u64 chunk, u64 s)
{
	memset(m, 0, sizeof(*m));
	m->unit = unit;
	m->total = total;
	m->chunk = chunk;
	m->owner = calloc(total / unit, sizeof(*m->owner));
	m->max_live = total / unit;
	m->live = calloc(m->max_live, sizeof(*m->live));
	m->rng = s | 1;
}

static void model_free(struct model *m)
{
	free(m->owner);
	free(m->live);
}

static bool range_free(const struct model *m, u64 off, u64 size)
{
	u64 u;

	for (u = off / m->unit; u < (off + size) / m->unit; u++)
		if (m->owner[u])
			return false;
	return true;
}

static void range_set(struct model *m, u64 off, u64 size, u32 id)
{
	u64 u;

	for (u = off / m->unit; u < (off + size) / m->unit; u++)
		m->owner[u] = id;
}

/* The largest naturally aligned free power-of-two region, up to a chunk. */
static u64 model_largest_free(const struct model *m, u64 min_block)
{
	u64 bs, off;

	for (bs = m->chunk; bs >= min_block; bs /= 2)
		for (off = 0; off < m->total; off += bs)
			if (range_free(m, off, bs))
				return bs;
	return 0;
}

/* The first of the leftmost run of @n whole free chunks, or -1. */
static long model_leftmost_run(const struct model *m, u64 n)
{
	u64 c, run = 0;

	for (c = 0; c < m->total / m->chunk; c++) {
		run = range_free(m, c * m->chunk, m->chunk) ? run + 1 : 0;
		if (run == n)
			return c + 1 - n;
	}
	return -1;
}

/* The longest run of whole free chunks. */
static u64 model_longest_run(const struct model *m)
{
	u64 c, run = 0, best = 0;

	for (c = 0; c < m->total / m->chunk; c++) {
		run = range_free(m, c * m->chunk, m->chunk) ? run + 1 : 0;
		best = max(best, run);
	}
	return best;
}

static int find_live(const struct model *m, u64 offset)
{
	unsigned int i;

	for (i = 0; i < m->nr_live; i++)
		if (m->live[i].offset == offset)
			return i;
	return -1;
}

static void drop_live(struct model *m, unsigned int i)
{
	range_set(m, m->live[i].offset, m->live[i].size, 0);
	m->bytes_live -= m->live[i].req;
	m->bytes_reserved -= m->live[i].size;
	m->frees++;
	m->live[i] = m->live[--m->nr_live];
}

static u64 block_size_for(u64 req, u64 min_block)
{
	u64 bs = min_block;

	while (bs < req)
		bs *= 2;
	return bs;
}

/* What a buddy grant of @req reserves: a block, or whole chunks. */
static u64 grant_size_for(const struct model *m, u64 req, u64 min_block)
{
	return req <= m->chunk ? block_size_for(req, min_block) :
				 (req + m->chunk - 1) / m->chunk * m->chunk;
}

#define CHECK_COUNTERS(st, m) do {					\
	ASSERT_EQ((m)->ok, (st).allocations_ok);			\
	ASSERT_EQ((m)->failed, (st).allocations_failed);		\
	ASSERT_EQ((m)->frees, (st).frees);				\
	ASSERT_EQ((m)->bytes_live, (st).bytes_live);			\
	ASSERT_EQ((m)->bytes_reserved, (st).bytes_reserved);		\
} while (0)

/*
 * A request larger than a chunk: the leftmost run of whole free chunks, or
 * -ENOSPC exactly when there is none, -EFBIG exactly beyond the arena.
 */
static int span_op(struct __test_metadata *_metadata, struct arena_buddy *b,
		   struct model *m, u64 req, u64 op)
{
	u64 n = (req + m->chunk - 1) / m->chunk;
	struct arena_block blk;
	int ret = arena_buddy_alloc_span(b, req, &blk);
	long first;

	if (n > m->total / m->chunk) {
		EXPECT_EQ(-EFBIG, ret);
		return ret;
	}
	first = model_leftmost_run(m, n);
	if (first < 0) {
		EXPECT_EQ(-ENOSPC, ret) TH_LOG("op %llu: %llu chunks", (unsigned long long)op,
					       (unsigned long long)n);
		m->failed++;
		return ret;
	}
	EXPECT_EQ(0, ret) TH_LOG("op %llu: no span of %llu chunks with one at %ld",
				 (unsigned long long)op, (unsigned long long)n, first);
	if (ret)
		return ret;
	EXPECT_EQ((u64)first * m->chunk, blk.offset);
	EXPECT_EQ(n * m->chunk, blk.size);
	range_set(m, blk.offset, blk.size, ++m->next_id);
	m->live[m->nr_live++] = (struct grant){ blk.offset, blk.size, req };
	m->ok++;
	m->bytes_live += req;
	m->bytes_reserved += blk.size;
	return 0;
}

FIXTURE(buddy_model) {
	struct arena_buddy b;
	struct arena_buddy_geometry g;
	struct model m;
};

FIXTURE_VARIANT(buddy_model) {
	u64 total, min_block, max_block;
	u32 flags;
};

FIXTURE_VARIANT_ADD(buddy_model, one_tree_4k_512) {
	.total = 4096, .min_block = 512, .max_block = 4096,
};
FIXTURE_VARIANT_ADD(buddy_model, four_chunks_64b_min) {
	.total = 64 * 1024, .min_block = 64, .max_block = 16 * 1024,
};
FIXTURE_VARIANT_ADD(buddy_model, nearest_deep_tree) {
	.total = 200 * 1024, .min_block = 200, .max_block = 100 * 1024,
	.flags = ARENA_BUDDY_NEAREST,
};
/* Spans across the lanes' runs (16 lanes of 4 chunks natively). */
FIXTURE_VARIANT_ADD(buddy_model, sixty_four_chunks_spans) {
	.total = 1024 * 1024, .min_block = 1024, .max_block = 16 * 1024,
	.flags = ARENA_BUDDY_NEAREST,
};

/* Neither the lanes nor a lane's chunks a power of two: 15 lanes of 3 chunks. */
FIXTURE_VARIANT_ADD(buddy_model, fifteen_lanes_of_three_chunks) {
	.total = 45 * 16 * 1024, .min_block = 1024, .max_block = 16 * 1024,
};

FIXTURE_SETUP(buddy_model)
{
	self->g = (struct arena_buddy_geometry){
		.total = variant->total, .min_block = variant->min_block,
		.max_block = variant->max_block, .flags = variant->flags,
	};
	ASSERT_EQ(0, arena_buddy_geometry(&self->g));
	ASSERT_EQ(0, arena_buddy_init(&self->b, &self->g));
	model_init(&self->m, self->g.min_block, self->g.total, self->g.max_block, seed());
	TH_LOG("seed %#llx, %llu ops, total %llu, min %llu, max %llu",
	       (unsigned long long)seed(), (unsigned long long)ops_per_config(),
	       (unsigned long long)self->g.total, (unsigned long long)self->g.min_block,
	       (unsigned long long)self->g.max_block);
}

FIXTURE_TEARDOWN(buddy_model)
{
	arena_buddy_destroy(&self->b);
	model_free(&self->m);
}

TEST_F(buddy_model, random_ops_agree_with_model)
{
	struct model *m = &self->m;
	struct arena_core_stats st;
	u64 op, ops = ops_per_config();
	u64 min_block = self->g.min_block;

	for (op = 0; op < ops; op++) {
		u64 r = rnd(m) % 100;

		if (r < alloc_percent(op) || !m->nr_live) {
			u64 req = rnd_size(m, self->g.max_block + self->g.max_block / 4);
			struct arena_block blk;
			u64 bs;
			int ret;

			if (rnd(m) % 4 == 0)	/* a span's size, or one beyond the arena */
				req = rnd_size(m, m->total + m->total / 4);
			if (req > self->g.max_block) {
				ret = span_op(_metadata, &self->b, m, req, op);
				if (ret)
					ASSERT_TRUE(ret == -ENOSPC || ret == -EFBIG);
				continue;
			}
			bs = block_size_for(req, min_block);
			ret = arena_buddy_alloc(&self->b, req, &blk);
			if (ret == -ENOSPC) {
				/* No aligned free region of that size may exist. */
				u64 off;

				for (off = 0; off < m->total; off += bs)
					ASSERT_FALSE(range_free(m, off, bs))
						TH_LOG("op %llu: ENOSPC for %llu B with [%llu, +%llu) free",
						       (unsigned long long)op, (unsigned long long)req,
						       (unsigned long long)off, (unsigned long long)bs);
				m->failed++;
				continue;
			}
			ASSERT_EQ(0, ret);
			ASSERT_EQ(bs, blk.size);
			ASSERT_EQ(self->g.flags ? req : bs, blk.capacity);
			ASSERT_EQ(0, blk.offset % bs);
			ASSERT_LE(blk.offset + bs, m->total);
			ASSERT_TRUE(range_free(m, blk.offset, bs))
				TH_LOG("op %llu: grant [%llu, +%llu) overlaps a live one",
				       (unsigned long long)op, (unsigned long long)blk.offset,
				       (unsigned long long)bs);
			range_set(m, blk.offset, bs, ++m->next_id);
			m->live[m->nr_live++] = (struct grant){ blk.offset, bs, req };
			m->ok++;
			m->bytes_live += req;
			m->bytes_reserved += bs;
		} else if (r < 95) {
			unsigned int i = rnd(m) % m->nr_live;
			u64 bs = min(m->live[i].size, m->chunk);

			ASSERT_EQ(0, arena_buddy_free(&self->b, m->live[i].offset, m->live[i].req));
			drop_live(m, i);
			/* Cached in its lane or coalesced, it is free to a poll. */
			ASSERT_LE(bs, arena_buddy_largest_free(&self->b));
		} else {
			/*
			 * A random free: accepted exactly when it names a live
			 * grant's offset and order.  A caller frees with the
			 * size it asked for, so a valid one uses that size.
			 */
			u64 off = (rnd(m) % (m->total / min_block)) * min_block;
			u64 req = rnd_size(m, rnd(m) % 2 ? m->total : self->g.max_block);
			int i = find_live(m, off);
			bool valid = i >= 0 && grant_size_for(m, req, min_block) == m->live[i].size;

			if (valid)
				req = m->live[i].req;
			ASSERT_EQ(valid ? 0 : -EINVAL, arena_buddy_free(&self->b, off, req));
			if (valid)
				drop_live(m, i);
		}
		if (op % 512 == 0) {
			arena_buddy_stats(&self->b, &st);
			CHECK_COUNTERS(st, m);
			ASSERT_EQ(model_largest_free(m, min_block), st.largest_free_block);
			ASSERT_EQ(max(st.largest_free_block, model_longest_run(m) * m->chunk),
				  st.largest_free_grant);
		}
	}

	while (m->nr_live) {
		ASSERT_EQ(0, arena_buddy_free(&self->b, m->live[0].offset, m->live[0].req));
		drop_live(m, 0);
	}
	arena_buddy_stats(&self->b, &st);
	CHECK_COUNTERS(st, m);
	ASSERT_EQ(0, st.bytes_live);
	ASSERT_EQ(0, st.bytes_reserved);
	ASSERT_EQ(m->ok, st.frees);
	ASSERT_EQ(self->g.max_block, st.largest_free_block);
	ASSERT_EQ(self->g.nr_chunks, arena_buddy_free_blocks(&self->b, self->b.max_order));
	TH_LOG("%llu grants, %llu ENOSPC, %llu splits, %llu coalesces",
	       (unsigned long long)st.allocations_ok, (unsigned long long)st.allocations_failed,
	       (unsigned long long)st.splits, (unsigned long long)st.coalesces);
	ASSERT_EQ(st.splits, st.coalesces);	/* whole again */
}

FIXTURE(slots_model) {
	struct arena_slots s;
	struct arena_slots_geometry g;
	struct model m;
};

FIXTURE_VARIANT(slots_model) {
	u64 slot_size, slot_count, align, chunk_size;
};

FIXTURE_VARIANT_ADD(slots_model, pow2_256b) {
	.slot_size = 256, .slot_count = 1000, .align = 64, .chunk_size = 16 * 1024,
};
FIXTURE_VARIANT_ADD(slots_model, odd_3000b_partial_chunk) {
	.slot_size = 3000, .slot_count = 50, .align = 1024, .chunk_size = 16 * 1024,
};

FIXTURE_SETUP(slots_model)
{
	self->g = (struct arena_slots_geometry){
		.slot_size = variant->slot_size, .slot_count = variant->slot_count,
		.align = variant->align, .chunk_size = variant->chunk_size,
	};
	ASSERT_EQ(0, arena_slots_geometry(&self->g));
	ASSERT_EQ(0, arena_slots_init(&self->s, &self->g));
	model_init(&self->m, variant->align, self->g.total, self->g.chunk_size, seed());
	TH_LOG("seed %#llx, %llu ops", (unsigned long long)seed(),
	       (unsigned long long)ops_per_config());
}

FIXTURE_TEARDOWN(slots_model)
{
	arena_slots_destroy(&self->s);
	model_free(&self->m);
}

static bool is_slot_start(const struct arena_slots_geometry *g, u64 off)
{
	u64 chunk = off / g->chunk_size, within = off % g->chunk_size;

	return off < g->total && within % g->slot_size == 0 &&
	       within / g->slot_size < g->slots_per_chunk &&
	       chunk * g->slots_per_chunk + within / g->slot_size < g->slot_count;
}

TEST_F(slots_model, random_ops_agree_with_model)
{
	struct model *m = &self->m;
	struct arena_core_stats st;
	u64 op, ops = ops_per_config();
	u64 ss = self->g.slot_size;

	for (op = 0; op < ops; op++) {
		u64 r = rnd(m) % 100;

		if (r < alloc_percent(op) || !m->nr_live) {
			struct arena_block blk[8];
			unsigned int want = r % 5 == 0 ? 1 + rnd(m) % 8 : 1;
			u64 req = rnd_size(m, ss + ss / 8);
			int i, ret;

			if (want == 1) {	/* the single-slot path is separate */
				ret = arena_slots_alloc(&self->s, req, blk);
				ret = ret ? ret : 1;
			} else {
				ret = arena_slots_alloc_batch(&self->s, req, want, blk);
			}

			if (req > ss) {
				ASSERT_EQ(-EFBIG, ret);
				continue;
			}
			if (ret == -ENOSPC) {
				ASSERT_EQ(self->g.slot_count, m->nr_live);
				m->failed++;
				continue;
			}
			ASSERT_LT(0, ret);
			ASSERT_GE(want, (unsigned int)ret);
			if ((unsigned int)ret < want)	/* partial only when full */
				ASSERT_EQ(self->g.slot_count, m->nr_live + ret);
			for (i = 0; i < ret; i++) {
				ASSERT_TRUE(is_slot_start(&self->g, blk[i].offset));
				ASSERT_EQ(ss, blk[i].size);
				ASSERT_TRUE(range_free(m, blk[i].offset, ss));
				range_set(m, blk[i].offset, ss, ++m->next_id);
				m->live[m->nr_live++] = (struct grant){ blk[i].offset, ss, req };
				m->ok++;
				m->bytes_live += req;
				m->bytes_reserved += ss;
			}
		} else if (r < 95) {
			unsigned int i = rnd(m) % m->nr_live;

			ASSERT_EQ(0, arena_slots_free(&self->s, m->live[i].offset, m->live[i].req));
			drop_live(m, i);
		} else {
			u64 off = (rnd(m) % (m->total / m->unit)) * m->unit;
			int i = find_live(m, off);
			u64 req = i >= 0 ? m->live[i].req : 1 + rnd(m) % ss;

			ASSERT_EQ(i >= 0 ? 0 : -EINVAL, arena_slots_free(&self->s, off, req));
			if (i >= 0)
				drop_live(m, i);
		}
		if (op % 512 == 0) {
			arena_slots_stats(&self->s, &st);
			CHECK_COUNTERS(st, m);
		}
	}
	while (m->nr_live) {
		ASSERT_EQ(0, arena_slots_free(&self->s, m->live[0].offset, m->live[0].req));
		drop_live(m, 0);
	}
	arena_slots_stats(&self->s, &st);
	CHECK_COUNTERS(st, m);
	ASSERT_EQ(0, st.bytes_reserved);
}

TEST_HARNESS_MAIN
