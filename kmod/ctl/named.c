// SPDX-License-Identifier: GPL-2.0
/*
 * Named arenas: made and removed by an administrator over netlink, each a
 * character device /dev/arenas/<name> whose owner, group and mode the
 * administrator sets, so that file permissions decide who may use it.
 *
 * A named arena stays until it is removed, which is refused (EBUSY) while
 * any file has it open or any of its grants is alive (mapped or exported):
 * removal never pulls memory from under a user.  Opening and removal are
 * serialised by named_lock, so a file cannot open an arena being removed.
 * Unloading the module removes every named arena (nobody can hold one
 * then: open files hold the module).
 *
 * A device number is reused once its arena is removed, so a node opens an
 * arena only if it is the arena's: still linked, and made (or last
 * changed) no earlier than the arena, which a node left from an older
 * arena of that number (a container's /dev, an O_PATH descriptor) is not.
 * The opener must then pass the arena's own owner, group and mode, so that
 * a node elsewhere grants no more than the administrator chose.
 */

#include <linux/cdev.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "../kcompat.h"
#include "ctl.h"

#define ARENA_NAMED_MAX	256	/* named arenas at once */

/*
 * The node's owner, group and mode are the arena's (arena->perm): stored
 * once, where netlink and events read them without named_lock.
 */
struct arena_named {
	struct arena *arena;		/* counted */
	struct cdev cdev;
	struct device dev;
	struct timespec64 made;		/* coarse clock, as inode times are */
	bool removed;
	/*
	 * The node's path, allocated before the device is added or deleted
	 * and handed to the first named_devnode() call, which is devtmpfs's.
	 * device_add() and device_del() ignore devtmpfs failures, and a path
	 * allocated in the callback could fail: the node would be made at
	 * the fallback /dev/arena-<name>, or left behind on removal pointing
	 * at a minor the next named arena may get.
	 */
	char *devnode;
};

static DEFINE_MUTEX(named_lock);	/* protects named_arenas and removal */
static DEFINE_XARRAY_ALLOC(named_arenas);	/* minor -> struct arena_named */
static dev_t named_devt;
static struct class *named_class;

static char *named_devnode(arena_devnode_dev *dev, umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	/* Ours, not const to us: the prepared path is taken from it. */
	struct arena_named *named = container_of(dev, struct arena_named, dev);
	char *path = xchg(&named->devnode, NULL);

	if (mode)
		*mode = named->arena->perm.mode;
	if (uid)
		*uid = named->arena->perm.uid;
	if (gid)
		*gid = named->arena->perm.gid;
	return path ?: kasprintf(GFP_KERNEL, "arenas/%s", named->arena->name);
}

static int named_devnode_prepare(struct arena_named *named)
{
	named->devnode = kasprintf(GFP_KERNEL, "arenas/%s", named->arena->name);
	return named->devnode ? 0 : -ENOMEM;
}

/* What devtmpfs did not take (no devtmpfs, or a uevent read took it). */
static void named_devnode_drop(struct arena_named *named)
{
	kfree(xchg(&named->devnode, NULL));
}

static void named_release(struct device *dev)
{
	kfree(container_of(dev, struct arena_named, dev));
}

static const struct device_type named_type = {
	.name		= "arena",
	.devnode	= named_devnode,
	.release	= named_release,
};

/* Whether @inode is a node of @named (see the top of this file). */
static bool named_node_current(const struct arena_named *named, const struct inode *inode)
{
	struct timespec64 changed = arena_inode_ctime(inode);

	return inode->i_nlink && timespec64_compare(&changed, &named->made) >= 0;
}

/**
 * arena_may_use() - the arena's own permission check, wherever its node lies
 * @arena: a named arena, or the default arena (whose perm is its node's)
 * @want: MAY_READ and MAY_WRITE
 *
 * Return: 0, or -EACCES if the arena's owner, group and mode refuse the
 * caller.
 */
