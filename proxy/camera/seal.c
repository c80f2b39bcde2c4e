/*
 * The seal: between a camera's upload and the backend, every frame is
 * sealed here with the ingest key in force, its envelope filled from the
 * camera request it came in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "camera/creq.h"
#include "camera/seal.h"
#include "log.h"

struct seal_key {
	atomic_uint refs;
	struct lc_secret_key *key;  /* Ed25519, or */
	struct lc_mac_key *mac;     /* the keyed seal */
};

int
seal_key_load_mac(const char *path, const uint8_t id[LC_KEY_ID_BYTES],
                  struct seal_key **out)
{
	struct seal_key *k = calloc(1, sizeof(*k));
	char hex[LC_KEY_ID_HEX_BYTES];
	int rc;

	if (k == NULL) {
		log_warnx("MAC secret %s: out of memory", path);
		return -1;
	}
	if ((rc = lc_mac_key_load(path, &k->mac)) != 0) {
		log_warnx("MAC secret %s: %s", path,
		          rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		free(k);
		return -1;
	}
	if (sodium_memcmp(lc_mac_key_id(k->mac), id, LC_KEY_ID_BYTES) != 0) {
		lc_key_id_hex(lc_mac_key_id(k->mac), hex);
		log_warnx("MAC secret %s changed since the policy was read (key id %s)",
		          path, hex);
		lc_mac_key_free(k->mac);
		free(k);
		return -1;
	}
	k->refs = 1;
	*out = k;
	return 0;
}

int
seal_key_load(const char *path, struct seal_key **out)
{
	struct seal_key *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL) {
		log_warnx("ingest key %s: out of memory", path);
		return -1;
	}
	if ((rc = lc_key_load_secret(path, &k->key)) != 0) {
		log_warnx("ingest key %s: %s", path,
		          rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		free(k);
		return -1;
	}
	k->refs = 1;
	*out = k;
	return 0;
}

int
seal_key_trusted(const struct seal_key *k, const struct lc_policy *pol)
{
	char hex[LC_KEY_ID_HEX_BYTES];
	const char *first;
	ssize_t n;

	if (k->mac != NULL)
		return 0; /* the policy's own "seal" put it in the keyring */
	n = policy_devices_untrusted(pol, lc_key_public(k->key), &first);
	if (n == 0)
		return 0;
	lc_key_id_hex(lc_key_id(k->key), hex);
	if (n < 0)
		log_warnx("ingest key %s: cannot check whether the policy's keys trust it", hex);
	else
		log_warnx("ingest key %s is not trusted by the policy's keys for device %s"
		          " (%zd device%s in all): every frame lenscapd sealed for %s would"
		          " be dropped", hex, first, n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
	return -1;
}

void
seal_key_put(struct seal_key *k)
{
	if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
		return;
	lc_key_free(k->key); /* wipes it */
	lc_mac_key_free(k->mac);
	free(k);
}

void
seal_key_install(struct lcd *d, struct seal_key *k)
{
	struct seal_key *old;

	pthread_mutex_lock(&d->lock);
	old = d->ingest;
	d->ingest = k;
	pthread_mutex_unlock(&d->lock);
	seal_key_put(old);
}

/* A reference to the key in force, or NULL. */
static struct seal_key *
key_ref(struct lcd *d)
{
	struct seal_key *k;

	pthread_mutex_lock(&d->lock);
	if ((k = d->ingest) != NULL)
		k->refs++;
	pthread_mutex_unlock(&d->lock);
	return k;
}

int
seal_key_present(struct lcd *d)
{
	int has;

	pthread_mutex_lock(&d->lock);
	has = d->ingest != NULL;
	pthread_mutex_unlock(&d->lock);
	return has;
}

/* The random bytes of a stream id: 32 hex digits, which the envelope's
 * stream id (1 to 64 letters, digits, ".", "_", "-") takes. */
#define STREAM_ID_RANDOM 16

/* Sets r's stream id once: on an hls route with a {name}, the one the
 * object's name gives (lc_hls_stream_id()), so that the gate can tell
 * seg-3.ts served for seg-7.ts; else 32 random hex digits.  0 or -1. */
static int
stream_id(struct creq *r)
{
	uint8_t rnd[STREAM_ID_RANDOM];

	if (r->stream_id[0] != '\0')
		return 0;
	if (r->q.route->media == LC_KIND_HLS && r->q.route->has_name)
		return lc_hls_stream_id(r->q.name, r->stream_id) == 0 ? 0 : -1;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(r->stream_id, sizeof(r->stream_id), rnd, sizeof(rnd));
	return 0;
}

/*
 * The envelope fields of r's frames but the sequence number and the
 * capture time, which are each frame's own.  r's stream id is set on
 * first use: a still or a push is a stream of its own, so that what a
 * session reads of it (the id, the sequence numbers) depends on nothing
 * another request, device or home did; an HLS object's is its name's.
 * 0, or -1 if the id cannot be made (the envelope is then refused).
 */
static int
params(struct creq *r, struct lc_seal_params *p)
{
	int rc = stream_id(r);

	memset(p, 0, sizeof(*p));
	p->device = r->q.device;
	p->kind = r->q.route->media;
	p->stream_id = r->stream_id;
	p->content_type = r->ctype;
	return rc;
}

/* The envelope size of p under k's seal. */
static size_t
envelope_size(const struct seal_key *k, const struct lc_seal_params *p)
{
	return k != NULL && k->mac != NULL ? lc_envelope_size_mac(p) : lc_envelope_size(p);
}

size_t
seal_size(struct creq *r, size_t len)
{
	struct seal_key *k = key_ref(r->q.fc->d);
	struct lc_seal_params p;
	size_t n;

	n = params(r, &p) == 0 ? envelope_size(k, &p) + len : 0;
	seal_key_put(k);
	return n;
}

int
seal_frame(struct creq *r, const uint8_t *body, size_t len, uint8_t *out,
           size_t cap, size_t *n)
{
	struct seal_key *k = key_ref(r->q.fc->d);
	struct lc_seal_params p;
	int rc;

	if (k == NULL || params(r, &p) != 0) {
		seal_key_put(k);
		return LC_EINVAL;
	}
	/* 1, 2, 3... within the stream; frames of one millisecond keep
	 * their order by it. */
	p.seq = ++r->seq;
	p.capture_ms = lcd_now_ms();
	/* A reload between seal_size() and now may have changed the seal:
	 * the frame must take the bytes its sender was told. */
	if (envelope_size(k, &p) + len != cap)
		rc = LC_ESPACE;
	else if (k->mac != NULL)
		rc = lc_envelope_seal_mac(k->mac, &p, body, len, out, cap, n);
	else
		rc = lc_envelope_seal(k->key, &p, body, len, out, cap, n);
	seal_key_put(k);
	return rc;
}
