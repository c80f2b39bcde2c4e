/*
 * Unit tests for the policy module: good files load, bad ones fail with
 * the exact "file:line:col: path: message" lines, directories merge, and
 * the decisions (token, grant, route, certificate) are right, at scale.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "lenscap.h"
#include "tap.h"
#include "policy.h"
#include "policy-gen.h"

static const char *srcdir;
/* A copy of policy/examples with a fresh ingest key pair, which the
 * source tree does not ship (lenscap keygen -o policy/examples/ingest). */
static char exdir[512];

/* Policies in memory: the line under test comes first, so that its
 * errors are on line 1, then the rest that makes a policy valid. */
#define LISTENERS \
	"\"listeners\": { \"assistant\": { \"listen\": \"0.0.0.0:8443\", " \
	"\"tls\": { \"cert\": \"a.crt\", \"key\": \"a.key\" } },\n" \
	"  \"camera\": { \"listen\": \"0.0.0.0:8444\", \"tls\": { \"cert\": " \
	"\"a.crt\", \"key\": \"a.key\" } } },\n"
#define INGEST "\"ingest_key\": \"ingest.sec\",\n"
#define DEVICES \
	"\"devices\": { \"cam-1\": { \"auth\": { \"token_sha256\": " \
	"\"1111111111111111111111111111111111111111111111111111111111111111\" } } },\n"
#define REST "\"backend\": { \"url\": \"https://b.example\" }\n"

/* Which parts check_bad() adds after the line under test. */
enum { P_LISTENERS = 1, P_INGEST = 2, P_DEVICES = 4, P_ALL = 7 };

#define HEX64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_A HEX64A "aaaaaaaa"

/* Loads text; returns the rc and, in *errs, everything printed. */
static int
load_text(const char *name, const char *text, size_t len, unsigned flags,
          struct lc_policy **pol, char **errs)
{
	size_t n = 0;
	FILE *f = open_memstream(errs, &n);
	int rc;

	if (f == NULL)
		abort();
	rc = policy_load_mem(name, text, len, flags, pol, f);
	if (fclose(f) != 0)
		abort();
	return rc;
}

static int
load_path(const char *path, struct lc_policy **pol, char **errs)
{
	size_t n = 0;
	FILE *f = open_memstream(errs, &n);
	int rc;

	if (f == NULL)
		abort();
	rc = policy_load(path, pol, f);
	if (fclose(f) != 0)
		abort();
	return rc;
}

/* Compares what was printed with what was expected, showing both. */
static void
is_text(const char *got, const char *want, const char *what)
{
	if (!ok(strcmp(got, want) == 0, "%s: errors as expected", what)) {
		printf("# got:\n");
		for (const char *p = got; *p; ) {
			const char *e = strchr(p, '\n');
			int n = e ? (int)(e - p) : (int)strlen(p);

			printf("#   %.*s\n", n, p);
			p += n + (e != NULL);
		}
		printf("# want:\n#   %s\n", want);
	}
}

/* A policy that must fail: line1 is placed first (line 1, from
 * column 2), then the listeners (unless with_listeners is 0) and REST. */
static void
check_bad(const char *what, const char *line1, int parts, const char *want)
{
	struct lc_policy *pol = NULL;
	char text[8192], *errs = NULL;
	int rc;

	snprintf(text, sizeof(text), "{%s,\n%s%s%s%s}\n", line1,
	         parts & P_LISTENERS ? LISTENERS : "",
	         parts & P_INGEST ? INGEST : "",
	         parts & P_DEVICES ? DEVICES : "", REST);
	rc = load_text("t.json", text, strlen(text), POLICY_NO_FILES, &pol,
	               &errs);
	is_int(rc, LC_EFORMAT, "%s: refused", what);
	ok(pol == NULL, "%s: *out untouched", what);
	is_text(errs, want, what);
	free(errs);
}

/* The same for a whole text. */
static void
check_raw(const char *what, const char *text, size_t len, const char *want)
{
	struct lc_policy *pol = NULL;
	char *errs = NULL;
	int rc;

	rc = load_text("t.json", text, len, POLICY_NO_FILES, &pol, &errs);
	is_int(rc, LC_EFORMAT, "%s: refused", what);
	ok(pol == NULL, "%s: *out untouched", what);
	is_text(errs, want, what);
	free(errs);
}

static void
check_good_text(const char *what, const char *line1)
{
	struct lc_policy *pol = NULL;
	char text[8192], *errs = NULL;
	int rc;

	snprintf(text, sizeof(text), "{%s,\n%s%s%s%s}\n", line1, LISTENERS,
	         INGEST, DEVICES, REST);
	rc = load_text("t.json", text, strlen(text), POLICY_NO_FILES, &pol,
	               &errs);
	is_int(rc, 0, "%s: loads", what);
	is_text(errs, "", what);
	policy_free(pol);
	free(errs);
}

static void
test_json_traps(void)
{
	char *big, bomb[256];
	size_t n = 0;

	check_bad("unknown top-level key", "\"bogus\": 1", P_ALL,
	          "t.json:1:2: bogus: unknown key\n");
	check_bad("duplicate key",
	          "\"limits\": { \"drops_in_a_row\": 1, \"drops_in_a_row\": 2 }",
	          P_ALL,
	          "t.json:1:35: limits.drops_in_a_row: duplicate key (first at "
	          "line 1, column 14)\n");
	/* Past 16 members an object's names are found through a table:
	 * a duplicate there is the same error. */
	check_bad("duplicate key past 16 members",
	          "\"limits\": { \"a\": 1, \"b\": 1, \"c\": 1, \"d\": 1, "
	          "\"e\": 1, \"f\": 1, \"g\": 1, \"h\": 1, \"i\": 1, \"j\": 1, "
	          "\"k\": 1, \"l\": 1, \"m\": 1, \"n\": 1, \"o\": 1, \"p\": 1, "
	          "\"q\": 1, \"r\": 1, \"q\": 2 }", P_ALL,
	          "t.json:1:14: limits.a: unknown key\n"
	          "t.json:1:22: limits.b: unknown key\n"
	          "t.json:1:30: limits.c: unknown key\n"
	          "t.json:1:38: limits.d: unknown key\n"
	          "t.json:1:46: limits.e: unknown key\n"
	          "t.json:1:54: limits.f: unknown key\n"
	          "t.json:1:62: limits.g: unknown key\n"
	          "t.json:1:70: limits.h: unknown key\n"
	          "t.json:1:78: limits.i: unknown key\n"
	          "t.json:1:86: limits.j: unknown key\n"
	          "t.json:1:94: limits.k: unknown key\n"
	          "t.json:1:102: limits.l: unknown key\n"
	          "t.json:1:110: limits.m: unknown key\n"
	          "t.json:1:118: limits.n: unknown key\n"
	          "t.json:1:126: limits.o: unknown key\n"
	          "t.json:1:134: limits.p: unknown key\n"
	          "t.json:1:142: limits.q: unknown key\n"
	          "t.json:1:150: limits.r: unknown key\n"
	          "t.json:1:158: limits.q: duplicate key (first at line 1, "
	          "column 142)\n");
	check_bad("\\u0000 in a string",
	          "\"accounts\": { \"a\": { \"devices\": [\"cam-1\\u0000x\"] } }",
	          P_ALL,
	          "t.json:1:35: accounts.a.devices[0]: string contains \\u0000\n");
	check_bad("\\u0000 in a key", "\"limits\": { \"a\\u0000\": 1 }", P_ALL,
	          "t.json:1:14: limits.a: key contains \\u0000\n");
	check_bad("huge integer",
	          "\"limits\": { \"max_connections\": "
	          "123456789012345678901234567890 }", P_ALL,
	          "t.json:1:33: limits.max_connections: out of range (1 to "
	          "1000000)\n");
	check_bad("1e999", "\"limits\": { \"idle_timeout_ms\": 1e999 }", P_ALL,
	          "t.json:1:33: limits.idle_timeout_ms: expected an integer\n");
	check_bad("fraction and negative",
	          "\"limits\": { \"clock_skew_ms\": 1.0, \"drops_in_a_row\": -1, "
	          "\"max_frame_bytes\": \"5\" }", P_ALL,
	          "t.json:1:31: limits.clock_skew_ms: expected an integer\n"
	          "t.json:1:54: limits.drops_in_a_row: out of range (1 to "
	          "1000000)\n"
	          "t.json:1:77: limits.max_frame_bytes: expected an integer, got "
	          "a string\n");
	check_raw("syntax error", "{\n  \"a\": ,\n}", 12,
	          "t.json:2:8: a: parse error: unallowed token at this point in "
	          "JSON text\n");
	check_raw("not an object", "[1, 2]", 6,
	          "t.json:1:1: $: expected an object\n");
	check_raw("empty", "", 0, "t.json:1:1: $: parse error: premature EOF\n");
	check_raw("trailing garbage", "{} {}", 5,
	          "t.json:1:4: $: parse error: trailing garbage\n");
	check_raw("unterminated comment", "{ /* x", 6,
	          "t.json:1:7: $: parse error: premature EOF\n");

	/* 40 levels: refused at the 33rd, nothing after it is believed. */
	strcpy(bomb, "{\"limits\":");
	for (int i = 0; i < 40; i++)
		strcat(bomb, "[");
	check_raw("depth bomb", bomb, strlen(bomb),
	          "t.json:1:42: limits[0][0][0][0][0][0][0][0][0][0][0][0][0]"
	          "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
	          "nested deeper than 32 levels\n");

	/* Over the size cap: refused before parsing. */
	n = ((size_t)16 << 20) + 1;
	if ((big = malloc(n)) == NULL)
		abort();
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	check_raw("16 MiB + 1", big, n, "t.json: larger than 16777216 bytes\n");
	free(big);
}

