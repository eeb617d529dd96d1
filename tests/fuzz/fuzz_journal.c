/*
 * libFuzzer target for the journal reader (hunt_journal_scan): what huntd
 * replays at start-up and `huntctl journal verify` checks, over files a
 * crash or a bad disk may have damaged.
 *
 * An input describes a journal and then damages it. The journal is built
 * here, valid, as the writer lays it out (one stream: epoch 1, worker 0;
 * 16 KiB segments; groups of records back to back, each group's first
 * record flagged GROUP_START, at most group_bytes each; seq 1, 2, 3 ...):
 *   byte 0: bit 0, a second segment takes the later half of the groups;
 *           bit 1, segment 0 is a recycled one, an earlier life's records
 *           (valid under another segment's salt) past this life's;
 *           bits 2-4, how many damages follow the groups (0-7);
 *   byte 1: groups (1-12), then per group a count (1-16 records, fewer if
 *           the group would pass group_bytes) and per record a type byte
 *           and its payload's bytes;
 *   each damage: u16 offset into the files (both segments end to end),
 *           u8 x: XOR that byte with x, or (x = 0) zero 64 bytes from it.
 * Besides the sanitizers it aborts when:
 *   - the scan returns anything but 0 or -EBADMSG, or -EBADMSG without a
 *     segment's name in its message;
 *   - a record reaches the callback that is not the next one written, in
 *     order and byte for byte;
 *   - an undamaged journal does not read back whole;
 *   - damage to a record is followed by an undamaged group and the scan
 *     does not refuse (only the last group written can be torn);
 *   - the scan succeeds but stops anywhere other than right before the
 *     first damaged record (or at the end, none being damaged).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h" /* t_scratch_dir */
#include "journal.h" /* hunt_journal_seg_name */
#include "jreader.h"

#define SEG_BYTES (16u << 10)
#define GROUP_BYTES 1024u
#define GROUPS_MAX 12u
#define GROUP_RECORDS_MAX 16u
#define RECORDS_MAX (GROUPS_MAX * GROUP_RECORDS_MAX)
#define EPOCH 1u

struct rec {
	uint32_t seg, off, bytes; /* where it lies */
	uint32_t checked;         /* its bytes the CRC covers: all but padding */
	uint32_t group;
	uint8_t image[HUNT_REC_MAX_BYTES];
};

static struct {
	char dir[64];
	uint8_t seg[2][SEG_BYTES];
	uint8_t orig[2][SEG_BYTES];
	struct rec recs[RECORDS_MAX];
	uint32_t n_recs, n_groups, n_segs;
	uint32_t delivered;
} F;

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_journal: %s\n", why);
	abort();
}

/* Input reader: bytes past the end read as zero. */
struct in {
	const uint8_t *p;
	size_t n, at;
};

static uint8_t
next(struct in *in)
{
	return in->at < in->n ? in->p[in->at++] : 0;
}

static void
header(uint8_t *b, uint32_t segment, uint32_t flags)
{
	struct hunt_seg_header h = {.magic = HUNT_SEG_MAGIC, .version = HUNT_SEG_VERSION,
				    .header_bytes = HUNT_SEG_HEADER_BYTES, .epoch = EPOCH,
				    .worker = 0, .segment = segment, .segment_bytes = SEG_BYTES,
				    .created_ms = 1, .group_bytes = GROUP_BYTES, .flags = flags};
	h.crc = hunt_crc32c(&h, offsetof(struct hunt_seg_header, crc));
	memcpy(b, &h, sizeof(h));
}

/* One record at b: type from t, payload from the input, CRC under salt. */
static uint32_t
encode(uint8_t *b, uint8_t t, uint64_t seq, int group_start, uint32_t salt, struct in *in)
{
	uint8_t type = (uint8_t)(1 + t % (HUNT_REC_COUNT - 1));
	uint16_t len = hunt_rec_payload_bytes(type);
	uint32_t bytes = hunt_rec_bytes(len);
	memset(b, 0, bytes);
	struct hunt_rec_hdr *h = (struct hunt_rec_hdr *)b;
	h->type = type;
	h->flags = group_start ? HUNT_REC_F_GROUP_START : 0;
	h->len = len;
	h->seq = seq;
	h->worker = 0;
	h->hunt_id = next(in);
	for (uint16_t i = 0; i < len; i++)
		b[sizeof(*h) + i] = next(in);
	h->crc = hunt_crc32c_more(salt, b + 4, (uint32_t)sizeof(*h) - 4 + len);
	return bytes;
}

