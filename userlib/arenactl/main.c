// SPDX-License-Identifier: GPL-2.0
/*
 * arenactl: see and shape arena memory system-wide, over the "arena"
 * generic netlink family (libmnl).  See arenactl(8).  This file reads the
 * command line and runs the commands; nl.c talks to the kernel, listing.c
 * reads its records and print.c shows them.
 *
 * Exit status: 0 done, 1 failed (the kernel's reason is printed), 2 usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/netlink.h>

#include "arenactl.h"

#define DUMP_RETRIES	10

bool json;

void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "arenactl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see arenactl --help)\n");
	exit(EXIT_USAGE);
}

/* "1G", "4K", "512", "2M" (binary units); false if not a size. */
static bool parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTPE";
	unsigned long long v;
	const char *u;
	char *end;
	int shift;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return false;
	if (!*end) {
		*out = v;
		return true;
	}
	u = strchr(units, toupper((unsigned char)*end));
	if (!u || (end[1] && strcasecmp(end + 1, "iB") && strcasecmp(end + 1, "B")))
		return false;
	shift = 10 * (int)(u - units + 1);
	if (v > (~0ULL >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_u32(const char *s, uint32_t *out, int base)
{
	unsigned long v;
	char *end;

	if (!*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

/* ---- commands -------------------------------------------------------------- */

struct dump {
	struct arena_listing *recs;
	size_t n, cap;
};

static int dump_reply(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->recs = realloc(d->recs, d->cap * sizeof(*d->recs));
		if (!d->recs) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
	}
	arena_parse(nlh, &d->recs[d->n++]);
	return MNL_CB_OK;
}

static int cmd_list(struct nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dump d = { 0 };
	int tries;
	size_t i;

	/* Arenas that come and go during a dump flag it: take it again. */
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		d.n = 0;
		if (nl_send(nl, nl_request(nl, buf, nl->family, ARENA_CMD_GET, NLM_F_DUMP)) ||
		    nl_talk(nl, dump_reply, &d) < 0)
			nl_die(nl, "listing arenas");
		if (!nl->interrupted)
			break;
	}
	if (nl->interrupted)
		fprintf(stderr, "arenactl: arenas kept changing; this list may be inconsistent\n");
	arena_print_header(VIEW_ROW);
	printf(json ? "[" : "");
	for (i = 0; i < d.n; i++) {
		printf(json && i ? "," : "");
		arena_print(&d.recs[i], VIEW_ROW);
	}
	printf(json ? "]\n" : "");
	free(d.recs);
	return 0;
}

static int one_reply(const struct nlmsghdr *nlh, void *data)
{
	arena_parse(nlh, data);
	return MNL_CB_OK;
}

/* A name the kernel would take: checked before it goes into a message. */
static const char *valid_name(const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '-'))
			break;
	if (!len || len >= ARENA_NAME_MAX || i < len) {
		char shown[48];

		snprintf(shown, sizeof(shown), "%.40s%s", name, len > 40 ? "..." : "");
		usage_error("'%s' is not an arena name (1 to 31 of a-z, 0-9, _ and -) or id",
			    shown);
	}
	return name;
}

static void put_target(struct nlmsghdr *nlh, const char *target)
{
	uint32_t id;

	if (parse_u32(target, &id, 10))
		mnl_attr_put_u32(nlh, ARENA_A_ID, id);
	else
		mnl_attr_put_strz(nlh, ARENA_A_NAME, valid_name(target));
}

static int cmd_show(struct nl *nl, const char *target)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(nl, buf, nl->family, ARENA_CMD_GET, 0);
	struct arena_listing r;

	put_target(nlh, target);
	if (nl_send(nl, nlh) || nl_talk(nl, one_reply, &r) < 0)
		nl_die(nl, "show");
	arena_print(&r, VIEW_SHOW);
	return 0;
}

static uint32_t parse_flags(char *list)
{
	uint32_t flags = 0;
	char *tok, *save;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < nr_flag_names; i++)
			if (!strcmp(tok, flag_names[i]))
				break;
		if (i == nr_flag_names)
			usage_error("unknown flag '%s' (skip-zeroing, prefault, smaller-chunks, "
				    "nearest)", tok);
		flags |= 1U << i;
	}
	return flags;
}

static uint32_t parse_owner(const char *s, bool group)
{
	struct passwd *pw;
	struct group *gr;
	uint32_t id;

	if (parse_u32(s, &id, 10))
		return id;
	if (group) {
		gr = getgrnam(s);
		if (gr)
			return gr->gr_gid;
	} else {
		pw = getpwnam(s);
		if (pw)
			return pw->pw_uid;
	}
	usage_error(group ? "no group '%s'" : "no user '%s'", s);
	return 0;
}

