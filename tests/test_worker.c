/*
 * Proves the worker loop over real DPDK ports (net_ring, two queues, two
 * workers polled from this thread): ARP is answered; a request reaching the
 * worker that does not own its shard is handed over through the SPSC ring
 * and answered by the owner on the owner's TX queue; a full handoff ring
 * and a full TX ring are counted drops, exactly as many as did not fit; a
 * chained mbuf is dropped; malformed frames are counted by reason; waves
 * advance from the poll loop; replies waiting for the journal hold no mbuf
 * and leave in order once durable; and every received frame is accounted
 * for.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "helpers.h"
#include "journal.h"
#include "port.h"
#include "worker.h"

#define HZ 1000000ull
#define TX_RING_SIZE 64 /* small, to make TX_FULL reachable */

static struct hunt_config cfg;
static struct hunt_token_key key;
static struct rte_ring *rxr[2], *txr[2];
static struct rte_mempool *pool;
static struct hunt_worker *w[2];
static int stop;
static uint16_t port;
static uint32_t owner_of_hunt1;

static void
setup(void)
{
	/* --no-huge implies legacy memory, which --in-memory refuses: use a
	 * per-process prefix with no shared config instead. */
	static char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_worker_%d", (int)getpid());
	char *argv[] = {"test_worker", "-l", "0", "--no-huge", "-m", "128", "--no-shconf",
			prefix, "--no-pci", "--no-telemetry", "--log-level", "error"};
	cr_assert_geq(rte_eal_init(12, argv), 0, "EAL init");
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cfg, T_CONFIG, err), 0, "%s", err);
	cr_assert_eq(hunt_token_key_init(&key, 5), 0);
	pool = rte_pktmbuf_pool_create("t", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(pool);
	for (int i = 0; i < 2; i++) {
		char n[16];
		snprintf(n, sizeof(n), "rx%d", i);
		rxr[i] = rte_ring_create(n, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "tx%d", i);
		txr[i] = rte_ring_create(n, TX_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	int p = rte_eth_from_rings("hunt_ring", rxr, 2, txr, 2, 0);
	cr_assert_geq(p, 0);
	port = (uint16_t)p;
	char perr[256];
	struct hunt_server_cfg srv = cfg.server;
	cr_assert_eq(hunt_port_init(port, 2, &srv, pool, perr, sizeof(perr)), 0, "%s", perr);
	struct hunt_addr addr = {.ip_be = T_SERVER_IP, .base_port = 7000, .n_shards = 16};
	memcpy(addr.mac, t_server_mac, 6);
	cr_assert_eq(hunt_workers_create(w, 2, port, &addr, &stop, &cfg, &key, 0, HZ), 0);
	owner_of_hunt1 = hunt_shard_of_hunt(1, 16) % 2;
	hunt_worker_poll(w[0], 0); /* opens hunt 1's first wave where it is owned */
	hunt_worker_poll(w[1], 0);
}

static void
teardown(void)
{
	hunt_workers_free(w, 2);
	rte_eal_cleanup();
	char dir[128];
	snprintf(dir, sizeof(dir), "/var/run/dpdk/test_worker_%d", (int)getpid());
	rmdir(dir);
}

TestSuite(worker, .init = setup, .fini = teardown);

static void
inject(uint32_t queue, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	cr_assert_eq(rte_ring_enqueue(rxr[queue], m), 0);
}

static struct rte_mbuf *
take(uint32_t queue)
{
	void *m = NULL;
	if (rte_ring_dequeue(txr[queue], &m) != 0)
		return NULL;
	return m;
}

static uint32_t
join_frame(uint8_t *buf, uint32_t hunt, uint64_t player)
{
	uint8_t dg[80] = {0};
	t_hdr((struct hunt_hdr *)dg, HUNT_OP_JOIN, hunt, player, 0, sizeof(struct hunt_join_req));
	return t_frame(buf, (uint16_t)(7000 + hunt_shard_of_hunt(hunt, 16)), 40000, dg,
		       sizeof(struct hunt_hdr) + sizeof(struct hunt_join_req));
}

static uint64_t
drops(const struct hunt_worker *wk)
{
	uint64_t n = 0;
	for (int i = 0; i < HUNT_DROP_COUNT; i++)
		n += wk->ctr.drops[i];
	return n;
}

static void
assert_accounted(const struct hunt_worker *wk)
{
	const struct hunt_counters *c = &wk->ctr;
	cr_assert_eq(c->rx_pkts, drops(wk) - c->drops[HUNT_DROP_TX_FULL] + c->arp_replies +
					 c->error_replies + c->steered + c->handed_off,
		     "worker %u: every received frame has one outcome", wk->idx);
	cr_assert_eq(c->arp_replies + c->error_replies + c->steered + c->handed_in,
		     c->tx_pkts + c->drops[HUNT_DROP_TX_FULL]);
}

Test(worker, arp_is_answered)
{
	uint8_t buf[64] = {0};
	t_arp(buf, T_SERVER_IP, RTE_ARP_OP_REQUEST);
	inject(0, buf, 60);
	cr_assert_eq(hunt_worker_poll(w[0], 1), 1);
	struct rte_mbuf *m = take(0);
	cr_assert_not_null(m);
	cr_assert_eq(m->data_len, 42);
	const struct rte_arp_hdr *r = rte_pktmbuf_mtod_offset(m, void *, 14);
	cr_assert_eq(r->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	rte_pktmbuf_free(m);
	cr_assert_eq(w[0]->ctr.arp_replies, 1);
	assert_accounted(w[0]);
}

Test(worker, request_on_wrong_worker_is_handed_to_owner)
{
	uint32_t other = 1 - owner_of_hunt1;
	uint8_t buf[128];
	uint32_t len = join_frame(buf, 1, 42);
	inject(other, buf, len);
	cr_assert_eq(hunt_worker_poll(w[other], 1), 1);
	cr_assert_eq(w[other]->ctr.handed_off, 1);
	cr_assert_null(take(other), "the receiver does not answer");
	cr_assert_eq(hunt_worker_poll(w[owner_of_hunt1], 2), 1);
	cr_assert_eq(w[owner_of_hunt1]->ctr.handed_in, 1);
	struct rte_mbuf *m = take(owner_of_hunt1);
	cr_assert_not_null(m, "the owner answers on its own TX queue");
	cr_assert_eq(m->data_len, len, "JOIN reply as long as the request");
	const struct hunt_hdr *h = rte_pktmbuf_mtod_offset(m, void *, 42);
	cr_assert_eq(h->status, HUNT_STATUS_OK);
	cr_assert_eq(h->token, hunt_token(&key, 42, 1, T_CLIENT_IP, rte_cpu_to_be_16(40000)));
	rte_pktmbuf_free(m);
	/* The same request arriving at the owner is steered, not handed over. */
	inject(owner_of_hunt1, buf, len);
	hunt_worker_poll(w[owner_of_hunt1], 3);
	cr_assert_eq(w[owner_of_hunt1]->ctr.steered, 1);
	rte_pktmbuf_free(take(owner_of_hunt1));
	assert_accounted(w[0]);
	assert_accounted(w[1]);
}

Test(worker, full_handoff_ring_drops_exactly_the_excess)
{
	uint32_t other = 1 - owner_of_hunt1;
	uint8_t buf[128];
	uint32_t n = 1100;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = join_frame(buf, 1, 1000 + i);
		inject(other, buf, len);
	}
	while (hunt_worker_poll(w[other], 1) > 0)
		;
	uint32_t cap = (uint32_t)rte_ring_get_capacity(w[other]->ring_to[owner_of_hunt1]);
	cr_assert_eq(w[other]->ctr.handed_off, cap);
	cr_assert_eq(w[other]->ctr.drops[HUNT_DROP_HANDOFF_FULL], n - cap);
	assert_accounted(w[other]);
}

Test(worker, full_tx_ring_drops_after_bounded_retries)
{
	uint8_t buf[128];
	uint32_t n = 100;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = join_frame(buf, 1, 5000 + i);
		inject(owner_of_hunt1, buf, len);
	}
	struct hunt_worker *o = w[owner_of_hunt1];
	while (hunt_worker_poll(o, 1) > 0)
		;
	uint32_t cap = (uint32_t)rte_ring_get_capacity(txr[owner_of_hunt1]);
	cr_assert_eq(o->ctr.tx_pkts, cap);
	cr_assert_eq(o->ctr.drops[HUNT_DROP_TX_FULL], n - cap);
	cr_assert_gt(o->ctr.tx_retries, 0);
	cr_assert_leq(o->ctr.tx_retries, (n + 31) / 32 * HUNT_TX_RETRY_MAX);
	assert_accounted(o);
}

Test(worker, malformed_frames_and_chained_mbufs_are_counted)
{
	uint8_t buf[128];
	uint32_t len = join_frame(buf, 1, 7);
	inject(0, buf, 10);                     /* ETH_SHORT */
	buf[12] = 0x86, buf[13] = 0xdd;          /* IPv6 */
	inject(0, buf, len);
	len = join_frame(buf, 1, 7);
	buf[42] ^= 0xff;                         /* hunt magic */
	inject(0, buf, len);
	len = join_frame(buf, 1, 7);
	inject(0, buf, len - 1);                 /* IP length > frame */
	struct rte_mbuf *a = rte_pktmbuf_alloc(pool), *b = rte_pktmbuf_alloc(pool);
	len = join_frame(buf, 1, 7);
	memcpy(rte_pktmbuf_append(a, 40), buf, 40);
	memcpy(rte_pktmbuf_append(b, (uint16_t)(len - 40)), buf + 40, len - 40);
	cr_assert_eq(rte_pktmbuf_chain(a, b), 0);
	cr_assert_eq(rte_ring_enqueue(rxr[0], a), 0);
	cr_assert_eq(hunt_worker_poll(w[0], 1), 5);
	const uint64_t *d = w[0]->ctr.drops;
	cr_assert_eq(d[HUNT_DROP_ETH_SHORT], 1);
	cr_assert_eq(d[HUNT_DROP_ETH_TYPE], 1);
	cr_assert_eq(d[HUNT_DROP_HUNT_MAGIC], 1);
	cr_assert_eq(d[HUNT_DROP_IP_LENGTH], 1);
	cr_assert_eq(d[HUNT_DROP_MBUF_SEGMENTED], 1);
	cr_assert_eq(drops(w[0]), 5);
	cr_assert_null(take(0));
	assert_accounted(w[0]);
	cr_assert_eq(rte_mempool_in_use_count(pool), 0, "every dropped mbuf freed");
}

/* A fresh directory for a journal, and its removal. */
struct jdir {
	char path[32];
	int fd;
};

static void
jdir_make(struct jdir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/test_worker_jXXXXXX");
	cr_assert_not_null(mkdtemp(d->path));
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(d->fd, 0);
}

static void
jdir_remove(struct jdir *d)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->path);
	cr_assert_eq(system(cmd), 0);
	close(d->fd);
}

