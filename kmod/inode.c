// SPDX-License-Identifier: GPL-2.0
/*
 * The pseudo filesystem that mappings' inodes come from, marked DAX: one
 * anonymous inode per open /dev/arena file (see struct arena_file), and
 * one file per dma-buf export for its mappings (arena_map_file()).
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "map.h"

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

/**
 * arena_map_file() - a file of its own for mappings to belong to
 * @fops: its operations, owned by this module; ->mmap maps it again (for
 *	remap_file_pages()), ->release frees @priv
 * @priv: its private_data
 * @flags: the O_ACCMODE it is opened with, which bounds what its mappings
 *	may become (VM_MAYWRITE)
 *
 * Its inode is DAX, so that 6.1's mm calls ->huge_fault for its VMAs, and a
 * character device's, so that the mm does not take it for fsdax and refuse
 * long-term pins of it.
 *
 * Return: the file, with one reference, or an ERR_PTR (@priv is then still
 * the caller's).
 */
struct file *arena_map_file(const struct file_operations *fops, void *priv,
			    unsigned int flags)
{
	struct inode *inode = arena_alloc_inode();
	struct file *file;

	if (IS_ERR(inode))
		return ERR_CAST(inode);
	inode->i_mode = S_IFCHR | 0600;
	/*
	 * The final fput() puts the reference of the file's f_op owner, which
	 * alloc_file_pseudo() does not take (anon_inode_getfile() takes it
	 * the same way).  We run in the module, so it cannot be going.
	 */
	__module_get(fops->owner);
	file = alloc_file_pseudo(inode, arena_mnt, "arena-export", flags & O_ACCMODE, fops);
	if (IS_ERR(file)) {
		module_put(fops->owner);
		iput(inode);
		return file;
	}
	file->private_data = priv;
	return file;
}
