/*
 * Unit tests for the platform fronts (proxy/platform/): Google's
 * fulfillment and Alexa's directives, each driven through front.c as the
 * assistant face drives it, answered from an in-memory policy of two
 * accounts and parsed back with yajl.  A device of another account and
 * one that does not exist must get the same answer; links must open to
 * the session's account and the device asked for; every malformed body
 * is refused.  Also the stores under them: idmap, presence, revocations.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_tree.h>

#include "assistant/capability.h"
#include "platform/alexa.h"
#include "platform/front.h"
#include "platform/google.h"
#include "platform/idmap.h"
#include "tap.h"

#define NOW 1764000000000ULL /* 2025-11-24T16:00:00.000Z */
#define ONLINE_MS 60000      /* both platform routes' online_ms */
#define HLS_LIFE 3600000     /* the policy's capability lifetimes */
#define SNAP_LIFE 60000
#define GOOGLE_URL "https://cams.example"
#define ALEXA_URL "https://cams.example:8443"

static char dir[] = "/tmp/t-platform.XXXXXX";

/*
 * alice sees cam-a1 (every optional key), cam-a2 (none) and cam-a3
 * (some); bob sees cam-b1, whose name, room and make are words no
 * answer to alice may hold, and cam-b2.  %s: the snapshot route, or
 * nothing.
 */
static const char policy_fmt[] =
	"{ \"listeners\": { \"assistant\": { \"listen\": \"127.0.0.1:8443\", \"plain\": true } },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9443\" },\n"
	"  \"capabilities\": { \"keys\": [ { \"id\": \"k1\", \"secret\": \"cap.key\" } ],\n"
	"      \"lifetime_ms\": { \"hls\": %d, \"snapshot\": %d } },\n"
	"  \"devices\": {\n"
	"    \"cam-a1\": { \"auth\": { \"token_sha256\": \"%064d\" },\n"
	"      \"name\": \"Front door\", \"room\": \"Hall\",\n"
	"      \"info\": { \"manufacturer\": \"Acme\", \"model\": \"C1\",\n"
	"                \"hw_version\": \"1.0\", \"sw_version\": \"2.3\" },\n"
	"      \"resolutions\": [ { \"width\": 1920, \"height\": 1080 },\n"
	"                       { \"width\": 1280, \"height\": 720 },\n"
	"                       { \"width\": 640, \"height\": 360 } ] },\n"
	"    \"cam-a2\": { \"auth\": { \"token_sha256\": \"%064d\" } },\n"
	"    \"cam-a3\": { \"auth\": { \"token_sha256\": \"%064d\" },\n"
	"      \"name\": \"Garden\", \"info\": { \"model\": \"C2\" } },\n"
	"    \"cam-b1\": { \"auth\": { \"token_sha256\": \"%064d\" },\n"
	"      \"name\": \"Bobsname\", \"room\": \"Bobsroom\",\n"
	"      \"info\": { \"manufacturer\": \"Bobsmake\", \"model\": \"Bobsmodel\" } },\n"
	"    \"cam-b2\": { \"auth\": { \"token_sha256\": \"%064d\" } } },\n"
	"  \"accounts\": { \"alice\": { \"devices\": [\"cam-a1\", \"cam-a2\", \"cam-a3\"] },\n"
	"                \"bob\": { \"devices\": [\"cam-b1\", \"cam-b2\"] } },\n"
	"  \"routes\": [\n"
	"    { \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/google\",\n"
	"      \"platform\": \"google\", \"public_url\": \"" GOOGLE_URL "\", \"online_ms\": 60000 },\n"
	"    { \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/alexa\",\n"
	"      \"platform\": \"alexa\", \"public_url\": \"" ALEXA_URL "\", \"online_ms\": 60000 },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\", \"path\": \"/h/{device}/{name}\",\n"
	"      \"backend\": \"/hls/{device}/{name}\", \"media\": \"hls\" }%s ] }\n";

static const char snapshot_route[] =
	",\n    { \"face\": \"assistant\", \"method\": \"GET\", \"path\": \"/p/{device}/snap\",\n"
	"      \"backend\": \"/f/{device}\", \"media\": \"snapshot\" }";

static struct lc_policy *pol;        /* with the snapshot route */
static struct lc_policy *pol_nosnap; /* without */
static struct lc_policy *pol_other;  /* with other lifetimes */
static const struct policy_account *alice, *bob;
static const struct policy_account *alice_nosnap; /* alice in pol_nosnap */
static struct presence *pres;
static struct revocations *rv;

/* ---- set-up ------------------------------------------------------------------ */

/* The policy above with these lifetimes, with or without the snapshot
 * route; NULL if it does not load. */
static struct lc_policy *
load_policy(int hls_life, int snap_life, int with_snapshot)
{
	char text[8192], name[sizeof(dir) + 16];
	struct lc_policy *p = NULL;
	int n;

	n = snprintf(text, sizeof(text), policy_fmt, hls_life, snap_life, 1, 2, 3, 4, 5,
	             with_snapshot ? snapshot_route : "");
	(void)snprintf(name, sizeof(name), "%s/p.json", dir);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    policy_load_mem(name, text, (size_t)n, 0, &p, stdout) != 0)
		return NULL;
	return p;
}

/* p's route of platform. */
static const struct policy_route *
route_of(const struct lc_policy *p, int platform)
{
	for (size_t i = 0; i < policy_route_count(p); i++)
		if (policy_route(p, i)->platform == platform)
			return policy_route(p, i);
	abort();
}

/* A request of acct at now to p's route of platform. */
static struct platform_ctx
ctx_of(const struct lc_policy *p, int platform, const struct policy_account *acct,
       uint64_t now)
{
	struct platform_ctx c = { p, route_of(p, platform), acct, now, pres, rv, 0, 0 };

	return c;
}

#define G(acct) ctx_of(pol, POLICY_PLATFORM_GOOGLE, (acct), NOW)
#define A(acct) ctx_of(pol, POLICY_PLATFORM_ALEXA, (acct), NOW)

/* ---- JSON of the answers ------------------------------------------------------- */

/* Whether every object in v has distinct keys (yajl_tree keeps both). */
static int
no_duplicate_keys(yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		for (size_t i = 0; i < v->u.object.len; i++) {
			for (size_t j = 0; j < i; j++)
				if (strcmp(v->u.object.keys[i], v->u.object.keys[j]) == 0)
					return 0;
			if (!no_duplicate_keys(v->u.object.values[i]))
				return 0;
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++)
			if (!no_duplicate_keys(v->u.array.values[i]))
				return 0;
	}
	return 1;
}

#define P(...) ((const char *[]){ __VA_ARGS__, NULL })

static yajl_val
get(yajl_val v, const char **path)
{
	return v != NULL ? yajl_tree_get(v, path, yajl_t_any) : NULL;
}

/* v's text if it is a string, else "". */
static const char *
sval(yajl_val v)
{
	return YAJL_IS_STRING(v) ? v->u.string : "";
}

/* The string at path, or "" if there is none. */
static const char *
str_at(yajl_val v, const char **path)
{
	return sval(get(v, path));
}

static long long
int_at(yajl_val v, const char **path)
{
	yajl_val n = get(v, path);

	return YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : -1;
}

/* 1 for true, 0 for false, -1 for anything else. */
static int
bool_at(yajl_val v, const char **path)
{
	yajl_val b = get(v, path);

	return YAJL_IS_TRUE(b) ? 1 : YAJL_IS_FALSE(b) ? 0 : -1;
}

/* Element i of the array v, or NULL. */
static yajl_val
elem(yajl_val v, size_t i)
{
	return YAJL_IS_ARRAY(v) && i < v->u.array.len ? v->u.array.values[i] : NULL;
}

static size_t
count(yajl_val v)
{
	return YAJL_IS_ARRAY(v) ? v->u.array.len : YAJL_IS_OBJECT(v) ? v->u.object.len : 0;
}

/* Whether the array v holds exactly the strings of the NULL-ended want. */
static int
strings_are(yajl_val v, const char **want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++) {
		yajl_val e = elem(v, n);

		if (!YAJL_IS_STRING(e) || strcmp(sval(e), want[n]) != 0)
			return 0;
	}
	return count(v) == n && YAJL_IS_ARRAY(v);
}

/* ---- asking ------------------------------------------------------------------ */

/* An answer: its status, its text (NUL-terminated), its tree. */
struct answer {
	unsigned status;
	char *text;
	yajl_val root;
	unsigned asked, answered;
};

static void
answer_free(struct answer *a)
{
	free(a->text);
	yajl_tree_free(a->root);
	memset(a, 0, sizeof(*a));
}

/* Takes the answer front.c made (len bytes, not NUL-terminated) into a:
 * it must end in one newline, be JSON and hold no duplicate key. */
static int
take(struct answer *a, char *body, size_t len, const char *what)
{
	char err[256];

	if (!ok(body != NULL && len > 1 && body[len - 1] == '\n', "%s: an answer", what)) {
		free(body);
		return -1;
	}
	if ((a->text = malloc(len + 1)) == NULL)
		abort();
	memcpy(a->text, body, len);
	a->text[len] = '\0';
	free(body);
	a->root = yajl_tree_parse(a->text, err, sizeof(err));
	if (!ok(a->root != NULL && YAJL_IS_OBJECT(a->root), "%s: a JSON object", what)) {
		printf("#   %s\n#   %s\n", err, a->text);
		return -1;
	}
	ok(no_duplicate_keys(a->root), "%s: no key twice", what);
	return 0;
}

static char last_token[64]; /* the token the last request named */

/*
 * Sends req to ctx's route as the assistant face does (front_body,
 * front_parse, front_answer) and fills a.  -1 (after a failed check)
 * when it is refused.
 */
static int
ask(struct platform_ctx ctx, const char *req, struct answer *a, const char *what)
{
	struct front *f = front_new(ctx.route->platform);
	const char *why, *tok;
	char *out;
	size_t len;
	int rc;

	memset(a, 0, sizeof(*a));
	if (f == NULL)
		abort();
	if (front_body(f, req, strlen(req)) != 0 ||
	    (why = front_parse(f, "google-bearer", &tok)) != NULL) {
		ok(0, "%s: parsed", what);
		front_free(f);
		return -1;
	}
	(void)snprintf(last_token, sizeof(last_token), "%s", tok != NULL ? tok : "");
	a->status = front_answer(f, &ctx, &out, &len);
	a->asked = ctx.asked;
	a->answered = ctx.answered;
	rc = take(a, out, len, what);
	front_free(f);
	return rc;
}

/* req's (len bytes) refusal by front_parse(): the phrase, or NULL when
 * it parses. */
static const char *
refused_n(int platform, const char *req, size_t len)
{
	static char why[128];
	struct front *f = front_new(platform);
	const char *w, *tok;

	if (f == NULL)
		abort();
	if (front_body(f, req, len) != 0) {
		front_free(f);
		return "(too large for front_body)";
	}
	w = front_parse(f, NULL, &tok);
	(void)snprintf(why, sizeof(why), "%s", w != NULL ? w : "");
	front_free(f);
	return w != NULL ? why : NULL;
}

static const char *
refused(int platform, const char *req)
{
	return refused_n(platform, req, strlen(req));
}

/* Whether req parses and names a token, the session to check (none: the
 * session is refused, 401, not the request). */
static int
has_token(int platform, const char *req)
{
	struct front *f = front_new(platform);
	const char *tok = NULL;
	int yes;

	if (f == NULL)
		abort();
	yes = front_body(f, req, strlen(req)) == 0 && front_parse(f, NULL, &tok) == NULL &&
	      tok != NULL;
	front_free(f);
	return yes;
}

/* text with every id replaced by "<id>" and every messageId's value by
 * "<mid>": what must be the same for two devices that may not be seen. */
