// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping arena memory.
 *
 * An mmap offset is a cookie (see arena.h): a grant's, the whole arena's,
 * or 0 for an implicit grant from the default arena.  Every mapping is
 * MAP_SHARED, VM_DONTEXPAND and VM_MIXEDMAP, and holds what it maps.
 *
 * Two kinds of entries, both of which get_user_pages() accepts, so that
 * the mappings serve O_DIRECT and io_uring:
 *
 *  - a 2 MiB-aligned part of a grant gets one PMD from ->huge_fault, the
 *    compound chunk page inserted by pfn (the VMA is placed on a 2 MiB
 *    boundary by thp_get_unmapped_area());
 *  - anything else gets ordinary refcounted PTEs, inserted with
 *    vm_insert_pages() up to the next PMD boundary in one fault.
 *
 * Splitting a PMD (munmap or mprotect of part of it) clears it; the parts
 * that remain fault back in as PTEs.  Pages not wholly inside the grant are
 * never mapped: touching one is SIGBUS.
 */

#include <linux/mm.h>		/* before huge_mm.h on 6.1 */
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>

#include "arena.h"
#include "kcompat.h"

#define ARENA_FAULT_BATCH	32	/* pages per vm_insert_pages() call */

/* What a mapping covers: [start, start + size) of the arena, at pgoff. */
struct arena_region {
	struct arena *arena;
	u64 start;
	u64 size;
	pgoff_t pgoff;		/* the page offset of the cookie */
};

static void arena_vma_region(struct vm_area_struct *vma, struct arena_region *r)
{
	struct arena_vma *av = vma->vm_private_data;

	if (av->grant) {
		r->arena = av->grant->arena;
		r->start = av->grant->offset;
		r->size = av->grant->size;
		r->pgoff = av->grant->cookie >> PAGE_SHIFT;
	} else {
		r->arena = av->arena;
		r->start = 0;
		r->size = av->arena->size;
		r->pgoff = ARENA_WHOLE_COOKIE >> PAGE_SHIFT;
	}
}

static void arena_vma_track(struct arena_vma *av)
{
	spin_lock(&av->arena->vmas_lock);
	list_add(&av->node, &av->arena->vmas);
	spin_unlock(&av->arena->vmas_lock);
}

/* Sum of the lengths of the arena's live mappings. */
u64 arena_bytes_mapped(struct arena *arena)
{
	struct arena_vma *av;
	u64 bytes = 0;

	spin_lock(&arena->vmas_lock);
	list_for_each_entry(av, &arena->vmas, node)
		bytes += READ_ONCE(av->vma->vm_end) - READ_ONCE(av->vma->vm_start);
	spin_unlock(&arena->vmas_lock);
	return bytes;
}

/*
 * A copy of a mapping (fork, split, mremap): give it its own tracker and
 * its own reference.  ->open cannot fail, hence __GFP_NOFAIL; the tracker
 * is small.
 */
static void arena_vm_open(struct vm_area_struct *vma)
{
	struct arena_vma *old = vma->vm_private_data;
	struct arena_vma *av = kmalloc(sizeof(*av), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);

	*av = (struct arena_vma){ .vma = vma, .arena = old->arena, .grant = old->grant };
	if (av->grant)
		arena_grant_get(av->grant);
	else
		arena_get(av->arena);
	vma->vm_private_data = av;
	arena_vma_track(av);
}

static void arena_vm_close(struct vm_area_struct *vma)
{
	struct arena_vma *av = vma->vm_private_data;

	spin_lock(&av->arena->vmas_lock);
	list_del(&av->node);
	spin_unlock(&av->arena->vmas_lock);
	if (av->grant)
		arena_grant_put(av->grant);
	else
		arena_put(av->arena);
	kfree(av);
}

/*
 * Insert PTEs for the pages from @addr, which is at @rel in the region, up
 * to the next PMD boundary, the end of the VMA, of the region's whole pages
 * or of the chunk.  Returns the bytes covered, or the first error other
 * than -EBUSY (a page already mapped by a racing fault).
 */
static long arena_insert_ptes(struct vm_area_struct *vma, struct arena_region *r,
			      unsigned long addr, u64 rel)
{
	struct arena *arena = r->arena;
	u64 off = r->start + rel;
	u64 chunk_mask = (1ULL << arena->chunk_shift) - 1;
	u64 chunk_left = chunk_mask + 1 - (off & chunk_mask);
	unsigned long end = min(vma->vm_end, ALIGN(addr + 1, PMD_SIZE));
	struct page *pages[ARENA_FAULT_BATCH];
	struct page *first = arena_page(arena, off);
	unsigned long total, n, i, done, left;
	int err;

	end = min_t(u64, end, addr + min(round_down(r->size - rel, PAGE_SIZE), chunk_left));
	total = (end - addr) >> PAGE_SHIFT;
	for (done = 0; done < total; ) {
		n = min_t(unsigned long, total - done, ARENA_FAULT_BATCH);
		for (i = 0; i < n; i++)
			pages[i] = nth_page(first, done + i);
		left = n;
		err = vm_insert_pages(vma, addr + (done << PAGE_SHIFT), pages, &left);
		if (err && err != -EBUSY)
			return err;
		/* @left counts the page that failed: skip one already mapped. */
		done += n - left + (err ? 1 : 0);
	}
	return end - addr;
}

