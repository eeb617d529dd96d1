/*
 * A worker's hunts: wave state, the clue tables of the current and the
 * previous wave, and the hunt's members. One worker owns a hunt (the owner of
 * shard_of_hunt(id)), so every function here runs on that worker alone: plain
 * memory, no locks, no atomics. All memory is allocated by hunt_table_init
 * and sized from the config; nothing allocates afterwards.
 *
 * Waves are advanced by time (the worker's TSC, passed in as `now`) through a
 * min-heap of each hunt's next event, so a worker with thousands of hunts
 * spends one comparison per loop when nothing is due.
 *
 * Every state change (a member joins, a clue is won, a wave opens or
 * closes) is handed to the table's sink as a journal record, and the seq the
 * sink returns is kept beside the state (win_seq, join_seq, state_seq): a
 * reply that reveals that state may leave only once that seq is durable.
 * Callers check hunt_sink_room() before a change, and the sink never
 * refuses; hunt_member_join() and hunt_claim() check it themselves, just
 * before they change anything, so a request whose answer is already decided
 * (a re-join, a claim on a clue already won, a retransmit of a win after a
 * crash) is answered while the journal has no room.
 * hunt_table_apply() replays a record from the journal through the same
 * code, without emitting it again.
 */
#ifndef HUNT_HUNTS_H
#define HUNT_HUNTS_H

#include <stdint.h>

#include "config.h"
#include "hunt/content.h"
#include "hunt/journal.h"
#include "hunt/proto.h"
#include "hunt/status.h"

_Static_assert(HUNT_ANSWER_BYTES_MAX == 32, "struct hunt_clue is laid out for 32-byte answers");

/* One clue of one wave: one cache line (a claim touches one). */
struct hunt_clue {
	uint64_t winner_id;   /* 0 while open */
	uint64_t win_seq;     /* journal seq of the win; 0: durable before this run */
	uint32_t loot_item;
	uint32_t answer_len;  /* 1 .. HUNT_ANSWER_BYTES_MAX */
	uint8_t answer[HUNT_ANSWER_BYTES_MAX]; /* hunt_config_clue(): [clue] or generated */
	uint64_t reserved;
};

struct hunt_member {
	uint64_t player_id; /* 0: empty slot */
	uint64_t coins;
	uint64_t join_seq;
	uint32_t wins;
	uint32_t reserved;
};

/* Where state changes go (the worker's journal); emit returns the record's
 * seq, or 0 when there is no journal. */
struct hunt_sink {
	uint64_t (*emit)(void *ctx, uint8_t type, uint32_t hunt_id, const void *payload,
			 uint16_t len, uint64_t now);
	int (*room)(void *ctx, uint32_t n_records);
	void *ctx;
};

struct hunt_state {
	const struct hunt_hunt_cfg *cfg;
	uint32_t wave_id;        /* 0 until the first wave opens */
	uint8_t state;           /* enum hunt_wave_state */
	uint32_t n_won;          /* clues won in wave_id */
	uint64_t next_event_tsc; /* OPEN: deadline; PENDING/COOLDOWN: next open */
	uint64_t state_seq;      /* journal seq of the last wave transition */
	uint64_t event_wall_ms;  /* wall clock of the last transition */
	uint32_t heap_idx;
	uint32_t slot_wave[2];   /* wave whose clues are in clues[w & 1] */
	struct hunt_clue *clues[2];
	struct hunt_member *members;
	uint32_t members_mask;   /* capacity - 1, capacity a power of two */
	uint32_t n_members;
	struct hunt_event *events; /* ring: the newest durable wins (EVENTS op) */
	uint32_t events_mask;    /* capacity - 1 */
	uint64_t n_events;       /* events ever added */
	uint64_t dropped_id;     /* newest event id pushed out of the ring, 0: none */
	uint64_t waves_opened;   /* counters, read by telemetry */
	uint64_t waves_closed_all_won;
	uint64_t waves_closed_deadline;
};

