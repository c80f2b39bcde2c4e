/*
 * The release.  Every frame a session is sent, a still or a part of a
 * stream, passes here just before it goes out: the gate under the policy
 * in force at that moment, the drop's metric and audit line, and the
 * choice of the bytes that leave (the sealed frame or its body).
 */
#include <string.h>

#include "assistant/release.h"
#include "backend/freq.h"
#include "media/m3u8.h"
#include "platform/revoke.h"

#define SEALED_TYPE "application/vnd.lenscap.sealed"

/* Who asks for q's frame: the session whose token digest is session;
 * a capability its account's unlinking revoked, or one that came with
 * the session's token, is so for every frame. */
static struct gate_request
asker(const struct freq *q, const struct session *session)
{
	struct gate_request req = { .session = session, .account = q->account,
	                            .device = q->device, .route = q->route,
	                            .name = q->name };
	uint64_t cap = session->source == SESSION_CAPABILITY ? session->expires_ms
	                                                     : session->cap_expires_ms;

	req.revoked = cap != 0 && q->account != NULL &&
	              revocations_has(q->fc->d->revoked, q->account, q->route->media, cap);
	return req;
}

/* The gate's verdict on sealed under the policy in force now (proof:
 * what an earlier verdict proved, updated; NULL: none), and on an hls
 * route the playlist check; detail says why the latter failed. */
static enum lc_drop
verdict(const struct freq *q, const struct gate_request *req, const uint8_t *sealed,
        size_t len, struct gate_proof *proof, struct gate_stream *st,
        struct lc_envelope *env, char *detail, size_t n)
{
	struct lc_policy *now = lcd_policy(q->fc->d);
	enum lc_drop why;

	/* A proof is made and taken only under the request's own policy,
	 * which the request keeps alive (freq.h): after a reload the frame
	 * is checked whole again, under the new policy's keys. */
	if (now != q->pol)
		proof = NULL;
	why = sealed == NULL ? LC_DROP_MALFORMED
	                     : gate_frame_proven(now, req, sealed, len, proof, env, st,
	                                         lcd_now_ms());
	policy_free(now);
	/* On an hls route a playlist must also name only segments beside
	 * it, and a segment must bear its container's signature (m3u8.h,
	 * segment.h), so that the client is sent nowhere but to more frames
	 * of the same device through this route; a self-sealing camera's
	 * frames never passed the camera face's check. */
	if (why == LC_DROP_NONE && q->route->media == LC_KIND_HLS &&
	    !m3u8_hls_may_go(env->content_type, env->body, env->body_len, detail, n))
		why = LC_DROP_MALFORMED;
	return why;
}

/* Counts and audits a drop; returns why. */
static enum lc_drop
dropped(const struct freq *q, enum lc_drop why, const struct lc_envelope *env,
        const char *detail)
{
	q->fc->d->metrics.frames_dropped[why]++;
	freq_audit(q, "drop", why, env, detail);
	return why;
}

enum lc_drop
release_check(const struct freq *q, const struct session *session, const uint8_t *sealed,
              size_t len, struct gate_proof *proof)
{
	struct gate_request req = asker(q, session);
	struct lc_envelope env;
	char detail[96];

	memset(&env, 0, sizeof(env));
	return verdict(q, &req, sealed, len, proof, NULL, &env, detail, sizeof(detail));
}

enum lc_drop
release_frame(const struct freq *q, const struct session *session, const uint8_t *sealed,
              size_t len, struct gate_proof *proof, struct gate_stream *st,
              struct lc_envelope *env, struct release_out *out)
{
	struct gate_request req = asker(q, session);
	char detail[96] = "";
	enum lc_drop why;

	memset(env, 0, sizeof(*env));
	why = verdict(q, &req, sealed, len, proof, st, env, detail, sizeof(detail));
	if (why != LC_DROP_NONE)
		return dropped(q, why, env, detail[0] ? detail : NULL);
	/* The body goes out from where it lies in the sealed frame. */
	out->off = q->route->pass_sealed ? 0 : env->header_len;
	out->len = q->route->pass_sealed ? len : env->body_len;
	out->content_type = q->route->pass_sealed ? SEALED_TYPE : env->content_type;
	return LC_DROP_NONE;
}

enum lc_drop
release_stopped(const struct freq *q, const struct session *session, const uint8_t *head,
                size_t len, enum lc_drop early)
{
	struct gate_request req = asker(q, session);
	struct lc_envelope env;
	struct lc_policy *now;
	enum lc_drop why = early;
	int rc;

	memset(&env, 0, sizeof(env));
	rc = lc_envelope_parse(head, len, &env, &why);
	if (rc != 0) {
		if (rc != LC_EREJECTED || why == LC_DROP_NONE)
			why = early;
		return dropped(q, why, env.header != NULL ? &env : NULL, NULL);
	}
	now = lcd_policy(q->fc->d);
	why = gate_header(now, &req, &env, NULL, lcd_now_ms());
	policy_free(now);
	return dropped(q, why != LC_DROP_NONE ? why : early, &env, NULL);
}
