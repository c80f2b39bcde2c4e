/*
 * Writes the envelope's known-answer vectors (tests/vectors/NAME.vec) once;
 * the files are committed and t-vectors checks the library against them.
 * Usage: gen-vectors OUTDIR.  The format is described in README.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lenscap.h"
#include "mac-ref.h"

/* RFC 8032 section 7.1, TEST 1, 2 and 3 secret keys (seeds). */
static const char *const seed_hex[3] = {
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
};
enum { KEY_CAM, KEY_INGEST, KEY_STRANGER, NKEYS };

/* Keyed-seal secrets (algorithm 3): 00 01 .. 1f and 20 21 .. 3f; the
 * sealer's salt a0 a1 .. b7. */
enum { MAC_1, MAC_2, NMACS };
static uint8_t mac_secrets[NMACS][LC_MAC_SECRET_BYTES];
static struct lc_mac_key *macs[NMACS];
static uint8_t mac_salt[LC_MAC_SALT_BYTES];

static struct lc_secret_key *keys[NKEYS];
static uint8_t seeds[NKEYS][LC_SEED_BYTES];
static const char *outdir;

#define BUF_MAX (LC_HEADER_MAX + 4096)

/* A keyring line of a vector: which key, and its device list; or,
 * with mac set, which keyed-seal secret (it seals for every device). */
struct ring_line {
	int key;
	const char *devices; /* space-separated, or "*" */
	int mac;
};

/* One vector, positive (expect == NULL) or negative. */
struct vec {
	const char *name;
	const char *comment;
	int key;                       /* the sealing key, positive only */
	struct lc_seal_params p;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *sealed;
	size_t sealed_len;
	struct ring_line ring[3];
	size_t nring;
	uint64_t max_body;
	const char *expect;
	const char *hls_name;          /* an HLS object's name, or NULL */
	int mac;                       /* sealed with macs[key] (algorithm 3) */
};

