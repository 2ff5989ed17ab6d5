// SPDX-License-Identifier: GPL-2.0
/*
 * libarena in one page: write a record into arena memory, freeze it,
 * split it into header and body without copying, share the body as a
 * dma-buf, and give everything back.  Built by make check and run in
 * its VMs; Documentation/library.rst shows it whole.
 *
 *   cc library_example.c $(pkg-config --cflags --libs arena)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arena.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "library_example: %s: %s\n", what, strerror(-err));
	return 1;
}

int main(void)
{
	static const char header[] = "len=13;", body[] = "hello, arena!";
	struct arena_buf buf = { 0 };
	struct arena_bytes record = { 0 }, head = { 0 }, copy = { 0 };
	struct arena_pool_stats stats;
	struct arena_pool *pool;
	size_t avail, offset;
	uint8_t *spare;
	void *map;
	int ret, fd;

	/* The default arena; no options: per-thread caches, no spilling. */
	ret = arena_pool_open(NULL, NULL, &pool);
	if (ret)
		return fail("arena_pool_open (is arena.ko loaded?)", ret);

	/* Write: append a header, then fill the body in place. */
	ret = arena_buf_alloc(pool, 4096, &buf);
	if (ret)
		return fail("arena_buf_alloc", ret);
	ret = arena_buf_put(&buf, header, strlen(header));
	spare = arena_buf_spare(&buf, &avail);
	if (!ret && avail >= strlen(body)) {
		memcpy(spare, body, strlen(body));
		ret = arena_buf_commit(&buf, strlen(body));
	}
	if (ret)
		return fail("writing the record", ret);

	/* Freeze, then split: two views of one grant, no bytes copied. */
	arena_buf_freeze(&buf, &record);
	ret = arena_bytes_split_to(&record, strlen(header), &head);
	if (ret)
		return fail("arena_bytes_split_to", ret);
	printf("header: %.*s\nbody:   %.*s\n", (int)head.len, (const char *)head.ptr,
	       (int)record.len, (const char *)record.ptr);

	/* A clone shares the bytes, so the body cannot become mutable. */
	arena_bytes_clone(&record, &copy);
	ret = arena_bytes_try_into_mut(&record, &buf);
	printf("try_into_mut while cloned: %s\n", strerror(-ret));
	if (ret != -EBUSY)
		return fail("arena_bytes_try_into_mut should refuse", ret);
	arena_bytes_release(&copy);

	/* Share the body: a dma-buf any process or device can map. */
	fd = arena_bytes_export(&record, O_RDONLY | O_CLOEXEC, &offset);
	if (fd < 0)
		return fail("arena_bytes_export", fd);
	map = mmap(NULL, offset + record.len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || memcmp((char *)map + offset, body, strlen(body)))
		return fail("the dma-buf does not hold the body", -EIO);
	printf("dma-buf: fd %d holds the body at offset %zu\n", fd, offset);
	munmap(map, offset + record.len);
	close(fd);

	/* Release every view: the grant goes back to the pool's cache. */
	arena_bytes_release(&head);
	arena_bytes_release(&record);
	arena_pool_stats(pool, &stats);
	printf("grants in use: %llu\n", (unsigned long long)stats.grants_live);
	arena_pool_close(pool);
	return stats.grants_live ? 1 : 0;
}
