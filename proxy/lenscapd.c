/*
 * lenscapd: the proxy.  Loads the policy, opens the listeners it names,
 * and waits for signals: SIGHUP reloads the policy atomically, SIGUSR1
 * reopens the audit trail, SIGTERM and SIGINT stop.  See lenscapd(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <sodium.h>

#include "cli.h"
#include "config.h"
#if defined(HAVE_MALLOC_H) && defined(HAVE_MALLOPT)
#include <malloc.h>
#endif
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "relay_mjpeg.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_POLICY SYSCONFDIR "/lenscap/lenscap.json"
#define DEFAULT_GRACE_S 10

/* Keep in step with man/lenscapd.8; a test compares them. */
static const char usage_text[] =
	"usage: lenscapd [-ftv] [-A audit] [-c policy] [-g seconds] [-P portfile]\n"
	"                [-p pidfile]\n"
	"       lenscapd -h | --help | -V | --version\n"
	"\n"
	"  -A FILE     write the audit trail to FILE (default: standard error)\n"
	"  -c PATH     the policy file or directory (default " DEFAULT_POLICY ")\n"
	"  -f          stay in the foreground, log to standard error\n"
	"  -g SECONDS  grace period for requests in flight on SIGTERM (default 10)\n"
	"  -P FILE     write each listener's name and bound port to FILE\n"
	"  -p FILE     write the process id to FILE\n"
	"  -t          check the policy, its TLS material and ingest key, and exit\n"
	"  -v          log more (twice: debug)\n"
	"  -h, --help  show this help\n"
	"  -V, --version  show the version\n";

struct options {
	const char *policy, *audit, *pidfile, *portfile;
	int foreground, test, verbose;
	unsigned grace_s;
};

static int
parse_options(int argc, char **argv, struct options *o)
{
	uint64_t v;
	int c;

	o->policy = DEFAULT_POLICY;
	o->grace_s = DEFAULT_GRACE_S;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		exit(0);
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		printf("lenscapd %s\n", PACKAGE_VERSION);
		exit(0);
	}
	while ((c = getopt(argc, argv, "A:c:fg:P:p:tv")) != -1) {
		switch (c) {
		case 'A': o->audit = optarg; break;
		case 'c': o->policy = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'P': o->portfile = optarg; break;
		case 'p': o->pidfile = optarg; break;
		case 't': o->test = 1; break;
		case 'v': o->verbose++; break;
		case 'g':
			if (cli_parse_u64(optarg, &v) != 0 || v > 3600) {
				fprintf(stderr, "lenscapd: -g takes seconds, at most 3600\n");
				return -1;
			}
			o->grace_s = (unsigned)v;
			break;
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return -1;
	}
	return 0;
}

/* Writes "name port" lines for every listener, atomically. */
static int
write_ports(struct lcd *d, const char *path)
{
	char text[1024];
	size_t n = 0;

	for (size_t i = 0; i < d->nfaces; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %u\n",
		                      face_name(d->faces[i]), face_port(d->faces[i]));
	return cli_write_all(path, text, n);
}

static int
write_pid(const char *path)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());

	return cli_write_all(path, text, (size_t)n);
}

static struct face_ctx ctxs[LCD_FACES_MAX];

/* Sockets systemd passed (socket activation), by name. */
#define ACTIVATED_MAX LCD_FACES_MAX
static struct {
	char name[64];
	int fd;
	int used;
} activated[ACTIVATED_MAX];
static size_t nactivated;

/*
 * Takes the sockets of $LISTEN_FDS (from fd 3) when $LISTEN_PID is this
 * process, named by $LISTEN_FDNAMES (colon-separated, as systemd's
 * FileDescriptorName= sets them).  The variables are then removed, so
 * that no child takes them for its own.  0, or -1 after logging why.
 */
