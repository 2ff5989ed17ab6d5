// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing: grants exported as dma-bufs, mapped in this process and handed
 * to others over unix sockets, imported by a device (the test-only
 * arena_importer module), synced whole or by range.  A dma-buf reaches its
 * grant's exported pages and nothing else; it keeps them alive after the
 * exporter frees and exits.
 *
 * Needs the module loaded with its default parameters, and arena_importer
 * loaded for the importer tests; the range sync test needs swiotlb=force on
 * the kernel command line (so that device and CPU views differ until
 * synced).
 */
#include <linux/dma-buf.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "arena_util.h"
#include "arena_importer.h"

#include "../kselftest_harness.h"

/* Whether every DMA mapping bounces (swiotlb=force on the command line). */
static int swiotlb_forced(void)
{
	char cmdline[512] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	return strstr(cmdline, "swiotlb=force") != NULL;
}

static int export_grant(int fd, uint64_t handle, uint64_t offset, uint64_t length,
			uint32_t flags)
{
	struct arena_export e = { .handle = handle, .offset = offset, .length = length,
				  .flags = flags, .fd = -1 };

	return ioctl(fd, ARENA_IOC_EXPORT, &e) ? -errno : e.fd;
}

TEST(export_and_map_in_the_same_process)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf;
	char *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 64 * KiB, 21);
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, buf) TH_LOG("export: %s", strerror(-buf));
	EXPECT_EQ(FD_CLOEXEC, fcntl(buf, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(1, arena_info(fd).exported_grants);
	q = mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_TRUE(stamp_ok(q, 64 * KiB, 21));
	stamp(q, 64 * KiB, 22);		/* the same memory both ways */
	EXPECT_TRUE(stamp_ok(p, 64 * KiB, 22));
	munmap(q, 64 * KiB);
	close(buf);
	EXPECT_EQ(0, arena_info(fd).exported_grants);
	munmap(p, 64 * KiB);
	close(fd);
}

TEST(an_export_holds_its_grant)
{
	int fd = arena_open(), watch = arena_open(), buf;
	struct arena_alloc a;
	uint64_t live;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, watch);
	live = arena_info(watch).live_grants;
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, buf);
	/* Free the handle, close the arena file: the dma-buf keeps the memory. */
	ASSERT_EQ(0, arena_free(fd, a.handle));
	close(fd);
	EXPECT_EQ(live + 1, arena_info(watch).live_grants);
	p = mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 64 * KiB));
	stamp(p, 64 * KiB, 3);
	close(buf);			/* the mapping still holds it */
	EXPECT_TRUE(stamp_ok(p, 64 * KiB, 3));
	EXPECT_EQ(live + 1, arena_info(watch).live_grants);
	munmap(p, 64 * KiB);
	EXPECT_TRUE(wait_live(watch, live));
	close(watch);
}

TEST(export_rejects_bad_input)
{
	struct arena_alloc a, b, c;
	int fd = arena_open_fixed(6 * KiB, 8, 2 * KiB, 0), big;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 6 * KiB, &a));	/* offset 0: one whole page */
	ASSERT_EQ(0, arena_alloc(fd, 6 * KiB, &b));	/* offset 6 KiB: not on a page */
	EXPECT_EQ(-ENOENT, export_grant(fd, 12345, 0, 0, O_RDWR));
	EXPECT_EQ(-EINVAL, export_grant(fd, a.handle, 0, 0, O_RDWR | O_APPEND));
	EXPECT_EQ(-EINVAL, export_grant(fd, a.handle, 0, 0, O_ACCMODE));
	EXPECT_EQ(-EINVAL, export_grant(fd, a.handle, 100, 0, O_RDWR));
	EXPECT_EQ(-EINVAL, export_grant(fd, a.handle, 0, 100, O_RDWR));
	EXPECT_EQ(-EINVAL, export_grant(fd, a.handle, 4096, 0, O_RDWR));  /* no whole page left */
	EXPECT_EQ(-EINVAL, export_grant(fd, a.handle, 0, 8192, O_RDWR));  /* past its last page */
	EXPECT_EQ(-EINVAL, export_grant(fd, b.handle, 0, 0, O_RDWR));
	c.handle = export_grant(fd, a.handle, 0, 0, O_RDWR);
	EXPECT_LE(0, (int)c.handle);		/* 4 KiB of the 6 */
	close((int)c.handle);
	EXPECT_EQ(0, arena_info(fd).exported_grants);
	close(fd);

	big = arena_open_buddy(4 * MiB, 0, 0);
	ASSERT_LE(0, big);
	ASSERT_EQ(0, arena_alloc(big, 64 * KiB, &a));
	EXPECT_EQ(-EINVAL, export_grant(big, a.handle, 64 * KiB, 0, O_RDWR));
	EXPECT_EQ(-EINVAL, export_grant(big, a.handle, 32 * KiB, 36 * KiB, O_RDWR));
	close(big);
}

