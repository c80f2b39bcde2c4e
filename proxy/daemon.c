/*
 * lenscapd's shared state: the policy swap that a reload does, sequence
 * numbers and request ids.
 */
#include <stdio.h>

#include "daemon.h"

struct lc_policy *
lcd_policy(struct lcd *d)
{
	struct lc_policy *p;

	pthread_mutex_lock(&d->lock);
	p = policy_ref(d->pol);
	pthread_mutex_unlock(&d->lock);
	return p;
}

void
lcd_set_policy(struct lcd *d, struct lc_policy *pol)
{
	struct lc_policy *old;

	pthread_mutex_lock(&d->lock);
	old = d->pol;
	d->pol = pol;
	pthread_mutex_unlock(&d->lock);
	policy_free(old); /* requests in flight keep their own reference */
}

uint64_t
lcd_next_seq(struct lcd *d)
{
	uint64_t now = lcd_now_ms() * 1000, last = d->last_seq, next;

	do {
		next = now > last ? now : last + 1;
	} while (!atomic_compare_exchange_weak(&d->last_seq, &last, next));
	return next;
}

void
lcd_request_id(struct lcd *d, char out[LCD_REQUEST_ID_BYTES])
{
	snprintf(out, LCD_REQUEST_ID_BYTES, "r-%llx",
	         (unsigned long long)++d->next_request);
}
