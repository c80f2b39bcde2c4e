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

/* RFC 8032 section 7.1, TEST 1, 2 and 3 secret keys (seeds). */
static const char *const seed_hex[3] = {
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
};
enum { KEY_CAM, KEY_INGEST, KEY_STRANGER, NKEYS };

static struct lc_secret_key *keys[NKEYS];
static uint8_t seeds[NKEYS][LC_SEED_BYTES];
static const char *outdir;

#define BUF_MAX (LC_HEADER_MAX + 4096)

/* A keyring line of a vector: which key, and its device list. */
struct ring_line {
	int key;
	const char *devices; /* space-separated, or "*" */
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
	if (v->expect == NULL) {
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
	fprintf(f, "\n# Opening: the keyring (public key, then the devices it may\n"
	           "# sign for, or *) and the largest body accepted.\n");
	for (size_t i = 0; i < v->nring; i++) {
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

static uint8_t bufs[40][BUF_MAX];
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

int
main(int argc, char **argv)
{
	static uint8_t jpeg[64], mjpeg[100], ts[188], big[1024];
	static const uint8_t m3u8[] = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n"
		"#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:1.000000,\nseg-7.ts\n";
	char named_seg[LC_HLS_STREAM_ID_LEN + 1], named_pl[LC_HLS_STREAM_ID_LEN + 1];
	static const struct ring_line cam_ring = { KEY_CAM, "cam-a" };
	static const struct ring_line ingest_ring = { KEY_INGEST, "*" };
	static const struct ring_line both[2] = {
		{ KEY_CAM, "cam-a" }, { KEY_INGEST, "*" } };
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
	rc = 0;
fail:
	if (rc != 0)
		fprintf(stderr, "gen-vectors: failed\n");
	for (int i = 0; i < NKEYS; i++)
		lc_key_free(keys[i]);
	return rc;
}
