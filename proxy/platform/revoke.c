/*
 * Revoked accounts (platform/revoke.h): when each account was revoked,
 * and the longest capability lifetime of each kind of any policy loaded.
 */
#include <pthread.h>
#include <stdlib.h>

#include "platform/idmap.h"
#include "platform/revoke.h"

struct revocations {
	struct idmap *at;                    /* account -> revoked at, ms */
	pthread_mutex_t lock;                /* guards longest */
	uint32_t longest[LC_KIND_HLS + 1];   /* by enum lc_kind, ms */
};

struct revocations *
revocations_new(void)
{
	struct revocations *rv = calloc(1, sizeof(*rv));

	if (rv == NULL)
		return NULL;
	if ((rv->at = idmap_new()) == NULL || pthread_mutex_init(&rv->lock, NULL) != 0) {
		idmap_free(rv->at);
		free(rv);
		return NULL;
	}
	return rv;
}

void
revocations_free(struct revocations *rv)
{
	if (rv == NULL)
		return;
	idmap_free(rv->at);
	pthread_mutex_destroy(&rv->lock);
	free(rv);
}

void
revocations_policy(struct revocations *rv, const struct lc_policy *pol)
{
	pthread_mutex_lock(&rv->lock);
	for (int k = LC_KIND_SNAPSHOT; k <= LC_KIND_HLS; k++) {
		uint32_t l = policy_capability_lifetime(pol, k);

		if (l > rv->longest[k])
			rv->longest[k] = l;
	}
	pthread_mutex_unlock(&rv->lock);
}

/* The longest lifetime of kind, and (kind 0) of any kind. */
static uint64_t
longest(struct revocations *rv, int kind)
{
	uint64_t l = 0;

	pthread_mutex_lock(&rv->lock);
	for (int k = LC_KIND_SNAPSHOT; k <= LC_KIND_HLS; k++)
		if ((kind == 0 || k == kind) && rv->longest[k] > l)
			l = rv->longest[k];
	pthread_mutex_unlock(&rv->lock);
	return l;
}

int
revocations_add(struct revocations *rv, const char *account, uint64_t now_ms)
{
	uint64_t life = longest(rv, 0);

	/* An entry older than every lifetime revokes nothing still alive. */
	if (now_ms > life)
		idmap_drop_below(rv->at, now_ms - life);
	return idmap_set(rv->at, account, now_ms, 1);
}

int
revocations_has(struct revocations *rv, const char *account, int kind,
                uint64_t expires_ms)
{
	uint64_t at;

	if ((at = idmap_get(rv->at, account)) == 0 || kind < LC_KIND_SNAPSHOT ||
	    kind > LC_KIND_HLS)
		return at != 0;
	return expires_ms <= at + longest(rv, kind);
}
