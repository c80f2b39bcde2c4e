/*
 * Fuzz target for the envelope: parses and opens arbitrary bytes against
 * a fixed keyring and checks what success promises; then seals fields
 * derived from the input and checks that the frame opens, and only intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The keys, from fixed seeds (gen-envelope-corpus.c uses the same):
 * "cam" may sign for cam-a only, "any" for every device, "stranger" is
 * not in the ring.
 */
#define SEED_CAM      0x11
#define SEED_ANY      0x22
#define SEED_STRANGER 0x33
#define CAM_DEVICE    "cam-a"
#define MAX_BODY      (1u << 20)

enum { K_CAM, K_ANY, K_STRANGER, K_COUNT };

static struct lc_secret_key *keys[K_COUNT];
static struct lc_keyring *ring;


static void
setup(void)
{
	static const char *const cam_devs[] = { CAM_DEVICE };
	static const char *const any_devs[] = { "*" };
	static const int seeds[K_COUNT] = { SEED_CAM, SEED_ANY, SEED_STRANGER };
	uint8_t seed[LC_SEED_BYTES];

	for (int i = 0; i < K_COUNT; i++) {
		memset(seed, seeds[i], sizeof(seed));
		CHECK(lc_key_from_seed(seed, &keys[i]) == 0);
	}
	CHECK(lc_keyring_new(&ring) == 0);
	CHECK(lc_keyring_add(ring, lc_key_public(keys[K_CAM]), cam_devs, 1) == 0);
	CHECK(lc_keyring_add(ring, lc_key_public(keys[K_ANY]), any_devs, 1) == 0);
}

/* Which of our keys has this id, or -1. */
static int
key_index(const uint8_t id[LC_KEY_ID_BYTES])
{
	for (int i = 0; i < K_COUNT; i++)
		if (memcmp(lc_key_id(keys[i]), id, LC_KEY_ID_BYTES) == 0)
			return i;
	return -1;
}

static int
is_open_reason(enum lc_drop why)
{
	return why >= LC_DROP_MALFORMED && why <= LC_DROP_DIGEST_MISMATCH;
}

/* What every successfully parsed envelope must satisfy. */
static void
check_parsed(const uint8_t *data, size_t size, const struct lc_envelope *env)
{
	CHECK(env->header_len >= LC_HEADER_MIN && env->header_len <= LC_HEADER_MAX);
	CHECK(env->header_len <= size);
	CHECK(env->header == data && env->body == data + env->header_len);
	CHECK(env->version == LC_ENVELOPE_VERSION);
	CHECK(env->alg == LC_ALG_ED25519_SHA256);
	CHECK(lc_kind_name(env->kind) != NULL);
	CHECK(lc_valid_device(env->device));
	CHECK(lc_valid_stream_id(env->stream_id));
	CHECK(lc_valid_content_type(env->content_type));
	CHECK(env->header_len == LC_HEADER_FIXED + strlen(env->device) +
	      strlen(env->stream_id) + strlen(env->content_type) +
	      LC_SIGNATURE_BYTES);
	CHECK(memcmp(env->signature,
	             data + env->header_len - LC_SIGNATURE_BYTES,
	             LC_SIGNATURE_BYTES) == 0);
}

/*
 * An opened frame is canonical: sealing its fields again with the same
 * (deterministic) key gives back exactly its header bytes.
 */
static void
check_reseal(const uint8_t *data, const struct lc_envelope *env, int k)
{
	uint8_t hdr[LC_HEADER_MAX];
	struct lc_seal_params p = {
		.device = env->device, .kind = env->kind,
		.stream_id = env->stream_id, .seq = env->seq,
		.capture_ms = env->capture_ms, .content_type = env->content_type,
	};
	size_t n = 0;

	CHECK(lc_envelope_seal_header(keys[k], &p, env->body_len, env->digest,
	                              hdr, sizeof(hdr), &n) == 0);
	CHECK(n == env->header_len && memcmp(hdr, data, n) == 0);
}

