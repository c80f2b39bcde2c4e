/*
 * A bounded byte queue: what a relay holds between a producer and a
 * consumer.  It grows on demand up to its bound and gives its memory back
 * when drained, so that an idle stream costs next to nothing.
 */
#ifndef LC_BUFQ_H
#define LC_BUFQ_H

#include <stddef.h>
#include <stdint.h>

struct bufq {
	uint8_t *p;
	size_t off, len, cap, max;
};

/* An empty queue that will never hold more than max bytes. */
void bufq_init(struct bufq *q, size_t max);
void bufq_free(struct bufq *q);

/* Bytes waiting. */
size_t bufq_pending(const struct bufq *q);

/* Room for n more bytes at the end, or NULL if that would pass the bound
 * (or memory ran out).  bufq_commit() then adds what was written. */
uint8_t *bufq_reserve(struct bufq *q, size_t n);
void bufq_commit(struct bufq *q, size_t n);

/* Appends n bytes; 0, or -1 when they do not fit. */
int bufq_put(struct bufq *q, const void *p, size_t n);

/* Moves up to max bytes out; returns how many. */
size_t bufq_take(struct bufq *q, void *buf, size_t max);

#endif
