// SPDX-License-Identifier: GPL-2.0
/*
 * Arena mappings as I/O buffers: O_DIRECT reads and writes against a block
 * device, io_uring fixed buffers, and a pin (an io_uring registration)
 * that keeps a grant's memory from being reused after its handle is freed
 * and its mapping unmapped.
 *
 * Needs /dev/ram0 (modprobe brd) and liburing.  io_uring before 6.5 takes
 * no file-backed memory but shmem and hugetlbfs as fixed buffers, so there
 * registering an arena mapping fails with EOPNOTSUPP (the test checks both
 * behaviours); plain O_DIRECT and io_uring reads and writes work on every
 * kernel.  (File-less mappings, which 6.1 took, are retired: the mm needs
 * a file behind every shared mapping.)
 */
#include <liburing.h>
#include <sys/utsname.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

#define DISK	"/dev/ram0"

/* Whether this kernel's io_uring accepts file-backed fixed buffers. */
static int uring_takes_file_memory(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 5);
}

static int open_disk(void)
{
	return open(DISK, O_RDWR | O_DIRECT | O_CLOEXEC);
}

static void o_direct_round_trip(struct __test_metadata *_metadata, uint64_t size)
{
	int fd = arena_open_buddy(size < 4 * MiB ? 8 * MiB : 2 * size, 0, 0), disk = open_disk();
	struct arena_alloc a, b;
	char *src, *dst;

	if (disk < 0)
		SKIP(return, "no %s: load brd", DISK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	ASSERT_EQ(0, arena_alloc(fd, size, &b));
	src = arena_map(fd, a.offset, size);
	dst = arena_map(fd, b.offset, size);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	stamp(src, size, 71 + size);
	ASSERT_EQ((ssize_t)size, pwrite(disk, src, size, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ((ssize_t)size, pread(disk, dst, size, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(stamp_ok(dst, size, 71 + size));
	if (size >= HPAGE)	/* the I/O went through PMDs, one per 2 MiB of each */
		EXPECT_LE(2 * size / HPAGE, arena_info(fd).pmd_faults);
	munmap(src, size);
	munmap(dst, size);
	close(disk);
	close(fd);
}

TEST(o_direct_into_and_out_of_a_huge_grant)
{
	o_direct_round_trip(_metadata, HPAGE);
}

/* A span of 32 chunks, one range: 64 MiB of the RAM disk (brd.rd_size). */
TEST(o_direct_into_and_out_of_a_64_mib_grant)
{
	o_direct_round_trip(_metadata, 64 * MiB);
}

TEST(o_direct_into_and_out_of_a_small_grant)
{
	o_direct_round_trip(_metadata, 64 * KiB);
}

/* Write a stamp to the disk through an ordinary buffer. */
static int put_on_disk(int disk, size_t size, uint64_t tag)
{
	void *buf;
	int ok;

	if (posix_memalign(&buf, 4096, size))
		return -1;
	stamp(buf, size, tag);
	ok = pwrite(disk, buf, size, 0) == (ssize_t)size;
	free(buf);
	return ok ? 0 : -1;
}

/* READ_FIXED from the disk into registered buffer 0 at @buf. */
static int read_fixed(struct io_uring *ring, int disk, void *buf, size_t size)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	io_uring_prep_read_fixed(sqe, disk, buf, size, 0, 0);
	if (io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe))
		return -EIO;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/*
 * Register a grant of @size as one fixed buffer and read the disk into its
 * last 2 MiB through it; @expect_ok: this io_uring takes file memory.
 */
static void uring_fixed(struct __test_metadata *_metadata, uint32_t flags, int expect_ok,
			uint64_t size)
{
	int fd = arena_open_buddy(size > 8 * MiB ? size : 8 * MiB, 0, flags), disk = open_disk();
	struct io_uring ring;
	struct arena_alloc a;
	struct iovec iov;
	char *p, *last;
	int ret;

	if (disk < 0)
		SKIP(return, "no %s: load brd", DISK);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	p = arena_map(fd, a.offset, size);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	last = p + size - HPAGE;
	ASSERT_EQ(0, put_on_disk(disk, HPAGE, 81));
	iov = (struct iovec){ .iov_base = p, .iov_len = size };
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (!expect_ok) {
		EXPECT_EQ(-EOPNOTSUPP, ret);	/* what this io_uring does with file memory */
	} else {
		ASSERT_EQ(0, ret) TH_LOG("register: %s", strerror(-ret));
		ASSERT_EQ((int)HPAGE, read_fixed(&ring, disk, last, HPAGE));
		EXPECT_TRUE(stamp_ok(last, HPAGE, 81));
		EXPECT_EQ(0, io_uring_unregister_buffers(&ring));
	}
	io_uring_queue_exit(&ring);
	munmap(p, size);
	close(disk);
	close(fd);
}

/* One io_uring READ or WRITE (not fixed: the buffer is pinned per request). */
static int uring_rw(struct io_uring *ring, int disk, void *buf, size_t size, int write)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	if (write)
		io_uring_prep_write(sqe, disk, buf, size, 0);
	else
		io_uring_prep_read(sqe, disk, buf, size, 0);
	if (io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe))
		return -EIO;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* Without fixed buffers, io_uring reads and writes arena memory on every kernel. */
TEST(io_uring_reads_and_writes_without_fixed_buffers)
{
	int fd = arena_open_buddy(8 * MiB, 0, 0), disk = open_disk();
	struct io_uring ring;
	struct arena_alloc a, b;
	char *src, *dst;

	if (disk < 0)
		SKIP(return, "no %s: load brd", DISK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &b));
	src = arena_map(fd, a.offset, HPAGE);
	dst = arena_map(fd, b.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	stamp(src, HPAGE, 61);
	ASSERT_EQ((int)HPAGE, uring_rw(&ring, disk, src, HPAGE, 1));
	ASSERT_EQ((int)(64 * KiB), uring_rw(&ring, disk, dst, 64 * KiB, 0));
	EXPECT_TRUE(stamp_ok(dst, 64 * KiB, 61));
	io_uring_queue_exit(&ring);
	munmap(src, HPAGE);
	munmap(dst, 64 * KiB);
	close(disk);
	close(fd);
}

TEST(io_uring_fixed_buffer_in_a_file_backed_mapping)
{
	TH_LOG("this kernel's io_uring %s file-backed memory",
	       uring_takes_file_memory() ? "takes" : "refuses");
	uring_fixed(_metadata, 0, uring_takes_file_memory(), HPAGE);
}

/* A 256 MiB grant registered whole as one fixed buffer (6.5 and later). */
TEST(io_uring_registers_a_256_mib_grant)
{
	if (!uring_takes_file_memory())
		SKIP(return, "io_uring before 6.5 takes no file-backed fixed buffers");
	uring_fixed(_metadata, 0, 1, 256 * MiB);
}

/*
 * Pages held by someone else (here a pipe's references, taken by
 * vmsplice() through get_user_pages(), on every kernel): handle freed,
 * mapping gone, yet the grant's memory is not granted again until they go.
 */
TEST(a_pin_keeps_memory_from_reuse)
{
	int fd = arena_open_buddy(4 * MiB, 0, 0), pipefd[2];
	struct arena_alloc a, b, c;
	char *p, *q, buf[4096];
	struct iovec iov;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &a));
	p = arena_map(fd, a.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x77, HPAGE);
	iov = (struct iovec){ .iov_base = p, .iov_len = 4096 };
	ASSERT_EQ(4096, vmsplice(pipefd[1], &iov, 1, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, arena_free(fd, a.handle));
	ASSERT_EQ(0, munmap(p, HPAGE));

	/* The other chunk is granted; a's is not, while its page is held. */
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &b));
	EXPECT_NE(a.arena_offset, b.arena_offset);
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &c));
	usleep(200000);			/* several rechecks: still held */
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &c));
	EXPECT_EQ(2, arena_info(fd).live_grants);

	/* The pipe still holds the bytes; once read, the memory comes back, zeroed. */
	ASSERT_EQ(4096, read(pipefd[0], buf, sizeof(buf)));
	EXPECT_EQ(0x77, buf[0]);
	EXPECT_EQ(0x77, buf[4095]);
	c = (struct arena_alloc){ .size = HPAGE, .flags = ARENA_ALLOC_WAIT,
				  .timeout_ns = 60ULL * 1000 * 1000 * 1000 };
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_ALLOC, &c)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(a.arena_offset, c.arena_offset);
	q = arena_map(fd, c.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_TRUE(all_zero(q, HPAGE));
	munmap(q, HPAGE);
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
}

