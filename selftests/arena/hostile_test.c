// SPDX-License-Identifier: GPL-2.0
/*
 * What an ordinary user of /dev/arena or of a named arena can do to the
 * kernel and to other users: crash it, read or write another user's
 * memory, take more than a share, reach an arena through a stale node.
 *
 * Started as root, which only sets the stage (a node of /dev/arena that
 * anyone may open, named arenas, a memory cgroup); every attack runs in a
 * child that has dropped to an unprivileged uid and every capability.
 * Such a child reports with CHECK(), which names the failing line; the test
 * asserts that the child exited 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <linux/dma-buf.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena_nl.h"
#include "arena_util.h"

#include "../kselftest_harness.h"

#define USER_A		1000
#define USER_B		1001
#define OPEN_NODE	"/tmp/hostile-arena"	/* /dev/arena, mode 0666 */
#define CGROOT		"/sys/fs/cgroup"
#define ROOMY		(4096 * MiB)	/* RLIMIT_MEMLOCK where the share is not tested */
#define CG		CGROOT "/hostile"

/* In a child: fail with the line's number, saying what failed. */
#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n",	\
			__FILE__, __LINE__, #cond, errno, strerror(errno));	\
		_exit(1 + __LINE__ % 250);					\
	}									\
} while (0)

/* In a child: this kernel lacks what the test needs; the parent skips. */
#define CHILD_SKIP	4
#define SKIP_CHILD(why) do {							\
	fprintf(stderr, "%s:%d: SKIP: %s\n", __FILE__, __LINE__, why);	\
	_exit(CHILD_SKIP);							\
} while (0)

/*
 * Run @fn(@arg) in a child as @uid (group @uid, no supplementary groups, no
 * capabilities), its locked-memory limit @memlock bytes.
 * Returns its exit status, or 128 + the signal that ended it.
 */
/* In a child: become @uid, with @memlock bytes of RLIMIT_MEMLOCK. */
static void become_user(uid_t uid, rlim_t memlock)
{
	struct rlimit rl = { memlock, memlock };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		_exit(250);
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(251);
	/* Changing uid made it undumpable: /proc/self would be root's. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static pid_t spawn_as_user(uid_t uid, rlim_t memlock, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (!pid) {
		become_user(uid, memlock);
		_exit(fn(arg));
	}
	return pid;
}

static int as_user(uid_t uid, rlim_t memlock, int (*fn)(void *), void *arg)
{
	pid_t pid = spawn_as_user(uid, memlock, fn, arg);
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A node of /dev/arena that an unprivileged user may open, as a container's. */
static void make_open_node(void)
{
	struct stat st;

	unlink(OPEN_NODE);
	if (stat(ARENA_DEV, &st) || mknod(OPEN_NODE, S_IFCHR | 0666, st.st_rdev) ||
	    chmod(OPEN_NODE, 0666))
		perror("hostile_test: cannot make " OPEN_NODE);
}

static int open_node(int flags)
{
	return open(OPEN_NODE, flags | O_CLOEXEC);
}

static int private_buddy(uint64_t size, uint32_t flags)
{
	struct arena_create c = {
		.mode = ARENA_MODE_BUDDY, .size = size, .flags = flags,
		.node = ARENA_NODE_LOCAL,
	};
	int fd = open_node(O_RDWR);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, ARENA_IOC_CREATE, &c)) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* --- 1: no shared mapping without a file --------------------------------- */

TEST(fileless_arenas_are_refused)
{
	struct arena_info info;
	int fd;

	make_open_node();
	fd = private_buddy(4 * MiB, ARENA_CREATE_FILELESS);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-EOPNOTSUPP, fd);
	fd = open_node(O_RDWR);
	ASSERT_LE(0, fd);
	info = arena_info(fd);
	EXPECT_NE(0, info.features);
	EXPECT_EQ(0, info.features & ARENA_FEATURE_FILELESS);
	close(fd);
}

TEST(fileless_named_arenas_are_refused)
{
	struct named n = { .name = "hostile-fl", .size = 4 * MiB,
			   .flags = ARENA_CREATE_FILELESS };
	int ret = named_new(&n);

	if (!ret)
		named_del(n.name);
	EXPECT_EQ(-EOPNOTSUPP, ret);
}

/*
 * Every mm path that walks VMAs, on a mapping of each kind; the process must
 * survive them all with its data intact, and the kernel log stays clean.
 */
enum kind { GRANT_PTE, GRANT_PMD, PREFAULTED, DMABUF, FILELESS, NR_KINDS };

static const char *const kind_name[NR_KINDS] = {
	"4 KiB grant", "2 MiB grant", "prefaulted grant", "dma-buf", "file-less arena",
};

struct mapping {
	int fd, buf;
	size_t len;
	uint64_t pgoff;		/* of the mapping's first page */
	char *p;
};

/* Map a fresh grant of @k at @len; 0 or -errno (the kind is refused). */
static int map_kind(enum kind k, struct mapping *m)
{
	uint32_t flags = k == PREFAULTED ? ARENA_CREATE_PREFAULT :
			 k == FILELESS ? ARENA_CREATE_FILELESS : 0;
	struct arena_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct arena_alloc a;
	int fd = private_buddy(8 * MiB, flags);

	m->len = k == GRANT_PTE ? 4 * KiB : HPAGE;
	m->buf = -1;
	if (fd < 0)
		return fd;
	m->fd = fd;
	if (arena_alloc(fd, m->len, &a))
		return -errno;
	if (k == DMABUF) {
		e.handle = a.handle;
		if (ioctl(fd, ARENA_IOC_EXPORT, &e))
			return -errno;
		m->buf = e.fd;
		/* The dma-buf core aligns nothing: ask for a 2 MiB boundary. */
		m->p = mmap((void *)(64 * HPAGE), m->len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, e.fd, 0);
		m->pgoff = 0;
	} else {
		m->p = arena_map(fd, a.offset, m->len);
		m->pgoff = a.offset / 4096;
	}
	if (m->p == MAP_FAILED)
		return -errno;
	stamp(m->p, m->len, 0x5eed);
	return 0;
}

