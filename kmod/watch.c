// SPDX-License-Identifier: GPL-2.0
/*
 * The low/full watch: when an allocation's outcome is news for listeners.
 *
 * An allocation that finds no space is news once a second at most per
 * arena.  Free space falling below ARENA_LOW_PERCENT is news once per
 * crossing, and once a second at most; climbing back above twice the
 * watermark re-arms it.  Looking at free space sums per-CPU counters, so a
 * grant looks at most every tenth of a second, one caller at a time.  The
 * news goes to the registry's notifier; who listens is not this file's
 * business.
 */

#include <linux/jiffies.h>

#include "arena.h"

#define ARENA_EVENT_INTERVAL	HZ	/* per arena, per kind of event */
#define ARENA_LOW_CHECK_INTERVAL	(HZ / 10)

static void arena_check_low(struct arena *arena)
{
	struct arena_watch *w = &arena->watch;
	struct arena_core_stats st;
	u64 free;

	arena->ops->stats(arena->core, &st);
	free = arena->size - min(st.bytes_reserved, arena->size);
	if (free * 100 < arena->size * ARENA_LOW_PERCENT) {
		if (!atomic_xchg(&w->low, 1) &&
		    time_after_eq(jiffies, READ_ONCE(w->low_quiet_until))) {
			WRITE_ONCE(w->low_quiet_until, jiffies + ARENA_EVENT_INTERVAL);
			arena_notify(arena, ARENA_EVENT_LOW);
		}
	} else if (free * 100 > arena->size * 2 * ARENA_LOW_PERCENT) {
		atomic_set(&w->low, 0);
	}
}

/*
 * An allocation found no space.  A full arena is also a low one, which
 * sampling may not have seen yet.
 */
void arena_note_full(struct arena *arena)
{
	unsigned long next = READ_ONCE(arena->watch.next_full_event);

	arena_check_low(arena);
	if (time_before(jiffies, next) ||
	    cmpxchg(&arena->watch.next_full_event, next, jiffies + ARENA_EVENT_INTERVAL) != next)
		return;
	arena_notify(arena, ARENA_EVENT_FULL);
}

/* After a grant: the one caller that wins the next look looks. */
void arena_note_granted(struct arena *arena)
{
	unsigned long next = READ_ONCE(arena->watch.next_low_check);

	if (time_before(jiffies, next) ||
	    cmpxchg(&arena->watch.next_low_check, next,
		    jiffies + ARENA_LOW_CHECK_INTERVAL) != next)
		return;
	arena_check_low(arena);
}
