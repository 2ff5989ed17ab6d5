// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas as dma-buf heaps (arena_heap.ko, kernels from 6.16): the default
 * arena as /dev/dma_heap/arena, named arenas made with ARENA_A_DMA_HEAP as
 * /dev/dma_heap/arena-<name>.  A heap's buffers are grants of its arena,
 * checked against the arena's own owner, group and mode; a heap outlives a
 * removed arena and serves one made again under the name.
 *
 * Needs arena_heap.ko loaded with default_arena=1 (the "heap" lane loads
 * it, last, as it can never be unloaded), the selftests' importer module,
 * and root (it makes named arenas and drops to another uid).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "arena_importer.h"
#include "arena_nl.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

#define HEAP_DIR	"/dev/dma_heap/"
#define USER		1000

/* Where arena_heap.ko is not loaded (the other lanes), every case skips. */
#define NEED_HEAP() do {							\
	if (access(HEAP_DIR "arena", F_OK))					\
		SKIP(return, "no arena dma-buf heap (arena_heap.ko, kernels from 6.16)"); \
} while (0)

/* A buffer of @len from the heap @name: its dma-buf, or -errno. */
static int heap_alloc(const char *name, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = fd_flags };
	char path[64];
	int heap, ret;

	snprintf(path, sizeof(path), HEAP_DIR "%s", name);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
	close(heap);
	return ret;
}

/* The named arena @name's counters, through its node. */
static struct arena_info named_info(const char *name)
{
	char path[64];
	struct arena_info info = { 0 };
	int fd;

	snprintf(path, sizeof(path), "/dev/arenas/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		info = arena_info(fd);
		close(fd);
	}
	return info;
}

/* Whether the test importer's device sees @len bytes of @stamp in @dmabuf. */
static int importer_sees(int dmabuf, size_t len, uint64_t tag)
{
	struct arena_importer_check c = { .fd = dmabuf, .fill = tag ^ 1 };
	int imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC), ok;
	uint64_t x = 0, *w;
	size_t i;

	w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	if (imp < 0 || w == MAP_FAILED)
		return 0;
	stamp(w, len, tag);
	for (i = 0; i < len / 8; i++)
		x ^= w[i];
	ok = !ioctl(imp, ARENA_IMPORTER_CHECK, &c) && c.length == len && c.xor_before == x &&
	     w[0] == c.fill && w[len / 8 - 1] == c.fill;
	munmap(w, len);
	close(imp);
	return ok;
}

TEST(the_default_arenas_heap_grants_from_it)
{
	int fd = arena_open(), buf;
	uint64_t live;

	NEED_HEAP();

	ASSERT_LE(0, fd);
	ASSERT_TRUE(arena_info(fd).features & ARENA_FEATURE_DMA_HEAP);
	live = arena_info(fd).live_grants;
	buf = heap_alloc("arena", 64 * KiB, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, buf) TH_LOG("%s", strerror(-buf));
	EXPECT_EQ(live + 1, arena_info(fd).live_grants);
	EXPECT_TRUE(importer_sees(buf, 64 * KiB, 0xd1));
	close(buf);
	EXPECT_TRUE(wait_live(fd, live));
	close(fd);
}

TEST(a_named_arenas_heap_follows_its_name)
{
	struct named n = { .name = "heapy", .size = 8 * MiB, .dev_mode = 0600, .dma_heap = 1 };
	struct named plain = { .name = "heapy", .size = 8 * MiB, .dev_mode = 0600 };
	int buf;

	NEED_HEAP();

	ASSERT_EQ(0, named_new(&n));
	buf = heap_alloc("arena-heapy", 2 * MiB, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, buf) TH_LOG("%s", strerror(-buf));
	EXPECT_EQ(1, named_info("heapy").live_grants);
	EXPECT_TRUE(importer_sees(buf, 2 * MiB, 0xd2));
	/* Its buffer holds the arena: removal waits for it. */
	close(buf);
	EXPECT_EQ(0, named_del("heapy"));
	EXPECT_EQ(-ENODEV, heap_alloc("arena-heapy", 2 * MiB, O_RDWR));
	/* Made again under the name, it is served again, by the same heap. */
	ASSERT_EQ(0, named_new(&n));
	buf = heap_alloc("arena-heapy", 4 * MiB, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, buf) TH_LOG("%s", strerror(-buf));
	EXPECT_EQ(1, named_info("heapy").live_grants);
	close(buf);
	EXPECT_EQ(0, named_del("heapy"));
	/* Made without asking for a heap, it is not served. */
	ASSERT_EQ(0, named_new(&plain));
	EXPECT_EQ(-ENODEV, heap_alloc("arena-heapy", 4096, O_RDWR));
	EXPECT_EQ(0, named_del("heapy"));
	/* Past its arena, as an alloc ioctl would be. */
	ASSERT_EQ(0, named_new(&n));
	EXPECT_EQ(-EFBIG, heap_alloc("arena-heapy", 16 * MiB, O_RDWR));
	EXPECT_EQ(0, named_del("heapy"));
}

