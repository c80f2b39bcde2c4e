/* Unit tests for the multipart/x-mixed-replace parser: the same parts
 * however the stream is split, every framing rule and every error, the
 * size limits at their edge, the Content-Type parser and the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/multipart.h"
#include "tap.h"

#define B      "lenscap-frame"
#define MAXP   4096

/* What the callback saw, serialised: per part "ct|cl|len|" then the body,
 * so that two runs compare with one memcmp. */
struct sink {
	uint8_t *data;
	size_t len, cap;
	size_t nparts;
	int stop_at;   /* return 42 on this part (1-based), 0 = never */
	int oom;
};

static void
sink_put(struct sink *s, const void *p, size_t n)
{
	uint8_t *nd;

	if (s->len + n > s->cap) {
		size_t ncap = (s->cap ? s->cap * 2 : 1024) + n;

		if ((nd = realloc(s->data, ncap)) == NULL) {
			s->oom = 1;
			return;
		}
		s->data = nd;
		s->cap = ncap;
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
}

static void
sink_free(struct sink *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

static void
sink_part(struct sink *s, const char *ct, int has_cl, unsigned long long cl,
          const uint8_t *body, size_t len)
{
	char hdr[256];
	int w;

	w = snprintf(hdr, sizeof(hdr), "%s|%d:%llu|%zu|", ct ? ct : "(null)",
	             has_cl, has_cl ? cl : 0, len);
	if (w > 0 && (size_t)w < sizeof(hdr))
		sink_put(s, hdr, (size_t)w);
	sink_put(s, body, len);
	s->nparts++;
}

static int
on_part(void *arg, const struct mp_part *part)
{
	struct sink *s = arg;

	sink_part(s, part->content_type, part->has_content_length,
	          (unsigned long long)part->content_length, part->body,
	          part->body_len);
	if (part->has_content_length && part->content_length != part->body_len)
		s->oom = 1; /* flagged as a failure by the callers */
	if (part->index + 1 != s->nparts)
		s->oom = 1;
	if (s->stop_at > 0 && (size_t)s->stop_at == s->nparts)
		return 42;
	return 0;
}

/* ---- the reference stream -------------------------------------------- */

struct tpart {
	const char *headers;   /* raw header lines, each ending CRLF */
	const char *ct;        /* what the parser should report */
	int has_cl;
	const uint8_t *body;
	size_t len;
	const char *after;     /* what follows "--B" before the part: tail */
};

static uint8_t noise[300];
static uint8_t *stream;
static size_t stream_len;
static struct sink expect;

static void
put_str(struct sink *s, const char *str)
{
	sink_put(s, str, strlen(str));
}

/* Bodies chosen to sit next to the delimiter: its prefixes, "--B" not
 * after CRLF, bare CR and LF, a body ending in CR or in a near-boundary. */
static const uint8_t body0[] = "\xff\xd8\r\n--lenscap-fram\r\nx--lenscap-frame\r\r\n\n--\xff\xd9";
static const uint8_t body1[] = "abc\r";
static const uint8_t body2[] = "\r\n--lenscap-fram";
static const uint8_t body3[] = "-\r\n--lenscap-fra\r\n-";

static void
build_stream(void)
{
	struct sink s = { 0 };
	char cl[64];
	struct tpart parts[] = {
		{ "Content-Type: image/jpeg\r\n", "image/jpeg", 1, body0, sizeof(body0) - 1, "\r\n" },
		{ "content-type:  image/jpeg \r\nX-Timestamp: 1.5\r\n", "image/jpeg", 0, body1, sizeof(body1) - 1, " \t \r\n" },
		{ "", NULL, 0, body2, sizeof(body2) - 1, "\r\n" },
		{ "Content-Type: application/octet-stream\r\n", "application/octet-stream", 1, noise, sizeof(noise), "\t\r\n" },
		{ "CONTENT-LENGTH: 0\r\n", NULL, 1, (const uint8_t *)"", 0, "\r\n" },
		{ "Content-Type: x/y\r\n", "x/y", 0, body3, sizeof(body3) - 1, "\r\n" },
	};

	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)"\r\n-lenscap\xff\x00"[(i * 7 + i / 5) % 12];
	put_str(&s, "preamble: ignore me\r\n--not-it\r\n\r\n");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		put_str(&s, i == 0 ? "--" B : "\r\n--" B);
		put_str(&s, parts[i].after);
		put_str(&s, parts[i].headers);
		if (parts[i].has_cl && i != 4) {
			snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", parts[i].len);
			put_str(&s, cl);
		}
		put_str(&s, "\r\n");
		sink_put(&s, parts[i].body, parts[i].len);
		sink_part(&expect, parts[i].ct, parts[i].has_cl, parts[i].len,
		          parts[i].body, parts[i].len);
	}
	put_str(&s, "\r\n--" B "--\r\nepilogue\r\n--" B "\r\nnot a part\r\n");
	stream = s.data;
	stream_len = s.len;
}

