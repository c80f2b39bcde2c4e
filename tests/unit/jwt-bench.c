/*
 * Benchmark (not a test): microseconds per JWT check, jwt_verify() on a
 * valid token of each alg, the whole check (size, base64url, header,
 * signature, claims, account).  Run by hand; figures in
 * doc/performance.md.
 *
 *   jwt-bench [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assistant/jwt.h"
#include "jwt-mint.h"

static char dir[] = "/tmp/jwt-bench.XXXXXX";

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	static const char *const kids[] = { "ed", "eddsa", "es", "rs" };
	struct minter m[4];
	struct lc_policy *pol = NULL;
	char k[4][2048], doc[10000], path[128], h[256], c[512], tok[4][4096];
	long n = argc > 1 ? atol(argv[1]) : 20000;
	long long s = (long long)time(NULL);
	int rc = 1;

	memset(m, 0, sizeof(m));
	if (sodium_init() < 0 || mkdtemp(dir) == NULL || n <= 0)
		return 1;
	for (int i = 0; i < 4; i++) {
		if (mint_keygen(&m[i], (enum jwk_alg)i, kids[i]) != 0 ||
		    mint_jwk(&m[i], k[i], sizeof(k[i])) != 0)
			goto out;
		snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
		         jwk_alg_name(m[i].alg), kids[i]);
		snprintf(c, sizeof(c), "{\"iss\":\"https://issuer.example\",\"aud\":"
		         "\"lenscapd-id\",\"sub\":\"alice\",\"client_id\":\"bench\","
		         "\"jti\":\"j\",\"iat\":%lld,\"exp\":%lld}", s, s + 3600);
		if (mint_token(&m[i], h, c, tok[i], sizeof(tok[i])) == 0)
			goto out;
	}
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,%s,%s]}", k[0], k[1], k[2], k[3]);
	if (mint_put(dir, "jwks.json", doc) != 0 ||
	    mint_put(dir, "policy.json",
	        "{\"listeners\":{\"a\":{\"role\":\"assistant\",\"listen\":\"127.0.0.1:1\",\"plain\":true}},"
	        "\"backend\":{\"url\":\"https://127.0.0.1:2\"},"
	        "\"accounts\":{\"alice\":{\"devices\":[]}},"
	        "\"sessions\":{\"jwt\":{\"issuer\":\"https://issuer.example\","
	        "\"audience\":\"lenscapd-id\",\"jwks\":\"jwks.json\"}}}") != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	if (policy_load(path, &pol, stderr) != 0)
		goto out;
	printf("%-8s %8s %10s\n", "alg", "bytes", "us/check");
	for (int i = 0; i < 4; i++) {
		struct jwt_ok ok;
		const char *why;
		size_t len = strlen(tok[i]);
		double t0 = now_us();

		for (long j = 0; j < n; j++)
			if (jwt_verify(pol, tok[i], len, (uint64_t)s * 1000, &ok, &why) != 0) {
				fprintf(stderr, "%s: %s\n", kids[i], why);
				goto out;
			}
		printf("%-8s %8zu %10.2f\n", jwk_alg_name(m[i].alg), len,
		       (now_us() - t0) / (double)n);
	}
	rc = 0;
out:
	policy_free(pol);
	for (int i = 0; i < 4; i++)
		mint_free(&m[i]);
	mint_rmdir(dir);
	return rc;
}
