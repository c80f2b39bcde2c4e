/*
 * policy: lenscapd's only trusted copy of who may see what.  Loads and
 * validates policy files (lenscap.policy(5)) into an immutable model and
 * answers the daemon's questions about it in O(1): which account a token
 * is, whether an account may see a device, which route a request takes.
 */
#ifndef LC_POLICY_H
#define LC_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lenscap.h"

/* The loaded model.  Immutable once loaded: any number of threads may
 * read it; policy_ref() / policy_free() let them keep it alive across a
 * reload. */
struct lc_policy;
struct policy_device;
struct policy_account;
struct capability_key;   /* common/capability_format.h */

enum policy_role {
	POLICY_ROLE_ASSISTANT = 1, /* sessions ask for frames */
	POLICY_ROLE_CAMERA = 2,    /* cameras push frames */
	POLICY_ROLE_ADMIN = 3      /* metrics and health */
};

struct policy_listener {
	const char *name;      /* the key under "listeners"; routes' "face" */
	int role;              /* enum policy_role */
	const char *listen;    /* as written: "0.0.0.0:8443", "[::1]:9090" */
	const char *host;      /* "0.0.0.0", "::1" */
	uint16_t port;
	int plain;             /* no TLS (said explicitly in the policy) */
	const char *cert;      /* TLS, absolute or relative to the cwd */
	const char *key;
	const char *client_ca; /* NULL: no client certificates asked */
};

struct policy_backend {
	const char *url;         /* "https://host:port", no path */
	const char *ca;          /* NULL: the system's trust store */
	const char *pin;         /* "sha256//<base64>" or NULL */
	const char *client_cert; /* both or neither */
	const char *client_key;
	uint32_t connect_timeout_ms;
	uint32_t timeout_ms;
};

/* sessions.introspection: opaque bearer tokens asked of the vendor's
 * RFC 7662 endpoint on the backend (lenscap.policy(5)). */
struct policy_introspection {
	const char *path;          /* on the backend's URL: "/oauth/introspect" */
	uint32_t cache_ms;         /* an active answer's life at most */
	uint32_t negative_cache_ms;/* an inactive answer's */
	uint32_t cache_entries;    /* answers kept at most */
	uint32_t timeout_ms;       /* the whole exchange */
	const char *audience;      /* "aud" must hold it; NULL: not checked */
	const char *issuer;        /* "iss" must be it; NULL: not checked */
};

struct policy_limits {
	uint64_t max_frame_bytes;
	uint32_t drops_in_a_row;
	uint32_t idle_timeout_ms;
	uint32_t max_connections;
	uint32_t max_connections_per_ip;
	uint32_t clock_skew_ms;
};

/* A route that answers an assistant platform's requests itself
 * ("platform"), rather than fetching a frame. */
enum policy_platform {
	POLICY_PLATFORM_NONE = 0,
	POLICY_PLATFORM_GOOGLE, /* Google Home fulfillment: SYNC, QUERY, EXECUTE, DISCONNECT */
	POLICY_PLATFORM_ALEXA   /* Alexa smart home directives, from contrib/alexa */
};

struct policy_route {
	size_t index;             /* position in policy order, from 0 */
	const struct policy_listener *face;
	const char *method;       /* "GET", "HEAD", "PUT", "POST" */
	const char *path;         /* template: "/v1/cameras/{device}/snapshot" */
	const char *backend;      /* template: "/frames/{device}/latest.lcf" */
	int has_device;           /* path and backend hold {device} */
	int has_name;             /* path and backend end in {name} (hls) */
	int media;                /* enum lc_kind */
	uint32_t freshness_ms;
	const char *const *content_types;
	size_t ncontent_types;
	int pass_sealed;          /* hand the sealed frame on as it is */
	const char *const *cors_origins; /* origins answered with CORS headers */
	size_t ncors_origins;
	/* a platform route's (media and backend unset): */
	int platform;             /* enum policy_platform */
	const char *public_url;   /* "https://host[:port]": links it hands out */
	uint32_t online_ms;       /* a camera that pushed within is online;
	                             0 (the default): every camera is */
};

/* What a device's optional keys say of it to the platforms ("devices"
 * in lenscap.policy(5)); strings NULL when not given. */