/* ---- feeding ------------------------------------------------------------ */

static unsigned long rng_state;

static size_t
rng(size_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (size_t)((rng_state >> 33) % n);
}

/* Feeds buf in chunks: chunk = 0 whole, > 0 that size, < 0 random sizes
 * 1..-chunk.  Stops at the first non-zero return, which it returns. */
static int
feed(struct mp_parser *p, const uint8_t *buf, size_t len, long chunk,
     struct sink *s)
{
	size_t off = 0;
	int rc = 0;

	if (chunk == 0)
		return mp_feed(p, buf, len, on_part, s);
	while (off < len && rc == 0) {
		size_t n = chunk > 0 ? (size_t)chunk : 1 + rng((size_t)-chunk);

		if (n > len - off)
			n = len - off;
		rc = mp_feed(p, buf + off, n, on_part, s);
		off += n;
	}
	return rc;
}

/* Parses buf with chunking, checks the result code and, if want_parts is
 * not NULL, the parts. */
static int
run_one(const uint8_t *buf, size_t len, size_t max, long chunk, int want_rc,
        const struct sink *want_parts)
{
	struct mp_parser *p = NULL;
	struct sink s = { 0 };
	int rc, good;

	if (mp_parser_new(B, max, &p) != 0)
		return 0;
	rc = feed(p, buf, len, chunk, &s);
	good = rc == want_rc && !s.oom;
	if (good && want_parts != NULL)
		good = s.len == want_parts->len &&
		       memcmp(s.data, want_parts->data, s.len) == 0;
	if (!good)
		printf("#   chunk %ld: rc %d (%s), want %d; %zu parts\n", chunk, rc,
		       mp_error_name(rc), want_rc, s.nparts);
	mp_parser_free(p);
	sink_free(&s);
	return good;
}

static void
test_splits(void)
{
	struct mp_parser *p = NULL;
	struct sink s = { 0 };
	int all = 1;

	ok(run_one(stream, stream_len, MAXP, 0, MP_ENDED, &expect),
	   "whole stream: %zu parts, epilogue ignored", expect.nparts);
	ok(run_one(stream, stream_len, MAXP, 1, MP_ENDED, &expect),
	   "one byte at a time");
	ok(run_one(stream, stream_len, MAXP, 2, MP_ENDED, &expect) &&
	   run_one(stream, stream_len, MAXP, 3, MP_ENDED, &expect) &&
	   run_one(stream, stream_len, MAXP, 17, MP_ENDED, &expect),
	   "fixed chunks of 2, 3 and 17 bytes");
	for (size_t cut = 0; cut <= stream_len && all; cut++) {
		int rc;

		if (mp_parser_new(B, MAXP, &p) != 0) {
			all = 0;
			break;
		}
		rc = mp_feed(p, stream, cut, on_part, &s);
		if (rc == 0)
			rc = mp_feed(p, stream + cut, stream_len - cut, on_part, &s);
		if (rc != MP_ENDED || s.len != expect.len ||
		    memcmp(s.data, expect.data, s.len) != 0) {
			printf("#   split at %zu: rc %d\n", cut, rc);
			all = 0;
		}
		mp_parser_free(p);
		sink_free(&s);
	}
	ok(all, "split into two feeds at each of %zu positions", stream_len + 1);
	all = 1;
	for (unsigned long seed = 1; seed <= 200 && all; seed++) {
		rng_state = seed;
		all = run_one(stream, stream_len, MAXP, -(long)(seed % 40 + 1),
		              MP_ENDED, &expect);
	}
	ok(all, "random chunk sizes, 200 fixed seeds");
}

