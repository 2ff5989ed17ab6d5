// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only dma-buf importer for the arena selftests: a platform device
 * standing for a DMA-capable device, and /dev/arena_importer to hand it a
 * dma-buf fd (see arena_importer.h).
 */

#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/uaccess.h>

#include "arena_importer.h"
#include "importer_compat.h"

IMPORTER_IMPORT_NS(DMA_BUF);

static struct platform_device *importer_pdev;

/* The one attachment kept mapped between ATTACH and DETACH. */
static DEFINE_MUTEX(importer_lock);
static struct dma_buf *held_buf;
static struct dma_buf_attachment *held_attach;
static struct sg_table *held_sgt;
static enum dma_data_direction held_dir;
static bool held_pinned;

static void importer_inspect(struct sg_table *sgt, struct arena_importer_check *c)
{
	phys_addr_t next_phys = 0;
	dma_addr_t next_dma = 0;
	struct scatterlist *sg;
	unsigned int i;

	c->nents = sgt->orig_nents;
	c->contiguous = 1;
	c->dma_contiguous = 1;
	c->length = 0;
	for_each_sgtable_sg(sgt, sg, i) {
		if (i && sg_phys(sg) != next_phys)
			c->contiguous = 0;
		next_phys = sg_phys(sg) + sg->length;
		c->length += sg->length;
	}
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (i && sg_dma_address(sg) != next_dma)
			c->dma_contiguous = 0;
		next_dma = sg_dma_address(sg) + sg_dma_len(sg);
	}
}

static int importer_check(struct arena_importer_check *c)
{
	struct dma_buf_attachment *attach;
	struct iosys_map map;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	u64 *words, x = 0;
	size_t i;
	int ret;

	dmabuf = dma_buf_get(c->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	attach = dma_buf_attach(dmabuf, &importer_pdev->dev);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto put;
	}
	sgt = importer_map(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto detach;
	}
	importer_inspect(sgt, c);

	ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
	if (ret)
		goto unmap;
	ret = importer_vmap(dmabuf, &map);
	if (!ret) {
		words = map.vaddr;
		for (i = 0; i < dmabuf->size / sizeof(*words); i++) {
			x ^= words[i];
			words[i] = c->fill;
		}
		c->xor_before = x;
		importer_vunmap(dmabuf, &map);
	}
	dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
unmap:
	importer_unmap(attach, sgt, DMA_BIDIRECTIONAL);
detach:
	dma_buf_detach(dmabuf, attach);
put:
	dma_buf_put(dmabuf);
	return ret;
}

static void importer_release_held(void)
{
	if (!held_buf)
		return;
	if (held_pinned) {
		/* ib_umem_dmabuf_release(): unmap and unpin under the lock. */
		dma_resv_lock(held_buf->resv, NULL);
		dma_buf_unmap_attachment(held_attach, held_sgt, held_dir);
		dma_buf_unpin(held_attach);
		dma_resv_unlock(held_buf->resv);
	} else {
		importer_unmap(held_attach, held_sgt, held_dir);
	}
	dma_buf_detach(held_buf, held_attach);
	dma_buf_put(held_buf);
	held_buf = NULL;
}

static int importer_attach(int fd, enum dma_data_direction dir)
{
	struct dma_buf *dmabuf;
	int ret;

	if (held_buf)
		return -EBUSY;
	if (dir != DMA_BIDIRECTIONAL && dir != DMA_TO_DEVICE && dir != DMA_FROM_DEVICE)
		return -EINVAL;
	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	held_attach = dma_buf_attach(dmabuf, &importer_pdev->dev);
	if (IS_ERR(held_attach)) {
		ret = PTR_ERR(held_attach);
		goto put;
	}
	held_sgt = importer_map(held_attach, dir);
	if (IS_ERR(held_sgt)) {
		ret = PTR_ERR(held_sgt);
		goto detach;
	}
	held_buf = dmabuf;
	held_dir = dir;
	held_pinned = false;
	return 0;
detach:
	dma_buf_detach(dmabuf, held_attach);
put:
	dma_buf_put(dmabuf);
	return ret;
}

