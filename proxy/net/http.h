/*
 * Request-side helpers for every listener's handlers: who the client
 * proved to be, and answers whose bodies the response owns.
 */
#ifndef LC_HTTP_H
#define LC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "lenscap.h"

/*
 * The SHA-256 of the client's certificate (DER), only if the client sent
 * one and it verifies against the listener's client CA.  0 or -1.
 */
int http_client_cert(struct MHD_Connection *c, uint8_t out[LC_DIGEST_BYTES]);

/* The token of "Authorization: Bearer <token>", or NULL. */
const char *http_bearer(struct MHD_Connection *c);

/* What an answer says to browsers (CORS) about its origin: origin is
 * the request's Origin if the route allows it, else NULL (no
 * Access-Control-* header); vary adds "Vary: Origin" (the route has a
 * list, so that caches keep answers for different origins apart). */
struct http_cors {
	const char *origin;
	int vary;
};

/* Adds cors's headers to r (cors NULL: none).  MHD_YES or MHD_NO. */
enum MHD_Result http_add_cors(struct MHD_Response *r, const struct http_cors *cors);

/* Answers a CORS preflight: 204, no body, Allow-Methods GET, HEAD,
 * OPTIONS and, if allow_headers is not NULL, Allow-Headers; the origin
 * only if allowed. */
enum MHD_Result http_preflight(struct MHD_Connection *c, const struct http_cors *cors,
                               const char *allow_headers);

/* http_problem() with cors's headers (NULL: none). */
enum MHD_Result http_problem_cors(struct MHD_Connection *c, unsigned status,
                                  const char *title, const struct http_cors *cors);
/* http_answer_cc() with cors's headers (NULL: none). */
enum MHD_Result http_answer_cors(struct MHD_Connection *c, unsigned status,
                                 const char *content_type, const char *cache_control,
                                 void *base, size_t off, size_t len,
                                 const struct http_cors *cors);

/* Queues an application/problem+json answer with no other body. */
enum MHD_Result http_problem(struct MHD_Connection *c, unsigned status,
                             const char *title);

/* The same, with "Connection: close": libmicrohttpd closes the
 * connection once the answer is out and reads no further request on it. */
enum MHD_Result http_problem_close(struct MHD_Connection *c, unsigned status,
                                   const char *title);

/* Queues len bytes at base + off as the body, "Cache-Control: no-store";
 * the response takes ownership of base (freed with free()), so nothing
 * is copied. */
enum MHD_Result http_answer(struct MHD_Connection *c, unsigned status,
                            const char *content_type, void *base, size_t off,
                            size_t len);

/* http_answer() with cache_control for its Cache-Control header instead
 * of "no-store". */
enum MHD_Result http_answer_cc(struct MHD_Connection *c, unsigned status,
                               const char *content_type, const char *cache_control,
                               void *base, size_t off, size_t len);

#endif
