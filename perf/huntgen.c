/*
 * huntgen: plays thousands of hunters against huntd over a DPDK port
 * (memif client, or a real port) and checks every answer.
 *
 *   huntgen [EAL options] -- --config FILE [options]   (--help lists them)
 *
 * Given huntd's config it knows the hunts, their answers and the server's
 * address. It resolves the server's MAC with ARP, JOINs every hunter, then
 * sends a mix of DIG, ENTER, WAVE_STATE and CLAIM (right and wrong answers,
 * duplicates), each to its shard's UDP port, closed loop (a fixed number
 * outstanding) or open loop (a target rate). Lost requests are retransmitted
 * with the same request id. It reports as failures: two different winners of
 * one (wave, clue); a WON for a wrong answer; a TAKEN naming a winner that
 * was never acknowledged (or another one); replies to request ids it never
 * sent; a reply larger than its request before JOIN; requests unanswered
 * after every retry; and not reaching the wave target.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "config.h"
#include "frame.h"
#include "port.h"
#include "hunt/hist.h"
#include "hunt/content.h"
#include "hunt/proto.h"
#include "hunt/shard.h"
#include "hunt/status.h"

#define GEN_FRAME_MAX 128u
#define GEN_WAVE_ROWS 4u

struct opts {
	const char *config;
	const char *server_prefix;
	const char *wins_out;
	const char *catch_up; /* --catch-up FILE */
	uint32_t hunters_per_clue;
	uint32_t outstanding;
	uint64_t rate;
	double duration_s;
	uint32_t waves;
	uint32_t mix[HUNT_OP_COUNT];
	uint32_t wrong_pct, dup_pct, missteer_pct, retx_pct;
	uint32_t timeout_ms, retries;
	uint32_t gen_ip_be;
	uint16_t queues;
	int json;
	int linger;
	int fresh; /* every claim a first, right answer to an unwon clue */
	int idle_yield;
	uint32_t idle_sleep_us; /* idle: sleep this long instead of yielding */
	uint32_t send_batch;    /* closed loop: most new requests between RX polls */
	int sched_idle;         /* poll as SCHED_IDLE */
};

struct hunter {
	uint64_t player_id;
	uint64_t token;
	uint32_t hunt_idx;
	uint32_t clue_idx;
	uint16_t src_port;
	uint8_t joined;
	uint8_t joining; /* a JOIN of it is in flight */
};

struct wave_row {
	uint32_t wave_id;
	uint64_t *winner; /* [clues] acknowledged winner */
	uint64_t *named;  /* [clues] winner named by a TAKEN before any WON */
};

struct hunt_view {
	const struct hunt_hunt_cfg *cfg;
	uint32_t first_hunter; /* hunters of this hunt start here; hunter
				* first_hunter + c has clue c */
	uint32_t wave_id;
	uint8_t state;
	uint32_t fresh_wave, fresh_next; /* --fresh-claims cursor */
	uint8_t fresh_polling;           /* a WAVE_STATE of it is in flight */
	struct wave_row rows[GEN_WAVE_ROWS];
};

struct slot {
	uint64_t seq; /* request id; 0 when free */
	uint64_t first_tsc, sent_tsc;
	uint32_t hunter;
	uint32_t wave_id, clue_idx;
	uint8_t op, tries, right, in_use;
	uint16_t retry_laters; /* RETRY_LATER answers to this request so far */
	uint16_t frame_len, queue;
	uint8_t frame[GEN_FRAME_MAX];
};

/* The answer a completed request got, kept until its slot completes again,
 * so the answer to a retransmit of it can be compared. */
struct recent {
	uint64_t req_id;
	uint64_t winner_id;
	uint8_t status;
};

struct results {
	uint64_t sent, retransmits, duplicates, replies, late_replies, late_won, wins_acked;
	uint64_t late_checked, retransmit_mismatch, retry_later_seen;
	uint64_t catch_up_events, catch_up_bad; /* --catch-up: events read; broken rules */
	uint64_t last_won_tsc; /* when the last WON reply came */
	uint64_t ops[HUNT_OP_COUNT], status[HUNT_STATUS_COUNT];
	uint64_t double_winners, won_wrong_answer, taken_unknown_winner,
		taken_other_winner, unknown_replies, amplified, wrong_port,
		bad_replies, timeouts, no_slot;
	struct hist lat_ns;
	struct hist won_lat_ns; /* WON replies only */
};

/* JOINs in flight at once in the join phase, whatever --outstanding is: a
 * JOIN waits for its journal record, so joining 16,000 hunters one at a
 * time took longer than a short run (perf/durable-bench's latency case). */
#define GEN_JOIN_WINDOW 256u

#define GEN_PICK_AHEAD 8u

struct gen {
	struct opts o;
	uint64_t mix_start; /* TSC the mix began; replies to earlier requests
			     * are not in the latency histograms */
	struct hunt_config *cfg;
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_ether_addr mac, server_mac;
	uint64_t hz;
	uint64_t ns_per_tsc_q32; /* 1e9 / hz, 32 fraction bits: latencies
				  * without a 64-bit division per reply */
	uint32_t n_hunters;
	struct hunter *hunters;
	/* The next random picks of a hunter, drawn GEN_PICK_AHEAD requests
	 * ahead so their structs are prefetched (a random hunter of 25,000 was
	 * a cache miss: 9% of huntgen's time; one request ahead hid half). */
	uint32_t pick_ahead[GEN_PICK_AHEAD];
	uint32_t pick_i;
	struct hunt_view *hunts;
	uint32_t n_slots, slot_mask, slot_bits, n_free, sweep;
	struct slot *slots;
	struct recent *recent; /* [n_slots] */
	uint32_t *free_slots;
	uint64_t next_seq;
	uint64_t rng;
	uint32_t outstanding;
	uint32_t fresh_turn;
	struct rte_mbuf *tx[HUNT_BURST_MAX];
	uint16_t n_tx[8];
	struct rte_mbuf *txq[8][HUNT_BURST_MAX];
	struct results r;
	FILE *wins;  /* --wins-out: one line per acknowledged win */
};

/* JOINs in flight at once in the join phase. */
static uint32_t
join_window(const struct gen *g)
{
	return g->o.outstanding > GEN_JOIN_WINDOW ? g->o.outstanding : GEN_JOIN_WINDOW;
}

static uint64_t
rnd(struct gen *g)
{
	g->rng += 0x9e3779b97f4a7c15ull;
	return hunt_mix64(g->rng);
}

/* ---- frames ---- */

static void
flush_tx(struct gen *g)
{
	for (uint16_t q = 0; q < g->o.queues; q++) {
		uint16_t n = g->n_tx[q], sent = 0;
		for (int tries = 0; sent < n && tries < 1000; tries++)
			sent += rte_eth_tx_burst(g->port, q, g->txq[q] + sent, n - sent);
		for (uint16_t i = sent; i < n; i++)
			rte_pktmbuf_free(g->txq[q][i]); /* counted as loss by timeouts */
		g->n_tx[q] = 0;
	}
}

static void
send_frame(struct gen *g, const uint8_t *frame, uint16_t len, uint16_t q)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	if (m == NULL)
		return; /* the request times out and is retransmitted */
	memcpy(rte_pktmbuf_append(m, len), frame, len);
	g->txq[q][g->n_tx[q]++] = m;
	if (g->n_tx[q] == HUNT_BURST_MAX)
		flush_tx(g);
}

static uint16_t
build_frame(struct gen *g, uint8_t *frame, uint16_t src_port, uint16_t dst_port,
	    const void *payload, uint16_t len)
{
	struct rte_ether_hdr *eth = (void *)frame;
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	eth->dst_addr = g->server_mac;
	eth->src_addr = g->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	hunt_ipv4_hdr_put(ip, hunt_ipv4_w0(0, (uint16_t)(sizeof(*ip) + sizeof(*udp) + len)), 0,
			  64u | (uint32_t)IPPROTO_UDP << 8, g->o.gen_ip_be, g->cfg->server.ip_be);
	udp->src_port = rte_cpu_to_be_16(src_port);
	udp->dst_port = rte_cpu_to_be_16(dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, len);
	return (uint16_t)(14 + sizeof(*ip) + sizeof(*udp) + len);
}

