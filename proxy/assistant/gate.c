/*
 * The gate.  Between the backend and the assistant: a frame passes only
 * if its envelope is well formed and signed by a key that may sign for
 * its device, the device is the one asked for and granted to the session
 * now, the body matches, the frame is fresh, its sequence advances and
 * its kind and content type are the route's.  Fail closed.  A keyed
 * seal (lenscapd's own frames) proves header and body together, so its
 * tag is checked over the whole frame before any rule reads the header.
 */
#include <string.h>

#include "assistant/gate.h"

/* Rule 4: the frame is of the device asked for, granted to the session
 * under the policy in force now.  The session is checked again, not
 * only its account (Eufy, 2021): a token a reload took away, or gave to
 * another account, or one that expired, sees nothing more. */
static enum lc_drop
check_grant(const struct lc_policy *pol, const struct gate_request *req,
            const struct lc_envelope *env, uint64_t now_ms)
{
	const struct policy_account *acct;

	if (strcmp(env->device, req->device) != 0)
		return LC_DROP_DEVICE_MISMATCH;
	acct = policy_account_by_name(pol, req->account);
	if (acct == NULL || req->revoked ||
	    !session_holds(pol, req->session, req->account, req->device, now_ms) ||
	    !policy_may_see(pol, acct, req->device))
		return LC_DROP_NOT_GRANTED;
	return LC_DROP_NONE;
}

/* Rule 6: captured within the route's window, not beyond the skew into
 * the future.  A window of 0 means the route does not bound age. */
static enum lc_drop
check_time(const struct lc_policy *pol, const struct policy_route *route,
           uint64_t capture_ms, uint64_t now_ms)
{
	uint64_t skew = policy_limits(pol)->clock_skew_ms;

	if (capture_ms > now_ms && capture_ms - now_ms > skew)
		return LC_DROP_FUTURE;
	if (route->freshness_ms > 0 && capture_ms < now_ms &&
	    now_ms - capture_ms > route->freshness_ms)
		return LC_DROP_STALE;
	return LC_DROP_NONE;
}

/* Rule 7: on a stream the sequence number strictly increases within
 * one stream id, and a change of stream id moves forward in time (else
 * A#3, B#1, A#3 would pass A#3 twice; with B#1 of the very millisecond
 * of A#3, so would a time that merely did not go back). */
static enum lc_drop
check_sequence(const struct gate_stream *st, const struct lc_envelope *env)
{
	if (st == NULL || !st->have_seq)
		return LC_DROP_NONE;
	if (strcmp(st->stream_id, env->stream_id) == 0 ? env->seq <= st->last_seq
	                                               : env->capture_ms <= st->last_capture_ms)
		return LC_DROP_SEQUENCE_REPLAY;
	return LC_DROP_NONE;
}

/* Rule 8: the route's media kind and one of its content types. */
static enum lc_drop
check_type(const struct policy_route *route, const struct lc_envelope *env)
{
	if (env->kind != route->media)
		return LC_DROP_KIND_MISMATCH;
	for (size_t i = 0; i < route->ncontent_types; i++)
		if (strcmp(route->content_types[i], env->content_type) == 0)
			return LC_DROP_NONE;
	return LC_DROP_CONTENT_TYPE;
}

/* On an hls route with a {name}: the envelope's stream id is the one
 * the name asked for gives (lc_hls_stream_id()), so that a backend
 * cannot serve this device's seg-3.ts, or an old playlist under another
 * name, for the name asked. */
static enum lc_drop
check_name(const struct gate_request *req, const struct lc_envelope *env)
{
	char want[LC_HLS_STREAM_ID_LEN + 1];

	if (req->route->media != LC_KIND_HLS || !req->route->has_name)
		return LC_DROP_NONE;
	if (req->name == NULL || lc_hls_stream_id(req->name, want) != 0)
		return LC_DROP_INTERNAL;
	return strcmp(env->stream_id, want) == 0 ? LC_DROP_NONE : LC_DROP_NAME_MISMATCH;
}

enum lc_drop
gate_claims(const struct policy_route *route, const char *device,
            const struct lc_envelope *env)
{
	if (strcmp(env->device, device) != 0)
		return LC_DROP_DEVICE_MISMATCH;
	return check_type(route, env);
}

/* Rules 1, 4 and 6-8 and the size bound: what the gate asks of a frame
 * beyond its seal and body.  Updates st only when the frame passes. */
static enum lc_drop
check_rules(const struct lc_policy *pol, const struct gate_request *req,
            const struct lc_envelope *env, struct gate_stream *st, uint64_t now_ms)
{
	enum lc_drop why;

	if ((why = check_grant(pol, req, env, now_ms)) != LC_DROP_NONE ||
	    (why = check_time(pol, req->route, env->capture_ms, now_ms)) != LC_DROP_NONE ||
	    (why = check_sequence(st, env)) != LC_DROP_NONE ||
	    (why = check_type(req->route, env)) != LC_DROP_NONE ||
	    (why = check_name(req, env)) != LC_DROP_NONE)
		return why;
	if (env->body_len > policy_limits(pol)->max_frame_bytes)
		return LC_DROP_TOO_LARGE;
	if (st != NULL) {
		st->have_seq = 1;
		st->last_seq = env->seq;
		st->last_capture_ms = env->capture_ms;
		memcpy(st->stream_id, env->stream_id, sizeof(st->stream_id));
	}
	return LC_DROP_NONE;
}

