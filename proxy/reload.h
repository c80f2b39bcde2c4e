/*
 * Loading a policy and what it names (its TLS material, its ingest key),
 * at start and on SIGHUP, and the reload itself: a new policy takes
 * effect whole, or not at all, and neither loading it nor freeing the
 * one it replaces runs at the requests' priority (doc/performance.md).
 */
#ifndef LC_RELOAD_H
#define LC_RELOAD_H

#include "daemon.h"

/* policy_load_threads() on THREADS threads (0: one per core), logged
 * with how long it took; 0 or an LC_E* code (the loader said why). */
int reload_load_policy(const char *path, unsigned threads, struct lc_policy **out);

/* The policy's ingest key, if it names one (else *out = NULL), which the
 * policy's keys must trust for every device; NULL, or why not (logged). */
const char *reload_load_ingest(const struct lc_policy *pol, struct seal_key **out);

/* Checks every TLS listener's files of pol; 0 or -1 (logged). */
int reload_check_tls(const struct lc_policy *pol);

/* SIGHUP: the policy at PATH, and the listeners, TLS material, ingest key
 * and backend settings it names, take effect whole, or not at all; the
 * ports go to PORTFILE if not NULL. */
void reload(struct lcd *d, const char *path, const char *portfile);

/* Frees each policy a reload replaced that no request holds any longer
 * (all of them, and the list, if ALL: only once no request can hold
 * one). */
void reload_reap(struct lcd *d, int all);

#endif