int arena_may_use(const struct arena *arena, int want)
{
	umode_t mode = arena->perm.mode;

	/* As generic_permission() does with an inode's: owner, group, others. */
	if (uid_eq(current_fsuid(), arena->perm.uid))
		mode >>= 6;
	else if (in_group_p(arena->perm.gid))
		mode >>= 3;
	if (!(want & ~mode & 7) || capable(CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

static int named_may_open(const struct arena_named *named, const struct file *file)
{
	return arena_may_use(named->arena, (file->f_mode & FMODE_READ ? MAY_READ : 0) |
					   (file->f_mode & FMODE_WRITE ? MAY_WRITE : 0));
}

/**
 * named_open() - open /dev/arenas/<name>
 * @inode: the node's inode, whose cdev is the named arena's
 * @file: the new file, bound to the arena at once
 *
 * Return: 0, -ENODEV if the arena is being removed or the node is not one
 * of this arena's, -EACCES if the arena's owner, group and mode refuse the
 * caller, or -ENOMEM.
 */
static int named_open(struct inode *inode, struct file *file)
{
	struct arena_named *named = container_of(inode->i_cdev, struct arena_named, cdev);
	struct arena *arena = NULL;
	int ret = -ENODEV;

	mutex_lock(&named_lock);
	if (!named->removed && named_node_current(named, inode))
		ret = named_may_open(named, file);
	if (!ret) {
		arena = named->arena;
		arena_get(arena);
		atomic_inc(&arena->holders);	/* so removal sees it at once */
	}
	mutex_unlock(&named_lock);
	if (!arena)
		return ret;
	ret = arena_file_open(file, arena);	/* binds; takes over the reference */
	atomic_dec(&arena->holders);		/* binding counted it for good */
	if (ret)
		arena_put(arena);
	return ret;
}

/* A named arena's node: an arena file, opened the named way. */
static const struct file_operations named_fops = { ARENA_FILE_FOPS(named_open) };

static bool named_valid(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len >= ARENA_NAME_MAX)
		return false;
	/* Not islower(): the kernel's ctype is Latin-1, where 0xe9 is lower. */
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '-'))
			return false;
	return true;
}

/* Caller holds named_lock. */
static struct arena_named *named_lookup(const char *name, u32 id)
{
	struct arena_named *named;
	unsigned long minor;

	lockdep_assert_held(&named_lock);
	xa_for_each(&named_arenas, minor, named)
		if (name ? !strcmp(named->arena->name, name) : named->arena->id == id)
			return named;
	return NULL;
}

/* The named arena @name with a reference, or NULL. */
struct arena *arena_named_find(const char *name)
{
	struct arena_named *named;
	struct arena *arena = NULL;

	mutex_lock(&named_lock);
	named = named_lookup(name, 0);
	if (named) {
		arena = named->arena;
		arena_get(arena);
	}
	mutex_unlock(&named_lock);
	return arena;
}

/**
 * arena_named_heap_arena() - the arena a named arena's dma-buf heap serves
 * @name: the heap's arena's name
 * @want: MAY_READ and MAY_WRITE, from the buffer's access mode
 *
 * The heap outlives its arena (dma-buf heaps cannot be removed), so each
 * allocation looks the name up again: a removed arena's heap serves
 * nothing, and one made again under the name with ARENA_A_DMA_HEAP is
 * served by the same heap.
 *
 * Return: the arena with a reference, or ERR_PTR(): -ENODEV if no arena of
 * that name is served as a heap, -EACCES if its owner, group and mode
 * refuse the caller (whatever the heap node's own mode).
 */
struct arena *arena_named_heap_arena(const char *name, int want)
{
	struct arena_named *named;
	struct arena *arena;
	int ret = -ENODEV;

	mutex_lock(&named_lock);
	named = named_lookup(name, 0);
	if (named && !named->removed && named->arena->dma_heap)
		ret = arena_may_use(named->arena, want);
	if (!ret) {
		arena = named->arena;
		arena_get(arena);
	}
	mutex_unlock(&named_lock);
	return ret ? ERR_PTR(ret) : arena;
}

/**
 * arena_named_create() - make a named arena and its device node
 * @c: the geometry
 * @name: [a-z0-9_-]{1,31}
 * @opts: its node's owner, group and mode, whether its holders are one
 *	trust domain and whether it is served as a dma-buf heap
 * @extack: receives the reason for a failure, or NULL
 *
 * Return: the arena with a reference for the caller (a concurrent removal
 * may drop the registry's at once), or ERR_PTR(): -EINVAL, -EEXIST for a
 * name in use, -ENOSPC past ARENA_NAMED_MAX, or what arena_create()
 * returns.
 */
struct arena *arena_named_create(const struct arena_create *c, const char *name,
				 const struct arena_named_opts *opts,
				 struct netlink_ext_ack *extack)
{
	struct arena_named *named;
	struct arena *arena;
	u32 minor;
	int ret;

	if (!named_valid(name)) {
		NL_SET_ERR_MSG(extack, "a name is 1 to 31 of [a-z0-9_-]");
		return ERR_PTR(-EINVAL);
	}
	named = kzalloc(sizeof(*named), GFP_KERNEL_ACCOUNT);
	if (!named)
		return ERR_PTR(-ENOMEM);
	/* From here on, dropping the device frees @named. */
	device_initialize(&named->dev);
	named->dev.class = named_class;
	named->dev.type = &named_type;
	cdev_init(&named->cdev, &named_fops);
	named->cdev.owner = THIS_MODULE;

