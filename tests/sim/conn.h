/*
 * The chaos backend's side of one connection: TLS (GnuTLS) or plain
 * TCP, a bounded HTTP/1.1 request reader, and the ways of writing a
 * response body that a fault may call for.
 */
#ifndef LC_SIM_CONN_H
#define LC_SIM_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#define CONN_REQUEST_MAX 8192

struct conn {
	int fd;
	gnutls_session_t tls;     /* NULL on a plain connection */
	char buf[CONN_REQUEST_MAX];
	size_t have;              /* bytes of buf read, not yet used */
	char path[512];
	char rid[64];             /* X-Request-Id, or "-" */
	int close;                /* the response ends the connection */
};

/* Sets up c on fd (with creds, TLS); 0, or -1 and fd closed. */
int conn_open(struct conn *c, int fd, gnutls_certificate_credentials_t creds);
/* Closes c; with reset, by a TCP RST. */
void conn_close(struct conn *c, int reset);

/* Reads the next request head: 1 with c->path and c->rid set, 0 at a
 * clean end, -1 on an error or a request over CONN_REQUEST_MAX. */
int conn_read_request(struct conn *c);

/* Writes n bytes, as records of at most piece bytes (0 = at once), with
 * pause_us between them; 0 or -1. */
int conn_write(struct conn *c, const void *p, size_t n, size_t piece,
               unsigned pause_us);

/* Writes p as HTTP/1.1 chunks.  edge: odd sizes (seeded by x), upper
 * case and leading zeros, extensions; bytewise: a chunk per byte. */
int conn_write_chunks(struct conn *c, const uint8_t *p, size_t n, int edge,
                      int bytewise, uint64_t x);

#endif
