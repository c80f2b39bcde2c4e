/*
 * The bounded byte queue behind the pushed-stream ingest.  Callers lock;
 * the queue does not.
 */
#include <stdlib.h>
#include <string.h>

#include "media/bufq.h"

/* Drained queues larger than this give their memory back: an MJPEG
 * stream between two frames then holds no frame-sized buffer here. */
#define BUFQ_KEEP (4 * 1024)

void
bufq_init(struct bufq *q, size_t max)
{
	memset(q, 0, sizeof(*q));
	q->max = max;
}

void
bufq_free(struct bufq *q)
{
	free(q->p);
	q->p = NULL;
	q->off = q->len = q->cap = 0;
}

size_t
bufq_pending(const struct bufq *q)
{
	return q->len - q->off;
}

uint8_t *
bufq_reserve(struct bufq *q, size_t n)
{
	size_t pending = q->len - q->off, want;
	uint8_t *np;

	if (n > q->max || pending > q->max - n)
		return NULL;
	if (q->off > 0) {
		memmove(q->p, q->p + q->off, pending);
		q->off = 0;
		q->len = pending;
	}
	if (q->len + n > q->cap) {
		want = q->cap ? q->cap : 4096;
		while (want < q->len + n)
			want *= 2;
		if (want > q->max)
			want = q->max;
		if ((np = realloc(q->p, want)) == NULL)
			return NULL;
		q->p = np;
		q->cap = want;
	}
	return q->p + q->len;
}

void
bufq_commit(struct bufq *q, size_t n)
{
	q->len += n;
}

int
bufq_put(struct bufq *q, const void *p, size_t n)
{
	uint8_t *dst = bufq_reserve(q, n);

	if (dst == NULL)
		return -1;
	memcpy(dst, p, n);
	bufq_commit(q, n);
	return 0;
}

size_t
bufq_take(struct bufq *q, void *buf, size_t max)
{
	size_t n = q->len - q->off < max ? q->len - q->off : max;

	memcpy(buf, q->p + q->off, n);
	q->off += n;
	if (q->off == q->len) {
		q->off = q->len = 0;
		if (q->cap > BUFQ_KEEP)
			bufq_free(q);
	}
	return n;
}
