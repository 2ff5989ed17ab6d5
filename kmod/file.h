/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file layer: an open /dev/arena or named arena node, its handles, its
 * ioctls, what its mmap offsets mean, and the info it reports.
 */
#ifndef ARENA_FILE_H
#define ARENA_FILE_H

#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>		/* before huge_mm.h on 6.1 */
#include <linux/huge_mm.h>	/* ARENA_FILE_FOPS: thp_get_unmapped_area() */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/xarray.h>

#include "map.h"

/*
 * mmap offsets are cookies: (n << shift) + an offset below 1 << shift, with
 * shift = arena_cookie_shift() of the file's arena.  n = 0 is an implicit
 * grant of the mapping's length (from the default arena on a fresh file;
 * offset 0 only), 1 the whole arena, 2 an implicit physically contiguous
 * grant (offset 0 only), and n >= ARENA_FIRST_HANDLE the grant of handle n.
 * The shift is 32 for arenas up to 4 GiB, the layout of every release
 * before big grants, and otherwise the arena's size rounded up to a power
 * of two, so that every byte of every grant and of the whole arena has a
 * cookie; handles stop where a cookie would pass 2^64.  Cookies are
 * multiples of PMD_SIZE, so that thp_get_unmapped_area() aligns mappings.
 */
#define ARENA_COOKIE_SHIFT_MIN	32
#define ARENA_WHOLE_N		1
#define ARENA_CONTIG_N		2
#define ARENA_FIRST_HANDLE	3
#define ARENA_MAX_HANDLE	INT_MAX

static inline unsigned int arena_cookie_shift(const struct arena *arena)
{
	return max_t(unsigned int, ARENA_COOKIE_SHIFT_MIN, order_base_2(arena->size));
}

static inline u64 arena_cookie(const struct arena *arena, u64 n)
{
	return n << arena_cookie_shift(arena);
}

/* The largest handle whose cookie, plus any offset in the arena, fits. */
static inline u32 arena_max_handle(const struct arena *arena)
{
	return min_t(u64, ARENA_MAX_HANDLE, (1ULL << (64 - arena_cookie_shift(arena))) - 1);
}

/* What an open /dev/arena file is. */
struct arena_file {
	struct mutex lock;		/* protects binding arena */
	struct arena *arena;		/* NULL until first used; read lock-free */
	struct xarray handles;		/* handle -> struct arena_grant */
	u32 next_handle;		/* handles cycle, so stale cookies rarely alias */
	u32 reserved;			/* the next handle's slot, held (0: none) */
	/*
	 * The file's f_mapping, set at open and never changed (mmap_region()
	 * brackets ->mmap with mapping_{,un}map_writable(f_mapping)).  Its
	 * inode is marked S_DAX, which is what makes the 6.1 mm call
	 * ->huge_fault for a VM_MIXEDMAP mapping and thp_get_unmapped_area()
	 * align it.
	 */
	struct inode *inode;
};

/* file.c */
extern struct arena *arena_default;
extern const struct file_operations arena_fops;
int arena_file_open(struct file *file, struct arena *arena);
int arena_file_release(struct inode *inode, struct file *file);
int arena_file_bind(struct file *file, struct arena *arena);
struct arena *arena_file_arena(struct file *file, bool bind_default);
__poll_t arena_file_poll(struct file *file, poll_table *wait);

/* handles.c */
int arena_add_handle(struct file *file, struct arena_grant *grant, u32 *handle);
struct arena_grant *arena_take_handle(struct file *file, u64 handle);
void arena_drop_handle(struct file *file, u32 handle, struct arena_grant *grant);
struct arena_grant *arena_file_grant(struct file *file, u64 handle);

/* file_mmap.c */
int arena_file_mmap(struct file *file, struct vm_area_struct *vma);

/* ioctl.c */
long arena_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* info.c */
void arena_fill_info(struct arena *arena, struct arena_info *info);
u32 arena_fragmentation(const struct arena_info *info);
u32 arena_span_fragmentation(const struct arena_info *info);

/*
 * The file operations of /dev/arena and of named arenas' nodes, which
 * differ in ->open only: each owner defines its own with its open.
 */
#define ARENA_FILE_FOPS(open_fn)					\
	.owner			= THIS_MODULE,				\
	.open			= open_fn,				\
	.release		= arena_file_release,			\
	.unlocked_ioctl		= arena_ioctl,				\
	.compat_ioctl		= compat_ptr_ioctl,			\
	.mmap			= arena_file_mmap,			\
	.get_unmapped_area	= thp_get_unmapped_area,		\
	.poll			= arena_file_poll,			\
	.fsync			= noop_fsync,				\
	.llseek			= noop_llseek

#endif /* ARENA_FILE_H */
