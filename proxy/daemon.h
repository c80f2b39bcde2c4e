/*
 * lenscapd's shared state: the policy in force (swapped whole on
 * SIGHUP), the audit trail, the metrics, the backend client and the
 * ingest key.  One instance, made by lenscapd.c.
 */
#ifndef LC_DAEMON_H
#define LC_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "audit.h"
#include "clock.h"
#include "net/server.h"
#include "lenscap.h"
#include "metrics.h"
#include "policy.h"
#include "backend/upstream.h"

#define LCD_LISTENERS_MAX POLICY_LISTENERS_MAX
#define LCD_REQUEST_ID_BYTES 24

struct seal_key;
struct icache;
struct presence;
struct revocations;

struct lcd {
	pthread_mutex_t lock;       /* guards pol and ingest */
	struct lc_policy *pol;      /* the policy in force */
	struct audit *audit;
	struct metrics metrics;
	struct upstream *up;
	struct icache *icache;      /* introspection answers (introspect.h) */
	struct presence *presence;  /* when each camera last pushed */
	struct revocations *revoked;/* accounts a platform unlinked */
	struct seal_key *ingest;    /* guarded by lock; NULL without a key */
	struct server *servers[LCD_LISTENERS_MAX];
	size_t nservers;
	struct server *retired[LCD_LISTENERS_MAX * 4]; /* replaced, draining */
	size_t nretired;
	/* Policies a reload replaced, still held by requests (reload.h):
	 * as many as there are, for a stream holds its own for as long as
	 * it lasts. */
	struct lc_policy **superseded;
	size_t nsuperseded, superseded_room;
	atomic_uint_fast64_t next_request;
	atomic_int stopping;
};

/* What a listener's handlers get as their closure. */
struct listener_ctx {
	struct lcd *d;
	/* The listener's name, as routes name it (listener names follow the
	 * device-name rule); a copy: the policy it came from goes on reload. */
	char name[LC_DEVICE_MAX + 1];
	int role;         /* enum policy_role */
};

/* Whether pol gives fc's listener name fc's role.  A server that a reload
 * replaced serves the requests on its connections under the new policy,
 * which may have given its name to a listener of another role: such a
 * server must find none of that listener's routes. */
int lcd_serves(const struct listener_ctx *fc, const struct lc_policy *pol);

/* The metrics series of a face of this role. */
static inline enum metrics_face
lcd_metrics_face(int role)
{
	return role == POLICY_ROLE_CAMERA ? METRICS_CAMERA
	     : role == POLICY_ROLE_ADMIN  ? METRICS_ADMIN : METRICS_ASSISTANT;
}

/* A new reference to the policy in force; drop it with policy_free(). */
struct lc_policy *lcd_policy(struct lcd *d);

/* Installs pol (taking the caller's reference) and returns the one it
 * replaces (the caller's reference now). */
struct lc_policy *lcd_swap_policy(struct lcd *d, struct lc_policy *pol);

/* "r-<hex>", unique within this process. */
void lcd_request_id(struct lcd *d, char out[LCD_REQUEST_ID_BYTES]);

/* The three servers' request handlers. */
enum MHD_Result assistant_access(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *data_size, void **req_cls);
void assistant_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe);
/* Whether an assistant face's request may carry a body: a POST to a
 * platform route of the policy in force, with a Content-Length (never
 * chunked: Google and the Alexa forwarder say the length, and a body
 * refused part way could not be answered). */
int assistant_takes_body(void *cls, const char *method, const char *url, int chunked);
enum MHD_Result camera_access(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *data,
                              size_t *data_size, void **req_cls);
void camera_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe);
enum MHD_Result admin_access(void *cls, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, const char *data,
                             size_t *data_size, void **req_cls);
void admin_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                     enum MHD_RequestTerminationCode toe);

#endif
