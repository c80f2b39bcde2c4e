/*
 * Token introspection (introspect.h): the form body, the strict reading
 * of the endpoint's answer with yajl, and the answer cache: a set-
 * associative table (INTRO_WAYS entries a set, the set chosen by a keyed
 * hash of the digest), so that memory is bounded and a full set evicts
 * its oldest.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yajl/yajl_parse.h>

#include "assistant/introspect.h"

#define INTRO_WAYS 4         /* entries of a cache set */
#define INTRO_KEYS 64        /* distinct top-level keys an answer may have */
#define INTRO_KEY_MAX 64     /* bytes of each */
#define INTRO_DEPTH 16       /* nesting an answer may have */

const char *
introspect_verdict_reason(enum intro_verdict v)
{
	switch (v) {
	case INTRO_INACTIVE:  return "introspection: inactive";
	case INTRO_WRONG_AUD: return "introspection: wrong aud";
	case INTRO_WRONG_ISS: return "introspection: wrong iss";
	default:              return "introspection: active";
	}
}

/* ---- the request body ----------------------------------------------------- */

char *
introspect_body(const char *token, size_t *len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(token);
	char *b, *o;

	if (n > (SIZE_MAX - 7) / 3 || (b = malloc(6 + 3 * n + 1)) == NULL)
		return NULL;
	memcpy(b, "token=", 6);
	o = b + 6;
	for (const unsigned char *p = (const unsigned char *)token; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	*len = (size_t)(o - b);
	return b;
}

/* ---- the answer ------------------------------------------------------------ */

enum ikey { K_OTHER, K_ACTIVE, K_SUB, K_EXP, K_AUD, K_ISS };

struct iparse {
	const struct policy_introspection *in;
	int depth;             /* 1: inside the answer's object */
	enum ikey cur;         /* the top-level key whose value comes */
	int aud_array;         /* inside "aud"'s array */
	char keys[INTRO_KEYS][INTRO_KEY_MAX + 1];
	size_t nkeys;
	int have_active, active, have_sub, sub_bad, have_aud, aud_ok, have_iss, iss_ok;
	int64_t exp;
	char sub[LC_DEVICE_MAX + 1];
};

/* Whether the top-level value now coming is one lenscapd reads. */
static int
known(const struct iparse *p)
{
	return p->depth == 1 && p->cur != K_OTHER;
}

/* One aud value: whether it is the policy's audience. */
static void
aud_value(struct iparse *p, const unsigned char *s, size_t n)
{
	const char *want = p->in->audience;

	if (want != NULL && strlen(want) == n && memcmp(want, s, n) == 0)
		p->aud_ok = 1;
}

static int
on_null(void *ctx)
{
	struct iparse *p = ctx;

	return p->depth > 0 && !known(p) && !p->aud_array;
}

static int
on_boolean(void *ctx, int b)
{
	struct iparse *p = ctx;

	if (p->depth == 0 || p->aud_array)
		return 0;
	if (!known(p))
		return 1;
	if (p->cur != K_ACTIVE)
		return 0;
	p->have_active = 1;
	p->active = b;
	return 1;
}

static int
on_integer(void *ctx, long long v)
{
	struct iparse *p = ctx;

	if (p->depth == 0 || p->aud_array)
		return 0;
	if (!known(p))
		return 1;
	if (p->cur != K_EXP || v <= 0)
		return 0;
	p->exp = v;
	return 1;
}

static int
on_double(void *ctx, double v)
{
	struct iparse *p = ctx;

	(void)v;
	return p->depth > 0 && !known(p) && !p->aud_array;
}

static int
on_string(void *ctx, const unsigned char *s, size_t n)
{
	struct iparse *p = ctx;

	if (p->depth == 0)
		return 0;
	if (p->aud_array) {
		if (p->depth == 2)
			aud_value(p, s, n);
		return 1;
	}
	if (!known(p))
		return 1;
	switch (p->cur) {
	case K_SUB:
		p->have_sub = 1;
		p->sub_bad = n == 0 || n > LC_DEVICE_MAX || memchr(s, '\0', n) != NULL;
		if (!p->sub_bad)
			memcpy(p->sub, s, n), p->sub[n] = '\0';
		return 1;
	case K_AUD:
		p->have_aud = 1;
		aud_value(p, s, n);
		return 1;
	case K_ISS:
		p->have_iss = 1;
		p->iss_ok = p->in->issuer != NULL && strlen(p->in->issuer) == n &&
		            memcmp(p->in->issuer, s, n) == 0;
		return 1;
	default:
		return 0; /* "active" or "exp" as a string */
	}
}

static int
on_start_map(void *ctx)
{
	struct iparse *p = ctx;

	if (known(p) || p->aud_array || p->depth >= INTRO_DEPTH)
		return 0;
	p->depth++;
	return 1;
}

/* A top-level key: never twice; which one it is. */
static int
on_map_key(void *ctx, const unsigned char *k, size_t n)
{
	static const char *const names[] = { "", "active", "sub", "exp", "aud", "iss" };
	struct iparse *p = ctx;

	if (p->depth != 1)
		return 1;
	if (n > INTRO_KEY_MAX || memchr(k, '\0', n) != NULL || p->nkeys == INTRO_KEYS)
		return 0;
	for (size_t i = 0; i < p->nkeys; i++)
		if (strlen(p->keys[i]) == n && memcmp(p->keys[i], k, n) == 0)
			return 0;
	memcpy(p->keys[p->nkeys], k, n);
	p->keys[p->nkeys++][n] = '\0';
	p->cur = K_OTHER;
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0)
			p->cur = (enum ikey)i;
	return 1;
}

