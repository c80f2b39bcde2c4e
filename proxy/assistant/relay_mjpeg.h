/*
 * The MJPEG relay of the assistant face: the backend's multipart stream
 * of sealed frames in, each part through the gate, a plain
 * multipart/x-mixed-replace stream of verified frames out.
 */
#ifndef LC_RELAY_MJPEG_H
#define LC_RELAY_MJPEG_H

#include "daemon.h"

struct mjpeg;
struct session;

struct freq;

/*
 * Queues the streaming response to q (an authorised request on an MJPEG
 * route, of the session, copied) and
 * starts fetching the backend's stream as q's fetch; the stream is q's
 * (its references, lock and suspended flag), hung on q->ext.  *out is
 * the stream for mjpeg_free() when q is destroyed.  Returns what the
 * access handler should return.
 */
enum MHD_Result mjpeg_start(struct freq *q, const struct session *session, struct mjpeg **out);

/* From q's destroy: frees the stream (NULL: none). */
void mjpeg_free(struct mjpeg *m);

/* Starts and stops the watchdog that ends streams whose client left or
 * whose backend sent no frame within the idle timeout.  Stopping also
 * ends every stream, so that no connection stays suspended. */
int mjpeg_watchdog_start(struct lcd *d);
void mjpeg_watchdog_stop(void);

#endif
