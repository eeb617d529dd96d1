/*
 * huntctl: the operator CLI.
 *
 * Live, through huntd's control socket (--socket PATH or $HUNT_SOCKET,
 * default /run/hunt/huntd.sock); tables by default, --json for scripts,
 * --watch SECONDS to redraw:
 *   huntctl status                      is huntd up; journal, waves, uptime
 *   huntctl stats                       per worker and total: packets, ops,
 *                                       handoffs, drops, cycles/op, journal
 *                                       lag and group sizes, checkpoints
 *   huntctl latency                     per worker: cycles per request, time a
 *                                       reply waits for the journal, group commit
 *                                       time (p50 .. p99.9, max)
 *   huntctl leaderboard [N]             top N (10, at most 32) players by coins
 *                                       from durable wins, with the lag
 *   huntctl hunts                       every hunt: wave, state, won, members
 *   huntctl waves HUNT                  one hunt's wave history and schedule
 *   huntctl wave start|end HUNT [WAVE]  open the next wave / close the open one
 *   huntctl player ID                   a player's hunts, coins and wins
 *
 * Offline, on a journal directory:
 *   huntctl journal verify DIR          checksums, sequence gaps, torn tails
 *   huntctl journal dump DIR [--json]   every record, in replay order
 *   huntctl journal stats DIR [--json]  records per type, streams, sizes
 *
 * Exit status: 0 ok; 1 the journal is corrupt, or huntd refused the
 * request; 2 usage or I/O error; 3 huntd is not running.
 * verify reads exactly what huntd's recovery reads (hunt_journal_scan).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

#include "hunt/journal.h"
#include "hunt/proto.h"
#include "jreader.h"


static int
usage(void)
{
	fprintf(stderr,
		"usage: huntctl [--socket PATH] [--json] [--watch SECONDS] COMMAND\n"
		"  status | stats | latency | leaderboard [N] | hunts | waves HUNT | wave start|end HUNT [WAVE] | player ID\n"
		"  journal verify|dump|stats DIR\n");
	return 2;
}

struct dump_ctx {
	int json;
};

static int
dump_record(void *ctx, const struct hunt_rec_hdr *h, const void *p, const struct hunt_jpos *pos)
{
	const struct dump_ctx *d = ctx;
	if (d->json)
		printf("{\"epoch\":%" PRIu64 ",\"worker\":%u,\"seq\":%" PRIu64
		       ",\"type\":\"%s\",\"hunt\":%u,\"segment\":%u,\"offset\":%" PRIu64,
		       pos->epoch, pos->worker, h->seq, hunt_rec_name(h->type), h->hunt_id,
		       pos->segment, pos->offset);
	else
		printf("%" PRIu64 "/%u/%-8" PRIu64 " %-10s hunt %-6u", pos->epoch, pos->worker, h->seq,
		       hunt_rec_name(h->type), h->hunt_id);
	switch (h->type) {
	case HUNT_REC_JOIN: {
		const struct hunt_rec_join *r = p;
		printf(d->json ? ",\"player\":%" PRIu64 "}\n" : " player %" PRIu64 "\n", r->player_id);
		break;
	}
	case HUNT_REC_WIN: {
		const struct hunt_rec_win *r = p;
		printf(d->json ? ",\"wave\":%u,\"clue\":%u,\"player\":%" PRIu64
				 ",\"loot\":%u,\"coins\":%u}\n"
			       : " wave %u clue %u player %" PRIu64 " loot %u coins %u\n",
		       r->wave_id, r->clue_idx, r->player_id, r->loot_item, r->coins);
		break;
	}
	default: {
		const struct hunt_rec_wave *r = p;
		printf(d->json ? ",\"wave\":%u,\"state\":\"%s\",\"reason\":%u,\"wall_ms\":%" PRIu64 "}\n"
			       : " wave %u state %s reason %u wall_ms %" PRIu64 "\n",
		       r->wave_id, hunt_wave_state_name(r->state), r->reason, r->wall_ms);
		break;
	}
	}
	return 0;
}

static void
print_stats(const struct hunt_jscan_stats *st, int json)
{
	if (json) {
		printf("{\"segments\":%" PRIu64 ",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"torn_tails\":%" PRIu64 ",\"max_epoch\":%" PRIu64 ",\"by_type\":{",
		       st->segments, st->records, st->bytes, st->torn_tails, st->max_epoch);
		for (unsigned t = 1; t < HUNT_REC_COUNT; t++)
			printf("%s\"%s\":%" PRIu64, t > 1 ? "," : "", hunt_rec_name(t), st->by_type[t]);
		printf("},\"streams\":[");
		for (uint32_t i = 0; i < st->n_streams; i++) {
			const struct hunt_jstream *s = &st->streams[i];
			printf("%s{\"epoch\":%" PRIu64 ",\"worker\":%u,\"segments\":%u,\"records\":%" PRIu64
			       ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64 ",\"bytes\":%" PRIu64
			       ",\"torn_offset\":%" PRIu64 "}",
			       i ? "," : "", s->epoch, s->worker, s->segments, s->records, s->first_seq,
			       s->last_seq, s->bytes, s->torn_offset);
		}
		printf("]}\n");
		return;
	}
	printf("%" PRIu64 " records, %" PRIu64 " bytes in %" PRIu64 " segments, %u streams, "
	       "%" PRIu64 " torn tails cut\n",
	       st->records, st->bytes, st->segments, st->n_streams, st->torn_tails);
	for (unsigned t = 1; t < HUNT_REC_COUNT; t++)
		printf("  %-10s %" PRIu64 "\n", hunt_rec_name(t), st->by_type[t]);
	printf("  epoch worker segments  records  seq range\n");
	for (uint32_t i = 0; i < st->n_streams; i++) {
		const struct hunt_jstream *s = &st->streams[i];
		printf("  %5" PRIu64 " %6u %8u %8" PRIu64 "  %" PRIu64 "..%" PRIu64 "%s\n", s->epoch,
		       s->worker, s->segments, s->records, s->first_seq, s->last_seq,
		       s->torn_offset ? "  (torn tail cut)" : "");
	}
}

static int
journal_cmd(const char *cmd, const char *dir, int json)
{
	static struct hunt_jscan_stats st;
	char err[1024];
	struct dump_ctx d = {.json = json};
	int rc;
	if (strcmp(cmd, "dump") == 0)
		rc = hunt_journal_scan(dir, dump_record, &d, &st, err, sizeof(err));
	else if (strcmp(cmd, "verify") == 0 || strcmp(cmd, "stats") == 0)
		rc = hunt_journal_scan(dir, NULL, NULL, &st, err, sizeof(err));
	else
		return usage();
	if (rc == -EBADMSG) {
		fprintf(stderr, "huntctl: journal corrupt: %s\n", err);
		if (strcmp(cmd, "verify") == 0)
			printf("corrupt: %s\n", err);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "huntctl: %s\n", err);
		return 2;
	}
	if (strcmp(cmd, "verify") == 0)
		printf("ok: %" PRIu64 " records in %" PRIu64 " segments, %u streams, %" PRIu64
		       " torn tails cut\n",
		       st.records, st.segments, st.n_streams, st.torn_tails);
	else if (strcmp(cmd, "stats") == 0)
		print_stats(&st, json);
	return 0;
}

int
main(int argc, char **argv)
{
	int json = 0;
	double watch = 0;
	char *pos[8];
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--watch") == 0 && i + 1 < argc)
			watch = atof(argv[++i]);
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			setenv("HUNT_SOCKET", argv[++i], 1);
		else if (argv[i][0] == '-' || n == 8)
			return usage();
		else
			pos[n++] = argv[i];
	}
	if (n == 3 && strcmp(pos[0], "journal") == 0 && watch == 0)
		return journal_cmd(pos[1], pos[2], json);
	int rc = n > 0 ? huntctl_live(n, pos, json, watch) : -1;
	return rc < 0 ? usage() : rc;
}
