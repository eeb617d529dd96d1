/*
 * Proves the journal writer and reader on a real file through io_uring:
 * records come back in order with their payloads; a group is one durable
 * write; a full group is backpressure, not a stall; segments roll over with
 * sequence numbers continuous, the group filling moving along with no append
 * refused; a spare segment that cannot be made is retried and fails
 * nothing; a write or flush error (injected through the
 * completion seam) acknowledges nothing of the group and fails the journal;
 * a short write is completed and flushed; both paths write whole blocks
 * (direct_*, buffered_writes_whole_blocks_*) and keep every record when
 * groups share a block; a new segment's zeros bypass the page cache; a torn
 * tail at every 512-byte boundary of the last group is cut; and corruption
 * anywhere else (a record mid-log, a header, a missing segment, a segment
 * with no record before one with records) refuses to
 * read, naming file and offset.
 */
#define _GNU_SOURCE /* cpu_set_t */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "jreader.h"

static char dir[64];
static int dir_fd;
static struct hunt_journal j;
static int direct; /* open_j: O_DIRECT|O_DSYNC writes (each test is its own process) */
static int device;  /* open_j: a device thread writes instead of io_uring */
static struct hunt_jdev dev;
static struct hunt_journal *dev_js[1] = {&j};
static pthread_t dev_th;

#define REC_BYTES 32u /* a JOIN record: 24-byte header + 8-byte payload */

static void
setup(void)
{
	/* /var/tmp: on disk, where O_DIRECT works (a tmpfs /tmp refuses it) */
	snprintf(dir, sizeof(dir), "/var/tmp/hunt-jtest.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dir_fd, 0);
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	close(dir_fd);
}

TestSuite(journal, .init = setup, .fini = teardown);

static void
open_j(uint64_t segment_bytes, uint32_t group_bytes)
{
	struct hunt_journal_cfg c = {.dir_fd = dir_fd, .epoch = 1, .worker = 3,
				     .segment_bytes = segment_bytes, .group_bytes = group_bytes,
				     .direct = direct};
	cr_assert_eq(hunt_journal_open(&j, &c), 0);
	if (device) {
		dev = (struct hunt_jdev){.efd = eventfd(0, 0), .journals = dev_js, .n_journals = 1};
		cr_assert_geq(dev.efd, 0);
		cr_assert_eq(pthread_create(&dev_th, NULL, hunt_jdev_main, &dev), 0);
		j.dev = &dev;
	}
}

static uint64_t
join(uint64_t player)
{
	struct hunt_rec_join r = {.player_id = player};
	cr_assert(hunt_journal_room(&j, REC_BYTES));
	return hunt_journal_append(&j, HUNT_REC_JOIN, 7, &r, sizeof(r), 1);
}

/* Polls until seq is durable or the journal fails (bounded: 10 s). */
static void
wait_durable(uint64_t seq)
{
	for (long i = 0; i < 10000000 && j.durable_seq < seq && j.error == 0; i++) {
		hunt_journal_poll(&j, 2);
		if (i % 1000 == 999)
			usleep(1000);
	}
}

struct collected {
	uint64_t n;
	uint64_t players[4096];
	uint64_t seqs[4096];
};

static int
collect(void *ctx, const struct hunt_rec_hdr *h, const void *payload, const struct hunt_jpos *pos)
{
	struct collected *c = ctx;
	cr_assert(h->type == HUNT_REC_JOIN || h->type == HUNT_REC_WIN);
	cr_assert_eq(h->hunt_id, 7);
	cr_assert_eq(pos->worker, 3);
	if (c->n < 4096) {
		c->players[c->n] = h->type == HUNT_REC_JOIN
					   ? ((const struct hunt_rec_join *)payload)->player_id
					   : ((const struct hunt_rec_win *)payload)->player_id;
		c->seqs[c->n] = h->seq;
	}
	c->n++;
	return 0;
}

static int
scan(struct collected *c, struct hunt_jscan_stats *st, char *err)
{
	memset(c, 0, sizeof(*c));
	return hunt_journal_scan(dir, collect, c, st, err, 512);
}

static struct collected got;
static struct hunt_jscan_stats st;
static char err[512];

/* Scans the journal: it reads back whole, n records, seq 1 .. n in order. */
static void
reads_back_in_order(uint64_t n)
{
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, n);
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(got.seqs[i], i + 1);
}

Test(journal, crc32c_known_value)
{
	cr_assert_eq(hunt_crc32c("123456789", 9), 0xe3069283u);
	cr_assert_eq(hunt_crc32c("", 0), 0);
}

Test(journal, records_round_trip_in_one_group)
{
	open_j(1 << 20, 64 << 10);
	for (uint64_t p = 1; p <= 100; p++)
		cr_assert_eq(join(1000 + p), p);
	cr_assert_eq(j.durable_seq, 0, "nothing durable before it is flushed");
	wait_durable(100);
	cr_assert_eq(j.durable_seq, 100);
	cr_assert_eq(j.st.groups, 1, "100 records, one group commit");
	cr_assert_eq(j.st.group_records_max, 100);
	cr_assert_eq(hunt_journal_close(&j), 0);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, 100);
	for (uint64_t i = 0; i < 100; i++) {
		cr_assert_eq(got.players[i], 1001 + i);
		cr_assert_eq(got.seqs[i], i + 1);
	}
	cr_assert_eq(st.n_streams, 1);
	cr_assert_eq(st.streams[0].epoch, 1);
	cr_assert_eq(st.streams[0].worker, 3);
	cr_assert_eq(st.by_type[HUNT_REC_JOIN], 100);
	cr_assert_eq(st.torn_tails, 0);
	cr_assert_eq(st.segments, 2, "segment 0 and the spare");
}

