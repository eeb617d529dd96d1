#define _GNU_SOURCE /* open_memstream */
#include "ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>

#include "checkpointer.h"
#include "hunt/clock.h"
#include "command.h"
#include "hunt/proto.h" /* hunt_wave_state_name */
#include "hunt/shard.h"
#include "journal.h"
#include "worker.h"



static uint32_t
owner_of(const struct huntd *d, uint32_t hunt_id)
{
	return hunt_owner_of_shard(hunt_shard_of_hunt(hunt_id, d->cfg->server.n_shards),
				   d->n_workers);
}

#define CTL_WAIT_MS 5000u /* longest a request waits for a worker or the journal */
#define CTL_LINE_MAX (64u << 10) /* a request line ("waves ..." batches are long) */
#define CTL_BATCH_CHUNK 32u      /* commands in flight per worker at once */

/* Waits (bounded: CTL_WAIT_MS) until the worker has applied all k
 * commands. 0 or -ETIMEDOUT. */
static int
wait_applied(struct hunt_cmd *const *c, uint32_t k)
{
	for (uint64_t until = hunt_clock_wall_ms() + CTL_WAIT_MS;;) {
		uint32_t done = 0;
		for (uint32_t j = 0; j < k; j++)
			done += (uint32_t)__atomic_load_n(&c[j]->done, __ATOMIC_ACQUIRE);
		if (done == k)
			return 0;
		if (hunt_clock_wall_ms() >= until)
			return -ETIMEDOUT;
		struct timespec ts = {.tv_nsec = 20000};
		nanosleep(&ts, NULL);
	}
}

/* Sends c to worker w and waits (bounded: CTL_WAIT_MS) for it to be
 * applied. Returns 0, or -ETIMEDOUT (the command may still be applied
 * later: it stays allocated, so it is leaked on purpose). */
static int
run_cmd(struct huntd *d, uint32_t w, struct hunt_cmd *c)
{
	c->done = 0;
	if (rte_ring_sp_enqueue(d->workers[w]->cmds, c) != 0)
		return -EBUSY;
	return wait_applied(&c, 1);
}

/* Waits (bounded: CTL_WAIT_MS) until worker w's journal has made seq
 * durable. 0, -EIO (the journal failed), or -ETIMEDOUT. */
