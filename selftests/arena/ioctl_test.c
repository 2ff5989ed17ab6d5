// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/arena ioctl ABI: every ioctl with valid and invalid input, each
 * flag and reserved field, older and newer struct sizes, and the distinct
 * errors for a bad geometry, an oversized request and a full arena.
 * Needs the module loaded with its default parameters.
 */
#include <pthread.h>
#include <stddef.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

/* A command number for struct size @size instead of the compiled one. */
#define SIZED(cmd, size) _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (size))

/*
 * Tests longer than a tenth of the harness's default 30 s on the debug lane
 * name their own limit, ten times what they took there (arena_util.h).
 */
FIXTURE(timed) {};
FIXTURE_SETUP(timed) {}
FIXTURE_TEARDOWN(timed) {}

TEST(info_of_fresh_file_is_default_arena)
{
	int fd = arena_open();
	struct arena_info info;

	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(ARENA_MODE_BUDDY, info.mode);
	EXPECT_EQ(64 * MiB, info.size);
	EXPECT_EQ(9, info.chunk_order);
	EXPECT_EQ(HPAGE, info.chunk_size);
	EXPECT_EQ(32, info.nr_chunks);
	EXPECT_EQ(4096, info.min_block);
	EXPECT_EQ(HPAGE, info.max_block);
	EXPECT_NE(0, info.whole_offset);
	EXPECT_LT(0, info.metadata_bytes);
	EXPECT_EQ(ARENA_FEATURE_FIXED | ARENA_FEATURE_BUDDY | ARENA_FEATURE_BATCH |
		  ARENA_FEATURE_WAIT | ARENA_FEATURE_POLL | ARENA_FEATURE_WHOLE_MAP |
		  ARENA_FEATURE_PMD_MAP | ARENA_FEATURE_IMPLICIT_MAP |
		  ARENA_FEATURE_DMABUF | ARENA_FEATURE_SYNC | ARENA_FEATURE_NETLINK |
		  ARENA_FEATURE_ISOLATION | ARENA_FEATURE_SHARE_LIMIT |
		  ARENA_FEATURE_BIG_GRANTS | ARENA_FEATURE_CONTIG | ARENA_FEATURE_ALLOC_EXPORT,
		  info.features & ~ARENA_FEATURE_DMA_HEAP);
	/* Heaps come from modules where the kernel exports dma_heap_add(): 6.16 on. */
	EXPECT_EQ(kernel_at_least(6, 16), !!(info.features & ARENA_FEATURE_DMA_HEAP));
	EXPECT_NE(0, info.id);
	EXPECT_EQ(ARENA_KIND_DEFAULT, info.kind);
	close(fd);
}

