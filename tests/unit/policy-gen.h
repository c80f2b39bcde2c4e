/*
 * Writes a large synthetic policy (N devices, N accounts, N static
 * sessions) as a directory of files, for t-policy's scale test and for
 * policy-load-bench.  Device i's token is "dev-token-<i>", session i's
 * "sess-token-<i>"; account i may see devices i and i+1 (mod N).
 */
#ifndef LC_POLICY_GEN_H
#define LC_POLICY_GEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"

static int
gen_hex_digest(const char *s, char hex[2 * LC_DIGEST_BYTES + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[LC_DIGEST_BYTES];

	if (lc_digest(s, strlen(s), d) != 0)
		return -1;
	for (size_t i = 0; i < LC_DIGEST_BYTES; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * LC_DIGEST_BYTES] = '\0';
	return 0;
}

static FILE *
gen_open(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

/* Writes dir/00-base.json ... dir/30-sessions.json; 0 or -1. */
__attribute__((unused)) static int
policy_gen_dir(const char *dir, size_t n)
{
	char hex[2 * LC_DIGEST_BYTES + 1], tok[64];
	FILE *f;

	if ((f = gen_open(dir, "00-base.json")) == NULL)
		return -1;
	fprintf(f, "{ \"listeners\": { \"assistant\": { \"listen\": "
	        "\"127.0.0.1:8443\", \"plain\": true } },\n"
	        "  \"backend\": { \"url\": \"https://127.0.0.1:9\" },\n"
	        "  \"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\", "
	        "\"path\": \"/v1/cameras/{device}/snapshot\", \"backend\": "
	        "\"/frames/{device}/latest.lcf\", \"media\": \"snapshot\" } ] }\n");
	if (fclose(f) != 0 || (f = gen_open(dir, "10-devices.json")) == NULL)
		return -1;
	fprintf(f, "{ \"devices\": {\n");
	for (size_t i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "dev-token-%zu", i);
		if (gen_hex_digest(tok, hex) != 0)
			goto fail;
		fprintf(f, "%s\"cam-%zu\": { \"auth\": { \"token_sha256\": \"%s\" } }\n",
		        i ? "," : "", i, hex);
	}
	fprintf(f, "} }\n");
	if (fclose(f) != 0 || (f = gen_open(dir, "20-accounts.json")) == NULL)
		return -1;
	fprintf(f, "{ \"accounts\": {\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"acct-%zu\": { \"devices\": [\"cam-%zu\", \"cam-%zu\"] }\n",
		        i ? "," : "", i, i, (i + 1) % n);
	fprintf(f, "} }\n");
	if (fclose(f) != 0 || (f = gen_open(dir, "30-sessions.json")) == NULL)
		return -1;
	fprintf(f, "{ \"sessions\": { \"static\": [\n");
	for (size_t i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "sess-token-%zu", i);
		if (gen_hex_digest(tok, hex) != 0)
			goto fail;
		fprintf(f, "%s{ \"token_sha256\": \"%s\", \"account\": \"acct-%zu\" }\n",
		        i ? "," : "", hex, i);
	}
	fprintf(f, "] } }\n");
	return fclose(f) == 0 ? 0 : -1;
fail:
	fclose(f);
	return -1;
}

/* Removes what policy_gen_dir() wrote, and dir. */
__attribute__((unused)) static void
policy_gen_remove(const char *dir)
{
	static const char *const names[] = { "00-base.json", "10-devices.json",
		"20-accounts.json", "30-sessions.json" };
	char path[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)remove(path);
	}
	(void)remove(dir);
}

#endif
