// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas: the backing chunks, the allocator over them and the memory cap
 * all arenas share, with the module parameters that set the last two.
 *
 * Chunks are compound pages of chunk_order, allocated on one node without
 * retries or warnings, zeroed, charged to the creator's memory cgroup and
 * never on an LRU list, so never swapped, migrated or reclaimed: they stay
 * where they are until the arena is released.  They are sorted by physical
 * address once allocated, so that consecutive chunks, which a grant larger
 * than a chunk is made of, are physically adjacent wherever the page
 * allocator gave adjacent ones (a dma-buf of such a run is one segment).
 */

#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/mm.h>		/* before huge_mm.h on 6.1 */
#include <linux/huge_mm.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "arena.h"
#include "core/buddy.h"
#include "core/slots.h"
#include "kcompat.h"

static unsigned int default_chunk_order = HPAGE_PMD_ORDER;
module_param_named(chunk_order, default_chunk_order, uint, 0444);
MODULE_PARM_DESC(chunk_order,
		 "Default chunk order: chunks are PAGE_SIZE << order bytes (default 9, 2 MiB)");

static ulong max_memory;
module_param(max_memory, ulong, 0444);
MODULE_PARM_DESC(max_memory,
		 "Bytes all arenas together may hold (0: half of RAM, the default)");

static u64 arena_max_memory;		/* bytes all arenas may hold */
static atomic64_t arena_charged;	/* bytes they hold */

/*
 * The module's own accounting of what it took from the page allocator, for
 * tests (debugfs arena/chunk_pages and arena/arenas): pages of every chunk
 * not yet freed, and arenas not yet released.  Both must be back to zero
 * when the module unloads (arena_backing_exit() says so otherwise).
 */
static atomic_long_t arena_chunk_pages;
static atomic_t arena_count;
static struct dentry *arena_debugfs;

static int arena_chunk_pages_get(void *data, u64 *val)
{
	*val = atomic_long_read(&arena_chunk_pages);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(arena_chunk_pages_fops, arena_chunk_pages_get, NULL, "%llu\n");

/**
 * arena_backing_init() - check the parameters, set the memory cap
 *
 * Return: 0, or -EINVAL for a chunk order the page allocator cannot give.
 */
int arena_backing_init(void)
{
	if (default_chunk_order > ARENA_MAX_PAGE_ORDER) {
		pr_err("chunk_order %u exceeds the page allocator's %u\n",
		       default_chunk_order, ARENA_MAX_PAGE_ORDER);
		return -EINVAL;
	}
	arena_max_memory = max_memory ?: (u64)totalram_pages() << PAGE_SHIFT >> 1;
	/* Best effort, as debugfs is: nothing depends on it but tests. */
	arena_debugfs = debugfs_create_dir("arena", NULL);
	debugfs_create_file_unsafe("chunk_pages", 0444, arena_debugfs, NULL,
				   &arena_chunk_pages_fops);
	debugfs_create_atomic_t("arenas", 0444, arena_debugfs, &arena_count);
	return 0;
}

/* Context: module unload, after every arena has been released. */
void arena_backing_exit(void)
{
	debugfs_remove_recursive(arena_debugfs);
	WARN(atomic_long_read(&arena_chunk_pages) || atomic_read(&arena_count),
	     "arena: unloading with %ld chunk pages and %d arenas not freed\n",
	     atomic_long_read(&arena_chunk_pages), atomic_read(&arena_count));
}

static int arena_charge(u64 bytes)
{
	if (atomic64_add_return(bytes, &arena_charged) > arena_max_memory) {
		atomic64_sub(bytes, &arena_charged);
		return -EDQUOT;
	}
	return 0;
}

static void arena_uncharge(u64 bytes)
{
	atomic64_sub(bytes, &arena_charged);
}

static void arena_free_chunks(struct arena *arena)
{
	unsigned int i;

	for (i = 0; i < arena->nr_chunks; i++)
		if (arena->chunks[i]) {
			__free_pages(arena->chunks[i], arena->chunk_order);
			atomic_long_sub(1L << arena->chunk_order, &arena_chunk_pages);
		}
	kvfree(arena->chunks);
	arena->chunks = NULL;
}

static int arena_cmp_pfn(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page * const *)a);
	unsigned long pb = page_to_pfn(*(struct page * const *)b);

	return pa < pb ? -1 : pa > pb;
}

