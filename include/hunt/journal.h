/*
 * The journal's on-disk format, shared by huntd (writer and recovery) and
 * huntctl (offline inspection). docs/journal.md is the prose version.
 *
 * A journal directory holds segment files, one stream of segments per
 * (epoch, worker): the epoch counts huntd starts on this directory, and each
 * worker appends to its own stream. A segment is a 4 KiB header block
 * followed by records, packed back to back, each 8-byte aligned. The unused
 * rest of a segment is zeros when it was zero-filled at creation, or what
 * the file held in an earlier life when it was recycled (HUNT_SEG_F_RECYCLED):
 * since version 2 each record's CRC is salted with its segment's identity
 * (hunt_seg_salt), so nothing a recycled file held before passes for one of
 * its new records.
 *
 * Every multi-byte field is little-endian; structs are accessed in place.
 */
#ifndef HUNT_JOURNAL_FORMAT_H
#define HUNT_JOURNAL_FORMAT_H

#include <stdint.h>

#define HUNT_SEG_MAGIC 0x314c4e4a544e5548ull /* "HUNTJNL1" */
#define HUNT_SEG_VERSION 2u          /* salted record CRCs, flags */
#define HUNT_SEG_VERSION_UNSALTED 1u /* still read: plain CRCs, zero-filled */
#define HUNT_SEG_HEADER_BYTES 4096u
#define HUNT_REC_ALIGN 8u

struct __attribute__((packed)) hunt_seg_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_bytes;  /* HUNT_SEG_HEADER_BYTES */
	uint64_t epoch;         /* huntd start counter on this directory */
	uint32_t worker;        /* the stream's worker */
	uint32_t segment;       /* 0, 1, 2 ... within the stream */
	uint64_t segment_bytes; /* file size, header included */
	uint64_t created_ms;    /* wall clock */
	uint32_t group_bytes;   /* most bytes one group commit writes: a torn
				 * tail can only be this long */
	uint32_t flags;         /* HUNT_SEG_F_* (version 2; version 1 has no
				 * flags: its crc is here, over the 52 bytes above) */
	uint32_t crc;           /* CRC32C of the bytes above */
};

/* The file was a retired segment before: past the last record written in
 * this life lie an earlier life's records (under another salt), not zeros. */
#define HUNT_SEG_F_RECYCLED 0x01u

/* X(NAME, code, payload struct) */
#define HUNT_REC_LIST(X)                                                      \
	X(JOIN, 1, struct hunt_rec_join)                                      \
	X(WIN, 2, struct hunt_rec_win)                                        \
	X(WAVE_OPEN, 3, struct hunt_rec_wave)                                 \
	X(WAVE_CLOSE, 4, struct hunt_rec_wave)

enum hunt_rec_type {
	HUNT_REC_NONE = 0,
#define HUNT_X_ENUM(name, code, type) HUNT_REC_##name = (code),
	HUNT_REC_LIST(HUNT_X_ENUM)
#undef HUNT_X_ENUM
	HUNT_REC_COUNT
};

/* Record header: 24 bytes, then `len` payload bytes, then zero padding to
 * HUNT_REC_ALIGN. crc is CRC32C over the header after the crc field and the
 * payload. seq counts 1, 2, 3 ... within a stream with no gaps. */
struct __attribute__((packed)) hunt_rec_hdr {
	uint32_t crc;
	uint8_t type;   /* enum hunt_rec_type */
	uint8_t flags;  /* HUNT_REC_F_* */
	uint16_t len;   /* payload bytes */
	uint64_t seq;
	uint16_t worker;
	uint16_t reserved;
	uint32_t hunt_id;
};

/* The first record of each group commit. Only one group is ever in flight,
 * so a valid group start after damaged bytes proves the damage is not a
 * torn tail. */
#define HUNT_REC_F_GROUP_START 0x01u

/* A player joined a hunt. */
struct __attribute__((packed)) hunt_rec_join {
	uint64_t player_id;
};

/* A player won a clue: the claim decision, made durable before any reply
 * depending on it is sent. */
struct __attribute__((packed)) hunt_rec_win {
	uint32_t wave_id;
	uint32_t clue_idx;
	uint64_t player_id;
	uint32_t loot_item;
	uint32_t coins;
};

/* A wave opened, or closed (state: COOLDOWN or FINISHED; reason: 1 all
 * clues won, 2 deadline). wall_ms is when, so timers survive a restart. */
struct __attribute__((packed)) hunt_rec_wave {
	uint32_t wave_id;
	uint8_t state;
	uint8_t reason;
	uint16_t reserved;
	uint64_t wall_ms;
};

#define HUNT_WAVE_CLOSE_ALL_WON 1u
#define HUNT_WAVE_CLOSE_DEADLINE 2u

_Static_assert(sizeof(struct hunt_seg_header) == 60, "segment header");
_Static_assert(sizeof(struct hunt_rec_hdr) == 24, "record header");

/* Largest record, header included, padded. */
#define HUNT_REC_MAX_BYTES 64u

static inline uint32_t
hunt_rec_bytes(uint32_t payload_len)
{
	uint32_t n = (uint32_t)sizeof(struct hunt_rec_hdr) + payload_len;
	return (n + HUNT_REC_ALIGN - 1) & ~(HUNT_REC_ALIGN - 1);
}

/* Payload size of a record type, 0 if unknown. */
static inline uint16_t
hunt_rec_payload_bytes(unsigned type)
{
	switch (type) {
#define HUNT_X_CASE(name, code, t)                                            \
	case (code):                                                          \
		return (uint16_t)sizeof(t);
		HUNT_REC_LIST(HUNT_X_CASE)
#undef HUNT_X_CASE
	default:
		return 0;
	}
}

const char *hunt_rec_name(unsigned type);

/* CRC32C (Castagnoli) as used by the journal: standard initial value and
 * final xor, so crc("123456789") = 0xe3069283. */
uint32_t hunt_crc32c(const void *data, uint32_t len);

/* The CRC32C of data after bytes whose CRC32C was `prev` (so
 * hunt_crc32c_more(hunt_crc32c(a), b) is the CRC32C of a then b, and
 * hunt_crc32c_more(0, b) = hunt_crc32c(b)). */
uint32_t hunt_crc32c_more(uint32_t prev, const void *data, uint32_t len);

/* A segment's salt: what its records' CRCs start from (version 2). */
static inline uint32_t
hunt_seg_salt(uint64_t epoch, uint32_t worker, uint32_t segment)
{
	struct __attribute__((packed)) {
		uint64_t epoch;
		uint32_t worker, segment;
	} id = {epoch, worker, segment};
	return hunt_crc32c(&id, sizeof(id));
}

#endif
