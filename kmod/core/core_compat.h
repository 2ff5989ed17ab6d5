/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one seam between the allocator core (bitmap.c, slots.c, buddy.c) and
 * its two homes: arena.ko, and native userspace builds for the host tests,
 * the fuzzer and the benchmarks.
 *
 * In the kernel this is a list of includes.  Natively, host/kernel.h defines
 * the few kernel primitives the core uses, under their kernel names and with
 * their kernel semantics (ordering included), so that the core reads as
 * kernel code in both places.  Nothing else in the core depends on where it
 * is built.
 */
#ifndef ARENA_CORE_COMPAT_H
#define ARENA_CORE_COMPAT_H

#ifdef __KERNEL__

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* The KUnit test module (kmod/kunit/) reaches the core through these. */
#include <kunit/visibility.h>

#else

#include "host/kernel.h"	/* the same primitives for native builds */

#endif /* __KERNEL__ */

#endif /* ARENA_CORE_COMPAT_H */
