/*
 * Fuzz target for Alexa's directives (platform/alexa.c): the input is a
 * directive as contrib/alexa forwards it.  alexa_parse() must take it
 * whole or refuse it with LC_EFORMAT and a reason; a directive it takes
 * has a messageId, its token if it came with one and, where it needs
 * one, an endpointId, within the limits.  One it takes is answered for each account of the
 * fixed policy (platform-fixture.c): the answer must be JSON that names
 * no device the account may not see but as the endpoint echoed in
 * NO_SUCH_ENDPOINT; Discover lists the account's devices, no more; an
 * endpoint the account sees gets its state, stream or still as its
 * presence says.  Then the input goes through a front (front.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/alexa.h"
#include "check.h"
#include "platform-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID_MAX 256 /* alexa.c's messageId and endpointId bound */

#define PATH(...) ((const char *[]){ __VA_ARGS__, NULL })

/* The event's header names ns.name and echoes q's correlationToken when
 * echo (and it has one), and no other. */
static void
check_header(yajl_val root, const struct alexa_request *q, const char *ns,
             const char *name, int echo)
{
	yajl_val corr = pf_get(root, PATH("event", "header", "correlationToken"));

	CHECK(strcmp(pf_text(root, PATH("event", "header", "namespace")), ns) == 0);
	CHECK(strcmp(pf_text(root, PATH("event", "header", "name")), name) == 0);
	CHECK(strcmp(pf_text(root, PATH("event", "header", "payloadVersion")), "3") == 0);
	CHECK(strlen(pf_text(root, PATH("event", "header", "messageId"))) == 36);
	if (echo && q->correlation_token != NULL)
		CHECK(YAJL_IS_STRING(corr) && strcmp(pf_str(corr), q->correlation_token) == 0);
	else
		CHECK(corr == NULL);
}

static void
check_discover(const struct platform_ctx *ctx, const struct alexa_request *q, yajl_val root)
{
	const struct policy_device *const *devs;
	yajl_val eps = pf_get(root, PATH("event", "payload", "endpoints"));
	size_t n;

	check_header(root, q, "Alexa.Discovery", "Discover.Response", 0);
	devs = policy_account_devices(ctx->acct, &n);
	CHECK(YAJL_IS_ARRAY(eps) && eps->u.array.len == n && ctx->answered == n);
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(pf_text(eps->u.array.values[i], PATH("endpointId")),
		             policy_device_name(devs[i])) == 0);
}

/* An answer about q's endpoint, which ctx's account may see. */
static void
check_endpoint(const struct platform_ctx *ctx, const struct alexa_request *q, yajl_val root)
{
	const struct policy_device *dev = policy_device_by_name(ctx->pol, q->endpoint_id);
	const struct policy_device_info *info = policy_device_info(dev);
	int online = platform_online(ctx, dev), found = 0;
	yajl_val s;

	CHECK(strcmp(pf_text(root, PATH("event", "endpoint", "endpointId")), q->endpoint_id) == 0);
	if (q->op == ALEXA_REPORT_STATE) {
		check_header(root, q, "Alexa", "StateReport", 1);
		s = pf_get(root, PATH("context", "properties"));
		CHECK(YAJL_IS_ARRAY(s) && s->u.array.len == 1);
		CHECK(strcmp(pf_text(s->u.array.values[0], PATH("value", "value")),
		             online ? "OK" : "UNREACHABLE") == 0);
		return;
	}
	if (!online) {
		check_header(root, q, "Alexa", "ErrorResponse", 1);
		CHECK(strcmp(pf_text(root, PATH("event", "payload", "type")),
		             "ENDPOINT_UNREACHABLE") == 0);
		return;
	}
	if (q->op == ALEXA_SNAPSHOT) {
		check_header(root, q, "Alexa.SmartVision.SnapshotProvider", "Response", 1);
		CHECK(strstr(pf_text(root, PATH("event", "payload", "imageUri")),
		             "/snapshot.jpg") != NULL);
		return;
	}
	check_header(root, q, "Alexa.CameraStreamController", "Response", 1);
	s = pf_get(root, PATH("event", "payload", "cameraStreams"));
	CHECK(YAJL_IS_ARRAY(s) && s->u.array.len == 1);
	s = s->u.array.values[0];
	CHECK(strstr(pf_text(s, PATH("uri")), "/index.m3u8") != NULL);
	for (size_t i = 0; i < info->nresolutions; i++)
		found |= YAJL_GET_INTEGER(pf_get(s, PATH("resolution", "width"))) ==
		         info->resolutions[i].width &&
		         YAJL_GET_INTEGER(pf_get(s, PATH("resolution", "height"))) ==
		         info->resolutions[i].height;
	CHECK(found);
}

/* The answer to ctx's account, past pf_check_answer(). */
static void
check_answer(const struct platform_ctx *ctx, const void *req, yajl_val root,
             const char *text, size_t len)
{
	const struct alexa_request *q = req;

	(void)text;
	(void)len;
	if (q->op == ALEXA_DISCOVER) {
		check_discover(ctx, q, root);
	} else if (q->op == ALEXA_ACCEPT_GRANT) {
		check_header(root, q, "Alexa.Authorization", "AcceptGrant.Response", 0);
	} else if (!pf_visible(ctx, q->endpoint_id)) {
		check_header(root, q, "Alexa", "ErrorResponse", 1);
		CHECK(strcmp(pf_text(root, PATH("event", "payload", "type")),
		             "NO_SUCH_ENDPOINT") == 0);
		CHECK(strcmp(pf_text(root, PATH("event", "endpoint", "endpointId")),
		             q->endpoint_id) == 0);
		CHECK(ctx->asked == 1 && ctx->answered == 0);
	} else {
		check_endpoint(ctx, q, root);
	}
}

/* What alexa_parse() takes stays within alexa.c's limits; a directive
 * it knows has its token (if it came with one) and, where it needs one,
 * an endpointId. */
static void
check_parsed(const void *req, size_t size, int taken)
{
	const struct alexa_request *q = req;

	CHECK(size <= PLATFORM_BODY_MAX && q->message_id != NULL &&
	      strlen(q->message_id) <= ID_MAX && q->payload != NULL &&
	      q->op >= ALEXA_UNKNOWN && q->op <= ALEXA_ACCEPT_GRANT);
	CHECK(q->correlation_token == NULL ||
	      strlen(q->correlation_token) <= PLATFORM_ECHO_MAX);
	CHECK(q->endpoint_id == NULL || strlen(q->endpoint_id) <= ID_MAX);
	if (!taken)
		return;
	/* No token is a session refused later (401), not a bad directive. */
	CHECK(q->token == NULL || (*q->token != '\0' && strlen(q->token) <= ALEXA_TOKEN_MAX));
	CHECK(q->endpoint_id != NULL || q->op == ALEXA_DISCOVER ||
	      q->op == ALEXA_ACCEPT_GRANT);
}

static int
parse(const uint8_t *data, size_t size, void *req, const char **why)
{
	return alexa_parse(data, size, req, why);
}

static void
release(void *req)
{
	alexa_request_free(req);
}

static int
known(const void *req)
{
	return ((const struct alexa_request *)req)->op != ALEXA_UNKNOWN;
}

static unsigned
answer(struct platform_ctx *ctx, const void *req, struct jw *w)
{
	return alexa_answer(ctx, req, w);
}

static const struct pf_target alexa = {
	POLICY_PLATFORM_ALEXA, parse, release, known, check_parsed, answer,
	check_answer,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alexa_request q;

	pf_run(&alexa, &q, data, size);
	return 0;
}
