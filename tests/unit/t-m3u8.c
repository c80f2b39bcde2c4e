/* Unit tests for the HLS media-playlist checker: each rule of m3u8.h
 * once accepted and once refused, the bounds at their edge, the line
 * endings, and the fault's line number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/m3u8.h"
#include "tap.h"

/* A good playlist's first lines, and its segment. */
#define HEAD "#EXTM3U\n#EXT-X-TARGETDURATION:10\n"
#define SEG  "#EXTINF:9.009,\nseg0.ts\n"

/*
 * Checks p[0, n): want 0, or -1 with a why and, if want_line is not 0,
 * that line.  Says why on failure.
 */
static void
check_n(const void *p, size_t n, int want, size_t want_line, const char *what)
{
	const char *why = NULL;
	size_t line = 0;
	int rc = m3u8_check(p, n, &why, &line);
	int good;

	if (want == 0)
		good = rc == 0;
	else
		good = rc == -1 && why != NULL &&
		       (want_line == 0 || line == want_line);
	if (!ok(good, "%s", what))
		printf("#   got %d (%s, line %zu), want %d line %zu\n", rc,
		       why != NULL ? why : "no why", line, want, want_line);
}

static void
check(const char *s, int want, size_t want_line, const char *what)
{
	check_n(s, strlen(s), want, want_line, what);
}

/* A playlist whose one segment URI is name, then "#EXT-X-ENDLIST". */
static void
check_name(const char *name, int want, const char *what)
{
	char buf[2048];
	int w = snprintf(buf, sizeof(buf), HEAD "#EXTINF:1,\n%s\n#EXT-X-ENDLIST\n",
	                 name);

	if (w < 0 || (size_t)w >= sizeof(buf)) {
		ok(0, "%s: test buffer", what);
		return;
	}
	check(buf, want, want == 0 ? 0 : 4, what);
}

static void
test_bytes(void)
{
	static const uint8_t nul[] = HEAD "#EXTINF:1,\nse\0g.ts\n";
	static const char lf[] = HEAD SEG "#EXT-X-ENDLIST\n";
	static const char crlf[] = "#EXTM3U\r\n#EXT-X-TARGETDURATION:10\r\n"
	                           "#EXTINF:9.009,\r\nseg0.ts\r\n#EXT-X-ENDLIST\r\n";

	check("", -1, 1, "empty input refused, on line 1");
	check_n(NULL, 0, -1, 1, "NULL input refused");
	check(lf, 0, 0, "a playlist with LF line ends");
	check(crlf, 0, 0, "the same with CRLF");
	check("#EXTM3U\r\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\r\nseg0.ts\n",
	      0, 0, "LF and CRLF mixed");
	check(HEAD SEG "#EXT-X-ENDLIST", 0, 0, "no line end on the last line");
	check(HEAD "#EXTINF:1,\nseg0.ts", 0, 0, "nor on a last URI");
	check(HEAD "#EXTINF:1,\nseg0.ts\r\n", 0, 0, "a CRLF at the very end");
	check(HEAD "#EXTINF:1,\nseg0.ts\r", -1, 4, "a CR at the very end refused");
	check(HEAD "#EXTINF:1,\rseg0.ts\n", -1, 3, "a bare CR inside a line refused");
	check(HEAD "#x\r\r\n" SEG, -1, 3, "CR CR LF refused");
	check(HEAD "\r" SEG, -1, 3, "a CR at the start of a line refused");
	check_n(nul, sizeof(nul) - 1, -1, 4, "a NUL byte refused, on its line");
	check(HEAD "# caf\xc3\xa9\n" SEG, -1, 3, "a UTF-8 byte refused");
	check(HEAD "# \x7f\n" SEG, -1, 3, "DEL refused");
	check(HEAD "# \x1b[0m\n" SEG, -1, 3, "ESC refused");
	check(HEAD "#\ta comment\twith tabs\n" SEG, 0, 0, "TAB is allowed");
	check(HEAD "\n\n" SEG "\n", 0, 0, "blank lines are allowed");
}