static int pagemap_read(void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t entry = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &entry, sizeof(entry), (uintptr_t)p / 4096 * 8);
	close(fd);
	return n == sizeof(entry) ? 0 : -1;
}

static int smaps_read(void)
{
	char buf[4096];
	int fd = open("/proc/self/smaps", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n;
}

/* A second thread faulting the mapping while THP is turned off and on. */
static void *fault_loop(void *arg)
{
	struct mapping *m = arg;
	volatile char *p = m->p;
	size_t i;

	for (i = 0; i < 200; i++)
		(void)p[(i * 4096) % m->len];
	return NULL;
}

static int mm_paths(void *arg)
{
	enum kind k = (enum kind)(uintptr_t)arg;
	struct uffdio_register reg;
	struct uffdio_api api = { .api = UFFD_API };
	struct mapping m;
	struct iovec local, remote;
	pthread_t thread;
	char copy[64];
	int ret, uffd, status;
	pid_t pid;

	ret = map_kind(k, &m);
	/* File-less arenas are refused since the oopses they led to. */
	if (k == FILELESS && ret == -EOPNOTSUPP)
		return 0;
	CHECK(ret == 0);

	/* Soft-dirty: clearing write-protects; the next write must cope. */
	ret = open("/proc/self/clear_refs", O_WRONLY);
	CHECK(ret >= 0);
	CHECK(write(ret, "4", 1) == 1);
	close(ret);
	m.p[0] ^= 1;
	m.p[0] ^= 1;

	CHECK(pagemap_read(m.p) == 0);
	CHECK(smaps_read() == 0);

	/*
	 * remap_file_pages() is emulated with a fresh mmap of the VMA's file
	 * (at the same page offset here, so the same memory comes back).
	 */
	ret = syscall(__NR_remap_file_pages, m.p, 4096, 0, m.pgoff, 0);
	CHECK(ret == 0);
	CHECK(stamp_ok(m.p, m.len, 0x5eed));

	/* Another process reads and writes it through process_vm_*v. */
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	local = (struct iovec){ copy, sizeof(copy) };
	remote = (struct iovec){ m.p, sizeof(copy) };
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) < 0 && errno == ENOSYS)
		SKIP_CHILD("no process_vm_readv (CONFIG_CROSS_MEMORY_ATTACH)");
	CHECK(process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == sizeof(copy));
	CHECK(process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == sizeof(copy));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* THP turned off and on while another thread faults. */
	CHECK(pthread_create(&thread, NULL, fault_loop, &m) == 0);
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	pthread_join(thread, NULL);

	/* Advice that drops, pages out or collapses: data survives. */
	CHECK(madvise(m.p, m.len, MADV_DONTNEED) == 0);
	CHECK(stamp_ok(m.p, m.len, 0x5eed));
	madvise(m.p, m.len, MADV_REMOVE);
	madvise(m.p, m.len, MADV_PAGEOUT);
	madvise(m.p, m.len, 25 /* MADV_COLLAPSE */);
	CHECK(stamp_ok(m.p, m.len, 0x5eed));

	/* userfaultfd takes only anonymous, shmem and hugetlb memory. */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0 && errno == ENOSYS)
		SKIP_CHILD("no userfaultfd (CONFIG_USERFAULTFD)");
	CHECK(uffd >= 0 && !ioctl(uffd, UFFDIO_API, &api));
	reg = (struct uffdio_register){
		.range = { (uintptr_t)m.p, m.len }, .mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	CHECK(ioctl(uffd, UFFDIO_REGISTER, &reg) != 0);
	close(uffd);

	/* mprotect splits, mremap cannot grow it, fork copies it. */
	if (m.len > 4096) {
		CHECK(mprotect(m.p + 4096, 4096, PROT_READ) == 0);
		CHECK(mremap(m.p, m.len, 2 * m.len, 0) == MAP_FAILED);
		CHECK(mprotect(m.p + 4096, 4096, PROT_READ | PROT_WRITE) == 0);
	}
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		_exit(stamp_ok(m.p, m.len, 0x5eed) ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));

	/* A core dump walks every VMA (the pattern is set up by root). */
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		abort();
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	if (!WCOREDUMP(status))
		SKIP_CHILD("no core dump was written (CONFIG_COREDUMP, core_pattern)");
	CHECK(stamp_ok(m.p, m.len, 0x5eed));
	CHECK(k != FILELESS);	/* it should not have been made */
	return 0;
}

FIXTURE(mm) {};
FIXTURE_VARIANT(mm) { enum kind kind; };
FIXTURE_VARIANT_ADD(mm, grant_pte) { .kind = GRANT_PTE };
FIXTURE_VARIANT_ADD(mm, grant_pmd) { .kind = GRANT_PMD };
FIXTURE_VARIANT_ADD(mm, prefaulted) { .kind = PREFAULTED };
FIXTURE_VARIANT_ADD(mm, dmabuf) { .kind = DMABUF };
FIXTURE_VARIANT_ADD(mm, fileless) { .kind = FILELESS };

FIXTURE_SETUP(mm)
{
	int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);

	make_open_node();
	/* Cores go to a file in /tmp, which anyone may write. */
	if (fd >= 0) {
		if (write(fd, "/tmp/core.%p", 12) != 12)
			TH_LOG("cannot set core_pattern");
		close(fd);
	}
	fd = open("/proc/sys/fs/suid_dumpable", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			TH_LOG("cannot set suid_dumpable");
		close(fd);
	}
}

