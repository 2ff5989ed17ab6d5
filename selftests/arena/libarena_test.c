// SPDX-License-Identifier: GPL-2.0
/*
 * libarena against the real module: the bytes crate's semantics for views,
 * every function's invalid arguments, a ledger after every scenario (every
 * grant back, the library's accounting balanced), threads releasing each
 * other's views, fork, auto-spill, and views handed to another process.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "arena.h"
#include "arena_util.h"
#include "libarena_util.h"

#include "../kselftest_harness.h"

/* A view of "0123456789" in a fresh grant. */
static void digits(struct __test_metadata *_metadata, struct arena_pool *pool,
		   struct arena_bytes *view)
{
	struct arena_buf buf = { 0 };

	ASSERT_EQ(0, arena_buf_alloc(pool, 10, &buf));
	ASSERT_EQ(0, arena_buf_put(&buf, "0123456789", 10));
	arena_buf_freeze(&buf, view);
	EXPECT_EQ(NULL, buf.rec);
}

static int is(const struct arena_bytes *v, const char *s)
{
	return v->len == strlen(s) && !memcmp(v->ptr, s, v->len) && (v->len ? !!v->rec : !v->rec);
}

enum op { SLICE, SPLIT_TO, SPLIT_OFF, ADVANCE, TRUNCATE };

struct view_case {
	const char *name;
	enum op op;
	size_t a, b;
	int ret;
	const char *view;	/* what the view is after */
	const char *other;	/* the slice, head or tail */
	/* Where each starts, from the view's old start: empty ones at the cut. */
	size_t view_at, other_at;
};

static const struct view_case view_cases[] = {
	{ "slice middle", SLICE, 2, 5, 0, "0123456789", "234", 0, 2 },
	{ "slice all", SLICE, 0, 10, 0, "0123456789", "0123456789", 0, 0 },
	{ "slice empty", SLICE, 4, 4, 0, "0123456789", "", 0, 4 },
	{ "slice from > to", SLICE, 5, 4, -ERANGE, "0123456789", NULL, 0, 0 },
	{ "slice past end", SLICE, 0, 11, -ERANGE, "0123456789", NULL, 0, 0 },
	{ "split_to middle", SPLIT_TO, 3, 0, 0, "3456789", "012", 3, 0 },
	{ "split_to 0", SPLIT_TO, 0, 0, 0, "0123456789", "", 0, 0 },
	{ "split_to end", SPLIT_TO, 10, 0, 0, "", "0123456789", 10, 0 },
	{ "split_to past end", SPLIT_TO, 11, 0, -ERANGE, "0123456789", NULL, 0, 0 },
	{ "split_off middle", SPLIT_OFF, 3, 0, 0, "012", "3456789", 0, 3 },
	{ "split_off 0", SPLIT_OFF, 0, 0, 0, "", "0123456789", 0, 0 },
	{ "split_off end", SPLIT_OFF, 10, 0, 0, "0123456789", "", 0, 10 },
	{ "split_off past end", SPLIT_OFF, 11, 0, -ERANGE, "0123456789", NULL, 0, 0 },
	{ "advance", ADVANCE, 4, 0, 0, "456789", NULL, 4, 0 },
	{ "advance to end", ADVANCE, 10, 0, 0, "", NULL, 10, 0 },
	{ "advance past end", ADVANCE, 11, 0, -ERANGE, "0123456789", NULL, 0, 0 },
	{ "truncate", TRUNCATE, 4, 0, 0, "0123", NULL, 0, 0 },
	{ "truncate to 0", TRUNCATE, 0, 0, 0, "", NULL, 0, 0 },
	{ "truncate longer (no effect)", TRUNCATE, 20, 0, 0, "0123456789", NULL, 0, 0 },
};

