/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arenactl's parts: the commands (main.c), the netlink transport (nl.c),
 * the arena record the kernel sends (listing.c) and its one printer
 * (print.c).  See arenactl(8).
 */
#ifndef ARENACTL_H
#define ARENACTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include <linux/arena.h>

#define EXIT_USAGE	2

/* main.c */
extern bool json;		/* -j: JSON output */
void usage_error(const char *fmt, const char *arg);

/* nl.c: one socket to the family, with the kernel's reason for a failure */
struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	uint16_t family;
	uint32_t events_group;
	char ext_msg[256];		/* the kernel's extended ack, if any */
	bool interrupted;		/* the last dump was marked inconsistent */
};

void nl_open(struct nl *nl);
void nl_die(struct nl *nl, const char *what);
struct nlmsghdr *nl_request(struct nl *nl, char *buf, uint16_t type, uint8_t cmd,
			    uint16_t flags);
int nl_send(struct nl *nl, struct nlmsghdr *nlh);
int nl_talk(struct nl *nl, mnl_cb_t cb, void *data);

/* listing.c: one arena as the kernel lists it (ARENA_CMD_GET, events) */
struct arena_listing {
	uint32_t id, kind, owner_uid, owner_pid, mode, flags, chunk_order, holders, event;
	int32_t node;
	uint64_t nr_chunks, size, min_block, max_block, slot_size, slot_count, align;
	uint32_t dev_uid, dev_gid, dev_mode;
	bool one_domain;	/* its holders are one trust domain */
	bool dma_heap;		/* named: also served as /dev/dma_heap/arena-<name> */
	char name[ARENA_NAME_MAX];
	uint64_t stats[ARENA_S_MAX + 1];
};

void arena_parse(const struct nlmsghdr *nlh, struct arena_listing *r);
const char *kind_name(uint32_t kind);
const char *event_name(uint32_t event);
extern const char *const flag_names[];
extern const size_t nr_flag_names;

/* print.c: every way an arena is shown, text or JSON, by one printer */
enum arena_view {
	VIEW_SHOW,	/* arenactl show: every field, in sentences */
	VIEW_ROW,	/* arenactl list: one row of the table */
	VIEW_EVENT,	/* arenactl monitor: one line per event */
	VIEW_MADE,	/* arenactl create: what was made */
	NR_VIEWS
};

void arena_print(const struct arena_listing *r, enum arena_view view);
void arena_print_header(enum arena_view view);

#endif /* ARENACTL_H */
