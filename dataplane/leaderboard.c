#include "leaderboard.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hunt/journal.h"
#include "hunt/shard.h"

int
hunt_lb_init(struct hunt_lb *lb, uint32_t players)
{
	memset(lb, 0, sizeof(*lb));
	uint32_t cap = 64;
	while (cap < 2u * players && cap < (1u << 30))
		cap <<= 1;
	lb->slots = calloc(cap, sizeof(*lb->slots));
	lb->mask = cap - 1;
	return lb->slots ? 0 : -ENOMEM;
}

void
hunt_lb_free(struct hunt_lb *lb)
{
	free(lb->slots);
	lb->slots = NULL;
}

static struct hunt_lb_entry *
slot(const struct hunt_lb *lb, uint64_t player_id)
{
	uint32_t i = (uint32_t)hunt_mix64(player_id) & lb->mask;
	while (lb->slots[i].player_id != 0 && lb->slots[i].player_id != player_id)
		i = (i + 1) & lb->mask;
	return &lb->slots[i];
}

static int
grow(struct hunt_lb *lb)
{
	struct hunt_lb old = *lb;
	uint32_t cap = (lb->mask + 1) * 2;
	lb->slots = calloc(cap, sizeof(*lb->slots));
	if (lb->slots == NULL) {
		lb->slots = old.slots;
		return -ENOMEM;
	}
	lb->mask = cap - 1;
	for (uint32_t i = 0; i <= old.mask; i++)
		if (old.slots[i].player_id != 0)
			*slot(lb, old.slots[i].player_id) = old.slots[i];
	free(old.slots);
	return 0;
}

/* Whether a ranks below b: fewer coins, or as many and a larger id. A
 * total order, so the top list is the same whatever order wins came in. */
static int
ranks_below(uint64_t a_coins, uint64_t a_id, uint64_t b_coins, uint64_t b_id)
{
	return a_coins != b_coins ? a_coins < b_coins : a_id > b_id;
}

static void
find_low(struct hunt_lb *lb)
{
	lb->low = 0;
	for (uint32_t i = 1; i < lb->n_top; i++)
		if (ranks_below(lb->top[i].coins, lb->top[i].player_id, lb->top[lb->low].coins,
				lb->top[lb->low].player_id))
			lb->low = i;
}

/* The player's total grew to `coins`: keep top[] the HUNT_LB_TOP first in
 * that order. Exact because totals only grow: a player outside the list is
 * compared again each time theirs does. And because they only grow, a
 * player whose new total still ranks below the full list's last entry was
 * not on it (their old entry would rank lower still) and does not enter:
 * one comparison, the common case once the list is full (a durable win
 * spent 13% of huntd's core in the scan below without it: benchmarks.md). */
static void
update_top(struct hunt_lb *lb, uint64_t player_id, uint64_t coins)
{
	if (lb->n_top == HUNT_LB_TOP &&
	    ranks_below(coins, player_id, lb->top[lb->low].coins, lb->top[lb->low].player_id))
		return;
	uint32_t i = 0;
	while (i < lb->n_top && lb->top[i].player_id != player_id)
		i++;
	if (i < lb->n_top)
		lb->top[i].coins = coins;
	else if (lb->n_top < HUNT_LB_TOP)
		lb->top[lb->n_top++] = (struct hunt_lb_entry){player_id, coins};
	else
		lb->top[lb->low] = (struct hunt_lb_entry){player_id, coins};
	if (lb->n_top == HUNT_LB_TOP)
		find_low(lb);
}

int
hunt_lb_add(struct hunt_lb *lb, uint64_t player_id, uint64_t coins)
{
	if (player_id == 0 || coins == 0)
		return 0;
	struct hunt_lb_entry *e = slot(lb, player_id);
	if (e->player_id == 0) {
		if (2u * (lb->used + 1) > lb->mask + 1) {
			if (grow(lb) != 0)
				return -ENOMEM;
			e = slot(lb, player_id);
		}
		e->player_id = player_id;
		lb->used++;
	}
	e->coins += coins;
	update_top(lb, player_id, e->coins);
	return 0;
}

