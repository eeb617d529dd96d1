/*
 * Proves every Ethernet/ARP/IPv4/UDP drop reason triggers on the frame that
 * should cause it and at its boundary (one byte short, one port past the
 * range), that checksums reported by the port are honoured and otherwise
 * verified, and that ARP and UDP replies are built correctly in place.
 */
#include <criterion/criterion.h>

#include <rte_arp.h>
#include <rte_mbuf_core.h>

#include "frame.h"
#include "helpers.h"

static const struct hunt_addr me = {
	.mac = {0x02, 0, 0, 0, 0, 1}, .ip_be = T_SERVER_IP, .base_port = 7000, .n_shards = 16};

static uint8_t buf[256];
static struct hunt_frame f;

static struct rte_ipv4_hdr *
ip(void)
{
	return (void *)(buf + 14);
}

static struct rte_udp_hdr *
udp(void)
{
	return (void *)(buf + 34);
}

static void
fix_ip_csum(void)
{
	ip()->hdr_checksum = 0;
	ip()->hdr_checksum = rte_ipv4_cksum(ip());
}

static uint32_t
good(void)
{
	uint8_t payload[40] = {1, 2, 3};
	return t_frame(buf, 7003, 40000, payload, sizeof(payload));
}

static enum hunt_drop
drop_of(uint32_t len, uint64_t ol)
{
	cr_assert_eq(hunt_frame_parse(buf, len, ol, &me, &f), HUNT_FRAME_DROP);
	return f.drop;
}

Test(frame, good_frame_is_udp_with_fields)
{
	uint32_t len = good();
	cr_assert_eq(hunt_frame_parse(buf, len, 0, &me, &f), HUNT_FRAME_UDP);
	cr_assert_eq(f.dgram_len, 40);
	cr_assert_eq(f.dst_port, 7003);
	cr_assert_eq(f.src_port_be, rte_cpu_to_be_16(40000));
	cr_assert_eq(f.src_ip_be, T_CLIENT_IP);
	/* Ethernet padding beyond the IP length is allowed. */
	cr_assert_eq(hunt_frame_parse(buf, len + 10, 0, &me, &f), HUNT_FRAME_UDP);
	cr_assert_eq(f.dgram_len, 40);
}

Test(frame, ethernet_drops)
{
	uint32_t len = good();
	cr_assert_eq(drop_of(13, 0), HUNT_DROP_ETH_SHORT);
	cr_assert_eq(drop_of(0, 0), HUNT_DROP_ETH_SHORT);
	cr_assert_eq(drop_of(14, 0), HUNT_DROP_IP_SHORT, "14 bytes is a header, no IP");
	cr_assert_eq(drop_of(33, 0), HUNT_DROP_IP_SHORT);
	((struct rte_ether_hdr *)buf)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_ETH_VLAN);
	((struct rte_ether_hdr *)buf)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ);
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_ETH_VLAN);
	((struct rte_ether_hdr *)buf)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_ETH_TYPE);
	len = good();
	buf[5] = 9; /* another host's MAC */
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_ETH_DST);
	memset(buf, 0xff, 6); /* broadcast IPv4 is not for us either */
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_ETH_DST);
}

Test(frame, ipv4_drops)
{
	uint32_t len = good();
	ip()->version_ihl = 0x65;
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_VERSION);
	good();
	ip()->version_ihl = 0x46;
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_OPTIONS);
	good();
	ip()->total_length = rte_cpu_to_be_16((uint16_t)(len - 14 + 1));
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_LENGTH, "one byte longer than the frame");
	ip()->total_length = rte_cpu_to_be_16(19);
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_LENGTH);
	good();
	ip()->hdr_checksum ^= 1;
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_CSUM);
	/* The port's verdict wins over the bytes, both ways. */
	cr_assert_eq(hunt_frame_parse(buf, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &me, &f), HUNT_FRAME_UDP);
	good();
	cr_assert_eq(drop_of(len, RTE_MBUF_F_RX_IP_CKSUM_BAD), HUNT_DROP_IP_CSUM);
	good();
	ip()->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_FRAGMENT);
	ip()->fragment_offset = rte_cpu_to_be_16(1);
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_FRAGMENT);
	ip()->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	fix_ip_csum();
	cr_assert_eq(hunt_frame_parse(buf, len, 0, &me, &f), HUNT_FRAME_UDP, "DF is fine");
	good();
	ip()->dst_addr = RTE_BE32(0xc6120003);
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_DST);
	uint32_t bad_src[] = {0, 0xffffffff, 0xe0000001, 0xefffffff};
	for (int i = 0; i < 4; i++) {
		good();
		ip()->src_addr = rte_cpu_to_be_32(bad_src[i]);
		fix_ip_csum();
		cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_SRC, "src %x", bad_src[i]);
	}
	good();
	ip()->next_proto_id = IPPROTO_TCP;
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_IP_PROTO);
}

