/*
 * Request checking and the op handlers. The anti-amplification rule
 * (design.md) is enforced structurally: before a source holds a token, the
 * only replies are the header-only errors (40 bytes, never more than the
 * >= 40-byte request) and the JOIN reply, whose request must be padded to
 * exactly the reply's size.
 */
#include "request.h"

#include <assert.h>
#include <string.h>

#include "hunt/shard.h"

static void
verdict_drop(struct hunt_verdict *v, enum hunt_drop d)
{
	v->kind = HUNT_VERDICT_DROP;
	v->drop = (uint8_t)d;
}

static void
verdict_reply(struct hunt_verdict *v, enum hunt_status s)
{
	v->kind = HUNT_VERDICT_REPLY;
	v->status = (uint8_t)s;
}

void
hunt_request_check(const uint8_t *dgram, uint32_t len, uint32_t src_ip_be,
		   uint16_t src_port_be, const struct hunt_token_key *key,
		   uint32_t n_shards, struct hunt_verdict *v)
{
	assert(n_shards > 0 && n_shards <= HUNT_SHARDS_MAX);
	const struct hunt_hdr *h = (const struct hunt_hdr *)dgram;
	if (len < sizeof(*h))
		return verdict_drop(v, HUNT_DROP_HUNT_SHORT);
	if (h->magic != HUNT_MAGIC)
		return verdict_drop(v, HUNT_DROP_HUNT_MAGIC);
	if (h->flags & HUNT_FLAG_REPLY)
		return verdict_drop(v, HUNT_DROP_HUNT_REPLY);
	if (h->version != HUNT_VERSION)
		return verdict_reply(v, HUNT_STATUS_BAD_VERSION);
	uint32_t body_len = len - (uint32_t)sizeof(*h);
	if (h->body_len != body_len)
		return verdict_drop(v, HUNT_DROP_HUNT_BODY_LENGTH);
	uint16_t want = hunt_op_req_bytes(h->op);
	if (h->op == HUNT_OP_NONE || h->op >= HUNT_OP_COUNT)
		return verdict_reply(v, HUNT_STATUS_BAD_OP);
	if (h->op == HUNT_OP_JOIN) {
		if (body_len < want)
			return verdict_drop(v, HUNT_DROP_JOIN_PADDING);
		if (body_len > want)
			return verdict_reply(v, HUNT_STATUS_BAD_LENGTH);
		v->kind = HUNT_VERDICT_HANDLE;
		v->shard = hunt_shard_of_hunt(h->hunt_id, n_shards);
		return;
	}
	if (h->token != hunt_token(key, h->player_id, h->hunt_id, src_ip_be,
				   src_port_be))
		return verdict_drop(v, HUNT_DROP_TOKEN);
	if (body_len != want)
		return verdict_reply(v, HUNT_STATUS_BAD_LENGTH);
	v->kind = HUNT_VERDICT_HANDLE;
	if (h->op == HUNT_OP_DIG) {
		const struct hunt_dig_req *d = (const void *)(h + 1);
		v->shard = hunt_shard_of_tile(d->world_id, d->x, d->y, n_shards);
	} else {
		v->shard = hunt_shard_of_hunt(h->hunt_id, n_shards);
	}
}

static uint16_t
reply(struct hunt_hdr *h, enum hunt_status s, uint16_t body_len)
{
	h->flags = HUNT_FLAG_REPLY;
	h->status = (uint8_t)s;
	h->version = HUNT_VERSION;
	h->body_len = body_len;
	h->reserved = 0;
	return (uint16_t)(sizeof(*h) + body_len);
}

uint16_t
hunt_request_reply_error(uint8_t *dgram, uint8_t status)
{
	assert(status != HUNT_STATUS_OK && status < HUNT_STATUS_COUNT);
	return reply((struct hunt_hdr *)dgram, status, 0);
}

static uint16_t
handle_join(struct hunt_engine *e, struct hunt_hdr *h, struct hunt_state *hs,
	    uint32_t src_ip_be, uint16_t src_port_be, uint64_t now)
{
	enum hunt_status s = hunt_member_join(&e->hunts, hs, h->player_id, now, &e->dep_seq);
	if (s != HUNT_STATUS_OK)
		return reply(h, s, 0);
	struct hunt_join_reply *r = (void *)(h + 1);
	const struct hunt_hunt_cfg *hc = hs->cfg;
	memset(r, 0, sizeof(*r));
	r->wave_id = hs->wave_id;
	r->world_id = hc->world_id;
	r->epoch = e->key->epoch;
	r->n_shards = (uint16_t)e->cfg->server.n_shards;
	r->base_port = (uint16_t)e->cfg->server.base_port;
	r->wave_state = hs->state;
	r->shard_fn = HUNT_SHARD_FN_MIX64;
	r->clues_per_wave = hc->clues_per_wave;
	r->n_buildings = hc->n_buildings;
	r->wave_ms_left = hunt_ms_left(&e->hunts, hs, now);
	h->token = hunt_token(e->key, h->player_id, h->hunt_id, src_ip_be,
			      src_port_be);
	return reply(h, HUNT_STATUS_OK, sizeof(*r));
}