#define POLICY_RESOLUTIONS_MAX 8
struct policy_device_info {
	const char *name;         /* shown to the user; NULL: the device id */
	const char *room;         /* a room hint */
	const char *manufacturer, *model, *hw_version, *sw_version;
	struct { uint16_t width, height; } resolutions[POLICY_RESOLUTIONS_MAX];
	size_t nresolutions;      /* at least 1: 1280x720 when not given */
};

/* JWT access tokens (RFC 9068) as sessions: "sessions"."jwt". */
struct policy_jwt {
	const char *issuer;        /* "iss", compared exactly */
	const char *audience;      /* must be in "aud" */
	const char *jwks_path;     /* resolved against the policy file */
	uint32_t max_token_bytes;  /* checked before anything else */
	const struct jwks *jwks;   /* read at load; NULL under POLICY_NO_FILES */
};

/* Flags for policy_load_mem(). */
#define POLICY_NO_FILES 0x1u /* don't touch the filesystem (fuzzing):
                                referenced files are not checked and
                                "public_file" keys are left out */

/*
 * Loads a policy file, or every *.json file of a directory (sorted by
 * name, merged).  On failure prints every problem found to err (NULL:
 * nowhere) as "file:line:col: json.path: message", leaves *out alone
 * and returns LC_EFORMAT (invalid), LC_EIO (unreadable) or LC_ENOMEM.
 */
int policy_load(const char *path, struct lc_policy **out, FILE *err) LC_WUR;

/*
 * policy_load(), with the files of a directory parsed on up to threads
 * threads (0: one per online core, at most 8; 1: none but the caller's)
 * while the caller builds the model from them in order: the result and
 * the errors are the same whatever the number.  policy_load() is this
 * with 0.
 */
int policy_load_threads(const char *path, unsigned threads,
                        struct lc_policy **out, FILE *err) LC_WUR;

/*
 * Loads a policy from len bytes at buf; name is used in messages and
 * relative paths are taken from its directory (or the cwd).  As
 * policy_load() otherwise.
 */
int policy_load_mem(const char *name, const void *buf, size_t len,
                    unsigned flags, struct lc_policy **out, FILE *err) LC_WUR;

/* Takes one more reference; returns pol. */
struct lc_policy *policy_ref(struct lc_policy *pol);
/* Drops a reference; the last one frees the policy.  NULL is fine. */
void policy_free(struct lc_policy *pol);
/* Whether the caller's reference is the only one left: once it is, no
 * other can be taken but from the caller's. */
int policy_unshared(const struct lc_policy *pol);

/* --- sessions and grants ---------------------------------------------- */

/* The account a session token (raw bytes) belongs to, or NULL. */
const struct policy_account *policy_session_account(
	const struct lc_policy *pol, const void *token, size_t len);
/* The same, from the token's SHA-256. */
const struct policy_account *policy_session_account_digest(
	const struct lc_policy *pol, const uint8_t digest[LC_DIGEST_BYTES]);

/* The JWT session settings, or NULL if the policy takes no JWTs. */
const struct policy_jwt *policy_jwt(const struct lc_policy *pol);

/* Whether the account may see the device (by id); 0 for NULLs. */
int policy_may_see(const struct lc_policy *pol,
                   const struct policy_account *acct, const char *device);
/* The same for a device already looked up. */
int policy_may_see_device(const struct lc_policy *pol,
                          const struct policy_account *acct,
                          const struct policy_device *dev);

const struct policy_account *policy_account_by_name(
	const struct lc_policy *pol, const char *name);
const char *policy_account_name(const struct policy_account *acct);
/* The devices acct may see, in the order the policy lists them: *n of
 * them (none for NULL). */
const struct policy_device *const *policy_account_devices(
	const struct policy_account *acct, size_t *n);

/* --- devices (camera face) -------------------------------------------- */

const struct policy_device *policy_device_by_name(const struct lc_policy *pol,
                                                  const char *id);
/* The device whose client certificate has this SHA-256, or NULL. */
const struct policy_device *policy_device_by_cert(
	const struct lc_policy *pol, const uint8_t digest[LC_DIGEST_BYTES]);
/* The device a device token (raw bytes) belongs to, or NULL. */
const struct policy_device *policy_device_by_token(
	const struct lc_policy *pol, const void *token, size_t len);
const struct policy_device *policy_device_by_token_digest(
	const struct lc_policy *pol, const uint8_t digest[LC_DIGEST_BYTES]);
const char *policy_device_name(const struct policy_device *dev);
const struct policy_device_info *policy_device_info(const struct policy_device *dev);

/* --- routes ------------------------------------------------------------ */

