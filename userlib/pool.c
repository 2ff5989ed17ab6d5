// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pools: an open arena, its size classes, and what happens to it across
 * fork().
 *
 * A pool maps its whole arena once when the module allows it (private and
 * named arenas), so that a grant is a position in that mapping and
 * allocating needs no mmap.  The shared default arena cannot be mapped
 * whole; there each grant is mapped on its own when it first comes from
 * the kernel, and stays mapped while the library caches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct arena_pool *pools;	/* every pool of this process not yet destroyed */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * Thread keys of destroyed pools, for new pools: a key cannot be deleted
 * while threads may still hold values of it (see internal.h), and keys are
 * few (PTHREAD_KEYS_MAX).  Under pools_lock.
 */
static pthread_key_t spare_keys[64];
static unsigned int nspare_keys;

void arena_pools_lock(void)
{
	pthread_mutex_lock(&pools_lock);
}

void arena_pools_unlock(void)
{
	pthread_mutex_unlock(&pools_lock);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&pools_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&pools_lock);
}

/*
 * In the child every pool is the parent's: views stay readable, nothing is
 * freed and nothing allocated.  Locks other threads held at fork() are
 * never taken again here.
 */
static void atfork_child(void)
{
	struct arena_pool *pool;

	for (pool = pools; pool; pool = pool->next)
		pool->forked = true;
	pthread_mutex_unlock(&pools_lock);
}

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static unsigned int ilog2_size(size_t n)
{
	return 63 - __builtin_clzll(n);
}

/*
 * The size class that serves @size, ARENA_CLASS_BIG above the largest
 * block where the module makes bigger grants, or -EFBIG.
 */
int arena_class_of(struct arena_pool *pool, size_t size)
{
	unsigned int shift, min_shift;

	if (pool->info.mode == ARENA_MODE_FIXED)
		return size <= pool->info.slot_size ? 0 : -EFBIG;
	if (size > pool->info.max_block)
		return pool->info.features & ARENA_FEATURE_BIG_GRANTS &&
		       size <= pool->info.max_grant ? ARENA_CLASS_BIG : -EFBIG;
	min_shift = ilog2_size(pool->info.min_block);
	shift = size <= 1 ? 0 : ilog2_size(size - 1) + 1;
	return shift <= min_shift ? 0 : (int)(shift - min_shift);
}

static int pool_setup(struct arena_pool *pool, const struct arena_pool_opts *opts)
{
	unsigned int i;

	if (opts)
		pool->opts = *opts;
	pool->cache_size = pool->opts.cache_size ? pool->opts.cache_size : ARENA_DEFAULT_CACHE;
	if (pool->cache_size < 2)
		pool->cache_size = 2;
	pool->batch = pool->cache_size / 2;
	if (ioctl(pool->fd, ARENA_IOC_INFO, &pool->info))
		return -errno;
	if (pool->info.mode == ARENA_MODE_FIXED) {
		pool->nclasses = 1;
		pool->classes[0].size = pool->info.slot_size;
	} else {
		pool->nclasses = ilog2_size(pool->info.max_block) -
				 ilog2_size(pool->info.min_block) + 1;
		if (pool->nclasses > ARENA_MAX_CLASSES)
			return -EINVAL;
		for (i = 0; i < pool->nclasses; i++)
			pool->classes[i].size = pool->info.min_block << i;
	}
	for (i = 0; i < pool->nclasses; i++)
		pthread_mutex_init(&pool->classes[i].lock, NULL);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_mutex_init(&pool->spare_lock, NULL);
	atomic_init(&pool->held, 1);	/* the pool's own, until it is closed */
	pthread_mutex_lock(&pools_lock);
	if (nspare_keys) {
		pool->key = spare_keys[--nspare_keys];
	} else if (pthread_key_create(&pool->key, arena_tcache_destroy)) {
		pthread_mutex_unlock(&pools_lock);
		return -EAGAIN;
	}
	pthread_mutex_unlock(&pools_lock);

	pool->whole = mmap(NULL, pool->info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   pool->fd, pool->info.whole_offset);
	if (pool->whole == MAP_FAILED)
		pool->whole = NULL;	/* the default arena: grants mapped one by one */

	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&pools_lock);
	pool->next = pools;
	pools = pool;
	pthread_mutex_unlock(&pools_lock);
	return 0;
}

static int pool_new(int fd, const struct arena_pool_opts *opts, struct arena_pool **out)
{
	struct arena_pool *pool = calloc(1, sizeof(*pool));
	int ret;

	if (!pool) {
		close(fd);
		return -ENOMEM;
	}
	pool->fd = fd;
	ret = pool_setup(pool, opts);
	if (ret) {
		close(fd);
		free(pool);
		return ret;
	}
	*out = pool;
	return 0;
}

