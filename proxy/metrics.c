/*
 * Prometheus text exposition of lenscapd's counters.  The histogram
 * buckets are fixed (1 ms .. 10 s); reasons for drops come from the one
 * drop-reason table, so the metrics, the audit log and the gate agree.
 */
#include <stdarg.h>
#include <stdio.h>

#include "metrics.h"

static const uint64_t bucket_us[METRICS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 10000000
};
static const char *const face_names[METRICS_FACES] = {
	"assistant", "camera", "admin"
};

void
metrics_request(struct metrics *m, enum metrics_face face, unsigned status,
                uint64_t latency_us)
{
	unsigned cls = status / 100;

	if (m == NULL || (unsigned)face >= METRICS_FACES)
		return;
	m->requests[face][cls >= 1 && cls <= 5 ? cls - 1 : 5]++;
	for (int i = 0; i < METRICS_BUCKETS; i++)
		if (latency_us <= bucket_us[i])
			m->latency_bucket[face][i]++;
	m->latency_sum_us[face] += latency_us;
	m->latency_count[face]++;
}

void
metrics_frame_delay(struct metrics *m, uint64_t delay_us)
{
	for (int i = 0; i < METRICS_BUCKETS; i++)
		if (delay_us <= bucket_us[i])
			m->delay_bucket[i]++;
	m->delay_sum_us += delay_us;
	m->delay_count++;
}

struct out {
	char *p;
	size_t left, used;
	int full;
};

__attribute__((format(printf, 2, 3))) static void
emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->used, o->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->left) {
		o->full = 1;
		return;
	}
	o->used += (size_t)n;
	o->left -= (size_t)n;
}

static void
counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	emit(o, "# HELP lenscap_%s %s\n# TYPE lenscap_%s counter\nlenscap_%s %llu\n",
	     name, help, name, name, (unsigned long long)v);
}

static void
render_requests(struct out *o, const struct metrics *m)
{
	static const char *const cls[6] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };

	emit(o, "# HELP lenscap_requests_total Requests answered, by face and status class.\n"
	        "# TYPE lenscap_requests_total counter\n");
	for (int f = 0; f < METRICS_FACES; f++)
		for (int c = 0; c < 6; c++)
			emit(o, "lenscap_requests_total{face=\"%s\",code=\"%s\"} %llu\n",
			     face_names[f], cls[c], (unsigned long long)m->requests[f][c]);
}

/* One counter labelled by face. */
static void
by_face(struct out *o, const char *name, const char *help,
        const atomic_uint_fast64_t *v)
{
	emit(o, "# HELP lenscap_%s %s\n# TYPE lenscap_%s counter\n", name, help, name);
	for (int f = 0; f < METRICS_FACES; f++)
		emit(o, "lenscap_%s{face=\"%s\"} %llu\n", name, face_names[f],
		     (unsigned long long)v[f]);
}

static void
render_drops(struct out *o, const struct metrics *m)
{
	emit(o, "# HELP lenscap_frames_dropped_total Frames the gate dropped, by reason.\n"
	        "# TYPE lenscap_frames_dropped_total counter\n");
	for (int r = 1; r < LC_DROP_COUNT_; r++)
		emit(o, "lenscap_frames_dropped_total{reason=\"%s\"} %llu\n",
		     lc_drop_name(r), (unsigned long long)m->frames_dropped[r]);
}

/* One histogram series, labelled by face when face is not NULL. */
static void
histogram(struct out *o, const char *name, const char *face,
          const atomic_uint_fast64_t *buckets, uint64_t sum_us, uint64_t count)
{
	char with_le[48] = "", alone[48] = "";

	if (face != NULL) {
		snprintf(with_le, sizeof(with_le), "face=\"%s\",", face);
		snprintf(alone, sizeof(alone), "{face=\"%s\"}", face);
	}
	for (int i = 0; i < METRICS_BUCKETS; i++)
		emit(o, "lenscap_%s_bucket{%sle=\"%g\"} %llu\n", name, with_le,
		     (double)bucket_us[i] / 1e6, (unsigned long long)buckets[i]);
	emit(o, "lenscap_%s_bucket{%sle=\"+Inf\"} %llu\n", name, with_le,
	     (unsigned long long)count);
	emit(o, "lenscap_%s_sum%s %.6f\n", name, alone, (double)sum_us / 1e6);
	emit(o, "lenscap_%s_count%s %llu\n", name, alone, (unsigned long long)count);
}

static void
render_latency(struct out *o, const struct metrics *m)
{
	emit(o, "# HELP lenscap_request_seconds Time to answer a request, by face.\n"
	        "# TYPE lenscap_request_seconds histogram\n");
	for (int f = 0; f < METRICS_FACES; f++)
		histogram(o, "request_seconds", face_names[f], m->latency_bucket[f],
		          m->latency_sum_us[f], m->latency_count[f]);
	emit(o, "# HELP lenscap_frame_delay_seconds Time a stream frame waited in "
	        "lenscapd, from its last byte in to its last byte out.\n"
	        "# TYPE lenscap_frame_delay_seconds histogram\n");
	histogram(o, "frame_delay_seconds", NULL, m->delay_bucket, m->delay_sum_us,
	          m->delay_count);
}

int
metrics_render(const struct metrics *m, uint64_t audit_lost, char *buf,
               size_t outlen, size_t *written)
{
	struct out o = { .p = buf, .left = outlen };

	render_requests(&o, m);
	counter(&o, "frames_relayed_total", "Frames released to assistants.",
	        m->frames_relayed);
	counter(&o, "frames_skipped_total",
	        "Verified stream frames not sent, for a client that lagged a frame behind.",
	        m->frames_skipped);
	counter(&o, "frames_sealed_total", "Frames sealed on the camera face.",
	        m->frames_sealed);
	render_drops(&o, m);
	counter(&o, "backend_errors_total", "Backend requests that failed.",
	        m->backend_errors);
	counter(&o, "auth_failures_total", "Requests refused for their credentials.",
	        m->auth_failures);
	counter(&o, "introspection_failures_total",
	        "Token introspections that got no usable answer (refused with 503).",
	        m->introspection_failures);
	counter(&o, "audit_lines_lost_total",
	        "Audit lines that could not be written (a full disk, say).", audit_lost);
	counter(&o, "reloads_total", "Policy reloads that took effect.", m->reloads);
	counter(&o, "reload_failures_total", "Policy reloads refused.",
	        m->reload_failures);
	emit(&o, "# HELP lenscap_active_streams Streams being relayed now.\n"
	         "# TYPE lenscap_active_streams gauge\nlenscap_active_streams %lld\n",
	     (long long)m->active_streams);
	by_face(&o, "connections_refused_total",
	        "Connections answered 503 past a connection limit, by face.",
	        m->conns_refused);
	by_face(&o, "heads_late_total",
	        "Connections closed for a request head not complete in time, by face.",
	        m->heads_late);
	by_face(&o, "bodies_late_total",
	        "Connections closed for a request body not complete in time, by face.",
	        m->bodies_late);
	render_latency(&o, m);
	if (o.full)
		return LC_ESPACE;
	*written = o.used;
	return 0;
}