/* ARENA_ALLOC_EXPORT: the dma-buf's fd, or -errno; *@a as the call left it. */
static int alloc_export(int fd, uint64_t size, uint32_t export_flags, struct arena_alloc *a)
{
	/* Out fields hold garbage going in: each must come back as documented. */
	*a = (struct arena_alloc){ .size = size, .flags = ARENA_ALLOC_EXPORT,
				   .export_flags = export_flags, .handle = 77, .offset = 88,
				   .granted = 99, .arena_offset = 1, .fd = -2 };
	return ioctl(fd, ARENA_IOC_ALLOC, a) ? -errno : a->fd;
}

/*
 * The lowest free fd: the one a call that makes an fd would take next
 * (opened, not dup()ed, so that a closed stdin cannot make it -1).
 */
static int next_fd(void)
{
	int fd = open("/", O_RDONLY | O_CLOEXEC);

	close(fd);
	return fd;
}

/*
 * One call grants and exports, as a dma-buf heap allocates: the dma-buf is
 * the whole grant and the grant's only holder (no handle, no cookie), its
 * memory zeroed, the same as the arena's own mapping shows at
 * arena_offset; the grant returns once the fd and the mappings are gone.
 */
TEST(one_call_grants_a_dma_buf_that_alone_holds_the_grant)
{
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf, i;
	struct arena_alloc a;
	char *p, *whole;

	ASSERT_LE(0, fd);
	whole = arena_map(fd, arena_info(fd).whole_offset, 4 * MiB);
	ASSERT_NE(MAP_FAILED, whole);
	for (i = 0; i < 2; i++) {		/* the second time, memory freed by the first */
		buf = alloc_export(fd, 60 * KiB, O_RDWR | O_CLOEXEC, &a);
		ASSERT_LE(0, buf) TH_LOG("%s", strerror(-buf));
		EXPECT_EQ(0, a.handle);
		EXPECT_EQ(0, a.offset);
		EXPECT_EQ(64 * KiB, a.granted);
		EXPECT_EQ(FD_CLOEXEC, fcntl(buf, F_GETFD) & FD_CLOEXEC);
		EXPECT_EQ((off_t)a.granted, lseek(buf, 0, SEEK_END));
		EXPECT_EQ(1, arena_info(fd).live_grants);
		EXPECT_EQ(1, arena_info(fd).exported_grants);
		EXPECT_EQ(-ENOENT, arena_free(fd, a.handle));
		p = mmap(NULL, a.granted, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(all_zero(p, a.granted));
		stamp(p, a.granted, 0xe1 + i);
		EXPECT_TRUE(stamp_ok(whole + a.arena_offset, a.granted, 0xe1 + i));
		close(buf);
		EXPECT_EQ(1, arena_info(fd).live_grants);	/* the mapping holds it */
		EXPECT_TRUE(stamp_ok(p, a.granted, 0xe1 + i));
		EXPECT_EQ(0, munmap(p, a.granted));
		EXPECT_TRUE(wait_live(fd, 0));
		EXPECT_EQ(0, arena_info(fd).exported_grants);
	}
	/* Without O_CLOEXEC, read-only: */
	buf = alloc_export(fd, 4096, O_RDONLY, &a);
	ASSERT_LE(0, buf);
	EXPECT_EQ(0, fcntl(buf, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0));
	EXPECT_EQ(EACCES, errno);
	close(buf);
	EXPECT_TRUE(wait_live(fd, 0));
	munmap(whole, 4 * MiB);
	close(fd);
}

/*
 * What ARENA_IOC_EXPORT refuses, the one call refuses, as well as its own
 * misuse; none of them leaves a grant or an fd behind, nor does a result
 * that cannot be written back.
 */
TEST(one_call_export_refuses_bad_input_and_leaves_nothing)
{
	int fd = arena_open_buddy(4 * MiB, 256, 0), wronly, before;
	struct arena_alloc a = { .size = 4096, .export_flags = O_RDWR };
	struct arena_alloc *ro;

	ASSERT_LE(0, fd);
	before = next_fd();
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, &a));	/* export_flags, no export */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, alloc_export(fd, 4096, O_RDWR | O_APPEND, &a));
	EXPECT_EQ(-EINVAL, alloc_export(fd, 4096, O_ACCMODE, &a));
	EXPECT_EQ(-EINVAL, alloc_export(fd, 256, O_RDWR, &a));	/* no whole page */
	EXPECT_EQ(-2, a.fd);
	EXPECT_EQ(-EFBIG, alloc_export(fd, 8 * MiB, O_RDWR, &a));
	EXPECT_TRUE(wait_live(fd, 0));
	EXPECT_EQ(0, arena_info(fd).exported_grants);
	EXPECT_EQ(before, next_fd());

	/* A file opened write-only exports write-only, or not at all. */
	wronly = open(ARENA_DEV, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wronly);
	before = next_fd();
	EXPECT_EQ(-EACCES, alloc_export(wronly, 4096, O_RDWR, &a));
	EXPECT_EQ(-EACCES, alloc_export(wronly, 4096, O_RDONLY, &a));
	EXPECT_EQ(before, next_fd());
	close(wronly);

	/* Read, but not written back: the fd is never installed. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*ro = (struct arena_alloc){ .size = 64 * KiB, .flags = ARENA_ALLOC_EXPORT,
				    .export_flags = O_RDWR };
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	before = next_fd();
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_ALLOC, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(before, next_fd());
	EXPECT_TRUE(wait_live(fd, 0));
	EXPECT_EQ(0, arena_info(fd).exported_grants);
	munmap(ro, 4096);
	close(fd);
}

TEST(a_dma_buf_reaches_only_what_was_exported)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf;
	struct arena_free f;
	char *p, *q, *r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 64 * KiB, 31);
	buf = export_grant(fd, a.handle, 16 * KiB, 16 * KiB, O_RDWR);
	ASSERT_LE(0, buf);
	q = mmap(NULL, 16 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, memcmp(p + 16 * KiB, q, 16 * KiB));
	/* Beyond the export: by length, offset or growth. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 20 * KiB, PROT_READ, MAP_SHARED, buf, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, buf, 16 * KiB));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, buf, 0));
	EXPECT_EQ(MAP_FAILED, mremap(q, 16 * KiB, 32 * KiB, MREMAP_MAYMOVE));
	r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, buf, 12 * KiB);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(0, memcmp(p + 28 * KiB, r, 4096));
	munmap(r, 4096);
	/* The dma-buf's file is not an arena file. */
	f = (struct arena_free){ .handle = a.handle };
	EXPECT_EQ(-1, ioctl(buf, ARENA_IOC_FREE, &f));
	EXPECT_EQ(ENOTTY, errno);
	munmap(q, 16 * KiB);
	close(buf);
	munmap(p, 64 * KiB);
	close(fd);
}

