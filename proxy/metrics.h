/*
 * Counters and latency histograms for lenscapd's /metrics, in the
 * Prometheus text format.  Lock-free: every field is an atomic that any
 * thread may bump.
 */
#ifndef LC_METRICS_H
#define LC_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"

enum metrics_face { METRICS_ASSISTANT, METRICS_CAMERA, METRICS_ADMIN, METRICS_FACES };

#define METRICS_BUCKETS 12

struct metrics {
	atomic_uint_fast64_t requests[METRICS_FACES][6]; /* by status class: 1xx..5xx, other */
	atomic_uint_fast64_t frames_relayed;
	/* verified stream frames not sent: the client had not taken the
	 * frames before them */
	atomic_uint_fast64_t frames_skipped;
	atomic_uint_fast64_t frames_sealed;
	atomic_uint_fast64_t frames_dropped[LC_DROP_COUNT_];
	atomic_uint_fast64_t backend_errors;
	atomic_uint_fast64_t auth_failures;
	/* token introspections that got no usable answer (fail closed) */
	atomic_uint_fast64_t introspection_failures;
	atomic_uint_fast64_t reloads;
	atomic_uint_fast64_t reload_failures;
	atomic_int_fast64_t active_streams;
	/* connections, by face: answered 503 past a connection limit; closed
	 * for a request head not complete within idle_timeout_ms */
	atomic_uint_fast64_t conns_refused[METRICS_FACES];
	atomic_uint_fast64_t heads_late[METRICS_FACES];
	atomic_uint_fast64_t bodies_late[METRICS_FACES];
	/* request latency, by face: cumulative buckets, sum in us, count */
	atomic_uint_fast64_t latency_bucket[METRICS_FACES][METRICS_BUCKETS];
	atomic_uint_fast64_t latency_sum_us[METRICS_FACES];
	atomic_uint_fast64_t latency_count[METRICS_FACES];
	/* stream frames: from the last byte in from the backend to the last
	 * byte handed to the client's connection */
	atomic_uint_fast64_t delay_bucket[METRICS_BUCKETS];
	atomic_uint_fast64_t delay_sum_us;
	atomic_uint_fast64_t delay_count;
};

/* Counts one request of face with HTTP status and its latency. */
void metrics_request(struct metrics *m, enum metrics_face face, unsigned status,
                     uint64_t latency_us);

/* Counts how long a stream frame waited inside lenscapd. */
void metrics_frame_delay(struct metrics *m, uint64_t delay_us);

/* Renders m, and the audit lines lost (audit_errors()), into out; 0, or
 * LC_ESPACE if outlen is too small. */
int metrics_render(const struct metrics *m, uint64_t audit_lost, char *out,
                   size_t outlen, size_t *written);

#endif