/* Many small groups: with O_DIRECT each rewrites the block the last one
 * ended in (its carried bytes), so every earlier record must survive. */
static void
small_groups_keep_every_record(void)
{
	open_j(4 * 4096, 1024); /* rolls over too */
	uint64_t s = 0;
	for (int i = 0; i < 900; i++) {
		if (!hunt_journal_room(&j, REC_BYTES) && hunt_journal_make_spare(&j) >= 0)
			wait_durable(s);
		cr_assert(hunt_journal_room(&j, REC_BYTES));
		s = join(2000 + (uint64_t)i);
		if (i % 7 != 0) /* groups of 1-7 records, ending anywhere in a block */
			continue;
		wait_durable(s);
		cr_assert_eq(j.durable_seq, s);
	}
	wait_durable(s);
	cr_assert_geq(j.st.groups, 100);
	cr_assert_geq(j.st.rollovers, 2);
	cr_assert_eq(hunt_journal_close(&j), 0);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, 900);
	for (uint64_t i = 0; i < 900; i++) {
		cr_assert_eq(got.players[i], 2000 + i, "record %lu", (unsigned long)i);
		cr_assert_eq(got.seqs[i], i + 1);
	}
	cr_assert_eq(st.torn_tails, 0);
}

Test(journal, small_groups_keep_every_record)
{
	small_groups_keep_every_record();
}

Test(journal, direct_small_groups_keep_every_record)
{
	direct = 1;
	small_groups_keep_every_record();
}

Test(journal, device_thread_small_groups_keep_every_record)
{
	device = 1;
	small_groups_keep_every_record();
	cr_assert_eq(j.slot.posted, j.st.groups, "every group went through the device thread");
}

Test(journal, device_thread_direct_small_groups_keep_every_record)
{
	device = direct = 1;
	small_groups_keep_every_record();
}

/* Appends JOINs, each group made durable, until the journal refuses one;
 * returns the last seq appended. */
static uint64_t
join_until_refused(uint64_t seq)
{
	for (int i = 0; i < 100000; i++) {
		if (!hunt_journal_room(&j, REC_BYTES)) {
			wait_durable(seq);
			if (!hunt_journal_room(&j, REC_BYTES))
				return seq;
		}
		seq = join(seq + 1);
	}
	cr_assert_fail("the journal never refused an append");
	return seq;
}

static int
segment_exists(uint32_t segment)
{
	char name[64];
	hunt_journal_seg_name(name, sizeof(name), 1, 3, segment);
	return faccessat(dir_fd, name, F_OK, 0) == 0;
}

/* Groups of 50 records, the next filling while one is in flight: where a
 * segment ends the filling group (with the bytes it carried from the last
 * block) moves to the next segment, so no append is ever refused, and
 * every record reads back in order. */
static void
filling_group_moves_to_the_next_segment(void)
{
	open_j(4 * 4096, 4096); /* 384 records per segment */
	uint64_t seq = 0, submitted = 0;
	for (int i = 0; i < 2000; i++) {
		if (j.spare_fd < 0) /* the helper thread's job */
			cr_assert_eq(hunt_journal_make_spare(&j), 1);
		cr_assert(hunt_journal_room(&j, REC_BYTES), "record %d refused", i + 1);
		seq = join(seq + 1);
		if (i % 50 == 49) {
			/* The group in flight made durable; the poll that sees it
			 * submits these 50, and the next 50 fill meanwhile. */
			wait_durable(submitted);
			cr_assert_eq(j.durable_seq, submitted);
			submitted = seq;
			hunt_journal_poll(&j, 2);
		}
	}
	wait_durable(seq);
	cr_assert_eq(j.durable_seq, 2000);
	cr_assert_eq(j.st.full, 0);
	cr_assert_geq(j.st.rollovers, 5);
	cr_assert_eq(hunt_journal_close(&j), 0);
	reads_back_in_order(2000);
	cr_assert_eq(st.torn_tails, 0);
}

Test(journal, filling_group_moves_to_the_next_segment)
{
	filling_group_moves_to_the_next_segment();
}

Test(journal, direct_filling_group_moves_to_the_next_segment)
{
	direct = 1;
	filling_group_moves_to_the_next_segment();
}

/* A spare segment that cannot be made (the file-size limit refuses its
 * zeros here, as a full disk refuses them with ENOSPC) fails nothing: the
 * current segment fills, then appends are refused (RETRY_LATER above),
 * the helper tries again no sooner than spare_retry_ns, and once a spare
 * can be made the journal goes on by itself, seq unbroken. */
