/*
 * Replay main for a libFuzzer target: runs LLVMFuzzerTestOneInput over
 * every file of the target's seed corpus so that `make check` keeps the
 * corpus (crashers included) passing.  Speaks TAP, one line per file.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME=\"target\""
#endif

/* Automake's code for a hard error (not a test failure). */
#define EXIT_HARD_ERROR 99

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int tests_run;

/* Reads a whole file into a fresh buffer; 0 or -1 with errno set. */
static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fstat(fileno(f), &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	/* One spare byte so that an empty file still gets a real buffer. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (got != (size_t)st.st_size || ferror(f)) {
		errno = EIO;
		goto fail;
	}
	if (fclose(f) == EOF) {
		f = NULL;
		goto fail;
	}
	*out = buf;
	*outlen = got;
	return 0;
fail:
	free(buf);
	if (f != NULL)
		(void)fclose(f);
	return -1;
}

/* Runs the target on one file; a crash ends the program, as it should. */
static int
run_file(const char *path, const char *label)
{
	uint8_t *buf, *copy;
	size_t len;

	if (read_file(path, &buf, &len) == -1) {
		printf("not ok %d - %s: %s\n", ++tests_run, label, strerror(errno));
		return -1;
	}
	/* An exact-size copy, so that ASan sees any read past the input. */
	copy = malloc(len ? len : 1);
	if (copy == NULL) {
		free(buf);
		printf("not ok %d - %s: out of memory\n", ++tests_run, label);
		return -1;
	}
	memcpy(copy, buf, len);
	free(buf);
	(void)LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	printf("ok %d - %s (%zu bytes)\n", ++tests_run, label, len);
	return 0;
}

static int
skip_entry(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Runs every file of a directory in name order; -1 if none or unreadable. */
static int
run_dir(const char *dir, int *failed)
{
	struct dirent **names = NULL;
	char path[4096];
	int n, ran = 0;

	n = scandir(dir, &names, skip_entry, alphasort);
	if (n == -1) {
		printf("Bail out! %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int w = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);

		if (w < 0 || (size_t)w >= sizeof(path)) {
			printf("not ok %d - %s: path too long\n", ++tests_run,
			       names[i]->d_name);
			(*failed)++;
		} else if (run_file(path, names[i]->d_name) != 0) {
			(*failed)++;
		}
		ran++;
		free(names[i]);
	}
	free(names);
	if (ran == 0) {
		printf("Bail out! %s: empty corpus\n", dir);
		return -1;
	}
	return 0;
}

/*
 * With no arguments, replays $top_srcdir/tests/fuzz/corpus/FUZZ_NAME/
 * (top_srcdir defaults to "."); with arguments, replays those files or
 * directories instead, e.g. a crasher that libFuzzer wrote.
 */
int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	struct stat st;
	int failed = 0, w;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
				if (run_dir(argv[i], &failed) != 0)
					return EXIT_HARD_ERROR;
			} else if (run_file(argv[i], argv[i]) != 0) {
				failed++;
			}
		}
	} else {
		w = snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
		             top != NULL && *top != '\0' ? top : ".", FUZZ_NAME);
		if (w < 0 || (size_t)w >= sizeof(dir)) {
			printf("Bail out! corpus path too long\n");
			return EXIT_HARD_ERROR;
		}
		if (run_dir(dir, &failed) != 0)
			return EXIT_HARD_ERROR;
	}
	printf("1..%d\n", tests_run);
	return failed ? 1 : 0;
}
