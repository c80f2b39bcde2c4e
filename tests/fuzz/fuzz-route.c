/*
 * Fuzz target for route matching: policy_route_find() reads the request
 * path straight from the network.  A fixed policy (loaded once, from
 * memory) has literal, {device} and {device}+{name} routes on an
 * assistant and a camera face.  Input: byte 0 picks the face, byte 1 the
 * method, the rest is the path (NULs kept: the matcher sees the string up
 * to the first one).
 *
 * Every answer is checked against what policy.h and lenscap.policy(5)
 * promise, by a slow reference matcher written from that text: a match
 * means same face and method, the template's shape segment by segment,
 * a valid device id in the {device} segment and a valid segment of at
 * most POLICY_NAME_MAX bytes as the last, {name}, segment; a literal
 * route wins over a {device} template, and a {name} route shares no
 * request with any other route of its face and method (the loader
 * refuses the policy otherwise), so it is the only match.  A matched
 * path has no empty, dot, percent-encoded or query bytes and no
 * trailing slash; the backend path substitutes the same device and
 * name; the answer is the same twice, and a path with "/" appended
 * never matches.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenscap.h"
#include "policy.h"
#include "check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Longer paths are cut here; any over 1024 bytes matches nothing. */
#define PATH_CAP 4096

#define NROUTES 15

static const char policy_json[] =
	"{\n"
	"  \"listeners\": {\n"
	"    \"assistant\": { \"listen\": \"127.0.0.1:8443\", \"plain\": true },\n"
	"    \"camera\": { \"listen\": \"127.0.0.1:8444\", \"plain\": true },\n"
	"    \"admin\": { \"listen\": \"127.0.0.1:9090\", \"plain\": true }\n"
	"  },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9443\" },\n"
	"  \"ingest_key\": \"ingest.sec\",\n"
	"  \"devices\": {\n"
	"    \"cam-1\": { \"auth\": { \"token_sha256\": \"4cf7c03d691084c89626ae24372110891016d4f413f7729a2ef3a98e4abf078c\" } },\n"
	"    \"cam-2\": { \"auth\": { \"token_sha256\": \"3c8a2a1f7f3bfbd0b4c0c1d0e7a9f1b2c3d4e5f60718293a4b5c6d7e8f901234\" } },\n"
	"    \"door.cam_3\": { \"auth\": { \"token_sha256\": \"68f5137b9cf07f63c4e86f1126bd9eb26b7b6d97a88a5bdeb8238e09cd46c921\" } }\n"
	"  },\n"
	"  \"routes\": [\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/cameras/{device}/snapshot\",\n"
	"      \"backend\": \"/frames/{device}/latest.lcf\", \"media\": \"snapshot\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"HEAD\",\n"
	"      \"path\": \"/v1/cameras/{device}/snapshot\",\n"
	"      \"backend\": \"/frames/{device}/latest.lcf\", \"media\": \"snapshot\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/cameras/{device}/stream.mjpeg\",\n"
	"      \"backend\": \"/streams/{device}/live.mjpeg\", \"media\": \"mjpeg\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/live/{device}\",\n"
	"      \"backend\": \"/hls/{device}/index.m3u8\", \"media\": \"hls\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/cameras/all/snapshot\",\n"
	"      \"backend\": \"/frames/all/latest.lcf\", \"media\": \"snapshot\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/live/lobby\",\n"
	"      \"backend\": \"/hls/lobby/index.m3u8\", \"media\": \"hls\" },\n"
	"    { \"face\": \"camera\", \"method\": \"PUT\",\n"
	"      \"path\": \"/v1/cameras/{device}/snapshot\",\n"
	"      \"backend\": \"/frames/{device}/latest.lcf\", \"media\": \"snapshot\" },\n"
	"    { \"face\": \"camera\", \"method\": \"POST\",\n"
	"      \"path\": \"/{device}/stream\",\n"
	"      \"backend\": \"/streams/{device}/live.mjpeg\", \"media\": \"mjpeg\" },\n"
	/* hls.  A {name} route may share no request with any other route
	 * on its face and method, so its neighbours differ from it in the
	 * number of segments (/hls/{device}, /v1/cameras/{device}/snapshot)
	 * or in a literal segment (/v1/cameras/{device}/snapshot beside
	 * /v1/segments/{device}/{name}); a literal route beside a {device}
	 * template still wins (/hls/lobby). */
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/hls/{device}\",\n"
	"      \"backend\": \"/hls/{device}/index.m3u8\", \"media\": \"hls\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/hls/lobby\",\n"
	"      \"backend\": \"/hls/lobby/index.m3u8\", \"media\": \"hls\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/hls/{device}/{name}\",\n"
	"      \"backend\": \"/hls/{device}/{name}\", \"media\": \"hls\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"HEAD\",\n"
	"      \"path\": \"/hls/{device}/{name}\",\n"
	"      \"backend\": \"/hls/{device}/{name}\", \"media\": \"hls\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/segments/{device}/{name}\",\n"
	"      \"backend\": \"/hls/public/{device}/{name}\", \"media\": \"hls\" },\n"
	/* {device} not next to {name}, and placed elsewhere in the backend. */
	"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
	"      \"path\": \"/v1/cameras/{device}/hls/{name}\",\n"
	"      \"backend\": \"/segments/{device}/{name}\", \"media\": \"hls\" },\n"
	"    { \"face\": \"camera\", \"method\": \"PUT\",\n"
	"      \"path\": \"/{device}/hls/{name}\",\n"
	"      \"backend\": \"/ingest/{device}/hls/{name}\", \"media\": \"hls\" }\n"
	"  ]\n"
	"}\n";

