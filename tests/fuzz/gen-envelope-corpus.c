/*
 * Writes the seed corpus of the envelope fuzz target: frames sealed with
 * the target's fixed keys (Ed25519 and keyed-seal secrets), and truncated
 * or mutated copies of them.
 * Run once by hand: gen-envelope-corpus tests/fuzz/corpus/envelope
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"

/* Must match fuzz-envelope.c. */
#define SEED_CAM      0x11
#define SEED_ANY      0x22
#define SEED_STRANGER 0x33
#define SECRET_MAC          0x44
#define SECRET_MAC_STRANGER 0x55

static const char *outdir;

/* Writes one corpus file; 0 or -1. */
static int
put(const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;
	int w = snprintf(path, sizeof(path), "%s/%s", outdir, name);

	if (w < 0 || (size_t)w >= sizeof(path))
		return -1;
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) == EOF) {
		fprintf(stderr, "%s: write failed\n", path);
		return -1;
	}
	return 0;
}

static struct lc_secret_key *
key(int seedbyte)
{
	uint8_t seed[LC_SEED_BYTES];
	struct lc_secret_key *k = NULL;

	memset(seed, seedbyte, sizeof(seed));
	if (lc_key_from_seed(seed, &k) != 0)
		return NULL;
	return k;
}

static struct lc_mac_key *
mac_key(int secretbyte)
{
	uint8_t secret[LC_MAC_SECRET_BYTES];
	struct lc_mac_key *k = NULL;

	memset(secret, secretbyte, sizeof(secret));
	if (lc_mac_key_from_secret(secret, &k) != 0)
		return NULL;
	return k;
}

/* Seals with a MAC key and writes; *n gets the size.  0 or -1. */
static int
seal_mac_put(const char *name, struct lc_mac_key *k, const struct lc_seal_params *p,
             const char *body, size_t blen, uint8_t *out, size_t outlen, size_t *n)
{
	if (lc_envelope_seal_mac(k, p, (const uint8_t *)body, blen, out, outlen, n) != 0) {
		fprintf(stderr, "%s: seal failed\n", name);
		return -1;
	}
	return put(name, out, *n);
}

/* The keyed seal's seeds: frames of the ring's secret and a stranger's,
 * mutated copies, and fuzz_seal() inputs with the keyed-seal bit.  0 or -1. */
static int
mac_seeds(const char *jpeg, const char *big, size_t nbig)
{
	struct lc_mac_key *mac = mac_key(SECRET_MAC), *stranger = mac_key(SECRET_MAC_STRANGER);
	struct lc_seal_params p = {
		.device = "cam-a", .kind = LC_KIND_SNAPSHOT, .stream_id = NULL,
		.seq = 1, .capture_ms = 1764000000000ULL,
		.content_type = "image/jpeg",
	};
	static uint8_t buf[LC_HEADER_MAX + 8192], mut[sizeof(buf)];
	static const uint8_t seal_in[] = {
		0x28, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 1, 0x9a, 0x7e, 0, 0, 0,
		4, 2, 8, 'c', 'a', 'm', 'a', 's', '1', 'i', 'm', 'a', 'g',
		'e', 'j', 'p', 'g', 'b', 'o', 'd', 'y', ' ', 'o', 'f', ' ', '1', '9' };
	size_t n = 0, hlen, blen = strlen(jpeg);
	int rc = -1;

	if (mac == NULL || stranger == NULL ||
	    seal_mac_put("mac-valid-snapshot", mac, &p, jpeg, blen, buf, sizeof(buf), &n))
		goto out;
	hlen = n - blen;
	memcpy(mut, buf, n);
	mut[hlen - 1] ^= 0x80;
	if (put("mac-bad-tag", mut, n) || put("mac-trunc-body", buf, n - 1) ||
	    put("mac-trunc-header", buf, hlen - 1) || put("mac-header-only", buf, hlen))
		goto out;
	memcpy(mut, buf, n);
	mut[n - 2] ^= 1;
	if (put("mac-bad-body", mut, n))
		goto out;
	memcpy(mut, buf, n);
	mut[85] ^= 1; /* the counter */
	if (put("mac-bad-counter", mut, n))
		goto out;
	memcpy(mut, buf, n);
	mut[5] = 1; /* algorithm 1 with a tag's length */
	if (put("mac-alg-1", mut, n))
		goto out;
	p.device = "cam-b";
	p.kind = LC_KIND_MJPEG;
	p.stream_id = "live.0";
	if (seal_mac_put("mac-unknown-key", stranger, &p, jpeg, blen, buf, sizeof(buf), &n) ||
	    seal_mac_put("mac-valid-empty", mac, &p, "", 0, buf, sizeof(buf), &n) ||
	    seal_mac_put("mac-valid-big", mac, &p, big, nbig, buf, sizeof(buf), &n))
		goto out;
	/* fuzz_seal() inputs: the keyed-seal bit, the ring's key or not. */
	memcpy(mut, seal_in, sizeof(seal_in));
	if (put("seal-mac", mut, sizeof(seal_in)))
		goto out;
	mut[0] |= 1;
	if (put("seal-mac-stranger", mut, sizeof(seal_in)))
		goto out;
	rc = 0;
out:
	lc_mac_key_free(mac);
	lc_mac_key_free(stranger);
	return rc;
}

