/*
 * systemd's readiness protocol without libsystemd: one datagram to
 * $NOTIFY_SOCKET per state change (sd_notify(3)).
 */
#ifndef LC_NOTIFY_H
#define LC_NOTIFY_H

/*
 * Sends state ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...", ...) to the
 * socket named by $NOTIFY_SOCKET.  0 when sent or when not run by
 * systemd (no variable); -1 with errno set otherwise.
 */
int notify_send(const char *state);

/* "RELOADING=1" with the MONOTONIC_USEC= that systemd 253+ wants. */
int notify_reloading(void);

#endif
