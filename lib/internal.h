/*
 * liblenscap internals shared between its files; not installed.
 */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"

#define LC_SECRET_PREFIX "lenscap-secret-key-v1 "
#define LC_PUBLIC_PREFIX "lenscap-public-key-v1 "
#define LC_MAC_PREFIX "lenscap-mac-secret-v1 "

/* Longest key file line accepted: prefix, base64 of 32 bytes, newline. */
#define LC_KEY_LINE_MAX 128

/* sodium_init() once; 0 or LC_ECRYPTO. */
int lc_crypto_init_(void);

/* The Ed25519 secret key in libsodium's layout, for envelope.c. */
const uint8_t *lc_key_secret_bytes_(const struct lc_secret_key *sk);

/* Whether a key in the ring has this id and may sign for this device:
 * 0 = yes, else the reason (unknown_key, key_not_allowed_for_device).
 * *pk points at the key on success. */
enum lc_drop lc_keyring_check_(const struct lc_keyring *kr,
                               const uint8_t id[LC_KEY_ID_BYTES],
                               const char *device, const uint8_t **pk);

/* The MAC secret of a key in the ring with this id, or NULL. */
const uint8_t *lc_keyring_mac_(const struct lc_keyring *kr,
                               const uint8_t id[LC_KEY_ID_BYTES]);

/* The keyed seal's secret bytes, for the keyring's copy. */
const uint8_t *lc_mac_key_secret_(const struct lc_mac_key *k);

/* key = HKDF-SHA256(secret, salt, "lenscap envelope v1 mac"), 32 bytes. */
int lc_mac_derive_(const uint8_t secret[LC_MAC_SECRET_BYTES],
                   const uint8_t salt[LC_MAC_SALT_BYTES], uint8_t key[32]);

/* Writes p's envelope fields for algorithm alg into out (hlen bytes, the
 * trailing signature or tag left zero): key id, body length, the 32-byte
 * digest or nonce field.  0 or LC_EINVAL. */
int lc_envelope_fields_(const struct lc_seal_params *p, int alg,
                        const uint8_t id[LC_KEY_ID_BYTES], uint64_t body_len,
                        const uint8_t field[LC_DIGEST_BYTES], uint8_t *out,
                        size_t hlen);

/*
 * Secret key files and secrets (keys.c), one rule for every kind: the
 * secret (n bytes) lives in sodium_malloc'd memory, wiped once make has
 * copied it into its key object (make's result is returned).
 * lc_secret_random_: a fresh one.  lc_secret_load_: read from the file
 * at path, one line "prefix base64[\n]", refused (LC_EPERM) if the group
 * or others may access it.  lc_secret_save_: written as that line to a
 * new file of mode 0600, never over an old one (LC_EEXIST).
 */
int lc_secret_random_(size_t n, int (*make)(const uint8_t *secret, void *arg),
                      void *arg);
int lc_secret_load_(const char *path, const char *prefix, size_t n,
                    int (*make)(const uint8_t *secret, void *arg), void *arg);
int lc_secret_save_(const char *path, const char *prefix, const uint8_t *secret,
                    size_t n);

/* A refusal: LC_EREJECTED, with *why (when asked) the reason. */
static inline int
lc_reject_(enum lc_drop *why, enum lc_drop reason)
{
	if (why != NULL)
		*why = reason;
	return LC_EREJECTED;
}

static inline void
lc_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t
lc_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void
lc_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t
lc_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

#endif
