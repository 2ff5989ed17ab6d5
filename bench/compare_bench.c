// SPDX-License-Identifier: GPL-2.0
/*
 * arena against the alternatives, side by side in one run:
 *
 *   grant     allocate + release of 4 KiB, 64 KiB and 2 MiB: arena (one
 *             ioctl each way, and batches of 16), libarena's cached path,
 *             the dma-buf system heap (alloc + close), udmabuf over a
 *             hugetlb memfd (memfd + create + close), hugetlb mmap + munmap,
 *             malloc + free;
 *   map       mmap and first touch (a byte per 4 KiB) of 64 and 256 MiB
 *             already allocated (arena's whole mapping, a dma-heap buffer,
 *             a udmabuf), or allocated by the touch (hugetlb, anonymous),
 *             with the page faults each takes;
 *   big       one buffer of 64 MiB and of 1 GiB, the whole cycle: grant,
 *             first touch (a byte per 4 KiB), release, and until the zeroing
 *             it caused is done (arena zeroes when it releases, in a worker:
 *             the cycle waits for the worker to be idle; the others zero
 *             when they allocate): arena's implicit grant, the dma-buf
 *             system heap, udmabuf over a hugetlb memfd, hugetlb, anonymous
 *             memory with THP; beside them arena's one-way figures, the
 *             grant and touch alone from a pre-zeroed arena and with the
 *             worker still zeroing the previous buffer;
 *   share     a 64 KiB and a 64 MiB buffer exported, handed to a second
 *             process over a unix socket and mapped and touched there:
 *             arena in one call (ARENA_ALLOC_EXPORT) and in two (grant,
 *             then export), dma-heap;
 *   scaling   4 KiB grants per second on 1 and 2 threads;
 *   metadata  the allocator's own bytes per GiB of arena.
 *
 * Every row runs its contenders in turn, round by round, so that they all
 * see the same phases of the host's speed: the grant, share and scaling
 * rows in 3 x REPEATS rounds of a third of the time budget each, the map
 * and big rows in REPEATS rounds of one cycle.  Each figure is the median
 * of its rounds and each ratio the median of the rounds' own, to arena's
 * single ioctl (or arena's mapping) in the same round, so a ratio above 1
 * means arena is faster.  Under QEMU's software emulation only the ratios
 * mean anything.
 *
 *   compare_bench [repeats]     (default 5; 1 is the quick mode of make check)
 *   compare_bench --self-test   (the rounds' bookkeeping, without the module)
 *
 * Prints a table, the targets met or missed, and the same figures as CSV
 * between "--- csv" and "--- end".  Needs root (hugetlb pool) and arena.ko;
 * contenders missing from the kernel (6.1 has no dma-heap or udmabuf)
 * are reported as unavailable.
 */
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "../userlib/arena.h"
#include "../selftests/arena/arena_util.h"

#define HEAP_DEV	"/dev/dma_heap/system"
#define UDMABUF_DEV	"/dev/udmabuf"
#define BATCH		16
#define MAX_RESULTS	64
/* A row measured in rounds: ROUND_SHARE rounds a repeat, each of budget / ROUND_SHARE. */
#define ROUND_SHARE	3
#define MAX_ROUNDS	(15 * ROUND_SHARE)

static int repeats = 5;
static double budget = 0.2;	/* seconds per run of a grant measure */

struct result {
	const char *row, *who;
	double ns;		/* median per operation; < 0: unavailable */
	double faults;		/* per operation; < 0: not measured */
	double ratio;		/* ns / the row's arena figure */
	const char *why;	/* when unavailable */
};

