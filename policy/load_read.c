/*
 * policy: the loader's typed readers.  Each checks one member of a parsed
 * tree against the schema, reports what is wrong at its file:line:col,
 * and hands back the value; load_*.c build the model with them.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"

#define HEX_DIGEST_LEN (2 * LC_DIGEST_BYTES)

/* ---- errors ------------------------------------------------------------ */

void
load_err_at(struct lctx *c, struct jpos pos, const char *fmt, ...)
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
int
load_note_where(struct lctx *c, struct pwheres *at, size_t i, size_t cap,
                struct jpos pos)
{
	if (at->cap < i + 1) {
		struct pwhere *w = realloc(at->v, cap * sizeof(*w));

		if (w == NULL)
			return LC_ENOMEM;
		at->v = w;
		at->cap = cap;
	}
	at->v[i] = (struct pwhere){ c->file, pos, 0 };
	return 0;
}

/* "defined twice (first at FILE:L:C)" for an entry seen before. */
void
load_err_twice(struct lctx *c, struct jpos pos, const struct pwhere *first)
{
	if (first->file == c->file)
		load_err_at(c, pos,
		            "defined twice (first at line %u, column %u)",
		            (unsigned)first->pos.line, (unsigned)first->pos.col);
	else
		load_err_at(c, pos, "defined twice (first at %s:%u:%u)",
		            c->files[first->file].name, (unsigned)first->pos.line,
		            (unsigned)first->pos.col);
}

/* s if it may be printed as it is, else a stand-in: strings from the
 * file must not reach a terminal with control bytes in them. */
const char *
load_shown(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "(a string with control characters)";
	return s;
}

void
load_oom(struct lctx *c)
{
	c->oom = 1;
}

void
load_not_found(struct lctx *c)
{
	c->forward |= c->ahead;
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
int
load_want_type(struct lctx *c, const struct jnode *n, int t)
{
	if (n->bad)
		return 0;
	if (n->type != t) {
		load_err_at(c, n->pos, "expected %s, got %s", type_name(t),
		            type_name(n->type));
		return 0;
	}
	return 1;
}

/* Reports every member of obj whose key is not in allowed (NULL-ended). */
void
load_check_keys(struct lctx *c, const struct jnode *obj,
                const char *const *allowed)
{
	for (const struct jnode *m = obj->child; m != NULL; m = m->next) {
		size_t i, old;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(m->key, allowed[i]) == 0)
				break;
		if (allowed[i] != NULL)
			continue;
		old = jpath_key(&c->path, m->key);
		load_err_at(c, m->kpos, "unknown key");
		jpath_pop(&c->path, old);
	}
}

/* ---- typed members -------------------------------------------------------
 * Each load_get_* looks up key in obj: returns 1 with *out set if present
 * and valid, 0 if absent (and reports it if required), -1 if invalid
 * (reported).
 */

const struct jnode *
load_member(struct lctx *c, const struct jnode *obj, const char *key,
            int required)
{
	const struct jnode *m = jnode_get(obj, key);

	if (m == NULL && required)
		load_err_at(c, obj->pos, "missing \"%s\"", key);
	return m;
}

char *
load_dup_str(struct lctx *c, const char *s)
{
	char *p = arena_strndup(&c->pol->arena, s, strlen(s));

	if (p == NULL)
		load_oom(c);
	return p;
}

/* The member key of obj if it is of type t, for load_get_*: 1 with
 * *out set, 0 (absent) or -1 (reported at the member's path). */
static int
get_typed(struct lctx *c, const struct jnode *obj, const char *key,
          int required, int t, const struct jnode **out)
{
	const struct jnode *m = load_member(c, obj, key, required);
	size_t old;

	if (m == NULL)
		return 0;
	/* The member's path only for an error: most members are fine. */
	if (m->bad || m->type != t) {
		old = jpath_key(&c->path, key);
		(void)load_want_type(c, m, t);
		jpath_pop(&c->path, old);
		return -1;
	}
	*out = m;
	return 1;
}

