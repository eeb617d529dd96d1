/*
 * Checkpoints: a snapshot of every hunt's state, written by huntd at each
 * start after replaying the journal and before serving, as
 * ckpt-EPOCH.hc in the journal directory. The next start loads the newest
 * valid checkpoint and replays only the streams of its epoch and later, so
 * replay covers what happened since the last start; segments older than
 * `[journal] keep_epochs` starts are then deleted (retention), never before
 * a checkpoint covers them.
 *
 * Not yet: a checkpoint during a long run (replay within one run is still
 * everything that run wrote).
 *
 * File: header {magic "HUNTCKP1", version, epoch, n_hunts}, then per hunt
 * {id, clues_per_wave, wave_id, state, event_wall_ms, n_won, slot_wave[2],
 * winners of both clue slots, n_members, members {player, coins, wins}},
 * then a CRC32C of everything before it.
 */
#ifndef HUNT_CHECKPOINT_H
#define HUNT_CHECKPOINT_H

#include <stdint.h>

#include "hunts.h"

/* Writes ckpt-EPOCH.hc covering `tables` (tmp file, fsync, rename, fsync
 * of the directory). Start-up only. Returns 0 or -errno. */
int hunt_checkpoint_write(int dir_fd, uint64_t epoch, struct hunt_table *const *tables,
			  uint32_t n_tables);

/* Finds a hunt's table: where to load it. NULL skips the hunt. */
typedef struct hunt_table *(*hunt_ckpt_owner_fn)(void *ctx, uint32_t hunt_id);

/*
 * Loads the newest checkpoint in dir whose checksum is right (an older one
 * if the newest is damaged) into the owners' tables. Sets *epoch to its
 * epoch (0 if none) and *skipped to hunts it could not load (unknown, or
 * their clues_per_wave changed). Returns 0 or -errno.
 */
int hunt_checkpoint_load(const char *dir, hunt_ckpt_owner_fn owner, void *ctx, uint64_t *epoch,
			 uint32_t *skipped);

/* Deletes the segments and checkpoints of epochs below `below`. Callers
 * pass an epoch at or below that of a checkpoint just written, so what is
 * deleted is covered. Returns how many files it removed, or -errno. */
int hunt_journal_retain(int dir_fd, const char *dir, uint64_t below);

#endif
