/*
 * policy: loading.  Reads the policy file(s), parses each into a
 * position-carrying tree (json.c), checks it against the schema of
 * lenscap.policy(5) and builds the model that policy.c answers from.
 * Every problem is collected and printed, sorted, before failing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"
#include "json.h"

#define HEX_DIGEST_LEN (2 * LC_DIGEST_BYTES)

/* One policy file being loaded. */
struct lfile {
	char *name;        /* display name (owned) */
	char *dir;         /* for relative paths: "" = the cwd (owned) */
	char *buf;         /* contents (owned unless borrowed) */
	size_t len;
	int borrowed;
	struct jnode *root;
};

/* Where something was defined: for "defined twice" across files. */
struct pwhere {
	int file;
	struct jpos pos;
};

/* Where each entry of a model array was defined, parallel to it: kept
 * here, not in the model, which outlives the files it was read from. */
struct pwheres {
	struct pwhere *v;
	size_t cap;
};

/* The loader's state across files and passes. */
struct lctx {
	struct lc_policy *pol;
	struct perrs errs;
	struct lfile *files;
	size_t nfiles, files_cap;
	struct arena tree;      /* the parsed trees, freed after loading */
	unsigned flags;
	int file;               /* the file being checked */
	struct jpath path;
	int oom;
	int io;                 /* a file could not be read */
	struct pwhere backend_at, ingest_at, limits_at;
	int have_backend, have_ingest, have_limits;
	struct pwheres listener_at, device_at, account_at;
	size_t nsessions;       /* sessions.static entries so far */
	int parsed_all;         /* every file is well-formed JSON */
};

/* ---- errors ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static void
err_at(struct lctx *c, struct jpos pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	perrs_add(&c->errs, c->file, pos, jpath_str(&c->path), "%s", msg);
}

/* Records that entry i of a model array whose capacity is now cap was
 * defined at pos of the current file; 0 or LC_ENOMEM. */
static int
note_where(struct lctx *c, struct pwheres *at, size_t i, size_t cap,
           struct jpos pos)
{
	if (at->cap < i + 1) {
		struct pwhere *w = realloc(at->v, cap * sizeof(*w));

		if (w == NULL)
			return LC_ENOMEM;
		at->v = w;
		at->cap = cap;
	}
	at->v[i] = (struct pwhere){ c->file, pos };
	return 0;
}

/* "defined twice (first at FILE:L:C)" for an entry seen before. */
static void
err_twice(struct lctx *c, struct jpos pos, const struct pwhere *first)
{
	if (first->file == c->file)
		err_at(c, pos, "defined twice (first at line %u, column %u)",
		       (unsigned)first->pos.line, (unsigned)first->pos.col);
	else
		err_at(c, pos, "defined twice (first at %s:%u:%u)",
		       c->files[first->file].name, (unsigned)first->pos.line,
		       (unsigned)first->pos.col);
}

/* s if it may be printed as it is, else a stand-in: strings from the
 * file must not reach a terminal with control bytes in them. */
static const char *
shown(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "(a string with control characters)";
	return s;
}

static void
oom(struct lctx *c)
{
	c->oom = 1;
}

static const char *
type_name(int t)
{
	switch (t) {
	case J_NULL: return "null";
	case J_BOOL: return "a boolean";
	case J_NUMBER: return "a number";
	case J_STRING: return "a string";
	case J_OBJECT: return "an object";
	default: return "an array";
	}
}

/* Whether n is of type t; reports it (unless reported already) if not. */
static int
want_type(struct lctx *c, const struct jnode *n, int t)
{
	if (n->bad)
		return 0;
	if (n->type != t) {
		err_at(c, n->pos, "expected %s, got %s", type_name(t),
		       type_name(n->type));
		return 0;
	}
	return 1;
}

/* Reports every member of obj whose key is not in allowed (NULL-ended). */
static void
check_keys(struct lctx *c, const struct jnode *obj, const char *const *allowed)
{
	for (const struct jnode *m = obj->child; m != NULL; m = m->next) {
		size_t i, old;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(m->key, allowed[i]) == 0)
				break;
		if (allowed[i] != NULL)
			continue;
		old = jpath_key(&c->path, m->key);
		err_at(c, m->kpos, "unknown key");
		jpath_pop(&c->path, old);
	}
}

/* ---- typed members -------------------------------------------------------
 * Each get_* looks up key in obj: returns 1 with *out set if present and
 * valid, 0 if absent (and reports it if required), -1 if invalid
 * (reported).
 */

static const struct jnode *
member(struct lctx *c, const struct jnode *obj, const char *key, int required)
{
	const struct jnode *m = jnode_get(obj, key);

	if (m == NULL && required)
		err_at(c, obj->pos, "missing \"%s\"", key);
	return m;
}

static char *
dup_str(struct lctx *c, const char *s)
{
	char *p = arena_strndup(&c->pol->arena, s, strlen(s));

	if (p == NULL)
		oom(c);
	return p;
}

static int
get_str(struct lctx *c, const struct jnode *obj, const char *key,
        int required, const struct jnode **node, const char **out)
{
	const struct jnode *m = member(c, obj, key, required);
	size_t old;
	int ok;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	ok = want_type(c, m, J_STRING);
	if (ok && m->len == 0) {
		err_at(c, m->pos, "must not be empty");
		ok = 0;
	}
	jpath_pop(&c->path, old);
	if (!ok)
		return -1;
	if (node != NULL)
		*node = m;
	*out = m->str;
	return 1;
}

static int
get_bool(struct lctx *c, const struct jnode *obj, const char *key, int *out)
{
	const struct jnode *m = member(c, obj, key, 0);
	size_t old;
	int ok;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	ok = want_type(c, m, J_BOOL);
	jpath_pop(&c->path, old);
	if (!ok)
		return -1;
	*out = m->boolean;
	return 1;
}

/* Parses JSON number text as an integer strictly: no fraction, no
 * exponent.  0, -1 (not an integer) or -2 (beyond int64). */
static int
parse_int(const char *s, int64_t *out)
{
	uint64_t v = 0;
	int neg = *s == '-';

	if (neg)
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -2;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s != '\0')
		return -1;
	if (v > (uint64_t)INT64_MAX + neg)
		return -2;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int
