/*
 * Config parser. The format is INI-like: "[server]", "[world]" and "[hunt]"
 * sections ("[world]" and "[hunt]" may repeat, one per world or hunt),
 * "key = value" lines, '#' comments. Every key lives in hunt_config_keys
 * below, with its bounds; there is no other place that knows a key.
 */
#include "config.h"

#include "hunt/content.h"
#include "hunt/journal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cfg_section { SEC_SERVER, SEC_JOURNAL, SEC_WORLD, SEC_HUNT, SEC_CLUE, SEC_COUNT };
enum cfg_type { T_U32, T_U64, T_IPV4, T_ANSWER /* min..max bytes into an answer + length */ };

struct cfg_key {
	enum cfg_section section;
	const char *name;
	enum cfg_type type;
	size_t offset;
	uint64_t def, min, max;
	const char *unit;
	const char *help;
};

#define SRV(f) offsetof(struct hunt_server_cfg, f)
#define WLD(f) offsetof(struct hunt_world_cfg, f)
#define JNL(f) offsetof(struct hunt_journal_tuning, f)
#define HNT(f) offsetof(struct hunt_hunt_cfg, f)
#define CLU(f) offsetof(struct hunt_clue_cfg, f)

static const struct cfg_key hunt_config_keys[] = {
	{SEC_SERVER, "ip", T_IPV4, SRV(ip_be), 0, 0, 0, "", "our IPv4 address (answered ARP, dst of requests); required"},
	{SEC_SERVER, "base_port", T_U32, SRV(base_port), 7000, 1024, 65535, "", "UDP port of shard 0; shard s is base_port + s"},
	{SEC_SERVER, "n_shards", T_U32, SRV(n_shards), 16, 1, HUNT_SHARDS_MAX, "", "shards (ports); owner worker = shard % workers"},
	{SEC_SERVER, "mbufs", T_U32, SRV(mbufs), 16383, 1023, 1u << 20, "", "mbufs in the packet pool"},
	{SEC_SERVER, "rx_desc", T_U32, SRV(rx_desc), 1024, 64, 16384, "", "RX descriptors per queue"},
	{SEC_SERVER, "waves_by_control", T_U32, SRV(waves_by_control), 0, 0, 1, "", "1: waves open and close only when hunt-control (or huntctl wave start|end) says so, and a wave whose clues are all won still closes at once; 0: huntd runs each hunt's waves from its own timers"},
	{SEC_SERVER, "leaderboard_ms", T_U32, SRV(leaderboard_ms), 500, 10, 3600000, "ms", "how often the control thread merges the cores' leaderboards into the list the LEADERBOARD op serves (its lag)"},
	{SEC_SERVER, "tx_desc", T_U32, SRV(tx_desc), 1024, 64, 16384, "", "TX descriptors per queue"},

	{SEC_JOURNAL, "segment_mb", T_U32, JNL(segment_mb), 64, 1, 4096, "MiB", "segment file size; segments are zero-filled ahead of need"},
	{SEC_JOURNAL, "group_kb", T_U32, JNL(group_kb), 256, 4, 4096, "KiB", "most bytes one group commit writes (also the longest torn tail)"},
	{SEC_JOURNAL, "direct_io", T_U32, JNL(direct_io), 0, 0, 1, "", "1: each group is one O_DIRECT|O_DSYNC write of whole 4 KiB blocks (faster here, but see docs/journal.md, known problem: keep the disk's interrupts off busy-polled CPUs; the filesystem must support O_DIRECT); 0: a buffered write linked to an fdatasync"},
	{SEC_JOURNAL, "device_thread", T_U32, JNL(device_thread), 0, 0, 1, "", "1: one journal thread for the directory's device does every worker's writes, fed by a one-slot mailbox per worker and an eventfd; 0: each worker submits its own through io_uring (measured faster: docs/architecture.md)"},
	{SEC_JOURNAL, "group_delay_us", T_U32, JNL(group_delay_us), 0, 0, 100000, "us", "wait this long for a group to grow; 0 flushes as soon as the last flush is done"},
	{SEC_JOURNAL, "flush_on_worker_cpus", T_U32, JNL(flush_on_worker_cpus), 0, 0, 2, "", "where io_uring's threads that run the buffered write and flush may run. 0: only the CPUs huntd was started on (its cpuset or taskset) that no worker polls, or all of those if the workers poll them all; 1: any CPU huntd was started on, worker cores included; 2: only the CPU of the worker whose journal it is, which yields to them while idle (for one claim in flight where every CPU is busy-polled: docs/operations.md)"},
	{SEC_JOURNAL, "yield_when_flushing", T_U32, JNL(yield_when_flushing), 1, 0, 1, "", "1: an idle worker yields its core while a flush is in flight, so kernel work on that core (io-wq with flush_on_worker_cpus = 1 or 2, the block layer's kblockd) can run without waiting for the scheduler"},
	{SEC_JOURNAL, "idle_wait_us", T_U32, JNL(idle_wait_us), 0, 0, 1000, "us", "with yield_when_flushing: a worker that has had no request for this long, while a flush is in flight, sleeps until the flush completes (at most this long) instead of yielding, so the kernel work that completes the flush runs on its core at once (a yield alone left it waiting 3.7-8 ms on the test VM: docs/benchmarks.md); a request arriving meanwhile waits up to this long (50 raised the open-loop p50 at 25-50% load from 3-32 to 23-92 us here, so 0 by default); 0: only yield"},
	{SEC_JOURNAL, "checkpoint_mb", T_U32, JNL(checkpoint_mb), 256, 1, 1u << 20, "MiB", "during a run, a checkpoint is written each time this much of the segments (all workers) has been sealed since the last one: replay after a crash reads about this much plus each worker's current segment"},
	{SEC_JOURNAL, "retain_mb", T_U32, JNL(retain_mb), 4096, 0, UINT32_MAX, "MiB", "segments beyond this total are deleted, oldest first, once the two newest checkpoints both cover them"},
	{SEC_JOURNAL, "retain_hours", T_U32, JNL(retain_hours), 168, 0, 1000000, "hours", "segments last written longer ago than this are deleted once the two newest checkpoints both cover them; 0: no age limit"},
	{SEC_JOURNAL, "free_segments", T_U32, JNL(free_segments), 8, 0, 1024, "", "segments retention retires are kept (as free-*.hj) while fewer than this many are, and the next spare segment is one of them renamed into place instead of a new file zero-filled: a steady-state journal then writes its bytes once; 0: retired segments are deleted"},
	{SEC_JOURNAL, "held_max", T_U32, JNL(held_max), 65536, 64, 1u << 22, "", "replies a worker holds until durable (rounded up to a power of two; 192 bytes each, a copy of the reply: held replies keep no mbuf); then RETRY_LATER"},

	{SEC_WORLD, "id", T_U32, WLD(id), 0, 1, UINT32_MAX, "", "world id; required, unique"},
	{SEC_WORLD, "size", T_U32, WLD(size), 1000, 1, HUNT_WORLD_SIZE_MAX, "tiles", "tiles are at 0 <= x, y < size"},
	{SEC_WORLD, "loot_tiles", T_U32, WLD(loot_tiles), 1000, 0, HUNT_TILES_MAX, "", "tiles with loot, placed from loot_seed"},
	{SEC_WORLD, "loot_seed", T_U64, WLD(loot_seed), 1, 0, UINT64_MAX, "", "seed of the loot placement"},

	{SEC_HUNT, "id", T_U32, HNT(id), 0, 1, UINT32_MAX, "", "hunt id; required, unique"},
	{SEC_HUNT, "world", T_U32, HNT(world_id), 0, 1, UINT32_MAX, "", "world the hunt runs in; must be a [world] id"},
	{SEC_HUNT, "clues_per_wave", T_U32, HNT(clues_per_wave), 500, 1, HUNT_CLUES_MAX, "", "clues spawned per wave"},
	{SEC_HUNT, "waves", T_U32, HNT(waves), 0, 0, UINT32_MAX, "", "waves to run; 0 runs until stopped"},
	{SEC_HUNT, "wave_duration_ms", T_U32, HNT(wave_duration_ms), 60000, 10, HUNT_WAVE_DURATION_MS_MAX, "ms", "a wave closes at this deadline if not all clues are won"},
	{SEC_HUNT, "cooldown_ms", T_U32, HNT(cooldown_ms), 1000, 0, HUNT_COOLDOWN_MS_MAX, "ms", "pause between a wave's close and the next open"},
	{SEC_HUNT, "start_delay_ms", T_U32, HNT(start_delay_ms), 0, 0, HUNT_COOLDOWN_MS_MAX, "ms", "delay from start-up to the first wave"},
	{SEC_HUNT, "answer_seed", T_U64, HNT(answer_seed), 1, 0, UINT64_MAX, "", "seed the clue answers are derived from"},
	{SEC_HUNT, "buildings", T_U32, HNT(n_buildings), 0, 0, HUNT_BUILDINGS_MAX, "", "buildings in the hunt's world"},
	{SEC_HUNT, "treasures_per_building", T_U32, HNT(treasures_per_building), 4, 1, HUNT_TREASURES_MAX, "", "clues placed in each building"},
	{SEC_HUNT, "coins_per_win", T_U32, HNT(coins_per_win), 10, 0, 1000000, "coins", "coins a winning claim awards"},
	{SEC_HUNT, "max_players", T_U32, HNT(max_players), 1024, 1, HUNT_PLAYERS_MAX, "", "players that may join; more get RETRY_LATER"},
	{SEC_CLUE, "hunt", T_U32, CLU(hunt_id), 0, 1, UINT32_MAX, "", "the [hunt] the clue belongs to; required"},
	{SEC_CLUE, "index", T_U32, CLU(idx), 0, 0, HUNT_CLUES_MAX - 1, "", "the clue's index in a wave, below the hunt's clues_per_wave"},
	{SEC_CLUE, "wave", T_U32, CLU(wave), 0, 0, UINT32_MAX, "", "0: the clue in every wave; N: in wave N only (over an every-wave entry)"},
	{SEC_CLUE, "answer", T_ANSWER, CLU(answer), 0, 1, HUNT_ANSWER_BYTES_MAX, "bytes", "the answer a claim must carry, byte for byte (no '#', no spaces at either end); required"},
	{SEC_CLUE, "loot", T_U32, CLU(loot_item), 0, 0, UINT32_MAX, "", "item the winner gets; 0: derived from the hunt and index, as for generated clues"},
	{SEC_HUNT, "events_kept", T_U32, HNT(events_kept), 1024, 16, HUNT_EVENTS_KEPT_MAX, "", "newest win events kept in memory for the EVENTS op (rounded up to a power of two; 32 bytes each, twice with a journal); older ones answer with the GAP flag"},
};

