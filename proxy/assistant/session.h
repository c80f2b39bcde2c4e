/*
 * Sessions on the assistant face: who asks, proved by what, and how every
 * frame checks again that the proof still holds under the policy in force.
 * The policy stays the only trusted copy of who may see what: a session
 * names an account, never the devices it may see.
 */
#ifndef LC_SESSION_H
#define LC_SESSION_H

#include <stdint.h>

#include "lenscap.h"
#include "jwks.h"
#include "policy.h"

/* Where a session came from. */
enum session_source {
	SESSION_STATIC,      /* a bearer token whose SHA-256 is in the policy */
	SESSION_JWT,         /* an RFC 9068 access token the policy's issuer signed */
	SESSION_INTROSPECTED,/* an opaque token the vendor's endpoint vouched for */
	SESSION_CAPABILITY   /* a capability URL lenscapd minted for one device */
};

/* A session as a request holds it: never the token itself. */
struct session {
	enum session_source source;
	uint8_t digest[LC_DIGEST_BYTES]; /* SHA-256 of the token or capability */
	uint64_t expires_ms;             /* wall clock; 0: does not expire */
	/* a capability's one device; "" when the session may ask for any
	 * device its account may see */
	char device[LC_DEVICE_MAX + 1];
	/* a JWT's or an introspected token's: what the policy's source of
	 * it was when it was accepted (jwt_source_print(),
	 * introspect_source_print()), asked again for every frame */
	uint8_t source_print[LC_DIGEST_BYTES];
	char kid[JWK_KID_MAX + 1];       /* a JWT's key id */
};

/*
 * The account a static bearer token (token, NUL-terminated) belongs to
 * under pol, or NULL; fills *s either way (its digest is what the gate
 * checks again).
 */
const struct policy_account *session_from_static(const struct lc_policy *pol,
                                                 const char *token,
                                                 struct session *s);

/*
 * The account a JWT access token (token, NUL-terminated) of pol's issuer
 * belongs to at now_ms (jwt.h), or NULL with *why (a static reason);
 * fills *s either way: source SESSION_JWT, the token's digest, expiry
 * at its "exp".
 */
const struct policy_account *session_from_jwt(const struct lc_policy *pol,
                                              const char *token,
                                              uint64_t now_ms,
                                              struct session *s,
                                              const char **why);

/*
 * Until when an introspected session holds, asked at now_ms: its "exp"
 * (exp_ms, 0 for none) and no longer than the policy's cache_ms (at
 * least a second), so that a token the endpoint revokes ends a live
 * stream within that time, even one without "exp".
 */
uint64_t session_introspected_until(const struct lc_policy *pol, uint64_t exp_ms,
                                    uint64_t now_ms);

/*
 * Whether s, which asked as account, still holds under pol at now_ms:
 * a static token must still be the policy's and still name account; any
 * other session must not have expired and its account must still exist;
 * a JWT's or an introspected token's source must still be what accepted
 * it (the same issuer, audience and key; the same endpoint); a
 * capability must be asked for its own device.  0 or 1.
 */
int session_holds(const struct lc_policy *pol, const struct session *s,
                  const char *account, const char *device, uint64_t now_ms);

#endif