get_int(struct lctx *c, const struct jnode *obj, const char *key, int64_t min,
        int64_t max, int64_t *out)
{
	const struct jnode *m = member(c, obj, key, 0);
	int64_t v = 0;
	size_t old;
	int rc = -1;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	if (m->type == J_NUMBER && !m->bad) {
		int r = parse_int(m->str, &v);

		if (r == -1)
			err_at(c, m->pos, "expected an integer");
		else if (r == -2 || v < min || v > max)
			err_at(c, m->pos, "out of range (%lld to %lld)",
			       (long long)min, (long long)max);
		else
			rc = 1;
	} else if (!m->bad) {
		err_at(c, m->pos, "expected an integer, got %s",
		       type_name(m->type));
	}
	jpath_pop(&c->path, old);
	if (rc == 1)
		*out = v;
	return rc;
}

static int
hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* A SHA-256 as 64 lower-case hex digits; the value is never printed. */
static int
get_digest(struct lctx *c, const struct jnode *obj, const char *key,
           int required, const struct jnode **node,
           uint8_t out[LC_DIGEST_BYTES])
{
	const struct jnode *m;
	const char *s;
	int rc = get_str(c, obj, key, required, &m, &s);
	size_t old;

	if (rc != 1)
		return rc;
	old = jpath_key(&c->path, key);
	if (m->len != HEX_DIGEST_LEN) {
		err_at(c, m->pos, "expected 64 lower-case hex digits (SHA-256)");
		rc = -1;
	}
	for (size_t i = 0; rc == 1 && i < LC_DIGEST_BYTES; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			err_at(c, m->pos,
			       "expected 64 lower-case hex digits (SHA-256)");
			rc = -1;
		} else {
			out[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	jpath_pop(&c->path, old);
	if (rc == 1 && node != NULL)
		*node = m;
	return rc;
}

/* A file the daemon will read: the string m, resolved against the
 * policy file's directory, must name a readable regular file.  The
 * caller has pushed m's key; problems with the file are reported at the
 * key's position.  1 or -1. */
static int
file_node(struct lctx *c, const struct jnode *m, const char **out)
{
	const char *dir = c->files[c->file].dir;
	struct stat st;
	char *full;
	size_t n;

	if (!want_type(c, m, J_STRING))
		return -1;
	if (m->len == 0) {
		err_at(c, m->pos, "must not be empty");
		return -1;
	}
	if (m->str[0] == '/' || dir[0] == '\0') {
		full = dup_str(c, m->str);
	} else {
		n = strlen(dir) + 1 + m->len + 1;
		if ((full = arena_alloc(&c->pol->arena, n)) == NULL)
			oom(c);
		else
			snprintf(full, n, "%s/%s", dir, m->str);
	}
	if (full == NULL)
		return -1;
	if (!(c->flags & POLICY_NO_FILES)) {
		if (stat(full, &st) == -1 || access(full, R_OK) == -1) {
			err_at(c, m->kpos, "cannot read %s: %s", shown(full),
			       strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			err_at(c, m->kpos, "%s: not a regular file", shown(full));
			return -1;
		}
	}
	*out = full;
	return 1;
}

static int
get_file(struct lctx *c, const struct jnode *obj, const char *key,
         int required, const char **out)
{
	const struct jnode *m = member(c, obj, key, required);
	size_t old;
	int rc;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	rc = file_node(c, m, out);
	jpath_pop(&c->path, old);
	return rc;
}

/* An array of strings; each element is checked by the caller through
 * the returned node.  1, 0 (absent) or -1. */
static int
get_array(struct lctx *c, const struct jnode *obj, const char *key,
          int required, const struct jnode **out)
{
	const struct jnode *m = member(c, obj, key, required);
	size_t old;
	int ok;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	ok = want_type(c, m, J_ARRAY);
	jpath_pop(&c->path, old);
	if (!ok)
		return -1;
	*out = m;
	return 1;
}

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
	    parse_int(colon + 1, &port) != 0 || colon[1] == '-' ||
	    port < 0 || port > 65535)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (host[i] == ' ' || host[i] == '/' || host[i] == '[' ||
		    host[i] == ']')
			return -1;
	if ((l->host = arena_strndup(&c->pol->arena, host, hlen)) == NULL) {
		oom(c);
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

	if (want_type(c, tls, J_OBJECT)) {
		check_keys(c, tls, keys);
		(void)get_file(c, tls, "cert", 1, &l->cert);
		(void)get_file(c, tls, "key", 1, &l->key);
		(void)get_file(c, tls, "client_ca", 0, &l->client_ca);
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
		err_at(c, m->kpos, "listener names are 1-64 of [A-Za-z0-9._-], "
		       "starting with a letter or digit");
		return;
	}
	if (!want_type(c, m, J_OBJECT))
		return;
	check_keys(c, m, keys);
	if ((l = arena_alloc(&pol->arena, sizeof(*l))) == NULL ||
	    (l->name = dup_str(c, m->key)) == NULL) {
		oom(c);
		return;
	}
	if ((rc = get_str(c, m, "role", 0, &ln, &s)) == 1) {
		if ((l->role = role_from_name(s)) == 0) {
			size_t old = jpath_key(&c->path, "role");

			err_at(c, ln->pos, "expected \"assistant\", \"camera\" or "
			       "\"admin\"");
			jpath_pop(&c->path, old);
		}
	} else if (rc == 0 && (l->role = role_from_name(m->key)) == 0) {
		err_at(c, m->pos, "missing \"role\"");
	}
	if (get_str(c, m, "listen", 1, &ln, &s) == 1) {
		if ((l->listen = dup_str(c, s)) == NULL)
			return;
		if (parse_listen(c, l, s) != 0 && !c->oom) {
			size_t old = jpath_key(&c->path, "listen");

			err_at(c, ln->pos, "expected \"host:port\" or "
			       "\"[v6 address]:port\" with a port from 0 to 65535");
			jpath_pop(&c->path, old);
		}
	}
	(void)get_bool(c, m, "plain", &l->plain);
	tls = jnode_get(m, "tls");
	if (tls != NULL && l->plain)
		err_at(c, tls->kpos, "\"tls\" and \"plain\": true together");
	else if (tls != NULL)
		load_tls(c, tls, l);
	else if (!l->plain)
		err_at(c, m->pos, "no \"tls\": plain HTTP needs \"plain\": true");
	if (pol->nlisteners == POLICY_LISTENERS_MAX) {
		err_at(c, m->kpos, "more than %d listeners", POLICY_LISTENERS_MAX);
		return;
	}
	rc = strtab_put(pol->listener_by_name, l->name, strlen(l->name), l,
	                (void **)&prev);
	if (rc == LC_EEXIST) {
		for (size_t i = 0; i < pol->nlisteners; i++)
			if (pol->listeners[i] == prev)
				err_twice(c, m->kpos, &c->listener_at.v[i]);
		return;
	}
	if (rc != 0 ||
	    policy_vec_push(&pol->listeners, &pol->nlisteners,
	                    &pol->listeners_cap, l) != 0 ||
	    note_where(c, &c->listener_at, pol->nlisteners - 1,
	               pol->listeners_cap, m->kpos) != 0)
		oom(c);
}

static void
load_listeners(struct lctx *c, const struct jnode *sec)
{
	if (!want_type(c, sec, J_OBJECT))
		return;
	for (const struct jnode *m = sec->child; m != NULL && !c->oom;
	     m = m->next) {
		size_t old = jpath_key(&c->path, m->key);

		load_listener(c, m);
		jpath_pop(&c->path, old);
	}
}

/* ---- backend, ingest key, limits ----------------------------------------- */

/* A section that may appear in one file only. */
static int
once(struct lctx *c, const struct jnode *sec, int *have, struct pwhere *at)
{
	if (*have) {
		err_twice(c, sec->kpos, at);
		return 0;
	}
	*have = 1;
	*at = (struct pwhere){ c->file, sec->kpos };
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

static void
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
	    !want_type(c, sec, J_OBJECT))
		return;
	check_keys(c, sec, keys);
	(void)get_bool(c, sec, "plain", &plain);
	if (get_str(c, sec, "url", 1, &n, &s) == 1) {
		size_t old = jpath_key(&c->path, "url");

		if (!url_ok(s, plain))
			err_at(c, n->pos, plain ?
			       "expected \"https://host[:port]\" or "
			       "\"http://host[:port]\", without a path" :
			       "expected \"https://host[:port]\" without a path "
			       "(plain http needs \"plain\": true)");
		else
			b->url = dup_str(c, s);
		jpath_pop(&c->path, old);
	}
	(void)get_file(c, sec, "ca", 0, &b->ca);
	if (get_str(c, sec, "pin", 0, &n, &s) == 1) {
		size_t old = jpath_key(&c->path, "pin");

		if (!pin_ok(s))
			err_at(c, n->pos, "expected \"sha256//\" and the base64 "
			       "of a SHA-256 digest");
		else
			b->pin = dup_str(c, s);
		jpath_pop(&c->path, old);
	}
	(void)get_file(c, sec, "client_cert", 0, &b->client_cert);
	(void)get_file(c, sec, "client_key", 0, &b->client_key);
	if ((jnode_get(sec, "client_cert") == NULL) !=
	    (jnode_get(sec, "client_key") == NULL))
		err_at(c, sec->pos, "\"client_cert\" and \"client_key\" go "
		       "together");
	if (get_int(c, sec, "connect_timeout_ms", 1, 600000, &v) == 1)
		b->connect_timeout_ms = (uint32_t)v;
	if (get_int(c, sec, "timeout_ms", 1, 3600000, &v) == 1)
		b->timeout_ms = (uint32_t)v;
	c->pol->has_backend = 1;
}

static void
load_ingest_key(struct lctx *c, const struct jnode *sec)
{
	if (once(c, sec, &c->have_ingest, &c->ingest_at))
		(void)file_node(c, sec, &c->pol->ingest_key);
}

static void
load_limits(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "max_frame_bytes", "drops_in_a_row",
		"idle_timeout_ms", "max_connections", "max_connections_per_ip",
		"clock_skew_ms", NULL };
	struct policy_limits *l = &c->pol->limits;
	int64_t v;

	if (!once(c, sec, &c->have_limits, &c->limits_at) ||
	    !want_type(c, sec, J_OBJECT))
		return;
	check_keys(c, sec, keys);
	if (get_int(c, sec, "max_frame_bytes", 1, (int64_t)1 << 30, &v) == 1)
		l->max_frame_bytes = (uint64_t)v;
	if (get_int(c, sec, "drops_in_a_row", 1, 1000000, &v) == 1)
		l->drops_in_a_row = (uint32_t)v;
	if (get_int(c, sec, "idle_timeout_ms", 1, 86400000, &v) == 1)
		l->idle_timeout_ms = (uint32_t)v;
	if (get_int(c, sec, "max_connections", 1, 1000000, &v) == 1)
		l->max_connections = (uint32_t)v;
	if (get_int(c, sec, "max_connections_per_ip", 1, 1000000, &v) == 1)
		l->max_connections_per_ip = (uint32_t)v;
	if (get_int(c, sec, "clock_skew_ms", 0, 3600000, &v) == 1)
		l->clock_skew_ms = (uint32_t)v;
	if (l->max_connections_per_ip > l->max_connections)
		err_at(c, sec->pos, "\"max_connections_per_ip\" is more than "
		       "\"max_connections\"");
}

