/*
 * The backend client.  Requests from any thread are queued and handed to
 * one thread that runs a libcurl multi handle on its own epoll set: only
 * the sockets that are ready are served (curl_multi_socket_action), and
 * an eventfd wakes the thread for new, cancelled and resumed requests.
 * A request that is cancelled or fails is removed in the middle of its
 * transfer, which makes libcurl close that connection.
 *
 * The pool (the redis-py incident, issue 18): libcurl 7.88 takes an idle
 * connection with input waiting for alive, so a stray reply written on
 * it after an answer would be read as the next request's, and every
 * later request there would get the answer before its own.  lenscapd
 * decides itself (upstream_easy.c): a connection is used again only
 * after the expected answer (200; 201 or 204 to a PUT) framed one way
 * and read to its end; any other answer, one with two Content-Lengths or
 * Content-Length and Transfer-Encoding, an abort (on_data, cancel) or a
 * failure closes it (CURLOPT_FORBID_REUSE, set before the transfer
 * ends).  And before a request goes out, the pre-request callback peeks
 * at the chosen connection's socket: a byte (or the end) already there
 * closes the connection and the request runs once more on a fresh one
 * (retry_fresh).  What the peek cannot see: a stray reply that arrives
 * after the request went out is read as its answer; the gate keeps
 * other devices' frames out, and the real answer that follows is then
 * waiting at the next peek.
 *
 * A frame dropped after it was read whole (issue 18): the gate runs on
 * the face worker after on_done, and libcurl has pooled the connection
 * by then.  So a request may vouch (upstream.h): its connection is
 * closed (FORBID_REUSE from the start) unless on_data's last call said
 * UPSTREAM_WHOLE, after a clean head.  The assistant's stills do: they
 * say so once the frame is there to its last byte by its header and the
 * release would pass it (assistant.c, vouch()), so the backend thread
 * judges the frame before the transfer can end.  Holding the transfer
 * paused until the worker's verdict (CURL_WRITEFUNC_PAUSE, then
 * continue or close) was the other way: it costs a second hand-off per
 * still, the paused bytes come again on unpause, a held connection
 * races cancels and timeouts, and a chunked answer's end cannot be
 * known to pause at.  Judging here costs the seal's check and a policy
 * look-up on this thread for each still (the worker's release does not
 * check the seal again unless a reload came in between: assistant.c,
 * gate.h's proof); streams are judged by their relay and never vouch.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <curl/curl.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "backend/upstream_int.h"

#define UPSTREAM_POOL 256  /* idle backend connections kept */
#define UPSTREAM_EVENTS 64 /* epoll events taken per wait */
#define UPSTREAM_NO_TIMER UINT64_MAX /* timer_ms when libcurl wants none */

static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

static void
conf_free(struct upstream_conf *c)
{
	if (c == NULL)
		return;
	free(c->url);
	free(c->ca);
	free(c->pin);
	free(c->cert);
	free(c->key);
	free(c);
}