static char *
normalized(const char *text, const char *id)
{
	static const char mid[] = "\"messageId\":\"";
	size_t n = strlen(text), idn = strlen(id), o = 0;
	char *out = malloc(2 * n + 64);

	if (out == NULL)
		abort();
	for (size_t i = 0; i < n;) {
		if (strncmp(text + i, id, idn) == 0) {
			o += (size_t)sprintf(out + o, "<id>");
			i += idn;
		} else if (strncmp(text + i, mid, sizeof(mid) - 1) == 0) {
			o += (size_t)sprintf(out + o, "%s<mid>", mid);
			i += sizeof(mid) - 1;
			while (i < n && text[i] != '"')
				i++;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* Whether a and b are the same but for id_a in a and id_b in b. */
static int
same_but_id(const struct answer *a, const char *id_a, const struct answer *b,
            const char *id_b)
{
	char *na = normalized(a->text, id_a), *nb = normalized(b->text, id_b);
	int same = strcmp(na, nb) == 0 && a->status == b->status &&
	           a->asked == b->asked && a->answered == b->answered;

	if (!same)
		printf("#   %s#   %s", a->text, b->text);
	free(na);
	free(nb);
	return same;
}

/* Opens the capability URL url, which must start with prefix and end in
 * "/" file, into cl; its verdict, or -1 when it is no capability URL. */
static int
open_link(const char *url, const char *prefix, const char *file,
          struct capability_claims *cl)
{
	const struct capability_key *keys;
	const char *cap, *end;
	size_t nkeys, n = strlen(prefix);

	keys = policy_capability_keys(pol, &nkeys);
	if (strncmp(url, prefix, n) != 0 || strncmp(url + n, "/s/", 3) != 0)
		return -1;
	cap = url + n + 3;
	if ((end = strchr(cap, '/')) == NULL || strcmp(end + 1, file) != 0)
		return -1;
	return capability_open(cap, (size_t)(end - cap), keys, nkeys, NOW, cl);
}

/* Whether url opens, at NOW, to account's device of kind expiring at
 * expires. */
static int
link_is(const char *url, const char *prefix, const char *account, const char *device,
        int kind, uint64_t expires)
{
	struct capability_claims cl;

	if (open_link(url, prefix, kind == LC_KIND_HLS ? "index.m3u8" : "snapshot.jpg",
	              &cl) != CAPABILITY_OK)
		return 0;
	return strcmp(cl.account, account) == 0 && strcmp(cl.device, device) == 0 &&
	       cl.kind == kind && cl.expires_ms == expires;
}

/* ---- request bodies ------------------------------------------------------------ */

static char body[200000];

/* Formats into the shared body buffer. */
__attribute__((format(printf, 1, 2))) static const char *
fmt(const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(body, sizeof(body), f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(body))
		abort();
	return body;
}

#define GOOGLE_SYNC_BODY \
	"{\"requestId\":\"r-1\",\"inputs\":[{\"intent\":\"action.devices.SYNC\"}]}"
#define GOOGLE_DISCONNECT_BODY \
	"{\"requestId\":\"r-1\",\"inputs\":[{\"intent\":\"action.devices.DISCONNECT\"}]}"
#define STREAM_EXEC \
	"{\"command\":\"action.devices.commands.GetCameraStream\",\"params\":" \
	"{\"StreamToChromecast\":true,\"SupportedStreamProtocols\":" \
	"[\"progressive_mp4\",\"hls\",\"dash\"]}}"

/* "[{"id":..},..]" for the NULL-ended ids. */
static char *
device_list(const char **ids)
{
	size_t n = 3;
	char *s;

	for (size_t i = 0; ids[i] != NULL; i++)
		n += strlen(ids[i]) + 32;
	if ((s = malloc(n)) == NULL)
		abort();
	strcpy(s, "[");
	for (size_t i = 0; ids[i] != NULL; i++)
		sprintf(s + strlen(s), "%s{\"id\":\"%s\",\"customData\":{}}", i ? "," : "",
		        ids[i]);
	strcat(s, "]");
	return s;
}

static const char *
google_query(const char **ids)
{
	char *list = device_list(ids);

	fmt("{\"requestId\":\"r-1\",\"inputs\":[{\"intent\":\"action.devices.QUERY\","
	    "\"payload\":{\"devices\":%s}}]}", list);
	free(list);
	return body;
}

/* An EXECUTE of one command for ids with executions (a JSON array). */
static const char *
google_execute(const char **ids, const char *executions)
{
	char *list = device_list(ids);

	fmt("{\"requestId\":\"r-1\",\"inputs\":[{\"intent\":\"action.devices.EXECUTE\","
	    "\"payload\":{\"commands\":[{\"devices\":%s,\"execution\":%s}]}}]}",
	    list, executions);
	free(list);
	return body;
}

#define SCOPE "{\"type\":\"BearerToken\",\"token\":\"tok-alice\"}"
#define CORR "dFMb0z+PgpgdDmluhJ1LddFvSqZ/jCc8ptlAKulUj90jSqg=="

/* A directive ns.name for endpoint (NULL: none) with payload. */
static const char *
alexa_directive(const char *ns, const char *name, const char *endpoint, const char *payload)
{
	char ep[256] = "";

	if (endpoint != NULL)
		(void)snprintf(ep, sizeof(ep), "\"endpoint\":{\"scope\":" SCOPE
		               ",\"endpointId\":\"%s\",\"cookie\":{}},", endpoint);
	return fmt("{\"directive\":{\"header\":{\"namespace\":\"%s\",\"name\":\"%s\","
	           "\"payloadVersion\":\"3\",\"messageId\":\"m-1\","
	           "\"correlationToken\":\"" CORR "\"},%s\"payload\":%s}}",
	           ns, name, ep, payload);
}

#define DISCOVER_BODY alexa_directive("Alexa.Discovery", "Discover", NULL, \
                                      "{\"scope\":" SCOPE "}")
#define STREAMS(ep, streams) alexa_directive("Alexa.CameraStreamController", \
	"InitializeCameraStreams", (ep), "{\"cameraStreams\":" streams "}")
#define SNAPSHOT(ep) alexa_directive("Alexa.SmartVision.SnapshotProvider", \
	"GetSnapshot", (ep), "{}")
#define REPORT(ep) alexa_directive("Alexa", "ReportState", (ep), "{}")
#define HLS720 "{\"protocol\":\"HLS\",\"resolution\":{\"width\":1280,\"height\":720}," \
	"\"authorizationType\":\"NONE\",\"videoCodec\":\"H264\",\"audioCodec\":\"AAC\"}"

/* ---- Google ------------------------------------------------------------------ */

/* A SYNC device as the policy describes it. */
static void
check_sync_device(yajl_val d, const char *id, const char *name, const char *room,
                  const char **info)
{
	static const char *const info_keys[] = { "manufacturer", "model", "hwVersion",
		"swVersion" };
	yajl_val di = get(d, P("deviceInfo"));
	int info_ok = 1, any = 0;

	ok(strcmp(str_at(d, P("id")), id) == 0, "SYNC %s: id", id);
	ok(strcmp(str_at(d, P("type")), "action.devices.types.CAMERA") == 0 &&
	   strings_are(get(d, P("traits")), P("action.devices.traits.CameraStream")),
	   "SYNC %s: a camera with CameraStream", id);
	ok(strcmp(str_at(d, P("name", "name")), name) == 0, "SYNC %s: name \"%s\"", id, name);
	if (room != NULL)
		ok(strcmp(str_at(d, P("roomHint")), room) == 0, "SYNC %s: roomHint", id);
	else
		ok(get(d, P("roomHint")) == NULL, "SYNC %s: no roomHint", id);
	ok(strings_are(get(d, P("attributes", "cameraStreamSupportedProtocols")), P("hls")) &&
	   bool_at(d, P("attributes", "cameraStreamNeedAuthToken")) == 0 &&
	   bool_at(d, P("willReportState")) == 0, "SYNC %s: hls, no auth token", id);
	for (size_t i = 0; i < 4; i++) {
		yajl_val v = get(di, (const char *[]){ info_keys[i], NULL });

		any |= info[i] != NULL;
		info_ok &= info[i] != NULL ? YAJL_IS_STRING(v) && strcmp(sval(v), info[i]) == 0
		                           : v == NULL;
	}
	ok(info_ok && (any ? count(di) > 0 : di == NULL), "SYNC %s: deviceInfo", id);
}

static void
test_sync(void)
{
	struct answer a = { 0 };
	yajl_val devs;

	if (ask(G(alice), GOOGLE_SYNC_BODY, &a, "SYNC alice") != 0)
		return;
	is_int(a.status, 200, "SYNC: 200");
	ok(strcmp(str_at(a.root, P("requestId")), "r-1") == 0, "SYNC: requestId echoed");
	ok(strcmp(str_at(a.root, P("payload", "agentUserId")), "alice") == 0,
	   "SYNC: agentUserId is the account");
	devs = get(a.root, P("payload", "devices"));
	is_int(count(devs), 3, "SYNC: alice's three devices, no more");
	check_sync_device(elem(devs, 0), "cam-a1", "Front door", "Hall",
	                  P("Acme", "C1", "1.0", "2.3"));
	check_sync_device(elem(devs, 1), "cam-a2", "cam-a2", NULL,
	                  (const char *[]){ NULL, NULL, NULL, NULL });
	check_sync_device(elem(devs, 2), "cam-a3", "Garden", NULL,
	                  (const char *[]){ NULL, "C2", NULL, NULL });
	ok(strstr(a.text, "cam-b") == NULL && strstr(a.text, "Bobs") == NULL,
	   "SYNC: nothing of bob's cameras");
	is_int(a.answered, 3, "SYNC: answered 3");
	answer_free(&a);

	if (ask(G(bob), GOOGLE_SYNC_BODY, &a, "SYNC bob") != 0)
		return;
	devs = get(a.root, P("payload", "devices"));
	ok(count(devs) == 2 && strcmp(str_at(elem(devs, 0), P("id")), "cam-b1") == 0 &&
	   strcmp(str_at(elem(devs, 1), P("id")), "cam-b2") == 0 &&
	   strcmp(str_at(a.root, P("payload", "agentUserId")), "bob") == 0,
	   "SYNC bob: cam-b1 and cam-b2");
	ok(strstr(a.text, "cam-a") == NULL && strstr(a.text, "Front door") == NULL,
	   "SYNC bob: nothing of alice's cameras");
	answer_free(&a);
}

/* QUERY's entry for id: "online" (true), "offline" (online false),
 * "notfound" (ERROR deviceNotFound), or "?" */
static const char *
query_state(yajl_val root, const char *id)
{
	yajl_val e = get(root, P("payload", "devices", id));

	if (count(e) == 2 && strcmp(str_at(e, P("status")), "SUCCESS") == 0)
		return bool_at(e, P("online")) == 1 ? "online" :
		       bool_at(e, P("online")) == 0 ? "offline" : "?";
	if (count(e) == 2 && strcmp(str_at(e, P("status")), "ERROR") == 0 &&
	    strcmp(str_at(e, P("errorCode")), "deviceNotFound") == 0)
		return "notfound";
	return "?";
}

