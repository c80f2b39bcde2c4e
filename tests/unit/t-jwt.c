/* Unit tests for JWT access tokens as sessions (policy/jwks.c,
 * assistant/jwt.c): each alg passes, and every refusal has its reason;
 * tokens are minted here (jwt-mint.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assistant/jwt.h"
#include "assistant/session.h"
#include "jwt-mint.h"
#include "tap.h"

#define NOW 1764000000000ULL /* a whole second */
#define S (NOW / 1000)
#define ISS "https://issuer.example"
#define AUD "lenscapd-id"

static struct minter ed, eddsa, es, rs;
#define SKEW_MS 2000 /* the policy's clock_skew_ms */

static struct lc_policy *pol;
static char dir[] = "/tmp/t-jwt.XXXXXX";

static const char policy_fmt[] =
	"{ \"listeners\": { \"assistant\": { \"listen\": \"127.0.0.1:8443\", \"plain\": true } },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9443\" },\n"
	"  \"devices\": { \"cam-1\": { \"auth\": { \"token_sha256\": \"%064d\" } } },\n"
	"  \"accounts\": { \"alice\": { \"devices\": [\"cam-1\"] } },\n"
	"  \"sessions\": { \"jwt\": { \"issuer\": \"" ISS "\", \"audience\": \"" AUD "\",\n"
	"      \"jwks\": \"jwks.json\", \"max_token_bytes\": 4096 } },\n"
	"  \"limits\": { \"clock_skew_ms\": 2000 } }\n"; /* SKEW_MS */

/* Loads the policy of dir, quietly unless it fails; 0 or an LC_E*. */
static int
load(struct lc_policy **out)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/policy.json", dir);
	return policy_load(path, out, NULL);
}

/* Claims with exp, nbf (-1: none) and iat as given, the rest valid. */
static const char *
claims_at(char *buf, size_t n, long long exp, long long nbf, long long iat)
{
	char nb[48] = "";

	if (nbf >= 0)
		snprintf(nb, sizeof(nb), "\"nbf\":%lld,", nbf);
	snprintf(buf, n, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
	         "\"client_id\":\"c1\",\"jti\":\"j1\",%s\"exp\":%lld,\"iat\":%lld}",
	         nb, exp, iat);
	return buf;
}

static char good_claims[512];

/* A header for m: its alg (or alg if given), typ at+jwt, its kid. */
static const char *
header_of(char *buf, size_t n, const struct minter *m, const char *extra)
{
	snprintf(buf, n, "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"%s}",
	         jwk_alg_name(m->alg), m->kid, extra ? extra : "");
	return buf;
}

/* jwt_verify() on token; its reason ("ok" when it passes). */
static const char *
verdict(const char *token)
{
	struct jwt_ok ok;
	const char *why = NULL;

	if (jwt_verify(pol, token, strlen(token), NOW, &ok, &why) == 0)
		return why == NULL && ok.acct != NULL ? "ok" : "ok but why set";
	return why != NULL ? why : "(no reason)";
}

/* Mints with m over header and claims and expects want. */
static void
expect(const struct minter *m, const char *header, const char *claims,
       const char *want, const char *what)
{
	char tok[8192];
	const char *got;

	if (mint_token(m, header, claims, tok, sizeof(tok)) == 0) {
		ok(0, "%s: minted", what);
		return;
	}
	got = verdict(tok);
	if (!ok(strcmp(got, want) == 0, "%s: %s", what, want))
		printf("#   got \"%s\"\n", got);
}

/* Expects token as given. */
static void
expect_tok(const char *tok, const char *want, const char *what)
{
	const char *got = verdict(tok);

	if (!ok(strcmp(got, want) == 0, "%s: %s", what, want))
		printf("#   got \"%s\"\n", got);
}

/* An unsigned-style token: base64url(header).base64url(claims).sig_b64 */
static void
raw_token(char *out, const char *header, const char *claims, const char *sig)
{
	size_t n = b64url_encode((const uint8_t *)header, strlen(header), out);

	out[n++] = '.';
	n += b64url_encode((const uint8_t *)claims, strlen(claims), out + n);
	out[n++] = '.';
	strcpy(out + n, sig);
}