#define N_KEYS (sizeof(hunt_config_keys) / sizeof(hunt_config_keys[0]))

static const char *const section_names[SEC_COUNT] = {"server", "journal", "world", "hunt", "clue"};

static int
cfg_error(char err[HUNT_CONFIG_ERR_BYTES], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, HUNT_CONFIG_ERR_BYTES, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void *
section_base(struct hunt_config *cfg, enum cfg_section sec)
{
	switch (sec) {
	case SEC_SERVER:
		return &cfg->server;
	case SEC_JOURNAL:
		return &cfg->journal;
	case SEC_WORLD:
		assert(cfg->n_worlds > 0);
		return &cfg->worlds[cfg->n_worlds - 1];
	case SEC_HUNT:
		assert(cfg->n_hunts > 0);
		return &cfg->hunts[cfg->n_hunts - 1];
	case SEC_CLUE:
		assert(cfg->n_clues > 0);
		return &cfg->clues[cfg->n_clues - 1];
	default:
		assert(0 && "unknown section");
		return NULL;
	}
}

static void
apply_defaults(void *base, enum cfg_section sec)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct cfg_key *k = &hunt_config_keys[i];
		if (k->section != sec)
			continue;
		if (k->type == T_U64)
			*(uint64_t *)((char *)base + k->offset) = k->def;
		else if (k->type != T_ANSWER) /* an answer has no default */
			*(uint32_t *)((char *)base + k->offset) = (uint32_t)k->def;
	}
}

