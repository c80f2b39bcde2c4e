/*
 * Unit test for the backend client against a real HTTP/1.1 backend on
 * loopback: pooled connections are reused, and a request that is
 * cancelled, times out or is aborted never leaves a connection that could
 * hand its late reply to the next request (the redis-py incident).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backend/upstream.h"
#include "tap.h"

#define SLOW_MS      500
#define MAX_CONNS    64
#define MAX_LOG      256
#define WAIT_MS      5000 /* a bounded wait for on_done: fail, never hang */

/* --- the backend: one thread per connection, keep-alive ------------ */

struct conn {
	struct server *srv;
	int fd;
	int id;         /* accept order, from 0 */
	pthread_t thread;
};

struct server {
	int lfd;
	unsigned short port;
	pthread_t thread;
	pthread_mutex_t mu;
	int stopping;
	int accepts;
	struct conn conns[MAX_CONNS];
	struct { char path[128]; int conn; } log[MAX_LOG];
	int nlog;
};

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Sends all of p, or gives up quietly when the client has gone. */
static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
reply_status(int fd, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf),
	                 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %zu\r\n\r\n%s", status, strlen(body), body);

	return send_all(fd, buf, (size_t)n);
}

static int
reply(int fd, const char *body)
{
	return reply_status(fd, "200 OK", body);
}

/* Answers one request line; -1 when the connection should end. */
static int
answer(struct conn *c, const char *path)
{
	struct server *srv = c->srv;

	pthread_mutex_lock(&srv->mu);
	if (srv->nlog < MAX_LOG) {
		snprintf(srv->log[srv->nlog].path, sizeof(srv->log[0].path), "%s", path);
		srv->log[srv->nlog].conn = c->id;
		srv->nlog++;
	}
	pthread_mutex_unlock(&srv->mu);

	if (strncmp(path, "/slow", 5) == 0) {
		msleep(SLOW_MS);
		return reply(c->fd, "LATE-REPLY-FOR-SLOW");
	}
	if (strncmp(path, "/fast", 5) == 0)
		return reply(c->fd, "FAST");
	if (strncmp(path, "/put", 4) == 0)
		return reply_status(c->fd, "201 Created", "STORED");
	if (strncmp(path, "/twopart", 8) == 0) {
		/* Headers and the first half now, the rest later: a client
		 * that stops reading after the first half leaves the second
		 * half on the wire. */
		static const char head[] =
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Content-Length: 16\r\n\r\nPART-ONE";
		if (send_all(c->fd, head, sizeof(head) - 1) != 0)
			return -1;
		msleep(200);
		return send_all(c->fd, "PART-TWO", 8);
	}
	if (strncmp(path, "/echo", 5) == 0)
		return reply(c->fd, path);
	if (strncmp(path, "/stray", 6) == 0) {
		/* Its own answer, then 0.2 s later a second, full one on the
		 * idle connection (the redis-py class of backend glitch). */
		if (reply(c->fd, path) != 0)
			return -1;
		msleep(200);
		return reply(c->fd, "STRAY-REPLY");
	}
	if (strncmp(path, "/split", 6) == 0) {
		/* Its answer with the start of another after it, and the
		 * rest of that one 0.2 s later: one reply across two
		 * requests. */
		static const char more[] =
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Le";
		static const char rest[] = "ngth: 11\r\n\r\nSPLIT-REPLY";
		if (reply(c->fd, path) != 0 || send_all(c->fd, more, sizeof(more) - 1) != 0)
			return -1;
		msleep(200);
		return send_all(c->fd, rest, sizeof(rest) - 1);
	}
	if (strncmp(path, "/dupcl", 6) == 0) {
		static const char dup[] =
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Content-Length: 4\r\nContent-Length: 30\r\n\r\n"
			"DUPLHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
		return send_all(c->fd, dup, sizeof(dup) - 1);
	}
	if (strncmp(path, "/busy", 5) == 0)
		return reply_status(c->fd, "503 Service Unavailable", "BUSY");
	return send_all(c->fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 45);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	char buf[4096];
	size_t have = 0;

	for (;;) {
		char *end, *cl, path[128];
		size_t body = 0;
		ssize_t r;

		while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
			if (have == sizeof(buf))
				goto out;
			r = recv(c->fd, buf + have, sizeof(buf) - have, 0);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		*end = '\0';
		if (sscanf(buf, "%*s %127s", path) != 1)
			goto out;
		/* A PUT's body follows; read it before answering. */
		if ((cl = strcasestr(buf, "\r\nContent-Length:")) != NULL)
			body = strtoul(cl + 17, NULL, 10);
		have -= (size_t)(end + 4 - buf);
		memmove(buf, end + 4, have);
		while (have < body) {
			if (body > sizeof(buf))
				goto out;
			r = recv(c->fd, buf + have, sizeof(buf) - have, 0);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		have -= body;
		memmove(buf, buf + body, have);
		if (answer(c, path) != 0)
			goto out;
	}
out:
	shutdown(c->fd, SHUT_RDWR);
	return NULL;
}

static void *
accept_main(void *arg)
{
	struct server *srv = arg;

	for (;;) {
		int fd = accept(srv->lfd, NULL, NULL);
		struct conn *c;

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		pthread_mutex_lock(&srv->mu);
		if (srv->stopping || srv->accepts == MAX_CONNS) {
			pthread_mutex_unlock(&srv->mu);
			close(fd);
			continue;
		}
		c = &srv->conns[srv->accepts];
		c->srv = srv;
		c->fd = fd;
		c->id = srv->accepts;
		if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
			pthread_mutex_unlock(&srv->mu);
			close(fd);
			continue;
		}
		srv->accepts++;
		pthread_mutex_unlock(&srv->mu);
	}
	return NULL;
}

