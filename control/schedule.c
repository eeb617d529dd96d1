#include "schedule.h"

#include <string.h>

#include "hunt/proto.h"

enum hunt_sched_act
hunt_sched_due(const struct hunt_hunt_cfg *hc, const struct hunt_sched_view *v,
	       uint64_t *first_seen_ms, uint64_t now_ms, uint32_t *wave)
{
	*wave = 0;
	switch (v->state) {
	case HUNT_WAVE_PENDING:
		if (*first_seen_ms == 0)
			*first_seen_ms = now_ms;
		if (now_ms < *first_seen_ms + hc->start_delay_ms)
			return HUNT_SCHED_NONE;
		*wave = 1;
		return HUNT_SCHED_START;
	case HUNT_WAVE_OPEN:
		if (now_ms < v->event_wall_ms + hc->wave_duration_ms)
			return HUNT_SCHED_NONE;
		*wave = v->wave;
		return HUNT_SCHED_END;
	case HUNT_WAVE_COOLDOWN:
		if (now_ms < v->event_wall_ms + hc->cooldown_ms)
			return HUNT_SCHED_NONE;
		*wave = v->wave + 1;
		return HUNT_SCHED_START;
	default:
		return HUNT_SCHED_NONE; /* FINISHED */
	}
}

int
hunt_sched_state(const char *name)
{
	for (int s = HUNT_WAVE_PENDING; s <= HUNT_WAVE_FINISHED; s++)
		if (strcmp(name, hunt_wave_state_name((unsigned)s)) == 0)
			return s;
	return -1;
}
