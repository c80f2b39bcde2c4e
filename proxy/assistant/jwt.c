/*
 * JWT access tokens (jwt.h).  Order of the checks: the size first (before
 * a byte is decoded), then the shape and canonical base64url of all three
 * parts, the header, the signature, and only then the claims.
 *
 * Decisions: "typ" is compared case-insensitively (a media type, RFC 7515
 * section 4.1.9), as "at+jwt" or "application/at+jwt"; header members
 * that would bring their own key or a URL (jku, x5u, jwk, x5c) or demand
 * understanding (crit) are refused, other unknown members ignored (RFC
 * 7515); NumericDates must be integers (no fraction, no exponent).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <sodium.h>

#include "lenscap.h"
#include "json.h"
#include "jwks.h"
#include "assistant/jwt.h"

#define JWT_SECONDS_MAX ((uint64_t)1 << 40) /* far beyond any real date */

/* One part of a token, decoded. */
struct part {
	const char *text; /* base64url as sent */
	size_t tlen;
	uint8_t *bin;
	size_t blen;
};

/* Parses json[0..len) strictly into a tree in a; an object, or NULL with
 * *why. */
static const struct jnode *
parse_object(struct arena *a, const char *json, size_t len, const char **why)
{
	struct perrs errs = { 0 };
	struct jnode *root = NULL;
	int rc;

	rc = json_parse_strict(a, json, len, 0, &errs, &root);
	if (rc == LC_ENOMEM)
		*why = "jwt: out of memory";
	else if (rc == 0 && perrs_count(&errs) == 0 && root->type == J_OBJECT)
		*why = NULL;
	else if (errs.n > 0 && strstr(errs.v[0].text, "duplicate key") != NULL)
		*why = "jwt: duplicate key";
	else
		*why = "jwt: bad json";
	perrs_free(&errs);
	return *why == NULL ? root : NULL;
}

/* The member key of obj if it is a string, else NULL. */
static const struct jnode *
get_str(const struct jnode *obj, const char *key)
{
	const struct jnode *m = jnode_get(obj, key);

	return m != NULL && m->type == J_STRING ? m : NULL;
}

/* A NumericDate member in seconds: 1 with *out, 0 absent, -1 not a
 * non-negative integer. */
