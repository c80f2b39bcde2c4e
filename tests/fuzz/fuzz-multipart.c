/*
 * Fuzz target for the multipart/x-mixed-replace parser: feeds the input
 * whole, then chunked as its first bytes say, then whole again after a
 * reset, and checks that every run sees the same parts and the same end,
 * and that no part breaks what struct mp_part promises.
 *
 * Input: byte 0 = chunking mode, byte 1 = its parameter, byte 2 = stop
 * after that many parts (low 3 bits, 0 = never), then the stream for the
 * boundary "frame".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/multipart.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOUNDARY "frame"
#define MAX_PART 4096
#define CTRL     3


/* What one run saw. */
struct run {
	uint64_t hash;     /* FNV-1a over every part's fields and body */
	uint64_t parts;
	size_t bytes;      /* body bytes delivered */
	unsigned stop_at;  /* return 7 from this part (1-based); 0 never */
	size_t input;      /* bytes of stream, for the bound on bytes */
};

static void
fnv(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

static int
on_part(void *arg, const struct mp_part *part)
{
	struct run *r = arg;
	uint64_t len = part->body_len;

	CHECK(part->index == r->parts);
	CHECK(part->body_len <= MAX_PART);
	CHECK(part->body != NULL || part->body_len == 0);
	if (part->has_content_length)
		CHECK(part->content_length == part->body_len);
	if (part->content_type != NULL) {
		size_t n = strlen(part->content_type);

		CHECK(n >= 1 && n <= MP_CONTENT_TYPE_MAX);
		for (size_t i = 0; i < n; i++)
			CHECK(part->content_type[i] >= 0x20 && part->content_type[i] <= 0x7e);
		fnv(&r->hash, part->content_type, n + 1);
	} else {
		fnv(&r->hash, "", 1);
	}
	fnv(&r->hash, &part->has_content_length, sizeof(part->has_content_length));
	fnv(&r->hash, &len, sizeof(len));
	if (part->body_len > 0)
		fnv(&r->hash, part->body, part->body_len);
	r->parts++;
	r->bytes += part->body_len;
	CHECK(r->bytes <= r->input);
	return r->parts == r->stop_at ? 7 : 0;
}

/* The next chunk's size for a mode; state is a small PRNG or an index. */
static size_t
chunk_size(uint8_t mode, uint8_t param, uint32_t *state)
{
	switch (mode % 4) {
	case 0: return 1;
	case 1: return (size_t)param % 97 + 1;
	case 2:
		*state = *state * 1103515245u + 12345u;
		return (size_t)((*state >> 16) % ((unsigned)param + 1)) + 1;
	default:
		/* big chunks with a small one between, around buffer sizes */
		return ((*state)++ & 1) ? (size_t)param % 7 + 1 : 16384 + (size_t)param;
	}
}

/* Feeds the stream in chunks; the final mp_feed result, as mp_feed would
 * give it on further calls. */
static int
feed(struct mp_parser *p, const uint8_t *s, size_t n, int chunked,
     uint8_t mode, uint8_t param, struct run *r)
{
	uint32_t state = param;
	size_t off = 0;
	int rc = 0;

	if (!chunked)
		return mp_feed(p, s, n, on_part, r);
	while (off < n && rc == 0) {
		size_t k = chunk_size(mode, param, &state);

		if (k > n - off)
			k = n - off;
		rc = mp_feed(p, s + off, k, on_part, r);
		off += k;
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_parser *p = NULL;
	struct run r[3];
	int rc[3], fin[3];
	const uint8_t *s;
	size_t n;

	if (size < CTRL)
		return 0;
	s = data + CTRL;
	n = size - CTRL;
	CHECK(mp_parser_new(BOUNDARY, MAX_PART, &p) == 0);
	for (int i = 0; i < 3; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].hash = 0xcbf29ce484222325ULL;
		r[i].stop_at = data[2] & 7;
		r[i].input = n;
		if (i == 2)
			mp_parser_reset(p);
		rc[i] = feed(p, s, n, i == 1, data[0], data[1], &r[i]);
		fin[i] = mp_finish(p);
		/* a second look at a finished or dead parser changes nothing */
		if (rc[i] != 0)
			CHECK(mp_feed(p, s, n > 4 ? 4 : n, on_part, &r[i]) ==
			      (rc[i] == 7 ? MP_E_STOPPED : rc[i]));
		if (i == 0) {
			mp_parser_free(p);
			p = NULL;
			CHECK(mp_parser_new(BOUNDARY, MAX_PART, &p) == 0);
		}
	}
	mp_parser_free(p);
	for (int i = 1; i < 3; i++) {
		if (r[i].hash != r[0].hash || r[i].parts != r[0].parts ||
		    rc[i] != rc[0] || fin[i] != fin[0]) {
			fprintf(stderr, "run %d: %llu parts rc %d (%s) finish %d; "
			        "whole: %llu parts rc %d (%s) finish %d\n", i,
			        (unsigned long long)r[i].parts, rc[i],
			        mp_error_name(rc[i]), fin[i],
			        (unsigned long long)r[0].parts, rc[0],
			        mp_error_name(rc[0]), fin[0]);
			abort();
		}
	}
	/* an error or a stop kills the parser; otherwise the end is the
	 * close delimiter or a truncation */
	CHECK(rc[0] == 0 ? fin[0] == MP_E_TRUNCATED :
	      rc[0] == MP_ENDED ? fin[0] == MP_ENDED :
	      rc[0] == 7 ? fin[0] == MP_E_STOPPED : fin[0] == rc[0]);
	CHECK(rc[0] == 0 || rc[0] == MP_ENDED || rc[0] == 7 ||
	      (rc[0] <= MP_E_TOO_LARGE && rc[0] >= MP_E_NO_BOUNDARY) ||
	      rc[0] == MP_E_LENGTH);
	return 0;
}
