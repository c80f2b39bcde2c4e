/* Unit tests for the HLS segment check: each container's signature
 * accepted at its edges and refused just past them, every label, and
 * the bytes a player skips before it looks for a playlist. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/segment.h"
#include "tap.h"

#define TS "video/mp2t"
#define MP4 "video/mp4"

/* Checks p[0, n) under ct: want 0, or -1 with exactly want_why. */
static void
check(const char *ct, const void *p, size_t n, const char *want_why, const char *what)
{
	const char *why = NULL;
	int rc = segment_check(ct, p, n, &why);

	if (want_why == NULL)
		ok(rc == 0, "%s: accepted", what);
	else
		ok(rc == -1 && why != NULL && strcmp(why, want_why) == 0,
		   "%s: refused as %s (got %d, %s)", what, want_why, rc, why ? why : "NULL");
}

/* n bytes of TS packets (n a multiple of 188): sync bytes, then '#'. */
static uint8_t *
ts_packets(size_t n)
{
	uint8_t *p = malloc(n);

	if (p == NULL)
		abort();
	memset(p, '#', n);
	for (size_t i = 0; i < n; i += SEGMENT_TS_PACKET)
		p[i] = 0x47;
	return p;
}

static void
test_ts(void)
{
	uint8_t *p = ts_packets(3 * 188);

	check(TS, p, 188, NULL, "one packet");
	check(TS, p, 3 * 188, NULL, "three packets");
	check(TS, p, 187, "not MPEG-TS (length not a multiple of 188)", "a packet cut short");
	check(TS, p, 189, "not MPEG-TS (length not a multiple of 188)", "a packet and a byte");
	check(TS, p, 1, "not MPEG-TS (length not a multiple of 188)", "a sync byte alone");
	check(TS, p, 0, "empty", "nothing");
	check(TS, NULL, 0, "empty", "NULL");
	p[2 * 188] = '#';
	check(TS, p, 3 * 188, "not MPEG-TS (no sync byte)", "the third packet unsynced");
	check(TS, p, 2 * 188, NULL, "bytes past n are not read");
	p[0] = '#';
	check(TS, p, 188, "not MPEG-TS (no sync byte)", "the first packet unsynced");
	free(p);
}

/* A box header: 32-bit size, then type. */
static void
box(uint8_t *p, uint32_t size, const char *type)
{
	p[0] = size >> 24;
	p[1] = size >> 16;
	p[2] = size >> 8;
	p[3] = size;
	memcpy(p + 4, type, 4);
}

static void
test_fmp4(void)
{
	static const char *const first[] = { "ftyp", "styp", "sidx", "emsg", "prft", "moof" };
	static const char *const labels[] = { "video/mp4", "audio/mp4", "video/iso.segment" };
	static const char *const other[] = { "mdat", "moov", "free", "FTYP", "#EXT", "\0\0\0\0" };
	uint8_t p[64] = { 0 }, *q;
	char what[64];

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++) {
			box(p, 24, first[i]);
			(void)snprintf(what, sizeof(what), "%s first, as %s", first[i], labels[l]);
			check(labels[l], p, sizeof(p), NULL, what);
		}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		box(p, 24, other[i]);
		check(MP4, p, sizeof(p), "not fMP4 (first box type)", "another box first");
	}
	box(p, 8, "moof");
	check(MP4, p, 8, NULL, "a box of its header alone");
	box(p, 7, "moof");
	check(MP4, p, 8, "not fMP4 (first box size)", "a box smaller than its header");
	box(p, 0, "moof");
	check(MP4, p, 64, "not fMP4 (first box size)", "a box to the end of the file");
	box(p, 65, "moof");
	check(MP4, p, 64, "not fMP4 (first box size)", "a box past the end");
	box(p, 64, "moof");
	check(MP4, p, 64, NULL, "a box to the last byte");
	check(MP4, p, 63, "not fMP4 (first box size)", "bytes past n are not read");
	check(MP4, p, 7, "not fMP4 (no box header)", "a header cut short");
	check(MP4, p, 0, "empty", "nothing");
	q = calloc(1, 300);
	if (q == NULL)
		abort();
	box(q, 256, "moof");
	check(MP4, q, 256, NULL, "a size of more than one byte, to the last byte");
	box(q, 257, "moof");
	check(MP4, q, 256, "not fMP4 (first box size)", "a size of more than one byte, past the end");
	box(q, 1, "moof");
	q[14] = 1; /* 256 */
	check(MP4, q, 300, NULL, "a 64-bit size of more than one byte");
	q[10] = 1; /* 2^40 + 256 */
	check(MP4, q, 300, "not fMP4 (first box size)", "a 64-bit size past 2^32");
	free(q);
	box(p, 1, "styp"); /* a 64-bit size */
	memset(p + 8, 0, 8);
	p[15] = 16;
	check(MP4, p, 16, NULL, "a 64-bit size of its header alone");
	check(MP4, p, 15, "not fMP4 (no box header)", "a 64-bit size cut short");
	p[15] = 15;
	check(MP4, p, 64, "not fMP4 (first box size)", "a 64-bit size under its header");
	p[15] = 65;
	check(MP4, p, 64, "not fMP4 (first box size)", "a 64-bit size past the end");
	p[8] = 0x80;
	p[15] = 16;
	check(MP4, p, 64, "not fMP4 (first box size)", "a 64-bit size with its top bit");
}

/* Each container's bytes under the other's label, and labels lenscapd
 * knows no signature for. */
static void
test_labels(void)
{
	uint8_t *ts = ts_packets(188), mp4[188] = { 0 };

	box(mp4, 188, "moof");
	check(MP4, ts, 188, "not fMP4 (first box type)", "TS labelled video/mp4");
	check(TS, mp4, 188, "not MPEG-TS (no sync byte)", "fMP4 labelled video/mp2t");
	check(NULL, ts, 188, "no known segment type", "no label");
	check("audio/aac", ts, 188, "no known segment type", "audio/aac");
	check("image/jpeg", ts, 188, "no known segment type", "image/jpeg");
	check("video/MP2T", ts, 188, "no known segment type", "labels are exact");
	check("application/vnd.apple.mpegurl", ts, 188, "no known segment type",
	      "a playlist type is no segment type");
	free(ts);
}

/* What a player skips before it looks for '#': none of it makes a
 * segment, whatever follows. */
static void
test_sniffed(void)
{
	static const char *const lead[] = { "", "\357\273\277", " ", "\t", "\r\n", "\v", "\f",
		"\034", "\035", "\036", "\037", "\342\200\200", "\342\200\205", "\342\200\212",
		"\343\200\200", "\357\273\277\v", "\357\273\277 \343\200\200", "\302\240" };
	static const char pl[] = "#EXTM3U\n#EXTINF:2,\nhttps://elsewhere.example/x.ts\n";
	char body[188] = { 0 };
	size_t len;

	for (size_t i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
		len = strlen(lead[i]);
		memcpy(body, lead[i], len);
		memcpy(body + len, pl, sizeof(pl) - 1);
		ok(segment_check(TS, (const uint8_t *)body, sizeof(body), NULL) == -1 &&
		   segment_check(MP4, (const uint8_t *)body, sizeof(body), NULL) == -1,
		   "a playlist after lead %zu, padded to one packet: refused", i);
	}
}

int
main(void)
{
	tap_init();
	test_ts();
	test_fmp4();
	test_labels();
	test_sniffed();
	return tap_done();
}