static struct result results[MAX_RESULTS];
static int nresults;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n <= MAX_ROUNDS values, @v left in its order (the rounds' pairing). */
static double median(const double *v, int n)
{
	double sorted[MAX_ROUNDS];

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void record(const char *row, const char *who, double ns, double faults, const char *why)
{
	struct result *r = &results[nresults++];

	*r = (struct result){ row, who, ns, faults, 0, why };
}

/*
 * Record a row measured in @rounds rounds of @n contenders, one after the
 * other in each round (the host's speed moves in phases of about a second:
 * benchmarks.rst, "Ratios from boot to boot"): each figure is the median of
 * its rounds, each ratio the median of its rounds' ratios to the first
 * contender's run in the same round.  @faults: each contender's faults per
 * operation, or NULL when not measured.
 */
static void record_rounds(const char *row, const char *const *who, const char **why, int n,
			  double (*ns)[MAX_ROUNDS], int rounds, const double *faults)
{
	double ratio[MAX_ROUNDS];
	int i, r;

	for (i = 0; i < n; i++) {
		for (r = 0; r < rounds && !why[i] && !why[0]; r++)
			ratio[r] = ns[i][r] / ns[0][r];
		record(row, who[i], why[i] ? -1 : median(ns[i], rounds),
		       faults && !why[i] ? faults[i] : -1, why[i]);
		results[nresults - 1].ratio = why[i] || why[0] ? 0 : median(ratio, rounds);
	}
}

/* ---- grants ---------------------------------------------------------------- */

struct grant_ctx {
	size_t size;
	int arena_fd, nozero_fd, heap_fd, udmabuf_fd;
	struct arena_pool *pool;
};

/* Allocate + release; how many were done (>= 1), or -errno. */
typedef int (*grant_fn)(struct grant_ctx *c);

static int g_arena(struct grant_ctx *c)
{
	struct arena_alloc a;
	int ret = arena_alloc(c->arena_fd, c->size, &a);

	return ret ?: arena_free(c->arena_fd, a.handle) ?: 1;
}

/* The same on an arena made with ARENA_CREATE_SKIP_ZEROING. */
static int g_arena_nozero(struct grant_ctx *c)
{
	struct arena_alloc a;
	int ret = arena_alloc(c->nozero_fd, c->size, &a);

	return ret ?: arena_free(c->nozero_fd, a.handle) ?: 1;
}

/* Two ioctls that do nothing but answer: the floor of any two-call path. */
static int g_floor(struct grant_ctx *c)
{
	struct arena_free f = { .handle = 0 };

	ioctl(c->arena_fd, ARENA_IOC_FREE, &f);
	ioctl(c->arena_fd, ARENA_IOC_FREE, &f);
	return 1;
}

/*
 * Up to BATCH grants per call each way (fewer when the rest of the arena
 * is still being zeroed); each grant counts as one operation.
 */
static int g_arena_batch(struct grant_ctx *c)
{
	struct arena_grant_desc d[BATCH];
	uint64_t handles[BATCH];
	struct arena_alloc_batch ab = {
		.size = c->size, .grants = (uintptr_t)d, .count = BATCH,
	};
	struct arena_free_batch fb = { .handles = (uintptr_t)handles, .count = BATCH };
	int i;

	if (ioctl(c->arena_fd, ARENA_IOC_ALLOC_BATCH, &ab))
		return -errno;
	for (i = 0; i < (int)ab.done; i++)
		handles[i] = d[i].handle;
	fb.count = ab.done;
	return ioctl(c->arena_fd, ARENA_IOC_FREE_BATCH, &fb) ? -errno : (int)ab.done;
}

static int g_libarena(struct grant_ctx *c)
{
	struct arena_buf buf;
	int ret = arena_buf_alloc(c->pool, c->size, &buf);

	if (ret)
		return ret;
	arena_buf_release(&buf);
	return 1;
}

static int g_heap(struct grant_ctx *c)
{
	struct dma_heap_allocation_data d = {
		.len = c->size, .fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(c->heap_fd, DMA_HEAP_IOCTL_ALLOC, &d))
		return -errno;
	close(d.fd);
	return 1;
}

/* A hugetlb memfd of @size (rounded up to 2 MiB), sealed for udmabuf. */
static int huge_memfd(size_t size)
{
	int fd = memfd_create("bench", MFD_HUGETLB | MFD_ALLOW_SEALING | MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (size + HPAGE - 1) & ~(HPAGE - 1)) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int udmabuf_of(int udmabuf_fd, int memfd, size_t size)
{
	struct udmabuf_create u = {
		.memfd = memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = size,
	};
	int fd = ioctl(udmabuf_fd, UDMABUF_CREATE, &u);

	return fd < 0 ? -errno : fd;
}

static int g_udmabuf(struct grant_ctx *c)
{
	int memfd = huge_memfd(c->size), fd;

	if (memfd < 0)
		return memfd;
	fd = udmabuf_of(c->udmabuf_fd, memfd, c->size);
	close(memfd);
	if (fd < 0)
		return fd;
	close(fd);
	return 1;
}

static int g_hugetlb(struct grant_ctx *c)
{
	size_t len = (c->size + HPAGE - 1) & ~(HPAGE - 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	return munmap(p, len) ? -errno : 1;
}

static int g_malloc(struct grant_ctx *c)
{
	void *p = malloc(c->size);

	if (!p)
		return -ENOMEM;
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
	return 1;
}

/* Until the arena's grants are all back, zeroed. */
static void wait_zeroed(int fd)
{
	while (arena_info(fd).live_grants)
		usleep(100);
}

/*
 * ns per operation of @fn over one run of @secs, or -errno.  @idle_fd: an
 * arena whose zeroing worker the pairs feed (releases above
 * zero_inline_max are zeroed there), so that the run ends only when its
 * grants are all back, zeroed; -1 for none.
 */
static double time_grants(grant_fn fn, struct grant_ctx *c, int idle_fd, double secs)
{
	double start, elapsed;
	long ops = 0;
	int ret;

	start = now_ns();
	do {
		ret = fn(c);
		if (ret < 0)
			return ret;
		ops += ret;
		elapsed = now_ns() - start;
	} while (elapsed < secs * 1e9);
	if (idle_fd >= 0) {
		wait_zeroed(idle_fd);
		elapsed = now_ns() - start;
	}
	return elapsed / ops;
}

static void bench_grants(size_t size, const char *row)
{
	static const struct {
		const char *who;
		grant_fn fn;
	} contenders[] = {
		{ "arena ioctl", g_arena },
		{ "arena batch of 16", g_arena_batch },
		{ "libarena cached", g_libarena },
		{ "dma-heap alloc+close", g_heap },
		{ "udmabuf hugetlb memfd", g_udmabuf },
		{ "hugetlb mmap+munmap", g_hugetlb },
		{ "malloc+free", g_malloc },
		{ "(arena without zeroing)", g_arena_nozero },
		{ "(two empty ioctls)", g_floor },
	};
	struct arena_create ac = {
		.mode = ARENA_MODE_BUDDY, .size = 64 * MiB, .min_block = 4 * KiB,
		.node = ARENA_NODE_LOCAL,
	};
	enum { N = sizeof(contenders) / sizeof(contenders[0]) };
	int rounds = repeats * ROUND_SHARE, r, i;
	double ns[N][MAX_ROUNDS];
	struct grant_ctx c = { .size = size };
	const char *why[N] = { NULL }, *who[N];

	c.arena_fd = arena_open_create(&ac);
	ac.flags = ARENA_CREATE_SKIP_ZEROING;
	c.nozero_fd = arena_open_create(&ac);
	ac.flags = 0;
	c.heap_fd = open(HEAP_DEV, O_RDWR | O_CLOEXEC);
	c.udmabuf_fd = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
	if (arena_pool_create(&ac, NULL, &c.pool))
		c.pool = NULL;
	for (i = 0; i < N; i++) {
		grant_fn fn = contenders[i].fn;

		if ((fn == g_arena || fn == g_arena_batch || fn == g_floor) && c.arena_fd < 0)
			why[i] = "no arena (is arena.ko loaded?)";
		else if (fn == g_libarena && !c.pool)
			why[i] = "libarena could not make its pool";
		else if (fn == g_heap && c.heap_fd < 0)
			why[i] = "no " HEAP_DEV " in this kernel";
		else if (fn == g_udmabuf && c.udmabuf_fd < 0)
			why[i] = "no " UDMABUF_DEV " in this kernel";
	}
	/* Round by round, every contender once (record_rounds()). */
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < N; i++) {
			grant_fn fn = contenders[i].fn;

			if (why[i])
				continue;
			ns[i][r] = time_grants(fn, &c, fn == g_arena || fn == g_arena_batch ?
					       c.arena_fd : -1, budget / ROUND_SHARE);
			if (ns[i][r] < 0)
				why[i] = strerror((int)-ns[i][r]);
		}
	}
	for (i = 0; i < N; i++)
		who[i] = contenders[i].who;
	record_rounds(row, who, why, N, ns, rounds, NULL);
	if (c.pool)
		arena_pool_close(c.pool);
	close(c.arena_fd);
	close(c.nozero_fd);
	close(c.heap_fd);
	close(c.udmabuf_fd);
}

/* ---- mapping ---------------------------------------------------------------- */

static void touch(volatile char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += 4096)
		p[off] = 1;
}

/* mmap @fd at @offset (or anonymous memory with @flags when fd < 0), touch, unmap. */
static double map_touch(int fd, off_t offset, size_t len, int flags, long *faults)
{
	long before = minflt();
	double start = now_ns();
	char *p;

	if (fd >= 0)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	else
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags,
			 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (fd < 0 && !flags)	/* anonymous memory in 4 KiB pages, not THP */
		madvise(p, len, MADV_NOHUGEPAGE);
	touch(p, len);
	munmap(p, len);
	*faults = minflt() - before;
	return now_ns() - start;
}

/*
 * What contender @w of bench_map() maps: an arena, a dma-heap buffer or a
 * udmabuf of @len; -1 for anonymous memory, or with *why set when it is
 * not available.
 */
static int map_source(int w, size_t len, const char **why)
{
	struct arena_create ac = {
		.mode = ARENA_MODE_BUDDY, .size = len, .min_block = 4 * KiB,
		.node = ARENA_NODE_LOCAL,
	};
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = O_RDWR };
	int fd = -1, memfd, dev;

	switch (w) {
	case 0:
		fd = arena_open_create(&ac);
		if (fd < 0)
			*why = "cannot make the arena";
		break;
	case 1:
		dev = open(HEAP_DEV, O_RDWR | O_CLOEXEC);
		if (dev < 0)
			*why = "no " HEAP_DEV " in this kernel";
		else if (ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &d))
			*why = "dma-heap alloc failed";
		else
			fd = d.fd;
		if (dev >= 0)
			close(dev);
		break;
	case 2:
		dev = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
		memfd = huge_memfd(len);
		if (dev < 0)
			*why = "no " UDMABUF_DEV " in this kernel";
		else if (memfd < 0)
			*why = "no hugetlb memfd";
		else if ((fd = udmabuf_of(dev, memfd, len)) < 0)
			*why = len > 64 * MiB ? "above udmabuf's size_limit_mb, 64 by default"
					      : "udmabuf create failed";
		if (memfd >= 0)
			close(memfd);
		if (dev >= 0)
			close(dev);
		break;
	}
	return fd;
}