/* Whether a path segment (n bytes) is made of [A-Za-z0-9._~-] only and
 * is not "." or "..": the one rule for template segments, request path
 * segments and the names a playlist may hold. */
int policy_segment_ok(const char *s, size_t n);

#define POLICY_NAME_MAX 128 /* bytes of a {name} segment */

/*
 * The route for a request on listener face: method exactly as sent,
 * path without the query string.  Fills device (the {device} segment,
 * a valid device id, or "" if the route has none) and name (the {name}
 * segment, or "").  NULL if no route matches: unknown face or method, a
 * different shape, empty or dot segments, percent-encodings or any byte
 * outside [A-Za-z0-9._~-] in a segment, a trailing slash.  A literal
 * route wins over a {device} template; a {name} route overlaps no other
 * (the loader refuses).
 */
const struct policy_route *policy_route_find(const struct lc_policy *pol,
                                             const char *face,
                                             const char *method,
                                             const char *path,
                                             char device[LC_DEVICE_MAX + 1],
                                             char name[POLICY_NAME_MAX + 1]);

/* policy_route_find() for a caller that does not need the name. */
const struct policy_route *policy_route_match(const struct lc_policy *pol,
                                              const char *face,
                                              const char *method,
                                              const char *path,
                                              char device[LC_DEVICE_MAX + 1]);

/*
 * Writes route's backend path with device and name substituted,
 * NUL-terminated, into out.  LC_EINVAL if the route needs a device and
 * device is not a valid id, or a name and name is not a valid segment of
 * at most POLICY_NAME_MAX bytes (NULL when it has none); LC_ESPACE if
 * outlen is too small.
 */
int policy_backend_path(const struct policy_route *route, const char *device,
                        const char *name, char *out, size_t outlen) LC_WUR;

size_t policy_route_count(const struct lc_policy *pol);
const struct policy_route *policy_route(const struct lc_policy *pol, size_t i);

/* --- capabilities ------------------------------------------------------ */

/* The capability keys in policy order (the first mints, all verify);
 * none when the policy has no "capabilities". */
const struct capability_key *policy_capability_keys(const struct lc_policy *pol,
                                                    size_t *n);
/* How long a capability of kind (enum lc_kind) minted now lives, ms;
 * 0 for no kind. */
uint32_t policy_capability_lifetime(const struct lc_policy *pol, int kind);
/*
 * The route a capability path of kind takes on the assistant listener
 * face for method: the first route in policy order on that face with
 * that method and media kind and a {device} segment, which for hls also
 * ends in {name} (and for the others does not).  NULL if none.
 */
const struct policy_route *policy_capability_route(const struct lc_policy *pol,
                                                   const char *face,
                                                   const char *method,
                                                   int kind);
/* origin as route's "cors_origins" holds it (exactly), or NULL. */
const char *policy_cors_origin(const struct policy_route *route,
                               const char *origin);

/* --- the rest ---------------------------------------------------------- */

/* A policy declares at most this many listeners (lenscapd runs a server
 * for each). */
#define POLICY_LISTENERS_MAX 8

size_t policy_listener_count(const struct lc_policy *pol);
const struct policy_listener *policy_listener(const struct lc_policy *pol,
                                              size_t i);
const struct policy_listener *policy_listener_by_name(
	const struct lc_policy *pol, const char *name);
const struct policy_backend *policy_backend(const struct lc_policy *pol);
const struct policy_limits *policy_limits(const struct lc_policy *pol);
/* The introspection settings, or NULL if the policy has none. */
const struct policy_introspection *policy_introspection(const struct lc_policy *pol);
/* The ingest secret key's path, or NULL if the policy names none. */
const char *policy_ingest_key(const struct lc_policy *pol);
/* The MAC secret's path if the camera face seals with it ("seal": {"use":
 * "mac"}), else NULL; *id is then its key id. */
const char *policy_seal_mac(const struct lc_policy *pol, const uint8_t **id);
/* The trusted keys, each with the devices it may sign for. */
const struct lc_keyring *policy_keyring(const struct lc_policy *pol);
/* How many devices the keys would not let pk sign for (-1: no key id);
 * *first names the first of them. */
ssize_t policy_devices_untrusted(const struct lc_policy *pol,
                                 const uint8_t pk[LC_PUBLICKEY_BYTES], const char **first);
size_t policy_device_count(const struct lc_policy *pol);
size_t policy_account_count(const struct lc_policy *pol);

#endif
