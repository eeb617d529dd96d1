/*
 * libFuzzer target for everything a frame from the wire reaches in huntd:
 * frame checks, ARP and UDP replies, request checks and every op handler.
 *
 * An input is a scenario on a fresh one-worker engine: up to 16 records of
 * { u8 mode, u16 length (little-endian), that many bytes of an Ethernet
 * frame }, handled in order. mode bit 0: give the datagram the right
 * session token and make the player a member, as a JOIN would have (so the
 * fuzzer reaches the handlers); bits 1-2: the port's checksum verdict; bits
 * 4-7: advance the clock by that many 100 ms first. Besides the sanitizers
 * it aborts when:
 *   - a reply to a request without a valid token is longer than it;
 *   - a reply would not fit the buffer;
 *   - a WON names someone other than the claimant, or two different
 *     players are told WON for the same (hunt, wave, clue).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf_core.h>

#include "frame.h"
#include "helpers.h"
#include "request.h"

#define WAVES_TRACKED 1024u

/* Scratch reused across inputs; reset at the start of each. */
static struct {
	int ready;
	struct hunt_config cfg;
	struct hunt_token_key key;
	struct hunt_engine e;
	struct hunt_addr me;
	uint64_t now;
	uint64_t winner[3][WAVES_TRACKED][8];
} F;

static void
init(void)
{
	char err[HUNT_CONFIG_ERR_BYTES];
	if (hunt_config_parse(&F.cfg, T_CONFIG, err) != 0)
		abort();
	memset(F.key.key, 7, sizeof(F.key.key)); /* fixed: runs must reproduce */
	F.key.epoch = 1;
	F.me = (struct hunt_addr){.ip_be = T_SERVER_IP, .base_port = 7000, .n_shards = 16};
	memcpy(F.me.mac, t_server_mac, 6);
	F.ready = 1;
}

static void
check_winner(const struct hunt_hdr *h)
{
	const struct hunt_claim_reply *r = (const void *)(h + 1);
	if (h->status != HUNT_STATUS_WON || h->hunt_id > 2 || r->wave_id >= WAVES_TRACKED ||
	    r->clue_idx >= 8)
		return;
	uint64_t *w = &F.winner[h->hunt_id][r->wave_id][r->clue_idx];
	if (r->winner_id != h->player_id)
		abort(); /* WON names someone else */
	if (*w != 0 && *w != r->winner_id)
		abort(); /* a second winner */
	*w = r->winner_id;
}

static void
one_frame(uint8_t mode, const uint8_t *data, uint32_t len)
{
	static uint8_t buf[4096];
	memcpy(buf, data, len);
	static const uint64_t ol[4] = {0, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD,
				       RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_BAD};
	F.now += (uint64_t)(mode >> 4) * 100;
	hunt_table_advance(&F.e.hunts, F.now);

	struct hunt_frame f;
	enum hunt_frame_kind kind = hunt_frame_parse(buf, len, ol[(mode >> 1) & 3], &F.me, &f);
	if (kind == HUNT_FRAME_ARP) {
		if (hunt_frame_arp_reply(buf, &F.me) > len)
			abort();
		return;
	}
	if (kind != HUNT_FRAME_UDP)
		return;
	uint8_t *dgram = buf + HUNT_FRAME_HDR_BYTES;
	struct hunt_hdr *h = (struct hunt_hdr *)dgram;
	int tokened = 0;
	if ((mode & 1) && f.dgram_len >= sizeof(*h) && h->op != HUNT_OP_JOIN) {
		h->token = hunt_token(&F.key, h->player_id, h->hunt_id, f.src_ip_be, f.src_port_be);
		tokened = 1;
		/* A valid token means the player JOINed: model that, so one
		 * mutation of a claim's player id reaches a second claimant. */
		struct hunt_state *hs = hunt_table_find(&F.e.hunts, h->hunt_id);
		uint64_t dep;
		if (hs != NULL)
			hunt_member_join(&F.e.hunts, hs, h->player_id, F.now, &dep);
	}
	struct hunt_verdict v;
	hunt_request_check(dgram, f.dgram_len, f.src_ip_be, f.src_port_be, &F.key, 16, &v);
	uint16_t out;
	if (v.kind == HUNT_VERDICT_DROP)
		return;
	if (v.kind == HUNT_VERDICT_REPLY) {
		out = hunt_request_reply_error(dgram, v.status);
	} else {
		if (v.shard >= 16)
			abort();
		out = hunt_request_handle(&F.e, dgram, sizeof(buf) - HUNT_FRAME_HDR_BYTES,
					  f.src_ip_be, f.src_port_be, F.now);
		if (h->op == HUNT_OP_CLAIM)
			check_winner(h);
	}
	if (out > sizeof(buf) - HUNT_FRAME_HDR_BYTES || out < sizeof(*h))
		abort();
	if (!tokened && out > f.dgram_len)
		abort(); /* amplification before a token */
	hunt_frame_udp_reply(buf, &F.me, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!F.ready)
		init();
	if (hunt_engine_init(&F.e, &F.cfg, &F.key, 0, 1, 0, 1000) != 0)
		abort();
	F.now = 0;
	memset(F.winner, 0, sizeof(F.winner));
	hunt_table_advance(&F.e.hunts, 0);
	for (int rec = 0; rec < 16 && size >= 3; rec++) {
		uint8_t mode = data[0];
		uint32_t len = (uint32_t)data[1] | (uint32_t)data[2] << 8;
		data += 3;
		size -= 3;
		if (len > size || len > 2048)
			break;
		one_frame(mode, data, len);
		data += len;
		size -= len;
	}
	hunt_engine_free(&F.e);
	return 0;
}
