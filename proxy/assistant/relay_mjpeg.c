/*
 * The MJPEG relay.  Bytes from the backend (upstream thread) go through
 * the multipart parser; every part is a sealed frame, kept as it came
 * until the client can take it.  The reader (the face's worker, as for a
 * snapshot) runs the gate on each frame just before it goes out, under
 * the policy in force at that moment, so a reload that revokes the
 * device ends the stream at once; the workers share the cryptography,
 * and the upstream thread only reads.  The reader suspends the
 * connection when there is nothing to send and the producer resumes it.
 * The stream lives as long as its request: the request's references,
 * lock, suspended flag and fetch (backend/freq.c) are the stream's.
 * A watchdog notices clients that left while suspended (doc/pitfalls.md,
 * "libmicrohttpd: suspended connections and client disconnects").
 */
#define _GNU_SOURCE /* POLLRDHUP, pthread_setname_np */
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "assistant/release.h"
#include "log.h"
#include "media/multipart.h"
#include "assistant/relay_mjpeg.h"
#include "backend/freq.h"

/* libmicrohttpd's block for the outgoing bytes when the response is not
 * chunked (an HTTP/1.0 client): each block one TLS record; 8 KiB, not
 * 16, as streams are many.  A chunked response is written into the
 * connection's own buffer instead, records of up to 16 KiB, the most TLS
 * allows (doc/performance.md, "The EPYC under the keyed seal"). */
#define OUT_BLOCK 8192
#define STOP_DROPS 2 /* a part callback's code: stop the stream */

/* A frame as the backend sent it, not yet through the gate. */
struct sealed {
	struct sealed *next;
	size_t len;
	uint64_t in_us; /* when its last byte came in from the backend */
	uint8_t p[];
};

/* What a stream holds for one frame. */
static size_t
held_by(size_t len)
{
	return sizeof(struct sealed) + len;
}

/* The part going out now: its head, then the body and a CRLF (neither
 * for the close delimiter).  All zero, hlen included, when none is. */
struct outgoing {
	struct sealed *f;    /* owns the bytes the body points into */
	const uint8_t *body;
	size_t body_len;
	char head[256];
	size_t hlen, tail, off; /* off: bytes of the part already taken */
};

/* What a request on an MJPEG route adds, hung on q->ext; guarded by
 * q->lock.  q's references are the request's, the fetch's and the
 * response's. */
struct mjpeg {
	struct freq *q;             /* the request: who asked for what */
	int backend_end;            /* 0 streaming, 1 closed well, -1 broke off */
	int ended;                  /* 0 running, 1 close delimiter out, -1 cut */
	struct mp_parser *mp;       /* the upstream thread's */
	struct gate_stream gs;      /* the reader's, as are drops_row... */
	unsigned drops_row, drops_max;
	/* Frames waiting, oldest first.  With the one going out they hold
	 * at most two frames' worth of bytes; more means the client lags,
	 * and newer frames are skipped. */
	struct sealed *wait_head, **wait_tail;
	size_t held, held_max;
	struct outgoing cur;
	struct session session;
	char boundary[40];
	atomic_uint_fast64_t last_frame_us; /* set by the upstream thread */
	uint64_t idle_us;
	struct mjpeg *next, *prev;  /* the watchdog's list */
};

static struct {
	pthread_mutex_t lock; /* before any stream's (its request's) lock */
	struct mjpeg *head;
	pthread_t thread;
	int running;
	struct lcd *d;
} wd = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Under q->lock (or with m no longer shared): frees the waiting frames. */
static void
discard_waiting(struct mjpeg *m)
{
	struct sealed *f;

	while ((f = m->wait_head) != NULL) {
		m->wait_head = f->next;
		m->held -= held_by(f->len);
		free(f);
	}
	m->wait_tail = &m->wait_head;
}

void
mjpeg_free(struct mjpeg *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&wd.lock);
	if (m->prev != NULL)
		m->prev->next = m->next;
	else if (wd.head == m)
		wd.head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	pthread_mutex_unlock(&wd.lock);
	m->q->fc->d->metrics.active_streams--;
	mp_parser_free(m->mp);
	discard_waiting(m);
	free(m->cur.f);
	free(m);
}

/* Under q->lock: lenscapd ends the stream; the client sees it cut. */
static void
cut(struct mjpeg *m)
{
	m->ended = -1;
	discard_waiting(m);
	freq_cancel(m->q);
	freq_wake(m->q);
}

