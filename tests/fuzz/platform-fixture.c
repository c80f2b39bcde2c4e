/*
 * The platform fuzz targets' fixed policy and shared checks
 * (platform-fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "assistant/capability.h"
#include "platform/front.h"
#include "check.h"
#include "platform-fixture.h"

const char *const pf_accounts[PF_ACCOUNTS] = { "alice", "bob", "carol" };

/* Every device of the policy, and what the policy says of it that only
 * its accounts may read. */
static const struct {
	const char *id;
	const char *secret[6];
} devices[] = {
	{ "cam-a1", { "Aname1", "Aroom1", "Amake1", "Amodel1", "Ahw1", "Asw1" } },
	{ "cam-a2", { NULL } },
	{ "cam-b1", { "Bname1", "Broom1", "Bmake1", "Bmodel1", "Bhw1", "Bsw1" } },
	{ "cam-b2", { "Bname2", NULL } },
	{ "cam-s", { "Sname", "Sroom", NULL } },
	{ "cam-x", { "Xname", "Xroom", "Xmake", NULL } },
};
#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

#define INFO(p) "\"name\": \"" p "name1\", \"room\": \"" p "room1\", \"info\": { " \
	"\"manufacturer\": \"" p "make1\", \"model\": \"" p "model1\", \"hw_version\": \"" \
	p "hw1\", \"sw_version\": \"" p "sw1\" }"
#define AUTH(d) "\"auth\": { \"token_sha256\": \"" \
	"000000000000000000000000000000000000000000000000000000000000000" d "\" }"

static const char policy_text[] =
	"{ \"listeners\": { \"assistant\": { \"listen\": \"127.0.0.1:8443\", \"plain\": true } },\n"
	"  \"backend\": { \"url\": \"https://127.0.0.1:9443\" },\n"
	"  \"capabilities\": { \"keys\": [ { \"id\": \"k1\", \"secret\": \"cap.key\" } ],\n"
	"      \"lifetime_ms\": { \"hls\": 3600000, \"snapshot\": 60000 } },\n"
	"  \"devices\": {\n"
	"    \"cam-a1\": { " AUTH("1") ", " INFO("A") ",\n"
	"      \"resolutions\": [ { \"width\": 1920, \"height\": 1080 },\n"
	"                       { \"width\": 640, \"height\": 360 } ] },\n"
	"    \"cam-a2\": { " AUTH("2") " },\n"
	"    \"cam-b1\": { " AUTH("3") ", " INFO("B") ",\n"
	"      \"resolutions\": [ { \"width\": 1280, \"height\": 720 } ] },\n"
	"    \"cam-b2\": { " AUTH("4") ", \"name\": \"Bname2\" },\n"
	"    \"cam-s\": { " AUTH("5") ", \"name\": \"Sname\", \"room\": \"Sroom\" },\n"
	"    \"cam-x\": { " AUTH("6") ", \"name\": \"Xname\", \"room\": \"Xroom\",\n"
	"      \"info\": { \"manufacturer\": \"Xmake\" } } },\n"
	"  \"accounts\": { \"alice\": { \"devices\": [\"cam-a1\", \"cam-a2\", \"cam-s\"] },\n"
	"                \"bob\": { \"devices\": [\"cam-b1\", \"cam-b2\", \"cam-s\"] },\n"
	"                \"carol\": { \"devices\": [] } },\n"
	"  \"routes\": [\n"
	"    { \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/google\",\n"
	"      \"platform\": \"google\", \"public_url\": \"https://g.example\",\n"
	"      \"online_ms\": 60000 },\n"
	"    { \"face\": \"assistant\", \"method\": \"POST\", \"path\": \"/alexa\",\n"
	"      \"platform\": \"alexa\", \"public_url\": \"https://a.example:8443\",\n"
	"      \"online_ms\": 60000 },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\", \"path\": \"/h/{device}/{name}\",\n"
	"      \"backend\": \"/hls/{device}/{name}\", \"media\": \"hls\" },\n"
	"    { \"face\": \"assistant\", \"method\": \"GET\", \"path\": \"/p/{device}\",\n"
	"      \"backend\": \"/f/{device}\", \"media\": \"snapshot\" } ] }\n";

static struct lc_policy *pol;
static struct presence *presence;
static struct revocations *revoked;
static char dir[] = "/tmp/fuzz-platform.XXXXXX";
static char key_path[sizeof(dir) + 16];

/* Removes the temp dir: once the policy is loaded its key is in memory,
 * and nothing is left behind should a check abort. */
static void
cleanup(void)
{
	(void)unlink(key_path);
	(void)rmdir(dir);
}

