/*
 * huntd: wires the process together and is the only place that exits.
 *
 *   huntd [EAL options] -- --config FILE [--journal DIR] [--port N] [--stats-out FILE]
 *                           [--fail-journal-flush-at SEQ]   (test seam)
 *   huntd --config-doc      (prints the config key table as Markdown)
 *
 * Every EAL lcore is a worker (the main lcore too): worker i owns RX/TX
 * queue i of the port. With --journal, huntd first replays every segment in
 * DIR into the workers' tables (refusing to start on corruption), then
 * starts a new epoch: each worker appends to its own stream, and a helper
 * thread zero-fills the next segment of each ahead of need. SIGINT/SIGTERM
 * are taken by a control thread with sigwait, which asks the workers to
 * stop; then the journals are flushed and the final counters are printed
 * (and written as JSON to --stats-out).
 */
#define _GNU_SOURCE /* pthread_setaffinity_np, cpu_set_t */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "checkpoint.h"
#include "checkpointer.h"
#include "ctl.h"
#include "config.h"
#include "hunt/clock.h"
#include "hunt/shard.h"
#include "huntd.h"
#include "jreader.h"
#include "port.h"

struct args {
	const char *config;
	const char *journal;
	uint64_t fail_at_seq; /* test seam: the flush that makes worker 0's record SEQ durable fails */
	const char *stats_out;
	const char *control;  /* control socket path */
	const char *catalogue; /* [world]/[hunt] sections in a file of their own */
	int reflect;           /* --reflect: the rig's limit, no hunt protocol */
	uint16_t port_id;
};

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"journal", required_argument, NULL, 'j'},
		{"fail-journal-flush-at", required_argument, NULL, 'F'},
		{"port", required_argument, NULL, 'p'},
		{"stats-out", required_argument, NULL, 's'},
		{"control", required_argument, NULL, 'C'},
		{"catalogue", required_argument, NULL, 'K'},
		{"reflect", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'j':
			a->journal = optarg;
			break;
		case 'F':
			a->fail_at_seq = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			a->port_id = (uint16_t)atoi(optarg);
			break;
		case 's':
			a->stats_out = optarg;
			break;
		case 'C':
			a->control = optarg;
			break;
		case 'K':
			a->catalogue = optarg;
			break;
		case 'R':
			a->reflect = 1;
			break;
		default:
			return -1;
		}
	}
	if (a->control == NULL)
		a->control = HUNT_CTL_DEFAULT_PATH;
	return a->config ? 0 : -1;
}

static void *
control_main(void *arg)
{
	struct huntd *d = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	int sig = 0;
	sigwait(&set, &sig);
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* --fail-journal-flush-at SEQ, for tests: the flush that would make worker
 * 0's record SEQ durable reports -EIO, through the same completion seam the
 * unit tests use. By record, not by flush count, so it lands where the test
 * means it to whatever the group sizes. */
struct flush_fault {
	const struct hunt_journal *j;
	uint64_t at_seq;
	int fired;
};

static int
fail_flush_at(void *ctx, enum hunt_jop op, int res)
{
	struct flush_fault *f = ctx;
	const struct hunt_jgroup *g = &f->j->group[f->j->filling ^ 1]; /* in flight */
	/* direct: the write is the flush (O_DSYNC) */
	if ((op == HUNT_JOP_FSYNC || f->j->cfg.direct) && !f->fired && g->last_seq >= f->at_seq) {
		f->fired = 1;
		return -EIO;
	}
	return res;
}

/* The CPUs huntd was started on (its cpuset or taskset, read before the
 * EAL pinned the main thread) that no worker lcore polls, or all of them
 * if the workers poll them all: where background threads go. Staying
 * inside the start set keeps huntd within what the operator gave it (a
 * container's cpuset, or `taskset -c 0` to put all of huntd's work on one
 * core, docs/benchmarks.md). */
static void
housekeeping_cpus(const struct huntd *d, cpu_set_t *cpus)
{
	*cpus = d->start_cpus;
	unsigned lc;
	RTE_LCORE_FOREACH(lc) {
		rte_cpuset_t lcs = rte_lcore_cpuset(lc);
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &lcs))
				CPU_CLR(c, cpus);
	}
	if (CPU_COUNT(cpus) == 0)
		*cpus = d->start_cpus;
}

