/*
 * JWT access tokens (RFC 9068) as sessions: a compact JWS that the
 * policy's issuer signed with a key of its JWKS (policy/jwks.c reads the
 * keys; this checks tokens).  Never fetches anything a token names, never
 * logs a token.
 */
#ifndef LC_JWT_H
#define LC_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* A token that passed: its account and when it expires. */
struct jwt_ok {
	const struct policy_account *acct;
	uint64_t exp_ms; /* "exp" in ms since the epoch */
	const struct jwk *key; /* the key that verified it, in pol */
};

/*
 * What a JWT session rests on under pol: the SHA-256 of the issuer, the
 * audience, kid and the print of the key kid names.  A session keeps it
 * and asks again for every frame, so that a reload that drops the key,
 * replaces it, or changes the issuer or audience ends its streams too.
 * 0, or -1 if pol has no issuer or no key kid.
 */
int jwt_source_print(const struct lc_policy *pol, const char *kid,
                     uint8_t out[LC_DIGEST_BYTES]);

/* Whether token has a compact JWS's shape (three parts, two dots), so
 * that it is a JWT's to judge rather than another session source's. */
int jwt_shaped(const char *token);

/*
 * Checks token (n bytes) as an access token of pol's issuer at now_ms,
 * within the policy's clock skew: the size, canonical base64url, the
 * header (alg, typ, kid, no key or URL of its own), the signature with
 * the kid's key and its pinned alg, then the claims (jwt_claims()).
 * 0 with *ok filled, or -1 with *why a static reason ("jwt: ...").
 */
int jwt_verify(const struct lc_policy *pol, const char *token, size_t n,
               uint64_t now_ms, struct jwt_ok *ok, const char **why);

/*
 * Checks decoded claims (a JSON object of len bytes) against pol at
 * now_ms: iss, aud, exp, nbf, iat, sub.  As jwt_verify(); only after the
 * signature, and apart so that the fuzzer reaches it.
 */
int jwt_claims(const struct lc_policy *pol, const char *json, size_t len,
               uint64_t now_ms, struct jwt_ok *ok, const char **why);

#endif
