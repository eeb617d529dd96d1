/*
 * Commands from the control socket to a worker (dataplane/ctl.c). The only
 * way anything outside a worker changes or reads a consistent view of its
 * hunts: the control thread fills a struct hunt_cmd, enqueues a pointer on
 * the worker's command ring (SPSC: the control thread is the one producer),
 * and waits for `done`. The worker applies at most HUNT_CMDS_PER_POLL
 * commands between bursts, writes the results, then stores done = 1
 * (release); the control thread reads the results after an acquire load.
 */
#ifndef HUNT_COMMAND_H
#define HUNT_COMMAND_H

#include <stdint.h>

#include "hunts.h"
#include "leaderboard.h"

enum hunt_cmd_op {
	HUNT_CMD_WAVE = 1, /* hunt_wave_command(); waits for its record */
	HUNT_CMD_HUNT,     /* one hunt's wave state */
	HUNT_CMD_PLAYER,   /* a player's membership, coins and wins in this worker's hunts */
	HUNT_CMD_TOP,      /* the worker's leaderboard top list */
};

#define HUNT_CMDS_PER_POLL 4u
#define HUNT_CMD_RING_SIZE 64u
#define HUNT_CMD_PLAYER_HUNTS_MAX 256u

struct hunt_cmd_hunt {
	uint32_t id, worker, wave_id, state, n_won, clues, members, max_players;
	uint32_t wave_duration_ms, cooldown_ms, waves;
	uint64_t event_wall_ms; /* last transition */
	uint64_t state_seq;     /* its journal record */
	uint64_t opened, closed_all_won, closed_deadline;
};

struct hunt_cmd_membership {
	uint32_t hunt_id;
	uint32_t wins;
	uint64_t coins;
};

struct hunt_cmd {
	enum hunt_cmd_op op;
	enum hunt_wave_cmd wave_cmd;
	uint32_t hunt_id;
	uint32_t wave;
	uint64_t player_id;
	/* results */
	int rc;                 /* 0 or a negative errno (hunt_wave_command's) */
	uint64_t seq;           /* HUNT_CMD_WAVE: the record to wait for */
	struct hunt_cmd_hunt hunt;
	uint32_t n_member_of;
	struct hunt_cmd_membership *member_of; /* HUNT_CMD_PLAYER: room for
						* HUNT_CMD_PLAYER_HUNTS_MAX, the sender's */
	uint32_t n_top;         /* HUNT_CMD_TOP */
	struct hunt_lb_entry top[HUNT_LB_TOP];
	uint64_t lb_wins;
	int done;
};

/* Fills h from a hunt's state (the owner, or a racy reader). */
void hunt_cmd_describe(struct hunt_cmd_hunt *o, const struct hunt_state *h, uint32_t worker);

#endif
