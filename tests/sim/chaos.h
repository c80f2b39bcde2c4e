/*
 * The chaos backend's shared state (set once from the options, then
 * read by every connection thread) and its parts: chaos.c (options,
 * listener), serve.c (requests, faults), incident.c (the modes that
 * reproduce an incident's mechanism).
 */
#ifndef LC_SIM_CHAOS_H
#define LC_SIM_CHAOS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "conn.h"
#include "faults.h"
#include "simframe.h"

enum { KEY_INGEST, KEY_UNKNOWN, KEY_CAMERA, KEY_COUNT };

enum mode { MODE_CHAOS, MODE_REDIS, MODE_EUFY, MODE_WYZE };

#define DEVICES_MAX 100000

struct chaos {
	struct schedule sched;
	struct lc_secret_key *keys[KEY_COUNT];
	struct lc_mac_key *mac;     /* ingest.mac: lenscapd's keyed seal, or NULL */
	gnutls_certificate_credentials_t creds;
	unsigned devices, frames, interval_ms, stall_ms;
	size_t base, max_frame;
	uint64_t window_ms;
	const char *mode;
	enum mode incident;
	atomic_uint_fast64_t requests[DEVICES_MAX + 1][2]; /* per device, media */
	atomic_uint_fast64_t next_seq;
	atomic_int update;   /* MODE_EUFY: the server update happened */
};

extern struct chaos C;

/* A sealed frame in a malloc'd buffer. */
struct sealed {
	uint8_t *p;
	size_t len;
	int device;           /* the device it is of */
};

/* One connection, until it ends. */
void serve_connection(struct conn *c);

/* The frame a fault makes of frame n of device dev (index), of kind
 * (LC_KIND_*) in stream sid; 0 or -1. */
int make_frame(int dev, uint64_t n, int kind, const char *sid, uint64_t seq,
               enum fault f, struct sealed *out);

/* A malloc'd copy of from; 0 or -1. */
int copy_sealed(const struct sealed *from, struct sealed *to);

/* "cam-<i>" for device index i. */
void device_name(int i, char *out, size_t outlen);

int mode_from_name(const char *name);

/* MODE_REDIS: the reply the shared backend connection hands this
 * request.  0 with *out set, or -1 if the client left (its reply stays
 * queued, as redis-py's did). */
int redis_reply(struct conn *c, int dev, uint64_t n, enum fault f,
                struct sealed *out);

/* MODE_WYZE: the thumbnail cache keyed by connection slot; 0 with *out
 * set, or -1. */
int wyze_reply(struct conn *c, int dev, uint64_t n, struct sealed *out);

#endif
