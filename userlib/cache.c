// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Grants in and out: per-thread caches over the pool's shared stacks over
 * the kernel's batch ioctls (see internal.h for the scheme).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

static struct arena_rec *rec_new(struct arena_pool *pool)
{
	struct arena_rec *rec;

	pthread_mutex_lock(&pool->spare_lock);
	rec = pool->spare;
	if (rec)
		pool->spare = rec->next;
	pthread_mutex_unlock(&pool->spare_lock);
	return rec ? rec : malloc(sizeof(*rec));
}

static void rec_spare(struct arena_pool *pool, struct arena_rec *rec)
{
	pthread_mutex_lock(&pool->spare_lock);
	rec->next = pool->spare;
	pool->spare = rec;
	pthread_mutex_unlock(&pool->spare_lock);
}

/* A thread's cache, for its owner or a flush or close (see internal.h). */
void arena_tcache_lock(struct arena_tcache *tc)
{
	while (atomic_flag_test_and_set_explicit(&tc->busy, memory_order_acquire))
		sched_yield();	/* its owner is in an ioctl at most */
}

void arena_tcache_unlock(struct arena_tcache *tc)
{
	atomic_flag_clear_explicit(&tc->busy, memory_order_release);
}

/* Count a syscall in this thread's cache, or in the pool's without one. */
static void count_syscall(struct arena_pool *pool, struct arena_tcache *tc)
{
	if (tc) {
		tc->counts.syscalls++;
	} else {
		pthread_mutex_lock(&pool->lock);
		pool->retired.syscalls++;
		pthread_mutex_unlock(&pool->lock);
	}
}

/*
 * Up to @n grants of class @cls (@size bytes each) from the kernel, as a
 * list; returns how many (0 with *@err set when none).
 */
static unsigned int kernel_alloc(struct arena_pool *pool, struct arena_tcache *tc, int cls,
				 size_t size, unsigned int n, struct arena_rec **list, int *err)
{
	struct arena_grant_desc g[ARENA_BATCH_MAX];
	struct arena_alloc_batch b = {
		.size = size, .grants = (uintptr_t)g,
		.count = n > ARENA_BATCH_MAX ? ARENA_BATCH_MAX : n,
	};
	struct arena_rec *rec;
	unsigned int i, got = 0;

	count_syscall(pool, tc);
	if (ioctl(pool->fd, ARENA_IOC_ALLOC_BATCH, &b)) {
		*err = -errno;
		return 0;
	}
	for (i = 0; i < b.done; i++) {
		rec = rec_new(pool);
		if (!rec)
			goto give_back;
		memset(rec, 0, sizeof(*rec));
		rec->kind = REC_GRANT;
		rec->cls = cls;
		rec->pool = pool;
		rec->cap = g[i].granted;
		rec->handle = g[i].handle;
		rec->cookie = g[i].offset;
		rec->arena_offset = g[i].arena_offset;
		rec->fd = -1;
		if (pool->whole) {
			rec->base = pool->whole + g[i].arena_offset;
		} else {
			/* The shared default arena: each grant mapped on its own. */
			count_syscall(pool, tc);
			rec->map_len = (rec->cap + ARENA_PAGE - 1) & ~(ARENA_PAGE - 1);
			rec->map = mmap(NULL, rec->map_len, PROT_READ | PROT_WRITE,
					MAP_SHARED, pool->fd, rec->cookie);
			if (rec->map == MAP_FAILED) {
				rec_spare(pool, rec);
				goto give_back;
			}
			rec->base = rec->map;
		}
		rec->next = *list;
		*list = rec;
		got++;
	}
	atomic_fetch_add_explicit(&pool->held, got, memory_order_relaxed);
	return got;

give_back:
	/* Grants i..done-1 have no record: they go straight back. */
	for (; i < b.done; i++) {
		struct arena_free f = { .handle = g[i].handle };

		ioctl(pool->fd, ARENA_IOC_FREE, &f);
	}
	if (!got)
		*err = -ENOMEM;
	atomic_fetch_add_explicit(&pool->held, got, memory_order_relaxed);
	return got;
}

/*
 * Drop @count handles.  The kernel stops a batch at a handle it cannot drop
 * (ENOENT); the ones after it are dropped all the same, in further calls,
 * so that one bad handle leaks nothing.  Returns 0 or the first error.
 */
static int free_handles(struct arena_pool *pool, const uint64_t *handles, unsigned int count)
{
	struct arena_free_batch b;
	unsigned int i = 0;
	int ret = 0;

	while (i < count) {
		b = (struct arena_free_batch){ .handles = (uintptr_t)(handles + i),
					       .count = count - i };
		count_syscall(pool, pthread_getspecific(pool->key));
		if (!ioctl(pool->fd, ARENA_IOC_FREE_BATCH, &b))
			break;
		ret = ret ?: -errno;
		i += b.done + 1;	/* past the one that failed */
	}
	/* Every record given is gone from the pool, dropped or not. */
	arena_pool_unhold(pool, count);
	return ret;
}

