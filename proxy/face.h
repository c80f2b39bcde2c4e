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
 * Starts a listener as the policy says (address, TLS, client CA) with
 * the policy's limits.  listen_fd >= 0 is a socket to use (socket
 * activation).  0, or LC_EIO / LC_ENOMEM after logging why.
 */
int face_start(const struct policy_listener *l, const struct policy_limits *lim,
               int listen_fd, const struct face_ops *ops, struct face **out);

/* Stops accepting, then stops the daemon (every suspended connection
 * must have been resumed).  NULL is fine. */
void face_quiesce(struct face *f);
void face_stop(struct face *f);

/* Reads and checks the listener's TLS files without using them; 0 or -1
 * after logging why. */
int face_check_tls(const struct policy_listener *l);

/*
 * Starts a replacement for old on old's listening socket with l's TLS
 * files read anew, and stops old from accepting; old keeps serving the
 * connections it has (stop it with face_stop() once face_connections()
 * is 0).  0; LC_EFORMAT if l's material is bad (nothing changed); LC_EIO
 * if the new daemon failed, in which case *out serves with old_l's
 * material, or is NULL if even that failed (or if old had stopped
 * accepting already); old keeps its connections either way.
 */
int face_renew(struct face *old, const struct policy_listener *l,
               const struct policy_listener *old_l, const struct policy_limits *lim,
               const struct face_ops *ops, struct face **out);

/* Connections the face holds now. */
unsigned int face_connections(const struct face *f);

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
