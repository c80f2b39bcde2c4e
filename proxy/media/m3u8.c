/*
 * The HLS media-playlist checker (see m3u8.h).  One pass over the bytes:
 * a line splitter, a byte check per line, the tag name against a table
 * of tags that carry no URI, and each segment URI against the one rule
 * for path segments (policy_segment_ok).  Nothing is copied or allocated.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "media/m3u8.h"
#include "media/segment.h"
#include "policy.h"

/* A name in a playlist must be one a {name} route takes. */
_Static_assert(M3U8_NAME_MAX == POLICY_NAME_MAX, "playlist and route names differ");
/* The fault strings below spell the limits out. */
_Static_assert(M3U8_NAME_MAX == 128 && M3U8_LINE_MAX == 1024, "fault strings");

/* What the scan remembers between lines. */
struct m3u8_scan {
	size_t line;       /* the line being checked, 1-based */
	size_t extinf;     /* line of the EXTINF awaiting its URI; 0 if none */
	unsigned targets;  /* EXT-X-TARGETDURATION tags seen */
};

/* The tags of RFC 8216 media playlists that carry no URI. */
static const char *const allowed_tags[] = {
	"EXT-X-VERSION", "EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE",
	"EXT-X-DISCONTINUITY-SEQUENCE", "EXTINF", "EXT-X-ENDLIST",
	"EXT-X-PLAYLIST-TYPE", "EXT-X-DISCONTINUITY", "EXT-X-PROGRAM-DATE-TIME",
	"EXT-X-INDEPENDENT-SEGMENTS", "EXT-X-BYTERANGE", "EXT-X-GAP",
	"EXT-X-START", "EXT-X-ALLOW-CACHE"
};

#define TAG_PREFIX "#EXT"
#define HEADER     "#EXTM3U"

/* Whether the n bytes at l are the string s. */
static int
is(const uint8_t *l, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(l, s, n) == 0;
}

/* Why a line's content (its line end cut off) has a bad byte, or NULL. */
static const char *
bytes_fault(const uint8_t *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = l[i];

		if (c == '\t' || (c >= 0x20 && c <= 0x7e))
			continue;
		if (c == '\r')
			return "CR not followed by LF";
		if (c == '\0')
			return "NUL byte";
		if (c >= 0x80)
			return "byte outside ASCII";
		return "control character";
	}
	return NULL;
}

/*
 * Cuts the line starting at off: its content is p[off, off + *len), the
 * next line starts at *next.  The line end, LF or CRLF, is not content;
 * the last line may lack one.  Why the line is bad, or NULL.
 */
static const char *
split_line(const uint8_t *p, size_t n, size_t off, size_t *len, size_t *next)
{
	const uint8_t *lf = memchr(p + off, '\n', n - off);
	size_t end = lf != NULL ? (size_t)(lf - p) : n;

	*next = lf != NULL ? end + 1 : n;
	if (lf != NULL && end > off && p[end - 1] == '\r')
		end--;
	*len = end - off;
	if (*len > M3U8_LINE_MAX)
		return "line longer than 1024 bytes";
	return bytes_fault(p + off, *len);
}

/* Whether a tag name (without its '#') is in allowed_tags. */
static int
tag_allowed(const uint8_t *name, size_t n)
{
	for (size_t i = 0; i < sizeof(allowed_tags) / sizeof(allowed_tags[0]); i++)
		if (is(name, n, allowed_tags[i]))
			return 1;
	return 0;
}

/* A tag line: allowed, and EXTINF / EXT-X-TARGETDURATION counted. */
static const char *
check_tag(struct m3u8_scan *s, const uint8_t *l, size_t n)
{
	const uint8_t *colon = memchr(l, ':', n);
	size_t namelen = (colon != NULL ? (size_t)(colon - l) : n) - 1;
	const uint8_t *name = l + 1;

	if (!tag_allowed(name, namelen))
		return "tag not allowed in a media playlist";
	if (is(name, namelen, "EXTINF")) {
		if (s->extinf != 0)
			return "EXTINF follows an EXTINF that has no URI";
		s->extinf = s->line;
	} else if (is(name, namelen, "EXT-X-TARGETDURATION")) {
		if (++s->targets > 1)
			return "EXT-X-TARGETDURATION repeated";
	}
	return NULL;
}

