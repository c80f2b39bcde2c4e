/*
 * Google Home fulfillment (platform/google.h).  Request and answer
 * shapes: doc/platforms.md, from Google's smart home documentation.
 */
#include <string.h>

#include "platform/google.h"

#define REQUEST_ID_MAX 256
#define COMMAND_MAX 128
#define GET_CAMERA_STREAM "action.devices.commands.GetCameraStream"

static const struct {
	const char *name;
	int intent;
} intents[] = {
	{ "action.devices.SYNC", GOOGLE_SYNC },
	{ "action.devices.QUERY", GOOGLE_QUERY },
	{ "action.devices.EXECUTE", GOOGLE_EXECUTE },
	{ "action.devices.DISCONNECT", GOOGLE_DISCONNECT },
};

/* ---- parsing ---------------------------------------------------------------- */

/* Whether list (an array) holds 1 to max objects each with an "id"
 * string; *count adds them. */
static int
check_devices(const struct jnode *list, size_t *count)
{
	if (list == NULL || list->len == 0)
		return 0;
	for (const struct jnode *e = list->child; e != NULL; e = e->next) {
		if (e->type != J_OBJECT || platform_str(e, "id", REQUEST_ID_MAX) == NULL ||
		    ++*count > PLATFORM_DEVICES_MAX)
			return 0;
	}
	return 1;
}

/* An EXECUTE payload: "commands", each with "devices" and "execution",
 * each execution with a "command" string and, if any, "params" object. */
static int
check_commands(const struct jnode *payload)
{
	const struct jnode *cmds = platform_get(payload, "commands", J_ARRAY);
	size_t count = 0;

	if (cmds == NULL || cmds->len == 0)
		return 0;
	for (const struct jnode *c = cmds->child; c != NULL; c = c->next) {
		const struct jnode *ex = platform_get(c, "execution", J_ARRAY);

		if (c->type != J_OBJECT ||
		    !check_devices(platform_get(c, "devices", J_ARRAY), &count) ||
		    ex == NULL || ex->len == 0 || ex->len > PLATFORM_DEVICES_MAX)
			return 0;
		for (const struct jnode *e = ex->child; e != NULL; e = e->next)
			if (e->type != J_OBJECT ||
			    platform_str(e, "command", COMMAND_MAX) == NULL ||
			    (jnode_get(e, "params") != NULL &&
			     platform_get(e, "params", J_OBJECT) == NULL))
				return 0;
	}
	return 1;
}

/* The payload an intent needs, checked; NULL with *why if it is not. */
static const struct jnode *
check_payload(int intent, const struct jnode *input, const char **why)
{
	const struct jnode *p = platform_get(input, "payload", J_OBJECT);
	size_t count = 0;

	*why = NULL;
	if (intent == GOOGLE_QUERY &&
	    !check_devices(platform_get(p, "devices", J_ARRAY), &count))
		*why = "QUERY without devices, or over the limit";
	else if (intent == GOOGLE_EXECUTE && !check_commands(p))
		*why = "EXECUTE without commands, or malformed";
	return p;
}

int
google_parse(const uint8_t *body, size_t len, struct google_request *q,
             const char **why)
{
	const struct jnode *root, *inputs, *intent;

	memset(q, 0, sizeof(*q));
	if ((root = platform_json(&q->arena, body, len)) == NULL) {
		*why = "not a JSON object";
		return LC_EFORMAT;
	}
	if ((q->request_id = platform_str(root, "requestId", REQUEST_ID_MAX)) == NULL) {
		*why = "no requestId";
		return LC_EFORMAT;
	}
	inputs = platform_get(root, "inputs", J_ARRAY);
	if (inputs == NULL || inputs->len != 1 || inputs->child->type != J_OBJECT ||
	    (intent = platform_get(inputs->child, "intent", J_STRING)) == NULL) {
		*why = "not one input with an intent";
		return LC_EFORMAT;
	}
	for (size_t i = 0; i < sizeof(intents) / sizeof(intents[0]); i++)
		if (strcmp(intent->str, intents[i].name) == 0)
			q->intent = intents[i].intent;
	q->payload = check_payload(q->intent, inputs->child, why);
	return *why == NULL ? 0 : LC_EFORMAT;
}

void
google_request_free(struct google_request *q)
{
	arena_free(&q->arena);
}

void
google_error(const char *request_id, const char *code, struct jw *w)
{
	jw_map(w);
	jw_kstr(w, "requestId", request_id != NULL ? request_id : "");
	jw_str(w, "payload");
	jw_map(w);
	jw_kstr(w, "errorCode", code);
	jw_end_map(w);
	jw_end_map(w);
}

/* ---- SYNC ------------------------------------------------------------------- */

