// SPDX-License-Identifier: GPL-2.0
/*
 * The control plane: the "arena" generic netlink family, through arenactl
 * (run as a program, as an administrator would) and through raw libmnl
 * dumps where the test needs to see netlink flags.
 *
 * arenactl and jq are looked for next to this program (the VM lane copies
 * them there), then in PATH.  Unprivileged users are uids 1000 and 1001.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "../kselftest_harness.h"
#include "arena_nl.h"
#include "arena_util.h"

#define USER_A		1000
#define USER_B		1001
#define AS_US		((uid_t)-1)
#define STABLE_ARENAS	200

struct run {
	int status;		/* exit status, or 128 + signal */
	char out[256 * 1024];
	char err[8192];
};

/* @prog next to this test, else the bare name (found in PATH). */
static const char *tool(const char *prog)
{
	static char paths[2][PATH_MAX];
	char *slot = paths[strcmp(prog, "jq") == 0];
	ssize_t n = readlink("/proc/self/exe", slot, PATH_MAX - 32);

	if (n > 0) {
		slot[n] = 0;
		strcpy(strrchr(slot, '/') + 1, prog);
		if (access(slot, X_OK) == 0)
			return slot;
	}
	return prog;
}

/* Whether @prog, as tool() found it, is a program to run. */
static bool runnable(const char *prog)
{
	char path[PATH_MAX];
	const char *dirs = getenv("PATH"), *end;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (; dirs && *dirs; dirs = *end ? end + 1 : end) {
		end = strchrnul(dirs, ':');
		snprintf(path, sizeof(path), "%.*s/%s", (int)(end - dirs), dirs, prog);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Every case runs arenactl, and most read its JSON with jq: without them
 * (a kernel tree's kselftest run) the program skips, saying what it needs.
 */
static void __attribute__((constructor)) need_tools(void)
{
	if (runnable(tool("arenactl")) && runnable(tool("jq")))
		return;
	ksft_print_header();
	ksft_exit_skip("needs arenactl and jq, next to this program or in PATH\n");
}

static void become(uid_t uid)
{
	if (uid == AS_US)
		return;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(126);
}

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = 0;
	close(fd);
}

/* Run argv as @uid with @input on stdin; output and status into @r. */
static int run_input(struct run *r, uid_t uid, const char *input, char *const argv[])
{
	int out = memfd_create("out", 0), err = memfd_create("err", 0);
	int in = memfd_create("in", 0), st;
	pid_t pid;

	if (out < 0 || err < 0 || in < 0)
		return -1;
	if (input && write(in, input, strlen(input)) != (ssize_t)strlen(input))
		return -1;
	pid = fork();
	if (pid == 0) {
		lseek(in, 0, SEEK_SET);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		become(uid);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	return r->status;
}

#define ctl(r, uid, ...) \
	run_input(r, uid, NULL, (char *const[]){ (char *)tool("arenactl"), __VA_ARGS__, NULL })

/* jq -e @filter over @json: 0 if the filter's last output is true. */
static int jq_true(const char *json, const char *filter)
{
	static struct run r;

	run_input(&r, AS_US, json, (char *const[]){ (char *)tool("jq"), "-e", (char *)filter,
						    NULL });
	if (r.status)
		fprintf(stderr, "# jq '%s' exited %d: %s\n", filter, r.status, r.err);
	return r.status;
}

/* The id arenactl gives in "made arena ID ...". */
static unsigned int made_id(const struct run *r)
{
	unsigned int id = 0;

	sscanf(r->out, "made arena %u", &id);
	return id;
}

/*
 * Tests longer than a tenth of the harness's default 30 s on the debug lane
 * name their own limit, ten times what they took there (arena_util.h).
 */
FIXTURE(timed) {};
FIXTURE_SETUP(timed) {}
FIXTURE_TEARDOWN(timed) {}

/* 4.0 s on the debug lane */
TEST_F_TIMEOUT(timed, usage, 60)
{
	static struct run r;

	EXPECT_EQ(0, ctl(&r, AS_US, "--help"));
	EXPECT_NE(NULL, strstr(r.out, "usage: arenactl"));
	EXPECT_EQ(0, ctl(&r, AS_US, "create", "--help"));
	EXPECT_NE(NULL, strstr(r.out, "--min-block"));
	EXPECT_EQ(0, ctl(&r, AS_US, "show", "--help"));
	EXPECT_EQ(0, ctl(&r, AS_US, "delete", "--help"));
	EXPECT_EQ(0, ctl(&r, AS_US, "list", "--help"));
	EXPECT_EQ(0, ctl(&r, AS_US, "monitor", "--help"));

	EXPECT_EQ(2, run_input(&r, AS_US, NULL, (char *const[]){ (char *)tool("arenactl"), NULL }));
	EXPECT_EQ(2, ctl(&r, AS_US, "frobnicate"));
	EXPECT_NE(NULL, strstr(r.err, "unknown command 'frobnicate'"));
	EXPECT_EQ(2, ctl(&r, AS_US, "-x", "list"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "a", "b"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "x", "--size", "1Q"));
	EXPECT_NE(NULL, strstr(r.err, "'1Q' is not a size"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "x", "--size", "99999999999T"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "x", "--flags", "turbo"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "x", "--perm", "rw"));
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "x", "--owner", "no-such-user-here"));
	EXPECT_EQ(2, ctl(&r, AS_US, "show"));
	EXPECT_EQ(2, ctl(&r, AS_US, "delete", "a", "b"));
	EXPECT_EQ(2, ctl(&r, AS_US, "monitor", "--count", "0"));
	/* Nothing was made by any of that. */
	EXPECT_EQ(1, ctl(&r, AS_US, "show", "x"));
}

/* 7.0 s on the debug lane */
TEST_F_TIMEOUT(timed, create_show_list_delete, 90)
{
	static struct run r;
	unsigned int id;
	struct stat st;
	char ids[16];
	char *line;

	ASSERT_EQ(0, ctl(&r, AS_US, "create", "lc", "--size", "4M", "--min-block", "4K",
			 "--owner", "1000", "--group", "1000", "--perm", "0640")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "/dev/arenas/lc"));
	id = made_id(&r);
	ASSERT_NE(0, id);

	ASSERT_EQ(0, stat("/dev/arenas/lc", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0640, st.st_mode & 07777);
	EXPECT_EQ(USER_A, st.st_uid);
	EXPECT_EQ(USER_A, st.st_gid);

	EXPECT_EQ(0, ctl(&r, AS_US, "show", "lc"));
	EXPECT_NE(NULL, strstr(r.out, "\"lc\": named, buddy, 4M")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "device: /dev/arenas/lc owner 1000 group 1000 mode 0640; "
			       "dma-buf heap: none\n")) TH_LOG("%s", r.out);
	snprintf(ids, sizeof(ids), "%u", id);
	EXPECT_EQ(0, ctl(&r, AS_US, "show", ids));
	EXPECT_NE(NULL, strstr(r.out, "\"lc\""));

	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "lc"));
	EXPECT_EQ(0, jq_true(r.out, ".name == \"lc\" and .kind == \"named\" and "
			     ".mode == \"buddy\" and .size == 4194304 and .min_block == 4096 and "
			     ".dev_uid == 1000 and .dev_mode == \"0640\" and .dma_heap == false and "
			     ".stats.bytes_live == 0 and .holders == 0"));

	/* The HEAP column: no for a named arena without one, - where none can be asked. */
	EXPECT_EQ(0, ctl(&r, AS_US, "list"));
	EXPECT_NE(NULL, strstr(r.out, " lc ")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, " DOMAIN   HEAP\n")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, " isolated no\n")) TH_LOG("%s", r.out);
	line = strstr(r.out, " default ");
	ASSERT_NE(NULL, line) TH_LOG("%s", r.out);
	EXPECT_EQ(0, strncmp(strchr(line, '\n') - 2, " -", 2)) TH_LOG("%s", r.out);
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "list"));
	EXPECT_EQ(0, jq_true(r.out, "(map(select(.name == \"lc\")) | length) == 1 and "
			     "any(.[]; .kind == \"default\" and (has(\"dma_heap\") | not))"));
	/* Anyone may look. */
	EXPECT_EQ(0, ctl(&r, USER_B, "-j", "list"));
	EXPECT_EQ(0, jq_true(r.out, "any(.[]; .name == \"lc\")"));

	EXPECT_EQ(0, ctl(&r, AS_US, "delete", "lc")) TH_LOG("%s", r.err);
	EXPECT_NE(0, stat("/dev/arenas/lc", &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(1, ctl(&r, AS_US, "show", "lc"));
	EXPECT_NE(NULL, strstr(r.err, "No such file or directory: no arena of that id or name"))
		TH_LOG("%s", r.err);

	/* A fixed arena, removed by id. */
	ASSERT_EQ(0, ctl(&r, AS_US, "create", "fx", "--slot-size", "64K", "--slots", "16",
			 "--flags", "skip-zeroing", "--one-domain")) TH_LOG("%s", r.err);
	id = made_id(&r);
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "fx"));
	EXPECT_EQ(0, jq_true(r.out, ".mode == \"fixed\" and .slot_size == 65536 and "
			     ".slot_count == 16 and .flags == \"skip-zeroing\" and "
			     ".dev_mode == \"0600\" and .dev_uid == 0"));
	snprintf(ids, sizeof(ids), "%u", id);
	EXPECT_EQ(0, ctl(&r, AS_US, "delete", ids)) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, AS_US, "show", "fx"));
}

