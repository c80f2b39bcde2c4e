/*
 * Measures the body digest candidates and the Ed25519 verify rate in one
 * process, so that their ratio means something on a noisy machine; the
 * figures and the choice are in lenscap-envelope(7), DIGEST CHOICE.
 * Time is this process's CPU time, not the wall clock: the rates are per
 * busy core, and other programs on the machine do not lower them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <sodium.h>

#include "cputime.h"

enum algo { GNUTLS_SHA256, SODIUM_BLAKE2B, SODIUM_SHA256 };

static const char *const algo_name[] = {
	[GNUTLS_SHA256] = "gnutls-sha256",
	[SODIUM_BLAKE2B] = "sodium-blake2b-256",
	[SODIUM_SHA256] = "sodium-sha256",
};

/* One digest of buf; 0 or -1. */
static int
digest(enum algo a, const unsigned char *buf, size_t n, unsigned char out[32])
{
	switch (a) {
	case GNUTLS_SHA256:
		return gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, n, out) < 0 ? -1 : 0;
	case SODIUM_BLAKE2B:
		return crypto_generichash(out, 32, buf, n, NULL, 0);
	case SODIUM_SHA256:
		return crypto_hash_sha256(out, buf, n);
	}
	return -1;
}

/* One digest of j's buffer, for bench_best(). */
struct digest_job {
	enum algo a;
	const unsigned char *buf;
	size_t n;
};

static int
digest_once(void *arg)
{
	const struct digest_job *j = arg;
	unsigned char out[32];

	if (digest(j->a, j->buf, j->n, out) != 0)
		return -1;
	bench_sink ^= out[0];
	return 0;
}

/* Best throughput in MB/s (10^6 bytes); <0 on error. */
static double
measure(enum algo a, const unsigned char *buf, size_t n)
{
	struct digest_job j = { a, buf, n };
	double s = bench_best(digest_once, &j);

	return s < 0 ? -1 : (double)n / s / 1e6;
}

/* One Ed25519 verification, for bench_best(). */
struct verify_job {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char msg[20 + 342 - 64], sig[crypto_sign_BYTES];
};

static int
verify_once(void *arg)
{
	const struct verify_job *j = arg;

	return crypto_sign_verify_detached(j->sig, j->msg, sizeof(j->msg), j->pk);
}

/* Ed25519 verifications per second of a 342-byte message (a full header). */
static double
verify_rate(void)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct verify_job j;
	double s;

	randombytes_buf(j.msg, sizeof(j.msg));
	if (crypto_sign_keypair(j.pk, sk) != 0 ||
	    crypto_sign_detached(j.sig, NULL, j.msg, sizeof(j.msg), sk) != 0)
		return -1;
	s = bench_best(verify_once, &j);
	return s < 0 ? -1 : 1 / s;
}

int
main(void)
{
	static const struct { const char *label; size_t n; } sizes[] = {
		{ "100KiB", 100 * 1024 }, { "4MiB", 4 * 1024 * 1024 },
	};
	unsigned char *buf;
	double v;
	int rc = 1;

	if (sodium_init() < 0 || gnutls_global_init() < 0)
		return 1;
	if ((buf = malloc(sizes[1].n)) == NULL)
		goto out;
	randombytes_buf(buf, sizes[1].n);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int a = GNUTLS_SHA256; a <= SODIUM_SHA256; a++) {
			if ((v = measure((enum algo)a, buf, sizes[s].n)) < 0)
				goto out;
			printf("%s/%s %.0f MB/s\n", algo_name[a], sizes[s].label, v);
		}
	}
	if ((v = verify_rate()) < 0)
		goto out;
	printf("ed25519-verify %.0f verify/s\n", v);
	rc = 0;
out:
	free(buf);
	gnutls_global_deinit();
	return rc;
}
