/*
 * Proves a session token depends on every field it binds (player, hunt,
 * source address, source port, epoch) and on the key, and is never 0 (0
 * means "no token" on the wire).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "token.h"

Test(token, binds_every_field_and_the_key)
{
	struct hunt_token_key k, k2;
	cr_assert_eq(hunt_token_key_init(&k, 100), 0);
	cr_assert_eq(hunt_token_key_init(&k2, 100), 0);
	cr_assert_neq(memcmp(k.key, k2.key, sizeof(k.key)), 0, "keys are random");
	uint64_t t = hunt_token(&k, 42, 7, 0x0100a8c0, 0x3930);
	cr_assert_eq(t, hunt_token(&k, 42, 7, 0x0100a8c0, 0x3930), "deterministic");
	cr_assert_neq(t, hunt_token(&k, 43, 7, 0x0100a8c0, 0x3930));
	cr_assert_neq(t, hunt_token(&k, 42, 8, 0x0100a8c0, 0x3930));
	cr_assert_neq(t, hunt_token(&k, 42, 7, 0x0200a8c0, 0x3930));
	cr_assert_neq(t, hunt_token(&k, 42, 7, 0x0100a8c0, 0x3931));
	cr_assert_neq(t, hunt_token(&k2, 42, 7, 0x0100a8c0, 0x3930));
	struct hunt_token_key k3 = k;
	k3.epoch = 101;
	cr_assert_neq(t, hunt_token(&k3, 42, 7, 0x0100a8c0, 0x3930));
}

Test(token, never_zero)
{
	struct hunt_token_key k;
	cr_assert_eq(hunt_token_key_init(&k, 1), 0);
	for (uint64_t p = 0; p < 100000; p++)
		cr_assert_neq(hunt_token(&k, p, 1, 1, 1), 0);
}
