// SPDX-License-Identifier: GPL-2.0
/*
 * Grants: one slot or block of an arena, refcounted; and the workers that
 * give their memory back.
 *
 * A grant's references are its handle, each VMA that maps it and (later)
 * each dma-buf exported from it.  When the last one drops, the memory is
 * zeroed and only then returned to the allocator, so that every grant reads
 * as zero when it is handed out and nothing an earlier holder wrote leaks.
 * Arenas made with ARENA_CREATE_SKIP_ZEROING skip this: all holders of such
 * an arena are one trust domain.
 *
 * A chunk with references from get_user_pages() (O_DIRECT in flight, an
 * io_uring registration, any other pin) may still be written by a device:
 * a grant released while its chunk has such references waits on the
 * arena's pinned list, rechecked every ARENA_PIN_RECHECK, and holds the
 * module meanwhile.  Pins count on the chunk's compound page, not on one
 * grant's pages, so a pin on any grant of a chunk holds back the others
 * released from it; none is reused early.
 *
 * Zeroing on release keeps allocation fast whatever the size: up to
 * zero_inline_max (a module parameter) the releaser zeroes at once; larger
 * grants go to a worker so that munmap() or close() does not stall on them.
 * An allocation that finds no space while zeroing is pending waits for the
 * next grant to come back and tries again, until it fits or nothing is
 * pending, so deferring never makes a request fail.
 *
 * Grants of an arena shared by several users (the default arena, named
 * arenas that are not one trust domain) are pinned memory taken by one
 * user from a pool others need: like io_uring's and RDMA's pins they count
 * in the user's locked_vm against RLIMIT_MEMLOCK (waived by CAP_IPC_LOCK)
 * from allocation until the memory is back, and fail with EDQUOT beyond it.
 */

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>	/* user->locked_vm */
#include <linux/slab.h>
#include <linux/wait.h>

#include "grant.h"
#include "kcompat.h"

#define ARENA_PIN_RECHECK	msecs_to_jiffies(20)

ulong arena_zero_inline_max = 256 * 1024;	/* KUnit lowers it for a test */
EXPORT_SYMBOL_IF_KUNIT(arena_zero_inline_max);
module_param_named(zero_inline_max, arena_zero_inline_max, ulong, 0644);
MODULE_PARM_DESC(zero_inline_max,
		 "Released grants up to this many bytes are zeroed at once, larger ones by a worker (default 256 KiB)");

static struct workqueue_struct *arena_wq;	/* zeroing and pin rechecks */

/*
 * Zero @n bytes at @p: whole pages with the kernel's page clearing, which
 * the page allocator (and so the dma-buf system heap) zeroes with and
 * which is tuned per CPU (on x86, memset() takes rep stosb only with fast
 * short stos); the rest of a slot smaller than a page with memset().
 */
static void arena_clear(void *p, u64 n)
{
	u64 head = min(n, (u64)(PAGE_ALIGN((unsigned long)p) - (unsigned long)p));

	memset(p, 0, head);
	p += head;
	n -= head;
	if (n >= PAGE_SIZE)
		arena_clear_pages(p, n >> PAGE_SHIFT);
	memset(p + (n & PAGE_MASK), 0, n & ~PAGE_MASK);
}

static void arena_zero(struct arena *arena, u64 offset, u64 size, bool may_sleep)
{
	u64 chunk_mask = (1ULL << arena->chunk_shift) - 1;

	while (size) {
		u64 n = min(size, (chunk_mask + 1) - (offset & chunk_mask));

		n = min_t(u64, n, SZ_2M);
		arena_clear(page_address(arena->chunks[offset >> arena->chunk_shift]) +
			    (offset & chunk_mask), n);
		offset += n;
		size -= n;
		if (may_sleep)
			cond_resched();
	}
}

/*
 * Charge @pages to the calling user's RLIMIT_MEMLOCK, as io_uring does.
 * *@cred receives the credentials whose user to uncharge later (they hold
 * the user: free_uid() is not exported to modules on every kernel), NULL
 * when nothing was charged.
 */
static int arena_charge_user(unsigned long pages, const struct cred **cred)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = current_user();

	*cred = NULL;
	if (capable(CAP_IPC_LOCK))
		return 0;
	if (atomic_long_add_return(pages, &user->locked_vm) > limit) {
		atomic_long_sub(pages, &user->locked_vm);
		return -EDQUOT;
	}
	*cred = get_current_cred();
	return 0;
}