/* The CPUs worker i polls on (run_workers: worker 0 on the main lcore, the
 * others on the worker lcores in order). */
static void
worker_cpus(uint32_t i, cpu_set_t *cpus)
{
	unsigned lc = rte_get_main_lcore();
	if (i > 0) {
		uint32_t k = 0;
		RTE_LCORE_FOREACH_WORKER(lc)
			if (++k == i)
				break;
	}
	*cpus = rte_lcore_cpuset(lc); /* rte_cpuset_t is cpu_set_t on Linux */
}

/* Moves a background thread off the worker lcores' CPUs (it inherits the
 * main lcore's pinning, which would make it steal the worker's core). */
static void
off_worker_cpus(const struct huntd *d, pthread_t th, const char *name)
{
	cpu_set_t cpus;
	housekeeping_cpus(d, &cpus);
	pthread_setaffinity_np(th, sizeof(cpu_set_t), &cpus);
	pthread_setname_np(th, name);
}

/* A spare segment that could not be made (a full disk) is tried again
 * this often: each try writes until the disk refuses, then deletes it. */
#define SPARE_RETRY_MS 500u

/* Zero-fills each worker's next segment ahead of need, and folds sealed
 * segments into live checkpoints (blocking I/O, so never on a worker).
 * Polls every 2 ms: a 64 MiB segment lasts seconds. */
