/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file layer: an open /dev/arena or named arena node, its handles, its
 * ioctls, what its mmap offsets mean, and the info it reports.
 */
#ifndef ARENA_FILE_H
#define ARENA_FILE_H

#include <linux/fs.h>
#include <linux/mm.h>		/* before huge_mm.h on 6.1 */
#include <linux/huge_mm.h>	/* ARENA_FILE_FOPS: thp_get_unmapped_area() */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/xarray.h>

#include "map.h"

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

static inline u64 arena_handle_cookie(u32 handle)
{
	return (u64)handle << ARENA_COOKIE_SHIFT;
}

/* What an open /dev/arena file is. */
struct arena_file {
	struct mutex lock;		/* protects binding arena */
	struct arena *arena;		/* NULL until first used; read lock-free */
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

/* inode.c */
int arena_inode_init(void);
void arena_inode_exit(void);
struct inode *arena_alloc_inode(void);

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
