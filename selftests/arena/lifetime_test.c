// SPDX-License-Identifier: GPL-2.0
/*
 * Grant lifetimes: memory never returns, and is never granted again, while
 * anything holds it (a handle, a mapping in any process); nothing is lost
 * when holders close, fork, or die by SIGKILL; waiting for space and poll.
 * Needs the module loaded with its default parameters.
 */
#include <poll.h>
#include <sys/wait.h>
#include <time.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

static void wait_byte(int rfd)
{
	char c;

	if (read(rfd, &c, 1) != 1)
		_exit(90);
}

static void send_byte(int wfd)
{
	if (write(wfd, "x", 1) != 1)
		_exit(91);
}

TEST(free_while_mapped_elsewhere_keeps_memory_unreused)
{
	int fd = arena_open_buddy(4 * MiB, 0, 0);
	int to_child[2], to_parent[2], status;
	struct arena_alloc a, b, c;
	pid_t pid;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child maps the grant, stamps it, and holds it. */
		close(to_child[1]);
		close(to_parent[0]);
		p = arena_map(fd, a.offset, HPAGE);
		if (p == MAP_FAILED)
			_exit(1);
		stamp(p, HPAGE, 42);
		send_byte(to_parent[1]);
		wait_byte(to_child[0]);
		_exit(stamp_ok(p, HPAGE, 42) ? 0 : 2);
	}
	close(to_child[0]);
	close(to_parent[1]);	/* a child that dies early ends the wait */
	wait_byte(to_parent[0]);
	/* The handle goes, the child's mapping keeps the memory. */
	ASSERT_EQ(0, arena_free(fd, a.handle));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &b));
	EXPECT_NE(a.arena_offset, b.arena_offset);
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &c));
	EXPECT_EQ(2, arena_info(fd).live_grants);
	send_byte(to_child[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Unmapped on exit: now it comes back, zeroed. */
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &c));
	EXPECT_EQ(a.arena_offset, c.arena_offset);
	p = arena_map(fd, c.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, HPAGE));
	munmap(p, HPAGE);
	close(fd);
}

TEST(fork_shares_mappings)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0), status;
	uint64_t mapped;
	pid_t pid;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 64 * KiB, 5);
	mapped = arena_info(fd).bytes_mapped;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (!stamp_ok(p, 64 * KiB, 5))
			_exit(1);
		if (arena_info(fd).bytes_mapped != 2 * mapped)
			_exit(2);
		stamp(p, 64 * KiB, 6);	/* shared: the parent sees it */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE(stamp_ok(p, 64 * KiB, 6));
	EXPECT_EQ(mapped, arena_info(fd).bytes_mapped);
	munmap(p, 64 * KiB);
	close(fd);
}

TEST(close_keeps_mappings_until_unmapped)
{
	struct arena_alloc a;
	int fd = arena_open(), watch = arena_open();
	uint64_t live;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, watch);
	live = arena_info(watch).live_grants;
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	stamp(p, 64 * KiB, 8);
	EXPECT_TRUE(stamp_ok(p, 64 * KiB, 8));
	EXPECT_EQ(live + 1, arena_info(watch).live_grants);
	munmap(p, 64 * KiB);
	EXPECT_TRUE(wait_live(watch, live));
	close(watch);
}

TEST(kill_9_leaks_nothing)
{
	int to_parent[2], watch = arena_open(), status;
	long pages = arena_held("chunk_pages"), arenas = arena_held("arenas");
	uint64_t live;
	pid_t pid;

	ASSERT_LE(0, watch);
	ASSERT_LE(0, pages) TH_LOG("no debugfs arena/chunk_pages");
	ASSERT_EQ(0, pipe(to_parent));
	live = arena_info(watch).live_grants;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Default-arena grants and mappings, and a private 32 MiB arena. */
		int fd = arena_open(), priv = arena_open_buddy(32 * MiB, 0, 0), i;
		struct arena_alloc a, b;
		char *p, *q;

		close(to_parent[0]);
		if (fd < 0 || priv < 0)
			_exit(1);
		for (i = 0; i < 8; i++) {
			if (arena_alloc(fd, 64 * KiB, &a) || arena_alloc(priv, HPAGE, &b))
				_exit(2);
			p = arena_map(fd, a.offset, 64 * KiB);
			q = arena_map(priv, b.offset, HPAGE);
			if (p == MAP_FAILED || q == MAP_FAILED)
				_exit(3);
			p[0] = 1;
			q[0] = 1;
		}
		send_byte(to_parent[1]);
		pause();
		_exit(4);
	}
	close(to_parent[1]);	/* a child that dies early ends the wait */
	wait_byte(to_parent[0]);
	EXPECT_EQ(live + 8, arena_info(watch).live_grants);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_TRUE(wait_live(watch, live));
	/*
	 * The private arena and its every chunk went back to the page
	 * allocator, by the module's own count, exactly.
	 */
	EXPECT_TRUE(wait_held(pages, arenas))
		TH_LOG("%ld chunk pages and %ld arenas before, %ld and %ld after", pages, arenas,
		       arena_held("chunk_pages"), arena_held("arenas"));
	close(watch);
}

