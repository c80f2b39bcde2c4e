/*
 * Checks liblenscap against the committed known-answer vectors in
 * $top_srcdir/tests/vectors/NAME.vec: positive ones must seal to exactly
 * their bytes and open to their fields, negative ones fail for their reason.
 * Keyed-seal vectors (algorithm 3) are also checked against the
 * construction computed apart from the library (mac-ref.h), and so is
 * what the library seals: it draws its own salt, so only that and the
 * tag may differ from the vector.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lenscap.h"
#include "mac-ref.h"
#include "../unit/tap.h"

#define EXIT_HARD_ERROR 99
#define MAX_KEYS 4
#define STR_MAX 256

/* One vector file as read; strings are NUL-terminated. */
struct vector {
	char name[STR_MAX];
	int positive;
	uint8_t seed[LC_SEED_BYTES];
	uint8_t pk[LC_PUBLICKEY_BYTES];
	uint8_t key_id[LC_KEY_ID_BYTES];
	char secret_key_file[STR_MAX];
	char public_key_file[STR_MAX];
	char device[STR_MAX];
	char kind[STR_MAX];
	char stream_id[STR_MAX];
	uint64_t seq, capture_ms;
	char content_type[STR_MAX];
	uint8_t *body;
	size_t body_len;
	uint64_t header_len, body_len_field;
	uint8_t digest[LC_DIGEST_BYTES];
	uint8_t signature[LC_SIGNATURE_BYTES];
	uint8_t *sealed;
	size_t sealed_len;
	uint8_t ring_pk[MAX_KEYS][LC_PUBLICKEY_BYTES];
	char ring_devices[MAX_KEYS][STR_MAX];
	size_t nring;
	uint8_t ring_mac[MAX_KEYS][LC_MAC_SECRET_BYTES];
	size_t nring_mac;
	uint64_t max_body;
	char expect[STR_MAX];
	char hls_name[STR_MAX];  /* "" when the vector names no HLS object */
	uint64_t alg;            /* 1 unless the vector says */
	uint8_t mac_secret[LC_MAC_SECRET_BYTES];
	char mac_secret_file[STR_MAX];
	uint8_t salt[LC_MAC_SALT_BYTES];
	uint64_t counter;
	uint8_t derived_key[32];
	uint8_t nonce[REF_NONCE_BYTES];
	uint8_t tag[LC_TAG_BYTES];
	uint64_t seen; /* bit per field, to find missing ones */
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* the files use lower case only */
}

/* Decodes exactly n bytes of hex from s (which must end there); 0 or -1. */
static int
unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Decodes hex of any even length into a fresh buffer; 0 or -1. */
static int
unhex_alloc(const char *s, uint8_t **out, size_t *n)
{
	size_t len = strlen(s);

	if (len % 2 != 0 || (*out = malloc(len / 2 + 1)) == NULL)
		return -1;
	*n = len / 2;
	return unhex(s, *out, *n);
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
copy_str(char *dst, const char *s)
{
	size_t n = strlen(s);

	if (n >= STR_MAX)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* "<64 hex> dev [dev...]" into the next keyring slot. */
static int
parse_key(struct vector *v, const char *s)
{
	char hex[2 * LC_PUBLICKEY_BYTES + 1];
	const char *sp = strchr(s, ' ');

	if (v->nring == MAX_KEYS || sp == NULL ||
	    (size_t)(sp - s) != 2 * LC_PUBLICKEY_BYTES)
		return -1;
	memcpy(hex, s, (size_t)(sp - s));
	hex[sp - s] = '\0';
	if (unhex(hex, v->ring_pk[v->nring], LC_PUBLICKEY_BYTES) != 0 ||
	    copy_str(v->ring_devices[v->nring], sp + 1) != 0)
		return -1;
	v->nring++;
	return 0;
}

/* "<64 hex>": a keyed-seal secret into the next keyring slot. */
static int
parse_mac_key(struct vector *v, const char *s)
{
	if (v->nring_mac == MAX_KEYS ||
	    unhex(s, v->ring_mac[v->nring_mac], LC_MAC_SECRET_BYTES) != 0)
		return -1;
	v->nring_mac++;
	return 0;
}

enum {
	F_NAME, F_TYPE, F_SEED, F_PK, F_KEYID, F_SKFILE, F_PKFILE, F_DEVICE,
	F_KIND, F_SID, F_SEQ, F_TIME, F_CTYPE, F_BODY, F_HLEN, F_BLEN,
	F_DIGEST, F_SIG, F_SEALED, F_KEY, F_MAXBODY, F_EXPECT,
	F_HLSNAME, /* optional: an HLS object's name, whose id stream_id is */
	/* the keyed seal's (algorithm 3) */
	F_ALG, F_MACSECRET, F_MACFILE, F_SALT, F_COUNTER, F_DERIVED, F_NONCE,
	F_TAG, F_MACKEY
};
#define BIT(f) ((uint64_t)1 << (f))
#define COMMON_FIELDS (BIT(F_NAME) | BIT(F_TYPE) | BIT(F_SEALED) | \
                       BIT(F_MAXBODY) | BIT(F_EXPECT))
#define INPUT_FIELDS (BIT(F_KEYID) | BIT(F_DEVICE) | BIT(F_KIND) | BIT(F_SID) | \
                      BIT(F_SEQ) | BIT(F_TIME) | BIT(F_CTYPE) | BIT(F_BODY) | \
                      BIT(F_HLEN) | BIT(F_BLEN))