static void *
segment_helper_main(void *arg)
{
	struct huntd *d = arg;
	uint32_t sealed[HUNT_WORKERS_MAX];
	uint64_t failed_since[HUNT_WORKERS_MAX] = {0}; /* spare_failures when it began failing, + 1 */
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < d->n_workers; i++) {
			struct hunt_journal *j = &d->journals[i];
			int rc = hunt_journal_make_spare(j);
			if (rc < 0 && failed_since[i] == 0) {
				failed_since[i] = j->st.spare_failures;
				fprintf(stderr, "huntd: journal %u: cannot make segment %u (%s): state "
						"changes get RETRY_LATER once segment %u is full; trying "
						"again every %u ms\n",
					i, j->spare_next, strerror(-rc), j->spare_next - 1, SPARE_RETRY_MS);
			} else if (rc == 1 && failed_since[i] != 0) {
				fprintf(stderr, "huntd: journal %u: segment %u made after %lu failed "
						"tries; state changes are accepted again\n",
					i, j->spare_next - 1,
					(unsigned long)(j->st.spare_failures - failed_since[i] + 1));
				failed_since[i] = 0;
			}
			sealed[i] = __atomic_load_n(&j->sealed, __ATOMIC_ACQUIRE);
		}
		if (hunt_checkpointer_step(d->ckpt, sealed) == 1)
			printf("huntd: checkpoint %lu of epoch %lu written (%lu segments folded, %lu us)\n",
			       (unsigned long)d->ckpt->cover.gen, (unsigned long)d->epoch,
			       (unsigned long)d->ckpt->folded_segments,
			       (unsigned long)d->ckpt->last_write_us);
		struct timespec ts = {.tv_nsec = 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct replay {
	struct huntd *d;
	uint64_t unknown_hunt;
};


/* The table of the worker that owns hunt_id in this run. */
static struct hunt_table *
owner_table(void *ctx, uint32_t hunt_id)
{
	struct huntd *d = ctx;
	uint32_t owner = hunt_owner_of_shard(hunt_shard_of_hunt(hunt_id, d->cfg->server.n_shards),
					     d->n_workers);
	return &d->workers[owner]->engine.hunts;
}

static int
replay_record(void *ctx, const struct hunt_rec_hdr *h, const void *payload,
	      const struct hunt_jpos *pos)
{
	struct replay *r = ctx;
	if (hunt_table_apply(owner_table(r->d, h->hunt_id), pos->epoch, h, payload) == -ENOENT)
		r->unknown_hunt++; /* the hunt left the config since */
	return 0;
}

/* After replay: generation 0 of the new epoch (everything so far), then
 * retention, then the checkpointer's shadow state built from it. */
static int
checkpoint_and_retain(struct huntd *d, int dir_fd)
{
	struct hunt_table *tables[HUNT_WORKERS_MAX];
	struct hunt_jcover cover = {.epoch = d->epoch, .n_workers = d->n_workers};
	for (uint32_t i = 0; i < d->n_workers; i++) {
		tables[i] = &d->workers[i]->engine.hunts;
		cover.next_seq[i] = 1;
	}
	double t0 = hunt_clock_mono_s();
	int rc = hunt_checkpoint_write(dir_fd, &cover, tables, d->n_workers);
	if (rc != 0) {
		fprintf(stderr, "huntd: journal checkpoint: %s\n", strerror(-rc));
		return -1;
	}
	const struct hunt_journal_tuning *jt = &d->cfg->journal;
	int removed = hunt_journal_retain(dir_fd, d->journal_dir, jt->free_segments,
					  (uint64_t)jt->retain_mb << 20,
					  (uint64_t)jt->retain_hours * 3600u, time(NULL));
	printf("huntd: checkpoint 0 of epoch %lu written in %.3f s; retention removed %d files\n",
	       (unsigned long)d->epoch, hunt_clock_mono_s() - t0, removed < 0 ? 0 : removed);
	static struct hunt_checkpointer ckpt;
	rc = hunt_checkpointer_init(&ckpt, d->cfg, d->journal_dir, dir_fd, d->epoch, d->n_workers,
				    rte_rdtsc(), d->tsc_hz);
	if (rc != 0) {
		fprintf(stderr, "huntd: checkpointer: %s\n", strerror(-rc));
		return -1;
	}
	d->ckpt = &ckpt;
	return 0;
}


/* [journal] device_thread: one thread writes for every worker. */
static int
jdev_start(struct huntd *d)
{
	static struct hunt_jdev dev;
	static struct hunt_journal *js[HUNT_WORKERS_MAX];
	static pthread_t th;
	for (uint32_t i = 0; i < d->n_workers; i++)
		js[i] = &d->journals[i];
	dev = (struct hunt_jdev){.efd = eventfd(0, EFD_CLOEXEC), .journals = js,
				 .n_journals = d->n_workers};
	if (dev.efd < 0 || pthread_create(&th, NULL, hunt_jdev_main, &dev) != 0) {
		fprintf(stderr, "huntd: journal device thread: %s\n", strerror(errno));
		return -1;
	}
	/* Off the worker lcores: created here it inherits the main lcore's
	 * pinning and would share worker 0's core, getting it only when the
	 * worker yields (how docs/architecture.md's first comparison of the
	 * two writers ran, before 2026-12-05). */
	off_worker_cpus(d, th, "hunt-jdev");
	d->jdev = &dev;
	d->jdev_thread = th;
	return 0;
}

static void
jdev_stop(struct huntd *d)
{
	if (d->jdev == NULL)
		return;
	__atomic_store_n(&d->jdev->stop, 1, __ATOMIC_RELEASE);
	uint64_t one = 1;
	if (write(d->jdev->efd, &one, sizeof(one)) == sizeof(one))
		pthread_join(d->jdev_thread, NULL);
}

/* Replays the journal into the workers, then opens this epoch's streams.
 * Returns 0, or -1 with the reason printed. */
static int
journal_start(struct huntd *d, int dir_fd)
{
	static struct hunt_jscan_stats st;
	char err[1024];
	struct replay r = {.d = d};
	double t0 = hunt_clock_mono_s();
	static struct hunt_jcover cover;
	uint32_t skipped;
	for (uint32_t i = 0; i < d->n_workers; i++) /* only the last two waves' are needed */
		d->workers[i]->engine.hunts.answers_later = 1;
	int rc = hunt_checkpoint_load(d->journal_dir, owner_table, d, &cover, &skipped);
	if (rc == 0)
		rc = hunt_journal_scan_after(d->journal_dir, &cover, replay_record, &r, &st, err,
					     sizeof(err));
	else
		snprintf(err, sizeof(err), "%s: checkpoints: %s", d->journal_dir, strerror(-rc));
	for (uint32_t i = 0; i < d->n_workers; i++)
		hunt_table_fill_answers(&d->workers[i]->engine.hunts);
	double secs = hunt_clock_mono_s() - t0;
	if (rc != 0) {
		fprintf(stderr, "huntd: journal: %s\n", err);
		return -1;
	}
	uint64_t now = rte_rdtsc();
	for (uint32_t i = 0; i < d->n_workers; i++)
		hunt_table_resume(&d->workers[i]->engine.hunts, now);
	d->epoch = (st.max_epoch > cover.epoch ? st.max_epoch : cover.epoch) + 1;
	printf("huntd: loaded checkpoint %lu of epoch %lu (%u hunts skipped), then replayed %lu records "
	       "from %lu segments in %.3f s (%.0f records/s), %lu torn tails cut, %lu records of "
	       "unknown hunts; epoch %lu\n",
	       (unsigned long)cover.gen, (unsigned long)cover.epoch, skipped, (unsigned long)st.records,
	       (unsigned long)st.segments, secs, secs > 0 ? (double)st.records / secs : 0.0,
	       (unsigned long)st.torn_tails, (unsigned long)r.unknown_hunt, (unsigned long)d->epoch);
	if (checkpoint_and_retain(d, dir_fd) != 0)
		return -1;
	const struct hunt_journal_tuning *jt = &d->cfg->journal;
	uint32_t held = 1;
	while (held < jt->held_max)
		held <<= 1;
	d->journals = calloc(d->n_workers, sizeof(*d->journals));
	if (d->journals == NULL)
		return -1;
	if (jt->device_thread && jdev_start(d) != 0)
		return -1;
	cpu_set_t iowq;
	housekeeping_cpus(d, &iowq);
	for (uint32_t i = 0; i < d->n_workers; i++) {
		cpu_set_t own;
		worker_cpus(i, &own);
		struct hunt_journal_cfg jc = {
			.dir_fd = dir_fd, .epoch = d->epoch, .worker = i,
			.segment_bytes = (uint64_t)jt->segment_mb << 20,
			.group_bytes = jt->group_kb * 1024u,
			.direct = jt->direct_io != 0,
			.group_delay_tsc = (uint64_t)jt->group_delay_us * d->tsc_hz / 1000000u,
			.spare_retry_ns = SPARE_RETRY_MS * 1000000ull,
			.iowq_cpus = jt->flush_on_worker_cpus == 0   ? &iowq
				     : jt->flush_on_worker_cpus == 2 ? &own
								     : &d->start_cpus};
		rc = hunt_journal_open(&d->journals[i], &jc);
		d->journals[i].dev = d->jdev;
		if (rc == 0)
			rc = hunt_worker_attach_journal(d->workers[i], &d->journals[i], held);
		d->workers[i]->engine.board = &d->board;
		d->workers[i]->yield_when_flushing = (int)jt->yield_when_flushing;
		d->workers[i]->idle_wait_us = jt->idle_wait_us;
		d->workers[i]->idle_wait_tsc = (uint64_t)jt->idle_wait_us * d->tsc_hz / 1000000u;
		if (rc != 0) {
			fprintf(stderr, "huntd: journal %s, worker %u: %s%s\n", d->journal_dir, i,
				strerror(-rc),
				rc == -EINVAL && jc.direct
					? " (O_DIRECT refused: on this filesystem set [journal] direct_io = 0)"
					: "");
			return -1;
		}
	}
	return 0;
}

/* Opens (creating) and locks the journal directory. Returns its fd. */
static int
journal_dir_open(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "huntd: journal %s: %s\n", dir, strerror(errno));
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int lock = fd < 0 ? -1 : openat(fd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "huntd: journal %s: %s\n", dir,
			errno == EWOULDBLOCK ? "in use by another huntd" : strerror(errno));
		return -1;
	}
	return fd; /* the lock is held until exit */
}