static void
test_line_max(void)
{
	char *buf = malloc(sizeof(HEAD SEG) + M3U8_LINE_MAX + 8);
	size_t h = strlen(HEAD), s = strlen(SEG);

	if (buf == NULL) {
		ok(0, "out of memory");
		return;
	}
	/* a comment line of M3U8_LINE_MAX bytes, then one more */
	memcpy(buf, HEAD, h);
	buf[h] = '#';
	memset(buf + h + 1, 'x', M3U8_LINE_MAX - 1);
	memcpy(buf + h + M3U8_LINE_MAX, "\n" SEG, s + 2);
	check(buf, 0, 0, "a line of M3U8_LINE_MAX bytes (LF)");
	memcpy(buf + h + M3U8_LINE_MAX, "\r\n" SEG, s + 3);
	check(buf, 0, 0, "a line of M3U8_LINE_MAX bytes (CRLF: the CR not counted)");
	buf[h + M3U8_LINE_MAX] = 'x';
	memcpy(buf + h + M3U8_LINE_MAX + 1, "\n" SEG, s + 2);
	check(buf, -1, 3, "a line of M3U8_LINE_MAX + 1 bytes refused");
	buf[h + M3U8_LINE_MAX + 1] = '\0';
	check(buf, -1, 3, "and as the last line, without a line end");
	free(buf);
}

static void
test_header(void)
{
	check("#EXTM3U", -1, 1, "#EXTM3U alone: no EXT-X-TARGETDURATION, line 1");
	check("#EXTM3U \n#EXT-X-TARGETDURATION:1\n", -1, 1, "#EXTM3U with a space refused");
	check("#EXTM3U:1\n#EXT-X-TARGETDURATION:1\n", -1, 1, "#EXTM3U:1 refused");
	check("#extm3u\n#EXT-X-TARGETDURATION:1\n", -1, 1, "#extm3u refused");
	check("\n#EXTM3U\n#EXT-X-TARGETDURATION:1\n", -1, 1, "a blank first line refused");
	check("# hi\n#EXTM3U\n#EXT-X-TARGETDURATION:1\n", -1, 1, "a comment first refused");
	check("\xef\xbb\xbf#EXTM3U\n#EXT-X-TARGETDURATION:1\n", -1, 1, "a BOM refused");
	check("#EXTM3U\n#EXT-X-TARGETDURATION:1\n", 0, 0, "no segment yet is fine");
	check(HEAD "#EXTM3U\n" SEG, -1, 3, "a second #EXTM3U refused");
}

