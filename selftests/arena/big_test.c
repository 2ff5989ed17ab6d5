// SPDX-License-Identifier: GPL-2.0
/*
 * Big grants: grants larger than a chunk are spans of whole consecutive
 * chunks, one range of the arena and one mapping, with a PMD per 2 MiB;
 * physically contiguous grants are at most a chunk (ERANGE beyond).
 *
 * Needs arena.ko loaded with its 64 MiB default arena and a VM whose
 * page allocator has about 1.2 GiB of free 2 MiB pages (the 1 GiB case).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena_util.h"
#include "../kselftest_harness.h"

static int pmd_mappable(int fd)
{
	return !!(arena_info(fd).features & ARENA_FEATURE_PMD_MAP);
}

/* Fault in every 2 MiB of [p, p + len) for writing, changing nothing. */
static void touch_each_pmd(char *p, size_t len)
{
	size_t at;

	for (at = 0; at < len; at += HPAGE)
		((volatile char *)p)[at] = 0;
}

/* Stamp, then check, one word per page: enough to see an overlap or a loss. */
static void stamp_pages(char *p, size_t len, uint64_t tag)
{
	size_t at;

	for (at = 0; at < len; at += 4096)
		*(uint64_t *)(p + at) = tag ^ at;
}

/* Whether [from, from + len) of what stamp_pages(p, ..., tag) stamped is intact. */
static int pages_ok(const char *p, size_t from, size_t len, uint64_t tag)
{
	size_t at;

	for (at = from; at < from + len; at += 4096)
		if (*(const uint64_t *)(p + at) != (tag ^ at))
			return 0;
	return 1;
}

static int features_ok(int fd)
{
	uint64_t f = arena_info(fd).features;

	return (f & ARENA_FEATURE_BIG_GRANTS) && (f & ARENA_FEATURE_CONTIG);
}

TEST(implicit_maps_of_any_length_up_to_the_default_arena)
{
	static const size_t lens[] = { 4 * MiB, 8 * MiB, 64 * MiB };
	unsigned int i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];
		int fd = arena_open();
		struct arena_info before, after;
		char *p;

		ASSERT_LE(0, fd);
		ASSERT_TRUE(features_ok(fd));
		before = arena_info(fd);
		ASSERT_EQ(64 * MiB, before.size) TH_LOG("needs the 64 MiB default arena");
		EXPECT_EQ(before.size, before.max_grant);
		p = arena_map(fd, 0, len);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap(%zu MiB): %s", len >> 20, strerror(errno));
		EXPECT_EQ(0, (uintptr_t)p % HPAGE);
		touch_each_pmd(p, len);
		after = arena_info(fd);
		if (pmd_mappable(fd)) {
			EXPECT_EQ(len / HPAGE, after.pmd_faults - before.pmd_faults);
			EXPECT_EQ(0, after.pte_faults - before.pte_faults);
		}
		EXPECT_EQ(before.live_grants + 1, after.live_grants);
		EXPECT_EQ(before.bytes_reserved + len, after.bytes_reserved);
		EXPECT_EQ(before.size - len, after.largest_free_grant);
		EXPECT_TRUE(all_zero(p, len));
		stamp_pages(p, len, 0x1234);
		EXPECT_TRUE(pages_ok(p, 0, len, 0x1234));
		EXPECT_EQ(0, munmap(p, len));
		EXPECT_TRUE(wait_live(fd, before.live_grants));
		close(fd);
	}
}

