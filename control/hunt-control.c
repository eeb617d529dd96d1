/*
 * hunt-control: schedules the waves of every hunt in the catalogue on a
 * huntd started with [server] waves_by_control = 1.
 *
 *   hunt-control --config CATALOGUE [--socket PATH] [--poll-ms 20]
 *
 * The catalogue is the [world]/[hunt] part of the config format
 * (docs/config.md), in a file of its own (huntd --catalogue) or in huntd's
 * config: it is parsed and validated with huntd's own parser, so a bad value
 * stops hunt-control with the file, line, key, value and allowed range.
 *
 * It keeps no schedule state of its own. Every poll it asks huntd for every
 * hunt's wave, state and last transition time (journaled by huntd, so they
 * survive either process), and sends what schedule.h's rule says is due.
 * The commands of one poll go as one "waves" batch (one round trip, about
 * one group commit). A wave whose clues are all won is closed by huntd
 * itself, at once. Each
 * command names the wave it means, so one sent twice (a restart between
 * sending and hearing back) is answered "stale" and changes nothing: after a
 * crash or restart, the running wave goes on and the schedule resumes
 * without skipping or repeating a wave.
 *
 * On SIGTERM/SIGINT it prints what it did as one JSON line and exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctlclient.h"
#include "schedule.h"
#include "hunt/clock.h"
#include "hunt/proto.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


struct counts {
	uint64_t polls, started, ended, stale, retry, errors, unknown_hunts;
};

static const struct hunt_hunt_cfg *
catalogue_hunt(const struct hunt_config *cat, uint32_t id)
{
	for (uint32_t i = 0; i < cat->n_hunts; i++)
		if (cat->hunts[i].id == id)
			return &cat->hunts[i];
	return NULL;
}

/* The wave commands of one poll, sent as "waves" batches: one round trip
 * and about one group commit for all of them. */
#define BATCH_MAX 2000u

struct batch {
	char line[60000];
	size_t len;
	uint32_t n;
	uint8_t starts[BATCH_MAX]; /* 1: command n is a start */
};

static void
send_batch(const char *path, struct batch *b, struct counts *n)
{
	if (b->n == 0)
		return;
	char err[512];
	json_t *r = hunt_ctl_request(path, b->line, err, sizeof(err));
	const json_t *res = r ? json_object_get(r, "results") : NULL;
	if (!json_is_array(res)) {
		const char *e = r ? json_string_value(json_object_get(r, "error")) : err;
		fprintf(stderr, "hunt-control: %u wave commands: %s\n", b->n, e ? e : "no answer");
		n->errors += b->n;
	}
	size_t i;
	const json_t *x;
	json_array_foreach(res, i, x) {
		const char *what = json_string_value(json_object_get(x, "result"));
		uint32_t hunt = (uint32_t)json_integer_value(json_object_get(x, "hunt"));
		uint32_t wave = (uint32_t)json_integer_value(json_object_get(x, "wave"));
		if (what == NULL) {
			n->errors++;
		} else if (strcmp(what, "done") == 0 && i < b->n) {
			printf("hunt-control: hunt %u wave %u %s\n", hunt, wave,
			       b->starts[i] ? "opened" : "closed at its deadline");
			if (b->starts[i])
				n->started++;
			else
				n->ended++;
		} else if (strcmp(what, "stale") == 0) {
			n->stale++; /* already done (by us before a restart, or all clues won) */
		} else {
			n->retry++; /* the journal had no room: next poll */
		}
	}
	json_decref(r);
	b->len = (size_t)snprintf(b->line, sizeof(b->line), "waves");
	b->n = 0;
}

static void
command(const char *path, struct batch *b, int start, uint32_t hunt, uint32_t wave,
	struct counts *n)
{
	if (b->len + 40 > sizeof(b->line) || b->n == BATCH_MAX)
		send_batch(path, b, n);
	b->starts[b->n++] = start;
	b->len += (size_t)snprintf(b->line + b->len, sizeof(b->line) - b->len, " %s %u %u",
				   start ? "start" : "end", hunt, wave);
}

