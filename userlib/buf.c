// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Buffers: a grant (or, after an auto-spill, heap memory) being written by
 * one owner, until it is frozen into a view or released.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct arena_buf empty_buf;

/* A heap record of @cap bytes with one reference, or NULL. */
static struct arena_rec *heap_rec(size_t cap)
{
	struct arena_rec *heap = calloc(1, sizeof(*heap));
	uint8_t *bytes = heap ? malloc(cap) : NULL;

	if (!bytes) {
		free(heap);
		return NULL;
	}
	heap->kind = REC_HEAP;
	heap->base = bytes;
	heap->cap = cap;
	heap->fd = -1;
	atomic_store_explicit(&heap->refs, 1, memory_order_relaxed);
	return heap;
}

/* Count a buffer moved to (or made on) the heap in this thread's counters. */
static void count_heap_spill(struct arena_pool *pool)
{
	struct arena_tcache *tc = arena_tcache(pool);

	if (tc)
		tc->counts.heap_spills++;
}

API int arena_buf_alloc(struct arena_pool *pool, size_t size, struct arena_buf *buf)
{
	struct arena_rec *rec;
	int cls, ret;

	if (pool->forked)
		return -ECHILD;
	if (!size)
		return -EINVAL;
	cls = arena_class_of(pool, size);
	if (cls < 0)
		return cls;
	ret = cls == ARENA_CLASS_BIG ? arena_big_get(pool, size, &rec) :
				       arena_cache_get(pool, cls, &rec);
	/* A full arena with auto_spill: the buffer starts on the heap. */
	if (ret == -ENOSPC && pool->opts.auto_spill) {
		rec = heap_rec(size);
		if (!rec)
			return -ENOMEM;
		count_heap_spill(pool);
		ret = 0;
	}
	if (ret)
		return ret;
	*buf = (struct arena_buf){ .ptr = rec->base, .len = 0, .cap = rec->cap, .rec = rec };
	return 0;
}

/*
 * Move a buffer's bytes to heap memory of at least @need, giving its grant
 * back at once.  A heap buffer just grows.
 */
static int buf_spill(struct arena_buf *buf, size_t need)
{
	struct arena_rec *rec = buf->rec, *heap;
	size_t cap = buf->cap * 2 > need ? buf->cap * 2 : need;
	uint8_t *bytes;

	if (rec->kind == REC_HEAP) {
		size_t off = buf->ptr - rec->base;	/* try_into_mut may leave one */

		bytes = realloc(rec->base, off + cap);
		if (!bytes)
			return -ENOMEM;
		rec->base = bytes;
		rec->cap = off + cap;
		buf->ptr = bytes + off;
		buf->cap = cap;
		return 0;
	}
	heap = heap_rec(cap);
	if (!heap)
		return -ENOMEM;
	bytes = heap->base;
	memcpy(bytes, buf->ptr, buf->len);
	if (rec->kind == REC_GRANT)
		count_heap_spill(rec->pool);
	arena_rec_unref(rec);
	buf->ptr = bytes;
	buf->cap = cap;
	buf->rec = heap;
	return 0;
}

API int arena_buf_put(struct arena_buf *buf, const void *data, size_t n)
{
	int ret;

	if (!buf->rec)
		return -EINVAL;
	if (n > buf->cap - buf->len) {
		if (buf->rec->kind == REC_GRANT && !buf->rec->pool->opts.auto_spill)
			return -ENOSPC;
		if (buf->rec->kind == REC_DMABUF)
			return -ENOSPC;
		ret = buf_spill(buf, buf->len + n);
		if (ret)
			return ret;
	}
	memcpy(buf->ptr + buf->len, data, n);
	buf->len += n;
	return 0;
}

API uint8_t *arena_buf_spare(struct arena_buf *buf, size_t *avail)
{
	*avail = buf->cap - buf->len;
	return buf->ptr + buf->len;
}

API int arena_buf_commit(struct arena_buf *buf, size_t n)
{
	if (n > buf->cap - buf->len)
		return -ERANGE;
	buf->len += n;
	return 0;
}

API void arena_buf_freeze(struct arena_buf *buf, struct arena_bytes *view)
{
	if (buf->len && buf->rec) {
		*view = (struct arena_bytes){ buf->ptr, buf->len, buf->rec };
	} else {
		if (buf->rec)
			arena_rec_unref(buf->rec);
		/* Empty: it holds nothing, and is where the buffer's bytes began. */
		*view = (struct arena_bytes){ .ptr = buf->ptr };
	}
	*buf = empty_buf;
}

API void arena_buf_release(struct arena_buf *buf)
{
	if (buf->rec)
		arena_rec_unref(buf->rec);
	*buf = empty_buf;
}
