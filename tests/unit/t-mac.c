/*
 * The keyed seal (algorithm 3): round trip, every byte matters, the
 * incremental verifier across every split of a frame, rotation in a
 * keyring, key files, and no nonce twice.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lenscap.h"
#include "tap.h"

#define BODY 333 /* not a multiple of 16 */

static uint8_t body[BODY];

static const struct lc_seal_params params = {
	.device = "cam-a", .kind = LC_KIND_MJPEG, .stream_id = "s1", .seq = 7,
	.capture_ms = 1764000000000ULL, .content_type = "image/jpeg",
};

/* Seals body with k into out; its length, or 0. */
static size_t
seal(struct lc_mac_key *k, uint8_t *out, size_t cap)
{
	size_t n = 0;

	return lc_envelope_seal_mac(k, &params, body, BODY, out, cap, &n) == 0 ? n : 0;
}

/* The reason frame f of n bytes is refused for, or LC_DROP_NONE. */
static enum lc_drop
open_reason(const uint8_t *f, size_t n, const struct lc_keyring *kr)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_NONE;

	if (lc_envelope_open(f, n, kr, 1 << 20, &env, &why) == 0)
		return LC_DROP_NONE;
	return why == LC_DROP_NONE ? LC_DROP_INTERNAL : why;
}

/* Verifies f's body incrementally in two pieces split at cut, and the
 * whole body in pieces of step bytes; 0 if both pass. */
static int
split_ok(const uint8_t *f, size_t n, const struct lc_keyring *kr, size_t cut,
         size_t step)
{
	struct lc_envelope env;
	struct lc_mac_verifier v;
	enum lc_drop why;
	const uint8_t *b;
	size_t blen;

	if (lc_envelope_parse(f, n, &env, &why) != 0)
		return -1;
	b = env.body;
	blen = n - env.header_len;
	if (lc_mac_verifier_init(&v, &env, kr, &why) != 0 ||
	    lc_mac_verifier_update(&v, b, cut) != 0 ||
	    lc_mac_verifier_update(&v, b + cut, blen - cut) != 0 ||
	    lc_mac_verifier_final(&v, &why) != 0)
		return -1;
	if (lc_mac_verifier_init(&v, &env, kr, &why) != 0)
		return -1;
	for (size_t off = 0; off < blen; off += step)
		if (lc_mac_verifier_update(&v, b + off, blen - off < step ? blen - off : step) != 0)
			return -1;
	return lc_mac_verifier_final(&v, &why);
}

