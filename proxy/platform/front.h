/*
 * A request to a platform route, as the assistant face carries it
 * (assistant/assistant.c): its body, bounded; the token it names (the
 * Authorization header's for Google, the directive's for Alexa); the
 * answer, or a refusal, in the platform's own shape.  The session
 * itself is found by the assistant face, as for any request.
 */
#ifndef LC_PLATFORM_FRONT_H
#define LC_PLATFORM_FRONT_H

#include <stddef.h>

#include "platform/platform.h"

struct front;

/* A request to a route of platform (enum policy_platform), or NULL. */
struct front *front_new(int platform);
/* Frees f and wipes its body and tree (they may hold a token). */
void front_free(struct front *f);

/* Appends n bytes of body; 0, or -1 past PLATFORM_BODY_MAX. */
int front_body(struct front *f, const char *data, size_t n);

/*
 * Reads the whole body.  NULL when the request can go on: *token is the
 * token to take as the session (bearer for Google, the header's; NULL
 * when there is none).  Else why it cannot, a fixed phrase: the answer
 * is then front_refusal(f, 400, ...).
 */
const char *front_parse(struct front *f, const char *bearer, const char **token);

/* The answer to a parsed request for ctx's account: its status, and its
 * body (malloc'd, *len bytes) or NULL when no memory. */
unsigned front_answer(struct front *f, struct platform_ctx *ctx, char **body, size_t *len);

/*
 * A refusal of status in the platform's shape (for Google a 401 as it
 * asks; for Alexa an ErrorResponse: 401 for a token refused
 * (EXPIRED_AUTHORIZATION_CREDENTIAL when expired is set), 400 and 413
 * for a directive it cannot take, 500 and 503 INTERNAL_ERROR).  Its body
 * as front_answer(); the status to send.
 */
unsigned front_refusal(struct front *f, unsigned status, int expired, char **body,
                       size_t *len);

/* The intent or directive named, for the audit line: a static string,
 * "unknown" before it is read. */
const char *front_intent(const struct front *f);

#endif