static int
wait_durable(struct huntd *d, uint32_t w, uint64_t seq)
{
	if (d->journals == NULL || seq == 0)
		return 0;
	const struct hunt_journal *j = &d->journals[w];
	for (uint64_t until = hunt_clock_wall_ms() + CTL_WAIT_MS; hunt_clock_wall_ms() < until;) {
		if (__atomic_load_n(&j->durable_seq, __ATOMIC_ACQUIRE) >= seq)
			return 0;
		if (__atomic_load_n(&j->error, __ATOMIC_RELAXED) != 0)
			return -EIO;
		struct timespec ts = {.tv_nsec = 20000};
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static void
json_hunt(FILE *f, const struct hunt_cmd_hunt *h, uint64_t now_ms)
{
	uint64_t due = 0; /* wall ms of the next scheduled transition, 0 if none */
	if (h->state == HUNT_WAVE_OPEN)
		due = h->event_wall_ms + h->wave_duration_ms;
	else if (h->state == HUNT_WAVE_COOLDOWN)
		due = h->event_wall_ms + h->cooldown_ms;
	fprintf(f,
		"{\"id\":%u,\"worker\":%u,\"wave\":%u,\"state\":\"%s\",\"won\":%u,\"clues\":%u,"
		"\"members\":%u,\"max_players\":%u,\"waves\":%u,\"wave_duration_ms\":%u,"
		"\"cooldown_ms\":%u,\"event_wall_ms\":%lu,\"due_wall_ms\":%lu,\"due_in_ms\":%ld,"
		"\"state_seq\":%lu,\"waves_opened\":%lu,\"closed_all_won\":%lu,"
		"\"closed_deadline\":%lu}",
		h->id, h->worker, h->wave_id, hunt_wave_state_name(h->state), h->n_won, h->clues, h->members,
		h->max_players, h->waves, h->wave_duration_ms, h->cooldown_ms,
		(unsigned long)h->event_wall_ms, (unsigned long)due,
		due ? (long)due - (long)now_ms : 0L, (unsigned long)h->state_seq,
		(unsigned long)h->opened, (unsigned long)h->closed_all_won,
		(unsigned long)h->closed_deadline);
}

static void
error(FILE *f, const char *what)
{
	fprintf(f, "{\"error\":\"%s\"}\n", what);
}

/* "hunts": every hunt, racy reads of the owners' tables (like telemetry).
 * brief: only what hunt-control needs (a fifth of the bytes). */
static void
answer_hunts(struct huntd *d, FILE *f, int brief)
{
	uint64_t now = hunt_clock_wall_ms();
	fprintf(f, "{\"now_wall_ms\":%lu,\"waves_by_control\":%u,\"hunts\":[", (unsigned long)now,
		d->cfg->server.waves_by_control);
	int first = 1;
	for (uint32_t w = 0; w < d->n_workers; w++) {
		const struct hunt_table *t = &d->workers[w]->engine.hunts;
		for (uint32_t i = 0; i < t->n_hunts; i++) {
			struct hunt_cmd_hunt h;
			hunt_cmd_describe(&h, &t->hunts[i], w);
			fputs(first ? "" : ",", f);
			if (brief)
				fprintf(f, "{\"id\":%u,\"wave\":%u,\"state\":\"%s\",\"event_wall_ms\":%lu}",
					h.id, h.wave_id, hunt_wave_state_name(h.state),
					(unsigned long)h.event_wall_ms);
			else
				json_hunt(f, &h, now);
			first = 0;
		}
	}
	fprintf(f, "]}\n");
}

static void
answer_hunt(struct huntd *d, uint32_t id, FILE *f)
{
	struct hunt_cmd *c = calloc(1, sizeof(*c));
	*c = (struct hunt_cmd){.op = HUNT_CMD_HUNT, .hunt_id = id};
	int rc = run_cmd(d, owner_of(d, id), c);
	if (rc == 0 && c->rc == -ENOENT)
		error(f, "no such hunt");
	else if (rc != 0)
		error(f, strerror(-rc));
	else {
		fputs("{\"hunt\":", f);
		json_hunt(f, &c->hunt, hunt_clock_wall_ms());
		fputs("}\n", f);
	}
	if (rc != -ETIMEDOUT)
		free(c);
}

static void
answer_wave(struct huntd *d, enum hunt_wave_cmd cmd, uint32_t id, uint32_t wave, FILE *f)
{
	struct hunt_cmd *c = calloc(1, sizeof(*c));
	*c = (struct hunt_cmd){.op = HUNT_CMD_WAVE, .wave_cmd = cmd, .hunt_id = id, .wave = wave};
	uint32_t w = owner_of(d, id);
	uint64_t t0 = hunt_clock_wall_ms();
	int rc = run_cmd(d, w, c);
	uint64_t t1 = hunt_clock_wall_ms();
	if (rc == 0 && c->rc == 0)
		rc = wait_durable(d, w, c->seq);
	uint64_t t2 = hunt_clock_wall_ms();
	if (t2 - t0 > 100) /* worth an operator's attention */
		fprintf(stderr, "huntd: control: wave %s %u took %lu ms to apply, %lu ms to be durable (seq %lu, durable %lu)\n",
			cmd == HUNT_WAVE_CMD_START ? "start" : "end", id, (unsigned long)(t1 - t0),
			(unsigned long)(t2 - t1), (unsigned long)c->seq,
			(unsigned long)(d->journals ? d->journals[w].durable_seq : 0));
	if (rc != 0)
		error(f, strerror(-rc));
	else if (c->rc == -ENOENT)
		error(f, "no such hunt");
	else {
		const char *result = c->rc == 0 ? "done" : c->rc == -ESTALE ? "stale" : "retry";
		fprintf(f, "{\"result\":\"%s\",\"hunt\":", result);
		json_hunt(f, &c->hunt, hunt_clock_wall_ms());
		fputs("}\n", f);
	}
	if (rc != -ETIMEDOUT)
		free(c);
}

/*
 * "waves start|end HUNT WAVE [start|end HUNT WAVE ...]": many wave commands
 * at once (hunt-control sends one per poll). They go to their owners'
 * command rings CTL_BATCH_CHUNK at a time, and the answer waits once for the
 * journal to make the last of each worker's records durable, so a batch
 * costs about one group commit instead of one per command.
 */
static void
answer_batch(struct huntd *d, const char *args, FILE *f)
{
	size_t cap = 1024, n = 0;
	struct hunt_cmd **cmds = malloc(cap * sizeof(*cmds));
	char verb[8];
	unsigned long id, wave;
	int used;
	for (const char *p = args; cmds && sscanf(p, "%7s %lu %lu%n", verb, &id, &wave, &used) == 3;
	     p += used) {
		if (n == cap) {
			struct hunt_cmd **nc = realloc(cmds, 2 * cap * sizeof(*cmds));
			if (nc == NULL)
				break;
			cmds = nc;
			cap *= 2;
		}
		struct hunt_cmd *c = calloc(1, sizeof(*c));
		if (c == NULL)
			break;
		*c = (struct hunt_cmd){.op = HUNT_CMD_WAVE, .hunt_id = (uint32_t)id,
				       .wave = (uint32_t)wave,
				       .wave_cmd = strcmp(verb, "start") == 0 ? HUNT_WAVE_CMD_START
										: HUNT_WAVE_CMD_END};
		cmds[n++] = c;
	}
	if (cmds == NULL) {
		error(f, "out of memory");
		return;
	}
	/* Per worker: enqueue a chunk, wait for it, next chunk. */
	uint64_t last_seq[HUNT_WORKERS_MAX] = {0};
	int rc = 0;
	for (uint32_t w = 0; w < d->n_workers && rc == 0; w++) {
		struct hunt_cmd *chunk[CTL_BATCH_CHUNK];
		size_t i = 0;
		while (i < n && rc == 0) {
			uint32_t k = 0;
			for (; i < n && k < CTL_BATCH_CHUNK; i++)
				if (owner_of(d, cmds[i]->hunt_id) == w)
					chunk[k++] = cmds[i];
			for (uint32_t j = 0; j < k && rc == 0; j++)
				if (rte_ring_sp_enqueue(d->workers[w]->cmds, chunk[j]) != 0)
					rc = -EBUSY;
			if (rc == 0)
				rc = wait_applied(chunk, k);
			for (uint32_t j = 0; rc == 0 && j < k; j++)
				if (chunk[j]->rc == 0 && chunk[j]->seq > last_seq[w])
					last_seq[w] = chunk[j]->seq;
		}
	}
	for (uint32_t w = 0; w < d->n_workers && rc == 0; w++)
		rc = wait_durable(d, w, last_seq[w]);
	if (rc != 0) {
		error(f, strerror(-rc)); /* commands in flight are leaked on purpose */
		free(cmds);
		return;
	}
	fprintf(f, "{\"results\":[");
	for (size_t i = 0; i < n; i++) {
		const struct hunt_cmd *c = cmds[i];
		fprintf(f, "%s{\"hunt\":%u,\"wave\":%u,\"result\":\"%s\"}", i ? "," : "", c->hunt_id,
			c->wave, c->rc == 0 ? "done" : c->rc == -ESTALE ? "stale"
				 : c->rc == -ENOENT ? "no such hunt" : "retry");
		free(cmds[i]);
	}
	fprintf(f, "]}\n");
	free(cmds);
}

/* The workers' top lists merged (leaderboard.h), up to want entries; also
 * the WIN records counted and what is appended but not yet durable. 0 or
 * -errno. */
static int
collect_leaderboard(struct huntd *d, struct hunt_lb_entry *top, uint32_t want, uint32_t *n,
		    uint64_t *wins, uint64_t *lag)
{
	const struct hunt_lb_entry *lists[HUNT_WORKERS_MAX];
	uint32_t lens[HUNT_WORKERS_MAX];
	struct hunt_cmd *cmds[HUNT_WORKERS_MAX] = {0};
	*wins = *lag = 0;
	int rc = 0;
	for (uint32_t w = 0; w < d->n_workers && rc == 0; w++) {
		cmds[w] = calloc(1, sizeof(struct hunt_cmd));
		if (cmds[w] == NULL) {
			rc = -ENOMEM;
			break;
		}
		cmds[w]->op = HUNT_CMD_TOP;
		rc = run_cmd(d, w, cmds[w]);
		if (rc == 0) {
			lists[w] = cmds[w]->top;
			lens[w] = cmds[w]->n_top;
			*wins += cmds[w]->lb_wins;
			const struct hunt_journal *j = &d->journals[w];
			uint64_t appended = __atomic_load_n(&j->st.records, __ATOMIC_RELAXED);
			uint64_t durable = __atomic_load_n(&j->durable_seq, __ATOMIC_RELAXED);
			*lag += appended > durable ? appended - durable : 0;
		}
	}
	if (rc == 0)
		*n = hunt_lb_merge(lists, lens, d->n_workers, top, want);
	for (uint32_t w = 0; w < d->n_workers; w++)
		if (rc != -ETIMEDOUT)
			free(cmds[w]);
	return rc;
}

/* Every [server] leaderboard_ms: the merged list for the LEADERBOARD op. */
static void
publish_leaderboard(struct huntd *d)
{
	uint64_t now = hunt_clock_wall_ms();
	if (d->journals == NULL || now < d->board_next_ms)
		return;
	d->board_next_ms = now + d->cfg->server.leaderboard_ms;
	struct hunt_lb_entry top[HUNT_LB_TOP];
	uint32_t n;
	uint64_t wins, lag;
	if (collect_leaderboard(d, top, HUNT_LB_TOP, &n, &wins, &lag) == 0)
		hunt_lb_board_publish(&d->board, top, n, wins, now);
}

/* "leaderboard N": merged now, not the published list. */
static void
answer_leaderboard(struct huntd *d, uint32_t want, FILE *f)
{
	if (d->journals == NULL) {
		error(f, "no leaderboard without --journal: it counts durable wins");
		return;
	}
	if (want == 0 || want > HUNT_LB_TOP)
		want = want == 0 ? 10 : HUNT_LB_TOP;
	struct hunt_lb_entry top[HUNT_LB_TOP];
	uint32_t n;
	uint64_t wins, lag;
	int rc = collect_leaderboard(d, top, want, &n, &wins, &lag);
	if (rc != 0) {
		error(f, strerror(-rc));
		return;
	}
	uint64_t taken = __atomic_load_n(&d->board.taken_ms, __ATOMIC_RELAXED);
	fprintf(f, "{\"counted_wins\":%lu,\"lag_records\":%lu,\"published_age_ms\":%lu,\"top\":[",
		(unsigned long)wins, (unsigned long)lag,
		(unsigned long)(taken ? hunt_clock_wall_ms() - taken : 0));
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%s{\"rank\":%u,\"player\":%lu,\"coins\":%lu}", i ? "," : "", i + 1,
			(unsigned long)top[i].player_id, (unsigned long)top[i].coins);
	fprintf(f, "]}\n");
}

static void
answer_player(struct huntd *d, uint64_t player, FILE *f)
{
	fprintf(f, "{\"player\":%lu,\"hunts\":[", (unsigned long)player);
	uint64_t coins = 0, wins = 0;
	int first = 1;
	for (uint32_t w = 0; w < d->n_workers; w++) {
		struct hunt_cmd *c = calloc(1, sizeof(*c));
		*c = (struct hunt_cmd){.op = HUNT_CMD_PLAYER, .player_id = player,
				       .member_of = calloc(HUNT_CMD_PLAYER_HUNTS_MAX,
							   sizeof(struct hunt_cmd_membership))};
		int rc = c->member_of != NULL ? run_cmd(d, w, c) : -ENOMEM;
		for (uint32_t i = 0; rc == 0 && i < c->n_member_of; i++) {
			const struct hunt_cmd_membership *m = &c->member_of[i];
			fprintf(f, "%s{\"hunt\":%u,\"worker\":%u,\"coins\":%lu,\"wins\":%u}",
				first ? "" : ",", m->hunt_id, w, (unsigned long)m->coins, m->wins);
			coins += m->coins;
			wins += m->wins;
			first = 0;
		}
		if (rc != -ETIMEDOUT) { /* else the worker may still write them */
			free(c->member_of);
			free(c);
		}
	}
	fprintf(f, "],\"coins\":%lu,\"wins\":%lu}\n", (unsigned long)coins, (unsigned long)wins);
}

static void
json_hist(FILE *f, const char *name, const struct hist *h, double per_us)
{
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	static const char *const qn[] = {"p50", "p90", "p99", "p999"};
	fprintf(f, "\"%s\":{\"n\":%lu", name, (unsigned long)h->n);
	for (int i = 0; i < 4; i++)
		fprintf(f, ",\"%s\":%.1f", qn[i], (double)hist_quantile(h, qs[i]) / per_us);
	fprintf(f, ",\"max\":%.1f}", (double)h->max / per_us);
}

/* "latency": per worker, where time goes (racy reads of the histograms). */
static void
answer_latency(struct huntd *d, FILE *f)
{
	double per_us = (double)d->tsc_hz / 1e6;
	fprintf(f, "{\"unit\":\"us, except op_cycles\",\"workers\":[");
	for (uint32_t w = 0; w < d->n_workers; w++) {
		const struct hunt_worker *wk = d->workers[w];
		fprintf(f, "%s{\"worker\":%u,", w ? "," : "", w);
		json_hist(f, "op_cycles", &wk->lat.op, 1.0);
		fputc(',', f);
		json_hist(f, "rx_tx_us", &wk->lat.rx_tx, per_us);
		fputc(',', f);
		json_hist(f, "poll_us", &wk->lat.poll, per_us);
		fputc(',', f);
		json_hist(f, "held_us", &wk->lat.held, per_us);
		if (d->journals != NULL) {
			fputc(',', f);
			json_hist(f, "flush_us", &d->journals[w].flush_hist, per_us);
		}
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

static void
answer_status(struct huntd *d, FILE *f)
{
	fprintf(f,
		"{\"huntd\":\"running\",\"pid\":%d,\"workers\":%u,\"hunts\":%u,\"epoch\":%lu,"
		"\"journal\":",
		(int)getpid(), d->n_workers, d->cfg->n_hunts, (unsigned long)d->epoch);
	if (d->journal_dir) {
		fputc('"', f);
		for (const char *p = d->journal_dir; *p; p++) /* a JSON string */
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				fprintf(f, "\\u%04x", (unsigned char)*p);
			else
				fputc(*p, f);
		fputc('"', f);
	} else {
		fputs("null", f);
	}
	int failed = 0, no_spare = 0;
	for (uint32_t w = 0; d->journals && w < d->n_workers; w++) {
		failed |= __atomic_load_n(&d->journals[w].error, __ATOMIC_RELAXED) != 0;
		no_spare |= __atomic_load_n(&d->journals[w].spare_error, __ATOMIC_RELAXED) != 0;
	}
	struct huntd_disk disk;
	if (huntd_journal_disk(d, &disk) == 0) {
		fprintf(f, ",\"journal_disk\":");
		huntd_disk_json(&disk, f);
	}
	fprintf(f, ",\"journal_failed\":%s,\"journal_no_spare\":%s,\"waves_by_control\":%u,"
		   "\"uptime_s\":%.1f,",
		failed ? "true" : "false", no_spare ? "true" : "false", d->cfg->server.waves_by_control,
		(double)(hunt_clock_wall_ms() - d->start_wall_ms) / 1000.0);
	uint64_t seen = __atomic_load_n(&d->ctl_seen_ms, __ATOMIC_RELAXED);
	if (seen == 0)
		fprintf(f, "\"hunt_control\":null}\n");
	else
		fprintf(f, "\"hunt_control\":{\"pid\":%lu,\"seen_ms_ago\":%lu}}\n",
			(unsigned long)__atomic_load_n(&d->ctl_pid, __ATOMIC_RELAXED),
			(unsigned long)(hunt_clock_wall_ms() - seen));
}

void
hunt_ctl_answer(struct huntd *d, const char *line, FILE *f)
{
	char verb[32] = "", sub[32] = "";
	unsigned long a = 0, b = 0;
	int n = sscanf(line, "%31s %lu %lu", verb, &a, &b);
	if (n < 1) {
		error(f, "empty request");
	} else if (strcmp(verb, "status") == 0) {
		answer_status(d, f);
	} else if (strcmp(verb, "stats") == 0) {
		huntd_write_json(d, f);
	} else if (strcmp(verb, "leaderboard") == 0) {
		answer_leaderboard(d, n >= 2 ? (uint32_t)a : 10, f);
	} else if (strcmp(verb, "latency") == 0) {
		answer_latency(d, f);
	} else if (strcmp(verb, "hunts") == 0) {
		/* "hunts [brief] [control PID]": hunt-control's poll is also its heartbeat */
		const char *c = strstr(line, " control ");
		if (c != NULL && sscanf(c, " control %lu", &a) == 1) {
			__atomic_store_n(&d->ctl_pid, (uint64_t)a, __ATOMIC_RELAXED);
			__atomic_store_n(&d->ctl_seen_ms, hunt_clock_wall_ms(), __ATOMIC_RELAXED);
		}
		answer_hunts(d, f, strstr(line, " brief") != NULL);
	} else if (strcmp(verb, "hunt") == 0 && n >= 2) {
		answer_hunt(d, (uint32_t)a, f);
	} else if (strcmp(verb, "waves") == 0) {
		answer_batch(d, line + strlen("waves"), f);
	} else if (strcmp(verb, "player") == 0 && n >= 2) {
		answer_player(d, a, f);
	} else if (strcmp(verb, "wave") == 0 &&
		   sscanf(line, "%31s %31s %lu %lu", verb, sub, &a, &b) >= 3 &&
		   (strcmp(sub, "start") == 0 || strcmp(sub, "end") == 0)) {
		/* wave start|end HUNT [WAVE] */
		if (sscanf(line, "%*s %*s %lu %lu", &a, &b) < 2)
			b = 0;
		answer_wave(d, strcmp(sub, "start") == 0 ? HUNT_WAVE_CMD_START : HUNT_WAVE_CMD_END,
			    (uint32_t)a, (uint32_t)b, f);
	} else {
		error(f, "unknown request (status, stats, latency, leaderboard [N], hunts [brief], hunt ID, player ID, "
			 "wave start|end HUNT [WAVE], waves start|end HUNT WAVE ...)");
	}
}

int
hunt_ctl_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "huntd: control socket path too long: %s\n", path);
		return -1;
	}
	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755); /* e.g. /run/hunt; an error shows at bind */
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* A socket file left by a huntd that died: nobody answers on it. */
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "huntd: control socket %s: another huntd answers on it\n", path);
		close(fd);
		return -1;
	}
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
		fprintf(stderr, "huntd: control socket %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chmod(path, 0660);
	return fd;
}

