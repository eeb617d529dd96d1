/*
 * huntctl's live commands: ask huntd's control socket, print a table (or
 * the JSON with --json), and with --watch SECONDS redraw until interrupted.
 */
#include "live.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"

static json_int_t
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *
str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* What a low journal disk means (journal_disk.low; huntd.h). */
#define LOW_DISK_MEANS "less free than two more segments per worker"

/* n bytes, in GiB, or MiB below one GiB, or KiB below one MiB. */
static const char *
human_bytes(char *buf, size_t len, json_int_t n)
{
	if (n >= (json_int_t)1 << 30)
		snprintf(buf, len, "%.1f GiB", (double)n / (1 << 30));
	else if (n >= (json_int_t)1 << 20)
		snprintf(buf, len, "%.1f MiB", (double)n / (1 << 20));
	else
		snprintf(buf, len, "%.0f KiB", (double)n / (1 << 10));
	return buf;
}

static void
show_status(const json_t *r)
{
	const json_t *jd = json_object_get(r, "journal");
	printf("huntd running: pid %" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT
	       " workers, %" JSON_INTEGER_FORMAT " hunts, epoch %" JSON_INTEGER_FORMAT
	       ", up %.1f s\n",
	       num(r, "pid"), num(r, "workers"), num(r, "hunts"), num(r, "epoch"),
	       json_number_value(json_object_get(r, "uptime_s")));
	const json_t *disk = json_object_get(r, "journal_disk");
	char room[160] = "", a[32], b[32];
	if (json_is_object(disk))
		snprintf(room, sizeof(room), " (%s free of %s)%s",
			 human_bytes(a, sizeof(a), num(disk, "free_bytes")),
			 human_bytes(b, sizeof(b), num(disk, "size_bytes")),
			 json_is_true(json_object_get(disk, "low"))
				 ? "  LOW DISK: " LOW_DISK_MEANS
				 : "");
	printf("journal: %s%s%s%s\n", json_is_string(jd) ? json_string_value(jd) : "off (wins are not durable)",
	       room,
	       json_is_true(json_object_get(r, "journal_failed")) ? "  FAILED: not acknowledging" : "",
	       json_is_true(json_object_get(r, "journal_no_spare"))
		       ? "  NO NEXT SEGMENT (disk full?): state changes get RETRY_LATER once the "
			 "current one is full (huntctl stats)"
		       : "");
	const json_t *hc = json_object_get(r, "hunt_control");
	if (!num(r, "waves_by_control"))
		printf("waves: huntd's own timers\n");
	else if (!json_is_object(hc))
		printf("waves: by hunt-control, which has NEVER polled this huntd: no wave will open\n");
	else if (num(hc, "seen_ms_ago") > 1000)
		printf("waves: by hunt-control, NOT RUNNING (pid %" JSON_INTEGER_FORMAT
		       " last polled %.1f s ago): open waves go on, none opens or ends\n",
		       num(hc, "pid"), (double)num(hc, "seen_ms_ago") / 1000.0);
	else
		printf("waves: by hunt-control (pid %" JSON_INTEGER_FORMAT ", polled %" JSON_INTEGER_FORMAT
		       " ms ago)\n", num(hc, "pid"), num(hc, "seen_ms_ago"));
}

/* CPU by thread role, as a share of one CPU: over the interval since the
 * last redraw with --watch (what it is doing now), else since start. */
static void
show_thread_cpu(const json_t *r)
{
	static json_t *prev; /* the last sample, for --watch */
	const json_t *c = json_object_get(r, "thread_cpu_ms");
	if (!json_is_object(c))
		return;
	json_int_t ms = num(r, "uptime_ms"), prev_ms = prev ? num(prev, "uptime_ms") : 0;
	const json_t *pc = prev ? json_object_get(prev, "thread_cpu_ms") : NULL;
	int since = pc != NULL && ms > prev_ms;
	json_int_t span = since ? ms - prev_ms : ms;
	printf("CPU by thread, %% of one CPU %s:", since ? "since the last redraw" : "since start");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)c, k, v) {
		json_int_t used = json_integer_value(v) - (since ? num(pc, k) : 0);
		printf(" %s %.1f", k, span > 0 ? 100.0 * (double)used / (double)span : 0.0);
	}
	printf("\n");
	json_decref(prev);
	prev = json_deep_copy(r);
}

