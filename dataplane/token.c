#include "token.h"

#include <sodium.h>
#include <string.h>

_Static_assert(crypto_shorthash_KEYBYTES == HUNT_TOKEN_KEY_BYTES, "key size");

int
hunt_token_key_init(struct hunt_token_key *k, uint32_t epoch)
{
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(k->key, sizeof(k->key));
	k->epoch = epoch;
	return 0;
}

uint64_t
hunt_token(const struct hunt_token_key *k, uint64_t player_id, uint32_t hunt_id,
	   uint32_t src_ip_be, uint16_t src_port_be)
{
	uint8_t in[22];
	memcpy(in, &player_id, 8);
	memcpy(in + 8, &hunt_id, 4);
	memcpy(in + 12, &src_ip_be, 4);
	memcpy(in + 16, &src_port_be, 2);
	memcpy(in + 18, &k->epoch, 4);
	uint64_t out;
	crypto_shorthash((unsigned char *)&out, in, sizeof(in), k->key);
	/* 0 means "no token" on the wire; never issue it. */
	return out != 0 ? out : 1;
}