static void
sync_info(struct jw *w, const struct policy_device_info *in)
{
	if (in->manufacturer == NULL && in->model == NULL && in->hw_version == NULL &&
	    in->sw_version == NULL)
		return;
	jw_str(w, "deviceInfo");
	jw_map(w);
	if (in->manufacturer != NULL)
		jw_kstr(w, "manufacturer", in->manufacturer);
	if (in->model != NULL)
		jw_kstr(w, "model", in->model);
	if (in->hw_version != NULL)
		jw_kstr(w, "hwVersion", in->hw_version);
	if (in->sw_version != NULL)
		jw_kstr(w, "swVersion", in->sw_version);
	jw_end_map(w);
}

/* One camera of the account, with the CameraStream trait. */
static void
sync_device(struct jw *w, const struct policy_device *dev)
{
	const struct policy_device_info *in = policy_device_info(dev);

	jw_map(w);
	jw_kstr(w, "id", policy_device_name(dev));
	jw_kstr(w, "type", "action.devices.types.CAMERA");
	jw_str(w, "traits");
	jw_array(w);
	jw_str(w, "action.devices.traits.CameraStream");
	jw_end_array(w);
	jw_str(w, "name");
	jw_map(w);
	jw_kstr(w, "name", in->name != NULL ? in->name : policy_device_name(dev));
	jw_end_map(w);
	jw_kbool(w, "willReportState", 0);
	if (in->room != NULL)
		jw_kstr(w, "roomHint", in->room);
	jw_str(w, "attributes");
	jw_map(w);
	jw_str(w, "cameraStreamSupportedProtocols");
	jw_array(w);
	jw_str(w, "hls"); /* the one lenscapd serves (platform route: hls required) */
	jw_end_array(w);
	jw_kbool(w, "cameraStreamNeedAuthToken", 0);
	jw_end_map(w);
	sync_info(w, in);
	jw_end_map(w);
}

static void
answer_sync(struct platform_ctx *ctx, struct jw *w)
{
	const struct policy_device *const *devs;
	size_t n;

	devs = policy_account_devices(ctx->acct, &n);
	jw_str(w, "payload");
	jw_map(w);
	jw_kstr(w, "agentUserId", policy_account_name(ctx->acct));
	jw_str(w, "devices");
	jw_array(w);
	for (size_t i = 0; i < n; i++)
		sync_device(w, devs[i]);
	jw_end_array(w);
	jw_end_map(w);
	ctx->answered = (unsigned)n;
}

/* ---- QUERY ------------------------------------------------------------------ */

/* Whether id is named in the device list from first up to e (NULL: the
 * whole list); a device is answered once, where it is first named. */
static int
seen_before(const struct jnode *first, const struct jnode *e, const char *id)
{
	for (const struct jnode *o = first; o != e; o = o->next)
		if (strcmp(platform_str(o, "id", REQUEST_ID_MAX), id) == 0)
			return 1;
	return 0;
}

static void
answer_query(struct platform_ctx *ctx, const struct google_request *q, struct jw *w)
{
	const struct jnode *list = platform_get(q->payload, "devices", J_ARRAY);

	jw_str(w, "payload");
	jw_map(w);
	jw_str(w, "devices");
	jw_map(w);
	for (const struct jnode *e = list->child; e != NULL; e = e->next) {
		const char *id = platform_str(e, "id", REQUEST_ID_MAX);
		const struct policy_device *dev = platform_visible(ctx, id);

		ctx->asked++;
		if (seen_before(list->child, e, id))
			continue;
		jw_str(w, id);
		jw_map(w);
		if (dev != NULL) {
			jw_kbool(w, "online", platform_online(ctx, dev));
			jw_kstr(w, "status", "SUCCESS");
			ctx->answered++;
		} else {
			jw_kstr(w, "status", "ERROR");
			jw_kstr(w, "errorCode", "deviceNotFound");
		}
		jw_end_map(w);
	}
	jw_end_map(w);
	jw_end_map(w);
}

/* ---- EXECUTE ---------------------------------------------------------------- */

/* Whether execution asks for a stream lenscapd can give: the command is
 * GetCameraStream and "SupportedStreamProtocols", if given, holds "hls". */
static int
wants_stream(const struct jnode *execution)
{
	const struct jnode *params = platform_get(execution, "params", J_OBJECT);
	const struct jnode *protos = params != NULL ?
	                             jnode_get(params, "SupportedStreamProtocols") : NULL;

	if (strcmp(platform_str(execution, "command", COMMAND_MAX), GET_CAMERA_STREAM) != 0)
		return 0;
	if (protos == NULL)
		return 1;
	if (protos->type != J_ARRAY)
		return 0;
	for (const struct jnode *p = protos->child; p != NULL; p = p->next)
		if (p->type == J_STRING && strcmp(p->str, "hls") == 0)
			return 1;
	return 0;
}

