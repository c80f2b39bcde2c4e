/*
 * Who asks on the assistant face, and whether they may: the route, the
 * session (a capability, a static token, a JWT, or an introspected
 * token) and the grant.  Private to proxy/assistant/.
 *
 * Each call either answers the request (*go_on 0: a refusal, a CORS
 * preflight), lets it go on to its frame or platform answer (*go_on 1),
 * or leaves it asleep while the introspection endpoint is asked
 * (*go_on 2: authenticate_resume() when it wakes in A_ASKED).
 */
#ifndef LC_AUTHENTICATE_H
#define LC_AUTHENTICATE_H

#include "assistant/areq.h"

/*
 * A new request for url by method: 404 for no route, 401 for no session
 * (503 when the introspection endpoint gives no usable answer), 404 for
 * a device the session may not see; a capability path is its own
 * session (404 or 410 when it does not hold).  An OPTIONS request is a
 * CORS preflight for the GET route: 204 once the route (and a
 * capability) holds.  A platform route is left in A_BODY for its body,
 * which holds its token: then authenticate_token().
 */
enum MHD_Result authenticate_request(struct areq *r, const char *url,
                                     const char *method, int *go_on);

/* The session token's account, from each source in turn (token NULL:
 * none came): 401 for none, else the grant. */
enum MHD_Result authenticate_token(struct areq *r, const char *token, int *go_on);

/* The introspection endpoint answered (or did not): 503 for no usable
 * answer (fail closed), else the session it makes, and the grant. */
enum MHD_Result authenticate_resume(struct areq *r, int *go_on);

#endif
