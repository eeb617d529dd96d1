/*
 * The worker loop. Per poll: reap the journal's completions and release
 * the replies that became durable, fire due wave events (one compare when
 * none is due), drain the handoff rings from peers, take one RX burst,
 * check all of it (prefetching the next frames, and the table slot of each
 * request this worker owns), flush handoffs, handle the owned requests,
 * transmit once, and let the journal submit a group if one is due. A full
 * TX ring is retried HUNT_TX_RETRY_MAX times, then the rest is dropped and
 * counted, so the loop never stalls.
 */
#include "worker.h"

#include "command.h"

#include <assert.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_udp.h>
#include <rte_prefetch.h>

#include "hunt/proto.h"
#include "hunt/shard.h"

/* Held replies released per poll, at most: a TX ring takes ~1024 frames,
 * and a flush can make thousands durable at once. */
#define HELD_RELEASE_MAX 256u

struct burst {
	struct rte_mbuf *tx[HELD_RELEASE_MAX + HUNT_BURST_MAX + HUNT_WORKERS_MAX * HUNT_BURST_MAX];
	uint32_t n_tx;
	uint32_t n_released; /* b->tx[0 .. n_released) came from the held FIFO */
	struct rte_mbuf *to[HUNT_WORKERS_MAX][HUNT_BURST_MAX];
	uint32_t n_to[HUNT_WORKERS_MAX];
	/* Checked requests this worker owns, handled after the whole RX burst
	 * is checked and their table slots prefetched. */
	struct rte_mbuf *mine[HUNT_BURST_MAX];
	struct hunt_frame mine_f[HUNT_BURST_MAX];
	uint32_t n_mine;
};

static void
queue_tx(struct burst *b, struct rte_mbuf *m, uint32_t frame_len)
{
	assert(b->n_tx < RTE_DIM(b->tx));
	m->data_len = (uint16_t)frame_len;
	m->pkt_len = frame_len;
	b->tx[b->n_tx++] = m;
}

static int
held_full(const struct hunt_worker *w)
{
	return hunt_worker_held(w) > w->held_mask;
}

/* Answers the request in m RETRY_LATER, in place, and counts it. */
static void
reply_retry_later(struct hunt_worker *w, struct burst *b, struct rte_mbuf *m, uint8_t *frame)
{
	w->engine.status[HUNT_STATUS_RETRY_LATER]++;
	uint16_t len = hunt_request_reply_error(frame + HUNT_FRAME_HDR_BYTES, HUNT_STATUS_RETRY_LATER);
	queue_tx(b, m, hunt_frame_udp_reply(frame, &w->addr, len));
}

/* Handles a checked request that this worker owns; replies in place, at
 * once or, if the reply depends on a record not yet durable, when it is. */
static void
handle_owned(struct hunt_worker *w, struct burst *b, struct rte_mbuf *m,
	     const struct hunt_frame *f, uint64_t now)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *dgram = frame + HUNT_FRAME_HDR_BYTES;
	uint32_t room = (uint32_t)(m->buf_len - m->data_off) - HUNT_FRAME_HDR_BYTES;
	uint8_t op = ((const struct hunt_hdr *)dgram)->op;
	uint16_t len;
	if (w->jnl != NULL && held_full(w) && op != HUNT_OP_DIG && op != HUNT_OP_ENTER) {
		w->engine.ops[op]++;
		return reply_retry_later(w, b, m, frame);
	}
	len = hunt_request_handle(&w->engine, dgram, room, f->src_ip_be, f->src_port_be, now);
	if (w->jnl != NULL && w->jnl->error != 0 && w->engine.dep_seq > w->engine.durable_seq) {
		/* It depends on a record the failed journal will never make
		 * durable: nothing new was appended (no room), so say so
		 * rather than hold it for ever. A restart recovers the durable
		 * part, and the retry is answered from that. */
		w->engine.status[((const struct hunt_hdr *)dgram)->status]--;
		return reply_retry_later(w, b, m, frame);
	}
	uint32_t frame_len = hunt_frame_udp_reply(frame, &w->addr, len);
	if (w->jnl == NULL || w->engine.dep_seq <= w->engine.durable_seq)
		return queue_tx(b, m, frame_len);
	assert(!held_full(w) || op == HUNT_OP_DIG || op == HUNT_OP_ENTER);
	struct hunt_held *hd = &w->held[w->held_tail++ & w->held_mask];
	hd->seq = w->engine.dep_seq;
	hd->tsc = now;
	hd->len = (uint16_t)frame_len;
	w->ctr.held++;
	if (frame_len <= HUNT_HELD_FRAME_MAX) {
		memcpy(hd->frame, frame, frame_len);
		hd->m = NULL;
		w->held_pool = m->pool;
		rte_pktmbuf_free(m);
		return;
	}
	m->data_len = (uint16_t)frame_len;
	m->pkt_len = frame_len;
	hd->m = m;
}

