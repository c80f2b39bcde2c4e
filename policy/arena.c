/*
 * policy: the bump allocator behind the model and the parsed trees.
 * Chunks of 64 KiB, big blocks on their own; nothing is freed singly.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"

#define ARENA_CHUNK ((size_t)64 << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[]; /* aligned for anything */
};

/* Zeroed memory from the current chunk; big blocks get their own. */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (need < n)
		return NULL;
	if (c == NULL || c->cap - c->used < need) {
		size_t cap = need > ARENA_CHUNK / 4 ? need : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (need > ARENA_CHUNK / 4 && a->head != NULL) {
			/* A big block: keep filling the current chunk. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

/* A NUL-terminated copy in the arena. */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n + 1 == 0 || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Frees every chunk at once. */
void
arena_free(struct arena *a)
{
	while (a->head != NULL) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

/* Zeroes what was handed out, before a free of what held a secret. */
void
arena_wipe(struct arena *a)
{
	for (struct arena_chunk *c = a->head; c != NULL; c = c->next)
		sodium_memzero(c->data, c->used);
}
