/*
 * The capability format (common/capability_format.h): a round trip,
 * every byte and every character changed is refused, truncation and
 * extension are refused, the length limits hold, expiry is reported only
 * for authentic capabilities, rotation by key id, and secret files.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "capability_format.h"
#include "tap.h"

static uint8_t secret1[CAPABILITY_SECRET_BYTES], secret2[CAPABILITY_SECRET_BYTES];
static struct capability_key keys[2] = { { "k1", secret1 }, { "k2", secret2 } };

/* Claims for account/device of kind expiring at exp. */
static struct capability_claims
claims(const char *account, const char *device, int kind, uint64_t exp)
{
	struct capability_claims cl;

	memset(&cl, 0, sizeof(cl));
	snprintf(cl.account, sizeof(cl.account), "%s", account);
	snprintf(cl.device, sizeof(cl.device), "%s", device);
	cl.kind = kind;
	cl.expires_ms = exp;
	return cl;
}

static void
round_trip(void)
{
	struct capability_claims cl = claims("acct-1", "cam-1", LC_KIND_HLS, 2000), got;
	char t[CAPABILITY_TEXT_MAX + 1];
	int n = capability_mint(&keys[0], &cl, t, sizeof(t));

	ok(n > 0 && (size_t)n == strlen(t), "mint: a text of its length");
	is_int(capability_open(t, (size_t)n, keys, 2, 1000, &got), CAPABILITY_OK, "opens");
	ok(strcmp(got.account, "acct-1") == 0 && strcmp(got.device, "cam-1") == 0 &&
	   got.kind == LC_KIND_HLS && got.expires_ms == 2000 && strcmp(got.key_id, "k1") == 0,
	   "with the claims minted");
	is_int(capability_open(t, (size_t)n, keys, 2, 2000, &got), CAPABILITY_EXPIRED,
	       "expired at its expiry");
	is_int(capability_open(t, (size_t)n, keys + 1, 1, 1000, &got), CAPABILITY_UNKNOWN_KEY,
	       "a policy without its key: unknown key");
	ok(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	   (size_t)n, "base64url only: a path segment");
}

