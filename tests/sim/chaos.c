/*
 * chaos: a vendor backend that misbehaves on a seeded schedule.  It
 * serves sealed frames of devices cam-1..cam-N (two a account: cam-1 and
 * cam-2 are acct-1's) as snapshots (GET /frames/cam-N/latest.lcf) and
 * MJPEG streams (GET /streams/cam-N/live.mjpeg), and on the schedule
 * faults them in every way faults.h lists.  Every fault it injects is a
 * JSON line in the report, with the X-Request-Id lenscapd sent, so that
 * a test can find each one in lenscapd's audit trail.
 *
 * The frames are sealed with lenscapd's ingest key (standing for the
 * store of frames lenscapd sealed), so that stale frames can be made on
 * demand; the bytes inside are sim_frame()'s, which the assistant
 * simulator recomputes.  It is a test tool: it trusts its options.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lenscap.h"
#include "chaos.h"

struct chaos C;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: chaos -k DIR -P PORTFILE [-c CERT -K KEY] [-s SEED] [-r RATE]\n"
	    "             [-f FAULTS] [-R REPORT] [-d DEVICES] [-b BYTES] [-n FRAMES]\n"
	    "             [-i MS] [-m MAXBYTES] [-w MS] [-S MS] [-M MODE]\n"
	    "  -k DIR      ingest.sec, unknown.sec, camkey.sec (trusted for the last device),\n"
	    "              ingest.mac (lenscapd's keyed seal, if present)\n"
	    "  -P FILE     write the port chosen on 127.0.0.1 there\n"
	    "  -c, -K      TLS certificate and key (else plain HTTP)\n"
	    "  -s SEED     the schedule's seed (1)\n"
	    "  -r RATE     share of frames faulted, 0..1 (0.05)\n"
	    "  -f FAULTS   comma-separated kinds, or all (all)\n"
	    "  -R FILE     the report: a JSON line per injected fault, totals at exit\n"
	    "  -d N        devices cam-1..cam-N (6)\n"
	    "  -b BYTES    base frame size (16384)\n"
	    "  -n FRAMES   frames per stream (20)\n"
	    "  -i MS       between stream frames (5)\n"
	    "  -m BYTES    the policy's max_frame_bytes, for oversize frames (1048576)\n"
	    "  -w MS       the route's freshness window, for stale frames (600000)\n"
	    "  -S MS       how long a stall lasts (3000)\n"
	    "  -M MODE     chaos (default), or an incident: redis, eufy\n");
}

static int
load_keys(const char *dir)
{
	static const char *const names[KEY_COUNT] = { "ingest.sec", "unknown.sec", "camkey.sec" };
	char path[1024];

	for (int i = 0; i < KEY_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lc_key_load_secret(path, &C.keys[i]) != 0) {
			fprintf(stderr, "chaos: cannot load %s\n", path);
			return -1;
		}
	}
	/* With lenscapd's keyed seal, its frames are MAC-sealed. */
	snprintf(path, sizeof(path), "%s/ingest.mac", dir);
	if (access(path, F_OK) == 0 && lc_mac_key_load(path, &C.mac) != 0) {
		fprintf(stderr, "chaos: cannot load %s\n", path);
		return -1;
	}
	faults_keyed_seal = C.mac != NULL;
	return 0;
}

static int
load_tls(const char *cert, const char *key)
{
	if (cert == NULL)
		return 0;
	if (gnutls_certificate_allocate_credentials(&C.creds) < 0 ||
	    gnutls_certificate_set_x509_key_file(C.creds, cert, key,
	                                         GNUTLS_X509_FMT_PEM) < 0) {
		fprintf(stderr, "chaos: cannot load %s and %s\n", cert, key);
		return -1;
	}
	return 0;
}

static int
options(int argc, char **argv, const char **portfile)
{
	const char *dir = NULL, *cert = NULL, *key = NULL, *faults = "all", *rep = NULL;
	int ch;

	C.sched.seed = 1;
	C.sched.rate = 0.05;
	C.devices = 6;
	C.base = 16384;
	C.frames = 20;
	C.interval_ms = 5;
	C.max_frame = 1048576;
	C.window_ms = 600000;
	C.stall_ms = 3000;
	C.mode = "chaos";
	while ((ch = getopt(argc, argv, "b:c:d:f:hi:k:K:m:M:n:P:r:R:s:S:w:")) != -1) {
		switch (ch) {
		case 'b': C.base = strtoul(optarg, NULL, 10); break;
		case 'c': cert = optarg; break;
		case 'd': C.devices = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': faults = optarg; break;
		case 'i': C.interval_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': dir = optarg; break;
		case 'K': key = optarg; break;
		case 'm': C.max_frame = strtoul(optarg, NULL, 10); break;
		case 'M': C.mode = optarg; break;
		case 'n': C.frames = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'P': *portfile = optarg; break;
		case 'r': C.sched.rate = strtod(optarg, NULL); break;
		case 'R': rep = optarg; break;
		case 's': C.sched.seed = strtoull(optarg, NULL, 0); break;
		case 'S': C.stall_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': C.window_ms = strtoull(optarg, NULL, 10); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (dir == NULL || *portfile == NULL || C.devices < 2 || C.base < 256 ||
	    C.base > SIM_FRAME_MAX / 4 || (cert == NULL) != (key == NULL) ||
	    mode_from_name(C.mode) < 0) {
		usage(stderr);
		return -1;
	}
	if (rep != NULL) {
		FILE *f = fopen(rep, "w");

		if (f == NULL) {
			fprintf(stderr, "chaos: %s: %s\n", rep, strerror(errno));
			return -1;
		}
		report_open(f);
	}
	C.incident = mode_from_name(C.mode);
	return schedule_enable(&C.sched, faults) == 0 && load_keys(dir) == 0 &&
	       load_tls(cert, key) == 0 ? 0 : -1;
}

static int
listen_on(const char *portfile)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	FILE *f;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 512) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
		perror("chaos: listen");
		return -1;
	}
	if ((f = fopen(portfile, "w")) == NULL || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 ||
	    fclose(f) != 0) {
		perror(portfile);
		return -1;
	}
	return fd;
}

static void *
serve_thread(void *arg)
{
	struct conn *c = arg;

	serve_connection(c);
	free(c);
	return NULL;
}

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The "server update" of MODE_EUFY. */
static void
on_usr1(int sig)
{
	(void)sig;
	atomic_store(&C.update, 1);
}

int
main(int argc, char **argv)
{
	const char *portfile = NULL;
	struct sigaction sa = { .sa_handler = on_term }, su = { .sa_handler = on_usr1 };
	pthread_attr_t attr;
	int lfd;

	if (sodium_init() < 0 || options(argc, argv, &portfile) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &su, NULL);
	if ((lfd = listen_on(portfile)) < 0)
		return 1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!stopping) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		pthread_t t;

		if (fd < 0)
			continue; /* EINTR on SIGTERM; EMFILE: try again */
		report_accepted();
		if ((c = malloc(sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (pthread_create(&t, &attr, serve_thread, c) != 0) {
			close(fd);
			free(c);
		}
	}
	report_totals();
	return 0;
}