TEST(views_follow_the_bytes_crate)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	unsigned int i;

	ASSERT_NE(NULL, pool);
	for (i = 0; i < sizeof(view_cases) / sizeof(view_cases[0]); i++) {
		const struct view_case *c = &view_cases[i];
		struct arena_bytes v, other = { 0 };
		const uint8_t *start;
		int ret = 0;

		digits(_metadata, pool, &v);
		start = v.ptr;
		switch (c->op) {
		case SLICE:
			ret = arena_bytes_slice(&v, c->a, c->b, &other);
			break;
		case SPLIT_TO:
			ret = arena_bytes_split_to(&v, c->a, &other);
			break;
		case SPLIT_OFF:
			ret = arena_bytes_split_off(&v, c->a, &other);
			break;
		case ADVANCE:
			ret = arena_bytes_advance(&v, c->a);
			break;
		case TRUNCATE:
			arena_bytes_truncate(&v, c->a);
			break;
		}
		EXPECT_EQ(c->ret, ret) TH_LOG("%s", c->name);
		EXPECT_TRUE(is(&v, c->view)) TH_LOG("%s: view", c->name);
		EXPECT_EQ(start + c->view_at, v.ptr) TH_LOG("%s: view's address", c->name);
		if (c->other) {
			EXPECT_TRUE(is(&other, c->other)) TH_LOG("%s: other", c->name);
			EXPECT_EQ(start + c->other_at, other.ptr) TH_LOG("%s: other's address",
									 c->name);
		} else {
			EXPECT_EQ(NULL, other.rec) TH_LOG("%s: untouched", c->name);
		}
		arena_bytes_release(&v);
		arena_bytes_release(&other);
		EXPECT_EQ(NULL, v.rec);
	}
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(clones_share_and_the_last_release_returns_the_grant)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_bytes v, c1, c2, s;
	struct arena_pool_stats st;

	ASSERT_NE(NULL, pool);
	digits(_metadata, pool, &v);
	arena_bytes_clone(&v, &c1);
	arena_bytes_clone(&c1, &c2);
	EXPECT_EQ(v.ptr, c2.ptr);		/* no copy */
	ASSERT_EQ(0, arena_bytes_slice(&c2, 5, 10, &s));
	EXPECT_EQ(v.ptr + 5, s.ptr);
	arena_bytes_release(&v);
	arena_bytes_release(&c1);
	arena_bytes_release(&c2);
	arena_pool_stats(pool, &st);
	EXPECT_EQ(1, st.grants_live);		/* the slice still holds it */
	EXPECT_TRUE(is(&s, "56789"));
	arena_bytes_release(&s);
	arena_pool_stats(pool, &st);
	EXPECT_EQ(0, st.grants_live);
	/* An empty view holds nothing: releasing it twice is fine. */
	arena_bytes_release(&s);
	arena_bytes_clone(&s, &c1);
	EXPECT_EQ(NULL, c1.rec);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(try_into_mut_needs_a_unique_view)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_bytes v, c, empty = { 0 };
	struct arena_buf buf = { 0 };

	ASSERT_NE(NULL, pool);
	digits(_metadata, pool, &v);
	arena_bytes_clone(&v, &c);
	EXPECT_EQ(-EBUSY, arena_bytes_try_into_mut(&v, &buf));
	EXPECT_TRUE(is(&v, "0123456789"));
	arena_bytes_release(&c);
	ASSERT_EQ(0, arena_bytes_advance(&v, 2));
	ASSERT_EQ(0, arena_bytes_try_into_mut(&v, &buf));
	EXPECT_EQ(NULL, v.rec);
	EXPECT_EQ(8, buf.len);
	EXPECT_EQ(4096 - 2, buf.cap);		/* to the end of the grant */
	EXPECT_EQ(0, memcmp(buf.ptr, "23456789", 8));
	ASSERT_EQ(0, arena_buf_put(&buf, "ab", 2));
	arena_buf_freeze(&buf, &v);
	EXPECT_TRUE(is(&v, "23456789ab"));
	arena_bytes_release(&v);
	EXPECT_EQ(-EINVAL, arena_bytes_try_into_mut(&empty, &buf));
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

/* An empty buffer freezes into an empty view at the buffer's start. */
TEST(an_empty_freeze_is_where_the_buffer_was)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_buf buf = { 0 };
	struct arena_bytes v;
	const uint8_t *at;

	ASSERT_NE(NULL, pool);
	ASSERT_EQ(0, arena_buf_alloc(pool, 100, &buf));
	at = buf.ptr;
	arena_buf_freeze(&buf, &v);
	EXPECT_EQ(0, v.len);
	EXPECT_EQ(NULL, v.rec);
	EXPECT_EQ(at, v.ptr);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

/* Bytes that were exported may be mapped elsewhere: never writable again. */
TEST(exported_bytes_stay_immutable)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_buf buf = { 0 };
	struct arena_bytes v;
	size_t off;
	int fd;

	ASSERT_NE(NULL, pool);
	digits(_metadata, pool, &v);
	fd = arena_bytes_export(&v, O_RDONLY | O_CLOEXEC, &off);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, arena_bytes_try_into_mut(&v, &buf));
	EXPECT_TRUE(is(&v, "0123456789"));
	close(fd);
	arena_bytes_release(&v);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

