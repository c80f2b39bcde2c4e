/*
 * The camera face: a camera proves which device it is (a client
 * certificate that verifies against the policy's CA, or a device token),
 * may push frames for that device only (else 403, audited), and each
 * frame (a snapshot, a part of a pushed MJPEG stream, an HLS playlist or
 * segment) is sealed with the ingest key and stored in the backend.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "camera/ingest_mjpeg.h"
#include "camera/seal.h"
#include "clock.h"
#include "log.h"
#include "media/m3u8.h"
#include "media/multipart.h"
#include "net/http.h"
#include "platform/presence.h"

static void
creq_destroy(struct freq *q)
{
	struct creq *r = (struct creq *)q;

	ingest_mjpeg_free(r);
	free(r->body);
	free(r->sealed);
}

/* Discards the body of a refused request; past the frame limit the
 * connection is closed instead. */
static enum MHD_Result
drain(struct creq *r, size_t *size)
{
	size_t cap = r->q.pol != NULL ? policy_limits(r->q.pol)->max_frame_bytes : 0;

	if (*size > cap - r->drained || r->drained > cap)
		return MHD_NO;
	r->drained += *size;
	*size = 0;
	return MHD_YES;
}

/*
 * The content type an HLS object's upload declares, or, where it declares
 * none (ffmpeg's hls muxer sends no Content-Type), the one its name's
 * extension gives: .m3u8, .ts, .m4s and .mp4.  NULL if neither.
 */
static const char *
upload_type(const struct creq *r)
{
	static const struct { const char *ext, *type; } by_ext[] = {
		{ ".m3u8", M3U8_CONTENT_TYPE }, { ".ts", "video/mp2t" },
		{ ".m4s", "video/mp4" }, { ".mp4", "video/mp4" },
	};
	const char *ct = MHD_lookup_connection_value(r->q.conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(r->q.name), e;

	if (ct != NULL || r->q.route->media != LC_KIND_HLS || !r->q.route->has_name)
		return ct;
	for (size_t i = 0; i < sizeof(by_ext) / sizeof(by_ext[0]); i++)
		if (n > (e = strlen(by_ext[i].ext)) &&
		    strcmp(r->q.name + n - e, by_ext[i].ext) == 0)
			return by_ext[i].type;
	return NULL;
}

/* Route, identity, the device in the path, the type and the size. */
static enum MHD_Result
admit(struct creq *r, const char *url, const char *method)
{
	struct lcd *d = r->q.fc->d;
	const struct policy_device *dev;
	const char *cl;

	r->q.pol = lcd_policy(d);
	freq_body_due(&r->q);
	if (lcd_serves(r->q.fc, r->q.pol))
		r->q.route = policy_route_find(r->q.pol, r->q.fc->name, method, url,
		                               r->q.device, r->q.name);
	if (r->q.route == NULL)
		return creq_reject(r, MHD_HTTP_NOT_FOUND, "not found");
	if ((dev = creq_identify(r)) == NULL) {
		d->metrics.auth_failures++;
		creq_audit(r, "auth_failure", "no verified certificate or known device token");
		return creq_reject(r, MHD_HTTP_UNAUTHORIZED, "device credentials required");
	}
	if (strcmp(policy_device_name(dev), r->q.device) != 0) {
		struct audit_event ev;

		freq_audit_event(&r->q, "deny", &ev);
		ev.envelope_device = policy_device_name(dev);
		ev.detail = "camera pushed for another device";
		(void)audit_log(d->audit, &ev);
		return creq_reject(r, MHD_HTTP_FORBIDDEN, "not this camera's device");
	}
	if (r->q.route->media == LC_KIND_MJPEG)
		return ingest_mjpeg_start(r);
	/* A snapshot, or an HLS playlist or segment: one frame. */
	if (!creq_type_allowed(r, upload_type(r))) {
		creq_audit(r, "deny", "content type not allowed");
		return creq_reject(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "content type not allowed");
	}
	r->max = policy_limits(r->q.pol)->max_frame_bytes;
	cl = MHD_lookup_connection_value(r->q.conn, MHD_HEADER_KIND,
	                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > r->max) {
		creq_audit(r, "deny", "frame too large");
		return creq_reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "frame too large");
	}
	r->q.state = C_BODY;
	return MHD_YES;
}

static enum MHD_Result
take_body(struct creq *r, const char *data, size_t *size)
{
	uint8_t *nb;

	if (*size > r->max - r->len) {
		/* Up to another max_frame_bytes are drained, so that a
		 * camera a little over the limit reads the 413. */
		r->drained = 0;
		creq_audit(r, "deny", "frame too large");
		creq_reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "frame too large");
		return drain(r, size);
	}
	if (r->len + *size > r->cap) {
		size_t cap = (r->len + *size) * 2;
		if (cap > r->max)
			cap = r->max;
		if ((nb = realloc(r->body, cap)) == NULL)
			return MHD_NO;
		r->body = nb;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, *size);
	r->len += *size;
	*size = 0;
	return MHD_YES;
}

