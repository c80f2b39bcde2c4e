/* Unit tests for the envelope: round trips, every rejection reason, and
 * that no single flipped bit of a sealed frame is accepted. */
#include <string.h>

#include "lenscap.h"
#include "tap.h"

static struct lc_secret_key *key_a, *key_b;
static struct lc_keyring *ring;

static const uint8_t body[] = "\xff\xd8\xff\xfe synthetic jpeg for cam-a \xff\xd9";
#define BODY_LEN (sizeof(body) - 1)

static struct lc_seal_params
params(void)
{
	struct lc_seal_params p = {
		.device = "cam-a", .kind = LC_KIND_MJPEG, .stream_id = "s1",
		.seq = 42, .capture_ms = 1764000000123ULL,
		.content_type = "image/jpeg",
	};
	return p;
}

static size_t
seal(const struct lc_secret_key *k, const struct lc_seal_params *p,
     uint8_t *out, size_t outlen)
{
	size_t n = 0;

	if (lc_envelope_seal(k, p, body, BODY_LEN, out, outlen, &n) != 0)
		return 0;
	return n;
}

static enum lc_drop
open_reason(const uint8_t *buf, size_t n, uint64_t max)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_NONE;
	int rc = lc_envelope_open(buf, n, ring, max, &env, &why);

	if (rc == 0)
		return LC_DROP_NONE;
	return rc == LC_EREJECTED ? why : LC_DROP_INTERNAL;
}

static void
test_round_trip(void)
{
	uint8_t buf[1024];
	struct lc_seal_params p = params();
	struct lc_envelope env;
	enum lc_drop why;
	size_t n = seal(key_a, &p, buf, sizeof(buf));

	ok(n == lc_envelope_size(&p) + BODY_LEN, "sealed size is envelope + body");
	is_int(lc_envelope_open(buf, n, ring, 1 << 20, &env, &why), 0, "opens");
	is_int(why, LC_DROP_NONE, "no reason");
	ok(strcmp(env.device, "cam-a") == 0, "device");
	ok(strcmp(env.stream_id, "s1") == 0, "stream id");
	ok(strcmp(env.content_type, "image/jpeg") == 0, "content type");
	is_int(env.kind, LC_KIND_MJPEG, "kind");
	ok(env.seq == 42 && env.capture_ms == 1764000000123ULL, "seq and time");
	ok(env.body_len == BODY_LEN && memcmp(env.body, body, BODY_LEN) == 0,
	   "body view");
	ok(memcmp(env.key_id, lc_key_id(key_a), LC_KEY_ID_BYTES) == 0, "key id");
	is_int(env.version, 1, "version");

	p.stream_id = NULL;
	p.kind = LC_KIND_SNAPSHOT;
	n = seal(key_a, &p, buf, sizeof(buf));
	is_int(open_reason(buf, n, 1 << 20), LC_DROP_NONE, "empty stream id opens");

	n = 0;
	is_int(lc_envelope_seal(key_a, &p, NULL, 0, buf, sizeof(buf), &n), 0,
	       "empty body seals");
	is_int(open_reason(buf, n, 0), LC_DROP_NONE, "empty body opens, max 0");
}

