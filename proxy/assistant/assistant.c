/*
 * The assistant face: a session (a bearer token, or a capability URL:
 * assistant/capability.c) asks for a device's
 * frame; the policy must grant it (else 404, never 403); the sealed frame
 * is fetched from the backend and passes the gate before one byte of it
 * is written.  A snapshot, an HLS playlist or an HLS segment is one
 * sealed frame; a dropped one is a 502 problem with no image bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "daemon.h"
#include "clock.h"
#include "net/http.h"
#include "backend/freq.h"
#include "assistant/capability.h"
#include "assistant/release.h"
#include "log.h"
#include "num.h"
#include "media/m3u8.h"
#include "assistant/relay_mjpeg.h"
#include "assistant/introspect.h"
#include "assistant/jwt.h"
#include "platform/front.h"
#include "platform/revoke.h"

/* A_BODY: a platform route's body is coming; A_ASK: the session's
 * token is being introspected; A_ASKED: answered. */
enum areq_state { A_NEW, A_BODY, A_ASK, A_ASKED, A_WAIT, A_READY, A_DONE };

#define SESSION_PREFIX_HEX 12 /* of a token's digest, in audit lines */

struct areq {
	struct freq q;               /* first: the shared lifecycle */
	struct session session;      /* who asks; the gate checks it again */
	uint8_t *buf;                /* the sealed frame as it arrives */
	size_t len, cap, max;
	struct mjpeg *stream;        /* an MJPEG route's relay */
	int head_seen;               /* the envelope's header has arrived */
	enum lc_drop early;          /* why on_data stopped it, or NONE */
	size_t whole;                /* where the frame ends by its header;
	                              * 0: never */
	struct gate_proof proof;     /* the gate's, of buf as it is now
	                              * (vouch), or pol NULL */
	char *ibody;                 /* the introspection's form body */
	size_t ibody_len;
	struct front *front;         /* a platform route's request, or NULL */
	const struct policy_account *acct; /* its session's account, in q.pol */
	/* a capability's account and expiry, when a bearer token came with
	 * it: the token's account must be the same, and the session holds
	 * only while the capability does (session.h) */
	const struct policy_account *cap_account;
	uint64_t cap_expires_ms;
	int expired;                 /* the session was refused as expired */
};

static void
areq_destroy(struct freq *q)
{
	struct areq *r = (struct areq *)q;

	mjpeg_free(r->stream);
	front_free(r->front);
	free(r->buf);
	if (r->ibody != NULL)
		sodium_memzero(r->ibody, r->ibody_len);
	free(r->ibody);
}

/*
 * Upstream thread: once the envelope's header is in, whether the frame
 * can pass at all by what it says of itself (device, kind, content type;
 * a header that cannot be an envelope).  If not, the transfer ends there,
 * before the rest of another device's frame is read (how long that took
 * told its size), and its connection is closed.  Nothing is trusted
 * here: finish_snapshot() runs the gate on the header for the reason.
 */
static enum lc_drop
check_head(struct areq *r)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_MALFORMED;
	int rc;

	rc = lc_envelope_parse(r->buf, r->len, &env, &why);
	if (rc == LC_EAGAIN)
		return LC_DROP_NONE; /* not all of it yet */
	r->head_seen = 1;
	if (rc != 0)
		return why == LC_DROP_NONE ? LC_DROP_MALFORMED : why;
	if (env.body_len <= r->max - env.header_len)
		r->whole = env.header_len + (size_t)env.body_len;
	return gate_claims(r->q.route, r->q.device, &env);
}

/*
 * Upstream thread: UPSTREAM_WHOLE when the frame is here to its last
 * byte by its header (not one byte more) and would be released now
 * (release_check()), so that its backend connection may serve another
 * request; else 0, and the connection is closed when the transfer ends
 * (upstream.h, vouch), whatever the end.  The seal checked here is not
 * checked again by the release on the worker, unless the policy changes
 * in between (r->proof): each frame's seal and body are verified once.
 */