static int
resolve_server(struct gen *g)
{
	uint8_t frame[64];
	memset(frame, 0, sizeof(frame));
	hunt_frame_arp_request(frame, g->mac.addr_bytes, g->o.gen_ip_be, g->cfg->server.ip_be);
	uint64_t deadline = rte_rdtsc() + 10 * g->hz, next = 0;
	while (rte_rdtsc() < deadline) {
		if (rte_rdtsc() >= next) {
			send_frame(g, frame, 60, 0);
			flush_tx(g);
			next = rte_rdtsc() + g->hz / 10;
		}
		struct rte_mbuf *rx[HUNT_BURST_MAX];
		uint16_t n = rte_eth_rx_burst(g->port, 0, rx, HUNT_BURST_MAX);
		int found = 0;
		for (uint16_t i = 0; i < n; i++) {
			const struct rte_ether_hdr *e = rte_pktmbuf_mtod(rx[i], void *);
			const struct rte_arp_hdr *r = (const void *)(e + 1);
			if (!found && rx[i]->data_len >= 42 &&
			    e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
			    r->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) &&
			    r->arp_data.arp_sip == g->cfg->server.ip_be) {
				g->server_mac = r->arp_data.arp_sha;
				found = 1;
			}
			rte_pktmbuf_free(rx[i]);
		}
		if (found)
			return 0;
	}
	return -ETIMEDOUT;
}

/* ---- requests ---- */

static struct slot *
slot_get(struct gen *g)
{
	if (g->n_free == 0) {
		g->r.no_slot++;
		return NULL;
	}
	uint32_t idx = g->free_slots[--g->n_free];
	struct slot *s = &g->slots[idx];
	s->in_use = 1;
	s->tries = 0;
	s->retry_laters = 0;
	s->seq = (++g->next_seq << g->slot_bits) | idx; /* the request id */
	g->outstanding++;
	return s;
}

static void
slot_put(struct gen *g, struct slot *s)
{
	s->in_use = 0;
	g->free_slots[g->n_free++] = (uint32_t)(s - g->slots);
	g->outstanding--;
}

static void
transmit(struct gen *g, struct slot *s, uint64_t now)
{
	s->sent_tsc = now;
	if (s->tries++ == 0)
		s->first_tsc = now;
	else
		g->r.retransmits++;
	g->r.sent++;
	send_frame(g, s->frame, s->frame_len, s->queue);
}

/* Fills the header and body and sends; body_len is the op's request size. */
static void
issue(struct gen *g, uint32_t hi, uint8_t op, const void *body, uint16_t body_len,
      uint32_t shard, uint64_t now, struct slot *s)
{
	const struct hunter *h = &g->hunters[hi];
	uint8_t dgram[GEN_FRAME_MAX];
	struct hunt_hdr *hd = (void *)dgram;
	memset(hd, 0, sizeof(*hd));
	hd->magic = HUNT_MAGIC;
	hd->version = HUNT_VERSION;
	hd->op = op;
	hd->body_len = body_len;
	hd->hunt_id = g->hunts[h->hunt_idx].cfg->id;
	hd->req_id = s->seq;
	hd->player_id = h->player_id;
	hd->token = op == HUNT_OP_JOIN ? 0 : h->token;
	memcpy(hd + 1, body, body_len);
	s->hunter = hi;
	s->op = op;
	s->queue = (uint16_t)(shard % g->o.queues);
	if (g->o.queues > 1 && rnd(g) % 100 < g->o.missteer_pct)
		s->queue = (uint16_t)((s->queue + 1) % g->o.queues);
	s->frame_len = build_frame(g, s->frame, h->src_port,
				   (uint16_t)(g->cfg->server.base_port + shard), dgram,
				   (uint16_t)(sizeof(*hd) + body_len));
	g->r.ops[op]++;
	transmit(g, s, now);
	if (op == HUNT_OP_CLAIM && rnd(g) % 100 < g->o.retx_pct)
		transmit(g, s, now); /* the same bytes again: must get the same answer */
}

static void
issue_join(struct gen *g, uint32_t hi, uint64_t now)
{
	struct slot *s = slot_get(g);
	if (s == NULL)
		return;
	g->hunters[hi].joining = 1;
	struct hunt_join_req b;
	memset(&b, 0, sizeof(b));
	uint32_t hunt_id = g->hunts[g->hunters[hi].hunt_idx].cfg->id;
	issue(g, hi, HUNT_OP_JOIN, &b, sizeof(b),
	      hunt_shard_of_hunt(hunt_id, g->cfg->server.n_shards), now, s);
}

static void
issue_claim(struct gen *g, uint32_t hi, const struct hunt_view *hv, int right,
	    uint64_t now)
{
	struct slot *s = slot_get(g);
	if (s == NULL)
		return;
	const struct hunter *h = &g->hunters[hi];
	struct hunt_claim_req b;
	memset(&b, 0, sizeof(b));
	b.wave_id = hv->wave_id;
	b.clue_idx = h->clue_idx;
	uint32_t loot;
	b.answer_len = (uint8_t)hunt_config_clue(g->cfg, hv->cfg, hv->wave_id, h->clue_idx, b.answer,
						 &loot);
	if (!right)
		b.answer[0] ^= 0x20; /* a near miss: same length, one letter off */
	s->wave_id = b.wave_id;
	s->clue_idx = b.clue_idx;
	s->right = (uint8_t)right;
	issue(g, hi, HUNT_OP_CLAIM, &b, sizeof(b),
	      hunt_shard_of_hunt(hv->cfg->id, g->cfg->server.n_shards), now, s);
}

static void
issue_simple(struct gen *g, uint32_t hi, uint8_t op, uint64_t now)
{
	const struct hunter *h = &g->hunters[hi];
	const struct hunt_view *hv = &g->hunts[h->hunt_idx];
	uint32_t n_shards = g->cfg->server.n_shards;
	struct slot *s = slot_get(g);
	if (s == NULL)
		return;
	if (op == HUNT_OP_DIG) {
		const struct hunt_world_cfg *w = hunt_config_find_world(g->cfg, hv->cfg->world_id);
		struct hunt_dig_req b = {.world_id = w->id,
					 .x = (int32_t)(rnd(g) % w->size),
					 .y = (int32_t)(rnd(g) % w->size)};
		issue(g, hi, op, &b, sizeof(b), hunt_shard_of_tile(b.world_id, b.x, b.y, n_shards), now, s);
	} else if (op == HUNT_OP_ENTER && hv->cfg->n_buildings > 0) {
		struct hunt_enter_req b = {.building_idx = (uint32_t)(rnd(g) % hv->cfg->n_buildings)};
		issue(g, hi, op, &b, sizeof(b), hunt_shard_of_hunt(hv->cfg->id, n_shards), now, s);
	} else {
		issue(g, hi, HUNT_OP_WAVE_STATE, NULL, 0, hunt_shard_of_hunt(hv->cfg->id, n_shards), now, s);
	}
}

/* --fresh-claims: the next unclaimed clue of a hunt's open wave, by the
 * hunter whose clue it is, with the right answer. One hunt's wave is sent
 * whole before the next hunt's: sent a claim of each hunt in turn, every
 * hunt's wave ended at about the same moment, and the window stood empty
 * while all of them waited for their next wave's record to be durable
 * (docs/benchmarks.md, 2026-12-05, third session). A hunt whose wave is
 * all claimed, or not open, gets one WAVE_STATE in flight to learn of the
 * next wave. Returns 0 when every hunt is waiting. */
