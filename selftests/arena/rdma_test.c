// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA between two machines on arena memory, through the kernel's RDMA
 * stack and libibverbs: the rdma lane runs this program in both of its
 * guests, the same cases in the same order.  With ARENA_RDMA_PEER=ADDRESS
 * it is the active side, which posts the work requests; without it, the
 * passive side, whose memory they reach.  The sides meet over TCP, on a
 * port of each case's own, to swap queue pair and memory region details,
 * to step together, and to tell each other what they found: a case fails
 * on both sides when either side's check fails.
 *
 * Needs an RDMA device with a RoCE v2 IPv4 address (ARENA_RDMA_DEV,
 * default rxe0: Soft-RoCE on the guest's eth0) and the module loaded; it
 * skips without the device.
 */
#include <arpa/inet.h>
#include <infiniband/verbs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "arena_util.h"

#include "../kselftest_harness.h"

/* rxe's message size limit is far above this; smaller steps report sooner. */
#define WR_BYTES	(8 * MiB)
#define PORT_BASE	18700
/* How long one side waits for the other (booting, or in an earlier case). */
#define PEER_WAIT_S	240

/* What each side tells the other of its queue pair and memory region. */
struct peer_info {
	uint32_t qpn;
	uint32_t psn;
	uint8_t gid[16];
	uint64_t addr;
	uint64_t len;
	uint32_t rkey;
	uint32_t pad;
};

FIXTURE(rdma) {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	int gid_index;
	union ibv_gid gid;
	enum ibv_mtu mtu;
	const char *peer;	/* NULL on the passive side */
	int sock;
};

/* The first RoCE v2 entry of port 1 with an IPv4 address (::ffff:a.b.c.d). */
static int ipv4_gid(struct ibv_context *ctx, int entries, union ibv_gid *gid)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct ibv_gid_entry e;
	int i;

	for (i = 0; i < entries; i++) {
		if (ibv_query_gid_ex(ctx, 1, i, &e, 0))
			continue;
		if (e.gid_type == IBV_GID_TYPE_ROCE_V2 && !memcmp(e.gid.raw, mapped, 12)) {
			*gid = e.gid;
			return i;
		}
	}
	return -1;
}

static const char *device_name(void)
{
	return getenv("ARENA_RDMA_DEV") ?: "rxe0";
}

static struct ibv_context *open_device(void)
{
	struct ibv_context *ctx = NULL;
	struct ibv_device **list;
	int i, n = 0;

	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n; i++)
		if (!ctx && !strcmp(ibv_get_device_name(list[i]), device_name()))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

FIXTURE_SETUP(rdma)
{
	const char *want = device_name();
	struct ibv_port_attr port;

	self->sock = -1;
	self->peer = getenv("ARENA_RDMA_PEER");
	self->ctx = open_device();
	if (!self->ctx)
		SETUP_SKIP("no RDMA device %s (the rdma lane's guests run Soft-RoCE on eth0)", want);
	ASSERT_EQ(0, ibv_query_port(self->ctx, 1, &port));
	ASSERT_EQ(IBV_PORT_ACTIVE, port.state);
	self->mtu = port.active_mtu;
	self->gid_index = ipv4_gid(self->ctx, port.gid_tbl_len, &self->gid);
	ASSERT_LE(0, self->gid_index) TH_LOG("%s has no RoCE v2 IPv4 address", want);
	self->pd = ibv_alloc_pd(self->ctx);
	ASSERT_NE(NULL, self->pd);
	self->cq = ibv_create_cq(self->ctx, 16, NULL, NULL, 0);
	ASSERT_NE(NULL, self->cq);
	struct ibv_qp_init_attr init = {
		.send_cq = self->cq, .recv_cq = self->cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 1, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	self->qp = ibv_create_qp(self->pd, &init);
	ASSERT_NE(NULL, self->qp);
}

FIXTURE_TEARDOWN(rdma)
{
	if (self->sock >= 0)
		close(self->sock);
	if (self->qp)
		ibv_destroy_qp(self->qp);
	if (self->cq)
		ibv_destroy_cq(self->cq);
	if (self->pd)
		ibv_dealloc_pd(self->pd);
	if (self->ctx)
		ibv_close_device(self->ctx);
}

/*
 * The TCP line to the other side for the case on @port: the passive side
 * listens, the active side tries until the passive one is there.  Either
 * side gives up after PEER_WAIT_S; a side that dies closes the line, and
 * the other's next read fails.
 */
static int peer_line(const char *peer, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = PEER_WAIT_S };
	int s, l, one = 1, i;
	struct pollfd pfd;

	if (peer) {
		if (inet_pton(AF_INET, peer, &sa.sin_addr) != 1)
			return -1;
		for (i = 0; i < PEER_WAIT_S * 4; i++) {
			s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (s < 0)
				return -1;
			if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
				goto connected;
			close(s);
			usleep(250000);
		}
		return -1;
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1)) {
		close(l);
		return -1;
	}
	pfd = (struct pollfd){ .fd = l, .events = POLLIN };
	s = poll(&pfd, 1, PEER_WAIT_S * 1000) == 1 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	close(l);
	if (s < 0)
		return -1;
