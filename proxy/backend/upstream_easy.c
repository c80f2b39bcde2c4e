/*
 * One backend request as a libcurl easy handle: its options (TLS as the
 * policy says, timeouts, headers, the method and body), its callbacks,
 * and the spare handles kept between requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include "log.h"
#include "backend/upstream_int.h"

/* Records the response's status and type once, before its first byte. */
void
upstream_note_response(struct upstream_req *req)
{
	curl_off_t len = -1;
	char *ct = NULL;

	if (req->status_ != 0 || req->easy == NULL)
		return;
	(void)curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &req->status_);
	if (curl_easy_getinfo(req->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK)
		req->length_ = (int64_t)len;
	if (curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		snprintf(req->content_type_, sizeof(req->content_type_), "%s", ct);
}

/* The connection req runs on is closed when the transfer ends, whatever
 * the end: libcurl reads FORBID_REUSE then, not when it is set.  0, or
 * -1 if libcurl refused (the caller then aborts the transfer). */
static int
forbid_reuse(struct upstream_req *req)
{
	return curl_easy_setopt(req->easy, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK ? 0 : -1;
}

/* A vouched request's connection follows the caller's last word: kept
 * (FORBID_REUSE off) only while on_data last said UPSTREAM_WHOLE after a
 * clean head, closed otherwise.  0, or -1 if libcurl refused. */
static int
vouch_reuse(struct upstream_req *req, int whole)
{
	int keep = whole && req->clean_head_;

	if (keep == req->keep_)
		return 0;
	req->keep_ = keep;
	return curl_easy_setopt(req->easy, CURLOPT_FORBID_REUSE, keep ? 0L : 1L) == CURLE_OK
	       ? 0 : -1;
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct upstream_req *req = arg;
	int rc;

	upstream_note_response(req);
	if (req->cancelled_) {
		(void)forbid_reuse(req); /* aborting closes it anyway */
		return 0;
	}
	if (req->on_data == NULL)
		return n; /* nobody wants the body (a PUT's answer): drain it */
	rc = req->on_data(req->arg, (const uint8_t *)p, n);
	if ((rc == 0 || rc == UPSTREAM_WHOLE) &&
	    (!req->vouch || vouch_reuse(req, rc == UPSTREAM_WHOLE) == 0))
		return n;
	req->cancelled_ = 2;
	req->keep_ = 0;
	(void)forbid_reuse(req);
	return 0;
}

/* Whether header line p (n bytes) is the header name. */
static int
is_header(const char *p, size_t n, const char *name)
{
	size_t len = strlen(name);

	return n > len && strncasecmp(p, name, len) == 0 && p[len] == ':';
}

/* The answer a request expects: 200 for a GET or a POST, 200, 201 or 204
 * for a PUT (a frame stored).  Only after such an answer may its connection serve
 * another request. */
static int
expected_status(const struct upstream_req *req, long status)
{
	if (status == 200)
		return 1;
	return strcmp(req->method, "PUT") == 0 && (status == 201 || status == 204);
}

/* Each header line of the answer.  At the end of the head: an answer
 * framed two ways (two Content-Lengths, or one with Transfer-Encoding)
 * ends the transfer, since where its body ends is anybody's guess; an
 * answer other than the expected one is read, then its connection
 * closed. */
static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct upstream_req *req = arg;
	long status = 0;

	(void)size;
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		req->ncl_ = req->nte_ = 0; /* a new head (after a 1xx) */
		req->clean_head_ = 0;
		return n;
	}
	if (is_header(p, n, "Content-Length"))
		req->ncl_++;
	else if (is_header(p, n, "Transfer-Encoding"))
		req->nte_++;
	if (!(n == 2 && p[0] == '\r') && !(n == 1 && p[0] == '\n'))
		return n;
	if (curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
		req->bad_framing_ = 1;
		(void)forbid_reuse(req);
		return 0;
	}
	if (status >= 100 && status < 200)
		return n;
	if (req->ncl_ > 1 || req->nte_ > 1 || (req->ncl_ > 0 && req->nte_ > 0)) {
		req->bad_framing_ = 1;
		(void)forbid_reuse(req);
		return 0;
	}
	if (!expected_status(req, status))
		return forbid_reuse(req) == 0 ? n : 0;
	req->clean_head_ = 1;
	return n;
}

