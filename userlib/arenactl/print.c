// SPDX-License-Identifier: GPL-2.0
/*
 * The one printer of an arena record.
 *
 * Every field is formatted in one place, field(), into its JSON value and
 * its text; a view is only a list of (field, text template) in the order
 * the view shows them.  JSON prints every field under its key, in the
 * order of json_view (the statistics nested under "stats"); the text views
 * print what their lists name.  Adding a field is one line in field() and
 * one in each list that shows it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arenactl.h"

enum field {
	F_ID, F_NAME, F_NAME_OR_DASH, F_KIND, F_MODE, F_OWNER_UID, F_OWNER_PID, F_NODE,
	F_CHUNK_ORDER, F_NR_CHUNKS, F_CHUNK_SIZE, F_SIZE, F_SLOT_SIZE, F_SLOT_COUNT, F_ALIGN,
	F_MIN_BLOCK, F_MAX_BLOCK, F_FLAGS, F_HOLDERS, F_ONE_DOMAIN, F_DOMAIN_SENTENCE,
	F_DEVICE, F_DEV_UID, F_DEV_GID, F_DEV_MODE, F_DMA_HEAP, F_HEAP_DEVICE, F_USED_PERCENT,
	F_EVENT,
	F_STATS,	/* the statistics follow, ARENA_S_* from here on */
};

#define STAT(s)		(F_STATS + (s))

/* When a list entry applies. */
#define ALWAYS		0
#define IF_FIXED	1	/* fixed-slot arenas */
#define IF_BUDDY	2	/* buddy arenas */
#define IF_NAMED	4	/* named arenas */
#define IF_HAS_NAME	8	/* arenas with a name */

struct item {
	int field;
	const char *text;	/* the text view's template, one %s; unused by JSON */
	unsigned int when;
};

/* A field as JSON (a number, true or false, or a string) and as text. */
struct value {
	const char *key;	/* JSON member; NULL: text only */
	bool quoted;		/* json is a string, escaped as it prints */
	char json[160];
	char text[160];
};

/* Statistics' JSON keys; those in bytes print in binary units as text. */
static const struct {
	const char *key;
	bool bytes;
} stats[ARENA_S_MAX + 1] = {
	[ARENA_S_ALLOCATIONS_OK]	= { "allocations_ok" },
	[ARENA_S_ALLOCATIONS_FAILED]	= { "allocations_failed" },
	[ARENA_S_FREES]			= { "frees" },
	[ARENA_S_BYTES_RESERVED]	= { "bytes_reserved", true },
	[ARENA_S_BYTES_LIVE]		= { "bytes_live", true },
	[ARENA_S_SPLITS]		= { "splits" },
	[ARENA_S_COALESCES]		= { "coalesces" },
	[ARENA_S_LARGEST_FREE_BLOCK]	= { "largest_free_block", true },
	[ARENA_S_BYTES_MAPPED]		= { "bytes_mapped", true },
	[ARENA_S_PMD_FAULTS]		= { "pmd_faults" },
	[ARENA_S_PTE_FAULTS]		= { "pte_faults" },
	[ARENA_S_LIVE_GRANTS]		= { "live_grants" },
	[ARENA_S_EXPORTED_GRANTS]	= { "exported_grants" },
	[ARENA_S_METADATA_BYTES]	= { "metadata_bytes", true },
	[ARENA_S_FRAGMENTATION]		= { "fragmentation_permille" },
	[ARENA_S_LARGEST_FREE_GRANT]	= { "largest_free_grant", true },
	[ARENA_S_LARGEST_FREE_CONTIG]	= { "largest_free_contig", true },
	[ARENA_S_SPAN_FRAGMENTATION]	= { "span_fragmentation_permille" },
};

/* Bytes in the largest binary unit that divides them exactly: 2G, 4K, 700. */
static const char *human(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (v && !(v & 1023) && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, v);
	else
		snprintf(buf, size, "%" PRIu64 "%c", v, units[u]);
	return buf;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void flags_text(uint32_t flags, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < nr_flag_names; i++)
		if (flags & (1U << i))
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "", flag_names[i]);
	if (!n)
		snprintf(buf, size, "none");
}

static void number(struct value *v, const char *key, uint64_t n)
{
	v->key = key;
	snprintf(v->json, sizeof(v->json), "%" PRIu64, n);
	snprintf(v->text, sizeof(v->text), "%" PRIu64, n);
}

static void bytes(struct value *v, const char *key, uint64_t n)
{
	number(v, key, n);
	human(n, v->text, sizeof(v->text));
}

/* A string, the same both ways (@s may be @v->text). */
static void string(struct value *v, const char *key, const char *s)
{
	v->key = key;
	v->quoted = true;
	snprintf(v->json, sizeof(v->json), "%s", s);
	strcpy(v->text, v->json);
}