TEST(info_struct_sizes)
{
	unsigned char buf[sizeof(struct arena_info) + 64];
	int fd = arena_open();

	ASSERT_LE(0, fd);
	/* Newer userspace: our part filled, its extra bytes zeroed. */
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, ioctl(fd, SIZED(ARENA_IOC_INFO, sizeof(buf)), buf));
	EXPECT_EQ(ARENA_MODE_BUDDY, ((struct arena_info *)buf)->mode);
	EXPECT_TRUE(all_zero(buf + sizeof(struct arena_info), 64));
	/* The first version, without id and kind: filled, nothing past it. */
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, ioctl(fd, SIZED(ARENA_IOC_INFO, offsetof(struct arena_info, id)), buf));
	EXPECT_EQ(64 * MiB, ((struct arena_info *)buf)->size);
	EXPECT_EQ(0xa5a5a5a5, ((struct arena_info *)buf)->id);
	/* Shorter than the first version: refused. */
	EXPECT_EQ(-1, ioctl(fd, SIZED(ARENA_IOC_INFO, 16), buf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

TEST(unknown_commands_are_enotty)
{
	struct arena_info info;
	int fd = arena_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IOR(ARENA_IOC_MAGIC, 0x7f, struct arena_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOR('x', 0x00, struct arena_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* The right number with the wrong direction is another command. */
	EXPECT_EQ(-1, ioctl(fd, _IOW(ARENA_IOC_MAGIC, 0x00, struct arena_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(ARENA_IOC_MAGIC, 0x03)));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

struct bad_create {
	const char *what;
	struct arena_create c;
	int err;
};

TEST(create_rejects_bad_input)
{
	static const struct bad_create cases[] = {
		{ "no mode", { .mode = 0, .size = 4 * MiB }, EINVAL },
		{ "unknown mode", { .mode = 3, .size = 4 * MiB }, EINVAL },
		{ "unknown flag", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .flags = 1U << 10 }, EINVAL },
		{ "flag just past the known", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB,
						.flags = ARENA_CREATE_FLAGS + 1 }, EINVAL },
		{ "buddy with slot_size", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .slot_size = 64 }, EINVAL },
		{ "buddy with align", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .align = 64 }, EINVAL },
		{ "fixed with size", { .mode = ARENA_MODE_FIXED, .slot_size = 4096, .slot_count = 4, .size = 4 * MiB }, EINVAL },
		{ "fixed with nearest", { .mode = ARENA_MODE_FIXED, .slot_size = 4096, .slot_count = 4,
					 .flags = ARENA_CREATE_NEAREST }, EINVAL },
		{ "buddy size 0", { .mode = ARENA_MODE_BUDDY }, EINVAL },
		{ "buddy size not a chunk multiple", { .mode = ARENA_MODE_BUDDY, .size = 3 * MiB }, EINVAL },
		{ "buddy min_block not a power of two", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB,
							  .min_block = 3000 }, EINVAL },
		{ "buddy smaller than a page", { .mode = ARENA_MODE_BUDDY, .size = 1024, .min_block = 512 }, EINVAL },
		{ "buddy min_block above a chunk", { .mode = ARENA_MODE_BUDDY, .size = 8 * MiB,
						     .min_block = 4 * MiB }, EINVAL },
		{ "buddy too large to index", { .mode = ARENA_MODE_BUDDY, .size = 1ULL << 60 }, EOVERFLOW },
		{ "fixed count whose chunk count wraps", { .mode = ARENA_MODE_FIXED, .slot_size = 4096,
		  .slot_count = ~0ULL - 100 }, EOVERFLOW },
		{ "fixed slot_size 0", { .mode = ARENA_MODE_FIXED, .slot_count = 4 }, EINVAL },
		{ "fixed slot_count 0", { .mode = ARENA_MODE_FIXED, .slot_size = 4096 }, EINVAL },
		{ "fixed align not a power of two", { .mode = ARENA_MODE_FIXED, .slot_size = 4096,
						      .slot_count = 4, .align = 3000 }, EINVAL },
		{ "fixed slot above a chunk", { .mode = ARENA_MODE_FIXED, .slot_size = 4 * MiB,
						.slot_count = 1 }, EINVAL },
		{ "fixed total overflows", { .mode = ARENA_MODE_FIXED, .slot_size = 2 * MiB,
					     .slot_count = 1ULL << 62 }, EOVERFLOW },
		{ "fixed slot_size rounding overflows", { .mode = ARENA_MODE_FIXED, .slot_size = ~0ULL - 5,
							  .slot_count = 1 }, EOVERFLOW },
		{ "node out of range", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .node = 4096 }, EINVAL },
		{ "negative node", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .node = -2 }, EINVAL },
		{ "chunk order too large", { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .chunk_order = 30 }, EINVAL },
		{ "above the memory cap", { .mode = ARENA_MODE_BUDDY, .size = 1ULL << 40 }, EDQUOT },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = arena_open_create(&cases[i].c);

		EXPECT_EQ(-cases[i].err, fd) TH_LOG("%s: got %s", cases[i].what,
						    fd < 0 ? strerror(-fd) : "success");
		if (fd >= 0)
			close(fd);
	}
}

