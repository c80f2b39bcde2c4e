/*
 * Writes the seed corpus of the relay fuzz target: backend responses
 * (a Content-Type value and a body, with the chunk sizes they arrive in)
 * made of frames really sealed with the target's fixed keys: good
 * streams, frames for another device, replays, stale frames, truncated
 * and oversized parts, and snapshots; under Ed25519 and under the keyed
 * seal.  Run once by hand:
 *     gen-relay-corpus tests/fuzz/corpus/relay
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"
#include "relay.h"

#define BUF_MAX 65536

enum { DEV_A, DEV_B, DEV_C, DEV_ZZ };

struct buf {
	uint8_t b[BUF_MAX];
	size_t n;
};

static const char *outdir;
static struct lc_secret_key *cam, *any, *stranger;
static struct lc_mac_key *mac, *mac_stranger;

static void
add(struct buf *o, const void *p, size_t n)
{
	if (o->n + n > sizeof(o->b)) {
		fprintf(stderr, "gen-relay-corpus: buffer full\n");
		exit(1);
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void
adds(struct buf *o, const char *s)
{
	add(o, s, strlen(s));
}

/* Writes one corpus file in the target's layout. */
static void
put(const char *name, unsigned flags, const uint8_t *sizes, size_t nsizes,
    const char *ctype, const struct buf *body)
{
	char path[4096];
	uint8_t head[2] = { (uint8_t)flags, (uint8_t)nsizes };
	FILE *f;
	int w = snprintf(path, sizeof(path), "%s/%s", outdir, name);

	if (w < 0 || (size_t)w >= sizeof(path) ||
	    (f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (fwrite(head, 1, 2, f) != 2 ||
	    (nsizes > 0 && fwrite(sizes, 1, nsizes, f) != nsizes) ||
	    fputs(ctype, f) == EOF || fputc('\n', f) == EOF ||
	    (body->n > 0 && fwrite(body->b, 1, body->n, f) != body->n) ||
	    fclose(f) == EOF) {
		fprintf(stderr, "%s: write failed\n", path);
		exit(1);
	}
}

/* One sealed frame, with k or else mk (the keyed seal): a small
 * stand-in JPEG naming its device and seq, padded to at least pad bytes. */
static void
seal_with(struct buf *o, const struct lc_secret_key *k, struct lc_mac_key *mk,
          const char *device, int kind, const char *stream, uint64_t seq,
          uint64_t capture_ms, const char *ctype, size_t pad)
{
	struct lc_seal_params p = {
		.device = device, .kind = kind, .stream_id = stream, .seq = seq,
		.capture_ms = capture_ms, .content_type = ctype,
	};
	uint8_t img[RELAY_MAX_FRAME + 64];
	int n = snprintf((char *)img, sizeof(img), "\xff\xd8\xff\xe0 %s %s #%llu ",
	                 device, stream ? stream : "", (unsigned long long)seq);
	size_t len = (size_t)n, w = 0, cap;
	int rc;

	while (len < pad && len < sizeof(img) - 2)
		img[len] = (uint8_t)('a' + len % 26), len++;
	img[len++] = 0xff;
	img[len++] = 0xd9;
	if (o->n + LC_HEADER_MAX + len > sizeof(o->b)) {
		fprintf(stderr, "gen-relay-corpus: buffer full\n");
		exit(1);
	}
	cap = sizeof(o->b) - o->n;
	rc = k != NULL ? lc_envelope_seal(k, &p, img, len, o->b + o->n, cap, &w)
	               : lc_envelope_seal_mac(mk, &p, img, len, o->b + o->n, cap, &w);
	if (rc != 0) {
		fprintf(stderr, "gen-relay-corpus: seal failed\n");
		exit(1);
	}
	o->n += w;
}

static void
seal(struct buf *o, const struct lc_secret_key *k, const char *device,
     int kind, const char *stream, uint64_t seq, uint64_t capture_ms,
     const char *ctype, size_t pad)
{
	seal_with(o, k, NULL, device, kind, stream, seq, capture_ms, ctype, pad);
}

static void
seal_mac(struct buf *o, struct lc_mac_key *mk, const char *device,
         int kind, const char *stream, uint64_t seq, uint64_t capture_ms,
         const char *ctype, size_t pad)
{
	seal_with(o, NULL, mk, device, kind, stream, seq, capture_ms, ctype, pad);
}

/* A good cam-a stream frame sealed by the camera's own key. */
static void
frame_a(struct buf *o, uint64_t seq)
{
	seal(o, cam, "cam-a", LC_KIND_MJPEG, "live.0", seq,
	     RELAY_NOW_MS - 1000 + seq, "image/jpeg", 0);
}

/* "--b\r\nContent-Type: ...\r\nContent-Length: N\r\n\r\n" frame "\r\n" */
static void
part(struct buf *o, const char *boundary, const struct buf *frame, int cl)
{
	char h[256];

	snprintf(h, sizeof(h), "--%s\r\nContent-Type: application/vnd.lenscap.sealed\r\n",
	         boundary);
	adds(o, h);
	if (cl) {
		snprintf(h, sizeof(h), "Content-Length: %zu\r\n", frame->n);
		adds(o, h);
	}
	adds(o, "\r\n");
	add(o, frame->b, frame->n);
	adds(o, "\r\n");
}

static void
close_stream(struct buf *o, const char *boundary)
{
	adds(o, "--");
	adds(o, boundary);
	adds(o, "--\r\n");
}

#define CT_FRAME "multipart/x-mixed-replace; boundary=frame"

int
main(int argc, char **argv)
{
	static const uint8_t one[] = { 0 }, odd[] = { 2, 16, 63, 0, 6 },
		big[] = { 255, 99 };
	static struct buf s, f, g;
	uint8_t seed[LC_SEED_BYTES];

	if (argc != 2) {
		fprintf(stderr, "usage: %s outdir\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	memset(seed, RELAY_SEED_CAM, sizeof(seed));
	if (lc_key_from_seed(seed, &cam) != 0)
		return 1;
	memset(seed, RELAY_SEED_ANY, sizeof(seed));
	if (lc_key_from_seed(seed, &any) != 0)
		return 1;
	memset(seed, RELAY_SEED_STRANGER, sizeof(seed));
	if (lc_key_from_seed(seed, &stranger) != 0)
		return 1;
	memset(seed, RELAY_SECRET_MAC, sizeof(seed));
	if (lc_mac_key_from_secret(seed, &mac) != 0)
		return 1;
	memset(seed, RELAY_SECRET_MAC_STRANGER, sizeof(seed));
	if (lc_mac_key_from_secret(seed, &mac_stranger) != 0)
		return 1;

	/* Three good frames, closed; whole, a byte at a time, odd chunks. */
	s.n = 0;
	for (uint64_t q = 1; q <= 3; q++) {
		f.n = 0;
		frame_a(&f, q);
		part(&s, "frame", &f, q != 2);
	}
	close_stream(&s, "frame");
	put("valid-3-whole", DEV_A, NULL, 0, CT_FRAME, &s);
	put("valid-3-bytewise", DEV_A, one, 1, CT_FRAME, &s);
	put("valid-3-odd-chunks", DEV_A, odd, sizeof(odd), CT_FRAME, &s);
	/* The same stream asked for by a session for another device, one
	 * not granted, one not in the policy. */
	put("other-device-asked", DEV_B, big, sizeof(big), CT_FRAME, &s);
	/* ... and with the boundary the body does not use. */
	put("wrong-boundary", DEV_A, NULL, 0,
	    "multipart/x-mixed-replace; boundary=other", &s);
	/* Unterminated: the backend stops before the close delimiter. */
	s.n -= strlen("--frame--\r\n");
	put("valid-3-no-close", DEV_A, odd, sizeof(odd), CT_FRAME, &s);
	/* Cut inside the last frame's envelope, and inside its image. */
	s.n -= 2 + 180;
	put("trunc-in-part", DEV_A, big, sizeof(big), CT_FRAME, &s);

	/* Frames of a device the session may not see (in the policy, and
	 * not): the first ends the stream, whoever signed it. */
	{
		static const char *const dev[] = { "cam-c", "cam-zz" };
		static const char *const name[] = { "not-granted", "unknown-device" };

		for (int i = 0; i < 2; i++) {
			s.n = 0;
			for (uint64_t q = 1; q <= 2; q++) {
				f.n = 0;
				seal(&f, any, dev[i], LC_KIND_MJPEG, "live.0", q,
				     RELAY_NOW_MS, "image/jpeg", 0);
				part(&s, "frame", &f, 1);
			}
			close_stream(&s, "frame");
			put(name[i], i == 0 ? DEV_C : DEV_ZZ, NULL, 0, CT_FRAME, &s);
		}
	}

	/* cam-b through the "*" key, quoted boundary with odd bchars,
	 * multipart/mixed in capitals, a preamble and padding. */
	s.n = 0;
	adds(&s, "preamble line\r\n");
	for (uint64_t q = 10; q < 14; q++) {
		f.n = 0;
		seal(&f, any, "cam-b", LC_KIND_MJPEG, "b-1", q, RELAY_NOW_MS - 200,
		     "image/jpeg", 100);
		part(&s, "lc 9f:(x)", &f, 1);
	}
	adds(&s, "--lc 9f:(x)--  epilogue");
	put("valid-b-quoted-boundary", DEV_B, odd, sizeof(odd),
	    "Multipart/Mixed ; charset=x; boundary=\"lc 9f:(x)\"", &s);

	/* A frame of another device between two good ones (the Xiaomi
	 * case); the cam key signing for cam-b; an untrusted key. */
	s.n = 0;
	f.n = 0; frame_a(&f, 1); part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, any, "cam-b", LC_KIND_MJPEG, "live.0", 2, RELAY_NOW_MS, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, cam, "cam-b", LC_KIND_MJPEG, "live.0", 3, RELAY_NOW_MS, "image/jpeg", 0);
	part(&s, "frame", &f, 0);
	f.n = 0; frame_a(&f, 4); part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, stranger, "cam-a", LC_KIND_MJPEG, "live.0", 5, RELAY_NOW_MS, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	f.n = 0; frame_a(&f, 6); part(&s, "frame", &f, 1);
	close_stream(&s, "frame");
	put("mixed-devices", DEV_A, NULL, 0, CT_FRAME, &s);
	put("mixed-devices-as-b", DEV_B, one, 1, CT_FRAME, &s);

	/* Replays: a sequence that goes back, repeats, then a new stream id
	 * that starts again from 1. */
	s.n = 0;
	{
		static const uint64_t seqs[] = { 1, 2, 2, 1, 3 };

		for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			f.n = 0;
			frame_a(&f, seqs[i]);
			part(&s, "frame", &f, 1);
		}
	}
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_MJPEG, "live.1", 1, RELAY_NOW_MS, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	close_stream(&s, "frame");
	put("replayed-seq", DEV_A, odd, sizeof(odd), CT_FRAME, &s);

	/* Every other gate reason once: stale, future, snapshot kind, png,
	 * a flipped image byte, a trailing byte, then a good frame. */
	s.n = 0;
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_MJPEG, "live.0", 1,
	     RELAY_NOW_MS - RELAY_FRESH_MJPEG - 1, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_MJPEG, "live.0", 2,
	     RELAY_NOW_MS + RELAY_SKEW_MS + 1, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	f.n = 0; frame_a(&f, 3); part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_SNAPSHOT, "live.0", 4, RELAY_NOW_MS, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_MJPEG, "live.0", 5, RELAY_NOW_MS, "image/png", 0);
	part(&s, "frame", &f, 1);
	f.n = 0; frame_a(&f, 6); part(&s, "frame", &f, 1);
	f.n = 0; frame_a(&f, 7);
	f.b[f.n - 3] ^= 1;
	part(&s, "frame", &f, 1);
	f.n = 0; frame_a(&f, 8);
	add(&f, "x", 1);
	part(&s, "frame", &f, 1);
	f.n = 0; frame_a(&f, 9); part(&s, "frame", &f, 1);
	close_stream(&s, "frame");
	put("gate-reasons", DEV_A, big, sizeof(big), CT_FRAME, &s);

	/* Three bad frames in a row end the stream before a good one. */
	s.n = 0;
	for (uint64_t q = 1; q <= 3; q++) {
		f.n = 0;
		seal(&f, any, "cam-b", LC_KIND_MJPEG, "live.0", q, RELAY_NOW_MS, "image/jpeg", 0);
		part(&s, "frame", &f, 0);
	}
	f.n = 0; frame_a(&f, 4); part(&s, "frame", &f, 1);
	close_stream(&s, "frame");
	put("drops-in-a-row", DEV_A, NULL, 0, CT_FRAME, &s);

	/* The largest frame the policy allows, and one byte over (the gate
	 * refuses it; the parser still takes it), and a part over the
	 * parser's limit. */
	s.n = 0;
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_MJPEG, "live.0", 1, RELAY_NOW_MS, "image/jpeg",
	     RELAY_MAX_FRAME - 2);
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal(&f, cam, "cam-a", LC_KIND_MJPEG, "live.0", 2, RELAY_NOW_MS, "image/jpeg",
	     RELAY_MAX_FRAME - 1);
	part(&s, "frame", &f, 1);
	g = f;
	memset(f.b + f.n, 'z', LC_HEADER_MAX);
	f.n += LC_HEADER_MAX;
	part(&s, "frame", &f, 0);
	close_stream(&s, "frame");
	put("frame-size-limits", DEV_A, big, sizeof(big), CT_FRAME, &s);

	/* Parts without headers, an empty part, a Content-Length that lies. */
	s.n = 0;
	f.n = 0; frame_a(&f, 1);
	adds(&s, "--frame\r\n\r\n");
	add(&s, f.b, f.n);
	adds(&s, "\r\n--frame\r\n\r\n\r\n--frame\r\nContent-Length: 12\r\n\r\n");
	f.n = 0; frame_a(&f, 2);
	add(&s, f.b, f.n);
	adds(&s, "\r\n--frame--\r\n");
	put("bare-parts-bad-length", DEV_A, one, 1, CT_FRAME, &s);

	/* Content-Type values the relay refuses or must read carefully. */
	s.n = 0;
	f.n = 0; frame_a(&f, 1); part(&s, "frame", &f, 1);
	close_stream(&s, "frame");
	put("ct-not-multipart", DEV_A, NULL, 0, "image/jpeg", &s);
	put("ct-no-boundary", DEV_A, NULL, 0, "multipart/x-mixed-replace", &s);
	put("ct-two-boundaries", DEV_A, NULL, 0,
	    "multipart/x-mixed-replace;boundary=frame;boundary=frame", &s);
	put("ct-params", DEV_A, NULL, 0,
	    "multipart/x-mixed-replace ;;\tx=\"a\\\"b\"; BOUNDARY=frame ", &s);

	/* Snapshots: a good one, collected in chunks; a stale one; a stream
	 * frame on the snapshot route; one over the bound. */
	s.n = 0;
	seal(&s, cam, "cam-a", LC_KIND_SNAPSHOT, NULL, 1, RELAY_NOW_MS - 20000,
	     "image/jpeg", 300);
	put("snap-valid", DEV_A | RELAY_FLAG_SNAPSHOT, odd, sizeof(odd), "", &s);
	put("snap-other-device", DEV_B | RELAY_FLAG_SNAPSHOT, NULL, 0, "", &s);
	s.n = 0;
	seal(&s, any, "cam-b", LC_KIND_SNAPSHOT, NULL, 1,
	     RELAY_NOW_MS - RELAY_FRESH_SNAP - 1, "image/jpeg", 0);
	put("snap-stale", DEV_B | RELAY_FLAG_SNAPSHOT, NULL, 0, "", &s);
	s.n = 0;
	f.n = 0; frame_a(&f, 1);
	add(&s, f.b, f.n);
	put("snap-mjpeg-frame", DEV_A | RELAY_FLAG_SNAPSHOT, NULL, 0, "", &s);
	s = g;
	add(&s, g.b, g.n);
	put("snap-over-bound", DEV_A | RELAY_FLAG_SNAPSHOT, big, sizeof(big), "", &s);

	/* The keyed seal: a good stream in odd chunks; then, asked for
	 * cam-a, frames of cam-b, a changed body, a changed tag, a
	 * stranger's secret, a replay and a good frame between them. */
	s.n = 0;
	for (uint64_t q = 1; q <= 3; q++) {
		f.n = 0;
		seal_mac(&f, mac, "cam-a", LC_KIND_MJPEG, "m.0", q, RELAY_NOW_MS - 900 + q,
		         "image/jpeg", q == 2 ? 700 : 0);
		part(&s, "frame", &f, q != 3);
	}
	close_stream(&s, "frame");
	put("mac-valid-3-odd-chunks", DEV_A, odd, sizeof(odd), CT_FRAME, &s);
	put("mac-valid-3-bytewise", DEV_A, one, 1, CT_FRAME, &s);
	s.n = 0;
	f.n = 0;
	seal_mac(&f, mac, "cam-b", LC_KIND_MJPEG, "m.0", 1, RELAY_NOW_MS, "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal_mac(&f, mac, "cam-a", LC_KIND_MJPEG, "m.0", 2, RELAY_NOW_MS, "image/jpeg", 0);
	f.b[f.n - 3] ^= 0x01;
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal_mac(&f, mac, "cam-a", LC_KIND_MJPEG, "m.0", 3, RELAY_NOW_MS, "image/jpeg", 0);
	g = f;
	part(&s, "frame", &f, 0);
	part(&s, "frame", &g, 1); /* the same frame again: a replay */
	f.n = 0;
	seal_mac(&f, mac, "cam-a", LC_KIND_MJPEG, "m.0", 4, RELAY_NOW_MS, "image/jpeg", 0);
	{
		struct lc_envelope env;
		enum lc_drop why;

		if (lc_envelope_parse(f.b, f.n, &env, &why) != 0)
			return 1;
		f.b[env.header_len - 1] ^= 0x80; /* the tag's last byte */
	}
	part(&s, "frame", &f, 1);
	f.n = 0;
	seal_mac(&f, mac_stranger, "cam-a", LC_KIND_MJPEG, "m.0", 5, RELAY_NOW_MS,
	         "image/jpeg", 0);
	part(&s, "frame", &f, 1);
	close_stream(&s, "frame");
	put("mac-gate-reasons", DEV_A, big, sizeof(big), CT_FRAME, &s);
	s.n = 0;
	seal_mac(&s, mac, "cam-a", LC_KIND_SNAPSHOT, NULL, 1, RELAY_NOW_MS - 20000,
	         "image/jpeg", 300);
	put("mac-snap-valid", DEV_A | RELAY_FLAG_SNAPSHOT, odd, sizeof(odd), "", &s);
	put("mac-snap-other-device", DEV_B | RELAY_FLAG_SNAPSHOT, NULL, 0, "", &s);

	lc_key_free(cam);
	lc_key_free(any);
	lc_key_free(stranger);
	lc_mac_key_free(mac);
	lc_mac_key_free(mac_stranger);
	return 0;
}
