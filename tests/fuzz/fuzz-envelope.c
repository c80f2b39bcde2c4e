/*
 * Fuzz target for the envelope: parses and opens arbitrary bytes against
 * a fixed keyring and checks what success promises; then seals fields
 * derived from the input and checks that the frame opens, and only intact.
 * Both seals: Ed25519 (algorithm 1) and the keyed seal (algorithm 3),
 * whose tag is also computed apart from the library (mac-ref.h) and
 * whose incremental verifier must agree across every split of the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"
#include "check.h"
#include "../vectors/mac-ref.h"

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

/* Keyed-seal secrets, all bytes 0x44 (in the ring) and 0x55 (not). */
#define SECRET_MAC          0x44
#define SECRET_MAC_STRANGER 0x55

enum { M_RING, M_STRANGER, M_COUNT };

static struct lc_secret_key *keys[K_COUNT];
static struct lc_mac_key *macs[M_COUNT];
static uint8_t mac_secrets[M_COUNT][LC_MAC_SECRET_BYTES];
static struct lc_keyring *ring;

/* Bodies up to this long are verified cut at every byte, and in pieces
 * of every size up to PIECE_MAX; longer ones at their first and last
 * EDGE bytes and at SPLITS points between (a carry is at most 15 bytes,
 * so these reach every way a piece can end within a block).  A changed
 * body is tried at SPLITS points: each verification derives a key, and
 * the fuzzer should spend its time on inputs. */
#define EVERY_SPLIT_MAX 256
#define PIECE_MAX 33
#define SPLITS 61
#define EDGE 48

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
	memset(mac_secrets[M_RING], SECRET_MAC, LC_MAC_SECRET_BYTES);
	memset(mac_secrets[M_STRANGER], SECRET_MAC_STRANGER, LC_MAC_SECRET_BYTES);
	for (int i = 0; i < M_COUNT; i++)
		CHECK(lc_mac_key_from_secret(mac_secrets[i], &macs[i]) == 0);
	CHECK(lc_keyring_add_mac(ring, macs[M_RING]) == 0);
}

/* Which of our MAC keys has this id, or -1. */
static int
mac_index(const uint8_t id[LC_KEY_ID_BYTES])
{
	for (int i = 0; i < M_COUNT; i++)
		if (memcmp(lc_mac_key_id(macs[i]), id, LC_KEY_ID_BYTES) == 0)
			return i;
	return -1;
}

static int
is_mac(const struct lc_envelope *env)
{
	return env->alg == LC_ALG_MAC_AES256GCM;
}

/* The incremental verifier over body (blen bytes) in two pieces cut at
 * cut, then in pieces of step bytes; the reason, LC_DROP_NONE if both
 * pass (they must agree). */
static enum lc_drop
mac_pieces(const struct lc_envelope *env, const uint8_t *body, size_t blen,
           size_t cut, size_t step)
{
	struct lc_mac_verifier v;
	enum lc_drop why = LC_DROP_NONE, why2 = LC_DROP_NONE;
	int rc, rc2;

	CHECK(cut <= blen && step > 0);
	if ((rc = lc_mac_verifier_init(&v, env, ring, &why)) != 0) {
		CHECK(rc == LC_EREJECTED && why == LC_DROP_UNKNOWN_KEY);
		return why;
	}
	CHECK(lc_mac_verifier_update(&v, body, cut) == 0);
	CHECK(lc_mac_verifier_update(&v, body + cut, blen - cut) == 0);
	rc = lc_mac_verifier_final(&v, &why);
	CHECK(rc == 0 || (rc == LC_EREJECTED && (why == LC_DROP_BAD_SIGNATURE ||
	                                         why == LC_DROP_LENGTH_MISMATCH)));
	CHECK(lc_mac_verifier_init(&v, env, ring, &why2) == 0);
	for (size_t off = 0; off < blen; off += step)
		CHECK(lc_mac_verifier_update(&v, body + off,
		                             blen - off < step ? blen - off : step) == 0);
	rc2 = lc_mac_verifier_final(&v, &why2);
	CHECK((rc == 0) == (rc2 == 0) && why == why2);
	return rc == 0 ? LC_DROP_NONE : why;
}

/* An intact keyed-seal frame verifies cut anywhere and in pieces of any
 * size; with one body bit flipped (at flip), nowhere. */
