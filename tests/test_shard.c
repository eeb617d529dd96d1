/*
 * Proves the shard function is fixed (clients compute it too: a change would
 * silently missteer every deployed client, so known values are pinned), stays
 * in range for every n_shards, and spreads keys evenly.
 */
#include <criterion/criterion.h>

#include "hunt/shard.h"

Test(shard, pinned_values)
{
	/* If these change, bump HUNT_SHARD_FN_MIX64 and the protocol version. */
	cr_assert_eq(hunt_mix64(0), 0);
	cr_assert_eq(hunt_mix64(1), 0x5692161d100b05e5ull);
	cr_assert_eq(hunt_shard_of_hunt(1, 16), (uint32_t)(((0x5692161d100b05e5ull >> 32) * 16) >> 32));
	cr_assert_eq(hunt_tile_key(1, 0, 0), (1ull << 42) | (1ull << 63));
}

Test(shard, in_range_at_bounds)
{
	uint32_t ns[] = {1, 2, 3, 16, 255, 256};
	for (int i = 0; i < 6; i++)
		for (uint32_t k = 0; k < 10000; k++) {
			cr_assert_lt(hunt_shard_of_hunt(k, ns[i]), ns[i]);
			cr_assert_lt(hunt_shard_of_tile(k % 5, (int32_t)k, (int32_t)(k * 3), ns[i]), ns[i]);
		}
	cr_assert_eq(hunt_shard_of_hunt(UINT32_MAX, 1), 0);
	cr_assert_eq(hunt_owner_of_shard(15, 4), 3);
	cr_assert_eq(hunt_owner_of_shard(0, 1), 0);
}

Test(shard, spreads_evenly)
{
	uint32_t count[16] = {0};
	for (uint32_t k = 1; k <= 160000; k++)
		count[hunt_shard_of_hunt(k, 16)]++;
	for (int s = 0; s < 16; s++)
		cr_assert(count[s] > 9500 && count[s] < 10500, "shard %d got %u of 160000", s, count[s]);
	uint32_t tiles[16] = {0};
	for (int32_t x = 0; x < 400; x++)
		for (int32_t y = 0; y < 400; y++)
			tiles[hunt_shard_of_tile(1, x, y, 16)]++;
	for (int s = 0; s < 16; s++)
		cr_assert(tiles[s] > 9500 && tiles[s] < 10500, "tile shard %d got %u", s, tiles[s]);
}

Test(shard, tile_keys_distinct_for_neighbours)
{
	cr_assert_neq(hunt_tile_key(1, 1, 0), hunt_tile_key(1, 0, 1));
	cr_assert_neq(hunt_tile_key(1, 0, 0), hunt_tile_key(2, 0, 0));
	cr_assert_neq(hunt_tile_key(1, 999999, 999999), hunt_tile_key(1, 999998, 999999));
	cr_assert_neq(hunt_tile_key(1, 0, 0), 0, "0 marks an empty slot");
}
