/*
 * lenscap check-policy: loads each policy path as lenscapd would and
 * reports every problem as file:line:col: json.path: message.
 */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "policy.h"

int
cmd_check_policy(int argc, char **argv)
{
	int ret = CLI_OK;

	if (argc < 2)
		return cli_usage_error("check-policy: needs at least one PATH");
	for (int i = 1; i < argc; i++) {
		struct lc_policy *pol = NULL;

		if (policy_load(argv[i], &pol, stderr) != 0) {
			ret = CLI_REFUSED;
			continue;
		}
		printf("%s: policy OK\n", argv[i]);
		policy_free(pol);
	}
	return ret;
}