static void
test_query(void)
{
	static const struct { const char *id, *state; } want[] = {
		{ "cam-a1", "online" }, { "cam-a2", "offline" }, { "cam-a3", "offline" },
		{ "cam-b1", "notfound" }, { "cam-zz", "notfound" }, { "../x", "notfound" },
	};
	const char *ids[258];
	char names[257][8];
	struct answer a = { 0 }, b = { 0 };
	int good = 1;

	/* cam-a1 pushed within online_ms, just; cam-a3 just before it;
	 * cam-a2 never; bob's cam-b1 did, which must change nothing. */
	presence_seen(pres, "cam-a1", NOW - ONLINE_MS);
	presence_seen(pres, "cam-a3", NOW - ONLINE_MS - 1);
	presence_seen(pres, "cam-b1", NOW);
	if (ask(G(alice), google_query(P("cam-a1", "cam-a2", "cam-a3", "cam-b1", "cam-zz",
	                                 "../x")), &a, "QUERY six") != 0)
		return;
	is_int(a.status, 200, "QUERY: 200");
	ok(strcmp(str_at(a.root, P("requestId")), "r-1") == 0, "QUERY: requestId echoed");
	is_int(count(get(a.root, P("payload", "devices"))), 6, "QUERY: six entries");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(strcmp(query_state(a.root, want[i].id), want[i].state) == 0,
		   "QUERY %s: %s", want[i].id, want[i].state);
	ok(a.asked == 6 && a.answered == 3, "QUERY: asked 6, answered 3");
	answer_free(&a);

	/* Another account's device, online, and one that does not exist:
	 * the same answer but for the id. */
	if (ask(G(alice), google_query(P("cam-b1")), &a, "QUERY cam-b1") == 0 &&
	    ask(G(alice), google_query(P("cam-z9")), &b, "QUERY cam-z9") == 0)
		ok(same_but_id(&a, "cam-b1", &b, "cam-z9"),
		   "QUERY: bob's camera and no camera answer alike");
	answer_free(&a);
	answer_free(&b);

	/* Each id answered once, however often asked. */
	if (ask(G(alice), google_query(P("cam-a1", "cam-b1", "cam-a1", "cam-b1", "cam-a1")),
	        &a, "QUERY duplicates") == 0) {
		ok(count(get(a.root, P("payload", "devices"))) == 2 &&
		   strcmp(query_state(a.root, "cam-a1"), "online") == 0 &&
		   strcmp(query_state(a.root, "cam-b1"), "notfound") == 0,
		   "QUERY duplicates: one entry per id");
		ok(a.asked == 5 && a.answered == 1, "QUERY duplicates: asked 5, answered 1");
	}
	answer_free(&a);

	/* 256 devices: the limit; 257: refused. */
	for (int i = 0; i < 257; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "d-%03d", i);
		ids[i] = names[i];
	}
	ids[256] = NULL;
	if (ask(G(alice), google_query(ids), &a, "QUERY 256") == 0) {
		for (int i = 0; i < 256; i++)
			good &= strcmp(query_state(a.root, names[i]), "notfound") == 0;
		ok(good && count(get(a.root, P("payload", "devices"))) == 256,
		   "QUERY of 256 devices: each answered");
	}
	answer_free(&a);
	ids[256] = names[256];
	ids[257] = NULL;
	ok(refused(POLICY_PLATFORM_GOOGLE, google_query(ids)) != NULL,
	   "QUERY of 257 devices: refused");
}

/* EXECUTE's result i: "stream" (SUCCESS with a link), an error code, or "?";
 * the link in url. */
static const char *
exec_result(yajl_val root, size_t i, const char *id, const char **url)
{
	yajl_val r = elem(get(root, P("payload", "commands")), i);

	*url = "";
	if (!strings_are(get(r, P("ids")), (const char *[]){ id, NULL }))
		return "?";
	if (strcmp(str_at(r, P("status")), "SUCCESS") == 0 && count(r) == 3 &&
	    strcmp(str_at(r, P("states", "cameraStreamProtocol")), "hls") == 0 &&
	    count(get(r, P("states"))) == 2) {
		*url = str_at(r, P("states", "cameraStreamAccessUrl"));
		return "stream";
	}
	if (strcmp(str_at(r, P("status")), "ERROR") == 0 && count(r) == 3)
		return str_at(r, P("errorCode"));
	return "?";
}

/* One device, one execution list: the result's word. */
static void
expect_exec(struct platform_ctx ctx, const char *id, const char *executions,
            const char *want, const char *what)
{
	struct answer a = { 0 };
	const char *url;

	if (ask(ctx, google_execute((const char *[]){ id, NULL }, executions), &a, what) != 0)
		return;
	ok(count(get(a.root, P("payload", "commands"))) == 1 &&
	   strcmp(exec_result(a.root, 0, id, &url), want) == 0, "%s: %s", what, want);
	answer_free(&a);
}

static void
test_execute(void)
{
	struct platform_ctx always = G(alice);
	struct policy_route r0;
	struct answer a = { 0 }, b = { 0 };
	const char *url;

	if (ask(G(alice), google_execute(P("cam-a1"), "[" STREAM_EXEC "]"), &a,
	        "EXECUTE cam-a1") != 0)
		return;
	is_int(a.status, 200, "EXECUTE: 200");
	ok(strcmp(str_at(a.root, P("requestId")), "r-1") == 0, "EXECUTE: requestId echoed");
	ok(strcmp(exec_result(a.root, 0, "cam-a1", &url), "stream") == 0,
	   "EXECUTE cam-a1: a stream");
	ok(link_is(url, GOOGLE_URL, "alice", "cam-a1", LC_KIND_HLS, NOW + HLS_LIFE),
	   "EXECUTE cam-a1: the link is alice's hls capability for cam-a1");
	ok(a.asked == 1 && a.answered == 1, "EXECUTE: asked 1, answered 1");
	answer_free(&a);

	if (ask(G(alice), google_execute(P("cam-b1"), "[" STREAM_EXEC "]"), &a,
	        "EXECUTE cam-b1") == 0 &&
	    ask(G(alice), google_execute(P("cam-z9"), "[" STREAM_EXEC "]"), &b,
	        "EXECUTE cam-z9") == 0) {
		ok(strcmp(exec_result(a.root, 0, "cam-b1", &url), "deviceNotFound") == 0,
		   "EXECUTE bob's camera: deviceNotFound");
		ok(same_but_id(&a, "cam-b1", &b, "cam-z9"),
		   "EXECUTE: bob's camera and no camera answer alike");
	}
	answer_free(&a);
	answer_free(&b);

	/* What is said of a device that may not be seen comes first. */
	expect_exec(G(alice), "cam-b1", "[{\"command\":\"action.devices.commands.OnOff\"}]",
	            "deviceNotFound", "EXECUTE OnOff on bob's camera");
	expect_exec(G(alice), "cam-b2", "[" STREAM_EXEC "]", "deviceNotFound",
	            "EXECUTE bob's offline camera");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.OnOff\",\"params\":{\"on\":true}}]",
	            "functionNotSupported", "EXECUTE OnOff");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.GetCameraStream\",\"params\":"
	            "{\"SupportedStreamProtocols\":[\"progressive_mp4\",\"dash\"]}}]",
	            "functionNotSupported", "EXECUTE without \"hls\"");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.GetCameraStream\",\"params\":"
	            "{\"SupportedStreamProtocols\":[]}}]",
	            "functionNotSupported", "EXECUTE with no protocol");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.GetCameraStream\",\"params\":"
	            "{\"SupportedStreamProtocols\":\"hls\"}}]",
	            "functionNotSupported", "EXECUTE with protocols not an array");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.GetCameraStream\",\"params\":"
	            "{\"SupportedStreamProtocols\":[\"HLS\"]}}]",
	            "functionNotSupported", "EXECUTE with \"HLS\" (protocols are lower case)");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.GetCameraStream\"}]",
	            "stream", "EXECUTE without params");
	expect_exec(G(alice), "cam-a1",
	            "[{\"command\":\"action.devices.commands.OnOff\"}," STREAM_EXEC "]",
	            "stream", "EXECUTE with OnOff and GetCameraStream");
	expect_exec(G(alice), "cam-a2", "[" STREAM_EXEC "]", "deviceOffline",
	            "EXECUTE a camera that never pushed");
	expect_exec(G(alice), "cam-a3", "[" STREAM_EXEC "]", "deviceOffline",
	            "EXECUTE a camera that pushed 1 ms too long ago");
	r0 = *always.route;
	r0.online_ms = 0;
	always.route = &r0;
	expect_exec(always, "cam-a2", "[" STREAM_EXEC "]", "stream",
	            "EXECUTE with online_ms 0: never pushed, online");

	/* Several devices, several commands: each device answered once, where
	 * it is first named, with a stream if any command naming it asks. */
	fmt("{\"requestId\":\"r-2\",\"inputs\":[{\"intent\":\"action.devices.EXECUTE\","
	    "\"payload\":{\"commands\":["
	    "{\"devices\":[{\"id\":\"cam-a1\"},{\"id\":\"cam-a2\"},{\"id\":\"cam-b1\"}],"
	    "\"execution\":[{\"command\":\"action.devices.commands.OnOff\"}]},"
	    "{\"devices\":[{\"id\":\"cam-a1\"},{\"id\":\"cam-a1\"},{\"id\":\"cam-a3\"}],"
	    "\"execution\":[" STREAM_EXEC "]}]}}]}");
	if (ask(G(alice), body, &a, "EXECUTE several") == 0) {
		ok(count(get(a.root, P("payload", "commands"))) == 4 &&
		   strcmp(exec_result(a.root, 0, "cam-a1", &url), "stream") == 0 &&
		   strcmp(exec_result(a.root, 1, "cam-a2", &url), "functionNotSupported") == 0 &&
		   strcmp(exec_result(a.root, 2, "cam-b1", &url), "deviceNotFound") == 0 &&
		   strcmp(exec_result(a.root, 3, "cam-a3", &url), "deviceOffline") == 0,
		   "EXECUTE several: one result per distinct device, in order");
		ok(a.asked == 6 && a.answered == 1, "EXECUTE several: asked 6, answered 1");
		ok(strcmp(str_at(a.root, P("requestId")), "r-2") == 0, "EXECUTE several: requestId");
	}
	answer_free(&a);

	/* The same device twice in one command: one result, one link. */
	if (ask(G(alice), google_execute(P("cam-a1", "cam-a1"), "[" STREAM_EXEC "]"), &a,
	        "EXECUTE duplicate ids") == 0) {
		ok(count(get(a.root, P("payload", "commands"))) == 1 &&
		   strcmp(exec_result(a.root, 0, "cam-a1", &url), "stream") == 0 &&
		   link_is(url, GOOGLE_URL, "alice", "cam-a1", LC_KIND_HLS, NOW + HLS_LIFE) &&
		   a.asked == 2 && a.answered == 1,
		   "EXECUTE duplicate ids: answered once, with one link");
	}
	answer_free(&a);

	/* 256 devices over two commands: the limit; 257: refused. */
	{
		const char *ids[130];
		char *l128, *l129;

		for (int i = 0; i < 129; i++)
			ids[i] = "cam-a1";
		ids[128] = NULL;
		l128 = device_list(ids);
		ids[128] = "cam-a1";
		ids[129] = NULL;
		l129 = device_list(ids);
		fmt("{\"requestId\":\"r\",\"inputs\":[{\"intent\":\"action.devices.EXECUTE\","
		    "\"payload\":{\"commands\":[{\"devices\":%s,\"execution\":[" STREAM_EXEC
		    "]},{\"devices\":%s,\"execution\":[" STREAM_EXEC "]}]}}]}", l128, l128);
		if (ask(G(alice), body, &a, "EXECUTE 256 devices") == 0)
			ok(count(get(a.root, P("payload", "commands"))) == 1 && a.asked == 256 &&
			   a.answered == 1,
			   "EXECUTE 256 devices over two commands: the one device answered once");
		answer_free(&a);
		fmt("{\"requestId\":\"r\",\"inputs\":[{\"intent\":\"action.devices.EXECUTE\","
		    "\"payload\":{\"commands\":[{\"devices\":%s,\"execution\":[" STREAM_EXEC
		    "]},{\"devices\":%s,\"execution\":[" STREAM_EXEC "]}]}}]}", l128, l129);
		ok(refused(POLICY_PLATFORM_GOOGLE, body) != NULL,
		   "EXECUTE of 257 devices over two commands: refused");
		free(l128);
		free(l129);
	}
}

/* The expiry of the capability url of kind (0 if it opens to none). */
static uint64_t
expiry_of(const char *url, const char *prefix, int kind)
{
	struct capability_claims cl;

	if (open_link(url, prefix, kind == LC_KIND_HLS ? "index.m3u8" : "snapshot.jpg",
	              &cl) != CAPABILITY_OK)
		return 0;
	return cl.expires_ms;
}

/* The link an EXECUTE (Google) or GetSnapshot (Alexa) gives alice for
 * cam-a1 at now; its expiry. */
