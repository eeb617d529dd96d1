/*
 * Proves the request checks in their documented order, each at its
 * boundary (HUNT_SHORT at 39/40 bytes, JOIN padding at 31/32/33, every op's
 * body length at size - 1 and size + 1); that a wrong token (player, hunt,
 * address or port) gets no reply; that every reply an unjoined source can
 * get is no larger than its request; and every status the handlers return,
 * including LEADERBOARD and EVENTS (UNAVAILABLE without a journal,
 * RETRY_LATER before a list is published, pages never larger than their
 * padded request).
 */
#include <criterion/criterion.h>

#include "helpers.h"
#include "request.h"

#define SRC_PORT_BE 0x3930
#define HZ 1000000ull

static struct hunt_config cfg;
static struct hunt_token_key key;
static struct hunt_engine e;
static uint8_t dg[1024];
static struct hunt_verdict v;

static void
setup(void)
{
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cfg, T_CONFIG, err), 0, "%s", err);
	cr_assert_eq(hunt_token_key_init(&key, 77), 0);
	cr_assert_eq(hunt_engine_init(&e, &cfg, &key, 0, 1, 0, HZ), 0);
	hunt_table_advance(&e.hunts, 0); /* hunt 1 wave 1 open */
}

static void
teardown(void)
{
	hunt_engine_free(&e);
}

TestSuite(request, .init = setup, .fini = teardown);

static struct hunt_hdr *
H(void)
{
	return (struct hunt_hdr *)dg;
}

static uint32_t
req(uint8_t op, uint32_t hunt, uint64_t player, uint16_t body_len)
{
	uint64_t tok = op == HUNT_OP_JOIN ? 0 : hunt_token(&key, player, hunt, T_CLIENT_IP, SRC_PORT_BE);
	memset(dg, 0, sizeof(dg));
	t_hdr(H(), op, hunt, player, tok, body_len);
	return (uint32_t)sizeof(struct hunt_hdr) + body_len;
}

static void
check(uint32_t len)
{
	hunt_request_check(dg, len, T_CLIENT_IP, SRC_PORT_BE, &key, 16, &v);
}

static void
expect_drop(uint32_t len, enum hunt_drop d)
{
	check(len);
	cr_assert_eq(v.kind, HUNT_VERDICT_DROP, "kind %u, want drop %s", v.kind, hunt_drop_name(d));
	cr_assert_eq(v.drop, d, "drop %s, want %s", hunt_drop_name(v.drop), hunt_drop_name(d));
}

static void
expect_reply(uint32_t len, enum hunt_status s)
{
	check(len);
	cr_assert_eq(v.kind, HUNT_VERDICT_REPLY, "kind %u, want reply %s", v.kind, hunt_status_name(s));
	cr_assert_eq(v.status, s);
	uint16_t rlen = hunt_request_reply_error(dg, v.status);
	cr_assert_leq(rlen, len, "error reply larger than request");
	cr_assert_eq(H()->status, s);
	cr_assert_eq(H()->flags, HUNT_FLAG_REPLY);
	cr_assert_eq(H()->version, HUNT_VERSION);
	cr_assert_eq(H()->req_id, 0x1122334455667788ull, "request id echoed");
}

static void
expect_handle(uint32_t len, uint32_t shard)
{
	check(len);
	cr_assert_eq(v.kind, HUNT_VERDICT_HANDLE, "kind %u drop %s status %s", v.kind,
		     hunt_drop_name(v.drop), hunt_status_name(v.status));
	cr_assert_eq(v.shard, shard);
}

/* Handles a checked request; returns the reply length. */
static uint16_t
handle(uint64_t now)
{
	return hunt_request_handle(&e, dg, sizeof(dg), T_CLIENT_IP, SRC_PORT_BE, now);
}

static uint64_t
join(uint32_t hunt, uint64_t player)
{
	uint32_t len = req(HUNT_OP_JOIN, hunt, player, sizeof(struct hunt_join_req));
	expect_handle(len, hunt_shard_of_hunt(hunt, 16));
	cr_assert_eq(handle(0), len, "JOIN reply as long as its request");
	cr_assert_eq(H()->status, HUNT_STATUS_OK);
	return H()->token;
}

