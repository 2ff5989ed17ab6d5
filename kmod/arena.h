/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arena.ko internals: arenas, grants, files and mappings.
 *
 * Lifetimes (every arrow is a counted reference):
 *
 *   struct arena_file (an open /dev/arena) --> struct arena
 *   handle in arena_file.handles ------------> struct arena_grant --> arena
 *   struct arena_vma (one per VMA) ----------> grant (grant mapping)
 *                                         or --> arena (whole-arena mapping)
 *
 *   struct arena_dmabuf (an export) ------> grant
 *
 * A grant's memory goes back to the allocator, zeroed, only when its last
 * reference drops and no get_user_pages() reference (O_DIRECT in flight, an
 * io_uring registration) holds its chunk; the arena's chunks go back to the
 * page allocator only when the arena's last reference drops.  VMAs hold
 * their struct file, and grants waiting for pins hold the module, so the
 * module cannot be unloaded under either.
 */
#ifndef ARENA_H
#define ARENA_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/arena.h>

#include "buddy.h"
#include "slots.h"

struct netlink_ext_ack;

/*
 * mmap offsets are cookies: 0 on a fresh file is an implicit grant from the
 * default arena, ARENA_WHOLE_COOKIE maps the whole arena, and a grant's
 * cookie is its handle << ARENA_COOKIE_SHIFT.  The spacing leaves room for
 * any mapping offset within a grant; the cookies are multiples of PMD_SIZE,
 * so that thp_get_unmapped_area() aligns huge mappings.
 */
#define ARENA_COOKIE_SHIFT	32
#define ARENA_WHOLE_COOKIE	BIT_ULL(ARENA_COOKIE_SHIFT)
#define ARENA_WHOLE_SPAN	ARENA_WHOLE_COOKIE	/* bytes it addresses */
#define ARENA_FIRST_HANDLE	2
#define ARENA_MAX_HANDLE	INT_MAX

struct arena_named;

struct arena {
	struct kref ref;
	u32 id;				/* in the registry, for netlink */
	u32 kind;			/* ARENA_KIND_* */
	char name[ARENA_NAME_MAX];	/* named arenas */
	struct arena_named *named;	/* named arenas: their device */
	kuid_t dev_uid;			/* named arenas: their node's owner, */
	kgid_t dev_gid;			/* group and permission bits */
	umode_t dev_mode;
	kuid_t owner;			/* who made it */
	pid_t owner_pid;
	atomic_t holders;		/* files bound to it */
	unsigned long next_full_event;	/* jiffies: events are rate-limited */
	unsigned long next_low_check;
	unsigned long low_quiet_until;
	atomic_t low;			/* under the low-space watermark */
	u32 mode;			/* ARENA_MODE_* */
	u32 flags;			/* ARENA_CREATE_* */
	/*
	 * Its holders are one trust domain (private arenas, named arenas made
	 * so): the whole arena may be mapped.  Otherwise (the default arena,
	 * other named arenas) each holder sees only its own grants, which
	 * are whole zeroed pages charged to the holder's RLIMIT_MEMLOCK.
	 */
	bool one_domain;
	int node;
	unsigned int chunk_order;
	unsigned int chunk_shift;	/* PAGE_SHIFT + chunk_order */
	unsigned int nr_chunks;
	u64 size;			/* nr_chunks << chunk_shift */
	u64 charged;			/* against max_memory: size and metadata */
	struct page **chunks;		/* compound pages of chunk_order */
	union {
		struct arena_slots slots;	/* ARENA_MODE_FIXED */
		struct arena_buddy buddy;	/* ARENA_MODE_BUDDY */
	};
	u64 slot_size, slot_count, align;	/* FIXED geometry, as made */
	u64 min_block, max_block;		/* BUDDY geometry, as made */

	wait_queue_head_t wait;		/* woken whenever memory comes back */
	atomic64_t returns;		/* memory-back events, for waiters */

	spinlock_t dirty_lock;		/* protects dirty */
	struct list_head dirty;		/* released grants awaiting zeroing */
	atomic_t zeroing;		/* grants on dirty or being zeroed */
	struct work_struct zero_work;

	spinlock_t pinned_lock;		/* protects pinned */
	struct list_head pinned;	/* released grants whose chunk is pinned */
	struct delayed_work pin_work;	/* rechecks them */

	spinlock_t vmas_lock;		/* protects vmas */
	struct list_head vmas;		/* struct arena_vma of live mappings */

	atomic64_t pmd_faults;
	atomic64_t pte_faults;
	atomic64_t live_grants;
	atomic64_t exported_grants;
};

