/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * arena: huge-page-backed, physically contiguous memory through /dev/arena.
 *
 * The userspace ABI.  Documentation/abi.rst describes every definition here,
 * every errno, and the compatibility promise, in short:
 *
 *  - every struct has fixed-width fields, explicit padding and a size that
 *    is a multiple of 8; pointers travel as __u64;
 *  - structs only grow at their end.  The size userspace was built with is
 *    the size field of the ioctl number; the kernel reads input structs with
 *    copy_struct_from_user(): a shorter (older) struct is zero-extended, a
 *    longer (newer) one whose extra bytes are not all zero fails with E2BIG.
 *    Output is truncated to, or zero-filled up to, the caller's size;
 *  - unknown flags and non-zero padding fail with EINVAL, unknown ioctls
 *    with ENOTTY.
 */
#ifndef _UAPI_LINUX_ARENA_H
#define _UAPI_LINUX_ARENA_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The character device, relative to /dev. */
#define ARENA_DEVICE_NAME	"arena"

/* Unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define ARENA_IOC_MAGIC		0xBE

/* Geometry modes. */
#define ARENA_MODE_FIXED	1	/* slot_count slots of slot_size bytes */
#define ARENA_MODE_BUDDY	2	/* power-of-two blocks up to a chunk; spans above */

/* struct arena_create.flags */
#define ARENA_CREATE_SKIP_ZEROING	_BITUL(0) /* grants are not zeroed */
#define ARENA_CREATE_PREFAULT		_BITUL(1) /* mmap maps every page at once */
#define ARENA_CREATE_SMALLER_CHUNKS	_BITUL(2) /* fall back to smaller chunks */
#define ARENA_CREATE_NEAREST		_BITUL(3) /* round sizes up, don't reject */
/*
 * Retired: refused with EOPNOTSUPP.  Its mappings had no file, which the
 * kernel's mm does not support for shared mappings (see abi.rst).
 */
#define ARENA_CREATE_FILELESS		_BITUL(4)
/* Every flag above; unknown ones fail with EINVAL. */
#define ARENA_CREATE_FLAGS	((__u32)(ARENA_CREATE_SKIP_ZEROING | ARENA_CREATE_PREFAULT | \
				 ARENA_CREATE_SMALLER_CHUNKS | ARENA_CREATE_NEAREST | \
				 ARENA_CREATE_FILELESS))

/* struct arena_create.node: the calling CPU's node. */
#define ARENA_NODE_LOCAL	(-1)

/*
 * ARENA_IOC_CREATE: make a fresh /dev/arena file a private arena.
 *
 * FIXED uses slot_size, slot_count and align (0: 4096), which must be zero
 * for BUDDY; BUDDY uses size and min_block (0: 4096), which must be zero
 * for FIXED.  chunk_order 0 means the default (9: 2 MiB chunks on x86-64).
 */
struct arena_create {
	__u32 mode;		/* ARENA_MODE_* */
	__u32 flags;		/* ARENA_CREATE_* */
	__s32 node;		/* NUMA node or ARENA_NODE_LOCAL */
	__u32 chunk_order;	/* pages per chunk, log2; 0: default */
	__u64 size;		/* BUDDY: total bytes */
	__u64 min_block;	/* BUDDY: smallest block, a power of two */
	__u64 slot_size;	/* FIXED: bytes per slot, rounded up to align */
	__u64 slot_count;	/* FIXED */
	__u64 align;		/* FIXED: slot alignment, a power of two */
};