FIXTURE_TEARDOWN(mm)
{
	if (system("rm -f /tmp/core.*"))
		TH_LOG("cannot remove cores");
}

TEST_F(mm, every_path_that_walks_vmas)
{
	int ret;

	TH_LOG("%s", kind_name[variant->kind]);
	ret = as_user(USER_A, ROOMY, mm_paths, (void *)(uintptr_t)variant->kind);
	if (ret == CHILD_SKIP)
		SKIP(return, "this kernel lacks a path the test drives (the reason is above)");
	EXPECT_EQ(0, ret);
}

/* --- 2: no page of a mapping outside its grant ----------------------------- */

/*
 * Slots of 6144 bytes at 2048-byte alignment: every second slot starts
 * inside a page whose first part is the previous slot's.
 */
static int unaligned_slot_implicit(void *arg)
{
	struct arena_create c = {
		.mode = ARENA_MODE_FIXED, .slot_size = 6144, .slot_count = 64,
		.align = 2048, .node = ARENA_NODE_LOCAL,
	};
	struct arena_alloc a;
	int fd = open_node(O_RDWR);
	char *whole, *next;

	(void)arg;
	CHECK(fd >= 0);
	CHECK(ioctl(fd, ARENA_IOC_CREATE, &c) == 0);
	/*
	 * Slot 0 filled by its holder, to its last byte (its second page is
	 * not wholly its own, so only the whole-arena mapping reaches it).
	 */
	CHECK(arena_alloc(fd, 6144, &a) == 0);
	CHECK(a.arena_offset == 0);
	whole = mmap(NULL, arena_info(fd).size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		     arena_info(fd).whole_offset);
	CHECK(whole != MAP_FAILED);
	memset(whole, 0x77, 6144);
	/* The next implicit grant is slot 1, at 6144: it must not see slot 0. */
	next = arena_map(fd, 0, 4096);
	if (next == MAP_FAILED) {
		CHECK(errno == EINVAL);
		return 0;
	}
	CHECK(all_zero(next, 4096));
	return 0;
}

TEST(implicit_map_never_exposes_a_neighbouring_slot)
{
	make_open_node();
	EXPECT_EQ(0, as_user(USER_A, ROOMY, unaligned_slot_implicit, NULL));
}

/* --- 3: isolation on named arenas ----------------------------------------- */

struct secret {
	const char *path;
	int pipe[2];
};

/* User A writes a secret into a grant, says so, and holds it. */
static int hold_secret(void *arg)
{
	struct secret *s = arg;
	struct arena_alloc a;
	int fd = open(s->path, O_RDWR | O_CLOEXEC);
	char *p;

	CHECK(fd >= 0);
	CHECK(arena_alloc(fd, 64 * KiB, &a) == 0);
	p = arena_map(fd, a.offset, 64 * KiB);
	CHECK(p != MAP_FAILED);
	memset(p, 0x5e, 64 * KiB);
	CHECK(write(s->pipe[1], "x", 1) == 1);
	pause();
	return 0;
}

/* User B: no whole mapping, and every grant reads as zero. */
static int snoop(void *arg)
{
	struct secret *s = arg;
	int fd = open(s->path, O_RDWR | O_CLOEXEC), i;
	struct arena_info info;
	struct arena_alloc a;
	char *p;

	CHECK(fd >= 0);
	info = arena_info(fd);
	CHECK(info.size);
	p = mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, info.whole_offset);
	CHECK(p == MAP_FAILED && errno == EACCES);
	for (i = 0; i < 16; i++) {
		CHECK(arena_alloc(fd, 64 * KiB, &a) == 0);
		p = arena_map(fd, a.offset, 64 * KiB);
		CHECK(p != MAP_FAILED);
		CHECK(all_zero(p, 64 * KiB));
		/* Scribbling on free memory reaches nobody either. */
		memset(p, 0xee, 64 * KiB);
		munmap(p, 64 * KiB);
		CHECK(arena_free(fd, a.handle) == 0);
	}
	return 0;
}

TEST(named_arena_users_see_only_their_own_grants)
{
	struct named n = { .name = "hostile-iso", .size = 4 * MiB };
	struct secret s = { .path = "/dev/arenas/hostile-iso" };
	pid_t holder;
	char c;

	ASSERT_EQ(0, named_new(&n));
	ASSERT_EQ(0, pipe(s.pipe));
	holder = spawn_as_user(USER_A, ROOMY, hold_secret, &s);
	ASSERT_LE(0, holder);
	ASSERT_EQ(1, read(s.pipe[0], &c, 1));
	EXPECT_EQ(0, as_user(USER_B, ROOMY, snoop, &s));
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	EXPECT_EQ(0, named_del(n.name));
}

/* A file opened read-only may look, not change. */
static int read_only_opener(void *arg)
{
	const char *path = arg;
	struct arena_alloc a = { .size = 4096 };
	struct arena_free f = { .handle = 2 };
	struct arena_alloc_batch ab = { .size = 4096, .count = 1 };
	struct arena_free_batch fb = { .count = 1 };
	struct arena_export e = { .handle = 2, .flags = O_RDONLY };
	struct arena_sync s = { .handle = 2, .length = 1, .flags = ARENA_SYNC_READ };
	struct arena_grant_desc d;
	uint64_t h = 2;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	CHECK(fd >= 0);
	ab.grants = (uintptr_t)&d;
	fb.handles = (uintptr_t)&h;
	CHECK(arena_info(fd).size);
	CHECK(ioctl(fd, ARENA_IOC_ALLOC, &a) && errno == EBADF);
	CHECK(ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab) && errno == EBADF);
	CHECK(ioctl(fd, ARENA_IOC_FREE, &f) && errno == EBADF);
	CHECK(ioctl(fd, ARENA_IOC_FREE_BATCH, &fb) && errno == EBADF);
	CHECK(ioctl(fd, ARENA_IOC_EXPORT, &e) && errno == EBADF);
	CHECK(ioctl(fd, ARENA_IOC_SYNC, &s) && errno == EBADF);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EACCES);
	close(fd);
	return 0;
}

