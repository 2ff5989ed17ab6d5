// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed-slot allocator.
 *
 * Concurrency design: nothing here takes a lock.  Slot state lives in an
 * array of atomic words, one bit per slot, set while the slot is free.
 *
 *  - Claim reads a word and clears the lowest set bits it wants with one
 *    cmpxchg (acquire); a failed cmpxchg reloads and retries on that word.
 *    A batch takes as many bits of one word as it can in the same cmpxchg.
 *  - Release sets the bit with fetch_or (release).  The release/acquire pair
 *    orders the previous holder's last use of the slot before the next
 *    holder's first, and the old value returned by fetch_or exposes a double
 *    free without changing any state.
 *  - Each CPU starts claiming at its own word (a per-CPU hint, spread over
 *    the bitmap at init and moved when the word runs dry), so contending
 *    CPUs work on different words and usually different cache lines.
 *  - "Full" (-ENOSPC) means one pass over every word found nothing.  A slot
 *    released behind the pass is not seen; callers that wait for space
 *    re-try after a release wakes them.
 *  - Counters are per-CPU (struct arena_core_pcpu), summed on read;
 *    bytes_reserved is derived from them (one slot per live grant).
 *
 * Layout: the bit positions of each chunk form a power-of-two range so that
 * a position splits into (chunk, slot) with shifts; positions past the
 * chunk's slots (or past slot_count in the last chunk) are never set.
 */

#include "slots.h"

int arena_slots_geometry(struct arena_slots_geometry *g)
{
	u64 size, spc, bits;

	if (!g->slot_size || !g->slot_count || !g->align || !g->chunk_size)
		return -EINVAL;
	if (!is_power_of_2(g->align) || !is_power_of_2(g->chunk_size))
		return -EINVAL;
	if (check_add_overflow(g->slot_size, g->align - 1, &size))
		return -EOVERFLOW;
	size &= ~(g->align - 1);
	if (size > g->chunk_size)
		return -EINVAL;		/* a slot must fit in one chunk */

	spc = g->chunk_size / size;
	g->slot_size = size;
	g->slots_per_chunk = spc;
	/* Not DIV_ROUND_UP: slot_count + spc - 1 can wrap to a small count. */
	g->nr_chunks = g->slot_count / spc + !!(g->slot_count % spc);
	if (check_mul_overflow(g->nr_chunks, g->chunk_size, &g->total))
		return -EOVERFLOW;
	if (check_mul_overflow(g->nr_chunks, roundup_pow_of_two(spc), &bits) ||
	    bits > (1ULL << 31))
		return -EOVERFLOW;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_geometry);

static void set_free_range(struct arena_slots *s, u64 pos, u64 len)
{
	while (len) {
		unsigned int bit = pos % BITS_PER_LONG;
		unsigned int n = min_t(u64, len, BITS_PER_LONG - bit);
		unsigned long mask = (n == BITS_PER_LONG ? ~0UL : (BIT(n) - 1)) << bit;
		atomic_long_t *w = &s->words[pos / BITS_PER_LONG];

		atomic_long_set(w, atomic_long_read(w) | mask);
		pos += n;
		len -= n;
	}
}

int arena_slots_init(struct arena_slots *s, const struct arena_slots_geometry *g)
{
	u64 bits_per_chunk = roundup_pow_of_two(g->slots_per_chunk);
	u64 c, left = g->slot_count;
	unsigned int cpu;

	s->slot_size = g->slot_size;
	s->slots_per_chunk = g->slots_per_chunk;
	s->slot_count = g->slot_count;
	s->total = g->total;
	s->chunk_shift = ilog2(g->chunk_size);
	s->chunk_bits_shift = ilog2(bits_per_chunk);
	s->slot_shift = is_power_of_2(g->slot_size) ? ilog2(g->slot_size) : 0;
	s->nr_words = DIV_ROUND_UP(g->nr_chunks * bits_per_chunk, BITS_PER_LONG);

	s->words = kvcalloc(s->nr_words, sizeof(*s->words),
			    GFP_KERNEL | __GFP_ACCOUNT);
	if (!s->words)
		return -ENOMEM;
	s->pcpu = alloc_percpu_gfp(struct arena_core_pcpu,
				   GFP_KERNEL | __GFP_ACCOUNT);
	if (!s->pcpu) {
		kvfree(s->words);
		return -ENOMEM;
	}

	for (c = 0; left; c++) {
		u64 n = min(left, g->slots_per_chunk);

		set_free_range(s, c * bits_per_chunk, n);
		left -= n;
	}
	/* Spread the CPUs' starting words: a multiplicative hash of the id. */
	for_each_possible_cpu(cpu)
		per_cpu_ptr(s->pcpu, cpu)->hint =
			(u32)(cpu * 0x9e3779b9U) % s->nr_words;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_init);

