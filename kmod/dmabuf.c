// SPDX-License-Identifier: GPL-2.0
/*
 * Exporting grants as dma-bufs.
 *
 * An export is whole pages of one grant.  A grant never crosses a chunk, so
 * an export is one physically contiguous run and every attachment's
 * sg_table has one entry.  The dma-buf holds the grant; the grant lists its
 * exports (under exports_lock) so that ARENA_IOC_SYNC can reach their
 * attachments; each export lists its attachments (under its lock), which
 * CPU-access syncs walk.  Lock order: exports_lock, then an export's lock
 * (ARENA_IOC_SYNC); nothing else nests.
 *
 * The kernel mapping (vmap) is the direct map: chunks are lowmem, so the
 * range is already mapped contiguously and nothing has to be built.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "arena.h"
#include "kcompat.h"

ARENA_IMPORT_NS(DMA_BUF);

struct arena_dmabuf {
	struct arena_grant *grant;	/* counted */
	u64 offset;			/* into the grant */
	u64 size;
	struct list_head node;		/* on grant->exports */
	struct mutex lock;		/* protects attachments */
	struct list_head attachments;	/* struct arena_attachment */
};

struct arena_attachment {
	struct list_head node;		/* on export->attachments */
	struct device *dev;
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;
};

static struct page *arena_export_page(struct arena_dmabuf *exp)
{
	return arena_page(exp->grant->arena, exp->grant->offset + exp->offset);
}

static int arena_dmabuf_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table(&a->sgt, 1, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	sg_set_page(a->sgt.sgl, arena_export_page(exp), exp->size, 0);
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&exp->lock);
	list_add(&a->node, &exp->attachments);
	mutex_unlock(&exp->lock);
	return 0;
}

static void arena_dmabuf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->node);
	mutex_unlock(&exp->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *arena_dmabuf_map(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct arena_dmabuf *exp = attach->dmabuf->priv;
	struct arena_attachment *a = attach->priv;
	int ret;

	ret = dma_map_sgtable(a->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&exp->lock);
	a->dir = dir;
	a->mapped = true;
	mutex_unlock(&exp->lock);
	return &a->sgt;
}

static void arena_dmabuf_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	struct arena_dmabuf *exp = attach->dmabuf->priv;
	struct arena_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	a->mapped = false;
	mutex_unlock(&exp->lock);
	dma_unmap_sgtable(a->dev, sgt, dir, 0);
}

/*
 * Sync [offset, offset + len) of the export for the CPU or its devices.
 * Each attachment is synced in the direction it was mapped with, as the
 * DMA API requires (a device that only reads the memory has nothing to
 * give back to the CPU, whatever the CPU means to do).
 */
static void arena_export_sync(struct arena_dmabuf *exp, u64 offset, u64 len, bool for_cpu)
{
	struct arena_attachment *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node) {
		if (!a->mapped)
			continue;
		if (for_cpu)
			dma_sync_single_range_for_cpu(a->dev, sg_dma_address(a->sgt.sgl),
						      offset, len, a->dir);
		else
			dma_sync_single_range_for_device(a->dev, sg_dma_address(a->sgt.sgl),
							 offset, len, a->dir);
	}
	mutex_unlock(&exp->lock);
}

static int arena_dmabuf_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct arena_dmabuf *exp = dmabuf->priv;

	arena_export_sync(exp, 0, exp->size, true);
	return 0;
}

static int arena_dmabuf_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct arena_dmabuf *exp = dmabuf->priv;

	arena_export_sync(exp, 0, exp->size, false);
	return 0;
}

/* The dma-buf core has checked the range against the dma-buf's size. */
static int arena_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena_vma *av;

	if (!(vma->vm_flags & VM_MAYSHARE))	/* MAP_SHARED, even read-only */
		return -EINVAL;
	av = kzalloc(sizeof(*av), GFP_KERNEL_ACCOUNT);
	if (!av)
		return -ENOMEM;
	arena_grant_get(exp->grant);
	av->grant = exp->grant;
	av->arena = exp->grant->arena;
	av->start = exp->grant->offset + exp->offset;
	av->size = exp->size;
	av->pgoff = 0;
	arena_vma_install(vma, av);
	return 0;
}

