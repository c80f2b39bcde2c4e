/*
 * Whole-file input and output for lenscapd and the lenscap command:
 * reads with a bound, writes that a reader never sees half of.
 */
#ifndef LC_IO_H
#define LC_IO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reads all of path ("-" or NULL: standard input) into a fresh buffer
 * of at most max bytes, which the caller frees.  0, or -1 after logging
 * why.
 */
int io_read_all(const char *path, size_t max, uint8_t **out, size_t *len);

/*
 * Writes buf to path ("-" or NULL: standard output).  A regular file (or
 * a new one) is written to a temporary name beside it and renamed over
 * it, so that a reader never sees half of it; anything else that exists
 * at path (a character device such as /dev/null, a FIFO, a link to one)
 * is written in place, never replaced.  0, or -1 after logging why.
 */
int io_write_all(const char *path, const void *buf, size_t len);

#endif
