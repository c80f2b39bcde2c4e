/*
 * A server: one listener's libmicrohttpd daemon on an epoll thread pool
 * with suspend/resume, TLS from the policy's files, connection limits
 * and timeouts.  A listener's role (camera, assistant, admin face) is
 * in its handlers; the server is the same for all three.
 */
#ifndef LC_SERVER_H
#define LC_SERVER_H

#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>

#include "lenscap.h"
#include "policy.h"

struct server;

/* The request handlers of one server. */
struct server_ops {
	MHD_AccessHandlerCallback access;
	MHD_RequestCompletedCallback completed;
	void *cls;
	/* counted: connections answered 503 past a limit, and connections
	 * closed for a late request head */
	atomic_uint_fast64_t *refused, *late;
	/* whether a request (method, url) may carry a body at all, chunked
	 * (Transfer-Encoding) or not (Content-Length); one that may not and
	 * carries either header is refused.  NULL: no request may */
	int (*takes_body)(void *cls, const char *method, const char *url, int chunked);
	/* told of each request refused for its framing (answered 400, the
	 * connection closed): why, a fixed phrase */
	void (*misframed)(void *cls, const char *why);
};

/*
 * Makes a listener's server as the policy says (TLS, client CA, limits):
 * its daemon runs, but nothing is accepted until server_listen().  0, or
 * LC_EIO after logging why.
 */
int server_prepare(const struct policy_listener *l, const struct policy_limits *lim,
                 const struct server_ops *ops, struct server **out);

/* Whether f is what server_prepare() would make of l under lim now: TLS
 * or plain alike, its TLS files' contents the same (read again) and the
 * same limits.  Such a server can go on serving l, and keep its
 * connections, when a reload takes effect. */
int server_unchanged(const struct server *f, const struct policy_listener *l,
                     const struct policy_limits *lim);

/* Accepts on the listening socket fd, which f owns from the call on
 * (server_stop_accepting() hands it back).  It cannot fail. */
void server_listen(struct server *f, int fd);

/* Stops accepting for good and hands back the listening socket (-1 if f
 * has none); f keeps serving the connections it has. */
int server_stop_accepting(struct server *f);

/* For a server that a reload replaced: each of its connections is closed
 * once no request is in flight on it, so that it drains. */
void server_retire(struct server *f);

/* Stops accepting (closing the listening socket), then stops the daemon
 * (every suspended connection must have been resumed).  NULL is fine. */
void server_quiesce(struct server *f);
void server_stop(struct server *f);

/* Reads and checks the listener's TLS files without using them; 0 or -1
 * after logging why. */
int server_check_tls(const struct policy_listener *l);

/* Connections the server holds now. */
unsigned int server_connections(const struct server *f);

/* The listening socket, -1 if none. */
int server_socket(const struct server *f);
uint16_t server_port(const struct server *f);
const char *server_name(const struct server *f);

#endif
