/*
 * One backend request as a libcurl easy handle: its options (TLS as the
 * policy says, timeouts, headers, the method and body), its callbacks,
 * and the spare handles kept between requests.
 */
#include <stdlib.h>
#include <string.h>
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

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct upstream_req *req = arg;

	upstream_note_response(req);
	if (req->cancelled_)
		return 0; /* aborts the transfer; curl closes the connection */
	if (req->on_data == NULL)
		return n; /* nobody wants the body (a PUT's answer): drain it */
	if (req->on_data(req->arg, (const uint8_t *)p, n) != 0) {
		req->cancelled_ = 2;
		return 0;
	}
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

/* Counts new connections, so that tests can see what was reused. */
static curl_socket_t
open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct upstream *up = arg;

	up->connects++;
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static int
set_tls(const struct upstream_conf *c, CURL *e)
{
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	if (c->ca != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, c->ca) != CURLE_OK;
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
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FAILONERROR, 0L) != CURLE_OK;
	if (req->stream) {
		/* A stall, not a total time, ends a stream. */
		bad |= curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
		                        (c->timeout_ms + 999) / 1000) != CURLE_OK;
	} else {
		bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms) != CURLE_OK;
	}
	bad |= set_tls(c, e) != 0;
	req->headers_ = curl_slist_append(NULL, "Expect:");
	if (req->headers_ == NULL ||
	    add_header(req, "Content-Type", req->content_type) != 0 ||
	    add_header(req, "X-Request-Id", req->request_id) != 0)
		return -1;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers_) != CURLE_OK;
	if (strcmp(req->method, "PUT") == 0 && req->on_read != NULL) {
		/* No size: HTTP/1.1 chunked, as long as the producer goes on. */
		bad |= curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_READDATA, req) != CURLE_OK;
	} else if (strcmp(req->method, "PUT") == 0) {
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
