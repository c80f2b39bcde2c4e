/*
 * Token introspection (RFC 7662): the request body lenscapd POSTs to the
 * vendor's endpoint, the strict reading of its answer, and a bounded
 * cache of answers keyed by the token's SHA-256 (never the token).  The
 * fetch itself is the assistant face's (authenticate.c), through the
 * backend client.
 */
#ifndef LC_INTROSPECT_H
#define LC_INTROSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"
#include "policy.h"

#define INTROSPECT_ANSWER_MAX 16384 /* bytes of an endpoint's answer */

/* What the endpoint said of a token, as far as lenscapd cares. */
enum intro_verdict {
	INTRO_ACTIVE,     /* active, and aud/iss as the policy wants */
	INTRO_INACTIVE,   /* "active": false */
	INTRO_WRONG_AUD,  /* active, but not for the policy's audience */
	INTRO_WRONG_ISS   /* active, but from another issuer */
};

struct intro_answer {
	enum intro_verdict verdict;
	char sub[LC_DEVICE_MAX + 1]; /* "" if absent or too long for an account */
	uint64_t exp_ms;             /* wall clock; 0: the answer has no exp */
};

/* The audit reason for a verdict other than INTRO_ACTIVE. */
const char *introspect_verdict_reason(enum intro_verdict v);

/*
 * The form body "token=<percent-encoded token>" (malloc'd, *len bytes,
 * NUL-terminated); NULL when out of memory.  The caller wipes and frees it.
 */
char *introspect_body(const char *token, size_t *len);

/*
 * Reads an answer (len bytes) strictly: one JSON object, at most
 * INTROSPECT_ANSWER_MAX bytes, valid UTF-8, no key twice at its top
 * level, "active" a boolean, "sub" and "iss" strings, "exp" a positive
 * integer, "aud" a string or an array of strings.  aud and iss are
 * checked as in (NULL members: not checked).  0, or -1 if malformed.
 */
int introspect_parse(const uint8_t *buf, size_t len,
                     const struct policy_introspection *in, struct intro_answer *out);

/* A bounded, thread-safe cache of answers. */
/*
 * What an introspected session rests on under pol: the SHA-256 of the
 * endpoint's path, audience and issuer.  A session keeps it and asks
 * again for every frame, so that a reload that removes or changes the
 * endpoint ends its streams too.  0, or -1 if pol has no introspection.
 */
int introspect_source_print(const struct lc_policy *pol, uint8_t out[LC_DIGEST_BYTES]);

struct icache;

/* A new, empty cache with its own set index key (sodium_init() first);
 * NULL when out of memory. */
struct icache *icache_new(void);
void icache_free(struct icache *c);

/* The answer cached for digest that still lives at now_ms, in *out:
 * 1, or 0 if none. */
int icache_get(struct icache *c, const uint8_t digest[LC_DIGEST_BYTES], uint64_t now_ms,
               struct intro_answer *out);

/*
 * Keeps a for digest until until_ms (wall clock), in a cache of at most
 * entries answers: a full set evicts its oldest; a new size empties the
 * cache.  0, or -1 when out of memory (nothing is kept).
 */
int icache_put(struct icache *c, size_t entries, const uint8_t digest[LC_DIGEST_BYTES],
               const struct intro_answer *a, uint64_t until_ms);

#endif
