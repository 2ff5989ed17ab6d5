// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping /dev/arena: implicit grants through a bare open + mmap, grant and
 * whole-arena mappings, their bounds, huge (PMD) and batched PTE faults
 * counted by the module, splits of huge mappings, prefault and zeroing.
 * Needs the module loaded with its default parameters.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

TEST(bare_open_and_mmap_uses_default_arena)
{
	int fd = arena_open();
	uint64_t live;
	char *p;

	ASSERT_LE(0, fd);
	live = arena_info(fd).live_grants;
	p = arena_map(fd, 0, HPAGE);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s; default arena: %llu live, largest free %llu",
					 strerror(errno), (unsigned long long)live,
					 (unsigned long long)arena_info(fd).largest_free_block);
	EXPECT_EQ(0, (uintptr_t)p % HPAGE);	/* placed for a PMD */
	EXPECT_TRUE(all_zero(p, HPAGE));
	memset(p, 0x5a, HPAGE);
	EXPECT_EQ(live + 1, arena_info(fd).live_grants);
	EXPECT_EQ(0, munmap(p, HPAGE));
	EXPECT_TRUE(wait_live(fd, live));	/* the grant lives as long as the mapping */

	p = arena_map(fd, 0, 12 * KiB);	/* any length up to a chunk */
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 12 * KiB));
	EXPECT_EQ(0, munmap(p, 12 * KiB));
	/* Beyond the arena it can never fit (big grants: big_test.c). */
	EXPECT_EQ(MAP_FAILED, arena_map(fd, 0, arena_info(fd).size + HPAGE));
	EXPECT_EQ(EFBIG, errno);
	close(fd);
}

/*
 * An implicit mmap binds its file from inside ->mmap; later mappings of the
 * same arena through other files must not be affected (they once failed
 * with EPERM when binding switched the file's mapping under mmap_region()).
 */
TEST(implicit_then_grant_mappings_keep_working)
{
	struct arena_alloc a;
	int i, fd, other;
	char *p;

	for (i = 0; i < 4; i++) {
		fd = arena_open();
		ASSERT_LE(0, fd);
		p = arena_map(fd, 0, 16 * KiB);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("round %d: %s", i, strerror(errno));
		p[0] = 1;
		munmap(p, 16 * KiB);
		other = arena_open();
		ASSERT_LE(0, other);
		ASSERT_EQ(0, arena_alloc(other, 16 * KiB, &a));
		p = arena_map(other, a.offset, 16 * KiB);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("round %d: %s", i, strerror(errno));
		munmap(p, 16 * KiB);
		p = arena_map(fd, 0, 16 * KiB);	/* the bound file again */
		ASSERT_NE(MAP_FAILED, p) TH_LOG("round %d: %s", i, strerror(errno));
		munmap(p, 16 * KiB);
		close(other);
		close(fd);
	}
}

TEST(map_private_is_refused)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				   fd, a.offset));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(mapping_bounds)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);
	char *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 64 * KiB, 7);
	/* A window into the grant sees the same bytes. */
	q = arena_map(fd, a.offset + 32 * KiB, 32 * KiB);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, memcmp(p + 32 * KiB, q, 32 * KiB));
	munmap(q, 32 * KiB);

	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset, 64 * KiB + 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset + 32 * KiB, 36 * KiB));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset + 64 * KiB, 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset + (1000ULL << 32), 4096));	/* no such handle */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, 4096, 4096));	/* not a cookie */
	EXPECT_EQ(EINVAL, errno);
	munmap(p, 64 * KiB);
	close(fd);
}

TEST(mremap_cannot_grow_but_can_move)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);
	char *p, *q, *r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 32 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 32 * KiB, 9);
	EXPECT_EQ(MAP_FAILED, mremap(p, 32 * KiB, 64 * KiB, 0));
	EXPECT_EQ(MAP_FAILED, mremap(p, 32 * KiB, 64 * KiB, MREMAP_MAYMOVE));
	/* Moving to another address keeps the same memory. */
	r = mmap(NULL, 32 * KiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	q = mremap(p, 32 * KiB, 32 * KiB, MREMAP_MAYMOVE | MREMAP_FIXED, r);
	ASSERT_EQ(r, q);
	EXPECT_TRUE(stamp_ok(q, 32 * KiB, 9));
	EXPECT_EQ(32 * KiB, arena_info(fd).bytes_mapped);
	/* Shrinking is fine. */
	EXPECT_EQ(q, mremap(q, 32 * KiB, 16 * KiB, 0));
	EXPECT_EQ(16 * KiB, arena_info(fd).bytes_mapped);
	munmap(q, 16 * KiB);
	EXPECT_EQ(0, arena_info(fd).bytes_mapped);
	close(fd);
}

