/*
 * Sessions (session.h): turning what a request proves into an account,
 * and the per-frame re-check the gate's rule 4 makes of it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "assistant/introspect.h"
#include "assistant/jwt.h"
#include "assistant/session.h"

const struct policy_account *
session_from_static(const struct lc_policy *pol, const char *token, struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->source = SESSION_STATIC;
	if (token == NULL || lc_digest(token, strlen(token), s->digest) != 0)
		return NULL;
	return policy_session_account_digest(pol, s->digest);
}

const struct policy_account *
session_from_jwt(const struct lc_policy *pol, const char *token,
                 uint64_t now_ms, struct session *s, const char **why)
{
	struct jwt_ok ok;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->source = SESSION_JWT;
	*why = "no session token";
	if (token == NULL)
		return NULL;
	n = strlen(token);
	if (lc_digest(token, n, s->digest) != 0) {
		*why = "jwt: digest";
		return NULL;
	}
	if (jwt_verify(pol, token, n, now_ms, &ok, why) != 0)
		return NULL;
	/* Accepted within the clock skew after exp, so held as long. */
	s->expires_ms = ok.exp_ms + policy_limits(pol)->clock_skew_ms;
	(void)snprintf(s->kid, sizeof(s->kid), "%s", ok.key->kid);
	if (jwt_source_print(pol, s->kid, s->source_print) != 0) {
		*why = "jwt: unknown kid";
		return NULL;
	}
	return ok.acct;
}

uint64_t
session_introspected_until(const struct lc_policy *pol, uint64_t exp_ms,
                           uint64_t now_ms)
{
	const struct policy_introspection *in = policy_introspection(pol);
	uint64_t life = in != NULL && in->cache_ms > 1000 ? in->cache_ms : 1000;

	return exp_ms != 0 && exp_ms < now_ms + life ? exp_ms : now_ms + life;
}

/* Whether the policy's source of s is still what accepted it. */
static int
source_holds(const struct lc_policy *pol, const struct session *s)
{
	uint8_t now[LC_DIGEST_BYTES];

	switch (s->source) {
	case SESSION_JWT:
		if (jwt_source_print(pol, s->kid, now) != 0)
			return 0;
		break;
	case SESSION_INTROSPECTED:
		if (introspect_source_print(pol, now) != 0)
			return 0;
		break;
	default:
		return 1;
	}
	return sodium_memcmp(now, s->source_print, sizeof(now)) == 0;
}

int
session_holds(const struct lc_policy *pol, const struct session *s,
              const char *account, const char *device, uint64_t now_ms)
{
	const struct policy_account *acct;

	if (s->source == SESSION_STATIC) {
		acct = policy_session_account_digest(pol, s->digest);
		return acct != NULL && strcmp(policy_account_name(acct), account) == 0;
	}
	if (s->expires_ms != 0 && now_ms >= s->expires_ms)
		return 0;
	if (!source_holds(pol, s))
		return 0;
	if (s->device[0] != '\0' && strcmp(s->device, device) != 0)
		return 0;
	return policy_account_by_name(pol, account) != NULL;
}
