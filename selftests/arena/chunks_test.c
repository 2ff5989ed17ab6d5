// SPDX-License-Identifier: GPL-2.0
/*
 * Backing memory: chunks come from the page allocator charged to the
 * creator's memory cgroup, and ARENA_CREATE_SMALLER_CHUNKS falls back to
 * smaller chunks when no huge ones are left.
 *
 * Needs root: it mounts cgroup2 if needed, and takes every free huge page
 * into the hugetlb pool for a while (then gives them back).  Meant for a
 * test VM.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

#define CGROOT	"/sys/fs/cgroup"
#define CG	CGROOT "/arena-selftest"

/* In a child placed in a fresh memory cgroup limited to @max bytes. */
static int in_cgroup(struct __test_metadata *_metadata, const char *max,
		     int (*fn)(void))
{
	char pid[32];
	int status;
	pid_t child;

	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		mkdir(CGROOT, 0755);
		if (mount("none", CGROOT, "cgroup2", 0, NULL))
			return -errno;
	}
	write_file(CGROOT "/cgroup.subtree_control", "+memory");
	rmdir(CG);
	if (mkdir(CG, 0755) || write_file(CG "/memory.max", max))
		return -errno;
	child = fork();
	if (!child) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_file(CG "/cgroup.procs", pid))
			_exit(100);
		_exit(fn());
	}
	EXPECT_EQ(child, waitpid(child, &status, 0));
	rmdir(CG);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

/* 32 MiB arena in the child: memory.current must show it. */
static int make_32mib_arena(void)
{
	long long before = read_ll(CG "/memory.current"), after;
	int fd = arena_open_buddy(32 * MiB, 0, 0);

	if (fd < 0)
		return fd == -ENOMEM ? 10 : 11;
	after = read_ll(CG "/memory.current");
	close(fd);
	if (after - before < (long long)(32 * MiB))
		return 12;
	/* Given back: the charge goes too. */
	if (read_ll(CG "/memory.current") - before > (long long)(4 * MiB))
		return 13;
	return 0;
}

TEST(arena_memory_is_charged_to_the_creators_cgroup)
{
	if (getuid())
		SKIP(return, "needs root for cgroups");
	EXPECT_EQ(0, in_cgroup(_metadata, "max", make_32mib_arena));
	/* Over the cgroup's limit: creation fails cleanly with ENOMEM. */
	EXPECT_EQ(10, in_cgroup(_metadata, "16777216", make_32mib_arena));
}

/*
 * No free 2 MiB block, 128 MiB free in 4 KiB fragments: 256 MiB of 4 KiB
 * anonymous pages first, every other one dropped and the rest locked where
 * they are, with compaction of locked pages and proactive compaction off so
 * that nothing merges the holes; then the hugetlb pool takes every huge
 * page the allocator can still make (compacting as it goes).  A huge page
 * the pool missed is taken by a one-chunk arena until none is left, and
 * the room left above the watermarks is measured: the state is checked,
 * not assumed.
 */
#define MAX_STRAYS	256
#define PCP_SETTLED	2048	/* pages left on per-CPU lists: settled enough */
#define ROOM_PAGES	4096	/* 16 MiB free above the low watermarks */

/*
 * Free pages above the low watermark, summed over the zones that serve
 * GFP_KERNEL (not ZONE_DMA), as the page allocator counts them: below it,
 * allocations go to the slow path, and with nothing to reclaim, to the OOM
 * killer.
 */
static long pages_over_low(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	long n, free = 0, total = 0;
	char line[256], zone[32];
	bool dma = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", zone) == 1)
			dma = !strcmp(zone, "DMA");
		else if (sscanf(line, " pages free %ld", &n) == 1)
			free = n;
		else if (sscanf(line, " low %ld", &n) == 1 && !dma)
			total += free - n;
	}
	fclose(f);
	return total;
}

/* Pages waiting on the per-CPU free lists of every zone (/proc/zoneinfo). */
static long pcp_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long n, total = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			total += n;
	fclose(f);
	return total;
}

/*
 * Pages freed go to per-CPU lists before the buddy allocator, and since 6.7
 * those lists grow to tens of MiB under a burst of frees.  Pages there do
 * not count as free for the watermarks, and the page allocator drains them
 * only after reclaim made progress, which here it cannot: the holes would
 * stay there and the next allocation would wake the OOM killer (seen on
 * 7.2, with 64 MiB on one CPU's list).  So the fixture caps the lists at
 * their smallest (a huge percpu_pagelist_high_fraction: 4 batches a CPU)
 * and has vmstat refresh them down to that, a step at a time.
 */