static int
take_activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	uint64_t p, n;

	if (pid == NULL || fds == NULL || cli_parse_u64(pid, &p) != 0 ||
	    p != (uint64_t)getpid())
		return 0;
	if (cli_parse_u64(fds, &n) != 0 || n > ACTIVATED_MAX) {
		log_warnx("LISTEN_FDS: at most %d sockets", ACTIVATED_MAX);
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
		if (fcntl(activated[i].fd, F_SETFD, FD_CLOEXEC) == -1) {
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
	for (size_t i = 0; i < nactivated; i++) {
		if (strcmp(activated[i].name, name) == 0) {
			activated[i].used = 1;
			return activated[i].fd;
		}
	}
	return -1;
}

/* The handlers for a face of this role. */
static struct face_ops
ops_for(struct face_ctx *fc)
{
	struct metrics *m = &fc->d->metrics;
	enum metrics_face mf = lcd_metrics_face(fc->role);
	struct face_ops ops = { admin_access, admin_completed, fc,
	                        &m->conns_refused[mf], &m->heads_late[mf] };

	if (fc->role == POLICY_ROLE_ASSISTANT) {
		ops.access = assistant_access;
		ops.completed = assistant_completed;
	} else if (fc->role == POLICY_ROLE_CAMERA) {
		ops.access = camera_access;
		ops.completed = camera_completed;
	}
	return ops;
}

/* Starts one face per listener of the policy. */
static int
start_faces(struct lcd *d, const struct lc_policy *pol)
{
	size_t n = policy_listener_count(pol);

	if (n > LCD_FACES_MAX) {
		log_warnx("at most %d listeners", LCD_FACES_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct policy_listener *l = policy_listener(pol, i);
		struct face_ops ops;
		int fd;

		ctxs[i] = (struct face_ctx){ .d = d, .role = l->role };
		if ((size_t)snprintf(ctxs[i].name, sizeof(ctxs[i].name), "%s", l->name) >=
		    sizeof(ctxs[i].name)) {
			log_warnx("listener name too long: %s", l->name);
			return -1;
		}
		ops = ops_for(&ctxs[i]);
		fd = activated_fd(l->name);
		if (face_start(l, policy_limits(pol), fd, &ops, &d->faces[d->nfaces]) != 0)
			return -1;
		d->nfaces++;
		log_info("listening: %s on %s%s", l->name,
		         fd >= 0 ? "the socket systemd passed" : l->listen,
		         l->plain ? " (plain HTTP)" : "");
	}
	for (size_t i = 0; i < nactivated; i++)
		if (!activated[i].used)
			log_warnx("socket %s passed by systemd: no listener of that name",
			          activated[i].name);
	return 0;
}

/* Loads the policy's ingest key, if it names one (else *out = NULL),
 * which the policy's keys must trust for every device; NULL, or why not
 * (logged). */
static const char *
load_ingest(const struct lc_policy *pol, struct lcd_ingest **out)
{
	const char *path = policy_ingest_key(pol);

	*out = NULL;
	if (path == NULL)
		return NULL;
	if (lcd_ingest_load(path, out) != 0)
		return "ingest key unusable";
	if (lcd_ingest_trusted(*out, pol) != 0) {
		lcd_ingest_put(*out);
		*out = NULL;
		return "ingest key not trusted by the policy's keys";
	}
	return NULL;
}

/* Whether two policies have the same listeners (names, roles, addresses,
 * TLS or not): those are bound at start and need a restart to change. */
static int
same_listeners(const struct lc_policy *a, const struct lc_policy *b)
{
	size_t n = policy_listener_count(a);

	if (n != policy_listener_count(b))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct policy_listener *x = policy_listener(a, i), *y = policy_listener(b, i);

		if (strcmp(x->name, y->name) != 0 || x->role != y->role ||
		    strcmp(x->listen, y->listen) != 0 || x->plain != y->plain ||
		    (x->client_ca == NULL) != (y->client_ca == NULL))
			return 0;
	}
	return 1;
}

/* Gives every TLS face the new policy's certificate, key and client CA.
 * The old daemons keep their connections until these end. */
static void
renew_faces(struct lcd *d, const struct lc_policy *old, const struct lc_policy *pol)
{
	for (size_t i = 0; i < d->nfaces; i++) {
		const struct policy_listener *l = policy_listener(pol, i);
		struct face_ops ops = ops_for(&ctxs[i]);
		struct face *nf = NULL;

		if (l->plain || d->nretired == sizeof(d->retired) / sizeof(*d->retired))
			continue;
		if (face_renew(d->faces[i], l, policy_listener(old, i), policy_limits(pol),
		               &ops, &nf) == LC_EFORMAT)
			continue;
		if (nf == NULL) {
			/* It keeps its connections and stays in d->faces, to be
			 * stopped at shutdown: retired too, it would be stopped
			 * once idle and leave d->faces pointing at freed memory. */
			log_warnx("listener %s is no longer accepting", l->name);
			continue;
		}
		d->retired[d->nretired++] = d->faces[i];
		d->faces[i] = nf;
	}
}

/* Stops renewed daemons whose last connection has ended (all, if all). */
static void
reap_retired(struct lcd *d, int all)
{
	size_t keep = 0;

	for (size_t i = 0; i < d->nretired; i++) {
		if (all || face_connections(d->retired[i]) == 0)
			face_stop(d->retired[i]);
		else
			d->retired[keep++] = d->retired[i];
	}
	d->nretired = keep;
}

/* Checks every TLS listener's files of pol; 0 or -1. */
static int
check_tls(const struct lc_policy *pol)
{
	int bad = 0;

	for (size_t i = 0; i < policy_listener_count(pol); i++)
		bad |= face_check_tls(policy_listener(pol, i)) != 0;
	return bad ? -1 : 0;
}

/* Checks pol against the one in force and reads what it names; NULL
 * when it may take effect, else why not (logged). */
static const char *
reload_refusal(struct lcd *d, const char *path, const struct lc_policy *old,
               const struct lc_policy *pol, struct lcd_ingest **ingest)
{
	const char *why = NULL;

	if (!same_listeners(old, pol))
		why = "listeners changed, which needs a restart";
	else if (check_tls(pol) != 0)
		why = "TLS material unusable";
	else if ((why = load_ingest(pol, ingest)) == NULL &&
	         upstream_configure(d->up, policy_backend(pol)) != 0)
		why = "out of memory"; /* nothing has changed yet */
	if (why != NULL)
		log_warnx("reload of %s refused: %s", path, why);
	return why;
}

/* SIGHUP: a new policy, and the TLS material, ingest key and backend
 * settings it names, take effect whole, or not at all. */
static void
reload(struct lcd *d, const char *path)
{
	struct audit_event ev = { .event = "reload" };
	struct lc_policy *pol = NULL, *old = lcd_policy(d);
	struct lcd_ingest *ingest = NULL;
	char why[96];
	const char *no;
	int taken = 0;

	(void)notify_reloading();
	ev.detail = "refused: the old policy stays in force";
	if (policy_load(path, &pol, stderr) != 0) {
		log_warnx("reload of %s refused; the old policy stays in force", path);
	} else if ((no = reload_refusal(d, path, old, pol, &ingest)) != NULL) {
		(void)snprintf(why, sizeof(why), "refused: %s", no);
		ev.detail = why;
		lcd_ingest_put(ingest);
	} else {
		renew_faces(d, old, pol);
		lcd_set_ingest(d, ingest);
		lcd_set_policy(d, pol);
		pol = NULL;
		taken = 1;
		ev.detail = "policy in force";
		log_info("reloaded %s", path);
	}
	if (taken)
		d->metrics.reloads++;
	else
		d->metrics.reload_failures++;
	policy_free(pol);
	policy_free(old);
	(void)audit_log(d->audit, &ev);
	(void)notify_send("READY=1");
}

/* SIGTERM: stop accepting, give requests in flight the grace period,
 * then cancel what is left (which resumes every suspended connection)
 * and stop. */
static void
shut_down(struct lcd *d, unsigned grace_s)
{
	d->stopping = 1;
	(void)notify_send("STOPPING=1");
	for (size_t i = 0; i < d->nfaces; i++)
		face_quiesce(d->faces[i]);
	for (unsigned t = 0; t < grace_s * 10 && d->metrics.active_streams > 0; t++)
		usleep(100000);
	mjpeg_watchdog_stop(); /* ends every stream and resumes it */
	upstream_free(d->up);
	d->up = NULL;
	reap_retired(d, 1);
	for (size_t i = 0; i < d->nfaces; i++)
		face_stop(d->faces[i]);
	d->nfaces = 0;
}

static int
serve(struct lcd *d, const struct options *o)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	(void)notify_send("READY=1");
	log_info("ready");
	for (;;) {
		struct timespec tick = { 1, 0 };

		sig = sigtimedwait(&set, NULL, &tick);
		if (d->nretired > 0)
			reap_retired(d, 0);
		if (sig == -1)
			continue; /* the tick, or EINTR */
		if (sig == SIGHUP)
			reload(d, o->policy);
		else if (sig == SIGUSR1)
			(void)audit_reopen(d->audit);
		else
			break;
	}
	log_info("stopping");
	shut_down(d, o->grace_s);
	return 0;
}

