/*
 * The audit trail, written with yajl: one object per line, appended with
 * a single write(2) so that lines from many threads never interleave.
 * Reopened on SIGUSR1 for log rotation.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "audit.h"
#include "log.h"

struct audit {
	pthread_mutex_t lock; /* guards fd across reopen */
	char *path;           /* NULL: standard error */
	int fd;
	atomic_uint_fast64_t lines;
	atomic_uint_fast64_t errors;
	int failing;          /* the last write failed; under lock */
};

static int
open_trail(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int
audit_open(const char *path, struct audit **out)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return LC_ENOMEM;
	a->fd = STDERR_FILENO;
	if (path != NULL) {
		if ((a->path = strdup(path)) == NULL) {
			free(a);
			return LC_ENOMEM;
		}
		if ((a->fd = open_trail(path)) == -1) {
			log_warn("audit log %s", path);
			free(a->path);
			free(a);
			return LC_EIO;
		}
	}
	if (pthread_mutex_init(&a->lock, NULL) != 0) {
		if (a->path != NULL)
			(void)close(a->fd);
		free(a->path);
		free(a);
		return LC_ENOMEM;
	}
	*out = a;
	return 0;
}

int
audit_reopen(struct audit *a)
{
	int fd, old;

	if (a == NULL || a->path == NULL)
		return 0;
	if ((fd = open_trail(a->path)) == -1) {
		log_warn("audit log %s: reopen failed, keeping the old file", a->path);
		return LC_EIO;
	}
	pthread_mutex_lock(&a->lock);
	old = a->fd;
	a->fd = fd;
	pthread_mutex_unlock(&a->lock);
	(void)close(old);
	return 0;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->path != NULL)
		(void)close(a->fd);
	pthread_mutex_destroy(&a->lock);
	free(a->path);
	free(a);
}

uint64_t audit_lines(const struct audit *a) { return a->lines; }
uint64_t audit_errors(const struct audit *a) { return a->errors; }

void
audit_event_envelope(struct audit_event *ev, const struct lc_envelope *env)
{
	if (env == NULL || env->header == NULL)
		return;
	ev->envelope_device = env->device;
	ev->key_id = env->key_id;
	ev->has_seq = 1;
	ev->seq = env->seq;
}

/* Each put_*() ORs a failure into *bad, so that a line whose string was
 * refused (say, invalid UTF-8) is dropped whole rather than written with
 * a key missing its value. */
static void
put_str(yajl_gen g, int *bad, const char *key, const char *val)
{
	if (val == NULL)
		return;
	*bad |= yajl_gen_string(g, (const unsigned char *)key, strlen(key)) !=
	        yajl_gen_status_ok;
	*bad |= yajl_gen_string(g, (const unsigned char *)val, strlen(val)) !=
	        yajl_gen_status_ok;
}

/* RFC 3339 UTC with milliseconds. */
static void
put_time(yajl_gen g, int *bad)
{
	struct timespec ts;
	struct tm tm;
	char buf[96]; /* room for any int the compiler can imagine */

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL) {
		*bad = 1;
		return;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	put_str(g, bad, "time", buf);
}

static int
put_event(yajl_gen g, const struct audit_event *ev)
{
	char hex[LC_KEY_ID_HEX_BYTES], num[24];
	int bad = 0;

	bad |= yajl_gen_map_open(g) != yajl_gen_status_ok;
	put_time(g, &bad);
	put_str(g, &bad, "event", ev->event);
	put_str(g, &bad, "request_id", ev->request_id);
	put_str(g, &bad, "face", ev->face);
	put_str(g, &bad, "route", ev->route);
	put_str(g, &bad, "account", ev->account);
	put_str(g, &bad, "device", ev->device);
	put_str(g, &bad, "session", ev->session);
	put_str(g, &bad, "envelope_device", ev->envelope_device);
	if (ev->key_id != NULL) {
		lc_key_id_hex(ev->key_id, hex);
		put_str(g, &bad, "key_id", hex);
	}
	if (ev->has_seq) {
		int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)ev->seq);
		bad |= yajl_gen_string(g, (const unsigned char *)"seq", 3) !=
		       yajl_gen_status_ok;
		bad |= yajl_gen_number(g, num, (size_t)n) != yajl_gen_status_ok;
	}
	if (ev->reason != LC_DROP_NONE)
		put_str(g, &bad, "reason", lc_drop_name(ev->reason));
	put_str(g, &bad, "detail", ev->detail);
	bad |= yajl_gen_map_close(g) != yajl_gen_status_ok;
	return bad ? -1 : 0;
}

/* Writes all of buf with one write(2) where the kernel allows. */
static int
write_line(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Under a->lock, after a write: says so once when lines start being
 * lost, and once when they are written again, so that a full disk shows
 * in the diagnostics without a message for every line. */
static void
note_write(struct audit *a, int failed)
{
	const char *where = a->path != NULL ? a->path : "on standard error";

	if (failed && !a->failing)
		log_warn("audit log %s: lines are lost (counted in "
		         "lenscap_audit_lines_lost_total) until a write works again", where);
	else if (!failed && a->failing)
		log_info("audit log %s: lines are written again", where);
	a->failing = failed;
}

int
audit_log(struct audit *a, const struct audit_event *ev)
{
	const unsigned char *buf;
	unsigned char line[2048];
	size_t len;
	yajl_gen g;
	int rc = LC_EIO;

	if (a == NULL || ev == NULL || ev->event == NULL)
		return LC_EINVAL;
	if ((g = yajl_gen_alloc(NULL)) == NULL) {
		a->errors++;
		return LC_ENOMEM;
	}
	/* Invalid UTF-8 makes the generator refuse the string, not emit it. */
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (put_event(g, ev) != 0 ||
	    yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok ||
	    len + 1 > sizeof(line))
		goto out;
	memcpy(line, buf, len);
	line[len++] = '\n';
	pthread_mutex_lock(&a->lock);
	rc = write_line(a->fd, line, len) == 0 ? 0 : LC_EIO;
	note_write(a, rc != 0);
	pthread_mutex_unlock(&a->lock);
out:
	if (rc == 0)
		a->lines++;
	else
		a->errors++;
	yajl_gen_free(g);
	return rc;
}
