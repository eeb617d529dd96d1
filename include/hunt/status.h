/*
 * The two lists the whole system shares: protocol status codes (what a reply
 * says) and drop reasons (why a frame got no reply). Each is one X-macro that
 * generates the enum, the names and, in huntd, the counters, so a new reason
 * cannot be added without a name and a counter.
 */
#ifndef HUNT_STATUS_H
#define HUNT_STATUS_H

#include <stdint.h>

/* X(NAME, value, description). Values are on the wire: never renumber. */
#define HUNT_STATUS_LIST(X)                                                   \
	X(OK, 0, "request done")                                              \
	X(WON, 1, "claim won: this player is the clue's winner")              \
	X(TAKEN, 2, "claim lost: another player won the clue (winner in body)") \
	X(WRONG_ANSWER, 3, "claim answer does not match the clue")            \
	X(WAVE_CLOSED, 4, "claim names a wave that is not open")              \
	X(NO_SUCH_CLUE, 5, "clue index outside the wave's clues")             \
	X(NO_SUCH_HUNT, 6, "hunt id not configured on this server")           \
	X(NO_SUCH_BUILDING, 7, "building index outside the hunt's buildings") \
	X(NO_SUCH_WORLD, 8, "world id not configured on this server")         \
	X(RETRY_LATER, 9, "server table or queue full: retry after a backoff") \
	X(BAD_VERSION, 10, "protocol version not supported (reply carries ours)") \
	X(BAD_OP, 11, "op code not known")                                    \
	X(BAD_LENGTH, 12, "body length wrong for the op")                     \
	X(BAD_FIELD, 13, "a field is out of its range (e.g. answer length)")  \
	X(NOT_MEMBER, 14, "player has not joined this hunt")                  \
	X(UNAVAILABLE, 15, "the server runs without the journal this op reads")

enum hunt_status {
#define HUNT_X_ENUM(name, val, desc) HUNT_STATUS_##name = (val),
	HUNT_STATUS_LIST(HUNT_X_ENUM)
#undef HUNT_X_ENUM
	HUNT_STATUS_COUNT
};

/*
 * Drop reasons, in the order a frame is checked. X(NAME, description).
 */
#define HUNT_DROP_LIST(X)                                                     \
	X(MBUF_SEGMENTED, "frame spans several mbufs (no jumbo frames)")     \
	X(ETH_SHORT, "frame shorter than an Ethernet header")                 \
	X(ETH_VLAN, "VLAN-tagged frame (not configured)")                     \
	X(ETH_TYPE, "ethertype neither IPv4 nor ARP")                         \
	X(ETH_DST, "destination MAC neither ours nor broadcast")             \
	X(ARP_BAD, "malformed ARP or not an Ethernet/IPv4 ARP")               \
	X(ARP_OTHER, "ARP not a request for our address")                     \
	X(IP_SHORT, "frame shorter than an IPv4 header")                      \
	X(IP_VERSION, "IP version is not 4")                                  \
	X(IP_OPTIONS, "IPv4 header carries options")                          \
	X(IP_LENGTH, "IPv4 total length disagrees with the frame")            \
	X(IP_CSUM, "IPv4 header checksum wrong")                              \
	X(IP_FRAGMENT, "IPv4 fragment")                                       \
	X(IP_DST, "IPv4 destination is not our address")                      \
	X(IP_SRC, "IPv4 source is broadcast, multicast or zero")              \
	X(IP_PROTO, "IP protocol is not UDP")                                 \
	X(UDP_LENGTH, "UDP length disagrees with the IPv4 length")            \
	X(UDP_CSUM, "UDP checksum wrong")                                     \
	X(UDP_PORT, "UDP destination port outside the shard ports")           \
	X(HUNT_SHORT, "datagram shorter than the hunt header")                \
	X(HUNT_MAGIC, "hunt magic wrong")                                     \
	X(HUNT_REPLY, "reply flag set on a request")                          \
	X(HUNT_BODY_LENGTH, "header body length disagrees with the datagram") \
	X(JOIN_PADDING, "JOIN shorter than its reply (anti-amplification)")   \
	X(TOKEN, "session token missing or wrong")                            \
	X(HANDOFF_FULL, "handoff ring to the owner worker full")              \
	X(TX_FULL, "TX ring full after bounded retries")

enum hunt_drop {
#define HUNT_X_ENUM(name, desc) HUNT_DROP_##name,
	HUNT_DROP_LIST(HUNT_X_ENUM)
#undef HUNT_X_ENUM
	HUNT_DROP_COUNT
};

/* Names (lower case, for counters and JSON) and descriptions. */
const char *hunt_status_name(unsigned status);
const char *hunt_drop_name(unsigned drop);
const char *hunt_drop_desc(unsigned drop);

#endif
