// SPDX-License-Identifier: GPL-2.0
/*
 * The pseudo filesystem that arena files' mapping inodes come from: one
 * anonymous inode per open file, marked DAX (see struct arena_file).
 */

#include <linux/fs.h>
#include <linux/fs_context.h>
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
