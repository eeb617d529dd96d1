/*
 * Ethernet, ARP, IPv4 and UDP: checking a received frame before anything in
 * it is trusted, answering ARP for our address, and turning a request frame
 * into its reply in place. Pure functions over bytes (DPDK's header-only
 * checksum helpers), so every drop reason is unit-tested without a port.
 *
 * Accepted: untagged Ethernet II; IPv4 without options, not fragmented, to
 * our address, with a correct header checksum; UDP to a shard port, with a
 * correct or absent checksum. Checksums the port has already verified (mbuf
 * ol_flags GOOD/BAD) are not computed again.
 */
#ifndef HUNT_FRAME_H
#define HUNT_FRAME_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "hunt/status.h"

#define HUNT_FRAME_HDR_BYTES (14u + 20u + 8u) /* Ethernet + IPv4 + UDP */

struct hunt_addr {
	uint8_t mac[6];
	uint32_t ip_be;
	uint16_t base_port; /* host order */
	uint16_t n_shards;
};

enum hunt_frame_kind {
	HUNT_FRAME_DROP, /* f->drop says why */
	HUNT_FRAME_ARP,  /* an ARP request for our address */
	HUNT_FRAME_UDP,  /* a datagram to a shard port */
};

struct hunt_frame {
	uint8_t drop;         /* enum hunt_drop, for DROP */
	uint16_t dgram_len;   /* UDP payload bytes, at HUNT_FRAME_HDR_BYTES */
	uint16_t dst_port;    /* host order */
	uint16_t src_port_be;
	uint32_t src_ip_be;
};

/* The one's complement sum of an option-less IPv4 header (20 bytes, any
 * alignment), folded to 16 bits: 0xffff when its checksum is right; the
 * checksum to store is its complement, computed with the field at 0. The
 * same value as DPDK's rte_raw_cksum(ip, 20), in five 32-bit adds rather
 * than its general loop (measured: docs/benchmarks.md, issue 5 step 2). */
static inline uint16_t
hunt_ipv4_hdr_sum(const void *hdr)
{
	const uint8_t *p = hdr;
	uint64_t s = 0;
	for (int i = 0; i < 5; i++) {
		uint32_t w;
		memcpy(&w, p + 4 * i, 4);
		s += w;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* Writes an option-less IPv4 header with its checksum, from the five 32-bit
 * words it holds as loaded from memory (checksum field 0): the sum is taken
 * over the values, not read back from the header just written, which made
 * one wide load wait on several narrow stores (a store-forwarding stall,
 * ~40% of building a frame: perf, docs/benchmarks.md issue 5 step 12). */
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "hunt_ipv4_hdr_put and hunt_ipv4_w0 build header words for a little-endian host"
#endif
static inline void
hunt_ipv4_hdr_put(void *hdr, uint32_t w0, uint32_t w1, uint32_t w2, uint32_t src_be,
		  uint32_t dst_be)
{
	uint64_t s = (uint64_t)w0 + w1 + w2 + src_be + dst_be;
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	w2 |= (uint32_t)(uint16_t)~s << 16;
	/* Five 4-byte stores: built as an array first, the compiler copied it
	 * with a 16-byte load of four 4-byte stores, the same stall again. */
	uint8_t *p = hdr;
	memcpy(p, &w0, 4);
	memcpy(p + 4, &w1, 4);
	memcpy(p + 8, &w2, 4);
	memcpy(p + 12, &src_be, 4);
	memcpy(p + 16, &dst_be, 4);
}

/* The first 32-bit word of an IPv4 header as loaded from memory: version 4,
 * 20-byte header, this TOS and total length. */
static inline uint32_t
hunt_ipv4_w0(uint8_t tos, uint16_t total_len)
{
	return 0x45u | (uint32_t)tos << 8 | (uint32_t)rte_cpu_to_be_16(total_len) << 16;
}

/* Classifies a frame of len bytes; ol_flags are the mbuf's RX flags. The
 * frame is restored to its received bytes before this returns. */
enum hunt_frame_kind hunt_frame_parse(uint8_t *frame, uint32_t len,
				      uint64_t ol_flags,
				      const struct hunt_addr *me,
				      struct hunt_frame *f);

/* Turns an ARP request (already classified) into our reply; returns its
 * length (the same as the request's, at least 42). */
uint32_t hunt_frame_arp_reply(uint8_t *frame, const struct hunt_addr *me);

/* Writes a broadcast ARP request from (mac, ip_be) for target_ip_be into
 * frame (at least 42 bytes); returns 42. For clients: huntgen and tests. */
uint32_t hunt_frame_arp_request(uint8_t *frame, const uint8_t mac[6], uint32_t ip_be,
				uint32_t target_ip_be);

/* Turns a UDP request frame into the reply carrying dgram_len bytes of UDP
 * payload (already written at HUNT_FRAME_HDR_BYTES); returns the frame
 * length. The IPv4 checksum is computed, the UDP checksum left 0. */
uint32_t hunt_frame_udp_reply(uint8_t *frame, const struct hunt_addr *me,
			      uint16_t dgram_len);

#endif
