/*
 * The backend client's insides, shared by upstream.c (the queue and the
 * event loop) and upstream_easy.c (one request as a libcurl easy handle).
 * Not for other modules: they use upstream.h.
 */
#ifndef LC_UPSTREAM_INT_H
#define LC_UPSTREAM_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <curl/curl.h>

#include "backend/upstream.h"

#define UPSTREAM_SPARE 32  /* idle easy handles kept, of each kind */
/* Receive buffer of a still's request: a 100 KiB frame in one or two
 * reads instead of seven (each read costs libcurl a poll() as well). */
#define UPSTREAM_STILL_BUFFER (128 * 1024)
/* A stream's: half libcurl's 16 KiB.  Streams are many and long-lived,
 * and the parser holds the frame anyway; a few more reads per frame. */
#define UPSTREAM_STREAM_BUFFER (8 * 1024)

/* A backend socket libcurl opened through lenscapd, with the ports and
 * peer it was found connected to (0 and "" until looked up): the
 * pre-request check finds a reused connection's socket by them. */
struct upstream_sock {
	curl_socket_t fd;
	int lport, pport;
	char peer[48];
};

/* The backend's settings, copied from the policy: the thread reads its
 * own copy, and a reload hands it a new one (upstream_configure). */
struct upstream_conf {
	char *url, *ca, *pin, *cert, *key;
	long connect_timeout_ms, timeout_ms;
};

struct upstream {
	CURLM *multi;
	int epfd;                    /* the backend sockets and evfd */
	int evfd;                    /* wakes the thread */
	uint64_t timer_ms;           /* libcurl's deadline (lcd_mono_ms) */
	CURL *spare[2][UPSTREAM_SPARE]; /* reset handles, buffers kept; */
	int nspare[2];                  /* [1]: streams, [0]: the rest */
	pthread_t thread;
	pthread_mutex_t lock;        /* guards queue, next and stopping */
	struct upstream_req *queue;  /* submitted, not yet started */
	struct upstream_conf *next;  /* from a reload, not yet taken */
	struct upstream_req *active; /* owned by the thread */
	int stopping;
	atomic_int cancels;          /* cancels pending: scan active */
	atomic_int resumes;          /* paused uploads to wake: scan active */
	atomic_uint_fast64_t connects;
	struct metrics *m;
	struct upstream_conf *conf;  /* the thread's: for requests it starts */
	struct upstream_sock *socks; /* every open backend socket; the */
	size_t nsocks, socks_cap;    /* thread's (libcurl's callbacks) */
};

/* The easy handle for req, from the spares or new, with every option
 * set; 0 or -1 (req->easy may then hold a handle to release). */
int upstream_make_easy(struct upstream *up, struct upstream_req *req);
/* Gives req's handle back to the spares (or frees it), once it is out of
 * the multi handle, and clears req->easy. */
void upstream_release_easy(struct upstream *up, struct upstream_req *req);
/* Records req's status, length and type, once. */
void upstream_note_response(struct upstream_req *req);

#endif