/* 4.4 s on the debug lane */
TEST_F_TIMEOUT(timed, errors, 60)
{
	static struct run r;
	struct arena_alloc a;
	char ids[16];
	void *p;
	int fd;

	ASSERT_EQ(0, ctl(&r, AS_US, "create", "dup", "--size", "2M")) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, AS_US, "create", "dup", "--size", "2M"));
	EXPECT_NE(NULL, strstr(r.err, "File exists: an arena of that name exists"))
		TH_LOG("%s", r.err);

	EXPECT_EQ(1, ctl(&r, AS_US, "create", "bad", "--size", "3M"));
	EXPECT_NE(NULL, strstr(r.err, "create: Invalid argument: invalid geometry"))
		TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, AS_US, "create", "bad", "--mode", "fixed", "--size", "2M",
			 "--slot-size", "4K", "--slots", "4"));
	EXPECT_NE(NULL, strstr(r.err, "Invalid argument: a fixed arena takes slot size"))
		TH_LOG("%s", r.err);
	/*
	 * Names are checked before they go into a message (as the kernel
	 * would): a long one overflowed the request buffer on the stack.
	 */
	{
		static char long_name[20000];

		memset(long_name, 'a', sizeof(long_name) - 1);
		EXPECT_EQ(2, ctl(&r, AS_US, "create", long_name, "--size", "2M"));
		EXPECT_NE(NULL, strstr(r.err, "...' is not an arena name")) TH_LOG("%s", r.err);
		EXPECT_EQ(2, ctl(&r, AS_US, "show", long_name));
		EXPECT_EQ(2, ctl(&r, AS_US, "delete", long_name));
	}
	EXPECT_EQ(2, ctl(&r, AS_US, "create", "Bad/Name", "--size", "2M"));
	EXPECT_NE(NULL, strstr(r.err, "'Bad/Name' is not an arena name (1 to 31 of a-z, 0-9, _"))
		TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, AS_US, "create", "bad", "--size", "2M", "--perm", "01777"));
	EXPECT_NE(NULL, strstr(r.err, "create: Numerical result out of range: integer out of range"))
		TH_LOG("%s", r.err);
	/*
	 * A dma-buf heap: refused before anything is made, where the kernel
	 * takes no heap from a module, and where arena_heap.ko (never loaded
	 * in these lanes: it could not be unloaded) is missing.
	 */
	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, ctl(&r, AS_US, "create", "heapless", "--size", "2M", "--dma-heap"));
	EXPECT_NE(NULL, strstr(r.err, arena_info(fd).features & ARENA_FEATURE_DMA_HEAP ?
			       "Operation not supported: arena_heap.ko is not loaded: load it first" :
			       "Operation not supported: this kernel takes no dma-buf heap from a module"))
		TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, AS_US, "show", "heapless"));
	close(fd);
	EXPECT_EQ(1, ctl(&r, AS_US, "create", "bad", "--size", "2M", "--node", "4000"));
	EXPECT_NE(NULL, strstr(r.err, "no such NUMA node online")) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, AS_US, "show", "bad"));

	/* Unprivileged: refused, and told why. */
	EXPECT_EQ(1, ctl(&r, USER_A, "create", "mine", "--size", "2M"));
	EXPECT_NE(NULL, strstr(r.err, "Operation not permitted: named arenas are made and "
			       "removed with CAP_SYS_ADMIN")) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, USER_A, "delete", "dup"));
	EXPECT_NE(NULL, strstr(r.err, "Operation not permitted")) TH_LOG("%s", r.err);

	EXPECT_EQ(1, ctl(&r, AS_US, "delete", "nosuch"));
	EXPECT_NE(NULL, strstr(r.err, "No such file or directory: no named arena"));

	/* Only named arenas are removed over netlink. */
	fd = arena_open_buddy(2 * MiB, 4 * KiB, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(ARENA_KIND_PRIVATE, arena_info(fd).kind);
	snprintf(ids, sizeof(ids), "%u", arena_info(fd).id);
	EXPECT_EQ(1, ctl(&r, AS_US, "delete", ids));
	EXPECT_NE(NULL, strstr(r.err, "No such file or directory"));
	close(fd);

	/* In use: an open file, then a mapping that outlives the file. */
	fd = open("/dev/arenas/dup", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "dup"));
	EXPECT_EQ(0, jq_true(r.out, ".holders == 1"));
	EXPECT_EQ(1, ctl(&r, AS_US, "delete", "dup"));
	EXPECT_NE(NULL, strstr(r.err, "Device or resource busy: in use")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, arena_alloc(fd, 64 * KiB, &a));
	p = arena_map(fd, a.offset, 64 * KiB);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	EXPECT_EQ(1, ctl(&r, AS_US, "delete", "dup"));
	EXPECT_NE(NULL, strstr(r.err, "Device or resource busy")) TH_LOG("%s", r.err);
	munmap(p, 64 * KiB);
	EXPECT_EQ(0, ctl(&r, AS_US, "delete", "dup")) TH_LOG("%s", r.err);
}

