/*
 * assistant: many assistant sessions at once against lenscapd's
 * assistant face, snapshots and MJPEG streams, until a number of frames
 * has passed the gate.  It knows the ground truth: every frame carries
 * its true device (simframe.h), so it counts frames delivered to a
 * session that may not see their device, and checks every delivered
 * frame byte for byte against what the camera made.  Meanwhile it asks
 * the health check and reads lenscapd's memory and descriptors from
 * /proc.  Prints "name value" lines; exits 1 if anything leaked, 3 if
 * the lenscapd of -p exited before the last frame (rather than spin).
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "media/multipart.h"
#include "simframe.h"

#define SLOTS_MAX 512

struct totals {
	unsigned long long requests, snapshots, streams, delivered, dropped,
		leaked, misdelivered, corrupt, other_status, no_truth, stream_cut,
		health_ok, health_bad;
	long rss_first_kb, rss_max_kb, rss_last_kb, fds_first, fds_max, fds_last;
};

static struct {
	const char *url, *cacert, *health;
	uint64_t seed;
	size_t base;
	unsigned devices, sessions, concurrency, stream_pct, fresh;
	unsigned long long frames;
	int pid;
} O = { .seed = 1, .base = 16384, .devices = 6, .sessions = 3,
        .concurrency = 16, .stream_pct = 20, .frames = 1000 };

static struct totals T;

struct xfer {
	CURL *e;
	struct curl_slist *hdr;
	char device[32];
	unsigned account;       /* 1-based */
	int stream;
	uint8_t *buf;
	size_t len, cap;
	struct mp_parser *mp;
	int mp_failed;
	uint8_t *expect;        /* scratch for the recomputed frame */
};

static int
granted(unsigned account, const char *device)
{
	int n;

	return sscanf(device, "cam-%d", &n) == 1 && (unsigned)(n + 1) / 2 == account;
}

/* One delivered frame: the truth, the session's right to it, the bytes. */
static void
check_frame(struct xfer *x, const uint8_t *p, size_t len)
{
	char dev[SIM_DEVICE_MAX + 1];
	uint64_t n;
	size_t want;

	T.delivered++;
	if (sim_truth(p, len, dev, &n) != 0) {
		T.no_truth++;
		return;
	}
	if (!granted(x->account, dev))
		T.leaked++;
	else if (strcmp(dev, x->device) != 0)
		T.misdelivered++;
	want = sim_frame(O.seed, dev, n, O.base, x->expect, SIM_FRAME_MAX);
	if (want != len || memcmp(x->expect, p, len) != 0)
		T.corrupt++;
}

static int
on_part(void *arg, const struct mp_part *part)
{
	check_frame(arg, part->body, part->body_len);
	return 0;
}

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer *x = arg;
	size_t n = sz * nm;
	char *ct = NULL, b[MP_BOUNDARY_MAX + 1];

	if (x->stream) {
		if (x->mp == NULL && !x->mp_failed) {
			curl_easy_getinfo(x->e, CURLINFO_CONTENT_TYPE, &ct);
			if (ct == NULL || mp_boundary_from_content_type(ct, b, sizeof(b)) != 0 ||
			    mp_parser_new(b, SIM_FRAME_MAX, &x->mp) != 0)
				x->mp_failed = 1;
		}
		if (x->mp != NULL && mp_feed(x->mp, (uint8_t *)p, n, on_part, x) < 0)
			x->mp_failed = 1;
		return n;
	}
	if (x->len + n > SIM_FRAME_MAX)
		return 0;
	if (x->len + n > x->cap) {
		uint8_t *nb = realloc(x->buf, x->cap = (x->len + n) * 2);

		if (nb == NULL)
			return 0;
		x->buf = nb;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	return n;
}

static unsigned long long
frames_seen(void)
{
	return T.delivered + T.dropped;
}