/* A copy of the policy's backend section; NULL if out of memory. */
static struct upstream_conf *
conf_new(const struct policy_backend *be)
{
	struct upstream_conf *c = calloc(1, sizeof(*c));
	int bad = 0;

	if (c == NULL)
		return NULL;
	c->url = dup_or_null(be->url, &bad);
	c->ca = dup_or_null(be->ca, &bad);
	c->pin = dup_or_null(be->pin, &bad);
	c->cert = dup_or_null(be->client_cert, &bad);
	c->key = dup_or_null(be->client_key, &bad);
	c->connect_timeout_ms = (long)be->connect_timeout_ms;
	c->timeout_ms = (long)be->timeout_ms;
	if (bad) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static void
list_remove(struct upstream *up, struct upstream_req *req)
{
	if (req->prev_ != NULL)
		req->prev_->next_ = req->next_;
	else
		up->active = req->next_;
	if (req->next_ != NULL)
		req->next_->prev_ = req->prev_;
	req->next_ = req->prev_ = NULL;
}

/* Ends req: removes its handle (closing an unfinished connection), then
 * tells its owner.  Runs on the upstream thread. */
static void
finish(struct upstream *up, struct upstream_req *req, int result)
{
	if (req->easy != NULL) {
		upstream_note_response(req);
		(void)curl_multi_remove_handle(up->multi, req->easy);
		upstream_release_easy(up, req);
	}
	curl_slist_free_all(req->headers_);
	req->headers_ = NULL;
	list_remove(up, req);
	if (result == UPSTREAM_FAILED && up->m != NULL)
		up->m->backend_errors++;
	req->on_done(req->arg, result, req->status_);
}

/* Starts every queued request. */
static void
start_queued(struct upstream *up)
{
	struct upstream_req *q, *next;

	pthread_mutex_lock(&up->lock);
	q = up->queue;
	up->queue = NULL;
	pthread_mutex_unlock(&up->lock);
	for (; q != NULL; q = next) {
		next = q->next_;
		q->next_ = up->active;
		q->prev_ = NULL;
		if (up->active != NULL)
			up->active->prev_ = q;
		up->active = q;
		if (q->cancelled_) {
			finish(up, q, UPSTREAM_CANCELED);
		} else if (upstream_make_easy(up, q) != 0 ||
		           curl_multi_add_handle(up->multi, q->easy) != CURLM_OK) {
			log_warnx("backend: cannot start a request for %s", q->path);
			finish(up, q, UPSTREAM_FAILED);
		}
	}
}

static void
reap_cancelled(struct upstream *up)
{
	struct upstream_req *r, *next;

	if (atomic_exchange(&up->cancels, 0) == 0)
		return;
	for (r = up->active; r != NULL; r = next) {
		next = r->next_;
		if (r->cancelled_ == 1)
			finish(up, r, UPSTREAM_CANCELED);
	}
}

/* Unpauses the uploads whose producers have more; only this thread may. */
static void
resume_paused(struct upstream *up)
{
	if (atomic_exchange(&up->resumes, 0) == 0)
		return;
	for (struct upstream_req *r = up->active; r != NULL; r = r->next_)
		if (atomic_exchange(&r->resume_, 0) && r->easy != NULL)
			(void)curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

/* Runs req again on a new connection, after the pre-request check
 * closed the one libcurl chose (bytes were waiting on it): nothing of
 * the request went out.  Once only.  0, or -1 (then req is to end). */
static int
retry_fresh(struct upstream *up, struct upstream_req *req)
{
	if (req->retried_ || req->cancelled_)
		return -1;
	log_info("backend: %s: bytes waiting on a pooled connection before the "
	         "request: closed, trying a new one", req->path);
	(void)curl_multi_remove_handle(up->multi, req->easy);
	req->retried_ = 1;
	req->stray_ = 0;
	req->status_ = 0;
	req->length_ = -1;
	req->content_type_[0] = '\0';
	req->clean_head_ = req->keep_ = 0;
	if (curl_easy_setopt(req->easy, CURLOPT_FORBID_REUSE, req->vouch ? 1L : 0L) != CURLE_OK ||
	    curl_easy_setopt(req->easy, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
	    curl_multi_add_handle(up->multi, req->easy) != CURLM_OK)
		return -1;
	return 0;
}

static void
reap_done(struct upstream *up)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(up->multi, &left)) != NULL) {
		struct upstream_req *req = NULL;
		int rc;

		if (msg->msg != CURLMSG_DONE)
			continue;
		(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&req);
		if (req == NULL)
			continue;
		if (msg->data.result == CURLE_ABORTED_BY_CALLBACK && req->stray_ &&
		    retry_fresh(up, req) == 0)
			continue;
		if (msg->data.result == CURLE_OK)
			rc = 0;
		else if (req->cancelled_ == 2)
			rc = UPSTREAM_ABORTED;
		else if (req->cancelled_)
			rc = UPSTREAM_CANCELED;
		else
			rc = UPSTREAM_FAILED;
		req->curl_result_ = msg->data.result;
		if (rc == UPSTREAM_FAILED && (req->stray_ || req->bad_framing_))
			req->curl_result_ = CURLE_WEIRD_SERVER_REPLY; /* "protocol" */
		if (rc == UPSTREAM_FAILED)
			log_info("backend: %s: %s", req->path,
			         curl_easy_strerror(msg->data.result));
		finish(up, req, rc);
	}
}

/* Adds s to the epoll set or changes what it is watched for: op first,
 * then the other one (curl may have closed s, which removed it from the
 * set, and a new socket may have its number).  0 or -1. */
static int
watch_socket(struct upstream *up, curl_socket_t s, int op, struct epoll_event *ev)
{
	int other = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (epoll_ctl(up->epfd, op, s, ev) == 0 ||
	    ((errno == ENOENT || errno == EEXIST) && epoll_ctl(up->epfd, other, s, ev) == 0))
		return 0;
	log_warn("backend: epoll_ctl");
	return -1;
}

/* libcurl asks to watch s for what; the epoll set follows.  A socket
 * already in the set carries a mark (curl_multi_assign), so that each
 * change is one epoll_ctl() and not a failed one first. */
