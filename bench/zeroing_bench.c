// SPDX-License-Identifier: GPL-2.0
/*
 * What zeroing on release costs, and who pays: per 2 MiB grant, the time
 * of ARENA_IOC_FREE (the releaser) and of the ARENA_IOC_ALLOC that follows
 * while other space is free, with zeroing off (ARENA_CREATE_SKIP_ZEROING),
 * done by the releaser (zero_inline_max above 2 MiB) and done by the
 * module's worker (the default).  Run in one VM, so that the ratios mean
 * something even under emulation.
 *
 *   zeroing_bench [rounds]      needs root (it sets zero_inline_max)
 */
#include <time.h>

#include "../selftests/arena/arena_util.h"

#define GRANTS	16
#define PARAM	"/sys/module/arena/parameters/zero_inline_max"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int set_param(const char *v)
{
	int fd = open(PARAM, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
	close(fd);
	return ok ? 0 : -1;
}

/* Median free and alloc ns of 2 MiB grants written in full. */
static int run(uint32_t flags, int rounds, double *free_ns, double *alloc_ns)
{
	int fd = arena_open_buddy(64 * MiB, 0, flags), r, i, n = 0;
	double *fs = calloc(rounds * GRANTS, sizeof(double));
	double *as = calloc(rounds * GRANTS, sizeof(double)), t;
	struct arena_alloc a[GRANTS];
	char *p;

	if (fd < 0 || !fs || !as)
		return -1;
	for (i = 0; i < GRANTS; i++)
		if (arena_alloc(fd, HPAGE, &a[i]))
			return -1;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < GRANTS; i++) {
			p = arena_map(fd, a[i].offset, HPAGE);
			if (p == MAP_FAILED)
				return -1;
			memset(p, 0x5a, HPAGE);
			munmap(p, HPAGE);
		}
		for (i = 0; i < GRANTS; i++, n++) {
			t = now_ns();
			if (arena_free(fd, a[i].handle))
				return -1;
			fs[n] = now_ns() - t;
			t = now_ns();
			if (arena_alloc(fd, HPAGE, &a[i]))	/* half the arena is free */
				return -1;
			as[n] = now_ns() - t;
		}
	}
	for (i = 0; i < n; i++)		/* insertion sort: few samples */
		for (r = i; r > 0 && fs[r] < fs[r - 1]; r--)
			t = fs[r], fs[r] = fs[r - 1], fs[r - 1] = t;
	for (i = 0; i < n; i++)
		for (r = i; r > 0 && as[r] < as[r - 1]; r--)
			t = as[r], as[r] = as[r - 1], as[r - 1] = t;
	*free_ns = fs[n / 2];
	*alloc_ns = as[n / 2];
	free(fs);
	free(as);
	close(fd);
	return 0;
}

/*
 * A memset() of 2 MiB in this process, median of @rounds * GRANTS: the
 * memory bandwidth the guest gives a program, to hold the module's zeroing
 * against.  Like for like with run(): GRANTS buffers of 2 MiB are written
 * in full, then each is cleared in turn, so that each memset finds its
 * buffer as far out of the caches as the module finds a released grant
 * (one buffer cleared again and again would stay in them).  Written once
 * first, so no fault is timed.
 */
static double memset_ns(int rounds)
{
	int i, r, n = 0;
	char *p = aligned_alloc(HPAGE, (size_t)GRANTS * HPAGE);
	double *v = calloc(rounds * GRANTS, sizeof(double)), t;

	if (!p || !v)
		return -1;
	memset(p, 1, (size_t)GRANTS * HPAGE);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < GRANTS; i++)
			memset(p + (size_t)i * HPAGE, 0x5a, HPAGE);
		for (i = 0; i < GRANTS; i++, n++) {
			t = now_ns();
			memset(p + (size_t)i * HPAGE, 0, HPAGE);
			__asm__ volatile("" : : "r"(p) : "memory");
			v[n] = now_ns() - t;
		}
	}
	for (i = 0; i < n; i++)
		for (r = i; r > 0 && v[r] < v[r - 1]; r--)
			t = v[r], v[r] = v[r - 1], v[r - 1] = t;
	t = v[n / 2];
	free(v);
	free(p);
	return t;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 8;
	double f0, a0, f1, a1, f2, a2, m;

	if (set_param("262144") ||
	    run(ARENA_CREATE_SKIP_ZEROING, rounds, &f0, &a0) ||
	    set_param("4194304") || run(0, rounds, &f1, &a1) ||
	    set_param("262144") || run(0, rounds, &f2, &a2)) {
		perror("zeroing_bench (needs root and arena.ko loaded)");
		return 1;
	}
	printf("# zeroing of 2 MiB grants, median of %d; times are only comparable within this run\n",
	       rounds * GRANTS);
	printf("%-34s %12s %12s\n", "policy", "free ns", "alloc ns");
	printf("%-34s %12.0f %12.0f\n", "no zeroing (SKIP_ZEROING)", f0, a0);
	printf("%-34s %12.0f %12.0f\n", "releaser zeroes (inline)", f1, a1);
	printf("%-34s %12.0f %12.0f\n", "worker zeroes (default)", f2, a2);
	printf("# free: inline %.1fx, worker %.1fx the cost without zeroing\n", f1 / f0, f2 / f0);
	printf("# alloc: inline %.1fx, worker %.1fx the cost without zeroing\n", a1 / a0, a2 / a0);
	m = memset_ns(rounds);
	printf("%-34s %12.0f\n", "memset of 2 MiB in userspace", m);
	printf("# the module's zeroing of 2 MiB (inline free - free without zeroing): %.0f ns, %.2fx a userspace memset\n",
	       f1 - f0, m > 0 ? (f1 - f0) / m : 0);
	return 0;
}
