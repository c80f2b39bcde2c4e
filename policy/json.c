/*
 * policy: the position-tracking layer over yajl's callback parser.  yajl
 * gives no positions, no depth limit and keeps duplicate keys; this file
 * adds all three, so the loader can say file:line:col for every value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yajl/yajl_parse.h>

#include "lenscap.h"
#include "json.h"
#include "table.h"

/* ---- paths ------------------------------------------------------------ */

static void
jpath_append(struct jpath *p, const char *s, size_t n)
{
	char *d = p->buf + p->len;

	if (n > sizeof(p->buf) - 1 - p->len)
		n = sizeof(p->buf) - 1 - p->len;
	memcpy(d, s, n);
	/* Keys come from the file: no control bytes on a terminal. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
			d[i] = '?';
	p->len += n;
	p->buf[p->len] = '\0';
}

/* Appends ".key" (or "key" at the root); returns the length to pop to. */
size_t
jpath_key(struct jpath *p, const char *key)
{
	size_t old = p->len;

	if (p->len > 0)
		jpath_append(p, ".", 1);
	jpath_append(p, key, strlen(key));
	return old;
}

/* Appends "[i]"; returns the length to pop to.  By hand, not
 * snprintf(): a policy of millions of entries appends millions. */
size_t
jpath_index(struct jpath *p, size_t i)
{
	char b[32];
	size_t old = p->len, n = sizeof(b);

	b[--n] = ']';
	do {
		b[--n] = (char)('0' + i % 10);
		i /= 10;
	} while (i > 0);
	b[--n] = '[';
	jpath_append(p, b + n, sizeof(b) - n);
	return old;
}

/* Back to an earlier length. */
void
jpath_pop(struct jpath *p, size_t len)
{
	if (len <= p->len) {
		p->len = len;
		p->buf[len] = '\0';
	}
}

/* The path as text; "$" for the root. */
const char *
jpath_str(const struct jpath *p)
{
	return p->len == 0 ? "$" : p->buf;
}

/* ---- errors ----------------------------------------------------------- */

/* Twice the room for errors; 0 or LC_ENOMEM. */
static int
perrs_grow(struct perrs *e)
{
	size_t cap = e->cap ? e->cap * 2 : 16;
	struct perr *v = realloc(e->v, cap * sizeof(*v));

	if (v == NULL)
		return LC_ENOMEM;
	e->v = v;
	e->cap = cap;
	return 0;
}

/* Records one error; past PERRS_MAX or without memory it is counted only. */
void
perrs_add(struct perrs *e, int file, struct jpos pos, const char *path,
          const char *fmt, ...)
{
	char msg[512];
	struct perr *r;
	va_list ap;
	int n;

	if (e->n >= PERRS_MAX) {
		e->dropped++;
		return;
	}
	if (e->n == e->cap && perrs_grow(e) != 0) {
		e->dropped++;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	r = &e->v[e->n];
	n = path != NULL ? snprintf(NULL, 0, "%s: %s", path, msg)
	                 : snprintf(NULL, 0, "%s", msg);
	if (n < 0 || (r->text = malloc((size_t)n + 1)) == NULL) {
		e->dropped++;
		return;
	}
	if (path != NULL)
		snprintf(r->text, (size_t)n + 1, "%s: %s", path, msg);
	else
		snprintf(r->text, (size_t)n + 1, "%s", msg);
	r->file = file;
	r->pos = pos;
	r->seq = e->seq++;
	e->n++;
}

/* Appends from's errors to e's, as if recorded in e now; empties from. */
void
perrs_move(struct perrs *e, struct perrs *from)
{
	for (size_t i = 0; i < from->n; i++) {
		struct perr *r = &from->v[i];

		if (e->n >= PERRS_MAX || (e->n == e->cap && perrs_grow(e) != 0)) {
			e->dropped++;
			free(r->text);
			continue;
		}
		r->seq = e->seq++;
		e->v[e->n++] = *r;
	}
	e->dropped += from->dropped;
	free(from->v);
	*from = (struct perrs){ 0 };
}

/* Errors recorded or dropped. */
size_t
perrs_count(const struct perrs *e)
{
	return e->n + e->dropped;
}

static int
perr_cmp(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts by file, line, column, then order found; prints each. */
void
perrs_print(struct perrs *e, FILE *f)
{
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), perr_cmp);
	if (f == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		const struct perr *r = &e->v[i];
		const char *name = (size_t)r->file < e->nfiles
		                   ? e->files[r->file] : "(policy)";

		if (r->pos.line == 0)
			fprintf(f, "%s: %s\n", name, r->text);
		else
			fprintf(f, "%s:%u:%u: %s\n", name, (unsigned)r->pos.line,
			        (unsigned)r->pos.col, r->text);
	}
	if (e->dropped > 0)
		fprintf(f, "%s: %zu more errors not shown\n",
		        e->nfiles > 0 ? e->files[0] : "(policy)", e->dropped);
}

/* Frees the messages. */
void
perrs_free(struct perrs *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].text);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = e->dropped = 0;
}

