/*
 * Fuzz target for capability_open() (common/capability_format.c), which
 * reads the first path segment of "/s/<capability>/..." straight from
 * the network.  Two fixed keys, "k1" and "k2"; the clock is fixed.
 *
 * Invariants: a capability that opens (ok or expired) re-mints, with the
 * key its id names and the claims it gave, to exactly the input (one
 * text per capability); its names are valid; it is ok only before its
 * expiry; a refused one leaves the claims zeroed; the answer is the
 * same twice.
 */
#include <stdint.h>
#include <string.h>

#include "capability_format.h"
#include "check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1800000000000ull

/* The fuzz keys: bytes 0..31 and 32..63, as tests/fuzz/README.md says
 * to write them for minting seeds. */
static uint8_t secret1[CAPABILITY_SECRET_BYTES], secret2[CAPABILITY_SECRET_BYTES];
static const struct capability_key keys[2] = { { "k1", secret1 }, { "k2", secret2 } };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < CAPABILITY_SECRET_BYTES; i++) {
		secret1[i] = (uint8_t)i;
		secret2[i] = (uint8_t)(i + 32);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct capability_claims zero;
	struct capability_claims cl, again;
	char t[CAPABILITY_TEXT_MAX + 1];
	enum capability_verdict v;
	const struct capability_key *k;
	int n;

	v = capability_open((const char *)data, size, keys, 2, NOW_MS, &cl);
	CHECK(capability_open((const char *)data, size, keys, 2, NOW_MS, &again) == v);
	CHECK(memcmp(&cl, &again, sizeof(cl)) == 0);
	if (v != CAPABILITY_OK && v != CAPABILITY_EXPIRED) {
		CHECK(memcmp(&cl, &zero, sizeof(cl)) == 0);
		return 0;
	}
	CHECK(size <= CAPABILITY_TEXT_MAX);
	CHECK((v == CAPABILITY_OK) == (NOW_MS < cl.expires_ms));
	CHECK(lc_valid_device(cl.account) && lc_valid_device(cl.device));
	CHECK(capability_file_name(cl.kind) != NULL);
	k = strcmp(cl.key_id, "k1") == 0 ? &keys[0] : &keys[1];
	CHECK(strcmp(cl.key_id, k->id) == 0);
	n = capability_mint(k, &cl, t, sizeof(t));
	CHECK(n > 0 && (size_t)n == size && memcmp(t, data, size) == 0);
	return 0;
}