TEST(create_struct_sizes)
{
	struct {
		struct arena_create c;
		uint64_t extra;
	} big = { { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB }, 0 };
	int fd = arena_open();

	ASSERT_LE(0, fd);
	big.extra = 1;	/* a field this module does not know, set */
	EXPECT_EQ(-1, ioctl(fd, SIZED(ARENA_IOC_CREATE, sizeof(big)), &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(fd, SIZED(ARENA_IOC_CREATE, 8), &big));
	EXPECT_EQ(EINVAL, errno);
	big.extra = 0;	/* the same field left zero: fine */
	EXPECT_EQ(0, ioctl(fd, SIZED(ARENA_IOC_CREATE, sizeof(big)), &big));
	EXPECT_EQ(4 * MiB, arena_info(fd).size);
	close(fd);
}

TEST(create_binds_once)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 4 * MiB };
	struct arena_alloc a;
	int fd = arena_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_CREATE, &c));
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_CREATE, &c));
	EXPECT_EQ(EBUSY, errno);
	close(fd);

	/* Allocating binds a fresh file to the default arena. */
	fd = arena_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_CREATE, &c));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
}

TEST(create_geometries)
{
	struct arena_info info;
	int fd;

	fd = arena_open_buddy(3 * MiB, 3000, ARENA_CREATE_NEAREST);
	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(4 * MiB, info.size);
	EXPECT_EQ(4096, info.min_block);
	EXPECT_EQ(ARENA_CREATE_NEAREST, info.flags);
	close(fd);

	/* Smaller than a chunk: one chunk of just that size. */
	fd = arena_open_buddy(256 * KiB, 0, 0);
	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(256 * KiB, info.size);
	EXPECT_EQ(6, info.chunk_order);
	EXPECT_EQ(256 * KiB, info.max_block);
	close(fd);

	fd = arena_open_fixed(3000, 1000, 0, 0);
	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(ARENA_MODE_FIXED, info.mode);
	EXPECT_EQ(4096, info.slot_size);	/* rounded up to the default align */
	EXPECT_EQ(1000, info.slot_count);
	EXPECT_EQ(4096, info.align);
	EXPECT_EQ(2, info.nr_chunks);
	close(fd);

	fd = arena_open_fixed(256, 16, 64, 0);	/* 4 KiB of slots: one page */
	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_EQ(256, info.slot_size);
	EXPECT_EQ(0, info.chunk_order);
	EXPECT_EQ(4096, info.size);
	close(fd);

	/* A larger chunk order, if the page allocator has one to spare. */
	{
		struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 8 * MiB,
					  .chunk_order = 10, .node = ARENA_NODE_LOCAL };

		fd = arena_open_create(&c);
		ASSERT_LE(0, fd) TH_LOG("order-10 chunks: %s", strerror(-fd));
		info = arena_info(fd);
		EXPECT_EQ(4 * MiB, info.chunk_size);
		EXPECT_EQ(4 * MiB, info.max_block);
		close(fd);
	}
}

TEST(alloc_rejects_bad_input)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	a = (struct arena_alloc){ .size = 4096, .flags = 1U << 5 };
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(EINVAL, errno);
	a = (struct arena_alloc){ .size = 4096, .pad = 1 };
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(EINVAL, errno);
	a = (struct arena_alloc){ .size = 4096, .timeout_ns = 1000 };	/* timeout without WAIT */
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, arena_alloc(fd, 0, &a));
	EXPECT_EQ(0, arena_info(fd).allocations_ok);
	close(fd);
}

TEST(oversized_full_and_bad_geometry_are_distinct)
{
	struct arena_alloc a, b;
	int fd = arena_open_buddy(2 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EFBIG, arena_alloc(fd, 2 * MiB + 1, &a));
	/* Oversized fails at once even when asked to wait. */
	a = (struct arena_alloc){ .size = 4 * MiB, .flags = ARENA_ALLOC_WAIT };
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(EFBIG, errno);
	ASSERT_EQ(0, arena_alloc(fd, 2 * MiB, &a));
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &b));
	EXPECT_EQ(1, arena_info(fd).allocations_failed);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	close(fd);
}