static void
result_error(struct jw *w, const char *id, const char *code)
{
	jw_map(w);
	jw_str(w, "ids");
	jw_array(w);
	jw_str(w, id);
	jw_end_array(w);
	jw_kstr(w, "status", "ERROR");
	jw_kstr(w, "errorCode", code);
	jw_end_map(w);
}

/* A device's stream link. */
static void
result_stream(struct platform_ctx *ctx, struct jw *w, const char *id, const char *url)
{
	jw_map(w);
	jw_str(w, "ids");
	jw_array(w);
	jw_str(w, id);
	jw_end_array(w);
	jw_kstr(w, "status", "SUCCESS");
	jw_str(w, "states");
	jw_map(w);
	jw_kstr(w, "cameraStreamAccessUrl", url);
	jw_kstr(w, "cameraStreamProtocol", "hls");
	jw_end_map(w);
	jw_end_map(w);
	ctx->answered++;
}

/* Whether id is named in cmds before entry e of command c: answered there. */
static int
named_before(const struct jnode *cmds, const struct jnode *c, const struct jnode *e,
             const char *id)
{
	for (const struct jnode *k = cmds->child; k != c; k = k->next)
		if (seen_before(platform_get(k, "devices", J_ARRAY)->child, NULL, id))
			return 1;
	return seen_before(platform_get(c, "devices", J_ARRAY)->child, e, id);
}

/* Whether a command of cmds that names id asks for a stream. */
static int
stream_asked(const struct jnode *cmds, const char *id)
{
	for (const struct jnode *c = cmds->child; c != NULL; c = c->next) {
		const struct jnode *ex = platform_get(c, "execution", J_ARRAY);

		if (!seen_before(platform_get(c, "devices", J_ARRAY)->child, NULL, id))
			continue;
		for (const struct jnode *e = ex->child; e != NULL; e = e->next)
			if (wants_stream(e))
				return 1;
	}
	return 0;
}

/* The one result for a device, whatever number of times and commands
 * name it: its stream link, or why not.  A device the account may not
 * see is "deviceNotFound", as one that does not exist, before anything
 * else is said of it. */
static void
execute_device(struct platform_ctx *ctx, const struct jnode *cmds, const char *id,
               struct jw *w)
{
	const struct policy_device *dev = platform_visible(ctx, id);
	char url[PLATFORM_URL_MAX];
	uint64_t expires;

	if (dev == NULL)
		result_error(w, id, "deviceNotFound");
	else if (!stream_asked(cmds, id))
		result_error(w, id, "functionNotSupported");
	else if (!platform_online(ctx, dev))
		result_error(w, id, "deviceOffline");
	else if (platform_link(ctx, dev, LC_KIND_HLS, url, &expires) != 0)
		result_error(w, id, "transientError");
	else
		result_stream(ctx, w, id, url);
}

/* One result per distinct device, where it is first named (a device
 * named twice would otherwise get two links), at most 256 of them
 * (google_parse()): the quadratic search costs little. */
static void
answer_execute(struct platform_ctx *ctx, const struct google_request *q, struct jw *w)
{
	const struct jnode *cmds = platform_get(q->payload, "commands", J_ARRAY);

	jw_str(w, "payload");
	jw_map(w);
	jw_str(w, "commands");
	jw_array(w);
	for (const struct jnode *c = cmds->child; c != NULL; c = c->next) {
		const struct jnode *devs = platform_get(c, "devices", J_ARRAY);

		for (const struct jnode *e = devs->child; e != NULL; e = e->next) {
			const char *id = platform_str(e, "id", REQUEST_ID_MAX);

			ctx->asked++;
			if (!named_before(cmds, c, e, id))
				execute_device(ctx, cmds, id, w);
		}
	}
	jw_end_array(w);
	jw_end_map(w);
}

/* ---- the answer ------------------------------------------------------------- */

unsigned
google_answer(struct platform_ctx *ctx, const struct google_request *q, struct jw *w)
{
	if (q->intent == GOOGLE_DISCONNECT) {
		if (revocations_add(ctx->revoked, policy_account_name(ctx->acct),
		                    ctx->now_ms) != 0)
			return 500;
		jw_map(w); /* {} */
		jw_end_map(w);
		return 200;
	}
	jw_map(w);
	jw_kstr(w, "requestId", q->request_id);
	if (q->intent == GOOGLE_SYNC)
		answer_sync(ctx, w);
	else if (q->intent == GOOGLE_QUERY)
		answer_query(ctx, q, w);
	else
		answer_execute(ctx, q, w);
	jw_end_map(w);
	return 200;
}
