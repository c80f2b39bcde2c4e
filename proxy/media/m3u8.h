/*
 * A strict checker for HLS media playlists (RFC 8216): lenscapd runs it
 * on a playlist a camera uploads, before sealing it, and on one it serves
 * an assistant, so that a playlist can only make a client fetch more
 * files of the same device, from the same directory, through lenscapd.
 */
#ifndef LC_M3U8_H
#define LC_M3U8_H

#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"

#define M3U8_CONTENT_TYPE "application/vnd.apple.mpegurl"
#define M3U8_NAME_MAX 128   /* bytes in a segment name */
#define M3U8_LINE_MAX 1024  /* bytes in a line, without its line end */

/*
 * The rules, all of which must hold:
 *   - n > 0; every byte is printable ASCII (0x20..0x7e), TAB or a line end;
 *   - a line ends in LF or CRLF; a CR anywhere else is refused;
 *   - the last line may lack its line end;
 *   - no line is longer than M3U8_LINE_MAX bytes, its line end not counted;
 *   - the first line is exactly "#EXTM3U";
 *   - a line starting "#EXT", in any letter case, is a tag, named by what
 *     precedes its first ':' (or by the whole line);
 *   - a tag must be one of those that carry no URI, spelt exactly:
 *     EXT-X-VERSION, EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE,
 *     EXT-X-DISCONTINUITY-SEQUENCE, EXTINF, EXT-X-ENDLIST,
 *     EXT-X-PLAYLIST-TYPE, EXT-X-DISCONTINUITY, EXT-X-PROGRAM-DATE-TIME,
 *     EXT-X-INDEPENDENT-SEGMENTS, EXT-X-BYTERANGE, EXT-X-GAP, EXT-X-START,
 *     EXT-X-ALLOW-CACHE (so no EXT-X-KEY, -MAP, -STREAM-INF, -MEDIA, ...);
 *   - tag values are not looked at;
 *   - other lines starting with '#' are comments, empty lines are blank:
 *     both are allowed anywhere after the first line;
 *   - EXT-X-TARGETDURATION appears exactly once;
 *   - every other line is a segment URI: it follows an EXTINF with only
 *     tags, comments and blank lines between, and no other URI;
 *   - an EXTINF is followed by a URI before the next EXTINF and the end;
 *   - a URI is a bare file name: 1..M3U8_NAME_MAX bytes that pass
 *     policy_segment_ok() ([A-Za-z0-9._~-], not "." or ".."), so no
 *     scheme, host, path, query, fragment or percent-encoding.
 * A line starting "#ext" in another case is refused as a tag, not let
 * through as a comment, in case some client reads tags case-blind.
 */

/*
 * Whether p[0, n) is an HLS media playlist lenscapd hands on.  0 if so;
 * else -1, with *why a static string naming the first fault and *line
 * its 1-based line number (both may be NULL).  A fault found at the end
 * (no EXT-X-TARGETDURATION) is on the last line; an EXTINF without a URI
 * is on the EXTINF's line.  Reads only p[0, n); linear in n.
 */
int m3u8_check(const uint8_t *p, size_t n, const char **why, size_t *line) LC_WUR;

/*
 * What both faces ask of the body of a frame on an hls route: a playlist
 * (by its content type) must pass m3u8_check(); anything else is a
 * segment and must pass segment_check() (segment.h: its container's own
 * signature, so that no player that sniffs takes it for a playlist).
 * 1 if it may go on; else 0, with "playlist refused: ..." or "segment
 * refused: ..." in detail (len > 0 bytes) for the audit trail.
 */
int m3u8_hls_may_go(const char *content_type, const uint8_t *p, size_t n,
                    char *detail, size_t len) LC_WUR;

#endif
