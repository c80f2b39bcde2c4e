/*
 * A test helper (not a test): mints the JWKS files and tokens that
 * tests/integration/t-jwt.sh presents to lenscapd.  Not a lenscap
 * subcommand: an operator's tokens come from the issuer, never from
 * lenscapd's side.
 *
 *   jwt-tokens DIR NOW_S ISSUER AUDIENCE
 *
 * writes DIR/jwks-a.json (kids ed, es, rs), DIR/jwks-b.json (kid ed-2)
 * and one token per file: ok-ed, ok-es, ok-rs (acct-1, an hour), acct-2,
 * expired, forged (kid ed, another key), wrong-aud, short (acct-1, 4 s),
 * ok-b (kid ed-2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt-mint.h"

static const char *dir, *iss, *aud;
static long long now_s;

/* A token of m for sub, valid from now for ttl seconds (negative:
 * expired), with audience a, into DIR/name; 0 or -1. */
static int
token(const char *name, const struct minter *m, const char *kid,
      const char *sub, long long ttl, const char *a)
{
	char h[256], c[1024], tok[8192];

	snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
	         jwk_alg_name(m->alg), kid);
	snprintf(c, sizeof(c), "{\"iss\":\"%s\",\"aud\":[\"%s\"],\"sub\":\"%s\","
	         "\"client_id\":\"t-jwt\",\"jti\":\"%s\",\"iat\":%lld,\"exp\":%lld}",
	         iss, a, sub, name, ttl < 0 ? now_s + ttl - 60 : now_s, now_s + ttl);
	if (mint_token(m, h, c, tok, sizeof(tok)) == 0)
		return -1;
	return mint_put(dir, name, tok);
}

int
main(int argc, char **argv)
{
	struct minter ed, es, rs, ed2, rogue;
	char k[3][2048], doc[8192];

	if (argc != 5) {
		fprintf(stderr, "usage: jwt-tokens DIR NOW_S ISSUER AUDIENCE\n");
		return 2;
	}
	dir = argv[1];
	now_s = atoll(argv[2]);
	iss = argv[3];
	aud = argv[4];
	if (sodium_init() < 0 || mint_keygen(&ed, JWK_ED25519, "ed") ||
	    mint_keygen(&es, JWK_ES256, "es") || mint_keygen(&rs, JWK_RS256, "rs") ||
	    mint_keygen(&ed2, JWK_EDDSA, "ed-2") || mint_keygen(&rogue, JWK_ED25519, "ed"))
		return 1;
	if (mint_jwk(&ed, k[0], sizeof(k[0])) || mint_jwk(&es, k[1], sizeof(k[1])) ||
	    mint_jwk(&rs, k[2], sizeof(k[2])))
		return 1;
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,\n%s,\n%s]}\n", k[0], k[1], k[2]);
	if (mint_put(dir, "jwks-a.json", doc) || mint_jwk(&ed2, k[0], sizeof(k[0])))
		return 1;
	snprintf(doc, sizeof(doc), "{\"keys\":[%s]}\n", k[0]);
	if (mint_put(dir, "jwks-b.json", doc) ||
	    token("ok-ed", &ed, "ed", "acct-1", 3600, aud) ||
	    token("ok-es", &es, "es", "acct-1", 3600, aud) ||
	    token("ok-rs", &rs, "rs", "acct-1", 3600, aud) ||
	    token("acct-2", &ed, "ed", "acct-2", 3600, aud) ||
	    token("expired", &ed, "ed", "acct-1", -3600, aud) ||
	    token("forged", &rogue, "ed", "acct-1", 3600, aud) ||
	    token("wrong-aud", &ed, "ed", "acct-1", 3600, "someone-else") ||
	    token("short", &es, "es", "acct-1", 4, aud) ||
	    token("ok-b", &ed2, "ed-2", "acct-1", 3600, aud))
		return 1;
	mint_free(&es);
	mint_free(&rs);
	return 0;
}
