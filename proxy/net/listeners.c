/*
 * The listeners of the policy in force (listeners.h).  A reload makes
 * every new server before anything changes, so that a listener that cannot
 * be bound or started refuses the reload whole; then the old servers stop
 * accepting and the new ones take their sockets.  A replaced server keeps
 * serving the connections it has until they end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/acceptor.h"
#include "io.h"
#include "num.h"
#include "net/listeners.h"
#include "log.h"

/* Replaced servers draining at once, at most: each holds its threads. */
#define RETIRED_MAX (sizeof(((struct lcd *)0)->retired) / sizeof(struct server *))
/* Handler closures: one per listener name and role that ever served.
 * Never freed while lenscapd runs, because a stream's last reference may
 * come from the backend thread after its server has stopped; hence a cap,
 * documented in lenscapd(8). */
#define CTXS_MAX 64

static struct listener_ctx *ctxs[CTXS_MAX];
static size_t nctxs;

/* Sockets systemd passed (socket activation), by name. */
static struct {
	char name[LC_DEVICE_MAX + 1]; /* a listener name */
	int fd;
} activated[LCD_LISTENERS_MAX];
static size_t nactivated;

int
listeners_take_activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	uint64_t p, n;

	if (pid == NULL || fds == NULL || num_parse_u64(pid, &p) != 0 ||
	    p != (uint64_t)getpid())
		return 0;
	if (num_parse_u64(fds, &n) != 0 || n > LCD_LISTENERS_MAX) {
		log_warnx("LISTEN_FDS: at most %d sockets", LCD_LISTENERS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *end = names ? strchr(names, ':') : NULL;
		size_t len = names ? (end ? (size_t)(end - names) : strlen(names)) : 0;

		if (len == 0 || len >= sizeof(activated[i].name)) {
			log_warnx("LISTEN_FDNAMES: socket %zu has no usable name", i);
			return -1;
		}
		memcpy(activated[i].name, names, len);
		activated[i].name[len] = '\0';
		activated[i].fd = 3 + (int)i;
		/* Not blocking: the acceptor must never wait in accept(). */
		if (fcntl(activated[i].fd, F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(activated[i].fd, F_SETFL, O_NONBLOCK | fcntl(activated[i].fd, F_GETFL)) == -1) {
			log_warn("socket %s (fd %d)", activated[i].name, activated[i].fd);
			return -1;
		}
		names = end ? end + 1 : NULL;
		nactivated++;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

/* The passed socket for a listener of this name, or -1. */
static int
activated_fd(const char *name)
{
	for (size_t i = 0; i < nactivated; i++)
		if (strcmp(activated[i].name, name) == 0)
			return activated[i].fd;
	return -1;
}

static const char *
activated_name(int fd)
{
	for (size_t i = 0; i < nactivated; i++)
		if (activated[i].fd == fd)
			return activated[i].name;
	return NULL;
}

/* Says which passed sockets no listener of d serves (they stay open, for
 * a reload that names them again). */
static void
warn_unused(const struct lcd *d)
{
	for (size_t i = 0; i < nactivated; i++) {
		size_t k = 0;

		while (k < d->nservers && server_socket(d->servers[k]) != activated[i].fd)
			k++;
		if (k == d->nservers)
			log_warnx("socket %s passed by systemd: no listener of that name",
			          activated[i].name);
	}
}

/* The closure for a server of this name and role; NULL after logging why
 * not. */
static struct listener_ctx *
ctx_for(struct lcd *d, const struct policy_listener *l)
{
	size_t len = strlen(l->name);
	struct listener_ctx *c;

	for (size_t i = 0; i < nctxs; i++)
		if (ctxs[i]->role == (int)l->role && strcmp(ctxs[i]->name, l->name) == 0)
			return ctxs[i];
	if (nctxs == CTXS_MAX) {
		log_warnx("listener %s: more than %d listener names and roles since the "
		          "start; restart lenscapd", l->name, CTXS_MAX);
		return NULL;
	}
	if (len >= sizeof(c->name) || (c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("listener %s: out of memory", l->name);
		return NULL;
	}
	c->d = d;
	c->role = (int)l->role;
	memcpy(c->name, l->name, len + 1);
	return ctxs[nctxs++] = c;
}

/* Audits a request the face's server refused for its framing. */
static void
audit_misframed(void *cls, const char *why)
{
	struct listener_ctx *fc = cls;
	struct audit_event ev = { .event = "deny", .face = fc->name, .detail = why };

	(void)audit_log(fc->d->audit, &ev);
}

/* A camera face's request may carry a body (the frame). */
static int
camera_takes_body(void *cls, const char *method, const char *url, int chunked)
{
	(void)cls, (void)method, (void)url, (void)chunked;
	return 1;
}

/* The handlers for a face of this role; the camera face takes request
 * bodies, the assistant face only on its platform routes. */
static struct server_ops
ops_for(struct listener_ctx *fc)
{
	struct metrics *m = &fc->d->metrics;
	enum metrics_face mf = lcd_metrics_face(fc->role);
	struct server_ops ops = { admin_access, admin_completed, fc,
	                        &m->conns_refused[mf], &m->heads_late[mf], NULL,
	                        audit_misframed };

	if (fc->role == POLICY_ROLE_ASSISTANT) {
		ops.access = assistant_access;
		ops.completed = assistant_completed;
		ops.takes_body = assistant_takes_body;
	} else if (fc->role == POLICY_ROLE_CAMERA) {
		ops.access = camera_access;
		ops.completed = camera_completed;
		ops.takes_body = camera_takes_body;
	}
	return ops;
}

/* A server for l, not yet accepting; 0 or -1 after logging why. */
static int
prepare_one(struct lcd *d, const struct lc_policy *pol, const struct policy_listener *l,
            struct server **out)
{
	struct listener_ctx *fc = ctx_for(d, l);
	struct server_ops ops;

	if (fc == NULL)
		return -1;
	ops = ops_for(fc);
	return server_prepare(l, policy_limits(pol), &ops, out) == 0 ? 0 : -1;
}

static void
log_listening(const struct policy_listener *l, int fd)
{
	const char *passed = activated_name(fd);

	log_info("listening: %s on %s%s", l->name,
	         passed != NULL ? "the socket systemd passed" : l->listen,
	         l->plain ? " (plain HTTP)" : "");
}

int
listeners_start(struct lcd *d, const struct lc_policy *pol)
{
	struct listeners_plan plan;
	/* With no servers yet, there is no old listener to look at. */
	const char *why = listeners_prepare(d, NULL, pol, &plan);

	if (why != NULL) {
		log_warnx("%s", why);
		return -1;
	}
	listeners_commit(d, pol, &plan);
	return 0;
}

/* Whether x and y are alike: name, role, address, TLS or not, client CA
 * or not. */
static int
same_listener(const struct policy_listener *x, const struct policy_listener *y)
{
	return strcmp(x->name, y->name) == 0 && x->role == y->role &&
	       strcmp(x->listen, y->listen) == 0 && x->plain == y->plain &&
	       (x->client_ca == NULL) == (y->client_ca == NULL);
}

/* Whether b has a listener like x. */
static int
has_listener(const struct lc_policy *b, const struct policy_listener *x)
{
	for (size_t i = 0; i < policy_listener_count(b); i++)
		if (same_listener(x, policy_listener(b, i)))
			return 1;
	return 0;
}

/* Whether two policies have the same listeners, in any order. */
static int
same_listeners(const struct lc_policy *a, const struct lc_policy *b)
{
	size_t n = policy_listener_count(a);

	if (n != policy_listener_count(b))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!has_listener(b, policy_listener(a, i)))
			return 0;
	return 1;
}

/* Keeps, for listener i of pol, the old server of a listener alike that
 * would be made the same now (server_unchanged()), with its socket and
 * its connections; 0, or -1 if there is none. */
static int
keep_unchanged(struct lcd *d, const struct lc_policy *old, const struct lc_policy *pol,
               struct listeners_plan *p, size_t i)
{
	const struct policy_listener *l = policy_listener(pol, i);

	for (size_t j = 0; j < d->nservers; j++) {
		if (!same_listener(policy_listener(old, j), l))
			continue;
		if (!server_unchanged(d->servers[j], l, policy_limits(pol)))
			return -1;
		p->servers[i] = d->servers[j];
		p->fd[i] = server_socket(d->servers[j]);
		p->kept[i] = p->stays[j] = p->taken[j] = 1;
		return 0;
	}
	return -1;
}

/* The socket systemd passed for l, taken from the old server that has it. */
static int
take_passed(struct lcd *d, const struct policy_listener *l, struct listeners_plan *p,
            size_t i)
{
	int fd = activated_fd(l->name);

	if (fd < 0)
		return -1;
	for (size_t j = 0; j < d->nservers; j++)
		if (server_socket(d->servers[j]) == fd)
			p->taken[j] = 1;
	p->fd[i] = fd;
	return 0;
}

/* The socket of an old server on l's address (of l's name too, if
 * same_name), unless another new listener took it already. */
static int
take_old(struct lcd *d, const struct lc_policy *old, const struct policy_listener *l,
         struct listeners_plan *p, size_t i, int same_name)
{
	for (size_t j = 0; j < d->nservers; j++) {
		const struct policy_listener *o = policy_listener(old, j);
		int fd = server_socket(d->servers[j]);

		if (p->taken[j] || fd < 0 || activated_name(fd) != NULL ||
		    strcmp(o->listen, l->listen) != 0 ||
		    (same_name && strcmp(o->name, l->name) != 0))
			continue;
		p->taken[j] = 1;
		p->fd[i] = fd;
		return 0;
	}
	return -1;
}

/*
 * The socket each new listener will accept on: systemd's of its name;
 * else that of the old listener of the same name on the same address
 * (so that a listener on port 0 keeps its port); else that of any old
 * listener on that address (a listener renamed, or two that traded
 * places); else a new one, bound now.  0, or -1 after logging why.
 */
static int
choose_sockets(struct lcd *d, const struct lc_policy *old, const struct lc_policy *pol,
               struct listeners_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_listener *l = policy_listener(pol, i);

		if (!p->kept[i] && take_passed(d, l, p, i) != 0)
			(void)take_old(d, old, l, p, i, 1);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->fd[i] < 0)
			(void)take_old(d, old, policy_listener(pol, i), p, i, 0);
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_listener *l = policy_listener(pol, i);

		if (p->fd[i] >= 0)
			continue;
		if ((p->fd[i] = acceptor_listen(l)) < 0) {
			(void)snprintf(p->why, sizeof(p->why), "listener %s cannot listen on %s",
			               l->name, l->listen);
			return -1;
		}
		p->bound[i] = 1;
	}
	return 0;
}

const char *
listeners_prepare(struct lcd *d, const struct lc_policy *old, const struct lc_policy *pol,
                  struct listeners_plan *p)
{
	size_t n = policy_listener_count(pol);

	memset(p, 0, sizeof(*p));
	p->nctxs = nctxs;
	for (size_t i = 0; i < LCD_LISTENERS_MAX; i++)
		p->fd[i] = -1;
	if (n > LCD_LISTENERS_MAX) { /* the loader refuses it; the arrays rely on it */
		(void)snprintf(p->why, sizeof(p->why), "more than %d listeners", LCD_LISTENERS_MAX);
		return p->why;
	}
	if (d->nretired + d->nservers > RETIRED_MAX) {
		if (same_listeners(old, pol)) {
			p->keep = 1;
			return NULL;
		}
		(void)snprintf(p->why, sizeof(p->why),
		               "listeners changed while %zu replaced ones still drain",
		               d->nretired);
		return p->why;
	}
	for (; p->n < n; p->n++) {
		const struct policy_listener *l = policy_listener(pol, p->n);

		if (keep_unchanged(d, old, pol, p, p->n) == 0)
			continue;
		if (prepare_one(d, pol, l, &p->servers[p->n]) != 0) {
			(void)snprintf(p->why, sizeof(p->why), "listener %s cannot start", l->name);
			listeners_abandon(p);
			return p->why;
		}
	}
	if (choose_sockets(d, old, pol, p) != 0) {
		listeners_abandon(p);
		return p->why;
	}
	return NULL;
}

void
listeners_abandon(struct listeners_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (!p->kept[i])
			server_stop(p->servers[i]);
		if (p->bound[i])
			(void)close(p->fd[i]);
		p->servers[i] = NULL;
		p->bound[i] = p->kept[i] = 0;
	}
	p->n = 0;
	/* Closures made for these servers, which never accepted a connection. */
	while (nctxs > p->nctxs)
		free(ctxs[--nctxs]);
}