/* In a child as USER: what allocating from @heap gives (0 or -errno). */
static int alloc_as_user(const char *heap, uint32_t fd_flags)
{
	int status, buf;
	pid_t pid = fork();

	if (!pid) {
		if (setgroups(0, NULL) || setresgid(USER, USER, USER) || setresuid(USER, USER, USER))
			_exit(100);
		buf = heap_alloc(heap, 64 * KiB, fd_flags);
		_exit(buf >= 0 ? 0 : -buf);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -EINTR;
	return -WEXITSTATUS(status);
}

/*
 * A udev rule may open the nodes in /dev/dma_heap to everyone; the arena's own owner,
 * group and mode still decide who allocates from it.
 */
TEST(the_arenas_mode_decides_not_the_heap_nodes)
{
	struct named guarded = { .name = "guarded", .size = 4 * MiB, .dev_mode = 0600,
				 .dma_heap = 1 };
	struct named mine = { .name = "mine", .size = 4 * MiB, .dev_mode = 0600,
			      .dev_uid = USER, .dev_gid = USER, .dma_heap = 1 };
	struct named readable = { .name = "readable", .size = 4 * MiB, .dev_mode = 0644,
				  .dma_heap = 1 };

	NEED_HEAP();

	ASSERT_EQ(0, named_new(&guarded));
	ASSERT_EQ(0, named_new(&mine));
	ASSERT_EQ(0, named_new(&readable));
	ASSERT_EQ(0, chmod(HEAP_DIR "arena-guarded", 0666));
	ASSERT_EQ(0, chmod(HEAP_DIR "arena-mine", 0666));
	ASSERT_EQ(0, chmod(HEAP_DIR "arena-readable", 0666));
	ASSERT_EQ(0, chmod(HEAP_DIR "arena", 0666));
	EXPECT_EQ(-EACCES, alloc_as_user("arena-guarded", O_RDWR));
	EXPECT_EQ(-EACCES, alloc_as_user("arena", O_RDWR));	/* /dev/arena is 0600 */
	EXPECT_EQ(0, alloc_as_user("arena-mine", O_RDWR));
	EXPECT_EQ(0, alloc_as_user("arena-readable", O_RDONLY));
	EXPECT_EQ(-EACCES, alloc_as_user("arena-readable", O_RDWR));
	EXPECT_EQ(0, chmod(HEAP_DIR "arena", 0600));
	EXPECT_EQ(0, named_del("guarded"));
	EXPECT_EQ(0, named_del("mine"));
	EXPECT_EQ(0, named_del("readable"));
}

/* A 1 GiB buffer of a big arena's heap, mapped at a 2 MiB boundary. */
TEST(a_1gib_heap_buffer_maps_with_pmds)
{
	struct named big = { .name = "big", .size = 1024 * MiB, .dev_mode = 0600, .dma_heap = 1 };
	const size_t len = 1024 * MiB;
	uint64_t before;
	char *p;
	size_t i;
	int buf;

	NEED_HEAP();

	ASSERT_EQ(0, named_new(&big));
	buf = heap_alloc("arena-big", len, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, buf) TH_LOG("%s", strerror(-buf));
	before = named_info("big").pmd_faults;
	p = map_pmd_aligned(buf, len);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	for (i = 0; i < len; i += HPAGE)
		p[i] = 1;
	EXPECT_EQ(len / HPAGE, named_info("big").pmd_faults - before);
	EXPECT_EQ(1, named_info("big").live_grants);
	munmap(p, len);
	close(buf);
	EXPECT_EQ(0, named_del("big"));
}

TEST_HARNESS_MAIN
