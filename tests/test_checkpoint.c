/*
 * Proves a checkpoint holds everything recovery needs: a table rebuilt from
 * one has the same waves, clue winners (current and previous wave), members,
 * coins and wins, and answers retransmitted claims the same way; a damaged
 * newest checkpoint falls back to the one before, with nothing of the
 * damaged one applied; a whole checkpoint under another checkpoint's name
 * counts as damaged; a generation of the same epoch is newer; a hunt
 * whose clues_per_wave changed is skipped; the cover (segments, next seq)
 * round-trips; each hunt's events round-trip (a smaller events_kept keeps
 * the newest and reports the rest as dropped); a write the disk refuses
 * leaves no partial file; and retention deletes, beyond its size or age limit, only
 * segments both of the two newest whole checkpoints cover, and checkpoints
 * older than those two.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "helpers.h"

#define HZ 1000000ull

static struct hunt_config cfg;
static struct hunt_table live, back;
static char dir[64];
static int dfd;

static void
setup(void)
{
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&cfg, T_CONFIG, err), 0, "%s", err);
	cr_assert_eq(hunt_table_init(&live, &cfg, 0, 1, 0, HZ), 0);
	cr_assert_eq(hunt_table_init(&back, &cfg, 0, 1, 0, HZ), 0);
	snprintf(dir, sizeof(dir), "/tmp/hunt-ckpt.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
}

static void
teardown(void)
{
	hunt_table_free(&live);
	hunt_table_free(&back);
	close(dfd);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(checkpoint, .init = setup, .fini = teardown);

static int
write_ckpt(uint64_t epoch, uint32_t gen, struct hunt_table *t)
{
	struct hunt_jcover cv = {.epoch = epoch, .gen = gen, .n_workers = 1, .next_seq = {1}};
	return hunt_checkpoint_write(dfd, &cv, &t, 1);
}

static struct hunt_jcover loaded;

static struct hunt_table *
to_back(void *ctx, uint32_t hunt_id)
{
	return hunt_table_find(&back, hunt_id) ? &back : NULL;
}

static struct hunt_table *
to_small(void *ctx, uint32_t hunt_id)
{
	return hunt_table_find(ctx, hunt_id) ? ctx : NULL;
}

static enum hunt_status
claim(struct hunt_table *t, uint64_t player, uint32_t wave, uint32_t clue, uint64_t *winner)
{
	struct hunt_state *h = hunt_table_find(t, 1);
	uint8_t a[16];
	hunt_answer_gen(h->cfg->answer_seed, 1, wave, clue, a);
	uint64_t w, dep;
	uint32_t loot;
	enum hunt_status s = hunt_claim(t, h, player, wave, clue, a, 16, 1, &w, &loot, &dep);
	if (winner)
		*winner = w;
	return s;
}

/* Wave 1 fully won by players 1-3, wave 2 partly. */
static void
play(void)
{
	struct hunt_state *h = hunt_table_find(&live, 1);
	hunt_table_advance(&live, 0);
	uint64_t dep;
	for (uint64_t p = 1; p <= 4; p++)
		hunt_member_join(&live, h, p, 0, &dep);
	for (uint32_t c = 0; c < 8; c++)
		claim(&live, 1 + c % 3, 1, c, NULL);
	hunt_table_advance(&live, 100000 + 10);
	cr_assert_eq(h->wave_id, 2);
	claim(&live, 4, 2, 3, NULL);
}

