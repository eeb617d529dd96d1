#include "checkpoint.h"

#include "jreader.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CKPT_MAGIC 0x31504b43544e5548ull /* "HUNTCKP1" */
#define CKPT_VERSION 1u

struct __attribute__((packed)) ckpt_header {
	uint64_t magic;
	uint32_t version;
	uint32_t n_hunts;
	uint64_t epoch;
};

struct __attribute__((packed)) ckpt_hunt {
	uint32_t hunt_id;
	uint32_t clues_per_wave;
	uint32_t wave_id;
	uint8_t state;
	uint8_t reserved[3];
	uint64_t event_wall_ms;
	uint32_t n_won;
	uint32_t slot_wave[2];
	uint32_t n_members;
};

struct __attribute__((packed)) ckpt_member {
	uint64_t player_id;
	uint64_t coins;
	uint32_t wins;
};

/* A growable buffer: the checkpoint is built in memory, then written once. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void
put(struct buf *b, const void *v, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1 << 20;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void
put_hunt(struct buf *b, const struct hunt_state *h)
{
	uint32_t cpw = h->cfg->clues_per_wave;
	struct ckpt_hunt ch = {.hunt_id = h->cfg->id, .clues_per_wave = cpw, .wave_id = h->wave_id,
			       .state = h->state, .event_wall_ms = h->event_wall_ms,
			       .n_won = h->n_won, .slot_wave = {h->slot_wave[0], h->slot_wave[1]},
			       .n_members = h->n_members};
	put(b, &ch, sizeof(ch));
	for (int s = 0; s < 2; s++)
		for (uint32_t c = 0; c < cpw; c++)
			put(b, &h->clues[s][c].winner_id, sizeof(uint64_t));
	for (uint32_t i = 0; i <= h->members_mask; i++) {
		const struct hunt_member *m = &h->members[i];
		if (m->player_id == 0)
			continue;
		struct ckpt_member cm = {.player_id = m->player_id, .coins = m->coins, .wins = m->wins};
		put(b, &cm, sizeof(cm));
	}
}

int
hunt_checkpoint_write(int dir_fd, uint64_t epoch, struct hunt_table *const *tables,
		      uint32_t n_tables)
{
	struct buf b = {0};
	struct ckpt_header hd = {.magic = CKPT_MAGIC, .version = CKPT_VERSION, .epoch = epoch};
	for (uint32_t t = 0; t < n_tables; t++)
		hd.n_hunts += tables[t]->n_hunts;
	put(&b, &hd, sizeof(hd));
	for (uint32_t t = 0; t < n_tables; t++)
		for (uint32_t i = 0; i < tables[t]->n_hunts; i++)
			put_hunt(&b, &tables[t]->hunts[i]);
	uint32_t crc = b.oom ? 0 : hunt_crc32c(b.p, (uint32_t)b.len);
	put(&b, &crc, sizeof(crc));
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	char name[64], tmp[72];
	snprintf(name, sizeof(name), "ckpt-%08llx.hc", (unsigned long long)epoch);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = fd < 0 ? -errno : 0;
	for (size_t off = 0; rc == 0 && off < b.len;) {
		ssize_t n = write(fd, b.p + off, b.len - off);
		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc == 0 && renameat(dir_fd, tmp, dir_fd, name) != 0)
		rc = -errno;
	if (rc == 0 && fsync(dir_fd) != 0)
		rc = -errno;
	free(b.p);
	return rc;
}

/* One hunt's snapshot at p, bounds-checked against end: applied to its
 * owner when `apply`, else only measured. Returns the bytes it spans, or 0
 * if it runs past the end. */