static int
set_key(struct hunt_config *cfg, enum cfg_section sec, unsigned line,
	const char *name, const char *value, char err[HUNT_CONFIG_ERR_BYTES])
{
	const struct cfg_key *k = NULL;
	for (size_t i = 0; i < N_KEYS; i++)
		if (hunt_config_keys[i].section == sec &&
		    strcmp(hunt_config_keys[i].name, name) == 0)
			k = &hunt_config_keys[i];
	if (k == NULL)
		return cfg_error(err, "line %u: unknown key '%s' in [%s]", line,
				 name, section_names[sec]);
	void *field = (char *)section_base(cfg, sec) + k->offset;
	if (k->type == T_IPV4) {
		struct in_addr a;
		if (inet_pton(AF_INET, value, &a) != 1 || a.s_addr == 0)
			return cfg_error(err,
					 "line %u: key '%s' value '%s' is not "
					 "a unicast IPv4 address (a.b.c.d)",
					 line, name, value);
		*(uint32_t *)field = a.s_addr;
		return 0;
	}
	if (k->type == T_ANSWER) {
		struct hunt_clue_cfg *c = section_base(cfg, sec);
		size_t n = strlen(value);
		if (n < k->min || n > k->max)
			return cfg_error(err, "line %u: key '%s' value '%s' is %zu bytes, out of range "
					      "[%" PRIu64 ", %" PRIu64 "] bytes",
					 line, name, value, n, k->min, k->max);
		memcpy(c->answer, value, n);
		c->answer_len = (uint32_t)n;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 0);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' ||
	    v < k->min || v > k->max)
		return cfg_error(err,
				 "line %u: key '%s' value '%s' out of range "
				 "[%" PRIu64 ", %" PRIu64 "]%s%s",
				 line, name, value, k->min, k->max,
				 k->unit[0] ? " " : "", k->unit);
	if (k->type == T_U64)
		*(uint64_t *)field = v;
	else
		*(uint32_t *)field = (uint32_t)v;
	return 0;
}

