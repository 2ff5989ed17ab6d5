// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded ioctl fuzzer: random and mutated arena ioctls (valid commands
 * with corrupted fields, wrong sizes, random handles and offsets, bad
 * pointers) interleaved with mmap, munmap, mremap, fork, close, dma-buf
 * export and unix-socket hand-off.  The oracle is the kernel: no report in
 * its log (the debug lane runs this under KASAN, UBSAN, lockdep and
 * kmemleak), and at the end, with every file and mapping gone, the default
 * arena has nothing live.
 *
 * One file in six is opened read-only (every change refused), and the
 * fuzzer gives up CAP_IPC_LOCK, so that its default-arena grants go
 * through the RLIMIT_MEMLOCK share (EDQUOT past it).
 *
 *   ARENA_FUZZ_SEED=N ARENA_FUZZ_OPS=N ./fuzz_test    (default: time, 20000)
 */
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

#define FDS	6
#define MAPS	16
#define KEEP	64

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

/* Mostly plausible values, sometimes anything. */
static uint64_t size_ish(void)
{
	switch (below(6)) {
	case 0: return next();
	case 1: return 0;
	case 2: return 1ULL << below(64);
	default: return (below(512) + 1) * 4096 >> below(4);
	}
}

struct state {
	int fds[FDS], dmabufs[KEEP], sock[2];
	uint64_t handles[KEEP], offsets[KEEP];
	struct { void *p; size_t len; } maps[MAPS];
	long created, granted, exported, mapped;	/* what succeeded */
	long whole_mapped, forked;
};

static int pick_fd(struct state *s)
{
	int i = below(FDS);

	if (s->fds[i] < 0)
		s->fds[i] = below(6) ? arena_open() : open(ARENA_DEV, O_RDONLY | O_CLOEXEC);
	return s->fds[i];
}

/* A fresh file in a random slot, for a create that can succeed. */
static int fresh_fd(struct state *s)
{
	int i = below(FDS);

	if (s->fds[i] >= 0)
		close(s->fds[i]);
	s->fds[i] = arena_open();
	return s->fds[i];
}

static void keep(uint64_t *arr, uint64_t v)
{
	arr[below(KEEP)] = v;
}

/*
 * A geometry ARENA_IOC_CREATE takes: small arenas mostly (one chunk just
 * large enough, cheap to zero), sometimes a few 2 MiB chunks, with any
 * valid flags.
 */
static struct arena_create valid_create(void)
{
	static const uint32_t flags[] = {
		0, ARENA_CREATE_SKIP_ZEROING, ARENA_CREATE_PREFAULT, ARENA_CREATE_SMALLER_CHUNKS,
	};
	struct arena_create c = { .node = ARENA_NODE_LOCAL, .flags = flags[below(4)] };

	if (below(2)) {
		c.mode = ARENA_MODE_BUDDY;
		c.size = below(4) ? 64 * KiB << below(5) : 2 * MiB << below(2);
		c.min_block = below(2) ? 0 : 4096 << below(3);
		if (below(4) == 0)
			c.flags |= ARENA_CREATE_NEAREST;
	} else {
		c.mode = ARENA_MODE_FIXED;
		c.slot_size = (below(16) + 1) * 4096;
		c.slot_count = below(32) + 1;
		c.align = below(2) ? 0 : 4096;
	}
	return c;
}

/* One field of a valid geometry made anything. */
static void mutate_create(struct arena_create *c)
{
	switch (below(6)) {
	case 0: c->flags = next(); break;
	case 1: c->size = next(); break;
	case 2: c->min_block = size_ish(); break;
	case 3: c->slot_count = next(); break;
	case 4: c->align = size_ish(); break;
	default: c->chunk_order = below(12); break;
	}
}

static void op_create(struct state *s, int fd)
{
	struct arena_create v = valid_create();
	struct arena_create c = {
		.mode = below(4), .flags = below(3) ? 0 : next(), .node = below(4) ? -1 : (int32_t)next(),
		.chunk_order = below(3) ? 0 : below(12), .size = size_ish() << below(8),
		.min_block = below(2) ? 0 : size_ish(), .slot_size = size_ish(),
		.slot_count = below(3) ? below(64) + 1 : next(), .align = below(2) ? 0 : size_ish(),
	};

	if (c.mode == ARENA_MODE_BUDDY)
		c.slot_size = c.slot_count = c.align = 0;
	else if (c.mode == ARENA_MODE_FIXED)
		c.size = c.min_block = 0;
	if (c.size > 64 * MiB)
		c.size = 8 * MiB;
	/*
	 * Three times in four a valid geometry (one in eight of those with a
	 * field mutated), on a fresh file, so that creation flags and whole
	 * mappings are fuzzed, not only refusals.
	 */
	if (below(4)) {
		c = v;
		if (!below(8))
			mutate_create(&c);
	}
	if (ioctl(fd, ARENA_IOC_CREATE, below(16) ? (void *)&c : (void *)below(2)) == 0)
		s->created++;
}