static int read_only_create(void *arg)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 2 * MiB,
				  .node = ARENA_NODE_LOCAL };
	int fd = open_node(O_RDONLY);

	(void)arg;
	CHECK(fd >= 0);
	CHECK(ioctl(fd, ARENA_IOC_CREATE, &c) && errno == EBADF);
	return 0;
}

TEST(read_only_openers_change_nothing)
{
	struct named n = { .name = "hostile-ro", .size = 4 * MiB };

	make_open_node();
	ASSERT_EQ(0, named_new(&n));
	EXPECT_EQ(0, as_user(USER_A, ROOMY, read_only_opener, "/dev/arenas/hostile-ro"));
	EXPECT_EQ(0, as_user(USER_A, ROOMY, read_only_opener, OPEN_NODE));
	EXPECT_EQ(0, as_user(USER_A, ROOMY, read_only_create, NULL));
	EXPECT_EQ(0, named_del(n.name));
}

/* A write-only opener cannot hand out a readable export. */
static int write_only_export(void *arg)
{
	struct arena_export e = { .flags = O_RDWR };
	struct arena_alloc a;
	int fd = open((const char *)arg, O_WRONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK(arena_alloc(fd, 4096, &a) == 0);
	e.handle = a.handle;
	CHECK(ioctl(fd, ARENA_IOC_EXPORT, &e) && errno == EACCES);
	e.flags = O_RDONLY;
	CHECK(ioctl(fd, ARENA_IOC_EXPORT, &e) && errno == EACCES);
	e.flags = O_WRONLY | O_CLOEXEC;
	CHECK(ioctl(fd, ARENA_IOC_EXPORT, &e) == 0);
	close(e.fd);
	return 0;
}

TEST(exports_are_bounded_by_the_openers_access)
{
	make_open_node();
	EXPECT_EQ(0, as_user(USER_A, ROOMY, write_only_export, OPEN_NODE));
}

/*
 * remap_file_pages() maps through the VMA's file again, and the VMAs of an
 * export a PMD could map belong to a file of the export's own, not to the
 * dma-buf (a smaller export's stay the dma-buf's): through either file a
 * read-only export's mapping must stay read-only, a mapping must outlive
 * the dma-buf fd and the handle, and no page past the export may be
 * reached.  @arg: the export's length.
 */
static int export_remapped(void *arg)
{
	struct arena_export rw = { .flags = O_RDWR | O_CLOEXEC };
	struct arena_export ro = { .flags = O_RDONLY | O_CLOEXEC };
	int fd = private_buddy(8 * MiB, 0);
	const size_t len = *(const size_t *)arg;
	struct arena_alloc a;
	char *p, *dro, *drw;

	CHECK(fd >= 0);
	CHECK(arena_alloc(fd, len, &a) == 0);
	p = arena_map(fd, a.offset, len);
	CHECK(p != MAP_FAILED);
	stamp(p, len, 0x40);
	rw.handle = ro.handle = a.handle;
	CHECK(ioctl(fd, ARENA_IOC_EXPORT, &rw) == 0);
	CHECK(ioctl(fd, ARENA_IOC_EXPORT, &ro) == 0);

	CHECK(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ro.fd, 0) == MAP_FAILED &&
	      errno == EACCES);
	dro = mmap(NULL, len, PROT_READ, MAP_SHARED, ro.fd, 0);
	CHECK(dro != MAP_FAILED);
	CHECK(mprotect(dro, len, PROT_READ | PROT_WRITE) && errno == EACCES);
	/* The mm refuses to remap what is not VM_SHARED; if it ever does not: */
	if (syscall(__NR_remap_file_pages, dro, len, 0, 0, 0) == 0)
		CHECK(mprotect(dro, len, PROT_READ | PROT_WRITE) && errno == EACCES);
	CHECK(stamp_ok(dro, len, 0x40));

	drw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rw.fd, 0);
	CHECK(drw != MAP_FAILED);
	CHECK(close(rw.fd) == 0);
	CHECK(close(ro.fd) == 0);
	CHECK(arena_free(fd, a.handle) == 0);
	CHECK(munmap(p, len) == 0);
	CHECK(syscall(__NR_remap_file_pages, drw, len, 0, 0, 0) == 0);
	CHECK(stamp_ok(drw, len, 0x40));
	CHECK(arena_info(fd).live_grants == 1);
	/* No page past the export (the failed remap unmaps that page). */
	CHECK(syscall(__NR_remap_file_pages, drw + len - 4096, 4096, 0, len / 4096, 0) &&
	      errno == EINVAL);
	CHECK(stamp_ok(drw, len - 4096, 0x40));
	CHECK(munmap(drw, len) == 0);
	CHECK(munmap(dro, len) == 0);
	CHECK(wait_live(fd, 0));
	return 0;
}

TEST(an_export_remapped_keeps_its_access_and_its_bounds)
{
	size_t big = HPAGE, small = 64 * KiB;

	make_open_node();
	EXPECT_EQ(0, as_user(USER_A, ROOMY, export_remapped, &big));
	EXPECT_EQ(0, as_user(USER_A, ROOMY, export_remapped, &small));
}

