/*
 * policy: loading, the whole of it.  Reads the policy file(s) one at a
 * time, parses each (json.c), runs the section loaders of load_*.c over
 * it in passes, makes the checks that need every file, and prints the
 * errors, sorted, before failing.  policy_load() and policy_load_mem()
 * start here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"

/* ---- the whole ----------------------------------------------------------- */

/* Sections in the order they are loaded: declarations before the
 * sections that refer to them, within a file, and across all files when
 * a file refers forward (load_by_pass()). */
static const struct section {
	const char *name;
	int pass;
	void (*load)(struct lctx *, const struct jnode *);
} sections[] = {
	{ "listeners", 0, load_listeners },
	{ "backend", 0, load_backend },
	{ "ingest_key", 0, load_ingest_key },
	{ "limits", 0, load_limits },
	{ "capabilities", 0, load_capabilities },
	{ "devices", 0, load_devices },
	{ "accounts", 1, load_accounts },
	{ "keys", 2, load_keys },
	{ "sessions", 2, load_sessions },
	{ "routes", 2, load_routes },
	{ "seal", 2, load_seal },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))
#define NPASSES 3

/* Runs the sections of pass `pass` that the tree of the current file
 * holds; reports unknown keys on pass 0. */
static void
load_sections(struct lctx *c, const struct jnode *root, int pass)
{
	for (const struct jnode *m = root->child;
	     m != NULL && !c->oom && !c->forward; m = m->next) {
		size_t i, old;

		for (i = 0; i < NSECTIONS; i++)
			if (strcmp(m->key, sections[i].name) == 0)
				break;
		old = jpath_key(&c->path, m->key);
		if (i == NSECTIONS && pass == 0)
			load_err_at(c, m->kpos, "unknown key");
		else if (i < NSECTIONS && sections[i].pass == pass)
			sections[i].load(c, m);
		jpath_pop(&c->path, old);
	}
}

/* With the keyed seal on a camera face, no route may hand sealed frames
 * to clients: they could not verify them (lenscap-envelope(7)). */
static void
check_seal_routes(struct lctx *c)
{
	const struct lc_policy *pol = c->pol;
	int camera = 0;

	for (size_t i = 0; i < pol->nlisteners; i++)
		camera |= pol->listeners[i]->role == POLICY_ROLE_CAMERA;
	if (!c->have_seal || !pol->seal_mac || !camera)
		return;
	for (size_t i = 0; i < pol->nroutes; i++)
		if (pol->routes[i]->pass_sealed) {
			size_t old = jpath_key(&c->path, "seal");

			c->file = c->seal_at.file;
			load_err_at(c, c->seal_at.pos,
			            "the camera face seals with a MAC, which the clients"
			            " of \"pass_sealed\" route %s %s cannot verify:"
			            " use \"ed25519\"", load_shown(pol->routes[i]->method),
			            load_shown(pol->routes[i]->path));
			jpath_pop(&c->path, old);
			return;
		}
}

/* An error about route i, found once the whole policy is read: at the
 * route's own place, as those found while it was read. */
__attribute__((format(printf, 3, 4))) static void
route_err(struct lctx *c, size_t i, const char *fmt, ...)
{
	const struct pwhere *at = &c->route_at.v[i];
	char msg[512];
	size_t old;
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	c->file = at->file;
	old = jpath_key(&c->path, "routes");
	(void)jpath_index(&c->path, at->elem);
	load_err_at(c, at->pos, "%s", msg);
	jpath_pop(&c->path, old);
}

