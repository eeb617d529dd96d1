/*
 * Checkpoints: a snapshot of every hunt's state and of what part of the
 * journal it covers, as ckpt-EPOCH-GEN.hc in the journal directory.
 *
 *  - At each start, after replay and before serving, huntd writes
 *    generation 0 of the new epoch: it covers every earlier epoch.
 *  - During the run, the checkpointer (checkpointer.h) folds each sealed
 *    segment into a shadow copy of the state and writes generation 1, 2 ...
 *    every `[journal] checkpoint_mb` of segments: it covers the segments of
 *    this epoch folded so far. So replay after a crash reads at most about
 *    checkpoint_mb per worker, however long the run.
 *
 * Recovery loads the newest checkpoint whose checksum is right and replays
 * only what it does not cover (hunt_journal_scan_after). Retention then
 * deletes segments beyond `retain_mb` or older than `retain_hours`, only if
 * the two newest whole checkpoints both cover them, and checkpoints older
 * than those two.
 *
 * File: header {magic "HUNTCKP1", version 3, n_hunts, epoch, gen,
 * n_workers}, per worker {segments covered, next seq}, then per hunt {id,
 * clues_per_wave, wave_id, state, event_wall_ms, n_won, slot_wave[2],
 * n_members, winners of both clue slots, members {player, coins, wins},
 * events {n_events, dropped_id, n_kept, n_kept x struct hunt_event}}, then
 * a CRC32C of everything before it. Version 2 (no events) still loads.
 */
#ifndef HUNT_CHECKPOINT_H
#define HUNT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hunts.h"
#include "jreader.h"

/* ckpt-EPOCH-GEN.hc */
void hunt_checkpoint_name(char *out, size_t n, uint64_t epoch, uint32_t gen);

/* Writes the checkpoint of `tables` as covering `cover` (tmp file, fsync,
 * rename, fsync of the directory). Blocking. Returns 0 or -errno. */
int hunt_checkpoint_write(int dir_fd, const struct hunt_jcover *cover,
			  struct hunt_table *const *tables, uint32_t n_tables);

/* Finds a hunt's table: where to load it. NULL skips the hunt. */
typedef struct hunt_table *(*hunt_ckpt_owner_fn)(void *ctx, uint32_t hunt_id);

/*
 * Loads the newest checkpoint in dir whose checksum is right (an older one
 * if the newest is damaged) into the owners' tables. Sets *cover to what it
 * covers (all zero if there is none) and *skipped to hunts it could not
 * load (unknown, or their clues_per_wave changed). Returns 0 or -errno.
 */
int hunt_checkpoint_load(const char *dir, hunt_ckpt_owner_fn owner, void *ctx,
			 struct hunt_jcover *cover, uint32_t *skipped);

/* Retention (see above): max_age_s 0 means no age limit. Segments it
 * retires become free-*.hj files while fewer than max_free are, for the
 * segment helper to reuse instead of zero-filling new files ([journal]
 * free_segments), and are deleted beyond that. Returns how many segments
 * and checkpoints it removed, or -errno. */
int hunt_journal_retain(int dir_fd, const char *dir, uint32_t max_free, uint64_t max_bytes,
			uint64_t max_age_s, time_t now);

#endif
