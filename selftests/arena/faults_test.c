// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures, every one in turn: with failslab and
 * fail_page_alloc armed for this thread only (/proc/thread-self/fail-nth),
 * each operation is run with its 1st, 2nd, 3rd ... allocation failing,
 * until it runs without reaching the armed one.  After every run the
 * operation must have either succeeded (the failure had a fallback) or
 * failed with ENOMEM (ENOBUFS for netlink, whose lost replies say so), and
 * left nothing half-made: no grant live, no fd, no arena listed or node
 * present that should not be, and what should still be there works.  At
 * the end the module must unload (nothing leaked holds it) and is loaded
 * again; the lane's kmemleak scans follow.
 *
 * Needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB and
 * FAIL_PAGE_ALLOC (the debug lane), root, arena_importer loaded, and
 * ARENA_KO for the reload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "arena_nl.h"
#include "arena_util.h"
#include "arena_importer.h"

#include "../kselftest_harness.h"

#define IMPORTER_DEV	"/dev/arena_importer"
#define FAULT_DEBUGFS	"/sys/kernel/debug"
#define MAX_SITES	5000	/* a walk longer than this is a runaway */

struct ctx {
	int nth;		/* /proc/thread-self/fail-nth */
	int fd;			/* the file an operation works on */
	int importer;
	int dmabuf;
	int next_fd;		/* the lowest free fd before the operation */
	uint64_t handle;
	uint64_t cookie;
	uint64_t size;
	void *map;
	uint16_t family;
	struct mnl_socket *nl;	/* per operation run, made before arming */
	int baseline;		/* arenas listed before the walk */
};

/* --- the knobs -------------------------------------------------------- */

static int put_knob(const char *attr, const char *knob, const char *value)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s/%s", attr, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * fail-nth bypasses probability and task filters, but not the attributes'
 * gfp filters, which by default spare the GFP_KERNEL allocations that are
 * almost all of ours; and fail_page_alloc spares order 0 by default.
 * verbose 0: a stack dump per injected failure would drown the log.
 */
static int arm_attributes(int on)
{
	const char *gfp = on ? "N" : "Y";

	return put_knob("failslab", "ignore-gfp-wait", gfp) ||
	       put_knob("failslab", "verbose", on ? "0" : "2") ||
	       put_knob("fail_page_alloc", "ignore-gfp-wait", gfp) ||
	       put_knob("fail_page_alloc", "ignore-gfp-highmem", gfp) ||
	       put_knob("fail_page_alloc", "min-order", on ? "0" : "1") ||
	       put_knob("fail_page_alloc", "verbose", on ? "0" : "2");
}

static void set_nth(struct ctx *c, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(c->nth, buf, len, 0) != len)
		abort();
}

