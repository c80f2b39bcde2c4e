/*
 * A server, one per listener: libmicrohttpd on an epoll thread pool
 * (suspend and resume need it: doc/pitfalls.md, "libmicrohttpd: suspend
 * and resume need the epoll thread pool"), TLS 1.2+ from the policy's
 * PEM files, limits and timeouts always set.  Each server also keeps its
 * own list of connections: a client over a connection limit gets a 503,
 * one too slow to send a request's head is cut (libmicrohttpd's own
 * timeout only sees silence).  A request whose length could be read two
 * ways is answered 400 and its connection closed, and a path is left as
 * sent (no percent-decoding).  The daemon has no socket of its own: the
 * server's acceptor adds each connection, which spreads them evenly over
 * the pool (acceptor.h).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "net/acceptor.h"
#include "clock.h"
#include "net/http.h"
#include "net/server.h"
#include "log.h"

/* Pool threads per listener: eight per CPU, at most sixteen.  A thread
 * that is verifying a frame holds up the other connections it serves;
 * with more threads the kernel interleaves them.  Snapshots gain up to
 * four per CPU (contrib/bench/run: 6,760 requests/s with one, 6,740
 * with two, 7,240 - 7,300 with four; 7,100 - 7,200 with eight).  Streams
 * need eight: at 1,000 streams x 10 fps on two CPUs (contrib/bench/streams,
 * 60 s), four per CPU left 379 and 931 frames over 100 ms in two runs
 * (mean 4.3 ms), eight none in two (mean 1.4 ms, p99 <= 10 ms), one or
 * two per CPU a third of all frames. */
#define SERVER_THREADS_PER_CPU 8
#define SERVER_THREADS_MAX 16
#define SERVER_PEM_MAX (1u << 20)
/* Per connection: the request head and libmicrohttpd's buffers.  16 KiB,
 * not its 32: every idle stream holds it, and heads are small. */
#define SERVER_MEMORY_LIMIT (16u * 1024)
/* Connections accepted past a limit only to be told 503; past these
 * too, libmicrohttpd stops accepting and the kernel queues them. */
#define SERVER_OVERFLOW 64u
#define SERVER_WATCH_MS 100 /* how often the head deadline is checked */
/* How long a replaced server waits for the first request of a connection
 * it accepted before it was replaced: enough for a request already sent
 * to arrive over a slow network, short enough that silent connections
 * cannot keep replaced servers alive. */
#define DRAIN_GRACE_MS 2000

/* Not const: MHD's option items carry a plain void pointer. */
static char tls_priorities[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE";

/* One connection, from accept to close (the server's list, under lock). */
struct server_conn {
	struct server_conn *prev, *next;
	MHD_socket fd;                 /* open until the CLOSED notification returns */
	struct sockaddr_storage addr;  /* family AF_UNSPEC if unknown */
	uint64_t due_ms;               /* when the head of the next request is late */
	int in_request;                /* its head is in: MHD's idle timeout rules */
	int served;                    /* a request of it has ended */
	int over;                      /* accepted past a limit: answered 503 */
	enum { NOT_CUT, CUT_LATE, CUT_DRAINED } cut; /* shut down by the watchdog, why */
};

struct server {
	struct MHD_Daemon *mhd;
	struct acceptor *acc;
	int lfd;               /* the listening socket, -1 once closed */
	char *name;
	char *cert, *key, *ca; /* PEM; key in sodium_malloc'd memory */
	size_t key_len;
	struct server_ops ops;
	uint32_t max_conns, max_per_ip, head_ms;
	pthread_mutex_t lock;  /* conns, nconns, stop */
	pthread_cond_t wake;
	struct server_conn *conns;
	uint32_t nconns;
	int stop, have_lock, have_watch;
	int draining;          /* replaced: connections close once idle */
	uint64_t drain_ms;     /* when it was replaced */
	pthread_t watch;
};

/* Reads a PEM file into a NUL-terminated buffer; secret ones go to
 * sodium_malloc'd memory.  NULL after logging why. */
static char *
read_pem(const char *path, int secret, size_t *len_out)
{
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > SERVER_PEM_MAX) {
		log_warnx("%s: not a PEM file of a sane size", path);
		goto fail;
	}
	buf = secret ? sodium_malloc((size_t)st.st_size + 1) : malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto fail;
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("read %s", path);
			goto fail;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	(void)close(fd);
	if (len_out != NULL)
		*len_out = off + 1;
	return buf;
fail:
	(void)close(fd);
	if (secret)
		sodium_free(buf);
	else
		free(buf);
	return NULL;
}