static int
vouch(struct areq *r)
{
	if (r->whole == 0 || r->len != r->whole)
		return 0;
	return release_check(&r->q, &r->session, r->buf, r->len, &r->proof) == LC_DROP_NONE
	       ? UPSTREAM_WHOLE : 0;
}

/* Upstream thread: collects the sealed frame, bounded, stops it at its
 * header if it cannot pass (check_head), and vouches for it once whole
 * (vouch). */
static int
on_data(void *arg, const uint8_t *p, size_t n)
{
	struct areq *r = arg;
	uint8_t *nb;
	size_t cap;

	/* What was proven of the frame is of bytes about to change. */
	r->proof.pol = NULL;
	if (n > r->max - r->len)
		return 1; /* larger than any frame the policy allows */
	if (r->len + n > r->cap) {
		int64_t whole = upstream_length(&r->q.up);

		/* The backend said how long: one allocation, no copies. */
		if (r->cap == 0 && whole > 0 && (uint64_t)whole <= r->max)
			cap = (size_t)whole > r->len + n ? (size_t)whole : r->len + n;
		else
			cap = r->len + n < 65536 ? 65536 : (r->len + n) * 2;
		if (cap > r->max)
			cap = r->max;
		if ((nb = realloc(r->buf, cap)) == NULL)
			return 1;
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	/* An error page (a 404 for a segment not stored yet): its status is
	 * the answer (finish_snapshot), none of its bytes is a frame. */
	if (upstream_status(&r->q.up) != 200)
		return 0;
	if (!r->head_seen && (r->early = check_head(r)) != LC_DROP_NONE)
		return 1;
	return r->head_seen ? vouch(r) : 0;
}

/* Queues a platform route's answer (body, len: malloc'd JSON, owned
 * from here; NULL: none could be made, a 500 problem instead). */
static enum MHD_Result
answer_json(struct areq *r, unsigned status, char *body, size_t len)
{
	if (body == NULL)
		return freq_problem(&r->q, A_DONE, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                    "answer not made");
	freq_answered(&r->q, A_DONE, status);
	return http_answer_cors(r->q.conn, status, "application/json", "no-store", body,
	                        0, len, NULL);
}

/* A problem answer; on a platform route, in the platform's shape. */
static enum MHD_Result
answer_problem(struct areq *r, unsigned status, const char *title)
{
	char *body;
	size_t len;

	if (r->front == NULL)
		return freq_problem(&r->q, A_DONE, status, title);
	status = front_refusal(r->front, status, r->expired, &body, &len);
	return answer_json(r, status, body, len);
}

/*
 * The Cache-Control of a released frame, in buf (n bytes): "no-store"
 * for a still and for a live playlist, which the player must fetch, and
 * the gate check, again.  An HLS segment does not change under its name,
 * so the player's own cache (never a shared one: "private") may keep it
 * for what is left of the route's freshness window, after which the gate
 * would drop it as stale.
 */
static const char *
cache_control(const struct areq *r, const struct lc_envelope *env, char *buf, size_t n)
{
	uint64_t now = lcd_now_ms(), age, left;
	uint32_t window = r->q.route->freshness_ms;
	int w;

	if (r->q.route->media != LC_KIND_HLS || window == 0 ||
	    strcmp(env->content_type, M3U8_CONTENT_TYPE) == 0)
		return "no-store";
	age = now > env->capture_ms ? now - env->capture_ms : 0;
	left = age < window ? (window - age) / 1000 : 0;
	if (left == 0)
		return "no-store";
	w = snprintf(buf, n, "private, max-age=%llu, immutable", (unsigned long long)left);
	return w > 0 && (size_t)w < n ? buf : "no-store";
}

/* Releases the fetched frame (release.c) and answers. */
static enum MHD_Result
finish_snapshot(struct areq *r)
{
	struct lcd *d = r->q.fc->d;
	struct release_out out;
	struct lc_envelope env;
	char detail[96], cc[64];
	const char *cache;
	void *buf;

	if (r->q.result == UPSTREAM_ABORTED && r->early != LC_DROP_NONE) {
		(void)release_stopped(&r->q, &r->session, r->buf, r->len, r->early);
		return answer_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	}
	if (r->q.result == UPSTREAM_ABORTED) {
		d->metrics.frames_dropped[LC_DROP_TOO_LARGE]++;
		freq_audit(&r->q, "drop", LC_DROP_TOO_LARGE, NULL, "backend reply over the limit");
		return answer_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	}
	if (r->q.result != 0 || r->q.status != 200) {
		if (r->q.status == 404)
			return answer_problem(r, MHD_HTTP_NOT_FOUND, "no frame");
		freq_audit(&r->q, "backend_error", LC_DROP_NONE, NULL,
		           freq_backend_error(&r->q, detail, sizeof(detail)));
		return answer_problem(r, MHD_HTTP_BAD_GATEWAY, "backend unavailable");
	}
	if (release_frame(&r->q, &r->session, r->buf, r->len, &r->proof, NULL, &env,
	                  &out) != LC_DROP_NONE)
		return answer_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	d->metrics.frames_relayed++;
	cache = cache_control(r, &env, cc, sizeof(cc));
	buf = r->buf;
	r->buf = NULL;
	freq_answered(&r->q, A_DONE, 200);
	return http_answer_cors(r->q.conn, MHD_HTTP_OK, out.content_type, cache, buf,
	                        out.off, out.len, &r->q.cors);
}

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
	return answer_problem(r, MHD_HTTP_UNAUTHORIZED, "session required");
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
	return answer_problem(r, status, status == MHD_HTTP_GONE ? "capability expired"
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
		return answer_problem(r, MHD_HTTP_NOT_FOUND, "not found");
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
		return answer_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "introspection");
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
static enum MHD_Result
finish_introspection(struct areq *r, int *go_on)
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
		return answer_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		                      "session service unavailable");
	}
	introspect_keep(r, &a);
	return introspected(r, &a, go_on);
}

