/* Which cameras are online (platform/presence.h): the last push of each,
 * in an idmap. */
#include <stdlib.h>

#include "platform/idmap.h"
#include "platform/presence.h"

struct presence {
	struct idmap *last;
};

struct presence *
presence_new(void)
{
	struct presence *p = malloc(sizeof(*p));

	if (p != NULL && (p->last = idmap_new()) == NULL) {
		free(p);
		p = NULL;
	}
	return p;
}

void
presence_free(struct presence *p)
{
	if (p == NULL)
		return;
	idmap_free(p->last);
	free(p);
}

void
presence_seen(struct presence *p, const char *device, uint64_t now_ms)
{
	(void)idmap_set(p->last, device, now_ms, 1);
}

uint64_t
presence_last(struct presence *p, const char *device)
{
	return idmap_get(p->last, device);
}
