/* Unit tests for the introspection answer cache (assistant/introspect.c):
 * an answer is found until it expires, a new size empties the cache, and
 * digests chosen to share a set without the cache's key (the first 8
 * bytes alike modulo the number of sets, as a client minting tokens
 * could grind them) do not evict each other. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "assistant/introspect.h"
#include "tap.h"

#define NOW 1764000000000ULL

/* Digest i of a family that an unkeyed index puts in one set: the
 * first bytes zero but the fourth, the rest random. */
static void
chosen(uint8_t d[LC_DIGEST_BYTES], unsigned i)
{
	randombytes_buf(d, LC_DIGEST_BYTES);
	memset(d, 0, 8);
	d[3] = (uint8_t)i; /* h = i << 24: a multiple of any power of two to 2^24 */
}

static void
test_basics(void)
{
	struct icache *c = icache_new();
	struct intro_answer a = { INTRO_ACTIVE, "alice", 0 }, got;
	uint8_t d[LC_DIGEST_BYTES];

	ok(c != NULL, "a cache");
	if (c == NULL)
		return;
	randombytes_buf(d, sizeof(d));
	ok(!icache_get(c, d, NOW, &got), "empty: no answer");
	is_int(icache_put(c, 16, d, &a, NOW + 1000), 0, "put");
	ok(icache_get(c, d, NOW, &got) && strcmp(got.sub, "alice") == 0,
	   "the answer, before it expires");
	ok(!icache_get(c, d, NOW + 1000, &got), "none once it expires");
	is_int(icache_put(c, 16, d, &a, NOW + 1000), 0, "put again");
	is_int(icache_put(c, 32, (uint8_t[LC_DIGEST_BYTES]){ 1 }, &a, NOW + 1000), 0,
	       "put at a new size");
	ok(!icache_get(c, d, NOW, &got), "a new size empties the cache");
	icache_free(c);
}

/* 64 chosen digests in a cache of 1024 answers (256 sets of 4): all in
 * one set, 4 would stay; spread by a keyed hash, a set gets more than 4
 * about once in 500 runs, and then loses one or two. */
static void
test_chosen_digests(void)
{
	struct icache *c = icache_new();
	struct intro_answer a = { INTRO_ACTIVE, "alice", 0 }, got;
	uint8_t d[64][LC_DIGEST_BYTES];
	int kept = 0;

	if (c == NULL) {
		ok(0, "a cache");
		return;
	}
	for (unsigned i = 0; i < 64; i++) {
		chosen(d[i], i);
		if (icache_put(c, 1024, d[i], &a, NOW + 1000) != 0)
			break;
	}
	for (unsigned i = 0; i < 64; i++)
		kept += icache_get(c, d[i], NOW, &got);
	ok(kept >= 60, "64 digests chosen to share a set: %d of them kept (4 if "
	   "they shared one)", kept);
	icache_free(c);
}

int
main(void)
{
	tap_init();
	if (sodium_init() < 0)
		return 99;
	test_basics();
	test_chosen_digests();
	return tap_done();
}
