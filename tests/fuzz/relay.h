/*
 * What fuzz-relay.c and gen-relay-corpus.c share: the fixed keys, clock
 * and devices of the relay target's policy, and its input layout.
 */
#ifndef LC_FUZZ_RELAY_FIXTURE_H
#define LC_FUZZ_RELAY_FIXTURE_H

/* Key seeds (as fuzz-envelope.c): CAM may sign for cam-a only, ANY for
 * every device, STRANGER is not trusted. */
#define RELAY_SEED_CAM      0x11
#define RELAY_SEED_ANY      0x22
#define RELAY_SEED_STRANGER 0x33
/* Keyed-seal secrets (as fuzz-envelope.c), all bytes the same: the
 * policy's "seal" section names the first; the second is not trusted. */
#define RELAY_SECRET_MAC          0x44
#define RELAY_SECRET_MAC_STRANGER 0x55

/* The gate's wall clock: 2025-11-24T16:00:00Z. */
#define RELAY_NOW_MS        1764000000000ULL
/* The policy's limits and the routes' freshness windows. */
#define RELAY_MAX_FRAME     4096
#define RELAY_DROPS_MAX     3
#define RELAY_SKEW_MS       2000
#define RELAY_FRESH_MJPEG   5000
#define RELAY_FRESH_SNAP    30000

/*
 * Input: byte 0 = flags, byte 1 = n, then n chunk sizes (byte b: b + 1
 * bytes, used in turn and again; n = 0: the body in one piece), then the
 * backend's Content-Type value up to '\n', then the body.
 */
#define RELAY_FLAG_DEVICE   0x03 /* cam-a, cam-b, cam-c, cam-zz */
#define RELAY_FLAG_SNAPSHOT 0x04 /* the snapshot route, not the stream */

#endif