static void bench_map(size_t len, const char *row)
{
	static const char *const who[] = {
		"arena whole mapping", "dma-heap mmap", "udmabuf mmap", "hugetlb", "anonymous 4K pages",
	};
	enum { N = sizeof(who) / sizeof(who[0]) };
	double ns[N][MAX_ROUNDS], faults[N];
	const char *why[N] = { NULL };
	uint64_t pmd_before = 0;
	int w, r, fd[N];
	char val[24];
	long f = 0;

	/*
	 * Every buffer lives for the whole row, so that the contenders can
	 * take turns round by round (record_rounds()): the udmabuf's memfd
	 * holds @len of huge pages, the hugetlb contender as much in its turn.
	 */
	snprintf(val, sizeof(val), "%llu", (unsigned long long)(2 * len / HPAGE + 16));
	write_file("/proc/sys/vm/nr_hugepages", val);
	for (w = 0; w < N; w++)
		fd[w] = map_source(w, len, &why[w]);
	if (!why[0])
		pmd_before = arena_info(fd[0]).pmd_faults;
	for (r = 0; r < repeats; r++)
		for (w = 0; w < N; w++) {
			if (why[w])
				continue;
			ns[w][r] = map_touch(fd[w], w == 0 ? arena_info(fd[0]).whole_offset : 0,
					     len, w == 3 ? MAP_HUGETLB : 0, &f);
			faults[w] = f;
			if (ns[w][r] < 0)
				why[w] = strerror((int)-ns[w][r]);
		}
	if (!why[0])
		printf("# %s: %.0f PMD faults per map (%zu MiB / 2 MiB = %zu)\n", row,
		       (double)(arena_info(fd[0]).pmd_faults - pmd_before) / repeats,
		       (size_t)(len / MiB), (size_t)(len / HPAGE));
	record_rounds(row, who, why, N, ns, repeats, faults);
	for (w = 0; w < N; w++)
		if (fd[w] >= 0)
			close(fd[w]);
	write_file("/proc/sys/vm/nr_hugepages", "160");	/* as main() set it */
}