static void watch_stop(struct server *f);

static void
server_release(struct server *f)
{
	watch_stop(f);
	if (f->have_lock) {
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->lock);
	}
	free(f->name);
	free(f->cert);
	free(f->ca);
	sodium_free(f->key); /* wipes */
	free(f);
}

static unsigned int
pool_size(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long n = (cpus > 0 ? cpus : 1) * SERVER_THREADS_PER_CPU;

	return (unsigned int)(n > SERVER_THREADS_MAX ? SERVER_THREADS_MAX : n);
}

/* Bridges libmicrohttpd's messages into our log. */
__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_info("%s: %s", (const char *)cls, msg);
}

static int
load_tls(struct server *f, const struct policy_listener *l)
{
	if (l->plain)
		return 0;
	if ((f->cert = read_pem(l->cert, 0, NULL)) == NULL ||
	    (f->key = read_pem(l->key, 1, &f->key_len)) == NULL)
		return -1;
	if (l->client_ca != NULL && (f->ca = read_pem(l->client_ca, 0, NULL)) == NULL)
		return -1;
	return 0;
}

/* Whether the PEM texts a and b (NULL: none) are the same. */
static int
same_pem(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

int
server_unchanged(const struct server *f, const struct policy_listener *l,
                 const struct policy_limits *lim)
{
	struct server now = { 0 };
	int same;

	if (f->max_conns != lim->max_connections ||
	    f->max_per_ip != lim->max_connections_per_ip ||
	    f->head_ms != lim->idle_timeout_ms || (f->cert == NULL) != (l->plain != 0))
		return 0;
	if (l->plain)
		return 1;
	same = load_tls(&now, l) == 0 && same_pem(f->cert, now.cert) &&
	       same_pem(f->ca, now.ca) && f->key_len == now.key_len &&
	       sodium_memcmp(f->key, now.key, f->key_len) == 0;
	free(now.cert);
	free(now.ca);
	sodium_free(now.key); /* wipes */
	return same;
}

/* ---- connections: limits answered with 503, late request heads cut ---- */

/* Whether a and b are the same client address (port aside). */
static int
same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		              &((const struct sockaddr_in *)b)->sin_addr,
		              sizeof(struct in_addr)) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr,
		              sizeof(struct in6_addr)) == 0;
	return 0;
}

/* Under f->lock: whether fc's request head is due by now and not in. */
static int
head_late(const struct server_conn *fc, uint64_t now)
{
	return !fc->in_request && now >= fc->due_ms;
}

/* Under f->lock: connections from fc's address, fc included.  A scan:
 * it runs once per accepted connection, over at most the MHD limit. */
static uint32_t
count_ip(const struct server *f, const struct server_conn *fc)
{
	uint32_t n = 0;

	for (const struct server_conn *p = f->conns; p != NULL; p = p->next)
		if (same_ip(&p->addr, &fc->addr))
			n++;
	return n;
}