static char *
trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
open_section(struct hunt_config *cfg, const char *name, unsigned line,
	     enum cfg_section *sec, char err[HUNT_CONFIG_ERR_BYTES])
{
	if (strcmp(name, "server") == 0) {
		*sec = SEC_SERVER;
	} else if (strcmp(name, "journal") == 0) {
		*sec = SEC_JOURNAL;
	} else if (strcmp(name, "world") == 0) {
		if (cfg->n_worlds == HUNT_WORLDS_MAX)
			return cfg_error(err, "line %u: more than %u [world] sections",
					 line, HUNT_WORLDS_MAX);
		cfg->n_worlds++;
		*sec = SEC_WORLD;
	} else if (strcmp(name, "hunt") == 0) {
		if (cfg->n_hunts == HUNT_HUNTS_MAX)
			return cfg_error(err, "line %u: more than %u [hunt] sections",
					 line, HUNT_HUNTS_MAX);
		cfg->n_hunts++;
		*sec = SEC_HUNT;
	} else if (strcmp(name, "clue") == 0) {
		if (cfg->n_clues == HUNT_CLUE_CFG_MAX)
			return cfg_error(err, "line %u: more than %u [clue] sections",
					 line, HUNT_CLUE_CFG_MAX);
		cfg->n_clues++;
		*sec = SEC_CLUE;
	} else {
		return cfg_error(err,
				 "line %u: unknown section '[%s]' (allowed: "
				 "[server], [journal], [world], [hunt], [clue])",
				 line, name);
	}
	apply_defaults(section_base(cfg, *sec), *sec);
	return 0;
}