struct arena_grant {
	struct kref ref;
	struct arena *arena;		/* counted */
	u64 offset;			/* in the arena's address space */
	u64 size;			/* slot or block size */
	u64 requested;			/* what the holder asked for */
	u64 capacity;			/* what the holder may use */
	u64 cookie;			/* mmap offset of its start */
	const struct cred *charged_cred; /* counted: whose user it is charged to */
	unsigned long locked_pages;	/* charged to that user's locked_vm */
	struct list_head node;		/* on arena->dirty or ->pinned once released */
	struct mutex exports_lock;	/* protects exports */
	struct list_head exports;	/* struct arena_dmabuf of live exports */
};

/* What an open /dev/arena file is. */
struct arena_file {
	struct mutex lock;		/* protects arena (binding) */
	struct arena *arena;		/* NULL until first used */
	struct xarray handles;		/* handle -> struct arena_grant */
	u32 next_handle;		/* handles cycle, so stale cookies rarely alias */
	/*
	 * The file's f_mapping, set at open and never changed (mmap_region()
	 * brackets ->mmap with mapping_{,un}map_writable(f_mapping)).  Its
	 * inode is marked S_DAX, which is what makes the 6.1 mm call
	 * ->huge_fault for a VM_MIXEDMAP mapping and thp_get_unmapped_area()
	 * align it.
	 */
	struct inode *inode;
};

/*
 * One per VMA, so that fork, split and mremap copies are counted apart.  A
 * VMA maps [start, start + size) of the arena's address space, the first
 * byte at page offset pgoff.
 */
struct arena_vma {
	struct list_head node;		/* on arena->vmas */
	struct vm_area_struct *vma;
	struct arena *arena;		/* counted for whole-arena mappings */
	struct arena_grant *grant;	/* counted; NULL: whole arena */
	u64 start;
	u64 size;
	pgoff_t pgoff;
};

/* Module state used across files. */
extern unsigned int arena_default_chunk_order;
extern u64 arena_max_memory;
extern ulong arena_zero_inline_max;	/* zeroed by the releaser up to this */
extern struct workqueue_struct *arena_wq;
extern const struct file_operations arena_fops;
extern const struct file_operations arena_named_fops;

/* arenas.c */
int arena_fs_init(void);
void arena_fs_exit(void);
struct inode *arena_alloc_inode(void);
struct arena *arena_create(const struct arena_create *c, u32 kind, bool one_domain,
			   struct netlink_ext_ack *extack);
int arena_register(struct arena *arena);
struct arena *arena_find(u32 id);
struct arena *arena_next(unsigned long *id);
int arena_generation(void);
void arena_note_full(struct arena *arena);
void arena_note_granted(struct arena *arena);
void arena_get(struct arena *arena);
void arena_put(struct arena *arena);
void arena_fill_info(struct arena *arena, struct arena_info *info);
u32 arena_fragmentation(const struct arena_info *info);
bool arena_has_space(struct arena *arena);
struct page *arena_page(struct arena *arena, u64 offset);

/* grant.c */
int arena_grants_alloc(struct arena *arena, u64 size, unsigned int n,
		       struct arena_grant **grants);
int arena_grant_alloc_wait(struct arena *arena, u64 size, bool wait,
			   u64 timeout_ns, struct arena_grant **grant);
void arena_grant_get(struct arena_grant *grant);
void arena_grant_put(struct arena_grant *grant);
void arena_zero_work(struct work_struct *work);
void arena_pin_work(struct work_struct *work);
struct arena_grant *arena_file_grant(struct file *file, u64 handle);

/* dmabuf.c */
int arena_export(struct arena_grant *grant, u64 offset, u64 length, u32 flags);
int arena_sync_range(struct arena_grant *grant, u64 offset, u64 length, u32 flags);

/* file.c */
int arena_file_open(struct file *file, struct arena *arena);
int arena_file_bind(struct file *file, struct arena *arena);
struct arena *arena_file_arena(struct file *file, bool bind_default);
extern struct arena *arena_default;

/* named.c */
int arena_named_init(void);
void arena_named_exit(void);
struct arena *arena_named_create(const struct arena_create *c, const char *name,
				 kuid_t uid, kgid_t gid, umode_t mode, bool one_domain,
				 struct netlink_ext_ack *extack);
int arena_named_delete(const char *name, u32 id, struct netlink_ext_ack *extack);
struct arena *arena_named_find(const char *name);
int arena_named_open(struct inode *inode, struct file *file);

/* netlink.c */
int arena_nl_init(void);
void arena_nl_exit(void);
void arena_nl_event(struct arena *arena, u32 event);

/* ioctl.c */
long arena_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* mmap.c */
int arena_mmap(struct file *file, struct vm_area_struct *vma);
void arena_vma_install(struct vm_area_struct *vma, struct arena_vma *av);
u64 arena_bytes_mapped(struct arena *arena);

#endif /* ARENA_H */
