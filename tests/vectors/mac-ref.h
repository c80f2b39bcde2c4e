/*
 * The keyed seal (algorithm 3) as lenscap-envelope(7), KEYED SEAL, states
 * it, computed in one shot with GnuTLS's AEAD calls and none of
 * liblenscap's streaming code: gen-vectors writes the vectors with it,
 * t-vectors checks the vectors and the library's sealer against it.
 */
#ifndef LC_MAC_REF_H
#define LC_MAC_REF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "lenscap.h"

#define REF_FIELD_OFF 54 /* the nonce field: salt, then counter (big endian) */
#define REF_NONCE_BYTES 12

/* k = HKDF-SHA256(salt, IKM = secret, info = "lenscap envelope v1 mac",
 * L = 32); 0 or -1. */
static int
ref_mac_key(const uint8_t secret[LC_MAC_SECRET_BYTES],
            const uint8_t salt[LC_MAC_SALT_BYTES], uint8_t key[32])
{
	static const char info_text[] = "lenscap envelope v1 mac";
	uint8_t ikm[LC_MAC_SECRET_BYTES], s[LC_MAC_SALT_BYTES], info[sizeof(info_text) - 1];
	uint8_t prk[32];
	gnutls_datum_t ikm_d = { ikm, sizeof(ikm) }, s_d = { s, sizeof(s) };
	gnutls_datum_t prk_d = { prk, sizeof(prk) }, info_d = { info, sizeof(info) };
	int rc;

	memcpy(ikm, secret, sizeof(ikm));
	memcpy(s, salt, sizeof(s));
	memcpy(info, info_text, sizeof(info));
	rc = gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm_d, &s_d, prk) < 0 ||
	     gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &prk_d, &info_d, key, 32) < 0 ? -1 : 0;
	memset(prk, 0, sizeof(prk));
	return rc;
}

/* N = 0x00000000 || the counter of the nonce field. */
static void
ref_mac_nonce(const uint8_t field[LC_DIGEST_BYTES], uint8_t nonce[REF_NONCE_BYTES])
{
	memset(nonce, 0, 4);
	memcpy(nonce + 4, field + LC_MAC_SALT_BYTES, 8);
}

/*
 * The tag of a frame: AES-256-GCM under k (from secret and the frame's
 * salt) and N (its counter), empty plaintext, associated data the
 * header's first hlen - 16 bytes then the body.  0 or -1.
 */
static int
ref_mac_tag(const uint8_t secret[LC_MAC_SECRET_BYTES], const uint8_t *frame,
            size_t hlen, const uint8_t *body, size_t blen, uint8_t tag[LC_TAG_BYTES])
{
	const uint8_t *field = frame + REF_FIELD_OFF;
	uint8_t key[32], nonce[REF_NONCE_BYTES], out[LC_TAG_BYTES], none = 0, *ad;
	gnutls_datum_t kd = { key, sizeof(key) };
	gnutls_aead_cipher_hd_t h;
	size_t adlen = hlen - LC_TAG_BYTES + blen, outlen = sizeof(out);
	int rc = -1;

	if (hlen < REF_FIELD_OFF + LC_DIGEST_BYTES + LC_TAG_BYTES ||
	    (ad = malloc(adlen + 1)) == NULL)
		return -1;
	memcpy(ad, frame, hlen - LC_TAG_BYTES);
	if (blen > 0)
		memcpy(ad + hlen - LC_TAG_BYTES, body, blen);
	ref_mac_nonce(field, nonce);
	if (ref_mac_key(secret, field, key) == 0 &&
	    gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &kd) == 0) {
		if (gnutls_aead_cipher_encrypt(h, nonce, sizeof(nonce), ad, adlen,
		                               LC_TAG_BYTES, &none, 0, out, &outlen) == 0 &&
		    outlen == LC_TAG_BYTES) {
			memcpy(tag, out, LC_TAG_BYTES);
			rc = 0;
		}
		gnutls_aead_cipher_deinit(h);
	}
	memset(key, 0, sizeof(key));
	free(ad);
	return rc;
}

#endif