/*
 * A handle the kernel no longer knows (dropped behind the library's back)
 * stops a FREE_BATCH; the handles after it must be dropped all the same.
 */
TEST(one_bad_handle_leaks_no_other)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_buf bufs[8];
	int i, fd;

	ASSERT_NE(NULL, pool);
	fd = arena_pool_fd(pool);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &bufs[i]));
	for (i = 0; i < 8; i++)
		arena_buf_release(&bufs[i]);
	/* One of the pool's cached handles (a fresh file's start at 2). */
	ASSERT_EQ(0, arena_free(fd, 3));
	arena_pool_flush(pool);
	/* 4 KiB grants are zeroed by the freeing call itself: none may be left. */
	EXPECT_EQ(0, arena_info(fd).live_grants);
	arena_pool_close(pool);
}

/*
 * A buffer larger than a chunk is one grant of its own (a span), views
 * over it work as over any, and it bypasses the caches: it goes back to
 * the kernel as soon as its last view does.  On the shared default arena
 * it is mapped by its cookie; on a private one, within the whole arena.
 */
static void one_big_buffer(struct __test_metadata *_metadata, struct arena_pool *pool)
{
	struct arena_bytes v, tail;
	struct arena_info info;
	struct arena_buf buf;
	size_t i, avail;
	uint8_t *p;

	ASSERT_EQ(0, arena_pool_info(pool, &info));
	ASSERT_TRUE(info.features & ARENA_FEATURE_BIG_GRANTS);
	ASSERT_EQ(0, arena_buf_alloc(pool, 6 * MiB, &buf));
	EXPECT_LE(6 * MiB, buf.cap);
	ASSERT_EQ(0, arena_pool_info(pool, &info));
	EXPECT_EQ(1, info.live_grants);
	EXPECT_EQ(6 * MiB, info.bytes_live);		/* one grant, not many */
	p = arena_buf_spare(&buf, &avail);
	for (i = 0; i < 6 * MiB; i += 4096)
		p[i] = (uint8_t)(i >> 12);
	ASSERT_EQ(0, arena_buf_commit(&buf, 6 * MiB));
	arena_buf_freeze(&buf, &v);
	ASSERT_EQ(0, arena_bytes_split_off(&v, 5 * MiB, &tail));
	EXPECT_EQ((uint8_t)((5 * MiB) >> 12), tail.ptr[0]);
	EXPECT_EQ(5 * MiB, v.len);
	arena_bytes_release(&v);
	ASSERT_EQ(0, arena_pool_info(pool, &info));
	EXPECT_EQ(1, info.live_grants);			/* the tail holds it */
	arena_bytes_release(&tail);
	/* Back to the kernel, which zeroes it (in its worker: it is big). */
	EXPECT_TRUE(wait_live(arena_pool_fd(pool), 0)) TH_LOG("a big grant was kept in a cache");
}

TEST(a_big_buffer_is_one_uncached_grant)
{
	struct arena_pool *pool = buddy_pool(_metadata, 8 * MiB, NULL);

	ASSERT_NE(NULL, pool);
	one_big_buffer(_metadata, pool);
	arena_pool_close(pool);
}

TEST(a_big_buffer_of_the_default_arena)
{
	struct arena_pool *pool = NULL;

	ASSERT_EQ(0, arena_pool_open(NULL, NULL, &pool));
	one_big_buffer(_metadata, pool);
	arena_pool_close(pool);
}

