/*
 * The chaos backend's requests: which device, which fault, and the
 * response that fault makes of a snapshot or of an MJPEG stream.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "lenscap.h"
#include "chaos.h"

#define SEALED_TYPE "application/vnd.lenscap.sealed"
#define BOUNDARY    "chaos-frames"
#define STREAM_N0   (1ull << 40)   /* stream frames' numbers start here */
#define RESET_GRACE_US 1000000

void
device_name(int i, char *out, size_t outlen)
{
	snprintf(out, outlen, "cam-%d", i);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Two devices an account: cam-1 and cam-2 are acct-1's. */
static int
other_device(int dev, int same_account)
{
	int acct = (dev - 1) / 2, accounts = (int)C.devices / 2;

	if (same_account || accounts < 2)
		return dev % 2 ? (dev + 1 <= (int)C.devices ? dev + 1 : dev - 1) : dev - 1;
	return ((acct + 1) % accounts) * 2 + 1 + (dev - 1) % 2;
}

static struct lc_secret_key *
fault_key(enum fault f)
{
	return C.keys[f == F_UNKNOWN_KEY ? KEY_UNKNOWN :
	              f == F_CAMERA_KEY ? KEY_CAMERA : KEY_INGEST];
}

int
make_frame(int dev, uint64_t n, int kind, const char *sid, uint64_t seq,
           enum fault f, struct sealed *out)
{
	char name[32];
	int of = f == F_OTHER_DEVICE || f == F_SLOW_FOREIGN ? other_device(dev, 1) :
	         f == F_OTHER_ACCOUNT ? other_device(dev, 0) : dev;
	size_t base = f == F_OVERSIZE ? C.max_frame + LC_HEADER_MAX + 1 : C.base;
	size_t cap = base + base / 2 + 1, blen, written;
	uint8_t *body = malloc(cap);
	struct lc_seal_params p = { .device = name, .kind = kind, .stream_id = sid,
	                            .seq = seq, .capture_ms = now_ms(),
	                            .content_type = "image/jpeg" };

	/* The camera key may sign for the last device only: for that one,
	 * the forged frame claims the first. */
	if (f == F_CAMERA_KEY && of == (int)C.devices)
		of = 1;
	device_name(of, name, sizeof(name));
	out->device = of;
	out->p = malloc(cap + LC_HEADER_MAX + 64);
	if (body == NULL || out->p == NULL ||
	    (blen = sim_frame(C.sched.seed, name, n, base, body, cap)) == 0)
		goto fail;
	if (f == F_STALE)
		p.capture_ms -= C.window_ms + 60000;
	else if (f == F_FUTURE)
		p.capture_ms += 3600000;
	if (C.mac != NULL && fault_key(f) == C.keys[KEY_INGEST] ?
	    lc_envelope_seal_mac(C.mac, &p, body, blen, out->p, cap + LC_HEADER_MAX,
	                         &written) != 0 :
	    lc_envelope_seal(fault_key(f), &p, body, blen, out->p,
	                     cap + LC_HEADER_MAX, &written) != 0)
		goto fail;
	out->len = written;
	if (f == F_CORRUPT)
		out->p[written - blen / 2] ^= 0x20;
	else if (f == F_TRUNCATED)
		out->len -= blen / 3;
	else if (f == F_EXTRA)
		memcpy(out->p + written, "sixteen more by.", 16), out->len += 16;
	else if (f == F_BAD_SIGNATURE)
		out->p[written - blen - 1] ^= 0x01; /* the signature ends the header */
	else if (f == F_PADDED)
		memset(out->p + written - blen / 3, 0, blen / 3);
	free(body);
	return 0;
fail:
	free(body);
	free(out->p);
	out->p = NULL;
	return -1;
}

int
copy_sealed(const struct sealed *from, struct sealed *to)
{
	if ((to->p = malloc(from->len)) == NULL)
		return -1;
	memcpy(to->p, from->p, from->len);
	to->len = from->len;
	to->device = from->device;
	return 0;
}

/* --- swaps: two concurrent requests exchange their replies ----------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int waiting, done, dev;
	struct sealed mine, theirs;
} sw = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, { 0 }, { 0 } };

/* Swaps *s with a concurrent swapping request's frame; alone for 300 ms,
 * takes the frame of another device of its account instead. */
static int
swap_reply(int dev, uint64_t n, struct sealed *s)
{
	struct timespec until;
	int paired = 0;

	pthread_mutex_lock(&sw.lock);
	if (sw.waiting && !sw.done && sw.dev != dev) {
		struct sealed t = sw.mine;

		sw.theirs = *s;
		*s = t;
		sw.done = 1;
		pthread_cond_broadcast(&sw.cond);
		pthread_mutex_unlock(&sw.lock);
		return 0;
	}
	if (!sw.waiting) {
		sw.waiting = 1;
		sw.done = 0;
		sw.dev = dev;
		sw.mine = *s;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 300000000;
		if (until.tv_nsec >= 1000000000)
			until.tv_sec++, until.tv_nsec -= 1000000000;
		while (!sw.done && pthread_cond_timedwait(&sw.cond, &sw.lock, &until) == 0)
			;
		if ((paired = sw.done) != 0)
			*s = sw.theirs;
		sw.waiting = 0;
	}
	pthread_mutex_unlock(&sw.lock);
	if (paired)
		return 0;
	free(s->p);
	return make_frame(dev, n, LC_KIND_SNAPSHOT, "", 0, F_OTHER_DEVICE, s);
}

/* --- writing ---------------------------------------------------------------- */

/* The first half of n bytes, announced as all of them (a chunk of n, or
 * a Content-Length of n already sent). */
static int
write_half(struct conn *c, const uint8_t *p, size_t n, int chunked)
{
	char head[32];
	int hl = snprintf(head, sizeof(head), "%zx\r\n", n);

	if (chunked && conn_write(c, head, (size_t)hl, 0, 0) != 0)
		return -1;
	return conn_write(c, p, n / 2, 0, 0);
}

/* Writes body (a whole response body, or one chunk's worth of a stream)
 * the way fault f wants; -1 when the connection must end. */
static int
write_faulted(struct conn *c, const uint8_t *p, size_t n, enum fault f, int chunked)
{
	switch (f) {
	case F_STALL:
		if (write_half(c, p, n, chunked) == 0)
			usleep(C.stall_ms * 1000u);
		return -1;
	case F_RESET:
		/* A reset throws away what the peer has not read yet: give it
		 * time to read every frame before this one, so that those
		 * frames' faults reach it. */
		if (write_half(c, p, n, chunked) == 0)
			usleep(RESET_GRACE_US);
		conn_close(c, 1);
		return -1;
	case F_CHUNKED_BAD:
		/* Half as a proper chunk (so that a stream's previous part
		 * ends), then a chunk size that is not hex. */
		if (conn_write_chunks(c, p, n / 2, 0, 0, 0) == 0)
			(void)conn_write(c, "zz\r\n", 4, 0, 0);
		return -1;
	case F_BYTEWISE:
		return chunked ? conn_write_chunks(c, p, n, 0, 1, 0) : conn_write(c, p, n, 1, 0);
	case F_CHUNKED_EDGE:
		return conn_write_chunks(c, p, n, 1, 0, sim_mix((uint64_t)n));
	case F_SLOW_FOREIGN:
		/* A reader that stops at the envelope's header closes the
		 * connection long before the body is through. */
		return conn_write(c, p, n, 4096, 20000);
	case F_DRIP:
		if (!chunked)
			return conn_write(c, p, n, 64, 1000);
		for (size_t off = 0; off < n; off += 64) {
			if (conn_write_chunks(c, p + off, n - off < 64 ? n - off : 64, 0, 0, 0) != 0)
				return -1;
			usleep(1000);
		}
		return 0;
	default:
		return chunked ? conn_write_chunks(c, p, n, 0, 0, 0) : conn_write(c, p, n, 0, 0);
	}
}

static int
answer_status(struct conn *c, const char *status)
{
	char h[128];
	int n = snprintf(h, sizeof(h), "HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n", status);

	return conn_write(c, h, (size_t)n, 0, 0);
}

/* --- snapshots ---------------------------------------------------------------- */

/* Whether the next request has come on c already (then a stray answer
 * would be taken for its answer, which no client can tell). */
static int
request_waiting(const struct conn *c)
{
	char b;

	return c->have > 0 || (c->tls != NULL && gnutls_record_check_pending(c->tls) > 0) ||
	       recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/* After an answer, on the same connection: 0.2 s later a second, full
 * answer (another device's frame) that nobody asked for, unless the next
 * request came meanwhile; or, for F_SPLIT, the first bytes of its head
 * at once and the rest 0.2 s later.  Either lies on a connection the
 * client holds idle.  -1 when the connection must end. */
static int
write_stray(struct conn *c, int dev, uint64_t k, enum fault f)
{
	struct sealed o = { 0 };
	char h[256];
	size_t cut;
	int hl, rc;

	if (make_frame(dev, k, LC_KIND_SNAPSHOT, "", atomic_fetch_add(&C.next_seq, 1),
	               F_OTHER_DEVICE, &o) != 0)
		return -1;
	hl = snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: " SEALED_TYPE
	              "\r\nContent-Length: %zu\r\n\r\n", o.len);
	cut = f == F_SPLIT ? (size_t)hl - 12 : 0;
	rc = conn_write(c, h, cut, 0, 0);
	usleep(200000);
	if (f == F_STRAY && rc == 0 && request_waiting(c)) {
		free(o.p);
		return 0;
	}
	if (rc == 0)
		rc = conn_write(c, h + cut, (size_t)hl - cut, 0, 0);
	if (rc == 0)
		rc = conn_write(c, o.p, o.len, 0, 0);
	free(o.p);
	return rc;
}

static enum fault
incident_fault(int dev, enum fault f, const struct sealed *s)
{
	if (s->device != dev && f == F_NONE)
		return (s->device - 1) / 2 == (dev - 1) / 2 ? F_OTHER_DEVICE : F_OTHER_ACCOUNT;
	return f;
}

static int
serve_snapshot(struct conn *c, int dev, uint64_t k)
{
	char name[32], h[256];
	enum fault f;
	struct sealed s = { 0 };
	int hl, chunked, rc;

	device_name(dev, name, sizeof(name));
	f = schedule_pick(&C.sched, name, MEDIA_SNAPSHOT, k, 0);
	if (C.incident == MODE_EUFY && atomic_load(&C.update) && f == F_NONE)
		f = F_OTHER_ACCOUNT; /* the update mixed the accounts up */
	if (C.incident == MODE_REDIS) {
		/* The fault (a stall) happens inside the shared connection;
		 * reported first, so that a stop during it loses nothing. */
		if (f == F_STALL) {
			report_fault(c->rid, name, MEDIA_SNAPSHOT, 0, f);
			report_served(MEDIA_SNAPSHOT, 1);
		}
		rc = redis_reply(c, dev, k, f, &s);
		f = F_NONE;
	} else if (C.incident == MODE_WYZE) {
		rc = wyze_reply(c, dev, k, &s);
	} else {
		rc = make_frame(dev, k, LC_KIND_SNAPSHOT, "", atomic_fetch_add(&C.next_seq, 1), f, &s);
	}
	if (rc != 0)
		return -1;
	if (f == F_SWAP && swap_reply(dev, k, &s) != 0)
		return -1;
	f = incident_fault(dev, f, &s);
	if (f != F_NONE)
		report_fault(c->rid, name, MEDIA_SNAPSHOT, 0, f);
	report_served(MEDIA_SNAPSHOT, f != F_NONE);
	chunked = f == F_CHUNKED_EDGE || f == F_CHUNKED_BAD;
	hl = chunked ? snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: " SEALED_TYPE
	                        "\r\nTransfer-Encoding: chunked\r\n\r\n")
	   : f == F_DUP_LENGTH
	             ? snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: " SEALED_TYPE
	                        "\r\nContent-Length: %zu\r\nContent-Length: %zu\r\n\r\n",
	                        s.len, s.len + 16)
	             : snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: " SEALED_TYPE
	                        "\r\nCache-Control: private, max-age=60\r\n%s"
	                        "Content-Length: %zu\r\n\r\n",
	                        c->close ? "Connection: close\r\n" : "", s.len);
	rc = conn_write(c, h, (size_t)hl, 0, 0) == 0 ? write_faulted(c, s.p, s.len, f, chunked) : -1;
	if (rc == 0 && chunked)
		rc = conn_write(c, "0\r\nX-Chaos-Trailer: edge\r\n\r\n", 28, 0, 0);
	if (rc == 0 && (f == F_STRAY || f == F_SPLIT))
		rc = write_stray(c, dev, k, f);
	if (f == F_DUP_LENGTH || f == F_SLOW_FOREIGN)
		rc = -1; /* where its answer ends is unclear: no more */
	free(s.p);
	return rc;
}