static int
issue_fresh(struct gen *g, uint64_t now)
{
	for (uint32_t tries = 0; tries < g->cfg->n_hunts; tries++, g->fresh_turn++) {
		struct hunt_view *hv = &g->hunts[g->fresh_turn % g->cfg->n_hunts];
		if (hv->state == HUNT_WAVE_OPEN && hv->fresh_wave != hv->wave_id) {
			hv->fresh_wave = hv->wave_id;
			hv->fresh_next = 0;
		}
		if (hv->state == HUNT_WAVE_OPEN && hv->fresh_next < hv->cfg->clues_per_wave) {
			uint32_t hi = hv->first_hunter + hv->fresh_next;
			if (!g->hunters[hi].joined) { /* its JOIN was lost or late */
				if (g->hunters[hi].joining)
					continue;
				issue_join(g, hi, now);
				return 1;
			}
			hv->fresh_next++;
			issue_claim(g, hi, hv, 1, now);
			return 1;
		}
		if (!hv->fresh_polling) {
			hv->fresh_polling = 1;
			issue_simple(g, hv->first_hunter, HUNT_OP_WAVE_STATE, now);
			return 1;
		}
	}
	return 0;
}

static int
issue_next(struct gen *g, uint64_t now)
{
	if (g->o.fresh)
		return issue_fresh(g, now);
	uint32_t *next = &g->pick_ahead[g->pick_i++ % GEN_PICK_AHEAD];
	uint32_t hi = *next;
	*next = (uint32_t)(rnd(g) % g->n_hunters);
	rte_prefetch0(&g->hunters[*next]);
	const struct hunt_view *hv = &g->hunts[g->hunters[hi].hunt_idx];
	if (!g->hunters[hi].joined) { /* a hunter without a token joins first */
		if (!g->hunters[hi].joining)
			issue_join(g, hi, now);
		return 1;
	}
	uint32_t total = 0;
	for (unsigned i = 1; i < HUNT_OP_COUNT; i++)
		total += g->o.mix[i];
	uint32_t pick = (uint32_t)(rnd(g) % total);
	unsigned op = 1;
	while (pick >= g->o.mix[op])
		pick -= g->o.mix[op++];
	if (op == HUNT_OP_CLAIM && hv->state == HUNT_WAVE_OPEN) {
		int right = rnd(g) % 100 >= g->o.wrong_pct;
		issue_claim(g, hi, hv, right, now);
		if (rnd(g) % 100 < g->o.dup_pct) {
			g->r.duplicates++;
			issue_claim(g, hi, hv, right, now);
		}
		return 1;
	}
	issue_simple(g, hi, op == HUNT_OP_CLAIM || op == HUNT_OP_JOIN ? HUNT_OP_WAVE_STATE : (uint8_t)op, now);
	return 1;
}

/* ---- replies ---- */

static struct wave_row *
wave_row(struct gen *g, struct hunt_view *hv, uint32_t wave_id)
{
	struct wave_row *row = &hv->rows[wave_id % GEN_WAVE_ROWS];
	if (row->wave_id == wave_id)
		return row;
	if (row->wave_id > wave_id)
		return NULL; /* older than the rows kept */
	for (uint32_t c = 0; c < hv->cfg->clues_per_wave; c++) {
		if (row->named[c] != 0 && row->winner[c] == 0)
			g->r.taken_unknown_winner++;
		row->named[c] = row->winner[c] = 0;
	}
	row->wave_id = wave_id;
	return row;
}

static void
see_wave(struct hunt_view *hv, uint32_t wave_id, uint8_t state)
{
	static const uint8_t rank[] = {0, 1, 2, 2};
	if (wave_id > hv->wave_id || (wave_id == hv->wave_id && rank[state] > rank[hv->state])) {
		hv->wave_id = wave_id;
		hv->state = state;
	}
}

static void
on_claim(struct gen *g, struct slot *s, const struct hunt_hdr *hd, const void *body)
{
	const struct hunter *h = &g->hunters[s->hunter];
	struct hunt_view *hv = &g->hunts[h->hunt_idx];
	const struct hunt_claim_reply *r = body;
	if (hd->body_len < sizeof(*r))
		return;
	if (hd->status == HUNT_STATUS_WAVE_CLOSED) {
		see_wave(hv, s->wave_id, HUNT_WAVE_COOLDOWN);
		return;
	}
	if (hd->status != HUNT_STATUS_WON && hd->status != HUNT_STATUS_TAKEN)
		return;
	if (hd->status == HUNT_STATUS_WON && !s->right)
		g->r.won_wrong_answer++;
	struct wave_row *row = wave_row(g, hv, s->wave_id);
	if (row == NULL)
		return;
	uint32_t c = s->clue_idx;
	if (hd->status == HUNT_STATUS_WON) {
		if (row->winner[c] != 0 && row->winner[c] != h->player_id)
			g->r.double_winners++;
		if (row->named[c] != 0 && row->named[c] != h->player_id)
			g->r.taken_other_winner++;
		if (row->winner[c] == 0) {
			g->r.wins_acked++;
			if (g->wins != NULL)
				fprintf(g->wins, "%u %u %u %" PRIu64 " %u %u\n", hv->cfg->id,
					s->wave_id, c, h->player_id, r->loot_item, r->coins);
		}
		row->winner[c] = h->player_id;
	} else if (row->winner[c] != 0) {
		if (row->winner[c] != r->winner_id)
			g->r.taken_other_winner++;
	} else if (row->named[c] == 0) {
		row->named[c] = r->winner_id;
	} else if (row->named[c] != r->winner_id) {
		g->r.taken_other_winner++;
	}
}

static void
on_reply(struct gen *g, const struct hunt_hdr *hd, uint16_t len, uint16_t src_port, uint64_t now)
{
	if (len < sizeof(*hd) || hd->magic != HUNT_MAGIC || !(hd->flags & HUNT_FLAG_REPLY) ||
	    hd->body_len != len - sizeof(*hd) || hd->status >= HUNT_STATUS_COUNT) {
		g->r.bad_replies++;
		return;
	}
	uint64_t seq = hd->req_id >> g->slot_bits;
	if (seq == 0 || seq > g->next_seq) {
		g->r.unknown_replies++;
		return;
	}
	struct slot *s = &g->slots[hd->req_id & g->slot_mask];
	if (!s->in_use || s->seq != hd->req_id) {
		/* The answer to a retransmit of a request already answered: it
		 * must be the same answer. */
		g->r.late_replies++;
		g->r.late_won += hd->status == HUNT_STATUS_WON;
		const struct recent *rc = &g->recent[hd->req_id & g->slot_mask];
		if (rc->req_id == hd->req_id) {
			g->r.late_checked++;
			uint64_t winner = 0;
			if (hd->op == HUNT_OP_CLAIM && hd->body_len >= sizeof(struct hunt_claim_reply))
				winner = ((const struct hunt_claim_reply *)(hd + 1))->winner_id;
			if (rc->status != hd->status || rc->winner_id != winner)
				g->r.retransmit_mismatch++;
		}
		return;
	}
	struct recent *rc = &g->recent[hd->req_id & g->slot_mask];
	rc->req_id = hd->req_id;
	rc->status = hd->status;
	rc->winner_id = hd->op == HUNT_OP_CLAIM && hd->body_len >= sizeof(struct hunt_claim_reply)
				? ((const struct hunt_claim_reply *)(hd + 1))->winner_id
				: 0;
	if (hd->status == HUNT_STATUS_RETRY_LATER && s->retry_laters < 1000 &&
	    (s->op == HUNT_OP_CLAIM || s->op == HUNT_OP_JOIN)) {
		/* Back off 1 ms, then send the same request again (the sweep
		 * retransmits it); up to 1000 times, not counted in --retries. */
		s->retry_laters++;
		g->r.retry_later_seen++;
		s->tries--;
		s->sent_tsc = now - g->o.timeout_ms * g->hz / 1000 + g->hz / 1000;
		return;
	}
	g->r.replies++;
	g->r.status[hd->status]++;
	uint64_t lat_ns = (uint64_t)((unsigned __int128)(now - s->first_tsc) * g->ns_per_tsc_q32 >> 32);
	if (g->mix_start != 0 && s->first_tsc >= g->mix_start)
		hist_add(&g->r.lat_ns, lat_ns);
	if (s->op == HUNT_OP_CLAIM && hd->status == HUNT_STATUS_WON) {
		hist_add(&g->r.won_lat_ns, lat_ns);
		g->r.last_won_tsc = now;
	}
	const struct rte_udp_hdr *sent_udp = (const void *)(s->frame + 34);
	if (src_port != rte_be_to_cpu_16(sent_udp->dst_port))
		g->r.wrong_port++;
	if (len > s->frame_len - 42 && (s->op == HUNT_OP_JOIN || hd->status != HUNT_STATUS_OK) &&
	    s->op != HUNT_OP_CLAIM)
		g->r.amplified++;
	struct hunter *h = &g->hunters[s->hunter];
	struct hunt_view *hv = &g->hunts[h->hunt_idx];
	const uint8_t *body = (const uint8_t *)(hd + 1);
	if (s->op == HUNT_OP_JOIN)
		h->joining = 0;
	if (s->op == HUNT_OP_JOIN && hd->status == HUNT_STATUS_OK &&
	    hd->body_len >= sizeof(struct hunt_join_reply)) {
		const struct hunt_join_reply *r = (const void *)body;
		h->token = hd->token;
		h->joined = 1;
		see_wave(hv, r->wave_id, r->wave_state);
	} else if (s->op == HUNT_OP_WAVE_STATE && hd->status == HUNT_STATUS_OK &&
		   hd->body_len >= sizeof(struct hunt_wave_reply) &&
		   ((const struct hunt_wave_reply *)body)->state <= HUNT_WAVE_FINISHED) {
		const struct hunt_wave_reply *r = (const void *)body;
		see_wave(hv, r->wave_id, r->state);
		hv->fresh_polling = 0;
	} else if (s->op == HUNT_OP_CLAIM) {
		on_claim(g, s, hd, body);
	}
	slot_put(g, s);
}

