/*
 * policy: JSON (with comments) read through yajl's callback parser into
 * a small tree whose every value knows its line and column, plus the
 * error list that the whole loader reports through.
 */
#ifndef LC_POLICY_JSON_H
#define LC_POLICY_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

#define JSON_MAX_BYTES ((size_t)16 << 20) /* per file */
#define JSON_MAX_DEPTH 32

/* Line and column (bytes), both from 1; line 0 means "no position". */
struct jpos {
	uint32_t line, col;
};

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_OBJECT, J_ARRAY };

struct jnode {
	const char *key;     /* member name in an object, else NULL */
	const char *str;     /* string, or a number's raw text; NUL-terminated */
	struct jnode *child; /* first member or element */
	struct jnode *next;
	size_t len;          /* string length, or number of members/elements */
	struct jpos pos;     /* where the value starts */
	struct jpos kpos;    /* where its key starts (object members) */
	unsigned char type;  /* enum jtype */
	unsigned char boolean;
	unsigned char bad;   /* reported already: check silently, fail */
};

/* The member named key of an object, or NULL. */
const struct jnode *jnode_get(const struct jnode *obj, const char *key);

/* A JSON path being built while walking a tree: routes[2].media. */
#define JPATH_MAX 256
struct jpath {
	char buf[JPATH_MAX];
	size_t len;
};

/* Append ".key" / "[i]"; return the length to pop back to. */
size_t jpath_key(struct jpath *p, const char *key);
size_t jpath_index(struct jpath *p, size_t i);
void jpath_pop(struct jpath *p, size_t len);
/* The path, "$" for the root. */
const char *jpath_str(const struct jpath *p);

/*
 * Errors, collected from every file and every check, then printed sorted
 * by file and position as "file:line:col: path: message".
 */
struct perr {
	int file;
	struct jpos pos;
	size_t seq;
	char *text; /* "path: message" */
};

struct perrs {
	const char **files; /* display names, indexed by file */
	size_t nfiles;
	struct perr *v;
	size_t n, cap;
	size_t seq;
	size_t dropped; /* past PERRS_MAX, or lost to lack of memory */
};

#define PERRS_MAX 1000

/* Records an error at pos (line 0: no position) for path. */
void perrs_add(struct perrs *e, int file, struct jpos pos, const char *path,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Appends the errors of from (one file's, recorded apart) to e, as if
 * recorded in e now, drops included; empties from. */
void perrs_move(struct perrs *e, struct perrs *from);
/* Number of errors recorded, dropped ones included. */
size_t perrs_count(const struct perrs *e);
/* Prints every error, sorted, to f (NULL: nowhere). */
void perrs_print(struct perrs *e, FILE *f);
/* Frees the messages (not the file names). */
void perrs_free(struct perrs *e);
/* Forgets every error recorded after the first n (and every drop after
 * the first dropped): back to an earlier state of e. */
void perrs_truncate(struct perrs *e, size_t n, size_t dropped);

/*
 * Parses buf (len bytes, JSON with comments) into a tree allocated from
 * a.  Bounds size and depth; rejects duplicate keys, \u0000 in strings
 * and keys, and anything yajl refuses, each recorded in errs for file.
 * Returns 0 with *root set when the text is well-formed JSON (it may
 * still hold "bad" nodes, already reported), LC_EFORMAT if it is not,
 * LC_ENOMEM.
 */
int json_parse(struct arena *a, const char *buf, size_t len, int file,
               struct perrs *errs, struct jnode **root);
/* json_parse() without comments: data from elsewhere (JWKS, JWT). */
int json_parse_strict(struct arena *a, const char *buf, size_t len, int file,
                      struct perrs *errs, struct jnode **root);

#endif