static unsigned int used_percent(const struct arena_listing *r)
{
	return r->size ? (unsigned int)(r->stats[ARENA_S_BYTES_RESERVED] * 100 / r->size) : 0;
}

/* Field @f of @r, formatted both ways: the one place that formats it. */
static void field(const struct arena_listing *r, int f, struct value *v)
{
	memset(v, 0, sizeof(*v));
	switch (f) {
	case F_ID:		number(v, "id", r->id); break;
	case F_NAME:		string(v, "name", r->name); break;
	case F_NAME_OR_DASH:	string(v, NULL, r->name[0] ? r->name : "-"); break;
	case F_KIND:		string(v, "kind", kind_name(r->kind)); break;
	case F_MODE:
		string(v, "mode", r->mode == ARENA_MODE_FIXED ? "fixed" : "buddy");
		break;
	case F_OWNER_UID:	number(v, "owner_uid", r->owner_uid); break;
	case F_OWNER_PID:	number(v, "owner_pid", r->owner_pid); break;
	case F_NODE:		/* signed: -1 is "the local node" */
		v->key = "node";
		snprintf(v->json, sizeof(v->json), "%" PRId32, r->node);
		strcpy(v->text, v->json);
		break;
	case F_CHUNK_ORDER:	number(v, "chunk_order", r->chunk_order); break;
	case F_NR_CHUNKS:	number(v, "nr_chunks", r->nr_chunks); break;
	case F_CHUNK_SIZE:
		bytes(v, NULL, r->size / (r->nr_chunks ? r->nr_chunks : 1));
		break;
	case F_SIZE:		bytes(v, "size", r->size); break;
	case F_SLOT_SIZE:	bytes(v, "slot_size", r->slot_size); break;
	case F_SLOT_COUNT:	number(v, "slot_count", r->slot_count); break;
	case F_ALIGN:		bytes(v, "align", r->align); break;
	case F_MIN_BLOCK:	bytes(v, "min_block", r->min_block); break;
	case F_MAX_BLOCK:	bytes(v, "max_block", r->max_block); break;
	case F_FLAGS:
		flags_text(r->flags, v->text, sizeof(v->text));
		string(v, "flags", v->text);
		break;
	case F_HOLDERS:		number(v, "holders", r->holders); break;
	case F_ONE_DOMAIN:
		v->key = "one_domain";
		strcpy(v->json, r->one_domain ? "true" : "false");
		strcpy(v->text, r->one_domain ? "one" : "isolated");
		break;
	case F_DOMAIN_SENTENCE:
		string(v, NULL, r->one_domain ? "one trust domain (the whole arena may be mapped)" :
						"isolated (each holder sees only its own grants)");
		break;
	case F_DEVICE:
		snprintf(v->text, sizeof(v->text), "/dev/arenas/%s", r->name);
		string(v, "device", v->text);
		break;
	case F_DEV_UID:		number(v, "dev_uid", r->dev_uid); break;
	case F_DEV_GID:		number(v, "dev_gid", r->dev_gid); break;
	case F_DEV_MODE:
		snprintf(v->text, sizeof(v->text), "%04" PRIo32, r->dev_mode);
		string(v, "dev_mode", v->text);
		break;
	case F_DMA_HEAP:	/* the kernel says for named arenas only */
		v->key = "dma_heap";
		strcpy(v->json, r->dma_heap ? "true" : "false");
		strcpy(v->text, r->kind != ARENA_KIND_NAMED ? "-" : r->dma_heap ? "yes" : "no");
		break;
	case F_HEAP_DEVICE:
		if (r->dma_heap)
			snprintf(v->text, sizeof(v->text), "/dev/dma_heap/arena-%s", r->name);
		string(v, NULL, r->dma_heap ? v->text : "none");
		break;
	case F_USED_PERCENT:	number(v, NULL, used_percent(r)); break;
	case F_EVENT:		string(v, "event", event_name(r->event)); break;
	default:		/* a statistic */
		if (stats[f - F_STATS].bytes)
			bytes(v, stats[f - F_STATS].key, r->stats[f - F_STATS]);
		else
			number(v, stats[f - F_STATS].key, r->stats[f - F_STATS]);
		if (f == STAT(ARENA_S_FRAGMENTATION) || f == STAT(ARENA_S_SPAN_FRAGMENTATION))
			snprintf(v->text, sizeof(v->text), "%.1f", r->stats[f - F_STATS] / 10.0);
		break;
	}
}

