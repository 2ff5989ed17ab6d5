// SPDX-License-Identifier: GPL-2.0
/*
 * Hierarchical bitmap for the buddy allocator's free lists; see bitmap.h.
 */

#include "bitmap.h"

/**
 * arena_hbitmap_layout() - describe a bitmap of @nbits placed at @first_word
 * @hb: the shape to fill in
 * @nbits: bits at level 0
 * @first_word: index of its first word in the word array it will live in
 *
 * Return: the index of the first word after it.  All its words start zero,
 * which is the empty bitmap.
 */
size_t arena_hbitmap_layout(struct arena_hbitmap *hb, u32 nbits, size_t first_word)
{
	size_t n = nbits ? nbits : 1;

	hb->nbits = nbits;
	hb->levels = 0;
	do {
		n = DIV_ROUND_UP(n, BITS_PER_LONG);
		hb->off[hb->levels++] = first_word;
		first_word += n;
	} while (n > 1);
	return first_word;
}

void arena_hbitmap_set(const struct arena_hbitmap *hb, unsigned long *words,
		       unsigned int nr)
{
	unsigned int l;

	for (l = 0; l < hb->levels; l++) {
		unsigned long *w = &words[hb->off[l] + nr / BITS_PER_LONG];
		unsigned long was = *w;

		*w = was | BIT(nr % BITS_PER_LONG);
		if (was)	/* the levels above already see this word */
			break;
		nr /= BITS_PER_LONG;
	}
}

void arena_hbitmap_clear(const struct arena_hbitmap *hb, unsigned long *words,
			 unsigned int nr)
{
	unsigned int l;

	for (l = 0; l < hb->levels; l++) {
		unsigned long *w = &words[hb->off[l] + nr / BITS_PER_LONG];

		*w &= ~BIT(nr % BITS_PER_LONG);
		if (*w)		/* still non-empty: the levels above stay set */
			break;
		nr /= BITS_PER_LONG;
	}
}

/* The lowest set bit, or -1 when none is set. */
long arena_hbitmap_find_first(const struct arena_hbitmap *hb,
			      const unsigned long *words)
{
	unsigned long nr = 0;
	int l;

	for (l = hb->levels - 1; l >= 0; l--) {
		unsigned long w = words[hb->off[l] + nr];

		if (!w)
			return -1;
		nr = nr * BITS_PER_LONG + __ffs(w);
	}
	return nr;
}