static void
audit_drop(struct mjpeg *m, enum lc_drop why, const struct lc_envelope *env,
           const char *detail)
{
	m->q->fc->d->metrics.frames_dropped[why]++;
	freq_audit(m->q, "drop", why, env, detail);
}

/* Upstream thread: one sealed frame from the backend's stream waits for
 * the client, unless the frames held for it already fill the bound
 * (then the client lags, and this one is skipped). */
static int
on_part(void *arg, const struct mp_part *part)
{
	struct mjpeg *m = arg;
	struct freq *q = m->q;
	size_t size = held_by(part->body_len);
	struct sealed *f = malloc(size);
	uint64_t now = lcd_mono_us();
	int stop;

	m->last_frame_us = now;
	if (f != NULL) {
		f->next = NULL;
		f->len = part->body_len;
		f->in_us = now;
		memcpy(f->p, part->body, f->len);
	}
	pthread_mutex_lock(&q->lock);
	stop = m->ended != 0;
	if (!stop && f != NULL && size <= m->held_max - m->held) {
		*m->wait_tail = f;
		m->wait_tail = &f->next;
		m->held += size;
		f = NULL;
		freq_wake(q);
	} else if (!stop) {
		q->fc->d->metrics.frames_skipped++;
	}
	pthread_mutex_unlock(&q->lock);
	free(f);
	return stop ? STOP_DROPS : 0;
}

/* Upstream thread: the first bytes say whether this is a stream at all. */
static int
open_parser(struct mjpeg *m)
{
	char b[MP_BOUNDARY_MAX + 1];
	size_t max = policy_limits(m->q->pol)->max_frame_bytes + LC_HEADER_MAX;

	if (upstream_status(&m->q->up) != 200) {
		audit_drop(m, LC_DROP_MALFORMED, NULL, "backend status");
		return -1;
	}
	if (mp_boundary_from_content_type(upstream_content_type(&m->q->up), b, sizeof(b)) != 0) {
		audit_drop(m, LC_DROP_MALFORMED, NULL, "backend stream is not multipart");
		return -1;
	}
	return mp_parser_new(b, max, &m->mp) == 0 ? 0 : -1;
}

/* Upstream thread: the backend's bytes through the multipart parser;
 * 0 to go on, 1 to abort the fetch. */
static int
on_data(void *arg, const uint8_t *p, size_t n)
{
	struct freq *q = arg;
	struct mjpeg *m = q->ext;
	int rc;

	if (m->mp == NULL && open_parser(m) != 0)
		return 1;
	rc = mp_feed(m->mp, p, n, on_part, m);
	if (rc == 0 || rc == MP_ENDED)
		return 0;
	if (rc != STOP_DROPS)
		audit_drop(m, rc == MP_E_TOO_LARGE ? LC_DROP_TOO_LARGE : LC_DROP_MALFORMED,
		           NULL, mp_error_name(rc));
	return 1;
}

/* Upstream thread, under q->lock (freq's fetched hook): the backend's
 * stream ended; freq wakes the reader next. */
static void
fetched(struct freq *q)
{
	struct mjpeg *m = q->ext;
	char why[64];
	int closed = q->result == 0 && m->mp != NULL && mp_finish(m->mp) == MP_ENDED;

	/* Whatever ends a stream on the backend's side is audited; what
	 * lenscapd ended (drops, an idle backend, a client gone) was already. */
	if (q->result == UPSTREAM_FAILED) {
		(void)snprintf(why, sizeof(why), "%s (%s)",
		               q->status == 0 ? "backend failed" : "backend stream broken off",
		               upstream_failure(&q->up));
		freq_audit(q, "backend_error", LC_DROP_NONE, NULL, why);
	} else if (q->result == 0 && !closed)
		freq_audit(q, "backend_error", LC_DROP_NONE, NULL,
		           m->mp == NULL ? "backend sent no stream"
		                         : "backend stream ended without its close delimiter");
	/* The frames that came in whole still go out, through the gate. */
	m->backend_end = closed ? 1 : -1;
}

/* Reader, without q->lock: f through the release, now.  0 if it passes
 * (o is then the part to send), -1 if it is dropped, 1 if it is dropped
 * and the stream must end.  Drops are audited. */
static int
verify(struct mjpeg *m, struct sealed *f, struct outgoing *o)
{
	struct lc_envelope env;
	struct release_out out;
	enum lc_drop why;

	why = release_frame(m->q, &m->session, f->p, f->len, NULL, &m->gs, &env, &out);
	if (why != LC_DROP_NONE)
		/* A revoked grant or session ends the stream now; backend
		 * faults after drops_in_a_row of them. */
		return why == LC_DROP_NOT_GRANTED || ++m->drops_row >= m->drops_max ? 1 : -1;
	m->drops_row = 0;
	o->body = f->p + out.off;
	o->body_len = out.len;
	if (mp_write_part_header(o->head, sizeof(o->head), m->boundary, out.content_type,
	                         o->body_len, &o->hlen) != 0)
		return -1;
	o->f = f;
	o->tail = 2;
	o->off = 0;
	return 0;
}

