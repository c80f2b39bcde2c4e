/*
 * The lenscap command's shared pieces: exit codes, whole-input reading
 * with a bound, atomic output, strict number parsing.  Each subcommand
 * lives in its own cmd_*.c file.
 */
#ifndef LC_CLI_H
#define LC_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes, documented in lenscap(1) EXIT STATUS. */
enum {
	CLI_OK = 0,      /* done; for open: the frame is valid */
	CLI_REFUSED = 1, /* open: frame refused; check-policy: policy invalid */
	CLI_USAGE = 2,   /* bad command line */
	CLI_ERROR = 3    /* I/O, memory or crypto failure */
};

#define CLI_INPUT_MAX_DEFAULT ((size_t)64 << 20)

/*
 * Reads all of path ("-" or NULL: standard input) into a fresh buffer
 * of at most max bytes.  0, or CLI_ERROR after printing why.
 */
int cli_read_all(const char *path, size_t max, uint8_t **out, size_t *len);

/*
 * Writes buf to path ("-" or NULL: standard output).  A file is written
 * to a temporary name and renamed, so that a reader never sees half of
 * it.  0, or CLI_ERROR after printing why.
 */
int cli_write_all(const char *path, const void *buf, size_t len);

/* Parses a whole decimal number into *out; 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Prints "lenscap: usage: see lenscap --help" and returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_keygen(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_check_policy(int argc, char **argv);

#endif