Test(checkpoint, round_trip_rebuilds_the_same_state)
{
	play();
	cr_assert_eq(write_ckpt(5, 0, &live), 0);
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.epoch, 5);
	cr_assert_eq(skipped, 0);
	for (uint32_t id = 1; id <= 2; id++) {
		struct hunt_state *a = hunt_table_find(&live, id), *b = hunt_table_find(&back, id);
		cr_assert_eq(b->wave_id, a->wave_id);
		cr_assert_eq(b->state, a->state);
		cr_assert_eq(b->n_won, a->n_won);
		cr_assert_eq(b->n_members, a->n_members);
		cr_assert_eq(b->event_wall_ms, a->event_wall_ms);
		for (int s = 0; s < 2; s++) {
			cr_assert_eq(b->slot_wave[s], a->slot_wave[s]);
			for (uint32_t c = 0; c < a->cfg->clues_per_wave; c++)
				cr_assert_eq(b->clues[s][c].winner_id, a->clues[s][c].winner_id);
		}
	}
	struct hunt_state *b = hunt_table_find(&back, 1);
	for (uint64_t p = 1; p <= 4; p++) {
		cr_assert_eq(hunt_member_find(b, p)->coins, hunt_member_find(hunt_table_find(&live, 1), p)->coins);
		cr_assert_eq(hunt_member_find(b, p)->wins, hunt_member_find(hunt_table_find(&live, 1), p)->wins);
	}
	uint64_t w;
	cr_assert_eq(claim(&back, 4, 2, 3, &w), HUNT_STATUS_WON, "retransmit after restart");
	cr_assert_eq(claim(&back, 2, 2, 3, &w), HUNT_STATUS_TAKEN);
	cr_assert_eq(w, 4);
	cr_assert_eq(claim(&back, 1 + 5 % 3, 1, 5, &w), HUNT_STATUS_WON, "previous wave too");
	cr_assert_eq(claim(&back, 1, 2, 4, &w), HUNT_STATUS_WON, "and the open wave goes on");
}

/* A checkpoint the disk refuses (the file-size limit here, ENOSPC on a
 * full disk) fails cleanly: no partial file is left to hold the space a
 * retry needs, and the retry writes it whole. */
Test(checkpoint, failed_write_leaves_nothing_and_a_retry_writes_it)
{
	play();
	signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead */
	struct rlimit lim;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
	struct rlimit small = {.rlim_cur = 64, .rlim_max = lim.rlim_max};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	int rc = write_ckpt(5, 1, &live);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(rc, -EFBIG);
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		cr_assert(e->d_name[0] == '.', "%s left behind", e->d_name);
	closedir(d);
	cr_assert_eq(write_ckpt(5, 1, &live), 0);
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.gen, 1);
	cr_assert_eq(hunt_table_find(&back, 1)->wave_id, 2);
}

Test(checkpoint, events_round_trip_and_a_smaller_ring_keeps_the_newest)
{
	struct hunt_state *h = hunt_table_find(&live, 2);
	for (uint64_t i = 1; i <= 30; i++) {
		struct hunt_event ev = {.event_id = HUNT_EVENT_ID(4, i), .wave_id = 1,
					.clue_idx = (uint32_t)i, .winner_id = 100 + i, .coins = 3};
		hunt_event_add(h, &ev);
	}
	cr_assert_eq(write_ckpt(5, 0, &live), 0);
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	struct hunt_state *b = hunt_table_find(&back, 2);
	struct hunt_event x[32], y[32];
	uint8_t fx, fy;
	cr_assert_eq(hunt_events_after(h, 0, x, 32, &fx), 30);
	cr_assert_eq(hunt_events_after(b, 0, y, 32, &fy), 30);
	cr_assert_eq(memcmp(x, y, sizeof(x[0]) * 30), 0, "the same events under the same ids");
	cr_assert_eq(fx, fy);
	cr_assert_eq(hunt_events_last_id(b), HUNT_EVENT_ID(4, 30));
	/* the same checkpoint into a table that keeps 16 events for hunt 2 */
	static struct hunt_config c16;
	static struct hunt_table small;
	char err[HUNT_CONFIG_ERR_BYTES];
	cr_assert_eq(hunt_config_parse(&c16, T_CONFIG "events_kept = 16\n", err), 0, "%s", err);
	cr_assert_eq(hunt_table_init(&small, &c16, 0, 1, 0, HZ), 0);
	cr_assert_eq(hunt_checkpoint_load(dir, to_small, &small, &loaded, &skipped), 0);
	struct hunt_state *sm = hunt_table_find(&small, 2);
	cr_assert_eq(hunt_events_after(sm, 0, y, 32, &fy), 16);
	cr_assert_eq(fy, HUNT_EVENTS_F_GAP, "14 events did not fit");
	cr_assert_eq(memcmp(x + 14, y, sizeof(x[0]) * 16), 0, "the newest 16");
	cr_assert_eq(sm->dropped_id, HUNT_EVENT_ID(4, 14));
	hunt_table_free(&small);
}

