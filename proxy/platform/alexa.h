/*
 * Alexa smart home directives (lenscapd(8), "Alexa"), as contrib/alexa's
 * Lambda function forwards them: Discover, InitializeCameraStreams,
 * GetSnapshot, ReportState and AcceptGrant, each parsed strictly and
 * answered from the policy.  The session's token is in the directive
 * itself; lenscapd takes it through the same sources as a bearer token.
 */
#ifndef LC_PLATFORM_ALEXA_H
#define LC_PLATFORM_ALEXA_H

#include "arena.h"
#include "platform/platform.h"

#define ALEXA_TOKEN_MAX 8192 /* bytes of the scope's token */

enum alexa_op {
	ALEXA_UNKNOWN = 0,
	ALEXA_DISCOVER,
	ALEXA_INIT_STREAMS,
	ALEXA_SNAPSHOT,
	ALEXA_REPORT_STATE,
	ALEXA_ACCEPT_GRANT
};

struct alexa_request {
	struct arena arena;           /* the tree */
	int op;                       /* enum alexa_op */
	const char *message_id;       /* header's, NULL when none */
	const char *correlation_token;/* header's, NULL when none */
	const char *endpoint_id;      /* endpoint's, NULL when none */
	const char *token;            /* the scope's (or grantee's), in the
	                                 tree; wiped by alexa_request_free() */
	const struct jnode *payload;
};

/*
 * Parses a directive (len bytes) into q, which the caller frees with
 * alexa_request_free() whatever this returns.  0 when it has a header
 * of payloadVersion "3", a bearer token where the directive carries it,
 * an endpoint id where it needs one, and a payload of the documented
 * types: op ALEXA_UNKNOWN for a directive lenscapd does not take; else
 * LC_EFORMAT with *why, a fixed phrase (what could be read is set).
 */
int alexa_parse(const uint8_t *body, size_t len, struct alexa_request *q,
                const char **why);
void alexa_request_free(struct alexa_request *q);

/* Writes the answer to q (parsed, known op) into w for ctx's account:
 * an event, or an ErrorResponse (NO_SUCH_ENDPOINT for a device the
 * account may not see or that does not exist, the same); 200. */
unsigned alexa_answer(struct platform_ctx *ctx, const struct alexa_request *q,
                      struct jw *w);

/* An ErrorResponse of type (INVALID_DIRECTIVE, NO_SUCH_ENDPOINT,
 * INVALID_AUTHORIZATION_CREDENTIAL, EXPIRED_AUTHORIZATION_CREDENTIAL,
 * ENDPOINT_UNREACHABLE, INTERNAL_ERROR) answering q, which may be
 * NULL or only partly read. */
void alexa_error(const struct alexa_request *q, const char *type, struct jw *w);

#endif
