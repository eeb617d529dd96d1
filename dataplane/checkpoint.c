#include "checkpoint.h"

#include "jreader.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CKPT_MAGIC 0x31504b43544e5548ull /* "HUNTCKP1" */
#define CKPT_VERSION 3u /* 3 added each hunt's events; 2 is still read */

struct __attribute__((packed)) ckpt_header {
	uint64_t magic;
	uint32_t version;
	uint32_t n_hunts;
	uint64_t epoch;
	uint32_t gen;
	uint32_t n_workers; /* then n_workers x ckpt_stream */
};

struct __attribute__((packed)) ckpt_stream {
	uint32_t segments;
	uint64_t next_seq;
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

/* Version 3: after the members, the hunt's event ring (oldest first). */
struct __attribute__((packed)) ckpt_events {
	uint64_t n_events;
	uint64_t dropped_id;
	uint32_t n_kept; /* then n_kept x struct hunt_event */
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
	uint64_t cap = (uint64_t)h->events_mask + 1;
	uint64_t first = h->n_events > cap ? h->n_events - cap : 0;
	struct ckpt_events ce = {.n_events = h->n_events, .dropped_id = h->dropped_id,
				 .n_kept = (uint32_t)(h->n_events - first)};
	put(b, &ce, sizeof(ce));
	for (uint64_t i = first; i < h->n_events; i++)
		put(b, &h->events[i & h->events_mask], sizeof(struct hunt_event));
}

void
hunt_checkpoint_name(char *out, size_t n, uint64_t epoch, uint32_t gen)
{
	snprintf(out, n, "ckpt-%08llx-%06x.hc", (unsigned long long)epoch, gen);
}

int
hunt_checkpoint_write(int dir_fd, const struct hunt_jcover *cover,
		      struct hunt_table *const *tables, uint32_t n_tables)
{
	struct buf b = {0};
	struct ckpt_header hd = {.magic = CKPT_MAGIC, .version = CKPT_VERSION,
				 .epoch = cover->epoch, .gen = cover->gen,
				 .n_workers = cover->n_workers};
	if (cover->n_workers > HUNT_JSCAN_WORKERS_MAX)
		return -EINVAL;
	for (uint32_t t = 0; t < n_tables; t++)
		hd.n_hunts += tables[t]->n_hunts;
	put(&b, &hd, sizeof(hd));
	for (uint32_t w = 0; w < cover->n_workers; w++) {
		struct ckpt_stream cs = {.segments = cover->segments[w],
					 .next_seq = cover->next_seq[w]};
		put(&b, &cs, sizeof(cs));
	}
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
	hunt_checkpoint_name(name, sizeof(name), cover->epoch, cover->gen);
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
	if (rc != 0)
		unlinkat(dir_fd, tmp, 0); /* a partial file holds space a retry needs */
	if (rc == 0 && fsync(dir_fd) != 0)
		rc = -errno;
	free(b.p);
	return rc;
}

/* One hunt's snapshot at p, bounds-checked against end: applied to its
 * owner when `apply`, else only measured. Returns the bytes it spans, or 0
 * if it runs past the end. */
static size_t
load_hunt(const uint8_t *p, const uint8_t *end, uint32_t version, hunt_ckpt_owner_fn owner,
	  void *ctx, uint32_t *skipped, int apply)
{
	struct ckpt_hunt ch;
	if ((size_t)(end - p) < sizeof(ch))
		return 0;
	memcpy(&ch, p, sizeof(ch));
	size_t need = sizeof(ch) + 2 * (size_t)ch.clues_per_wave * sizeof(uint64_t) +
		      (size_t)ch.n_members * sizeof(struct ckpt_member);
	struct ckpt_events ce = {0};
	if (version >= 3) {
		if ((size_t)(end - p) < need + sizeof(ce))
			return 0;
		memcpy(&ce, p + need, sizeof(ce));
		need += sizeof(ce) + (size_t)ce.n_kept * sizeof(struct hunt_event);
	}
	if ((size_t)(end - p) < need || ce.n_kept > ce.n_events)
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
			if (ch.slot_wave[s] != 0 && !t->answers_later)
				hunt_clue_fill(t, h, ch.slot_wave[s], c, cl);
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
	q += sizeof(ce);
	h->n_events = ce.n_events - ce.n_kept; /* a smaller ring keeps the newest */
	h->dropped_id = ce.dropped_id;
	for (uint32_t i = 0; i < ce.n_kept; i++, q += sizeof(struct hunt_event)) {
		struct hunt_event ev;
		memcpy(&ev, q, sizeof(ev));
		hunt_event_add(h, &ev);
	}
	h->wave_id = ch.wave_id;
	h->state = ch.state;
	h->event_wall_ms = ch.event_wall_ms;
	h->n_won = ch.n_won;
	h->state_seq = 0;
	return need;
}

struct ckpt_id {
	uint64_t epoch;
	uint32_t gen;
};

/* Checks a checkpoint file whole, then (if owner) applies it. Sets *cover.
 * The file must be the checkpoint its name says (id): one copied or renamed
 * under another name would make recovery replay what it holds again, and
 * retention delete segments by what it claims to cover (found by
 * tests/fuzz/fuzz_checkpoint.c: a header changed to epoch 0 loaded). */
static int
load_file(const char *path, struct ckpt_id id, hunt_ckpt_owner_fn owner, void *ctx,
	  uint32_t *skipped, struct hunt_jcover *cover)
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
	size_t streams = (size_t)hd.n_workers * sizeof(struct ckpt_stream);
	if (hd.magic != CKPT_MAGIC || hd.version < 2 || hd.version > CKPT_VERSION ||
	    hd.epoch != id.epoch || hd.gen != id.gen ||
	    hd.n_workers > HUNT_JSCAN_WORKERS_MAX || sizeof(hd) + streams > (size_t)len - 4) {
		free(b);
		return -EBADMSG;
	}
	*cover = (struct hunt_jcover){.epoch = hd.epoch, .gen = hd.gen, .n_workers = hd.n_workers};
	for (uint32_t w = 0; w < hd.n_workers; w++) {
		struct ckpt_stream cs;
		memcpy(&cs, b + sizeof(hd) + w * sizeof(cs), sizeof(cs));
		cover->segments[w] = cs.segments;
		cover->next_seq[w] = cs.next_seq;
	}
	/* Pass 0 checks every bound; pass 1 applies. Nothing is applied from a
	 * file that is not whole. */
	const uint8_t *end = b + len - 4;
	for (int apply = 0; apply < (owner != NULL ? 2 : 1); apply++) {
		const uint8_t *p = b + sizeof(hd) + streams;
		for (uint32_t i = 0; i < hd.n_hunts; i++) {
			size_t used = load_hunt(p, end, hd.version, owner, ctx, skipped, apply);
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

static int
ckpt_newer(struct ckpt_id a, struct ckpt_id b)
{
	return a.epoch != b.epoch ? a.epoch > b.epoch : a.gen > b.gen;
}

/* The checkpoints in dir, newest first; returns how many (at most max). */
static int
list_checkpoints(const char *dir, struct ckpt_id *ids, int max)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		uint64_t ep;
		uint32_t w, gen;
		if (hunt_journal_file_kind(e->d_name, &ep, &w, &gen) == HUNT_JFILE_CHECKPOINT)
			ids[n++] = (struct ckpt_id){ep, gen};
	}
	closedir(d);
	for (int i = 1; i < n; i++) /* insertion sort, newest first */
		for (int k = i; k > 0 && ckpt_newer(ids[k], ids[k - 1]); k--) {
			struct ckpt_id x = ids[k];
			ids[k] = ids[k - 1];
			ids[k - 1] = x;
		}
	return n;
}

#define CKPT_LIST_MAX 256

static int
ckpt_path(char *out, size_t n, const char *dir, struct ckpt_id id)
{
	char name[64];
	hunt_checkpoint_name(name, sizeof(name), id.epoch, id.gen);
	return snprintf(out, n, "%s/%s", dir, name);
}

int
hunt_checkpoint_load(const char *dir, hunt_ckpt_owner_fn owner, void *ctx,
		     struct hunt_jcover *cover, uint32_t *skipped)
{
	struct ckpt_id ids[CKPT_LIST_MAX];
	int n = list_checkpoints(dir, ids, CKPT_LIST_MAX);
	*cover = (struct hunt_jcover){0};
	*skipped = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char path[4096];
		ckpt_path(path, sizeof(path), dir, ids[i]);
		*skipped = 0;
		if (load_file(path, ids[i], owner, ctx, skipped, cover) == 0)
			return 0;
		/* Damaged (nothing of it was applied): try the one before. */
		*cover = (struct hunt_jcover){0};
		fprintf(stderr, "huntd: checkpoint %s is damaged; trying an older one\n", path);
	}
	return 0;
}

