/*
 * opbench: huntd's per-packet path on one core without a port, for counting
 * what an op costs (perf/bench, and scripts/test's instruction check).
 *
 *   opbench --config FILE [--mix D:E:W:C] [--ops N] [--hunters-per-clue H]
 *   opbench --config FILE --memory
 *
 * It builds one worker's engine from the config (it owns every hunt and
 * tile), JOINs H hunters per clue, then feeds N requests of the mix (DIG,
 * ENTER, WAVE_STATE, CLAIM weights; claims 30% wrong, the rest right answers
 * to the hunter's clue of the open wave) through exactly what a worker runs
 * per frame: hunt_frame_parse, hunt_request_check, hunt_request_handle and
 * hunt_frame_udp_reply, in bursts of 32 with the wave timers between bursts.
 * Frames are generated before each burst, outside process_burst(): run it
 * under `valgrind --tool=callgrind --toggle-collect=process_burst` and Ir /
 * ops is the server's instructions per op, repeatable to the instruction.
 * Natively it prints cycles per op (TSC). The journal is left out (no
 * io_uring under valgrind): a WON is decided and replied, not journaled.
 *
 * --memory measures, from the allocator's own counts (mallinfo2), the bytes
 * one more clue, player, loot tile and building costs, and what one
 * 1,000,000-player hunt (seed 002) needs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "config.h"
#include "frame.h"
#include "leaderboard.h"
#include "request.h"
#include "hunt/shard.h"

#define BURST 32u
#define FRAME_BYTES 1024u /* room for the longest reply, like an mbuf */
#define GEN_HZ 1000000000ull /* `now` in ns */
#define NS_PER_OP 100u       /* the simulated clock's step */

static const uint8_t server_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t client_mac[6] = {0x02, 0, 0, 0, 0, 2};
#define CLIENT_IP RTE_BE32(0xc6120002) /* 198.18.0.2 */

struct bench {
	struct hunt_config *cfg;
	struct hunt_token_key key;
	struct hunt_engine e;
	struct hunt_addr me;
	uint32_t mix[HUNT_OP_COUNT];
	uint32_t hpc;
	uint64_t rng, now;
	uint64_t replies[HUNT_STATUS_COUNT];
	uint8_t frames[BURST][FRAME_BYTES];
	uint16_t lens[BURST];
};

static uint64_t
rnd(struct bench *b)
{
	b->rng += 0x9e3779b97f4a7c15ull;
	return hunt_mix64(b->rng);
}

/* Hunter j of hunt i: player id and source port, as huntgen numbers them. */
static uint64_t
player_of(const struct hunt_hunt_cfg *hc, uint32_t j)
{
	return ((uint64_t)hc->id << 32) | (j + 1);
}

static uint16_t
port_of(uint32_t j)
{
	return (uint16_t)(20000 + j % 40000);
}

static uint16_t
build(struct bench *b, uint8_t *f, uint8_t op, const struct hunt_hunt_cfg *hc, uint32_t j,
      const void *body, uint16_t body_len, uint32_t shard)
{
	struct rte_ether_hdr *eth = (void *)f;
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	struct hunt_hdr *h = (void *)(udp + 1);
	uint16_t dlen = (uint16_t)(sizeof(*h) + body_len);
	memcpy(eth->dst_addr.addr_bytes, server_mac, 6);
	memcpy(eth->src_addr.addr_bytes, client_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + dlen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = CLIENT_IP;
	ip->dst_addr = b->cfg->server.ip_be;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(port_of(j));
	udp->dst_port = rte_cpu_to_be_16((uint16_t)(b->cfg->server.base_port + shard));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + dlen));
	udp->dgram_cksum = 0;
	*h = (struct hunt_hdr){.magic = HUNT_MAGIC, .version = HUNT_VERSION, .op = op,
			       .body_len = body_len, .hunt_id = hc->id, .req_id = b->rng,
			       .player_id = player_of(hc, j)};
	h->token = op == HUNT_OP_JOIN ? 0 : hunt_token(&b->key, h->player_id, hc->id, CLIENT_IP,
							 udp->src_port);
	memcpy(h + 1, body, body_len);
	return (uint16_t)(HUNT_FRAME_HDR_BYTES + dlen);
}