static const char create_help[] =
	"usage: arenactl create NAME [--size SIZE] [--min-block SIZE]\n"
	"                        [--slot-size SIZE --slots N [--align SIZE]]\n"
	"                        [--mode buddy|fixed] [--node N] [--chunk-order N]\n"
	"                        [--flags FLAG[,FLAG...]] [--owner USER] [--group GROUP]\n"
	"                        [--perm MODE] [--one-domain] [--dma-heap]\n"
	"Make a named arena and its device node /dev/arenas/NAME (needs CAP_SYS_ADMIN).\n"
	"A buddy arena takes --size (and --min-block, default 4K); a fixed one\n"
	"--slot-size and --slots (and --align, default 4K).  SIZE takes K, M, G, T.\n"
	"FLAG: skip-zeroing, prefault, smaller-chunks, nearest.\n"
	"The node belongs to --owner and --group (default root) with --perm (0600).\n"
	"Its holders are isolated from each other (each sees only its own grants)\n"
	"unless --one-domain declares them one trust domain, which allows mapping\n"
	"the whole arena, skip-zeroing and blocks or slots smaller than a page.\n"
	"--dma-heap also serves it as the dma-buf heap /dev/dma_heap/arena-NAME\n"
	"(kernels from 6.16, through arena_heap.ko, which cannot be unloaded).\n";

/* Options are read before the kernel is asked anything: usage errors exit 2. */
static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "min-block", required_argument, NULL, 'b' },
		{ "slot-size", required_argument, NULL, 'S' },
		{ "slots", required_argument, NULL, 'n' },
		{ "align", required_argument, NULL, 'a' },
		{ "mode", required_argument, NULL, 'm' },
		{ "node", required_argument, NULL, 'N' },
		{ "chunk-order", required_argument, NULL, 'o' },
		{ "flags", required_argument, NULL, 'f' },
		{ "owner", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "perm", required_argument, NULL, 'p' },
		{ "one-domain", no_argument, NULL, 'D' },
		{ "dma-heap", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl = { 0 };
	struct nlmsghdr *nlh = nl_request(&nl, buf, 0, ARENA_CMD_NEW, 0);
	uint32_t mode = 0, u32;
	struct arena_listing r;
	uint64_t size;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': case 'b': case 'S': case 'a':
			if (!parse_size(optarg, &size))
				usage_error("'%s' is not a size (like 4096, 4K, 2M, 1G)", optarg);
			mnl_attr_put_u64(nlh, opt == 's' ? ARENA_A_SIZE : opt == 'b' ? ARENA_A_MIN_BLOCK :
					 opt == 'S' ? ARENA_A_SLOT_SIZE : ARENA_A_ALIGN, size);
			if (opt == 'S' && !mode)
				mode = ARENA_MODE_FIXED;
			break;
		case 'n':
			if (!parse_size(optarg, &size))
				usage_error("'%s' is not a count", optarg);
			mnl_attr_put_u64(nlh, ARENA_A_SLOT_COUNT, size);
			break;
		case 'm':
			if (!strcmp(optarg, "buddy"))
				mode = ARENA_MODE_BUDDY;
			else if (!strcmp(optarg, "fixed"))
				mode = ARENA_MODE_FIXED;
			else
				usage_error("mode '%s': buddy or fixed", optarg);
			break;
		case 'N':
			if (!parse_u32(optarg, &u32, 10))
				usage_error("node '%s' is not a number", optarg);
			mnl_attr_put_u32(nlh, ARENA_A_NODE, u32);
			break;
		case 'o':
			if (!parse_u32(optarg, &u32, 10))
				usage_error("chunk order '%s' is not a number", optarg);
			mnl_attr_put_u32(nlh, ARENA_A_CHUNK_ORDER, u32);
			break;
		case 'f':
			mnl_attr_put_u32(nlh, ARENA_A_FLAGS, parse_flags(optarg));
			break;
		case 'u':
			mnl_attr_put_u32(nlh, ARENA_A_DEV_UID, parse_owner(optarg, false));
			break;
		case 'g':
			mnl_attr_put_u32(nlh, ARENA_A_DEV_GID, parse_owner(optarg, true));
			break;
		case 'p':
			if (!parse_u32(optarg, &u32, 8))
				usage_error("permissions '%s' are not octal (like 0660)", optarg);
			mnl_attr_put_u32(nlh, ARENA_A_DEV_MODE, u32);
			break;
		case 'D':
			mnl_attr_put_u8(nlh, ARENA_A_ONE_DOMAIN, 1);
			break;
		case 'H':
			mnl_attr_put_u8(nlh, ARENA_A_DMA_HEAP, 1);
			break;
		case 'h':
			fputs(create_help, stdout);
			exit(EXIT_SUCCESS);
		default:
			fputs(create_help, stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage_error("create takes one NAME%s", "");
	mnl_attr_put_strz(nlh, ARENA_A_NAME, valid_name(argv[optind]));
	mnl_attr_put_u32(nlh, ARENA_A_MODE, mode ? mode : ARENA_MODE_BUDDY);
	nl_open(&nl);
	nlh->nlmsg_type = nl.family;
	nlh->nlmsg_seq = ++nl.seq;
	if (nl_send(&nl, nlh) || nl_talk(&nl, one_reply, &r) < 0)
		nl_die(&nl, "create");
	arena_print(&r, VIEW_MADE);
	return 0;
}

static int cmd_delete(struct nl *nl, const char *target)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(nl, buf, nl->family, ARENA_CMD_DEL, 0);

	put_target(nlh, target);
	if (nl_send(nl, nlh) || nl_talk(nl, NULL, NULL) < 0)
		nl_die(nl, "delete");
	if (!json)
		printf("removed arena \"%s\"\n", target);
	return 0;
}