static size_t
load_hunt(const uint8_t *p, const uint8_t *end, hunt_ckpt_owner_fn owner, void *ctx,
	  uint32_t *skipped, int apply)
{
	struct ckpt_hunt ch;
	if ((size_t)(end - p) < sizeof(ch))
		return 0;
	memcpy(&ch, p, sizeof(ch));
	size_t need = sizeof(ch) + 2 * (size_t)ch.clues_per_wave * sizeof(uint64_t) +
		      (size_t)ch.n_members * sizeof(struct ckpt_member);
	if ((size_t)(end - p) < need)
		return 0;
	if (!apply)
		return need;
	struct hunt_table *t = owner(ctx, ch.hunt_id);
	/* Loading happens before the journal is attached: joins below must not
	 * be journaled again. */
	assert(t == NULL || t->sink.emit == NULL);
	struct hunt_state *h = t ? hunt_table_find(t, ch.hunt_id) : NULL;
	if (h == NULL || h->cfg->clues_per_wave != ch.clues_per_wave ||
	    ch.n_members > h->cfg->max_players || ch.state > HUNT_WAVE_FINISHED) {
		(*skipped)++;
		return need;
	}
	const uint8_t *q = p + sizeof(ch);
	for (int s = 0; s < 2; s++) {
		h->slot_wave[s] = ch.slot_wave[s];
		for (uint32_t c = 0; c < ch.clues_per_wave; c++, q += sizeof(uint64_t)) {
			struct hunt_clue *cl = &h->clues[s][c];
			memcpy(&cl->winner_id, q, sizeof(uint64_t));
			cl->win_seq = 0;
			if (ch.slot_wave[s] != 0)
				hunt_answer_gen(h->cfg->answer_seed, h->cfg->id, ch.slot_wave[s], c,
						cl->answer);
		}
	}
	for (uint32_t i = 0; i < ch.n_members; i++, q += sizeof(struct ckpt_member)) {
		struct ckpt_member cm;
		memcpy(&cm, q, sizeof(cm));
		uint64_t dep;
		if (hunt_member_join(t, h, cm.player_id, 0, &dep) == HUNT_STATUS_OK) {
			struct hunt_member *m = hunt_member_find(h, cm.player_id);
			m->coins = cm.coins;
			m->wins = cm.wins;
			m->join_seq = 0;
		}
	}
	h->wave_id = ch.wave_id;
	h->state = ch.state;
	h->event_wall_ms = ch.event_wall_ms;
	h->n_won = ch.n_won;
	h->state_seq = 0;
	return need;
}

static int
load_file(const char *path, hunt_ckpt_owner_fn owner, void *ctx, uint32_t *skipped)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = len > (long)(sizeof(struct ckpt_header) + 4) ? malloc((size_t)len) : NULL;
	int ok = b != NULL && fread(b, 1, (size_t)len, f) == (size_t)len;
	fclose(f);
	uint32_t crc;
	if (ok)
		memcpy(&crc, b + len - 4, 4);
	if (!ok || crc != hunt_crc32c(b, (uint32_t)(len - 4))) {
		free(b);
		return -EBADMSG;
	}
	struct ckpt_header hd;
	memcpy(&hd, b, sizeof(hd));
	if (hd.magic != CKPT_MAGIC || hd.version != CKPT_VERSION) {
		free(b);
		return -EBADMSG;
	}
	/* Pass 0 checks every bound; pass 1 applies. Nothing is applied from a
	 * file that is not whole. */
	const uint8_t *end = b + len - 4;
	for (int apply = 0; apply < 2; apply++) {
		const uint8_t *p = b + sizeof(hd);
		for (uint32_t i = 0; i < hd.n_hunts; i++) {
			size_t used = load_hunt(p, end, owner, ctx, skipped, apply);
			if (used == 0) {
				free(b);
				return -EBADMSG;
			}
			p += used;
		}
	}
	free(b);
	return 0;
}

/* Epochs of the checkpoints in dir, newest first; returns how many. */
static int
list_checkpoints(const char *dir, uint64_t *epochs, int max)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		uint64_t ep;
		uint32_t w, s;
		if (hunt_journal_file_kind(e->d_name, &ep, &w, &s) == HUNT_JFILE_CHECKPOINT)
			epochs[n++] = ep;
	}
	closedir(d);
	for (int i = 1; i < n; i++) /* insertion sort, descending */
		for (int k = i; k > 0 && epochs[k] > epochs[k - 1]; k--) {
			uint64_t x = epochs[k];
			epochs[k] = epochs[k - 1];
			epochs[k - 1] = x;
		}
	return n;
}

int
hunt_checkpoint_load(const char *dir, hunt_ckpt_owner_fn owner, void *ctx, uint64_t *epoch,
		     uint32_t *skipped)
{
	uint64_t epochs[64];
	int n = list_checkpoints(dir, epochs, 64);
	*epoch = 0;
	*skipped = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/ckpt-%08llx.hc", dir, (unsigned long long)epochs[i]);
		*skipped = 0;
		if (load_file(path, owner, ctx, skipped) == 0) {
			*epoch = epochs[i];
			return 0;
		}
		/* Damaged (nothing of it was applied): try the one before. */
		fprintf(stderr, "huntd: checkpoint %s is damaged; trying an older one\n", path);
	}
	return 0;
}

int
hunt_journal_retain(int dir_fd, const char *dir, uint64_t below)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		uint64_t ep;
		uint32_t w, s;
		if (hunt_journal_file_kind(e->d_name, &ep, &w, &s) == HUNT_JFILE_OTHER || ep >= below)
			continue;
		if (unlinkat(dir_fd, e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	if (removed > 0)
		fsync(dir_fd);
	return removed;
}