/* Drains every queue (up to 32 bursts each): replies left waiting would
 * fill the ring and make huntd drop. Each burst is timestamped when it is
 * taken: requests go out during the issue loop, so the loop's start time
 * would make fast replies look instantaneous. */
static unsigned
poll_rx(struct gen *g)
{
	unsigned got = 0;
	for (uint16_t q = 0; q < g->o.queues; q++) {
		struct rte_mbuf *rx[HUNT_BURST_MAX];
		uint16_t n = HUNT_BURST_MAX;
		for (int bursts = 0; bursts < 32 && n == HUNT_BURST_MAX; bursts++) {
		n = rte_eth_rx_burst(g->port, q, rx, HUNT_BURST_MAX);
		got += n;
		uint64_t now = rte_rdtsc();
		/* Each reply's request slot is one of thousands: start loading
		 * them all before handling any (the slot load was 10% of
		 * huntgen's time). */
		for (uint16_t i = 0; i < n; i++) {
			if (rx[i]->data_len < 42 + sizeof(struct hunt_hdr))
				continue;
			uint64_t req_id;
			memcpy(&req_id, rte_pktmbuf_mtod_offset(rx[i], const uint8_t *,
								42 + offsetof(struct hunt_hdr, req_id)),
			       sizeof(req_id));
			rte_prefetch0(&g->slots[req_id & g->slot_mask]);
		}
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *f = rte_pktmbuf_mtod(rx[i], const uint8_t *);
			const struct rte_ether_hdr *eth = (const void *)f;
			const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
			const struct rte_udp_hdr *udp = (const void *)(ip + 1);
			if (rx[i]->data_len >= 42 + sizeof(struct hunt_hdr) &&
			    eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
			    ip->next_proto_id == IPPROTO_UDP) {
				uint16_t len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - 8);
				if (len + 42u <= rx[i]->data_len)
					on_reply(g, (const void *)(udp + 1), len,
						 rte_be_to_cpu_16(udp->src_port), now);
				else
					g->r.bad_replies++;
			}
		}
		rte_pktmbuf_free_bulk(rx, n);
		}
	}
	return got;
}

/* Retransmits or gives up on a few slots per call (a sweep, not a scan). */
static void
sweep_timeouts(struct gen *g, uint64_t now)
{
	uint64_t timeout = g->o.timeout_ms * g->hz / 1000;
	for (int k = 0; k < 8; k++) {
		struct slot *s = &g->slots[g->sweep++ & g->slot_mask];
		if (!s->in_use || now - s->sent_tsc < timeout)
			continue;
		if (s->tries > g->o.retries) {
			g->r.timeouts++;
			if (s->op == HUNT_OP_WAVE_STATE)
				g->hunts[g->hunters[s->hunter].hunt_idx].fresh_polling = 0;
			if (s->op == HUNT_OP_JOIN)
				g->hunters[s->hunter].joining = 0;
			slot_put(g, s);
		} else {
			transmit(g, s, now);
		}
	}
}

/* ---- set-up, run, report ---- */

static void
usage(void)
{
	fprintf(stderr,
		"usage: huntgen [EAL options] -- --config FILE [options]\n"
		"  --hunters-per-clue N   hunters per clue of each hunt (50)\n"
		"  --outstanding N        closed loop: requests in flight (256)\n"
		"  --send-batch N         closed loop: most new requests between RX polls\n"
		"                         (256; a quarter of the memif ring, rsize=10)\n"
		"  --rate PPS             open loop: requests per second (0: closed loop)\n"
		"  --duration S           stop after S seconds (30)\n"
		"  --waves N              stop when every hunt has completed N waves (0: duration only)\n"
		"  --mix D:E:W:C          weights of DIG, ENTER, WAVE_STATE, CLAIM (40:20:10:30)\n"
		"  --wrong-pct P          claims with a wrong answer (30)\n"
		"  --dup-pct P            claims sent twice with two request ids (5)\n"
		"  --missteer-pct P       requests sent to a queue their shard is not on (0)\n"
		"  --retransmit-pct P     claims sent twice with the same request id (2)\n"
		"  --timeout-ms T         retransmit after T ms (50), --retries R times (5)\n"
		"  --queues N             port queues; a request goes on queue shard %% N (1)\n"
		"  --ip A.B.C.D           our address (server's + 1)\n"
		"  --server-prefix P      huntd's --file-prefix: read its cycles per op\n"
		"  --wins-out FILE        write 'hunt wave clue player loot coins' per acknowledged win\n"
		"  --catch-up FILE        after the run, each hunt's first hunter reconnects and\n"
		"                         writes every event (EVENTS) and the leaderboard to FILE\n"
		"  --fresh-claims         every claim a first right answer to an unwon clue\n"
		"  --no-idle-yield        keep polling when idle (by default an idle loop\n"
		"                         yields, so kernel threads huntd needs can run)\n"
		"  --idle-sleep-us N      idle: sleep N us instead of yielding (the CPU goes\n"
		"                         idle, so a kernel worker waiting for it runs)\n"
		"  --sched-idle           poll as SCHED_IDLE: any other thread that wants\n"
		"                         this CPU preempts huntgen at once\n"
		"  --json                 print one JSON object\n"
		"  SIGUSR1 ends the load early (then drain and report as at --duration)\n"
		"  --linger               after the report, stop polling and keep the port open\n"
		"                         until SIGTERM (lets huntd stop first: memif frees its\n"
		"                         rings under a peer that is still polling)\n");
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"config", 1, NULL, 'c'}, {"hunters-per-clue", 1, NULL, 'h'},
		{"outstanding", 1, NULL, 'o'}, {"rate", 1, NULL, 'r'},
		{"duration", 1, NULL, 'd'}, {"waves", 1, NULL, 'w'},
		{"mix", 1, NULL, 'm'}, {"wrong-pct", 1, NULL, 'x'},
		{"dup-pct", 1, NULL, 'u'}, {"missteer-pct", 1, NULL, 's'},
		{"timeout-ms", 1, NULL, 't'}, {"retries", 1, NULL, 'R'},
		{"queues", 1, NULL, 'q'}, {"ip", 1, NULL, 'i'},
		{"server-prefix", 1, NULL, 'p'}, {"json", 0, NULL, 'j'},
		{"retransmit-pct", 1, NULL, 'X'}, {"wins-out", 1, NULL, 'W'},
		{"linger", 0, NULL, 'L'}, {"fresh-claims", 0, NULL, 'f'},
		{"no-idle-yield", 0, NULL, 'Y'}, {"catch-up", 1, NULL, 'C'},
		{"idle-sleep-us", 1, NULL, 'S'}, {"sched-idle", 0, NULL, 'I'},
		{"send-batch", 1, NULL, 'B'},
		{NULL, 0, NULL, 0}};
	*o = (struct opts){.hunters_per_clue = 50, .outstanding = 256, .duration_s = 30,
			   .wrong_pct = 30, .dup_pct = 5, .retx_pct = 2, .idle_yield = 1, .timeout_ms = 50, .retries = 5,
			   .queues = 1, .send_batch = 256};
	o->mix[HUNT_OP_DIG] = 40;
	o->mix[HUNT_OP_ENTER] = 20;
	o->mix[HUNT_OP_WAVE_STATE] = 10;
	o->mix[HUNT_OP_CLAIM] = 30;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'h': o->hunters_per_clue = (uint32_t)atoi(optarg); break;
		case 'o': o->outstanding = (uint32_t)atoi(optarg); break;
		case 'r': o->rate = strtoull(optarg, NULL, 10); break;
		case 'd': o->duration_s = atof(optarg); break;
		case 'w': o->waves = (uint32_t)atoi(optarg); break;
		case 'x': o->wrong_pct = (uint32_t)atoi(optarg); break;
		case 'u': o->dup_pct = (uint32_t)atoi(optarg); break;
		case 's': o->missteer_pct = (uint32_t)atoi(optarg); break;
		case 'X': o->retx_pct = (uint32_t)atoi(optarg); break;
		case 'W': o->wins_out = optarg; break;
		case 'C': o->catch_up = optarg; break;
		case 'L': o->linger = 1; break;
		case 'f': o->fresh = 1; break;
		case 'Y': o->idle_yield = 0; break;
		case 'S': o->idle_sleep_us = (uint32_t)atoi(optarg); break;
		case 'B': o->send_batch = (uint32_t)atoi(optarg); break;
		case 'I': o->sched_idle = 1; break;
		case 't': o->timeout_ms = (uint32_t)atoi(optarg); break;
		case 'R': o->retries = (uint32_t)atoi(optarg); break;
		case 'q': o->queues = (uint16_t)atoi(optarg); break;
		case 'p': o->server_prefix = optarg; break;
		case 'j': o->json = 1; break;
		case 'i': {
			struct in_addr a;
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return -1;
			o->gen_ip_be = a.s_addr;
			break;
		}
		case 'm':
			if (sscanf(optarg, "%u:%u:%u:%u", &o->mix[HUNT_OP_DIG], &o->mix[HUNT_OP_ENTER],
				   &o->mix[HUNT_OP_WAVE_STATE], &o->mix[HUNT_OP_CLAIM]) != 4)
				return -1;
			break;
		default:
			return -1;
		}
	}
	uint32_t total = o->mix[1] + o->mix[2] + o->mix[3] + o->mix[4] + o->mix[5];
	if (o->config == NULL || total == 0 || o->hunters_per_clue == 0 || o->outstanding == 0 || o->send_batch == 0 ||
	    o->queues == 0 || o->queues > 8 || o->wrong_pct > 100 || o->dup_pct > 100 || o->retx_pct > 100)
		return -1;
	return 0;
}