struct seg_info {
	uint64_t epoch;
	uint32_t worker, segment;
	uint64_t bytes;
	time_t mtime;
	char name[64];
};

static int
cmp_seg_age(const void *a, const void *b)
{
	const struct seg_info *x = a, *y = b;
	if (x->epoch != y->epoch)
		return x->epoch < y->epoch ? -1 : 1;
	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	return x->worker < y->worker ? -1 : x->worker > y->worker;
}

int
hunt_journal_retain(int dir_fd, const char *dir, uint32_t max_free, uint64_t max_bytes,
		    uint64_t max_age_s, time_t now)
{
	/* The two newest whole checkpoints: only what both cover may go, so a
	 * newest one damaged later still has one to fall back to. */
	struct ckpt_id ids[CKPT_LIST_MAX];
	int n = list_checkpoints(dir, ids, CKPT_LIST_MAX);
	if (n < 0)
		return n;
	struct hunt_jcover cv[2];
	struct ckpt_id keep[2];
	int valid = 0;
	for (int i = 0; i < n && valid < 2; i++) {
		char path[4096];
		uint32_t skipped;
		ckpt_path(path, sizeof(path), dir, ids[i]);
		if (load_file(path, ids[i], NULL, NULL, &skipped, &cv[valid]) == 0)
			keep[valid++] = ids[i];
	}
	if (valid < 2)
		return 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	size_t n_segs = 0, cap = 256;
	struct seg_info *segs = malloc(cap * sizeof(*segs));
	uint64_t total = 0;
	int removed = 0, n_free = 0;
	struct dirent *e;
	while (segs != NULL && (e = readdir(d)) != NULL) {
		struct seg_info si = {0};
		enum hunt_jfile kind = hunt_journal_file_kind(e->d_name, &si.epoch, &si.worker, &si.segment);
		struct stat sb;
		size_t nl = strlen(e->d_name);
		if (strncmp(e->d_name, "ckpt-", 5) == 0 && nl > 7 &&
		    strcmp(e->d_name + nl - 7, ".hc.tmp") == 0) {
			/* a checkpoint a crash interrupted (only this thread writes them) */
			if (unlinkat(dir_fd, e->d_name, 0) == 0)
				removed++;
			continue;
		}
		if (kind == HUNT_JFILE_CHECKPOINT &&
		    ckpt_newer(keep[1], (struct ckpt_id){si.epoch, si.segment})) {
			if (unlinkat(dir_fd, e->d_name, 0) == 0)
				removed++; /* older than the two kept */
			continue;
		}
		n_free += kind == HUNT_JFILE_FREE;
		if (kind != HUNT_JFILE_SEGMENT || fstatat(dir_fd, e->d_name, &sb, 0) != 0)
			continue;
		si.bytes = (uint64_t)sb.st_size;
		si.mtime = sb.st_mtime;
		total += si.bytes;
		if (!hunt_jcover_has(&cv[1], si.epoch, si.worker, si.segment))
			continue;
		snprintf(si.name, sizeof(si.name), "%.63s", e->d_name);
		if (n_segs == cap) {
			cap *= 2;
			struct seg_info *ns = realloc(segs, cap * sizeof(*segs));
			if (ns == NULL)
				free(segs);
			segs = ns;
			if (segs == NULL)
				break;
		}
		segs[n_segs++] = si;
	}
	closedir(d);
	if (segs == NULL)
		return -ENOMEM;
	qsort(segs, n_segs, sizeof(*segs), cmp_seg_age);
	for (size_t i = 0; i < n_segs; i++) {
		int too_old = max_age_s != 0 && now - segs[i].mtime > (time_t)max_age_s;
		if (!(total > max_bytes || too_old))
			continue;
		/* Kept for reuse while few are (the helper renames one into the
		 * next segment instead of zero-filling a new file), else deleted. */
		char free_name[80];
		snprintf(free_name, sizeof(free_name), "free-%s", segs[i].name);
		if ((uint32_t)n_free < max_free &&
		    renameat(dir_fd, segs[i].name, dir_fd, free_name) == 0)
			n_free++;
		else if (unlinkat(dir_fd, segs[i].name, 0) != 0)
			continue;
		total -= segs[i].bytes;
		removed++;
	}
	free(segs);
	if (removed > 0)
		fsync(dir_fd);
	return removed;
}