static long settle_pcp_lists(void)
{
	long left = pcp_pages();
	int i;

	for (i = 0; i < 256 && left > PCP_SETTLED; i++) {
		if (write_file("/proc/sys/vm/stat_refresh", "1") == -ENOENT)
			break;
		left = pcp_pages();
	}
	return left;
}

FIXTURE(no_huge_pages) {
	char *region;
	size_t len;
	long proactiveness;
	long pcp_fraction;	/* percpu_pagelist_high_fraction to restore */
	int strays[MAX_STRAYS];	/* 2 MiB arenas holding blocks the pool missed */
	int nr_strays;
};

FIXTURE_SETUP(no_huge_pages)
{
	long pool, pcp, room;
	size_t off;

	self->region = MAP_FAILED;
	self->nr_strays = 0;
	self->pcp_fraction = -1;
	self->len = 256 * MiB;
	self->proactiveness = read_ll("/proc/sys/vm/compaction_proactiveness");
	if (getuid())
		SETUP_SKIP("needs root to size the hugetlb pool");
	if (access("/proc/sys/vm/nr_hugepages", W_OK))
		SETUP_SKIP("no hugetlb pool to take huge pages with");
	ASSERT_EQ(0, write_file("/proc/sys/vm/compact_unevictable_allowed", "0"));
	if (self->proactiveness >= 0)
		write_file("/proc/sys/vm/compaction_proactiveness", "0");
	self->pcp_fraction = read_ll("/proc/sys/vm/percpu_pagelist_high_fraction");
	if (self->pcp_fraction >= 0)
		write_file("/proc/sys/vm/percpu_pagelist_high_fraction", "1048576");

	self->region = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->region);
	ASSERT_EQ(0, madvise(self->region, self->len, MADV_NOHUGEPAGE));
	memset(self->region, 1, self->len);
	for (off = 0; off < self->len; off += 8192)
		ASSERT_EQ(0, madvise(self->region + off, 4096, MADV_DONTNEED));
	ASSERT_EQ(0, mlock2(self->region, self->len, MLOCK_ONFAULT));
	pcp = settle_pcp_lists();

	/*
	 * Holes first: they keep free memory over the watermarks while the
	 * pool takes every huge page, so nothing that allocates after it (a
	 * sysctl read, say) meets the OOM killer.
	 */
	write_file("/proc/sys/vm/nr_hugepages", "1000000");
	pool = read_ll("/proc/sys/vm/nr_hugepages");
	ASSERT_LT(0, pool);
	/* Take any huge page the pool missed. */
	for (self->nr_strays = 0; self->nr_strays < MAX_STRAYS; self->nr_strays++) {
		int fd = arena_open_buddy(HPAGE, 0, 0);

		if (fd < 0) {
			ASSERT_EQ(-ENOMEM, fd);
			break;
		}
		self->strays[self->nr_strays] = fd;
	}
	ASSERT_GT(MAX_STRAYS, self->nr_strays);
	/* The holes are free memory the allocator sees, not the OOM killer's. */
	room = pages_over_low();
	ASSERT_LE(ROOM_PAGES, room)
		TH_LOG("%ld pages free above the low watermarks, %ld on per-CPU lists", room, pcp);
	TH_LOG("the hugetlb pool took %ld huge pages, %d more were left; %ld pages free above the low watermarks, %ld on per-CPU lists",
	       pool, self->nr_strays, room, pcp);
}

FIXTURE_TEARDOWN(no_huge_pages)
{
	char val[32];
	int i;

	for (i = 0; i < self->nr_strays; i++)
		close(self->strays[i]);
	if (self->region != MAP_FAILED)
		munmap(self->region, self->len);
	write_file("/proc/sys/vm/nr_hugepages", "0");
	write_file("/proc/sys/vm/compact_unevictable_allowed", "1");
	if (self->pcp_fraction >= 0) {
		snprintf(val, sizeof(val), "%ld", self->pcp_fraction);
		write_file("/proc/sys/vm/percpu_pagelist_high_fraction", val);
	}
	if (self->proactiveness >= 0) {
		snprintf(val, sizeof(val), "%ld", self->proactiveness);
		write_file("/proc/sys/vm/compaction_proactiveness", val);
	}
}