static void
test_valid(void)
{
	const struct minter *ms[] = { &ed, &eddsa, &es, &rs };
	char h[256];

	for (size_t i = 0; i < 4; i++)
		expect(ms[i], header_of(h, sizeof(h), ms[i], NULL), good_claims, "ok",
		       jwk_alg_name(ms[i]->alg));
	expect(&es, "{\"alg\":\"ES256\",\"typ\":\"application/at+jwt\",\"kid\":\"es\"}",
	       good_claims, "ok", "typ application/at+jwt");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"AT+JWT\",\"kid\":\"ed\"}",
	       good_claims, "ok", "typ compared case-insensitively");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"at+jwt\",\"kid\":\"ed\",\"x-other\":1}",
	       good_claims, "ok", "unknown header member ignored");
}

static void
test_header(void)
{
	char h[512], tok[4096], mac[64], sig[128];
	uint8_t m[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t n;

	raw_token(tok, "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	          good_claims, "AAAA");
	expect_tok(tok, "jwt: alg none", "alg none");
	raw_token(tok, "{\"alg\":\"NONE\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	          good_claims, "AAAA");
	expect_tok(tok, "jwt: alg none", "alg NONE");
	raw_token(tok, "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	          good_claims, "");
	expect_tok(tok, "jwt: not compact JWS", "alg none with an empty signature");
	/* HS256 keyed with the issuer's public key (the confusion attack) */
	raw_token(tok, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	          good_claims, "");
	n = strlen(tok) - 1;
	crypto_auth_hmacsha256_init(&st, ed.ed_pk, 32);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)tok, n);
	crypto_auth_hmacsha256_final(&st, m);
	b64url_encode(m, sizeof(m), mac);
	strcpy(tok + n + 1, mac);
	expect_tok(tok, "jwt: hmac alg", "HS256 keyed with the public key");
	if (mint_jwk(&es, h, sizeof(h)) == 0) {
		raw_token(tok, "{\"alg\":\"HS512\",\"typ\":\"at+jwt\",\"kid\":\"es\"}",
		          good_claims, "");
		n = strlen(tok) - 1;
		crypto_auth_hmacsha256_init(&st, (const uint8_t *)h, strlen(h));
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)tok, n);
		crypto_auth_hmacsha256_final(&st, m);
		b64url_encode(m, sizeof(m), mac);
		strcpy(tok + n + 1, mac);
		expect_tok(tok, "jwt: hmac alg", "HS512 keyed with the JWK text");
	}
	expect(&rs, "{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"rs\"}",
	       good_claims, "jwt: alg", "alg PS256");
	expect(&rs, "{\"typ\":\"at+jwt\",\"kid\":\"rs\"}", good_claims, "jwt: alg",
	       "no alg");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"at+jwt\",\"kid\":\"nope\"}",
	       good_claims, "jwt: unknown kid", "unknown kid");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"at+jwt\"}", good_claims,
	       "jwt: unknown kid", "no kid");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"at+jwt\",\"kid\":7}", good_claims,
	       "jwt: unknown kid", "kid not a string");
	expect(&ed, header_of(h, sizeof(h), &ed, ",\"jku\":\"https://evil/\""),
	       good_claims, "jwt: jku header", "jku");
	expect(&ed, header_of(h, sizeof(h), &ed, ",\"x5u\":\"https://evil/\""),
	       good_claims, "jwt: x5u header", "x5u");
	expect(&ed, header_of(h, sizeof(h), &ed, ",\"jwk\":{}"), good_claims,
	       "jwt: jwk header", "jwk");
	expect(&ed, header_of(h, sizeof(h), &ed, ",\"x5c\":[]"), good_claims,
	       "jwt: x5c header", "x5c");
	expect(&ed, header_of(h, sizeof(h), &ed, ",\"crit\":[\"exp\"]"), good_claims,
	       "jwt: crit header", "crit");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"JWT\",\"kid\":\"ed\"}",
	       good_claims, "jwt: typ", "typ JWT");
	expect(&ed, "{\"alg\":\"Ed25519\",\"kid\":\"ed\"}", good_claims, "jwt: typ",
	       "no typ");
	expect(&ed, "{\"alg\":\"Ed25519\",\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	       good_claims, "jwt: duplicate key", "duplicate key in the header");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"at+jwt\",\"kid\":\"ed\"} ",
	       good_claims, "ok", "whitespace after the header object");
	expect(&ed, "{\"alg\":\"Ed25519\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}/**/",
	       good_claims, "jwt: bad json", "a comment in the header");
	expect(&ed, "[\"alg\"]", good_claims, "jwt: bad json", "header not an object");
	/* alg and key must agree: the key's alg is pinned */
	expect(&es, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	       good_claims, "jwt: alg mismatch", "ES256 token against an Ed25519 kid");
	expect(&eddsa, "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}",
	       good_claims, "jwt: alg mismatch", "EdDSA against an Ed25519-pinned kid");
	expect(&rs, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"es\"}",
	       good_claims, "jwt: alg mismatch", "RS256 against an ES256 kid");
	/* signed by another key of the same alg */
	expect(&ed, "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"eddsa\"}",
	       good_claims, "jwt: bad signature", "signed by the wrong key");
	(void)sig;
}