static int
setup(struct gen *g)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < g->cfg->n_hunts; i++)
		n += g->cfg->hunts[i].clues_per_wave * g->o.hunters_per_clue;
	g->n_hunters = n;
	g->hunters = calloc(n, sizeof(*g->hunters));
	g->hunts = calloc(g->cfg->n_hunts, sizeof(*g->hunts));
	if (g->hunters == NULL || g->hunts == NULL)
		return -ENOMEM;
	uint32_t k = 0;
	for (uint32_t i = 0; i < g->cfg->n_hunts; i++) {
		struct hunt_view *hv = &g->hunts[i];
		hv->cfg = &g->cfg->hunts[i];
		hv->first_hunter = k;
		for (uint32_t r = 0; r < GEN_WAVE_ROWS; r++) {
			hv->rows[r].winner = calloc(hv->cfg->clues_per_wave, 8);
			hv->rows[r].named = calloc(hv->cfg->clues_per_wave, 8);
			if (!hv->rows[r].winner || !hv->rows[r].named)
				return -ENOMEM;
		}
		for (uint32_t j = 0; j < hv->cfg->clues_per_wave * g->o.hunters_per_clue; j++, k++) {
			struct hunter *h = &g->hunters[k];
			h->player_id = ((uint64_t)hv->cfg->id << 32) | (j + 1);
			h->hunt_idx = i;
			h->clue_idx = j % hv->cfg->clues_per_wave;
			h->src_port = (uint16_t)(20000 + k % 40000);
		}
	}
	uint64_t want = g->o.rate ? g->o.rate * (g->o.timeout_ms + 10) / 1000 : g->o.outstanding;
	want = want < GEN_JOIN_WINDOW ? GEN_JOIN_WINDOW : want;
	g->slot_bits = 4;
	while ((1ull << g->slot_bits) < want * 2 && g->slot_bits < 20)
		g->slot_bits++;
	g->n_slots = 1u << g->slot_bits;
	g->slot_mask = g->n_slots - 1;
	g->slots = calloc(g->n_slots, sizeof(*g->slots));
	g->free_slots = calloc(g->n_slots, sizeof(uint32_t));
	g->recent = calloc(g->n_slots, sizeof(*g->recent));
	if (g->slots == NULL || g->free_slots == NULL || g->recent == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->n_slots; i++)
		g->free_slots[g->n_free++] = g->n_slots - 1 - i;
	return 0;
}

static uint32_t
waves_completed(const struct gen *g)
{
	uint32_t min = UINT32_MAX;
	for (uint32_t i = 0; i < g->cfg->n_hunts; i++) {
		const struct hunt_view *hv = &g->hunts[i];
		uint32_t done = hv->state == HUNT_WAVE_OPEN ? hv->wave_id - 1 : hv->wave_id;
		if (hv->state == HUNT_WAVE_PENDING)
			done = 0;
		if (done < min)
			min = done;
	}
	return min;
}

static int
all_finished(const struct gen *g)
{
	for (uint32_t i = 0; i < g->cfg->n_hunts; i++)
		if (g->hunts[i].state != HUNT_WAVE_FINISHED)
			return 0;
	return 1;
}

/* Idle: give the core away for a moment. A client sharing huntd's host
 * must not starve the kernel work huntd's journal needs (io-wq, and the
 * block layer's kblockd worker that dispatches every flush, both on the
 * CPU that issued it: on this rig, huntgen's). By default sched_yield();
 * but measured here, a yielding poller can keep a runnable kblockd
 * worker off its CPU for ~5 ms, and then every flush takes that long
 * (docs/benchmarks.md, 2026-11-30). --idle-sleep-us lets the CPU go idle
 * instead (best for throughput here; a halted vCPU wakes slowly, so worse
 * for one request in flight), --sched-idle lets any other thread preempt
 * huntgen at once (what the latency runs use; the kblockd wait still
 * happened in some runs). */
