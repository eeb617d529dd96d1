/*
 * The journal writer: one per worker, driven from the worker's poll loop.
 *
 * Records are appended to an in-memory group; a group is written and made
 * durable with one io_uring submission while the next group fills: either
 * one O_DIRECT|O_DSYNC write of whole 4 KiB blocks (`direct`; the partial
 * block a group ends in is carried into the next group's buffer and
 * written again, with the same bytes, by the next write), or a buffered
 * write linked to an fdatasync. Only one group is in flight, so after a crash
 * only the last group can be torn. hunt_journal_poll() reaps completions
 * and submits; it never blocks, and a full journal makes hunt_journal_room()
 * false, which callers turn into RETRY_LATER.
 *
 * A write or flush error (or a short write that cannot complete) fails the
 * journal for good: durable_seq never passes the failed group, so nothing in
 * it is acknowledged, and every later append is refused.
 *
 * A spare segment that cannot be made (a full disk: ENOSPC is met here,
 * ahead of need, since segments are preallocated) is not a journal
 * failure: nothing written depends on it. The helper tries again every
 * spare_retry_ns; meanwhile the current segment fills, then every append
 * is refused (RETRY_LATER, counted in `spare_waits`) until a spare is
 * ready, and the journal goes on by itself once there is room again.
 *
 * Threads: the worker owns everything here except `spare_fd` and
 * `spare_error`, which the segment helper thread (hunt_journal_make_spare)
 * writes with release stores when a zero-filled spare segment is ready or
 * could not be made, and `sealed`, which the worker publishes (release)
 * for the helper's checkpointer.
 */
#ifndef HUNT_JOURNAL_H
#define HUNT_JOURNAL_H

#include <stdint.h>

#include <liburing.h> /* also cpu_set_t */

#include "hunt/hist.h"
#include "hunt/journal.h"

struct hunt_journal_cfg {
	int dir_fd;               /* the journal directory, opened by the caller */
	uint64_t epoch;
	uint32_t worker;
	uint64_t segment_bytes;   /* file size, header included */
	uint32_t group_bytes;     /* most bytes in one group */
	uint64_t group_delay_tsc; /* flush a non-full group after this long; 0: at once */
	int direct;               /* O_DIRECT|O_DSYNC block writes, else write + fdatasync */
	const cpu_set_t *iowq_cpus; /* where io_uring's blocking work may run; NULL: any CPU */
	uint64_t spare_retry_ns;  /* a spare that could not be made is tried again after this */
};

#define HUNT_JOURNAL_BLOCK 4096u /* O_DIRECT alignment of buffers, offsets, lengths */

struct hunt_journal_stats {
	uint64_t records;
	uint64_t groups;
	uint64_t bytes;
	uint64_t flush_cycles;     /* sum over groups, submit to durable */
	uint64_t flush_cycles_max;
	uint64_t group_records_max;
	uint64_t full;             /* hunt_journal_room() said no */
	uint64_t short_writes;
	uint64_t rollovers;
	uint64_t spare_waits;      /* rollover found no spare yet */
	uint64_t errors;
	/* Written by the helper thread (hunt_journal_make_spare), not the
	 * worker: how each segment after the first was made. */
	uint64_t spares_recycled;  /* a retired segment renamed into place */
	uint64_t spares_zeroed;    /* a new file, zero-filled */
	uint64_t spare_failures;   /* tries to make one that failed (each retried) */
};

struct hunt_jgroup {
	uint8_t *data;      /* carry bytes, then the records */
	uint32_t carry;     /* bytes of the block the group starts in that
			     * earlier groups wrote, copied to data[0..carry) */
	uint32_t used;      /* record bytes */
	uint32_t n_records;
	uint64_t last_seq;
	uint64_t first_tsc; /* when its first record was appended */
};

enum hunt_jop { HUNT_JOP_WRITE = 1, HUNT_JOP_FSYNC = 2 };

/*
 * The alternative writer, kept to measure against (docs/architecture.md):
 * one journal thread per device, fed by the workers. Each worker's journal
 * has a one-slot mailbox (one group in flight: an SPSC ring of one); the
 * worker fills it, publishes `posted` and wakes the thread through an
 * eventfd (one syscall per group, like io_uring_submit); the thread does the
 * blocking write (and fdatasync) and publishes the results and `done`.
 */
struct hunt_jdev_slot {
	int fd;
	const uint8_t *buf;
	uint32_t len;
	uint64_t off;
	int fsync;
	uint64_t posted;  /* worker: release store after filling the slot */
	uint64_t done;    /* thread: release store after the results */
	int res_write, res_fsync;
};

