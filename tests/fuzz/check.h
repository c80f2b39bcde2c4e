/*
 * The fuzz targets' invariant check: a violated invariant is a crash, so
 * that libFuzzer keeps the input and the replay run fails on it.
 */
#ifndef LC_FUZZ_CHECK_H
#define LC_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond) \
	do { if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", \
		        __FILE__, __LINE__, #cond); \
		abort(); } } while (0)

#endif