/* Puts the kept servers in pol's order (it has the same listeners, by
 * name), so that server i stays listener i of the policy in force: the next
 * reload hands sockets on by that. */
static void
keep_servers(struct lcd *d, const struct lc_policy *pol)
{
	struct server *kept[LCD_LISTENERS_MAX];

	for (size_t i = 0; i < d->nservers; i++)
		for (size_t j = 0; j < d->nservers; j++)
			if (strcmp(server_name(d->servers[j]), policy_listener(pol, i)->name) == 0)
				kept[i] = d->servers[j];
	memcpy(d->servers, kept, d->nservers * sizeof(kept[0]));
}

void
listeners_commit(struct lcd *d, const struct lc_policy *pol, struct listeners_plan *p)
{
	if (p->keep) {
		keep_servers(d, pol);
		log_warnx("%zu replaced listeners still drain: the listeners are kept, "
		          "with their TLS material and connection limits unchanged",
		          d->nretired);
		return;
	}
	for (size_t j = 0; j < d->nservers; j++) {
		int fd;

		if (p->stays[j])
			continue;
		fd = server_stop_accepting(d->servers[j]);

		/* Systemd's sockets stay open for a reload that names them. */
		if (fd >= 0 && !p->taken[j] && activated_name(fd) == NULL)
			(void)close(fd);
		server_retire(d->servers[j]);
		d->retired[d->nretired++] = d->servers[j];
	}
	for (size_t i = 0; i < p->n; i++) {
		d->servers[i] = p->servers[i];
		if (p->kept[i])
			continue;
		server_listen(p->servers[i], p->fd[i]);
		log_listening(policy_listener(pol, i), p->fd[i]);
	}
	d->nservers = p->n;
	p->n = 0;
	warn_unused(d);
}

void
listeners_reap(struct lcd *d, int all)
{
	size_t keep = 0;

	for (size_t i = 0; i < d->nretired; i++) {
		if (all || server_connections(d->retired[i]) == 0)
			server_stop(d->retired[i]);
		else
			d->retired[keep++] = d->retired[i];
	}
	d->nretired = keep;
}

void
listeners_quiesce(struct lcd *d)
{
	for (size_t i = 0; i < d->nservers; i++)
		server_quiesce(d->servers[i]);
}

void
listeners_stop(struct lcd *d)
{
	listeners_reap(d, 1);
	for (size_t i = 0; i < d->nservers; i++)
		server_stop(d->servers[i]);
	d->nservers = 0;
	while (nctxs > 0)
		free(ctxs[--nctxs]);
}

int
listeners_write_ports(struct lcd *d, const char *path)
{
	/* Room for every line: names are at most LC_DEVICE_MAX bytes. */
	char text[LCD_LISTENERS_MAX * (LC_DEVICE_MAX + sizeof(" 65535\n"))];
	size_t n = 0;

	for (size_t i = 0; i < d->nservers; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %u\n",
		                      server_name(d->servers[i]), server_port(d->servers[i]));
	return io_write_all(path, text, n);
}
