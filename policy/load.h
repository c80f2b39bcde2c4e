/*
 * policy: what the loader's files share: the state of one load (the
 * files, the errors, where each entry was defined), the typed readers of
 * load_read.c and the section loaders.  Nothing outside policy/load*.c
 * includes this.
 */
#ifndef LC_POLICY_LOAD_H
#define LC_POLICY_LOAD_H

#include <stdint.h>

#include "internal.h"
#include "json.h"

/* One policy file being loaded. */
struct lfile {
	char *name;        /* display name (owned) */
	char *dir;         /* for relative paths: "" = the cwd (owned) */
	char *buf;         /* contents (owned unless borrowed) */
	size_t len;
	int borrowed;
	int whole;         /* loading pass by pass: parsed into an object */
};

/* Where something was defined: for "defined twice" across files, and
 * for errors found once the whole policy is read. */
struct pwhere {
	int file;
	struct jpos pos;
	size_t elem;       /* a "routes" entry's index in its file's array,
	                    * for the path; 0 for the others */
};

/* Where each entry of a model array was defined, parallel to it: kept
 * here, not in the model, which outlives the files it was read from. */
struct pwheres {
	struct pwhere *v;
	size_t cap;
};

/* The loader's state across files and passes. */
struct lctx {
	struct lc_policy *pol;
	struct perrs errs;
	struct lfile *files;
	size_t nfiles, files_cap;
	struct arena tree;      /* the parsed trees, freed after loading */
	unsigned flags;
	int file;               /* the file being checked */
	struct jpath path;
	int oom;
	int io;                 /* a file could not be read */
	struct pwhere backend_at, ingest_at, limits_at, seal_at;
	int have_backend, have_ingest, have_limits, have_seal;
	struct pwhere capabilities_at;
	int have_capabilities;
	struct pwheres listener_at, device_at, account_at;
	struct pwheres route_at; /* by route index */
	size_t route_elem;      /* the "routes" entry being loaded */
	size_t nsessions;       /* sessions.static entries so far */
	int parsed_all;         /* every file is well-formed JSON */
	uint32_t *granted_to;   /* by device index: 1 + the index of the last
	                         * account that listed it ("listed twice") */
	size_t granted_cap;
	unsigned threads;       /* to parse files on; 0: one per core */
	int ahead;              /* files not loaded yet may declare names */
	int forward;            /* a name was not found while ahead */
};

/* ---- files (load.c) and parsing them ahead on threads (load_ahead.c) -- */

/* A buffer that a thread reads file after file into. */
struct readbuf {
	char *buf;
	size_t cap;
};

/* Reads (unless held) and parses file lf, number f, into tree: 0 with
 * *root an object, 1 if the file has none (reported in errs; *io set if
 * it could not be read), or LC_ENOMEM.  The text is read into rb, used
 * again for the next file, or if rb is NULL kept in lf.  Safe on any
 * thread. */
int load_file_parse(struct lfile *lf, int f, struct arena *tree,
                    struct perrs *errs, struct readbuf *rb,
                    const struct jnode **root, int *io);
/* Frees lf's text, unless the caller of the load lent it. */
void load_file_drop(struct lfile *lf);

struct ahead;
/* Starts threads (threads, or one per core if 0) that parse files[0..n)
 * in order, a few ahead of the loader; 0 or LC_ENOMEM (none started). */
int ahead_start(struct lfile *files, size_t n, unsigned threads,
                struct ahead **out);
/* File f's parse, once done, as load_file_parse() gives it; its errors
 * are moved into errs.  Files are taken in order, each once. */
int ahead_take(struct ahead *ah, size_t f, struct perrs *errs,
               const struct jnode **root, int *io);
/* Frees file f's tree and text: the loader is done with them. */
void ahead_give_back(struct ahead *ah, size_t f);
/* Stops the threads and frees what they parsed; NULL is fine. */
void ahead_stop(struct ahead *ah);

/* ---- errors (load_read.c) ------------------------------------------------ */

