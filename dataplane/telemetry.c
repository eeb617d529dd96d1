/*
 * Telemetry: /hunt/stats, /hunt/drops, /hunt/worker,<idx> and /hunt/waves,
 * readable with dpdk-telemetry.py (or any client of the telemetry socket)
 * until huntctl exists. Callbacks run on DPDK's telemetry thread and only
 * read worker state (see worker.h for why that is safe).
 *
 * DPDK 22.11 telemetry callbacks take no user argument, so the one process
 * context is kept in tel_ctx: the only mutable file-scope variable in
 * dataplane/, written once before the commands are registered.
 */
#include "checkpointer.h"
#include "huntd.h"
#include "jreader.h"
#include "threads.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <rte_telemetry.h>

#include "hunt/clock.h"
#include "hunt/proto.h"
#include "hunt/status.h"

static const struct huntd *tel_ctx;

/* Adds n counters another thread writes, each read once (relaxed). */
static void
add_relaxed(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static void
add_counters(struct hunt_counters *a, const struct hunt_counters *b)
{
	add_relaxed((uint64_t *)a, (const uint64_t *)b, sizeof(*a) / sizeof(uint64_t));
}

void
huntd_sum(const struct huntd *d, struct hunt_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t w = 0; w < d->n_workers; w++) {
		const struct hunt_worker *wk = d->workers[w];
		add_counters(&t->ctr, &wk->ctr);
		for (unsigned i = 0; i < HUNT_OP_COUNT; i++)
			t->ops[i] += __atomic_load_n(&wk->engine.ops[i], __ATOMIC_RELAXED);
		for (unsigned i = 0; i < HUNT_STATUS_COUNT; i++)
			t->status[i] += __atomic_load_n(&wk->engine.status[i], __ATOMIC_RELAXED);
	}
}

#define COUNTER_FIELDS(X)                                                     \
	X(rx_pkts) X(rx_bursts) X(tx_pkts) X(arp_replies) X(error_replies)    \
	X(steered) X(handed_off) X(handed_in) X(tx_retries) X(held) X(yields) \
	X(idle_waits) X(busy_cycles) X(busy_pkts)

#define JOURNAL_FIELDS(X)                                                     \
	X(records) X(groups) X(bytes) X(flush_cycles) X(flush_cycles_max)     \
	X(group_records_max) X(full) X(short_writes) X(rollovers)             \
	X(spare_waits) X(errors) X(spares_recycled) X(spares_zeroed)          \
	X(spare_failures)

/* A worker's journal figures (zeros without a journal), read racily. */
static void
journal_figures(const struct hunt_worker *w, struct hunt_journal_stats *js, uint64_t *durable,
		int *error, int *spare_error, uint32_t *held_now)
{
	memset(js, 0, sizeof(*js));
	*durable = 0;
	*error = 0;
	*spare_error = 0;
	*held_now = 0;
	if (w->jnl == NULL)
		return;
	*spare_error = __atomic_load_n(&w->jnl->spare_error, __ATOMIC_RELAXED);
	add_relaxed((uint64_t *)js, (const uint64_t *)&w->jnl->st, sizeof(*js) / sizeof(uint64_t));
	*durable = __atomic_load_n(&w->jnl->durable_seq, __ATOMIC_RELAXED);
	*error = __atomic_load_n(&w->jnl->error, __ATOMIC_RELAXED);
	*held_now = __atomic_load_n(&w->held_tail, __ATOMIC_RELAXED) -
		    __atomic_load_n(&w->held_head, __ATOMIC_RELAXED);
}

static void
tel_counters(struct rte_tel_data *dd, const struct hunt_counters *c)
{
#define X(f) rte_tel_data_add_dict_u64(dd, #f, c->f);
	COUNTER_FIELDS(X)
#undef X
	rte_tel_data_add_dict_u64(dd, "cycles_per_op",
				  c->busy_pkts ? c->busy_cycles / c->busy_pkts : 0);
	uint64_t drops = 0;
	for (unsigned i = 0; i < HUNT_DROP_COUNT; i++)
		drops += c->drops[i];
	rte_tel_data_add_dict_u64(dd, "drops", drops);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *dd)
{
	(void)cmd;
	(void)params;
	struct hunt_totals t;
	huntd_sum(tel_ctx, &t);
	rte_tel_data_start_dict(dd);
	rte_tel_data_add_dict_u64(dd, "workers", tel_ctx->n_workers);
	rte_tel_data_add_dict_u64(dd, "tsc_hz", tel_ctx->tsc_hz);
	rte_tel_data_add_dict_u64(dd, "flow_rules", tel_ctx->flow_rules);
	tel_counters(dd, &t.ctr);
	char name[64];
	for (unsigned i = 1; i < HUNT_OP_COUNT; i++) {
		snprintf(name, sizeof(name), "op_%s", hunt_op_name(i));
		rte_tel_data_add_dict_u64(dd, name, t.ops[i]);
	}
	for (unsigned i = 0; i < HUNT_STATUS_COUNT; i++) {
		snprintf(name, sizeof(name), "status_%s", hunt_status_name(i));
		rte_tel_data_add_dict_u64(dd, name, t.status[i]);
	}
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *dd)
{
	(void)cmd;
	(void)params;
	struct hunt_totals t;
	huntd_sum(tel_ctx, &t);
	rte_tel_data_start_dict(dd);
	for (unsigned i = 0; i < HUNT_DROP_COUNT; i++)
		rte_tel_data_add_dict_u64(dd, hunt_drop_name(i), t.ctr.drops[i]);
	return 0;
}

