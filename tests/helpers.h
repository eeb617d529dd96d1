/* Shared by the unit tests: a small config and a frame builder. */
#ifndef HUNT_TEST_HELPERS_H
#define HUNT_TEST_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "config.h"
#include "frame.h"
#include "hunt/proto.h"

#define T_SERVER_IP RTE_BE32(0xc6120001) /* 198.18.0.1 */
#define T_CLIENT_IP RTE_BE32(0xc6120002) /* 198.18.0.2 */
static const uint8_t t_server_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t t_client_mac[6] = {0x02, 0, 0, 0, 0, 2};

/* A fresh scratch directory NAME.XXXXXX for a fuzzer's files, into path (n
 * bytes): under /dev/shm (tmpfs: no disk I/O per input), else /tmp. 0 or -1. */
static inline int
t_scratch_dir(char *path, size_t n, const char *name)
{
	snprintf(path, n, "/dev/shm/%s.XXXXXX", name);
	if (mkdtemp(path) != NULL)
		return 0;
	snprintf(path, n, "/tmp/%s.XXXXXX", name);
	return mkdtemp(path) != NULL ? 0 : -1;
}

/* Two hunts (ids 1 and 2) in world 1, small enough to reason about. */
#define T_CONFIG                                                              \
	"[server]\nip = 198.18.0.1\nbase_port = 7000\nn_shards = 16\n"        \
	"[world]\nid = 1\nsize = 100\nloot_tiles = 500\nloot_seed = 3\n"      \
	"[hunt]\nid = 1\nworld = 1\nclues_per_wave = 8\nwaves = 3\n"          \
	"wave_duration_ms = 1000\ncooldown_ms = 100\nanswer_seed = 99\n"      \
	"buildings = 3\ntreasures_per_building = 2\ncoins_per_win = 5\n"      \
	"max_players = 4\n"                                                   \
	"[hunt]\nid = 2\nworld = 1\nclues_per_wave = 4\nwaves = 0\n"          \
	"wave_duration_ms = 500\ncooldown_ms = 0\nstart_delay_ms = 250\n"     \
	"buildings = 0\nmax_players = 100\n"

/* Builds Ethernet + IPv4 + UDP around payload; returns the frame length. */
static inline uint32_t
t_frame(uint8_t *buf, uint16_t dst_port, uint16_t src_port, const void *payload,
	uint16_t len)
{
	struct rte_ether_hdr *eth = (void *)buf;
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	memcpy(eth->dst_addr.addr_bytes, t_server_mac, 6);
	memcpy(eth->src_addr.addr_bytes, t_client_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = T_CLIENT_IP;
	ip->dst_addr = T_SERVER_IP;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(src_port);
	udp->dst_port = rte_cpu_to_be_16(dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	udp->dgram_cksum = 0;
	if (len)
		memcpy(udp + 1, payload, len);
	return 42u + len;
}

/* A broadcast ARP request (opcode op) from the client for tip_be; returns
 * its length, 42. */
static inline uint32_t
t_arp(uint8_t *buf, uint32_t tip_be, uint16_t op)
{
	uint32_t len = hunt_frame_arp_request(buf, t_client_mac, T_CLIENT_IP, tip_be);
	((struct rte_arp_hdr *)(buf + 14))->arp_opcode = rte_cpu_to_be_16(op);
	return len;
}

/* Fills a request header. */
static inline void
t_hdr(struct hunt_hdr *h, uint8_t op, uint32_t hunt_id, uint64_t player,
      uint64_t token, uint16_t body_len)
{
	memset(h, 0, sizeof(*h));
	h->magic = HUNT_MAGIC;
	h->version = HUNT_VERSION;
	h->op = op;
	h->body_len = body_len;
	h->hunt_id = hunt_id;
	h->req_id = 0x1122334455667788ull;
	h->player_id = player;
	h->token = token;
}

#endif
