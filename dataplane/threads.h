/*
 * Where huntd's CPU goes, by thread: the figures operators size housekeeping
 * cores with (`huntctl stats`). The workers busy-poll, so they read ~100% of
 * their cores whatever the load; what matters is what the rest take: the
 * segment helper (zero-fill, the checkpointer's fold), io_uring's io-wq
 * threads (each group's write and fdatasync), the control socket.
 *
 * Read from /proc/self/task/<tid>/schedstat (time on a CPU, ns, per live
 * thread) and getrusage(RUSAGE_SELF) (every thread, ended ones included):
 * io-wq threads retire when idle, so their time ends up in `ended`.
 * Blocking file reads: never call it on a worker.
 */
#ifndef HUNT_THREADS_H
#define HUNT_THREADS_H

#include <stdint.h>

/* Each role: its JSON name, and which threads it counts. */
#define HUNT_THREAD_ROLES(X)                                                          \
	X(WORKERS, "workers", "the worker lcores (huntd, lcore-worker-N): busy polling") \
	X(HELPER, "helper", "hunt-helper: spare segments, checkpoints, retention")      \
	X(CONTROL, "control", "hunt-ctl: the control socket")                            \
	X(SIGNAL, "signal", "hunt-signal: waits for SIGINT/SIGTERM")                     \
	X(JDEV, "journal_thread", "hunt-jdev: the journal device thread (device_thread = 1)") \
	X(IO_WQ, "io_wq", "iou-wrk-N: io_uring's threads, the group's write and flush")  \
	X(OTHER, "other", "DPDK's own threads and anything else")                        \
	X(ENDED, "ended", "threads that have ended (mostly io-wq threads that retired)")

enum hunt_thread_role {
#define X(e, name, what) HUNT_THREAD_##e,
	HUNT_THREAD_ROLES(X)
#undef X
	HUNT_THREAD_ROLE_COUNT
};

/* The role of a thread named `comm` (ENDED is never returned). */
enum hunt_thread_role hunt_thread_role_of(const char *comm);

const char *hunt_thread_role_name(enum hunt_thread_role r);

/* Fills ns[role] with the CPU time of this process's threads in that role
 * since they started. Returns 0, or -errno if /proc/self/task cannot be read
 * (ns[] is then all zero). */
int hunt_threads_cpu(uint64_t ns[HUNT_THREAD_ROLE_COUNT]);

#endif