/* Sets x up for its next request, chosen by the seeded rng r. */
static void
next_request(struct xfer *x, uint64_t r, CURLM *m)
{
	char url[512], auth[128];
	unsigned accounts = O.devices / 2;

	x->account = 1 + (unsigned)(r % O.sessions) % accounts;
	snprintf(x->device, sizeof(x->device), "cam-%u", 2 * x->account - 1 + (unsigned)((r >> 16) & 1));
	x->stream = (r >> 20) % 100 < O.stream_pct;
	x->len = 0;
	x->mp_failed = 0;
	snprintf(url, sizeof(url), "%s/v1/cameras/%s/%s", O.url, x->device,
	         x->stream ? "live" : "snapshot");
	snprintf(auth, sizeof(auth), "Authorization: Bearer token-of-account-%u", x->account);
	curl_slist_free_all(x->hdr);
	x->hdr = curl_slist_append(NULL, auth);
	curl_easy_setopt(x->e, CURLOPT_URL, url);
	curl_easy_setopt(x->e, CURLOPT_HTTPHEADER, x->hdr);
	curl_easy_setopt(x->e, CURLOPT_CAINFO, O.cacert);
	curl_easy_setopt(x->e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->e, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(x->e, CURLOPT_FORBID_REUSE, (long)O.fresh);
	curl_multi_add_handle(m, x->e);
	T.requests++;
}

/* A finished request: its status and what it brought. */
static void
finish(struct xfer *x, CURLcode res)
{
	long code = 0;

	curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &code);
	if (x->stream) {
		T.streams++;
		if (code != 200)
			T.other_status++;
		else if (res != CURLE_OK || x->mp == NULL || mp_finish(x->mp) != MP_ENDED)
			T.stream_cut++;
		mp_parser_free(x->mp);
		x->mp = NULL;
		return;
	}
	T.snapshots++;
	if (code == 200 && res == CURLE_OK) {
		check_frame(x, x->buf, x->len);
	} else if (code == 502) {
		T.dropped++;
		if (x->len > 0 && memmem(x->buf, x->len, SIM_TRUTH, sizeof(SIM_TRUTH) - 1))
			T.leaked++;
	} else {
		T.other_status++;
	}
}

static size_t
discard(char *p, size_t sz, size_t nm, void *arg)
{
	(void)p;
	(void)arg;
	return sz * nm;
}

