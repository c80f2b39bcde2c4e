/*
 * The request lifecycle both faces share: references, the backend fetch
 * that suspends the connection, and the hand-back on the upstream thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/freq.h"
#include "log.h"
#include "net/http.h"

struct freq *
freq_new(size_t size, struct listener_ctx *fc, struct MHD_Connection *c,
         void (*destroy)(struct freq *q))
{
	struct freq *q = calloc(1, size);

	if (q == NULL)
		return NULL;
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q);
		return NULL;
	}
	q->fc = fc;
	q->refs = 1;
	q->conn = c;
	q->destroy = destroy;
	q->t0_us = lcd_mono_us();
	lcd_request_id(fc->d, q->rid);
	return q;
}

void
freq_body_due(struct freq *q)
{
	q->body_due_ms = lcd_mono_ms() + policy_limits(q->pol)->idle_timeout_ms;
}

int
freq_body_late(struct freq *q, const char *what)
{
	struct lcd *d = q->fc->d;

	if (lcd_mono_ms() < q->body_due_ms)
		return 0;
	log_info("%s: %s within %u ms: connection closed", q->fc->name, what,
	         policy_limits(q->pol)->idle_timeout_ms);
	d->metrics.bodies_late[lcd_metrics_face(q->fc->role)]++;
	return 1;
}

void
freq_ref(struct freq *q)
{
	pthread_mutex_lock(&q->lock);
	q->refs++;
	pthread_mutex_unlock(&q->lock);
}

void
freq_unref(struct freq *q)
{
	int last;

	pthread_mutex_lock(&q->lock);
	last = --q->refs == 0;
	pthread_mutex_unlock(&q->lock);
	if (!last)
		return;
	if (q->destroy != NULL)
		q->destroy(q);
	pthread_mutex_destroy(&q->lock);
	policy_free(q->pol);
	free(q);
}

void
freq_sleep(struct freq *q)
{
	q->suspended = 1;
	MHD_suspend_connection(q->conn);
}

void
freq_wake(struct freq *q)
{
	if (!q->suspended)
		return;
	q->suspended = 0;
	if (q->conn != NULL)
		MHD_resume_connection(q->conn);
}

void
freq_cancel(struct freq *q)
{
	if (q->upstream_live)
		upstream_cancel(q->fc->d->up, &q->up);
}

/* Upstream thread: the fetch ended; tell the face that streams it, and
 * wake the request if it sleeps. */
static void
on_done(void *arg, int result, long status)
{
	struct freq *q = arg;

	pthread_mutex_lock(&q->lock);
	q->upstream_live = 0;
	q->result = result;
	q->status = status;
	if (q->fetched != NULL)
		q->fetched(q);
	/* A push may still be uploading: only a request that waits for the
	 * backend is asleep, and only that one is woken. */
	if (q->suspended)
		q->state = q->ready_state;
	freq_wake(q);
	pthread_mutex_unlock(&q->lock);
	freq_unref(q);
}

int
freq_fetch(struct freq *q, int wait_state, int ready_state, int suspend)
{
	int rc = 0;

	q->up.on_done = on_done;
	q->up.arg = q;
	q->up.request_id = q->rid;
	pthread_mutex_lock(&q->lock);
	q->refs++;
	q->upstream_live = 1;
	q->state = wait_state;
	q->ready_state = ready_state;
	if (suspend)
		freq_sleep(q);
	if (upstream_submit(q->fc->d->up, &q->up) != 0) {
		q->refs--;
		q->upstream_live = 0;
		q->result = UPSTREAM_FAILED;
		q->state = ready_state;
		freq_wake(q);
		rc = -1;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void
freq_answered(struct freq *q, int done_state, unsigned status)
{
	q->state = done_state;
	metrics_request(&q->fc->d->metrics, lcd_metrics_face(q->fc->role), status,
	                lcd_mono_us() - q->t0_us);
}

enum MHD_Result
freq_problem(struct freq *q, int done_state, unsigned status, const char *title)
{
	freq_answered(q, done_state, status);
	return http_problem_cors(q->conn, status, title, &q->cors);
}

void
freq_completed(struct freq *q)
{
	pthread_mutex_lock(&q->lock);
	q->conn = NULL;
	freq_cancel(q);
	pthread_mutex_unlock(&q->lock);
	freq_unref(q);
}

const char *
freq_backend_error(const struct freq *q, char *buf, size_t n)
{
	if (q->result != 0)
		(void)snprintf(buf, n, "backend failed (%s)", upstream_failure(&q->up));
	else
		(void)snprintf(buf, n, "backend answered %ld", q->status);
	return buf;
}

void
freq_audit_event(const struct freq *q, const char *event, struct audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->event = event;
	ev->request_id = q->rid;
	ev->face = q->fc->name;
	ev->route = q->route != NULL ? q->route->path : NULL;
	ev->account = q->account;
	ev->device = q->device[0] != '\0' ? q->device : NULL;
	ev->session = q->session_tag[0] != '\0' ? q->session_tag : NULL;
}

void
freq_audit(const struct freq *q, const char *event, enum lc_drop why,
           const struct lc_envelope *env, const char *detail)
{
	struct audit_event ev;

	freq_audit_event(q, event, &ev);
	ev.reason = why;
	ev.detail = detail;
	audit_event_envelope(&ev, env);
	(void)audit_log(q->fc->d->audit, &ev);
}
