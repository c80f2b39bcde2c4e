/*
 * What every request handler needs of its connection: the client's
 * certificate and bearer token, and answers that own their bodies
 * (http.h).  Both faces and the admin listener answer through here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "net/http.h"

int
http_client_cert(struct MHD_Connection *c, uint8_t out[LC_DIGEST_BYTES])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *chain;
	gnutls_session_t s;
	unsigned int status = 1, n = 0;

	if (ci == NULL || ci->tls_session == NULL)
		return -1;
	s = (gnutls_session_t)ci->tls_session;
	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509)
		return -1;
	/* A rogue self-signed certificate gives rc 0 with a non-zero status;
	 * no certificate gives an empty chain.  Require all three. */
	if (gnutls_certificate_verify_peers2(s, &status) != 0 || status != 0)
		return -1;
	chain = gnutls_certificate_get_peers(s, &n);
	if (chain == NULL || n == 0)
		return -1;
	return lc_digest(chain[0].data, chain[0].size, out) == 0 ? 0 : -1;
}

const char *
http_bearer(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_AUTHORIZATION);

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}

enum MHD_Result
http_add_cors(struct MHD_Response *r, const struct http_cors *cors)
{
	if (cors == NULL)
		return MHD_YES;
	if (cors->vary && MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Origin") != MHD_YES)
		return MHD_NO;
	if (cors->origin != NULL &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN,
	                            cors->origin) != MHD_YES)
		return MHD_NO;
	return MHD_YES;
}

enum MHD_Result
http_preflight(struct MHD_Connection *c, const struct http_cors *cors,
               const char *allow_headers)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (http_add_cors(r, cors) != MHD_YES ||
	    (cors != NULL && cors->origin != NULL &&
	     (MHD_add_response_header(r, "Access-Control-Allow-Methods",
	                              "GET, HEAD, OPTIONS") != MHD_YES ||
	      MHD_add_response_header(r, "Access-Control-Max-Age", "600") != MHD_YES ||
	      (allow_headers != NULL &&
	       MHD_add_response_header(r, "Access-Control-Allow-Headers",
	                               allow_headers) != MHD_YES)))) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	return ret;
}

/* Queues r (NULL: out of memory) with its type, cache_control and
 * cors's headers (NULL: none), and with "Connection: close" if close is
 * set; r is released either way. */
static enum MHD_Result
queue_cc(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
         const char *content_type, const char *cache_control, int close,
         const struct http_cors *cors)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO; /* out of memory: MHD closes the connection */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control) != MHD_YES ||
	    (close && MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) ||
	    http_add_cors(r, cors) != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* queue_cc() with "Cache-Control: no-store". */
static enum MHD_Result
queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
      const char *content_type, int close, const struct http_cors *cors)
{
	return queue_cc(c, status, r, content_type, "no-store", close, cors);
}

/* Queues the problem body for status and title, closing after it if
 * close is set. */
static enum MHD_Result
problem(struct MHD_Connection *c, unsigned status, const char *title, int close,
        const struct http_cors *cors)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%u}\n",
	                 title, status);

	if (n < 0 || (size_t)n >= sizeof(body))
		return MHD_NO;
	return queue(c, status,
	             MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY),
	             "application/problem+json", close, cors);
}

enum MHD_Result
http_problem(struct MHD_Connection *c, unsigned status, const char *title)
{
	return problem(c, status, title, 0, NULL);
}

enum MHD_Result
http_problem_cors(struct MHD_Connection *c, unsigned status, const char *title,
                  const struct http_cors *cors)
{
	return problem(c, status, title, 0, cors);
}

enum MHD_Result
http_problem_close(struct MHD_Connection *c, unsigned status, const char *title)
{
	return problem(c, status, title, 1, NULL);
}

enum MHD_Result
http_answer_cors(struct MHD_Connection *c, unsigned status, const char *content_type,
                 const char *cache_control, void *base, size_t off, size_t len,
                 const struct http_cors *cors)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
		len, (char *)base + off, free, base);

	if (r == NULL)
		free(base);
	return queue_cc(c, status, r, content_type, cache_control, 0, cors);
}

enum MHD_Result
http_answer_cc(struct MHD_Connection *c, unsigned status, const char *content_type,
               const char *cache_control, void *base, size_t off, size_t len)
{
	return http_answer_cors(c, status, content_type, cache_control, base, off,
	                        len, NULL);
}

enum MHD_Result
http_answer(struct MHD_Connection *c, unsigned status, const char *content_type,
            void *base, size_t off, size_t len)
{
	return http_answer_cc(c, status, content_type, "no-store", base, off, len);
}
