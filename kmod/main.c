// SPDX-License-Identifier: GPL-2.0
/*
 * arena: huge-page-backed, physically contiguous memory for userspace
 * through /dev/arena.
 *
 * This file, the top layer, brings the layers up and down in order, and
 * holds the device and the default arena with their parameters; the other
 * parameters live with the code that reads them.  arena.h draws the
 * layers, Documentation/design.rst describes the whole, and the parameters
 * are documented in Documentation/admin-guide.rst.
 */

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/string.h>

#include "ctl/ctl.h"

static ulong default_size = 64UL << 20;
module_param(default_size, ulong, 0444);
MODULE_PARM_DESC(default_size,
		 "Bytes of the default arena, made at load (0: none; default 64 MiB)");

static char *default_mode = "buddy";
module_param(default_mode, charp, 0444);
MODULE_PARM_DESC(default_mode, "Default arena's mode: buddy or fixed (default buddy)");

static ulong default_slot_size = 2UL << 20;
module_param(default_slot_size, ulong, 0444);
MODULE_PARM_DESC(default_slot_size,
		 "Slot size of a fixed default arena, in bytes (default 2 MiB)");

static ulong default_min_block = 4096;
module_param(default_min_block, ulong, 0444);
MODULE_PARM_DESC(default_min_block,
		 "Smallest block of a buddy default arena, in bytes (default 4096)");

static int default_node = ARENA_NODE_LOCAL;
module_param(default_node, int, 0444);
MODULE_PARM_DESC(default_node,
		 "NUMA node of the default arena (-1: the loading CPU's, the default)");

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Mode of /dev/arena (default 0600)");

static struct miscdevice arena_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= ARENA_DEVICE_NAME,
	.fops		= &arena_fops,
};

static int __init arena_make_default(void)
{
	struct arena_create c = { .node = default_node };
	struct netlink_ext_ack extack = {};	/* only to log the reason */
	struct arena *arena;
	int ret;

	if (!default_size)
		return 0;
	if (!strcmp(default_mode, "buddy")) {
		c.mode = ARENA_MODE_BUDDY;
		c.size = default_size;
		c.min_block = default_min_block;
	} else if (!strcmp(default_mode, "fixed")) {
		c.mode = ARENA_MODE_FIXED;
		c.slot_size = default_slot_size;
		c.slot_count = default_slot_size ? default_size / default_slot_size : 0;
	} else {
		pr_err("default_mode must be buddy or fixed, not '%s'\n", default_mode);
		return -EINVAL;
	}
	arena = arena_create(&c, ARENA_KIND_DEFAULT, false, &extack);
	if (IS_ERR(arena)) {
		pr_err("cannot make the default arena of %lu bytes: %s (%ld)\n",
		       default_size, extack._msg ?: "error", PTR_ERR(arena));
		return PTR_ERR(arena);
	}
	/* Who may use it other than through its node (its dma-buf heap). */
	arena->perm.uid = GLOBAL_ROOT_UID;
	arena->perm.gid = GLOBAL_ROOT_GID;
	arena->perm.mode = dev_mode;
	ret = arena_register(arena);
	if (ret) {
		arena_put(arena);
		return ret;
	}
	arena_default = arena;
	return 0;
}

/**
 * arena_init() - check the parameters, then bring the module up
 *
 * Context: module load.  The layers come up from the bottom: the memory
 * cap, the grant workers, the inodes' filesystem, named arenas and the
 * default arena; the netlink family, its events and /dev/arena, the ways
 * in, last, so that nothing can reach a part that is not ready.
 *
 * Return: 0, -EINVAL for a bad parameter, or what a step returned.
 */
static int __init arena_init(void)
{
	int ret;

	if (dev_mode & ~0777) {
		pr_err("dev_mode %#o is not a permission mode\n", dev_mode);
		return -EINVAL;
	}
	arena_misc.mode = dev_mode;

	ret = arena_backing_init();
	if (ret)
		return ret;
	ret = arena_grant_init();
	if (ret)
		goto backing_exit;
	ret = arena_inode_init();
	if (ret)
		goto grant_exit;
	ret = arena_named_init();
	if (ret)
		goto inode_exit;
	ret = arena_make_default();
	if (ret)
		goto named_exit;
	/* The ways in, last: everything they reach is ready. */
	ret = arena_nl_init();
	if (ret)
		goto put_default;
	ret = arena_events_init();
	if (ret)
		goto nl_exit;
	ret = misc_register(&arena_misc);
	if (ret)
		goto events_exit;
	return 0;

events_exit:
	arena_events_exit();
nl_exit:
	arena_nl_exit();
put_default:
	if (arena_default)
		arena_put(arena_default);
named_exit:
	arena_named_exit();
inode_exit:
	arena_inode_exit();
grant_exit:
	arena_grant_exit();
backing_exit:
	arena_backing_exit();
	return ret;
}

/**
 * arena_exit() - take the module down, the ways in first
 *
 * Context: module unload.  Open files and mappings hold the module, so
 * nothing is in use here; destroying the workqueue finishes any zeroing
 * still queued.
 */
static void __exit arena_exit(void)
{
	misc_deregister(&arena_misc);
	arena_events_exit();
	arena_nl_exit();
	/* No file holds the module now, so no named arena is in use. */
	arena_named_exit();
	/* Grants released just before unload may still be zeroing: finish. */
	arena_grant_exit();
	if (arena_default)
		arena_put(arena_default);
	arena_inode_exit();
	arena_backing_exit();
}

module_init(arena_init);
module_exit(arena_exit);

MODULE_DESCRIPTION("Huge-page-backed, physically contiguous memory arenas");
MODULE_AUTHOR("The arena developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.5.0");	/* with libarena and DKMS: see the Makefile */
