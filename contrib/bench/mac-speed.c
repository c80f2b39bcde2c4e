/*
 * Measures the keyed-seal candidates against today's Ed25519 seal, per
 * frame of a given body size (100 KiB unless told), in one process so
 * that their ratios mean something on a noisy machine; the figures and
 * the choice are in lenscap-envelope(7), KEYED SEAL.  Each verifier does
 * what the gate does per frame: for AES-256-GCM, derive the frame's key
 * with HKDF-SHA256 from the secret and the header's salt, set it up and
 * authenticate header || body (GMAC); for XChaCha20-Poly1305, authenticate
 * header || body under the 192-bit nonce; for Ed25519, SHA-256 of the body
 * and one signature check over a full-size header.  Then liblenscap's
 * own calls, as lenscapd makes them: a whole frame opened (what the gate
 * checks) and sealed (what the camera face does), under the keyed seal
 * and under Ed25519.  CPU time of this process, the best round (cputime.h): a
 * benchmark, never a timed test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <sodium.h>

#include "lenscap.h"
#include "cputime.h"

#define HEADER      256 /* a typical envelope, without its tag */

enum algo {
	AES_GCM_HKDF, AES_GCM_CACHED, XCHACHA, ED25519_SHA256,
	LC_OPEN_MAC, LC_OPEN_ED25519, LC_SEAL_MAC, LC_SEAL_ED25519, NALGO
};

static const char *const algo_name[] = {
	[AES_GCM_HKDF] = "aes256gcm-gmac+hkdf",
	[AES_GCM_CACHED] = "aes256gcm-gmac",
	[XCHACHA] = "xchacha20poly1305",
	[ED25519_SHA256] = "ed25519+sha256",
	[LC_OPEN_MAC] = "lenscap-open-keyed",
	[LC_OPEN_ED25519] = "lenscap-open-ed25519",
	[LC_SEAL_MAC] = "lenscap-seal-keyed",
	[LC_SEAL_ED25519] = "lenscap-seal-ed25519",
};

/* liblenscap's side: keys, a keyring that trusts both, a frame sealed
 * each way and room to seal another. */
struct lc_side {
	struct lc_secret_key *sk;
	struct lc_mac_key *mk;
	struct lc_keyring *ring;
	uint8_t *sealed[2], *out; /* [0] keyed, [1] Ed25519 */
	size_t len[2], cap;
	struct lc_seal_params p;
};

struct bench {
	unsigned char secret[32], salt[24], nonce[24], tag[16];
	unsigned char pk[32], sk[64], sig[64];
	unsigned char *frame; /* header || body, contiguous */
	size_t body;
	gnutls_aead_cipher_hd_t cached;
	struct lc_side lc;
};

/* One of liblenscap's calls on a whole frame; 0 or -1. */
static int
lc_one(struct bench *b, enum algo a)
{
	struct lc_side *l = &b->lc;
	const uint8_t *body = b->frame + HEADER;
	struct lc_envelope env;
	enum lc_drop why;
	size_t n;
	int i = a == LC_OPEN_MAC || a == LC_SEAL_MAC ? 0 : 1;

	if (a == LC_OPEN_MAC || a == LC_OPEN_ED25519)
		return lc_envelope_open(l->sealed[i], l->len[i], l->ring, b->body, &env,
		                        &why) == 0 ? 0 : -1;
	if (a == LC_SEAL_MAC)
		return lc_envelope_seal_mac(l->mk, &l->p, body, b->body, l->out, l->cap,
		                            &n) == 0 ? 0 : -1;
	return lc_envelope_seal(l->sk, &l->p, body, b->body, l->out, l->cap, &n) == 0
	       ? 0 : -1;
}

/* The per-frame key: HKDF-SHA256(secret, salt, info) into key[32]. */
static int
hkdf(struct bench *b, unsigned char key[32])
{
	static unsigned char info_s[] = "lenscap envelope v1 mac";
	unsigned char prk[32];
	gnutls_datum_t ikm = { b->secret, 32 };
	gnutls_datum_t salt = { b->salt, 24 };
	gnutls_datum_t p = { prk, 32 };
	gnutls_datum_t info = { info_s, sizeof(info_s) - 1 };

	if (gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt, prk) < 0 ||
	    gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &p, &info, key, 32) < 0)
		return -1;
	return 0;
}

/* GMAC of header || body under h; 0 or -1. */
static int
gmac(const struct bench *b, gnutls_aead_cipher_hd_t h)
{
	giovec_t ad[2] = { { b->frame, HEADER }, { b->frame + HEADER, b->body } };
	unsigned char tag[16];
	size_t tl = sizeof(tag);

	if (gnutls_aead_cipher_encryptv2(h, b->nonce, 12, ad, 2, NULL, 0, tag, &tl) < 0)
		return -1;
	bench_sink ^= tag[0];
	return 0;
}