Test(journal, spare_that_cannot_be_made_is_retried_not_fatal)
{
	open_j(4 * 4096, 1024); /* segment 0 and its spare, segment 1 */
	j.cfg.spare_retry_ns = 3600ull * 1000000000ull;
	uint64_t seq = 0;
	while (j.segment == 0) { /* into segment 1: its spare is not made yet */
		if (!hunt_journal_room(&j, REC_BYTES))
			wait_durable(seq);
		seq = join(seq + 1);
	}
	cr_assert_lt(j.spare_fd, 0);

	signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead */
	struct rlimit lim;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
	struct rlimit small = {.rlim_cur = 4096, .rlim_max = lim.rlim_max};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	cr_assert_eq(hunt_journal_make_spare(&j), -EFBIG);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(j.spare_error, -EFBIG);
	cr_assert_eq(j.st.spare_failures, 1);
	cr_assert_not(segment_exists(2), "a failed spare leaves no file behind");
	cr_assert_eq(hunt_journal_make_spare(&j), 0, "not tried again before spare_retry_ns");
	cr_assert_eq(j.st.spare_failures, 1);

	seq = join_until_refused(seq);
	cr_assert_eq(j.segment, 1, "segment 1 full, no spare");
	cr_assert_eq(j.error, 0, "a missing spare fails nothing");
	cr_assert_eq(j.durable_seq, seq);
	uint64_t waits = j.st.spare_waits;
	cr_assert_geq(waits, 1);
	cr_assert_not(hunt_journal_room(&j, REC_BYTES));
	cr_assert_eq(j.st.spare_waits, waits + 1, "each refusal is counted");

	j.cfg.spare_retry_ns = 0;
	cr_assert_eq(hunt_journal_make_spare(&j), 1);
	cr_assert_eq(j.spare_error, 0);
	cr_assert(hunt_journal_room(&j, REC_BYTES));
	uint64_t last = join(seq + 1);
	cr_assert_eq(last, seq + 1);
	wait_durable(last);
	cr_assert_eq(j.durable_seq, last);
	cr_assert_eq(j.segment, 2);
	cr_assert_eq(hunt_journal_close(&j), 0);
	reads_back_in_order(last);
}

Test(journal, full_group_is_backpressure)
{
	open_j(1 << 20, 4096);
	uint32_t n = 0;
	while (hunt_journal_room(&j, REC_BYTES)) {
		struct hunt_rec_join r = {.player_id = ++n};
		hunt_journal_append(&j, HUNT_REC_JOIN, 7, &r, sizeof(r), 1);
	}
	cr_assert_eq(n, 4096 / REC_BYTES);
	cr_assert_geq(j.st.full, 1);
	hunt_journal_poll(&j, 2); /* submits the full group */
	cr_assert(hunt_journal_room(&j, REC_BYTES), "the other buffer fills while one flushes");
	wait_durable(n);
	cr_assert_eq(j.durable_seq, n);
	cr_assert_eq(hunt_journal_close(&j), 0);
}

static uint32_t writes_seen, writes_partial;

static int
check_whole_blocks(void *ctx, enum hunt_jop op, int res)
{
	const struct hunt_journal *jj = ctx;
	if (op == HUNT_JOP_WRITE && jj->inflight_done == 0) {
		writes_seen++;
		if (jj->inflight_off % HUNT_JOURNAL_BLOCK != 0 || jj->inflight_len % HUNT_JOURNAL_BLOCK != 0)
			writes_partial++;
	}
	return res;
}

/* Pages of the segment file `segment` in the page cache, of its first n. */
static uint32_t
pages_cached(uint32_t segment, uint32_t n)
{
	char name[64];
	hunt_journal_seg_name(name, sizeof(name), 1, 3, segment);
	int fd = openat(dir_fd, name, O_RDONLY);
	cr_assert_geq(fd, 0, "%s", name);
	void *p = mmap(NULL, (size_t)n * 4096, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	unsigned char vec[256];
	cr_assert_leq(n, sizeof(vec));
	cr_assert_eq(mincore(p, (size_t)n * 4096, vec), 0);
	uint32_t cached = 0;
	for (uint32_t i = 0; i < n; i++)
		cached += vec[i] & 1u;
	munmap(p, (size_t)n * 4096);
	close(fd);
	return cached;
}

/* The buffered path writes whole blocks from a block boundary, as the
 * direct one must: a partial page written through the page cache is read
 * from the disk first when it is not cached, and a new segment's zeros go
 * around the page cache (O_DIRECT), so none of it is. The records still
 * read back whole, groups sharing blocks. */
Test(journal, buffered_writes_whole_blocks_into_uncached_zeros)
{
	struct statfs sfs;
	cr_assert_eq(fstatfs(dir_fd, &sfs), 0);
	if (sfs.f_type == TMPFS_MAGIC)
		cr_skip_test("%s is a tmpfs: no O_DIRECT, zeros go through the page cache", dir);
	open_j(1 << 20, 64 << 10);
	uint32_t spare_cached = pages_cached(1, 256);
	cr_assert_leq(spare_cached, 1, "the spare's zeros bypassed the page cache (%u of 256 pages cached)", spare_cached);
	cr_assert_leq(pages_cached(0, 256), 1, "at most the header page is cached");
	j.fault = check_whole_blocks;
	j.fault_ctx = &j;
	uint64_t player = 0, seq = 0;
	for (uint32_t n = 1; n <= 300; n += 37) { /* groups of 1 .. 297 records */
		for (uint32_t i = 0; i < n; i++)
			seq = join(++player);
		wait_durable(seq);
		cr_assert_eq(j.durable_seq, seq);
	}
	cr_assert_eq(writes_partial, 0, "%u of %u writes not whole blocks", writes_partial, writes_seen);
	cr_assert_geq(writes_seen, 9);
	cr_assert_eq(hunt_journal_close(&j), 0);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, player);
	for (uint64_t i = 0; i < player; i++)
		cr_assert_eq(got.players[i], i + 1);
}

