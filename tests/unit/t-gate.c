/* Unit tests for the gate: each of its rules drops what it must and only
 * that, the stream state moves only on a passed frame, and a new policy
 * revokes a grant, or a session, for the very next frame; under the
 * keyed seal, the tag is checked over the whole frame before any rule;
 * a proof spares the seal's check only for the very bytes and policy it
 * was made of, and the release takes none across a reload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "assistant/gate.h"
#include "assistant/release.h"
#include "backend/freq.h"
#include "clock.h"
#include "daemon.h"
#include "tap.h"

#define NOW 1764000000000ULL

static struct lc_secret_key *ingest, *cam2_key, *rogue;
static struct lc_mac_key *mac, *mac_rogue;
/* The policy's "seal" member, with a comma, or "" (policy_fmt's first %s);
 * a policy with one loads its files. */
static const char *seal_json = "";

/* The policy under test: alice sees cam-1 and cam-2, bob cam-1 and cam-3;
 * the ingest key signs for all devices, cam-2's own key for cam-2.  Each
 * account's session token is "<account>-token" (see sessions()). */
static const char policy_fmt[] =
	"{ \"listeners\": { \"assistant\": { \"listen\": \"127.0.0.1:8443\", \"plain\": true } },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9443\" },\n"
	"  %s\n"
	"  \"keys\": [ { \"public\": \"%s\", \"devices\": [\"*\"] },\n"
	"            { \"public\": \"%s\", \"devices\": [\"cam-2\"] } ],\n"
	"  \"devices\": { \"cam-1\": { \"auth\": { \"token_sha256\": \"%064d\" } },\n"
	"               \"cam-2\": { \"auth\": { \"token_sha256\": \"%064d\" } },\n"
	"               \"cam-3\": { \"auth\": { \"token_sha256\": \"%064d\" } } },\n"
	"  \"accounts\": { \"alice\": { \"devices\": [%s] }, \"bob\": { \"devices\": [\"cam-1\", \"cam-3\"] } },\n"
	"  \"sessions\": { \"static\": [%s] },\n"
	"  \"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/c/{device}/snap\", \"backend\": \"/f/{device}\",\n"
	"      \"media\": \"snapshot\", \"freshness_ms\": 30000, \"content_types\": [\"image/jpeg\"] },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/c/{device}/live\", \"backend\": \"/s/{device}\",\n"
	"      \"media\": \"mjpeg\", \"freshness_ms\": 5000, \"content_types\": [\"image/jpeg\"] } ],\n"
	"  \"limits\": { \"max_frame_bytes\": 1000, \"clock_skew_ms\": 2000 } }\n";

/* The digest of account's session token. */
static void
token_of(const char *account, uint8_t d[LC_DIGEST_BYTES])
{
	char token[64];

	snprintf(token, sizeof(token), "%s-token", account);
	if (lc_digest(token, strlen(token), d) != 0)
		memset(d, 0, LC_DIGEST_BYTES);
}

/* The static sessions: holder's token given to account, for each pair
 * of the NULL-ended list. */
static const char *
sessions(char *out, size_t n, const char *const *pairs)
{
	uint8_t d[LC_DIGEST_BYTES];
	char hex[2 * LC_DIGEST_BYTES + 1];
	size_t used = 0;

	out[0] = '\0';
	for (; pairs[0] != NULL; pairs += 2) {
		token_of(pairs[0], d);
		sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
		used += (size_t)snprintf(out + used, n - used,
		                         "%s{ \"token_sha256\": \"%s\", \"account\": \"%s\" }",
		                         used ? ", " : "", hex, pairs[1]);
	}
	return out;
}

static const char *const both_sessions[] = { "alice", "alice", "bob", "bob", NULL };

