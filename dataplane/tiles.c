/*
 * Loot tiles, placed from each world's loot_seed (include/hunt/content.h).
 * Two placements on one coordinate keep the first.
 */
#include "tiles.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hunt/content.h"
#include "hunt/shard.h"

static int
owned(const struct hunt_config *cfg, uint32_t w, int32_t x, int32_t y,
      uint32_t worker_idx, uint32_t n_workers)
{
	return hunt_owner_of_shard(hunt_shard_of_tile(w, x, y, cfg->server.n_shards),
				   n_workers) == worker_idx;
}

static void
insert(struct hunt_tiles *t, uint64_t key, uint32_t item, uint32_t qty)
{
	uint32_t j = (uint32_t)hunt_mix64(key) & t->mask;
	while (t->slots[j].key != 0) {
		if (t->slots[j].key == key)
			return;
		j = (j + 1) & t->mask;
	}
	t->slots[j] = (struct hunt_tile){.key = key, .item = item, .qty = qty};
	t->n++;
	assert(t->n <= t->mask);
}

int
hunt_tiles_init(struct hunt_tiles *t, const struct hunt_config *cfg,
		uint32_t worker_idx, uint32_t n_workers)
{
	memset(t, 0, sizeof(*t));
	uint64_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t wi = 0; wi < cfg->n_worlds; wi++) {
			const struct hunt_world_cfg *w = &cfg->worlds[wi];
			for (uint32_t i = 0; i < w->loot_tiles; i++) {
				int32_t x, y;
				uint32_t item, qty;
				hunt_tile_gen(w->loot_seed, w->id, i, w->size, &x,
					      &y, &item, &qty);
				if (!owned(cfg, w->id, x, y, worker_idx, n_workers))
					continue;
				if (pass == 0)
					n++;
				else
					insert(t, hunt_tile_key(w->id, x, y), item, qty);
			}
		}
		if (pass == 0) {
			uint32_t cap = 2;
			while (cap < 2 * n + 1)
				cap <<= 1;
			t->slots = calloc(cap, sizeof(*t->slots));
			if (t->slots == NULL)
				return -ENOMEM;
			t->mask = cap - 1;
		}
	}
	return 0;
}

void
hunt_tiles_free(struct hunt_tiles *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

const struct hunt_tile *
hunt_tiles_find(const struct hunt_tiles *t, uint32_t world_id, int32_t x,
		int32_t y)
{
	uint64_t key = hunt_tile_key(world_id, x, y);
	uint32_t j = (uint32_t)hunt_mix64(key) & t->mask;
	for (;;) {
		const struct hunt_tile *s = &t->slots[j];
		if (s->key == key)
			return s;
		if (s->key == 0)
			return NULL;
		j = (j + 1) & t->mask;
	}
}