static void
test_state(void)
{
	struct mp_parser *p = NULL;
	struct sink s = { 0 };
	int rc;

	if (!ok(mp_parser_new(B, MAXP, &p) == 0, "new"))
		return;
	is_int(mp_finish(p), MP_E_TRUNCATED, "finish before anything: truncated");
	rc = mp_feed(p, stream, stream_len / 2, on_part, &s);
	is_int(rc, 0, "first half: more wanted");
	is_int(mp_finish(p), MP_E_TRUNCATED, "finish mid-stream: truncated");
	is_int(mp_feed(p, stream + stream_len / 2, stream_len - stream_len / 2,
	               on_part, &s), MP_ENDED, "second half: ended");
	is_int(mp_finish(p), MP_ENDED, "finish after close: ended");
	is_int(mp_feed(p, (const uint8_t *)"junk", 4, on_part, &s), MP_ENDED,
	       "bytes after the end are ignored");
	ok(s.len == expect.len && memcmp(s.data, expect.data, s.len) == 0,
	   "same parts across the two halves");
	sink_free(&s);

	mp_parser_reset(p);
	s.stop_at = 2;
	is_int(mp_feed(p, stream, stream_len, on_part, &s), 42,
	       "after reset, the callback's stop value is returned");
	is_int(s.nparts, 2, "no part after the stop");
	is_int(mp_feed(p, stream, 1, on_part, &s), MP_E_STOPPED,
	       "a stopped parser stays dead");
	is_int(mp_finish(p), MP_E_STOPPED, "finish says stopped");
	sink_free(&s);
	mp_parser_reset(p);
	is_int(mp_feed(p, stream, stream_len, on_part, &s), MP_ENDED,
	       "reset makes it new again");
	is_int(mp_feed(NULL, stream, 1, on_part, &s), LC_EINVAL, "NULL parser");
	is_int(mp_feed(p, NULL, 1, on_part, &s), LC_EINVAL, "NULL buffer");
	sink_free(&s);
	mp_parser_free(p);
	mp_parser_free(NULL);

	p = NULL;
	is_int(mp_parser_new("bad\x01", MAXP, &p), LC_EINVAL, "new: bad boundary");
	is_int(mp_parser_new(B, 0, &p), LC_EINVAL, "new: max 0");
	is_int(mp_parser_new(B, (size_t)MP_PART_LIMIT + 1, &p), LC_EINVAL,
	       "new: max over the limit");
	ok(p == NULL, "new writes *out only on success");
}

/* ---- errors ------------------------------------------------------------- */

/* rc must be want whether the stream is fed whole or byte by byte. */
static void
expect_rc(const char *what, const char *text, size_t len, size_t max, int want)
{
	const uint8_t *b = (const uint8_t *)text;

	ok(run_one(b, len, max, 0, want, NULL) &&
	   run_one(b, len, max, 1, want, NULL), "%s: %s", what, mp_error_name(want));
}

#define EXPECT(what, lit, want) expect_rc(what, lit, sizeof(lit) - 1, MAXP, want)