static int
cross_check(const struct hunt_config *cfg, int need_server, char err[HUNT_CONFIG_ERR_BYTES])
{
	if (need_server && cfg->server.ip_be == 0)
		return cfg_error(err, "[server] key 'ip' is required");
	if (cfg->server.base_port + cfg->server.n_shards - 1 > 65535)
		return cfg_error(err,
				 "[server] base_port %u + n_shards %u exceeds port 65535",
				 cfg->server.base_port, cfg->server.n_shards);
	if (cfg->n_hunts == 0)
		return cfg_error(err, "no [hunt] section: at least 1 required");
	if ((uint64_t)cfg->journal.group_kb * 1024 + HUNT_SEG_HEADER_BYTES >
	    (uint64_t)cfg->journal.segment_mb << 20)
		return cfg_error(err, "[journal] group_kb %u does not fit a segment of segment_mb %u",
				 cfg->journal.group_kb, cfg->journal.segment_mb);
	for (uint32_t i = 0; i < cfg->n_worlds; i++) {
		if (cfg->worlds[i].id == 0)
			return cfg_error(err, "[world] #%u: key 'id' is required", i + 1);
		for (uint32_t j = 0; j < i; j++)
			if (cfg->worlds[j].id == cfg->worlds[i].id)
				return cfg_error(err, "[world] id %u defined twice",
						 cfg->worlds[i].id);
	}
	for (uint32_t i = 0; i < cfg->n_hunts; i++) {
		const struct hunt_hunt_cfg *h = &cfg->hunts[i];
		if (h->id == 0)
			return cfg_error(err, "[hunt] #%u: key 'id' is required", i + 1);
		if (hunt_config_find_hunt(cfg, h->id) != h)
			return cfg_error(err, "[hunt] id %u defined twice", h->id);
		if (hunt_config_find_world(cfg, h->world_id) == NULL)
			return cfg_error(err,
					 "[hunt] id %u: key 'world' value %u names no [world]",
					 h->id, h->world_id);
	}
	return 0;
}

static int
by_hunt_index_wave(const void *a, const void *b)
{
	const struct hunt_clue_cfg *x = a, *y = b;
	if (x->hunt_id != y->hunt_id)
		return x->hunt_id < y->hunt_id ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->wave < y->wave ? -1 : x->wave > y->wave;
}

/* Checks the [clue] sections against their hunts, then sorts them and
 * gives each hunt its range. */
static int
index_clues(struct hunt_config *cfg, char err[HUNT_CONFIG_ERR_BYTES])
{
	for (uint32_t i = 0; i < cfg->n_clues; i++) {
		const struct hunt_clue_cfg *c = &cfg->clues[i];
		const struct hunt_hunt_cfg *h = hunt_config_find_hunt(cfg, c->hunt_id);
		if (c->hunt_id == 0 || c->answer_len == 0)
			return cfg_error(err, "[clue] #%u: key '%s' is required", i + 1,
					 c->hunt_id == 0 ? "hunt" : "answer");
		if (h == NULL)
			return cfg_error(err, "[clue] #%u: key 'hunt' value %u names no [hunt]", i + 1,
					 c->hunt_id);
		if (c->idx >= h->clues_per_wave)
			return cfg_error(err, "[clue] #%u: key 'index' value %u out of range [0, %u] "
					      "(hunt %u's clues_per_wave - 1)",
					 i + 1, c->idx, h->clues_per_wave - 1, h->id);
		if (h->waves != 0 && c->wave > h->waves)
			return cfg_error(err, "[clue] #%u: key 'wave' value %u out of range [0, %u] "
					      "(hunt %u's waves)", i + 1, c->wave, h->waves, h->id);
	}
	qsort(cfg->clues, cfg->n_clues, sizeof(cfg->clues[0]), by_hunt_index_wave);
	for (uint32_t i = 0; i < cfg->n_hunts; i++)
		cfg->hunts[i].first_clue = cfg->hunts[i].n_clues = 0;
	for (uint32_t i = 0; i < cfg->n_clues; i++) {
		const struct hunt_clue_cfg *c = &cfg->clues[i];
		if (i > 0 && by_hunt_index_wave(c - 1, c) == 0)
			return cfg_error(err, "[clue] hunt %u index %u wave %u defined twice",
					 c->hunt_id, c->idx, c->wave);
		struct hunt_hunt_cfg *h = (struct hunt_hunt_cfg *)hunt_config_find_hunt(cfg, c->hunt_id);
		if (h->n_clues++ == 0)
			h->first_clue = i;
	}
	return 0;
}

/* The cross-checks, then the clue index. */
static int
finish(struct hunt_config *cfg, int need_server, char err[HUNT_CONFIG_ERR_BYTES])
{
	int rc = cross_check(cfg, need_server, err);
	return rc != 0 ? rc : index_clues(cfg, err);
}