/* As @uid: open @path, take 4 KiB, write and read it back; errno or 0. */
static int use_as(uid_t uid, const char *path)
{
	struct arena_alloc a;
	pid_t pid = fork();
	int st, fd;
	char *p;

	if (pid == 0) {
		become(uid);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(errno);
		if (arena_alloc(fd, 4 * KiB, &a))
			_exit(100);
		p = arena_map(fd, a.offset, 4 * KiB);
		if (p == MAP_FAILED)
			_exit(101);
		strcpy(p, "mine");
		_exit(strcmp(p, "mine") ? 102 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(device_permissions)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 2 * MiB, .node = -1 };
	static struct run r;
	int fd;

	ASSERT_EQ(0, ctl(&r, AS_US, "create", "perm", "--size", "2M", "--owner", "1000",
			 "--perm", "0600")) TH_LOG("%s", r.err);
	EXPECT_EQ(0, use_as(USER_A, "/dev/arenas/perm"));
	EXPECT_EQ(EACCES, use_as(USER_B, "/dev/arenas/perm"));
	/* A named arena's file is bound to it from the start. */
	fd = open("/dev/arenas/perm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, ARENA_IOC_CREATE, &c));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(ARENA_KIND_NAMED, arena_info(fd).kind);
	EXPECT_EQ(2 * MiB, arena_info(fd).size);
	close(fd);
	/* The default device stays as it was. */
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "perm"));
	EXPECT_EQ(0, jq_true(r.out, ".stats.allocations_ok == 1 and .holders == 0 and "
			     ".stats.live_grants == 0"));
	EXPECT_EQ(0, ctl(&r, AS_US, "delete", "perm")) TH_LOG("%s", r.err);
}