TEST(read_only_export)
{
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	buf = export_grant(fd, a.handle, 0, 0, O_RDONLY);
	ASSERT_LE(0, buf);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, 64 * KiB, PROT_READ, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 64 * KiB));
	munmap(p, 64 * KiB);
	close(buf);
	close(fd);
}

/*
 * Export a fresh grant of @size (from an arena of @arena_size) to the test
 * importer, which reports its sg_table, reads every word through vmap and
 * fills it: the importer saw exactly the grant's bytes and the grant holds
 * what it wrote.  Returns what the importer reported of the table.
 */
static struct arena_importer_check import_check(struct __test_metadata *_metadata, int imp,
						uint64_t arena_size, uint64_t size)
{
	struct arena_importer_check c = { .fill = 0x1122334455667788ULL ^ size };
	int fd = arena_open_buddy(arena_size, 0, 0), buf;
	struct arena_alloc a;
	uint64_t x = 0, *w;
	size_t i;

	EXPECT_LE(0, fd);
	if (fd < 0 || arena_alloc(fd, size, &a))
		return c;
	w = arena_map(fd, a.offset, size);
	EXPECT_NE(MAP_FAILED, w);
	if (w == MAP_FAILED)
		return c;
	stamp(w, size, 41 + size);
	for (i = 0; i < size / 8; i++)
		x ^= w[i];
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	EXPECT_LE(0, buf);
	c.fd = buf;
	EXPECT_EQ(0, ioctl(imp, ARENA_IMPORTER_CHECK, &c)) TH_LOG("%s", strerror(errno));
	TH_LOG("%llu KiB at %#llx of %llu KiB chunks: %u entries, %scontiguous for DMA",
	       (unsigned long long)size / KiB, (unsigned long long)a.arena_offset,
	       (unsigned long long)arena_info(fd).chunk_size / KiB, c.nents,
	       c.dma_contiguous ? "" : "not ");
	EXPECT_EQ(size, c.length);
	EXPECT_EQ(x, c.xor_before);
	for (i = 0; i < size / 8; i++)	/* what the importer wrote through vmap */
		if (w[i] != c.fill)
			break;
	EXPECT_EQ(size / 8, i) TH_LOG("the importer's fill is missing at word %zu", i);
	close(buf);
	munmap(w, size);
	close(fd);
	return c;
}