/* One request of the mix from a random hunter, into frame k. */
static void
gen_one(struct bench *b, uint32_t k)
{
	const struct hunt_hunt_cfg *hc = &b->cfg->hunts[rnd(b) % b->cfg->n_hunts];
	uint32_t j = (uint32_t)(rnd(b) % (hc->clues_per_wave * b->hpc));
	uint32_t total = 0, op = 1, n_shards = b->cfg->server.n_shards;
	for (unsigned i = 1; i < HUNT_OP_COUNT; i++)
		total += b->mix[i];
	uint32_t pick = (uint32_t)(rnd(b) % total);
	while (pick >= b->mix[op])
		pick -= b->mix[op++];
	uint8_t *f = b->frames[k];
	const struct hunt_state *hs = hunt_table_find(&b->e.hunts, hc->id);
	if (op == HUNT_OP_DIG) {
		const struct hunt_world_cfg *w = hunt_config_find_world(b->cfg, hc->world_id);
		struct hunt_dig_req q = {.world_id = w->id, .x = (int32_t)(rnd(b) % w->size),
					 .y = (int32_t)(rnd(b) % w->size)};
		b->lens[k] = build(b, f, HUNT_OP_DIG, hc, j, &q, sizeof(q),
				   hunt_shard_of_tile(q.world_id, q.x, q.y, n_shards));
	} else if (op == HUNT_OP_ENTER && hc->n_buildings > 0) {
		struct hunt_enter_req q = {.building_idx = (uint32_t)(rnd(b) % hc->n_buildings)};
		b->lens[k] = build(b, f, HUNT_OP_ENTER, hc, j, &q, sizeof(q),
				   hunt_shard_of_hunt(hc->id, n_shards));
	} else if (op == HUNT_OP_CLAIM && hs->wave_id > 0) { /* open or just closed */
		struct hunt_claim_req q = {.wave_id = hs->wave_id, .clue_idx = j % hc->clues_per_wave};
		uint32_t loot;
		q.answer_len = (uint8_t)hunt_config_clue(b->cfg, hc, q.wave_id, q.clue_idx, q.answer,
							 &loot);
		if (rnd(b) % 100 < 30)
			q.answer[0] ^= 0x20;
		b->lens[k] = build(b, f, HUNT_OP_CLAIM, hc, j, &q, sizeof(q),
				   hunt_shard_of_hunt(hc->id, n_shards));
	} else {
		b->lens[k] = build(b, f, HUNT_OP_WAVE_STATE, hc, j, NULL, 0,
				   hunt_shard_of_hunt(hc->id, n_shards));
	}
}

/* What a worker does with a burst of frames it owns, and its timers after.
 * Not inlined: callgrind counts inside it (--toggle-collect). */
__attribute__((noinline)) void process_burst(struct bench *b, uint32_t n);

__attribute__((noinline)) void
process_burst(struct bench *b, uint32_t n)
{
	struct hunt_frame fs[BURST];
	for (uint32_t k = 0; k < n; k++) { /* the worker's two passes: check all, */
		uint8_t *frame = b->frames[k];
		if (hunt_frame_parse(frame, b->lens[k], 0, &b->me, &fs[k]) != HUNT_FRAME_UDP)
			abort();
		uint8_t *dgram = frame + HUNT_FRAME_HDR_BYTES;
		struct hunt_verdict v;
		hunt_request_check(dgram, fs[k].dgram_len, fs[k].src_ip_be, fs[k].src_port_be,
				   &b->key, b->cfg->server.n_shards, &v);
		if (v.kind != HUNT_VERDICT_HANDLE)
			abort();
		hunt_request_prefetch(&b->e, dgram);
	}
	for (uint32_t k = 0; k < n; k++) { /* then handle */
		uint8_t *frame = b->frames[k];
		uint8_t *dgram = frame + HUNT_FRAME_HDR_BYTES;
		const struct hunt_frame f = fs[k];
		uint16_t len = hunt_request_handle(&b->e, dgram, FRAME_BYTES - HUNT_FRAME_HDR_BYTES,
						   f.src_ip_be, f.src_port_be, b->now);
		hunt_frame_udp_reply(frame, &b->me, len);
		b->replies[((struct hunt_hdr *)dgram)->status]++;
	}
	b->now += (uint64_t)n * NS_PER_OP;
	hunt_table_advance(&b->e.hunts, b->now);
}