static uint64_t
minted_at(uint64_t now, int kind)
{
	struct answer a = { 0 };
	uint64_t e = 0;
	const char *url;

	if (kind == LC_KIND_HLS) {
		if (ask(ctx_of(pol, POLICY_PLATFORM_GOOGLE, alice, now),
		        google_execute(P("cam-a1"), "[" STREAM_EXEC "]"), &a, "EXECUTE") == 0 &&
		    strcmp(exec_result(a.root, 0, "cam-a1", &url), "stream") == 0)
			e = expiry_of(url, GOOGLE_URL, LC_KIND_HLS);
	} else if (ask(ctx_of(pol, POLICY_PLATFORM_ALEXA, alice, now), SNAPSHOT("cam-a1"),
	               &a, "GetSnapshot") == 0) {
		e = expiry_of(str_at(a.root, P("event", "payload", "imageUri")), ALEXA_URL,
		              LC_KIND_SNAPSHOT);
	}
	answer_free(&a);
	return e;
}

static void
test_disconnect(void)
{
	const uint64_t r = NOW + 10; /* the moment of the DISCONNECT */
	uint64_t hls_before, snap_before, hls_after, snap_after;
	struct answer a = { 0 };

	presence_seen(pres, "cam-a1", r + 1);
	hls_before = minted_at(NOW, LC_KIND_HLS);
	snap_before = minted_at(NOW, LC_KIND_SNAPSHOT);
	ok(hls_before == NOW + HLS_LIFE && snap_before == NOW + SNAP_LIFE,
	   "DISCONNECT: links minted before it");
	ok(!revocations_has(rv, "alice", LC_KIND_HLS, hls_before),
	   "before DISCONNECT: nothing revoked");
	if (ask(ctx_of(pol, POLICY_PLATFORM_GOOGLE, alice, r), GOOGLE_DISCONNECT_BODY, &a,
	        "DISCONNECT") != 0)
		return;
	ok(a.status == 200 && strcmp(a.text, "{}\n") == 0, "DISCONNECT: 200 {}");
	answer_free(&a);
	hls_after = minted_at(r + 1, LC_KIND_HLS);
	snap_after = minted_at(r + 1, LC_KIND_SNAPSHOT);
	ok(revocations_has(rv, "alice", LC_KIND_HLS, hls_before) &&
	   revocations_has(rv, "alice", LC_KIND_SNAPSHOT, snap_before),
	   "DISCONNECT: links minted before it are revoked");
	ok(revocations_has(rv, "alice", LC_KIND_HLS, r + HLS_LIFE) &&
	   revocations_has(rv, "alice", LC_KIND_SNAPSHOT, r + SNAP_LIFE),
	   "DISCONNECT: a link minted in its very millisecond is revoked");
	ok(hls_after == r + 1 + HLS_LIFE && !revocations_has(rv, "alice", LC_KIND_HLS, hls_after),
	   "DISCONNECT: an hls link minted after it holds");
	ok(snap_after == r + 1 + SNAP_LIFE &&
	   !revocations_has(rv, "alice", LC_KIND_SNAPSHOT, snap_after),
	   "DISCONNECT: a snapshot link minted after it holds");
	ok(revocations_has(rv, "alice", LC_KIND_HLS, snap_after),
	   "DISCONNECT: per kind: that expiry is within the hls lifetime, revoked");
	ok(!revocations_has(rv, "bob", LC_KIND_HLS, hls_before) &&
	   !revocations_has(rv, "bob", LC_KIND_SNAPSHOT, snap_before),
	   "DISCONNECT: another account's links hold");
	ok(revocations_has(rv, "alice", 0, UINT64_MAX) &&
	   revocations_has(rv, "alice", 99, UINT64_MAX) &&
	   !revocations_has(rv, "bob", 0, UINT64_MAX),
	   "DISCONNECT: a kind it does not know: the account is revoked");
}

/* ---- Alexa ------------------------------------------------------------------- */

/* Whether the event's header is ns.name, version 3, a UUID v4 messageId,
 * and the correlationToken corr (NULL: none). */
static int
header_is(yajl_val root, const char *ns, const char *name, const char *corr)
{
	yajl_val h = get(root, P("event", "header"));
	const char *mid = str_at(h, P("messageId"));
	int uuid = strlen(mid) == 36 && mid[8] == '-' && mid[13] == '-' && mid[14] == '4' &&
	           mid[18] == '-' && strchr("89ab", mid[19]) != NULL && mid[23] == '-';

	if (!uuid || strcmp(str_at(h, P("namespace")), ns) != 0 ||
	    strcmp(str_at(h, P("name")), name) != 0 ||
	    strcmp(str_at(h, P("payloadVersion")), "3") != 0)
		return 0;
	return corr != NULL ? count(h) == 5 && strcmp(str_at(h, P("correlationToken")), corr) == 0
	                    : count(h) == 4;
}

/* The interface named of a discovered endpoint, or NULL. */
static yajl_val
interface_of(yajl_val ep, const char *name)
{
	yajl_val caps = get(ep, P("capabilities"));

	for (size_t i = 0; i < count(caps); i++)
		if (strcmp(str_at(elem(caps, i), P("interface")), name) == 0 &&
		    strcmp(str_at(elem(caps, i), P("type")), "AlexaInterface") == 0)
			return elem(caps, i);
	return NULL;
}

/* Whether the array v holds the resolutions of wh (pairs, 0-ended). */
static int
resolutions_are(yajl_val v, const int *wh)
{
	size_t n = 0;

	for (; wh[2 * n] != 0; n++)
		if (int_at(elem(v, n), P("width")) != wh[2 * n] ||
		    int_at(elem(v, n), P("height")) != wh[2 * n + 1] || count(elem(v, n)) != 2)
			return 0;
	return count(v) == n;
}

static void
check_endpoint(yajl_val ep, const char *id, const char *make, const char *name,
               const char *model, const int *wh, int snapshot)
{
	yajl_val csc = interface_of(ep, "Alexa.CameraStreamController");
	yajl_val conf = elem(get(csc, P("cameraStreamConfigurations")), 0);
	yajl_val health = interface_of(ep, "Alexa.EndpointHealth");

	ok(strcmp(str_at(ep, P("endpointId")), id) == 0 &&
	   strcmp(str_at(ep, P("manufacturerName")), make) == 0 &&
	   strcmp(str_at(ep, P("friendlyName")), name) == 0 &&
	   strcmp(str_at(ep, P("description")), model) == 0 &&
	   strings_are(get(ep, P("displayCategories")), P("CAMERA")),
	   "Discover %s: id, %s, %s, %s, CAMERA", id, make, name, model);
	ok(csc != NULL && strcmp(str_at(csc, P("version")), "3") == 0 &&
	   count(get(csc, P("cameraStreamConfigurations"))) == 1 &&
	   strings_are(get(conf, P("protocols")), P("HLS")) &&
	   strings_are(get(conf, P("authorizationTypes")), P("NONE")) &&
	   strings_are(get(conf, P("videoCodecs")), P("H264")) &&
	   strings_are(get(conf, P("audioCodecs")), P("AAC")) &&
	   resolutions_are(get(conf, P("resolutions")), wh),
	   "Discover %s: CameraStreamController HLS/H264/AAC with its resolutions", id);
	ok((interface_of(ep, "Alexa.SmartVision.SnapshotProvider") != NULL) == snapshot,
	   "Discover %s: SnapshotProvider %s", id, snapshot ? "listed" : "not listed");
	ok(health != NULL &&
	   strcmp(str_at(elem(get(health, P("properties", "supported")), 0), P("name")),
	          "connectivity") == 0 &&
	   bool_at(health, P("properties", "retrievable")) == 1 &&
	   interface_of(ep, "Alexa") != NULL,
	   "Discover %s: EndpointHealth (connectivity) and Alexa", id);
	is_int(count(get(ep, P("capabilities"))), 3 + snapshot,
	       "Discover %s: no other interface", id);
}

static void
test_discover(void)
{
	static const int a1[] = { 1920, 1080, 1280, 720, 640, 360, 0 };
	static const int def[] = { 1280, 720, 0 };
	struct answer a = { 0 };
	yajl_val eps;

	if (ask(A(alice), DISCOVER_BODY, &a, "Discover") != 0)
		return;
	is_int(a.status, 200, "Discover: 200");
	ok(strcmp(last_token, "tok-alice") == 0, "Discover: the token is the payload scope's");
	ok(header_is(a.root, "Alexa.Discovery", "Discover.Response", NULL),
	   "Discover: Discover.Response header, no correlationToken");
	eps = get(a.root, P("event", "payload", "endpoints"));
	is_int(count(eps), 3, "Discover: alice's three cameras");
	check_endpoint(elem(eps, 0), "cam-a1", "Acme", "Front door", "C1", a1, 1);
	check_endpoint(elem(eps, 1), "cam-a2", "Camera", "cam-a2", "Camera", def, 1);
	check_endpoint(elem(eps, 2), "cam-a3", "Camera", "Garden", "C2", def, 1);
	ok(strstr(a.text, "cam-b") == NULL && strstr(a.text, "Bobs") == NULL,
	   "Discover: nothing of bob's cameras");
	is_int(a.answered, 3, "Discover: answered 3");
	answer_free(&a);

	if (ask(ctx_of(pol_nosnap, POLICY_PLATFORM_ALEXA, alice_nosnap, NOW), DISCOVER_BODY, &a,
	        "Discover, no snapshot route") == 0)
		check_endpoint(elem(get(a.root, P("event", "payload", "endpoints")), 0), "cam-a1",
		               "Acme", "Front door", "C1", a1, 0);
	answer_free(&a);
}

/* InitializeCameraStreams for ep with streams asked; the resolution
 * answered must be w x h. */
static void
expect_resolution(const char *ep, const char *streams, int w, int h, const char *what)
{
	struct answer a = { 0 };
	yajl_val s;

	if (ask(A(alice), alexa_directive("Alexa.CameraStreamController",
	        "InitializeCameraStreams", ep, streams), &a, what) != 0)
		return;
	s = elem(get(a.root, P("event", "payload", "cameraStreams")), 0);
	ok(int_at(s, P("resolution", "width")) == w && int_at(s, P("resolution", "height")) == h,
	   "%s: %dx%d", what, w, h);
	answer_free(&a);
}

