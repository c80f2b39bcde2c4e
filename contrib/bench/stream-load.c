/*
 * stream-load: holds N concurrent MJPEG streams open against lenscapd's
 * assistant face and counts the frames they deliver (a benchmark tool,
 * not a test).
 *
 *   stream-load -u URL_PREFIX -x URL_SUFFIX -n STREAMS -D DEVICES -f FPS -t SECONDS
 *               -c CA_FILE -T TOKEN [-r OPENS_PER_S] [-w WARMUP_S]
 *               [-s SETTLE_S] [-H HOLD_S] [-m MARKER]
 *
 * Stream i asks for URL_PREFIX, the device number i % DEVICES + 1, and
 * URL_SUFFIX.  Streams are opened at OPENS_PER_S;
 * once every stream has delivered a frame (or WARMUP_S passed) and
 * SETTLE_S more seconds passed, the measured window of SECONDS starts.
 * MARKER.start and MARKER.end are created when it starts and ends, so
 * that a script can sample the server in the same window; the streams
 * are held HOLD_S more seconds, then closed, and the totals printed as
 * "key value" lines.
 *
 * Parts are counted from their Content-Length header: a frame is
 * complete when the last byte of its body is read.  Lateness: the backend
 * paces each stream by bytes and its parts are all one size, so a
 * stream's frames should complete on a straight line t = a + p k; per
 * stream, that line is fitted to the window's frames and a frame's
 * lateness is its distance above the line, measured from the stream's
 * earliest frame.  It includes the backend's pacing jitter and this
 * client's own: an upper bound on what the relay adds.
 *
 * Uses the libcurl multi interface with curl_multi_socket_action and
 * epoll: with a thousand connections, curl_multi_perform / poll would
 * touch every connection at every wake-up.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct stream {
	CURL *h;
	int id;
	int established;   /* a 200 with a multipart Content-Type */
	int done;          /* the transfer ended */
	CURLcode result;
	long status;
	uint64_t bytes;
	uint32_t frames, frames_t0, frames_t1;
	uint64_t left;     /* body bytes of the current part still to come */
	uint64_t cl;
	int cl_seen;
	size_t llen;
	char line[256];
};

struct rec { uint32_t stream, k; double t; };

static struct rec *recs;
static size_t nrecs, caprecs;
static int ep;
static long timer_ms = -1;
static double timer_at;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
frame_done(struct stream *s)
{
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 65536;
		recs = realloc(recs, caprecs * sizeof(*recs));
		if (recs == NULL) { perror("stream-load"); exit(3); }
	}
	recs[nrecs++] = (struct rec){ (uint32_t)s->id, s->frames, now() };
	s->frames++;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *u)
{
	struct stream *s = u;
	size_t n = size * nmemb, i = 0;

	s->bytes += n;
	while (i < n) {
		if (s->left > 0) {
			size_t k = s->left < n - i ? (size_t)s->left : n - i;
			s->left -= k;
			i += k;
			if (s->left == 0)
				frame_done(s);
			continue;
		}
		char c = p[i++];
		if (c != '\n') {
			if (s->llen < sizeof(s->line) - 1)
				s->line[s->llen++] = c;
			continue;
		}
		if (s->llen > 0 && s->line[s->llen - 1] == '\r')
			s->llen--;
		s->line[s->llen] = '\0';
		if (s->llen == 0 && s->cl_seen) {
			s->cl_seen = 0;
			s->left = s->cl;
			if (s->left == 0)
				frame_done(s);
		} else if (strncasecmp(s->line, "Content-Length:", 15) == 0) {
			s->cl = strtoull(s->line + 15, NULL, 10);
			s->cl_seen = 1;
		}
		s->llen = 0;
	}
	return n;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *u)
{
	struct stream *s = u;
	size_t n = size * nmemb;
	static const char ct[] = "Content-Type: multipart/x-mixed-replace";

	if (n >= sizeof(ct) - 1 && strncasecmp(p, ct, sizeof(ct) - 1) == 0) {
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
		s->established = s->status == 200;
	}
	return n;
}

