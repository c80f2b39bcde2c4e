/*
 * policy: loading the daemon's own ends: its listeners, the backend it
 * fetches from, the ingest key it seals with, and its limits.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "load.h"

/* ---- listeners ----------------------------------------------------------- */

static int
role_from_name(const char *s)
{
	if (strcmp(s, "assistant") == 0)
		return POLICY_ROLE_ASSISTANT;
	if (strcmp(s, "camera") == 0)
		return POLICY_ROLE_CAMERA;
	if (strcmp(s, "admin") == 0)
		return POLICY_ROLE_ADMIN;
	return 0;
}

/* "host:port" or "[v6]:port" into l->host and l->port; 0 or -1. */
static int
parse_listen(struct lctx *c, struct policy_listener *l, const char *s)
{
	const char *colon, *host = s;
	size_t hlen;
	int64_t port;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		host = s + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || strlen(colon + 1) > 5 ||
	    load_parse_int(colon + 1, &port) != 0 || colon[1] == '-' ||
	    port < 0 || port > 65535)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (host[i] == ' ' || host[i] == '/' || host[i] == '[' ||
		    host[i] == ']')
			return -1;
	if ((l->host = arena_strndup(&c->pol->arena, host, hlen)) == NULL) {
		load_oom(c);
		return -1;
	}
	l->port = (uint16_t)port;
	return 0;
}

static void
load_tls(struct lctx *c, const struct jnode *tls, struct policy_listener *l)
{
	static const char *const keys[] = { "cert", "key", "client_ca", NULL };
	size_t old = jpath_key(&c->path, "tls");

	if (load_want_type(c, tls, J_OBJECT)) {
		load_check_keys(c, tls, keys);
		(void)load_get_file(c, tls, "cert", 1, &l->cert);
		(void)load_get_file(c, tls, "key", 1, &l->key);
		(void)load_get_file(c, tls, "client_ca", 0, &l->client_ca);
	}
	jpath_pop(&c->path, old);
}

static void
load_listener(struct lctx *c, const struct jnode *m)
{
	static const char *const keys[] = { "listen", "tls", "plain", "role",
	                                    NULL };
	struct lc_policy *pol = c->pol;
	struct policy_listener *l, *prev = NULL;
	const struct jnode *tls, *ln;
	const char *s;
	int rc;

	if (!lc_valid_device(m->key)) {
		load_err_at(c, m->kpos,
		            "listener names are 1-64 of [A-Za-z0-9._-], "
		            "starting with a letter or digit");
		return;
	}
	if (!load_want_type(c, m, J_OBJECT))
		return;
	load_check_keys(c, m, keys);
	if ((l = arena_alloc(&pol->arena, sizeof(*l))) == NULL ||
	    (l->name = load_dup_str(c, m->key)) == NULL) {
		load_oom(c);
		return;
	}
	if ((rc = load_get_str(c, m, "role", 0, &ln, &s)) == 1) {
		if ((l->role = role_from_name(s)) == 0) {
			size_t old = jpath_key(&c->path, "role");

			load_err_at(c, ln->pos,
			            "expected \"assistant\", \"camera\" or "
			            "\"admin\"");
			jpath_pop(&c->path, old);
		}
	} else if (rc == 0 && (l->role = role_from_name(m->key)) == 0) {
		load_err_at(c, m->pos, "missing \"role\"");
	}
	if (load_get_str(c, m, "listen", 1, &ln, &s) == 1) {
		if ((l->listen = load_dup_str(c, s)) == NULL)
			return;
		if (parse_listen(c, l, s) != 0 && !c->oom) {
			size_t old = jpath_key(&c->path, "listen");

			load_err_at(c, ln->pos, "expected \"host:port\" or "
			            "\"[v6 address]:port\" with a port from 0 to 65535");
			jpath_pop(&c->path, old);
		}
	}
	(void)load_get_bool(c, m, "plain", &l->plain);
	tls = jnode_get(m, "tls");
	if (tls != NULL && l->plain)
		load_err_at(c, tls->kpos,
		            "\"tls\" and \"plain\": true together");
	else if (tls != NULL)
		load_tls(c, tls, l);
	else if (!l->plain)
		load_err_at(c, m->pos,
		            "no \"tls\": plain HTTP needs \"plain\": true");
	if (pol->nlisteners == POLICY_LISTENERS_MAX) {
		load_err_at(c, m->kpos, "more than %d listeners",
		            POLICY_LISTENERS_MAX);
		return;
	}
	rc = strtab_put(pol->listener_by_name, l->name, strlen(l->name), l,
	                (void **)&prev);
	if (rc == LC_EEXIST) {
		for (size_t i = 0; i < pol->nlisteners; i++)
			if (pol->listeners[i] == prev)
				load_err_twice(c, m->kpos,
				               &c->listener_at.v[i]);
		return;
	}
	if (rc != 0 ||
	    policy_vec_push(&pol->listeners, &pol->nlisteners,
	                    &pol->listeners_cap, l) != 0 ||
	    load_note_where(c, &c->listener_at, pol->nlisteners - 1,
	                    pol->listeners_cap, m->kpos) != 0)
		load_oom(c);
}

