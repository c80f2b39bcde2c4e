/*
 * liblenscap: the envelope.  Sealing writes one canonical encoding of the
 * header and signs it; opening parses strictly without allocating,
 * checks the signature and the key's right to the device, then the body.
 * The byte layout is specified in lenscap-envelope(7); keep them in step.
 */
#include <string.h>

#include <sodium.h>

#include "internal.h"

static const uint8_t magic[4] = { 'L', 'C', 'A', 'P' };
/* Signed before the header bytes, NUL included, so that no other
 * message signed with the same key can be taken for an envelope. */
static const char sig_context[] = "lenscap envelope v1";

enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_ALG = 5,
	OFF_KIND = 6,
	OFF_FLAGS = 7,
	OFF_HLEN = 8,
	OFF_DEVLEN = 10,
	OFF_SIDLEN = 11,
	OFF_CTLEN = 12,
	OFF_RESERVED = 13,
	OFF_KEYID = 14,
	OFF_SEQ = 30,
	OFF_TIME = 38,
	OFF_BODYLEN = 46,
	OFF_DIGEST = 54,
	OFF_STRINGS = LC_HEADER_FIXED
};

_Static_assert(OFF_DIGEST + LC_DIGEST_BYTES == LC_HEADER_FIXED,
               "fixed header layout");

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* An id: [A-Za-z0-9] then [A-Za-z0-9._-], n bytes, no NUL inside. */
static int
valid_id(const char *s, size_t n)
{
	if (n == 0)
		return 1;
	if (!is_alnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* A lower-case RFC 6838 token: [a-z0-9] then [a-z0-9!#$&^_.+-]. */
static int
valid_token(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 1; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr("!#$&^_.+-", c) != NULL) || c == '\0')
			return 0;
	}
	return 1;
}

static int
valid_ctype(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);

	if (n < 3 || n > LC_CONTENT_TYPE_MAX || slash == NULL)
		return 0;
	return valid_token(s, (size_t)(slash - s)) &&
	       valid_token(slash + 1, n - (size_t)(slash - s) - 1);
}

int
lc_valid_device(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strnlen(s, LC_DEVICE_MAX + 1);
	return n >= 1 && n <= LC_DEVICE_MAX && valid_id(s, n);
}

int
lc_valid_stream_id(const char *s)
{
	size_t n;

	if (s == NULL)
		return 1;
	n = strnlen(s, LC_STREAM_ID_MAX + 1);
	return n <= LC_STREAM_ID_MAX && valid_id(s, n);
}

int
lc_valid_content_type(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strnlen(s, LC_CONTENT_TYPE_MAX + 1);
	return valid_ctype(s, n);
}