TEST(alloc_reports_grant_and_counts)
{
	struct arena_alloc a, b;
	struct arena_info info;
	int fd = arena_open_buddy(4 * MiB, 4096, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 10000, &a));
	EXPECT_EQ(16384, a.granted);
	EXPECT_NE(0, a.handle);
	EXPECT_EQ(0, a.arena_offset % 16384);
	ASSERT_EQ(0, arena_alloc(fd, 100, &b));
	EXPECT_EQ(4096, b.granted);
	EXPECT_NE(a.handle, b.handle);
	EXPECT_NE(a.offset, b.offset);
	info = arena_info(fd);
	EXPECT_EQ(2, info.allocations_ok);
	EXPECT_EQ(10100, info.bytes_live);
	EXPECT_EQ(20480, info.bytes_reserved);
	EXPECT_EQ(2, info.live_grants);
	EXPECT_LT(0, info.splits);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_EQ(0, arena_free(fd, b.handle));
	info = arena_info(fd);
	EXPECT_EQ(2, info.frees);
	EXPECT_EQ(0, info.bytes_live);
	EXPECT_EQ(0, info.live_grants);
	EXPECT_EQ(info.splits, info.coalesces);
	EXPECT_EQ(HPAGE, info.largest_free_block);
	close(fd);
}

TEST(alloc_struct_sizes)
{
	struct {
		struct arena_alloc a;
		uint64_t extra[2];
	} big = { { .size = 4096 }, { 0, 0 } };
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	big.extra[1] = 0xffff;
	EXPECT_EQ(-1, ioctl(fd, SIZED(ARENA_IOC_ALLOC, sizeof(big)), &big));
	EXPECT_EQ(E2BIG, errno);
	big.extra[1] = 0;
	big.a.fd = 7;			/* out only: overwritten */
	ASSERT_EQ(0, ioctl(fd, SIZED(ARENA_IOC_ALLOC, sizeof(big)), &big));
	EXPECT_EQ(4096, big.a.granted);
	EXPECT_EQ(0, big.extra[0]);	/* zero-filled beyond our struct */
	EXPECT_EQ(0, big.a.fd);		/* no export asked for */
	EXPECT_EQ(0, arena_free(fd, big.a.handle));
	EXPECT_EQ(-1, ioctl(fd, SIZED(ARENA_IOC_ALLOC, 8), &big));
	EXPECT_EQ(EINVAL, errno);
	/* The size before ARENA_FEATURE_ALLOC_EXPORT still grants, but cannot export. */
	memset(&big, 0, sizeof(big));
	big.a.size = 4096;
	ASSERT_EQ(0, ioctl(fd, SIZED(ARENA_IOC_ALLOC, offsetof(struct arena_alloc, export_flags)),
			   &big));
	EXPECT_EQ(0, big.a.fd);		/* not written: beyond that size */
	EXPECT_EQ(0, arena_free(fd, big.a.handle));
	big.a.flags = ARENA_ALLOC_EXPORT;
	EXPECT_EQ(-1, ioctl(fd, SIZED(ARENA_IOC_ALLOC, offsetof(struct arena_alloc, export_flags)),
			    &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, arena_info(fd).live_grants);
	close(fd);
}

/*
 * Every input struct: a newer size with unknown bytes set is E2BIG, one
 * shorter than its first published size is EINVAL.
 */
TEST(input_struct_sizes_of_every_ioctl)
{
	static const struct { unsigned long cmd; size_t first; } cmds[] = {
		{ ARENA_IOC_CREATE, sizeof(struct arena_create) },
		{ ARENA_IOC_ALLOC, offsetof(struct arena_alloc, export_flags) },
		{ ARENA_IOC_FREE, sizeof(struct arena_free) },
		{ ARENA_IOC_ALLOC_BATCH, sizeof(struct arena_alloc_batch) },
		{ ARENA_IOC_FREE_BATCH, sizeof(struct arena_free_batch) },
		{ ARENA_IOC_EXPORT, sizeof(struct arena_export) },
		{ ARENA_IOC_SYNC, sizeof(struct arena_sync) },
	};
	unsigned char buf[512];
	unsigned int i;
	int fd = arena_open();

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t size = _IOC_SIZE(cmds[i].cmd);

		memset(buf, 0, sizeof(buf));
		buf[size + 7] = 1;
		EXPECT_EQ(-1, ioctl(fd, SIZED(cmds[i].cmd, size + 8), buf));
		EXPECT_EQ(E2BIG, errno) TH_LOG("ioctl nr %u", (unsigned int)_IOC_NR(cmds[i].cmd));
		EXPECT_EQ(-1, ioctl(fd, SIZED(cmds[i].cmd, cmds[i].first - 8), buf));
		EXPECT_EQ(EINVAL, errno) TH_LOG("ioctl nr %u", (unsigned int)_IOC_NR(cmds[i].cmd));
	}
	close(fd);
}