Test(request, header_checks_in_order)
{
	uint32_t len = req(HUNT_OP_WAVE_STATE, 1, 5, 0);
	expect_drop(39, HUNT_DROP_HUNT_SHORT);
	expect_drop(0, HUNT_DROP_HUNT_SHORT);
	expect_handle(40, hunt_shard_of_hunt(1, 16));
	H()->magic = 0x5448;
	expect_drop(len, HUNT_DROP_HUNT_MAGIC);
	req(HUNT_OP_WAVE_STATE, 1, 5, 0);
	H()->flags = HUNT_FLAG_REPLY;
	expect_drop(len, HUNT_DROP_HUNT_REPLY);
	req(HUNT_OP_WAVE_STATE, 1, 5, 0);
	H()->version = 2;
	H()->token = 0; /* version is checked before the token */
	expect_reply(len, HUNT_STATUS_BAD_VERSION);
	req(HUNT_OP_WAVE_STATE, 1, 5, 0);
	H()->version = 0;
	expect_reply(len, HUNT_STATUS_BAD_VERSION);
	req(HUNT_OP_WAVE_STATE, 1, 5, 1);
	expect_drop(len, HUNT_DROP_HUNT_BODY_LENGTH);
	expect_reply(len + 1, HUNT_STATUS_BAD_LENGTH); /* consistent, wrong for the op */
	uint8_t bad_ops[] = {0, HUNT_OP_COUNT, 255};
	for (int i = 0; i < 3; i++) {
		req(bad_ops[i], 1, 5, 0);
		expect_reply(len, HUNT_STATUS_BAD_OP);
	}
}

Test(request, join_padding_and_length)
{
	uint32_t want = sizeof(struct hunt_join_req);
	uint32_t len = req(HUNT_OP_JOIN, 1, 5, (uint16_t)(want - 1));
	expect_drop(len, HUNT_DROP_JOIN_PADDING);
	len = req(HUNT_OP_JOIN, 1, 5, 0);
	expect_drop(len, HUNT_DROP_JOIN_PADDING);
	len = req(HUNT_OP_JOIN, 1, 5, (uint16_t)(want + 1));
	expect_reply(len, HUNT_STATUS_BAD_LENGTH);
	len = req(HUNT_OP_JOIN, 1, 5, (uint16_t)want);
	expect_handle(len, hunt_shard_of_hunt(1, 16));
}

Test(request, token_binds_player_hunt_address_port)
{
	uint64_t tok = join(1, 5);
	cr_assert_eq(tok, hunt_token(&key, 5, 1, T_CLIENT_IP, SRC_PORT_BE));
	uint32_t len = req(HUNT_OP_WAVE_STATE, 1, 5, 0);
	expect_handle(len, hunt_shard_of_hunt(1, 16));
	H()->token = 0;
	expect_drop(len, HUNT_DROP_TOKEN);
	H()->token = tok ^ 1;
	expect_drop(len, HUNT_DROP_TOKEN);
	H()->token = tok;
	H()->player_id = 6;
	expect_drop(len, HUNT_DROP_TOKEN);
	H()->player_id = 5;
	H()->hunt_id = 2;
	expect_drop(len, HUNT_DROP_TOKEN);
	H()->hunt_id = 1;
	hunt_request_check(dg, len, T_CLIENT_IP, SRC_PORT_BE + 1, &key, 16, &v);
	cr_assert_eq(v.drop, HUNT_DROP_TOKEN);
	hunt_request_check(dg, len, T_SERVER_IP, SRC_PORT_BE, &key, 16, &v);
	cr_assert_eq(v.drop, HUNT_DROP_TOKEN);
}

Test(request, op_body_lengths_at_bounds)
{
	uint8_t ops[] = {HUNT_OP_CLAIM, HUNT_OP_DIG, HUNT_OP_ENTER, HUNT_OP_WAVE_STATE,
			 HUNT_OP_LEADERBOARD, HUNT_OP_EVENTS};
	for (int i = 0; i < 6; i++) {
		uint16_t want = hunt_op_req_bytes(ops[i]);
		uint32_t len = req(ops[i], 1, 5, want);
		check(len);
		cr_assert_eq(v.kind, HUNT_VERDICT_HANDLE, "%s", hunt_op_name(ops[i]));
		len = req(ops[i], 1, 5, (uint16_t)(want + 1));
		expect_reply(len, HUNT_STATUS_BAD_LENGTH);
		if (want > 0) {
			len = req(ops[i], 1, 5, (uint16_t)(want - 1));
			expect_reply(len, HUNT_STATUS_BAD_LENGTH);
		}
	}
}