static int
tel_worker(const char *cmd, const char *params, struct rte_tel_data *dd)
{
	(void)cmd;
	char *end = NULL;
	unsigned long idx = params ? strtoul(params, &end, 10) : ULONG_MAX;
	if (params == NULL || end == params || idx >= tel_ctx->n_workers)
		return -1;
	struct hunt_counters c;
	memset(&c, 0, sizeof(c));
	add_counters(&c, &tel_ctx->workers[idx]->ctr);
	rte_tel_data_start_dict(dd);
	tel_counters(dd, &c);
	for (unsigned i = 0; i < HUNT_DROP_COUNT; i++)
		if (c.drops[i] != 0)
			rte_tel_data_add_dict_u64(dd, hunt_drop_name(i), c.drops[i]);
	return 0;
}

/* The checkpointer's counters (relaxed: the helper thread writes them). */
#define CKPT_FIELDS(X)                                                                  \
	X(written) X(folded_segments) X(folded_records) X(fold_cpu_us) X(removed_files) \
	X(last_write_us) X(write_failures)

struct ckpt_figures {
#define X(fl) uint64_t fl;
	CKPT_FIELDS(X)
#undef X
	int error, write_error;
};

static void
ckpt_figures(const struct huntd *d, struct ckpt_figures *o)
{
	memset(o, 0, sizeof(*o));
	const struct hunt_checkpointer *c = d->ckpt;
	if (c == NULL)
		return;
#define X(fl) o->fl = __atomic_load_n(&c->fl, __ATOMIC_RELAXED);
	CKPT_FIELDS(X)
#undef X
	o->error = __atomic_load_n(&c->error, __ATOMIC_RELAXED);
	o->write_error = __atomic_load_n(&c->write_error, __ATOMIC_RELAXED);
}

static int
tel_journal(const char *cmd, const char *params, struct rte_tel_data *dd)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(dd);
	rte_tel_data_add_dict_u64(dd, "enabled", tel_ctx->journal_dir != NULL);
	rte_tel_data_add_dict_u64(dd, "epoch", tel_ctx->epoch);
	struct huntd_disk disk;
	if (huntd_journal_disk(tel_ctx, &disk) == 0) {
		rte_tel_data_add_dict_u64(dd, "disk_free_bytes", disk.free_bytes);
		rte_tel_data_add_dict_u64(dd, "disk_size_bytes", disk.size_bytes);
		rte_tel_data_add_dict_u64(dd, "disk_low", (uint64_t)disk.low);
	}
	struct ckpt_figures cf;
	ckpt_figures(tel_ctx, &cf);
	struct rte_tel_data *cd = rte_tel_data_alloc();
	if (cd == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(cd);
#define X(fl) rte_tel_data_add_dict_u64(cd, #fl, cf.fl);
	CKPT_FIELDS(X)
#undef X
	rte_tel_data_add_dict_string(cd, "error", cf.error ? strerror(-cf.error) : "none");
	rte_tel_data_add_dict_string(cd, "write_error",
				     cf.write_error ? strerror(-cf.write_error) : "none");
	rte_tel_data_add_dict_container(dd, "checkpointer", cd, 0);
	for (uint32_t w = 0; w < tel_ctx->n_workers; w++) {
		struct hunt_journal_stats js;
		uint64_t durable;
		int error, spare_error;
		uint32_t held_now;
		journal_figures(tel_ctx->workers[w], &js, &durable, &error, &spare_error, &held_now);
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "durable_seq", durable);
#define X(fl) rte_tel_data_add_dict_u64(c, #fl, js.fl);
		JOURNAL_FIELDS(X)
#undef X
		double us = 1e6 / (double)tel_ctx->tsc_hz;
		rte_tel_data_add_dict_u64(c, "flush_avg_us",
					  js.groups ? (uint64_t)((double)js.flush_cycles / (double)js.groups * us) : 0);
		rte_tel_data_add_dict_u64(c, "flush_max_us", (uint64_t)((double)js.flush_cycles_max * us));
		rte_tel_data_add_dict_u64(c, "held_now", held_now);
		rte_tel_data_add_dict_string(c, "error", error ? strerror(-error) : "none");
		rte_tel_data_add_dict_string(c, "spare_error",
					     spare_error ? strerror(-spare_error) : "none");
		char name[32];
		snprintf(name, sizeof(name), "worker_%u", w);
		rte_tel_data_add_dict_container(dd, name, c, 0);
	}
	return 0;
}