static int
fail(const char *what, const char *detail)
{
	fprintf(stderr, "huntd: %s: %s\n", what, detail);
	rte_eal_cleanup();
	return 1;
}

/* The session-token key: kept in the journal directory, or drawn fresh
 * without one. Returns NULL, or what failed. */
static const char *
load_key(struct huntd *d, const struct args *a, int *dir_fd)
{
	*dir_fd = -1;
	if (a->journal == NULL) {
		fprintf(stderr, "huntd: no --journal: wins are NOT durable and do not survive a restart\n");
		return hunt_token_key_init(&d->key, (uint32_t)time(NULL)) == 0 ? NULL
										: "libsodium init";
	}
	*dir_fd = journal_dir_open(a->journal);
	if (*dir_fd < 0)
		return "journal directory";
	return hunt_token_key_load(&d->key, *dir_fd, (uint32_t)time(NULL)) == 0 ? NULL
										  : "journal token.key";
}

/* The port, its steering and the workers. Returns NULL, or what failed
 * with the reason in why. */
static const char *
start_port(struct huntd *d, struct rte_ether_addr *mac, char *why, size_t why_bytes)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create(
		"huntd_mbufs", d->cfg->server.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		snprintf(why, why_bytes, "%s", rte_strerror(rte_errno));
		return "mbuf pool";
	}
	if (hunt_port_init(d->port_id, (uint16_t)d->n_workers, &d->cfg->server, pool, why,
			   why_bytes) != 0)
		return "port";
	d->flow_rules = hunt_port_steer(d->port_id, (uint16_t)d->n_workers, &d->cfg->server);
	rte_eth_macaddr_get(d->port_id, mac);
	struct hunt_addr addr = {.ip_be = d->cfg->server.ip_be,
				 .base_port = (uint16_t)d->cfg->server.base_port,
				 .n_shards = (uint16_t)d->cfg->server.n_shards};
	memcpy(addr.mac, mac->addr_bytes, 6);
	int rc = hunt_workers_create(d->workers, d->n_workers, d->port_id, &addr, &d->stop, d->cfg,
				     &d->key, rte_rdtsc(), d->tsc_hz);
	if (rc != 0) {
		snprintf(why, why_bytes, "%s", strerror(-rc));
		return "workers";
	}
	return NULL;
}

