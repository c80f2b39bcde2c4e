/*
 * Who asks on the assistant face, and whether they may (authenticate.h):
 * the route, then the session from a capability, a static token, a JWT
 * or the introspection endpoint (asked through the backend client, its
 * answers cached), then the grant.  assistant.c calls it before any
 * frame is fetched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "daemon.h"
#include "clock.h"
#include "net/http.h"
#include "assistant/authenticate.h"
#include "assistant/capability.h"
#include "assistant/introspect.h"
#include "assistant/jwt.h"
#include "log.h"
#include "platform/front.h"
#include "platform/revoke.h"

#define SESSION_PREFIX_HEX 12 /* of a token's digest, in audit lines */

/* Names r's token session in its audit lines from now on: the first
 * digits of the token's digest, never the token.  A capability's tag,
 * set first, stays. */
static void
tag_session(struct areq *r)
{
	char hex[2 * LC_DIGEST_BYTES + 1];

	if (r->q.session_tag[0] != '\0')
		return;
	(void)sodium_bin2hex(hex, sizeof(hex), r->session.digest, LC_DIGEST_BYTES);
	memcpy(r->q.session_tag, hex, SESSION_PREFIX_HEX);
	r->q.session_tag[SESSION_PREFIX_HEX] = '\0';
}

/* One audit line about r's session: event and detail. */
static void
audit_session(struct areq *r, const char *event, const char *detail)
{
	tag_session(r);
	freq_audit(&r->q, event, LC_DROP_NONE, NULL, detail);
}

/* 401 for a session refused for why (audited, counted). */
static enum MHD_Result
refuse_session(struct areq *r, const char *why)
{
	r->expired = strcmp(why, "jwt: expired") == 0 ||
	             strcmp(why, "introspection: expired") == 0;
	r->q.fc->d->metrics.auth_failures++;
	audit_session(r, "auth_failure", why);
	return areq_problem(r, MHD_HTTP_UNAUTHORIZED, "session required");
}

/* The route's CORS answer for the request's Origin (none if the route
 * lists no origins). */
static void
set_cors(struct areq *r)
{
	const char *origin;

	if (r->q.route == NULL || r->q.route->ncors_origins == 0)
		return;
	origin = MHD_lookup_connection_value(r->q.conn, MHD_HEADER_KIND, "Origin");
	r->q.cors.vary = 1;
	r->q.cors.origin = policy_cors_origin(r->q.route, origin);
}

/* Answers a CORS preflight for the route found (204). */
static enum MHD_Result
answer_preflight(struct areq *r, const char *allow_headers)
{
	freq_answered(&r->q, A_DONE, MHD_HTTP_NO_CONTENT);
	return http_preflight(r->q.conn, &r->q.cors, allow_headers);
}

/* A capability path: the capability is the session (capability.h);
 * 404 or 410 when it does not hold.  Sets *go_on to go on. */
static enum MHD_Result
authorize_capability(struct areq *r, const char *url, const char *method, int *go_on)
{
	struct lcd *d = r->q.fc->d;
	struct capability_request cr;
	unsigned status;

	status = capability_resolve(r->q.pol, r->q.fc->name, method, url,
	                            lcd_now_ms(), &cr);
	r->q.route = cr.route;
	memcpy(r->q.device, cr.device, sizeof(r->q.device));
	memcpy(r->q.name, cr.name, sizeof(r->q.name));
	memcpy(r->q.session_tag, cr.tag, sizeof(r->q.session_tag));
	r->session = cr.session;
	if (cr.account != NULL)
		r->q.account = policy_account_name(cr.account);
	set_cors(r);
	if (status == 0 && revocations_has(d->revoked, r->q.account, cr.route->media,
	                                   cr.session.expires_ms)) {
		status = MHD_HTTP_NOT_FOUND; /* the release would drop it too */
		cr.why = "capability revoked: account unlinked";
	}
	if (status == 0) {
		*go_on = 1;
		return MHD_YES;
	}
	if (cr.not_granted) {
		freq_audit(&r->q, "deny", LC_DROP_NOT_GRANTED, NULL, "capability");
	} else {
		d->metrics.auth_failures++;
		freq_audit(&r->q, "auth_failure", LC_DROP_NONE, NULL, cr.why);
	}
	return areq_problem(r, status, status == MHD_HTTP_GONE ? "capability expired"
	                                                       : "not found");
}

/* The session's account asks for the route's device: 404 if it may not
 * see it; *go_on 1 if it may. */
