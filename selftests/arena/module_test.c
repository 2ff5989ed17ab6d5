// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading arena.ko: the device node comes and goes, unload is
 * refused while anything holds the module (an open file, a mapping), every
 * page comes back after unload, and the module parameters (memory cap,
 * default arena, device mode) take effect and are validated.
 *
 * Needs root and ARENA_KO, the path of arena.ko; each test leaves the module
 * loaded with its default parameters.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
	if (getuid())
		SETUP_SKIP("needs root to load and unload modules");
	if (!getenv("ARENA_KO"))
		SETUP_SKIP("set ARENA_KO to the path of arena.ko");
	if (access(ARENA_DEV, F_OK))
		ASSERT_EQ(0, arena_module_load(""));
}

FIXTURE_TEARDOWN(module)
{
	int fd = arena_open();

	/* Leave the module loaded with its defaults, whatever happened. */
	if (fd >= 0) {
		if (arena_info(fd).size != 64 * MiB) {
			close(fd);
			arena_module_unload();
		} else {
			close(fd);
		}
	}
	if (access(ARENA_DEV, F_OK))
		arena_module_load("");
}

TEST_F(module, unload_removes_the_node_and_load_restores_it)
{
	ASSERT_EQ(0, arena_module_unload());
	EXPECT_NE(0, access(ARENA_DEV, F_OK));
	ASSERT_EQ(0, arena_module_load(""));
	EXPECT_EQ(0, access(ARENA_DEV, F_OK));
}

TEST_F(module, unload_is_refused_while_in_use)
{
	int fd = arena_open();
	char *p;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, arena_module_unload());	/* an open file */
	p = arena_map(fd, 0, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	p[0] = 1;
	EXPECT_EQ(-EWOULDBLOCK, arena_module_unload());	/* a mapping of a closed file */
	munmap(p, HPAGE);
	EXPECT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load(""));
}

/* Only a dma-buf, or only a pipe's hold on a page, still keeps the module. */
TEST_F(module, unload_is_refused_while_a_dma_buf_or_a_pin_holds_a_grant)
{
	struct arena_export e = { .flags = O_RDWR | O_CLOEXEC };
	int fd = arena_open(), pipefd[2], i, ret;
	struct arena_alloc a;
	char *p, buf[4096];
	struct iovec iov;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	e.handle = a.handle;
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_EXPORT, &e));
	close(fd);			/* the handle goes with the file */
	EXPECT_EQ(-EWOULDBLOCK, arena_module_unload());
	close(e.fd);

	/* A released grant whose page a pipe holds waits, holding the module. */
	fd = arena_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, 4096);
	iov = (struct iovec){ .iov_base = p, .iov_len = 4096 };
	ASSERT_EQ(4096, vmsplice(pipefd[1], &iov, 1, 0));
	munmap(p, 64 * KiB);
	close(fd);
	EXPECT_EQ(-EWOULDBLOCK, arena_module_unload());
	ASSERT_EQ(4096, read(pipefd[0], buf, sizeof(buf)));
	close(pipefd[0]);
	close(pipefd[1]);
	/* Rechecked every 20 ms, the grant comes back: then it unloads. */
	for (i = 0; i < 600; i++) {
		ret = arena_module_unload();
		if (ret != -EWOULDBLOCK)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, ret);
	ASSERT_EQ(0, arena_module_load(""));
}

TEST_F(module, every_page_comes_back_after_unload)
{
	long before, unloaded, loaded;

	/*
	 * Exactly: the module holds the default arena's chunks and nothing
	 * else, and it warns at unload if any page or arena is still held
	 * (the lane fails on the warning).  MemFree, below, is only the page
	 * allocator's rough view of the same.
	 */
	EXPECT_TRUE(wait_only_default()) TH_LOG("%ld chunk pages and %ld arenas held",
						arena_held("chunk_pages"), arena_held("arenas"));
	before = free_kb();
	ASSERT_EQ(0, arena_module_unload());
	unloaded = free_kb();
	/* The default arena's 64 MiB are free again ... */
	EXPECT_LE(60 * 1024, unloaded - before) TH_LOG("free %ld -> %ld kB", before, unloaded);
	ASSERT_EQ(0, arena_module_load(""));
	loaded = free_kb();
	/* ... and taken again by the next load. */
	EXPECT_LE(60 * 1024, unloaded - loaded) TH_LOG("free %ld -> %ld kB", unloaded, loaded);
}