/* POLICY_LISTENERS_MAX + 1 listeners: the one too many is refused. */
static void
test_listener_cap(void)
{
	char line1[2048], want[128], key[16];
	size_t n = (size_t)snprintf(line1, sizeof(line1), "\"listeners\": { ");
	const char *last;

	for (int i = 1; i <= POLICY_LISTENERS_MAX + 1; i++)
		n += (size_t)snprintf(line1 + n, sizeof(line1) - n, "%s\"a%d\": { "
		                      "\"listen\": \"[::1]:0\", \"plain\": true, "
		                      "\"role\": \"admin\" }", i > 1 ? ", " : "", i);
	snprintf(line1 + n, sizeof(line1) - n, " }");
	snprintf(key, sizeof(key), "\"a%d\"", POLICY_LISTENERS_MAX + 1);
	last = strstr(line1, key);
	snprintf(want, sizeof(want), "t.json:1:%d: listeners.a%d: more than %d "
	         "listeners\n", 2 + (int)(last - line1), POLICY_LISTENERS_MAX + 1,
	         POLICY_LISTENERS_MAX);
	check_bad("one listener too many", line1, P_INGEST | P_DEVICES, want);
}

static void
test_schema(void)
{
	check_bad("plain listener without \"plain\"",
	          "\"listeners\": { \"admin\": { \"listen\": \"127.0.0.1:9090\" } }",
	          P_INGEST | P_DEVICES,
	          "t.json:1:26: listeners.admin: no \"tls\": plain HTTP needs "
	          "\"plain\": true\n");
	check_bad("tls and plain, bad port and role",
	          "\"listeners\": { \"admin\": { \"listen\": \"[::1]:65536\", "
	          "\"plain\": true, \"tls\": {}, \"role\": \"web\" } }",
	          P_INGEST | P_DEVICES,
	          "t.json:1:38: listeners.admin.listen: expected \"host:port\" or "
	          "\"[v6 address]:port\" with a port from 0 to 65535\n"
	          "t.json:1:68: listeners.admin: \"tls\" and \"plain\": true "
	          "together\n"
	          "t.json:1:87: listeners.admin.role: expected \"assistant\", "
	          "\"camera\" or \"admin\"\n");
	check_bad("two listeners on one address",
	          "\"listeners\": { \"assistant\": { \"listen\": \"[::1]:80\", "
	          "\"plain\": true }, \"admin\": { \"listen\": \"[::1]:80\", "
	          "\"plain\": true } }", P_INGEST | P_DEVICES,
	          "t.json:1:71: listeners.admin: listens where listener "
	          "\"assistant\" does\n");
	check_bad("camera face without ingest key",
	          "\"listeners\": { \"camera\": { \"listen\": \"[::]:8444\", "
	          "\"plain\": true } }", P_DEVICES,
	          "t.json:1:17: listeners.camera: a camera face needs "
	          "\"ingest_key\", or a \"seal\" that uses \"mac\" (lenscapd "
	          "seals with it)\n");
	check_bad("bad device ids",
	          "\"devices\": { \"-cam\": { \"auth\": { \"token_sha256\": \""
	          DIGEST_A "\" } }, \"x/y\": {}, \"cam-2\": { \"auth\": {} } }",
	          P_LISTENERS | P_INGEST,
	          "t.json:1:15: devices.-cam: not a valid device id (1-64 of "
	          "[A-Za-z0-9._-], starting with a letter or digit)\n"
	          "t.json:1:123: devices.x/y: not a valid device id (1-64 of "
	          "[A-Za-z0-9._-], starting with a letter or digit)\n"
	          "t.json:1:153: devices.cam-2.auth: needs \"cert_sha256\" or "
	          "\"token_sha256\"\n");
	check_bad("grant of an undeclared device",
	          "\"accounts\": { \"alice\": { \"devices\": [\"cam-1\", \"cam-9\", "
	          "\"cam-1\", \"bad/id\"] } }", P_ALL,
	          "t.json:1:48: accounts.alice.devices[1]: device \"cam-9\" is "
	          "not declared in \"devices\"\n"
	          "t.json:1:57: accounts.alice.devices[2]: device listed twice\n"
	          "t.json:1:66: accounts.alice.devices[3]: not a valid device id\n");
	check_bad("digests: upper case, short; undeclared account",
	          "\"sessions\": { \"static\": [ { \"token_sha256\": \""
	          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	          "\", \"account\": \"nobody\" }, { \"token_sha256\": \"abc\" } ] }",
	          P_ALL,
	          "t.json:1:46: sessions.static[0].token_sha256: expected 64 "
	          "lower-case hex digits (SHA-256)\n"
	          "t.json:1:125: sessions.static[0].account: account \"nobody\" is "
	          "not declared in \"accounts\"\n"
	          "t.json:1:137: sessions.static[1]: missing \"account\"\n"
	          "t.json:1:155: sessions.static[1].token_sha256: expected 64 "
	          "lower-case hex digits (SHA-256)\n");
	check_bad("control bytes are not printed",
	          "\"sessions\": { \"static\": [ { \"token_sha256\": \"" DIGEST_A
	          "\", \"account\": \"x\\u001b[2Jy\" } ] }", P_ALL,
	          "t.json:1:125: sessions.static[0].account: account \"(a string "
	          "with control characters)\" is not declared in \"accounts\"\n");
	check_bad("the same digest twice",
	          "\"accounts\": { \"a\": { \"devices\": [] } }, \"sessions\": "
	          "{ \"static\": [ { \"token_sha256\": \"" DIGEST_A "\", "
	          "\"account\": \"a\" }, { \"token_sha256\": \"" DIGEST_A "\", "
	          "\"account\": \"a\" } ] }, \"devices\": { \"c1\": { \"auth\": { "
	          "\"cert_sha256\": \"" DIGEST_A "\" } }, \"c2\": { \"auth\": { "
	          "\"cert_sha256\": \"" DIGEST_A "\" } } }",
	          P_LISTENERS | P_INGEST,
	          "t.json:1:190: sessions.static[1].token_sha256: the same token "
	          "digest is listed twice\n"
	          "t.json:1:431: devices.c2.auth.cert_sha256: same digest as "
	          "device \"c1\"\n");
	check_bad("keys",
	          "\"keys\": [ { \"public\": \"lenscap-public-key-v1 AAAA\", "
	          "\"devices\": [\"*\"] }, { \"devices\": [\"cam-1\", \"*\"] }, "
	          "{ \"public\": \"lenscap-public-key-v1 "
	          "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\", \"devices\": [] },"
	          "{ \"public\": \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\", "
	          "\"devices\": [\"cam-1\"] },"
	          "{ \"public\": \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\", "
	          "\"devices\": [\"*\"], \"public_file\": \"x.pub\" },"
	          "{ \"public\": \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\", "
	          "\"devices\": [\"*\"] }]",
	          P_ALL,
	          "t.json:1:24: keys[0].public: not a lenscap public key "
	          "(\"lenscap-public-key-v1 <base64>\")\n"
	          "t.json:1:74: keys[1]: needs \"public\" or \"public_file\"\n"
	          "t.json:1:97: keys[1].devices[1]: \"*\" must be alone\n"
	          "t.json:1:198: keys[2].devices: must list \"*\" or at least one "
	          "device\n"
	          "t.json:1:286: keys[4]: \"public\" and \"public_file\" exclude "
	          "each other\n"
	          "t.json:1:389: keys[5]: the same public key is listed twice\n");
	check_bad("route templates",
	          "\"routes\": ["
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/{device}/b/{device}\", \"backend\": \"/x\", \"media\": "
	          "\"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/x{device}\", \"backend\": \"/x/{device}\", \"media\": "
	          "\"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/../b\", \"backend\": \"/x\", \"media\": \"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a//b\", \"backend\": \"/x/\", \"media\": \"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"a/{device}\", \"backend\": \"/x\", \"media\": \"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/%41\", \"backend\": \"/x?y=1\", \"media\": \"gif\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/b/{device}\", \"backend\": \"/x\", \"media\": \"hls\" }"
	          "]", P_ALL,
	          "t.json:1:61: routes[0].path: more than one {device} segment\n"
	          "t.json:1:174: routes[1].path: {device} and {name} must be "
	          "whole segments, and the only placeholders\n"
	          "t.json:1:286: routes[2].path: segments are [A-Za-z0-9._~-], "
	          "not \".\" or \"..\"\n"
	          "t.json:1:384: routes[3].path: empty segment (\"//\" or a "
	          "trailing \"/\")\n"
	          "t.json:1:404: routes[3].backend: empty segment (\"//\" or a "
	          "trailing \"/\")\n"
	          "t.json:1:481: routes[4].path: must start with \"/\"\n"
	          "t.json:1:582: routes[5].path: segments are [A-Za-z0-9._~-], "
	          "not \".\" or \"..\"\n"
	          "t.json:1:603: routes[5].backend: segments are [A-Za-z0-9._~-], "
	          "not \".\" or \"..\"\n"
	          "t.json:1:622: routes[5].media: expected \"snapshot\", "
	          "\"mjpeg\" or \"hls\"\n"
	          "t.json:1:704: routes[6].backend: must hold {device} as the "
	          "path does\n");
	check_bad("route faces and methods",
	          "\"routes\": ["
	          "{ \"face\": \"assistant\", \"method\": \"PUT\", \"path\": "
	          "\"/a\", \"backend\": \"/x\", \"media\": \"snapshot\" },"
	          "{ \"face\": \"camera\", \"method\": \"GET\", \"path\": "
	          "\"/a\", \"backend\": \"/x\", \"media\": \"snapshot\" },"
	          "{ \"face\": \"camera\", \"method\": \"PUT\", \"path\": "
	          "\"/a\", \"backend\": \"/x\", \"media\": \"snapshot\", "
	          "\"pass_sealed\": true },"
	          "{ \"face\": \"tv\", \"method\": \"GET\", \"path\": "
	          "\"/a\", \"backend\": \"/x\", \"media\": \"hls\" }"
	          "]", P_ALL,
	          "t.json:1:46: routes[0].method: an assistant face serves "
	          "\"GET\" or \"HEAD\"\n"
	          "t.json:1:136: routes[1].method: a camera face takes \"PUT\" or "
	          "\"POST\"\n"
	          "t.json:1:300: routes[2].pass_sealed: only for routes on an "
	          "assistant face\n"
	          "t.json:1:317: routes[3].face: listener \"tv\" is not declared "
	          "in \"listeners\"\n");
	check_bad("overlapping and duplicate routes",
	          "\"routes\": ["
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/{device}\", \"backend\": \"/x/{device}\", \"media\": "
	          "\"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/{device}/b\", \"backend\": \"/y/{device}\", \"media\": "
	          "\"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/{device}\", \"backend\": \"/z/{device}\", \"media\": "
	          "\"mjpeg\" }"
	          "]", P_ALL,
	          "t.json:1:124: routes[1]: can match the same requests as the "
	          "route GET /a/{device} on \"assistant\"\n"
	          "t.json:1:235: routes[2]: same face, method and path as an "
	          "earlier route\n");
	check_bad("backend",
	          "\"limits\": { \"max_connections\": 2, "
	          "\"max_connections_per_ip\": 3 }, \"backend\": { \"url\": "
	          "\"https://user@b.example\", \"pin\": \"sha256//abc\", "
	          "\"client_key\": \"k\", \"ca\": 7 }", P_ALL,
	          "t.json:1:12: limits: \"max_connections_per_ip\" is more than "
	          "\"max_connections\"\n"
	          "t.json:1:78: backend: \"client_cert\" and \"client_key\" go "
	          "together\n"
	          "t.json:1:87: backend.url: expected \"https://host[:port]\" "
	          "without a path (plain http needs \"plain\": true)\n"
	          "t.json:1:120: backend.pin: expected \"sha256//\" and the base64 "
	          "of a SHA-256 digest\n"
	          "t.json:1:160: backend.ca: expected a string, got a number\n"
	          "t.json:6:1: backend: duplicate key (first at line 1, column "
	          "67)\n");
	check_bad("{name} templates",
	          "\"routes\": ["
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/h/{name}/x\", \"backend\": \"/x/{name}\", \"media\": "
	          "\"hls\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/h/{device}/{name}\", \"backend\": \"/s/{device}/{name}\", "
	          "\"media\": \"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/h/{device}/{name}\", \"backend\": \"/s/{device}/i\", "
	          "\"media\": \"hls\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/h/{device}/i\", \"backend\": \"/s/{device}/{name}\", "
	          "\"media\": \"hls\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/g/{name}\", \"backend\": \"/{name}/{name}\", "
	          "\"media\": \"hls\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/k/{device}/{name}\", \"backend\": \"/s/{device}/{name}\", "
	          "\"media\": \"hls\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/{device}/x/{name}\", \"backend\": \"/t/{device}/{name}\", "
	          "\"media\": \"hls\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/k/{device}/i\", \"backend\": \"/u/{device}\", "
	          "\"media\": \"hls\" }"
	          "]", P_ALL,
	          "t.json:1:61: routes[0].path: {name} must be the last segment\n"
	          "t.json:1:87: routes[0].backend: {name} needs a {device} "
	          "segment before it\n"
	          "t.json:1:165: routes[1].path: {name} is for hls routes only\n"
	          "t.json:1:323: routes[2].backend: must end in {name} as the "
	          "path does\n"
	          "t.json:1:433: routes[3].backend: holds {name} but the path "
	          "does not\n"
	          "t.json:1:520: routes[4].path: {name} needs a {device} segment "
	          "before it\n"
	          "t.json:1:544: routes[4].backend: {name} must be the last "
	          "segment\n"
	          "t.json:1:699: routes[6]: can match the same requests as the "
	          "route GET /k/{device}/{name} on \"assistant\"\n"
	          "t.json:1:819: routes[7]: can match the same requests as the "
	          "route GET /k/{device}/{name} on \"assistant\"\n");
	check_bad("playlist content types",
	          "\"routes\": ["
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/{device}\", \"backend\": \"/x/{device}\", \"media\": "
	          "\"snapshot\", \"content_types\": "
	          "[\"application/vnd.apple.mpegurl\"] },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/h/{device}/{name}\", \"backend\": \"/s/{device}/{name}\", "
	          "\"media\": \"hls\", \"content_types\": "
	          "[\"video/mp2t\", \"application/x-mpegurl\"] }"
	          "]", P_ALL,
	          "t.json:1:141: routes[0].content_types[0]: a playlist type is "
	          "for hls routes only\n"
	          "t.json:1:327: routes[1].content_types[1]: playlists go as "
	          "\"application/vnd.apple.mpegurl\"\n");
	check_good_text("literal route beside a template",
	          "\"routes\": ["
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/{device}\", \"backend\": \"/x/{device}\", \"media\": "
	          "\"snapshot\" },"
	          "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": "
	          "\"/a/all\", \"backend\": \"/all\", \"media\": \"snapshot\" }"
	          "]");
}

