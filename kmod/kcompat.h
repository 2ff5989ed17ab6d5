/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels arena.ko builds for (Debian's 6.1 and
 * 6.12, and Debian unstable's newest source, in the test matrix), in one
 * place.  Version checks belong here and nowhere else; checkpatch's
 * LINUX_VERSION_CODE warning, meant for in-tree code, is waived for this
 * file only (scripts/check).
 */
#ifndef ARENA_KCOMPAT_H
#define ARENA_KCOMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vm_flags read-only behind these helpers. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/* dma-buf heaps from a module (kmod/ctl/heap.c), where kmod/Kbuild found them. */
#ifdef ARENA_HAVE_DMA_HEAP
#define ARENA_DMA_HEAP_FEATURE	ARENA_FEATURE_DMA_HEAP
#else
#define ARENA_DMA_HEAP_FEATURE	0
#endif

/*
 * Whether mappings can get PMDs at all.  On 6.1 the mm calls ->huge_fault
 * only for DAX VMAs, and the S_DAX that arena's inodes carry counts only
 * with CONFIG_FS_DAX (Debian has it; a tinyconfig-based kernel may not).
 * 6.12 calls it for any VMA with the handler.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define ARENA_PMD_MAPPABLE	IS_ENABLED(CONFIG_FS_DAX)
#else
#define ARENA_PMD_MAPPABLE	true
#endif

/*
 * vmf_insert_pfn_pmd() took a pfn_t until pfn_t went away (7.x), then a
 * plain pfn.  The header's presence is what tells (kmod/Kbuild probes it:
 * sparse knows no __has_include).
 */
#ifdef ARENA_HAVE_PFN_T
#include <linux/pfn_t.h>
#define arena_pfn(pfn)	pfn_to_pfn_t(pfn)
#else
#define arena_pfn(pfn)	(pfn)
#endif

/*
 * clear_pages() (7.x) clears a run of pages in one go (one rep stos on
 * x86); before it, clear_page() one page at a time.
 */
#ifdef clear_pages
#define arena_clear_pages(addr, npages)	clear_pages(addr, npages)
#else
static inline void arena_clear_pages(void *addr, unsigned int npages)
{
	for (; npages; npages--, addr += PAGE_SIZE)
		clear_page(addr);
}
#endif

/*
 * nth_page() went away (7.x) once the pages of any folio were promised to
 * be contiguous in the memmap; before, it also crossed memory sections.
 */
#ifndef nth_page
#define nth_page(page, n)	((page) + (n))
#endif

/*
 * ->huge_fault took an enum page_entry_size until 6.6, then a page order:
 * declare it with arena_fault_size and ask arena_fault_is_pmd().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define arena_fault_size	enum page_entry_size
static inline bool arena_fault_is_pmd(enum page_entry_size pe_size)
{
	return pe_size == PE_SIZE_PMD;
}
#else
#define arena_fault_size	unsigned int
static inline bool arena_fault_is_pmd(unsigned int order)
{
	return order == PMD_ORDER;
}
#endif

/*
 * Mappings of a folio.  folio_mapcount() became an inline reading one
 * counter in 6.11; before, it was an unexported function summing the pages'
 * counts, which is done here (arena folios have no entire-folio mappings).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
static inline int arena_folio_mapcount(struct folio *folio)
{
	long i, n = folio_nr_pages(folio);
	int count = 0;

	for (i = 0; i < n; i++)
		count += atomic_read(&folio_page(folio, i)->_mapcount) + 1;
	return count;
}
#else
#define arena_folio_mapcount(folio)	folio_mapcount(folio)
#endif

/* class_create() lost its owner argument in 6.4. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define arena_class_create(name)	class_create(THIS_MODULE, name)
#else
#define arena_class_create(name)	class_create(name)
#endif

/* struct device_type's devnode() takes a const device from 6.2. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define arena_devnode_dev	struct device
#else
#define arena_devnode_dev	const struct device
#endif

/*
 * The largest order the page allocator serves: MAX_ORDER was exclusive
 * until 6.4, inclusive from 6.4 and renamed MAX_PAGE_ORDER in 6.8.
 */
#if defined(MAX_PAGE_ORDER)
#define ARENA_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define ARENA_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#else
#define ARENA_MAX_PAGE_ORDER	MAX_ORDER
#endif

/* 6.6 put an inode's ctime behind accessors. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define arena_inode_ctime(inode)	((inode)->i_ctime)
#else
#define arena_inode_ctime(inode)	inode_get_ctime(inode)
#endif

/* 6.13 made symbol namespaces string literals: ARENA_IMPORT_NS(DMA_BUF). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define ARENA_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#else
#define ARENA_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#endif

#endif /* ARENA_KCOMPAT_H */