/* Whether the request names all the gate needs of it. */
static int
request_whole(const struct gate_request *req)
{
	return req != NULL && req->route != NULL && req->session != NULL &&
	       req->account != NULL && req->device != NULL;
}

enum lc_drop
gate_header(const struct lc_policy *pol, const struct gate_request *req,
            const struct lc_envelope *env, struct gate_stream *st,
            uint64_t now_ms)
{
	enum lc_drop why = LC_DROP_INTERNAL;
	int rc;

	if (pol == NULL || !request_whole(req) || env == NULL)
		return LC_DROP_INTERNAL;
	/* Rules 2 and 3: signature, and the key's right to the device.  A
	 * keyed seal's header is proven with its body (gate_frame); alone,
	 * the rules below only name the drop (release_stopped). */
	rc = lc_envelope_verify(env, policy_keyring(pol), &why);
	if (rc != 0 && !(rc == LC_EAGAIN && env->alg == LC_ALG_MAC_AES256GCM))
		return rc == LC_EREJECTED && why != LC_DROP_NONE ? why : LC_DROP_INTERNAL;
	return check_rules(pol, req, env, st, now_ms);
}

enum lc_drop
gate_body(const struct lc_envelope *env, uint64_t body_len,
          const uint8_t digest[LC_DIGEST_BYTES])
{
	enum lc_drop why = LC_DROP_INTERNAL;

	if (lc_envelope_check_body(env, body_len, digest, &why) == 0)
		return LC_DROP_NONE;
	return why == LC_DROP_NONE ? LC_DROP_INTERNAL : why;
}

/* Rules 2, 3 and 5 of a keyed seal, over the whole frame: the key, the
 * size bound and the length before the body is MACed, then the tag. */
static enum lc_drop
gate_mac(const struct lc_policy *pol, const struct lc_envelope *env, size_t len)
{
	enum lc_drop why = LC_DROP_INTERNAL;
	int rc = lc_envelope_verify(env, policy_keyring(pol), &why);

	if (rc != LC_EAGAIN)
		return rc == LC_EREJECTED && why != LC_DROP_NONE ? why : LC_DROP_INTERNAL;
	if (env->body_len > policy_limits(pol)->max_frame_bytes)
		return LC_DROP_TOO_LARGE;
	if (lc_envelope_check_mac(env, policy_keyring(pol), env->body,
	                          len - env->header_len, &why) != 0)
		return why == LC_DROP_NONE ? LC_DROP_INTERNAL : why;
	return LC_DROP_NONE;
}

enum lc_drop
gate_frame(const struct lc_policy *pol, const struct gate_request *req,
           const uint8_t *sealed, size_t len, struct lc_envelope *env,
           struct gate_stream *st, uint64_t now_ms)
{
	return gate_frame_proven(pol, req, sealed, len, NULL, env, st, now_ms);
}

/* The whole gate on a parsed frame (len bytes in all), its seal and
 * body first for a keyed seal, last for a signature. */
static enum lc_drop
gate_whole(const struct lc_policy *pol, const struct gate_request *req, size_t len,
           const struct lc_envelope *env, struct gate_stream *st, uint64_t now_ms)
{
	uint8_t digest[LC_DIGEST_BYTES];
	struct gate_stream next;
	enum lc_drop why;

	if (env->alg == LC_ALG_MAC_AES256GCM &&
	    (why = gate_mac(pol, env, len)) != LC_DROP_NONE)
		return why;
	/* The stream state moves only once the body has passed too. */
	if (st != NULL)
		next = *st;
	if ((why = gate_header(pol, req, env, st ? &next : NULL, now_ms)) != LC_DROP_NONE)
		return why;
	/* A keyed seal's body was proven with its tag (gate_mac). */
	if (env->alg != LC_ALG_MAC_AES256GCM) {
		if (lc_digest(env->body, len - env->header_len, digest) != 0)
			return LC_DROP_INTERNAL;
		if ((why = gate_body(env, len - env->header_len, digest)) != LC_DROP_NONE)
			return why;
	}
	if (st != NULL)
		*st = next;
	return LC_DROP_NONE;
}

enum lc_drop
gate_frame_proven(const struct lc_policy *pol, const struct gate_request *req,
                  const uint8_t *sealed, size_t len, struct gate_proof *proof,
                  struct lc_envelope *env, struct gate_stream *st, uint64_t now_ms)
{
	enum lc_drop why = LC_DROP_MALFORMED;
	int rc;

	if (sealed == NULL || env == NULL)
		return LC_DROP_INTERNAL;
	rc = lc_envelope_parse(sealed, len, env, &why);
	if (rc == LC_EAGAIN)
		return LC_DROP_MALFORMED;
	if (rc != 0)
		return rc == LC_EREJECTED ? why : LC_DROP_INTERNAL;
	if (pol == NULL || !request_whole(req))
		return LC_DROP_INTERNAL;
	if (proof != NULL && proof->pol == pol && proof->sealed == sealed && proof->len == len)
		return check_rules(pol, req, env, st, now_ms);
	if ((why = gate_whole(pol, req, len, env, st, now_ms)) != LC_DROP_NONE)
		return why;
	if (proof != NULL)
		*proof = (struct gate_proof){ .pol = pol, .sealed = sealed, .len = len };
	return LC_DROP_NONE;
}