/* ---- platform routes and the devices' keys for them ------------------ */

/* What a platform route needs beside it: capability keys and a GET hls
 * route with {device} and {name} on its face. */
#define CAPS "\"capabilities\": { \"keys\": [ { \"id\": \"k1\", \"secret\": \"k1.key\" } ] }"
#define HLS_ROUTE "{ \"face\": \"assistant\", \"method\": \"GET\", \"path\": " \
	"\"/h/{device}/{name}\", \"backend\": \"/h/{device}/{name}\", \"media\": \"hls\" }"
/* A platform route: its path, its platform and what else it has. */
#define PLATFORM_ROUTE(path, platform, rest) "{ \"face\": \"assistant\", " \
	"\"method\": \"POST\", \"path\": \"" path "\", \"platform\": \"" platform "\", " \
	"\"public_url\": \"https://cams.example\"" rest " }"

static void
test_platform_routes(void)
{
	check_bad("platform on a camera face",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", { \"face\": \"camera\", "
	          "\"method\": \"POST\", \"path\": \"/p\", \"platform\": \"google\", "
	          "\"public_url\": \"https://cams.example\" } ]", P_ALL, "t.json:1:267: routes[1].platform: only for routes on an assistant face\n");
	check_bad("platform with backend and media",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", " PLATFORM_ROUTE("/p", "alexa",
	          ", \"backend\": \"/x\", \"media\": \"hls\", \"freshness_ms\": 5000") " ]",
	          P_ALL, "t.json:1:328: routes[1].backend: not for a platform route\n"
	          "t.json:1:343: routes[1].media: not for a platform route\n"
	          "t.json:1:366: routes[1].freshness_ms: not for a platform route\n");
	check_bad("GET on a platform route",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", { \"face\": \"assistant\", "
	          "\"method\": \"GET\", \"path\": \"/p\", \"platform\": \"google\", "
	          "\"public_url\": \"https://cams.example\" } ]", P_ALL, "t.json:1:236: routes[1].method: a platform route takes \"POST\"\n");
	check_bad("{device} in a platform path",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", { \"face\": \"assistant\", "
	          "\"method\": \"POST\", \"path\": \"/p/{device}\", \"platform\": "
	          "\"google\", \"public_url\": \"https://cams.example\" } ]", P_ALL, "t.json:1:252: routes[1].path: a platform route's path has no {device} "
	          "or {name}\n");
	check_bad("public_url",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/a\", "
	          "\"platform\": \"google\", \"public_url\": \"http://cams.example\" }, "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/b\", "
	          "\"platform\": \"google\", \"public_url\": \"https://cams.example/g\" }, "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/c\", "
	          "\"platform\": \"google\", \"public_url\": \"https://Cams.example\" }, "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/d\", "
	          "\"platform\": \"google\" } ]", P_ALL, "t.json:1:294: routes[1].public_url: not \"https://host[:port]\" (lower "
	          "case, no path, a port of 1 to 65535)\n"
	          "t.json:1:410: routes[2].public_url: not \"https://host[:port]\" (lower "
	          "case, no path, a port of 1 to 65535)\n"
	          "t.json:1:529: routes[3].public_url: not \"https://host[:port]\" (lower "
	          "case, no path, a port of 1 to 65535)\n"
	          "t.json:1:555: routes[4]: missing \"public_url\"\n");
	check_bad("public_url's port",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/a\", "
	          "\"platform\": \"google\", \"public_url\": \"https://cams.example:0\" }, "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/b\", "
	          "\"platform\": \"google\", \"public_url\": \"https://cams.example:65536\" }, "
	          "{ \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/c\", "
	          "\"platform\": \"google\", \"public_url\": \"https://cams.example:65535\" } ]",
	          P_ALL, "t.json:1:294: routes[1].public_url: not \"https://host[:port]\" (lower "
	          "case, no path, a port of 1 to 65535)\n"
	          "t.json:1:413: routes[2].public_url: not \"https://host[:port]\" (lower "
	          "case, no path, a port of 1 to 65535)\n");
	check_bad("online_ms out of range, an unknown platform",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", "
	          PLATFORM_ROUTE("/p", "google", ", \"online_ms\": -1") ", "
	          PLATFORM_ROUTE("/q", "alexa", ", \"online_ms\": 86400001") ", "
	          PLATFORM_ROUTE("/r", "siri", "") " ]", P_ALL, "t.json:1:331: routes[1].online_ms: out of range (0 to 86400000)\n"
	          "t.json:1:464: routes[2].online_ms: out of range (0 to 86400000)\n"
	          "t.json:1:543: routes[3].platform: expected \"google\" or \"alexa\"\n");
	check_bad("online_ms on a frame route",
	          "\"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\", "
	          "\"path\": \"/a/{device}\", \"backend\": \"/a/{device}\", \"media\": "
	          "\"snapshot\", \"online_ms\": 5 } ]", P_ALL, "t.json:1:137: routes[0].online_ms: only for a platform route\n");
	check_bad("a platform route without capabilities",
	          "\"routes\": [ " HLS_ROUTE ", " PLATFORM_ROUTE("/p", "google", "") " ]",
	          P_ALL, "t.json:1:135: routes[1]: platform route /p on \"assistant\" needs "
	          "\"capabilities\" and a GET hls route with {device} and {name} on the same "
	          "face\n");
	check_bad("a platform route without an hls capability route",
	          CAPS ", \"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\", "
	          "\"path\": \"/h/{device}\", \"backend\": \"/h/{device}\", \"media\": "
	          "\"hls\" }, " PLATFORM_ROUTE("/p", "alexa", "") " ]", P_ALL,
	          "t.json:1:189: routes[1]: platform route /p on \"assistant\" needs "
	          "\"capabilities\" and a GET hls route with {device} and {name} on the same "
	          "face\n");
	check_bad("an assistant route under /s/ with capabilities",
	          CAPS ", \"routes\": [ " HLS_ROUTE ", { \"face\": \"assistant\", "
	          "\"method\": \"GET\", \"path\": \"/s/{device}\", \"backend\": "
	          "\"/s/{device}\", \"media\": \"snapshot\" } ]", P_ALL,
	          "t.json:1:203: routes[1]: route GET /s/{device} on \"assistant\": paths "
	          "under \"/s/\" are capability URLs\n");
}

