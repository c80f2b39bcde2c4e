/*
 * policy: open-addressing hash tables (linear probing, power-of-two
 * capacity, at most 75% full).  Nothing is ever removed: a policy is
 * built once and then only read, from many threads.
 *
 * A slot of the string map is 8 bytes: 32 bits of the key's hash and
 * the index of its entry.  Probing compares hashes in the slots only and
 * touches an entry (and its key) when the hashes are equal; growing moves
 * slots by their hash alone.  A policy of millions of devices keeps two
 * such maps of them, so their size and the memory they touch on an
 * insert are most of what loading one costs.  A table of digests keeps
 * each 32-byte key in its entry: no copy elsewhere, no pointer to follow.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lenscap.h"
#include "table.h"

#define MIN_CAP 16

/* Slot arrays from this size on are mapped on their own, in huge pages
 * where the kernel has them: each probe lands on a random slot, and with
 * 4 KiB pages nearly every one of a big table's costs a TLB miss, which
 * in a virtual machine is a walk of two page tables. */
#define HUGE_BYTES ((size_t)2 << 20)

struct str_entry {
	const void *key;
	void *val;
	size_t klen;
};

/* A digest table's entry: the key in it, not behind a pointer. */
struct digest_entry {
	uint8_t key[LC_DIGEST_BYTES];
	void *val;
};

struct strtab {
	uint64_t *slots;         /* 0: empty; else hash << 32 | entry + 1 */
	void *ents;              /* in insertion order: struct str_entry,
	                          * or struct digest_entry if digests */
	size_t cap;              /* slots, a power of two */
	size_t count, ents_cap;
	int digests;
};

/* n zeroed slots, or NULL. */
static uint64_t *
slots_new(size_t n)
{
	size_t bytes;
	void *p;

	if (n > SIZE_MAX / sizeof(uint64_t))
		return NULL;
	bytes = n * sizeof(uint64_t);
	if (bytes < HUGE_BYTES)
		return calloc(n, sizeof(uint64_t));
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Only a hint: without huge pages the table works the same. */
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/* Frees what slots_new(n) returned. */
static void
slots_free(uint64_t *p, size_t n)
{
	if (p == NULL)
		return;
	if (n * sizeof(uint64_t) < HUGE_BYTES)
		free(p);
	else
		(void)munmap(p, n * sizeof(uint64_t));
}

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches the low bits,
	 * which pick the slot. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Eight bytes at a time (a multiply and a fold each), then mix64: names
 * are short and digests 32 bytes, so a byte-wise hash would be most of a
 * lookup. */
uint64_t
table_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 32;
	}
	w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)s[i] << (8 * i);
	return mix64(h ^ w);
}

/* Whether count entries fit in cap slots at most 75% full. */
static int
fits(size_t count, size_t cap)
{
	return count <= cap / 4 * 3;
}

/* An empty table; slots come with the first entry. */
int
strtab_new(struct strtab **out)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return LC_ENOMEM;
	*out = t;
	return 0;
}

/* An empty table of digests, kept in its entries. */
int
strtab_new_digests(struct strtab **out)
{
	int rc = strtab_new(out);

	if (rc == 0)
		(*out)->digests = 1;
	return rc;
}

/* Entry i's key (and its length) and value. */
static const void *
ent_key(const struct strtab *t, uint32_t i, size_t *klen)
{
	const struct str_entry *e;

	if (t->digests) {
		*klen = LC_DIGEST_BYTES;
		return ((const struct digest_entry *)t->ents)[i].key;
	}
	e = &((const struct str_entry *)t->ents)[i];
	*klen = e->klen;
	return e->key;
}

static void *
ent_val(const struct strtab *t, uint32_t i)
{
	if (t->digests)
		return ((const struct digest_entry *)t->ents)[i].val;
	return ((const struct str_entry *)t->ents)[i].val;
}

/* Frees the slots and entries; keys and values belong to the caller. */
void
strtab_free(struct strtab *t)
{
	if (t == NULL)
		return;
	slots_free(t->slots, t->cap);
	free(t->ents);
	free(t);
}

