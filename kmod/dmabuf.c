// SPDX-License-Identifier: GPL-2.0
/*
 * Exporting grants as dma-bufs.
 *
 * An export is whole pages of one grant, which may span many chunks.  An
 * attachment's sg_table has one entry per physically contiguous run:
 * chunks adjacent in memory (the arena sorts them by address) are merged,
 * as drm_prime_pages_to_sg() merges pages, but no entry grows past the
 * device's dma_max_mapping_size() or what an sg entry's length holds, so
 * that an IOMMU-less device or swiotlb can map each one.  The dma-buf
 * holds the grant; the grant lists its exports (under exports_lock) so that
 * ARENA_IOC_SYNC can reach their attachments; each export lists its
 * attachments (under its lock), which CPU-access syncs walk.  Lock order:
 * exports_lock, then an export's lock (ARENA_IOC_SYNC); nothing else nests.
 *
 * The kernel mapping (vmap) of an export within one chunk is the direct
 * map: chunks are lowmem, so the range is already mapped contiguously.
 * One that spans chunks is mapped with vmap().
 *
 * An export that a PMD could map (2 MiB of it on a 2 MiB boundary) has its
 * mappings belong to a file of its own, its map file, not to the dma-buf's:
 * the dma-buf's inode is not DAX, and 6.1's mm calls ->huge_fault only for
 * DAX VMAs.  The dma-buf's ->mmap maps through the map file and moves the
 * VMA to it (vma_set_file(), as i915 moves its exports' VMAs to their shmem
 * files).  The map file holds the grant and knows the export's range,
 * because a mapping holds the file, not the dma-buf, and remap_file_pages()
 * maps through the file again, maybe after the dma-buf is gone.  It is
 * opened with the dma-buf's access mode, so that no mapping made through it
 * may become writable where the dma-buf's could not.
 *
 * A smaller export needs no ->huge_fault: its mappings stay the dma-buf
 * file's, which holds the dma-buf and so the grant, and get all their PTEs
 * at mmap time, as the dma-buf heaps map their buffers.  Making and
 * freeing a map file, and the fault, were what a 64 KiB share cost more
 * than the system heap's.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kcompat.h"
#include "map.h"

ARENA_IMPORT_NS(DMA_BUF);

struct arena_dmabuf {
	struct arena_grant *grant;	/* counted */
	struct file *map_file;		/* counted: its mappings' file, or NULL */
	u64 offset;			/* into the grant */
	u64 size;
	struct list_head node;		/* on grant->exports */
	struct mutex lock;		/* protects attachments */
	struct list_head attachments;	/* struct arena_attachment */
};

/* What an export's map file maps: its private_data. */
struct arena_map_range {
	struct arena_grant *grant;	/* counted */
	u64 start;			/* in the arena's address space */
	u64 size;
};

struct arena_attachment {
	struct list_head node;		/* on export->attachments */
	struct device *dev;
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;
};

/* The export's first byte, in the arena's address space. */
static u64 arena_export_start(const struct arena_dmabuf *exp)
{
	return exp->grant->offset + exp->offset;
}

/* How many chunks the export touches. */
static unsigned int arena_export_chunks(const struct arena_dmabuf *exp)
{
	u64 chunk = arena_chunk_size(exp->grant->arena);
	u64 start = arena_export_start(exp);

	return (round_up(start + exp->size, chunk) - round_down(start, chunk)) / chunk;
}

/*
 * Whether a mapping of @exp could hold a PMD: 2 MiB of it on a 2 MiB
 * boundary of the arena, within one chunk (chunks are aligned to their
 * size).  Only such an export needs a map file.
 */
static bool arena_export_may_take_pmd(const struct arena_dmabuf *exp)
{
	u64 start = arena_export_start(exp);

	return exp->grant->arena->chunk_shift >= PMD_SHIFT &&
	       ALIGN(start, PMD_SIZE) + PMD_SIZE <= start + exp->size;
}

/*
 * Walk the export's physically contiguous runs of at most @max_seg bytes
 * (a page multiple): with @sgt NULL count them, else fill its entries.
 * The export is walked in pieces within a chunk and @max_seg; a run grows
 * by the next piece when it starts where the run ends in memory.
 */
static unsigned int arena_export_runs(const struct arena_dmabuf *exp, u64 max_seg,
				      struct sg_table *sgt)
{
	struct arena *arena = exp->grant->arena;
	u64 chunk = arena_chunk_size(arena);
	u64 at = arena_export_start(exp), end = at + exp->size, run = 0, n;
	struct scatterlist *sg = sgt ? sgt->sgl : NULL;
	struct page *first = NULL;
	unsigned int runs = 0;