/* Puts the held replies whose records are now durable at the front of
 * this poll's TX batch, in order, at most HELD_RELEASE_MAX. */
static void
release_held(struct hunt_worker *w, struct burst *b, uint64_t now)
{
	assert(b->n_tx == 0);
	uint64_t durable = w->engine.durable_seq;
	while (b->n_tx < HELD_RELEASE_MAX && w->held_head != w->held_tail) {
		struct hunt_held *hd = &w->held[w->held_head & w->held_mask];
		if (hd->seq > durable)
			break;
		struct rte_mbuf *m = hd->m;
		if (m == NULL) { /* a copied frame: into a fresh (warm) mbuf */
			m = rte_pktmbuf_alloc(w->held_pool);
			if (m == NULL)
				break; /* the pool is empty for now: the next poll */
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), hd->frame, hd->len);
			m->data_len = hd->len;
			m->pkt_len = hd->len;
		}
		b->tx[b->n_tx++] = m;
		if (hd->tsc != 0)
			hist_add(&w->lat.held, now - hd->tsc);
		w->held_head++;
	}
	b->n_released = b->n_tx;
}

/* Released replies the TX ring did not take go back to the front of the
 * held FIFO (they are durable, and a drop would cost a client retransmit);
 * returns how many of the batch's unsent frames it took back. */
static uint32_t
unrelease(struct hunt_worker *w, struct burst *b, uint32_t sent)
{
	uint32_t back = 0;
	for (uint32_t i = b->n_released; i > sent && hunt_worker_held(w) <= w->held_mask; i--) {
		w->held_head--;
		struct hunt_held *hd = &w->held[w->held_head & w->held_mask];
		hd->m = b->tx[i - 1];
		hd->seq = 0;
		hd->tsc = 0;
		back++;
	}
	return back;
}

static void
journal_poll(struct hunt_worker *w, struct burst *b, uint64_t now)
{
	hunt_journal_poll(w->jnl, now);
	w->engine.durable_seq = w->jnl->durable_seq;
	release_held(w, b, now);
	if (w->jnl->error != 0 && !w->jnl_failure_logged) {
		w->jnl_failure_logged = 1; /* once, not per packet */
		RTE_LOG(ERR, USER1,
			"huntd: worker %u: journal failed (%s): nothing more is acknowledged\n",
			w->idx, strerror(-w->jnl->error));
	}
}

