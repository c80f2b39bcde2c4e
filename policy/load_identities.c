/*
 * policy: loading who is who: devices and how they authenticate, the
 * accounts and the devices each may see, the keys trusted to sign for
 * devices, and static sessions.
 */
#include <string.h>

#include <sodium.h>

#include "load.h"

/* ---- devices ------------------------------------------------------------- */

/* Indexes a device's digest; reports another device holding it. */
static void
index_digest(struct lctx *c, struct strtab *t, const uint8_t d[LC_DIGEST_BYTES],
             struct policy_device *dev, const struct jnode *n, const char *key)
{
	struct policy_device *other = NULL;
	size_t old;
	int rc;

	/* The table keeps a copy (strtab_new_digests()). */
	rc = strtab_put(t, d, LC_DIGEST_BYTES, dev, (void **)&other);
	if (rc == LC_EEXIST) {
		old = jpath_key(&c->path, key);
		load_err_at(c, n->pos, "same digest as device \"%s\"",
		            other->id);
		jpath_pop(&c->path, old);
	} else if (rc != 0) {
		load_oom(c);
	}
}

static void
load_auth(struct lctx *c, const struct jnode *auth, struct policy_device *dev)
{
	static const char *const keys[] = { "cert_sha256", "token_sha256", NULL };
	uint8_t d[LC_DIGEST_BYTES];
	const struct jnode *n;
	size_t old = jpath_key(&c->path, "auth");
	int got = 0, rc;

	if (!load_want_type(c, auth, J_OBJECT))
		goto out;
	load_check_keys(c, auth, keys);
	if ((rc = load_get_digest(c, auth, "cert_sha256", 0, &n, d)) == 1)
		index_digest(c, c->pol->device_by_cert, d, dev, n, "cert_sha256");
	got |= rc != 0;
	if ((rc = load_get_digest(c, auth, "token_sha256", 0, &n, d)) == 1)
		index_digest(c, c->pol->device_by_token, d, dev, n,
		             "token_sha256");
	got |= rc != 0;
	if (!got)
		load_err_at(c, auth->pos,
		            "needs \"cert_sha256\" or \"token_sha256\"");
	sodium_memzero(d, sizeof(d));
out:
	jpath_pop(&c->path, old);
}

#define INFO_TEXT_MAX 128 /* bytes of a name, a room or a device info string */

/* An optional display string of obj: at most INFO_TEXT_MAX bytes, copied
 * into the model (NULL when absent). */
static const char *
info_text(struct lctx *c, const struct jnode *obj, const char *key)
{
	const struct jnode *n;
	const char *s;
	size_t old;

	if (load_get_str(c, obj, key, 0, &n, &s) != 1)
		return NULL;
	if (strlen(s) <= INFO_TEXT_MAX)
		return load_dup_str(c, s);
	old = jpath_key(&c->path, key);
	load_err_at(c, n->pos, "longer than %d bytes", INFO_TEXT_MAX);
	jpath_pop(&c->path, old);
	return NULL;
}

/* "info": what the platforms show as the device's make. */
static void
load_info(struct lctx *c, const struct jnode *m, struct policy_device_info *in)
{
	static const char *const keys[] = { "manufacturer", "model", "hw_version",
		"sw_version", NULL };
	const struct jnode *o = load_member(c, m, "info", 0);
	size_t old;

	if (o == NULL)
		return;
	old = jpath_key(&c->path, "info");
	if (load_want_type(c, o, J_OBJECT)) {
		load_check_keys(c, o, keys);
		in->manufacturer = info_text(c, o, "manufacturer");
		in->model = info_text(c, o, "model");
		in->hw_version = info_text(c, o, "hw_version");
		in->sw_version = info_text(c, o, "sw_version");
	}
	jpath_pop(&c->path, old);
}

/* One element of "resolutions": {"width": W, "height": H}. */
static void
load_resolution(struct lctx *c, const struct jnode *e, struct policy_device_info *in)
{
	static const char *const keys[] = { "width", "height", NULL };
	int64_t w = 0, h = 0;

	if (!load_want_type(c, e, J_OBJECT))
		return;
	load_check_keys(c, e, keys);
	if (load_get_int(c, e, "width", 16, 7680, &w) != 1 ||
	    load_get_int(c, e, "height", 16, 4320, &h) != 1) {
		if (jnode_get(e, "width") == NULL || jnode_get(e, "height") == NULL)
			load_err_at(c, e->pos, "needs \"width\" and \"height\"");
		return;
	}
	in->resolutions[in->nresolutions].width = (uint16_t)w;
	in->resolutions[in->nresolutions].height = (uint16_t)h;
	in->nresolutions++;
}

