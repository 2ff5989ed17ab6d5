// SPDX-License-Identifier: GPL-2.0
/*
 * A capture driver writes frames into arena dma-bufs: vivid, the kernel's
 * virtual video driver, loaded with allocators=1 so that its queues use
 * videobuf2-dma-contig, which imports a dma-buf only if it is contiguous in
 * DMA address space, as camera and codec hardware without an IOMMU needs.
 * vivid makes its frames with the CPU, through the dma-buf's vmap: no
 * device DMA and no cache maintenance happen, but the import, the DMA
 * mapping, the contiguity check and the lifetime are the real ones.
 * vivid's DMA mask is 32 bits: the guest's RAM must lie below 4 GiB.
 * (v4l2-compliance cannot import foreign dma-bufs, so this is the client.)
 *
 * Needs vivid (Debian's generic 6.12 image builds it; the "vgem" lane boots
 * that image with vivid.allocators=1), the selftests' importer module, and
 * arena.ko with its default parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "arena_importer.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

#define YUYV_SIZE(w, h)	((w) * (h) * 2)
#define FRAME_WAIT_MS	20000	/* a frame under TCG takes well under 1 s */

/* vivid's first video capture node, or -1. */
static int open_vivid(void)
{
	char path[32];
	int i, fd;

	for (i = 0; i < 64; i++) {
		struct v4l2_capability cap = { 0 };

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (cap.device_caps & V4L2_CAP_STREAMING))
			return fd;
		close(fd);
	}
	return -1;
}

/* Sets @w x @h YUYV; returns the frame's size, or 0 if vivid chose another. */
static uint32_t set_yuyv(int video, uint32_t w, uint32_t h)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(video, VIDIOC_S_FMT, &f) || f.fmt.pix.width != w || f.fmt.pix.height != h ||
	    f.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV)
		return 0;
	return f.fmt.pix.sizeimage;
}

/* At least @count buffers (vivid makes at least two), or none for 0. */
static int request_buffers(int video, unsigned int count)
{
	struct v4l2_requestbuffers r = {
		.count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};

	if (ioctl(video, VIDIOC_REQBUFS, &r))
		return -1;
	return r.count >= count && (count || !r.count) ? 0 : -1;
}

static int queue_dmabuf(int video, unsigned int index, int dmabuf)
{
	struct v4l2_buffer b = {
		.index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF, .m.fd = dmabuf,
	};

	return ioctl(video, VIDIOC_QBUF, &b);
}

/* The next filled buffer, or -1; its index and bytes used in @b. */
static int dequeue(int video, struct v4l2_buffer *b)
{
	struct pollfd p = { .fd = video, .events = POLLIN };

	if (poll(&p, 1, FRAME_WAIT_MS) != 1)
		return -1;
	*b = (struct v4l2_buffer){
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF,
	};
	return ioctl(video, VIDIOC_DQBUF, b);
}

static int stream(int video, unsigned long on_off)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return ioctl(video, on_off, &type);
}

static int export(int fd, uint64_t handle)
{
	struct arena_export e = { .handle = handle, .flags = O_RDWR | O_CLOEXEC };

	return ioctl(fd, ARENA_IOC_EXPORT, &e) ? -1 : e.fd;
}

static uint64_t checksum(const void *p, size_t len)
{
	const uint64_t *w = p;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < len / 8; i++)
		sum = sum * 31 + w[i];
	return sum;
}

/* What the importer's device sees of @dmabuf (it overwrites the bytes). */
static struct arena_importer_check importer_view(int dmabuf)
{
	struct arena_importer_check c = { .fd = dmabuf, .fill = 0 };
	int imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);

	if (imp < 0 || ioctl(imp, ARENA_IMPORTER_CHECK, &c))
		c.nents = 0;
	if (imp >= 0)
		close(imp);
	return c;
}

FIXTURE(vivid) {
	int video;
};

FIXTURE_SETUP(vivid)
{
	self->video = open_vivid();
	if (self->video < 0)
		SETUP_SKIP("no vivid capture device (the generic kernel's vivid module)");
}

FIXTURE_TEARDOWN(vivid)
{
	if (self->video >= 0)
		close(self->video);
}

/*
 * 640x480 YUYV into two 2 MiB grants: frames arrive, in arena memory (the
 * grants' own mappings show them), and change from one to the next (vivid
 * prints a frame counter over its pattern).
 */