static void
test_bad_params(void)
{
	uint8_t buf[1024];
	size_t n;
	struct lc_seal_params p;
	const char *bad_devices[] = { "", ".cam", "-cam", "cam/a", "cam a",
		"cam%2f", "..", "cam\xc3\xa9",
		"0123456789012345678901234567890123456789012345678901234567890123x" };
	const char *bad_types[] = { "", "image", "image/", "/jpeg", "Image/jpeg",
		"image/jpeg; q=1", "image/jp\"eg", "a/b/c" };

	for (size_t i = 0; i < sizeof(bad_devices) / sizeof(*bad_devices); i++) {
		p = params();
		p.device = bad_devices[i];
		is_int(lc_envelope_seal(key_a, &p, body, BODY_LEN, buf, sizeof(buf), &n),
		       LC_EINVAL, "device id %zu refused", i);
	}
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(*bad_types); i++) {
		p = params();
		p.content_type = bad_types[i];
		is_int(lc_envelope_seal(key_a, &p, body, BODY_LEN, buf, sizeof(buf), &n),
		       LC_EINVAL, "content type %zu refused", i);
	}
	p = params();
	p.kind = 9;
	is_int(lc_envelope_seal(key_a, &p, body, BODY_LEN, buf, sizeof(buf), &n),
	       LC_EINVAL, "unknown kind refused");
	p = params();
	is_int(lc_envelope_seal(key_a, &p, body, BODY_LEN, buf, 100, &n),
	       LC_ESPACE, "short output buffer");
	ok(lc_valid_device("A0.b_c-d") && !lc_valid_device(NULL), "device charset");
}

static void
test_reasons(void)
{
	uint8_t buf[1024], copy[1024];
	struct lc_seal_params p = params();
	size_t n = seal(key_a, &p, buf, sizeof(buf)), h = lc_envelope_size(&p);

#define MUTATE(stmt, len, max, want, name) do { \
	memcpy(copy, buf, n); stmt; \
	is_int(open_reason(copy, (len), (max)), want, name); } while (0)

	MUTATE(copy[0] = 'X', n, 1 << 20, LC_DROP_MALFORMED, "bad magic");
	MUTATE((void)0, h - 1, 1 << 20, LC_DROP_MALFORMED, "truncated header");
	MUTATE((void)0, 3, 1 << 20, LC_DROP_MALFORMED, "three bytes");
	MUTATE(copy[4] = 2, n, 1 << 20, LC_DROP_UNKNOWN_VERSION, "version 2");
	MUTATE(copy[5] = 7, n, 1 << 20, LC_DROP_UNKNOWN_ALGORITHM, "algorithm 7");
	MUTATE(copy[7] = 1, n, 1 << 20, LC_DROP_MALFORMED, "flags set");
	MUTATE(copy[13] = 1, n, 1 << 20, LC_DROP_MALFORMED, "reserved set");
	MUTATE(copy[9]++, n, 1 << 20, LC_DROP_MALFORMED, "header length off");
	MUTATE(copy[86] = '/', n, 1 << 20, LC_DROP_MALFORMED, "device charset");
	MUTATE(copy[14] ^= 1, n, 1 << 20, LC_DROP_UNKNOWN_KEY, "key id");
	MUTATE(copy[31] ^= 1, n, 1 << 20, LC_DROP_BAD_SIGNATURE, "sequence changed");
	MUTATE(copy[h - 1] ^= 1, n, 1 << 20, LC_DROP_BAD_SIGNATURE, "signature bit");
	MUTATE((void)0, n, BODY_LEN - 1, LC_DROP_TOO_LARGE, "over the limit");
	MUTATE((void)0, n - 1, 1 << 20, LC_DROP_LENGTH_MISMATCH, "truncated body");
	MUTATE(copy[n] = 0, n + 1, 1 << 20, LC_DROP_LENGTH_MISMATCH, "trailing byte");
	MUTATE(copy[h + 3] ^= 0x40, n, 1 << 20, LC_DROP_DIGEST_MISMATCH, "body byte");
#undef MUTATE

	/* A key that is trusted but only for another device. */
	p.device = "cam-b";
	n = seal(key_b, &p, buf, sizeof(buf));
	is_int(open_reason(buf, n, 1 << 20), LC_DROP_NONE, "key b signs cam-b");
	p.device = "cam-a";
	n = seal(key_b, &p, buf, sizeof(buf));
	is_int(open_reason(buf, n, 1 << 20), LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE,
	       "key b may not sign cam-a");
}

