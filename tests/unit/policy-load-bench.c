/*
 * policy-load-bench: how long policy_load takes on a large policy, and
 * how many decisions per second it answers.  Run by contrib/bench, not a
 * test.  Usage: policy-load-bench [N] (default 100000 devices/accounts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "policy.h"
#include "policy-gen.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/lenscap-policy-bench-XXXXXX";
	struct lc_policy *pol = NULL;
	size_t n = 100000, rounds = 1000000, yes = 0;
	char name[32], devbuf[LC_DEVICE_MAX + 1];
	double t0, load_ms, look_ms;
	int rc;

	if (argc > 1 && (n = strtoul(argv[1], NULL, 10)) < 2) {
		fprintf(stderr, "usage: policy-load-bench [N >= 2]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL || policy_gen_dir(dir, n) != 0) {
		perror("policy-load-bench: writing the policy");
		return 3;
	}
	t0 = now_ms();
	rc = policy_load(dir, &pol, stderr);
	load_ms = now_ms() - t0;
	policy_gen_remove(dir);
	if (rc != 0) {
		fprintf(stderr, "policy-load-bench: %s\n", lc_strerror(rc));
		return 1;
	}
	/* One decision = route match + account lookup by name + grant check,
	 * as lenscapd makes per request (token hashing measured apart). */
	t0 = now_ms();
	for (size_t i = 0; i < rounds; i++) {
		const struct policy_account *a;
		char path[64];

		snprintf(name, sizeof(name), "acct-%zu", i % n);
		/* Half asks for a granted device, half for a stranger's. */
		snprintf(path, sizeof(path), "/v1/cameras/cam-%zu/snapshot",
		         i % 2 ? (i * 7) % n : i % n);
		a = policy_account_by_name(pol, name);
		if (policy_route_match(pol, "assistant", "GET", path, devbuf) &&
		    policy_may_see(pol, a, devbuf))
			yes++;
	}
	look_ms = now_ms() - t0;
	printf("policy_load: %zu devices, %zu accounts, %zu sessions: %.1f ms\n",
	       policy_device_count(pol), policy_account_count(pol), n, load_ms);
	printf("decisions: %.0f per second (%zu granted of %zu)\n",
	       (double)rounds / (look_ms / 1e3), yes, rounds);
	t0 = now_ms();
	for (size_t i = 0; i < rounds; i++) {
		snprintf(name, sizeof(name), "sess-token-%zu", i % n);
		if (policy_session_account(pol, name, strlen(name)) == NULL)
			return 1;
	}
	look_ms = now_ms() - t0;
	printf("session token lookups (SHA-256 + table): %.0f per second\n",
	       (double)rounds / (look_ms / 1e3));
	policy_free(pol);
	return 0;
}