/* A group still in flight when the journal closes is waited for there, with
 * no clock: it counts as durable, and the flush times stay those of the
 * groups timed by polls (before the fix, 0 minus its submit time, a flush
 * "max" of 2^64 - 2 cycles in the final counters). */
Test(journal, close_leaves_flush_times_sane)
{
	open_j(1 << 20, 4096);
	uint64_t s1 = join(1);
	wait_durable(s1); /* timed: submitted at 2, reaped at 2 */
	join(2);
	hunt_journal_poll(&j, 2); /* submits the second group */
	cr_assert_eq(j.inflight, 1);
	cr_assert_eq(hunt_journal_close(&j), 0);
	cr_assert_eq(j.st.groups, 2);
	cr_assert_eq(j.durable_seq, s1 + 1);
	cr_assert_leq(j.st.flush_cycles_max, 2, "flush max %lu", (unsigned long)j.st.flush_cycles_max);
	cr_assert_leq(j.st.flush_cycles, 2);
}

/* hunt_journal_wait (the idle worker's sleep, [journal] idle_wait_us)
 * returns once the group in flight has a completion to reap, long before
 * its timeout, and at once when nothing is in flight. */
Test(journal, wait_returns_on_completion)
{
	open_j(1 << 20, 4096);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(hunt_journal_wait(&j, 1000000), 0, "nothing in flight: no wait");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, 100.0);
	uint64_t s = join(1);
	hunt_journal_poll(&j, 2); /* submits */
	cr_assert_eq(j.inflight, 1);
	for (int i = 0; i < 4 && j.durable_seq < s; i++) { /* a write, then its flush */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_assert_eq(hunt_journal_wait(&j, 1000000), 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		cr_assert_lt(ms, 500.0, "waited %.1f ms for a completion of a 32-byte group", ms);
		cr_assert_gt(io_uring_cq_ready(&j.ring), 0, "returned without a completion");
		hunt_journal_poll(&j, 3);
	}
	cr_assert_eq(j.durable_seq, s);
	cr_assert_eq(hunt_journal_close(&j), 0);
}

Test(journal, group_delay_holds_a_small_group)
{
	struct hunt_journal_cfg c = {.dir_fd = dir_fd, .epoch = 1, .worker = 3,
				     .segment_bytes = 1 << 20, .group_bytes = 4096,
				     .group_delay_tsc = 1000};
	cr_assert_eq(hunt_journal_open(&j, &c), 0);
	struct hunt_rec_join r = {.player_id = 1};
	hunt_journal_append(&j, HUNT_REC_JOIN, 7, &r, sizeof(r), 100);
	hunt_journal_poll(&j, 500);
	cr_assert_eq(j.inflight, 0, "young group waits");
	hunt_journal_poll(&j, 1100);
	cr_assert_eq(j.inflight, 1, "old enough: submitted");
	cr_assert_eq(hunt_journal_close(&j), 0);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, 1);
}

/* io-wq threads, which run the buffered write and fdatasync, stay on the
 * CPUs the configuration names (huntd: the CPUs no worker polls). */
Test(journal, flush_threads_stay_on_the_given_cpus)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	struct hunt_journal_cfg c = {.dir_fd = dir_fd, .epoch = 1, .worker = 3,
				     .segment_bytes = 1 << 20, .group_bytes = 4096, .iowq_cpus = &one};
	cr_assert_eq(hunt_journal_open(&j, &c), 0);
	int seen = 0;
	for (uint64_t p = 1; p <= 64 && !seen; p++) {
		wait_durable(join(p)); /* each group: a write and a flush, on io-wq */
		DIR *tasks = opendir("/proc/self/task");
		cr_assert_not_null(tasks);
		struct dirent *e;
		while ((e = readdir(tasks)) != NULL) {
			char path[300], line[256] = "";
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
			FILE *f = fopen(path, "r");
			if (f == NULL)
				continue; /* ".", "..", or the thread exited meanwhile */
			int iowq = fgets(line, sizeof(line), f) != NULL && strncmp(line, "iou-wrk", 7) == 0;
			fclose(f);
			snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
			if (!iowq || (f = fopen(path, "r")) == NULL)
				continue;
			while (fgets(line, sizeof(line), f) != NULL)
				if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
					cr_assert_str_eq(line + 18 + strspn(line + 18, " \t"), "0\n",
							 "an io-wq thread may run on %s", line + 18);
					seen = 1;
				}
			fclose(f);
		}
		closedir(tasks);
	}
	cr_assert(seen, "no io-wq thread seen while flushing");
	cr_assert_eq(hunt_journal_close(&j), 0);
}