Test(worker, held_replies_keep_no_mbuf_and_leave_in_order_once_durable)
{
	uint32_t ow = hunt_shard_of_hunt(2, 16) % 2; /* hunt 2 takes 100 players */
	struct jdir dir;
	jdir_make(&dir);
	/* The group is not written before the clock reaches 1000: until then
	 * every JOIN reply waits for its record. */
	struct hunt_journal_cfg jc = {.dir_fd = dir.fd, .epoch = 1, .worker = ow,
				      .segment_bytes = 1u << 20, .group_bytes = 64u << 10,
				      .group_delay_tsc = 1000};
	static struct hunt_journal j;
	cr_assert_eq(hunt_journal_open(&j, &jc), 0);
	struct hunt_worker *o = w[ow];
	cr_assert_eq(hunt_worker_attach_journal(o, &j, 64), 0);
	uint8_t buf[128];
	uint32_t n = 20, len = 0;
	for (uint32_t i = 0; i < n; i++) {
		len = join_frame(buf, 2, 300 + i);
		inject(ow, buf, len);
	}
	cr_assert_eq(hunt_worker_poll(o, 10), n);
	cr_assert_eq(hunt_worker_held(o), n);
	cr_assert_null(take(ow), "nothing is acknowledged before it is durable");
	cr_assert_eq(rte_mempool_in_use_count(pool), 0, "a held reply keeps no mbuf");
	uint32_t got = 0;
	for (int tries = 0; got < n && tries < 5000; tries++) {
		hunt_worker_poll(o, 2000);
		struct rte_mbuf *m;
		while ((m = take(ow)) != NULL) {
			cr_assert_eq(m->data_len, len);
			const struct hunt_hdr *h = rte_pktmbuf_mtod_offset(m, void *, 42);
			cr_assert_eq(h->status, HUNT_STATUS_OK);
			cr_assert_eq(h->player_id, 300 + got, "in the order they were held");
			cr_assert_eq(h->token, hunt_token(&key, 300 + got, 2, T_CLIENT_IP,
							  rte_cpu_to_be_16(40000)));
			rte_pktmbuf_free(m);
			got++;
		}
		if (got < n)
			usleep(1000); /* the flush runs in the kernel */
	}
	cr_assert_eq(got, n, "every held reply went out once its record was durable");
	cr_assert_eq(hunt_worker_held(o), 0);
	cr_assert_eq(j.durable_seq, n, "one JOIN record each");
	assert_accounted(o);
	cr_assert_eq(hunt_journal_close(&j), 0);
	jdir_remove(&dir);
}

