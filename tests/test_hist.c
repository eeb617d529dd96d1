/*
 * Proves the latency histogram's quantiles are within its 1/32 relative
 * bucket width of the exact quantiles, at small and huge values.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "hunt/hist.h"

Test(hist, quantiles_within_bucket_width)
{
	static struct hist h;
	memset(&h, 0, sizeof(h));
	for (uint64_t v = 1; v <= 100000; v++)
		hist_add(&h, v);
	double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (int i = 0; i < 4; i++) {
		double exact = qs[i] * 100000;
		double got = (double)hist_quantile(&h, qs[i]);
		cr_assert(got <= exact + 1 && got >= exact * (1 - 1.0 / 32) - 1,
			  "q%.3f: got %.0f exact %.0f", qs[i], got, exact);
	}
	cr_assert_eq(h.max, 100000);
	cr_assert_eq(h.n, 100000);
}

Test(hist, slots_are_monotonic_and_exact_below_32)
{
	for (uint64_t v = 0; v < 32; v++)
		cr_assert_eq(hist_slot_low(hist_slot(v)), v);
	uint32_t last = 0;
	for (uint64_t v = 1; v < (1ull << 40); v = v * 3 / 2 + 1) {
		uint32_t s = hist_slot(v);
		cr_assert_geq(s, last);
		cr_assert_lt(s, HIST_SLOTS);
		cr_assert_leq(hist_slot_low(s), v);
		last = s;
	}
	cr_assert_lt(hist_slot(UINT64_MAX), HIST_SLOTS);
	struct hist empty;
	memset(&empty, 0, sizeof(empty));
	cr_assert_eq(hist_quantile(&empty, 0.5), 0);
}
