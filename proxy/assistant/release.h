/*
 * The release: the one step between a sealed frame fetched for a request
 * and the bytes a session is sent, for stills and streams alike.
 */
#ifndef LC_RELEASE_H
#define LC_RELEASE_H

#include "assistant/gate.h"

struct freq;

/* What goes out of a frame that passed: len bytes from off in the sealed
 * frame, of this content type. */
struct release_out {
	size_t off, len;
	const char *content_type; /* in env, or a constant */
};

/*
 * Releases one sealed frame (len bytes; NULL is malformed) fetched for
 * q, of the session: the gate under the policy in force now (st: the
 * stream's state, NULL for a single frame; proof: what release_check()
 * proved of these bytes, or NULL) and, on an hls route, the playlist
 * check.  A drop is counted and audited and its reason returned.
 * LC_DROP_NONE fills *out: the sealed frame whole on a pass_sealed
 * route, else its body.  env is the parsed envelope (views into sealed).
 */
enum lc_drop release_frame(const struct freq *q, const struct session *session,
                           const uint8_t *sealed, size_t len, struct gate_proof *proof,
                           struct gate_stream *st, struct lc_envelope *env,
                           struct release_out *out);

/*
 * What release_frame() would say of a single frame now, without counting
 * or auditing anything: on the upstream thread, to decide the fate of
 * the backend connection that carried it (assistant.c).  The release
 * that follows on the worker is the verdict.  A frame that passes under
 * the request's own policy (q->pol) leaves its proof in *proof (a struct
 * zeroed or left by an earlier call), so that the release does not check
 * its seal again unless the policy has changed since; the caller keeps
 * the bytes unchanged until then, or zeroes *proof.
 */
enum lc_drop release_check(const struct freq *q, const struct session *session,
                           const uint8_t *sealed, size_t len, struct gate_proof *proof);

/*
 * The drop of a frame whose fetch was stopped at its envelope header
 * (head, len bytes: the header and perhaps some body) because early said
 * it could not pass: the reason is the gate's verdict on the header under
 * the policy in force now (an unsigned header is bad_signature before it
 * is another device's), else early.  Counted and audited like any drop;
 * returns the reason.
 */
enum lc_drop release_stopped(const struct freq *q, const struct session *session,
                             const uint8_t *head, size_t len, enum lc_drop early);

#endif