static uint16_t
handle_claim(struct hunt_engine *e, struct hunt_hdr *h, struct hunt_state *hs,
	     uint64_t now)
{
	const struct hunt_claim_req *q = (const void *)(h + 1);
	if (q->answer_len == 0 || q->answer_len > HUNT_ANSWER_BYTES_MAX)
		return reply(h, HUNT_STATUS_BAD_FIELD, 0);
	uint32_t wave_id = q->wave_id, clue_idx = q->clue_idx;
	uint64_t winner;
	uint32_t loot;
	enum hunt_status s = hunt_claim(&e->hunts, hs, h->player_id, wave_id,
					clue_idx, q->answer, q->answer_len, now,
					&winner, &loot, &e->dep_seq);
	struct hunt_claim_reply *r = (void *)(h + 1);
	r->wave_id = wave_id;
	r->clue_idx = clue_idx;
	r->winner_id = winner;
	r->loot_item = loot;
	r->coins = s == HUNT_STATUS_WON ? hs->cfg->coins_per_win : 0;
	return reply(h, s, sizeof(*r));
}

static uint16_t
handle_dig(struct hunt_engine *e, struct hunt_hdr *h)
{
	const struct hunt_dig_req *q = (const void *)(h + 1);
	const struct hunt_world_cfg *w = hunt_config_find_world(e->cfg, q->world_id);
	if (w == NULL)
		return reply(h, HUNT_STATUS_NO_SUCH_WORLD, 0);
	if (q->x < 0 || q->y < 0 || (uint32_t)q->x >= w->size ||
	    (uint32_t)q->y >= w->size)
		return reply(h, HUNT_STATUS_BAD_FIELD, 0);
	const struct hunt_tile *t = hunt_tiles_find(&e->tiles, q->world_id, q->x, q->y);
	struct hunt_dig_reply *r = (void *)(h + 1);
	/* world_id, x, y stay in place: the layouts share them. */
	r->loot_item = t ? t->item : 0;
	r->loot_qty = t ? t->qty : 0;
	r->reserved = 0;
	return reply(h, HUNT_STATUS_OK, sizeof(*r));
}

static uint16_t
handle_enter(struct hunt_engine *e, struct hunt_hdr *h, const struct hunt_state *hs)
{
	const struct hunt_enter_req *q = (const void *)(h + 1);
	uint32_t b = q->building_idx;
	if (b >= hs->cfg->n_buildings)
		return reply(h, HUNT_STATUS_NO_SUCH_BUILDING, 0);
	struct hunt_enter_reply *r = (void *)(h + 1);
	uint32_t ids[HUNT_TREASURES_MAX];
	uint32_t n = hunt_building_open(hs, b, e->durable_seq, ids);
	r->building_idx = b;
	r->wave_id = hs->wave_id;
	r->n_open = (uint16_t)n;
	r->reserved = 0;
	memcpy(r->clue_idx, ids, n * sizeof(ids[0]));
	return reply(h, HUNT_STATUS_OK,
		     (uint16_t)(HUNT_ENTER_REPLY_FIXED_BYTES + 4 * n));
}

static uint16_t
handle_wave(struct hunt_engine *e, struct hunt_hdr *h,
	    const struct hunt_state *hs, uint64_t now)
{
	struct hunt_wave_reply *r = (void *)(h + 1);
	memset(r, 0, sizeof(*r));
	r->wave_id = hs->wave_id;
	r->state = hs->state;
	r->clues_total = hs->cfg->clues_per_wave;
	r->clues_won = hs->n_won;
	r->ms_left = hunt_ms_left(&e->hunts, hs, now);
	e->dep_seq = hs->state_seq;
	return reply(h, HUNT_STATUS_OK, sizeof(*r));
}

