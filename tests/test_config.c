/*
 * Proves the config parser accepts every key at its bounds and refuses one
 * past them with a message naming the key, the value and the range; and that
 * structural errors (unknown key or section, missing required keys, dangling
 * references, duplicates) are refused with a message that says which; and
 * that [clue] entries set a clue's answer and loot in every wave or one,
 * bounded by their hunt (index below clues_per_wave, wave within waves,
 * answer 1 to 32 bytes), with the rest generated.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hunt/content.h"

static struct hunt_config cfg;
static char err[HUNT_CONFIG_ERR_BYTES];

#define BASE "[server]\nip = 198.18.0.1\n[world]\nid = 1\n[hunt]\nid = 1\nworld = 1\n"

static int
parse(const char *text)
{
	return hunt_config_parse(&cfg, text, err);
}

Test(config, minimal_file_gets_defaults)
{
	cr_assert_eq(parse(BASE), 0, "%s", err);
	cr_assert_eq(cfg.n_hunts, 1);
	cr_assert_eq(cfg.n_worlds, 1);
	cr_assert_eq(cfg.server.base_port, 7000);
	cr_assert_eq(cfg.server.n_shards, 16);
	cr_assert_eq(cfg.hunts[0].clues_per_wave, 500);
	cr_assert_eq(cfg.server.ip_be, 0x010012c6u); /* 198.18.0.1 */
}

/* Writes BASE with "key = value" placed in the key's section. */
static void
with_key(char *out, size_t n, const char *section, const char *key, const char *value)
{
	if (strcmp(section, "journal") == 0)
		snprintf(out, n, "[server]\nip = 198.18.0.1\n[journal]\nsegment_mb = 4096\n%s = %s\n"
				 "[world]\nid = 1\n[hunt]\nid = 1\nworld = 1\n", key, value);
	else if (strcmp(section, "server") == 0)
		snprintf(out, n, "[server]\nip = 198.18.0.1\nbase_port = 1024\n%s = %s\n"
				 "[world]\nid = 1\n[hunt]\nid = 1\nworld = 1\n", key, value);
	else if (strcmp(section, "world") == 0)
		snprintf(out, n, "[server]\nip = 198.18.0.1\n[world]\nid = 1\n%s = %s\n"
				 "[hunt]\nid = 1\nworld = 1\n", key, value);
	else if (strcmp(section, "clue") == 0)
		snprintf(out, n, "[server]\nip = 198.18.0.1\n[world]\nid = 1\n"
				 "[hunt]\nid = 1\nworld = 1\nclues_per_wave = 4096\n"
				 "[clue]\nhunt = 1\nanswer = x\n%s = %s\n", key, value);
	else
		snprintf(out, n, "[server]\nip = 198.18.0.1\n[world]\nid = 1\n"
				 "[hunt]\nid = 1\nworld = 1\n%s = %s\n", key, value);
}

Test(config, every_number_key_at_and_past_its_bounds)
{
	struct hunt_config_key_info k;
	unsigned tested = 0;
	for (unsigned i = 0; hunt_config_key(i, &k) == 0; i++) {
		if (!k.is_number)
			continue;
		/* id and world are cross-referenced: their bounds are tested below. */
		int cross = strcmp(k.name, "id") == 0 || strcmp(k.name, "world") == 0 ||
			    strcmp(k.name, "hunt") == 0;
		char text[512], v[32];
		uint64_t ok_values[2] = {k.min, k.max};
		for (int j = 0; j < 2 && !cross; j++) {
			snprintf(v, sizeof(v), "%" PRIu64, ok_values[j]);
			with_key(text, sizeof(text), k.section, k.name, v);
			int rc = parse(text);
			/* A bound may still fail a cross-check (port range), never the range. */
			cr_assert(rc == 0 || strstr(err, "out of range") == NULL,
				  "[%s] %s = %s refused: %s", k.section, k.name, v, err);
		}
		if (k.min > 0) {
			snprintf(v, sizeof(v), "%" PRIu64, k.min - 1);
			with_key(text, sizeof(text), k.section, k.name, v);
			cr_assert_neq(parse(text), 0, "[%s] %s = %s accepted", k.section, k.name, v);
			cr_assert(strstr(err, k.name) && strstr(err, v) && strstr(err, "out of range"),
				  "message does not name key, value and range: %s", err);
		}
		if (k.max < UINT64_MAX) {
			snprintf(v, sizeof(v), "%" PRIu64, k.max + 1);
			with_key(text, sizeof(text), k.section, k.name, v);
			cr_assert_neq(parse(text), 0, "[%s] %s = %s accepted", k.section, k.name, v);
			char range[64];
			snprintf(range, sizeof(range), "[%" PRIu64 ", %" PRIu64 "]", k.min, k.max);
			cr_assert(strstr(err, k.name) && strstr(err, range), "bad message: %s", err);
		}
		tested++;
	}
	cr_assert_geq(tested, 22, "only %u keys tested", tested);
}

