/*
 * The platform fronts (lenscapd(8), "Platform routes"): Google Home's
 * fulfillment and Alexa's directives, answered by lenscapd itself from
 * the policy.  A front never fetches a frame: what it hands out is
 * capability URLs (assistant/capability.h), whose every fetch goes
 * through the gate as any other.  This header is what google.c and
 * alexa.c share: the request's context, the links, and a JSON writer.
 */
#ifndef LC_PLATFORM_H
#define LC_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "json.h"
#include "policy.h"
#include "platform/presence.h"
#include "platform/revoke.h"

#define PLATFORM_BODY_MAX 65536  /* bytes of a request body */
#define PLATFORM_ECHO_MAX 4096   /* bytes of an id echoed back (requestId,
                                    correlationToken) */
#define PLATFORM_DEVICES_MAX 256 /* devices one request may name */
#define PLATFORM_URL_MAX 1536    /* public_url and a capability path */

/* What one request is answered from and what its answer says of it. */
struct platform_ctx {
	const struct lc_policy *pol;
	const struct policy_route *route;     /* the platform route */
	const struct policy_account *acct;    /* the session's */
	uint64_t now_ms;                      /* wall clock */
	struct presence *presence;
	struct revocations *revoked;
	/* for the audit line: */
	unsigned asked, answered;             /* devices */
};

/* A JSON answer being written: every yajl status is checked once, at
 * the end (jw_done()), through bad. */
struct jw {
	yajl_gen g;
	int bad;
};

/* 0 or LC_ENOMEM. */
int jw_open(struct jw *w);
void jw_close(struct jw *w);
/* The text written, in a malloc'd copy (*len bytes), or NULL (a yajl
 * error on the way, or no memory). */
char *jw_done(struct jw *w, size_t *len);

void jw_map(struct jw *w);
void jw_end_map(struct jw *w);
void jw_array(struct jw *w);
void jw_end_array(struct jw *w);
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, int v);
/* A member: key and a string, an integer or a boolean value. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, long long v);
void jw_kbool(struct jw *w, const char *key, int v);

/* The device the session's account may see by id, or NULL: a device
 * that does not exist and one the account may not see are the same. */
const struct policy_device *platform_visible(const struct platform_ctx *ctx,
                                             const char *id);

/* Whether device has pushed within the route's online_ms (always, when
 * online_ms is 0). */
int platform_online(const struct platform_ctx *ctx, const struct policy_device *dev);

/*
 * A capability URL (public_url and "/s/<capability>/<file>") for the
 * session's account and dev, of kind, into url; *expires_ms its expiry.
 * 0, or LC_EINVAL (no capability route of that kind on the route's
 * face), LC_ESPACE, LC_ECRYPTO.
 */
int platform_link(const struct platform_ctx *ctx, const struct policy_device *dev,
                  int kind, char url[PLATFORM_URL_MAX], uint64_t *expires_ms);

/* Whether the route's face serves capabilities of kind. */
int platform_serves(const struct platform_ctx *ctx, int kind);

/* ms since the epoch as "2026-12-07T20:30:30.450Z" into buf (25 bytes). */
void platform_time(uint64_t ms, char buf[32]);

/* ---- reading a request ---------------------------------------------------- */


/* body (len bytes, at most PLATFORM_BODY_MAX) as strict JSON, a tree in
 * a, whose root must be an object; NULL if it is not (or no memory). */
const struct jnode *platform_json(struct arena *a, const uint8_t *body, size_t len);

/* The member key of obj if it is of type t (enum jtype), else NULL. */
const struct jnode *platform_get(const struct jnode *obj, const char *key, int t);

/* A string member of 1 to max bytes, or NULL. */
const char *platform_str(const struct jnode *obj, const char *key, size_t max);

#endif