/* Records an error at pos in the current file, at the current path. */
void load_err_at(struct lctx *c, struct jpos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reports "defined twice", naming where first was. */
void load_err_twice(struct lctx *c, struct jpos pos,
                    const struct pwhere *first);
/* Records that entry i of a model array whose capacity is now cap was
 * defined at pos of the current file; 0 or LC_ENOMEM. */
int load_note_where(struct lctx *c, struct pwheres *at, size_t i, size_t cap,
                    struct jpos pos);
/* s, or a stand-in if s holds control bytes: file strings reach terminals. */
const char *load_shown(const char *s);
/* Notes that memory ran out: the load stops and fails with LC_ENOMEM. */
void load_oom(struct lctx *c);
/* Notes that a name referred to is not declared so far (its error is
 * reported by the caller): when later files may still declare it, the
 * load stops and runs again pass by pass (load.c). */
void load_not_found(struct lctx *c);
/* Whether n is of type t (enum jtype); reports it, once, if not. */
int load_want_type(struct lctx *c, const struct jnode *n, int t);
/* Reports every member of obj whose key is not in allowed (NULL-ended). */
void load_check_keys(struct lctx *c, const struct jnode *obj,
                     const char *const *allowed);

/* ---- typed members (load_read.c) -----------------------------------------
 * Each load_get_* looks up key in obj: returns 1 with *out set if present
 * and valid, 0 if absent (and reports it if required), -1 if invalid
 * (reported).  Strings handed back live in the tree unless said otherwise.
 */

/* The member key of obj, or NULL (reported if required). */
const struct jnode *load_member(struct lctx *c, const struct jnode *obj,
                                const char *key, int required);
/* A copy of s in the model's arena, or NULL (out of memory noted). */
char *load_dup_str(struct lctx *c, const char *s);
/* A non-empty string; *node, if given, is its node. */
int load_get_str(struct lctx *c, const struct jnode *obj, const char *key,
                 int required, const struct jnode **node, const char **out);
/* A boolean, never required. */
int load_get_bool(struct lctx *c, const struct jnode *obj, const char *key,
                  int *out);
/* An integer in [min, max], never required. */
int load_get_int(struct lctx *c, const struct jnode *obj, const char *key,
                 int64_t min, int64_t max, int64_t *out);
/* 64 lower-case hex digits (len bytes at s) as 32 bytes: 0, or -1 if
 * they are not that.  Silent: load_get_digest() reports. */
int load_hex_digest(const char *s, size_t len, uint8_t out[LC_DIGEST_BYTES]);
/* A SHA-256 as 64 lower-case hex digits; the value is never printed. */
int load_get_digest(struct lctx *c, const struct jnode *obj, const char *key,
                    int required, const struct jnode **node,
                    uint8_t out[LC_DIGEST_BYTES]);
/* A readable regular file named by the string m (whose key the caller has
 * pushed), resolved against the policy file's directory into the model's
 * arena; 1 or -1. */
int load_file_node(struct lctx *c, const struct jnode *m, const char **out);
/* load_file_node() for the member key of obj. */
int load_get_file(struct lctx *c, const struct jnode *obj, const char *key,
                  int required, const char **out);
/* An array, whose elements the caller checks. */
int load_get_array(struct lctx *c, const struct jnode *obj, const char *key,
                   int required, const struct jnode **out);
/* Runs load on each member of the object sec (t J_OBJECT) or element of
 * the array sec (t J_ARRAY), each on the path; reports sec if not of type
 * t.  Stops when memory runs out or the load is to run again; the number
 * of entries run. */
size_t load_each(struct lctx *c, const struct jnode *sec, int t,
                 void (*load)(struct lctx *, const struct jnode *));
/* load_each(), with ahead(c, e) called on each entry a few entries
 * before it is loaded: to start fetching the table slots it will touch
 * (strtab_prefetch()).  ahead must report nothing and change nothing. */
size_t load_each_ahead(struct lctx *c, const struct jnode *sec, int t,
                       void (*load)(struct lctx *, const struct jnode *),
                       void (*ahead)(const struct lctx *, const struct jnode *));
/* JSON number text as an integer, strictly: no fraction, no exponent.
 * 0, -1 (not an integer) or -2 (beyond int64). */
int load_parse_int(const char *s, int64_t *out);

/* ---- sections ------------------------------------------------------------
 * Each loads one top-level member sec of the current file into c->pol,
 * reporting what is wrong; load.c runs them in passes, declarations
 * first.
 */

/* load_listeners.c */
void load_listeners(struct lctx *c, const struct jnode *sec);
void load_backend(struct lctx *c, const struct jnode *sec);
void load_ingest_key(struct lctx *c, const struct jnode *sec);
void load_limits(struct lctx *c, const struct jnode *sec);
void load_seal(struct lctx *c, const struct jnode *sec);
/* load_identities.c */
void load_devices(struct lctx *c, const struct jnode *sec);
void load_accounts(struct lctx *c, const struct jnode *sec);
void load_keys(struct lctx *c, const struct jnode *sec);
void load_sessions(struct lctx *c, const struct jnode *sec);
/* load_capabilities.c */
void load_capabilities(struct lctx *c, const struct jnode *sec);
/* load_routes.c */
void load_routes(struct lctx *c, const struct jnode *sec);

#endif