static void
test_errors(void)
{
	EXPECT("bare LF after a header", "--" B "\r\nX-A: 1\n\r\nbody\r\n--" B "--", MP_E_HEADER);
	EXPECT("bare LF ends the headers", "--" B "\r\nX-A: 1\r\n\nbody\r\n--" B "--", MP_E_HEADER);
	EXPECT("no colon", "--" B "\r\nNoColon\r\n\r\nbody\r\n--" B "--", MP_E_HEADER);
	EXPECT("empty name", "--" B "\r\n: x\r\n\r\nbody\r\n--" B "--", MP_E_HEADER);
	EXPECT("space before colon", "--" B "\r\nX-A : 1\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("obs-fold", "--" B "\r\nX-A: 1\r\n  more: 2\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("bare CR", "--" B "\r\nX-A: 1\r2\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("NUL", "--" B "\r\nX-A: 1\0002\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("DEL", "--" B "\r\nX-A: 1\x7f\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Length not a number", "--" B "\r\nContent-Length: 1a\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Length signed", "--" B "\r\nContent-Length: +1\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Length empty", "--" B "\r\nContent-Length: \r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Length twice", "--" B "\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Type twice", "--" B "\r\nContent-Type: a/b\r\ncontent-type: a/b\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Type non-ASCII", "--" B "\r\nContent-Type: a/\xe9\r\n\r\nb\r\n--" B "--", MP_E_HEADER);
	EXPECT("Content-Type empty", "--" B "\r\nContent-Type:\r\n\r\nb\r\n--" B "--", MP_E_HEADER);

	EXPECT("Content-Length shorter than the body", "--" B "\r\nContent-Length: 3\r\n\r\nbody\r\n--" B "--", MP_E_LENGTH);
	EXPECT("Content-Length longer than the body", "--" B "\r\nContent-Length: 5\r\n\r\nbody\r\n--" B "\r\nxxxxxxxxxxxxxxxxxxxxxxxxx", MP_E_LENGTH);
	EXPECT("Content-Length past a delimiter inside", "--" B "\r\nContent-Length: 22\r\n\r\nab\r\n--" B "\r\n\r\ncd\r\n--" B "--", MP_E_LENGTH);
	EXPECT("Content-Length, no delimiter after it", "--" B "\r\nContent-Length: 4\r\n\r\nbodyXXXXXXXXXXXXXXXXXXXXXXXXXXX", MP_E_LENGTH);
	EXPECT("Content-Length, matching", "--" B "\r\nContent-Length: 4\r\n\r\nbody\r\n--" B "--", MP_ENDED);

	EXPECT("bchars after the boundary", "--" B "X\r\n\r\nb\r\n--" B "--", MP_E_BOUNDARY);
	EXPECT("bchars after a boundary in a body", "--" B "\r\n\r\nb\r\n--" B "X\r\n\r\nc\r\n--" B "--", MP_E_BOUNDARY);
	EXPECT("one dash after the boundary", "--" B "-x\r\n\r\nb\r\n--" B "--", MP_E_BOUNDARY);
	EXPECT("bare LF after the boundary", "--" B "\n\r\nb\r\n--" B "--", MP_E_BOUNDARY);
	EXPECT("CR without LF after the boundary", "--" B "\rx\r\nb\r\n--" B "--", MP_E_BOUNDARY);
	EXPECT("padding then junk", "--" B "  x\r\n\r\nb\r\n--" B "--", MP_E_BOUNDARY);
	EXPECT("close delimiter first: no parts", "--" B "--", MP_ENDED);
	EXPECT("empty part before close", "--" B "\r\n\r\n\r\n--" B "--", MP_ENDED);
	EXPECT("headers, then at once the close delimiter", "--" B "\r\nX-A: 1\r\n\r\n--" B "--", MP_ENDED);
	EXPECT("no headers, then at once a delimiter", "--" B "\r\n\r\n--" B "\r\n\r\n--" B "--", MP_ENDED);
	EXPECT("Content-Length 0, delimiter on the empty line", "--" B "\r\nContent-Length: 0\r\n\r\n--" B "--", MP_ENDED);
	EXPECT("Content-Length 1, delimiter on the empty line", "--" B "\r\nContent-Length: 1\r\n\r\n--" B "--", MP_E_LENGTH);
	EXPECT("a boundary in a body, not after CRLF, is data", "--" B "\r\n\r\nx--" B "\r\n--" B "--", MP_ENDED);

	{
		static const char rfc[] = "--" B "\r\nX-A: 1\r\n\r\n--" B "\r\n\r\nabc\r\n--" B "--";
		struct sink want = { 0 };

		sink_part(&want, NULL, 0, 0, (const uint8_t *)"", 0);
		sink_part(&want, NULL, 0, 0, (const uint8_t *)"abc", 3);
		ok(run_one((const uint8_t *)rfc, sizeof(rfc) - 1, MAXP, 0, MP_ENDED, &want) &&
		   run_one((const uint8_t *)rfc, sizeof(rfc) - 1, MAXP, 1, MP_ENDED, &want),
		   "a delimiter right after the headers: an empty body (RFC 2046)");
		sink_free(&want);
	}
	{
		char buf[MP_PADDING_MAX + 200];
		int n;

		n = snprintf(buf, sizeof(buf), "--" B "%*s\r\n\r\nb\r\n--" B "--", MP_PADDING_MAX, "");
		expect_rc("padding at the limit", buf, (size_t)n, MAXP, MP_ENDED);
		n = snprintf(buf, sizeof(buf), "--" B "%*s\r\n\r\nb\r\n--" B "--", MP_PADDING_MAX + 1, "");
		expect_rc("padding over the limit", buf, (size_t)n, MAXP, MP_E_BOUNDARY);
	}
}

/* A stream of many lines: header bombs and preambles. */
static void
test_bounds(void)
{
	size_t cap = 3 * MAXP + 2 * MP_HEADERS_MAX + MP_PREAMBLE_MAX + 256;
	char *buf = malloc(cap);
	size_t n;
	struct sink want = { 0 };
	uint8_t *body;

	if (buf == NULL || (body = malloc(MAXP + 1)) == NULL) {
		free(buf);
		ok(0, "out of memory");
		return;
	}
	for (size_t i = 0; i <= MAXP; i++)
		body[i] = (uint8_t)(i * 31 + 7);

	/* a body of exactly max passes, one more byte fails; with and
	 * without Content-Length */
	for (int with_cl = 0; with_cl <= 1; with_cl++) {
		for (size_t extra = 0; extra <= 1; extra++) {
			n = (size_t)snprintf(buf, cap, "--" B "\r\n");
			if (with_cl)
				n += (size_t)snprintf(buf + n, cap - n,
				                      "Content-Length: %zu\r\n", (size_t)MAXP + extra);
			n += (size_t)snprintf(buf + n, cap - n, "\r\n");
			memcpy(buf + n, body, MAXP + extra);
			n += MAXP + extra;
			n += (size_t)snprintf(buf + n, cap - n, "\r\n--" B "--");
			sink_free(&want);
			sink_part(&want, NULL, with_cl, MAXP, body, MAXP);
			ok(run_one((uint8_t *)buf, n, MAXP, 0, extra ? MP_E_TOO_LARGE : MP_ENDED,
			           extra ? NULL : &want) &&
			   run_one((uint8_t *)buf, n, MAXP, 1, extra ? MP_E_TOO_LARGE : MP_ENDED,
			           extra ? NULL : &want) &&
			   run_one((uint8_t *)buf, n, MAXP, 1000, extra ? MP_E_TOO_LARGE : MP_ENDED,
			           extra ? NULL : &want),
			   "body of max%s%s", extra ? " + 1" : "",
			   with_cl ? ", with Content-Length" : "");
		}
	}
	sink_free(&want);
	expect_rc("Content-Length over max, before the body",
	          "--" B "\r\nContent-Length: 4097\r\n\r\n", 42, MAXP, MP_E_TOO_LARGE);
	expect_rc("Content-Length of 30 digits",
	          "--" B "\r\nContent-Length: 999999999999999999999999999999\r\n", 66,
	          MAXP, MP_E_TOO_LARGE);
	/* a Content-Length within max but a body over it: the mismatch is
	 * the error however the bytes come (the fuzz target compares) */
	n = (size_t)snprintf(buf, cap, "--" B "\r\nContent-Length: 10\r\n\r\n");
	memset(buf + n, 'x', MAXP + 100);
	n += MAXP + 100;
	n += (size_t)snprintf(buf + n, cap - n, "\r\n--" B "--");
	expect_rc("Content-Length 10, body over max", buf, n, MAXP, MP_E_LENGTH);
	/* a body that never ends fails as soon as it is over max */
	n = (size_t)snprintf(buf, cap, "--" B "\r\n\r\n");
	memset(buf + n, 'x', MAXP + 100);
	expect_rc("endless body", buf, n + MAXP + 100, MAXP, MP_E_TOO_LARGE);

	/* headers: one huge line; 33 lines; 8 KiB in few lines; at the limit */
	n = (size_t)snprintf(buf, cap, "--" B "\r\nX-Big: ");
	memset(buf + n, 'a', MP_HEADERS_MAX);
	expect_rc("one header line over 8 KiB, no newline", buf, n + MP_HEADERS_MAX,
	          MAXP, MP_E_HEADERS);
	n = (size_t)snprintf(buf, cap, "--" B "\r\n");
	for (int i = 0; i < MP_HEADERS_COUNT + 1; i++)
		n += (size_t)snprintf(buf + n, cap - n, "X-%d: %d\r\n", i, i);
	n += (size_t)snprintf(buf + n, cap - n, "\r\nb\r\n--" B "--");
	expect_rc("33 header lines", buf, n, MAXP, MP_E_HEADERS);
	n = (size_t)snprintf(buf, cap, "--" B "\r\n");
	for (int i = 0; i < MP_HEADERS_COUNT; i++)
		n += (size_t)snprintf(buf + n, cap - n, "X-%d: %d\r\n", i, i);
	n += (size_t)snprintf(buf + n, cap - n, "\r\nb\r\n--" B "--");
	expect_rc("32 header lines", buf, n, MAXP, MP_ENDED);
	{
		/* 4 lines + empty line totalling exactly MP_HEADERS_MAX, then
		 * one byte more */
		for (size_t extra = 0; extra <= 1; extra++) {
			size_t line = (MP_HEADERS_MAX - 2) / 4; /* 2047 */
			size_t last = MP_HEADERS_MAX - 2 - 3 * line + extra;

			n = (size_t)snprintf(buf, cap, "--" B "\r\n");
			for (int i = 0; i < 4; i++) {
				size_t l = i < 3 ? line : last;

				memcpy(buf + n, "X-A: ", 5);
				memset(buf + n + 5, 'v', l - 7);
				memcpy(buf + n + l - 2, "\r\n", 2);
				n += l;
			}
			n += (size_t)snprintf(buf + n, cap - n, "\r\nb\r\n--" B "--");
			expect_rc(extra ? "headers of 8 KiB + 1" : "headers of exactly 8 KiB",
			          buf, n, MAXP, extra ? MP_E_HEADERS : MP_ENDED);
		}
	}

	/* preamble: at the limit passes; a wrong boundary never found */
	memset(buf, 'p', MP_PREAMBLE_MAX - 2);
	memcpy(buf + MP_PREAMBLE_MAX - 2, "\r\n", 2);
	n = MP_PREAMBLE_MAX;
	n += (size_t)snprintf(buf + n, cap - n, "--" B "\r\n\r\nb\r\n--" B "--");
	expect_rc("preamble of exactly the limit", buf, n, MAXP, MP_ENDED);
	memset(buf, 'p', MP_PREAMBLE_MAX - 1);
	memcpy(buf + MP_PREAMBLE_MAX - 1, "\r\n", 2);
	n = MP_PREAMBLE_MAX + 1;
	n += (size_t)snprintf(buf + n, cap - n, "--" B "\r\n\r\nb\r\n--" B "--");
	expect_rc("preamble one over the limit", buf, n, MAXP, MP_E_NO_BOUNDARY);
	n = 0;
	while (n < MP_PREAMBLE_MAX + 100)
		n += (size_t)snprintf(buf + n, cap - n, "--other\r\n\r\nframe\r\n");
	expect_rc("wrong boundary", buf, n, MAXP, MP_E_NO_BOUNDARY);
	memset(buf, 'p', MP_PREAMBLE_MAX + 1);
	expect_rc("preamble without newline", buf, MP_PREAMBLE_MAX + 1, MAXP,
	          MP_E_NO_BOUNDARY);
	expect_rc("boundary after a blank first line (mjpg-streamer style)",
	          "\r\n--" B "\r\n\r\nb\r\n--" B "--", 2 + 2 + 13 + 2 + 2 + 1 + 2 + 2 + 13 + 2,
	          MAXP, MP_ENDED);
	free(body);
	free(buf);
}

/* A 256 KiB body fed a byte at a time: quadratic rescanning would take
 * minutes, linear scanning takes milliseconds. */
static void
test_linear(void)
{
	size_t max = 256 * 1024, n;
	uint8_t *buf = malloc(max + 64);

	if (buf == NULL) {
		ok(0, "out of memory");
		return;
	}
	n = (size_t)snprintf((char *)buf, 64, "--" B "\r\n\r\n");
	memset(buf + n, '\r', max);
	n += max;
	memcpy(buf + n, "\r\n--" B "--", 4 + 13 + 2);
	n += 4 + 13 + 2;
	ok(run_one(buf, n, max, 1, MP_ENDED, NULL), "256 KiB of CRs a byte at a time");
	free(buf);
}

/* Frames larger than the parser's first allocation, each fed in one call
 * that ends right after the CRLF that follows its delimiter: the drained
 * buffer is given back after every part (multipart.h), and the states
 * must then wait for bytes, not read from the freed buffer. */
static void
test_drained(void)
{
	enum { BIG = 20000, PARTS = 3 };
	struct mp_parser *p = NULL;
	struct sink s = { 0 };
	uint8_t *buf = malloc(BIG + 128);
	size_t n, got = 0;
	int rc = 0;

	if (buf == NULL || mp_parser_new(B, BIG, &p) != 0) {
		free(buf);
		ok(0, "out of memory");
		return;
	}
	for (int i = 0; i < PARTS && rc == 0; i++) {
		/* the delimiter's CRLF ended the previous feed */
		n = (size_t)snprintf((char *)buf, 64, "%s\r\n", i == 0 ? "--" B "\r\n" : "");
		memset(buf + n, 'a' + i, BIG);
		n += BIG;
		memcpy(buf + n, "\r\n--" B "\r\n", 4 + 13 + 2);
		n += 4 + 13 + 2;
		rc = mp_feed(p, buf, n, on_part, &s);
		got += rc == 0 && s.nparts == (size_t)i + 1 && s.data != NULL &&
		       s.data[s.len - 1] == 'a' + i;
	}
	is_int(rc, 0, "large parts fed whole, one at a time: no error");
	ok(got == PARTS && !s.oom, "each delivered when its feed ends (%zu of %d)", got,
	   (int)PARTS);
	is_int(mp_feed(p, (const uint8_t *)"\r\n", 2, on_part, &s), 0,
	       "and the drained parser takes more");
	mp_parser_free(p);
	sink_free(&s);
	free(buf);
}

/* A part with a Content-Length is handed out once its body and the CRLF
 * after it are in, before the next part starts (a frame must not wait a
 * frame interval); what follows must still be the delimiter. */
static void
test_released(void)
{
	static const char head[] = "--" B "\r\nContent-Length: 5\r\n\r\nhello";
	static const char second[] = "Content-Length: 2\r\n\r\nhi\r\nXX";
	static const char inside[] = "--" B "\r\nContent-Length: 20\r\n\r\nab\r\n--" B "\r\n\r\n";
	struct mp_parser *p = NULL;
	struct sink s = { 0 };

	if (mp_parser_new(B, MAXP, &p) != 0) {
		ok(0, "out of memory");
		return;
	}
	is_int(mp_feed(p, (const uint8_t *)head, sizeof(head) - 1, on_part, &s), 0,
	       "a counted body without its CRLF: waiting");
	is_int((int)s.nparts, 0, "and nothing handed out yet");
	is_int(mp_feed(p, (const uint8_t *)"\r", 1, on_part, &s), 0, "half the CRLF");
	is_int((int)s.nparts, 0, "still nothing");
	is_int(mp_feed(p, (const uint8_t *)"\n", 1, on_part, &s), 0, "the CRLF");
	ok(s.nparts == 1 && s.len >= 5 && memcmp(s.data + s.len - 5, "hello", 5) == 0,
	   "the part is out before the next delimiter");
	is_int(mp_feed(p, (const uint8_t *)"--" B "\r\n", 2 + 13 + 2, on_part, &s), 0,
	       "then its delimiter");
	is_int(mp_feed(p, (const uint8_t *)second, sizeof(second) - 1, on_part, &s),
	       MP_E_LENGTH, "a second part, then no delimiter after its CRLF: MP_E_LENGTH");
	is_int((int)s.nparts, 2, "after that part was handed out");
	mp_parser_free(p);
	sink_free(&s);

	/* a delimiter inside the counted body still means the length lies */
	if (mp_parser_new(B, MAXP, &p) != 0) {
		ok(0, "out of memory");
		return;
	}
	is_int(mp_feed(p, (const uint8_t *)inside, sizeof(inside) - 1, on_part, &s),
	       MP_E_LENGTH, "a delimiter inside the counted body: MP_E_LENGTH");
	is_int((int)s.nparts, 0, "and no part");
	mp_parser_free(p);
	sink_free(&s);
}

/* A body with a Content-Length is read into exactly the bytes it needs,
 * not the next power of two: per stream, memory is the frame. */
static void
test_sized(void)
{
	enum { BODY = 50000, STEP = 1000 };
	static const char head[] = "--" B "\r\nContent-Length: 50000\r\n\r\n";
	struct mp_parser *p = NULL;
	struct sink s = { 0 };
	uint8_t chunk[STEP];
	size_t most = 0, fed;
	int rc;

	if (mp_parser_new(B, BODY, &p) != 0) {
		ok(0, "out of memory");
		return;
	}
	memset(chunk, 'z', sizeof(chunk));
	rc = mp_feed(p, (const uint8_t *)head, sizeof(head) - 1, on_part, &s);
	for (fed = 0; rc == 0 && fed < BODY; fed += STEP) {
		rc = mp_feed(p, chunk, STEP, on_part, &s);
		if (mp_allocated(p) > most)
			most = mp_allocated(p);
	}
	is_int(rc, 0, "a 50000-byte counted body in 1000-byte pieces");
	ok(most <= sizeof(head) - 1 + 2 + BODY + 2,
	   "the buffer never held more than the part needs (%zu of %zu)", most,
	   sizeof(head) - 1 + 2 + BODY + 2);
	is_int(mp_feed(p, (const uint8_t *)"\r\n", 2, on_part, &s), 0, "its CRLF");
	ok(s.nparts == 1 && s.len >= BODY, "and the part is out");
	mp_parser_free(p);
	sink_free(&s);
}

/* ---- Content-Type and the writer ------------------------------------- */

static void
ct_case(const char *ct, int want, const char *want_b)
{
	char out[MP_BOUNDARY_MAX + 1];
	int rc = mp_boundary_from_content_type(ct, out, sizeof(out));

	if (want == 0)
		ok(rc == 0 && strcmp(out, want_b) == 0, "content type '%s' -> '%s'",
		   ct, rc == 0 ? out : mp_strerror(rc));
	else
		ok(rc == want, "content type '%s' refused (%d)", ct, rc);
}

static void
test_content_type(void)
{
	char small[4];
	char b70[71], ct[200];

	ct_case("multipart/x-mixed-replace; boundary=frame", 0, "frame");
	ct_case("multipart/x-mixed-replace;boundary=boundarydonotcross", 0, "boundarydonotcross");
	ct_case("Multipart/X-Mixed-Replace; BOUNDARY=\"a b:c\"", 0, "a b:c");
	ct_case("multipart/mixed; charset=utf-8; boundary=--ffmpeg;", 0, "--ffmpeg");
	ct_case("multipart/x-mixed-replace; foo=\"x;boundary=y\"; boundary=z", 0, "z");
	ct_case("multipart/x-mixed-replace; boundary=\"q\\\"\"", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=\"\"", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=\"ends in space \"", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=a;boundary=b", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=a@b", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=\"a@b\"", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; boundary=\"unterminated", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace; \"boundary\"=x", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replaced; boundary=x", LC_EFORMAT, NULL);
	ct_case("multipart/form-data; boundary=x", LC_EFORMAT, NULL);
	ct_case("image/jpeg; boundary=x", LC_EFORMAT, NULL);
	ct_case("multipart/x-mixed-replace boundary=x", LC_EFORMAT, NULL);
	ct_case("", LC_EFORMAT, NULL);
	memset(b70, 'b', 70);
	b70[70] = '\0';
	snprintf(ct, sizeof(ct), "multipart/x-mixed-replace; boundary=%s", b70);
	ct_case(ct, 0, b70);
	snprintf(ct, sizeof(ct), "multipart/x-mixed-replace; boundary=%sb", b70);
	ct_case(ct, LC_EFORMAT, NULL);
	is_int(mp_boundary_from_content_type("multipart/mixed; boundary=abcd", small,
	                                     sizeof(small)), LC_ESPACE, "small out buffer");
	is_int(mp_boundary_from_content_type(NULL, small, sizeof(small)), LC_EINVAL,
	       "NULL content type");
}

/* Writes a stream with the helpers and reads it back. */
static void
test_writer(void)
{
	static const char *const bounds[] = { B, "a b'(c)", "--ffmpeg" };
	char out[256], hdr[256];
	size_t w;

	for (size_t bi = 0; bi < sizeof(bounds) / sizeof(bounds[0]); bi++) {
		const char *b = bounds[bi];
		struct sink s = { 0 }, want = { 0 };
		struct mp_parser *p = NULL;
		char back[MP_BOUNDARY_MAX + 1];
		int rc = -1;

		ok(mp_content_type_value(out, sizeof(out), b) == 0 &&
		   mp_boundary_from_content_type(out, back, sizeof(back)) == 0 &&
		   strcmp(back, b) == 0, "content type value round trip: %s", out);
		for (int i = 0; i < 3; i++) {
			const uint8_t *body = i == 1 ? noise : body0;
			size_t blen = i == 1 ? sizeof(noise) : i == 2 ? 0 : sizeof(body0) - 1;

			if (mp_write_part_header(hdr, sizeof(hdr), b, "image/jpeg", blen, &w) != 0)
				break;
			sink_put(&s, hdr, w);
			sink_put(&s, body, blen);
			sink_put(&s, "\r\n", 2);
			sink_part(&want, "image/jpeg", 1, blen, body, blen);
		}
		sink_put(&s, "--", 2);
		sink_put(&s, b, strlen(b));
		sink_put(&s, "--\r\n", 4);
		if (mp_parser_new(b, MAXP, &p) == 0) {
			struct sink got = { 0 };

			rc = mp_feed(p, s.data, s.len, on_part, &got);
			rc = rc == MP_ENDED && got.len == want.len &&
			     memcmp(got.data, want.data, got.len) == 0;
			sink_free(&got);
			mp_parser_free(p);
		}
		ok(rc == 1, "written stream parses back (boundary '%s')", b);
		sink_free(&s);
		sink_free(&want);
	}
	ok(mp_write_part_header(hdr, sizeof(hdr), B, "image/jpeg", 12, &w) == 0 &&
	   strcmp(hdr, "--" B "\r\nContent-Type: image/jpeg\r\nContent-Length: 12\r\n\r\n") == 0 &&
	   w == strlen(hdr), "part header bytes");
	is_int(mp_write_part_header(hdr, 20, B, "image/jpeg", 12, &w), LC_ESPACE,
	       "part header: small buffer");
	is_int(mp_write_part_header(hdr, sizeof(hdr), B, "image/jpeg\r\nX: y", 12, &w),
	       LC_EINVAL, "part header: CRLF in the content type");
	is_int(mp_write_part_header(hdr, sizeof(hdr), "bad\"", "image/jpeg", 12, &w),
	       LC_EINVAL, "part header: bad boundary");
	is_int(mp_content_type_value(out, 10, B), LC_ESPACE, "content type value: small buffer");
	ok(strcmp(mp_error_name(MP_E_TOO_LARGE), "too_large") == 0 &&
	   strcmp(mp_error_name(LC_ENOMEM), "internal") == 0 &&
	   strcmp(mp_strerror(LC_ENOMEM), lc_strerror(LC_ENOMEM)) == 0,
	   "error names and messages");
}

int
main(void)
{
	tap_init();
	build_stream();
	test_splits();
	test_state();
	test_errors();
	test_bounds();
	test_linear();
	test_drained();
	test_released();
	test_sized();
	test_content_type();
	test_writer();
	free(stream);
	sink_free(&expect);
	return tap_done();
}
