// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of an arena file: what its offset, a cookie (see file.h), names.
 *
 * 0 is an implicit grant of the mapping's length from the file's arena
 * (the default arena for a fresh file), owned by the mapping alone;
 * ARENA_WHOLE_COOKIE is the whole arena, for arenas that are one trust
 * domain; a handle's cookie is that grant.  Only shared mappings are
 * allowed.  Making the mapping is the mapping layer's (mmap.c).
 */

#include <linux/mm.h>

#include "file.h"

static u64 arena_vma_len(const struct vm_area_struct *vma)
{
	return vma->vm_end - vma->vm_start;
}

static int arena_mmap_implicit(struct file *file, struct vm_area_struct *vma)
{
	struct arena_grant *grant;
	struct arena *arena;
	int ret;

	/* Allocating needs write. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EACCES;
	arena = arena_file_arena(file, true);
	if (IS_ERR(arena))
		return PTR_ERR(arena);
	/* A mapping is whole pages: a grant not on one would share a page. */
	if (!arena->page_grants)
		return -EINVAL;
	ret = arena_grants_alloc(arena, arena_vma_len(vma), 1, &grant);
	if (ret < 0)
		return ret == -ENOSPC ? -ENOMEM : ret;
	ret = WARN_ON_ONCE(!PAGE_ALIGNED(grant->offset)) ? -EINVAL :
	      arena_map_grant(vma, grant, grant->offset, grant->size, 0);
	if (ret)
		arena_grant_put(grant);
	return ret;
}

static int arena_mmap_whole(struct file *file, struct vm_area_struct *vma, u64 in)
{
	struct arena_file *af = file->private_data;
	struct arena *arena = READ_ONCE(af->arena);

	/* An arena shared by several users is nobody's to map whole. */
	if (!arena || !arena->one_domain)
		return -EACCES;
	/* Offsets from 4 GiB on are grant cookies. */
	if (arena->size > ARENA_WHOLE_SPAN)
		return -EOVERFLOW;
	if (in >= arena->size || arena_vma_len(vma) > arena->size - in)
		return -EINVAL;
	return arena_map_whole(vma, arena, ARENA_WHOLE_COOKIE >> PAGE_SHIFT);
}

static int arena_mmap_handle(struct file *file, struct vm_area_struct *vma, u64 off)
{
	u64 in = off & (ARENA_WHOLE_COOKIE - 1);
	struct arena_grant *grant;
	int ret;

	grant = arena_file_grant(file, off >> ARENA_COOKIE_SHIFT);
	if (!grant)
		return -EINVAL;
	/* A grant that does not start on a page is mapped through the whole arena. */
	if (!PAGE_ALIGNED(grant->offset) || in >= grant->size ||
	    arena_vma_len(vma) > PAGE_ALIGN(grant->size) - in)
		ret = -EINVAL;
	else
		ret = arena_map_grant(vma, grant, grant->offset, grant->size,
				      (off - in) >> PAGE_SHIFT);
	if (ret)
		arena_grant_put(grant);
	return ret;
}

/**
 * arena_file_mmap() - map a grant, an implicit grant or the whole arena
 * @file: an open arena file
 * @vma: the new mapping; its page offset is a cookie (see file.h)
 *
 * Return: 0, -EINVAL for a private mapping or a bad cookie or range,
 * -EFBIG, -EACCES, -EOVERFLOW, -EDQUOT or -ENOMEM as described in abi.rst.
 */
int arena_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;

	/* MAP_SHARED (VM_SHARED is dropped for files opened read-only). */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!off)
		return arena_mmap_implicit(file, vma);
	if (off < ARENA_WHOLE_COOKIE)
		return -EINVAL;
	if (off >> ARENA_COOKIE_SHIFT == ARENA_WHOLE_COOKIE >> ARENA_COOKIE_SHIFT)
		return arena_mmap_whole(file, vma, off - ARENA_WHOLE_COOKIE);
	return arena_mmap_handle(file, vma, off);
}
