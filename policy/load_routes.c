/*
 * policy: loading routes: which face, method and path template reach
 * which backend path, for which media, each checked so that no two
 * routes can match one request.
 */
#include <string.h>

#include "load.h"

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
	int rc = load_get_array(c, r, "content_types", 0, &list);

	if (rc == 0)
		rt->content_types = default_ctypes(rt->media, &rt->ncontent_types);
	if (rc != 1)
		return;
	old = jpath_key(&c->path, "content_types");
	if (list->len == 0)
		load_err_at(c, list->pos, "must not be empty");
	v = arena_alloc(&c->pol->arena, (list->len + 1) * sizeof(*v));
	if (v == NULL) {
		load_oom(c);
		goto out;
	}
	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);

		if (load_want_type(c, e, J_STRING)) {
			const char *why = ctype_check(e->str, rt->media);

			if (why != NULL)
				load_err_at(c, e->pos, "%s", why);
			v[i] = load_dup_str(c, e->str);
		}
		jpath_pop(&c->path, o2);
	}
	rt->content_types = v;
	rt->ncontent_types = list->len;
out:
	jpath_pop(&c->path, old);
}

/* Whether s is an origin as browsers send it: "https://host" or
 * "http://host", an optional ":port", nothing else. */
static int
origin_ok(const char *s)
{
	const char *h = strncmp(s, "https://", 8) == 0 ? s + 8 :
	                strncmp(s, "http://", 7) == 0 ? s + 7 : NULL;
	size_t n;

	if (h == NULL || strlen(s) > 256)
		return 0;
	n = strspn(h, "abcdefghijklmnopqrstuvwxyz0123456789.-");
	if (n == 0)
		return 0;
	if (h[n] == ':')
		return h[n + 1] != '\0' &&
		       h[n + 1 + strspn(h + n + 1, "0123456789")] == '\0';
	return h[n] == '\0';
}

/* "cors_origins": the origins a browser may read this route's answers
 * from (lower case, as browsers send them). */
static void
load_cors(struct lctx *c, const struct jnode *r, struct policy_route *rt)
{
	const struct jnode *list;
	const char **v;
	size_t i = 0, old;

	if (load_get_array(c, r, "cors_origins", 0, &list) != 1)
		return;
	old = jpath_key(&c->path, "cors_origins");
	if ((v = arena_alloc(&c->pol->arena, (list->len + 1) * sizeof(*v))) == NULL) {
		load_oom(c);
		goto out;
	}
	for (const struct jnode *e = list->child; e != NULL; e = e->next, i++) {
		size_t o2 = jpath_index(&c->path, i);

		v[i] = NULL;
		if (load_want_type(c, e, J_STRING)) {
			if (!origin_ok(e->str))
				load_err_at(c, e->pos, "not an origin "
				            "(\"https://host[:port]\", lower case)");
			else
				v[i] = load_dup_str(c, e->str);
		}
		jpath_pop(&c->path, o2);
	}
	rt->cors_origins = v;
	rt->ncors_origins = list->len;
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
	load_err_at(c, n->pos, "%s", why);
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
		load_oom(c);
		return;
	}
	klen = policy_route_key(key, cap, rt->face->name, rt->method, rt->path,
	                        strlen(rt->path));
	rc = strtab_put(pol->route_by_key, key, klen, rt, (void **)&prev);
	if (rc == LC_EEXIST) {
		load_err_at(c, r->pos,
		            "same face, method and path as an earlier route");
		return;
	}
	for (size_t i = 0; i < pol->nroutes; i++) {
		const struct policy_route *o = pol->routes[i];

		if (((o->has_device && rt->has_device) || o->has_name || rt->has_name) &&
		    o->face == rt->face &&
		    strcmp(o->method, rt->method) == 0 &&
		    templates_overlap(o->path, rt->path)) {
			load_err_at(c, r->pos,
			            "can match the same requests as the "
			            "route %s %s on \"%s\"", o->method, o->path,
			            o->face->name);
			return;
		}
	}
	if (rc != 0 || policy_vec_push(&pol->routes, &pol->nroutes,
	                               &pol->routes_cap, rt) != 0 ||
	    load_note_where(c, &c->route_at, pol->nroutes - 1, pol->routes_cap,
	                    r->pos) != 0) {
		load_oom(c);
		return;
	}
	rt->index = pol->nroutes - 1;
	c->route_at.v[rt->index].elem = c->route_elem;
	pol->has_name_routes |= rt->has_name;
	if (nseg > pol->max_segments)
		pol->max_segments = nseg;
}

/* "public_url": "https://host[:port]", lower case, no path, a port of
 * 1 to 65535: where the assistant face is reached from outside. */
static int
public_url_ok(const char *s)
{
	const char *port;
	int64_t n;

	if (strncmp(s, "https://", 8) != 0 || !origin_ok(s))
		return 0;
	port = strchr(s + 8, ':');
	return port == NULL || (load_parse_int(port + 1, &n) == 0 && n >= 1 && n <= 65535);
}

/* A platform route: POST on an assistant face, no frame of its own
 * (lenscap.policy(5), "Platform routes"). */
