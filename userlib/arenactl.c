// SPDX-License-Identifier: GPL-2.0
/*
 * arenactl: see and shape arena memory system-wide, over the "arena"
 * generic netlink family (libmnl).  See arenactl(8).
 *
 * Exit status: 0 done, 1 failed (the kernel's reason is printed), 2 usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/arena.h>

#define EXIT_USAGE	2
#define DUMP_RETRIES	10

static bool json;

/* ---- output helpers ------------------------------------------------------ */

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "arenactl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see arenactl --help)\n");
	exit(EXIT_USAGE);
}

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

/* ---- netlink --------------------------------------------------------------- */

struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	uint16_t family;
	uint32_t events_group;
	char ext_msg[256];		/* the kernel's extended ack, if any */
	bool interrupted;		/* the last dump was marked inconsistent */
};

static void nl_die(struct nl *nl, const char *what)
{
	if (nl->ext_msg[0])
		fprintf(stderr, "arenactl: %s: %s: %s\n", what, strerror(errno), nl->ext_msg);
	else
		fprintf(stderr, "arenactl: %s: %s\n", what, strerror(errno));
	exit(EXIT_FAILURE);
}

static int ext_ack_attr(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* One request's replies: the caller's callback, and where errors go. */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	const struct talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

/* NLMSG_ERROR: an ack, or an error with its extended-ack message. */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct talk *t = data;
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_get_payload_len(nlh) > off)
			mnl_attr_parse_payload((const char *)err + off,
					       mnl_nlmsg_get_payload_len(nlh) - off,
					       ext_ack_attr, t->nl);
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

/*
 * libmnl fails a whole receive with EINTR at a message marked
 * NLM_F_DUMP_INTR, dropping the rest of it (the end of the dump too).  Take
 * the mark off here and remember it: the caller decides to dump again.
 */
static void take_dump_intr(struct nl *nl, void *buf, int len)
{
	struct nlmsghdr *nlh;

	for (nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			nl->interrupted = true;
		}
	}
}

/* Run the replies to the last request through @cb until the end. */
static int nl_talk(struct nl *nl, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = on_error, [NLMSG_DONE] = on_done };
	struct talk t = { nl, cb, data };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	nl->ext_msg[0] = 0;
	nl->interrupted = false;
	do {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret <= 0)
			return -1;
		take_dump_intr(nl, buf, ret);
		ret = mnl_cb_run2(buf, ret, nl->seq, nl->portid, on_data, &t, ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret;
}

static struct nlmsghdr *nl_request(struct nl *nl, char *buf, uint16_t type, uint8_t cmd,
				   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = type == GENL_ID_CTRL ? 1 : ARENA_GENL_VERSION;
	return nlh;
}

static int nl_send(struct nl *nl, struct nlmsghdr *nlh)
{
	return mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

static int mcast_group(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = a;
	}
	if (name && id && !strcmp(mnl_attr_get_str(name), ARENA_GENL_MCGRP_EVENTS))
		nl->events_group = mnl_attr_get_u32(id);
	return MNL_CB_OK;
}

static int family_attr(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;
	const struct nlattr *grp;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
		nl->family = mnl_attr_get_u16(attr);
	else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_for_each_nested(grp, attr)
			mcast_group(grp, nl);
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, data);
	return MNL_CB_OK;
}

static void nl_open(struct nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->seq = time(NULL);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		nl_die(nl, "netlink socket");
	nl->portid = mnl_socket_get_portid(nl->sock);
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = nl_request(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ARENA_GENL_NAME);
	if (nl_send(nl, nlh) || nl_talk(nl, family_reply, nl) < 0 || !nl->family) {
		if (errno == ENOENT) {
			fprintf(stderr, "arenactl: the arena netlink family is not there: "
				"load arena.ko (modprobe arena)\n");
			exit(EXIT_FAILURE);
		}
		nl_die(nl, "looking up the arena netlink family");
	}
}

/* ---- arenas ---------------------------------------------------------------- */

/* One arena as the kernel lists it (ARENA_CMD_GET), to print. */
struct arena_listing {
	uint32_t id, kind, owner_uid, owner_pid, mode, flags, chunk_order, holders, event;
	int32_t node;
	uint64_t nr_chunks, size, min_block, max_block, slot_size, slot_count, align;
	uint32_t dev_uid, dev_gid, dev_mode;
	bool one_domain;	/* its holders are one trust domain */
	char name[ARENA_NAME_MAX];
	uint64_t stats[ARENA_S_MAX + 1];
};

