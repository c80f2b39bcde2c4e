/*
 * The timing rule the crypto benchmarks share (digest-speed, mac-speed):
 * CPU time of this process, not the wall clock, so that other programs
 * on a loaded machine do not lower the rates; the best of BENCH_ROUNDS
 * rounds of at least BENCH_MIN_SECONDS each.
 */
#ifndef LC_BENCH_CPUTIME_H
#define LC_BENCH_CPUTIME_H

#include <stdlib.h>
#include <time.h>

#define BENCH_MIN_SECONDS 0.25
#define BENCH_ROUNDS      3

/* Where a benchmark puts a byte of each result, so that the compiler
 * cannot drop the work. */
static volatile unsigned char bench_sink;

/* This process's CPU time in seconds. */
static double
bench_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1)
		abort();
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The fewest CPU seconds one call of once(arg) took, as the best round's
 * mean; <0 as soon as a call fails (returns nonzero). */
static double
bench_best(int (*once)(void *arg), void *arg)
{
	double best = -1;

	for (int r = 0; r < BENCH_ROUNDS; r++) {
		double t0 = bench_now(), t;
		size_t iters = 0;

		do {
			if (once(arg) != 0)
				return -1;
			iters++;
		} while ((t = bench_now() - t0) < BENCH_MIN_SECONDS);
		if (best < 0 || t / (double)iters < best)
			best = t / (double)iters;
	}
	return best;
}

#endif