static int alloc_wait(int fd, uint64_t size, uint64_t timeout_ns, struct arena_alloc *a)
{
	*a = (struct arena_alloc){ .size = size, .flags = ARENA_ALLOC_WAIT,
				   .timeout_ns = timeout_ns };
	return ioctl(fd, ARENA_IOC_ALLOC, a) ? -errno : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(wait_for_space_times_out)
{
	struct arena_alloc a, b;
	int fd = arena_open_buddy(2 * MiB, 0, 0);
	double t;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	t = now_s();
	EXPECT_EQ(-ETIMEDOUT, alloc_wait(fd, 4096, 100 * 1000 * 1000, &b));
	EXPECT_LE(0.09, now_s() - t);	/* it did wait, not a speed check */
	close(fd);
}

TEST(wait_for_space_is_woken_by_a_free)
{
	struct arena_alloc a, b;
	int fd = arena_open_buddy(2 * MiB, 0, 0), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(200000);
		_exit(arena_free(fd, a.handle) ? 1 : 0);	/* same file, same handles */
	}
	EXPECT_EQ(0, alloc_wait(fd, HPAGE, 20ULL * 1000 * 1000 * 1000, &b));
	EXPECT_EQ(a.arena_offset, b.arena_offset);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(wait_for_space_is_interrupted_by_a_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct arena_alloc a, b;
	int fd = arena_open_buddy(2 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	alarm(1);
	EXPECT_EQ(-EINTR, alloc_wait(fd, 4096, 0, &b));	/* 0: no time limit */
	EXPECT_EQ(1, arena_info(fd).live_grants);
	close(fd);
}

TEST(poll_reports_space)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(2 * MiB, 0, 0), status;
	struct pollfd pfd;
	pid_t pid;

	ASSERT_LE(0, fd);
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(200000);
		_exit(arena_free(fd, a.handle) ? 1 : 0);
	}
	EXPECT_EQ(1, poll(&pfd, 1, 20000));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(fd);
}

#define WORKERS		4
#define ROUNDS		300

/*
 * Processes share one arena; each stamps what it gets and checks it back.
 * About 4800 grants of 4 KiB to 512 KiB, each stamped, checked, unmapped
 * and freed: under 10 s natively in a VM, 30 s and more on the debug kernel
 * (KASAN, object and DMA-API debugging, TCG); the limit leaves ten times
 * that on the slowest lane seen.
 */
FIXTURE(procs) {};
FIXTURE_SETUP(procs) {}
FIXTURE_TEARDOWN(procs) {}

TEST_F_TIMEOUT(procs, concurrent_allocators_across_processes_never_overlap, 600)
{
	int fd = arena_open_buddy(8 * MiB, 4096, 0), i, status, failed = 0;
	long *granted = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[WORKERS];

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, granted);
	*granted = 0;
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			unsigned int seed = i + 1, r;
			struct arena_alloc a[4];
			char *p[4];
			int k, n, ret;

			for (r = 0; r < ROUNDS; r++) {
				n = 0;
				for (k = 0; k < 4; k++) {
					uint64_t size = 4096ULL << (rand_r(&seed) % 8);

					ret = arena_alloc(fd, size, &a[n]);
					if (ret == -ENOSPC)
						continue;	/* full now; fine */
					if (ret)
						_exit(5);	/* anything else is not */
					__atomic_fetch_add(granted, 1, __ATOMIC_RELAXED);
					p[n] = arena_map(fd, a[n].offset, a[n].granted);
					if (p[n] == MAP_FAILED)
						_exit(1);
					stamp(p[n], a[n].granted, ((uint64_t)getpid() << 32) | r << 4 | n);
					n++;
				}
				for (k = 0; k < n; k++) {
					if (!stamp_ok(p[k], a[k].granted,
						      ((uint64_t)getpid() << 32) | r << 4 | k))
						_exit(2);
					munmap(p[k], a[k].granted);
					if (arena_free(fd, a[k].handle))
						_exit(3);
				}
			}
			_exit(0);
		}
	}
	for (i = 0; i < WORKERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	EXPECT_EQ(0, failed);
	/*
	 * The arena fills now and then (4 workers, up to 4 grants of up to
	 * 512 KiB each, 8 MiB): most claims succeed, at least one a round.
	 */
	TH_LOG("%ld of %d claims granted", *granted, WORKERS * ROUNDS * 4);
	EXPECT_LE((long)WORKERS * ROUNDS, *granted);
	munmap(granted, sizeof(long));
	EXPECT_TRUE(wait_live(fd, 0));
	EXPECT_EQ(0, arena_info(fd).bytes_live);
	EXPECT_EQ(arena_info(fd).allocations_ok, arena_info(fd).frees);
	close(fd);
}

/* Run last: whatever the tests above made is gone, every page of it. */
TEST(nothing_is_left_behind)
{
	EXPECT_TRUE(wait_only_default()) TH_LOG("%ld chunk pages and %ld arenas held",
						arena_held("chunk_pages"), arena_held("arenas"));
}

TEST_HARNESS_MAIN