#define POSITIVE_FIELDS (COMMON_FIELDS | INPUT_FIELDS | BIT(F_SEED) | BIT(F_PK) | \
                         BIT(F_SKFILE) | BIT(F_PKFILE) | BIT(F_DIGEST) | \
                         BIT(F_SIG) | BIT(F_KEY))
#define MAC_FIELDS (BIT(F_ALG) | BIT(F_MACSECRET) | BIT(F_MACFILE) | BIT(F_SALT) | \
                    BIT(F_COUNTER) | BIT(F_DERIVED) | BIT(F_NONCE) | BIT(F_TAG))
#define POSITIVE_MAC_FIELDS (COMMON_FIELDS | INPUT_FIELDS | MAC_FIELDS | BIT(F_MACKEY))

/* Sets one field from a "name = value" line; 0 or -1. */
static int
set_field(struct vector *v, const char *k, const char *val)
{
	static const char *const names[] = {
		"name", "type", "seed", "public_key", "key_id", "secret_key_file",
		"public_key_file", "device", "kind", "stream_id", "seq",
		"capture_ms", "content_type", "body", "header_len", "body_len",
		"digest", "signature", "sealed", "key", "max_body", "expect",
		"hls_name", "algorithm", "mac_secret", "mac_secret_file", "salt",
		"counter", "derived_key", "nonce", "tag", "mac_key",
	};
	int f = -1;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(k, names[i]) == 0)
			f = (int)i;
	if (f < 0 || (f != F_KEY && f != F_MACKEY && (v->seen & BIT(f))))
		return -1; /* unknown or repeated */
	v->seen |= BIT(f);
	switch (f) {
	case F_NAME: return copy_str(v->name, val);
	case F_TYPE:
		v->positive = strcmp(val, "positive") == 0;
		return v->positive || strcmp(val, "negative") == 0 ? 0 : -1;
	case F_SEED: return unhex(val, v->seed, sizeof(v->seed));
	case F_PK: return unhex(val, v->pk, sizeof(v->pk));
	case F_KEYID: return unhex(val, v->key_id, sizeof(v->key_id));
	case F_SKFILE: return copy_str(v->secret_key_file, val);
	case F_PKFILE: return copy_str(v->public_key_file, val);
	case F_DEVICE: return copy_str(v->device, val);
	case F_KIND: return copy_str(v->kind, val);
	case F_SID: return copy_str(v->stream_id, val);
	case F_SEQ: return parse_u64(val, &v->seq);
	case F_TIME: return parse_u64(val, &v->capture_ms);
	case F_CTYPE: return copy_str(v->content_type, val);
	case F_BODY: return unhex_alloc(val, &v->body, &v->body_len);
	case F_HLEN: return parse_u64(val, &v->header_len);
	case F_BLEN: return parse_u64(val, &v->body_len_field);
	case F_DIGEST: return unhex(val, v->digest, sizeof(v->digest));
	case F_SIG: return unhex(val, v->signature, sizeof(v->signature));
	case F_SEALED: return unhex_alloc(val, &v->sealed, &v->sealed_len);
	case F_KEY: return parse_key(v, val);
	case F_MAXBODY: return parse_u64(val, &v->max_body);
	case F_EXPECT: return copy_str(v->expect, val);
	case F_HLSNAME: return copy_str(v->hls_name, val);
	case F_ALG: return parse_u64(val, &v->alg);
	case F_MACSECRET: return unhex(val, v->mac_secret, sizeof(v->mac_secret));
	case F_MACFILE: return copy_str(v->mac_secret_file, val);
	case F_SALT: return unhex(val, v->salt, sizeof(v->salt));
	case F_COUNTER: return parse_u64(val, &v->counter);
	case F_DERIVED: return unhex(val, v->derived_key, sizeof(v->derived_key));
	case F_NONCE: return unhex(val, v->nonce, sizeof(v->nonce));
	case F_TAG: return unhex(val, v->tag, sizeof(v->tag));
	case F_MACKEY: return parse_mac_key(v, val);
	default: return -1;
	}
}