/* 320 JOINs in groups of 32, 64 per segment: segments 0-4 full. */
static void
ten_rounds(void)
{
	open_j(4096 + 2048, 1024); /* 64 records per segment */
	uint64_t seq = 0;
	for (int round = 0; round < 10; round++) {
		for (int k = 0; k < 32; k++) {
			if (!hunt_journal_room(&j, REC_BYTES)) {
				wait_durable(seq);
				if (!hunt_journal_room(&j, REC_BYTES)) {
					/* no spare yet: the helper thread's job */
					cr_assert_geq(j.st.spare_waits, 1);
					cr_assert_eq(hunt_journal_make_spare(&j), 1);
				}
			}
			seq = join(seq + 1);
		}
		wait_durable(seq);
	}
	cr_assert_eq(j.durable_seq, 320);
	cr_assert_geq(j.st.rollovers, 4);
	cr_assert_geq(j.sealed, 4, "segments 0-3 sealed: complete, durable, closed");
	cr_assert_eq(hunt_journal_close(&j), 0);
}

Test(journal, segments_roll_over_with_continuous_seq)
{
	ten_rounds();
	reads_back_in_order(320);
	cr_assert_geq(st.segments, 5);
}

static int
scan_after(const struct hunt_jcover *cv)
{
	memset(&got, 0, sizeof(got));
	return hunt_journal_scan_after(dir, cv, collect, &got, &st, err, sizeof(err));
}

Test(journal, scan_after_reads_only_what_the_cover_does_not_hold)
{
	ten_rounds();
	struct hunt_jcover cv = {.epoch = 1, .n_workers = 4, .segments = {[3] = 2},
				 .next_seq = {1, 1, 1, 129}};
	cr_assert_eq(scan_after(&cv), 0, "%s", err);
	cr_assert_eq(got.n, 320 - 128);
	cr_assert_eq(got.seqs[0], 129);
	cr_assert_geq(st.segments, 3, "segments 2, 3, 4 (and spares)");
	cr_assert_eq(st.streams[0].first_seq, 129);
	cv.epoch = 2; /* a checkpoint of a later start covers it all */
	cr_assert_eq(scan_after(&cv), 0, "%s", err);
	cr_assert_eq(got.n, 0);
	cr_assert_eq(st.max_epoch, 1);
}

Test(journal, scan_after_checks_the_seq_goes_on_from_the_cover)
{
	ten_rounds();
	struct hunt_jcover cv = {.epoch = 1, .n_workers = 4, .segments = {[3] = 2},
				 .next_seq = {1, 1, 1, 130}};
	cr_assert_eq(scan_after(&cv), -EBADMSG);
	cr_assert(strstr(err, "sequence gap"), "%s", err);
}

Test(journal, scan_after_refuses_a_stream_missing_where_the_cover_ends)
{
	ten_rounds();
	char a[128];
	snprintf(a, sizeof(a), "%s/seg-00000001-03-000001.hj", dir);
	cr_assert_eq(unlink(a), 0);
	struct hunt_jcover cv = {.epoch = 1, .n_workers = 4, .segments = {[3] = 1},
				 .next_seq = {1, 1, 1, 65}};
	cr_assert_eq(scan_after(&cv), -EBADMSG);
	cr_assert(strstr(err, "segment 1 of its stream is missing"), "%s", err);
	snprintf(a, sizeof(a), "%s/seg-00000001-03-000000.hj", dir);
	cr_assert_eq(unlink(a), 0);
	struct hunt_jcover none = {0};
	cr_assert_eq(scan_after(&none), -EBADMSG, "an uncovered stream starts at segment 0");
	cr_assert(strstr(err, "segment 0 of its stream is missing"), "%s", err);
}

