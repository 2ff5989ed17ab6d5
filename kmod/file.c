// SPDX-License-Identifier: GPL-2.0
/*
 * An open /dev/arena file.
 *
 * A fresh file is bound to no arena.  ARENA_IOC_CREATE binds it to a new
 * private arena; the first allocation or mmap binds it to the default arena
 * instead.  Binding is for the file's life: creating after that is EBUSY.
 * Handles belong to the file; closing it drops them, but mappings and
 * exports keep their grants, and the arena lives until the last of them.
 */

#include <linux/mm.h>		/* before huge_mm.h on 6.1 */
#include <linux/huge_mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "file.h"

struct arena *arena_default;	/* set before /dev/arena exists (main.c) */

/**
 * arena_file_open() - set up an open file of /dev/arena or a named arena
 * @file: the file
 * @arena: the arena to bind it to at once, taking over the caller's
 *	reference; NULL for a fresh /dev/arena file
 *
 * Return: 0, or -ENOMEM or another error of allocating the file's inode
 * (the reference on @arena is then still the caller's).
 */
int arena_file_open(struct file *file, struct arena *arena)
{
	struct arena_file *af = kzalloc(sizeof(*af), GFP_KERNEL_ACCOUNT);

	if (!af)
		return -ENOMEM;
	af->inode = arena_alloc_inode();
	if (IS_ERR(af->inode)) {
		int ret = PTR_ERR(af->inode);

		kfree(af);
		return ret;
	}
	mutex_init(&af->lock);
	xa_init_flags(&af->handles, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	af->next_handle = ARENA_FIRST_HANDLE;
	file->f_mapping = af->inode->i_mapping;
	file->private_data = af;
	if (arena) {
		af->arena = arena;	/* not yet seen by anyone else */
		atomic_inc(&arena->holders);
	}
	return 0;
}

/**
 * arena_open() - open /dev/arena
 * @inode: the misc device's inode
 * @file: the new file, bound to no arena until first used
 *
 * Return: 0 or -ENOMEM.
 */
static int arena_open(struct inode *inode, struct file *file)
{
	return arena_file_open(file, NULL);
}

/**
 * arena_file_release() - the last reference to an arena file went
 * @inode: the device's inode
 * @file: the file
 *
 * Every handle's grant reference drops; grants still mapped or exported
 * live on through those references.
 *
 * Return: 0.
 */
int arena_file_release(struct inode *inode, struct file *file)
{
	struct arena_file *af = file->private_data;
	struct arena_grant *grant;
	unsigned long handle;

	xa_for_each(&af->handles, handle, grant)
		arena_grant_put(grant);
	xa_destroy(&af->handles);
	if (af->arena) {
		atomic_dec(&af->arena->holders);
		arena_put(af->arena);
	}
	iput(af->inode);
	mutex_destroy(&af->lock);
	kfree(af);
	return 0;
}

/**
 * arena_file_bind() - bind a fresh file to @arena
 * @file: an open /dev/arena file
 * @arena: the arena; the file takes over the caller's reference
 *
 * Return: 0, or -EBUSY if the file is already bound (the reference is then
 * still the caller's).
 */
int arena_file_bind(struct file *file, struct arena *arena)
{
	struct arena_file *af = file->private_data;
	int ret = 0;

	mutex_lock(&af->lock);
	if (af->arena) {
		ret = -EBUSY;
	} else {
		WRITE_ONCE(af->arena, arena);	/* read lock-free by mmap, ioctl */
		atomic_inc(&arena->holders);
	}
	mutex_unlock(&af->lock);
	return ret;
}

/**
 * arena_file_arena() - the arena a file works on
 * @file: an open /dev/arena file
 * @bind_default: bind an unbound file to the default arena
 *
 * Return: the file's arena (the file holds it: no reference is taken); for
 * an unbound file the default arena, bound or not as asked; or
 * ERR_PTR(-ENODEV) if there is no default arena.
 */
struct arena *arena_file_arena(struct file *file, bool bind_default)
{
	struct arena_file *af = file->private_data;
	struct arena *arena;

	mutex_lock(&af->lock);
	arena = af->arena;
	if (!arena && arena_default) {
		arena = arena_default;
		if (bind_default) {
			arena_get(arena);
			WRITE_ONCE(af->arena, arena);
			atomic_inc(&arena->holders);
		}
	}
	mutex_unlock(&af->lock);
	return arena ?: ERR_PTR(-ENODEV);
}

/* Writable (EPOLLOUT) while the smallest request could be granted. */
__poll_t arena_file_poll(struct file *file, poll_table *wait)
{
	struct arena *arena = arena_file_arena(file, false);

	if (IS_ERR(arena))
		return EPOLLERR;
	poll_wait(file, &arena->wait, wait);
	/* Pairs with wq_has_sleeper() in a release (see sock_poll_wait()). */
	smp_mb();
	return arena->ops->has_space(arena->core) ? EPOLLOUT | EPOLLWRNORM : 0;
}

/* /dev/arena; named arenas' nodes have their own (ctl/named.c). */
const struct file_operations arena_fops = { ARENA_FILE_FOPS(arena_open) };