/* Reads a vector file; 0, or -1 with a diagnostic printed. */
static int
read_vector(const char *path, struct vector *v)
{
	char *line = NULL, *eq, *k, *val, *end;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	uint64_t want;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL)
			goto bad;
		/* Trim "name = value" around the first '='. */
		k = line;
		for (end = eq; end > k && end[-1] == ' '; end--)
			;
		*end = '\0';
		for (val = eq + 1; *val == ' '; val++)
			;
		if (set_field(v, k, val) != 0)
			goto bad;
	}
	if (ferror(f)) {
		printf("# %s: read error\n", path);
		goto out;
	}
	if ((v->seen & BIT(F_ALG)) == 0)
		v->alg = LC_ALG_ED25519_SHA256;
	want = !v->positive ? COMMON_FIELDS
	     : v->alg == LC_ALG_MAC_AES256GCM ? POSITIVE_MAC_FIELDS : POSITIVE_FIELDS;
	if ((v->seen & want) != want || (v->nring == 0 && v->nring_mac == 0)) {
		printf("# %s: fields missing (have %#llx)\n", path,
		       (unsigned long long)v->seen);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	printf("# %s:%u: bad line\n", path, lineno);
out:
	free(line);
	(void)fclose(f);
	return rc;
}

/* Builds the vector's keyring; 0 or -1. */
static int
make_ring(const struct vector *v, struct lc_keyring **out)
{
	struct lc_keyring *kr = NULL;

	if (lc_keyring_new(&kr) != 0)
		return -1;
	for (size_t i = 0; i < v->nring; i++) {
		const char *devs[8];
		char buf[STR_MAX], *save = NULL, *tok;
		size_t nd = 0;

		memcpy(buf, v->ring_devices[i], sizeof(buf));
		for (tok = strtok_r(buf, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			if (nd == sizeof(devs) / sizeof(devs[0]))
				goto fail;
			devs[nd++] = tok;
		}
		if (lc_keyring_add(kr, v->ring_pk[i], devs, nd) != 0)
			goto fail;
	}
	for (size_t i = 0; i < v->nring_mac; i++) {
		struct lc_mac_key *k;
		int rc;

		if (lc_mac_key_from_secret(v->ring_mac[i], &k) != 0)
			goto fail;
		rc = lc_keyring_add_mac(kr, k);
		lc_mac_key_free(k);
		if (rc != 0)
			goto fail;
	}
	*out = kr;
	return 0;
fail:
	lc_keyring_free(kr);
	return -1;
}

/* Whether key file line loads, through a 0600 temporary file, into a
 * key that matches v (load says). */
static int
key_file_loads(const struct vector *v, const char *line,
               int (*load)(const struct vector *, const char *))
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	size_t n = strlen(line);
	int fd, ok_ = 0, w;

	w = snprintf(path, sizeof(path), "%s/t-vectors.XXXXXX",
	             tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (w < 0 || (size_t)w >= sizeof(path) || (fd = mkstemp(path)) == -1)
		return 0;
	if (write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && close(fd) == 0) {
		fd = -1;
		ok_ = load(v, path);
	}
	if (fd != -1)
		(void)close(fd);
	(void)unlink(path);
	return ok_;
}

/* The secret key file gives the vector's public key. */
static int
secret_matches(const struct vector *v, const char *path)
{
	struct lc_secret_key *k = NULL;
	int ok_ = lc_key_load_secret(path, &k) == 0 &&
	          memcmp(lc_key_public(k), v->pk, LC_PUBLICKEY_BYTES) == 0;

	lc_key_free(k);
	return ok_;
}

/* The MAC secret file gives the vector's key id. */
static int
mac_matches(const struct vector *v, const char *path)
{
	struct lc_mac_key *k = NULL;
	int ok_ = lc_mac_key_load(path, &k) == 0 &&
	          memcmp(lc_mac_key_id(k), v->key_id, LC_KEY_ID_BYTES) == 0;

	lc_mac_key_free(k);
	return ok_;
}

/* The sealing inputs of v. */
static void
inputs(const struct vector *v, struct lc_seal_params *p)
{
	memset(p, 0, sizeof(*p));
	p->device = v->device;
	p->kind = lc_kind_from_name(v->kind);
	p->stream_id = v->stream_id;
	p->seq = v->seq;
	p->capture_ms = v->capture_ms;
	p->content_type = v->content_type;
}

/* v's frame opens with kr to exactly its fields and body. */
static void
check_opens(const struct vector *v, const struct lc_keyring *kr, int kind)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_INTERNAL;
	int rc;

	rc = lc_envelope_open(v->sealed, v->sealed_len, kr, v->max_body, &env,
	                      &why);
	if (!ok(rc == 0, "%s: opens", v->name)) {
		printf("#   rc %d, reason %s\n", rc, lc_drop_name(why));
		return;
	}
	ok(strcmp(v->expect, "none") == 0, "%s: expect = none", v->name);
	ok(env.version == LC_ENVELOPE_VERSION && env.alg == (int)v->alg,
	   "%s: version and algorithm", v->name);
	ok(memcmp(env.key_id, v->key_id, sizeof(env.key_id)) == 0,
	   "%s: key id", v->name);
	ok(strcmp(env.device, v->device) == 0, "%s: device", v->name);
	ok(env.kind == kind && kind > 0, "%s: kind", v->name);
	ok(strcmp(env.stream_id, v->stream_id) == 0, "%s: stream id", v->name);
	if (v->hls_name[0] != '\0') {
		char sid[LC_HLS_STREAM_ID_LEN + 1];

		ok(lc_hls_stream_id(v->hls_name, sid) == 0 && strcmp(sid, v->stream_id) == 0,
		   "%s: stream id is hls_name's", v->name);
	}
	ok(env.seq == v->seq, "%s: seq", v->name);
	ok(env.capture_ms == v->capture_ms, "%s: capture_ms", v->name);
	ok(strcmp(env.content_type, v->content_type) == 0, "%s: content type",
	   v->name);
	ok(env.header_len == v->header_len, "%s: header_len", v->name);
	ok(env.body_len == v->body_len_field && env.body_len == v->body_len,
	   "%s: body_len", v->name);
	if (v->alg == LC_ALG_MAC_AES256GCM) {
		ok(memcmp(env.digest, v->salt, LC_MAC_SALT_BYTES) == 0 &&
		   memcmp(env.digest + LC_MAC_SALT_BYTES, v->nonce + 4, 8) == 0,
		   "%s: nonce field", v->name);
		ok(memcmp(env.signature, v->tag, LC_TAG_BYTES) == 0, "%s: tag", v->name);
	} else {
		ok(memcmp(env.digest, v->digest, sizeof(env.digest)) == 0,
		   "%s: digest", v->name);
		ok(memcmp(env.signature, v->signature, sizeof(env.signature)) == 0,
		   "%s: signature", v->name);
	}
	ok(env.body == v->sealed + env.header_len &&
	   (v->body_len == 0 || memcmp(env.body, v->body, v->body_len) == 0),
	   "%s: body", v->name);
}

