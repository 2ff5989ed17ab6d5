// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping arena memory: a grant, part of one (a dma-buf's), or the whole
 * arena, as the caller's ->mmap decided.  Every mapping is MAP_SHARED,
 * VM_DONTEXPAND and VM_MIXEDMAP, and holds what it maps.
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
#include <linux/slab.h>

#include "kcompat.h"
#include "map.h"

#define ARENA_FAULT_BATCH	32	/* pages per vm_insert_pages() call */

static struct arena_vma *arena_vma_of(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
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

	*av = *old;
	av->vma = vma;
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
 * Insert PTEs for [addr, end), which is at @rel in the region.  The caller
 * keeps the range within the VMA, the region's whole pages and one chunk.
 * Returns 0, or the first error other than -EBUSY (a page already mapped
 * by a racing fault).
 */
static int arena_insert_ptes(struct vm_area_struct *vma, unsigned long addr,
			     unsigned long end, u64 rel)
{
	struct arena_vma *av = arena_vma_of(vma);
	struct page *first = arena_page(av->arena, av->start + rel);
	unsigned long total = (end - addr) >> PAGE_SHIFT, n, i, done, left;
	struct page *pages[ARENA_FAULT_BATCH];
	int err;

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
	return 0;
}

/* Whether the 2 MiB at @addr could take a PMD (see arena_pmd_fault()). */
static bool arena_pmd_span(struct vm_area_struct *vma, unsigned long addr)
{
	struct arena_vma *av = arena_vma_of(vma);
	u64 rel;

	if (av->arena->chunk_shift < PMD_SHIFT ||
	    addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return false;
	rel = ((u64)(vma->vm_pgoff - av->pgoff) << PAGE_SHIFT) + (addr - vma->vm_start);
	return rel + PMD_SIZE <= av->size && !((av->start + rel) & (PMD_SIZE - 1));
}

/*
 * The PTE window around @addr: the region's whole pages in the VMA, within
 * @addr's chunk, and short of any neighbouring 2 MiB that could take a PMD
 * (PTEs there would keep it from getting one).  [*start, *end) at *rel.
 */
static void arena_pte_window(struct vm_area_struct *vma, unsigned long addr,
			     unsigned long *start, unsigned long *end, u64 *rel)
{
	struct arena_vma *av = arena_vma_of(vma);
	u64 chunk_mask = (1ULL << av->arena->chunk_shift) - 1;
	u64 at = ((u64)(vma->vm_pgoff - av->pgoff) << PAGE_SHIFT) + (addr - vma->vm_start);
	u64 in_chunk = (av->start + at) & chunk_mask;
	unsigned long lo, hi;

	lo = max(vma->vm_start, addr - (unsigned long)min(at, in_chunk));
	hi = min_t(u64, vma->vm_end,
		   addr + min(round_down(av->size - at, PAGE_SIZE), chunk_mask + 1 - in_chunk));
	if ((addr & PMD_MASK) > lo && arena_pmd_span(vma, (addr & PMD_MASK) - PMD_SIZE))
		lo = addr & PMD_MASK;
	if (ALIGN(addr + 1, PMD_SIZE) < hi && arena_pmd_span(vma, ALIGN(addr + 1, PMD_SIZE)))
		hi = ALIGN(addr + 1, PMD_SIZE);
	*start = lo;
	*end = hi;
	*rel = at - (addr - lo);
}

/* One fault maps the whole window, whichever byte is touched first. */
static vm_fault_t arena_fault(struct vm_fault *vmf)
{
	struct arena_vma *av = arena_vma_of(vmf->vma);
	u64 rel = (u64)(vmf->pgoff - av->pgoff) << PAGE_SHIFT;
	unsigned long start, end;
	int err;

	if (vmf->pgoff < av->pgoff || rel + PAGE_SIZE > av->size)
		return VM_FAULT_SIGBUS;
	arena_pte_window(vmf->vma, vmf->address & PAGE_MASK, &start, &end, &rel);
	err = arena_insert_ptes(vmf->vma, start, end, rel);
	if (err)
		return vmf_error(err);
	atomic64_inc(&av->arena->stats.pte_faults);
	return VM_FAULT_NOPAGE;
}

/* One PMD when the 2 MiB around the fault is 2 MiB of one chunk. */
static vm_fault_t arena_pmd_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address & PMD_MASK;
	pgoff_t pgoff = vmf->pgoff - ((vmf->address - addr) >> PAGE_SHIFT);
	struct arena_vma *av = arena_vma_of(vma);
	unsigned long pfn;
	vm_fault_t ret;
	u64 rel;

	/*
	 * For a DAX VMA the mm leaves it to us to check that the PMD lies
	 * within the VMA: after a split it may not.
	 */
	if (addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	if (av->arena->chunk_shift < PMD_SHIFT || pgoff < av->pgoff)
		return VM_FAULT_FALLBACK;
	rel = (u64)(pgoff - av->pgoff) << PAGE_SHIFT;
	if (rel + PMD_SIZE > av->size || (av->start + rel) & (PMD_SIZE - 1))
		return VM_FAULT_FALLBACK;
	pfn = page_to_pfn(arena_page(av->arena, av->start + rel));
	/*
	 * Writable only for a write fault: a read maps it read-only, so that
	 * soft-dirty and write-notify see the first write (a write fault on
	 * the read-only entry comes back here and makes it writable).
	 */
	ret = vmf_insert_pfn_pmd(vmf, arena_pfn(pfn), vmf->flags & FAULT_FLAG_WRITE);
	if (ret == VM_FAULT_NOPAGE)
		atomic64_inc(&av->arena->stats.pmd_faults);
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

/*
 * Map every whole page of the mapping now (ARENA_CREATE_PREFAULT, or a
 * dma-buf that no PMD could map), a chunk at a time, with PTEs: ->mmap
 * cannot install PMDs.
 */
static void arena_prefault(struct vm_area_struct *vma)
{
	struct arena_vma *av = arena_vma_of(vma);
	u64 chunk = 1ULL << av->arena->chunk_shift;
	u64 rel = (u64)(vma->vm_pgoff - av->pgoff) << PAGE_SHIFT;
	unsigned long addr = vma->vm_start, end;

	while (addr < vma->vm_end && rel + PAGE_SIZE <= av->size) {
		end = min_t(u64, vma->vm_end,
			    addr + min(round_down(av->size - rel, PAGE_SIZE),
				       chunk - ((av->start + rel) & (chunk - 1))));
		if (arena_insert_ptes(vma, addr, end, rel))
			return;
		rel += end - addr;
		addr = end;
	}
}

/*
 * Make @vma a mapping of what @av describes; @vma owns @av from now on.
 * Nothing here fails: a failed ->mmap is not ->close()d.
 */
static void arena_vma_install(struct vm_area_struct *vma, struct arena_vma *av,
			      bool prefault)
{
	av->vma = vma;
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	vma->vm_ops = &arena_vm_ops;
	vma->vm_private_data = av;
	arena_vma_track(av);
	/* Best effort: whatever is not prefaulted faults in later. */
	if (prefault || av->arena->flags & ARENA_CREATE_PREFAULT)
		arena_prefault(vma);
}

/**
 * arena_map_grant() - make @vma a mapping of part of @grant
 * @vma: a new shared VMA, from an ->mmap; it keeps its file, as every
 *	shared VMA must
 * @grant: the grant; the mapping takes over the caller's reference
 * @start: the first byte mapped, in the arena's address space
 * @size: bytes from @start that the VMA may reach
 * @pgoff: the page offset of @vma at which @start is mapped
 * @prefault: insert the pages now (with PTEs), not at fault time, as every
 *	mapping of an ARENA_CREATE_PREFAULT arena is
 *
 * Return: 0, or -ENOMEM (the reference is then still the caller's).
 */
int arena_map_grant(struct vm_area_struct *vma, struct arena_grant *grant,
		    u64 start, u64 size, pgoff_t pgoff, bool prefault)
{
	struct arena_vma *av = kzalloc(sizeof(*av), GFP_KERNEL_ACCOUNT);

	if (!av)
		return -ENOMEM;
	*av = (struct arena_vma){
		.grant = grant, .arena = grant->arena,
		.start = start, .size = size, .pgoff = pgoff,
	};
	arena_vma_install(vma, av, prefault);
	return 0;
}

/**
 * arena_map_whole() - make @vma a mapping of the whole of @arena
 * @vma: a new shared VMA, within the arena
 * @arena: the arena; the mapping takes a reference of its own
 * @pgoff: the page offset of @vma at which the arena's first byte is mapped
 *
 * Return: 0, or -ENOMEM.
 */
int arena_map_whole(struct vm_area_struct *vma, struct arena *arena, pgoff_t pgoff)
{
	struct arena_vma *av = kzalloc(sizeof(*av), GFP_KERNEL_ACCOUNT);

	if (!av)
		return -ENOMEM;
	arena_get(arena);
	*av = (struct arena_vma){ .arena = arena, .size = arena->size, .pgoff = pgoff };
	arena_vma_install(vma, av, false);
	return 0;
}
