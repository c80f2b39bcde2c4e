/*
 * policy: JWKS files (jwks.h).  Only the public parts of four key types
 * are accepted, each key with its kid and its alg pinned; anything else
 * in a key (private parts "d", "p", ..., an x5c chain, a jku) refuses the
 * whole file, so that a misplaced private key or a URL to fetch is seen
 * at load time.  Canonical base64url lives here too: jwt.c needs the same
 * rule for tokens.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lenscap.h"
#include "json.h"
#include "jwks.h"

static const char *const alg_names[] = { "Ed25519", "EdDSA", "ES256", "RS256" };

/* The header name of a. */
const char *
jwk_alg_name(enum jwk_alg a)
{
	return (unsigned)a < 4 ? alg_names[a] : "?";
}

/* The alg named s[0..n), or -1. */
int
jwk_alg_parse(const char *s, size_t n)
{
	for (int i = 0; i < 4; i++)
		if (strlen(alg_names[i]) == n && memcmp(alg_names[i], s, n) == 0)
			return i;
	return -1;
}

/* ---- base64url ----------------------------------------------------------- */

/* The 6-bit value of c in the base64url alphabet, or -1. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Canonical only: n % 4 != 1, no padding, unused low bits zero. */
int
b64url_decode(const char *in, size_t n, uint8_t *out, size_t outmax,
              size_t *outlen)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0, v;

	if (n % 4 == 1)
		return LC_EFORMAT;
	if (n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > outmax)
		return LC_ESPACE;
	for (size_t i = 0; i < n; i++) {
		if ((v = b64url_value((unsigned char)in[i])) < 0)
			return LC_EFORMAT;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return LC_EFORMAT; /* trailing bits set: another text, same bytes */
	*outlen = o;
	return 0;
}

