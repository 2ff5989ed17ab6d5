// SPDX-License-Identifier: GPL-2.0
/*
 * libarena with several threads on one pool: threads releasing each
 * other's views, a flush emptying every thread's cache, a close with views
 * still alive in another thread.  Built twice: against the shared library,
 * and (libarena_tsan_test) with the library compiled in under
 * ThreadSanitizer, which reports any data race of the interleavings.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "libarena_util.h"

#define THREADS	4
#define ROUNDS	2000

struct handoff {
	struct arena_pool *pool;
	pthread_mutex_t lock;
	struct arena_bytes slots[64];	/* views made by one thread, released by another */
	unsigned int seed;
	int errors;
	int granted;
};

static void *worker(void *arg)
{
	struct handoff *h = arg;
	unsigned int seed = __atomic_fetch_add(&h->seed, 1, __ATOMIC_RELAXED);
	struct arena_bytes v, old;
	struct arena_buf buf;
	uint64_t tag;
	int r, k, ret;

	for (r = 0; r < ROUNDS; r++) {
		ret = arena_buf_alloc(h->pool, 4096U << (rand_r(&seed) % 3), &buf);
		if (ret) {
			/* Full for now (caches hold much of 8 MiB); nothing else. */
			if (ret != -ENOSPC)
				__atomic_fetch_add(&h->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&h->granted, 1, __ATOMIC_RELAXED);
		tag = (uint64_t)(uintptr_t)&buf ^ r;
		stamp(buf.ptr, buf.cap, tag);
		buf.len = buf.cap;
		arena_buf_freeze(&buf, &v);
		if (!stamp_ok(v.ptr, v.len, tag))
			__atomic_fetch_add(&h->errors, 1, __ATOMIC_RELAXED);
		k = rand_r(&seed) % 64;
		pthread_mutex_lock(&h->lock);
		old = h->slots[k];	/* some other thread's, often */
		h->slots[k] = v;
		pthread_mutex_unlock(&h->lock);
		arena_bytes_release(&old);
	}
	return NULL;
}

/*
 * Tests longer than a tenth of the harness's default 30 s on the debug lane
 * name their own limit, ten times what they took there (arena_util.h).
 */
FIXTURE(timed) {};
FIXTURE_SETUP(timed) {}
FIXTURE_TEARDOWN(timed) {}

/* 5.3 s on the debug lane */
TEST_F_TIMEOUT(timed, threads_release_each_others_views, 60)
{
	struct arena_pool *pool = buddy_pool(_metadata, 8 * MiB, NULL);
	struct handoff h = { .pool = pool, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[THREADS];
	int i;

	ASSERT_NE(NULL, pool);
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker, &h));
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	EXPECT_EQ(0, h.errors);
	/* A run that mostly found the pool full tested little. */
	TH_LOG("%d of %d allocations granted", h.granted, THREADS * ROUNDS);
	EXPECT_LE(THREADS * ROUNDS / 2, h.granted);
	for (i = 0; i < 64; i++)
		arena_bytes_release(&h.slots[i]);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

/* --- flush and close, with other threads about -------------------------- */

struct holder {
	struct arena_pool *pool;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stage;			/* 1: cached; 2: may go on; 3: done */
	int ok;
};

static void holder_wait(struct holder *h, int stage)
{
	pthread_mutex_lock(&h->lock);
	while (h->stage < stage)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

static void holder_say(struct holder *h, int stage)
{
	pthread_mutex_lock(&h->lock);
	h->stage = stage;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

/* Fill this thread's cache with 16 grants, then stay alive, idle. */
static void *cache_then_idle(void *arg)
{
	struct holder *h = arg;
	struct arena_buf bufs[16];
	int i;

	h->ok = 1;
	for (i = 0; i < 16; i++)
		h->ok &= !arena_buf_alloc(h->pool, 4096, &bufs[i]);
	for (i = 0; i < 16; i++)
		arena_buf_release(&bufs[i]);
	holder_say(h, 1);
	holder_wait(h, 2);
	/* The cache was emptied under it: allocating still works. */
	h->ok &= !arena_buf_alloc(h->pool, 4096, &bufs[0]);
	arena_buf_release(&bufs[0]);
	holder_say(h, 3);
	return NULL;
}

/* A flush gives back every thread's cached grants, not only the caller's. */
TEST(flush_gives_back_every_threads_cache)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct holder h = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct arena_pool_stats st;
	pthread_t t;

	ASSERT_NE(NULL, pool);
	h.pool = pool;
	ASSERT_EQ(0, pthread_create(&t, NULL, cache_then_idle, &h));
	holder_wait(&h, 1);
	EXPECT_LE(16, arena_info(arena_pool_fd(pool)).live_grants);
	EXPECT_EQ(0, arena_pool_flush(pool));
	/* The other thread is alive and idle, and holds nothing now. */
	EXPECT_EQ(0, arena_info(arena_pool_fd(pool)).live_grants);
	arena_pool_stats(pool, &st);
	EXPECT_EQ(0, st.grants_held);
	holder_say(&h, 2);
	pthread_join(t, NULL);
	EXPECT_TRUE(h.ok);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

struct closer {
	struct arena_bytes views[5];
	struct arena_pool *other;	/* keeps allocating from this one */
	atomic_int go;
	int ok;
};

/* Allocate from another pool all along; release the closed pool's views. */
static void *release_after_close(void *arg)
{
	struct closer *c = arg;
	struct arena_buf buf;
	int i, round;

	c->ok = 1;
	for (round = 0; !atomic_load(&c->go) || round < 100; round++) {
		c->ok &= !arena_buf_alloc(c->other, 8192, &buf);
		arena_buf_release(&buf);
	}
	/* The pool is closed: its views still read as they were written. */
	for (i = 0; i < 5; i++) {
		c->ok &= c->views[i].len == (4096UL << (2 * i)) - 1 &&
			 c->views[i].ptr[0] == 'a' + i &&
			 c->views[i].ptr[c->views[i].len - 1] == 'a' + i;
		arena_bytes_release(&c->views[i]);
	}
	return NULL;
}

/*
 * Closing a pool with live views leaves them valid; each grant is unmapped
 * and given back when its last view goes, and the pool's remains with the
 * last one; no grant outlives its last view.  Threads allocate from
 * another pool meanwhile (TSan checks the interleavings in the tsan lane).
 */
/* 4.2 s on the debug lane */
TEST_F_TIMEOUT(timed, close_with_live_views_leaves_them_valid, 60)
{
	struct arena_pool *pool = NULL, *other = NULL;
	struct closer c = { 0 };
	struct arena_buf buf;
	uint64_t before;
	pthread_t t;
	int fd = arena_open(), i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_pool_open(NULL, NULL, &pool));	/* the default arena */
	ASSERT_EQ(0, arena_pool_open(NULL, NULL, &other));
	before = arena_info(fd).live_grants;
	for (i = 0; i < 5; i++) {	/* 4 KiB to 1 MiB */
		size_t len = (4096UL << (2 * i)) - 1;

		ASSERT_EQ(0, arena_buf_alloc(pool, len, &buf));
		memset(arena_buf_spare(&buf, &(size_t){ 0 }), 'a' + i, len);
		ASSERT_EQ(0, arena_buf_commit(&buf, len));
		arena_buf_freeze(&buf, &c.views[i]);
	}
	c.other = other;
	ASSERT_EQ(0, pthread_create(&t, NULL, release_after_close, &c));
	arena_pool_close(pool);
	atomic_store(&c.go, 1);
	pthread_join(t, NULL);
	EXPECT_TRUE(c.ok);
	arena_pool_close(other);
	/* Every grant of both pools is back: nothing outlived its last view. */
	EXPECT_TRUE(wait_live(fd, before)) TH_LOG("%llu live, %llu before",
						  (unsigned long long)arena_info(fd).live_grants,
						  (unsigned long long)before);
	EXPECT_EQ(before, arena_info(fd).live_grants);
	close(fd);
}

TEST_HARNESS_MAIN
