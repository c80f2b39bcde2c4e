/*
 * The audit trail: one JSON object per line for every decision that
 * matters (a dropped frame, a refused request, a reload).  Separate from
 * diagnostics.  Never carries tokens or image bytes.
 */
#ifndef LC_AUDIT_H
#define LC_AUDIT_H

#include <stdint.h>

#include "lenscap.h"

struct audit;

/* One decision.  NULL strings and zero flags are left out of the line. */
struct audit_event {
	const char *event;      /* "drop", "deny", "auth_failure", "reload", ... */
	const char *request_id;
	const char *face;       /* "assistant", "camera", "admin" */
	const char *route;      /* the route's path template */
	const char *account;
	const char *device;     /* the device the request asked for */
	/* a prefix of the SHA-256 of the session's token ("0123...") or
	 * capability ("cap:0123..."): never the token or capability */
	const char *session;
	const char *envelope_device;
	const uint8_t *key_id;  /* LC_KEY_ID_BYTES, or NULL */
	int has_seq;
	uint64_t seq;
	enum lc_drop reason;    /* LC_DROP_NONE: no "reason" field */
	const char *detail;     /* a short fixed phrase; never user data */
};

/*
 * Opens the trail at path (appending, created 0640), or on standard error
 * when path is NULL.  0 or LC_EIO / LC_ENOMEM; *out only on success.
 */
int audit_open(const char *path, struct audit **out);

/* Reopens the file (log rotation, SIGUSR1).  0 or LC_EIO; on failure the
 * old file stays in use. */
int audit_reopen(struct audit *a);

void audit_close(struct audit *a);

/* Fills ev's envelope fields (device, key id, sequence) from env, if
 * env was parsed (env->header set); leaves them empty otherwise. */
void audit_event_envelope(struct audit_event *ev, const struct lc_envelope *env);

/* Writes one line; thread-safe; each line is one write(2).  0 or LC_E*. */
int audit_log(struct audit *a, const struct audit_event *ev);

/* Lines written and lines lost to errors since open. */
uint64_t audit_lines(const struct audit *a);
uint64_t audit_errors(const struct audit *a);

#endif
