/*
 * liblenscap: the body digest.  SHA-256 through GnuTLS, whose nettle
 * backend uses the CPU's SHA extensions; see lenscap-envelope(7) for why
 * SHA-256 and not BLAKE2b.
 */
#include <gnutls/crypto.h>

#include "lenscap.h"

int
lc_digest_init(struct lc_digest *d)
{
	gnutls_hash_hd_t hd;

	if (d == NULL)
		return LC_EINVAL;
	if (gnutls_hash_init(&hd, GNUTLS_DIG_SHA256) < 0)
		return LC_ECRYPTO;
	d->hd = hd;
	return 0;
}

int
lc_digest_update(struct lc_digest *d, const void *p, size_t n)
{
	if (d == NULL || d->hd == NULL || (p == NULL && n > 0))
		return LC_EINVAL;
	if (n == 0)
		return 0;
	if (gnutls_hash(d->hd, p, n) < 0)
		return LC_ECRYPTO;
	return 0;
}

void
lc_digest_final(struct lc_digest *d, uint8_t out[LC_DIGEST_BYTES])
{
	gnutls_hash_deinit(d->hd, out);
	d->hd = NULL;
}

void
lc_digest_abort(struct lc_digest *d)
{
	if (d != NULL && d->hd != NULL) {
		gnutls_hash_deinit(d->hd, NULL);
		d->hd = NULL;
	}
}

int
lc_digest(const void *p, size_t n, uint8_t out[LC_DIGEST_BYTES])
{
	if (p == NULL && n > 0)
		return LC_EINVAL;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, out) < 0)
		return LC_ECRYPTO;
	return 0;
}