/* struct arena_info.features: what this module supports. */
#define ARENA_FEATURE_FIXED		_BITULL(0)
#define ARENA_FEATURE_BUDDY		_BITULL(1)
#define ARENA_FEATURE_BATCH		_BITULL(2)
#define ARENA_FEATURE_WAIT		_BITULL(3)
#define ARENA_FEATURE_POLL		_BITULL(4)
#define ARENA_FEATURE_WHOLE_MAP		_BITULL(5)
#define ARENA_FEATURE_PMD_MAP		_BITULL(6)
#define ARENA_FEATURE_IMPLICIT_MAP	_BITULL(7)
#define ARENA_FEATURE_DMABUF		_BITULL(8)
#define ARENA_FEATURE_SYNC		_BITULL(9)
#define ARENA_FEATURE_FILELESS		_BITULL(10)	/* retired: never reported */
#define ARENA_FEATURE_NETLINK		_BITULL(11)	/* family "arena", named arenas */
/*
 * Shared arenas (the default arena, named arenas not made one trust domain)
 * isolate their holders: no whole-arena mapping, grants of whole zeroed
 * pages, and mutating ioctls need a file opened for writing (EBADF).
 */
#define ARENA_FEATURE_ISOLATION		_BITULL(12)
/* Grants of shared arenas count against RLIMIT_MEMLOCK (EDQUOT beyond it). */
#define ARENA_FEATURE_SHARE_LIMIT	_BITULL(13)
/*
 * Buddy grants of any size up to the arena's: above a chunk, a span of
 * whole consecutive chunks, one mapping and one dma-buf; EFBIG only beyond
 * arena_info.max_grant.  Cookies may be spaced wider than 4 GiB (abi.rst).
 */
#define ARENA_FEATURE_BIG_GRANTS	_BITULL(14)
/* ARENA_ALLOC_CONTIG and arena_info.contig_offset: ERANGE above a chunk. */
#define ARENA_FEATURE_CONTIG		_BITULL(15)
/*
 * Arenas as dma-buf heaps through the companion module arena_heap.ko
 * (kernels whose dma_heap_add() modules may call, 6.16 on): the default
 * arena as /dev/dma_heap/arena, named arenas made with ARENA_A_DMA_HEAP as
 * /dev/dma_heap/arena-<name>.
 */
#define ARENA_FEATURE_DMA_HEAP		_BITULL(16)
/*
 * ARENA_ALLOC_EXPORT: a grant made and exported as a dma-buf in one call,
 * with arena_alloc.export_flags and arena_alloc.fd.
 */
#define ARENA_FEATURE_ALLOC_EXPORT	_BITULL(17)

/* ARENA_IOC_INFO: the geometry and counters of the file's arena. */
struct arena_info {
	__u64 features;		/* ARENA_FEATURE_* */
	__u32 mode;		/* ARENA_MODE_* */
	__u32 flags;		/* ARENA_CREATE_* in effect */
	__s32 node;		/* NUMA node of every chunk */
	__u32 chunk_order;	/* in effect, after any fallback */
	__u64 size;		/* total bytes: nr_chunks * chunk_size */
	__u64 chunk_size;
	__u64 nr_chunks;
	__u64 slot_size;	/* FIXED */
	__u64 slot_count;	/* FIXED */
	__u64 align;		/* FIXED */
	__u64 min_block;	/* BUDDY */
	__u64 max_block;	/* BUDDY: the largest block */
	__u64 whole_offset;	/* mmap offset mapping the whole arena */
	__u64 metadata_bytes;	/* the allocator's own memory */
	/* Counters. */
	__u64 allocations_ok;
	__u64 allocations_failed;
	__u64 frees;
	__u64 bytes_reserved;	/* slot or block bytes of live grants */
	__u64 bytes_live;	/* requested bytes of live grants */
	__u64 splits;
	__u64 coalesces;
	__u64 largest_free_block;
	__u64 bytes_mapped;	/* bytes of live mappings of this arena */
	__u64 pmd_faults;	/* faults served with a PMD (2 MiB) entry */
	__u64 pte_faults;	/* faults served with PTEs (a batch each) */
	__u64 live_grants;	/* grants whose memory is not back yet */
	__u64 exported_grants;
	/* Since ARENA_FEATURE_NETLINK (the structure grew; older sizes work). */
	__u32 id;		/* the arena's id in the "arena" netlink family */
	__u32 kind;		/* enum arena_kind */
	/* Since ARENA_FEATURE_BIG_GRANTS. */
	__u64 max_grant;	/* the largest grant the arena could ever make */
	__u64 largest_free_grant; /* the largest it could make now */
	__u64 largest_free_contig; /* the largest physically contiguous one now */
	__u64 contig_offset;	/* mmap offset of an implicit contiguous grant */
};

