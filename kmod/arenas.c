// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas: the backing chunks, the allocator over them and the global memory
 * cap; and the pseudo filesystem that files' mapping inodes come from.
 *
 * Chunks are compound pages of chunk_order, allocated on one node without
 * retries or warnings, zeroed, charged to the creator's memory cgroup and
 * never on an LRU list, so never swapped, migrated or reclaimed: they stay
 * where they are until the arena is released.
 */

#include <linux/fs_context.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/netlink.h>
#include <linux/pseudo_fs.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "arena.h"
#include "kcompat.h"

#define ARENA_FS_MAGIC	0x6172656e	/* "aren" */

u64 arena_max_memory;			/* bytes all arenas may hold */
static atomic64_t arena_charged;	/* bytes they hold */

/*
 * The module's own accounting of what it took from the page allocator, for
 * tests (debugfs arena/chunk_pages and arena/arenas): pages of every chunk
 * not yet freed, and arenas not yet released.  Both must be back to zero
 * when the module unloads (arena_fs_exit() says so otherwise).
 */
static atomic_long_t arena_chunk_pages;
static atomic_t arena_count;
static struct dentry *arena_debugfs;

/* Every arena by id, for netlink; the generation changes with the set. */
static DEFINE_XARRAY_ALLOC1(arena_ids);
static u32 arena_next_id;
static atomic_t arena_gen = ATOMIC_INIT(1);

#define ARENA_EVENT_INTERVAL	HZ	/* per arena, per kind of event */

static struct vfsmount *arena_mnt;