Test(journal, scan_segment_reads_one_sealed_segment_strictly)
{
	ten_rounds();
	memset(&got, 0, sizeof(got));
	struct hunt_jbuf jb = {0}; /* one buffer for every scan below */
	uint64_t next = 65;
	cr_assert_eq(hunt_journal_scan_segment(dir, 1, 3, 1, &next, collect, &got, &jb, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(got.n, 64);
	cr_assert_eq(next, 129);
	next = 66;
	cr_assert_eq(hunt_journal_scan_segment(dir, 1, 3, 1, &next, NULL, NULL, &jb, err, sizeof(err)),
		     -EBADMSG, "its first record must carry the seq expected");
	/* Damage the last record of segment 4: the full scan may cut it as a
	 * torn tail, a sealed segment may not have one. */
	char path[128];
	snprintf(path, sizeof(path), "%s/seg-00000001-03-000004.hj", dir);
	int fd = open(path, O_RDWR);
	uint8_t x;
	cr_assert_eq(pread(fd, &x, 1, 4096 + 2048 - 16), 1);
	x ^= 0xff;
	cr_assert_eq(pwrite(fd, &x, 1, 4096 + 2048 - 16), 1);
	close(fd);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(st.torn_tails, 1);
	next = 257;
	cr_assert_eq(hunt_journal_scan_segment(dir, 1, 3, 4, &next, NULL, NULL, &jb, err, sizeof(err)),
		     -EBADMSG);
	cr_assert(strstr(err, "seg-00000001-03-000004.hj offset"), "%s", err);
	free(jb.p);
}

struct fault {
	enum hunt_jop op;
	int res;       /* injected result */
	int shorten;   /* instead: halve a write's result, once */
	int fired;
};

static int
inject(void *ctx, enum hunt_jop op, int res)
{
	struct fault *f = ctx;
	if (op != f->op || f->fired)
		return res;
	f->fired = 1;
	return f->shorten ? res / 2 : f->res;
}

static void
error_acknowledges_nothing(enum hunt_jop op)
{
	open_j(1 << 20, 64 << 10);
	uint64_t a = join(1);
	wait_durable(a);
	struct fault f = {.op = op, .res = -EIO};
	j.fault = inject;
	j.fault_ctx = &f;
	uint64_t b = 0;
	for (int i = 0; i < 10; i++)
		b = join(100 + i);
	wait_durable(b);
	cr_assert(f.fired);
	cr_assert_eq(j.error, -EIO);
	cr_assert_eq(j.durable_seq, a, "nothing of the failed group is durable");
	cr_assert_eq(j.st.errors, 1);
	cr_assert_not(hunt_journal_room(&j, REC_BYTES), "a failed journal takes nothing more");
	for (int i = 0; i < 100; i++)
		hunt_journal_poll(&j, 3);
	cr_assert_eq(j.durable_seq, a, "and never acknowledges it later");
	cr_assert_eq(hunt_journal_close(&j), -EIO);
}

Test(journal, write_error_acknowledges_nothing)
{
	error_acknowledges_nothing(HUNT_JOP_WRITE);
}

Test(journal, flush_error_acknowledges_nothing)
{
	error_acknowledges_nothing(HUNT_JOP_FSYNC);
}

Test(journal, device_thread_flush_error_acknowledges_nothing)
{
	device = 1;
	error_acknowledges_nothing(HUNT_JOP_FSYNC);
}

Test(journal, direct_write_error_acknowledges_nothing)
{
	direct = 1; /* the O_DSYNC write is the flush */
	error_acknowledges_nothing(HUNT_JOP_WRITE);
}

static void
short_write_is_completed(void)
{
	open_j(1 << 20, 64 << 10);
	struct fault f = {.op = HUNT_JOP_WRITE, .shorten = 1};
	j.fault = inject;
	j.fault_ctx = &f;
	uint64_t s = 0;
	for (int i = 0; i < 50; i++)
		s = join(500 + i);
	wait_durable(s);
	cr_assert(f.fired);
	cr_assert_eq(j.error, 0);
	cr_assert_eq(j.durable_seq, 50);
	cr_assert_eq(j.st.short_writes, 1);
	cr_assert_eq(hunt_journal_close(&j), 0);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, 50);
	cr_assert_eq(got.players[49], 549);
}

Test(journal, short_write_is_completed)
{
	short_write_is_completed();
}

Test(journal, direct_short_write_is_completed)
{
	direct = 1; /* 50 records: one 4 KiB block, written 2 KiB then 2 KiB */
	short_write_is_completed();
}

#define WIN_BYTES 48u /* 24 + 24: 512-byte cuts fall inside records */

/* Writes group 1 (40 JOIN records) and group 2 (100 WIN records, the last
 * group); returns group 2's offset in segment 0. */
static size_t
two_groups(void)
{
	open_j(1 << 20, 64 << 10);
	uint64_t s = 0;
	for (int i = 0; i < 40; i++)
		s = join(1 + i);
	wait_durable(s);
	for (int i = 0; i < 100; i++) {
		struct hunt_rec_win w = {.wave_id = 1, .clue_idx = (uint32_t)i, .player_id = 41u + i};
		cr_assert(hunt_journal_room(&j, WIN_BYTES));
		s = hunt_journal_append(&j, HUNT_REC_WIN, 7, &w, sizeof(w), 1);
	}
	wait_durable(s);
	cr_assert_eq(j.st.groups, 2);
	cr_assert_eq(hunt_journal_close(&j), 0);
	return HUNT_SEG_HEADER_BYTES + 40 * REC_BYTES;
}

/* Reads (write 0) or overwrites (write 1) bytes of segment 0 of worker 3's
 * stream in `epoch`. */
static void
seg_io(uint64_t epoch, size_t off, void *bytes, size_t n, int write)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/seg-%08lx-03-000000.hj", dir, (unsigned long)epoch);
	int fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	ssize_t done = write ? pwrite(fd, bytes, n, (off_t)off) : pread(fd, bytes, n, (off_t)off);
	cr_assert_eq(done, (ssize_t)n);
	close(fd);
}

static void
seg_patch(uint64_t epoch, size_t off, const void *bytes, size_t n)
{
	seg_io(epoch, off, (void *)bytes, n, 1);
}

static void
seg_read(uint64_t epoch, size_t off, void *bytes, size_t n)
{
	seg_io(epoch, off, bytes, n, 0);
}

static void
seg0_patch(size_t off, const void *bytes, size_t n)
{
	seg_patch(1, off, bytes, n);
}