static int
server_start(struct server *srv)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(srv, 0, sizeof(*srv));
	pthread_mutex_init(&srv->mu, NULL);
	if ((srv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv->lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(srv->lfd, 16) == -1 ||
	    getsockname(srv->lfd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	srv->port = ntohs(sa.sin_port);
	return pthread_create(&srv->thread, NULL, accept_main, srv) == 0 ? 0 : -1;
}

/* Stops accepting, hangs up on every client and joins every thread. */
static void
server_stop(struct server *srv)
{
	int i, n;

	pthread_mutex_lock(&srv->mu);
	srv->stopping = 1;
	n = srv->accepts;
	pthread_mutex_unlock(&srv->mu);
	shutdown(srv->lfd, SHUT_RDWR); /* wakes accept() */
	pthread_join(srv->thread, NULL);
	close(srv->lfd);
	n = srv->accepts;
	for (i = 0; i < n; i++)
		shutdown(srv->conns[i].fd, SHUT_RDWR);
	for (i = 0; i < n; i++) {
		pthread_join(srv->conns[i].thread, NULL);
		close(srv->conns[i].fd);
	}
	pthread_mutex_destroy(&srv->mu);
}

static int
server_accepts(struct server *srv)
{
	int n;

	pthread_mutex_lock(&srv->mu);
	n = srv->accepts;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

/* The connection that request path arrived on, or -1 if it did not. */
static int
server_conn_of(struct server *srv, const char *path)
{
	int i, conn = -1;

	pthread_mutex_lock(&srv->mu);
	for (i = 0; i < srv->nlog; i++)
		if (strcmp(srv->log[i].path, path) == 0)
			conn = srv->log[i].conn;
	pthread_mutex_unlock(&srv->mu);
	return conn;
}

/* Waits up to ms for path to reach the server; its connection or -1. */
static int
server_wait_for(struct server *srv, const char *path, long ms)
{
	int conn;

	for (; (conn = server_conn_of(srv, path)) == -1 && ms > 0; ms -= 10)
		msleep(10);
	return conn;
}

/* --- the client side: one job per request --------------------------- */

struct job {
	struct upstream_req req;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;           /* on_done calls */
	int result;
	long status;
	int abort_on_data;  /* on_data returns non-zero */
	size_t whole_at;    /* on_data says UPSTREAM_WHOLE at this length */
	int data_calls_after_done;
	char body[256];
	size_t len;
};

static int
on_data(void *arg, const uint8_t *p, size_t n)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->mu);
	if (j->done)
		j->data_calls_after_done++;
	if (n > sizeof(j->body) - 1 - j->len)
		n = sizeof(j->body) - 1 - j->len;
	memcpy(j->body + j->len, p, n);
	j->len += n;
	j->body[j->len] = '\0';
	pthread_mutex_unlock(&j->mu);
	if (j->abort_on_data)
		return j->abort_on_data;
	return j->whole_at > 0 && j->len == j->whole_at ? UPSTREAM_WHOLE : 0;
}

static void
on_done(void *arg, int result, long status)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->mu);
	j->done++;
	j->result = result;
	j->status = status;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