/* JSON: every field with a key, in this order; the statistics nested. */
static const int json_fields[] = {
	F_ID, F_NAME, F_KIND, F_MODE, F_OWNER_UID, F_OWNER_PID, F_NODE, F_CHUNK_ORDER,
	F_NR_CHUNKS, F_SIZE, F_SLOT_SIZE, F_SLOT_COUNT, F_ALIGN, F_MIN_BLOCK, F_MAX_BLOCK,
	F_FLAGS, F_HOLDERS, F_ONE_DOMAIN, F_DEVICE, F_DEV_UID, F_DEV_GID, F_DEV_MODE,
	F_DMA_HEAP,
};

static const struct item show_view[] = {
	{ F_ID, "arena %s", ALWAYS },
	{ F_NAME, " \"%s\"", IF_HAS_NAME },
	{ F_KIND, ": %s", ALWAYS },
	{ F_MODE, ", %s", ALWAYS },
	{ F_SIZE, ", %s", ALWAYS },
	{ F_NODE, " on node %s", ALWAYS },
	{ F_NR_CHUNKS, " in %s chunks", ALWAYS },
	{ F_CHUNK_SIZE, " of %s", ALWAYS },
	{ F_CHUNK_ORDER, " (order %s)\n", ALWAYS },
	{ F_SLOT_COUNT, "  slots: %s", IF_FIXED },
	{ F_SLOT_SIZE, " of %s", IF_FIXED },
	{ F_ALIGN, ", aligned to %s", IF_FIXED },
	{ F_MIN_BLOCK, "  blocks: %s", IF_BUDDY },
	{ F_MAX_BLOCK, " to %s", IF_BUDDY },
	{ F_FLAGS, "; flags: %s\n", ALWAYS },
	{ F_DEVICE, "  device: %s", IF_NAMED },
	{ F_DEV_UID, " owner %s", IF_NAMED },
	{ F_DEV_GID, " group %s", IF_NAMED },
	{ F_DEV_MODE, " mode %s", IF_NAMED },
	{ F_HEAP_DEVICE, "; dma-buf heap: %s\n", IF_NAMED },
	{ F_OWNER_UID, "  made by uid %s", ALWAYS },
	{ F_OWNER_PID, " pid %s", ALWAYS },
	{ F_HOLDERS, "; %s files hold it", ALWAYS },
	{ F_DOMAIN_SENTENCE, "; %s\n", ALWAYS },
	{ STAT(ARENA_S_LIVE_GRANTS), "  in use: %s grants", ALWAYS },
	{ STAT(ARENA_S_BYTES_LIVE), ", %s live", ALWAYS },
	{ STAT(ARENA_S_BYTES_RESERVED), ", %s reserved", ALWAYS },
	{ F_USED_PERCENT, " (%s%%)", ALWAYS },
	{ STAT(ARENA_S_LARGEST_FREE_BLOCK), "; largest free block %s", ALWAYS },
	{ STAT(ARENA_S_FRAGMENTATION), "; fragmentation %s%%\n", ALWAYS },
	{ STAT(ARENA_S_LARGEST_FREE_GRANT), "  largest grant now: %s", ALWAYS },
	{ STAT(ARENA_S_LARGEST_FREE_CONTIG), ", %s physically contiguous", ALWAYS },
	{ STAT(ARENA_S_SPAN_FRAGMENTATION), "; span fragmentation %s%%\n", ALWAYS },
	{ STAT(ARENA_S_ALLOCATIONS_OK), "  allocations: %s ok", ALWAYS },
	{ STAT(ARENA_S_ALLOCATIONS_FAILED), ", %s failed", ALWAYS },
	{ STAT(ARENA_S_FREES), "; frees %s", ALWAYS },
	{ STAT(ARENA_S_SPLITS), "; splits %s", ALWAYS },
	{ STAT(ARENA_S_COALESCES), ", coalesces %s\n", ALWAYS },
	{ STAT(ARENA_S_BYTES_MAPPED), "  mapped %s", ALWAYS },
	{ STAT(ARENA_S_PMD_FAULTS), "; faults: %s PMD", ALWAYS },
	{ STAT(ARENA_S_PTE_FAULTS), ", %s PTE", ALWAYS },
	{ STAT(ARENA_S_EXPORTED_GRANTS), "; exported %s", ALWAYS },
	{ STAT(ARENA_S_METADATA_BYTES), "; metadata %s\n", ALWAYS },
};

static const struct item row_view[] = {
	{ F_ID, "%-5s", ALWAYS },
	{ F_NAME_OR_DASH, " %-16s", ALWAYS },
	{ F_KIND, " %-8s", ALWAYS },
	{ F_MODE, " %-6s", ALWAYS },
	{ F_SIZE, " %8s", ALWAYS },
	{ STAT(ARENA_S_BYTES_LIVE), " %8s", ALWAYS },
	{ F_USED_PERCENT, " %5s%%", ALWAYS },
	{ STAT(ARENA_S_FRAGMENTATION), " %5s%%", ALWAYS },
	{ F_HOLDERS, " %7s", ALWAYS },
	{ F_OWNER_UID, " %6s", ALWAYS },
	{ F_ONE_DOMAIN, " %-8s", ALWAYS },
	{ F_DMA_HEAP, " %s\n", ALWAYS },
};

