// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas as dma-buf heaps: the default arena as /dev/dma_heap/arena and
 * named arenas made with ARENA_A_DMA_HEAP as /dev/dma_heap/arena-<name>.
 *
 * Modules may add heaps from 6.16 on (dma_heap_add(), namespace
 * DMA_BUF_HEAP), but never remove one: there is no dma_heap_remove(), and
 * the core keeps a pointer to the heap's name and refuses a second heap of
 * it.  So arena.ko, which must stay unloadable, adds none: its companion
 * arena_heap.ko (kmod/heap/) does, a module without an exit, which once
 * loaded keeps itself and arena.ko, whose symbols it uses, until reboot.
 * It hands over its way of adding a heap (arena_heap_provide()); each heap
 * allocates through arena_heap_alloc(), which finds its arena by name
 * every time, so that a heap outlives a removed named arena (allocations
 * fail with ENODEV) and serves one made again under the name.
 *
 * An allocation is checked against the arena's own owner, group and mode,
 * as opening its node would be, whatever mode the heap's node has: the
 * core makes it root's, 0600, and a udev rule widening the nodes in
 * /dev/dma_heap must not widen who may use an arena.
 */

#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/netlink.h>

#include "../arena_heap.h"
#include "ctl.h"

#ifdef ARENA_HAVE_DMA_HEAP

/*
 * Set once by arena_heap.ko, which cannot be unloaded, and read without a
 * lock: what the function reaches is the companion's, ready before its
 * init calls arena_heap_provide(), and guarded by the companion's lock.
 */
static int (*arena_heap_add)(const char *arena_name);

/**
 * arena_heap_provide() - arena_heap.ko's way of adding a heap
 * @add: adds the heap of an arena's name; its module must never go
 */
void arena_heap_provide(int (*add)(const char *arena_name))
{
	WRITE_ONCE(arena_heap_add, add);
}
EXPORT_SYMBOL_NS_GPL(arena_heap_provide, "ARENA");

/**
 * arena_heap_alloc() - a dma-buf heap's allocation: one grant, exported
 * @arena_name: the heap's arena, "" for the default arena
 * @len: bytes, a page multiple (the dma-heap core aligns it)
 * @fd_flags: O_CLOEXEC and the buffer's O_ACCMODE
 *
 * Context: the allocating process, whose limits and charges apply as they
 * do to ARENA_IOC_ALLOC.
 *
 * Return: the dma-buf, holding the grant, or ERR_PTR(): -ENODEV (see
 * arena_named_heap_arena()), -EACCES, or what allocating the grant and
 * arena_export_dmabuf() return.
 */
struct dma_buf *arena_heap_alloc(const char *arena_name, unsigned long len, u32 fd_flags)
{
	int want = ((fd_flags & O_ACCMODE) != O_WRONLY ? MAY_READ : 0) |
		   ((fd_flags & O_ACCMODE) != O_RDONLY ? MAY_WRITE : 0);
	struct arena_grant *grant;
	struct dma_buf *dmabuf;
	struct arena *arena;
	int ret;

	if (*arena_name) {
		arena = arena_named_heap_arena(arena_name, want);
		if (IS_ERR(arena))
			return ERR_CAST(arena);
	} else {
		/* It lives as long as the module, which the companion holds. */
		arena = arena_default;
		if (!arena)			/* default_size=0 */
			return ERR_PTR(-ENODEV);
		ret = arena_may_use(arena, want);
		if (ret)
			return ERR_PTR(ret);
		arena_get(arena);
	}
	ret = arena_grant_alloc_wait(arena, len, false, 0, &grant);
	if (ret) {
		dmabuf = ERR_PTR(ret);
	} else {
		dmabuf = arena_export_dmabuf(grant, 0, len, fd_flags);
		arena_grant_put(grant);
	}
	arena_put(arena);
	return dmabuf;
}
EXPORT_SYMBOL_NS_GPL(arena_heap_alloc, "ARENA");

/**
 * arena_heap_ready() - whether arenas can be served as heaps now
 * @extack: receives the reason if not
 *
 * Loads arena_heap.ko if it is not loaded yet.
 *
 * Return: 0, or -EOPNOTSUPP.
 */
int arena_heap_ready(struct netlink_ext_ack *extack)
{
	if (!READ_ONCE(arena_heap_add))
		request_module("arena_heap");
	if (READ_ONCE(arena_heap_add))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "arena_heap.ko is not loaded: load it first (it cannot be unloaded, and keeps arena.ko until reboot)");
	return -EOPNOTSUPP;
}

/**
 * arena_heap_expose() - serve the named arena @name as a dma-buf heap
 * @name: its name
 * @extack: receives the reason for a failure
 *
 * Return: 0 (also if its heap exists from an arena of that name before),
 * -EOPNOTSUPP, or what dma_heap_add() returns (-EEXIST: a heap of that
 * name that is not arena_heap.ko's).
 */
int arena_heap_expose(const char *name, struct netlink_ext_ack *extack)
{
	int ret = arena_heap_ready(extack);

	if (ret)
		return ret;
	ret = READ_ONCE(arena_heap_add)(name);
	if (ret)
		NL_SET_ERR_MSG(extack,
			       "cannot add its dma-buf heap (is arena-<name> another heap's?)");
	return ret;
}

#else /* !ARENA_HAVE_DMA_HEAP */

int arena_heap_ready(struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack,
		       "this kernel takes no dma-buf heap from a module (dma_heap_add() is exported from 6.16)");
	return -EOPNOTSUPP;
}

int arena_heap_expose(const char *name, struct netlink_ext_ack *extack)
{
	return arena_heap_ready(extack);
}

#endif /* ARENA_HAVE_DMA_HEAP */