/*
 * A pin on only the last chunk of a 64 MiB grant (the pipe's references
 * to one page of it) holds the whole grant: freed and unmapped, none of
 * its 32 chunks is granted again until the pin goes.
 */
TEST(a_pin_on_the_last_chunk_keeps_a_64_mib_grant_from_reuse)
{
	int fd = arena_open_buddy(64 * MiB, 0, 0), pipefd[2];
	struct arena_alloc a, c;
	char *p, buf[4096];
	struct iovec iov;

	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, arena_alloc(fd, 64 * MiB, &a));
	p = arena_map(fd, a.offset, 64 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	memset(p + 64 * MiB - 4096, 0x66, 4096);
	iov = (struct iovec){ .iov_base = p + 64 * MiB - 4096, .iov_len = 4096 };
	ASSERT_EQ(4096, vmsplice(pipefd[1], &iov, 1, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, arena_free(fd, a.handle));
	ASSERT_EQ(0, munmap(p, 64 * MiB));

	usleep(200000);			/* several rechecks: still held */
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &c));
	EXPECT_EQ(1, arena_info(fd).live_grants);
	ASSERT_EQ(4096, read(pipefd[0], buf, sizeof(buf)));
	EXPECT_EQ(0x66, buf[4095]);
	c = (struct arena_alloc){ .size = 64 * MiB, .flags = ARENA_ALLOC_WAIT,
				  .timeout_ns = 60ULL * 1000 * 1000 * 1000 };
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_ALLOC, &c)) TH_LOG("%s", strerror(errno));
	p = arena_map(fd, c.offset, 64 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 64 * MiB));
	munmap(p, 64 * MiB);
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
}

TEST_HARNESS_MAIN