static int arena_alloc_chunks(struct arena *arena)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
		    __GFP_NORETRY | __GFP_THISNODE;
	unsigned int i;

	if (arena->chunk_order)
		gfp |= __GFP_COMP;
	arena->chunks = kvcalloc(arena->nr_chunks, sizeof(*arena->chunks),
				 GFP_KERNEL_ACCOUNT);
	if (!arena->chunks)
		return -ENOMEM;
	for (i = 0; i < arena->nr_chunks; i++) {
		/* A large arena takes a while: a killed creator stops here. */
		if (fatal_signal_pending(current)) {
			arena_free_chunks(arena);
			return -EINTR;
		}
		arena->chunks[i] = alloc_pages_node(arena->node, gfp,
						    arena->chunk_order);
		if (!arena->chunks[i]) {
			arena_free_chunks(arena);
			return -ENOMEM;
		}
		atomic_long_add(1L << arena->chunk_order, &arena_chunk_pages);
		cond_resched();
	}
	sort(arena->chunks, arena->nr_chunks, sizeof(*arena->chunks), arena_cmp_pfn, NULL);
	return 0;
}

static void arena_destroy_allocator(struct arena *arena)
{
	arena->ops->destroy(arena->core);
	kfree(arena->core);
}

static unsigned int order_for_bytes(u64 bytes)
{
	return bytes <= PAGE_SIZE ? 0 : ilog2(roundup_pow_of_two(bytes)) - PAGE_SHIFT;
}

/* The allocator's geometry for one chunk order, before anything is allocated. */
struct arena_plan {
	union {
		struct arena_slots_geometry slots;	/* ARENA_MODE_FIXED */
		struct arena_buddy_geometry buddy;	/* ARENA_MODE_BUDDY */
	};
	unsigned int order;		/* chunk order */
	unsigned int min_order;		/* the smallest this geometry could fall back to */
	u64 nr_chunks;
	u64 granules;			/* slot positions or smallest blocks */
};

/*
 * Plan the allocator for chunks of @order: the smallest chunks that hold an
 * arena smaller than one chunk.  Allocates nothing.
 */
static int arena_plan(struct arena_plan *p, const struct arena_create *c, unsigned int order)
{
	int ret;

	if (c->mode == ARENA_MODE_FIXED) {
		struct arena_slots_geometry *g = &p->slots;

		*g = (struct arena_slots_geometry){
			.slot_size = c->slot_size, .slot_count = c->slot_count,
			.align = c->align ?: PAGE_SIZE, .chunk_size = PAGE_SIZE << order,
		};
		ret = arena_slots_geometry(g);
		if (ret)
			return ret;
		p->min_order = order_for_bytes(g->slot_size);
		if (g->nr_chunks == 1 && order_for_bytes(g->slot_size * g->slot_count) < order) {
			order = order_for_bytes(g->slot_size * g->slot_count);
			g->chunk_size = PAGE_SIZE << order;
			g->slot_size = c->slot_size;
			ret = arena_slots_geometry(g);
			if (ret)
				return ret;
		}
		p->nr_chunks = g->nr_chunks;
		p->granules = g->nr_chunks * roundup_pow_of_two(g->slots_per_chunk);
	} else {
		struct arena_buddy_geometry *g = &p->buddy;

		*g = (struct arena_buddy_geometry){
			.total = c->size, .min_block = c->min_block ?: PAGE_SIZE,
			.max_block = PAGE_SIZE << order,
			.flags = c->flags & ARENA_CREATE_NEAREST ? ARENA_BUDDY_NEAREST : 0,
		};
		ret = arena_buddy_geometry(g);
		if (ret)
			return ret;
		if (g->max_block < PAGE_SIZE)
			return -EINVAL;		/* chunks are whole pages */
		p->min_order = order_for_bytes(g->min_block);
		order = ilog2(g->max_block) - PAGE_SHIFT;
		p->nr_chunks = g->nr_chunks;
		p->granules = g->nr_chunks << g->max_order;
	}
	p->order = order;
	return 0;
}

/*
 * An upper bound of the part of the allocator's metadata that grows with
 * the geometry, charged with the chunks: at most a free bit, a split bit
 * and their summary levels per granule, so four bits, and per chunk its
 * page pointer and its place in the chunk pool (a state word and at most
 * four 12-byte nodes of the summary tree), under 64 bytes.  (The fixed
 * part, a few KiB of lane and per-CPU state, is charged to the memory
 * cgroup only.)
 */
static u64 arena_plan_metadata(const struct arena_plan *p)
{
	return p->granules / 2 + p->nr_chunks * 64;
}

