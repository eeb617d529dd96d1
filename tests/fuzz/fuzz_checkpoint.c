/*
 * libFuzzer target for the checkpoint loader (hunt_checkpoint_load): what
 * huntd reads first at start-up, from a file a crash, a bad disk or a
 * writer bug may have damaged.
 *
 * Once, a real checkpoint is written from a table with some play in it
 * (members, clues won in two waves, events). An input then changes a copy:
 *   byte 0: bit 0, fix the trailing CRC32C after the changes (so the
 *           loader's own bounds checks, not the checksum, must hold);
 *           bits 1-7, how many changes follow (0-127);
 *   each change: u16 offset (within the file), u8 x: XOR that byte with x,
 *           or (x = 0) cut the file there.
 * The copy is the only checkpoint in the directory; it is loaded into a
 * fresh table. Besides the sanitizers (and libFuzzer's hang detection) it
 * aborts when:
 *   - the file is the one written and it does not load, or loads into a
 *     state other than the one written;
 *   - a changed file whose CRC was left alone loads;
 *   - a file that does not load left anything in the table (nothing of a
 *     damaged checkpoint may be applied).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "helpers.h"

#define HZ 1000000ull
#define CKPT_BYTES_MAX (1u << 20)

static struct {
	char dir[64];
	int dfd;
	struct hunt_config cfg;
	struct hunt_table live;
	uint8_t base[CKPT_BYTES_MAX], copy[CKPT_BYTES_MAX];
	size_t base_len;
	char path[160];
	int devnull;
	int ready;
} F;

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_checkpoint: %s\n", why);
	abort();
}

static struct hunt_table *
owner(void *ctx, uint32_t hunt_id)
{
	return hunt_table_find(ctx, hunt_id) ? ctx : NULL;
}

static void
claim(struct hunt_state *h, uint64_t player, uint32_t wave, uint32_t clue)
{
	uint8_t a[16];
	hunt_answer_gen(h->cfg->answer_seed, h->cfg->id, wave, clue, a);
	uint64_t w, dep;
	uint32_t loot;
	hunt_claim(&F.live, h, player, wave, clue, a, 16, 1, &w, &loot, &dep);
}

/* The table after some play: hunt 1's wave 1 won by players 1-3, wave 2
 * partly; hunt 2 with members and a win. */
static void
play(void)
{
	hunt_table_advance(&F.live, 0);
	struct hunt_state *h1 = hunt_table_find(&F.live, 1);
	uint64_t dep;
	for (uint64_t p = 1; p <= 4; p++)
		hunt_member_join(&F.live, h1, p, 0, &dep);
	for (uint32_t c = 0; c < h1->cfg->clues_per_wave; c++)
		claim(h1, 1 + c % 3, 1, c);
	hunt_table_advance(&F.live, 100000 + 10);
	claim(h1, 4, 2, 3);
	hunt_table_advance(&F.live, 300000);
	struct hunt_state *h2 = hunt_table_find(&F.live, 2);
	for (uint64_t p = 10; p <= 30; p++)
		hunt_member_join(&F.live, h2, p, 0, &dep);
	claim(h2, 10, h2->wave_id, 1);
}

/* At exit (libFuzzer exits when its time is up): no scratch left behind. */
static void
remove_dir(void)
{
	unlink(F.path);
	rmdir(F.dir);
}

static void
init(void)
{
	char err[HUNT_CONFIG_ERR_BYTES];
	if (hunt_config_parse(&F.cfg, T_CONFIG, err) != 0 ||
	    hunt_table_init(&F.live, &F.cfg, 0, 1, 0, HZ) != 0)
		fail("set-up");
	play();
	if (t_scratch_dir(F.dir, sizeof(F.dir), "fuzz_checkpoint") != 0)
		fail("no scratch directory");
	F.dfd = open(F.dir, O_RDONLY | O_DIRECTORY);
	F.devnull = open("/dev/null", O_WRONLY);
	struct hunt_jcover cv = {.epoch = 5, .gen = 2, .n_workers = 1, .segments = {3},
				 .next_seq = {77}};
	struct hunt_table *t = &F.live;
	if (F.dfd < 0 || hunt_checkpoint_write(F.dfd, &cv, &t, 1) != 0)
		fail("cannot write the checkpoint");
	char name[64];
	hunt_checkpoint_name(name, sizeof(name), 5, 2);
	snprintf(F.path, sizeof(F.path), "%s/%s", F.dir, name);
	FILE *f = fopen(F.path, "rb");
	F.base_len = f ? fread(F.base, 1, sizeof(F.base), f) : 0;
	if (f == NULL || F.base_len == 0 || F.base_len == sizeof(F.base))
		fail("cannot read the checkpoint back");
	fclose(f);
	atexit(remove_dir);
	F.ready = 1;
}