static struct lc_policy *
make_policy_with(const char *alice_devices, const char *const *session_pairs)
{
	char pk1[64], pk2[64], sess[512], text[8192];
	struct lc_policy *pol = NULL;
	size_t n;

	sodium_bin2base64(pk1, sizeof(pk1), lc_key_public(ingest), 32,
	                  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(pk2, sizeof(pk2), lc_key_public(cam2_key), 32,
	                  sodium_base64_VARIANT_ORIGINAL);
	n = (size_t)snprintf(text, sizeof(text), policy_fmt, seal_json, pk1, pk2, 1, 2, 3,
	                     alice_devices, sessions(sess, sizeof(sess), session_pairs));
	if (policy_load_mem("t-gate.json", text, n, seal_json[0] ? 0 : POLICY_NO_FILES,
	                    &pol, stdout) != 0)
		return NULL;
	return pol;
}

static struct lc_policy *
make_policy(const char *alice_devices)
{
	return make_policy_with(alice_devices, both_sessions);
}

struct frame {
	uint8_t buf[2048];
	size_t len;
};

static struct frame
seal(const struct lc_secret_key *k, const char *device, int kind,
     const char *stream, uint64_t seq, uint64_t t, const char *ctype,
     size_t body_len)
{
	struct lc_seal_params p = { .device = device, .kind = kind,
		.stream_id = stream, .seq = seq, .capture_ms = t,
		.content_type = ctype };
	uint8_t body[1200];
	struct frame f = { .len = 0 };

	memset(body, 'j', sizeof(body));
	if (lc_envelope_seal(k, &p, body, body_len, f.buf, sizeof(f.buf), &f.len) != 0)
		f.len = 0;
	return f;
}

/* As seal(), with a keyed-seal secret. */
static struct frame
seal_mac(struct lc_mac_key *k, const char *device, int kind, const char *stream,
         uint64_t seq, uint64_t t, size_t body_len)
{
	struct lc_seal_params p = { .device = device, .kind = kind,
		.stream_id = stream, .seq = seq, .capture_ms = t,
		.content_type = "image/jpeg" };
	uint8_t body[1200];
	struct frame f = { .len = 0 };

	memset(body, 'k', sizeof(body));
	if (lc_envelope_seal_mac(k, &p, body, body_len, f.buf, sizeof(f.buf), &f.len) != 0)
		f.len = 0;
	return f;
}

/* f with its tag's last byte changed. */
static struct frame
bad_tag(struct frame f)
{
	struct lc_envelope env;
	enum lc_drop why;

	if (lc_envelope_parse(f.buf, f.len, &env, &why) == 0)
		f.buf[env.header_len - 1] ^= 0x01;
	return f;
}

/* A frame for account's session, which asked under its own token. */
static enum lc_drop
check(const struct lc_policy *pol, const char *account, const char *device,
      size_t route, struct frame f, struct gate_stream *st)
{
	struct session session = { .source = SESSION_STATIC };
	struct gate_request req = { .session = &session, .account = account,
	                            .device = device, .route = policy_route(pol, route) };
	struct lc_envelope env;

	token_of(account, session.digest);
	return gate_frame(pol, &req, f.buf, f.len, &env, st, NOW);
}

#define SNAP(dev, t) seal(ingest, dev, LC_KIND_SNAPSHOT, NULL, 1, t, "image/jpeg", 100)

static void
test_snapshot_rules(const struct lc_policy *pol)
{
	struct frame f;

	is_int(check(pol, "alice", "cam-1", 0, SNAP("cam-1", NOW), NULL),
	       LC_DROP_NONE, "a fresh granted frame passes");
	is_int(check(pol, "alice", "cam-1", 0, SNAP("cam-3", NOW), NULL),
	       LC_DROP_DEVICE_MISMATCH, "another device's frame (Xiaomi) is dropped");
	is_int(check(pol, "alice", "cam-3", 0, SNAP("cam-3", NOW), NULL),
	       LC_DROP_NOT_GRANTED, "a device not granted to the account");
	is_int(check(pol, "mallory", "cam-1", 0, SNAP("cam-1", NOW), NULL),
	       LC_DROP_NOT_GRANTED, "an account the policy does not know");
	is_int(check(pol, "alice", "cam-1", 0, SNAP("cam-1", NOW - 30001), NULL),
	       LC_DROP_STALE, "older than the route's window");
	is_int(check(pol, "alice", "cam-1", 0, SNAP("cam-1", NOW - 30000), NULL),
	       LC_DROP_NONE, "exactly at the window passes");
	is_int(check(pol, "alice", "cam-1", 0, SNAP("cam-1", NOW + 2001), NULL),
	       LC_DROP_FUTURE, "beyond the clock skew into the future");
	is_int(check(pol, "alice", "cam-1", 0, SNAP("cam-1", NOW + 2000), NULL),
	       LC_DROP_NONE, "within the skew passes");
	f = seal(ingest, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, NOW, "image/png", 100);
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_CONTENT_TYPE,
	       "a content type the route does not allow");
	f = seal(ingest, "cam-1", LC_KIND_MJPEG, "s", 1, NOW, "image/jpeg", 100);
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_KIND_MISMATCH,
	       "a stream frame on a snapshot route");
	f = seal(ingest, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, NOW, "image/jpeg", 1001);
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_TOO_LARGE,
	       "over the policy's max_frame_bytes");
	f = seal(rogue, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, NOW, "image/jpeg", 100);
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_UNKNOWN_KEY,
	       "a key the policy does not trust");
	f = seal(cam2_key, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, NOW, "image/jpeg", 100);
	is_int(check(pol, "alice", "cam-1", 0, f, NULL),
	       LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE, "cam-2's key signing for cam-1");
	f = seal(cam2_key, "cam-2", LC_KIND_SNAPSHOT, NULL, 1, NOW, "image/jpeg", 100);
	is_int(check(pol, "alice", "cam-2", 0, f, NULL), LC_DROP_NONE,
	       "cam-2's own key for cam-2");
	f = SNAP("cam-1", NOW);
	f.buf[f.len - 1] ^= 1;
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_DIGEST_MISMATCH,
	       "a corrupted body");
	f = SNAP("cam-1", NOW);
	f.len--;
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_LENGTH_MISMATCH,
	       "a truncated body");
	f = SNAP("cam-1", NOW);
	f.buf[40] ^= 1;
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_BAD_SIGNATURE,
	       "a changed capture time");
	f = SNAP("cam-1", NOW);
	f.len = 50;
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_MALFORMED,
	       "a header cut short");
	is_int(check(NULL, "alice", "cam-1", 0, SNAP("cam-1", NOW), NULL),
	       LC_DROP_INTERNAL, "no policy: fail closed");
}

