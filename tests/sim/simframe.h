/*
 * Synthetic camera frames for the simulators.  A frame is a JPEG-shaped
 * byte string whose COM segment names its true device and number, and
 * whose other bytes follow from (seed, device, number) alone: the chaos
 * backend makes it, and the assistant simulator makes it again to check
 * that what lenscapd delivered is byte for byte what the camera sent.
 */
#ifndef LC_SIMFRAME_H
#define LC_SIMFRAME_H

#include <stddef.h>
#include <stdint.h>

#define SIM_TRUTH        "lenscap-truth device="
#define SIM_DEVICE_MAX   64
#define SIM_FRAME_MAX    (4u << 20)

/* splitmix64: one step of a seeded, reproducible schedule. */
uint64_t sim_mix(uint64_t x);
/* FNV-1a of a string, for mixing device ids into seeds. */
uint64_t sim_hash(const char *s);

/* Bytes frame (device, n) takes when its base size is base. */
size_t sim_frame_size(uint64_t seed, const char *device, uint64_t n, size_t base);

/* Writes frame (device, n) into out (cap bytes); its length, or 0 if it
 * does not fit. */
size_t sim_frame(uint64_t seed, const char *device, uint64_t n, size_t base,
                 uint8_t *out, size_t cap);

/* Reads the truth out of a delivered frame: 0 with device (at least
 * SIM_DEVICE_MAX + 1 bytes) and *n filled, or -1 if it carries none. */
int sim_truth(const uint8_t *p, size_t len, char *device, uint64_t *n);

#endif