/* MemTotal in kB, or -1. */
static long mem_total_kb(void)
{
	return file_field("/proc/meminfo", "MemTotal: %ld kB");
}

/*
 * An arena larger than 4 GiB spaces its cookies wider (abi.rst): it maps
 * whole, every byte of it, and a 4 GiB grant maps at any offset within it.
 * Needs the 6 GiB VM of the 6.12 lane (or the big lane's).  Making and
 * zeroing 4 GiB under emulation took more than the harness's 30 s in the
 * 12 GiB guest, whose memory the host had not touched yet.
 */
TEST_F_TIMEOUT(module, an_arena_over_4_gib_maps_whole_and_its_grants_past_4_gib, 300)
{
	const uint64_t gib4 = 4096 * MiB;
	struct arena_alloc span, tail;
	struct arena_info info;
	char *p, *w;
	int fd;

	if (mem_total_kb() < 5632L * 1024)
		SKIP(return, "needs a VM of 6 GiB (the 6.12 lane boots one)");
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load("max_memory=5368709120 default_size=0"));	/* 5 GiB */
	fd = arena_open_buddy(gib4 + HPAGE, 0, 0);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	info = arena_info(fd);
	EXPECT_EQ(gib4 + HPAGE, info.size);
	EXPECT_EQ(info.size, info.max_grant);
	EXPECT_EQ(1ULL << 33, info.whole_offset);	/* 2^33 covers the arena */
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &tail));
	ASSERT_EQ(0, arena_alloc(fd, gib4, &span));
	EXPECT_EQ(span.handle << 33, span.offset);
	EXPECT_EQ(HPAGE, span.arena_offset);		/* the first free run */
	/* The grant's last 2 MiB, 4 GiB - 2 MiB into it, by its cookie. */
	p = arena_map(fd, span.offset + gib4 - HPAGE, HPAGE);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	memset(p, 0x3c, HPAGE);
	/* The same bytes at the whole arena's last 2 MiB, past 4 GiB. */
	w = arena_map(fd, info.whole_offset + gib4, HPAGE);
	ASSERT_NE(MAP_FAILED, w) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0x3c, w[0]);
	EXPECT_EQ(0x3c, w[HPAGE - 1]);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, info.whole_offset + gib4, 2 * HPAGE));
	EXPECT_EQ(EINVAL, errno);
	munmap(w, HPAGE);
	munmap(p, HPAGE);
	close(fd);
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load(""));
}

/*
 * 8 GiB arenas, each way one is made: the default arena (insmod
 * default_size=), a private one (ARENA_IOC_CREATE) and a named one
 * (netlink NEW, through arenactl); each grants all of itself as one span,
 * mapped with a PMD per 2 MiB.  Needs the 12 GiB VM of the big lane, and
 * takes the module's cap up to 9 GiB (the default is half of RAM).
 */
/* Map @cookie (offset 0: an implicit grant; else a grant made already), 8 GiB. */
static void whole_8_gib(struct __test_metadata *_metadata, int fd, uint64_t cookie)
{
	const uint64_t size = 8192 * MiB;
	struct arena_info before = arena_info(fd), after;
	char *p;
	uint64_t at;

	EXPECT_EQ(size, before.size);
	EXPECT_EQ(size, before.max_grant);
	EXPECT_EQ(cookie ? 0 : size, before.largest_free_grant);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, cookie);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	for (at = 0; at < size; at += HPAGE)
		*(volatile uint64_t *)(p + at) = at;
	for (at = 0; at < size; at += HPAGE)
		ASSERT_EQ(at, *(uint64_t *)(p + at));
	after = arena_info(fd);
	EXPECT_EQ(size / HPAGE, after.pmd_faults - before.pmd_faults);
	EXPECT_EQ(0, after.largest_free_grant);
	munmap(p, size);
}