/* ---- devices ------------------------------------------------------------- */

/* Indexes a device's digest; reports another device holding it. */
static void
index_digest(struct lctx *c, struct strtab *t, const uint8_t d[LC_DIGEST_BYTES],
             struct policy_device *dev, const struct jnode *n, const char *key)
{
	struct policy_device *other = NULL;
	uint8_t *copy = arena_alloc(&c->pol->arena, LC_DIGEST_BYTES);
	size_t old;
	int rc;

	if (copy == NULL) {
		oom(c);
		return;
	}
	memcpy(copy, d, LC_DIGEST_BYTES);
	rc = strtab_put(t, copy, LC_DIGEST_BYTES, dev, (void **)&other);
	if (rc == LC_EEXIST) {
		old = jpath_key(&c->path, key);
		err_at(c, n->pos, "same digest as device \"%s\"", other->id);
		jpath_pop(&c->path, old);
	} else if (rc != 0) {
		oom(c);
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

	if (!want_type(c, auth, J_OBJECT))
		goto out;
	check_keys(c, auth, keys);
	if ((rc = get_digest(c, auth, "cert_sha256", 0, &n, d)) == 1)
		index_digest(c, c->pol->device_by_cert, d, dev, n, "cert_sha256");
	got |= rc != 0;
	if ((rc = get_digest(c, auth, "token_sha256", 0, &n, d)) == 1)
		index_digest(c, c->pol->device_by_token, d, dev, n,
		             "token_sha256");
	got |= rc != 0;
	if (!got)
		err_at(c, auth->pos, "needs \"cert_sha256\" or \"token_sha256\"");
	sodium_memzero(d, sizeof(d));
out:
	jpath_pop(&c->path, old);
}

static void
load_device(struct lctx *c, const struct jnode *m)
{
	static const char *const keys[] = { "auth", NULL };
	struct lc_policy *pol = c->pol;
	struct policy_device *dev, *prev = NULL;
	const struct jnode *auth;
	int rc;

	if (!lc_valid_device(m->key)) {
		err_at(c, m->kpos, "not a valid device id (1-64 of "
		       "[A-Za-z0-9._-], starting with a letter or digit)");
		return;
	}
	if (!want_type(c, m, J_OBJECT))
		return;
	check_keys(c, m, keys);
	if ((dev = arena_alloc(&pol->arena, sizeof(*dev))) == NULL ||
	    (dev->id = dup_str(c, m->key)) == NULL) {
		oom(c);
		return;
	}
	rc = strtab_put(pol->device_by_name, dev->id, strlen(dev->id), dev,
	                (void **)&prev);
	if (rc == LC_EEXIST) {
		err_twice(c, m->kpos, &c->device_at.v[prev->index]);
		return;
	}
	if (rc != 0 || pol->ndevices >= UINT32_MAX ||
	    policy_vec_push(&pol->devices, &pol->ndevices, &pol->devices_cap,
	                    dev) != 0 ||
	    note_where(c, &c->device_at, pol->ndevices - 1, pol->devices_cap,
	               m->kpos) != 0) {
		oom(c);
		return;
	}
	dev->index = (uint32_t)(pol->ndevices - 1);
	if ((auth = member(c, m, "auth", 1)) != NULL)
		load_auth(c, auth, dev);
}

static void
load_devices(struct lctx *c, const struct jnode *sec)
{
	if (!want_type(c, sec, J_OBJECT))
		return;
	for (const struct jnode *m = sec->child; m != NULL && !c->oom;
	     m = m->next) {
		size_t old = jpath_key(&c->path, m->key);

		load_device(c, m);
		jpath_pop(&c->path, old);
	}
}

/* A declared device named by element e of a list, or NULL (reported). */
static const struct policy_device *
device_ref(struct lctx *c, const struct jnode *e)
{
	const struct policy_device *dev;

	if (!want_type(c, e, J_STRING))
		return NULL;
	if (!lc_valid_device(e->str)) {
		err_at(c, e->pos, "not a valid device id");
		return NULL;
	}
	dev = policy_device_by_name(c->pol, e->str);
	if (dev == NULL)
		err_at(c, e->pos, "device \"%s\" is not declared in \"devices\"",
		       e->str);
	return dev;
}

/* ---- accounts ------------------------------------------------------------ */

static void
load_grants(struct lctx *c, const struct jnode *list,
            const struct policy_account *acct)
{
	size_t i = 0, old = jpath_key(&c->path, "devices");

	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);
		const struct policy_device *dev = device_ref(c, e);
		int rc;