/* Frees the messages past the first n. */
void
perrs_truncate(struct perrs *e, size_t n, size_t dropped)
{
	for (size_t i = n; i < e->n; i++)
		free(e->v[i].text);
	if (n < e->n)
		e->n = n;
	if (dropped < e->dropped)
		e->dropped = dropped;
}

/* ---- tree ------------------------------------------------------------- */

/* Member lookup by a linear scan: schema objects are small. */
const struct jnode *
jnode_get(const struct jnode *obj, const char *key)
{
	if (obj == NULL || obj->type != J_OBJECT)
		return NULL;
	for (const struct jnode *m = obj->child; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

/* ---- the parser ------------------------------------------------------- */

/* Objects with more members than this find duplicates by hash. */
#define LINEAR_KEYS 16

struct frame {
	struct jnode *node;
	struct jnode *last;
	struct strtab *keys;  /* member names, once past LINEAR_KEYS */
	struct jnode *pending; /* made at its key when keys indexes it */
	const char *key;      /* the pending member's name (objects) */
	struct jpos kpos;
	int skip;             /* the pending member is a duplicate */
	const char *seg_key;  /* where this container sits in its parent: */
	size_t seg_index;     /* under seg_key (an object's), else at this
	                       * index (an array's); neither for the root */
	int seg;
};

struct jparser {
	yajl_handle h;
	struct arena *a;
	struct perrs *errs;
	int file;
	const unsigned char *buf;
	size_t len;
	size_t prev_end;     /* where the last token ended */
	size_t line_start;   /* the line of the last position asked: */
	size_t next_line;    /* its start, the next one's (SIZE_MAX: none) */
	uint32_t line;
	int finishing;       /* inside yajl_complete_parse: no offsets */
	int cancelled;       /* a callback stopped the parse */
	int oom;
	size_t max_members;  /* per object; 0: no bound (policy files) */
	struct frame st[JSON_MAX_DEPTH + 1];
	int depth;           /* frames in use */
	struct jnode *root;
	struct jpath path;   /* built only for an error (path_now()) */
};

/* Where the line after the one starting at p->line_start begins. */
static void
next_line(struct jparser *p)
{
	const unsigned char *nl = NULL;

	if (p->line_start < p->len)
		nl = memchr(p->buf + p->line_start, '\n', p->len - p->line_start);
	p->next_line = nl != NULL ? (size_t)(nl - p->buf) + 1 : SIZE_MAX;
}

/* Line and column of byte offset off.  Tokens come in order, so the
 * line moves forward a newline at a time: one memchr() a line, not a
 * scan a token. */
static struct jpos
pos_at(struct jparser *p, size_t off)
{
	if (off > p->len)
		off = p->len;
	if (off < p->line_start) {
		p->line_start = 0;
		p->line = 1;
		next_line(p);
	}
	while (off >= p->next_line) {
		p->line_start = p->next_line;
		p->line++;
		next_line(p);
	}
	return (struct jpos){ p->line, (uint32_t)(off - p->line_start + 1) };
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips whitespace, comments, ',' and ':' from off. */
static size_t
skip_filler(const unsigned char *b, size_t len, size_t off)
{
	while (off < len) {
		unsigned char c = b[off];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == ',' || c == ':') {
			off++;
		} else if (c == '/' && off + 1 < len && b[off + 1] == '/') {
			while (off < len && b[off] != '\n')
				off++;
		} else if (c == '/' && off + 1 < len && b[off + 1] == '*') {
			off += 2;
			while (off + 1 < len && !(b[off] == '*' && b[off + 1] == '/'))
				off++;
			off = off + 2 <= len ? off + 2 : len;
		} else {
			break;
		}
	}
	return off;
}

/* Position where the token just lexed starts; moves past it. */
static struct jpos
token_pos(struct jparser *p)
{
	size_t start;

	if (p->finishing)
		return pos_at(p, p->len);
	start = skip_filler(p->buf, p->len, p->prev_end);
	p->prev_end = yajl_get_bytes_consumed(p->h);
	return pos_at(p, start);
}

/* Adds the path segment of the value about to be attached (or of the
 * key just read). */
static void
path_push_member(struct jparser *p)
{
	const struct frame *f;

	if (p->depth == 0)
		return;
	f = &p->st[p->depth - 1];
	if (f->node->type == J_OBJECT && f->key == NULL)
		return; /* between members */
	if (f->node->type == J_OBJECT)
		(void)jpath_key(&p->path, f->key);
	else
		(void)jpath_index(&p->path, f->node->len);
}

/* The path of the value about to be attached, or of the key just read.
 * Built from the open containers when an error needs it: building it
 * for every value would cost a policy of millions of values more than
 * any check does. */
static const char *
path_now(struct jparser *p)
{
	jpath_pop(&p->path, 0);
	for (int d = 0; d < p->depth; d++) {
		const struct frame *f = &p->st[d];

		if (f->seg == 1)
			(void)jpath_key(&p->path, f->seg_key);
		else if (f->seg == 2)
			(void)jpath_index(&p->path, f->seg_index);
	}
	path_push_member(p);
	return jpath_str(&p->path);
}

/* Records msg at pos for the value about to be attached. */
static void
perr(struct jparser *p, struct jpos pos, const char *msg)
{
	perrs_add(p->errs, p->file, pos, path_now(p), "%s", msg);
}

/* Makes a node at pos and attaches it to the open container. */
static struct jnode *
attach(struct jparser *p, enum jtype type, struct jpos pos)
{
	struct jnode *n;
	struct frame *f;

	if (p->depth > 0 && p->st[p->depth - 1].pending != NULL) {
		n = p->st[p->depth - 1].pending;
		p->st[p->depth - 1].pending = NULL;
	} else if ((n = arena_alloc(p->a, sizeof(*n))) == NULL) {
		p->oom = 1;
		return NULL;
	}
	n->type = (unsigned char)type;
	n->pos = pos;
	if (p->depth == 0) {
		p->root = n;
		return n;
	}
	f = &p->st[p->depth - 1];
	if (f->node->type == J_OBJECT) {
		int skip = f->skip;

		n->key = f->key;
		n->kpos = f->kpos;
		f->key = NULL;
		f->skip = 0;
		if (skip)
			return n; /* a duplicate: parsed, reported, dropped */
	}
	if (f->last == NULL)
		f->node->child = n;
	else
		f->last->next = n;
	f->last = n;
	f->node->len++;
	return n;
}

static int
cb_null(void *ctx)
{
	struct jparser *p = ctx;

	return attach(p, J_NULL, token_pos(p)) != NULL;
}

static int
cb_boolean(void *ctx, int v)
{
	struct jparser *p = ctx;
	struct jnode *n = attach(p, J_BOOL, token_pos(p));

	if (n == NULL)
		return 0;
	n->boolean = v != 0;
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	struct jparser *p = ctx;
	struct jnode *n = attach(p, J_NUMBER, token_pos(p));

	if (n == NULL || (n->str = arena_strndup(p->a, s, len)) == NULL) {
		p->oom = 1;
		return 0;
	}
	n->len = len;
	return 1;
}

/* Whether s (n bytes) is UTF-8 as RFC 3629 has it: shortest forms, no
 * surrogates, nothing past U+10FFFF.  yajl checks the raw bytes but
 * decodes a "\\udc00" escape into a surrogate's bytes. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	unsigned char any = 0;
	size_t i = 0;

	/* Most of a policy is ASCII: one pass without a branch a byte. */
	for (size_t k = 0; k < n; k++)
		any |= s[k];
	if (any < 0x80)
		return 1;
	while (i < n) {
		unsigned c = s[i], need, min;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if (n - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct jparser *p = ctx;
	struct jpos pos = token_pos(p);
	struct jnode *n;
	int bad = 1;

	/* Checked before the node is attached: the path is the member's. */
	if (memchr(s, '\0', len) != NULL)
		perr(p, pos, "string contains \\u0000");
	else if (!utf8_ok(s, len))
		perr(p, pos, "string is not UTF-8 (a lone surrogate escape?)");
	else
		bad = 0;
	n = attach(p, J_STRING, pos);
	if (n == NULL ||
	    (n->str = arena_strndup(p->a, (const char *)s, len)) == NULL) {
		p->oom = 1;
		return 0;
	}
	n->len = len;
	n->bad = (unsigned char)bad;
	return 1;
}

static int
open_container(struct jparser *p, enum jtype type)
{
	struct jpos pos = token_pos(p);
	const struct frame *up = p->depth > 0 ? &p->st[p->depth - 1] : NULL;
	struct frame seg = { 0 };
	struct jnode *n;
	struct frame *f;

	if (p->depth >= JSON_MAX_DEPTH) {
		char msg[64];

		snprintf(msg, sizeof(msg), "nested deeper than %d levels",
		         JSON_MAX_DEPTH);
		perr(p, pos, msg);
		p->cancelled = 1;
		return 0;
	}
	/* Where it sits, taken before attach() moves past it. */
	if (up != NULL && up->node->type == J_OBJECT && up->key != NULL) {
		seg.seg = 1;
		seg.seg_key = up->key;
	} else if (up != NULL && up->node->type == J_ARRAY) {
		seg.seg = 2;
		seg.seg_index = up->node->len;
	}
	if ((n = attach(p, type, pos)) == NULL)
		return 0;
	f = &p->st[p->depth++];
	*f = seg;
	f->node = n;
	return 1;
}

static int
close_container(struct jparser *p)
{
	struct frame *f;

	(void)token_pos(p);
	if (p->depth == 0)
		return 0;
	f = &p->st[--p->depth];
	strtab_free(f->keys);
	f->keys = NULL;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return open_container(ctx, J_OBJECT);
}

static int
cb_start_array(void *ctx)
{
	return open_container(ctx, J_ARRAY);
}

static int
cb_end(void *ctx)
{
	return close_container(ctx);
}

/* The member of f's object already named key (at kpos), or NULL.  Past
 * LINEAR_KEYS members the names are indexed: then a new name's node is
 * made here, indexed at once (one probe), and attach() takes it. */
static const struct jnode *
find_member(struct jparser *p, struct frame *f, const char *key, size_t len,
            struct jpos kpos)
{
	struct jnode *n, *first = NULL;
	int rc;

	if (f->keys == NULL && f->node->len >= LINEAR_KEYS) {
		if (strtab_new(&f->keys) != 0)
			goto oom;
		for (struct jnode *m = f->node->child; m != NULL; m = m->next)
			if (strtab_put(f->keys, m->key, strlen(m->key), m, NULL)
			    == LC_ENOMEM)
				goto oom;
	}
	if (f->keys == NULL) {
		for (const struct jnode *m = f->node->child; m != NULL; m = m->next)
			if (strcmp(m->key, key) == 0)
				return m;
		return NULL;
	}
	if ((n = arena_alloc(p->a, sizeof(*n))) == NULL)
		goto oom;
	n->key = key;
	n->kpos = kpos;
	rc = strtab_put(f->keys, key, len, n, (void **)&first);
	if (rc == LC_EEXIST)
		return first;
	if (rc != 0)
		goto oom;
	f->pending = n;
	return NULL;
oom:
	p->oom = 1;
	return NULL;
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct jparser *p = ctx;
	struct jpos pos = token_pos(p);
	struct frame *f = &p->st[p->depth - 1];
	const struct jnode *first;
	char *key = arena_strndup(p->a, (const char *)s, len);

	if (key == NULL) {
		p->oom = 1;
		return 0;
	}
	f->key = key;
	f->kpos = pos;
	f->skip = 0;
	if (p->max_members != 0 && f->node->len >= p->max_members) {
		/* Data from outside: bounded, so that no object of colliding
		 * names can cost more than a small one. */
		perr(p, pos, "more members than this object may have");
		p->cancelled = 1;
	} else if (memchr(s, '\0', len) != NULL) {
		perr(p, pos, "key contains \\u0000");
		f->skip = 1;
	} else if (!utf8_ok(s, len)) {
		perr(p, pos, "key is not UTF-8 (a lone surrogate escape?)");
		f->skip = 1;
	} else if ((first = find_member(p, f, key, len, pos)) != NULL) {
		char msg[96];

		snprintf(msg, sizeof(msg), "duplicate key (first at line %u, "
		         "column %u)", (unsigned)first->kpos.line,
		         (unsigned)first->kpos.col);
		perr(p, pos, msg);
		f->skip = 1;
	}
	if (p->oom || p->cancelled)
		return 0;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end,
};

/* Records yajl's own complaint (syntax) at the offset where it stopped. */
static void
report_yajl(struct jparser *p, const unsigned char *text, size_t len)
{
	unsigned char *msg = yajl_get_error(p->h, 0, text, len);
	size_t off = p->finishing ? p->len : yajl_get_bytes_consumed(p->h);
	const char *m = msg != NULL ? (const char *)msg : "parse error";
	size_t n = strlen(m);

	/* yajl stops past the offending byte: point at that byte. */
	if (!p->finishing) {
		while (off > p->prev_end + 1 && off <= p->len &&
		       is_space(p->buf[off - 1]))
			off--;
		if (off > 0)
			off--;
	}
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '.'))
		n--;
	perrs_add(p->errs, p->file, pos_at(p, off), path_now(p),
	          "%.*s", (int)n, m);
	if (msg != NULL)
		yajl_free_error(p->h, msg);
}

/* yajl's own allocations, wiped before they are freed: a strict parse
 * reads tokens, and yajl decodes a string with escapes into a buffer of
 * its own. */
struct wiped {
	size_t n;
	max_align_t data[];
};

static struct wiped *
wiped_of(void *p)
{
	return (struct wiped *)(void *)((char *)p - offsetof(struct wiped, data));
}

static void *
wiped_malloc(void *ctx, size_t n)
{
	struct wiped *w;

	(void)ctx;
	if (n > SIZE_MAX - sizeof(*w) || (w = malloc(sizeof(*w) + n)) == NULL)
		return NULL;
	w->n = n;
	return w->data;
}

static void
wiped_free(void *ctx, void *p)
{
	struct wiped *w;

	(void)ctx;
	if (p == NULL)
		return;
	w = wiped_of(p);
	sodium_memzero(w->data, w->n);
	free(w);
}

static void *
wiped_realloc(void *ctx, void *p, size_t n)
{
	void *q;

	if (p == NULL)
		return wiped_malloc(ctx, n);
	if ((q = wiped_malloc(ctx, n)) == NULL)
		return NULL;
	memcpy(q, p, wiped_of(p)->n < n ? wiped_of(p)->n : n);
	wiped_free(ctx, p);
	return q;
}

static yajl_alloc_funcs wiped_funcs = {
	wiped_malloc, wiped_realloc, wiped_free, NULL
};

/* Members an object of a strict parse (data from outside) may have. */
#define STRICT_MEMBERS_MAX 256

/* Parses one buffer in one yajl_parse call, so that offsets are
 * offsets into buf; comments allowed (policy files) or not (data from
 * outside: bounded objects, yajl's buffers wiped). */
static int
parse_buf(struct arena *a, const char *buf, size_t len, int file,
          struct perrs *errs, struct jnode **root, int comments)
{
	struct jparser p = {
		.a = a, .errs = errs, .file = file,
		.buf = (const unsigned char *)buf, .len = len,
		.line = 1,
		.max_members = comments ? 0 : STRICT_MEMBERS_MAX,
	};
	yajl_status st;
	int rc = LC_EFORMAT;

	if (len > JSON_MAX_BYTES) {
		perrs_add(errs, file, (struct jpos){ 0, 0 }, NULL,
		          "larger than %zu bytes", JSON_MAX_BYTES);
		return LC_EFORMAT;
	}
	next_line(&p);
	if ((p.h = yajl_alloc(&callbacks, comments ? NULL : &wiped_funcs, &p)) == NULL)
		return LC_ENOMEM;
	if (!yajl_config(p.h, yajl_allow_comments, comments))
		goto fail;
	st = yajl_parse(p.h, p.buf, len);
	if (st == yajl_status_ok) {
		p.finishing = 1;
		st = yajl_complete_parse(p.h);
	}
	if (p.oom) {
		rc = LC_ENOMEM;
		goto fail;
	}
	if (st != yajl_status_ok) {
		if (!p.cancelled)
			report_yajl(&p, p.buf, len);
		goto fail;
	}
	if (p.root == NULL) {
		perrs_add(errs, file, (struct jpos){ 1, 1 }, "$", "empty");
		goto fail;
	}
	*root = p.root;
	rc = 0;
fail:
	for (int i = 0; i < p.depth; i++)
		strtab_free(p.st[i].keys);
	yajl_free(p.h);
	return rc;
}

/* JSON with comments (policy files). */
int
json_parse(struct arena *a, const char *buf, size_t len, int file,
           struct perrs *errs, struct jnode **root)
{
	return parse_buf(a, buf, len, file, errs, root, 1);
}

/* JSON as RFC 8259 has it: no comments (JWKS files, JWT parts). */
int
json_parse_strict(struct arena *a, const char *buf, size_t len, int file,
                  struct perrs *errs, struct jnode **root)
{
	return parse_buf(a, buf, len, file, errs, root, 0);
}