TEST_F(vivid, frames_arrive_in_2mib_grants_and_change)
{
	uint32_t size = set_yuyv(self->video, 640, 480);
	int fd = arena_open_buddy(8 * MiB, 0, 0), buf[2], i, distinct = 0;
	uint64_t sum, last = 0;
	struct arena_alloc a[2];
	struct v4l2_buffer b;
	uint32_t sequence = 0;
	char *p[2];

	ASSERT_EQ(YUYV_SIZE(640, 480), size);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, request_buffers(self->video, 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, arena_alloc(fd, 2 * MiB, &a[i]));
		p[i] = arena_map(fd, a[i].offset, 2 * MiB);
		ASSERT_NE(MAP_FAILED, p[i]);
		buf[i] = export(fd, a[i].handle);
		ASSERT_LE(0, buf[i]);
		ASSERT_EQ(0, queue_dmabuf(self->video, i, buf[i])) TH_LOG("QBUF: %s", strerror(errno));
	}
	ASSERT_EQ(0, stream(self->video, VIDIOC_STREAMON));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, dequeue(self->video, &b)) TH_LOG("frame %d: %s", i, strerror(errno));
		ASSERT_GT(2, b.index);
		EXPECT_EQ(size, b.bytesused);
		EXPECT_FALSE(all_zero(p[b.index], size)) TH_LOG("frame %d is empty", i);
		if (i)
			EXPECT_LT(sequence, b.sequence);
		sequence = b.sequence;
		sum = checksum(p[b.index], size);
		distinct += i && sum != last;
		last = sum;
		ASSERT_EQ(0, queue_dmabuf(self->video, b.index, buf[b.index]));
	}
	EXPECT_LE(3, distinct) TH_LOG("only %d of 5 frames differed from the one before", distinct);
	EXPECT_EQ(0, stream(self->video, VIDIOC_STREAMOFF));
	EXPECT_EQ(0, request_buffers(self->video, 0));
	for (i = 0; i < 2; i++) {
		close(buf[i]);
		munmap(p[i], 2 * MiB);
	}
	close(fd);
}

/*
 * 1080p YUYV (4,147,200 bytes) in one physically contiguous 4 MiB grant of
 * an order-10 arena: vb2-dma-contig takes it.
 */
