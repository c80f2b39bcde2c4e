/*
 * Strict decimal numbers (num.h): strtoull alone takes a sign, leading
 * white space and trailing junk.
 */
#include <errno.h>
#include <stdlib.h>

#include "num.h"

int
num_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