/* Checks that need the whole policy. */
static void
check_whole(struct lctx *c)
{
	struct lc_policy *pol = c->pol;
	struct jpos top = { 1, 1 };

	c->file = 0;
	jpath_pop(&c->path, 0);
	if (pol->nlisteners == 0)
		load_err_at(c, top, "missing \"listeners\"");
	if (!c->have_backend)
		load_err_at(c, top, "missing \"backend\"");
	for (size_t i = 0; i < pol->nroutes && pol->ncap_keys > 0; i++) {
		const struct policy_route *rt = pol->routes[i];

		if (rt->face->role == POLICY_ROLE_ASSISTANT &&
		    strncmp(rt->path, "/s/", 3) == 0)
			route_err(c, i, "route %s %s on \"%s\": paths under "
			          "\"/s/\" are capability URLs", rt->method,
			          rt->path, rt->face->name);
	}
	for (size_t i = 0; i < pol->nroutes; i++) {
		const struct policy_route *rt = pol->routes[i];

		/* What a platform hands out is a live stream's capability. */
		if (rt->platform != POLICY_PLATFORM_NONE &&
		    (pol->ncap_keys == 0 ||
		     policy_capability_route(pol, rt->face->name, "GET", LC_KIND_HLS) == NULL))
			route_err(c, i, "platform route %s on \"%s\" needs "
			          "\"capabilities\" and a GET hls route with "
			          "{device} and {name} on the same face",
			          rt->path, rt->face->name);
	}
	for (size_t i = 0; i < pol->nlisteners; i++) {
		const struct policy_listener *l = pol->listeners[i];

		for (size_t j = 0; j < i && l->host != NULL; j++) {
			const struct policy_listener *o = pol->listeners[j];
			size_t old;

			/* Port 0 asks the kernel for a free port each. */
			if (o->host == NULL || o->port != l->port || l->port == 0 ||
			    strcmp(o->host, l->host) != 0)
				continue;
			c->file = c->listener_at.v[i].file;
			old = jpath_key(&c->path, "listeners");
			jpath_key(&c->path, l->name);
			load_err_at(c, c->listener_at.v[i].pos,
			            "listens where listener "
			            "\"%s\" does", o->name);
			jpath_pop(&c->path, old);
			break;
		}
		if (pol->listeners[i]->role == POLICY_ROLE_CAMERA &&
		    !c->have_ingest && !pol->seal_mac) {
			size_t old;

			c->file = c->listener_at.v[i].file;
			old = jpath_key(&c->path, "listeners");
			jpath_key(&c->path, pol->listeners[i]->name);
			load_err_at(c, c->listener_at.v[i].pos,
			            "a camera face needs \"ingest_key\", or a "
			            "\"seal\" that uses \"mac\" (lenscapd seals "
			            "with it)");
			jpath_pop(&c->path, old);
		}
	}
	check_seal_routes(c);
}

/* Adds a file to load; takes ownership of name, dir and (unless
 * borrowed) buf. */
static int
add_file(struct lctx *c, char *name, char *dir, char *buf, size_t len,
         int borrowed)
{
	struct lfile *f;

	if (c->nfiles == c->files_cap) {
		size_t cap = c->files_cap ? c->files_cap * 2 : 8;
		struct lfile *v = realloc(c->files, cap * sizeof(*v));

		if (v == NULL)
			goto fail;
		c->files = v;
		c->files_cap = cap;
	}
	f = &c->files[c->nfiles++];
	*f = (struct lfile){ .name = name, .dir = dir, .buf = buf, .len = len,
	                     .borrowed = borrowed };
	return 0;
fail:
	free(name);
	free(dir);
	if (!borrowed)
		free(buf);
	return LC_ENOMEM;
}

static char *
dir_of(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (slash == NULL)
		return strdup("");
	if (slash == name)
		return strdup("/");
	return strndup(name, (size_t)(slash - name));
}

/* Reads a file (bounded) into b, made larger if need be; reports
 * failures in errs as file's.  Touches nothing else: load_ahead.c calls
 * it on threads. */