static void
put_hex(FILE *f, const char *name, const uint8_t *p, size_t n)
{
	fprintf(f, "%s = ", name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

static void
put_b64_line(FILE *f, const char *name, const char *prefix, const uint8_t *p,
             size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof(b64), p, n, sodium_base64_VARIANT_ORIGINAL);
	fprintf(f, "%s = %s %s\n", name, prefix, b64);
}

/* Whether v's keyring holds a keyed-seal secret. */
static int
ring_has_mac(const struct vec *v)
{
	for (size_t i = 0; i < v->nring; i++)
		if (v->ring[i].mac)
			return 1;
	return 0;
}

/* The inputs to sealing that every positive vector gives. */
static void
put_inputs(FILE *f, const struct vec *v)
{
	fprintf(f, "\n# What the sealer says.\n");
	fprintf(f, "device = %s\n", v->p.device);
	fprintf(f, "kind = %s\n", lc_kind_name(v->p.kind));
	if (v->p.stream_id != NULL && *v->p.stream_id != '\0')
		fprintf(f, "stream_id = %s\n", v->p.stream_id);
	else
		fprintf(f, "stream_id =\n");
	if (v->hls_name != NULL)
		fprintf(f, "hls_name = %s\n", v->hls_name);
	fprintf(f, "seq = %llu\n", (unsigned long long)v->p.seq);
	fprintf(f, "capture_ms = %llu\n", (unsigned long long)v->p.capture_ms);
	fprintf(f, "content_type = %s\n", v->p.content_type);
	put_hex(f, "body", v->body, v->body_len);
}

/* A keyed-seal positive vector: the secret, the sealer's nonce field,
 * the values derived on the way, and the frame. */
static int
put_mac_positive(FILE *f, const struct vec *v)
{
	const uint8_t *field = v->sealed + REF_FIELD_OFF;
	uint8_t key[32], nonce[REF_NONCE_BYTES];
	struct lc_envelope env;
	enum lc_drop why;
	uint64_t counter = 0;

	if (lc_envelope_parse(v->sealed, v->sealed_len, &env, &why) != 0 ||
	    ref_mac_key(mac_secrets[v->key], field, key) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		counter = counter << 8 | field[LC_MAC_SALT_BYTES + i];
	ref_mac_nonce(field, nonce);
	fprintf(f, "algorithm = 3\n");
	fprintf(f, "\n# The keyed-seal secret.\n");
	put_hex(f, "mac_secret", mac_secrets[v->key], LC_MAC_SECRET_BYTES);
	put_hex(f, "key_id", lc_mac_key_id(macs[v->key]), LC_KEY_ID_BYTES);
	put_b64_line(f, "mac_secret_file", "lenscap-mac-secret-v1",
	             mac_secrets[v->key], LC_MAC_SECRET_BYTES);
	put_inputs(f, v);
	fprintf(f, "\n# The sealer's nonce field: its salt and counter.\n");
	put_hex(f, "salt", field, LC_MAC_SALT_BYTES);
	fprintf(f, "counter = %llu\n", (unsigned long long)counter);
	fprintf(f, "\n# What sealing must produce.\n");
	put_hex(f, "derived_key", key, sizeof(key));
	put_hex(f, "nonce", nonce, sizeof(nonce));
	fprintf(f, "header_len = %zu\n", env.header_len);
	fprintf(f, "body_len = %llu\n", (unsigned long long)env.body_len);
	put_hex(f, "tag", env.signature, LC_TAG_BYTES);
	put_hex(f, "sealed", v->sealed, v->sealed_len);
	sodium_memzero(key, sizeof(key));
	return 0;
}

/* Writes OUTDIR/NAME.vec; 0 or -1. */
static int
write_vec(const struct vec *v)
{
	char path[4096];
	FILE *f;
	int w = snprintf(path, sizeof(path), "%s/%s.vec", outdir, v->name);

	if (w < 0 || (size_t)w >= sizeof(path))
		return -1;
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# lenscap envelope test vector; see lenscap-envelope(7).\n");
	fprintf(f, "# %s\n", v->comment);
	fprintf(f, "name = %s\n", v->name);
	fprintf(f, "type = %s\n", v->expect == NULL ? "positive" : "negative");
	if (v->expect == NULL && v->mac) {
		if (put_mac_positive(f, v) != 0) {
			fclose(f);
			return -1;
		}
	} else if (v->expect == NULL) {
		const struct lc_secret_key *k = keys[v->key];
		struct lc_envelope env;
		enum lc_drop why;

		if (lc_envelope_parse(v->sealed, v->sealed_len, &env, &why) != 0) {
			fclose(f);
			return -1;
		}
		fprintf(f, "\n# The signing key.\n");
		put_hex(f, "seed", seeds[v->key], LC_SEED_BYTES);
		put_hex(f, "public_key", lc_key_public(k), LC_PUBLICKEY_BYTES);
		put_hex(f, "key_id", lc_key_id(k), LC_KEY_ID_BYTES);
		put_b64_line(f, "secret_key_file", "lenscap-secret-key-v1",
		             seeds[v->key], LC_SEED_BYTES);
		put_b64_line(f, "public_key_file", "lenscap-public-key-v1",
		             lc_key_public(k), LC_PUBLICKEY_BYTES);
		put_inputs(f, v);
		fprintf(f, "\n# What sealing must produce.\n");
		fprintf(f, "header_len = %zu\n", env.header_len);
		fprintf(f, "body_len = %llu\n", (unsigned long long)env.body_len);
		put_hex(f, "digest", env.digest, LC_DIGEST_BYTES);
		put_hex(f, "signature", env.signature, LC_SIGNATURE_BYTES);
		put_hex(f, "sealed", v->sealed, v->sealed_len);
	} else {
		fprintf(f, "\n# The frame as received.\n");
		put_hex(f, "sealed", v->sealed, v->sealed_len);
	}
	if (ring_has_mac(v))
		fprintf(f, "\n# Opening: the keyring (public key, then the devices it may\n"
		           "# sign for, or *; a keyed-seal secret seals for every device)\n"
		           "# and the largest body accepted.\n");
	else
		fprintf(f, "\n# Opening: the keyring (public key, then the devices it may\n"
		           "# sign for, or *) and the largest body accepted.\n");
	for (size_t i = 0; i < v->nring; i++) {
		if (v->ring[i].mac) {
			put_hex(f, "mac_key", mac_secrets[v->ring[i].key], LC_MAC_SECRET_BYTES);
			continue;
		}
		fprintf(f, "key = ");
		for (size_t j = 0; j < LC_PUBLICKEY_BYTES; j++)
			fprintf(f, "%02x", lc_key_public(keys[v->ring[i].key])[j]);
		fprintf(f, " %s\n", v->ring[i].devices);
	}
	fprintf(f, "max_body = %llu\n", (unsigned long long)v->max_body);
	fprintf(f, "expect = %s\n", v->expect == NULL ? "none" : v->expect);
	if (fclose(f) == EOF)
		return -1;
	printf("\ttests/vectors/%s.vec \\\n", v->name);
	return 0;
}

/* Re-signs a (mutated) header in place, as a sealer with key k would. */
static int
resign(uint8_t *buf, size_t hlen, int k)
{
	static const char ctx[] = "lenscap envelope v1";
	uint8_t msg[sizeof(ctx) + LC_HEADER_MAX];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	size_t n = hlen - LC_SIGNATURE_BYTES;

	memcpy(msg, ctx, sizeof(ctx));
	memcpy(msg + sizeof(ctx), buf, n);
	if (crypto_sign_seed_keypair(pk, sk, seeds[k]) != 0 ||
	    crypto_sign_detached(buf + n, NULL, msg, sizeof(ctx) + n, sk) != 0)
		return -1;
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

static uint8_t bufs[80][BUF_MAX];
static size_t nbufs;

/* Seals into a fresh static buffer; NULL on failure. */
static uint8_t *
seal(int k, const struct lc_seal_params *p, const uint8_t *body, size_t blen,
     size_t *n)
{
	uint8_t *out;

	if (nbufs == sizeof(bufs) / sizeof(bufs[0]))
		return NULL;
	out = bufs[nbufs++];
	if (lc_envelope_seal(keys[k], p, body, blen, out, BUF_MAX, n) != 0)
		return NULL;
	return out;
}

/* A copy of a sealed frame to mutate. */
static uint8_t *
copy(const uint8_t *src, size_t n)
{
	uint8_t *out;

	if (nbufs == sizeof(bufs) / sizeof(bufs[0]))
		return NULL;
	out = bufs[nbufs++];
	memcpy(out, src, n);
	return out;
}

/* Puts salt || counter in a keyed-seal frame's nonce field and tags it
 * again with macs[k]'s secret, as a sealer with that key would. */
static int
retag(uint8_t *frame, size_t len, int k, uint64_t counter)
{
	size_t hlen = (size_t)frame[8] << 8 | frame[9]; /* as written, even if wrong */

	if (hlen > len)
		return -1;
	memcpy(frame + REF_FIELD_OFF, mac_salt, LC_MAC_SALT_BYTES);
	for (int i = 0; i < 8; i++)
		frame[REF_FIELD_OFF + LC_MAC_SALT_BYTES + i] = (uint8_t)(counter >> (56 - 8 * i));
	return ref_mac_tag(mac_secrets[k], frame, hlen, frame + hlen, len - hlen,
	                   frame + hlen - LC_TAG_BYTES);
}

/* Seals with macs[k] into a fresh static buffer, then fixes its nonce
 * field (the library draws a random salt); NULL on failure. */
static uint8_t *
seal_mac(int k, const struct lc_seal_params *p, const uint8_t *body, size_t blen,
         uint64_t counter, size_t *n)
{
	uint8_t *out;

	if (nbufs == sizeof(bufs) / sizeof(bufs[0]))
		return NULL;
	out = bufs[nbufs++];
	if (lc_envelope_seal_mac(macs[k], p, body, blen, out, BUF_MAX, n) != 0 ||
	    retag(out, *n, k, counter) != 0)
		return NULL;
	return out;
}

/* The keyed seal's vectors (algorithm 3): positive ones with every
 * value derived on the way, negative ones for each reason it gives and
 * for each key confused with the other kind.  0 or -1. */
static int
mac_vectors(const uint8_t *jpeg, size_t njpeg, const uint8_t *mjpeg, size_t nmjpeg,
            const uint8_t *ts, size_t nts, const uint8_t *big, size_t nbig)
{
	static const struct ring_line mac1 = { MAC_1, NULL, 1 }, mac2 = { MAC_2, NULL, 1 };
	static const struct ring_line rotating[3] = {
		{ MAC_2, NULL, 1 }, { MAC_1, NULL, 1 }, { KEY_INGEST, "*", 0 } };
	static const struct ring_line mac_and_cam[2] = {
		{ KEY_CAM, "cam-a", 0 }, { MAC_1, NULL, 1 } };
	static const struct ring_line ingest_ring = { KEY_INGEST, "*", 0 };
	const struct lc_seal_params snap = {
		.device = "cam-a", .kind = LC_KIND_SNAPSHOT, .stream_id = NULL,
		.seq = 1, .capture_ms = 1764000000000ULL,
		.content_type = "image/jpeg",
	};
	char named_seg[LC_HLS_STREAM_ID_LEN + 1];
	struct lc_seal_params p;
	struct vec v;
	uint8_t *s, *m;
	size_t n, hlen;

#define POSM(nm, cm, k, par, b, bl, ctr, r, nr, mx, hn) do { \
		memset(&v, 0, sizeof(v)); \
		v.name = nm; v.comment = cm; v.key = k; v.p = par; v.hls_name = hn; \
		v.mac = 1; v.body = b; v.body_len = bl; v.max_body = mx; \
		memcpy(v.ring, r, (nr) * sizeof(struct ring_line)); v.nring = nr; \
		if ((v.sealed = seal_mac(k, &v.p, b, bl, ctr, &v.sealed_len)) == NULL || \
		    write_vec(&v) != 0) return -1; } while (0)
#define NEGM(nm, cm, buf, len, r, nr, mx, ex) do { \
		memset(&v, 0, sizeof(v)); \
		v.name = nm; v.comment = cm; v.sealed = buf; v.sealed_len = len; \
		memcpy(v.ring, r, (nr) * sizeof(struct ring_line)); v.nring = nr; \
		v.max_body = mx; v.expect = ex; \
		if (v.sealed == NULL || write_vec(&v) != 0) return -1; } while (0)
/* A copy with one byte set, tagged again by key k (counter 1). */
#define MUTM(off, val, k) \
	((m = copy(s, n)) == NULL ? NULL : \
	 (m[off] = (uint8_t)(val), retag(m, n, k, 1) == 0 ? m : NULL))

	POSM("pos-mac-snapshot", "A snapshot under the keyed seal (algorithm 3): "
	     "64-byte body, counter 1.", MAC_1, snap, jpeg, njpeg, 1, &mac1, 1,
	     1048576, NULL);
	p = snap;
	p.device = "frontdoor.cam-7";
	p.kind = LC_KIND_MJPEG;
	p.stream_id = "live_0";
	p.seq = 1234567890123ULL;
	p.capture_ms = 1764000012345ULL;
	POSM("pos-mac-mjpeg", "One MJPEG part, a 100-byte body (not a multiple of "
	     "16); the keyring holds a newer MAC key and an Ed25519 key too.",
	     MAC_1, p, mjpeg, nmjpeg, 2, rotating, 3, 1048576, NULL);
	p.kind = LC_KIND_HLS;
	p.device = "cam-a";
	p.seq = 1;
	p.content_type = "video/mp2t";
	if (lc_hls_stream_id("seg-7.ts", named_seg) != 0)
		return -1;
	p.stream_id = named_seg;
	POSM("pos-mac-hls-name-segment", "An HLS segment bound to its name seg-7.ts, "
	     "under the second MAC secret.", MAC_2, p, ts, nts, 3, &mac2, 1, 1048576,
	     "seg-7.ts");
	POSM("pos-mac-empty-body", "An empty body: the associated data is the "
	     "header alone; max_body 0 still accepts it.", MAC_1, snap,
	     (const uint8_t *)"", 0, 4, &mac1, 1, 0, NULL);
	p.device = "Z123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX.-_x";
	p.kind = LC_KIND_MJPEG;
	p.stream_id = "9_stream-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx.0123";
	p.content_type = "application/vnd.lenscap+x-frame.2026_abcdefghijklmnopqrstuv!#$&^";
	p.seq = UINT64_MAX;
	p.capture_ms = UINT64_MAX;
	POSM("pos-mac-max-fields", "Every string at 64 bytes, seq and time at "
	     "2^64-1, the last counter a sealer may use (2^64-1).", MAC_1, p, big,
	     nbig, UINT64_MAX, &mac1, 1, nbig, NULL);

	if ((s = seal_mac(MAC_1, &snap, jpeg, njpeg, 1, &n)) == NULL)
		return -1;
	hlen = n - njpeg;
	NEGM("neg-mac-bad-tag", "The last tag byte changed.",
	     (m = copy(s, n)) ? (m[hlen - 1] ^= 0x01, m) : NULL, n, &mac1, 1,
	     1048576, "bad_signature");
	NEGM("neg-mac-zero-tag", "The tag all zeros.",
	     (m = copy(s, n)) ? (memset(m + hlen - LC_TAG_BYTES, 0, LC_TAG_BYTES), m)
	                      : NULL, n, &mac1, 1, 1048576, "bad_signature");
	NEGM("neg-mac-body-bit", "One bit of the body flipped: under the keyed "
	     "seal, bad_signature (there is no digest to mismatch).",
	     (m = copy(s, n)) ? (m[n - 20] ^= 0x04, m) : NULL, n, &mac1, 1, 1048576,
	     "bad_signature");
	NEGM("neg-mac-device-changed", "The device changed to cam-b after sealing.",
	     (m = copy(s, n)) ? (m[86 + 4] = 'b', m) : NULL, n, &mac1, 1, 1048576,
	     "bad_signature");
	NEGM("neg-mac-seq-changed", "The sequence number changed after sealing "
	     "(1 -> 0).", (m = copy(s, n)) ? (m[37] = 0, m) : NULL, n, &mac1, 1,
	     1048576, "bad_signature");
	NEGM("neg-mac-counter-changed", "The counter changed after sealing (1 -> 2).",
	     (m = copy(s, n)) ? (m[85] = 2, m) : NULL, n, &mac1, 1, 1048576,
	     "bad_signature");
	NEGM("neg-mac-salt-changed", "One salt byte changed after sealing.",
	     (m = copy(s, n)) ? (m[54] ^= 0x01, m) : NULL, n, &mac1, 1, 1048576,
	     "bad_signature");
	if ((m = copy(s, n)) == NULL || retag(m, n, MAC_2, 1) != 0)
		return -1;
	NEGM("neg-mac-wrong-secret", "Tagged with the second secret under the "
	     "first one's key id; the keyring holds both.", m, n, rotating, 2,
	     1048576, "bad_signature");
	NEGM("neg-mac-unknown-key", "A valid frame whose MAC key is not in the "
	     "keyring (another MAC key is).", s, n, &mac2, 1, 1048576, "unknown_key");
	NEGM("neg-mac-public-key-ring", "A valid frame; the keyring holds an "
	     "Ed25519 key for every device and no MAC key.", s, n, &ingest_ring, 1,
	     1048576, "unknown_key");
	if ((m = copy(s, n)) == NULL)
		return -1;
	memcpy(m + 14, lc_key_id(keys[KEY_CAM]), LC_KEY_ID_BYTES);
	if (retag(m, n, MAC_1, 1) != 0)
		return -1;
	NEGM("neg-mac-key-id-of-public-key", "Algorithm 3 naming the Ed25519 key of "
	     "the keyring, tagged with a MAC secret it also holds: a public key "
	     "is no MAC key.", m, n, mac_and_cam, 2, 1048576, "unknown_key");
	NEGM("neg-mac-alg-1", "Algorithm 1 on a keyed-seal frame: the header "
	     "length is a tag's, not a signature's.", (m = copy(s, n)) ? (m[5] = 1, m)
	     : NULL, n, mac_and_cam, 2, 1048576, "malformed");
	NEGM("neg-mac-truncated", "The header cut one byte short of its tag's end.",
	     s, hlen - 1, &mac1, 1, 1048576, "malformed");
	NEGM("neg-mac-unknown-kind", "Kind 4 (unknown), tagged again.",
	     MUTM(6, 4, MAC_1), n, &mac1, 1, 1048576, "malformed");
	NEGM("neg-mac-too-large", "A 64-byte body where at most 63 are accepted.",
	     s, n, &mac1, 1, njpeg - 1, "too_large");
	NEGM("neg-order-mac-key-before-size", "Unknown key and too large: the key "
	     "is checked first.", s, n, &mac2, 1, njpeg - 1, "unknown_key");
	NEGM("neg-order-mac-size-before-length", "Too large and truncated: the size "
	     "limit is checked before the length.", s, n - 10, &mac1, 1, njpeg - 1,
	     "too_large");
	NEGM("neg-mac-length-short", "The body one byte short (the length is "
	     "checked before the tag).", s, n - 1, &mac1, 1, 1048576, "length_mismatch");
	if ((m = copy(s, n)) == NULL)
		return -1;
	m[n] = 0;
	NEGM("neg-mac-length-trailing", "One byte after the body.", m, n + 1, &mac1,
	     1, 1048576, "length_mismatch");
	NEGM("neg-mac-header-only", "The header alone, no body.", s, hlen, &mac1, 1,
	     1048576, "length_mismatch");

	/* The other way round: an Ed25519 frame that names a MAC key. */
	if ((s = seal(KEY_CAM, &snap, jpeg, njpeg, &n)) == NULL || (m = copy(s, n)) == NULL)
		return -1;
	hlen = n - njpeg;
	memcpy(m + 14, lc_mac_key_id(macs[MAC_1]), LC_KEY_ID_BYTES);
	if (resign(m, hlen, KEY_CAM) != 0)
		return -1;
	NEGM("neg-signature-key-id-of-mac-key", "Algorithm 1 naming a MAC key of the "
	     "keyring, signed by the camera key it also holds: a MAC key signs "
	     "nothing.", m, n, mac_and_cam, 2, 1048576, "unknown_key");
	NEGM("neg-alg-3-on-signature", "Algorithm 3 on an Ed25519 frame: the header "
	     "length is a signature's, not a tag's.", (m = copy(s, n)) ? (m[5] = 3, m)
	     : NULL, n, mac_and_cam, 2, 1048576, "malformed");
#undef POSM
#undef NEGM
#undef MUTM
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t jpeg[64], mjpeg[100], ts[188], big[1024];
	static const uint8_t m3u8[] = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n"
		"#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:1.000000,\nseg-7.ts\n";
	char named_seg[LC_HLS_STREAM_ID_LEN + 1], named_pl[LC_HLS_STREAM_ID_LEN + 1];
	static const struct ring_line cam_ring = { KEY_CAM, "cam-a", 0 };
	static const struct ring_line ingest_ring = { KEY_INGEST, "*", 0 };
	static const struct ring_line both[2] = {
		{ KEY_CAM, "cam-a", 0 }, { KEY_INGEST, "*", 0 } };
	const struct lc_seal_params snap = {
		.device = "cam-a", .kind = LC_KIND_SNAPSHOT, .stream_id = NULL,
		.seq = 1, .capture_ms = 1764000000000ULL,
		.content_type = "image/jpeg",
	};
	struct lc_seal_params p;
	struct vec v;
	uint8_t *s, *m;
	size_t n, hlen;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s outdir\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	if (sodium_init() < 0)
		return 1;
	for (int i = 0; i < NKEYS; i++)
		if (sodium_hex2bin(seeds[i], LC_SEED_BYTES, seed_hex[i], 64, NULL,
		                   NULL, NULL) != 0 ||
		    lc_key_from_seed(seeds[i], &keys[i]) != 0)
			goto fail;
	for (int i = 0; i < NMACS; i++) {
		for (size_t j = 0; j < LC_MAC_SECRET_BYTES; j++)
			mac_secrets[i][j] = (uint8_t)(i * LC_MAC_SECRET_BYTES + j);
		if (lc_mac_key_from_secret(mac_secrets[i], &macs[i]) != 0)
			goto fail;
	}
	for (size_t j = 0; j < sizeof(mac_salt); j++)
		mac_salt[j] = (uint8_t)(0xa0 + j);
	/* Bodies: recognisable, deterministic bytes. */
	memcpy(jpeg, "\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11);
	for (size_t i = 11; i < sizeof(jpeg) - 2; i++)
		jpeg[i] = (uint8_t)(i * 37 + 11);
	jpeg[sizeof(jpeg) - 2] = 0xff;
	jpeg[sizeof(jpeg) - 1] = 0xd9;
	memcpy(mjpeg, jpeg, sizeof(jpeg));
	for (size_t i = sizeof(jpeg); i < sizeof(mjpeg); i++)
		mjpeg[i] = (uint8_t)i;
	ts[0] = 0x47;
	for (size_t i = 1; i < sizeof(ts); i++)
		ts[i] = (uint8_t)(0xff - i);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);

	/* --- positive ------------------------------------------------- */
#define POS(nm, cm, k, par, b, bl, r, nr, mx) do { \
		memset(&v, 0, sizeof(v)); \
		v.name = nm; v.comment = cm; v.key = k; v.p = par; \
		v.body = b; v.body_len = bl; v.max_body = mx; \
		memcpy(v.ring, r, (nr) * sizeof(struct ring_line)); v.nring = nr; \
		if ((v.sealed = seal(k, &v.p, b, bl, &v.sealed_len)) == NULL || \
		    write_vec(&v) != 0) goto fail; } while (0)

#define POSN(nm, cm, k, par, b, bl, r, nr, mx, hn) do { \
		memset(&v, 0, sizeof(v)); \
		v.name = nm; v.comment = cm; v.key = k; v.p = par; v.hls_name = hn; \
		v.body = b; v.body_len = bl; v.max_body = mx; \
		memcpy(v.ring, r, (nr) * sizeof(struct ring_line)); v.nring = nr; \
		if ((v.sealed = seal(k, &v.p, b, bl, &v.sealed_len)) == NULL || \
		    write_vec(&v) != 0) goto fail; } while (0)

	POS("pos-snapshot", "A snapshot sealed by a camera's own key; no stream id.",
	    KEY_CAM, snap, jpeg, sizeof(jpeg), &cam_ring, 1, 1048576);
	p = snap;
	p.device = "frontdoor.cam-7";
	p.kind = LC_KIND_MJPEG;
	p.stream_id = "live_0";
	p.seq = 1234567890123ULL;
	p.capture_ms = 1764000012345ULL;
	POS("pos-mjpeg", "One part of an MJPEG stream, sealed by the ingest key (*).",
	    KEY_INGEST, p, mjpeg, sizeof(mjpeg), &ingest_ring, 1, 1048576);
	p.kind = LC_KIND_HLS;
	p.stream_id = "hls.main-1";
	p.seq = 0;
	p.content_type = "video/mp2t";
	POS("pos-hls", "An HLS segment (one TS packet), sequence number 0.",
	    KEY_INGEST, p, ts, sizeof(ts), both, 2, 1048576);
	/* HLS objects bound to their names (lenscap-envelope(7), "HLS
	 * objects"): the stream id is lc_hls_stream_id(name). */
	p.device = "cam-a";
	p.seq = 1;
	if (lc_hls_stream_id("seg-7.ts", named_seg) != 0 ||
	    lc_hls_stream_id("index.m3u8", named_pl) != 0)
		goto fail;
	p.stream_id = named_seg;
	POSN("pos-hls-name-segment", "An HLS segment bound to its name seg-7.ts: "
	     "stream id n- and SHA-256(\"seg-7.ts\")[0..16) in hex.",
	     KEY_INGEST, p, ts, sizeof(ts), both, 2, 1048576, "seg-7.ts");
	p.stream_id = named_pl;
	p.content_type = "application/vnd.apple.mpegurl";
	POSN("pos-hls-name-playlist", "A live HLS playlist bound to its name "
	     "index.m3u8.", KEY_INGEST, p, m3u8, sizeof(m3u8) - 1, both, 2,
	     1048576, "index.m3u8");
	POS("pos-empty-body", "An empty body; max_body 0 still accepts it.",
	    KEY_CAM, snap, (const uint8_t *)"", 0, &cam_ring, 1, 0);
	p = snap;
	p.device = "a";
	p.content_type = "a/b";
	p.seq = 0;
	p.capture_ms = 0;
	POS("pos-min-fields", "The shortest header: 1-byte device, no stream id, "
	    "3-byte content type, zero seq and time.",
	    KEY_INGEST, p, (const uint8_t *)"x", 1, &ingest_ring, 1, 1);
	p.device = "Z123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX.-_x";
	p.kind = LC_KIND_MJPEG;
	p.stream_id = "9_stream-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx.0123";
	p.content_type = "application/vnd.lenscap+x-frame.2026_abcdefghijklmnopqrstuv!#$&^";
	p.seq = UINT64_MAX;
	p.capture_ms = UINT64_MAX;
	POS("pos-max-fields", "Every string at its maximum of 64 bytes, seq and time "
	    "at 2^64-1, the longest header (342 bytes).",
	    KEY_INGEST, p, big, sizeof(big), &ingest_ring, 1, sizeof(big));

	/* --- negative ------------------------------------------------- */