/* One pass over every hunt huntd reports. Returns 0, or -1 if huntd did not
 * answer. */
static int
poll_once(const char *path, const struct hunt_config *cat, uint64_t *first_seen,
	  struct counts *n)
{
	static struct batch b = {.line = "waves", .len = 5};
	char line[64], err[512];
	snprintf(line, sizeof(line), "hunts brief control %d", (int)getpid());
	json_t *r = hunt_ctl_request(path, line, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "hunt-control: %s\n", err);
		return -1;
	}
	n->polls++;
	if (!json_is_true(json_object_get(r, "waves_by_control")) &&
	    json_integer_value(json_object_get(r, "waves_by_control")) == 0) {
		if (n->polls == 1)
			fprintf(stderr, "hunt-control: huntd runs its own wave timers ([server] "
					"waves_by_control = 0): sending nothing\n");
		json_decref(r);
		return 0;
	}
	uint64_t now = hunt_clock_wall_ms();
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(r, "hunts"), i, h) {
		uint32_t id = (uint32_t)json_integer_value(json_object_get(h, "id"));
		uint32_t wave = (uint32_t)json_integer_value(json_object_get(h, "wave"));
		const char *state = json_string_value(json_object_get(h, "state"));
		uint64_t at = (uint64_t)json_integer_value(json_object_get(h, "event_wall_ms"));
		const struct hunt_hunt_cfg *hc = catalogue_hunt(cat, id);
		int st = state != NULL ? hunt_sched_state(state) : -1;
		if (hc == NULL || st < 0) {
			n->unknown_hunts++;
			continue;
		}
		struct hunt_sched_view v = {.state = (uint8_t)st, .wave = wave, .event_wall_ms = at};
		uint32_t which;
		enum hunt_sched_act act =
			hunt_sched_due(hc, &v, &first_seen[hc - cat->hunts], now, &which);
		if (act != HUNT_SCHED_NONE)
			command(path, &b, act == HUNT_SCHED_START, id, which, n);
	}
	json_decref(r);
	send_batch(path, &b, n);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"poll-ms", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	const char *catalogue = NULL, *path = hunt_ctl_path();
	long poll_ms = 20;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			catalogue = optarg;
		else if (c == 's')
			path = optarg;
		else if (c == 'p')
			poll_ms = strtol(optarg, NULL, 10);
		else
			catalogue = NULL, optind = argc + 1;
	}
	if (catalogue == NULL || poll_ms < 1 || poll_ms > 10000) {
		fprintf(stderr, "usage: hunt-control --config CATALOGUE [--socket PATH] [--poll-ms 1..10000]\n");
		return 2;
	}
	static struct hunt_config cat;
	char err[HUNT_CONFIG_ERR_BYTES];
	if (hunt_config_load_catalogue(&cat, catalogue, err) != 0) {
		fprintf(stderr, "hunt-control: %s\n", err);
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART}; /* finish the request in flight */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t *first_seen = calloc(cat.n_hunts ? cat.n_hunts : 1, sizeof(uint64_t));
	struct counts n = {0};
	printf("hunt-control: scheduling %u hunts of %s through %s\n", cat.n_hunts, catalogue, path);
	int down = 0;
	while (!stop) {
		int rc = poll_once(path, &cat, first_seen, &n);
		if (rc != 0 && !down)
			fprintf(stderr, "hunt-control: waiting for huntd\n");
		down = rc != 0;
		struct timespec ts = {.tv_sec = poll_ms / 1000, .tv_nsec = (poll_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	printf("{\"polls\":%lu,\"waves_started\":%lu,\"waves_ended\":%lu,\"stale\":%lu,"
	       "\"retry\":%lu,\"errors\":%lu,\"unknown_hunts\":%lu}\n",
	       (unsigned long)n.polls, (unsigned long)n.started, (unsigned long)n.ended,
	       (unsigned long)n.stale, (unsigned long)n.retry, (unsigned long)n.errors,
	       (unsigned long)n.unknown_hunts);
	free(first_seen);
	return 0;
}