/* What is left of the count: 0 once the armed allocation has failed. */
static unsigned int get_nth(struct ctx *c)
{
	char buf[16] = "";

	if (pread(c->nth, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	return strtoul(buf, NULL, 10);
}

/* --- netlink ---------------------------------------------------------- */


static int nl_named(struct ctx *c, struct mnl_socket *s, uint8_t cmd, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_msg(buf, c->family, cmd, NLM_F_ACK);

	mnl_attr_put_strz(nlh, ARENA_A_NAME, name);
	if (cmd == ARENA_CMD_NEW) {
		mnl_attr_put_u32(nlh, ARENA_A_MODE, ARENA_MODE_BUDDY);
		mnl_attr_put_u64(nlh, ARENA_A_SIZE, 4 * MiB);
	}
	return nl_talk(s, nlh, NULL);
}

/* The same, on a socket of its own, never armed. */
static int nl_named_now(struct ctx *c, uint8_t cmd, const char *name)
{
	struct mnl_socket *s = nl_open();
	int ret;

	if (!s)
		return -errno;
	ret = nl_named(c, s, cmd, name);
	mnl_socket_close(s);
	return ret;
}

static int arenas_listed(struct ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *s = nl_open();
	int n = -1;

	if (!s)
		return -1;
	if (nl_talk(s, genl_msg(buf, c->family, ARENA_CMD_GET, NLM_F_DUMP), &n))
		n = -1;
	mnl_socket_close(s);
	return n;
}

/*
 * The arenas listed, once it is @want: a private arena goes when its last
 * reference does, which a grant's zeroing on the worker may hold a little
 * after the file and the mapping are gone (seconds, under KASAN on a busy
 * host).  Gives up after a minute.
 */
static int arenas_settled(struct ctx *c, int want)
{
	int n, i;

	for (i = 0; i < 600; i++) {
		n = arenas_listed(c);
		if (n == want)
			break;
		usleep(100000);
	}
	return n;
}

static char state_why[128];	/* what named_state() found half-made */

/* A named arena is whole: listed, its node there, and it opens. */
static int named_state(struct ctx *c, const char *name)
{
	char path[64];
	int listed, fd;

	snprintf(path, sizeof(path), "/dev/arenas/%s", name);
	listed = nl_named_now(c, ARENA_CMD_GET, name) == 0;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (listed && fd >= 0)
		return 1;	/* whole */
	if (!listed && fd < 0 && errno == ENOENT)
		return 0;	/* absent */
	snprintf(state_why, sizeof(state_why), "%s: %s, open: %s", name,
		 listed ? "listed" : "not listed", fd >= 0 ? "ok" : strerror(errno));
	return -1;		/* half-made */
}

/* --- the walk --------------------------------------------------------- */

struct op {
	const char *name;
	int (*prepare)(struct ctx *c);	/* not armed */
	int (*run)(struct ctx *c);	/* armed: 0 or -errno */
	int (*settle)(struct ctx *c, int ret);	/* not armed: 0 if consistent */
	int netlink;			/* failures may read ENOBUFS */
};

/* The lowest free fd: an operation that leaks one moves it. */
static int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void walk(struct __test_metadata *_metadata, struct ctx *c, const struct op *op)
{
	int n, ret, faults = 0, absorbed = 0, fd_before;
	unsigned int left;

	c->baseline = arenas_listed(c);
	ASSERT_LT(0, c->baseline);
	for (n = 1; n <= MAX_SITES; n++) {
		c->fd = c->dmabuf = -1;
		c->map = MAP_FAILED;
		c->nl = NULL;
		fd_before = next_fd();
		if (op->prepare)
			ASSERT_EQ(0, op->prepare(c)) TH_LOG("%s: preparing run %d", op->name, n);

		set_nth(c, n);
		ret = op->run(c);
		left = get_nth(c);
		set_nth(c, 0);

		if (left) {	/* ran without reaching allocation n: done */
			EXPECT_EQ(0, ret) TH_LOG("%s failed with no fault injected: %s",
						 op->name, strerror(-ret));
		} else {
			faults++;
			if (!ret)
				absorbed++;
			else
				EXPECT_TRUE(ret == -ENOMEM || (op->netlink && ret == -ENOBUFS))
					TH_LOG("%s, allocation %d failing: %s, not ENOMEM",
					       op->name, n, strerror(-ret));
		}
		if (c->nl)
			mnl_socket_close(c->nl);
		ASSERT_EQ(0, op->settle(c, ret))
			TH_LOG("%s, allocation %d failing (%s): left inconsistent state %s",
			       op->name, n, strerror(-ret), state_why);
		ASSERT_EQ(fd_before, next_fd()) TH_LOG("%s, allocation %d: an fd leaked",
						       op->name, n);
		ASSERT_EQ(c->baseline, arenas_settled(c, c->baseline))
			TH_LOG("%s, allocation %d: an arena was left behind", op->name, n);
		if (left)
			break;
	}
	ASSERT_GE(MAX_SITES, n) TH_LOG("%s: more than %d allocations", op->name, MAX_SITES);
	ASSERT_LT(0, faults) TH_LOG("%s: no allocation was ever failed", op->name);
	/* A summary line per operation; the lane's note adds them up. */
	printf("# faults: %s: %d allocation sites failed in turn, %d absorbed by a fallback\n",
	       op->name, faults, absorbed);
}

/* --- the operations --------------------------------------------------- */

static int private_arena(struct ctx *c)
{
	c->fd = arena_open_buddy(4 * MiB, 4 * KiB, 0);
	return c->fd < 0 ? c->fd : 0;
}

static int nothing_live(struct ctx *c)
{
	struct arena_info info;

	if (!wait_live(c->fd, 0))
		return -1;
	info = arena_info(c->fd);
	return info.bytes_live ? -1 : 0;
}

/* create: the file stays unbound after a failure and can still be made. */
static int create_prepare(struct ctx *c)
{
	c->fd = arena_open();
	return c->fd < 0 ? -errno : 0;
}

static int create_run(struct ctx *c)
{
	struct arena_create cr = {
		.mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .min_block = 4 * KiB,
		.node = ARENA_NODE_LOCAL,
	};

	return ioctl(c->fd, ARENA_IOC_CREATE, &cr) ? -errno : 0;
}

static int create_settle(struct ctx *c, int ret)
{
	int bad = 0;

	if (ret)
		bad = create_run(c);	/* nothing was bound half-way */
	if (!bad && arena_info(c->fd).size != 4 * MiB)
		bad = -1;
	close(c->fd);
	return bad;
}

/* The same for fixed slots, whose allocator has other allocation sites. */
static int create_fixed_run(struct ctx *c)
{
	struct arena_create cr = {
		.mode = ARENA_MODE_FIXED, .slot_size = 4 * KiB, .slot_count = 1024,
		.node = ARENA_NODE_LOCAL,
	};

	return ioctl(c->fd, ARENA_IOC_CREATE, &cr) ? -errno : 0;
}

static int create_fixed_settle(struct ctx *c, int ret)
{
	int bad = 0;

	if (ret)
		bad = create_fixed_run(c);
	if (!bad && arena_info(c->fd).size != 4 * MiB)
		bad = -1;
	close(c->fd);
	return bad;
}

static int alloc_run(struct ctx *c)
{
	struct arena_alloc a;
	int ret = arena_alloc(c->fd, 64 * KiB, &a);

	c->handle = a.handle;
	return ret;
}

static int alloc_settle(struct ctx *c, int ret)
{
	int bad = ret ? 0 : arena_free(c->fd, c->handle);

	bad = bad ?: nothing_live(c);
	close(c->fd);
	return bad;
}

/* ARENA_ALLOC_EXPORT: after a failure, no grant and no fd are left. */
static int alloc_export_prepare(struct ctx *c)
{
	int ret = private_arena(c);

	c->next_fd = ret ? -1 : dup(c->fd);
	if (c->next_fd >= 0)
		close(c->next_fd);
	return ret;
}

static int alloc_export_run(struct ctx *c)
{
	struct arena_alloc a = { .size = 64 * KiB, .flags = ARENA_ALLOC_EXPORT,
				 .export_flags = O_RDWR | O_CLOEXEC };

	c->dmabuf = -1;
	if (ioctl(c->fd, ARENA_IOC_ALLOC, &a))
		return -errno;
	c->dmabuf = a.fd;
	return 0;
}

static int alloc_export_settle(struct ctx *c, int ret)
{
	int bad = 0, probe;

	if (!ret && (c->dmabuf < 0 || arena_info(c->fd).exported_grants != 1))
		bad = -1;
	if (c->dmabuf >= 0)
		close(c->dmabuf);
	/* The lowest free fd is again the one the call took or would have. */
	probe = dup(c->fd);
	if (probe != c->next_fd)
		bad = -1;
	close(probe);
	bad = bad ?: nothing_live(c);
	close(c->fd);
	return bad;
}

#define BATCH	16
static struct arena_grant_desc batch[BATCH];
static struct arena_alloc_batch batch_req;

static int batch_run(struct ctx *c)
{
	batch_req = (struct arena_alloc_batch){
		.size = 4 * KiB, .grants = (uintptr_t)batch, .count = BATCH,
	};
	return ioctl(c->fd, ARENA_IOC_ALLOC_BATCH, &batch_req) ? -errno : 0;
}

static int batch_settle(struct ctx *c, int ret)
{
	uint64_t handles[BATCH];
	struct arena_free_batch f = { .handles = (uintptr_t)handles };
	unsigned int i;
	int bad = 0;

	if (!ret) {
		for (i = 0; i < batch_req.done; i++)
			handles[i] = batch[i].handle;
		f.count = batch_req.done;
		bad = ioctl(c->fd, ARENA_IOC_FREE_BATCH, &f) || f.done != batch_req.done;
	}
	bad = bad ?: nothing_live(c);
	close(c->fd);
	return bad;
}

/* A grant of c->size to work on, in a private arena. */
static int grant_prepare(struct ctx *c)
{
	struct arena_alloc a;
	int ret = private_arena(c);

	if (ret)
		return ret;
	ret = arena_alloc(c->fd, c->size, &a);
	c->handle = a.handle;
	c->cookie = a.offset;
	return ret;
}

static int grant_settle(struct ctx *c)
{
	int bad = arena_free(c->fd, c->handle);

	bad = bad ?: nothing_live(c);
	close(c->fd);
	return bad;
}

/* mmap and fault every page in (MADV_POPULATE_WRITE reports fault errors). */
static int map_run(struct ctx *c)
{
	c->map = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, c->cookie);
	if (c->map == MAP_FAILED)
		return -errno;
	return madvise(c->map, c->size, MADV_POPULATE_WRITE) ? -errno : 0;
}

static int map_settle(struct ctx *c, int ret)
{
	int bad = 0;

	if (c->map != MAP_FAILED) {
		/* What did get mapped is the grant's, and writable. */
		memset(c->map, 0x5a, c->size);
		bad = munmap(c->map, c->size);
	}
	(void)ret;
	return bad ?: grant_settle(c);
}

static int huge_prepare(struct ctx *c)
{
	c->size = HPAGE;
	return grant_prepare(c);
}

static int small_prepare(struct ctx *c)
{
	c->size = 64 * KiB;
	return grant_prepare(c);
}

static int export_run(struct ctx *c)
{
	struct arena_export e = { .handle = c->handle, .flags = O_RDWR | O_CLOEXEC };

	if (ioctl(c->fd, ARENA_IOC_EXPORT, &e))
		return -errno;
	c->dmabuf = e.fd;
	return 0;
}

static int export_settle(struct ctx *c, int ret)
{
	(void)ret;
	if (c->dmabuf >= 0)
		close(c->dmabuf);
	return grant_settle(c);
}

/*
 * The export's fd install with the fd table full: every slot of the table
 * the process has (FDSize in /proc/self/status; not always the 64 a process
 * starts with, since a shell may pass down a high fd) holds an fd, so
 * installing the dma-buf's fd must grow it, an allocation the walk fails in
 * turn like the module's own.  Once grown the table stays grown, so the
 * site is met once; the table's growth says that it was.
 */
static int fd_table_size(void)
{
	return file_field("/proc/self/status", "FDSize: %ld");
}

static int fillers[4096], nfillers, table_before;

static int full_fd_table_prepare(struct ctx *c)
{
	int ret = small_prepare(c), fd;

	if (!table_before)
		table_before = fd_table_size();
	if (table_before <= 0 || table_before > (int)ARRAY_SIZE(fillers))
		return -ERANGE;
	nfillers = 0;
	while (!ret) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		fillers[nfillers++] = fd;
		if (fd >= table_before - 1)
			break;
	}
	return ret;
}

