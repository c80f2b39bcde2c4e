/*
 * Alexa smart home directives (platform/alexa.h).  Shapes: doc/platforms.md,
 * from Amazon's smart home documentation and alexa-samples/alexa-smarthome.
 * What Amazon leaves unconfirmed (GetSnapshot's answer) is in the tables
 * below, to be changed in one place.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "num.h"
#include "platform/alexa.h"

#define ID_MAX 256           /* messageId, endpointId */
#define STREAMS_MAX 16       /* cameraStreams asked for */
#define IDLE_TIMEOUT_S 30    /* how long Alexa may keep an idle stream */

static const struct {
	const char *ns, *name;
	int op;
	int needs_endpoint;
} directives[] = {
	{ "Alexa.Discovery", "Discover", ALEXA_DISCOVER, 0 },
	{ "Alexa.CameraStreamController", "InitializeCameraStreams", ALEXA_INIT_STREAMS, 1 },
	{ "Alexa.SmartVision.SnapshotProvider", "GetSnapshot", ALEXA_SNAPSHOT, 1 },
	{ "Alexa", "ReportState", ALEXA_REPORT_STATE, 1 },
	{ "Alexa.Authorization", "AcceptGrant", ALEXA_ACCEPT_GRANT, 0 },
};

/* GetSnapshot's answer: its names are not confirmed by Amazon. */
#define SNAPSHOT_ANSWER_NAME "Response"
#define SNAPSHOT_URI_KEY "imageUri"

/* ---- parsing ---------------------------------------------------------------- */

/* The bearer token of a scope object ({"type":"BearerToken","token":..}). */
static const char *
scope_token(const struct jnode *scope)
{
	const char *type = platform_str(scope, "type", 32);

	if (type == NULL || strcmp(type, "BearerToken") != 0)
		return NULL;
	return platform_str(scope, "token", ALEXA_TOKEN_MAX);
}

/* Where the directive carries its token: the endpoint's scope; the
 * payload's for Discover; the grantee's for AcceptGrant. */
static const char *
find_token(int op, const struct jnode *endpoint, const struct jnode *payload)
{
	if (op == ALEXA_DISCOVER)
		return scope_token(platform_get(payload, "scope", J_OBJECT));
	if (op == ALEXA_ACCEPT_GRANT)
		return scope_token(platform_get(payload, "grantee", J_OBJECT));
	return scope_token(platform_get(endpoint, "scope", J_OBJECT));
}

/* InitializeCameraStreams' "cameraStreams": up to STREAMS_MAX objects,
 * each resolution (if given) an object of two integers. */
static int
streams_ok(const struct jnode *payload)
{
	const struct jnode *list = jnode_get(payload, "cameraStreams");

	if (list == NULL)
		return 1;
	if (list->type != J_ARRAY || list->len > STREAMS_MAX)
		return 0;
	for (const struct jnode *e = list->child; e != NULL; e = e->next) {
		const struct jnode *r = jnode_get(e, "resolution");

		if (e->type != J_OBJECT)
			return 0;
		if (r != NULL && (r->type != J_OBJECT ||
		                  platform_get(r, "width", J_NUMBER) == NULL ||
		                  platform_get(r, "height", J_NUMBER) == NULL))
			return 0;
	}
	return 1;
}

/* Finds the directive's op from its header; 0 and *why when the header
 * is not one lenscapd can read. */
static int
read_header(struct alexa_request *q, const struct jnode *header, int *needs_endpoint,
            const char **why)
{
	const char *ns = platform_str(header, "namespace", 64);
	const char *name = platform_str(header, "name", 64);
	const char *version = platform_str(header, "payloadVersion", 8);

	q->message_id = platform_str(header, "messageId", ID_MAX);
	q->correlation_token = platform_str(header, "correlationToken", PLATFORM_ECHO_MAX);
	if (ns == NULL || name == NULL || q->message_id == NULL) {
		*why = "header without namespace, name or messageId";
		return 0;
	}
	/* One Alexa could not match its answer to: not silently dropped. */
	if (jnode_get(header, "correlationToken") != NULL && q->correlation_token == NULL) {
		*why = "correlationToken not a string of 1 to 4096 bytes";
		return 0;
	}
	if (version == NULL || strcmp(version, "3") != 0) {
		*why = "payloadVersion is not \"3\"";
		return 0;
	}
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (strcmp(ns, directives[i].ns) == 0 && strcmp(name, directives[i].name) == 0) {
			q->op = directives[i].op;
			*needs_endpoint = directives[i].needs_endpoint;
		}
	return 1;
}