API int arena_pool_open(const char *path, const struct arena_pool_opts *opts,
			struct arena_pool **pool)
{
	int fd = open(path ? path : "/dev/" ARENA_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return pool_new(fd, opts, pool);
}

API int arena_pool_create(const struct arena_create *c, const struct arena_pool_opts *opts,
			  struct arena_pool **pool)
{
	int fd = open("/dev/" ARENA_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, ARENA_IOC_CREATE, c)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return pool_new(fd, opts, pool);
}

/*
 * Empty every thread's cache of @pool into *@list (and mark them dead when
 * the pool is closing); returns how many records.  The caller holds no
 * lock.
 */
static unsigned int drain_caches(struct arena_pool *pool, bool dead, struct arena_rec **list)
{
	struct arena_tcache *tc;
	unsigned int n = 0;

	pthread_mutex_lock(&pool->lock);
	for (tc = pool->tcaches; tc; tc = tc->next) {
		arena_tcache_lock(tc);
		n += arena_tcache_drain(tc, list);
		tc->dead |= dead;
		arena_tcache_unlock(tc);
	}
	pthread_mutex_unlock(&pool->lock);
	return n;
}

/* Every thread's cached grants and the shared stacks, back to the kernel. */
API int arena_pool_flush(struct arena_pool *pool)
{
	struct arena_rec *list = NULL;
	unsigned int n, cls;
	int ret = 0;

	if (pool->forked)
		return -ECHILD;
	n = drain_caches(pool, false, &list);
	if (n)
		ret = arena_kernel_free(pool, list, n);
	for (cls = 0; cls < pool->nclasses; cls++)
		arena_shared_trim(pool, &pool->classes[cls], 0);
	return ret;
}

/* The last grant of a closed pool is back: nothing refers to it any more. */
static void pool_destroy(struct arena_pool *pool)
{
	struct arena_pool **pp;
	struct arena_tcache *tc;
	struct arena_rec *rec;

	pthread_mutex_lock(&pools_lock);
	for (pp = &pools; *pp; pp = &(*pp)->next)
		if (*pp == pool) {
			*pp = pool->next;
			break;
		}
	/* The threads' caches are theirs to free, on exit or on meeting them. */
	pthread_mutex_lock(&pool->lock);
	for (tc = pool->tcaches; tc; tc = tc->next)
		tc->pool = NULL;
	pthread_mutex_unlock(&pool->lock);
	if (nspare_keys < sizeof(spare_keys) / sizeof(spare_keys[0]))
		spare_keys[nspare_keys++] = pool->key;
	else
		pthread_key_delete(pool->key);	/* its caches are then never freed */
	pthread_mutex_unlock(&pools_lock);

	while ((rec = pool->spare)) {
		pool->spare = rec->next;
		free(rec);
	}
	if (pool->whole)
		munmap(pool->whole, pool->info.size);
	close(pool->fd);
	free(pool);
}

/* @n grants are back (or, n == 1 at close, the pool's own hold is gone). */
void arena_pool_unhold(struct arena_pool *pool, unsigned int n)
{
	if (atomic_fetch_sub_explicit(&pool->held, n, memory_order_acq_rel) == n)
		pool_destroy(pool);
}

/*
 * Caches emptied; views still alive keep their grants and the pool's
 * remains, which go with the last of them.
 */
API void arena_pool_close(struct arena_pool *pool)
{
	struct arena_rec *list = NULL;
	unsigned int n, cls;

	if (!pool)
		return;
	/* Under pool->lock, so that no thread makes a cache after the drain. */
	pthread_mutex_lock(&pool->lock);
	atomic_store_explicit(&pool->closing, true, memory_order_release);
	pthread_mutex_unlock(&pool->lock);
	if (!pool->forked) {
		n = drain_caches(pool, true, &list);
		if (n)
			arena_kernel_free(pool, list, n);
		for (cls = 0; cls < pool->nclasses; cls++)
			arena_shared_trim(pool, &pool->classes[cls], 0);
		arena_pool_unhold(pool, 1);
		return;
	}
	/*
	 * A child's copy of its parent's pool gives nothing back, and its
	 * views, which release nothing, stay readable until it exits: only
	 * its copy of the file goes.
	 */
	close(pool->fd);
}

API int arena_pool_info(struct arena_pool *pool, struct arena_info *info)
{
	return ioctl(pool->fd, ARENA_IOC_INFO, info) ? -errno : 0;
}

API void arena_pool_stats(struct arena_pool *pool, struct arena_pool_stats *st)
{
	struct arena_counts sum;
	struct arena_tcache *tc;

	pthread_mutex_lock(&pool->lock);
	sum = pool->retired;
	for (tc = pool->tcaches; tc; tc = tc->next) {
		sum.hits += tc->counts.hits;
		sum.refills += tc->counts.refills;
		sum.spills += tc->counts.spills;
		sum.heap_spills += tc->counts.heap_spills;
		sum.syscalls += tc->counts.syscalls;
		sum.live += tc->counts.live;
	}
	pthread_mutex_unlock(&pool->lock);
	*st = (struct arena_pool_stats){
		.cache_hits = sum.hits, .refills = sum.refills, .cache_spills = sum.spills,
		.heap_spills = sum.heap_spills, .syscalls = sum.syscalls,
		.grants_held = atomic_load_explicit(&pool->held, memory_order_relaxed) -
			       !atomic_load_explicit(&pool->closing, memory_order_relaxed),
		.grants_live = sum.live > 0 ? (uint64_t)sum.live : 0,
	};
}

API int arena_pool_fd(struct arena_pool *pool)
{
	return pool->fd;
}