/* A grant within a chunk: one entry, or the bounce limit's pieces. */
TEST(importer_sees_one_contiguous_run_and_the_data)
{
	struct arena_importer_check c;
	int imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);

	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	c = import_check(_metadata, imp, 8 * MiB, HPAGE);
	/* swiotlb maps at most 256 KiB at a time: the export says so. */
	EXPECT_EQ(swiotlb_forced() ? HPAGE / (256 * KiB) : 1, c.nents);
	/*
	 * Without bounce buffers (or an IOMMU) a DMA address is the physical
	 * one; bounce slots may or may not lie side by side.
	 */
	if (!swiotlb_forced())
		EXPECT_EQ(1, c.dma_contiguous);
	close(imp);
}

/*
 * An export of a span: an sg_table entry per physically contiguous run
 * (adjacent chunks merged), none longer than the device maps (swiotlb: 256
 * KiB), and the kernel mapping (vmap) covering all of it.
 */
TEST(importer_sees_a_span_as_its_runs_and_all_its_data)
{
	struct arena_importer_check c;
	int imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);

	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	c = import_check(_metadata, imp, 16 * MiB, 8 * MiB);
	if (swiotlb_forced()) {
		EXPECT_EQ(8 * MiB / (256 * KiB), c.nents);
	} else {
		EXPECT_LE(1, c.nents);
		EXPECT_GE(4, c.nents);				/* at most one per chunk */
		EXPECT_EQ(c.nents == 1, c.dma_contiguous);	/* merged when adjacent */
	}
	close(imp);
}

static void dev_write(struct __test_metadata *_metadata, int imp, uint64_t off,
		      uint64_t len, int value)
{
	struct arena_importer_dev d = { .offset = off, .length = len, .value = value };

	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DEVICE_WRITE, &d));
}

static int dev_read(int imp, uint64_t off)
{
	struct arena_importer_dev d = { .offset = off };

	return ioctl(imp, ARENA_IMPORTER_DEVICE_READ, &d) ? -1 : (int)d.value;
}

static int arena_sync(int fd, uint64_t handle, uint64_t off, uint64_t len, uint32_t flags)
{
	struct arena_sync s = { .handle = handle, .offset = off, .length = len, .flags = flags };

	return ioctl(fd, ARENA_IOC_SYNC, &s) ? -errno : 0;
}

/*
 * Range syncs of a span's export: a 4 KiB range astride a chunk (and DMA
 * segment) boundary moves exactly that range, each part at its own
 * segment's DMA address, and the whole export moves everything.
 */
TEST(range_sync_of_a_span_reaches_every_segment)
{
	const uint64_t size = 8 * MiB, edge = 2 * MiB;
	int fd = arena_open_buddy(16 * MiB, 0, 0), buf, imp;
	struct arena_alloc a;
	unsigned char *p;

	if (!swiotlb_forced())
		SKIP(return, "boot with swiotlb=force: without bounce buffers a sync moves nothing");
	imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	p = arena_map(fd, a.offset, size);
	ASSERT_NE(MAP_FAILED, p);
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_ATTACH, &buf));

	/* The device writes astride the first chunk boundary, and far away. */
	dev_write(_metadata, imp, edge - 2048, 4096, 0x11);
	dev_write(_metadata, imp, 6 * MiB, 4096, 0x22);
	EXPECT_EQ(0, p[edge - 2048]);
	ASSERT_EQ(0, arena_sync(fd, a.handle, edge - 2048, 4096,
				ARENA_SYNC_READ | ARENA_SYNC_START));
	EXPECT_EQ(0x11, p[edge - 2048]);
	EXPECT_EQ(0x11, p[edge - 1]);
	EXPECT_EQ(0x11, p[edge]);
	EXPECT_EQ(0x11, p[edge + 2047]);
	EXPECT_EQ(0, p[edge + 2048]);
	EXPECT_EQ(0, p[6 * MiB]);		/* not in the range */
	ASSERT_EQ(0, arena_sync(fd, a.handle, 0, size, ARENA_SYNC_READ | ARENA_SYNC_START));
	EXPECT_EQ(0x22, p[6 * MiB]);
	EXPECT_EQ(0x22, p[6 * MiB + 4095]);

	/* The CPU writes astride the last boundary: the device sees both parts. */
	memset(p + 6 * MiB - 100, 0x33, 200);
	ASSERT_EQ(0, arena_sync(fd, a.handle, 6 * MiB - 4096, 8192,
				ARENA_SYNC_WRITE | ARENA_SYNC_END));
	EXPECT_EQ(0x33, dev_read(imp, 6 * MiB - 100));
	EXPECT_EQ(0x33, dev_read(imp, 6 * MiB + 99));
	EXPECT_EQ(0x22, dev_read(imp, 6 * MiB + 100));

	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
	close(buf);
	munmap(p, size);
	close(imp);
	close(fd);
}

