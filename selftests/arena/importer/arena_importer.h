/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The test-only dma-buf importer's interface (/dev/arena_importer).
 */
#ifndef _ARENA_IMPORTER_H
#define _ARENA_IMPORTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Import the dma-buf @fd on a platform device: attach, map for DMA, report
 * the sg_table, then through the kernel mapping (between begin and end of
 * CPU access) xor every 64-bit word and overwrite it with @fill.
 */
struct arena_importer_check {
	__s32 fd;		/* in: a dma-buf */
	__u32 nents;		/* out: sg_table entries */
	__u64 length;		/* out: bytes the sg_table covers */
	/*
	 * out: 1 if the entries are physically contiguous, as sg_phys() reads
	 * them; noise when the dma-buf core mangles the page pointers that
	 * importers must not use (CONFIG_DMABUF_DEBUG, on with DMA_API_DEBUG):
	 * read dma_contiguous, which without an IOMMU or bounce buffers says
	 * the same
	 */
	__u32 contiguous;
	__u32 dma_contiguous;	/* out: 1 if their DMA addresses are contiguous */
	__u64 xor_before;	/* out: xor of the words before the fill */
	__u64 fill;		/* in: written to every word */
};

#define ARENA_IMPORTER_CHECK	_IOWR(0xBE, 0x40, struct arena_importer_check)

/*
 * Keep one attachment mapped for DMA between ATTACH and DETACH, and act as
 * the device on it: DEVICE_WRITE fills, DEVICE_READ reads one byte of the
 * device's view (each DMA segment's own address: a bounce buffer under
 * swiotlb=force), across as many segments as the range covers.
 */
struct arena_importer_dev {
	__u64 offset;
	__u64 length;		/* DEVICE_WRITE */
	__u32 value;		/* DEVICE_WRITE: the byte; DEVICE_READ: out */
	__u32 pad;
};

#define ARENA_IMPORTER_ATTACH		_IOW(0xBE, 0x41, __s32)
#define ARENA_IMPORTER_DEVICE_WRITE	_IOW(0xBE, 0x42, struct arena_importer_dev)
#define ARENA_IMPORTER_DEVICE_READ	_IOWR(0xBE, 0x43, struct arena_importer_dev)
#define ARENA_IMPORTER_DETACH		_IO(0xBE, 0x44)

/*
 * ATTACH with the direction of the DMA mapping (enum dma_data_direction:
 * 0 bidirectional, 1 to the device, 2 from the device); ATTACH maps
 * bidirectionally.  The DMA API checks syncs against it (DMA_API_DEBUG).
 */
struct arena_importer_attach {
	__s32 fd;
	__u32 dir;
};

#define ARENA_IMPORTER_ATTACH_DIR	_IOW(0xBE, 0x45, struct arena_importer_attach)

/*
 * ATTACH_PINNED: hold the buffer as an RDMA NIC holds a dma-buf memory
 * region between ibv_reg_dmabuf_mr and ibv_dereg_mr (the kernel's
 * ib_umem_dmabuf_get_pinned()): a dynamic, pinned attachment mapped under
 * the reservation lock; @nents is how many DMA segments the region
 * [offset, offset + length) touches.  The device calls and DETACH work on
 * it as on ATTACH's.
 */
struct arena_importer_pin {
	__s32 fd;		/* in: a dma-buf */
	__u32 nents;		/* out */
	__u64 offset;		/* in */
	__u64 length;		/* in */
};

#define ARENA_IMPORTER_ATTACH_PINNED	_IOWR(0xBE, 0x46, struct arena_importer_pin)

#endif /* _ARENA_IMPORTER_H */
