/*
 * stream-seal: writes one device's sealed MJPEG stream for
 * contrib/bench/streams (a benchmark tool, not a test).
 *
 *   stream-seal -k SECRET -d DEVICE -n FRAMES -t MILLIS -p PART_BYTES
 *               -i JPEG -o OUT
 *
 * Frames 1 to FRAMES, each the JPEG sealed as lenscap seal -K mjpeg -s
 * live -n k -t MILLIS would seal it, with the Ed25519 secret key or the
 * keyed-seal secret in SECRET; each part padded by an X-Pad header to
 * PART_BYTES, so that a backend paced by bytes sends one part per frame
 * interval; then the close delimiter.  One process per device instead of
 * one per frame: sealing the full target's 85,000 frames took the script
 * about 450 s a frame at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lenscap.h"

#define BOUNDARY "vendor-boundary"
#define BODY_MAX (16u << 20)

static int
usage(void)
{
	fprintf(stderr, "usage: stream-seal -k SECRET -d DEVICE -n FRAMES -t MILLIS "
	        "-p PART_BYTES -i JPEG -o OUT\n");
	return 2;
}

/* The whole of path, malloc'd, in *out; 0 or -1. */
static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0;
	long size;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    (size_t)size <= BODY_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)size + 1)) != NULL)
		n = fread(b, 1, (size_t)size, f);
	if (b == NULL || ferror(f) || n != (size_t)size) {
		free(b);
		(void)fclose(f);
		return -1;
	}
	(void)fclose(f);
	*out = b;
	*len = n;
	return 0;
}

/* One part: its head padded so that the part is part bytes, the sealed
 * frame, CRLF; 0 or -1 (also when the frame does not fit). */
static int
write_part(FILE *f, const uint8_t *sealed, size_t n, size_t part)
{
	char head[128];
	int hlen = snprintf(head, sizeof(head), "--" BOUNDARY "\r\nContent-Type: "
	                    "application/vnd.lenscap.sealed\r\nContent-Length: %zu\r\nX-Pad: ", n);

	if (hlen < 0 || (size_t)hlen >= sizeof(head) || part < (size_t)hlen + 4 + n + 2)
		return -1;
	if (fwrite(head, 1, (size_t)hlen, f) != (size_t)hlen)
		return -1;
	for (size_t pad = part - (size_t)hlen - 4 - n - 2; pad > 0; pad--)
		if (putc('x', f) == EOF)
			return -1;
	return fputs("\r\n\r\n", f) == EOF || fwrite(sealed, 1, n, f) != n ||
	       fputs("\r\n", f) == EOF ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct lc_seal_params p = { .kind = LC_KIND_MJPEG, .stream_id = "live",
	                            .content_type = "image/jpeg" };
	const char *keyfile = NULL, *in = NULL, *out = NULL;
	struct lc_secret_key *sk = NULL;
	struct lc_mac_key *mk = NULL;
	unsigned long long frames = 0, part = 0;
	uint8_t *body = NULL, *sealed = NULL;
	size_t blen, slen, cap;
	FILE *f = NULL;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "k:d:n:t:p:i:o:")) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'd': p.device = optarg; break;
		case 'n': frames = strtoull(optarg, NULL, 10); break;
		case 't': p.capture_ms = strtoull(optarg, NULL, 10); break;
		case 'p': part = strtoull(optarg, NULL, 10); break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		default: return usage();
		}
	}
	if (keyfile == NULL || p.device == NULL || in == NULL || out == NULL ||
	    frames == 0 || part == 0 || p.capture_ms == 0 || optind != argc)
		return usage();
	/* As lenscap seal: a keyed-seal secret seals with the MAC. */
	if (lc_key_load_secret(keyfile, &sk) != 0 && lc_mac_key_load(keyfile, &mk) != 0) {
		fprintf(stderr, "stream-seal: %s: not a secret key\n", keyfile);
		return 1;
	}
	if (read_file(in, &body, &blen) != 0) {
		fprintf(stderr, "stream-seal: %s: %s\n", in, strerror(errno));
		goto out;
	}
	cap = LC_HEADER_MAX + blen;
	if ((sealed = malloc(cap)) == NULL || (f = fopen(out, "wb")) == NULL) {
		fprintf(stderr, "stream-seal: %s: %s\n", out, strerror(errno));
		goto out;
	}
	for (p.seq = 1; p.seq <= frames; p.seq++) {
		int r = mk != NULL ? lc_envelope_seal_mac(mk, &p, body, blen, sealed, cap, &slen)
		                   : lc_envelope_seal(sk, &p, body, blen, sealed, cap, &slen);

		if (r != 0) {
			fprintf(stderr, "stream-seal: seal: %s\n", lc_strerror(r));
			goto out;
		}
		if (write_part(f, sealed, slen, (size_t)part) != 0) {
			fprintf(stderr, "stream-seal: %s: cannot write part %llu of %llu bytes\n",
			        out, (unsigned long long)p.seq, part);
			goto out;
		}
	}
	if (fputs("--" BOUNDARY "--\r\n", f) == EOF)
		goto out;
	rc = 0;
out:
	if (f != NULL && fclose(f) != 0)
		rc = 1;
	free(body);
	free(sealed);
	lc_key_free(sk);
	lc_mac_key_free(mk);
	return rc;
}
