/*
 * Proves a session token depends on every field it binds (player, hunt,
 * source address, source port, epoch) and on the key, and is never 0 (0
 * means "no token" on the wire); and that the key kept in a journal
 * directory survives a restart and is refused when damaged.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

Test(token, key_file_survives_a_restart_and_damage_is_refused)
{
	char dir[] = "/tmp/hunt-key.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct hunt_token_key a, b;
	cr_assert_eq(hunt_token_key_load(&a, dfd, 123), 0);
	cr_assert_eq(a.epoch, 123);
	cr_assert_eq(hunt_token_key_load(&b, dfd, 999), 0, "second start loads it");
	cr_assert_eq(b.epoch, 123, "the epoch of the first start");
	cr_assert_eq(memcmp(a.key, b.key, sizeof(a.key)), 0);
	cr_assert_eq(hunt_token(&a, 1, 2, 3, 4), hunt_token(&b, 1, 2, 3, 4));
	char path[64];
	snprintf(path, sizeof(path), "%s/token.key", dir);
	int fd = open(path, O_RDWR);
	unsigned char c;
	cr_assert_eq(pread(fd, &c, 1, 3), 1);
	c ^= 0xff; /* a real change whatever the random key holds */
	cr_assert_eq(pwrite(fd, &c, 1, 3), 1);
	close(fd);
	cr_assert_eq(hunt_token_key_load(&b, dfd, 5), -EBADMSG);
	close(dfd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_assert_eq(system(path), 0);
}