static void
job_init(struct job *j, const char *path)
{
	pthread_condattr_t ca;

	memset(j, 0, sizeof(*j));
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	j->req.method = "GET";
	snprintf(j->req.path, sizeof(j->req.path), "%s", path);
	j->req.on_data = on_data;
	j->req.on_done = on_done;
	j->req.arg = j;
}

static void
job_fini(struct job *j)
{
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
}

/* Waits at most ms for on_done; 1 if it came. */
static int
job_wait(struct job *j, long ms)
{
	struct timespec ts;
	int done;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->done)
		if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) == ETIMEDOUT)
			break;
	done = j->done;
	pthread_mutex_unlock(&j->mu);
	return done;
}

/*
 * A job must not go out of scope while the upstream may still call it:
 * if on_done did not come in time, cancel and wait once more, else stop.
 */
static void
job_settle(struct upstream *up, struct job *j)
{
	if (job_wait(j, 0))
		return;
	upstream_cancel(up, &j->req);
	if (!job_wait(j, WAIT_MS)) {
		printf("Bail out! on_done never came for %s\n", j->req.path);
		exit(1);
	}
}

static int
job_done_count(struct job *j)
{
	int n;

	pthread_mutex_lock(&j->mu);
	n = j->done;
	pthread_mutex_unlock(&j->mu);
	return n;
}

static struct upstream *
new_upstream(struct server *srv, uint32_t timeout_ms)
{
	static char url[64];
	struct policy_backend be;
	struct upstream *up = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)srv->port);
	memset(&be, 0, sizeof(be));
	be.url = url;
	be.connect_timeout_ms = 2000;
	be.timeout_ms = timeout_ms;
	if (upstream_new(&be, NULL, &up) != 0)
		return NULL;
	return up;
}

/* Submits path and waits for it; checks it got want with status 200. */
static void
fetch_want(struct upstream *up, const char *path, const char *want, const char *what)
{
	struct job j;

	job_init(&j, path);
	if (!ok(upstream_submit(up, &j.req) == 0, "%s: submitted", what))
		return;
	ok(job_wait(&j, WAIT_MS), "%s: on_done came", what);
	is_int(j.result, 0, "%s: result 0", what);
	is_int(j.status, 200, "%s: status 200", what);
	if (!ok(strcmp(j.body, want) == 0, "%s: its own reply", what))
		printf("#   got \"%s\"\n", j.body);
	job_settle(up, &j);
	job_fini(&j);
}

static void
fetch_fast(struct upstream *up, const char *path, const char *what)
{
	fetch_want(up, path, "FAST", what);
}

/* The /echo answer: the request's own path. */
static void
fetch_echo(struct upstream *up, const char *path, const char *what)
{
	fetch_want(up, path, path, what);
}

/* (a) two sequential requests share one pooled connection. */
static void
test_reuse(struct server *srv)
{
	struct upstream *up = new_upstream(srv, 2000);
	int a0 = server_accepts(srv);

	if (!ok(up != NULL, "reuse: upstream_new"))
		return;
	fetch_fast(up, "/fast?a=1", "reuse #1");
	fetch_fast(up, "/fast?a=2", "reuse #2");
	is_int(server_accepts(srv) - a0, 1, "reuse: the backend accepted one connection");
	is_int(upstream_connects(up), 1, "reuse: upstream opened one connection");
	is_int(server_conn_of(srv, "/fast?a=2"), server_conn_of(srv, "/fast?a=1"),
	       "reuse: both requests on the same connection");
	upstream_free(up);
}

/*
 * Ends a /slow request early (cancel or timeout), then proves the next
 * request gets its own reply on a fresh connection.  tag names the
 * request paths; result is what on_done of /slow must say.
 */
