// SPDX-License-Identifier: GPL-2.0
/*
 * Handles: a file's names for its grants.
 *
 * Each handle holds one reference on its grant.  Handles are small
 * integers from ARENA_FIRST_HANDLE, allocated cyclically so that a stale
 * cookie rarely names a newer grant; they are guessable, so every path
 * assumes another thread of the process may free a handle at any time.
 */

#include <linux/xarray.h>

#include "file.h"

/*
 * Reserve the handle after @handle (XA_ZERO_ENTRY, which lookups read as
 * empty) for the file's next grant, if that slot is free.  The reserved
 * slot keeps its xarray node: without it, a file that holds one grant at a
 * time freed the node (through RCU) at every free and made it again, with
 * a fresh slab page zeroed under init_on_alloc, at the next allocation: a
 * third of a 4 KiB grant pair's time (benchmarks.rst).  A reservation that
 * cannot be had at once is left out; the next allocation then searches.
 * Called with the xarray's lock held.
 */
static void arena_reserve_next(struct arena_file *af, u32 handle, u32 max)
{
	u32 next = handle < max ? handle + 1 : ARENA_FIRST_HANDLE;

	if (!__xa_insert(&af->handles, next, NULL, GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN))
		af->reserved = next;
}

/**
 * arena_add_handle() - give @grant a handle in @file
 * @file: an arena file
 * @grant: the grant; the handle takes over a reference of the caller's
 * @handle: receives the handle
 *
 * Once added, another thread may free the handle at once: a caller that
 * still uses @grant holds a reference of its own.  The handle is the
 * reserved one when it is still reserved (a FREE of that number drops the
 * reservation), else the next free one from the cyclic cursor.
 *
 * Return: 0, -ENOSPC when every handle is taken, or -ENOMEM (the reference
 * is then still the caller's).
 */
int arena_add_handle(struct file *file, struct arena_grant *grant, u32 *handle)
{
	struct arena_file *af = file->private_data;
	u32 max = arena_max_handle(grant->arena);
	XA_STATE(xas, &af->handles, 0);
	int ret = 0;

	xas_lock(&xas);
	xas_set(&xas, af->reserved);
	if (af->reserved && af->reserved <= max && xa_is_zero(xas_load(&xas))) {
		xas_store(&xas, grant);		/* the slot exists: no allocation */
		*handle = af->reserved;
		af->next_handle = af->reserved + 1;
	} else {
		ret = __xa_alloc_cyclic(&af->handles, handle, grant,
					XA_LIMIT(ARENA_FIRST_HANDLE, max), &af->next_handle,
					GFP_KERNEL_ACCOUNT);
	}
	af->reserved = 0;
	if (ret >= 0)
		arena_reserve_next(af, *handle, max);
	xas_unlock(&xas);
	if (ret < 0)
		return ret == -EBUSY ? -ENOSPC : ret;
	return 0;
}

/* Drop @handle of @file: its grant, with the handle's reference, or NULL. */
struct arena_grant *arena_take_handle(struct file *file, u64 handle)
{
	struct arena_file *af = file->private_data;

	if (handle < ARENA_FIRST_HANDLE || handle > ARENA_MAX_HANDLE)
		return NULL;
	return xa_erase(&af->handles, handle);
}

/*
 * Undo arena_add_handle() when the caller could not be told the handle:
 * only a handle still naming @grant is dropped (another thread may have
 * freed it meanwhile).
 */
void arena_drop_handle(struct file *file, u32 handle, struct arena_grant *grant)
{
	struct arena_file *af = file->private_data;

	if (xa_cmpxchg(&af->handles, handle, grant, NULL, 0) == grant)
		arena_grant_put(grant);
}

/**
 * arena_file_grant() - look up a handle
 * @file: an arena file
 * @handle: a handle of it
 *
 * Return: the grant with a reference, or NULL.
 */
struct arena_grant *arena_file_grant(struct file *file, u64 handle)
{
	struct arena_file *af = file->private_data;
	struct arena_grant *grant;

	if (handle < ARENA_FIRST_HANDLE || handle > ARENA_MAX_HANDLE)
		return NULL;
	xa_lock(&af->handles);
	grant = xa_load(&af->handles, handle);
	if (grant)
		arena_grant_get(grant);
	xa_unlock(&af->handles);
	return grant;
}
