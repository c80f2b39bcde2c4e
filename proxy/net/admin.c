/*
 * The admin listener (loopback by default): /metrics in the Prometheus
 * text format and /healthz.  Nothing here reads frames or policy data.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "net/http.h"

#define METRICS_BUF (64 * 1024)

/* A sentinel for the first call, so that answers go out on the second
 * and keep-alive survives (doc/pitfalls.md, "libmicrohttpd: an answer
 * queued on the first call closes the connection"). */
static int first_call_seen;

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
