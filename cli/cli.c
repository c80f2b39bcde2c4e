/*
 * The lenscap command's usage errors (cli.h), one wording for every
 * subcommand, and its clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

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

uint64_t
cli_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
