/*
 * Proves the claim decision and the wave machine: exactly one winner per
 * (wave, clue), the first right answer; retransmits get the same answer for
 * the whole wave (and the previous one after a wave change); WAVE_CLOSED for
 * other waves; waves close at the deadline or when the last clue is won,
 * cool down, reopen, and finish after `waves`; member limits at 0, 1, max,
 * max + 1; a randomized interleaving against a reference model; and
 * the event ring: newest events_kept kept, paged by id with GAP and MORE,
 * fed from durable groups and from replay with the same ids; and a
 * catalogue's [clue] answers and loot are what claims are judged by and win.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "helpers.h"
#include "hunts.h"

#define HZ 1000000ull /* 1 tick = 1 us */

static struct hunt_config cfg;
static struct hunt_table t;

static void
setup(void)
{
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cfg, T_CONFIG, err), 0, "%s", err);
	/* One worker owns every hunt. */
	cr_assert_eq(hunt_table_init(&t, &cfg, 0, 1, 0, HZ), 0);
}

static void
teardown(void)
{
	hunt_table_free(&t);
}

static void
answer(struct hunt_state *h, uint32_t wave, uint32_t clue, uint8_t out[16])
{
	hunt_answer_gen(h->cfg->answer_seed, h->cfg->id, wave, clue, out);
}

static enum hunt_status
claim(struct hunt_state *h, uint64_t player, uint32_t wave, uint32_t clue, int right,
      uint64_t now, uint64_t *winner)
{
	uint8_t a[16];
	answer(h, wave, clue, a);
	if (!right)
		a[3] ^= 1;
	uint32_t loot;
	uint64_t w, dep;
	enum hunt_status s = hunt_claim(&t, h, player, wave, clue, a, 16, now,
					winner ? winner : &w, &loot, &dep);
	return s;
}

static enum hunt_status
join_p(struct hunt_state *h, uint64_t player)
{
	uint64_t dep;
	return hunt_member_join(&t, h, player, 0, &dep);
}

TestSuite(hunts, .init = setup, .fini = teardown);

Test(hunts, first_wave_opens_on_time)
{
	struct hunt_state *h1 = hunt_table_find(&t, 1), *h2 = hunt_table_find(&t, 2);
	cr_assert_not_null(h1);
	cr_assert_not_null(h2);
	cr_assert_null(hunt_table_find(&t, 3));
	cr_assert_eq(hunt_table_next_event(&t), 0);
	cr_assert_eq(hunt_table_advance(&t, 0), 1); /* hunt 1 at 0; hunt 2 at 250 ms */
	cr_assert_eq(h1->state, HUNT_WAVE_OPEN);
	cr_assert_eq(h1->wave_id, 1);
	cr_assert_eq(h2->state, HUNT_WAVE_PENDING);
	cr_assert_eq(hunt_table_next_event(&t), 250000);
	cr_assert_eq(hunt_table_advance(&t, 249999), 0);
	cr_assert_eq(hunt_table_advance(&t, 250000), 1);
	cr_assert_eq(h2->state, HUNT_WAVE_OPEN);
	cr_assert_eq(hunt_ms_left(&t, h1, 250000), 750);
}