/* struct arena_alloc.flags */
#define ARENA_ALLOC_WAIT	_BITUL(0)	/* sleep until space, or timeout */
/* Physically contiguous: at most a chunk, ERANGE for more (abi.rst). */
#define ARENA_ALLOC_CONTIG	_BITUL(1)
/*
 * The grant exported whole as a dma-buf (fd), which holds it alone: no
 * handle, no mmap cookie (handle and offset are 0); it returns once the
 * dma-buf is gone.  The call fails where ARENA_IOC_EXPORT of the grant would.
 */
#define ARENA_ALLOC_EXPORT	_BITUL(2)
#define ARENA_ALLOC_FLAGS	((__u32)(ARENA_ALLOC_WAIT | ARENA_ALLOC_CONTIG | \
					 ARENA_ALLOC_EXPORT))
/* struct arena_alloc_batch.flags */
#define ARENA_ALLOC_BATCH_FLAGS	((__u32)ARENA_ALLOC_CONTIG)

/*
 * ARENA_IOC_ALLOC: grant at least @size bytes.  offset is what to pass to
 * mmap for this grant (a cookie, not a position); arena_offset is where the
 * grant lies in the whole-arena mapping.
 */
struct arena_alloc {
	__u64 size;		/* in */
	__u32 flags;		/* in: ARENA_ALLOC_* */
	__u32 pad;		/* in: zero */
	__u64 timeout_ns;	/* in: with ARENA_ALLOC_WAIT; 0 = no limit */
	__u64 handle;		/* out */
	__u64 offset;		/* out: mmap offset */
	__u64 granted;		/* out: usable bytes, >= size */
	__u64 arena_offset;	/* out */
	/* Since ARENA_FEATURE_ALLOC_EXPORT (the structure grew; older sizes work). */
	__u32 export_flags;	/* in: with ARENA_ALLOC_EXPORT, as arena_export.flags */
	__s32 fd;		/* out: the dma-buf with ARENA_ALLOC_EXPORT, else 0 */
};

/* ARENA_IOC_FREE: drop a handle; the memory returns when nothing holds it. */
struct arena_free {
	__u64 handle;
	__u32 flags;		/* zero */
	__u32 pad;		/* zero */
};

/* One grant of a batch, as ARENA_IOC_ALLOC reports it. */
struct arena_grant_desc {
	__u64 handle;
	__u64 offset;
	__u64 granted;
	__u64 arena_offset;
};

#define ARENA_BATCH_MAX		1024

/*
 * ARENA_IOC_ALLOC_BATCH: up to @count grants of @size bytes each into the
 * array at @grants.  On return @done says how many were made; fewer than
 * @count means the arena had no more space.  No grant is made if none fits
 * (ENOSPC) or if the array cannot be written (EFAULT).
 */
struct arena_alloc_batch {
	__u64 size;
	__u64 grants;		/* pointer to struct arena_grant_desc[count] */
	__u32 count;		/* 1 .. ARENA_BATCH_MAX */
	__u32 flags;		/* ARENA_ALLOC_BATCH_FLAGS */
	__u32 done;		/* out */
	__u32 pad;		/* zero */
};

/*
 * ARENA_IOC_FREE_BATCH: drop @count handles from the array at @handles, in
 * order, stopping at the first that is not a handle of this file (ENOENT).
 * @done says how many were dropped, also on error.
 */
struct arena_free_batch {
	__u64 handles;		/* pointer to __u64[count] */
	__u32 count;		/* 1 .. ARENA_BATCH_MAX */
	__u32 flags;		/* zero */
	__u32 done;		/* out */
	__u32 pad;		/* zero */
};