static sigjmp_buf bus_jmp;
static void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

/* Write @p; the address of the SIGBUS it raised, or NULL. */
static void *write_faults_at(volatile char *p)
{
	bus_addr = NULL;
	if (!sigsetjmp(bus_jmp, 1))
		*p = 1;
	return bus_addr;
}

/*
 * A 6 KiB slot maps as two pages; the second is half another slot: a
 * write inside the grant works, one in that page is SIGBUS, at its address.
 */
TEST(fault_beyond_grant_is_sigbus)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	struct arena_alloc a;
	int fd = arena_open_fixed(6 * KiB, 8, 2 * KiB, 0);
	volatile char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, arena_alloc(fd, 6 * KiB, &a));
	ASSERT_EQ(0, a.arena_offset);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset, 12 * KiB));
	p = arena_map(fd, a.offset, 8 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(NULL, write_faults_at(p));			/* inside */
	EXPECT_EQ(NULL, write_faults_at(p + 4095));
	EXPECT_EQ((void *)(p + 4096), write_faults_at(p + 4096));	/* the page it does not fill */
	EXPECT_EQ((void *)(p + 8191), write_faults_at(p + 8191));
	signal(SIGBUS, SIG_DFL);
	close(fd);
}

TEST(grant_not_on_a_page_is_mapped_whole_only)
{
	struct arena_alloc a, b;
	int fd = arena_open_fixed(6 * KiB, 8, 2 * KiB, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 6 * KiB, &a));
	ASSERT_EQ(0, arena_alloc(fd, 6 * KiB, &b));
	EXPECT_EQ(6 * KiB, b.arena_offset);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, b.offset, 4096));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(a_2mib_grant_costs_one_pmd_fault)
{
	struct arena_info before, after;
	struct arena_alloc a;
	int fd = arena_open_buddy(8 * MiB, 0, 0);
	long faults;
	char *p;
	size_t i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	p = arena_map(fd, a.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, (uintptr_t)p % HPAGE);
	before = arena_info(fd);
	faults = minor_faults();
	for (i = 0; i < HPAGE; i += 4096)
		p[i] = (char)i;
	faults = minor_faults() - faults;
	after = arena_info(fd);
	EXPECT_EQ(1, after.pmd_faults - before.pmd_faults);
	EXPECT_EQ(0, after.pte_faults - before.pte_faults);
	EXPECT_GE(1, faults);	/* at most: the count also sees COW faults of the test */
	for (i = 0; i < HPAGE; i += 4096)
		ASSERT_EQ((char)i, p[i]);
	EXPECT_EQ(HPAGE, after.bytes_mapped);
	munmap(p, HPAGE);
	close(fd);
}

TEST(whole_arena_mapping)
{
	struct arena_info info;
	struct arena_alloc a, b;
	int fd = arena_open_buddy(8 * MiB, 0, 0), dflt;
	char *w, *p;
	size_t i;

	ASSERT_LE(0, fd);
	info = arena_info(fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &b));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 64 * KiB, 11);

	w = arena_map(fd, info.whole_offset, 8 * MiB);
	ASSERT_NE(MAP_FAILED, w);
	EXPECT_EQ(0, (uintptr_t)w % HPAGE);
	/* Grants are positions in the whole mapping. */
	EXPECT_TRUE(stamp_ok(w + a.arena_offset, 64 * KiB, 11));
	for (i = 0; i < 8 * MiB; i += 4096)
		w[i] = 1;
	info = arena_info(fd);
	EXPECT_EQ(4, info.pmd_faults);	/* one per chunk, the PTEs of p aside */
	munmap(w, 8 * MiB);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, info.whole_offset, 8 * MiB + 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, info.whole_offset + 8 * MiB, 4096));
	EXPECT_EQ(EINVAL, errno);
	munmap(p, 64 * KiB);
	close(fd);

	/* Nobody maps the shared default arena whole. */
	dflt = arena_open();
	ASSERT_LE(0, dflt);
	EXPECT_EQ(MAP_FAILED, arena_map(dflt, arena_info(dflt).whole_offset, 4096));
	EXPECT_EQ(EACCES, errno);
	close(dflt);
}

TEST(small_grants_fault_in_one_batch)
{
	struct arena_info before, after;
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	before = arena_info(fd);
	p[64 * KiB - 1] = 3;		/* the last byte first, as memset() may */
	memset(p, 3, 64 * KiB);
	after = arena_info(fd);
	EXPECT_EQ(1, after.pte_faults - before.pte_faults);
	EXPECT_EQ(0, after.pmd_faults - before.pmd_faults);
	munmap(p, 64 * KiB);
	close(fd);
}