static int
read_file(struct perrs *errs, int file, const char *path, struct readbuf *b,
          size_t *outlen)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd, rc = LC_EIO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		perrs_add(errs, file, (struct jpos){ 0, 0 }, NULL,
		          "cannot open: %s", strerror(errno));
		return LC_EIO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		perrs_add(errs, file, (struct jpos){ 0, 0 }, NULL,
		          "not a regular file");
		goto fail;
	}
	if ((uint64_t)st.st_size > JSON_MAX_BYTES) {
		perrs_add(errs, file, (struct jpos){ 0, 0 }, NULL,
		          "larger than %zu bytes", JSON_MAX_BYTES);
		rc = LC_EFORMAT;
		goto fail;
	}
	if ((size_t)st.st_size + 1 > b->cap) {
		free(b->buf);
		b->cap = 0;
		if ((b->buf = malloc((size_t)st.st_size + 1)) == NULL) {
			rc = LC_ENOMEM;
			goto fail;
		}
		b->cap = (size_t)st.st_size + 1;
	}
	/* Read one byte past the size to notice a file that grew. */
	while ((r = read(fd, b->buf + got, (size_t)st.st_size + 1 - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || got + (size_t)r > JSON_MAX_BYTES) {
			perrs_add(errs, file, (struct jpos){ 0, 0 }, NULL,
			          "cannot read: %s", r == -1 ? strerror(errno)
			          : "changed while reading");
			goto fail;
		}
		got += (size_t)r;
		if (got == (size_t)st.st_size + 1)
			break;
	}
	close(fd);
	*outlen = got;
	return 0;
fail:
	close(fd);
	return rc;
}

static int
json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Adds the *.json files of directory path, sorted by name. */
static int
add_dir(struct lctx *c, const char *path)
{
	struct dirent **ents = NULL;
	int n, rc = 0;

	n = scandir(path, &ents, json_name, alphasort);
	if (n == -1) {
		char *name = strdup(path);

		if (name == NULL || add_file(c, name, strdup(""), NULL, 0, 1) != 0)
			return LC_ENOMEM;
		perrs_add(&c->errs, (int)c->nfiles - 1, (struct jpos){ 0, 0 },
		          NULL, "cannot read directory: %s", strerror(errno));
		c->io = 1;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + 1 + strlen(ents[i]->d_name) + 1;
		char *name = malloc(len);

		if (rc == 0 && name != NULL) {
			snprintf(name, len, "%s/%s", path, ents[i]->d_name);
			rc = add_file(c, name, strdup(path), NULL, 0, 0);
		} else {
			free(name);
			rc = LC_ENOMEM;
		}
		free(ents[i]);
	}
	free(ents);
	if (rc == 0 && n == 0) {
		char *name = strdup(path);

		if (name == NULL || add_file(c, name, strdup(""), NULL, 0, 1) != 0)
			return LC_ENOMEM;
		perrs_add(&c->errs, (int)c->nfiles - 1, (struct jpos){ 0, 0 },
		          NULL, "no *.json files in the directory");
		c->io = 1;
	}
	return rc;
}

/* The text of file lf (number f): held already, or read into rb, or if
 * rb is NULL into a buffer of its own that lf keeps.  0, 1 when it has
 * none (the reason recorded), or LC_ENOMEM. */
static int
file_text(struct lfile *lf, int f, struct perrs *errs, struct readbuf *rb,
          const char **text, size_t *len, int *io)
{
	struct readbuf own = { 0 };
	int rc;

	if (lf->buf != NULL || lf->borrowed) {
		*text = lf->buf;
		*len = lf->len;
		return lf->buf == NULL;
	}
	rc = read_file(errs, f, lf->name, rb != NULL ? rb : &own, len);
	if (rc != 0) {
		free(own.buf);
		*io |= rc == LC_EIO;
		return rc == LC_ENOMEM ? rc : 1;
	}
	if (rb == NULL) {
		lf->buf = own.buf;
		lf->len = *len;
	}
	*text = rb != NULL ? rb->buf : lf->buf;
	return 0;
}

/* The tree of file lf (number f), parsed into tree with its errors
 * recorded in errs: 0 with *root an object, 1 when the file has no
 * usable tree (the reason recorded; *io set if it could not be read),
 * or LC_ENOMEM.  Reads the file first unless its text is held already:
 * into rb if given (the tree keeps copies of what it needs, so rb may
 * be read into again at once), else into a buffer lf keeps.  Touches
 * only its arguments, so that files can be parsed on threads
 * (load_ahead.c). */