/* Byte 0 and byte 1 index these (modulo the count). */
static const char *const faces[] = {
	"assistant", "camera", "admin", "nope", "", "Assistant",
	"assistant\xff",
	/* 65 bytes: longer than any listener name may be */
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};
static const char *const methods[] = {
	"GET", "HEAD", "PUT", "POST", "get", "DELETE", "", "GET ",
	"OPTIONSX", /* 8 bytes: longer than any method */
};
#define NFACES (sizeof(faces) / sizeof(faces[0]))
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static struct lc_policy *pol;

/* Names the backend check tries: the longest allowed, one byte more. */
static char name_max[POLICY_NAME_MAX + 1];
static char name_over[POLICY_NAME_MAX + 2];

/* Whether template t holds the whole segment ph. */
static int
has_segment(const char *t, const char *ph)
{
	size_t n = strlen(ph);

	for (const char *p = strstr(t, ph); p != NULL; p = strstr(p + 1, ph))
		if (p[-1] == '/' && (p[n] == '/' || p[n] == '\0'))
			return 1;
	return 0;
}

static void
load_policy(void)
{
	int rc = policy_load_mem("fuzz-route.json", policy_json,
	                         sizeof(policy_json) - 1, POLICY_NO_FILES, &pol,
	                         stderr);

	if (rc != 0 || pol == NULL || policy_route_count(pol) != NROUTES) {
		fprintf(stderr, "fuzz-route: the fixed policy does not load "
		        "(%d)\n", rc);
		abort();
	}
	/* The flags the matcher uses say what the templates say. */
	for (size_t i = 0; i < NROUTES; i++) {
		const struct policy_route *r = policy_route(pol, i);
		size_t pl = strlen(r->path), bl = strlen(r->backend);

		CHECK(r->has_device == has_segment(r->path, "{device}"));
		CHECK(r->has_device == has_segment(r->backend, "{device}"));
		CHECK(r->has_name == (pl > 7 &&
		                      strcmp(r->path + pl - 7, "/{name}") == 0));
		CHECK(r->has_name == (bl > 7 &&
		                      strcmp(r->backend + bl - 7, "/{name}") == 0));
		/* {name} needs a {device} before it. */
		CHECK(!r->has_name || r->has_device);
	}
	memset(name_max, 'n', POLICY_NAME_MAX);
	memset(name_over, 'n', POLICY_NAME_MAX + 1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (pol == NULL)
		load_policy();
	return 0;
}

/* A path segment byte, as policy.h defines it. */
static int
seg_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
	       c == '-';
}