/* 129 bytes of 'n'. */
#define N129 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
#define AUTH "\"auth\": { \"token_sha256\": \"" DIGEST_A "\" }"
#define RES(w, h) "{ \"width\": " #w ", \"height\": " #h " }"

static void
test_device_info(void)
{
	check_bad("name and room over 128 bytes",
	          "\"devices\": { \"cam-1\": { " AUTH ", \"name\": \"" N129 "\", "
	          "\"room\": \"" N129 "\", \"info\": { \"model\": \"" N129 "\" } } }",
	          P_LISTENERS | P_INGEST, "t.json:1:130: devices.cam-1.name: longer than 128 bytes\n"
	          "t.json:1:271: devices.cam-1.room: longer than 128 bytes\n"
	          "t.json:1:423: devices.cam-1.info.model: longer than 128 bytes\n");
	check_bad("resolutions: none, nine",
	          "\"devices\": { \"cam-1\": { " AUTH ", \"resolutions\": [] }, "
	          "\"cam-2\": { \"auth\": { \"token_sha256\": \"" HEX64A "bbbbbbbb\" }, "
	          "\"resolutions\": [ " RES(16, 16) ", " RES(32, 32) ", " RES(48, 48) ", "
	          RES(64, 64) ", " RES(80, 80) ", " RES(96, 96) ", " RES(112, 112) ", "
	          RES(128, 128) ", " RES(144, 144) " ] } }",
	          P_LISTENERS | P_INGEST, "t.json:1:137: devices.cam-1.resolutions: 1 to 8 resolutions\n"
	          "t.json:1:265: devices.cam-2.resolutions: 1 to 8 resolutions\n");
	check_bad("resolutions: width 0, no height, a string, an unknown key",
	          "\"devices\": { \"cam-1\": { " AUTH ", \"resolutions\": [ " RES(0, 720)
	          ", { \"width\": 1280 }, \"1280x720\", { \"width\": 1280, \"height\": 720, "
	          "\"fps\": 30 }, " RES(7681, 4321) " ] } }",
	          P_LISTENERS | P_INGEST, "t.json:1:150: devices.cam-1.resolutions[0].width: out of range (16 to "
	          "7680)\n"
	          "t.json:1:170: devices.cam-1.resolutions[1]: needs \"width\" and "
	          "\"height\"\n"
	          "t.json:1:189: devices.cam-1.resolutions[2]: expected an object, got a "
	          "string\n"
	          "t.json:1:233: devices.cam-1.resolutions[3].fps: unknown key\n"
	          "t.json:1:257: devices.cam-1.resolutions[4].width: out of range (16 to "
	          "7680)\n");
	check_bad("info: an unknown key, a number",
	          "\"devices\": { \"cam-1\": { " AUTH ", \"info\": { \"maker\": \"Acme\", "
	          "\"model\": 7 }, \"name\": 5 } }", P_LISTENERS | P_INGEST, "t.json:1:132: devices.cam-1.info.maker: unknown key\n"
	          "t.json:1:158: devices.cam-1.info.model: expected a string, got a number\n"
	          "t.json:1:171: devices.cam-1.name: expected a string, got a number\n");
}

/* The platform keys load into the model: routes and device info. */
static void
test_platform_model(void)
{
	static const char text[] =
		"{ \"listeners\": { \"assistant\": { \"listen\": \"h:1\", \"plain\": true } },\n"
		"  \"backend\": { \"url\": \"https://b\" },\n"
		"  " CAPS ",\n"
		"  \"devices\": {\n"
		"    \"cam-1\": { " AUTH ", \"name\": \"Front door\", \"room\": \"Hall\",\n"
		"      \"info\": { \"manufacturer\": \"Acme\", \"model\": \"C1\",\n"
		"                \"hw_version\": \"1.0\", \"sw_version\": \"2.3\" },\n"
		"      \"resolutions\": [ " RES(1920, 1080) ", " RES(16, 16) ", "
		RES(7680, 4320) " ] },\n"
		"    \"cam-2\": { \"auth\": { \"token_sha256\": \"" HEX64A "bbbbbbbb\" } },\n"
		"    \"cam-3\": { \"auth\": { \"token_sha256\": \"" HEX64A "cccccccc\" },\n"
		"      \"room\": \"" N129 "\" } },\n"
		"  \"routes\": [ " HLS_ROUTE ",\n"
		"    " PLATFORM_ROUTE("/google", "google", ", \"online_ms\": 0") ",\n"
		"    { \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/alexa\",\n"
		"      \"platform\": \"alexa\", \"public_url\": \"https://cams.example:8443\" } ] }\n";
	const struct policy_device_info *in;
	const struct policy_route *r;
	struct lc_policy *pol = NULL;
	char *errs = NULL, *t, *cut, dev[LC_DEVICE_MAX + 1];
	int rc;

	/* The text with cam-3's room over 128 bytes first: refused; then
	 * with it cut to 128. */
	rc = load_text("p.json", text, strlen(text), POLICY_NO_FILES, &pol, &errs);
	ok(rc == LC_EFORMAT && strstr(errs, "devices.cam-3.room: longer than 128 bytes") != NULL,
	   "platform model: a room of 129 bytes refused");
	free(errs);
	if ((t = strdup(text)) == NULL || (cut = strstr(t, N129)) == NULL)
		abort();
	memmove(cut, cut + 1, strlen(cut + 1) + 1);
	rc = load_text("p.json", t, strlen(t), POLICY_NO_FILES, &pol, &errs);
	is_int(rc, 0, "platform model: loads");
	is_text(errs, "", "platform model");
	free(errs);
	free(t);
	if (pol == NULL)
		return;
	r = policy_route(pol, 1);
	ok(r->platform == POLICY_PLATFORM_GOOGLE && strcmp(r->public_url,
	   "https://cams.example") == 0 && r->online_ms == 0 && strcmp(r->method, "POST") == 0 &&
	   r->backend == NULL && r->media == 0 && !r->has_device,
	   "google route: platform, public_url, online_ms 0, no backend or media");
	r = policy_route(pol, 2);
	ok(r->platform == POLICY_PLATFORM_ALEXA &&
	   strcmp(r->public_url, "https://cams.example:8443") == 0 && r->online_ms == 0,
	   "alexa route: public_url with a port, online_ms 0 (every camera online) by default");
	ok(policy_route(pol, 0)->platform == POLICY_PLATFORM_NONE && policy_route(pol, 0)->public_url
	   == NULL, "a frame route: no platform");
	ok(policy_route_match(pol, "assistant", "POST", "/google", dev) == policy_route(pol, 1) &&
	   dev[0] == '\0' && policy_route_match(pol, "assistant", "GET", "/google", dev) == NULL,
	   "a platform route matches POST only");
	in = policy_device_info(policy_device_by_name(pol, "cam-1"));
	ok(strcmp(in->name, "Front door") == 0 && strcmp(in->room, "Hall") == 0 &&
	   strcmp(in->manufacturer, "Acme") == 0 && strcmp(in->model, "C1") == 0 &&
	   strcmp(in->hw_version, "1.0") == 0 && strcmp(in->sw_version, "2.3") == 0,
	   "cam-1: name, room and info");
	ok(in->nresolutions == 3 && in->resolutions[0].width == 1920 &&
	   in->resolutions[0].height == 1080 && in->resolutions[1].width == 16 &&
	   in->resolutions[1].height == 16 && in->resolutions[2].width == 7680 &&
	   in->resolutions[2].height == 4320, "cam-1: resolutions in order, bounds included");
	in = policy_device_info(policy_device_by_name(pol, "cam-2"));
	ok(in->name == NULL && in->room == NULL && in->manufacturer == NULL &&
	   in->model == NULL && in->hw_version == NULL && in->sw_version == NULL &&
	   in->nresolutions == 1 && in->resolutions[0].width == 1280 &&
	   in->resolutions[0].height == 720, "cam-2: no keys, 1280x720");
	in = policy_device_info(policy_device_by_name(pol, "cam-3"));
	ok(in->room != NULL && strlen(in->room) == 128 && in->name == NULL &&
	   in->nresolutions == 1 && in->resolutions[0].width == 1280,
	   "cam-3: a room of 128 bytes, the default resolution");
	policy_free(pol);
}

