/*
 * The assistant face: a session (a bearer token, or a capability URL:
 * assistant/capability.c) asks for a device's
 * frame; the policy must grant it (else 404, never 403); the sealed frame
 * is fetched from the backend and passes the gate before one byte of it
 * is written.  A snapshot, an HLS playlist or an HLS segment is one
 * sealed frame; a dropped one is a 502 problem with no image bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "net/http.h"
#include "backend/freq.h"
#include "assistant/capability.h"
#include "assistant/release.h"
#include "log.h"
#include "assistant/relay_mjpeg.h"

enum areq_state { A_NEW, A_WAIT, A_READY, A_DONE };

struct areq {
	struct freq q;               /* first: the shared lifecycle */
	struct session session;      /* who asks; the gate checks it again */
	uint8_t *buf;                /* the sealed frame as it arrives */
	size_t len, cap, max;
	struct mjpeg *stream;        /* an MJPEG route's relay */
	int head_seen;               /* the envelope's header has arrived */
	enum lc_drop early;          /* why on_data stopped it, or NONE */
};

static void
areq_destroy(struct freq *q)
{
	struct areq *r = (struct areq *)q;

	free(r->buf);
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
	if (strcmp(env.device, r->q.device) != 0)
		return LC_DROP_DEVICE_MISMATCH;
	if (env.kind != (int)r->q.route->media)
		return LC_DROP_KIND_MISMATCH;
	for (size_t i = 0; i < r->q.route->ncontent_types; i++)
		if (strcmp(r->q.route->content_types[i], env.content_type) == 0)
			return LC_DROP_NONE;
	return LC_DROP_CONTENT_TYPE;
}

/* Upstream thread: collects the sealed frame, bounded, and stops it at
 * its header if it cannot pass (check_head). */
static int
on_data(void *arg, const uint8_t *p, size_t n)
{
	struct areq *r = arg;
	uint8_t *nb;
	size_t cap;

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
	if (!r->head_seen && (r->early = check_head(r)) != LC_DROP_NONE)
		return 1;
	return 0;
}

static enum MHD_Result
answer_problem(struct areq *r, unsigned status, const char *title)
{
	return freq_problem(&r->q, A_DONE, status, title);
}

/* Releases the fetched frame (release.c) and answers. */
static enum MHD_Result
finish_snapshot(struct areq *r)
{
	struct lcd *d = r->q.fc->d;
	struct release_out out;
	struct lc_envelope env;
	char detail[96];
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
	if (release_frame(&r->q, &r->session, r->buf, r->len, NULL, &env, &out) != LC_DROP_NONE)
		return answer_problem(r, MHD_HTTP_BAD_GATEWAY, "frame refused");
	d->metrics.frames_relayed++;
	buf = r->buf;
	r->buf = NULL;
	freq_answered(&r->q, A_DONE, 200);
	return http_answer_cors(r->q.conn, MHD_HTTP_OK, out.content_type, buf, out.off,
	                        out.len, &r->q.cors);
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

/* Who asks, for what: 404 for no route, 401 for no session, 404 for a
 * device the session may not see; a capability path instead by
 * authorize_capability().  An OPTIONS request is a CORS preflight for
 * the GET route: answered 204 once the route (and a capability) holds.
 * Sets *go_on to go on. */
static enum MHD_Result
authorize(struct areq *r, const char *url, const char *method, int *go_on)
{
	struct lcd *d = r->q.fc->d;
	const struct policy_account *acct;
	const char *token, *as;
	int preflight = strcmp(method, "OPTIONS") == 0;
	enum MHD_Result ret;

	*go_on = 0;
	as = preflight ? "GET" : method;
	r->q.pol = lcd_policy(d);
	if (capability_is_path(r->q.pol, url)) {
		ret = authorize_capability(r, url, as, go_on);
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
	/* The session is kept: the gate checks it again for every frame. */
	token = http_bearer(r->q.conn);
	acct = session_from_static(r->q.pol, token, &r->session);
	if (acct == NULL) {
		d->metrics.auth_failures++;
		freq_audit(&r->q, "auth_failure", LC_DROP_NONE, NULL,
		           token ? "unknown session token" : "no session token");
		return answer_problem(r, MHD_HTTP_UNAUTHORIZED, "session required");
	}
	r->q.account = policy_account_name(acct);
	if (!policy_may_see(r->q.pol, acct, r->q.device)) {
		freq_audit(&r->q, "deny", LC_DROP_NOT_GRANTED, NULL, NULL);
		return answer_problem(r, MHD_HTTP_NOT_FOUND, "not found");
	}
	*go_on = 1;
	return MHD_YES;
}

static enum MHD_Result
start(struct areq *r, const char *url, const char *method)
{
	enum MHD_Result ret;
	int go_on;

	ret = authorize(r, url, method, &go_on);
	if (!go_on)
		return ret;
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
	freq_fetch(&r->q, A_WAIT, A_READY, 1);
	return MHD_YES;
}

enum MHD_Result
assistant_access(void *cls, struct MHD_Connection *c, const char *url,
                 const char *method, const char *version, const char *data,
                 size_t *data_size, void **req_cls)
{
	struct areq *r = *req_cls;

	if (r == NULL) {
		/* First call: headers only.  Answer on a later call, so that
		 * MHD keeps the connection alive (doc/pitfalls.md, "libmicrohttpd:
		 * an answer queued on the first call closes the connection"). */
		r = (struct areq *)freq_new(sizeof(*r), cls, c, areq_destroy);
		if (r == NULL)
			return MHD_NO;
		*req_cls = r;
		return MHD_YES;
	}
	if (*data_size != 0) {
		*data_size = 0; /* the assistant face takes no request bodies */
		return MHD_YES;
	}
	switch (r->q.state) {
	case A_NEW:
		return start(r, url, method);
	case A_READY:
		return finish_snapshot(r);
	default:
		return MHD_NO;
	}
}

void
assistant_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct areq *r = *req_cls;

	if (r == NULL)
		return;
	mjpeg_detach(r->stream);
	freq_completed(&r->q);
	*req_cls = NULL;
}
