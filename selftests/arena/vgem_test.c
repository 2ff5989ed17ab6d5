// SPDX-License-Identifier: GPL-2.0
/*
 * A real in-tree importer: vgem, the DRM driver the kernel's own
 * dmabuf-heaps selftest imports into.  An arena dma-buf becomes a GEM
 * object through PRIME (DRM_IOCTL_PRIME_FD_TO_HANDLE); vgem must see its
 * bytes, and while vgem holds it the grant must stay alive and never be
 * granted again, though every fd and mapping userspace had of it is gone.
 *
 * Needs vgem loaded (Debian's generic 6.12 image has it; the cloud images
 * do not: the "vgem" lane boots the generic one) and arena.ko with its
 * default parameters.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>

#include "arena_importer.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

/* The DRM card whose driver is vgem, or -1. */
static int open_vgem(void)
{
	char name[16], path[300];
	struct dirent *e;
	DIR *dir = opendir("/dev/dri");
	int fd = -1;

	while (dir && (e = readdir(dir))) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		if (strncmp(e->d_name, "card", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		memset(name, 0, sizeof(name));
		if (fd >= 0 && !ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (dir)
		closedir(dir);
	return fd;
}

/*
 * What vgem holds, as vgem gives it out again (DRM_IOCTL_PRIME_HANDLE_TO_FD):
 * DRM refuses mmap offsets for imported objects, so this is how userspace
 * reaches the bytes of vgem's object.  *@fd receives the dma-buf.
 */
static void *map_gem(int card, uint32_t handle, size_t len, int *fd)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR };
	void *map;

	if (ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return MAP_FAILED;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, p.fd, 0);
	if (map == MAP_FAILED)
		close(p.fd);
	else
		*fd = p.fd;
	return map;
}

static int gem_close(int card, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return ioctl(card, DRM_IOCTL_GEM_CLOSE, &c);
}

/* Export @handle of @fd as a dma-buf and import it into vgem. */
static int import(int card, int fd, uint64_t handle, uint32_t *gem, int *dmabuf)
{
	struct arena_export e = { .handle = handle, .flags = O_RDWR | O_CLOEXEC };
	struct drm_prime_handle p = { .flags = 0 };

	if (ioctl(fd, ARENA_IOC_EXPORT, &e))
		return -errno;
	p.fd = e.fd;
	if (ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p)) {
		close(e.fd);
		return -errno;
	}
	*gem = p.handle;
	*dmabuf = e.fd;
	return 0;
}

FIXTURE(vgem) {
	int card, fd;
};

FIXTURE_SETUP(vgem)
{
	self->card = open_vgem();
	if (self->card < 0)
		SETUP_SKIP("no vgem device (the generic kernel's vgem module)");
	self->fd = arena_open();
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(wait_live(self->fd, 0)) TH_LOG("the default arena is not idle");
}