/* Whether lenscapd must deliver a frame with fault f. */
static int
passes(enum fault f)
{
	return strcmp(fault_kind(f)->expect, "delivered") == 0;
}

/* --- streams ---------------------------------------------------------------------- */

/* One part, as a chunk, with the fault's headers and body. */
static int
write_part(struct conn *c, const struct sealed *s, enum fault f, const char *boundary)
{
	static const char ins[] = "\r\n--" BOUNDARY "\r\n";
	size_t pad = f == F_MP_HUGE_HEADERS ? 65536 : 0, in = f == F_MP_BOUNDARY_IN_BODY ? sizeof(ins) - 1 : 0;
	size_t cap = s->len + pad + in + 320, n;
	uint8_t *b = malloc(cap);
	int rc;

	if (b == NULL)
		return -1;
	n = (size_t)snprintf((char *)b, 256, "--%s\r\nContent-Type: " SEALED_TYPE
	                     "\r\nContent-Length: %zu\r\n", boundary, s->len + in);
	for (size_t i = 0; i + 40 <= pad; i += 40) /* 40 bytes a line */
		n += (size_t)snprintf((char *)b + n, 64, "X-Chaos-Pad-%06zu: %018zu\r\n", i, i);
	memcpy(b + n, "\r\n", 2), n += 2;
	memcpy(b + n, s->p, s->len / 2), n += s->len / 2;
	memcpy(b + n, ins, in), n += in;
	memcpy(b + n, s->p + s->len / 2, s->len - s->len / 2), n += s->len - s->len / 2;
	memcpy(b + n, "\r\n", 2), n += 2;
	rc = write_faulted(c, b, n, f, 1);
	free(b);
	return rc;
}

