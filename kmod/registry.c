// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: every arena that is made and finished, by id, and the
 * notifier that tells the layers above what happens to arenas.
 *
 * An arena is in the registry from arena_register() until its last
 * reference drops (arena_unregister(), from its release); the registry
 * holds no reference, so a lookup takes one only from an arena not yet
 * being released.  The generation changes with the set, for netlink dumps.
 *
 * Listeners (the netlink events group, in ctl/) subscribe with
 * arena_register_notifier(), as the net core's listeners do with
 * register_netdevice_notifier(): the notifier is how news travels up,
 * so that nothing here or below calls the control plane.  It is a
 * blocking chain: callbacks run in process context and may sleep, and
 * run under whatever lock the caller of arena_register() or of an
 * arena's last arena_put() holds (see arena.h).
 */

#include <linux/kref.h>
#include <linux/notifier.h>
#include <linux/xarray.h>

#include "arena.h"

static DEFINE_XARRAY_ALLOC1(arena_ids);
static u32 arena_next_id;
static atomic_t arena_gen = ATOMIC_INIT(1);
static BLOCKING_NOTIFIER_HEAD(arena_notifiers);

/**
 * arena_notify() - tell the listeners about @arena
 * @arena: the arena, with a reference or being released
 * @event: what happened (an enum arena_event_kind)
 *
 * Context: process context; may sleep.
 */
void arena_notify(struct arena *arena, enum arena_event_kind event)
{
	blocking_notifier_call_chain(&arena_notifiers, event, arena);
}

/**
 * arena_register_notifier() - hear of arenas made, removed, full or low
 * @nb: called with an enum arena_event_kind and the struct arena
 *
 * Return: 0.
 */
int arena_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&arena_notifiers, nb);
}

/* Once this returns, @nb runs no more. */
void arena_unregister_notifier(struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&arena_notifiers, nb);
}

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
	arena_notify(arena, ARENA_EVENT_MADE);
	return 0;
}

/* From the arena's release: take it out, and tell listeners. */
void arena_unregister(struct arena *arena)
{
	if (!arena->id)		/* never registered: ids start at 1 */
		return;
	xa_erase(&arena_ids, arena->id);
	atomic_inc(&arena_gen);
	arena_notify(arena, ARENA_EVENT_REMOVED);
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
