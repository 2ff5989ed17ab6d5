// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Views across processes: exported as dma-bufs, passed over unix sockets
 * with SCM_RIGHTS, mapped read-only on the other side.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* What travels with the descriptor. */
struct arena_wire {
	uint64_t offset;	/* of the view in the dma-buf */
	uint64_t len;
};

API int arena_bytes_export(const struct arena_bytes *view, int flags, size_t *offset)
{
	struct arena_rec *rec = view->rec;
	struct arena_export e;
	size_t start, end;
	int fd;

	if (!rec || rec->kind == REC_HEAP)
		return -EINVAL;
	if (rec->kind == REC_DMABUF) {
		/* Received: pass on the same dma-buf. */
		fd = fcntl(rec->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		*offset = view->ptr - rec->base;
		return fd;
	}
	/* The whole pages of the grant under the view. */
	start = (view->ptr - rec->base) & ~(ARENA_PAGE - 1);
	end = (view->ptr - rec->base + view->len + ARENA_PAGE - 1) & ~(ARENA_PAGE - 1);
	e = (struct arena_export){ .handle = rec->handle, .offset = start,
				   .length = end - start, .flags = flags };
	if (ioctl(rec->pool->fd, ARENA_IOC_EXPORT, &e))
		return -errno;
	atomic_store_explicit(&rec->exported, true, memory_order_relaxed);
	*offset = view->ptr - rec->base - start;
	return e.fd;
}

API int arena_bytes_send(int sock, const struct arena_bytes *view)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct arena_wire wire = { .len = view->len };
	struct iovec iov = { .iov_base = &wire, .iov_len = sizeof(wire) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	size_t offset;
	int fd, ret = 0;

	fd = arena_bytes_export(view, O_RDONLY | O_CLOEXEC, &offset);
	if (fd < 0)
		return fd;
	wire.offset = offset;
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != sizeof(wire))
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

/*
 * Whether @fd is a dma-buf that arena.ko exported, as the kernel reports it
 * in fdinfo ("exp_name:"), which a sender cannot forge.  Anything else (a
 * memfd that its sender may shrink, a file) could vanish under the view.
 */
static bool arena_dmabuf(int fd)
{
	char path[64], line[128];
	bool ours = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	while (f && !ours && fgets(line, sizeof(line), f))
		ours = !strcmp(line, "exp_name:\tarena\n");
	if (f)
		fclose(f);
	return ours;
}

API int arena_bytes_from_dmabuf(int fd, size_t offset, size_t len, struct arena_bytes *view)
{
	struct arena_rec *rec;
	off_t size = lseek(fd, 0, SEEK_END);
	void *map;

	if (size >= 0 && !arena_dmabuf(fd))
		size = -1, errno = EINVAL;
	if (size < 0 || offset > (size_t)size || len > (size_t)size - offset) {
		close(fd);
		return size < 0 ? -errno : -EINVAL;
	}
	if (!len) {
		close(fd);
		*view = (struct arena_bytes){ 0 };
		return 0;
	}
	rec = calloc(1, sizeof(*rec));
	map = rec ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (map == MAP_FAILED) {
		int err = rec ? -errno : -ENOMEM;

		free(rec);
		close(fd);
		return err;
	}
	rec->kind = REC_DMABUF;
	rec->map = map;
	rec->map_len = size;
	rec->base = map;
	rec->cap = size;
	rec->fd = fd;
	atomic_store_explicit(&rec->refs, 1, memory_order_relaxed);
	*view = (struct arena_bytes){ (uint8_t *)map + offset, len, rec };
	return 0;
}

API int arena_bytes_recv(int sock, struct arena_bytes *view)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct arena_wire wire;
	struct iovec iov = { .iov_base = &wire, .iov_len = sizeof(wire) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return n == 0 ? -ENOTCONN : -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	if (n != sizeof(wire) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		close(fd);
		return -EPROTO;
	}
	return arena_bytes_from_dmabuf(fd, wire.offset, wire.len, view);
}
