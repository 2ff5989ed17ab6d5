// SPDX-License-Identifier: GPL-2.0
/*
 * Host benchmark of the allocator core against glibc malloc/free, measured in
 * the same run, a run of each in turn: ns per allocate+release pair.  Built again against jemalloc
 * and mimalloc (which replace malloc when linked), it measures only their
 * malloc ("--malloc"), for scripts/bench-host's table beside DPDK's mempool
 * (bench/host/mempool_bench.c).
 *
 * Each thread keeps a window of WINDOW live grants and, per iteration,
 * releases the oldest and allocates a new one, so that the allocator works
 * in a steady, partly fragmented state rather than splitting one block off
 * an empty arena and merging it straight back.  The "cold" rows do the
 * latter (allocate then release at once on an empty arena), which the buddy
 * lanes' caches of released blocks now serve; the line after the table
 * shows that pair with the caches emptied after every release, so that
 * every split and coalesce is paid each time: the worst case.
 *
 *   core_bench [-q] [--malloc]   -q: quick mode (few iterations), used by
 *                                make check; --malloc: malloc's rows only
 *
 * Threads: 1, 2, 4 and 8, as far as the machine has CPUs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../buddy.h"
#include "../slots.h"

#define WINDOW		64
#define REPEATS		5
#define MAX_THREADS	8
#define MiB		(1024ULL * 1024)

#ifndef MALLOC_NAME
#define MALLOC_NAME	"glibc"	/* the malloc linked in */
#endif

enum kind { GLIBC, FIXED, BUDDY };

struct bench {
	enum kind kind;
	u64 size;
	bool cold;
	bool drain;		/* empty the buddy's caches after each release */
	struct arena_slots *s;
	struct arena_buddy *b;
	u64 iters;
	pthread_barrier_t *start;
	double t0, t1;		/* when it passed each barrier */
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
	bn->t0 = now_ns();
	for (i = 0; i < bn->iters; i++) {
		if (bn->cold) {
			struct arena_block one;
			void *q = get(bn, &one);

			if (!q)
				abort();
			/* keep glibc from optimising the pair away */
			__asm__ volatile("" : : "r"(q) : "memory");
			put(bn, q, &one);
			if (bn->drain)
				arena_buddy_drain(bn->b);
		} else {
			unsigned int w = i % WINDOW;

			put(bn, p[w], &blk[w]);
			if (!(p[w] = get(bn, &blk[w])))
				abort();
		}
	}
	pthread_barrier_wait(bn->start);
	bn->t1 = now_ns();
	if (!bn->cold)
		for (i = 0; i < WINDOW; i++)
			put(bn, p[i], &blk[i]);
	return NULL;
}

/*
 * One run: ns per pair per thread, timed by the first thread between the
 * barriers all of them pass (not by a thread of its own, which a machine
 * with a CPU per worker might not run in time to start the clock).
 */