static int arena_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_set_vaddr(map, page_address(arena_export_page(dmabuf->priv)));
	return 0;
}

static void arena_dmabuf_release(struct dma_buf *dmabuf)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena_grant *grant = exp->grant;

	mutex_lock(&grant->exports_lock);
	list_del(&exp->node);
	mutex_unlock(&grant->exports_lock);
	atomic64_dec(&grant->arena->exported_grants);
	mutex_destroy(&exp->lock);
	kfree(exp);
	arena_grant_put(grant);
}

static const struct dma_buf_ops arena_dmabuf_ops = {
	.attach			= arena_dmabuf_attach,
	.detach			= arena_dmabuf_detach,
	.map_dma_buf		= arena_dmabuf_map,
	.unmap_dma_buf		= arena_dmabuf_unmap,
	.begin_cpu_access	= arena_dmabuf_begin_cpu,
	.end_cpu_access		= arena_dmabuf_end_cpu,
	.mmap			= arena_dmabuf_mmap,
	.vmap			= arena_dmabuf_vmap,
	.release		= arena_dmabuf_release,
};

/**
 * arena_export() - export whole pages of @grant as a dma-buf
 * @grant: the grant; the dma-buf takes its own reference
 * @offset: page-aligned offset into the grant
 * @length: a page multiple, or 0 for up to the grant's last whole page
 * @flags: O_CLOEXEC and an O_ACCMODE value
 *
 * Return: a new file descriptor, or -EINVAL for a bad range, flags or a
 * grant that does not start on a page, or what dma_buf_export() and
 * dma_buf_fd() return.
 */
int arena_export(struct arena_grant *grant, u64 offset, u64 length, u32 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	u64 whole = round_down(grant->size, PAGE_SIZE);
	struct arena_dmabuf *exp;
	struct dma_buf *dmabuf;
	int fd;

	if (flags & ~(O_CLOEXEC | O_ACCMODE) || (flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (!PAGE_ALIGNED(grant->offset) || !PAGE_ALIGNED(offset) ||
	    !PAGE_ALIGNED(length) || offset >= whole)
		return -EINVAL;
	if (!length)
		length = whole - offset;
	if (length > whole - offset)
		return -EINVAL;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL_ACCOUNT);
	if (!exp)
		return -ENOMEM;
	exp->offset = offset;
	exp->size = length;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);
	arena_grant_get(grant);
	exp->grant = grant;

	info.ops = &arena_dmabuf_ops;
	info.size = length;
	info.flags = flags & O_ACCMODE;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		arena_grant_put(grant);
		mutex_destroy(&exp->lock);
		kfree(exp);
		return PTR_ERR(dmabuf);
	}
	mutex_lock(&grant->exports_lock);
	list_add(&exp->node, &grant->exports);
	mutex_unlock(&grant->exports_lock);
	atomic64_inc(&grant->arena->exported_grants);

	fd = dma_buf_fd(dmabuf, flags & O_CLOEXEC);
	if (fd < 0)
		dma_buf_put(dmabuf);	/* ->release undoes the rest */
	return fd;
}

/**
 * arena_sync_range() - ARENA_IOC_SYNC: sync part of a grant's exports
 * @grant: the grant
 * @offset: into the grant
 * @length: bytes, at least one
 * @flags: ARENA_SYNC_* flags
 *
 * Return: 0, or -EINVAL for bad flags or a range outside the grant.
 */
int arena_sync_range(struct arena_grant *grant, u64 offset, u64 length, u32 flags)
{
	struct arena_dmabuf *exp;
	u64 lo, hi;

	if (flags & ~ARENA_SYNC_FLAGS || !(flags & ARENA_SYNC_RW))
		return -EINVAL;
	if (!length || offset >= grant->size || length > grant->size - offset)
		return -EINVAL;
	mutex_lock(&grant->exports_lock);
	list_for_each_entry(exp, &grant->exports, node) {
		lo = max(offset, exp->offset);
		hi = min(offset + length, exp->offset + exp->size);
		if (lo < hi)
			arena_export_sync(exp, lo - exp->offset, hi - lo,
					  !(flags & ARENA_SYNC_END));
	}
	mutex_unlock(&grant->exports_lock);
	return 0;
}