static void
show_stats(const json_t *r)
{
	const json_t *pw = json_object_get(r, "per_worker");
	double hz = (double)num(r, "tsc_hz");
	printf("%-6s %12s %12s %10s %10s %10s %9s %9s %8s %9s %9s\n", "worker", "rx_pkts", "tx_pkts",
	       "handed_off", "handed_in", "drops", "cycles/op", "jnl_lag", "groups", "rec/group",
	       "flush_us");
	size_t i;
	const json_t *w;
	json_int_t refused = 0, no_spare = 0, flush_max = 0; /* journal, all workers */
	json_int_t recycled = 0, zeroed = 0, spare_failed = 0;
	json_array_foreach(pw, i, w) {
		json_int_t drops = 0;
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)json_object_get(w, "drops"), k, v)
			drops += json_integer_value(v);
		const json_t *j = json_object_get(w, "journal");
		json_int_t groups = num(j, "groups"), bp = num(w, "busy_pkts");
		refused += num(j, "full");
		no_spare += num(j, "spare_waits");
		recycled += num(j, "spares_recycled");
		zeroed += num(j, "spares_zeroed");
		spare_failed += num(j, "spare_failures");
		if (num(j, "flush_cycles_max") > flush_max)
			flush_max = num(j, "flush_cycles_max");
		printf("%-6zu %12" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
		       " %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT " %9" JSON_INTEGER_FORMAT
		       " %9" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT " %9.1f %9.0f\n",
		       i, num(w, "rx_pkts"), num(w, "tx_pkts"), num(w, "handed_off"), num(w, "handed_in"),
		       drops, bp ? num(w, "busy_cycles") / bp : 0,
		       num(j, "records") - num(j, "durable_seq"), groups,
		       groups ? (double)num(j, "records") / (double)groups : 0.0,
		       groups && hz > 0 ? (double)num(j, "flush_cycles") / (double)groups * 1e6 / hz : 0.0);
	}
	const json_t *t = json_object_get(r, "total");
	printf("total  %12" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT "   cycles/op %" JSON_INTEGER_FORMAT "\n",
	       num(t, "rx_pkts"), num(t, "tx_pkts"), num(r, "cycles_per_op"));
	const char *k;
	const json_t *v;
	printf("ops:   ");
	json_object_foreach((json_t *)json_object_get(r, "ops"), k, v)
		printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("\nstatus:");
	json_object_foreach((json_t *)json_object_get(r, "status"), k, v)
		if (json_integer_value(v) != 0)
			printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("\ndrops: ");
	int any = 0;
	json_object_foreach((json_t *)json_object_get(t, "drops"), k, v)
		if (json_integer_value(v) != 0) {
			printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
			any = 1;
		}
	printf("%s\n", any ? "" : " none");
	if (json_is_true(json_object_get(r, "journal"))) /* why appends got RETRY_LATER */
		printf("journal: %" JSON_INTEGER_FORMAT " appends refused (%" JSON_INTEGER_FORMAT
		       " waited for a spare segment, the rest for room in a group); slowest group commit "
		       "%.0f us; segments made %" JSON_INTEGER_FORMAT " recycled, %" JSON_INTEGER_FORMAT
		       " zero-filled\n",
		       refused, no_spare, hz > 0 ? (double)flush_max * 1e6 / hz : 0.0, recycled, zeroed);
	const json_t *disk = json_object_get(r, "journal_disk");
	char a[32], b[32], c2[32], d2[32], e2[32];
	if (json_is_object(disk))
		printf("journal disk: %s free of %s%s; the journal holds %" JSON_INTEGER_FORMAT
		       " segments (%s), %" JSON_INTEGER_FORMAT " checkpoints (%s), %" JSON_INTEGER_FORMAT
		       " free segments (%s)\n",
		       human_bytes(a, sizeof(a), num(disk, "free_bytes")),
		       human_bytes(b, sizeof(b), num(disk, "size_bytes")),
		       json_is_true(json_object_get(disk, "low"))
			       ? "  LOW: " LOW_DISK_MEANS
			       : "",
		       num(disk, "segments"), human_bytes(c2, sizeof(c2), num(disk, "segment_bytes")),
		       num(disk, "checkpoints"), human_bytes(d2, sizeof(d2), num(disk, "checkpoint_bytes")),
		       num(disk, "free_segments"), human_bytes(e2, sizeof(e2), num(disk, "free_segment_bytes")));
	if (spare_failed > 0)
		printf("journal: %" JSON_INTEGER_FORMAT " tries to make a spare segment failed\n",
		       spare_failed);
	json_array_foreach(pw, i, w) { /* a spare that cannot be made now: say so loudly */
		json_int_t e = num(json_object_get(w, "journal"), "spare_error");
		if (e != 0)
			printf("JOURNAL worker %zu: its next segment cannot be made (%s): state changes "
			       "get RETRY_LATER once its current segment is full; retried until it can\n",
			       i, strerror((int)-e));
	}
	const json_t *c = json_object_get(r, "checkpointer");
	json_int_t folded = num(c, "folded_records");
	if (json_is_true(json_object_get(r, "journal")))
		printf("checkpoints this run: %" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT
		       " segments folded, %.0f ns of CPU per record; last took %" JSON_INTEGER_FORMAT
		       " us)%s\n",
		       num(c, "written"), num(c, "folded_segments"),
		       folded > 0 ? (double)num(c, "fold_cpu_us") * 1000.0 / (double)folded : 0.0,
		       num(c, "last_write_us"), num(c, "error") ? "  STOPPED" : "");
	if (num(c, "write_error") != 0)
		printf("CHECKPOINTS: the last write failed (%s, %" JSON_INTEGER_FORMAT
		       " failed tries): retried every few seconds; replay after a crash grows meanwhile\n",
		       strerror((int)-num(c, "write_error")), num(c, "write_failures"));
	show_thread_cpu(r);
}