void
hunt_lb_durable(struct hunt_lb *lb, const uint8_t *records, uint32_t bytes)
{
	/* First start loading every winner's slot (a group holds hundreds of
	 * wins by players spread over the table), then count them. */
	for (uint32_t off = 0; off + sizeof(struct hunt_rec_hdr) <= bytes;) {
		const struct hunt_rec_hdr *h = (const void *)(records + off);
		if (h->type == HUNT_REC_WIN) {
			uint64_t p;
			memcpy(&p, (const uint8_t *)(h + 1) + offsetof(struct hunt_rec_win, player_id),
			       sizeof(p));
			__builtin_prefetch(&lb->slots[(uint32_t)hunt_mix64(p) & lb->mask]);
		}
		off += hunt_rec_bytes(h->len);
	}
	for (uint32_t off = 0; off + sizeof(struct hunt_rec_hdr) <= bytes;) {
		const struct hunt_rec_hdr *h = (const void *)(records + off);
		if (h->type == HUNT_REC_WIN) {
			struct hunt_rec_win w;
			memcpy(&w, h + 1, sizeof(w));
			hunt_lb_add(lb, w.player_id, w.coins);
			lb->wins++;
		}
		off += hunt_rec_bytes(h->len);
	}
}

uint64_t
hunt_lb_coins(const struct hunt_lb *lb, uint64_t player_id)
{
	const struct hunt_lb_entry *e = slot(lb, player_id);
	return e->player_id == player_id ? e->coins : 0;
}

static int
by_coins(const void *a, const void *b)
{
	const struct hunt_lb_entry *x = a, *y = b;
	if (x->coins != y->coins)
		return x->coins > y->coins ? -1 : 1;
	return x->player_id < y->player_id ? -1 : x->player_id > y->player_id;
}

uint32_t
hunt_lb_merge(const struct hunt_lb_entry *const *lists, const uint32_t *lens, uint32_t n,
	      struct hunt_lb_entry *out, uint32_t max)
{
	uint32_t total = 0;
	for (uint32_t i = 0; i < n; i++)
		total += lens[i];
	struct hunt_lb_entry *all = calloc(total ? total : 1, sizeof(*all));
	if (all == NULL)
		return 0;
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < lens[i]; k++) {
			uint32_t j = 0;
			while (j < m && all[j].player_id != lists[i][k].player_id)
				j++;
			if (j == m)
				all[m++] = (struct hunt_lb_entry){lists[i][k].player_id, 0};
			all[j].coins += lists[i][k].coins;
		}
	qsort(all, m, sizeof(*all), by_coins);
	uint32_t k = m < max ? m : max;
	memcpy(out, all, k * sizeof(*out));
	free(all);
	return k;
}

/* Word-by-word copies with relaxed atomics: a racing reader sees torn data
 * (which the seq check throws away) but never a data race. */
static void
copy_words(uint64_t *dst, const uint64_t *src, size_t words)
{
	for (size_t i = 0; i < words; i++)
		__atomic_store_n(&dst[i], __atomic_load_n(&src[i], __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

void
hunt_lb_board_publish(struct hunt_lb_board *b, const struct hunt_lb_entry *top, uint32_t n,
		      uint64_t wins, uint64_t taken_ms)
{
	uint32_t s = __atomic_load_n(&b->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&b->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&b->n, n, __ATOMIC_RELAXED);
	__atomic_store_n(&b->taken_ms, taken_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&b->wins, wins, __ATOMIC_RELAXED);
	copy_words((uint64_t *)b->top, (const uint64_t *)top, n * 2u);
	__atomic_store_n(&b->seq, s + 2, __ATOMIC_RELEASE);
}

int
hunt_lb_board_read(const struct hunt_lb_board *b, struct hunt_lb_board *out)
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t s = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
		if (s & 1u)
			continue;
		out->n = __atomic_load_n(&b->n, __ATOMIC_RELAXED);
		out->taken_ms = __atomic_load_n(&b->taken_ms, __ATOMIC_RELAXED);
		out->wins = __atomic_load_n(&b->wins, __ATOMIC_RELAXED);
		if (out->n > HUNT_LB_TOP)
			continue;
		copy_words((uint64_t *)out->top, (const uint64_t *)b->top, out->n * 2u);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&b->seq, __ATOMIC_RELAXED) == s)
			return out->taken_ms != 0 ? 0 : -EAGAIN;
	}
	return -EAGAIN;
}