/*
 * ARENA_IOC_EXPORT: export whole pages of a grant as a dma-buf.  @flags
 * takes O_CLOEXEC and an O_ACCMODE value for the new file.  The dma-buf
 * holds the grant: freeing the handle, or closing this file, leaves the
 * memory alive until the dma-buf is released.
 */
struct arena_export {
	__u64 handle;
	__u64 offset;		/* page-aligned offset into the grant */
	__u64 length;		/* a page multiple; 0: to the grant's last whole page */
	__u32 flags;		/* O_CLOEXEC | O_RDONLY, O_WRONLY or O_RDWR */
	__s32 fd;		/* out: the dma-buf */
};

/* struct arena_sync.flags, as DMA_BUF_SYNC_*: a direction, start or end. */
#define ARENA_SYNC_READ		_BITUL(0) /* the CPU reads what a device wrote */
#define ARENA_SYNC_WRITE	_BITUL(1) /* the CPU writes for a device to read */
#define ARENA_SYNC_RW		(ARENA_SYNC_READ | ARENA_SYNC_WRITE)
#define ARENA_SYNC_START	0	  /* CPU access begins */
#define ARENA_SYNC_END		_BITUL(2) /* CPU access ends */
#define ARENA_SYNC_FLAGS	((__u32)(ARENA_SYNC_RW | ARENA_SYNC_END))

/*
 * ARENA_IOC_SYNC: DMA_BUF_IOCTL_SYNC for [offset, offset + length) of a
 * grant only: every device attachment of every dma-buf exported from it
 * that covers part of the range is synced for that part.
 */
struct arena_sync {
	__u64 handle;
	__u64 offset;
	__u64 length;
	__u32 flags;		/* ARENA_SYNC_* */
	__u32 pad;		/* zero */
};

#define ARENA_IOC_INFO		_IOR(ARENA_IOC_MAGIC, 0x00, struct arena_info)
#define ARENA_IOC_CREATE	_IOW(ARENA_IOC_MAGIC, 0x01, struct arena_create)
#define ARENA_IOC_ALLOC		_IOWR(ARENA_IOC_MAGIC, 0x02, struct arena_alloc)
#define ARENA_IOC_FREE		_IOW(ARENA_IOC_MAGIC, 0x03, struct arena_free)
#define ARENA_IOC_ALLOC_BATCH	_IOWR(ARENA_IOC_MAGIC, 0x04, struct arena_alloc_batch)
#define ARENA_IOC_FREE_BATCH	_IOWR(ARENA_IOC_MAGIC, 0x05, struct arena_free_batch)
#define ARENA_IOC_EXPORT	_IOWR(ARENA_IOC_MAGIC, 0x06, struct arena_export)
#define ARENA_IOC_SYNC		_IOW(ARENA_IOC_MAGIC, 0x07, struct arena_sync)

/*
 * The control plane: generic netlink family ARENA_GENL_NAME.  Named arenas
 * appear as /dev/arenas/<name>.  See Documentation/abi.rst, "netlink".
 */
#define ARENA_GENL_NAME		"arena"
#define ARENA_GENL_VERSION	1
#define ARENA_GENL_MCGRP_EVENTS	"events"
#define ARENA_NAME_MAX		32	/* with the NUL: [a-z0-9_-]{1,31} */

enum arena_cmd {
	ARENA_CMD_UNSPEC,
	ARENA_CMD_GET,		/* one arena (ID or NAME), or dump them all */
	ARENA_CMD_NEW,		/* make a named arena (CAP_SYS_ADMIN) */
	ARENA_CMD_DEL,		/* remove a named arena (CAP_SYS_ADMIN) */
	ARENA_CMD_EVENT,	/* multicast on ARENA_GENL_MCGRP_EVENTS */
	__ARENA_CMD_MAX,
};

#define ARENA_CMD_MAX		(__ARENA_CMD_MAX - 1)

