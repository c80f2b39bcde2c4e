/*
 * Fuzz target for the backend response framing lenscapd does itself on
 * the assistant face: the boundary from the backend's Content-Type, the
 * multipart parser fed in the chunks the input says, and every part
 * through gate_frame() with a stream state, in order, as
 * proxy/assistant/relay_mjpeg.c does (open_parser, on_data and on_part on the
 * upstream thread, verify() in the reader); or, with the snapshot flag,
 * the body collected bounded and gated once, as proxy/assistant/assistant.c does.
 * The input layout is in relay.h.
 *
 * Checked: a part lies within the bytes fed so far (after the previous
 * part; its delimiter seen, or with a Content-Length the CRLF after its
 * body), is at most the parser's limit and counted
 * in order; the gate agrees with a reference written from the rules of
 * doc/design.md, "The gate", on top of lc_envelope_open() and a keyring
 * of our own; a frame that passes is a valid envelope for the device
 * asked for, granted, fresh, of the route's kind and type, whose body
 * digest we recompute (or, under the keyed seal the policy's "seal"
 * section names, whose tag we compute apart, mac-ref.h);
 * within one stream id the sequence of passing frames strictly increases,
 * and across ids the capture time does not go back;
 * the stream state moves only on a pass; the relay's stop rules hold and
 * no part arrives after a stop or the close delimiter; mp_finish() says
 * what the last mp_feed() said.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lenscap.h"
#include "policy.h"
#include "assistant/gate.h"
#include "media/multipart.h"
#include "check.h"
#include "relay.h"
#include "../vectors/mac-ref.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STOP_DROPS 2 /* relay_mjpeg.c's callback code for "stop" */
#define CT_CAP     1024

enum { K_CAM, K_ANY, K_STRANGER, K_COUNT };

static const char *const devices[] = { "cam-a", "cam-b", "cam-c", "cam-zz" };

static struct lc_secret_key *keys[K_COUNT];
static struct lc_mac_key *mac;       /* the keyed seal's, trusted */
static uint8_t mac_secret[LC_MAC_SECRET_BYTES];
static struct lc_keyring *ring;      /* ours, for the reference */
static struct lc_policy *pol;        /* the gate's */
static const struct policy_route *r_mjpeg, *r_snap;
static size_t part_max;              /* as open_parser() computes it */
static struct session session; /* alice's static session */

static const char policy_fmt[] =
	"{\n"
	"  \"listeners\": {\n"
	"    \"assistant\": { \"listen\": \"127.0.0.1:8443\", \"plain\": true }\n"
	"  },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9443\" },\n"
	"  \"seal\": { \"use\": \"mac\", \"mac_secret\": \"%s\" },\n"
	"  \"keys\": [\n"
	"    { \"public\": \"lenscap-public-key-v1 %s\", \"devices\": [\"cam-a\"] },\n"
	"    { \"public\": \"lenscap-public-key-v1 %s\", \"devices\": [\"*\"] }\n"
	"  ],\n"
	"  \"devices\": {\n"
	"    \"cam-a\": { \"auth\": { \"token_sha256\": \"4cf7c03d691084c89626ae24372110891016d4f413f7729a2ef3a98e4abf078c\" } },\n"
	"    \"cam-b\": { \"auth\": { \"token_sha256\": \"3c8a2a1f7f3bfbd0b4c0c1d0e7a9f1b2c3d4e5f60718293a4b5c6d7e8f901234\" } },\n"
	"    \"cam-c\": { \"auth\": { \"token_sha256\": \"68f5137b9cf07f63c4e86f1126bd9eb26b7b6d97a88a5bdeb8238e09cd46c921\" } }\n"
	"  },\n"
	"  \"accounts\": { \"alice\": { \"devices\": [\"cam-a\", \"cam-b\"] } },\n"
	"  \"sessions\": { \"static\": [ { \"token_sha256\": \"%s\", \"account\": \"alice\" } ] },\n"
	"  \"routes\": [\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/cameras/{device}/stream.mjpeg\",\n"
	"      \"backend\": \"/streams/{device}/live.mjpeg\", \"media\": \"mjpeg\",\n"
	"      \"freshness_ms\": %u },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/cameras/{device}/snapshot\",\n"
	"      \"backend\": \"/frames/{device}/latest.lcf\", \"media\": \"snapshot\",\n"
	"      \"freshness_ms\": %u, \"content_types\": [\"image/jpeg\"] }\n"
	"  ],\n"
	"  \"limits\": { \"max_frame_bytes\": %u, \"drops_in_a_row\": %u,\n"
	"              \"clock_skew_ms\": %u }\n"
	"}\n";