#define LIVE(seq) seal(ingest, "cam-1", LC_KIND_MJPEG, "s1", seq, NOW, "image/jpeg", 100)

static void
test_stream_rules(const struct lc_policy *pol)
{
	struct gate_stream st;
	struct frame bad;

	memset(&st, 0, sizeof(st));
	is_int(check(pol, "alice", "cam-1", 1, LIVE(5), &st), LC_DROP_NONE, "seq 5");
	is_int(check(pol, "alice", "cam-1", 1, LIVE(6), &st), LC_DROP_NONE, "seq 6");
	is_int(check(pol, "alice", "cam-1", 1, LIVE(6), &st), LC_DROP_SEQUENCE_REPLAY,
	       "seq 6 again is a replay");
	is_int(check(pol, "alice", "cam-1", 1, LIVE(2), &st), LC_DROP_SEQUENCE_REPLAY,
	       "an older frame is a replay");
	bad = LIVE(9);
	bad.buf[bad.len - 1] ^= 1;
	is_int(check(pol, "alice", "cam-1", 1, bad, &st), LC_DROP_DIGEST_MISMATCH,
	       "a corrupted seq 9");
	is_int(check(pol, "alice", "cam-1", 1, LIVE(7), &st), LC_DROP_NONE,
	       "a dropped frame does not move the sequence");
	ok(st.last_seq == 7, "stream state at 7");
	/* Another stream id may start anywhere, but only forward in time. */
	is_int(check(pol, "alice", "cam-1", 1,
	             seal(ingest, "cam-1", LC_KIND_MJPEG, "s2", 1, NOW, "image/jpeg", 100), &st),
	       LC_DROP_SEQUENCE_REPLAY, "a new stream id in the same millisecond: a replay");
	is_int(check(pol, "alice", "cam-1", 1,
	             seal(ingest, "cam-1", LC_KIND_MJPEG, "s2", 1, NOW + 1, "image/jpeg", 100), &st),
	       LC_DROP_NONE, "a new stream id starts at seq 1");
	is_int(check(pol, "alice", "cam-1", 1, LIVE(8), &st), LC_DROP_SEQUENCE_REPLAY,
	       "back to the first stream id with an older frame: a replay");
	is_int(check(pol, "alice", "cam-1", 1,
	             seal(ingest, "cam-1", LC_KIND_MJPEG, "s1", 8, NOW + 2, "image/jpeg", 100), &st),
	       LC_DROP_NONE, "back to it with a newer frame passes");
}

