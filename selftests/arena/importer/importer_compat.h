/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The importer's differences between kernels, in one place (checkpatch's
 * LINUX_VERSION_CODE warning is waived for compat headers, see
 * scripts/check).
 */
#ifndef IMPORTER_COMPAT_H
#define IMPORTER_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/version.h>

/* 6.2 made the plain forms expect the reservation lock held. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define importer_map		dma_buf_map_attachment
#define importer_unmap		dma_buf_unmap_attachment
#define importer_vmap		dma_buf_vmap
#define importer_vunmap		dma_buf_vunmap
#else
#define importer_map		dma_buf_map_attachment_unlocked
#define importer_unmap		dma_buf_unmap_attachment_unlocked
#define importer_vmap		dma_buf_vmap_unlocked
#define importer_vunmap		dma_buf_vunmap_unlocked
#endif

/* 6.13 made symbol namespaces string literals. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define IMPORTER_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#else
#define IMPORTER_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#endif

/*
 * Before 7.1 a dynamic importer had to give a move_notify callback (a
 * pinned one that cannot follow a move warns, as ib_umem_dmabuf does);
 * 7.1 renamed it invalidate_mappings and made it optional.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 1, 0)
#define IMPORTER_PINNED_NOTIFY	1
#endif

#endif /* IMPORTER_COMPAT_H */
