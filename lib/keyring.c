/*
 * liblenscap: the keyring of trusted public keys and the devices each may
 * sign for.  An open-addressing table keyed by key id (already uniform
 * bytes); each key's devices are sorted for binary search.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

struct ring_key {
	uint8_t id[LC_KEY_ID_BYTES];
	uint8_t pk[LC_PUBLICKEY_BYTES];
	int used;
	int any_device;
	uint8_t *mac;   /* a keyed-seal secret (sodium_malloc'd), or NULL */
	char **devices; /* sorted */
	size_t ndevices;
};

struct lc_keyring {
	struct ring_key *slots;
	size_t cap; /* power of two */
	size_t count;
};

#define RING_MIN_CAP 16

static size_t
slot_of(const uint8_t id[LC_KEY_ID_BYTES], size_t cap)
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)h & (cap - 1);
}

static struct ring_key *
ring_find(const struct lc_keyring *kr, const uint8_t id[LC_KEY_ID_BYTES])
{
	size_t i = slot_of(id, kr->cap);

	while (kr->slots[i].used) {
		if (memcmp(kr->slots[i].id, id, LC_KEY_ID_BYTES) == 0)
			return &kr->slots[i];
		i = (i + 1) & (kr->cap - 1);
	}
	return NULL;
}

int
lc_keyring_new(struct lc_keyring **out)
{
	struct lc_keyring *kr;

	if (out == NULL)
		return LC_EINVAL;
	kr = calloc(1, sizeof(*kr));
	if (kr == NULL)
		return LC_ENOMEM;
	kr->cap = RING_MIN_CAP;
	kr->slots = calloc(kr->cap, sizeof(*kr->slots));
	if (kr->slots == NULL) {
		free(kr);
		return LC_ENOMEM;
	}
	*out = kr;
	return 0;
}

static void
key_clear(struct ring_key *k)
{
	for (size_t i = 0; i < k->ndevices; i++)
		free(k->devices[i]);
	free(k->devices);
	if (k->mac != NULL)
		sodium_free(k->mac); /* wipes it */
}

void
lc_keyring_free(struct lc_keyring *kr)
{
	if (kr == NULL)
		return;
	for (size_t i = 0; i < kr->cap; i++)
		if (kr->slots[i].used)
			key_clear(&kr->slots[i]);
	free(kr->slots);
	free(kr);
}

size_t
lc_keyring_size(const struct lc_keyring *kr)
{
	return kr == NULL ? 0 : kr->count;
}

/* Doubles the table; entries move by value. */
static int
ring_grow(struct lc_keyring *kr)
{
	size_t ncap = kr->cap * 2;
	struct ring_key *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return LC_ENOMEM;
	for (size_t i = 0; i < kr->cap; i++) {
		size_t j;

		if (!kr->slots[i].used)
			continue;
		j = slot_of(kr->slots[i].id, ncap);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = kr->slots[i];
	}
	free(kr->slots);
	kr->slots = ns;
	kr->cap = ncap;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fills k's device list from the caller's; "*" alone means any device. */
static int
key_set_devices(struct ring_key *k, const char *const *devices, size_t n)
{
	if (n == 1 && strcmp(devices[0], "*") == 0) {
		k->any_device = 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (devices[i] == NULL || !lc_valid_device(devices[i]))
			return LC_EINVAL;
	k->devices = calloc(n ? n : 1, sizeof(char *));
	if (k->devices == NULL)
		return LC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		k->devices[i] = strdup(devices[i]);
		if (k->devices[i] == NULL)
			return LC_ENOMEM;
		k->ndevices++;
	}
	qsort(k->devices, n, sizeof(char *), cmp_str);
	return 0;
}

/* Moves *k into the table, growing it if need be; clears k on failure. */
static int
ring_insert(struct lc_keyring *kr, struct ring_key *k)
{
	size_t i;
	int rc;

	if ((kr->count + 1) * 4 > kr->cap * 3 && (rc = ring_grow(kr)) != 0) {
		key_clear(k);
		return rc;
	}
	k->used = 1;
	i = slot_of(k->id, kr->cap);
	while (kr->slots[i].used)
		i = (i + 1) & (kr->cap - 1);
	kr->slots[i] = *k;
	kr->count++;
	return 0;
}

int
lc_keyring_add(struct lc_keyring *kr, const uint8_t pk[LC_PUBLICKEY_BYTES],
               const char *const *devices, size_t ndevices)
{
	struct ring_key k;
	int rc;

	if (kr == NULL || pk == NULL || (devices == NULL && ndevices > 0))
		return LC_EINVAL;
	memset(&k, 0, sizeof(k));
	memcpy(k.pk, pk, LC_PUBLICKEY_BYTES);
	if ((rc = lc_key_id_from_public(pk, k.id)) != 0)
		return rc;
	if (ring_find(kr, k.id) != NULL)
		return LC_EEXIST;
	if ((rc = key_set_devices(&k, devices, ndevices)) != 0) {
		key_clear(&k);
		return rc;
	}
	return ring_insert(kr, &k);
}

int
lc_keyring_add_mac(struct lc_keyring *kr, const struct lc_mac_key *mk)
{
	struct ring_key k;

	if (kr == NULL || mk == NULL)
		return LC_EINVAL;
	memset(&k, 0, sizeof(k));
	memcpy(k.id, lc_mac_key_id(mk), LC_KEY_ID_BYTES);
	if (ring_find(kr, k.id) != NULL)
		return LC_EEXIST;
	if ((k.mac = sodium_malloc(LC_MAC_SECRET_BYTES)) == NULL)
		return LC_ENOMEM;
	memcpy(k.mac, lc_mac_key_secret_(mk), LC_MAC_SECRET_BYTES);
	k.any_device = 1;
	return ring_insert(kr, &k);
}

const uint8_t *
lc_keyring_mac_(const struct lc_keyring *kr, const uint8_t id[LC_KEY_ID_BYTES])
{
	const struct ring_key *k;

	if (kr == NULL || (k = ring_find(kr, id)) == NULL)
		return NULL;
	return k->mac;
}

int
lc_keyring_allows(const struct lc_keyring *kr, const uint8_t pk[LC_PUBLICKEY_BYTES],
                  const char *device, enum lc_drop *why)
{
	uint8_t id[LC_KEY_ID_BYTES];
	const uint8_t *held = NULL;
	int rc;

	if (kr == NULL || pk == NULL || device == NULL || why == NULL)
		return LC_EINVAL;
	if ((rc = lc_key_id_from_public(pk, id)) != 0)
		return rc;
	*why = lc_keyring_check_(kr, id, device, &held);
	if (held != NULL && memcmp(held, pk, LC_PUBLICKEY_BYTES) != 0)
		*why = LC_DROP_UNKNOWN_KEY; /* another key with the same id */
	return 0;
}

enum lc_drop
lc_keyring_check_(const struct lc_keyring *kr, const uint8_t id[LC_KEY_ID_BYTES],
                  const char *device, const uint8_t **pk)
{
	const struct ring_key *k;
	const char *key = device;

	if (kr == NULL || (k = ring_find(kr, id)) == NULL || k->mac != NULL)
		return LC_DROP_UNKNOWN_KEY; /* a MAC key signs nothing */
	*pk = k->pk;
	if (k->any_device)
		return LC_DROP_NONE;
	if (k->ndevices > 0 &&
	    bsearch(&key, k->devices, k->ndevices, sizeof(char *), cmp_str) != NULL)
		return LC_DROP_NONE;
	return LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE;
}
