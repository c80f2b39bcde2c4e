/*
 * The lenscap command's usage errors (cli.h), one wording for every
 * subcommand.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lenscap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: see lenscap --help\n", stderr);
	return CLI_USAGE;
}