/* Set up the allocator that @p planned: the one place that chooses it. */
static int arena_init_allocator(struct arena *arena, const struct arena_plan *p)
{
	struct arena_slots *slots;
	struct arena_buddy *buddy;
	int ret;

	if (arena->mode == ARENA_MODE_FIXED) {
		slots = kzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);
		if (!slots)
			return -ENOMEM;
		ret = arena_slots_init(slots, &p->slots);
		if (ret) {
			kfree(slots);
			return ret;
		}
		arena->ops = &arena_slots_ops;
		arena->core = slots;
		arena->slot_size = p->slots.slot_size;
		arena->slot_count = p->slots.slot_count;
		arena->align = p->slots.align;
		arena->page_grants = PAGE_ALIGNED(p->slots.slot_size);
	} else {
		buddy = kzalloc(sizeof(*buddy), GFP_KERNEL_ACCOUNT);
		if (!buddy)
			return -ENOMEM;
		ret = arena_buddy_init(buddy, &p->buddy);
		if (ret) {
			kfree(buddy);
			return ret;
		}
		arena->ops = &arena_buddy_ops;
		arena->core = buddy;
		arena->min_block = p->buddy.min_block;
		arena->max_block = p->buddy.max_block;
		/* Blocks are powers of two: one of a page or more starts on one. */
		arena->page_grants = true;
	}
	return 0;
}

/*
 * Grants of an arena shared by several users must never share a page, and
 * must read as zero: whole, page-aligned slots or blocks, zeroed.
 */
static int arena_check_isolated(const struct arena_create *c, const struct arena_plan *p,
				struct netlink_ext_ack *extack)
{
	if (c->flags & ARENA_CREATE_SKIP_ZEROING) {
		NL_SET_ERR_MSG(extack,
			       "a shared arena zeroes its grants: skip-zeroing needs one trust domain");
		return -EINVAL;
	}
	if (c->mode == ARENA_MODE_FIXED ? !PAGE_ALIGNED(p->slots.slot_size) :
					  p->buddy.min_block < PAGE_SIZE) {
		NL_SET_ERR_MSG(extack, "a shared arena needs slots or blocks of whole pages");
		return -EINVAL;
	}
	return 0;
}

static int arena_check_create(const struct arena_create *c, struct netlink_ext_ack *extack)
{
	if (c->flags & ~ARENA_CREATE_FLAGS) {
		NL_SET_ERR_MSG(extack, "unknown flags");
		return -EINVAL;
	}
	if (c->flags & ARENA_CREATE_FILELESS) {
		NL_SET_ERR_MSG(extack,
			       "file-less mappings are retired: every shared mapping needs a file");
		return -EOPNOTSUPP;
	}
	switch (c->mode) {
	case ARENA_MODE_FIXED:
		if (c->size || c->min_block || (c->flags & ARENA_CREATE_NEAREST)) {
			NL_SET_ERR_MSG(extack,
				       "a fixed arena takes slot size, count and alignment only");
			return -EINVAL;
		}
		break;
	case ARENA_MODE_BUDDY:
		if (c->slot_size || c->slot_count || c->align) {
			NL_SET_ERR_MSG(extack, "a buddy arena takes size and minimum block only");
			return -EINVAL;
		}
		break;
	default:
		NL_SET_ERR_MSG(extack, "mode must be fixed or buddy");
		return -EINVAL;
	}
	if (c->node != ARENA_NODE_LOCAL &&
	    (c->node < 0 || c->node >= nr_node_ids || !node_online(c->node))) {
		NL_SET_ERR_MSG(extack, "no such NUMA node online");
		return -EINVAL;
	}
	if (c->chunk_order > ARENA_MAX_PAGE_ORDER) {
		NL_SET_ERR_MSG(extack, "chunk order above the page allocator's largest");
		return -EINVAL;
	}
	return 0;
}

/* The reason for a failure of planning or building an arena. */
static void arena_why(struct netlink_ext_ack *extack, int err)
{
	switch (err) {
	case -EINVAL:
		NL_SET_ERR_MSG(extack,
			       "invalid geometry: sizes must be powers of two, blocks at most a chunk");
		break;
	case -EOVERFLOW:
		NL_SET_ERR_MSG(extack,
			       "geometry too large: sizes overflow, or too many blocks to index");
		break;
	case -EDQUOT:
		NL_SET_ERR_MSG(extack, "the module's max_memory would be exceeded");
		break;
	case -ENOMEM:
		NL_SET_ERR_MSG(extack,
			       "no memory for chunks of that order (or the memory cgroup's limit)");
		break;
	case -EINTR:
		NL_SET_ERR_MSG(extack, "interrupted by a fatal signal");
		break;
	}
}

/*
 * Make @arena's allocator and chunks as @p plans them.  Every bound is
 * checked before anything is allocated: the plan's chunks and an upper
 * bound of its metadata are charged against max_memory first.
 */