/* Blocks the signals that serve() waits for, in every thread to come. */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* -t: what a start would read beside the policy (its TLS material and
 * ingest key); 0, or 1 after logging what is wrong. */
static int
check_material(const struct lc_policy *pol)
{
	struct lcd_ingest *k;
	int bad = check_tls(pol) != 0;

	bad |= load_ingest(pol, &k) != NULL;
	lcd_ingest_put(k);
	return bad;
}

static int
start(struct lcd *d, const struct options *o)
{
	if (audit_open(o->audit, &d->audit) != 0 || load_ingest(d->pol, &d->ingest) != NULL ||
	    upstream_new(policy_backend(d->pol), &d->metrics, &d->up) != 0 ||
	    mjpeg_watchdog_start(d) != 0 || start_faces(d, d->pol) != 0)
		return -1;
	if (o->portfile != NULL && write_ports(d, o->portfile) != 0)
		return -1;
	if (o->pidfile != NULL && write_pid(o->pidfile) != 0)
		return -1;
	return 0;
}

static void
release(struct lcd *d, const struct options *o)
{
	if (d->up != NULL || d->nfaces > 0)
		shut_down(d, 0);
	lcd_set_ingest(d, NULL);
	audit_close(d->audit);
	policy_free(d->pol);
	if (o->pidfile != NULL)
		(void)unlink(o->pidfile);
}

