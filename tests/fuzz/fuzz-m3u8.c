/*
 * Fuzz target for the HLS media-playlist checker: runs m3u8_check() on
 * the input and checks what it promises: a fault has a name and a line
 * that exists; what it accepts passes a simple re-scan written here from
 * m3u8.h, not from m3u8.c; the verdict does not depend on where the input
 * lives, nor on LF versus CRLF; an accepted playlist stays accepted once
 * its last line gets a line end.  The same input as a segment under each
 * segment label: segment_check() agrees with a re-check written here
 * from segment.h, and an accepted segment starts with no '#' after any
 * bytes a player skips.
 *
 * Input: the playlist (or segment), as is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/m3u8.h"
#include "media/segment.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One verdict. */
struct verdict {
	int rc;
	const char *why;
	size_t line;
};

static struct verdict
run(const uint8_t *p, size_t n)
{
	struct verdict v = { 0, NULL, 0 };

	v.rc = m3u8_check(p, n, &v.why, &v.line);
	return v;
}

static int
same(const struct verdict *a, const struct verdict *b)
{
	if (a->rc != b->rc)
		return 0;
	return a->rc == 0 || (a->why == b->why && a->line == b->line);
}

/* Lines as m3u8.h counts them: the empty input is one line, and so is
 * what follows the last LF, unless nothing does. */
static size_t
count_lines(const uint8_t *p, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return n == 0 || p[n - 1] != '\n' ? lines + 1 : lines;
}

/* A bare file name, spelt out again: 1..128 of [A-Za-z0-9._~-], not a dot
 * segment. */
static int
ref_name(const uint8_t *s, size_t n)
{
	static const char ok_chars[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-";

	if (n == 0 || n > 128 || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(ok_chars, s[i]) == NULL)
			return 0;
	return 1;
}

/* Whether the tag line l names one of these, exactly. */
static int
ref_tag_is(const uint8_t *l, size_t n, const char *tag)
{
	size_t k = strlen(tag);

	return n >= k && memcmp(l, tag, k) == 0 && (n == k || l[k] == ':');
}

/*
 * The re-scan of an accepted playlist: the first line is "#EXTM3U"; every
 * byte printable, TAB, LF or a CR before an LF; lines of at most 1024
 * bytes; every line not starting with '#' and not empty is a bare name;
 * no tag that carries a URI; EXT-X-TARGETDURATION once; as many EXTINF
 * as names.
 */
static void
rescan(const uint8_t *p, size_t n)
{
	static const char *const uri_tags[] = {
		"#EXT-X-KEY", "#EXT-X-MAP", "#EXT-X-STREAM-INF", "#EXT-X-MEDIA",
		"#EXT-X-I-FRAME-STREAM-INF", "#EXT-X-SESSION-KEY",
		"#EXT-X-SESSION-DATA", "#EXT-X-PART", "#EXT-X-PRELOAD-HINT",
		"#EXT-X-RENDITION-REPORT", "#EXT-X-DEFINE", "#EXT-X-CONTENT-STEERING",
		"#EXTM3U"
	};
	size_t start = 0, lines = 0, names = 0, extinfs = 0, targets = 0;

	while (start < n) {
		size_t end = start, len;
		const uint8_t *l = p + start;

		while (end < n && p[end] != '\n')
			end++;
		len = end - start;
		if (end < n && len > 0 && l[len - 1] == '\r')
			len--;
		lines++;
		CHECK(len <= 1024);
		for (size_t i = 0; i < len; i++)
			CHECK(l[i] == '\t' || (l[i] >= 0x20 && l[i] <= 0x7e));
		if (lines == 1) {
			CHECK(len == 7 && memcmp(l, "#EXTM3U", 7) == 0);
		} else if (len > 0 && l[0] == '#') {
			for (size_t i = 0; i < sizeof(uri_tags) / sizeof(uri_tags[0]); i++)
				CHECK(!ref_tag_is(l, len, uri_tags[i]));
			targets += ref_tag_is(l, len, "#EXT-X-TARGETDURATION");
			extinfs += ref_tag_is(l, len, "#EXTINF");
		} else if (len > 0) {
			CHECK(ref_name(l, len));
			names++;
		}
		start = end < n ? end + 1 : n;
	}
	CHECK(lines >= 1);
	CHECK(targets == 1);
	CHECK(extinfs == names);
}

/* The input with every LF not after a CR made CRLF; *out_n its size. */
static uint8_t *
to_crlf(const uint8_t *p, size_t n, size_t *out_n)
{
	uint8_t *q = malloc(2 * n + 1);
	size_t k = 0;

	CHECK(q != NULL);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			q[k++] = '\r';
		q[k++] = p[i];
	}
	*out_n = k;
	return q;
}