void *
hunt_ctl_main(void *arg)
{
	struct hunt_ctl_args *ca = arg;
	int wait_ms = (int)(ca->d->cfg->server.leaderboard_ms < 100 ? ca->d->cfg->server.leaderboard_ms
									 : 100);
	while (!__atomic_load_n(&ca->d->stop, __ATOMIC_ACQUIRE)) {
		publish_leaderboard(ca->d);
		struct pollfd p = {.fd = ca->fd, .events = POLLIN};
		if (poll(&p, 1, wait_ms) <= 0)
			continue;
		int c = accept4(ca->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		struct timeval tv = {.tv_sec = 2};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		static char line[CTL_LINE_MAX];
		size_t got = 0;
		while (got < sizeof(line) - 1) {
			ssize_t r = read(c, line + got, sizeof(line) - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			if (memchr(line, '\n', got) != NULL)
				break;
		}
		line[got] = '\0';
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		if (f != NULL) {
			hunt_ctl_answer(ca->d, line, f);
			fclose(f);
			for (size_t off = 0; off < len;) {
				/* MSG_NOSIGNAL: a client gone (hunt-control killed mid
				 * request) must not SIGPIPE huntd */
				ssize_t w = send(c, out + off, len - off, MSG_NOSIGNAL);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
			free(out);
		}
		close(c);
	}
	close(ca->fd);
	unlink(ca->path);
	return NULL;
}