	mutex_lock(&named_lock);
	if (named_lookup(name, 0)) {
		NL_SET_ERR_MSG(extack, "an arena of that name exists");
		ret = -EEXIST;
		goto put_device;
	}
	ret = xa_alloc(&named_arenas, &minor, named, XA_LIMIT(0, ARENA_NAMED_MAX - 1),
		       GFP_KERNEL);
	if (ret) {
		NL_SET_ERR_MSG(extack, "too many named arenas");
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto put_device;
	}
	arena = arena_create(c, ARENA_KIND_NAMED, opts->one_domain, extack);
	if (IS_ERR(arena)) {
		ret = PTR_ERR(arena);
		goto erase_minor;
	}
	strscpy(arena->name, name, sizeof(arena->name));
	arena->perm.uid = opts->uid;
	arena->perm.gid = opts->gid;
	arena->perm.mode = opts->mode;
	arena->dma_heap = opts->dma_heap;
	named->arena = arena;
	/* Before the node exists, so that the node is never older. */
	ktime_get_coarse_real_ts64(&named->made);
	ret = arena_register(arena);
	if (ret) {
		NL_SET_ERR_MSG(extack, "no arena id left");
		goto put_arena;
	}

	named->dev.devt = MKDEV(MAJOR(named_devt), minor);
	/* Without a name device_add() fails, but with EINVAL: say ENOMEM. */
	ret = dev_set_name(&named->dev, "arena-%s", name) ?: named_devnode_prepare(named);
	if (!ret)
		ret = cdev_device_add(&named->cdev, &named->dev);
	named_devnode_drop(named);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot add the device");
		goto put_arena;
	}
	arena_get(arena);
	mutex_unlock(&named_lock);
	return arena;

put_arena:
	arena_put(arena);
erase_minor:
	xa_erase(&named_arenas, minor);
put_device:
	mutex_unlock(&named_lock);
	put_device(&named->dev);
	return ERR_PTR(ret);
}

/*
 * Caller holds named_lock; the arena must be unused.  With the node's path
 * prepared, devtmpfs is sure to remove the node (unloading does without).
 */
static void named_remove(struct arena_named *named)
{
	struct arena *arena = named->arena;

	lockdep_assert_held(&named_lock);
	named->removed = true;
	xa_erase(&named_arenas, MINOR(named->dev.devt));
	cdev_device_del(&named->cdev, &named->dev);
	named_devnode_drop(named);
	put_device(&named->dev);
	arena_put(arena);
}

/**
 * arena_named_delete() - remove a named arena, by @name or else by @id
 * @name: the name, or NULL
 * @id: the id, when @name is NULL
 * @extack: receives the reason for a failure, or NULL
 *
 * Return: 0, -ENOENT, -EBUSY while a file has it open or a grant of it is
 * alive, or -ENOMEM.
 */
int arena_named_delete(const char *name, u32 id, struct netlink_ext_ack *extack)
{
	struct arena_named *named;
	int ret = 0;

	mutex_lock(&named_lock);
	named = named_lookup(name, id);
	if (!named) {
		NL_SET_ERR_MSG(extack, "no named arena of that name or id");
		ret = -ENOENT;
	} else {
		/* Grants released but still being zeroed are not in use. */
		if (!atomic_read(&named->arena->holders))
			arena_flush_zeroing(named->arena);
		if (atomic_read(&named->arena->holders) ||
		    atomic64_read(&named->arena->stats.live_grants)) {
			NL_SET_ERR_MSG(extack,
				       "in use: files have it open, or its memory is mapped or exported");
			ret = -EBUSY;
		} else {
			ret = named_devnode_prepare(named);
			if (!ret)
				named_remove(named);
		}
	}
	mutex_unlock(&named_lock);
	return ret;
}

int arena_named_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&named_devt, 0, ARENA_NAMED_MAX, "arena");
	if (ret)
		return ret;
	named_class = arena_class_create("arena");
	if (IS_ERR(named_class)) {
		unregister_chrdev_region(named_devt, ARENA_NAMED_MAX);
		return PTR_ERR(named_class);
	}
	return 0;
}

void arena_named_exit(void)
{
	struct arena_named *named;
	unsigned long minor;

	mutex_lock(&named_lock);
	xa_for_each(&named_arenas, minor, named)
		named_remove(named);
	mutex_unlock(&named_lock);
	class_destroy(named_class);
	unregister_chrdev_region(named_devt, ARENA_NAMED_MAX);
}
