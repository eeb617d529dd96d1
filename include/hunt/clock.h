/*
 * The two clocks the non-packet code reads (the packet path uses the TSC):
 * wall time in ms (journal records, wave timers that must survive a
 * restart, control-socket deadlines) and a monotonic clock in seconds
 * (durations: replay, checkpoints, benches).
 */
#ifndef HUNT_CLOCK_H
#define HUNT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
hunt_clock_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline double
hunt_clock_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