int
load_file_parse(struct lfile *lf, int f, struct arena *tree,
                struct perrs *errs, struct readbuf *rb,
                const struct jnode **root, int *io)
{
	struct jnode *n = NULL;
	const char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = file_text(lf, f, errs, rb, &text, &len, io)) != 0)
		return rc;
	rc = json_parse(tree, text, len, f, errs, &n);
	if (rc == LC_ENOMEM)
		return rc;
	if (rc != 0)
		return 1;
	if (n->type != J_OBJECT) {
		perrs_add(errs, f, n->pos, "$", "expected an object");
		return 1;
	}
	*root = n;
	return 0;
}

/* load_file_parse() of file f into c->tree, on this thread. */
static int
file_tree(struct lctx *c, size_t f, struct perrs *errs,
          const struct jnode **root)
{
	c->file = (int)f;
	return load_file_parse(&c->files[f], (int)f, &c->tree, errs, NULL, root,
	                       &c->io);
}

/* Drops file lf's text, unless the caller lent it. */
void
load_file_drop(struct lfile *lf)
{
	if (!lf->borrowed) {
		free(lf->buf);
		lf->buf = NULL;
		lf->len = 0;
	}
}

/*
 * The usual way: one file at a time, its sections in pass order, its
 * text and tree freed before the next file is read, so that a policy of
 * many shards never holds more than one shard's tree (and a few parsed
 * ahead of it on other threads: load_ahead.c).  That gives what
 * loading pass by pass over all files gives as long as every name a
 * file refers to is declared in it or before it.  When a name is not
 * found and later files might declare it, c->forward is set and the
 * caller loads again pass by pass.
 */
static int
load_by_file(struct lctx *c)
{
	struct ahead *ah = NULL;
	int rc = 0;

	/* Without threads (one file, or none to be had) it parses here. */
	if (c->nfiles > 1 && c->threads != 1)
		(void)ahead_start(c->files, c->nfiles, c->threads, &ah);
	c->parsed_all = 1;
	for (size_t f = 0; f < c->nfiles && !c->forward && rc == 0; f++) {
		const struct jnode *root = NULL;

		if (ah != NULL) {
			c->file = (int)f;
			rc = ahead_take(ah, f, &c->errs, &root, &c->io);
		} else {
			rc = file_tree(c, f, &c->errs, &root);
		}
		if (rc == LC_ENOMEM)
			break;
		c->parsed_all &= rc == 0;
		c->ahead = f + 1 < c->nfiles;
		for (int pass = 0; rc == 0 && pass < NPASSES && !c->oom; pass++)
			load_sections(c, root, pass);
		if (ah != NULL) {
			ahead_give_back(ah, f);
		} else {
			arena_free(&c->tree);
			load_file_drop(&c->files[f]);
		}
		rc = c->oom ? LC_ENOMEM : 0;
	}
	ahead_stop(ah);
	c->ahead = 0;
	return rc;
}

/*
 * The way for files that refer forward: each pass over every file, in
 * order, so that all declarations are in before anything refers to
 * them.  Every file's text is held until the end (each is read once),
 * its tree parsed again for each pass and freed after it; parse errors
 * are recorded on the first pass only.
 */
static int
load_by_pass(struct lctx *c)
{
	struct perrs again = { 0 };
	int rc = 0;

	c->parsed_all = 1;
	for (int pass = 0; pass < NPASSES && rc == 0; pass++) {
		for (size_t f = 0; f < c->nfiles && rc == 0; f++) {
			const struct jnode *root = NULL;
			struct lfile *lf = &c->files[f];

			if (pass > 0 && !lf->whole)
				continue;
			rc = file_tree(c, f, pass == 0 ? &c->errs : &again, &root);
			if (rc == 1) {
				/* Unusable, reported: no sections from it. */
				c->parsed_all = 0;
				rc = 0;
			} else if (rc == 0) {
				lf->whole = 1;
				load_sections(c, root, pass);
			}
			arena_free(&c->tree);
			if (c->oom)
				rc = LC_ENOMEM;
		}
		perrs_free(&again);
	}
	return rc;
}

/* Forgets what a load so far built and found, back to what was found
 * before it (nerrs errors kept, ndropped not, io), to load again. */
