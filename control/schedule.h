/*
 * hunt-control's scheduling rule, as a pure function so it can be tested
 * alone (tests/test_schedule.c). hunt-control keeps no schedule of its own:
 * each poll it feeds this the hunt's state as huntd reports it (journaled
 * by huntd, so it survives either process) and sends what comes out:
 *
 *   PENDING, start_delay_ms after first seen   -> START wave 1
 *   OPEN, wave_duration_ms after it opened     -> END that wave
 *   COOLDOWN, cooldown_ms after it closed      -> START the next wave
 *   FINISHED, or nothing due yet               -> nothing
 *
 * A wave whose clues are all won is closed by huntd itself (it then reports
 * COOLDOWN or FINISHED). The commands name their wave, so a command repeated
 * after a hunt-control restart is refused by huntd as stale: the same
 * inputs may safely give the same command twice.
 */
#ifndef HUNT_SCHEDULE_H
#define HUNT_SCHEDULE_H

#include <stdint.h>

#include "config.h"

enum hunt_sched_act { HUNT_SCHED_NONE = 0, HUNT_SCHED_START, HUNT_SCHED_END };

/* A hunt as huntd reports it ("hunts brief"). */
struct hunt_sched_view {
	uint8_t state;          /* enum hunt_wave_state */
	uint32_t wave;          /* current (or last) wave, 0 before the first */
	uint64_t event_wall_ms; /* wall clock of its last transition */
};

/*
 * What is due for hunt hc at now_ms. *first_seen_ms is hunt-control's only
 * memory (when it first saw the hunt PENDING, 0 before): the start delay
 * counts from there. Sets *wave to the wave the command names.
 */
enum hunt_sched_act hunt_sched_due(const struct hunt_hunt_cfg *hc, const struct hunt_sched_view *v,
				   uint64_t *first_seen_ms, uint64_t now_ms, uint32_t *wave);

/* enum hunt_wave_state from its name ("OPEN" ...); -1 if unknown. */
int hunt_sched_state(const char *name);

#endif
