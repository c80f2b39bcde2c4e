/*
 * The lenscap command's shared pieces: exit codes and usage errors.
 * Each subcommand lives in its own cmd_*.c file; whole-file input and
 * output are common/io.h's, numbers common/num.h's.
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

/* Prints "lenscap: usage: see lenscap --help" and returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The wall clock, ms since the epoch; 0 if it cannot be read. */
uint64_t cli_now_ms(void);

int cmd_keygen(int argc, char **argv);
int cmd_capability(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_check_policy(int argc, char **argv);
int cmd_init(int argc, char **argv);

#endif
