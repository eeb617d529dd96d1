/*
 * Session tokens: SipHash-2-4 (libsodium crypto_shorthash) keyed with a
 * secret drawn at start-up, over (player, hunt, source IPv4, source port,
 * epoch). Issued in the JOIN reply, checked on every other request; a
 * request with a wrong token gets no reply. Binding the source address means
 * a token cannot be replayed from a spoofed address to reflect replies.
 */
#ifndef HUNT_TOKEN_H
#define HUNT_TOKEN_H

#include <stdint.h>

#define HUNT_TOKEN_KEY_BYTES 16u

struct hunt_token_key {
	uint8_t key[HUNT_TOKEN_KEY_BYTES];
	uint32_t epoch;
};

/* Draws a fresh random key; epoch is given (start time in seconds). 0/-1. */
int hunt_token_key_init(struct hunt_token_key *k, uint32_t epoch);

/*
 * With a journal, sessions outlive a restart (a client retransmitting a
 * claim after a crash must get its answer, not silence): the key lives in
 * the journal directory as token.key (mode 0600; key, epoch, CRC32C).
 * Loads it, or creates it with a fresh key and `epoch`, fsyncing the file
 * and the directory. Returns 0, or -errno / -EBADMSG for a damaged file.
 */
int hunt_token_key_load(struct hunt_token_key *k, int dir_fd, uint32_t epoch);

uint64_t hunt_token(const struct hunt_token_key *k, uint64_t player_id,
		    uint32_t hunt_id, uint32_t src_ip_be, uint16_t src_port_be);

#endif
