/*
 * Proves hunt-control's scheduling rule (control/schedule.c): each state's
 * command at its bound (a millisecond before nothing, at it the command);
 * and, driving huntd's own wave machine (hunts.c, waves_by_control = 1)
 * with it on a simulated clock: deadlines close waves, all clues won closes
 * one early (huntd's doing), cooldowns are kept, the hunt finishes after
 * `waves`; and a hunt-control restart at every poll (its memory wiped)
 * neither skips nor repeats a wave.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "helpers.h"
#include "hunts.h"
#include "schedule.h"

#define HZ 1000ull /* 1 tick = 1 ms: `now` is also milliseconds */

static struct hunt_config cfg;

static void
setup(void)
{
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cfg, T_CONFIG, err), 0, "%s", err);
	cfg.server.waves_by_control = 1;
}

TestSuite(schedule, .init = setup);

Test(schedule, each_state_at_its_bound)
{
	const struct hunt_hunt_cfg *hc = &cfg.hunts[1]; /* hunt 2: start delay 250, wave 500, cooldown 0 */
	uint64_t seen = 0;
	uint32_t w;
	struct hunt_sched_view v = {.state = HUNT_WAVE_PENDING};
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 1000, &w), HUNT_SCHED_NONE);
	cr_assert_eq(seen, 1000, "the start delay counts from when it was first seen");
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 1249, &w), HUNT_SCHED_NONE);
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 1250, &w), HUNT_SCHED_START);
	cr_assert_eq(w, 1);
	v = (struct hunt_sched_view){.state = HUNT_WAVE_OPEN, .wave = 4, .event_wall_ms = 2000};
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 2499, &w), HUNT_SCHED_NONE);
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 2500, &w), HUNT_SCHED_END);
	cr_assert_eq(w, 4, "END names the open wave");
	hc = &cfg.hunts[0]; /* hunt 1: wave 1000, cooldown 100 */
	v = (struct hunt_sched_view){.state = HUNT_WAVE_COOLDOWN, .wave = 4, .event_wall_ms = 3000};
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 3099, &w), HUNT_SCHED_NONE);
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 3100, &w), HUNT_SCHED_START);
	cr_assert_eq(w, 5, "START names the next wave");
	v.state = HUNT_WAVE_FINISHED;
	cr_assert_eq(hunt_sched_due(hc, &v, &seen, 1u << 30, &w), HUNT_SCHED_NONE);
	cr_assert_eq(hunt_sched_state("COOLDOWN"), HUNT_WAVE_COOLDOWN);
	cr_assert_eq(hunt_sched_state("nonsense"), -1);
}

struct run {
	struct hunt_table t;
	uint32_t opened[8], closed[8]; /* per wave id of hunt 1 */
	uint64_t open_ms[8], close_ms[8];
	uint32_t stale;
};

/* One poll: the rule on every hunt, its command applied by huntd's machine. */
static void
poll_once(struct run *r, uint64_t *first_seen, uint64_t now)
{
	for (uint32_t i = 0; i < r->t.n_hunts; i++) {
		struct hunt_state *h = &r->t.hunts[i];
		struct hunt_sched_view v = {.state = h->state, .wave = h->wave_id,
					    .event_wall_ms = h->event_wall_ms};
		uint32_t wave;
		enum hunt_sched_act act =
			hunt_sched_due(h->cfg, &v, &first_seen[i], hunt_wall_ms(&r->t, now), &wave);
		if (act == HUNT_SCHED_NONE)
			continue;
		uint64_t seq;
		int rc = hunt_wave_command(&r->t, h->cfg->id,
					   act == HUNT_SCHED_START ? HUNT_WAVE_CMD_START
								   : HUNT_WAVE_CMD_END,
					   wave, now, &seq);
		cr_assert(rc == 0 || rc == -ESTALE, "rc %d", rc);
		r->stale += rc == -ESTALE;
		if (rc == 0 && h->cfg->id == 1 && wave < 8) {
			(act == HUNT_SCHED_START ? r->opened : r->closed)[wave]++;
			(act == HUNT_SCHED_START ? r->open_ms : r->close_ms)[wave] = now;
		}
	}
}