Test(checkpoint, damaged_newest_falls_back_whole)
{
	play();
	cr_assert_eq(write_ckpt(3, 7, &live), 0);
	claim(&live, 1, 2, 6, NULL);
	cr_assert_eq(write_ckpt(4, 0, &live), 0);
	char path[96];
	snprintf(path, sizeof(path), "%s/ckpt-00000004-000000.hc", dir);
	int fd = open(path, O_RDWR);
	unsigned char c;
	cr_assert_eq(pread(fd, &c, 1, 100), 1);
	c ^= 0xff; /* a real change whatever the byte was */
	cr_assert_eq(pwrite(fd, &c, 1, 100), 1);
	close(fd);
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.epoch, 3, "the older one");
	cr_assert_eq(loaded.gen, 7);
	cr_assert_eq(hunt_table_find(&back, 1)->clues[0][6].winner_id, 0,
		     "nothing of the damaged checkpoint was applied");
	cr_assert_eq(hunt_table_find(&back, 1)->clues[0][3].winner_id, 4);
}

Test(checkpoint, none_is_epoch_zero_and_changed_hunts_are_skipped)
{
	loaded.epoch = 99;
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.epoch, 0);
	play();
	cr_assert_eq(write_ckpt(2, 0, &live), 0);
	struct hunt_config other;
	char err[HUNT_CONFIG_ERR_BYTES];
	char text[2048];
	snprintf(text, sizeof(text), "%s", T_CONFIG);
	char *p = strstr(text, "clues_per_wave = 8");
	memcpy(p, "clues_per_wave = 9", 18);
	cr_assert_eq(hunt_config_parse(&other, text, err), 0, "%s", err);
	hunt_table_free(&back);
	cr_assert_eq(hunt_table_init(&back, &other, 0, 1, 0, HZ), 0);
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.epoch, 2);
	cr_assert_eq(skipped, 1, "hunt 1 changed its clue count");
	cr_assert_eq(hunt_table_find(&back, 1)->wave_id, 0);
	cr_assert_eq(hunt_table_find(&back, 2)->wave_id, hunt_table_find(&live, 2)->wave_id);
}

Test(checkpoint, newer_generation_wins_and_cover_round_trips)
{
	play();
	struct hunt_table *t = &live;
	struct hunt_jcover cv = {.epoch = 6, .gen = 2, .n_workers = 3,
				 .segments = {4, 0, 9}, .next_seq = {1000, 1, 77}};
	cr_assert_eq(hunt_checkpoint_write(dfd, &cv, &t, 1), 0);
	cr_assert_eq(write_ckpt(6, 1, &live), 0);
	cr_assert_eq(write_ckpt(5, 9, &live), 0);
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.epoch, 6);
	cr_assert_eq(loaded.gen, 2, "generation 2 is newer than 1, and epoch 6 than 5");
	cr_assert_eq(loaded.n_workers, 3);
	cr_assert_eq(loaded.segments[0], 4);
	cr_assert_eq(loaded.segments[2], 9);
	cr_assert_eq(loaded.next_seq[0], 1000);
	cr_assert_eq(loaded.next_seq[2], 77);
	cr_assert(hunt_jcover_has(&loaded, 5, 7, 1000), "every earlier epoch");
	cr_assert(hunt_jcover_has(&loaded, 6, 0, 3));
	cr_assert_not(hunt_jcover_has(&loaded, 6, 0, 4));
	cr_assert_not(hunt_jcover_has(&loaded, 6, 1, 0));
	cr_assert_not(hunt_jcover_has(&loaded, 6, 3, 0), "a worker it does not know");
	cr_assert_not(hunt_jcover_has(&loaded, 7, 0, 0));
}

