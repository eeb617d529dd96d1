/*
 * A worker's leaderboard: coins per player over the hunts the worker owns,
 * counted from durable WIN records only (the journal hands each durable
 * group to hunt_lb_durable), plus the top HUNT_LB_TOP players. Coins only
 * grow, so the top list is kept exact by checking a player each time their
 * total grows. Built at start from the recovered hunt tables.
 *
 * huntctl leaderboard merges the workers' top lists (hunt_lb_merge), summing
 * a player's coins across workers: exact when each player's hunts share a
 * worker (the top list of every worker then holds every candidate);
 * otherwise a player split across workers may be missing or undercounted.
 * The lag is what the workers appended but have not made durable yet.
 *
 * Threads: the worker writes; the control thread copies the top list
 * through the worker's command ring.
 */
#ifndef HUNT_LEADERBOARD_H
#define HUNT_LEADERBOARD_H

#include <stdint.h>

#define HUNT_LB_TOP 32u

struct hunt_lb_entry {
	uint64_t player_id;
	uint64_t coins;
};

struct hunt_lb {
	struct hunt_lb_entry *slots; /* open addressing on player_id; 0 = empty */
	uint32_t mask;
	uint32_t used;
	struct hunt_lb_entry top[HUNT_LB_TOP];
	uint32_t n_top;
	uint32_t low;                /* top[low] ranks last, once the list is full */
	uint64_t wins;               /* WIN records counted */
};

/*
 * The merged list the LEADERBOARD op serves: the control thread merges the
 * workers' top lists every [server] leaderboard_ms and publishes them here;
 * workers copy it out under a sequence lock (plain loads, no lock, no
 * read-modify-write; a reader that races a publish tries again).
 */
struct hunt_lb_board {
	uint32_t seq;      /* odd while being written */
	uint32_t n;
	uint64_t taken_ms; /* wall clock of the merge; 0: none yet */
	uint64_t wins;     /* WIN records the merge counted */
	struct hunt_lb_entry top[HUNT_LB_TOP];
};

/* Control thread (the one writer). */
void hunt_lb_board_publish(struct hunt_lb_board *b, const struct hunt_lb_entry *top, uint32_t n,
			   uint64_t wins, uint64_t taken_ms);

/* Any thread: copies a consistent list out; 0, or -EAGAIN if a publish
 * kept racing (rare: it takes well under a microsecond every
 * leaderboard_ms) or nothing is published yet. */
int hunt_lb_board_read(const struct hunt_lb_board *b, struct hunt_lb_board *out);

/* Room for about `players` players (grows if needed). 0 or -ENOMEM. */
int hunt_lb_init(struct hunt_lb *lb, uint32_t players);
void hunt_lb_free(struct hunt_lb *lb);

/* Adds coins to a player's total. 0 or -ENOMEM (a full table that could
 * not grow: the player is not counted). */
int hunt_lb_add(struct hunt_lb *lb, uint64_t player_id, uint64_t coins);

/* Counts the WIN records in a durable group's bytes. */
void hunt_lb_durable(struct hunt_lb *lb, const uint8_t *records, uint32_t bytes);

/* The player's total (0 if unknown). */
uint64_t hunt_lb_coins(const struct hunt_lb *lb, uint64_t player_id);

/* Merges `n` top lists into out (summing coins per player), sorted by coins
 * descending then player id; returns how many (at most max). */
uint32_t hunt_lb_merge(const struct hunt_lb_entry *const *lists, const uint32_t *lens,
		       uint32_t n, struct hunt_lb_entry *out, uint32_t max);

#endif