Test(hunts, one_winner_and_same_answers_for_the_whole_wave)
{
	hunt_table_advance(&t, 0);
	struct hunt_state *h = hunt_table_find(&t, 1);
	for (uint64_t p = 1; p <= 3; p++)
		cr_assert_eq(join_p(h, p), HUNT_STATUS_OK);
	uint64_t w;
	cr_assert_eq(claim(h, 1, 1, 5, 0, 10, &w), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(claim(h, 2, 1, 5, 1, 11, &w), HUNT_STATUS_WON);
	cr_assert_eq(w, 2);
	cr_assert_eq(claim(h, 1, 1, 5, 1, 12, &w), HUNT_STATUS_TAKEN);
	cr_assert_eq(w, 2);
	cr_assert_eq(claim(h, 3, 1, 5, 1, 13, &w), HUNT_STATUS_TAKEN);
	cr_assert_eq(w, 2);
	/* Retransmits: every player gets their first answer again. */
	cr_assert_eq(claim(h, 2, 1, 5, 1, 14, &w), HUNT_STATUS_WON);
	cr_assert_eq(claim(h, 1, 1, 5, 0, 15, &w), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(claim(h, 1, 1, 5, 1, 16, &w), HUNT_STATUS_TAKEN);
	cr_assert_eq(h->n_won, 1);
	cr_assert_eq(hunt_member_find(h, 2)->coins, 5);
	cr_assert_eq(hunt_member_find(h, 2)->wins, 1);
	cr_assert_eq(hunt_member_find(h, 1)->coins, 0);
}

Test(hunts, clue_and_wave_bounds)
{
	hunt_table_advance(&t, 0);
	struct hunt_state *h = hunt_table_find(&t, 1);
	join_p(h, 1);
	cr_assert_eq(claim(h, 1, 1, 8, 1, 1, NULL), HUNT_STATUS_NO_SUCH_CLUE);
	cr_assert_eq(claim(h, 1, 1, UINT32_MAX, 1, 1, NULL), HUNT_STATUS_NO_SUCH_CLUE);
	cr_assert_eq(claim(h, 1, 1, 7, 1, 1, NULL), HUNT_STATUS_WON);
	cr_assert_eq(claim(h, 1, 1, 0, 1, 1, NULL), HUNT_STATUS_WON);
	cr_assert_eq(claim(h, 1, 0, 1, 1, 1, NULL), HUNT_STATUS_WAVE_CLOSED);
	cr_assert_eq(claim(h, 1, 2, 1, 1, 1, NULL), HUNT_STATUS_WAVE_CLOSED);
	cr_assert_eq(claim(h, 1, 3, 1, 1, 1, NULL), HUNT_STATUS_WAVE_CLOSED);
	/* Answer length other than the clue's is wrong, not an error. */
	uint8_t a[32] = {0};
	uint64_t w, dep;
	uint32_t loot;
	answer(h, 1, 2, a);
	cr_assert_eq(hunt_claim(&t, h, 1, 1, 2, a, 15, 1, &w, &loot, &dep), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(hunt_claim(&t, h, 1, 1, 2, a, 17, 1, &w, &loot, &dep), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(hunt_claim(&t, h, 1, 1, 2, a, 16, 1, &w, &loot, &dep), HUNT_STATUS_WON);
	cr_assert_eq(loot, hunt_clue_loot(1, 2));
}

Test(hunts, last_clue_closes_wave_and_previous_wave_keeps_answers)
{
	hunt_table_advance(&t, 0);
	struct hunt_state *h = hunt_table_find(&t, 1);
	join_p(h, 1);
	join_p(h, 2);
	for (uint32_t c = 0; c < 7; c++)
		cr_assert_eq(claim(h, 1 + (c & 1), 1, c, 1, 100, NULL), HUNT_STATUS_WON);
	cr_assert_eq(h->state, HUNT_WAVE_OPEN);
	cr_assert_eq(claim(h, 2, 1, 7, 1, 200, NULL), HUNT_STATUS_WON);
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN);
	cr_assert_eq(h->waves_closed_all_won, 1);
	/* In cooldown: retransmits keep their answers; nothing new can be won. */
	cr_assert_eq(claim(h, 2, 1, 7, 1, 300, NULL), HUNT_STATUS_WON);
	cr_assert_eq(claim(h, 1, 1, 7, 1, 300, NULL), HUNT_STATUS_TAKEN);
	cr_assert_eq(hunt_table_next_event(&t), 200 + 100000);
	hunt_table_advance(&t, 100200);
	cr_assert_eq(h->state, HUNT_WAVE_OPEN);
	cr_assert_eq(h->wave_id, 2);
	cr_assert_eq(h->n_won, 0);
	/* Wave 1 (previous) still answers as before; wave 2 is fresh. */
	cr_assert_eq(claim(h, 1, 1, 0, 1, 100300, NULL), HUNT_STATUS_WON);
	cr_assert_eq(claim(h, 2, 1, 0, 1, 100300, NULL), HUNT_STATUS_TAKEN);
	cr_assert_eq(claim(h, 2, 1, 0, 0, 100300, NULL), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(claim(h, 2, 2, 0, 1, 100300, NULL), HUNT_STATUS_WON);
	/* Answers differ per wave: wave 1's answer is wrong in wave 2. */
	uint8_t a[16];
	uint64_t w, dep;
	uint32_t loot;
	answer(h, 1, 1, a);
	cr_assert_eq(hunt_claim(&t, h, 1, 2, 1, a, 16, 100300, &w, &loot, &dep),
		     HUNT_STATUS_WRONG_ANSWER);
}

Test(hunts, deadline_closes_and_open_clue_then_answers_wave_closed)
{
	hunt_table_advance(&t, 0);
	struct hunt_state *h = hunt_table_find(&t, 1);
	join_p(h, 1);
	hunt_table_advance(&t, 999999);
	cr_assert_eq(h->state, HUNT_WAVE_OPEN, "open until its deadline");
	hunt_table_advance(&t, 1000000);
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN);
	cr_assert_eq(h->waves_closed_deadline, 1);
	cr_assert_eq(claim(h, 1, 1, 3, 1, 1000001, NULL), HUNT_STATUS_WAVE_CLOSED);
	cr_assert_eq(claim(h, 1, 1, 3, 0, 1000001, NULL), HUNT_STATUS_WRONG_ANSWER);
	/* Two waves on, wave 1 is forgotten: WAVE_CLOSED even for the answer. */
	hunt_table_advance(&t, 1100000); /* wave 2 opens */
	hunt_table_advance(&t, 2100000); /* wave 2 closes */
	hunt_table_advance(&t, 2200000); /* wave 3 opens */
	cr_assert_eq(h->wave_id, 3);
	cr_assert_eq(claim(h, 1, 1, 3, 0, 2200001, NULL), HUNT_STATUS_WAVE_CLOSED);
}

Test(hunts, finishes_after_configured_waves)
{
	struct hunt_state *h = hunt_table_find(&t, 1);
	uint64_t now = 0;
	for (int i = 0; i < 80; i++) { /* 4 s: 3 x (1 s + 0.1 s) */
		hunt_table_advance(&t, now);
		now += 50000;
	}
	cr_assert_eq(h->state, HUNT_WAVE_FINISHED);
	cr_assert_eq(h->wave_id, 3);
	cr_assert_eq(h->waves_opened, 3);
	cr_assert_eq(hunt_ms_left(&t, h, now), 0);
	/* Hunt 2 (waves = 0, cooldown 0) keeps going. */
	struct hunt_state *h2 = hunt_table_find(&t, 2);
	cr_assert_eq(h2->state, HUNT_WAVE_OPEN);
	cr_assert_geq(h2->wave_id, 1);
}

Test(hunts, members_at_bounds)
{
	struct hunt_state *h = hunt_table_find(&t, 1); /* max_players = 4 */
	cr_assert_eq(join_p(h, 0), HUNT_STATUS_BAD_FIELD);
	for (uint64_t p = 1; p <= 4; p++)
		cr_assert_eq(join_p(h, p * 1000003), HUNT_STATUS_OK);
	cr_assert_eq(join_p(h, 5 * 1000003), HUNT_STATUS_RETRY_LATER);
	cr_assert_eq(join_p(h, 1000003), HUNT_STATUS_OK, "rejoin is idempotent");
	cr_assert_eq(h->n_members, 4);
	cr_assert_null(hunt_member_find(h, 5 * 1000003));
	/* A claim by a non-member (impossible with a valid token) credits no one. */
	hunt_table_advance(&t, 0);
	cr_assert_eq(claim(h, 77, 1, 0, 1, 1, NULL), HUNT_STATUS_NOT_MEMBER);
	cr_assert_eq(h->n_won, 0);
}

Test(hunts, buildings_list_only_open_treasures)
{
	struct hunt_state *h = hunt_table_find(&t, 1); /* 3 buildings x 2 */
	uint32_t ids[HUNT_TREASURES_MAX];
	cr_assert_eq(hunt_building_open(h, 0, UINT64_MAX, ids), 0, "nothing before the wave opens");
	hunt_table_advance(&t, 0);
	join_p(h, 1);
	cr_assert_eq(hunt_building_open(h, 1, UINT64_MAX, ids), 2);
	cr_assert_eq(ids[0], 2);
	cr_assert_eq(ids[1], 3);
	claim(h, 1, 1, 2, 1, 1, NULL);
	cr_assert_eq(hunt_building_open(h, 1, UINT64_MAX, ids), 1);
	cr_assert_eq(ids[0], 3);
	claim(h, 1, 1, 3, 1, 1, NULL);
	cr_assert_eq(hunt_building_open(h, 1, UINT64_MAX, ids), 0);
	cr_assert_eq(hunt_building_open(h, 2, UINT64_MAX, ids), 2);
}

/* Random claims from 4 players against a model that remembers the first
 * right claim of each clue: the table must agree on every answer. */
Test(hunts, random_interleaving_matches_model)
{
	hunt_table_advance(&t, 0);
	struct hunt_state *h = hunt_table_find(&t, 2); /* not open yet: use hunt 1 */
	h = hunt_table_find(&t, 1);
	for (uint64_t p = 1; p <= 4; p++)
		join_p(h, p);
	uint64_t model[8] = {0};
	srand(7);
	for (int i = 0; i < 5000 && h->state == HUNT_WAVE_OPEN; i++) {
		uint64_t p = 1 + (uint64_t)(rand() % 4);
		uint32_t c = (uint32_t)(rand() % 8);
		int right = rand() % 3 == 0;
		uint64_t w = 0;
		enum hunt_status s = claim(h, p, 1, c, right, 1, &w);
		if (!right) {
			cr_assert_eq(s, HUNT_STATUS_WRONG_ANSWER);
			continue;
		}
		if (model[c] == 0)
			model[c] = p;
		cr_assert_eq(s, model[c] == p ? HUNT_STATUS_WON : HUNT_STATUS_TAKEN);
		cr_assert_eq(w, model[c]);
	}
	uint64_t coins = 0;
	for (uint64_t p = 1; p <= 4; p++)
		coins += hunt_member_find(h, p)->coins;
	cr_assert_eq(coins, 8 * 5, "each clue paid once");
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN);
}

Test(hunts, heap_fires_many_hunts_in_time_order)
{
	hunt_table_free(&t);
	static struct hunt_config big;
	char *text = malloc(1 << 20), err[HUNT_CONFIG_ERR_BYTES];
	size_t off = (size_t)sprintf(text, "[server]\nip = 198.18.0.1\n[world]\nid = 1\n");
	for (unsigned i = 1; i <= 1000; i++)
		off += (size_t)sprintf(text + off,
				       "[hunt]\nid = %u\nworld = 1\nclues_per_wave = 1\n"
				       "start_delay_ms = %u\nmax_players = 1\n",
				       i, (i * 7919) % 1000);
	cr_assert_eq(hunt_config_parse(&big, text, err), 0, "%s", err);
	free(text);
	cr_assert_eq(hunt_table_init(&t, &big, 0, 1, 0, 1000), 0);
	cr_assert_eq(t.n_hunts, 1000);
	uint64_t last = 0;
	unsigned fired = 0;
	for (uint64_t now = 0; now < 1000; now++) {
		cr_assert_geq(hunt_table_next_event(&t), last);
		unsigned n = hunt_table_advance(&t, now);
		fired += n;
		last = now;
		cr_assert_gt(hunt_table_next_event(&t), now);
	}
	cr_assert_eq(fired, 1000);
	for (uint32_t i = 0; i < t.n_hunts; i++)
		cr_assert_eq(t.hunts[i].state, HUNT_WAVE_OPEN);
}

Test(hunts, workers_partition_the_hunts)
{
	struct hunt_table parts[3];
	uint32_t total = 0;
	for (uint32_t w = 0; w < 3; w++) {
		cr_assert_eq(hunt_table_init(&parts[w], &cfg, w, 3, 0, HZ), 0);
		total += parts[w].n_hunts;
		for (uint32_t i = 0; i < parts[w].n_hunts; i++)
			cr_assert_eq(hunt_shard_of_hunt(parts[w].hunts[i].cfg->id, 16) % 3, w);
	}
	cr_assert_eq(total, cfg.n_hunts);
	for (uint32_t w = 0; w < 3; w++)
		hunt_table_free(&parts[w]);
}

/* ---- journal sink, dependencies, replay ---- */

struct fake_sink {
	uint64_t seq;
	int room;
	uint32_t n;
	struct {
		struct hunt_rec_hdr h;
		uint8_t payload[32];
	} recs[256];
};

static uint64_t
fake_emit(void *ctx, uint8_t type, uint32_t hunt_id, const void *payload, uint16_t len,
	  uint64_t now)
{
	struct fake_sink *f = ctx;
	cr_assert(f->room, "emit without room");
	cr_assert_lt(f->n, 256);
	cr_assert_eq(len, hunt_rec_payload_bytes(type));
	f->recs[f->n].h = (struct hunt_rec_hdr){.type = type, .len = len, .seq = ++f->seq,
						 .hunt_id = hunt_id};
	memcpy(f->recs[f->n].payload, payload, len);
	f->n++;
	return f->seq;
}

static int
fake_room(void *ctx, uint32_t n)
{
	return ((struct fake_sink *)ctx)->room;
}

static struct fake_sink sink;

static void
use_sink(void)
{
	memset(&sink, 0, sizeof(sink));
	sink.room = 1;
	t.sink = (struct hunt_sink){.emit = fake_emit, .room = fake_room, .ctx = &sink};
}

Test(hunts, every_change_is_emitted_with_the_seq_replies_depend_on)
{
	use_sink();
	hunt_table_advance(&t, 0);
	cr_assert_eq(sink.n, 1);
	cr_assert_eq(sink.recs[0].h.type, HUNT_REC_WAVE_OPEN);
	struct hunt_state *h = hunt_table_find(&t, 1);
	cr_assert_eq(h->state_seq, 1);
	uint64_t dep;
	cr_assert_eq(hunt_member_join(&t, h, 9, 0, &dep), HUNT_STATUS_OK);
	cr_assert_eq(dep, 2);
	cr_assert_eq(hunt_member_join(&t, h, 9, 0, &dep), HUNT_STATUS_OK);
	cr_assert_eq(dep, 2, "a rejoin depends on the original JOIN record");
	cr_assert_eq(sink.n, 2, "and writes nothing");
	uint8_t a[16];
	uint64_t w;
	uint32_t loot;
	answer(h, 1, 4, a);
	cr_assert_eq(hunt_claim(&t, h, 9, 1, 4, a, 16, 5, &w, &loot, &dep), HUNT_STATUS_WON);
	cr_assert_eq(dep, 3);
	cr_assert_eq(sink.recs[2].h.type, HUNT_REC_WIN);
	const struct hunt_rec_win *win = (const void *)sink.recs[2].payload;
	cr_assert_eq(win->player_id, 9);
	cr_assert_eq(win->clue_idx, 4);
	cr_assert_eq(win->coins, 5);
	cr_assert_eq(hunt_claim(&t, h, 9, 1, 4, a, 16, 6, &w, &loot, &dep), HUNT_STATUS_WON);
	cr_assert_eq(dep, 3, "a retransmit depends on the win");
	a[0] ^= 1;
	cr_assert_eq(hunt_claim(&t, h, 9, 1, 4, a, 16, 6, &w, &loot, &dep), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(dep, 0, "a wrong answer depends on nothing");
	cr_assert_eq(hunt_claim(&t, h, 9, 7, 4, a, 16, 6, &w, &loot, &dep), HUNT_STATUS_WAVE_CLOSED);
	cr_assert_eq(dep, 1, "WAVE_CLOSED depends on the last transition");
	uint32_t ids[HUNT_TREASURES_MAX];
	cr_assert_eq(hunt_building_open(h, 2, 2, ids), 2, "win 3 not durable yet: still listed");
	cr_assert_eq(hunt_building_open(h, 2, 3, ids), 1, "durable: no longer listed");
}

Test(hunts, no_room_means_no_change)
{
	use_sink();
	sink.room = 0;
	cr_assert_eq(hunt_table_advance(&t, 0), 0, "a due wave waits for room");
	cr_assert_eq(hunt_table_find(&t, 1)->state, HUNT_WAVE_PENDING);
	sink.room = 1;
	cr_assert_eq(hunt_table_advance(&t, 10), 1);
	cr_assert_eq(hunt_table_find(&t, 1)->state, HUNT_WAVE_OPEN);
}

/* Without room, only what would change state is refused: a decided claim
 * (a retransmit of a win, a loser, a wrong answer) and a re-join are
 * answered; a would-be win and a new member get RETRY_LATER, nothing
 * changed and nothing emitted. */
Test(hunts, no_room_refuses_only_changes)
{
	use_sink();
	hunt_table_advance(&t, 0);
	struct hunt_state *h = hunt_table_find(&t, 1);
	cr_assert_eq(join_p(h, 1), HUNT_STATUS_OK);
	cr_assert_eq(join_p(h, 2), HUNT_STATUS_OK);
	cr_assert_eq(claim(h, 1, 1, 3, 1, 10, NULL), HUNT_STATUS_WON);
	uint32_t n = sink.n;
	sink.room = 0;
	uint64_t winner = 0;
	cr_assert_eq(claim(h, 1, 1, 3, 1, 20, &winner), HUNT_STATUS_WON, "a retransmit of the win");
	cr_assert_eq(claim(h, 2, 1, 3, 1, 20, &winner), HUNT_STATUS_TAKEN);
	cr_assert_eq(winner, 1);
	cr_assert_eq(claim(h, 2, 1, 4, 0, 20, NULL), HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(join_p(h, 2), HUNT_STATUS_OK, "a re-join");
	cr_assert_eq(claim(h, 2, 1, 4, 1, 20, NULL), HUNT_STATUS_RETRY_LATER);
	cr_assert_eq(h->clues[1][4].winner_id, 0);
	cr_assert_eq(h->n_won, 1);
	cr_assert_eq(hunt_member_find(h, 2)->coins, 0);
	cr_assert_eq(join_p(h, 3), HUNT_STATUS_RETRY_LATER);
	cr_assert_null(hunt_member_find(h, 3));
	cr_assert_eq(sink.n, n, "nothing emitted without room");
	sink.room = 1;
	cr_assert_eq(claim(h, 2, 1, 4, 1, 30, NULL), HUNT_STATUS_WON);
}

/* Journaled into the sink: four joins, wave 1 all won, two wins of wave 2. */
static struct hunt_state *
play_two_waves(void)
{
	use_sink();
	struct hunt_state *h = hunt_table_find(&t, 1);
	hunt_table_advance(&t, 0);
	for (uint64_t p = 1; p <= 4; p++)
		join_p(h, p);
	for (uint32_t c = 0; c < 8; c++) /* wave 1: all won, closes */
		claim(h, 1 + c % 3, 1, c, 1, 10, NULL);
	hunt_table_advance(&t, 100010); /* wave 2 opens */
	claim(h, 4, 2, 0, 1, 100020, NULL);
	claim(h, 2, 2, 5, 1, 100030, NULL);
	claim(h, 3, 2, 5, 1, 100040, NULL); /* TAKEN: no record */
	cr_assert_eq(h->wave_id, 2);
	return h;
}

/* Everything a live table did, replayed from its records into a fresh one,
 * gives the same state. */
Test(hunts, replay_rebuilds_the_same_state)
{
	struct hunt_state *h = play_two_waves();

	struct hunt_table r;
	cr_assert_eq(hunt_table_init(&r, &cfg, 0, 1, 0, HZ), 0);
	for (uint32_t i = 0; i < sink.n; i++)
		cr_assert_eq(hunt_table_apply(&r, 1, &sink.recs[i].h, sink.recs[i].payload), 0);
	struct hunt_state *g = hunt_table_find(&r, 1);
	cr_assert_eq(g->wave_id, 2);
	cr_assert_eq(g->state, HUNT_WAVE_OPEN);
	cr_assert_eq(g->n_won, 2);
	cr_assert_eq(g->n_members, 4);
	for (uint64_t p = 1; p <= 4; p++) {
		cr_assert_eq(hunt_member_find(g, p)->coins, hunt_member_find(h, p)->coins, "player %lu", p);
		cr_assert_eq(hunt_member_find(g, p)->wins, hunt_member_find(h, p)->wins);
	}
	for (uint32_t w = 1; w <= 2; w++)
		for (uint32_t c = 0; c < 8; c++)
			cr_assert_eq(g->clues[w & 1][c].winner_id, h->clues[w & 1][c].winner_id,
				     "wave %u clue %u", w, c);
	/* Retransmits after the "restart" get their first answers. */
	uint8_t a[16];
	uint64_t win, dep;
	uint32_t loot;
	answer(g, 2, 5, a);
	cr_assert_eq(hunt_claim(&r, g, 2, 2, 5, a, 16, 1, &win, &loot, &dep), HUNT_STATUS_WON);
	cr_assert_eq(hunt_claim(&r, g, 3, 2, 5, a, 16, 1, &win, &loot, &dep), HUNT_STATUS_TAKEN);
	cr_assert_eq(win, 2);
	answer(g, 1, 7, a);
	cr_assert_eq(hunt_claim(&r, g, 1 + 7 % 3, 1, 7, a, 16, 1, &win, &loot, &dep), HUNT_STATUS_WON,
		     "previous wave too");
	struct hunt_rec_hdr other = {.type = HUNT_REC_JOIN, .hunt_id = 99};
	uint64_t player = 5;
	cr_assert_eq(hunt_table_apply(&r, 1, &other, &player), -ENOENT);
	hunt_table_free(&r);
}

/* Replay (and the checkpointer's shadow) leave the answers to the end: the
 * two wave slots' answers and loot are then those of the live table. */
Test(hunts, replay_fills_answers_once_at_the_end)
{
	struct hunt_state *h = play_two_waves();
	struct hunt_table r;
	cr_assert_eq(hunt_table_init(&r, &cfg, 0, 1, 0, HZ), 0);
	r.answers_later = 1;
	for (uint32_t i = 0; i < sink.n; i++)
		cr_assert_eq(hunt_table_apply(&r, 1, &sink.recs[i].h, sink.recs[i].payload), 0);
	struct hunt_state *g = hunt_table_find(&r, 1);
	cr_assert_eq(g->clues[0][3].answer_len, 0, "not filled while replaying");
	hunt_table_fill_answers(&r);
	cr_assert_eq(r.answers_later, 0);
	for (uint32_t s = 0; s < 2; s++)
		for (uint32_t c = 0; c < 8; c++) {
			const struct hunt_clue *want = &h->clues[s][c], *got = &g->clues[s][c];
			cr_assert_eq(got->answer_len, want->answer_len, "slot %u clue %u", s, c);
			cr_assert_arr_eq(got->answer, want->answer, want->answer_len);
			cr_assert_eq(got->loot_item, want->loot_item);
			cr_assert_eq(got->winner_id, want->winner_id);
		}
	uint8_t a[16];
	uint64_t win, dep;
	uint32_t loot;
	answer(g, 2, 6, a);
	cr_assert_eq(hunt_claim(&r, g, 1, 2, 6, a, 16, 1, &win, &loot, &dep), HUNT_STATUS_WON);
	cr_assert_eq(loot, h->clues[0][6].loot_item);
	hunt_table_free(&r);
}

Test(hunts, resume_sets_timers_from_the_wall_clock)
{
	use_sink();
	struct hunt_state *h = hunt_table_find(&t, 1);
	hunt_table_advance(&t, 0); /* wave 1 open at wall0 */
	struct hunt_table r;
	cr_assert_eq(hunt_table_init(&r, &cfg, 0, 1, 0, HZ), 0);
	cr_assert_eq(hunt_table_apply(&r, 1, &sink.recs[0].h, sink.recs[0].payload), 0);
	struct hunt_state *g = hunt_table_find(&r, 1);
	/* Pretend 400 ms passed while huntd was down. */
	r.wall0_ms = ((const struct hunt_rec_wave *)sink.recs[0].payload)->wall_ms + 400;
	hunt_table_resume(&r, 0);
	cr_assert_eq(g->state, HUNT_WAVE_OPEN);
	cr_assert_eq(g->next_event_tsc, 600000, "deadline 1000 ms after the open, 400 ms gone");
	/* 2 s down: the deadline passed; the wave closes at the first advance. */
	r.wall0_ms += 1600;
	hunt_table_resume(&r, 0);
	cr_assert_eq(g->next_event_tsc, 0);
	hunt_table_advance(&r, 0);
	cr_assert_eq(g->state, HUNT_WAVE_COOLDOWN);
	cr_assert_eq(g->waves_closed_deadline, 1);
	(void)h;
	hunt_table_free(&r);
}

/* hunt-control's wave commands (waves_by_control = 1): no timer fires; START
 * and END name the wave they mean, so a repeat is stale and changes
 * nothing; all clues won still closes at once; the last wave finishes. */
Test(hunts, wave_commands_when_waves_are_by_control)
{
	hunt_table_free(&t);
	cfg.server.waves_by_control = 1;
	cr_assert_eq(hunt_table_init(&t, &cfg, 0, 1, 0, HZ), 0);
	struct hunt_state *h = hunt_table_find(&t, 1);
	uint64_t seq = 0;
	cr_assert_eq(hunt_table_next_event(&t), UINT64_MAX, "no timer fires");
	cr_assert_eq(hunt_table_advance(&t, 10 * HZ), 0);
	cr_assert_eq(h->state, HUNT_WAVE_PENDING);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_END, 0, 1, &seq), -ESTALE,
		     "nothing open to end");
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_START, 2, 1, &seq), -ESTALE,
		     "wave 2 is not next: no skipping");
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_START, 1, 1, &seq), 0);
	cr_assert_eq(h->state, HUNT_WAVE_OPEN);
	cr_assert_eq(h->wave_id, 1);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_START, 1, 2, &seq), -ESTALE,
		     "sent again after a restart: no second wave 1");
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_END, 2, 3, &seq), -ESTALE);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_END, 1, 3, &seq), 0, "the deadline");
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN);
	cr_assert_eq(h->waves_closed_deadline, 1);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_END, 1, 4, &seq), -ESTALE,
		     "ended twice: no second close");
	cr_assert_eq(hunt_table_advance(&t, 100 * HZ), 0, "cooldown over: still waits for a command");
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_START, 0, 5, &seq), 0, "0: the next");
	cr_assert_eq(h->wave_id, 2);
	join_p(h, 1);
	for (uint32_t c = 0; c < 8; c++)
		cr_assert_eq(claim(h, 1, 2, c, 1, 6, NULL), HUNT_STATUS_WON);
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN, "all clues won closes at once");
	cr_assert_eq(h->waves_closed_all_won, 1);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_END, 2, 7, &seq), -ESTALE);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_START, 3, 8, &seq), 0);
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_END, 3, 9, &seq), 0);
	cr_assert_eq(h->state, HUNT_WAVE_FINISHED, "waves = 3: the third was the last");
	cr_assert_eq(hunt_wave_command(&t, 1, HUNT_WAVE_CMD_START, 4, 10, &seq), -ESTALE);
	cr_assert_eq(hunt_wave_command(&t, 9, HUNT_WAVE_CMD_START, 0, 10, &seq), -ENOENT);
	cr_assert_eq(h->waves_opened, 3);
}