/* "resolutions": what the camera streams, largest first; 1280x720 when
 * not given. */
static void
load_resolutions(struct lctx *c, const struct jnode *m, struct policy_device_info *in)
{
	const struct jnode *list;
	size_t i = 0, old;

	if (load_get_array(c, m, "resolutions", 0, &list) == 1) {
		old = jpath_key(&c->path, "resolutions");
		if (list->len == 0 || list->len > POLICY_RESOLUTIONS_MAX)
			load_err_at(c, list->pos, "1 to %d resolutions",
			            POLICY_RESOLUTIONS_MAX);
		for (const struct jnode *e = list->child;
		     e != NULL && i < POLICY_RESOLUTIONS_MAX; e = e->next, i++) {
			size_t o2 = jpath_index(&c->path, i);

			load_resolution(c, e, in);
			jpath_pop(&c->path, o2);
		}
		jpath_pop(&c->path, old);
	}
	if (in->nresolutions == 0) {
		in->resolutions[0].width = 1280;
		in->resolutions[0].height = 720;
		in->nresolutions = 1;
	}
}


/* Whether device m has one of the keys of struct policy_device_info.
 * Most devices have "auth" alone: one comparison a member. */
static int
has_info(const struct jnode *m)
{
	static const char *const keys[] = { "name", "room", "info", "resolutions", NULL };

	for (const struct jnode *k = m->child; k != NULL; k = k->next) {
		if (strcmp(k->key, "auth") == 0)
			continue;
		for (size_t i = 0; keys[i] != NULL; i++)
			if (strcmp(k->key, keys[i]) == 0)
				return 1;
	}
	return 0;
}

/* A device's optional keys for the platforms (policy.h, struct
 * policy_device_info), kept only when one is given. */
static void
load_device_info(struct lctx *c, const struct jnode *m, struct policy_device *dev)
{
	struct policy_device_info *in;

	if (!has_info(m))
		return;
	if ((in = arena_alloc(&c->pol->arena, sizeof(*in))) == NULL) {
		load_oom(c);
		return;
	}
	dev->info = in;
	in->name = info_text(c, m, "name");
	in->room = info_text(c, m, "room");
	load_info(c, m, in);
	load_resolutions(c, m, in);
}

static void
load_device(struct lctx *c, const struct jnode *m)
{
	static const char *const keys[] = { "auth", "name", "room", "info",
		"resolutions", NULL };
	struct lc_policy *pol = c->pol;
	struct policy_device *dev, *prev = NULL;
	const struct jnode *auth;
	size_t n;
	int rc;

	if (!lc_valid_device(m->key)) {
		load_err_at(c, m->kpos, "not a valid device id (1-64 of "
		            "[A-Za-z0-9._-], starting with a letter or digit)");
		return;
	}
	if (!load_want_type(c, m, J_OBJECT))
		return;
	load_check_keys(c, m, keys);
	n = strlen(m->key);
	if ((dev = arena_alloc(&pol->arena, sizeof(*dev) + n + 1)) == NULL) {
		load_oom(c);
		return;
	}
	memcpy(dev->id, m->key, n + 1);
	rc = strtab_put(pol->device_by_name, dev->id, n, dev, (void **)&prev);
	if (rc == LC_EEXIST) {
		load_err_twice(c, m->kpos, &c->device_at.v[prev->index]);
		return;
	}
	if (rc != 0 || pol->ndevices >= UINT32_MAX ||
	    policy_vec_push(&pol->devices, &pol->ndevices, &pol->devices_cap,
	                    dev) != 0 ||
	    load_note_where(c, &c->device_at, pol->ndevices - 1,
	                    pol->devices_cap, m->kpos) != 0) {
		load_oom(c);
		return;
	}
	dev->index = (uint32_t)(pol->ndevices - 1);
	if ((auth = load_member(c, m, "auth", 1)) != NULL)
		load_auth(c, auth, dev);
	load_device_info(c, m, dev);
}

