/*
 * The assistant face's request states: a session (a bearer token, or a
 * capability URL; authenticate.c finds it) asks for a device's frame;
 * the policy must grant it (else 404, never 403); the sealed frame is
 * fetched from the backend and passes the gate before one byte of it is
 * written.  A snapshot, an HLS playlist or an HLS segment is one sealed
 * frame; a dropped one is a 502 problem with no image bytes.  A platform
 * route's body is read here and answered by platform/front.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon.h"
#include "clock.h"
#include "net/http.h"
#include "backend/freq.h"
#include "assistant/areq.h"
#include "assistant/release.h"
#include "num.h"
#include "media/m3u8.h"
#include "assistant/relay_mjpeg.h"
#include "assistant/authenticate.h"
#include "log.h"
#include "platform/front.h"

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
enum MHD_Result
areq_problem(struct areq *r, unsigned status, const char *title)
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
		return areq_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	}
	if (r->q.result == UPSTREAM_ABORTED) {
		d->metrics.frames_dropped[LC_DROP_TOO_LARGE]++;
		freq_audit(&r->q, "drop", LC_DROP_TOO_LARGE, NULL, "backend reply over the limit");
		return areq_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	}
	if (r->q.result != 0 || r->q.status != 200) {
		if (r->q.status == 404)
			return areq_problem(r, MHD_HTTP_NOT_FOUND, "no frame");
		freq_audit(&r->q, "backend_error", LC_DROP_NONE, NULL,
		           freq_backend_error(&r->q, detail, sizeof(detail)));
		return areq_problem(r, MHD_HTTP_BAD_GATEWAY, "backend unavailable");
	}
	if (release_frame(&r->q, &r->session, r->buf, r->len, &r->proof, NULL, &env,
	                  &out) != LC_DROP_NONE)
		return areq_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	d->metrics.frames_relayed++;
	cache = cache_control(r, &env, cc, sizeof(cc));
	buf = r->buf;
	r->buf = NULL;
	freq_answered(&r->q, A_DONE, 200);
	return http_answer_cors(r->q.conn, MHD_HTTP_OK, out.content_type, cache, buf,
	                        out.off, out.len, &r->q.cors);
}

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
	rt = lcd_serves(fc, pol) ? policy_route_find(pol, fc->name, method, url, device, name)
	                         : NULL;
	platform = rt != NULL ? rt->platform : POLICY_PLATFORM_NONE;
	policy_free(pol);
	return platform;
}

/* 413 for a platform route's body over its limit, audited. */
static enum MHD_Result
answer_too_large(struct areq *r)
{
	freq_audit(&r->q, "refused", LC_DROP_NONE, NULL, "body over the limit");
	return areq_problem(r, MHD_HTTP_CONTENT_TOO_LARGE, "body too large");
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
		return areq_problem(r, status, "answer not made");
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
		return areq_problem(r, MHD_HTTP_BAD_REQUEST, "malformed request");
	}
	return authenticate_token(r, token, go_on);
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
		return areq_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "route");
	r->max = LC_HEADER_MAX + policy_limits(r->q.pol)->max_frame_bytes;
	r->q.up.method = "GET";
	r->q.up.on_data = on_data;
	r->q.up.vouch = 1; /* a dropped frame's connection is not reused */
	freq_fetch(&r->q, A_WAIT, A_READY, 1);
	return MHD_YES;
}

/* Body bytes: a platform route's, kept up to its limit (413 past it) and
 * its deadline (the connection closed past it); on any other request
 * (which the framing check let through with none announced) or once
 * answered, dropped. */
static enum MHD_Result
body(struct areq *r, const char *data, size_t *data_size)
{
	size_t n = *data_size;

	*data_size = 0;
	if (r->q.state != A_BODY)
		return MHD_YES;
	/* Its token is inside it: no client may trickle it. */
	if (freq_body_late(&r->q, "request body not complete"))
		return MHD_NO;
	return front_body(r->front, data, n) == 0 ? MHD_YES : answer_too_large(r);
}

/*
 * The step r's state calls for: who asks (A_NEW), the platform body read
 * (A_BODY), the introspection's answer (A_ASKED), the fetched frame
 * (A_READY).  A step that lets the request go on leads to its frame,
 * stream or platform answer (begin()).
 */
static enum MHD_Result
advance(struct areq *r, const char *url, const char *method)
{
	enum MHD_Result ret;
	int go_on = 0;

	switch (r->q.state) {
	case A_NEW:
		ret = authenticate_request(r, url, method, &go_on);
		break;
	case A_BODY:
		ret = platform_read(r, &go_on);
		break;
	case A_ASKED:
		ret = authenticate_resume(r, &go_on);
		break;
	case A_READY:
		return finish_snapshot(r);
	default:
		return MHD_NO;
	}
	return go_on == 1 ? begin(r) : ret;
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
		ret = advance(r, url, method);
		if (*data_size == 0 || r->q.state != A_BODY) {
			*data_size = 0;
			return ret;
		}
	}
	if (*data_size != 0)
		return body(r, data, data_size);
	return advance(r, url, method);
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