static void arena_uncharge_user(struct arena_grant *grant)
{
	if (grant->charged_cred) {
		atomic_long_sub(grant->locked_pages, &grant->charged_cred->user->locked_vm);
		put_cred(grant->charged_cred);
	}
}

/* Give the slot or block at @offset, allocated for @size bytes, back. */
static void arena_core_free(struct arena *arena, u64 offset, u64 size)
{
	WARN_ON_ONCE(arena->ops->free(arena->core, offset, size));
}

/*
 * The grant's memory is clean: give it back and wake whoever waits.  A
 * grant that was zeroed by the worker (@zeroed) leaves the zeroing count
 * after its memory is back and before the waiters are woken, so that a
 * waiter that sees the count at zero and no return since its last look
 * knows that nothing is on its way (arena_alloc_retrying()).
 */
static void arena_grant_return(struct arena_grant *grant, bool zeroed)
{
	struct arena *arena = grant->arena;

	arena_core_free(arena, grant->offset, grant->requested);
	arena_uncharge_user(grant);
	atomic64_dec(&arena->stats.live_grants);
	if (zeroed)
		atomic_dec(&arena->zeroing);
	atomic64_inc(&arena->returns);
	/*
	 * Most releases have nobody to wake: skip the queue's lock then.  The
	 * barrier in wq_has_sleeper() orders the return above before the look
	 * at the queue, and pairs with the one a waiter (wait_event_*(),
	 * poll) passes between joining the queue and testing its condition.
	 */
	if (wq_has_sleeper(&arena->wait))
		wake_up_all(&arena->wait);
	kfree(grant);
	arena_put(arena);
}

static void arena_zero_work(struct work_struct *work)
{
	struct arena *arena = container_of(work, struct arena, zero_work);
	struct arena_grant *grant;

	for (;;) {
		spin_lock(&arena->dirty_lock);
		grant = list_first_entry_or_null(&arena->dirty, struct arena_grant,
						 node);
		if (grant)
			list_del(&grant->node);
		spin_unlock(&arena->dirty_lock);
		if (!grant)
			break;
		arena_zero(arena, grant->offset, grant->size, true);
		arena_grant_return(grant, true);
	}
	arena_put(arena);	/* the reference taken when queued */
}

/* Zero the grant's memory, now or in the worker, then return it. */
static void arena_grant_clean(struct arena_grant *grant)
{
	struct arena *arena = grant->arena;

	if (arena->flags & ARENA_CREATE_SKIP_ZEROING) {
		arena_grant_return(grant, false);
	} else if (grant->size <= READ_ONCE(arena_zero_inline_max)) {
		arena_zero(arena, grant->offset, grant->size, false);
		arena_grant_return(grant, false);
	} else {
		atomic_inc(&arena->zeroing);
		spin_lock(&arena->dirty_lock);
		list_add_tail(&grant->node, &arena->dirty);
		spin_unlock(&arena->dirty_lock);
		/* A queued worker holds the arena; the grant keeps it until then. */
		arena_get(arena);
		if (!queue_work(arena_wq, &arena->zero_work))
			arena_put(arena);
	}
}

/*
 * Whether anyone but the arena holds one of the grant's chunks: a chunk's
 * references beyond the arena's own and one per PTE mapping (PMD entries
 * take none) come from get_user_pages().  Transient references only delay
 * a return.
 */
static bool arena_grant_pinned(struct arena_grant *grant)
{
	struct arena *arena = grant->arena;
	u64 at = round_down(grant->offset, arena_chunk_size(arena));
	struct folio *folio;

	for (; at < grant->offset + grant->size; at += arena_chunk_size(arena)) {
		folio = page_folio(arena_page(arena, at));
		if (folio_ref_count(folio) > 1 + arena_folio_mapcount(folio))
			return true;
	}
	return false;
}

static void arena_pin_recheck(struct arena *arena)
{
	/* A queued recheck holds the arena, as the zeroing worker does. */
	arena_get(arena);
	if (!queue_delayed_work(arena_wq, &arena->pin_work, ARENA_PIN_RECHECK))
		arena_put(arena);
}