		if (dev != NULL) {
			rc = u64set_add(c->pol->grants,
			                (uint64_t)acct->index << 32 | dev->index);
			if (rc == LC_EEXIST)
				err_at(c, e->pos, "device listed twice");
			else if (rc != 0)
				oom(c);
		}
		jpath_pop(&c->path, o2);
	}
	jpath_pop(&c->path, old);
}

static void
load_account(struct lctx *c, const struct jnode *m)
{
	static const char *const keys[] = { "devices", NULL };
	struct lc_policy *pol = c->pol;
	struct policy_account *acct, *prev = NULL;
	const struct jnode *list;
	int rc;

	if (!lc_valid_device(m->key)) {
		err_at(c, m->kpos, "not a valid account name (1-64 of "
		       "[A-Za-z0-9._-], starting with a letter or digit)");
		return;
	}
	if (!want_type(c, m, J_OBJECT))
		return;
	check_keys(c, m, keys);
	if ((acct = arena_alloc(&pol->arena, sizeof(*acct))) == NULL ||
	    (acct->name = dup_str(c, m->key)) == NULL) {
		oom(c);
		return;
	}
	rc = strtab_put(pol->account_by_name, acct->name, strlen(acct->name),
	                acct, (void **)&prev);
	if (rc == LC_EEXIST) {
		err_twice(c, m->kpos, &c->account_at.v[prev->index]);
		return;
	}
	if (rc != 0 || pol->naccounts >= UINT32_MAX ||
	    policy_vec_push(&pol->accounts, &pol->naccounts,
	                    &pol->accounts_cap, acct) != 0 ||
	    note_where(c, &c->account_at, pol->naccounts - 1,
	               pol->accounts_cap, m->kpos) != 0) {
		oom(c);
		return;
	}
	acct->index = (uint32_t)(pol->naccounts - 1);
	if (get_array(c, m, "devices", 1, &list) == 1)
		load_grants(c, list, acct);
}

