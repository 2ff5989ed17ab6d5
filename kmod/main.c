// SPDX-License-Identifier: GPL-2.0
/*
 * arena: huge-page-backed, physically contiguous memory for userspace
 * through /dev/arena.
 *
 * This file registers the character device; the arenas, grants and mappings
 * behind it are described in Documentation/design.rst.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

static int arena_open(struct inode *inode, struct file *file)
{
	return 0;
}

static int arena_release(struct inode *inode, struct file *file)
{
	return 0;
}

static const struct file_operations arena_fops = {
	.owner		= THIS_MODULE,
	.open		= arena_open,
	.release	= arena_release,
	.llseek		= noop_llseek,
};

static struct miscdevice arena_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "arena",
	.fops		= &arena_fops,
	.mode		= 0600,
};

static int __init arena_init(void)
{
	return misc_register(&arena_misc);
}

static void __exit arena_exit(void)
{
	misc_deregister(&arena_misc);
}

module_init(arena_init);
module_exit(arena_exit);

MODULE_DESCRIPTION("Huge-page-backed, physically contiguous memory arenas");
MODULE_AUTHOR("The arena developers");
MODULE_LICENSE("GPL");
