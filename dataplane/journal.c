/*
 * Journal writer (see journal.h). Why these choices, measured on this
 * machine's disk (docs/benchmarks.md):
 *  - write + fdatasync linked in one io_uring submission (default): one
 *    syscall per group;
 *  - or (direct_io) one O_DIRECT|O_DSYNC write per group, no page-cache
 *    copy and no writeback: raw 4 KiB latency p50 90 us against 116-153 us,
 *    durable wins/s up 1.4-2x here, but its completion runs in a kernel
 *    worker bound to the disk interrupt's CPU, which a busy-polling process
 *    there starved for seconds (docs/journal.md, known problem);
 *  - segments zero-filled when created: fdatasync into a pre-zeroed file
 *    took p50 126-155 us against 213-232 us into a fallocate'd one, whose
 *    unwritten extents cost a metadata commit on every flush; the zeros
 *    written with O_DIRECT, and every group write whole blocks, so the
 *    page cache never holds zeros nor reads a page back;
 *  - one group in flight: a crash can tear only the last group, which is
 *    what recovery needs to tell a torn tail from corruption.
 */
#define _GNU_SOURCE /* CPU_SET, sync_file_range */
#include "journal.h"

#include <assert.h>
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_hash_crc.h>

#include "hunt/clock.h"
#include "jreader.h" /* hunt_journal_file_kind */

#define ZERO_CHUNK_BYTES (1u << 20)
/* A spare made while huntd serves is written chunk by chunk, each written
 * out and waited for, with a pause after each: at most 0.5 ms, and short
 * enough that the pauses take at most a quarter of the time the last
 * segment lasted (the spare must be ready before the current segment is
 * full, or appends get RETRY_LATER: 1 ms pauses after 256 KiB chunks
 * were too slow here at 1.4M wins/s). */
#define ZERO_PAUSE_US_MAX 500u

uint32_t
hunt_crc32c(const void *data, uint32_t len)
{
	return hunt_crc32c_more(0, data, len);
}

uint32_t
hunt_crc32c_more(uint32_t prev, const void *data, uint32_t len)
{
	/* rte_hash_crc loads 8 bytes at a time from wherever it starts; reach
	 * an 8-byte boundary first so every load is aligned (the record CRC
	 * starts 4 bytes into its header). */
	const uint8_t *p = data;
	uint32_t crc = ~prev;
	while (len > 0 && ((uintptr_t)p & 7u) != 0) {
		crc = rte_hash_crc_1byte(*p++, crc);
		len--;
	}
	return ~rte_hash_crc(p, len, crc);
}

void
hunt_journal_seg_name(char *out, size_t n, uint64_t epoch, uint32_t worker, uint32_t segment)
{
	snprintf(out, n, "seg-%08llx-%02x-%06x.hj", (unsigned long long)epoch, worker, segment);
}


static int
pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_header(int fd, const struct hunt_journal_cfg *c, uint32_t segment, uint32_t flags)
{
	struct hunt_seg_header h = {
		.magic = HUNT_SEG_MAGIC, .version = HUNT_SEG_VERSION,
		.header_bytes = HUNT_SEG_HEADER_BYTES, .epoch = c->epoch,
		.worker = c->worker, .segment = segment,
		.segment_bytes = c->segment_bytes, .created_ms = hunt_clock_wall_ms(),
		.group_bytes = c->group_bytes, .flags = flags};
	h.crc = hunt_crc32c(&h, offsetof(struct hunt_seg_header, crc));
	return pwrite_all(fd, &h, sizeof(h), 0);
}

/* Takes a retired segment that retention left for reuse (free-*.hj, see
 * hunt_journal_retain) as segment `segment`, named `name`: its new header
 * is made durable first, then its new name, so a crash leaves either a free
 * file or a recycled segment. Its blocks are written already: no zeros and
 * no metadata to flush, which is what zero-filling buys, without writing
 * the segment twice. Returns the fd, -ENOENT if there is none to take, or
 * -errno. A free file of another size is deleted. */