static void
hist_row(const char *what, const json_t *w, const char *key)
{
	const json_t *h = json_object_get(w, key);
	if (!json_is_object(h))
		return;
	printf("%-6" JSON_INTEGER_FORMAT " %-18s %12" JSON_INTEGER_FORMAT, num(w, "worker"), what,
	       num(h, "n"));
	static const char *const q[] = {"p50", "p90", "p99", "p999", "max"};
	for (int i = 0; i < 5; i++)
		printf(" %9.1f", json_number_value(json_object_get(h, q[i])));
	printf("\n");
}

static void
show_latency(const json_t *r)
{
	printf("%-6s %-18s %12s %9s %9s %9s %9s %9s\n", "worker", "", "count", "p50", "p90", "p99",
	       "p99.9", "max");
	size_t i;
	const json_t *w;
	json_array_foreach(json_object_get(r, "workers"), i, w) {
		hist_row("cycles per request", w, "op_cycles");
		hist_row("RX to TX, us", w, "rx_tx_us");
		hist_row("busy poll, us", w, "poll_us");
		hist_row("reply held, us", w, "held_us");
		hist_row("group commit, us", w, "flush_us");
	}
	printf("(cycles per request: per poll that found work; held: a reply waiting for its "
	       "journal record, held to released; group commit: submit to durable)\n");
}

static void
show_leaderboard(const json_t *r)
{
	printf("%-5s %-22s %12s\n", "rank", "player", "coins");
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(r, "top"), i, e)
		printf("%-5" JSON_INTEGER_FORMAT " %-22" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT "\n",
		       num(e, "rank"), num(e, "player"), num(e, "coins"));
	printf("(from %" JSON_INTEGER_FORMAT " durable wins; %" JSON_INTEGER_FORMAT
	       " journal records appended and not yet durable are not counted yet)\n",
	       num(r, "counted_wins"), num(r, "lag_records"));
}

static void
hunt_row(const json_t *h)
{
	printf("%-8" JSON_INTEGER_FORMAT " %6" JSON_INTEGER_FORMAT " %6" JSON_INTEGER_FORMAT
	       " %-9s %5" JSON_INTEGER_FORMAT "/%-5" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT,
	       num(h, "id"), num(h, "worker"), num(h, "wave"), str(h, "state"), num(h, "won"),
	       num(h, "clues"), num(h, "members"));
	if (num(h, "due_wall_ms"))
		printf(" %10.1f s\n", (double)num(h, "due_in_ms") / 1000.0);
	else
		printf(" %12s\n", "-");
}

static const char HUNT_HEADER[] = "hunt     worker   wave state       won/clues   members      next in\n";

static void
show_hunts(const json_t *r)
{
	printf("%s", HUNT_HEADER);
	size_t i;
	const json_t *h;
	json_array_foreach(json_object_get(r, "hunts"), i, h)
		hunt_row(h);
}

static void
show_hunt(const json_t *r)
{
	const json_t *h = json_object_get(r, "hunt");
	if (json_is_string(json_object_get(r, "result")))
		printf("%s: ", str(r, "result"));
	printf("hunt %" JSON_INTEGER_FORMAT " (worker %" JSON_INTEGER_FORMAT "): wave %" JSON_INTEGER_FORMAT
	       " %s, %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " clues won, %" JSON_INTEGER_FORMAT
	       " members\n",
	       num(h, "id"), num(h, "worker"), num(h, "wave"), str(h, "state"), num(h, "won"),
	       num(h, "clues"), num(h, "members"));
	printf("  waves opened %" JSON_INTEGER_FORMAT ", closed all-won %" JSON_INTEGER_FORMAT
	       ", closed at deadline %" JSON_INTEGER_FORMAT " (of %s)\n",
	       num(h, "waves_opened"), num(h, "closed_all_won"), num(h, "closed_deadline"),
	       num(h, "waves") ? "a limited run" : "an endless run");
	printf("  wave %" JSON_INTEGER_FORMAT " ms, cooldown %" JSON_INTEGER_FORMAT
	       " ms; last transition at %" JSON_INTEGER_FORMAT " (wall ms, journal seq %" JSON_INTEGER_FORMAT ")",
	       num(h, "wave_duration_ms"), num(h, "cooldown_ms"), num(h, "event_wall_ms"),
	       num(h, "state_seq"));
	if (num(h, "due_wall_ms"))
		printf("; next due in %.1f s", (double)num(h, "due_in_ms") / 1000.0);
	printf("\n");
}

