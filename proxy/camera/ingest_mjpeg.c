/*
 * MJPEG pushed on the camera face.  The camera's multipart body is parsed
 * as it arrives; each part is sealed with the ingest key as the next frame
 * of this stream, and the sealed frames go to the backend as one chunked
 * PUT whose body is itself a multipart stream.  At most two frames wait
 * for a slow backend; later ones are skipped (and audited), never queued
 * without bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "camera/ingest_mjpeg.h"
#include "camera/seal.h"
#include "clock.h"
#include "media/multipart.h"
#include "platform/presence.h"

#define SEALED_TYPE "application/vnd.lenscap.sealed"
/*
 * One fixed boundary for the streams sent to the backend, so that a store
 * that keeps bytes but not headers (WebDAV) can be served back with a
 * fixed Content-Type; see lenscapd(8).  A camera that puts it inside its
 * JPEGs can only break its own stream: whatever a store then splits off
 * is either not a valid sealed frame or a frame of another device, and
 * the gate drops both.
 */
#define PUSH_BOUNDARY "lenscap-sealed-frames"
/* Why on_part stops a push (above MP_ENDED, so mp_feed() hands them on):
 * the camera's credentials were revoked, the backend's stream has ended,
 * or the part could not be sealed (no ingest key since a reload, say). */
enum { PUSH_REVOKED = MP_ENDED + 1, PUSH_BACKEND_GONE, PUSH_CANNOT_SEAL };

/* Under r->q.lock: seals one part into the backend buffer, if it fits. */
static int
seal_part(struct creq *r, const struct mp_part *part)
{
	size_t sealed = seal_size(r, part->body_len), hlen, n;
	char head[256];
	uint8_t *dst;

	if (mp_write_part_header(head, sizeof(head), r->boundary, SEALED_TYPE,
	                         sealed, &hlen) != 0)
		return -1;
	if ((dst = bufq_reserve(&r->out, hlen + sealed + 2)) == NULL)
		return 1; /* the backend lags two frames behind: skip this one */
	memcpy(dst, head, hlen);
	if (seal_frame(r, part->body, part->body_len, dst + hlen, sealed, &n) != 0)
		return -1;
	memcpy(dst + hlen + n, "\r\n", 2);
	bufq_commit(&r->out, hlen + n + 2);
	return 0;
}

/* MHD thread: one complete part from the camera. */
static int
on_part(void *arg, const struct mp_part *part)
{
	struct creq *r = arg;
	int rc, live;

	if (!creq_still_admitted(r))
		return PUSH_REVOKED;
	/* The next frame is due within the head deadline of this one. */
	freq_body_due(&r->q);
	if (!creq_type_allowed(r, part->content_type)) {
		creq_audit(r, "deny", "pushed part's content type not allowed");
		r->parts_skipped++;
		return 0;
	}
	pthread_mutex_lock(&r->q.lock);
	/* With no one left to read them, sealed parts would only fill the
	 * queue and then be skipped one by one. */
	live = r->q.upstream_live;
	rc = live ? seal_part(r, part) : 0;
	pthread_mutex_unlock(&r->q.lock);
	if (!live)
		return PUSH_BACKEND_GONE;
	if (rc < 0)
		return PUSH_CANNOT_SEAL;
	if (rc > 0) {
		r->parts_skipped++;
		creq_audit(r, "skip", "backend too slow: frame not stored");
		return 0;
	}
	r->parts_sealed++;
	r->q.fc->d->metrics.frames_sealed++;
	presence_seen(r->q.fc->d->presence, r->q.device, lcd_now_ms());
	upstream_resume(r->q.fc->d->up, &r->q.up);
	return 0;
}

/* Upstream thread: the next bytes of the backend PUT. */
static size_t
on_read(void *arg, uint8_t *buf, size_t max)
{
	struct creq *r = arg;
	size_t n = UPSTREAM_READ_PAUSE;

	pthread_mutex_lock(&r->q.lock);
	if (bufq_pending(&r->out) > 0)
		n = bufq_take(&r->out, buf, max);
	else if (r->input_done)
		n = 0;
	pthread_mutex_unlock(&r->q.lock);
	return n;
}