/* Writes the keyed seal's secret to a file of its own in a fresh
 * directory (path, 4096 bytes) for the policy to load; 0 or -1. */
static int
write_mac_secret(char *path, char *dir)
{
	const char *tmp = getenv("TMPDIR");
	int w = snprintf(dir, 4096, "%s/fuzz-relay.XXXXXX",
	                 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");

	if (w < 0 || w >= 4096 || mkdtemp(dir) == NULL)
		return -1;
	w = snprintf(path, 4096, "%s/mac", dir);
	return w < 0 || w >= 4096 || lc_mac_key_save(mac, path) != 0 ? -1 : 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const cam_devs[] = { "cam-a" };
	static const char *const any_devs[] = { "*" };
	static const int seeds[K_COUNT] = {
		RELAY_SEED_CAM, RELAY_SEED_ANY, RELAY_SEED_STRANGER };
	char b64[K_COUNT][sodium_base64_ENCODED_LEN(LC_PUBLICKEY_BYTES,
	                                            sodium_base64_VARIANT_ORIGINAL)];
	char json[sizeof(policy_fmt) + 384 + 4096];
	char dir[4096], path[4096];
	char hex[2 * LC_DIGEST_BYTES + 1];
	uint8_t seed[LC_SEED_BYTES];
	char dev[LC_DEVICE_MAX + 1];
	int w;

	(void)argc;
	(void)argv;
	CHECK(sodium_init() >= 0);
	for (int i = 0; i < K_COUNT; i++) {
		memset(seed, seeds[i], sizeof(seed));
		CHECK(lc_key_from_seed(seed, &keys[i]) == 0);
		sodium_bin2base64(b64[i], sizeof(b64[i]), lc_key_public(keys[i]),
		                  LC_PUBLICKEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	}
	CHECK(lc_keyring_new(&ring) == 0);
	CHECK(lc_keyring_add(ring, lc_key_public(keys[K_CAM]), cam_devs, 1) == 0);
	CHECK(lc_keyring_add(ring, lc_key_public(keys[K_ANY]), any_devs, 1) == 0);
	memset(mac_secret, RELAY_SECRET_MAC, sizeof(mac_secret));
	CHECK(lc_mac_key_from_secret(mac_secret, &mac) == 0);
	CHECK(lc_keyring_add_mac(ring, mac) == 0);
	CHECK(lc_digest("alice-session", 13, session.digest) == 0);
	sodium_bin2hex(hex, sizeof(hex), session.digest, sizeof(session.digest));
	CHECK(write_mac_secret(path, dir) == 0);
	w = snprintf(json, sizeof(json), policy_fmt, path, b64[K_CAM], b64[K_ANY], hex,
	             RELAY_FRESH_MJPEG, RELAY_FRESH_SNAP, RELAY_MAX_FRAME,
	             RELAY_DROPS_MAX, RELAY_SKEW_MS);
	CHECK(w > 0 && (size_t)w < sizeof(json));
	/* With files: the policy loads the secret as lenscapd would. */
	w = policy_load_mem("relay.json", json, (size_t)w, 0, &pol, stderr);
	CHECK(unlink(path) == 0 && rmdir(dir) == 0);
	CHECK(w == 0);
	r_mjpeg = policy_route_match(pol, "assistant", "GET",
	                             "/v1/cameras/cam-a/stream.mjpeg", dev);
	r_snap = policy_route_match(pol, "assistant", "GET",
	                            "/v1/cameras/cam-a/snapshot", dev);
	CHECK(r_mjpeg != NULL && r_mjpeg->media == LC_KIND_MJPEG);
	CHECK(r_snap != NULL && r_snap->media == LC_KIND_SNAPSHOT);
	CHECK(policy_limits(pol)->max_frame_bytes == RELAY_MAX_FRAME);
	CHECK(policy_limits(pol)->drops_in_a_row == RELAY_DROPS_MAX);
	part_max = RELAY_MAX_FRAME + LC_HEADER_MAX;
	return 0;
}

/* ---- the reference: doc/design.md's gate, on the library's open ----- */

/* The sequence rule's memory of passed frames, kept apart from the
 * gate's (struct gate_stream) so that a bug there cannot hide here. */
struct ref_stream {
	int have;
	uint64_t last_seq, last_capture_ms;
	char stream_id[LC_STREAM_ID_MAX + 1];
};

static int
ref_granted(const char *device)
{
	return strcmp(device, "cam-a") == 0 || strcmp(device, "cam-b") == 0;
}

/*
 * Whether the frame may go to alice asking for device through the route
 * (snapshot: rs is NULL).  On yes, *e holds the opened envelope.
 */
static int
ref_accepts(const uint8_t *f, size_t n, const char *device, int kind,
            const struct ref_stream *rs, struct lc_envelope *e)
{
	uint32_t fresh = kind == LC_KIND_MJPEG ? RELAY_FRESH_MJPEG : RELAY_FRESH_SNAP;
	enum lc_drop why = LC_DROP_NONE;
	uint8_t digest[LC_DIGEST_BYTES];

	if (lc_envelope_open(f, n, ring, RELAY_MAX_FRAME, e, &why) != 0)
		return 0;
	/* what open promises, checked from the bytes */
	CHECK(e->header == f && e->body == f + e->header_len);
	CHECK(e->header_len + e->body_len == n);
	CHECK(e->body_len <= RELAY_MAX_FRAME);
	if (e->alg == LC_ALG_MAC_AES256GCM) {
		uint8_t tag[LC_TAG_BYTES];

		CHECK(memcmp(e->key_id, lc_mac_key_id(mac), LC_KEY_ID_BYTES) == 0);
		CHECK(ref_mac_tag(mac_secret, f, e->header_len, e->body, e->body_len, tag) == 0);
		CHECK(memcmp(tag, e->signature, LC_TAG_BYTES) == 0);
	} else {
		CHECK(lc_digest(e->body, e->body_len, digest) == 0);
		CHECK(memcmp(digest, e->digest, LC_DIGEST_BYTES) == 0);
		CHECK(memcmp(e->key_id, lc_key_id(keys[K_ANY]), LC_KEY_ID_BYTES) == 0 ||
		      (memcmp(e->key_id, lc_key_id(keys[K_CAM]), LC_KEY_ID_BYTES) == 0 &&
		       strcmp(e->device, "cam-a") == 0));
	}
	if (strcmp(e->device, device) != 0 || !ref_granted(device))
		return 0;
	if (e->capture_ms > RELAY_NOW_MS &&
	    e->capture_ms - RELAY_NOW_MS > RELAY_SKEW_MS)
		return 0;
	if (e->capture_ms < RELAY_NOW_MS && RELAY_NOW_MS - e->capture_ms > fresh)
		return 0;
	if (rs != NULL && rs->have && strcmp(rs->stream_id, e->stream_id) == 0 &&
	    e->seq <= rs->last_seq)
		return 0;
	if (rs != NULL && rs->have && strcmp(rs->stream_id, e->stream_id) != 0 &&
	    e->capture_ms <= rs->last_capture_ms)
		return 0;
	return e->kind == kind && strcmp(e->content_type, "image/jpeg") == 0;
}

/* A frame the gate passed: the same fields as the reference opened. */
static void
check_passed(const uint8_t *f, size_t n, const struct lc_envelope *env,
             const struct lc_envelope *ref, const char *device)
{
	CHECK(strcmp(env->device, device) == 0);
	CHECK(env->header_len == ref->header_len);
	CHECK(env->body == f + env->header_len);
	CHECK(env->body_len == ref->body_len && env->body_len == n - env->header_len);
	CHECK(env->seq == ref->seq && env->capture_ms == ref->capture_ms);
	CHECK(env->kind == ref->kind);
	CHECK(strcmp(env->stream_id, ref->stream_id) == 0);
	CHECK(strcmp(env->content_type, ref->content_type) == 0);
	CHECK(memcmp(env->digest, ref->digest, LC_DIGEST_BYTES) == 0);
}

/* ---- the stream ------------------------------------------------------ */

struct run {
	const uint8_t *in;    /* the whole body */
	size_t fed;           /* bytes of it given to mp_feed so far */
	size_t next;          /* parts lie at or after this offset */
	size_t dlen;          /* "\r\n--boundary" */
	uint64_t parts, passed;
	unsigned drops_row;
	int stopped;          /* the callback returned STOP_DROPS */
	const char *device;
	struct gate_request req;
	struct gate_stream gs;
	struct ref_stream rs;
};

/* relay_mjpeg.c's on_part, with every step checked. */
static int
on_part(void *arg, const struct mp_part *part)
{
	struct run *r = arg;
	struct lc_envelope env, ref;
	struct gate_stream before = r->gs;
	const uint8_t *at;
	enum lc_drop why;
	int want;

	CHECK(!r->stopped);
	CHECK(part->index == r->parts);
	r->parts++;
	CHECK(part->body_len <= part_max);
	CHECK(part->body != NULL);
	/* Within what was fed, after the previous part, and complete: a part
	 * with a Content-Length once its body and the CRLF after it have
	 * arrived (multipart.h), any other once its delimiter and the two
	 * bytes after it have.  The earliest match is never later than the
	 * true place, so the next part's search starts early enough. */
	CHECK(r->next <= r->fed);
	at = part->body_len == 0 ? r->in + r->next :
	     memmem(r->in + r->next, r->fed - r->next, part->body, part->body_len);
	CHECK(at != NULL);
	CHECK((size_t)(at - r->in) + part->body_len +
	      (part->has_content_length && part->content_length > 0 ? 2 : r->dlen + 2) <= r->fed);
	r->next = (size_t)(at - r->in) + part->body_len;

	want = ref_accepts(part->body, part->body_len, r->device, LC_KIND_MJPEG,
	                   &r->rs, &ref);
	memset(&env, 0, sizeof(env));
	why = gate_frame(pol, &r->req, part->body, part->body_len, &env, &r->gs,
	                 RELAY_NOW_MS);
	if (why != LC_DROP_NONE) {
		if (want)
			fprintf(stderr, "gate dropped a good frame: %s\n",
			        lc_drop_name(why));
		CHECK(!want);
		CHECK(why > LC_DROP_NONE && why < LC_DROP_COUNT_);
		CHECK(memcmp(&before, &r->gs, sizeof(before)) == 0);
		if (why == LC_DROP_NOT_GRANTED || ++r->drops_row >= RELAY_DROPS_MAX) {
			r->stopped = 1;
			return STOP_DROPS;
		}
		return 0;
	}
	CHECK(want);
	check_passed(part->body, part->body_len, &env, &ref, r->device);
	CHECK(r->gs.have_seq && r->gs.last_seq == env.seq &&
	      strcmp(r->gs.stream_id, env.stream_id) == 0);
	r->rs.have = 1;
	r->rs.last_seq = env.seq;
	r->rs.last_capture_ms = env.capture_ms;
	memcpy(r->rs.stream_id, env.stream_id, sizeof(r->rs.stream_id));
	r->drops_row = 0;
	r->passed++;
	return 0;
}

/* The next chunk's size: the sizes given, in turn; else the rest. */
static size_t
chunk_at(const uint8_t *sizes, size_t nsizes, size_t i, size_t left)
{
	size_t k = nsizes == 0 ? left : (size_t)sizes[i % nsizes] + 1;

	return k < left ? k : left;
}

static void
relay_stream(const char *ctype, const uint8_t *body, size_t n,
             const uint8_t *sizes, size_t nsizes, const char *device)
{
	char b[MP_BOUNDARY_MAX + 1];
	struct mp_parser *mp = NULL;
	struct run r;
	size_t i = 0;
	int rc = 0, fin;

	/* open_parser() */
	if (mp_boundary_from_content_type(ctype, b, sizeof(b)) != 0)
		return;
	CHECK(mp_boundary_valid(b));
	CHECK(strlen(b) >= 1 && strlen(b) <= MP_BOUNDARY_MAX);
	CHECK(mp_parser_new(b, part_max, &mp) == 0);

	memset(&r, 0, sizeof(r));
	r.in = body;
	r.dlen = 4 + strlen(b);
	r.device = device;
	r.req.session = &session;
	r.req.account = "alice";
	r.req.device = device;
	r.req.route = r_mjpeg;
	/* on_data(): curl goes on while it returns 0 */
	while (r.fed < n) {
		size_t k = chunk_at(sizes, nsizes, i++, n - r.fed);

		r.fed += k;
		rc = mp_feed(mp, body + r.fed - k, k, on_part, &r);
		if (rc == MP_ENDED)
			CHECK(mp_feed(mp, body, 0, on_part, &r) == MP_ENDED);
		if (rc == 0 || rc == MP_ENDED)
			continue;
		/* on_data() returns 1: the transfer ends here */
		CHECK(rc == STOP_DROPS ? r.stopped : !r.stopped);
		CHECK(rc == STOP_DROPS || rc == LC_ENOMEM ||
		      (rc <= MP_E_TOO_LARGE && rc >= MP_E_NO_BOUNDARY) ||
		      rc == MP_E_LENGTH);
		break;
	}
	CHECK(!r.stopped || rc == STOP_DROPS);
	CHECK(r.passed <= r.parts);
	/* on_done() */
	fin = mp_finish(mp);
	CHECK(rc == 0 ? fin == MP_E_TRUNCATED :
	      rc == MP_ENDED ? fin == MP_ENDED :
	      rc == STOP_DROPS ? fin == MP_E_STOPPED : fin == rc);
	if (!ref_granted(device))
		CHECK(r.passed == 0);
	mp_parser_free(mp);
}

/* ---- the snapshot ---------------------------------------------------- */

/* assistant.c's on_data() bound, then finish_snapshot()'s gate. */
static void
relay_snapshot(const uint8_t *body, size_t n, const uint8_t *sizes,
               size_t nsizes, const char *device)
{
	struct gate_request req = { .session = &session, .account = "alice",
	                            .device = device, .route = r_snap };
	struct lc_envelope env, ref;
	size_t max = LC_HEADER_MAX + RELAY_MAX_FRAME, len = 0, i = 0;
	enum lc_drop why;
	int want;

	while (len < n) {
		size_t k = chunk_at(sizes, nsizes, i++, n - len);

		if (k > max - len)
			return; /* aborted: a drop, nothing gated */
		len += k;
	}
	want = ref_accepts(body, n, device, LC_KIND_SNAPSHOT, NULL, &ref);
	memset(&env, 0, sizeof(env));
	why = gate_frame(pol, &req, body, n, &env, NULL, RELAY_NOW_MS);
	if (why != LC_DROP_NONE) {
		if (want)
			fprintf(stderr, "gate dropped a good snapshot: %s\n",
			        lc_drop_name(why));
		CHECK(!want);
		return;
	}
	CHECK(want);
	check_passed(body, n, &env, &ref, device);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ctype[CT_CAP];
	const uint8_t *sizes, *ct, *nl, *body;
	size_t nsizes, ctlen, n;
	const char *device;

	if (size < 2 || (size_t)data[1] > size - 2)
		return 0;
	device = devices[data[0] & RELAY_FLAG_DEVICE];
	nsizes = data[1];
	sizes = data + 2;
	ct = sizes + nsizes;
	n = size - 2 - nsizes;
	nl = memchr(ct, '\n', n);
	ctlen = nl != NULL ? (size_t)(nl - ct) : n;
	if (ctlen >= sizeof(ctype))
		return 0;
	/* as curl hands it over: a C string, cut at a NUL */
	memcpy(ctype, ct, ctlen);
	ctype[ctlen] = '\0';
	body = nl != NULL ? nl + 1 : ct + n;
	n -= nl != NULL ? ctlen + 1 : ctlen;
	if (data[0] & RELAY_FLAG_SNAPSHOT)
		relay_snapshot(body, n, sizes, nsizes, device);
	else
		relay_stream(ctype, body, n, sizes, nsizes, device);
	return 0;
}
