// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of an arena file: what its offset, a cookie (see file.h), names.
 *
 * 0 is an implicit grant of the mapping's length from the file's arena
 * (the default arena for a fresh file), owned by the mapping alone, and
 * the contiguous cookie the same, physically contiguous; the whole cookie
 * is the whole arena, for arenas that are one trust domain; a handle's
 * cookie is that grant.  Only shared mappings are allowed.  Making the
 * mapping is the mapping layer's (mmap.c).
 */

#include <linux/mm.h>

#include "file.h"

static u64 arena_vma_len(const struct vm_area_struct *vma)
{
	return vma->vm_end - vma->vm_start;
}

/*
 * An implicit grant: from @decoded, the arena the cookie was read for, or
 * from the file's arena for offset 0 (@decoded NULL).
 */
static int arena_mmap_implicit(struct file *file, struct vm_area_struct *vma,
			       struct arena *decoded, bool contig)
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
	/* The file was bound to another arena since the cookie was read. */
	if (decoded && decoded != arena)
		return -EINVAL;
	/* A mapping is whole pages: a grant not on one would share a page. */
	if (!arena->page_grants)
		return -EINVAL;
	ret = contig ? arena_contig_check(arena, arena_vma_len(vma)) : 0;
	if (ret)
		return ret;
	ret = arena_grants_alloc(arena, arena_vma_len(vma), 1, &grant);
	if (ret < 0)
		return ret == -ENOSPC ? -ENOMEM : ret;
	ret = WARN_ON_ONCE(!PAGE_ALIGNED(grant->offset)) ? -EINVAL :
	      arena_map_grant(vma, grant, grant->offset, grant->size, vma->vm_pgoff, false);
	if (ret)
		arena_grant_put(grant);
	return ret;
}

static int arena_mmap_whole(struct file *file, struct vm_area_struct *vma,
			    struct arena *decoded, u64 in)
{
	struct arena_file *af = file->private_data;
	struct arena *arena = READ_ONCE(af->arena);

	/* An arena shared by several users is nobody's to map whole. */
	if (!arena || !arena->one_domain || arena != decoded)
		return -EACCES;
	if (in >= arena->size || arena_vma_len(vma) > arena->size - in)
		return -EINVAL;
	return arena_map_whole(vma, arena, arena_cookie(arena, ARENA_WHOLE_N) >> PAGE_SHIFT);
}

static int arena_mmap_handle(struct file *file, struct vm_area_struct *vma,
			     struct arena *decoded, u64 off)
{
	u64 in = off & (arena_cookie(decoded, 1) - 1);
	struct arena_grant *grant;
	int ret;

	grant = arena_file_grant(file, off >> arena_cookie_shift(decoded));
	/* A handle is the bound arena's, for which the cookie was decoded. */
	if (grant && grant->arena != decoded) {
		arena_grant_put(grant);
		grant = NULL;
	}
	if (!grant)
		return -EINVAL;
	/* A grant that does not start on a page is mapped through the whole arena. */
	if (!PAGE_ALIGNED(grant->offset) || in >= grant->size ||
	    arena_vma_len(vma) > PAGE_ALIGN(grant->size) - in)
		ret = -EINVAL;
	else
		ret = arena_map_grant(vma, grant, grant->offset, grant->size,
				      (off - in) >> PAGE_SHIFT, false);
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
 * -EFBIG, -ERANGE, -EACCES, -EDQUOT or -ENOMEM as described in abi.rst.
 */
int arena_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct arena *arena;
	u64 n;

	/* MAP_SHARED (VM_SHARED is dropped for files opened read-only). */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!off)
		return arena_mmap_implicit(file, vma, NULL, false);
	/* The cookie's layout is that of the file's arena, or the default's. */
	arena = arena_file_arena(file, false);
	if (IS_ERR(arena))
		return PTR_ERR(arena);
	n = off >> arena_cookie_shift(arena);
	if (n == ARENA_WHOLE_N)
		return arena_mmap_whole(file, vma, arena, off - arena_cookie(arena, n));
	if (n == ARENA_CONTIG_N && off == arena_cookie(arena, n))
		return arena_mmap_implicit(file, vma, arena, true);
	if (n < ARENA_FIRST_HANDLE)
		return -EINVAL;
	return arena_mmap_handle(file, vma, arena, off);
}