/* Shared arenas whose grants would share pages, or skip zeroing, are refused. */
TEST(isolated_named_arenas_need_whole_zeroed_pages)
{
	struct named small_blocks = { .name = "hostile-g1", .size = 4 * MiB, .min_block = 2048 };
	struct named odd_slots = { .name = "hostile-g2", .mode = ARENA_MODE_FIXED,
				   .slot_size = 6144, .slot_count = 64, .align = 2048 };
	struct named unzeroed = { .name = "hostile-g3", .size = 4 * MiB,
				  .flags = ARENA_CREATE_SKIP_ZEROING };
	const struct named *all[] = { &small_blocks, &odd_slots, &unzeroed };
	unsigned int i;
	int ret;

	for (i = 0; i < 3; i++) {
		ret = named_new(all[i]);
		if (!ret)
			named_del(all[i]->name);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s", all[i]->name);
	}
}

/* A named arena made one trust domain may be mapped whole, by its holders. */
static int whole_map(void *arg)
{
	int fd = open((const char *)arg, O_RDWR | O_CLOEXEC);
	struct arena_info info;
	char *p;

	CHECK(fd >= 0);
	info = arena_info(fd);
	CHECK(info.features & ARENA_FEATURE_ISOLATION);
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.whole_offset);
	CHECK(p != MAP_FAILED);
	p[info.size - 1] = 1;
	return 0;
}

TEST(a_trust_domain_is_declared_by_the_arenas_maker)
{
	struct named n = { .name = "hostile-one", .size = 4 * MiB, .min_block = 512,
			   .flags = ARENA_CREATE_SKIP_ZEROING, .one_domain = 1 };

	ASSERT_EQ(0, named_new(&n));
	EXPECT_EQ(0, as_user(USER_A, ROOMY, whole_map, "/dev/arenas/hostile-one"));
	EXPECT_EQ(0, named_del(n.name));
}

/*
 * The share: a user's grants of a shared arena count against its
 * RLIMIT_MEMLOCK, here 8 MiB, whatever way they are taken.
 */
struct share {
	const char *path;
	int ready[2];
};

static int take_everything(void *arg)
{
	struct share *sh = arg;
	struct arena_grant_desc d[8];
	struct arena_alloc_batch b = { .size = 1 * MiB, .count = 8, .grants = (uintptr_t)d };
	struct arena_alloc a;
	int fd = open(sh->path, O_RDWR | O_CLOEXEC), n = 0;
	uint64_t last = 0;
	void *p;

	CHECK(fd >= 0);
	while (n < 64 && !arena_alloc(fd, 1 * MiB, &a)) {
		last = a.handle;
		n++;
	}
	CHECK(errno == EDQUOT);
	CHECK(n == 8);
	CHECK(ioctl(fd, ARENA_IOC_ALLOC_BATCH, &b) && errno == EDQUOT);
	p = mmap(NULL, 1 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EDQUOT);
	/* Freeing one gives the room back. */
	CHECK(arena_free(fd, last) == 0);
	CHECK(ioctl(fd, ARENA_IOC_ALLOC_BATCH, &b) == 0 && b.done == 1);
	CHECK(write(sh->ready[1], "x", 1) == 1);
	pause();
	return 0;
}

static int still_room(void *arg)
{
	struct share *sh = arg;
	struct arena_alloc a;
	int fd = open(sh->path, O_RDWR | O_CLOEXEC), i;

	CHECK(fd >= 0);
	for (i = 0; i < 8; i++)
		CHECK(arena_alloc(fd, 1 * MiB, &a) == 0);
	return 0;
}

static void one_user_cannot_starve_another(struct __test_metadata *_metadata, const char *path)
{
	struct share sh = { .path = path };
	pid_t greedy;
	char c;

	ASSERT_EQ(0, pipe(sh.ready));
	greedy = spawn_as_user(USER_A, 8 * MiB, take_everything, &sh);
	ASSERT_LE(0, greedy);
	close(sh.ready[1]);
	/* User A holds its whole share (end of file: it failed, and said why). */
	ASSERT_EQ(1, read(sh.ready[0], &c, 1)) TH_LOG("%s", path);
	close(sh.ready[0]);
	EXPECT_EQ(0, as_user(USER_B, 8 * MiB, still_room, &sh)) TH_LOG("%s", path);
	kill(greedy, SIGKILL);
	waitpid(greedy, NULL, 0);
}

TEST(one_user_cannot_exhaust_a_shared_arena)
{
	struct named n = { .name = "hostile-share", .size = 32 * MiB };

	make_open_node();
	ASSERT_EQ(0, named_new(&n));
	one_user_cannot_starve_another(_metadata, "/dev/arenas/hostile-share");
	EXPECT_EQ(0, named_del(n.name));
	/* The default arena (64 MiB) too. */
	one_user_cannot_starve_another(_metadata, OPEN_NODE);
}

/* --- 4: a node opens only the arena it was made for ------------------------ */

