// SPDX-License-Identifier: GPL-2.0
/*
 * DPDK's rte_mempool with a per-lcore cache, measured as core_bench
 * measures the allocator core and malloc: ns per get+put pair, each EAL
 * lcore keeping a window of WINDOW live objects and replacing its oldest
 * ("hot"), or getting one and putting it back at once ("cold").  The pairs
 * run on EAL lcores (the main one and workers): a thread that is not an
 * lcore has no cache, and would measure the mempool's ring instead.
 *
 *   mempool_bench [-q]      -q: quick mode (few iterations)
 *
 * EAL runs without huge pages, PCI or shared configuration, so that it needs
 * no setup and leaves nothing behind: the mempool's objects are ordinary
 * memory, as malloc's are.
 */
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#define WINDOW		64
#define REPEATS		5
#define CACHE		256	/* objects per lcore cache (at most 512) */
#define MAX_THREADS	8

struct run {
	struct rte_mempool *mp;
	bool cold;
	unsigned long iters;
	pthread_barrier_t *start;
	double t0, t1;		/* after each barrier */
	int failed;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int loop(void *arg)
{
	struct run *r = arg;
	void *win[WINDOW], *obj;
	unsigned long i;

	if (!r->cold && rte_mempool_get_bulk(r->mp, win, WINDOW))
		r->failed = 1;
	pthread_barrier_wait(r->start);
	r->t0 = now_ns();
	for (i = 0; i < r->iters && !r->failed; i++) {
		if (r->cold) {
			if (rte_mempool_get(r->mp, &obj)) {
				r->failed = 1;
				break;
			}
			__asm__ volatile("" : : "r"(obj) : "memory");
			rte_mempool_put(r->mp, obj);
		} else {
			rte_mempool_put(r->mp, win[i % WINDOW]);
			if (rte_mempool_get(r->mp, &win[i % WINDOW]))
				r->failed = 1;
		}
	}
	pthread_barrier_wait(r->start);
	r->t1 = now_ns();
	if (!r->cold && !r->failed)
		rte_mempool_put_bulk(r->mp, win, WINDOW);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median over REPEATS of ns per pair per lcore, on the main lcore and
 * @threads - 1 workers, timed by the main lcore between the barriers all
 * of them pass; -1 if the pool ran dry.
 */
static double measure(struct rte_mempool *mp, bool cold, unsigned long iters,
		      unsigned int threads)
{
	struct run runs[MAX_THREADS];
	pthread_barrier_t barrier;
	unsigned int r, i, lcore;
	double ns[REPEATS];
	int failed = 0;

	for (r = 0; r < REPEATS; r++) {
		pthread_barrier_init(&barrier, NULL, threads);
		for (i = 0; i < threads; i++)
			runs[i] = (struct run){ .mp = mp, .cold = cold, .iters = iters,
						.start = &barrier };
		i = 1;
		RTE_LCORE_FOREACH_WORKER(lcore) {
			if (i == threads)
				break;
			rte_eal_remote_launch(loop, &runs[i++], lcore);
		}
		loop(&runs[0]);
		rte_eal_mp_wait_lcore();
		pthread_barrier_destroy(&barrier);
		for (i = 0; i < threads; i++)
			failed |= runs[i].failed;
		ns[r] = (runs[0].t1 - runs[0].t0) / iters;
	}
	qsort(ns, REPEATS, sizeof(ns[0]), cmp_double);
	return failed ? -1 : ns[REPEATS / 2];
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "-q");
	unsigned long iters = quick ? 20000 : 2000000;
	static const struct { const char *name; unsigned int size; bool cold; } rows[] = {
		{ "256 B",          256,   false },
		{ "4 KiB",          4096,  false },
		{ "64 KiB",         65536, false },
		{ "256 B (cold)",   256,   true },
		{ "4 KiB (cold)",   4096,  true },
	};
	char lcores[32], prefix[48], runtime[PATH_MAX], *eal[] = {
		argv[0], "-l", lcores, "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
		"--no-telemetry", "--log-level", "*:error", "--file-prefix", prefix,
	};
	unsigned int i, threads, cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct rte_mempool *mp;
	char name[32];
	double ns;

	if (cpus > MAX_THREADS)
		cpus = MAX_THREADS;
	snprintf(lcores, sizeof(lcores), "0-%u", cpus - 1);
	/* A runtime directory of its own, so that it can remove what EAL made. */
	snprintf(prefix, sizeof(prefix), "mempool_bench-%d", (int)getpid());
	if (rte_eal_init(sizeof(eal) / sizeof(eal[0]), eal) < 0) {
		fprintf(stderr, "mempool_bench: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	printf("# DPDK rte_mempool, a cache of %d objects per lcore, on EAL lcores; ns per get+put pair\n",
	       CACHE);
	printf("# window of %d live objects per lcore; median of %d runs of %lu pairs%s\n",
	       WINDOW, REPEATS, iters, quick ? " (quick mode)" : "");
	printf("%-22s %7s %12s\n", "case", "threads", "mempool ns");
	for (threads = 1; threads <= rte_lcore_count(); threads *= 2) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			snprintf(name, sizeof(name), "bench-%u-%u", rows[i].size, i);
			/* 64 MiB of objects, as core_bench's arenas; 2^q - 1 is optimal. */
			mp = rte_mempool_create(name, (64u << 20) / rows[i].size - 1, rows[i].size,
						CACHE, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
			if (!mp) {
				fprintf(stderr, "mempool_bench: rte_mempool_create: %s\n",
					rte_strerror(rte_errno));
				return 1;
			}
			ns = measure(mp, rows[i].cold, iters, threads);
			rte_mempool_free(mp);
			if (ns < 0) {
				fprintf(stderr, "mempool_bench: %s ran dry\n", rows[i].name);
				return 1;
			}
			printf("%-22s %7u %12.1f\n", rows[i].name, threads, ns);
		}
	}
	/*
	 * EAL makes its runtime directory (/var/run/dpdk/PREFIX for root)
	 * even with --no-shconf and leaves it behind: remove it, and its
	 * parent if nothing else is there.
	 */
	snprintf(runtime, sizeof(runtime), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (!rmdir(runtime))
		rmdir(dirname(runtime));
	return 0;
}
