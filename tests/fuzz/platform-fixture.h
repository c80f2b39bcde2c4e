/*
 * What fuzz-google.c and fuzz-alexa.c share: one run of an input
 * (pf_run), a fixed policy of three
 * accounts (loaded once, with a capability key in a temp dir), the
 * presence of its cameras, and the checks every answer must pass
 * whatever the platform: JSON with no key twice, and nothing of a device
 * the account may not see (no id it was not asked about, no name, room
 * or make, no link) unless the request itself held the very string.
 */
#ifndef LC_FUZZ_PLATFORM_FIXTURE_H
#define LC_FUZZ_PLATFORM_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "platform/platform.h"

/* The clock of every answer: 2025-11-24T16:00:00Z. */
#define PF_NOW 1764000000000ULL

/* alice sees cam-a1 (online), cam-a2 (never pushed) and cam-s (online);
 * bob cam-b1 (online), cam-b2 (pushed too long ago) and cam-s; carol
 * nothing.  cam-x belongs to no one. */
#define PF_ACCOUNTS 3
extern const char *const pf_accounts[PF_ACCOUNTS];

/* Loads the policy; aborts if it cannot.  Idempotent. */
void pf_init(void);

/* A request's context for account i on the route of platform. */
struct platform_ctx pf_ctx(int platform, int i);

/* Whether ctx's account may see the device id (a policy device). */
int pf_visible(const struct platform_ctx *ctx, const char *id);

/* The strings of a request that parsed (keys and values, decoded):
 * what an answer may echo. */
struct pf_input {
	yajl_val root;
	const char **s;
	size_t n, cap;
};

/* Reads data (strict JSON already) into in; aborts on no memory. */
void pf_input_read(struct pf_input *in, const uint8_t *data, size_t size);
void pf_input_free(struct pf_input *in);
/* Whether s is one of in's strings, exactly. */
int pf_echoed(const struct pf_input *in, const char *s);

/*
 * Checks an answer (text, len bytes, from jw_done) to ctx's account and
 * returns its tree (the caller frees it with yajl_tree_free): an object
 * ending in one newline, no key twice; every string not echoed from in
 * names no device ctx's account may not see, holds no name, room or make
 * of one, and is a capability URL for the account and a device it sees
 * if it holds "://" at all.  Aborts otherwise.
 */
yajl_val pf_check_answer(const struct platform_ctx *ctx, const struct pf_input *in,
                         const char *text, size_t len);

/* The member at path (NULL-ended keys) of v, or NULL. */
yajl_val pf_get(yajl_val v, const char **path);
/* v's string, or NULL when it is not one. */
const char *pf_str(yajl_val v);
/* The string at path of v, or "" when there is none. */
const char *pf_text(yajl_val v, const char **path);

/*
 * Feeds data to a front of platform as the assistant face does (the body
 * in two pieces, parse, refusals of each status) and checks that it
 * agrees with parsed (whether the parser took the request, with a known
 * intent or directive) and that every refusal is a JSON object.
 */
void pf_front(int platform, const uint8_t *data, size_t size, int parsed);

/* A platform's parser, answerer and checks, for pf_run(); req is the
 * platform's request struct (the caller's storage). */
struct pf_target {
	int platform;          /* POLICY_PLATFORM_* */
	/* Parses data into req: 0, or LC_EFORMAT with *why set; req is
	 * freed by release whatever it returns. */
	int (*parse)(const uint8_t *data, size_t size, void *req, const char **why);
	void (*release)(void *req);
	/* Whether a parsed req has an intent or directive it knows. */
	int (*known)(const void *req);
	/* Checks a parsed req against the limits (taken: known too). */
	void (*check_parsed)(const void *req, size_t size, int taken);
	unsigned (*answer)(struct platform_ctx *ctx, const void *req, struct jw *w);
	/* Checks the answer to ctx's account, root its tree, text its bytes,
	 * once pf_check_answer() has passed it. */
	void (*check_answer)(const struct platform_ctx *ctx, const void *req,
	                     yajl_val root, const char *text, size_t len);
};

/*
 * One fuzz input for t: parsed into req (taken whole, or refused with
 * LC_EFORMAT and a reason); a request taken is answered with 200 for each
 * account and each answer checked (pf_check_answer, then t's own); then
 * the input goes through a front (pf_front).  Aborts on any failed check.
 */
void pf_run(const struct pf_target *t, void *req, const uint8_t *data, size_t size);

#endif
