/*
 * policy: the keys a JWT issuer signs with (RFC 7517 JWKS), read when the
 * policy loads, so that a SIGHUP re-reads them.  It lives in policy/, not
 * beside the token check (proxy/assistant/jwt.c), because the loader
 * needs it and policy/ never includes the daemon's headers; jwt.c uses
 * what is here (the keys, canonical base64url) to check tokens.
 */
#ifndef LC_POLICY_JWKS_H
#define LC_POLICY_JWKS_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>

#define JWKS_MAX_BYTES ((size_t)1 << 20) /* a JWKS file */
#define JWKS_MAX_KEYS 64
#define JWK_KID_MAX 128

/* The algorithm a key is pinned to: a token must name exactly this. */
enum jwk_alg {
	JWK_ED25519, /* "Ed25519" (RFC 9864), OKP Ed25519 */
	JWK_EDDSA,   /* "EdDSA" with crv Ed25519 (RFC 8037) */
	JWK_ES256,   /* EC P-256, ECDSA with SHA-256 */
	JWK_RS256    /* RSA >= 2048 bits, PKCS#1 v1.5 with SHA-256 */
};

struct jwk {
	char kid[JWK_KID_MAX + 1];
	enum jwk_alg alg;
	uint8_t ed25519[32];  /* JWK_ED25519, JWK_EDDSA */
	gnutls_pubkey_t pub;  /* JWK_ES256, JWK_RS256 */
	uint8_t print[32];    /* SHA-256 of the public key: which key it is */
};

struct jwks {
	struct jwk *v;
	size_t n;
};

/* The alg name a token's header carries for a, e.g. "ES256". */
const char *jwk_alg_name(enum jwk_alg a);
/* The alg named s (n bytes), or -1 if it is none of the four. */
int jwk_alg_parse(const char *s, size_t n);

/*
 * Decodes canonical base64url (RFC 4648 section 5, no padding, no other
 * bytes, unused trailing bits zero) of in[0..n) into out (at most outmax
 * bytes); *outlen is the decoded length.  0, or LC_EFORMAT (not
 * canonical) or LC_ESPACE (too long).
 */
int b64url_decode(const char *in, size_t n, uint8_t *out, size_t outmax,
                  size_t *outlen);
/* Encodes in[0..n) as base64url without padding into out (NUL-ended,
 * room for (n * 4 + 2) / 3 + 1 bytes); its length. */
size_t b64url_encode(const uint8_t *in, size_t n, char *out);

/*
 * Parses a JWKS document (strict JSON, no comments, no duplicate keys):
 * {"keys":[...]}, each key with kty, kid, alg and its public parts only.
 * On failure *why says what (static or into whybuf) and *out is left.
 * 0, LC_EFORMAT or LC_ENOMEM.
 */
int jwks_parse(const char *buf, size_t len, struct jwks **out,
               char *whybuf, size_t whylen);
/* Reads and parses the JWKS file at path; as jwks_parse(), or LC_EIO. */
int jwks_load(const char *path, struct jwks **out, char *whybuf,
              size_t whylen);
/* The key named kid (n bytes), or NULL. */
const struct jwk *jwks_find(const struct jwks *ks, const char *kid, size_t n);
void jwks_free(struct jwks *ks);

#endif