static int stat_attr(const struct nlattr *attr, void *data)
{
	struct arena_listing *r = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > ARENA_S_MAX || type == ARENA_S_PAD)
		return MNL_CB_OK;
	r->stats[type] = type == ARENA_S_FRAGMENTATION ? mnl_attr_get_u32(attr)
						       : mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int arena_attr(const struct nlattr *attr, void *data)
{
	struct arena_listing *r = data;

	switch (mnl_attr_get_type(attr)) {
	case ARENA_A_ID:		r->id = mnl_attr_get_u32(attr); break;
	case ARENA_A_NAME:
		snprintf(r->name, sizeof(r->name), "%s", mnl_attr_get_str(attr));
		break;
	case ARENA_A_KIND:		r->kind = mnl_attr_get_u32(attr); break;
	case ARENA_A_OWNER_UID:		r->owner_uid = mnl_attr_get_u32(attr); break;
	case ARENA_A_OWNER_PID:		r->owner_pid = mnl_attr_get_u32(attr); break;
	case ARENA_A_MODE:		r->mode = mnl_attr_get_u32(attr); break;
	case ARENA_A_FLAGS:		r->flags = mnl_attr_get_u32(attr); break;
	case ARENA_A_NODE:		r->node = (int32_t)mnl_attr_get_u32(attr); break;
	case ARENA_A_CHUNK_ORDER:	r->chunk_order = mnl_attr_get_u32(attr); break;
	case ARENA_A_NR_CHUNKS:		r->nr_chunks = mnl_attr_get_u64(attr); break;
	case ARENA_A_SIZE:		r->size = mnl_attr_get_u64(attr); break;
	case ARENA_A_MIN_BLOCK:		r->min_block = mnl_attr_get_u64(attr); break;
	case ARENA_A_MAX_BLOCK:		r->max_block = mnl_attr_get_u64(attr); break;
	case ARENA_A_SLOT_SIZE:		r->slot_size = mnl_attr_get_u64(attr); break;
	case ARENA_A_SLOT_COUNT:	r->slot_count = mnl_attr_get_u64(attr); break;
	case ARENA_A_ALIGN:		r->align = mnl_attr_get_u64(attr); break;
	case ARENA_A_DEV_UID:		r->dev_uid = mnl_attr_get_u32(attr); break;
	case ARENA_A_DEV_GID:		r->dev_gid = mnl_attr_get_u32(attr); break;
	case ARENA_A_DEV_MODE:		r->dev_mode = mnl_attr_get_u32(attr); break;
	case ARENA_A_HOLDERS:		r->holders = mnl_attr_get_u32(attr); break;
	case ARENA_A_EVENT:		r->event = mnl_attr_get_u32(attr); break;
	case ARENA_A_ONE_DOMAIN:	r->one_domain = mnl_attr_get_u8(attr); break;
	case ARENA_A_STATS:		mnl_attr_parse_nested(attr, stat_attr, r); break;
	}
	return MNL_CB_OK;
}

static void arena_parse(const struct nlmsghdr *nlh, struct arena_listing *r)
{
	memset(r, 0, sizeof(*r));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), arena_attr, r);
}

static const char *kind_name(uint32_t kind)
{
	return kind == ARENA_KIND_DEFAULT ? "default" : kind == ARENA_KIND_PRIVATE ? "private" :
	       kind == ARENA_KIND_NAMED ? "named" : "?";
}

static const char *event_name(uint32_t event)
{
	static const char *names[] = { "?", "made", "removed", "full", "low" };

	return event < sizeof(names) / sizeof(names[0]) ? names[event] : "?";
}

static const char *const flag_names[] = {
	"skip-zeroing", "prefault", "smaller-chunks", "nearest", "fileless",
};

static void flags_text(uint32_t flags, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1U << i))
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "", flag_names[i]);
	if (!n)
		snprintf(buf, size, "none");
}

static const struct {
	const char *key;
	int stat;
} stat_keys[] = {
	{ "allocations_ok", ARENA_S_ALLOCATIONS_OK },
	{ "allocations_failed", ARENA_S_ALLOCATIONS_FAILED },
	{ "frees", ARENA_S_FREES },
	{ "bytes_reserved", ARENA_S_BYTES_RESERVED },
	{ "bytes_live", ARENA_S_BYTES_LIVE },
	{ "splits", ARENA_S_SPLITS },
	{ "coalesces", ARENA_S_COALESCES },
	{ "largest_free_block", ARENA_S_LARGEST_FREE_BLOCK },
	{ "bytes_mapped", ARENA_S_BYTES_MAPPED },
	{ "pmd_faults", ARENA_S_PMD_FAULTS },
	{ "pte_faults", ARENA_S_PTE_FAULTS },
	{ "live_grants", ARENA_S_LIVE_GRANTS },
	{ "exported_grants", ARENA_S_EXPORTED_GRANTS },
	{ "metadata_bytes", ARENA_S_METADATA_BYTES },
	{ "fragmentation_permille", ARENA_S_FRAGMENTATION },
};

