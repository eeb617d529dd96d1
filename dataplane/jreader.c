#include "jreader.h"

#include "journal.h" /* hunt_journal_seg_name */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct seg_file {
	uint64_t epoch;
	uint32_t worker, segment;
	char name[64];
};

static int
cmp_seg(const void *a, const void *b)
{
	const struct seg_file *x = a, *y = b;
	if (x->epoch != y->epoch)
		return x->epoch < y->epoch ? -1 : 1;
	if (x->worker != y->worker)
		return x->worker < y->worker ? -1 : 1;
	return x->segment < y->segment ? -1 : x->segment > y->segment;
}

enum hunt_jfile
hunt_journal_file_kind(const char *name, uint64_t *epoch, uint32_t *worker, uint32_t *segment)
{
	unsigned long long ep;
	unsigned w, s;
	int used = 0;
	if (sscanf(name, "seg-%8llx-%2x-%6x.hj%n", &ep, &w, &s, &used) == 3 && used > 0 &&
	    name[used] == '\0') {
		*epoch = ep;
		*worker = w;
		*segment = s;
		return HUNT_JFILE_SEGMENT;
	}
	size_t nl = strlen(name);
	if (strncmp(name, "free-", 5) == 0 && nl > 8 && strcmp(name + nl - 3, ".hj") == 0)
		return HUNT_JFILE_FREE;
	used = 0;
	if (sscanf(name, "ckpt-%8llx-%6x.hc%n", &ep, &s, &used) == 2 && used > 0 &&
	    name[used] == '\0') {
		*epoch = ep;
		*segment = s;
		return HUNT_JFILE_CHECKPOINT;
	}
	return HUNT_JFILE_OTHER;
}

/* Lists seg-*.hj files, sorted. Returns the count or -errno. */
static int
list_segments(const char *dir, struct seg_file **out)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	size_t n = 0, cap = 64;
	struct seg_file *v = malloc(cap * sizeof(*v));
	struct dirent *e;
	while (v != NULL && (e = readdir(d)) != NULL) {
		uint64_t ep;
		uint32_t w, s;
		if (hunt_journal_file_kind(e->d_name, &ep, &w, &s) != HUNT_JFILE_SEGMENT)
			continue;
		if (n == cap) {
			cap *= 2;
			struct seg_file *nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				v = NULL;
				break;
			}
			v = nv;
		}
		v[n] = (struct seg_file){.epoch = ep, .worker = w, .segment = s};
		snprintf(v[n].name, sizeof(v[n].name), "%.63s", e->d_name);
		n++;
	}
	closedir(d);
	if (v == NULL)
		return -ENOMEM;
	qsort(v, n, sizeof(*v), cmp_seg);
	*out = v;
	return (int)n;
}