static void
process(struct hunt_worker *w, struct burst *b, struct rte_mbuf *m, uint64_t now)
{
	if (m->nb_segs != 1)
		return hunt_worker_drop(w, m, HUNT_DROP_MBUF_SEGMENTED);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct hunt_frame f;
	switch (hunt_frame_parse(frame, m->data_len, m->ol_flags, &w->addr, &f)) {
	case HUNT_FRAME_DROP:
		return hunt_worker_drop(w, m, f.drop);
	case HUNT_FRAME_ARP:
		w->ctr.arp_replies++;
		return queue_tx(b, m, hunt_frame_arp_reply(frame, &w->addr));
	case HUNT_FRAME_UDP:
		break;
	}
	uint8_t *dgram = frame + HUNT_FRAME_HDR_BYTES;
	if (w->reflect) { /* the datagram back as a reply, not looked at further */
		if (f.dgram_len >= sizeof(struct hunt_hdr))
			((struct hunt_hdr *)dgram)->flags |= HUNT_FLAG_REPLY;
		w->ctr.steered++;
		return queue_tx(b, m, hunt_frame_udp_reply(frame, &w->addr, f.dgram_len));
	}
	struct hunt_verdict v;
	hunt_request_check(dgram, f.dgram_len, f.src_ip_be, f.src_port_be,
			   w->engine.key, w->addr.n_shards, &v);
	if (v.kind == HUNT_VERDICT_DROP)
		return hunt_worker_drop(w, m, v.drop);
	if (v.kind == HUNT_VERDICT_REPLY) {
		w->ctr.error_replies++;
		w->engine.status[v.status]++;
		uint16_t len = hunt_request_reply_error(dgram, v.status);
		return queue_tx(b, m, hunt_frame_udp_reply(frame, &w->addr, len));
	}
	uint32_t owner = hunt_owner_of_shard(v.shard, w->n_workers);
	if (owner == w->idx) {
		w->ctr.steered++;
		hunt_request_prefetch(&w->engine, dgram);
		b->mine_f[b->n_mine] = f;
		b->mine[b->n_mine++] = m;
		return;
	}
	assert(b->n_to[owner] < HUNT_BURST_MAX);
	b->to[owner][b->n_to[owner]++] = m;
}

/* Requests from peers were checked by the receiver: only the addresses are
 * needed again, at fixed offsets (no IP options were accepted). */
static void
peek_addrs(struct rte_mbuf *m, struct hunt_frame *f)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
	const struct rte_udp_hdr *udp = (const void *)(ip + 1);
	f->src_ip_be = ip->src_addr;
	f->src_port_be = udp->src_port;
}

static unsigned
drain_peers(struct hunt_worker *w, struct burst *b, uint64_t now)
{
	unsigned total = 0;
	for (uint32_t p = 0; p < w->n_workers; p++) {
		if (w->ring_from[p] == NULL)
			continue;
		struct rte_mbuf *in[HUNT_BURST_MAX];
		unsigned n = rte_ring_sc_dequeue_burst(w->ring_from[p], (void **)in,
						       HUNT_BURST_MAX, NULL);
		for (unsigned i = 0; i < n; i++)
			hunt_request_prefetch(&w->engine, rte_pktmbuf_mtod_offset(
						  in[i], const uint8_t *, HUNT_FRAME_HDR_BYTES));
		for (unsigned i = 0; i < n; i++) {
			struct hunt_frame f;
			peek_addrs(in[i], &f);
			handle_owned(w, b, in[i], &f, now);
		}
		w->ctr.handed_in += n;
		total += n;
	}
	return total;
}

static void
flush_handoffs(struct hunt_worker *w, struct burst *b)
{
	for (uint32_t p = 0; p < w->n_workers; p++) {
		uint32_t n = b->n_to[p];
		if (n == 0)
			continue;
		unsigned sent = rte_ring_sp_enqueue_burst(w->ring_to[p],
							  (void **)b->to[p], n, NULL);
		w->ctr.handed_off += sent;
		for (uint32_t i = sent; i < n; i++)
			hunt_worker_drop(w, b->to[p][i], HUNT_DROP_HANDOFF_FULL);
		b->n_to[p] = 0;
	}
}