/* No padding; out NUL-terminated. */
size_t
b64url_encode(const uint8_t *in, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	if (n - i == 1) {
		out[o++] = abc[in[i] >> 2];
		out[o++] = abc[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = abc[v >> 10];
		out[o++] = abc[(v >> 4) & 63];
		out[o++] = abc[(v & 15) << 2];
	}
	out[o] = '\0';
	return o;
}

/* ---- keys ---------------------------------------------------------------- */

/* The string member key of k, or NULL. */
static const char *
member_str(const struct jnode *k, const char *key)
{
	const struct jnode *m = jnode_get(k, key);

	return m != NULL && m->type == J_STRING ? m->str : NULL;
}

/* Decodes the base64url member key of k into out (exactly n bytes if
 * exact, else at most n); its length, or -1. */
static long
member_b64(const struct jnode *k, const char *key, uint8_t *out, size_t n,
           int exact)
{
	const struct jnode *m = jnode_get(k, key);
	size_t len;

	if (m == NULL || m->type != J_STRING ||
	    b64url_decode(m->str, m->len, out, n, &len) != 0 || len == 0 ||
	    (exact && len != n))
		return -1;
	return (long)len;
}

/* Whether every member of k is one of allowed (NULL-ended). */
static int
only_keys(const struct jnode *k, const char *const *allowed)
{
	for (const struct jnode *m = k->child; m != NULL; m = m->next) {
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(m->key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return 0;
	}
	return 1;
}

/* An OKP Ed25519 key; 0 or -1 with *why. */
static int
key_okp(const struct jnode *k, struct jwk *out, const char **why)
{
	static const char *const keys[] = { "kty", "kid", "alg", "use", "crv",
	                                    "x", NULL };
	const char *crv = member_str(k, "crv");

	if (out->alg != JWK_ED25519 && out->alg != JWK_EDDSA)
		return *why = "kty OKP needs alg Ed25519 or EdDSA", -1;
	if (!only_keys(k, keys))
		return *why = "OKP key with members other than kty, kid, alg, "
		              "use, crv, x (a private key?)", -1;
	if (crv == NULL || strcmp(crv, "Ed25519") != 0)
		return *why = "OKP key: crv must be Ed25519", -1;
	if (member_b64(k, "x", out->ed25519, 32, 1) < 0)
		return *why = "OKP key: x is not 32 bytes of base64url", -1;
	return 0;
}

/* An EC P-256 key; 0 or -1 with *why. */
static int
key_ec(const struct jnode *k, struct jwk *out, const char **why)
{
	static const char *const keys[] = { "kty", "kid", "alg", "use", "crv",
	                                    "x", "y", NULL };
	const char *crv = member_str(k, "crv");
	uint8_t x[32], y[32];
	gnutls_datum_t dx = { x, 32 }, dy = { y, 32 };

	if (out->alg != JWK_ES256)
		return *why = "kty EC needs alg ES256", -1;
	if (!only_keys(k, keys))
		return *why = "EC key with members other than kty, kid, alg, "
		              "use, crv, x, y (a private key?)", -1;
	if (crv == NULL || strcmp(crv, "P-256") != 0)
		return *why = "EC key: crv must be P-256", -1;
	if (member_b64(k, "x", x, 32, 1) < 0 || member_b64(k, "y", y, 32, 1) < 0)
		return *why = "EC key: x and y must be 32 bytes of base64url", -1;
	if (gnutls_pubkey_init(&out->pub) < 0)
		return *why = "out of memory", -1;
	if (gnutls_pubkey_import_ecc_raw(out->pub, GNUTLS_ECC_CURVE_SECP256R1,
	                                 &dx, &dy) < 0 ||
	    gnutls_pubkey_verify_params(out->pub) < 0)
		return *why = "EC key: not a point of P-256", -1;
	return 0;
}

/* An RSA key of at least 2048 bits; 0 or -1 with *why. */
static int
key_rsa(const struct jnode *k, struct jwk *out, const char **why)
{
	static const char *const keys[] = { "kty", "kid", "alg", "use", "n",
	                                    "e", NULL };
	uint8_t n[1024], e[16];
	long nl, el;
	unsigned bits = 0;
	gnutls_datum_t dn, de;

	if (out->alg != JWK_RS256)
		return *why = "kty RSA needs alg RS256", -1;
	if (!only_keys(k, keys))
		return *why = "RSA key with members other than kty, kid, alg, "
		              "use, n, e (a private key?)", -1;
	if ((nl = member_b64(k, "n", n, sizeof(n), 0)) < 0 ||
	    (el = member_b64(k, "e", e, sizeof(e), 0)) < 0 || n[0] == 0 ||
	    e[0] == 0)
		return *why = "RSA key: n and e must be base64url without "
		              "leading zeros (n at most 8192 bits)", -1;
	dn = (gnutls_datum_t){ n, (unsigned)nl };
	de = (gnutls_datum_t){ e, (unsigned)el };
	if (gnutls_pubkey_init(&out->pub) < 0)
		return *why = "out of memory", -1;
	if (gnutls_pubkey_import_rsa_raw(out->pub, &dn, &de) < 0 ||
	    gnutls_pubkey_get_pk_algorithm(out->pub, &bits) != GNUTLS_PK_RSA)
		return *why = "RSA key: cannot import n and e", -1;
	if (bits < 2048)
		return *why = "RSA key: fewer than 2048 bits", -1;
	return 0;
}

/* k's print: the SHA-256 of its Ed25519 key, or of its
 * SubjectPublicKeyInfo; a session keeps it to know its key again. */
static int
key_print(struct jwk *k, const char **why)
{
	size_t n = sizeof(k->print);

	if (k->alg == JWK_ED25519 || k->alg == JWK_EDDSA)
		return crypto_hash_sha256(k->print, k->ed25519, sizeof(k->ed25519)) == 0
		       ? 0 : (*why = "key print", -1);
	if (gnutls_pubkey_get_key_id(k->pub, GNUTLS_KEYID_USE_SHA256, k->print, &n) < 0 ||
	    n != sizeof(k->print))
		return *why = "key print", -1;
	return 0;
}

/* One key of the "keys" array into out; 0 or -1 with *why. */
static int
parse_key(const struct jnode *k, struct jwk *out, const char **why)
{
	const char *kty, *kid, *alg, *use;
	int a;

	if (k->type != J_OBJECT)
		return *why = "a key is not an object", -1;
	kty = member_str(k, "kty");
	kid = member_str(k, "kid");
	alg = member_str(k, "alg");
	use = member_str(k, "use");
	if (kid == NULL || kid[0] == '\0' || strlen(kid) > JWK_KID_MAX)
		return *why = "a key needs a kid (1 to 128 bytes)", -1;
	snprintf(out->kid, sizeof(out->kid), "%s", kid);
	if (alg == NULL || (a = jwk_alg_parse(alg, strlen(alg))) < 0)
		return *why = "a key needs an alg: Ed25519, EdDSA, ES256 or RS256", -1;
	out->alg = (enum jwk_alg)a;
	if (jnode_get(k, "use") != NULL && (use == NULL || strcmp(use, "sig") != 0))
		return *why = "a key's use, if given, must be sig", -1;
	if (kty == NULL)
		return *why = "a key needs a kty", -1;
	if (strcmp(kty, "OKP") == 0)
		return key_okp(k, out, why) == 0 ? key_print(out, why) : -1;
	if (strcmp(kty, "EC") == 0)
		return key_ec(k, out, why) == 0 ? key_print(out, why) : -1;
	if (strcmp(kty, "RSA") == 0)
		return key_rsa(k, out, why) == 0 ? key_print(out, why) : -1;
	return *why = "kty must be OKP, EC or RSA", -1;
}

/* Puts the first JSON error of errs into whybuf. */
static void
json_why(const struct perrs *errs, char *whybuf, size_t whylen)
{
	if (errs->n > 0)
		snprintf(whybuf, whylen, "line %u, column %u: %s",
		         (unsigned)errs->v[0].pos.line,
		         (unsigned)errs->v[0].pos.col, errs->v[0].text);
	else
		snprintf(whybuf, whylen, "not JSON");
}

int
jwks_parse(const char *buf, size_t len, struct jwks **out, char *whybuf,
           size_t whylen)
{
	struct arena a = { 0 };
	struct perrs errs = { 0 };
	struct jnode *root = NULL;
	const struct jnode *keys;
	struct jwks *ks = NULL;
	const char *why = NULL;
	size_t i = 0;
	int rc = LC_EFORMAT;

	snprintf(whybuf, whylen, "%s", "");
	if (len > JWKS_MAX_BYTES) {
		why = "larger than 1 MiB";
		goto fail;
	}
	rc = json_parse_strict(&a, buf, len, 0, &errs, &root);
	if (rc == 0 && perrs_count(&errs) != 0)
		rc = LC_EFORMAT; /* a duplicate key, a \u0000 */
	if (rc != 0) {
		if (rc == LC_EFORMAT)
			json_why(&errs, whybuf, whylen);
		goto fail;
	}
	rc = LC_EFORMAT;
	if (root->type != J_OBJECT || (keys = jnode_get(root, "keys")) == NULL ||
	    keys->type != J_ARRAY || root->len != 1) {
		why = "not {\"keys\": [...]}";
		goto fail;
	}
	if (keys->len == 0 || keys->len > JWKS_MAX_KEYS) {
		why = "\"keys\" must hold 1 to 64 keys";
		goto fail;
	}
	rc = LC_ENOMEM;
	if ((ks = calloc(1, sizeof(*ks))) == NULL ||
	    (ks->v = calloc(keys->len, sizeof(*ks->v))) == NULL)
		goto fail;
	rc = LC_EFORMAT;
	for (const struct jnode *k = keys->child; k != NULL; k = k->next, i++) {
		ks->n = i + 1;
		if (parse_key(k, &ks->v[i], &why) != 0) {
			snprintf(whybuf, whylen, "keys[%zu]: %s", i, why);
			why = NULL;
			goto fail;
		}
		if (jwks_find(ks, ks->v[i].kid, strlen(ks->v[i].kid)) != &ks->v[i]) {
			snprintf(whybuf, whylen, "keys[%zu]: kid \"%s\" twice", i,
			         ks->v[i].kid);
			goto fail;
		}
	}
	*out = ks;
	ks = NULL;
	rc = 0;
fail:
	if (why != NULL)
		snprintf(whybuf, whylen, "%s", why);
	jwks_free(ks);
	perrs_free(&errs);
	arena_free(&a);
	return rc;
}

int
jwks_load(const char *path, struct jwks **out, char *whybuf, size_t whylen)
{
	char *buf = NULL;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd, rc = LC_EIO;

	snprintf(whybuf, whylen, "%s", "");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		goto fail;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto fail;
	if ((size_t)st.st_size > JWKS_MAX_BYTES) {
		snprintf(whybuf, whylen, "larger than 1 MiB");
		rc = LC_EFORMAT;
		goto fail;
	}
	rc = LC_ENOMEM;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	rc = LC_EIO;
	while (len < (size_t)st.st_size) {
		got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			goto fail;
		len += (size_t)got;
	}
	rc = jwks_parse(buf, len, out, whybuf, whylen);
fail:
	if (rc == LC_EIO && whybuf[0] == '\0')
		snprintf(whybuf, whylen, "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

const struct jwk *
jwks_find(const struct jwks *ks, const char *kid, size_t n)
{
	if (ks == NULL || n > JWK_KID_MAX)
		return NULL;
	for (size_t i = 0; i < ks->n; i++)
		if (strlen(ks->v[i].kid) == n && memcmp(ks->v[i].kid, kid, n) == 0)
			return &ks->v[i];
	return NULL;
}

void
jwks_free(struct jwks *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].pub != NULL)
			gnutls_pubkey_deinit(ks->v[i].pub);
	free(ks->v);
	free(ks);
}
