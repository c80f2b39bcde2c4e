/*
 * Micro-benchmark (not a test): microseconds per capability check
 * (capability_open(): base64url, layout, keyed BLAKE2b, constant-time
 * compare) for a typical 78-character hls capability.  doc/performance.md.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "capability_format.h"
int main(void) {
	uint8_t s[32]; struct capability_key k = { "k1", s }; struct capability_claims cl, got;
	char t[CAPABILITY_TEXT_MAX + 1]; struct timespec a, b; int n, N = 200000; unsigned ok = 0;
	if (sodium_init() < 0) return 1;
	randombytes_buf(s, 32); memset(&cl, 0, sizeof(cl));
	strcpy(cl.account, "acct-1"); strcpy(cl.device, "cam-1"); cl.kind = LC_KIND_HLS; cl.expires_ms = 1ull << 62;
	n = capability_mint(&k, &cl, t, sizeof(t));
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < N; i++) ok += capability_open(t, (size_t)n, &k, 1, 1, &got) == CAPABILITY_OK;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("capability_open: %.3f us per check (%d chars, %u ok of %d)\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N / 1000.0, n, ok, N);
	return 0;
}