static enum MHD_Result
grant(struct areq *r, const struct policy_account *acct, int *go_on)
{
	r->q.account = policy_account_name(acct);
	r->acct = acct;
	r->session.cap_expires_ms = r->cap_expires_ms;
	tag_session(r);
	if (r->front != NULL) {
		*go_on = 1; /* a platform answers for the account's own devices */
		return MHD_YES;
	}
	if ((r->cap_account != NULL && acct != r->cap_account) ||
	    !policy_may_see(r->q.pol, acct, r->q.device)) {
		freq_audit(&r->q, "deny", LC_DROP_NOT_GRANTED, NULL, NULL);
		return areq_problem(r, MHD_HTTP_NOT_FOUND, "not found");
	}
	*go_on = 1;
	return MHD_YES;
}

/* What the endpoint said (a, fresh or cached) makes the session: 401
 * unless active, unexpired and of an account in the policy; exp bounds
 * the session.  Then grant(). */
static enum MHD_Result
introspected(struct areq *r, const struct intro_answer *a, int *go_on)
{
	const struct policy_account *acct;

	if (a->verdict != INTRO_ACTIVE)
		return refuse_session(r, introspect_verdict_reason(a->verdict));
	if (a->exp_ms != 0 && a->exp_ms <= lcd_now_ms())
		return refuse_session(r, "introspection: expired");
	acct = a->sub[0] != '\0' ? policy_account_by_name(r->q.pol, a->sub) : NULL;
	if (acct == NULL)
		return refuse_session(r, "introspection: unknown sub");
	/* source_print: introspect_start()'s */
	r->session.expires_ms = session_introspected_until(r->q.pol, a->exp_ms,
	                                                   lcd_now_ms());
	return grant(r, acct, go_on);
}

/* Upstream thread: collects the endpoint's answer, bounded. */
static int
on_answer(void *arg, const uint8_t *p, size_t n)
{
	struct areq *r = arg;

	if (r->buf == NULL && (r->buf = malloc(INTROSPECT_ANSWER_MAX)) != NULL)
		r->cap = INTROSPECT_ANSWER_MAX;
	if (r->buf == NULL || n > r->cap - r->len)
		return 1;
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

/* The cache's key for r's token: its digest with the endpoint's print
 * (session.source_print), so that a reload that changes the endpoint,
 * its audience or issuer finds none of the answers given before. */
static const uint8_t *
cache_key(const struct areq *r, uint8_t key[LC_DIGEST_BYTES])
{
	uint8_t both[2 * LC_DIGEST_BYTES];

	memcpy(both, r->session.source_print, LC_DIGEST_BYTES);
	memcpy(both + LC_DIGEST_BYTES, r->session.digest, LC_DIGEST_BYTES);
	(void)crypto_hash_sha256(key, both, sizeof(both));
	return key;
}

/* Asks the policy's endpoint about token (no static session), through
 * the backend client; the request sleeps until it answers.  A cached
 * answer is used at once.  *go_on 2 while it sleeps. */
static enum MHD_Result
introspect_start(struct areq *r, const char *token, int *go_on)
{
	const struct policy_introspection *in = policy_introspection(r->q.pol);
	uint8_t key[LC_DIGEST_BYTES];
	struct intro_answer a;

	r->session.source = SESSION_INTROSPECTED; /* digest: the token's, already */
	if (introspect_source_print(r->q.pol, r->session.source_print) != 0)
		return refuse_session(r, "introspection: not configured");
	if (icache_get(r->q.fc->d->icache, cache_key(r, key), lcd_now_ms(), &a))
		return introspected(r, &a, go_on);
	if ((size_t)snprintf(r->q.up.path, sizeof(r->q.up.path), "%s", in->path) >=
	        sizeof(r->q.up.path) ||
	    (r->ibody = introspect_body(token, &r->ibody_len)) == NULL)
		return areq_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "introspection");
	r->q.up.method = "POST";
	r->q.up.body = (const uint8_t *)r->ibody;
	r->q.up.body_len = r->ibody_len;
	r->q.up.content_type = "application/x-www-form-urlencoded";
	r->q.up.timeout_ms = (long)in->timeout_ms;
	r->q.up.alone = 1; /* this token's answer: no pool, no cache */
	r->q.up.on_data = on_answer;
	*go_on = 2;
	freq_fetch(&r->q, A_ASK, A_ASKED, 1);
	return MHD_YES;
}

/* Why the introspection fetch gave no usable answer (detail in buf), or
 * NULL with the answer read into *a. */
static const char *
introspect_fault(struct areq *r, struct intro_answer *a, char *buf, size_t n)
{
	const char *ct = upstream_content_type(&r->q.up);

	if (r->q.result == UPSTREAM_ABORTED)
		return "introspection: answer over the limit";
	if (r->q.result != 0) {
		(void)snprintf(buf, n, "introspection: %s", upstream_failure(&r->q.up));
		return buf;
	}
	if (r->q.status != 200) {
		(void)snprintf(buf, n, "introspection: answered %ld", r->q.status);
		return buf;
	}
	if (strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';'))
		return "introspection: not json";
	if (introspect_parse(r->buf, r->len, policy_introspection(r->q.pol), a) != 0)
		return "introspection: malformed answer";
	return NULL;
}

