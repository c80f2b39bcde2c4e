/*
 * What an HLS segment must be before lenscapd seals or serves it: a
 * container it knows, recognised by the container's own signature, so
 * that no player that sniffs can take it for a playlist (or anything
 * else) whatever bytes a camera put in it.
 */
#ifndef LC_SEGMENT_H
#define LC_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "lenscap.h"

#define SEGMENT_TS_PACKET 188 /* bytes in an MPEG-TS packet */

/*
 * The rules, by content type:
 *   - "video/mp2t" (MPEG-TS): n is a non-zero multiple of 188 and every
 *     188th byte, from the first, is the sync byte 0x47 (whole packets
 *     only, as ffmpeg and every HLS packager writes them);
 *   - "video/mp4", "audio/mp4", "video/iso.segment" (fMP4 / CMAF): the
 *     first box is "ftyp" (an init segment), "styp", "sidx", "emsg",
 *     "prft" or "moof" (a media segment, whose moof may follow such
 *     boxes), and its size is sane: at least its own header (8 bytes, or
 *     16 with a 64-bit size when the 32-bit one is 1) and at most n; a
 *     size of 0 ("to the end of the file") is refused.  Only the first
 *     box is read;
 *   - any other type, or none: refused, since no signature is known.
 * Every accepted segment starts with 0x47 ('G') or has a box type of
 * letters at bytes 4..7, so none is a playlist after any run of the
 * bytes players skip (byte order marks, white space of any kind).
 */

/*
 * Whether p[0, n) is a segment of the container content_type names.
 * 0 if so; else -1, with *why (may be NULL) a short static string naming
 * the fault.  Reads only p[0, n).
 */
int segment_check(const char *content_type, const uint8_t *p, size_t n,
                  const char **why) LC_WUR;

#endif