/*
 * Give @n records of @recs (a list) back to the kernel.  The last grant of
 * a closed pool destroys it: the caller touches the pool no more after.
 */
int arena_kernel_free(struct arena_pool *pool, struct arena_rec *recs, unsigned int n)
{
	uint64_t handles[ARENA_BATCH_MAX];
	struct arena_rec *rec;
	unsigned int count;
	int ret = 0, err;

	while (recs && n) {
		for (count = 0; recs && n && count < ARENA_BATCH_MAX; n--) {
			rec = recs;
			recs = rec->next;
			handles[count++] = rec->handle;
			if (rec->map)
				munmap(rec->map, rec->map_len);
			rec_spare(pool, rec);
		}
		err = free_handles(pool, handles, count);
		ret = ret ?: err;
	}
	return ret;
}

/* Give back all but @keep of the shared stack of @c. */
void arena_shared_trim(struct arena_pool *pool, struct arena_class *c, unsigned int keep)
{
	struct arena_rec *excess = NULL, *rec;
	unsigned int n = 0;

	pthread_mutex_lock(&c->lock);
	while (c->nfree > keep) {
		rec = c->free;
		c->free = rec->next;
		c->nfree--;
		rec->next = excess;
		excess = rec;
		n++;
	}
	pthread_mutex_unlock(&c->lock);
	if (n)
		arena_kernel_free(pool, excess, n);
}

/* This thread's cache of @pool, made if need be; NULL once it is closing. */
struct arena_tcache *arena_tcache(struct arena_pool *pool)
{
	struct arena_tcache *tc = pthread_getspecific(pool->key);

	if (tc && tc->pool == pool)
		return tc;
	if (tc) {
		/* Left by a destroyed pool whose key this one has now. */
		free(tc->stack);
		free(tc);
		pthread_setspecific(pool->key, NULL);
	}
	if (atomic_load_explicit(&pool->closing, memory_order_acquire))
		return NULL;
	tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	tc->stack = calloc((size_t)pool->nclasses * pool->cache_size, sizeof(*tc->stack));
	if (!tc->stack || pthread_setspecific(pool->key, tc)) {
		free(tc->stack);
		free(tc);
		return NULL;
	}
	tc->pool = pool;
	atomic_flag_clear(&tc->busy);
	pthread_mutex_lock(&pool->lock);
	/* A close that has begun drains the list: join it no more. */
	tc->dead = atomic_load_explicit(&pool->closing, memory_order_relaxed);
	tc->next = pool->tcaches;
	pool->tcaches = tc;
	pthread_mutex_unlock(&pool->lock);
	return tc;
}

static struct arena_rec **tc_stack(struct arena_tcache *tc, int cls)
{
	return tc->stack + (size_t)cls * tc->pool->cache_size;
}

/* Move @n records from the top of a thread's stack to the shared one. */
static void tc_spill(struct arena_tcache *tc, int cls, unsigned int n)
{
	struct arena_pool *pool = tc->pool;
	struct arena_class *c = &pool->classes[cls];
	struct arena_rec **stack = tc_stack(tc, cls);

	pthread_mutex_lock(&c->lock);
	while (n-- && tc->n[cls]) {
		struct arena_rec *rec = stack[--tc->n[cls]];

		rec->next = c->free;
		c->free = rec;
		c->nfree++;
	}
	pthread_mutex_unlock(&c->lock);
	arena_shared_trim(pool, c, pool->cache_size);
}

/*
 * Take every record of @tc's stacks, as a list into *@list; the caller
 * holds its busy flag.  Returns how many.
 */
unsigned int arena_tcache_drain(struct arena_tcache *tc, struct arena_rec **list)
{
	unsigned int cls, n = 0;

	for (cls = 0; cls < tc->pool->nclasses; cls++) {
		struct arena_rec **stack = tc_stack(tc, cls);

		while (tc->n[cls]) {
			struct arena_rec *rec = stack[--tc->n[cls]];

			rec->next = *list;
			*list = rec;
			n++;
		}
	}
	return n;
}

/*
 * A dying thread's cache: records to the shared stacks, counts to the
 * pool, or nothing but freeing if its pool is gone (pools_lock keeps a
 * pool from going meanwhile).
 */
void arena_tcache_destroy(void *arg)
{
	struct arena_tcache *tc = arg, **pp;
	struct arena_pool *pool;
	struct arena_rec *list = NULL, *rec;

	arena_pools_lock();
	pool = tc->pool;
	if (pool) {
		pthread_mutex_lock(&pool->lock);
		arena_tcache_lock(tc);
		if (!pool->forked)
			arena_tcache_drain(tc, &list);
		arena_tcache_unlock(tc);
		for (pp = &pool->tcaches; *pp; pp = &(*pp)->next)
			if (*pp == tc) {
				*pp = tc->next;
				break;
			}
		pool->retired.hits += tc->counts.hits;
		pool->retired.refills += tc->counts.refills;
		pool->retired.spills += tc->counts.spills;
		pool->retired.heap_spills += tc->counts.heap_spills;
		pool->retired.syscalls += tc->counts.syscalls;
		pool->retired.live += tc->counts.live;
		pthread_mutex_unlock(&pool->lock);
		/*
		 * An open pool keeps them for other threads, up to its limit
		 * (a closing pool's cache was drained and holds none).
		 */
		while ((rec = list)) {
			struct arena_class *c = &pool->classes[rec->cls];

			list = rec->next;
			pthread_mutex_lock(&c->lock);
			rec->next = c->free;
			c->free = rec;
			c->nfree++;
			pthread_mutex_unlock(&c->lock);
		}
		for (unsigned int cls = 0; !tc->dead && cls < pool->nclasses; cls++)
			arena_shared_trim(pool, &pool->classes[cls], pool->cache_size);
	}
	arena_pools_unlock();
	free(tc->stack);
	free(tc);
}

