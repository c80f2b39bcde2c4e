/*
 * policy: the decisions lenscapd asks on every request and every frame,
 * answered from the immutable model that load.c built: token -> account,
 * account x device -> granted, request -> route, certificate -> device.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Appends to a growable pointer array (the loader's lists). */
int
policy_vec_push(void *vecp, size_t *n, size_t *cap, void *p)
{
	void **v;

	memcpy(&v, vecp, sizeof(v));
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void **nv;

		if (ncap > SIZE_MAX / sizeof(*v) ||
		    (nv = realloc(v, ncap * sizeof(*v))) == NULL)
			return LC_ENOMEM;
		v = nv;
		*cap = ncap;
		memcpy(vecp, &v, sizeof(v));
	}
	v[(*n)++] = p;
	return 0;
}

/* An empty model with defaults and its tables; 0 or LC_ENOMEM. */
int
policy_model_new(struct lc_policy **out)
{
	struct lc_policy *pol = calloc(1, sizeof(*pol));

	if (pol == NULL)
		return LC_ENOMEM;
	pol->refs = 1;
	pol->limits = (struct policy_limits){
		.max_frame_bytes = 4194304,
		.drops_in_a_row = 5,
		.idle_timeout_ms = 30000,
		.max_connections = 1024,
		.max_connections_per_ip = 64,
		.clock_skew_ms = 2000,
	};
	pol->cap_lifetime_ms[LC_KIND_SNAPSHOT] = 600000;   /* minutes for stills */
	pol->cap_lifetime_ms[LC_KIND_MJPEG] = 14400000;    /* hours for streams */
	pol->cap_lifetime_ms[LC_KIND_HLS] = 14400000;
	pol->backend.connect_timeout_ms = 2000;
	pol->backend.timeout_ms = 10000;
	if (strtab_new(&pol->listener_by_name) != 0 ||
	    strtab_new(&pol->device_by_name) != 0 ||
	    strtab_new_digests(&pol->device_by_cert) != 0 ||
	    strtab_new_digests(&pol->device_by_token) != 0 ||
	    strtab_new(&pol->account_by_name) != 0 ||
	    strtab_new_digests(&pol->session_by_token) != 0 ||
	    strtab_new(&pol->route_by_key) != 0 ||
	    lc_keyring_new(&pol->keyring) != 0)
		goto fail;
	*out = pol;
	return 0;
fail:
	policy_model_free(pol);
	return LC_ENOMEM;
}

/* Frees everything of a model, whatever its reference count. */
void
policy_model_free(struct lc_policy *pol)
{
	if (pol == NULL)
		return;
	strtab_free(pol->listener_by_name);
	strtab_free(pol->device_by_name);
	strtab_free(pol->device_by_cert);
	strtab_free(pol->device_by_token);
	strtab_free(pol->account_by_name);
	strtab_free(pol->session_by_token);
	strtab_free(pol->route_by_key);
	lc_keyring_free(pol->keyring);
	jwks_free(pol->jwks);
	for (size_t i = 0; i < pol->ncap_keys; i++)
		capability_secret_free(pol->cap_keys[i].secret);
	free(pol->cap_keys);
	free(pol->listeners);
	free(pol->devices);
	free(pol->accounts);
	free(pol->routes);
	arena_free(&pol->arena);
	free(pol);
}

/* One more holder of pol (a request in flight across a reload). */
struct lc_policy *
policy_ref(struct lc_policy *pol)
{
	if (pol != NULL)
		__atomic_add_fetch(&pol->refs, 1, __ATOMIC_RELAXED);
	return pol;
}

/* Drops a holder; the last one frees the model.  NULL is fine. */
void
policy_free(struct lc_policy *pol)
{
	if (pol == NULL)
		return;
	if (__atomic_sub_fetch(&pol->refs, 1, __ATOMIC_ACQ_REL) == 0)
		policy_model_free(pol);
}

int
policy_unshared(const struct lc_policy *pol)
{
	return __atomic_load_n(&pol->refs, __ATOMIC_ACQUIRE) == 1;
}

/* ---- sessions and grants ---------------------------------------------- */

/* The "sessions"."jwt" settings, or NULL. */
const struct policy_jwt *
policy_jwt(const struct lc_policy *pol)
{
	return pol != NULL && pol->has_jwt ? &pol->jwt : NULL;
}