static void
check_positive(const struct vector *v, const struct lc_keyring *kr)
{
	struct lc_secret_key *k = NULL;
	struct lc_seal_params p;
	uint8_t id[LC_KEY_ID_BYTES], pk[LC_PUBLICKEY_BYTES], *out;
	size_t n = 0, cap = LC_HEADER_MAX + v->body_len;
	int rc;

	if (!ok(lc_key_from_seed(v->seed, &k) == 0, "%s: key from seed", v->name))
		return;
	ok(memcmp(lc_key_public(k), v->pk, sizeof(v->pk)) == 0,
	   "%s: public key from seed", v->name);
	ok(lc_key_id_from_public(v->pk, id) == 0 &&
	   memcmp(id, v->key_id, sizeof(id)) == 0 &&
	   memcmp(lc_key_id(k), v->key_id, sizeof(id)) == 0,
	   "%s: key id from public key", v->name);
	ok(lc_key_parse_public(v->public_key_file, pk) == 0 &&
	   memcmp(pk, v->pk, sizeof(pk)) == 0, "%s: public key file line",
	   v->name);
	ok(key_file_loads(v, v->secret_key_file, secret_matches),
	   "%s: secret key file line", v->name);

	inputs(v, &p);
	if ((out = malloc(cap)) == NULL)
		goto out;
	rc = lc_envelope_seal(k, &p, v->body, v->body_len, out, cap, &n);
	ok(rc == 0 && n == v->sealed_len && memcmp(out, v->sealed, n) == 0,
	   "%s: sealing gives exactly the vector's bytes", v->name);
	free(out);
	check_opens(v, kr, p.kind);
out:
	lc_key_free(k);
}