static int
fail_writes(void *ctx, enum hunt_jop op, int res)
{
	(void)ctx;
	return op == HUNT_JOP_WRITE ? -EIO : res;
}

/* Polls the owner of `queue` until a reply leaves it, or 5 s pass. */
static struct rte_mbuf *
poll_for_reply(struct hunt_worker *o, uint32_t queue, uint64_t now)
{
	for (int tries = 0; tries < 5000; tries++) {
		hunt_worker_poll(o, now);
		struct rte_mbuf *m = take(queue);
		if (m != NULL)
			return m;
		usleep(1000); /* the flush runs in the kernel */
	}
	return NULL;
}

static uint8_t
reply_status(struct rte_mbuf *m)
{
	cr_assert_not_null(m, "a reply left");
	uint8_t s = rte_pktmbuf_mtod_offset(m, const struct hunt_hdr *, 42)->status;
	rte_pktmbuf_free(m);
	return s;
}

/* A full or failed journal refuses only what would change state: a request
 * whose answer is decided and durable is answered, and one whose answer the
 * failed journal will never make durable gets RETRY_LATER, not silence. */
Test(worker, a_failed_journal_answers_what_is_durable_and_refuses_the_rest)
{
	uint32_t ow = hunt_shard_of_hunt(2, 16) % 2;
	struct jdir dir;
	jdir_make(&dir);
	struct hunt_journal_cfg jc = {.dir_fd = dir.fd, .epoch = 1, .worker = ow,
				      .segment_bytes = 1u << 20, .group_bytes = 64u << 10};
	static struct hunt_journal j;
	cr_assert_eq(hunt_journal_open(&j, &jc), 0);
	struct hunt_worker *o = w[ow];
	cr_assert_eq(hunt_worker_attach_journal(o, &j, 64), 0);
	uint8_t buf[128];
	uint32_t len = join_frame(buf, 2, 300);
	inject(ow, buf, len);
	cr_assert_eq(reply_status(poll_for_reply(o, ow, 10)), HUNT_STATUS_OK);
	cr_assert_eq(j.durable_seq, 1);

	j.fault = fail_writes;
	len = join_frame(buf, 2, 301); /* its record's write fails */
	inject(ow, buf, len);
	for (int tries = 0; j.error == 0 && tries < 5000; tries++) {
		hunt_worker_poll(o, 20);
		usleep(1000);
	}
	cr_assert_eq(j.error, -EIO);
	cr_assert_null(take(ow), "the JOIN of the failed group is never acknowledged");

	inject(ow, buf, len); /* its retransmit */
	cr_assert_eq(reply_status(poll_for_reply(o, ow, 30)), HUNT_STATUS_RETRY_LATER);
	len = join_frame(buf, 2, 300); /* a rejoin of a durable member */
	inject(ow, buf, len);
	cr_assert_eq(reply_status(poll_for_reply(o, ow, 40)), HUNT_STATUS_OK);
	len = join_frame(buf, 2, 302); /* a new member needs a record */
	inject(ow, buf, len);
	cr_assert_eq(reply_status(poll_for_reply(o, ow, 50)), HUNT_STATUS_RETRY_LATER);
	cr_assert_eq(j.durable_seq, 1, "nothing after the failure became durable");
	cr_assert_eq(hunt_worker_held(o), 1, "only the failed group's JOIN is held");
	hunt_journal_close(&j);
	jdir_remove(&dir);
}

Test(worker, waves_advance_from_the_poll_loop)
{
	struct hunt_state *h = hunt_table_find(&w[owner_of_hunt1]->engine.hunts, 1);
	cr_assert_not_null(h);
	cr_assert_eq(h->state, HUNT_WAVE_OPEN);
	hunt_worker_poll(w[owner_of_hunt1], 1000000); /* 1 s: deadline */
	cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN);
	hunt_worker_poll(w[owner_of_hunt1], 1100000);
	cr_assert_eq(h->state, HUNT_WAVE_OPEN);
	cr_assert_eq(h->wave_id, 2);
}

Test(worker, stop_flag_ends_the_loop)
{
	stop = 1;
	cr_assert_eq(hunt_worker_main(w[0]), 0);
}