/*
 * An export's own mmap at a 2 MiB-aligned address (the dma-buf core picks
 * no address itself) takes a PMD per 2 MiB on every kernel, 6.1 included,
 * shows the grant's bytes, and holds the grant after the dma-buf is closed.
 */
TEST(a_dma_buf_mapping_gets_pmds_and_holds_the_grant)
{
	const size_t size = 8 * MiB;
	int fd = arena_open_buddy(16 * MiB, 0, 0), buf;
	uint64_t pmd_before;
	struct arena_alloc a;
	char *p, *d;
	size_t i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	p = arena_map(fd, a.offset, size);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, size, 0x707);
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, buf);
	pmd_before = arena_info(fd).pmd_faults;
	d = map_pmd_aligned(buf, size);
	ASSERT_NE(MAP_FAILED, d) TH_LOG("%s", strerror(errno));
	for (i = 0; i < size; i += HPAGE)
		((volatile char *)d)[i] = p[i];
	/* A kernel whose mm cannot take PMDs from arena says so (features). */
	EXPECT_EQ(arena_info(fd).features & ARENA_FEATURE_PMD_MAP ? size / HPAGE : 0,
		  arena_info(fd).pmd_faults - pmd_before);
	EXPECT_TRUE(stamp_ok(d, size, 0x707));
	/* The mapping, not the dma-buf, holds the grant now. */
	close(buf);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(1, arena_info(fd).live_grants);
	EXPECT_TRUE(stamp_ok(d, size, 0x707));
	EXPECT_EQ(0, munmap(d, size));
	EXPECT_TRUE(wait_live(fd, 0));
	close(fd);
}

#define PAGE 4096		/* x86-64's base page, as HPAGE is its PMD */

