/*
 * HLS segments by their container's signature (segment.h).
 */
#include <string.h>

#include "segment.h"

#define TS_SYNC 0x47

enum container { C_UNKNOWN, C_TS, C_FMP4 };

/* The container a content type names; C_UNKNOWN for none lenscapd knows. */
static enum container
container_of(const char *ct)
{
	static const char *const fmp4[] = { "video/mp4", "audio/mp4", "video/iso.segment" };

	if (ct == NULL)
		return C_UNKNOWN;
	if (strcmp(ct, "video/mp2t") == 0)
		return C_TS;
	for (size_t i = 0; i < sizeof(fmp4) / sizeof(fmp4[0]); i++)
		if (strcmp(ct, fmp4[i]) == 0)
			return C_FMP4;
	return C_UNKNOWN;
}

/* Why p[0, n) (n > 0) is not whole MPEG-TS packets; NULL if it is. */
static const char *
ts_fault(const uint8_t *p, size_t n)
{
	if (n % SEGMENT_TS_PACKET != 0)
		return "not MPEG-TS (length not a multiple of 188)";
	for (size_t i = 0; i < n; i += SEGMENT_TS_PACKET)
		if (p[i] != TS_SYNC)
			return "not MPEG-TS (no sync byte)";
	return NULL;
}

/* The big-endian unsigned number in p[0, len), len <= 8. */
static uint64_t
be_read(const uint8_t *p, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* Whether t[0, 4) names a box an fMP4 segment may begin with. */
static int
first_box_type_ok(const uint8_t *t)
{
	static const char types[][4] = { "ftyp", "styp", "sidx", "emsg", "prft", "moof" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (memcmp(t, types[i], 4) == 0)
			return 1;
	return 0;
}

/* Why p[0, n) (n > 0) does not begin with an fMP4 segment's first box;
 * NULL if it does. */
static const char *
fmp4_fault(const uint8_t *p, size_t n)
{
	uint64_t size;
	size_t head = 8;

	if (n < head)
		return "not fMP4 (no box header)";
	if (!first_box_type_ok(p + 4))
		return "not fMP4 (first box type)";
	size = be_read(p, 4);
	if (size == 1) { /* a 64-bit size follows the type */
		head = 16;
		if (n < head)
			return "not fMP4 (no box header)";
		size = be_read(p + 8, 8);
	}
	if (size < head || size > n)
		return "not fMP4 (first box size)";
	return NULL;
}

int
segment_check(const char *content_type, const uint8_t *p, size_t n, const char **why)
{
	enum container c = container_of(content_type);
	const char *fault;

	if (c == C_UNKNOWN)
		fault = "no known segment type";
	else if (p == NULL || n == 0)
		fault = "empty";
	else
		fault = c == C_TS ? ts_fault(p, n) : fmp4_fault(p, n);
	if (fault == NULL)
		return 0;
	if (why != NULL)
		*why = fault;
	return -1;
}
