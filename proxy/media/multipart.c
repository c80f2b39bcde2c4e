/*
 * The streaming multipart/x-mixed-replace parser and the writer helpers
 * (see multipart.h).  Bytes from libcurl / libmicrohttpd are copied into
 * one bounded buffer that holds at most the part being read; a state
 * machine consumes it from the front and hands out each complete part.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "media/multipart.h"

/* Small, so that growth and compaction run in the fuzz target too. */
#define MP_INITIAL_BUF 4096

enum mp_state {
	ST_PREAMBLE,  /* skipping lines until "--boundary" at a line start */
	ST_TAIL,      /* after "--boundary": padding CRLF, or "--" */
	ST_HEADERS,   /* a part's header lines */
	ST_BODY,      /* looking for "\r\n--boundary" */
	ST_DASH,      /* a part released at its Content-Length: "--boundary" */
	ST_DONE,      /* close delimiter seen */
	ST_DEAD       /* an error or a callback stopped us */
};

struct mp_parser {
	/* "\r\n--boundary"; "--boundary" is delim + 2 */
	uint8_t delim[4 + MP_BOUNDARY_MAX];
	size_t dlen;
	size_t max_part;
	size_t cap;        /* most bytes buf may ever hold */

	uint8_t *buf;
	size_t alloc;      /* bytes allocated */
	size_t hint;       /* what it had when last given back */
	size_t off, len;   /* unconsumed bytes are buf[off..len) */
	size_t scan;       /* bytes after off known to hold no match */

	enum mp_state state;
	int err;           /* why ST_DEAD */
	size_t preamble;   /* preamble bytes skipped */

	/* the part being read */
	size_t hdr_bytes;
	unsigned hdr_count;
	int has_ct, has_cl;
	uint64_t cl;
	char ct[MP_CONTENT_TYPE_MAX + 1];
	int pending;       /* a body ends at off + body_len (ST_TAIL) */
	size_t body_len;
	size_t tail_at;    /* the tail starts at off + tail_at */
	size_t part_end;   /* bytes to consume once the part is handed out */
	uint64_t nparts;
};

/* Step results besides the negative errors. */
#define STEP_MORE 0  /* needs more bytes */
#define STEP_GO   1  /* made progress */

const char *
mp_strerror(int err)
{
	switch (err) {
	case MP_ENDED: return "the stream ended with its close delimiter";
	case MP_E_TOO_LARGE: return "multipart part larger than allowed";
	case MP_E_HEADERS: return "multipart part headers too large or too many";
	case MP_E_HEADER: return "malformed multipart part header";
	case MP_E_BOUNDARY: return "malformed multipart boundary line";
	case MP_E_NO_BOUNDARY: return "no multipart boundary where one was due";
	case MP_E_LENGTH: return "multipart Content-Length disagrees with the boundary";
	case MP_E_TRUNCATED: return "multipart stream ended before its close delimiter";
	case MP_E_STOPPED: return "multipart parser stopped by its caller";
	default: return lc_strerror(err);
	}
}

const char *
mp_error_name(int err)
{
	switch (err) {
	case 0: return "none";
	case MP_ENDED: return "ended";
	case MP_E_TOO_LARGE: return "too_large";
	case MP_E_HEADERS: return "headers_too_large";
	case MP_E_HEADER: return "bad_header";
	case MP_E_BOUNDARY: return "bad_boundary";
	case MP_E_NO_BOUNDARY: return "no_boundary";
	case MP_E_LENGTH: return "length_mismatch";
	case MP_E_TRUNCATED: return "truncated";
	case MP_E_STOPPED: return "stopped";
	default: return "internal";
	}
}

/* ---- character classes ---------------------------------------------- */