Test(request, dig_steers_by_tile)
{
	uint32_t len = req(HUNT_OP_DIG, 1, 5, sizeof(struct hunt_dig_req));
	struct hunt_dig_req *d = (void *)(H() + 1);
	d->world_id = 1;
	d->x = 17;
	d->y = 33;
	expect_handle(len, hunt_shard_of_tile(1, 17, 33, 16));
}

Test(request, join_reply_fields_and_statuses)
{
	join(1, 5);
	struct hunt_join_reply *r = (void *)(H() + 1);
	cr_assert_eq(r->wave_id, 1);
	cr_assert_eq(r->wave_state, HUNT_WAVE_OPEN);
	cr_assert_eq(r->world_id, 1);
	cr_assert_eq(r->epoch, 77);
	cr_assert_eq(r->n_shards, 16);
	cr_assert_eq(r->base_port, 7000);
	cr_assert_eq(r->shard_fn, HUNT_SHARD_FN_MIX64);
	cr_assert_eq(r->clues_per_wave, 8);
	cr_assert_eq(r->n_buildings, 3);
	cr_assert_eq(r->wave_ms_left, 1000);
	cr_assert_eq(H()->flags, HUNT_FLAG_REPLY);
	/* Unknown hunt: header-only, smaller than the request. */
	uint32_t len = req(HUNT_OP_JOIN, 9, 5, sizeof(struct hunt_join_req));
	check(len);
	cr_assert_leq(handle(0), len);
	cr_assert_eq(H()->status, HUNT_STATUS_NO_SUCH_HUNT);
	/* Full hunt (max_players = 4): RETRY_LATER, no token. */
	for (uint64_t p = 6; p <= 8; p++)
		join(1, p);
	len = req(HUNT_OP_JOIN, 1, 9, sizeof(struct hunt_join_req));
	cr_assert_eq(handle(0), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_RETRY_LATER);
	cr_assert_eq(H()->token, 0);
	/* Player 0 is not a player. */
	len = req(HUNT_OP_JOIN, 2, 0, sizeof(struct hunt_join_req));
	handle(0);
	cr_assert_eq(H()->status, HUNT_STATUS_BAD_FIELD);
}

static uint16_t
claim(uint64_t player, uint32_t wave, uint32_t clue, uint8_t answer_len, int right)
{
	req(HUNT_OP_CLAIM, 1, player, sizeof(struct hunt_claim_req));
	struct hunt_claim_req *c = (void *)(H() + 1);
	c->wave_id = wave;
	c->clue_idx = clue;
	c->answer_len = answer_len;
	hunt_answer_gen(99, 1, wave, clue, c->answer);
	if (!right)
		c->answer[0]++;
	return handle(5);
}

Test(request, claim_statuses_on_the_wire)
{
	join(1, 5);
	join(1, 6);
	cr_assert_eq(claim(5, 1, 2, 0, 1), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_BAD_FIELD);
	cr_assert_eq(claim(5, 1, 2, 33, 1), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_BAD_FIELD);
	claim(5, 1, 2, 32, 1);
	cr_assert_eq(H()->status, HUNT_STATUS_WRONG_ANSWER, "32 is a legal length");
	claim(5, 1, 2, 16, 0);
	cr_assert_eq(H()->status, HUNT_STATUS_WRONG_ANSWER);
	cr_assert_eq(claim(5, 1, 2, 16, 1), 40 + sizeof(struct hunt_claim_reply));
	struct hunt_claim_reply *r = (void *)(H() + 1);
	cr_assert_eq(H()->status, HUNT_STATUS_WON);
	cr_assert_eq(r->winner_id, 5);
	cr_assert_eq(r->coins, 5);
	cr_assert_eq(r->loot_item, hunt_clue_loot(1, 2));
	cr_assert_eq(r->wave_id, 1);
	cr_assert_eq(r->clue_idx, 2);
	claim(6, 1, 2, 16, 1);
	cr_assert_eq(H()->status, HUNT_STATUS_TAKEN);
	cr_assert_eq(r->winner_id, 5);
	cr_assert_eq(r->coins, 0);
	claim(6, 1, 8, 16, 1);
	cr_assert_eq(H()->status, HUNT_STATUS_NO_SUCH_CLUE);
	claim(6, 2, 1, 16, 1);
	cr_assert_eq(H()->status, HUNT_STATUS_WAVE_CLOSED);
	cr_assert_eq(e.ops[HUNT_OP_CLAIM], 8);
	cr_assert_eq(e.status[HUNT_STATUS_WON], 1);
	cr_assert_eq(e.status[HUNT_STATUS_TAKEN], 1);
}

