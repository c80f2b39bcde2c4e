/*
 * The two clocks: wall time for envelopes and audit lines, a monotonic
 * one for deadlines and durations.  A leaf: any module may include it.
 */
#ifndef LC_CLOCK_H
#define LC_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch; a monotonic clock in microseconds, and
 * the same in milliseconds. */
uint64_t lcd_now_ms(void);
uint64_t lcd_mono_us(void);
uint64_t lcd_mono_ms(void);

#endif