static void arena_pin_work(struct work_struct *work)
{
	struct arena *arena = container_of(to_delayed_work(work), struct arena, pin_work);
	struct arena_grant *grant, *next;
	LIST_HEAD(ready);
	bool more;

	spin_lock(&arena->pinned_lock);
	list_for_each_entry_safe(grant, next, &arena->pinned, node)
		if (!arena_grant_pinned(grant))
			list_move_tail(&grant->node, &ready);
	more = !list_empty(&arena->pinned);
	spin_unlock(&arena->pinned_lock);

	list_for_each_entry_safe(grant, next, &ready, node) {
		list_del(&grant->node);
		arena_grant_clean(grant);
		/* Safe here: unloading drains arena_wq, this work included. */
		module_put(THIS_MODULE);
	}
	if (more)
		arena_pin_recheck(arena);
	arena_put(arena);	/* the reference taken when queued */
}

static void arena_grant_release(struct kref *ref)
{
	struct arena_grant *grant = container_of(ref, struct arena_grant, ref);
	struct arena *arena = grant->arena;

	if (!arena_grant_pinned(grant)) {
		arena_grant_clean(grant);
		return;
	}
	__module_get(THIS_MODULE);
	spin_lock(&arena->pinned_lock);
	list_add_tail(&grant->node, &arena->pinned);
	spin_unlock(&arena->pinned_lock);
	arena_pin_recheck(arena);
}

void arena_grant_get(struct arena_grant *grant)
{
	kref_get(&grant->ref);
}
EXPORT_SYMBOL_IF_KUNIT(arena_grant_get);

void arena_grant_put(struct arena_grant *grant)
{
	kref_put(&grant->ref, arena_grant_release);
}
EXPORT_SYMBOL_IF_KUNIT(arena_grant_put);

/*
 * The allocator's entry point for @size, picked once per call: within a
 * chunk a batch is one call, a span of chunks is one call per grant.
 */
static int arena_core_alloc(struct arena *arena, u64 size, unsigned int n,
			    struct arena_block *blks)
{
	const struct arena_core_ops *ops = arena->ops;
	unsigned int i;
	int ret = 0;

	if (size <= arena_chunk_size(arena))
		return ops->alloc_batch(arena->core, size, n, blks);
	for (i = 0; i < n; i++) {
		ret = ops->alloc_span(arena->core, size, &blks[i]);
		if (ret)
			break;
	}
	return i ?: ret;
}

/* Wait for the grants being zeroed to be back. */
void arena_flush_zeroing(struct arena *arena)
{
	flush_work(&arena->zero_work);
}

/*
 * Allocate; while that finds no space and grants are being zeroed, wait
 * for the next one to come back and try again, so that an allocation waits
 * only until enough memory is back, not for the whole queue.  Space being
 * zeroed is not missing space: ENOSPC only once nothing is on its way.
 */
static int arena_alloc_retrying(struct arena *arena, u64 size, unsigned int n,
				struct arena_block *blks)
{
	s64 returns;
	int got;

	for (;;) {
		returns = atomic64_read(&arena->returns);
		got = arena_core_alloc(arena, size, n, blks);
		if (got != -ENOSPC)
			return got;
		if (!atomic_read(&arena->zeroing) && atomic64_read(&arena->returns) == returns)
			return got;
		if (wait_event_killable(arena->wait,
					atomic64_read(&arena->returns) != returns ||
					!atomic_read(&arena->zeroing)))
			return -EINTR;
	}
}

/**
 * arena_grants_alloc() - make up to @n grants of @size bytes
 * @arena: where from
 * @size: bytes each must hold
 * @n: how many are wanted
 * @grants: receives them, each with one reference
 *
 * On an arena shared by several users each grant is charged to the
 * caller's RLIMIT_MEMLOCK; fewer than @n are made when the rest would pass
 * it.
 *
 * Return: how many were made (1 to @n), or -EINVAL, -EFBIG, -ENOSPC as the
 * allocator core says, -EDQUOT if not even one fits the caller's share,
 * -EINTR if killed while waiting for zeroing, or -ENOMEM.
 */
int arena_grants_alloc(struct arena *arena, u64 size, unsigned int n,
		       struct arena_grant **grants)
{
	struct arena_block one, *blks = &one;	/* a single grant needs no array */
	unsigned int i, made = 0;
	int got = -ENOMEM, ret;

	if (n > 1) {
		blks = kvmalloc_array(n, sizeof(*blks), GFP_KERNEL);
		if (!blks)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		grants[i] = kzalloc(sizeof(*grants[i]), GFP_KERNEL_ACCOUNT);
		if (!grants[i])
			goto free;
	}

