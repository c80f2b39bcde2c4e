/*
 * Sessions (session.h): turning what a request proves into an account,
 * and the per-frame re-check the gate's rule 4 makes of it.
 */
#include <string.h>

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
	if (s->device[0] != '\0' && strcmp(s->device, device) != 0)
		return 0;
	return policy_account_by_name(pol, account) != NULL;
}