static void
load_accounts(struct lctx *c, const struct jnode *sec)
{
	if (!want_type(c, sec, J_OBJECT))
		return;
	for (const struct jnode *m = sec->child; m != NULL && !c->oom;
	     m = m->next) {
		size_t old = jpath_key(&c->path, m->key);

		load_account(c, m);
		jpath_pop(&c->path, old);
	}
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
		err_at(c, list->pos, "must list \"*\" or at least one device");
		jpath_pop(&c->path, old);
		return -1;
	}
	if ((v = arena_alloc(&c->tree, list->len * sizeof(*v))) == NULL) {
		oom(c);
		return -1;
	}
	old = jpath_key(&c->path, "devices");
	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);

		if (e->type == J_STRING && !e->bad && strcmp(e->str, "*") == 0) {
			if (list->len != 1) {
				err_at(c, e->pos, "\"*\" must be alone");
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

	if (!want_type(c, k, J_OBJECT))
		return;
	check_keys(c, k, keys);
	if (get_str(c, k, "public", 0, &n, &s) == 1) {
		size_t old = jpath_key(&c->path, "public");

		if (lc_key_parse_public(s, pk) != 0)
			err_at(c, n->pos, "not a lenscap public key "
			       "(\"lenscap-public-key-v1 <base64>\")");
		else
			have = 1;
		jpath_pop(&c->path, old);
	}
	if (get_file(c, k, "public_file", 0, &s) == 1 &&
	    !(c->flags & POLICY_NO_FILES)) {
		n = jnode_get(k, "public_file");
		if ((rc = lc_key_load_public(s, pk)) != 0) {
			size_t old = jpath_key(&c->path, "public_file");

			err_at(c, n->kpos, "cannot load public key %s: %s",
			       shown(s), lc_strerror(rc));
			jpath_pop(&c->path, old);
		} else {
			have |= 2;
		}
	}
	if (jnode_get(k, "public") != NULL &&
	    jnode_get(k, "public_file") != NULL) {
		err_at(c, k->pos, "\"public\" and \"public_file\" exclude each "
		       "other");
		return;
	} else if (jnode_get(k, "public") == NULL &&
	         jnode_get(k, "public_file") == NULL)
		err_at(c, k->pos, "needs \"public\" or \"public_file\"");
	if (get_array(c, k, "devices", 1, &list) != 1 ||
	    key_devices(c, list, &devs, &ndevs) != 1 || (have != 1 && have != 2))
		return;
	rc = lc_keyring_add(c->pol->keyring, pk, devs, ndevs);
	if (rc == LC_EEXIST)
		err_at(c, k->pos, "the same public key is listed twice");
	else if (rc == LC_ENOMEM)
		oom(c);
	else if (rc != 0)
		err_at(c, k->pos, "cannot add the key: %s", lc_strerror(rc));
}

static void
load_keys(struct lctx *c, const struct jnode *sec)
{
	size_t i = 0;

	if (!want_type(c, sec, J_ARRAY))
		return;
	for (const struct jnode *k = sec->child; k != NULL && !c->oom;
	     k = k->next, i++) {
		size_t old = jpath_index(&c->path, i);

		load_key(c, k);
		jpath_pop(&c->path, old);
	}
}

/* ---- sessions ------------------------------------------------------------ */

static void
load_static_session(struct lctx *c, const struct jnode *s)
{
	static const char *const keys[] = { "token_sha256", "account", NULL };
	uint8_t d[LC_DIGEST_BYTES], *copy;
	const struct policy_account *acct = NULL;
	const struct jnode *n, *tn = NULL;
	const char *name;
	int rc;

	if (!want_type(c, s, J_OBJECT))
		return;
	check_keys(c, s, keys);
	if (get_str(c, s, "account", 1, &n, &name) == 1) {
		size_t old = jpath_key(&c->path, "account");

		if ((acct = policy_account_by_name(c->pol, name)) == NULL)
			err_at(c, n->pos, "account \"%s\" is not declared in "
			       "\"accounts\"", shown(name));
		jpath_pop(&c->path, old);
	}
	if (get_digest(c, s, "token_sha256", 1, &tn, d) != 1 || acct == NULL)
		return;
	if ((copy = arena_alloc(&c->pol->arena, LC_DIGEST_BYTES)) == NULL) {
		oom(c);
		return;
	}
	memcpy(copy, d, LC_DIGEST_BYTES);
	rc = strtab_put(c->pol->session_by_token, copy, LC_DIGEST_BYTES,
	                (void *)(uintptr_t)acct, NULL);
	if (rc == LC_EEXIST) {
		size_t old = jpath_key(&c->path, "token_sha256");

		err_at(c, tn->pos, "the same token digest is listed twice");
		jpath_pop(&c->path, old);
	} else if (rc != 0) {
		oom(c);
	}
}

static void
load_sessions(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "static", NULL };
	const struct jnode *list;
	size_t i = 0, old;

	if (!want_type(c, sec, J_OBJECT))
		return;
	check_keys(c, sec, keys);
	if (get_array(c, sec, "static", 0, &list) != 1)
		return;
	old = jpath_key(&c->path, "static");
	for (const struct jnode *s = list->child; s != NULL && !c->oom;
	     s = s->next, i++) {
		size_t o2 = jpath_index(&c->path, i);

		load_static_session(c, s);
		jpath_pop(&c->path, o2);
	}
	jpath_pop(&c->path, old);
	c->nsessions += i;
}

/* ---- routes -------------------------------------------------------------- */

/* Whether t[0, n) is the placeholder ph, a whole segment. */
static int
is_placeholder(const char *t, size_t n, const char *ph)
{
	return n == strlen(ph) && memcmp(t, ph, n) == 0;
}

/* Checks a path template: "/" segments of [A-Za-z0-9._~-], no empty or
 * dot segment, at most one whole "{device}" segment, and at most one
 * "{name}", which must be the last.  NULL if fine, else why;
 * *has_device, *has_name and *nseg describe it. */
static const char *
template_check(const char *t, int *has_device, int *has_name, size_t *nseg)
{
	size_t len = strlen(t), i = 1;

	*has_device = *has_name = 0;
	*nseg = 0;
	if (t[0] != '/')
		return "must start with \"/\"";
	if (len > POLICY_PATH_MAX)
		return "longer than 1024 bytes";
	while (i <= len) {
		size_t start = i;

		while (i < len && t[i] != '/')
			i++;
		if (*has_name)
			return "{name} must be the last segment";
		if (is_placeholder(t + start, i - start, POLICY_DEVICE_SEGMENT)) {
			if ((*has_device)++)
				return "more than one {device} segment";
		} else if (is_placeholder(t + start, i - start, POLICY_NAME_SEGMENT)) {
			*has_name = 1;
		} else if (i == start) {
			return "empty segment (\"//\" or a trailing \"/\")";
		} else if (memchr(t + start, '{', i - start) != NULL ||
		           memchr(t + start, '}', i - start) != NULL) {
			return "{device} and {name} must be whole segments, and "
			       "the only placeholders";
		} else if (!policy_segment_ok(t + start, i - start)) {
			return "segments are [A-Za-z0-9._~-], not \".\" or \"..\"";
		}
		(*nseg)++;
		i++;
	}
	if (*has_name && !*has_device)
		return "{name} needs a {device} segment before it";
	return NULL;
}

/* A route's backend template: it holds {device} and {name} exactly
 * when the path does. */
static const char *
backend_check(const struct policy_route *rt)
{
	size_t nseg;
	int dev, name;
	const char *why = template_check(rt->backend, &dev, &name, &nseg);

	if (why != NULL || rt->path == NULL)
		return why;
	if (dev != rt->has_device)
		return rt->has_device ? "must hold {device} as the path does"
		                      : "holds {device} but the path does not";
	if (name != rt->has_name)
		return rt->has_name ? "must end in {name} as the path does"
		                    : "holds {name} but the path does not";
	return NULL;
}

static const char *
method_check(const char *m, int role)
{
	if (role == POLICY_ROLE_ASSISTANT)
		return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ? NULL :
		       "an assistant face serves \"GET\" or \"HEAD\"";
	if (role == POLICY_ROLE_CAMERA)
		return strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0 ? NULL :
		       "a camera face takes \"PUT\" or \"POST\"";
	return "no routes on an admin face";
}

/* The default content types for a media kind. */
static const char *const *
default_ctypes(int media, size_t *n)
{
	static const char *const jpeg[] = { "image/jpeg" };
	static const char *const hls[] = { "video/mp2t",
	                                   "application/vnd.apple.mpegurl" };

	if (media == LC_KIND_HLS) {
		*n = 2;
		return hls;
	}
	*n = 1;
	return jpeg;
}

