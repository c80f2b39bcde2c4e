/*
 * A listening socket and the thread that accepts on it.  lenscapd
 * accepts for libmicrohttpd (MHD_add_connection) instead of letting its
 * pool threads race for accept(): the library spreads added connections
 * over its threads by socket number, where racing left most of them on
 * one thread.
 */
#ifndef LC_ACCEPTOR_H
#define LC_ACCEPTOR_H

#include <sys/socket.h>

#include "policy.h"

struct acceptor;

/* What the acceptor hands its connections to.  admit owns fd from the
 * call on (it closes it on failure too); room says whether another
 * connection may be accepted now (else the kernel queues it a while). */
struct acceptor_ops {
	void (*admit)(void *cls, int fd, const struct sockaddr *sa, socklen_t len);
	int (*room)(void *cls);
	void *cls;
};

/* A listening socket on l's address; -1 after logging why. */
int acceptor_listen(const struct policy_listener *l);

/* An acceptor whose thread waits for acceptor_go().  0, or -1 after
 * logging why. */
int acceptor_new(const char *name, const struct acceptor_ops *ops,
                 struct acceptor **out);

/* Starts accepting on the non-blocking listening socket fd, which stays
 * the caller's.  It cannot fail. */
void acceptor_go(struct acceptor *a, int fd);

/* Stops accepting: when it returns, no connection is accepted any more
 * and admit is not running.  NULL is fine. */
void acceptor_stop(struct acceptor *a);

/* The port fd listens on, 0 if unknown. */
uint16_t acceptor_port(int fd);

#endif