Test(config, clues_per_wave_boundaries_exact)
{
	char text[512];
	with_key(text, sizeof(text), "hunt", "clues_per_wave", "4096");
	cr_assert_eq(parse(text), 0, "%s", err);
	cr_assert_eq(cfg.hunts[0].clues_per_wave, 4096);
	with_key(text, sizeof(text), "hunt", "clues_per_wave", "4097");
	cr_assert_neq(parse(text), 0);
	cr_assert_str_eq(err, "line 8: key 'clues_per_wave' value '4097' out of range [1, 4096]");
	with_key(text, sizeof(text), "hunt", "clues_per_wave", "0");
	cr_assert_neq(parse(text), 0);
	with_key(text, sizeof(text), "hunt", "clues_per_wave", "1");
	cr_assert_eq(parse(text), 0, "%s", err);
}

Test(config, refuses_malformed_numbers)
{
	const char *bad[] = {"-1", "12abc", "", "0x", "99999999999999999999999"};
	char text[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		with_key(text, sizeof(text), "hunt", "cooldown_ms", bad[i]);
		cr_assert_neq(parse(text), 0, "'%s' accepted", bad[i]);
		cr_assert(strstr(err, "cooldown_ms"), "%s", err);
	}
	with_key(text, sizeof(text), "hunt", "cooldown_ms", "0x10");
	cr_assert_eq(parse(text), 0, "%s", err);
	cr_assert_eq(cfg.hunts[0].cooldown_ms, 16);
}