Test(frame, udp_drops_and_port_bounds)
{
	uint32_t len = good();
	udp()->dgram_len = rte_cpu_to_be_16(47);
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_UDP_LENGTH);
	good();
	ip()->total_length = rte_cpu_to_be_16(27); /* room for no UDP header */
	fix_ip_csum();
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_UDP_LENGTH);
	uint16_t ports[] = {6999, 7016, 0, 65535};
	for (int i = 0; i < 4; i++) {
		good();
		udp()->dst_port = rte_cpu_to_be_16(ports[i]);
		cr_assert_eq(drop_of(len, 0), HUNT_DROP_UDP_PORT, "port %u", ports[i]);
	}
	uint16_t ok_ports[] = {7000, 7015};
	for (int i = 0; i < 2; i++) {
		good();
		udp()->dst_port = rte_cpu_to_be_16(ok_ports[i]);
		cr_assert_eq(hunt_frame_parse(buf, len, 0, &me, &f), HUNT_FRAME_UDP);
	}
}

Test(frame, udp_checksum_verified_unless_absent_or_offloaded)
{
	uint32_t len = good();
	udp()->dgram_cksum = rte_ipv4_udptcp_cksum(ip(), udp());
	cr_assert_eq(hunt_frame_parse(buf, len, 0, &me, &f), HUNT_FRAME_UDP, "correct checksum");
	uint16_t right = udp()->dgram_cksum;
	udp()->dgram_cksum = (uint16_t)(right ^ 0x0100);
	cr_assert_eq(drop_of(len, 0), HUNT_DROP_UDP_CSUM);
	cr_assert_eq(udp()->dgram_cksum, (uint16_t)(right ^ 0x0100), "frame left as received");
	cr_assert_eq(hunt_frame_parse(buf, len, RTE_MBUF_F_RX_L4_CKSUM_GOOD, &me, &f), HUNT_FRAME_UDP);
	udp()->dgram_cksum = right;
	cr_assert_eq(drop_of(len, RTE_MBUF_F_RX_L4_CKSUM_BAD), HUNT_DROP_UDP_CSUM);
}

static uint32_t
arp_request(uint32_t tip_be, uint16_t op)
{
	memset(buf, 0, sizeof(buf));
	return t_arp(buf, tip_be, op);
}

