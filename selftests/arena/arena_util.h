/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the arena selftests.
 */
#ifndef ARENA_UTIL_H
#define ARENA_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/arena.h>

#define ARENA_DEV	"/dev/" ARENA_DEVICE_NAME
#define KiB		1024ULL
#define MiB		(1024 * KiB)
#define HPAGE		(2 * MiB)

/*
 * Line-buffered stdout, before main: the harness ends each test's child
 * with _exit(), which drops what printf() buffered when stdout is a pipe
 * (run_kselftest.sh's), so a test's "# ..." lines would be lost there.
 */
__attribute__((constructor)) static void arena_util_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline int arena_open(void)
{
	return open(ARENA_DEV, O_RDWR | O_CLOEXEC);
}

/* A fresh file made a private arena; -errno on failure. */
static inline int arena_open_create(const struct arena_create *c)
{
	int fd = arena_open(), err;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, ARENA_IOC_CREATE, c)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static inline int arena_open_buddy(uint64_t size, uint64_t min_block, uint32_t flags)
{
	struct arena_create c = {
		.mode = ARENA_MODE_BUDDY, .size = size, .min_block = min_block,
		.flags = flags, .node = ARENA_NODE_LOCAL,
	};

	return arena_open_create(&c);
}

static inline int arena_open_fixed(uint64_t slot_size, uint64_t count, uint64_t align,
				   uint32_t flags)
{
	struct arena_create c = {
		.mode = ARENA_MODE_FIXED, .slot_size = slot_size, .slot_count = count,
		.align = align, .flags = flags, .node = ARENA_NODE_LOCAL,
	};

	return arena_open_create(&c);
}

/*
 * The arena's info.  A failing ARENA_IOC_INFO ends the test (SIGABRT, which
 * the harness reports): zeros would read as "nothing live" and pass.
 */
static inline struct arena_info arena_info(int fd)
{
	struct arena_info info;

	memset(&info, 0xa5, sizeof(info));
	if (ioctl(fd, ARENA_IOC_INFO, &info)) {
		fprintf(stderr, "arena_info: ARENA_IOC_INFO on fd %d: %s\n", fd, strerror(errno));
		abort();
	}
	return info;
}

/* 0 with *a filled in, or -errno. */
static inline int arena_alloc(int fd, uint64_t size, struct arena_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	return ioctl(fd, ARENA_IOC_ALLOC, a) ? -errno : 0;
}

static inline int arena_free(int fd, uint64_t handle)
{
	struct arena_free f = { .handle = handle };

	return ioctl(fd, ARENA_IOC_FREE, &f) ? -errno : 0;
}

static inline void *arena_map(int fd, uint64_t offset, size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
}

/* Minor faults this process has taken so far. */
static inline long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Fill with a stamp derived from @tag; check it back. */
static inline void stamp(void *p, size_t len, uint64_t tag)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = tag ^ i;
}

static inline int stamp_ok(const void *p, size_t len, uint64_t tag)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != (tag ^ i))
			return 0;
	return 1;
}

static inline int all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

/*
 * The number in the first line of the file @path that @fmt (a scanf format
 * with one %ld) matches, as in /proc/meminfo or /proc/self/status; -1 if
 * none does or the file cannot be read.
 */
static inline long file_field(const char *path, const char *fmt)
{
	char line[256];
	long value = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &value) == 1)
			break;
	fclose(f);
	return value;
}

/*
 * A field ("Rss", "FilePmdMapped", ...) of the VMA that starts at @p, in kB:
 * every VMA lists every field, so the first one after its header is its own.
 */
static inline long smaps_kb(const void *p, const char *field)
{
	char line[256], start[32];
	size_t flen = strlen(field);
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	snprintf(start, sizeof(start), "%lx-", (unsigned long)p);
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, start, strlen(start)))
			in = 1;
		else if (in && !strncmp(line, field, flen) && line[flen] == ':' &&
			 sscanf(line + flen + 1, "%ld", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb;
}

/*
 * Free memory in kB, counting the pages parked on per-CPU free lists
 * (MemFree leaves them out, and freed huge pages often land there first).
 */
static inline long free_kb(void)
{
	long pages = 0, n;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %ld", &n) == 1 ||
		    sscanf(line, " count: %ld", &n) == 1)
			pages += n;
	}
	if (f)
		fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * Wait until the arena's live grants number @live (zeroing is async).  The
 * limit, 60 s, is for a machine far slower than any seen; a normal wait ends
 * in milliseconds, as soon as the count is reached.
 */
