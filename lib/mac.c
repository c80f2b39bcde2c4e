/*
 * liblenscap: the keyed seal (algorithm 3).  A GMAC over header || body:
 * AES-256-GCM with an empty plaintext and the frame as associated data,
 * under HKDF-SHA256(secret, salt) with a counter nonce.  Each key object
 * draws its salt at random once and counts its nonces, so that no nonce
 * repeats under one derived key.  lenscap-envelope(7), KEYED SEAL, is the
 * specification; keep them in step.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <sodium.h>

#include "internal.h"

/* HKDF's info: binds derived keys to this use of the secret. */
static const char hkdf_info[] = "lenscap envelope v1 mac"; /* without NUL */

struct lc_mac_key {
	uint8_t secret[LC_MAC_SECRET_BYTES];
	uint8_t key[32];                 /* HKDF(secret, salt) */
	uint8_t salt[LC_MAC_SALT_BYTES];
	uint8_t id[LC_KEY_ID_BYTES];
	pid_t pid;                       /* the process that drew salt */
	_Atomic uint64_t counter;        /* nonces used so far */
};

int
lc_mac_key_id_from_secret(const uint8_t secret[LC_MAC_SECRET_BYTES],
                          uint8_t id[LC_KEY_ID_BYTES])
{
	static const char ctx[] = "lenscap mac key id v1"; /* hashed with its NUL */
	uint8_t buf[sizeof(ctx) + LC_MAC_SECRET_BYTES];
	uint8_t full[LC_DIGEST_BYTES];
	int rc;

	if (secret == NULL || id == NULL)
		return LC_EINVAL;
	memcpy(buf, ctx, sizeof(ctx));
	memcpy(buf + sizeof(ctx), secret, LC_MAC_SECRET_BYTES);
	rc = lc_digest(buf, sizeof(buf), full) != 0 ? LC_ECRYPTO : 0;
	if (rc == 0)
		memcpy(id, full, LC_KEY_ID_BYTES);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int
lc_mac_derive_(const uint8_t secret[LC_MAC_SECRET_BYTES],
               const uint8_t salt[LC_MAC_SALT_BYTES], uint8_t key[32])
{
	/* gnutls_datum_t wants writable bytes: work on a copy, wiped after. */
	struct {
		uint8_t secret[LC_MAC_SECRET_BYTES], salt[LC_MAC_SALT_BYTES];
		uint8_t info[sizeof(hkdf_info) - 1], prk[32];
	} w;
	gnutls_datum_t ikm = { w.secret, sizeof(w.secret) };
	gnutls_datum_t s = { w.salt, sizeof(w.salt) };
	gnutls_datum_t p = { w.prk, sizeof(w.prk) };
	gnutls_datum_t info = { w.info, sizeof(w.info) };
	int rc = 0;

	memcpy(w.secret, secret, sizeof(w.secret));
	memcpy(w.salt, salt, sizeof(w.salt));
	memcpy(w.info, hkdf_info, sizeof(w.info));
	if (gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &s, w.prk) < 0 ||
	    gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &p, &info, key, 32) < 0)
		rc = LC_ECRYPTO;
	sodium_memzero(&w, sizeof(w));
	return rc;
}

int
lc_mac_key_from_secret(const uint8_t secret[LC_MAC_SECRET_BYTES],
                       struct lc_mac_key **out)
{
	struct lc_mac_key *k;

	if (secret == NULL || out == NULL)
		return LC_EINVAL;
	if (lc_crypto_init_() != 0)
		return LC_ECRYPTO;
	if ((k = sodium_malloc(sizeof(*k))) == NULL)
		return LC_ENOMEM;
	memcpy(k->secret, secret, LC_MAC_SECRET_BYTES);
	randombytes_buf(k->salt, sizeof(k->salt));
	k->pid = getpid();
	atomic_init(&k->counter, 0);
	if (lc_mac_key_id_from_secret(secret, k->id) != 0 ||
	    lc_mac_derive_(secret, k->salt, k->key) != 0) {
		lc_mac_key_free(k);
		return LC_ECRYPTO;
	}
	*out = k;
	return 0;
}

/* lc_mac_key_from_secret() in the shape lc_secret_random_() and
 * lc_secret_load_() call. */
static int
key_from_secret(const uint8_t *secret, void *out)
{
	return lc_mac_key_from_secret(secret, out);
}

int
lc_mac_key_generate(struct lc_mac_key **out)
{
	return lc_secret_random_(LC_MAC_SECRET_BYTES, key_from_secret, out);
}

void
lc_mac_key_free(struct lc_mac_key *k)
{
	if (k != NULL)
		sodium_free(k); /* wipes it */
}

const uint8_t *
lc_mac_key_id(const struct lc_mac_key *k)
{
	return k->id;
}

const uint8_t *
lc_mac_key_secret_(const struct lc_mac_key *k)
{
	return k->secret;
}