static int
socket_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	static char in_set;
	struct upstream *up = arg;
	struct epoll_event ev = { 0 };

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		/* curl may have closed it already, which removed it. */
		(void)epoll_ctl(up->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
	            ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
	ev.data.fd = s;
	if (watch_socket(up, s, sockp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, &ev) != 0)
		return -1;
	if (sockp == NULL)
		(void)curl_multi_assign(up->multi, s, &in_set);
	return 0;
}

/* libcurl's single timer: -1 stops it, else it fires in timeout_ms. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct upstream *up = arg;

	(void)multi;
	up->timer_ms = timeout_ms < 0 ? UPSTREAM_NO_TIMER : lcd_mono_ms() + (uint64_t)timeout_ms;
	return 0;
}

static int
wait_ms(const struct upstream *up)
{
	uint64_t now = lcd_mono_ms();

	if (up->timer_ms == UPSTREAM_NO_TIMER)
		return -1;
	if (up->timer_ms <= now)
		return 0;
	return up->timer_ms - now > 60000 ? 60000 : (int)(up->timer_ms - now);
}

static void
wake(struct upstream *up)
{
	uint64_t one = 1;

	/* Only EAGAIN can fail it, when the counter is full: awake anyway. */
	(void)!write(up->evfd, &one, sizeof(one));
}

/* Takes what other threads asked for; 1 once stopping. */
static int
take_wake(struct upstream *up)
{
	struct upstream_conf *conf, *old = NULL;
	uint64_t n;
	int stopping;

	(void)!read(up->evfd, &n, sizeof(n));
	pthread_mutex_lock(&up->lock);
	stopping = up->stopping;
	if ((conf = up->next) != NULL) {
		up->next = NULL;
		old = up->conf;
		up->conf = conf; /* libcurl copied what the old one held */
	}
	pthread_mutex_unlock(&up->lock);
	conf_free(old);
	if (stopping)
		return 1;
	start_queued(up);
	reap_cancelled(up);
	resume_paused(up);
	return 0;
}