Test(journal, torn_tail_at_every_512_byte_boundary_of_last_group)
{
	size_t g2 = two_groups();
	size_t g2_end = g2 + 100 * WIN_BYTES;
	static uint8_t saved[100 * WIN_BYTES], zeros[100 * WIN_BYTES];
	seg_read(1, g2, saved, sizeof(saved));
	unsigned cuts = 0, torn = 0;
	for (size_t cut = (g2 + 511) & ~(size_t)511; cut <= g2_end; cut += 512) {
		/* Sectors from `cut` on never reached the disk. */
		seg0_patch(g2, saved, sizeof(saved));
		seg0_patch(cut, zeros, g2_end - cut);
		cr_assert_eq(scan(&got, &st, err), 0, "cut at %zu: %s", cut, err);
		uint64_t whole = 40 + (cut - g2) / WIN_BYTES;
		cr_assert_eq(got.n, whole, "cut at %zu: %lu records", cut, (unsigned long)got.n);
		cr_assert_eq(st.torn_tails, (cut - g2) % WIN_BYTES != 0, "cut at %zu", cut);
		torn += st.torn_tails;
		cuts++;
	}
	cr_assert_geq(cuts, 9);
	cr_assert_geq(torn, 6, "most cuts fall inside a record");
	/* A missing sector in the middle of the last group, later ones written. */
	seg0_patch(g2, saved, sizeof(saved));
	seg0_patch(g2 + 1024, zeros, 512);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, 40 + 1024 / WIN_BYTES);
	cr_assert_eq(st.torn_tails, 1);
	cr_assert_eq(st.streams[0].torn_offset, g2 + 1024 / WIN_BYTES * WIN_BYTES);
}

Test(journal, corruption_mid_log_refuses_with_file_and_offset)
{
	size_t g2 = two_groups();
	(void)g2;
	size_t victim = HUNT_SEG_HEADER_BYTES + 10 * REC_BYTES + 30; /* in group 1 */
	uint8_t x = 0x5a;
	seg0_patch(victim, &x, 1);
	cr_assert_eq(scan(&got, &st, err), -EBADMSG);
	char want[64];
	snprintf(want, sizeof(want), "offset %u: record checksum wrong",
		 HUNT_SEG_HEADER_BYTES + 10 * REC_BYTES);
	cr_assert(strstr(err, want) && strstr(err, "seg-00000001-03-000000.hj"), "%s", err);
	cr_assert_eq(got.n, 10, "records before the damage were read");
}

Test(journal, damaged_last_record_of_a_group_before_the_last_is_corruption)
{
	size_t g2 = two_groups();
	uint8_t x = 0x33;
	seg0_patch(g2 - 8, &x, 1); /* group 1's last record; group 2 follows intact */
	cr_assert_eq(scan(&got, &st, err), -EBADMSG);
	cr_assert_eq(got.n, 39);
}

Test(journal, damage_far_past_the_last_group_is_corruption)
{
	two_groups();
	uint8_t x = 1;
	seg0_patch(HUNT_SEG_HEADER_BYTES + 40 * REC_BYTES + 100 * WIN_BYTES + 100 * 1024, &x, 1);
	cr_assert_eq(scan(&got, &st, err), -EBADMSG, "stray byte beyond any group is not a torn tail");
}

Test(journal, header_damage_refuses)
{
	two_groups();
	uint8_t x = 0xff;
	seg0_patch(20, &x, 1);
	cr_assert_eq(scan(&got, &st, err), -EBADMSG);
	cr_assert(strstr(err, "offset 0: segment header checksum wrong"), "%s", err);
}

Test(journal, missing_segment_refuses)
{
	two_groups();
	char a[128], b[128];
	snprintf(a, sizeof(a), "%s/seg-00000001-03-000001.hj", dir);
	snprintf(b, sizeof(b), "%s/seg-00000001-03-000005.hj", dir);
	cr_assert_eq(rename(a, b), 0);
	cr_assert_eq(scan(&got, &st, err), -EBADMSG);
	cr_assert(strstr(err, "segment 1 missing"), "%s", err);
}

/* Segment 0 full with two groups of 32 JOINs (seq 1-64), segment 1 holding
 * seq 65, closed. */
static void
two_segments(void)
{
	open_j(4096 + 2048, 1024);
	uint64_t s = 0;
	for (int g = 0; g < 2; g++) {
		for (int i = 0; i < 32; i++)
			s = join(s + 1);
		wait_durable(s);
	}
	cr_assert(hunt_journal_room(&j, REC_BYTES)); /* segment full: rolls over to the spare */
	s = join(65);
	wait_durable(s);
	cr_assert_eq(hunt_journal_close(&j), 0);
}

Test(journal, torn_tail_in_a_segment_followed_by_records_is_corruption)
{
	two_segments();
	uint8_t x = 0x77;
	seg0_patch(4096 + 2048 - 16, &x, 1); /* inside segment 0's last record */
	cr_assert_eq(scan(&got, &st, err), -EBADMSG, "segment 1 holds later records");
	cr_assert(strstr(err, "seg-00000001-03-000000.hj offset 6112"), "%s", err);
}

/* Segment 0 zeroed whole (a disk returning zeros for its blocks), segment 1
 * intact: read as is, the stream would begin at segment 1's first seq with
 * segment 0's records silently gone (tests/fuzz/fuzz_journal.c found it). */
Test(journal, a_segment_with_no_record_before_one_with_records_is_corruption)
{
	two_segments();
	static const uint8_t zeros[2048];
	seg0_patch(4096, zeros, sizeof(zeros));
	cr_assert_eq(scan(&got, &st, err), -EBADMSG);
	cr_assert(strstr(err, "seg-00000001-03-000000.hj offset 4096: no record here, but a later "
			      "segment of its stream holds some"), "%s", err);
	cr_assert_eq(got.n, 0);
}

