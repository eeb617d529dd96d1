#include "token.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "hunt/journal.h"

#define KEY_FILE "token.key"

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

struct key_file {
	uint8_t key[HUNT_TOKEN_KEY_BYTES];
	uint32_t epoch;
	uint32_t crc;
};

int
hunt_token_key_load(struct hunt_token_key *k, int dir_fd, uint32_t epoch)
{
	struct key_file f;
	int fd = openat(dir_fd, KEY_FILE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, &f, sizeof(f));
		close(fd);
		if (n != (ssize_t)sizeof(f) || f.crc != hunt_crc32c(&f, offsetof(struct key_file, crc)))
			return -EBADMSG;
		memcpy(k->key, f.key, sizeof(k->key));
		k->epoch = f.epoch;
		return sodium_init() < 0 ? -EIO : 0;
	}
	if (errno != ENOENT)
		return -errno;
	if (hunt_token_key_init(k, epoch) != 0)
		return -EIO;
	memcpy(f.key, k->key, sizeof(f.key));
	f.epoch = epoch;
	f.crc = hunt_crc32c(&f, offsetof(struct key_file, crc));
	fd = openat(dir_fd, KEY_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = write(fd, &f, sizeof(f)) == (ssize_t)sizeof(f) && fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	if (rc == 0 && renameat(dir_fd, KEY_FILE ".tmp", dir_fd, KEY_FILE) != 0)
		rc = -errno;
	if (rc == 0 && fsync(dir_fd) != 0)
		rc = -errno;
	return rc;
}
