/*
 * Fuzz target for route matching: policy_route_match() reads the request
 * path straight from the network.  A fixed policy (loaded once, from
 * memory) has literal and {device} routes on an assistant and a camera
 * face.  Input: byte 0 picks the face, byte 1 the method, the rest is the
 * path (NULs kept: the matcher sees the string up to the first one).
 *
 * Every answer is checked against what policy.h and lenscap.policy(5)
 * promise, by a slow reference matcher written from that text: a match
 * means same face and method, the template's shape with a valid device
 * id in the {device} segment, and a literal route before a template;
 * a matched path has no empty, dot, percent-encoded or query bytes and
 * no trailing slash; the backend path substitutes the same device; the
 * answer is the same twice, and a path with "/" appended never matches.
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
	"      \"backend\": \"/streams/{device}/live.mjpeg\", \"media\": \"mjpeg\" }\n"
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

static void
load_policy(void)
{
	int rc = policy_load_mem("fuzz-route.json", policy_json,
	                         sizeof(policy_json) - 1, POLICY_NO_FILES, &pol,
	                         stderr);

	if (rc != 0 || pol == NULL || policy_route_count(pol) != 8) {
		fprintf(stderr, "fuzz-route: the fixed policy does not load "
		        "(%d)\n", rc);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
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

/* Whether any "/"-separated segment of s (after its leading "/") is
 * empty, "." or ".." or holds a byte outside [A-Za-z0-9._~-]. */
static int
bad_segments(const char *s)
{
	if (s[0] != '/')
		return 1;
	for (const char *p = s + 1;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		for (size_t i = 0; i < n; i++)
			if (!seg_byte((unsigned char)p[i]))
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

/* Whether path has template t's shape; fills dev from the {device}
 * segment, which must be a valid device id. */
static int
shape_matches(const char *t, const char *path, char dev[LC_DEVICE_MAX + 1])
{
	const char *at = strstr(t, "{device}");
	size_t pre, post, plen = strlen(path), dl;

	dev[0] = '\0';
	if (at == NULL)
		return strcmp(t, path) == 0;
	pre = (size_t)(at - t);
	post = strlen(at + 8);
	if (plen < pre + post + 1 || memcmp(path, t, pre) != 0 ||
	    memcmp(path + plen - post, at + 8, post) != 0)
		return 0;
	dl = plen - pre - post;
	if (dl > LC_DEVICE_MAX || memchr(path + pre, '/', dl) != NULL)
		return 0;
	memcpy(dev, path + pre, dl);
	dev[dl] = '\0';
	if (!lc_valid_device(dev)) {
		dev[0] = '\0';
		return 0;
	}
	return 1;
}

/* The reference: every route in turn, literal routes first. */
static const struct policy_route *
reference_match(const char *face, const char *method, const char *path,
                char dev[LC_DEVICE_MAX + 1])
{
	const struct policy_route *found = NULL;
	char d[LC_DEVICE_MAX + 1];

	dev[0] = '\0';
	for (int pass = 0; pass < 2 && found == NULL; pass++) {
		for (size_t i = 0; i < policy_route_count(pol); i++) {
			const struct policy_route *r = policy_route(pol, i);

			if (r->has_device != pass ||
			    strcmp(r->face->name, face) != 0 ||
			    strcmp(r->method, method) != 0 ||
			    !shape_matches(r->path, path, d))
				continue;
			/* The loader forbids two routes for one request. */
			CHECK(found == NULL);
			found = r;
			memcpy(dev, d, sizeof(d));
		}
	}
	return found;
}

/* Matches path and checks the answer; returns the route, fills dev. */
static const struct policy_route *
check_path(const char *face, const char *method, const char *path,
           char dev[LC_DEVICE_MAX + 1])
{
	const struct policy_route *r, *ref, *again;
	char rdev[LC_DEVICE_MAX + 1], dev2[LC_DEVICE_MAX + 1];
	char out[2048], want[2048];
	size_t dl;

	memset(dev, 0x5a, LC_DEVICE_MAX + 1);
	r = policy_route_match(pol, face, method, path, dev);
	ref = reference_match(face, method, path, rdev);
	CHECK(r == ref);

	/* Deterministic: the same answer twice. */
	memset(dev2, 0xa5, sizeof(dev2));
	again = policy_route_match(pol, face, method, path, dev2);
	CHECK(again == r);
	if (r == NULL)
		return NULL;
	CHECK(strcmp(dev, rdev) == 0 && strcmp(dev2, dev) == 0);
	CHECK(strcmp(r->face->name, face) == 0 &&
	      strcmp(r->method, method) == 0);
	check_clean(path);

	if (!r->has_device) {
		CHECK(dev[0] == '\0' && strcmp(path, r->path) == 0);
	} else {
		const char *p;

		CHECK(lc_valid_device(dev));
		dl = strlen(dev);
		/* dev is a whole segment of path. */
		for (p = strstr(path, dev); p != NULL; p = strstr(p + 1, dev))
			if (p[-1] == '/' && (p[dl] == '/' || p[dl] == '\0'))
				break;
		CHECK(p != NULL);
	}

	/* The backend path: the template with the same device. */
	CHECK(policy_backend_path(r, dev, out, sizeof(out)) == 0);
	check_clean(out);
	if (r->has_device) {
		const char *at = strstr(r->backend, "{device}");
		int w;

		CHECK(at != NULL);
		w = snprintf(want, sizeof(want), "%.*s%s%s",
		             (int)(at - r->backend), r->backend, dev, at + 8);
		CHECK(w > 0 && (size_t)w < sizeof(want));
		CHECK(strcmp(out, want) == 0);
		/* Too small a buffer is an error, never a cut path. */
		CHECK(policy_backend_path(r, dev, out, strlen(want)) ==
		      LC_ESPACE);
		/* A device that is not an id is refused. */
		CHECK(policy_backend_path(r, "..", out, sizeof(out)) ==
		      LC_EINVAL);
		CHECK(policy_backend_path(r, "", out, sizeof(out)) ==
		      LC_EINVAL);
	} else {
		CHECK(strcmp(out, r->backend) == 0);
	}
	return r;
}

/* One path: as given and with "x" and "/" appended. */
static void
check_variants(const char *face, const char *method, const char *path)
{
	static char more[PATH_CAP + 2];
	const struct policy_route *r, *rx;
	char dev[LC_DEVICE_MAX + 1], devx[LC_DEVICE_MAX + 1];
	size_t plen = strlen(path);

	r = check_path(face, method, path, dev);

	memcpy(more, path, plen);
	more[plen] = 'x';
	more[plen + 1] = '\0';
	rx = check_path(face, method, more, devx);
	/* A longer path is another request: if the same route takes it
	 * (a longer last segment as {device}), not with the same device. */
	CHECK(r == NULL || rx != r || strcmp(devx, dev) != 0);

	more[plen] = '/';
	CHECK(check_path(face, method, more, devx) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The path is copied to the end of buf, so that ASan sees any
	 * read past its NUL. */
	static char buf[PATH_CAP + 1];
	const char *face, *method;
	const uint8_t *nul;
	char dev[LC_DEVICE_MAX + 1];
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
		char dev2[LC_DEVICE_MAX + 1];

		a = policy_route_match(pol, face, method, path, dev);
		path = buf + sizeof(buf) - n - 1;
		memcpy(path, data, n);
		path[n] = '\0';
		b = policy_route_match(pol, face, method, path, dev2);
		CHECK(a == b && (a == NULL || strcmp(dev, dev2) == 0));
	}
	return 0;
}