/* ---- recycled segments ---- */

/* Epoch 1 writes 600 JOINs (players 1..600, seq 1..600) in groups of 10;
 * then its segments are retired as retention does (renamed free-*.hj) and
 * epoch 2 starts on the same directory: its segment 0 is the recycled file,
 * and it writes `n2` JOINs (players 10001.., seq 1..n2) in groups of 10 but
 * the last 50, one group (1,600 bytes: it spans 512-byte boundaries), so
 * epoch 1's records lie past epoch 2's, one of them at exactly the offset
 * and with exactly the seq (n2 + 1) that would continue the stream.
 * Returns the offset of epoch 2's last group. */
static size_t
recycled_stream(uint32_t n2)
{
	struct hunt_journal_cfg c = {.dir_fd = dir_fd, .epoch = 1, .worker = 3,
				     .segment_bytes = 1 << 20, .group_bytes = 4096};
	for (uint32_t epoch = 1; epoch <= 2; epoch++) {
		c.epoch = epoch;
		cr_assert_eq(hunt_journal_open(&j, &c), 0);
		uint32_t n = epoch == 1 ? 600 : n2;
		uint64_t s = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct hunt_rec_join r = {.player_id = (epoch == 1 ? 1 : 10001) + i};
			cr_assert(hunt_journal_room(&j, REC_BYTES));
			s = hunt_journal_append(&j, HUNT_REC_JOIN, 7, &r, sizeof(r), 1);
			if ((i % 10 == 9 && (epoch == 1 || i + 50 < n)) || i == n - 1)
				wait_durable(s);
		}
		cr_assert_eq(j.durable_seq, s);
		cr_assert_eq(hunt_journal_close(&j), 0);
		if (epoch == 2)
			break;
		for (uint32_t seg = 0; seg < 2; seg++) { /* the segment and its spare */
			char from[64], to[80];
			hunt_journal_seg_name(from, sizeof(from), 1, 3, seg);
			snprintf(to, sizeof(to), "free-%s", from);
			cr_assert_eq(renameat(dir_fd, from, dir_fd, to), 0);
		}
	}
	struct hunt_seg_header h;
	seg_read(2, 0, &h, sizeof(h));
	cr_assert(h.flags & HUNT_SEG_F_RECYCLED, "epoch 2's segment 0 is a recycled file");
	return HUNT_SEG_HEADER_BYTES + (size_t)(n2 - 50) * REC_BYTES;
}

static void
seg2_patch(size_t off, const void *bytes, size_t n)
{
	seg_patch(2, off, bytes, n);
}

/* A recycled segment gives back exactly its own records: the earlier
 * life's records past them, one of which carries the next seq at the next
 * offset, fail its salt and end the stream there. */
Test(journal, recycled_segment_reads_only_its_own_records)
{
	recycled_stream(250);
	cr_assert_eq(scan(&got, &st, err), 0, "%s", err);
	cr_assert_eq(got.n, 250, "%lu records", (unsigned long)got.n);
	for (uint32_t i = 0; i < 250; i++) {
		cr_assert_eq(got.seqs[i], i + 1);
		cr_assert_eq(got.players[i], 10001 + i);
	}
	cr_assert_eq(st.n_streams, 1, "epoch 1's files were all retired");
}

/* In a recycled segment, a torn last group is cut at every 512-byte
 * boundary (the earlier life's bytes lie past the tear, not zeros), and a
 * damaged record with a good group after it still refuses, naming the
 * offset. */
Test(journal, recycled_torn_tail_cut_and_corruption_refused)
{
	size_t last = recycled_stream(250); /* last group: records 201..250 */
	size_t end = HUNT_SEG_HEADER_BYTES + 250 * REC_BYTES;
	static uint8_t saved[50 * REC_BYTES], stale[50 * REC_BYTES];
	seg_read(2, last, saved, sizeof(saved));
	memset(stale, 0x5a, sizeof(stale));
	unsigned cuts = 0;
	for (size_t cut = (last + 511) & ~(size_t)511; cut < end; cut += 512) {
		/* Sectors from `cut` on still hold what was there before. */
		seg2_patch(last, saved, sizeof(saved));
		seg2_patch(cut, stale, end - cut);
		cr_assert_eq(scan(&got, &st, err), 0, "cut at %zu: %s", cut, err);
		uint64_t whole = 200 + (cut - last) / REC_BYTES;
		cr_assert_eq(got.n, whole, "cut at %zu: %lu records", cut, (unsigned long)got.n);
		cuts++;
	}
	cr_assert_geq(cuts, 3);
	seg2_patch(last, saved, sizeof(saved));
	uint8_t x = 0xff;
	size_t victim = HUNT_SEG_HEADER_BYTES + 100 * REC_BYTES + 12; /* record 101's seq */
	seg2_patch(victim, &x, 1);
	cr_assert_eq(scan(&got, &st, err), -EBADMSG);
	char want[160];
	snprintf(want, sizeof(want), "seg-00000002-03-000000.hj offset %zu: record checksum wrong",
		 victim - 12);
	cr_assert_not_null(strstr(err, want), "error: %s", err);
}