TEST(a_stale_node_opens_nothing)
{
	struct named old = { .name = "hostile-old", .size = 2 * MiB };
	struct named new = { .name = "hostile-new", .size = 2 * MiB, .dev_mode = 0600 };
	struct stat st, now;
	char name[32];
	int fd, i, found = 0;

	ASSERT_EQ(0, named_new(&old));
	ASSERT_EQ(0, stat("/dev/arenas/hostile-old", &st));
	/* A node made by hand (a container's /dev), mode 0666, as the old one. */
	unlink("/tmp/hostile-stale");
	ASSERT_EQ(0, mknod("/tmp/hostile-stale", S_IFCHR | 0666, st.st_rdev));
	ASSERT_EQ(0, chmod("/tmp/hostile-stale", 0666));
	fd = open("/dev/arenas/hostile-old", O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	usleep(50000);	/* the nodes are older than anything made from here on */
	ASSERT_EQ(0, named_del(old.name));

	/* Make arenas until one gets the old number, whatever the policy. */
	for (i = 0; i < 300 && !found; i++) {
		snprintf(name, sizeof(name), "hostile-n%d", i);
		new.name = name;
		ASSERT_EQ(0, named_new(&new));
		ASSERT_EQ(0, stat("/dev/arenas/", &now));
		snprintf(name, sizeof(name), "/dev/arenas/hostile-n%d", i);
		ASSERT_EQ(0, stat(name, &now));
		found = now.st_rdev == st.st_rdev;
		if (!found) {
			snprintf(name, sizeof(name), "hostile-n%d", i);
			ASSERT_EQ(0, named_del(name));
		}
	}
	ASSERT_TRUE(found);
	TH_LOG("arena %s got the old node's number after %d tries", name, i);

	/* Neither the stale node nor the removed one's inode opens it. */
	errno = 0;
	EXPECT_EQ(-1, open("/tmp/hostile-stale", O_RDWR | O_CLOEXEC));
	EXPECT_EQ(ENODEV, errno);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	errno = 0;
	EXPECT_EQ(-1, open(name, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	unlink("/tmp/hostile-stale");
	snprintf(name, sizeof(name), "hostile-n%d", i - 1);
	EXPECT_EQ(0, named_del(name));
}

/* --- 5, 6: creation costs nothing before its checks, and can be killed ----- */

/* A fresh memory cgroup; 0, or -errno (no cgroup2 memory controller). */
static int fresh_cgroup(void)
{
	if (access(CGROOT "/cgroup.controllers", F_OK) &&
	    mount("none", CGROOT, "cgroup2", 0, NULL))
		return -errno;
	write_file(CGROOT "/cgroup.subtree_control", "+memory");
	rmdir(CG);
	if (mkdir(CG, 0755))
		return -errno;
	return access(CG "/memory.peak", F_OK) ? -ENOENT : 0;
}

/* Fork a child into the cgroup; it runs @fn as USER_A, itself (no fork). */
static pid_t spawn_in_cgroup(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	char buf[16];

	if (pid)
		return pid;
	snprintf(buf, sizeof(buf), "%d", getpid());
	if (write_file(CG "/cgroup.procs", buf))
		_exit(252);
	become_user(USER_A, ROOMY);
	_exit(fn(arg));
}

/* Far over max_memory, with the most metadata the geometry checks allow. */
static int absurd_create(void *arg)
{
	struct arena_create c = {
		.mode = ARENA_MODE_FIXED, .slot_size = 1, .align = 1,
		.slot_count = 1ULL << 31, .chunk_order = 0, .node = ARENA_NODE_LOCAL,
	};
	int fd = open_node(O_RDWR);

	(void)arg;
	CHECK(fd >= 0);
	CHECK(ioctl(fd, ARENA_IOC_CREATE, &c) && errno == EDQUOT);
	return 0;
}

TEST(refused_creation_allocates_nothing_first)
{
	pid_t pid;
	int status, ret = fresh_cgroup();
	long peak;

	if (ret)
		SKIP(return, "no cgroup2 memory.peak here (%s)", strerror(-ret));
	make_open_node();
	pid = spawn_in_cgroup(absurd_create, NULL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	peak = read_ll(CG "/memory.peak");
	TH_LOG("the refused call's cgroup peaked at %ld kB", peak / 1024);
	EXPECT_GT(16 * MiB, (uint64_t)peak);
	rmdir(CG);
}

static int big_create(void *arg)
{
	int fd = private_buddy(768 * MiB, 0);

	(void)arg;
	return fd < 0 ? -fd : 0;
}

TEST(a_killed_creator_stops_taking_memory)
{
	long peak, current = 0;
	int status, i, ret = fresh_cgroup();
	pid_t pid;

	if (ret)
		SKIP(return, "no cgroup2 memory.peak here (%s)", strerror(-ret));
	make_open_node();
	/*
	 * Free huge pages ready for the taking: the page allocator itself
	 * gives up on a killed task only when it must compact or reclaim,
	 * so only ready memory shows whether the module's loop stops.
	 */
	write_file("/proc/sys/vm/drop_caches", "3");
	write_file("/proc/sys/vm/compact_memory", "1");
	pid = spawn_in_cgroup(big_create, NULL);
	/* Kill it once it is taking chunks: 64 MiB of 768 charged. */
	for (i = 0; i < 60000 && current < (long)(64 * MiB); i++) {
		current = read_ll(CG "/memory.current");
		usleep(1000);
	}
	ASSERT_LE((long)(64 * MiB), current);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* It died of the kill, in the call (a finished one would have exited 0). */
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	peak = read_ll(CG "/memory.peak");
	TH_LOG("killed at %ld MiB charged; peak %ld MiB of 768", current >> 20, peak >> 20);
	EXPECT_GT((long)(384 * MiB), peak);
	rmdir(CG);
}

/* --- 9: read faults map read-only; names are [a-z0-9_-] ------------------- */

static int pmd_write_after_read(void *arg)
{
	struct arena_alloc a;
	int fd = private_buddy(8 * MiB, 0), fd2;
	uint64_t before;
	volatile char *p;

	(void)arg;
	CHECK(fd >= 0);
	CHECK(arena_alloc(fd, HPAGE, &a) == 0);
	p = arena_map(fd, a.offset, HPAGE);
	CHECK(p != MAP_FAILED);
	/*
	 * Soft-dirty tracking write-protects the VMA: a write must fault, so a
	 * read must not have installed a writable entry.
	 */
	fd2 = open("/proc/self/clear_refs", O_WRONLY);
	CHECK(fd2 >= 0 && write(fd2, "4", 1) == 1);
	close(fd2);
	before = arena_info(fd).pmd_faults;
	(void)p[0];
	CHECK(arena_info(fd).pmd_faults == before + 1);
	/* The entry a read installed is read-only: writing faults again. */
	p[0] = 1;
	CHECK(arena_info(fd).pmd_faults == before + 2);
	return 0;
}

TEST(a_read_fault_maps_read_only)
{
	int fd;

	make_open_node();
	fd = open_node(O_RDWR);
	ASSERT_LE(0, fd);
	if (!(arena_info(fd).features & ARENA_FEATURE_PMD_MAP))
		SKIP(close(fd); return, "this kernel maps no PMDs (6.1 without FS_DAX)");
	close(fd);
	EXPECT_EQ(0, as_user(USER_A, ROOMY, pmd_write_after_read, NULL));
}

TEST(names_are_lowercase_ascii)
{
	static const char *const bad[] = { "caf\xc3\xa9", "\xdf", "a\xe9" "b", "UP" };
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct named n = { .name = bad[i], .size = 2 * MiB };

		ret = named_new(&n);
		if (!ret)
			named_del(n.name);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("name %u", i);
	}
}

/* --- the edges of every ioctl and of mmap --------------------------------- */

static const uint64_t edges[] = {
	(1ULL << 32) - 4096, 1ULL << 32, (1ULL << 32) + 4096, (1ULL << 63) - 4096,
	1ULL << 63, ~0ULL - 4095, ~0ULL,
};

#define NR_EDGES	(sizeof(edges) / sizeof(edges[0]))

/* Sizes, offsets, lengths, counts and handles near 2^32, 2^63 and 2^64. */
static int every_edge(void *arg)
{
	int fd = private_buddy(4 * MiB, 0), dflt = open_node(O_RDWR), ret;
	struct arena_alloc a, big;
	struct arena_info info;
	unsigned int i, j;
	uint64_t h;
	void *p;

	(void)arg;
	CHECK(fd >= 0 && dflt >= 0);
	CHECK(arena_alloc(fd, 64 * KiB, &a) == 0);
	info = arena_info(fd);
	for (i = 0; i < NR_EDGES; i++) {
		uint64_t e = edges[i];
		struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = e,
					  .node = ARENA_NODE_LOCAL };
		struct arena_create f = { .mode = ARENA_MODE_FIXED, .slot_size = 4096,
					  .slot_count = e, .node = ARENA_NODE_LOCAL };
		struct arena_grant_desc d;
		struct arena_alloc_batch ab = { .size = e, .count = 1, .grants = (uintptr_t)&d };
		struct arena_free_batch fb = { .handles = e, .count = 1 };
		struct arena_export ex = { .handle = a.handle, .offset = e, .flags = O_RDWR };
		struct arena_sync sy = { .handle = a.handle, .offset = e, .length = 4096,
					 .flags = ARENA_SYNC_READ };
		int cfd = open_node(O_RDWR);

		/* Creation: too large for max_memory, or not a geometry. */
		CHECK(cfd >= 0);
		ret = ioctl(cfd, ARENA_IOC_CREATE, &c) ? errno : 0;
		CHECK(ret == EDQUOT || ret == EINVAL || ret == EOVERFLOW);
		ret = ioctl(cfd, ARENA_IOC_CREATE, &f) ? errno : 0;
		CHECK(ret == EDQUOT || ret == EINVAL || ret == EOVERFLOW);
		close(cfd);
		/* Grants can never be that large, by ioctl or by mmap. */
		CHECK(arena_alloc(fd, e, &big) == -EFBIG);
		CHECK(ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab) && errno == EFBIG);
		ab.size = 4096;
		ab.grants = e;
		CHECK(ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab) && errno == EFAULT);
		ab.count = (uint32_t)e;
		CHECK(ioctl(fd, ARENA_IOC_ALLOC_BATCH, &ab) && (errno == EINVAL || errno == EFAULT));
		/* No such handles; unreadable arrays. */
		CHECK(arena_free(fd, e) == -ENOENT);
		CHECK(ioctl(fd, ARENA_IOC_FREE_BATCH, &fb) && errno == EFAULT && fb.done == 0);
		h = e;
		fb.handles = (uintptr_t)&h;
		CHECK(ioctl(fd, ARENA_IOC_FREE_BATCH, &fb) && errno == ENOENT && fb.done == 0);
		/* Ranges past the grant, or wrapping around. */
		CHECK(ioctl(fd, ARENA_IOC_EXPORT, &ex) && errno == EINVAL);
		ex.offset = 0;
		ex.length = e & ~4095ULL;
		CHECK(ioctl(fd, ARENA_IOC_EXPORT, &ex) && errno == EINVAL);
		ex.offset = 4096;
		CHECK(ioctl(fd, ARENA_IOC_EXPORT, &ex) && errno == EINVAL);
		ex.handle = e;
		CHECK(ioctl(fd, ARENA_IOC_EXPORT, &ex) && errno == ENOENT);
		CHECK(ioctl(fd, ARENA_IOC_SYNC, &sy) && errno == EINVAL);
		sy.offset = 4096;
		sy.length = e;
		CHECK(ioctl(fd, ARENA_IOC_SYNC, &sy) && errno == EINVAL);
		/* mmap: past the grant, past the arena, or another cookie. */
		for (j = 0; j < 3; j++) {
			uint64_t base = j == 0 ? a.offset : j == 1 ? info.whole_offset : 0;
			int target = j == 2 ? dflt : fd;

			/*
			 * Either refused, or (a cookie one handle on) another
			 * grant of this very file, which reads as zero.
			 */
			p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, target, (off_t)(base + e));
			CHECK(p == MAP_FAILED || all_zero(p, 4096));
			if (p != MAP_FAILED)
				munmap(p, 4096);
		}
		/* Lengths the mm or the arena refuses. */
		p = mmap(NULL, (size_t)e, PROT_READ, MAP_SHARED, fd, (off_t)a.offset);
		CHECK(p == MAP_FAILED);
		p = mmap(NULL, (size_t)e, PROT_READ | PROT_WRITE, MAP_SHARED, dflt, 0);
		CHECK(p == MAP_FAILED);
	}
	close(fd);
	close(dflt);
	return 0;
}