void
pf_init(void)
{
	char name[sizeof(dir) + 16];

	if (pol != NULL)
		return;
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		abort();
	(void)snprintf(key_path, sizeof(key_path), "%s/cap.key", dir);
	(void)snprintf(name, sizeof(name), "%s/p.json", dir);
	if (capability_secret_generate(key_path) != 0 ||
	    policy_load_mem(name, policy_text, strlen(policy_text), 0, &pol, stderr) != 0) {
		cleanup();
		abort();
	}
	cleanup();
	if ((presence = presence_new()) == NULL || (revoked = revocations_new()) == NULL)
		abort();
	revocations_policy(revoked, pol);
	presence_seen(presence, "cam-a1", PF_NOW - 1000);
	presence_seen(presence, "cam-b1", PF_NOW);
	presence_seen(presence, "cam-b2", PF_NOW - 60001);
	presence_seen(presence, "cam-s", PF_NOW - 60000);
	presence_seen(presence, "cam-x", PF_NOW);
}

struct platform_ctx
pf_ctx(int platform, int i)
{
	struct platform_ctx c = { pol, NULL, policy_account_by_name(pol, pf_accounts[i]),
	                          PF_NOW, presence, revoked, 0, 0 };

	for (size_t r = 0; r < policy_route_count(pol); r++)
		if (policy_route(pol, r)->platform == platform)
			c.route = policy_route(pol, r);
	CHECK(c.route != NULL && c.acct != NULL);
	return c;
}

int
pf_visible(const struct platform_ctx *ctx, const char *id)
{
	return policy_may_see(ctx->pol, ctx->acct, id);
}

/* ---- the request's strings ------------------------------------------------------ */

static void
add_string(struct pf_input *in, const char *s)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		const char **v = realloc(in->s, cap * sizeof(*v));

		if (v == NULL)
			abort();
		in->s = v;
		in->cap = cap;
	}
	in->s[in->n++] = s;
}

static void
collect(struct pf_input *in, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		add_string(in, v->u.string);
	} else if (YAJL_IS_OBJECT(v)) {
		for (size_t i = 0; i < v->u.object.len; i++) {
			add_string(in, v->u.object.keys[i]);
			collect(in, v->u.object.values[i]);
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++)
			collect(in, v->u.array.values[i]);
	}
}

void
pf_input_read(struct pf_input *in, const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[128];

	memset(in, 0, sizeof(*in));
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	/* What the strict parser took, yajl_tree (which allows more) takes. */
	in->root = yajl_tree_parse(text, err, sizeof(err));
	free(text);
	CHECK(in->root != NULL);
	collect(in, in->root);
}

void
pf_input_free(struct pf_input *in)
{
	yajl_tree_free(in->root);
	free(in->s);
	memset(in, 0, sizeof(*in));
}

int
pf_echoed(const struct pf_input *in, const char *s)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->s[i], s) == 0)
			return 1;
	return 0;
}

/* ---- the answer ------------------------------------------------------------------ */

yajl_val
pf_get(yajl_val v, const char **path)
{
	return v != NULL ? yajl_tree_get(v, path, yajl_t_any) : NULL;
}

const char *
pf_str(yajl_val v)
{
	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

const char *
pf_text(yajl_val v, const char **path)
{
	const char *s = pf_str(pf_get(v, path));

	return s != NULL ? s : "";
}

/* Whether url is a capability URL of ctx's route for its account and a
 * device it sees, of the kind its file says, minted now. */
static int
good_link(const struct platform_ctx *ctx, const char *url)
{
	const struct capability_key *keys;
	struct capability_claims cl;
	const char *cap, *end;
	size_t nkeys, n = strlen(ctx->route->public_url);
	int kind;

	if (strncmp(url, ctx->route->public_url, n) != 0 || strncmp(url + n, "/s/", 3) != 0)
		return 0;
	cap = url + n + 3;
	if ((end = strchr(cap, '/')) == NULL)
		return 0;
	kind = strcmp(end + 1, "index.m3u8") == 0 ? LC_KIND_HLS :
	       strcmp(end + 1, "snapshot.jpg") == 0 ? LC_KIND_SNAPSHOT : 0;
	keys = policy_capability_keys(ctx->pol, &nkeys);
	return kind != 0 &&
	       capability_open(cap, (size_t)(end - cap), keys, nkeys, PF_NOW, &cl) ==
	       CAPABILITY_OK &&
	       strcmp(cl.account, policy_account_name(ctx->acct)) == 0 &&
	       pf_visible(ctx, cl.device) && cl.kind == kind &&
	       cl.expires_ms == PF_NOW + policy_capability_lifetime(ctx->pol, kind);
}

/* A string of the answer that is not an echo of the request. */
static void
check_string(const struct platform_ctx *ctx, const char *s)
{
	if (strstr(s, "://") != NULL) {
		CHECK(good_link(ctx, s));
		return;
	}
	for (size_t d = 0; d < NDEVICES; d++) {
		if (pf_visible(ctx, devices[d].id))
			continue;
		CHECK(strcmp(s, devices[d].id) != 0);
		for (size_t i = 0; i < 6 && devices[d].secret[i] != NULL; i++)
			CHECK(strstr(s, devices[d].secret[i]) == NULL);
	}
}

static void
check_tree(const struct platform_ctx *ctx, const struct pf_input *in, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		if (!pf_echoed(in, v->u.string))
			check_string(ctx, v->u.string);
	} else if (YAJL_IS_OBJECT(v)) {
		for (size_t i = 0; i < v->u.object.len; i++) {
			for (size_t j = 0; j < i; j++)
				CHECK(strcmp(v->u.object.keys[i], v->u.object.keys[j]) != 0);
			if (!pf_echoed(in, v->u.object.keys[i]))
				check_string(ctx, v->u.object.keys[i]);
			check_tree(ctx, in, v->u.object.values[i]);
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++)
			check_tree(ctx, in, v->u.array.values[i]);
	}
}