void
load_listeners(struct lctx *c, const struct jnode *sec)
{
	(void)load_each(c, sec, J_OBJECT, load_listener);
}

/* ---- backend, ingest key, limits ----------------------------------------- */

/* A section that may appear in one file only. */
static int
once(struct lctx *c, const struct jnode *sec, int *have, struct pwhere *at)
{
	if (*have) {
		load_err_twice(c, sec->kpos, at);
		return 0;
	}
	*have = 1;
	*at = (struct pwhere){ c->file, sec->kpos, 0 };
	return 1;
}

/* scheme://authority with nothing after it (routes add the path). */
static int
url_ok(const char *s, int plain)
{
	const char *a;

	if (strncmp(s, "https://", 8) == 0)
		a = s + 8;
	else if (plain && strncmp(s, "http://", 7) == 0)
		a = s + 7;
	else
		return 0;
	if (*a == '\0' || *a == ':')
		return 0;
	for (; *a != '\0'; a++)
		if (*a == '/' || *a == '?' || *a == '#' || *a == '@' ||
		    *a == '\\' || (unsigned char)*a <= ' ' ||
		    (unsigned char)*a >= 0x7f)
			return 0;
	return 1;
}

/* "sha256//" and the base64 of 32 bytes, as curl takes it. */
static int
pin_ok(const char *s)
{
	unsigned char bin[LC_DIGEST_BYTES + 1];
	size_t n = 0;
	const char *end;

	if (strncmp(s, "sha256//", 8) != 0)
		return 0;
	s += 8;
	if (sodium_base642bin(bin, sizeof(bin), s, strlen(s), NULL, &n, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return *end == '\0' && n == LC_DIGEST_BYTES;
}

void
load_backend(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "url", "ca", "pin", "client_cert",
		"client_key", "connect_timeout_ms", "timeout_ms", "plain", NULL };
	struct policy_backend *b = &c->pol->backend;
	const struct jnode *n;
	const char *s;
	int64_t v;
	int plain = 0;

	if (!once(c, sec, &c->have_backend, &c->backend_at) ||
	    !load_want_type(c, sec, J_OBJECT))
		return;
	load_check_keys(c, sec, keys);
	(void)load_get_bool(c, sec, "plain", &plain);
	if (load_get_str(c, sec, "url", 1, &n, &s) == 1) {
		size_t old = jpath_key(&c->path, "url");

		if (!url_ok(s, plain))
			load_err_at(c, n->pos, plain ?
			            "expected \"https://host[:port]\" or "
			            "\"http://host[:port]\", without a path" :
			            "expected \"https://host[:port]\" without a path "
			            "(plain http needs \"plain\": true)");
		else
			b->url = load_dup_str(c, s);
		jpath_pop(&c->path, old);
	}
	(void)load_get_file(c, sec, "ca", 0, &b->ca);
	if (load_get_str(c, sec, "pin", 0, &n, &s) == 1) {
		size_t old = jpath_key(&c->path, "pin");

		if (!pin_ok(s))
			load_err_at(c, n->pos,
			            "expected \"sha256//\" and the base64 "
			            "of a SHA-256 digest");
		else
			b->pin = load_dup_str(c, s);
		jpath_pop(&c->path, old);
	}
	(void)load_get_file(c, sec, "client_cert", 0, &b->client_cert);
	(void)load_get_file(c, sec, "client_key", 0, &b->client_key);
	if ((jnode_get(sec, "client_cert") == NULL) !=
	    (jnode_get(sec, "client_key") == NULL))
		load_err_at(c, sec->pos,
		            "\"client_cert\" and \"client_key\" go together");
	if (load_get_int(c, sec, "connect_timeout_ms", 1, 600000, &v) == 1)
		b->connect_timeout_ms = (uint32_t)v;
	if (load_get_int(c, sec, "timeout_ms", 1, 3600000, &v) == 1)
		b->timeout_ms = (uint32_t)v;
	c->pol->has_backend = 1;
}

void
load_ingest_key(struct lctx *c, const struct jnode *sec)
{
	if (once(c, sec, &c->have_ingest, &c->ingest_at))
		(void)load_file_node(c, sec, &c->pol->ingest_key);
}

/* ---- seal: what the camera face seals with ------------------------------ */

/* Why a MAC secret file could not be loaded, for its error line. */
static const char *
mac_load_error(int rc)
{
	return rc == LC_EIO ? strerror(errno) :
	       rc == LC_EPERM ? "readable or writable by group or others" :
	       rc == LC_EFORMAT ? "not a MAC secret file (lenscap keygen -m)" :
	       lc_strerror(rc);
}

/*
 * Loads the MAC secret file that obj's key names into the keyring (the
 * gate accepts it), and its id into id if given; checks it against
 * want_id if given.  Errors are reported at the key.  The key object,
 * and the secret in it, is wiped here; the keyring keeps its own copy.
 */
static void
load_mac_file(struct lctx *c, const struct jnode *obj, const char *key,
              const char *file, const char *want_id, uint8_t id[LC_KEY_ID_BYTES])
{
	const struct jnode *at = jnode_get(obj, key);
	char hex[LC_KEY_ID_HEX_BYTES];
	struct lc_mac_key *k;
	size_t old;
	int rc;

	if (c->flags & POLICY_NO_FILES)
		return;
	old = jpath_key(&c->path, key);
	if ((rc = lc_mac_key_load(file, &k)) != 0) {
		load_err_at(c, at->kpos, "cannot load MAC secret %s: %s",
		            load_shown(file), mac_load_error(rc));
		jpath_pop(&c->path, old);
		return;
	}
	lc_key_id_hex(lc_mac_key_id(k), hex);
	if (want_id != NULL && strcmp(want_id, hex) != 0)
		load_err_at(c, at->kpos, "MAC secret %s has key id %s, not %s",
		            load_shown(file), hex, want_id);
	else if ((rc = lc_keyring_add_mac(c->pol->keyring, k)) == LC_EEXIST)
		load_err_at(c, at->kpos, "MAC secret %s is listed twice", load_shown(file));
	else if (rc != 0)
		load_oom(c);
	if (id != NULL)
		memcpy(id, lc_mac_key_id(k), LC_KEY_ID_BYTES);
	lc_mac_key_free(k);
	jpath_pop(&c->path, old);
}

/* Whether s is a key id as lenscap keygen -m prints it: 32 lower-case
 * hex digits. */
static int
mac_key_id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == LC_KEY_ID_HEX_BYTES - 1;
}