/* Whether frame (n bytes) differs from the vector's only in the nonce
 * field and the tag, and its tag is the construction's for its own. */
static int
same_but_nonce(const struct vector *v, const uint8_t *frame, size_t n)
{
	size_t tag_at = v->header_len - LC_TAG_BYTES;
	uint8_t want[LC_TAG_BYTES];

	return n == v->sealed_len &&
	       memcmp(frame, v->sealed, REF_FIELD_OFF) == 0 &&
	       memcmp(frame + REF_FIELD_OFF + LC_DIGEST_BYTES,
	              v->sealed + REF_FIELD_OFF + LC_DIGEST_BYTES,
	              tag_at - REF_FIELD_OFF - LC_DIGEST_BYTES) == 0 &&
	       memcmp(frame + v->header_len, v->sealed + v->header_len,
	              n - v->header_len) == 0 &&
	       ref_mac_tag(v->mac_secret, frame, v->header_len, frame + v->header_len,
	                   n - v->header_len, want) == 0 &&
	       memcmp(frame + tag_at, want, LC_TAG_BYTES) == 0;
}

/* The vector's frame verifies in two pieces cut anywhere in the body. */
static int
every_split_verifies(const struct vector *v, const struct lc_keyring *kr)
{
	struct lc_envelope env;
	struct lc_mac_verifier mv;
	enum lc_drop why;
	const uint8_t *b = v->sealed + v->header_len;

	if (lc_envelope_parse(v->sealed, v->sealed_len, &env, &why) != 0)
		return 0;
	for (size_t cut = 0; cut <= v->body_len; cut++)
		if (lc_mac_verifier_init(&mv, &env, kr, &why) != 0 ||
		    lc_mac_verifier_update(&mv, b, cut) != 0 ||
		    lc_mac_verifier_update(&mv, b + cut, v->body_len - cut) != 0 ||
		    lc_mac_verifier_final(&mv, &why) != 0)
			return 0;
	return 1;
}

static void
check_positive_mac(const struct vector *v, const struct lc_keyring *kr)
{
	uint8_t id[LC_KEY_ID_BYTES], key[32], nonce[REF_NONCE_BYTES], tag[LC_TAG_BYTES];
	uint8_t field[LC_DIGEST_BYTES], *out;
	struct lc_mac_key *k = NULL;
	struct lc_seal_params p;
	size_t n = 0, cap = LC_HEADER_MAX + v->body_len;
	int rc;

	ok(lc_mac_key_id_from_secret(v->mac_secret, id) == 0 &&
	   memcmp(id, v->key_id, sizeof(id)) == 0, "%s: key id from secret", v->name);
	ok(key_file_loads(v, v->mac_secret_file, mac_matches),
	   "%s: MAC secret file line", v->name);
	memcpy(field, v->salt, LC_MAC_SALT_BYTES);
	for (int i = 0; i < 8; i++)
		field[LC_MAC_SALT_BYTES + i] = (uint8_t)(v->counter >> (56 - 8 * i));
	ref_mac_nonce(field, nonce);
	ok(ref_mac_key(v->mac_secret, v->salt, key) == 0 &&
	   memcmp(key, v->derived_key, sizeof(key)) == 0,
	   "%s: derived key is HKDF-SHA256(salt, secret)", v->name);
	ok(memcmp(nonce, v->nonce, sizeof(nonce)) == 0, "%s: nonce from counter", v->name);
	ok(v->header_len <= v->sealed_len &&
	   memcmp(v->sealed + REF_FIELD_OFF, field, sizeof(field)) == 0 &&
	   ref_mac_tag(v->mac_secret, v->sealed, v->header_len,
	               v->sealed + v->header_len, v->sealed_len - v->header_len, tag) == 0 &&
	   memcmp(tag, v->tag, sizeof(tag)) == 0 &&
	   memcmp(v->sealed + v->header_len - LC_TAG_BYTES, tag, sizeof(tag)) == 0,
	   "%s: the tag is AES-256-GCM's over header and body", v->name);

	inputs(v, &p);
	if (!ok(lc_mac_key_from_secret(v->mac_secret, &k) == 0, "%s: key from secret",
	        v->name) || (out = malloc(cap)) == NULL)
		goto out;
	rc = lc_envelope_seal_mac(k, &p, v->body, v->body_len, out, cap, &n);
	ok(rc == 0 && same_but_nonce(v, out, n),
	   "%s: sealing gives the vector's bytes but its own nonce field and tag",
	   v->name);
	free(out);
	check_opens(v, kr, p.kind);
	ok(every_split_verifies(v, kr), "%s: verifies in two pieces, cut anywhere",
	   v->name);
out:
	lc_mac_key_free(k);
}

