/*
 * What a request on any face shares: its lifetime (a reference for MHD
 * and one for a backend fetch in flight), the connection, the policy it
 * started under, and the fetch that suspends the connection until the
 * backend answers.  The assistant and camera faces embed it first in
 * their own request structs.
 */
#ifndef LC_FREQ_H
#define LC_FREQ_H

#include "daemon.h"
#include "net/http.h"

struct freq {
	struct listener_ctx *fc;
	pthread_mutex_t lock;        /* guards what the upstream thread sets */
	int refs;
	struct MHD_Connection *conn; /* NULL once MHD is done with it */
	int state;                   /* the face's own enum */
	int ready_state;             /* the state a finished fetch sets */
	int upstream_live;
	int suspended;               /* asleep until the fetch ends */
	struct upstream_req up;
	int result;                  /* the fetch's, see upstream.h */
	long status;
	struct lc_policy *pol;       /* keeps route (and names) alive */
	const struct policy_route *route;
	const char *account;         /* the session's, in pol; NULL on the camera face */
	char device[LC_DEVICE_MAX + 1];
	char name[POLICY_NAME_MAX + 1];  /* an hls route's {name}, or "" */
	char rid[LCD_REQUEST_ID_BYTES];
	char session_tag[24];        /* audit: "cap:" and 16 hex digits of a
	                                capability's digest, 12 of a token's,
	                                or "" */
	struct http_cors cors;       /* the route's CORS answer (origin in pol) */
	uint64_t t0_us;
	uint64_t body_due_ms;        /* a body (a pushed stream's next frame)
	                              * not whole by then is cut: freq_body_late() */
	void (*destroy)(struct freq *q); /* frees the outer struct's own */
	/* A face that streams the fetch (the MJPEG relay) hangs its state
	 * on ext, and fetched hears the fetch end: on the upstream thread,
	 * under lock, result and status set, before the request wakes. */
	void *ext;
	void (*fetched)(struct freq *q);
};

/*
 * A zeroed request of size bytes (the face's struct, freq first) for the
 * connection, with MHD's reference; destroy frees what the face adds.
 * NULL when out of memory.
 */
struct freq *freq_new(size_t size, struct listener_ctx *fc, struct MHD_Connection *c,
                      void (*destroy)(struct freq *q));

/* The body (a pushed stream's next frame) is due whole within the
 * policy's idle_timeout_ms from now. */
void freq_body_due(struct freq *q);

/*
 * Whether the body is past due; if so, logs "WHAT within N ms" and counts
 * it for the face.  A body must be whole within the head deadline of the
 * end of the head (a pushed stream's next frame, of the previous one),
 * or a client that trickles it a byte at a time would hold the connection
 * (and a replaced server with it, and a frame buffer) for as long as it
 * keeps the bytes coming.  Checked as the bytes arrive; silence is
 * libmicrohttpd's idle timeout.
 */
int freq_body_late(struct freq *q, const char *what);

/* Takes another reference, for whoever else holds q (a relay). */
void freq_ref(struct freq *q);

/* Drops a reference; the last one frees the request. */
void freq_unref(struct freq *q);

/*
 * Starts q->up (filled in by the caller, but for on_done and arg: the
 * callbacks get q).  With suspend, the connection sleeps in wait_state
 * until the backend has answered; the request then wakes in
 * ready_state.  If the fetch cannot start, result is UPSTREAM_FAILED,
 * the request is in ready_state (awake) and -1 is returned; else 0.
 */
int freq_fetch(struct freq *q, int wait_state, int ready_state, int suspend);

/* Under q->lock: the connection sleeps until freq_wake(). */
void freq_sleep(struct freq *q);

/* Under q->lock: wakes the connection if it sleeps (one MHD has
 * completed only forgets that it slept). */
void freq_wake(struct freq *q);

/* Under q->lock: asks the fetch in flight, if any, to end; on_done (and
 * fetched) follow on the upstream thread. */
void freq_cancel(struct freq *q);

/* Counts the answer (status, time since the request came) in the
 * metrics of the request's face, and moves it to done_state. */
void freq_answered(struct freq *q, int done_state, unsigned status);

/* The audit detail of a failed fetch: "backend failed (timeout)" and
 * the like (upstream_failure()), or "backend answered 503".  In buf. */
const char *freq_backend_error(const struct freq *q, char *buf, size_t n);

/* freq_answered(), then queues an application/problem+json answer. */
enum MHD_Result freq_problem(struct freq *q, int done_state, unsigned status,
                             const char *title);

/* An audit event about q: event, its id, face, route, account and
 * device as far as they are known; the caller adds the rest. */
void freq_audit_event(const struct freq *q, const char *event, struct audit_event *ev);

/* One audit line about q: event, the drop reason (LC_DROP_NONE for
 * none), the envelope's fields if env was parsed (env may be NULL) and
 * a fixed detail (or NULL). */
void freq_audit(const struct freq *q, const char *event, enum lc_drop why,
                const struct lc_envelope *env, const char *detail);

/* MHD completed the request: cancel the fetch, drop MHD's reference. */
void freq_completed(struct freq *q);

#endif
