#include "frame.h"

#include <assert.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_udp.h>

static enum hunt_frame_kind
drop(struct hunt_frame *f, enum hunt_drop d)
{
	f->drop = (uint8_t)d;
	return HUNT_FRAME_DROP;
}

static enum hunt_frame_kind
parse_arp(const uint8_t *frame, uint32_t len, const struct hunt_addr *me,
	  struct hunt_frame *f)
{
	if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))
		return drop(f, HUNT_DROP_ARP_BAD);
	const struct rte_arp_hdr *a = (const void *)(frame + sizeof(struct rte_ether_hdr));
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != 6 || a->arp_plen != 4)
		return drop(f, HUNT_DROP_ARP_BAD);
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    a->arp_data.arp_tip != me->ip_be)
		return drop(f, HUNT_DROP_ARP_OTHER);
	return HUNT_FRAME_ARP;
}

static int
udp_csum_ok(struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp, uint64_t ol)
{
	if (udp->dgram_cksum == 0)
		return 1; /* IPv4 UDP without checksum */
	uint64_t l4 = ol & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return 1;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return 0;
	uint16_t got = udp->dgram_cksum;
	udp->dgram_cksum = 0;
	uint16_t want = rte_ipv4_udptcp_cksum(ip, udp);
	udp->dgram_cksum = got;
	return got == want;
}

enum hunt_frame_kind
hunt_frame_parse(uint8_t *frame, uint32_t len, uint64_t ol,
		 const struct hunt_addr *me, struct hunt_frame *f)
{
	if (len < sizeof(struct rte_ether_hdr))
		return drop(f, HUNT_DROP_ETH_SHORT);
	const struct rte_ether_hdr *eth = (const void *)frame;
	uint16_t type = rte_be_to_cpu_16(eth->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ)
		return drop(f, HUNT_DROP_ETH_VLAN);
	int to_us = memcmp(eth->dst_addr.addr_bytes, me->mac, 6) == 0;
	if (type == RTE_ETHER_TYPE_ARP) {
		if (!to_us && !rte_is_broadcast_ether_addr(&eth->dst_addr))
			return drop(f, HUNT_DROP_ETH_DST);
		return parse_arp(frame, len, me, f);
	}
	if (type != RTE_ETHER_TYPE_IPV4)
		return drop(f, HUNT_DROP_ETH_TYPE);
	if (!to_us)
		return drop(f, HUNT_DROP_ETH_DST);
	if (len < sizeof(*eth) + sizeof(struct rte_ipv4_hdr))
		return drop(f, HUNT_DROP_IP_SHORT);
	struct rte_ipv4_hdr *ip = (void *)(frame + sizeof(*eth));
	if ((ip->version_ihl >> 4) != 4)
		return drop(f, HUNT_DROP_IP_VERSION);
	if ((ip->version_ihl & 0xf) != 5)
		return drop(f, HUNT_DROP_IP_OPTIONS);
	uint32_t ip_len = rte_be_to_cpu_16(ip->total_length);
	/* The frame may be longer (Ethernet pads to 60 bytes), never shorter. */
	if (ip_len < sizeof(*ip) || ip_len > len - sizeof(*eth))
		return drop(f, HUNT_DROP_IP_LENGTH);
	uint64_t l3 = ol & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (l3 == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (l3 != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     hunt_ipv4_hdr_sum(ip) != 0xffff))
		return drop(f, HUNT_DROP_IP_CSUM);
	if (rte_be_to_cpu_16(ip->fragment_offset) &
	    (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return drop(f, HUNT_DROP_IP_FRAGMENT);
	if (ip->dst_addr != me->ip_be)
		return drop(f, HUNT_DROP_IP_DST);
	uint32_t src = rte_be_to_cpu_32(ip->src_addr);
	if (src == 0 || src == 0xffffffffu || (src >> 28) == 0xe)
		return drop(f, HUNT_DROP_IP_SRC);
	if (ip->next_proto_id != IPPROTO_UDP)
		return drop(f, HUNT_DROP_IP_PROTO);
	if (ip_len < sizeof(*ip) + sizeof(struct rte_udp_hdr))
		return drop(f, HUNT_DROP_UDP_LENGTH);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	if (rte_be_to_cpu_16(udp->dgram_len) != ip_len - sizeof(*ip))
		return drop(f, HUNT_DROP_UDP_LENGTH);
	if (!udp_csum_ok(ip, udp, ol))
		return drop(f, HUNT_DROP_UDP_CSUM);
	uint16_t dport = rte_be_to_cpu_16(udp->dst_port);
	if (dport < me->base_port || dport - me->base_port >= me->n_shards)
		return drop(f, HUNT_DROP_UDP_PORT);
	f->dgram_len = (uint16_t)(ip_len - sizeof(*ip) - sizeof(*udp));
	f->dst_port = dport;
	f->src_port_be = udp->src_port;
	f->src_ip_be = ip->src_addr;
	return HUNT_FRAME_UDP;
}

uint32_t
hunt_frame_arp_reply(uint8_t *frame, const struct hunt_addr *me)
{
	struct rte_ether_hdr *eth = (void *)frame;
	struct rte_arp_hdr *a = (void *)(eth + 1);
	assert(a->arp_data.arp_tip == me->ip_be);
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	memcpy(a->arp_data.arp_sha.addr_bytes, me->mac, 6);
	a->arp_data.arp_sip = me->ip_be;
	eth->dst_addr = a->arp_data.arp_tha;
	memcpy(eth->src_addr.addr_bytes, me->mac, 6);
	return sizeof(*eth) + sizeof(*a);
}

uint32_t
hunt_frame_arp_request(uint8_t *frame, const uint8_t mac[6], uint32_t ip_be,
		       uint32_t target_ip_be)
{
	struct rte_ether_hdr *eth = (void *)frame;
	struct rte_arp_hdr *a = (void *)(eth + 1);
	memset(frame, 0, sizeof(*eth) + sizeof(*a));
	memset(&eth->dst_addr, 0xff, 6);
	memcpy(eth->src_addr.addr_bytes, mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	memcpy(a->arp_data.arp_sha.addr_bytes, mac, 6);
	a->arp_data.arp_sip = ip_be;
	a->arp_data.arp_tip = target_ip_be;
	return sizeof(*eth) + sizeof(*a);
}

uint32_t
hunt_frame_udp_reply(uint8_t *frame, const struct hunt_addr *me,
		     uint16_t dgram_len)
{
	struct rte_ether_hdr *eth = (void *)frame;
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	assert(ip->dst_addr == me->ip_be);
	uint32_t w[5]; /* the request's IP header, read before anything is written */
	memcpy(w, ip, sizeof(w));
	eth->dst_addr = eth->src_addr;
	memcpy(eth->src_addr.addr_bytes, me->mac, 6);
	/* Same TOS, id and fragment bits and protocol; TTL 64; addresses
	 * swapped; the new length. */
	hunt_ipv4_hdr_put(ip, hunt_ipv4_w0((uint8_t)(w[0] >> 8),
					   (uint16_t)(sizeof(*ip) + sizeof(*udp) + dgram_len)),
			  w[1], (w[2] & 0xff00u) | 64u, me->ip_be, w[3]);
	uint16_t p = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = p;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + dgram_len));
	udp->dgram_cksum = 0;
	return HUNT_FRAME_HDR_BYTES + dgram_len;
}