TEST(free_rejects_bad_input)
{
	struct arena_free f;
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	EXPECT_EQ(-ENOENT, arena_free(fd, 0));
	EXPECT_EQ(-ENOENT, arena_free(fd, 1));
	EXPECT_EQ(-ENOENT, arena_free(fd, a.handle + 1000));
	EXPECT_EQ(-ENOENT, arena_free(fd, ~0ULL));
	f = (struct arena_free){ .handle = a.handle, .flags = 1 };
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_FREE, &f));
	EXPECT_EQ(EINVAL, errno);
	f = (struct arena_free){ .handle = a.handle, .pad = 1 };
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_FREE, &f));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, arena_info(fd).live_grants);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_EQ(-ENOENT, arena_free(fd, a.handle));	/* twice */
	close(fd);
}

TEST(handles_are_not_reused_at_once)
{
	struct arena_alloc a, b;
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	ASSERT_EQ(0, arena_free(fd, a.handle));
	ASSERT_EQ(0, arena_alloc(fd, 4096, &b));
	EXPECT_NE(a.handle, b.handle);	/* a stale cookie does not map b */
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset, 4096));
	close(fd);
}

/*
 * Handles go up one at a time, across the xarray's 64-slot nodes, however
 * the grants come and go; the next handle's slot, which the module keeps
 * reserved, names nothing: freeing or mapping it fails, and the handle
 * after a free of that number is still the next one.
 */
TEST(handles_count_up_and_the_next_one_names_nothing)
{
	const uint64_t cookie_step = 1ULL << 32;	/* arenas up to 4 GiB (abi.rst) */
	struct arena_alloc a, b;
	int fd = arena_open_buddy(4 * MiB, 0, 0), i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, arena_alloc(fd, 4096, &b));
		ASSERT_EQ(a.handle + 1, b.handle) TH_LOG("after %d grants", i);
		ASSERT_EQ(a.offset + cookie_step, b.offset);
		if (i % 2)
			ASSERT_EQ(0, arena_free(fd, a.handle));
		a = b;
	}
	EXPECT_EQ(-ENOENT, arena_free(fd, a.handle + 1));
	EXPECT_EQ(MAP_FAILED, arena_map(fd, a.offset + cookie_step, 4096));
	EXPECT_EQ(101, arena_info(fd).live_grants);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &b));
	EXPECT_EQ(a.handle + 1, b.handle);
	close(fd);
}

TEST(handles_belong_to_their_file)
{
	struct arena_alloc a;
	int fd = arena_open(), other = arena_open();

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, arena_alloc(fd, 4096, &a));
	EXPECT_EQ(-ENOENT, arena_free(other, a.handle));
	EXPECT_EQ(MAP_FAILED, arena_map(other, a.offset, 4096));
	EXPECT_EQ(0, arena_free(fd, a.handle));
	close(fd);
	close(other);
}

TEST(batch_alloc_and_free)
{
	struct arena_grant_desc g[8];
	struct arena_alloc_batch ab = { .size = 4096, .grants = (uintptr_t)g, .count = 8 };
	uint64_t handles[8];
	struct arena_free_batch fb = { .handles = (uintptr_t)handles, .count = 8 };
	int fd = arena_open_fixed(4096, 5, 0, 0), i;

	ASSERT_LE(0, fd);
	/* Partial: five slots for eight asked. */
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	ASSERT_EQ(5, ab.done);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(4096, g[i].granted);
		handles[i] = g[i].handle;
	}
	EXPECT_EQ(5, arena_info(fd).live_grants);
	ab.done = 99;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(ENOSPC, errno);

	/* Free stops at the first unknown handle and says how far it got. */
	handles[5] = 12345;
	handles[6] = handles[0];
	fb.count = 7;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_FREE_BATCH, &fb));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(5, fb.done);
	EXPECT_EQ(0, arena_info(fd).live_grants);
	close(fd);
}