Test(config, structural_errors_name_what_is_wrong)
{
	struct {
		const char *text, *want;
	} cases[] = {
		{"[server]\nip = 198.18.0.1\nbogus = 1\n", "unknown key 'bogus' in [server]"},
		{"[servers]\n", "unknown section '[servers]'"},
		{BASE "[journal]\nsegment_mb = 1\ngroup_kb = 1024\n", "group_kb 1024 does not fit a segment of segment_mb 1"},
		{"ip = 1.2.3.4\n", "before any section"},
		{"[server]\nip\n", "expected 'key = value'"},
		{"[server\n", "bad section header"},
		{"[server]\n[world]\nid = 1\n[hunt]\nid = 1\nworld = 1\n", "'ip' is required"},
		{"[server]\nip = 1.2.3\n", "not a unicast IPv4"},
		{"[server]\nip = 0.0.0.0\n", "not a unicast IPv4"},
		{"[server]\nip = 198.18.0.1\n[world]\nid = 1\n", "at least 1 required"},
		{"[server]\nip = 198.18.0.1\n[world]\nid = 1\n[hunt]\nid = 1\nworld = 2\n",
		 "key 'world' value 2 names no [world]"},
		{BASE "[hunt]\nid = 1\nworld = 1\n", "id 1 defined twice"},
		{"[server]\nip = 198.18.0.1\n[world]\nid = 1\n[world]\nid = 1\n[hunt]\nid = 1\nworld = 1\n",
		 "[world] id 1 defined twice"},
		{"[server]\nip = 198.18.0.1\n[world]\n[hunt]\nid = 1\nworld = 1\n", "'id' is required"},
		{"[server]\nip = 198.18.0.1\nbase_port = 65530\nn_shards = 16\n[world]\nid = 1\n"
		 "[hunt]\nid = 1\nworld = 1\n",
		 "exceeds port 65535"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_neq(parse(cases[i].text), 0, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: got '%s', want '%s'", i, err,
			  cases[i].want);
	}
}

Test(config, comments_blank_lines_and_many_hunts)
{
	char *text = malloc(1 << 20);
	size_t off = (size_t)sprintf(text, "# comment\n\n[server] # trailing\n  ip = 198.18.0.1  \n"
					   "[world]\nid = 7\n");
	for (unsigned i = 1; i <= HUNT_HUNTS_MAX; i++)
		off += (size_t)sprintf(text + off, "[hunt]\nid = %u\nworld = 7\n", i);
	cr_assert_eq(parse(text), 0, "%s", err);
	cr_assert_eq(cfg.n_hunts, HUNT_HUNTS_MAX);
	cr_assert_eq(hunt_config_find_hunt(&cfg, HUNT_HUNTS_MAX)->world_id, 7);
	cr_assert_null(hunt_config_find_hunt(&cfg, HUNT_HUNTS_MAX + 1));
	sprintf(text + off, "[hunt]\nid = %u\nworld = 7\n", HUNT_HUNTS_MAX + 1);
	cr_assert_neq(parse(text), 0);
	cr_assert(strstr(err, "more than 8192 [hunt] sections"), "%s", err);
	free(text);
}

Test(config, load_reports_missing_file)
{
	cr_assert_lt(hunt_config_load(&cfg, "/nonexistent/hunt.conf", err), 0);
	cr_assert(strstr(err, "/nonexistent/hunt.conf"), "%s", err);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* The catalogue: [world]/[hunt] in a file of their own for huntd
 * (--catalogue), or read alone by hunt-control; errors name the file. */
Test(config, catalogue_in_its_own_file)
{
	static struct hunt_config c;
	const char *cat_text = "[world]\nid = 1\n[hunt]\nid = 5\nworld = 1\nclues_per_wave = 7\n"
			       "[hunt]\nid = 6\nworld = 1\n";
	char dir[] = "/tmp/hunt-cat.XXXXXX", srv[64], cat[64], bad[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(srv, sizeof(srv), "%s/server.conf", dir);
	snprintf(cat, sizeof(cat), "%s/hunts.conf", dir);
	snprintf(bad, sizeof(bad), "%s/bad.conf", dir);
	write_file(srv, "[server]\nip = 198.18.0.1\n[journal]\nsegment_mb = 8\n");
	write_file(cat, cat_text);
	cr_assert_eq(hunt_config_load_with(&c, srv, cat, err), 0, "%s", err);
	cr_assert_eq(c.n_hunts, 2);
	cr_assert_eq(c.hunts[0].clues_per_wave, 7);
	cr_assert_eq(c.journal.segment_mb, 8, "the config's own keys stay");
	cr_assert_eq(hunt_config_load_catalogue(&c, cat, err), 0, "%s", err);
	cr_assert_eq(c.n_hunts, 2);
	cr_assert_neq(hunt_config_parse(&c, cat_text, err), 0, "a full config needs [server] ip");
	cr_assert(strstr(err, "'ip' is required"), "%s", err);

	write_file(bad, "[hunt]\nid = 9\nworld = 1\n[server]\nip = 198.18.0.9\n");
	cr_assert_neq(hunt_config_load_with(&c, srv, bad, err), 0);
	cr_assert(strstr(err, "bad.conf: line 4: section '[server]' in a catalogue"), "%s", err);
	write_file(bad, "[world]\nid = 1\n[hunt]\nid = 9\nworld = 1\nclues_per_wave = 5000\n");
	cr_assert_neq(hunt_config_load_catalogue(&c, bad, err), 0);
	cr_assert(strstr(err, "bad.conf: line 6") && strstr(err, "clues_per_wave") &&
			  strstr(err, "5000") && strstr(err, "4096"),
		  "file, line, key, value and range: %s", err);
	write_file(bad, "[hunt]\nid = 5\nworld = 1\n");
	char both[64];
	snprintf(both, sizeof(both), "%s/both.conf", dir);
	write_file(both, "[server]\nip = 198.18.0.1\n[world]\nid = 1\n[hunt]\nid = 5\nworld = 1\n");
	cr_assert_neq(hunt_config_load_with(&c, both, bad, err), 0);
	cr_assert(strstr(err, "id 5 defined twice"), "across the two files: %s", err);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

#define CLUE_BASE "[server]\nip = 198.18.0.1\n[world]\nid = 1\n" \
		  "[hunt]\nid = 1\nworld = 1\nclues_per_wave = 10\nwaves = 5\nanswer_seed = 3\n"

Test(config, clue_sections_set_answers_and_loot)
{
	cr_assert_eq(parse(CLUE_BASE "[clue]\nhunt = 1\nindex = 9\nanswer = the lighthouse\n"
				     "loot = 42\n"
				     "[clue]\nhunt = 1\nindex = 9\nwave = 5\nanswer = "
				     "0123456789abcdef0123456789abcdef\n"
				     "[clue]\nhunt = 1\nindex = 0\nanswer = x\n"),
		     0, "%s", err);
	const struct hunt_hunt_cfg *h = hunt_config_find_hunt(&cfg, 1);
	cr_assert_eq(h->n_clues, 3);
	uint8_t a[HUNT_ANSWER_BYTES_MAX], g[HUNT_ANSWER_GEN_BYTES];
	uint32_t loot;
	cr_assert_eq(hunt_config_clue(&cfg, h, 2, 9, a, &loot), 14);
	cr_assert_eq(memcmp(a, "the lighthouse", 14), 0, "spaces inside an answer stay");
	cr_assert_eq(loot, 42);
	cr_assert_eq(hunt_config_clue(&cfg, h, 5, 9, a, &loot), 32, "wave 5's own entry");
	cr_assert_eq(memcmp(a, "0123456789abcdef0123456789abcdef", 32), 0);
	cr_assert_eq(loot, hunt_clue_loot(1, 9), "loot 0: derived");
	cr_assert_eq(hunt_config_clue(&cfg, h, 1, 0, a, &loot), 1);
	cr_assert_eq(hunt_config_clue(&cfg, h, 1, 5, a, &loot), HUNT_ANSWER_GEN_BYTES,
		     "no entry: generated");
	hunt_answer_gen(3, 1, 1, 5, g);
	cr_assert_eq(memcmp(a, g, sizeof(g)), 0);
	cr_assert_eq(loot, hunt_clue_loot(1, 5));
}

Test(config, clue_sections_at_their_bounds)
{
	struct {
		const char *clue, *want; /* want NULL: accepted */
	} cases[] = {
		{"hunt = 1\nindex = 9\nanswer = a\n", NULL},
		{"hunt = 1\nindex = 10\nanswer = a\n", "key 'index' value 10 out of range [0, 9]"},
		{"hunt = 1\nwave = 5\nanswer = a\n", NULL},
		{"hunt = 1\nwave = 6\nanswer = a\n", "key 'wave' value 6 out of range [0, 5]"},
		{"hunt = 1\nanswer = 0123456789abcdef0123456789abcdef\n", NULL},
		{"hunt = 1\nanswer = 0123456789abcdef0123456789abcdef0\n",
		 "key 'answer' value '0123456789abcdef0123456789abcdef0' is 33 bytes, out of range [1, 32]"},
		{"hunt = 1\nanswer =\n", "is 0 bytes, out of range [1, 32]"},
		{"hunt = 1\n", "[clue] #1: key 'answer' is required"},
		{"answer = a\n", "[clue] #1: key 'hunt' is required"},
		{"hunt = 2\nanswer = a\n", "key 'hunt' value 2 names no [hunt]"},
		{"hunt = 1\nindex = 3\nanswer = a\n[clue]\nhunt = 1\nindex = 3\nanswer = b\n",
		 "hunt 1 index 3 wave 0 defined twice"},
	};
	char text[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), CLUE_BASE "[clue]\n%s", cases[i].clue);
		int rc = parse(text);
		if (cases[i].want == NULL) {
			cr_assert_eq(rc, 0, "case %zu: %s", i, err);
		} else {
			cr_assert_neq(rc, 0, "case %zu accepted", i);
			cr_assert(strstr(err, cases[i].want), "case %zu: got '%s', want '%s'", i, err,
				  cases[i].want);
		}
	}
}

Test(config, clue_section_limit)
{
	char *text = malloc(4 << 20);
	size_t off = (size_t)sprintf(text, "[server]\nip = 198.18.0.1\n[world]\nid = 1\n"
					   "[hunt]\nid = 1\nworld = 1\nclues_per_wave = 4096\n");
	for (unsigned i = 0; i < HUNT_CLUE_CFG_MAX; i++)
		off += (size_t)sprintf(text + off, "[clue]\nhunt = 1\nindex = %u\nwave = %u\nanswer = a%u\n",
				       i % 4096, i / 4096, i);
	cr_assert_eq(parse(text), 0, "%s", err);
	cr_assert_eq(cfg.n_clues, HUNT_CLUE_CFG_MAX);
	uint8_t a[HUNT_ANSWER_BYTES_MAX];
	uint32_t loot;
	cr_assert_eq(hunt_config_clue(&cfg, &cfg.hunts[0], 3, 7, a, &loot), 6);
	cr_assert_eq(memcmp(a, "a12295", 6), 0, "index 7 of wave 3 is entry 3 x 4096 + 7");
	sprintf(text + off, "[clue]\nhunt = 1\nanswer = z\n");
	cr_assert_neq(parse(text), 0);
	cr_assert(strstr(err, "more than 16384 [clue] sections"), "%s", err);
	free(text);
}