static void
socket_ready(struct upstream *up, const struct epoll_event *ev)
{
	int flags = 0, running;

	if (ev->events & (EPOLLIN | EPOLLHUP))
		flags |= CURL_CSELECT_IN;
	if (ev->events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (ev->events & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	(void)curl_multi_socket_action(up->multi, ev->data.fd, flags, &running);
}

static void *
loop(void *arg)
{
	struct upstream *up = arg;
	struct epoll_event ev[UPSTREAM_EVENTS];
	int running, stopping = 0;

	(void)pthread_setname_np(pthread_self(), "lc-backend");
	while (!stopping) {
		int n = epoll_wait(up->epfd, ev, UPSTREAM_EVENTS, wait_ms(up));

		if (n < 0 && errno != EINTR) {
			log_warn("backend: epoll_wait");
			n = 0;
		}
		for (int i = 0; i < n && !stopping; i++) {
			if (ev[i].data.fd == up->evfd)
				stopping = take_wake(up);
			else
				socket_ready(up, &ev[i]);
		}
		if (!stopping && up->timer_ms <= lcd_mono_ms()) {
			up->timer_ms = UPSTREAM_NO_TIMER;
			(void)curl_multi_socket_action(up->multi, CURL_SOCKET_TIMEOUT, 0,
			                               &running);
		}
		reap_done(up);
	}
	start_queued(up);
	while (up->active != NULL)
		finish(up, up->active, UPSTREAM_CANCELED);
	return NULL;
}

static void
upstream_release(struct upstream *up)
{
	for (int k = 0; k < 2; k++)
		while (up->nspare[k] > 0)
			curl_easy_cleanup(up->spare[k][--up->nspare[k]]);
	if (up->multi != NULL)
		curl_multi_cleanup(up->multi);
	if (up->epfd >= 0)
		close(up->epfd);
	if (up->evfd >= 0)
		close(up->evfd);
	pthread_mutex_destroy(&up->lock);
	conf_free(up->conf);
	conf_free(up->next);
	free(up->socks); /* libcurl closed them all above */
	free(up);
}

/* The epoll set, the eventfd in it, and libcurl's callbacks; 0 or -1. */
static int
watch(struct upstream *up)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if ((up->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (up->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return -1;
	ev.data.fd = up->evfd;
	if (epoll_ctl(up->epfd, EPOLL_CTL_ADD, up->evfd, &ev) != 0)
		return -1;
	if (curl_multi_setopt(up->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
	    curl_multi_setopt(up->multi, CURLMOPT_SOCKETDATA, up) != CURLM_OK ||
	    curl_multi_setopt(up->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(up->multi, CURLMOPT_TIMERDATA, up) != CURLM_OK)
		return -1;
	return 0;
}

int
upstream_new(const struct policy_backend *be, struct metrics *m,
             struct upstream **out)
{
	struct upstream *up;

	if (be == NULL || be->url == NULL || out == NULL)
		return LC_EINVAL;
	if ((up = calloc(1, sizeof(*up))) == NULL)
		return LC_ENOMEM;
	pthread_mutex_init(&up->lock, NULL);
	up->epfd = up->evfd = -1;
	up->timer_ms = UPSTREAM_NO_TIMER;
	up->m = m;
	if ((up->conf = conf_new(be)) == NULL || (up->multi = curl_multi_init()) == NULL)
		goto fail;
	/* libcurl's default pool is four connections per handle added *now*,
	 * and short requests come and go: without a fixed size it keeps
	 * closing the connections it will want a moment later. */
	if (curl_multi_setopt(up->multi, CURLMOPT_MAXCONNECTS, (long)UPSTREAM_POOL) != CURLM_OK ||
	    watch(up) != 0)
		goto fail;
	if (pthread_create(&up->thread, NULL, loop, up) != 0)
		goto fail;
	*out = up;
	return 0;
fail:
	upstream_release(up);
	return LC_ENOMEM;
}

void
upstream_stop(struct upstream *up)
{
	int stopped;

	if (up == NULL)
		return;
	pthread_mutex_lock(&up->lock);
	stopped = up->stopping; /* by an earlier call, which joined the thread */
	up->stopping = 1;
	pthread_mutex_unlock(&up->lock);
	if (stopped)
		return;
	wake(up);
	pthread_join(up->thread, NULL);
}

void
upstream_free(struct upstream *up)
{
	if (up == NULL)
		return;
	upstream_stop(up);
	upstream_release(up);
}

int
upstream_configure(struct upstream *up, const struct policy_backend *be)
{
	struct upstream_conf *c, *old;

	if (up == NULL || be == NULL || be->url == NULL)
		return LC_EINVAL;
	if ((c = conf_new(be)) == NULL)
		return LC_ENOMEM;
	pthread_mutex_lock(&up->lock);
	old = up->next;
	up->next = c;
	pthread_mutex_unlock(&up->lock);
	conf_free(old);
	wake(up);
	return 0;
}

int
upstream_submit(struct upstream *up, struct upstream_req *req)
{
	if (up == NULL || req == NULL || req->on_done == NULL || req->method == NULL ||
	    req->path[0] != '/')
		return LC_EINVAL;
	req->easy = NULL;
	req->headers_ = NULL;
	req->prev_ = NULL;
	req->cancelled_ = 0;
	req->resume_ = 0;
	req->status_ = 0;
	req->length_ = -1;
	req->curl_result_ = CURLE_OK;
	req->content_type_[0] = '\0';
	req->owner_ = up;
	req->stray_ = req->retried_ = req->bad_framing_ = 0;
	req->ncl_ = req->nte_ = 0;
	req->clean_head_ = req->keep_ = 0;
	pthread_mutex_lock(&up->lock);
	/* Queued before the thread read stopping, so its last pass starts
	 * and cancels req; or refused. */
	if (up->stopping) {
		pthread_mutex_unlock(&up->lock);
		return LC_EAGAIN;
	}
	req->next_ = up->queue;
	up->queue = req;
	pthread_mutex_unlock(&up->lock);
	wake(up);
	return 0;
}

void
upstream_cancel(struct upstream *up, struct upstream_req *req)
{
	int expected = 0;

	if (atomic_compare_exchange_strong(&req->cancelled_, &expected, 1)) {
		up->cancels++;
		wake(up);
	}
}

void
upstream_resume(struct upstream *up, struct upstream_req *req)
{
	req->resume_ = 1;
	up->resumes++;
	wake(up);
}

const char *
upstream_content_type(const struct upstream_req *req)
{
	return req->content_type_;
}

long
upstream_status(const struct upstream_req *req)
{
	return req->status_;
}

int64_t
upstream_length(const struct upstream_req *req)
{
	return req->length_;
}

const char *
upstream_failure(const struct upstream_req *req)
{
	switch (req->curl_result_) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return "tls";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return "reset";
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
		return "cut short";
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP_RETURNED_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return "protocol";
	default:
		return "other";
	}
}

uint64_t
upstream_connects(const struct upstream *up)
{
	return up->connects;
}