TEST(batch_rejects_bad_input)
{
	struct arena_grant_desc g[2];
	struct arena_alloc_batch ab = { .size = 4096, .grants = (uintptr_t)g };
	uint64_t h = 2;
	struct arena_free_batch fb = { .handles = (uintptr_t)&h };
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	ab.count = 0;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EINVAL, errno);
	ab.count = ARENA_BATCH_MAX + 1;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EINVAL, errno);
	ab.count = 2;
	ab.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EINVAL, errno);
	ab.flags = 0;
	ab.pad = 1;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EINVAL, errno);
	ab.pad = 0;
	ab.size = 4 * MiB + 1;		/* beyond the arena (up to it: a span) */
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EFBIG, errno);

	/* An unwritable array: nothing granted, nothing leaked. */
	ab.size = 4096;
	ab.grants = 8;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, arena_info(fd).live_grants);
	EXPECT_EQ(0, arena_info(fd).bytes_reserved);

	fb.count = 0;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_FREE_BATCH, &fb));
	EXPECT_EQ(EINVAL, errno);
	fb.count = 1;
	fb.flags = 2;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_FREE_BATCH, &fb));
	EXPECT_EQ(EINVAL, errno);
	fb.flags = 0;
	fb.handles = 8;
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_FREE_BATCH, &fb));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

/*
 * An allocation whose result cannot be written back takes its handle back;
 * another thread of the process may free that handle first (handles are
 * guessable).  The kernel must neither drop the grant twice nor touch it
 * after that free.  A second thread frees the handles the first is about
 * to be given, as fast as it can.
 */
#define RACE_ROUNDS	4000

struct rollback_race {
	int fd;
	volatile uint64_t next;		/* the handle the next attempt gets */
	volatile int done;
	long stolen;			/* frees that won the race */
};

static void *steal_handles(void *arg)
{
	struct rollback_race *r = arg;
	uint64_t h;

	while (!r->done)
		for (h = r->next; h < r->next + 8; h++)
			if (arena_free(r->fd, h) == 0)
				r->stolen++;
	return NULL;
}

/* 9.6 s on the debug lane */
TEST_F_TIMEOUT(timed, rollback_races_a_free_of_the_same_handle, 120)
{
	struct rollback_race r = { .fd = arena_open_buddy(4 * MiB, 0, 0), .next = 2 };
	struct arena_alloc_batch *ab;
	struct arena_alloc *a;
	pthread_t thief;
	void *page;
	int i;

	ASSERT_LE(0, r.fd);
	/* Readable arguments whose results cannot be written back. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	a = page;
	ab = (void *)(a + 1);
	*a = (struct arena_alloc){ .size = 4096 };
	*ab = (struct arena_alloc_batch){ .size = 4096, .count = 4, .grants = 8 };
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));

	ASSERT_EQ(0, pthread_create(&thief, NULL, steal_handles, &r));
	for (i = 0; i < RACE_ROUNDS; i++) {
		if (i % 2) {
			EXPECT_EQ(-1, ioctl(r.fd, ARENA_IOC_ALLOC, a));
			r.next += 1;
		} else {
			EXPECT_EQ(-1, ioctl(r.fd, ARENA_IOC_ALLOC_BATCH, ab));
			r.next += 4;
		}
		EXPECT_EQ(EFAULT, errno);
	}
	r.done = 1;
	pthread_join(thief, NULL);
	TH_LOG("%ld of the rolled-back handles were freed by the other thread first",
	       r.stolen);
	EXPECT_TRUE(wait_live(r.fd, 0));
	EXPECT_EQ(0, arena_info(r.fd).bytes_live);
	munmap(page, 4096);
	close(r.fd);
}

TEST(closing_releases_handles)
{
	struct arena_alloc a;
	int fd = arena_open(), i;
	uint64_t before;

	ASSERT_LE(0, fd);
	before = arena_info(fd).live_grants;
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	EXPECT_EQ(before + 10, arena_info(fd).live_grants);
	close(fd);
	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_TRUE(wait_live(fd, before));
	close(fd);
}

TEST_HARNESS_MAIN
