/*
 * Capability URLs on the assistant face (lenscapd(8), "Capability
 * URLs"): "/s/<capability>/<file>" answers as the policy's route for the
 * capability's device and media kind, with no Authorization header.  The
 * format is common/capability_format.h's; this file adds the policy: its keys,
 * lifetimes, grants and routes.  capability_mint_path() is what the
 * admin listener and the platform fronts call to hand out a URL.
 */
#ifndef LC_ASSISTANT_CAPABILITY_H
#define LC_ASSISTANT_CAPABILITY_H

#include <stdint.h>

#include "capability_format.h"
#include "policy.h"
#include "assistant/session.h"

#define CAPABILITY_PREFIX "/s/"
/* "/s/" + capability + "/" + the longest file name, and a NUL. */
#define CAPABILITY_PATH_MAX (3 + CAPABILITY_TEXT_MAX + 1 + POLICY_NAME_MAX + 1)

/*
 * Mints a capability for account's device of kind (enum lc_kind) under
 * pol at now_ms, with the policy's first key and its lifetime for kind,
 * and writes its URL path "/s/<capability>/<file>" (file: index.m3u8,
 * snapshot.jpg or stream.mjpeg) into out.  *expires_ms is its expiry.
 * 0, or LC_EINVAL (no keys, no such kind, unknown account, or a device
 * the account may not see: the policy in force decides, as for every
 * fetch), LC_ESPACE, LC_ECRYPTO.
 */
int capability_mint_path(const struct lc_policy *pol, const char *account,
                         const char *device, int kind, uint64_t now_ms,
                         char *out, size_t outlen, uint64_t *expires_ms) LC_WUR;

/* The audit tag of a capability (text, n bytes) into tag: "cap:" and
 * the first 16 hex digits of its SHA-256, never the capability itself.
 * Fills digest (the session's) too.  0 or -1. */
int capability_tag(const char *text, size_t n, uint8_t digest[LC_DIGEST_BYTES],
                   char tag[24]);

/* Whether url is a capability path for pol: it starts with "/s/" and
 * pol has capability keys. */
int capability_is_path(const struct lc_policy *pol, const char *url);

/* A capability request resolved (capability_resolve()). */
struct capability_request {
	const struct policy_route *route;        /* NULL until found */
	const struct policy_account *account;    /* NULL until found */
	char device[LC_DEVICE_MAX + 1];          /* the capability's, or "" */
	char name[POLICY_NAME_MAX + 1];          /* an hls route's {name}, or "" */
	struct session session;                  /* SESSION_CAPABILITY */
	char tag[24];                            /* "cap:" + 16 hex of the digest */
	const char *why;                         /* a refusal's audit detail */
	int not_granted;                         /* refused by the grant */
};

/*
 * Resolves the capability path url on the assistant listener face for
 * method at now_ms under pol.  0 to go on, with out's route, account,
 * device, name and session set; or the status to answer, with out->why:
 * 410 for an authentic, expired capability; 404 for anything else
 * (malformed, unknown key, bad MAC, a file name that is not the
 * capability's kind, no route for the kind, an account that is gone, a
 * device no longer granted: not_granted set).
 */
unsigned capability_resolve(const struct lc_policy *pol, const char *face,
                            const char *method, const char *url,
                            uint64_t now_ms, struct capability_request *out);

#endif
