/*
 * Fuzz target for Google's fulfillment (platform/google.c): the input is
 * a request body.  google_parse() must take it whole or refuse it with
 * LC_EFORMAT and a reason; what it takes, within the limits
 * (platform.h).  A request it takes is answered for each account of the
 * fixed policy (platform-fixture.c): the answer must be JSON that names
 * no device the account may not see, but as an echo that says exactly
 * "deviceNotFound"; SYNC lists the account's devices, no more; QUERY
 * and EXECUTE answer each id once.  Then the input goes through a front
 * (front.c) as the assistant face feeds it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/google.h"
#include "check.h"
#include "platform-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID_MAX 256 /* google.c's REQUEST_ID_MAX */

/* An entry of QUERY or a result of EXECUTE for a device that may not be
 * seen: exactly what one that does not exist gets. */
static void
check_not_found(yajl_val v, int with_ids)
{
	CHECK(YAJL_IS_OBJECT(v) && v->u.object.len == 2u + (with_ids != 0));
	CHECK(strcmp(pf_text(v, (const char *[]){ "status", NULL }), "ERROR") == 0);
	CHECK(strcmp(pf_text(v, (const char *[]){ "errorCode", NULL }),
	             "deviceNotFound") == 0);
}

/* The ids a QUERY payload or an EXECUTE command names, in order. */
static const struct jnode *
ids_of(const struct jnode *obj)
{
	const struct jnode *list = platform_get(obj, "devices", J_ARRAY);

	CHECK(list != NULL && list->len >= 1 && list->len <= PLATFORM_DEVICES_MAX);
	return list->child;
}

static const char *
id_of(const struct jnode *e)
{
	const char *id = platform_str(e, "id", ID_MAX);

	CHECK(id != NULL);
	return id;
}

static void
check_sync(const struct platform_ctx *ctx, yajl_val root)
{
	const struct policy_device *const *devs;
	yajl_val list = pf_get(root, (const char *[]){ "payload", "devices", NULL });
	size_t n;

	devs = policy_account_devices(ctx->acct, &n);
	CHECK(strcmp(pf_text(root, (const char *[]){ "payload", "agentUserId", NULL }),
	             policy_account_name(ctx->acct)) == 0);
	CHECK(YAJL_IS_ARRAY(list) && list->u.array.len == n && ctx->answered == n);
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(pf_text(list->u.array.values[i], (const char *[]){ "id", NULL }),
		             policy_device_name(devs[i])) == 0);
}

static void
check_query(const struct platform_ctx *ctx, const struct google_request *q, yajl_val root)
{
	yajl_val map = pf_get(root, (const char *[]){ "payload", "devices", NULL });
	size_t distinct = 0, asked = 0;

	CHECK(YAJL_IS_OBJECT(map));
	for (const struct jnode *e = ids_of(q->payload); e != NULL; e = e->next) {
		const char *id = id_of(e);
		yajl_val v = pf_get(map, (const char *[]){ id, NULL });
		int first = 1;

		asked++;
		for (const struct jnode *o = ids_of(q->payload); o != e; o = o->next)
			first &= strcmp(id_of(o), id) != 0;
		distinct += first;
		CHECK(v != NULL);
		if (!pf_visible(ctx, id)) {
			check_not_found(v, 0);
			continue;
		}
		CHECK(strcmp(pf_text(v, (const char *[]){ "status", NULL }), "SUCCESS") == 0);
		CHECK(YAJL_IS_TRUE(pf_get(v, (const char *[]){ "online", NULL })) ==
		      platform_online(ctx, policy_device_by_name(ctx->pol, id)));
	}
	CHECK(map->u.object.len == distinct && ctx->asked == asked && ctx->answered <= asked);
}

/* Whether id is named before entry e of command c in cmds. */
static int
named_before(const struct jnode *cmds, const struct jnode *c, const struct jnode *e,
             const char *id)
{
	for (const struct jnode *k = cmds->child; k != NULL; k = k->next)
		for (const struct jnode *o = ids_of(k); o != NULL; o = o->next) {
			if (k == c && o == e)
				return 0;
			if (strcmp(id_of(o), id) == 0)
				return 1;
		}
	return 0;
}

static void
check_execute(const struct platform_ctx *ctx, const struct google_request *q, yajl_val root)
{
	yajl_val results = pf_get(root, (const char *[]){ "payload", "commands", NULL });
	const struct jnode *cmds = platform_get(q->payload, "commands", J_ARRAY);
	size_t i = 0, asked = 0;

	CHECK(YAJL_IS_ARRAY(results) && cmds != NULL);
	for (const struct jnode *c = cmds->child; c != NULL; c = c->next)
		for (const struct jnode *e = ids_of(c); e != NULL; e = e->next) {
			yajl_val r, ids;
			const char *status;

			asked++;
			if (named_before(cmds, c, e, id_of(e)))
				continue; /* one result per device */
			r = i < results->u.array.len ? results->u.array.values[i] : NULL;
			ids = pf_get(r, (const char *[]){ "ids", NULL });
			status = pf_text(r, (const char *[]){ "status", NULL });
			i++;
			CHECK(YAJL_IS_ARRAY(ids) && ids->u.array.len == 1 &&
			      YAJL_IS_STRING(ids->u.array.values[0]) &&
			      strcmp(pf_str(ids->u.array.values[0]), id_of(e)) == 0);
			if (!pf_visible(ctx, id_of(e)))
				check_not_found(r, 1);
			else if (strcmp(status, "SUCCESS") == 0)
				CHECK(platform_online(ctx, policy_device_by_name(ctx->pol, id_of(e))));
			else
				CHECK(strcmp(status, "ERROR") == 0);
		}
	CHECK(results->u.array.len == i && ctx->asked == asked && ctx->answered <= i);
}

/* The answer to ctx's account, past pf_check_answer(). */
static void
check_answer(const struct platform_ctx *ctx, const void *req, yajl_val root,
             const char *text, size_t len)
{
	const struct google_request *q = req;

	if (q->intent == GOOGLE_DISCONNECT) {
		CHECK(len == 3 && memcmp(text, "{}\n", 3) == 0);
		return;
	}
	CHECK(strcmp(pf_text(root, (const char *[]){ "requestId", NULL }),
	             q->request_id) == 0);
	if (q->intent == GOOGLE_SYNC)
		check_sync(ctx, root);
	else if (q->intent == GOOGLE_QUERY)
		check_query(ctx, q, root);
	else
		check_execute(ctx, q, root);
}

/* What google_parse() takes stays within google.c's limits. */
static void
check_parsed(const void *req, size_t size, int taken)
{
	const struct google_request *q = req;

	(void)taken;
	CHECK(size <= PLATFORM_BODY_MAX && q->request_id != NULL &&
	      strlen(q->request_id) <= ID_MAX && q->intent >= GOOGLE_UNKNOWN &&
	      q->intent <= GOOGLE_DISCONNECT);
}

static int
parse(const uint8_t *data, size_t size, void *req, const char **why)
{
	return google_parse(data, size, req, why);
}

static void
release(void *req)
{
	google_request_free(req);
}

static int
known(const void *req)
{
	return ((const struct google_request *)req)->intent != GOOGLE_UNKNOWN;
}

static unsigned
answer(struct platform_ctx *ctx, const void *req, struct jw *w)
{
	return google_answer(ctx, req, w);
}

static const struct pf_target google = {
	POLICY_PLATFORM_GOOGLE, parse, release, known, check_parsed, answer,
	check_answer,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct google_request q;

	pf_run(&google, &q, data, size);
	return 0;
}