struct hunt_table {
	const struct hunt_config *cfg;
	uint64_t hz;               /* ticks per second of `now` */
	uint64_t tsc0;             /* `now` when ... */
	uint64_t wall0_ms;         /* ... the wall clock said this */
	struct hunt_sink sink;
	uint32_t n_hunts;
	struct hunt_state *hunts;  /* [n_hunts] */
	struct hunt_state **index; /* open addressing by hunt id */
	uint32_t index_mask;
	struct hunt_state **heap;  /* min-heap on next_event_tsc */
	int external_waves;        /* [server] waves_by_control: no wave timers fire */
	/* Opening waves and loading checkpoints leave the clues' answers and
	 * loot unfilled: the checkpointer's shadow tables, which never answer a
	 * claim, and live tables while they replay, until
	 * hunt_table_fill_answers. (The fold spent 15% of its CPU filling them,
	 * one wave of 500 clues per 500 fresh wins: docs/benchmarks.md.) */
	int answers_later;
};

/*
 * Builds the table of the hunts that worker_idx of n_workers owns. now and hz
 * set the clock. Returns 0 or -ENOMEM.
 */
int hunt_table_init(struct hunt_table *t, const struct hunt_config *cfg,
		    uint32_t worker_idx, uint32_t n_workers, uint64_t now,
		    uint64_t hz);

/* Wall clock (ms) at `now`, from the anchor taken at init. */
static inline uint64_t
hunt_wall_ms(const struct hunt_table *t, uint64_t now)
{
	return t->wall0_ms + (now - t->tsc0) * 1000u / t->hz;
}
void hunt_table_free(struct hunt_table *t);

/* Fills the answers and loot of every clue of both wave slots of every
 * hunt, and clears answers_later: the end of a replay. */
void hunt_table_fill_answers(struct hunt_table *t);

struct hunt_state *hunt_table_find(const struct hunt_table *t, uint32_t hunt_id);

/* When the next wave event is due (UINT64_MAX if none, or if waves are
 * driven by hunt-control). */
static inline uint64_t
hunt_table_next_event(const struct hunt_table *t)
{
	return t->n_hunts && !t->external_waves ? t->heap[0]->next_event_tsc : UINT64_MAX;
}

enum hunt_wave_cmd { HUNT_WAVE_CMD_START = 1, HUNT_WAVE_CMD_END = 2 };

/*
 * A wave command from hunt-control or an operator, applied by the hunt's
 * owner like any other state change (journaled, *seq = its record).
 * START opens wave `wave` (0: the next) if it is wave_id + 1 and the hunt
 * is PENDING or in COOLDOWN; END closes wave `wave` (0: the current) if it
 * is OPEN. Naming the wave makes a repeated command harmless: a restarted
 * hunt-control that sends it again gets -ESTALE, never a second wave.
 * Returns 0, -ENOENT (no such hunt here), -ESTALE (not in that state), or
 * -EAGAIN (the journal has no room now; try again).
 */
int hunt_wave_command(struct hunt_table *t, uint32_t hunt_id, enum hunt_wave_cmd cmd,
		      uint32_t wave, uint64_t now, uint64_t *seq);

/* Fires every wave event due at `now` for which the sink has room; returns
 * how many fired. */
unsigned hunt_table_advance(struct hunt_table *t, uint64_t now);

/* Whether the sink can take n more records (always, without a journal). */
static inline int
hunt_sink_room(const struct hunt_table *t, uint32_t n_records)
{
	return t->sink.room == NULL || t->sink.room(t->sink.ctx, n_records);
}

/* Fills a wave slot's clue with its answer and loot (the wave's content). */
void hunt_clue_fill(const struct hunt_table *t, const struct hunt_state *h, uint32_t wave_id,
		    uint32_t clue_idx, struct hunt_clue *c);

/* Replays one journal record of journal epoch `epoch` into the owner's
 * table (no emit, no timers); a WIN also becomes an event. Returns 0, or
 * -ENOENT if the record's hunt is not in this table. */
int hunt_table_apply(struct hunt_table *t, uint64_t epoch, const struct hunt_rec_hdr *h,
		     const void *payload);

/* A group of the table's journal (epoch `epoch`) became durable: its WIN
 * records become events (only durable wins are ever events). */
