// SPDX-License-Identifier: GPL-2.0
/*
 * Events: what the netlink "events" group hears.  The registry's notifier
 * says what happened to an arena (made, removed, full, low: the watch in
 * watch.c has already rate-limited the last two); this passes it on.
 */

#include <linux/notifier.h>

#include "ctl.h"

static int arena_events_notify(struct notifier_block *nb, unsigned long event, void *arena)
{
	arena_nl_event(arena, event);
	return NOTIFY_DONE;
}

static struct notifier_block arena_events_nb = {
	.notifier_call = arena_events_notify,
};

/* After the netlink family is registered: events need it. */
int arena_events_init(void)
{
	return arena_register_notifier(&arena_events_nb);
}

/* Before the netlink family goes: no event is being sent once this returns. */
void arena_events_exit(void)
{
	arena_unregister_notifier(&arena_events_nb);
}
