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

/* How a named arena is made, beyond its geometry. */
struct arena_named_opts {
	kuid_t uid;		/* its node's owner, group and permission bits */
	kgid_t gid;
	umode_t mode;
	bool one_domain;	/* its holders are one trust domain (arena_create()) */
	bool dma_heap;		/* served as /dev/dma_heap/arena-<name> (heap.c) */
};

/* named.c */
int arena_named_init(void);
void arena_named_exit(void);
struct arena *arena_named_create(const struct arena_create *c, const char *name,
				 const struct arena_named_opts *opts,
				 struct netlink_ext_ack *extack);
int arena_named_delete(const char *name, u32 id, struct netlink_ext_ack *extack);
struct arena *arena_named_find(const char *name);
struct arena *arena_named_heap_arena(const char *name, int want);
int arena_may_use(const struct arena *arena, int want);

/* heap.c */
int arena_heap_ready(struct netlink_ext_ack *extack);
int arena_heap_expose(const char *name, struct netlink_ext_ack *extack);

/* netlink.c */
int arena_nl_init(void);
void arena_nl_exit(void);
void arena_nl_event(struct arena *arena, u32 event);

/* events.c */
int arena_events_init(void);
void arena_events_exit(void);

#endif /* ARENA_CTL_H */