static void
test_tags(void)
{
	static const char all[] = "#EXTM3U\n#EXT-X-VERSION:3\n"
		"#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:7\n"
		"#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:EVENT\n"
		"#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-START:TIME-OFFSET=0\n"
		"#EXT-X-ALLOW-CACHE:NO\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n"
		"#EXTINF:6.0,\na.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-BYTERANGE:100@0\n"
		"#EXTINF:6.0,title\nb.ts\n#EXTINF:6,\n#EXT-X-GAP\nc.ts\n"
		"#EXT-X-ENDLIST\n";
	static const struct { const char *line, *what; } bad[] = {
		{ "#EXT-X-KEY:METHOD=AES-128,URI=\"https://evil/k\"", "EXT-X-KEY" },
		{ "#EXT-X-KEY:METHOD=NONE", "EXT-X-KEY, even without a URI" },
		{ "#EXT-X-MAP:URI=\"init.mp4\"", "EXT-X-MAP" },
		{ "#EXT-X-STREAM-INF:BANDWIDTH=1000", "EXT-X-STREAM-INF" },
		{ "#EXT-X-I-FRAME-STREAM-INF:URI=\"i.m3u8\"", "EXT-X-I-FRAME-STREAM-INF" },
		{ "#EXT-X-MEDIA:TYPE=AUDIO,URI=\"a.m3u8\"", "EXT-X-MEDIA" },
		{ "#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"k\"", "EXT-X-SESSION-KEY" },
		{ "#EXT-X-SESSION-DATA:DATA-ID=\"x\",URI=\"d\"", "EXT-X-SESSION-DATA" },
		{ "#EXT-X-PART:DURATION=1,URI=\"p.ts\"", "EXT-X-PART" },
		{ "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p.ts\"", "EXT-X-PRELOAD-HINT" },
		{ "#EXT-X-DEFINE:NAME=\"x\",VALUE=\"y\"", "EXT-X-DEFINE" },
		{ "#EXT-X-DATERANGE:ID=\"x\"", "EXT-X-DATERANGE" },
		{ "#EXT-X-FOO", "an unknown tag" },
		{ "#EXT", "#EXT alone" },
		{ "#EXTINFO:1,", "#EXTINFO (EXTINF as a prefix)" },
		{ "#EXT-X-ENDLIST ", "EXT-X-ENDLIST with a trailing space" },
		{ "#ext-x-key:URI=\"https://evil/k\"", "#ext-x-key, lower case" },
		{ "#Ext-X-Version:3", "#Ext-X-Version, mixed case" },
	};
	char buf[512], what[128];

	check(all, 0, 0, "every allowed tag, values unchecked");
	check(HEAD "#EXT-X-ENDLIST:whatever\n", 0, 0, "a value on EXT-X-ENDLIST is not looked at");
	check(HEAD "#ext is a comment? no\n", -1, 3, "#ext prose refused as a tag");
	check(HEAD "#EX-X-KEY:URI=\"k\"\n#E\n# EXT-X-KEY\n" SEG, 0, 0,
	      "comments that are not #EXT lines are allowed");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int w = snprintf(buf, sizeof(buf), HEAD "%s\n" SEG, bad[i].line);

		snprintf(what, sizeof(what), "%s refused, on line 3", bad[i].what);
		if (w < 0 || (size_t)w >= sizeof(buf)) {
			ok(0, "%s: test buffer", what);
			continue;
		}
		check(buf, -1, 3, what);
	}
	check("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1280000\nlow/index.m3u8\n"
	      "#EXT-X-STREAM-INF:BANDWIDTH=2560000\nhi.m3u8\n", -1, 2,
	      "a master playlist refused, on line 2");
}

static void
test_counts(void)
{
	check("#EXTM3U\n" SEG "#EXT-X-ENDLIST\n", -1, 4, "no EXT-X-TARGETDURATION: last line");
	check("#EXTM3U\n" SEG "#EXT-X-ENDLIST", -1, 4, "the same without the last LF");
	check("#EXTM3U\n" SEG "#EXT-X-TARGETDURATION:10\n", 0, 0,
	      "EXT-X-TARGETDURATION after a segment is fine");
	check(HEAD SEG "#EXT-X-TARGETDURATION:10\n", -1, 5, "two EXT-X-TARGETDURATION refused");
	check(HEAD "#EXT-X-TARGETDURATION:10\n" SEG, -1, 3, "two in a row refused");
	check(HEAD "#EXTINF:1,\n", -1, 3, "EXTINF without a URI at the end refused");
	check(HEAD "#EXTINF:1,\n#EXT-X-ENDLIST\n\n# c\n", -1, 3,
	      "the same, its line is the EXTINF's");
	check(HEAD "#EXTINF:1,\n#EXTINF:2,\nseg0.ts\n", -1, 4, "EXTINF EXTINF URI refused");
	check(HEAD "seg0.ts\n", -1, 3, "URI without EXTINF refused");
	check(HEAD SEG "seg1.ts\n", -1, 5, "one EXTINF for two URIs refused");
	check(HEAD "#EXTINF:1,\n\n# c\n#EXT-X-BYTERANGE:10@0\n#EXT-X-DISCONTINUITY\n"
	      "seg0.ts\n", 0, 0, "tags, comments and blanks between EXTINF and URI");
	check(HEAD SEG SEG SEG, 0, 0, "three segments");
}

