/*
 * Hunt protocol v1: wire layouts shared by huntd, huntgen and the tests.
 * docs/protocol.md is the prose spec with hex examples; this header is its
 * executable half. Every multi-byte field is little-endian. Structures are
 * packed and accessed in place (the UDP payload sits at offset 42 of the
 * frame, so nothing is naturally aligned); both deployment targets (x86-64,
 * aarch64) are little-endian and load unaligned words in hardware.
 */
#ifndef HUNT_PROTO_H
#define HUNT_PROTO_H

#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hunt protocol structs are accessed in place: little-endian hosts only"
#endif

#define HUNT_MAGIC 0x4854u /* bytes 'T' 'H' on the wire: 54 48 */
#define HUNT_VERSION 1u

#define HUNT_FLAG_REPLY 0x01u

/* X(NAME, code, request body bytes) */
#define HUNT_OP_LIST(X)                                                       \
	X(JOIN, 1, sizeof(struct hunt_join_req))                              \
	X(CLAIM, 2, sizeof(struct hunt_claim_req))                            \
	X(DIG, 3, sizeof(struct hunt_dig_req))                                \
	X(ENTER, 4, sizeof(struct hunt_enter_req))                            \
	X(WAVE_STATE, 5, sizeof(struct hunt_wave_req))                        \
	X(LEADERBOARD, 6, sizeof(struct hunt_lb_req))                         \
	X(EVENTS, 7, sizeof(struct hunt_events_req))

enum hunt_op {
	HUNT_OP_NONE = 0,
#define HUNT_X_ENUM(name, code, size) HUNT_OP_##name = (code),
	HUNT_OP_LIST(HUNT_X_ENUM)
#undef HUNT_X_ENUM
	HUNT_OP_COUNT
};

enum hunt_wave_state {
	HUNT_WAVE_PENDING = 0,  /* first wave not yet opened */
	HUNT_WAVE_OPEN = 1,     /* claims accepted */
	HUNT_WAVE_COOLDOWN = 2, /* wave closed, next one scheduled */
	HUNT_WAVE_FINISHED = 3, /* configured number of waves done */
};

/* Shard function id carried in the JOIN reply (see include/hunt/shard.h). */
#define HUNT_SHARD_FN_MIX64 1u

/*
 * Header of every request and reply: 40 bytes.
 * token is 0 in a JOIN request and carries the session token in its reply
 * and in every later request. status is 0 in requests. hunt_id names the
 * hunt the session belongs to (the token is bound to it) and, for JOIN,
 * CLAIM, ENTER and WAVE_STATE, the hunt the op acts on.
 */
struct __attribute__((packed)) hunt_hdr {
	uint16_t magic;     /* HUNT_MAGIC */
	uint8_t version;    /* HUNT_VERSION */
	uint8_t op;         /* enum hunt_op */
	uint8_t flags;      /* HUNT_FLAG_REPLY in replies */
	uint8_t status;     /* enum hunt_status, replies only */
	uint16_t body_len;  /* bytes after this header */
	uint32_t hunt_id;
	uint64_t req_id;    /* chosen by the client, echoed */
	uint64_t player_id; /* the player this request is for */
	uint64_t token;     /* session token (keyed MAC), 0 in JOIN */
	uint32_t reserved;  /* 0 */
};

/* JOIN: padded so the request is exactly as long as its reply. */
struct __attribute__((packed)) hunt_join_req {
	uint8_t padding[32]; /* zeros; anti-amplification */
};

struct __attribute__((packed)) hunt_join_reply {
	uint32_t wave_id;    /* current (or next) wave */
	uint32_t world_id;
	uint32_t epoch;      /* server epoch the token is bound to */
	uint16_t n_shards;   /* shard function parameter */
	uint16_t base_port;  /* shard s is served on UDP port base_port + s */
	uint8_t wave_state;  /* enum hunt_wave_state */
	uint8_t shard_fn;    /* HUNT_SHARD_FN_MIX64 */
	uint16_t reserved;
	uint32_t clues_per_wave;
	uint32_t n_buildings;
	uint32_t wave_ms_left; /* until the wave closes (OPEN) or opens */
};

struct __attribute__((packed)) hunt_claim_req {
	uint32_t wave_id;
	uint32_t clue_idx;   /* 0 .. clues_per_wave - 1 */
	uint8_t answer_len;  /* 1 .. HUNT_ANSWER_BYTES_MAX */
	uint8_t reserved[3];
	uint8_t answer[32];  /* HUNT_ANSWER_BYTES_MAX, zero padded */
};

struct __attribute__((packed)) hunt_claim_reply {
	uint32_t wave_id;
	uint32_t clue_idx;
	uint64_t winner_id;  /* WON: the requester; TAKEN: the winner; else 0 */
	uint32_t loot_item;  /* WON: item awarded */
	uint32_t coins;      /* WON: coins awarded */
};

struct __attribute__((packed)) hunt_dig_req {
	uint32_t world_id;
	int32_t x;
	int32_t y;
	uint32_t reserved;
};

struct __attribute__((packed)) hunt_dig_reply {
	uint32_t world_id;
	int32_t x;
	int32_t y;
	uint32_t loot_item;  /* 0: nothing here */
	uint32_t loot_qty;
	uint32_t reserved;
};

struct __attribute__((packed)) hunt_enter_req {
	uint32_t building_idx;
	uint32_t reserved;
};