static int
setup(struct bench *b)
{
	memset(b->key.key, 7, sizeof(b->key.key)); /* fixed: runs must repeat exactly */
	b->key.epoch = 1;
	b->me = (struct hunt_addr){.ip_be = b->cfg->server.ip_be,
				   .base_port = (uint16_t)b->cfg->server.base_port,
				   .n_shards = (uint16_t)b->cfg->server.n_shards};
	memcpy(b->me.mac, server_mac, 6);
	if (hunt_engine_init(&b->e, b->cfg, &b->key, 0, 1, 0, GEN_HZ) != 0)
		return -1;
	for (uint32_t i = 0; i < b->cfg->n_hunts; i++) {
		const struct hunt_hunt_cfg *hc = &b->cfg->hunts[i];
		struct hunt_state *hs = hunt_table_find(&b->e.hunts, hc->id);
		for (uint32_t j = 0; j < hc->clues_per_wave * b->hpc; j++) {
			uint64_t dep;
			if (hunt_member_join(&b->e.hunts, hs, player_of(hc, j), 0, &dep) !=
			    HUNT_STATUS_OK)
				return -1;
		}
	}
	b->now = 1;
	hunt_table_advance(&b->e.hunts, b->now); /* waves with no start delay open */
	return 0;
}

/* TSC ticks per second, measured over 50 ms (no EAL here to ask). */
static uint64_t
tsc_hz(void)
{
	struct timespec a, z = {.tv_nsec = 50 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t t0 = rte_rdtsc();
	nanosleep(&z, NULL);
	uint64_t t1 = rte_rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &z);
	double s = (double)(z.tv_sec - a.tv_sec) + (double)(z.tv_nsec - a.tv_nsec) * 1e-9;
	return (uint64_t)((double)(t1 - t0) / s);
}

static size_t
heap_bytes(void)
{
	return mallinfo2().uordblks + mallinfo2().hblkhd;
}

/* Bytes a table of cfg (one hunt, as edited by the caller) takes. */
static size_t
table_bytes(const struct hunt_config *cfg)
{
	struct hunt_engine e;
	static struct hunt_token_key key;
	size_t before = heap_bytes();
	if (hunt_engine_init(&e, cfg, &key, 0, 1, 0, GEN_HZ) != 0)
		return 0;
	size_t used = heap_bytes() - before;
	hunt_engine_free(&e);
	return used;
}