int
alexa_parse(const uint8_t *body, size_t len, struct alexa_request *q, const char **why)
{
	const struct jnode *root, *d, *endpoint;
	int needs_endpoint = 0;

	memset(q, 0, sizeof(*q));
	if ((root = platform_json(&q->arena, body, len)) == NULL ||
	    (d = platform_get(root, "directive", J_OBJECT)) == NULL) {
		*why = "not a JSON object with a directive";
		return LC_EFORMAT;
	}
	if (!read_header(q, platform_get(d, "header", J_OBJECT), &needs_endpoint, why))
		return LC_EFORMAT;
	endpoint = platform_get(d, "endpoint", J_OBJECT);
	q->endpoint_id = platform_str(endpoint, "endpointId", ID_MAX);
	if ((q->payload = platform_get(d, "payload", J_OBJECT)) == NULL) {
		*why = "no payload object";
		return LC_EFORMAT;
	}
	if (q->op == ALEXA_UNKNOWN)
		return 0;
	/* No bearer token is a session refused (401), not a bad directive. */
	q->token = find_token(q->op, endpoint, q->payload);
	if (needs_endpoint && q->endpoint_id == NULL) {
		*why = "no endpointId";
		return LC_EFORMAT;
	}
	if (q->op == ALEXA_INIT_STREAMS && !streams_ok(q->payload)) {
		*why = "cameraStreams malformed or over the limit";
		return LC_EFORMAT;
	}
	return 0;
}

void
alexa_request_free(struct alexa_request *q)
{
	arena_wipe(&q->arena); /* the token */
	arena_free(&q->arena);
}

/* ---- writing ---------------------------------------------------------------- */

/* A fresh messageId: a random UUID (version 4). */
static void
message_id(char out[37])
{
	uint8_t b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	(void)snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	               "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	               b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	               b[14], b[15]);
}

/* Opens the event object and writes its header, with correlationToken
 * echoed: {"header":{..}, */
static void
open_header(struct jw *w, const struct alexa_request *q, const char *ns, const char *name)
{
	char mid[37];

	message_id(mid);
	jw_map(w);
	jw_str(w, "header");
	jw_map(w);
	jw_kstr(w, "namespace", ns);
	jw_kstr(w, "name", name);
	jw_kstr(w, "payloadVersion", "3");
	jw_kstr(w, "messageId", mid);
	if (q != NULL && q->correlation_token != NULL)
		jw_kstr(w, "correlationToken", q->correlation_token);
	jw_end_map(w);
}

/* Opens the answer and its event: {"event":{"header":{..}, */
static void
open_event(struct jw *w, const struct alexa_request *q, const char *ns, const char *name)
{
	jw_map(w);
	jw_str(w, "event");
	open_header(w, q, ns, name);
}

/* "endpoint":{"endpointId":id}, when the directive named one. */
static void
endpoint_of(struct jw *w, const struct alexa_request *q)
{
	if (q == NULL || q->endpoint_id == NULL)
		return;
	jw_str(w, "endpoint");
	jw_map(w);
	jw_kstr(w, "endpointId", q->endpoint_id);
	jw_end_map(w);
}

void
alexa_error(const struct alexa_request *q, const char *type, struct jw *w)
{
	open_event(w, q, "Alexa", "ErrorResponse");
	endpoint_of(w, q);
	jw_str(w, "payload");
	jw_map(w);
	jw_kstr(w, "type", type);
	jw_kstr(w, "message", type);
	jw_end_map(w);
	jw_end_map(w); /* event */
	jw_end_map(w);
}

/* An interface of an endpoint, open: {"type":..,"interface":..,"version":.. */
static void
open_interface(struct jw *w, const char *name, const char *version)
{
	jw_map(w);
	jw_kstr(w, "type", "AlexaInterface");
	jw_kstr(w, "interface", name);
	jw_kstr(w, "version", version);
}

static void
resolution(struct jw *w, unsigned width, unsigned height)
{
	jw_map(w);
	jw_kint(w, "width", width);
	jw_kint(w, "height", height);
	jw_end_map(w);
}

static void
stream_controller(struct jw *w, const struct policy_device_info *in)
{
	open_interface(w, "Alexa.CameraStreamController", "3");
	jw_str(w, "cameraStreamConfigurations");
	jw_array(w);
	jw_map(w);
	jw_str(w, "protocols");
	jw_array(w);
	jw_str(w, "HLS");
	jw_end_array(w);
	jw_str(w, "resolutions");
	jw_array(w);
	for (size_t i = 0; i < in->nresolutions; i++)
		resolution(w, in->resolutions[i].width, in->resolutions[i].height);
	jw_end_array(w);
	jw_str(w, "authorizationTypes");
	jw_array(w);
	jw_str(w, "NONE");
	jw_end_array(w);
	jw_str(w, "videoCodecs");
	jw_array(w);
	jw_str(w, "H264");
	jw_end_array(w);
	jw_str(w, "audioCodecs");
	jw_array(w);
	jw_str(w, "AAC");
	jw_end_array(w);
	jw_end_map(w);
	jw_end_array(w);
	jw_end_map(w);
}