static void
touch(const char *name, size_t bytes, time_t mtime)
{
	int fd = openat(dfd, name, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)bytes), 0);
	struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
	cr_assert_eq(futimens(fd, ts), 0);
	close(fd);
}

static int
exists(const char *name)
{
	return faccessat(dfd, name, F_OK, 0) == 0;
}

/* Checkpoints 3/0 (covers epochs < 3), 3/1 (covers segments 0-1 of worker
 * 0, epoch 3), 3/2 (segments 0-2); segments of epochs 2 and 3, 1 MiB each. */
static time_t
retention_dir(void)
{
	play();
	struct hunt_table *t = &live;
	cr_assert_eq(write_ckpt(2, 0, &live), 0);
	cr_assert_eq(write_ckpt(3, 0, &live), 0);
	struct hunt_jcover cv = {.epoch = 3, .gen = 1, .n_workers = 1, .segments = {2}};
	cr_assert_eq(hunt_checkpoint_write(dfd, &cv, &t, 1), 0);
	cv.gen = 2;
	cv.segments[0] = 3;
	cr_assert_eq(hunt_checkpoint_write(dfd, &cv, &t, 1), 0);
	time_t now = time(NULL);
	touch("seg-00000002-00-000000.hj", 1 << 20, now - 7200);
	touch("seg-00000003-00-000000.hj", 1 << 20, now - 3600);
	touch("seg-00000003-00-000001.hj", 1 << 20, now - 60);
	touch("seg-00000003-00-000002.hj", 1 << 20, now - 60);
	touch("seg-00000003-00-000003.hj", 1 << 20, now);
	touch("seg-00000003-01-000000.hj", 1 << 20, now - 7200);
	touch("token.key", 16, now - 7200);
	touch("seg-00000002-00-000000.hj.bak", 16, now - 7200);
	touch("ckpt-00000003-000003.hc.tmp", 16, now); /* a write a crash cut short */
	return now;
}

/* A whole checkpoint under another checkpoint's name (copied or renamed by
 * hand) covers what its header says, not what its name says: loading it
 * would replay journal records it already holds, and retention would go by
 * it as the newest. So it counts as damaged. */
Test(checkpoint, a_checkpoint_under_another_name_is_not_loaded)
{
	play();
	cr_assert_eq(write_ckpt(3, 0, &live), 0);
	cr_assert_eq(write_ckpt(2, 0, &live), 0);
	cr_assert_eq(renameat(dfd, "ckpt-00000002-000000.hc", dfd, "ckpt-00000009-000000.hc"), 0);
	touch("seg-00000001-00-000000.hj", 1 << 20, time(NULL) - 7200);
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &loaded, &skipped), 0);
	cr_assert_eq(loaded.epoch, 3, "the renamed one is passed over, the next one loads");
	cr_assert_eq(hunt_journal_retain(dfd, dir, 0, 0, 0, time(NULL)), 0,
		     "one whole checkpoint, not two: retention removes nothing");
	cr_assert(exists("seg-00000001-00-000000.hj"));
}

Test(checkpoint, retention_keeps_what_is_within_its_limits)
{
	time_t now = retention_dir();
	cr_assert_eq(hunt_journal_retain(dfd, dir, 0, 6u << 20, 3 * 3600, now), 2 + 1,
		     "only the two checkpoints older than the newest two, and the tmp file");
	cr_assert_not(exists("ckpt-00000003-000003.hc.tmp"));
	cr_assert_not(exists("ckpt-00000002-000000.hc"));
	cr_assert_not(exists("ckpt-00000003-000000.hc"));
	cr_assert(exists("ckpt-00000003-000001.hc"));
	cr_assert(exists("ckpt-00000003-000002.hc"));
	cr_assert(exists("seg-00000002-00-000000.hj"));
}

