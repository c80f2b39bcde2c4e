/*
 * What the platform fronts share (platform/platform.h): the JSON writer,
 * visibility, presence and links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assistant/capability.h"
#include "platform/platform.h"

int
jw_open(struct jw *w)
{
	w->bad = 0;
	if ((w->g = yajl_gen_alloc(NULL)) == NULL)
		return LC_ENOMEM;
	if (!yajl_gen_config(w->g, yajl_gen_validate_utf8, 1)) {
		yajl_gen_free(w->g);
		w->g = NULL;
		return LC_ENOMEM;
	}
	return 0;
}

void
jw_close(struct jw *w)
{
	if (w->g != NULL)
		yajl_gen_free(w->g);
	w->g = NULL;
}

char *
jw_done(struct jw *w, size_t *len)
{
	const unsigned char *buf;
	char *out;

	if (w->bad || yajl_gen_get_buf(w->g, &buf, len) != yajl_gen_status_ok)
		return NULL;
	if ((out = malloc(*len + 1)) == NULL)
		return NULL;
	memcpy(out, buf, *len);
	out[*len] = '\n';
	(*len)++;
	return out;
}

static void
jw_check(struct jw *w, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		w->bad = 1;
}

void jw_map(struct jw *w) { jw_check(w, yajl_gen_map_open(w->g)); }
void jw_end_map(struct jw *w) { jw_check(w, yajl_gen_map_close(w->g)); }
void jw_array(struct jw *w) { jw_check(w, yajl_gen_array_open(w->g)); }
void jw_end_array(struct jw *w) { jw_check(w, yajl_gen_array_close(w->g)); }
void jw_int(struct jw *w, long long v) { jw_check(w, yajl_gen_integer(w->g, v)); }
void jw_bool(struct jw *w, int v) { jw_check(w, yajl_gen_bool(w->g, v)); }

void
jw_str(struct jw *w, const char *s)
{
	jw_check(w, yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}

void
jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_str(w, key);
	jw_str(w, s);
}

void
jw_kint(struct jw *w, const char *key, long long v)
{
	jw_str(w, key);
	jw_int(w, v);
}

void
jw_kbool(struct jw *w, const char *key, int v)
{
	jw_str(w, key);
	jw_bool(w, v);
}

const struct policy_device *
platform_visible(const struct platform_ctx *ctx, const char *id)
{
	const struct policy_device *dev;

	if (!lc_valid_device(id) || (dev = policy_device_by_name(ctx->pol, id)) == NULL)
		return NULL;
	return policy_may_see_device(ctx->pol, ctx->acct, dev) ? dev : NULL;
}

int
platform_online(const struct platform_ctx *ctx, const struct policy_device *dev)
{
	uint64_t last;

	if (ctx->route->online_ms == 0)
		return 1;
	last = ctx->presence != NULL ? presence_last(ctx->presence, policy_device_name(dev)) : 0;
	return last != 0 && last + ctx->route->online_ms >= ctx->now_ms;
}

int
platform_serves(const struct platform_ctx *ctx, int kind)
{
	size_t nkeys;

	(void)policy_capability_keys(ctx->pol, &nkeys);
	return nkeys > 0 &&
	       policy_capability_route(ctx->pol, ctx->route->face->name, "GET", kind) != NULL;
}

int
platform_link(const struct platform_ctx *ctx, const struct policy_device *dev,
              int kind, char url[PLATFORM_URL_MAX], uint64_t *expires_ms)
{
	size_t n = strlen(ctx->route->public_url);
	int rc;

	if (!platform_serves(ctx, kind))
		return LC_EINVAL;
	if (n >= PLATFORM_URL_MAX)
		return LC_ESPACE;
	memcpy(url, ctx->route->public_url, n);
	rc = capability_mint_path(ctx->pol, policy_account_name(ctx->acct),
	                          policy_device_name(dev), kind, ctx->now_ms, url + n,
	                          PLATFORM_URL_MAX - n, expires_ms);
	return rc;
}

void
platform_time(uint64_t ms, char buf[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		(void)snprintf(buf, 32, "1970-01-01T00:00:00");
	(void)snprintf(buf + strlen(buf), 32 - strlen(buf), ".%03uZ",
	               (unsigned)(ms % 1000));
}

const struct jnode *
platform_json(struct arena *a, const uint8_t *body, size_t len)
{
	struct perrs errs = { 0 };
	struct jnode *root = NULL;
	int rc;

	if (len > PLATFORM_BODY_MAX)
		return NULL;
	rc = json_parse_strict(a, (const char *)body, len, 0, &errs, &root);
	if (rc != 0 || perrs_count(&errs) != 0 || root == NULL || root->type != J_OBJECT)
		root = NULL;
	perrs_free(&errs);
	return root;
}

const struct jnode *
platform_get(const struct jnode *obj, const char *key, int t)
{
	const struct jnode *m = obj != NULL ? jnode_get(obj, key) : NULL;

	return m != NULL && m->type == t ? m : NULL;
}

const char *
platform_str(const struct jnode *obj, const char *key, size_t max)
{
	const struct jnode *m = platform_get(obj, key, J_STRING);

	return m != NULL && m->len > 0 && m->len <= max ? m->str : NULL;
}