/* The slot holding key, or the empty slot where it would go. */
static uint64_t *
str_find(const struct strtab *t, const void *key, size_t klen, uint32_t h)
{
	size_t mask = t->cap - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		uint64_t s = t->slots[i];
		const void *k;
		size_t n;

		if (s == 0)
			return &t->slots[i];
		if ((uint32_t)(s >> 32) != h)
			continue;
		k = ent_key(t, (uint32_t)s - 1, &n);
		if (n == klen && memcmp(k, key, klen) == 0)
			return &t->slots[i];
	}
}

/* Rehashes into cap slots, by the hashes the slots hold. */
static int
str_rehash(struct strtab *t, size_t cap)
{
	uint64_t *slots = slots_new(cap);

	if (slots == NULL)
		return LC_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		uint64_t s = t->slots[i];
		size_t j;

		if (s == 0)
			continue;
		for (j = (s >> 32) & (cap - 1); slots[j] != 0; j = (j + 1) & (cap - 1))
			;
		slots[j] = s;
	}
	slots_free(t->slots, t->cap);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* Twice the room for entries.  Untouched room costs address space,
 * not memory: big blocks are mapped, and realloc() moves their pages. */
static int
str_more_entries(struct strtab *t)
{
	size_t cap = t->ents_cap ? 2 * t->ents_cap : MIN_CAP;
	size_t size = t->digests ? sizeof(struct digest_entry)
	                         : sizeof(struct str_entry);
	void *e;

	/* Entries are numbered from 1 in 32 bits beside the hash. */
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (cap == t->ents_cap || (e = realloc(t->ents, cap * size)) == NULL)
		return LC_ENOMEM;
	t->ents = e;
	t->ents_cap = cap;
	return 0;
}

/* Inserts unless present; doubles what is full. */
int
strtab_put(struct strtab *t, const void *key, size_t klen, void *val,
           void **old)
{
	uint32_t h;
	uint64_t *s;
	int rc;

	if (key == NULL || (t->digests && klen != LC_DIGEST_BYTES))
		return LC_EINVAL;
	h = (uint32_t)table_hash(key, klen);
	if (t->count > 0) {
		s = str_find(t, key, klen, h);
		if (*s != 0) {
			if (old != NULL)
				*old = ent_val(t, (uint32_t)*s - 1);
			return LC_EEXIST;
		}
	}
	if (!fits(t->count + 1, t->cap) &&
	    (rc = str_rehash(t, t->cap ? 2 * t->cap : MIN_CAP)) != 0)
		return rc;
	if (t->count == t->ents_cap && (rc = str_more_entries(t)) != 0)
		return rc;
	s = str_find(t, key, klen, h);
	if (t->digests) {
		struct digest_entry *e = &((struct digest_entry *)t->ents)[t->count];

		memcpy(e->key, key, LC_DIGEST_BYTES);
		e->val = val;
	} else {
		((struct str_entry *)t->ents)[t->count] =
			(struct str_entry){ key, val, klen };
	}
	*s = (uint64_t)h << 32 | (t->count + 1);
	t->count++;
	return 0;
}

/* One probe sequence; NULL if absent. */
void *
strtab_get(const struct strtab *t, const void *key, size_t klen)
{
	const uint64_t *s;

	if (t == NULL || key == NULL || t->count == 0)
		return NULL;
	s = str_find(t, key, klen, (uint32_t)table_hash(key, klen));
	return *s != 0 ? ent_val(t, (uint32_t)*s - 1) : NULL;
}

/* The loader asks this a few entries ahead: in a table bigger than the
 * caches, each insert or lookup waits for memory otherwise. */
void
strtab_prefetch(const struct strtab *t, const void *key, size_t klen)
{
	if (t->cap > 0)
		__builtin_prefetch(&t->slots[table_hash(key, klen) & (t->cap - 1)]);
}

/* Entries in the table. */
size_t
strtab_count(const struct strtab *t)
{
	return t != NULL ? t->count : 0;
}