/* segment.h's rules for p[0, n) as container ts (1) or fMP4 (0). */
static int
segment_ref(int ts, const uint8_t *p, size_t n)
{
	static const char *const first = "ftypstypsidxemsgprftmoof";
	uint64_t size = 0;
	size_t head = 8, i;

	if (n == 0)
		return 0;
	if (ts) {
		for (i = 0; i < n; i += 188)
			if (p[i] != 0x47)
				return 0;
		return n % 188 == 0;
	}
	if (n < head)
		return 0;
	for (i = 0; i < 24; i += 4)
		if (memcmp(p + 4, first + i, 4) == 0)
			break;
	if (i == 24)
		return 0;
	for (i = 0; i < 4; i++)
		size = size << 8 | p[i];
	if (size == 1) {
		head = 16;
		if (n < head)
			return 0;
		size = 0;
		for (i = 8; i < 16; i++)
			size = size << 8 | p[i];
	}
	return size >= head && size <= n;
}

/* The input as a segment under each label: the verdict segment.h
 * gives, and nothing accepted a player could take for a playlist. */
static void
check_segment(const uint8_t *data, size_t size)
{
	static const char *const labels[] = { "video/mp2t", "video/mp4", "audio/mp4",
		"video/iso.segment" };
	const char *why = NULL;
	int rc;

	for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++) {
		rc = segment_check(labels[l], data, size, &why);
		CHECK(rc == 0 || (rc == -1 && why != NULL));
		CHECK((rc == 0) == segment_ref(l == 0, data, size));
		/* 'G' first, or a box type of letters at 4..7. */
		CHECK(rc != 0 || data[0] == 0x47 || (size >= 8 && data[4] >= 'a' &&
		                                     data[4] <= 'z'));
	}
	CHECK(segment_check(M3U8_CONTENT_TYPE, data, size, NULL) == -1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verdict v, w;
	char detail[96];
	uint8_t *copy;
	size_t n;

	v = run(data, size);
	CHECK(v.rc == 0 || v.rc == -1);
	if (v.rc == -1) {
		CHECK(v.why != NULL && v.why[0] != '\0');
		CHECK(v.line >= 1 && v.line <= count_lines(data, size));
	} else {
		CHECK(size > 0);
		rescan(data, size);
	}

	/* Both faces' question: as a playlist the same verdict; as a
	 * segment, an accepted playlist never passes. */
	CHECK(m3u8_hls_may_go(M3U8_CONTENT_TYPE, data, size, detail,
	                      sizeof(detail)) == (v.rc == 0));
	CHECK(v.rc != 0 || !m3u8_hls_may_go("video/mp2t", data, size, detail,
	                                    sizeof(detail)));
	check_segment(data, size);

	/* An exact-size heap copy: ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	CHECK(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	w = run(copy, size);
	CHECK(same(&v, &w));
	free(copy);

	/* LF or CRLF makes no difference to anything. */
	copy = to_crlf(data, size, &n);
	w = run(copy, n);
	CHECK(same(&v, &w));
	free(copy);

	/* A line end added to an accepted last line changes nothing. */
	if (v.rc == 0 && data[size - 1] != '\n') {
		copy = malloc(size + 1);
		CHECK(copy != NULL);
		memcpy(copy, data, size);
		copy[size] = '\n';
		w = run(copy, size + 1);
		CHECK(w.rc == 0);
		free(copy);
	}
	return 0;
}