Test(request, dig_enter_wave_state)
{
	join(1, 5);
	uint32_t len = req(HUNT_OP_DIG, 1, 5, sizeof(struct hunt_dig_req));
	struct hunt_dig_req *d = (void *)(H() + 1);
	int32_t x, y;
	uint32_t item, qty;
	hunt_tile_gen(3, 1, 0, 100, &x, &y, &item, &qty);
	d->world_id = 1;
	d->x = x;
	d->y = y;
	cr_assert_eq(handle(0), 40 + sizeof(struct hunt_dig_reply));
	const struct hunt_dig_reply *dr = (void *)(H() + 1);
	cr_assert_eq(H()->status, HUNT_STATUS_OK);
	cr_assert_eq(dr->loot_item, item);
	cr_assert_eq(dr->loot_qty, qty);
	cr_assert_eq(dr->x, x);
	int32_t bad[][2] = {{-1, 0}, {0, -1}, {100, 0}, {0, 100}};
	for (int i = 0; i < 4; i++) {
		req(HUNT_OP_DIG, 1, 5, sizeof(struct hunt_dig_req));
		d->world_id = 1;
		d->x = bad[i][0];
		d->y = bad[i][1];
		cr_assert_eq(handle(0), 40);
		cr_assert_eq(H()->status, HUNT_STATUS_BAD_FIELD);
	}
	req(HUNT_OP_DIG, 1, 5, sizeof(struct hunt_dig_req));
	d->world_id = 2;
	handle(0);
	cr_assert_eq(H()->status, HUNT_STATUS_NO_SUCH_WORLD);
	req(HUNT_OP_DIG, 1, 5, sizeof(struct hunt_dig_req));
	d->world_id = 1;
	d->x = 99;
	d->y = 99;
	handle(0);
	cr_assert_eq(H()->status, HUNT_STATUS_OK, "edge tile is in range");

	len = req(HUNT_OP_ENTER, 1, 5, sizeof(struct hunt_enter_req));
	((struct hunt_enter_req *)(H() + 1))->building_idx = 2;
	cr_assert_eq(handle(0), 40 + 12 + 2 * 4);
	const struct hunt_enter_reply *er = (void *)(H() + 1);
	cr_assert_eq(er->n_open, 2);
	cr_assert_eq(er->clue_idx[0], 4);
	cr_assert_eq(er->clue_idx[1], 5);
	cr_assert_eq(er->wave_id, 1);
	req(HUNT_OP_ENTER, 1, 5, sizeof(struct hunt_enter_req));
	((struct hunt_enter_req *)(H() + 1))->building_idx = 3;
	cr_assert_eq(handle(0), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_NO_SUCH_BUILDING);

	len = req(HUNT_OP_WAVE_STATE, 1, 5, 0);
	cr_assert_eq(handle(250000), 40 + sizeof(struct hunt_wave_reply));
	const struct hunt_wave_reply *wr = (void *)(H() + 1);
	cr_assert_eq(wr->wave_id, 1);
	cr_assert_eq(wr->state, HUNT_WAVE_OPEN);
	cr_assert_eq(wr->clues_total, 8);
	cr_assert_eq(wr->clues_won, 0);
	cr_assert_eq(wr->ms_left, 750);
	(void)len;
}

Test(request, leaderboard_and_events_need_the_journal)
{
	join(1, 5);
	uint32_t len = req(HUNT_OP_LEADERBOARD, 1, 5, sizeof(struct hunt_lb_req));
	expect_handle(len, hunt_shard_of_hunt(1, 16));
	cr_assert_eq(handle(0), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_UNAVAILABLE);
	len = req(HUNT_OP_EVENTS, 1, 5, sizeof(struct hunt_events_req));
	cr_assert_eq(handle(0), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_UNAVAILABLE);
	(void)len;
}