/* Pages of [@p, @p + @len) with a page table entry now (mincore()). */
static size_t pages_present(void *p, size_t len)
{
	unsigned char vec[512];
	size_t i, n = 0;

	if (len / PAGE > sizeof(vec) || mincore(p, len, vec))
		return 0;
	for (i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	return n;
}

/*
 * An export no PMD could map (under 2 MiB) is mapped whole at mmap time,
 * as a dma-buf heap's buffer is: every page present before the first
 * touch, no fault taken by touching them, at an offset into its grant too;
 * read-only exports stay read-only, and the mapping holds the grant.
 */
TEST(a_small_dma_buf_is_mapped_at_mmap_like_a_heap_buffer)
{
	const size_t size = 64 * KiB;
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf, ro;
	struct arena_info before;
	struct arena_alloc a;
	char *p, *d, *r;
	size_t i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 2 * size, &a));
	p = arena_map(fd, a.offset, 2 * size);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 2 * size, 0x5a1);
	buf = export_grant(fd, a.handle, size, size, O_RDWR);
	ASSERT_LE(0, buf);
	ro = export_grant(fd, a.handle, 0, size, O_RDONLY);
	ASSERT_LE(0, ro);
	before = arena_info(fd);
	d = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, d);
	r = mmap(NULL, size, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(size / PAGE, pages_present(d, size));
	EXPECT_EQ(size / PAGE, pages_present(r, size));
	for (i = 0; i < size; i += PAGE)
		d[i] = p[size + i];
	EXPECT_EQ(before.pte_faults, arena_info(fd).pte_faults);
	EXPECT_EQ(0, memcmp(d, p + size, size));
	EXPECT_EQ(0, memcmp(r, p, size));
	EXPECT_NE(0, mprotect(r, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	close(buf);
	close(ro);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_EQ(0, munmap(p, 2 * size));
	EXPECT_EQ(1, arena_info(fd).live_grants);
	stamp(d, size, 0x5a2);
	EXPECT_TRUE(stamp_ok(d, size, 0x5a2));
	EXPECT_EQ(0, munmap(d, size));
	EXPECT_EQ(0, munmap(r, size));
	EXPECT_TRUE(wait_live(fd, 0));
	close(fd);
}

static int pin_import(int imp, int buf, uint64_t offset, uint64_t length, uint32_t *nents)
{
	struct arena_importer_pin pin = { .fd = buf, .offset = offset, .length = length };

	if (ioctl(imp, ARENA_IMPORTER_ATTACH_PINNED, &pin))
		return -errno;
	*nents = pin.nents;
	return 0;
}

/*
 * What an RDMA NIC with dma-buf memory regions (mlx5, efa, irdma, bnxt_re)
 * does to an export at ibv_reg_dmabuf_mr: the importer's pinned mode takes
 * ib_umem_dmabuf_get_pinned()'s steps.  Small and big exports: the region's
 * DMA segments are reported, the device writes through them, and once the
 * dma-buf fd, the handle and the mapping are gone the pinned attachment
 * alone holds the grant (its memory never granted again) until the region
 * is deregistered (DETACH); then it comes back zeroed.
 */
TEST(a_pinned_import_holds_small_and_big_exports_like_an_rdma_mr)
{
	const uint64_t sizes[] = { 64 * KiB, 8 * MiB };
	int imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	unsigned int k;

	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		const uint64_t size = sizes[k], arena_size = 16 * MiB;
		int fd = arena_open_buddy(arena_size, 0, 0), buf;
		uint64_t chunk, most;
		struct arena_alloc a;
		uint32_t nents = 0;
		uint8_t *p;

		ASSERT_LE(0, fd);
		chunk = arena_info(fd).chunk_size;
		ASSERT_EQ(0, arena_alloc(fd, size, &a));
		p = arena_map(fd, a.offset, size);
		ASSERT_NE(MAP_FAILED, p);
		memset(p, 0x5a, size);
		buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
		ASSERT_LE(0, buf);

		/* A region inside one page, then the whole export. */
		ASSERT_EQ(0, pin_import(imp, buf, 4096 + 100, 200, &nents));
		EXPECT_EQ(1, nents);
		EXPECT_EQ(-EBUSY, pin_import(imp, buf, 0, size, &nents));
		ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
		ASSERT_EQ(0, pin_import(imp, buf, 0, size, &nents));
		TH_LOG("%llu KiB export, pinned: %u DMA segments",
		       (unsigned long long)size / KiB, nents);
		most = swiotlb_forced() ? (size + 256 * KiB - 1) / (256 * KiB) :
					  (size + chunk - 1) / chunk;
		EXPECT_LE(1, nents);
		EXPECT_GE(most, nents);
		EXPECT_EQ(0x5a, dev_read(imp, 0));
		EXPECT_EQ(0x5a, dev_read(imp, size - 1));

		/* Nothing of userspace's is left: the pin holds the grant. */
		close(buf);
		EXPECT_EQ(0, arena_free(fd, a.handle));
		EXPECT_EQ(0, munmap(p, size));
		EXPECT_EQ(1, arena_info(fd).live_grants);
		EXPECT_EQ(-ENOSPC, arena_alloc(fd, arena_size, &a));
		dev_write(_metadata, imp, 0, size, 0x77);
		EXPECT_EQ(0x77, dev_read(imp, size / 2));

		/* Deregistered: the grant returns, and comes back zeroed. */
		ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
		EXPECT_TRUE(wait_live(fd, 0));
		ASSERT_EQ(0, arena_alloc(fd, arena_size, &a));
		p = arena_map(fd, a.offset, arena_size);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(all_zero(p, arena_size));
		munmap(p, arena_size);
		close(fd);
	}
	close(imp);
}

/* A region the buffer does not hold, or no dma-buf at all, is refused. */
TEST(a_pinned_import_rejects_bad_regions)
{
	int imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf;
	struct arena_alloc a;
	uint32_t nents = 0;

	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, buf);
	EXPECT_EQ(-EINVAL, pin_import(imp, buf, 0, 64 * KiB + 1, &nents));
	EXPECT_EQ(-EINVAL, pin_import(imp, buf, 64 * KiB, 1, &nents));
	EXPECT_EQ(-EINVAL, pin_import(imp, buf, 0, 0, &nents));
	EXPECT_EQ(-EINVAL, pin_import(imp, buf, UINT64_MAX, 2, &nents));
	EXPECT_EQ(-EINVAL, pin_import(imp, fd, 0, 4096, &nents));	/* not a dma-buf */
	EXPECT_EQ(-EBADF, pin_import(imp, -1, 0, 4096, &nents));
	/* Nothing is held after a refusal: the whole buffer pins. */
	EXPECT_EQ(0, pin_import(imp, buf, 0, 64 * KiB, &nents));
	EXPECT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
	close(buf);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_TRUE(wait_live(fd, 0));
	close(fd);
	close(imp);
}

