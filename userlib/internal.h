/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarena internals.
 *
 * Every grant the library holds has a record (struct arena_rec): its
 * handle, where it is mapped, and the reference count that buffers and
 * views share.  A record with no reference sits in a thread's cache (a
 * stack per size class, touched only by its thread), in the pool's shared
 * stack for its class (under the class lock), or, once given back to the
 * kernel, on the pool's list of spare records.
 *
 * Refill and spill move cache_size / 2 records at a time, so a thread's
 * cache swings between empty and full no more often than every half its
 * size, and the shared stack keeps at most cache_size records per class:
 * beyond that, grants go back to the kernel, so that idle threads and idle
 * pools do not strand memory that other processes could use.
 *
 * Counters a thread bumps live in its cache, so that counting costs no
 * shared cache line; a cache's counts move to the pool's when it dies.
 *
 * A thread's cache has a lock of its own (@busy, a spin flag its owner
 * takes around every use, uncontended but for a flush or a close), so that
 * arena_pool_flush() and arena_pool_close() can empty every thread's cache
 * at once.  Lock order: pools_lock, then pool->lock (the list of caches),
 * then a cache's busy flag, then a class lock, then spare_lock.  Holding
 * busy, a thread never takes pool->lock.
 *
 * Lifetimes.  @held counts the grants the pool has from the kernel, plus
 * one while the pool is open.  Closing empties the caches and drops that
 * one; views still alive keep their grants, each given back when its last
 * view goes, and whoever drops @held to zero destroys the pool.  A thread's
 * cache belongs to its thread: a destroyed pool leaves it orphaned
 * (pool == NULL), and the thread frees it on exit, or when its key, which
 * destroyed pools hand on to new ones, finds it again.
 */
#ifndef LIBARENA_INTERNAL_H
#define LIBARENA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"

#define API __attribute__((visibility("default")))

#define ARENA_MAX_CLASSES	32
/*
 * Buffers larger than the arena's largest block (a chunk) are grants of
 * their own size (spans, ARENA_FEATURE_BIG_GRANTS): made and given back one
 * at a time, never cached, as malloc serves large sizes with mmap.
 */
#define ARENA_CLASS_BIG		255
#define ARENA_DEFAULT_CACHE	32
#define ARENA_PAGE		4096UL

enum arena_rec_kind {
	REC_GRANT,		/* a grant of the pool's arena */
	REC_HEAP,		/* a buffer moved to the heap (auto_spill) */
	REC_DMABUF,		/* a dma-buf received from elsewhere */
};

struct arena_rec {
	atomic_uint refs;
	uint8_t kind;
	uint8_t cls;			/* REC_GRANT: its size class */
	/*
	 * REC_GRANT: exported as a dma-buf, which may outlive every view, so
	 * the grant goes back to the kernel (which waits for the dma-buf)
	 * rather than to a cache when the last view goes.
	 */
	atomic_bool exported;
	struct arena_pool *pool;	/* REC_GRANT */
	uint8_t *base;			/* the bytes */
	size_t cap;
	uint64_t handle;		/* REC_GRANT */
	uint64_t cookie;		/* REC_GRANT: its mmap offset */
	uint64_t arena_offset;		/* REC_GRANT */
	void *map;			/* its own mapping, if any */
	size_t map_len;
	int fd;				/* REC_DMABUF */
	struct arena_rec *next;		/* on a shared stack or the spare list */
};

/* Counters of one thread (or, retired, of threads gone). */
struct arena_counts {
	uint64_t hits, refills, spills, heap_spills, syscalls;
	int64_t live;			/* allocations minus releases */
};

struct arena_class {
	pthread_mutex_t lock;		/* protects free and nfree */
	struct arena_rec *free;
	unsigned int nfree;
	size_t size;			/* what a grant of this class is asked for */
};

struct arena_tcache {
	struct arena_pool *pool;	/* NULL: orphaned, its pool is gone */
	struct arena_tcache *next;	/* on pool->tcaches */
	atomic_flag busy;		/* protects n, stack and dead */
	bool dead;			/* its pool is closing: caches nothing more */
	struct arena_counts counts;
	unsigned int n[ARENA_MAX_CLASSES];
	struct arena_rec **stack;	/* [class * cache_size + i] */
};

struct arena_pool {
	int fd;
	bool forked;			/* inherited by a child of fork() */
	atomic_bool closing;		/* arena_pool_close() was called */
	struct arena_pool_opts opts;
	unsigned int cache_size, batch;
	struct arena_info info;		/* geometry, as opened */
	uint8_t *whole;			/* the whole arena, or NULL (default arena) */
	unsigned int nclasses;
	struct arena_class classes[ARENA_MAX_CLASSES];

	pthread_key_t key;		/* this thread's struct arena_tcache */
	pthread_mutex_t lock;		/* protects tcaches, retired */
	struct arena_tcache *tcaches;
	struct arena_counts retired;
	pthread_mutex_t spare_lock;	/* protects spare */
	struct arena_rec *spare;
	/* Grants got from the kernel and not given back, plus one while open. */
	atomic_uint_fast64_t held;

	struct arena_pool *next;	/* on the process's list, for fork() */
};

/* pool.c */
int arena_class_of(struct arena_pool *pool, size_t size);
void arena_pool_forget_on_fork(struct arena_pool *pool);
void arena_pool_unhold(struct arena_pool *pool, unsigned int n);
void arena_pools_lock(void);
void arena_pools_unlock(void);

/* cache.c */
struct arena_tcache *arena_tcache(struct arena_pool *pool);
void arena_tcache_destroy(void *tcache);
unsigned int arena_tcache_drain(struct arena_tcache *tc, struct arena_rec **list);
void arena_tcache_lock(struct arena_tcache *tc);
void arena_tcache_unlock(struct arena_tcache *tc);
int arena_cache_get(struct arena_pool *pool, int cls, struct arena_rec **rec);
int arena_big_get(struct arena_pool *pool, size_t size, struct arena_rec **rec);
void arena_cache_put(struct arena_rec *rec);
int arena_kernel_free(struct arena_pool *pool, struct arena_rec *recs, unsigned int n);
void arena_shared_trim(struct arena_pool *pool, struct arena_class *c, unsigned int keep);

/* bytes.c */
void arena_rec_unref(struct arena_rec *rec);

#endif /* LIBARENA_INTERNAL_H */