FIXTURE_TEARDOWN(vgem)
{
	if (self->card >= 0)
		close(self->card);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(vgem, imported_buffer_holds_the_grants_bytes)
{
	struct drm_prime_handle again = { .flags = 0 };
	struct arena_alloc a;
	struct stat ours, back;
	int dmabuf, theirs_fd;
	void *mine, *theirs;
	uint32_t gem;

	ASSERT_EQ(0, arena_alloc(self->fd, HPAGE, &a));
	mine = arena_map(self->fd, a.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, mine);
	stamp(mine, HPAGE, 0x76656d);
	ASSERT_EQ(0, import(self->card, self->fd, a.handle, &gem, &dmabuf));

	/* Imported once: the same dma-buf gives the same object. */
	again.fd = dmabuf;
	ASSERT_EQ(0, ioctl(self->card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &again));
	EXPECT_EQ(gem, again.handle);

	/* vgem's object is our dma-buf, not a copy: its bytes, both ways. */
	theirs = map_gem(self->card, gem, HPAGE, &theirs_fd);
	ASSERT_NE(MAP_FAILED, theirs);
	ASSERT_EQ(0, fstat(dmabuf, &ours));
	ASSERT_EQ(0, fstat(theirs_fd, &back));
	EXPECT_EQ(ours.st_ino, back.st_ino);
	EXPECT_TRUE(stamp_ok(theirs, HPAGE, 0x76656d));
	stamp(theirs, HPAGE, 0x7468656972);
	EXPECT_TRUE(stamp_ok(mine, HPAGE, 0x7468656972));

	EXPECT_EQ(0, munmap(theirs, HPAGE));
	close(theirs_fd);
	EXPECT_EQ(0, gem_close(self->card, gem));
	close(dmabuf);
	EXPECT_EQ(0, munmap(mine, HPAGE));
	EXPECT_EQ(0, arena_free(self->fd, a.handle));
	EXPECT_TRUE(wait_live(self->fd, 0));
}

/*
 * A 64 MiB grant (a span of the whole default arena) exported: vgem sees
 * its bytes, the test importer its runs and its data through vmap, and
 * the dma-buf maps with a PMD per 2 MiB at a 2 MiB-aligned address.
 */
TEST_F(vgem, a_64_mib_export_is_one_buffer_to_vgem_and_the_importer)
{
	const size_t size = 64 * MiB;
	struct arena_importer_check c = { 0 };
	uint64_t x = 0, *w, pmd_before;
	int dmabuf, theirs_fd, imp;
	struct arena_alloc a;
	uint32_t gem;
	void *theirs;
	char *d;
	size_t i;

	ASSERT_EQ(0, arena_alloc(self->fd, size, &a)) TH_LOG("the default arena is not free");
	w = arena_map(self->fd, a.offset, size);
	ASSERT_NE(MAP_FAILED, w);
	stamp(w, size, 0x6434);
	for (i = 0; i < size / 8; i++)
		x ^= w[i];
	ASSERT_EQ(0, import(self->card, self->fd, a.handle, &gem, &dmabuf));
	theirs = map_gem(self->card, gem, size, &theirs_fd);
	ASSERT_NE(MAP_FAILED, theirs);
	EXPECT_TRUE(stamp_ok(theirs, size, 0x6434));
	EXPECT_EQ(0, munmap(theirs, size));
	close(theirs_fd);
	EXPECT_EQ(0, gem_close(self->card, gem));

	/* mmap of the dma-buf itself, at an aligned address (abi.rst). */
	pmd_before = arena_info(self->fd).pmd_faults;
	d = map_pmd_aligned(dmabuf, size);
	ASSERT_NE(MAP_FAILED, d) TH_LOG("%s", strerror(errno));
	for (i = 0; i < size; i += HPAGE)
		((volatile char *)d)[i] = ((char *)w)[i];
	EXPECT_EQ(size / HPAGE, arena_info(self->fd).pmd_faults - pmd_before);
	EXPECT_EQ(0, memcmp(d, w, size));
	munmap(d, size);

	imp = open("/dev/arena_importer", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, imp) TH_LOG("the lane loads the selftests' arena_importer");
	c.fd = dmabuf;
	c.fill = 0x5a5a5a5a5a5a5a5aULL;
	ASSERT_EQ(0, ioctl(imp, ARENA_IMPORTER_CHECK, &c)) TH_LOG("%s", strerror(errno));
	TH_LOG("%u entries, %scontiguous for DMA", c.nents, c.dma_contiguous ? "" : "not ");
	EXPECT_LE(1, c.nents);
	EXPECT_GE(size / HPAGE, c.nents);
	/* No bounce buffers here: DMA addresses are physical ones. */
	EXPECT_EQ(c.nents == 1, c.dma_contiguous);
	EXPECT_EQ(size, c.length);
	EXPECT_EQ(x, c.xor_before);
	for (i = 0; i < size / 8; i++)
		ASSERT_EQ(c.fill, w[i]);
	close(imp);
	close(dmabuf);
	EXPECT_EQ(0, munmap(w, size));
	EXPECT_EQ(0, arena_free(self->fd, a.handle));
	EXPECT_TRUE(wait_live(self->fd, 0));
}

TEST_F(vgem, held_by_vgem_alone_the_grant_stays_and_is_not_reused)
{
	struct arena_alloc a, other;
	uint64_t held_at, live;
	int dmabuf, fd, theirs_fd, n = 0;
	uint32_t gem;
	void *p;

	ASSERT_EQ(0, arena_alloc(self->fd, HPAGE, &a));
	held_at = a.arena_offset;
	p = arena_map(self->fd, a.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, HPAGE, 0x686f6c64);
	ASSERT_EQ(0, import(self->card, self->fd, a.handle, &gem, &dmabuf));

	/* Every fd and mapping userspace had of it goes, the arena's file too. */
	EXPECT_EQ(0, munmap(p, HPAGE));
	close(dmabuf);
	close(self->fd);
	self->fd = -1;

	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, arena_info(fd).live_grants);
	EXPECT_EQ(1, arena_info(fd).exported_grants);
	/* The whole arena granted again: never where vgem's grant lies. */
	while (arena_alloc(fd, HPAGE, &other) == 0) {
		EXPECT_NE(held_at, other.arena_offset);
		n++;
	}
	EXPECT_EQ(arena_info(fd).size / HPAGE - 1, n);
	live = arena_info(fd).live_grants;
	EXPECT_EQ(n + 1, live);

	/* Still our bytes, as vgem gives them out again. */
	p = map_gem(self->card, gem, HPAGE, &theirs_fd);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(stamp_ok(p, HPAGE, 0x686f6c64));
	EXPECT_EQ(0, munmap(p, HPAGE));
	close(theirs_fd);

	/* vgem lets go: the grant comes back, zeroed, and can be granted. */
	EXPECT_EQ(0, gem_close(self->card, gem));
	EXPECT_TRUE(wait_live(fd, n));
	ASSERT_EQ(0, arena_alloc(fd, HPAGE, &other));
	EXPECT_EQ(held_at, other.arena_offset);
	p = arena_map(fd, other.offset, HPAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_zero(p, HPAGE));
	EXPECT_EQ(0, munmap(p, HPAGE));
	close(fd);	/* frees every grant of this file */
	fd = arena_open();
	EXPECT_TRUE(wait_live(fd, 0));
	close(fd);
}

TEST_HARNESS_MAIN
