// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the allocator core: the input is a geometry followed
 * by an operation stream.  Raw geometry values are validated first (they
 * must be rejected or accepted without a crash); then, on a small arena,
 * every grant must cover only free bytes, a free must succeed exactly for a
 * live grant, and at the end the counters must balance and the arena be
 * whole.  Any violation aborts, which libFuzzer reports with the input.
 *
 *   build/host/core_fuzz -max_total_time=60 [corpus dir]
 */
#include <stdlib.h>
#include <string.h>

#include "../buddy.h"
#include "../slots.h"

#define MAX_UNITS	4096
#define MAX_LIVE	MAX_UNITS

struct input {
	const u8 *p;
	size_t left;
};

static u64 take(struct input *in, unsigned int bytes)
{
	u64 v = 0;

	while (bytes-- && in->left) {
		v = v << 8 | *in->p++;
		in->left--;
	}
	return v;
}

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

struct live {
	u64 offset, size, req;
};

static u8 owner[MAX_UNITS * 64];	/* one byte per 64-byte unit, max 256 KiB */
static struct live live[MAX_LIVE];

static bool range_is(u64 off, u64 size, u8 v)
{
	u64 u;

	for (u = off / 64; u < (off + size) / 64; u++)
		if (owner[u] != v)
			return false;
	return true;
}

static void range_set(u64 off, u64 size, u8 v)
{
	memset(owner + off / 64, v, size / 64);
}

static void fuzz_geometry_only(struct input *in)
{
	struct arena_buddy_geometry bg = {
		.total = take(in, 8), .min_block = take(in, 8),
		.max_block = take(in, 8), .flags = take(in, 1),
	};
	struct arena_slots_geometry sg = {
		.slot_size = take(in, 8), .slot_count = take(in, 8),
		.align = take(in, 8), .chunk_size = take(in, 8),
	};
	int ret;

	ret = arena_buddy_geometry(&bg);
	CHECK(ret == 0 || ret == -EINVAL || ret == -EOVERFLOW);
	if (!ret) {
		CHECK(is_power_of_2(bg.min_block) && is_power_of_2(bg.max_block));
		CHECK(bg.total == bg.nr_chunks * bg.max_block);
		CHECK(bg.max_block >> bg.max_order == bg.min_block);
	}
	ret = arena_slots_geometry(&sg);
	CHECK(ret == 0 || ret == -EINVAL || ret == -EOVERFLOW);
	if (!ret)
		CHECK(sg.slot_size <= sg.chunk_size && sg.slots_per_chunk * sg.nr_chunks >= sg.slot_count);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };
	unsigned int mode = take(&in, 1), nr_live = 0, i;
	struct arena_core_stats st;
	struct arena_buddy b;
	struct arena_slots s;
	u64 total, max_req;
	bool buddy;

	if (mode % 4 == 3) {
		fuzz_geometry_only(&in);
		return 0;
	}
	buddy = mode % 2;
	if (buddy) {
		unsigned int min_shift = 6 + take(&in, 1) % 5;		/* 64 B .. 1 KiB */
		unsigned int max_order = take(&in, 1) % 9;
		struct arena_buddy_geometry g = {
			.min_block = 1ULL << min_shift,
			.max_block = 1ULL << (min_shift + max_order),
			.flags = take(&in, 1) % 2,
		};

		g.total = g.max_block * (1 + take(&in, 1) % 4);
		if (g.total > sizeof(owner) || arena_buddy_geometry(&g))
			return 0;
		CHECK(!arena_buddy_init(&b, &g));
		total = g.total;
		max_req = g.max_block;
	} else {
		struct arena_slots_geometry g = {
			.slot_size = 1 + take(&in, 2) % 4096,
			.slot_count = 1 + take(&in, 2) % 600,
			.align = 64ULL << (take(&in, 1) % 4),
			.chunk_size = 4096ULL << (take(&in, 1) % 4),
		};

		if (arena_slots_geometry(&g) || g.total > sizeof(owner))
			return 0;
		CHECK(!arena_slots_init(&s, &g));
		total = g.total;
		max_req = g.slot_size;
	}
	memset(owner, 0, total / 64);

	while (in.left) {
		unsigned int op = take(&in, 1);

		if (op % 3 != 2 && nr_live < MAX_LIVE) {
			u64 req = take(&in, 3) % (max_req + max_req / 4 + 1);
			struct arena_block blk;
			bool span = buddy && op & 0x40;	/* up to the arena and beyond */
			int ret;

			if (span)
				req = max_req + 1 + take(&in, 3) % total;
			ret = span ? arena_buddy_alloc_span(&b, req, &blk) :
			      buddy ? arena_buddy_alloc(&b, req, &blk) :
				      arena_slots_alloc(&s, req, &blk);

			if (!req) {
				CHECK(ret == -EINVAL);
			} else if (span && req > total) {
				CHECK(ret == -EFBIG);
			} else if (!span && req > max_req) {
				CHECK(ret == -EFBIG);
			} else if (!ret) {
				CHECK(blk.size >= req && blk.offset + blk.size <= total);
				CHECK(blk.capacity >= req && blk.capacity <= blk.size);
				CHECK(range_is(blk.offset, blk.size, 0));
				range_set(blk.offset, blk.size, 1);
				live[nr_live++] = (struct live){ blk.offset, blk.size, req };
			} else {
				CHECK(ret == -ENOSPC);
			}
		} else if (op % 3 == 2 && nr_live && op & 0x80) {
			i = take(&in, 2) % nr_live;
			CHECK(!(buddy ? arena_buddy_free(&b, live[i].offset, live[i].req) :
					arena_slots_free(&s, live[i].offset, live[i].req)));
			range_set(live[i].offset, live[i].size, 0);
			live[i] = live[--nr_live];
		} else {
			/* A forged free changes nothing unless it names a live grant. */
			u64 off = take(&in, 3) % (total + 64), req = 1 + take(&in, 3) % (2 * total);
			int ret;

			for (i = 0; i < nr_live && live[i].offset != off; i++)
				;
			if (i < nr_live)
				continue;	/* would be legitimate; not a forgery */
			ret = buddy ? arena_buddy_free(&b, off, req) : arena_slots_free(&s, off, req);
			CHECK(ret == -EINVAL);
		}
	}

	while (nr_live--)
		CHECK(!(buddy ? arena_buddy_free(&b, live[nr_live].offset, live[nr_live].req) :
				arena_slots_free(&s, live[nr_live].offset, live[nr_live].req)));
	if (buddy) {
		arena_buddy_stats(&b, &st);
		CHECK(st.splits == st.coalesces);
		CHECK(arena_buddy_free_blocks(&b, b.max_order) == b.nr_chunks);
		arena_buddy_destroy(&b);
	} else {
		arena_slots_stats(&s, &st);
		arena_slots_destroy(&s);
	}
	CHECK(st.bytes_live == 0 && st.bytes_reserved == 0);
	CHECK(st.allocations_ok == st.frees);
	return 0;
}