static int event_reply(const struct nlmsghdr *nlh, void *data)
{
	long *left = data;
	struct arena_listing r;

	arena_parse(nlh, &r);
	arena_print(&r, VIEW_EVENT);
	fflush(stdout);
	return --*left ? MNL_CB_OK : MNL_CB_STOP;
}

static int cmd_monitor(struct nl *nl, long count)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret, grp = nl->events_group;

	if (!grp || mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		nl_die(nl, "joining the events group");
	/* On stderr even with -j: scripts wait for it before making events. */
	fprintf(stderr, "arenactl: watching arena events (Ctrl-C to stop)\n");
	for (;;) {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret < 0 && errno == ENOBUFS) {
			/* The socket overflowed: say so, and keep listening. */
			fprintf(stderr, "arenactl: events were lost (receive buffer full)\n");
			continue;
		}
		if (ret < 0)
			nl_die(nl, "receiving events");
		ret = mnl_cb_run(buf, ret, 0, 0, event_reply, &count);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? EXIT_FAILURE : 0;
	}
}

static const char help[] =
	"usage: arenactl [-j] COMMAND [ARGS]\n"
	"  list                   every arena (default, private, named)\n"
	"  show NAME|ID           one arena in detail\n"
	"  create NAME [OPTIONS]  make a named arena (see arenactl create --help)\n"
	"  delete NAME|ID         remove a named arena (refused while in use)\n"
	"  monitor [--count N]    print arena events as they happen\n"
	"  -j, --json             JSON output (monitor: one object per line)\n"
	"Exit status: 0 done, 1 failed, 2 usage.  See arenactl(8).\n";

static void one_arg(int argc, char **argv, const char *cmd, const char *what)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: arenactl %s %s\n", cmd, what);
		exit(EXIT_SUCCESS);
	}
	if (argc != 2)
		usage_error("%s takes one argument", cmd);
}

int main(int argc, char **argv)
{
	struct nl nl;
	const char *cmd;
	long count = -1;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json")) {
			json = true;
		} else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			fputs(help, stdout);
			return 0;
		} else {
			usage_error("unknown option '%s'", argv[1]);
		}
		argc--;
		argv++;
	}
	if (argc < 2) {
		fputs(help, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;

	if (!strcmp(cmd, "list")) {
		if (argc > 1)
			one_arg(argc, argv, "list", "");
		nl_open(&nl);
		return cmd_list(&nl);
	}
	if (!strcmp(cmd, "show")) {
		one_arg(argc, argv, "show", "NAME|ID");
		nl_open(&nl);
		return cmd_show(&nl, argv[1]);
	}
	if (!strcmp(cmd, "delete")) {
		one_arg(argc, argv, "delete", "NAME|ID");
		nl_open(&nl);
		return cmd_delete(&nl, argv[1]);
	}
	if (!strcmp(cmd, "create")) {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(create_help, stdout);
			return 0;
		}
		return cmd_create(argc, argv);
	}
	if (!strcmp(cmd, "monitor")) {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			printf("usage: arenactl [-j] monitor [--count N]\n");
			return 0;
		}
		if (argc == 3 && !strcmp(argv[1], "--count")) {
			char *end;

			count = strtol(argv[2], &end, 10);
			if (*end || count <= 0)
				usage_error("--count takes a positive number, not '%s'", argv[2]);
		} else if (argc != 1) {
			usage_error("monitor takes only --count N%s", "");
		}
		nl_open(&nl);
		return cmd_monitor(&nl, count);
	}
	usage_error("unknown command '%s'", cmd);
	return EXIT_USAGE;
}