/* Starts fetching the table slots of a digest of obj, if it is one. */
static void
digest_ahead(const struct strtab *t, const struct jnode *obj, const char *key)
{
	const struct jnode *n = jnode_get(obj, key);
	uint8_t d[LC_DIGEST_BYTES];

	if (n != NULL && n->type == J_STRING &&
	    load_hex_digest(n->str, n->len, d) == 0) {
		strtab_prefetch(t, d, sizeof(d));
		sodium_memzero(d, sizeof(d));
	}
}

/* What loading device m will touch in the tables, fetched ahead. */
static void
device_ahead(const struct lctx *c, const struct jnode *m)
{
	const struct jnode *auth = jnode_get(m, "auth");

	strtab_prefetch(c->pol->device_by_name, m->key, strlen(m->key));
	digest_ahead(c->pol->device_by_token, auth, "token_sha256");
	digest_ahead(c->pol->device_by_cert, auth, "cert_sha256");
}

void
load_devices(struct lctx *c, const struct jnode *sec)
{
	(void)load_each_ahead(c, sec, J_OBJECT, load_device, device_ahead);
}

/* A declared device named by element e of a list, or NULL (reported). */
static const struct policy_device *
device_ref(struct lctx *c, const struct jnode *e)
{
	const struct policy_device *dev;

	if (!load_want_type(c, e, J_STRING))
		return NULL;
	if (!lc_valid_device(e->str)) {
		load_err_at(c, e->pos, "not a valid device id");
		return NULL;
	}
	dev = policy_device_by_name(c->pol, e->str);
	if (dev == NULL) {
		load_not_found(c);
		load_err_at(c, e->pos,
		            "device \"%s\" is not declared in \"devices\"",
		            e->str);
	}
	return dev;
}

/* ---- accounts ------------------------------------------------------------ */

/* Makes c->granted_to cover every device declared so far; 0 or
 * LC_ENOMEM. */
static int
grant_marks(struct lctx *c)
{
	size_t n = c->pol->ndevices, cap = c->granted_cap;
	uint32_t *v;

	if (n <= cap)
		return 0;
	cap = n > 2 * cap ? n : 2 * cap;
	if ((v = realloc(c->granted_to, cap * sizeof(*v))) == NULL)
		return LC_ENOMEM;
	memset(v + c->granted_cap, 0, (cap - c->granted_cap) * sizeof(*v));
	c->granted_to = v;
	c->granted_cap = cap;
	return 0;
}

/* Sorts n device indices: insertion sort, as an account has few. */
static void
sort_indices(uint32_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static int
cmp_index(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The devices an account lists: in policy order for listing them, and
 * their indices sorted for the grant check (policy_may_see_device()). */
static void
load_grants(struct lctx *c, const struct jnode *list,
            struct policy_account *acct)
{
	size_t i = 0, old = jpath_key(&c->path, "devices");
	uint32_t *granted, mark = acct->index + 1;

	acct->devices = arena_alloc(&c->pol->arena,
	                            (list->len + 1) * sizeof(*acct->devices));
	granted = arena_alloc(&c->pol->arena, (list->len + 1) * sizeof(*granted));
	if (acct->devices == NULL || granted == NULL || grant_marks(c) != 0) {
		load_oom(c);
		goto out;
	}
	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);
		const struct policy_device *dev = device_ref(c, e);

		if (dev != NULL && c->granted_to[dev->index] == mark) {
			load_err_at(c, e->pos, "device listed twice");
		} else if (dev != NULL) {
			c->granted_to[dev->index] = mark;
			granted[acct->ndevices] = dev->index;
			acct->devices[acct->ndevices++] = dev;
		}
		jpath_pop(&c->path, o2);
	}
	if (acct->ndevices <= 16)
		sort_indices(granted, acct->ndevices);
	else
		qsort(granted, acct->ndevices, sizeof(*granted), cmp_index);
	acct->granted = granted;
out:
	jpath_pop(&c->path, old);
}