/*
 * The harness's 30 s default covers the fixture too, whose work is large:
 * 256 MiB written and 32768 holes punched, then the hugetlb pool takes
 * every huge page (compacting as it goes).  About 10 s on the 6.1 and 6.12
 * lanes on a quiet machine; it ran out of 30 s on a loaded one, and the
 * debug kernel is slower again: 300 s leaves ten times that.
 */
TEST_F_TIMEOUT(no_huge_pages, smaller_chunks_when_huge_pages_run_out, 300)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB,
				  .min_block = 4096, .node = ARENA_NODE_LOCAL };
	struct arena_info info;
	struct arena_alloc a;
	char *p;
	int fd;

	fd = arena_open_create(&c);	/* 2 MiB chunks only: none left */
	EXPECT_EQ(-ENOMEM, fd);
	if (fd >= 0)
		close(fd);

	c.flags = ARENA_CREATE_SMALLER_CHUNKS;
	fd = arena_open_create(&c);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	info = arena_info(fd);
	TH_LOG("fell back to order-%u chunks", info.chunk_order);
	EXPECT_GT(9, info.chunk_order);
	EXPECT_EQ(4 * MiB, info.size);
	EXPECT_EQ(info.chunk_size, info.max_block);
	/* It works as any arena: blocks up to its smaller chunks, spans above. */
	EXPECT_EQ(-EFBIG, arena_alloc(fd, info.size + 1, &a));
	ASSERT_EQ(0, arena_alloc(fd, info.chunk_size + 1, &a));
	EXPECT_EQ(2 * info.chunk_size, a.granted);
	p = arena_map(fd, a.offset, a.granted);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, a.granted));
	stamp(p, a.granted, 3);
	EXPECT_TRUE(stamp_ok(p, a.granted, 3));
	munmap(p, a.granted);
	close(fd);
}

TEST(explicit_node_and_larger_chunks)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 8 * MiB,
				  .node = 0, .chunk_order = 10 };
	struct arena_info info;
	struct arena_alloc a;
	char *p;
	int fd = arena_open_create(&c);

	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(0, info.node);
	EXPECT_EQ(10, info.chunk_order);
	ASSERT_EQ(0, arena_alloc(fd, 4 * MiB, &a));	/* one 4 MiB grant: two PMDs */
	p = arena_map(fd, a.offset, 4 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, 4 * MiB);
	EXPECT_EQ(2, arena_info(fd).pmd_faults);
	munmap(p, 4 * MiB);
	close(fd);
}

/* MemFree of NUMA node @node in KiB, or -1. */
static long node_free_kb(int node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	return file_field(path, "Node %*d MemFree: %ld kB");
}

/*
 * An arena made for node 1 takes all its memory from node 1 (the debug
 * lane boots with numa=fake=2; elsewhere there is one node).
 */
TEST(node_one_gets_the_memory)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 64 * MiB, .node = 1 };
	long before0, before1, after0, after1;
	int fd;

	if (node_free_kb(1) < 0)
		SKIP(return, "one NUMA node here (boot with numa=fake=2)");
	before0 = node_free_kb(0);
	before1 = node_free_kb(1);
	fd = arena_open_create(&c);
	ASSERT_LE(0, fd);
	after0 = node_free_kb(0);
	after1 = node_free_kb(1);
	EXPECT_EQ(1, arena_info(fd).node);
	EXPECT_EQ(9, arena_info(fd).chunk_order);	/* 2 MiB chunks */
	/*
	 * All 64 MiB from node 1; node 0 pays at most bookkeeping.  MemFree is
	 * not exact (per-CPU counter deltas, the kernel's own allocations and
	 * frees meanwhile: 80 kB seen), so node 1 may show up to half a 2 MiB
	 * chunk less, which still proves that no chunk came from elsewhere.
	 */
	EXPECT_LE(63 * 1024, before1 - after1) TH_LOG("node 1: %ld -> %ld kB", before1, after1);
	EXPECT_GT(8 * 1024, before0 - after0) TH_LOG("node 0: %ld -> %ld kB", before0, after0);
	close(fd);
}

TEST_HARNESS_MAIN
