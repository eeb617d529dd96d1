/*
 * Proves each generated loot tile is found by exactly the worker that owns
 * its shard, with the generated loot, and that empty tiles are absent.
 */
#include <criterion/criterion.h>

#include "helpers.h"
#include "hunt/content.h"
#include "tiles.h"

Test(tiles, partitioned_and_found)
{
	struct hunt_config cfg;
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cfg, T_CONFIG, err), 0, "%s", err);
	struct hunt_tiles t[3];
	for (uint32_t w = 0; w < 3; w++)
		cr_assert_eq(hunt_tiles_init(&t[w], &cfg, w, 3), 0);
	for (uint32_t i = 0; i < 500; i++) {
		int32_t x, y;
		uint32_t item, qty;
		hunt_tile_gen(3, 1, i, 100, &x, &y, &item, &qty);
		unsigned found = 0;
		for (uint32_t w = 0; w < 3; w++) {
			const struct hunt_tile *tile = hunt_tiles_find(&t[w], 1, x, y);
			if (tile == NULL)
				continue;
			found++;
			cr_assert_eq(w, hunt_shard_of_tile(1, x, y, 16) % 3);
			cr_assert_geq(tile->item, 1);
			cr_assert_leq(tile->item, 100);
		}
		cr_assert_eq(found, 1, "tile %u found %u times", i, found);
	}
	uint32_t n = t[0].n + t[1].n + t[2].n, empty = 0;
	cr_assert_leq(n, 500);
	for (int32_t x = 0; x < 100; x++)
		for (int32_t y = 0; y < 100; y++) {
			int any = 0;
			for (uint32_t w = 0; w < 3; w++)
				any |= hunt_tiles_find(&t[w], 1, x, y) != NULL;
			empty += !any;
		}
	cr_assert_eq(empty, 10000 - n, "only placed tiles hold loot");
	cr_assert_null(hunt_tiles_find(&t[0], 2, 1, 1));
	for (uint32_t w = 0; w < 3; w++)
		hunt_tiles_free(&t[w]);
}
