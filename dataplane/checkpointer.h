/*
 * The checkpointer: bounds replay within one long run without touching the
 * workers. It runs on huntd's helper thread and keeps a shadow copy of
 * every worker's hunt table, which it builds the way recovery would: from
 * the start-up checkpoint, then by folding in each segment once the worker
 * has sealed it (hunt_journal.sealed: complete, durable, closed). Every
 * `checkpoint_mb` of folded segments it writes the shadow as the next
 * checkpoint generation, then applies retention.
 *
 * So a live checkpoint holds exactly what the journal holds up to a segment
 * boundary, never an in-memory state that was not yet durable, and the
 * workers neither pause nor share a lock for it. The cost is a second copy
 * of the hunt state (docs/architecture.md) and reading each segment once
 * more, from the page cache.
 */
#ifndef HUNT_CHECKPOINTER_H
#define HUNT_CHECKPOINTER_H

#include <stdint.h>

#include "config.h"
#include "hunts.h"
#include "jreader.h"

struct hunt_checkpointer {
	const struct hunt_config *cfg;
	const char *dir;
	int dir_fd;
	uint32_t n_workers;
	struct hunt_table shadow[HUNT_JSCAN_WORKERS_MAX];
	struct hunt_jcover cover; /* what the shadow holds */
	uint64_t bytes_since;     /* folded since the last checkpoint written */
	uint64_t fold_count;      /* records of the segment being folded */
	int pace;                 /* pause while folding: no other sealed segment waits */
	struct hunt_jbuf buf;     /* a segment's bytes while it is folded */
	/* Read by telemetry (relaxed loads); written by the helper thread. */
	uint64_t written;         /* checkpoints written during this run */
	uint64_t folded_segments;
	uint64_t folded_records;
	uint64_t fold_cpu_us;     /* this thread's CPU time reading and applying them */
	uint64_t removed_files;   /* by retention */
	uint64_t last_write_us;   /* how long the last checkpoint (and retention) took */
	uint64_t write_failures;  /* checkpoint writes that failed (each retried) */
	int write_error;          /* the last write failed with this; 0 once one succeeds */
	double write_failed_s;    /* when (hunt_clock_mono_s) */
	int error;                /* 0, or what stopped it (logged once) */
};

/* Builds the shadow tables from the start-up checkpoint (generation 0 of
 * `epoch`, just written). Returns 0 or -errno. */
int hunt_checkpointer_init(struct hunt_checkpointer *c, const struct hunt_config *cfg,
			   const char *dir, int dir_fd, uint64_t epoch, uint32_t n_workers,
			   uint64_t now, uint64_t hz);

/* Folds every segment sealed[w] says is done, and writes a checkpoint when
 * due. Blocking I/O: the helper thread only. Returns 1 if it wrote one, 0,
 * or -errno (a sealed segment does not read back: it stops for good, the
 * journal goes on, unbounded replay). A checkpoint that cannot be written
 * is retried every few seconds (write_error, write_failures). */
int hunt_checkpointer_step(struct hunt_checkpointer *c, const uint32_t *sealed);

void hunt_checkpointer_free(struct hunt_checkpointer *c);

#endif
