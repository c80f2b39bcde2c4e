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

struct lcd {
	pthread_mutex_t lock;       /* guards pol and ingest */
	struct lc_policy *pol;      /* the policy in force */
	struct audit *audit;
	struct metrics metrics;
	struct upstream *up;
	struct lcd_ingest *ingest;  /* guarded by lock; NULL without a key */
	struct server *servers[LCD_LISTENERS_MAX];
	size_t nservers;
	struct server *retired[LCD_LISTENERS_MAX * 4]; /* replaced, draining */
	size_t nretired;
	atomic_uint_fast64_t next_request;
	atomic_uint_fast64_t last_seq;
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

/* The metrics series of a face of this role. */
static inline enum metrics_face
lcd_metrics_face(int role)
{
	return role == POLICY_ROLE_CAMERA ? METRICS_CAMERA
	     : role == POLICY_ROLE_ADMIN  ? METRICS_ADMIN : METRICS_ASSISTANT;
}

/* A new reference to the policy in force; drop it with policy_free(). */
struct lc_policy *lcd_policy(struct lcd *d);

/* Installs pol (taking the caller's reference) and drops the old one. */
void lcd_set_policy(struct lcd *d, struct lc_policy *pol);

/*
 * The ingest key, counted: a reload installs a new one while frames are
 * being sealed with the old, which goes once its last frame is sealed.
 */
struct lcd_ingest;

/* Loads the secret key at path into *out; 0, or -1 after logging why. */
int lcd_ingest_load(const char *path, struct lcd_ingest **out);

/* Whether pol's keys let k sign for each of its devices, as they must
 * for the frames lenscapd seals to pass its own gate; 0, or -1 after
 * logging which device they do not. */
int lcd_ingest_trusted(const struct lcd_ingest *k, const struct lc_policy *pol);

/* Installs k (taking the caller's reference, NULL for none) and drops
 * the old one, which frees and wipes it once no frame is being sealed. */
void lcd_set_ingest(struct lcd *d, struct lcd_ingest *k);

/* Drops a reference; the last wipes and frees the key.  NULL is a no-op. */
void lcd_ingest_put(struct lcd_ingest *k);

/* Whether an ingest key is in force. */
int lcd_has_ingest(struct lcd *d);

/* lc_envelope_seal() with the ingest key in force: LC_EINVAL when there
 * is none, else what lc_envelope_seal() answers. */
int lcd_seal(struct lcd *d, const struct lc_seal_params *p, const uint8_t *body,
             size_t len, uint8_t *out, size_t cap, size_t *n);

/* A sequence number larger than any given before, even across restarts
 * (it starts from the clock in microseconds). */
uint64_t lcd_next_seq(struct lcd *d);

/* "r-<hex>", unique within this process. */
void lcd_request_id(struct lcd *d, char out[LCD_REQUEST_ID_BYTES]);

/* The three servers' request handlers. */
enum MHD_Result assistant_access(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *data_size, void **req_cls);
void assistant_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe);
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