static int arena_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, ARENA_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type arena_fs_type = {
	.name			= "arena",
	.init_fs_context	= arena_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

static int arena_chunk_pages_get(void *data, u64 *val)
{
	*val = atomic_long_read(&arena_chunk_pages);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(arena_chunk_pages_fops, arena_chunk_pages_get, NULL, "%llu\n");

int arena_fs_init(void)
{
	arena_mnt = kern_mount(&arena_fs_type);
	if (IS_ERR(arena_mnt))
		return PTR_ERR(arena_mnt);
	/* Best effort, as debugfs is: nothing depends on it but tests. */
	arena_debugfs = debugfs_create_dir("arena", NULL);
	debugfs_create_file_unsafe("chunk_pages", 0444, arena_debugfs, NULL,
				   &arena_chunk_pages_fops);
	debugfs_create_atomic_t("arenas", 0444, arena_debugfs, &arena_count);
	return 0;
}

/* Context: module unload, after every arena has been released. */
void arena_fs_exit(void)
{
	debugfs_remove_recursive(arena_debugfs);
	kern_unmount(arena_mnt);
	WARN(atomic_long_read(&arena_chunk_pages) || atomic_read(&arena_count),
	     "arena: unloading with %ld chunk pages and %d arenas not freed\n",
	     atomic_long_read(&arena_chunk_pages), atomic_read(&arena_count));
}

/* An inode for a file's mappings to hang off, marked DAX (see arena.h). */
struct inode *arena_alloc_inode(void)
{
	struct inode *inode = alloc_anon_inode(arena_mnt->mnt_sb);

	if (!IS_ERR(inode))
		inode->i_flags |= S_DAX;
	return inode;
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
	return 0;
}

static void arena_destroy_allocator(struct arena *arena)
{
	if (arena->mode == ARENA_MODE_FIXED)
		arena_slots_destroy(&arena->slots);
	else
		arena_buddy_destroy(&arena->buddy);
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
 * and their summary levels per granule, so four bits.  (The fixed part, a
 * few KiB of lane and per-CPU state, is charged to the memory cgroup only.)
 */
static u64 arena_plan_metadata(const struct arena_plan *p)
{
	return p->granules / 2;
}

/* Set up the allocator that @p planned. */
static int arena_init_allocator(struct arena *arena, const struct arena_plan *p)
{
	int ret;

	if (arena->mode == ARENA_MODE_FIXED) {
		ret = arena_slots_init(&arena->slots, &p->slots);
		if (ret)
			return ret;
		arena->slot_size = p->slots.slot_size;
		arena->slot_count = p->slots.slot_count;
		arena->align = p->slots.align;
	} else {
		ret = arena_buddy_init(&arena->buddy, &p->buddy);
		if (ret)
			return ret;
		arena->min_block = p->buddy.min_block;
		arena->max_block = p->buddy.max_block;
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
 * Return: the arena with one reference, or an ERR_PTR: -EINVAL or
 * -EOVERFLOW for a bad geometry, -EOPNOTSUPP for ARENA_CREATE_FILELESS,
 * -EDQUOT beyond the module's memory cap, -EINTR on a fatal signal,
 * -ENOMEM if the page allocator has no chunks of that order (after falling
 * back to smaller ones if ARENA_CREATE_SMALLER_CHUNKS allows it).
 */
struct arena *arena_create(const struct arena_create *c, u32 kind, bool one_domain,
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
	INIT_WORK(&arena->zero_work, arena_zero_work);
	spin_lock_init(&arena->pinned_lock);
	INIT_LIST_HEAD(&arena->pinned);
	INIT_DELAYED_WORK(&arena->pin_work, arena_pin_work);
	spin_lock_init(&arena->vmas_lock);
	INIT_LIST_HEAD(&arena->vmas);

	order = c->chunk_order ?: arena_default_chunk_order;
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
EXPORT_SYMBOL_IF_KUNIT(arena_create);

/**
 * arena_register() - give a finished arena its id, and tell listeners
 * @arena: from arena_create()
 *
 * On failure the caller still owns @arena and puts it.
 *
 * Return: 0, -ENOMEM, or -EBUSY when every id is taken.
 */
int arena_register(struct arena *arena)
{
	int ret;

	ret = xa_alloc_cyclic(&arena_ids, &arena->id, arena, xa_limit_31b,
			      &arena_next_id, GFP_KERNEL);
	if (ret < 0)
		return ret;
	atomic_inc(&arena_gen);
	arena_nl_event(arena, ARENA_EVENT_MADE);
	return 0;
}

/* The arena of @id with a reference, or NULL. */
struct arena *arena_find(u32 id)
{
	struct arena *arena;

	xa_lock(&arena_ids);
	arena = xa_load(&arena_ids, id);
	if (arena && !kref_get_unless_zero(&arena->ref))
		arena = NULL;
	xa_unlock(&arena_ids);
	return arena;
}

/* The first arena from *@id on, with a reference; *@id becomes its id. */
struct arena *arena_next(unsigned long *id)
{
	struct arena *arena;

	xa_lock(&arena_ids);
	for (;;) {
		arena = xa_find(&arena_ids, id, ULONG_MAX, XA_PRESENT);
		if (!arena || kref_get_unless_zero(&arena->ref))
			break;
		(*id)++;	/* being released: skip it */
	}
	xa_unlock(&arena_ids);
	return arena;
}

int arena_generation(void)
{
	return atomic_read(&arena_gen);
}

static void arena_core_stats(struct arena *arena, struct arena_core_stats *st)
{
	if (arena->mode == ARENA_MODE_FIXED)
		arena_slots_stats(&arena->slots, st);
	else
		arena_buddy_stats(&arena->buddy, st);
}

/*
 * Crossing the low-space watermark tells listeners once per crossing, and
 * once a second at most; climbing back above twice the watermark re-arms it.
 */
static void arena_check_low(struct arena *arena)
{
	struct arena_core_stats st;
	u64 free;

	arena_core_stats(arena, &st);
	free = arena->size - min(st.bytes_reserved, arena->size);
	if (free * 100 < arena->size * ARENA_LOW_PERCENT) {
		if (!atomic_xchg(&arena->low, 1) &&
		    time_after_eq(jiffies, READ_ONCE(arena->low_quiet_until))) {
			WRITE_ONCE(arena->low_quiet_until, jiffies + ARENA_EVENT_INTERVAL);
			arena_nl_event(arena, ARENA_EVENT_LOW);
		}
	} else if (free * 100 > arena->size * 2 * ARENA_LOW_PERCENT) {
		atomic_set(&arena->low, 0);
	}
}

/*
 * An allocation found no space: tell listeners, once a second at most.
 * A full arena is also a low one, which sampling may not have seen yet.
 */
void arena_note_full(struct arena *arena)
{
	unsigned long next = READ_ONCE(arena->next_full_event);

	arena_check_low(arena);
	if (time_before(jiffies, next) ||
	    cmpxchg(&arena->next_full_event, next, jiffies + ARENA_EVENT_INTERVAL) != next)
		return;
	arena_nl_event(arena, ARENA_EVENT_FULL);
}

/*
 * After a grant: look at the watermark, at most every tenth of a second
 * (the look sums per-CPU counters); one caller at a time wins the look.
 */
void arena_note_granted(struct arena *arena)
{
	unsigned long next = READ_ONCE(arena->next_low_check);

	if (time_before(jiffies, next) ||
	    cmpxchg(&arena->next_low_check, next, jiffies + HZ / 10) != next)
		return;
	arena_check_low(arena);
}

static void arena_release(struct kref *ref)
{
	struct arena *arena = container_of(ref, struct arena, ref);

	if (arena->id) {	/* registered: ids start at 1 */
		xa_erase(&arena_ids, arena->id);
		atomic_inc(&arena_gen);
		arena_nl_event(arena, ARENA_EVENT_REMOVED);
	}

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

/* Whether an allocation of the smallest size could succeed now. */
bool arena_has_space(struct arena *arena)
{
	struct arena_core_stats st;

	if (arena->mode == ARENA_MODE_BUDDY)
		return arena_buddy_largest_free(&arena->buddy) != 0;
	arena_core_stats(arena, &st);
	return st.largest_free_block != 0;
}

/*
 * How far, in per mille, the largest free block falls short of the largest
 * block the free bytes could make (no block is larger than max_block): 0
 * for an empty arena, near 1000 when the free bytes are all crumbs.
 */
u32 arena_fragmentation(const struct arena_info *info)
{
	u64 free = info->size - min(info->bytes_reserved, info->size);
	u64 best = min(free, info->max_block);

	if (info->mode == ARENA_MODE_FIXED || !best)
		return 0;
	return 1000 - div64_u64(min(info->largest_free_block, best) * 1000, best);
}

void arena_fill_info(struct arena *arena, struct arena_info *info)
{
	struct arena_core_stats st;

	arena_core_stats(arena, &st);
	*info = (struct arena_info){
		.features = ARENA_FEATURE_FIXED | ARENA_FEATURE_BUDDY |
			    ARENA_FEATURE_BATCH | ARENA_FEATURE_WAIT |
			    ARENA_FEATURE_POLL | ARENA_FEATURE_WHOLE_MAP |
			    (ARENA_PMD_MAPPABLE ? ARENA_FEATURE_PMD_MAP : 0) |
			    ARENA_FEATURE_IMPLICIT_MAP |
			    ARENA_FEATURE_DMABUF | ARENA_FEATURE_SYNC |
			    ARENA_FEATURE_NETLINK | ARENA_FEATURE_ISOLATION |
			    ARENA_FEATURE_SHARE_LIMIT,
		.id = arena->id,
		.kind = arena->kind,
		.mode = arena->mode,
		.flags = arena->flags,
		.node = arena->node,
		.chunk_order = arena->chunk_order,
		.size = arena->size,
		.chunk_size = 1ULL << arena->chunk_shift,
		.nr_chunks = arena->nr_chunks,
		.slot_size = arena->slot_size,
		.slot_count = arena->slot_count,
		.align = arena->align,
		.min_block = arena->min_block,
		.max_block = arena->max_block,
		.whole_offset = ARENA_WHOLE_COOKIE,
		.metadata_bytes = arena->mode == ARENA_MODE_FIXED ?
				  arena_slots_metadata_bytes(&arena->slots) :
				  arena_buddy_metadata_bytes(&arena->buddy),
		.allocations_ok = st.allocations_ok,
		.allocations_failed = st.allocations_failed,
		.frees = st.frees,
		.bytes_reserved = st.bytes_reserved,
		.bytes_live = st.bytes_live,
		.splits = st.splits,
		.coalesces = st.coalesces,
		.largest_free_block = st.largest_free_block,
		.bytes_mapped = arena_bytes_mapped(arena),
		.pmd_faults = atomic64_read(&arena->pmd_faults),
		.pte_faults = atomic64_read(&arena->pte_faults),
		.live_grants = atomic64_read(&arena->live_grants),
		.exported_grants = atomic64_read(&arena->exported_grants),
	};
}