TEST(every_ioctl_and_mmap_at_the_edges)
{
	make_open_node();
	EXPECT_EQ(0, as_user(USER_A, ROOMY, every_edge, NULL));
}

/* No descriptor left for the dma-buf: the export leaves nothing behind. */
static int export_without_fds(void *arg)
{
	struct arena_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct rlimit rl;
	struct arena_alloc a;
	int fd = private_buddy(4 * MiB, 0), spare, i;

	(void)arg;
	CHECK(fd >= 0);
	CHECK(arena_alloc(fd, 64 * KiB, &a) == 0);
	e.handle = a.handle;
	/* Every descriptor below the limit taken. */
	spare = dup(fd);
	CHECK(spare >= 0);
	rl.rlim_cur = rl.rlim_max = spare + 1;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	for (i = 0; i < 4; i++) {
		CHECK(ioctl(fd, ARENA_IOC_EXPORT, &e) && errno == EMFILE);
		CHECK(arena_info(fd).exported_grants == 0);
	}
	close(spare);
	CHECK(arena_free(fd, a.handle) == 0);
	CHECK(wait_live(fd, 0));
	CHECK(arena_info(fd).exported_grants == 0);
	return 0;
}

TEST(an_export_with_no_descriptor_left_leaks_nothing)
{
	make_open_node();
	EXPECT_EQ(0, as_user(USER_A, ROOMY, export_without_fds, NULL));
}