void hunt_table_durable(struct hunt_table *t, uint64_t epoch, const uint8_t *records,
			uint32_t bytes);

/* Adds an event to the hunt's ring (ignored unless its id is newer than
 * the last one's). */
void hunt_event_add(struct hunt_state *h, const struct hunt_event *ev);

/* Copies the hunt's events with id > after_id, oldest first, at most max,
 * into out; returns how many. *flags gets HUNT_EVENTS_F_GAP if events
 * after after_id were pushed out of the ring, HUNT_EVENTS_F_MORE if more
 * follow the last one copied. */
uint32_t hunt_events_after(const struct hunt_state *h, uint64_t after_id, struct hunt_event *out,
			   uint32_t max, uint8_t *flags);

/* The hunt's newest event id, 0 if none. */
static inline uint64_t
hunt_events_last_id(const struct hunt_state *h)
{
	return h->n_events ? h->events[(h->n_events - 1) & h->events_mask].event_id : 0;
}

/* After replay: sets every hunt's timer from the recovered wall-clock times
 * (a wave whose deadline passed while huntd was down closes at once). */
void hunt_table_resume(struct hunt_table *t, uint64_t now);

/* Milliseconds from now to the hunt's next event, saturated. */
uint32_t hunt_ms_left(const struct hunt_table *t, const struct hunt_state *h,
		      uint64_t now);

/* Adds a player; OK if present or added, RETRY_LATER if the hunt is full
 * or the sink has no room for the JOIN record. *dep_seq: the seq the JOIN's
 * reply depends on. */
enum hunt_status hunt_member_join(struct hunt_table *t, struct hunt_state *h, uint64_t player_id,
				  uint64_t now, uint64_t *dep_seq);
struct hunt_member *hunt_member_find(const struct hunt_state *h,
				     uint64_t player_id);

/* Starts loading what hunt_claim() reads for this claim: the clue, and the
 * claimant's member slot (written if the claim wins). */
static inline void
hunt_claim_prefetch(const struct hunt_state *h, uint32_t wave_id, uint32_t clue_idx,
		    uint64_t player_id)
{
	if (clue_idx < h->cfg->clues_per_wave)
		__builtin_prefetch(&h->clues[wave_id & 1][clue_idx]);
	__builtin_prefetch(&h->members[(uint32_t)hunt_mix64(player_id) & h->members_mask]);
}

/*
 * The claim decision (design.md, consistency contract). Deterministic from
 * the clue's state, so a retransmit gets the same answer for the whole wave:
 *   wave not current or previous  -> WAVE_CLOSED
 *   clue_idx out of range         -> NO_SUCH_CLUE
 *   answer wrong                  -> WRONG_ANSWER
 *   clue won by this player       -> WON (again)
 *   clue won by another           -> TAKEN, *winner_id set
 *   wave not open                 -> WAVE_CLOSED
 *   claimant not a member         -> NOT_MEMBER
 *   no room for 2 records (the win
 *   and the wave's close)         -> RETRY_LATER, nothing changed
 *   otherwise                     -> WON: winner recorded, coins credited; the
 *                                    wave closes when its last clue is won.
 * *dep_seq: the seq the reply depends on (the win's; the wave close's for
 * WAVE_CLOSED; 0 when it depends on nothing not yet durable).
 */
enum hunt_status hunt_claim(struct hunt_table *t, struct hunt_state *h,
			    uint64_t player_id, uint32_t wave_id,
			    uint32_t clue_idx, const uint8_t *answer,
			    uint32_t answer_len, uint64_t now,
			    uint64_t *winner_id, uint32_t *loot_item, uint64_t *dep_seq);

/* Fills ids of the building's open treasures; returns their number. A
 * clue whose win is not yet durable (win_seq > durable_seq) still counts as
 * open: no acknowledged win is listed, no unacknowledged one is hidden. */
uint32_t hunt_building_open(const struct hunt_state *h, uint32_t building_idx,
			    uint64_t durable_seq, uint32_t ids[HUNT_TREASURES_MAX]);

#endif
