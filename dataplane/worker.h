/*
 * A worker lcore: it polls its own RX queue, checks every frame, handles the
 * requests whose shard it owns, hands the others to their owner over an SPSC
 * ring, and transmits on its own TX queue. struct hunt_worker is everything
 * one worker touches; it is passed in, never found through rte_lcore_id().
 *
 * Threads: the worker is the only writer of everything in its struct after
 * launch. Telemetry (another thread) reads counters and wave state without
 * locks; 64-bit aligned loads do not tear on x86-64 or aarch64, so a reader
 * sees each counter at some recent value (sums across counters can be a
 * burst apart). `stop` is written by the control thread (release) and read
 * by the worker (relaxed, once per loop).
 */
#ifndef HUNT_WORKER_H
#define HUNT_WORKER_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "frame.h"
#include "hunt/hist.h"
#include "hunt/limits.h"
#include "journal.h"
#include "leaderboard.h"
#include "request.h"

struct hunt_counters {
	uint64_t rx_pkts;      /* frames received from the port */
	uint64_t rx_bursts;    /* non-empty rx bursts */
	uint64_t tx_pkts;      /* frames the port accepted */
	uint64_t arp_replies;
	uint64_t error_replies; /* header-only errors sent by the receiver */
	uint64_t steered;      /* valid requests received by their owner */
	uint64_t handed_off;   /* valid requests sent to their owner */
	uint64_t handed_in;    /* requests received from other workers */
	uint64_t tx_retries;
	uint64_t held;         /* replies held until their record was durable */
	uint64_t yields;       /* idle polls that yielded to a journal flush */
	uint64_t idle_waits;   /* of those, the ones that slept until it completed */
	uint64_t busy_cycles;  /* TSC spent on non-empty polls */
	uint64_t busy_pkts;    /* frames taken in by those polls */
	uint64_t drops[HUNT_DROP_COUNT];
};

/* Reply frames up to this long are held as a copy (every reply the
 * journal holds is: WON and TAKEN are 106 bytes). */
#define HUNT_HELD_FRAME_MAX 166u

/* A reply waiting for the journal: sent once durable_seq >= seq. Its frame
 * is copied here and its mbuf freed at once, so mbufs never wait for a
 * flush (held_max is larger than the pool: a slow flush could pin every
 * mbuf) and RX reuses warm ones; measured, median server cycles per durable
 * win 1,099 -> 1,034 (docs/benchmarks.md, 2026-11-30, later). */
struct hunt_held {
	uint64_t seq;
	uint64_t tsc;       /* when it was held (0: put back after a full TX ring) */
	struct rte_mbuf *m; /* the frame's mbuf if it is not copied below */
	uint16_t len;       /* frame bytes */
	uint8_t frame[HUNT_HELD_FRAME_MAX];
};
_Static_assert(sizeof(struct hunt_held) == 192, "a held reply is three cache lines");

/* Where a worker's time goes, for huntctl latency (log-linear histograms
 * in TSC cycles; written by the worker, read racily by the control thread). */
struct hunt_latency {
	struct hist held;     /* reply held for the journal: held to released */
	struct hist op;       /* cycles per request in each poll that found work */
	struct hist rx_tx;    /* cycles from the RX burst to the end of the TX burst,
			       * each poll that found work: what a request not held
			       * for the journal spends in huntd once taken */
	struct hist poll;     /* cycles of the whole poll (journal reaping and
			       * submitting, timers, commands too): the longest a
			       * request can wait in the RX ring for the next burst */
};

struct hunt_worker {
	uint32_t idx;
	uint32_t n_workers;
	uint16_t port_id;
	uint16_t queue_id;
	struct hunt_addr addr;
	const int *stop;
	struct rte_ring *ring_to[HUNT_WORKERS_MAX];   /* me -> peer (SP) */
	struct rte_ring *ring_from[HUNT_WORKERS_MAX]; /* peer -> me (SC) */
	struct rte_ring *cmds;                        /* control thread -> me (command.h) */
	struct hunt_engine engine;
	struct hunt_journal *jnl;   /* NULL: no journal, nothing is held */
	struct hunt_held *held;     /* FIFO of replies waiting for jnl */
	struct rte_mempool *held_pool; /* where a copied reply's mbuf comes from */
	uint32_t held_mask, held_head, held_tail;
	int jnl_failure_logged;
	int yield_when_flushing;    /* [journal] yield_when_flushing */
	uint32_t idle_wait_us;      /* [journal] idle_wait_us, and in TSC cycles: */
	uint64_t idle_wait_tsc;
	uint64_t last_work_tsc;     /* start of the last poll that found work */
	int reflect;                /* huntd --reflect: frame checks and address swap
				     * only (perf/bench's measure of the rig) */
	uint64_t last_rx_tx;        /* the last poll's RX-to-TX cycles */
	struct hunt_counters ctr __rte_cache_aligned;
	struct hunt_latency lat __rte_cache_aligned;
	struct hunt_lb lb;          /* coins from durable wins (with a journal) */
} __rte_cache_aligned;

/*
 * Allocates n workers for port_id (queue i for worker i), each with its
 * engine, and the SPSC handoff ring between every ordered pair. Start-up
 * only. Returns 0 or a negative errno; on error what was made is freed.
 */
int hunt_workers_create(struct hunt_worker **w, uint32_t n, uint16_t port_id,
			const struct hunt_addr *addr, const int *stop,
			const struct hunt_config *cfg,
			const struct hunt_token_key *key, uint64_t now,
			uint64_t hz);
void hunt_workers_free(struct hunt_worker **w, uint32_t n);

/*
 * Makes jnl the worker's journal: every state change is appended to it, and
 * a reply that depends on a record leaves only once the record is durable,
 * from a FIFO of held_max (a power of two) replies. While the FIFO or the
 * journal is full, JOIN, CLAIM and WAVE_STATE get RETRY_LATER. 0 or -ENOMEM.
 */
int hunt_worker_attach_journal(struct hunt_worker *w, struct hunt_journal *jnl,
			       uint32_t held_max);

/* Replies still held (for telemetry and shutdown). */
static inline uint32_t
hunt_worker_held(const struct hunt_worker *w)
{
	return w->held_tail - w->held_head;
}

/* lcore entry point; arg is the struct hunt_worker. Returns 0. */
int hunt_worker_main(void *arg);

/* One poll of the worker's queue and rings at time now; returns frames
 * taken in (from the port and from peers). The loop calls this; tests may call it directly. */
unsigned hunt_worker_poll(struct hunt_worker *w, uint64_t now);

/* Counts a drop; every drop goes through here. */
static inline void
hunt_worker_drop(struct hunt_worker *w, struct rte_mbuf *m, enum hunt_drop d)
{
	w->ctr.drops[d]++;
	rte_pktmbuf_free(m);
}

#endif