/* RFC 2046 bchars, space excepted. */
static int
is_bchar_nospace(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("'()+_,-./:=?", c) != NULL);
}

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A header value byte: VCHAR, SP, HTAB or obs-text. */
static int
is_field_char(unsigned char c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

int
mp_boundary_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > MP_BOUNDARY_MAX || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && !is_bchar_nospace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- Content-Type ----------------------------------------------------- */

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Reads a token or a quoted-string at *sp into val (NUL-terminated,
 * quoted-pairs unescaped).  0, LC_EFORMAT, or LC_ESPACE if over vallen. */
static int
read_param_value(const char **sp, char *val, size_t vallen)
{
	const char *s = *sp;
	size_t n = 0;

	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\\')
				s++;
			if (*s == '\0' || (unsigned char)*s < 0x20 || *s == 0x7f)
				return LC_EFORMAT;
			if (n + 1 >= vallen)
				return LC_ESPACE;
			val[n++] = *s;
		}
		s++;
	} else {
		for (; is_tchar((unsigned char)*s); s++) {
			if (n + 1 >= vallen)
				return LC_ESPACE;
			val[n++] = *s;
		}
		if (n == 0)
			return LC_EFORMAT;
	}
	val[n] = '\0';
	*sp = s;
	return 0;
}

/* The media type at the start of s, checked; *sp points past it. */
static int
check_media_type(const char **sp)
{
	static const char *const types[] = {
		"multipart/x-mixed-replace", "multipart/mixed"
	};
	const char *s = skip_ows(*sp);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i]);

		if (strncasecmp(s, types[i], n) == 0 && !is_tchar((unsigned char)s[n])) {
			*sp = s + n;
			return 0;
		}
	}
	return LC_EFORMAT;
}

int
mp_boundary_from_content_type(const char *content_type, char *out,
                              size_t outlen)
{
	/* Long enough for any valid boundary and to see one is too long. */
	char name[32], val[MP_BOUNDARY_MAX + 2];
	const char *s = content_type;
	int found = 0;

	if (content_type == NULL || out == NULL)
		return LC_EINVAL;
	if (check_media_type(&s) != 0)
		return LC_EFORMAT;
	for (;;) {
		s = skip_ows(s);
		if (*s == '\0')
			break;
		if (*s++ != ';')
			return LC_EFORMAT;
		s = skip_ows(s);
		if (*s == ';' || *s == '\0')
			continue;
		/* token "=" value; an over-long name is refused too */
		if (*s == '"' || read_param_value(&s, name, sizeof(name)) != 0 ||
		    *s++ != '=')
			return LC_EFORMAT;
		if (strcasecmp(name, "boundary") != 0) {
			char junk[1024];

			if (read_param_value(&s, junk, sizeof(junk)) != 0)
				return LC_EFORMAT;
			continue;
		}
		if (found || read_param_value(&s, val, sizeof(val)) != 0)
			return LC_EFORMAT;
		found = 1;
	}
	if (!found || !mp_boundary_valid(val))
		return LC_EFORMAT;
	if (strlen(val) >= outlen)
		return LC_ESPACE;
	memcpy(out, val, strlen(val) + 1);
	return 0;
}

/* ---- the parser: life cycle ------------------------------------------ */

static void
part_clear(struct mp_parser *p)
{
	p->hdr_bytes = 0;
	p->hdr_count = 0;
	p->has_ct = p->has_cl = 0;
	p->cl = 0;
	p->ct[0] = '\0';
	p->pending = 0;
	p->body_len = p->tail_at = p->part_end = 0;
}

void
mp_parser_reset(struct mp_parser *p)
{
	if (p == NULL)
		return;
	p->off = p->len = p->scan = 0;
	p->state = ST_PREAMBLE;
	p->err = 0;
	p->preamble = 0;
	p->nparts = 0;
	part_clear(p);
}

int
mp_parser_new(const char *boundary, size_t max_part_bytes,
              struct mp_parser **out)
{
	struct mp_parser *p;
	size_t blen;

	if (out == NULL || !mp_boundary_valid(boundary) || max_part_bytes == 0 ||
	    max_part_bytes > MP_PART_LIMIT)
		return LC_EINVAL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return LC_ENOMEM;
	blen = strlen(boundary);
	memcpy(p->delim, "\r\n--", 4);
	memcpy(p->delim + 4, boundary, blen);
	p->dlen = 4 + blen;
	p->max_part = max_part_bytes;
	/* The most any state holds before it must progress or fail: the
	 * empty line, a body of max bytes, its delimiter and tail; or a
	 * header section (the sum, for slack). */
	p->cap = max_part_bytes + 2 + p->dlen + MP_PADDING_MAX + 2 + MP_HEADERS_MAX;
	mp_parser_reset(p);
	*out = p;
	return 0;
}

