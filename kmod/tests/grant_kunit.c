// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the grant lifetime rules of grant.c, run against the
 * real arenas of the loaded arena.ko (not registered, so not visible to
 * netlink): what holds what, when memory goes back, zeroed, and when it
 * must not yet.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "../grant.h"

/* An arena for one test, put when the test ends whatever happened. */
static int keep_arena(struct kunit_resource *res, void *arena)
{
	res->data = arena;
	return 0;
}

static void put_arena(struct kunit_resource *res)
{
	arena_put(res->data);
}

static struct arena *make_arena(struct kunit *test, u64 size, u64 min_block, u32 flags)
{
	struct arena_create c = {
		.mode = ARENA_MODE_BUDDY, .flags = flags, .node = ARENA_NODE_LOCAL,
		.chunk_order = get_order(SZ_2M), .size = size, .min_block = min_block,
	};
	struct netlink_ext_ack extack = {};
	struct arena *arena;
	void *res;

	arena = arena_create(&c, ARENA_KIND_PRIVATE, true, &extack);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(arena), "arena_create: %ld (%s)",
			       PTR_ERR(arena), extack._msg);
	res = kunit_alloc_resource(test, keep_arena, put_arena, GFP_KERNEL, arena);
	if (!res)
		arena_put(arena);
	KUNIT_ASSERT_NOT_NULL(test, res);
	return arena;
}

static struct arena_grant *grant(struct kunit *test, struct arena *arena, u64 size)
{
	struct arena_grant *g;

	KUNIT_ASSERT_EQ(test, 1, arena_grants_alloc(arena, size, 1, &g));
	return g;
}

static void *grant_memory(struct arena_grant *g)
{
	return page_address(arena_page(g->arena, g->offset));
}

static s64 live(struct arena *arena)
{
	return atomic64_read(&arena->stats.live_grants);
}

/* Wait up to 2 s for the arena's live grants to drop to @want. */
static bool live_drops_to(struct arena *arena, s64 want)
{
	unsigned long until = jiffies + 2 * HZ;

	while (live(arena) != want && time_before(jiffies, until))
		msleep(20);
	return live(arena) == want;
}

static void grant_holds_its_arena(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_4K, 0);
	struct arena_grant *g;

	KUNIT_EXPECT_EQ(test, 1U, kref_read(&arena->ref));
	g = grant(test, arena, SZ_4K);
	KUNIT_EXPECT_PTR_EQ(test, arena, g->arena);
	KUNIT_EXPECT_EQ(test, 2U, kref_read(&arena->ref));
	KUNIT_EXPECT_EQ(test, 1LL, live(arena));
	arena_grant_put(g);
	KUNIT_EXPECT_EQ(test, 0LL, live(arena));
	KUNIT_EXPECT_EQ(test, 1U, kref_read(&arena->ref));
}

static void every_reference_keeps_the_grant(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_4K, 0);
	struct arena_grant *g = grant(test, arena, SZ_4K);

	arena_grant_get(g);		/* as a VMA or a dma-buf takes one */
	arena_grant_put(g);		/* the handle goes */
	KUNIT_EXPECT_EQ(test, 1LL, live(arena));
	KUNIT_EXPECT_EQ(test, 1U, kref_read(&g->ref));
	arena_grant_put(g);		/* the mapping goes */
	KUNIT_EXPECT_EQ(test, 0LL, live(arena));
}

/* Small grants are zeroed by whoever releases them, before they return. */
static void release_zeroes_small_grants_at_once(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_4K, 0);
	struct arena_grant *g = grant(test, arena, SZ_64K);
	void *mem = grant_memory(g);

	memset(mem, 0xa5, SZ_64K);
	arena_grant_put(g);
	KUNIT_EXPECT_EQ(test, 0LL, live(arena));
	KUNIT_EXPECT_NULL(test, memchr_inv(mem, 0, SZ_64K));
}

/*
 * Large grants are zeroed by a worker; an allocation that finds no space
 * meanwhile waits for it instead of failing.
 */
static void deferred_zeroing_never_fails_an_allocation(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_4K, 0);
	struct arena_grant *g = grant(test, arena, SZ_2M);
	ulong inline_max = READ_ONCE(arena_zero_inline_max);

	KUNIT_ASSERT_LT(test, inline_max, (ulong)SZ_2M);
	memset(grant_memory(g), 0x5a, SZ_2M);
	arena_grant_put(g);
	g = grant(test, arena, SZ_2M);	/* the whole arena: waits for the worker */
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&arena->zeroing));
	KUNIT_EXPECT_NULL(test, memchr_inv(grant_memory(g), 0, SZ_2M));
	arena_grant_put(g);
	KUNIT_EXPECT_TRUE(test, live_drops_to(arena, 0));
}

static void skip_zeroing_keeps_the_bytes(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_2M, ARENA_CREATE_SKIP_ZEROING);
	struct arena_grant *g = grant(test, arena, SZ_2M);

	memset(grant_memory(g), 0x3c, SZ_2M);
	arena_grant_put(g);
	KUNIT_EXPECT_EQ(test, 0LL, live(arena));	/* no worker involved */
	g = grant(test, arena, SZ_2M);
	KUNIT_EXPECT_NULL(test, memchr_inv(grant_memory(g), 0x3c, SZ_2M));
	arena_grant_put(g);
}

/*
 * A reference from get_user_pages() (here taken by hand, as GUP does) may
 * be a device still writing: the released grant waits for it to go, and
 * only then is zeroed and returned.
 */