/* The counters arenactl shows follow use: live bytes, grants, fragmentation. */
TEST(counters)
{
	struct arena_alloc a[32];
	static struct run r;
	int fd, i;

	ASSERT_EQ(0, ctl(&r, AS_US, "create", "cnt", "--size", "2M", "--min-block", "64K"))
		TH_LOG("%s", r.err);
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "cnt"));
	EXPECT_EQ(0, jq_true(r.out, ".stats.fragmentation_permille == 0 and "
			     ".stats.largest_free_block == 2097152"));
	fd = open("/dev/arenas/cnt", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, arena_alloc(fd, 64 * KiB - 100, &a[i]));
	/* Every other block back: 1 MiB free in 64 KiB crumbs. */
	for (i = 0; i < 32; i += 2)
		ASSERT_EQ(0, arena_free(fd, a[i].handle));
	ASSERT_TRUE(wait_live(fd, 16));
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "cnt"));
	EXPECT_EQ(0, jq_true(r.out, ".holders == 1 and .stats.live_grants == 16 and "
			     ".stats.bytes_reserved == 1048576 and "
			     ".stats.bytes_live == 16 * (65536 - 100) and "
			     ".stats.allocations_ok == 32 and .stats.frees == 16 and "
			     ".stats.largest_free_block == 65536 and "
			     ".stats.fragmentation_permille == 938")) TH_LOG("%s", r.out);
	EXPECT_EQ(0, ctl(&r, AS_US, "show", "cnt"));
	EXPECT_NE(NULL, strstr(r.out, "16 grants, ")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "fragmentation 93.8%")) TH_LOG("%s", r.out);
	close(fd);
	ASSERT_EQ(0, ctl(&r, AS_US, "delete", "cnt")) TH_LOG("%s", r.err);
}