Test(frame, arp_request_for_us_gets_reply)
{
	uint32_t len = arp_request(T_SERVER_IP, RTE_ARP_OP_REQUEST);
	cr_assert_eq(hunt_frame_parse(buf, len, 0, &me, &f), HUNT_FRAME_ARP);
	cr_assert_eq(hunt_frame_parse(buf, 60, 0, &me, &f), HUNT_FRAME_ARP, "padded to 60");
	cr_assert_eq(hunt_frame_arp_reply(buf, &me), 42);
	struct rte_arp_hdr *a = (void *)(buf + 14);
	cr_assert_eq(a->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	cr_assert_eq(memcmp(a->arp_data.arp_sha.addr_bytes, me.mac, 6), 0);
	cr_assert_eq(a->arp_data.arp_sip, T_SERVER_IP);
	cr_assert_eq(memcmp(a->arp_data.arp_tha.addr_bytes, t_client_mac, 6), 0);
	cr_assert_eq(a->arp_data.arp_tip, T_CLIENT_IP);
	cr_assert_eq(memcmp(buf, t_client_mac, 6), 0);
	cr_assert_eq(memcmp(buf + 6, me.mac, 6), 0);
}

Test(frame, arp_drops)
{
	arp_request(T_SERVER_IP, RTE_ARP_OP_REQUEST);
	cr_assert_eq(drop_of(41, 0), HUNT_DROP_ARP_BAD, "one byte short");
	arp_request(RTE_BE32(0xc6120009), RTE_ARP_OP_REQUEST);
	cr_assert_eq(drop_of(42, 0), HUNT_DROP_ARP_OTHER);
	arp_request(T_SERVER_IP, RTE_ARP_OP_REPLY);
	cr_assert_eq(drop_of(42, 0), HUNT_DROP_ARP_OTHER);
	arp_request(T_SERVER_IP, RTE_ARP_OP_REQUEST);
	((struct rte_arp_hdr *)(buf + 14))->arp_hlen = 8;
	cr_assert_eq(drop_of(42, 0), HUNT_DROP_ARP_BAD);
	arp_request(T_SERVER_IP, RTE_ARP_OP_REQUEST);
	((struct rte_arp_hdr *)(buf + 14))->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	cr_assert_eq(drop_of(42, 0), HUNT_DROP_ARP_BAD);
	arp_request(T_SERVER_IP, RTE_ARP_OP_REQUEST);
	buf[0] = 0x02; /* unicast to someone else */
	cr_assert_eq(drop_of(42, 0), HUNT_DROP_ETH_DST);
	memcpy(buf, me.mac, 6); /* unicast to us is fine */
	cr_assert_eq(hunt_frame_parse(buf, 42, 0, &me, &f), HUNT_FRAME_ARP);
}

Test(frame, udp_reply_swaps_addresses_and_sets_lengths)
{
	uint32_t len = good();
	ip()->type_of_service = 0xb8;
	ip()->packet_id = rte_cpu_to_be_16(0x1234);
	ip()->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip()->time_to_live = 3;
	ip()->hdr_checksum = 0;
	ip()->hdr_checksum = rte_ipv4_cksum(ip());
	cr_assert_eq(hunt_frame_parse(buf, len, 0, &me, &f), HUNT_FRAME_UDP);
	cr_assert_eq(hunt_frame_udp_reply(buf, &me, 60), 42 + 60);
	cr_assert_eq(ip()->version_ihl, 0x45);
	cr_assert_eq(ip()->type_of_service, 0xb8, "TOS kept");
	cr_assert_eq(ip()->packet_id, rte_cpu_to_be_16(0x1234), "id kept");
	cr_assert_eq(ip()->fragment_offset, rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG), "DF kept");
	cr_assert_eq(ip()->time_to_live, 64);
	cr_assert_eq(ip()->next_proto_id, IPPROTO_UDP);
	cr_assert_eq(memcmp(buf, t_client_mac, 6), 0);
	cr_assert_eq(memcmp(buf + 6, me.mac, 6), 0);
	cr_assert_eq(ip()->src_addr, T_SERVER_IP);
	cr_assert_eq(ip()->dst_addr, T_CLIENT_IP);
	cr_assert_eq(rte_be_to_cpu_16(ip()->total_length), 88);
	cr_assert_eq(rte_raw_cksum(ip(), 20), 0xffff, "IPv4 checksum valid");
	cr_assert_eq(rte_be_to_cpu_16(udp()->src_port), 7003);
	cr_assert_eq(rte_be_to_cpu_16(udp()->dst_port), 40000);
	cr_assert_eq(rte_be_to_cpu_16(udp()->dgram_len), 68);
	cr_assert_eq(udp()->dgram_cksum, 0);
}

/* A header written from its words is the header written field by field,
 * with DPDK's checksum, for random fields. */
Test(frame, ipv4_header_put_matches_fields_and_dpdk_checksum)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (int n = 0; n < 100000; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint8_t tos = (uint8_t)x, ttl = (uint8_t)(x >> 8), proto = (uint8_t)(x >> 16);
		uint16_t total = (uint16_t)(x >> 24), id = (uint16_t)(x >> 40);
		uint32_t src = (uint32_t)(x * 0x9e3779b97f4a7c15ull), dst = (uint32_t)(x >> 17);
		if (n == 0)
			tos = ttl = proto = 0xff, total = id = 0xffff, src = dst = 0xffffffffu;
		struct rte_ipv4_hdr want = {.version_ihl = 0x45, .type_of_service = tos,
					    .total_length = rte_cpu_to_be_16(total),
					    .packet_id = rte_cpu_to_be_16(id), .time_to_live = ttl,
					    .next_proto_id = proto, .src_addr = src, .dst_addr = dst};
		want.hdr_checksum = rte_ipv4_cksum(&want);
		uint8_t got[21];
		hunt_ipv4_hdr_put(got + (n & 1), hunt_ipv4_w0(tos, total),
				  (uint32_t)rte_cpu_to_be_16(id), ttl | (uint32_t)proto << 8, src, dst);
		cr_assert_eq(memcmp(got + (n & 1), &want, 20), 0, "header %d", n);
	}
}

/* The 20-byte header sum is DPDK's rte_raw_cksum, at any alignment, for
 * random headers and the carry-heavy extremes. */
Test(frame, ipv4_header_sum_matches_dpdk)
{
	uint8_t h[24];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int n = 0; n < 100000; n++) {
		for (size_t i = 0; i < sizeof(h); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			h[i] = (uint8_t)x;
		}
		if (n == 0)
			memset(h, 0xff, sizeof(h));
		if (n == 1)
			memset(h, 0, sizeof(h));
		unsigned off = (unsigned)n & 3;
		cr_assert_eq(hunt_ipv4_hdr_sum(h + off), rte_raw_cksum(h + off, 20),
			     "header %d at offset %u", n, off);
	}
}
