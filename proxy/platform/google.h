/*
 * Google Home's cloud-to-cloud fulfillment (lenscapd(8), "Google Home"):
 * SYNC, QUERY, EXECUTE (GetCameraStream) and DISCONNECT, each parsed
 * strictly and answered from the policy for the session's account.
 * The session itself comes from the Authorization header, as for every
 * route of the assistant face.
 */
#ifndef LC_PLATFORM_GOOGLE_H
#define LC_PLATFORM_GOOGLE_H

#include "arena.h"
#include "platform/platform.h"

enum google_intent {
	GOOGLE_UNKNOWN = 0,
	GOOGLE_SYNC,
	GOOGLE_QUERY,
	GOOGLE_EXECUTE,
	GOOGLE_DISCONNECT
};

struct google_request {
	struct arena arena;              /* the tree */
	const char *request_id;          /* NULL when none could be read */
	int intent;                      /* enum google_intent */
	const struct jnode *payload;     /* inputs[0].payload, checked */
};

/*
 * Parses a fulfillment body (len bytes) into q, which the caller frees
 * with google_request_free() whatever this returns.  0 when every part
 * lenscapd reads has its documented type and stays within the limits
 * (platform.h): intent GOOGLE_UNKNOWN for an intent it does not know;
 * else LC_EFORMAT with *why, a fixed phrase (q->request_id is set when
 * it could be read).
 */
int google_parse(const uint8_t *body, size_t len, struct google_request *q,
                 const char **why);
void google_request_free(struct google_request *q);

/* Writes the answer to q (parsed, with a known intent) into w for
 * ctx's account: 200, or 500 when the answer cannot be made (a
 * DISCONNECT that could not be recorded). */
unsigned google_answer(struct platform_ctx *ctx, const struct google_request *q,
                       struct jw *w);

/* Google's answer to a request it cannot take as a whole:
 * {"requestId":..,"payload":{"errorCode":code}}. */
void google_error(const char *request_id, const char *code, struct jw *w);

#endif
