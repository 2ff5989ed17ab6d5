// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the allocator core's per-CPU counters.
 */

#include "core.h"

void arena_core_stats_sum(struct arena_core_pcpu __percpu *pcpu,
			  struct arena_core_stats *st)
{
	s64 reserved = 0, live = 0;
	unsigned int cpu;

	*st = (struct arena_core_stats){ 0 };
	for_each_possible_cpu(cpu) {
		const struct arena_core_pcpu *p = per_cpu_ptr(pcpu, cpu);

		st->allocations_ok += READ_ONCE(p->allocations_ok);
		st->allocations_failed += READ_ONCE(p->allocations_failed);
		st->frees += READ_ONCE(p->frees);
		reserved += READ_ONCE(p->bytes_reserved);
		live += READ_ONCE(p->bytes_live);
		st->splits += READ_ONCE(p->splits);
		st->coalesces += READ_ONCE(p->coalesces);
	}
	/* Unsynchronised sums can be briefly negative; never report that. */
	st->bytes_reserved = reserved > 0 ? reserved : 0;
	st->bytes_live = live > 0 ? live : 0;
}
