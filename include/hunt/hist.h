/*
 * Log-linear latency histogram: 32 linear sub-buckets per power of two, so
 * every recorded value is within about 3% of its bucket's bounds, in a fixed
 * 2,048-slot array (values up to 2^64). Recording is a few instructions.
 */
#ifndef HUNT_HIST_H
#define HUNT_HIST_H

#include <stdint.h>
#include <string.h>

#define HIST_SUB_BITS 5u
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_SLOTS (64u * HIST_SUB)

struct hist {
	uint64_t n;
	uint64_t max;
	uint64_t slot[HIST_SLOTS];
};

static inline uint32_t
hist_slot(uint64_t v)
{
	if (v < HIST_SUB)
		return (uint32_t)v;
	uint32_t e = 63u - (uint32_t)__builtin_clzll(v); /* >= HIST_SUB_BITS */
	uint32_t shift = e - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB + (uint32_t)((v >> shift) & (HIST_SUB - 1));
}

/* Lowest value that falls in slot s. */
static inline uint64_t
hist_slot_low(uint32_t s)
{
	if (s < HIST_SUB)
		return s;
	uint32_t shift = s / HIST_SUB - 1;
	return ((uint64_t)(HIST_SUB + s % HIST_SUB)) << shift;
}

static inline void
hist_add(struct hist *h, uint64_t v)
{
	h->slot[hist_slot(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* Value at quantile q (0..1): the low bound of the slot holding it. */
static inline uint64_t
hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)(h->n - 1)) + 1, seen = 0;
	for (uint32_t s = 0; s < HIST_SLOTS; s++) {
		seen += h->slot[s];
		if (seen >= rank)
			return hist_slot_low(s);
	}
	return h->max;
}

#endif