/* Who asks, for what: 404 for no route, 401 for no session (static,
 * JWT, or introspected: 503 when the endpoint gives no usable answer),
 * 404 for a device the session may not see; a capability path instead
 * by authorize_capability().  An OPTIONS request is a CORS preflight for
 * the GET route: answered 204 once the route (and a capability) holds.  *go_on: 1 to go on, 2 while an
 * introspection runs (the request sleeps), 0 when answered. */
static enum MHD_Result authenticate(struct areq *r, const char *token, int *go_on);

/* Whether the request announces a body over a platform route's limit:
 * refused before a byte of it is read. */
static int
over_limit(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n;

	return cl != NULL && (num_parse_u64(cl, &n) != 0 || n > PLATFORM_BODY_MAX);
}

/* The platform (enum policy_platform) of the route a request takes on
 * listener cls under the policy in force; POLICY_PLATFORM_NONE if it is
 * no platform route. */
static int
platform_of(void *cls, const char *method, const char *url)
{
	struct listener_ctx *fc = cls;
	char device[LC_DEVICE_MAX + 1], name[POLICY_NAME_MAX + 1];
	const struct policy_route *rt;
	struct lc_policy *pol;
	int platform;

	if (strcmp(method, "POST") != 0)
		return POLICY_PLATFORM_NONE;
	pol = lcd_policy(fc->d);
	rt = policy_route_find(pol, fc->name, method, url, device, name);
	platform = rt != NULL ? rt->platform : POLICY_PLATFORM_NONE;
	policy_free(pol);
	return platform;
}

/* 413 for a platform route's body over its limit, audited. */
static enum MHD_Result
answer_too_large(struct areq *r)
{
	freq_audit(&r->q, "refused", LC_DROP_NONE, NULL, "body over the limit");
	return answer_problem(r, MHD_HTTP_CONTENT_TOO_LARGE, "body too large");
}

