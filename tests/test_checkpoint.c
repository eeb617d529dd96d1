/*
 * Proves a checkpoint holds everything recovery needs: a table rebuilt from
 * one has the same waves, clue winners (current and previous wave), members,
 * coins and wins, and answers retransmitted claims the same way; a damaged
 * newest checkpoint falls back to the one before, with nothing of the
 * damaged one applied; a hunt whose clues_per_wave changed is skipped; and
 * retention deletes only the segments and checkpoints of older epochs.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct hunt_table *
to_back(void *ctx, uint32_t hunt_id)
{
	return hunt_table_find(&back, hunt_id) ? &back : NULL;
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
	struct hunt_table *tables[] = {&live};
	cr_assert_eq(hunt_checkpoint_write(dfd, 5, tables, 1), 0);
	uint64_t epoch;
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &epoch, &skipped), 0);
	cr_assert_eq(epoch, 5);
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

Test(checkpoint, damaged_newest_falls_back_whole)
{
	play();
	struct hunt_table *tables[] = {&live};
	cr_assert_eq(hunt_checkpoint_write(dfd, 3, tables, 1), 0);
	claim(&live, 1, 2, 6, NULL);
	cr_assert_eq(hunt_checkpoint_write(dfd, 4, tables, 1), 0);
	char path[96];
	snprintf(path, sizeof(path), "%s/ckpt-00000004.hc", dir);
	int fd = open(path, O_RDWR);
	unsigned char c;
	cr_assert_eq(pread(fd, &c, 1, 100), 1);
	c ^= 0xff; /* a real change whatever the byte was */
	cr_assert_eq(pwrite(fd, &c, 1, 100), 1);
	close(fd);
	uint64_t epoch;
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &epoch, &skipped), 0);
	cr_assert_eq(epoch, 3, "the older one");
	cr_assert_eq(hunt_table_find(&back, 1)->clues[0][6].winner_id, 0,
		     "nothing of the damaged checkpoint was applied");
	cr_assert_eq(hunt_table_find(&back, 1)->clues[0][3].winner_id, 4);
}

Test(checkpoint, none_is_epoch_zero_and_changed_hunts_are_skipped)
{
	uint64_t epoch = 99;
	uint32_t skipped;
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &epoch, &skipped), 0);
	cr_assert_eq(epoch, 0);
	play();
	struct hunt_table *tables[] = {&live};
	cr_assert_eq(hunt_checkpoint_write(dfd, 2, tables, 1), 0);
	struct hunt_config other;
	char err[HUNT_CONFIG_ERR_BYTES];
	char text[2048];
	snprintf(text, sizeof(text), "%s", T_CONFIG);
	char *p = strstr(text, "clues_per_wave = 8");
	memcpy(p, "clues_per_wave = 9", 18);
	cr_assert_eq(hunt_config_parse(&other, text, err), 0, "%s", err);
	hunt_table_free(&back);
	cr_assert_eq(hunt_table_init(&back, &other, 0, 1, 0, HZ), 0);
	cr_assert_eq(hunt_checkpoint_load(dir, to_back, NULL, &epoch, &skipped), 0);
	cr_assert_eq(epoch, 2);
	cr_assert_eq(skipped, 1, "hunt 1 changed its clue count");
	cr_assert_eq(hunt_table_find(&back, 1)->wave_id, 0);
	cr_assert_eq(hunt_table_find(&back, 2)->wave_id, hunt_table_find(&live, 2)->wave_id);
}

Test(checkpoint, retention_removes_only_older_epochs)
{
	const char *names[] = {"seg-00000001-00-000000.hj", "seg-00000002-00-000000.hj",
			       "seg-00000003-01-000004.hj", "ckpt-00000002.hc", "ckpt-00000003.hc",
			       "token.key", "LOCK", "seg-00000001-00-000000.hj.bak"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		close(openat(dfd, names[i], O_CREAT | O_WRONLY, 0600));
	cr_assert_eq(hunt_journal_retain(dfd, dir, 3), 3);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int gone = faccessat(dfd, names[i], F_OK, 0) != 0;
		int want_gone = i <= 1 || i == 3;
		cr_assert_eq(gone, want_gone, "%s", names[i]);
	}
}