/*
 * The largest grants an arena can give now: with a 4 KiB block in the
 * third of four chunks (a 4 MiB span took the first two, and the block's
 * lane found no free chunk of its own before it), the longest free run is
 * two chunks, and a chunk at most is contiguous.
 */
TEST(largest_free_grants)
{
	struct arena_alloc a, b;
	static struct run r;
	int fd;

	ASSERT_EQ(0, ctl(&r, AS_US, "create", "big", "--size", "8M")) TH_LOG("%s", r.err);
	fd = open("/dev/arenas/big", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "big"));
	EXPECT_EQ(0, jq_true(r.out, ".stats.largest_free_grant == 8388608 and "
			     ".stats.largest_free_contig == 2097152 and "
			     ".stats.span_fragmentation_permille == 0")) TH_LOG("%s", r.out);
	ASSERT_EQ(0, arena_alloc(fd, 4 * MiB, &a));	/* chunks 0 and 1 */
	ASSERT_EQ(0, arena_alloc(fd, 4 * KiB, &b));	/* chunk 2 */
	EXPECT_EQ(4 * MiB, b.arena_offset);
	ASSERT_EQ(0, arena_free(fd, a.handle));
	ASSERT_TRUE(wait_live(fd, 1));
	EXPECT_EQ(0, ctl(&r, AS_US, "-j", "show", "big"));
	/* Free: 8M - 4K; the longest run is chunks 0 and 1. */
	EXPECT_EQ(0, jq_true(r.out, ".stats.largest_free_grant == 4194304 and "
			     ".stats.largest_free_contig == 2097152 and "
			     ".stats.span_fragmentation_permille == 500")) TH_LOG("%s", r.out);
	EXPECT_EQ(0, ctl(&r, AS_US, "show", "big"));
	EXPECT_NE(NULL, strstr(r.out, "largest grant now: 4M, 2M physically contiguous; "
				      "span fragmentation 50.0%")) TH_LOG("%s", r.out);
	close(fd);
	ASSERT_EQ(0, ctl(&r, AS_US, "delete", "big")) TH_LOG("%s", r.err);
}

/* Unloading takes named arenas with it; refused while one is in use. */
TEST(named_arenas_go_with_the_module)
{
	static struct run r;
	struct stat st;
	int fd;

	if (!getenv("ARENA_KO"))
		SKIP(return, "set ARENA_KO to the path of arena.ko");
	ASSERT_EQ(0, ctl(&r, AS_US, "create", "unl", "--size", "2M")) TH_LOG("%s", r.err);
	fd = open("/dev/arenas/unl", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, arena_module_unload());
	close(fd);
	ASSERT_EQ(0, arena_module_unload());
	EXPECT_NE(0, stat("/dev/arenas/unl", &st));
	ASSERT_EQ(0, arena_module_load(""));
	EXPECT_EQ(1, ctl(&r, AS_US, "show", "unl"));
	/* A name freed by unload can be taken again. */
	EXPECT_EQ(0, ctl(&r, AS_US, "create", "unl", "--size", "2M")) TH_LOG("%s", r.err);
	EXPECT_EQ(0, ctl(&r, AS_US, "delete", "unl")) TH_LOG("%s", r.err);
}

