/*
 * journal-bench: the disk and journal figures docs/benchmarks.md needs.
 *
 *   journal-bench fsync DIR [N] [fallocate|direct] [busy=CPU]
 *                                      N (1000) x (4 KiB pwrite + fdatasync) into a
 *                                      pre-zeroed file (or a fallocate'd one): the
 *                                      disk's raw flush latency; direct: one
 *                                      O_DIRECT|O_DSYNC 4 KiB pwrite each instead;
 *                                      busy=CPU: meanwhile a thread spins on CPU,
 *                                      as a poll-mode worker does (on this VM the
 *                                      host's slow flushes come with a busy vCPU:
 *                                      docs/benchmarks.md, 2026-12-04, later)
 *   journal-bench write DIR N CLUES    a journal of N records as huntd writes them for
 *                                      hunt 1 (JOINs of CLUES players, then waves of
 *                                      WAVE_OPEN, CLUES x WIN, WAVE_CLOSE) through the
 *                                      real writer; reports records/s
 *   journal-bench ack DIR N [direct]    N single-record groups through the real writer,
 *                                      each appended, submitted and polled until
 *                                      durable: the writer's own ack latency
 *   journal-bench scan DIR             the reader over DIR (checksums, sequence):
 *                                      records/s
 * Each prints one JSON object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "hunt/clock.h"
#include "journal.h"
#include "jreader.h"


static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum fsync_mode { FSYNC_ZEROED, FSYNC_FALLOCATE, FSYNC_DIRECT };

enum { FSYNC_SLOW_US = 5000 }; /* a flush this slow is counted apart */

static int spin_stop;

static void *
spin(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&spin_stop, __ATOMIC_RELAXED))
		rte_pause();
	return NULL;
}

/* A thread polling CPU busy_cpu until spin_stop, or none if busy_cpu < 0. */
static int
spin_start(pthread_t *t, int busy_cpu)
{
	if (busy_cpu < 0)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(busy_cpu, &set);
	pthread_attr_t a;
	pthread_attr_init(&a);
	int rc = pthread_attr_setaffinity_np(&a, sizeof(set), &set);
	if (rc == 0)
		rc = pthread_create(t, &a, spin, NULL);
	pthread_attr_destroy(&a);
	if (rc != 0)
		fprintf(stderr, "journal-bench: cannot spin on CPU %d: %s\n", busy_cpu, strerror(rc));
	return rc;
}