static void
test_names(void)
{
	char name[M3U8_NAME_MAX + 2];

	check_name("seg-0_1.~x.ts", 0, "[A-Za-z0-9._~-] allowed");
	check_name("a..b.ts", 0, "\"..\" inside a name is fine");
	check_name("https://evil.example/x.ts", -1, "an absolute URL refused");
	check_name("//evil.example/x.ts", -1, "a network-path reference refused");
	check_name("/x.ts", -1, "an absolute path refused");
	check_name("../x.ts", -1, "../x.ts refused");
	check_name("a/b.ts", -1, "a/b.ts refused");
	check_name("x.ts?y", -1, "x.ts?y refused");
	check_name("x.ts#y", -1, "a fragment refused");
	check_name("%2e%2e", -1, "a percent-encoding refused");
	check_name("c:x.ts", -1, "a colon refused");
	check_name("x\\y.ts", -1, "a backslash refused");
	check_name("a b.ts", -1, "a space refused");
	check_name(" x.ts", -1, "a leading space refused");
	check_name("x.ts\t", -1, "a trailing TAB refused");
	check_name(".", -1, "\".\" refused");
	check_name("..", -1, "\"..\" refused");
	memset(name, 'n', M3U8_NAME_MAX);
	name[M3U8_NAME_MAX] = '\0';
	check_name(name, 0, "a name of M3U8_NAME_MAX (128) bytes");
	name[M3U8_NAME_MAX] = 'n';
	name[M3U8_NAME_MAX + 1] = '\0';
	check_name(name, -1, "a name of 129 bytes refused");
}

static void
test_outputs(void)
{
	const char *why = "unset";
	size_t line = 99;
	static const char bad[] = HEAD "a/b.ts\n";

	is_int(m3u8_check((const uint8_t *)bad, strlen(bad), NULL, NULL), -1,
	       "why and line may be NULL");
	is_int(m3u8_check((const uint8_t *)bad, strlen(bad), &why, NULL), -1,
	       "line alone may be NULL");
	ok(why != NULL && strcmp(why, "segment URI without an EXTINF before it") == 0,
	   "the first fault is named: %s", why != NULL ? why : "NULL");
	why = "unset";
	is_int(m3u8_check((const uint8_t *)HEAD SEG, strlen(HEAD SEG), &why, &line), 0,
	       "accepted");
	ok(line == 99 && why != NULL && strcmp(why, "unset") == 0,
	   "an accepted playlist leaves why and line alone");
	is_int(m3u8_check((const uint8_t *)HEAD "#EXTINF:1,\na/b.ts\n",
	                  strlen(HEAD) + 18, &why, &line), -1, "a path refused");
	ok(why != NULL && strcmp(why, "segment URI has a path") == 0 && line == 4,
	   "as a path, on line 4: %s", why != NULL ? why : "NULL");
	/* Only p[0, n) is read: a good prefix of a longer buffer. */
	is_int(m3u8_check((const uint8_t *)HEAD SEG "../x", strlen(HEAD SEG), NULL, NULL),
	       0, "bytes past n are not read");
}

/* m3u8_hls_may_go: a playlist by its label, and a segment by its
 * container's signature, never by what a playlist looks like. */
