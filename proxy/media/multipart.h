/*
 * A strict, bounded, streaming parser for multipart/x-mixed-replace
 * (MJPEG) bodies: the camera face reads pushed streams and the assistant
 * face reads the backend's sealed streams through it, one part at a time.
 */
#ifndef LC_MULTIPART_H
#define LC_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"

/* Fixed bounds.  A boundary is 1..70 bchars (RFC 2046). */
#define MP_BOUNDARY_MAX     70
#define MP_HEADERS_MAX      8192  /* bytes of one part's header section */
#define MP_HEADERS_COUNT    32    /* header lines in one part */
#define MP_CONTENT_TYPE_MAX 127   /* bytes of a part's Content-Type value */
#define MP_PREAMBLE_MAX     4096  /* bytes skipped before the first boundary */
#define MP_PADDING_MAX      64    /* spaces/tabs after a boundary */
#define MP_PART_LIMIT       (256u << 20) /* largest max_part_bytes accepted */

/*
 * What mp_feed() and mp_finish() return besides 0 and LC_EINVAL /
 * LC_ENOMEM.  MP_ENDED (positive) says the close delimiter was seen; the
 * MP_E_* codes (negative, apart from the LC_E* range) say why the stream
 * is dead.  mp_error_name() gives each a stable snake_case name for logs
 * and metrics.
 */
#define MP_ENDED          1
#define MP_E_TOO_LARGE    (-101) /* a part's body, or its Content-Length, is over max */
#define MP_E_HEADERS      (-102) /* a part's header section is over MP_HEADERS_MAX bytes or MP_HEADERS_COUNT lines */
#define MP_E_HEADER       (-103) /* malformed header line: no colon, bad name, bare CR or LF, NUL/CTL, obs-fold, bad or repeated Content-Type/Content-Length */
#define MP_E_BOUNDARY     (-104) /* "--boundary" followed by anything but padding CRLF or "--" */
#define MP_E_NO_BOUNDARY  (-105) /* no boundary within MP_PREAMBLE_MAX bytes: missing or wrong boundary */
#define MP_E_LENGTH       (-106) /* Content-Length disagrees with where the boundary delimits the body */
#define MP_E_TRUNCATED    (-107) /* mp_finish(): the input ended before the close delimiter */
#define MP_E_STOPPED      (-108) /* a callback stopped the parser earlier */

/* A static English message for an MP_E_* or LC_E* code (or MP_ENDED). */
const char *mp_strerror(int err);
/* "too_large", "headers_too_large", ...; "internal" for codes not MP_E_*. */
const char *mp_error_name(int err);

/*
 * A complete part, handed to the callback.  Every pointer is valid only
 * during the callback.  content_type is the trimmed header value
 * (printable ASCII, 1..MP_CONTENT_TYPE_MAX bytes) or NULL if the part had
 * none; content_length is meaningful only if has_content_length, and
 * then equals body_len.  index counts parts from 0.
 */
struct mp_part {
	const char *content_type;
	int has_content_length;
	uint64_t content_length;
	const uint8_t *body;
	size_t body_len;
	uint64_t index;
};

/*
 * Returns 0 to go on; anything else stops the parser, which is then dead
 * (later calls return MP_E_STOPPED), and mp_feed() returns that value.
 * Return a negative code or one > MP_ENDED so the caller can tell a stop
 * from the end.  It must not call mp_feed/mp_reset/mp_parser_free on the
 * parser that called it.
 */
typedef int (*mp_part_cb)(void *arg, const struct mp_part *part);

struct mp_parser;

/*
 * Reads the boundary out of a Content-Type value: the media type must be
 * multipart/x-mixed-replace or multipart/mixed (any case), the boundary
 * parameter present once, a token or a quoted-string holding 1..70 RFC
 * 2046 bchars not ending in a space.  Writes it NUL-terminated to out.
 * 0; LC_EFORMAT for anything else; LC_ESPACE if outlen is too small
 * (MP_BOUNDARY_MAX + 1 always suffices); LC_EINVAL on NULL arguments.
 */
int mp_boundary_from_content_type(const char *content_type, char *out,
                                  size_t outlen) LC_WUR;

/* Whether s is a valid boundary (1..70 bchars, not ending in a space). */
int mp_boundary_valid(const char *s);