static uint32_t
put_rec(uint8_t *buf, uint32_t off, uint8_t type, uint64_t seq, uint32_t hunt, const void *payload,
	uint16_t len)
{
	struct hunt_rec_hdr h = {.type = type, .len = len, .seq = seq, .hunt_id = hunt};
	memcpy(buf + off, &h, sizeof(h));
	memcpy(buf + off + sizeof(h), payload, len);
	return off + hunt_rec_bytes(len);
}

Test(hunts, events_keep_the_newest_and_page_by_id)
{
	static struct hunt_config c16;
	static struct hunt_table t16;
	char err[HUNT_CONFIG_ERR_BYTES];
	/* events_kept = 16 lands in the last [hunt] section: hunt 2 */
	cr_assert_eq(hunt_config_parse(&c16, T_CONFIG "events_kept = 16\n", err), 0, "%s", err);
	cr_assert_eq(hunt_table_init(&t16, &c16, 0, 1, 0, HZ), 0);
	struct hunt_state *h = hunt_table_find(&t16, 2);
	cr_assert_eq(h->events_mask, 15);
	struct hunt_event out[8];
	uint8_t flags;
	cr_assert_eq(hunt_events_after(h, 0, out, 8, &flags), 0);
	cr_assert_eq(flags, 0, "no events, no gap");
	cr_assert_eq(hunt_events_last_id(h), 0);
	for (uint64_t i = 1; i <= 40; i++) {
		struct hunt_event ev = {.event_id = HUNT_EVENT_ID(1, 2 * i), .clue_idx = (uint32_t)i};
		hunt_event_add(h, &ev);
	}
	cr_assert_eq(h->dropped_id, HUNT_EVENT_ID(1, 48), "events 1..24 were pushed out");
	cr_assert_eq(hunt_events_after(h, 0, out, 8, &flags), 8);
	cr_assert_eq(flags, HUNT_EVENTS_F_GAP | HUNT_EVENTS_F_MORE);
	cr_assert_eq(out[0].clue_idx, 25, "the oldest kept");
	cr_assert_eq(hunt_events_after(h, HUNT_EVENT_ID(1, 47), out, 8, &flags), 8);
	cr_assert_eq(flags & HUNT_EVENTS_F_GAP, HUNT_EVENTS_F_GAP, "event 48 is gone");
	cr_assert_eq(hunt_events_after(h, HUNT_EVENT_ID(1, 48), out, 8, &flags), 8);
	cr_assert_eq(flags, HUNT_EVENTS_F_MORE, "nothing after 48 is missing");
	cr_assert_eq(out[0].event_id, HUNT_EVENT_ID(1, 50));
	cr_assert_eq(hunt_events_after(h, HUNT_EVENT_ID(1, 65), out, 8, &flags), 8);
	cr_assert_eq(out[0].event_id, HUNT_EVENT_ID(1, 66), "an id between two events");
	cr_assert_eq(flags, 0, "exactly the last 8: no more");
	cr_assert_eq(hunt_events_after(h, HUNT_EVENT_ID(1, 80), out, 8, &flags), 0);
	struct hunt_event old = {.event_id = HUNT_EVENT_ID(1, 10)};
	hunt_event_add(h, &old);
	cr_assert_eq(h->n_events, 40, "an id not newer than the last is ignored");
	/* a durable group: its WIN records become events, ids from epoch and seq */
	static uint8_t buf[512];
	struct hunt_rec_join j = {.player_id = 7};
	struct hunt_rec_win w = {.wave_id = 3, .clue_idx = 1, .player_id = 7, .loot_item = 4, .coins = 9};
	uint32_t off = put_rec(buf, 0, HUNT_REC_JOIN, 5, 2, &j, sizeof(j));
	off = put_rec(buf, off, HUNT_REC_WIN, 6, 2, &w, sizeof(w));
	off = put_rec(buf, off, HUNT_REC_WIN, 7, 99, &w, sizeof(w)); /* not a hunt here */
	hunt_table_durable(&t16, 2, buf, off);
	cr_assert_eq(h->n_events, 41);
	cr_assert_eq(hunt_events_last_id(h), HUNT_EVENT_ID(2, 6));
	cr_assert_eq(hunt_events_after(h, HUNT_EVENT_ID(1, 80), out, 8, &flags), 1);
	cr_assert(out[0].wave_id == 3 && out[0].clue_idx == 1 && out[0].winner_id == 7 &&
		  out[0].loot_item == 4 && out[0].coins == 9);
	/* replay of the same record in another table gives the same event */
	struct hunt_state *h2 = hunt_table_find(&t, 2);
	const struct hunt_rec_hdr *rh = (const void *)(buf + hunt_rec_bytes(sizeof(j)));
	cr_assert_eq(hunt_table_apply(&t, 2, rh, rh + 1), 0);
	cr_assert_eq(h2->n_events, 1);
	cr_assert_eq(memcmp(&h2->events[0], &out[0], sizeof(out[0])), 0);
	hunt_table_free(&t16);
}