static int
on_end_map(void *ctx)
{
	struct iparse *p = ctx;

	p->depth--;
	return 1;
}

static int
on_start_array(void *ctx)
{
	struct iparse *p = ctx;

	if (p->depth == 0 || p->aud_array || p->depth >= INTRO_DEPTH)
		return 0;
	if (known(p)) {
		if (p->cur != K_AUD)
			return 0;
		p->have_aud = 1;
		p->aud_array = 1;
	}
	p->depth++;
	return 1;
}

static int
on_end_array(void *ctx)
{
	struct iparse *p = ctx;

	p->depth--;
	if (p->depth == 1)
		p->aud_array = 0;
	return 1;
}

static const yajl_callbacks parse_cbs = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_integer = on_integer,
	.yajl_double = on_double,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

/* The verdict of a well-formed answer p. */
static void
verdict(const struct iparse *p, struct intro_answer *out)
{
	memset(out, 0, sizeof(*out));
	if (!p->active)
		out->verdict = INTRO_INACTIVE;
	else if (p->in->audience != NULL && !p->aud_ok)
		out->verdict = INTRO_WRONG_AUD;
	else if (p->in->issuer != NULL && !p->iss_ok)
		out->verdict = INTRO_WRONG_ISS;
	else
		out->verdict = INTRO_ACTIVE;
	if (p->have_sub && !p->sub_bad)
		memcpy(out->sub, p->sub, sizeof(out->sub));
	if (p->exp > 0)
		out->exp_ms = p->exp > (int64_t)(UINT64_MAX / 2000) ? UINT64_MAX / 2
		            : (uint64_t)p->exp * 1000;
}

int
introspect_parse(const uint8_t *buf, size_t len, const struct policy_introspection *in,
                 struct intro_answer *out)
{
	struct iparse *p;
	yajl_handle h = NULL;
	int rc = -1;