static int arena_build(struct arena *arena, const struct arena_plan *p)
{
	u64 metadata = arena_plan_metadata(p);
	int ret;

	arena->nr_chunks = p->nr_chunks;
	arena->chunk_order = p->order;
	arena->chunk_shift = PAGE_SHIFT + p->order;
	arena->size = (u64)arena->nr_chunks << arena->chunk_shift;
	arena->charged = arena->size + metadata;
	ret = arena_charge(arena->charged);
	if (ret)
		return ret;
	ret = arena_init_allocator(arena, p);
	if (ret)
		goto uncharge;
	ret = arena_alloc_chunks(arena);
	if (ret)
		goto destroy_allocator;
	return 0;

destroy_allocator:
	arena_destroy_allocator(arena);
uncharge:
	arena_uncharge(arena->charged);
	return ret;
}

/**
 * arena_new() - make an arena with the geometry of @c, for arena_create()
 * @c: the geometry and flags, as ARENA_IOC_CREATE takes them
 * @kind: ARENA_KIND_*
 * @one_domain: its holders are one trust domain (private arenas, named
 *	arenas made so): the whole arena may be mapped, and grants may share
 *	pages or skip zeroing.  Otherwise each holder sees only its grants.
 * @extack: receives the reason for a failure (netlink's extended ack), or NULL
 *
 * Everything but the grant layer's workers, which arena_create() (in
 * grant.c, the one caller) installs: this layer calls nothing above it.
 *
 * Return: the arena with one reference, or an ERR_PTR: -EINVAL or
 * -EOVERFLOW for a bad geometry, -EOPNOTSUPP for ARENA_CREATE_FILELESS,
 * -EDQUOT beyond the module's memory cap, -EINTR on a fatal signal,
 * -ENOMEM if the page allocator has no chunks of that order (after falling
 * back to smaller ones if ARENA_CREATE_SMALLER_CHUNKS allows it).
 */
struct arena *arena_new(const struct arena_create *c, u32 kind, bool one_domain,
			struct netlink_ext_ack *extack)
{
	struct arena_plan plan;
	struct arena *arena;
	unsigned int order;
	int ret;

	ret = arena_check_create(c, extack);
	if (ret)
		return ERR_PTR(ret);
	arena = kzalloc(sizeof(*arena), GFP_KERNEL_ACCOUNT);
	if (!arena)
		return ERR_PTR(-ENOMEM);
	kref_init(&arena->ref);
	arena->kind = kind;
	arena->one_domain = one_domain;
	arena->owner = current_euid();
	arena->owner_pid = task_tgid_vnr(current);
	atomic_set(&arena->holders, 0);
	arena->mode = c->mode;
	arena->flags = c->flags;
	arena->node = c->node == ARENA_NODE_LOCAL ? numa_node_id() : c->node;
	init_waitqueue_head(&arena->wait);
	spin_lock_init(&arena->dirty_lock);
	INIT_LIST_HEAD(&arena->dirty);
	spin_lock_init(&arena->pinned_lock);
	INIT_LIST_HEAD(&arena->pinned);
	spin_lock_init(&arena->vmas_lock);
	INIT_LIST_HEAD(&arena->vmas);

	order = c->chunk_order ?: default_chunk_order;
	for (;;) {
		ret = arena_plan(&plan, c, order);
		if (ret)
			goto refused;
		if (!one_domain) {
			ret = arena_check_isolated(c, &plan, extack);
			if (ret)
				goto free;
		}
		ret = arena_build(arena, &plan);
		if (ret != -ENOMEM || !(c->flags & ARENA_CREATE_SMALLER_CHUNKS) ||
		    plan.order <= plan.min_order)
			break;
		order = plan.order - 1;
	}
	if (ret)
		goto refused;
	atomic_inc(&arena_count);
	return arena;

refused:
	arena_why(extack, ret);
free:
	kfree(arena);
	return ERR_PTR(ret);
}

static void arena_release(struct kref *ref)
{
	struct arena *arena = container_of(ref, struct arena, ref);

	arena_unregister(arena);

	/* No grant, mapping or file is left, so no zeroing work either. */
	WARN_ON_ONCE(!list_empty(&arena->dirty) || !list_empty(&arena->vmas) ||
		     !list_empty(&arena->pinned));
	arena_free_chunks(arena);
	arena_uncharge(arena->charged);
	arena_destroy_allocator(arena);
	kfree(arena);
	atomic_dec(&arena_count);
}

void arena_get(struct arena *arena)
{
	kref_get(&arena->ref);
}

void arena_put(struct arena *arena)
{
	kref_put(&arena->ref, arena_release);
}
EXPORT_SYMBOL_IF_KUNIT(arena_put);

/* The page at @offset of the arena's address space. */
struct page *arena_page(struct arena *arena, u64 offset)
{
	struct page *chunk = arena->chunks[offset >> arena->chunk_shift];

	return nth_page(chunk, (offset & ((1ULL << arena->chunk_shift) - 1)) >> PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(arena_page);
