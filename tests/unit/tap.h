/*
 * A minimal TAP producer for the unit tests: ok(), is_int(), plan at the
 * end.  stdout is line-buffered so that a sanitizer report at exit does
 * not eat the plan.
 */
#ifndef LC_TAP_H
#define LC_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_fail;

__attribute__((unused)) static void tap_init(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

__attribute__((format(printf, 2, 3))) static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_fail++;
	return cond;
}

#define is_int(got, want, ...) \
	do { long long g_ = (got), w_ = (want); \
	     if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", g_, w_); } while (0)

__attribute__((unused)) static void diag(const char *msg) { printf("# %s\n", msg); }

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_fail ? 1 : 0;
}

#endif