static void
test_streams(void)
{
	struct answer a = { 0 }, b = { 0 };
	yajl_val s;

	presence_seen(pres, "cam-a1", NOW);
	if (ask(A(alice), STREAMS("cam-a1", "[" HLS720 "]"), &a, "InitializeCameraStreams") != 0)
		return;
	is_int(a.status, 200, "InitializeCameraStreams: 200");
	ok(strcmp(last_token, "tok-alice") == 0,
	   "InitializeCameraStreams: the token is the endpoint scope's");
	ok(header_is(a.root, "Alexa.CameraStreamController", "Response", CORR),
	   "InitializeCameraStreams: Response, correlationToken echoed");
	ok(strcmp(str_at(a.root, P("event", "endpoint", "endpointId")), "cam-a1") == 0,
	   "InitializeCameraStreams: endpointId echoed");
	s = get(a.root, P("event", "payload", "cameraStreams"));
	ok(count(s) == 1, "InitializeCameraStreams: one stream");
	s = elem(s, 0);
	ok(link_is(str_at(s, P("uri")), ALEXA_URL, "alice", "cam-a1", LC_KIND_HLS,
	           NOW + HLS_LIFE), "InitializeCameraStreams: uri is alice's hls capability");
	ok(strcmp(str_at(s, P("expirationTime")), "2025-11-24T17:00:00.000Z") == 0,
	   "InitializeCameraStreams: expirationTime is the capability's");
	ok(int_at(s, P("idleTimeoutSeconds")) == 30 &&
	   strcmp(str_at(s, P("protocol")), "HLS") == 0 &&
	   strcmp(str_at(s, P("authorizationType")), "NONE") == 0 &&
	   strcmp(str_at(s, P("videoCodec")), "H264") == 0 &&
	   strcmp(str_at(s, P("audioCodec")), "NONE") == 0 && count(s) == 8,
	   "InitializeCameraStreams: idle 30 s, HLS, NONE, H264, and audio NONE "
	   "(lenscapd cannot know the stream has any)");
	ok(link_is(str_at(a.root, P("event", "payload", "imageUri")), ALEXA_URL, "alice",
	           "cam-a1", LC_KIND_SNAPSHOT, NOW + SNAP_LIFE),
	   "InitializeCameraStreams: imageUri is alice's snapshot capability");
	answer_free(&a);

	expect_resolution("cam-a1", "{\"cameraStreams\":[" HLS720 "]}", 1280, 720,
	                  "resolution asked and had");
	expect_resolution("cam-a1", "{\"cameraStreams\":[{\"resolution\":{\"width\":800,"
	                  "\"height\":600}},{\"resolution\":{\"width\":640,\"height\":360}}]}",
	                  640, 360, "the first resolution asked that the camera has");
	expect_resolution("cam-a1", "{\"cameraStreams\":[{\"resolution\":{\"width\":800,"
	                  "\"height\":600}}]}", 1920, 1080, "none had: the camera's first");
	expect_resolution("cam-a1", "{\"cameraStreams\":[{\"resolution\":{\"width\":640,"
	                  "\"height\":720}}]}", 1920, 1080, "width and height both must match");
	expect_resolution("cam-a1", "{\"cameraStreams\":[{\"resolution\":{\"width\":-640,"
	                  "\"height\":360.0}},{\"resolution\":{\"width\":1e3,\"height\":"
	                  "99999999999999999999999}}]}", 1920, 1080,
	                  "odd numbers: the camera's first");
	expect_resolution("cam-a1", "{}", 1920, 1080, "no cameraStreams: the camera's first");
	expect_resolution("cam-a1", "{\"cameraStreams\":[]}", 1920, 1080,
	                  "empty cameraStreams: the camera's first");
	presence_seen(pres, "cam-a3", NOW);
	expect_resolution("cam-a3", "{\"cameraStreams\":[{\"resolution\":{\"width\":1920,"
	                  "\"height\":1080}}]}", 1280, 720, "the default resolution");

	if (ask(ctx_of(pol_nosnap, POLICY_PLATFORM_ALEXA, alice_nosnap, NOW),
	        STREAMS("cam-a1", "[" HLS720 "]"), &a, "InitializeCameraStreams, no snapshot") == 0)
		ok(get(a.root, P("event", "payload", "imageUri")) == NULL &&
		   count(get(a.root, P("event", "payload", "cameraStreams"))) == 1,
		   "InitializeCameraStreams, no snapshot route: no imageUri");
	answer_free(&a);

	/* Errors: an ErrorResponse naming the endpoint, correlationToken echoed. */
	if (ask(A(alice), STREAMS("cam-b1", "[" HLS720 "]"), &a, "streams cam-b1") == 0 &&
	    ask(A(alice), STREAMS("cam-z9", "[" HLS720 "]"), &b, "streams cam-z9") == 0) {
		ok(header_is(a.root, "Alexa", "ErrorResponse", CORR) &&
		   strcmp(str_at(a.root, P("event", "payload", "type")), "NO_SUCH_ENDPOINT") == 0 &&
		   strcmp(str_at(a.root, P("event", "endpoint", "endpointId")), "cam-b1") == 0,
		   "InitializeCameraStreams bob's camera: NO_SUCH_ENDPOINT");
		ok(same_but_id(&a, "cam-b1", &b, "cam-z9"),
		   "InitializeCameraStreams: bob's camera and no camera answer alike");
	}
	answer_free(&a);
	answer_free(&b);
	if (ask(A(alice), STREAMS("cam-a2", "[" HLS720 "]"), &a, "streams cam-a2") == 0)
		ok(header_is(a.root, "Alexa", "ErrorResponse", CORR) &&
		   strcmp(str_at(a.root, P("event", "payload", "type")),
		          "ENDPOINT_UNREACHABLE") == 0 && a.answered == 0,
		   "InitializeCameraStreams offline: ENDPOINT_UNREACHABLE");
	answer_free(&a);
}

static void
test_snapshot_state_grant(void)
{
	static const char *const ops[] = { "GetSnapshot", "ReportState" };
	struct answer a = { 0 }, b = { 0 };

	presence_seen(pres, "cam-a1", NOW);
	if (ask(A(alice), SNAPSHOT("cam-a1"), &a, "GetSnapshot") == 0) {
		ok(header_is(a.root, "Alexa.SmartVision.SnapshotProvider", "Response", CORR) &&
		   strcmp(str_at(a.root, P("event", "endpoint", "endpointId")), "cam-a1") == 0,
		   "GetSnapshot: Response, endpoint and correlationToken echoed");
		ok(link_is(str_at(a.root, P("event", "payload", "imageUri")), ALEXA_URL, "alice",
		           "cam-a1", LC_KIND_SNAPSHOT, NOW + SNAP_LIFE) &&
		   strcmp(str_at(a.root, P("event", "payload", "expirationTime")),
		          "2025-11-24T16:01:00.000Z") == 0 &&
		   count(get(a.root, P("event", "payload"))) == 2,
		   "GetSnapshot: imageUri (alice's snapshot capability) and expirationTime");
	}
	answer_free(&a);
	if (ask(A(alice), SNAPSHOT("cam-a2"), &a, "GetSnapshot offline") == 0)
		ok(strcmp(str_at(a.root, P("event", "payload", "type")), "ENDPOINT_UNREACHABLE") == 0,
		   "GetSnapshot offline: ENDPOINT_UNREACHABLE");
	answer_free(&a);
	if (ask(ctx_of(pol_nosnap, POLICY_PLATFORM_ALEXA, alice_nosnap, NOW), SNAPSHOT("cam-a1"), &a,
	        "GetSnapshot, no snapshot route") == 0)
		ok(strcmp(str_at(a.root, P("event", "payload", "type")), "INTERNAL_ERROR") == 0 &&
		   strstr(a.text, "/s/") == NULL, "GetSnapshot, no snapshot route: INTERNAL_ERROR");
	answer_free(&a);

	presence_seen(pres, "cam-b1", NOW);
	for (size_t i = 0; i < 2; i++) {
		const char *ba = i ? REPORT("cam-b1") : SNAPSHOT("cam-b1");

		if (ask(A(alice), ba, &a, ops[i]) != 0)
			continue;
		if (ask(A(alice), i ? REPORT("cam-z9") : SNAPSHOT("cam-z9"), &b, ops[i]) == 0) {
			ok(strcmp(str_at(a.root, P("event", "payload", "type")),
			          "NO_SUCH_ENDPOINT") == 0 && a.asked == 1 && a.answered == 0,
			   "%s bob's camera: NO_SUCH_ENDPOINT", ops[i]);
			ok(same_but_id(&a, "cam-b1", &b, "cam-z9"),
			   "%s: bob's camera and no camera answer alike", ops[i]);
		}
		answer_free(&a);
		answer_free(&b);
	}

	if (ask(A(alice), REPORT("cam-a1"), &a, "ReportState") == 0) {
		yajl_val p = elem(get(a.root, P("context", "properties")), 0);

		ok(header_is(a.root, "Alexa", "StateReport", CORR) &&
		   strcmp(str_at(a.root, P("event", "endpoint", "endpointId")), "cam-a1") == 0 &&
		   count(get(a.root, P("event", "payload"))) == 0,
		   "ReportState: StateReport, endpoint and correlationToken echoed");
		ok(count(get(a.root, P("context", "properties"))) == 1 &&
		   strcmp(str_at(p, P("namespace")), "Alexa.EndpointHealth") == 0 &&
		   strcmp(str_at(p, P("name")), "connectivity") == 0 &&
		   strcmp(str_at(p, P("value", "value")), "OK") == 0 &&
		   strcmp(str_at(p, P("timeOfSample")), "2025-11-24T16:00:00.000Z") == 0,
		   "ReportState online: connectivity OK, sampled now");
	}
	answer_free(&a);
	if (ask(A(alice), REPORT("cam-a2"), &a, "ReportState offline") == 0)
		ok(strcmp(str_at(elem(get(a.root, P("context", "properties")), 0),
		                 P("value", "value")), "UNREACHABLE") == 0 &&
		   header_is(a.root, "Alexa", "StateReport", CORR),
		   "ReportState offline: connectivity UNREACHABLE");
	answer_free(&a);

	if (ask(A(alice), alexa_directive("Alexa.Authorization", "AcceptGrant", NULL,
	        "{\"grant\":{\"type\":\"OAuth2.AuthorizationCode\",\"code\":\"c-1\"},"
	        "\"grantee\":{\"type\":\"BearerToken\",\"token\":\"tok-grantee\"}}"),
	        &a, "AcceptGrant") == 0) {
		ok(strcmp(last_token, "tok-grantee") == 0, "AcceptGrant: the token is the grantee's");
		ok(header_is(a.root, "Alexa.Authorization", "AcceptGrant.Response", NULL) &&
		   count(get(a.root, P("event", "payload"))) == 0 && count(a.root) == 1,
		   "AcceptGrant: AcceptGrant.Response, empty payload");
	}
	answer_free(&a);
}

/* ---- refusals ------------------------------------------------------------------ */

/* front_refusal() of status for body (parsed first, whatever it is). */
static int
refusal(int platform, const char *b, unsigned status, int expired, struct answer *a,
        const char *what)
{
	struct front *f = front_new(platform);
	const char *tok;
	char *out;
	size_t len;
	int rc;

	memset(a, 0, sizeof(*a));
	if (f == NULL)
		abort();
	if (b != NULL) {
		if (front_body(f, b, strlen(b)) != 0)
			abort();
		(void)front_parse(f, NULL, &tok);
	}
	a->status = front_refusal(f, status, expired, &out, &len);
	rc = take(a, out, len, what);
	front_free(f);
	return rc;
}

static void
expect_google_refusal(const char *b, unsigned status, const char *rid, const char *code,
                      const char *what)
{
	struct answer a = { 0 };

	if (refusal(POLICY_PLATFORM_GOOGLE, b, status, 0, &a, what) == 0)
		ok(a.status == status && count(a.root) == 2 &&
		   strcmp(str_at(a.root, P("requestId")), rid) == 0 &&
		   count(get(a.root, P("payload"))) == 1 &&
		   strcmp(str_at(a.root, P("payload", "errorCode")), code) == 0,
		   "%s: %u, requestId \"%s\", %s", what, status, rid, code);
	answer_free(&a);
}

static void
expect_alexa_refusal(const char *b, unsigned status, int expired, const char *type,
                     const char *endpoint, const char *what)
{
	struct answer a = { 0 };

	if (refusal(POLICY_PLATFORM_ALEXA, b, status, expired, &a, what) != 0)
		return;
	ok(a.status == status &&
	   header_is(a.root, "Alexa", "ErrorResponse", b != NULL ? CORR : NULL) &&
	   strcmp(str_at(a.root, P("event", "payload", "type")), type) == 0 &&
	   strcmp(str_at(a.root, P("event", "payload", "message")), type) == 0,
	   "%s: %u %s", what, status, type);
	if (endpoint != NULL)
		ok(strcmp(str_at(a.root, P("event", "endpoint", "endpointId")), endpoint) == 0,
		   "%s: endpoint echoed", what);
	else
		ok(get(a.root, P("event", "endpoint")) == NULL, "%s: no endpoint", what);
	answer_free(&a);
}