/* Eight threads sync a fresh export every way at once. */
struct syncer {
	int arena, buf;
	uint64_t handle;
};

static void *sync_loop(void *arg)
{
	struct syncer *s = arg;
	struct arena_sync as = { .handle = s->handle, .offset = 0, .length = 64 * KiB };
	struct dma_buf_sync ds;
	long bad = 0;
	int i;

	for (i = 0; i < 500; i++) {
		as.flags = (i % 3 + 1) | (i & 4 ? ARENA_SYNC_END : 0);
		bad += !!ioctl(s->arena, ARENA_IOC_SYNC, &as);
		ds.flags = (i % 3 + 1) | (i & 4 ? DMA_BUF_SYNC_END : DMA_BUF_SYNC_START);
		bad += !!ioctl(s->buf, DMA_BUF_IOCTL_SYNC, &ds);
	}
	return (void *)bad;
}

static int sync_from_eight_threads(void *arg)
{
	struct arena_export e = { .flags = O_RDWR | O_CLOEXEC };
	struct arena_alloc a;
	struct syncer s;
	pthread_t t[8];
	void *bad;
	int i, failed = 0;

	(void)arg;
	s.arena = private_buddy(4 * MiB, 0);
	CHECK(s.arena >= 0);
	CHECK(arena_alloc(s.arena, 64 * KiB, &a) == 0);
	e.handle = a.handle;
	CHECK(ioctl(s.arena, ARENA_IOC_EXPORT, &e) == 0);
	s.buf = e.fd;
	s.handle = a.handle;
	for (i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, sync_loop, &s) == 0);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], &bad);
		failed += bad != NULL;
	}
	CHECK(failed == 0);
	return 0;
}

TEST(eight_threads_sync_one_export)
{
	make_open_node();
	EXPECT_EQ(0, as_user(USER_A, ROOMY, sync_from_eight_threads, NULL));
}

/* A named arena its mode refuses, by its own node or by one made by hand. */
static int open_refused(void *arg)
{
	(void)arg;
	CHECK(open("/dev/arenas/hostile-closed", O_RDWR | O_CLOEXEC) < 0 && errno == EACCES);
	CHECK(open("/dev/arenas/hostile-closed", O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES);
	/* A node made (after the arena) with a wider mode grants no more. */
	CHECK(open("/tmp/hostile-wide", O_RDWR | O_CLOEXEC) < 0 && errno == EACCES);
	return 0;
}

static int open_group_read(void *arg)
{
	int fd;

	(void)arg;
	CHECK(open("/tmp/hostile-wide", O_RDWR | O_CLOEXEC) < 0 && errno == EACCES);
	fd = open("/tmp/hostile-wide", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	return 0;
}

TEST(a_named_arena_opens_only_for_whom_its_mode_allows)
{
	struct named n = { .name = "hostile-closed", .size = 2 * MiB, .dev_mode = 0640,
			   .dev_uid = 0, .dev_gid = USER_B };
	struct stat st;

	ASSERT_EQ(0, named_new(&n));
	ASSERT_EQ(0, stat("/dev/arenas/hostile-closed", &st));
	usleep(20000);	/* a node made by hand now is younger than the arena */
	unlink("/tmp/hostile-wide");
	ASSERT_EQ(0, mknod("/tmp/hostile-wide", S_IFCHR | 0666, st.st_rdev));
	ASSERT_EQ(0, chmod("/tmp/hostile-wide", 0666));
	EXPECT_EQ(0, as_user(USER_A, ROOMY, open_refused, NULL));
	/* Group USER_B may read (0640), not write, through either node. */
	EXPECT_EQ(0, as_user(USER_B, ROOMY, open_group_read, NULL));
	unlink("/tmp/hostile-wide");
	EXPECT_EQ(0, named_del(n.name));
}

TEST_HARNESS_MAIN