int
load_get_str(struct lctx *c, const struct jnode *obj, const char *key,
             int required, const struct jnode **node, const char **out)
{
	const struct jnode *m;
	int rc = get_typed(c, obj, key, required, J_STRING, &m);
	size_t old;

	if (rc != 1)
		return rc;
	if (m->len == 0) {
		old = jpath_key(&c->path, key);
		load_err_at(c, m->pos, "must not be empty");
		jpath_pop(&c->path, old);
		return -1;
	}
	if (node != NULL)
		*node = m;
	*out = m->str;
	return 1;
}

int
load_get_bool(struct lctx *c, const struct jnode *obj, const char *key,
              int *out)
{
	const struct jnode *m;
	int rc = get_typed(c, obj, key, 0, J_BOOL, &m);

	if (rc == 1)
		*out = m->boolean;
	return rc;
}

/* Parses JSON number text as an integer strictly: no fraction, no
 * exponent.  0, -1 (not an integer) or -2 (beyond int64). */
int
load_parse_int(const char *s, int64_t *out)
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

int
load_get_int(struct lctx *c, const struct jnode *obj, const char *key,
             int64_t min, int64_t max, int64_t *out)
{
	const struct jnode *m = load_member(c, obj, key, 0);
	int64_t v = 0;
	size_t old;
	int rc = -1;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	if (m->type == J_NUMBER && !m->bad) {
		int r = load_parse_int(m->str, &v);

		if (r == -1)
			load_err_at(c, m->pos, "expected an integer");
		else if (r == -2 || v < min || v > max)
			load_err_at(c, m->pos, "out of range (%lld to %lld)",
			            (long long)min, (long long)max);
		else
			rc = 1;
	} else if (!m->bad) {
		load_err_at(c, m->pos, "expected an integer, got %s",
		            type_name(m->type));
	}
	jpath_pop(&c->path, old);
	if (rc == 1)
		*out = v;
	return rc;
}

/* Eight bytes, the first in the lowest: one load on x86. */
static uint64_t
le64(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return le64toh(w);
}

/* Eight lower-case hex digits (w from le64()) as four bytes at out; 0,
 * or -1 if one of them is not such a digit.  All eight at once: a
 * policy holds millions of digests, and a branch a digit on random
 * digits mispredicts every other time. */
static int
hex8(uint64_t w, uint8_t out[4])
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t digit, letter, v;
	uint32_t o;

	if (w & high)
		return -1;
	/* Below 0x80, b + (0x80 - x) has its high bit set when b >= x and
	 * carries into no other byte. */
	digit = (w + ones * (0x80 - '0')) & ~(w + ones * (0x80 - '9' - 1)) & high;
	letter = (w + ones * (0x80 - 'a')) & ~(w + ones * (0x80 - 'f' - 1)) & high;
	if ((digit | letter) != high)
		return -1;
	v = (w & ones * 0x0f) + (letter >> 7) * 9;  /* each byte's value */
	v = (v & 0x000f000f000f000fULL) << 4 | (v >> 8 & 0x000f000f000f000fULL);
	v = (v | v >> 8) & 0x0000ffff0000ffffULL;
	o = htole32((uint32_t)(v | v >> 16));
	memcpy(out, &o, sizeof(o));
	return 0;
}

/* 64 lower-case hex digits as 32 bytes; 0, or -1 if s is not that. */
int
load_hex_digest(const char *s, size_t len, uint8_t out[LC_DIGEST_BYTES])
{
	const unsigned char *u = (const unsigned char *)s;

	if (len != HEX_DIGEST_LEN)
		return -1;
	for (size_t i = 0; i < LC_DIGEST_BYTES / 4; i++)
		if (hex8(le64(u + 8 * i), out + 4 * i) != 0)
			return -1;
	return 0;
}

/* A SHA-256 as 64 lower-case hex digits; the value is never printed. */
int
load_get_digest(struct lctx *c, const struct jnode *obj, const char *key,
                int required, const struct jnode **node,
                uint8_t out[LC_DIGEST_BYTES])
{
	const struct jnode *m;
	const char *s;
	int rc = load_get_str(c, obj, key, required, &m, &s);
	size_t old;

	if (rc != 1)
		return rc;
	if (load_hex_digest(s, m->len, out) != 0) {
		old = jpath_key(&c->path, key);
		load_err_at(c, m->pos,
		            "expected 64 lower-case hex digits (SHA-256)");
		jpath_pop(&c->path, old);
		return -1;
	}
	if (node != NULL)
		*node = m;
	return 1;
}