static void
test_refusals(void)
{
	char rid[300];

	expect_google_refusal(GOOGLE_SYNC_BODY, 401, "r-1", "authFailure", "Google, no token");
	expect_google_refusal(NULL, 401, "", "authFailure", "Google, nothing read");
	expect_google_refusal("{\"requestId\":\"r-9\",\"inputs\":[{\"intent\":"
	                      "\"action.devices.REBOOT\"}]}", 400, "r-9", "notSupported",
	                      "Google, unknown intent");
	expect_google_refusal("{\"requestId\":\"r-8\",\"inputs\":[]}", 400, "r-8",
	                      "protocolError", "Google, malformed");
	expect_google_refusal("nope", 400, "", "protocolError", "Google, not JSON");
	expect_google_refusal(NULL, 413, "", "protocolError", "Google, too large");
	expect_google_refusal(GOOGLE_SYNC_BODY, 500, "r-1", "transientError", "Google, 500");
	memset(rid, 'r', 257);
	rid[257] = '\0';
	expect_google_refusal(fmt("{\"requestId\":\"%s\",\"inputs\":[{\"intent\":"
	                          "\"action.devices.SYNC\"}]}", rid), 400, "",
	                      "protocolError", "Google, requestId of 257 bytes not echoed");

	expect_alexa_refusal(STREAMS("cam-a1", "[" HLS720 "]"), 401, 0,
	                     "INVALID_AUTHORIZATION_CREDENTIAL", "cam-a1", "Alexa, token refused");
	expect_alexa_refusal(STREAMS("cam-a1", "[" HLS720 "]"), 401, 1,
	                     "EXPIRED_AUTHORIZATION_CREDENTIAL", "cam-a1", "Alexa, token expired");
	expect_alexa_refusal(DISCOVER_BODY, 400, 0, "INVALID_DIRECTIVE", NULL,
	                     "Alexa, 400");
	expect_alexa_refusal(NULL, 413, 0, "INVALID_DIRECTIVE", NULL, "Alexa, too large");
	expect_alexa_refusal(NULL, 500, 0, "INTERNAL_ERROR", NULL, "Alexa, 500");
	expect_alexa_refusal(REPORT("cam-a1"), 503, 0, "INTERNAL_ERROR", "cam-a1",
	                     "Alexa, 503");
}

static void
test_intents(void)
{
	static const struct { int platform; const char *body, *intent, *why; } t[] = {
		{ POLICY_PLATFORM_GOOGLE, GOOGLE_SYNC_BODY, "SYNC", NULL },
		{ POLICY_PLATFORM_GOOGLE, GOOGLE_DISCONNECT_BODY, "DISCONNECT", NULL },
		{ POLICY_PLATFORM_GOOGLE, "{\"requestId\":\"r\",\"inputs\":[{\"intent\":"
		  "\"action.devices.SYNCX\"}]}", "unknown", "unknown intent" },
		{ POLICY_PLATFORM_ALEXA, "{\"directive\":{\"header\":{\"namespace\":"
		  "\"Alexa.PowerController\",\"name\":\"TurnOn\",\"payloadVersion\":\"3\","
		  "\"messageId\":\"m\"},\"payload\":{}}}", "unknown", "unknown directive" },
		{ POLICY_PLATFORM_ALEXA, "{\"directive\":{\"header\":{\"namespace\":"
		  "\"Alexa.Discovery\",\"name\":\"ReportState\",\"payloadVersion\":\"3\","
		  "\"messageId\":\"m\"},\"payload\":{}}}", "unknown", "unknown directive" },
	};
	struct front *f;
	const char *why, *tok;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((f = front_new(t[i].platform)) == NULL)
			abort();
		ok(strcmp(front_intent(f), "unknown") == 0, "front_intent before parsing");
		if (front_body(f, t[i].body, strlen(t[i].body)) != 0)
			abort();
		why = front_parse(f, "b", &tok);
		ok((t[i].why == NULL ? why == NULL : why != NULL && strcmp(why, t[i].why) == 0) &&
		   strcmp(front_intent(f), t[i].intent) == 0, "%s: \"%s\"", t[i].intent,
		   t[i].why != NULL ? t[i].why : "parsed");
		front_free(f);
	}
	if ((f = front_new(POLICY_PLATFORM_GOOGLE)) == NULL)
		abort();
	ok(front_parse(f, "b", &tok) != NULL, "an empty body: refused");
	front_free(f);
	if ((f = front_new(POLICY_PLATFORM_ALEXA)) == NULL)
		abort();
	ok(front_parse(f, "b", &tok) != NULL && tok == NULL, "an empty Alexa body: no token");
	front_free(f);
}

/* ---- limits and malformed bodies ------------------------------------------------- */

/* A Google SYNC with requestId of n bytes. */
static const char *
sync_with_id(size_t n)
{
	char *id = malloc(n + 1);

	if (id == NULL)
		abort();
	memset(id, 'i', n);
	id[n] = '\0';
	fmt("{\"requestId\":\"%s\",\"inputs\":[{\"intent\":\"action.devices.SYNC\"}]}", id);
	free(id);
	return body;
}

/* A ReportState for cam-a1 with a correlationToken of n bytes. */
static const char *
report_with_corr(size_t n)
{
	char *c = malloc(n + 1);

	if (c == NULL)
		abort();
	memset(c, 'c', n);
	c[n] = '\0';
	fmt("{\"directive\":{\"header\":{\"namespace\":\"Alexa\",\"name\":\"ReportState\","
	    "\"payloadVersion\":\"3\",\"messageId\":\"m\",\"correlationToken\":\"%s\"},"
	    "\"endpoint\":{\"scope\":" SCOPE ",\"endpointId\":\"cam-a1\"},\"payload\":{}}}", c);
	free(c);
	return body;
}

/* A Discover whose token (or messageId, with field "messageId") is n bytes. */
static const char *
discover_with(const char *field, size_t n)
{
	char *t = malloc(n + 1);
	int mid = strcmp(field, "messageId") == 0;

	if (t == NULL)
		abort();
	memset(t, 't', n);
	t[n] = '\0';
	fmt("{\"directive\":{\"header\":{\"namespace\":\"Alexa.Discovery\",\"name\":"
	    "\"Discover\",\"payloadVersion\":\"3\",\"messageId\":\"%s\"},\"payload\":"
	    "{\"scope\":{\"type\":\"BearerToken\",\"token\":\"%s\"}}}}",
	    mid ? t : "m", mid ? "tok" : t);
	free(t);
	return body;
}

/* A SYNC whose customData holds depth nested arrays. */
static const char *
sync_nested(int depth)
{
	char open[64], close[64];

	if (depth >= (int)sizeof(open))
		abort();
	memset(open, '[', (size_t)depth);
	open[depth] = '\0';
	memset(close, ']', (size_t)depth);
	close[depth] = '\0';
	return fmt("{\"requestId\":\"r\",\"inputs\":[{\"intent\":\"action.devices.SYNC\","
	           "\"customData\":%s%s}]}", open, close);
}

static void
test_limits(void)
{
	struct answer a = { 0 };
	struct front *f;
	char *big;
	size_t n;

	ok(refused(POLICY_PLATFORM_GOOGLE, sync_with_id(256)) == NULL,
	   "requestId of 256 bytes: taken");
	if (ask(G(alice), body, &a, "requestId 256") == 0)
		ok(strlen(str_at(a.root, P("requestId"))) == 256, "requestId of 256 bytes: echoed");
	answer_free(&a);
	ok(refused(POLICY_PLATFORM_GOOGLE, sync_with_id(257)) != NULL,
	   "requestId of 257 bytes: refused");

	if (ask(A(alice), report_with_corr(PLATFORM_ECHO_MAX), &a, "correlationToken 4096") == 0)
		ok(strlen(str_at(a.root, P("event", "header", "correlationToken"))) ==
		   PLATFORM_ECHO_MAX, "correlationToken of %d bytes: echoed", PLATFORM_ECHO_MAX);
	answer_free(&a);
	ok(refused(POLICY_PLATFORM_ALEXA, report_with_corr(PLATFORM_ECHO_MAX + 1)) != NULL,
	   "correlationToken of %d bytes: refused (Alexa could not match the answer)",
	   PLATFORM_ECHO_MAX + 1);

	ok(has_token(POLICY_PLATFORM_ALEXA, discover_with("token", ALEXA_TOKEN_MAX)),
	   "a token of %d bytes: taken", ALEXA_TOKEN_MAX);
	ok(refused(POLICY_PLATFORM_ALEXA, discover_with("token", ALEXA_TOKEN_MAX + 1)) == NULL &&
	   !has_token(POLICY_PLATFORM_ALEXA, discover_with("token", ALEXA_TOKEN_MAX + 1)),
	   "a token of %d bytes: not taken (the session is refused)", ALEXA_TOKEN_MAX + 1);
	ok(refused(POLICY_PLATFORM_ALEXA, discover_with("messageId", 256)) == NULL,
	   "a messageId of 256 bytes: taken");
	ok(refused(POLICY_PLATFORM_ALEXA, discover_with("messageId", 257)) != NULL,
	   "a messageId of 257 bytes: refused");

	/* The body: 65536 bytes taken, one more refused, by front_body and
	 * by the parsers alike. */
	n = PLATFORM_BODY_MAX + 1;
	if ((big = malloc(n)) == NULL)
		abort();
	memset(big, ' ', n);
	memcpy(big, GOOGLE_SYNC_BODY, strlen(GOOGLE_SYNC_BODY));
	ok(refused_n(POLICY_PLATFORM_GOOGLE, big, n - 1) == NULL,
	   "a SYNC padded to %d bytes: taken", PLATFORM_BODY_MAX);
	if ((f = front_new(POLICY_PLATFORM_GOOGLE)) == NULL)
		abort();
	ok(front_body(f, big, 40000) == 0 && front_body(f, big + 40000, n - 1 - 40000) == 0 &&
	   front_body(f, " ", 1) == -1, "front_body: %d bytes in two pieces, then no more",
	   PLATFORM_BODY_MAX);
	front_free(f);
	{
		struct google_request q;
		struct alexa_request r;
		const char *why, *d;

		is_int(google_parse((const uint8_t *)big, n, &q, &why), LC_EFORMAT,
		       "google_parse: %d bytes refused", PLATFORM_BODY_MAX + 1);
		google_request_free(&q);
		d = DISCOVER_BODY;
		memset(big, ' ', n);
		memcpy(big, d, strlen(d));
		is_int(alexa_parse((const uint8_t *)big, n, &r, &why), LC_EFORMAT,
		       "alexa_parse: %d bytes refused", PLATFORM_BODY_MAX + 1);
		alexa_request_free(&r);
		is_int(alexa_parse((const uint8_t *)big, n - 1, &r, &why), 0,
		       "alexa_parse: %d bytes taken", PLATFORM_BODY_MAX);
		alexa_request_free(&r);
	}
	free(big);

	/* The root, inputs and its object are 3 levels. */
	ok(refused(POLICY_PLATFORM_GOOGLE, sync_nested(JSON_MAX_DEPTH - 3)) == NULL,
	   "nested %d levels deep: taken", JSON_MAX_DEPTH);
	ok(refused(POLICY_PLATFORM_GOOGLE, sync_nested(JSON_MAX_DEPTH - 2)) != NULL,
	   "nested %d levels deep: refused", JSON_MAX_DEPTH + 1);

	{
		char streams[4096];

		strcpy(streams, "{\"cameraStreams\":[" HLS720);
		for (int i = 1; i < 16; i++)
			strcat(streams, "," HLS720);
		strcat(streams, "]}");
		ok(refused(POLICY_PLATFORM_ALEXA, alexa_directive("Alexa.CameraStreamController",
		           "InitializeCameraStreams", "cam-a1", streams)) == NULL,
		   "16 cameraStreams: taken");
		strcpy(streams + strlen(streams) - 2, "," HLS720 "]}");
		ok(refused(POLICY_PLATFORM_ALEXA, alexa_directive("Alexa.CameraStreamController",
		           "InitializeCameraStreams", "cam-a1", streams)) != NULL,
		   "17 cameraStreams: refused");
	}
}

#define RID "\"requestId\":\"r\","
#define GQ(payload) "{" RID "\"inputs\":[{\"intent\":\"action.devices.QUERY\"," \
	"\"payload\":" payload "}]}"
#define GX(commands) "{" RID "\"inputs\":[{\"intent\":\"action.devices.EXECUTE\"," \
	"\"payload\":{\"commands\":" commands "}}]}"
#define DEV "[{\"id\":\"cam-a1\"}]"
#define EXE "[{\"command\":\"action.devices.commands.GetCameraStream\"}]"