static long
proc_value(const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", O.pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static long
proc_fds(void)
{
	char path[64];
	struct dirent *d;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", O.pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Once a second: health, memory, descriptors, progress.  The first
 * reading of memory and descriptors is taken once a tenth of the frames
 * are through (warmed up), the last at the end. */
static void
sample(int first)
{
	CURL *h = curl_easy_init();
	long code = 0;

	if (O.health != NULL && h != NULL) {
		curl_easy_setopt(h, CURLOPT_URL, O.health);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200)
			T.health_ok++;
		else
			T.health_bad++;
	}
	curl_easy_cleanup(h);
	if (O.pid > 0) {
		T.rss_last_kb = proc_value("status", "VmRSS:");
		T.fds_last = proc_fds();
		if (first) {
			T.rss_first_kb = T.rss_last_kb;
			T.fds_first = T.fds_last;
		}
		if (T.rss_last_kb > T.rss_max_kb)
			T.rss_max_kb = T.rss_last_kb;
		if (T.fds_last > T.fds_max)
			T.fds_max = T.fds_last;
	}
	fprintf(stderr, "assistant: %llu/%llu frames, %llu dropped snapshots, %llu leaked\n",
	        frames_seen(), O.frames, T.dropped, T.leaked);
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether the watched lenscapd has exited: its requests would then fail
 * at once, for ever, and the frames never be seen. */
static int
watched_gone(void)
{
	return O.pid > 0 && kill(O.pid, 0) != 0 && errno == ESRCH;
}

/* Keeps O.concurrency requests going until O.frames frames are seen; 0,
 * 1 if the watched lenscapd exited first, or -1. */
static int
run(void)
{
	static struct xfer xs[SLOTS_MAX];
	CURLM *m = curl_multi_init();
	uint64_t r = O.seed;
	double last = mono_s();
	int running = 1, first = 1, gone = 0;

	if (m == NULL)
		return -1;
	for (unsigned i = 0; i < O.concurrency; i++) {
		if ((xs[i].e = curl_easy_init()) == NULL ||
		    (xs[i].expect = malloc(SIM_FRAME_MAX)) == NULL)
			return -1;
		curl_easy_setopt(xs[i].e, CURLOPT_PRIVATE, &xs[i]);
		next_request(&xs[i], r = sim_mix(r), m);
	}
	while (running > 0 && !gone) {
		int warm;

		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct xfer *x;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_multi_remove_handle(m, x->e);
			finish(x, msg->data.result);
			if (frames_seen() < O.frames)
				next_request(x, r = sim_mix(r), m), running++;
		}
		if (mono_s() - last >= 1.0) {
			warm = first && frames_seen() >= O.frames / 10;
			sample(warm);
			if (warm)
				first = 0;
			last = mono_s();
			gone = watched_gone();
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	sample(first);
	for (unsigned i = 0; i < O.concurrency; i++) {
		(void)curl_multi_remove_handle(m, xs[i].e);
		curl_easy_cleanup(xs[i].e);
		curl_slist_free_all(xs[i].hdr);
		free(xs[i].buf);
		free(xs[i].expect);
	}
	curl_multi_cleanup(m);
	return gone;
}

static void
print_totals(void)
{
	printf("requests %llu\nsnapshots %llu\nstreams %llu\n", T.requests, T.snapshots, T.streams);
	printf("delivered %llu\ndropped %llu\nleaked %llu\nmisdelivered %llu\n",
	       T.delivered, T.dropped, T.leaked, T.misdelivered);
	printf("corrupt %llu\nno_truth %llu\nother_status %llu\nstream_cut %llu\n",
	       T.corrupt, T.no_truth, T.other_status, T.stream_cut);
	printf("health_ok %llu\nhealth_bad %llu\n", T.health_ok, T.health_bad);
	printf("rss_first_kb %ld\nrss_max_kb %ld\nrss_last_kb %ld\n",
	       T.rss_first_kb, T.rss_max_kb, T.rss_last_kb);
	printf("fds_first %ld\nfds_max %ld\nfds_last %ld\n", T.fds_first, T.fds_max, T.fds_last);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: assistant -u URL -C CAFILE [-H HEALTH_URL] [-p PID] [-s SEED]\n"
	    "                 [-b BYTES] [-d DEVICES] [-S SESSIONS] [-c CONCURRENCY]\n"
	    "                 [-t STREAM_PERCENT] [-n FRAMES] [-F]\n"
	    "  -F  a new connection for every request (reconnect load)\n");
}

int
main(int argc, char **argv)
{
	int ch, rc;

	while ((ch = getopt(argc, argv, "b:c:C:d:Fhn:H:p:s:S:t:u:")) != -1) {
		switch (ch) {
		case 'b': O.base = strtoul(optarg, NULL, 10); break;
		case 'c': O.concurrency = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'C': O.cacert = optarg; break;
		case 'd': O.devices = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'F': O.fresh = 1; break;
		case 'n': O.frames = strtoull(optarg, NULL, 10); break;
		case 'H': O.health = optarg; break;
		case 'p': O.pid = atoi(optarg); break;
		case 's': O.seed = strtoull(optarg, NULL, 0); break;
		case 'S': O.sessions = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': O.stream_pct = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': O.url = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (O.url == NULL || O.cacert == NULL || O.devices < 2 || O.sessions < 1 ||
	    O.concurrency < 1 || O.concurrency > SLOTS_MAX) {
		usage(stderr);
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (rc = run()) < 0)
		return 2;
	print_totals();
	curl_global_cleanup();
	if (rc == 1) {
		fprintf(stderr, "assistant: lenscapd (pid %d) exited before the last frame\n",
		        O.pid);
		return 3;
	}
	return T.leaked == 0 && T.misdelivered == 0 && T.corrupt == 0 ? 0 : 1;
}