/* Writes text to exdir/name; its path into path (PATH_MAX); 0 or -1. */
static int
put_example(const char *name, const char *text, char *path)
{
	FILE *f;

	if ((size_t)snprintf(path, PATH_MAX, "%s/%s", exdir, name) >= PATH_MAX ||
	    (f = fopen(path, "w")) == NULL)
		return -1;
	if (fputs(text, f) == EOF) {
		(void)fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* A frame sealed with k opens with pol's keys (LC_DROP_NONE), or why not. */
static enum lc_drop
mac_frame_opens(const struct lc_policy *pol, struct lc_mac_key *k)
{
	static const struct lc_seal_params p = {
		.device = "cam-1", .kind = LC_KIND_SNAPSHOT, .seq = 1,
		.capture_ms = 1764000000000ULL, .content_type = "image/jpeg",
	};
	uint8_t frame[LC_HEADER_MAX + 4];
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_NONE;
	size_t n;

	if (lc_envelope_seal_mac(k, &p, (const uint8_t *)"body", 4, frame, sizeof(frame),
	                         &n) != 0)
		return LC_DROP_INTERNAL;
	if (lc_envelope_open(frame, n, policy_keyring(pol), 1024, &env, &why) == 0)
		return LC_DROP_NONE;
	return why == LC_DROP_NONE ? LC_DROP_INTERNAL : why;
}

#define SEAL_FILE_POLICY \
	"{ \"listeners\": { \"camera\": { \"listen\": \"127.0.0.1:0\", \"plain\": true } },\n" \
	"  \"backend\": { \"url\": \"https://b.example\" },\n" \
	"  " DEVICES \
	"  \"seal\": { \"mac_secret\": \"a.mac\", \"mac_keys\": [\n"

/* MAC secret files: the one in use and an old one both verify, and are
 * refused when unreadable, loose, of another id or listed twice. */
static void
test_seal_files(void)
{
	struct lc_mac_key *k[3] = { NULL, NULL, NULL };
	char hex[3][LC_KEY_ID_HEX_BYTES], path[PATH_MAX], text[4096], want[8192];
	static const char *const names[3] = { "a.mac", "b.mac", "c.mac" };
	struct lc_policy *pol = NULL;
	const uint8_t *id = NULL;
	const char *secret;
	char *errs = NULL;
	int rc;

	for (int i = 0; i < 3; i++) {
		if (!ok(lc_mac_key_generate(&k[i]) == 0 &&
		        (size_t)snprintf(path, sizeof(path), "%s/%s", exdir, names[i]) <
		        sizeof(path) && lc_mac_key_save(k[i], path) == 0,
		        "seal: MAC secret %s written", names[i]))
			goto out;
		lc_key_id_hex(lc_mac_key_id(k[i]), hex[i]);
	}
	ok(chmod(path, 0640) == 0, "seal: c.mac readable by the group");

	snprintf(text, sizeof(text), SEAL_FILE_POLICY
	         "    { \"id\": \"%s\", \"secret\": \"b.mac\" } ] } }\n", hex[1]);
	if (put_example("seal-good.json", text, path) != 0)
		goto out;
	rc = load_path(path, &pol, &errs);
	is_int(rc, 0, "seal: a secret in use and an old one load");
	is_text(errs, "", "seal-good.json");
	free(errs);
	secret = policy_seal_mac(pol, &id);
	ok(secret != NULL && strstr(secret, "/a.mac") != NULL && id != NULL &&
	   memcmp(id, lc_mac_key_id(k[0]), LC_KEY_ID_BYTES) == 0,
	   "seal: the camera face seals with a.mac, of its id");
	is_int(mac_frame_opens(pol, k[0]), LC_DROP_NONE, "seal: a.mac's frames verify");
	is_int(mac_frame_opens(pol, k[1]), LC_DROP_NONE, "seal: the old b.mac's too");
	is_int(mac_frame_opens(pol, k[2]), LC_DROP_UNKNOWN_KEY,
	       "seal: another secret's: unknown_key");
	policy_free(pol);
	pol = NULL;

	snprintf(text, sizeof(text), SEAL_FILE_POLICY
	         "    { \"id\": \"%s\", \"secret\": \"b.mac\" },\n"
	         "    { \"id\": \"%s\", \"secret\": \"a.mac\" },\n"
	         "    { \"id\": \"%s\", \"secret\": \"c.mac\" },\n"
	         "    { \"id\": \"%s\", \"secret\": \"none.mac\" } ] } }\n",
	         hex[0], hex[0], hex[2], hex[2]);
	if (put_example("seal-bad.json", text, path) != 0)
		goto out;
	rc = load_path(path, &pol, &errs);
	is_int(rc, LC_EFORMAT, "seal: bad secrets refused");
	ok(pol == NULL, "seal: *out untouched");
	snprintf(want, sizeof(want),
	         "%1$s/seal-bad.json:5:49: seal.mac_keys[0].secret: MAC secret "
	         "%1$s/b.mac has key id %2$s, not %3$s\n"
	         "%1$s/seal-bad.json:6:49: seal.mac_keys[1].secret: MAC secret "
	         "%1$s/a.mac is listed twice\n"
	         "%1$s/seal-bad.json:7:49: seal.mac_keys[2].secret: cannot load MAC "
	         "secret %1$s/c.mac: readable or writable by group or others\n"
	         "%1$s/seal-bad.json:8:49: seal.mac_keys[3].secret: cannot read "
	         "%1$s/none.mac: No such file or directory\n",
	         exdir, hex[1], hex[0]);
	is_text(errs, want, "seal-bad.json");
	ok(strstr(errs, "lenscap-mac-secret") == NULL, "seal: no secret printed");
	free(errs);
out:
	for (int i = 0; i < 3; i++)
		lc_mac_key_free(k[i]);
}

/* ---- "seal": what the camera face seals with ---------------------------- */

#define SEAL_PASS_SEALED_ROUTE \
	"\"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\", \"path\": " \
	"\"/s/{device}\", \"backend\": \"/x/{device}\", \"media\": \"snapshot\", " \
	"\"pass_sealed\": true } ]"

/* The section's shape, without files. */
static void
test_seal_schema(void)
{
	check_bad("seal: not an object", "\"seal\": [ \"mac\" ]", P_ALL,
	          "t.json:1:10: seal: expected an object, got an array\n");
	check_bad("seal: unknown use, unknown key",
	          "\"seal\": { \"use\": \"hmac\", \"key\": \"k.mac\" }", P_ALL,
	          "t.json:1:19: seal.use: expected \"mac\" or \"ed25519\"\n"
	          "t.json:1:27: seal.key: unknown key\n");
	check_bad("seal: the MAC without its secret", "\"seal\": { \"use\": \"mac\" }",
	          P_LISTENERS | P_DEVICES, "t.json:1:10: seal: missing \"mac_secret\"\n");
	check_bad("seal: mac_keys entries",
	          "\"seal\": { \"mac_secret\": \"m.mac\", \"mac_keys\": [ { \"id\": "
	          "\"ABCDEF0123456789ABCDEF0123456789\", \"secret\": \"o.mac\" }, 7, "
	          "{ \"id\": \"0123456789abcdef0123456789abcdef\" }, { \"id\": "
	          "\"0123456789abcdef\", \"secret\": \"p.mac\" } ] }",
	          P_LISTENERS | P_DEVICES,
	          "t.json:1:57: seal.mac_keys[0].id: not a key id (32 lower-case hex "
	          "digits, as lenscap keygen -m prints)\n"
	          "t.json:1:114: seal.mac_keys[1]: expected an object, got a number\n"
	          "t.json:1:117: seal.mac_keys[2]: missing \"secret\"\n"
	          "t.json:1:171: seal.mac_keys[3].id: not a key id (32 lower-case hex "
	          "digits, as lenscap keygen -m prints)\n");
	check_bad("seal: the MAC beside a pass_sealed route",
	          "\"seal\": { \"use\": \"mac\", \"mac_secret\": \"m.mac\" }, "
	          SEAL_PASS_SEALED_ROUTE, P_LISTENERS | P_DEVICES,
	          "t.json:1:2: seal: the camera face seals with a MAC, which the "
	          "clients of \"pass_sealed\" route GET /s/{device} cannot verify: "
	          "use \"ed25519\"\n");
	check_bad("seal: Ed25519 needs the ingest key",
	          "\"seal\": { \"use\": \"ed25519\" }", P_LISTENERS | P_DEVICES,
	          "t.json:3:3: listeners.camera: a camera face needs \"ingest_key\", "
	          "or a \"seal\" that uses \"mac\" (lenscapd seals with it)\n");
	check_good_text("seal: Ed25519 beside a pass_sealed route",
	                "\"seal\": { \"use\": \"ed25519\" }, " SEAL_PASS_SEALED_ROUTE);
	check_good_text("seal: the MAC, a secret named",
	                "\"seal\": { \"mac_secret\": \"m.mac\" }");
}

/* Copies the regular file src/name into dst/name.  0 or -1. */
static int
copy_file(const char *src, const char *dst, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX], buf[8192];
	int in, out, ret = 0;
	ssize_t n;

	if ((size_t)snprintf(from, sizeof(from), "%s/%s", src, name) >= sizeof(from) ||
	    (size_t)snprintf(to, sizeof(to), "%s/%s", dst, name) >= sizeof(to))
		return -1;
	if ((in = open(from, O_RDONLY)) == -1)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			ret = -1;
	if (n < 0 || close(out) != 0)
		ret = -1;
	close(in);
	return ret;
}

/* Fills exdir: the example's files and a fresh ingest.sec and ingest.pub.
 * 0 or -1. */
static int
make_example_dir(void)
{
	char src[PATH_MAX], sec[PATH_MAX + 16], pub[PATH_MAX + 16];
	struct lc_secret_key *sk = NULL;
	const char *tmp = getenv("TMPDIR");
	struct dirent *e;
	DIR *d;
	int ret = 0;

	snprintf(exdir, sizeof(exdir), "%s/lenscap-t-policy.XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(exdir) == NULL)
		return -1;
	if ((size_t)snprintf(src, sizeof(src), "%s/policy/examples", srcdir) >= sizeof(src))
		return -1;
	if ((d = opendir(src)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && copy_file(src, exdir, e->d_name) != 0)
			ret = -1;
	closedir(d);
	snprintf(sec, sizeof(sec), "%s/ingest.sec", exdir);
	snprintf(pub, sizeof(pub), "%s/ingest.pub", exdir);
	if (ret != 0 || lc_key_generate(&sk) != 0 ||
	    lc_key_save_secret(sk, sec) != 0 ||
	    lc_key_save_public(lc_key_public(sk), pub) != 0)
		ret = -1;
	lc_key_free(sk);
	return ret;
}

/* Removes exdir and what is in it. */
static void
remove_example_dir(void)
{
	char p[sizeof(exdir) + 258];
	struct dirent *e;
	DIR *d;

	if (exdir[0] == '\0' || (d = opendir(exdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", exdir, e->d_name);
		(void)unlink(p);
	}
	closedir(d);
	(void)rmdir(exdir);
}

/* Loads a file or directory under $top_srcdir (policy/examples/ from the
 * copy in exdir). */
static int
load_rel(const char *rel, struct lc_policy **pol, char **errs, char *full,
         size_t fullsz)
{
	int n;

	if (strncmp(rel, "policy/examples/", 16) == 0)
		n = snprintf(full, fullsz, "%s/%s", exdir, rel + 16);
	else
		n = snprintf(full, fullsz, "%s/%s", srcdir, rel);
	if (n < 0 || (size_t)n >= fullsz)
		abort();
	return load_path(full, pol, errs);
}

static void
test_files(void)
{
	static const char *const good[] = { "tests/policy/good/minimal.json",
		"tests/policy/good/tls.json", "policy/examples/lenscap.json" };
	struct lc_policy *pol = NULL;
	char full[1024], want[16384], *errs = NULL;
	const struct policy_account *a;
	const struct policy_route *r;
	char dev[LC_DEVICE_MAX + 1];
	int rc;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pol = NULL;
		rc = load_rel(good[i], &pol, &errs, full, sizeof(full));
		is_int(rc, 0, "%s loads", good[i]);
		is_text(errs, "", good[i]);
		ok(pol != NULL, "%s: a policy", good[i]);
		policy_free(pol);
		free(errs);
	}

	/* A directory: sorted *.json files merged, other files ignored. */
	pol = NULL;
	rc = load_rel("tests/policy/merge", &pol, &errs, full, sizeof(full));
	is_int(rc, 0, "merge/ loads");
	is_text(errs, "", "merge/");
	is_int(policy_listener_count(pol), 2, "merge: listeners from two files");
	is_int(policy_device_count(pol), 2, "merge: devices");
	is_int(policy_route_count(pol), 2, "merge: routes concatenated");
	a = policy_session_account_digest(pol, (const uint8_t *)
		"\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
		"\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa");
	ok(a != NULL && strcmp(policy_account_name(a), "alice") == 0,
	   "merge: session from 30 names the account");
	ok(policy_may_see(pol, a, "cam-1"), "merge: grant across files");
	ok(!policy_may_see(pol, a, "cam-2"), "merge: no grant not given");
	r = policy_route_match(pol, "assistant", "GET", "/b/cam-2/x", dev);
	ok(r != NULL && r->media == LC_KIND_MJPEG && strcmp(dev, "cam-2") == 0,
	   "merge: route from 20");
	policy_free(pol);
	free(errs);

	/* Names declared in later files: loaded again pass by pass, with
	 * the result of files in the usual order. */
	pol = NULL;
	rc = load_rel("tests/policy/forward", &pol, &errs, full, sizeof(full));
	is_int(rc, 0, "forward/ loads");
	is_text(errs, "", "forward/");
	is_int(policy_device_count(pol), 2, "forward: devices");
	is_int(policy_account_count(pol), 2, "forward: accounts");
	a = policy_account_by_name(pol, "alice");
	ok(a != NULL && policy_may_see(pol, a, "cam-1") &&
	   policy_may_see(pol, a, "cam-2"), "forward: grants of devices declared later");
	{
		const struct policy_device *const *devs;
		size_t n;

		devs = policy_account_devices(a, &n);
		ok(n == 2 && strcmp(policy_device_name(devs[0]), "cam-2") == 0 &&
		   strcmp(policy_device_name(devs[1]), "cam-1") == 0,
		   "forward: granted devices in policy order");
	}
	a = policy_session_account_digest(pol, (const uint8_t *)
		"\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
		"\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa");
	ok(a != NULL && strcmp(policy_account_name(a), "bob") == 0,
	   "forward: session of an account declared later");
	r = policy_route_match(pol, "assistant", "GET", "/a/cam-1", dev);
	ok(r != NULL && r->media == LC_KIND_SNAPSHOT,
	   "forward: route on a listener declared later");
	policy_free(pol);
	free(errs);

	/* Their errors: each once, though the files are parsed again. */
	pol = NULL;
	rc = load_rel("tests/policy/forward-bad", &pol, &errs, full, sizeof(full));
	is_int(rc, LC_EFORMAT, "forward-bad/ refused");
	ok(pol == NULL, "forward-bad/: *out untouched");
	snprintf(want, sizeof(want),
	         "%1$s/10-a.json:2:3: colour: unknown key\n"
	         "%1$s/10-a.json:3:49: accounts.alice.devices[1]: device \"cam-9\" "
	         "is not declared in \"devices\"\n"
	         "%1$s/10-a.json:3:58: accounts.alice.devices[2]: device listed twice\n"
	         "%1$s/10-a.json:4:126: sessions.static[0].account: string "
	         "contains \\u0000\n"
	         "%1$s/30-c.json:1:78: routes[0]: parse error: invalid object key "
	         "(must be a string)\n", full);
	is_text(errs, want, "forward-bad/");
	free(errs);

	/* The same names in two files: both places named. */
	pol = NULL;
	rc = load_rel("tests/policy/dup", &pol, &errs, full, sizeof(full));
	is_int(rc, LC_EFORMAT, "dup/ refused");
	ok(pol == NULL, "dup/: *out untouched");
	snprintf(want, sizeof(want),
	         "%1$s/b.json:2:3: backend: defined twice (first at "
	         "%1$s/a.json:3:3)\n"
	         "%1$s/b.json:4:5: devices.cam-1: defined twice (first at "
	         "%1$s/a.json:4:16)\n"
	         "%1$s/b.json:6:18: listeners.assistant: defined twice (first at "
	         "%1$s/a.json:2:18)\n", full);
	is_text(errs, want, "dup/");
	free(errs);

	/* Referenced files must exist: reported at the key. */
	rc = load_rel("tests/policy/bad/files.json", &pol, &errs, full,
	              sizeof(full));
	is_int(rc, LC_EFORMAT, "bad/files.json refused");
	snprintf(full, sizeof(full), "%s/tests/policy/bad", srcdir);
	snprintf(want, sizeof(want),
	         "%1$s/files.json:4:26: listeners.camera.tls.cert: cannot read "
	         "%1$s/missing.crt: No such file or directory\n"
	         "%1$s/files.json:4:49: listeners.camera.tls.key: cannot read "
	         "/nonexistent/lenscap.key: No such file or directory\n"
	         "%1$s/files.json:5:26: listeners.camera.tls.client_ca: "
	         "%1$s/.: not a regular file\n"
	         "%1$s/files.json:7:49: backend.ca: cannot read "
	         "%1$s/missing-ca.crt: No such file or directory\n"
	         "%1$s/files.json:8:3: ingest_key: cannot read "
	         "%1$s/missing.sec: No such file or directory\n"
	         "%1$s/files.json:9:15: keys[0].public_file: cannot read "
	         "%1$s/missing.pub: No such file or directory\n", full);
	is_text(errs, want, "bad/files.json");
	free(errs);

	/* Many errors in one file: all reported, in order. */
	rc = load_rel("tests/policy/bad/many.json", &pol, &errs, full,
	              sizeof(full));
	is_int(rc, LC_EFORMAT, "bad/many.json refused");
	snprintf(want, sizeof(want),
	         "%1$s:4:18: listeners.assistant: no \"tls\": plain HTTP needs "
	         "\"plain\": true\n"
	         "%1$s:5:12: listeners.web: missing \"role\"\n"
	         "%1$s:7:23: backend.url: expected \"https://host[:port]\" "
	         "without a path (plain http needs \"plain\": true)\n"
	         "%1$s:7:66: backend.timeout_ms: out of range (1 to 3600000)\n"
	         "%1$s:9:43: devices.cam_ok.auth.token_sha256: expected 64 "
	         "lower-case hex digits (SHA-256)\n"
	         "%1$s:10:5: devices.../etc: not a valid device id (1-64 of "
	         "[A-Za-z0-9._-], starting with a letter or digit)\n"
	         "%1$s:12:50: accounts.alice.devices[1]: device \"cam-9\" is not "
	         "declared in \"devices\"\n"
	         "%1$s:12:59: accounts.alice.devices[2]: device listed twice\n"
	         "%1$s:13:126: sessions.static[0].account: account \"mallory\" is "
	         "not declared in \"accounts\"\n"
	         "%1$s:15:53: routes[0].path: must start with \"/\"\n"
	         "%1$s:16:15: routes[1].face: listener \"nowhere\" is not "
	         "declared in \"listeners\"\n"
	         "%1$s:16:83: routes[1].media: expected \"snapshot\", \"mjpeg\" "
	         "or \"hls\"\n"
	         "%1$s:18:33: limits.drops_in_a_row: expected an integer\n"
	         "%1$s:18:38: limits.extra: unknown key\n", full);
	is_text(errs, want, "bad/many.json");
	ok(strstr(errs, "cccccccc") == NULL && strstr(errs, "ABCDEF") == NULL,
	   "bad/many.json: no digest printed");
	free(errs);

	rc = load_rel("tests/policy/nonexistent.json", &pol, &errs, full,
	              sizeof(full));
	is_int(rc, LC_EIO, "missing file: LC_EIO");
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	         "directory\n", full);
	is_text(errs, want, "missing file");
	free(errs);
	rc = load_rel("tests/policy/bad/../../policy", &pol, &errs, full,
	              sizeof(full));
	is_int(rc, LC_EIO, "a directory without *.json: LC_EIO");
	free(errs);
}

static void
test_decisions(void)
{
	static const uint8_t cam1_cert[LC_DIGEST_BYTES] = {
		0x4f, 0x0e, 0xe8, 0xf3, 0xd2, 0x19, 0xaf, 0x75, 0xea, 0x06, 0x5f,
		0x21, 0x50, 0x0c, 0x6d, 0xc4, 0x58, 0x2e, 0x7e, 0xc2, 0xde, 0x03,
		0x94, 0x01, 0xbc, 0xe6, 0x88, 0xa5, 0xfa, 0x6f, 0x72, 0x3d };
	static const struct { const char *face, *method, *path, *dev; int route; }
	match[] = {
		{ "assistant", "GET", "/v1/cameras/cam-1/snapshot", "cam-1", 0 },
		{ "assistant", "GET", "/v1/cameras/cam-7/stream.mjpeg", "cam-7", 1 },
		{ "camera", "PUT", "/v1/cameras/cam-2/snapshot", "cam-2", 2 },
		{ "assistant", "GET", "/v1/cameras/Z.9_x-y/snapshot", "Z.9_x-y", 0 },
		{ "assistant", "PUT", "/v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "camera", "GET", "/v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "admin", "GET", "/v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "nowhere", "GET", "/v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "assistant", "get", "/v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/../snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/./snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/%63am-1/snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras//snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/cam-1/snapshot/", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/cam-1/snapshot/x", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/cam-1/snapshotx", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/cam-1/snapshot?a=b", NULL, -1 },
		{ "assistant", "GET", "//v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "assistant", "GET", "v1/cameras/cam-1/snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/-cam/snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/cam-1/../cam-2/snapshot", NULL, -1 },
		{ "assistant", "GET", "/v1/cameras/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/snapshot", NULL, -1 },
		{ "assistant", "GET", "", NULL, -1 },
		{ "assistant", "GET", "/", NULL, -1 },
	};
	struct lc_policy *pol = NULL;
	char full[1024], dev[LC_DEVICE_MAX + 1], out[64], *errs = NULL;
	const struct policy_account *alice, *bob;
	const struct policy_listener *l;
	const struct policy_route *r;
	int rc;

	rc = load_rel("policy/examples/lenscap.json", &pol, &errs, full,
	              sizeof(full));
	free(errs);
	if (!ok(rc == 0, "example loads for the decision tests"))
		return;
	alice = policy_session_account(pol, "example-session-token-alice", 27);
	bob = policy_session_account(pol, "example-session-token-bob", 25);
	ok(alice != NULL && strcmp(policy_account_name(alice), "alice") == 0,
	   "token -> alice");
	ok(bob != NULL && strcmp(policy_account_name(bob), "bob") == 0,
	   "token -> bob");
	ok(policy_session_account(pol, "example-session-token-alicf", 27) ==
	   NULL, "unknown token -> NULL");
	ok(policy_session_account(pol, "", 0) == NULL, "empty token -> NULL");
	ok(policy_may_see(pol, alice, "cam-1"), "alice may see cam-1");
	ok(policy_may_see(pol, alice, "cam-2"), "alice may see cam-2");
	ok(!policy_may_see(pol, alice, "cam-7"), "alice may not see cam-7");
	ok(policy_may_see(pol, bob, "cam-7"), "bob may see cam-7");
	ok(!policy_may_see(pol, bob, "cam-1"), "bob may not see cam-1");
	ok(!policy_may_see(pol, alice, "cam-9"), "undeclared device: no");
	ok(!policy_may_see(pol, NULL, "cam-1"), "no account: no");
	ok(!policy_may_see(pol, alice, NULL), "no device: no");
	ok(policy_account_by_name(pol, "alice") == alice, "account by name");
	ok(strcmp(policy_device_name(policy_device_by_cert(pol, cam1_cert)),
	          "cam-1") == 0, "client certificate -> cam-1");
	ok(policy_device_by_cert(pol, (const uint8_t *)
		"0123456789abcdef0123456789abcdef") == NULL, "unknown cert -> NULL");
	ok(strcmp(policy_device_name(policy_device_by_token(pol,
		"example-device-token-cam-2", 26)), "cam-2") == 0,
	   "device token -> cam-2");
	ok(policy_device_by_token(pol, "example-session-token-alice", 27) ==
	   NULL, "a session token is not a device token");
	ok(policy_session_account(pol, "example-device-token-cam-2", 26) ==
	   NULL, "a device token is not a session token");

	for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++) {
		strcpy(dev, "junk");
		r = policy_route_match(pol, match[i].face, match[i].method,
		                       match[i].path, dev);
		if (match[i].route < 0)
			ok(r == NULL && dev[0] == '\0', "no route: %s %s %s",
			   match[i].face, match[i].method, match[i].path);
		else
			ok(r != NULL && (int)r->index == match[i].route &&
			   strcmp(dev, match[i].dev) == 0, "route %d: %s %s %s",
			   match[i].route, match[i].face, match[i].method,
			   match[i].path);
	}
	r = policy_route(pol, 0);
	rc = policy_backend_path(r, "cam-1", NULL, out, sizeof(out));
	ok(rc == 0 && strcmp(out, "/frames/cam-1/latest.lcf") == 0,
	   "backend path with the device");
	is_int(policy_backend_path(r, "cam-1", NULL, out, 24), LC_ESPACE,
	       "backend path: too small");
	is_int(policy_backend_path(r, "cam-1", NULL, out, 25), 0,
	       "backend path: exactly enough");
	is_int(policy_backend_path(r, "../x", NULL, out, sizeof(out)), LC_EINVAL,
	       "backend path: invalid device");
	is_int(policy_backend_path(r, NULL, NULL, out, sizeof(out)), LC_EINVAL,
	       "backend path: no device");
	ok(r->ncontent_types == 1 && strcmp(r->content_types[0],
	                                    "image/jpeg") == 0,
	   "route content types");
	ok(r->freshness_ms == 30000 && !r->pass_sealed &&
	   r->media == LC_KIND_SNAPSHOT, "route fields");
	r = policy_route(pol, 1);
	ok(r->ncontent_types == 1 && strcmp(r->content_types[0],
	                                    "image/jpeg") == 0 &&
	   r->freshness_ms == 5000, "mjpeg route: default content type");

	is_int(policy_listener_count(pol), 3, "three listeners");
	l = policy_listener_by_name(pol, "admin");
	ok(l != NULL && l->plain && l->role == POLICY_ROLE_ADMIN &&
	   l->port == 9090 && strcmp(l->host, "127.0.0.1") == 0 &&
	   l->cert == NULL, "admin listener");
	l = policy_listener_by_name(pol, "camera");
	ok(l != NULL && !l->plain && l->role == POLICY_ROLE_CAMERA &&
	   l->port == 8444 && l->client_ca != NULL &&
	   strncmp(l->client_ca, exdir, strlen(exdir)) == 0 &&
	   strcmp(l->client_ca + strlen(exdir), "/cameras-ca.crt") == 0,
	   "camera listener, paths relative to the policy file");
	ok(strcmp(policy_backend(pol)->url,
	          "https://frames.vendor.example:8443") == 0 &&
	   policy_backend(pol)->timeout_ms == 10000 &&
	   policy_backend(pol)->pin == NULL, "backend");
	ok(policy_limits(pol)->max_frame_bytes == 4194304 &&
	   policy_limits(pol)->clock_skew_ms == 2000, "limits");
	ok(strncmp(policy_ingest_key(pol), exdir, strlen(exdir)) == 0 &&
	   strcmp(policy_ingest_key(pol) + strlen(exdir), "/ingest.sec") == 0,
	   "ingest key path");
	is_int(lc_keyring_size(policy_keyring(pol)), 2, "two trusted keys");
	is_int(policy_device_count(pol), 3, "three devices");
	is_int(policy_account_count(pol), 2, "two accounts");

	/* References: the model outlives a reload by whoever holds one. */
	ok(policy_ref(pol) == pol, "policy_ref");
	policy_free(pol);
	ok(policy_may_see(pol, alice, "cam-1"), "still usable after one free");
	policy_free(pol);
	policy_free(NULL);
}

/* The {name} route of test_defaults' policy, 3: /v/{device}/hls/{name}. */
static void
test_names(const struct lc_policy *pol)
{
	char dev[LC_DEVICE_MAX + 1], name[POLICY_NAME_MAX + 1], out[64];
	char path[256], n128[POLICY_NAME_MAX + 2];
	const struct policy_route *r;

	r = policy_route_find(pol, "assistant", "GET", "/v/cam/hls/seg-1.ts", dev, name);
	ok(r != NULL && r->index == 3 && strcmp(dev, "cam") == 0 &&
	   strcmp(name, "seg-1.ts") == 0, "{name}: device and name");
	strcpy(name, "junk");
	r = policy_route_find(pol, "assistant", "GET", "/hls/cam/a.ts", dev, name);
	ok(r != NULL && r->index == 0 && strcmp(dev, "cam") == 0 && name[0] == '\0',
	   "a route without {name}: the name is empty");
	memset(n128, 'n', POLICY_NAME_MAX);
	n128[POLICY_NAME_MAX] = '\0';
	(void)snprintf(path, sizeof(path), "/v/cam/hls/%s", n128);
	r = policy_route_find(pol, "assistant", "GET", path, dev, name);
	ok(r != NULL && r->index == 3 && strcmp(name, n128) == 0,
	   "{name} of 128 bytes");
	strcat(path, "n");
	r = policy_route_find(pol, "assistant", "GET", path, dev, name);
	ok(r == NULL && dev[0] == '\0' && name[0] == '\0', "{name} of 129 bytes: no route");
	r = policy_route_find(pol, "assistant", "GET", "/v/cam/hls/seg.ts/x", dev, name);
	ok(r == NULL, "{name} is one segment");
	r = policy_route_find(pol, "assistant", "GET", "/v/cam/hls/..", dev, name);
	ok(r == NULL && name[0] == '\0', "{name} is not \"..\"");
	r = policy_route_find(pol, "assistant", "GET", "/v/c%41m/hls/x.ts", dev, name);
	ok(r == NULL, "{name} route: the device must be valid");
	r = policy_route(pol, 3);
	ok(policy_backend_path(r, "cam", "seg-1.ts", out, sizeof(out)) == 0 &&
	   strcmp(out, "/s/cam/h/seg-1.ts") == 0, "backend path with device and name");
	is_int(policy_backend_path(r, "cam", "seg-1.ts", out, 18), 0,
	       "backend path with a name: exactly enough");
	is_int(policy_backend_path(r, "cam", "seg-1.ts", out, 17), LC_ESPACE,
	       "backend path with a name: one short");
	ok(out[0] == '\0', "backend path: an empty string when it does not fit");
	is_int(policy_backend_path(r, "cam", NULL, out, sizeof(out)), LC_EINVAL,
	       "backend path: no name");
	is_int(policy_backend_path(r, "cam", "..", out, sizeof(out)), LC_EINVAL,
	       "backend path: \"..\" is no name");
	is_int(policy_backend_path(r, "cam", "a/b", out, sizeof(out)), LC_EINVAL,
	       "backend path: a name is one segment");
	is_int(policy_backend_path(r, "cam", n128, out, sizeof(out)), LC_ESPACE,
	       "backend path: a long name, a small buffer");
	strcat(n128, "n");
	is_int(policy_backend_path(r, "cam", n128, path, sizeof(path)), LC_EINVAL,
	       "backend path: a name of 129 bytes");
}

static void
test_defaults(void)
{
	static const char text[] =
		"{ \"listeners\": { \"assistant\": { \"listen\": \"h:1\", "
		"\"plain\": true } }, \"backend\": { \"url\": \"https://b\" },"
		" \"routes\": [ { \"face\": \"assistant\", \"method\": \"GET\", "
		"\"path\": \"/hls/{device}/a.ts\", \"backend\": \"/{device}\", "
		"\"media\": \"hls\" }, { \"face\": \"assistant\", \"method\": "
		"\"GET\", \"path\": \"/a/{device}\", \"backend\": \"/{device}\", "
		"\"media\": \"snapshot\" }, { \"face\": \"assistant\", \"method\": "
		"\"GET\", \"path\": \"/a/all\", \"backend\": \"/all\", \"media\": "
		"\"snapshot\" }, { \"face\": \"assistant\", \"method\": \"GET\", "
		"\"path\": \"/v/{device}/hls/{name}\", \"backend\": "
		"\"/s/{device}/h/{name}\", \"media\": \"hls\" } ] }";
	const struct policy_limits *lim;
	const struct policy_route *r;
	struct lc_policy *pol = NULL;
	char dev[LC_DEVICE_MAX + 1], *errs = NULL;
	int rc;

	rc = load_text("d.json", text, strlen(text), 0, &pol, &errs);
	is_int(rc, 0, "defaults: loads");
	is_text(errs, "", "defaults");
	free(errs);
	if (pol == NULL)
		return;
	lim = policy_limits(pol);
	ok(lim->max_frame_bytes == 4194304 && lim->drops_in_a_row == 5 &&
	   lim->idle_timeout_ms == 30000 && lim->max_connections == 1024 &&
	   lim->max_connections_per_ip == 64 && lim->clock_skew_ms == 2000,
	   "default limits");
	ok(policy_backend(pol)->connect_timeout_ms == 2000 &&
	   policy_backend(pol)->timeout_ms == 10000, "default timeouts");
	ok(policy_ingest_key(pol) == NULL, "no ingest key");
	is_int(lc_keyring_size(policy_keyring(pol)), 0, "empty keyring");
	r = policy_route(pol, 0);
	ok(r->ncontent_types == 2 && strcmp(r->content_types[0],
	                                    "video/mp2t") == 0 &&
	   strcmp(r->content_types[1], "application/vnd.apple.mpegurl") == 0,
	   "hls default content types: segments and playlists");
	r = policy_route_match(pol, "assistant", "GET", "/a/all", dev);
	ok(r != NULL && r->index == 2 && dev[0] == '\0',
	   "a literal route wins over a template");
	r = policy_route_match(pol, "assistant", "GET", "/a/cam", dev);
	ok(r != NULL && r->index == 1 && strcmp(dev, "cam") == 0,
	   "the template still matches the rest");
	test_names(pol);
	policy_free(pol);
}

/* 100,000 devices, accounts and sessions: loads, and decides right. */
static void
test_scale(void)
{
	char dir[] = "/tmp/t-policy-XXXXXX", name[64], *errs = NULL;
	const size_t n = 100000;
	const struct policy_account *a;
	const struct policy_device *d;
	struct lc_policy *pol = NULL;
	struct timespec t0, t1;
	int rc, good = 1;

	if (mkdtemp(dir) == NULL || policy_gen_dir(dir, n) != 0) {
		ok(0, "scale: writing the policy: %s", strerror(errno));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = load_path(dir, &pol, &errs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	policy_gen_remove(dir);
	is_int(rc, 0, "scale: 100k devices/accounts/sessions load");
	is_text(errs, "", "scale");
	free(errs);
	if (pol == NULL)
		return;
	snprintf(name, sizeof(name), "loaded in %.0f ms",
	         (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	         (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	diag(name);
	is_int(policy_device_count(pol), n, "scale: devices");
	is_int(policy_account_count(pol), n, "scale: accounts");
	for (size_t i = 0; i < n; i += 997) {
		snprintf(name, sizeof(name), "sess-token-%zu", i);
		a = policy_session_account(pol, name, strlen(name));
		snprintf(name, sizeof(name), "acct-%zu", i);
		good &= a != NULL && strcmp(policy_account_name(a), name) == 0;
		snprintf(name, sizeof(name), "cam-%zu", i);
		good &= policy_may_see(pol, a, name);
		snprintf(name, sizeof(name), "cam-%zu", (i + 1) % n);
		good &= policy_may_see(pol, a, name);
		snprintf(name, sizeof(name), "cam-%zu", (i + 2) % n);
		good &= !policy_may_see(pol, a, name);
		snprintf(name, sizeof(name), "dev-token-%zu", i);
		d = policy_device_by_token(pol, name, strlen(name));
		snprintf(name, sizeof(name), "cam-%zu", i);
		good &= d != NULL && strcmp(policy_device_name(d), name) == 0;
	}
	ok(good, "scale: tokens, granted and ungranted pairs, device tokens");
	ok(policy_session_account(pol, "sess-token-100000", 17) == NULL,
	   "scale: unknown token -> NULL");
	a = policy_account_by_name(pol, "acct-99999");
	ok(policy_may_see(pol, a, "cam-0") && policy_may_see(pol, a, "cam-99999")
	   && !policy_may_see(pol, a, "cam-50000"), "scale: wrap-around grant");
	policy_free(pol);
}

/* Writes text as dir/name; 0 or -1. */
static int
write_text(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Loads dir with threads parsing threads; the rc, errors in *errs. */
static int
load_threads(const char *dir, unsigned threads, char **errs)
{
	struct lc_policy *pol = NULL;
	size_t n = 0;
	FILE *f = open_memstream(errs, &n);
	int rc;

	if (f == NULL)
		abort();
	rc = policy_load_threads(dir, threads, &pol, f);
	if (fclose(f) != 0)
		abort();
	policy_free(pol);
	return rc;
}

/* Shards parsed on threads: a name in two shards is refused naming both
 * files, a broken shard is named, and the errors are the same on one
 * thread as on many, however the parsing went. */
static void
test_shards_threads(void)
{
	static const char *const extra[] = { "shard-00015b.json", "shard-00018b.json" };
	char dir[] = "/tmp/t-policy-XXXXXX", want[4096], *one = NULL, *many = NULL;
	const size_t nshards = 20;
	int rc1, rcn;

	if (mkdtemp(dir) == NULL ||
	    policy_gen_shards(dir, 6000, 3, nshards, NULL) != 0 ||
	    write_text(dir, extra[0], "{ \"devices\": { \"cam-3\": {} },\n"
	               "  \"accounts\": { \"acct-4500\": { \"devices\": [] } } }\n") != 0 ||
	    write_text(dir, extra[1], "{ \"accounts\": { \"acct-x\": 1 ] }\n") != 0) {
		ok(0, "shards: writing the policy: %s", strerror(errno));
		return;
	}
	rc1 = load_threads(dir, 1, &one);
	rcn = load_threads(dir, 4, &many);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, extra[i]);
		(void)remove(path);
	}
	policy_gen_shards_remove(dir, nshards);
	is_int(rc1, LC_EFORMAT, "shards, one thread: refused");
	is_int(rcn, LC_EFORMAT, "shards, four threads: refused");
	snprintf(want, sizeof(want),
	         "%1$s/shard-00015b.json:1:16: devices.cam-3: defined twice "
	         "(first at %1$s/shard-00000.json:5:2)\n"
	         "%1$s/shard-00015b.json:2:17: accounts.acct-4500: defined twice "
	         "(first at %1$s/shard-00015.json:904:1)\n"
	         "%1$s/shard-00018b.json:1:28: accounts: parse error: "
	         "after key and value, inside map, I expect ',' or '}'\n", dir);
	is_text(many, want, "shards, four threads");
	is_text(one, many, "shards: one thread as four");
	free(one);
	free(many);
}

/* A device's keys for the platforms: kept only when one is given (the
 * loader looks for them past "auth" alone). */
static void
test_device_info_kept(void)
{
	static const char text[] = "{" LISTENERS INGEST REST ",\n"
		"\"devices\": {\n"
		" \"cam-a\": { \"auth\": { \"token_sha256\": \"" DIGEST_A "\" } },\n"
		" \"cam-d\": { \"auth\": { \"token_sha256\": \"" HEX64A "dddddddd\" } },\n"
		" \"cam-b\": { \"auth\": { \"cert_sha256\": \"" DIGEST_A "\" },"
		" \"room\": \"Hall\" },\n"
		" \"cam-c\": { \"resolutions\": [ { \"width\": 640, \"height\": 480 } ],"
		" \"auth\": { \"token_sha256\": \"" HEX64A "bbbbbbbb\" } } } }\n";
	const struct policy_device_info *in;
	struct lc_policy *pol = NULL;
	char *errs = NULL;
	int rc;

	rc = load_text("t.json", text, strlen(text), POLICY_NO_FILES, &pol, &errs);
	is_int(rc, 0, "device info: loads");
	is_text(errs, "", "device info");
	in = policy_device_info(policy_device_by_name(pol, "cam-a"));
	ok(in == policy_device_info(policy_device_by_name(pol, "cam-d")) &&
	   in->room == NULL && in->nresolutions == 1,
	   "device info: \"auth\" alone: the shared default");
	in = policy_device_info(policy_device_by_name(pol, "cam-b"));
	ok(in != NULL && in->room != NULL && strcmp(in->room, "Hall") == 0 &&
	   in->name == NULL && in->nresolutions == 1 &&
	   in->resolutions[0].width == 1280 && in->resolutions[0].height == 720,
	   "device info: a room after \"auth\", the default resolution");
	in = policy_device_info(policy_device_by_name(pol, "cam-c"));
	ok(in != NULL && in->room == NULL && in->nresolutions == 1 &&
	   in->resolutions[0].width == 640 && in->resolutions[0].height == 480,
	   "device info: resolutions before \"auth\"");
	policy_free(pol);
	free(errs);
}

int
main(void)
{
	tap_init();
	srcdir = getenv("top_srcdir");
	if (srcdir == NULL)
		srcdir = "..";
	test_json_traps();
	test_schema();
	test_seal_schema();
	test_listener_cap();
	test_platform_routes();
	test_device_info();
	test_platform_model();
	if (!ok(make_example_dir() == 0, "a copy of policy/examples with an ingest key"))
		return tap_done();
	test_files();
	test_decisions();
	test_seal_files();
	remove_example_dir();
	test_defaults();
	test_device_info_kept();
	test_scale();
	test_shards_threads();
	return tap_done();
}