/* ---- big buffers --------------------------------------------------------- */

/*
 * One cycle of a big buffer of @len from contender @w; returns ns, or
 * -errno.  For arena @how is 0 (the whole cycle, until the worker has
 * zeroed it), 1 (map and touch only, from a pre-zeroed arena) or 2 (map
 * and touch right after the previous cycle's release: the grant waits for
 * that zeroing).
 */
static double big_cycle(int w, int fd, size_t len, int how, long *faults)
{
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };
	long before = minflt();
	int memfd, buf = -1;
	double start, ns;
	char *p;

	if (w == 0 && how == 1)
		wait_zeroed(fd);
	start = now_ns();
	switch (w) {
	case 0:		/* arena: an implicit grant of the private arena @fd */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		break;
	case 1:		/* the system heap zeroes as it allocates */
		if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &d))
			return -errno;
		buf = d.fd;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
		break;
	case 2:		/* udmabuf pins (and so faults and zeroes) the memfd's pages */
		memfd = huge_memfd(len);
		if (memfd < 0)
			return memfd;
		buf = udmabuf_of(fd, memfd, len);
		close(memfd);
		if (buf < 0)
			return buf;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
		break;
	default:	/* hugetlb, or THP: zeroed by the first touch */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | (w == 3 ? MAP_HUGETLB : 0), -1, 0);
		if (p != MAP_FAILED && w == 4)
			madvise(p, len, MADV_HUGEPAGE);
		break;
	}
	if (p == MAP_FAILED) {
		if (buf >= 0)
			close(buf);
		return -errno;
	}
	touch(p, len);
	ns = now_ns() - start;
	*faults = minflt() - before;
	munmap(p, len);
	if (buf >= 0)
		close(buf);
	if (w == 0 && how == 0)
		wait_zeroed(fd);
	return how ? ns : now_ns() - start;
}