/* Sets an unused trailing bit of the last character of tok[0..n). */
static void
set_trailing_bit(char *tok, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = strchr(abc, tok[n - 1]);

	if (p != NULL)
		tok[n - 1] = abc[(p - abc) | 1];
}

static void
test_base64url(void)
{
	char h[256], tok[4096], t2[8192];
	size_t n, d1, d2;
	uint8_t buf[8];

	n = mint_token(&ed, header_of(h, sizeof(h), &ed, NULL), good_claims, tok,
	               sizeof(tok));
	d1 = strchr(tok, '.') - tok;
	d2 = strchr(tok + d1 + 1, '.') - tok;
	expect_tok(tok, "ok", "the unaltered token");
	snprintf(t2, sizeof(t2), "%s=", tok);
	expect_tok(t2, "jwt: bad base64url", "padding on the signature");
	snprintf(t2, sizeof(t2), "%s==", tok);
	expect_tok(t2, "jwt: bad base64url", "two padding bytes");
	snprintf(t2, sizeof(t2), "%.*s=%s", (int)d1, tok, tok + d1);
	expect_tok(t2, "jwt: bad base64url", "padding on the header");
	snprintf(t2, sizeof(t2), "%s", tok);
	t2[d2 + 3] = '+';
	expect_tok(t2, "jwt: bad base64url", "'+' (base64, not base64url)");
	t2[d2 + 3] = '/';
	expect_tok(t2, "jwt: bad base64url", "'/'");
	snprintf(t2, sizeof(t2), "%.*s %s", (int)d2, tok, tok + d2);
	expect_tok(t2, "jwt: bad base64url", "a space");
	snprintf(t2, sizeof(t2), "%.*s\n%s", (int)d1 + 5, tok, tok + d1 + 5);
	expect_tok(t2, "jwt: bad base64url", "a newline");
	snprintf(t2, sizeof(t2), "%s", tok);
	set_trailing_bit(t2, n); /* 64 bytes: 86 characters, 4 bits unused */
	expect_tok(t2, "jwt: bad base64url", "a set trailing bit in the signature");
	snprintf(t2, sizeof(t2), "%sAAA", tok); /* 86 + 3 */
	expect_tok(t2, "jwt: bad base64url", "a length of 4k+1");
	snprintf(t2, sizeof(t2), "%.*s", (int)d2, tok);
	expect_tok(t2, "jwt: not compact JWS", "two parts");
	snprintf(t2, sizeof(t2), "%s.AAAA", tok);
	expect_tok(t2, "jwt: not compact JWS", "four parts");
	snprintf(t2, sizeof(t2), "%.*s.%s", (int)d1, tok, tok + d2);
	expect_tok(t2, "jwt: not compact JWS", "an empty part");
	snprintf(t2, sizeof(t2), "%s", tok);
	t2[n - 5] = t2[n - 5] == 'A' ? 'B' : 'A'; /* another signature */
	expect_tok(t2, "jwt: bad signature", "an altered signature");
	is_int(b64url_decode("QQ", 2, buf, sizeof(buf), &n), 0, "QQ decodes");
	is_int(b64url_decode("QR", 2, buf, sizeof(buf), &n), LC_EFORMAT,
	       "QR (trailing bits) does not");
	is_int(b64url_decode("QUI", 3, buf, sizeof(buf), &n), 0, "QUI decodes");
	is_int(b64url_decode("QUJ", 3, buf, sizeof(buf), &n), LC_EFORMAT,
	       "QUJ does not");
	is_int(b64url_decode("QUJD", 4, buf, 2, &n), LC_ESPACE, "too long for out");
}