/* One entry of "mac_keys": {"id": "<32 hex>", "secret": "<file>"}. */
static void
load_mac_entry(struct lctx *c, const struct jnode *e)
{
	static const char *const keys[] = { "id", "secret", NULL };
	const struct jnode *n;
	const char *id, *file;
	int have_id;

	if (!load_want_type(c, e, J_OBJECT))
		return;
	load_check_keys(c, e, keys);
	have_id = load_get_str(c, e, "id", 1, &n, &id) == 1;
	if (have_id && !mac_key_id_ok(id)) {
		size_t old = jpath_key(&c->path, "id");

		load_err_at(c, n->pos, "not a key id (32 lower-case hex digits, "
		            "as lenscap keygen -m prints)");
		jpath_pop(&c->path, old);
		have_id = 0;
	}
	if (load_get_file(c, e, "secret", 1, &file) == 1 && have_id)
		load_mac_file(c, e, "secret", file, id, NULL);
}

void
load_seal(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "use", "mac_secret", "mac_keys", NULL };
	const struct jnode *list, *n;
	const char *use = "mac";

	if (!once(c, sec, &c->have_seal, &c->seal_at) ||
	    !load_want_type(c, sec, J_OBJECT))
		return;
	load_check_keys(c, sec, keys);
	if (load_get_str(c, sec, "use", 0, &n, &use) == 1 &&
	    strcmp(use, "mac") != 0 && strcmp(use, "ed25519") != 0) {
		size_t old = jpath_key(&c->path, "use");

		load_err_at(c, n->pos, "expected \"mac\" or \"ed25519\"");
		jpath_pop(&c->path, old);
	}
	c->pol->seal_mac = strcmp(use, "mac") == 0;
	if (load_get_file(c, sec, "mac_secret", c->pol->seal_mac,
	                  &c->pol->mac_secret) == 1)
		load_mac_file(c, sec, "mac_secret", c->pol->mac_secret, NULL,
		              c->pol->mac_secret_id);
	if (load_get_array(c, sec, "mac_keys", 0, &list) == 1) {
		size_t old = jpath_key(&c->path, "mac_keys");

		(void)load_each(c, list, J_ARRAY, load_mac_entry);
		jpath_pop(&c->path, old);
	}
}

