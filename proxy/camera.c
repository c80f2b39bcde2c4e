/*
 * The camera face: a camera proves which device it is (a client
 * certificate that verifies against the policy's CA, or a device token),
 * may push frames for that device only (else 403, audited), and each
 * frame is sealed with the ingest key and stored in the backend.
 */
#include <stdlib.h>
#include <string.h>

#include "camera.h"
#include "log.h"
#include "multipart.h"

static void
creq_unref(struct creq *r)
{
	int last;

	pthread_mutex_lock(&r->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&r->lock);
	policy_free(r->pol);
	ingest_mjpeg_free(r);
	free(r->body);
	free(r->sealed);
	free(r);
}

static void
audit_camera(struct creq *r, const char *event, const char *detail)
{
	struct audit_event ev = {
		.event = event, .request_id = r->rid, .face = r->fc->name,
		.route = r->route ? r->route->path : NULL,
		.device = r->device[0] ? r->device : NULL, .detail = detail,
	};

	(void)audit_log(r->fc->d->audit, &ev);
}

enum MHD_Result
camera_problem(struct creq *r, unsigned status, const char *title)
{
	r->state = C_DONE;
	metrics_request(&r->fc->d->metrics, METRICS_CAMERA, status,
	                lcd_mono_us() - r->t0_us);
	return face_problem(r->conn, status, title);
}

/*
 * Refuses the request, but only once its body has been read: an answer
 * queued in the middle of an upload makes MHD drop the connection and the
 * camera sees a reset, not the status.  The drain is bounded (see drain()).
 */
enum MHD_Result
camera_reject(struct creq *r, unsigned status, const char *title)
{
	r->state = C_REJECT;
	r->reject_status = status;
	r->reject_title = title;
	return MHD_YES;
}

/* Discards the body of a refused request; past the frame limit the
 * connection is closed instead. */
static enum MHD_Result
drain(struct creq *r, size_t *size)
{
	size_t cap = r->pol != NULL ? policy_limits(r->pol)->max_frame_bytes : 0;

	if (*size > cap - r->drained || r->drained > cap)
		return MHD_NO;
	r->drained += *size;
	*size = 0;
	return MHD_YES;
}

/* The device this connection proves to be, or NULL. */
static const struct policy_device *
identify(struct creq *r)
{
	uint8_t fp[LC_DIGEST_BYTES];
	const char *token;

	if (face_client_cert(r->conn, fp) == 0)
		return policy_device_by_cert(r->pol, fp);
	if ((token = face_bearer(r->conn)) != NULL)
		return policy_device_by_token(r->pol, token, strlen(token));
	return NULL;
}

/* The request's media type without parameters, lower-cased, if valid. */
static int
request_type(struct creq *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = 0;

	if (h == NULL)
		return -1;
	for (; h[n] != '\0' && h[n] != ';' && h[n] != ' ' && n < LC_CONTENT_TYPE_MAX; n++)
		r->ctype[n] = (char)(h[n] >= 'A' && h[n] <= 'Z' ? h[n] + 32 : h[n]);
	r->ctype[n] = '\0';
	if (!lc_valid_content_type(r->ctype))
		return -1;
	for (size_t i = 0; i < r->route->ncontent_types; i++)
		if (strcmp(r->route->content_types[i], r->ctype) == 0)
			return 0;
	return -1;
}

/* Route, identity, the device in the path, the type and the size. */
static enum MHD_Result
admit(struct creq *r, const char *url, const char *method)
{
	struct lcd *d = r->fc->d;
	const struct policy_device *dev;
	const char *cl;

	r->pol = lcd_policy(d);
	r->route = policy_route_match(r->pol, r->fc->name, method, url, r->device);
	if (r->route == NULL)
		return camera_reject(r, MHD_HTTP_NOT_FOUND, "not found");
	if ((dev = identify(r)) == NULL) {
		d->metrics.auth_failures++;
		audit_camera(r, "auth_failure", "no verified certificate or known device token");
		return camera_reject(r, MHD_HTTP_UNAUTHORIZED, "device credentials required");
	}
	if (strcmp(policy_device_name(dev), r->device) != 0) {
		struct audit_event ev = { .event = "deny", .request_id = r->rid,
			.face = r->fc->name, .route = r->route->path,
			.device = r->device, .envelope_device = policy_device_name(dev),
			.detail = "camera pushed for another device" };
		(void)audit_log(d->audit, &ev);
		return camera_reject(r, MHD_HTTP_FORBIDDEN, "not this camera's device");
	}
	if (r->route->media == LC_KIND_MJPEG)
		return ingest_mjpeg_start(r);
	if (r->route->media != LC_KIND_SNAPSHOT)
		return camera_reject(r, MHD_HTTP_NOT_IMPLEMENTED, "media not supported yet");
	if (request_type(r) != 0)
		return camera_reject(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "content type not allowed");
	r->max = policy_limits(r->pol)->max_frame_bytes;
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > r->max)
		return camera_reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "frame too large");
	r->state = C_BODY;
	return MHD_YES;
}