/* Whether a name is a reason that lc_envelope_open() gives. */
static int
open_reason(const char *name)
{
	int r = lc_drop_from_name(name);

	return r >= LC_DROP_MALFORMED && r <= LC_DROP_DIGEST_MISMATCH ? r : -1;
}

static void
check_negative(const struct vector *v, const struct lc_keyring *kr)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_NONE;
	int want = open_reason(v->expect), rc;

	if (!ok(want > 0, "%s: expect = %s is an open reason", v->name, v->expect))
		return;
	rc = lc_envelope_open(v->sealed, v->sealed_len, kr, v->max_body, &env,
	                      &why);
	if (!ok(rc == LC_EREJECTED && (int)why == want, "%s: refused as %s",
	        v->name, v->expect))
		printf("#   rc %d, reason %s\n", rc, lc_drop_name(why));
}

static int
is_vec(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 &&
	       strcmp(d->d_name + n - 4, ".vec") == 0;
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	struct dirent **names = NULL;
	char dir[4096], path[8192];
	unsigned reasons = 0;
	int n, npos = 0, npos_mac = 0, w;

	tap_init();
	w = snprintf(dir, sizeof(dir), "%s/tests/vectors",
	             top != NULL && *top != '\0' ? top : ".");
	if (w < 0 || (size_t)w >= sizeof(dir))
		return EXIT_HARD_ERROR;
	if ((n = scandir(dir, &names, is_vec, alphasort)) <= 0) {
		printf("Bail out! %s: no vector files\n", dir);
		return EXIT_HARD_ERROR;
	}
	for (int i = 0; i < n; i++) {
		struct vector *v = calloc(1, sizeof(*v));
		struct lc_keyring *kr = NULL;

		w = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (v == NULL || w < 0 || (size_t)w >= sizeof(path)) {
			printf("Bail out! out of memory\n");
			return EXIT_HARD_ERROR;
		}
		if (!ok(read_vector(path, v) == 0, "%s: reads", names[i]->d_name) ||
		    !ok(make_ring(v, &kr) == 0, "%s: keyring", names[i]->d_name))
			goto next;
		if (v->positive && v->alg == LC_ALG_MAC_AES256GCM) {
			npos_mac++;
			check_positive_mac(v, kr);
		} else if (v->positive) {
			npos++;
			check_positive(v, kr);
		} else {
			int r = open_reason(v->expect);

			if (r > 0)
				reasons |= 1u << r;
			check_negative(v, kr);
		}
next:
		lc_keyring_free(kr);
		free(v->body);
		free(v->sealed);
		free(v);
		free(names[i]);
	}
	free(names);
	ok(npos >= 4, "at least 4 positive vectors (%d)", npos);
	ok(npos_mac >= 4, "at least 4 positive keyed-seal vectors (%d)", npos_mac);
	for (int r = LC_DROP_MALFORMED; r <= LC_DROP_DIGEST_MISMATCH; r++)
		ok(reasons & (1u << r), "a negative vector for %s",
		   lc_drop_name((enum lc_drop)r));
	return tap_done();
}
