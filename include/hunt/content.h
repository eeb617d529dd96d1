/*
 * Deterministic hunt content: a hunt's answers, clue-to-building map, clue
 * loot and a world's loot tiles are derived from seeds in the config file,
 * so a 500-clue wave needs no 500-line file and huntgen, given the same
 * config, knows the right answers. A catalogue's [clue] sections override
 * single clues (hunt_config_clue() in dataplane/config.h picks).
 */
#ifndef HUNT_CONTENT_H
#define HUNT_CONTENT_H

#include <stdint.h>
#include "hunt/shard.h"

#define HUNT_ANSWER_GEN_BYTES 16u

/* Writes the 16-character answer of (hunt, wave, clue). */
static inline void
hunt_answer_gen(uint64_t seed, uint32_t hunt_id, uint32_t wave_id,
		uint32_t clue_idx, uint8_t out[HUNT_ANSWER_GEN_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v = hunt_mix64(seed ^ hunt_mix64(((uint64_t)hunt_id << 32) |
						  wave_id) ^
				(uint64_t)clue_idx * 0x9e3779b97f4a7c15ull);
	for (unsigned i = 0; i < HUNT_ANSWER_GEN_BYTES; i++)
		out[i] = (uint8_t)hex[(v >> (4 * i)) & 0xf];
}

/* Loot item a clue awards: stable per (hunt, clue). */
static inline uint32_t
hunt_clue_loot(uint32_t hunt_id, uint32_t clue_idx)
{
	return 1000000u + (uint32_t)(hunt_mix64(((uint64_t)hunt_id << 32) |
						clue_idx) %
				     1000u);
}

/* Tile i of a world: coordinates in [0, size) and loot. */
static inline void
hunt_tile_gen(uint64_t seed, uint32_t world_id, uint32_t i, uint32_t size,
	      int32_t *x, int32_t *y, uint32_t *item, uint32_t *qty)
{
	uint64_t a = hunt_mix64(seed ^ ((uint64_t)world_id << 32) ^ i);
	uint64_t b = hunt_mix64(a);
	*x = (int32_t)((a & 0xffffffffu) % size);
	*y = (int32_t)((a >> 32) % size);
	*item = 1u + (uint32_t)(b % 100u);
	*qty = 1u + (uint32_t)((b >> 32) % 5u);
}

#endif