static void
every_byte(void)
{
	struct capability_claims cl = claims("acct-1", "cam-1", LC_KIND_SNAPSHOT, 5000), got;
	char t[CAPABILITY_TEXT_MAX + 1], u[CAPABILITY_TEXT_MAX + 2];
	uint8_t b[CAPABILITY_BIN_MAX];
	size_t n, len, bad = 0, expired = 0;
	int rc = capability_mint(&keys[0], &cl, t, sizeof(t));

	n = (size_t)rc;
	for (size_t i = 0; i < n; i++) {
		for (const char *c = "Aa0_-zQ"; *c; c++) {
			if (*c == t[i])
				continue;
			memcpy(u, t, n + 1);
			u[i] = *c;
			if (capability_open(u, n, keys, 2, 1000, &got) == CAPABILITY_OK)
				bad++;
		}
	}
	is_int(bad, 0, "every character changed, to several others: refused");
	(void)sodium_base642bin(b, sizeof(b), t, n, NULL, &len, NULL,
	                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			sodium_bin2base64(u, sizeof(u), b, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			enum capability_verdict v = capability_open(u, strlen(u), keys, 2, 1000, &got);
			bad += v == CAPABILITY_OK;
			expired += v == CAPABILITY_EXPIRED;
			b[i] ^= (uint8_t)(1u << bit);
		}
	is_int(bad + expired, 0, "every bit of every byte flipped: refused");
	for (size_t k = 0; k < n; k++)
		bad += capability_open(t, k, keys, 2, 1000, &got) == CAPABILITY_OK;
	is_int(bad, 0, "every truncation: refused");
	memcpy(u, t, n);
	memcpy(u + n, "A", 2);
	is_int(capability_open(u, n + 1, keys, 2, 1000, &got), CAPABILITY_MALFORMED,
	       "one character more: malformed");
	is_int(capability_open(t, n, (struct capability_key[]){ { "k1", secret2 } }, 1, 1000, &got),
	       CAPABILITY_BAD_MAC, "the same id with another secret: bad MAC");
	is_int(capability_open(t, n, keys, 2, 9000, &got), CAPABILITY_EXPIRED,
	       "expired is reported only after the MAC holds");
	ok(got.expires_ms == 5000, "and with the claims");
	u[0] = '\0';
	is_int(capability_open(u, 0, keys, 2, 1000, &got), CAPABILITY_MALFORMED, "empty: malformed");
}

static void
limits(void)
{
	char big[LC_DEVICE_MAX + 1], t[CAPABILITY_TEXT_MAX + 1], over[CAPABILITY_TEXT_MAX + 8];
	struct capability_claims cl, got;
	struct capability_key longk = { "abcdefghijklmnopqrstuvwxyz012345", secret1 };
	int n;

	memset(big, 'a', LC_DEVICE_MAX);
	big[LC_DEVICE_MAX] = '\0';
	cl = claims(big, big, LC_KIND_MJPEG, 9);
	n = capability_mint(&longk, &cl, t, sizeof(t));
	is_int(n, CAPABILITY_TEXT_MAX, "the longest names and key id: CAPABILITY_TEXT_MAX");
	is_int(capability_open(t, (size_t)n, &longk, 1, 1, &got), CAPABILITY_OK, "and it opens");
	is_int(capability_mint(&longk, &cl, t, (size_t)n), LC_ESPACE, "one byte short: LC_ESPACE");
	cl = claims("acct", "-cam", LC_KIND_MJPEG, 9);
	is_int(capability_mint(&keys[0], &cl, t, sizeof(t)), LC_EINVAL, "an invalid device: LC_EINVAL");
	cl = claims("acct", "cam", 7, 9);
	is_int(capability_mint(&keys[0], &cl, t, sizeof(t)), LC_EINVAL, "no such kind: LC_EINVAL");
	struct capability_key badk = { "k/1", secret1 };
	cl = claims("acct", "cam", LC_KIND_HLS, 9);
	is_int(capability_mint(&badk, &cl, t, sizeof(t)), LC_EINVAL, "a bad key id: LC_EINVAL");
	memset(over, 'A', sizeof(over));
	is_int(capability_open(over, CAPABILITY_TEXT_MAX + 1, keys, 2, 1, &got), CAPABILITY_MALFORMED,
	       "over CAPABILITY_TEXT_MAX: malformed");
}

static void
rotation(void)
{
	struct capability_claims cl = claims("acct-1", "cam-1", LC_KIND_HLS, 2000), got;
	char t1[CAPABILITY_TEXT_MAX + 1], t2[CAPABILITY_TEXT_MAX + 1];
	int n1 = capability_mint(&keys[0], &cl, t1, sizeof(t1));
	int n2 = capability_mint(&keys[1], &cl, t2, sizeof(t2));

	ok(n1 > 0 && n2 > 0 && strcmp(t1, t2) != 0, "two keys mint two capabilities");
	is_int(capability_open(t1, (size_t)n1, keys, 2, 1, &got), CAPABILITY_OK, "both keys: k1's opens");
	is_int(capability_open(t2, (size_t)n2, keys, 2, 1, &got), CAPABILITY_OK, "both keys: k2's opens");
	is_int(capability_open(t1, (size_t)n1, keys + 1, 1, 1, &got), CAPABILITY_UNKNOWN_KEY,
	       "k1 dropped: k1's refused");
}

static void
secrets(void)
{
	char dir[] = "/tmp/t-capability.XXXXXX", path[64];
	uint8_t *s = NULL;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/k", dir);
	is_int(capability_secret_generate(path), 0, "a secret is generated");
	is_int(capability_secret_generate(path), LC_EEXIST, "never over another");
	is_int(capability_secret_load(path, &s), 0, "and loads");
	capability_secret_free(s);
	is_int(chmod(path, 0640), 0, "chmod");
	is_int(capability_secret_load(path, &s), LC_EPERM, "readable by group: LC_EPERM");
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	tap_init();
	if (sodium_init() < 0)
		return 99;
	randombytes_buf(secret1, sizeof(secret1));
	randombytes_buf(secret2, sizeof(secret2));
	round_trip();
	every_byte();
	limits();
	rotation();
	secrets();
	return tap_done();
}