static void bench_big(size_t len, const char *row)
{
	/* Arena's three rows first (the first is the row's base), then the others. */
	static const struct { const char *who; int c, how; } rows[] = {
		{ "arena implicit grant", 0, 0 },
		{ "(arena pre-zeroed: one way)", 0, 1 },
		{ "(arena with worker behind)", 0, 2 },
		{ "dma-heap alloc+mmap", 1, 0 },
		{ "udmabuf hugetlb memfd", 2, 0 },
		{ "hugetlb mmap", 3, 0 },
		{ "anonymous THP", 4, 0 },
	};
	enum { N = sizeof(rows) / sizeof(rows[0]) };
	const char *why[N] = { NULL }, *who[N];
	double ns[N][MAX_ROUNDS], faults[N];
	int w, r, fd[5] = { -1, -1, -1, -1, -1 };
	uint64_t pmd = 0, pmd_before;
	char val[24];
	long f = 0;

	fd[1] = open(HEAP_DEV, O_RDWR | O_CLOEXEC);
	fd[2] = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
	/*
	 * One buffer of @len at a time, as a guest of 3 GiB (the test lanes')
	 * holds: the arena is made for its three turns of each round and
	 * closed, zeroed, before the others' (outside the timing), and the
	 * hugetlb contenders' pool is raised only for each of their turns.
	 */
	snprintf(val, sizeof(val), "%llu", (unsigned long long)(len / HPAGE + 16));
	for (w = 0; w < N; w++) {
		int c = rows[w].c;

		who[w] = rows[w].who;
		if (c == 1 && fd[1] < 0)
			why[w] = "no " HEAP_DEV " in this kernel";
		else if (c == 2 && fd[2] < 0)
			why[w] = "no " UDMABUF_DEV " in this kernel";
	}
	/* Round by round, every contender once (record_rounds()). */
	for (r = 0; r < repeats; r++) {
		if (!why[0] || !why[1] || !why[2])
			fd[0] = arena_open_buddy(len, 4 * KiB, 0);
		for (w = 0; w < 3 && fd[0] < 0; w++)
			if (!why[w])
				why[w] = "cannot make the arena";
		for (w = 0; w < N; w++) {
			int c = rows[w].c;

			if (why[w])
				continue;
			if (c == 2 || c == 3)
				write_file("/proc/sys/vm/nr_hugepages", val);
			pmd_before = w == 0 ? arena_info(fd[0]).pmd_faults : 0;
			ns[w][r] = big_cycle(c, fd[c], len, rows[w].how, &f);
			if (c == 2 || c == 3)	/* as main() set it */
				write_file("/proc/sys/vm/nr_hugepages", "160");
			faults[w] = f;
			if (w == 0)
				pmd += arena_info(fd[0]).pmd_faults - pmd_before;
			if (ns[w][r] < 0)
				why[w] = c == 2 && ns[w][r] == -EINVAL ?
					 "above udmabuf.size_limit_mb (the bench VM sets 2048)" :
					 strerror((int)-ns[w][r]);
			/* The zeroing the third row leaves behind, not in the others' turns. */
			if (w == 2 && fd[0] >= 0) {
				wait_zeroed(fd[0]);
				close(fd[0]);
				fd[0] = -1;
			}
		}
	}
	if (!why[0])
		printf("# %s: %.0f PMD faults per grant (%llu MiB / 2 MiB = %llu)\n", row,
		       (double)pmd / repeats, (unsigned long long)(len / MiB),
		       (unsigned long long)(len / HPAGE));
	record_rounds(row, who, why, N, ns, repeats, faults);
	for (w = 1; w < 3; w++)
		if (fd[w] >= 0)
			close(fd[w]);
}

/* ---- sharing --------------------------------------------------------------- */