static size_t
read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct upstream_req *req = arg;
	size_t got;

	if (req->cancelled_)
		return CURL_READFUNC_ABORT;
	got = req->on_read(req->arg, (uint8_t *)buf, n);
	return got == UPSTREAM_READ_PAUSE ? CURL_READFUNC_PAUSE : got;
}

/* Opens a backend socket and keeps it in the table (the pre-request
 * check looks for it there); counts new connections, so that tests can
 * see what was reused. */
static curl_socket_t
open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct upstream *up = arg;
	struct upstream_sock *t;
	curl_socket_t fd;

	(void)purpose;
	if (up->nsocks == up->socks_cap) {
		size_t cap = up->socks_cap ? up->socks_cap * 2 : 64;

		if ((t = realloc(up->socks, cap * sizeof(*t))) == NULL)
			return CURL_SOCKET_BAD;
		up->socks = t;
		up->socks_cap = cap;
	}
	fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
	if (fd == CURL_SOCKET_BAD)
		return CURL_SOCKET_BAD;
	memset(&up->socks[up->nsocks], 0, sizeof(up->socks[0]));
	up->socks[up->nsocks++].fd = fd;
	up->connects++;
	return fd;
}

/* libcurl is done with a socket: out of the table, closed. */
static int
close_cb(void *arg, curl_socket_t fd)
{
	struct upstream *up = arg;

	for (size_t i = 0; i < up->nsocks; i++)
		if (up->socks[i].fd == fd) {
			up->socks[i] = up->socks[--up->nsocks];
			break;
		}
	return close(fd);
}

/* The port of a socket address, and its address as text in buf. */
static int
addr_port(const struct sockaddr_storage *sa, char *buf, size_t n)
{
	const void *a;
	int port;

	if (sa->ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		return 0;
	}
	if (buf != NULL && inet_ntop(sa->ss_family, a, buf, (socklen_t)n) == NULL)
		buf[0] = '\0';
	return port;
}

