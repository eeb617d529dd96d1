/*
 * Reading a journal directory: recovery in huntd and `huntctl journal`
 * both go through hunt_journal_scan, so what the CLI verifies is exactly
 * what huntd would replay.
 *
 * Streams are read in (epoch, worker) order, each stream's segments in
 * order. Within a stream, records must carry seq 1, 2, 3 ... A record that
 * fails its checks ends the stream cleanly only if it can be the torn tail
 * of the last group ever written there: no later segment of the stream
 * holds a record, no non-zero byte lies further than the segment's
 * group_bytes from it, and no valid group start follows it (a later group
 * is only written once the one before is durable). In a recycled segment
 * (HUNT_SEG_F_RECYCLED) an earlier life's bytes, not zeros, lie past this
 * life's records, so there a failing record ends the segment's records if
 * no record valid under its salt lies anywhere past it; the next segment,
 * if any, must go on from the last seq. A segment that holds no record
 * cannot be followed by one that holds some (the writer only moves on from
 * a segment it has written into). Anything else is corruption, reported
 * with the file and offset. free-*.hj files are not read.
 */
#ifndef HUNT_JREADER_H
#define HUNT_JREADER_H

#include <stddef.h>
#include <stdint.h>

#include "hunt/journal.h"
#include "hunt/limits.h"

struct hunt_jpos {
	const char *file;
	uint64_t epoch;
	uint32_t worker;
	uint32_t segment;
	uint64_t offset;
};

enum hunt_jfile {
	HUNT_JFILE_OTHER,
	HUNT_JFILE_SEGMENT,    /* seg-EPOCH-WORKER-SEGMENT.hj */
	HUNT_JFILE_CHECKPOINT, /* ckpt-EPOCH-GEN.hc */
	HUNT_JFILE_FREE,       /* free-*.hj: a retired segment kept for reuse */
};

/* What a journal directory entry is, and its numbers: epoch always; worker
 * and segment for segments; for checkpoints, segment is the generation.
 * The one parser of these names. */
enum hunt_jfile hunt_journal_file_kind(const char *name, uint64_t *epoch, uint32_t *worker,
				       uint32_t *segment);

/* Called for every valid record in order; a non-zero return stops the scan
 * and is returned by it. */
typedef int (*hunt_jscan_fn)(void *ctx, const struct hunt_rec_hdr *h, const void *payload,
			     const struct hunt_jpos *pos);

#define HUNT_JSCAN_STREAMS_MAX 1024u
#define HUNT_JSCAN_WORKERS_MAX HUNT_WORKERS_MAX

struct hunt_jstream {
	uint64_t epoch;
	uint32_t worker;
	uint32_t segments;
	uint64_t records;
	uint64_t first_seq, last_seq;
	uint64_t bytes;       /* record bytes */
	uint64_t torn_offset; /* 0, or where a torn tail was cut */
	uint32_t torn_segment;
};

struct hunt_jscan_stats {
	uint64_t segments;
	uint64_t records;
	uint64_t bytes;
	uint64_t by_type[HUNT_REC_COUNT];
	uint64_t max_epoch;  /* 0 if the directory holds no segment */
	uint64_t torn_tails;
	uint32_t n_streams;
	struct hunt_jstream streams[HUNT_JSCAN_STREAMS_MAX];
};

/*
 * Scans every segment under dir. Returns 0; -EBADMSG for corruption (err
 * says file, offset and what); -errno for an I/O error; or fn's return.
 */
int hunt_journal_scan(const char *dir, hunt_jscan_fn fn, void *ctx, struct hunt_jscan_stats *st,
		      char *err, size_t err_bytes);

/*
 * What a checkpoint covers: every segment of the epochs before `epoch`, and
 * segments 0 .. segments[w] - 1 of stream (epoch, w), after which that
 * stream continues with record next_seq[w] (streams w >= n_workers: none).
 */
struct hunt_jcover {
	uint64_t epoch;
	uint32_t gen; /* 0: written at start-up; then 1, 2 ... during the run */
	uint32_t n_workers;
	uint32_t segments[HUNT_JSCAN_WORKERS_MAX];
	uint64_t next_seq[HUNT_JSCAN_WORKERS_MAX];
};

/* Whether cover holds segment (epoch, worker, segment). */
int hunt_jcover_has(const struct hunt_jcover *cover, uint64_t epoch, uint32_t worker,
		    uint32_t segment);

/*
 * Recovery's scan: only the segments `cover` does not hold. Every stream
 * must then be whole from where the cover leaves it (its first segment
 * present, seq continuing from next_seq) to its end; a missing segment is
 * corruption. max_epoch still counts every file.
 */
int hunt_journal_scan_after(const char *dir, const struct hunt_jcover *cover, hunt_jscan_fn fn,
			    void *ctx, struct hunt_jscan_stats *st, char *err, size_t err_bytes);

/* A read buffer kept between scans (free p when done). */
struct hunt_jbuf {
	uint8_t *p;
	size_t cap;
};

/*
 * One sealed segment (complete and durable: no torn tail allowed), for the
 * checkpointer. *next_seq is the seq its first record must carry (0: any);
 * on return, the one after its last record. The segment is read into buf
 * (grown as needed, kept for the next call: reading into a fresh 64 MiB
 * allocation faulted in and zeroed every page of it each time). 0, -EBADMSG
 * (err says where), -errno, or fn's return.
 */
int hunt_journal_scan_segment(const char *dir, uint64_t epoch, uint32_t worker, uint32_t segment,
			      uint64_t *next_seq, hunt_jscan_fn fn, void *ctx,
			      struct hunt_jbuf *buf, char *err, size_t err_bytes);

#endif