/* Session token digest -> account: one table lookup. */
const struct policy_account *
policy_session_account_digest(const struct lc_policy *pol,
                              const uint8_t digest[LC_DIGEST_BYTES])
{
	if (pol == NULL || digest == NULL)
		return NULL;
	return strtab_get(pol->session_by_token, digest, LC_DIGEST_BYTES);
}

/* Session token -> account: SHA-256, then one table lookup. */
const struct policy_account *
policy_session_account(const struct lc_policy *pol, const void *token,
                       size_t len)
{
	uint8_t d[LC_DIGEST_BYTES];

	if (pol == NULL || token == NULL || len == 0 ||
	    lc_digest(token, len, d) != 0)
		return NULL;
	return policy_session_account_digest(pol, d);
}

/* The grant check: a binary search of the account's device indices,
 * which sit beside the account in the model (a few bytes for most). */
int
policy_may_see_device(const struct lc_policy *pol,
                      const struct policy_account *acct,
                      const struct policy_device *dev)
{
	size_t lo = 0, hi;

	if (pol == NULL || acct == NULL || dev == NULL)
		return 0;
	hi = acct->ndevices;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (acct->granted[mid] < dev->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < acct->ndevices && acct->granted[lo] == dev->index;
}

/* The grant check by device id: two lookups. */
int
policy_may_see(const struct lc_policy *pol, const struct policy_account *acct,
               const char *device)
{
	return policy_may_see_device(pol, acct,
	                             policy_device_by_name(pol, device));
}

/* Account by name, or NULL. */
const struct policy_account *
policy_account_by_name(const struct lc_policy *pol, const char *name)
{
	if (pol == NULL || name == NULL)
		return NULL;
	return strtab_get(pol->account_by_name, name, strlen(name));
}

/* The account's name (owned by the policy). */
const char *
policy_account_name(const struct policy_account *acct)
{
	return acct != NULL ? acct->name : NULL;
}

const struct policy_device *const *
policy_account_devices(const struct policy_account *acct, size_t *n)
{
	*n = acct != NULL ? acct->ndevices : 0;
	return acct != NULL ? acct->devices : NULL;
}

/* ---- devices ---------------------------------------------------------- */

/* Device by id, or NULL. */
const struct policy_device *
policy_device_by_name(const struct lc_policy *pol, const char *id)
{
	size_t n;

	if (pol == NULL || id == NULL)
		return NULL;
	n = strnlen(id, LC_DEVICE_MAX + 1);
	if (n > LC_DEVICE_MAX)
		return NULL;
	return strtab_get(pol->device_by_name, id, n);
}

/* Client certificate digest -> device, or NULL. */
const struct policy_device *
policy_device_by_cert(const struct lc_policy *pol,
                      const uint8_t digest[LC_DIGEST_BYTES])
{
	if (pol == NULL || digest == NULL)
		return NULL;
	return strtab_get(pol->device_by_cert, digest, LC_DIGEST_BYTES);
}

/* Device token digest -> device, or NULL. */
const struct policy_device *
policy_device_by_token_digest(const struct lc_policy *pol,
                              const uint8_t digest[LC_DIGEST_BYTES])
{
	if (pol == NULL || digest == NULL)
		return NULL;
	return strtab_get(pol->device_by_token, digest, LC_DIGEST_BYTES);
}

/* Device token -> device: SHA-256, then one lookup. */
const struct policy_device *
policy_device_by_token(const struct lc_policy *pol, const void *token,
                       size_t len)
{
	uint8_t d[LC_DIGEST_BYTES];

	if (pol == NULL || token == NULL || len == 0 ||
	    lc_digest(token, len, d) != 0)
		return NULL;
	return policy_device_by_token_digest(pol, d);
}

/* The device's id (owned by the policy). */
const char *
policy_device_name(const struct policy_device *dev)
{
	return dev != NULL ? dev->id : NULL;
}

const struct policy_device_info *
policy_device_info(const struct policy_device *dev)
{
	static const struct policy_device_info none = {
		.resolutions = { { 1280, 720 } }, .nresolutions = 1 };

	return dev->info != NULL ? dev->info : &none;
}

/* ---- routes ----------------------------------------------------------- */

/* The one definition of a path segment, for templates and requests. */
int
policy_segment_ok(const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '~' || c == '-'))
			return 0;
	}
	return 1;
}

