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
#include <time.h>

#include <gnutls/crypto.h>
#include <sodium.h>

/* Each measurement runs for at least this long; the best of ROUNDS. */
#define MIN_SECONDS 0.25
#define ROUNDS      3

static volatile unsigned char sink;

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1)
		abort();
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* Best throughput in MB/s (10^6 bytes) of ROUNDS timed rounds; <0 on error. */
static double
measure(enum algo a, const unsigned char *buf, size_t n)
{
	unsigned char out[32];
	double best = 0;

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now(), t;
		size_t iters = 0;

		do {
			if (digest(a, buf, n, out) != 0)
				return -1;
			sink ^= out[0];
			iters++;
		} while ((t = now() - t0) < MIN_SECONDS);
		if ((double)iters * (double)n / t / 1e6 > best)
			best = (double)iters * (double)n / t / 1e6;
	}
	return best;
}

/* Ed25519 verifications per second of a 342-byte message (a full header). */
static double
verify_rate(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char msg[20 + 342 - 64], sig[crypto_sign_BYTES];
	double best = 0;

	randombytes_buf(msg, sizeof(msg));
	if (crypto_sign_keypair(pk, sk) != 0 ||
	    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk) != 0)
		return -1;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now(), t;
		size_t iters = 0;

		do {
			if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
				return -1;
			iters++;
		} while ((t = now() - t0) < MIN_SECONDS);
		if ((double)iters / t > best)
			best = (double)iters / t;
	}
	return best;
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
