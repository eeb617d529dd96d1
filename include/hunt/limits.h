/*
 * Every fixed limit of the hunt engine, defined once with the reason for
 * its value. huntd allocates all tables at start-up from these and from the
 * config file; nothing grows afterwards.
 */
#ifndef HUNT_LIMITS_H
#define HUNT_LIMITS_H

/* Shards are the unit of steering: UDP port base_port + shard. 256 keeps the
 * port range small enough to reserve and is far more than the queues of any
 * NIC we deploy on (c6g/i3: at most 32 queues). */
#define HUNT_SHARDS_MAX 256u

/* Worker lcores. One RX and one TX queue per worker per port. */
#define HUNT_WORKERS_MAX 32u

/* Hunts in one config. Seed 002 ran 3,000 hunts of ~70 players per region. */
#define HUNT_HUNTS_MAX 8192u

/* Clues in one wave. Seed 003 spawns 500 per map; 4096 leaves room for big
 * events while a wave's clue table (64 B per clue) stays in L2. */
#define HUNT_CLUES_MAX 4096u

/* Players joined to one hunt. Seed 002's 1,000,000-player event is run as
 * many hunts; one hunt's member table is bounded so its owner core's memory
 * is. */
#define HUNT_PLAYERS_MAX (1u << 20)
#define HUNT_EVENTS_KEPT_MAX (1u << 20) /* win events kept per hunt */

/* Buildings per hunt world, and treasures (clues) listed per building. An
 * ENTER reply carries at most HUNT_TREASURES_MAX ids, which bounds its size. */
#define HUNT_BUILDINGS_MAX 4096u
#define HUNT_TREASURES_MAX 16u

/* Loot tiles per world, and worlds per config. */
#define HUNT_TILES_MAX (1u << 22)
#define HUNT_WORLDS_MAX 64u
#define HUNT_WORLD_SIZE_MAX 1000000

/* Clue answers are short codes typed by players. */
#define HUNT_ANSWER_BYTES_MAX 32u

/* [clue] sections (explicit answers and loot) in one catalogue: 48 bytes
 * each in every copy of the config; hunts beyond this many hand-written
 * clues use generated ones. */
#define HUNT_CLUE_CFG_MAX 16384u

/* Packets taken per rx_burst. 32 is DPDK's usual burst and amortises the
 * PMD call without making a burst's latency noticeable (32 x ~50 ns). */
#define HUNT_BURST_MAX 32u

/* Handoff ring between two workers: power of two, 4 bursts deep per peer is
 * enough for a skew of a few microseconds; a full ring is a counted drop. */
#define HUNT_HANDOFF_RING_SIZE 1024u

/* TX retry: a full TX ring is retried this many times, then the rest of the
 * burst is dropped and counted. Bounded so the poll loop never stalls. */
#define HUNT_TX_RETRY_MAX 4u

/* Wave timing bounds (milliseconds). */
#define HUNT_WAVE_DURATION_MS_MAX (24u * 3600u * 1000u)
#define HUNT_COOLDOWN_MS_MAX (3600u * 1000u)

#endif