static void
test_early_end(struct server *srv, const char *tag, int cancel, uint32_t timeout_ms,
               int want)
{
	struct upstream *up = new_upstream(srv, timeout_ms);
	char slow[64], warm[64], next[64], after[64], what[64];
	struct job js;
	int a0, slow_conn, next_conn;
	uint64_t c0;

	if (!ok(up != NULL, "%s: upstream_new", tag))
		return;
	snprintf(warm, sizeof(warm), "/fast?%s=warm", tag);
	snprintf(slow, sizeof(slow), "/slow?%s", tag);
	snprintf(next, sizeof(next), "/fast?%s=next", tag);
	snprintf(after, sizeof(after), "/fast?%s=after", tag);

	/* Warm the pool so that /slow runs on a connection that would be
	 * offered again if it were put back. */
	snprintf(what, sizeof(what), "%s warm-up", tag);
	fetch_fast(up, warm, what);
	a0 = server_accepts(srv);
	c0 = upstream_connects(up);

	job_init(&js, slow);
	ok(upstream_submit(up, &js.req) == 0, "%s: /slow submitted", tag);
	slow_conn = server_wait_for(srv, slow, WAIT_MS);
	ok(slow_conn != -1, "%s: /slow reached the backend", tag);
	is_int(slow_conn, server_conn_of(srv, warm),
	       "%s: /slow reused the warm connection", tag);
	if (cancel) {
		msleep(100);
		upstream_cancel(up, &js.req);
	}
	ok(job_wait(&js, WAIT_MS), "%s: /slow ended", tag);
	is_int(js.result, want, "%s: /slow's on_done says %d", tag, want);
	job_settle(up, &js);

	/* Straight away, while the late reply is still to come. */
	snprintf(what, sizeof(what), "%s next", tag);
	fetch_fast(up, next, what);
	next_conn = server_conn_of(srv, next);
	ok(next_conn != -1 && next_conn != slow_conn,
	   "%s: the next request went on another connection (%d, not %d)",
	   tag, next_conn, slow_conn);
	is_int(server_accepts(srv) - a0, 1, "%s: the backend accepted one new connection", tag);
	is_int(upstream_connects(up) - c0, 1, "%s: upstream opened one new connection", tag);

	/* Once the late reply has been written, nothing picks it up. */
	msleep(SLOW_MS + 200);
	snprintf(what, sizeof(what), "%s after the late reply", tag);
	fetch_fast(up, after, what);
	is_int(job_done_count(&js), 1, "%s: /slow's on_done came exactly once", tag);
	ok(strstr(js.body, "LATE") == NULL, "%s: /slow itself saw none of its late reply", tag);
	upstream_free(up);
	is_int(job_done_count(&js), 1, "%s: still once after upstream_free", tag);
	job_fini(&js);
}

/* (d) on_data asks to stop: UPSTREAM_ABORTED, connection not reused. */
static void
test_abort(struct server *srv)
{
	struct upstream *up = new_upstream(srv, 2000);
	struct job j;
	int a0, conn;

	if (!ok(up != NULL, "abort: upstream_new"))
		return;
	fetch_fast(up, "/fast?d=warm", "abort warm-up");
	a0 = server_accepts(srv);
	job_init(&j, "/twopart?d");
	j.abort_on_data = 1;
	ok(upstream_submit(up, &j.req) == 0, "abort: submitted");
	ok(job_wait(&j, WAIT_MS), "abort: on_done came");
	is_int(j.result, UPSTREAM_ABORTED, "abort: UPSTREAM_ABORTED");
	job_settle(up, &j);
	is_int(j.status, 200, "abort: the status was seen");
	ok(strcmp(j.body, "PART-ONE") == 0, "abort: one on_data call, the first half");
	conn = server_conn_of(srv, "/twopart?d");
	is_int(conn, server_conn_of(srv, "/fast?d=warm"), "abort: it ran on the warm connection");
	fetch_fast(up, "/fast?d=next", "abort next");
	ok(server_conn_of(srv, "/fast?d=next") != conn,
	   "abort: the next request went on another connection");
	is_int(server_accepts(srv) - a0, 1, "abort: the backend accepted one new connection");
	/* After the second half was written: still nobody reads it. */
	msleep(300);
	fetch_fast(up, "/fast?d=after", "abort after");
	is_int(job_done_count(&j), 1, "abort: on_done exactly once");
	is_int(j.data_calls_after_done, 0, "abort: no on_data after on_done");
	upstream_free(up);
	job_fini(&j);
}