int
main(void)
{
	struct lc_mac_key *k, *k2, *back;
	struct lc_keyring *kr, *kr2;
	uint8_t f[2048], g[2048], id[LC_KEY_ID_BYTES];
	struct lc_envelope env;
	enum lc_drop why;
	char dir[] = "/tmp/t-mac.XXXXXX", path[64];
	size_t n, m, bad;
	int all;

	tap_init();
	for (size_t i = 0; i < BODY; i++)
		body[i] = (uint8_t)(i * 31 + 7);
	if (lc_mac_key_generate(&k) != 0 || lc_mac_key_generate(&k2) != 0 ||
	    lc_keyring_new(&kr) != 0 || lc_keyring_new(&kr2) != 0)
		return 1;
	ok(lc_keyring_add_mac(kr, k) == 0, "a MAC key goes into a keyring");
	ok(lc_keyring_add_mac(kr, k) == LC_EEXIST, "not twice");
	ok(lc_mac_key_id_from_secret(body, id) == 0, "key id from a secret");

	n = seal(k, f, sizeof(f));
	ok(n == lc_envelope_size_mac(&params) + BODY, "sealed size is the MAC envelope's");
	ok(lc_envelope_open(f, n, kr, 1 << 20, &env, &why) == 0 && why == LC_DROP_NONE,
	   "the frame opens");
	ok(env.alg == LC_ALG_MAC_AES256GCM && env.seq == 7 &&
	   strcmp(env.device, "cam-a") == 0 && env.body_len == BODY &&
	   memcmp(env.key_id, lc_mac_key_id(k), LC_KEY_ID_BYTES) == 0,
	   "with its fields");
	m = seal(k, g, sizeof(g));
	ok(m == n && memcmp(f + 54, g + 54, 24) == 0 && memcmp(f + 78, g + 78, 8) != 0,
	   "one salt per key object, a new counter per frame");
	ok(open_reason(f, n, kr2) == LC_DROP_UNKNOWN_KEY, "an empty ring: unknown_key");

	bad = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(g, f, n);
		g[i] ^= 0x01;
		if (open_reason(g, n, kr) == LC_DROP_NONE)
			bad++;
	}
	ok(bad == 0, "any flipped bit of %zu bytes: refused", n);
	ok(open_reason(f, n - 1, kr) == LC_DROP_LENGTH_MISMATCH, "truncated: length_mismatch");
	memcpy(g, f, n);
	g[n] = 0;
	ok(open_reason(g, n + 1, kr) == LC_DROP_LENGTH_MISMATCH, "extended: length_mismatch");
	memcpy(g, f, n);
	g[n - BODY - 1] ^= 0x80;
	ok(open_reason(g, n, kr) == LC_DROP_BAD_SIGNATURE, "a bad tag: bad_signature");
	ok(lc_envelope_open(f, n, kr, BODY - 1, &env, &why) != 0 && why == LC_DROP_TOO_LARGE,
	   "over max_body: too_large");
	ok(lc_envelope_parse(f, n, &env, &why) == 0 &&
	   lc_envelope_verify(&env, kr, &why) == LC_EAGAIN,
	   "the header alone is not verified (LC_EAGAIN)");

	all = 1;
	for (size_t cut = 0; cut <= BODY; cut++)
		for (size_t step = 1; step <= 40 && all; step += (cut == 0 ? 1 : 40))
			if (split_ok(f, n, kr, cut, step) != 0)
				all = 0;
	ok(all, "incremental: every split point and piece size 1..40 verifies");
	memcpy(g, f, n);
	g[n - 1] ^= 1;
	ok(split_ok(g, n, kr, 17, 3) != 0, "incremental: a changed byte is refused");

	/* Rotation: a frame of the old key opens while the ring holds it. */
	m = seal(k2, g, sizeof(g));
	ok(open_reason(g, m, kr) == LC_DROP_UNKNOWN_KEY, "another key: unknown_key");
	ok(lc_keyring_add_mac(kr, k2) == 0 && open_reason(g, m, kr) == LC_DROP_NONE &&
	   open_reason(f, n, kr) == LC_DROP_NONE, "two keys: both verify");

	/* An Ed25519 ring entry is not a MAC key, nor the other way round. */
	memcpy(g, f, n);
	g[5] = LC_ALG_ED25519_SHA256;
	ok(open_reason(g, n, kr) == LC_DROP_MALFORMED, "alg 1 with a tag's length: malformed");

	/* Key files. */
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/mac", dir);
	ok(lc_mac_key_save(k, path) == 0, "secret saved");
	ok(lc_mac_key_save(k, path) == LC_EEXIST, "never over a file");
	ok(lc_mac_key_load(path, &back) == 0 &&
	   memcmp(lc_mac_key_id(back), lc_mac_key_id(k), LC_KEY_ID_BYTES) == 0,
	   "loaded back, same id");
	m = seal(back, g, sizeof(g));
	ok(open_reason(g, m, kr) == LC_DROP_NONE, "a loaded key seals frames the ring opens");
	ok(memcmp(g + 54, f + 54, 24) != 0, "a new key object, a new salt");
	lc_mac_key_free(back);
	ok(chmod(path, 0640) == 0 && lc_mac_key_load(path, &back) == LC_EPERM,
	   "group-readable secret: LC_EPERM");
	(void)unlink(path);
	(void)rmdir(dir);

	lc_mac_key_free(k);
	lc_mac_key_free(k2);
	lc_keyring_free(kr);
	lc_keyring_free(kr2);
	return tap_done();
}
