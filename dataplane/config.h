/*
 * huntd's configuration file: one declarative table of keys (section, name,
 * type, default, bounds, unit) drives parsing, defaults, validation and the
 * docs (docs/config.md). Until hunt-control exists, hunts are defined here.
 */
#ifndef HUNT_CONFIG_H
#define HUNT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hunt/limits.h"

struct hunt_server_cfg {
	uint32_t ip_be;      /* our IPv4 address, network order */
	uint32_t base_port;  /* shard s on UDP port base_port + s */
	uint32_t n_shards;
	uint32_t mbufs;      /* mbuf pool size */
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t waves_by_control; /* 1: hunt-control opens and closes waves */
	uint32_t leaderboard_ms;   /* LEADERBOARD list republished this often */
};

/* Journal tuning; the directory itself is a command-line option. */
struct hunt_journal_tuning {
	uint32_t segment_mb;     /* segment file size */
	uint32_t group_kb;       /* most bytes per group commit */
	uint32_t group_delay_us; /* wait this long for more records; 0: flush when idle */
	uint32_t held_max;       /* replies a worker may hold for the journal */
	uint32_t yield_when_flushing; /* idle worker yields while a flush is in flight */
	uint32_t idle_wait_us;   /* that long without a request: sleep until the flush is done */
	uint32_t checkpoint_mb;  /* sealed segment MiB per worker between checkpoints */
	uint32_t retain_mb;      /* segment MiB kept beyond what checkpoints cover */
	uint32_t retain_hours;   /* covered segments older than this go; 0: no limit */
	uint32_t free_segments;  /* retired segments kept for reuse as spares */
	uint32_t direct_io;      /* O_DIRECT|O_DSYNC writes, else write + fdatasync */
	uint32_t device_thread;  /* a journal thread per device instead of io_uring per worker */
	uint32_t flush_on_worker_cpus; /* io-wq: 0 housekeeping CPUs, 1 any, 2 its worker's */
};

struct hunt_hunt_cfg {
	uint32_t id;
	uint32_t world_id;
	uint32_t clues_per_wave;
	uint32_t waves;            /* 0: run waves until stopped */
	uint32_t wave_duration_ms;
	uint32_t cooldown_ms;
	uint32_t start_delay_ms;
	uint64_t answer_seed;
	uint32_t n_buildings;
	uint32_t treasures_per_building;
	uint32_t coins_per_win;
	uint32_t max_players;
	uint32_t events_kept;      /* newest win events kept for EVENTS */
	uint32_t first_clue;       /* its [clue] entries: cfg->clues[first_clue .. */
	uint32_t n_clues;          /* .. + n_clues), sorted by (index, wave) */
};

/* A [clue] section: one clue's answer and loot, in every wave (wave 0) or
 * in one; a clue without one gets the answer and loot derived from the
 * hunt's answer_seed (include/hunt/content.h). */
struct hunt_clue_cfg {
	uint32_t hunt_id;
	uint32_t idx;              /* 0 .. clues_per_wave - 1 */
	uint32_t wave;             /* 0: every wave */
	uint32_t loot_item;        /* 0: derived */
	uint32_t answer_len;       /* 1 .. HUNT_ANSWER_BYTES_MAX */
	uint8_t answer[HUNT_ANSWER_BYTES_MAX];
};

struct hunt_world_cfg {
	uint32_t id;
	uint32_t size;       /* tiles are at 0 <= x, y < size */
	uint32_t loot_tiles;
	uint64_t loot_seed;
};

struct hunt_config {
	struct hunt_server_cfg server;
	struct hunt_journal_tuning journal;
	uint32_t n_hunts;
	uint32_t n_worlds;
	struct hunt_hunt_cfg hunts[HUNT_HUNTS_MAX];
	struct hunt_world_cfg worlds[HUNT_WORLDS_MAX];
	uint32_t n_clues;
	struct hunt_clue_cfg clues[HUNT_CLUE_CFG_MAX]; /* sorted by (hunt, index, wave) */
};

#define HUNT_CONFIG_ERR_BYTES 256u

/*
 * Parses config text into cfg (defaults first, then the text, then
 * cross-checks). Returns 0, or -EINVAL with a message in err naming the line,
 * the key, the value and the allowed range.
 */
int hunt_config_parse(struct hunt_config *cfg, const char *text,
		      char err[HUNT_CONFIG_ERR_BYTES]);

/* Reads and parses a file; -errno if it cannot be read. */
int hunt_config_load(struct hunt_config *cfg, const char *path,
		     char err[HUNT_CONFIG_ERR_BYTES]);

/*
 * A catalogue: the [world], [hunt] and [clue] sections that define hunts,
 * in the same format (docs/config.md). hunt_config_parse_catalogue accepts a text
 * with or without [server] (hunt-control reads either); load_with reads
 * huntd's config, then a catalogue file that may hold only [world] and
 * [hunt] and [clue], and checks them together. Errors name the file, line, key, value
 * and allowed range.
 */
int hunt_config_parse_catalogue(struct hunt_config *cfg, const char *text,
				char err[HUNT_CONFIG_ERR_BYTES]);
int hunt_config_load_catalogue(struct hunt_config *cfg, const char *path,
			       char err[HUNT_CONFIG_ERR_BYTES]);
int hunt_config_load_with(struct hunt_config *cfg, const char *path, const char *catalogue,
			  char err[HUNT_CONFIG_ERR_BYTES]);

/* Clue `clue` of wave `wave` of hunt hc: writes its answer (returns its
 * length, 1 .. HUNT_ANSWER_BYTES_MAX) and loot item, from a [clue] entry for
 * that wave, else one for every wave, else derived from the answer seed. */
uint32_t hunt_config_clue(const struct hunt_config *cfg, const struct hunt_hunt_cfg *hc,
			  uint32_t wave, uint32_t clue, uint8_t answer[HUNT_ANSWER_BYTES_MAX],
			  uint32_t *loot_item);

const struct hunt_hunt_cfg *hunt_config_find_hunt(const struct hunt_config *cfg,
						  uint32_t hunt_id);
const struct hunt_world_cfg *
hunt_config_find_world(const struct hunt_config *cfg, uint32_t world_id);

/* The key table, for tests and docs: key i's section, name and bounds.
 * Returns 0, or -1 when i is past the end. */
struct hunt_config_key_info {
	const char *section;
	const char *name;
	int is_number;
	uint64_t min, max;
};
int hunt_config_key(unsigned i, struct hunt_config_key_info *out);

/* Writes the key table as a Markdown table (for docs/config.md). */
void hunt_config_write_doc(void *file);

#endif
