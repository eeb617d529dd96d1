/*
 * A worker's loot tiles: the tiles of every world whose shard the worker
 * owns, in one open-addressing table keyed by hunt_tile_key(). Read-only
 * after start-up.
 */
#ifndef HUNT_TILES_H
#define HUNT_TILES_H

#include <stdint.h>

#include "config.h"
#include "hunt/shard.h"

struct hunt_tile {
	uint64_t key; /* 0: empty; tile keys have bit 63 set */
	uint32_t item;
	uint32_t qty;
};

struct hunt_tiles {
	struct hunt_tile *slots;
	uint32_t mask;
	uint32_t n;
};

int hunt_tiles_init(struct hunt_tiles *t, const struct hunt_config *cfg,
		    uint32_t worker_idx, uint32_t n_workers);
void hunt_tiles_free(struct hunt_tiles *t);

/* Starts loading the slot hunt_tiles_find() probes first for this tile,
 * so a burst's DIGs wait for memory once, together, not one after another. */
static inline void
hunt_tiles_prefetch(const struct hunt_tiles *t, uint32_t world_id, int32_t x, int32_t y)
{
	__builtin_prefetch(&t->slots[(uint32_t)hunt_mix64(hunt_tile_key(world_id, x, y)) & t->mask]);
}

/* The tile at (world, x, y), or NULL if it holds no loot. */
const struct hunt_tile *hunt_tiles_find(const struct hunt_tiles *t,
					uint32_t world_id, int32_t x, int32_t y);

#endif