TEST(buffers_refuse_to_overflow)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_buf buf = { 0 }, none = { 0 };
	struct arena_bytes v;
	uint8_t *spare;
	size_t avail;

	ASSERT_NE(NULL, pool);
	EXPECT_EQ(-EINVAL, arena_buf_alloc(pool, 0, &buf));
	EXPECT_EQ(-EFBIG, arena_buf_alloc(pool, 4 * MiB + 1, &buf));	/* past the arena */
	ASSERT_EQ(0, arena_buf_alloc(pool, 5000, &buf));
	EXPECT_EQ(8192, buf.cap);
	EXPECT_EQ(0, buf.len);
	spare = arena_buf_spare(&buf, &avail);
	EXPECT_EQ(8192, avail);
	memset(spare, 'x', 8000);
	ASSERT_EQ(0, arena_buf_commit(&buf, 8000));
	EXPECT_EQ(-ERANGE, arena_buf_commit(&buf, 193));
	EXPECT_EQ(-ENOSPC, arena_buf_put(&buf, spare, 193));
	EXPECT_EQ(8000, buf.len);
	ASSERT_EQ(0, arena_buf_put(&buf, "yz", 2));
	EXPECT_EQ(-EINVAL, arena_buf_put(&none, "a", 1));
	arena_buf_release(&buf);
	EXPECT_EQ(NULL, buf.rec);
	/* An empty buffer freezes into an empty view, giving the grant back. */
	ASSERT_EQ(0, arena_buf_alloc(pool, 100, &buf));
	arena_buf_freeze(&buf, &v);
	EXPECT_EQ(NULL, v.rec);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(auto_spill_moves_to_the_heap_and_gives_the_grant_back)
{
	struct arena_pool_opts opts = { .auto_spill = 1 };
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, &opts);
	struct arena_pool_stats st;
	struct arena_buf buf = { 0 };
	struct arena_bytes v;
	char big[10000];
	size_t off;

	ASSERT_NE(NULL, pool);
	memset(big, 'q', sizeof(big));
	ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &buf));
	ASSERT_EQ(0, arena_buf_put(&buf, "head", 4));
	ASSERT_EQ(0, arena_buf_put(&buf, big, sizeof(big)));	/* past 4096 */
	arena_pool_stats(pool, &st);
	EXPECT_EQ(1, st.heap_spills);
	EXPECT_EQ(0, st.grants_live);		/* the grant went back at once */
	EXPECT_EQ(4 + sizeof(big), buf.len);
	ASSERT_EQ(0, arena_buf_put(&buf, big, sizeof(big)));	/* the heap grows */
	arena_buf_freeze(&buf, &v);
	EXPECT_EQ(0, memcmp(v.ptr, "headqq", 6));
	EXPECT_EQ(-EINVAL, arena_bytes_export(&v, O_RDWR, &off));
	arena_bytes_release(&v);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

/*
 * A big buffer is a grant while the arena has room; when it is full the
 * allocation fails, or, with auto_spill, starts on the heap (counted).
 */
TEST(a_full_arena_spills_a_big_buffer_only_with_auto_spill)
{
	struct arena_pool_opts opts = { .auto_spill = 1 };
	struct arena_pool *plain = buddy_pool(_metadata, 8 * MiB, NULL);
	struct arena_pool *spilling = buddy_pool(_metadata, 8 * MiB, &opts);
	struct arena_buf held, held2, more = { 0 };
	struct arena_pool_stats st;
	struct arena_bytes v;
	size_t off;

	ASSERT_NE(NULL, plain);
	ASSERT_NE(NULL, spilling);
	ASSERT_EQ(0, arena_buf_alloc(plain, 6 * MiB, &held));
	EXPECT_EQ(-ENOSPC, arena_buf_alloc(plain, 6 * MiB, &more));
	ASSERT_EQ(0, arena_buf_alloc(spilling, 6 * MiB, &held2));
	arena_pool_stats(spilling, &st);
	EXPECT_EQ(0, st.heap_spills);		/* room: a grant */
	EXPECT_EQ(1, st.grants_live);
	ASSERT_EQ(0, arena_buf_alloc(spilling, 6 * MiB, &more));
	arena_pool_stats(spilling, &st);
	EXPECT_EQ(1, st.heap_spills);		/* full: the heap */
	EXPECT_EQ(1, st.grants_live);
	EXPECT_LE(6 * MiB, more.cap);
	memset(more.ptr, 'h', 6 * MiB);
	ASSERT_EQ(0, arena_buf_commit(&more, 6 * MiB));
	arena_buf_freeze(&more, &v);
	EXPECT_EQ('h', v.ptr[6 * MiB - 1]);
	EXPECT_EQ(-EINVAL, arena_bytes_export(&v, O_RDWR, &off));	/* not arena memory */
	arena_bytes_release(&v);
	arena_buf_release(&held2);
	arena_buf_release(&held);
	check_ledger(_metadata, spilling);
	arena_pool_close(spilling);
	arena_pool_close(plain);
}