void arena_slots_destroy(struct arena_slots *s)
{
	free_percpu(s->pcpu);
	kvfree(s->words);
	s->pcpu = NULL;
	s->words = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_destroy);

/* Claim up to @want slots from one word; returns the bits taken. */
static unsigned long claim_word(atomic_long_t *word, unsigned int want)
{
	long old = atomic_long_read(word);
	unsigned long take, rest;
	unsigned int k;

	do {
		if (!old)
			return 0;
		take = 0;
		rest = old;
		for (k = 0; rest && k < want; k++) {
			take |= rest & -rest;	/* lowest remaining bit */
			rest &= rest - 1;
		}
	} while (!atomic_long_try_cmpxchg_acquire(word, &old, old & ~take));
	return take;
}

/* Claim the lowest free slot of one word; returns its bit or 0. */
static unsigned long claim_one(atomic_long_t *word)
{
	long old = atomic_long_read(word);
	unsigned long bits;

	do {
		if (!old)
			return 0;
		bits = old;
	} while (!atomic_long_try_cmpxchg_acquire(word, &old, bits & (bits - 1)));
	return bits & -bits;
}

/* Claim up to @want slots, one pass over the words from this CPU's hint. */
static unsigned int claim(struct arena_slots *s, unsigned int want, u64 *pos)
{
	unsigned int start = this_cpu_read(s->pcpu->hint);
	unsigned int i, got = 0;

	if (unlikely(start >= s->nr_words))
		start = 0;
	for (i = 0; i < s->nr_words && got < want; i++) {
		unsigned int w = start + i < s->nr_words ? start + i : start + i - s->nr_words;
		unsigned long take = claim_word(&s->words[w], want - got);

		if (!take)
			continue;
		if (w != start)
			this_cpu_write(s->pcpu->hint, w);
		while (take) {
			pos[got++] = (u64)w * BITS_PER_LONG + __ffs(take);
			take &= take - 1;
		}
	}
	return got;
}

static void fill_block(struct arena_slots *s, u64 pos, struct arena_block *blk)
{
	u64 chunk = pos >> s->chunk_bits_shift;
	u64 slot = pos & ((1ULL << s->chunk_bits_shift) - 1);

	blk->offset = (chunk << s->chunk_shift) + slot * s->slot_size;
	blk->size = s->slot_size;
	blk->capacity = s->slot_size;
}

/**
 * arena_slots_alloc_batch() - claim up to @n slots for requests of @size bytes
 * @s: the allocator
 * @size: bytes each grant must hold, at most the slot size
 * @n: slots wanted
 * @blks: receives the slots granted
 *
 * Return: the number of slots granted (1 to @n), -EINVAL for a zero @size or
 * @n, -EFBIG if @size exceeds the slot size, -ENOSPC if no slot is free.
 */
int arena_slots_alloc_batch(struct arena_slots *s, u64 size, unsigned int n,
			    struct arena_block *blks)
{
	u64 pos[BITS_PER_LONG];
	unsigned int got = 0, i, k;

	if (!size || !n)
		return -EINVAL;
	if (size > s->slot_size)
		return -EFBIG;
	while (got < n) {
		k = claim(s, min_t(unsigned int, n - got, BITS_PER_LONG), pos);
		if (!k)
			break;
		for (i = 0; i < k; i++)
			fill_block(s, pos[i], &blks[got + i]);
		got += k;
	}
	if (!got) {
		this_cpu_add(s->pcpu->allocations_failed, 1);
		return -ENOSPC;
	}
	this_cpu_add(s->pcpu->allocations_ok, got);
	this_cpu_add(s->pcpu->bytes_live, (s64)(size * got));
	return got;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_alloc_batch);

/* One slot: arena_slots_alloc_batch() without the batch bookkeeping. */
int arena_slots_alloc(struct arena_slots *s, u64 size, struct arena_block *blk)
{
	unsigned int start = this_cpu_read(s->pcpu->hint);
	unsigned int i, w;
	unsigned long bit;

	if (!size)
		return -EINVAL;
	if (size > s->slot_size)
		return -EFBIG;
	if (unlikely(start >= s->nr_words))
		start = 0;
	for (i = 0, w = start; i < s->nr_words; i++, w = w + 1 < s->nr_words ? w + 1 : 0) {
		bit = claim_one(&s->words[w]);
		if (!bit)
			continue;
		if (w != start)
			this_cpu_write(s->pcpu->hint, w);
		fill_block(s, (u64)w * BITS_PER_LONG + __ffs(bit), blk);
		this_cpu_add(s->pcpu->allocations_ok, 1);
		this_cpu_add(s->pcpu->bytes_live, (s64)size);
		return 0;
	}
	this_cpu_add(s->pcpu->allocations_failed, 1);
	return -ENOSPC;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_alloc);

