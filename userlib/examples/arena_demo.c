// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: a producer fills arena buffers with messages, freezes them,
 * slices out each message and hands every slice to a consumer process as
 * a dma-buf over a unix socket; the consumer checks and releases them.  At
 * the end the arena's counters show every byte back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"

#define BUFFERS		3
#define PER_BUFFER	3

static void die(const char *what, int err)
{
	fprintf(stderr, "arena_demo: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void message(char *out, size_t size, int b, int m)
{
	snprintf(out, size, "message %d.%d: hello from the producer", b + 1, m + 1);
}

static int consumer(int sock)
{
	int b, m, bad = 0;

	for (b = 0; b < BUFFERS; b++) {
		for (m = 0; m < PER_BUFFER; m++) {
			struct arena_bytes view;
			char want[64];
			int ret = arena_bytes_recv(sock, &view);

			if (ret)
				die("consumer: receive", ret);
			message(want, sizeof(want), b, m);
			if (view.len != strlen(want) || memcmp(view.ptr, want, view.len))
				bad++;
			printf("  consumer: got %2zu bytes \"%.*s\" - %s\n", view.len,
			       (int)view.len, (const char *)view.ptr,
			       bad ? "WRONG" : "as sent");
			arena_bytes_release(&view);	/* unmaps; the grant can go */
		}
	}
	printf("  consumer: released every view, exiting\n");
	return bad ? 1 : 0;
}

static void show(struct arena_pool *pool, const char *when)
{
	struct arena_pool_stats st;
	struct arena_info info;

	if (arena_pool_info(pool, &info))
		return;
	arena_pool_stats(pool, &st);
	printf("  producer, %s: the arena has %llu grants out (%llu kept in the library's cache,\n"
	       "    the rest held by dma-bufs), %llu exported; %llu made, %llu back\n", when,
	       (unsigned long long)info.live_grants,
	       (unsigned long long)(st.grants_held - st.grants_live),
	       (unsigned long long)info.exported_grants,
	       (unsigned long long)info.allocations_ok, (unsigned long long)info.frees);
}

int main(void)
{
	struct arena_create c = { .mode = ARENA_MODE_BUDDY, .size = 4 << 20,
				  .min_block = 4096, .node = ARENA_NODE_LOCAL };
	struct arena_pool *pool;
	struct arena_info info;
	int sv[2], b, m, ret, status, i;
	pid_t pid;

	/*
	 * Whole lines, in the order printed, into a pipe or a file too: fully
	 * buffered output would come out in blocks, and what was buffered at
	 * fork() would be printed twice (once by the consumer).
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1. A private arena: 4 MiB of 2 MiB huge pages, buddy blocks from 4 KiB.\n");
	ret = arena_pool_create(&c, NULL, &pool);
	if (ret)
		die("create the arena (is arena.ko loaded?)", ret);
	arena_pool_info(pool, &info);
	printf("  %llu chunks of %llu KiB on node %d\n", (unsigned long long)info.nr_chunks,
	       (unsigned long long)info.chunk_size >> 10, info.node);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		close(sv[0]);
		exit(consumer(sv[1]));
	}
	close(sv[1]);

	printf("2. The producer writes, freezes, slices and sends; the consumer checks.\n");
	for (b = 0; b < BUFFERS; b++) {
		struct arena_buf buf = { 0 };
		struct arena_bytes whole, part;
		size_t at[PER_BUFFER + 1] = { 0 };

		ret = arena_buf_alloc(pool, 4096, &buf);
		if (ret)
			die("allocate", ret);
		for (m = 0; m < PER_BUFFER; m++) {
			char text[64];

			message(text, sizeof(text), b, m);
			ret = arena_buf_put(&buf, text, strlen(text));
			if (ret)
				die("put", ret);
			at[m + 1] = buf.len;
		}
		printf("  producer: buffer %d: a %zu-byte grant, %zu bytes written, frozen\n",
		       b + 1, buf.cap, buf.len);
		arena_buf_freeze(&buf, &whole);
		for (m = 0; m < PER_BUFFER; m++) {
			ret = arena_bytes_slice(&whole, at[m], at[m + 1], &part);
			if (!ret)
				ret = arena_bytes_send(sv[0], &part);
			if (ret)
				die("slice and send", ret);
			printf("  producer: sent message %d.%d (%zu bytes) as a dma-buf\n",
			       b + 1, m + 1, part.len);
			arena_bytes_release(&part);
		}
		arena_bytes_release(&whole);
	}
	show(pool, "all sent");

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("the consumer failed", EPROTO);
	printf("3. Everything released: every grant comes back (zeroed).\n");
	arena_pool_flush(pool);
	for (i = 0; i < 200; i++) {
		arena_pool_info(pool, &info);
		if (!info.live_grants)
			break;
		usleep(10000);
	}
	show(pool, "at the end");
	printf("  %llu bytes in use\n", (unsigned long long)info.bytes_live);
	arena_pool_close(pool);
	if (info.live_grants || info.bytes_live || info.allocations_ok != info.frees) {
		printf("demo FAILED: memory is missing\n");
		return 1;
	}
	printf("demo OK: %d messages handed over, every byte back\n", BUFFERS * PER_BUFFER);
	return 0;
}
