/*
 * The gate: the one place that decides whether a sealed frame may be
 * released to a session (doc/design.md, "The gate").  Every relay calls it;
 * its verdict is LC_DROP_NONE or the reason for the drop.
 */
#ifndef LC_GATE_H
#define LC_GATE_H

#include <stdint.h>

#include "lenscap.h"
#include "policy.h"
#include "assistant/session.h"

/* Who asked, for what, through which route.  All borrowed. */
struct gate_request {
	const struct session *session;     /* who asked, proved how */
	const char *account;               /* its account when it asked */
	const char *device;                /* the device asked for */
	const struct policy_route *route;  /* kind, freshness, content types */
	const char *name;                  /* an hls route's {name}, or NULL */
	int revoked;                       /* a capability an unlinking revoked
	                                      (platform/revoke.h): nothing passes */
};

/* Per-stream state for the sequence rule; zero it at stream start.
 * Within one stream id the sequence number must increase; a frame of
 * another stream id must be newer than the last frame that passed, so
 * that switching ids back and forth cannot replay a frame. */
struct gate_stream {
	int have_seq;
	uint64_t last_seq;
	uint64_t last_capture_ms;
	char stream_id[LC_STREAM_ID_MAX + 1];
};

/*
 * Checks a parsed envelope header against pol (the policy in force now,
 * so that a reload that revokes the grant, or the session token, or gives
 * the token to another account, stops the very next frame), the request
 * and the stream (NULL for a snapshot).  Rules 1-4 and 6-8 of the gate;
 * the body (rule 5) is gate_body()'s.  Updates st only when the frame
 * passes.  now_ms is the wall clock.  Any internal failure is a drop.
 * A keyed-seal header (algorithm 3) cannot be proven alone: for one,
 * LC_DROP_NONE only says that the rules would let it pass once
 * gate_frame() has checked its tag over header and body.
 */
enum lc_drop gate_header(const struct lc_policy *pol,
                         const struct gate_request *req,
                         const struct lc_envelope *env,
                         struct gate_stream *st, uint64_t now_ms);

/*
 * What an envelope header claims, without trusting it: its device is
 * device, its kind and content type the route's.  The gate checks the
 * same once the signature holds; this lets a fetch stop at a header
 * that cannot pass before the rest of another device's frame is read.
 */
enum lc_drop gate_claims(const struct policy_route *route, const char *device,
                         const struct lc_envelope *env);

/* Rule 5: the body's length and digest match the envelope. */
enum lc_drop gate_body(const struct lc_envelope *env, uint64_t body_len,
                       const uint8_t digest[LC_DIGEST_BYTES]);

/*
 * A whole sealed frame: parse, gate_header, bounded by the policy's
 * max_frame_bytes, then gate_body.  On LC_DROP_NONE, env->body is a view
 * of the body in sealed.
 */
enum lc_drop gate_frame(const struct lc_policy *pol,
                        const struct gate_request *req, const uint8_t *sealed,
                        size_t len, struct lc_envelope *env,
                        struct gate_stream *st, uint64_t now_ms);

/*
 * What the gate's cryptography found of one sealed frame: the len bytes
 * at sealed passed the whole gate under pol, so their seal holds under
 * pol's keys, that key may seal for the frame's device and the body is
 * the one sealed (rules 2, 3 and 5).  pol is compared, never read: its
 * holder keeps it alive, so that no other policy can take its address.
 * The holder must forget the proof (pol NULL) before it changes a byte
 * of the frame.
 */
struct gate_proof {
	const struct lc_policy *pol;
	const uint8_t *sealed;
	size_t len;
};

/*
 * gate_frame() with a proof (NULL: none).  A proof of these very bytes
 * under pol leaves only the rules that do not need the cryptography
 * (the device, the grant, the time, the sequence, the kind); any other
 * proof is ignored, the frame is checked whole, and if it passes, *proof
 * becomes its proof.  So each frame's seal is checked once, however many
 * times a verdict is asked under the same policy.
 */
enum lc_drop gate_frame_proven(const struct lc_policy *pol,
                               const struct gate_request *req, const uint8_t *sealed,
                               size_t len, struct gate_proof *proof,
                               struct lc_envelope *env, struct gate_stream *st,
                               uint64_t now_ms);

#endif