/* The route table's key, shared by the loader and the matcher. */
size_t
policy_route_key(char *buf, size_t size, const char *face, const char *method,
                 const char *path, size_t plen)
{
	size_t fl = strlen(face), ml = strlen(method);
	size_t need = fl + 1 + ml + 1 + plen;

	if (need > size)
		return 0;
	memcpy(buf, face, fl + 1);
	memcpy(buf + fl + 1, method, ml + 1);
	memcpy(buf + fl + 1 + ml + 1, path, plen);
	return need;
}

/* The key buffer: listener name, method, path, and room for the
 * placeholders. */
#define ROUTE_KEY_MAX (LC_DEVICE_MAX + 1 + POLICY_METHOD_MAX + 1 + \
                       POLICY_PATH_MAX + sizeof(POLICY_DEVICE_SEGMENT) + \
                       sizeof(POLICY_NAME_SEGMENT))

/* Splits a request path into segments; the count, or -1 if any segment
 * is empty, a dot segment or holds a byte outside the allowed set. */
static int
split_path(const char *path, size_t plen, size_t *off, size_t *len,
           size_t max)
{
	size_t n = 0, i = 1;

	if (plen == 0 || path[0] != '/')
		return -1;
	while (i <= plen) {
		size_t start = i;

		while (i < plen && path[i] != '/')
			i++;
		if (n == max || !policy_segment_ok(path + start, i - start))
			return -1;
		off[n] = start;
		len[n] = i - start;
		n++;
		i++;
	}
	return (int)n;
}

/* A request path cut into segments, and the key being built from it. */
struct rpath {
	const char *path;
	size_t plen, nseg;
	size_t off[64], len[64];
	char key[ROUTE_KEY_MAX];
	size_t pre; /* bytes of "face\0method\0" in key */
};

static size_t
key_add(char *key, size_t n, const char *s, size_t len)
{
	memcpy(key + n, s, len);
	return n + len;
}

/* Looks up the route for the path with segment dev (if below nseg) as
 * {device} and, with name, the last segment as {name}. */
static const struct policy_route *
route_lookup(struct rpath *rp, const struct lc_policy *pol, size_t dev,
             int name)
{
	size_t n = rp->pre, at = 0;
	size_t end = name ? rp->off[rp->nseg - 1] : rp->plen;

	if (dev < rp->nseg) {
		n = key_add(rp->key, n, rp->path, rp->off[dev]);
		n = key_add(rp->key, n, POLICY_DEVICE_SEGMENT,
		            sizeof(POLICY_DEVICE_SEGMENT) - 1);
		at = rp->off[dev] + rp->len[dev];
	}
	n = key_add(rp->key, n, rp->path + at, end - at);
	if (name)
		n = key_add(rp->key, n, POLICY_NAME_SEGMENT,
		            sizeof(POLICY_NAME_SEGMENT) - 1);
	return strtab_get(pol->route_by_key, rp->key, n);
}

/* Copies the segment i of the request path into out (max bytes and a
 * NUL); whether it fits and, if ok is not NULL, passes ok(). */
static int
take_segment(const struct rpath *rp, size_t i, char *out, size_t max,
             int (*ok)(const char *))
{
	if (rp->len[i] > max)
		return 0;
	memcpy(out, rp->path + rp->off[i], rp->len[i]);
	out[rp->len[i]] = '\0';
	if (ok == NULL || ok(out))
		return 1;
	out[0] = '\0';
	return 0;
}

static int
valid_name(const char *s)
{
	return policy_segment_ok(s, strlen(s));
}

/* The template routes of one kind (with {name} or not): one lookup per
 * segment that may be {device} (a {name} route always has one). */
static const struct policy_route *
match_templates(struct rpath *rp, const struct lc_policy *pol, int name,
                char device[LC_DEVICE_MAX + 1], char *name_out)
{
	const struct policy_route *r;
	size_t ndev = name ? rp->nseg - 1 : rp->nseg;

	/* split_path() checked every segment; a name needs only its bound. */
	if (name && !take_segment(rp, rp->nseg - 1, name_out, POLICY_NAME_MAX, NULL))
		return NULL;
	for (size_t i = 0; i < ndev; i++) {
		r = route_lookup(rp, pol, i, name);
		if (r != NULL && take_segment(rp, i, device, LC_DEVICE_MAX,
		                              lc_valid_device))
			return r;
	}
	if (name)
		name_out[0] = '\0';
	return NULL;
}

/* Request -> route: one lookup for the literal path, then one per
 * segment with that segment as {device}; then, if any route ends in
 * {name}, the same with the last segment as {name}. */
