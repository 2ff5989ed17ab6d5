/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control plane: named arenas (named.c), the generic netlink family
 * (netlink.c) and the events its group hears (events.c).  Nothing below
 * calls it; it hears of arenas through the registry's notifier.
 */
#ifndef ARENA_CTL_H
#define ARENA_CTL_H

#include "../file.h"

struct sk_buff;

/* named.c */
int arena_named_init(void);
void arena_named_exit(void);
struct arena *arena_named_create(const struct arena_create *c, const char *name,
				 kuid_t uid, kgid_t gid, umode_t mode, bool one_domain,
				 struct netlink_ext_ack *extack);
int arena_named_delete(const char *name, u32 id, struct netlink_ext_ack *extack);
struct arena *arena_named_find(const char *name);

/* netlink.c */
int arena_nl_init(void);
void arena_nl_exit(void);
void arena_nl_event(struct arena *arena, u32 event);

/* events.c */
int arena_events_init(void);
void arena_events_exit(void);

#endif /* ARENA_CTL_H */