/* A small mapping astride a 2 MiB boundary still faults in once. */
TEST(small_grant_across_a_pmd_boundary_faults_once)
{
	struct arena_info before, after;
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);
	char *hole, *want, *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	hole = mmap(NULL, 2 * HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	want = (char *)(((uintptr_t)hole + HPAGE) & ~(HPAGE - 1)) - 32 * KiB;
	p = mmap(want, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, a.offset);
	ASSERT_EQ(want, p);
	before = arena_info(fd);
	p[0] = 1;			/* before the boundary ... */
	memset(p, 2, 64 * KiB);		/* ... and after it */
	after = arena_info(fd);
	EXPECT_EQ(1, after.pte_faults - before.pte_faults);
	munmap(hole, 2 * HPAGE);
	close(fd);
}

TEST(splitting_a_huge_mapping)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);
	int status;
	char *p;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	p = arena_map(fd, a.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, HPAGE, 13);
	ASSERT_EQ(1, arena_info(fd).pmd_faults);

	/* A hole in the middle: both sides keep their bytes, as PTEs. */
	ASSERT_EQ(0, munmap(p + MiB, 4096));
	EXPECT_TRUE(stamp_ok(p, MiB, 13));
	EXPECT_EQ(13 ^ ((MiB + 4096) / 8), ((uint64_t *)(p + MiB + 4096))[0]);
	EXPECT_EQ(1, arena_info(fd).pmd_faults);	/* no PMD beyond a VMA */
	EXPECT_LE(2, arena_info(fd).pte_faults);
	EXPECT_EQ(0, smaps_kb(p, "FilePmdMapped"));
	EXPECT_EQ(MiB / KiB, smaps_kb(p, "Rss"));
	EXPECT_EQ(HPAGE - 4096, arena_info(fd).bytes_mapped);

	/* Read-only in part: writes there fault, elsewhere they do not. */
	ASSERT_EQ(0, mprotect(p, 4096, PROT_READ));
	p[8192] = 1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		p[0] = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	EXPECT_EQ(13, ((uint64_t *)p)[0]);
	munmap(p, HPAGE);
	EXPECT_EQ(0, arena_info(fd).bytes_mapped);
	close(fd);
}

TEST(prefault_maps_everything_at_mmap)
{
	struct arena_info before, after;
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, ARENA_CREATE_PREFAULT);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	p = arena_map(fd, a.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(HPAGE / KiB, smaps_kb(p, "Rss"));	/* before any touch */
	before = arena_info(fd);
	memset(p, 1, HPAGE);
	after = arena_info(fd);
	EXPECT_EQ(before.pmd_faults, after.pmd_faults);
	EXPECT_EQ(before.pte_faults, after.pte_faults);
	munmap(p, HPAGE);
	close(fd);
}

/* Write, free, take the same memory again: it must read as zero. */
static void check_regrant_is_zero(struct __test_metadata *_metadata, uint64_t size,
				  uint32_t flags, int expect_zero)
{
	struct arena_alloc a, b;
	int fd = arena_open_buddy(size, size, flags);	/* exactly one block */
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	p = arena_map(fd, a.offset, size);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xab, size);
	munmap(p, size);
	ASSERT_EQ(0, arena_free(fd, a.handle));
	/* The only block: granted again only once it is back and clean. */
	ASSERT_EQ(0, arena_alloc(fd, size, &b));
	EXPECT_EQ(a.arena_offset, b.arena_offset);
	p = arena_map(fd, b.offset, size);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(expect_zero, all_zero(p, size));
	munmap(p, size);
	close(fd);
}

TEST(regrant_reads_zero_small)
{
	check_regrant_is_zero(_metadata, 64 * KiB, 0, 1);
}

TEST(regrant_reads_zero_large)	/* zeroed by the worker */
{
	check_regrant_is_zero(_metadata, HPAGE, 0, 1);
}

TEST(skip_zeroing_keeps_bytes)
{
	check_regrant_is_zero(_metadata, 64 * KiB, ARENA_CREATE_SKIP_ZEROING, 0);
}

TEST(fixed_slots_map_apart)
{
	struct arena_alloc a, b;
	int fd = arena_open_fixed(64 * KiB, 4, 0, 0);
	char *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 1000, &a));
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &b));
	EXPECT_EQ(64 * KiB, a.granted);
	p = arena_map(fd, a.offset, 64 * KiB);
	q = arena_map(fd, b.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	stamp(p, 64 * KiB, 1);
	stamp(q, 64 * KiB, 2);
	EXPECT_TRUE(stamp_ok(p, 64 * KiB, 1));
	EXPECT_TRUE(stamp_ok(q, 64 * KiB, 2));
	EXPECT_EQ(0, msync(p, 64 * KiB, MS_SYNC));
	munmap(p, 64 * KiB);
	munmap(q, 64 * KiB);
	close(fd);
}

TEST_HARNESS_MAIN