static int full_fd_table_settle(struct ctx *c, int ret)
{
	while (nfillers)
		close(fillers[--nfillers]);
	return export_settle(c, ret);
}

/* A grant exported, for an importer to take. */
static int exported_prepare(struct ctx *c)
{
	int ret = small_prepare(c);

	return ret ?: export_run(c);
}

static int attach_run(struct ctx *c)
{
	return ioctl(c->importer, ARENA_IMPORTER_ATTACH, &c->dmabuf) ? -errno : 0;
}

static int attach_settle(struct ctx *c, int ret)
{
	int bad = 0;

	/* After a failure nothing is half-attached: attaching again works. */
	if (ret)
		bad = attach_run(c);
	ioctl(c->importer, ARENA_IMPORTER_DETACH);
	return export_settle(c, 0) ?: bad;
}

/* Attach, map for DMA, vmap, CPU access: the importer's whole round. */
static int import_run(struct ctx *c)
{
	struct arena_importer_check chk = { .fd = c->dmabuf, .fill = 1 };

	if (ioctl(c->importer, ARENA_IMPORTER_CHECK, &chk))
		return -errno;
	return chk.nents == 1 ? 0 : -EPROTO;
}

static int import_settle(struct ctx *c, int ret)
{
	(void)ret;
	return export_settle(c, 0);
}