/* A route's content type.  Playlists (any "mpegurl" type) go only on
 * hls routes and under the one name lenscapd checks them by, so that
 * none is served unchecked under another. */
static const char *
ctype_check(const char *ct, int media)
{
	if (!lc_valid_content_type(ct))
		return "not a valid content type (lower-case \"type/subtype\")";
	if (strstr(ct, "mpegurl") == NULL)
		return NULL;
	if (media != LC_KIND_HLS)
		return "a playlist type is for hls routes only";
	if (strcmp(ct, "application/vnd.apple.mpegurl") != 0)
		return "playlists go as \"application/vnd.apple.mpegurl\"";
	return NULL;
}

static void
load_ctypes(struct lctx *c, const struct jnode *r, struct policy_route *rt)
{
	const struct jnode *list;
	const char **v;
	size_t i = 0, old;
	int rc = get_array(c, r, "content_types", 0, &list);

	if (rc == 0)
		rt->content_types = default_ctypes(rt->media, &rt->ncontent_types);
	if (rc != 1)
		return;
	old = jpath_key(&c->path, "content_types");
	if (list->len == 0)
		err_at(c, list->pos, "must not be empty");
	v = arena_alloc(&c->pol->arena, (list->len + 1) * sizeof(*v));
	if (v == NULL) {
		oom(c);
		goto out;
	}
	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);

		if (want_type(c, e, J_STRING)) {
			const char *why = ctype_check(e->str, rt->media);

			if (why != NULL)
				err_at(c, e->pos, "%s", why);
			v[i] = dup_str(c, e->str);
		}
		jpath_pop(&c->path, o2);
	}
	rt->content_types = v;
	rt->ncontent_types = list->len;
out:
	jpath_pop(&c->path, old);
}

/* A string member checked by fn(value) -> NULL or why; 1 if fine. */
static int
checked_str(struct lctx *c, const struct jnode *obj, const char *key,
            const char **out, const char *why)
{
	const struct jnode *n = jnode_get(obj, key);
	size_t old;

	if (why == NULL || n == NULL)
		return 1;
	old = jpath_key(&c->path, key);
	err_at(c, n->pos, "%s", why);
	jpath_pop(&c->path, old);
	*out = NULL;
	return 0;
}

/* Whether a segment of n bytes at t is {device} or {name}. */
static int
is_any_placeholder(const char *t, size_t n)
{
	return is_placeholder(t, n, POLICY_DEVICE_SEGMENT) ||
	       is_placeholder(t, n, POLICY_NAME_SEGMENT);
}

/* Whether two templates could match one request.  Two templates that
 * could are an error, so that the match does not depend on order; so is
 * a {name} route and any route it could share a request with, so that
 * every name in an hls directory reaches the hls route.  A literal route
 * beside a {device} template wins (documented). */
static int
templates_overlap(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		const char *ea, *eb;
		int da, db;

		a++, b++; /* the "/" */
		ea = strchr(a, '/');
		eb = strchr(b, '/');
		ea = ea ? ea : a + strlen(a);
		eb = eb ? eb : b + strlen(b);
		da = is_any_placeholder(a, (size_t)(ea - a));
		db = is_any_placeholder(b, (size_t)(eb - b));
		if (!da && !db && (ea - a != eb - b ||
		                   memcmp(a, b, (size_t)(ea - a)) != 0))
			return 0;
		a = ea;
		b = eb;
	}
	return *a == '\0' && *b == '\0';
}

static void
index_route(struct lctx *c, const struct jnode *r, struct policy_route *rt,
            size_t nseg)
{
	struct lc_policy *pol = c->pol;
	struct policy_route *prev = NULL;
	size_t klen, cap = strlen(rt->face->name) + strlen(rt->method) +
	                   strlen(rt->path) + 2;
	char *key = arena_alloc(&pol->arena, cap);
	int rc;

	if (key == NULL) {
		oom(c);
		return;
	}
	klen = policy_route_key(key, cap, rt->face->name, rt->method, rt->path,
	                        strlen(rt->path));
	rc = strtab_put(pol->route_by_key, key, klen, rt, (void **)&prev);
	if (rc == LC_EEXIST) {
		err_at(c, r->pos, "same face, method and path as an earlier "
		       "route");
		return;
	}
	for (size_t i = 0; i < pol->nroutes; i++) {
		const struct policy_route *o = pol->routes[i];

		if (((o->has_device && rt->has_device) || o->has_name || rt->has_name) &&
		    o->face == rt->face &&
		    strcmp(o->method, rt->method) == 0 &&
		    templates_overlap(o->path, rt->path)) {
			err_at(c, r->pos, "can match the same requests as the "
			       "route %s %s on \"%s\"", o->method, o->path,
			       o->face->name);
			return;
		}
	}
	if (rc != 0 || policy_vec_push(&pol->routes, &pol->nroutes,
	                               &pol->routes_cap, rt) != 0) {
		oom(c);
		return;
	}
	rt->index = pol->nroutes - 1;
	pol->has_name_routes |= rt->has_name;
	if (nseg > pol->max_segments)
		pol->max_segments = nseg;
}

