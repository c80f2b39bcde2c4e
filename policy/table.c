/*
 * policy: open-addressing hash tables (linear probing, power-of-two
 * capacity, grown at 50% load).  Nothing is ever removed: a policy is
 * built once and then only read, from many threads.
 */
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"
#include "table.h"

#define MIN_CAP 16

struct str_slot {
	const void *key;
	size_t klen;
	uint64_t hash;
	void *val;
};

struct strtab {
	struct str_slot *slots; /* key == NULL: empty */
	size_t cap;
	size_t count;
};

struct u64set {
	uint64_t *slots;
	unsigned char *used;
	size_t cap;
	size_t count;
};

/* FNV-1a with a final fold. */
uint64_t
table_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	/* Fold the high bits in: the index takes only the low ones. */
	return h ^ (h >> 29);
}

/* An empty table of MIN_CAP slots. */
int
strtab_new(struct strtab **out)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return LC_ENOMEM;
	t->cap = MIN_CAP;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (t->slots == NULL) {
		free(t);
		return LC_ENOMEM;
	}
	*out = t;
	return 0;
}

/* Frees the slots; keys and values belong to the caller. */
void
strtab_free(struct strtab *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

static struct str_slot *
str_find(const struct strtab *t, const void *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->slots[i].key != NULL) {
		const struct str_slot *s = &t->slots[i];

		if (s->hash == h && s->klen == klen &&
		    memcmp(s->key, key, klen) == 0)
			return &t->slots[i];
		i = (i + 1) & (t->cap - 1);
	}
	return &t->slots[i];
}

static int
str_grow(struct strtab *t)
{
	struct strtab n = { .cap = t->cap * 2, .count = t->count };

	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (n.slots == NULL)
		return LC_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		const struct str_slot *s = &t->slots[i];

		if (s->key != NULL)
			*str_find(&n, s->key, s->klen, s->hash) = *s;
	}
	free(t->slots);
	*t = n;
	return 0;
}

/* Inserts unless present; grows at half full. */
int
strtab_put(struct strtab *t, const void *key, size_t klen, void *val,
           void **old)
{
	uint64_t h = table_hash(key, klen);
	struct str_slot *s;
	int rc;

	if (key == NULL)
		return LC_EINVAL;
	s = str_find(t, key, klen, h);
	if (s->key != NULL) {
		if (old != NULL)
			*old = s->val;
		return LC_EEXIST;
	}
	if ((t->count + 1) * 2 > t->cap) {
		if ((rc = str_grow(t)) != 0)
			return rc;
		s = str_find(t, key, klen, h);
	}
	s->key = key;
	s->klen = klen;
	s->hash = h;
	s->val = val;
	t->count++;
	return 0;
}

/* One probe sequence; NULL if absent. */
void *
strtab_get(const struct strtab *t, const void *key, size_t klen)
{
	const struct str_slot *s;

	if (t == NULL || key == NULL)
		return NULL;
	s = str_find(t, key, klen, table_hash(key, klen));
	return s->key != NULL ? s->val : NULL;
}

/* Entries in the table. */
size_t
strtab_count(const struct strtab *t)
{
	return t != NULL ? t->count : 0;
}

/* An empty set of MIN_CAP slots. */
int
u64set_new(struct u64set **out)
{
	struct u64set *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return LC_ENOMEM;
	s->cap = MIN_CAP;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	s->used = calloc(s->cap, 1);
	if (s->slots == NULL || s->used == NULL) {
		u64set_free(s);
		return LC_ENOMEM;
	}
	*out = s;
	return 0;
}

/* Frees the set. */
void
u64set_free(struct u64set *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s->used);
	free(s);
}

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finaliser: pairs of small indices spread well. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static size_t
u64_find(const struct u64set *s, uint64_t v)
{
	size_t i = (size_t)mix64(v) & (s->cap - 1);

	while (s->used[i] && s->slots[i] != v)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int
u64_grow(struct u64set *s)
{
	struct u64set n = { .cap = s->cap * 2, .count = s->count };

	n.slots = calloc(n.cap, sizeof(*n.slots));
	n.used = calloc(n.cap, 1);
	if (n.slots == NULL || n.used == NULL) {
		free(n.slots);
		free(n.used);
		return LC_ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (s->used[i]) {
			size_t j = u64_find(&n, s->slots[i]);

			n.used[j] = 1;
			n.slots[j] = s->slots[i];
		}
	}
	free(s->slots);
	free(s->used);
	*s = n;
	return 0;
}

/* Inserts unless present; grows at half full. */
int
u64set_add(struct u64set *s, uint64_t v)
{
	size_t i = u64_find(s, v);
	int rc;

	if (s->used[i])
		return LC_EEXIST;
	if ((s->count + 1) * 2 > s->cap) {
		if ((rc = u64_grow(s)) != 0)
			return rc;
		i = u64_find(s, v);
	}
	s->used[i] = 1;
	s->slots[i] = v;
	s->count++;
	return 0;
}

/* Membership; 0 for a NULL set. */
int
u64set_has(const struct u64set *s, uint64_t v)
{
	return s != NULL && s->used[u64_find(s, v)];
}