/*
 * A backend writes a second, full answer (stray), or the start of one
 * (split), on a connection after its answer: once the bytes lie on the
 * idle connection, every later request still gets its own answer, and
 * the connection they lie on is never used again.
 */
static void
test_stray(struct server *srv, const char *kind)
{
	struct upstream *up = new_upstream(srv, 2000);
	char path[64], what[64];
	int a0, conn;

	if (!ok(up != NULL, "%s: upstream_new", kind))
		return;
	snprintf(path, sizeof(path), "/%s?g=1", kind);
	snprintf(what, sizeof(what), "%s: the request before", kind);
	fetch_echo(up, path, what);
	conn = server_conn_of(srv, path);
	a0 = server_accepts(srv);
	msleep(400); /* the stray bytes are on the idle connection now */
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/echo?%s=%d", kind, i);
		snprintf(what, sizeof(what), "%s: request %d after", kind, i);
		fetch_echo(up, path, what);
		if (i == 0)
			ok(server_conn_of(srv, path) != conn,
			   "%s: the next request went on another connection", kind);
	}
	is_int(server_accepts(srv) - a0, 1, "%s: one new connection, kept for the rest", kind);
	upstream_free(up);
}

/*
 * An answer other than a clean 200 (a 404, a 503, two Content-Lengths)
 * never leaves its connection for the next request; two Content-Lengths
 * fail the request.
 */
static void
test_unclean(struct server *srv, const char *path, long status, int result)
{
	struct upstream *up = new_upstream(srv, 2000);
	char warm[64], next[64];
	struct job j;
	int a0;

	if (!ok(up != NULL, "%s: upstream_new", path))
		return;
	snprintf(warm, sizeof(warm), "/echo?warm=%s", path + 1);
	snprintf(next, sizeof(next), "/echo?next=%s", path + 1);
	fetch_echo(up, warm, "unclean warm-up");
	a0 = server_accepts(srv);
	job_init(&j, path);
	ok(upstream_submit(up, &j.req) == 0, "%s: submitted", path);
	ok(job_wait(&j, WAIT_MS), "%s: on_done came", path);
	is_int(j.result, result, "%s: result %d", path, result);
	if (status != 0)
		is_int(j.status, status, "%s: status %ld", path, status);
	if (result == UPSTREAM_FAILED)
		ok(strcmp(upstream_failure(&j.req), "protocol") == 0,
		   "%s: failed for \"protocol\"", path);
	job_settle(up, &j);
	is_int(server_conn_of(srv, path), server_conn_of(srv, warm),
	       "%s: it ran on the warm connection", path);
	fetch_echo(up, next, "unclean next");
	ok(server_conn_of(srv, next) != server_conn_of(srv, path),
	   "%s: the next request went on another connection", path);
	is_int(server_accepts(srv) - a0, 1, "%s: the backend accepted one new connection", path);
	upstream_free(up);
	job_fini(&j);
}

/*
 * A request whose caller vouches for its answer (a still, judged as it
 * arrives): its connection serves the next request only if on_data's
 * last word was UPSTREAM_WHOLE after a clean 200.  Never whole, whole
 * and then more bytes, or whole on a 503: the next request goes on a
 * new connection.
 */