TEST(the_whole_default_arena_then_nothing_more)
{
	int fd = arena_open(), other = arena_open();
	char *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(64 * MiB, arena_info(fd).largest_free_grant) TH_LOG("the default arena is in use");
	/* Beyond the arena: can never fit. */
	EXPECT_EQ(MAP_FAILED, arena_map(fd, 0, 64 * MiB + HPAGE));
	EXPECT_EQ(EFBIG, errno);
	p = arena_map(fd, 0, 64 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	/* Full now: another user's implicit map is ENOMEM, its ALLOC ENOSPC. */
	q = arena_map(other, 0, HPAGE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(0, arena_info(fd).largest_free_grant);
	EXPECT_EQ(0, munmap(p, 64 * MiB));
	EXPECT_TRUE(wait_live(fd, 0));
	EXPECT_EQ(64 * MiB, arena_info(fd).largest_free_grant);
	close(other);
	close(fd);
}

TEST(a_1_gib_grant_in_a_private_arena)
{
	const uint64_t size = 1024 * MiB;
	struct arena_info before, after;
	struct arena_alloc a, b;
	char *p, *w;
	int fd;

	fd = arena_open_buddy(size, 0, 0);
	ASSERT_LE(0, fd) TH_LOG("a 1 GiB arena: %s (the VM needs the memory)", strerror(-fd));
	EXPECT_EQ(-EFBIG, arena_alloc(fd, size + 1, &b));
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	EXPECT_EQ(size, a.granted);
	EXPECT_EQ(0, a.arena_offset);
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &b));
	before = arena_info(fd);
	p = arena_map(fd, a.offset, size);
	ASSERT_NE(MAP_FAILED, p);
	touch_each_pmd(p, size);
	after = arena_info(fd);
	if (pmd_mappable(fd))
		EXPECT_EQ(size / HPAGE, after.pmd_faults - before.pmd_faults);
	stamp_pages(p, size, 0xb16);
	/* The same bytes through the whole-arena mapping (one trust domain). */
	w = arena_map(fd, arena_info(fd).whole_offset, size);
	ASSERT_NE(MAP_FAILED, w);
	EXPECT_TRUE(pages_ok(w, 0, size, 0xb16));
	EXPECT_EQ(0, munmap(w, size));
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_TRUE(wait_live(fd, 0));
	/* Back, and zeroed: a 4 KiB grant of it reads as zero. */
	ASSERT_EQ(0, arena_alloc(fd, 4096, &b));
	p = arena_map(fd, b.offset, 4096);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 4096));
	munmap(p, 4096);
	close(fd);
}

/*
 * A span mapped by a forked child outlives its handle, its parent's
 * mapping and part of its own: what is left stays intact and is never
 * granted again until the last of it is unmapped.
 */
TEST(a_span_survives_fork_split_partial_munmap_and_a_free_elsewhere)
{
	int fd = arena_open_buddy(16 * MiB, 0, 0), go[2], done[2], status;
	struct arena_alloc a, b, c;
	char *p, byte;
	pid_t child, freer;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	ASSERT_EQ(0, arena_alloc(fd, 8 * MiB, &a));
	p = arena_map(fd, a.offset, 8 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp_pages(p, 8 * MiB, 0xf0);

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		/* Split: unmap the second 2 MiB, keep the rest. */
		if (munmap(p + 2 * MiB, 2 * MiB) || write(done[1], "x", 1) != 1 ||
		    read(go[0], &byte, 1) != 1)
			_exit(2);
		_exit(pages_ok(p, 0, 2 * MiB, 0xf0) && pages_ok(p, 4 * MiB, 4 * MiB, 0xf0) ? 0 : 1);
	}
	ASSERT_EQ(1, read(done[0], &byte, 1));
	EXPECT_EQ(0, munmap(p, 8 * MiB));

	/* A third process frees the handle (it shares the file). */
	freer = fork();
	ASSERT_LE(0, freer);
	if (freer == 0)
		_exit(arena_free(fd, a.handle) ? 1 : 0);
	ASSERT_EQ(freer, waitpid(freer, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The child's mapping holds all four chunks: only the other four are free. */
	EXPECT_EQ(8 * MiB, arena_info(fd).largest_free_grant);
	ASSERT_EQ(0, arena_alloc(fd, 8 * MiB, &b));
	EXPECT_TRUE(b.arena_offset + 8 * MiB <= a.arena_offset ||
		    b.arena_offset >= a.arena_offset + 8 * MiB);
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &c));
	EXPECT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child's surviving range changed");
	EXPECT_TRUE(wait_live(fd, 1));
	/* Back, zeroed. */
	ASSERT_EQ(0, arena_alloc(fd, 8 * MiB, &c));
	EXPECT_EQ(a.arena_offset, c.arena_offset);
	p = arena_map(fd, c.offset, 8 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 8 * MiB));
	munmap(p, 8 * MiB);
	close(fd);
}