static void
flush_tx(struct hunt_worker *w, struct burst *b)
{
	uint32_t sent = 0;
	for (uint32_t tries = 0; sent < b->n_tx && tries <= HUNT_TX_RETRY_MAX; tries++) {
		if (tries > 0)
			w->ctr.tx_retries++;
		sent += rte_eth_tx_burst(w->port_id, w->queue_id, b->tx + sent,
					 (uint16_t)(b->n_tx - sent));
	}
	w->ctr.tx_pkts += sent;
	uint32_t from = sent;
	if (sent < b->n_released) {
		/* Put back what it could, from the end, so order is kept. */
		uint32_t back = unrelease(w, b, sent);
		for (uint32_t i = sent; i < b->n_released - back; i++)
			hunt_worker_drop(w, b->tx[i], HUNT_DROP_TX_FULL);
		from = b->n_released;
	}
	for (uint32_t i = from; i < b->n_tx; i++)
		hunt_worker_drop(w, b->tx[i], HUNT_DROP_TX_FULL);
	b->n_tx = 0;
	b->n_released = 0;
}

void
hunt_cmd_describe(struct hunt_cmd_hunt *o, const struct hunt_state *h, uint32_t worker)
{
	const struct hunt_hunt_cfg *c = h->cfg;
	*o = (struct hunt_cmd_hunt){
		.id = c->id, .worker = worker, .wave_id = h->wave_id, .state = h->state,
		.n_won = h->n_won, .clues = c->clues_per_wave, .members = h->n_members,
		.max_players = c->max_players, .wave_duration_ms = c->wave_duration_ms,
		.cooldown_ms = c->cooldown_ms, .waves = c->waves, .event_wall_ms = h->event_wall_ms,
		.state_seq = h->state_seq, .opened = h->waves_opened,
		.closed_all_won = h->waves_closed_all_won,
		.closed_deadline = h->waves_closed_deadline};
}

static void
apply_command(struct hunt_worker *w, struct hunt_cmd *c, uint64_t now)
{
	struct hunt_table *t = &w->engine.hunts;
	struct hunt_state *h;
	c->rc = 0;
	switch (c->op) {
	case HUNT_CMD_WAVE:
		c->rc = hunt_wave_command(t, c->hunt_id, c->wave_cmd, c->wave, now, &c->seq);
		if ((h = hunt_table_find(t, c->hunt_id)) != NULL)
			hunt_cmd_describe(&c->hunt, h, w->idx);
		break;
	case HUNT_CMD_HUNT:
		if ((h = hunt_table_find(t, c->hunt_id)) != NULL)
			hunt_cmd_describe(&c->hunt, h, w->idx);
		else
			c->rc = -ENOENT;
		break;
	case HUNT_CMD_TOP:
		c->n_top = w->lb.n_top;
		memcpy(c->top, w->lb.top, sizeof(c->top));
		c->lb_wins = w->lb.wins;
		break;
	case HUNT_CMD_PLAYER:
		c->n_member_of = 0;
		for (uint32_t i = 0; c->member_of != NULL && i < t->n_hunts &&
				     c->n_member_of < HUNT_CMD_PLAYER_HUNTS_MAX;
		     i++) {
			const struct hunt_member *m = hunt_member_find(&t->hunts[i], c->player_id);
			if (m != NULL)
				c->member_of[c->n_member_of++] = (struct hunt_cmd_membership){
					.hunt_id = t->hunts[i].cfg->id, .wins = m->wins, .coins = m->coins};
		}
		break;
	default:
		c->rc = -EINVAL;
	}
}

/* Between bursts: a few commands from the control thread (command.h). */
static void
apply_commands(struct hunt_worker *w, uint64_t now)
{
	void *cmds[HUNT_CMDS_PER_POLL];
	unsigned n = rte_ring_sc_dequeue_burst(w->cmds, cmds, HUNT_CMDS_PER_POLL, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct hunt_cmd *c = cmds[i];
		apply_command(w, c, now);
		__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	}
}