static void
load_route(struct lctx *c, const struct jnode *r)
{
	static const char *const keys[] = { "face", "method", "path", "backend",
		"media", "freshness_ms", "content_types", "pass_sealed", NULL };
	struct policy_route *rt;
	const struct jnode *n;
	const char *s = NULL;
	size_t nseg = 0;
	int ok = 1;
	int64_t v;

	if (!want_type(c, r, J_OBJECT))
		return;
	check_keys(c, r, keys);
	if ((rt = arena_alloc(&c->pol->arena, sizeof(*rt))) == NULL) {
		oom(c);
		return;
	}
	rt->freshness_ms = 30000;
	if (get_str(c, r, "face", 1, &n, &s) == 1 &&
	    (rt->face = policy_listener_by_name(c->pol, s)) == NULL) {
		size_t old = jpath_key(&c->path, "face");

		err_at(c, n->pos, "listener \"%s\" is not declared in "
		       "\"listeners\"", shown(s));
		jpath_pop(&c->path, old);
	}
	ok &= rt->face != NULL;
	if (get_str(c, r, "method", 1, &n, &rt->method) == 1 && rt->face != NULL)
		ok &= checked_str(c, r, "method", &rt->method,
		                  method_check(rt->method, rt->face->role));
	ok &= rt->method != NULL;
	if (get_str(c, r, "path", 1, &n, &rt->path) == 1)
		ok &= checked_str(c, r, "path", &rt->path,
		                  template_check(rt->path, &rt->has_device,
		                                 &rt->has_name, &nseg));
	ok &= rt->path != NULL;
	if (get_str(c, r, "backend", 1, &n, &rt->backend) == 1)
		ok &= checked_str(c, r, "backend", &rt->backend, backend_check(rt));
	ok &= rt->backend != NULL;
	if (get_str(c, r, "media", 1, &n, &s) == 1) {
		rt->media = lc_kind_from_name(s);
		if (rt->media < 0)
			ok &= checked_str(c, r, "media", &s, "expected "
			                  "\"snapshot\", \"mjpeg\" or \"hls\"");
	} else {
		ok = 0;
	}
	if (rt->path != NULL && rt->has_name && rt->media > 0 &&
	    rt->media != LC_KIND_HLS)
		ok &= checked_str(c, r, "path", &rt->path,
		                  "{name} is for hls routes only");
	if (get_int(c, r, "freshness_ms", 1, 86400000, &v) == 1)
		rt->freshness_ms = (uint32_t)v;
	(void)get_bool(c, r, "pass_sealed", &rt->pass_sealed);
	if (rt->pass_sealed && rt->face != NULL &&
	    rt->face->role != POLICY_ROLE_ASSISTANT)
		ok &= checked_str(c, r, "pass_sealed", &s,
		                  "only for routes on an assistant face");
	load_ctypes(c, r, rt);
	if (!ok || c->oom)
		return;
	if ((rt->method = dup_str(c, rt->method)) == NULL ||
	    (rt->path = dup_str(c, rt->path)) == NULL ||
	    (rt->backend = dup_str(c, rt->backend)) == NULL)
		return;
	index_route(c, r, rt, nseg);
}

static void
load_routes(struct lctx *c, const struct jnode *sec)
{
	size_t i = 0;

	if (!want_type(c, sec, J_ARRAY))
		return;
	for (const struct jnode *r = sec->child; r != NULL && !c->oom;
	     r = r->next, i++) {
		size_t old = jpath_index(&c->path, i);

		load_route(c, r);
		jpath_pop(&c->path, old);
	}
}

/* ---- the whole ----------------------------------------------------------- */

/* Sections in the order they are loaded: declarations before the
 * sections that refer to them, across all files. */
static const struct section {
	const char *name;
	int pass;
	void (*load)(struct lctx *, const struct jnode *);
} sections[] = {
	{ "listeners", 0, load_listeners },
	{ "backend", 0, load_backend },
	{ "ingest_key", 0, load_ingest_key },
	{ "limits", 0, load_limits },
	{ "devices", 0, load_devices },
	{ "accounts", 1, load_accounts },
	{ "keys", 2, load_keys },
	{ "sessions", 2, load_sessions },
	{ "routes", 2, load_routes },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))
#define NPASSES 3

static void
load_pass(struct lctx *c, int pass)
{
	for (size_t f = 0; f < c->nfiles && !c->oom; f++) {
		const struct jnode *root = c->files[f].root;

		if (root == NULL || root->type != J_OBJECT)
			continue;
		c->file = (int)f;
		for (const struct jnode *m = root->child; m != NULL; m = m->next) {
			size_t i, old;

			for (i = 0; i < NSECTIONS; i++)
				if (strcmp(m->key, sections[i].name) == 0)
					break;
			old = jpath_key(&c->path, m->key);
			if (i == NSECTIONS && pass == 0)
				err_at(c, m->kpos, "unknown key");
			else if (i < NSECTIONS && sections[i].pass == pass)
				sections[i].load(c, m);
			jpath_pop(&c->path, old);
		}
	}
}

/* Checks that need the whole policy. */
static void
check_whole(struct lctx *c)
{
	struct lc_policy *pol = c->pol;
	struct jpos top = { 1, 1 };

	c->file = 0;
	jpath_pop(&c->path, 0);
	if (pol->nlisteners == 0)
		err_at(c, top, "missing \"listeners\"");
	if (!c->have_backend)
		err_at(c, top, "missing \"backend\"");
	for (size_t i = 0; i < pol->nlisteners; i++) {
		const struct policy_listener *l = pol->listeners[i];

		for (size_t j = 0; j < i && l->host != NULL; j++) {
			const struct policy_listener *o = pol->listeners[j];
			size_t old;

			/* Port 0 asks the kernel for a free port each. */
			if (o->host == NULL || o->port != l->port || l->port == 0 ||
			    strcmp(o->host, l->host) != 0)
				continue;
			c->file = c->listener_at.v[i].file;
			old = jpath_key(&c->path, "listeners");
			jpath_key(&c->path, l->name);
			err_at(c, c->listener_at.v[i].pos, "listens where listener "
			       "\"%s\" does", o->name);
			jpath_pop(&c->path, old);
			break;
		}
		if (pol->listeners[i]->role == POLICY_ROLE_CAMERA &&
		    !c->have_ingest) {
			size_t old;

			c->file = c->listener_at.v[i].file;
			old = jpath_key(&c->path, "listeners");
			jpath_key(&c->path, pol->listeners[i]->name);
			err_at(c, c->listener_at.v[i].pos, "a camera face needs "
			       "\"ingest_key\" (lenscapd seals with it)");
			jpath_pop(&c->path, old);
		}
	}
}

/* Adds a file to load; takes ownership of name, dir and (unless
 * borrowed) buf. */
static int
add_file(struct lctx *c, char *name, char *dir, char *buf, size_t len,
         int borrowed)
{
	struct lfile *f;

	if (c->nfiles == c->files_cap) {
		size_t cap = c->files_cap ? c->files_cap * 2 : 8;
		struct lfile *v = realloc(c->files, cap * sizeof(*v));

		if (v == NULL)
			goto fail;
		c->files = v;
		c->files_cap = cap;
	}
	f = &c->files[c->nfiles++];
	*f = (struct lfile){ .name = name, .dir = dir, .buf = buf, .len = len,
	                     .borrowed = borrowed };
	return 0;
fail:
	free(name);
	free(dir);
	if (!borrowed)
		free(buf);
	return LC_ENOMEM;
}

static char *
dir_of(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (slash == NULL)
		return strdup("");
	if (slash == name)
		return strdup("/");
	return strndup(name, (size_t)(slash - name));
}

