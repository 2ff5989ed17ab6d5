/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the libarena selftests (libarena_test, libarena_threads_test).
 */
#ifndef LIBARENA_UTIL_H
#define LIBARENA_UTIL_H

#include "arena.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

/* The ledger: nothing live, nothing held, nothing left in the arena. */
static inline void check_ledger(struct __test_metadata *_metadata, struct arena_pool *pool)
{
	struct arena_pool_stats st;
	struct arena_info info;
	int i;

	ASSERT_EQ(0, arena_pool_flush(pool));
	arena_pool_stats(pool, &st);
	EXPECT_EQ(0, st.grants_live);
	EXPECT_EQ(0, st.grants_held);
	for (i = 0; i < 6000; i++) {	/* large grants are zeroed by a worker; 60 s at most */
		ASSERT_EQ(0, arena_pool_info(pool, &info));
		if (!info.live_grants)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, info.live_grants);
	EXPECT_EQ(0, info.bytes_live);
	EXPECT_EQ(info.allocations_ok, info.frees);
}

static inline struct arena_pool *buddy_pool(struct __test_metadata *_metadata, uint64_t size,
				     const struct arena_pool_opts *opts)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = size, .min_block = 4096,
				  .node = ARENA_NODE_LOCAL };
	struct arena_pool *pool = NULL;

	EXPECT_EQ(0, arena_pool_create(&c, opts, &pool));
	return pool;
}

#endif /* LIBARENA_UTIL_H */