/* Seals and writes; *n gets the size.  0 or -1. */
static int
seal_put(const char *name, const struct lc_secret_key *k,
         const struct lc_seal_params *p, const char *body, uint8_t *out,
         size_t outlen, size_t *n)
{
	if (lc_envelope_seal(k, p, (const uint8_t *)body, strlen(body), out,
	                     outlen, n) != 0) {
		fprintf(stderr, "%s: seal failed\n", name);
		return -1;
	}
	return put(name, out, *n);
}

int
main(int argc, char **argv)
{
	static const char jpeg[] = "\xff\xd8\xff\xe0 cam-a frame 1 \xff\xd9";
	static char big[4096];
	struct lc_secret_key *cam = NULL, *any = NULL, *stranger = NULL;
	struct lc_seal_params p = {
		.device = "cam-a", .kind = LC_KIND_SNAPSHOT, .stream_id = NULL,
		.seq = 1, .capture_ms = 1764000000000ULL,
		.content_type = "image/jpeg",
	};
	uint8_t buf[LC_HEADER_MAX + sizeof(big)], mut[sizeof(buf)];
	size_t n = 0, hlen;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s outdir\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	memset(big, 'x', sizeof(big) - 1);
	if ((cam = key(SEED_CAM)) == NULL || (any = key(SEED_ANY)) == NULL ||
	    (stranger = key(SEED_STRANGER)) == NULL)
		goto fail;

	if (seal_put("valid-snapshot-cam", cam, &p, jpeg, buf, sizeof(buf), &n))
		goto fail;
	hlen = n - strlen(jpeg);
	/* Mutations of that frame, each aimed at one check. */
	if (put("trunc-magic", buf, 3) || put("trunc-fixed", buf, 40) ||
	    put("trunc-header", buf, hlen - 1) || put("trunc-body", buf, n - 1) ||
	    put("header-only", buf, hlen))
		goto fail;
	memcpy(mut, buf, n);
	mut[4] = 2;
	if (put("bad-version", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[5] = 9;
	if (put("bad-algorithm", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[7] = 1;
	if (put("bad-flags", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[9] ^= 1;
	if (put("bad-header-len", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[hlen - 1] ^= 0x80;
	if (put("bad-signature", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[n - 2] ^= 1;
	if (put("bad-body", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[86] = '-'; /* device must start with a letter or digit */
	if (put("bad-device-char", mut, n))
		goto fail;
	memcpy(mut, buf, n);
	mut[n] = 0;
	if (put("trailing-byte", mut, n + 1))
		goto fail;

	p.kind = LC_KIND_MJPEG;
	p.stream_id = "live.0";
	p.seq = 77;
	if (seal_put("valid-mjpeg-any", any, &p, jpeg, buf, sizeof(buf), &n))
		goto fail;
	p.device = "cam-b";
	if (seal_put("cam-key-other-device", cam, &p, jpeg, buf, sizeof(buf), &n))
		goto fail;
	if (seal_put("unknown-key", stranger, &p, jpeg, buf, sizeof(buf), &n))
		goto fail;
	p.kind = LC_KIND_HLS;
	p.stream_id = "hls_main-1";
	p.content_type = "video/mp2t";
	p.seq = UINT64_MAX;
	p.capture_ms = UINT64_MAX;
	if (seal_put("valid-hls-any", any, &p, "", buf, sizeof(buf), &n))
		goto fail;
	p.device = "D123456789012345678901234567890123456789012345678901234567890123";
	p.stream_id = "S123456789012345678901234567890123456789012345678901234567890123";
	p.content_type =
		"application/x-a123456789012345678901234567890123456789012345.bin";
	p.kind = LC_KIND_SNAPSHOT;
	if (seal_put("valid-max-fields", any, &p, big, buf, sizeof(buf), &n))
		goto fail;

	/* Inputs in the layout fuzz_seal() reads, mapped and raw strings. */
	{
		static const uint8_t mapped[] = {
			0x00, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 1, 0x9a, 0x7e, 0, 0, 0,
			4, 2, 8, 'c', 'a', 'm', 'a', 's', '1', 'i', 'm', 'a', 'g',
			'e', 'j', 'p', 'g', 'b', 'o', 'd', 'y' };
		static const uint8_t raw[] = {
			0x05, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0x9a, 0x7e, 0, 0, 0,
			5, 2, 10, 'c', 'a', 'm', '-', 'a', 's', '1', 'i', 'm', 'a',
			'g', 'e', '/', 'j', 'p', 'e', 'g', 'x' };

		if (put("seal-mapped", mapped, sizeof(mapped)) ||
		    put("seal-raw", raw, sizeof(raw)) || put("empty", raw, 0))
			goto fail;
	}
	if (mac_seeds(jpeg, big, sizeof(big) - 1) != 0)
		goto fail;
	rc = 0;
fail:
	lc_key_free(cam);
	lc_key_free(any);
	lc_key_free(stranger);
	return rc;
}
