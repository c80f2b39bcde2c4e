/*
 * A listening socket and the thread that accepts on it.  The thread is
 * made first and waits for its socket, so that handing one over cannot
 * fail.  It then sleeps in poll() on the socket and on an eventfd that
 * stops it; it takes what the kernel has queued, a bounded burst at a
 * time, and stops taking while the server is full or the process is out of
 * file descriptors.
 */
#define _GNU_SOURCE /* accept4, pthread_setname_np */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include "net/acceptor.h"
#include "clock.h"
#include "log.h"

#define ACCEPTOR_BURST 64      /* connections taken per wake-up */
#define ACCEPTOR_BACKOFF_MS 100 /* pause while full or out of descriptors */

struct acceptor {
	int fd, evfd;               /* fd: -1 until acceptor_go() */
	char *name;
	struct acceptor_ops ops;
	pthread_t thread;
	pthread_mutex_t lock;       /* fd and stop, while parked */
	pthread_cond_t cond;
	int stop, have_sync;
	uint64_t warned_ms; /* last "cannot accept" message */
};

static int
make_addr(const struct policy_listener *l, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, l->host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(l->port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, l->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(l->port);
		*len = sizeof(*in6);
		return 0;
	}
	log_warnx("listener %s: %s is not an IP address", l->name, l->host);
	return -1;
}

int
acceptor_listen(const struct policy_listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd;

	if (make_addr(l, &ss, &len) != 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1) ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1 || listen(fd, SOMAXCONN) == -1) {
		log_warn("listener %s: cannot listen on %s", l->name, l->listen);
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	return fd;
}

uint16_t
acceptor_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* Takes up to a burst of queued connections; 0, or -1 to pause a while
 * (the server is full, or accept() failed for want of resources). */
static int
accept_some(struct acceptor *a)
{
	for (int i = 0; i < ACCEPTOR_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int c;

		if (!a->ops.room(a->ops.cls))
			return -1;
		c = accept4(a->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0) {
			a->ops.admit(a->ops.cls, c, (struct sockaddr *)&ss, len);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM: say so once a second at most. */
		if (lcd_mono_ms() >= a->warned_ms + 1000) {
			log_warn("%s: cannot accept", a->name);
			a->warned_ms = lcd_mono_ms();
		}
		return -1;
	}
	return 0;
}

/* Until acceptor_go() gives a socket (1) or acceptor_stop() says stop (0). */
static int
wait_for_socket(struct acceptor *a)
{
	int go;

	pthread_mutex_lock(&a->lock);
	while (a->fd < 0 && !a->stop)
		pthread_cond_wait(&a->cond, &a->lock);
	go = !a->stop;
	pthread_mutex_unlock(&a->lock);
	return go;
}

static void *
run(void *arg)
{
	struct acceptor *a = arg;
	int pause = 0;

	(void)pthread_setname_np(pthread_self(), "lc-accept");
	if (!wait_for_socket(a))
		return NULL;
	for (;;) {
		struct pollfd p[2] = { { a->evfd, POLLIN, 0 }, { a->fd, POLLIN, 0 } };
		int n = poll(p, pause ? 1 : 2, pause ? ACCEPTOR_BACKOFF_MS : -1);

		if (n == -1 && errno != EINTR) {
			log_warn("%s: poll", a->name);
			pause = 1;
			continue;
		}
		if (n > 0 && p[0].revents != 0)
			break;
		pause = accept_some(a) != 0;
	}
	return NULL;
}

static void
acceptor_free(struct acceptor *a)
{
	if (a->evfd >= 0)
		(void)close(a->evfd);
	if (a->have_sync) {
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
	}
	free(a->name);
	free(a);
}

int
acceptor_new(const char *name, const struct acceptor_ops *ops, struct acceptor **out)
{
	struct acceptor *a = calloc(1, sizeof(*a));

	if (a == NULL)
		goto fail;
	a->fd = a->evfd = -1;
	a->ops = *ops;
	if ((a->name = strdup(name)) == NULL ||
	    (a->evfd = eventfd(0, EFD_CLOEXEC)) == -1)
		goto fail;
	if (pthread_mutex_init(&a->lock, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&a->cond, NULL) != 0) {
		pthread_mutex_destroy(&a->lock);
		goto fail;
	}
	a->have_sync = 1;
	if (pthread_create(&a->thread, NULL, run, a) != 0)
		goto fail;
	*out = a;
	return 0;
fail:
	log_warn("listener %s: cannot make its acceptor", name);
	if (a != NULL)
		acceptor_free(a);
	return -1;
}

void
acceptor_go(struct acceptor *a, int fd)
{
	pthread_mutex_lock(&a->lock);
	a->fd = fd;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

void
acceptor_stop(struct acceptor *a)
{
	uint64_t one = 1;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	while (write(a->evfd, &one, sizeof(one)) == -1 && errno == EINTR)
		;
	(void)pthread_join(a->thread, NULL);
	acceptor_free(a);
}