TEST(range_sync_moves_only_its_range)
{
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf, imp;
	struct dma_buf_sync sync;
	struct arena_alloc a;
	unsigned char *p;

	if (!swiotlb_forced())
		SKIP(return, "boot with swiotlb=force: without bounce buffers a sync moves nothing");
	imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 16 * KiB, &a));
	p = arena_map(fd, a.offset, 16 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_ATTACH, &buf));

	/* The device writes everything; the CPU sees only the synced range. */
	dev_write(_metadata, imp, 0, 16 * KiB, 0xab);
	EXPECT_EQ(0, p[4096]);
	ASSERT_EQ(0, arena_sync(fd, a.handle, 4096, 4096, ARENA_SYNC_READ | ARENA_SYNC_START));
	EXPECT_EQ(0xab, p[4096]);
	EXPECT_EQ(0xab, p[8191]);
	EXPECT_EQ(0, p[4095]);
	EXPECT_EQ(0, p[8192]);

	/* The CPU writes everything; the device sees only the synced range. */
	memset(p, 0xcd, 16 * KiB);
	ASSERT_EQ(0, arena_sync(fd, a.handle, 8192, 4096, ARENA_SYNC_WRITE | ARENA_SYNC_END));
	EXPECT_EQ(0xcd, dev_read(imp, 8192));
	EXPECT_EQ(0xcd, dev_read(imp, 12287));
	EXPECT_EQ(0xab, dev_read(imp, 12288));

	/* DMA_BUF_IOCTL_SYNC syncs the whole buffer. */
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	dev_write(_metadata, imp, 0, 16 * KiB, 0x5e);
	ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
	EXPECT_EQ(0x5e, p[0]);
	EXPECT_EQ(0x5e, p[16 * KiB - 1]);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));

	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
	close(buf);
	munmap(p, 16 * KiB);
	close(imp);
	close(fd);
}

/*
 * A range sync reaches an export that starts inside the grant, at the
 * right place, while another export of the same grant (whole, unattached)
 * is walked too.
 */
TEST(range_sync_of_an_export_at_an_offset_among_several)
{
	int fd = arena_open_buddy(4 * MiB, 0, 0), inner, whole, imp;
	struct arena_alloc a;
	unsigned char *p;

	if (!swiotlb_forced())
		SKIP(return, "boot with swiotlb=force: without bounce buffers a sync moves nothing");
	imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 16 * KiB, &a));
	p = arena_map(fd, a.offset, 16 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	inner = export_grant(fd, a.handle, 4096, 8192, O_RDWR);	/* grant bytes 4K..12K */
	whole = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, inner);
	ASSERT_LE(0, whole);
	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_ATTACH, &inner));

	/* The device writes all of its export; the CPU syncs grant bytes 8K..12K. */
	dev_write(_metadata, imp, 0, 8192, 0x6e);
	ASSERT_EQ(0, arena_sync(fd, a.handle, 8192, 4096, ARENA_SYNC_READ | ARENA_SYNC_START));
	EXPECT_EQ(0x6e, p[8192]);		/* the export's second page */
	EXPECT_EQ(0x6e, p[12287]);
	EXPECT_EQ(0, p[4096]);			/* its first page: not synced */
	EXPECT_EQ(0, p[12288]);			/* past the export */
	/* A range that misses the attached export syncs nothing of it. */
	ASSERT_EQ(0, arena_sync(fd, a.handle, 0, 4096, ARENA_SYNC_READ | ARENA_SYNC_START));
	EXPECT_EQ(0, p[4096]);

	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
	close(inner);
	close(whole);
	munmap(p, 16 * KiB);
	close(imp);
	close(fd);
}

/*
 * A device that only reads (DMA_TO_DEVICE) or only writes (DMA_FROM_DEVICE)
 * the memory: every sync, whatever direction the CPU names, is done in the
 * attachment's own (CONFIG_DMA_API_DEBUG reports any other as a kernel
 * warning), and still moves the data the way that device needs.
 */
static void one_way(struct __test_metadata *_metadata, uint32_t dir)
{
	static const uint32_t flags[] = {
		ARENA_SYNC_READ, ARENA_SYNC_WRITE, ARENA_SYNC_RW,
	};
	int fd = arena_open_buddy(4 * MiB, 0, 0), buf, imp, i;
	struct arena_importer_attach at = { .dir = dir };
	struct dma_buf_sync sync;
	struct arena_alloc a;
	unsigned char *p;

	imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	if (imp < 0)
		SKIP(return, "load the selftests' arena_importer module");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 16 * KiB, &a));
	p = arena_map(fd, a.offset, 16 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
	ASSERT_LE(0, buf);
	at.fd = buf;
	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_ATTACH_DIR, &at));

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, arena_sync(fd, a.handle, 4096, 4096, flags[i] | ARENA_SYNC_START));
		ASSERT_EQ(0, arena_sync(fd, a.handle, 4096, 4096, flags[i] | ARENA_SYNC_END));
		sync.flags = DMA_BUF_SYNC_START | flags[i];
		ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
		sync.flags = DMA_BUF_SYNC_END | flags[i];
		ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
	}
	if (dir == 1) {		/* to the device: the CPU's bytes reach it */
		memset(p, 0x3c, 16 * KiB);
		ASSERT_EQ(0, arena_sync(fd, a.handle, 0, 16 * KiB, ARENA_SYNC_WRITE | ARENA_SYNC_END));
		EXPECT_EQ(0x3c, dev_read(imp, 0));
		EXPECT_EQ(0x3c, dev_read(imp, 16 * KiB - 1));
	} else {		/* from the device: its bytes reach the CPU */
		dev_write(_metadata, imp, 0, 16 * KiB, 0x4d);
		ASSERT_EQ(0, arena_sync(fd, a.handle, 0, 16 * KiB, ARENA_SYNC_READ | ARENA_SYNC_START));
		EXPECT_EQ(0x4d, p[0]);
		EXPECT_EQ(0x4d, p[16 * KiB - 1]);
	}
	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_DETACH));
	close(buf);
	munmap(p, 16 * KiB);
	close(imp);
	close(fd);
}