/* A file the daemon will read: the string m, resolved against the
 * policy file's directory, must name a readable regular file.  The
 * caller has pushed m's key; problems with the file are reported at the
 * key's position.  1 or -1. */
int
load_file_node(struct lctx *c, const struct jnode *m, const char **out)
{
	const char *dir = c->files[c->file].dir;
	struct stat st;
	char *full;
	size_t n;

	if (!load_want_type(c, m, J_STRING))
		return -1;
	if (m->len == 0) {
		load_err_at(c, m->pos, "must not be empty");
		return -1;
	}
	if (m->str[0] == '/' || dir[0] == '\0') {
		full = load_dup_str(c, m->str);
	} else {
		n = strlen(dir) + 1 + m->len + 1;
		if ((full = arena_alloc(&c->pol->arena, n)) == NULL)
			load_oom(c);
		else
			snprintf(full, n, "%s/%s", dir, m->str);
	}
	if (full == NULL)
		return -1;
	if (!(c->flags & POLICY_NO_FILES)) {
		if (stat(full, &st) == -1 || access(full, R_OK) == -1) {
			load_err_at(c, m->kpos, "cannot read %s: %s",
			            load_shown(full), strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			load_err_at(c, m->kpos, "%s: not a regular file",
			            load_shown(full));
			return -1;
		}
	}
	*out = full;
	return 1;
}

int
load_get_file(struct lctx *c, const struct jnode *obj, const char *key,
              int required, const char **out)
{
	const struct jnode *m = load_member(c, obj, key, required);
	size_t old;
	int rc;

	if (m == NULL)
		return 0;
	old = jpath_key(&c->path, key);
	rc = load_file_node(c, m, out);
	jpath_pop(&c->path, old);
	return rc;
}

/* An array of strings; each element is checked by the caller through
 * the returned node.  1, 0 (absent) or -1. */
int
load_get_array(struct lctx *c, const struct jnode *obj, const char *key,
               int required, const struct jnode **out)
{
	return get_typed(c, obj, key, required, J_ARRAY, out);
}

/* Runs load(c, e) on each member e of an object sec (type J_OBJECT) or
 * element of an array (J_ARRAY), with e's key or index on the path, until
 * memory runs out or the load is to run again (load_not_found()); the
 * number run. */
size_t
load_each(struct lctx *c, const struct jnode *sec, int t,
          void (*load)(struct lctx *, const struct jnode *))
{
	return load_each_ahead(c, sec, t, load, NULL);
}

/* How many entries ahead of the one loaded load_each_ahead() looks:
 * enough to cover a wait for memory, few enough that what it fetched is
 * still in the cache when its turn comes. */
#define LOAD_AHEAD 8

/* load_each(), calling ahead(c, e), if not NULL, on each entry
 * LOAD_AHEAD entries before loading it. */
size_t
load_each_ahead(struct lctx *c, const struct jnode *sec, int t,
                void (*load)(struct lctx *, const struct jnode *),
                void (*ahead)(const struct lctx *, const struct jnode *))
{
	const struct jnode *la = NULL;
	size_t i = 0;

	if (!load_want_type(c, sec, t))
		return 0;
	if (ahead != NULL)
		for (la = sec->child; la != NULL && i < LOAD_AHEAD; la = la->next, i++)
			ahead(c, la);
	i = 0;
	for (const struct jnode *e = sec->child; e != NULL && !c->oom &&
	     !c->forward; e = e->next, i++) {
		size_t old = t == J_OBJECT ? jpath_key(&c->path, e->key)
		                           : jpath_index(&c->path, i);

		if (la != NULL) {
			ahead(c, la);
			la = la->next;
		}
		load(c, e);
		jpath_pop(&c->path, old);
	}
	return i;
}