static void
idle(const struct gen *g, unsigned got)
{
	if (got != 0 || !g->o.idle_yield)
		return;
	if (g->o.idle_sleep_us > 0) {
		struct timespec ts = {.tv_sec = g->o.idle_sleep_us / 1000000,
				      .tv_nsec = (long)(g->o.idle_sleep_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
	} else {
		sched_yield();
	}
}

static void
drain(struct gen *g)
{
	uint64_t until = rte_rdtsc() + (uint64_t)(g->o.retries + 2) * g->o.timeout_ms * g->hz / 1000;
	while (g->outstanding > 0 && rte_rdtsc() < until) {
		uint64_t now = rte_rdtsc();
		unsigned got = poll_rx(g);
		sweep_timeouts(g, now);
		flush_tx(g);
		idle(g, got);
	}
	for (uint32_t i = 0; i < g->n_slots; i++)
		if (g->slots[i].in_use) {
			g->r.timeouts++;
			slot_put(g, &g->slots[i]);
		}
}

static double
run(struct gen *g)
{
	uint64_t start = rte_rdtsc(), now = start;
	uint64_t join_end = start + (uint64_t)(g->o.duration_s * (double)g->hz);
	/* Join every hunter (closed loop, same retransmit rules), within --duration. */
	for (uint32_t next = 0; (now = rte_rdtsc()) < join_end;) {
		while (next < g->n_hunters && g->outstanding < join_window(g))
			issue_join(g, next++, now);
		unsigned got = poll_rx(g);
		sweep_timeouts(g, now);
		flush_tx(g);
		idle(g, got);
		if (next == g->n_hunters && g->outstanding == 0)
			break;
	}
	uint64_t mix_start = rte_rdtsc();
	g->mix_start = mix_start;
	uint64_t end = mix_start + (uint64_t)(g->o.duration_s * (double)g->hz);
	uint64_t gap = g->o.rate ? g->hz / g->o.rate : 0, next_send = mix_start;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	for (uint64_t iter = 0; (now = rte_rdtsc()) < end; iter++) {
		if (g->o.waves && waves_completed(g) >= g->o.waves)
			break;
		if ((iter & 0xfff) == 0) {
			sigset_t pending;
			sigpending(&pending);
			if (sigismember(&pending, SIGUSR1))
				break;
		}
		if (all_finished(g))
			break;
		unsigned sent = 0;
		if (gap) {
			for (int k = 0; k < 32 && now >= next_send; k++, next_send += gap)
				issue_next(g, now);
		} else {
			/* At most --send-batch new requests between RX polls: a
			 * memif ring holds 1024 by default, and a window of thousands
			 * sent at once overflows it both ways. */
			for (; sent < g->o.send_batch && g->outstanding < g->o.outstanding; sent++)
				if (!issue_next(g, now))
					break;
		}
		unsigned got = poll_rx(g);
		sweep_timeouts(g, now);
		flush_tx(g);
		/* Idle only when nothing moved: a loop that sent requests has
		 * more to send once it has polled (idling after a capped send
		 * held back half the window: docs/benchmarks.md, 2026-12-05,
		 * third session). */
		idle(g, got + sent);
	}
	double secs = (double)(rte_rdtsc() - mix_start) / (double)g->hz;
	drain(g);
	(void)start;
	return secs;
}

/* ---- --catch-up: a reconnecting client ---- */

#define CATCH_UP_FRAME_MAX 1024u
#define CATCH_UP_PAGES_MAX 100000u

/* One request at a time: sends the datagram from src_port to the shard's
 * port and waits for the reply carrying its request id (retransmitting the
 * same bytes every --timeout-ms, --retries times). Other frames (late
 * replies of the run) are dropped. Returns the reply's length, or 0. */
static uint16_t
rpc(struct gen *g, uint16_t src_port, uint32_t shard, const uint8_t *dgram, uint16_t len,
    uint8_t *out)
{
	uint8_t frame[CATCH_UP_FRAME_MAX];
	uint64_t req_id = ((const struct hunt_hdr *)dgram)->req_id;
	uint16_t flen = build_frame(g, frame, src_port, (uint16_t)(g->cfg->server.base_port + shard),
				    dgram, len);
	uint16_t q = (uint16_t)(shard % g->o.queues), got = 0;
	for (uint32_t tries = 0; tries <= g->o.retries && got == 0; tries++) {
		send_frame(g, frame, flen, q);
		flush_tx(g);
		uint64_t until = rte_rdtsc() + g->o.timeout_ms * g->hz / 1000;
		while (got == 0 && rte_rdtsc() < until) {
			struct rte_mbuf *rx[HUNT_BURST_MAX];
			uint16_t n = rte_eth_rx_burst(g->port, q, rx, HUNT_BURST_MAX);
			for (uint16_t i = 0; i < n; i++) {
				const uint8_t *f = rte_pktmbuf_mtod(rx[i], const uint8_t *);
				const struct rte_udp_hdr *udp = (const void *)(f + 34);
				const struct hunt_hdr *hd = (const void *)(udp + 1);
				uint32_t dlen = rx[i]->data_len >= 42 ? rx[i]->data_len - 42u : 0;
				if (got == 0 && dlen >= sizeof(*hd) && dlen <= CATCH_UP_FRAME_MAX &&
				    rte_be_to_cpu_16(udp->dst_port) == src_port &&
				    hd->req_id == req_id && (hd->flags & HUNT_FLAG_REPLY)) {
					memcpy(out, hd, dlen);
					got = (uint16_t)dlen;
				}
				rte_pktmbuf_free(rx[i]);
			}
			idle(g, n);
		}
	}
	if (got == 0)
		g->r.timeouts++;
	return got;
}

/* A request of the reconnecting hunter hi (header, then a zero body of
 * body_len) in dgram; returns its length. */
static uint16_t
catch_up_req(struct gen *g, uint8_t *dgram, uint32_t hi, uint8_t op, uint16_t body_len)
{
	const struct hunter *h = &g->hunters[hi];
	struct hunt_hdr *hd = (void *)dgram;
	memset(dgram, 0, sizeof(*hd) + body_len);
	*hd = (struct hunt_hdr){.magic = HUNT_MAGIC, .version = HUNT_VERSION, .op = op,
				.body_len = body_len, .hunt_id = g->hunts[h->hunt_idx].cfg->id,
				.req_id = ++g->next_seq << g->slot_bits, .player_id = h->player_id,
				.token = op == HUNT_OP_JOIN ? 0 : h->token};
	return (uint16_t)(sizeof(*hd) + body_len);
}

/* EVENTS after 0, page after page: one line per event, then the flags
 * seen. Ids must grow; a reply may not outgrow its request. */
static void
catch_up_events(struct gen *g, uint32_t hi, uint16_t port, uint32_t shard, FILE *f)
{
	uint32_t hunt_id = g->hunts[g->hunters[hi].hunt_idx].cfg->id;
	uint8_t dgram[CATCH_UP_FRAME_MAX], reply[CATCH_UP_FRAME_MAX];
	uint64_t after = 0;
	uint8_t seen = 0;
	for (uint32_t page = 0; page < CATCH_UP_PAGES_MAX; page++) {
		uint16_t len = catch_up_req(g, dgram, hi, HUNT_OP_EVENTS, sizeof(struct hunt_events_req));
		((struct hunt_events_req *)(dgram + sizeof(struct hunt_hdr)))->after_id = after;
		uint16_t got = rpc(g, port, shard, dgram, len, reply);
		const struct hunt_hdr *hd = (const void *)reply;
		const struct hunt_events_reply *r = (const void *)(hd + 1);
		if (got == 0)
			return;
		if (hd->status != HUNT_STATUS_OK || got > len || r->n > HUNT_EVENTS_PAGE ||
		    got != sizeof(*hd) + HUNT_EVENTS_REPLY_FIXED_BYTES + r->n * sizeof(r->ev[0])) {
			g->r.catch_up_bad++;
			return;
		}
		seen |= r->flags;
		for (uint32_t i = 0; i < r->n; i++) {
			const struct hunt_event *e = &r->ev[i];
			if (e->event_id <= after)
				g->r.catch_up_bad++;
			after = e->event_id;
			g->r.catch_up_events++;
			fprintf(f, "event %u %" PRIu64 " %u %u %" PRIu64 " %u %u\n", hunt_id, e->event_id,
				e->wave_id, e->clue_idx, e->winner_id, e->loot_item, e->coins);
		}
		if (!(r->flags & HUNT_EVENTS_F_MORE)) {
			fprintf(f, "events %u last %" PRIu64 " gap %d\n", hunt_id, r->last_id,
				!!(seen & HUNT_EVENTS_F_GAP));
			return;
		}
	}
	g->r.catch_up_bad++;
}

/* LEADERBOARD, once its list was merged after the last WON reply arrived
 * (its age is below the time since: every acknowledged win is in it), then
 * every page. */
static void
catch_up_leaderboard(struct gen *g, uint32_t hi, uint16_t port, uint32_t shard, FILE *f)
{
	uint8_t dgram[CATCH_UP_FRAME_MAX], reply[CATCH_UP_FRAME_MAX];
	const struct hunt_hdr *hd = (const void *)reply;
	const struct hunt_lb_reply *r = (const void *)(hd + 1);
	uint64_t until = rte_rdtsc() + 30 * g->hz;
	for (uint32_t from = 0;;) {
		uint16_t len = catch_up_req(g, dgram, hi, HUNT_OP_LEADERBOARD, sizeof(struct hunt_lb_req));
		((struct hunt_lb_req *)(dgram + sizeof(struct hunt_hdr)))->from = (uint16_t)from;
		uint16_t got = rpc(g, port, shard, dgram, len, reply);
		if (got == 0)
			return;
		uint64_t since_won_ms = (rte_rdtsc() - g->r.last_won_tsc) * 1000 / g->hz;
		if (hd->status == HUNT_STATUS_RETRY_LATER ||
		    (hd->status == HUNT_STATUS_OK && from == 0 && r->age_ms + 2 >= since_won_ms)) {
			if (rte_rdtsc() > until) { /* never fresh: a broken publisher */
				g->r.catch_up_bad++;
				return;
			}
			rte_delay_us_sleep(5000); /* ask again: the list is republished */
			continue;
		}
		if (hd->status != HUNT_STATUS_OK || got > len || r->n > HUNT_LB_PAGE ||
		    got != sizeof(*hd) + HUNT_LB_REPLY_FIXED_BYTES + r->n * sizeof(r->top[0])) {
			g->r.catch_up_bad++;
			return;
		}
		if (from == 0)
			fprintf(f, "me %" PRIu64 " coins %" PRIu64 " rank %u total %u age_ms %u\n",
				g->hunters[hi].player_id, r->my_coins, r->my_rank, r->total, r->age_ms);
		for (uint32_t i = 0; i < r->n; i++)
			fprintf(f, "lb %u %" PRIu64 " %" PRIu64 "\n", from + i + 1, r->top[i].player_id,
				r->top[i].coins);
		from += r->n;
		if (r->n == 0 || from >= r->total)
			return;
	}
}

/* --catch-up FILE: for each hunt, its first hunter reconnects (JOIN from a
 * new port), replays every event the server kept and reads the
 * leaderboard, all into FILE for the tests to compare with --wins-out. */
static int
catch_up(struct gen *g)
{
	FILE *f = fopen(g->o.catch_up, "w");
	if (f == NULL)
		return -errno;
	for (uint32_t i = 0; i < g->cfg->n_hunts; i++) {
		uint32_t hi = g->hunts[i].first_hunter;
		uint16_t port = (uint16_t)(10000 + i % 10000); /* the run's hunters use 20000 .. */
		uint32_t shard = hunt_shard_of_hunt(g->hunts[i].cfg->id, g->cfg->server.n_shards);
		uint8_t dgram[CATCH_UP_FRAME_MAX], reply[CATCH_UP_FRAME_MAX];
		uint16_t len = catch_up_req(g, dgram, hi, HUNT_OP_JOIN, sizeof(struct hunt_join_req));
		const struct hunt_hdr *hd = (const void *)reply;
		if (rpc(g, port, shard, dgram, len, reply) == 0)
			continue;
		if (hd->status != HUNT_STATUS_OK) {
			g->r.catch_up_bad++;
			continue;
		}
		g->hunters[hi].token = hd->token;
		catch_up_events(g, hi, port, shard, f);
		catch_up_leaderboard(g, hi, port, shard, f);
	}
	fclose(f);
	return 0;
}

/* Reads one integer field of huntd's /hunt/stats through its telemetry
 * socket; -1 if it cannot. */
static int64_t
server_stat(const char *prefix, const char *field)
{
	char path[256], buf[16384];
	snprintf(path, sizeof(path), "/var/run/dpdk/%s/dpdk_telemetry.v2", prefix);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strnlen(path, sizeof(sa.sun_path) - 1));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int64_t v = -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0 && write(fd, "/hunt/stats", 11) == 11) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			char key[64];
			snprintf(key, sizeof(key), "\"%s\":", field);
			char *p = strstr(buf, key);
			if (p)
				v = strtoll(p + strlen(key), NULL, 10);
		}
	}
	close(fd);
	return v;
}