static inline int wait_live(int fd, uint64_t live)
{
	int i;

	for (i = 0; i < 6000; i++) {
		if (arena_info(fd).live_grants == live)
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * The module's own accounting (debugfs arena/@what): "chunk_pages", the
 * pages of every chunk it holds, or "arenas", the arenas not yet
 * released; -1 if it cannot be read (no debugfs, or no module).
 */
static inline long arena_held(const char *what)
{
	char path[96], buf[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/kernel/debug/arena/%s", what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/*
 * Wait until the module holds exactly @pages chunk pages and @arenas
 * arenas (a released arena's last reference may be the zeroing worker's);
 * 60 s at most, as wait_live().  Returns 1 when it does.
 */
static inline int wait_held(long pages, long arenas)
{
	int i;

	for (i = 0; i < 6000; i++) {
		if (arena_held("chunk_pages") == pages && arena_held("arenas") == arenas)
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * Wait until the module holds nothing but the default arena: exactly its
 * chunks' pages and one arena.  Returns 1 when it does.
 */
static inline int wait_only_default(void)
{
	int fd = arena_open();
	struct arena_info info;

	if (fd < 0)
		return 0;
	info = arena_info(fd);
	close(fd);
	return wait_held(info.size / sysconf(_SC_PAGESIZE), 1);
}

/*
 * SKIP for a FIXTURE_SETUP.  6.1's harness runs a test's body after a setup
 * that skipped (later harnesses do not), so a plain SKIP there lets the
 * body fail on what the setup found missing.  This one also leaves the
 * setup the way a failed ASSERT does, past the body and the teardown, so
 * it goes before the setup acquires anything.
 */
#define SETUP_SKIP(fmt, ...) SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

/*
 * Time limits.  The harness gives a test 30 s unless it names its own; every
 * test here either takes under a tenth of that on the slowest lane (the
 * debug kernel under TCG, measured with a second VM running beside it) or
 * names a limit of at least ten times what it took there, with that
 * measurement beside it.  A test whose length is chosen at run time (an
 * environment variable) sets its limit from that length with this, before
 * main; the harness reads it when the test starts.
 */
#define SET_TEST_TIMEOUT(fixture, test, secs) \
	(_##fixture##_##test##_object.timeout = (secs))

/* Write @s to the file @path (a sysctl, a cgroup knob); 0 or -errno. */
/*
 * MAP_SHARED of @fd (a dma-buf: its core places nothing) at a 2 MiB-aligned
 * address, as abi.rst tells users to: a free range with room to align in
 * is found, let go, and mapped at its first 2 MiB boundary.
 */
static inline void *map_pmd_aligned(int fd, size_t len)
{
	char *hint = mmap(NULL, len + HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (hint == MAP_FAILED)
		return MAP_FAILED;
	munmap(hint, len + HPAGE);
	hint = (char *)(((uintptr_t)hint + HPAGE - 1) & ~(HPAGE - 1));
	return mmap(hint, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
}

/* Whether the running kernel is @major.@minor or later. */
static inline int kernel_at_least(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &ma, &mi) != 2)
		return 0;
	return ma > major || (ma == major && mi >= minor);
}

static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return ret;
}

/* The number the file @path starts with, or -1. */
static inline long long read_ll(const char *path)
{
	char buf[64] = "";
	long long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
		sscanf(buf, "%lld", &v);
	if (fd >= 0)
		close(fd);
	return v;
}

/* Load arena.ko from $ARENA_KO with @params; 0 or -errno. */
static inline int arena_module_load(const char *params)
{
	const char *ko = getenv("ARENA_KO");
	int fd, ret;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* 0, or -EWOULDBLOCK while the module is in use. */
static inline int arena_module_unload(void)
{
	return syscall(__NR_delete_module, "arena", O_NONBLOCK) ? -errno : 0;
}

/*
 * Pass @fd over the unix socket @sock (SCM_RIGHTS) with @len bytes of @data
 * (sendmsg @flags); 0 or -1.
 */
static inline int send_fd_data(int sock, int fd, const void *data, size_t len, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, flags) == (ssize_t)len ? 0 : -1;
}

/* The fd sent by send_fd_data() with its @len bytes into @data, or -1. */
static inline int recv_fd_data(int sock, void *data, size_t len, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC) != (ssize_t)len)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* Pass @fd alone (with one byte, as a message must carry data). */
static inline int send_fd(int sock, int fd)
{
	return send_fd_data(sock, fd, "x", 1, 0);
}

static inline int recv_fd(int sock)
{
	char byte;

	return recv_fd_data(sock, &byte, 1, 0);
}

#endif /* ARENA_UTIL_H */