uint32_t
hunt_config_clue(const struct hunt_config *cfg, const struct hunt_hunt_cfg *hc, uint32_t wave,
		 uint32_t clue, uint8_t answer[HUNT_ANSWER_BYTES_MAX], uint32_t *loot_item)
{
	const struct hunt_clue_cfg *every = NULL, *one = NULL;
	uint32_t lo = hc->first_clue, hi = hc->first_clue + hc->n_clues;
	while (lo < hi) { /* the first entry of this index */
		uint32_t mid = lo + (hi - lo) / 2;
		if (cfg->clues[mid].idx < clue)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < hc->first_clue + hc->n_clues && cfg->clues[i].idx == clue; i++) {
		if (cfg->clues[i].wave == 0)
			every = &cfg->clues[i];
		else if (cfg->clues[i].wave == wave)
			one = &cfg->clues[i];
	}
	const struct hunt_clue_cfg *c = one ? one : every;
	if (c == NULL) {
		hunt_answer_gen(hc->answer_seed, hc->id, wave, clue, answer);
		*loot_item = hunt_clue_loot(hc->id, clue);
		return HUNT_ANSWER_GEN_BYTES;
	}
	memcpy(answer, c->answer, c->answer_len);
	*loot_item = c->loot_item ? c->loot_item : hunt_clue_loot(hc->id, clue);
	return c->answer_len;
}

static void
reset(struct hunt_config *cfg, char err[HUNT_CONFIG_ERR_BYTES])
{
	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	apply_defaults(&cfg->server, SEC_SERVER);
	apply_defaults(&cfg->journal, SEC_JOURNAL);
}

/* Parses text into cfg on top of what it holds. hunts_only: a catalogue,
 * [world] and [hunt] sections only. */
