// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Views: immutable, refcounted, O(1) to clone, slice and split.  A view
 * that becomes empty drops its reference at once, and points at the cut
 * that emptied it (as the bytes crate's do): slice(f, f) at ptr + f, the
 * rest of split_to(len) or advance(len) at ptr + len, split_off(len)'s
 * tail at ptr + len.
 *
 * Reference counts: taking one is a relaxed increment (the taker already
 * holds a reference, so nothing can be freed under it); dropping one is an
 * acquire-release decrement, so that the thread that drops the last one
 * sees every earlier use of the bytes, on any thread, before it recycles
 * them.  (The same instruction on x86 as a release decrement and an
 * acquire fence, and one that ThreadSanitizer models.)
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static void rec_ref(struct arena_rec *rec)
{
	atomic_fetch_add_explicit(&rec->refs, 1, memory_order_relaxed);
}

void arena_rec_unref(struct arena_rec *rec)
{
	if (atomic_fetch_sub_explicit(&rec->refs, 1, memory_order_acq_rel) != 1)
		return;
	switch (rec->kind) {
	case REC_GRANT:
		arena_cache_put(rec);
		break;
	case REC_HEAP:
		free(rec->base);
		free(rec);
		break;
	case REC_DMABUF:
		munmap(rec->map, rec->map_len);
		close(rec->fd);
		free(rec);
		break;
	}
}

static const struct arena_bytes empty_view;

/* An empty view at @at: it holds nothing. */
static struct arena_bytes empty_at(const uint8_t *at)
{
	return (struct arena_bytes){ .ptr = at };
}

/* Drop @view's reference; it becomes empty at @at. */
static void cut_to_empty(struct arena_bytes *view, const uint8_t *at)
{
	if (view->rec)
		arena_rec_unref(view->rec);
	*view = empty_at(at);
}

API void arena_bytes_clone(const struct arena_bytes *view, struct arena_bytes *copy)
{
	if (view->rec)
		rec_ref(view->rec);
	*copy = *view;
}

API int arena_bytes_slice(const struct arena_bytes *view, size_t from, size_t to,
			  struct arena_bytes *slice)
{
	if (from > to || to > view->len)
		return -ERANGE;
	if (from == to) {
		*slice = empty_at(view->ptr + from);
		return 0;
	}
	rec_ref(view->rec);
	*slice = (struct arena_bytes){ view->ptr + from, to - from, view->rec };
	return 0;
}

API int arena_bytes_split_to(struct arena_bytes *view, size_t at, struct arena_bytes *head)
{
	if (at > view->len)
		return -ERANGE;
	if (at == 0) {
		*head = empty_at(view->ptr);
	} else if (at == view->len) {
		*head = *view;		/* the reference moves */
		*view = empty_at(view->ptr + at);
	} else {
		rec_ref(view->rec);
		*head = (struct arena_bytes){ view->ptr, at, view->rec };
		view->ptr += at;
		view->len -= at;
	}
	return 0;
}

API int arena_bytes_split_off(struct arena_bytes *view, size_t at, struct arena_bytes *tail)
{
	if (at > view->len)
		return -ERANGE;
	if (at == view->len) {
		*tail = empty_at(view->ptr + at);
	} else if (at == 0) {
		*tail = *view;
		*view = empty_at(view->ptr);
	} else {
		rec_ref(view->rec);
		*tail = (struct arena_bytes){ view->ptr + at, view->len - at, view->rec };
		view->len = at;
	}
	return 0;
}

API void arena_bytes_release(struct arena_bytes *view)
{
	if (view->rec)
		arena_rec_unref(view->rec);
	*view = empty_view;
}

API int arena_bytes_advance(struct arena_bytes *view, size_t n)
{
	if (n > view->len)
		return -ERANGE;
	if (n == view->len) {
		cut_to_empty(view, view->ptr + n);
	} else {
		view->ptr += n;
		view->len -= n;
	}
	return 0;
}

API void arena_bytes_truncate(struct arena_bytes *view, size_t len)
{
	if (len >= view->len)
		return;
	if (!len)
		cut_to_empty(view, view->ptr);
	else
		view->len = len;
}

API int arena_bytes_try_into_mut(struct arena_bytes *view, struct arena_buf *buf)
{
	struct arena_rec *rec = view->rec;

	if (!rec || rec->kind == REC_DMABUF)
		return -EINVAL;
	/* Exported bytes may be mapped elsewhere: they stay immutable. */
	if (atomic_load_explicit(&rec->refs, memory_order_acquire) != 1 ||
	    atomic_load_explicit(&rec->exported, memory_order_relaxed))
		return -EBUSY;
	*buf = (struct arena_buf){
		.ptr = (uint8_t *)view->ptr, .len = view->len,
		.cap = rec->base + rec->cap - view->ptr, .rec = rec,
	};
	*view = empty_view;
	return 0;
}