/* The multi-chunk paths: spans of a three-chunk private arena. */
static int three_chunks(struct ctx *c)
{
	c->fd = arena_open_buddy(6 * MiB, 4 * KiB, 0);
	return c->fd < 0 ? c->fd : 0;
}

static int span_alloc_run(struct ctx *c)
{
	struct arena_alloc a;
	int ret = arena_alloc(c->fd, 5 * MiB, &a);

	c->handle = a.handle;
	return ret;
}

static int span_prepare(struct ctx *c)
{
	struct arena_alloc a;
	int ret = three_chunks(c);

	if (ret)
		return ret;
	c->size = 6 * MiB;
	ret = arena_alloc(c->fd, c->size, &a);
	c->handle = a.handle;
	c->cookie = a.offset;
	return ret;
}

/* Export the span and let the importer attach, map, vmap it whole. */
static int span_import_run(struct ctx *c)
{
	struct arena_importer_check chk = { .fill = 1 };
	int ret = export_run(c);

	if (ret)
		return ret;
	chk.fd = c->dmabuf;
	if (ioctl(c->importer, ARENA_IMPORTER_CHECK, &chk))
		return -errno;
	return chk.length == c->size ? 0 : -EPROTO;
}

static int nl_prepare(struct ctx *c)
{
	c->nl = nl_open();
	return c->nl ? 0 : -errno;
}