static void
test_revocation(const struct lc_policy *pol)
{
	struct lc_policy *revoked = make_policy("\"cam-2\"");
	struct gate_stream st;

	memset(&st, 0, sizeof(st));
	ok(revoked != NULL, "a policy without alice's cam-1 loads");
	is_int(check(pol, "alice", "cam-1", 1, LIVE(1), &st), LC_DROP_NONE,
	       "before the reload: passes");
	if (revoked != NULL)
		is_int(check(revoked, "alice", "cam-1", 1, LIVE(2), &st),
		       LC_DROP_NOT_GRANTED, "after the reload: the next frame is dropped");
	policy_free(revoked);
}

/* Eufy: the session, not only its account, is checked frame by frame. */
static void
test_session_revocation(void)
{
	static const char *const bob_only[] = { "bob", "bob", NULL };
	static const char *const alice_to_bob[] = { "alice", "bob", "bob", "bob", NULL };
	struct lc_policy *gone = make_policy_with("\"cam-1\"", bob_only);
	struct lc_policy *moved = make_policy_with("\"cam-1\"", alice_to_bob);
	struct lc_policy *kept = make_policy_with("\"cam-1\"", both_sessions);
	struct gate_stream st;

	memset(&st, 0, sizeof(st));
	if (!ok(gone != NULL && moved != NULL && kept != NULL, "the reloaded policies load"))
		goto done;
	is_int(check(kept, "alice", "cam-1", 1, LIVE(1), &st), LC_DROP_NONE,
	       "alice's token, alice's grant: passes");
	is_int(check(gone, "alice", "cam-1", 1, LIVE(2), &st), LC_DROP_NOT_GRANTED,
	       "her token taken away, her account's grant kept: dropped");
	is_int(check(moved, "alice", "cam-1", 1, LIVE(3), &st), LC_DROP_NOT_GRANTED,
	       "her token given to bob, who may see cam-1 too: dropped");
	is_int(check(moved, "bob", "cam-3", 0, SNAP("cam-3", NOW), NULL), LC_DROP_NONE,
	       "bob's own session is untouched");
	is_int(check(kept, "alice", "cam-1", 1, LIVE(4), &st), LC_DROP_NONE,
	       "a dropped frame left the stream where it was");
done:
	policy_free(gone);
	policy_free(moved);
	policy_free(kept);
}

/* gate_frame_proven() on f for alice, asking for device, at now_ms. */
static enum lc_drop
proven(const struct lc_policy *pol, const char *device, const struct frame *f,
       size_t len, struct gate_proof *proof, uint64_t now_ms)
{
	struct session session = { .source = SESSION_STATIC };
	struct gate_request req = { .session = &session, .account = "alice",
	                            .device = device, .route = policy_route(pol, 0) };
	struct lc_envelope env;

	token_of("alice", session.digest);
	return gate_frame_proven(pol, &req, f->buf, len, proof, &env, NULL, now_ms);
}