static void
load_account(struct lctx *c, const struct jnode *m)
{
	static const char *const keys[] = { "devices", NULL };
	struct lc_policy *pol = c->pol;
	struct policy_account *acct, *prev = NULL;
	const struct jnode *list;
	size_t n;
	int rc;

	if (!lc_valid_device(m->key)) {
		load_err_at(c, m->kpos, "not a valid account name (1-64 of "
		            "[A-Za-z0-9._-], starting with a letter or digit)");
		return;
	}
	if (!load_want_type(c, m, J_OBJECT))
		return;
	load_check_keys(c, m, keys);
	n = strlen(m->key);
	if ((acct = arena_alloc(&pol->arena, sizeof(*acct) + n + 1)) == NULL) {
		load_oom(c);
		return;
	}
	memcpy(acct->name, m->key, n + 1);
	rc = strtab_put(pol->account_by_name, acct->name, n, acct,
	                (void **)&prev);
	if (rc == LC_EEXIST) {
		load_err_twice(c, m->kpos, &c->account_at.v[prev->index]);
		return;
	}
	if (rc != 0 || pol->naccounts >= UINT32_MAX ||
	    policy_vec_push(&pol->accounts, &pol->naccounts,
	                    &pol->accounts_cap, acct) != 0 ||
	    load_note_where(c, &c->account_at, pol->naccounts - 1,
	                    pol->accounts_cap, m->kpos) != 0) {
		load_oom(c);
		return;
	}
	acct->index = (uint32_t)(pol->naccounts - 1);
	if (load_get_array(c, m, "devices", 1, &list) == 1)
		load_grants(c, list, acct);
}

/* What loading account m will touch in the tables, fetched ahead: its
 * name's slot and its devices'. */
static void
account_ahead(const struct lctx *c, const struct jnode *m)
{
	const struct jnode *list = jnode_get(m, "devices");

	strtab_prefetch(c->pol->account_by_name, m->key, strlen(m->key));
	if (list == NULL || list->type != J_ARRAY)
		return;
	for (const struct jnode *e = list->child; e != NULL; e = e->next)
		if (e->type == J_STRING)
			strtab_prefetch(c->pol->device_by_name, e->str, e->len);
}

void
load_accounts(struct lctx *c, const struct jnode *sec)
{
	(void)load_each_ahead(c, sec, J_OBJECT, load_account, account_ahead);
}

/* ---- keys ---------------------------------------------------------------- */

/* The device list of a key: "*" alone, or declared devices. */
static int
key_devices(struct lctx *c, const struct jnode *list, const char ***out,
            size_t *n)
{
	const char **v;
	size_t i = 0, old;
	int ok = 1;

	if (list->len == 0) {
		old = jpath_key(&c->path, "devices");
		load_err_at(c, list->pos,
		            "must list \"*\" or at least one device");
		jpath_pop(&c->path, old);
		return -1;
	}
	if ((v = arena_alloc(&c->tree, list->len * sizeof(*v))) == NULL) {
		load_oom(c);
		return -1;
	}
	old = jpath_key(&c->path, "devices");
	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);

		if (e->type == J_STRING && !e->bad && strcmp(e->str, "*") == 0) {
			if (list->len != 1) {
				load_err_at(c, e->pos, "\"*\" must be alone");
				ok = 0;
			}
		} else if (device_ref(c, e) == NULL) {
			ok = 0;
		}
		v[i] = e->type == J_STRING ? e->str : "";
		jpath_pop(&c->path, o2);
	}
	jpath_pop(&c->path, old);
	*out = v;
	*n = list->len;
	return ok ? 1 : -1;
}