static int
get_date(const struct jnode *obj, const char *key, uint64_t *out)
{
	const struct jnode *m = jnode_get(obj, key);
	uint64_t v = 0;

	if (m == NULL)
		return 0;
	if (m->type != J_NUMBER || m->len == 0 || m->len > 13 ||
	    (m->str[0] == '0' && m->len > 1))
		return -1;
	for (size_t i = 0; i < m->len; i++) {
		if (m->str[i] < '0' || m->str[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(m->str[i] - '0');
	}
	if (v > JWT_SECONDS_MAX)
		return -1;
	*out = v;
	return 1;
}

/* Whether aud (a string or an array of strings) holds want. */
static int
aud_holds(const struct jnode *aud, const char *want)
{
	if (aud == NULL)
		return 0;
	if (aud->type == J_STRING)
		return strcmp(aud->str, want) == 0;
	if (aud->type != J_ARRAY)
		return 0;
	for (const struct jnode *e = aud->child; e != NULL; e = e->next)
		if (e->type == J_STRING && strcmp(e->str, want) == 0)
			return 1;
	return 0;
}

int
jwt_claims(const struct lc_policy *pol, const char *json, size_t len,
           uint64_t now_ms, struct jwt_ok *ok, const char **why)
{
	const struct policy_jwt *cfg = policy_jwt(pol);
	uint64_t skew = policy_limits(pol)->clock_skew_ms, exp, nbf, iat;
	struct arena a = { 0 };
	const struct jnode *cl, *iss, *sub;
	int rc = -1, r;

	if (cfg == NULL) {
		*why = "jwt: not configured";
		return -1;
	}
	if ((cl = parse_object(&a, json, len, why)) == NULL)
		goto fail;
	*why = "jwt: iss";
	if ((iss = get_str(cl, "iss")) == NULL || strcmp(iss->str, cfg->issuer) != 0)
		goto fail;
	*why = "jwt: aud";
	if (!aud_holds(jnode_get(cl, "aud"), cfg->audience))
		goto fail;
	*why = "jwt: exp";
	if (get_date(cl, "exp", &exp) != 1)
		goto fail;
	*why = "jwt: expired";
	if (exp * 1000 + skew <= now_ms)
		goto fail;
	*why = "jwt: nbf";
	if ((r = get_date(cl, "nbf", &nbf)) < 0)
		goto fail;
	*why = "jwt: not yet valid";
	if (r == 1 && nbf * 1000 > now_ms + skew)
		goto fail;
	*why = "jwt: iat";
	if (get_date(cl, "iat", &iat) != 1)
		goto fail;
	*why = "jwt: issued in the future";
	if (iat * 1000 > now_ms + skew)
		goto fail;
	*why = "jwt: sub unknown";
	if ((sub = get_str(cl, "sub")) == NULL || memchr(sub->str, '\0', sub->len) ||
	    (ok->acct = policy_account_by_name(pol, sub->str)) == NULL)
		goto fail;
	ok->exp_ms = exp * 1000;
	*why = NULL;
	rc = 0;
fail:
	arena_free(&a);
	return rc;
}

/* Splits token into its three parts and decodes each, canonically, into
 * one buffer at *buf (freed by the caller); 0 or -1 with *why. */
static int
split(const char *token, size_t n, struct part p[3], uint8_t **buf,
      const char **why)
{
	const char *s = token, *dot;
	uint8_t *o;

	if ((*buf = malloc(n + 3)) == NULL) {
		*why = "jwt: out of memory";
		return -1;
	}
	o = *buf;
	for (int i = 0; i < 3; i++) {
		size_t left = n - (size_t)(s - token);

		dot = memchr(s, '.', left);
		if ((i < 2) != (dot != NULL)) {
			*why = "jwt: not compact JWS";
			return -1;
		}
		p[i].text = s;
		p[i].tlen = dot != NULL ? (size_t)(dot - s) : left;
		if (p[i].tlen == 0) {
			*why = "jwt: not compact JWS";
			return -1;
		}
		if (b64url_decode(p[i].text, p[i].tlen, o,
		                  n + 2 - (size_t)(o - *buf), &p[i].blen) != 0) {
			*why = "jwt: bad base64url";
			return -1;
		}
		p[i].bin = o;
		o[p[i].blen] = '\0';
		o += p[i].blen + 1;
		s = dot != NULL ? dot + 1 : s + p[i].tlen;
	}
	return 0;
}

/* Refuses header members that would bring a key or a URL of their own,
 * or extensions; 0 or -1 with *why. */
static int
header_members(const struct jnode *h, const char **why)
{
	static const char *const refused[][2] = {
		{ "jku", "jwt: jku header" }, { "x5u", "jwt: x5u header" },
		{ "jwk", "jwt: jwk header" }, { "x5c", "jwt: x5c header" },
		{ "crit", "jwt: crit header" }, { "zip", "jwt: zip header" },
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (jnode_get(h, refused[i][0]) != NULL) {
			*why = refused[i][1];
			return -1;
		}
	return 0;
}

/* The header's alg, typ and kid: the key to check with, or NULL with
 * *why. */
static const struct jwk *
header_key(const struct jnode *h, const struct jwks *ks, const char **why)
{
	const struct jnode *alg = get_str(h, "alg"), *typ, *kid;
	const struct jwk *k;
	int a;

	if (header_members(h, why) != 0)
		return NULL;
	if (alg == NULL)
		return *why = "jwt: alg", NULL;
	if (strcasecmp(alg->str, "none") == 0)
		return *why = "jwt: alg none", NULL;
	if (strncasecmp(alg->str, "HS", 2) == 0)
		return *why = "jwt: hmac alg", NULL;
	if ((a = jwk_alg_parse(alg->str, alg->len)) < 0)
		return *why = "jwt: alg", NULL;
	typ = get_str(h, "typ");
	if (typ == NULL || (strcasecmp(typ->str, "at+jwt") != 0 &&
	                    strcasecmp(typ->str, "application/at+jwt") != 0))
		return *why = "jwt: typ", NULL;
	kid = get_str(h, "kid");
	if (kid == NULL || (k = jwks_find(ks, kid->str, kid->len)) == NULL)
		return *why = "jwt: unknown kid", NULL;
	if ((int)k->alg != a)
		return *why = "jwt: alg mismatch", NULL;
	return k;
}

/* A datum over const bytes: GnuTLS reads them only. */
static gnutls_datum_t
datum(const void *p, size_t n)
{
	return (gnutls_datum_t){ (unsigned char *)(uintptr_t)p, (unsigned)n };
}

/* Whether sig is k's signature of msg[0..len) under k's alg. */
static int
signature_ok(const struct jwk *k, const char *msg, size_t len,
             const uint8_t *sig, size_t slen)
{
	gnutls_datum_t data = datum(msg, len);
	gnutls_datum_t r, s, der = { NULL, 0 }, raw;
	int good;

	switch (k->alg) {
	case JWK_ED25519:
	case JWK_EDDSA:
		return slen == crypto_sign_BYTES &&
		       crypto_sign_verify_detached(sig, (const unsigned char *)msg,
		                                   len, k->ed25519) == 0;
	case JWK_ES256:
		if (slen != 64)
			return 0;
		r = datum(sig, 32);
		s = datum(sig + 32, 32);
		if (gnutls_encode_rs_value(&der, &r, &s) < 0)
			return 0;
		good = gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_ECDSA_SHA256,
		                                  0, &data, &der) >= 0;
		gnutls_free(der.data);
		return good;
	case JWK_RS256:
		raw = datum(sig, slen);
		return gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_RSA_SHA256, 0,
		                                  &data, &raw) >= 0;
	}
	return 0;
}

int
jwt_verify(const struct lc_policy *pol, const char *token, size_t n,
           uint64_t now_ms, struct jwt_ok *ok, const char **why)
{
	const struct policy_jwt *cfg = policy_jwt(pol);
	struct arena a = { 0 };
	struct part p[3];
	const struct jnode *h;
	const struct jwk *k;
	uint8_t *buf = NULL;
	int rc = -1;

	*why = "jwt: not configured";
	if (cfg == NULL || token == NULL)
		return -1;
	*why = "jwt: too large";
	if (n > cfg->max_token_bytes)
		return -1;
	if (split(token, n, p, &buf, why) != 0)
		goto fail;
	if ((h = parse_object(&a, (const char *)p[0].bin, p[0].blen, why)) == NULL)
		goto fail;
	if ((k = header_key(h, cfg->jwks, why)) == NULL)
		goto fail;
	*why = "jwt: bad signature";
	if (!signature_ok(k, token, p[0].tlen + 1 + p[1].tlen, p[2].bin, p[2].blen))
		goto fail;
	rc = jwt_claims(pol, (const char *)p[1].bin, p[1].blen, now_ms, ok, why);
	ok->key = k;
fail:
	arena_free(&a);
	free(buf);
	return rc;
}

int
jwt_shaped(const char *token)
{
	const char *dot = strchr(token, '.');

	return dot != NULL && (dot = strchr(dot + 1, '.')) != NULL &&
	       strchr(dot + 1, '.') == NULL;
}

int
jwt_source_print(const struct lc_policy *pol, const char *kid,
                 uint8_t out[LC_DIGEST_BYTES])
{
	const struct policy_jwt *cfg = policy_jwt(pol);
	crypto_hash_sha256_state st;
	const struct jwk *k;

	if (cfg == NULL || cfg->jwks == NULL ||
	    (k = jwks_find(cfg->jwks, kid, strlen(kid))) == NULL)
		return -1;
	(void)crypto_hash_sha256_init(&st);
	(void)crypto_hash_sha256_update(&st, (const unsigned char *)cfg->issuer,
	                                strlen(cfg->issuer) + 1);
	(void)crypto_hash_sha256_update(&st, (const unsigned char *)cfg->audience,
	                                strlen(cfg->audience) + 1);
	(void)crypto_hash_sha256_update(&st, (const unsigned char *)kid, strlen(kid) + 1);
	(void)crypto_hash_sha256_update(&st, k->print, sizeof(k->print));
	(void)crypto_hash_sha256_final(&st, out);
	return 0;
}