static void
test_vouch(struct server *srv, const char *path, size_t whole_at, long status,
           int kept)
{
	struct upstream *up = new_upstream(srv, 2000);
	char warm[80], next[80], what[96];
	struct job j;
	int a0;

	snprintf(what, sizeof(what), "vouch %s at %zu", path, whole_at);
	if (!ok(up != NULL, "%s: upstream_new", what))
		return;
	snprintf(warm, sizeof(warm), "/echo?vwarm=%s%zu", path + 1, whole_at);
	snprintf(next, sizeof(next), "/echo?vnext=%s%zu", path + 1, whole_at);
	fetch_echo(up, warm, "vouch warm-up");
	a0 = server_accepts(srv);
	job_init(&j, path);
	j.req.vouch = 1;
	j.whole_at = whole_at;
	ok(upstream_submit(up, &j.req) == 0, "%s: submitted", what);
	ok(job_wait(&j, WAIT_MS), "%s: on_done came", what);
	is_int(j.result, 0, "%s: result 0", what);
	is_int(j.status, status, "%s: status %ld", what, status);
	job_settle(up, &j);
	is_int(server_conn_of(srv, path), server_conn_of(srv, warm),
	       "%s: it ran on the warm connection", what);
	fetch_echo(up, next, "vouch next");
	is_int(server_conn_of(srv, next) == server_conn_of(srv, path), kept,
	       "%s: the next request %s", what, kept ? "reused its connection"
	                                             : "went on another connection");
	is_int(server_accepts(srv) - a0, kept ? 0 : 1, "%s: the backend accepted %d new",
	       what, kept ? 0 : 1);
	upstream_free(up);
	job_fini(&j);
}

/* (e) upstream_free with requests in flight and queued. */
static void
test_free(struct server *srv)
{
	struct upstream *up = new_upstream(srv, 5000);
	struct job j[4];
	int i, all_once = 1, all_cancelled = 1;

	if (!ok(up != NULL, "free: upstream_new"))
		return;
	job_init(&j[0], "/slow?e=0");
	job_init(&j[1], "/slow?e=1");
	ok(upstream_submit(up, &j[0].req) == 0 && upstream_submit(up, &j[1].req) == 0,
	   "free: two /slow submitted");
	ok(server_wait_for(srv, "/slow?e=0", WAIT_MS) != -1 &&
	   server_wait_for(srv, "/slow?e=1", WAIT_MS) != -1,
	   "free: both in flight at the backend");
	/* One cancelled already, one just queued. */
	job_init(&j[2], "/slow?e=2");
	job_init(&j[3], "/slow?e=3");
	ok(upstream_submit(up, &j[2].req) == 0, "free: a third submitted");
	upstream_cancel(up, &j[2].req);
	ok(upstream_submit(up, &j[3].req) == 0, "free: a fourth submitted");
	upstream_free(up);
	for (i = 0; i < 4; i++) {
		if (job_done_count(&j[i]) != 1)
			all_once = 0;
		if (j[i].result != UPSTREAM_CANCELED)
			all_cancelled = 0;
	}
	ok(all_once, "free: every on_done came exactly once before upstream_free returned");
	ok(all_cancelled, "free: each said UPSTREAM_CANCELED");
	for (i = 0; i < 4; i++) {
		ok(strstr(j[i].body, "LATE") == NULL, "free: request %d got no reply bytes", i);
		job_fini(&j[i]);
	}
}

/* After upstream_stop(), as lenscapd's faces may still ask while they
 * stop: a request is refused at once (its connection is never left
 * waiting), and cancel and resume are harmless until upstream_free(). */
static void
test_stop(struct server *srv)
{
	struct upstream *up = new_upstream(srv, 5000);
	struct job j, late;

	if (!ok(up != NULL, "stop: upstream_new"))
		return;
	job_init(&j, "/slow?s=1");
	ok(upstream_submit(up, &j.req) == 0 &&
	   server_wait_for(srv, "/slow?s=1", WAIT_MS) != -1, "stop: one in flight");
	upstream_stop(up);
	is_int(job_done_count(&j), 1, "stop: it ended before upstream_stop returned");
	is_int(j.result, UPSTREAM_CANCELED, "stop: cancelled");
	job_init(&late, "/fast?s=2");
	is_int(upstream_submit(up, &late.req), LC_EAGAIN, "stop: a later request is refused");
	upstream_cancel(up, &late.req);
	upstream_resume(up, &late.req);
	upstream_stop(up);
	upstream_free(up);
	is_int(job_done_count(&late), 0, "stop: and never gets on_done");
	ok(server_conn_of(srv, "/fast?s=2") == -1, "stop: nor reaches the backend");
	job_fini(&j);
	job_fini(&late);
}