static void
load_key(struct lctx *c, const struct jnode *k)
{
	static const char *const keys[] = { "public", "public_file", "devices",
	                                    NULL };
	uint8_t pk[LC_PUBLICKEY_BYTES];
	const struct jnode *list, *n;
	const char **devs = NULL, *s;
	size_t ndevs = 0;
	int have = 0, rc;

	if (!load_want_type(c, k, J_OBJECT))
		return;
	load_check_keys(c, k, keys);
	if (load_get_str(c, k, "public", 0, &n, &s) == 1) {
		size_t old = jpath_key(&c->path, "public");

		if (lc_key_parse_public(s, pk) != 0)
			load_err_at(c, n->pos, "not a lenscap public key "
			            "(\"lenscap-public-key-v1 <base64>\")");
		else
			have = 1;
		jpath_pop(&c->path, old);
	}
	if (load_get_file(c, k, "public_file", 0, &s) == 1 &&
	    !(c->flags & POLICY_NO_FILES)) {
		n = jnode_get(k, "public_file");
		if ((rc = lc_key_load_public(s, pk)) != 0) {
			size_t old = jpath_key(&c->path, "public_file");

			load_err_at(c, n->kpos, "cannot load public key %s: %s",
			            load_shown(s), lc_strerror(rc));
			jpath_pop(&c->path, old);
		} else {
			have |= 2;
		}
	}
	if (jnode_get(k, "public") != NULL &&
	    jnode_get(k, "public_file") != NULL) {
		load_err_at(c, k->pos,
		            "\"public\" and \"public_file\" exclude each other");
		return;
	} else if (jnode_get(k, "public") == NULL &&
	         jnode_get(k, "public_file") == NULL)
		load_err_at(c, k->pos, "needs \"public\" or \"public_file\"");
	if (load_get_array(c, k, "devices", 1, &list) != 1 ||
	    key_devices(c, list, &devs, &ndevs) != 1 || (have != 1 && have != 2))
		return;
	rc = lc_keyring_add(c->pol->keyring, pk, devs, ndevs);
	if (rc == LC_EEXIST)
		load_err_at(c, k->pos, "the same public key is listed twice");
	else if (rc == LC_ENOMEM)
		load_oom(c);
	else if (rc != 0)
		load_err_at(c, k->pos, "cannot add the key: %s",
		            lc_strerror(rc));
}

void
load_keys(struct lctx *c, const struct jnode *sec)
{
	(void)load_each(c, sec, J_ARRAY, load_key);
}

/* ---- sessions ------------------------------------------------------------ */

static void
load_static_session(struct lctx *c, const struct jnode *s)
{
	static const char *const keys[] = { "token_sha256", "account", NULL };
	uint8_t d[LC_DIGEST_BYTES];
	const struct policy_account *acct = NULL;
	const struct jnode *n, *tn = NULL;
	const char *name;
	int rc;

	if (!load_want_type(c, s, J_OBJECT))
		return;
	load_check_keys(c, s, keys);
	if (load_get_str(c, s, "account", 1, &n, &name) == 1) {
		size_t old = jpath_key(&c->path, "account");

		if ((acct = policy_account_by_name(c->pol, name)) == NULL) {
			load_not_found(c);
			load_err_at(c, n->pos,
			            "account \"%s\" is not declared in "
			            "\"accounts\"", load_shown(name));
		}
		jpath_pop(&c->path, old);
	}
	if (load_get_digest(c, s, "token_sha256", 1, &tn, d) != 1 ||
	    acct == NULL)
		return;
	rc = strtab_put(c->pol->session_by_token, d, LC_DIGEST_BYTES,
	                (void *)(uintptr_t)acct, NULL);
	if (rc == LC_EEXIST) {
		size_t old = jpath_key(&c->path, "token_sha256");

		load_err_at(c, tn->pos,
		            "the same token digest is listed twice");
		jpath_pop(&c->path, old);
	} else if (rc != 0) {
		load_oom(c);
	}
}

/* What loading static session s will touch in the tables, fetched
 * ahead: its token's slot and its account's. */
static void
session_ahead(const struct lctx *c, const struct jnode *s)
{
	const struct jnode *n = jnode_get(s, "account");

	digest_ahead(c->pol->session_by_token, s, "token_sha256");
	if (n != NULL && n->type == J_STRING)
		strtab_prefetch(c->pol->account_by_name, n->str, n->len);
}

/* Reads the JWKS file jwt names (unless POLICY_NO_FILES); reports it
 * at the "jwks" member n if it cannot be used. */
static void
load_jwks(struct lctx *c, const struct jnode *n, struct policy_jwt *jwt)
{
	char why[256];
	size_t old;
	int rc;

	if (c->flags & POLICY_NO_FILES)
		return;
	rc = jwks_load(jwt->jwks_path, &c->pol->jwks, why, sizeof(why));
	if (rc == LC_ENOMEM) {
		load_oom(c);
		return;
	}
	if (rc != 0) {
		old = jpath_key(&c->path, "jwks");
		load_err_at(c, n->pos, "JWKS %s: %s", load_shown(jwt->jwks_path),
		            why[0] ? why : lc_strerror(rc));
		jpath_pop(&c->path, old);
		return;
	}
	jwt->jwks = c->pol->jwks;
}