/* The bit position of the slot at @offset, or -1 if no slot starts there. */
static s64 slot_position(const struct arena_slots *s, u64 offset)
{
	u64 chunk = offset >> s->chunk_shift;
	u64 within = offset & ((1ULL << s->chunk_shift) - 1);
	u64 slot;

	if (offset >= s->total)
		return -1;
	if (s->slot_shift) {
		if (within & (s->slot_size - 1))
			return -1;
		slot = within >> s->slot_shift;
	} else {
		if (within % s->slot_size)
			return -1;
		slot = within / s->slot_size;
	}
	if (slot >= s->slots_per_chunk ||
	    chunk * s->slots_per_chunk + slot >= s->slot_count)
		return -1;
	return (chunk << s->chunk_bits_shift) + slot;
}

/**
 * arena_slots_free() - release the slot at @offset, granted for @size bytes
 * @s: the allocator
 * @offset: the slot's offset, as granted
 * @size: the size it was requested with
 *
 * Return: 0, or -EINVAL if no slot starts at @offset, @size could not have
 * been granted, or the slot is already free (a double free changes nothing).
 */
int arena_slots_free(struct arena_slots *s, u64 offset, u64 size)
{
	s64 pos = slot_position(s, offset);
	unsigned long bit;

	if (pos < 0 || !size || size > s->slot_size)
		return -EINVAL;
	bit = BIT(pos % BITS_PER_LONG);
	if (atomic_long_fetch_or_release(bit, &s->words[pos / BITS_PER_LONG]) & bit)
		return -EINVAL;
	this_cpu_add(s->pcpu->frees, 1);
	this_cpu_add(s->pcpu->bytes_live, -(s64)size);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_free);

/* Release @n slots granted for @size bytes each; returns how many were live. */
int arena_slots_free_batch(struct arena_slots *s, const struct arena_block *blks,
			   unsigned int n, u64 size)
{
	unsigned int i;
	int freed = 0;

	for (i = 0; i < n; i++)
		if (!arena_slots_free(s, blks[i].offset, size))
			freed++;
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_free_batch);

void arena_slots_stats(struct arena_slots *s, struct arena_core_stats *st)
{
	arena_core_stats_sum(s->pcpu, st);
	/* Every live grant reserves one slot: derived, not counted. */
	st->bytes_reserved = st->allocations_ok > st->frees ?
			     (st->allocations_ok - st->frees) * s->slot_size : 0;
	st->largest_free_block =
		st->bytes_reserved < s->slot_count * s->slot_size ? s->slot_size : 0;
	st->largest_free_grant = st->largest_free_block;
}
EXPORT_SYMBOL_IF_KUNIT(arena_slots_stats);

size_t arena_slots_metadata_bytes(const struct arena_slots *s)
{
	return sizeof(*s) + s->nr_words * sizeof(*s->words) +
	       nr_cpu_ids * sizeof(struct arena_core_pcpu);
}

/* Slots never cross a chunk: a span larger than one is never a slot. */
static int slots_alloc_span(void __always_unused *core, u64 __always_unused size,
			    struct arena_block __always_unused *blk)
{
	return -EFBIG;
}

static int slots_alloc_batch(void *core, u64 size, unsigned int n, struct arena_block *blks)
{
	return arena_slots_alloc_batch(core, size, n, blks);
}

static int slots_free(void *core, u64 offset, u64 size)
{
	return arena_slots_free(core, offset, size);
}

static void slots_stats(void *core, struct arena_core_stats *st)
{
	arena_slots_stats(core, st);
}

static bool slots_has_space(void *core)
{
	struct arena_core_stats st;

	arena_slots_stats(core, &st);
	return st.largest_free_block != 0;
}

static size_t slots_metadata_bytes(const void *core)
{
	return arena_slots_metadata_bytes(core);
}

static void slots_destroy(void *core)
{
	arena_slots_destroy(core);
}

const struct arena_core_ops arena_slots_ops = {
	.alloc_batch	= slots_alloc_batch,
	.alloc_span	= slots_alloc_span,
	.free		= slots_free,
	.has_space	= slots_has_space,
	.stats		= slots_stats,
	.metadata_bytes	= slots_metadata_bytes,
	.destroy	= slots_destroy,
};