/* Caches a fresh answer: an active one until min(cache_ms, exp), an
 * inactive or refused one for negative_cache_ms. */
static void
introspect_keep(struct areq *r, const struct intro_answer *a)
{
	const struct policy_introspection *in = policy_introspection(r->q.pol);
	uint64_t now = lcd_now_ms(), until;
	uint8_t key[LC_DIGEST_BYTES];

	if (a->verdict == INTRO_ACTIVE) {
		until = now + in->cache_ms;
		if (a->exp_ms != 0 && a->exp_ms < until)
			until = a->exp_ms;
	} else {
		until = now + in->negative_cache_ms;
	}
	if (until > now &&
	    icache_put(r->q.fc->d->icache, in->cache_entries, cache_key(r, key), a,
	               until) != 0)
		log_warnx("introspection: out of memory for the cache");
}

/* The endpoint answered (or did not): 503 if no usable answer (fail
 * closed, audited, counted); else as introspected() says.  *go_on 1 to
 * go on to the frame. */
enum MHD_Result
authenticate_resume(struct areq *r, int *go_on)
{
	struct intro_answer a;
	const char *why;
	char detail[96];

	*go_on = 0;
	sodium_memzero(r->ibody, r->ibody_len);
	why = introspect_fault(r, &a, detail, sizeof(detail));
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	if (why != NULL) {
		r->q.fc->d->metrics.introspection_failures++;
		audit_session(r, "auth_failure", why);
		return areq_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		                    "session service unavailable");
	}
	introspect_keep(r, &a);
	return introspected(r, &a, go_on);
}

/* The session token's account, from each source in turn: 401 for none;
 * *go_on as authenticate.h says. */
enum MHD_Result
authenticate_token(struct areq *r, const char *token, int *go_on)
{
	const struct policy_account *acct;
	const char *why;

	/* The session is kept: the gate checks it again for every frame. */
	if (token == NULL) {
		r->q.fc->d->metrics.auth_failures++;
		freq_audit(&r->q, "auth_failure", LC_DROP_NONE, NULL, "no session token");
		return areq_problem(r, MHD_HTTP_UNAUTHORIZED, "session required");
	}
	/* Each source in turn: static digests; a token shaped as a JWT when
	 * the policy has an issuer (its verdict is final); introspection. */
	acct = session_from_static(r->q.pol, token, &r->session);
	if (acct == NULL && policy_jwt(r->q.pol) != NULL && jwt_shaped(token)) {
		acct = session_from_jwt(r->q.pol, token, lcd_now_ms(), &r->session, &why);
		if (acct == NULL)
			return refuse_session(r, why);
	}
	if (acct == NULL && policy_introspection(r->q.pol) != NULL)
		return introspect_start(r, token, go_on);
	if (acct == NULL)
		return refuse_session(r, "unknown session token");
	return grant(r, acct, go_on);
}

/* The route, then the session: authenticate.h. */
enum MHD_Result
authenticate_request(struct areq *r, const char *url, const char *method, int *go_on)
{
	const char *as, *token;
	int preflight = strcmp(method, "OPTIONS") == 0;
	enum MHD_Result ret;

	*go_on = 0;
	as = preflight ? "GET" : method;
	r->q.pol = lcd_policy(r->q.fc->d);
	if (!lcd_serves(r->q.fc, r->q.pol))
		return areq_problem(r, MHD_HTTP_NOT_FOUND, "not found");
	if (capability_is_path(r->q.pol, url)) {
		ret = authorize_capability(r, url, as, go_on);
		if (*go_on && !preflight && (token = http_bearer(r->q.conn)) != NULL) {
			/* A capability fetched with a bearer token (Alexa's
			 * snapshots): the token must hold too, for the
			 * capability's own account. */
			r->cap_account = policy_account_by_name(r->q.pol, r->q.account);
			r->cap_expires_ms = r->session.expires_ms;
			*go_on = 0;
			return authenticate_token(r, token, go_on);
		}
		if (!*go_on || !preflight)
			return ret;
		*go_on = 0;
		return answer_preflight(r, NULL);
	}
	r->q.route = policy_route_find(r->q.pol, r->q.fc->name, as, url,
	                               r->q.device, r->q.name);
	if (r->q.route == NULL)
		return areq_problem(r, MHD_HTTP_NOT_FOUND, "not found");
	set_cors(r);
	if (preflight)
		return answer_preflight(r, "Authorization");
	if (r->q.route->platform != POLICY_PLATFORM_NONE) {
		/* The body first: an Alexa directive holds its token. */
		if ((r->front = front_new(r->q.route->platform)) == NULL)
			return areq_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no memory");
		r->q.state = A_BODY;
		freq_body_due(&r->q);
		return MHD_YES;
	}
	return authenticate_token(r, http_bearer(r->q.conn), go_on);
}

