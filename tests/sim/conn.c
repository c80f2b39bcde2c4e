#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "simframe.h"

int
conn_open(struct conn *c, int fd, gnutls_certificate_credentials_t creds)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	if (creds == NULL)
		return 0;
	if (gnutls_init(&c->tls, GNUTLS_SERVER) < 0) {
		c->tls = NULL;
		close(fd);
		return -1;
	}
	if (gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, creds) < 0) {
		conn_close(c, 0);
		return -1;
	}
	gnutls_transport_set_int(c->tls, fd);
	gnutls_handshake_set_timeout(c->tls, 10000);
	do {
		rc = gnutls_handshake(c->tls);
	} while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
	if (rc < 0) {
		conn_close(c, 0);
		return -1;
	}
	return 0;
}

void
conn_close(struct conn *c, int reset)
{
	if (reset) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	if (c->tls != NULL) {
		if (!reset)
			(void)gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	close(c->fd);
	c->fd = -1;
}

static ssize_t
raw_read(struct conn *c, void *p, size_t n)
{
	ssize_t r;

	do {
		r = c->tls ? gnutls_record_recv(c->tls, p, n) : read(c->fd, p, n);
	} while (c->tls ? (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
	                : (r < 0 && errno == EINTR));
	return r < 0 ? -1 : r;
}

/* The value of header name in the head (lines after the first), or NULL. */
static const char *
header(char *head, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	for (char *l = strstr(head, "\r\n"); l != NULL; l = strstr(l, "\r\n")) {
		l += 2;
		if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
			const char *v = l + nl + 1;
			size_t n = strcspn(v += strspn(v, " \t"), "\r");

			if (n >= outlen)
				return NULL;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}

int
conn_read_request(struct conn *c)
{
	char *end, method[16], ver[16];
	size_t used;
	ssize_t r;

	while ((end = memmem(c->buf, c->have, "\r\n\r\n", 4)) == NULL) {
		if (c->have >= sizeof(c->buf) - 1)
			return -1;
		r = raw_read(c, c->buf + c->have, sizeof(c->buf) - 1 - c->have);
		if (r <= 0)
			return r == 0 && c->have == 0 ? 0 : -1;
		c->have += (size_t)r;
	}
	*end = '\0';
	if (sscanf(c->buf, "%15s %511s %15s", method, c->path, ver) != 3 ||
	    strcmp(method, "GET") != 0)
		return -1;
	if (header(c->buf, "X-Request-Id", c->rid, sizeof(c->rid)) == NULL)
		snprintf(c->rid, sizeof(c->rid), "-");
	c->close = strcmp(ver, "HTTP/1.1") != 0;
	/* GETs carry no body: keep what follows the head. */
	used = (size_t)(end + 4 - c->buf);
	memmove(c->buf, c->buf + used, c->have - used);
	c->have -= used;
	return 1;
}

static int
write_all(struct conn *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = c->tls ? gnutls_record_send(c->tls, p, n) : write(c->fd, p, n);

		if (c->tls ? (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
		           : (w < 0 && errno == EINTR))
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
conn_write(struct conn *c, const void *p, size_t n, size_t piece,
           unsigned pause_us)
{
	const uint8_t *b = p;

	if (piece == 0)
		piece = n;
	while (n > 0) {
		size_t k = n < piece ? n : piece;

		if (write_all(c, b, k) != 0)
			return -1;
		b += k;
		n -= k;
		if (pause_us > 0 && n > 0)
			usleep(pause_us);
	}
	return 0;
}

int
conn_write_chunks(struct conn *c, const uint8_t *p, size_t n, int edge,
                  int bytewise, uint64_t x)
{
	char head[64];

	while (n > 0) {
		size_t k = n;
		int hl;

		if (bytewise)
			k = 1;
		else if (edge)
			k = 1 + (size_t)((x = sim_mix(x)) % 3000);
		if (k > n)
			k = n;
		if (edge && (x & 3) == 0)
			hl = snprintf(head, sizeof(head), "%08zX;chaos=edge\r\n", k);
		else if (edge)
			hl = snprintf(head, sizeof(head), "%zX\r\n", k);
		else
			hl = snprintf(head, sizeof(head), "%zx\r\n", k);
		if (conn_write(c, head, (size_t)hl, 0, 0) != 0 ||
		    conn_write(c, p, k, 0, 0) != 0 || conn_write(c, "\r\n", 2, 0, 0) != 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}