static int
on_socket(CURL *e, curl_socket_t fd, int what, void *up, void *sp)
{
	struct epoll_event ev = { 0 };
	CURLM *m = up;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
		curl_multi_assign(m, fd, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (sp == NULL) {
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
			epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
		curl_multi_assign(m, fd, (void *)1);
	} else {
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	}
	return 0;
}

static int
on_timer(CURLM *m, long ms, void *u)
{
	(void)m; (void)u;
	timer_ms = ms;
	timer_at = now() + (ms > 0 ? (double)ms / 1e3 : 0);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fputs("usage: stream-load -u URL_PREFIX -x URL_SUFFIX -n STREAMS -D DEVICES -f FPS -t SECONDS\n"
	      "                   -c CA_FILE -T TOKEN [-r OPENS_PER_S] [-w WARMUP_S]\n"
	      "                   [-s SETTLE_S] [-H HOLD_S] [-m MARKER]\n", stderr);
	exit(2);
}

static void
touch(const char *marker, const char *suffix)
{
	char path[4096];
	FILE *f;

	if (marker == NULL)
		return;
	snprintf(path, sizeof(path), "%s.%s", marker, suffix);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
}

int
main(int argc, char **argv)
{
	const char *tmpl = NULL, *suffix = "", *ca = NULL, *token = NULL, *marker = NULL;
	int nstreams = 0, ndev = 0, opt, running = 0;
	double fps = 0, secs = 0, rate = 200, warmup = 30, settle = 3, hold = 2;
	struct curl_slist *hdrs = NULL;
	struct stream *st;
	struct rlimit rl;
	char buf[4096];
	CURLM *m;

	while ((opt = getopt(argc, argv, "u:x:n:D:f:t:c:T:r:w:s:H:m:")) != -1) {
		switch (opt) {
		case 'u': tmpl = optarg; break;
		case 'x': suffix = optarg; break;
		case 'n': nstreams = atoi(optarg); break;
		case 'D': ndev = atoi(optarg); break;
		case 'f': fps = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'c': ca = optarg; break;
		case 'T': token = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 's': settle = atof(optarg); break;
		case 'H': hold = atof(optarg); break;
		case 'm': marker = optarg; break;
		default: usage();
		}
	}
	if (tmpl == NULL || ca == NULL || token == NULL || nstreams <= 0 || ndev <= 0 ||
	    fps <= 0 || secs <= 0 || rate <= 0)
		usage();

	/* Two descriptors a stream at most, and some to spare. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = (rlim_t)nstreams * 2 + 64;
		if (rl.rlim_cur < want) {
			rl.rlim_cur = want;
			if (rl.rlim_max < want)
				rl.rlim_max = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
				getrlimit(RLIMIT_NOFILE, &rl);
				rl.rlim_cur = rl.rlim_max;
				setrlimit(RLIMIT_NOFILE, &rl);
				fprintf(stderr, "stream-load: RLIMIT_NOFILE only %llu\n",
				        (unsigned long long)rl.rlim_max);
			}
		}
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) { perror("epoll"); return 3; }
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(m, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
	snprintf(buf, sizeof(buf), "Authorization: Bearer %s", token);
	hdrs = curl_slist_append(hdrs, buf);
	st = calloc((size_t)nstreams, sizeof(*st));
	if (st == NULL) { perror("stream-load"); return 3; }

	for (int i = 0; i < nstreams; i++) {
		struct stream *s = &st[i];
		s->id = i;
		s->h = curl_easy_init();
		snprintf(buf, sizeof(buf), "%s%d%s", tmpl, i % ndev + 1, suffix);
		curl_easy_setopt(s->h, CURLOPT_URL, buf);
		curl_easy_setopt(s->h, CURLOPT_CAINFO, ca);
		/* Only CA_FILE: the system store, read at every handshake, would
		 * cost more than the handshake itself. */
		curl_easy_setopt(s->h, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(s->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s);
		curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
		curl_easy_setopt(s->h, CURLOPT_BUFFERSIZE, 131072L);
		curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, 30L);
	}

	double start = now(), t_all_first = 0, t0 = 0, t1 = 0, t_end = 0;
	int added = 0, phase = 0; /* 0 warm-up, 1 settle, 2 window, 3 hold */
	struct epoll_event evs[256];

	for (;;) {
		double t = now();

		while (added < nstreams && added < (t - start) * rate + 1)
			curl_multi_add_handle(m, st[added++].h);
		if (phase == 0) {
			int all = added == nstreams;
			for (int i = 0; all && i < nstreams; i++)
				all = st[i].frames > 0 || st[i].done;
			if (all || t - start > warmup) {
				t_all_first = t - start;
				phase = 1;
			}
		}
		if (phase == 1 && t - start >= t_all_first + settle) {
			for (int i = 0; i < nstreams; i++)
				st[i].frames_t0 = st[i].frames;
			t0 = t;
			touch(marker, "start");
			phase = 2;
		}
		if (phase == 2 && t - t0 >= secs) {
			for (int i = 0; i < nstreams; i++)
				st[i].frames_t1 = st[i].frames;
			t1 = t;
			touch(marker, "end");
			phase = 3;
		}
		if (phase == 3 && t - t1 >= hold)
			break;

		int wait = 100;
		if (timer_ms >= 0) {
			double d = (timer_at - t) * 1e3;
			if (d < wait)
				wait = d < 0 ? 0 : (int)d;
		}
		int n = epoll_wait(ep, evs, 256, wait);
		for (int i = 0; i < n; i++) {
			int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			            (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			            (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
			curl_multi_socket_action(m, evs[i].data.fd, flags, &running);
		}
		if (timer_ms >= 0 && now() >= timer_at) {
			timer_ms = -1;
			curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		CURLMsg *msg;
		int q;
		while ((msg = curl_multi_info_read(m, &q)) != NULL) {
			struct stream *s;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			s->done = 1;
			s->result = msg->data.result;
			if (phase < 3)
				fprintf(stderr, "stream-load: stream %d ended at %.1f s: %s (HTTP %ld, %u frames)\n",
				        s->id, now() - start, curl_easy_strerror(s->result), s->status,
				        s->frames);
		}
	}
	t_end = now();

	/* Totals over the window. */
	int est = 0, open_end = 0, ended = 0;
	uint64_t bytes = 0, frames = 0;
	for (int i = 0; i < nstreams; i++) {
		est += st[i].established;
		open_end += !st[i].done;
		ended += st[i].done;
		frames += st[i].frames_t1 - st[i].frames_t0;
		bytes += st[i].bytes;
	}
	/* Lateness against each stream's own schedule, window frames only:
	 * a least-squares line t = a + p k through the stream's frames (the
	 * backend's pace drifts a little from the nominal one), residuals
	 * measured from the stream's earliest one. */
	double (*fit)[6] = calloc((size_t)nstreams, sizeof(*fit)); /* n Sk St Skk Skt min */
	double *late = malloc((nrecs + 1) * sizeof(*late));
	size_t nl = 0, over = 0;
	for (size_t r = 0; r < nrecs; r++) {
		struct rec *x = &recs[r];
		double *f = fit[x->stream], t = x->t - t0;
		if (x->t < t0 || x->t > t1)
			continue;
		f[0] += 1; f[1] += x->k; f[2] += t; f[3] += (double)x->k * x->k; f[4] += x->k * t;
	}
	for (int i = 0; i < nstreams; i++) {
		double *f = fit[i], d = f[0] * f[3] - f[1] * f[1];
		double p = f[0] >= 3 && d > 0 ? (f[0] * f[4] - f[1] * f[2]) / d : 1 / fps;
		double a = f[0] > 0 ? (f[2] - p * f[1]) / f[0] : 0;
		f[3] = p; f[4] = a; f[5] = 1e300;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < nrecs; r++) {
			struct rec *x = &recs[r];
			double *f = fit[x->stream];
			if (x->t < t0 || x->t > t1)
				continue;
			double res = x->t - t0 - (f[4] + f[3] * x->k);
			if (pass == 0) {
				if (res < f[5])
					f[5] = res;
				continue;
			}
			late[nl] = res - f[5];
			over += late[nl] > 0.1;
			nl++;
		}
	}
	qsort(late, nl, sizeof(*late), cmp_double);
	double sum = 0;
	for (size_t i = 0; i < nl; i++)
		sum += late[i];
	double expected = (double)nstreams * fps * (t1 - t0);
	printf("streams %d\nestablished %d\nopen_at_end %d\nended_early %d\n",
	       nstreams, est, open_end, ended);
	printf("first_frame_all_s %.2f\nwindow_s %.2f\nframes %llu\nexpected %.0f\n",
	       t_all_first, t1 - t0, (unsigned long long)frames, expected);
	printf("frames_per_s %.1f\nbytes %llu\n", frames / (t1 - t0), (unsigned long long)bytes);
	printf("late_over_100ms %zu\nlate_mean_ms %.1f\nlate_p50_ms %.1f\nlate_p99_ms %.1f\nlate_max_ms %.1f\n",
	       over, nl ? sum / nl * 1e3 : 0, nl ? late[nl / 2] * 1e3 : 0,
	       nl ? late[(size_t)(nl * 0.99)] * 1e3 : 0, nl ? late[nl - 1] * 1e3 : 0);
	printf("run_s %.1f\n", t_end - start);

	for (int i = 0; i < nstreams; i++) {
		curl_multi_remove_handle(m, st[i].h);
		curl_easy_cleanup(st[i].h);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(fit); free(late); free(st); free(recs);
	return est == nstreams && open_end == nstreams ? 0 : 1;
}