static double run_once(struct bench proto, unsigned int threads)
{
	pthread_barrier_t barrier;
	struct bench bn[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	unsigned int i;

	pthread_barrier_init(&barrier, NULL, threads);
	for (i = 0; i < threads; i++) {
		bn[i] = proto;
		bn[i].start = &barrier;
		pthread_create(&t[i], NULL, loop, &bn[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	return (bn[0].t1 - bn[0].t0) / proto.iters;
}

static double median(double *v, unsigned int n)
{
	unsigned int i, j;
	double tmp;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				tmp = v[i];
				v[i] = v[j];
				v[j] = tmp;
			}
	return v[n / 2];
}

/* Median over REPEATS runs of ns per pair per thread. */
static double measure(struct bench proto, unsigned int threads)
{
	double runs[REPEATS];
	unsigned int r;

	for (r = 0; r < REPEATS; r++)
		runs[r] = run_once(proto, threads);
	return median(runs, REPEATS);
}

/*
 * @proto against glibc in REPEATS rounds, each one run of both: the host's
 * speed moves in phases of a second or so (benchmarks.rst, "Ratios from
 * boot to boot"), and a run of each side in turn sees the same phase.  The
 * medians of each side's runs in *ns and *glibc; returns the median of the
 * rounds' ratios.
 */
static double against_glibc(struct bench proto, unsigned int threads, double *ns, double *glibc)
{
	double mine[REPEATS], theirs[REPEATS], ratio[REPEATS];
	struct bench libc = proto;
	unsigned int r;

	libc.kind = GLIBC;
	for (r = 0; r < REPEATS; r++) {
		mine[r] = run_once(proto, threads);
		theirs[r] = run_once(libc, threads);
		ratio[r] = mine[r] / theirs[r];
	}
	*ns = median(mine, REPEATS);
	*glibc = median(theirs, REPEATS);
	return median(ratio, REPEATS);
}

struct row {
	const char *name;
	enum kind kind;
	u64 size;
	bool cold;
};

static const struct row rows[] = {
	{ "fixed 256 B",            FIXED, 256,   false },
	{ "fixed 4 KiB",            FIXED, 4096,  false },
	{ "fixed 64 KiB",           FIXED, 65536, false },
	{ "buddy 256 B",            BUDDY, 256,   false },
	{ "buddy 4 KiB",            BUDDY, 4096,  false },
	{ "buddy 64 KiB",           BUDDY, 65536, false },
	{ "fixed 256 B (cold)",     FIXED, 256,   true },
	{ "fixed 4 KiB (cold)",     FIXED, 4096,  true },
	{ "buddy 256 B (cold)",     BUDDY, 256,   true },
	{ "buddy 4 KiB (cold)",     BUDDY, 4096,  true },
};

/* malloc's rows: its pairs of each size, without an allocator core. */
static void malloc_only(u64 iters, unsigned int max_threads)
{
	unsigned int i, threads;

	printf("%-22s %7s %12s\n", "case", "threads", MALLOC_NAME " ns");
	for (threads = 1; threads <= max_threads; threads *= 2)
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct bench proto = { .kind = GLIBC, .size = rows[i].size,
					       .cold = rows[i].cold, .iters = iters };

			if (rows[i].kind == BUDDY)	/* the sizes once */
				printf("%-22s %7u %12.1f\n", rows[i].name + strlen("buddy "),
				       threads, measure(proto, threads));
		}
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "-q");
	bool malloc_rows = !strcmp(argv[argc - 1], "--malloc");
	u64 iters = quick ? 20000 : 2000000;
	struct arena_buddy_geometry bg = { .total = 64 * MiB, .min_block = 256,
					   .max_block = 2 * MiB };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i, threads, max_threads = cpus > MAX_THREADS ? MAX_THREADS : cpus;
	struct arena_buddy b;

	if (malloc_rows) {
		printf("# %s malloc/free; ns per allocate+release pair\n", MALLOC_NAME);
		printf("# window of %d live allocations per thread; median of %d runs of %llu pairs%s\n",
		       WINDOW, REPEATS, (unsigned long long)iters, quick ? " (quick mode)" : "");
		malloc_only(iters, max_threads);
		return 0;
	}
	if (arena_buddy_geometry(&bg) || arena_buddy_init(&b, &bg))
		return 1;
	printf("# allocator core vs glibc malloc/free, a run of each in turn;"
	       " ns per allocate+release pair\n");
	printf("# buddy: 64 MiB arena, 256 B min block, 2 MiB chunks; fixed: 64 MiB of slots\n");
	printf("# window of %d live grants per thread; median of %d rounds of %llu pairs%s\n",
	       WINDOW, REPEATS, (unsigned long long)iters, quick ? " (quick mode)" : "");
	printf("# ratio: the median of the rounds' ratios arena / glibc\n");
	printf("%-22s %7s %12s %12s %8s\n", "case", "threads", "arena ns", "glibc ns", "ratio");
	for (threads = 1; threads <= max_threads; threads *= 2) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct arena_slots_geometry sg = { .slot_size = rows[i].size,
							   .slot_count = 64 * MiB / rows[i].size,
							   .align = 64, .chunk_size = 2 * MiB };
			struct bench proto = { .kind = rows[i].kind, .size = rows[i].size,
					       .cold = rows[i].cold, .iters = iters, .b = &b };
			struct arena_slots s;
			double ns, glibc, ratio;

			if (rows[i].kind == FIXED) {
				if (arena_slots_geometry(&sg) || arena_slots_init(&s, &sg))
					return 1;
				proto.s = &s;
			}
			ratio = against_glibc(proto, threads, &ns, &glibc);
			printf("%-22s %7u %12.1f %12.1f %8.2f\n", rows[i].name, threads, ns, glibc,
			       ratio);
			if (rows[i].kind == FIXED)
				arena_slots_destroy(&s);
		}
	}
	for (i = 0; i < 2; i++) {
		struct bench proto = { .kind = BUDDY, .size = i ? 4096 : 256, .cold = true,
				       .drain = true, .iters = iters, .b = &b };

		printf("# buddy %s pair, caches emptied after each (every split and coalesce): %.1f ns\n",
		       i ? "4 KiB" : "256 B", measure(proto, 1));
	}
	printf("# metadata: buddy %.3f%% of arena bytes (%zu B for 64 MiB)\n",
	       100.0 * arena_buddy_metadata_bytes(&b) / bg.total, arena_buddy_metadata_bytes(&b));
	arena_buddy_destroy(&b);
	return 0;
}