void
mp_parser_free(struct mp_parser *p)
{
	if (p == NULL)
		return;
	free(p->buf);
	free(p);
}

static int
die(struct mp_parser *p, int err)
{
	p->state = ST_DEAD;
	p->err = err;
	return err;
}

/* Consumes n bytes.  A drained buffer larger than MP_INITIAL_BUF is
 * given back, so that a stream between frames holds next to nothing; its
 * size is kept as the hint for the next part, which is then read into one
 * allocation instead of a series of doubling copies. */
static void
consume(struct mp_parser *p, size_t n)
{
	p->off += n;
	p->scan = 0;
	if (p->off < p->len)
		return;
	p->off = p->len = 0;
	if (p->alloc > MP_INITIAL_BUF) {
		free(p->buf);
		p->buf = NULL;
		p->hint = p->alloc;
		p->alloc = 0;
	}
}

/* ---- the parser: states ---------------------------------------------- */

/* Before the first boundary: whole lines, unless one starts with it. */
static int
step_preamble(struct mp_parser *p)
{
	const uint8_t *d = p->buf + p->off, *nl;
	size_t n = p->len - p->off, dash_len = p->dlen - 2;

	if (n < dash_len) {
		if (memcmp(d, p->delim + 2, n) == 0)
			return STEP_MORE;
	} else if (memcmp(d, p->delim + 2, dash_len) == 0) {
		consume(p, dash_len);
		p->tail_at = 0;
		p->state = ST_TAIL;
		return STEP_GO;
	}
	nl = memchr(d + p->scan, '\n', n - p->scan);
	if (nl == NULL) {
		p->scan = n;
		if (p->preamble + n > MP_PREAMBLE_MAX)
			return MP_E_NO_BOUNDARY;
		return STEP_MORE;
	}
	p->preamble += (size_t)(nl - d) + 1;
	if (p->preamble > MP_PREAMBLE_MAX)
		return MP_E_NO_BOUNDARY;
	consume(p, (size_t)(nl - d) + 1);
	return STEP_GO;
}

/* After "--boundary" (at off + tail_at): padding CRLF or "--". */
static int
step_tail(struct mp_parser *p)
{
	const uint8_t *d = p->buf + p->off + p->tail_at;
	size_t n = p->len - p->off - p->tail_at, i = 0, end;
	int close = 0;

	if (n >= 1 && d[0] == '-') {
		if (n < 2)
			return STEP_MORE;
		if (d[1] != '-')
			return MP_E_BOUNDARY;
		close = 1;
		end = 2;
	} else {
		while (i < n && i <= MP_PADDING_MAX && (d[i] == ' ' || d[i] == '\t'))
			i++;
		if (i > MP_PADDING_MAX)
			return MP_E_BOUNDARY;
		if (i + 2 > n) {
			if (i < n && d[i] != '\r')
				return MP_E_BOUNDARY;
			return STEP_MORE;
		}
		if (d[i] != '\r' || d[i + 1] != '\n')
			return MP_E_BOUNDARY;
		end = i + 2;
	}
	if (p->pending) {
		/* mp_feed hands the part out, then consumes it */
		p->part_end = p->tail_at + end;
	} else {
		consume(p, p->tail_at + end);
	}
	p->state = close ? ST_DONE : ST_HEADERS;
	return STEP_GO;
}

/* Content-Length: digits only, bounded by max. */
static int
parse_content_length(struct mp_parser *p, const uint8_t *v, size_t n)
{
	uint64_t x = 0;

	if (p->has_cl || n == 0)
		return MP_E_HEADER;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return MP_E_HEADER;
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > p->max_part)
			return MP_E_TOO_LARGE;
	}
	p->has_cl = 1;
	p->cl = x;
	return 0;
}

/* Content-Type: printable ASCII, bounded, once. */
static int
parse_content_type(struct mp_parser *p, const uint8_t *v, size_t n)
{
	if (p->has_ct || n == 0 || n > MP_CONTENT_TYPE_MAX)
		return MP_E_HEADER;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return MP_E_HEADER;
	memcpy(p->ct, v, n);
	p->ct[n] = '\0';
	p->has_ct = 1;
	return 0;
}

