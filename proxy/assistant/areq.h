/*
 * An assistant-face request's state, private to the assistant face:
 * assistant.c moves it through its states, authenticate.c finds who asks
 * and whether they may.  Nothing outside proxy/assistant/ includes this.
 */
#ifndef LC_AREQ_H
#define LC_AREQ_H

#include "backend/freq.h"
#include "assistant/gate.h"
#include "assistant/session.h"

/* A_BODY: a platform route's body is coming; A_ASK: the session's
 * token is being introspected; A_ASKED: answered. */
enum areq_state { A_NEW, A_BODY, A_ASK, A_ASKED, A_WAIT, A_READY, A_DONE };

struct mjpeg;
struct front;

struct areq {
	struct freq q;               /* first: the shared lifecycle */
	struct session session;      /* who asks; the gate checks it again */
	uint8_t *buf;                /* the sealed frame (or the introspection's
	                              * answer) as it arrives */
	size_t len, cap, max;
	struct mjpeg *stream;        /* an MJPEG route's relay */
	int head_seen;               /* the envelope's header has arrived */
	enum lc_drop early;          /* why on_data stopped it, or NONE */
	size_t whole;                /* where the frame ends by its header;
	                              * 0: never */
	struct gate_proof proof;     /* the gate's, of buf as it is now
	                              * (vouch), or pol NULL */
	char *ibody;                 /* the introspection's form body */
	size_t ibody_len;
	struct front *front;         /* a platform route's request, or NULL */
	const struct policy_account *acct; /* its session's account, in q.pol */
	/* a capability's account and expiry, when a bearer token came with
	 * it: the token's account must be the same, and the session holds
	 * only while the capability does (session.h) */
	const struct policy_account *cap_account;
	uint64_t cap_expires_ms;
	int expired;                 /* the session was refused as expired */
};

/* A problem answer (status, title) that ends r; on a platform route, in
 * the platform's shape.  assistant.c's. */
enum MHD_Result areq_problem(struct areq *r, unsigned status, const char *title);

#endif