int
lc_hls_stream_id(const char *name, char out[LC_HLS_STREAM_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[LC_DIGEST_BYTES];
	size_t n;

	if (name == NULL || out == NULL || (n = strnlen(name, 256)) == 0 || n > 255)
		return LC_EINVAL;
	if (lc_digest(name, n, d) != 0)
		return LC_ECRYPTO;
	out[0] = 'n';
	out[1] = '-';
	for (size_t i = 0; i < (LC_HLS_STREAM_ID_LEN - 2) / 2; i++) {
		out[2 + 2 * i] = hex[d[i] >> 4];
		out[3 + 2 * i] = hex[d[i] & 15];
	}
	out[LC_HLS_STREAM_ID_LEN] = '\0';
	return 0;
}

size_t
lc_envelope_size(const struct lc_seal_params *p)
{
	if (p == NULL || !lc_valid_device(p->device) ||
	    !lc_valid_stream_id(p->stream_id) ||
	    !lc_valid_content_type(p->content_type) ||
	    lc_kind_name(p->kind) == NULL)
		return 0;
	return LC_HEADER_FIXED + strlen(p->device) +
	       (p->stream_id ? strlen(p->stream_id) : 0) +
	       strlen(p->content_type) + LC_SIGNATURE_BYTES;
}

/* Builds ctx || header-without-signature into msg; returns its length. */
static size_t
signed_message(uint8_t *msg, const uint8_t *hdr, size_t hlen)
{
	size_t n = hlen - LC_SIGNATURE_BYTES;

	memcpy(msg, sig_context, sizeof(sig_context));
	memcpy(msg + sizeof(sig_context), hdr, n);
	return sizeof(sig_context) + n;
}

/* Bytes after the strings: the signature or the tag; 0 if alg is unknown. */
static size_t
trailer_of(int alg)
{
	return alg == LC_ALG_ED25519_SHA256 ? LC_SIGNATURE_BYTES
	     : alg == LC_ALG_MAC_AES256GCM ? LC_TAG_BYTES : 0;
}

int
lc_envelope_fields_(const struct lc_seal_params *p, int alg,
                    const uint8_t id[LC_KEY_ID_BYTES], uint64_t body_len,
                    const uint8_t field[LC_DIGEST_BYTES], uint8_t *out, size_t hlen)
{
	const char *sid;
	size_t dl, sl, cl;

	if (lc_envelope_size(p) == 0 || trailer_of(alg) == 0)
		return LC_EINVAL;
	sid = p->stream_id ? p->stream_id : "";
	dl = strlen(p->device);
	sl = strlen(sid);
	cl = strlen(p->content_type);
	if (hlen != LC_HEADER_FIXED + dl + sl + cl + trailer_of(alg))
		return LC_EINVAL;

	memcpy(out + OFF_MAGIC, magic, sizeof(magic));
	out[OFF_VERSION] = LC_ENVELOPE_VERSION;
	out[OFF_ALG] = (uint8_t)alg;
	out[OFF_KIND] = (uint8_t)p->kind;
	out[OFF_FLAGS] = 0;
	lc_put_be16(out + OFF_HLEN, (uint16_t)hlen);
	out[OFF_DEVLEN] = (uint8_t)dl;
	out[OFF_SIDLEN] = (uint8_t)sl;
	out[OFF_CTLEN] = (uint8_t)cl;
	out[OFF_RESERVED] = 0;
	memcpy(out + OFF_KEYID, id, LC_KEY_ID_BYTES);
	lc_put_be64(out + OFF_SEQ, p->seq);
	lc_put_be64(out + OFF_TIME, p->capture_ms);
	lc_put_be64(out + OFF_BODYLEN, body_len);
	memcpy(out + OFF_DIGEST, field, LC_DIGEST_BYTES);
	memcpy(out + OFF_STRINGS, p->device, dl);
	memcpy(out + OFF_STRINGS + dl, sid, sl);
	memcpy(out + OFF_STRINGS + dl + sl, p->content_type, cl);
	memset(out + hlen - trailer_of(alg), 0, trailer_of(alg));
	return 0;
}

int
lc_envelope_seal_header(const struct lc_secret_key *sk,
                        const struct lc_seal_params *p, uint64_t body_len,
                        const uint8_t digest[LC_DIGEST_BYTES], uint8_t *out,
                        size_t outlen, size_t *written)
{
	uint8_t msg[sizeof(sig_context) + LC_HEADER_MAX];
	size_t hlen, mlen;
	int rc;

	if (sk == NULL || digest == NULL || out == NULL || written == NULL)
		return LC_EINVAL;
	if ((hlen = lc_envelope_size(p)) == 0)
		return LC_EINVAL;
	if (outlen < hlen)
		return LC_ESPACE;
	if ((rc = lc_envelope_fields_(p, LC_ALG_ED25519_SHA256, lc_key_id(sk),
	                              body_len, digest, out, hlen)) != 0)
		return rc;
	mlen = signed_message(msg, out, hlen);
	if (crypto_sign_detached(out + hlen - LC_SIGNATURE_BYTES, NULL, msg, mlen,
	                         lc_key_secret_bytes_(sk)) != 0)
		return LC_ECRYPTO;
	*written = hlen;
	return 0;
}

int
lc_envelope_seal(const struct lc_secret_key *sk, const struct lc_seal_params *p,
                 const uint8_t *body, size_t body_len, uint8_t *out,
                 size_t outlen, size_t *written)
{
	uint8_t digest[LC_DIGEST_BYTES];
	size_t hlen;
	int rc;

	if ((body == NULL && body_len > 0) || written == NULL)
		return LC_EINVAL;
	if ((hlen = lc_envelope_size(p)) == 0)
		return LC_EINVAL;
	if (outlen < hlen || outlen - hlen < body_len)
		return LC_ESPACE;
	if ((rc = lc_digest(body, body_len, digest)) != 0)
		return rc;
	if ((rc = lc_envelope_seal_header(sk, p, body_len, digest, out, outlen,
	                                  &hlen)) != 0)
		return rc;
	if (body_len > 0)
		memcpy(out + hlen, body, body_len);
	*written = hlen + body_len;
	return 0;
}

/* Copies a length-prefixed string field into a NUL-terminated buffer. */
static void
copy_field(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Checks the fixed part; sets env->header_len.  0, LC_EAGAIN, LC_EREJECTED. */
static int
parse_fixed(const uint8_t *buf, size_t len, struct lc_envelope *env,
            enum lc_drop *why)
{
	size_t dl, sl, cl;

	if (len < sizeof(magic))
		return memcmp(buf, magic, len) == 0 ? LC_EAGAIN
		                                   : lc_reject_(why, LC_DROP_MALFORMED);
	if (memcmp(buf, magic, sizeof(magic)) != 0)
		return lc_reject_(why, LC_DROP_MALFORMED);
	if (len <= OFF_VERSION)
		return LC_EAGAIN;
	if (buf[OFF_VERSION] != LC_ENVELOPE_VERSION)
		return lc_reject_(why, LC_DROP_UNKNOWN_VERSION);
	if (len <= OFF_ALG)
		return LC_EAGAIN;
	if (trailer_of(buf[OFF_ALG]) == 0)
		return lc_reject_(why, LC_DROP_UNKNOWN_ALGORITHM);
	if (len < OFF_KEYID)
		return LC_EAGAIN;
	dl = buf[OFF_DEVLEN];
	sl = buf[OFF_SIDLEN];
	cl = buf[OFF_CTLEN];
	if (lc_kind_name(buf[OFF_KIND]) == NULL || buf[OFF_FLAGS] != 0 ||
	    buf[OFF_RESERVED] != 0 || dl < 1 || dl > LC_DEVICE_MAX ||
	    sl > LC_STREAM_ID_MAX || cl < 3 || cl > LC_CONTENT_TYPE_MAX ||
	    lc_get_be16(buf + OFF_HLEN) !=
	        LC_HEADER_FIXED + dl + sl + cl + trailer_of(buf[OFF_ALG]))
		return lc_reject_(why, LC_DROP_MALFORMED);
	env->header_len = lc_get_be16(buf + OFF_HLEN);
	return len < env->header_len ? LC_EAGAIN : 0;
}

int
lc_envelope_parse(const uint8_t *buf, size_t len, struct lc_envelope *env,
                  enum lc_drop *why)
{
	const uint8_t *s;
	size_t dl, sl, cl;
	int rc;

	if (buf == NULL || env == NULL)
		return LC_EINVAL;
	memset(env, 0, sizeof(*env));
	if ((rc = parse_fixed(buf, len, env, why)) != 0)
		return rc;
	dl = buf[OFF_DEVLEN];
	sl = buf[OFF_SIDLEN];
	cl = buf[OFF_CTLEN];
	s = buf + OFF_STRINGS;
	if (!valid_id((const char *)s, dl) || !valid_id((const char *)s + dl, sl) ||
	    !valid_ctype((const char *)s + dl + sl, cl))
		return lc_reject_(why, LC_DROP_MALFORMED);

	env->version = buf[OFF_VERSION];
	env->alg = buf[OFF_ALG];
	env->kind = buf[OFF_KIND];
	memcpy(env->key_id, buf + OFF_KEYID, LC_KEY_ID_BYTES);
	env->seq = lc_get_be64(buf + OFF_SEQ);
	env->capture_ms = lc_get_be64(buf + OFF_TIME);
	env->body_len = lc_get_be64(buf + OFF_BODYLEN);
	memcpy(env->digest, buf + OFF_DIGEST, LC_DIGEST_BYTES);
	copy_field(env->device, s, dl);
	copy_field(env->stream_id, s + dl, sl);
	copy_field(env->content_type, s + dl + sl, cl);
	memcpy(env->signature, buf + env->header_len - trailer_of(env->alg),
	       trailer_of(env->alg));
	env->header = buf;
	env->body = buf + env->header_len;
	return 0;
}

int
lc_envelope_verify(const struct lc_envelope *env, const struct lc_keyring *kr,
                   enum lc_drop *why)
{
	uint8_t msg[sizeof(sig_context) + LC_HEADER_MAX];
	const uint8_t *pk = NULL;
	enum lc_drop r;
	size_t mlen;

	if (env == NULL || env->header == NULL || kr == NULL)
		return LC_EINVAL;
	if (env->alg == LC_ALG_MAC_AES256GCM)
		/* A keyed seal's header is checked with its body. */
		return lc_keyring_mac_(kr, env->key_id) == NULL
		           ? lc_reject_(why, LC_DROP_UNKNOWN_KEY) : LC_EAGAIN;
	if (env->alg != LC_ALG_ED25519_SHA256 ||
	    env->header_len < LC_HEADER_MIN || env->header_len > LC_HEADER_MAX)
		return LC_EINVAL;
	if (lc_crypto_init_() != 0)
		return LC_ECRYPTO;
	r = lc_keyring_check_(kr, env->key_id, env->device, &pk);
	if (r == LC_DROP_UNKNOWN_KEY)
		return lc_reject_(why, r);
	/* The signature first: an unsigned header says nothing about rights. */
	mlen = signed_message(msg, env->header, env->header_len);
	if (crypto_sign_verify_detached(env->signature, msg, mlen, pk) != 0)
		return lc_reject_(why, LC_DROP_BAD_SIGNATURE);
	if (r != LC_DROP_NONE)
		return lc_reject_(why, r);
	return 0;
}

int
lc_envelope_check_body(const struct lc_envelope *env, uint64_t body_len,
                       const uint8_t digest[LC_DIGEST_BYTES], enum lc_drop *why)
{
	if (env == NULL || digest == NULL || env->alg != LC_ALG_ED25519_SHA256)
		return LC_EINVAL;
	if (body_len != env->body_len)
		return lc_reject_(why, LC_DROP_LENGTH_MISMATCH);
	if (sodium_memcmp(digest, env->digest, LC_DIGEST_BYTES) != 0)
		return lc_reject_(why, LC_DROP_DIGEST_MISMATCH);
	return 0;
}

/* lc_envelope_open() of a keyed seal: the key, the size limit and the
 * length before the body is MACed, then the tag over header and body. */
static int
open_mac(const uint8_t *sealed, size_t len, const struct lc_keyring *kr,
         uint64_t max_body, struct lc_envelope *env, enum lc_drop *why)
{
	int rc;

	if (lc_keyring_mac_(kr, env->key_id) == NULL)
		return lc_reject_(why, LC_DROP_UNKNOWN_KEY);
	if (env->body_len > max_body)
		return lc_reject_(why, LC_DROP_TOO_LARGE);
	if (len - env->header_len != env->body_len)
		return lc_reject_(why, LC_DROP_LENGTH_MISMATCH);
	if ((rc = lc_envelope_check_mac(env, kr, env->body, len - env->header_len,
	                                why)) != 0)
		return rc;
	if (why != NULL)
		*why = LC_DROP_NONE;
	return 0;
}

int
lc_envelope_open(const uint8_t *sealed, size_t len, const struct lc_keyring *kr,
                 uint64_t max_body, struct lc_envelope *env, enum lc_drop *why)
{
	uint8_t digest[LC_DIGEST_BYTES];
	size_t blen;
	int rc;

	if (why != NULL)
		*why = LC_DROP_INTERNAL;
	if (sealed == NULL || kr == NULL || env == NULL)
		return LC_EINVAL;
	rc = lc_envelope_parse(sealed, len, env, why);
	if (rc == LC_EAGAIN)
		return lc_reject_(why, LC_DROP_MALFORMED); /* truncated header */
	if (rc != 0)
		return rc;
	if (env->alg == LC_ALG_MAC_AES256GCM)
		return open_mac(sealed, len, kr, max_body, env, why);
	if ((rc = lc_envelope_verify(env, kr, why)) != 0)
		return rc;
	if (env->body_len > max_body)
		return lc_reject_(why, LC_DROP_TOO_LARGE);
	blen = len - env->header_len;
	if (blen != env->body_len)
		return lc_reject_(why, LC_DROP_LENGTH_MISMATCH);
	if ((rc = lc_digest(env->body, blen, digest)) != 0)
		return rc;
	if ((rc = lc_envelope_check_body(env, blen, digest, why)) != 0)
		return rc;
	if (why != NULL)
		*why = LC_DROP_NONE;
	return 0;
}
