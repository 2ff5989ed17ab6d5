/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mapping layer: the DAX inodes mappings hang off (inode.c), grants
 * and whole arenas mapped into processes (mmap.c), and grants exported as
 * dma-bufs (dmabuf.c).  It knows VMAs and dma-bufs, never the file a
 * mapping came from or what its offset meant.
 */
#ifndef ARENA_MAP_H
#define ARENA_MAP_H

#include "grant.h"

struct dma_buf;

/*
 * One per VMA, so that fork, split and mremap copies are counted apart.  A
 * VMA maps [start, start + size) of the arena's address space, the first
 * byte at page offset pgoff; the range may span many chunks.
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

/* inode.c */
int arena_inode_init(void);
void arena_inode_exit(void);
struct inode *arena_alloc_inode(void);
struct file *arena_map_file(const struct file_operations *fops, void *priv,
			    unsigned int flags);

/* mmap.c */
int arena_map_grant(struct vm_area_struct *vma, struct arena_grant *grant,
		    u64 start, u64 size, pgoff_t pgoff, bool prefault);
int arena_map_whole(struct vm_area_struct *vma, struct arena *arena, pgoff_t pgoff);
u64 arena_bytes_mapped(struct arena *arena);

/* dmabuf.c */
struct dma_buf *arena_export_dmabuf(struct arena_grant *grant, u64 offset, u64 length,
				    u32 flags);
int arena_export(struct arena_grant *grant, u64 offset, u64 length, u32 flags);
int arena_sync_range(struct arena_grant *grant, u64 offset, u64 length, u32 flags);

#endif /* ARENA_MAP_H */
