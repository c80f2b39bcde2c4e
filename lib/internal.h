/*
 * liblenscap internals shared between its files; not installed.
 */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <stdint.h>

#include "lenscap.h"

#define LC_SECRET_PREFIX "lenscap-secret-key-v1 "
#define LC_PUBLIC_PREFIX "lenscap-public-key-v1 "

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