static void
check_every_split(const struct lc_envelope *env, const uint8_t *body, size_t blen,
                  uint64_t flip)
{
	size_t step = blen / SPLITS + 1;
	uint8_t *copy;

	for (size_t cut = 0; cut <= blen; cut++)
		if (blen <= EVERY_SPLIT_MAX || cut < EDGE || blen - cut < EDGE ||
		    cut % step == 0)
			CHECK(mac_pieces(env, body, blen, cut, 1 + cut % PIECE_MAX) ==
			      LC_DROP_NONE);
	for (size_t piece = 1; piece <= PIECE_MAX; piece++)
		CHECK(mac_pieces(env, body, blen, blen / 2, piece) == LC_DROP_NONE);
	if (blen == 0)
		return;
	CHECK((copy = malloc(blen)) != NULL);
	memcpy(copy, body, blen);
	copy[(flip / 8) % blen] ^= (uint8_t)(1u << (flip % 8));
	for (size_t cut = 0; cut <= blen; cut += step)
		CHECK(mac_pieces(env, copy, blen, cut, 1 + cut % PIECE_MAX) ==
		      LC_DROP_BAD_SIGNATURE);
	free(copy);
}

/* The library's tag is the construction's (mac-ref.h). */
static void
check_ref_tag(const uint8_t *frame, size_t hlen, size_t blen, int m)
{
	uint8_t want[LC_TAG_BYTES];

	CHECK(ref_mac_tag(mac_secrets[m], frame, hlen, frame + hlen, blen, want) == 0);
	CHECK(memcmp(want, frame + hlen - LC_TAG_BYTES, LC_TAG_BYTES) == 0);
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
	size_t trailer = is_mac(env) ? LC_TAG_BYTES : LC_SIGNATURE_BYTES;

	CHECK(env->header_len >= (is_mac(env) ? LC_HEADER_MIN_MAC : LC_HEADER_MIN) &&
	      env->header_len <= LC_HEADER_MAX);
	CHECK(env->header_len <= size);
	CHECK(env->header == data && env->body == data + env->header_len);
	CHECK(env->version == LC_ENVELOPE_VERSION);
	CHECK(env->alg == LC_ALG_ED25519_SHA256 || is_mac(env));
	CHECK(lc_kind_name(env->kind) != NULL);
	CHECK(lc_valid_device(env->device));
	CHECK(lc_valid_stream_id(env->stream_id));
	CHECK(lc_valid_content_type(env->content_type));
	CHECK(env->header_len == LC_HEADER_FIXED + strlen(env->device) +
	      strlen(env->stream_id) + strlen(env->content_type) + trailer);
	CHECK(memcmp(env->signature, data + env->header_len - trailer, trailer) == 0);
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
 * The same for a keyed seal, but for what the sealer draws: sealing its
 * fields and body again gives its bytes but the nonce field and the tag,
 * and a tag that is the construction's for the new nonce field.
 */
static void
check_reseal_mac(const uint8_t *data, size_t size, const struct lc_envelope *env, int m)
{
	struct lc_seal_params p = {
		.device = env->device, .kind = env->kind,
		.stream_id = env->stream_id, .seq = env->seq,
		.capture_ms = env->capture_ms, .content_type = env->content_type,
	};
	size_t hlen = env->header_len, n = 0;
	uint8_t *out;

	CHECK((out = malloc(size)) != NULL);
	CHECK(lc_envelope_seal_mac(macs[m], &p, env->body, size - hlen, out, size, &n) == 0);
	CHECK(n == size);
	CHECK(memcmp(out, data, REF_FIELD_OFF) == 0);
	CHECK(memcmp(out + REF_FIELD_OFF + LC_DIGEST_BYTES,
	             data + REF_FIELD_OFF + LC_DIGEST_BYTES,
	             hlen - LC_TAG_BYTES - REF_FIELD_OFF - LC_DIGEST_BYTES) == 0);
	CHECK(memcmp(out + hlen, data + hlen, size - hlen) == 0);
	check_ref_tag(out, hlen, size - hlen, m);
	free(out);
}

/*
 * Opens through the streaming API (parse, verify, then the body hashed
 * separately, or for a keyed seal fed to the incremental verifier in two
 * pieces cut at cut % (body + 1)) as a relay does; returns the reason,
 * LC_DROP_NONE if open.
 */
static enum lc_drop
stream_open(const uint8_t *data, size_t size, size_t cut)
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
	rc = lc_envelope_verify(&env, ring, &why);
	if (rc != 0 && !(is_mac(&env) && rc == LC_EAGAIN)) {
		CHECK(rc == LC_EREJECTED);
		return why;
	}
	if (env.body_len > MAX_BODY)
		return LC_DROP_TOO_LARGE;
	blen = size - env.header_len;
	if (blen != env.body_len)
		return LC_DROP_LENGTH_MISMATCH;
	if (is_mac(&env))
		return mac_pieces(&env, env.body, blen, cut % (blen + 1), 1 + cut % PIECE_MAX);
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
	CHECK(stream_open(data, size, size * 7 + (size > 0 ? data[size - 1] : 0)) ==
	      (rc == 0 ? LC_DROP_NONE : why));
	/* A keyed seal of the ring's secret, whole and within bounds, opens
	 * exactly when its tag is the construction's. */
	if (prc == 0 && is_mac(&penv) && mac_index(penv.key_id) == M_RING &&
	    penv.body_len <= MAX_BODY && size - penv.header_len == penv.body_len) {
		uint8_t want[LC_TAG_BYTES];

		CHECK(ref_mac_tag(mac_secrets[M_RING], data, penv.header_len,
		                  penv.body, size - penv.header_len, want) == 0);
		CHECK((rc == 0) == (memcmp(want, penv.signature, LC_TAG_BYTES) == 0));
	}
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
	if (is_mac(&env)) {
		CHECK(mac_index(env.key_id) == M_RING);
		check_ref_tag(data, env.header_len, (size_t)env.body_len, M_RING);
		check_reseal_mac(data, size, &env, M_RING);
		check_every_split(&env, env.body, (size_t)env.body_len, size);
	} else {
		k = key_index(env.key_id);
		CHECK(k == K_ANY || (k == K_CAM && strcmp(env.device, CAM_DEVICE) == 0));
		CHECK(lc_digest(env.body, (size_t)env.body_len, digest) == 0);
		CHECK(memcmp(digest, env.digest, sizeof(digest)) == 0);
		check_reseal(data, &env, k);
	}
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

/* The sealed frame (its envelope hlen bytes) opens, to the fields
 * sealed, and only while intact; or is refused as refused, if not NONE. */
static void
check_sealed(const uint8_t *sealed, size_t n, size_t hlen,
             const struct lc_seal_params *p, const uint8_t *body, size_t blen,
             enum lc_drop refused, uint64_t flip)
{
	struct lc_envelope env;
	enum lc_drop why;
	uint8_t *copy;
	int rc;

	CHECK(hlen != 0 && n == hlen + blen);
	rc = lc_envelope_open(sealed, n, ring, MAX_BODY, &env, &why);
	if (refused != LC_DROP_NONE) {
		CHECK(rc == LC_EREJECTED && why == refused);
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
	if (is_mac(&env))
		check_every_split(&env, env.body, blen, flip);

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
 * Seals with MAC key m (a valid p or not) and checks the frame as
 * check_sealed() does, and that the tag is the construction's and that
 * a second seal draws another nonce field.
 */
static void
seal_mac_checked(const struct lc_seal_params *p, const uint8_t *body, size_t blen,
                 int m, int valid)
{
	size_t hlen = lc_envelope_size_mac(p), cap = LC_HEADER_MAX + blen, n = 0, n2 = 0;
	uint8_t *out = NULL, *out2 = NULL;

	CHECK((hlen != 0) == valid);
	CHECK((out = malloc(cap)) != NULL && (out2 = malloc(cap)) != NULL);
	if (!valid) {
		CHECK(lc_envelope_seal_mac(macs[m], p, body, blen, out, cap, &n) == LC_EINVAL);
		goto done;
	}
	CHECK(hlen == lc_envelope_size(p) - LC_SIGNATURE_BYTES + LC_TAG_BYTES);
	CHECK(lc_envelope_seal_mac(macs[m], p, body, blen, out, cap, &n) == 0);
	check_ref_tag(out, hlen, blen, m);
	/* Never one nonce twice under one key object. */
	CHECK(lc_envelope_seal_mac(macs[m], p, body, blen, out2, cap, &n2) == 0);
	CHECK(n2 == n && memcmp(out + REF_FIELD_OFF, out2 + REF_FIELD_OFF,
	                        LC_DIGEST_BYTES) != 0);
	CHECK(lc_envelope_seal_mac(macs[m], p, body, blen, out2, n - 1, &n2) == LC_ESPACE);
	check_sealed(out, n, hlen, p, body, blen,
	             m == M_STRANGER ? LC_DROP_UNKNOWN_KEY : LC_DROP_NONE,
	             p->seq ^ p->capture_ms);
done:
	free(out);
	free(out2);
}

/*
 * Seal fields taken from the input.  Layout: mode byte (bits 0-1 key,
 * bit 2 raw strings, bits 3-4 kind, bit 5 the keyed seal: key bit 0
 * picks the ring's MAC key or the stranger's), seq (8), capture_ms (8),
 * three length bytes, the three strings, then the body.
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
	if (mode & 0x20) {
		seal_mac_checked(&p, p8, blen, mode & 1 ? M_STRANGER : M_RING, valid);
		return;
	}
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

	check_sealed(out, n, lc_envelope_size(&p), &p, p8, blen,
	             k == K_STRANGER ? LC_DROP_UNKNOWN_KEY
	             : k == K_CAM && strcmp(p.device, CAM_DEVICE) != 0
	             ? LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE : LC_DROP_NONE,
	             p.seq ^ p.capture_ms);
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