const struct policy_route *
policy_route_find(const struct lc_policy *pol, const char *face,
                  const char *method, const char *path,
                  char device[LC_DEVICE_MAX + 1],
                  char name[POLICY_NAME_MAX + 1])
{
	struct rpath rp;
	const struct policy_route *r;
	int nseg;

	if (device != NULL)
		device[0] = '\0';
	if (name != NULL)
		name[0] = '\0';
	if (pol == NULL || face == NULL || method == NULL || path == NULL ||
	    device == NULL || name == NULL ||
	    strnlen(face, LC_DEVICE_MAX + 1) > LC_DEVICE_MAX ||
	    strnlen(method, POLICY_METHOD_MAX + 1) > POLICY_METHOD_MAX)
		return NULL;
	rp.path = path;
	rp.plen = strnlen(path, POLICY_PATH_MAX + 1);
	if (rp.plen > POLICY_PATH_MAX)
		return NULL;
	nseg = split_path(path, rp.plen, rp.off, rp.len,
	                  pol->max_segments < 64 ? pol->max_segments : 64);
	if (nseg <= 0)
		return NULL;
	rp.nseg = (size_t)nseg;
	rp.pre = policy_route_key(rp.key, sizeof(rp.key), face, method, "", 0);
	if (rp.pre == 0)
		return NULL;
	/* A literal route wins over a {device} template (documented); a
	 * {name} route overlaps no other (the loader refuses). */
	r = route_lookup(&rp, pol, SIZE_MAX, 0);
	if (r != NULL && !r->has_device && !r->has_name)
		return r;
	if ((r = match_templates(&rp, pol, 0, device, name)) != NULL)
		return r;
	if (pol->has_name_routes)
		return match_templates(&rp, pol, 1, device, name);
	return NULL;
}

const struct policy_route *
policy_route_match(const struct lc_policy *pol, const char *face,
                   const char *method, const char *path,
                   char device[LC_DEVICE_MAX + 1])
{
	char name[POLICY_NAME_MAX + 1];

	return policy_route_find(pol, face, method, path, device, name);
}

/* Appends t[0, n) to out at *at, unless an earlier append failed (*rc);
 * on failure *rc is LC_ESPACE and out an empty string. */
static void
put(char *out, size_t outlen, size_t *at, const char *t, size_t n, int *rc)
{
	if (*rc != 0)
		return;
	if (n > outlen - *at) {
		out[0] = '\0';
		*rc = LC_ESPACE;
		return;
	}
	memcpy(out + *at, t, n);
	*at += n;
}

/* The backend path of a route for a device and a name. */
int
policy_backend_path(const struct policy_route *route, const char *device,
                    const char *name, char *out, size_t outlen)
{
	const char *t, *dev_at = NULL, *name_at = NULL, *end;
	size_t at = 0;
	int rc = 0;

	if (route == NULL || out == NULL || outlen == 0)
		return LC_EINVAL;
	t = route->backend;
	end = t + strlen(t);
	if (route->has_device) {
		if (!lc_valid_device(device))
			return LC_EINVAL;
		if ((dev_at = strstr(t, POLICY_DEVICE_SEGMENT)) == NULL)
			return LC_EINVAL;
	}
	if (route->has_name) {
		if (name == NULL || strlen(name) > POLICY_NAME_MAX || !valid_name(name))
			return LC_EINVAL;
		name_at = end - (sizeof(POLICY_NAME_SEGMENT) - 1);
		if (name_at < t || strcmp(name_at, POLICY_NAME_SEGMENT) != 0)
			return LC_EINVAL;
	}
	if (dev_at != NULL) {
		put(out, outlen, &at, t, (size_t)(dev_at - t), &rc);
		put(out, outlen, &at, device, strlen(device), &rc);
		t = dev_at + sizeof(POLICY_DEVICE_SEGMENT) - 1;
	}
	put(out, outlen, &at, t, (size_t)((name_at ? name_at : end) - t), &rc);
	if (name_at != NULL)
		put(out, outlen, &at, name, strlen(name), &rc);
	put(out, outlen, &at, "", 1, &rc);
	return rc;
}

/* Number of routes. */
size_t
policy_route_count(const struct lc_policy *pol)
{
	return pol != NULL ? pol->nroutes : 0;
}

/* Route i in policy order, or NULL. */
const struct policy_route *
policy_route(const struct lc_policy *pol, size_t i)
{
	return pol != NULL && i < pol->nroutes ? pol->routes[i] : NULL;
}