/*
 * A parser for one stream with this boundary that holds at most one part
 * of at most max_part_bytes (1..MP_PART_LIMIT) body bytes.  Its buffer
 * grows on demand up to about max_part_bytes + MP_HEADERS_MAX and is given
 * back whenever every byte fed has been consumed, so an idle stream holds
 * at most a few KiB.  *out is written only on success.
 * 0, LC_EINVAL (bad boundary or max) or LC_ENOMEM.
 */
int mp_parser_new(const char *boundary, size_t max_part_bytes,
                  struct mp_parser **out) LC_WUR;
/* Frees the parser and its buffer; NULL is fine. */
void mp_parser_free(struct mp_parser *p);
/* Makes the parser new again (same boundary and max), keeping its buffer. */
void mp_parser_reset(struct mp_parser *p);

/*
 * Pushes len bytes, split anywhere.  Calls cb once per complete part, in
 * order.  Framing, strictly:
 *   - the first delimiter line "--boundary" may be preceded by a preamble
 *     (lines, at most MP_PREAMBLE_MAX bytes), which is skipped;
 *   - a delimiter is "--boundary" at the start of the stream or of a
 *     preamble line, or "\r\n--boundary" after a part's body; a body byte
 *     sequence "--boundary" not preceded by CRLF is data;
 *   - after the boundary: up to MP_PADDING_MAX spaces/tabs then CRLF (a
 *     part follows), or "--" (the close delimiter: the stream ends and
 *     what follows, the epilogue, is ignored); anything else, including
 *     more bchars, is MP_E_BOUNDARY: a boundary must not occur in a body;
 *   - lines end in CRLF; bare LF is refused (curl, nginx, ffmpeg and
 *     mjpg-streamer all send CRLF), as are bare CR, NUL and other CTLs,
 *     obs-fold and lines without a colon;
 *   - the CRLF that ends a header section may be the delimiter's own, as
 *     in RFC 2046's grammar: "X: y\r\n\r\n--boundary" is a part with an
 *     empty body, not one whose body starts with "--boundary";
 *   - the body always ends at the first "\r\n--boundary" (it is scanned
 *     even when Content-Length is given, so that no reader that splits
 *     on the boundary can see different parts than we did); a
 *     Content-Length must then match exactly;
 *   - a part with a Content-Length above 0 is handed out as soon as its
 *     body and the CRLF after it are in (no delimiter among them), not
 *     when the next part starts: a frame does not wait a frame interval.
 *     If "--boundary" does not follow that CRLF, the parser then fails
 *     with MP_E_LENGTH, after the part.  The outcome never depends on how
 *     the bytes were split.
 * Returns 0 (more bytes welcome), MP_ENDED (close delimiter seen, now
 * and on every later call), the callback's non-zero value, or an error
 * (MP_E_*, LC_ENOMEM), after which the parser is dead and returns the
 * same error.  Scanning is linear in the bytes fed.
 */
int mp_feed(struct mp_parser *p, const uint8_t *buf, size_t len,
            mp_part_cb cb, void *arg) LC_WUR;

/* Bytes the parser's buffer has allocated now: at most what the part
 * being read needs (all of a body with a Content-Length, its CRLFs and
 * what came before it in the buffer) or the next power of two.  For
 * memory accounting and tests. */
size_t mp_allocated(const struct mp_parser *p);

/*
 * Says the input is over: MP_ENDED if the close delimiter was seen,
 * MP_E_TRUNCATED if not (many cameras never send one: the caller
 * decides), or the error that killed the parser.
 */
int mp_finish(const struct mp_parser *p);

/*
 * Writes "--boundary\r\nContent-Type: CT\r\nContent-Length: N\r\n\r\n"
 * (NUL-terminated; *written excludes the NUL).  The caller then writes
 * the body and "\r\n"; after the last part, "--boundary--\r\n".
 * 0, LC_EINVAL (bad boundary, or a content type that is empty, over
 * MP_CONTENT_TYPE_MAX or not printable ASCII) or LC_ESPACE.
 */
int mp_write_part_header(char *out, size_t outlen, const char *boundary,
                         const char *content_type, size_t body_len,
                         size_t *written) LC_WUR;

/*
 * Writes the response's Content-Type value for a boundary,
 * "multipart/x-mixed-replace; boundary=B" (B quoted if it is not a
 * token).  0, LC_EINVAL or LC_ESPACE.
 */
int mp_content_type_value(char *out, size_t outlen, const char *boundary) LC_WUR;

#endif
