/*
 * A thread-safe map from a name (a device id or an account name, at most
 * LC_DEVICE_MAX bytes) to a 64-bit time: the one store under presence.c
 * and revoke.c.  Buckets are chosen by a keyed hash (SipHash, a random
 * key per map), so that no name's slot can be predicted.
 */
#ifndef LC_PLATFORM_IDMAP_H
#define LC_PLATFORM_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap_new(void);
void idmap_free(struct idmap *m);

/* Sets name's value to v, or to the larger of v and the value it has
 * when keep_max.  0 or LC_ENOMEM, LC_EINVAL (a name too long). */
int idmap_set(struct idmap *m, const char *name, uint64_t v, int keep_max);

/* name's value, or 0 when it has none. */
uint64_t idmap_get(struct idmap *m, const char *name);

/* Removes every entry whose value is below v. */
void idmap_drop_below(struct idmap *m, uint64_t v);

#endif