static const struct item event_view[] = {
	{ F_EVENT, "%-7s", ALWAYS },
	{ F_ID, " arena %s ", ALWAYS },
	{ F_NAME, "\"%s\" ", IF_HAS_NAME },
	{ F_KIND, "(%s)", ALWAYS },
	{ STAT(ARENA_S_LIVE_GRANTS), ": %s live grants", ALWAYS },
	{ F_USED_PERCENT, ", %s%% used\n", ALWAYS },
};

static const struct item made_view[] = {
	{ F_ID, "made arena %s", ALWAYS },
	{ F_NAME, " \"%s\"", ALWAYS },
	{ F_DEVICE, ": %s\n", ALWAYS },
};

static const struct {
	const struct item *items;
	size_t n;
} views[NR_VIEWS] = {
	[VIEW_SHOW]	= { show_view, sizeof(show_view) / sizeof(show_view[0]) },
	[VIEW_ROW]	= { row_view, sizeof(row_view) / sizeof(row_view[0]) },
	[VIEW_EVENT]	= { event_view, sizeof(event_view) / sizeof(event_view[0]) },
	[VIEW_MADE]	= { made_view, sizeof(made_view) / sizeof(made_view[0]) },
};

static bool applies(const struct arena_listing *r, unsigned int when)
{
	return (!(when & IF_FIXED) || r->mode == ARENA_MODE_FIXED) &&
	       (!(when & IF_BUDDY) || r->mode != ARENA_MODE_FIXED) &&
	       (!(when & IF_NAMED) || r->kind == ARENA_KIND_NAMED) &&
	       (!(when & IF_HAS_NAME) || r->name[0]);
}

/* Whether JSON has field @f for @r: what the kernel sent for this arena. */
static bool json_has(const struct arena_listing *r, int f)
{
	switch (f) {
	case F_SLOT_SIZE: case F_SLOT_COUNT: case F_ALIGN:
		return applies(r, IF_FIXED);
	case F_MIN_BLOCK: case F_MAX_BLOCK:
		return applies(r, IF_BUDDY);
	case F_DEVICE: case F_DEV_UID: case F_DEV_GID: case F_DEV_MODE: case F_DMA_HEAP:
		return applies(r, IF_NAMED);
	}
	return true;
}

static void json_member(const struct value *v, bool first)
{
	printf("%s\"%s\":", first ? "" : ",", v->key);
	if (v->quoted)
		json_string(v->json);
	else
		fputs(v->json, stdout);
}

static void json_object(const struct arena_listing *r)
{
	struct value v;
	size_t i;
	int s;

	putchar('{');
	for (i = 0; i < sizeof(json_fields) / sizeof(json_fields[0]); i++) {
		if (!json_has(r, json_fields[i]))
			continue;
		field(r, json_fields[i], &v);
		json_member(&v, i == 0);
	}
	printf(",\"stats\":{");
	for (s = 0, i = 0; s <= ARENA_S_MAX; s++) {
		if (!stats[s].key)
			continue;
		field(r, STAT(s), &v);
		json_member(&v, i++ == 0);
	}
	printf("}}");
}

/**
 * arena_print() - @r as @view shows it, or as JSON with -j
 * @r: the record
 * @view: which
 *
 * JSON is the same object in every view (an event's wrapped with the
 * event's kind), followed by a newline except in a list, whose caller
 * separates and brackets the objects.
 */
void arena_print(const struct arena_listing *r, enum arena_view view)
{
	const struct item *it;
	struct value v;
	size_t i;

	if (json) {
		if (view == VIEW_EVENT) {
			field(r, F_EVENT, &v);
			printf("{");
			json_member(&v, true);
			printf(",\"arena\":");
		}
		json_object(r);
		printf(view == VIEW_EVENT ? "}\n" : view == VIEW_ROW ? "" : "\n");
		return;
	}
	for (i = 0; i < views[view].n; i++) {
		it = &views[view].items[i];
		if (!applies(r, it->when))
			continue;
		field(r, it->field, &v);
		printf(it->text, v.text);
	}
}

/* The column heads of a text table of @view (only VIEW_ROW has them). */
void arena_print_header(enum arena_view view)
{
	if (view == VIEW_ROW && !json)
		printf("%-5s %-16s %-8s %-6s %8s %8s %6s %6s %7s %6s %-8s %s\n", "ID", "NAME",
		       "KIND", "MODE", "SIZE", "LIVE", "USED", "FRAG", "HOLDERS", "OWNER", "DOMAIN",
		       "HEAP");
}