/* MHD: a connection was accepted (STARTED) or is about to be closed
 * (CLOSED; its socket is still open then, so the watchdog may use it). */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
              enum MHD_ConnectionNotificationCode code)
{
	struct server *f = cls;
	struct server_conn *fc = *socket_ctx;
	const union MHD_ConnectionInfo *fd, *addr;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (fc == NULL)
			return;
		pthread_mutex_lock(&f->lock);
		/* Cut by the watchdog, or closed by libmicrohttpd's own timeout
		 * (a TLS handshake that never progresses) at about that time. */
		if (fc->cut == CUT_LATE ||
		    (fc->cut == NOT_CUT && head_late(fc, lcd_mono_ms() + SERVER_WATCH_MS))) {
			log_info("%s: request head not complete within %u ms: "
			         "connection closed", f->name, f->head_ms);
			(*f->ops.late)++;
		}
		if (fc->prev != NULL)
			fc->prev->next = fc->next;
		else
			f->conns = fc->next;
		if (fc->next != NULL)
			fc->next->prev = fc->prev;
		f->nconns--;
		pthread_mutex_unlock(&f->lock);
		free(fc);
		*socket_ctx = NULL;
		return;
	}
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if ((fc = calloc(1, sizeof(*fc))) == NULL)
		return; /* untracked: server_access answers 503 */
	fc->fd = fd != NULL ? fd->connect_fd : MHD_INVALID_SOCKET;
	if (addr != NULL && addr->client_addr != NULL &&
	    (addr->client_addr->sa_family == AF_INET || addr->client_addr->sa_family == AF_INET6))
		memcpy(&fc->addr, addr->client_addr,
		       addr->client_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                               : sizeof(struct sockaddr_in6));
	fc->due_ms = lcd_mono_ms() + f->head_ms;
	pthread_mutex_lock(&f->lock);
	fc->next = f->conns;
	if (f->conns != NULL)
		f->conns->prev = fc;
	f->conns = fc;
	f->nconns++;
	fc->over = f->nconns > f->max_conns || count_ip(f, fc) > f->max_per_ip;
	pthread_mutex_unlock(&f->lock);
	*socket_ctx = fc;
}

static struct server_conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i != NULL ? i->socket_context : NULL;
}

/* Under f->lock: whether a replaced server may close p now: p is idle
 * between requests, and has either been served or had DRAIN_GRACE_MS
 * to ask.  A connection accepted just before the server was replaced
 * may have its first request on the way, which the client could not
 * know to send again; but one that never asks must not keep a replaced
 * server (its threads and descriptors) alive until its head deadline,
 * or silent connections could pin every slot for replaced servers and
 * have reloads refused. */
static int
drained(const struct server *f, const struct server_conn *p, uint64_t now)
{
	return f->draining && !p->in_request &&
	       (p->served || now >= f->drain_ms + DRAIN_GRACE_MS);
}

/* Under f->lock: shuts p down if its request head is late, or if the
 * server drains and p is done with (drained()).  The socket stays MHD's;
 * it sees the shutdown and closes it itself. */
static void
maybe_cut(struct server *f, struct server_conn *p, uint64_t now)
{
	int late = head_late(p, now);

	if (p->cut != NOT_CUT || p->fd == MHD_INVALID_SOCKET ||
	    !(late || drained(f, p, now)))
		return;
	p->cut = late ? CUT_LATE : CUT_DRAINED;
	if (shutdown(p->fd, SHUT_RDWR) == -1 && errno != ENOTCONN)
		log_warn("%s: shutdown of a connection", f->name);
}

/* A condition variable whose timed waits follow the monotonic clock, so
 * that a step of the wall clock neither stalls nor hurries the watchdog. */
static int
monotonic_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr) != 0)
		return -1;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(c, &attr) == 0 ? 0 : -1;
	(void)pthread_condattr_destroy(&attr);
	return rc;
}

/* Watchdog thread: cuts connections whose request head is late, and
 * those of a replaced server between requests. */
static void *
watch(void *arg)
{
	struct server *f = arg;
	struct timespec until;

	(void)pthread_setname_np(pthread_self(), "lc-server-watch");
	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		uint64_t now = lcd_mono_ms();

		for (struct server_conn *p = f->conns; p != NULL; p = p->next)
			maybe_cut(f, p, now);
		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += SERVER_WATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&f->wake, &f->lock, &until);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Answers a connection accepted past a limit, and closes it. */