/* "jwt": the issuer whose access tokens are sessions, and its keys. */
static void
load_jwt(struct lctx *c, const struct jnode *j)
{
	static const char *const keys[] = { "issuer", "audience", "jwks",
	                                    "max_token_bytes", NULL };
	struct policy_jwt *jwt = &c->pol->jwt;
	const char *iss = NULL, *aud = NULL, *path = NULL;
	int64_t v = 8192;
	int ok = 1;

	if (!load_want_type(c, j, J_OBJECT))
		return;
	if (c->pol->has_jwt) {
		load_err_at(c, j->kpos, "defined twice (one issuer per policy)");
		return;
	}
	load_check_keys(c, j, keys);
	ok &= load_get_str(c, j, "issuer", 1, NULL, &iss) == 1;
	ok &= load_get_str(c, j, "audience", 1, NULL, &aud) == 1;
	ok &= load_get_file(c, j, "jwks", 1, &path) == 1;
	ok &= load_get_int(c, j, "max_token_bytes", 256, 65536, &v) >= 0;
	if (!ok)
		return;
	jwt->issuer = load_dup_str(c, iss);
	jwt->audience = load_dup_str(c, aud);
	jwt->jwks_path = path;
	jwt->max_token_bytes = (uint32_t)v;
	if (jwt->issuer == NULL || jwt->audience == NULL)
		return;
	c->pol->has_jwt = 1;
	load_jwks(c, jnode_get(j, "jwks"), jwt);
}

/* An optional string of sec copied into the model, or NULL. */
static const char *
opt_str(struct lctx *c, const struct jnode *sec, const char *key)
{
	const char *s;

	return load_get_str(c, sec, key, 0, NULL, &s) == 1 ? load_dup_str(c, s) : NULL;
}

/* sessions.introspection: the endpoint's path and the cache's bounds. */
static void
load_introspection(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "path", "cache_ms", "negative_cache_ms",
		"cache_entries", "timeout_ms", "audience", "issuer", NULL };
	struct policy_introspection *in = &c->pol->introspection;
	const struct jnode *n;
	const char *s;
	int64_t v;
	size_t old = jpath_key(&c->path, "introspection");

	if (!load_want_type(c, sec, J_OBJECT))
		goto out;
	load_check_keys(c, sec, keys);
	*in = (struct policy_introspection){ .cache_ms = 60000, .negative_cache_ms = 10000,
		.cache_entries = 10000, .timeout_ms = 1000 };
	if (load_get_str(c, sec, "path", 1, &n, &s) == 1) {
		size_t o2 = jpath_key(&c->path, "path");

		if (s[0] != '/' || strlen(s) > 256 || strpbrk(s, "?# \t\r\n") != NULL)
			load_err_at(c, n->pos, "expected a path (\"/oauth/introspect\"), "
			            "at most 256 bytes, without a query");
		else
			in->path = load_dup_str(c, s);
		jpath_pop(&c->path, o2);
	}
	if (load_get_int(c, sec, "cache_ms", 0, 86400000, &v) == 1)
		in->cache_ms = (uint32_t)v;
	if (load_get_int(c, sec, "negative_cache_ms", 0, 86400000, &v) == 1)
		in->negative_cache_ms = (uint32_t)v;
	if (load_get_int(c, sec, "cache_entries", 1, 10000000, &v) == 1)
		in->cache_entries = (uint32_t)v;
	if (load_get_int(c, sec, "timeout_ms", 1, 600000, &v) == 1)
		in->timeout_ms = (uint32_t)v;
	in->audience = opt_str(c, sec, "audience");
	in->issuer = opt_str(c, sec, "issuer");
	c->pol->has_introspection = in->path != NULL;
out:
	jpath_pop(&c->path, old);
}

void
load_sessions(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "static", "jwt", "introspection", NULL };
	const struct jnode *list, *j, *in;
	size_t old;

	if (!load_want_type(c, sec, J_OBJECT))
		return;
	load_check_keys(c, sec, keys);
	if ((j = jnode_get(sec, "jwt")) != NULL) {
		old = jpath_key(&c->path, "jwt");
		load_jwt(c, j);
		jpath_pop(&c->path, old);
	}
	if ((in = jnode_get(sec, "introspection")) != NULL)
		load_introspection(c, in);
	if (load_get_array(c, sec, "static", 0, &list) != 1)
		return;
	old = jpath_key(&c->path, "static");
	c->nsessions += load_each_ahead(c, list, J_ARRAY, load_static_session,
	                                session_ahead);
	jpath_pop(&c->path, old);
}
