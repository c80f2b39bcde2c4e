/*
 * policy: parsing the files of a policy ahead of the loader, on threads.
 * A policy of many shards spends half its load reading and parsing
 * files, which needs nothing but the file; the other half, building the
 * model, is done by the loading thread alone, file after file, in order.
 * So the model, its errors and their order are what a load on one
 * thread gives, and only the parsing moves (load.c, load_by_file()).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "load.h"

/* Threads at most, and files parsed ahead of the loader per thread: a
 * shard's tree is some 20 MiB, and only the loader's pace matters. */
#define AHEAD_THREADS_MAX 8
#define AHEAD_PER_THREAD 2

enum { SLOT_FREE, SLOT_PARSING, SLOT_DONE };

/* One file's parse, made by a worker and handed to the loader. */
struct slot {
	struct arena tree;
	struct perrs errs;
	const struct jnode *root;
	int rc;                 /* load_file_parse()'s */
	int io;
	int state;
};

struct ahead {
	pthread_mutex_t lock;
	pthread_cond_t changed;  /* a file parsed, taken or given back */
	struct lfile *files;
	size_t nfiles;
	struct slot *slots;      /* by file number */
	size_t next;             /* the next file to parse */
	size_t taken;            /* files the loader has given back */
	size_t window;           /* files parsed but not given back, at most */
	int stop;
	pthread_t threads[AHEAD_THREADS_MAX];
	size_t nthreads;
};

/* The next file a worker may parse, claimed; nfiles when there is none
 * (stopping, or all claimed).  Waits while the window is full. */
static size_t
claim(struct ahead *ah)
{
	size_t f = ah->nfiles;

	pthread_mutex_lock(&ah->lock);
	while (!ah->stop && ah->next < ah->nfiles &&
	       ah->next >= ah->taken + ah->window)
		pthread_cond_wait(&ah->changed, &ah->lock);
	if (!ah->stop && ah->next < ah->nfiles) {
		f = ah->next++;
		ah->slots[f].state = SLOT_PARSING;
	}
	pthread_mutex_unlock(&ah->lock);
	return f;
}

static void *
worker(void *arg)
{
	struct ahead *ah = arg;
	struct readbuf rb = { 0 };
	size_t f;

	/* One buffer for every file this thread reads: a tree keeps copies
	 * of what it needs, so a parsed file's text need not wait with it
	 * for the loader (some 20 MiB less at the peak of a million
	 * accounts). */
	while ((f = claim(ah)) < ah->nfiles) {
		struct slot *s = &ah->slots[f];

		/* Only this thread touches file f and its slot until DONE. */
		s->rc = load_file_parse(&ah->files[f], (int)f, &s->tree, &s->errs,
		                        &rb, &s->root, &s->io);
		pthread_mutex_lock(&ah->lock);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&ah->changed);
		pthread_mutex_unlock(&ah->lock);
	}
	free(rb.buf);
	return NULL;
}

/* Worker threads for a load: as many as the machine has cores, within
 * bounds; threads > 0 asks for that many instead. */
static size_t
thread_count(unsigned threads)
{
	long n = threads > 0 ? (long)threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > AHEAD_THREADS_MAX ? AHEAD_THREADS_MAX : (size_t)n;
}

/* Starts parsing files (nfiles of them) on worker threads; 0 with *out
 * set, or an error (nothing started: the caller parses on its own). */
int
ahead_start(struct lfile *files, size_t nfiles, unsigned threads,
            struct ahead **out)
{
	struct ahead *ah = calloc(1, sizeof(*ah));
	size_t n = thread_count(threads);

	if (ah == NULL || (ah->slots = calloc(nfiles, sizeof(*ah->slots))) == NULL)
		goto fail;
	ah->files = files;
	ah->nfiles = nfiles;
	ah->window = n * AHEAD_PER_THREAD;
	if (pthread_mutex_init(&ah->lock, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&ah->changed, NULL) != 0) {
		pthread_mutex_destroy(&ah->lock);
		goto fail;
	}
	for (; ah->nthreads < n; ah->nthreads++)
		if (pthread_create(&ah->threads[ah->nthreads], NULL, worker, ah) != 0)
			break;
	if (ah->nthreads == 0) {
		ahead_stop(ah);
		return LC_ENOMEM;
	}
	*out = ah;
	return 0;
fail:
	if (ah != NULL)
		free(ah->slots);
	free(ah);
	return LC_ENOMEM;
}

/* Waits for file f, the next in order, to be parsed; moves its errors
 * into errs and its io into *io, and hands back its tree (valid until
 * ahead_give_back()) and load_file_parse()'s result. */
int
ahead_take(struct ahead *ah, size_t f, struct perrs *errs,
           const struct jnode **root, int *io)
{
	struct slot *s = &ah->slots[f];

	pthread_mutex_lock(&ah->lock);
	while (s->state != SLOT_DONE)
		pthread_cond_wait(&ah->changed, &ah->lock);
	pthread_mutex_unlock(&ah->lock);
	perrs_move(errs, &s->errs);
	*io |= s->io;
	*root = s->root;
	return s->rc;
}

/* Frees file f's tree (and its text, if the caller's buffer held it)
 * once the loader is done with it, and lets a worker parse one more. */
void
ahead_give_back(struct ahead *ah, size_t f)
{
	struct slot *s = &ah->slots[f];

	arena_free(&s->tree);
	load_file_drop(&ah->files[f]);
	pthread_mutex_lock(&ah->lock);
	s->state = SLOT_FREE;
	ah->taken = f + 1;
	pthread_cond_broadcast(&ah->changed);
	pthread_mutex_unlock(&ah->lock);
}

/* Stops the workers (a file being parsed is finished first), frees what
 * they parsed and ah.  NULL is fine. */
void
ahead_stop(struct ahead *ah)
{
	if (ah == NULL)
		return;
	pthread_mutex_lock(&ah->lock);
	ah->stop = 1;
	pthread_cond_broadcast(&ah->changed);
	pthread_mutex_unlock(&ah->lock);
	for (size_t i = 0; i < ah->nthreads; i++)
		(void)pthread_join(ah->threads[i], NULL);
	for (size_t f = 0; f < ah->nfiles; f++) {
		arena_free(&ah->slots[f].tree);
		perrs_free(&ah->slots[f].errs);
	}
	pthread_cond_destroy(&ah->changed);
	pthread_mutex_destroy(&ah->lock);
	free(ah->slots);
	free(ah);
}
