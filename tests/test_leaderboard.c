/*
 * Proves the leaderboard: totals per player across additions, the top list
 * exact under growing totals (a player climbing past the lowest replaces
 * it), the table growing past its first size, durable WIN records counted
 * from a group's bytes (other records skipped), and the merge summing a
 * player across workers and ordering by coins.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "hunt/journal.h"
#include "leaderboard.h"

static struct hunt_lb lb;

static void
sorted_top(const struct hunt_lb *l, struct hunt_lb_entry *out, uint32_t *n)
{
	const struct hunt_lb_entry *lists[1] = {l->top};
	uint32_t lens[1] = {l->n_top};
	*n = hunt_lb_merge(lists, lens, 1, out, HUNT_LB_TOP);
}

Test(leaderboard, totals_and_an_exact_top_list)
{
	cr_assert_eq(hunt_lb_init(&lb, 4), 0);
	/* 1000 players: player p gets p coins, in a shuffled order, in 3 parts */
	for (int part = 0; part < 3; part++)
		for (uint64_t i = 0; i < 1000; i++) {
			uint64_t p = 1 + (i * 7919) % 1000;
			cr_assert_eq(hunt_lb_add(&lb, p, p * (part + 1)), 0);
		}
	cr_assert_eq(hunt_lb_coins(&lb, 1000), 6000);
	cr_assert_eq(hunt_lb_coins(&lb, 1), 6);
	cr_assert_eq(hunt_lb_coins(&lb, 5000), 0);
	cr_assert_eq(lb.used, 1000, "the table grew from room for 4");
	struct hunt_lb_entry top[HUNT_LB_TOP];
	uint32_t n;
	sorted_top(&lb, top, &n);
	cr_assert_eq(n, HUNT_LB_TOP);
	for (uint32_t i = 0; i < n; i++) {
		cr_assert_eq(top[i].player_id, 1000 - i);
		cr_assert_eq(top[i].coins, 6 * (1000 - i));
	}
	/* a low player climbs to the top */
	cr_assert_eq(hunt_lb_add(&lb, 3, 100000), 0);
	sorted_top(&lb, top, &n);
	cr_assert_eq(top[0].player_id, 3);
	cr_assert_eq(top[0].coins, 100018);
	cr_assert_eq(top[n - 1].player_id, 1000 - (HUNT_LB_TOP - 2), "the lowest one fell off");
	hunt_lb_free(&lb);
}

static uint32_t
put(uint8_t *buf, uint32_t off, uint8_t type, const void *payload, uint16_t len)
{
	struct hunt_rec_hdr h = {.type = type, .len = len};
	memcpy(buf + off, &h, sizeof(h));
	memcpy(buf + off + sizeof(h), payload, len);
	return off + hunt_rec_bytes(len);
}

Test(leaderboard, durable_group_counts_only_wins)
{
	cr_assert_eq(hunt_lb_init(&lb, 16), 0);
	static uint8_t buf[1024];
	uint32_t off = 0;
	struct hunt_rec_join j = {.player_id = 7};
	struct hunt_rec_win w1 = {.wave_id = 1, .clue_idx = 0, .player_id = 7, .coins = 10};
	struct hunt_rec_win w2 = {.wave_id = 1, .clue_idx = 1, .player_id = 8, .coins = 25};
	struct hunt_rec_wave o = {.wave_id = 2, .state = 1};
	off = put(buf, off, HUNT_REC_JOIN, &j, sizeof(j));
	off = put(buf, off, HUNT_REC_WIN, &w1, sizeof(w1));
	off = put(buf, off, HUNT_REC_WAVE_OPEN, &o, sizeof(o));
	off = put(buf, off, HUNT_REC_WIN, &w2, sizeof(w2));
	off = put(buf, off, HUNT_REC_WIN, &w1, sizeof(w1));
	hunt_lb_durable(&lb, buf, off);
	cr_assert_eq(lb.wins, 3);
	cr_assert_eq(hunt_lb_coins(&lb, 7), 20);
	cr_assert_eq(hunt_lb_coins(&lb, 8), 25);
	hunt_lb_free(&lb);
}

Test(leaderboard, merge_sums_a_player_across_workers)
{
	struct hunt_lb_entry a[] = {{1, 50}, {2, 40}, {3, 5}};
	struct hunt_lb_entry b[] = {{3, 60}, {4, 45}};
	const struct hunt_lb_entry *lists[] = {a, b};
	uint32_t lens[] = {3, 2};
	struct hunt_lb_entry out[3];
	uint32_t n = hunt_lb_merge(lists, lens, 2, out, 3);
	cr_assert_eq(n, 3);
	cr_assert_eq(out[0].player_id, 3);
	cr_assert_eq(out[0].coins, 65, "5 + 60");
	cr_assert_eq(out[1].player_id, 1);
	cr_assert_eq(out[2].player_id, 4);
}
