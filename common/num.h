/*
 * Strict number parsing for command lines and the environment: a
 * number is all digits, nothing before or after, and fits.
 */
#ifndef LC_NUM_H
#define LC_NUM_H

#include <stdint.h>

/* Parses a whole decimal number into *out; 0, or -1 (nothing written). */
int num_parse_u64(const char *s, uint64_t *out);

#endif
