/*
 * The hunt protocol above UDP: checking a request (on the worker that
 * received it, before any handoff) and handling it (on the worker that owns
 * its shard). Both work on the datagram in place; the reply overwrites the
 * request. No allocation, no syscall, no lock.
 */
#ifndef HUNT_REQUEST_H
#define HUNT_REQUEST_H

#include <stdint.h>

#include "hunts.h"
#include "leaderboard.h"
#include "tiles.h"
#include "token.h"

/* What one worker's handlers touch. Owned and written by that worker only;
 * counters are read (relaxed, possibly a little stale) by telemetry. */
struct hunt_engine {
	struct hunt_table hunts;
	struct hunt_tiles tiles;
	const struct hunt_config *cfg;
	const struct hunt_token_key *key;
	const struct hunt_lb *lb;          /* the worker's coins (NULL: no journal) */
	const struct hunt_lb_board *board; /* the merged list (NULL: no journal) */
	uint64_t durable_seq;  /* the worker's journal's, updated every poll */
	uint64_t dep_seq;      /* set by hunt_request_handle: the reply may
				* leave once durable_seq reaches it (0: now) */
	uint64_t ops[HUNT_OP_COUNT];
	uint64_t status[HUNT_STATUS_COUNT];
};

enum hunt_verdict_kind {
	HUNT_VERDICT_DROP,   /* no reply; count drop */
	HUNT_VERDICT_REPLY,  /* reply at once with status, header only */
	HUNT_VERDICT_HANDLE, /* valid: hand to the owner of shard */
};

struct hunt_verdict {
	uint8_t kind;   /* enum hunt_verdict_kind */
	uint8_t drop;   /* enum hunt_drop, for DROP */
	uint8_t status; /* enum hunt_status, for REPLY */
	uint32_t shard; /* for HANDLE */
};

/*
 * Checks a datagram (UDP payload of len bytes from src) in the order of
 * docs/protocol.md: length, magic, reply flag, version, body length, op,
 * JOIN padding, token, op body length. Never writes the datagram.
 */
void hunt_request_check(const uint8_t *dgram, uint32_t len, uint32_t src_ip_be,
			uint16_t src_port_be, const struct hunt_token_key *key,
			uint32_t n_shards, struct hunt_verdict *v);

/* Turns the request into a header-only reply with status; returns its
 * length (the header's, never more than the request's). */
uint16_t hunt_request_reply_error(uint8_t *dgram, uint8_t status);

/*
 * Handles a checked request on its owner and writes the reply in place.
 * room is the bytes available from dgram. Returns the reply length, and
 * sets e->dep_seq. A JOIN or CLAIM when the journal has no room gets
 * RETRY_LATER and changes nothing.
 */
uint16_t hunt_request_handle(struct hunt_engine *e, uint8_t *dgram,
			     uint32_t room, uint32_t src_ip_be,
			     uint16_t src_port_be, uint64_t now);

/* For a checked request (verdict HANDLE) on its owner: starts loading the
 * table slots its handler will read that are likely not in cache (a DIG's
 * tile; a claim's clue and member). The worker calls it for a whole burst
 * before handling any. */
static inline void
hunt_request_prefetch(const struct hunt_engine *e, const uint8_t *dgram)
{
	const struct hunt_hdr *h = (const struct hunt_hdr *)dgram;
	if (h->op == HUNT_OP_DIG) {
		const struct hunt_dig_req *d = (const void *)(h + 1);
		hunt_tiles_prefetch(&e->tiles, d->world_id, d->x, d->y);
	} else if (h->op == HUNT_OP_CLAIM) {
		const struct hunt_claim_req *q = (const void *)(h + 1);
		const struct hunt_state *hs = hunt_table_find(&e->hunts, h->hunt_id);
		if (hs != NULL)
			hunt_claim_prefetch(hs, q->wave_id, q->clue_idx, h->player_id);
	}
}

int hunt_engine_init(struct hunt_engine *e, const struct hunt_config *cfg,
		     const struct hunt_token_key *key, uint32_t worker_idx,
		     uint32_t n_workers, uint64_t now, uint64_t hz);
void hunt_engine_free(struct hunt_engine *e);

#endif
