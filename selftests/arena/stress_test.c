// SPDX-License-Identifier: GPL-2.0
/*
 * Stress with a killer: several processes share a small named arena (made
 * over netlink, each worker opening its node) for a bounded time, each
 * allocating, mapping, checking that a fresh grant reads as zero, stamping
 * it with its own pattern, verifying, exporting dma-bufs and handing them
 * to one another over a unix socket, and freeing, while the parent SIGKILLs
 * random workers mid-operation and starts new ones.  The arena is small
 * enough that the workers' holdings fill it again and again: the full path
 * (every lane tried, ENOSPC, room again once a holder frees or dies) runs
 * under the same checks.  Two grants that overlapped, or memory reused
 * without zeroing or while still held, would show as a stamp that is not
 * the holder's.  When every worker is gone the arena must have nothing
 * live and can be deleted.  (The lane then unloads the module, and the
 * debug lane scans kmemleak.)
 *
 *   ARENA_STRESS_SECONDS   how long (default 15)
 *   ARENA_STRESS_SEED      replay a run's choices (the seed is printed)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "arena_nl.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

#define WORKERS		4
#define HELD_MAX	8	/* grants a worker holds at once */
/*
 * Four chunks: four workers holding up to eight grants each (a fifth of
 * them 2 MiB, each taking a whole chunk), and dma-bufs in flight, exceed
 * it many times a second.
 */
#define ARENA_NAME	"stress"
#define ARENA_PATH	"/dev/arenas/" ARENA_NAME
#define ARENA_SIZE	(4 * HPAGE)

/* What every process counts, in shared memory. */
struct tally {
	uint64_t allocs, enospc, verifies, frees, exports, handoffs, received;
	uint64_t refilled;	/* grants made by a worker after it met ENOSPC */
	uint64_t bad_fresh;	/* a new grant that did not read as zero */
	uint64_t bad_stamp;	/* a grant whose stamp was not its holder's */
	uint64_t bad_handoff;	/* a dma-buf whose pages were not what was sent */
	uint64_t errors;	/* a call that failed where it must not */
};

/* A hand-off: the dma-buf travels as SCM_RIGHTS, this as its data. */
struct handoff {
	uint64_t tag;
	uint64_t size;
};

struct held {
	uint64_t handle, size, tag;
	void *map;
};

static const uint64_t sizes[] = { 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, HPAGE };

#define count(t, field)	__atomic_add_fetch(&(t)->field, 1, __ATOMIC_RELAXED)

static void release(struct tally *t, int fd, struct held *g)
{
	if (!stamp_ok(g->map, g->size, g->tag))
		count(t, bad_stamp);
	if (munmap(g->map, g->size) || arena_free(fd, g->handle))
		count(t, errors);
	count(t, frees);
}

/* One worker: random operations until killed. */
static void worker(struct tally *t, int tx, int rx, unsigned int id, unsigned int seed)
{
	struct held held[HELD_MAX];
	unsigned int n = 0, i;
	uint64_t seq = 0;
	bool met_full = false;
	int fd = open(ARENA_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		count(t, errors);
		_exit(1);
	}
	srandom(seed);
	for (;;) {
		unsigned int op = random() % 8;
		struct handoff h;
		struct arena_alloc a;
		void *p;

		if (op < 3 && n < HELD_MAX) {		/* allocate, check, stamp */
			uint64_t size = sizes[random() % (sizeof(sizes) / sizeof(sizes[0]))];
			int ret = arena_alloc(fd, size, &a);

			if (ret == -ENOSPC) {
				count(t, enospc);
				met_full = true;
				continue;
			}
			p = ret ? MAP_FAILED : arena_map(fd, a.offset, size);
			if (p == MAP_FAILED) {
				count(t, errors);
				continue;
			}
			if (!all_zero(p, size))
				count(t, bad_fresh);
			held[n] = (struct held){ .handle = a.handle, .size = size, .map = p,
						 .tag = ((uint64_t)id << 40) | ++seq };
			stamp(p, size, held[n].tag);
			n++;
			count(t, allocs);
			if (met_full)
				count(t, refilled);
			met_full = false;
		} else if (op < 4 && n) {		/* verify */
			i = random() % n;
			if (!stamp_ok(held[i].map, held[i].size, held[i].tag))
				count(t, bad_stamp);
			count(t, verifies);
		} else if (op < 6 && n) {		/* free */
			i = random() % n;
			release(t, fd, &held[i]);
			held[i] = held[--n];
		} else if (op < 7 && n) {		/* export, hand off, free */
			struct arena_export e = { .flags = O_RDONLY | O_CLOEXEC };

			i = random() % n;
			e.handle = held[i].handle;
			if (ioctl(fd, ARENA_IOC_EXPORT, &e)) {
				count(t, errors);
				continue;
			}
			count(t, exports);
			h = (struct handoff){ .tag = held[i].tag, .size = held[i].size };
			if (!send_fd_data(tx, e.fd, &h, sizeof(h), MSG_DONTWAIT))
				count(t, handoffs);
			close(e.fd);
			release(t, fd, &held[i]);	/* the dma-buf keeps it */
			held[i] = held[--n];
		} else {				/* take a hand-off */
			int buf = recv_fd_data(rx, &h, sizeof(h), MSG_DONTWAIT);

			if (buf < 0)
				continue;
			p = mmap(NULL, h.size, PROT_READ, MAP_SHARED, buf, 0);
			if (p == MAP_FAILED) {
				count(t, errors);
			} else {
				if (!stamp_ok(p, h.size, h.tag))
					count(t, bad_handoff);
				munmap(p, h.size);
			}
			close(buf);
			count(t, received);
		}
	}
}