/* A valid path segment: n bytes of [A-Za-z0-9._~-], not "." or "..". */
static int
seg_ok(const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!seg_byte((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A device id, as lenscap.policy(5) "Names" says: 1 to 64 bytes of
 * [A-Za-z0-9._-], starting with a letter or a digit. */
static int
ref_device_id(const char *s, size_t n)
{
	unsigned char c0 = (unsigned char)s[0];

	if (n == 0 || n > LC_DEVICE_MAX ||
	    !((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') ||
	      (c0 >= '0' && c0 <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!seg_byte((unsigned char)s[i]) || s[i] == '~')
			return 0;
	return 1;
}

/* Whether any "/"-separated segment of s (after its leading "/") is
 * empty, "." or ".." or holds a byte outside [A-Za-z0-9._~-]. */
static int
bad_segments(const char *s)
{
	if (s[0] != '/')
		return 1;
	for (const char *p = s + 1;;) {
		size_t n = strcspn(p, "/");

		if (!seg_ok(p, n))
			return 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* The part of the contract every matched or backend path keeps. */
static void
check_clean(const char *s)
{
	CHECK(s[0] == '/');
	CHECK(strchr(s, '%') == NULL && strchr(s, '?') == NULL);
	CHECK(strstr(s, "//") == NULL);
	CHECK(s[strlen(s) - 1] != '/');
	/* "a..b" is a valid segment and device id; "/../" is not. */
	CHECK(!bad_segments(s));
}

/* Whether path has template t's shape, segment by segment: literal
 * segments equal, a device id for {device}, a valid segment of at most
 * POLICY_NAME_MAX bytes for {name}.  Fills dev and name (else ""). */
static int
shape_matches(const char *t, const char *path, char dev[LC_DEVICE_MAX + 1],
              char name[POLICY_NAME_MAX + 1])
{
	const char *a = t, *b = path;

	dev[0] = name[0] = '\0';
	if (a[0] != '/' || b[0] != '/')
		return 0;
	for (;;) {
		size_t ta, pb;

		a++, b++; /* the "/" */
		ta = strcspn(a, "/");
		pb = strcspn(b, "/");
		if (ta == 8 && memcmp(a, "{device}", 8) == 0) {
			if (!ref_device_id(b, pb))
				goto no;
			memcpy(dev, b, pb);
			dev[pb] = '\0';
		} else if (ta == 6 && memcmp(a, "{name}", 6) == 0) {
			if (pb > POLICY_NAME_MAX || !seg_ok(b, pb))
				goto no;
			memcpy(name, b, pb);
			name[pb] = '\0';
		} else if (ta != pb || memcmp(a, b, ta) != 0) {
			goto no;
		}
		a += ta;
		b += pb;
		if (*a == '\0' || *b == '\0') {
			if (*a == '\0' && *b == '\0')
				return 1;
			goto no;
		}
	}
no:
	dev[0] = name[0] = '\0';
	return 0;
}

/* The reference: every route in turn.  At most one literal route (no
 * two routes share face, method and path) and at most one template (no
 * two templates may overlap) take a request; the literal one wins.  A
 * {name} route may overlap no route at all, so when one matches it is
 * the only match. */
static const struct policy_route *
reference_match(const char *face, const char *method, const char *path,
                char dev[LC_DEVICE_MAX + 1], char name[POLICY_NAME_MAX + 1])
{
	const struct policy_route *literal = NULL, *tmpl = NULL;
	char d[LC_DEVICE_MAX + 1], nm[POLICY_NAME_MAX + 1];
	size_t nmatch = 0;
	int named = 0;

	dev[0] = name[0] = '\0';
	for (size_t i = 0; i < policy_route_count(pol); i++) {
		const struct policy_route *r = policy_route(pol, i);

		if (strcmp(r->face->name, face) != 0 ||
		    strcmp(r->method, method) != 0 ||
		    !shape_matches(r->path, path, d, nm))
			continue;
		nmatch++;
		if (has_segment(r->path, "{name}"))
			named = 1;
		if (!has_segment(r->path, "{device}") &&
		    !has_segment(r->path, "{name}")) {
			CHECK(literal == NULL);
			literal = r;
		} else {
			CHECK(tmpl == NULL);
			tmpl = r;
			memcpy(dev, d, sizeof(d));
			memcpy(name, nm, sizeof(nm));
		}
	}
	CHECK(!named || nmatch == 1);
	if (literal != NULL) {
		dev[0] = name[0] = '\0';
		return literal;
	}
	return tmpl;
}

/* Backend template t with its {device} and {name} segments replaced,
 * into want. */
static void
expand(const char *t, const char *dev, const char *name, char *want,
       size_t wantlen)
{
	size_t at = 0;

	want[0] = '\0';
	while (*t != '\0') {
		const char *s = ++t; /* past the "/" */
		size_t n = strcspn(t, "/");
		int w;

		t += n;
		if (n == 8 && memcmp(s, "{device}", 8) == 0)
			s = dev, n = strlen(dev);
		else if (n == 6 && memcmp(s, "{name}", 6) == 0)
			s = name, n = strlen(name);
		w = snprintf(want + at, wantlen - at, "/%.*s", (int)n, s);
		CHECK(w > 0 && (size_t)w < wantlen - at);
		at += (size_t)w;
	}
}

/* policy_backend_path() for r with dev and name (NULL: r has no
 * {name}) must give exactly want, and LC_ESPACE one byte short without
 * writing past the buffer. */
static void
check_backend_one(const struct policy_route *r, const char *dev,
                  const char *name)
{
	char out[2048], want[2048], *tight;
	size_t wl;

	expand(r->backend, dev, name != NULL ? name : "", want, sizeof(want));
	CHECK(policy_backend_path(r, dev, name, out, sizeof(out)) == 0);
	CHECK(strcmp(out, want) == 0);
	check_clean(out);

	wl = strlen(want);
	tight = malloc(wl + 1);
	CHECK(tight != NULL);
	CHECK(policy_backend_path(r, dev, name, tight, wl + 1) == 0);
	CHECK(strcmp(tight, want) == 0);
	/* Too small a buffer is an error, never a cut path. */
	tight[wl] = 'Z';
	CHECK(policy_backend_path(r, dev, name, tight, wl) == LC_ESPACE);
	CHECK(tight[wl] == 'Z');
	free(tight);
}

/* The backend paths of r for the device and name it matched with. */
static void
check_backend(const struct policy_route *r, const char *dev,
              const char *name)
{
	static const char *const bad_names[] = { "", ".", "..", "a/b",
		"a%2e", "a?b", "\xc3\xa9" };
	const char *nm = r->has_name ? name : NULL;
	char out[2048];

	check_backend_one(r, dev, nm);
	if (r->has_device) {
		/* A device that is not an id is refused. */
		CHECK(policy_backend_path(r, "..", nm, out, sizeof(out)) ==
		      LC_EINVAL);
		CHECK(policy_backend_path(r, "", nm, out, sizeof(out)) ==
		      LC_EINVAL);
	}
	if (r->has_name) {
		/* The longest name is fine, one byte more is not; nor is
		 * no name or one that is not a segment. */
		check_backend_one(r, dev, name_max);
		CHECK(policy_backend_path(r, dev, name_over, out,
		                          sizeof(out)) == LC_EINVAL);
		CHECK(policy_backend_path(r, dev, NULL, out, sizeof(out)) ==
		      LC_EINVAL);
		for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]);
		     i++)
			CHECK(policy_backend_path(r, dev, bad_names[i], out,
			                          sizeof(out)) == LC_EINVAL);
	}
}

/* Whether s is a whole segment of path. */
static int
whole_segment(const char *path, const char *s)
{
	size_t sl = strlen(s);

	for (const char *p = strstr(path, s); p != NULL; p = strstr(p + 1, s))
		if (p > path && p[-1] == '/' && (p[sl] == '/' || p[sl] == '\0'))
			return 1;
	return 0;
}

/* Matches path and checks the answer; returns the route, fills dev and
 * name. */
static const struct policy_route *
check_path(const char *face, const char *method, const char *path,
           char dev[LC_DEVICE_MAX + 1], char name[POLICY_NAME_MAX + 1])
{
	const struct policy_route *r, *ref;
	char rdev[LC_DEVICE_MAX + 1], rname[POLICY_NAME_MAX + 1];
	char dev2[LC_DEVICE_MAX + 1], name2[POLICY_NAME_MAX + 1];
	char dev3[LC_DEVICE_MAX + 1];
	size_t plen = strlen(path);

	memset(dev, 0x5a, LC_DEVICE_MAX + 1);
	memset(name, 0x5a, POLICY_NAME_MAX + 1);
	r = policy_route_find(pol, face, method, path, dev, name);
	ref = reference_match(face, method, path, rdev, rname);
	CHECK(r == ref);

	/* Deterministic: the same answer twice, and the same from
	 * policy_route_match(). */
	memset(dev2, 0xa5, sizeof(dev2));
	memset(name2, 0xa5, sizeof(name2));
	CHECK(policy_route_find(pol, face, method, path, dev2, name2) == r);
	memset(dev3, 0x3c, sizeof(dev3));
	CHECK(policy_route_match(pol, face, method, path, dev3) == r);
	if (r == NULL)
		return NULL;
	CHECK(strcmp(dev, rdev) == 0 && strcmp(dev2, dev) == 0 &&
	      strcmp(dev3, dev) == 0);
	CHECK(strcmp(name, rname) == 0 && strcmp(name2, name) == 0);
	CHECK(strcmp(r->face->name, face) == 0 &&
	      strcmp(r->method, method) == 0);
	check_clean(path);

	if (!r->has_device && !r->has_name)
		CHECK(strcmp(path, r->path) == 0);
	if (!r->has_device) {
		CHECK(dev[0] == '\0');
	} else {
		CHECK(lc_valid_device(dev));
		CHECK(whole_segment(path, dev));
	}
	if (!r->has_name) {
		CHECK(name[0] == '\0');
	} else {
		size_t nl = strlen(name);

		/* The name is the whole last segment. */
		CHECK(nl >= 1 && nl <= POLICY_NAME_MAX && seg_ok(name, nl));
		CHECK(plen > nl && path[plen - nl - 1] == '/' &&
		      strcmp(path + plen - nl, name) == 0);
		CHECK(policy_segment_ok(name, nl));
	}
	check_backend(r, dev, name);
	return r;
}

/* One path: as given and with "x", "/" and "/x" appended. */
static void
check_variants(const char *face, const char *method, const char *path)
{
	static char more[PATH_CAP + 3];
	const struct policy_route *r, *rx;
	char dev[LC_DEVICE_MAX + 1], devx[LC_DEVICE_MAX + 1];
	char name[POLICY_NAME_MAX + 1], namex[POLICY_NAME_MAX + 1];
	size_t plen = strlen(path);

	r = check_path(face, method, path, dev, name);

	memcpy(more, path, plen);
	more[plen] = 'x';
	more[plen + 1] = '\0';
	rx = check_path(face, method, more, devx, namex);
	/* A longer path is another request: if the same route takes it
	 * (a longer last {device} or {name}), not with the same device and
	 * name. */
	CHECK(r == NULL || rx != r || strcmp(devx, dev) != 0 ||
	      strcmp(namex, name) != 0);

	more[plen] = '/';
	CHECK(check_path(face, method, more, devx, namex) == NULL);

	/* One segment more: a {name} template may take it. */
	more[plen + 1] = 'x';
	more[plen + 2] = '\0';
	rx = check_path(face, method, more, devx, namex);
	CHECK(rx == NULL || strcmp(namex, "x") == 0 || !rx->has_name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The path is copied to the end of buf, so that ASan sees any
	 * read past its NUL. */
	static char buf[PATH_CAP + 1];
	const char *face, *method;
	const uint8_t *nul;
	char *path;
	size_t n, slen;

	if (pol == NULL)
		load_policy();
	if (size < 2)
		return 0;
	face = faces[data[0] % NFACES];
	method = methods[data[1] % NMETHODS];
	data += 2;
	n = size - 2 < PATH_CAP ? size - 2 : PATH_CAP;

	/* The path up to its first NUL, NUL-terminated at the end of buf. */
	nul = memchr(data, '\0', n);
	slen = nul != NULL ? (size_t)(nul - data) : n;
	path = buf + sizeof(buf) - slen - 1;
	memcpy(path, data, slen);
	path[slen] = '\0';
	check_variants(face, method, path);

	/* The whole input, NULs kept: the same string to the matcher. */
	if (nul != NULL) {
		const struct policy_route *a, *b;
		char dev[LC_DEVICE_MAX + 1], dev2[LC_DEVICE_MAX + 1];
		char name[POLICY_NAME_MAX + 1], name2[POLICY_NAME_MAX + 1];

		a = policy_route_find(pol, face, method, path, dev, name);
		path = buf + sizeof(buf) - n - 1;
		memcpy(path, data, n);
		path[n] = '\0';
		b = policy_route_find(pol, face, method, path, dev2, name2);
		CHECK(a == b && (a == NULL || (strcmp(dev, dev2) == 0 &&
		                               strcmp(name, name2) == 0)));
	}
	return 0;
}
