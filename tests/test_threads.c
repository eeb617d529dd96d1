/*
 * Proves huntctl's CPU-by-thread figures (dataplane/threads.c): every thread
 * name huntd gives maps to its role, anything else to "other"; a live
 * thread's CPU time lands in its role, and the time of a thread that has
 * ended (as idle io-wq threads do) is still counted, in "ended".
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "threads.h"

#define SPIN_NS 50000000ull /* 50 ms of a thread's own CPU time */

Test(threads, names_map_to_roles)
{
	cr_assert_eq(hunt_thread_role_of("huntd"), HUNT_THREAD_WORKERS);
	cr_assert_eq(hunt_thread_role_of("lcore-worker-3"), HUNT_THREAD_WORKERS);
	cr_assert_eq(hunt_thread_role_of("hunt-helper"), HUNT_THREAD_HELPER);
	cr_assert_eq(hunt_thread_role_of("hunt-ctl"), HUNT_THREAD_CONTROL);
	cr_assert_eq(hunt_thread_role_of("hunt-signal"), HUNT_THREAD_SIGNAL);
	cr_assert_eq(hunt_thread_role_of("hunt-jdev"), HUNT_THREAD_JDEV);
	cr_assert_eq(hunt_thread_role_of("iou-wrk-12345"), HUNT_THREAD_IO_WQ);
	cr_assert_eq(hunt_thread_role_of("eal-intr-thread"), HUNT_THREAD_OTHER);
	cr_assert_eq(hunt_thread_role_of("huntd2"), HUNT_THREAD_OTHER);
	cr_assert_eq(hunt_thread_role_of(""), HUNT_THREAD_OTHER);
	cr_assert_str_eq(hunt_thread_role_name(HUNT_THREAD_IO_WQ), "io_wq");
	cr_assert_str_eq(hunt_thread_role_name(HUNT_THREAD_ENDED), "ended");
}

struct spinner {
	const char *name;
	pthread_barrier_t *hold; /* NULL: end at once */
};

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
spin(void *arg)
{
	struct spinner *s = arg;
	pthread_setname_np(pthread_self(), s->name);
	while (thread_cpu_ns() < SPIN_NS)
		;
	if (s->hold != NULL) {
		pthread_barrier_wait(s->hold); /* spun: the test may read */
		pthread_barrier_wait(s->hold); /* read: may end */
	}
	return NULL;
}

Test(threads, live_time_by_role_and_ended_threads_kept)
{
	uint64_t before[HUNT_THREAD_ROLE_COUNT], after[HUNT_THREAD_ROLE_COUNT];
	cr_assert_eq(hunt_threads_cpu(before), 0);
	cr_assert_eq(before[HUNT_THREAD_HELPER], 0, "no helper yet");
	/* One thread that spins and ends, as an io-wq thread does. */
	pthread_t t;
	struct spinner gone = {.name = "iou-wrk-1"};
	cr_assert_eq(pthread_create(&t, NULL, spin, &gone), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	/* One that spins and stays. */
	pthread_barrier_t hold;
	cr_assert_eq(pthread_barrier_init(&hold, NULL, 2), 0);
	struct spinner helper = {.name = "hunt-helper", .hold = &hold};
	cr_assert_eq(pthread_create(&t, NULL, spin, &helper), 0);
	pthread_barrier_wait(&hold);
	cr_assert_eq(hunt_threads_cpu(after), 0);
	pthread_barrier_wait(&hold);
	cr_assert_eq(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&hold);
	cr_assert_geq(after[HUNT_THREAD_HELPER], SPIN_NS, "helper %lu ns", (unsigned long)after[HUNT_THREAD_HELPER]);
	cr_assert_lt(after[HUNT_THREAD_HELPER], 20 * SPIN_NS);
	cr_assert_eq(after[HUNT_THREAD_IO_WQ], 0, "the io-wq-named thread has ended");
	uint64_t ended = after[HUNT_THREAD_ENDED] - before[HUNT_THREAD_ENDED];
	cr_assert_geq(ended, SPIN_NS * 9 / 10, "ended %lu ns", (unsigned long)ended);
	cr_assert_lt(ended, 20 * SPIN_NS);
	cr_assert_gt(after[HUNT_THREAD_OTHER], 0, "this test's own thread");
}
