/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hierarchical bitmap: level 0 holds the bits; bit j of a word at level
 * l + 1 says whether word j of level l is non-zero.  Setting, clearing and
 * finding the first set bit cost one word operation per level (at most
 * ARENA_HBITMAP_MAX_LEVELS), never a scan.
 *
 * struct arena_hbitmap is only a shape (how many bits, where each level
 * starts); the words live elsewhere, so that many bitmaps of one shape (the
 * buddy allocator's lanes) share one description.
 *
 * Not atomic: the buddy allocator uses it under its lane locks.
 */
#ifndef ARENA_BITMAP_H
#define ARENA_BITMAP_H

#include "core_compat.h"

#define ARENA_HBITMAP_MAX_LEVELS	6	/* 64^6 > 2^32 bits */

struct arena_hbitmap {
	u32 nbits;
	u32 levels;
	u32 off[ARENA_HBITMAP_MAX_LEVELS];	/* first word of each level */
};

size_t arena_hbitmap_layout(struct arena_hbitmap *hb, u32 nbits, size_t first_word);
void arena_hbitmap_set(const struct arena_hbitmap *hb, unsigned long *words,
		       unsigned int nr);
void arena_hbitmap_clear(const struct arena_hbitmap *hb, unsigned long *words,
			 unsigned int nr);
long arena_hbitmap_find_first(const struct arena_hbitmap *hb,
			      const unsigned long *words);

static inline bool arena_hbitmap_test(const struct arena_hbitmap *hb,
				      const unsigned long *words, unsigned int nr)
{
	return test_bit(nr, words + hb->off[0]);
}

#endif /* ARENA_BITMAP_H */