enum MHD_Result
ingest_mjpeg_start(struct creq *r)
{
	const char *ct = MHD_lookup_connection_value(r->q.conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t max = policy_limits(r->q.pol)->max_frame_bytes;
	char b[MP_BOUNDARY_MAX + 1];

	if (!seal_key_present(r->q.fc->d))
		return creq_reject(r, MHD_HTTP_SERVICE_UNAVAILABLE, "no ingest key");
	if (ct == NULL || mp_boundary_from_content_type(ct, b, sizeof(b)) != 0) {
		creq_audit(r, "deny", "multipart stream expected");
		return creq_reject(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "multipart stream expected");
	}
	bufq_init(&r->out, 2 * (max + LC_HEADER_MAX + 256));
	snprintf(r->boundary, sizeof(r->boundary), "%s", PUSH_BOUNDARY);
	if (mp_parser_new(b, max, &r->mp) != 0 ||
	    mp_content_type_value(r->backend_type, sizeof(r->backend_type), r->boundary) != 0 ||
	    policy_backend_path(r->q.route, r->q.device, NULL, r->q.up.path, sizeof(r->q.up.path)) != 0)
		return creq_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot relay");
	r->q.up.method = "PUT";
	r->q.up.on_read = on_read;
	r->q.up.content_type = r->backend_type;
	r->q.up.stream = 1;
	/* Awake while the camera uploads; end_push() puts it to sleep. */
	freq_fetch(&r->q, C_STREAM, C_READY, 0);
	if (r->q.state != C_STREAM)
		return creq_reject(r, MHD_HTTP_BAD_GATEWAY, "backend unavailable");
	return MHD_YES;
}

/* The camera's body is over: close the backend's stream, then wait. */
static enum MHD_Result
end_push(struct creq *r)
{
	char end[64];
	int n = snprintf(end, sizeof(end), "--%s--\r\n", r->boundary);
	int wait;

	pthread_mutex_lock(&r->q.lock);
	/* If it does not fit, the backend's stream stays unclosed: stores
	 * and relays take that as a cut stream, which it is. */
	(void)bufq_put(&r->out, end, (size_t)n);
	r->input_done = 1;
	wait = r->q.upstream_live;
	if (wait) {
		r->q.state = C_WAIT;
		freq_sleep(&r->q);
	} else {
		r->q.state = C_READY;
	}
	pthread_mutex_unlock(&r->q.lock);
	if (!wait)
		return creq_finish(r);
	upstream_resume(r->q.fc->d->up, &r->q.up);
	return MHD_YES;
}

/* Cancels the backend's stream: a store keeps no half of it. */
static void
cancel_backend(struct creq *r)
{
	pthread_mutex_lock(&r->q.lock);
	freq_cancel(&r->q);
	pthread_mutex_unlock(&r->q.lock);
}

/* A push that cannot go on: audited, the backend's stream cancelled, and
 * the connection closed, with no answer: the camera is still sending,
 * and would not stop for one. */
static enum MHD_Result
cut_push(struct creq *r, const char *event, const char *detail)
{
	creq_audit(r, event, detail);
	cancel_backend(r);
	return MHD_NO;
}

/* A malformed push: audited, the backend's stream cancelled, and a 400
 * once the rest is drained (bounded). */
static enum MHD_Result
malformed(struct creq *r, int rc, int body_done)
{
	creq_audit(r, "drop", mp_error_name(rc));
	cancel_backend(r);
	if (body_done)
		return creq_problem(r, MHD_HTTP_BAD_REQUEST, "malformed multipart stream");
	r->drained = 0;
	return creq_reject(r, MHD_HTTP_BAD_REQUEST, "malformed multipart stream");
}

enum MHD_Result
ingest_mjpeg_feed(struct creq *r, const char *data, size_t *size)
{
	char why[96];
	int rc;

	if (*size == 0) {
		rc = mp_finish(r->mp);
		/* Many cameras never send the close delimiter: both end it.
		 * A push cut before its first part had no boundary at all
		 * (a wrong one, say): that is no stream. */
		if (rc == MP_E_TRUNCATED && r->parts_sealed + r->parts_skipped == 0)
			return malformed(r, MP_E_NO_BOUNDARY, 1);
		if (rc != MP_ENDED && rc != MP_E_TRUNCATED)
			return malformed(r, rc, 1);
		return end_push(r);
	}
	rc = mp_feed(r->mp, (const uint8_t *)data, *size, on_part, r);
	*size = 0;
	switch (rc) {
	case 0:
	case MP_ENDED:
		return MHD_YES;
	case PUSH_REVOKED:
		return cut_push(r, "deny", "device credentials revoked: push cut");
	case PUSH_BACKEND_GONE:
		(void)freq_backend_error(&r->q, why, sizeof(why));
		strncat(why, ": push cut", sizeof(why) - strlen(why) - 1);
		return cut_push(r, "backend_error", why);
	case PUSH_CANNOT_SEAL:
		return cut_push(r, "deny", "cannot seal: push cut");
	default:
		return malformed(r, rc, 0);
	}
}

void
ingest_mjpeg_free(struct creq *r)
{
	mp_parser_free(r->mp);
	bufq_free(&r->out);
}
