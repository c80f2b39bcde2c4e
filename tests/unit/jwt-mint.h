/*
 * Minting JWTs for tests, the benchmark and the fuzz corpus: a key of
 * each alg (Ed25519 with libsodium, ES256 and RS256 with GnuTLS), its
 * public JWK, and compact JWS signed with it.  Header-only, static.
 */
#ifndef LC_JWT_MINT_H
#define LC_JWT_MINT_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <sodium.h>

#include "jwks.h"

struct minter {
	enum jwk_alg alg;
	char kid[64];
	uint8_t ed_pk[32], ed_sk[64];
	gnutls_privkey_t priv;
};

/* Writes text to dir/name; 0 or -1. */
__attribute__((unused)) static int
mint_put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* A new key for alg named kid; 0 or -1. */
__attribute__((unused)) static int
mint_keygen(struct minter *m, enum jwk_alg alg, const char *kid)
{
	memset(m, 0, sizeof(*m));
	m->alg = alg;
	snprintf(m->kid, sizeof(m->kid), "%s", kid);
	if (alg == JWK_ED25519 || alg == JWK_EDDSA)
		return crypto_sign_keypair(m->ed_pk, m->ed_sk) == 0 ? 0 : -1;
	if (gnutls_privkey_init(&m->priv) < 0)
		return -1;
	if (alg == JWK_ES256)
		return gnutls_privkey_generate(m->priv, GNUTLS_PK_ECDSA,
		               GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ? -1 : 0;
	return gnutls_privkey_generate(m->priv, GNUTLS_PK_RSA, 2048, 0) < 0 ? -1 : 0;
}

__attribute__((unused)) static void
mint_free(struct minter *m)
{
	if (m->priv != NULL)
		gnutls_privkey_deinit(m->priv);
	m->priv = NULL;
}

/* d as base64url, left-padded with zeros to width bytes (0: as is). */
static void
mint_b64_padded(const gnutls_datum_t *d, size_t width, char *out)
{
	uint8_t buf[1024] = { 0 };
	size_t n = d->size, skip = 0;

	while (width != 0 && n - skip > width && d->data[skip] == 0)
		skip++;
	n -= skip;
	if (width == 0 || n > width)
		width = n;
	memcpy(buf + (width - n), d->data + skip, n);
	b64url_encode(buf, width, out);
}

/* The public JWK of m (an object, no trailing newline) into out. */
__attribute__((unused)) static int
mint_jwk(const struct minter *m, char *out, size_t size)
{
	gnutls_datum_t a = { 0 }, b = { 0 };
	gnutls_ecc_curve_t curve;
	char x[1400], y[64];
	int rc = -1;

	if (m->alg == JWK_ED25519 || m->alg == JWK_EDDSA) {
		b64url_encode(m->ed_pk, 32, x);
		snprintf(out, size, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"%s\","
		         "\"alg\":\"%s\",\"x\":\"%s\"}", m->kid, jwk_alg_name(m->alg), x);
		return 0;
	}
	if (m->alg == JWK_ES256) {
		if (gnutls_privkey_export_ecc_raw2(m->priv, &curve, &a, &b, NULL,
		                                   GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
			return -1;
		mint_b64_padded(&a, 32, x);
		mint_b64_padded(&b, 32, y);
		snprintf(out, size, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\","
		         "\"alg\":\"ES256\",\"x\":\"%s\",\"y\":\"%s\"}", m->kid, x, y);
		rc = 0;
	} else {
		if (gnutls_privkey_export_rsa_raw2(m->priv, &a, &b, NULL, NULL, NULL,
		                                   NULL, NULL, NULL,
		                                   GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
			return -1;
		mint_b64_padded(&a, 0, x);
		mint_b64_padded(&b, 0, y);
		snprintf(out, size, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"alg\":\"RS256\","
		         "\"n\":\"%s\",\"e\":\"%s\"}", m->kid, x, y);
		rc = 0;
	}
	gnutls_free(a.data);
	gnutls_free(b.data);
	return rc;
}

/* Signs msg[0..n) with m into sig (room for 512 bytes); its length or 0. */
static size_t
mint_sign(const struct minter *m, const char *msg, size_t n, uint8_t *sig)
{
	gnutls_datum_t data = { (unsigned char *)(uintptr_t)msg, (unsigned)n };
	gnutls_datum_t s = { 0 }, r = { 0 }, ss = { 0 };
	size_t len = 0;
	char b1[64], b2[64];

	if (m->alg == JWK_ED25519 || m->alg == JWK_EDDSA)
		return crypto_sign_detached(sig, NULL, (const unsigned char *)msg, n,
		                            m->ed_sk) == 0 ? 64 : 0;
	if (gnutls_privkey_sign_data(m->priv, GNUTLS_DIG_SHA256, 0, &data, &s) < 0)
		return 0;
	if (m->alg == JWK_RS256) {
		memcpy(sig, s.data, s.size);
		len = s.size;
	} else if (gnutls_decode_rs_value(&s, &r, &ss) == 0) {
		uint8_t raw[96];
		size_t rl;

		/* to fixed-width r || s through the padding encoder */
		mint_b64_padded(&r, 32, b1);
		mint_b64_padded(&ss, 32, b2);
		if (b64url_decode(b1, strlen(b1), raw, 32, &rl) == 0 &&
		    b64url_decode(b2, strlen(b2), raw + 32, 32, &rl) == 0) {
			memcpy(sig, raw, 64);
			len = 64;
		}
	}
	gnutls_free(s.data);
	gnutls_free(r.data);
	gnutls_free(ss.data);
	return len;
}

/* Removes dir/policy.json, dir/jwks.json and dir (a temp dir). */
__attribute__((unused)) static void
mint_rmdir(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/policy.json", dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/jwks.json", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

/* header.claims.signature of the two JSON texts, signed by m, into out;
 * its length or 0. */
__attribute__((unused)) static size_t
mint_token(const struct minter *m, const char *header, const char *claims,
           char *out, size_t size)
{
	uint8_t sig[512];
	size_t n, sl;

	if ((strlen(header) + strlen(claims)) * 4 / 3 + 700 > size)
		return 0;
	n = b64url_encode((const uint8_t *)header, strlen(header), out);
	out[n++] = '.';
	n += b64url_encode((const uint8_t *)claims, strlen(claims), out + n);
	if ((sl = mint_sign(m, out, n, sig)) == 0)
		return 0;
	out[n++] = '.';
	n += b64url_encode(sig, sl, out + n);
	return n;
}

#endif