#ifdef IMPORTER_PINNED_NOTIFY
static void importer_unexpected_move(struct dma_buf_attachment *attach)
{
	dev_warn_ratelimited(attach->dev, "a pinned buffer was told to move\n");
}
#endif

static const struct dma_buf_attach_ops importer_pinned_ops = {
	.allow_peer2peer = true,
#ifdef IMPORTER_PINNED_NOTIFY
	.move_notify = importer_unexpected_move,
#endif
};

/* The DMA segments of @sgt that [start, end) touches. */
static u32 importer_region_nents(struct sg_table *sgt, u64 start, u64 end)
{
	struct scatterlist *sg;
	u64 cur = 0;
	unsigned int i;
	u32 n = 0;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (start < cur + sg_dma_len(sg) && cur < end)
			n++;
		cur += sg_dma_len(sg);
	}
	return n;
}

/*
 * ib_umem_dmabuf_get_pinned()'s steps, in its order: the region checked
 * against the buffer, a dynamic attachment, then under the reservation
 * lock pin, map and wait for the exporter's kernel fences.
 */
static int importer_attach_pinned(struct arena_importer_pin *p)
{
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	u64 start, end;
	long ret;

	if (held_buf)
		return -EBUSY;
	if (check_add_overflow(p->offset, p->length, &end) || !p->length)
		return -EINVAL;
	dmabuf = dma_buf_get(p->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = -EINVAL;
	if (dmabuf->size < end)
		goto put;
	held_attach = dma_buf_dynamic_attach(dmabuf, &importer_pdev->dev,
					     &importer_pinned_ops, NULL);
	if (IS_ERR(held_attach)) {
		ret = PTR_ERR(held_attach);
		goto put;
	}
	dma_resv_lock(dmabuf->resv, NULL);
	ret = dma_buf_pin(held_attach);
	if (ret)
		goto unlock;
	sgt = dma_buf_map_attachment(held_attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto unpin;
	}
	ret = dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_KERNEL, false,
				    MAX_SCHEDULE_TIMEOUT);
	if (ret <= 0) {
		if (!ret)
			ret = -ETIMEDOUT;
		dma_buf_unmap_attachment(held_attach, sgt, DMA_BIDIRECTIONAL);
		goto unpin;
	}
	dma_resv_unlock(dmabuf->resv);
	start = ALIGN_DOWN(p->offset, PAGE_SIZE);
	p->nents = importer_region_nents(sgt, start, ALIGN(end, PAGE_SIZE));
	held_buf = dmabuf;
	held_sgt = sgt;
	held_dir = DMA_BIDIRECTIONAL;
	held_pinned = true;
	return 0;
unpin:
	dma_buf_unpin(held_attach);
unlock:
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, held_attach);
put:
	dma_buf_put(dmabuf);
	return ret;
}

/*
 * The device's view of [offset, offset + len) of the held buffer, as it
 * reads and writes it: at each DMA segment's own address (a bounce buffer
 * under swiotlb=force).  @fn is called for each part in a segment.
 */
static int importer_device_walk(u64 offset, u64 len, void (*fn)(u8 *at, u64 n, void *arg),
				void *arg)
{
	struct scatterlist *sg;
	u64 pos = 0, lo, hi;
	unsigned int i;

	if (!held_buf || offset >= held_buf->size || len > held_buf->size - offset)
		return -EINVAL;
	for_each_sgtable_dma_sg(held_sgt, sg, i) {
		lo = max(offset, pos);
		hi = min(offset + len, pos + sg_dma_len(sg));
		if (lo < hi)
			fn((u8 *)phys_to_virt(dma_to_phys(&importer_pdev->dev,
							  sg_dma_address(sg))) + lo - pos,
			   hi - lo, arg);
		pos += sg_dma_len(sg);
	}
	return 0;
}

static void device_fill(u8 *at, u64 n, void *value)
{
	memset(at, *(u32 *)value, n);
}

static void device_peek(u8 *at, u64 n, void *value)
{
	*(u32 *)value = *at;
}