/* Whether hunt `id` of t is as play() left it in live (`fresh`: as a new
 * table has it, nothing loaded). */
static int
same_hunt(struct hunt_table *t, uint32_t id, int fresh)
{
	static struct hunt_table empty;
	static int empty_ready;
	if (fresh && !empty_ready) {
		if (hunt_table_init(&empty, &F.cfg, 0, 1, 0, HZ) != 0)
			fail("set-up");
		empty_ready = 1;
	}
	const struct hunt_state *a = hunt_table_find(fresh ? &empty : &F.live, id);
	const struct hunt_state *b = hunt_table_find(t, id);
	if (a->wave_id != b->wave_id || a->state != b->state || a->n_won != b->n_won ||
	    a->n_members != b->n_members || a->n_events != b->n_events)
		return 0;
	for (int s = 0; s < 2; s++) {
		if (a->slot_wave[s] != b->slot_wave[s])
			return 0;
		for (uint32_t c = 0; c < a->cfg->clues_per_wave; c++)
			if (a->clues[s][c].winner_id != b->clues[s][c].winner_id)
				return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!F.ready)
		init();
	size_t len = F.base_len, at = 0;
	memcpy(F.copy, F.base, len);
	uint8_t mode = size > 0 ? data[at++] : 0;
	uint32_t changes = mode >> 1;
	for (uint32_t i = 0; i < changes && at + 3 <= size; i++, at += 3) {
		size_t off = (data[at] | (size_t)data[at + 1] << 8) % len;
		uint8_t x = data[at + 2];
		if (x != 0)
			F.copy[off] ^= x;
		else if (off > 0)
			len = off;
	}
	if ((mode & 1) && len > 4) {
		uint32_t crc = hunt_crc32c(F.copy, (uint32_t)(len - 4));
		memcpy(F.copy + len - 4, &crc, 4);
	}
	int changed = len != F.base_len || memcmp(F.copy, F.base, len) != 0;
	FILE *f = fopen(F.path, "wb");
	if (f == NULL || fwrite(F.copy, 1, len, f) != len)
		fail("cannot write the changed checkpoint");
	fclose(f);
	static struct hunt_table back;
	static int back_ready;
	if (back_ready)
		hunt_table_free(&back);
	if (hunt_table_init(&back, &F.cfg, 0, 1, 0, HZ) != 0)
		fail("set-up");
	back_ready = 1;
	struct hunt_jcover cover;
	uint32_t skipped;
	/* The loader logs each damaged file: not once per input here. */
	int saved = dup(2);
	dup2(F.devnull, 2);
	int rc = hunt_checkpoint_load(F.dir, owner, &back, &cover, &skipped);
	dup2(saved, 2);
	close(saved);
	if (rc != 0)
		fail("the load failed on a readable directory");
	int loaded = cover.epoch != 0;
	if (!changed && !(loaded && cover.epoch == 5 && cover.gen == 2 && cover.segments[0] == 3 &&
			  cover.next_seq[0] == 77 && skipped == 0 && same_hunt(&back, 1, 0) &&
			  same_hunt(&back, 2, 0)))
		fail("the checkpoint as written did not load as written");
	if (changed && !(mode & 1) && loaded)
		fail("a changed checkpoint with its old CRC loaded");
	if (!loaded && !(same_hunt(&back, 1, 1) && same_hunt(&back, 2, 1)))
		fail("a checkpoint that did not load left state behind");
	return 0;
}