	got = arena_alloc_retrying(arena, size, n, blks);
	if (got == -ENOSPC)
		arena_note_full(arena);
	else if (got > 0)
		arena_note_granted(arena);
	for (; got > 0 && made < (unsigned int)got; made++) {
		struct arena_grant *grant = grants[made];

		if (!arena->one_domain) {
			grant->locked_pages = DIV_ROUND_UP(blks[made].size, PAGE_SIZE);
			ret = arena_charge_user(grant->locked_pages, &grant->charged_cred);
			/* The caller's grants being zeroed are not the caller's to count. */
			if (ret && atomic_read(&arena->zeroing)) {
				arena_flush_zeroing(arena);
				ret = arena_charge_user(grant->locked_pages, &grant->charged_cred);
			}
			if (ret)
				break;
		}
		kref_init(&grant->ref);
		mutex_init(&grant->exports_lock);
		INIT_LIST_HEAD(&grant->exports);
		arena_get(arena);
		grant->arena = arena;
		grant->offset = blks[made].offset;
		grant->size = blks[made].size;
		grant->capacity = blks[made].capacity;
		grant->requested = size;
		atomic64_inc(&arena->stats.live_grants);
	}
	if (got > 0 && made < (unsigned int)got) {
		/* Beyond the caller's share: the rest go straight back. */
		for (i = made; i < (unsigned int)got; i++)
			arena_core_free(arena, blks[i].offset, size);
		i = n;
		got = made ?: -EDQUOT;
	}
free:
	/* grants[made .. i) were allocated and are not used. */
	while (i > made)
		kfree(grants[--i]);
	if (blks != &one)
		kvfree(blks);
	return got;
}
EXPORT_SYMBOL_IF_KUNIT(arena_grants_alloc);

/**
 * arena_grant_alloc_wait() - make one grant, waiting for space if asked
 * @arena: where from
 * @size: bytes it must hold
 * @wait: sleep (interruptibly) while the arena is full
 * @timeout_ns: how long at most; 0 is no limit
 * @grant: receives the grant
 *
 * Return: 0, -ETIMEDOUT, -EINTR on a signal, or what arena_grants_alloc()
 * returns; an oversized request fails at once whatever @wait says.
 */
int arena_grant_alloc_wait(struct arena *arena, u64 size, bool wait,
			   u64 timeout_ns, struct arena_grant **grant)
{
	long left = timeout_ns ? max_t(long, nsecs_to_jiffies(timeout_ns), 1) :
				 MAX_SCHEDULE_TIMEOUT;
	s64 returns;
	int ret;

	for (;;) {
		returns = atomic64_read(&arena->returns);
		ret = arena_grants_alloc(arena, size, 1, grant);
		if (ret != -ENOSPC || !wait)
			return ret < 0 ? ret : 0;
		left = wait_event_interruptible_timeout(arena->wait,
							atomic64_read(&arena->returns) != returns,
							left);
		if (left < 0)
			return -EINTR;
		if (!left)
			return -ETIMEDOUT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(arena_grant_alloc_wait);

/**
 * arena_create() - make an arena with the geometry of @c
 * @c: the geometry and flags, as ARENA_IOC_CREATE takes them
 * @kind: ARENA_KIND_*
 * @one_domain: its holders are one trust domain (private arenas, named
 *	arenas made so): the whole arena may be mapped, and grants may share
 *	pages or skip zeroing.  Otherwise each holder sees only its grants.
 * @extack: receives the reason for a failure (netlink's extended ack), or NULL
 *
 * The arena is not yet visible over netlink: the caller finishes it
 * (a name, a device node) and then calls arena_register().
 *
 * Return: the arena with one reference, or an ERR_PTR as arena_new() says.
 */
struct arena *arena_create(const struct arena_create *c, u32 kind, bool one_domain,
			   struct netlink_ext_ack *extack)
{
	struct arena *arena = arena_new(c, kind, one_domain, extack);

	if (!IS_ERR(arena)) {
		INIT_WORK(&arena->zero_work, arena_zero_work);
		INIT_DELAYED_WORK(&arena->pin_work, arena_pin_work);
	}
	return arena;
}
EXPORT_SYMBOL_IF_KUNIT(arena_create);

int arena_grant_init(void)
{
	arena_wq = alloc_workqueue("arena_zero", WQ_UNBOUND, 0);
	return arena_wq ? 0 : -ENOMEM;
}

/* Context: module unload; finishes the zeroing and rechecks still queued. */
void arena_grant_exit(void)
{
	destroy_workqueue(arena_wq);
}