static pid_t spawn(struct tally *t, const int *sv, unsigned int id, unsigned int seed)
{
	pid_t pid = fork();

	if (!pid)
		worker(t, sv[0], sv[1], id, seed);
	return pid;
}

#define load(t, field)	__atomic_load_n(&(t)->field, __ATOMIC_RELAXED)

/*
 * The run did what it claims: every kind of operation ran, often, and the
 * arena was full, and then had room again, many times.
 */
static bool ran_often(const struct tally *t, unsigned int kills)
{
	return load(t, allocs) > 100 && load(t, received) > 10 && kills > 10 &&
	       load(t, enospc) > 20 && load(t, refilled) > 10;
}

static unsigned int stress_seconds(void)
{
	const char *env = getenv("ARENA_STRESS_SECONDS");

	return env ? atoi(env) : 15;
}

FIXTURE(stress) {};
FIXTURE_SETUP(stress)
{
	struct named n = { .name = ARENA_NAME, .size = ARENA_SIZE };

	ASSERT_EQ(0, named_new(&n));
}

FIXTURE_TEARDOWN(stress)
{
	/* Succeeds only once nothing holds a grant of it any more. */
	EXPECT_EQ(0, named_del(ARENA_NAME));
	/* No arena left but the default, and every chunk back, by the module's count. */
	EXPECT_TRUE(wait_only_default()) TH_LOG("%ld chunk pages and %ld arenas held",
						arena_held("chunk_pages"), arena_held("arenas"));
}

/* Replaced before main by one that follows ARENA_STRESS_SECONDS (below). */
TEST_F_TIMEOUT(stress, workers_killed_mid_operation_never_see_foreign_bytes, 300)
{
	const char *seed_env = getenv("ARENA_STRESS_SEED");
	unsigned int seconds = stress_seconds();
	unsigned int seed = seed_env ? strtoul(seed_env, NULL, 0) : (unsigned int)time(NULL);
	unsigned int next_id = WORKERS, kills = 0, i;
	struct arena_info info;
	pid_t pids[WORKERS];
	struct tally *t;
	time_t end, cap;
	int sv[2], fd;

	printf("# ARENA_STRESS_SEED=%u, %u s, %d workers\n", seed, seconds, WORKERS);
	srandom(seed);
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	memset(t, 0, sizeof(*t));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	/* Every worker sends on sv[0] and takes from sv[1]. */

	for (i = 0; i < WORKERS; i++) {
		pids[i] = spawn(t, sv, i, seed + i);
		ASSERT_LT(0, pids[i]);
	}
	/*
	 * The run lasts its length, then goes on until every kind of operation
	 * has run often enough for the checks below to mean something (up to
	 * ten times as long, for a slow machine): the counts asserted at the
	 * end depend on the work done, not on the machine's speed.
	 */
	end = time(NULL) + seconds;
	cap = end + 9 * (time_t)seconds;
	while (time(NULL) < end || (!ran_often(t, kills) && time(NULL) < cap)) {
		/* Mid-operation: workers never wait, so any moment is one. */
		usleep(20000 + random() % 80000);
		i = random() % WORKERS;
		ASSERT_EQ(0, kill(pids[i], SIGKILL));
		ASSERT_EQ(pids[i], waitpid(pids[i], NULL, 0));
		kills++;
		pids[i] = spawn(t, sv, next_id, seed + next_id);
		next_id++;
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < WORKERS; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	close(sv[0]);
	close(sv[1]);	/* dma-bufs still in flight go with the socket */

	printf("# %u kills; %llu allocations (%llu ENOSPC, %llu after one), %llu verifications, "
	       "%llu frees, %llu exports, %llu hand-offs sent, %llu taken\n", kills,
	       (unsigned long long)t->allocs, (unsigned long long)t->enospc,
	       (unsigned long long)t->refilled,
	       (unsigned long long)t->verifies, (unsigned long long)t->frees,
	       (unsigned long long)t->exports, (unsigned long long)t->handoffs,
	       (unsigned long long)t->received);
	EXPECT_EQ(0, t->bad_fresh) TH_LOG("grants that did not read as zero");
	EXPECT_EQ(0, t->bad_stamp) TH_LOG("grants holding another holder's bytes");
	EXPECT_EQ(0, t->bad_handoff) TH_LOG("dma-bufs not holding what was sent");
	EXPECT_EQ(0, t->errors) TH_LOG("calls that failed where they must not");
	EXPECT_TRUE(ran_often(t, kills)) TH_LOG("the run did too little to mean anything");

	fd = open(ARENA_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(wait_live(fd, 0)) TH_LOG("grants still live after every worker died");
	info = arena_info(fd);
	EXPECT_EQ(0, info.bytes_live);
	EXPECT_EQ(0, info.exported_grants);
	EXPECT_EQ(ARENA_SIZE, info.size);
	close(fd);
}

/*
 * The run lasts at most ten times ARENA_STRESS_SECONDS (see above); two
 * minutes more for the arena's removal, which waits out the last zeroing.
 */
__attribute__((constructor)) static void stress_time_limit(void)
{
	SET_TEST_TIMEOUT(stress, workers_killed_mid_operation_never_see_foreign_bytes,
			 10 * stress_seconds() + 120);
}

TEST_HARNESS_MAIN