static int
parse_text(struct hunt_config *cfg, const char *text, int hunts_only,
	   char err[HUNT_CONFIG_ERR_BYTES])
{
	enum cfg_section sec = SEC_COUNT;
	unsigned line_no = 0;
	const char *p = text;
	while (*p != '\0') {
		char line[512];
		size_t n = strcspn(p, "\n");
		line_no++;
		if (n >= sizeof(line))
			return cfg_error(err, "line %u: longer than %zu bytes",
					 line_no, sizeof(line) - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		char *s = trim(line);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || close[1] != '\0')
				return cfg_error(err, "line %u: bad section header '%s'",
						 line_no, s);
			*close = '\0';
			const char *name = trim(s + 1);
			if (hunts_only && strcmp(name, "world") != 0 && strcmp(name, "hunt") != 0 &&
			    strcmp(name, "clue") != 0)
				return cfg_error(err, "line %u: section '[%s]' in a catalogue "
						      "(allowed: [world], [hunt], [clue])", line_no, name);
			int rc = open_section(cfg, name, line_no, &sec, err);
			if (rc != 0)
				return rc;
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL)
			return cfg_error(err, "line %u: expected 'key = value', got '%s'",
					 line_no, s);
		*eq = '\0';
		if (sec == SEC_COUNT)
			return cfg_error(err, "line %u: key '%s' before any section",
					 line_no, trim(s));
		int rc = set_key(cfg, sec, line_no, trim(s), trim(eq + 1), err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
hunt_config_parse(struct hunt_config *cfg, const char *text,
		  char err[HUNT_CONFIG_ERR_BYTES])
{
	assert(cfg != NULL && text != NULL && err != NULL);
	reset(cfg, err);
	int rc = parse_text(cfg, text, 0, err);
	return rc != 0 ? rc : finish(cfg, 1, err);
}

int
hunt_config_parse_catalogue(struct hunt_config *cfg, const char *text,
			    char err[HUNT_CONFIG_ERR_BYTES])
{
	assert(cfg != NULL && text != NULL && err != NULL);
	reset(cfg, err);
	int rc = parse_text(cfg, text, 0, err);
	return rc != 0 ? rc : finish(cfg, 0, err);
}

/* The whole file as a string (caller frees), or NULL with err set. */
static char *
slurp(const char *path, char err[HUNT_CONFIG_ERR_BYTES])
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, HUNT_CONFIG_ERR_BYTES, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	while (mem != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	if (mem == NULL) {
		snprintf(err, HUNT_CONFIG_ERR_BYTES, "%s: out of memory", path);
		return NULL;
	}
	fclose(mem);
	return text;
}

/* Prefixes err with the file it is about. */
static int
in_file(const char *path, int rc, char err[HUNT_CONFIG_ERR_BYTES])
{
	if (rc != 0) {
		char e[HUNT_CONFIG_ERR_BYTES];
		snprintf(e, sizeof(e), "%s", err);
		snprintf(err, HUNT_CONFIG_ERR_BYTES, "%.80s: %.170s", path, e);
	}
	return rc;
}

static int
load(struct hunt_config *cfg, const char *path,
     int (*parse)(struct hunt_config *, const char *, char[HUNT_CONFIG_ERR_BYTES]),
     char err[HUNT_CONFIG_ERR_BYTES])
{
	char *text = slurp(path, err);
	if (text == NULL)
		return -EINVAL;
	int rc = parse(cfg, text, err);
	free(text);
	return rc;
}

int
hunt_config_load(struct hunt_config *cfg, const char *path,
		 char err[HUNT_CONFIG_ERR_BYTES])
{
	return load(cfg, path, hunt_config_parse, err);
}

int
hunt_config_load_catalogue(struct hunt_config *cfg, const char *path,
			   char err[HUNT_CONFIG_ERR_BYTES])
{
	return in_file(path, load(cfg, path, hunt_config_parse_catalogue, err), err);
}

int
hunt_config_load_with(struct hunt_config *cfg, const char *path, const char *catalogue,
		      char err[HUNT_CONFIG_ERR_BYTES])
{
	char *text = slurp(path, err), *cat = text ? slurp(catalogue, err) : NULL;
	int rc = -EINVAL;
	if (text != NULL && cat != NULL) {
		reset(cfg, err);
		rc = in_file(path, parse_text(cfg, text, 0, err), err);
		if (rc == 0)
			rc = in_file(catalogue, parse_text(cfg, cat, 1, err), err);
		if (rc == 0)
			rc = finish(cfg, 1, err);
	}
	free(text);
	free(cat);
	return rc;
}

const struct hunt_hunt_cfg *
hunt_config_find_hunt(const struct hunt_config *cfg, uint32_t hunt_id)
{
	for (uint32_t i = 0; i < cfg->n_hunts; i++)
		if (cfg->hunts[i].id == hunt_id)
			return &cfg->hunts[i];
	return NULL;
}

const struct hunt_world_cfg *
hunt_config_find_world(const struct hunt_config *cfg, uint32_t world_id)
{
	for (uint32_t i = 0; i < cfg->n_worlds; i++)
		if (cfg->worlds[i].id == world_id)
			return &cfg->worlds[i];
	return NULL;
}

int
hunt_config_key(unsigned i, struct hunt_config_key_info *out)
{
	if (i >= N_KEYS)
		return -1;
	const struct cfg_key *k = &hunt_config_keys[i];
	*out = (struct hunt_config_key_info){.section = section_names[k->section],
					     .name = k->name,
					     .is_number = k->type == T_U32 || k->type == T_U64,
					     .min = k->min,
					     .max = k->max};
	return 0;
}

void
hunt_config_write_doc(void *file)
{
	FILE *f = file;
	fprintf(f, "| section | key | default | min | max | unit | meaning |\n");
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct cfg_key *k = &hunt_config_keys[i];
		if (k->type == T_IPV4)
			fprintf(f, "| [%s] | `%s` | (none) | | | | %s |\n",
				section_names[k->section], k->name, k->help);
		else if (k->type == T_ANSWER)
			fprintf(f, "| [%s] | `%s` | (none) | %" PRIu64 " | %" PRIu64 " | %s | %s |\n",
				section_names[k->section], k->name, k->min, k->max, k->unit, k->help);
		else
			fprintf(f,
				"| [%s] | `%s` | %" PRIu64 " | %" PRIu64
				" | %" PRIu64 " | %s | %s |\n",
				section_names[k->section], k->name, k->def, k->min,
				k->max, k->unit, k->help);
	}
}