/* Why a segment URI is not a bare file name, or NULL. */
static const char *
name_fault(const uint8_t *l, size_t n)
{
	if (n > M3U8_NAME_MAX)
		return "segment name longer than 128 bytes";
	if (memchr(l, ':', n) != NULL)
		return "segment URI has a scheme";
	if (memchr(l, '/', n) != NULL)
		return "segment URI has a path";
	if (memchr(l, '?', n) != NULL)
		return "segment URI has a query";
	if (memchr(l, '%', n) != NULL)
		return "segment URI is percent-encoded";
	if (!policy_segment_ok((const char *)l, n))
		return "segment name is not [A-Za-z0-9._~-], or is . or ..";
	return NULL;
}

/* A segment URI line: after its own EXTINF, a bare name. */
static const char *
check_uri(struct m3u8_scan *s, const uint8_t *l, size_t n)
{
	if (s->extinf == 0)
		return "segment URI without an EXTINF before it";
	s->extinf = 0;
	return name_fault(l, n);
}

/* One line after the first, its bytes already checked. */
static const char *
check_line(struct m3u8_scan *s, const uint8_t *l, size_t n)
{
	/* Tags are case-sensitive (RFC 8216 4.1), but "#ext-x-key" is no
	 * comment to let through in case a client reads it as a tag. */
	if (n >= strlen(TAG_PREFIX) &&
	    strncasecmp((const char *)l, TAG_PREFIX, strlen(TAG_PREFIX)) == 0)
		return check_tag(s, l, n);
	if (n == 0 || l[0] == '#')
		return NULL;
	return check_uri(s, l, n);
}

/* What the end of the input leaves unfinished, with its line, or NULL. */
static const char *
check_end(const struct m3u8_scan *s, size_t *line)
{
	if (s->extinf != 0) {
		*line = s->extinf;
		return "EXTINF without a URI after it";
	}
	*line = s->line;
	if (s->targets == 0)
		return "no EXT-X-TARGETDURATION";
	return NULL;
}

/* Reports a fault through whichever outputs the caller gave; -1. */
static int
fail(const char *why, size_t line, const char **whyp, size_t *linep)
{
	if (whyp != NULL)
		*whyp = why;
	if (linep != NULL)
		*linep = line;
	return -1;
}

int
m3u8_check(const uint8_t *p, size_t n, const char **why, size_t *line)
{
	struct m3u8_scan s = { 0 };
	const char *fault = NULL;
	size_t off = 0, len, next, end_line;

	if (p == NULL || n == 0)
		return fail("empty playlist", 1, why, line);
	while (off < n) {
		s.line++;
		fault = split_line(p, n, off, &len, &next);
		if (fault == NULL && s.line == 1 && !is(p, len, HEADER))
			fault = "first line is not #EXTM3U";
		else if (fault == NULL && s.line > 1)
			fault = check_line(&s, p + off, len);
		if (fault != NULL)
			return fail(fault, s.line, why, line);
		off = next;
	}
	if ((fault = check_end(&s, &end_line)) != NULL)
		return fail(fault, end_line, why, line);
	return 0;
}

int
m3u8_hls_may_go(const char *content_type, const uint8_t *p, size_t n,
                char *detail, size_t len)
{
	const char *why;
	size_t line;

	if (content_type == NULL || strcmp(content_type, M3U8_CONTENT_TYPE) != 0) {
		if (segment_check(content_type, p, n, &why) == 0)
			return 1;
		(void)snprintf(detail, len, "segment refused: labelled %s: %s",
		               content_type ? content_type : "(none)", why);
		return 0;
	}
	if (m3u8_check(p, n, &why, &line) == 0)
		return 1;
	(void)snprintf(detail, len, "playlist refused: line %zu: %s", line, why);
	return 0;
}