/* A part of a span is mapped by its cookie plus an offset, as any grant's. */
TEST(offsets_within_a_span_and_mremap_refusals)
{
	int fd = arena_open_buddy(16 * MiB, 0, 0);
	struct arena_alloc a;
	char *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 6 * MiB, &a));
	p = arena_map(fd, a.offset, 6 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp_pages(p, 6 * MiB, 0x77);
	q = arena_map(fd, a.offset + 4 * MiB + 4096, 2 * MiB - 4096);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(*(uint64_t *)(p + 4 * MiB + 4096), *(uint64_t *)q);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset + 4 * MiB, 2 * MiB + 4096));
	EXPECT_EQ(EINVAL, errno);
	/* Growing a mapping of a grant is refused (VM_DONTEXPAND). */
	EXPECT_EQ(MAP_FAILED, mremap(q, 2 * MiB - 4096, 4 * MiB, MREMAP_MAYMOVE));
	munmap(q, 2 * MiB - 4096);
	munmap(p, 6 * MiB);
	close(fd);
}

TEST(contiguous_grants_are_at_most_a_chunk)
{
	struct arena_create c = {
		.mode = ARENA_MODE_BUDDY, .size = 16 * MiB, .chunk_order = 10,
		.node = ARENA_NODE_LOCAL,
	};
	struct arena_alloc a = { .flags = ARENA_ALLOC_CONTIG };
	struct arena_alloc_batch ab = { .count = 1, .flags = ARENA_ALLOC_CONTIG };
	struct arena_grant_desc d;
	struct arena_info info;
	int fd, dflt;
	char *p;

	fd = arena_open_create(&c);
	ASSERT_LE(0, fd) TH_LOG("an order-10 arena: %s", strerror(-fd));
	info = arena_info(fd);
	ASSERT_EQ(4 * MiB, info.chunk_size);
	EXPECT_EQ(4 * MiB, info.largest_free_contig);
	EXPECT_EQ(16 * MiB, info.largest_free_grant);
	/* A 1080p frame (1920 x 1080 x 2) in one contiguous grant. */
	a.size = 4147200;
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_LE(4147200, a.granted);
	EXPECT_EQ(0, a.arena_offset % (4 * MiB));
	a.size = 4 * MiB + 4096;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(ERANGE, errno);
	a.size = 17 * MiB;		/* beyond the arena: EFBIG wins */
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(EFBIG, errno);
	a.flags = 0;
	a.size = 4 * MiB + 4096;	/* without the flag: a span */
	EXPECT_EQ(0, ioctl(fd, ARENA_IOC_ALLOC, &a));
	ab.size = 8 * MiB;
	ab.grants = (uintptr_t)&d;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(ERANGE, errno);
	ab.flags = ARENA_ALLOC_CONTIG | ARENA_ALLOC_WAIT;	/* WAIT is not a batch flag */
	ab.size = 4096;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	/* The implicit form: mmap of contig_offset on the default arena. */
	dflt = arena_open();
	ASSERT_LE(0, dflt);
	info = arena_info(dflt);
	EXPECT_NE(0, info.contig_offset);
	EXPECT_EQ(MAP_FAILED, arena_map(dflt, info.contig_offset, info.chunk_size + 4096));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(dflt, info.contig_offset + 4096, 4096));
	EXPECT_EQ(EINVAL, errno);
	p = arena_map(dflt, info.contig_offset, info.chunk_size);
	ASSERT_NE(MAP_FAILED, p);
	touch_each_pmd(p, info.chunk_size);
	EXPECT_EQ(1, arena_info(dflt).live_grants);
	munmap(p, info.chunk_size);
	EXPECT_TRUE(wait_live(dflt, 0));
	close(dflt);
}

/*
 * Fill a 32 MiB arena with a mix of small grants and spans until it is
 * full, free every other one, fill again: no two grants overlap, every
 * stamp survives, and at the end the arena is one free run.
 */
#define MIX_MAX	256

