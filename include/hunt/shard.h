/*
 * The shard function, the same on client and server (MICA-style steering:
 * the client sends to UDP port base_port + shard). A hunt is the unit of
 * consistency: its waves, clues, buildings and members live on one shard,
 * so "first valid answer wins", "all clues won" and a building's treasure
 * list are decided by one core with no cross-core traffic. World loot tiles
 * are read-only and spread by tile.
 */
#ifndef HUNT_SHARD_H
#define HUNT_SHARD_H

#include <stdint.h>

/* splitmix64's finaliser: a bijection with good avalanche. */
static inline uint64_t
hunt_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Maps a 64-bit key to [0, n_shards) by multiply-shift (no division). */
static inline uint32_t
hunt_shard_of_key(uint64_t key, uint32_t n_shards)
{
	uint64_t h = hunt_mix64(key) >> 32;
	return (uint32_t)((h * n_shards) >> 32);
}

/* JOIN, CLAIM, ENTER and WAVE_STATE go to their hunt's shard. */
static inline uint32_t
hunt_shard_of_hunt(uint32_t hunt_id, uint32_t n_shards)
{
	return hunt_shard_of_key((uint64_t)hunt_id, n_shards);
}

/* DIG goes to its tile's shard. Coordinates are 21-bit (< 2^21 > 1e6). */
static inline uint64_t
hunt_tile_key(uint32_t world_id, int32_t x, int32_t y)
{
	return ((uint64_t)world_id << 42) ^
	       ((uint64_t)((uint32_t)x & 0x1fffffu) << 21) ^
	       ((uint64_t)((uint32_t)y & 0x1fffffu)) ^ (1ull << 63);
}

static inline uint32_t
hunt_shard_of_tile(uint32_t world_id, int32_t x, int32_t y, uint32_t n_shards)
{
	return hunt_shard_of_key(hunt_tile_key(world_id, x, y), n_shards);
}

/* Server side: shard s is owned by worker s % n_workers. */
static inline uint32_t
hunt_owner_of_shard(uint32_t shard, uint32_t n_workers)
{
	return shard % n_workers;
}

#endif
