/*
 * Capability URLs on the assistant face (assistant/capability.h): the
 * policy's side of the format: minting with its first key, and turning
 * "/s/<capability>/<file>" into a route, a device and a session that
 * the rest of the assistant face handles as any authorised request.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "assistant/capability.h"

int
capability_mint_path(const struct lc_policy *pol, const char *account,
                     const char *device, int kind, uint64_t now_ms,
                     char *out, size_t outlen, uint64_t *expires_ms)
{
	struct capability_claims cl;
	const struct capability_key *keys;
	char text[CAPABILITY_TEXT_MAX + 1];
	size_t nkeys;
	int n, rc;

	keys = policy_capability_keys(pol, &nkeys);
	if (nkeys == 0 || capability_file_name(kind) == NULL ||
	    !lc_valid_device(account) || !lc_valid_device(device) ||
	    !policy_may_see(pol, policy_account_by_name(pol, account), device))
		return LC_EINVAL;
	memset(&cl, 0, sizeof(cl));
	cl.expires_ms = now_ms + policy_capability_lifetime(pol, kind);
	cl.kind = kind;
	memcpy(cl.account, account, strlen(account) + 1);
	memcpy(cl.device, device, strlen(device) + 1);
	if ((rc = capability_mint(&keys[0], &cl, text, sizeof(text))) < 0)
		return rc;
	n = snprintf(out, outlen, CAPABILITY_PREFIX "%s/%s", text,
	             capability_file_name(kind));
	if (n < 0 || (size_t)n >= outlen)
		return LC_ESPACE;
	*expires_ms = cl.expires_ms;
	return 0;
}

int
capability_is_path(const struct lc_policy *pol, const char *url)
{
	size_t n;

	(void)policy_capability_keys(pol, &n);
	return n > 0 && strncmp(url, CAPABILITY_PREFIX, 3) == 0;
}

/* Whether the file name fits the capability's kind: a still's and an
 * MJPEG stream's one name, or for hls any name but those two. */
static int
file_fits_kind(const char *file, int kind)
{
	const char *own = capability_file_name(kind);

	if (kind == LC_KIND_HLS)
		return strcmp(file, capability_file_name(LC_KIND_SNAPSHOT)) != 0 &&
		       strcmp(file, capability_file_name(LC_KIND_MJPEG)) != 0;
	return own != NULL && strcmp(file, own) == 0;
}

int
capability_tag(const char *text, size_t n, uint8_t digest[LC_DIGEST_BYTES], char tag[24])
{
	char hex[2 * 8 + 1];

	if (lc_digest(text, n, digest) != 0)
		return -1;
	sodium_bin2hex(hex, sizeof(hex), digest, 8);
	(void)snprintf(tag, 24, "cap:%s", hex);
	return 0;
}

/* Fills out's session (and again its digest and tag) from the
 * capability text[0, n) and its claims; 0 or -1. */
static int
make_session(struct capability_request *out, const char *text, size_t n,
             const struct capability_claims *cl)
{
	out->session.source = SESSION_CAPABILITY;
	out->session.expires_ms = cl->expires_ms;
	memcpy(out->session.device, cl->device, sizeof(out->session.device));
	return capability_tag(text, n, out->session.digest, out->tag);
}

/* 404 with why. */
static unsigned
refuse(struct capability_request *out, const char *why)
{
	out->why = why;
	return 404;
}

unsigned
capability_resolve(const struct lc_policy *pol, const char *face,
                   const char *method, const char *url, uint64_t now_ms,
                   struct capability_request *out)
{
	static const char *const whys[] = {
		[CAPABILITY_MALFORMED] = "capability malformed",
		[CAPABILITY_UNKNOWN_KEY] = "capability key unknown",
		[CAPABILITY_BAD_MAC] = "capability MAC wrong (tampered or another key)",
	};
	const struct capability_key *keys;
	struct capability_claims cl;
	enum capability_verdict v;
	const char *text = url + 3, *slash, *file;
	size_t nkeys, n;

	memset(out, 0, sizeof(*out));
	if ((slash = strchr(text, '/')) == NULL)
		return refuse(out, whys[CAPABILITY_MALFORMED]);
	n = (size_t)(slash - text);
	file = slash + 1;
	if (strlen(file) > POLICY_NAME_MAX || !policy_segment_ok(file, strlen(file)))
		return refuse(out, "capability path: not a file name");
	/* Every refusal is audited with the digest prefix, even a forgery's. */
	if (n <= CAPABILITY_TEXT_MAX &&
	    capability_tag(text, n, out->session.digest, out->tag) != 0)
		return refuse(out, "capability digest failed");
	keys = policy_capability_keys(pol, &nkeys);
	v = capability_open(text, n, keys, nkeys, now_ms, &cl);
	if (v != CAPABILITY_OK && v != CAPABILITY_EXPIRED)
		return refuse(out, whys[v]);
	if (make_session(out, text, n, &cl) != 0)
		return refuse(out, "capability digest failed");
	memcpy(out->device, cl.device, sizeof(out->device));
	if (v == CAPABILITY_EXPIRED) {
		out->why = "capability expired";
		return 410;
	}
	if (!file_fits_kind(file, cl.kind))
		return refuse(out, "capability kind does not match the path");
	if ((out->route = policy_capability_route(pol, face, method, cl.kind)) == NULL)
		return refuse(out, "no route for the capability's kind");
	if (cl.kind == LC_KIND_HLS)
		memcpy(out->name, file, strlen(file) + 1);
	if ((out->account = policy_account_by_name(pol, cl.account)) == NULL)
		return refuse(out, "capability account unknown");
	if (!policy_may_see(pol, out->account, cl.device)) {
		out->not_granted = 1;
		return refuse(out, NULL);
	}
	return 0;
}
