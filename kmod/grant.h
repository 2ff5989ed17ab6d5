/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The grant layer: one slot or block of an arena (later, a span of whole
 * chunks), refcounted, and what happens when it is released.  See grant.c.
 */
#ifndef ARENA_GRANT_H
#define ARENA_GRANT_H

#include <linux/mutex.h>

#include "arena.h"

struct cred;

struct arena_grant {
	struct kref ref;
	struct arena *arena;		/* counted */
	/*
	 * [offset, offset + size) of the arena's address space: a range, not
	 * a chunk.  Code that reaches its memory walks it chunk by chunk.
	 */
	u64 offset;
	u64 size;			/* slot or block size */
	u64 requested;			/* what the holder asked for */
	u64 capacity;			/* what the holder may use */
	const struct cred *charged_cred; /* counted: whose user it is charged to */
	unsigned long locked_pages;	/* charged to that user's locked_vm */
	struct list_head node;		/* on arena->dirty or ->pinned once released */
	struct mutex exports_lock;	/* protects exports */
	struct list_head exports;	/* struct arena_dmabuf of live exports */
};

extern ulong arena_zero_inline_max;	/* zeroed by the releaser up to this */

int arena_grant_init(void);
void arena_grant_exit(void);
struct arena *arena_create(const struct arena_create *c, u32 kind, bool one_domain,
			   struct netlink_ext_ack *extack);
int arena_grants_alloc(struct arena *arena, u64 size, unsigned int n,
		       struct arena_grant **grants);
int arena_grant_alloc_wait(struct arena *arena, u64 size, bool wait,
			   u64 timeout_ns, struct arena_grant **grant);
void arena_grant_get(struct arena_grant *grant);
void arena_grant_put(struct arena_grant *grant);
void arena_flush_zeroing(struct arena *arena);

#endif /* ARENA_GRANT_H */