TEST_F(vivid, a_1080p_frame_fills_a_contiguous_4mib_grant)
{
	struct arena_create c = {
		.mode = ARENA_MODE_BUDDY, .size = 8 * MiB, .chunk_order = 10,
		.node = ARENA_NODE_LOCAL,
	};
	struct arena_alloc a = { .size = YUYV_SIZE(1920, 1080), .flags = ARENA_ALLOC_CONTIG };
	uint32_t size = set_yuyv(self->video, 1920, 1080);
	struct arena_importer_check view;
	int fd = arena_open_create(&c), buf;
	struct v4l2_buffer b;
	char *p;

	ASSERT_EQ(YUYV_SIZE(1920, 1080), size);
	ASSERT_LE(0, fd) TH_LOG("an order-10 arena: %s", strerror(-fd));
	ASSERT_EQ(0, ioctl(fd, ARENA_IOC_ALLOC, &a));
	EXPECT_EQ(4 * MiB, a.granted);
	buf = export(fd, a.handle);
	ASSERT_LE(0, buf);
	view = importer_view(buf);
	ASSERT_NE(0, view.nents);
	EXPECT_TRUE(view.contiguous);
	p = arena_map(fd, a.offset, 4 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, 4 * MiB);
	ASSERT_EQ(0, request_buffers(self->video, 1));
	ASSERT_EQ(0, queue_dmabuf(self->video, 0, buf)) TH_LOG("QBUF: %s", strerror(errno));
	ASSERT_EQ(0, stream(self->video, VIDIOC_STREAMON));
	ASSERT_EQ(0, dequeue(self->video, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(size, b.bytesused);
	EXPECT_FALSE(all_zero(p, size));
	/* And the frame's last line: vivid wrote all of it. */
	EXPECT_FALSE(all_zero(p + size - 1920 * 2, 1920 * 2));
	EXPECT_EQ(0, stream(self->video, VIDIOC_STREAMOFF));
	EXPECT_EQ(0, request_buffers(self->video, 0));
	munmap(p, 4 * MiB);
	close(buf);
	close(fd);
}

/* Whether the kernel log, after @marker, has a line containing @what. */
static int logged_after(const char *marker, const char *what)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *log, *from;
	int n, found;

	if (len <= 0)
		return 0;
	log = calloc(1, len + 1);
	if (!log)
		return 0;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (n < 0)
		n = 0;
	log[n] = '\0';
	from = strstr(log, marker);
	found = from && strstr(from, what);
	free(log);
	return found;
}

static void log_marker(const char *marker)
{
	int kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (kmsg >= 0) {
		if (write(kmsg, marker, strlen(marker)) < 0)
			perror("/dev/kmsg");
		close(kmsg);
	}
}

/*
 * A grant of several physically discontiguous runs, made on purpose: eight
 * one-chunk arenas, every second one closed again, so that the chunks they
 * gave back lie between chunks still held; a four-chunk arena made next
 * takes those back, and a grant of all of it crosses the gaps.  The page
 * allocator promises no order, so this checks what the importer sees and
 * tries again with eight more spacers, up to @nspacers.  Returns the
 * arena, or -1, with its whole grant exported in *@dmabuf; the spacers
 * stay open in @spacers.
 */
static int discontiguous_arena(struct __test_metadata *_metadata, int *spacers,
			       int nspacers, int *dmabuf)
{
	int round, i, fd;

	for (round = 0; round * 8 + 8 <= nspacers; round++) {
		struct arena_importer_check view;
		struct arena_alloc a;

		for (i = round * 8; i < round * 8 + 8; i++)
			spacers[i] = arena_open_buddy(2 * MiB, 0, 0);
		for (i = round * 8 + 1; i < round * 8 + 8; i += 2) {
			close(spacers[i]);
			spacers[i] = -1;
		}
		fd = arena_open_buddy(8 * MiB, 0, 0);
		if (fd < 0 || arena_alloc(fd, 8 * MiB, &a)) {
			TH_LOG("an 8 MiB arena: %s", strerror(fd < 0 ? -fd : errno));
			return -1;
		}
		*dmabuf = export(fd, a.handle);
		view = importer_view(*dmabuf);
		TH_LOG("round %d: %u entries, %scontiguous", round, view.nents,
		       view.contiguous ? "" : "not ");
		if (*dmabuf >= 0 && view.nents && !view.contiguous) {
			/* Without an IOMMU, DMA addresses are physical ones. */
			EXPECT_FALSE(view.dma_contiguous);
			return fd;
		}
		if (*dmabuf >= 0)
			close(*dmabuf);
		close(fd);
	}
	return -1;
}

/*
 * vb2-dma-contig refuses, at QBUF, a dma-buf that is not one contiguous
 * range in DMA address space, saying so in the kernel log.
 */
TEST_F(vivid, a_discontiguous_grant_is_refused_at_qbuf)
{
	const char *marker = "arena v4l2_test: queueing a discontiguous grant\n";
	uint32_t size = set_yuyv(self->video, 1920, 1080);
	int spacers[32], fd, buf = -1, i;

	for (i = 0; i < 32; i++)
		spacers[i] = -1;
	ASSERT_EQ(YUYV_SIZE(1920, 1080), size);
	fd = discontiguous_arena(_metadata, spacers, 32, &buf);
	ASSERT_LE(0, fd) TH_LOG("every grant of 4 chunks was physically contiguous");
	ASSERT_EQ(0, request_buffers(self->video, 1));
	log_marker(marker);
	EXPECT_EQ(-1, queue_dmabuf(self->video, 0, buf));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_TRUE(logged_after(marker, "contiguous chunk is too small"));
	EXPECT_EQ(0, request_buffers(self->video, 0));
	close(buf);
	close(fd);
	for (i = 0; i < 32; i++)
		if (spacers[i] >= 0)
			close(spacers[i]);
}

/*
 * A queued buffer holds its grant after every descriptor and mapping
 * userspace had of it is gone, through streaming and STREAMOFF; REQBUFS 0
 * lets it go, and it comes back zeroed.
 */
TEST_F(vivid, a_queued_buffer_holds_its_grant_until_reqbufs_0)
{
	uint32_t size = set_yuyv(self->video, 640, 480);
	int fd = arena_open_buddy(2 * MiB, 0, 0), buf;
	struct arena_alloc a;
	struct v4l2_buffer b;
	char *p;

	ASSERT_EQ(YUYV_SIZE(640, 480), size);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, arena_alloc(fd, 2 * MiB, &a));
	p = arena_map(fd, a.offset, 2 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, 2 * MiB, 0x4c);
	buf = export(fd, a.handle);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, request_buffers(self->video, 1));
	ASSERT_EQ(0, queue_dmabuf(self->video, 0, buf)) TH_LOG("QBUF: %s", strerror(errno));
	/* Nothing of userspace's is left but the arena's own descriptor. */
	close(buf);
	EXPECT_EQ(0, arena_free(fd, a.handle));
	EXPECT_EQ(0, munmap(p, 2 * MiB));
	EXPECT_EQ(1, arena_info(fd).live_grants);
	ASSERT_EQ(0, stream(self->video, VIDIOC_STREAMON));
	ASSERT_EQ(0, dequeue(self->video, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(size, b.bytesused);
	EXPECT_EQ(0, stream(self->video, VIDIOC_STREAMOFF));
	EXPECT_EQ(1, arena_info(fd).live_grants);
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 2 * MiB, &a));	/* not granted again meanwhile */
	EXPECT_EQ(0, request_buffers(self->video, 0));
	EXPECT_TRUE(wait_live(fd, 0));
	ASSERT_EQ(0, arena_alloc(fd, 2 * MiB, &a));
	p = arena_map(fd, a.offset, 2 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, 2 * MiB));
	munmap(p, 2 * MiB);
	close(fd);
}

TEST_HARNESS_MAIN