static int
read_file(const char *dir, const char *name, uint8_t **buf, size_t *cap, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return -errno;
	}
	if ((size_t)sb.st_size > *cap) {
		free(*buf);
		*cap = (size_t)sb.st_size;
		*buf = malloc(*cap);
		if (*buf == NULL) {
			close(fd);
			*cap = 0;
			return -ENOMEM;
		}
	}
	size_t got = 0;
	while (got < (size_t)sb.st_size) {
		ssize_t n = pread(fd, *buf + got, (size_t)sb.st_size - got, (off_t)got);
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;
			close(fd);
			return e;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

/* How a segment's records are read: its version and flags. */
struct seg_kind {
	int recycled;   /* HUNT_SEG_F_RECYCLED: an earlier life's bytes, not
			 * zeros, lie past its last record */
	uint32_t salt;  /* what record CRCs start from: 0 (a plain CRC32C) in
			 * version 1 */
};

static const char *
check_header(const uint8_t *b, size_t len, const struct seg_file *f, struct seg_kind *k)
{
	const struct hunt_seg_header *h = (const void *)b;
	if (len < HUNT_SEG_HEADER_BYTES)
		return "file shorter than a segment header";
	if (h->magic != HUNT_SEG_MAGIC)
		return "segment magic wrong";
	/* Version 1 has no flags field: its crc sits where version 2's flags do. */
	uint32_t crc_at = h->version == HUNT_SEG_VERSION_UNSALTED
				  ? offsetof(struct hunt_seg_header, flags)
				  : offsetof(struct hunt_seg_header, crc);
	uint32_t crc;
	memcpy(&crc, b + crc_at, sizeof(crc));
	if (crc != hunt_crc32c(h, crc_at))
		return "segment header checksum wrong";
	if (h->version != HUNT_SEG_VERSION && h->version != HUNT_SEG_VERSION_UNSALTED)
		return "segment version not supported";
	int v2 = h->version == HUNT_SEG_VERSION;
	*k = (struct seg_kind){.recycled = v2 && (h->flags & HUNT_SEG_F_RECYCLED),
			       .salt = v2 ? hunt_seg_salt(f->epoch, f->worker, f->segment) : 0};
	if (h->header_bytes != HUNT_SEG_HEADER_BYTES || h->segment_bytes != len)
		return "segment size disagrees with the file";
	if (h->epoch != f->epoch || h->worker != f->worker || h->segment != f->segment)
		return "segment header disagrees with the file name";
	if (h->group_bytes < HUNT_REC_MAX_BYTES)
		return "segment group_bytes too small";
	return NULL;
}

/* Why the record at off is not valid, or NULL if it is. */
static const char *
check_record(const uint8_t *b, size_t len, size_t off, uint64_t want_seq, uint32_t worker,
	     const struct seg_kind *k)
{
	const struct hunt_rec_hdr *h = (const void *)(b + off);
	if (h->type == HUNT_REC_NONE || h->type >= HUNT_REC_COUNT)
		return "record type unknown";
	if (h->len != hunt_rec_payload_bytes(h->type))
		return "record length wrong for its type";
	if (off + hunt_rec_bytes(h->len) > len)
		return "record runs past the segment";
	if (h->crc != hunt_crc32c_more(k->salt, (const uint8_t *)h + 4,
				       (uint32_t)sizeof(*h) - 4 + h->len))
		return "record checksum wrong";
	if (want_seq != 0 && h->seq != want_seq)
		return "sequence gap";
	if (h->worker != worker)
		return "record from another worker's stream";
	return NULL;
}

/* Whether a valid record (starting a group, if group_start) lies anywhere
 * at or after `from`. */
static int
record_after(const uint8_t *b, size_t from, size_t len, uint32_t worker, const struct seg_kind *k,
	     int group_start)
{
	for (size_t p = from; p + sizeof(struct hunt_rec_hdr) <= len; p += HUNT_REC_ALIGN) {
		const struct hunt_rec_hdr *h = (const void *)(b + p);
		if ((!group_start || (h->flags & HUNT_REC_F_GROUP_START)) &&
		    check_record(b, len, p, 0, worker, k) == NULL)
			return 1;
	}
	return 0;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static size_t
last_nonzero(const uint8_t *b, size_t from, size_t len)
{
	size_t last = from;
	for (size_t i = from; i < len; i++)
		if (b[i] != 0)
			last = i;
	return last;
}

/* Whether segments i+1 .. of segs[i]'s stream hold no record: a torn tail
 * may only be in the last segment that does (spares after it are empty:
 * zeros, or in a recycled one nothing valid under its salt). */
static int
rest_of_stream_empty(const char *dir, const struct seg_file *segs, int n, int i)
{
	uint8_t *b = NULL;
	size_t cap = 0, len = 0;
	int empty = 1;
	for (int k = i + 1; k < n && empty && segs[k].epoch == segs[i].epoch &&
			    segs[k].worker == segs[i].worker; k++) {
		struct seg_kind sk = {0};
		empty = read_file(dir, segs[k].name, &b, &cap, &len) == 0 &&
			len >= HUNT_SEG_HEADER_BYTES;
		if (empty && check_header(b, len, &segs[k], &sk) == NULL && sk.recycled)
			empty = !record_after(b, HUNT_SEG_HEADER_BYTES, len, segs[k].worker, &sk, 0);
		else if (empty)
			empty = all_zero(b + HUNT_SEG_HEADER_BYTES, len - HUNT_SEG_HEADER_BYTES);
	}
	free(b);
	return empty;
}

/* Where segment segs[i]'s records end, at off. A segment that held none of
 * them cannot be followed by one that holds some: the writer moves to a
 * new segment only when a group does not fit the one it has written into
 * (found by tests/fuzz/fuzz_journal.c: segment 0 zeroed whole, segment 1
 * starting at seq 2, read as a stream that began at seq 2). */
static int
records_end(const char *dir, const struct seg_file *segs, int n, int i, const char *path,
	    size_t off, int none, char *err, size_t err_bytes)
{
	if (!none || rest_of_stream_empty(dir, segs, n, i))
		return 0;
	snprintf(err, err_bytes, "%s offset %zu: no record here, but a later segment of its "
		 "stream holds some", path, off);
	return -EBADMSG;
}

/* Reads the records of segment segs[i] (buf, len bytes, header checked)
 * into stream s; see jreader.h for when damage is a torn tail. */
static int
scan_records(const char *dir, const struct seg_file *segs, int n, int i, const uint8_t *buf,
	     size_t len, const struct seg_kind *k, struct hunt_jstream *s,
	     struct hunt_jscan_stats *st, hunt_jscan_fn fn, void *ctx, int may_tear, char *err,
	     size_t err_bytes)
{
	const struct seg_file *f = &segs[i];
	uint32_t group_bytes = ((const struct hunt_seg_header *)buf)->group_bytes;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	struct hunt_jpos pos = {.file = path, .epoch = f->epoch, .worker = f->worker,
				.segment = f->segment};
	size_t off = HUNT_SEG_HEADER_BYTES;
	uint64_t before = s->records;
	while (off + sizeof(struct hunt_rec_hdr) <= len) {
		if (!k->recycled && all_zero(buf + off, sizeof(struct hunt_rec_hdr)) &&
		    all_zero(buf + off, len - off)) /* the zero-filled rest of the segment */
			return records_end(dir, segs, n, i, path, off, s->records == before, err,
					   err_bytes);
		const char *why = check_record(buf, len, off, s->last_seq ? s->last_seq + 1 : 0,
					       f->worker, k);
		if (why == NULL && s->records == 0 && f->segment == 0 &&
		    ((const struct hunt_rec_hdr *)(buf + off))->seq != 1)
			why = "stream does not start at seq 1";
		if (why != NULL && k->recycled && !record_after(buf, off, len, f->worker, k, 0)) {
			/* This life's records end here: past it lies only what the
			 * file held before (no record valid under this segment's
			 * salt). If the stream goes on, the next segment must go on
			 * from this seq, which is checked there. If this is its
			 * last segment the end may also be a torn group; it is not
			 * reported as one, since a clean end reads the same. */
			return records_end(dir, segs, n, i, path, off, s->records == before, err,
					   err_bytes);
		}
		if (why != NULL) {
			if (!k->recycled && may_tear && last_nonzero(buf, off, len) < off + group_bytes &&
			    !record_after(buf, off + HUNT_REC_ALIGN, len, f->worker, k, 1) &&
			    rest_of_stream_empty(dir, segs, n, i)) {
				s->torn_offset = off;
				s->torn_segment = f->segment;
				st->torn_tails++;
				return 0;
			}
			snprintf(err, err_bytes, "%s offset %zu: %s", path, off, why);
			return -EBADMSG;
		}
		const struct hunt_rec_hdr *h = (const void *)(buf + off);
		if (s->records == 0)
			s->first_seq = h->seq;
		s->last_seq = h->seq;
		s->records++;
		s->bytes += hunt_rec_bytes(h->len);
		st->records++;
		st->bytes += hunt_rec_bytes(h->len);
		st->by_type[h->type]++;
		pos.offset = off;
		int rc = fn != NULL ? fn(ctx, h, h + 1, &pos) : 0;
		if (rc != 0)
			return rc;
		off += hunt_rec_bytes(h->len);
	}
	return 0;
}

int
hunt_jcover_has(const struct hunt_jcover *cover, uint64_t epoch, uint32_t worker, uint32_t segment)
{
	if (cover == NULL || epoch > cover->epoch)
		return 0;
	if (epoch < cover->epoch)
		return 1;
	return worker < cover->n_workers && segment < cover->segments[worker];
}

/* Scans the segments cover does not hold (all if NULL); see jreader.h. */
static int
scan_dir(const char *dir, const struct hunt_jcover *cover, hunt_jscan_fn fn, void *ctx,
	 struct hunt_jscan_stats *st, char *err, size_t err_bytes)
{
	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	struct seg_file *segs = NULL;
	int n = list_segments(dir, &segs);
	if (n < 0) {
		snprintf(err, err_bytes, "%s: %s", dir, strerror(-n));
		return n;
	}
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;
	int rc = 0;
	struct hunt_jstream *s = NULL;
	for (int i = 0; i < n && rc == 0; i++) {
		const struct seg_file *f = &segs[i];
		if (f->epoch > st->max_epoch)
			st->max_epoch = f->epoch;
		if (hunt_jcover_has(cover, f->epoch, f->worker, f->segment))
			continue;
		int first_of_stream = s == NULL || s->epoch != f->epoch || s->worker != f->worker;
		if (first_of_stream) {
			if (st->n_streams == HUNT_JSCAN_STREAMS_MAX) {
				snprintf(err, err_bytes, "%s: more than %u streams", dir,
					 HUNT_JSCAN_STREAMS_MAX);
				rc = -E2BIG;
				break;
			}
			s = &st->streams[st->n_streams++];
			*s = (struct hunt_jstream){.epoch = f->epoch, .worker = f->worker};
			/* After a checkpoint nothing is ever deleted: a stream
			 * starts where the cover leaves it, and goes on from its seq. */
			uint32_t want = 0;
			if (cover != NULL && f->epoch == cover->epoch && f->worker < cover->n_workers) {
				want = cover->segments[f->worker];
				s->last_seq = cover->next_seq[f->worker] - 1;
			}
			if (cover != NULL && f->segment != want) {
				snprintf(err, err_bytes, "%s/%s: segment %u of its stream is missing", dir,
					 f->name, want);
				rc = -EBADMSG;
				break;
			}
		} else if (f->segment != segs[i - 1].segment + 1) {
			snprintf(err, err_bytes, "%s/%s: segment %u missing before it", dir, f->name,
				 segs[i - 1].segment + 1);
			rc = -EBADMSG;
			break;
		}
		rc = read_file(dir, f->name, &buf, &cap, &len);
		if (rc != 0) {
			snprintf(err, err_bytes, "%s/%s: %s", dir, f->name, strerror(-rc));
			break;
		}
		struct seg_kind k;
		const char *why = check_header(buf, len, f, &k);
		if (why != NULL) {
			snprintf(err, err_bytes, "%s/%s offset 0: %s", dir, f->name, why);
			rc = -EBADMSG;
			break;
		}
		st->segments++;
		s->segments++;
		rc = scan_records(dir, segs, n, i, buf, len, &k, s, st, fn, ctx, 1, err, err_bytes);
	}
	free(buf);
	free(segs);
	return rc;
}

int
hunt_journal_scan(const char *dir, hunt_jscan_fn fn, void *ctx, struct hunt_jscan_stats *st,
		  char *err, size_t err_bytes)
{
	return scan_dir(dir, NULL, fn, ctx, st, err, err_bytes);
}

int
hunt_journal_scan_after(const char *dir, const struct hunt_jcover *cover, hunt_jscan_fn fn,
			void *ctx, struct hunt_jscan_stats *st, char *err, size_t err_bytes)
{
	return scan_dir(dir, cover, fn, ctx, st, err, err_bytes);
}

int
hunt_journal_scan_segment(const char *dir, uint64_t epoch, uint32_t worker, uint32_t segment,
			  uint64_t *next_seq, hunt_jscan_fn fn, void *ctx,
			  struct hunt_jbuf *jb, char *err, size_t err_bytes)
{
	struct seg_file f = {.epoch = epoch, .worker = worker, .segment = segment};
	hunt_journal_seg_name(f.name, sizeof(f.name), epoch, worker, segment);
	size_t len = 0;
	int rc = read_file(dir, f.name, &jb->p, &jb->cap, &len);
	const uint8_t *buf = jb->p;
	struct seg_kind k;
	const char *why = rc == 0 ? check_header(buf, len, &f, &k) : NULL;
	if (rc != 0)
		snprintf(err, err_bytes, "%s/%s: %s", dir, f.name, strerror(-rc));
	else if (why != NULL) {
		snprintf(err, err_bytes, "%s/%s offset 0: %s", dir, f.name, why);
		rc = -EBADMSG;
	} else {
		static __thread struct hunt_jscan_stats st; /* by_type etc., unused */
		struct hunt_jstream s = {.epoch = epoch, .worker = worker,
					 .last_seq = *next_seq ? *next_seq - 1 : 0};
		rc = scan_records(dir, &f, 1, 0, buf, len, &k, &s, &st, fn, ctx, 0, err, err_bytes);
		if (rc == 0 && s.records > 0)
			*next_seq = s.last_seq + 1;
	}
	return rc;
}
