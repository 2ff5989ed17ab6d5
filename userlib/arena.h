/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarena: refcounted byte views over /dev/arena grants.
 *
 * A pool is an open arena.  A buffer (struct arena_buf) is a grant being
 * written: it has a length and a capacity, and put() refuses to write past
 * the capacity.  Freezing it gives a view (struct arena_bytes): immutable,
 * refcounted bytes that can be cloned, sliced and split in O(1) without
 * copying, in the manner of Rust's bytes::BytesMut and bytes::Bytes.  The
 * grant goes back when the last view of it (or its unfrozen buffer) is
 * released.  Views can be exported as dma-bufs and passed to other
 * processes.
 *
 * Conventions: functions that can fail return 0 (or a non-negative value)
 * on success and a negative errno on failure, leaving their outputs
 * untouched.  Buffers and views are small structs the caller owns; they
 * must be zero-initialised (or come from this library) before use, and
 * released exactly once.  An empty view holds no reference.
 *
 * Threads: every function may be called from any thread; a view or buffer
 * may be released on another thread than the one that made it.  A single
 * view or buffer must not be used by two threads at once.
 *
 * fork(): a pool belongs to the process that opened it.  In a child, its
 * views stay readable (arena memory is shared), but allocating fails with
 * -ECHILD, and releasing views, buffers and the pool frees nothing: the
 * arena file, and with it every grant, is the parent's.
 */
#ifndef LIBARENA_H
#define LIBARENA_H

#include <stddef.h>
#include <stdint.h>

#include <linux/arena.h>