yajl_val
pf_check_answer(const struct platform_ctx *ctx, const struct pf_input *in,
                const char *text, size_t len)
{
	char *copy, err[128];
	yajl_val root;

	CHECK(text != NULL && len > 1 && text[len - 1] == '\n');
	CHECK(memchr(text, '\0', len) == NULL);
	if ((copy = malloc(len + 1)) == NULL)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	root = yajl_tree_parse(copy, err, sizeof(err));
	free(copy);
	CHECK(root != NULL && YAJL_IS_OBJECT(root));
	check_tree(ctx, in, root);
	return root;
}

/* ---- through a front ------------------------------------------------------------- */

/* A refusal of status is a JSON object of one of the platform's shapes. */
static void
check_refusal(struct front *f, int platform, unsigned status, int expired)
{
	static const char *google_err[] = { "payload", "errorCode", NULL };
	static const char *alexa_err[] = { "event", "payload", "type", NULL };
	char *body, *copy, err[128];
	yajl_val root;
	size_t len;

	CHECK(front_refusal(f, status, expired, &body, &len) == status);
	CHECK(body != NULL && len > 1 && body[len - 1] == '\n');
	if ((copy = malloc(len + 1)) == NULL)
		abort();
	memcpy(copy, body, len);
	copy[len] = '\0';
	root = yajl_tree_parse(copy, err, sizeof(err));
	CHECK(root != NULL);
	CHECK(pf_str(pf_get(root, platform == POLICY_PLATFORM_GOOGLE ? google_err
	                                                             : alexa_err)) != NULL);
	yajl_tree_free(root);
	free(copy);
	free(body);
}

void
pf_front(int platform, const uint8_t *data, size_t size, int parsed)
{
	struct front *f = front_new(platform);
	size_t half = size / 2;
	const char *why, *token = "unset";
	int fits = size <= PLATFORM_BODY_MAX, in = half <= PLATFORM_BODY_MAX;

	CHECK(f != NULL);
	check_refusal(f, platform, 401, 0); /* before anything is read */
	/* Never 0 bytes: the assistant face has none to give. */
	if (half > 0)
		CHECK((front_body(f, (const char *)data, half) == 0) == in);
	if (size > half && in)
		CHECK((front_body(f, (const char *)data + half, size - half) == 0) == fits);
	if (fits) {
		why = front_parse(f, "bearer", &token);
		CHECK((why == NULL) == parsed);
		CHECK(why == NULL || *why != '\0');
		CHECK(front_intent(f) != NULL);
		if (why == NULL && platform == POLICY_PLATFORM_GOOGLE)
			CHECK(token != NULL && strcmp(token, "bearer") == 0);
		/* An Alexa directive without a token is taken: its
		 * session is refused (401) after. */
		if (why == NULL && platform == POLICY_PLATFORM_ALEXA)
			CHECK(token == NULL || *token != '\0');
	}
	check_refusal(f, platform, 400, 0);
	check_refusal(f, platform, 401, 1);
	check_refusal(f, platform, 413, 0);
	check_refusal(f, platform, 500, 0);
	front_free(f);
}

/* libFuzzer's hook: the policy loaded before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pf_init();
	return 0;
}

/* Answers req for account i and checks the answer. */
static void
run_answer(const struct pf_target *t, const void *req, const struct pf_input *in, int i)
{
	struct platform_ctx ctx = pf_ctx(t->platform, i);
	struct jw w;
	unsigned status;
	yajl_val root;
	char *text;
	size_t len;

	CHECK(jw_open(&w) == 0);
	status = t->answer(&ctx, req, &w);
	text = jw_done(&w, &len);
	jw_close(&w);
	CHECK(status == 200);
	root = pf_check_answer(&ctx, in, text, len);
	t->check_answer(&ctx, req, root, text, len);
	yajl_tree_free(root);
	free(text);
}

void
pf_run(const struct pf_target *t, void *req, const uint8_t *data, size_t size)
{
	struct pf_input in;
	const char *why = NULL;
	int rc, taken;

	pf_init();
	rc = t->parse(data, size, req, &why);
	taken = rc == 0 && t->known(req);
	if (rc != 0)
		CHECK(rc == LC_EFORMAT && why != NULL);
	else
		t->check_parsed(req, size, taken);
	if (taken) {
		pf_input_read(&in, data, size);
		for (int i = 0; i < PF_ACCOUNTS; i++)
			run_answer(t, req, &in, i);
		pf_input_free(&in);
	}
	t->release(req);
	pf_front(t->platform, data, size, taken);
}