int
lc_mac_key_save(const struct lc_mac_key *k, const char *path)
{
	if (k == NULL || path == NULL)
		return LC_EINVAL;
	return lc_secret_save_(path, LC_MAC_PREFIX, k->secret, LC_MAC_SECRET_BYTES);
}

int
lc_mac_key_load(const char *path, struct lc_mac_key **out)
{
	if (path == NULL || out == NULL)
		return LC_EINVAL;
	return lc_secret_load_(path, LC_MAC_PREFIX, LC_MAC_SECRET_BYTES, key_from_secret, out);
}

size_t
lc_envelope_size_mac(const struct lc_seal_params *p)
{
	size_t n = lc_envelope_size(p);

	return n == 0 ? 0 : n - LC_SIGNATURE_BYTES + LC_TAG_BYTES;
}

/* ---- GMAC over pieces of any size ----------------------------------- */

/* Starts v's GMAC under the derived key dk (32 bytes) with the nonce
 * of the frame's nonce field (salt || counter). */
static int
gmac_start_key(struct lc_mac_verifier *v, const uint8_t *dk,
               const uint8_t field[LC_DIGEST_BYTES])
{
	uint8_t key[32], iv[12] = { 0 };
	gnutls_datum_t k = { key, sizeof(key) }, n = { iv, sizeof(iv) };
	gnutls_cipher_hd_t hd;
	int rc;

	memset(v, 0, sizeof(*v));
	memcpy(key, dk, sizeof(key)); /* gnutls_datum_t wants writable bytes */
	memcpy(iv + 4, field + LC_MAC_SALT_BYTES, 8);
	rc = gnutls_cipher_init(&hd, GNUTLS_CIPHER_AES_256_GCM, &k, &n);
	sodium_memzero(key, sizeof(key));
	if (rc < 0)
		return LC_ECRYPTO;
	v->hd = hd;
	return 0;
}

/* Starts v's GMAC under the key derived from secret and the frame's
 * nonce field, as a verifier does for each frame. */