/* Fill a thread's stack to half: from the shared stack, then the kernel. */
static int tc_refill(struct arena_tcache *tc, int cls)
{
	struct arena_pool *pool = tc->pool;
	struct arena_class *c = &pool->classes[cls];
	struct arena_rec **stack = tc_stack(tc, cls);
	struct arena_rec *list = NULL;
	unsigned int want = pool->batch;
	int err = -ENOSPC;

	pthread_mutex_lock(&c->lock);
	while (want && c->free) {
		stack[tc->n[cls]++] = c->free;
		c->free = c->free->next;
		c->nfree--;
		want--;
	}
	pthread_mutex_unlock(&c->lock);
	if (want && kernel_alloc(pool, tc, cls, pool->classes[cls].size, want, &list, &err) == 0 &&
	    !tc->n[cls])
		return err;
	while (list) {
		stack[tc->n[cls]++] = list;
		list = list->next;
	}
	tc->counts.refills++;
	return 0;
}

/* One grant of @size straight from the kernel, counted as live in the pool. */
static int uncached_get(struct arena_pool *pool, int cls, size_t size, struct arena_rec **recp)
{
	int err = -ENOSPC;

	if (!kernel_alloc(pool, NULL, cls, size, 1, recp, &err))
		return err;
	pthread_mutex_lock(&pool->lock);
	pool->retired.live++;
	pthread_mutex_unlock(&pool->lock);
	atomic_store_explicit(&(*recp)->refs, 1, memory_order_relaxed);
	return 0;
}

/* A grant of @size, larger than any class, with one reference: never cached. */
int arena_big_get(struct arena_pool *pool, size_t size, struct arena_rec **recp)
{
	return uncached_get(pool, ARENA_CLASS_BIG, size, recp);
}

/* A grant of class @cls with one reference. */
int arena_cache_get(struct arena_pool *pool, int cls, struct arena_rec **recp)
{
	struct arena_tcache *tc;
	struct arena_rec *rec;
	int err;

	if (pool->opts.no_cache)
		return uncached_get(pool, cls, pool->classes[cls].size, recp);
	tc = arena_tcache(pool);
	if (!tc)
		return atomic_load(&pool->closing) ? -EBADF : -ENOMEM;
	arena_tcache_lock(tc);
	if (tc->n[cls]) {
		tc->counts.hits++;
	} else {
		err = tc_refill(tc, cls);
		if (err) {
			arena_tcache_unlock(tc);
			return err;
		}
	}
	rec = tc_stack(tc, cls)[--tc->n[cls]];
	tc->counts.live++;
	arena_tcache_unlock(tc);
	atomic_store_explicit(&rec->refs, 1, memory_order_relaxed);
	*recp = rec;
	return 0;
}

/* Straight back to the kernel (which may destroy a closed pool). */
static void grant_give_back(struct arena_pool *pool, struct arena_rec *rec)
{
	pthread_mutex_lock(&pool->lock);
	pool->retired.live--;
	pthread_mutex_unlock(&pool->lock);
	rec->next = NULL;
	arena_kernel_free(pool, rec, 1);
}

/*
 * A grant nobody references any more: into this thread's cache, or back
 * to the kernel if the pool is closing (its caches are gone).
 */
void arena_cache_put(struct arena_rec *rec)
{
	struct arena_pool *pool = rec->pool;
	struct arena_tcache *tc;

	if (pool->forked)
		return;		/* the parent's: leave it be */
	/*
	 * An exported grant is never reused here: the dma-buf may live on.
	 * A big one is never cached: it is one grant's worth of the arena.
	 */
	tc = pool->opts.no_cache || rec->cls == ARENA_CLASS_BIG ||
	     atomic_load_explicit(&rec->exported, memory_order_relaxed) ? NULL : arena_tcache(pool);
	if (!tc) {
		grant_give_back(pool, rec);
		return;
	}
	arena_tcache_lock(tc);
	if (tc->dead) {
		arena_tcache_unlock(tc);
		grant_give_back(pool, rec);
		return;
	}
	tc->counts.live--;
	if (tc->n[rec->cls] == pool->cache_size) {
		tc_spill(tc, rec->cls, pool->batch);
		tc->counts.spills++;
	}
	tc_stack(tc, rec->cls)[tc->n[rec->cls]++] = rec;
	arena_tcache_unlock(tc);
}