connected:
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

/* Send @len bytes of @out and read as many into @in; 0 or -1. */
static int swap(int s, const void *out, void *in, size_t len)
{
	size_t got = 0;
	ssize_t n;

	if (send(s, out, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	while (got < len) {
		n = recv(s, (char *)in + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* Both sides at the same point: 0, or -1 if the other side is gone. */
static int step(int s)
{
	char out = 1, in;

	return swap(s, &out, &in, 1);
}

/* Each side's verdict to the other: 1 when both found what they should. */
static int both_ok(int s, int mine)
{
	int32_t out = mine, in = 0;

	return !swap(s, &out, &in, sizeof(in)) && mine && in;
}

/* The queue pair from INIT to RTS, connected to @remote's. */
static int qp_connect(FIXTURE_DATA(rdma) *self, const struct peer_info *remote, uint32_t psn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ,
	};

	if (ibv_modify_qp(self->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS))
		return -1;
	a = (struct ibv_qp_attr){
		.qp_state = IBV_QPS_RTR, .path_mtu = self->mtu, .dest_qp_num = remote->qpn,
		.rq_psn = remote->psn, .max_dest_rd_atomic = 1, .min_rnr_timer = 12,
		.ah_attr = { .is_global = 1, .port_num = 1,
			     .grh = { .sgid_index = self->gid_index, .hop_limit = 1 } },
	};
	memcpy(a.ah_attr.grh.dgid.raw, remote->gid, 16);
	if (ibv_modify_qp(self->qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			  IBV_QP_MIN_RNR_TIMER))
		return -1;
	a = (struct ibv_qp_attr){
		.qp_state = IBV_QPS_RTS, .timeout = 14, .retry_cnt = 7, .rnr_retry = 7,
		.sq_psn = psn, .max_rd_atomic = 1,
	};
	return ibv_modify_qp(self->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

/*
 * Meet the other side on @port: tell it of the region @held (its memory
 * may be unmapped by now: the region still holds it), learn of the other
 * side's in @remote, connect the queue pairs.
 */
static int meet(FIXTURE_DATA(rdma) *self, uint16_t port, const struct peer_info *held,
		struct peer_info *remote)
{
	struct peer_info mine = *held;
	uint32_t psn = (getpid() * 2654435761u) & 0xffffff;

	mine.qpn = self->qp->qp_num;
	mine.psn = psn;
	memcpy(mine.gid, self->gid.raw, 16);
	self->sock = peer_line(self->peer, port);
	if (self->sock < 0)
		return -1;
	if (swap(self->sock, &mine, remote, sizeof(mine)))
		return -1;
	return qp_connect(self, remote, psn);
}

static struct peer_info region(const struct ibv_mr *mr)
{
	return (struct peer_info){ .addr = (uintptr_t)mr->addr, .len = mr->length,
				   .rkey = mr->rkey };
}

/* RDMA WRITE or READ of @len bytes between @mr and the remote region. */
static int transfer(FIXTURE_DATA(rdma) *self, enum ibv_wr_opcode op, struct ibv_mr *mr,
		    const struct peer_info *remote, uint64_t len)
{
	struct timespec start, now;
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	uint64_t off;
	int n;

	for (off = 0; off < len; off += WR_BYTES) {
		uint32_t part = len - off < WR_BYTES ? len - off : WR_BYTES;
		struct ibv_sge sge = { .addr = (uintptr_t)mr->addr + off, .length = part,
				       .lkey = mr->lkey };
		struct ibv_send_wr wr = {
			.sg_list = &sge, .num_sge = 1, .opcode = op,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = { .remote_addr = remote->addr + off, .rkey = remote->rkey },
		};

		if (ibv_post_send(self->qp, &wr, &bad))
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &start);
		while (!(n = ibv_poll_cq(self->cq, 1, &wc))) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec > 60)
				return -1;
			usleep(1000);
		}
		if (n < 0 || wc.status != IBV_WC_SUCCESS)
			return -1;
	}
	return 0;
}

/* A grant of @size from @fd, mapped; MAP_FAILED if either fails. */
static char *map_new_grant(int fd, uint64_t size, struct arena_alloc *a)
{
	return arena_alloc(fd, size, a) ? MAP_FAILED : arena_map(fd, a->offset, size);
}

static struct ibv_mr *register_region(FIXTURE_DATA(rdma) *self, void *p, size_t len)
{
	return ibv_reg_mr(self->pd, p, len, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			  IBV_ACCESS_REMOTE_READ);
}

/*
 * 64 MiB from a grant on each side: the active side writes its bytes into
 * the passive side's grant, which checks them and stamps new ones; the
 * active side reads those back and checks them.  The grant's pages come
 * with a PMD each (the registration pins them through the mapping).
 */
TEST_F_TIMEOUT(rdma, write_and_read_64m_between_grants_verified_at_both_ends, 600)
{
	const uint64_t size = 64 * MiB, tag = self->peer ? 0xac71e : 0xba55e;
	int fd = arena_open_buddy(size, 0, 0), ok = 1;
	struct peer_info held, remote;
	struct arena_alloc a;
	uint64_t pmd_before;
	struct ibv_mr *mr;
	char *p;

	ASSERT_LE(0, fd);
	p = map_new_grant(fd, size, &a);
	ASSERT_NE(MAP_FAILED, p);
	pmd_before = arena_info(fd).pmd_faults;
	stamp(p, size, tag);
	mr = register_region(self, p, size);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	if (arena_info(fd).features & ARENA_FEATURE_PMD_MAP)
		EXPECT_EQ(size / HPAGE, arena_info(fd).pmd_faults - pmd_before);
	EXPECT_EQ(size, arena_info(fd).bytes_mapped);
	held = region(mr);
	ASSERT_EQ(0, meet(self, PORT_BASE + 1, &held, &remote));
	ASSERT_EQ(size, remote.len);

	if (self->peer) {
		ASSERT_EQ(0, transfer(self, IBV_WR_RDMA_WRITE, mr, &remote, size));
		ASSERT_EQ(0, step(self->sock));		/* written */
		ASSERT_EQ(0, step(self->sock));		/* checked and stamped anew */
		memset(p, 0, size);
		ASSERT_EQ(0, transfer(self, IBV_WR_RDMA_READ, mr, &remote, size));
		ok = stamp_ok(p, size, 0xba55e ^ 1);
		EXPECT_TRUE(ok) TH_LOG("the bytes read are not the passive side's");
	} else {
		ASSERT_EQ(0, step(self->sock));
		ok = stamp_ok(p, size, 0xac71e);
		EXPECT_TRUE(ok) TH_LOG("the bytes written are not the active side's");
		stamp(p, size, 0xba55e ^ 1);
		ASSERT_EQ(0, step(self->sock));
	}
	EXPECT_TRUE(both_ok(self->sock, ok)) TH_LOG("the other side found wrong bytes");
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	munmap(p, size);
	close(fd);
}

/*
 * A memory region is a long-term pin: the passive side frees its handle
 * and unmaps its grant while the region is registered, and the grant stays
 * alive and never granted again (its arena is full) while the active side
 * reads and writes it; once ibv_dereg_mr drops the pin, it returns, zeroed.
 */
TEST_F_TIMEOUT(rdma, a_memory_region_holds_its_grant_until_deregistered, 300)
{
	const uint64_t size = 4 * MiB;
	int fd = arena_open_buddy(size, 0, 0), ok = 1;
	struct peer_info held, remote;
	struct arena_alloc a;
	struct ibv_mr *mr;
	char *p;

	ASSERT_LE(0, fd);
	p = map_new_grant(fd, size, &a);
	ASSERT_NE(MAP_FAILED, p);
	stamp(p, size, 0x401d);
	mr = register_region(self, p, size);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	held = region(mr);
	if (!self->peer) {
		ASSERT_EQ(0, arena_free(fd, a.handle));
		ASSERT_EQ(0, munmap(p, size));
		EXPECT_EQ(1, arena_info(fd).live_grants);
		EXPECT_EQ(0, arena_info(fd).bytes_mapped);
		EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &a));
	}
	ASSERT_EQ(0, meet(self, PORT_BASE + 2, &held, &remote));

	if (self->peer) {
		memset(p, 0, size);
		ASSERT_EQ(0, transfer(self, IBV_WR_RDMA_READ, mr, &remote, size));
		ok = stamp_ok(p, size, 0x401d);
		EXPECT_TRUE(ok) TH_LOG("the unmapped grant's bytes did not come back");
		stamp(p, size, 0x3417e);
		ASSERT_EQ(0, transfer(self, IBV_WR_RDMA_WRITE, mr, &remote, size));
		ASSERT_EQ(0, step(self->sock));
		EXPECT_EQ(0, ibv_dereg_mr(mr));
		munmap(p, size);
	} else {
		ASSERT_EQ(0, step(self->sock));	/* read and written through the region */
		ok = arena_info(fd).live_grants == 1;
		EXPECT_EQ(0, ibv_dereg_mr(mr));
		ok &= wait_live(fd, 0);
		EXPECT_TRUE(ok) TH_LOG("the grant did not return at ibv_dereg_mr");
		p = map_new_grant(fd, size, &a);
		ASSERT_NE(MAP_FAILED, p);
		ok &= all_zero(p, size);
		EXPECT_TRUE(all_zero(p, size)) TH_LOG("what the active side wrote survived");
		munmap(p, size);
	}
	EXPECT_TRUE(both_ok(self->sock, ok)) TH_LOG("the other side's checks failed");
	close(fd);
}

/*
 * A process killed with a region registered on an unmapped, freed grant:
 * the kernel deregisters the region as the process goes, and the grant
 * returns.  The child opens the device itself: a region belongs to the
 * device file it was registered through, which a forked child would share
 * with its parent.  Each side on its own; no work requests.
 */
TEST_F(rdma, a_killed_process_s_region_lets_its_grant_go)
{
	const uint64_t size = 4 * MiB;
	int fd = arena_open_buddy(size, 0, 0), ready[2], status;
	struct arena_alloc a;
	pid_t pid;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct ibv_context *ctx = open_device();
		struct ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : NULL;
		char *p;

		if (!pd)
			_exit(1);
		p = map_new_grant(fd, size, &a);
		if (p == MAP_FAILED || !ibv_reg_mr(pd, p, size, IBV_ACCESS_LOCAL_WRITE) ||
		    arena_free(fd, a.handle) || munmap(p, size))
			_exit(1);
		write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the child could not register its region");
	EXPECT_EQ(1, arena_info(fd).live_grants);
	EXPECT_EQ(-ENOSPC, arena_alloc(fd, 4096, &a));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(wait_live(fd, 0));
	ASSERT_EQ(0, arena_alloc(fd, size, &a));
	close(ready[0]);
	close(fd);
}

TEST_HARNESS_MAIN