static void
endpoint_health(struct jw *w)
{
	open_interface(w, "Alexa.EndpointHealth", "3");
	jw_str(w, "properties");
	jw_map(w);
	jw_str(w, "supported");
	jw_array(w);
	jw_map(w);
	jw_kstr(w, "name", "connectivity");
	jw_end_map(w);
	jw_end_array(w);
	jw_kbool(w, "proactivelyReported", 0);
	jw_kbool(w, "retrievable", 1);
	jw_end_map(w);
	jw_end_map(w);
}

/* One camera of the account as a discovered endpoint. */
static void
discovered(struct platform_ctx *ctx, struct jw *w, const struct policy_device *dev)
{
	const struct policy_device_info *in = policy_device_info(dev);

	jw_map(w);
	jw_kstr(w, "endpointId", policy_device_name(dev));
	jw_kstr(w, "manufacturerName", in->manufacturer != NULL ? in->manufacturer : "Camera");
	jw_kstr(w, "friendlyName", in->name != NULL ? in->name : policy_device_name(dev));
	jw_kstr(w, "description", in->model != NULL ? in->model : "Camera");
	jw_str(w, "displayCategories");
	jw_array(w);
	jw_str(w, "CAMERA");
	jw_end_array(w);
	jw_str(w, "capabilities");
	jw_array(w);
	stream_controller(w, in);
	if (platform_serves(ctx, LC_KIND_SNAPSHOT)) {
		open_interface(w, "Alexa.SmartVision.SnapshotProvider", "1.0");
		jw_end_map(w);
	}
	endpoint_health(w);
	open_interface(w, "Alexa", "3");
	jw_end_map(w);
	jw_end_array(w);
	jw_end_map(w);
}

static void
answer_discover(struct platform_ctx *ctx, struct jw *w)
{
	const struct policy_device *const *devs;
	size_t n;

	devs = policy_account_devices(ctx->acct, &n);
	open_event(w, NULL, "Alexa.Discovery", "Discover.Response");
	jw_str(w, "payload");
	jw_map(w);
	jw_str(w, "endpoints");
	jw_array(w);
	for (size_t i = 0; i < n; i++)
		discovered(ctx, w, devs[i]);
	jw_end_array(w);
	jw_end_map(w);
	jw_end_map(w); /* event */
	jw_end_map(w);
	ctx->answered = (unsigned)n;
}

/* The resolution to answer: the first one asked for that the device
 * has, else the device's first. */
static void
pick_resolution(const struct policy_device_info *in, const struct jnode *payload,
                unsigned *width, unsigned *height)
{
	const struct jnode *list = platform_get(payload, "cameraStreams", J_ARRAY);

	*width = in->resolutions[0].width;
	*height = in->resolutions[0].height;
	for (const struct jnode *e = list != NULL ? list->child : NULL; e != NULL; e = e->next) {
		const struct jnode *r = platform_get(e, "resolution", J_OBJECT);
		uint64_t rw, rh;

		if (r == NULL || num_parse_u64(jnode_get(r, "width")->str, &rw) != 0 ||
		    num_parse_u64(jnode_get(r, "height")->str, &rh) != 0)
			continue;
		for (size_t i = 0; i < in->nresolutions; i++)
			if (in->resolutions[i].width == rw && in->resolutions[i].height == rh) {
				*width = (unsigned)rw;
				*height = (unsigned)rh;
				return;
			}
	}
}

static void
answer_streams(struct platform_ctx *ctx, const struct alexa_request *q,
               const struct policy_device *dev, struct jw *w)
{
	char url[PLATFORM_URL_MAX], still[PLATFORM_URL_MAX], when[32];
	uint64_t expires, still_expires;
	unsigned width, height;
	int has_still;

	if (platform_link(ctx, dev, LC_KIND_HLS, url, &expires) != 0) {
		alexa_error(q, "INTERNAL_ERROR", w);
		return;
	}
	has_still = platform_serves(ctx, LC_KIND_SNAPSHOT) &&
	            platform_link(ctx, dev, LC_KIND_SNAPSHOT, still, &still_expires) == 0;
	pick_resolution(policy_device_info(dev), q->payload, &width, &height);
	platform_time(expires, when);
	open_event(w, q, "Alexa.CameraStreamController", "Response");
	endpoint_of(w, q);
	jw_str(w, "payload");
	jw_map(w);
	jw_str(w, "cameraStreams");
	jw_array(w);
	jw_map(w);
	jw_kstr(w, "uri", url);
	jw_kstr(w, "expirationTime", when);
	jw_kint(w, "idleTimeoutSeconds", IDLE_TIMEOUT_S);
	jw_kstr(w, "protocol", "HLS");
	jw_str(w, "resolution");
	resolution(w, width, height);
	jw_kstr(w, "authorizationType", "NONE");
	jw_kstr(w, "videoCodec", "H264");
	/* The policy says nothing of audio and lenscapd does not look into
	 * the stream: it promises none (lenscapd(8)). */
	jw_kstr(w, "audioCodec", "NONE");
	jw_end_map(w);
	jw_end_array(w);
	if (has_still)
		jw_kstr(w, "imageUri", still);
	jw_end_map(w);
	jw_end_map(w); /* event */
	jw_end_map(w);
	ctx->answered = 1;
}