static int
bench_fsync(const char *dir, int n, enum fsync_mode mode, int busy_cpu)
{
	int falloc = mode == FSYNC_FALLOCATE;
	char path[4096];
	snprintf(path, sizeof(path), "%s/fsync-bench.tmp", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return perror(path), 1;
	static char zero[1 << 20], buf[4096];
	size_t bytes = (size_t)n * 4096;
	if (falloc && fallocate(fd, 0, 0, (off_t)bytes) != 0)
		return perror("fallocate"), 1;
	for (size_t off = 0; !falloc && off < bytes; off += sizeof(zero))
		if (pwrite(fd, zero, sizeof(zero), (off_t)off) != (ssize_t)sizeof(zero))
			return perror("pwrite"), 1;
	fsync(fd);
	if (mode == FSYNC_DIRECT) {
		close(fd);
		fd = open(path, O_RDWR | O_DIRECT | O_DSYNC);
		if (fd < 0)
			return perror(path), 1;
	}
	static char dbuf[4096] __attribute__((aligned(4096)));
	char *wbuf = mode == FSYNC_DIRECT ? dbuf : buf;
	memset(wbuf, 0x5a, sizeof(buf));
	double *lat = malloc((size_t)n * sizeof(double));
	pthread_t spinner;
	if (lat == NULL || spin_start(&spinner, busy_cpu) != 0)
		return 1;
	int slow = 0;
	double t0 = hunt_clock_mono_s();
	for (int i = 0; i < n; i++) {
		double t = hunt_clock_mono_s();
		if (pwrite(fd, wbuf, sizeof(buf), (off_t)i * 4096) != (ssize_t)sizeof(buf) ||
		    (mode != FSYNC_DIRECT && fdatasync(fd) != 0))
			return perror("write/fdatasync"), 1;
		lat[i] = (hunt_clock_mono_s() - t) * 1e6;
		slow += lat[i] > FSYNC_SLOW_US;
	}
	double secs = hunt_clock_mono_s() - t0;
	if (busy_cpu >= 0) {
		__atomic_store_n(&spin_stop, 1, __ATOMIC_RELAXED);
		pthread_join(spinner, NULL);
	}
	close(fd);
	unlink(path);
	qsort(lat, (size_t)n, sizeof(double), cmp_d);
	printf("{\"fsync_file\":\"%s\",\"fsync_busy_cpu\":%d,\"fsync_n\":%d,\"fsync_s\":%.3f,"
	       "\"fsync_p50_us\":%.1f,\"fsync_p99_us\":%.1f,\"fsync_p999_us\":%.1f,"
	       "\"fsync_max_us\":%.1f,\"fsync_over_5ms\":%d}\n",
	       mode == FSYNC_DIRECT ? "zero-filled,o_direct" : falloc ? "fallocate" : "zero-filled",
	       busy_cpu, n, secs, lat[n / 2], lat[n * 99 / 100], lat[n * 999 / 1000], lat[n - 1], slow);
	free(lat);
	return 0;
}

static uint64_t
append(struct hunt_journal *j, uint8_t type, const void *p, uint16_t len)
{
	while (!hunt_journal_room(j, HUNT_REC_MAX_BYTES)) {
		if (j->error)
			exit(1);
		hunt_journal_make_spare(j); /* huntd's helper thread does this */
		hunt_journal_poll(j, rte_rdtsc());
	}
	return hunt_journal_append(j, type, 1, p, len, rte_rdtsc());
}

static int
bench_write(const char *dir, uint64_t n, uint32_t clues)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct hunt_journal j;
	struct hunt_journal_cfg c = {.dir_fd = dfd, .epoch = 1, .worker = 0, .direct = 1,
				     .segment_bytes = 64u << 20, .group_bytes = 256u << 10};
	if (dfd < 0 || hunt_journal_open(&j, &c) != 0)
		return fprintf(stderr, "journal-bench: cannot open a journal in %s\n", dir), 1;
	double t = hunt_clock_mono_s();
	uint64_t done = 0;
	for (uint32_t p = 1; p <= clues && done < n; p++, done++) {
		struct hunt_rec_join r = {.player_id = (1ull << 32) | p};
		append(&j, HUNT_REC_JOIN, &r, sizeof(r));
	}
	for (uint32_t wave = 1; done < n; wave++) {
		struct hunt_rec_wave o = {.wave_id = wave, .state = 1, .wall_ms = 1};
		append(&j, HUNT_REC_WAVE_OPEN, &o, sizeof(o));
		done++;
		for (uint32_t k = 0; k < clues && done < n; k++, done++) {
			struct hunt_rec_win w = {.wave_id = wave, .clue_idx = k,
						 .player_id = (1ull << 32) | (k + 1), .loot_item = 1,
						 .coins = 10};
			append(&j, HUNT_REC_WIN, &w, sizeof(w));
		}
		struct hunt_rec_wave cl = {.wave_id = wave, .state = 2, .reason = 1, .wall_ms = 1};
		append(&j, HUNT_REC_WAVE_CLOSE, &cl, sizeof(cl));
		done++;
	}
	int rc = hunt_journal_close(&j);
	double secs = hunt_clock_mono_s() - t;
	printf("{\"write_records\":%lu,\"write_s\":%.3f,\"write_records_per_s\":%.0f,\"groups\":%lu}\n",
	       (unsigned long)j.st.records, secs, (double)j.st.records / secs,
	       (unsigned long)j.st.groups);
	return rc != 0;
}