static void
load_reset(struct lctx *c, size_t nerrs, size_t ndropped, int io)
{
	struct lctx keep = { .files = c->files, .nfiles = c->nfiles,
	                     .files_cap = c->files_cap, .flags = c->flags,
	                     .errs = c->errs, .io = io };

	policy_model_free(c->pol);
	free(c->listener_at.v);
	free(c->route_at.v);
	free(c->device_at.v);
	free(c->account_at.v);
	free(c->granted_to);
	arena_free(&c->tree);
	perrs_truncate(&keep.errs, nerrs, ndropped);
	*c = keep;
}

/* Reads every file and builds the model; the result code. */
static int
load_all(struct lctx *c)
{
	size_t nerrs = c->errs.n, ndropped = c->errs.dropped;
	int io = c->io, rc;

	for (size_t f = 0; f < c->nfiles; f++)
		if (c->files[f].dir == NULL)
			return LC_ENOMEM;
	if ((rc = policy_model_new(&c->pol)) != 0)
		return rc;
	rc = load_by_file(c);
	if (rc == 0 && c->forward) {
		load_reset(c, nerrs, ndropped, io);
		if ((rc = policy_model_new(&c->pol)) == 0)
			rc = load_by_pass(c);
	}
	if (rc != 0)
		return rc;
	if (c->parsed_all)
		check_whole(c);
	if (c->oom)
		return LC_ENOMEM;
	if (c->io)
		return LC_EIO;
	return perrs_count(&c->errs) ? LC_EFORMAT : 0;
}

/* Runs the load over c's files; prints errors; frees c. */
static int
finish(struct lctx *c, int rc, struct lc_policy **out, FILE *err)
{
	const char **names = calloc(c->nfiles + 1, sizeof(*names));

	if (rc == 0)
		rc = names == NULL ? LC_ENOMEM : load_all(c);

	for (size_t f = 0; names != NULL && f < c->nfiles; f++)
		names[f] = c->files[f].name;
	c->errs.files = names;
	c->errs.nfiles = names != NULL ? c->nfiles : 0;
	if (rc == LC_ENOMEM && err != NULL)
		fprintf(err, "%s: out of memory loading the policy\n",
		        c->nfiles > 0 ? c->files[0].name : "policy");
	perrs_print(&c->errs, err);
	if (rc == 0) {
		*out = c->pol;
		c->pol = NULL;
	}
	policy_model_free(c->pol);
	perrs_free(&c->errs);
	free(names);
	for (size_t f = 0; f < c->nfiles; f++) {
		free(c->files[f].name);
		free(c->files[f].dir);
		load_file_drop(&c->files[f]);
	}
	free(c->files);
	free(c->listener_at.v);
	free(c->route_at.v);
	free(c->device_at.v);
	free(c->account_at.v);
	free(c->granted_to);
	arena_free(&c->tree);
	return rc;
}

/* Loads a policy file or directory; see policy.h. */
int
policy_load(const char *path, struct lc_policy **out, FILE *err)
{
	return policy_load_threads(path, 0, out, err);
}

/* Loads a policy file or directory, parsing on threads; see policy.h. */
int
policy_load_threads(const char *path, unsigned threads,
                    struct lc_policy **out, FILE *err)
{
	struct lctx c = { .threads = threads };
	struct stat st;
	int rc;

	if (path == NULL || out == NULL)
		return LC_EINVAL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = add_dir(&c, path);
	} else {
		char *name = strdup(path);

		rc = name == NULL ? LC_ENOMEM
		     : add_file(&c, name, dir_of(path), NULL, 0, 0);
	}
	return finish(&c, rc, out, err);
}

/* Loads a policy held in memory; see policy.h. */
int
policy_load_mem(const char *name, const void *buf, size_t len,
                unsigned flags, struct lc_policy **out, FILE *err)
{
	struct lctx c = { .flags = flags };
	char *n;
	int rc;

	if (name == NULL || (buf == NULL && len > 0) || out == NULL)
		return LC_EINVAL;
	if (buf == NULL)
		buf = "";
	if ((n = strdup(name)) == NULL)
		return LC_ENOMEM;
	/* Borrowed: the caller's buffer is only read. */
	rc = add_file(&c, n, dir_of(name), (char *)(uintptr_t)buf, len, 1);
	return finish(&c, rc, out, err);
}