/* The second process: map each dma-buf it gets, touch it, say done. */
static void receiver(int sock, size_t len)
{
	char ack = 1;
	char *p;
	int fd;

	while ((fd = recv_fd(sock)) >= 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		touch(p, len);
		munmap(p, len);
		close(fd);
		if (write(sock, &ack, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/*
 * A dma-buf of @len: from arena in one call (@how 0: ARENA_ALLOC_EXPORT) or
 * two (1: grant, then export; its handle in *h, freed after the hand-off),
 * or from the heap (2).
 */
static int make_dmabuf(int how, int arena_fd, int heap_fd, size_t len, uint64_t *h)
{
	struct arena_alloc a = { .size = len, .flags = ARENA_ALLOC_EXPORT,
				 .export_flags = O_RDWR | O_CLOEXEC };
	struct arena_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };

	switch (how) {
	case 0:
		return ioctl(arena_fd, ARENA_IOC_ALLOC, &a) ? -1 : a.fd;
	case 1:
		if (arena_alloc(arena_fd, len, &a))
			return -1;
		e.handle = *h = a.handle;
		return ioctl(arena_fd, ARENA_IOC_EXPORT, &e) ? -1 : e.fd;
	default:
		return ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &d) ? -1 : (int)d.fd;
	}
}

/*
 * ns per hand-off of a dma-buf made the @how way, over one run of @secs
 * and until arena's worker has zeroed what the run released, or -1.
 */
static double time_share(int how, int arena_fd, int heap_fd, int sock, size_t len, double secs)
{
	double start = now_ns(), elapsed;
	uint64_t h = 0;
	long ops = 0;
	char ack;
	int fd;

	do {
		fd = make_dmabuf(how, arena_fd, heap_fd, len, &h);
		if (fd < 0 || send_fd(sock, fd) || read(sock, &ack, 1) != 1)
			return -1;
		close(fd);
		if (how == 1)
			arena_free(arena_fd, h);
		ops++;
		elapsed = now_ns() - start;
	} while (elapsed < secs * 1e9);
	if (how < 2) {
		/* Arena zeroes its releases in a worker: count it (time_grants()). */
		wait_zeroed(arena_fd);
		elapsed = now_ns() - start;
	}
	return elapsed / ops;
}

static void bench_share(size_t len, const char *row)
{
	static const char *const who[] = {
		"arena alloc+export", "(arena grant then export)", "dma-heap alloc",
	};
	int w, r, sv[2], arena_fd[2], heap_fd, rounds = repeats * ROUND_SHARE;
	const char *why[3] = { NULL };
	double ns[3][MAX_ROUNDS];
	pid_t pid = -1;

	for (w = 0; w < 2; w++) {
		arena_fd[w] = arena_open_buddy(64 * MiB, 4 * KiB, 0);
		why[w] = arena_fd[w] < 0 ? "cannot make the arena" : NULL;
	}
	heap_fd = open(HEAP_DEV, O_RDWR | O_CLOEXEC);
	why[2] = heap_fd < 0 ? "no " HEAP_DEV " in this kernel" : NULL;
	sv[0] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		why[0] = why[1] = why[2] = "no socket pair";
	} else {
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			receiver(sv[1], len);
		}
		close(sv[1]);
		if (pid < 0)
			why[0] = why[1] = why[2] = "cannot fork the receiver";
	}
	/* The same receiver for every contender, round by round (record_rounds()). */
	for (r = 0; r < rounds; r++)
		for (w = 0; w < 3; w++) {
			if (why[w])
				continue;
			ns[w][r] = time_share(w, w < 2 ? arena_fd[w] : -1, heap_fd, sv[0], len,
					      budget / ROUND_SHARE);
			if (ns[w][r] < 0)
				why[w] = "hand-off failed";
		}
	if (sv[0] >= 0)
		close(sv[0]);	/* the receiver's recv_fd() fails: it exits */
	if (pid > 0)
		waitpid(pid, NULL, 0);
	record_rounds(row, who, why, 3, ns, rounds, NULL);
	for (w = 0; w < 2; w++)
		if (arena_fd[w] >= 0)
			close(arena_fd[w]);
	if (heap_fd >= 0)
		close(heap_fd);
}

/* ---- scaling ---------------------------------------------------------------- */

struct worker {
	int fd;
	pthread_barrier_t *start;
	double seconds;
	long ops;
};

static void *grant_worker(void *arg)
{
	struct worker *w = arg;
	struct grant_ctx c = { .size = 4 * KiB, .arena_fd = w->fd };
	double end;

	pthread_barrier_wait(w->start);
	end = now_ns() + w->seconds * 1e9;
	while (now_ns() < end && g_arena(&c) > 0)
		w->ops++;
	return NULL;
}

/* 4 KiB grants per second from one arena on @n threads over a run of @secs. */
static double grants_per_s(int fd, int n, double secs)
{
	pthread_t t[2];
	struct worker w[2];
	pthread_barrier_t start;
	double rate = 0;
	int i;

	pthread_barrier_init(&start, NULL, n);
	for (i = 0; i < n; i++) {
		w[i] = (struct worker){ fd, &start, secs, 0 };
		pthread_create(&t[i], NULL, grant_worker, &w[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		rate += w[i].ops / secs;
	}
	pthread_barrier_destroy(&start);
	return rate;
}

/*
 * One thread's and two threads' rates (medians) in rounds of a run of
 * each (record_rounds()); returns the median of the rounds' two / one.
 */
static double scaling(int fd, double *one, double *two)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS], ratio[MAX_ROUNDS];
	int r, rounds = repeats * ROUND_SHARE;

	for (r = 0; r < rounds; r++) {
		a[r] = grants_per_s(fd, 1, budget * 2 / ROUND_SHARE);
		b[r] = grants_per_s(fd, 2, budget * 2 / ROUND_SHARE);
		ratio[r] = a[r] ? b[r] / a[r] : 0;
	}
	*one = median(a, rounds);
	*two = median(b, rounds);
	return median(ratio, rounds);
}