TEST(caches_refill_and_spill_in_batches)
{
	struct arena_pool_opts opts = { .cache_size = 8 };
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, &opts);
	struct arena_buf bufs[40];
	struct arena_pool_stats st;
	int i;

	ASSERT_NE(NULL, pool);
	for (i = 0; i < 40; i++)
		ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &bufs[i]));
	arena_pool_stats(pool, &st);
	EXPECT_EQ(10, st.refills);		/* 4 grants per refill */
	EXPECT_EQ(30, st.cache_hits);
	EXPECT_EQ(40, st.grants_held);
	for (i = 0; i < 40; i++)
		arena_buf_release(&bufs[i]);
	arena_pool_stats(pool, &st);
	EXPECT_LT(0, st.cache_spills);
	/* At most a full thread cache and a full shared stack stay held. */
	EXPECT_GE(16, st.grants_held);
	/* Again: served from what is held, without the kernel. */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &bufs[i]));
	arena_pool_stats(pool, &st);
	EXPECT_EQ(10, st.refills);
	for (i = 0; i < 8; i++)
		arena_buf_release(&bufs[i]);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(default_arena_pool)
{
	struct arena_pool *pool = NULL;
	struct arena_bytes v;
	struct arena_buf buf;

	ASSERT_EQ(0, arena_pool_open(NULL, NULL, &pool));
	ASSERT_EQ(0, arena_buf_alloc(pool, 100000, &buf));	/* mapped on its own */
	memset(buf.ptr, 7, buf.cap);
	buf.len = buf.cap;
	arena_buf_freeze(&buf, &v);
	EXPECT_EQ(131072, v.len);
	arena_bytes_release(&v);
	arena_pool_close(pool);
	EXPECT_EQ(-ENOENT, arena_pool_open("/dev/no-such-arena", NULL, &pool));
}

TEST(uncached_pool_makes_a_syscall_per_grant)
{
	struct arena_pool_opts opts = { .no_cache = 1 };
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, &opts);
	struct arena_pool_stats st;
	struct arena_buf buf;
	int i;

	ASSERT_NE(NULL, pool);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &buf));
		arena_buf_release(&buf);
	}
	arena_pool_stats(pool, &st);
	EXPECT_EQ(20, st.syscalls);
	EXPECT_EQ(0, st.cache_hits);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(a_forked_child_leaves_the_parents_pool_alone)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_bytes v, extra;
	struct arena_buf buf;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, pool);
	digits(_metadata, pool, &v);
	ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &buf));	/* cached grants too */
	arena_buf_release(&buf);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct arena_buf b;

		if (!is(&v, "0123456789"))		/* readable */
			_exit(1);
		if (arena_buf_alloc(pool, 4096, &b) != -ECHILD)
			_exit(2);
		arena_bytes_release(&v);		/* frees nothing */
		if (arena_pool_flush(pool) != -ECHILD)
			_exit(3);
		arena_pool_close(pool);			/* nor does this */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %d", WEXITSTATUS(status));
	/* The parent's pool, cache and view are intact. */
	EXPECT_TRUE(is(&v, "0123456789"));
	ASSERT_EQ(0, arena_buf_alloc(pool, 4096, &buf));
	ASSERT_EQ(0, arena_buf_put(&buf, "ok", 2));
	arena_buf_freeze(&buf, &extra);
	arena_bytes_release(&extra);
	arena_bytes_release(&v);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(views_travel_to_another_process)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_bytes v, part;
	struct arena_buf buf;
	int sv[2], status, i;
	pid_t pid;

	ASSERT_NE(NULL, pool);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct arena_bytes got, fwd;

		for (i = 0; i < 3; i++) {
			char want[32];

			if (arena_bytes_recv(sv[1], &got))
				_exit(10 + i);
			snprintf(want, sizeof(want), "message %d", i);
			if (!is(&got, want))
				_exit(20 + i);
			/* A received view slices and releases like any other. */
			if (arena_bytes_slice(&got, 0, 7, &fwd) || !is(&fwd, "message"))
				_exit(30 + i);
			arena_bytes_release(&fwd);
			arena_bytes_release(&got);
		}
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < 3; i++) {
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "xx message %d yy", i);

		ASSERT_EQ(0, arena_buf_alloc(pool, 8192, &buf));
		ASSERT_EQ(0, arena_buf_put(&buf, msg, n));
		arena_buf_freeze(&buf, &v);
		ASSERT_EQ(0, arena_bytes_slice(&v, 3, n - 3, &part));
		arena_bytes_release(&v);
		ASSERT_EQ(0, arena_bytes_send(sv[0], &part)) TH_LOG("%s", strerror(errno));
		arena_bytes_release(&part);	/* the dma-buf keeps the grant */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %d", WEXITSTATUS(status));
	close(sv[0]);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(export_and_wrap_in_one_process)
{
	struct arena_pool *pool = buddy_pool(_metadata, 4 * MiB, NULL);
	struct arena_bytes v, w, empty = { 0 };
	size_t off;
	int fd;

	ASSERT_NE(NULL, pool);
	digits(_metadata, pool, &v);
	ASSERT_EQ(0, arena_bytes_advance(&v, 3));
	fd = arena_bytes_export(&v, O_RDWR | O_CLOEXEC, &off);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3, off);
	EXPECT_EQ(-EINVAL, arena_bytes_from_dmabuf(dup(fd), 0, 8192, &w));
	ASSERT_EQ(0, arena_bytes_from_dmabuf(fd, off, v.len, &w));
	EXPECT_TRUE(is(&w, "3456789"));
	EXPECT_EQ(-EINVAL, arena_bytes_try_into_mut(&w, &(struct arena_buf){ 0 }));
	EXPECT_EQ(-EINVAL, arena_bytes_export(&empty, O_RDWR, &off));
	arena_bytes_release(&w);
	arena_bytes_release(&v);
	check_ledger(_metadata, pool);
	arena_pool_close(pool);
}

