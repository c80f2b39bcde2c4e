/*
 * lenscapd's shared state: the policy swap that a reload does, and
 * request ids.  The ingest key's swap is the seal's (camera/seal.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "platform/revoke.h"

struct lc_policy *
lcd_policy(struct lcd *d)
{
	struct lc_policy *p;

	pthread_mutex_lock(&d->lock);
	p = policy_ref(d->pol);
	pthread_mutex_unlock(&d->lock);
	return p;
}

struct lc_policy *
lcd_swap_policy(struct lcd *d, struct lc_policy *pol)
{
	struct lc_policy *old;

	if (d->revoked != NULL)
		revocations_policy(d->revoked, pol);
	pthread_mutex_lock(&d->lock);
	old = d->pol;
	d->pol = pol;
	pthread_mutex_unlock(&d->lock);
	return old;
}

int
lcd_serves(const struct listener_ctx *fc, const struct lc_policy *pol)
{
	const struct policy_listener *l = policy_listener_by_name(pol, fc->name);

	return l != NULL && l->role == fc->role;
}

void
lcd_request_id(struct lcd *d, char out[LCD_REQUEST_ID_BYTES])
{
	snprintf(out, LCD_REQUEST_ID_BYTES, "r-%llx",
	         (unsigned long long)++d->next_request);
}