static void
test_proof(const struct lc_policy *pol)
{
	struct lc_policy *other = make_policy("\"cam-1\", \"cam-2\"");
	struct gate_proof proof = { .pol = NULL };
	struct frame f = SNAP("cam-1", NOW);

	f.buf[f.len - 1] ^= 1;
	is_int(proven(pol, "cam-1", &f, f.len, &proof, NOW), LC_DROP_DIGEST_MISMATCH,
	       "proof: a corrupted body is dropped");
	ok(proof.pol == NULL, "proof: none made of a dropped frame");
	f.buf[f.len - 1] ^= 1;
	is_int(proven(pol, "cam-1", &f, f.len, &proof, NOW), LC_DROP_NONE,
	       "proof: the frame passes");
	ok(proof.pol == pol && proof.sealed == f.buf && proof.len == f.len,
	   "proof: made of these bytes under this policy");
	/* The rules that need no cryptography still run under a proof. */
	is_int(proven(pol, "cam-2", &f, f.len, &proof, NOW), LC_DROP_DEVICE_MISMATCH,
	       "proof: another device asked: device_mismatch");
	is_int(proven(pol, "cam-1", &f, f.len, &proof, NOW + 30001), LC_DROP_STALE,
	       "proof: later, stale");
	/* A proof spares the seal's check (so its holder must forget it
	 * before it changes a byte), but only of the bytes and policy it
	 * names. */
	f.buf[f.len - 1] ^= 1;
	is_int(proven(pol, "cam-1", &f, f.len, &proof, NOW), LC_DROP_NONE,
	       "proof: the seal is not checked again");
	if (ok(other != NULL, "proof: another policy loads")) {
		is_int(proven(other, "cam-1", &f, f.len, &proof, NOW), LC_DROP_DIGEST_MISMATCH,
		       "proof: not taken under another policy");
		ok(proof.pol == pol, "proof: a dropped frame leaves the proof as it was");
	}
	is_int(proven(pol, "cam-1", &f, f.len - 1, &proof, NOW), LC_DROP_LENGTH_MISMATCH,
	       "proof: not taken of another length");
	proof.pol = NULL;
	is_int(proven(pol, "cam-1", &f, f.len, &proof, NOW), LC_DROP_DIGEST_MISMATCH,
	       "proof: forgotten, the seal is checked again");
	policy_free(other);
}

#define KSNAP(k, dev, t) seal_mac(k, dev, LC_KIND_SNAPSHOT, NULL, 1, t, 100)
#define KLIVE(seq) seal_mac(mac, "cam-1", LC_KIND_MJPEG, "k1", seq, NOW, 100)

/* The test policy with a "seal" section that names mac's secret
 * (written to a directory of this test's own, then removed); NULL if it
 * cannot be made. */
static struct lc_policy *
keyed_policy(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[600], json[700];
	struct lc_policy *pol = NULL;

	snprintf(dir, sizeof(dir), "%s/t-gate.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/mac", dir);
	snprintf(json, sizeof(json), "\"seal\": { \"use\": \"mac\", \"mac_secret\": "
	         "\"%s\" },", path);
	if (lc_mac_key_save(mac, path) == 0) {
		seal_json = json;
		pol = make_policy("\"cam-1\", \"cam-2\"");
		seal_json = "";
		(void)unlink(path);
	}
	(void)rmdir(dir);
	return pol;
}