static void arena_json(const struct arena_listing *r)
{
	char flags[128];
	size_t i;

	flags_text(r->flags, flags, sizeof(flags));
	printf("{\"id\":%" PRIu32 ",\"name\":", r->id);
	json_string(r->name);
	printf(",\"kind\":\"%s\",\"mode\":\"%s\",\"owner_uid\":%" PRIu32 ",\"owner_pid\":%" PRIu32
	       ",\"node\":%" PRId32 ",\"chunk_order\":%" PRIu32 ",\"nr_chunks\":%" PRIu64
	       ",\"size\":%" PRIu64, kind_name(r->kind),
	       r->mode == ARENA_MODE_FIXED ? "fixed" : "buddy", r->owner_uid, r->owner_pid,
	       r->node, r->chunk_order, r->nr_chunks, r->size);
	if (r->mode == ARENA_MODE_FIXED)
		printf(",\"slot_size\":%" PRIu64 ",\"slot_count\":%" PRIu64 ",\"align\":%" PRIu64,
		       r->slot_size, r->slot_count, r->align);
	else
		printf(",\"min_block\":%" PRIu64 ",\"max_block\":%" PRIu64, r->min_block,
		       r->max_block);
	printf(",\"flags\":\"%s\",\"holders\":%" PRIu32 ",\"one_domain\":%s", flags, r->holders,
	       r->one_domain ? "true" : "false");
	if (r->kind == ARENA_KIND_NAMED)
		printf(",\"device\":\"/dev/arenas/%s\",\"dev_uid\":%" PRIu32 ",\"dev_gid\":%" PRIu32
		       ",\"dev_mode\":\"%04" PRIo32 "\"", r->name, r->dev_uid, r->dev_gid, r->dev_mode);
	printf(",\"stats\":{");
	for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", stat_keys[i].key, r->stats[stat_keys[i].stat]);
	printf("}}");
}

static unsigned int used_percent(const struct arena_listing *r)
{
	return r->size ? (unsigned int)(r->stats[ARENA_S_BYTES_RESERVED] * 100 / r->size) : 0;
}

static void arena_row(const struct arena_listing *r)
{
	char size[32], live[32];

	printf("%-5" PRIu32 " %-16s %-8s %-6s %8s %8s %5u%% %5.1f%% %7" PRIu32 " %6" PRIu32
	       " %-8s\n", r->id, r->name[0] ? r->name : "-", kind_name(r->kind),
	       r->mode == ARENA_MODE_FIXED ? "fixed" : "buddy", human(r->size, size, sizeof(size)),
	       human(r->stats[ARENA_S_BYTES_LIVE], live, sizeof(live)), used_percent(r),
	       r->stats[ARENA_S_FRAGMENTATION] / 10.0, r->holders, r->owner_uid,
	       r->one_domain ? "one" : "isolated");
}