static void pinned_chunk_holds_the_return_back(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_4K, 0);
	struct arena_grant *g = grant(test, arena, SZ_4K);
	struct folio *folio = page_folio(arena_page(arena, g->offset));
	u8 *mem = grant_memory(g);

	folio_get(folio);
	arena_grant_put(g);
	msleep(100);			/* several rechecks */
	KUNIT_EXPECT_EQ(test, 1LL, live(arena));
	mem[0] = 0xee;			/* the "device" writes late */
	folio_put(folio);
	KUNIT_EXPECT_TRUE(test, live_drops_to(arena, 0));
	KUNIT_EXPECT_EQ(test, 0, mem[0]);	/* zeroed after the pin, not before */
}

static void batch_is_partial_then_full(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_512K, 0);
	struct arena_grant *g[8];
	int n, i;

	n = arena_grants_alloc(arena, SZ_512K, ARRAY_SIZE(g), g);
	KUNIT_ASSERT_EQ(test, 4, n);
	KUNIT_EXPECT_EQ(test, 4LL, live(arena));
	KUNIT_EXPECT_EQ(test, -ENOSPC, arena_grants_alloc(arena, SZ_4K, 1, g + 4));
	KUNIT_EXPECT_EQ(test, -EFBIG, arena_grants_alloc(arena, SZ_4M, 1, g + 4));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, (u64)i * SZ_512K, g[i]->offset);
		arena_grant_put(g[i]);
	}
	KUNIT_EXPECT_TRUE(test, live_drops_to(arena, 0));
}

struct late_put {
	struct delayed_work work;
	struct arena_grant *grant;
};

static void late_put_work(struct work_struct *work)
{
	struct late_put *lp = container_of(to_delayed_work(work), struct late_put, work);

	arena_grant_put(lp->grant);
}

static void waiting_times_out_then_wakes_on_a_return(struct kunit *test)
{
	struct arena *arena = make_arena(test, SZ_2M, SZ_2M, ARENA_CREATE_SKIP_ZEROING);
	struct late_put lp = { .grant = grant(test, arena, SZ_2M) };
	struct arena_grant *g;
	int ret;

	KUNIT_EXPECT_EQ(test, -ENOSPC, arena_grant_alloc_wait(arena, SZ_4K, false, 0, &g));
	KUNIT_EXPECT_EQ(test, -ETIMEDOUT,
			arena_grant_alloc_wait(arena, SZ_4K, true, 20 * NSEC_PER_MSEC, &g));
	/* Oversized never fits: not waited for, whatever the caller asks. */
	KUNIT_EXPECT_EQ(test, -EFBIG, arena_grant_alloc_wait(arena, SZ_4M, true, 0, &g));

	/* lp lives on this stack: its work and timer are marked so. */
	INIT_DELAYED_WORK_ONSTACK(&lp.work, late_put_work);
	schedule_delayed_work(&lp.work, msecs_to_jiffies(50));
	/* No limit: the return is certain, and a hang is the VM runner's to catch. */
	ret = arena_grant_alloc_wait(arena, SZ_2M, true, 0, &g);
	flush_delayed_work(&lp.work);
	destroy_delayed_work_on_stack(&lp.work);
	KUNIT_ASSERT_EQ(test, 0, ret);
	arena_grant_put(g);
	KUNIT_EXPECT_EQ(test, 0LL, live(arena));
}

/*
 * A grant of three chunks' worth (a span): one range, every chunk of it
 * zeroed when it comes back (by the worker: it is far above
 * zero_inline_max), none of it granted meanwhile.
 */
static void a_span_is_one_range_zeroed_in_every_chunk(struct kunit *test)
{
	struct arena *arena = make_arena(test, 3 * SZ_2M, SZ_4K, 0);
	struct arena_grant *g, *again;
	u64 at;

	g = grant(test, arena, 2 * SZ_2M + 1);
	KUNIT_EXPECT_EQ(test, 0ULL, g->offset);
	KUNIT_EXPECT_EQ(test, (u64)3 * SZ_2M, g->size);
	for (at = 0; at < g->size; at += SZ_2M)
		memset(page_address(arena_page(arena, at)), 0xab, SZ_2M);
	KUNIT_EXPECT_EQ(test, -ENOSPC, arena_grants_alloc(arena, SZ_4K, 1, &again));
	KUNIT_EXPECT_EQ(test, -EFBIG, arena_grants_alloc(arena, 3 * SZ_2M + 1, 1, &again));
	arena_grant_put(g);
	/* An allocation of all of it waits for the zeroing, then fits. */
	again = grant(test, arena, 3 * SZ_2M);
	for (at = 0; at < again->size; at += SZ_2M)
		KUNIT_EXPECT_NULL(test, memchr_inv(page_address(arena_page(arena, at)), 0, SZ_2M));
	arena_grant_put(again);
	KUNIT_EXPECT_TRUE(test, live_drops_to(arena, 0));
}

static struct kunit_case arena_grant_cases[] = {
	KUNIT_CASE(a_span_is_one_range_zeroed_in_every_chunk),
	KUNIT_CASE(grant_holds_its_arena),
	KUNIT_CASE(every_reference_keeps_the_grant),
	KUNIT_CASE(release_zeroes_small_grants_at_once),
	KUNIT_CASE(deferred_zeroing_never_fails_an_allocation),
	KUNIT_CASE(skip_zeroing_keeps_the_bytes),
	KUNIT_CASE(pinned_chunk_holds_the_return_back),
	KUNIT_CASE(batch_is_partial_then_full),
	KUNIT_CASE(waiting_times_out_then_wakes_on_a_return),
	{}
};

static struct kunit_suite arena_grant_suite = {
	.name = "arena_grant",
	.test_cases = arena_grant_cases,
};

kunit_test_suite(arena_grant_suite);