/*
 * Opens through the streaming API (parse, verify, then the body hashed
 * separately) as a relay does; returns the reason, LC_DROP_NONE if open.
 */
static enum lc_drop
stream_open(const uint8_t *data, size_t size)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_NONE;
	uint8_t digest[LC_DIGEST_BYTES];
	size_t blen;
	int rc;

	rc = lc_envelope_parse(data, size, &env, &why);
	if (rc == LC_EAGAIN)
		return LC_DROP_MALFORMED;
	if (rc != 0) {
		CHECK(rc == LC_EREJECTED);
		return why;
	}
	if ((rc = lc_envelope_verify(&env, ring, &why)) != 0) {
		CHECK(rc == LC_EREJECTED);
		return why;
	}
	if (env.body_len > MAX_BODY)
		return LC_DROP_TOO_LARGE;
	blen = size - env.header_len;
	if (blen != env.body_len)
		return LC_DROP_LENGTH_MISMATCH;
	CHECK(lc_digest(env.body, blen, digest) == 0);
	if ((rc = lc_envelope_check_body(&env, blen, digest, &why)) != 0) {
		CHECK(rc == LC_EREJECTED);
		return why;
	}
	return LC_DROP_NONE;
}

/*
 * A streaming reader must be told to wait, never refused, while only a
 * prefix of a good envelope has arrived, and learns the envelope's size
 * once the 14 bytes before the key id are in.
 */
static void
check_prefixes(const uint8_t *data, size_t hlen)
{
	struct lc_envelope env;
	enum lc_drop why;

	for (size_t i = 0; i < hlen; i++) {
		CHECK(lc_envelope_parse(data, i, &env, &why) == LC_EAGAIN);
		CHECK(env.header_len == (i < 14 ? 0 : hlen));
	}
}

/* Parse and open the input as it is. */
static void
fuzz_open(const uint8_t *data, size_t size)
{
	struct lc_envelope env, penv;
	enum lc_drop why = LC_DROP_NONE, pwhy = LC_DROP_NONE;
	uint8_t digest[LC_DIGEST_BYTES];
	int prc, rc, k;

	prc = lc_envelope_parse(data, size, &penv, &pwhy);
	if (prc == 0)
		check_parsed(data, size, &penv);
	else if (prc == LC_EAGAIN)
		CHECK(penv.header_len == 0 || penv.header_len > size);
	else
		CHECK(prc == LC_EREJECTED && pwhy >= LC_DROP_MALFORMED &&
		      pwhy <= LC_DROP_UNKNOWN_ALGORITHM);

	rc = lc_envelope_open(data, size, ring, MAX_BODY, &env, &why);
	/* The streaming API decides exactly as the whole-frame one. */
	CHECK(stream_open(data, size) == (rc == 0 ? LC_DROP_NONE : why));
	if (rc != 0) {
		CHECK(rc == LC_EREJECTED && is_open_reason(why));
		/* What parsing refuses, opening refuses for the same reason. */
		if (prc == LC_EREJECTED)
			CHECK(why == pwhy);
		if (prc == LC_EAGAIN)
			CHECK(why == LC_DROP_MALFORMED);
		return;
	}
	CHECK(prc == 0 && why == LC_DROP_NONE);
	check_parsed(data, size, &env);
	CHECK(env.header_len + env.body_len == size);
	CHECK(env.body_len <= MAX_BODY);
	CHECK(env.body == data + env.header_len);
	k = key_index(env.key_id);
	CHECK(k == K_ANY || (k == K_CAM && strcmp(env.device, CAM_DEVICE) == 0));
	CHECK(lc_digest(env.body, (size_t)env.body_len, digest) == 0);
	CHECK(memcmp(digest, env.digest, sizeof(digest)) == 0);
	check_reseal(data, &env, k);
	check_prefixes(data, env.header_len);
	if (env.body_len > 0) {
		rc = lc_envelope_open(data, size, ring, env.body_len - 1, &env, &why);
		CHECK(rc == LC_EREJECTED && why == LC_DROP_TOO_LARGE);
	}
}