static void
print_ready(const struct huntd *d, const struct args *a, const struct rte_ether_addr *mac)
{
	uint32_t ip = d->cfg->server.ip_be;
	printf("huntd: ready workers=%u hunts=%u ip=%u.%u.%u.%u ports=%u-%u mac=" RTE_ETHER_ADDR_PRT_FMT
	       " flow_rules=%u journal=%s epoch=%lu pid=%d\n",
	       d->n_workers, d->cfg->n_hunts, ip & 0xff, (ip >> 8) & 0xff, (ip >> 16) & 0xff, ip >> 24,
	       d->cfg->server.base_port, d->cfg->server.base_port + d->cfg->server.n_shards - 1,
	       RTE_ETHER_ADDR_BYTES(mac), d->flow_rules, a->journal ? a->journal : "none",
	       (unsigned long)d->epoch, (int)getpid());
	fflush(stdout);
}

/* Runs worker 0 here and the others on their lcores until `stop`. */
static void
run_workers(struct huntd *d)
{
	uint32_t i = 1;
	unsigned lcore;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		rte_eal_remote_launch(hunt_worker_main, d->workers[i++], lcore);
	}
	hunt_worker_main(d->workers[0]);
	rte_eal_mp_wait_lcore();
}

/* After the workers stopped: flush the journals, report, release. */
static void
finish(struct huntd *d, const struct args *a)
{
	for (uint32_t k = 0; a->journal != NULL && k < d->n_workers; k++) {
		int rc = hunt_journal_close(&d->journals[k]);
		if (rc != 0)
			fprintf(stderr, "huntd: worker %u journal closed with error %s\n", k, strerror(-rc));
	}
	jdev_stop(d);
	huntd_write_json(d, stdout);
	FILE *f = a->stats_out ? fopen(a->stats_out, "w") : NULL;
	if (f != NULL) {
		huntd_write_json(d, f);
		fclose(f);
	}
	rte_eth_dev_stop(d->port_id);
	rte_eth_dev_close(d->port_id);
	hunt_workers_free(d->workers, d->n_workers);
}