TEST(syncs_follow_a_to_device_attachment)
{
	one_way(_metadata, 1);
}

TEST(syncs_follow_a_from_device_attachment)
{
	one_way(_metadata, 2);
}

TEST(range_sync_rejects_bad_input)
{
	struct arena_sync s;
	struct arena_alloc a;
	int fd = arena_open_buddy(4 * MiB, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 16 * KiB, &a));
	EXPECT_EQ(0, arena_sync(fd, a.handle, 0, 16 * KiB, ARENA_SYNC_RW));	/* no exports: fine */
	EXPECT_EQ(-ENOENT, arena_sync(fd, 999, 0, 4096, ARENA_SYNC_READ));
	EXPECT_EQ(-EINVAL, arena_sync(fd, a.handle, 0, 4096, 0));		/* no direction */
	EXPECT_EQ(-EINVAL, arena_sync(fd, a.handle, 0, 4096, ARENA_SYNC_READ | 8));
	EXPECT_EQ(-EINVAL, arena_sync(fd, a.handle, 0, 0, ARENA_SYNC_READ));
	EXPECT_EQ(-EINVAL, arena_sync(fd, a.handle, 16 * KiB, 1, ARENA_SYNC_READ));
	EXPECT_EQ(-EINVAL, arena_sync(fd, a.handle, 4096, 16 * KiB, ARENA_SYNC_READ));
	s = (struct arena_sync){ .handle = a.handle, .length = 4096,
				 .flags = ARENA_SYNC_READ, .pad = 1 };
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_SYNC, &s));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/*
 * A sender exports a grant of the default arena, passes the dma-buf over a
 * unix socket, frees its handle and exits; the receiver then maps it and
 * finds the bytes; when it closes and unmaps, the memory comes back.
 */
TEST(hand_off_across_processes)
{
	int sv[2], watch = arena_open(), status;
	pid_t sender, receiver;
	uint64_t live;

	ASSERT_LE(0, watch);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	live = arena_info(watch).live_grants;
	sender = fork();
	ASSERT_LE(0, sender);
	if (!sender) {
		int fd = arena_open(), buf;
		struct arena_alloc a;
		char *p;

		if (fd < 0 || arena_alloc(fd, 64 * KiB, &a))
			_exit(1);
		p = arena_map(fd, a.offset, 64 * KiB);
		if (p == MAP_FAILED)
			_exit(2);
		stamp(p, 64 * KiB, 51);
		buf = export_grant(fd, a.handle, 0, 0, O_RDWR);
		if (buf < 0 || send_fd(sv[0], buf))
			_exit(3);
		_exit(arena_free(fd, a.handle) ? 4 : 0);	/* and everything closes */
	}
	ASSERT_EQ(sender, waitpid(sender, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(live + 1, arena_info(watch).live_grants);

	receiver = fork();
	ASSERT_LE(0, receiver);
	if (!receiver) {
		int buf = recv_fd(sv[1]);
		char *p;

		if (buf < 0)
			_exit(1);
		p = mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
		if (p == MAP_FAILED)
			_exit(2);
		close(buf);
		if (!stamp_ok(p, 64 * KiB, 51))
			_exit(3);
		munmap(p, 64 * KiB);
		_exit(0);
	}
	ASSERT_EQ(receiver, waitpid(receiver, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE(wait_live(watch, live));
	close(sv[0]);
	close(sv[1]);
	close(watch);
}

/* Passing the arena file itself passes authority over the whole pool. */
TEST(hand_off_the_arena_file)
{
	int fd = arena_open_buddy(4 * MiB, 0, 0), sv[2], status;
	struct arena_alloc a;
	pid_t pid;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 64 * KiB, 61);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int got = recv_fd(sv[1]);
		struct arena_info info;
		char *w;

		if (got < 0)
			_exit(1);
		info = arena_info(got);
		w = arena_map(got, info.whole_offset, info.size);
		if (w == MAP_FAILED || !stamp_ok(w + a.arena_offset, 64 * KiB, 61))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(p, 64 * KiB);
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

TEST_HARNESS_MAIN