/* Consumes n bytes of input, or fails if there are fewer. */
static const uint8_t *
take(const uint8_t **p, size_t *left, size_t n)
{
	const uint8_t *r = *p;

	if (*left < n)
		return NULL;
	*p += n;
	*left -= n;
	return r;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Maps raw bytes onto an id: [A-Za-z0-9] then [A-Za-z0-9._-]. */
static void
map_id(char *dst, const uint8_t *src, size_t n)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

	for (size_t i = 0; i < n; i++)
		dst[i] = set[src[i] % (i == 0 ? 62 : sizeof(set) - 1)];
	dst[n] = '\0';
}

/* Maps raw bytes onto "type/subtype" of n (3..64) bytes. */
static void
map_ctype(char *dst, const uint8_t *src, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-";
	size_t slash = 1 + src[0] % (n - 2);

	for (size_t i = 0; i < n; i++)
		dst[i] = set[src[i] % (i == 0 || i == slash + 1 ? 36
		                                                : sizeof(set) - 1)];
	dst[slash] = '/';
	dst[n] = '\0';
}

/* Copies raw bytes as a C string (stops at a NUL, as C would). */
static void
raw_str(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The sealed frame opens, to the fields sealed, and only while intact. */
static void
check_sealed(const uint8_t *sealed, size_t n, const struct lc_seal_params *p,
             const uint8_t *body, size_t blen, int k, uint64_t flip)
{
	struct lc_envelope env;
	enum lc_drop why;
	size_t hlen = lc_envelope_size(p);
	uint8_t *copy;
	int rc;

	CHECK(hlen != 0 && n == hlen + blen);
	rc = lc_envelope_open(sealed, n, ring, MAX_BODY, &env, &why);
	if (k == K_STRANGER) {
		CHECK(rc == LC_EREJECTED && why == LC_DROP_UNKNOWN_KEY);
		return;
	}
	if (k == K_CAM && strcmp(p->device, CAM_DEVICE) != 0) {
		CHECK(rc == LC_EREJECTED && why == LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE);
		return;
	}
	CHECK(rc == 0 && why == LC_DROP_NONE);
	CHECK(env.header_len == hlen && env.body_len == blen);
	CHECK(strcmp(env.device, p->device) == 0);
	CHECK(strcmp(env.stream_id, p->stream_id) == 0);
	CHECK(strcmp(env.content_type, p->content_type) == 0);
	CHECK(env.kind == p->kind && env.seq == p->seq &&
	      env.capture_ms == p->capture_ms);
	CHECK(blen == 0 || memcmp(env.body, body, blen) == 0);
	check_prefixes(sealed, hlen);

	/* One flipped bit anywhere, a byte short, a byte over: refused. */
	CHECK((copy = malloc(n + 1)) != NULL);
	memcpy(copy, sealed, n);
	copy[(flip / 8) % n] ^= (uint8_t)(1u << (flip % 8));
	rc = lc_envelope_open(copy, n, ring, MAX_BODY, &env, &why);
	CHECK(rc == LC_EREJECTED && is_open_reason(why));
	memcpy(copy, sealed, n);
	rc = lc_envelope_open(copy, n - 1, ring, MAX_BODY, &env, &why);
	CHECK(rc == LC_EREJECTED &&
	      why == (blen > 0 ? LC_DROP_LENGTH_MISMATCH : LC_DROP_MALFORMED));
	copy[n] = 0;
	rc = lc_envelope_open(copy, n + 1, ring, MAX_BODY, &env, &why);
	CHECK(rc == LC_EREJECTED && why == LC_DROP_LENGTH_MISMATCH);
	free(copy);
}

/*
 * Seal fields taken from the input.  Layout: mode byte (bits 0-1 key,
 * bit 2 raw strings, bits 3-4 kind), seq (8), capture_ms (8), three
 * length bytes, the three strings, then the body.
 */
static void
fuzz_seal(const uint8_t *data, size_t size)
{
	char dev[256], sid[256], ct[256];
	struct lc_seal_params p;
	struct lc_digest d;
	uint8_t digest[LC_DIGEST_BYTES], digest2[LC_DIGEST_BYTES];
	const uint8_t *hdr, *s1, *s2, *s3, *p8 = data;
	size_t left = size, dl, sl, cl, blen, n = 0, n2 = 0, cap;
	uint8_t *out = NULL, *out2 = NULL;
	int mode, k, valid;

	if ((hdr = take(&p8, &left, 20)) == NULL)
		return;
	mode = hdr[0];
	k = (mode & 3) % K_COUNT;
	memset(&p, 0, sizeof(p));
	p.kind = 1 + ((mode >> 3) & 3) % 3;
	p.seq = be64(hdr + 1);
	p.capture_ms = be64(hdr + 9);
	if (mode & 4) {
		dl = hdr[17] % (LC_DEVICE_MAX + 2);
		sl = hdr[18] % (LC_STREAM_ID_MAX + 2);
		cl = hdr[19] % (LC_CONTENT_TYPE_MAX + 2);
	} else {
		dl = 1 + hdr[17] % LC_DEVICE_MAX;
		sl = hdr[18] % (LC_STREAM_ID_MAX + 1);
		cl = 3 + hdr[19] % (LC_CONTENT_TYPE_MAX - 2);
	}
	if ((s1 = take(&p8, &left, dl)) == NULL ||
	    (s2 = take(&p8, &left, sl)) == NULL ||
	    (s3 = take(&p8, &left, cl)) == NULL)
		return;
	if (mode & 4) {
		raw_str(dev, s1, dl);
		raw_str(sid, s2, sl);
		raw_str(ct, s3, cl);
	} else {
		map_id(dev, s1, dl);
		map_id(sid, s2, sl);
		map_ctype(ct, s3, cl);
	}
	p.device = dev;
	p.stream_id = sid;
	p.content_type = ct;
	blen = left;

	valid = lc_valid_device(dev) && lc_valid_stream_id(sid) &&
	        lc_valid_content_type(ct);
	CHECK((lc_envelope_size(&p) != 0) == valid);
	CHECK(mode & 4 || valid);
	cap = LC_HEADER_MAX + blen;
	CHECK((out = malloc(cap)) != NULL && (out2 = malloc(cap)) != NULL);
	if (!valid) {
		CHECK(lc_envelope_seal(keys[k], &p, p8, blen, out, cap, &n) ==
		      LC_EINVAL);
		goto done;
	}
	CHECK(lc_envelope_seal(keys[k], &p, p8, blen, out, cap, &n) == 0);

	/* Hashing in two pieces and sealing the header alone agree. */
	CHECK(lc_digest_init(&d) == 0);
	CHECK(lc_digest_update(&d, p8, blen / 2) == 0);
	CHECK(lc_digest_update(&d, p8 + blen / 2, blen - blen / 2) == 0);
	lc_digest_final(&d, digest);
	CHECK(lc_digest(p8, blen, digest2) == 0);
	CHECK(memcmp(digest, digest2, sizeof(digest)) == 0);
	CHECK(lc_envelope_seal_header(keys[k], &p, blen, digest, out2, cap,
	                              &n2) == 0);
	CHECK(n2 + blen == n && memcmp(out, out2, n2) == 0);
	CHECK(lc_envelope_seal(keys[k], &p, p8, blen, out2, n - 1, &n2) ==
	      LC_ESPACE);

	check_sealed(out, n, &p, p8, blen, k, p.seq ^ p.capture_ms);
done:
	free(out);
	free(out2);
}

/* libFuzzer's entry point; also driven by replay.c under make check. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ring == NULL)
		setup();
	fuzz_open(data, size);
	fuzz_seal(data, size);
	return 0;
}