/* The keyed seal, under a policy whose "seal" section names its secret. */
static void
test_keyed_seal(void)
{
	struct lc_policy *pol = keyed_policy();
	struct gate_stream st;
	struct frame f;

	if (!ok(pol != NULL, "keyed: the policy with a seal section loads"))
		return;

	is_int(check(pol, "alice", "cam-1", 0, KSNAP(mac, "cam-1", NOW), NULL),
	       LC_DROP_NONE, "keyed: a good frame passes");
	is_int(check(pol, "alice", "cam-1", 0, bad_tag(KSNAP(mac, "cam-1", NOW)), NULL),
	       LC_DROP_BAD_SIGNATURE, "keyed: a changed tag: bad_signature");
	f = KSNAP(mac, "cam-1", NOW);
	f.buf[f.len - 1] ^= 0x01;
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_BAD_SIGNATURE,
	       "keyed: a changed body: bad_signature, not digest_mismatch");
	f = KSNAP(mac, "cam-1", NOW);
	f.len--;
	is_int(check(pol, "alice", "cam-1", 0, f, NULL), LC_DROP_LENGTH_MISMATCH,
	       "keyed: a byte short: length_mismatch");
	is_int(check(pol, "alice", "cam-1", 0, KSNAP(mac_rogue, "cam-1", NOW), NULL),
	       LC_DROP_UNKNOWN_KEY, "keyed: another secret: unknown_key");
	/* The rules still apply to a frame whose tag is good... */
	is_int(check(pol, "alice", "cam-1", 0, KSNAP(mac, "cam-2", NOW), NULL),
	       LC_DROP_DEVICE_MISMATCH, "keyed: another device's frame: device_mismatch");
	is_int(check(pol, "alice", "cam-3", 0, KSNAP(mac, "cam-3", NOW), NULL),
	       LC_DROP_NOT_GRANTED, "keyed: a device not granted: not_granted");
	is_int(check(pol, "alice", "cam-1", 0, KSNAP(mac, "cam-1", NOW - 31000), NULL),
	       LC_DROP_STALE, "keyed: stale");
	/* ...and no rule reads a header whose tag is not: the tag first. */
	is_int(check(pol, "alice", "cam-1", 0, bad_tag(KSNAP(mac, "cam-2", NOW)), NULL),
	       LC_DROP_BAD_SIGNATURE, "keyed: another device's, tag changed: bad_signature");
	is_int(check(pol, "alice", "cam-3", 0, bad_tag(KSNAP(mac, "cam-3", NOW)), NULL),
	       LC_DROP_BAD_SIGNATURE, "keyed: not granted, tag changed: bad_signature");
	is_int(check(pol, "alice", "cam-1", 0, bad_tag(KSNAP(mac, "cam-1", NOW - 31000)),
	             NULL), LC_DROP_BAD_SIGNATURE, "keyed: stale, tag changed: bad_signature");
	/* The size bound comes before the MAC runs over the body. */
	is_int(check(pol, "alice", "cam-1", 0,
	             bad_tag(seal_mac(mac, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, NOW, 1001)),
	             NULL), LC_DROP_TOO_LARGE, "keyed: over max_frame_bytes: too_large");

	memset(&st, 0, sizeof(st));
	is_int(check(pol, "alice", "cam-1", 1, KLIVE(1), &st), LC_DROP_NONE, "keyed: seq 1");
	is_int(check(pol, "alice", "cam-1", 1, bad_tag(KLIVE(2)), &st),
	       LC_DROP_BAD_SIGNATURE, "keyed: seq 2 with a changed tag");
	is_int(check(pol, "alice", "cam-1", 1, KLIVE(2), &st), LC_DROP_NONE,
	       "keyed: the dropped frame did not move the sequence");
	is_int(check(pol, "alice", "cam-1", 1, KLIVE(2), &st), LC_DROP_SEQUENCE_REPLAY,
	       "keyed: seq 2 again is a replay");
	is_int(check(pol, "alice", "cam-1", 1,
	             seal(ingest, "cam-1", LC_KIND_MJPEG, "k1", 3, NOW, "image/jpeg", 100), &st),
	       LC_DROP_NONE, "keyed: Ed25519 frames still pass beside the keyed seal");
	policy_free(pol);
}

/* A daemon, listener, request and session of the test's own: all that
 * release.c reads of them. */
struct releaser {
	struct lcd d;
	struct listener_ctx fc;
	struct freq q;
	struct session session;
};

/* rl: alice asks for cam-1's still under pol, the policy in force too.
 * 0, or -1 if the daemon's lock cannot be made. */
static int
releaser_init(struct releaser *rl, struct lc_policy *pol)
{
	memset(rl, 0, sizeof(*rl));
	if (pthread_mutex_init(&rl->d.lock, NULL) != 0)
		return -1;
	rl->d.pol = policy_ref(pol);
	rl->fc.d = &rl->d;
	snprintf(rl->fc.name, sizeof(rl->fc.name), "assistant");
	rl->q.fc = &rl->fc;
	rl->q.pol = policy_ref(pol);
	rl->q.route = policy_route(pol, 0);
	rl->q.account = "alice";
	snprintf(rl->q.device, sizeof(rl->q.device), "cam-1");
	rl->session.source = SESSION_STATIC;
	token_of("alice", rl->session.digest);
	return 0;
}