static int
memory(struct hunt_config *cfg)
{
	static struct hunt_config c;
	c = *cfg;
	c.n_hunts = 1;
	c.n_worlds = 1;
	c.n_clues = 0;
	c.hunts[0].world_id = c.worlds[0].id;
	c.hunts[0].first_clue = c.hunts[0].n_clues = 0;
	struct hunt_hunt_cfg *h = &c.hunts[0];
	struct hunt_world_cfg *w = &c.worlds[0];
	h->clues_per_wave = 1, h->max_players = 1, h->n_buildings = 0, h->events_kept = 16;
	w->loot_tiles = 0;
	size_t base = table_bytes(&c);
	h->clues_per_wave = 4096;
	double per_clue = ((double)table_bytes(&c) - (double)base) / 4095;
	h->clues_per_wave = 1;
	h->max_players = 1u << 20;
	double per_player = ((double)table_bytes(&c) - (double)base) / ((1u << 20) - 1);
	h->max_players = 1;
	w->loot_tiles = 1u << 20;
	double per_tile = ((double)table_bytes(&c) - (double)base) / (1u << 20);
	w->loot_tiles = 0;
	h->n_buildings = 4096;
	double per_building = ((double)table_bytes(&c) - (double)base) / 4096;
	/* the leaderboard's share per player (its table is sized from max_players) */
	struct hunt_lb lb;
	size_t before = heap_bytes();
	hunt_lb_init(&lb, 1u << 20);
	double lb_per_player = (double)(heap_bytes() - before) / (1u << 20);
	hunt_lb_free(&lb);
	/* seed 002: one hunt of 1,000,000 players, 500 clues a wave, default
	 * events, its world's default tiles */
	h->n_buildings = 100;
	h->clues_per_wave = 500;
	h->max_players = 1000000;
	h->events_kept = 1024;
	w->loot_tiles = 1000;
	size_t big = table_bytes(&c);
	before = heap_bytes();
	hunt_lb_init(&lb, 1000000);
	size_t big_lb = heap_bytes() - before;
	hunt_lb_free(&lb);
	printf("{\"bytes_per_clue\":%.1f,\"bytes_per_player\":%.1f,\"lb_bytes_per_player\":%.1f,"
	       "\"bytes_per_tile\":%.1f,\"bytes_per_building\":%.1f,"
	       "\"hunt_1m_players_bytes\":%zu,\"hunt_1m_players_lb_bytes\":%zu}\n",
	       per_clue, per_player, lb_per_player, per_tile, per_building, big, big_lb);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"config", 1, NULL, 'c'}, {"mix", 1, NULL, 'm'},
					   {"ops", 1, NULL, 'n'}, {"hunters-per-clue", 1, NULL, 'h'},
					   {"memory", 0, NULL, 'M'}, {NULL, 0, NULL, 0}};
	static struct bench b;
	const char *conf = NULL;
	uint64_t n_ops = 1000000;
	int mem = 0, c;
	b.hpc = 50;
	b.mix[HUNT_OP_DIG] = 40, b.mix[HUNT_OP_ENTER] = 20, b.mix[HUNT_OP_WAVE_STATE] = 10;
	b.mix[HUNT_OP_CLAIM] = 30;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == 'n')
			n_ops = strtoull(optarg, NULL, 10);
		else if (c == 'h')
			b.hpc = (uint32_t)atoi(optarg);
		else if (c == 'M')
			mem = 1;
		else if (c != 'm' || sscanf(optarg, "%u:%u:%u:%u", &b.mix[HUNT_OP_DIG],
					    &b.mix[HUNT_OP_ENTER], &b.mix[HUNT_OP_WAVE_STATE],
					    &b.mix[HUNT_OP_CLAIM]) != 4)
			conf = NULL, optind = argc;
	}
	uint32_t total = b.mix[1] + b.mix[2] + b.mix[3] + b.mix[4] + b.mix[5];
	static struct hunt_config cfg;
	char err[HUNT_CONFIG_ERR_BYTES];
	if (conf == NULL || total == 0 || b.hpc == 0) {
		fprintf(stderr, "usage: opbench --config FILE [--mix D:E:W:C] [--ops N] "
				"[--hunters-per-clue H] | --config FILE --memory\n");
		return 2;
	}
	if (hunt_config_load(&cfg, conf, err) != 0) {
		fprintf(stderr, "opbench: %s\n", err);
		return 2;
	}
	cfg.server.waves_by_control = 0; /* the waves run from the worker's timers */
	b.cfg = &cfg;
	if (mem)
		return memory(&cfg);
	if (setup(&b) != 0) {
		fprintf(stderr, "opbench: set-up failed (max_players below hunters?)\n");
		return 1;
	}
	uint64_t cycles = 0, done = 0;
	while (done < n_ops) {
		uint32_t n = n_ops - done < BURST ? (uint32_t)(n_ops - done) : BURST;
		for (uint32_t k = 0; k < n; k++)
			gen_one(&b, k);
		uint64_t t0 = rte_rdtsc();
		process_burst(&b, n);
		cycles += rte_rdtsc() - t0;
		done += n;
	}
	printf("{\"ops\":%" PRIu64 ",\"cycles_per_op\":%.1f,\"tsc_hz\":%" PRIu64 ",\"won\":%" PRIu64
	       ",\"taken\":%" PRIu64 ",\"wrong\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"waves\":%" PRIu64 "}\n",
	       done, (double)cycles / (double)done, tsc_hz(), b.replies[HUNT_STATUS_WON],
	       b.replies[HUNT_STATUS_TAKEN], b.replies[HUNT_STATUS_WRONG_ANSWER],
	       b.replies[HUNT_STATUS_OK], hunt_table_find(&b.e.hunts, cfg.hunts[0].id)->waves_opened);
	return 0;
}
