/*
 * A thread-safe name -> time map (platform/idmap.h): chained buckets
 * under one mutex, doubling when the load passes one entry per bucket.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lenscap.h"
#include "platform/idmap.h"

struct entry {
	struct entry *next;
	uint64_t v;
	char name[LC_DEVICE_MAX + 1];
};

struct idmap {
	pthread_mutex_t lock;
	struct entry **b;
	size_t nb, n;
	uint8_t key[crypto_shorthash_KEYBYTES];
};

#define IDMAP_FIRST_BUCKETS 64

struct idmap *
idmap_new(void)
{
	struct idmap *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if ((m->b = calloc(IDMAP_FIRST_BUCKETS, sizeof(*m->b))) == NULL ||
	    pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m->b);
		free(m);
		return NULL;
	}
	m->nb = IDMAP_FIRST_BUCKETS;
	crypto_shorthash_keygen(m->key);
	return m;
}

void
idmap_free(struct idmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nb; i++)
		for (struct entry *e = m->b[i], *nx; e != NULL; e = nx) {
			nx = e->next;
			free(e);
		}
	free(m->b);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static size_t
slot(const struct idmap *m, const char *name, size_t nb)
{
	uint64_t h;
	uint8_t out[crypto_shorthash_BYTES];

	(void)crypto_shorthash(out, (const uint8_t *)name, strlen(name), m->key);
	memcpy(&h, out, sizeof(h));
	return (size_t)(h & (nb - 1));
}

/* Under lock: doubles the buckets; on failure keeps the old ones. */
static void
grow(struct idmap *m)
{
	size_t nb = m->nb * 2;
	struct entry **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i < m->nb; i++)
		for (struct entry *e = m->b[i], *nx; e != NULL; e = nx) {
			size_t s = slot(m, e->name, nb);

			nx = e->next;
			e->next = b[s];
			b[s] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

/* Under lock: name's entry, or NULL. */
static struct entry *
find(const struct idmap *m, const char *name)
{
	for (struct entry *e = m->b[slot(m, name, m->nb)]; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

int
idmap_set(struct idmap *m, const char *name, uint64_t v, int keep_max)
{
	size_t len = strlen(name);
	struct entry *e;
	int rc = 0;

	if (len > LC_DEVICE_MAX)
		return LC_EINVAL;
	pthread_mutex_lock(&m->lock);
	if ((e = find(m, name)) != NULL) {
		if (!keep_max || v > e->v)
			e->v = v;
	} else if ((e = malloc(sizeof(*e))) == NULL) {
		rc = LC_ENOMEM;
	} else {
		size_t s;

		if (m->n >= m->nb)
			grow(m);
		s = slot(m, name, m->nb);
		memcpy(e->name, name, len + 1);
		e->v = v;
		e->next = m->b[s];
		m->b[s] = e;
		m->n++;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

uint64_t
idmap_get(struct idmap *m, const char *name)
{
	const struct entry *e;
	uint64_t v;

	if (strlen(name) > LC_DEVICE_MAX)
		return 0;
	pthread_mutex_lock(&m->lock);
	e = find(m, name);
	v = e != NULL ? e->v : 0;
	pthread_mutex_unlock(&m->lock);
	return v;
}

void
idmap_drop_below(struct idmap *m, uint64_t v)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nb; i++)
		for (struct entry **pe = &m->b[i]; *pe != NULL;) {
			struct entry *e = *pe;

			if (e->v < v) {
				*pe = e->next;
				free(e);
				m->n--;
			} else {
				pe = &e->next;
			}
		}
	pthread_mutex_unlock(&m->lock);
}