static int
recycle_segment(const struct hunt_journal_cfg *c, uint32_t segment, const char *name)
{
	int dfd = dup(c->dir_fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return -ENOENT; /* zero-fill instead */
	}
	rewinddir(d);
	char free_name[256] = "";
	struct dirent *e;
	while (free_name[0] == '\0' && (e = readdir(d)) != NULL) {
		struct stat sb;
		uint64_t ep;
		uint32_t w, s;
		if (hunt_journal_file_kind(e->d_name, &ep, &w, &s) != HUNT_JFILE_FREE ||
		    fstatat(c->dir_fd, e->d_name, &sb, 0) != 0)
			continue;
		if ((uint64_t)sb.st_size == c->segment_bytes)
			snprintf(free_name, sizeof(free_name), "%s", e->d_name);
		else
			unlinkat(c->dir_fd, e->d_name, 0);
	}
	closedir(d);
	if (free_name[0] == '\0')
		return -ENOENT;
	int fd = openat(c->dir_fd, free_name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_header(fd, c, segment, HUNT_SEG_F_RECYCLED);
	if (rc == 0 && fdatasync(fd) != 0)
		rc = -errno;
	if (rc == 0 && renameat2(c->dir_fd, free_name, c->dir_fd, name, RENAME_NOREPLACE) != 0)
		rc = -errno;
	else if (rc == 0 && fsync(c->dir_fd) != 0) {
		rc = -errno;
		unlinkat(c->dir_fd, name, 0); /* so a retry can make this segment */
	}
	if (rc != 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* Makes segment `segment`: a recycled one if retention left one, else a
 * new file zero-filled with its header; fsyncs it and the directory.
 * `pace`: huntd is serving (the helper thread), so fill it gently, pausing
 * pause_us after each chunk. Returns the fd or -errno (and leaves no file
 * behind). */
static int
make_segment(const struct hunt_journal_cfg *c, uint32_t segment, int pace, uint32_t pause_us,
	     int *recycled)
{
	char name[64];
	hunt_journal_seg_name(name, sizeof(name), c->epoch, c->worker, segment);
	int fd = recycle_segment(c, segment, name);
	*recycled = fd >= 0;
	if (fd >= 0 && c->direct) {
		int dfd = openat(c->dir_fd, name, O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (dfd < 0)
			unlinkat(c->dir_fd, name, 0); /* so a retry can make this segment */
		return dfd >= 0 ? dfd : -e;
	}
	if (fd != -ENOENT)
		return fd;
	fd = openat(c->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* The zeros go straight to the disk (O_DIRECT) where the filesystem
	 * allows: written through the page cache they cost this VM's helper
	 * 19-96 ms of CPU per 64 MiB against 6 ms (page cache it must take
	 * from the host first), and left a segment of dirty zeros for the
	 * journal's own flushes to carry. The journal's writes are whole
	 * blocks, so the uncached pages are never read back
	 * (docs/benchmarks.md, 2026-12-05). tmpfs refuses O_DIRECT. */
	int zfd = openat(c->dir_fd, name, O_WRONLY | O_DIRECT | O_CLOEXEC);
	uint8_t *chunk = aligned_alloc(HUNT_JOURNAL_BLOCK, ZERO_CHUNK_BYTES);
	int rc = chunk ? 0 : -ENOMEM;
	if (chunk != NULL)
		memset(chunk, 0, ZERO_CHUNK_BYTES);
	for (uint64_t off = 0; rc == 0 && off < c->segment_bytes; off += ZERO_CHUNK_BYTES) {
		uint64_t n = c->segment_bytes - off;
		n = n < ZERO_CHUNK_BYTES ? n : ZERO_CHUNK_BYTES;
		int direct = zfd >= 0 && n % HUNT_JOURNAL_BLOCK == 0;
		rc = pwrite_all(direct ? zfd : fd, chunk, n, (off_t)off);
		/* Paced while huntd serves: each chunk written out and waited
		 * for (O_DIRECT: by the write itself), then a pause, so the
		 * running journal's own writes never queue behind a whole
		 * segment of zeros and the kernel work that completes its
		 * flushes gets the CPU between chunks (docs/benchmarks.md,
		 * 2026-11-30: with the checkpointer's fold paced too, WON p99
		 * halved). */
		if (rc == 0 && pace && !direct &&
		    sync_file_range(fd, (off_t)off, (off_t)n,
				    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					    SYNC_FILE_RANGE_WAIT_AFTER) != 0)
			rc = -errno;
		if (rc == 0 && pace && pause_us > 0) {
			struct timespec ts = {.tv_nsec = (long)pause_us * 1000};
			nanosleep(&ts, NULL);
		}
	}
	if (zfd >= 0)
		close(zfd);
	if (rc == 0)
		rc = write_header(fd, c, segment, 0);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (rc == 0 && fsync(c->dir_fd) != 0)
		rc = -errno;
	free(chunk);
	if (rc == 0 && c->direct) {
		int dfd = openat(c->dir_fd, name, O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC);
		if (dfd < 0)
			rc = -errno;
		else {
			close(fd);
			fd = dfd;
		}
	}
	if (rc != 0) {
		close(fd);
		unlinkat(c->dir_fd, name, 0);
		return rc;
	}
	return fd;
}

int
hunt_journal_make_spare(struct hunt_journal *j)
{
	if (__atomic_load_n(&j->spare_fd, __ATOMIC_ACQUIRE) >= 0)
		return 0;
	uint64_t now = (uint64_t)(hunt_clock_mono_s() * 1e9);
	if (j->spare_error != 0 && now - j->spare_failed_ns < j->cfg.spare_retry_ns)
		return 0; /* the last try failed: not again yet */
	uint64_t life_ns = j->spare_taken_ns != 0 ? now - j->spare_taken_ns : 0;
	j->spare_taken_ns = now;
	uint64_t chunks = (j->cfg.segment_bytes + ZERO_CHUNK_BYTES - 1) / ZERO_CHUNK_BYTES;
	uint64_t pause_us = life_ns == 0 ? ZERO_PAUSE_US_MAX : life_ns / 4 / chunks / 1000;
	int recycled = 0;
	int fd = make_segment(&j->cfg, j->spare_next, 1,
			      (uint32_t)(pause_us < ZERO_PAUSE_US_MAX ? pause_us : ZERO_PAUSE_US_MAX),
			      &recycled);
	if (fd < 0) {
		j->spare_failed_ns = now;
		__atomic_store_n(&j->st.spare_failures, j->st.spare_failures + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&j->spare_error, fd, __ATOMIC_RELEASE);
		return fd;
	}
	__atomic_store_n(&j->spare_error, 0, __ATOMIC_RELEASE);
	if (recycled) /* plain stores: this thread is their one writer */
		__atomic_store_n(&j->st.spares_recycled, j->st.spares_recycled + 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&j->st.spares_zeroed, j->st.spares_zeroed + 1, __ATOMIC_RELAXED);
	j->spare_next++;
	__atomic_store_n(&j->spare_fd, fd, __ATOMIC_RELEASE);
	return 1;
}

int
hunt_journal_open(struct hunt_journal *j, const struct hunt_journal_cfg *cfg)
{
	memset(j, 0, sizeof(*j));
	j->cfg = *cfg;
	j->fd = -1;
	j->old_fd = -1;
	j->spare_fd = -1;
	if (cfg->group_bytes < HUNT_REC_MAX_BYTES ||
	    cfg->segment_bytes < HUNT_SEG_HEADER_BYTES + (uint64_t)cfg->group_bytes ||
	    (cfg->direct && cfg->segment_bytes % HUNT_JOURNAL_BLOCK != 0)) /* padded writes fit */
		return -EINVAL;
	/* carry (< a block) + records + padding to a block */
	uint32_t buf_bytes = (cfg->group_bytes + 2 * HUNT_JOURNAL_BLOCK - 1) & ~(HUNT_JOURNAL_BLOCK - 1);
	for (int i = 0; i < 2; i++) {
		j->group[i].data = aligned_alloc(HUNT_JOURNAL_BLOCK, buf_bytes);
		if (j->group[i].data == NULL)
			return -ENOMEM;
	}
	/* Completions are posted by io-wq threads on other CPUs. Cooperative
	 * task running makes the kernel flag the ring instead of interrupting
	 * the worker; the worker's next peek at the ring runs that work
	 * (docs/benchmarks.md). Kernels before 5.19 refuse the flags. */
	struct io_uring_params p = {.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG};
	int rc = io_uring_queue_init_params(8, &j->ring, &p);
	if (rc == -EINVAL)
		rc = io_uring_queue_init(8, &j->ring, 0);
	if (rc < 0)
		return rc;
	/* Blocking work (the buffered write and flush) runs on io-wq threads,
	 * which inherit the creating thread's CPU mask: a worker's core. */
	cpu_set_t any;
	CPU_ZERO(&any);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET((int)c, &any);
	const cpu_set_t *iowq = cfg->iowq_cpus != NULL && CPU_COUNT(cfg->iowq_cpus) > 0 ? cfg->iowq_cpus : &any;
	io_uring_register_iowq_aff(&j->ring, sizeof(*iowq), iowq);
	int recycled;
	j->fd = make_segment(cfg, 0, 0, 0, &recycled);
	if (j->fd < 0)
		return j->fd;
	j->off = HUNT_SEG_HEADER_BYTES;
	j->spare_next = 1;
	rc = hunt_journal_make_spare(j);
	j->next_seq = 1;
	return rc < 0 ? rc : 0;
}

static void
fail(struct hunt_journal *j, int res)
{
	assert(res < 0);
	if (j->error == 0)
		j->error = res;
	j->st.errors++;
	j->inflight = 0;
}

/* Submits the unwritten rest of the in-flight group: direct, one durable
 * write; else a write linked to a flush. */
static void
submit_rest(struct hunt_journal *j)
{
	struct hunt_jgroup *g = &j->group[j->filling ^ 1];
	assert(j->inflight && j->inflight_done < j->inflight_len);
	if (j->dev != NULL) { /* the device thread does it */
		struct hunt_jdev_slot *sl = &j->slot;
		sl->fd = j->inflight_fd;
		sl->buf = g->data + j->inflight_done;
		sl->len = j->inflight_len - j->inflight_done;
		sl->off = j->inflight_off + j->inflight_done;
		sl->fsync = !j->cfg.direct;
		__atomic_store_n(&sl->posted, sl->posted + 1, __ATOMIC_RELEASE);
		uint64_t one = 1;
		if (write(j->dev->efd, &one, sizeof(one)) != sizeof(one))
			fail(j, -errno);
		return;
	}
	struct io_uring_sqe *w = io_uring_get_sqe(&j->ring);
	assert(w != NULL); /* at most two SQEs are ever in use */
	io_uring_prep_write(w, j->inflight_fd, g->data + j->inflight_done,
			    j->inflight_len - j->inflight_done, j->inflight_off + j->inflight_done);
	io_uring_sqe_set_data64(w, HUNT_JOP_WRITE);
	if (!j->cfg.direct) {
		/* IOSQE_ASYNC: straight to io-wq. Tried inline first, a
		 * buffered write runs on the worker whenever it can: the copy
		 * into the page cache, page allocation, even reclaim's aging
		 * (docs/benchmarks.md, 2026-12-05). */
		w->flags |= IOSQE_IO_LINK | IOSQE_ASYNC;
		struct io_uring_sqe *f = io_uring_get_sqe(&j->ring);
		assert(f != NULL);
		io_uring_prep_fsync(f, j->inflight_fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_data64(f, HUNT_JOP_FSYNC);
	}
	int rc = io_uring_submit(&j->ring);
	if (rc < 0)
		fail(j, rc);
}

static void group_durable(struct hunt_journal *j, uint64_t now);

static void
on_completion(struct hunt_journal *j, enum hunt_jop op, int res, uint64_t now)
{
	if (!j->inflight)
		return; /* the journal failed while this was in flight */
	uint32_t want = j->inflight_len - j->inflight_done;
	if (op == HUNT_JOP_WRITE) {
		if (res < 0)
			return fail(j, res);
		if ((uint32_t)res < want)
			j->st.short_writes++;
		j->inflight_done += (uint32_t)res < want ? (uint32_t)res : want;
		if (!j->cfg.direct)
			return; /* the linked flush completes the group */
		if (j->inflight_done == j->inflight_len)
			return group_durable(j, now); /* O_DSYNC: written is durable */
		if (j->inflight_done % 512u != 0)
			return fail(j, -EIO); /* O_DIRECT cannot resume mid-block */
		return submit_rest(j);
	}
	assert(op == HUNT_JOP_FSYNC);
	if (want > 0) {
		/* A short write broke the chain (this flush says -ECANCELED) or
		 * came before it: write the rest and flush again. */
		if (res < 0 && res != -ECANCELED)
			return fail(j, res);
		return submit_rest(j);
	}
	if (res < 0)
		return fail(j, res);
	group_durable(j, now);
}

static void
group_durable(struct hunt_journal *j, uint64_t now)
{
	struct hunt_jgroup *g = &j->group[j->filling ^ 1];
	j->durable_seq = g->last_seq;
	if (j->on_durable != NULL)
		j->on_durable(j->durable_ctx, g->data + g->carry, g->used);
	j->st.groups++;
	j->st.bytes += g->used;
	if (now != HUNT_JOURNAL_NO_CLOCK) {
		uint64_t cycles = now - j->inflight_tsc;
		j->st.flush_cycles += cycles;
		hist_add(&j->flush_hist, cycles);
		if (cycles > j->st.flush_cycles_max)
			j->st.flush_cycles_max = cycles;
	}
	if (g->n_records > j->st.group_records_max)
		j->st.group_records_max = g->n_records;
	g->used = 0;
	g->n_records = 0;
	j->inflight = 0;
	if (j->old_fd >= 0) { /* the last group of the previous segment is durable */
		close(j->old_fd);
		j->old_fd = -1;
		__atomic_store_n(&j->sealed, j->segment, __ATOMIC_RELEASE);
	}
}

/* Fills in the CRC of every record of a group about to be written. Done
 * here rather than at append: there the CRC's 8-byte loads would read the
 * record's just-stored narrower fields, which the CPU cannot forward from
 * its store buffer (perf: 8.6% of the worker core's samples in a run of
 * fresh wins, 1.2% after; docs/benchmarks.md). */
static void
seal_records(struct hunt_jgroup *g, uint32_t salt)
{
	uint8_t *p = g->data + g->carry, *end = p + g->used;
	while (p < end) {
		struct hunt_rec_hdr *h = (struct hunt_rec_hdr *)p;
		h->crc = hunt_crc32c_more(salt, p + 4, (uint32_t)sizeof(*h) - 4 + h->len);
		p += hunt_rec_bytes(h->len);
	}
}

static void
maybe_submit(struct hunt_journal *j, uint64_t now, int force)
{
	struct hunt_jgroup *g = &j->group[j->filling];
	if (j->error || j->inflight || g->used == 0)
		return;
	if (!force && j->cfg.group_delay_tsc != 0 &&
	    g->used + HUNT_REC_MAX_BYTES <= j->cfg.group_bytes &&
	    now - g->first_tsc < j->cfg.group_delay_tsc)
		return;
	seal_records(g, hunt_seg_salt(j->cfg.epoch, j->cfg.worker, j->segment));
	j->inflight = 1;
	j->inflight_fd = j->fd;
	j->inflight_off = j->off - g->carry;
	j->inflight_len = g->carry + g->used;
	j->inflight_done = 0;
	j->inflight_tsc = now;
	j->off += g->used;
	j->filling ^= 1;
	/* Whole blocks, both ways: O_DIRECT needs them, and a buffered write
	 * of a whole page never reads the page from the disk first, which a
	 * partial one does when the page is not cached (a segment zero-filled
	 * with O_DIRECT, or a recycled one). The padding stops at the
	 * segment's end (direct: a multiple of the block). */
	uint64_t end = (j->inflight_off + j->inflight_len + HUNT_JOURNAL_BLOCK - 1) &
		       ~(uint64_t)(HUNT_JOURNAL_BLOCK - 1);
	if (end > j->cfg.segment_bytes)
		end = j->cfg.segment_bytes;
	uint32_t padded = (uint32_t)(end - j->inflight_off);
	assert(padded >= j->inflight_len && padded < j->inflight_len + HUNT_JOURNAL_BLOCK);
	memset(g->data + j->inflight_len, 0, padded - j->inflight_len);
	j->inflight_len = padded;
	/* The next group starts in the block this one ends in. */
	struct hunt_jgroup *next = &j->group[j->filling];
	next->carry = (uint32_t)(j->off % HUNT_JOURNAL_BLOCK);
	memcpy(next->data, g->data + (j->off - j->inflight_off) - next->carry, next->carry);
	submit_rest(j);
}

static int
fault(struct hunt_journal *j, enum hunt_jop op, int res)
{
	return j->fault != NULL ? j->fault(j->fault_ctx, op, res) : res;
}

/* Device-thread mode: the slot's results, once the thread is done. */
static void
reap_slot(struct hunt_journal *j, uint64_t now)
{
	struct hunt_jdev_slot *sl = &j->slot;
	if (!j->inflight || __atomic_load_n(&sl->done, __ATOMIC_ACQUIRE) != sl->posted)
		return;
	int fsync = sl->fsync, res_fsync = sl->res_fsync;
	on_completion(j, HUNT_JOP_WRITE, fault(j, HUNT_JOP_WRITE, sl->res_write), now);
	if (fsync && j->inflight && j->slot.done == j->slot.posted) /* not resubmitted */
		on_completion(j, HUNT_JOP_FSYNC, fault(j, HUNT_JOP_FSYNC, res_fsync), now);
}

void *
hunt_jdev_main(void *arg)
{
	struct hunt_jdev *dev = arg;
	while (!__atomic_load_n(&dev->stop, __ATOMIC_ACQUIRE)) {
		uint64_t n;
		if (read(dev->efd, &n, sizeof(n)) < 0 && errno != EINTR)
			break;
		for (uint32_t i = 0; i < dev->n_journals; i++) {
			struct hunt_jdev_slot *sl = &dev->journals[i]->slot;
			uint64_t posted = __atomic_load_n(&sl->posted, __ATOMIC_ACQUIRE);
			if (posted == sl->done)
				continue;
			int rc = pwrite_all(sl->fd, sl->buf, sl->len, (off_t)sl->off);
			sl->res_write = rc < 0 ? rc : (int)sl->len;
			sl->res_fsync = 0;
			if (sl->fsync)
				sl->res_fsync = rc < 0 ? -ECANCELED : fdatasync(sl->fd) != 0 ? -errno : 0;
			__atomic_store_n(&sl->done, posted, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

void
hunt_journal_poll(struct hunt_journal *j, uint64_t now)
{
	if (j->dev != NULL) {
		reap_slot(j, now);
		maybe_submit(j, now, 0);
		return;
	}
	struct io_uring_cqe *cqe;
	while (io_uring_peek_cqe(&j->ring, &cqe) == 0) {
		enum hunt_jop op = (enum hunt_jop)io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&j->ring, cqe);
		on_completion(j, op, fault(j, op, res), now);
	}
	maybe_submit(j, now, 0);
}

int
hunt_journal_wait(struct hunt_journal *j, uint32_t us)
{
	if (j->dev != NULL || !j->inflight || j->error != 0)
		return 0;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = us / 1000000u, .tv_nsec = (long long)(us % 1000000u) * 1000};
	io_uring_wait_cqe_timeout(&j->ring, &cqe, &ts); /* -ETIME or a CQE, reaped by the next poll */
	return 1;
}

/* Moves to the spare segment. A flush still running on the old segment
 * keeps its fd until it completes; only one previous segment can be
 * pending, so a second rollover waits. The group filling, not yet written,
 * moves along: its records go first in the new segment, and the bytes it
 * carried from the old one's last block are dropped. (Refusing appends
 * until it had been written to the old segment cost a group commit's worth
 * of RETRY_LATERs at every rollover under load: docs/benchmarks.md.) */
static int
rollover(struct hunt_journal *j)
{
	if (j->old_fd >= 0)
		return 0;
	int fd = __atomic_load_n(&j->spare_fd, __ATOMIC_ACQUIRE);
	if (fd < 0) { /* not made yet, or the helper is retrying: refuse for now */
		j->st.spare_waits++;
		return 0;
	}
	if (j->inflight)
		j->old_fd = j->fd; /* closed when its flush completes */
	else
		close(j->fd); /* once per segment; everything in it is durable */
	j->fd = fd;
	j->segment++;
	if (!j->inflight)
		__atomic_store_n(&j->sealed, j->segment, __ATOMIC_RELEASE);
	j->off = HUNT_SEG_HEADER_BYTES;
	struct hunt_jgroup *g = &j->group[j->filling];
	if (g->carry != 0) {
		memmove(g->data, g->data + g->carry, g->used);
		g->carry = 0;
	}
	j->st.rollovers++;
	__atomic_store_n(&j->spare_fd, -1, __ATOMIC_RELEASE); /* helper: make the next */
	return 1;
}

int
hunt_journal_room(struct hunt_journal *j, uint32_t bytes)
{
	struct hunt_jgroup *g = &j->group[j->filling];
	if (j->error == 0 && g->used + bytes <= j->cfg.group_bytes) {
		if (j->off + g->used + bytes <= j->cfg.segment_bytes)
			return 1;
		if (rollover(j)) /* fits: group_bytes <= segment_bytes - header */
			return 1;
	}
	j->st.full++;
	return 0;
}

uint64_t
hunt_journal_append(struct hunt_journal *j, uint8_t type, uint32_t hunt_id, const void *payload,
		    uint16_t len, uint64_t now)
{
	struct hunt_jgroup *g = &j->group[j->filling];
	uint32_t bytes = hunt_rec_bytes(len);
	assert(j->error == 0 && g->used + bytes <= j->cfg.group_bytes);
	assert(j->off + g->used + bytes <= j->cfg.segment_bytes);
	struct hunt_rec_hdr *h = (struct hunt_rec_hdr *)(g->data + g->carry + g->used);
	memset(h, 0, bytes);
	h->type = type;
	h->flags = g->used == 0 ? HUNT_REC_F_GROUP_START : 0;
	h->len = len;
	h->seq = j->next_seq++;
	h->worker = (uint16_t)j->cfg.worker;
	h->hunt_id = hunt_id;
	memcpy(h + 1, payload, len); /* h->crc: at submit, seal_records() */
	if (g->used == 0)
		g->first_tsc = now;
	g->used += bytes;
	g->n_records++;
	g->last_seq = h->seq;
	j->st.records++;
	return h->seq;
}

int
hunt_journal_close(struct hunt_journal *j)
{
	while (j->error == 0 && (j->inflight || j->group[j->filling].used > 0)) {
		maybe_submit(j, HUNT_JOURNAL_NO_CLOCK, 1);
		struct io_uring_cqe *cqe;
		if (j->dev != NULL) {
			reap_slot(j, HUNT_JOURNAL_NO_CLOCK);
			sched_yield(); /* the device thread is writing it */
		} else if (j->inflight && io_uring_wait_cqe(&j->ring, &cqe) == 0) {
			enum hunt_jop op = (enum hunt_jop)io_uring_cqe_get_data64(cqe);
			int res = cqe->res;
			io_uring_cqe_seen(&j->ring, cqe);
			on_completion(j, op, fault(j, op, res), HUNT_JOURNAL_NO_CLOCK);
		}
	}
	if (j->fd >= 0)
		close(j->fd);
	if (j->old_fd >= 0)
		close(j->old_fd);
	if (j->spare_fd >= 0)
		close(j->spare_fd);
	io_uring_queue_exit(&j->ring);
	free(j->group[0].data);
	free(j->group[1].data);
	j->fd = j->spare_fd = -1;
	return j->error;
}
