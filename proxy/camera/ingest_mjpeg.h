/*
 * MJPEG pushed on the camera face: the camera's multipart body in, each
 * part sealed, one chunked multipart PUT of sealed frames to the backend.
 */
#ifndef LC_INGEST_MJPEG_H
#define LC_INGEST_MJPEG_H

#include "camera/creq.h"

/* Starts relaying a pushed stream (the request is admitted); a
 * rejection or MHD_YES. */
enum MHD_Result ingest_mjpeg_start(struct creq *r);
/* Takes pushed bytes; at the end (size 0) waits for the backend. */
enum MHD_Result ingest_mjpeg_feed(struct creq *r, const char *data, size_t *size);
/* Frees what the stream holds. */
void ingest_mjpeg_free(struct creq *r);

#endif
