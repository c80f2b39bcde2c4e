/*
 * lenscapd: the proxy.  Loads the policy, opens the listeners it names,
 * and waits for signals: SIGHUP reloads the policy atomically, SIGUSR1
 * reopens the audit trail, SIGTERM and SIGINT stop.  See lenscapd(8).
 */
#include <errno.h>
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

#include "io.h"
#include "num.h"
#include "config.h"
#if defined(HAVE_MALLOC_H) && defined(HAVE_MALLOPT)
#include <malloc.h>
#endif
#include "clock.h"
#include "daemon.h"
#include "camera/seal.h"
#include "net/listeners.h"
#include "log.h"
#include "notify.h"
#include "assistant/relay_mjpeg.h"
#include "assistant/introspect.h"
#include "platform/presence.h"
#include "platform/revoke.h"
#include "reload.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_POLICY SYSCONFDIR "/lenscap/lenscap.json"
#define DEFAULT_GRACE_S 10

/* Keep in step with man/lenscapd.8; a test compares them. */
static const char usage_text[] =
	"usage: lenscapd [-ftv] [-A audit] [-c policy] [-D seconds] [-g seconds]\n"
	"                [-P portfile] [-p pidfile]\n"
	"       lenscapd -h | --help | -V | --version\n"
	"\n"
	"  -A FILE     write the audit trail to FILE (default: standard error)\n"
	"  -c PATH     the policy file or directory (default " DEFAULT_POLICY ")\n"
	"  -D SECONDS  on SIGTERM, report draining on /healthz this long before\n"
	"              closing the listeners (default 0)\n"
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
	unsigned grace_s, drain_s;
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
	while ((c = getopt(argc, argv, "A:c:D:fg:P:p:tv")) != -1) {
		switch (c) {
		case 'A': o->audit = optarg; break;
		case 'c': o->policy = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'P': o->portfile = optarg; break;
		case 'p': o->pidfile = optarg; break;
		case 't': o->test = 1; break;
		case 'v': o->verbose++; break;
		case 'D':
		case 'g':
			if (num_parse_u64(optarg, &v) != 0 || v > 3600) {
				fprintf(stderr, "lenscapd: -%c takes seconds, at most 3600\n", c);
				return -1;
			}
			*(c == 'g' ? &o->grace_s : &o->drain_s) = (unsigned)v;
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

static int
write_pid(const char *path)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());

	return io_write_all(path, text, (size_t)n);
}

/* SIGTERM, first: /healthz answers "draining" (503) while every listener
 * still accepts, for drain_s seconds or until a second SIGTERM or SIGINT,
 * so that a load balancer's health check takes the instance out before
 * its listeners close. */
static void
drain(struct lcd *d, unsigned drain_s)
{
	struct timespec left = { (time_t)drain_s, 0 };
	sigset_t set;

	d->stopping = 1;
	(void)notify_send("STOPPING=1");
	if (drain_s == 0)
		return;
	log_info("draining for %u s", drain_s);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* The rest of the wait after a signal that does not end it (EINTR). */
	for (;;) {
		struct timespec t0, t1;

		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sigtimedwait(&set, NULL, &left) != -1 || errno != EINTR)
			return;
		(void)clock_gettime(CLOCK_MONOTONIC, &t1);
		left.tv_sec -= t1.tv_sec - t0.tv_sec;
		left.tv_nsec -= t1.tv_nsec - t0.tv_nsec;
		while (left.tv_nsec < 0) {
			left.tv_nsec += 1000000000L;
			left.tv_sec--;
		}
		if (left.tv_sec < 0)
			return;
	}
}

/* SIGTERM, then: stop accepting, give requests in flight the grace period,
 * then cancel what is left (which resumes every suspended connection)
 * and stop.  Kept-alive connections may still ask until the servers stop:
 * the backend refuses them (502), so that none is left suspended, and
 * it is freed only once no server thread can reach it. */
static void
shut_down(struct lcd *d, unsigned grace_s)
{
	listeners_quiesce(d);
	for (unsigned t = 0; t < grace_s * 10 && d->metrics.active_streams > 0; t++)
		usleep(100000);
	mjpeg_watchdog_stop(); /* ends every stream and resumes it */
	upstream_stop(d->up);
	listeners_stop(d);
	upstream_free(d->up);
	d->up = NULL;
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
			listeners_reap(d, 0);
		if (d->nsuperseded > 0)
			reload_reap(d, 0);
		if (sig == -1)
			continue; /* the tick, or EINTR */
		if (sig == SIGHUP)
			reload(d, o->policy, o->portfile);
		else if (sig == SIGUSR1)
			(void)audit_reopen(d->audit);
		else
			break;
	}
	log_info("stopping");
	drain(d, o->drain_s);
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
	struct seal_key *k;
	int bad = reload_check_tls(pol) != 0;

	bad |= reload_load_ingest(pol, &k) != NULL;
	seal_key_put(k);
	return bad;
}

static int
start(struct lcd *d, const struct options *o)
{
	if (audit_open(o->audit, &d->audit) != 0 || reload_load_ingest(d->pol, &d->ingest) != NULL ||
	    upstream_new(policy_backend(d->pol), &d->metrics, &d->up) != 0 ||
	    (d->icache = icache_new()) == NULL ||
	    (d->presence = presence_new()) == NULL ||
	    (d->revoked = revocations_new()) == NULL)
		return -1;
	/* The lifetimes are known before the first request can unlink. */
	revocations_policy(d->revoked, d->pol);
	if (mjpeg_watchdog_start(d) != 0 || listeners_start(d, d->pol) != 0)
		return -1;
	if (o->portfile != NULL && listeners_write_ports(d, o->portfile) != 0)
		return -1;
	if (o->pidfile != NULL && write_pid(o->pidfile) != 0)
		return -1;
	return 0;
}

static void
release(struct lcd *d, const struct options *o)
{
	if (d->up != NULL || d->nservers > 0)
		shut_down(d, 0);
	seal_key_install(d, NULL);
	audit_close(d->audit);
	icache_free(d->icache);
	d->icache = NULL;
	presence_free(d->presence);
	d->presence = NULL;
	revocations_free(d->revoked);
	d->revoked = NULL;
	reload_reap(d, 1);
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
	if (listeners_take_activated() != 0)
		return 1;
	if (reload_load_policy(o.policy, 0, &pol) != 0) {
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
