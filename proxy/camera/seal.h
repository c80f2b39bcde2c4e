/*
 * The seal: the ingest key (counted, swapped whole by a reload) and the
 * one call that seals a frame of a camera request, a still or a part of
 * a push, before it goes to the backend.
 */
#ifndef LC_SEAL_H
#define LC_SEAL_H

#include "daemon.h"

struct creq;

/*
 * The ingest key, counted: a reload installs a new one while frames are
 * being sealed with the old, which goes once its last frame is sealed.
 */
struct seal_key;

/* Loads the secret key at path into *out; 0, or -1 after logging why. */
int seal_key_load(const char *path, struct seal_key **out);
/* Loads the keyed seal's secret at path, which must have key id id (the
 * one the policy read); 0, or -1 after logging why. */
int seal_key_load_mac(const char *path, const uint8_t id[LC_KEY_ID_BYTES],
                      struct seal_key **out);

/* Whether pol's keys let k sign for each of its devices, as they must
 * for the frames lenscapd seals to pass its own gate; 0, or -1 after
 * logging which device they do not. */
int seal_key_trusted(const struct seal_key *k, const struct lc_policy *pol);

/* Installs k in d (taking the caller's reference, NULL for none) and
 * drops the old one, which is wiped once no frame is being sealed. */
void seal_key_install(struct lcd *d, struct seal_key *k);

/* Drops a reference; the last wipes and frees the key.  NULL is a no-op. */
void seal_key_put(struct seal_key *k);

/* Whether an ingest key is in force. */
int seal_key_present(struct lcd *d);

/* The bytes r's next frame takes sealed: its envelope and len bytes of
 * body; 0 if r's stream id cannot be made.  Sets r's stream id if it has
 * none yet. */
size_t seal_size(struct creq *r, size_t len);

/*
 * Seals body (len bytes) as r's next frame with the ingest key in force:
 * r's device, the route's kind, r's content type, r's own stream id
 * (random, drawn once per still or push; an HLS object's from its name) and the next sequence number
 * in it (1, 2, 3...), captured now.  The sealed frame is
 * written to out (cap bytes, seal_size() at least), its length to *n.
 * 0; LC_EINVAL without an ingest key; else lc_envelope_seal()'s error.
 */
int seal_frame(struct creq *r, const uint8_t *body, size_t len, uint8_t *out,
               size_t cap, size_t *n);

#endif