static int nl_new_run(struct ctx *c)
{
	return nl_named(c, c->nl, ARENA_CMD_NEW, "faults-new");
}

/* Whole after success, absent after a failure; either if the reply was lost. */
static int nl_new_settle(struct ctx *c, int ret)
{
	int state = named_state(c, "faults-new");

	if (state < 0 || (!ret && !state) || (ret && ret != -ENOBUFS && state))
		return -1;
	return state ? nl_named_now(c, ARENA_CMD_DEL, "faults-new") : 0;
}

static int nl_del_prepare(struct ctx *c)
{
	return nl_named_now(c, ARENA_CMD_NEW, "faults-del") ?: nl_prepare(c);
}

static int nl_del_run(struct ctx *c)
{
	return nl_named(c, c->nl, ARENA_CMD_DEL, "faults-del");
}

static int nl_del_settle(struct ctx *c, int ret)
{
	int state = named_state(c, "faults-del");

	if (state < 0 || (!ret && state) || (ret && ret != -ENOBUFS && !state))
		return -1;
	return state ? nl_named_now(c, ARENA_CMD_DEL, "faults-del") : 0;
}

static int nl_get_prepare(struct ctx *c)
{
	return nl_named_now(c, ARENA_CMD_NEW, "faults-get") ?: nl_prepare(c);
}