/* ---- getters ---------------------------------------------------------- */

/* Number of listeners. */
size_t
policy_listener_count(const struct lc_policy *pol)
{
	return pol != NULL ? pol->nlisteners : 0;
}

/* Listener i in policy order, or NULL. */
const struct policy_listener *
policy_listener(const struct lc_policy *pol, size_t i)
{
	return pol != NULL && i < pol->nlisteners ? pol->listeners[i] : NULL;
}

/* Listener by name, or NULL. */
const struct policy_listener *
policy_listener_by_name(const struct lc_policy *pol, const char *name)
{
	if (pol == NULL || name == NULL)
		return NULL;
	return strtab_get(pol->listener_by_name, name, strlen(name));
}

const struct policy_introspection *
policy_introspection(const struct lc_policy *pol)
{
	return pol != NULL && pol->has_introspection ? &pol->introspection : NULL;
}

/* The backend section (defaults filled in). */
const struct policy_backend *
policy_backend(const struct lc_policy *pol)
{
	return pol != NULL ? &pol->backend : NULL;
}

/* The limits (defaults filled in). */
const struct policy_limits *
policy_limits(const struct lc_policy *pol)
{
	return pol != NULL ? &pol->limits : NULL;
}

const char *
policy_seal_mac(const struct lc_policy *pol, const uint8_t **id)
{
	if (pol == NULL || !pol->seal_mac || pol->mac_secret == NULL)
		return NULL;
	if (id != NULL)
		*id = pol->mac_secret_id;
	return pol->mac_secret;
}

/* The ingest key's path, or NULL. */
const char *
policy_ingest_key(const struct lc_policy *pol)
{
	return pol != NULL ? pol->ingest_key : NULL;
}

/* The keyring built from "keys". */
const struct lc_keyring *
policy_keyring(const struct lc_policy *pol)
{
	return pol != NULL ? pol->keyring : NULL;
}

/* The devices whose frames the keyring would drop if the key pk signed
 * them: their number, and *first names the first (else NULL).  -1 if
 * the key's id cannot be computed. */
ssize_t
policy_devices_untrusted(const struct lc_policy *pol, const uint8_t pk[LC_PUBLICKEY_BYTES],
                         const char **first)
{
	ssize_t n = 0;
	enum lc_drop why;

	*first = NULL;
	for (size_t i = 0; i < pol->ndevices; i++) {
		const char *id = pol->devices[i]->id;

		if (lc_keyring_allows(pol->keyring, pk, id, &why) != 0)
			return -1;
		if (why != LC_DROP_NONE && n++ == 0)
			*first = id;
	}
	return n;
}

/* Number of devices. */
size_t
policy_device_count(const struct lc_policy *pol)
{
	return pol != NULL ? pol->ndevices : 0;
}

/* Number of accounts. */
size_t
policy_account_count(const struct lc_policy *pol)
{
	return pol != NULL ? pol->naccounts : 0;
}

/* ---- capabilities ----------------------------------------------------- */

const struct capability_key *
policy_capability_keys(const struct lc_policy *pol, size_t *n)
{
	*n = pol->ncap_keys;
	return pol->cap_keys;
}

uint32_t
policy_capability_lifetime(const struct lc_policy *pol, int kind)
{
	if (kind < LC_KIND_SNAPSHOT || kind > LC_KIND_HLS)
		return 0;
	return pol->cap_lifetime_ms[kind];
}

const struct policy_route *
policy_capability_route(const struct lc_policy *pol, const char *face,
                        const char *method, int kind)
{
	for (size_t i = 0; i < pol->nroutes; i++) {
		const struct policy_route *rt = pol->routes[i];

		if (rt->media == kind && rt->has_device &&
		    rt->has_name == (kind == LC_KIND_HLS) &&
		    rt->face->role == POLICY_ROLE_ASSISTANT &&
		    strcmp(rt->face->name, face) == 0 &&
		    strcmp(rt->method, method) == 0)
			return rt;
	}
	return NULL;
}

const char *
policy_cors_origin(const struct policy_route *route, const char *origin)
{
	if (route == NULL || origin == NULL)
		return NULL;
	for (size_t i = 0; i < route->ncors_origins; i++)
		if (strcmp(route->cors_origins[i], origin) == 0)
			return route->cors_origins[i];
	return NULL;
}
