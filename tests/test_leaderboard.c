/*
 * Proves the leaderboard: totals per player across additions, the top list
 * exact under growing totals (a player climbing past the lowest replaces
 * it), the table growing past its first size, durable WIN records counted
 * from a group's bytes (other records skipped), and the merge summing a
 * player across workers and ordering by coins; ties broken by player id
 * whatever order the wins came in; and the published list read back whole
 * under its sequence lock, refused before the first publish or mid-write.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
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

Test(leaderboard, ties_resolve_by_id_in_any_order)
{
	/* 100 players with 5 coins each, added in two different orders: the
	 * same 32 (the lowest ids) make the list */
	struct hunt_lb_entry a[HUNT_LB_TOP], b[HUNT_LB_TOP];
	uint32_t na, nb;
	cr_assert_eq(hunt_lb_init(&lb, 128), 0);
	for (uint64_t p = 1; p <= 100; p++)
		hunt_lb_add(&lb, p, 5);
	sorted_top(&lb, a, &na);
	hunt_lb_free(&lb);
	cr_assert_eq(hunt_lb_init(&lb, 128), 0);
	for (uint64_t p = 100; p >= 1; p--)
		hunt_lb_add(&lb, p, 5);
	sorted_top(&lb, b, &nb);
	cr_assert_eq(na, HUNT_LB_TOP);
	cr_assert_eq(nb, HUNT_LB_TOP);
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
	cr_assert_eq(a[HUNT_LB_TOP - 1].player_id, HUNT_LB_TOP);
	hunt_lb_add(&lb, 90, 1); /* 90 passes them all */
	sorted_top(&lb, b, &nb);
	cr_assert_eq(b[0].player_id, 90);
	cr_assert_eq(b[HUNT_LB_TOP - 1].player_id, HUNT_LB_TOP - 1, "32 fell off");
	hunt_lb_free(&lb);
}

Test(leaderboard, board_publish_and_read)
{
	static struct hunt_lb_board board, out;
	cr_assert_eq(hunt_lb_board_read(&board, &out), -EAGAIN, "nothing published");
	struct hunt_lb_entry top[3] = {{7, 30}, {8, 20}, {9, 10}};
	hunt_lb_board_publish(&board, top, 3, 6, 12345);
	cr_assert_eq(hunt_lb_board_read(&board, &out), 0);
	cr_assert_eq(out.n, 3);
	cr_assert_eq(out.wins, 6);
	cr_assert_eq(out.taken_ms, 12345);
	cr_assert_eq(memcmp(out.top, top, sizeof(top)), 0);
	board.seq++; /* a writer in the middle of a publish */
	cr_assert_eq(hunt_lb_board_read(&board, &out), -EAGAIN);
	board.seq++;
	cr_assert_eq(hunt_lb_board_read(&board, &out), 0);
}

static int
rank_cmp(const void *a, const void *b)
{
	const struct hunt_lb_entry *x = a, *y = b;
	if (x->coins != y->coins)
		return x->coins > y->coins ? -1 : 1;
	return x->player_id < y->player_id ? -1 : x->player_id > y->player_id;
}

/* Random wins, some by a few heavy players, most by a long tail, with ties:
 * after every one the top list is exactly the first HUNT_LB_TOP of all
 * totals sorted (by brute force), so the shortcut for players below the
 * list's last entry never drops one that belongs. */
Test(leaderboard, top_list_matches_brute_force_under_random_wins)
{
	enum { PLAYERS = 300, WINS = 20000 };
	static struct hunt_lb_entry all[PLAYERS], want[PLAYERS], got[HUNT_LB_TOP];
	cr_assert_eq(hunt_lb_init(&lb, 16), 0);
	for (uint32_t p = 0; p < PLAYERS; p++)
		all[p] = (struct hunt_lb_entry){p + 1, 0};
	uint64_t x = 88172645463325252ull;
	for (int n = 0; n < WINS; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t p = (x & 3) == 0 ? (uint32_t)(x >> 8) % 8 : (uint32_t)(x >> 8) % PLAYERS;
		uint64_t coins = (x >> 40) % 3 == 0 ? 10 : 5;
		cr_assert_eq(hunt_lb_add(&lb, p + 1, coins), 0);
		all[p].coins += coins;
		uint32_t m = 0;
		for (uint32_t i = 0; i < PLAYERS; i++)
			if (all[i].coins > 0)
				want[m++] = all[i];
		qsort(want, m, sizeof(want[0]), rank_cmp);
		uint32_t k;
		sorted_top(&lb, got, &k);
		cr_assert_eq(k, m < HUNT_LB_TOP ? m : HUNT_LB_TOP, "after win %d", n);
		for (uint32_t i = 0; i < k; i++)
			cr_assert(got[i].player_id == want[i].player_id && got[i].coins == want[i].coins,
				  "after win %d, rank %u: player %lu %lu coins, want %lu %lu", n, i,
				  (unsigned long)got[i].player_id, (unsigned long)got[i].coins,
				  (unsigned long)want[i].player_id, (unsigned long)want[i].coins);
	}
	hunt_lb_free(&lb);
}