static void
test_size(void)
{
	char h[256], big[8192], tok[16384];
	size_t n;
	long fill;

	header_of(h, sizeof(h), &ed, NULL);
	/* grow a claim until the token is exactly the limit, then one more */
	for (fill = 2700; fill < 3200; fill++) {
		snprintf(big, sizeof(big), "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
		         "\",\"sub\":\"alice\",\"exp\":%llu,\"iat\":%llu,\"pad\":\"%0*d\"}",
		         S + 600, S, (int)fill, 0);
		n = mint_token(&ed, h, big, tok, sizeof(tok));
		if (n >= 4096)
			break;
	}
	if (n == 4096)
		expect_tok(tok, "ok", "a token of exactly max_token_bytes");
	else
		ok(1, "a token of exactly max_token_bytes (%zu: base64 steps)", n);
	snprintf(big, sizeof(big), "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
	         "\",\"sub\":\"alice\",\"exp\":%llu,\"iat\":%llu,\"pad\":\"%0*d\"}",
	         S + 600, S, (int)fill + 3, 0);
	mint_token(&ed, h, big, tok, sizeof(tok));
	expect_tok(tok, "jwt: too large", "a token over max_token_bytes");
	memset(big, 'A', 5000);
	big[5000] = '\0';
	expect_tok(big, "jwt: too large", "size is checked before the shape");
}

static void
test_claims(void)
{
	char h[256], c[1024];

	header_of(h, sizeof(h), &es, NULL);
	expect(&es, h, "{\"iss\":\"" ISS "\",\"sub\":\"alice\",\"sub\":\"bob\",\"aud\":\""
	       AUD "\",\"exp\":9999999999,\"iat\":1}", "jwt: duplicate key",
	       "duplicate key in the claims");
	/* Past 16 claims the names are found through a table: a second
	 * "sub" there is refused the same. */
	expect(&es, h, "{\"c1\":1,\"c2\":1,\"c3\":1,\"c4\":1,\"c5\":1,\"c6\":1,"
	       "\"c7\":1,\"c8\":1,\"c9\":1,\"c10\":1,\"c11\":1,\"c12\":1,"
	       "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":9999999999,"
	       "\"iat\":1,\"sub\":\"alice\",\"sub\":\"bob\"}", "jwt: duplicate key",
	       "duplicate key past 16 claims");
	expect(&es, h, "{\"iss\":\"" ISS "/\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
	       "\"exp\":9999999999,\"iat\":1}", "jwt: iss", "iss with a trailing /");
	expect(&es, h, "{\"aud\":\"" AUD "\",\"sub\":\"alice\","
	       "\"exp\":9999999999,\"iat\":1}", "jwt: iss", "no iss");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"other\",\"sub\":\"alice\","
	       "\"exp\":9999999999,\"iat\":1}", "jwt: aud", "another aud");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":[\"other\",\"" AUD "\"],"
	       "\"sub\":\"alice\",\"exp\":9999999999,\"iat\":1}", "ok", "aud as an array");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":[\"other\",[\"" AUD "\"]],"
	       "\"sub\":\"alice\",\"exp\":9999999999,\"iat\":1}", "jwt: aud",
	       "aud nested deeper does not count");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"sub\":\"alice\","
	       "\"exp\":9999999999,\"iat\":1}", "jwt: aud", "no aud");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"mallory\","
	       "\"exp\":9999999999,\"iat\":1}", "jwt: sub unknown", "sub of no account");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	       "\"exp\":9999999999,\"iat\":1}", "jwt: sub unknown", "no sub");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
	       "\"iat\":1}", "jwt: exp", "no exp");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
	       "\"exp\":9999999999.5,\"iat\":1}", "jwt: exp", "a fractional exp");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
	       "\"exp\":\"9999999999\",\"iat\":1}", "jwt: exp", "exp as a string");
	expect(&es, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\","
	       "\"exp\":9999999999}", "jwt: iat", "no iat");
	/* skew 2000 ms; NOW a whole second */
	expect(&es, h, claims_at(c, sizeof(c), S - 2, -1, S - 100), "jwt: expired",
	       "exp + skew == now");
	expect(&es, h, claims_at(c, sizeof(c), S - 1, -1, S - 100), "ok",
	       "exp + skew == now + 1 s");
	expect(&es, h, claims_at(c, sizeof(c), S - 3600, -1, S - 7200), "jwt: expired",
	       "an hour ago");
	expect(&es, h, claims_at(c, sizeof(c), S + 60, S + 2, S), "ok",
	       "nbf == now + skew");
	expect(&es, h, claims_at(c, sizeof(c), S + 60, S + 3, S), "jwt: not yet valid",
	       "nbf == now + skew + 1 s");
	expect(&es, h, claims_at(c, sizeof(c), S + 60, -1, S + 2), "ok",
	       "iat == now + skew");
	expect(&es, h, claims_at(c, sizeof(c), S + 60, -1, S + 3),
	       "jwt: issued in the future", "iat == now + skew + 1 s");
}