/* GetSnapshot: a still's capability URL, which Alexa fetches with the
 * user's own token (lenscapd(8), "Alexa": both must hold). */
static void
answer_snapshot(struct platform_ctx *ctx, const struct alexa_request *q,
                const struct policy_device *dev, struct jw *w)
{
	char url[PLATFORM_URL_MAX], when[32];
	uint64_t expires;

	if (platform_link(ctx, dev, LC_KIND_SNAPSHOT, url, &expires) != 0) {
		alexa_error(q, "INTERNAL_ERROR", w);
		return;
	}
	platform_time(expires, when);
	open_event(w, q, "Alexa.SmartVision.SnapshotProvider", SNAPSHOT_ANSWER_NAME);
	endpoint_of(w, q);
	jw_str(w, "payload");
	jw_map(w);
	jw_kstr(w, SNAPSHOT_URI_KEY, url);
	jw_kstr(w, "expirationTime", when);
	jw_end_map(w);
	jw_end_map(w); /* event */
	jw_end_map(w);
	ctx->answered = 1;
}

/* ReportState: the one property lenscapd knows, EndpointHealth's
 * connectivity. */
static void
answer_state(struct platform_ctx *ctx, const struct alexa_request *q,
             const struct policy_device *dev, struct jw *w)
{
	char when[32];

	platform_time(ctx->now_ms, when);
	jw_map(w);
	jw_str(w, "context");
	jw_map(w);
	jw_str(w, "properties");
	jw_array(w);
	jw_map(w);
	jw_kstr(w, "namespace", "Alexa.EndpointHealth");
	jw_kstr(w, "name", "connectivity");
	jw_str(w, "value");
	jw_map(w);
	jw_kstr(w, "value", platform_online(ctx, dev) ? "OK" : "UNREACHABLE");
	jw_end_map(w);
	jw_kstr(w, "timeOfSample", when);
	jw_kint(w, "uncertaintyInMilliseconds", 0);
	jw_end_map(w);
	jw_end_array(w);
	jw_end_map(w);
	jw_str(w, "event");
	open_header(w, q, "Alexa", "StateReport");
	endpoint_of(w, q);
	jw_str(w, "payload");
	jw_map(w);
	jw_end_map(w);
	jw_end_map(w); /* event */
	jw_end_map(w);
	ctx->answered = 1;
}

/* AcceptGrant: the token has been checked as a session; nothing is kept
 * (lenscapd sends Alexa no events). */
static void
answer_grant(struct platform_ctx *ctx, struct jw *w)
{
	open_event(w, NULL, "Alexa.Authorization", "AcceptGrant.Response");
	jw_str(w, "payload");
	jw_map(w);
	jw_end_map(w);
	jw_end_map(w); /* event */
	jw_end_map(w);
}

unsigned
alexa_answer(struct platform_ctx *ctx, const struct alexa_request *q, struct jw *w)
{
	const struct policy_device *dev;

	if (q->op == ALEXA_DISCOVER) {
		answer_discover(ctx, w);
		return 200;
	}
	if (q->op == ALEXA_ACCEPT_GRANT) {
		answer_grant(ctx, w);
		return 200;
	}
	ctx->asked = 1;
	if ((dev = platform_visible(ctx, q->endpoint_id)) == NULL)
		alexa_error(q, "NO_SUCH_ENDPOINT", w);
	else if (q->op == ALEXA_REPORT_STATE)
		answer_state(ctx, q, dev, w);
	else if (!platform_online(ctx, dev))
		alexa_error(q, "ENDPOINT_UNREACHABLE", w);
	else if (q->op == ALEXA_INIT_STREAMS)
		answer_streams(ctx, q, dev, w);
	else
		answer_snapshot(ctx, q, dev, w);
	return 200;
}
