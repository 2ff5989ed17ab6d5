/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arena.ko internals: the layers, what holds what, and the arena layer.
 *
 * Layers, each calling only itself and those below it (kmod/Kbuild lists
 * the objects in this order; the static lane's layer check fails a call
 * upward):
 *
 *   main        module init: parameters of the default arena, the device
 *   ctl/        control plane: named arenas, netlink, events, dma-buf heaps
 *   file        the /dev/arena file, its handles, ioctls, mmap cookies, info
 *   map         DAX inodes (inode.c), mappings (mmap.c) and dma-bufs
 *               (dmabuf.c) of grants
 *   grant       grant lifetime: allocation, zeroing, pins, user charges
 *   arena       the registry, the low/full watch, backing chunks (this header)
 *   core/       the allocator core: offsets only, also built natively
 *
 * News travels upward through the registry's notifier (arena_notify()),
 * never by a call: an allocation that finds no space does not know that
 * netlink exists.
 *
 * Lifetimes (every arrow is a counted reference):
 *
 *   struct arena_file (an open /dev/arena) --> struct arena
 *   handle in arena_file.handles ------------> struct arena_grant --> arena
 *   struct arena_vma (one per VMA) ----------> grant (grant mapping)
 *                                         or --> arena (whole-arena mapping)
 *
 *   struct arena_dmabuf (an export) ------> grant
 *                                    and --> its map file --> grant
 *
 * A grant's memory goes back to the allocator, zeroed, only when its last
 * reference drops and no get_user_pages() reference (O_DIRECT in flight, an
 * io_uring registration) holds one of its chunks; the arena's chunks go
 * back to the page allocator only when the arena's last reference drops.
 * VMAs hold their struct file, and grants waiting for pins hold the module,
 * so the module cannot be unloaded under either.
 *
 * Lock order: a grant's exports_lock, then an export's lock (dmabuf.c);
 * named_lock (ctl/named.c) is held across arena_create() and the last
 * arena_put() of a named arena, so the notifier's callbacks run under it
 * and must not take it.  No other lock nests.
 */
#ifndef ARENA_H
#define ARENA_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/arena.h>

#include "core/core.h"

struct netlink_ext_ack;
struct notifier_block;
struct page;

/* The low/full watch's state (watch.c): events are news, rate-limited. */
struct arena_watch {
	unsigned long next_full_event;	/* jiffies */
	unsigned long next_low_check;
	unsigned long low_quiet_until;
	atomic_t low;			/* under the low-space watermark */
};

/* Counters the layers above keep, for info and netlink. */
struct arena_counters {
	atomic64_t pmd_faults;		/* mmap.c */
	atomic64_t pte_faults;		/* mmap.c */
	atomic64_t live_grants;		/* grant.c */
	atomic64_t exported_grants;	/* dmabuf.c */
};

struct arena {
	struct kref ref;

	/* What it is: set before it is registered, never changed after. */
	u32 id;				/* registry.c: from 1; 0 while unregistered */
	u32 kind;			/* ARENA_KIND_* */
	char name[ARENA_NAME_MAX];	/* named arenas */
	struct {			/* who may open the node (ctl/named.c) */
		kuid_t uid;		/* reported by netlink for named arenas */
		kgid_t gid;
		umode_t mode;
	} perm;
	kuid_t owner;			/* who made it */
	pid_t owner_pid;
	atomic_t holders;		/* files bound to it (file.c) */

	/* How it was asked for. */
	u32 mode;			/* ARENA_MODE_* */
	u32 flags;			/* ARENA_CREATE_* */
	/*
	 * Its holders are one trust domain (private arenas, named arenas made
	 * so): the whole arena may be mapped.  Otherwise (the default arena,
	 * other named arenas) each holder sees only its own grants, which
	 * are whole zeroed pages charged to the holder's RLIMIT_MEMLOCK.
	 */
	bool one_domain;
	bool dma_heap;			/* named: served as a dma-buf heap (ctl/heap.c) */
	bool page_grants;		/* a grant of whole pages starts on a page */
	u64 slot_size, slot_count, align;	/* FIXED geometry, as made */
	u64 min_block, max_block;		/* BUDDY geometry, as made */

	/* Its memory, and the allocator over it (chosen once, when made). */
	int node;
	unsigned int chunk_order;
	unsigned int chunk_shift;	/* PAGE_SHIFT + chunk_order */
	unsigned int nr_chunks;
	u64 size;			/* nr_chunks << chunk_shift */
	u64 charged;			/* against max_memory: size and metadata */
	struct page **chunks;		/* compound pages of chunk_order */
	const struct arena_core_ops *ops;
	void *core;			/* struct arena_slots or arena_buddy */

	/* Grant lifetime (grant.c). */
	wait_queue_head_t wait;		/* woken whenever memory comes back */
	atomic64_t returns;		/* memory-back events, for waiters */
	spinlock_t dirty_lock;		/* protects dirty */
	struct list_head dirty;		/* released grants awaiting zeroing */
	atomic_t zeroing;		/* grants on dirty or being zeroed */
	struct work_struct zero_work;
	spinlock_t pinned_lock;		/* protects pinned */
	struct list_head pinned;	/* released grants whose chunk is pinned */
	struct delayed_work pin_work;	/* rechecks them */

	/* Mappings (mmap.c). */
	spinlock_t vmas_lock;		/* protects vmas */
	struct list_head vmas;		/* struct arena_vma of live mappings */

	struct arena_watch watch;
	struct arena_counters stats;
};

/* backing.c: backing chunks, the allocator, the memory cap */
int arena_backing_init(void);
void arena_backing_exit(void);
struct arena *arena_new(const struct arena_create *c, u32 kind, bool one_domain,
			struct netlink_ext_ack *extack);
void arena_get(struct arena *arena);
void arena_put(struct arena *arena);
struct page *arena_page(struct arena *arena, u64 offset);

static inline u64 arena_chunk_size(const struct arena *arena)
{
	return 1ULL << arena->chunk_shift;
}

/* The largest grant the arena could ever make: a slot, or all of it. */
static inline u64 arena_max_grant(const struct arena *arena)
{
	return arena->mode == ARENA_MODE_FIXED ? arena->slot_size : arena->size;
}

/*
 * Whether a physically contiguous grant of @size could ever be made: one
 * chunk is the largest contiguous unit (spans are contiguous only where
 * their chunks happen to be).  -ERANGE if not, 0 otherwise, also for a
 * size no grant could have (the allocator says -EFBIG for it).
 */
static inline int arena_contig_check(const struct arena *arena, u64 size)
{
	return size > arena_chunk_size(arena) && size <= arena_max_grant(arena) ?
	       -ERANGE : 0;
}

/* registry.c: ids, lookups and the notifier */
int arena_register(struct arena *arena);
void arena_unregister(struct arena *arena);
struct arena *arena_find(u32 id);
struct arena *arena_next(unsigned long *id);
int arena_generation(void);
int arena_register_notifier(struct notifier_block *nb);
void arena_unregister_notifier(struct notifier_block *nb);
void arena_notify(struct arena *arena, enum arena_event_kind event);

/* watch.c: when an allocation's outcome is news */
void arena_note_full(struct arena *arena);
void arena_note_granted(struct arena *arena);

#endif /* ARENA_H */