/* LEADERBOARD: a page of the merged list, and the requester's own coins. */
static uint16_t
handle_leaderboard(struct hunt_engine *e, struct hunt_hdr *h, uint64_t now)
{
	if (e->lb == NULL || e->board == NULL)
		return reply(h, HUNT_STATUS_UNAVAILABLE, 0);
	uint32_t from = ((const struct hunt_lb_req *)(h + 1))->from;
	struct hunt_lb_board b;
	if (hunt_lb_board_read(e->board, &b) != 0)
		return reply(h, HUNT_STATUS_RETRY_LATER, 0);
	struct hunt_lb_reply *r = (void *)(h + 1); /* overwrites the request */
	uint64_t wall = hunt_wall_ms(&e->hunts, now);
	uint64_t age = wall > b.taken_ms ? wall - b.taken_ms : 0;
	r->my_coins = hunt_lb_coins(e->lb, h->player_id);
	r->age_ms = age > UINT32_MAX ? UINT32_MAX : (uint32_t)age;
	r->my_rank = 0;
	for (uint32_t i = 0; i < b.n; i++)
		if (b.top[i].player_id == h->player_id)
			r->my_rank = (uint16_t)(i + 1);
	uint32_t n = from < b.n ? b.n - from : 0;
	n = n < HUNT_LB_PAGE ? n : HUNT_LB_PAGE;
	r->n = (uint8_t)n;
	r->total = (uint8_t)b.n;
	for (uint32_t i = 0; i < n; i++)
		r->top[i] = (struct hunt_lb_entry_wire){b.top[from + i].player_id,
							b.top[from + i].coins};
	return reply(h, HUNT_STATUS_OK,
		     (uint16_t)(HUNT_LB_REPLY_FIXED_BYTES + n * sizeof(r->top[0])));
}

/* EVENTS: the hunt's durable wins after an event id, one page. */
static uint16_t
handle_events(struct hunt_engine *e, struct hunt_hdr *h, const struct hunt_state *hs)
{
	if (e->lb == NULL)
		return reply(h, HUNT_STATUS_UNAVAILABLE, 0);
	uint64_t after = ((const struct hunt_events_req *)(h + 1))->after_id;
	struct hunt_events_reply *r = (void *)(h + 1); /* overwrites the request */
	uint8_t flags;
	uint32_t n = hunt_events_after(hs, after, r->ev, HUNT_EVENTS_PAGE, &flags);
	r->last_id = hunt_events_last_id(hs);
	r->n = (uint16_t)n;
	r->flags = flags;
	memset(r->reserved, 0, sizeof(r->reserved));
	return reply(h, HUNT_STATUS_OK,
		     (uint16_t)(HUNT_EVENTS_REPLY_FIXED_BYTES + n * sizeof(r->ev[0])));
}

uint16_t
hunt_request_handle(struct hunt_engine *e, uint8_t *dgram, uint32_t room,
		    uint32_t src_ip_be, uint16_t src_port_be, uint64_t now)
{
	struct hunt_hdr *h = (struct hunt_hdr *)dgram;
	assert(room >= sizeof(*h) + HUNT_REPLY_BODY_MAX);
	assert(h->op > HUNT_OP_NONE && h->op < HUNT_OP_COUNT);
	e->ops[h->op]++;
	e->dep_seq = 0;
	uint16_t len;
	if (h->op == HUNT_OP_DIG) {
		len = handle_dig(e, h);
	} else {
		struct hunt_state *hs = hunt_table_find(&e->hunts, h->hunt_id);
		if (hs == NULL)
			len = reply(h, HUNT_STATUS_NO_SUCH_HUNT, 0);
		else if (h->op == HUNT_OP_JOIN)
			len = handle_join(e, h, hs, src_ip_be, src_port_be, now);
		else if (h->op == HUNT_OP_CLAIM)
			len = handle_claim(e, h, hs, now);
		else if (h->op == HUNT_OP_ENTER)
			len = handle_enter(e, h, hs);
		else if (h->op == HUNT_OP_WAVE_STATE)
			len = handle_wave(e, h, hs, now);
		else if (h->op == HUNT_OP_LEADERBOARD)
			len = handle_leaderboard(e, h, now);
		else
			len = handle_events(e, h, hs);
	}
	e->status[h->status]++;
	return len;
}

int
hunt_engine_init(struct hunt_engine *e, const struct hunt_config *cfg,
		 const struct hunt_token_key *key, uint32_t worker_idx,
		 uint32_t n_workers, uint64_t now, uint64_t hz)
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->key = key;
	int rc = hunt_table_init(&e->hunts, cfg, worker_idx, n_workers, now, hz);
	if (rc == 0)
		rc = hunt_tiles_init(&e->tiles, cfg, worker_idx, n_workers);
	return rc;
}

void
hunt_engine_free(struct hunt_engine *e)
{
	hunt_table_free(&e->hunts);
	hunt_tiles_free(&e->tiles);
}
