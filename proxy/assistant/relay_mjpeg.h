/*
 * The MJPEG relay of the assistant face: the backend's multipart stream
 * of sealed frames in, each part through the gate, a plain
 * multipart/x-mixed-replace stream of verified frames out.
 */
#ifndef LC_RELAY_MJPEG_H
#define LC_RELAY_MJPEG_H

#include "daemon.h"

struct mjpeg;

/* Who asked for what; the relay takes the policy reference. */
struct mjpeg_start {
	struct listener_ctx *fc;
	struct MHD_Connection *conn;
	struct lc_policy *pol;
	const struct policy_route *route;
	const uint8_t *session;  /* the bearer token's SHA-256, copied */
	const char *account;
	const char *device;
	const char *rid;
};

/*
 * Queues the streaming response and starts fetching the backend's
 * stream.  *out is the stream for mjpeg_detach() when MHD completes the
 * request.  Returns what the access handler should return.
 */
enum MHD_Result mjpeg_start(const struct mjpeg_start *s, struct mjpeg **out);

/* MHD is done with the request: cancel the fetch, drop its reference. */
void mjpeg_detach(struct mjpeg *m);

/* Starts and stops the watchdog that ends streams whose client left or
 * whose backend sent no frame within the idle timeout.  Stopping also
 * ends every stream, so that no connection stays suspended. */
int mjpeg_watchdog_start(struct lcd *d);
void mjpeg_watchdog_stop(void);

#endif
