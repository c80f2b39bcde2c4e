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

/* The base file: one plain assistant listener, a backend, one route. */
static const char gen_base_text[] =
	"{ \"listeners\": { \"assistant\": { \"listen\": "
	"\"127.0.0.1:8443\", \"plain\": true } },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9\" },\n"
	"  \"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\", "
	"\"path\": \"/v1/cameras/{device}/snapshot\", \"backend\": "
	"\"/frames/{device}/latest.lcf\", \"media\": \"snapshot\" } ] }\n";

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
	fputs(gen_base_text, f);
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

/* Writes shard s of policy_gen_shards(): accounts [lo, hi), their
 * devices and their sessions, in dir/shard-NNNNN.json; 0 or -1. */
static int
gen_shard(const char *dir, size_t s, size_t lo, size_t hi, size_t per)
{
	char hex[2 * LC_DIGEST_BYTES + 1], tok[64], name[32];
	FILE *f;

	snprintf(name, sizeof(name), "shard-%05zu.json", s);
	if ((f = gen_open(dir, name)) == NULL)
		return -1;
	fprintf(f, "{ \"devices\": {\n");
	for (size_t d = lo * per; d < hi * per; d++) {
		snprintf(tok, sizeof(tok), "dev-token-%zu", d);
		if (gen_hex_digest(tok, hex) != 0)
			goto fail;
		fprintf(f, "%s\"cam-%zu\": { \"auth\": { \"token_sha256\": \"%s\" } }\n",
		        d > lo * per ? "," : "", d, hex);
	}
	fprintf(f, "},\n\"accounts\": {\n");
	for (size_t i = lo; i < hi; i++) {
		fprintf(f, "%s\"acct-%zu\": { \"devices\": [", i > lo ? "," : "", i);
		for (size_t k = 0; k < per; k++)
			fprintf(f, "%s\"cam-%zu\"", k ? ", " : "", i * per + k);
		fprintf(f, "] }\n");
	}
	fprintf(f, "},\n\"sessions\": { \"static\": [\n");
	for (size_t i = lo; i < hi; i++) {
		snprintf(tok, sizeof(tok), "sess-token-%zu", i);
		if (gen_hex_digest(tok, hex) != 0)
			goto fail;
		fprintf(f, "%s{ \"token_sha256\": \"%s\", \"account\": \"acct-%zu\" }\n",
		        i > lo ? "," : "", hex, i);
	}
	fprintf(f, "] } }\n");
	return fclose(f) == 0 ? 0 : -1;
fail:
	fclose(f);
	return -1;
}

/* Writes a policy of n accounts, each with its own per devices (account
 * i sees cam-(i*per) .. cam-(i*per+per-1)) and one session, as
 * dir/00-base.json and nshards files dir/shard-NNNNN.json of about
 * n/nshards accounts each, as a vendor's account service would; 0 or -1.
 * base, if not NULL, replaces the base file's text. */
__attribute__((unused)) static int
policy_gen_shards(const char *dir, size_t n, size_t per, size_t nshards,
                  const char *base)
{
	FILE *f;

	if (nshards == 0 || nshards > 99999 || (f = gen_open(dir, "00-base.json")) == NULL)
		return -1;
	fputs(base != NULL ? base : gen_base_text, f);
	if (fclose(f) != 0)
		return -1;
	for (size_t s = 0; s < nshards; s++)
		if (gen_shard(dir, s, n * s / nshards, n * (s + 1) / nshards, per) != 0)
			return -1;
	return 0;
}

/* Removes what policy_gen_shards() wrote, and dir. */
__attribute__((unused)) static void
policy_gen_shards_remove(const char *dir, size_t nshards)
{
	char path[4096];

	for (size_t s = 0; s < nshards; s++) {
		snprintf(path, sizeof(path), "%s/shard-%05zu.json", dir, s);
		(void)remove(path);
	}
	snprintf(path, sizeof(path), "%s/00-base.json", dir);
	(void)remove(path);
	(void)remove(dir);
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
