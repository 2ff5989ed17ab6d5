// SPDX-License-Identifier: GPL-2.0
/*
 * The 4 KiB grant pair in a loop, for a profiler to sample
 * (scripts/bench-profile): ARENA_IOC_ALLOC + ARENA_IOC_FREE on a private
 * 64 MiB buddy arena, as compare_bench's "arena ioctl" row does, or the
 * two empty ioctls of its floor row.
 *
 *   grant_loop SECONDS [zero|nozero|floor] [SIZE]
 *
 * Prints the mean time of one pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../selftests/arena/arena_util.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *what = argc > 2 ? argv[2] : "zero";
	double secs = argc > 1 ? atof(argv[1]) : 5, start, elapsed;
	uint64_t size = argc > 3 ? strtoull(argv[3], NULL, 0) : 4096;
	struct arena_create ac = {
		.mode = ARENA_MODE_BUDDY, .size = 64 * MiB, .min_block = 4 * KiB,
		.node = ARENA_NODE_LOCAL,
		.flags = strcmp(what, "nozero") ? 0 : ARENA_CREATE_SKIP_ZEROING,
	};
	struct arena_free none = { .handle = 0 };
	int fd = arena_open_create(&ac);
	struct arena_alloc a;
	long pairs = 0;

	if (fd < 0) {
		perror("ARENA_IOC_CREATE");
		return 1;
	}
	start = now_ns();
	do {
		if (!strcmp(what, "floor")) {
			ioctl(fd, ARENA_IOC_FREE, &none);
			ioctl(fd, ARENA_IOC_FREE, &none);
		} else if (arena_alloc(fd, size, &a) || arena_free(fd, a.handle)) {
			perror("grant");
			return 1;
		}
		pairs++;
		elapsed = now_ns() - start;
	} while (elapsed < secs * 1e9);
	printf("%s %llu B: %.2f us a pair (%ld pairs)\n", what, (unsigned long long)size,
	       elapsed / pairs / 1e3, pairs);
	return 0;
}