static void
show_player(const json_t *r)
{
	printf("player %" JSON_INTEGER_FORMAT ": %" JSON_INTEGER_FORMAT " coins, %" JSON_INTEGER_FORMAT
	       " wins\n",
	       num(r, "player"), num(r, "coins"), num(r, "wins"));
	size_t i;
	const json_t *m;
	json_array_foreach(json_object_get(r, "hunts"), i, m)
		printf("  hunt %-8" JSON_INTEGER_FORMAT " coins %-10" JSON_INTEGER_FORMAT " wins %" JSON_INTEGER_FORMAT "\n",
		       num(m, "hunt"), num(m, "coins"), num(m, "wins"));
	if (json_array_size(json_object_get(r, "hunts")) == 0)
		printf("  (not a member of any hunt)\n");
}

/* The request line for argv, and how to show its answer. */
static int
request_for(int argc, char **argv, char *line, size_t n, void (**show)(const json_t *))
{
	const char *c = argv[0];
	if (strcmp(c, "status") == 0 && argc == 1) {
		*show = show_status;
		return snprintf(line, n, "status"), 0;
	}
	if (strcmp(c, "stats") == 0 && argc == 1) {
		*show = show_stats;
		return snprintf(line, n, "stats"), 0;
	}
	if (strcmp(c, "leaderboard") == 0 && argc <= 2) {
		*show = show_leaderboard;
		return snprintf(line, n, "leaderboard %lu", argc == 2 ? strtoul(argv[1], NULL, 10) : 10ul), 0;
	}
	if (strcmp(c, "latency") == 0 && argc == 1) {
		*show = show_latency;
		return snprintf(line, n, "latency"), 0;
	}
	if (strcmp(c, "hunts") == 0 && argc == 1) {
		*show = show_hunts;
		return snprintf(line, n, "hunts"), 0;
	}
	if (strcmp(c, "waves") == 0 && argc == 2) {
		*show = show_hunt;
		return snprintf(line, n, "hunt %lu", strtoul(argv[1], NULL, 10)), 0;
	}
	if (strcmp(c, "player") == 0 && argc == 2) {
		*show = show_player;
		return snprintf(line, n, "player %llu", strtoull(argv[1], NULL, 10)), 0;
	}
	if (strcmp(c, "wave") == 0 && (argc == 3 || argc == 4) &&
	    (strcmp(argv[1], "start") == 0 || strcmp(argv[1], "end") == 0)) {
		*show = show_hunt;
		return snprintf(line, n, "wave %s %lu %lu", argv[1], strtoul(argv[2], NULL, 10),
				argc == 4 ? strtoul(argv[3], NULL, 10) : 0ul), 0;
	}
	return -1;
}

int
huntctl_live(int argc, char **argv, int json, double watch)
{
	char line[256];
	void (*show)(const json_t *) = NULL;
	if (argc < 1 || request_for(argc, argv, line, sizeof(line), &show) != 0)
		return -1;
	const char *path = hunt_ctl_path();
	for (;;) {
		char err[512];
		json_t *r = hunt_ctl_request(path, line, err, sizeof(err));
		if (r == NULL) {
			fprintf(stderr, "huntctl: %s\n", err);
			return 3;
		}
		const json_t *e = json_object_get(r, "error");
		if (watch > 0)
			printf("\033[H\033[2J");
		if (json) {
			json_dumpf(r, stdout, JSON_COMPACT);
			printf("\n");
		} else if (json_is_string(e)) {
			fprintf(stderr, "huntctl: huntd says: %s\n", json_string_value(e));
		} else {
			show(r);
		}
		int refused = json_is_string(e);
		json_decref(r); /* e was r's */
		fflush(stdout);
		if (refused)
			return 1;
		if (watch <= 0)
			return 0;
		struct timespec ts = {.tv_sec = (time_t)watch,
				      .tv_nsec = (long)((watch - (double)(time_t)watch) * 1e9)};
		nanosleep(&ts, NULL);
	}
}