int
main(int argc, char **argv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread */
	if (argc == 2 && strcmp(argv[1], "--config-doc") == 0) {
		hunt_config_write_doc(stdout); /* docs/config.md's table */
		return 0;
	}
	cpu_set_t start_cpus;
	if (sched_getaffinity(0, sizeof(start_cpus), &start_cpus) != 0) {
		CPU_ZERO(&start_cpus);
		for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &start_cpus);
	}
	int n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "huntd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	struct args a;
	if (parse_args(argc - n, argv + n, &a) != 0) {
		fprintf(stderr, "usage: huntd [EAL options] -- --config FILE [--journal DIR] [--port N] "
				"[--stats-out FILE] [--control SOCKET] [--catalogue FILE] [--reflect]\n");
		rte_eal_cleanup();
		return 2;
	}
	struct huntd d;
	memset(&d, 0, sizeof(d));
	d.start_cpus = start_cpus;
	d.cfg = calloc(1, sizeof(*d.cfg));
	char err[HUNT_CONFIG_ERR_BYTES];
	if (d.cfg == NULL)
		return fail(a.config, "out of memory");
	if (a.catalogue != NULL ? hunt_config_load_with(d.cfg, a.config, a.catalogue, err) != 0
				: hunt_config_load(d.cfg, a.config, err) != 0)
		return fail(a.catalogue ? "configuration" : a.config, err);
	d.port_id = a.port_id;
	d.n_workers = rte_lcore_count();
	d.tsc_hz = rte_get_tsc_hz();
	d.journal_dir = a.journal;
	d.start_wall_ms = hunt_clock_wall_ms();
	if (d.n_workers > HUNT_WORKERS_MAX)
		return fail("lcores", "more lcores than HUNT_WORKERS_MAX");
	int dir_fd;
	const char *what = load_key(&d, &a, &dir_fd);
	if (what != NULL)
		return fail(what, "cannot be read or created");
	struct rte_ether_addr mac;
	char why[256];
	if ((what = start_port(&d, &mac, why, sizeof(why))) != NULL)
		return fail(what, why);
	pthread_t helper, control;
	struct flush_fault fault = {.at_seq = a.fail_at_seq}; /* lives until the workers stop */
	if (a.journal != NULL) {
		if (journal_start(&d, dir_fd) != 0)
			return fail("journal", "recovery or start failed");
		if (a.fail_at_seq > 0) {
			fault.j = &d.journals[0];
			d.journals[0].fault = fail_flush_at;
			d.journals[0].fault_ctx = &fault;
			fprintf(stderr, "huntd: TEST SEAM: the flush of worker 0's record %lu will fail\n",
				(unsigned long)a.fail_at_seq);
		}
		if (pthread_create(&helper, NULL, segment_helper_main, &d) != 0)
			return fail("segment helper thread", strerror(errno));
		off_worker_cpus(&d, helper, "hunt-helper");
	}
	if (huntd_telemetry_register(&d) != 0)
		fprintf(stderr, "huntd: telemetry commands not registered\n");
	if (pthread_create(&control, NULL, control_main, &d) != 0)
		return fail("control thread", strerror(errno));
	off_worker_cpus(&d, control, "hunt-signal");
	pthread_t ctl;
	struct hunt_ctl_args ca = {.d = &d, .fd = hunt_ctl_listen(a.control), .path = a.control};
	if (ca.fd < 0)
		return fail("control socket", a.control);
	if (pthread_create(&ctl, NULL, hunt_ctl_main, &ca) != 0)
		return fail("control socket thread", strerror(errno));
	off_worker_cpus(&d, ctl, "hunt-ctl");
	for (uint32_t i = 0; i < d.n_workers; i++)
		d.workers[i]->reflect = a.reflect;
	if (a.reflect)
		printf("huntd: --reflect: every datagram goes back as it came (no hunt protocol)\n");
	print_ready(&d, &a, &mac);
	run_workers(&d);
	pthread_join(control, NULL);
	pthread_join(ctl, NULL);
	if (a.journal != NULL)
		pthread_join(helper, NULL);
	finish(&d, &a);
	rte_eal_cleanup();
	return 0;
}
