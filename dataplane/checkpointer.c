#include "checkpointer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "hunt/clock.h"
#include "hunt/shard.h"


/* Folding is paced: a pause after each slice, unless more sealed segments
 * wait (then it folds flat out rather than fall behind). */
#define FOLD_SLICE_RECORDS 16384u
#define FOLD_PAUSE_US 500u

/* A checkpoint that could not be written is tried again this often. */
#define CKPT_RETRY_S 5u

static struct hunt_table *
shadow_owner(void *ctx, uint32_t hunt_id)
{
	struct hunt_checkpointer *c = ctx;
	uint32_t w = hunt_owner_of_shard(hunt_shard_of_hunt(hunt_id, c->cfg->server.n_shards),
					 c->n_workers);
	return &c->shadow[w];
}

static int
fold_record(void *ctx, const struct hunt_rec_hdr *h, const void *payload,
	    const struct hunt_jpos *pos)
{
	struct hunt_checkpointer *c = ctx;
	hunt_table_apply(shadow_owner(c, h->hunt_id), pos->epoch, h, payload); /* -ENOENT: as replay */
	/* Folding a segment is ~1M records of CPU work: paced, so the kernel
	 * work that completes the journal's flushes (which may share this
	 * CPU, and waits for a running thread rather than preempting it) is
	 * held up by at most one slice (docs/benchmarks.md, 2026-11-30). */
	if (++c->fold_count % FOLD_SLICE_RECORDS == 0 && c->pace) {
		struct timespec ts = {.tv_nsec = FOLD_PAUSE_US * 1000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
hunt_checkpointer_init(struct hunt_checkpointer *c, const struct hunt_config *cfg,
		       const char *dir, int dir_fd, uint64_t epoch, uint32_t n_workers,
		       uint64_t now, uint64_t hz)
{
	memset(c, 0, sizeof(*c));
	if (n_workers > HUNT_JSCAN_WORKERS_MAX)
		return -EINVAL;
	c->cfg = cfg;
	c->dir = dir;
	c->dir_fd = dir_fd;
	c->n_workers = n_workers;
	for (uint32_t w = 0; w < n_workers; w++) {
		if (hunt_table_init(&c->shadow[w], cfg, w, n_workers, now, hz) != 0)
			return -ENOMEM;
		c->shadow[w].answers_later = 1; /* a checkpoint keeps winners, not answers */
	}
	uint32_t skipped;
	int rc = hunt_checkpoint_load(dir, shadow_owner, c, &c->cover, &skipped);
	if (rc != 0)
		return rc;
	if (c->cover.epoch != epoch || c->cover.gen != 0)
		return -ENOENT; /* not the start-up checkpoint of this run */
	c->cover.n_workers = n_workers;
	for (uint32_t w = 0; w < n_workers; w++) {
		c->cover.segments[w] = 0;
		c->cover.next_seq[w] = 1;
	}
	return 0;
}

static int
stop(struct hunt_checkpointer *c, int rc, const char *what)
{
	if (c->error == 0)
		fprintf(stderr, "huntd: checkpointer stopped (%s): %s; replay is no longer bounded "
				"until the next start\n", what, strerror(-rc));
	c->error = rc;
	return rc;
}

int
hunt_checkpointer_step(struct hunt_checkpointer *c, const uint32_t *sealed)
{
	if (c->error != 0)
		return c->error;
	char err[1024];
	for (uint32_t w = 0; w < c->n_workers; w++)
		while (c->cover.segments[w] < sealed[w]) {
			uint32_t s = c->cover.segments[w], waiting = 0;
			for (uint32_t v = 0; v < c->n_workers; v++)
				waiting += sealed[v] - c->cover.segments[v];
			c->pace = waiting <= 1;
			struct timespec t0, t1; /* this thread's CPU time, not the pauses */
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
			int rc = hunt_journal_scan_segment(c->dir, c->cover.epoch, w, s,
							   &c->cover.next_seq[w], fold_record, c,
							   &c->buf, err, sizeof(err));
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
			__atomic_fetch_add(&c->fold_cpu_us,
					   (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
						      (t1.tv_nsec - t0.tv_nsec) / 1000),
					   __ATOMIC_RELAXED);
			if (rc != 0) {
				fprintf(stderr, "huntd: checkpointer: %s\n", err);
				return stop(c, rc, "a sealed segment does not read back");
			}
			c->cover.segments[w]++;
			__atomic_fetch_add(&c->folded_segments, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&c->folded_records, c->fold_count, __ATOMIC_RELAXED);
			c->fold_count = 0;
			c->bytes_since += (uint64_t)c->cfg->journal.segment_mb << 20;
		}
	const struct hunt_journal_tuning *jt = &c->cfg->journal;
	if (c->bytes_since < (uint64_t)jt->checkpoint_mb << 20)
		return 0;
	double t0 = hunt_clock_mono_s();
	if (c->write_error != 0 && t0 - c->write_failed_s < CKPT_RETRY_S)
		return 0; /* the last write failed: not again yet */
	struct hunt_table *tables[HUNT_JSCAN_WORKERS_MAX];
	for (uint32_t w = 0; w < c->n_workers; w++)
		tables[w] = &c->shadow[w];
	c->cover.gen++;
	int rc = hunt_checkpoint_write(c->dir_fd, &c->cover, tables, c->n_workers);
	if (rc != 0) {
		/* A full disk, most likely. The shadow tables are intact, so
		 * the next try writes the same checkpoint (or a later one);
		 * meanwhile replay after a crash is longer, not wrong. */
		c->cover.gen--;
		if (c->write_error == 0)
			fprintf(stderr, "huntd: checkpointer: cannot write a checkpoint (%s); "
					"trying again every %u s\n", strerror(-rc), CKPT_RETRY_S);
		c->write_failed_s = t0;
		__atomic_store_n(&c->write_error, rc, __ATOMIC_RELAXED);
		__atomic_fetch_add(&c->write_failures, 1, __ATOMIC_RELAXED);
	} else {
		if (c->write_error != 0)
			fprintf(stderr, "huntd: checkpointer: checkpoint %lu written after failed tries\n",
				(unsigned long)c->cover.gen);
		__atomic_store_n(&c->write_error, 0, __ATOMIC_RELAXED);
		c->bytes_since = 0;
	}
	/* Also after a failed write: what the checkpoints already on disk
	 * cover can still be retired, and a retired segment recycled is a
	 * spare that needs no new space. */
	int removed = hunt_journal_retain(c->dir_fd, c->dir, jt->free_segments,
					  (uint64_t)jt->retain_mb << 20,
					  (uint64_t)jt->retain_hours * 3600u, time(NULL));
	if (removed > 0)
		__atomic_fetch_add(&c->removed_files, (uint64_t)removed, __ATOMIC_RELAXED);
	if (rc != 0)
		return 0;
	__atomic_store_n(&c->last_write_us, (uint64_t)((hunt_clock_mono_s() - t0) * 1e6), __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->written, 1, __ATOMIC_RELAXED);
	return 1;
}

void
hunt_checkpointer_free(struct hunt_checkpointer *c)
{
	for (uint32_t w = 0; w < c->n_workers; w++)
		hunt_table_free(&c->shadow[w]);
	free(c->buf.p);
	c->buf = (struct hunt_jbuf){0};
}