#define NEG(nm, cm, buf, len, r, nr, mx, ex) do { \
		memset(&v, 0, sizeof(v)); \
		v.name = nm; v.comment = cm; v.sealed = buf; v.sealed_len = len; \
		memcpy(v.ring, r, (nr) * sizeof(struct ring_line)); v.nring = nr; \
		v.max_body = mx; v.expect = ex; \
		if (v.sealed == NULL || write_vec(&v) != 0) goto fail; } while (0)
#define MUT(off, val, k) \
	((m = copy(s, n)) == NULL ? NULL : \
	 (m[off] = (uint8_t)(val), resign(m, hlen, k) == 0 ? m : NULL))

	if ((s = seal(KEY_CAM, &snap, jpeg, sizeof(jpeg), &n)) == NULL)
		goto fail;
	hlen = n - sizeof(jpeg);

	NEG("neg-malformed-magic", "Magic LCAQ instead of LCAP (re-signed).",
	    MUT(3, 'Q', KEY_CAM), n, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-empty", "No bytes at all.",
	    s, 0, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-truncated", "The header cut one byte short of its "
	    "signature's end.", s, hlen - 1, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-kind", "Kind 4 (unknown), re-signed.",
	    MUT(6, 4, KEY_CAM), n, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-flags", "Flags byte 0x01, re-signed.",
	    MUT(7, 1, KEY_CAM), n, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-reserved", "Reserved byte 0x80, re-signed.",
	    MUT(13, 0x80, KEY_CAM), n, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-header-len", "Header length one more than the three "
	    "string lengths imply, re-signed.",
	    MUT(9, s[9] + 1, KEY_CAM), n, &cam_ring, 1, 1048576, "malformed");
	NEG("neg-malformed-device-char", "Device \"cam/a\": '/' is not allowed, "
	    "re-signed.", MUT(86 + 3, '/', KEY_CAM), n, &cam_ring, 1, 1048576,
	    "malformed");
	NEG("neg-malformed-content-type", "Content type \"Image/jpeg\": upper "
	    "case is not allowed, re-signed.", MUT(86 + 5, 'I', KEY_CAM), n,
	    &cam_ring, 1, 1048576, "malformed");
	NEG("neg-unknown-version", "Version 2, re-signed.",
	    MUT(4, 2, KEY_CAM), n, &cam_ring, 1, 1048576, "unknown_version");
	if ((m = MUT(4, 2, KEY_CAM)) == NULL)
		goto fail;
	m[5] = 2;
	m[7] = 1;
	NEG("neg-order-version-first", "Version 2, algorithm 2 and flags 1: "
	    "the version is checked first.", m, n, &cam_ring, 1, 1048576,
	    "unknown_version");
	NEG("neg-unknown-algorithm", "Algorithm 2, re-signed.",
	    MUT(5, 2, KEY_CAM), n, &cam_ring, 1, 1048576, "unknown_algorithm");
	NEG("neg-unknown-key", "A valid frame whose key is not in the keyring.",
	    s, n, &ingest_ring, 1, 1048576, "unknown_key");
	if ((m = copy(s, n)) == NULL)
		goto fail;
	m[hlen - 1] ^= 0x01;
	NEG("neg-bad-signature", "The last signature byte changed.",
	    m, n, &cam_ring, 1, 1048576, "bad_signature");
	NEG("neg-bad-signature-seq", "Sequence number changed after signing "
	    "(1 -> 0).", (m = copy(s, n)) ? (m[37] = 0, m) : NULL, n, &cam_ring,
	    1, 1048576, "bad_signature");
	NEG("neg-bad-signature-wrong-key", "Signed by another key than the one "
	    "its key id names.", MUT(0, 'L', KEY_INGEST), n, both, 2, 1048576,
	    "bad_signature");

	p = snap;
	p.device = "cam-b";
	if ((s = seal(KEY_CAM, &p, jpeg, sizeof(jpeg), &n)) == NULL)
		goto fail;
	NEG("neg-key-not-allowed", "The camera key of cam-a signs for cam-b.",
	    s, n, &cam_ring, 1, 1048576, "key_not_allowed_for_device");
	if ((m = copy(s, n)) == NULL)
		goto fail;
	m[n - sizeof(jpeg) - 1] ^= 0x01;
	NEG("neg-order-signature-before-rights", "As neg-key-not-allowed with "
	    "a broken signature: the signature is checked first.",
	    m, n, &cam_ring, 1, 1048576, "bad_signature");

	if ((s = seal(KEY_CAM, &snap, jpeg, sizeof(jpeg), &n)) == NULL)
		goto fail;
	NEG("neg-too-large", "A 64-byte body where at most 63 are accepted.",
	    s, n, &cam_ring, 1, sizeof(jpeg) - 1, "too_large");
	NEG("neg-order-size-before-length", "Too large and truncated: the size "
	    "limit is checked before the length.", s, n - 10, &cam_ring, 1,
	    sizeof(jpeg) - 1, "too_large");
	NEG("neg-length-short", "The body one byte short.", s, n - 1, &cam_ring,
	    1, 1048576, "length_mismatch");
	if ((m = copy(s, n)) == NULL)
		goto fail;
	m[n] = 0;
	NEG("neg-length-trailing", "One byte after the body.", m, n + 1,
	    &cam_ring, 1, 1048576, "length_mismatch");
	NEG("neg-length-header-only", "The header alone, no body.", s, hlen,
	    &cam_ring, 1, 1048576, "length_mismatch");
	if ((m = copy(s, n)) == NULL)
		goto fail;
	m[n - 20] ^= 0x04;
	NEG("neg-digest-mismatch", "One bit of the body flipped.", m, n,
	    &cam_ring, 1, 1048576, "digest_mismatch");
	if (mac_vectors(jpeg, sizeof(jpeg), mjpeg, sizeof(mjpeg), ts, sizeof(ts),
	                big, sizeof(big)) != 0)
		goto fail;
	rc = 0;
fail:
	if (rc != 0)
		fprintf(stderr, "gen-vectors: failed\n");
	for (int i = 0; i < NKEYS; i++)
		lc_key_free(keys[i]);
	for (int i = 0; i < NMACS; i++)
		lc_mac_key_free(macs[i]);
	return rc;
}