Test(request, leaderboard_pages_and_own_rank)
{
	static struct hunt_lb lb;
	static struct hunt_lb_board board;
	cr_assert_eq(hunt_lb_init(&lb, 16), 0);
	e.lb = &lb;
	e.board = &board;
	join(1, 5);
	uint32_t len = req(HUNT_OP_LEADERBOARD, 1, 5, sizeof(struct hunt_lb_req));
	cr_assert_eq(handle(0), 40);
	cr_assert_eq(H()->status, HUNT_STATUS_RETRY_LATER, "nothing published yet");
	struct hunt_lb_entry top[20];
	for (uint32_t i = 0; i < 20; i++)
		top[i] = (struct hunt_lb_entry){100 + i, 1000 - i};
	top[17].player_id = 5; /* the requester is 18th */
	hunt_lb_add(&lb, 5, 983);
	uint64_t wall = hunt_wall_ms(&e.hunts, 0);
	hunt_lb_board_publish(&board, top, 20, 77, wall - 40);
	len = req(HUNT_OP_LEADERBOARD, 1, 5, sizeof(struct hunt_lb_req));
	uint16_t rlen = handle(0);
	const struct hunt_lb_reply *r = (void *)(H() + 1);
	cr_assert_eq(H()->status, HUNT_STATUS_OK);
	cr_assert_eq(rlen, 40 + HUNT_LB_REPLY_FIXED_BYTES + HUNT_LB_PAGE * 16u);
	cr_assert_leq(rlen, len, "never larger than the request");
	cr_assert_eq(r->n, HUNT_LB_PAGE);
	cr_assert_eq(r->total, 20);
	cr_assert_eq(r->my_rank, 18);
	cr_assert_eq(r->my_coins, 983);
	cr_assert_eq(r->age_ms, 40);
	cr_assert_eq(r->top[0].player_id, 100);
	cr_assert_eq(r->top[15].coins, 985);
	req(HUNT_OP_LEADERBOARD, 1, 5, sizeof(struct hunt_lb_req));
	((struct hunt_lb_req *)(H() + 1))->from = 16;
	cr_assert_eq(handle(0), 40 + HUNT_LB_REPLY_FIXED_BYTES + 4 * 16u, "the last page");
	cr_assert_eq(r->n, 4);
	cr_assert_eq(r->top[1].player_id, 5);
	req(HUNT_OP_LEADERBOARD, 1, 5, sizeof(struct hunt_lb_req));
	((struct hunt_lb_req *)(H() + 1))->from = 20;
	cr_assert_eq(handle(0), 40 + HUNT_LB_REPLY_FIXED_BYTES, "past the end: no entries");
	cr_assert_eq(r->n, 0);
	hunt_lb_free(&lb);
}

Test(request, events_page_after_an_id)
{
	static struct hunt_lb lb;
	cr_assert_eq(hunt_lb_init(&lb, 16), 0);
	e.lb = &lb;
	join(1, 5);
	struct hunt_state *hs = hunt_table_find(&e.hunts, 1);
	for (uint32_t i = 1; i <= 20; i++) {
		struct hunt_event ev = {.event_id = HUNT_EVENT_ID(3, 10 * i), .wave_id = 1,
					.clue_idx = i, .winner_id = 5, .loot_item = 9, .coins = 5};
		hunt_event_add(hs, &ev);
	}
	uint32_t len = req(HUNT_OP_EVENTS, 1, 5, sizeof(struct hunt_events_req));
	uint16_t rlen = handle(0);
	const struct hunt_events_reply *r = (void *)(H() + 1);
	cr_assert_eq(H()->status, HUNT_STATUS_OK);
	cr_assert_eq(rlen, 40 + HUNT_EVENTS_REPLY_FIXED_BYTES + HUNT_EVENTS_PAGE * 32u);
	cr_assert_leq(rlen, len, "never larger than the request");
	cr_assert_eq(r->n, HUNT_EVENTS_PAGE);
	cr_assert_eq(r->flags, HUNT_EVENTS_F_MORE);
	cr_assert_eq(r->last_id, HUNT_EVENT_ID(3, 200));
	cr_assert_eq(r->ev[0].event_id, HUNT_EVENT_ID(3, 10));
	cr_assert_eq(r->ev[15].clue_idx, 16);
	req(HUNT_OP_EVENTS, 1, 5, sizeof(struct hunt_events_req));
	((struct hunt_events_req *)(H() + 1))->after_id = HUNT_EVENT_ID(3, 165); /* between ids */
	cr_assert_eq(handle(0), 40 + HUNT_EVENTS_REPLY_FIXED_BYTES + 4 * 32u);
	cr_assert_eq(r->n, 4);
	cr_assert_eq(r->flags, 0);
	cr_assert_eq(r->ev[0].event_id, HUNT_EVENT_ID(3, 170));
	req(HUNT_OP_EVENTS, 1, 5, sizeof(struct hunt_events_req));
	((struct hunt_events_req *)(H() + 1))->after_id = HUNT_EVENT_ID(3, 200);
	cr_assert_eq(handle(0), 40 + HUNT_EVENTS_REPLY_FIXED_BYTES, "caught up");
	cr_assert_eq(r->n, 0);
	hunt_lb_free(&lb);
}