static void
releaser_done(struct releaser *rl)
{
	policy_free(rl->q.pol);
	policy_free(rl->d.pol);
	(void)pthread_mutex_destroy(&rl->d.lock);
}

/*
 * A still vouched for (release_check(), the backend thread's), then a
 * reload, then released (release_frame(), the worker's): the release
 * checks the seal again, under the new policy's keys, and a vouch under
 * a policy the request does not hold makes no proof.  Were such a proof
 * kept, the policy it names could be freed and the next one loaded at
 * its address, and the proof would seem to be of that one.
 */
static void
test_release_reload(void)
{
	struct lc_policy *keyed = keyed_policy(), *plain = make_policy("\"cam-1\", \"cam-2\"");
	struct gate_proof proof = { .pol = NULL };
	struct release_out out;
	struct lc_envelope env;
	struct releaser rl;
	struct frame f, g;
	uint64_t now = lcd_now_ms();

	if (!ok(keyed != NULL && plain != NULL, "release: the policies load") ||
	    releaser_init(&rl, keyed) != 0)
		goto done;
	/* Of now: the release asks the wall clock. */
	f = seal_mac(mac, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, now, 100);
	g = seal(ingest, "cam-1", LC_KIND_SNAPSHOT, NULL, 1, now, "image/jpeg", 100);
	is_int(release_check(&rl.q, &rl.session, f.buf, f.len, &proof), LC_DROP_NONE,
	       "release: the vouch passes a keyed still");
	ok(proof.pol == keyed, "release: and proves it under the request's policy");
	is_int(release_frame(&rl.q, &rl.session, f.buf, f.len, &proof, NULL, &env, &out),
	       LC_DROP_NONE, "release: no reload: the still is released");
	/* The new policy no longer holds the secret; the grant and the
	 * session stand, so only the seal's check can drop the frame. */
	policy_free(lcd_swap_policy(&rl.d, policy_ref(plain)));
	is_int(release_frame(&rl.q, &rl.session, f.buf, f.len, &proof, NULL, &env, &out),
	       LC_DROP_UNKNOWN_KEY,
	       "release: a reload between vouch and release: the seal is checked again");
	proof.pol = NULL;
	is_int(release_check(&rl.q, &rl.session, g.buf, g.len, &proof), LC_DROP_NONE,
	       "release: after the reload, a still sealed with a key kept passes");
	ok(proof.pol == NULL, "release: but no proof is made under a policy the request "
	   "does not hold");
	is_int(release_frame(&rl.q, &rl.session, g.buf, g.len, &proof, NULL, &env, &out),
	       LC_DROP_NONE, "release: and it is released, checked whole");
	releaser_done(&rl);
done:
	policy_free(keyed);
	policy_free(plain);
}

int
main(void)
{
	uint8_t seed[32];
	struct lc_policy *pol;

	tap_init();
	memset(seed, 7, sizeof(seed));
	if (lc_key_from_seed(seed, &ingest) != 0)
		return 99;
	memset(seed, 8, sizeof(seed));
	if (lc_key_from_seed(seed, &cam2_key) != 0 || lc_key_generate(&rogue) != 0 ||
	    lc_mac_key_generate(&mac) != 0 || lc_mac_key_generate(&mac_rogue) != 0)
		return 99;
	pol = make_policy("\"cam-1\", \"cam-2\"");
	if (!ok(pol != NULL, "the test policy loads"))
		return tap_done();
	is_int(policy_route_count(pol), 2, "two routes");
	test_snapshot_rules(pol);
	test_stream_rules(pol);
	test_revocation(pol);
	test_session_revocation();
	test_proof(pol);
	test_keyed_seal();
	test_release_reload();
	policy_free(pol);
	lc_mac_key_free(mac);
	lc_mac_key_free(mac_rogue);
	lc_key_free(ingest);
	lc_key_free(cam2_key);
	lc_key_free(rogue);
	return tap_done();
}
