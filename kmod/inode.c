// SPDX-License-Identifier: GPL-2.0
/*
 * The pseudo filesystem that arena files' mapping inodes come from: one
 * anonymous inode per open file, marked DAX (see struct arena_file), and
 * one file per dma-buf export for its mappings (arena_map_file()).
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "file.h"

#define ARENA_FS_MAGIC	0x6172656e	/* "aren" */

static struct vfsmount *arena_mnt;

static int arena_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, ARENA_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type arena_fs_type = {
	.name			= "arena",
	.init_fs_context	= arena_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

int arena_inode_init(void)
{
	arena_mnt = kern_mount(&arena_fs_type);
	return PTR_ERR_OR_ZERO(arena_mnt);
}

void arena_inode_exit(void)
{
	kern_unmount(arena_mnt);
}

/* An inode for a file's mappings to hang off, marked DAX. */
struct inode *arena_alloc_inode(void)
{
	struct inode *inode = alloc_anon_inode(arena_mnt->mnt_sb);

	if (!IS_ERR(inode))
		inode->i_flags |= S_DAX;
	return inode;
}

static const struct file_operations arena_map_fops = {
	.owner		= THIS_MODULE,
};

/*
 * A file for the mappings of a dma-buf export, with one reference, or an
 * ERR_PTR.  The dma-buf core maps an export through the dma-buf's own file, whose
 * inode is not DAX, and the 6.1 mm calls ->huge_fault only for DAX VMAs:
 * the export's ->mmap moves its VMAs to this file (vma_set_file(), as
 * dma_buf_mmap() does for importers), whose inode is DAX and a character
 * device's, so that the mm does not take it for fsdax and refuse
 * long-term pins of it either.
 */
struct file *arena_map_file(void)
{
	struct inode *inode = arena_alloc_inode();
	struct file *file;

	if (IS_ERR(inode))
		return ERR_CAST(inode);
	inode->i_mode = S_IFCHR | 0600;
	/*
	 * The file holds the module, as its mappings run our vm_ops: the
	 * final fput() puts the reference of its f_op's owner, which
	 * alloc_file_pseudo() does not take (anon_inode_getfile() takes it
	 * the same way).  We run in the module, so it cannot be going.
	 */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, arena_mnt, "arena-dmabuf", O_RDWR, &arena_map_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
	}
	return file;
}
