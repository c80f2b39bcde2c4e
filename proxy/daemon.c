/*
 * lenscapd's shared state: the policy and ingest-key swaps that a reload
 * does, sequence numbers and request ids.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

struct lcd_ingest {
	atomic_uint refs;
	struct lc_secret_key *key;
};

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

int
lcd_ingest_load(const char *path, struct lcd_ingest **out)
{
	struct lcd_ingest *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL) {
		log_warnx("ingest key %s: out of memory", path);
		return -1;
	}
	if ((rc = lc_key_load_secret(path, &k->key)) != 0) {
		log_warnx("ingest key %s: %s", path,
		          rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		free(k);
		return -1;
	}
	k->refs = 1;
	*out = k;
	return 0;
}

int
lcd_ingest_trusted(const struct lcd_ingest *k, const struct lc_policy *pol)
{
	char hex[LC_KEY_ID_HEX_BYTES];
	const char *first;
	ssize_t n = policy_devices_untrusted(pol, lc_key_public(k->key), &first);

	if (n == 0)
		return 0;
	lc_key_id_hex(lc_key_id(k->key), hex);
	if (n < 0)
		log_warnx("ingest key %s: cannot check whether the policy's keys trust it", hex);
	else
		log_warnx("ingest key %s is not trusted by the policy's keys for device %s"
		          " (%zd device%s in all): every frame lenscapd sealed for %s would"
		          " be dropped", hex, first, n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
	return -1;
}

void
lcd_ingest_put(struct lcd_ingest *k)
{
	if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
		return;
	lc_key_free(k->key); /* wipes it */
	free(k);
}

void
lcd_set_ingest(struct lcd *d, struct lcd_ingest *k)
{
	struct lcd_ingest *old;

	pthread_mutex_lock(&d->lock);
	old = d->ingest;
	d->ingest = k;
	pthread_mutex_unlock(&d->lock);
	lcd_ingest_put(old);
}

static struct lcd_ingest *
ingest_ref(struct lcd *d)
{
	struct lcd_ingest *k;

	pthread_mutex_lock(&d->lock);
	if ((k = d->ingest) != NULL)
		k->refs++;
	pthread_mutex_unlock(&d->lock);
	return k;
}

int
lcd_has_ingest(struct lcd *d)
{
	int has;

	pthread_mutex_lock(&d->lock);
	has = d->ingest != NULL;
	pthread_mutex_unlock(&d->lock);
	return has;
}

int
lcd_seal(struct lcd *d, const struct lc_seal_params *p, const uint8_t *body,
         size_t len, uint8_t *out, size_t cap, size_t *n)
{
	struct lcd_ingest *k = ingest_ref(d);
	int rc = k != NULL ? lc_envelope_seal(k->key, p, body, len, out, cap, n) : LC_EINVAL;

	lcd_ingest_put(k);
	return rc;
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