/*
 * Every still is a frame-sized buffer allocated on one thread and freed
 * on another once answered.  glibc gives the free top of a heap back to
 * the kernel once it passes a threshold that starts at 128 KiB, so
 * lenscapd faulted fresh pages in for many frames: about 15 us of the 205 a
 * 100 KiB still cost (contrib/bench).  Each heap now keeps up to
 * MALLOC_KEEP free, and frames up to MALLOC_HEAP_MAX come from the
 * heaps, not from mmap().  Peak memory is unchanged: only what was in
 * use is kept.
 */
#define MALLOC_KEEP (4 << 20)
#define MALLOC_HEAP_MAX (1 << 20)

static void
tune_malloc(void)
{
#if defined(HAVE_MALLOC_H) && defined(HAVE_MALLOPT)
	if (mallopt(M_TRIM_THRESHOLD, MALLOC_KEEP) != 1 ||
	    mallopt(M_MMAP_THRESHOLD, MALLOC_HEAP_MAX) != 1)
		log_debug("mallopt refused (a sanitizer's allocator?): defaults kept");
#endif
}

int
main(int argc, char **argv)
{
	static struct lcd d;
	struct options o = { 0 };
	struct lc_policy *pol = NULL;
	int ret = 1;

	if (parse_options(argc, argv, &o) != 0)
		return 2;
	log_init("lenscapd", o.verbose > 1 ? LOG_LEVEL_DEBUG : o.verbose ? LOG_LEVEL_INFO
	                                                         : LOG_LEVEL_WARN, 0);
	/* Before anything calls sodium_malloc (TLS keys, not only the
	 * ingest key, live there). */
	if (sodium_init() < 0)
		fatalx("libsodium cannot be initialised");
	if (take_activated() != 0)
		return 1;
	if (policy_load(o.policy, &pol, stderr) != 0) {
		fprintf(stderr, "lenscapd: %s: policy invalid\n", o.policy);
		return 1;
	}
	if (o.test) {
		ret = check_material(pol);
		if (ret == 0)
			printf("%s: policy OK\n", o.policy);
		else
			fprintf(stderr, "lenscapd: %s: the policy is valid, but not what it names\n",
			        o.policy);
		policy_free(pol);
		return ret;
	}
	tune_malloc();
	if (!o.foreground && daemon(1, 0) == -1)
		fatal("daemon");
	if (!o.foreground)
		log_init("lenscapd", log_get_level(), 1);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	block_signals();
	pthread_mutex_init(&d.lock, NULL);
	d.pol = pol;
	if (start(&d, &o) == 0)
		ret = serve(&d, &o);
	release(&d, &o);
	curl_global_cleanup();
	return ret;
}