static int
load_platform(struct lctx *c, const struct jnode *r, struct policy_route *rt,
              const char *name)
{
	static const char *const not_here[] = { "backend", "media", "freshness_ms",
		"content_types", "pass_sealed", "cors_origins", NULL };
	const struct jnode *n;
	const char *s = NULL;
	int ok = 1;
	int64_t v;

	rt->platform = strcmp(name, "google") == 0 ? POLICY_PLATFORM_GOOGLE :
	               strcmp(name, "alexa") == 0 ? POLICY_PLATFORM_ALEXA : 0;
	if (rt->platform == 0)
		ok &= checked_str(c, r, "platform", &s, "expected \"google\" or \"alexa\"");
	for (size_t i = 0; not_here[i] != NULL; i++)
		if (jnode_get(r, not_here[i]) != NULL)
			ok &= checked_str(c, r, not_here[i], &s, "not for a platform route");
	if (rt->face != NULL && rt->face->role != POLICY_ROLE_ASSISTANT)
		ok &= checked_str(c, r, "platform", &s, "only for routes on an assistant face");
	if (rt->method != NULL && strcmp(rt->method, "POST") != 0)
		ok &= checked_str(c, r, "method", &rt->method, "a platform route takes \"POST\"");
	if (rt->path != NULL && (rt->has_device || rt->has_name))
		ok &= checked_str(c, r, "path", &rt->path,
		                  "a platform route's path has no {device} or {name}");
	if (load_get_str(c, r, "public_url", 1, &n, &rt->public_url) == 1)
		ok &= checked_str(c, r, "public_url", &rt->public_url,
		                  public_url_ok(rt->public_url) ? NULL :
		                  "not \"https://host[:port]\" (lower case, no path, "
		                  "a port of 1 to 65535)");
	ok &= rt->public_url != NULL;
	if (load_get_int(c, r, "online_ms", 0, 86400000, &v) == 1)
		rt->online_ms = (uint32_t)v;
	if (ok && !c->oom)
		rt->public_url = load_dup_str(c, rt->public_url);
	return ok && rt->public_url != NULL;
}

/* What a frame route has of its own: backend, media, freshness,
 * content types, pass_sealed, CORS. */
static int
load_frame_route(struct lctx *c, const struct jnode *r, struct policy_route *rt)
{
	const struct jnode *n;
	const char *s = NULL;
	int ok = 1;
	int64_t v;

	if (rt->method != NULL && rt->face != NULL)
		ok &= checked_str(c, r, "method", &rt->method,
		                  method_check(rt->method, rt->face->role));
	ok &= rt->method != NULL;
	if (load_get_str(c, r, "backend", 1, &n, &rt->backend) == 1)
		ok &= checked_str(c, r, "backend", &rt->backend, backend_check(rt));
	ok &= rt->backend != NULL;
	if (load_get_str(c, r, "media", 1, &n, &s) == 1) {
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
	if (load_get_int(c, r, "freshness_ms", 1, 86400000, &v) == 1)
		rt->freshness_ms = (uint32_t)v;
	(void)load_get_bool(c, r, "pass_sealed", &rt->pass_sealed);
	if (rt->pass_sealed && rt->face != NULL &&
	    rt->face->role != POLICY_ROLE_ASSISTANT)
		ok &= checked_str(c, r, "pass_sealed", &s,
		                  "only for routes on an assistant face");
	load_ctypes(c, r, rt);
	load_cors(c, r, rt);
	if (ok && !c->oom)
		rt->backend = load_dup_str(c, rt->backend);
	return ok && rt->backend != NULL;
}

static void
load_route(struct lctx *c, const struct jnode *r)
{
	static const char *const keys[] = { "face", "method", "path", "backend",
		"media", "freshness_ms", "content_types", "pass_sealed",
		"cors_origins", "platform", "public_url", "online_ms", NULL };
	struct policy_route *rt;
	const struct jnode *n;
	const char *s = NULL, *platform = NULL;
	size_t nseg = 0;
	int ok = 1;

	if (!load_want_type(c, r, J_OBJECT))
		return;
	load_check_keys(c, r, keys);
	if ((rt = arena_alloc(&c->pol->arena, sizeof(*rt))) == NULL) {
		load_oom(c);
		return;
	}
	rt->freshness_ms = 30000;
	if (load_get_str(c, r, "face", 1, &n, &s) == 1 &&
	    (rt->face = policy_listener_by_name(c->pol, s)) == NULL) {
		size_t old = jpath_key(&c->path, "face");

		load_not_found(c);
		load_err_at(c, n->pos, "listener \"%s\" is not declared in "
		            "\"listeners\"", load_shown(s));
		jpath_pop(&c->path, old);
	}
	ok &= rt->face != NULL;
	(void)load_get_str(c, r, "method", 1, &n, &rt->method);
	if (load_get_str(c, r, "path", 1, &n, &rt->path) == 1)
		ok &= checked_str(c, r, "path", &rt->path,
		                  template_check(rt->path, &rt->has_device,
		                                 &rt->has_name, &nseg));
	ok &= rt->path != NULL && rt->method != NULL;
	if (load_get_str(c, r, "platform", 0, &n, &platform) == 1)
		ok &= load_platform(c, r, rt, platform);
	else if (jnode_get(r, "public_url") != NULL || jnode_get(r, "online_ms") != NULL)
		ok &= checked_str(c, r, jnode_get(r, "public_url") != NULL ?
		                  "public_url" : "online_ms", &s,
		                  "only for a platform route");
	else
		ok &= load_frame_route(c, r, rt);
	if (!ok || c->oom)
		return;
	if ((rt->method = load_dup_str(c, rt->method)) == NULL ||
	    (rt->path = load_dup_str(c, rt->path)) == NULL)
		return;
	index_route(c, r, rt, nseg);
}

/* load_route(), counting the entries: their index names them in errors
 * found once the whole policy is read (route_at). */
static void
load_route_entry(struct lctx *c, const struct jnode *r)
{
	load_route(c, r);
	c->route_elem++;
}

void
load_routes(struct lctx *c, const struct jnode *sec)
{
	c->route_elem = 0;
	(void)load_each(c, sec, J_ARRAY, load_route_entry);
}
