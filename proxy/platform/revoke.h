/*
 * Revoked accounts: a platform's DISCONNECT (the user unlinked) revokes
 * every capability URL this process minted for the account before it
 * (lenscapd(8), "Unlinking").  Kept in memory only: other instances and
 * capabilities minted elsewhere are bounded by the capability lifetime.
 *
 * A capability carries its expiry, not when it was minted.  Every
 * capability of kind K this process minted lives at most L(K), the
 * longest lifetime for K of any policy it has loaded; so one of the
 * account's that expires no later than R + L(K), R the moment of the
 * revocation, was minted no later than R and is refused.  A capability
 * minted after R with a shorter lifetime than L(K) (a reload shortened
 * it) may be refused too, until R + L(K): the check errs closed.
 */
#ifndef LC_PLATFORM_REVOKE_H
#define LC_PLATFORM_REVOKE_H

#include <stdint.h>

#include "policy.h"

struct revocations;

struct revocations *revocations_new(void);
void revocations_free(struct revocations *rv);

/* Notes pol's capability lifetimes: call for every policy put in force
 * (the longest of each kind is kept). */
void revocations_policy(struct revocations *rv, const struct lc_policy *pol);

/* Revokes account's capabilities minted up to now_ms, and drops the
 * entries that no longer revoke anything alive.  0 or LC_ENOMEM (then
 * nothing is revoked: the caller must say so). */
int revocations_add(struct revocations *rv, const char *account, uint64_t now_ms);

/* Whether a capability of account, of kind (enum lc_kind), expiring at
 * expires_ms, was revoked. */
int revocations_has(struct revocations *rv, const char *account, int kind,
                    uint64_t expires_ms);

#endif