/* Hunt 1 (3 waves of 1000 ms, cooldown 100 ms) polled every 20 ms; wave 2
 * is won whole early. With `amnesia`, hunt-control restarts before every
 * poll and forgets everything. */
static void
play(struct run *r, int amnesia)
{
	cr_assert_eq(hunt_table_init(&r->t, &cfg, 0, 1, 0, HZ), 0);
	struct hunt_state *h = hunt_table_find(&r->t, 1);
	uint64_t first_seen[2] = {0, 0}, won_at = 0;
	uint64_t dep;
	hunt_member_join(&r->t, h, 7, 0, &dep);
	for (uint64_t now = 0; now < 10000 && h->state != HUNT_WAVE_FINISHED; now += 20) {
		if (amnesia)
			first_seen[0] = first_seen[1] = 0;
		poll_once(r, first_seen, now);
		if (h->state == HUNT_WAVE_OPEN && h->wave_id == 2 && won_at == 0) {
			won_at = now;
			for (uint32_t c = 0; c < h->cfg->clues_per_wave; c++) {
				uint8_t a[16];
				uint64_t w;
				uint32_t loot;
				hunt_answer_gen(h->cfg->answer_seed, 1, 2, c, a);
				hunt_claim(&r->t, h, 7, 2, c, a, 16, now, &w, &loot, &dep);
			}
			cr_assert_eq(h->state, HUNT_WAVE_COOLDOWN, "all won: huntd closed it");
			r->close_ms[2] = now;
		}
	}
	cr_assert_eq(h->state, HUNT_WAVE_FINISHED);
	cr_assert_eq(h->waves_opened, 3);
	cr_assert_eq(h->waves_closed_all_won, 1);
	cr_assert_eq(h->waves_closed_deadline, 2);
	for (uint32_t w = 1; w <= 3; w++)
		cr_assert_eq(r->opened[w], 1, "wave %u opened once", w);
	cr_assert_eq(r->closed[1] + r->closed[3], 2, "deadline closes of waves 1 and 3");
	cr_assert_eq(r->closed[2], 0, "wave 2 was closed by its last win, not hunt-control");
	cr_assert_eq(r->opened[4], 0, "no fourth wave");
	/* timings, to within one 20 ms poll: wave 1 opened at once (no start
	 * delay) and lasted its 1000 ms; each next wave opened 100 ms (the
	 * cooldown) after the close before it, the early one included */
	cr_assert_eq(r->open_ms[1], 0);
	cr_assert(r->close_ms[1] >= 1000 && r->close_ms[1] < 1020, "%lu", r->close_ms[1]);
	for (uint32_t w = 2; w <= 3; w++)
		cr_assert(r->open_ms[w] >= r->close_ms[w - 1] + 100 &&
			  r->open_ms[w] < r->close_ms[w - 1] + 120, "wave %u", w);
	cr_assert(r->close_ms[3] >= r->open_ms[3] + 1000 && r->close_ms[3] < r->open_ms[3] + 1020);
	cr_assert_eq(r->stale, 0, "the rule sends nothing huntd refuses");
	hunt_table_free(&r->t);
}

Test(schedule, drives_the_wave_machine_to_the_end)
{
	static struct run r;
	play(&r, 0);
}

Test(schedule, restart_at_every_poll_neither_skips_nor_repeats)
{
	static struct run r;
	play(&r, 1);
}

Test(schedule, a_command_repeated_after_a_restart_is_stale)
{
	static struct run r;
	cr_assert_eq(hunt_table_init(&r.t, &cfg, 0, 1, 0, HZ), 0);
	uint64_t first_seen[2] = {0, 0};
	poll_once(&r, first_seen, 0);
	cr_assert_eq(r.opened[1], 1);
	/* the START reached huntd but hunt-control died before hearing back:
	 * its successor, reading a stale view, sends it again */
	struct hunt_state *h = hunt_table_find(&r.t, 1);
	uint64_t seq;
	cr_assert_eq(hunt_wave_command(&r.t, 1, HUNT_WAVE_CMD_START, 1, 10, &seq), -ESTALE);
	cr_assert_eq(h->wave_id, 1);
	cr_assert_eq(h->waves_opened, 1);
	hunt_table_free(&r.t);
}
