/*
 * Fuzz target for JWT access tokens: the input as a token (jwt_verify()
 * against a policy whose JWKS holds a key of each alg, kids "ed",
 * "eddsa", "es", "rs"), as claims (jwt_claims(), which a token only
 * reaches past its signature) and as a JWKS document (jwks_parse()).
 * Checks that a refusal always has a "jwt: " reason and that a pass
 * names an account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assistant/jwt.h"
#include "check.h"
#include "../unit/jwt-mint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NOW 1764000000000ULL

static struct lc_policy *pol;
static char dir[] = "/tmp/fuzz-jwt.XXXXXX";

/* Removes the temp dir. */
static void
cleanup(void)
{
	mint_rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const kids[] = { "ed", "eddsa", "es", "rs" };
	struct minter m[4];
	char k[4][2048], doc[10000], path[128];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	for (int i = 0; i < 4; i++)
		if (mint_keygen(&m[i], (enum jwk_alg)i, kids[i]) != 0 ||
		    mint_jwk(&m[i], k[i], sizeof(k[i])) != 0)
			abort();
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,%s,%s]}", k[0], k[1], k[2], k[3]);
	if (mint_put(dir, "jwks.json", doc) != 0 ||
	    mint_put(dir, "policy.json",
	        "{\"listeners\":{\"a\":{\"role\":\"assistant\",\"listen\":\"127.0.0.1:1\",\"plain\":true}},"
	        "\"backend\":{\"url\":\"https://127.0.0.1:2\"},"
	        "\"devices\":{\"cam-1\":{\"auth\":{\"token_sha256\":\""
	        "0000000000000000000000000000000000000000000000000000000000000001\"}}},"
	        "\"accounts\":{\"alice\":{\"devices\":[\"cam-1\"]}},"
	        "\"sessions\":{\"jwt\":{\"issuer\":\"https://issuer.example\","
	        "\"audience\":\"lenscapd-id\",\"jwks\":\"jwks.json\"}}}") != 0)
		abort();
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	if (policy_load(path, &pol, stderr) != 0)
		abort();
	for (int i = 0; i < 4; i++)
		mint_free(&m[i]);
	return 0;
}

/* A verdict's promises. */
static void
check_verdict(int rc, const struct jwt_ok *ok, const char *why)
{
	if (rc == 0) {
		CHECK(why == NULL && ok->acct != NULL && ok->exp_ms > 0);
		CHECK(strcmp(policy_account_name(ok->acct), "alice") == 0);
	} else {
		CHECK(rc == -1 && why != NULL && strncmp(why, "jwt: ", 5) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_ok ok;
	struct jwks *ks = NULL;
	const char *why = NULL;
	char whybuf[256];
	int rc;

	if (pol == NULL)
		(void)LLVMFuzzerInitialize(NULL, NULL);
	rc = jwt_verify(pol, (const char *)data, size, NOW, &ok, &why);
	check_verdict(rc, &ok, why);
	why = NULL;
	rc = jwt_claims(pol, (const char *)data, size, NOW, &ok, &why);
	check_verdict(rc, &ok, why);
	rc = jwks_parse((const char *)data, size, &ks, whybuf, sizeof(whybuf));
	CHECK(rc == 0 ? ks != NULL && ks->n > 0 : rc == LC_EFORMAT || rc == LC_ENOMEM);
	jwks_free(ks);
	return 0;
}