/* Fills in where s is connected, once it is; 0 if it is known. */
static int
sock_learn(struct upstream_sock *s)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	if (s->lport != 0)
		return 0;
	if (getpeername(s->fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	s->pport = addr_port(&sa, s->peer, sizeof(s->peer));
	len = sizeof(sa);
	if (getsockname(s->fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	s->lport = addr_port(&sa, NULL, 0);
	return s->lport != 0 ? 0 : -1;
}

/* The socket of the connection libcurl chose, by its ports and peer; -1
 * if none of lenscapd's sockets is that one. */
static curl_socket_t
sock_find(struct upstream *up, const char *peer, int pport, int lport)
{
	for (size_t i = 0; i < up->nsocks; i++) {
		struct upstream_sock *s = &up->socks[i];

		if (sock_learn(s) == 0 && s->lport == lport && s->pport == pport &&
		    strcmp(s->peer, peer) == 0)
			return s->fd;
	}
	return CURL_SOCKET_BAD;
}

/*
 * Called once libcurl has chosen (or made) the connection and before the
 * request goes out.  libcurl takes an idle connection with bytes waiting
 * for alive, and the next answer read there would be those bytes: a
 * stray reply written after the last transfer ended, or the rest of an
 * answer meant for someone else.  Nothing may come before the request
 * is sent, so any byte (or the end) there means the connection is out
 * of step: it is closed, and the request is tried once more on a new one
 * (reap_done).  A socket that cannot be found is treated the same.
 */
static int
prereq_cb(void *arg, char *peer, char *local, int pport, int lport)
{
	struct upstream_req *req = arg;
	curl_socket_t fd;
	ssize_t r;
	char b;

	(void)local;
	fd = sock_find(req->owner_, peer, pport, lport);
	if (fd != CURL_SOCKET_BAD) {
		r = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return CURL_PREREQFUNC_OK;
	}
	req->stray_ = 1;
	(void)forbid_reuse(req); /* on abort libcurl would keep it else */
	return CURL_PREREQFUNC_ABORT;
}

static int
set_tls(const struct upstream_conf *c, CURL *e)
{
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	/* The policy's CA alone: not also the system's directory of CAs,
	 * which libcurl would otherwise read (and GnuTLS parse, and free)
	 * for every new connection, and which the backend need not be
	 * trusted by. */
	if (c->ca != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, c->ca) != CURLE_OK ||
		       curl_easy_setopt(e, CURLOPT_CAPATH, NULL) != CURLE_OK;
	if (c->pin != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, c->pin) != CURLE_OK;
	/* File paths: the GnuTLS build ignores the _BLOB variants. */
	if (c->cert != NULL) {
		bad |= curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, c->key) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

/* Appends "name: value" to req's headers unless value is NULL; 0 or -1. */
static int
add_header(struct upstream_req *req, const char *name, const char *value)
{
	struct curl_slist *h;
	char line[192];

	if (value == NULL)
		return 0;
	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >= sizeof(line))
		return -1;
	if ((h = curl_slist_append(req->headers_, line)) == NULL)
		return -1;
	req->headers_ = h;
	return 0;
}

/* Makes the easy handle for req; 0 or -1. */
int
upstream_make_easy(struct upstream *up, struct upstream_req *req)
{
	const struct upstream_conf *c = up->conf;
	char url[1024];
	CURL *e;
	int bad = 0, kind = req->stream != 0;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", c->url, req->path) >= sizeof(url))
		return -1;
	if (up->nspare[kind] > 0)
		e = up->spare[kind][--up->nspare[kind]];
	else if ((e = curl_easy_init()) == NULL)
		return -1;
	req->easy = e;
	req->owner_ = up;
	bad |= curl_easy_setopt(e, CURLOPT_BUFFERSIZE, req->stream ? (long)UPSTREAM_STREAM_BUFFER
	                        : (long)UPSTREAM_STILL_BUFFER) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http") != CURLE_OK;
	/* The backend is the policy's, reached directly: no proxy from the
	 * environment (and no getenv() on every request). */
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, req) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, req) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, up) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, up) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PREREQDATA, req) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, req) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FAILONERROR, 0L) != CURLE_OK;
	/* A vouched request's connection is closed unless the caller says
	 * otherwise (write_cb); libcurl reads this when the transfer ends. */
	bad |= curl_easy_setopt(e, CURLOPT_FORBID_REUSE,
	                        req->vouch || req->alone ? 1L : 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, req->alone ? 1L : 0L) != CURLE_OK;
	if (req->stream) {
		/* A stall, not a total time, ends a stream. */
		bad |= curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
		                        (c->timeout_ms + 999) / 1000) != CURLE_OK;
	} else {
		bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0
		                        ? req->timeout_ms : c->timeout_ms) != CURLE_OK;
	}
	bad |= set_tls(c, e) != 0;
	req->headers_ = curl_slist_append(NULL, "Expect:");
	if (req->headers_ == NULL ||
	    add_header(req, "Content-Type", req->content_type) != 0 ||
	    add_header(req, "X-Request-Id", req->request_id) != 0 ||
	    add_header(req, "Cache-Control", req->alone ? "no-store" : NULL) != 0)
		return -1;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers_) != CURLE_OK;
	if (strcmp(req->method, "PUT") == 0 && req->on_read != NULL) {
		/* No size: HTTP/1.1 chunked, as long as the producer goes on. */
		bad |= curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_READDATA, req) != CURLE_OK;
	} else if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "POST") == 0) {
		if (strcmp(req->method, "PUT") == 0) /* else POSTFIELDS' POST */
			bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT") != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                        (curl_off_t)req->body_len) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body) != CURLE_OK;
	} else if (strcmp(req->method, "GET") != 0) {
		return -1;
	}
	return bad ? -1 : 0;
}

/* Keeps a finished handle for the next request (its buffers with it), or
 * frees it.  Its connection, if any, stayed in the multi's pool or was
 * closed by curl_multi_remove_handle(). */
void
upstream_release_easy(struct upstream *up, struct upstream_req *req)
{
	int kind = req->stream != 0;

	if (up->nspare[kind] < UPSTREAM_SPARE) {
		curl_easy_reset(req->easy);
		up->spare[kind][up->nspare[kind]++] = req->easy;
	} else {
		curl_easy_cleanup(req->easy);
	}
	req->easy = NULL;
}
