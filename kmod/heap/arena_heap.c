// SPDX-License-Identifier: GPL-2.0
/*
 * arena_heap.ko: arenas as dma-buf heaps, for every dma-heap client
 * (libcamera, GStreamer, Android's allocator, the kernel's selftest).
 * With default_arena=1 the default arena is /dev/dma_heap/arena; a named
 * arena made with ARENA_A_DMA_HEAP is /dev/dma_heap/arena-<name>.
 *
 * A dma-buf heap can never be removed, so this module has no exit: once
 * loaded it stays, and arena.ko with it, until reboot.  A heap never
 * leaves, but its arena may: arena.ko finds the arena by name at each
 * allocation and checks the caller against it (kmod/ctl/heap.c).
 */

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "../arena_heap.h"
#include <linux/arena.h>

MODULE_IMPORT_NS("DMA_BUF_HEAP");
MODULE_IMPORT_NS("ARENA");

static bool default_arena;
module_param(default_arena, bool, 0444);
MODULE_PARM_DESC(default_arena, "Serve the default arena as /dev/dma_heap/arena (default N)");

/* One per heap added; never freed, as the heap is never removed. */
struct arena_heap {
	struct list_head node;		/* on arena_heaps */
	char arena_name[ARENA_NAME_MAX];	/* "" for the default arena */
	char heap_name[ARENA_NAME_MAX + sizeof("arena-")];
};

static DEFINE_MUTEX(arena_heaps_lock);	/* protects arena_heaps */
static LIST_HEAD(arena_heaps);

static struct dma_buf *arena_heap_allocate(struct dma_heap *heap, unsigned long len,
					   u32 fd_flags, u64 heap_flags)
{
	struct arena_heap *h = dma_heap_get_drvdata(heap);

	return arena_heap_alloc(h->arena_name, len, fd_flags);
}

static const struct dma_heap_ops arena_heap_ops = {
	.allocate	= arena_heap_allocate,
};

static int arena_heap_add_one(const char *arena_name)
{
	struct dma_heap_export_info info = { .ops = &arena_heap_ops };
	struct dma_heap *heap;
	struct arena_heap *h;
	int ret = 0;

	mutex_lock(&arena_heaps_lock);
	list_for_each_entry(h, &arena_heaps, node)
		if (!strcmp(h->arena_name, arena_name))
			goto unlock;
	ret = -ENOMEM;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		goto unlock;
	strscpy(h->arena_name, arena_name, sizeof(h->arena_name));
	snprintf(h->heap_name, sizeof(h->heap_name), "arena%s%s", *arena_name ? "-" : "",
		 arena_name);
	info.name = h->heap_name;
	info.priv = h;
	heap = dma_heap_add(&info);
	if (IS_ERR(heap)) {
		ret = PTR_ERR(heap);
		kfree(h);
		goto unlock;
	}
	list_add(&h->node, &arena_heaps);
	ret = 0;
unlock:
	mutex_unlock(&arena_heaps_lock);
	return ret;
}

/* Nothing may fail after a heap is added: its ops would outlive us. */
static int __init arena_heap_init(void)
{
	int ret = default_arena ? arena_heap_add_one("") : 0;

	if (ret)
		return ret;
	arena_heap_provide(arena_heap_add_one);
	return 0;
}
module_init(arena_heap_init);

MODULE_DESCRIPTION("arena: arenas as dma-buf heaps (cannot be unloaded)");
MODULE_LICENSE("GPL");