unsigned
hunt_worker_poll(struct hunt_worker *w, uint64_t now)
{
	struct burst b;
	b.n_tx = 0;
	b.n_released = 0;
	b.n_mine = 0;
	for (uint32_t p = 0; p < w->n_workers; p++)
		b.n_to[p] = 0;
	if (w->jnl != NULL)
		journal_poll(w, &b, now);
	apply_commands(w, now);
	if (now >= hunt_table_next_event(&w->engine.hunts))
		hunt_table_advance(&w->engine.hunts, now);
	uint64_t rx_tsc = rte_rdtsc();
	unsigned done = drain_peers(w, &b, now);
	struct rte_mbuf *rx[HUNT_BURST_MAX];
	uint16_t n = rte_eth_rx_burst(w->port_id, w->queue_id, rx, HUNT_BURST_MAX);
	if (n > 0) {
		w->ctr.rx_pkts += n;
		w->ctr.rx_bursts++;
		for (uint16_t i = 0; i < n && i < 4; i++)
			rte_prefetch0(rte_pktmbuf_mtod(rx[i], void *));
		for (uint16_t i = 0; i < n; i++) {
			if (i + 4 < n)
				rte_prefetch0(rte_pktmbuf_mtod(rx[i + 4], void *));
			process(w, &b, rx[i], now);
		}
		flush_handoffs(w, &b);
		for (uint32_t i = 0; i < b.n_mine; i++)
			handle_owned(w, &b, b.mine[i], &b.mine_f[i], now);
	}
	done += n;
	if (b.n_tx > 0)
		flush_tx(w, &b);
	w->last_rx_tx = rte_rdtsc() - rx_tsc;
	if (w->jnl != NULL)
		hunt_journal_poll(w->jnl, now); /* submit what this poll appended */
	return done;
}

int
hunt_worker_main(void *arg)
{
	struct hunt_worker *w = arg;
	assert(w != NULL && w->idx < w->n_workers);
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		uint64_t start = rte_rdtsc();
		unsigned n = hunt_worker_poll(w, start);
		if (n > 0) {
			w->last_work_tsc = start;
			uint64_t cycles = rte_rdtsc() - start;
			w->ctr.busy_cycles += cycles;
			w->ctr.busy_pkts += n;
			hist_add(&w->lat.op, cycles / n);
			hist_add(&w->lat.rx_tx, w->last_rx_tx);
			hist_add(&w->lat.poll, cycles);
		} else if (w->yield_when_flushing && w->jnl != NULL && w->jnl->inflight) {
			/* The kernel work completing the flush may share this core;
			 * without a yield it waits for the scheduler to preempt this
			 * loop (measured: WON p99 2.1 ms against 0.21 ms;
			 * docs/benchmarks.md). Only idle polls yield. A yield is not
			 * always enough: a runnable kblockd worker was seen waiting
			 * 4 ms behind a yielding poller (2026-12-04 trace). So once
			 * no request has come for idle_wait_us, the worker sleeps
			 * on the flush's completion instead, which wakes it, for
			 * at most idle_wait_us. (A fixed 1 us sleep was tried
			 * earlier: no better, and a reply then took over 6 s in the
			 * crash loop, the direct-I/O stall of docs/journal.md.) */
			w->ctr.yields++;
			if (w->idle_wait_tsc != 0 && start - w->last_work_tsc >= w->idle_wait_tsc &&
			    hunt_journal_wait(w->jnl, w->idle_wait_us))
				w->ctr.idle_waits++;
			else
				sched_yield();
		}
	}
	return 0;
}