static void op_alloc(struct state *s, int fd)
{
	struct arena_alloc a = { .size = size_ish() };

	if (!below(4))
		a.flags = below(2) ? ARENA_ALLOC_WAIT : next();
	if (a.flags & ARENA_ALLOC_WAIT)
		a.timeout_ns = 1000000;
	if (!below(10))
		a.pad = next();
	/* One call that grants and exports, or its fields misused. */
	if (!below(6))
		a.flags |= ARENA_ALLOC_EXPORT;
	if (a.flags & ARENA_ALLOC_EXPORT || !below(20))
		a.export_flags = below(6) ? O_RDWR | O_CLOEXEC : (uint32_t)next();
	if (ioctl(fd, ARENA_IOC_ALLOC, &a) == 0) {
		s->granted++;
		if (a.flags & ARENA_ALLOC_EXPORT) {
			int i = below(KEEP);

			s->exported++;
			if (s->dmabufs[i] >= 0)
				close(s->dmabufs[i]);
			s->dmabufs[i] = a.fd;
			return;
		}
		keep(s->handles, a.handle);
		keep(s->offsets, a.offset);
	}
}

static void op_batch(struct state *s, int fd)
{
	struct arena_grant_desc d[40];
	uint64_t h[40];
	struct arena_alloc_batch ab = { .size = size_ish(), .grants = (uintptr_t)d,
					.count = below(42) };
	struct arena_free_batch fb = { .handles = (uintptr_t)h, .count = below(42) };
	unsigned int i;

	if (!below(8))
		ab.grants = below(2) ? 0 : 1;
	if (ab.count > 40)
		ab.count = below(2) ? 40 : (uint32_t)next();
	if (ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab) == 0) {
		s->granted += ab.done;
		for (i = 0; i < ab.done && i < 40; i++)
			keep(s->handles, d[i].handle);
	}
	for (i = 0; i < 40; i++)
		h[i] = below(4) ? s->handles[below(KEEP)] : next();
	if (fb.count > 40)
		fb.count = 40;
	ioctl(fd, ARENA_IOC_FREE_BATCH, &fb);
}

static void op_export(struct state *s, int fd)
{
	struct arena_export e = {
		.handle = below(8) ? s->handles[below(KEEP)] : next(),
		.offset = below(3) ? 0 : size_ish(), .length = below(3) ? 0 : size_ish(),
		.flags = below(6) ? O_RDWR | O_CLOEXEC : (uint32_t)next(),
	};
	int i = below(KEEP);

	if (ioctl(fd, ARENA_IOC_EXPORT, &e) == 0) {
		s->exported++;
		if (s->dmabufs[i] >= 0)
			close(s->dmabufs[i]);
		s->dmabufs[i] = e.fd;
	}
}

static void op_map(struct state *s, int fd)
{
	struct arena_info info;
	int i = below(MAPS);
	size_t len = below(2) ? 4096ULL << below(10) : size_ish();
	off_t off = below(4) ? (off_t)s->offsets[below(KEEP)] :
		    below(2) ? 0 : (off_t)(arena_info(fd).whole_offset + (below(4) << 12));
	void *p;

	if (len > 64 * MiB)
		len = 2 * MiB;
	p = mmap(NULL, len, PROT_READ | (below(4) ? PROT_WRITE : 0),
		 below(8) ? MAP_SHARED : MAP_PRIVATE, fd, off);
	if (p == MAP_FAILED)
		return;
	s->mapped++;
	info = arena_info(fd);
	if ((uint64_t)off >= info.whole_offset && (uint64_t)off < info.whole_offset + info.size)
		s->whole_mapped++;
	if (s->maps[i].p)
		munmap(s->maps[i].p, s->maps[i].len);
	s->maps[i].p = p;
	s->maps[i].len = len;
	*(volatile char *)p;	/* the first page is always in bounds */
}

static void op_mremap(struct state *s)
{
	int i = below(MAPS);
	size_t len;
	void *p;

	if (!s->maps[i].p)
		return;
	len = below(2) ? s->maps[i].len / 2 : s->maps[i].len * 2;
	if (!len)
		len = 4096;
	p = mremap(s->maps[i].p, s->maps[i].len, len, MREMAP_MAYMOVE);
	if (p != MAP_FAILED) {
		s->maps[i].p = p;
		s->maps[i].len = len;
	}
}