TEST(exhaustion_and_recovery_with_mixed_big_and_small_grants)
{
	static const uint64_t sizes[] = { 4 * KiB, 6 * MiB, 64 * KiB, 2 * MiB, 4 * MiB + 1, 512 * KiB };
	int fd = arena_open_buddy(32 * MiB, 0, 0);
	struct arena_alloc g[MIX_MAX];
	char *map[MIX_MAX];
	unsigned int n = 0, i, j, round, enospc = 0;

	ASSERT_LE(0, fd);
	for (round = 0; round < 3; round++) {
		for (i = 0; n < MIX_MAX; i++) {
			int ret = arena_alloc(fd, sizes[(i + round) % 6], &g[n]);

			if (ret == -ENOSPC) {
				if (++enospc % 4 == 0)	/* several sizes refused: full */
					break;
				continue;
			}
			ASSERT_EQ(0, ret);
			map[n] = arena_map(fd, g[n].offset, g[n].granted);
			ASSERT_NE(MAP_FAILED, map[n]);
			stamp_pages(map[n], g[n].granted & ~4095ULL, g[n].arena_offset);
			for (j = 0; j < n; j++)
				ASSERT_TRUE(g[j].arena_offset + g[j].granted <= g[n].arena_offset ||
					    g[n].arena_offset + g[n].granted <= g[j].arena_offset);
			n++;
		}
		for (j = 0; j < n; j++)
			ASSERT_TRUE(pages_ok(map[j], 0, g[j].granted & ~4095ULL, g[j].arena_offset));
		/* Free every other one: holes of every size. */
		for (i = j = 0; j < n; j++) {
			if (j % 2) {
				munmap(map[j], g[j].granted);
				ASSERT_EQ(0, arena_free(fd, g[j].handle));
			} else {
				g[i] = g[j];
				map[i++] = map[j];
			}
		}
		n = i;
	}
	TH_LOG("%u ENOSPC along the way", enospc);
	EXPECT_LT(3, enospc);
	for (j = 0; j < n; j++) {
		ASSERT_TRUE(pages_ok(map[j], 0, g[j].granted & ~4095ULL, g[j].arena_offset));
		munmap(map[j], g[j].granted);
		ASSERT_EQ(0, arena_free(fd, g[j].handle));
	}
	EXPECT_TRUE(wait_live(fd, 0));
	EXPECT_EQ(32 * MiB, arena_info(fd).largest_free_grant);
	EXPECT_EQ(0, arena_alloc(fd, 32 * MiB, &g[0]));
	close(fd);
}

/*
 * An allocation that finds no space while zeroing is pending waits for
 * enough memory to come back, not for the whole queue: a 4 MiB grant and
 * then a 256 MiB one are released (the worker zeroes them in that order);
 * a 4 MiB allocation must succeed, and when it does the 256 MiB grant is
 * still being zeroed (zeroing it takes a thousand times longer than the
 * allocation's way back).  Waiting for the queue would see it back.
 */
TEST(an_allocation_waits_for_enough_zeroing_not_the_queue)
{
	int fd = arena_open_buddy(260 * MiB, 0, 0);
	struct arena_alloc small, big, again;
	struct arena_info info;
	char *p;

	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	ASSERT_EQ(0, arena_alloc(fd, 4 * MiB, &small));
	ASSERT_EQ(0, arena_alloc(fd, 256 * MiB, &big));
	p = arena_map(fd, small.offset, 4 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, 4 * MiB);
	munmap(p, 4 * MiB);
	ASSERT_EQ(0, arena_free(fd, small.handle));
	ASSERT_EQ(0, arena_free(fd, big.handle));
	ASSERT_EQ(0, arena_alloc(fd, 4 * MiB, &again)) TH_LOG("space being zeroed is not missing");
	info = arena_info(fd);
	EXPECT_EQ(2, info.live_grants) TH_LOG("the allocation waited for the whole queue");
	p = arena_map(fd, again.offset, 4 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 4 * MiB));
	munmap(p, 4 * MiB);
	EXPECT_TRUE(wait_live(fd, 1));
	close(fd);
}

TEST_HARNESS_MAIN