/* ---- output ----------------------------------------------------------------- */

static void ratios(void)
{
	double base = 0;
	int i;

	for (i = 0; i < nresults; i++) {
		if (i == 0 || strcmp(results[i].row, results[i - 1].row))
			base = results[i].ns;	/* arena is first in each row */
		if (!results[i].ratio)	/* rows measured in rounds have their own */
			results[i].ratio = results[i].ns > 0 && base > 0 ? results[i].ns / base : 0;
	}
}

static const char *human_ns(double ns, char *buf, size_t size)
{
	if (ns < 0)
		snprintf(buf, size, "n/a");
	else if (ns < 1e3)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
	return buf;
}

static double find(const char *row, const char *who)
{
	int i;

	for (i = 0; i < nresults; i++)
		if (!strcmp(results[i].row, row) && !strcmp(results[i].who, who))
			return results[i].ratio;
	return 0;
}

static void target(const char *what, double value, double goal, int at_least)
{
	if (value <= 0)
		printf("  n/a     %s (not measured here)\n", what);
	else
		printf("  %-7s %s: %.2f (target %s %.2f)\n",
		       (at_least ? value >= goal : value <= goal) ? "met" : "MISSED", what, value,
		       at_least ? ">=" : "<=", goal);
}

/*
 * compare_bench --self-test: record_rounds() pairs each contender's run
 * with arena's of the same round.  Arena's runs out of order and a
 * contender at twice arena's time in every round must give a ratio of 2
 * exactly; pairing by rank (a median that sorted arena's runs in place)
 * gives another.  Needs no module: the bench lane runs it on the host.
 */
static int self_test(void)
{
	static const char *const who[] = { "arena", "twice" };
	static const double arena[] = { 5, 1, 4, 2, 3 };
	const char *why[2] = { NULL };
	double ns[2][MAX_ROUNDS];
	int r;

	for (r = 0; r < 5; r++) {
		ns[0][r] = arena[r];
		ns[1][r] = 2 * arena[r];
	}
	record_rounds("self-test", who, why, 2, ns, 5, NULL);
	if (results[0].ns != 3 || results[1].ns != 6 || results[1].ratio != 2 ||
	    memcmp(ns[0], arena, sizeof(arena))) {
		printf("record_rounds: ratio %g (not 2), medians %g and %g (not 3 and 6)\n",
		       results[1].ratio, results[0].ns, results[1].ns);
		return 1;
	}
	printf("record_rounds pairs the rounds: ratio 2, medians 3 and 6\n");
	return 0;
}

