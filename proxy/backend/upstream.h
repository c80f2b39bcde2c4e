/*
 * The backend client: one thread drives a libcurl multi handle for every
 * request lenscapd makes to the vendor's backend, over TLS verified
 * against the policy's CA (and pin, and client certificate).
 */
#ifndef LC_UPSTREAM_H
#define LC_UPSTREAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct upstream;
struct metrics;

/*
 * One request.  The caller owns it and keeps it (and what it points to)
 * alive until on_done has been called, which happens exactly once for
 * every submitted request, on the upstream thread.  After on_done the
 * upstream never touches it again.
 */
struct upstream_req {
	const char *method;         /* "GET", "PUT" or "POST" (with body) */
	char path[512];             /* appended to the backend URL */
	const uint8_t *body;        /* PUT or POST body, or NULL */
	size_t body_len;
	const char *content_type;   /* the body's type, or NULL */
	long timeout_ms;            /* the whole request's; 0: the backend's */
	const char *request_id;     /* sent as X-Request-Id (the audit
	                             * trail's), so that the backend's logs
	                             * and ours meet; or NULL */
	int stream;                 /* no total timeout; a stall limit instead */
	/* alone on a fresh connection, closed after it, and asked with
	 * Cache-Control: no-store: an answer that must be this request's
	 * own (a token introspection), not a pooled or cached one */
	int alone;
	/* A streamed request body (chunked PUT) instead of body/body_len:
	 * fills buf with up to max bytes and returns how many, 0 at the end,
	 * or UPSTREAM_READ_PAUSE when it has none yet (then the producer
	 * calls upstream_resume() once it has). */
	size_t (*on_read)(void *arg, uint8_t *buf, size_t max);
	/* Response bytes as they arrive; return 0 to go on, UPSTREAM_WHOLE
	 * to go on saying the body so far is whole and good (see vouch),
	 * else abort.  NULL: the body is read and discarded (a PUT's
	 * answer). */
	int (*on_data)(void *arg, const uint8_t *p, size_t n);
	/* The caller judges the answer (a still): its connection is used
	 * again only if on_data's last call returned UPSTREAM_WHOLE after a
	 * clean head; any other end closes it, as if the caller had aborted. */
	int vouch;
	/* result: 0, LC_ECANCELED-like (UPSTREAM_CANCELED) or UPSTREAM_FAILED;
	 * status: the HTTP status, 0 if none was received. */
	void (*on_done)(void *arg, int result, long status);
	void *arg;

	/* private to upstream.c */
	void *easy;
	struct curl_slist *headers_;
	struct upstream_req *next_, *prev_;
	atomic_int cancelled_;
	atomic_int resume_;
	long status_;
	int64_t length_;
	int curl_result_;
	char content_type_[128];
	struct upstream *owner_;
	int stray_;                 /* bytes came before the request went */
	int retried_;               /* once, on a fresh connection */
	int bad_framing_;           /* duplicate Content-Length and the like */
	int ncl_, nte_;             /* framing headers of the answer so far */
	int clean_head_;            /* the expected status, framed one way */
	int keep_;                  /* vouched: FORBID_REUSE is off */
};

#define UPSTREAM_READ_PAUSE ((size_t)-1)
#define UPSTREAM_WHOLE (-23)   /* on_data: whole and good so far (vouch) */

#define UPSTREAM_FAILED   (-20) /* connect, TLS, timeout, reset, HTTP error */
#define UPSTREAM_CANCELED (-21) /* upstream_cancel() or shutdown */
#define UPSTREAM_ABORTED  (-22) /* on_data asked to stop */

/*
 * Starts the upstream thread for the policy's backend.  Copies what it
 * needs of be.  0 or LC_ENOMEM / LC_EINVAL; *out only on success.
 */
int upstream_new(const struct policy_backend *be, struct metrics *m,
                 struct upstream **out);

/*
 * Gives the backend new settings (a reload): requests that start from now
 * on use them, those in flight end as they began.  libcurl reuses an idle
 * connection only where its URL's host and port, CA file, pin and client
 * certificate are the same; otherwise new connections are made.  Copies
 * what it needs of be.  0, or LC_ENOMEM / LC_EINVAL (the old settings
 * stay).
 */
int upstream_configure(struct upstream *up, const struct policy_backend *be);

/*
 * Stops the backend thread: every request in flight or queued ends with
 * UPSTREAM_CANCELED (its on_done is called), and upstream_submit()
 * refuses from then on.  up stays valid for upstream_cancel() and
 * upstream_resume(), which do nothing more, until upstream_free().
 */
void upstream_stop(struct upstream *up);

/* upstream_stop() if it has not been called, then frees up; no other
 * thread may still use it. */
void upstream_free(struct upstream *up);

/* Queues req; on_done follows.  0, or LC_EINVAL, or LC_EAGAIN once
 * stopping (on_done is then not called). */
int upstream_submit(struct upstream *up, struct upstream_req *req);

/* Asks for req to end early; its connection is closed, never reused, and
 * on_done follows with UPSTREAM_CANCELED unless it was ending already.
 * Only before on_done: the caller tracks that under its own lock. */
void upstream_cancel(struct upstream *up, struct upstream_req *req);

/* Wakes a streamed upload paused by on_read; any thread. */
void upstream_resume(struct upstream *up, struct upstream_req *req);

/* The response's Content-Type and HTTP status, valid from the first
 * on_data call on (and in on_done); "" and 0 before. */
const char *upstream_content_type(const struct upstream_req *req);
long upstream_status(const struct upstream_req *req);
/* The response's Content-Length, or -1 if it has none; valid likewise. */
int64_t upstream_length(const struct upstream_req *req);

/* Why an UPSTREAM_FAILED request failed, in a word for the audit trail:
 * "connect", "tls", "timeout", "reset", "cut short", "protocol" or
 * "other"; valid in on_done. */
const char *upstream_failure(const struct upstream_req *req);

/* Connections libcurl opened so far (for tests of connection reuse).
 * A connection is reused only after the expected answer read cleanly,
 * and never with bytes waiting on it (upstream.c). */
uint64_t upstream_connects(const struct upstream *up);

#endif