static int
gmac_start(struct lc_mac_verifier *v, const uint8_t *secret,
           const uint8_t field[LC_DIGEST_BYTES])
{
	uint8_t key[32];
	int rc;

	memset(v, 0, sizeof(*v));
	if (lc_mac_derive_(secret, field, key) != 0)
		return LC_ECRYPTO;
	rc = gmac_start_key(v, key, field);
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* Feeds n bytes, in 16-byte blocks; the rest waits in v->carry. */
static int
gmac_feed(struct lc_mac_verifier *v, const uint8_t *p, size_t n)
{
	size_t take, whole;

	if (v->carry_len > 0) {
		take = sizeof(v->carry) - v->carry_len < n ? sizeof(v->carry) - v->carry_len : n;
		memcpy(v->carry + v->carry_len, p, take);
		v->carry_len += take;
		p += take;
		n -= take;
		if (v->carry_len < sizeof(v->carry))
			return 0;
		if (gnutls_cipher_add_auth(v->hd, v->carry, sizeof(v->carry)) < 0)
			return LC_ECRYPTO;
		v->carry_len = 0;
	}
	whole = n & ~(size_t)15;
	if (whole > 0 && gnutls_cipher_add_auth(v->hd, p, whole) < 0)
		return LC_ECRYPTO;
	memcpy(v->carry, p + whole, n - whole);
	v->carry_len = n - whole;
	return 0;
}

/* The last piece, then the tag into out; releases v->hd. */
static int
gmac_finish(struct lc_mac_verifier *v, uint8_t out[LC_TAG_BYTES])
{
	int rc = 0;

	if (v->carry_len > 0 && gnutls_cipher_add_auth(v->hd, v->carry, v->carry_len) < 0)
		rc = LC_ECRYPTO;
	if (rc == 0 && gnutls_cipher_tag(v->hd, out, LC_TAG_BYTES) < 0)
		rc = LC_ECRYPTO;
	lc_mac_verifier_abort(v);
	return rc;
}

void
lc_mac_verifier_abort(struct lc_mac_verifier *v)
{
	if (v == NULL)
		return;
	if (v->hd != NULL)
		gnutls_cipher_deinit(v->hd);
	sodium_memzero(v, sizeof(*v));
}

/* ---- sealing ------------------------------------------------------- */

/* The next nonce field of k: its salt and a counter never used before. */
static int
next_nonce(struct lc_mac_key *k, uint8_t field[LC_DIGEST_BYTES])
{
	uint64_t c;

	if (getpid() != k->pid)
		return LC_ECRYPTO; /* a forked child would repeat the counter */
	c = atomic_fetch_add(&k->counter, 1) + 1;
	if (c == 0)
		return LC_ECRYPTO; /* 2^64 frames: never reuse */
	memcpy(field, k->salt, LC_MAC_SALT_BYTES);
	lc_put_be64(field + LC_MAC_SALT_BYTES, c);
	return 0;
}

int
lc_envelope_seal_mac(struct lc_mac_key *k, const struct lc_seal_params *p,
                     const uint8_t *body, size_t body_len, uint8_t *out,
                     size_t outlen, size_t *written)
{
	uint8_t field[LC_DIGEST_BYTES];
	struct lc_mac_verifier v;
	size_t hlen;
	int rc;

	if (k == NULL || (body == NULL && body_len > 0) || out == NULL || written == NULL)
		return LC_EINVAL;
	if ((hlen = lc_envelope_size_mac(p)) == 0)
		return LC_EINVAL;
	if (outlen < hlen || outlen - hlen < body_len)
		return LC_ESPACE;
	if ((rc = next_nonce(k, field)) != 0 ||
	    (rc = lc_envelope_fields_(p, LC_ALG_MAC_AES256GCM, k->id, body_len, field,
	                              out, hlen)) != 0)
		return rc;
	/* k->key is HKDF(secret, k->salt), the salt of every field it makes. */
	if ((rc = gmac_start_key(&v, k->key, field)) != 0)
		return rc;
	if ((rc = gmac_feed(&v, out, hlen - LC_TAG_BYTES)) != 0 ||
	    (body_len > 0 && (rc = gmac_feed(&v, body, body_len)) != 0)) {
		lc_mac_verifier_abort(&v);
		return rc;
	}
	if ((rc = gmac_finish(&v, out + hlen - LC_TAG_BYTES)) != 0)
		return rc;
	if (body_len > 0)
		memcpy(out + hlen, body, body_len);
	*written = hlen + body_len;
	return 0;
}

/* ---- verifying ----------------------------------------------------- */

int
lc_mac_verifier_init(struct lc_mac_verifier *v, const struct lc_envelope *env,
                     const struct lc_keyring *kr, enum lc_drop *why)
{
	const uint8_t *secret;
	int rc;

	if (v == NULL || env == NULL || env->header == NULL || kr == NULL ||
	    env->alg != LC_ALG_MAC_AES256GCM || env->header_len < LC_HEADER_MIN_MAC ||
	    env->header_len > LC_HEADER_MAX)
		return LC_EINVAL;
	if (lc_crypto_init_() != 0)
		return LC_ECRYPTO;
	if ((secret = lc_keyring_mac_(kr, env->key_id)) == NULL)
		return lc_reject_(why, LC_DROP_UNKNOWN_KEY);
	if ((rc = gmac_start(v, secret, env->digest)) != 0)
		return rc;
	memcpy(v->tag, env->signature, LC_TAG_BYTES);
	v->body_len = env->body_len;
	if ((rc = gmac_feed(v, env->header, env->header_len - LC_TAG_BYTES)) != 0)
		lc_mac_verifier_abort(v);
	return rc;
}

int
lc_mac_verifier_update(struct lc_mac_verifier *v, const void *p, size_t n)
{
	if (v == NULL || v->hd == NULL || (p == NULL && n > 0))
		return LC_EINVAL;
	v->seen += n;
	return n == 0 ? 0 : gmac_feed(v, p, n);
}

int
lc_mac_verifier_final(struct lc_mac_verifier *v, enum lc_drop *why)
{
	uint8_t want[LC_TAG_BYTES], got[LC_TAG_BYTES];
	int rc;

	if (v == NULL || v->hd == NULL)
		return LC_EINVAL;
	if (v->seen != v->body_len) {
		lc_mac_verifier_abort(v);
		return lc_reject_(why, LC_DROP_LENGTH_MISMATCH);
	}
	memcpy(want, v->tag, sizeof(want));
	if ((rc = gmac_finish(v, got)) != 0)
		return rc;
	if (sodium_memcmp(got, want, LC_TAG_BYTES) != 0)
		return lc_reject_(why, LC_DROP_BAD_SIGNATURE);
	return 0;
}

int
lc_envelope_check_mac(const struct lc_envelope *env, const struct lc_keyring *kr,
                      const uint8_t *body, size_t body_len, enum lc_drop *why)
{
	struct lc_mac_verifier v;
	int rc;

	if (env == NULL || (body == NULL && body_len > 0))
		return LC_EINVAL;
	if ((rc = lc_mac_verifier_init(&v, env, kr, why)) != 0)
		return rc;
	/* The length first, so that no more is MACed than the header says. */
	if (body_len != env->body_len) {
		lc_mac_verifier_abort(&v);
		return lc_reject_(why, LC_DROP_LENGTH_MISMATCH);
	}
	if ((rc = lc_mac_verifier_update(&v, body, body_len)) != 0) {
		lc_mac_verifier_abort(&v);
		return rc;
	}
	return lc_mac_verifier_final(&v, why);
}