/* A request cancelled while still queued never reaches the backend. */
static void
test_cancel_queued(struct server *srv)
{
	struct upstream *up = new_upstream(srv, 2000);
	struct job blocker, j;

	if (!ok(up != NULL, "queued: upstream_new"))
		return;
	/* Both submitted back to back; j is cancelled at once. */
	job_init(&blocker, "/fast?q=first");
	job_init(&j, "/fast?q=cancelled");
	ok(upstream_submit(up, &blocker.req) == 0, "queued: first submitted");
	ok(upstream_submit(up, &j.req) == 0, "queued: second submitted");
	upstream_cancel(up, &j.req);
	ok(job_wait(&j, WAIT_MS) && job_wait(&blocker, WAIT_MS), "queued: both ended");
	job_settle(up, &j);
	job_settle(up, &blocker);
	ok(j.result == UPSTREAM_CANCELED || j.result == 0,
	   "queued: cancelled, or finished before the cancel");
	if (j.result == UPSTREAM_CANCELED)
		ok(strcmp(j.body, "") == 0, "queued: the cancelled request got no bytes");
	else
		ok(strcmp(j.body, "FAST") == 0, "queued: its own reply");
	is_int(blocker.result, 0, "queued: the other one is unaffected");
	ok(strcmp(blocker.body, "FAST") == 0, "queued: and got its own reply");
	upstream_free(up);
	is_int(job_done_count(&j), 1, "queued: on_done exactly once");
	job_fini(&blocker);
	job_fini(&j);
}

/*
 * A PUT that needs no reply body (on_data NULL, as the camera face
 * stores frames) succeeds even when the backend answers with one.
 */
static void
test_put(struct server *srv)
{
	static const uint8_t frame[] = "sealed-frame-bytes";
	struct upstream *up = new_upstream(srv, 2000);
	struct job j;

	if (!ok(up != NULL, "put: upstream_new"))
		return;
	job_init(&j, "/put?f=1");
	j.req.method = "PUT";
	j.req.body = frame;
	j.req.body_len = sizeof(frame) - 1;
	j.req.content_type = "application/vnd.lenscap.sealed";
	j.req.on_data = NULL;
	ok(upstream_submit(up, &j.req) == 0, "put: submitted");
	ok(job_wait(&j, WAIT_MS), "put: on_done came");
	is_int(j.result, 0, "put: result 0 although the backend sent a body");
	is_int(j.status, 201, "put: status 201");
	job_settle(up, &j);
	ok(server_conn_of(srv, "/put?f=1") != -1, "put: the backend got it");
	fetch_fast(up, "/fast?f=2", "put next");
	is_int(upstream_connects(up), 1, "put: the connection was kept for the next request");
	upstream_free(up);
	job_fini(&j);
}

int
main(void)
{
	struct server srv;

	tap_init();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		printf("Bail out! curl_global_init\n");
		return 99;
	}
	if (server_start(&srv) != 0) {
		printf("Bail out! cannot start the loopback backend\n");
		return 99;
	}
	test_reuse(&srv);
	test_early_end(&srv, "cancel", 1, 5000, UPSTREAM_CANCELED);
	test_early_end(&srv, "timeout", 0, 200, UPSTREAM_FAILED);
	test_abort(&srv);
	test_free(&srv);
	test_stop(&srv);
	test_cancel_queued(&srv);
	test_put(&srv);
	test_stray(&srv, "stray");
	test_stray(&srv, "split");
	test_unclean(&srv, "/missing", 404, 0);
	test_unclean(&srv, "/busy", 503, 0);
	test_unclean(&srv, "/dupcl", 0, UPSTREAM_FAILED);
	test_vouch(&srv, "/fast?v=whole", 4, 200, 1);
	test_vouch(&srv, "/fast?v=never", 0, 200, 0);
	test_vouch(&srv, "/fast?v=short", 5, 200, 0);
	test_vouch(&srv, "/twopart?v=more", 8, 200, 0);
	test_vouch(&srv, "/twopart?v=whole", 16, 200, 1);
	test_vouch(&srv, "/busy?v=whole", 4, 503, 0);
	server_stop(&srv);
	curl_global_cleanup();
	return tap_done();
}