static void arena_details(const struct arena_listing *r)
{
	char a[32], b[32], c[32], flags[128];
	const uint64_t *s = r->stats;

	flags_text(r->flags, flags, sizeof(flags));
	printf("arena %" PRIu32 "%s%s%s: %s, %s, %s on node %" PRId32 " in %" PRIu64
	       " chunks of %s (order %" PRIu32 ")\n", r->id, r->name[0] ? " \"" : "", r->name,
	       r->name[0] ? "\"" : "", kind_name(r->kind),
	       r->mode == ARENA_MODE_FIXED ? "fixed" : "buddy", human(r->size, a, sizeof(a)),
	       r->node, r->nr_chunks, human(r->size / (r->nr_chunks ? r->nr_chunks : 1), b, sizeof(b)),
	       r->chunk_order);
	if (r->mode == ARENA_MODE_FIXED)
		printf("  slots: %" PRIu64 " of %s, aligned to %s; flags: %s\n", r->slot_count,
		       human(r->slot_size, a, sizeof(a)), human(r->align, b, sizeof(b)), flags);
	else
		printf("  blocks: %s to %s; flags: %s\n", human(r->min_block, a, sizeof(a)),
		       human(r->max_block, b, sizeof(b)), flags);
	if (r->kind == ARENA_KIND_NAMED)
		printf("  device: /dev/arenas/%s owner %" PRIu32 " group %" PRIu32 " mode %04" PRIo32
		       "\n", r->name, r->dev_uid, r->dev_gid, r->dev_mode);
	printf("  made by uid %" PRIu32 " pid %" PRIu32 "; %" PRIu32 " files hold it; %s\n",
	       r->owner_uid, r->owner_pid, r->holders,
	       r->one_domain ? "one trust domain (the whole arena may be mapped)" :
			       "isolated (each holder sees only its own grants)");
	printf("  in use: %" PRIu64 " grants, %s live, %s reserved (%u%%); largest free block %s; "
	       "fragmentation %.1f%%\n", s[ARENA_S_LIVE_GRANTS],
	       human(s[ARENA_S_BYTES_LIVE], a, sizeof(a)),
	       human(s[ARENA_S_BYTES_RESERVED], b, sizeof(b)), used_percent(r),
	       human(s[ARENA_S_LARGEST_FREE_BLOCK], c, sizeof(c)),
	       s[ARENA_S_FRAGMENTATION] / 10.0);
	printf("  allocations: %" PRIu64 " ok, %" PRIu64 " failed; frees %" PRIu64 "; splits %" PRIu64
	       ", coalesces %" PRIu64 "\n", s[ARENA_S_ALLOCATIONS_OK], s[ARENA_S_ALLOCATIONS_FAILED],
	       s[ARENA_S_FREES], s[ARENA_S_SPLITS], s[ARENA_S_COALESCES]);
	printf("  mapped %s; faults: %" PRIu64 " PMD, %" PRIu64 " PTE; exported %" PRIu64
	       "; metadata %s\n", human(s[ARENA_S_BYTES_MAPPED], a, sizeof(a)), s[ARENA_S_PMD_FAULTS],
	       s[ARENA_S_PTE_FAULTS], s[ARENA_S_EXPORTED_GRANTS],
	       human(s[ARENA_S_METADATA_BYTES], b, sizeof(b)));
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
	if (json) {
		printf("[");
		for (i = 0; i < d.n; i++) {
			printf(i ? "," : "");
			arena_json(&d.recs[i]);
		}
		printf("]\n");
	} else {
		printf("%-5s %-16s %-8s %-6s %8s %8s %6s %6s %7s %6s %-8s\n", "ID", "NAME", "KIND",
		       "MODE", "SIZE", "LIVE", "USED", "FRAG", "HOLDERS", "OWNER", "DOMAIN");
		for (i = 0; i < d.n; i++)
			arena_row(&d.recs[i]);
	}
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
	if (json) {
		arena_json(&r);
		printf("\n");
	} else {
		arena_details(&r);
	}
	return 0;
}

static uint32_t parse_flags(char *list)
{
	uint32_t flags = 0;
	char *tok, *save;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (!strcmp(tok, flag_names[i]))
				break;
		if (i == sizeof(flag_names) / sizeof(flag_names[0]))
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
	"                        [--perm MODE] [--one-domain]\n"
	"Make a named arena and its device node /dev/arenas/NAME (needs CAP_SYS_ADMIN).\n"
	"A buddy arena takes --size (and --min-block, default 4K); a fixed one\n"
	"--slot-size and --slots (and --align, default 4K).  SIZE takes K, M, G, T.\n"
	"FLAG: skip-zeroing, prefault, smaller-chunks, nearest.\n"
	"The node belongs to --owner and --group (default root) with --perm (0600).\n"
	"Its holders are isolated from each other (each sees only its own grants)\n"
	"unless --one-domain declares them one trust domain, which allows mapping\n"
	"the whole arena, skip-zeroing and blocks or slots smaller than a page.\n";

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
	if (json) {
		arena_json(&r);
		printf("\n");
	} else {
		printf("made arena %" PRIu32 " \"%s\": /dev/arenas/%s\n", r.id, r.name, r.name);
	}
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
	if (json) {
		printf("{\"event\":\"%s\",\"arena\":", event_name(r.event));
		arena_json(&r);
		printf("}\n");
	} else {
		printf("%-7s arena %" PRIu32 " %s%s%s(%s): %" PRIu64 " live grants, %u%% used\n",
		       event_name(r.event), r.id, r.name[0] ? "\"" : "", r.name,
		       r.name[0] ? "\" " : "", kind_name(r.kind), r.stats[ARENA_S_LIVE_GRANTS],
		       used_percent(&r));
	}
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