static enum MHD_Result
busy(struct server *f, struct MHD_Connection *c)
{
	/* Not const: MHD takes a plain pointer (it never writes). */
	static char body[] = "{\"type\":\"about:blank\",\"title\":\"too many "
	                           "connections\",\"status\":503}\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(
		sizeof(body) - 1, body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	log_debug("%s: over the connection limit: 503", f->name);
	(*f->ops.refused)++;
	if (r == NULL)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                            "application/problem+json") != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1") != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- request framing: one reading of where a request ends ---- */

/* What a request's head says about how its body is framed. */
struct framing {
	unsigned cl, te;  /* Content-Length and Transfer-Encoding headers */
	const char *bad;  /* the first fault in one header, or NULL */
};

/* Whether s is one or more decimal digits and nothing else. */
static int
all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return s[strspn(s, "0123456789")] == '\0';
}

/* MHD: tallies one header of the head in a struct framing. */
static enum MHD_Result
tally_header(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
	struct framing *fr = cls;

	(void)kind;
	if (name == NULL || *name == '\0' || name[strcspn(name, " \t")] != '\0') {
		if (fr->bad == NULL)
			fr->bad = "white space in or empty header name";
	} else if (strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		fr->cl++;
		if (!all_digits(value) && fr->bad == NULL)
			fr->bad = "Content-Length not a number";
	} else if (strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		fr->te++;
		if ((value == NULL || strcasecmp(value, "chunked") != 0) && fr->bad == NULL)
			fr->bad = "Transfer-Encoding not chunked";
	}
	return MHD_YES;
}

/* Why f refuses the framing of c's request, a fixed phrase; NULL if it
 * does not.  A front may frame a request with such a head differently
 * (RFC 9112 6.1, 6.3; RFC 9110 8.6), and answer a request we never
 * saw, or see one we answer twice. */
static const char *
framing_fault(const struct server *f, struct MHD_Connection *c, const char *method,
              const char *url)
{
	struct framing fr = { 0, 0, NULL };

	if (MHD_get_connection_values(c, MHD_HEADER_KIND, tally_header, &fr) < 0)
		return "headers unreadable";
	if (fr.bad != NULL)
		return fr.bad;
	if (fr.cl > 1)
		return "more than one Content-Length";
	if (fr.te > 1)
		return "more than one Transfer-Encoding";
	if (fr.cl > 0 && fr.te > 0)
		return "both Content-Length and Transfer-Encoding";
	if (fr.cl + fr.te > 0 &&
	    (f->ops.takes_body == NULL ||
	     !f->ops.takes_body(f->ops.cls, method, url, fr.te > 0)))
		return "a request body where none is taken";
	return NULL;
}

/* Not a handler's: marks a request refused here, to the end of it. */
static int refused_here;

/* Answers 400 to a request whose framing f refuses, and closes the
 * connection after it: nothing after that head is read as a request. */
static enum MHD_Result
misframed(struct server *f, struct MHD_Connection *c, const char *why, void **req_cls)
{
	log_info("%s: request framing refused (%s): 400, connection closed", f->name, why);
	if (f->ops.misframed != NULL)
		f->ops.misframed(f->ops.cls, why);
	*req_cls = &refused_here;
	return http_problem_close(c, MHD_HTTP_BAD_REQUEST, "malformed request framing");
}

/* MHD's access handler for every server: the first call of a request ends
 * its head deadline, turns away connections over a limit and requests
 * whose framing is refused; the rest is the server's own handler. */
