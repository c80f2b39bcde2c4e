/*
 * Modes that reproduce an incident's mechanism inside the backend, not
 * only its symptom (tests/incidents/ drives them):
 *   redis  one shared connection to a cache: replies come back in the
 *          order requests were sent, and a request whose client left
 *          before its reply was read leaves that reply queued, so every
 *          later request reads the one before it (ChatGPT, 2023-03);
 *   wyze   a thumbnail cache keyed by the connection's slot, not the
 *          device: under reconnect load slots change hands (Wyze, 2024-02);
 *   eufy   after a "server update" (SIGUSR1) the backend's session map
 *          puts every device under another account (Eufy, 2021-05).
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lenscap.h"
#include "chaos.h"

int
mode_from_name(const char *name)
{
	static const char *const names[] = { "chaos", "redis", "eufy", "wyze" };
	static const enum mode modes[] = { MODE_CHAOS, MODE_REDIS, MODE_EUFY, MODE_WYZE };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)modes[i];
	return -1;
}

/* Whether the client hung up (lenscapd cancelled the request). */
static int
client_gone(const struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

#define REDIS_QUEUE 64

static struct {
	pthread_mutex_t lock;
	struct sealed q[REDIS_QUEUE];
	unsigned head, n;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

int
redis_reply(struct conn *c, int dev, uint64_t n, enum fault f, struct sealed *out)
{
	struct sealed mine;

	if (make_frame(dev, n, LC_KIND_SNAPSHOT, "", 0, F_NONE, &mine) != 0)
		return -1;
	/* The command goes out on the shared connection; its reply will be
	 * the next one in line after every earlier unread reply. */
	pthread_mutex_lock(&pool.lock);
	if (pool.n == REDIS_QUEUE) {
		free(pool.q[pool.head].p);
		pool.head = (pool.head + 1) % REDIS_QUEUE;
		pool.n--;
	}
	pool.q[(pool.head + pool.n++) % REDIS_QUEUE] = mine;
	pthread_mutex_unlock(&pool.lock);
	if (f == F_STALL)
		usleep(C.stall_ms * 1000u);
	if (client_gone(c))
		return -1; /* cancelled: the reply stays on the connection */
	pthread_mutex_lock(&pool.lock);
	*out = pool.q[pool.head];
	pool.head = (pool.head + 1) % REDIS_QUEUE;
	pool.n--;
	pthread_mutex_unlock(&pool.lock);
	return 0;
}

#define WYZE_SLOTS  16
#define WYZE_TTL_MS 30000

static struct {
	pthread_mutex_t lock;
	struct sealed slot[WYZE_SLOTS];
	struct timespec at[WYZE_SLOTS];
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

int
wyze_reply(struct conn *c, int dev, uint64_t n, struct sealed *out)
{
	unsigned i = (unsigned)c->fd % WYZE_SLOTS;
	struct timespec now;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&cache.lock);
	if (cache.slot[i].p != NULL &&
	    (now.tv_sec - cache.at[i].tv_sec) * 1000 < WYZE_TTL_MS) {
		rc = copy_sealed(&cache.slot[i], out); /* whoever held the slot */
	} else {
		free(cache.slot[i].p);
		cache.slot[i].p = NULL;
		rc = make_frame(dev, n, LC_KIND_SNAPSHOT, "", 0, F_NONE, out);
		if (rc == 0 && copy_sealed(out, &cache.slot[i]) == 0)
			cache.at[i] = now;
	}
	pthread_mutex_unlock(&cache.lock);
	return rc;
}
