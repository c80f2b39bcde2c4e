/*
 * A request to a platform route (platform/front.h): Google's fulfillment
 * or an Alexa directive, read and answered through google.c or alexa.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "platform/alexa.h"
#include "platform/front.h"
#include "platform/google.h"

struct front {
	int platform;             /* enum policy_platform */
	uint8_t *body;
	size_t len, cap;
	int parsed;               /* which of g and a holds a request */
	struct google_request g;
	struct alexa_request a;
};

struct front *
front_new(int platform)
{
	struct front *f = calloc(1, sizeof(*f));

	if (f != NULL)
		f->platform = platform;
	return f;
}

void
front_free(struct front *f)
{
	if (f == NULL)
		return;
	if (f->body != NULL)
		sodium_memzero(f->body, f->cap);
	free(f->body);
	if (f->parsed && f->platform == POLICY_PLATFORM_GOOGLE)
		google_request_free(&f->g);
	if (f->parsed && f->platform == POLICY_PLATFORM_ALEXA)
		alexa_request_free(&f->a);
	free(f);
}

int
front_body(struct front *f, const char *data, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (n > PLATFORM_BODY_MAX - f->len)
		return -1;
	if (f->len + n > f->cap) {
		cap = f->len + n < 4096 ? 4096 : f->len + n;
		if (cap < PLATFORM_BODY_MAX / 2)
			cap *= 2;
		if ((nb = malloc(cap)) == NULL)
			return -1;
		if (f->body != NULL) {
			memcpy(nb, f->body, f->len);
			sodium_memzero(f->body, f->cap); /* may hold a token */
			free(f->body);
		}
		f->body = nb;
		f->cap = cap;
	}
	memcpy(f->body + f->len, data, n);
	f->len += n;
	return 0;
}

const char *
front_parse(struct front *f, const char *bearer, const char **token)
{
	const char *why = NULL;
	int rc;

	*token = NULL;
	f->parsed = 1;
	if (f->platform == POLICY_PLATFORM_GOOGLE) {
		rc = google_parse(f->body, f->len, &f->g, &why);
		if (rc == 0 && f->g.intent == GOOGLE_UNKNOWN)
			return "unknown intent";
		*token = bearer;
	} else {
		rc = alexa_parse(f->body, f->len, &f->a, &why);
		if (rc == 0 && f->a.op == ALEXA_UNKNOWN)
			return "unknown directive";
		*token = f->a.token;
	}
	return rc == 0 ? NULL : why;
}

/* The text w holds, into *body; w is closed. */
static void
take(struct jw *w, char **body, size_t *len)
{
	*body = jw_done(w, len);
	jw_close(w);
}

unsigned
front_answer(struct front *f, struct platform_ctx *ctx, char **body, size_t *len)
{
	struct jw w;
	unsigned status;

	*body = NULL;
	if (jw_open(&w) != 0)
		return 500;
	status = f->platform == POLICY_PLATFORM_GOOGLE ? google_answer(ctx, &f->g, &w)
	                                                 : alexa_answer(ctx, &f->a, &w);
	take(&w, body, len);
	return status;
}

/* Alexa's error type for a refusal of status. */
static const char *
alexa_type(unsigned status, int expired)
{
	if (status == 401)
		return expired ? "EXPIRED_AUTHORIZATION_CREDENTIAL"
		               : "INVALID_AUTHORIZATION_CREDENTIAL";
	if (status == 400 || status == 413)
		return "INVALID_DIRECTIVE";
	return "INTERNAL_ERROR";
}

/* Google's errorCode for a refusal of status. */
static const char *
google_code(const struct front *f, unsigned status)
{
	if (status == 401)
		return "authFailure";
	if (status == 400 && f->parsed && f->g.request_id != NULL &&
	    f->g.intent == GOOGLE_UNKNOWN)
		return "notSupported";
	if (status == 400 || status == 413)
		return "protocolError";
	return "transientError";
}

unsigned
front_refusal(struct front *f, unsigned status, int expired, char **body, size_t *len)
{
	struct jw w;
	int google = f->platform == POLICY_PLATFORM_GOOGLE;

	*body = NULL;
	if (jw_open(&w) != 0)
		return status;
	if (google)
		google_error(f->parsed ? f->g.request_id : NULL, google_code(f, status), &w);
	else
		alexa_error(f->parsed ? &f->a : NULL, alexa_type(status, expired), &w);
	take(&w, body, len);
	return status;
}

const char *
front_intent(const struct front *f)
{
	static const char *const google[] = { "unknown", "SYNC", "QUERY", "EXECUTE",
		"DISCONNECT" };
	static const char *const alexa[] = { "unknown", "Discover",
		"InitializeCameraStreams", "GetSnapshot", "ReportState", "AcceptGrant" };

	if (!f->parsed)
		return "unknown";
	return f->platform == POLICY_PLATFORM_GOOGLE ? google[f->g.intent] : alexa[f->a.op];
}
