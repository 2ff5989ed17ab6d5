// SPDX-License-Identifier: GPL-2.0
/*
 * Host benchmark of the allocator core against glibc malloc/free, measured in
 * the same run: ns per allocate+release pair.
 *
 * Each thread keeps a window of WINDOW live grants and, per iteration,
 * releases the oldest and allocates a new one, so that the allocator works
 * in a steady, partly fragmented state rather than splitting one block off
 * an empty arena and merging it straight back.  The "cold" buddy rows do the
 * latter (allocate then release at once, every split and coalesce paid each
 * time): the worst case, shown for comparison.
 *
 *   core_bench [-q]      -q: quick mode (few iterations), used by make check
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../buddy.h"
#include "../slots.h"

#define WINDOW		64
#define REPEATS		5
#define MiB		(1024ULL * 1024)

enum kind { GLIBC, FIXED, BUDDY };

struct bench {
	enum kind kind;
	u64 size;
	bool cold;
	struct arena_slots *s;
	struct arena_buddy *b;
	u64 iters;
	pthread_barrier_t *start;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline void *get(struct bench *bn, struct arena_block *blk)
{
	switch (bn->kind) {
	case GLIBC:
		return malloc(bn->size);
	case FIXED:
		return arena_slots_alloc(bn->s, bn->size, blk) ? NULL : blk;
	default:
		return arena_buddy_alloc(bn->b, bn->size, blk) ? NULL : blk;
	}
}

static inline void put(struct bench *bn, void *p, struct arena_block *blk)
{
	switch (bn->kind) {
	case GLIBC:
		free(p);
		break;
	case FIXED:
		arena_slots_free(bn->s, blk->offset, bn->size);
		break;
	default:
		arena_buddy_free(bn->b, blk->offset, bn->size);
	}
}

static void *loop(void *arg)
{
	struct bench *bn = arg;
	struct arena_block blk[WINDOW];
	void *p[WINDOW];
	u64 i;

	if (!bn->cold)
		for (i = 0; i < WINDOW; i++)
			if (!(p[i] = get(bn, &blk[i])))
				abort();
	pthread_barrier_wait(bn->start);
	for (i = 0; i < bn->iters; i++) {
		if (bn->cold) {
			struct arena_block one;
			void *q = get(bn, &one);

			if (!q)
				abort();
			/* keep glibc from optimising the pair away */
			__asm__ volatile("" : : "r"(q) : "memory");
			put(bn, q, &one);
		} else {
			unsigned int w = i % WINDOW;

			put(bn, p[w], &blk[w]);
			if (!(p[w] = get(bn, &blk[w])))
				abort();
		}
	}
	pthread_barrier_wait(bn->start);
	if (!bn->cold)
		for (i = 0; i < WINDOW; i++)
			put(bn, p[i], &blk[i]);
	return NULL;
}

/* Median over REPEATS of ns per pair per thread. */
static double measure(struct bench proto, unsigned int threads)
{
	double runs[REPEATS], t0, tmp;
	pthread_barrier_t barrier;
	struct bench bn[2];
	pthread_t t[2];
	unsigned int r, i, j;

	for (r = 0; r < REPEATS; r++) {
		pthread_barrier_init(&barrier, NULL, threads + 1);
		for (i = 0; i < threads; i++) {
			bn[i] = proto;
			bn[i].start = &barrier;
			pthread_create(&t[i], NULL, loop, &bn[i]);
		}
		pthread_barrier_wait(&barrier);
		t0 = now_ns();
		pthread_barrier_wait(&barrier);
		runs[r] = (now_ns() - t0) / proto.iters;
		for (i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&barrier);
	}
	for (i = 0; i < REPEATS; i++)
		for (j = i + 1; j < REPEATS; j++)
			if (runs[j] < runs[i]) {
				tmp = runs[i];
				runs[i] = runs[j];
				runs[j] = tmp;
			}
	return runs[REPEATS / 2];
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "-q");
	u64 iters = quick ? 20000 : 2000000;
	static const struct { const char *name; enum kind kind; u64 size; bool cold; } rows[] = {
		{ "fixed 256 B",            FIXED, 256,   false },
		{ "fixed 4 KiB",            FIXED, 4096,  false },
		{ "buddy 256 B",            BUDDY, 256,   false },
		{ "buddy 4 KiB",            BUDDY, 4096,  false },
		{ "buddy 64 KiB",           BUDDY, 65536, false },
		{ "buddy 256 B (cold)",     BUDDY, 256,   true },
		{ "buddy 4 KiB (cold)",     BUDDY, 4096,  true },
	};
	struct arena_buddy_geometry bg = { .total = 64 * MiB, .min_block = 256,
					   .max_block = 2 * MiB };
	struct arena_buddy b;
	unsigned int i, threads;

	if (arena_buddy_geometry(&bg) || arena_buddy_init(&b, &bg))
		return 1;
	printf("# allocator core vs glibc malloc/free, same run; ns per allocate+release pair\n");
	printf("# buddy: 64 MiB arena, 256 B min block, 2 MiB chunks; fixed: 64 MiB of slots\n");
	printf("# window of %d live grants per thread; median of %d runs of %llu pairs%s\n",
	       WINDOW, REPEATS, (unsigned long long)iters, quick ? " (quick mode)" : "");
	printf("%-22s %7s %12s %12s %8s\n", "case", "threads", "arena ns", "glibc ns", "ratio");
	for (threads = 1; threads <= 2; threads++) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct arena_slots_geometry sg = { .slot_size = rows[i].size,
							   .slot_count = 64 * MiB / rows[i].size,
							   .align = 64, .chunk_size = 2 * MiB };
			struct bench proto = { .kind = rows[i].kind, .size = rows[i].size,
					       .cold = rows[i].cold, .iters = iters, .b = &b };
			struct arena_slots s;
			double ns, glibc;

			if (rows[i].kind == FIXED) {
				if (arena_slots_geometry(&sg) || arena_slots_init(&s, &sg))
					return 1;
				proto.s = &s;
			}
			ns = measure(proto, threads);
			proto.kind = GLIBC;
			glibc = measure(proto, threads);
			printf("%-22s %7u %12.1f %12.1f %8.2f\n", rows[i].name, threads, ns, glibc,
			       ns / glibc);
			if (rows[i].kind == FIXED)
				arena_slots_destroy(&s);
		}
	}
	printf("# metadata: buddy %.3f%% of arena bytes (%zu B for 64 MiB)\n",
	       100.0 * arena_buddy_metadata_bytes(&b) / bg.total, arena_buddy_metadata_bytes(&b));
	arena_buddy_destroy(&b);
	return 0;
}
