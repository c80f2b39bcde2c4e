/*
 * policy: a bump allocator.  The model (policy.c) keeps every string and
 * struct of a policy in one and the parser (json.c) its trees, so that
 * each is freed at once; neither depends on the other for it.
 */
#ifndef LC_POLICY_ARENA_H
#define LC_POLICY_ARENA_H

#include <stddef.h>

/* Bump allocator: everything of a tree (or a policy) is freed at once. */
struct arena {
	struct arena_chunk *head;
};

/* n zeroed bytes aligned for any object, or NULL. */
void *arena_alloc(struct arena *a, size_t n);
/* A NUL-terminated copy of s[0..n), or NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees every chunk; the arena may be used again. */
void arena_free(struct arena *a);
/* Zeroes every byte handed out (a tree that held a token), before
 * arena_free(). */
void arena_wipe(struct arena *a);

#endif