/* What an arena is. */
enum arena_kind {
	ARENA_KIND_DEFAULT = 1,	/* made at module load */
	ARENA_KIND_PRIVATE,	/* ARENA_IOC_CREATE */
	ARENA_KIND_NAMED,	/* ARENA_CMD_NEW */
};

enum arena_event_kind {
	ARENA_EVENT_MADE = 1,
	ARENA_EVENT_REMOVED,
	ARENA_EVENT_FULL,	/* an allocation failed for lack of space */
	ARENA_EVENT_LOW,	/* free space fell below ARENA_LOW_PERCENT */
};

#define ARENA_LOW_PERCENT	10	/* the low-space watermark, of the size */

enum arena_attr {
	ARENA_A_UNSPEC,
	ARENA_A_PAD,
	ARENA_A_ID,		/* u32 */
	ARENA_A_NAME,		/* string: named arenas */
	ARENA_A_KIND,		/* u32: enum arena_kind */
	ARENA_A_OWNER_UID,	/* u32: who made it */
	ARENA_A_OWNER_PID,	/* u32 */
	ARENA_A_MODE,		/* u32: ARENA_MODE_* */
	ARENA_A_FLAGS,		/* u32: ARENA_CREATE_* */
	ARENA_A_NODE,		/* s32 */
	ARENA_A_CHUNK_ORDER,	/* u32 */
	ARENA_A_NR_CHUNKS,	/* u64 */
	ARENA_A_SIZE,		/* u64 */
	ARENA_A_MIN_BLOCK,	/* u64 */
	ARENA_A_MAX_BLOCK,	/* u64 */
	ARENA_A_SLOT_SIZE,	/* u64 */
	ARENA_A_SLOT_COUNT,	/* u64 */
	ARENA_A_ALIGN,		/* u64 */
	ARENA_A_DEV_UID,	/* u32: named arenas' device node */
	ARENA_A_DEV_GID,	/* u32 */
	ARENA_A_DEV_MODE,	/* u32: permission bits */
	ARENA_A_HOLDERS,	/* u32: open files on the arena */
	ARENA_A_STATS,		/* nest: ARENA_S_* */
	ARENA_A_EVENT,		/* u32: enum arena_event_kind */
	ARENA_A_ONE_DOMAIN,	/* u8: 1 if its holders are one trust domain */
	ARENA_A_DMA_HEAP,	/* u8: 1 to serve it as /dev/dma_heap/arena-<name> */
	__ARENA_A_MAX,
};

#define ARENA_A_MAX		(__ARENA_A_MAX - 1)

/* In ARENA_A_STATS; all u64 but ARENA_S_FRAGMENTATION. */
enum arena_stat {
	ARENA_S_UNSPEC,
	ARENA_S_PAD,
	ARENA_S_ALLOCATIONS_OK,
	ARENA_S_ALLOCATIONS_FAILED,
	ARENA_S_FREES,
	ARENA_S_BYTES_RESERVED,
	ARENA_S_BYTES_LIVE,
	ARENA_S_SPLITS,
	ARENA_S_COALESCES,
	ARENA_S_LARGEST_FREE_BLOCK,
	ARENA_S_BYTES_MAPPED,
	ARENA_S_PMD_FAULTS,
	ARENA_S_PTE_FAULTS,
	ARENA_S_LIVE_GRANTS,
	ARENA_S_EXPORTED_GRANTS,
	ARENA_S_METADATA_BYTES,
	/* u32, per mille: 1000 * (1 - largest free / min(free, max_block)) */
	ARENA_S_FRAGMENTATION,
	ARENA_S_LARGEST_FREE_GRANT,	/* since ARENA_FEATURE_BIG_GRANTS */
	ARENA_S_LARGEST_FREE_CONTIG,
	/* u32, per mille: 1000 * (1 - largest free grant / free bytes) */
	ARENA_S_SPAN_FRAGMENTATION,
	__ARENA_S_MAX,
};

#define ARENA_S_MAX		(__ARENA_S_MAX - 1)

#endif /* _UAPI_LINUX_ARENA_H */
