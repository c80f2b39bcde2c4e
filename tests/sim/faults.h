/*
 * The chaos backend's faults: what each does, what lenscapd must make of
 * it, and the seeded schedule that says which request (and which frame
 * of a stream) gets which.  The schedule depends only on the seed, the
 * device and the request's and frame's numbers for that device, so a
 * run is reproducible whatever the order requests arrive in.
 */
#ifndef LC_SIM_FAULTS_H
#define LC_SIM_FAULTS_H

#include <stdint.h>
#include <stdio.h>

enum fault {
	F_NONE,
	F_OTHER_DEVICE,        /* a frame of another device of the same account */
	F_OTHER_ACCOUNT,       /* a frame of another account's device */
	F_CORRUPT,             /* one body byte changed */
	F_TRUNCATED,           /* the body's last third missing, lengths consistent */
	F_EXTRA,               /* bytes after the body */
	F_STALE,               /* capture time older than the route's window */
	F_FUTURE,              /* capture time an hour ahead */
	F_REPLAY,              /* a stream's previous part again (old sequence) */
	F_UNKNOWN_KEY,         /* sealed by a key lenscapd does not trust */
	F_CAMERA_KEY,          /* sealed by a camera key for another device */
	F_SWAP,                /* replies of two concurrent requests exchanged */
	F_STALL,               /* silence in the middle of a frame */
	F_RESET,               /* TCP reset in the middle of a frame */
	F_OVERSIZE,            /* a frame over the policy's limit */
	F_MP_NO_BOUNDARY,      /* multipart Content-Type without a boundary */
	F_MP_WRONG_BOUNDARY,   /* parts delimited by another boundary */
	F_MP_HUGE_HEADERS,     /* a part with 64 KiB of headers */
	F_MP_BOUNDARY_IN_BODY, /* the delimiter inside a part's body */
	F_BYTEWISE,            /* every byte in its own TLS record (and chunk) */
	F_CHUNKED_EDGE,        /* odd chunk sizes, extensions, leading zeros, trailers */
	F_CHUNKED_BAD,         /* a chunk size that is not hex */
	F_DRIP,                /* the frame in 64-byte pieces, 1 ms apart */
	F_STRAY,               /* the answer, and 0.2 s later a second, full one */
	F_SPLIT,               /* the answer, the head of another, its rest 0.2 s later */
	F_DUP_LENGTH,          /* two Content-Length headers */
	F_SLOW_FOREIGN,        /* another device's frame, its body 4 KiB per 20 ms */
	F_BAD_SIGNATURE,       /* one byte of the envelope's signature changed */
	F_PADDED,              /* the body's last third cut, then zeros to its length */
	F_COUNT
};

#define MEDIA_SNAPSHOT 1u
#define MEDIA_STREAM   2u

struct fault_kind {
	const char *name;
	/* What the audit trail must say of it: "drop <reason>[ <detail>]",
	 * "backend_error", or "delivered" (legal framing that must pass). */
	const char *expect;
	unsigned media;        /* MEDIA_* where it can happen */
	int first_only;        /* only as a stream's first frame */
	int not_first;         /* never as a stream's first frame */
	int ends;              /* the response ends with it */
};

const struct fault_kind *fault_kind(enum fault f);
/* The fault with that name, or -1. */
int fault_from_name(const char *name);

struct schedule {
	uint64_t seed;
	double rate;                    /* 0..1: the share of frames faulted */
	unsigned char enabled[F_COUNT]; /* kinds the schedule may pick */
};

/* Enables the kinds in a comma-separated list ("all" for every one);
 * 0, or -1 naming the bad item on stderr. */
int schedule_enable(struct schedule *s, const char *list);

/* The fault for frame j of device's k-th request of that media. */
enum fault schedule_pick(const struct schedule *s, const char *device,
                         unsigned media, uint64_t k, uint64_t j);

/* The report: one JSON line per injected fault, and totals at the end.
 * Thread-safe. */
void report_open(FILE *f);
void report_fault(const char *rid, const char *device, unsigned media,
                  uint64_t frame, enum fault f);
void report_served(unsigned media, int faulted);
/* Counts a connection accepted (the totals say how many). */
void report_accepted(void);
void report_totals(void);

/* Set when lenscapd's frames carry the keyed seal: a changed body
 * (corrupt, padded) is then refused as bad_signature (the tag covers
 * it), not digest_mismatch. */
extern int faults_keyed_seal;

#endif