static int
stream_head(struct conn *c, enum fault f0)
{
	static const char h[] = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace";
	static const char b[] = "; boundary=" BOUNDARY;
	static const char t[] = "\r\nTransfer-Encoding: chunked\r\nCache-Control: no-store\r\n\r\n";

	return conn_write(c, h, sizeof(h) - 1, 0, 0) == 0 &&
	       (f0 == F_MP_NO_BOUNDARY || conn_write(c, b, sizeof(b) - 1, 0, 0) == 0) &&
	       conn_write(c, t, sizeof(t) - 1, 0, 0) == 0 ? 0 : -1;
}

static int
serve_stream(struct conn *c, int dev, uint64_t k)
{
	char name[32], sid[48];
	struct sealed good = { 0 }, s = { 0 }; /* good: the last frame that passes */
	uint64_t seq0 = atomic_fetch_add(&C.next_seq, C.frames);
	enum fault f0;
	int rc = 0;

	device_name(dev, name, sizeof(name));
	snprintf(sid, sizeof(sid), "chaos-%d-%llu", dev, (unsigned long long)k);
	f0 = schedule_pick(&C.sched, name, MEDIA_STREAM, k, 0);
	if (stream_head(c, f0) != 0)
		return -1;
	for (unsigned j = 0; j < C.frames && rc == 0; j++) {
		enum fault f = schedule_pick(&C.sched, name, MEDIA_STREAM, k, j);

		if (C.incident == MODE_EUFY && atomic_load(&C.update) && f == F_NONE)
			f = F_OTHER_ACCOUNT;
		if (f == F_REPLAY && good.p == NULL)
			f = F_NONE; /* nothing passed yet: nothing to replay */
		if (f == F_REPLAY) {
			if (copy_sealed(&good, &s) != 0)
				break;
		} else if (make_frame(dev, STREAM_N0 + (k << 16) + j, LC_KIND_MJPEG, sid,
		                      seq0 + j, f, &s) != 0) {
			break;
		}
		if (f != F_NONE)
			report_fault(c->rid, name, MEDIA_STREAM, j, f);
		report_served(MEDIA_STREAM, f != F_NONE);
		rc = write_part(c, &s, f, f0 == F_MP_WRONG_BOUNDARY ? "other-frames" : BOUNDARY);
		if (fault_kind(f)->ends)
			rc = -1;
		if (passes(f)) {
			free(good.p);
			good = s;
		} else {
			free(s.p);
		}
		s.p = NULL;
		if (rc == 0 && C.interval_ms > 0)
			usleep(C.interval_ms * 1000u);
	}
	free(good.p);
	if (rc == 0)
		rc = conn_write_chunks(c, (const uint8_t *)"--" BOUNDARY "--\r\n",
		                       sizeof(BOUNDARY) + 5, 0, 0, 0) == 0 &&
		     conn_write(c, "0\r\n\r\n", 5, 0, 0) == 0 ? 0 : -1;
	return rc;
}

