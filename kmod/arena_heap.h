/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What arena.ko offers arena_heap.ko, its dma-buf heap companion (see
 * kmod/ctl/heap.c), in symbol namespace ARENA.  An arena's name is "" for
 * the default arena.
 */
#ifndef ARENA_HEAP_H
#define ARENA_HEAP_H

#include <linux/types.h>

struct dma_buf;

/* @add adds the heap of @arena_name, or finds it added: 0 or -errno. */
void arena_heap_provide(int (*add)(const char *arena_name));
struct dma_buf *arena_heap_alloc(const char *arena_name, unsigned long len, u32 fd_flags);

#endif /* ARENA_HEAP_H */