static uint64_t
failures(const struct gen *g, int waves_ok)
{
	const struct results *r = &g->r;
	return r->double_winners + r->won_wrong_answer + r->taken_unknown_winner + r->retransmit_mismatch +
	       r->taken_other_winner + r->unknown_replies + r->amplified + r->wrong_port +
	       r->bad_replies + r->timeouts + r->catch_up_bad + (waves_ok ? 0 : 1);
}

static void
report(struct gen *g, double secs, int waves_ok)
{
	struct results *r = &g->r;
	/* Close the rows still open: a TAKEN whose winner never showed up. */
	for (uint32_t i = 0; i < g->cfg->n_hunts; i++)
		for (uint32_t k = 0; k < GEN_WAVE_ROWS; k++)
			wave_row(g, &g->hunts[i], g->hunts[i].rows[k].wave_id + GEN_WAVE_ROWS);
	uint64_t ops = r->replies;
	double us = 1e-3;
	int64_t cpo = g->o.server_prefix ? server_stat(g->o.server_prefix, "cycles_per_op") : -1;
	int64_t shz = g->o.server_prefix ? server_stat(g->o.server_prefix, "tsc_hz") : -1;
	uint64_t claims = r->ops[HUNT_OP_CLAIM];
	if (g->o.json) {
		printf("{\"ops_total\":%" PRIu64 ",\"ops_per_s\":%.0f,\"seconds\":%.3f,"
		       "\"hunters\":%u,\"sent\":%" PRIu64 ",\"retransmits\":%" PRIu64
		       ",\"duplicates\":%" PRIu64 ",\"late_replies\":%" PRIu64 ",",
		       ops, (double)ops / secs, secs, g->n_hunters, r->sent, r->retransmits,
		       r->duplicates, r->late_replies);
		printf("\"joins\":%" PRIu64 ",\"digs\":%" PRIu64 ",\"enters\":%" PRIu64
		       ",\"wave_states\":%" PRIu64 ",\"claims\":%" PRIu64 ",",
		       r->ops[HUNT_OP_JOIN], r->ops[HUNT_OP_DIG], r->ops[HUNT_OP_ENTER],
		       r->ops[HUNT_OP_WAVE_STATE], claims);
		printf("\"wins_acked\":%" PRIu64 ",\"wins_per_s\":%.0f,\"late_won\":%" PRIu64
		       ",\"late_checked\":%" PRIu64 ",\"retransmit_mismatch\":%" PRIu64 ",",
		       r->wins_acked, (double)r->wins_acked / secs, r->late_won, r->late_checked,
		       r->retransmit_mismatch);
		printf("\"retry_later_seen\":%" PRIu64 ",\"catch_up_events\":%" PRIu64
		       ",\"catch_up_bad\":%" PRIu64 ",",
		       r->retry_later_seen, r->catch_up_events, r->catch_up_bad);
		printf("\"won_p50_us\":%.2f,\"won_p99_us\":%.2f,\"won_p999_us\":%.2f,",
		       hist_quantile(&r->won_lat_ns, 0.5) * us, hist_quantile(&r->won_lat_ns, 0.99) * us,
		       hist_quantile(&r->won_lat_ns, 0.999) * us);
		printf("\"won\":%" PRIu64 ",\"taken\":%" PRIu64 ",\"wrong\":%" PRIu64
		       ",\"wave_closed\":%" PRIu64 ",\"retry_later\":%" PRIu64 ",",
		       r->status[HUNT_STATUS_WON], r->status[HUNT_STATUS_TAKEN],
		       r->status[HUNT_STATUS_WRONG_ANSWER], r->status[HUNT_STATUS_WAVE_CLOSED],
		       r->status[HUNT_STATUS_RETRY_LATER]);
		printf("\"timeouts\":%" PRIu64 ",\"double_winners\":%" PRIu64
		       ",\"won_wrong_answer\":%" PRIu64 ",\"taken_unknown_winner\":%" PRIu64
		       ",\"taken_other_winner\":%" PRIu64 ",\"unknown_replies\":%" PRIu64
		       ",\"amplified\":%" PRIu64 ",\"wrong_port\":%" PRIu64 ",\"bad_replies\":%" PRIu64 ",",
		       r->timeouts, r->double_winners, r->won_wrong_answer, r->taken_unknown_winner,
		       r->taken_other_winner, r->unknown_replies, r->amplified, r->wrong_port,
		       r->bad_replies);
		printf("\"waves_completed\":%u,\"waves_ok\":%s,\"p50_us\":%.2f,\"p90_us\":%.2f,"
		       "\"p99_us\":%.2f,\"p999_us\":%.2f,\"max_us\":%.2f,"
		       "\"server_cycles_per_op\":%" PRId64 ",\"server_tsc_hz\":%" PRId64
		       ",\"failures\":%" PRIu64 "}\n",
		       waves_completed(g), waves_ok ? "true" : "false",
		       hist_quantile(&r->lat_ns, 0.5) * us, hist_quantile(&r->lat_ns, 0.9) * us,
		       hist_quantile(&r->lat_ns, 0.99) * us, hist_quantile(&r->lat_ns, 0.999) * us,
		       r->lat_ns.max * us, cpo, shz, failures(g, waves_ok));
		return;
	}
	printf("hunters %u, %.2f s of mixed load, %" PRIu64 " ops (%.0f ops/s)\n", g->n_hunters,
	       secs, ops, (double)ops / secs);
	printf("ops: join %" PRIu64 " dig %" PRIu64 " enter %" PRIu64 " wave_state %" PRIu64
	       " claim %" PRIu64 "\n",
	       r->ops[HUNT_OP_JOIN], r->ops[HUNT_OP_DIG], r->ops[HUNT_OP_ENTER],
	       r->ops[HUNT_OP_WAVE_STATE], claims);
	printf("clues won (distinct, acknowledged): %" PRIu64 "\n", r->wins_acked);
	printf("claims: won %" PRIu64 " taken %" PRIu64 " wrong %" PRIu64 " wave_closed %" PRIu64
	       " retry_later %" PRIu64 "\n",
	       r->status[HUNT_STATUS_WON], r->status[HUNT_STATUS_TAKEN],
	       r->status[HUNT_STATUS_WRONG_ANSWER], r->status[HUNT_STATUS_WAVE_CLOSED],
	       r->status[HUNT_STATUS_RETRY_LATER]);
	printf("latency us: p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
	       hist_quantile(&r->lat_ns, 0.5) * us, hist_quantile(&r->lat_ns, 0.9) * us,
	       hist_quantile(&r->lat_ns, 0.99) * us, hist_quantile(&r->lat_ns, 0.999) * us,
	       r->lat_ns.max * us);
	printf("retransmits %" PRIu64 " duplicates %" PRIu64 " late_replies %" PRIu64
	       " (%" PRIu64 " compared, %" PRIu64 " differed) timeouts %" PRIu64 "\n",
	       r->retransmits, r->duplicates, r->late_replies, r->late_checked,
	       r->retransmit_mismatch, r->timeouts);
	printf("waves completed (min over hunts): %u\n", waves_completed(g));
	if (g->o.catch_up != NULL)
		printf("catch-up: %" PRIu64 " events replayed, %" PRIu64 " broken replies\n",
		       r->catch_up_events, r->catch_up_bad);
	if (cpo >= 0)
		printf("server cycles per op: %" PRId64 " (tsc %.2f GHz)\n", cpo, (double)shz / 1e9);
	printf("double_winners: %" PRIu64 "\n", r->double_winners);
	printf("won_wrong_answer: %" PRIu64 " taken_unknown_winner: %" PRIu64
	       " taken_other_winner: %" PRIu64 " unknown_replies: %" PRIu64 " amplified: %" PRIu64
	       " wrong_port: %" PRIu64 " bad_replies: %" PRIu64 "\n",
	       r->won_wrong_answer, r->taken_unknown_winner, r->taken_other_winner,
	       r->unknown_replies, r->amplified, r->wrong_port, r->bad_replies);
	printf("invariants: %s\n", failures(g, waves_ok) ? "FAILED" : "ok");
}

