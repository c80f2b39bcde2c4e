/*
 * policy: the model's layout, shared by the loader (load*.c) and the
 * decisions (policy.c).  Nothing outside policy/ includes this.
 */
#ifndef LC_POLICY_INTERNAL_H
#define LC_POLICY_INTERNAL_H

#include "arena.h"
#include "jwks.h"
#include "capability_format.h"
#include "policy.h"
#include "table.h"

#define POLICY_PATH_MAX 1024   /* request paths and templates, bytes */
#define POLICY_METHOD_MAX 7
#define POLICY_DEVICE_SEGMENT "{device}"
#define POLICY_NAME_SEGMENT "{name}"

/* Devices and accounts carry their names in the same allocation: a
 * policy holds millions of them. */
struct policy_device {
	const struct policy_device_info *info; /* NULL: no key given */
	uint32_t index;
	char id[];
};

struct policy_account {
	const struct policy_device **devices; /* granted, in policy order */
	const uint32_t *granted;              /* their indices, sorted */
	size_t ndevices;
	uint32_t index;
	char name[];
};

struct lc_policy {
	int refs;
	struct arena arena; /* every string and struct of the model */

	struct policy_listener **listeners;
	size_t nlisteners, listeners_cap;
	struct strtab *listener_by_name;

	struct policy_backend backend;
	int has_backend;
	struct policy_limits limits;
	struct policy_introspection introspection;
	int has_introspection;
	const char *ingest_key;
	int seal_mac;               /* the camera face seals with the MAC key */
	const char *mac_secret;     /* its file, or NULL */
	uint8_t mac_secret_id[LC_KEY_ID_BYTES];
	struct lc_keyring *keyring;

	struct policy_device **devices;
	size_t ndevices, devices_cap;
	struct strtab *device_by_name;
	struct strtab *device_by_cert;  /* 32-byte digest -> device */
	struct strtab *device_by_token; /* 32-byte digest -> device */

	struct policy_account **accounts;
	size_t naccounts, accounts_cap;
	struct strtab *account_by_name;
	struct strtab *session_by_token; /* 32-byte digest -> account */
	struct policy_jwt jwt;           /* "sessions"."jwt" */
	int has_jwt;
	struct jwks *jwks;               /* owned; jwt.jwks points here */

	struct policy_route **routes;
	size_t nroutes, routes_cap;
	struct strtab *route_by_key;     /* face \0 method \0 template */
	size_t max_segments;             /* most segments of any route path */
	int has_name_routes;             /* some route ends in {name} */

	/* "capabilities": keys in policy order (the first mints), each
	 * secret sodium_malloc'd and freed (wiped) with the model */
	struct capability_key *cap_keys;
	size_t ncap_keys, cap_keys_cap;
	uint32_t cap_lifetime_ms[LC_KIND_HLS + 1]; /* by enum lc_kind */
};

/* Appends p to a growable array of pointers; 0 or LC_ENOMEM. */
int policy_vec_push(void *vecp, size_t *n, size_t *cap, void *p);

/* A new, empty model with its tables; 0 or LC_ENOMEM. */
int policy_model_new(struct lc_policy **out);
/* Frees a model regardless of references (the loader's error path). */
void policy_model_free(struct lc_policy *pol);

/* Builds the route table key "face\0method\0path" into buf; its length,
 * or 0 if it does not fit. */
size_t policy_route_key(char *buf, size_t size, const char *face,
                        const char *method, const char *path, size_t plen);

#endif