static long importer_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct arena_importer_attach at;
	struct arena_importer_check c;
	struct arena_importer_pin pin;
	struct arena_importer_dev d;
	int ret = 0, fd;

	switch (cmd) {
	case ARENA_IMPORTER_CHECK:
		if (copy_from_user(&c, uarg, sizeof(c)))
			return -EFAULT;
		ret = importer_check(&c);
		if (ret)
			return ret;
		return copy_to_user(uarg, &c, sizeof(c)) ? -EFAULT : 0;
	case ARENA_IMPORTER_ATTACH:
		if (get_user(fd, (int __user *)uarg))
			return -EFAULT;
		mutex_lock(&importer_lock);
		ret = importer_attach(fd, DMA_BIDIRECTIONAL);
		mutex_unlock(&importer_lock);
		return ret;
	case ARENA_IMPORTER_ATTACH_DIR:
		if (copy_from_user(&at, uarg, sizeof(at)))
			return -EFAULT;
		mutex_lock(&importer_lock);
		ret = importer_attach(at.fd, at.dir);
		mutex_unlock(&importer_lock);
		return ret;
	case ARENA_IMPORTER_ATTACH_PINNED:
		if (copy_from_user(&pin, uarg, sizeof(pin)))
			return -EFAULT;
		mutex_lock(&importer_lock);
		ret = importer_attach_pinned(&pin);
		mutex_unlock(&importer_lock);
		if (!ret && copy_to_user(uarg, &pin, sizeof(pin))) {
			mutex_lock(&importer_lock);
			importer_release_held();
			mutex_unlock(&importer_lock);
			ret = -EFAULT;
		}
		return ret;
	case ARENA_IMPORTER_DEVICE_WRITE:
	case ARENA_IMPORTER_DEVICE_READ:
		if (copy_from_user(&d, uarg, sizeof(d)))
			return -EFAULT;
		mutex_lock(&importer_lock);
		if (cmd == ARENA_IMPORTER_DEVICE_WRITE)
			ret = importer_device_walk(d.offset, d.length, device_fill, &d.value);
		else
			ret = importer_device_walk(d.offset, 1, device_peek, &d.value);
		mutex_unlock(&importer_lock);
		if (!ret && cmd == ARENA_IMPORTER_DEVICE_READ && copy_to_user(uarg, &d, sizeof(d)))
			ret = -EFAULT;
		return ret;
	case ARENA_IMPORTER_DETACH:
		mutex_lock(&importer_lock);
		importer_release_held();
		mutex_unlock(&importer_lock);
		return 0;
	}
	return -ENOTTY;
}

/* A test that dies mid-way leaves nothing attached. */
static int importer_release(struct inode *inode, struct file *file)
{
	mutex_lock(&importer_lock);
	importer_release_held();
	mutex_unlock(&importer_lock);
	return 0;
}

static const struct file_operations importer_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= importer_ioctl,
	.release	= importer_release,
};

static struct miscdevice importer_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "arena_importer",
	.fops		= &importer_fops,
	.mode		= 0600,
};

static int __init importer_init(void)
{
	int ret;

	importer_pdev = platform_device_register_simple("arena_importer", -1, NULL, 0);
	if (IS_ERR(importer_pdev))
		return PTR_ERR(importer_pdev);
	ret = dma_coerce_mask_and_coherent(&importer_pdev->dev, DMA_BIT_MASK(64));
	/*
	 * A device that takes segments of any length, as the checks above
	 * (one run per export) assume; without it the DMA API's default is
	 * 64 KiB, which DMA_API_DEBUG enforces.
	 */
	dma_set_max_seg_size(&importer_pdev->dev, UINT_MAX);
	if (!ret)
		ret = misc_register(&importer_misc);
	if (ret)
		platform_device_unregister(importer_pdev);
	return ret;
}

static void __exit importer_exit(void)
{
	misc_deregister(&importer_misc);
	importer_release_held();
	platform_device_unregister(importer_pdev);
}

module_init(importer_init);
module_exit(importer_exit);

MODULE_DESCRIPTION("Test-only dma-buf importer for the arena selftests");
MODULE_LICENSE("GPL");