/* ---- dumps ----------------------------------------------------------------- */

struct dump {
	unsigned int ids[4096];
	size_t n;
	int interrupted;
};

static int dump_id(const struct nlattr *attr, void *data)
{
	struct dump *d = data;

	if (mnl_attr_get_type(attr) == ARENA_A_ID && d->n < 4096)
		d->ids[d->n++] = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int dump_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dump_id, data);
}

/*
 * Receive and parse one datagram of replies; the result of mnl_cb_run.
 * libmnl fails at a message marked NLM_F_DUMP_INTR: count the marks
 * (in *@interrupted) and take them off first.
 */
static int recv_some(struct mnl_socket *s, mnl_cb_t cb, void *data, int *interrupted)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int n = mnl_socket_recvfrom(s, buf, sizeof(buf)), len = n;
	struct nlmsghdr *nlh;

	if (n < 0)
		return -1;
	for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			(*interrupted)++;
		}
	}
	return mnl_cb_run(buf, n, 0, 0, cb, data);
}

static int start_dump(struct mnl_socket *s, uint16_t family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_msg(buf, family, ARENA_CMD_GET, NLM_F_DUMP);

	return mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

/* Ids strictly increasing, and every one of @stable there exactly once. */
static int dump_complete(const struct dump *d, const unsigned int *stable, size_t n)
{
	size_t i, j, found = 0;

	for (i = 1; i < d->n; i++)
		if (d->ids[i] <= d->ids[i - 1])
			return 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < d->n; j++)
			if (d->ids[j] == stable[i]) {
				found++;
				break;
			}
	return found == n;
}

FIXTURE(dumps) {
	struct mnl_socket *sock;
	uint16_t family;
	int fds[STABLE_ARENAS];
	unsigned int ids[STABLE_ARENAS];
};

/* Small arenas: 8 KiB chunks. */
static int small_arena(void)
{
	struct arena_create c = {
		.mode = ARENA_MODE_BUDDY, .size = 8 * KiB, .min_block = 4 * KiB,
		.chunk_order = 1, .node = ARENA_NODE_LOCAL,
	};

	return arena_open_create(&c);
}

FIXTURE_SETUP(dumps)
{
	int i;

	self->sock = mnl_socket_open(NETLINK_GENERIC);
	ASSERT_NE(NULL, self->sock);
	ASSERT_EQ(0, mnl_socket_bind(self->sock, 0, MNL_SOCKET_AUTOPID));
	self->family = genl_arena_family(self->sock);
	ASSERT_NE(0, self->family);
	for (i = 0; i < STABLE_ARENAS; i++) {
		self->fds[i] = small_arena();
		ASSERT_LE(0, self->fds[i]);
		self->ids[i] = arena_info(self->fds[i]).id;
	}
}

FIXTURE_TEARDOWN(dumps)
{
	int i;

	for (i = 0; i < STABLE_ARENAS; i++)
		close(self->fds[i]);
	mnl_socket_close(self->sock);
}

static void dump_all(struct mnl_socket *s, uint16_t family, struct dump *d)
{
	memset(d, 0, sizeof(*d));
	if (start_dump(s, family))
		return;
	while (recv_some(s, dump_msg, d, &d->interrupted) > 0)
		;
}

/* A quiet registry dumps whole; a change between rounds marks the dump. */
TEST_F(dumps, interrupted_when_arenas_change)
{
	static struct dump d;
	int rounds = 0, ret;

	dump_all(self->sock, self->family, &d);
	EXPECT_EQ(0, d.interrupted);
	EXPECT_TRUE(dump_complete(&d, self->ids, STABLE_ARENAS));

	memset(&d, 0, sizeof(d));
	ASSERT_EQ(0, start_dump(self->sock, self->family));
	do {
		ret = recv_some(self->sock, dump_msg, &d, &d.interrupted);
		if (++rounds == 2)	/* a round is filled per receive */
			close(small_arena());
	} while (ret > 0);
	ASSERT_EQ(0, ret);
	EXPECT_LT(3, rounds) TH_LOG("the dump took only %d rounds", rounds);
	EXPECT_LT(0, d.interrupted);
	/* Arenas there all along are never missed, even in a marked dump. */
	EXPECT_TRUE(dump_complete(&d, self->ids, STABLE_ARENAS));
}

