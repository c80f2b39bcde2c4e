/*
 * Which cameras are online: when lenscapd last sealed a frame each pushed
 * on the camera face.  The platform fronts answer Google's QUERY and
 * Alexa's EndpointHealth from it (lenscapd(8), "Platform routes").
 * Thread-safe; one entry per device that ever pushed, keyed by its id, so
 * that it holds across reloads.
 */
#ifndef LC_PLATFORM_PRESENCE_H
#define LC_PLATFORM_PRESENCE_H

#include <stdint.h>

struct presence;

/* A new, empty map, or NULL. */
struct presence *presence_new(void);
void presence_free(struct presence *p);

/* device (a valid device id) pushed a frame at now_ms.  Out of memory
 * is not an error: the device is then said to be offline. */
void presence_seen(struct presence *p, const char *device, uint64_t now_ms);

/* When device last pushed (wall clock, ms), or 0 if never. */
uint64_t presence_last(struct presence *p, const char *device);

#endif