TEST(bad_pools)
{
	struct arena_create c = { .mode = 7 };
	struct arena_pool *pool = NULL;

	EXPECT_EQ(-EINVAL, arena_pool_create(&c, NULL, &pool));
	EXPECT_EQ(NULL, pool);
	EXPECT_EQ(-ENOTTY, arena_pool_open("/dev/null", NULL, &pool));	/* not an arena */
	EXPECT_EQ(NULL, pool);
	arena_pool_close(NULL);
	pool = buddy_pool(_metadata, 4 * MiB, NULL);
	ASSERT_NE(NULL, pool);
	EXPECT_LE(0, arena_pool_fd(pool));
	EXPECT_EQ(4 * MiB, arena_info(arena_pool_fd(pool)).size);
	arena_pool_close(pool);
}

TEST(bad_handoffs)
{
	struct arena_bytes v = { 0 }, empty = { 0 };
	int sv[2], pipefd[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	EXPECT_EQ(-EINVAL, arena_bytes_send(sv[0], &empty));
	/* A message without a descriptor is not a view. */
	ASSERT_EQ(5, write(sv[0], "hello", 5));
	EXPECT_EQ(-EPROTO, arena_bytes_recv(sv[1], &v));
	EXPECT_EQ(NULL, v.rec);
	close(sv[0]);
	EXPECT_EQ(-ENOTCONN, arena_bytes_recv(sv[1], &v));	/* the peer went */
	close(sv[1]);
	/* Only a dma-buf (or anything with a size to map) wraps. */
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-ESPIPE, arena_bytes_from_dmabuf(pipefd[0], 0, 1, &v));	/* closes it */
	EXPECT_EQ(-1, fcntl(pipefd[0], F_GETFD));
	close(pipefd[1]);
}

/*
 * Only an arena dma-buf wraps: a sender's memfd could be shrunk under the
 * receiver's mapping (SIGBUS on the next read).
 */
TEST(only_arena_dmabufs_are_received)
{
	struct arena_bytes v = { 0 };
	int sv[2], mfd = memfd_create("not-arena", MFD_CLOEXEC), got;
	char wire[16] = { 0 };

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 65536));
	EXPECT_EQ(-EINVAL, arena_bytes_from_dmabuf(dup(mfd), 0, 4096, &v));
	EXPECT_EQ(NULL, v.rec);
	/* The same over a socket, as arena_bytes_send() would frame it. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	wire[8] = 16;	/* offset 0, length 16 (little-endian) */
	ASSERT_EQ(0, send_fd_data(sv[0], mfd, wire, sizeof(wire), 0));
	got = arena_bytes_recv(sv[1], &v);
	EXPECT_EQ(-EINVAL, got);
	if (!got)
		arena_bytes_release(&v);
	close(sv[0]);
	close(sv[1]);
	close(mfd);
}

TEST_HARNESS_MAIN
