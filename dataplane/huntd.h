/*
 * The huntd process: what main() builds and hands to the workers, the
 * telemetry callbacks and the control thread. Written once at start-up;
 * afterwards only `stop` changes (control thread) and each worker's own
 * struct (that worker).
 */
#ifndef HUNT_HUNTD_H
#define HUNT_HUNTD_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "leaderboard.h"
#include "token.h"
#include "worker.h"

struct huntd {
	struct hunt_config *cfg;
	struct hunt_token_key key;
	const char *journal_dir;      /* NULL: no journal, wins not durable */
	struct hunt_journal *journals; /* [n_workers] */
	struct hunt_checkpointer *ckpt; /* the helper thread's; NULL without a journal */
	struct hunt_jdev *jdev;        /* with [journal] device_thread: its thread's state */
	pthread_t jdev_thread;
	uint64_t epoch;
	uint16_t port_id;
	uint32_t n_workers;
	uint64_t tsc_hz;
	unsigned flow_rules;
	int stop;
	uint64_t start_wall_ms;
	uint64_t ctl_pid, ctl_seen_ms; /* hunt-control's last poll (control socket thread) */
	struct hunt_lb_board board;    /* the LEADERBOARD op's list: the control socket
					* thread publishes, workers read (seqlock) */
	uint64_t board_next_ms;        /* its next publish (control socket thread) */
	cpu_set_t start_cpus;          /* the CPUs huntd was started on (before the EAL
					* pinned the main thread): see housekeeping_cpus */
	struct hunt_worker *workers[HUNT_WORKERS_MAX];
};

/* Sum of every worker's counters, ops and status counts. */
struct hunt_totals {
	struct hunt_counters ctr;
	uint64_t ops[HUNT_OP_COUNT];
	uint64_t status[HUNT_STATUS_COUNT];
};

void huntd_sum(const struct huntd *d, struct hunt_totals *t);

/* Registers the /hunt/... telemetry commands for d. */
int huntd_telemetry_register(struct huntd *d);

/* The journal directory's filesystem: bytes free (what an unprivileged
 * writer may still use) and its size; low when less is free than every
 * worker's next two segments need (a spare that cannot be made is when
 * state changes start getting RETRY_LATER: journal.h). */
struct huntd_disk {
	uint64_t free_bytes, size_bytes;
	int low;
	/* What the journal directory holds, by kind (jreader.h): its
	 * segments (the spares included), checkpoints, and free (retired,
	 * kept for reuse) segments: files and bytes. */
	uint32_t n_segments, n_checkpoints, n_free;
	uint64_t segment_bytes, checkpoint_bytes, free_file_bytes;
};

/* Fills o for d's journal directory (a statvfs and one listing of the
 * directory: the control thread's work, not a worker's). Returns 0, or
 * -errno (-ENOENT: no journal). */
int huntd_journal_disk(const struct huntd *d, struct huntd_disk *o);

/* Writes o as a JSON object (no newline). */
void huntd_disk_json(const struct huntd_disk *o, FILE *f);

/* Writes the totals and per-worker counters as one JSON object. */
void huntd_write_json(const struct huntd *d, FILE *f);

#endif