static void
test_session(void)
{
	char h[256], tok[8192];
	struct session s;
	const char *why = NULL;
	uint8_t d[LC_DIGEST_BYTES];
	const struct policy_account *a;

	mint_token(&rs, header_of(h, sizeof(h), &rs, NULL), good_claims, tok,
	           sizeof(tok));
	a = session_from_jwt(pol, tok, NOW, &s, &why);
	ok(a != NULL && strcmp(policy_account_name(a), "alice") == 0,
	   "session_from_jwt: alice");
	is_int(s.source, SESSION_JWT, "source JWT");
	is_int(s.expires_ms, (S + 600) * 1000 + SKEW_MS, "expires at exp and the skew");
	ok(lc_digest(tok, strlen(tok), d) == 0 && memcmp(d, s.digest, sizeof(d)) == 0,
	   "digest of the token");
	ok(session_holds(pol, &s, "alice", "cam-1", NOW), "holds now");
	ok(!session_holds(pol, &s, "alice", "cam-1", (S + 600) * 1000 + SKEW_MS),
	   "does not hold at exp and the skew");
	ok(session_from_static(pol, tok, &s) == NULL, "not a static session");
	ok(session_from_jwt(pol, "x.y.z", NOW, &s, &why) == NULL && why != NULL &&
	   strncmp(why, "jwt: ", 5) == 0, "garbage refused with a reason");
}

/* Loads the policy with jwks text as its JWKS; the load's result. */
static int
load_jwks_text(const char *jwks)
{
	struct lc_policy *p = NULL;
	int rc;

	if (mint_put(dir, "jwks.json", jwks) != 0)
		return -100;
	rc = load(&p);
	policy_free(p);
	return rc;
}

/* jwks_parse() of a NUL-terminated text. */
static int
jwks_parse_str(const char *text, struct jwks **out, char *why, size_t n)
{
	return jwks_parse(text, strlen(text), out, why, n);
}