static const struct { const char *what, *body; } google_bad[] = {
	{ "not JSON", "hello" },
	{ "empty", "" },
	{ "truncated", "{" RID "\"inputs\":[{\"intent\":\"action.devices.SYNC\"}]" },
	{ "trailing garbage", GOOGLE_SYNC_BODY " x" },
	{ "two objects", GOOGLE_SYNC_BODY GOOGLE_SYNC_BODY },
	{ "a comment", "{/* c */" RID "\"inputs\":[{\"intent\":\"action.devices.SYNC\"}]}" },
	{ "array root", "[" GOOGLE_SYNC_BODY "]" },
	{ "string root", "\"action.devices.SYNC\"" },
	{ "duplicate key at the root", "{" RID RID "\"inputs\":[{\"intent\":"
	  "\"action.devices.SYNC\"}]}" },
	{ "duplicate key in an input", "{" RID "\"inputs\":[{\"intent\":\"action.devices."
	  "SYNC\",\"intent\":\"action.devices.SYNC\"}]}" },
	{ "duplicate key in a device", GQ("{\"devices\":[{\"id\":\"cam-a1\",\"id\":\"x\"}]}") },
	{ "\\u0000 in a string", "{\"requestId\":\"r\\u0000\",\"inputs\":[{\"intent\":"
	  "\"action.devices.SYNC\"}]}" },
	{ "invalid UTF-8", "{\"requestId\":\"r\xff\",\"inputs\":[{\"intent\":"
	  "\"action.devices.SYNC\"}]}" },
	{ "no requestId", "{\"inputs\":[{\"intent\":\"action.devices.SYNC\"}]}" },
	{ "requestId a number", "{\"requestId\":1,\"inputs\":[{\"intent\":"
	  "\"action.devices.SYNC\"}]}" },
	{ "requestId empty", "{\"requestId\":\"\",\"inputs\":[{\"intent\":"
	  "\"action.devices.SYNC\"}]}" },
	{ "requestId null", "{\"requestId\":null,\"inputs\":[{\"intent\":"
	  "\"action.devices.SYNC\"}]}" },
	{ "no inputs", "{" RID "\"input\":[{\"intent\":\"action.devices.SYNC\"}]}" },
	{ "inputs an object", "{" RID "\"inputs\":{\"intent\":\"action.devices.SYNC\"}}" },
	{ "inputs of 0 entries", "{" RID "\"inputs\":[]}" },
	{ "inputs of 2 entries", "{" RID "\"inputs\":[{\"intent\":\"action.devices.SYNC\"},"
	  "{\"intent\":\"action.devices.SYNC\"}]}" },
	{ "input a string", "{" RID "\"inputs\":[\"action.devices.SYNC\"]}" },
	{ "no intent", "{" RID "\"inputs\":[{\"payload\":{}}]}" },
	{ "intent a number", "{" RID "\"inputs\":[{\"intent\":7}]}" },
	{ "intent an array", "{" RID "\"inputs\":[{\"intent\":[\"action.devices.SYNC\"]}]}" },
	{ "QUERY without payload", "{" RID "\"inputs\":[{\"intent\":\"action.devices.QUERY\"}]}" },
	{ "QUERY payload an array", GQ("[" DEV "]") },
	{ "QUERY without devices", GQ("{}") },
	{ "QUERY devices an object", GQ("{\"devices\":{\"id\":\"cam-a1\"}}") },
	{ "QUERY devices empty", GQ("{\"devices\":[]}") },
	{ "QUERY device a string", GQ("{\"devices\":[\"cam-a1\"]}") },
	{ "QUERY device without id", GQ("{\"devices\":[{\"name\":\"cam-a1\"}]}") },
	{ "QUERY id a number", GQ("{\"devices\":[{\"id\":1}]}") },
	{ "QUERY id empty", GQ("{\"devices\":[{\"id\":\"\"}]}") },
	{ "QUERY one good device, one bad", GQ("{\"devices\":[{\"id\":\"cam-a1\"},{}]}") },
	{ "EXECUTE without payload", "{" RID "\"inputs\":[{\"intent\":"
	  "\"action.devices.EXECUTE\"}]}" },
	{ "EXECUTE without commands", "{" RID "\"inputs\":[{\"intent\":"
	  "\"action.devices.EXECUTE\",\"payload\":{}}]}" },
	{ "EXECUTE commands an object", GX("{\"devices\":" DEV ",\"execution\":" EXE "}") },
	{ "EXECUTE commands empty", GX("[]") },
	{ "EXECUTE command a number", GX("[1]") },
	{ "EXECUTE command without devices", GX("[{\"execution\":" EXE "}]") },
	{ "EXECUTE devices empty", GX("[{\"devices\":[],\"execution\":" EXE "}]") },
	{ "EXECUTE device id a number", GX("[{\"devices\":[{\"id\":2}],\"execution\":" EXE "}]") },
	{ "EXECUTE without execution", GX("[{\"devices\":" DEV "}]") },
	{ "EXECUTE execution an object", GX("[{\"devices\":" DEV ",\"execution\":"
	  "{\"command\":\"action.devices.commands.GetCameraStream\"}}]") },
	{ "EXECUTE execution empty", GX("[{\"devices\":" DEV ",\"execution\":[]}]") },
	{ "EXECUTE execution a string", GX("[{\"devices\":" DEV ",\"execution\":[\"x\"]}]") },
	{ "EXECUTE without command", GX("[{\"devices\":" DEV ",\"execution\":[{}]}]") },
	{ "EXECUTE command not a string", GX("[{\"devices\":" DEV ",\"execution\":"
	  "[{\"command\":true}]}]") },
	{ "EXECUTE params a string", GX("[{\"devices\":" DEV ",\"execution\":[{\"command\":"
	  "\"action.devices.commands.GetCameraStream\",\"params\":\"hls\"}]}]") },
	{ "EXECUTE params null", GX("[{\"devices\":" DEV ",\"execution\":[{\"command\":"
	  "\"action.devices.commands.GetCameraStream\",\"params\":null}]}]") },
	{ "EXECUTE second command bad", GX("[{\"devices\":" DEV ",\"execution\":" EXE "},"
	  "{\"devices\":" DEV "}]") },
};

#define AH(ns, name) "\"header\":{\"namespace\":\"" ns "\",\"name\":\"" name "\"," \
	"\"payloadVersion\":\"3\",\"messageId\":\"m\"}"
#define AEP "\"endpoint\":{\"scope\":" SCOPE ",\"endpointId\":\"cam-a1\"}"
#define AS(streams) "{\"directive\":{" AH("Alexa.CameraStreamController", \
	"InitializeCameraStreams") "," AEP ",\"payload\":{\"cameraStreams\":" streams "}}}"
#define ADISC(payload) "{\"directive\":{" AH("Alexa.Discovery", "Discover") \
	",\"payload\":" payload "}}"
#define AREP(endpoint) "{\"directive\":{" AH("Alexa", "ReportState") endpoint \
	",\"payload\":{}}}"

