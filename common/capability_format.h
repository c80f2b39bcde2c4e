/*
 * Capabilities: stream URLs that carry their own proof (lenscapd(8),
 * "Capability URLs").  A capability names one account, one device, one
 * media kind and an expiry, under a key id, and ends in a keyed
 * BLAKE2b-256 MAC over all of that.  Its text is base64url without
 * padding, at most CAPABILITY_TEXT_MAX characters.
 *
 * The format lives in common/ because both lenscapd (minting on the
 * admin listener and for the platform fronts, checking on the assistant
 * face) and the lenscap command (minting for tests and operators) need
 * it; it knows nothing of the policy or the daemon, and needs libsodium
 * and liblenscap's name checks only.
 *
 * Binary layout, then base64url:
 *   version (1, = 1) | key id length (1) | key id (1-32 of [A-Za-z0-9._-])
 *   | expiry (8, ms since the epoch, big-endian) | kind (1, enum lc_kind)
 *   | account length (1) | account | device length (1) | device
 *   | MAC (32) = BLAKE2b-256 keyed with the 32-byte secret over
 *     "lenscap capability v1" NUL | every byte before the MAC.
 */
#ifndef LC_CAPABILITY_FORMAT_H
#define LC_CAPABILITY_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"

#define CAPABILITY_VERSION 1
#define CAPABILITY_KEY_ID_MAX 32
#define CAPABILITY_SECRET_BYTES 32
#define CAPABILITY_MAC_BYTES 32
#define CAPABILITY_BIN_MAX (1 + 1 + CAPABILITY_KEY_ID_MAX + 8 + 1 + \
                            1 + LC_DEVICE_MAX + 1 + LC_DEVICE_MAX + \
                            CAPABILITY_MAC_BYTES)
/* base64url of CAPABILITY_BIN_MAX bytes, no padding (274). */
#define CAPABILITY_TEXT_MAX ((CAPABILITY_BIN_MAX * 4 + 2) / 3)

/* A key: its id and its secret (CAPABILITY_SECRET_BYTES, in
 * sodium_malloc'd memory; NULL: a key named but not loaded, which
 * verifies nothing). */
struct capability_key {
	const char *id;
	const uint8_t *secret;
};

/* What a capability says. */
struct capability_claims {
	char key_id[CAPABILITY_KEY_ID_MAX + 1];
	uint64_t expires_ms;
	int kind;                          /* enum lc_kind */
	char account[LC_DEVICE_MAX + 1];
	char device[LC_DEVICE_MAX + 1];
};

/* Why a capability was refused; one string table (capability_verdict_name). */
enum capability_verdict {
	CAPABILITY_OK = 0,
	CAPABILITY_MALFORMED,   /* length, base64url, layout, names */
	CAPABILITY_UNKNOWN_KEY, /* its key id is none of the keys given */
	CAPABILITY_BAD_MAC,     /* tampered, or made with another key */
	CAPABILITY_EXPIRED      /* authentic, but past its expiry */
};

/* "ok", "malformed", "unknown_key", "bad_mac", "expired". */
const char *capability_verdict_name(enum capability_verdict v);

/* Whether s is a valid key id (1-32 of [A-Za-z0-9._-]). */
int capability_key_id_ok(const char *s);

/*
 * Mints the capability for cl under key (whose id must be cl->key_id's,
 * or cl->key_id empty: it is taken from key) as NUL-terminated text in
 * out.  Its length, or LC_EINVAL (a name, kind or key that cannot be),
 * LC_ESPACE (outlen too small: CAPABILITY_TEXT_MAX + 1 always does),
 * LC_ECRYPTO.
 */
int capability_mint(const struct capability_key *key,
                    const struct capability_claims *cl, char *out,
                    size_t outlen) LC_WUR;

/*
 * Opens the capability text s (n bytes, not necessarily NUL-terminated)
 * against keys[0, nkeys) at now_ms.  Fills *cl (zeroed unless the
 * verdict is CAPABILITY_OK or CAPABILITY_EXPIRED).  The MAC is compared
 * in constant time and checked before the expiry, so that only an
 * authentic capability is ever called expired.
 */
enum capability_verdict capability_open(const char *s, size_t n,
                                        const struct capability_key *keys,
                                        size_t nkeys, uint64_t now_ms,
                                        struct capability_claims *cl);

/*
 * Reads a secret file: exactly CAPABILITY_SECRET_BYTES bytes, a regular
 * file not readable or writable by group or others.  *out is
 * sodium_malloc'd (free with capability_secret_free).  0, or LC_EPERM
 * (mode), LC_EFORMAT (size or type), LC_EIO (errno set), LC_ENOMEM.
 */
int capability_secret_load(const char *path, uint8_t **out) LC_WUR;

/* Wipes and frees a secret from capability_secret_load(); NULL is fine. */
void capability_secret_free(const uint8_t *secret);

/*
 * Writes a new random secret to path, created with mode 0600, never
 * over an existing file.  0, or LC_EEXIST, LC_EIO (errno set),
 * LC_ECRYPTO.
 */
int capability_secret_generate(const char *path) LC_WUR;

/* The file name a capability URL of kind ends in for its main object:
 * "index.m3u8", "snapshot.jpg", "stream.mjpeg"; NULL for no kind. */
const char *capability_file_name(int kind);

#endif
