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

/**
 * arena_add_handle() - give @grant a handle in @file
 * @file: an arena file
 * @grant: the grant; the handle takes over a reference of the caller's
 * @handle: receives the handle
 *
 * Once added, another thread may free the handle at once: a caller that
 * still uses @grant holds a reference of its own.
 *
 * Return: 0, -ENOSPC when every handle is taken, or -ENOMEM (the reference
 * is then still the caller's).
 */
int arena_add_handle(struct file *file, struct arena_grant *grant, u32 *handle)
{
	struct arena_file *af = file->private_data;
	int ret;

	ret = xa_alloc_cyclic(&af->handles, handle, grant,
			      XA_LIMIT(ARENA_FIRST_HANDLE, arena_max_handle(grant->arena)),
			      &af->next_handle, GFP_KERNEL_ACCOUNT);
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
