/*
 * Hunt state and the wave machine. A hunt moves PENDING -> OPEN ->
 * COOLDOWN -> OPEN ... and, when `waves` is set, -> FINISHED. A wave closes
 * at its deadline or as soon as its last clue is won. The previous wave's
 * clue table is kept beside the current one so a retransmitted claim of a
 * just-closed wave still gets its original answer; older waves answer
 * WAVE_CLOSED (a wave lasts seconds; a client retransmits for milliseconds).
 */
#include "hunts.h"

#include "hunt/clock.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t
pow2_at_least(uint64_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

static uint64_t
ms_to_ticks(const struct hunt_table *t, uint64_t ms)
{
	return ms * t->hz / 1000u;
}

static uint64_t
emit(struct hunt_table *t, uint8_t type, uint32_t hunt_id, const void *payload, uint16_t len,
     uint64_t now)
{
	if (t->sink.emit == NULL)
		return 0;
	return t->sink.emit(t->sink.ctx, type, hunt_id, payload, len, now);
}

/* ---- min-heap on next_event_tsc ---- */

static void
heap_swap(struct hunt_table *t, uint32_t a, uint32_t b)
{
	struct hunt_state *x = t->heap[a];
	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->heap[a]->heap_idx = a;
	t->heap[b]->heap_idx = b;
}

static void
heap_fix(struct hunt_table *t, uint32_t i)
{
	assert(i < t->n_hunts);
	while (i > 0 && t->heap[(i - 1) / 2]->next_event_tsc >
				t->heap[i]->next_event_tsc) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->n_hunts &&
		    t->heap[l]->next_event_tsc < t->heap[m]->next_event_tsc)
			m = l;
		if (r < t->n_hunts &&
		    t->heap[r]->next_event_tsc < t->heap[m]->next_event_tsc)
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static void
schedule(struct hunt_table *t, struct hunt_state *h, uint64_t when)
{
	h->next_event_tsc = when;
	heap_fix(t, h->heap_idx);
}

/* ---- table ---- */

static int
hunt_state_init(struct hunt_state *h, const struct hunt_hunt_cfg *hc)
{
	memset(h, 0, sizeof(*h));
	h->cfg = hc;
	h->state = HUNT_WAVE_PENDING;
	_Static_assert(sizeof(struct hunt_clue) == 64, "a clue is one cache line");
	for (int s = 0; s < 2; s++) {
		size_t bytes = (size_t)hc->clues_per_wave * sizeof(struct hunt_clue);
		h->clues[s] = aligned_alloc(64, bytes); /* bytes: a multiple of 64 */
		if (h->clues[s] == NULL)
			return -ENOMEM;
		memset(h->clues[s], 0, bytes);
	}
	uint32_t cap = pow2_at_least((uint64_t)hc->max_players * 2);
	h->members = calloc(cap, sizeof(struct hunt_member));
	if (h->members == NULL)
		return -ENOMEM;
	h->members_mask = cap - 1;
	cap = pow2_at_least(hc->events_kept ? hc->events_kept : 1);
	h->events = calloc(cap, sizeof(struct hunt_event));
	if (h->events == NULL)
		return -ENOMEM;
	h->events_mask = cap - 1;
	return 0;
}

static int
owns(const struct hunt_config *cfg, uint32_t hunt_id, uint32_t worker_idx, uint32_t n_workers)
{
	return hunt_owner_of_shard(hunt_shard_of_hunt(hunt_id, cfg->server.n_shards), n_workers) ==
	       worker_idx;
}

int
hunt_table_init(struct hunt_table *t, const struct hunt_config *cfg,
		uint32_t worker_idx, uint32_t n_workers, uint64_t now,
		uint64_t hz)
{
	assert(worker_idx < n_workers && hz > 0);
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->hz = hz;
	t->tsc0 = now;
	t->wall0_ms = hunt_clock_wall_ms();
	t->external_waves = cfg->server.waves_by_control != 0;
	uint32_t n = 0;
	for (uint32_t i = 0; i < cfg->n_hunts; i++)
		if (owns(cfg, cfg->hunts[i].id, worker_idx, n_workers))
			n++;
	t->index_mask = pow2_at_least((uint64_t)n * 2 + 1) - 1;
	t->hunts = calloc(n ? n : 1, sizeof(*t->hunts));
	t->heap = calloc(n ? n : 1, sizeof(*t->heap));
	t->index = calloc(t->index_mask + 1, sizeof(*t->index));
	if (t->hunts == NULL || t->heap == NULL || t->index == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < cfg->n_hunts; i++) {
		const struct hunt_hunt_cfg *hc = &cfg->hunts[i];
		if (!owns(cfg, hc->id, worker_idx, n_workers))
			continue;
		struct hunt_state *h = &t->hunts[t->n_hunts];
		int rc = hunt_state_init(h, hc);
		if (rc != 0)
			return rc;
		uint32_t j = (uint32_t)hunt_mix64(hc->id) & t->index_mask;
		while (t->index[j] != NULL)
			j = (j + 1) & t->index_mask;
		t->index[j] = h;
		h->heap_idx = t->n_hunts;
		t->heap[t->n_hunts++] = h;
		schedule(t, h, now + ms_to_ticks(t, hc->start_delay_ms));
	}
	assert(t->n_hunts == n);
	return 0;
}

void
hunt_table_free(struct hunt_table *t)
{
	for (uint32_t i = 0; i < t->n_hunts; i++) {
		free(t->hunts[i].clues[0]);
		free(t->hunts[i].clues[1]);
		free(t->hunts[i].members);
		free(t->hunts[i].events);
	}
	free(t->hunts);
	free(t->heap);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

struct hunt_state *
hunt_table_find(const struct hunt_table *t, uint32_t hunt_id)
{
	uint32_t j = (uint32_t)hunt_mix64(hunt_id) & t->index_mask;
	for (uint32_t probes = 0; probes <= t->index_mask; probes++) {
		struct hunt_state *h = t->index[j];
		if (h == NULL || h->cfg->id == hunt_id)
			return h;
		j = (j + 1) & t->index_mask;
	}
	return NULL;
}

/* ---- waves ---- */

void
hunt_clue_fill(const struct hunt_table *t, const struct hunt_state *h, uint32_t wave_id,
	       uint32_t clue_idx, struct hunt_clue *c)
{
	c->answer_len = hunt_config_clue(t->cfg, h->cfg, wave_id, clue_idx, c->answer, &c->loot_item);
	assert(c->answer_len >= 1 && c->answer_len <= HUNT_ANSWER_BYTES_MAX);
}

void
hunt_table_fill_answers(struct hunt_table *t)
{
	for (uint32_t i = 0; i < t->n_hunts; i++) {
		struct hunt_state *h = &t->hunts[i];
		for (uint32_t s = 0; s < 2; s++)
			for (uint32_t c = 0; h->slot_wave[s] != 0 && c < h->cfg->clues_per_wave; c++)
				hunt_clue_fill(t, h, h->slot_wave[s], c, &h->clues[s][c]);
	}
	t->answers_later = 0;
}

/* The state change of a wave opening, shared by the live path and replay. */
static void
open_state(const struct hunt_table *t, struct hunt_state *h, uint32_t wave_id, uint64_t wall_ms)
{
	const struct hunt_hunt_cfg *hc = h->cfg;
	h->wave_id = wave_id;
	uint32_t slot = wave_id & 1;
	h->slot_wave[slot] = wave_id;
	for (uint32_t c = 0; c < hc->clues_per_wave; c++) {
		struct hunt_clue *cl = &h->clues[slot][c];
		cl->winner_id = 0;
		cl->win_seq = 0;
		if (!t->answers_later)
			hunt_clue_fill(t, h, wave_id, c, cl);
	}
	h->n_won = 0;
	h->state = HUNT_WAVE_OPEN;
	h->event_wall_ms = wall_ms;
	h->waves_opened++;
}

/* The state a wave closes into: COOLDOWN, or FINISHED after the last. */
static uint8_t
close_state(const struct hunt_state *h)
{
	return h->cfg->waves != 0 && h->wave_id >= h->cfg->waves ? HUNT_WAVE_FINISHED
								  : HUNT_WAVE_COOLDOWN;
}

static void
wave_open(struct hunt_table *t, struct hunt_state *h, uint64_t now)
{
	uint64_t wall = hunt_wall_ms(t, now);
	open_state(t, h, h->wave_id + 1, wall);
	struct hunt_rec_wave r = {.wave_id = h->wave_id, .state = HUNT_WAVE_OPEN, .wall_ms = wall};
	h->state_seq = emit(t, HUNT_REC_WAVE_OPEN, h->cfg->id, &r, sizeof(r), now);
	schedule(t, h, now + ms_to_ticks(t, h->cfg->wave_duration_ms));
}

static void
wave_close(struct hunt_table *t, struct hunt_state *h, uint64_t now, uint8_t reason)
{
	assert(h->state == HUNT_WAVE_OPEN);
	h->state = close_state(h);
	h->event_wall_ms = hunt_wall_ms(t, now);
	if (reason == HUNT_WAVE_CLOSE_ALL_WON)
		h->waves_closed_all_won++;
	else
		h->waves_closed_deadline++;
	struct hunt_rec_wave r = {.wave_id = h->wave_id, .state = h->state, .reason = reason,
				  .wall_ms = h->event_wall_ms};
	h->state_seq = emit(t, HUNT_REC_WAVE_CLOSE, h->cfg->id, &r, sizeof(r), now);
	schedule(t, h, h->state == HUNT_WAVE_FINISHED
			       ? UINT64_MAX
			       : now + ms_to_ticks(t, h->cfg->cooldown_ms));
}

int
hunt_wave_command(struct hunt_table *t, uint32_t hunt_id, enum hunt_wave_cmd cmd, uint32_t wave,
		  uint64_t now, uint64_t *seq)
{
	struct hunt_state *h = hunt_table_find(t, hunt_id);
	if (h == NULL)
		return -ENOENT;
	if (cmd == HUNT_WAVE_CMD_START) {
		if ((h->state != HUNT_WAVE_PENDING && h->state != HUNT_WAVE_COOLDOWN) ||
		    (wave != 0 && wave != h->wave_id + 1))
			return -ESTALE;
	} else if (cmd == HUNT_WAVE_CMD_END) {
		if (h->state != HUNT_WAVE_OPEN || (wave != 0 && wave != h->wave_id))
			return -ESTALE;
	} else {
		return -EINVAL;
	}
	if (!hunt_sink_room(t, 1))
		return -EAGAIN;
	if (cmd == HUNT_WAVE_CMD_START)
		wave_open(t, h, now);
	else
		wave_close(t, h, now, HUNT_WAVE_CLOSE_DEADLINE);
	*seq = h->state_seq;
	return 0;
}

unsigned
hunt_table_advance(struct hunt_table *t, uint64_t now)
{
	unsigned fired = 0;
	while (!t->external_waves && t->n_hunts > 0 && t->heap[0]->next_event_tsc <= now &&
	       hunt_sink_room(t, 1)) {
		struct hunt_state *h = t->heap[0];
		assert(h->state != HUNT_WAVE_FINISHED);
		if (h->state == HUNT_WAVE_OPEN)
			wave_close(t, h, now, HUNT_WAVE_CLOSE_DEADLINE);
		else
			wave_open(t, h, now);
		fired++;
	}
	return fired;
}

uint32_t
hunt_ms_left(const struct hunt_table *t, const struct hunt_state *h,
	     uint64_t now)
{
	if (h->next_event_tsc == UINT64_MAX || h->next_event_tsc <= now)
		return 0;
	uint64_t ms = (h->next_event_tsc - now) * 1000u / t->hz;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* ---- members ---- */

/* Finds the player's slot, or the empty slot where it would go (NULL only
 * when the table is full, which max_players prevents). */
static struct hunt_member *
member_slot(const struct hunt_state *h, uint64_t player_id)
{
	uint32_t j = (uint32_t)hunt_mix64(player_id) & h->members_mask;
	for (uint32_t probes = 0; probes <= h->members_mask; probes++) {
		struct hunt_member *m = &h->members[j];
		if (m->player_id == player_id || m->player_id == 0)
			return m;
		j = (j + 1) & h->members_mask;
	}
	return NULL;
}

struct hunt_member *
hunt_member_find(const struct hunt_state *h, uint64_t player_id)
{
	struct hunt_member *m = member_slot(h, player_id);
	return m != NULL && m->player_id == player_id && player_id != 0 ? m : NULL;
}

/* The player's member, added in its empty slot if new (NULL if the table
 * is full). Does not check max_players. */
static struct hunt_member *
member_add(struct hunt_state *h, uint64_t player_id)
{
	assert(player_id != 0);
	struct hunt_member *m = member_slot(h, player_id);
	if (m != NULL && m->player_id == 0) {
		m->player_id = player_id;
		h->n_members++;
	}
	return m;
}

enum hunt_status
hunt_member_join(struct hunt_table *t, struct hunt_state *h, uint64_t player_id, uint64_t now,
		 uint64_t *dep_seq)
{
	*dep_seq = 0;
	if (player_id == 0)
		return HUNT_STATUS_BAD_FIELD;
	struct hunt_member *m = member_slot(h, player_id);
	assert(m != NULL); /* the table is at least twice max_players */
	if (m->player_id == player_id) {
		*dep_seq = m->join_seq;
		return HUNT_STATUS_OK;
	}
	if (h->n_members >= h->cfg->max_players || !hunt_sink_room(t, 1))
		return HUNT_STATUS_RETRY_LATER;
	m = member_add(h, player_id);
	struct hunt_rec_join r = {.player_id = player_id};
	m->join_seq = emit(t, HUNT_REC_JOIN, h->cfg->id, &r, sizeof(r), now);
	*dep_seq = m->join_seq;
	return HUNT_STATUS_OK;
}

/* ---- claims and buildings ---- */

enum hunt_status
hunt_claim(struct hunt_table *t, struct hunt_state *h, uint64_t player_id,
	   uint32_t wave_id, uint32_t clue_idx, const uint8_t *answer,
	   uint32_t answer_len, uint64_t now, uint64_t *winner_id,
	   uint32_t *loot_item, uint64_t *dep_seq)
{
	assert(answer_len <= HUNT_ANSWER_BYTES_MAX);
	*winner_id = 0;
	*loot_item = 0;
	*dep_seq = 0;
	uint32_t slot = wave_id & 1;
	if (wave_id == 0 || h->slot_wave[slot] != wave_id) {
		*dep_seq = h->state_seq;
		return HUNT_STATUS_WAVE_CLOSED;
	}
	if (clue_idx >= h->cfg->clues_per_wave)
		return HUNT_STATUS_NO_SUCH_CLUE;
	struct hunt_clue *c = &h->clues[slot][clue_idx];
	if (answer_len != c->answer_len || memcmp(answer, c->answer, answer_len) != 0)
		return HUNT_STATUS_WRONG_ANSWER;
	if (c->winner_id != 0) {
		*winner_id = c->winner_id;
		*dep_seq = c->win_seq;
		if (c->winner_id != player_id)
			return HUNT_STATUS_TAKEN;
		*loot_item = c->loot_item;
		return HUNT_STATUS_WON;
	}
	if (wave_id != h->wave_id || h->state != HUNT_WAVE_OPEN) {
		*dep_seq = h->state_seq;
		return HUNT_STATUS_WAVE_CLOSED;
	}
	struct hunt_member *m = hunt_member_find(h, player_id);
	if (m == NULL) /* a valid token implies a JOIN that added the player */
		return HUNT_STATUS_NOT_MEMBER;
	if (!hunt_sink_room(t, 2)) /* the win, and the wave's close */
		return HUNT_STATUS_RETRY_LATER;
	c->winner_id = player_id;
	m->coins += h->cfg->coins_per_win;
	m->wins++;
	h->n_won++;
	assert(h->n_won <= h->cfg->clues_per_wave);
	struct hunt_rec_win r = {.wave_id = wave_id, .clue_idx = clue_idx, .player_id = player_id,
				 .loot_item = c->loot_item,
				 .coins = h->cfg->coins_per_win};
	c->win_seq = emit(t, HUNT_REC_WIN, h->cfg->id, &r, sizeof(r), now);
	*dep_seq = c->win_seq;
	if (h->n_won == h->cfg->clues_per_wave)
		wave_close(t, h, now, HUNT_WAVE_CLOSE_ALL_WON);
	*winner_id = player_id;
	*loot_item = r.loot_item;
	return HUNT_STATUS_WON;
}

uint32_t
hunt_building_open(const struct hunt_state *h, uint32_t building_idx, uint64_t durable_seq,
		   uint32_t ids[HUNT_TREASURES_MAX])
{
	const struct hunt_hunt_cfg *hc = h->cfg;
	assert(building_idx < hc->n_buildings);
	if (h->state != HUNT_WAVE_OPEN)
		return 0;
	const struct hunt_clue *clues = h->clues[h->wave_id & 1];
	uint32_t n = 0;
	uint32_t first = building_idx * hc->treasures_per_building;
	for (uint32_t k = 0; k < hc->treasures_per_building; k++) {
		uint32_t c = first + k;
		if (c >= hc->clues_per_wave)
			break;
		if (clues[c].winner_id == 0 || clues[c].win_seq > durable_seq)
			ids[n++] = c;
	}
	assert(n <= HUNT_TREASURES_MAX);
	return n;
}

/* ---- events ---- */

void
hunt_event_add(struct hunt_state *h, const struct hunt_event *ev)
{
	if (h->n_events != 0 && ev->event_id <= hunt_events_last_id(h))
		return; /* already here (a replay overlapping a checkpoint) */
	struct hunt_event *slot = &h->events[h->n_events & h->events_mask];
	if (h->n_events > h->events_mask && slot->event_id != 0)
		h->dropped_id = slot->event_id; /* (0: a slot a checkpoint load skipped) */
	*slot = *ev;
	h->n_events++;
}

static void
event_of_win(struct hunt_event *ev, uint64_t epoch, uint64_t seq, const struct hunt_rec_win *w)
{
	*ev = (struct hunt_event){.event_id = HUNT_EVENT_ID(epoch, seq), .wave_id = w->wave_id,
				  .clue_idx = w->clue_idx, .winner_id = w->player_id,
				  .loot_item = w->loot_item, .coins = w->coins};
}

uint32_t
hunt_events_after(const struct hunt_state *h, uint64_t after_id, struct hunt_event *out,
		  uint32_t max, uint8_t *flags)
{
	uint64_t cap = (uint64_t)h->events_mask + 1;
	uint64_t lo = h->n_events > cap ? h->n_events - cap : 0, hi = h->n_events;
	*flags = after_id < h->dropped_id ? HUNT_EVENTS_F_GAP : 0;
	while (lo < hi) { /* first kept event with id > after_id */
		uint64_t mid = lo + (hi - lo) / 2;
		if (h->events[mid & h->events_mask].event_id <= after_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t n = 0;
	for (; lo < h->n_events && n < max; lo++)
		out[n++] = h->events[lo & h->events_mask];
	if (lo < h->n_events)
		*flags |= HUNT_EVENTS_F_MORE;
	return n;
}

void
hunt_table_durable(struct hunt_table *t, uint64_t epoch, const uint8_t *records, uint32_t bytes)
{
	for (uint32_t off = 0; off + sizeof(struct hunt_rec_hdr) <= bytes;) {
		const struct hunt_rec_hdr *rh = (const void *)(records + off);
		struct hunt_state *h;
		if (rh->type == HUNT_REC_WIN && (h = hunt_table_find(t, rh->hunt_id)) != NULL) {
			struct hunt_rec_win w;
			struct hunt_event ev;
			memcpy(&w, rh + 1, sizeof(w));
			event_of_win(&ev, epoch, rh->seq, &w);
			hunt_event_add(h, &ev);
		}
		off += hunt_rec_bytes(rh->len);
	}
}

/* ---- replay ---- */

int
hunt_table_apply(struct hunt_table *t, uint64_t epoch, const struct hunt_rec_hdr *rh,
		 const void *payload)
{
	struct hunt_state *h = hunt_table_find(t, rh->hunt_id);
	if (h == NULL)
		return -ENOENT;
	switch (rh->type) {
	case HUNT_REC_JOIN: {
		const struct hunt_rec_join *r = payload;
		if (r->player_id != 0)
			member_add(h, r->player_id);
		break;
	}
	case HUNT_REC_WIN: {
		const struct hunt_rec_win *r = payload;
		struct hunt_event ev;
		event_of_win(&ev, epoch, rh->seq, r);
		hunt_event_add(h, &ev);
		uint32_t slot = r->wave_id & 1;
		if (h->slot_wave[slot] != r->wave_id || r->clue_idx >= h->cfg->clues_per_wave)
			break;
		struct hunt_clue *c = &h->clues[slot][r->clue_idx];
		if (c->winner_id != 0)
			break; /* the journal holds one win per clue; be safe anyway */
		c->winner_id = r->player_id;
		struct hunt_member *m = r->player_id != 0 ? member_add(h, r->player_id) : NULL;
		if (m != NULL) {
			m->coins += r->coins;
			m->wins++;
		}
		if (r->wave_id == h->wave_id)
			h->n_won++;
		break;
	}
	case HUNT_REC_WAVE_OPEN: {
		const struct hunt_rec_wave *r = payload;
		open_state(t, h, r->wave_id, r->wall_ms);
		break;
	}
	case HUNT_REC_WAVE_CLOSE: {
		const struct hunt_rec_wave *r = payload;
		if (r->wave_id == h->wave_id && h->state == HUNT_WAVE_OPEN) {
			h->state = r->state;
			h->event_wall_ms = r->wall_ms;
			if (r->reason == HUNT_WAVE_CLOSE_ALL_WON)
				h->waves_closed_all_won++;
			else
				h->waves_closed_deadline++;
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

void
hunt_table_resume(struct hunt_table *t, uint64_t now)
{
	uint64_t wall_now = hunt_wall_ms(t, now);
	for (uint32_t i = 0; i < t->n_hunts; i++) {
		struct hunt_state *h = &t->hunts[i];
		uint64_t due_ms; /* wall clock of the next event */
		if (h->state == HUNT_WAVE_PENDING) {
			due_ms = wall_now + h->cfg->start_delay_ms;
		} else if (h->state == HUNT_WAVE_OPEN) {
			due_ms = h->event_wall_ms + h->cfg->wave_duration_ms;
		} else if (h->state == HUNT_WAVE_COOLDOWN) {
			due_ms = h->event_wall_ms + h->cfg->cooldown_ms;
		} else {
			schedule(t, h, UINT64_MAX);
			continue;
		}
		schedule(t, h, due_ms <= wall_now ? now : now + ms_to_ticks(t, due_ms - wall_now));
	}
}