/* Reads a file (bounded) into a fresh buffer; reports failures. */
static int
read_file(struct lctx *c, const char *path, char **out, size_t *outlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc = LC_EIO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		perrs_add(&c->errs, c->file, (struct jpos){ 0, 0 }, NULL,
		          "cannot open: %s", strerror(errno));
		return LC_EIO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		perrs_add(&c->errs, c->file, (struct jpos){ 0, 0 }, NULL,
		          "not a regular file");
		goto fail;
	}
	if ((uint64_t)st.st_size > JSON_MAX_BYTES) {
		perrs_add(&c->errs, c->file, (struct jpos){ 0, 0 }, NULL,
		          "larger than %zu bytes", JSON_MAX_BYTES);
		rc = LC_EFORMAT;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = LC_ENOMEM;
		goto fail;
	}
	/* Read one byte past the size to notice a file that grew. */
	while ((r = read(fd, buf + got, (size_t)st.st_size + 1 - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || got + (size_t)r > JSON_MAX_BYTES) {
			perrs_add(&c->errs, c->file, (struct jpos){ 0, 0 }, NULL,
			          "cannot read: %s", r == -1 ? strerror(errno)
			          : "changed while reading");
			goto fail;
		}
		got += (size_t)r;
		if (got == (size_t)st.st_size + 1)
			break;
	}
	close(fd);
	*out = buf;
	*outlen = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return rc;
}

static int
json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Adds the *.json files of directory path, sorted by name. */
static int
add_dir(struct lctx *c, const char *path)
{
	struct dirent **ents = NULL;
	int n, rc = 0;

	n = scandir(path, &ents, json_name, alphasort);
	if (n == -1) {
		char *name = strdup(path);

		if (name == NULL || add_file(c, name, strdup(""), NULL, 0, 1) != 0)
			return LC_ENOMEM;
		perrs_add(&c->errs, (int)c->nfiles - 1, (struct jpos){ 0, 0 },
		          NULL, "cannot read directory: %s", strerror(errno));
		c->io = 1;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + 1 + strlen(ents[i]->d_name) + 1;
		char *name = malloc(len);

		if (rc == 0 && name != NULL) {
			snprintf(name, len, "%s/%s", path, ents[i]->d_name);
			rc = add_file(c, name, strdup(path), NULL, 0, 0);
		} else {
			free(name);
			rc = LC_ENOMEM;
		}
		free(ents[i]);
	}
	free(ents);
	if (rc == 0 && n == 0) {
		char *name = strdup(path);

		if (name == NULL || add_file(c, name, strdup(""), NULL, 0, 1) != 0)
			return LC_ENOMEM;
		perrs_add(&c->errs, (int)c->nfiles - 1, (struct jpos){ 0, 0 },
		          NULL, "no *.json files in the directory");
		c->io = 1;
	}
	return rc;
}

/* Parses every file and builds the model; the result code. */
static int
load_all(struct lctx *c)
{
	int rc;

	for (size_t f = 0; f < c->nfiles; f++) {
		if (c->files[f].dir == NULL)
			return LC_ENOMEM;
		c->file = (int)f;
		if (c->files[f].buf == NULL && !c->files[f].borrowed) {
			rc = read_file(c, c->files[f].name, &c->files[f].buf,
			               &c->files[f].len);
			if (rc == LC_ENOMEM)
				return rc;
			if (rc != 0) {
				c->io |= rc == LC_EIO;
				continue;
			}
		}
		if (c->files[f].buf == NULL)
			continue;
		rc = json_parse(&c->tree, c->files[f].buf, c->files[f].len,
		                (int)f, &c->errs, &c->files[f].root);
		if (rc == LC_ENOMEM)
			return rc;
		if (rc == 0 && c->files[f].root->type != J_OBJECT)
			perrs_add(&c->errs, (int)f, c->files[f].root->pos, "$",
			          "expected an object");
	}
	c->parsed_all = 1;
	for (size_t f = 0; f < c->nfiles; f++)
		c->parsed_all &= c->files[f].root != NULL &&
		                 c->files[f].root->type == J_OBJECT;
	if ((rc = policy_model_new(&c->pol)) != 0)
		return rc;
	for (int pass = 0; pass < NPASSES && !c->oom; pass++)
		load_pass(c, pass);
	if (c->oom)
		return LC_ENOMEM;
	if (c->parsed_all)
		check_whole(c);
	if (c->oom)
		return LC_ENOMEM;
	if (c->io)
		return LC_EIO;
	return perrs_count(&c->errs) ? LC_EFORMAT : 0;
}

/* Runs the load over c's files; prints errors; frees c. */
static int
finish(struct lctx *c, int rc, struct lc_policy **out, FILE *err)
{
	const char **names = calloc(c->nfiles + 1, sizeof(*names));

	if (rc == 0)
		rc = names == NULL ? LC_ENOMEM : load_all(c);

	for (size_t f = 0; names != NULL && f < c->nfiles; f++)
		names[f] = c->files[f].name;
	c->errs.files = names;
	c->errs.nfiles = names != NULL ? c->nfiles : 0;
	if (rc == LC_ENOMEM && err != NULL)
		fprintf(err, "%s: out of memory loading the policy\n",
		        c->nfiles > 0 ? c->files[0].name : "policy");
	perrs_print(&c->errs, err);
	if (rc == 0) {
		*out = c->pol;
		c->pol = NULL;
	}
	policy_model_free(c->pol);
	perrs_free(&c->errs);
	free(names);
	for (size_t f = 0; f < c->nfiles; f++) {
		free(c->files[f].name);
		free(c->files[f].dir);
		if (!c->files[f].borrowed)
			free(c->files[f].buf);
	}
	free(c->files);
	free(c->listener_at.v);
	free(c->device_at.v);
	free(c->account_at.v);
	arena_free(&c->tree);
	return rc;
}

/* Loads a policy file or directory; see policy.h. */
int
policy_load(const char *path, struct lc_policy **out, FILE *err)
{
	struct lctx c = { 0 };
	struct stat st;
	int rc;

	if (path == NULL || out == NULL)
		return LC_EINVAL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = add_dir(&c, path);
	} else {
		char *name = strdup(path);

		rc = name == NULL ? LC_ENOMEM
		     : add_file(&c, name, dir_of(path), NULL, 0, 0);
	}
	return finish(&c, rc, out, err);
}

/* Loads a policy held in memory; see policy.h. */
int
policy_load_mem(const char *name, const void *buf, size_t len,
                unsigned flags, struct lc_policy **out, FILE *err)
{
	struct lctx c = { .flags = flags };
	char *n;
	int rc;

	if (name == NULL || (buf == NULL && len > 0) || out == NULL)
		return LC_EINVAL;
	if (buf == NULL)
		buf = "";
	if ((n = strdup(name)) == NULL)
		return LC_ENOMEM;
	/* Borrowed: the caller's buffer is only read. */
	rc = add_file(&c, n, dir_of(name), (char *)(uintptr_t)buf, len, 1);
	return finish(&c, rc, out, err);
}
