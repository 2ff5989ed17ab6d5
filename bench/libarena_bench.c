// SPDX-License-Identifier: GPL-2.0
/*
 * libarena's cycle against glibc, in one run: allocate 4 KiB, write 64
 * bytes, freeze, clone, release both; cycles per second on 1 and 2
 * threads, for glibc (malloc, memset, free), libarena with its caches and
 * libarena without them (one ioctl per allocation and per release).
 *
 *   libarena_bench [seconds-per-measure]     (default 1, in 15 rounds)
 */
#include <pthread.h>
#include <time.h>

#include "../userlib/arena.h"
#include "../selftests/arena/arena_util.h"

#define ROUNDS	15

enum kind { GLIBC, CACHED, UNCACHED };

struct run {
	enum kind kind;
	struct arena_pool *pool;
	double seconds;
	pthread_barrier_t *start;
	uint64_t cycles;
	int error;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cycle(struct run *r)
{
	static const char msg[64] = "sixty-four bytes of message, more or less, for the benchmark";
	struct arena_bytes a, b;
	struct arena_buf buf;
	char *p;

	if (r->kind == GLIBC) {
		p = malloc(4096);
		if (!p)
			return -1;
		memset(p, 0, 64);
		memcpy(p, msg, 64);
		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
		return 0;
	}
	if (arena_buf_alloc(r->pool, 4096, &buf) || arena_buf_put(&buf, msg, 64))
		return -1;
	arena_buf_freeze(&buf, &a);
	arena_bytes_clone(&a, &b);
	arena_bytes_release(&a);
	arena_bytes_release(&b);
	return 0;
}

static void *loop(void *arg)
{
	struct run *r = arg;
	double end;
	int i;

	pthread_barrier_wait(r->start);
	end = now_s() + r->seconds;
	while (now_s() < end) {
		for (i = 0; i < 64; i++)
			if (cycle(r)) {
				r->error = 1;
				return NULL;
			}
		r->cycles += 64;
	}
	return NULL;
}

/* Cycles per second in total of one run of @secs on @threads threads. */
static double run_once(enum kind kind, struct arena_pool *pool, int threads, double secs)
{
	pthread_barrier_t barrier;
	struct run runs[2];
	pthread_t tid[2];
	double rate = 0;
	int i;

	pthread_barrier_init(&barrier, NULL, threads);
	for (i = 0; i < threads; i++) {
		runs[i] = (struct run){ .kind = kind, .pool = pool, .seconds = secs,
					.start = &barrier };
		pthread_create(&tid[i], NULL, loop, &runs[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		if (runs[i].error) {
			fprintf(stderr, "libarena_bench: a cycle failed\n");
			exit(1);
		}
		rate += runs[i].cycles / secs;
	}
	pthread_barrier_destroy(&barrier);
	return rate;
}

static double median(double *v)
{
	double t;
	int i, j;

	for (i = 0; i < ROUNDS; i++)
		for (j = i + 1; j < ROUNDS; j++)
			if (v[j] < v[i])
				t = v[i], v[i] = v[j], v[j] = t;
	return v[ROUNDS / 2];
}

/*
 * Round by round, glibc, then libarena, then libarena uncached, each for
 * @secs / ROUNDS: the host's speed moves in phases of about a second
 * (benchmarks.rst, "Ratios from boot to boot"), so each ratio is taken
 * within a round and the median of the rounds' is reported, beside the
 * median rates.
 */
static void measure(struct arena_pool *cached, struct arena_pool *uncached, int threads,
		    double secs)
{
	double g[ROUNDS], a[ROUNDS], u[ROUNDS], ga[ROUNDS], au[ROUNDS];
	int r;

	for (r = 0; r < ROUNDS; r++) {
		g[r] = run_once(GLIBC, NULL, threads, secs / ROUNDS);
		a[r] = run_once(CACHED, cached, threads, secs / ROUNDS);
		u[r] = run_once(UNCACHED, uncached, threads, secs / ROUNDS);
		ga[r] = g[r] / a[r];
		au[r] = a[r] / u[r];
	}
	printf("%-8d %14.0f %14.0f %14.0f %10.2f %12.1f\n", threads, median(g), median(a),
	       median(u), median(ga), median(au));
}

int main(int argc, char **argv)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 64 * MiB,
				  .min_block = 4096, .node = ARENA_NODE_LOCAL };
	struct arena_pool_opts uncached = { .no_cache = 1 };
	double secs = argc > 1 ? atof(argv[1]) : 1;
	struct arena_pool *cached_pool, *uncached_pool;
	int threads;

	if (arena_pool_create(&c, NULL, &cached_pool) ||
	    arena_pool_create(&c, &uncached, &uncached_pool)) {
		fprintf(stderr, "libarena_bench: cannot create arenas (arena.ko loaded?)\n");
		return 1;
	}
	printf("# libarena cycle: alloc 4 KiB, write 64 B, freeze, clone, release both\n");
	printf("# %d rounds of %.2f s a measure; medians of the rates and of the rounds' ratios;\n"
	       "# cycles/s in total; compare within this run only\n", ROUNDS, secs / ROUNDS);
	printf("%-8s %14s %14s %14s %10s %12s\n", "threads", "glibc", "libarena",
	       "uncached", "glibc/lib", "lib/uncached");
	for (threads = 1; threads <= 2; threads++)
		measure(cached_pool, uncached_pool, threads, secs);
	printf("# targets: glibc/lib <= 2 (within 2x of glibc), lib/uncached >= 10\n");
	arena_pool_close(cached_pool);
	arena_pool_close(uncached_pool);
	return 0;
}