int
main(int argc, char **argv)
{
	sigset_t stop_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* polled by run(); inherited by EAL threads */
	int n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "huntgen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	struct gen *g = calloc(1, sizeof(*g));
	if (g == NULL || parse_opts(argc - n, argv + n, &g->o) != 0) {
		usage();
		return 2;
	}
	if (g->o.idle_sleep_us > 0) /* sleep what was asked, not 50 us more */
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	if (g->o.sched_idle) {
		struct sched_param sp = {.sched_priority = 0};
		if (sched_setscheduler(0, SCHED_IDLE, &sp) != 0) {
			fprintf(stderr, "huntgen: SCHED_IDLE: %s\n", strerror(errno));
			return 2;
		}
	}
	g->cfg = calloc(1, sizeof(*g->cfg));
	char err[HUNT_CONFIG_ERR_BYTES];
	if (g->cfg == NULL || hunt_config_load(g->cfg, g->o.config, err) != 0) {
		fprintf(stderr, "huntgen: %s: %s\n", g->o.config, err);
		return 2;
	}
	if (g->o.gen_ip_be == 0)
		g->o.gen_ip_be = rte_cpu_to_be_32(rte_be_to_cpu_32(g->cfg->server.ip_be) + 1);
	g->hz = rte_get_tsc_hz();
	g->ns_per_tsc_q32 = (uint64_t)(((unsigned __int128)1000000000u << 32) / g->hz);
	g->rng = 42;
	g->port = 0;
	g->pool = rte_pktmbuf_pool_create("gen_mbufs", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	struct hunt_server_cfg pc = g->cfg->server;
	char perr[256];
	if (g->pool == NULL || setup(g) != 0 ||
	    hunt_port_init(g->port, g->o.queues, &pc, g->pool, perr, sizeof(perr)) != 0) {
		fprintf(stderr, "huntgen: set-up failed: %s\n", g->pool ? perr : "mbuf pool");
		return 2;
	}
	rte_eth_macaddr_get(g->port, &g->mac);
	if (resolve_server(g) != 0) {
		fprintf(stderr, "huntgen: no ARP reply from the server in 10 s\n");
		return 1;
	}
	if (g->o.wins_out != NULL && (g->wins = fopen(g->o.wins_out, "w")) == NULL) {
		fprintf(stderr, "huntgen: %s: %s\n", g->o.wins_out, strerror(errno));
		return 2;
	}
	double secs = run(g);
	if (g->o.catch_up != NULL && catch_up(g) != 0) {
		fprintf(stderr, "huntgen: %s: %s\n", g->o.catch_up, strerror(errno));
		return 2;
	}
	int waves_ok = g->o.waves == 0 || waves_completed(g) >= g->o.waves || all_finished(g);
	report(g, secs, waves_ok);
	if (g->wins != NULL)
		fclose(g->wins);
	fflush(stdout);
	if (g->o.linger) {
		/* Signals were unblocked for EAL; block them now and wait, not polling. */
		pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
		fprintf(stderr, "huntgen: lingering until SIGTERM\n");
		int sig;
		sigwait(&stop_set, &sig);
		/* huntd stopped first, and memif handles its going away on the
		 * EAL interrupt thread, in callbacks that may still run after
		 * the port is closed: rte_eal_cleanup() unmapping memory under
		 * one crashed huntgen here (core: its munmap beside a memif
		 * callback; 4 of 8 runs with every thread SCHED_IDLE, even after
		 * waiting for the link to go down). The process is exiting, so
		 * it leaves the memory to the kernel. */
	}
	rte_eth_dev_stop(g->port);
	rte_eth_dev_close(g->port);
	if (!g->o.linger)
		rte_eal_cleanup();
	return failures(g, waves_ok) ? 1 : 0;
}