static enum MHD_Result
server_access(void *cls, struct MHD_Connection *c, const char *url,
            const char *method, const char *version, const char *data,
            size_t *data_size, void **req_cls)
{
	struct server *f = cls;
	struct server_conn *fc;
	const char *why;
	int over = 1;

	if (*req_cls == &refused_here) {
		*data_size = 0; /* answered; MHD closes once it is out */
		return MHD_YES;
	}
	if (*req_cls == NULL) {
		/* Every server's handler sets *req_cls on its first call. */
		if ((fc = conn_of(c)) != NULL) {
			pthread_mutex_lock(&f->lock);
			fc->in_request = 1;
			over = fc->over;
			pthread_mutex_unlock(&f->lock);
		}
		if (over)
			return busy(f, c);
		if ((why = framing_fault(f, c, method, url)) != NULL)
			return misframed(f, c, why, req_cls);
	}
	return f->ops.access(f->ops.cls, c, url, method, version, data, data_size, req_cls);
}

/* MHD: a request ended; the next one's head is due within head_ms. */
static void
server_completed(void *cls, struct MHD_Connection *c, void **req_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct server *f = cls;
	struct server_conn *fc = conn_of(c);

	if (*req_cls == &refused_here)
		*req_cls = NULL; /* none of the handler's */
	if (fc != NULL) {
		pthread_mutex_lock(&f->lock);
		fc->in_request = 0;
		fc->served = 1;
		fc->due_ms = lcd_mono_ms() + f->head_ms;
		pthread_mutex_unlock(&f->lock);
	}
	f->ops.completed(f->ops.cls, c, req_cls, toe);
}

/* Sets up the connection list and starts its watchdog; 0 or -1. */
static int
watch_start(struct server *f, const struct policy_limits *lim,
            const struct server_ops *ops)
{
	f->ops = *ops;
	f->max_conns = lim->max_connections;
	f->max_per_ip = lim->max_connections_per_ip;
	f->head_ms = lim->idle_timeout_ms;
	if (pthread_mutex_init(&f->lock, NULL) != 0)
		return -1;
	if (monotonic_cond_init(&f->wake) != 0) {
		pthread_mutex_destroy(&f->lock);
		return -1;
	}
	f->have_lock = 1;
	if (pthread_create(&f->watch, NULL, watch, f) != 0) {
		log_warnx("listener %s: cannot start its watchdog", f->name);
		return -1;
	}
	f->have_watch = 1;
	return 0;
}

/* Stops the watchdog (the list stays until the daemon is stopped). */
static void
watch_stop(struct server *f)
{
	if (!f->have_watch)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	(void)pthread_join(f->watch, NULL);
	f->have_watch = 0;
}

/* The acceptor's hand-off: libmicrohttpd takes (and closes) fd. */
static void
admit(void *cls, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct server *f = cls;

	/* On failure the library has said why, through mhd_log. */
	(void)MHD_add_connection(f->mhd, fd, sa, len);
}

/* Whether the acceptor may take another connection: up to the limit
 * past which libmicrohttpd would refuse it outright. */
static int
room(void *cls)
{
	struct server *f = cls;
	int ok;

	pthread_mutex_lock(&f->lock);
	ok = f->nconns < f->max_conns + SERVER_OVERFLOW;
	pthread_mutex_unlock(&f->lock);
	return ok;
}

/* MHD: leaves a request's path (and any query value) as sent, undecoded,
 * so that routes match the path as sent and a percent-encoding matches
 * none (lenscap.policy(5)); returns its length. */
static size_t
keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* The daemon itself, with no socket of its own: the acceptor adds the
 * connections.  NULL after logging why. */
static struct MHD_Daemon *
start_daemon(struct server *f, const struct policy_listener *l,
             const struct policy_limits *lim)
{
	struct MHD_OptionItem opts[16];
	/* MHD_USE_ITC: added connections need it. */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_ITC |
	                     MHD_USE_NO_LISTEN_SOCKET;
	struct MHD_Daemon *mhd;
	int n = 0;

#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })
	/* The logger first, or MHD says so on stderr. */
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, f->name);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, pool_size(), NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, (lim->idle_timeout_ms + 999) / 1000, NULL);
	/* Past the policy's limits server_access answers 503; MHD's own
	 * limits, a little higher, only bound how many get that answer. */
	OPT(MHD_OPTION_CONNECTION_LIMIT, lim->max_connections + SERVER_OVERFLOW, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->max_connections_per_ip + SERVER_OVERFLOW, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, SERVER_MEMORY_LIMIT, NULL);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_escaped, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, f);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)server_completed, f);
	if (!l->plain) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, f->cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, f->key);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, tls_priorities);
		if (f->ca != NULL)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, f->ca);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	mhd = MHD_start_daemon(flags, 0, NULL, NULL, server_access, f,
	                       MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (mhd == NULL)
		log_warnx("listener %s: cannot start its HTTP daemon", l->name);
	return mhd;
}