struct hunt_jdev {
	int efd;                     /* workers -> thread wake-ups */
	struct hunt_journal **journals;
	uint32_t n_journals;
	int stop;
};

/* Test seam: called with every completion's result before it is used;
 * returns the result to use (e.g. -EIO, or a shorter length). */
typedef int (*hunt_journal_fault_fn)(void *ctx, enum hunt_jop op, int res);

struct hunt_journal {
	struct hunt_journal_cfg cfg;
	struct io_uring ring;
	int fd;                  /* current segment */
	int old_fd;              /* previous segment while its last flush runs, or -1 */
	int inflight_fd;         /* the fd the in-flight group is written to */
	uint32_t segment;        /* its number */
	uint64_t off;            /* where the next group goes */
	struct hunt_jgroup group[2];
	uint32_t filling;        /* index of the group taking appends */
	int inflight;            /* the other group is being written */
	uint64_t inflight_off;   /* file offset of the write (group start - carry) */
	uint32_t inflight_len;   /* bytes of the write (padded to a block) */
	uint32_t inflight_done;  /* bytes of it written so far */
	uint64_t inflight_tsc;
	uint64_t next_seq;
	uint64_t durable_seq;
	int error;               /* 0, or the negative errno that failed it */
	int spare_fd;            /* helper -> worker: ready spare, or -1 */
	int spare_error;         /* helper -> telemetry: the last try to make the
				  * spare failed with this; 0 once one is made */
	uint64_t spare_failed_ns; /* helper: when that try was */
	uint32_t spare_next;     /* helper: number of the next spare to make */
	uint64_t spare_taken_ns; /* helper: when it last found the spare taken */
	uint32_t sealed;         /* worker -> helper: segments 0 .. sealed - 1 are
				  * complete, durable and closed */
	hunt_journal_fault_fn fault;
	void *fault_ctx;
	struct hunt_jdev *dev;   /* set: the device thread writes, not io_uring */
	struct hunt_jdev_slot slot;
	struct hunt_journal_stats st;
	struct hist flush_hist;  /* submit to durable, TSC cycles, per group */
	/* Called with each group's record bytes once they are durable. */
	void (*on_durable)(void *ctx, const uint8_t *records, uint32_t bytes);
	void *durable_ctx;
};

/* The device thread's loop: serves every journal's slot until dev->stop
 * (set it, then write dev->efd). pthread-shaped. */
void *hunt_jdev_main(void *dev);

/* Creates segment 0 and spare 1 (blocking: start-up only). 0 or -errno. */
int hunt_journal_open(struct hunt_journal *j, const struct hunt_journal_cfg *cfg);

/* The `now` of calls that have no clock (hunt_journal_close): a group
 * made durable then counts in groups and bytes but not in the flush times,
 * which would otherwise be 0 minus its submit time. */
#define HUNT_JOURNAL_NO_CLOCK 0u

/* Flushes what is pending, waits for it, closes. Shutdown only. */
int hunt_journal_close(struct hunt_journal *j);

/* Whether `bytes` more of records fit now (false while full or failed). */
int hunt_journal_room(struct hunt_journal *j, uint32_t bytes);

/* Appends one record; returns its seq. The caller checked room first. */
uint64_t hunt_journal_append(struct hunt_journal *j, uint8_t type, uint32_t hunt_id,
			     const void *payload, uint16_t len, uint64_t now_tsc);

/* Sleeps until a completion of the group in flight is ready (left for the
 * next hunt_journal_poll to reap) or `us` pass, and returns 1; returns 0 at
 * once if nothing is in flight, the journal failed or a device thread
 * writes. Only for a worker that is idle (no request for a while): the one
 * call of the journal that blocks. */
int hunt_journal_wait(struct hunt_journal *j, uint32_t us);

/* Reaps completions and submits the next group when due. Never blocks. */
void hunt_journal_poll(struct hunt_journal *j, uint64_t now_tsc);

/* For the segment helper thread: if the worker has taken the spare, makes
 * the next one (zero-filled, header written, file and directory fsynced).
 * Blocking. Returns 1 if it made one, 0 if none was needed, -errno. */
int hunt_journal_make_spare(struct hunt_journal *j);

/* Segment file name: seg-EPOCH-WORKER-SEGMENT.hj, hex. */
void hunt_journal_seg_name(char *out, size_t n, uint64_t epoch, uint32_t worker,
			   uint32_t segment);

#endif