static void
test_jwks(void)
{
	char k1[2048], k2[2048], doc[8192];
	struct minter weak;
	struct jwks *ks = NULL;
	char why[256];

	mint_jwk(&ed, k1, sizeof(k1));
	mint_jwk(&es, k2, sizeof(k2));
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", k1, k2);
	is_int(load_jwks_text(doc), 0, "a JWKS of two keys");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", k1, k1);
	is_int(load_jwks_text(doc), LC_EFORMAT, "a kid twice");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s],\"keys\":[]}", k1);
	is_int(load_jwks_text(doc), LC_EFORMAT, "a duplicate JSON key");
	snprintf(doc, sizeof(doc), "// keys\n{\"keys\":[%s]}", k1);
	is_int(load_jwks_text(doc), LC_EFORMAT, "a comment");
	snprintf(doc, sizeof(doc), "{\"keys\":[%.*s,\"d\":\"AAAA\"}]}",
	         (int)strlen(k1) - 1, k1);
	is_int(load_jwks_text(doc), LC_EFORMAT, "a private part (d)");
	snprintf(doc, sizeof(doc), "{\"keys\":[%.*s,\"x5u\":\"https://e/\"}]}",
	         (int)strlen(k1) - 1, k1);
	is_int(load_jwks_text(doc), LC_EFORMAT, "an x5u in a key");
	is_int(jwks_parse_str("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","
	                  "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}",
	                  &ks, why, sizeof(why)), LC_EFORMAT, "a key without alg");
	is_int(jwks_parse_str("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","
	                  "\"alg\":\"ES256\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}",
	                  &ks, why, sizeof(why)), LC_EFORMAT, "OKP with alg ES256");
	is_int(jwks_parse_str("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","
	                  "\"alg\":\"EdDSA\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}",
	                  &ks, why, sizeof(why)), 0, "RFC 8037's example key");
	jwks_free(ks);
	ks = NULL;
	is_int(jwks_parse_str("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\","
	                  "\"alg\":\"ES256\",\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	                  "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}]}",
	                  &ks, why, sizeof(why)), LC_EFORMAT, "an EC point off the curve");
	if (mint_keygen(&weak, JWK_RS256, "weak") == 0) {
		gnutls_privkey_deinit(weak.priv);
		gnutls_privkey_init(&weak.priv);
		if (gnutls_privkey_generate(weak.priv, GNUTLS_PK_RSA, 1024, 0) == 0 &&
		    mint_jwk(&weak, k2, sizeof(k2)) == 0) {
			snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", k2);
			is_int(jwks_parse_str(doc, &ks, why, sizeof(why)),
			       LC_EFORMAT, "RSA of 1024 bits");
			ok(strstr(why, "2048") != NULL, "says why: %s", why);
		} else {
			ok(1, "# SKIP 1024-bit RSA not generated");
			ok(1, "# SKIP");
		}
		mint_free(&weak);
	}
	is_int(load_jwks_text("not json"), LC_EFORMAT, "not JSON");
}

/* The JWKS with the four test keys. */
static int
write_jwks(void)
{
	char k[4][2048], doc[10000];

	if (mint_jwk(&ed, k[0], sizeof(k[0])) != 0 ||
	    mint_jwk(&eddsa, k[1], sizeof(k[1])) != 0 ||
	    mint_jwk(&es, k[2], sizeof(k[2])) != 0 ||
	    mint_jwk(&rs, k[3], sizeof(k[3])) != 0)
		return -1;
	snprintf(doc, sizeof(doc), "{\"keys\":[\n%s,\n%s,\n%s,\n%s]}\n", k[0], k[1],
	         k[2], k[3]);
	return mint_put(dir, "jwks.json", doc);
}

int
main(void)
{
	char pj[4096], cmd[300];

	tap_init();
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 99;
	if (mint_keygen(&ed, JWK_ED25519, "ed") || mint_keygen(&eddsa, JWK_EDDSA, "eddsa") ||
	    mint_keygen(&es, JWK_ES256, "es") || mint_keygen(&rs, JWK_RS256, "rs"))
		return 99;
	snprintf(pj, sizeof(pj), policy_fmt, 1);
	if (mint_put(dir, "policy.json", pj) != 0 || write_jwks() != 0)
		return 99;
	is_int(load(&pol), 0, "the policy with a JWT issuer loads");
	if (pol == NULL)
		return tap_done();
	ok(policy_jwt(pol) != NULL && policy_jwt(pol)->jwks != NULL &&
	   policy_jwt(pol)->jwks->n == 4, "four keys");
	claims_at(good_claims, sizeof(good_claims), S + 600, S - 10, S - 10);
	test_valid();
	test_header();
	test_base64url();
	test_size();
	test_claims();
	test_session();
	test_jwks();
	policy_free(pol);
	mint_free(&es);
	mint_free(&rs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove the temp dir");
	return tap_done();
}