static void
build(struct in *in)
{
	uint8_t mode = next(in);
	F.n_segs = (mode & 1) ? 2 : 1;
	int recycled = (mode >> 1) & 1;
	memset(F.seg, 0, sizeof(F.seg));
	header(F.seg[0], 0, recycled ? HUNT_SEG_F_RECYCLED : 0);
	if (F.n_segs == 2)
		header(F.seg[1], 1, 0);
	F.n_groups = 1 + next(in) % GROUPS_MAX;
	F.n_recs = 0;
	uint32_t off[2] = {HUNT_SEG_HEADER_BYTES, HUNT_SEG_HEADER_BYTES};
	for (uint32_t g = 0; g < F.n_groups; g++) {
		uint32_t s = F.n_segs == 2 && g >= F.n_groups / 2 ? 1 : 0;
		uint32_t salt = hunt_seg_salt(EPOCH, 0, s);
		uint32_t count = 1 + next(in) % GROUP_RECORDS_MAX, used = 0;
		for (uint32_t k = 0; k < count; k++) {
			if (used + HUNT_REC_MAX_BYTES > GROUP_BYTES ||
			    off[s] + HUNT_REC_MAX_BYTES > SEG_BYTES)
				break;
			struct rec *r = &F.recs[F.n_recs];
			r->seg = s;
			r->off = off[s];
			r->group = g;
			r->bytes = encode(F.seg[s] + off[s], next(in), F.n_recs + 1, k == 0, salt, in);
			r->checked = (uint32_t)sizeof(struct hunt_rec_hdr) +
				     ((const struct hunt_rec_hdr *)(F.seg[s] + off[s]))->len;
			memcpy(r->image, F.seg[s] + off[s], r->bytes);
			off[s] += r->bytes;
			used += r->bytes;
			F.n_recs++;
		}
	}
	/* An earlier life of segment 0: records valid under segment 7's salt,
	 * from where this life's end on (a recycled file is not zeroed). */
	if (recycled)
		for (uint32_t o = off[0]; o + HUNT_REC_MAX_BYTES <= SEG_BYTES;)
			o += encode(F.seg[0] + o, 1, 1000 + o, 1, hunt_seg_salt(EPOCH, 0, 7), in);
	memcpy(F.orig, F.seg, sizeof(F.seg));
	uint32_t damages = (mode >> 2) & 7, total = F.n_segs * SEG_BYTES;
	for (uint32_t d = 0; d < damages; d++) {
		uint32_t at = (next(in) | (uint32_t)next(in) << 8) % total;
		uint8_t x = next(in);
		uint8_t *b = F.seg[at / SEG_BYTES];
		at %= SEG_BYTES;
		if (x != 0)
			b[at] ^= x;
		else
			memset(b + at, 0, at + 64 <= SEG_BYTES ? 64 : SEG_BYTES - at);
	}
}

static int
damaged(const struct rec *r)
{
	return memcmp(F.seg[r->seg] + r->off, F.orig[r->seg] + r->off, r->checked) != 0;
}

static int
on_record(void *ctx, const struct hunt_rec_hdr *h, const void *payload,
	  const struct hunt_jpos *pos)
{
	(void)ctx;
	(void)payload;
	(void)pos;
	if (F.delivered >= F.n_recs)
		fail("a record that was never written");
	const struct rec *r = &F.recs[F.delivered];
	if (memcmp(h, r->image, r->checked) != 0)
		fail("a record that is not the next one written, byte for byte");
	F.delivered++;
	return 0;
}

static void
write_files(void)
{
	for (uint32_t s = 0; s < 2; s++) {
		char name[64], path[160];
		hunt_journal_seg_name(name, sizeof(name), EPOCH, 0, s);
		snprintf(path, sizeof(path), "%s/%s", F.dir, name);
		unlink(path);
		if (s >= F.n_segs)
			continue;
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, F.seg[s], SEG_BYTES) != SEG_BYTES)
			fail("cannot write a segment file");
		close(fd);
	}
}

/* At exit (libFuzzer exits when its time is up): no scratch left behind. */
static void
remove_dir(void)
{
	F.n_segs = 0;
	write_files(); /* unlinks both segment files */
	rmdir(F.dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (F.dir[0] == '\0') {
		if (t_scratch_dir(F.dir, sizeof(F.dir), "fuzz_journal") != 0)
			fail("no scratch directory");
		atexit(remove_dir);
	}
	struct in in = {.p = data, .n = size};
	build(&in);
	write_files();
	static struct hunt_jscan_stats st;
	char err[512] = "";
	F.delivered = 0;
	int rc = hunt_journal_scan(F.dir, on_record, NULL, &st, err, sizeof(err));
	if (rc != 0 && rc != -EBADMSG)
		fail("the scan failed other than with -EBADMSG");
	if (rc == -EBADMSG && strstr(err, "seg-") == NULL)
		fail("corruption reported without the segment's name");
	uint32_t first = F.n_recs;
	for (uint32_t i = 0; i < F.n_recs && first == F.n_recs; i++)
		if (damaged(&F.recs[i]))
			first = i;
	if (first == F.n_recs) {
		/* No record damaged. Damage elsewhere (a header, the zeros past
		 * the end) may be refused, but must never cost a record. */
		if (rc == 0 && F.delivered != F.n_recs)
			fail("an undamaged journal did not read back whole");
		return 0;
	}
	int later_group_whole = 0;
	for (uint32_t g = F.recs[first].group + 1; g < F.n_groups && !later_group_whole; g++) {
		int whole = 1, any = 0;
		for (uint32_t i = first; i < F.n_recs; i++)
			if (F.recs[i].group == g) {
				any = 1;
				whole &= !damaged(&F.recs[i]);
			}
		later_group_whole = any && whole;
	}
	if (later_group_whole && rc == 0)
		fail("damage before a whole later group was taken for a torn tail");
	if (rc == 0 && F.delivered != first)
		fail("a torn tail was cut somewhere other than at the first damaged record");
	return 0;
}