static vm_fault_t arena_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct arena_region r;
	u64 rel;
	long ret;

	arena_vma_region(vma, &r);
	rel = (u64)(vmf->pgoff - r.pgoff) << PAGE_SHIFT;
	if (vmf->pgoff < r.pgoff || rel + PAGE_SIZE > r.size)
		return VM_FAULT_SIGBUS;
	ret = arena_insert_ptes(vma, &r, vmf->address & PAGE_MASK, rel);
	if (ret < 0)
		return vmf_error(ret);
	atomic64_inc(&r.arena->pte_faults);
	return VM_FAULT_NOPAGE;
}

/* One PMD when the 2 MiB around the fault is 2 MiB of one chunk. */
static vm_fault_t arena_pmd_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address & PMD_MASK;
	pgoff_t pgoff = vmf->pgoff - ((vmf->address - addr) >> PAGE_SHIFT);
	struct arena_region r;
	unsigned long pfn;
	vm_fault_t ret;
	u64 rel;

	/*
	 * For a DAX VMA the mm leaves it to us to check that the PMD lies
	 * within the VMA: after a split it may not.
	 */
	if (addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	arena_vma_region(vma, &r);
	if (r.arena->chunk_shift < PMD_SHIFT || pgoff < r.pgoff)
		return VM_FAULT_FALLBACK;
	rel = (u64)(pgoff - r.pgoff) << PAGE_SHIFT;
	if (rel + PMD_SIZE > r.size || (r.start + rel) & (PMD_SIZE - 1))
		return VM_FAULT_FALLBACK;
	pfn = page_to_pfn(arena_page(r.arena, r.start + rel));
	/* Writable at once: a shared mapping needs no write notification. */
	ret = vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), vma->vm_flags & VM_WRITE);
	if (ret == VM_FAULT_NOPAGE)
		atomic64_inc(&r.arena->pmd_faults);
	return ret;
}

static vm_fault_t arena_huge_fault(struct vm_fault *vmf, arena_fault_size size)
{
	return arena_fault_is_pmd(size) ? arena_pmd_fault(vmf) : VM_FAULT_FALLBACK;
}

static const struct vm_operations_struct arena_vm_ops = {
	.open		= arena_vm_open,
	.close		= arena_vm_close,
	.fault		= arena_fault,
	.huge_fault	= arena_huge_fault,
};

/* Map every whole page of the mapping now (ARENA_CREATE_PREFAULT). */
static void arena_prefault(struct vm_area_struct *vma)
{
	struct arena_region r;
	unsigned long addr;
	long done;
	u64 rel;

	arena_vma_region(vma, &r);
	rel = (u64)(vma->vm_pgoff - r.pgoff) << PAGE_SHIFT;
	for (addr = vma->vm_start; addr < vma->vm_end && rel + PAGE_SIZE <= r.size;
	     addr += done, rel += done) {
		done = arena_insert_ptes(vma, &r, addr, rel);
		if (done <= 0)
			return;
	}
}

/* The grant behind a grant cookie, with a reference, or NULL. */
static struct arena_grant *arena_cookie_grant(struct file *file, u64 cookie)
{
	struct arena_file *af = file->private_data;
	u64 handle = cookie >> ARENA_COOKIE_SHIFT;
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

static int arena_mmap_setup(struct file *file, struct vm_area_struct *vma,
			    struct arena_vma *av)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	struct arena *arena;
	u64 in;
	int ret;

	if (off == 0) {
		/* An implicit grant of the mapping's length. */
		arena = arena_file_arena(file, true);
		if (IS_ERR(arena))
			return PTR_ERR(arena);
		ret = arena_grants_alloc(arena, len, 1, &av->grant);
		if (ret < 0)
			return ret == -ENOSPC ? -ENOMEM : ret;
		av->grant->cookie = 0;
		av->arena = arena;
		return 0;
	}
	if (off < ARENA_WHOLE_COOKIE)
		return -EINVAL;

	if (off >> ARENA_COOKIE_SHIFT == ARENA_WHOLE_COOKIE >> ARENA_COOKIE_SHIFT) {
		struct arena_file *af = file->private_data;

		/* The shared default arena is nobody's to map whole. */
		arena = READ_ONCE(af->arena);
		if (!arena || arena == arena_default)
			return -EACCES;
		in = off - ARENA_WHOLE_COOKIE;
		if (in >= arena->size || len > arena->size - in)
			return -EINVAL;
		arena_get(arena);
		av->arena = arena;
		return 0;
	}

	av->grant = arena_cookie_grant(file, off);
	if (!av->grant)
		return -EINVAL;
	av->arena = av->grant->arena;
	in = off & (ARENA_WHOLE_COOKIE - 1);
	/* A grant that does not start on a page is mapped through the whole arena. */
	if (!PAGE_ALIGNED(av->grant->offset) || in >= av->grant->size ||
	    len > PAGE_ALIGN(av->grant->size) - in) {
		arena_grant_put(av->grant);
		return -EINVAL;
	}
	return 0;
}

int arena_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct arena_vma *av;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	av = kzalloc(sizeof(*av), GFP_KERNEL_ACCOUNT);
	if (!av)
		return -ENOMEM;
	ret = arena_mmap_setup(file, vma, av);
	if (ret) {
		kfree(av);
		return ret;
	}
	av->vma = vma;
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	vma->vm_ops = &arena_vm_ops;
	vma->vm_private_data = av;
	arena_vma_track(av);

	/*
	 * Best effort: a failed ->mmap is not ->close()d, so nothing may fail
	 * from here on; whatever is not prefaulted faults in later.
	 */
	if (av->arena->flags & ARENA_CREATE_PREFAULT)
		arena_prefault(vma);
	return 0;
}
