/*
 * The listeners of the policy in force, one server each: started with the
 * policy, kept by a reload that changes nothing a server holds (with
 * their connections), else replaced (addresses, TLS or plain, TLS files,
 * client CA, roles, limits, listeners added or removed), the replaced
 * servers left to drain their connections.  Sockets systemd passed are
 * taken by name.
 */
#ifndef LC_LISTENERS_H
#define LC_LISTENERS_H

#include "daemon.h"

/* A reload's new servers, ready but not yet accepting. */
struct listeners_plan {
	size_t n;
	int keep;                          /* no room to drain: keep the servers */
	struct server *servers[LCD_LISTENERS_MAX]; /* one per listener of the new policy */
	int fd[LCD_LISTENERS_MAX];             /* the socket each will accept on */
	int bound[LCD_LISTENERS_MAX];          /* fd was bound for this plan */
	int taken[LCD_LISTENERS_MAX];          /* by old server index: its socket goes on */
	int stays[LCD_LISTENERS_MAX];          /* by old server index: it goes on, as it is */
	int kept[LCD_LISTENERS_MAX];           /* servers[i] is an old server that stays */
	size_t nctxs;                      /* handler closures before this plan */
	char why[128];                     /* a refusal, for the audit trail */
};

/* Takes the sockets of $LISTEN_FDS when $LISTEN_PID is this process,
 * named by $LISTEN_FDNAMES, and removes the variables.  0, or -1 after
 * logging why. */
int listeners_take_activated(void);

/* Starts a server per listener of pol, accepting at once: a reload from
 * no listeners.  0, or -1 after logging why. */
int listeners_start(struct lcd *d, const struct lc_policy *pol);

/*
 * Prepares the servers of pol to replace those of old, the policy in
 * force (NULL when d has no servers yet).  A listener that changed in
 * nothing its server holds (server_unchanged()) keeps that server;
 * another gets a new one, on the socket of the one before it on the same
 * address (so port 0 keeps its port) or systemd's socket of its name,
 * else a socket bound now.  NULL, or
 * why not for the caller to log (a cause found below is logged too); then
 * nothing has changed and p holds nothing.
 */
const char *listeners_prepare(struct lcd *d, const struct lc_policy *old,
                              const struct lc_policy *pol, struct listeners_plan *p);

/* Undoes listeners_prepare(). */
void listeners_abandon(struct listeners_plan *p);

/* Puts p's servers, prepared for pol, in place of d's: the old ones stop
 * accepting and drain, the new ones accept.  Run it once pol is in
 * force. */
void listeners_commit(struct lcd *d, const struct lc_policy *pol,
                      struct listeners_plan *p);

/* Stops replaced servers whose last connection has ended (all, if all). */
void listeners_reap(struct lcd *d, int all);

/* Stops accepting on every server; then stops them all, once nothing
 * (the backend client included) can call their handlers any more. */
void listeners_quiesce(struct lcd *d);
void listeners_stop(struct lcd *d);

/* Writes "name port" lines for every listener to path, atomically. */
int listeners_write_ports(struct lcd *d, const char *path);

#endif