void
load_limits(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "max_frame_bytes", "drops_in_a_row",
		"idle_timeout_ms", "max_connections", "max_connections_per_ip",
		"clock_skew_ms", NULL };
	struct policy_limits *l = &c->pol->limits;
	int64_t v;

	if (!once(c, sec, &c->have_limits, &c->limits_at) ||
	    !load_want_type(c, sec, J_OBJECT))
		return;
	load_check_keys(c, sec, keys);
	if (load_get_int(c, sec, "max_frame_bytes", 1, (int64_t)1 << 30,
	                 &v) == 1)
		l->max_frame_bytes = (uint64_t)v;
	if (load_get_int(c, sec, "drops_in_a_row", 1, 1000000, &v) == 1)
		l->drops_in_a_row = (uint32_t)v;
	if (load_get_int(c, sec, "idle_timeout_ms", 1, 86400000, &v) == 1)
		l->idle_timeout_ms = (uint32_t)v;
	if (load_get_int(c, sec, "max_connections", 1, 1000000, &v) == 1)
		l->max_connections = (uint32_t)v;
	if (load_get_int(c, sec, "max_connections_per_ip", 1, 1000000, &v) == 1)
		l->max_connections_per_ip = (uint32_t)v;
	if (load_get_int(c, sec, "clock_skew_ms", 0, 3600000, &v) == 1)
		l->clock_skew_ms = (uint32_t)v;
	if (l->max_connections_per_ip > l->max_connections)
		load_err_at(c, sec->pos,
		            "\"max_connections_per_ip\" is more than "
		            "\"max_connections\"");
}
