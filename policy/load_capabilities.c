/*
 * policy: loading "capabilities": the keys that mint and verify
 * capability URLs (common/capability_format.h), each an id and a secret file
 * read into sodium_malloc'd memory now, and the lifetime of a capability
 * per media kind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define LIFETIME_MAX_MS 604800000 /* a week */

/* One key: {"id": "k2", "secret": "path"}. */
static void
load_cap_key(struct lctx *c, const struct jnode *k)
{
	static const char *const keys[] = { "id", "secret", NULL };
	struct lc_policy *pol = c->pol;
	struct capability_key key = { NULL, NULL };
	const struct jnode *n;
	const char *id, *path;
	uint8_t *secret = NULL;
	size_t old;
	int rc;

	if (!load_want_type(c, k, J_OBJECT))
		return;
	load_check_keys(c, k, keys);
	if (load_get_str(c, k, "id", 1, &n, &id) == 1) {
		old = jpath_key(&c->path, "id");
		if (!capability_key_id_ok(id)) {
			load_err_at(c, n->pos, "not a key id (1-32 of [A-Za-z0-9._-])");
			id = NULL;
		}
		for (size_t i = 0; id != NULL && i < pol->ncap_keys; i++)
			if (strcmp(pol->cap_keys[i].id, id) == 0) {
				load_err_at(c, n->pos, "key id \"%s\" listed twice", id);
				id = NULL;
			}
		jpath_pop(&c->path, old);
	} else {
		id = NULL;
	}
	if (load_get_file(c, k, "secret", 1, &path) != 1 || id == NULL)
		return;
	if (!(c->flags & POLICY_NO_FILES) &&
	    (rc = capability_secret_load(path, &secret)) != 0) {
		old = jpath_key(&c->path, "secret");
		load_err_at(c, jnode_get(k, "secret")->kpos,
		            "cannot load secret %s: %s", load_shown(path),
		            rc == LC_EIO ? strerror(errno) :
		            rc == LC_EPERM ? "readable or writable by group or others" :
		            rc == LC_EFORMAT ? "not a file of exactly 32 bytes" :
		            lc_strerror(rc));
		jpath_pop(&c->path, old);
		return;
	}
	key.secret = secret;
	if ((key.id = load_dup_str(c, id)) == NULL)
		goto fail;
	if (pol->ncap_keys == pol->cap_keys_cap) {
		size_t cap = pol->cap_keys_cap ? pol->cap_keys_cap * 2 : 4;
		struct capability_key *v = realloc(pol->cap_keys, cap * sizeof(*v));

		if (v == NULL)
			goto fail;
		pol->cap_keys = v;
		pol->cap_keys_cap = cap;
	}
	pol->cap_keys[pol->ncap_keys++] = key;
	return;
fail:
	capability_secret_free(secret);
	load_oom(c);
}

/* "lifetime_ms": { "hls": ms, "mjpeg": ms, "snapshot": ms }, each optional. */
static void
load_lifetimes(struct lctx *c, const struct jnode *obj)
{
	static const char *const keys[] = { "hls", "mjpeg", "snapshot", NULL };
	size_t old = jpath_key(&c->path, "lifetime_ms");
	int64_t v;

	if (!load_want_type(c, obj, J_OBJECT))
		goto out;
	load_check_keys(c, obj, keys);
	for (size_t i = 0; keys[i] != NULL; i++)
		if (load_get_int(c, obj, keys[i], 1000, LIFETIME_MAX_MS, &v) == 1)
			c->pol->cap_lifetime_ms[lc_kind_from_name(keys[i])] = (uint32_t)v;
out:
	jpath_pop(&c->path, old);
}

void
load_capabilities(struct lctx *c, const struct jnode *sec)
{
	static const char *const keys[] = { "keys", "lifetime_ms", NULL };
	const struct jnode *list, *life;
	size_t old;

	if (c->have_capabilities) {
		load_err_twice(c, sec->kpos, &c->capabilities_at);
		return;
	}
	c->have_capabilities = 1;
	c->capabilities_at = (struct pwhere){ c->file, sec->kpos, 0 };
	if (!load_want_type(c, sec, J_OBJECT))
		return;
	load_check_keys(c, sec, keys);
	if ((life = load_member(c, sec, "lifetime_ms", 0)) != NULL)
		load_lifetimes(c, life);
	if (load_get_array(c, sec, "keys", 1, &list) != 1)
		return;
	old = jpath_key(&c->path, "keys");
	if (list->len == 0)
		load_err_at(c, list->pos, "must list at least one key (the first mints)");
	(void)load_each(c, list, J_ARRAY, load_cap_key);
	jpath_pop(&c->path, old);
}