static int
tel_waves(const char *cmd, const char *params, struct rte_tel_data *dd)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(dd);
	for (uint32_t w = 0; w < tel_ctx->n_workers; w++) {
		const struct hunt_table *t = &tel_ctx->workers[w]->engine.hunts;
		for (uint32_t i = 0; i < t->n_hunts; i++) {
			const struct hunt_state *h = &t->hunts[i];
			char name[32], val[128];
			snprintf(name, sizeof(name), "hunt_%u", h->cfg->id);
			snprintf(val, sizeof(val),
				 "worker=%u wave=%u state=%u won=%u/%u members=%u opened=%lu",
				 w, h->wave_id, h->state, h->n_won,
				 h->cfg->clues_per_wave, h->n_members,
				 (unsigned long)h->waves_opened);
			rte_tel_data_add_dict_string(dd, name, val);
		}
	}
	return 0;
}

int
huntd_telemetry_register(struct huntd *d)
{
	tel_ctx = d;
	int rc = rte_telemetry_register_cmd("/hunt/stats", tel_stats,
					    "huntd totals: packets, ops, status, cycles per op");
	rc |= rte_telemetry_register_cmd("/hunt/drops", tel_drops, "huntd drops by reason");
	rc |= rte_telemetry_register_cmd("/hunt/worker", tel_worker,
					 "one worker's counters. Parameters: int worker_idx");
	rc |= rte_telemetry_register_cmd("/hunt/waves", tel_waves, "wave state per hunt");
	rc |= rte_telemetry_register_cmd("/hunt/journal", tel_journal,
					 "per worker: durable seq, group commits, flush latency, errors");
	return rc;
}

static void
json_counters(FILE *f, const struct hunt_counters *c)
{
#define X(fl) fprintf(f, "\"" #fl "\":%lu,", (unsigned long)c->fl);
	COUNTER_FIELDS(X)
#undef X
	fprintf(f, "\"drops\":{");
	for (unsigned i = 0; i < HUNT_DROP_COUNT; i++)
		fprintf(f, "%s\"%s\":%lu", i ? "," : "", hunt_drop_name(i),
			(unsigned long)c->drops[i]);
	fprintf(f, "}");
}

int
huntd_journal_disk(const struct huntd *d, struct huntd_disk *o)
{
	memset(o, 0, sizeof(*o));
	if (d->journal_dir == NULL)
		return -ENOENT;
	struct statvfs sv;
	if (statvfs(d->journal_dir, &sv) != 0)
		return -errno;
	o->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	o->size_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
	o->low = o->free_bytes < 2ull * d->n_workers * ((uint64_t)d->cfg->journal.segment_mb << 20);
	DIR *dir = opendir(d->journal_dir);
	if (dir == NULL)
		return 0; /* the space figures still hold */
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		uint64_t epoch;
		uint32_t worker, segment;
		struct stat st;
		enum hunt_jfile kind = hunt_journal_file_kind(e->d_name, &epoch, &worker, &segment);
		if (kind == HUNT_JFILE_OTHER || fstatat(dirfd(dir), e->d_name, &st, 0) != 0)
			continue;
		uint64_t bytes = (uint64_t)st.st_blocks * 512u; /* what it takes on the disk */
		if (kind == HUNT_JFILE_SEGMENT) {
			o->n_segments++;
			o->segment_bytes += bytes;
		} else if (kind == HUNT_JFILE_CHECKPOINT) {
			o->n_checkpoints++;
			o->checkpoint_bytes += bytes;
		} else {
			o->n_free++;
			o->free_file_bytes += bytes;
		}
	}
	closedir(dir);
	return 0;
}