/* Every single-bit change anywhere in a sealed frame must be refused. */
static void
test_every_bit(void)
{
	uint8_t buf[1024];
	struct lc_seal_params p = params();
	size_t n = seal(key_a, &p, buf, sizeof(buf)), accepted = 0;

	for (size_t i = 0; i < n * 8; i++) {
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (open_reason(buf, n, 1 << 20) == LC_DROP_NONE)
			accepted++;
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	is_int(accepted, 0, "all %zu single-bit flips rejected", n * 8);
	is_int(open_reason(buf, n, 1 << 20), LC_DROP_NONE, "original still opens");
}

static void
test_parse_incremental(void)
{
	uint8_t buf[1024];
	struct lc_seal_params p = params();
	struct lc_envelope env;
	enum lc_drop why;
	size_t n = seal(key_a, &p, buf, sizeof(buf)), h = lc_envelope_size(&p);
	size_t again = 0;

	for (size_t i = 0; i < h; i++)
		if (lc_envelope_parse(buf, i, &env, &why) == LC_EAGAIN)
			again++;
	is_int(again, h, "every proper prefix of the header asks for more");
	is_int(lc_envelope_parse(buf, 20, &env, &why), LC_EAGAIN, "prefix 20");
	is_int(env.header_len, h, "header length known from 14 bytes");
	is_int(lc_envelope_parse(buf, h, &env, &why), 0, "header alone parses");
	is_int(lc_envelope_verify(&env, ring, &why), 0, "header alone verifies");
	ok(env.body_len == BODY_LEN, "body length from the header");
	(void)n;
}

static void
test_digest(void)
{
	uint8_t one[LC_DIGEST_BYTES], inc[LC_DIGEST_BYTES];
	struct lc_digest d;
	int same = 1;

	if (lc_digest(body, BODY_LEN, one) != 0)
		same = 0;
	for (size_t cut = 0; cut <= BODY_LEN; cut++) {
		if (lc_digest_init(&d) != 0 || lc_digest_update(&d, body, cut) != 0 ||
		    lc_digest_update(&d, body + cut, BODY_LEN - cut) != 0) {
			same = 0;
			break;
		}
		lc_digest_final(&d, inc);
		same &= memcmp(one, inc, sizeof(one)) == 0;
	}
	ok(same, "incremental digest equals one-shot at every split");
	/* SHA-256("abc"), FIPS 180-2. */
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	ok(lc_digest("abc", 3, one) == 0 && memcmp(one, abc, 32) == 0,
	   "digest is SHA-256");
}

static void
test_names(void)
{
	int all = 1;

	for (int i = 0; i < LC_DROP_COUNT_; i++)
		all &= lc_drop_from_name(lc_drop_name(i)) == i;
	ok(all, "every reason name maps back to its reason");
	ok(strcmp(lc_drop_name(LC_DROP_DEVICE_MISMATCH), "device_mismatch") == 0,
	   "device_mismatch name");
	is_int(lc_kind_from_name("mjpeg"), LC_KIND_MJPEG, "kind name");
	ok(lc_kind_name(0) == NULL, "no kind 0");
}

int
main(void)
{
	uint8_t seed[32];
	const char *only_a[] = { "cam-a" }, *only_b[] = { "cam-b" };

	tap_init();
	memset(seed, 1, sizeof(seed));
	if (lc_key_from_seed(seed, &key_a) != 0)
		return 99;
	memset(seed, 2, sizeof(seed));
	if (lc_key_from_seed(seed, &key_b) != 0 || lc_keyring_new(&ring) != 0 ||
	    lc_keyring_add(ring, lc_key_public(key_a), only_a, 1) != 0 ||
	    lc_keyring_add(ring, lc_key_public(key_b), only_b, 1) != 0)
		return 99;
	is_int(lc_keyring_add(ring, lc_key_public(key_a), only_a, 1), LC_EEXIST,
	       "a key is added once");

	test_round_trip();
	test_bad_params();
	test_reasons();
	test_every_bit();
	test_parse_incremental();
	test_digest();
	test_names();

	lc_keyring_free(ring);
	lc_key_free(key_a);
	lc_key_free(key_b);
	return tap_done();
}