static void op_misc(struct state *s, int fd)
{
	unsigned char buf[512];
	struct arena_free f = { .handle = below(4) ? s->handles[below(KEEP)] : next() };
	struct arena_sync sy = {
		.handle = s->handles[below(KEEP)], .offset = size_ish(), .length = size_ish(),
		.flags = (uint32_t)below(16),
	};
	int i = below(KEEP), got;
	pid_t pid;

	switch (below(7)) {
	case 0:
		ioctl(fd, ARENA_IOC_FREE, &f);
		break;
	case 1:
		ioctl(fd, ARENA_IOC_SYNC, &sy);
		break;
	case 2:		/* any command number of ours, any size, any bytes */
		for (got = 0; got < (int)sizeof(buf); got++)
			buf[got] = next();
		ioctl(fd, _IOC(below(4), ARENA_IOC_MAGIC, below(12), below(sizeof(buf))), buf);
		break;
	case 3:
		close(fd);
		for (got = 0; got < FDS; got++)
			if (s->fds[got] == fd)
				s->fds[got] = -1;
		break;
	case 4:		/* a child that exits holding copies of everything */
		pid = fork();
		if (pid == 0) {
			if (s->maps[0].p)
				munmap(s->maps[0].p, s->maps[0].len);
			_exit(0);
		}
		if (waitpid(pid, NULL, 0) == pid)
			s->forked++;
		break;
	case 5:		/* a dma-buf through a unix socket and back */
		if (s->dmabufs[i] >= 0 && send_fd(s->sock[0], s->dmabufs[i]) == 0) {
			got = recv_fd(s->sock[1]);
			if (got >= 0)
				close(got);
		}
		break;
	case 6:
		if (s->maps[i % MAPS].p) {
			munmap(s->maps[i % MAPS].p, s->maps[i % MAPS].len);
			s->maps[i % MAPS].p = NULL;
		}
		break;
	}
}

/* Leave CAP_IPC_LOCK out of the effective set: shares are charged. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

#define DEFAULT_OPS	20000

static long fuzz_ops(void)
{
	const char *ops_env = getenv("ARENA_FUZZ_OPS");

	return ops_env ? atol(ops_env) : DEFAULT_OPS;
}

/* Replaced before main by one that follows ARENA_FUZZ_OPS (below). */
TEST_F_TIMEOUT(fuzz, random_ioctls_leave_nothing_behind, 600)
{
	const char *seed_env = getenv("ARENA_FUZZ_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : (uint64_t)time(NULL);
	long ops = fuzz_ops(), n;
	static struct state s;
	int i, fd;

	TH_LOG("seed %llu, %ld operations (ARENA_FUZZ_SEED=%llu replays)",
	       (unsigned long long)seed, ops, (unsigned long long)seed);
	rng = seed * 2654435761u + 1;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < FDS; i++)
		s.fds[i] = -1;
	for (i = 0; i < KEEP; i++)
		s.dmabufs[i] = -1;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s.sock));
	ASSERT_EQ(0, drop_ipc_lock());
	signal(SIGBUS, SIG_IGN);

	for (n = 0; n < ops; n++) {
		fd = pick_fd(&s);
		ASSERT_LE(0, fd);
		switch (below(8)) {
		case 0: op_create(&s, below(4) ? fresh_fd(&s) : fd); break;
		case 1: case 2: op_alloc(&s, fd); break;
		case 3: op_batch(&s, fd); break;
		case 4: op_export(&s, fd); break;
		case 5: op_map(&s, fd); break;
		case 6: op_mremap(&s); break;
		default: op_misc(&s, fd); break;
		}
	}

	TH_LOG("succeeded: %ld creates, %ld grants, %ld exports, %ld mappings (%ld whole), %ld forks",
	       s.created, s.granted, s.exported, s.mapped, s.whole_mapped, s.forked);
	/*
	 * A run that mostly met refusals fuzzed little: each kind of success,
	 * at a quarter or less of what the probabilities give per operation.
	 */
	EXPECT_LE(ops / 100, s.created);
	EXPECT_LE(ops / 20, s.granted);
	EXPECT_LE(ops / 800, s.exported);
	EXPECT_LE(ops / 200, s.mapped);
	EXPECT_LE(ops / 2000, s.whole_mapped);
	EXPECT_LE(ops / 200, s.forked);
	for (i = 0; i < MAPS; i++)
		if (s.maps[i].p)
			munmap(s.maps[i].p, s.maps[i].len);
	for (i = 0; i < KEEP; i++)
		if (s.dmabufs[i] >= 0)
			close(s.dmabufs[i]);
	for (i = 0; i < FDS; i++)
		if (s.fds[i] >= 0)
			close(s.fds[i]);
	close(s.sock[0]);
	close(s.sock[1]);
	/* Everything of the default arena comes back (pins are rechecked). */
	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_TRUE(wait_live(fd, 0)) TH_LOG("%llu grants still live",
					     (unsigned long long)arena_info(fd).live_grants);
	/* No private arena left, and every chunk back, by the module's count. */
	EXPECT_TRUE(wait_only_default()) TH_LOG("%ld chunk pages and %ld arenas held",
						arena_held("chunk_pages"), arena_held("arenas"));
	close(fd);
}

/*
 * The run's length is ARENA_FUZZ_OPS: the debug lane took 52 s for the
 * default 20000 operations (2.6 ms each) with another VM beside it.  Ten
 * times that per operation, and a minute for setup and the final checks.
 */
__attribute__((constructor)) static void fuzz_time_limit(void)
{
	SET_TEST_TIMEOUT(fuzz, random_ioctls_leave_nothing_behind, 60 + fuzz_ops() * 26 / 1000);
}

TEST_HARNESS_MAIN
