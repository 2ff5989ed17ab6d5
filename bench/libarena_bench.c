// SPDX-License-Identifier: GPL-2.0
/*
 * libarena's cycle against glibc, in one run: allocate 4 KiB, write 64
 * bytes, freeze, clone, release both; cycles per second on 1 and 2
 * threads, for glibc (malloc, memset, free), libarena with its caches and
 * libarena without them (one ioctl per allocation and per release).
 *
 *   libarena_bench [seconds-per-measure [processes]]
 *
 * (by default 1 s in 15 rounds, in one process; more processes measure in
 * turn, each in full, and the table gives the median of theirs).
 */
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../userlib/arena.h"
#include "../selftests/arena/arena_util.h"

#define ROUNDS	15
#define MAX_PROCS	16

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

/* The median of @n values (sorted in place: each array is used once). */
static double median(double *v, int n)
{
	double t;
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i])
				t = v[i], v[i] = v[j], v[j] = t;
	return v[n / 2];
}

/* A process's medians at one thread count: the table's columns, in order. */
enum { GLIBC_RATE, CACHED_RATE, UNCACHED_RATE, GLIBC_PER_CACHED, CACHED_PER_UNCACHED, COLS };

/*
 * Round by round, glibc, then libarena, then libarena uncached, each for
 * @secs / ROUNDS: the host's speed moves in phases of about a second
 * (benchmarks.rst, "Ratios from boot to boot"), so each ratio is taken
 * within a round and the median of the rounds' is reported, beside the
 * median rates.
 */
static void measure(struct arena_pool *cached, struct arena_pool *uncached, int threads,
		    double secs, double out[COLS])
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
	out[GLIBC_RATE] = median(g, ROUNDS);
	out[CACHED_RATE] = median(a, ROUNDS);
	out[UNCACHED_RATE] = median(u, ROUNDS);
	out[GLIBC_PER_CACHED] = median(ga, ROUNDS);
	out[CACHED_PER_UNCACHED] = median(au, ROUNDS);
}

/* A process of its own: its pools, its measures on 1 and 2 threads, to @out. */
static int measure_process(double secs, int out)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 64 * MiB,
				  .min_block = 4096, .node = ARENA_NODE_LOCAL };
	struct arena_pool_opts no_cache = { .no_cache = 1 };
	struct arena_pool *cached, *uncached;
	double res[2][COLS];
	int threads;

	if (arena_pool_create(&c, NULL, &cached)) {
		fprintf(stderr, "libarena_bench: cannot create arenas (arena.ko loaded?)\n");
		return 1;
	}
	if (arena_pool_create(&c, &no_cache, &uncached)) {
		fprintf(stderr, "libarena_bench: cannot create arenas (arena.ko loaded?)\n");
		arena_pool_close(cached);
		return 1;
	}
	for (threads = 1; threads <= 2; threads++)
		measure(cached, uncached, threads, secs, res[threads - 1]);
	arena_pool_close(cached);
	arena_pool_close(uncached);
	return write(out, res, sizeof(res)) == sizeof(res) ? 0 : 1;
}

/*
 * Every process measures the same code at a speed of its own under
 * emulation (benchmarks.rst, "Ratios from boot to boot": 0.93 to 2.02 for
 * five processes of one boot), so @procs processes measure in turn and
 * each column is the median of theirs; the lowest and highest process's
 * ratio follow the table.
 */
int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	int procs = argc > 2 ? atoi(argv[2]) : 1;
	double col[2][COLS][MAX_PROCS], res[2][COLS];
	int fd[2], p, t, k, status, got;
	pid_t pid;

	if (secs <= 0 || procs < 1 || procs > MAX_PROCS) {
		fprintf(stderr, "usage: libarena_bench [seconds-per-measure [processes, 1 to %d]]\n",
			MAX_PROCS);
		return 2;
	}
	for (p = 0; p < procs; p++) {
		if (pipe(fd)) {
			perror("libarena_bench: pipe");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("libarena_bench: fork");
			return 1;
		}
		if (pid == 0) {
			close(fd[0]);
			_exit(measure_process(secs, fd[1]));
		}
		close(fd[1]);
		got = read(fd[0], res, sizeof(res)) == sizeof(res);
		close(fd[0]);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) || !got) {
			fprintf(stderr, "libarena_bench: process %d of %d failed\n", p + 1, procs);
			return 1;
		}
		for (t = 0; t < 2; t++)
			for (k = 0; k < COLS; k++)
				col[t][k][p] = res[t][k];
	}
	printf("# libarena cycle: alloc 4 KiB, write 64 B, freeze, clone, release both\n");
	printf("# %d process(es) of %d rounds of %.2f s a measure; medians of the rates and\n"
	       "# of the rounds' ratios, then of the processes'; cycles/s in total;\n"
	       "# compare within this run only\n", procs, ROUNDS, secs / ROUNDS);
	printf("%-8s %14s %14s %14s %10s %12s\n", "threads", "glibc", "libarena",
	       "uncached", "glibc/lib", "lib/uncached");
	for (t = 0; t < 2; t++)
		printf("%-8d %14.0f %14.0f %14.0f %10.2f %12.1f\n", t + 1,
		       median(col[t][GLIBC_RATE], procs), median(col[t][CACHED_RATE], procs),
		       median(col[t][UNCACHED_RATE], procs), median(col[t][GLIBC_PER_CACHED], procs),
		       median(col[t][CACHED_PER_UNCACHED], procs));
	/* median() left each column sorted. */
	for (t = 0; t < 2; t++)
		printf("# %d thread(s): glibc/lib from %.2f to %.2f over the processes\n",
		       t + 1, col[t][GLIBC_PER_CACHED][0], col[t][GLIBC_PER_CACHED][procs - 1]);
	printf("# targets: glibc/lib <= 2 (within 2x of glibc), lib/uncached >= 10\n");
	return 0;
}