/* One frame's verification work with algorithm a; 0 or -1. */
static int
one(struct bench *b, enum algo a)
{
	unsigned char key[32], d[32];
	gnutls_datum_t k = { key, 32 };
	gnutls_aead_cipher_hd_t h;
	int rc;

	switch (a) {
	case AES_GCM_HKDF:
		if (hkdf(b, key) != 0 ||
		    gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &k) < 0)
			return -1;
		rc = gmac(b, h);
		gnutls_aead_cipher_deinit(h);
		sodium_memzero(key, sizeof(key));
		return rc;
	case AES_GCM_CACHED:
		return gmac(b, b->cached);
	case XCHACHA:
		if (crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
		        b->tag, b->tag, NULL, NULL, 0, b->frame, HEADER + b->body, NULL,
		        b->nonce, b->secret) != 0)
			return -1;
		bench_sink ^= b->tag[0];
		return 0;
	case ED25519_SHA256:
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, b->frame + HEADER, b->body, d) < 0 ||
		    crypto_sign_verify_detached(b->sig, b->frame, HEADER + 64 + 22, b->pk) != 0)
			return -1;
		bench_sink ^= d[0];
		return 0;
	default:
		return lc_one(b, a);
	}
}

/* One frame by one candidate, for bench_best(). */
struct job {
	struct bench *b;
	enum algo a;
};

static int
one_job(void *arg)
{
	const struct job *j = arg;

	return one(j->b, j->a);
}

/* Best microseconds per frame; <0 on error. */
static double
measure(struct bench *b, enum algo a)
{
	struct job j = { b, a };
	double s = bench_best(one_job, &j);

	return s < 0 ? -1 : s * 1e6;
}

/* liblenscap's keys, keyring and two sealed frames of b's body. */
static int
lc_setup(struct bench *b)
{
	static const char *const any[] = { "*" };
	struct lc_side *l = &b->lc;
	struct lc_seal_params p = {
		.device = "cam-1", .kind = LC_KIND_SNAPSHOT,
		.stream_id = "0123456789abcdef0123456789abcdef", .seq = 1,
		.capture_ms = 1764000000000ULL, .content_type = "image/jpeg",
	};

	l->p = p;
	l->cap = LC_HEADER_MAX + b->body;
	if (lc_key_generate(&l->sk) != 0 || lc_mac_key_generate(&l->mk) != 0 ||
	    lc_keyring_new(&l->ring) != 0 ||
	    lc_keyring_add(l->ring, lc_key_public(l->sk), any, 1) != 0 ||
	    lc_keyring_add_mac(l->ring, l->mk) != 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if ((l->sealed[i] = malloc(l->cap)) == NULL)
			return -1;
	if ((l->out = malloc(l->cap)) == NULL ||
	    lc_envelope_seal_mac(l->mk, &l->p, b->frame + HEADER, b->body, l->sealed[0],
	                         l->cap, &l->len[0]) != 0 ||
	    lc_envelope_seal(l->sk, &l->p, b->frame + HEADER, b->body, l->sealed[1],
	                     l->cap, &l->len[1]) != 0)
		return -1;
	return 0;
}

static void
lc_teardown(struct lc_side *l)
{
	lc_key_free(l->sk);
	lc_mac_key_free(l->mk);
	lc_keyring_free(l->ring);
	free(l->sealed[0]);
	free(l->sealed[1]);
	free(l->out);
}

/* Random secret, salt, nonce, frame, key pair and signature. */
static int
setup(struct bench *b, size_t body)
{
	unsigned char key[32];
	gnutls_datum_t k = { key, 32 };

	b->body = body;
	if ((b->frame = malloc(HEADER + 64 + 22 + body)) == NULL)
		return -1;
	randombytes_buf(b->frame, HEADER + 64 + 22 + body);
	randombytes_buf(b->secret, sizeof(b->secret));
	randombytes_buf(b->salt, sizeof(b->salt));
	randombytes_buf(b->nonce, sizeof(b->nonce));
	if (crypto_sign_keypair(b->pk, b->sk) != 0 ||
	    crypto_sign_detached(b->sig, NULL, b->frame, HEADER + 64 + 22, b->sk) != 0 ||
	    hkdf(b, key) != 0 ||
	    gnutls_aead_cipher_init(&b->cached, GNUTLS_CIPHER_AES_256_GCM, &k) < 0)
		return -1;
	return lc_setup(b);
}

int
main(int argc, char **argv)
{
	size_t body = argc > 1 ? strtoul(argv[1], NULL, 10) : 100 * 1024;
	struct bench b;

	memset(&b, 0, sizeof(b));

	if (argc > 2 || body == 0 || body > (1u << 30)) {
		fprintf(stderr, "usage: mac-speed [body-bytes]\n");
		return 2;
	}
	if (sodium_init() < 0 || setup(&b, body) != 0) {
		fprintf(stderr, "mac-speed: setup failed\n");
		return 1;
	}
	printf("# per frame of %zu body bytes, CPU microseconds, best of %d\n", body, BENCH_ROUNDS);
	for (int a = 0; a < NALGO; a++) {
		double us = measure(&b, (enum algo)a);

		if (us < 0) {
			fprintf(stderr, "mac-speed: %s failed\n", algo_name[a]);
			return 1;
		}
		printf("%-22s %9.2f us/frame %8.2f GB/s\n", algo_name[a], us,
		       (double)body / us / 1e3);
	}
	gnutls_aead_cipher_deinit(b.cached);
	lc_teardown(&b.lc);
	free(b.frame);
	return 0;
}
