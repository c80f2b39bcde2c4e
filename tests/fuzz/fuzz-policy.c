/*
 * Fuzz target for the policy loader: parses arbitrary bytes as a policy
 * from memory, without touching the filesystem, and checks what success
 * promises (a model whose lookups answer) and what failure promises
 * (*out untouched).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Asks every question once, so that the sanitizers look at the model. */
static void
exercise(const struct lc_policy *pol)
{
	char dev[LC_DEVICE_MAX + 1], out[2048];

	for (size_t i = 0; i < policy_route_count(pol); i++) {
		const struct policy_route *r = policy_route(pol, i), *m;

		CHECK(r != NULL && r->face != NULL && r->ncontent_types > 0);
		/* A template with "x" as the device and "n" as the name
		 * must route to itself. */
		if (policy_backend_path(r, "x", "n", out, sizeof(out)) != 0)
			continue;
		if (!r->has_device && !r->has_name) {
			m = policy_route_match(pol, r->face->name, r->method,
			                       r->path, dev);
			CHECK(m == r && dev[0] == '\0');
		}
	}
	for (size_t i = 0; i < policy_listener_count(pol); i++) {
		const struct policy_listener *l = policy_listener(pol, i);

		CHECK(l != NULL && policy_listener_by_name(pol, l->name) == l);
		CHECK(l->plain || (l->cert != NULL && l->key != NULL));
	}
	(void)policy_session_account(pol, "token", 5);
	(void)policy_device_by_token(pol, "token", 5);
	(void)policy_may_see(pol, policy_account_by_name(pol, "a"), "a");
	CHECK(policy_backend(pol)->url != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lc_policy *pol = NULL, *const sentinel = (struct lc_policy *)&pol;
	FILE *sink = fopen("/dev/null", "w");
	int rc;

	pol = sentinel;
	rc = policy_load_mem("fuzz.json", data, size, POLICY_NO_FILES, &pol,
	                     sink);
	if (sink != NULL)
		fclose(sink);
	if (rc != 0) {
		CHECK(pol == sentinel);
		CHECK(rc == LC_EFORMAT || rc == LC_ENOMEM);
		return 0;
	}
	CHECK(pol != NULL && pol != sentinel);
	exercise(pol);
	policy_free(pol);
	return 0;
}