/* Variable length: 12 + 4 * n_open bytes. */
struct __attribute__((packed)) hunt_enter_reply {
	uint32_t building_idx;
	uint32_t wave_id;
	uint16_t n_open;
	uint16_t reserved;
	uint32_t clue_idx[16]; /* HUNT_TREASURES_MAX, first n_open valid */
};
#define HUNT_ENTER_REPLY_FIXED_BYTES 12u

/* WAVE_STATE has an empty request body. */
struct __attribute__((packed)) hunt_wave_req {
	uint8_t none[0];
};

struct __attribute__((packed)) hunt_wave_reply {
	uint32_t wave_id;
	uint8_t state;       /* enum hunt_wave_state */
	uint8_t reserved[3];
	uint32_t clues_total;
	uint32_t clues_won;
	uint32_t ms_left;    /* until close (OPEN) or next open (COOLDOWN) */
};

/*
 * LEADERBOARD: the server's top players by coins (a snapshot merged from
 * every core, republished every [server] leaderboard_ms) and the
 * requester's own coins. Paged: `from` is the first rank (0-based) wanted.
 * The request is padded to the longest reply, so even with a token no
 * reply is larger than its request (1x, like JOIN).
 */
#define HUNT_LB_PAGE 16u

struct __attribute__((packed)) hunt_lb_entry_wire {
	uint64_t player_id;
	uint64_t coins;
};

struct __attribute__((packed)) hunt_lb_reply {
	uint64_t my_coins;   /* the requester's coins from durable wins */
	uint32_t age_ms;     /* how old the list is: its lag */
	uint16_t my_rank;    /* 1-based rank in the list, 0: not in it */
	uint8_t n;           /* entries below */
	uint8_t total;       /* entries in the whole list */
	struct hunt_lb_entry_wire top[HUNT_LB_PAGE]; /* ranks from+1 .. from+n */
};
#define HUNT_LB_REPLY_FIXED_BYTES 16u

struct __attribute__((packed)) hunt_lb_req {
	uint16_t from;       /* first rank wanted, 0-based */
	uint16_t reserved[3];
	uint8_t padding[sizeof(struct hunt_lb_reply) - 8]; /* zeros */
};

/*
 * EVENTS: the hunt's win notifications after event id `after_id`, oldest
 * first, at most HUNT_EVENTS_PAGE per reply. An event id is the journal
 * position of the win's record, (journal epoch << 40) | record seq: ids
 * grow with time, and one id always names the same win, before and after a
 * restart. Only durable wins are events. The server keeps each hunt's
 * newest `events_kept` events.
 */
#define HUNT_EVENTS_PAGE 16u
#define HUNT_EVENTS_F_GAP 0x01u  /* events after after_id were dropped
				  * (beyond events_kept) before the first here */
#define HUNT_EVENTS_F_MORE 0x02u /* more events follow the last here */

struct __attribute__((packed)) hunt_event {
	uint64_t event_id;
	uint32_t wave_id;
	uint32_t clue_idx;
	uint64_t winner_id;
	uint32_t loot_item;
	uint32_t coins;
};

struct __attribute__((packed)) hunt_events_reply {
	uint64_t last_id;    /* the hunt's newest event id, 0: none */
	uint16_t n;          /* events below */
	uint8_t flags;       /* HUNT_EVENTS_F_* */
	uint8_t reserved[5];
	struct hunt_event ev[HUNT_EVENTS_PAGE];
};
#define HUNT_EVENTS_REPLY_FIXED_BYTES 16u

struct __attribute__((packed)) hunt_events_req {
	uint64_t after_id;   /* 0: from the oldest kept */
	uint8_t padding[sizeof(struct hunt_events_reply) - 8]; /* zeros */
};

#define HUNT_EVENT_ID(epoch, seq) (((uint64_t)(epoch) << 40) | (uint64_t)(seq))

_Static_assert(sizeof(struct hunt_hdr) == 40, "header is 40 bytes");
_Static_assert(sizeof(struct hunt_join_req) == sizeof(struct hunt_join_reply),
	       "JOIN request must be as long as its reply");
_Static_assert(sizeof(struct hunt_claim_req) == 44, "claim request");
_Static_assert(sizeof(struct hunt_claim_reply) == 24, "claim reply");
_Static_assert(sizeof(struct hunt_enter_reply) == 12 + 4 * 16, "enter reply");
_Static_assert(sizeof(struct hunt_wave_req) == 0, "wave request is empty");
_Static_assert(sizeof(struct hunt_event) == 32, "event");
_Static_assert(sizeof(struct hunt_lb_req) == sizeof(struct hunt_lb_reply),
	       "LEADERBOARD request must be as long as its longest reply");
_Static_assert(sizeof(struct hunt_events_req) == sizeof(struct hunt_events_reply),
	       "EVENTS request must be as long as its longest reply");

/* Largest reply body of any op: bounds the room a reply needs. */
#define HUNT_REPLY_BODY_MAX ((uint16_t)sizeof(struct hunt_events_reply))

/* Request body size of an op, 0 for an unknown op. */
static inline uint16_t
hunt_op_req_bytes(unsigned op)
{
	switch (op) {
#define HUNT_X_CASE(name, code, size)                                         \
	case (code):                                                          \
		return (uint16_t)(size);
		HUNT_OP_LIST(HUNT_X_CASE)
#undef HUNT_X_CASE
	default:
		return 0;
	}
}

const char *hunt_op_name(unsigned op);
const char *hunt_wave_state_name(unsigned state);

#endif