/* One header line without its CRLF: name ":" OWS value OWS. */
static int
parse_header_line(struct mp_parser *p, const uint8_t *l, size_t n)
{
	const uint8_t *colon, *v;
	size_t namelen, vlen;

	if (++p->hdr_count > MP_HEADERS_COUNT)
		return MP_E_HEADERS;
	colon = memchr(l, ':', n);
	if (colon == NULL || colon == l)
		return MP_E_HEADER; /* also obs-fold: no name before spaces */
	namelen = (size_t)(colon - l);
	for (size_t i = 0; i < namelen; i++)
		if (!is_tchar(l[i]))
			return MP_E_HEADER;
	v = colon + 1;
	vlen = n - namelen - 1;
	for (size_t i = 0; i < vlen; i++)
		if (!is_field_char(v[i]))
			return MP_E_HEADER; /* NUL, bare CR, CTLs, DEL */
	while (vlen > 0 && (v[0] == ' ' || v[0] == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (namelen == 12 && strncasecmp((const char *)l, "content-type", 12) == 0)
		return parse_content_type(p, v, vlen);
	if (namelen == 14 && strncasecmp((const char *)l, "content-length", 14) == 0)
		return parse_content_length(p, v, vlen);
	return 0;
}

/* A part's header lines, up to the empty line. */
static int
step_headers(struct mp_parser *p)
{
	const uint8_t *d = p->buf + p->off, *nl;
	size_t n = p->len - p->off, linelen;
	int rc;

	nl = memchr(d + p->scan, '\n', n - p->scan);
	if (nl == NULL) {
		p->scan = n;
		return p->hdr_bytes + n > MP_HEADERS_MAX ? MP_E_HEADERS : STEP_MORE;
	}
	linelen = (size_t)(nl - d) + 1;
	p->hdr_bytes += linelen;
	if (p->hdr_bytes > MP_HEADERS_MAX)
		return MP_E_HEADERS;
	if (linelen < 2 || d[linelen - 2] != '\r')
		return MP_E_HEADER; /* bare LF */
	if (linelen == 2) {
		/* Keep the empty line: its CRLF may be the delimiter's
		 * (RFC 2046: body-part := headers [CRLF *OCTET]). */
		p->scan = 0;
		p->state = ST_BODY;
		return STEP_GO;
	}
	if ((rc = parse_header_line(p, d, linelen - 2)) != 0)
		return rc;
	consume(p, linelen);
	return STEP_GO;
}

/* The first delimiter in d[scan, upto), or NULL; then remembers how far
 * no match can start, so that each byte is scanned about once. */
static const uint8_t *
find_delim(struct mp_parser *p, const uint8_t *d, size_t upto)
{
	const uint8_t *hit = memmem(d + p->scan, upto - p->scan, p->delim, p->dlen);

	if (hit == NULL && upto >= p->dlen && upto - (p->dlen - 1) > p->scan)
		p->scan = upto - (p->dlen - 1);
	return hit;
}

/* Whether the body being read has a Content-Length above 0: it is then
 * read, and released, by that length (step_counted_body, grow_size). */
static int
counted_body(const struct mp_parser *p)
{
	return p->state == ST_BODY && p->has_cl && p->cl > 0;
}

/* A body of Content-Length bytes (at least one), after the CRLF of the
 * empty line at off.  It is released as soon as it and the CRLF that
 * starts its delimiter are in, not when the next part begins: a backend
 * that writes "delimiter, headers, body" per frame would otherwise have
 * every frame wait a whole frame interval here.  Only those bytes are
 * looked at, whatever else has arrived, so that the outcome does not
 * depend on how the stream was cut into reads.  A delimiter inside them
 * means the length lies (MP_E_LENGTH); so does anything but "--boundary"
 * after the release (step_dash). */
static int
step_counted_body(struct mp_parser *p)
{
	const uint8_t *d = p->buf + p->off;
	size_t n = p->len - p->off, end = 2 + (size_t)p->cl;
	size_t look = n < end + 2 ? n : end + 2;

	if (find_delim(p, d, look) != NULL)
		return MP_E_LENGTH;
	if (n < end + 2)
		return STEP_MORE;
	if (d[end] != '\r' || d[end + 1] != '\n')
		return MP_E_LENGTH;
	p->body_len = (size_t)p->cl;
	p->pending = 1;
	p->part_end = end + 2;
	p->scan = 0;
	p->state = ST_DASH;
	return STEP_GO;
}

/* The body, after the CRLF of the empty line at off: up to the first
 * "\r\n--boundary", which may start at that CRLF (an absent body).  We
 * remember how far we looked so that each byte is scanned about once. */
static int
step_body(struct mp_parser *p)
{
	const uint8_t *d = p->buf + p->off, *hit;
	size_t n = p->len - p->off, at;

	if (counted_body(p))
		return step_counted_body(p);
	hit = find_delim(p, d, n);
	if (hit == NULL) {
		/* Content-Length first, whatever the chunking: cl <= max */
		if (p->has_cl && n >= p->cl + 2 + p->dlen)
			return MP_E_LENGTH;
		/* the body is at least scan - 2 bytes long */
		if (p->scan > p->max_part + 2)
			return MP_E_TOO_LARGE;
		return STEP_MORE;
	}
	at = (size_t)(hit - d);
	p->body_len = at >= 2 ? at - 2 : 0;
	if (p->has_cl && p->body_len != p->cl)
		return MP_E_LENGTH;
	if (p->body_len > p->max_part)
		return MP_E_TOO_LARGE;
	p->pending = 1;
	p->tail_at = at + p->dlen;
	p->scan = 0;
	p->state = ST_TAIL;
	return STEP_GO;
}

/* After a part released at its Content-Length: the rest of its delimiter,
 * "--boundary", must come next, then the tail. */
static int
step_dash(struct mp_parser *p)
{
	const uint8_t *d = p->buf + p->off;
	size_t n = p->len - p->off, want = p->dlen - 2;

	if (memcmp(d, p->delim + 2, n < want ? n : want) != 0)
		return MP_E_LENGTH;
	if (n < want)
		return STEP_MORE;
	p->tail_at = want;
	p->state = ST_TAIL;
	return STEP_GO;
}

/* Hands the pending part to cb and consumes it. */
static int
deliver(struct mp_parser *p, mp_part_cb cb, void *arg)
{
	struct mp_part part;
	int rc;

	part.content_type = p->has_ct ? p->ct : NULL;
	part.has_content_length = p->has_cl;
	part.content_length = p->cl;
	part.body = p->buf + p->off + 2; /* past the empty line */
	part.body_len = p->body_len;
	part.index = p->nparts++;
	rc = cb(arg, &part);
	consume(p, p->part_end);
	part_clear(p);
	return rc;
}

/* Runs the states over the buffered bytes until they need more. */
static int
run(struct mp_parser *p, mp_part_cb cb, void *arg)
{
	int rc;

	for (;;) {
		/* No state moves on without a byte (and a drained buffer may
		 * have been given back). */
		if (p->off == p->len && p->state != ST_DONE && p->state != ST_DEAD)
			return 0;
		switch (p->state) {
		case ST_PREAMBLE: rc = step_preamble(p); break;
		case ST_TAIL: rc = step_tail(p); break;
		case ST_HEADERS: rc = step_headers(p); break;
		case ST_BODY: rc = step_body(p); break;
		case ST_DASH: rc = step_dash(p); break;
		case ST_DONE: return MP_ENDED;
		default: return p->err;
		}
		if (rc < 0)
			return die(p, rc);
		if (rc == STEP_MORE)
			return 0;
		if (p->pending && p->state != ST_TAIL) {
			if ((rc = deliver(p, cb, arg)) != 0) {
				(void)die(p, MP_E_STOPPED);
				return rc;
			}
		}
	}
}

/* The size to grow a full buffer to, for need bytes in all.  A body of
 * known length gets exactly the bytes that release it (its CRLF before
 * and after), so a stream holds its frame, not the next power of two. */
static size_t
grow_size(const struct mp_parser *p, size_t need)
{
	size_t n;

	if (counted_body(p) && p->off + 4 <= p->cap && p->cl <= p->cap - p->off - 4 &&
	    p->off + 4 + p->cl > p->len)
		return p->off + 4 + (size_t)p->cl;
	n = p->alloc ? p->alloc : p->hint ? p->hint : MP_INITIAL_BUF;
	while (n < need)
		n = n > p->cap / 2 ? p->cap : n * 2;
	return n < p->cap ? n : p->cap;
}

/* Makes room at the end of the buffer for up to want bytes: moves the
 * unconsumed bytes to the front, then grows up to cap.  The room. */
static int
make_room(struct mp_parser *p, size_t want, size_t *room)
{
	size_t need, nalloc;
	uint8_t *nb;

	if (p->alloc - p->len < want && p->off > 0) {
		memmove(p->buf, p->buf + p->off, p->len - p->off);
		p->len -= p->off;
		p->off = 0;
	}
	if (p->alloc == p->len && p->alloc < p->cap) {
		need = p->len + want < p->cap ? p->len + want : p->cap;
		nalloc = grow_size(p, need);
		if ((nb = realloc(p->buf, nalloc)) == NULL)
			return LC_ENOMEM;
		p->buf = nb;
		p->alloc = nalloc;
	}
	*room = p->alloc - p->len;
	return 0;
}

int
mp_feed(struct mp_parser *p, const uint8_t *buf, size_t len, mp_part_cb cb,
        void *arg)
{
	size_t room, n;
	int rc;

	if (p == NULL || cb == NULL || (buf == NULL && len > 0))
		return LC_EINVAL;
	if (p->state == ST_DEAD)
		return p->err;
	if (p->state == ST_DONE)
		return MP_ENDED;
	while (len > 0) {
		if ((rc = make_room(p, len, &room)) != 0)
			return die(p, rc);
		/* Every state fails before the buffer fills; be sure. */
		if (room == 0)
			return die(p, MP_E_TOO_LARGE);
		n = len < room ? len : room;
		memcpy(p->buf + p->len, buf, n);
		p->len += n;
		buf += n;
		len -= n;
		if ((rc = run(p, cb, arg)) != 0)
			return rc;
	}
	return 0;
}

size_t
mp_allocated(const struct mp_parser *p)
{
	return p ? p->alloc : 0;
}

int
mp_finish(const struct mp_parser *p)
{
	if (p == NULL)
		return LC_EINVAL;
	if (p->state == ST_DONE)
		return MP_ENDED;
	if (p->state == ST_DEAD)
		return p->err;
	return MP_E_TRUNCATED;
}

/* ---- the writer ------------------------------------------------------- */

static int
valid_ct_value(const char *ct)
{
	size_t n;

	if (ct == NULL || (n = strlen(ct)) == 0 || n > MP_CONTENT_TYPE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)ct[i] < 0x20 || (unsigned char)ct[i] > 0x7e)
			return 0;
	return 1;
}

int
mp_write_part_header(char *out, size_t outlen, const char *boundary,
                     const char *content_type, size_t body_len,
                     size_t *written)
{
	int w;

	if (out == NULL || written == NULL || !mp_boundary_valid(boundary) ||
	    !valid_ct_value(content_type))
		return LC_EINVAL;
	w = snprintf(out, outlen, "--%s\r\nContent-Type: %s\r\n"
	             "Content-Length: %zu\r\n\r\n", boundary, content_type, body_len);
	if (w < 0)
		return LC_EINVAL;
	if ((size_t)w >= outlen)
		return LC_ESPACE;
	*written = (size_t)w;
	return 0;
}

int
mp_content_type_value(char *out, size_t outlen, const char *boundary)
{
	const char *q = "";
	int w;

	if (out == NULL || !mp_boundary_valid(boundary))
		return LC_EINVAL;
	for (const char *s = boundary; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			q = "\"";
	w = snprintf(out, outlen, "multipart/x-mixed-replace; boundary=%s%s%s",
	             q, boundary, q);
	if (w < 0)
		return LC_EINVAL;
	if ((size_t)w >= outlen)
		return LC_ESPACE;
	return 0;
}