#ifdef __cplusplus
extern "C" {
#endif

struct arena_pool;
struct arena_rec;	/* the library's record of one grant; opaque */

/* A grant being written. */
struct arena_buf {
	uint8_t *ptr;		/* its bytes */
	size_t len;		/* written so far */
	size_t cap;		/* how many it can hold */
	struct arena_rec *rec;
};

/*
 * An immutable view of bytes; ptr and len may be read directly.  An empty
 * view holds no reference, and its ptr is where the cut that emptied it
 * was (slice(f, f): ptr + f; what split_to(len) or advance(len) leaves, and
 * split_off(len)'s tail: ptr + len), as in Rust's bytes crate.
 */
struct arena_bytes {
	const uint8_t *ptr;
	size_t len;
	struct arena_rec *rec;	/* NULL for an empty view */
};

/* Options for arena_pool_open() and arena_pool_create(). */
struct arena_pool_opts {
	/*
	 * put() past a buffer's capacity moves its bytes to heap memory
	 * (which then grows as needed), gives the grant back at once and
	 * counts a spill, instead of failing with -ENOSPC; and an allocation
	 * that finds the arena full starts on the heap, counted the same.
	 */
	unsigned int auto_spill : 1;
	/* No per-thread caches: every allocation and release is an ioctl. */
	unsigned int no_cache : 1;
	/* Grants per size class a thread keeps (0: the default, 32). */
	unsigned int cache_size;
};

/* The library's own counters for a pool. */
struct arena_pool_stats {
	uint64_t cache_hits;	/* allocations served from a thread's cache */
	uint64_t refills;	/* a thread cache filled from the pool or kernel */
	uint64_t cache_spills;	/* a thread cache's overflow moved to the pool */
	uint64_t heap_spills;	/* buffers moved to the heap (auto_spill) */
	uint64_t syscalls;	/* ioctls and mmaps made for grants */
	uint64_t grants_held;	/* grants got from the kernel, not yet given back */
	uint64_t grants_live;	/* grants in use: buffers or views hold them */
};

/*
 * Open the arena of @path ("/dev/arena" for the default arena when NULL;
 * a named arena's device node otherwise).  @opts may be NULL.
 */
int arena_pool_open(const char *path, const struct arena_pool_opts *opts,
		    struct arena_pool **pool);

/* Make a private arena of geometry @c (see ARENA_IOC_CREATE). */
int arena_pool_create(const struct arena_create *c, const struct arena_pool_opts *opts,
		      struct arena_pool **pool);

/*
 * Give back every cached grant, of every thread, and close.  Views and
 * buffers still alive stay valid, in any thread: each grant is unmapped and
 * given back when its last view goes, and what is left of the pool with the
 * last one.  No thread may allocate from the pool once close has begun.
 */
void arena_pool_close(struct arena_pool *pool);

/*
 * Give every cached grant back to the kernel now: every thread's cache
 * (idle threads' too) and the shared stacks.  Live views are untouched.
 */
int arena_pool_flush(struct arena_pool *pool);

/* The arena's geometry and counters (ARENA_IOC_INFO). */
int arena_pool_info(struct arena_pool *pool, struct arena_info *info);

/* The library's counters. */
void arena_pool_stats(struct arena_pool *pool, struct arena_pool_stats *stats);

/* The pool's arena file descriptor (owned by the pool). */
int arena_pool_fd(struct arena_pool *pool);

/*
 * Allocate a buffer of at least @size bytes, empty, from a thread cache
 * when possible (above a chunk: a grant of its own, never cached).  -EFBIG
 * if no grant of the arena can be that large, -ENOSPC if the arena is full
 * (with auto_spill, the buffer is heap memory instead).
 */
int arena_buf_alloc(struct arena_pool *pool, size_t size, struct arena_buf *buf);

/* Append @n bytes; -ENOSPC past the capacity unless the pool auto-spills. */
int arena_buf_put(struct arena_buf *buf, const void *data, size_t n);

/* The unwritten space (*@avail bytes of it), to fill and then commit(). */
uint8_t *arena_buf_spare(struct arena_buf *buf, size_t *avail);

/* Mark @n more bytes of the spare space written; -ERANGE past capacity. */
int arena_buf_commit(struct arena_buf *buf, size_t n);

/* Turn the buffer into a view of what was written; the buffer becomes empty. */
void arena_buf_freeze(struct arena_buf *buf, struct arena_bytes *view);

/* Release an unfrozen buffer (its grant goes back). */
void arena_buf_release(struct arena_buf *buf);

/* Another view of the same bytes: O(1), a reference more. */
void arena_bytes_clone(const struct arena_bytes *view, struct arena_bytes *copy);

/* A view of [from, to) of @view; -ERANGE unless from <= to <= len. */
int arena_bytes_slice(const struct arena_bytes *view, size_t from, size_t to,
		      struct arena_bytes *slice);

/* Move [0, at) of @view to @head; @view keeps [at, len).  -ERANGE if at > len. */
int arena_bytes_split_to(struct arena_bytes *view, size_t at, struct arena_bytes *head);

/* Move [at, len) of @view to @tail; @view keeps [0, at).  -ERANGE if at > len. */
int arena_bytes_split_off(struct arena_bytes *view, size_t at, struct arena_bytes *tail);

/* Drop the first @n bytes; -ERANGE if n > len. */
int arena_bytes_advance(struct arena_bytes *view, size_t n);

/* Keep the first @len bytes (no effect if len >= the view's length). */
void arena_bytes_truncate(struct arena_bytes *view, size_t len);

/* Drop the view's reference; the view becomes empty. */
void arena_bytes_release(struct arena_bytes *view);

/*
 * If @view holds the only reference to its bytes, turn it into a buffer
 * over them (length = the view's, capacity = to the end of the grant) and
 * empty the view; -EBUSY if other views share them or they were exported
 * (a dma-buf may map them elsewhere: they stay immutable), -EINVAL for an
 * empty view or one received from another process.
 */
int arena_bytes_try_into_mut(struct arena_bytes *view, struct arena_buf *buf);

/*
 * Export the whole pages of the grant under @view as a dma-buf (flags:
 * O_CLOEXEC and O_RDONLY or O_RDWR).  Returns the fd, and in *@offset where
 * the view starts in it.  -EINVAL for an empty view, one on the heap
 * (auto-spilled) or in a grant that does not start on a page.
 */
int arena_bytes_export(const struct arena_bytes *view, int flags, size_t *offset);

/* Export @view and send it, with its offset and length, over a unix socket. */
int arena_bytes_send(int sock, const struct arena_bytes *view);

/* Receive a view sent by arena_bytes_send(): mapped here, read-only. */
int arena_bytes_recv(int sock, struct arena_bytes *view);

/*
 * Wrap a dma-buf fd (taken over: closed with the view) into a read-only
 * view of [offset, offset + len) of it.  Only a dma-buf that arena.ko
 * exported is taken (-EINVAL otherwise): its size cannot change under the
 * view, where a sender's memfd could be shrunk into a SIGBUS.
 */
int arena_bytes_from_dmabuf(int fd, size_t offset, size_t len, struct arena_bytes *view);

#ifdef __cplusplus
}
#endif

#endif /* LIBARENA_H */
