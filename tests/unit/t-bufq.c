/* Unit tests for the bounded byte queue: the bound holds, order is kept
 * across partial takes and compaction, and a drained queue gives its
 * memory back. */
#include <string.h>

#include "media/bufq.h"
#include "tap.h"

int
main(void)
{
	struct bufq q;
	uint8_t big[100000], out[100000];
	size_t got = 0, n;
	int same;

	tap_init();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	bufq_init(&q, 150000);
	is_int(bufq_pending(&q), 0, "starts empty");
	ok(q.p == NULL, "and holds no memory");
	is_int(bufq_put(&q, big, sizeof(big)), 0, "100,000 bytes fit");
	is_int(bufq_put(&q, big, sizeof(big)), -1, "another 100,000 pass the bound");
	is_int(bufq_pending(&q), 100000, "the refused put left nothing");
	ok(bufq_reserve(&q, 50001) == NULL, "one byte over the bound is refused");
	ok(bufq_reserve(&q, 50000) != NULL, "exactly up to the bound is fine");
	n = bufq_take(&q, out, 30000);
	is_int(n, 30000, "a partial take");
	got = n;
	/* After the take there is room again: compaction keeps the order. */
	is_int(bufq_put(&q, big, 30000), 0, "room again after a take");
	while (bufq_pending(&q) > 0 && got < sizeof(out)) {
		size_t room = sizeof(out) - got;
		got += bufq_take(&q, out + got, room < 7777 ? room : 7777);
	}
	same = memcmp(out, big, sizeof(big)) == 0;
	ok(same, "the bytes come out in order, across compaction");
	n = bufq_take(&q, out, sizeof(out));
	is_int(n, 30000, "then the appended ones");
	ok(memcmp(out, big, 30000) == 0, "intact");
	is_int(bufq_pending(&q), 0, "drained");
	ok(q.p == NULL && q.cap == 0, "a drained large queue gives its memory back");
	is_int(bufq_put(&q, "ab", 2), 0, "small puts");
	is_int(bufq_take(&q, out, 1), 1, "take one byte");
	is_int(bufq_take(&q, out + 1, 10), 1, "and the other");
	ok(memcmp(out, "ab", 2) == 0, "in order");
	ok(q.p != NULL && q.cap <= 65536, "a small buffer is kept for reuse");
	bufq_free(&q);
	bufq_free(&q);
	ok(q.p == NULL, "free twice is fine");
	return tap_done();
}
