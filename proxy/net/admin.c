/*
 * The admin listener (loopback by default): /metrics in the Prometheus
 * text format, /healthz, and POST /v1/capabilities?account=&device=&kind=
 * which mints a capability URL (lenscapd(8), "Capability URLs").  Nothing
 * here reads frames.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon.h"
#include "net/http.h"
#include "assistant/capability.h"

#define METRICS_BUF (64 * 1024)

/* A sentinel for the first call, so that answers go out on the second
 * and keep-alive survives (doc/pitfalls.md, "libmicrohttpd: an answer
 * queued on the first call closes the connection"). */
static int first_call_seen;

/* The query of a mint request: each argument once, nothing else.  Values
 * are as sent (the server does not decode them); the checks below take
 * only plain names, so an encoded one is refused. */
struct mint_args {
	const char *account, *device, *kind;
	int bad;
};

/* MHD: takes one query argument into a struct mint_args. */
static enum MHD_Result
mint_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct mint_args *a = cls;
	const char **slot = NULL;

	(void)kind;
	if (strcmp(key, "account") == 0)
		slot = &a->account;
	else if (strcmp(key, "device") == 0)
		slot = &a->device;
	else if (strcmp(key, "kind") == 0)
		slot = &a->kind;
	if (slot == NULL || *slot != NULL || value == NULL)
		a->bad = 1;
	else
		*slot = value;
	return MHD_YES;
}

/* Audits a mint: event "capability_minted" or "capability_refused". */
static void
mint_audit(struct lcd *d, const char *event, const struct mint_args *a,
           const char *tag, const char *detail)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.face = "admin";
	ev.account = a->account != NULL && lc_valid_device(a->account) ? a->account : NULL;
	ev.device = a->device != NULL && lc_valid_device(a->device) ? a->device : NULL;
	ev.session = tag;
	ev.detail = detail;
	(void)audit_log(d->audit, &ev);
}

/* POST /v1/capabilities?account=A&device=D&kind=K: 200 with
 * {"path": "/s/...", "expires_ms": N}; 400 for arguments that are not
 * exactly these three, plain; 404 when the policy has no capability keys
 * or the account may not see the device. */
static enum MHD_Result
mint(struct lcd *d, struct MHD_Connection *c)
{
	struct mint_args a = { NULL, NULL, NULL, 0 };
	struct lc_policy *pol;
	char path[CAPABILITY_PATH_MAX], tag[24], *buf;
	uint8_t digest[LC_DIGEST_BYTES];
	uint64_t expires;
	int kind, rc, n;

	if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, mint_arg, &a) < 0 ||
	    a.bad || a.account == NULL || a.device == NULL || a.kind == NULL ||
	    !lc_valid_device(a.account) || !lc_valid_device(a.device) ||
	    (kind = lc_kind_from_name(a.kind)) < 0) {
		mint_audit(d, "capability_refused", &a, NULL, "bad arguments");
		metrics_request(&d->metrics, METRICS_ADMIN, 400, 0);
		return http_problem(c, MHD_HTTP_BAD_REQUEST, "want account, device and kind");
	}
	pol = lcd_policy(d);
	rc = capability_mint_path(pol, a.account, a.device, kind, lcd_now_ms(), path,
	                          sizeof(path), &expires);
	policy_free(pol);
	if (rc != 0) {
		mint_audit(d, "capability_refused", &a, NULL,
		           rc == LC_EINVAL ? "no keys, or the account may not see the device"
		                           : "mint failed");
		metrics_request(&d->metrics, METRICS_ADMIN, rc == LC_EINVAL ? 404 : 500, 0);
		return http_problem(c, rc == LC_EINVAL ? MHD_HTTP_NOT_FOUND
		                                       : MHD_HTTP_INTERNAL_SERVER_ERROR,
		                    rc == LC_EINVAL ? "not found" : "mint failed");
	}
	if (capability_tag(path + 3, strcspn(path + 3, "/"), digest, tag) != 0 ||
	    (buf = malloc(sizeof(path) + 64)) == NULL)
		return MHD_NO;
	n = snprintf(buf, sizeof(path) + 64, "{\"path\":\"%s\",\"expires_ms\":%llu}\n",
	             path, (unsigned long long)expires);
	sodium_memzero(path, sizeof(path));
	if (n < 0 || (size_t)n >= sizeof(path) + 64) {
		free(buf);
		return MHD_NO;
	}
	mint_audit(d, "capability_minted", &a, tag, a.kind);
	metrics_request(&d->metrics, METRICS_ADMIN, 200, 0);
	return http_answer(c, MHD_HTTP_OK, "application/json", buf, 0, (size_t)n);
}

enum MHD_Result
admin_access(void *cls, struct MHD_Connection *c, const char *url,
             const char *method, const char *version, const char *data,
             size_t *data_size, void **req_cls)
{
	struct listener_ctx *fc = cls;
	struct lcd *d = fc->d;
	char *buf;
	size_t n;

	if (*req_cls == NULL) {
		*req_cls = &first_call_seen;
		return MHD_YES;
	}
	if (*data_size != 0) {
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/v1/capabilities") == 0) {
		if (strcmp(method, "POST") != 0)
			return http_problem(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		return mint(d, c);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return http_problem(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (strcmp(url, "/healthz") == 0) {
		metrics_request(&d->metrics, METRICS_ADMIN, d->stopping ? 503 : 200, 0);
		/* From the first SIGTERM on: load balancers take the instance out. */
		if ((buf = strdup(d->stopping ? "draining\n" : "ok\n")) == NULL)
			return MHD_NO;
		return http_answer(c, d->stopping ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
		                   "text/plain", buf, 0, strlen(buf));
	}
	if (strcmp(url, "/metrics") == 0) {
		metrics_request(&d->metrics, METRICS_ADMIN, 200, 0);
		if ((buf = malloc(METRICS_BUF)) == NULL)
			return MHD_NO;
		if (metrics_render(&d->metrics, audit_errors(d->audit), buf, METRICS_BUF,
		                   &n) != 0) {
			free(buf);
			return http_problem(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics");
		}
		return http_answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4", buf, 0, n);
	}
	metrics_request(&d->metrics, METRICS_ADMIN, 404, 0);
	return http_problem(c, MHD_HTTP_NOT_FOUND, "not found");
}

void
admin_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                enum MHD_RequestTerminationCode toe)
{
	*req_cls = NULL;
}