/* Reader, under q->lock: the oldest waiting frame through the gate; if
 * it passes, it is the part going out.  The lock is let go meanwhile,
 * so that the upstream thread is not held up by the cryptography. */
static void
next_part(struct mjpeg *m)
{
	struct sealed *f = m->wait_head;
	struct outgoing o = { .f = NULL };
	int rc;

	if ((m->wait_head = f->next) == NULL)
		m->wait_tail = &m->wait_head;
	pthread_mutex_unlock(&m->q->lock);
	rc = verify(m, f, &o);
	pthread_mutex_lock(&m->q->lock);
	if (rc == 0 && m->ended == 0) {
		m->cur = o; /* its bytes stay held until they are out */
		m->q->fc->d->metrics.frames_relayed++;
		return;
	}
	m->held -= held_by(f->len);
	free(f);
	if (rc > 0 && m->ended == 0)
		cut(m);
}

/* Reader, under q->lock: once every frame is out, how the stream ends. */
static void
end_stream(struct mjpeg *m)
{
	static const char end_fmt[] = "--%s--\r\n";
	int n;

	if (m->backend_end < 0) {
		m->ended = -1;
		return;
	}
	/* The backend closed its stream properly: so do we. */
	n = snprintf(m->cur.head, sizeof(m->cur.head), end_fmt, m->boundary);
	m->cur.hlen = (size_t)n;
	m->cur.body_len = m->cur.tail = m->cur.off = 0;
	m->ended = 1;
}

/* Reader, under q->lock: up to max bytes of the part going out.  A frame
 * whose last byte is among them is counted in the delay histogram. */
static size_t
take(struct mjpeg *m, char *buf, size_t max)
{
	struct outgoing *o = &m->cur;
	const void *seg[3] = { o->head, o->body, "\r\n" };
	size_t len[3] = { o->hlen, o->body_len, o->tail };
	size_t n = 0, start = 0, k;

	for (int i = 0; i < 3; start += len[i++]) {
		if (o->off >= start + len[i] || n == max)
			continue;
		k = start + len[i] - o->off;
		k = k < max - n ? k : max - n;
		memcpy(buf + n, (const char *)seg[i] + (o->off - start), k);
		n += k;
		o->off += k;
	}
	if (o->off == start) { /* all of it: start is now the part's length */
		if (o->f != NULL) {
			metrics_frame_delay(&m->q->fc->d->metrics, lcd_mono_us() - o->f->in_us);
			m->held -= held_by(o->f->len);
			free(o->f);
		}
		memset(o, 0, sizeof(*o));
	}
	return n;
}

/* MHD thread: the next bytes of the response. */
static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct freq *q = cls;
	struct mjpeg *m = q->ext;
	ssize_t ret;

	(void)pos;
	pthread_mutex_lock(&q->lock);
	while (m->cur.hlen == 0 && m->ended == 0 && m->wait_head != NULL)
		next_part(m);
	if (m->cur.hlen == 0 && m->ended == 0 && m->backend_end != 0)
		end_stream(m);
	if (m->cur.hlen > 0) {
		ret = (ssize_t)take(m, buf, max);
	} else if (m->ended != 0) {
		/* Cut short: no final chunk, so the client sees the truncation. */
		ret = m->ended > 0 ? MHD_CONTENT_READER_END_OF_STREAM
		                   : MHD_CONTENT_READER_END_WITH_ERROR;
	} else {
		freq_sleep(q);
		ret = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}

/* MHD is done with the response: drop its reference to the request. */
static void
response_gone(void *cls)
{
	freq_unref(cls);
}

/* The relay's state for q, hung on it; NULL when out of memory. */
static struct mjpeg *
mjpeg_new(struct freq *q, const struct session *session)
{
	struct mjpeg *m = calloc(1, sizeof(*m));
	const struct policy_limits *lim = policy_limits(q->pol);
	uint8_t rnd[12];

	if (m == NULL)
		return NULL;
	m->wait_tail = &m->wait_head;
	m->held_max = 2 * (sizeof(struct sealed) + LC_HEADER_MAX + lim->max_frame_bytes);
	m->q = q;
	q->ext = m;
	q->fetched = fetched;
	m->session = *session;
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(m->boundary, "lc-", 3);
	sodium_bin2hex(m->boundary + 3, sizeof(m->boundary) - 3, rnd, sizeof(rnd));
	m->drops_max = lim->drops_in_a_row ? lim->drops_in_a_row : 1;
	m->idle_us = (uint64_t)lim->idle_timeout_ms * 1000;
	m->last_frame_us = lcd_mono_us();
	return m;
}

