/* Where huntd's CPU goes, by thread (see threads.h). */
#define _GNU_SOURCE
#include "threads.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const char *const role_names[HUNT_THREAD_ROLE_COUNT] = {
#define X(e, name, what) [HUNT_THREAD_##e] = name,
	HUNT_THREAD_ROLES(X)
#undef X
};

const char *
hunt_thread_role_name(enum hunt_thread_role r)
{
	assert(r < HUNT_THREAD_ROLE_COUNT);
	return role_names[r];
}

enum hunt_thread_role
hunt_thread_role_of(const char *comm)
{
	static const struct {
		const char *prefix;
		enum hunt_thread_role role;
	} names[] = {
		{"hunt-helper", HUNT_THREAD_HELPER}, {"hunt-ctl", HUNT_THREAD_CONTROL},
		{"hunt-signal", HUNT_THREAD_SIGNAL}, {"hunt-jdev", HUNT_THREAD_JDEV},
		{"iou-wrk-", HUNT_THREAD_IO_WQ},     {"lcore-worker-", HUNT_THREAD_WORKERS},
	};
	if (strcmp(comm, "huntd") == 0) /* the main lcore: worker 0 */
		return HUNT_THREAD_WORKERS;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(comm, names[i].prefix, strlen(names[i].prefix)) == 0)
			return names[i].role;
	return HUNT_THREAD_OTHER;
}

/* Reads one line of at most n - 1 bytes from a /proc file. */
static int
read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	int ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int
hunt_threads_cpu(uint64_t ns[HUNT_THREAD_ROLE_COUNT])
{
	memset(ns, 0, HUNT_THREAD_ROLE_COUNT * sizeof(ns[0]));
	DIR *d = opendir("/proc/self/task");
	if (d == NULL)
		return -errno;
	uint64_t live = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], comm[32], line[128];
		uint64_t run_ns = 0;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if (read_line(path, comm, sizeof(comm)) != 0)
			continue; /* it ended meanwhile: counted in ENDED */
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		if (read_line(path, line, sizeof(line)) != 0 || sscanf(line, "%" SCNu64, &run_ns) != 1)
			continue;
		ns[hunt_thread_role_of(comm)] += run_ns;
		live += run_ns;
	}
	closedir(d);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		uint64_t all = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
			       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
		/* Both are the scheduler's runtime, read a moment apart. */
		ns[HUNT_THREAD_ENDED] = all > live ? all - live : 0;
	}
	return 0;
}