	if (len == 0 || len > INTROSPECT_ANSWER_MAX || (p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->in = in;
	if ((h = yajl_alloc(&parse_cbs, NULL, p)) == NULL)
		goto fail;
	if (yajl_parse(h, buf, len) != yajl_status_ok || yajl_complete_parse(h) != yajl_status_ok)
		goto fail;
	if (!p->have_active)
		goto fail;
	verdict(p, out);
	rc = 0;
fail:
	if (h != NULL)
		yajl_free(h);
	free(p);
	return rc;
}

/* ---- the cache -------------------------------------------------------------- */

struct ientry {
	uint8_t digest[LC_DIGEST_BYTES];
	uint64_t until_ms;    /* 0: free */
	uint64_t stored;      /* the cache's clock when put: the oldest goes */
	struct intro_answer a;
};

struct icache {
	pthread_mutex_t lock;
	struct ientry *e;     /* nsets * INTRO_WAYS */
	size_t nsets, entries;
	uint64_t clock;
	/* The set index's SipHash key, drawn once a process: the digests are
	 * of tokens a client chooses, and could be ground to fill one set and
	 * evict another session's answer if the index were the digest's. */
	uint8_t key[crypto_shorthash_KEYBYTES];
};

struct icache *
icache_new(void)
{
	struct icache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	crypto_shorthash_keygen(c->key);
	return c;
}

void
icache_free(struct icache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	sodium_memzero(c->key, sizeof(c->key));
	free(c->e);
	free(c);
}

/* The first entry of digest's set; under the lock, with a table. */
static struct ientry *
set_of(struct icache *c, const uint8_t digest[LC_DIGEST_BYTES])
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h;

	(void)crypto_shorthash(out, digest, LC_DIGEST_BYTES, c->key);
	memcpy(&h, out, sizeof(h));
	return &c->e[(h % c->nsets) * INTRO_WAYS];
}

int
icache_get(struct icache *c, const uint8_t digest[LC_DIGEST_BYTES], uint64_t now_ms,
           struct intro_answer *out)
{
	struct ientry *s;
	int hit = 0;

	pthread_mutex_lock(&c->lock);
	if (c->e != NULL) {
		s = set_of(c, digest);
		for (int i = 0; i < INTRO_WAYS && !hit; i++)
			if (s[i].until_ms > now_ms &&
			    memcmp(s[i].digest, digest, LC_DIGEST_BYTES) == 0) {
				*out = s[i].a;
				hit = 1;
			}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Under the lock: a table for entries answers, emptied; 0 or -1. */
static int
resize(struct icache *c, size_t entries)
{
	size_t nsets = (entries + INTRO_WAYS - 1) / INTRO_WAYS;
	struct ientry *e = calloc(nsets * INTRO_WAYS, sizeof(*e));

	if (e == NULL)
		return -1;
	free(c->e);
	c->e = e;
	c->nsets = nsets;
	c->entries = entries;
	return 0;
}

int
icache_put(struct icache *c, size_t entries, const uint8_t digest[LC_DIGEST_BYTES],
           const struct intro_answer *a, uint64_t until_ms)
{
	struct ientry *s, *victim;
	int rc = -1;

	if (entries == 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	if ((c->e == NULL || c->entries != entries) && resize(c, entries) != 0)
		goto fail;
	s = set_of(c, digest);
	victim = &s[0];
	for (int i = 0; i < INTRO_WAYS; i++) {
		if (memcmp(s[i].digest, digest, LC_DIGEST_BYTES) == 0) {
			victim = &s[i]; /* its own entry, replaced */
			break;
		}
		if (s[i].stored < victim->stored)
			victim = &s[i]; /* a free one has stored 0 */
	}
	memcpy(victim->digest, digest, LC_DIGEST_BYTES);
	victim->until_ms = until_ms;
	victim->stored = ++c->clock;
	victim->a = *a;
	rc = 0;
fail:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Adds s and its NUL (or a lone NUL for NULL) to st. */
static void
hash_str(crypto_hash_sha256_state *st, const char *s)
{
	(void)crypto_hash_sha256_update(st, (const unsigned char *)(s ? s : ""),
	                                s ? strlen(s) + 1 : 1);
}

int
introspect_source_print(const struct lc_policy *pol, uint8_t out[LC_DIGEST_BYTES])
{
	const struct policy_introspection *in = policy_introspection(pol);
	crypto_hash_sha256_state st;

	if (in == NULL)
		return -1;
	(void)crypto_hash_sha256_init(&st);
	hash_str(&st, in->path);
	hash_str(&st, in->audience);
	hash_str(&st, in->issuer);
	(void)crypto_hash_sha256_final(&st, out);
	return 0;
}