static enum MHD_Result
take_body(struct creq *r, const char *data, size_t *size)
{
	uint8_t *nb;

	if (*size > r->max - r->len) {
		r->drained = r->len;
		camera_reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "frame too large");
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

void
camera_on_done(void *arg, int result, long status)
{
	struct creq *r = arg;

	pthread_mutex_lock(&r->lock);
	r->upstream_live = 0;
	r->result = result;
	r->status = status;
	/* A push may still be uploading: only a request that waits for the
	 * backend is asleep, and only that one is woken. */
	if (r->suspended) {
		r->suspended = 0;
		r->state = C_READY;
		if (r->conn != NULL)
			MHD_resume_connection(r->conn);
	}
	pthread_mutex_unlock(&r->lock);
	creq_unref(r);
}

/* Seals the frame with the ingest key and sends it to the backend. */
static enum MHD_Result
seal_and_store(struct creq *r)
{
	struct lcd *d = r->fc->d;
	struct lc_seal_params p = { .device = r->device, .kind = LC_KIND_SNAPSHOT,
		.seq = lcd_next_seq(d), .capture_ms = lcd_now_ms(),
		.content_type = r->ctype };
	size_t n = lc_envelope_size(&p) + r->len;

	if (d->ingest == NULL)
		return camera_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE, "no ingest key");
	if ((r->sealed = malloc(n)) == NULL ||
	    lc_envelope_seal(d->ingest, &p, r->body, r->len, r->sealed, n, &n) != 0 ||
	    policy_backend_path(r->route, r->device, r->up.path, sizeof(r->up.path)) != 0)
		return camera_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot seal");
	d->metrics.frames_sealed++;
	r->up.method = "PUT";
	r->up.body = r->sealed;
	r->up.body_len = n;
	r->up.content_type = "application/vnd.lenscap.sealed";
	r->up.on_done = camera_on_done;
	r->up.arg = r;
	pthread_mutex_lock(&r->lock);
	r->refs++;
	r->upstream_live = 1;
	r->state = C_WAIT;
	r->suspended = 1;
	MHD_suspend_connection(r->conn);
	if (upstream_submit(d->up, &r->up) != 0) {
		r->refs--;
		r->upstream_live = 0;
		r->result = UPSTREAM_FAILED;
		r->state = C_READY;
		r->suspended = 0;
		MHD_resume_connection(r->conn);
	}
	pthread_mutex_unlock(&r->lock);
	return MHD_YES;
}

enum MHD_Result
camera_finish(struct creq *r)
{
	if (r->result != 0 || r->status < 200 || r->status > 299) {
		audit_camera(r, "backend_error", "backend did not store the frame");
		return camera_problem(r, MHD_HTTP_BAD_GATEWAY, "backend did not store the frame");
	}
	r->state = C_DONE;
	metrics_request(&r->fc->d->metrics, METRICS_CAMERA, 201, lcd_mono_us() - r->t0_us);
	return face_answer(r->conn, MHD_HTTP_CREATED, "text/plain", NULL, 0);
}

enum MHD_Result
camera_access(void *cls, struct MHD_Connection *c, const char *url,
              const char *method, const char *version, const char *data,
              size_t *data_size, void **req_cls)
{
	struct creq *r = *req_cls;

	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		pthread_mutex_init(&r->lock, NULL);
		r->fc = cls;
		r->refs = 1;
		r->conn = c;
		r->t0_us = lcd_mono_us();
		lcd_request_id(r->fc->d, r->rid);
		*req_cls = r;
		return MHD_YES;
	}
	if (r->state == C_NEW && admit(r, url, method) != MHD_YES)
		return MHD_NO;
	switch (r->state) {
	case C_BODY:
		if (*data_size != 0)
			return take_body(r, data, data_size);
		return seal_and_store(r);
	case C_STREAM:
		return ingest_mjpeg_feed(r, data, data_size);
	case C_REJECT:
		if (*data_size != 0)
			return drain(r, data_size);
		return camera_problem(r, r->reject_status, r->reject_title);
	case C_READY:
		return camera_finish(r);
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
	pthread_mutex_lock(&r->lock);
	r->conn = NULL;
	if (r->upstream_live)
		upstream_cancel(r->fc->d->up, &r->up);
	pthread_mutex_unlock(&r->lock);
	creq_unref(r);
	*req_cls = NULL;
}
