/*
 * The camera face's request: admission checks that hold for every frame
 * (the credential, the content type, the body deadline), refusals and
 * answers, and the request's audit lines.
 */
#include <ctype.h>
#include <string.h>

#include "camera/creq.h"
#include "net/http.h"

void
creq_audit(struct creq *r, const char *event, const char *detail)
{
	freq_audit(&r->q, event, LC_DROP_NONE, NULL, detail);
}

enum MHD_Result
creq_problem(struct creq *r, unsigned status, const char *title)
{
	return freq_problem(&r->q, C_DONE, status, title);
}

/*
 * Refuses the request, but only once its body has been read: an answer
 * queued in the middle of an upload makes MHD drop the connection and the
 * camera sees a reset, not the status.  The drain is bounded (see drain()).
 */
enum MHD_Result
creq_reject(struct creq *r, unsigned status, const char *title)
{
	r->q.state = C_REJECT;
	r->reject_status = status;
	r->reject_title = title;
	return MHD_YES;
}

/* The device r's credential names under pol, or NULL. */
static const struct policy_device *
credential_device(const struct lc_policy *pol, const struct creq *r)
{
	switch (r->cred) {
	case CRED_CERT:
		return policy_device_by_cert(pol, r->cred_digest);
	case CRED_TOKEN:
		return policy_device_by_token_digest(pol, r->cred_digest);
	default:
		return NULL;
	}
}

const struct policy_device *
creq_identify(struct creq *r)
{
	const char *token;

	if (http_client_cert(r->q.conn, r->cred_digest) == 0)
		r->cred = CRED_CERT;
	else if ((token = http_bearer(r->q.conn)) != NULL &&
	         lc_digest(token, strlen(token), r->cred_digest) == 0)
		r->cred = CRED_TOKEN;
	return credential_device(r->q.pol, r);
}

int
creq_still_admitted(struct creq *r)
{
	struct lc_policy *now = lcd_policy(r->q.fc->d);
	const struct policy_device *dev = credential_device(now, r);
	int yes = dev != NULL && strcmp(policy_device_name(dev), r->q.device) == 0;

	policy_free(now);
	return yes;
}

int
creq_type_allowed(struct creq *r, const char *ct)
{
	size_t n = 0;

	if (ct == NULL)
		return 0;
	for (; ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ' && n < LC_CONTENT_TYPE_MAX; n++)
		r->ctype[n] = (char)tolower((unsigned char)ct[n]);
	r->ctype[n] = '\0';
	/* The route's types are valid ones (the policy checks), so a match
	 * is a valid content type for an envelope. */
	for (size_t i = 0; i < r->q.route->ncontent_types; i++)
		if (strcmp(r->q.route->content_types[i], r->ctype) == 0)
			return 1;
	return 0;
}

enum MHD_Result
creq_finish(struct creq *r)
{
	if (r->q.result != 0 || r->q.status < 200 || r->q.status > 299) {
		char why[64];

		creq_audit(r, "backend_error", freq_backend_error(&r->q, why, sizeof(why)));
		return creq_problem(r, MHD_HTTP_BAD_GATEWAY, "backend did not store the frame");
	}
	freq_answered(&r->q, C_DONE, 201);
	return http_answer(r->q.conn, MHD_HTTP_CREATED, "text/plain", NULL, 0, 0);
}