/* Dumps and arenactl -j list while another process makes and removes arenas. */
/* 4.8 s on the debug lane: ten times that */
TEST_F_TIMEOUT(dumps, consistent_under_churn, 60)
{
	static struct dump d;
	static struct run r;
	int i, marked = 0;
	pid_t churn;

	churn = fork();
	ASSERT_LE(0, churn);
	if (churn == 0) {
		for (;;)
			close(small_arena());
	}
	for (i = 0; i < 30; i++) {
		dump_all(self->sock, self->family, &d);
		marked += d.interrupted != 0;
		EXPECT_TRUE(dump_complete(&d, self->ids, STABLE_ARENAS));
	}
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, ctl(&r, AS_US, "-j", "list")) TH_LOG("%s", r.err);
		EXPECT_EQ(0, jq_true(r.out, "[.[] | select(.kind == \"private\")] | "
				     "length >= 200"));
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	TH_LOG("%d of 30 dumps were marked interrupted", marked);
}

/* ---- events ---------------------------------------------------------------- */

/* arenactl monitor in the background, once it listens; its output in @out. */
static pid_t start_monitor(int out, char *const argv[])
{
	int errp[2];
	char buf[256] = "";
	ssize_t n, have = 0;
	pid_t pid;

	if (pipe(errp))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(out, 1);
		dup2(errp[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(errp[1]);
	while (!strstr(buf, "watching") && have < (ssize_t)sizeof(buf) - 1) {
		n = read(errp[0], buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += n;
		buf[have] = 0;
	}
	close(errp[0]);
	return strstr(buf, "watching") ? pid : -1;
}

static int wait_exit(pid_t pid)
{
	int st, i;

	for (i = 0; i < 1200; i++) {	/* 60 s: for a slow machine; normally ms */
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Made, low, full, removed: each heard, in order, about the right arena. */
TEST(monitor_hears_every_kind)
{
	static struct run r;
	static char events[16384];
	struct arena_alloc a;
	int out = memfd_create("events", 0), fd, n = 0;
	pid_t mon;

	ASSERT_LE(0, out);
	mon = start_monitor(out, (char *const[]){ (char *)tool("arenactl"), "-j", "monitor",
						  "--count", "4", NULL });
	ASSERT_LT(0, mon);

	ASSERT_EQ(0, ctl(&r, AS_US, "create", "ev", "--size", "2M", "--min-block", "64K"))
		TH_LOG("%s", r.err);
	fd = open("/dev/arenas/ev", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	while (arena_alloc(fd, 64 * KiB, &a) == 0)
		n++;
	EXPECT_EQ(32, n);
	close(fd);
	ASSERT_EQ(0, ctl(&r, AS_US, "delete", "ev")) TH_LOG("%s", r.err);

	EXPECT_EQ(0, wait_exit(mon));
	slurp(out, events, sizeof(events));
	run_input(&r, AS_US, events, (char *const[]){ (char *)tool("jq"), "-e", "-s",
		  "map(.event) == [\"made\", \"low\", \"full\", \"removed\"] and "
		  "all(.[]; .arena.name == \"ev\" and .arena.kind == \"named\") and "
		  ".[2].arena.stats.allocations_failed >= 1", NULL });
	EXPECT_EQ(0, r.status) TH_LOG("events: %s", events);

	/* Text output: one line per event. */
	out = memfd_create("events", 0);
	mon = start_monitor(out, (char *const[]){ (char *)tool("arenactl"), "monitor",
						  "--count", "2", NULL });
	ASSERT_LT(0, mon);
	ASSERT_EQ(0, ctl(&r, AS_US, "create", "ev2", "--size", "2M")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, ctl(&r, AS_US, "delete", "ev2")) TH_LOG("%s", r.err);
	EXPECT_EQ(0, wait_exit(mon));
	slurp(out, events, sizeof(events));
	EXPECT_EQ(0, strncmp(events, "made    arena ", 14)) TH_LOG("%s", events);
	EXPECT_NE(NULL, strstr(events, "\nremoved arena ")) TH_LOG("%s", events);
	EXPECT_NE(NULL, strstr(events, "\"ev2\" (named)")) TH_LOG("%s", events);
}

TEST_HARNESS_MAIN