static enum MHD_Result
authorize(struct areq *r, const char *url, const char *method, int *go_on)
{
	const char *as, *token;
	int preflight = strcmp(method, "OPTIONS") == 0;
	enum MHD_Result ret;

	*go_on = 0;
	as = preflight ? "GET" : method;
	r->q.pol = lcd_policy(r->q.fc->d);
	if (capability_is_path(r->q.pol, url)) {
		ret = authorize_capability(r, url, as, go_on);
		if (*go_on && !preflight && (token = http_bearer(r->q.conn)) != NULL) {
			/* A capability fetched with a bearer token (Alexa's
			 * snapshots): the token must hold too, for the
			 * capability's own account. */
			r->cap_account = policy_account_by_name(r->q.pol, r->q.account);
			r->cap_expires_ms = r->session.expires_ms;
			*go_on = 0;
			return authenticate(r, token, go_on);
		}
		if (!*go_on || !preflight)
			return ret;
		*go_on = 0;
		return answer_preflight(r, NULL);
	}
	r->q.route = policy_route_find(r->q.pol, r->q.fc->name, as, url,
	                               r->q.device, r->q.name);
	if (r->q.route == NULL)
		return answer_problem(r, MHD_HTTP_NOT_FOUND, "not found");
	set_cors(r);
	if (preflight)
		return answer_preflight(r, "Authorization");
	if (r->q.route->platform != POLICY_PLATFORM_NONE) {
		/* The body first: an Alexa directive holds its token. */
		if ((r->front = front_new(r->q.route->platform)) == NULL)
			return answer_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no memory");
		r->q.state = A_BODY;
		return MHD_YES;
	}
	return authenticate(r, http_bearer(r->q.conn), go_on);
}

/* The session token's account, from each source in turn: 401 for none;
 * *go_on as authorize() says. */
