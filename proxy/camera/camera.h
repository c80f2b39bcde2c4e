/*
 * The camera face's request, shared by camera.c (admission, stills) and
 * ingest_mjpeg.c (pushed MJPEG streams).
 */
#ifndef LC_CAMERA_H
#define LC_CAMERA_H

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
	unsigned reject_status;  /* the answer once the body is drained */
	const char *reject_title;
	size_t drained;
	uint64_t body_due_ms;    /* a body (a stream's next frame) not in by
	                            then is cut */
	/* a pushed MJPEG stream (ingest_mjpeg.c) */
	struct mp_parser *mp;
	struct bufq out;         /* sealed parts waiting for the backend */
	int input_done;
	char boundary[40];
	char backend_type[96];
	uint64_t parts_sealed, parts_skipped;
};


/* Starts relaying a pushed stream (the request is admitted); a
 * rejection or MHD_YES. */
enum MHD_Result ingest_mjpeg_start(struct creq *r);
/* Takes pushed bytes; at the end (size 0) waits for the backend. */
enum MHD_Result ingest_mjpeg_feed(struct creq *r, const char *data, size_t *size);
/* Frees what the stream holds. */
void ingest_mjpeg_free(struct creq *r);
/* camera.c's: refuse once the body is drained; answer now. */
enum MHD_Result camera_reject(struct creq *r, unsigned status, const char *title);
enum MHD_Result camera_problem(struct creq *r, unsigned status, const char *title);
enum MHD_Result camera_finish(struct creq *r);
/* One line in the audit trail about this request. */
void audit_camera(struct creq *r, const char *event, const char *detail);
/* Whether the credential the camera proved at the start names its
 * device under the policy in force now; checked before every frame is
 * sealed, so that a reload that revokes it stops a push. */
int camera_still_admitted(struct creq *r);
/* Whether the route takes this content type (parameters dropped, any
 * case); the normalised type is left in r->ctype. */
int camera_type_allowed(struct creq *r, const char *ct);
/* The body (a pushed stream's next frame) is due within the policy's
 * idle_timeout_ms from now. */
void camera_body_due(struct creq *r);

#endif