TEST_F_TIMEOUT(module, arenas_of_8_gib_by_insmod_ioctl_and_netlink, 900)
{
	const uint64_t size = 8192 * MiB;
	struct arena_alloc a;
	int fd;

	if (mem_total_kb() < 11 * 1024 * 1024L)
		SKIP(return, "needs a VM of 12 GiB (the big lane boots one)");
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load("max_memory=9663676416 default_size=8589934592"));
	fd = arena_open();
	ASSERT_LE(0, fd);
	whole_8_gib(_metadata, fd, 0);		/* an implicit grant of all of it */
	close(fd);
	ASSERT_TRUE(wait_only_default());

	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load("max_memory=9663676416 default_size=0"));
	fd = arena_open_buddy(size, 0, 0);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	EXPECT_EQ(a.handle << 33, a.offset);
	whole_8_gib(_metadata, fd, a.offset);
	close(fd);

	ASSERT_TRUE(wait_held(0, 0));
	ASSERT_EQ(0, system("arenactl create big8 --size 8G"));
	fd = open("/dev/arenas/big8", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	whole_8_gib(_metadata, fd, 0);
	close(fd);
	EXPECT_EQ(0, system("arenactl delete big8"));
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load(""));
}

TEST_F(module, memory_cap_limits_creation)
{
	int a, b, c;

	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load("max_memory=41943040 default_size=16777216"));	/* 40 MiB, 16 MiB */
	a = arena_open_buddy(16 * MiB, 0, 0);
	ASSERT_LE(0, a);
	b = arena_open_buddy(16 * MiB, 0, 0);	/* 48 MiB in all: over */
	EXPECT_EQ(-EDQUOT, b);
	/* 38 MiB, and the allocators' metadata (a few KiB): fits */
	b = arena_open_buddy(6 * MiB, 0, 0);
	ASSERT_LE(0, b) TH_LOG("%s", strerror(-b));
	close(a);
	c = arena_open_buddy(16 * MiB, 0, 0);	/* room again once a is gone */
	ASSERT_LE(0, c);
	close(b);
	close(c);
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load(""));
}

TEST_F(module, default_arena_parameters)
{
	struct arena_info info;
	struct stat st;
	int fd;

	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load("default_mode=fixed default_slot_size=65536 default_size=8388608 dev_mode=0666"));
	ASSERT_EQ(0, stat(ARENA_DEV, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	fd = arena_open();
	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(ARENA_MODE_FIXED, info.mode);
	EXPECT_EQ(64 * KiB, info.slot_size);
	EXPECT_EQ(128, info.slot_count);
	close(fd);
	ASSERT_EQ(0, arena_module_unload());

	ASSERT_EQ(0, arena_module_load("default_size=0"));	/* no default arena */
	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(MAP_FAILED, arena_map(fd, 0, 4096));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load(""));
}

TEST_F(module, bad_parameters_refuse_to_load)
{
	ASSERT_EQ(0, arena_module_unload());
	EXPECT_EQ(-EINVAL, arena_module_load("default_mode=bogus"));
	EXPECT_EQ(-EINVAL, arena_module_load("dev_mode=01000"));
	EXPECT_EQ(-EINVAL, arena_module_load("chunk_order=30"));
	EXPECT_EQ(-EINVAL, arena_module_load("default_size=3145728"));	/* not a chunk multiple */
	EXPECT_EQ(-EDQUOT, arena_module_load("max_memory=1048576"));	/* the default arena exceeds it */
	ASSERT_EQ(0, arena_module_load(""));
}

TEST_HARNESS_MAIN