static enum MHD_Result
authenticate(struct areq *r, const char *token, int *go_on)
{
	const struct policy_account *acct;
	const char *why;

	/* The session is kept: the gate checks it again for every frame. */
	if (token == NULL) {
		r->q.fc->d->metrics.auth_failures++;
		freq_audit(&r->q, "auth_failure", LC_DROP_NONE, NULL, "no session token");
		return answer_problem(r, MHD_HTTP_UNAUTHORIZED, "session required");
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

/* One audit line per platform request: the intent, and how many
 * devices it asked about and was answered for. */
static void
audit_intent(struct areq *r, const struct platform_ctx *ctx, unsigned status)
{
	char detail[96];

	(void)snprintf(detail, sizeof(detail), "%s: asked %u, answered %u, status %u",
	               front_intent(r->front), ctx->asked, ctx->answered, status);
	freq_audit(&r->q, "intent", LC_DROP_NONE, NULL, detail);
}

/* A platform route's session holds: its answer, for the account. */
static enum MHD_Result
answer_platform(struct areq *r)
{
	struct lcd *d = r->q.fc->d;
	struct platform_ctx ctx = { r->q.pol, r->q.route, r->acct, lcd_now_ms(),
	                            d->presence, d->revoked, 0, 0 };
	unsigned status;
	char *body;
	size_t len;

	status = front_answer(r->front, &ctx, &body, &len);
	audit_intent(r, &ctx, status);
	if (status >= 500) {
		free(body);
		return answer_problem(r, status, "answer not made");
	}
	return answer_json(r, status, body, len);
}

/* A platform route's body is in: parsed (400 if it cannot be), then its
 * token is taken as the session. */
static enum MHD_Result
platform_read(struct areq *r, int *go_on)
{
	const char *why, *token;

	*go_on = 0;
	if ((why = front_parse(r->front, http_bearer(r->q.conn), &token)) != NULL) {
		freq_audit(&r->q, "refused", LC_DROP_NONE, NULL, why);
		return answer_problem(r, MHD_HTTP_BAD_REQUEST, "malformed request");
	}
	return authenticate(r, token, go_on);
}

/* The session may see the device: the frame, or the stream, is fetched. */
static enum MHD_Result
begin(struct areq *r)
{
	if (r->front != NULL)
		return answer_platform(r);
	memset(&r->q.up, 0, sizeof(r->q.up));
	if (r->q.route->media == LC_KIND_MJPEG) {
		r->q.state = A_DONE;
		return mjpeg_start(&r->q, &r->session, &r->stream);
	}
	/* A snapshot, or an HLS playlist or segment: one sealed frame. */
	if (policy_backend_path(r->q.route, r->q.device, r->q.name, r->q.up.path,
	                        sizeof(r->q.up.path)) != 0)
		return answer_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "route");
	r->max = LC_HEADER_MAX + policy_limits(r->q.pol)->max_frame_bytes;
	r->q.up.method = "GET";
	r->q.up.on_data = on_data;
	r->q.up.vouch = 1; /* a dropped frame's connection is not reused */
	freq_fetch(&r->q, A_WAIT, A_READY, 1);
	return MHD_YES;
}

/* After a step that may have answered (ret) or let the request go on
 * (go_on 1): the frame, the stream or the platform's answer. */
static enum MHD_Result
go_on_or(struct areq *r, int go_on, enum MHD_Result ret)
{
	return go_on == 1 ? begin(r) : ret;
}

static enum MHD_Result
start(struct areq *r, const char *url, const char *method)
{
	enum MHD_Result ret;
	int go_on;

	ret = authorize(r, url, method, &go_on);
	return go_on_or(r, go_on, ret);
}

/* A platform route's whole body is in. */
static enum MHD_Result
read_platform(struct areq *r)
{
	enum MHD_Result ret;
	int go_on;

	ret = platform_read(r, &go_on);
	return go_on_or(r, go_on, ret);
}

/* Body bytes: a platform route's, kept up to its limit (413 past it);
 * on any other request (which the framing check let through with none
 * announced) or once answered, dropped. */
static enum MHD_Result
body(struct areq *r, const char *data, size_t *data_size)
{
	size_t n = *data_size;

	*data_size = 0;
	if (r->q.state != A_BODY)
		return MHD_YES;
	return front_body(r->front, data, n) == 0 ? MHD_YES : answer_too_large(r);
}

/* The introspection is over: the frame, or the answer it led to. */
static enum MHD_Result
resume_introspected(struct areq *r)
{
	enum MHD_Result ret;
	int go_on;

	ret = finish_introspection(r, &go_on);
	return go_on_or(r, go_on, ret);
}

enum MHD_Result
assistant_access(void *cls, struct MHD_Connection *c, const char *url,
                 const char *method, const char *version, const char *data,
                 size_t *data_size, void **req_cls)
{
	struct areq *r = *req_cls;
	enum MHD_Result ret;
	int platform;

	if (r == NULL) {
		/* First call: headers only.  Answer on a later call, so that
		 * MHD keeps the connection alive (doc/pitfalls.md, "libmicrohttpd:
		 * an answer queued on the first call closes the connection"). */
		r = (struct areq *)freq_new(sizeof(*r), cls, c, areq_destroy);
		if (r == NULL)
			return MHD_NO;
		*req_cls = r;
		/* Except a body over a platform route's limit: refused (and
		 * the connection closed) before it is read, or before
		 * "100 Continue" invites it. */
		if (over_limit(c) && (platform = platform_of(cls, method, url)) != 0) {
			r->front = front_new(platform); /* NULL: a plain problem */
			return answer_too_large(r);
		}
		return MHD_YES;
	}
	if (r->q.state == A_NEW) {
		/* A platform route's body may begin with this call. */
		ret = start(r, url, method);
		if (*data_size == 0 || r->q.state != A_BODY) {
			*data_size = 0;
			return ret;
		}
	}
	if (*data_size != 0)
		return body(r, data, data_size);
	switch (r->q.state) {
	case A_BODY:
		return read_platform(r);
	case A_ASKED:
		return resume_introspected(r);
	case A_READY:
		return finish_snapshot(r);
	default:
		return MHD_NO;
	}
}

int
assistant_takes_body(void *cls, const char *method, const char *url, int chunked)
{
	return !chunked && platform_of(cls, method, url) != POLICY_PLATFORM_NONE;
}

void
assistant_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct areq *r = *req_cls;

	if (r == NULL)
		return;
	freq_completed(&r->q);
	*req_cls = NULL;
}