static void
test_hls_may_go(void)
{
	static const char good[] = HEAD SEG, bad[] = HEAD "#EXTINF:1,\n../x.ts\n";
	static const char *const sniffed[] = { "#EXTM3U\n", " \r\n\t#x",
		"\357\273\277#EXTM3U\n", "\357\273\277\n#", "\357\273\277 G" };
	uint8_t ts[2 * 188] = { 0x47, 0x40, 0x11, 0x10, '#' };
	char detail[96];

	ts[188] = 0x47;
	ok(m3u8_hls_may_go(M3U8_CONTENT_TYPE, (const uint8_t *)good, strlen(good),
	                   detail, sizeof(detail)), "a good playlist may go");
	ok(!m3u8_hls_may_go(M3U8_CONTENT_TYPE, (const uint8_t *)bad, strlen(bad),
	                    detail, sizeof(detail)) &&
	   strcmp(detail, "playlist refused: line 4: segment URI has a path") == 0,
	   "a bad playlist may not, and the detail says why: %s", detail);
	ok(m3u8_hls_may_go("video/mp2t", ts, sizeof(ts), detail, sizeof(detail)),
	   "a TS segment may go");
	ok(!m3u8_hls_may_go("video/mp2t", (const uint8_t *)"", 0, detail, sizeof(detail)) &&
	   strcmp(detail, "segment refused: labelled video/mp2t: empty") == 0,
	   "an empty segment is no segment: %s", detail);
	for (size_t i = 0; i < sizeof(sniffed) / sizeof(sniffed[0]); i++)
		ok(!m3u8_hls_may_go("video/mp2t", (const uint8_t *)sniffed[i],
		                    strlen(sniffed[i]), detail, sizeof(detail)) &&
		   strncmp(detail, "segment refused: labelled video/mp2t: ", 38) == 0,
		   "a segment that a player could take for a playlist (%zu): %s", i, detail);
	ok(!m3u8_hls_may_go(NULL, ts, sizeof(ts), detail, sizeof(detail)) &&
	   strncmp(detail, "segment refused: labelled (none): ", 34) == 0,
	   "no label: refused, whatever its bytes: %s", detail);
}

/*
 * The prefixes a player skips before it looks for '#' that the old
 * sniff did not (issue 18 item 4), alone and behind a byte order mark:
 * VT, FF, FS, GS, RS, US, U+2000..U+200A and U+3000 in UTF-8.
 */
static size_t
bypass_prefix(size_t i, char *out)
{
	static const char *const ws[] = { "\v", "\f", "\034", "\035", "\036", "\037",
		"\342\200\200", "\342\200\201", "\342\200\202", "\342\200\203",
		"\342\200\204", "\342\200\205", "\342\200\206", "\342\200\207",
		"\342\200\210", "\342\200\211", "\342\200\212", "\343\200\200" };
	size_t nws = sizeof(ws) / sizeof(ws[0]);

	if (i >= 3 * nws)
		return 0;
	out[0] = '\0';
	if (i >= nws) /* a BOM first, then a space or nothing */
		strcat(out, i >= 2 * nws ? "\357\273\277 " : "\357\273\277");
	strcat(out, ws[i % nws]);
	return 1;
}

/* Each bypass class, labelled as each kind of segment: refused. */
static void
test_sniff_bypass(void)
{
	static const char *const labels[] = { "video/mp2t", "video/mp4",
		"audio/mp4", "video/iso.segment" };
	static const char evil[] = "#EXTM3U\n#EXTINF:2,\nhttps://elsewhere.example/x.ts\n";
	char body[64 + sizeof(evil)], detail[96];

	for (size_t i = 0; bypass_prefix(i, body); i++) {
		strcat(body, evil);
		for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++) {
			detail[0] = '\0';
			ok(!m3u8_hls_may_go(labels[l], (const uint8_t *)body, strlen(body),
			                    detail, sizeof(detail)) &&
			   strncmp(detail, "segment refused: ", 17) == 0,
			   "bypass %zu as %s: refused: %s", i, labels[l], detail);
		}
	}
}

int
main(void)
{
	tap_init();
	test_bytes();
	test_line_max();
	test_header();
	test_tags();
	test_counts();
	test_names();
	test_outputs();
	test_hls_may_go();
	test_sniff_bypass();
	return tap_done();
}