static int
bench_ack(const char *dir, int n, int direct, int iowq_cpu)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct hunt_journal j;
	cpu_set_t iowq;
	CPU_ZERO(&iowq);
	if (iowq_cpu >= 0)
		CPU_SET(iowq_cpu, &iowq);
	struct hunt_journal_cfg c = {.dir_fd = dfd, .epoch = 1, .worker = 0, .direct = direct,
				     .segment_bytes = 64u << 20, .group_bytes = 256u << 10,
				     .iowq_cpus = iowq_cpu >= 0 ? &iowq : NULL};
	if (dfd < 0 || hunt_journal_open(&j, &c) != 0)
		return fprintf(stderr, "journal-bench: cannot open a journal in %s\n", dir), 1;
	double *lat = malloc((size_t)n * sizeof(double));
	for (int i = 0; i < n && j.error == 0; i++) {
		struct hunt_rec_join r = {.player_id = (uint64_t)i + 1};
		double t = hunt_clock_mono_s();
		uint64_t seq = append(&j, HUNT_REC_JOIN, &r, sizeof(r));
		while (j.durable_seq < seq && j.error == 0)
			hunt_journal_poll(&j, rte_rdtsc());
		lat[i] = (hunt_clock_mono_s() - t) * 1e6;
	}
	int rc = hunt_journal_close(&j);
	if (rc != 0)
		return fprintf(stderr, "journal-bench: %s\n", strerror(-rc)), 1;
	qsort(lat, (size_t)n, sizeof(double), cmp_d);
	printf("{\"ack_io\":\"%s\",\"ack_iowq_cpu\":%d,\"ack_n\":%d,\"ack_p50_us\":%.1f,"
	       "\"ack_p99_us\":%.1f,\"ack_max_us\":%.1f}\n",
	       direct ? "direct" : "write+fdatasync", iowq_cpu, n, lat[n / 2], lat[n * 99 / 100],
	       lat[n - 1]);
	free(lat);
	return 0;
}

static int
bench_scan(const char *dir)
{
	static struct hunt_jscan_stats st;
	char err[1024];
	double t = hunt_clock_mono_s();
	int rc = hunt_journal_scan(dir, NULL, NULL, &st, err, sizeof(err));
	double secs = hunt_clock_mono_s() - t;
	if (rc != 0)
		return fprintf(stderr, "journal-bench: %s\n", err), 1;
	printf("{\"scan_records\":%lu,\"scan_segments\":%lu,\"scan_s\":%.3f,\"scan_records_per_s\":%.0f}\n",
	       (unsigned long)st.records, (unsigned long)st.segments, secs, (double)st.records / secs);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "fsync") == 0) {
		enum fsync_mode mode = FSYNC_ZEROED;
		int busy_cpu = -1;
		for (int i = 4; i < argc; i++)
			if (strcmp(argv[i], "fallocate") == 0)
				mode = FSYNC_FALLOCATE;
			else if (strcmp(argv[i], "direct") == 0)
				mode = FSYNC_DIRECT;
			else if (strncmp(argv[i], "busy=", 5) == 0)
				busy_cpu = atoi(argv[i] + 5);
		return bench_fsync(argv[2], argc > 3 ? atoi(argv[3]) : 1000, mode, busy_cpu);
	}
	if (argc == 5 && strcmp(argv[1], "write") == 0)
		return bench_write(argv[2], strtoull(argv[3], NULL, 10), (uint32_t)atoi(argv[4]));
	if (argc >= 4 && strcmp(argv[1], "ack") == 0) {
		int direct = 0, iowq_cpu = -1;
		for (int i = 4; i < argc; i++)
			if (strcmp(argv[i], "direct") == 0)
				direct = 1;
			else if (strncmp(argv[i], "iowq=", 5) == 0)
				iowq_cpu = atoi(argv[i] + 5);
		return bench_ack(argv[2], atoi(argv[3]), direct, iowq_cpu);
	}
	if (argc == 3 && strcmp(argv[1], "scan") == 0)
		return bench_scan(argv[2]);
	fprintf(stderr, "usage: journal-bench fsync DIR [N] [fallocate|direct] [busy=CPU] |\n"
			"       ack DIR N [direct] |\n"
			"       write DIR N CLUES | scan DIR\n");
	return 2;
}