/* The journal_disk object of the stats and status JSON. */
void
huntd_disk_json(const struct huntd_disk *o, FILE *f)
{
	fprintf(f,
		"{\"free_bytes\":%lu,\"size_bytes\":%lu,\"low\":%s,\"segments\":%u,"
		"\"segment_bytes\":%lu,\"checkpoints\":%u,\"checkpoint_bytes\":%lu,"
		"\"free_segments\":%u,\"free_segment_bytes\":%lu}",
		(unsigned long)o->free_bytes, (unsigned long)o->size_bytes, o->low ? "true" : "false",
		o->n_segments, (unsigned long)o->segment_bytes, o->n_checkpoints,
		(unsigned long)o->checkpoint_bytes, o->n_free, (unsigned long)o->free_file_bytes);
}

void
huntd_write_json(const struct huntd *d, FILE *f)
{
	struct hunt_totals t;
	huntd_sum(d, &t);
	fprintf(f, "{\"workers\":%u,\"tsc_hz\":%lu,\"cycles_per_op\":%lu,\"total\":{",
		d->n_workers, (unsigned long)d->tsc_hz,
		(unsigned long)(t.ctr.busy_pkts ? t.ctr.busy_cycles / t.ctr.busy_pkts : 0));
	json_counters(f, &t.ctr);
	fprintf(f, "},\"ops\":{");
	for (unsigned i = 1; i < HUNT_OP_COUNT; i++)
		fprintf(f, "%s\"%s\":%lu", i > 1 ? "," : "", hunt_op_name(i),
			(unsigned long)t.ops[i]);
	fprintf(f, "},\"status\":{");
	for (unsigned i = 0; i < HUNT_STATUS_COUNT; i++)
		fprintf(f, "%s\"%s\":%lu", i ? "," : "", hunt_status_name(i),
			(unsigned long)t.status[i]);
	fprintf(f, "},\"journal\":%s,", d->journal_dir ? "true" : "false");
	struct huntd_disk disk;
	if (huntd_journal_disk(d, &disk) == 0) {
		fprintf(f, "\"journal_disk\":");
		huntd_disk_json(&disk, f);
		fputc(',', f);
	}
	fprintf(f, "\"epoch\":%lu,\"uptime_ms\":%lu,\"thread_cpu_ms\":{", (unsigned long)d->epoch,
		(unsigned long)(hunt_clock_wall_ms() - d->start_wall_ms));
	uint64_t cpu_ns[HUNT_THREAD_ROLE_COUNT];
	hunt_threads_cpu(cpu_ns); /* all zero if /proc cannot be read */
	for (unsigned r = 0; r < HUNT_THREAD_ROLE_COUNT; r++)
		fprintf(f, "%s\"%s\":%lu", r ? "," : "", hunt_thread_role_name(r),
			(unsigned long)(cpu_ns[r] / 1000000u));
	fprintf(f, "},\"checkpointer\":{");
	struct ckpt_figures cf;
	ckpt_figures(d, &cf);
#define X(fl) fprintf(f, "\"" #fl "\":%lu,", (unsigned long)cf.fl);
	CKPT_FIELDS(X)
#undef X
	fprintf(f, "\"error\":%d,\"write_error\":%d},\"per_worker\":[", cf.error, cf.write_error);
	for (uint32_t w = 0; w < d->n_workers; w++) {
		fprintf(f, "%s{", w ? "," : "");
		json_counters(f, &d->workers[w]->ctr);
		struct hunt_journal_stats js;
		uint64_t durable;
		int error, spare_error;
		uint32_t held_now;
		journal_figures(d->workers[w], &js, &durable, &error, &spare_error, &held_now);
		fprintf(f, ",\"held_now\":%u,\"journal\":{\"durable_seq\":%lu,\"error\":%d,"
			   "\"spare_error\":%d",
			held_now, (unsigned long)durable, error, spare_error);
#define X(fl) fprintf(f, ",\"" #fl "\":%lu", (unsigned long)js.fl);
		JOURNAL_FIELDS(X)
#undef X
		fprintf(f, "}}");
	}
	fprintf(f, "],\"hunts\":[");
	int first = 1;
	for (uint32_t w = 0; w < d->n_workers; w++) {
		const struct hunt_table *ht = &d->workers[w]->engine.hunts;
		for (uint32_t i = 0; i < ht->n_hunts; i++) {
			const struct hunt_state *h = &ht->hunts[i];
			fprintf(f,
				"%s{\"id\":%u,\"worker\":%u,\"wave\":%u,\"state\":%u,"
				"\"won\":%u,\"members\":%u,\"waves_opened\":%lu,"
				"\"closed_all_won\":%lu,\"closed_deadline\":%lu}",
				first ? "" : ",", h->cfg->id, w, h->wave_id, h->state,
				h->n_won, h->n_members, (unsigned long)h->waves_opened,
				(unsigned long)h->waves_closed_all_won,
				(unsigned long)h->waves_closed_deadline);
			first = 0;
		}
	}
	fprintf(f, "]}\n");
}
