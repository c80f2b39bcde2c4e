/*
 * What every listener of lenscapd shares: a libmicrohttpd daemon on an
 * epoll thread pool with suspend/resume, TLS from the policy's files,
 * connection limits and timeouts, and the small response helpers.
 */
#ifndef LC_FACE_H
#define LC_FACE_H

#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>

#include "lenscap.h"
#include "policy.h"

struct face;

/* The request handlers of one face. */
struct face_ops {
	MHD_AccessHandlerCallback access;
	MHD_RequestCompletedCallback completed;
	void *cls;
	/* counted: connections answered 503 past a limit, and connections
	 * closed for a late request head */
	atomic_uint_fast64_t *refused, *late;
};

/*
 * Makes a listener's face as the policy says (TLS, client CA, limits):
 * its daemon runs, but nothing is accepted until face_listen().  0, or
 * LC_EIO after logging why.
 */
int face_prepare(const struct policy_listener *l, const struct policy_limits *lim,
                 const struct face_ops *ops, struct face **out);

/* Accepts on the listening socket fd, which f owns from the call on
 * (face_stop_accepting() hands it back).  It cannot fail. */
void face_listen(struct face *f, int fd);

/* Stops accepting for good and hands back the listening socket (-1 if f
 * has none); f keeps serving the connections it has. */
int face_stop_accepting(struct face *f);

/* For a face that a reload replaced: each of its connections is closed
 * once no request is in flight on it, so that it drains. */
void face_retire(struct face *f);

/* Stops accepting (closing the listening socket), then stops the daemon
 * (every suspended connection must have been resumed).  NULL is fine. */
void face_quiesce(struct face *f);
void face_stop(struct face *f);

/* Reads and checks the listener's TLS files without using them; 0 or -1
 * after logging why. */
int face_check_tls(const struct policy_listener *l);

/* Connections the face holds now. */
unsigned int face_connections(const struct face *f);

/* The listening socket, -1 if none. */
int face_socket(const struct face *f);
uint16_t face_port(const struct face *f);
const char *face_name(const struct face *f);

/*
 * The SHA-256 of the client's certificate (DER), only if the client sent
 * one and it verifies against the listener's client CA.  0 or -1.
 */
int face_client_cert(struct MHD_Connection *c, uint8_t out[LC_DIGEST_BYTES]);

/* The token of "Authorization: Bearer <token>", or NULL. */
const char *face_bearer(struct MHD_Connection *c);

/* Queues an application/problem+json answer with no other body. */
enum MHD_Result face_problem(struct MHD_Connection *c, unsigned status,
                             const char *title);

/* Queues len bytes at base + off as the body; the response takes
 * ownership of base (freed with free()), so nothing is copied. */
enum MHD_Result face_answer(struct MHD_Connection *c, unsigned status,
                            const char *content_type, void *base, size_t off,
                            size_t len);

#endif