/* Seals the frame with the ingest key and sends it to the backend. */
static enum MHD_Result
seal_and_store(struct creq *r)
{
	struct lcd *d = r->q.fc->d;
	size_t n = seal_size(r, r->len);
	char detail[96];

	/* A playlist is sealed only if it names nothing but segments
	 * beside it, and a segment only if its container's signature is
	 * what its label says, so that no player takes it for a playlist
	 * (m3u8.h, segment.h). */
	if (r->q.route->media == LC_KIND_HLS &&
	    !m3u8_hls_may_go(r->ctype, r->body, r->len, detail, sizeof(detail))) {
		creq_audit(r, "deny", detail);
		return creq_problem(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
		                    strcmp(r->ctype, M3U8_CONTENT_TYPE) == 0 ?
		                    "playlist refused" : "segment refused");
	}
	if (!seal_key_present(d))
		return creq_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE, "no ingest key");
	if (!creq_still_admitted(r)) {
		creq_audit(r, "deny", "device credentials revoked");
		return creq_problem(r, MHD_HTTP_UNAUTHORIZED, "device credentials required");
	}
	if ((r->sealed = malloc(n)) == NULL ||
	    seal_frame(r, r->body, r->len, r->sealed, n, &n) != 0 ||
	    policy_backend_path(r->q.route, r->q.device, r->q.name, r->q.up.path,
	                        sizeof(r->q.up.path)) != 0)
		return creq_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot seal");
	d->metrics.frames_sealed++;
	presence_seen(d->presence, r->q.device, lcd_now_ms());
	r->q.up.method = "PUT";
	r->q.up.body = r->sealed;
	r->q.up.body_len = n;
	r->q.up.content_type = "application/vnd.lenscap.sealed";
	freq_fetch(&r->q, C_WAIT, C_READY, 1);
	return MHD_YES;
}

/*
 * On the first call (the head is in, no body read yet): a refusal is
 * answered at once if the body would never be drained, or if the camera
 * waits for "100 Continue" before it sends one: either way no byte of
 * the body is in flight, so the camera reads the status, not a reset.
 */
static enum MHD_Result
refuse_early(struct creq *r)
{
	const char *cl = MHD_lookup_connection_value(r->q.conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *expect = MHD_lookup_connection_value(r->q.conn, MHD_HEADER_KIND,
	                                                 MHD_HTTP_HEADER_EXPECT);
	size_t cap = r->q.pol != NULL ? policy_limits(r->q.pol)->max_frame_bytes : 0;

	if (r->q.state != C_REJECT)
		return MHD_YES;
	if ((expect != NULL && strcasecmp(expect, "100-continue") == 0) ||
	    (cl != NULL && strtoull(cl, NULL, 10) > cap))
		return creq_problem(r, r->reject_status, r->reject_title);
	return MHD_YES;
}

/* Whether the body (a pushed stream's next frame: ingest_mjpeg.c moves
 * the deadline) is later than the head deadline allows. */
static int
body_late(struct creq *r)
{
	return freq_body_late(&r->q, r->q.state == C_STREAM ? "pushed stream: no whole frame"
	                                                    : "request body not complete");
}

enum MHD_Result
camera_access(void *cls, struct MHD_Connection *c, const char *url,
              const char *method, const char *version, const char *data,
              size_t *data_size, void **req_cls)
{
	struct creq *r = *req_cls;

	if (r == NULL) {
		r = (struct creq *)freq_new(sizeof(*r), cls, c, creq_destroy);
		if (r == NULL)
			return MHD_NO;
		*req_cls = r;
		if (admit(r, url, method) != MHD_YES)
			return MHD_NO;
		return refuse_early(r);
	}
	switch (r->q.state) {
	case C_BODY:
		if (*data_size != 0)
			return body_late(r) ? MHD_NO : take_body(r, data, data_size);
		return seal_and_store(r);
	case C_STREAM:
		if (*data_size != 0 && body_late(r))
			return MHD_NO;
		return ingest_mjpeg_feed(r, data, data_size);
	case C_REJECT:
		if (*data_size != 0)
			return body_late(r) ? MHD_NO : drain(r, data_size);
		return creq_problem(r, r->reject_status, r->reject_title);
	case C_READY:
		return creq_finish(r);
	case C_DONE:
		*data_size = 0; /* answered already; drain what is left */
		return MHD_YES;
	default:
		return MHD_NO;
	}
}

void
camera_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                 enum MHD_RequestTerminationCode toe)
{
	struct creq *r = *req_cls;

	if (r == NULL)
		return;
	freq_completed(&r->q);
	*req_cls = NULL;
}
