/*
 * policy: the hash table behind every policy lookup by name or digest:
 * byte strings to pointers, open addressing, built once at load and
 * read-only afterwards.
 */
#ifndef LC_POLICY_TABLE_H
#define LC_POLICY_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* Maps byte strings to pointers.  Keys are not copied (but in a table
 * of digests): the caller keeps them alive (the policy's arena does). */
struct strtab;

/* A new, empty table; 0 or LC_ENOMEM. */
int strtab_new(struct strtab **out);
/* A new, empty table whose keys are all LC_DIGEST_BYTES long and are
 * copied into it (the caller need not keep them); 0 or LC_ENOMEM. */
int strtab_new_digests(struct strtab **out);
/* Frees the table (not the keys or values); NULL is fine. */
void strtab_free(struct strtab *t);
/* Inserts key -> val.  0, LC_EEXIST (then *old, if given, is the value
 * already there) or LC_ENOMEM. */
int strtab_put(struct strtab *t, const void *key, size_t klen, void *val,
               void **old);
/* The value for key, or NULL. */
void *strtab_get(const struct strtab *t, const void *key, size_t klen);
/* Starts fetching the slot where key's probe begins, for a strtab_put()
 * or strtab_get() of it a little later: a hint, nothing else. */
void strtab_prefetch(const struct strtab *t, const void *key, size_t klen);
size_t strtab_count(const struct strtab *t);

/* A fast 64-bit hash, not keyed: the policy's keys come from the
 * operator, not from clients, so a keyed hash buys nothing here. */
uint64_t table_hash(const void *p, size_t n);

#endif