Test(hunts, catalogue_clues_judge_claims_and_set_loot)
{
	static struct hunt_config cc;
	static struct hunt_table tc;
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cc, T_CONFIG "[clue]\nhunt = 1\nindex = 2\nanswer = "
						    "open sesame\nloot = 777\n",
				       err), 0, "%s", err);
	cr_assert_eq(hunt_table_init(&tc, &cc, 0, 1, 0, HZ), 0);
	hunt_table_advance(&tc, 0);
	struct hunt_state *h = hunt_table_find(&tc, 1);
	uint64_t dep, w;
	uint32_t loot;
	hunt_member_join(&tc, h, 5, 0, &dep);
	uint8_t gen[16];
	hunt_answer_gen(h->cfg->answer_seed, 1, 1, 2, gen);
	cr_assert_eq(hunt_claim(&tc, h, 5, 1, 2, gen, 16, 1, &w, &loot, &dep),
		     HUNT_STATUS_WRONG_ANSWER, "the generated answer no longer wins clue 2");
	cr_assert_eq(hunt_claim(&tc, h, 5, 1, 2, (const uint8_t *)"open sesam", 10, 1, &w, &loot,
				&dep), HUNT_STATUS_WRONG_ANSWER, "a prefix is wrong");
	cr_assert_eq(hunt_claim(&tc, h, 5, 1, 2, (const uint8_t *)"open sesame", 11, 1, &w, &loot,
				&dep), HUNT_STATUS_WON);
	cr_assert_eq(loot, 777);
	hunt_answer_gen(h->cfg->answer_seed, 1, 1, 3, gen);
	cr_assert_eq(hunt_claim(&tc, h, 5, 1, 3, gen, 16, 1, &w, &loot, &dep), HUNT_STATUS_WON,
		     "clues without an entry keep their generated answers");
	cr_assert_eq(loot, hunt_clue_loot(1, 3));
	hunt_table_free(&tc);
}