/* --- requests ------------------------------------------------------------------------ */

static int
parse_target(const char *path, unsigned *media, int *dev)
{
	int used = 0;

	if (sscanf(path, "/frames/cam-%d/latest.lcf%n", dev, &used) == 1 && path[used] == '\0')
		*media = MEDIA_SNAPSHOT;
	else if (sscanf(path, "/api/thumbnail?device=cam-%d%n", dev, &used) == 1 && path[used] == '\0')
		*media = MEDIA_SNAPSHOT;
	else if (sscanf(path, "/streams/cam-%d/live.mjpeg%n", dev, &used) == 1 && path[used] == '\0')
		*media = MEDIA_STREAM;
	else
		return -1;
	return *dev >= 1 && (unsigned)*dev <= C.devices ? 0 : -1;
}

void
serve_connection(struct conn *c)
{
	int fd = c->fd, rc;

	if (conn_open(c, fd, C.creds) != 0)
		return;
	while ((rc = conn_read_request(c)) == 1) {
		unsigned media;
		int dev;
		uint64_t k;

		if (parse_target(c->path, &media, &dev) != 0) {
			if (answer_status(c, "404 Not Found") != 0)
				break;
			continue;
		}
		k = atomic_fetch_add(&C.requests[dev][media - 1], 1);
		if (C.incident == MODE_WYZE)
			c->close = 1; /* reconnect load: a connection an answer */
		rc = media == MEDIA_SNAPSHOT ? serve_snapshot(c, dev, k) : serve_stream(c, dev, k);
		if (rc != 0 || c->close)
			break;
	}
	if (c->fd >= 0)
		conn_close(c, 0);
}