	for (; at < end; at += n) {
		struct page *page = arena_page(arena, at);

		n = min3(end, round_down(at, chunk) + chunk, at + max_seg) - at;
		if (first && page_to_pfn(page) == page_to_pfn(first) + (run >> PAGE_SHIFT) &&
		    run + n <= max_seg) {
			run += n;
			continue;
		}
		if (first && sg) {
			sg_set_page(sg, first, run, 0);
			sg = sg_next(sg);
		}
		first = page;
		run = n;
		runs++;
	}
	if (sg)
		sg_set_page(sg, first, run, 0);
	return runs;
}

/* The longest entry @dev may have: its mapping limit, in whole chunks if it can. */
static u64 arena_max_segment(const struct arena_dmabuf *exp, struct device *dev)
{
	u64 chunk = arena_chunk_size(exp->grant->arena);
	u64 max = min_t(u64, dma_max_mapping_size(dev), UINT_MAX & PAGE_MASK);

	return max >= chunk ? round_down(max, chunk) : round_down(max, PAGE_SIZE);
}

static int arena_dmabuf_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena_attachment *a;
	int ret;

	u64 max_seg = arena_max_segment(exp, attach->dev);

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table(&a->sgt, arena_export_runs(exp, max_seg, NULL), GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	arena_export_runs(exp, max_seg, &a->sgt);
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
static void arena_attachment_sync(struct arena_attachment *a, u64 offset, u64 len,
				  bool for_cpu)
{
	struct scatterlist *sg;
	u64 pos = 0, lo, hi;
	unsigned int i;

	/* The DMA segments cover the export in order, each run at @pos. */
	for_each_sgtable_dma_sg(&a->sgt, sg, i) {
		if (pos >= offset + len)
			break;		/* past the range: the rest is not touched */
		lo = max(offset, pos);
		hi = min(offset + len, pos + sg_dma_len(sg));
		if (lo < hi && for_cpu)
			dma_sync_single_range_for_cpu(a->dev, sg_dma_address(sg), lo - pos,
						      hi - lo, a->dir);
		else if (lo < hi)
			dma_sync_single_range_for_device(a->dev, sg_dma_address(sg), lo - pos,
							 hi - lo, a->dir);
		pos += sg_dma_len(sg);
	}
}

static void arena_export_sync(struct arena_dmabuf *exp, u64 offset, u64 len, bool for_cpu)
{
	struct arena_attachment *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node)
		if (a->mapped)
			arena_attachment_sync(a, offset, len, for_cpu);
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

/*
 * Map the part of [@start, @start + @size) of @grant that @vma asks for;
 * the mapping takes a reference of its own.  @prefault: insert its pages
 * now.
 */
static int arena_export_mmap(struct vm_area_struct *vma, struct arena_grant *grant,
			     u64 start, u64 size, bool prefault)
{
	unsigned long pages = size >> PAGE_SHIFT;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))	/* MAP_SHARED, even read-only */
		return -EINVAL;
	/* The dma-buf core checks this too, remap_file_pages() does not. */
	if (vma_pages(vma) > pages || vma->vm_pgoff > pages - vma_pages(vma))
		return -EINVAL;
	arena_grant_get(grant);
	ret = arena_map_grant(vma, grant, start, size, 0, prefault);
	if (ret)
		arena_grant_put(grant);
	return ret;
}

static int arena_map_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct arena_map_range *range = file->private_data;

	return arena_export_mmap(vma, range->grant, range->start, range->size, false);
}

static int arena_map_file_release(struct inode *inode, struct file *file)
{
	struct arena_map_range *range = file->private_data;

	arena_grant_put(range->grant);
	kfree(range);
	return 0;
}

static const struct file_operations arena_map_file_fops = {
	.owner		= THIS_MODULE,
	.mmap		= arena_map_file_mmap,
	.release	= arena_map_file_release,
};

/* The map file of @exp, with one reference, or an ERR_PTR. */
static struct file *arena_export_map_file(struct arena_dmabuf *exp, u32 flags)
{
	struct arena_map_range *range = kmalloc(sizeof(*range), GFP_KERNEL_ACCOUNT);
	struct file *file;

	if (!range)
		return ERR_PTR(-ENOMEM);
	*range = (struct arena_map_range){
		.grant = exp->grant, .start = arena_export_start(exp), .size = exp->size,
	};
	file = arena_map_file(&arena_map_file_fops, range, flags);
	if (IS_ERR(file))
		kfree(range);
	else
		arena_grant_get(range->grant);
	return file;
}