int main(int argc, char **argv)
{
	double one = 0, two = 0, scale = 0, meta_buddy = 0, meta_fixed = 0, pre;
	long long hugepages_before;
	char a[32];
	int i, fd;

	if (argc > 1 && !strcmp(argv[1], "--self-test"))
		return self_test();
	if (argc > 1)
		repeats = atoi(argv[1]);
	if (repeats < 1 || repeats > 15)
		repeats = 5;
	if (repeats == 1)
		budget = 0.02;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * Enough huge pages for the largest hugetlb contender, and spare; the
	 * machine's own setting back at the end (scripts/bench --native).
	 */
	hugepages_before = read_ll("/proc/sys/vm/nr_hugepages");
	if (write_file("/proc/sys/vm/nr_hugepages", "160"))
		printf("# could not reserve huge pages: the hugetlb rows may be n/a\n");

	printf("arena against the alternatives: medians of %d runs\n", repeats);
	printf("Software emulation (QEMU TCG) if in the VM: absolute times are not hardware\n"
	       "times; the ratios, measured in the same run, are the result.\n\n");
	bench_grants(4 * KiB, "grant 4K");
	bench_grants(64 * KiB, "grant 64K");
	bench_grants(2 * MiB, "grant 2M");
	bench_map(64 * MiB, "map+touch 64M");
	bench_map(256 * MiB, "map+touch 256M");
	bench_share(64 * KiB, "share 64K");
	bench_share(64 * MiB, "share 64M");
	bench_big(64 * MiB, "big 64M");
	bench_big(1024 * MiB, "big 1G");
	ratios();

	fd = arena_open_buddy(64 * MiB, 4 * KiB, 0);
	if (fd >= 0)
		scale = scaling(fd, &one, &two);
	close(fd);
	fd = arena_open_buddy(512 * MiB, 4 * KiB, 0);
	if (fd >= 0)
		meta_buddy = 100.0 * arena_info(fd).metadata_bytes / arena_info(fd).size;
	close(fd);
	fd = arena_open_fixed(4 * KiB, 512 * MiB / (4 * KiB), 4 * KiB, 0);
	if (fd >= 0)
		meta_fixed = 100.0 * arena_info(fd).metadata_bytes / arena_info(fd).size;
	close(fd);

	printf("%-16s %-24s %10s %10s %9s\n", "measure", "contender", "median", "faults",
	       "vs arena");
	for (i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		int first = i == 0 || strcmp(r->row, results[i - 1].row);

		printf("%-16s %-24s %10s", first ? r->row : "", r->who, human_ns(r->ns, a, sizeof(a)));
		if (r->faults >= 0)
			printf(" %10.0f", r->faults);
		else
			printf(" %10s", "");
		if (r->ns < 0)
			printf("  (%s)\n", r->why);
		else
			printf(" %8.2fx\n", r->ratio);
	}
	printf("%-16s %-24s %10.0f/s\n", "scaling 4K", "arena, 1 thread", one);
	printf("%-16s %-24s %10.0f/s %8.2fx\n", "", "arena, 2 threads", two, scale);
	printf("%-16s %-24s %9.3f%%  (%.0f bytes per GiB)\n", "metadata", "buddy, 4K blocks",
	       meta_buddy, meta_buddy / 100 * 1024 * MiB);
	printf("%-16s %-24s %9.3f%%  (%.0f bytes per GiB)\n", "", "fixed, 4K slots", meta_fixed,
	       meta_fixed / 100 * 1024 * MiB);

	printf("\ntargets (ratios in this run):\n");
	target("4K grant: dma-heap time / arena ioctl time", find("grant 4K", "dma-heap alloc+close"),
	       10, 1);
	target("4K grant: libarena cached time / arena ioctl time",
	       find("grant 4K", "libarena cached"), 0.1, 0);
	pre = find("grant 4K", "(arena without zeroing)");
	target("4K pair without zeroing: two empty ioctls / pair (2.5x the floor at most)",
	       pre > 0 ? find("grant 4K", "(two empty ioctls)") / pre : 0, 0.4, 1);
	target("2M grant cycle: dma-heap time / arena ioctl time",
	       find("grant 2M", "dma-heap alloc+close"), 1, 1);
	target("share 64K: dma-heap time / arena alloc+export time",
	       find("share 64K", "dma-heap alloc"), 1, 1);
	target("map+touch 256M: dma-heap time / arena time",
	       find("map+touch 256M", "dma-heap mmap"), 5, 1);
	target("1G buffer, whole cycle: dma-heap time / arena time",
	       find("big 1G", "dma-heap alloc+mmap"), 5, 1);
	target("1G buffer, whole cycle: udmabuf hugetlb time / arena time",
	       find("big 1G", "udmabuf hugetlb memfd"), 2, 1);
	pre = find("big 1G", "(arena pre-zeroed: one way)");
	target("1G buffer, map + first touch: dma-heap / arena pre-zeroed",
	       pre > 0 ? find("big 1G", "dma-heap alloc+mmap") / pre : 0, 5, 1);
	target("1G buffer, map + first touch: udmabuf hugetlb / arena pre-zeroed",
	       pre > 0 ? find("big 1G", "udmabuf hugetlb memfd") / pre : 0, 2, 1);
	target("2 threads / 1 thread grant throughput", scale, 1.6, 1);
	target("metadata % of arena bytes (buddy, 4K blocks)", meta_buddy, 0.2, 0);

	printf("\n--- csv\nmeasure,contender,median_ns,faults,ratio_to_arena\n");
	for (i = 0; i < nresults; i++)
		printf("%s,%s,%.0f,%.0f,%.6g\n", results[i].row, results[i].who, results[i].ns,
		       results[i].faults, results[i].ratio);
	printf("scaling 4K,arena 1 thread,%.0f,-1,1\n", one ? 1e9 / one : -1);
	printf("scaling 4K,arena 2 threads,%.0f,-1,%.6g\n", two ? 1e9 / two : -1,
	       scale ? 1 / scale : 0);
	printf("metadata,buddy 4K blocks (%% of bytes),%.4f,-1,0\n", meta_buddy);
	printf("--- end\n");
	if (hugepages_before >= 0) {
		snprintf(a, sizeof(a), "%lld", hugepages_before);
		write_file("/proc/sys/vm/nr_hugepages", a);
	}
	return 0;
}