static const struct { const char *what, *body; } alexa_bad[] = {
	{ "not JSON", "<directive/>" },
	{ "empty", "" },
	{ "array root", "[" ADISC("{\"scope\":" SCOPE "}") "]" },
	{ "no directive", "{\"event\":{}}" },
	{ "directive an array", "{\"directive\":[]}" },
	{ "duplicate directive", "{\"directive\":{},\"directive\":{}}" },
	{ "duplicate key in the header", "{\"directive\":{\"header\":{\"namespace\":"
	  "\"Alexa.Discovery\",\"name\":\"Discover\",\"name\":\"Discover\","
	  "\"payloadVersion\":\"3\",\"messageId\":\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "no header", "{\"directive\":{\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "header a string", "{\"directive\":{\"header\":\"Discover\",\"payload\":"
	  "{\"scope\":" SCOPE "}}}" },
	{ "no namespace", "{\"directive\":{\"header\":{\"name\":\"Discover\","
	  "\"payloadVersion\":\"3\",\"messageId\":\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "namespace a number", "{\"directive\":{\"header\":{\"namespace\":3,\"name\":"
	  "\"Discover\",\"payloadVersion\":\"3\",\"messageId\":\"m\"},\"payload\":"
	  "{\"scope\":" SCOPE "}}}" },
	{ "no name", "{\"directive\":{\"header\":{\"namespace\":\"Alexa.Discovery\","
	  "\"payloadVersion\":\"3\",\"messageId\":\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "no messageId", "{\"directive\":{\"header\":{\"namespace\":\"Alexa.Discovery\","
	  "\"name\":\"Discover\",\"payloadVersion\":\"3\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "messageId a number", "{\"directive\":{\"header\":{\"namespace\":"
	  "\"Alexa.Discovery\",\"name\":\"Discover\",\"payloadVersion\":\"3\",\"messageId\":"
	  "1},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "no payloadVersion", "{\"directive\":{\"header\":{\"namespace\":\"Alexa.Discovery\","
	  "\"name\":\"Discover\",\"messageId\":\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "payloadVersion \"2\"", "{\"directive\":{\"header\":{\"namespace\":"
	  "\"Alexa.Discovery\",\"name\":\"Discover\",\"payloadVersion\":\"2\",\"messageId\":"
	  "\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "payloadVersion the number 3", "{\"directive\":{\"header\":{\"namespace\":"
	  "\"Alexa.Discovery\",\"name\":\"Discover\",\"payloadVersion\":3,\"messageId\":"
	  "\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "payloadVersion \"3.0\"", "{\"directive\":{\"header\":{\"namespace\":"
	  "\"Alexa.Discovery\",\"name\":\"Discover\",\"payloadVersion\":\"3.0\",\"messageId\":"
	  "\"m\"},\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "no payload", "{\"directive\":{" AH("Alexa.Discovery", "Discover") "}}" },
	{ "payload an array", ADISC("[{\"scope\":" SCOPE "}]") },
	{ "ReportState without endpoint", AREP("") },
	{ "ReportState endpoint a string", AREP(",\"endpoint\":\"cam-a1\"") },
	{ "ReportState without endpointId", AREP(",\"endpoint\":{\"scope\":" SCOPE "}") },
	{ "ReportState endpointId a number", AREP(",\"endpoint\":{\"scope\":" SCOPE
	  ",\"endpointId\":7}") },
	{ "ReportState endpointId empty", AREP(",\"endpoint\":{\"scope\":" SCOPE
	  ",\"endpointId\":\"\"}") },
	{ "cameraStreams an object", AS("{\"protocol\":\"HLS\"}") },
	{ "cameraStreams of a number", AS("[1]") },
	{ "resolution a string", AS("[{\"resolution\":\"1280x720\"}]") },
	{ "resolution an array", AS("[{\"resolution\":[1280,720]}]") },
	{ "width a string", AS("[{\"resolution\":{\"width\":\"1280\",\"height\":720}}]") },
	{ "height missing", AS("[{\"resolution\":{\"width\":1280}}]") },
	{ "the second stream bad", AS("[" HLS720 ",{\"resolution\":null}]") },
};

/* Directives that parse but carry no bearer token where they should: no
 * session (401, INVALID_AUTHORIZATION_CREDENTIAL), not a bad directive. */
static const struct { const char *what, *body; } alexa_no_token[] = {
	{ "Discover without scope", ADISC("{}") },
	{ "Discover scope a string", ADISC("{\"scope\":\"tok-alice\"}") },
	{ "Discover scope type not BearerToken", ADISC("{\"scope\":{\"type\":\"Basic\","
	  "\"token\":\"tok-alice\"}}") },
	{ "Discover scope type in lower case", ADISC("{\"scope\":{\"type\":\"bearertoken\","
	  "\"token\":\"tok-alice\"}}") },
	{ "Discover scope without type", ADISC("{\"scope\":{\"token\":\"tok-alice\"}}") },
	{ "Discover without token", ADISC("{\"scope\":{\"type\":\"BearerToken\"}}") },
	{ "Discover token a number", ADISC("{\"scope\":{\"type\":\"BearerToken\","
	  "\"token\":5}}") },
	{ "Discover token empty", ADISC("{\"scope\":{\"type\":\"BearerToken\","
	  "\"token\":\"\"}}") },
	{ "Discover with the token only in the endpoint", "{\"directive\":{"
	  AH("Alexa.Discovery", "Discover") "," AEP ",\"payload\":{}}}" },
	{ "ReportState without scope", AREP(",\"endpoint\":{\"endpointId\":\"cam-a1\"}") },
	{ "ReportState scope type not BearerToken", AREP(",\"endpoint\":{\"scope\":"
	  "{\"type\":\"BearerTokenWithPartition\",\"token\":\"t\"},\"endpointId\":\"cam-a1\"}") },
	{ "ReportState with the token only in the payload", "{\"directive\":{"
	  AH("Alexa", "ReportState") ",\"endpoint\":{\"endpointId\":\"cam-a1\"},"
	  "\"payload\":{\"scope\":" SCOPE "}}}" },
	{ "AcceptGrant without grantee", "{\"directive\":{" AH("Alexa.Authorization",
	  "AcceptGrant") ",\"payload\":{\"grant\":{\"type\":\"OAuth2.AuthorizationCode\","
	  "\"code\":\"c\"}}}}" },
	{ "AcceptGrant grantee not BearerToken", "{\"directive\":{" AH("Alexa.Authorization",
	  "AcceptGrant") ",\"payload\":{\"grantee\":{\"type\":\"Bearer\",\"token\":\"t\"}}}}" },
};

static void
test_malformed(void)
{
	struct google_request q;
	struct alexa_request r;
	const char *why;
	int rc;

	for (size_t i = 0; i < sizeof(google_bad) / sizeof(google_bad[0]); i++) {
		why = NULL;
		rc = google_parse((const uint8_t *)google_bad[i].body, strlen(google_bad[i].body),
		                  &q, &why);
		ok(rc == LC_EFORMAT && why != NULL, "Google, %s: LC_EFORMAT (%s)",
		   google_bad[i].what, why != NULL ? why : "no reason");
		google_request_free(&q);
	}
	for (size_t i = 0; i < sizeof(alexa_bad) / sizeof(alexa_bad[0]); i++) {
		why = NULL;
		rc = alexa_parse((const uint8_t *)alexa_bad[i].body, strlen(alexa_bad[i].body),
		                 &r, &why);
		ok(rc == LC_EFORMAT && why != NULL, "Alexa, %s: LC_EFORMAT (%s)",
		   alexa_bad[i].what, why != NULL ? why : "no reason");
		alexa_request_free(&r);
	}
	for (size_t i = 0; i < sizeof(alexa_no_token) / sizeof(alexa_no_token[0]); i++)
		ok(refused(POLICY_PLATFORM_ALEXA, alexa_no_token[i].body) == NULL &&
		   !has_token(POLICY_PLATFORM_ALEXA, alexa_no_token[i].body),
		   "Alexa, %s: parsed, no token (the session is refused)", alexa_no_token[i].what);
	/* The same shapes, made right, parse: each refusal above is for its
	 * one fault. */
	rc = google_parse((const uint8_t *)GQ("{\"devices\":" DEV "}"),
	                  strlen(GQ("{\"devices\":" DEV "}")), &q, &why);
	ok(rc == 0 && q.intent == GOOGLE_QUERY, "Google, the QUERY shape made right: parsed");
	google_request_free(&q);
	rc = google_parse((const uint8_t *)GX("[{\"devices\":" DEV ",\"execution\":" EXE "}]"),
	                  strlen(GX("[{\"devices\":" DEV ",\"execution\":" EXE "}]")), &q, &why);
	ok(rc == 0 && q.intent == GOOGLE_EXECUTE, "Google, the EXECUTE shape made right: parsed");
	google_request_free(&q);
	rc = alexa_parse((const uint8_t *)AS("[" HLS720 "]"), strlen(AS("[" HLS720 "]")), &r,
	                 &why);
	ok(rc == 0 && r.op == ALEXA_INIT_STREAMS && strcmp(r.endpoint_id, "cam-a1") == 0 &&
	   strcmp(r.token, "tok-alice") == 0 && strcmp(r.message_id, "m") == 0,
	   "Alexa, the InitializeCameraStreams shape made right: parsed");
	alexa_request_free(&r);
	rc = alexa_parse((const uint8_t *)AREP("," AEP), strlen(AREP("," AEP)), &r, &why);
	ok(rc == 0 && r.op == ALEXA_REPORT_STATE, "Alexa, the ReportState shape made right: parsed");
	alexa_request_free(&r);
}

/* ---- the stores ------------------------------------------------------------------ */

static void
test_idmap(void)
{
	struct idmap *m = idmap_new();
	char name[LC_DEVICE_MAX + 2];
	int good = 1;

	if (!ok(m != NULL, "idmap_new"))
		return;
	/* 1000 names: the map grows from its 64 buckets several times. */
	for (int i = 0; i < 1000; i++) {
		(void)snprintf(name, sizeof(name), "name-%d", i);
		good &= idmap_set(m, name, (uint64_t)i + 1, 0) == 0;
	}
	for (int i = 0; i < 1000; i++) {
		(void)snprintf(name, sizeof(name), "name-%d", i);
		good &= idmap_get(m, name) == (uint64_t)i + 1;
	}
	ok(good, "idmap: 1000 names set and found again");
	ok(idmap_get(m, "name-1000") == 0 && idmap_get(m, "") == 0, "idmap: unknown names: 0");
	ok(idmap_set(m, "name-5", 3, 1) == 0 && idmap_get(m, "name-5") == 6,
	   "idmap: keep_max keeps the larger value");
	ok(idmap_set(m, "name-5", 9, 1) == 0 && idmap_get(m, "name-5") == 9,
	   "idmap: keep_max takes a larger value");
	ok(idmap_set(m, "name-5", 2, 0) == 0 && idmap_get(m, "name-5") == 2,
	   "idmap: without keep_max the value is set");
	memset(name, 'n', LC_DEVICE_MAX);
	name[LC_DEVICE_MAX] = '\0';
	ok(idmap_set(m, name, 77, 0) == 0 && idmap_get(m, name) == 77,
	   "idmap: a name of %d bytes", LC_DEVICE_MAX);
	strcat(name, "n");
	ok(idmap_set(m, name, 78, 0) == LC_EINVAL && idmap_get(m, name) == 0,
	   "idmap: a name of %d bytes: LC_EINVAL", LC_DEVICE_MAX + 1);

	/* name-i holds i + 1 (name-5 now 2): below 501 goes, the rest stays. */
	idmap_drop_below(m, 501);
	good = 1;
	for (int i = 0; i < 1000; i++) {
		uint64_t want = i == 5 ? 0 : i >= 500 ? (uint64_t)i + 1 : 0;

		(void)snprintf(name, sizeof(name), "name-%d", i);
		good &= idmap_get(m, name) == want;
	}
	ok(good, "idmap_drop_below: exactly the values below it dropped");
	ok(idmap_set(m, "name-3", 4, 1) == 0 && idmap_get(m, "name-3") == 4,
	   "idmap: a dropped name comes back anew");
	idmap_drop_below(m, UINT64_MAX);
	ok(idmap_get(m, "name-999") == 0 && idmap_get(m, "name-3") == 0,
	   "idmap_drop_below(max): empty");
	ok(idmap_set(m, "again", 1, 0) == 0 && idmap_get(m, "again") == 1,
	   "idmap: usable after being emptied");
	idmap_free(m);
	idmap_free(NULL);
}

static void
test_presence(void)
{
	struct presence *p = presence_new();

	if (!ok(p != NULL, "presence_new"))
		return;
	ok(presence_last(p, "cam-1") == 0, "presence: never pushed: 0");
	presence_seen(p, "cam-1", NOW);
	presence_seen(p, "cam-1", NOW - 5000);
	ok(presence_last(p, "cam-1") == NOW, "presence: an older push does not go back");
	presence_seen(p, "cam-1", NOW + 1);
	ok(presence_last(p, "cam-1") == NOW + 1, "presence: a newer push counts");
	presence_free(p);
	presence_free(NULL);
}

/* A revocation store that has seen policies of these lifetimes. */
static void
check_longest(struct lc_policy *p1, struct lc_policy *p2, const char *what)
{
	struct revocations *r = revocations_new();
	const uint64_t at = NOW;

	if (r == NULL)
		abort();
	revocations_policy(r, p1);
	revocations_policy(r, p2);
	ok(revocations_add(r, "alice", at) == 0, "%s: revoked", what);
	ok(revocations_has(r, "alice", LC_KIND_HLS, at + HLS_LIFE) &&
	   !revocations_has(r, "alice", LC_KIND_HLS, at + HLS_LIFE + 1),
	   "%s: hls: the longer lifetime (pol's)", what);
	ok(revocations_has(r, "alice", LC_KIND_SNAPSHOT, at + 120000) &&
	   !revocations_has(r, "alice", LC_KIND_SNAPSHOT, at + 120001),
	   "%s: snapshot: the longer lifetime (pol_other's)", what);
	ok(revocations_has(r, "alice", LC_KIND_MJPEG, at + 14400000) &&
	   !revocations_has(r, "alice", LC_KIND_MJPEG, at + 14400001),
	   "%s: mjpeg: the default lifetime", what);
	revocations_free(r);
}

static void
test_revocations(void)
{
	struct revocations *r;

	check_longest(pol, pol_other, "lifetimes of two policies");
	check_longest(pol_other, pol, "the same, loaded the other way round");

	/* An entry is dropped once nothing it revokes can be alive: at a
	 * later revocation past the longest lifetime (mjpeg's default, 4 h). */
	if ((r = revocations_new()) == NULL)
		abort();
	revocations_policy(r, pol);
	ok(revocations_add(r, "alice", NOW) == 0 &&
	   revocations_add(r, "bob", NOW + 14400000) == 0 &&
	   revocations_has(r, "alice", LC_KIND_SNAPSHOT, NOW),
	   "a revocation kept while a capability it revokes may live");
	ok(revocations_add(r, "bob", NOW + 14400001) == 0 &&
	   !revocations_has(r, "alice", LC_KIND_MJPEG, NOW) &&
	   revocations_has(r, "bob", LC_KIND_MJPEG, NOW + 14400001),
	   "a revocation dropped past every lifetime");
	ok(revocations_add(r, "bob", NOW) == 0 &&
	   revocations_has(r, "bob", LC_KIND_MJPEG, NOW + 14400001 + 14400000),
	   "a revocation does not move back in time");
	revocations_free(r);
	revocations_free(NULL);
}

/* ---- main ------------------------------------------------------------------------ */

static void
cleanup(void)
{
	char path[sizeof(dir) + 16];

	(void)snprintf(path, sizeof(path), "%s/cap.key", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	char path[sizeof(dir) + 16];

	tap_init();
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 99;
	(void)snprintf(path, sizeof(path), "%s/cap.key", dir);
	if (capability_secret_generate(path) != 0) {
		cleanup();
		return 99;
	}
	pol = load_policy(HLS_LIFE, SNAP_LIFE, 1);
	pol_nosnap = load_policy(HLS_LIFE, SNAP_LIFE, 0);
	pol_other = load_policy(1000, 120000, 1);
	cleanup(); /* the key is in memory now */
	pres = presence_new();
	rv = revocations_new();
	if (!ok(pol != NULL && pol_nosnap != NULL && pol_other != NULL && pres != NULL &&
	        rv != NULL, "the policies load"))
		return tap_done();
	revocations_policy(rv, pol);
	alice = policy_account_by_name(pol, "alice");
	bob = policy_account_by_name(pol, "bob");
	alice_nosnap = policy_account_by_name(pol_nosnap, "alice");

	test_sync();
	test_query();
	test_execute();
	test_discover();
	test_streams();
	test_snapshot_state_grant();
	test_refusals();
	test_intents();
	test_limits();
	test_malformed();
	test_disconnect(); /* last of those that ask: alice is revoked after */
	test_idmap();
	test_presence();
	test_revocations();

	policy_free(pol);
	policy_free(pol_nosnap);
	policy_free(pol_other);
	presence_free(pres);
	revocations_free(rv);
	return tap_done();
}