int
server_prepare(const struct policy_listener *l, const struct policy_limits *lim,
             const struct server_ops *ops, struct server **out)
{
	struct acceptor_ops aops = { admit, room, NULL };
	struct server *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->name = strdup(l->name)) == NULL)
		goto fail;
	f->lfd = -1;
	if (load_tls(f, l) != 0 || watch_start(f, lim, ops) != 0)
		goto fail;
	if ((f->mhd = start_daemon(f, l, lim)) == NULL)
		goto fail;
	aops.cls = f;
	if (acceptor_new(f->name, &aops, &f->acc) != 0)
		goto fail;
	*out = f;
	return 0;
fail:
	if (f != NULL && f->mhd != NULL)
		MHD_stop_daemon(f->mhd);
	if (f != NULL)
		server_release(f);
	return LC_EIO;
}

void
server_listen(struct server *f, int fd)
{
	f->lfd = fd;
	acceptor_go(f->acc, fd);
}

void
server_retire(struct server *f)
{
	pthread_mutex_lock(&f->lock);
	f->draining = 1;
	f->drain_ms = lcd_mono_ms();
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

int
server_stop_accepting(struct server *f)
{
	int fd = f->lfd;

	acceptor_stop(f->acc);
	f->acc = NULL;
	f->lfd = -1;
	return fd;
}

void
server_quiesce(struct server *f)
{
	int fd;

	if (f != NULL && (fd = server_stop_accepting(f)) >= 0)
		(void)close(fd);
}

void
server_stop(struct server *f)
{
	if (f == NULL)
		return;
	server_quiesce(f);
	watch_stop(f);
	if (f->mhd != NULL)
		MHD_stop_daemon(f->mhd);
	server_release(f);
}

int
server_check_tls(const struct policy_listener *l)
{
	gnutls_certificate_credentials_t cred = NULL;
	struct server probe = { 0 };
	gnutls_datum_t cert, key, ca;
	int ok = -1;

	if (l->plain)
		return 0;
	if (load_tls(&probe, l) != 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0)
		goto out;
	cert = (gnutls_datum_t){ (unsigned char *)probe.cert, (unsigned)strlen(probe.cert) };
	key = (gnutls_datum_t){ (unsigned char *)probe.key, (unsigned)strlen(probe.key) };
	if (gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM) < 0) {
		log_warnx("listener %s: %s and %s are not a certificate and its key",
		          l->name, l->cert, l->key);
		goto out;
	}
	if (probe.ca != NULL) {
		ca = (gnutls_datum_t){ (unsigned char *)probe.ca, (unsigned)strlen(probe.ca) };
		if (gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM) <= 0) {
			log_warnx("listener %s: %s holds no CA certificate", l->name, l->client_ca);
			goto out;
		}
	}
	ok = 0;
out:
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	free(probe.cert);
	free(probe.ca);
	sodium_free(probe.key);
	return ok;
}

unsigned int
server_connections(const struct server *f)
{
	const union MHD_DaemonInfo *i =
		MHD_get_daemon_info(f->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i != NULL ? i->num_connections : 0;
}

int
server_socket(const struct server *f)
{
	return f->lfd;
}

uint16_t
server_port(const struct server *f)
{
	return acceptor_port(f->lfd);
}

const char *
server_name(const struct server *f)
{
	return f->name;
}