int
hunt_workers_create(struct hunt_worker **w, uint32_t n, uint16_t port_id,
		    const struct hunt_addr *addr, const int *stop,
		    const struct hunt_config *cfg, const struct hunt_token_key *key,
		    uint64_t now, uint64_t hz)
{
	assert(n > 0 && n <= HUNT_WORKERS_MAX);
	memset(w, 0, n * sizeof(*w));
	for (uint32_t i = 0; i < n; i++) {
		w[i] = rte_zmalloc("hunt_worker", sizeof(*w[i]), RTE_CACHE_LINE_SIZE);
		if (w[i] == NULL) {
			hunt_workers_free(w, n);
			return -ENOMEM;
		}
		*w[i] = (struct hunt_worker){.idx = i, .n_workers = n, .port_id = port_id,
					     .queue_id = (uint16_t)i, .addr = *addr, .stop = stop};
		int rc = hunt_engine_init(&w[i]->engine, cfg, key, i, n, now, hz);
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "cmd_%u_%u", port_id, i);
		w[i]->cmds = rc == 0 ? rte_ring_create(name, HUNT_CMD_RING_SIZE, rte_socket_id(),
						       RING_F_SP_ENQ | RING_F_SC_DEQ)
				     : NULL;
		if (rc == 0 && w[i]->cmds == NULL)
			rc = -rte_errno;
		if (rc != 0) {
			hunt_workers_free(w, n);
			return rc;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < n; j++) {
			if (i == j)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "hand_%u_%u_%u", port_id, i, j);
			struct rte_ring *r = rte_ring_create(name, HUNT_HANDOFF_RING_SIZE,
							     rte_socket_id(),
							     RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL) {
				int rc = -rte_errno;
				hunt_workers_free(w, n);
				return rc;
			}
			w[i]->ring_to[j] = r;
			w[j]->ring_from[i] = r;
		}
	return 0;
}

static uint64_t
sink_emit(void *ctx, uint8_t type, uint32_t hunt_id, const void *payload, uint16_t len,
	  uint64_t now)
{
	return hunt_journal_append(ctx, type, hunt_id, payload, len, now);
}

static int
sink_room(void *ctx, uint32_t n_records)
{
	return hunt_journal_room(ctx, n_records * HUNT_REC_MAX_BYTES);
}

/* A group is durable: its wins count on the leaderboard and become
 * events. */
static void
on_durable(void *ctx, const uint8_t *records, uint32_t bytes)
{
	struct hunt_worker *w = ctx;
	hunt_lb_durable(&w->lb, records, bytes);
	hunt_table_durable(&w->engine.hunts, w->jnl->cfg.epoch, records, bytes);
}

int
hunt_worker_attach_journal(struct hunt_worker *w, struct hunt_journal *jnl, uint32_t held_max)
{
	assert(held_max > 0 && (held_max & (held_max - 1)) == 0);
	w->held = rte_zmalloc("hunt_held", held_max * sizeof(*w->held), RTE_CACHE_LINE_SIZE);
	if (w->held == NULL)
		return -ENOMEM;
	w->held_mask = held_max - 1;
	w->jnl = jnl;
	w->engine.hunts.sink = (struct hunt_sink){.emit = sink_emit, .room = sink_room, .ctx = jnl};
	/* The leaderboard: what recovery rebuilt, then every durable win. */
	const struct hunt_table *t = &w->engine.hunts;
	uint32_t players = 0;
	for (uint32_t i = 0; i < t->n_hunts; i++)
		players += t->hunts[i].cfg->max_players;
	if (hunt_lb_init(&w->lb, players) != 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n_hunts; i++) {
		const struct hunt_state *h = &t->hunts[i];
		for (uint32_t k = 0; k <= h->members_mask; k++)
			hunt_lb_add(&w->lb, h->members[k].player_id, h->members[k].coins);
	}
	jnl->on_durable = on_durable;
	jnl->durable_ctx = w;
	w->engine.lb = &w->lb;
	return 0;
}

void
hunt_workers_free(struct hunt_worker **w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (w[i] == NULL)
			continue;
		while (w[i]->held != NULL && w[i]->held_head != w[i]->held_tail)
			rte_pktmbuf_free(w[i]->held[w[i]->held_head++ & w[i]->held_mask].m); /* NULL: a copy */
		rte_free(w[i]->held);
		for (uint32_t j = 0; j < n; j++)
			rte_ring_free(w[i]->ring_to[j]);
		rte_ring_free(w[i]->cmds);
		hunt_lb_free(&w[i]->lb);
		hunt_engine_free(&w[i]->engine);
		rte_free(w[i]);
		w[i] = NULL;
	}
}
