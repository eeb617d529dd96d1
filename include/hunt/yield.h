/*
 * Giving the CPU away for a moment, so that a runnable kernel thread on this
 * CPU (io_uring's io-wq, the direct-I/O completion worker that runs on the
 * disk interrupt's CPU) runs now. Used by huntd's workers while a journal
 * flush is in flight and by huntgen when idle, on hosts where they share
 * cores with that kernel work.
 *
 * sched_yield() is not enough: measured here (kernel 6.18, EEVDF), a
 * "kworker/1:1+dio/vda" stayed runnable for 22 s without running behind a
 * loop that called sched_yield() whenever it was idle, and a durable write
 * took 22 s to complete. A 1 us sleep really deschedules the caller; call
 * hunt_yield_init() once per thread first, so the sleep is not stretched to
 * the default 50 us timer slack.
 */
#ifndef HUNT_YIELD_H
#define HUNT_YIELD_H

#include <sys/prctl.h>
#include <time.h>

static inline void
hunt_yield_init(void)
{
	prctl(PR_SET_TIMERSLACK, 1000UL); /* ns */
}

static inline void
hunt_yield(void)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 1000};
	nanosleep(&ts, NULL);
}

#endif