/* Queues the streaming response, which holds a reference to the request. */
static enum MHD_Result
queue_stream(struct mjpeg *m)
{
	struct MHD_Response *r;
	char ct[128];
	enum MHD_Result ret;

	if (mp_content_type_value(ct, sizeof(ct), m->boundary) != 0)
		return MHD_NO;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, OUT_BLOCK, reader, m->q,
	                                      response_gone);
	if (r == NULL)
		return MHD_NO;
	freq_ref(m->q); /* the response's */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    http_add_cors(r, &m->q->cors) != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(m->q->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
mjpeg_start(struct freq *q, const struct session *session, struct mjpeg **out)
{
	struct mjpeg *m = mjpeg_new(q, session);
	enum MHD_Result ret;

	if (m == NULL)
		return MHD_NO;
	*out = m;
	q->fc->d->metrics.active_streams++;
	pthread_mutex_lock(&wd.lock);
	m->next = wd.head;
	if (wd.head != NULL)
		wd.head->prev = m;
	wd.head = m;
	pthread_mutex_unlock(&wd.lock);
	if (policy_backend_path(q->route, q->device, NULL, q->up.path, sizeof(q->up.path)) != 0)
		return MHD_NO;
	if ((ret = queue_stream(m)) != MHD_YES)
		return ret;
	q->up.method = "GET";
	q->up.stream = 1;
	q->up.on_data = on_data;
	/* Awake: the reader puts the connection to sleep when it has
	 * nothing to send, and frames or the end of the fetch wake it. */
	if (freq_fetch(q, q->state, q->state, 0) != 0) {
		pthread_mutex_lock(&q->lock);
		m->ended = -1;
		pthread_mutex_unlock(&q->lock);
	}
	return MHD_YES;
}

/* Under q->lock: has the client of a suspended stream hung up? */
static int
client_gone(struct freq *q)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd pfd;

	if (ci == NULL)
		return 0;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 1 &&
	       (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Whether m's backend has sent no frame for longer than the idle limit.
 * A frame may land after now_us was read: that is not idleness (the
 * unsigned difference would wrap and cut a live stream). */
static int
stream_idle(const struct mjpeg *m, uint64_t now_us)
{
	uint64_t last = m->last_frame_us;

	return m->idle_us > 0 && now_us > last && now_us - last > m->idle_us;
}

/* Ends m (cutting it) if its client left or its backend went quiet. */
static void
check_stream(struct mjpeg *m, uint64_t now_us, int all)
{
	struct freq *q = m->q;
	int idle;

	pthread_mutex_lock(&q->lock);
	idle = stream_idle(m, now_us);
	if (m->ended == 0 && q->conn != NULL &&
	    (all || (q->suspended && client_gone(q)) || idle)) {
		if (idle && !all)
			freq_audit(q, "backend_error", LC_DROP_NONE, NULL,
			           "backend stream idle");
		cut(m);
	}
	pthread_mutex_unlock(&q->lock);
}

static void *
watchdog(void *arg)
{
	(void)pthread_setname_np(pthread_self(), "lc-stream-watch");
	for (;;) {
		uint64_t now = lcd_mono_us();
		int running;

		pthread_mutex_lock(&wd.lock);
		running = wd.running;
		for (struct mjpeg *m = wd.head; m != NULL; m = m->next)
			check_stream(m, now, !running);
		pthread_mutex_unlock(&wd.lock);
		if (!running)
			return NULL;
		usleep(250000);
	}
}

int
mjpeg_watchdog_start(struct lcd *d)
{
	wd.d = d;
	wd.running = 1;
	if (pthread_create(&wd.thread, NULL, watchdog, NULL) != 0) {
		wd.running = 0;
		return -1;
	}
	return 0;
}

void
mjpeg_watchdog_stop(void)
{
	pthread_mutex_lock(&wd.lock);
	if (!wd.running) {
		pthread_mutex_unlock(&wd.lock);
		return;
	}
	wd.running = 0;
	pthread_mutex_unlock(&wd.lock);
	pthread_join(wd.thread, NULL);
}