static int arena_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	int ret;

	if (!exp->map_file)
		return arena_export_mmap(vma, exp->grant, arena_export_start(exp), exp->size,
					 true);
	ret = arena_map_file_mmap(exp->map_file, vma);
	if (!ret)
		vma_set_file(vma, exp->map_file);
	return ret;
}

static int arena_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena *arena = exp->grant->arena;
	unsigned long i, n = exp->size >> PAGE_SHIFT;
	struct page **pages;
	void *vaddr;

	if (arena_export_chunks(exp) == 1) {
		vaddr = page_address(arena_page(arena, arena_export_start(exp)));
	} else {
		pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
		if (!pages)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			pages[i] = arena_page(arena, arena_export_start(exp) + (i << PAGE_SHIFT));
		vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
		kvfree(pages);
		if (!vaddr)
			return -ENOMEM;
	}
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void arena_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	if (arena_export_chunks(dmabuf->priv) > 1)
		vunmap(map->vaddr);
}

static void arena_dmabuf_release(struct dma_buf *dmabuf)
{
	struct arena_dmabuf *exp = dmabuf->priv;
	struct arena_grant *grant = exp->grant;

	mutex_lock(&grant->exports_lock);
	list_del(&exp->node);
	mutex_unlock(&grant->exports_lock);
	atomic64_dec(&grant->arena->stats.exported_grants);
	mutex_destroy(&exp->lock);
	if (exp->map_file)
		fput(exp->map_file);
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
	.vunmap			= arena_dmabuf_vunmap,
	.release		= arena_dmabuf_release,
};

/**
 * arena_export_dmabuf() - export whole pages of @grant as a dma-buf
 * @grant: the grant; the dma-buf takes its own reference
 * @offset: page-aligned offset into the grant
 * @length: a page multiple, or 0 for up to the grant's last whole page
 * @flags: O_CLOEXEC and an O_ACCMODE value
 *
 * Return: the dma-buf, or ERR_PTR(): -EINVAL for a bad range, flags or a
 * grant that does not start on a page, -ENOMEM, or what making its map
 * file and dma_buf_export() return.
 */
struct dma_buf *arena_export_dmabuf(struct arena_grant *grant, u64 offset, u64 length,
				    u32 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	u64 whole = round_down(grant->size, PAGE_SIZE);
	struct arena_dmabuf *exp;
	struct dma_buf *dmabuf;

	if (flags & ~(O_CLOEXEC | O_ACCMODE) || (flags & O_ACCMODE) == O_ACCMODE)
		return ERR_PTR(-EINVAL);
	if (!PAGE_ALIGNED(grant->offset) || !PAGE_ALIGNED(offset) ||
	    !PAGE_ALIGNED(length) || offset >= whole)
		return ERR_PTR(-EINVAL);
	if (!length)
		length = whole - offset;
	if (length > whole - offset)
		return ERR_PTR(-EINVAL);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL_ACCOUNT);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->offset = offset;
	exp->size = length;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);
	exp->grant = grant;
	if (arena_export_may_take_pmd(exp)) {
		exp->map_file = arena_export_map_file(exp, flags);
		if (IS_ERR(exp->map_file)) {
			dmabuf = ERR_CAST(exp->map_file);
			goto free_exp;
		}
	}
	arena_grant_get(grant);

	info.ops = &arena_dmabuf_ops;
	info.size = length;
	info.flags = flags & O_ACCMODE;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		arena_grant_put(grant);
		if (exp->map_file)
			fput(exp->map_file);
		goto free_exp;
	}
	mutex_lock(&grant->exports_lock);
	list_add(&exp->node, &grant->exports);
	mutex_unlock(&grant->exports_lock);
	atomic64_inc(&grant->arena->stats.exported_grants);
	return dmabuf;

free_exp:
	mutex_destroy(&exp->lock);
	kfree(exp);
	return dmabuf;
}

/**
 * arena_export() - ARENA_IOC_EXPORT: export whole pages of @grant as a dma-buf
 * @grant: the grant; the dma-buf takes its own reference
 * @offset: page-aligned offset into the grant
 * @length: a page multiple, or 0 for up to the grant's last whole page
 * @flags: O_CLOEXEC and an O_ACCMODE value
 *
 * Return: a new file descriptor, or what arena_export_dmabuf() and
 * dma_buf_fd() return.
 */
int arena_export(struct arena_grant *grant, u64 offset, u64 length, u32 flags)
{
	struct dma_buf *dmabuf = arena_export_dmabuf(grant, offset, length, flags);
	int fd;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
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
