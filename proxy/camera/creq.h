/*
 * The camera face's request and what both camera.c (the handlers,
 * stills) and ingest_mjpeg.c (pushed MJPEG streams) do with it: refuse,
 * answer, audit, and check the camera's admission again frame by frame.
 */
#ifndef LC_CREQ_H
#define LC_CREQ_H

#include "media/bufq.h"
#include "daemon.h"
#include "backend/freq.h"

struct mp_parser;

enum creq_state { C_NEW, C_BODY, C_STREAM, C_REJECT, C_WAIT, C_READY, C_DONE };

/* How a camera proved its device: the SHA-256 of its certificate or of
 * its device token. */
enum creq_cred { CRED_NONE, CRED_CERT, CRED_TOKEN };

struct creq {
	struct freq q;       /* first: the shared lifecycle; state is a creq_state */
	enum creq_cred cred;
	uint8_t cred_digest[LC_DIGEST_BYTES];
	char ctype[LC_CONTENT_TYPE_MAX + 1];
	uint8_t *body;       /* the frame as it arrives */
	size_t len, cap, max;
	uint8_t *sealed;     /* envelope || body, sent to the backend */
	/* The stream the request's frames are sealed in (seal.c): an id
	 * drawn at random for this still or push, and the last sequence
	 * number given in it; nothing another request does moves either. */
	char stream_id[LC_STREAM_ID_MAX + 1];
	uint64_t seq;
	unsigned reject_status;  /* the answer once the body is drained */
	const char *reject_title;
	size_t drained;
	/* a pushed MJPEG stream (ingest_mjpeg.c) */
	struct mp_parser *mp;
	struct bufq out;         /* sealed parts waiting for the backend */
	int input_done;
	char boundary[40];
	char backend_type[96];
	uint64_t parts_sealed, parts_skipped;
};


/* The device this connection proves to be (a verified client
 * certificate, else a device token), or NULL; the credential's digest
 * is kept for creq_still_admitted(). */
const struct policy_device *creq_identify(struct creq *r);
/* Refuses once the body is drained (a refusal queued mid-upload is a
 * reset for the camera); MHD_YES. */
enum MHD_Result creq_reject(struct creq *r, unsigned status, const char *title);
/* Answers a problem now. */
enum MHD_Result creq_problem(struct creq *r, unsigned status, const char *title);
/* Answers 201 if the backend stored the frame(s), else 502 (audited). */
enum MHD_Result creq_finish(struct creq *r);
/* One line in the audit trail about this request. */
void creq_audit(struct creq *r, const char *event, const char *detail);
/* Whether the credential the camera proved at the start names its
 * device under the policy in force now; checked before every frame is
 * sealed, so that a reload that revokes it stops a push. */
int creq_still_admitted(struct creq *r);
/* Whether the route takes this content type (parameters dropped, any
 * case); the normalised type is left in r->ctype. */
int creq_type_allowed(struct creq *r, const char *ct);

#endif