Test(checkpoint, retention_by_size_takes_only_what_both_newest_cover)
{
	time_t now = retention_dir();
	cr_assert_eq(hunt_journal_retain(dfd, dir, 0, 0, 0, now), 3 + 3);
	cr_assert_not(exists("seg-00000002-00-000000.hj"));
	cr_assert_not(exists("seg-00000003-00-000000.hj"));
	cr_assert_not(exists("seg-00000003-00-000001.hj"));
	cr_assert(exists("seg-00000003-00-000002.hj"), "only the newest checkpoint covers it");
	cr_assert(exists("seg-00000003-00-000003.hj"), "no checkpoint covers it");
	cr_assert(exists("seg-00000003-01-000000.hj"), "nor worker 1's stream");
	cr_assert(exists("token.key"));
	cr_assert(exists("seg-00000002-00-000000.hj.bak"));
}

Test(checkpoint, retention_by_size_stops_within_the_limit)
{
	time_t now = retention_dir();
	/* 6 MiB of segments, limit 5: the oldest covered one goes */
	cr_assert_eq(hunt_journal_retain(dfd, dir, 0, 5u << 20, 0, now), 3 + 1);
	cr_assert_not(exists("seg-00000002-00-000000.hj"));
	cr_assert(exists("seg-00000003-00-000000.hj"));
}

Test(checkpoint, retention_by_age)
{
	time_t now = retention_dir();
	cr_assert_eq(hunt_journal_retain(dfd, dir, 0, 1u << 30, 1800, now), 3 + 2,
		     "the covered segments written over half an hour ago");
	cr_assert_not(exists("seg-00000002-00-000000.hj"));
	cr_assert_not(exists("seg-00000003-00-000000.hj"));
	cr_assert(exists("seg-00000003-00-000001.hj"));
	cr_assert(exists("seg-00000003-01-000000.hj"), "old, but not covered");
}

Test(checkpoint, retention_needs_two_whole_checkpoints)
{
	time_t now = retention_dir();
	char path[96];
	snprintf(path, sizeof(path), "%s/ckpt-00000003-000001.hc", dir);
	int fd = open(path, O_RDWR);
	unsigned char c;
	cr_assert_eq(pread(fd, &c, 1, 60), 1);
	c ^= 0xff;
	cr_assert_eq(pwrite(fd, &c, 1, 60), 1);
	close(fd);
	/* the two newest whole ones are now 3/2 and 3/0: 3/0 covers epoch 2 only */
	cr_assert_eq(hunt_journal_retain(dfd, dir, 0, 0, 0, now), 2 + 1);
	cr_assert_not(exists("ckpt-00000002-000000.hc"));
	cr_assert(exists("ckpt-00000003-000001.hc"), "damaged but newer than the kept: left");
	cr_assert_not(exists("seg-00000002-00-000000.hj"));
	cr_assert(exists("seg-00000003-00-000000.hj"));
}

/* With free_segments = 2, the first two segments retention retires are
 * kept for reuse as free-<name> (the segment helper renames one into place
 * instead of zero-filling a new file), and the third is deleted; a free
 * file is neither a segment nor counted toward the size limit. */
static int
free_files_kept(void)
{
	return exists("free-seg-00000002-00-000000.hj") + exists("free-seg-00000003-00-000000.hj") +
	       exists("free-seg-00000003-00-000001.hj");
}

Test(checkpoint, retention_keeps_free_segments_for_reuse)
{
	time_t now = retention_dir();
	cr_assert_eq(hunt_journal_retain(dfd, dir, 2, 0, 0, now), 3 + 3);
	cr_assert_not(exists("seg-00000002-00-000000.hj"));
	cr_assert_not(exists("seg-00000003-00-000000.hj"));
	cr_assert_not(exists("seg-00000003-00-000001.hj"));
	cr_assert_eq(free_files_kept(), 2, "two of the three retired segments kept for reuse");
	cr_assert(exists("seg-00000003-00-000002.hj"));
	uint64_t ep;
	uint32_t w, s;
	cr_assert_eq(hunt_journal_file_kind("free-seg-00000003-00-000000.hj", &ep, &w, &s), HUNT_JFILE_FREE);
	/* Retention again: nothing more is covered, and the free files stay. */
	cr_assert_eq(hunt_journal_retain(dfd, dir, 2, 0, 0, now), 0);
	cr_assert_eq(free_files_kept(), 2);
}