static int nl_get_run(struct ctx *c)
{
	return nl_named(c, c->nl, ARENA_CMD_GET, "faults-get");
}

static int nl_dump_run(struct ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int n, ret;

	ret = nl_talk(c->nl, genl_msg(buf, c->family, ARENA_CMD_GET, NLM_F_DUMP), &n);
	return ret ?: n == c->baseline + 1 ? 0 : -EPROTO;
}

/* GET and dump change nothing: the arena they read is whole after. */
static int nl_get_settle(struct ctx *c, int ret)
{
	(void)ret;
	return named_state(c, "faults-get") == 1 ?
		nl_named_now(c, ARENA_CMD_DEL, "faults-get") : -1;
}

/* Opening /dev/arena: the file's own state and its mapping inode. */
static int open_run(struct ctx *c)
{
	c->fd = open(ARENA_DEV, O_RDWR | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static int open_settle(struct ctx *c, int ret)
{
	(void)ret;
	if (c->fd >= 0)
		close(c->fd);
	return 0;
}

/* Opening a named arena's node: its checks, then the same file setup. */
static int named_open_prepare(struct ctx *c)
{
	return nl_named_now(c, ARENA_CMD_NEW, "faults-open");
}

static int named_open_run(struct ctx *c)
{
	c->fd = open("/dev/arenas/faults-open", O_RDWR | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static int named_open_settle(struct ctx *c, int ret)
{
	open_settle(c, ret);
	/* Nothing holds it after a failed open: removal works at once. */
	return nl_named_now(c, ARENA_CMD_DEL, "faults-open");
}

/* mmap at offset 0: an implicit grant of the default arena, faulted in. */
static int implicit_prepare(struct ctx *c)
{
	c->size = 64 * KiB;
	c->cookie = 0;
	c->fd = arena_open();
	return c->fd < 0 ? -errno : 0;
}

static int implicit_settle(struct ctx *c, int ret)
{
	int bad = 0;

	(void)ret;
	if (c->map != MAP_FAILED) {
		memset(c->map, 0x5a, c->size);
		bad = munmap(c->map, c->size);
	}
	bad = bad ?: nothing_live(c);
	close(c->fd);
	return bad;
}

/* The whole-arena mapping of a private arena, every page faulted in. */
static int whole_prepare(struct ctx *c)
{
	int ret = private_arena(c);

	if (ret)
		return ret;
	c->size = arena_info(c->fd).size;
	c->cookie = arena_info(c->fd).whole_offset;
	return 0;
}

static int whole_settle(struct ctx *c, int ret)
{
	(void)ret;
	if (c->map != MAP_FAILED)
		munmap(c->map, c->size);
	close(c->fd);
	return 0;
}

/* mmap of an exported dma-buf, every page faulted in. */
static int dmabuf_map_run(struct ctx *c)
{
	c->map = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->dmabuf, 0);
	if (c->map == MAP_FAILED)
		return -errno;
	return madvise(c->map, c->size, MADV_POPULATE_WRITE) ? -errno : 0;
}

static int dmabuf_map_settle(struct ctx *c, int ret)
{
	(void)ret;
	if (c->map != MAP_FAILED)
		munmap(c->map, c->size);
	return export_settle(c, 0);
}

/* SMALLER_CHUNKS: a chunk the page allocator refuses is retried smaller. */
static int smaller_chunks_run(struct ctx *c)
{
	struct arena_create cr = {
		.mode = ARENA_MODE_BUDDY, .size = 4 * MiB, .min_block = 4 * KiB,
		.node = ARENA_NODE_LOCAL, .flags = ARENA_CREATE_SMALLER_CHUNKS,
	};

	return ioctl(c->fd, ARENA_IOC_CREATE, &cr) ? -errno : 0;
}

static int smaller_chunks_settle(struct ctx *c, int ret)
{
	int bad = 0;

	if (ret)
		bad = smaller_chunks_run(c);	/* nothing was bound half-way */
	if (!bad && arena_info(c->fd).size != 4 * MiB)
		bad = -1;
	close(c->fd);
	return bad;
}

/* --- the tests -------------------------------------------------------- */

FIXTURE(faults) {
	struct ctx c;
};

FIXTURE_SETUP(faults)
{
	memset(&self->c, 0, sizeof(self->c));
	self->c.nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (self->c.nth < 0 || access(FAULT_DEBUGFS "/failslab", F_OK) ||
	    access(FAULT_DEBUGFS "/fail_page_alloc", F_OK))
		SETUP_SKIP("no fail-nth, failslab or fail_page_alloc (a debug kernel's)");
	ASSERT_EQ(0, arm_attributes(1));
	self->c.family = genl_arena_family_id();
	ASSERT_NE(0, self->c.family);
	self->c.importer = open(IMPORTER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.importer) TH_LOG("arena_importer not loaded");
}

FIXTURE_TEARDOWN(faults)
{
	if (self->c.nth < 0)
		return;
	set_nth(&self->c, 0);
	arm_attributes(0);
	close(self->c.nth);
	if (self->c.importer > 0)
		close(self->c.importer);
}

/* The longest walk (netlink_new) takes 8 s on the debug lane. */
#define WALK(test_name, ...)						\
	TEST_F_TIMEOUT(faults, test_name, 600)				\
	{								\
		const struct op op = { .name = #test_name, __VA_ARGS__ };	\
									\
		walk(_metadata, &self->c, &op);				\
	}

WALK(create, .prepare = create_prepare, .run = create_run, .settle = create_settle)
WALK(create_fixed, .prepare = create_prepare, .run = create_fixed_run,
     .settle = create_fixed_settle)
WALK(alloc, .prepare = private_arena, .run = alloc_run, .settle = alloc_settle)
WALK(alloc_batch, .prepare = private_arena, .run = batch_run, .settle = batch_settle)
WALK(mmap_and_fault_pmd, .prepare = huge_prepare, .run = map_run, .settle = map_settle)
WALK(mmap_and_fault_pte, .prepare = small_prepare, .run = map_run, .settle = map_settle)
WALK(export, .prepare = small_prepare, .run = export_run, .settle = export_settle)
WALK(alloc_export, .prepare = alloc_export_prepare, .run = alloc_export_run,
     .settle = alloc_export_settle)
WALK(alloc_span, .prepare = three_chunks, .run = span_alloc_run, .settle = alloc_settle)
WALK(mmap_and_fault_span, .prepare = span_prepare, .run = map_run, .settle = map_settle)
WALK(export_import_span, .prepare = span_prepare, .run = span_import_run,
     .settle = export_settle)
TEST_F_TIMEOUT(faults, export_into_a_full_fd_table, 600)
{
	const struct op op = { .name = "export_into_a_full_fd_table",
			       .prepare = full_fd_table_prepare, .run = export_run,
			       .settle = full_fd_table_settle };

	walk(_metadata, &self->c, &op);
	EXPECT_LT(table_before, fd_table_size()) TH_LOG("the fd table never had to grow");
}
WALK(attach, .prepare = exported_prepare, .run = attach_run, .settle = attach_settle)
WALK(import_map_vmap, .prepare = exported_prepare, .run = import_run,
     .settle = import_settle)
WALK(open_dev_arena, .run = open_run, .settle = open_settle)
WALK(open_named_node, .prepare = named_open_prepare, .run = named_open_run,
     .settle = named_open_settle)
WALK(mmap_implicit, .prepare = implicit_prepare, .run = map_run, .settle = implicit_settle)
WALK(mmap_whole_arena, .prepare = whole_prepare, .run = map_run, .settle = whole_settle)
WALK(mmap_dmabuf, .prepare = exported_prepare, .run = dmabuf_map_run,
     .settle = dmabuf_map_settle)
WALK(create_smaller_chunks, .prepare = create_prepare, .run = smaller_chunks_run,
     .settle = smaller_chunks_settle)
WALK(netlink_new, .prepare = nl_prepare, .run = nl_new_run, .settle = nl_new_settle,
     .netlink = 1)
WALK(netlink_del, .prepare = nl_del_prepare, .run = nl_del_run, .settle = nl_del_settle,
     .netlink = 1)
WALK(netlink_get, .prepare = nl_get_prepare, .run = nl_get_run, .settle = nl_get_settle,
     .netlink = 1)
WALK(netlink_dump, .prepare = nl_get_prepare, .run = nl_dump_run, .settle = nl_get_settle,
     .netlink = 1)

/*
 * Nothing of a module whose load failed is left: no module, no device, no
 * netlink family, no debugfs directory.
 */
static const char *module_remains(void)
{
	if (!access("/sys/module/arena", F_OK))
		return "/sys/module/arena";
	if (!access("/dev/arena", F_OK))
		return "/dev/arena";
	if (genl_arena_family_id())
		return "the arena netlink family";
	if (!access(FAULT_DEBUGFS "/arena", F_OK))
		return FAULT_DEBUGFS "/arena";
	return NULL;
}

/*
 * Module init: the load (the kernel's load_module() sites first, then
 * arena's init: default arena, device, netlink family, debugfs) with each
 * allocation failing in turn.  A small default arena keeps the walk short.
 * A load that fails must fail with ENOMEM and leave nothing; one that
 * absorbed the failure must work.  Not a WALK: the operation runs with the
 * module unloaded, which the walk's netlink bookkeeping needs.
 */
#define MODULE_WALK_PARAMS	"default_size=4194304"

/* 499 sites, about 100 s on the debug lane: twelve times that. */
TEST_F_TIMEOUT(faults, module_init, 1200)
{
	int n, ret, faults = 0, absorbed = 0, fd;
	const char *left_behind;
	unsigned int left = 0;

	ASSERT_EQ(0, arena_module_unload());
	for (n = 1; n <= 4 * MAX_SITES; n++) {
		set_nth(&self->c, n);
		ret = arena_module_load(MODULE_WALK_PARAMS);
		left = get_nth(&self->c);
		set_nth(&self->c, 0);
		if (left) {
			ASSERT_EQ(0, ret) TH_LOG("load failed with no fault injected: %s",
						 strerror(-ret));
			break;
		}
		faults++;
		if (!ret) {
			absorbed++;
			fd = arena_open();
			ASSERT_LE(0, fd) TH_LOG("allocation %d failing: loaded, but no /dev/arena", n);
			EXPECT_EQ(4 * MiB, arena_info(fd).size);
			close(fd);
			ASSERT_EQ(0, arena_module_unload());
			continue;
		}
		ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %d failing: %s, not ENOMEM", n,
					       strerror(-ret));
		left_behind = module_remains();
		ASSERT_EQ(NULL, left_behind) TH_LOG("allocation %d failing: %s left behind",
						    n, left_behind);
	}
	ASSERT_NE(0, left) TH_LOG("more than %d allocations", 4 * MAX_SITES);
	fd = arena_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(4 * MiB, arena_info(fd).size);
	close(fd);
	printf("# faults: module_init: %d allocation sites failed in turn, %d absorbed by a fallback\n",
	       faults, absorbed);
}

/* Last: whatever the walks did, nothing holds the module. */
TEST_F(faults, module_unloads_after_the_walks)
{
	ASSERT_EQ(0, arena_module_unload());
	ASSERT_EQ(0, arena_module_load(""));
}

TEST_HARNESS_MAIN
