/*
 * lenscap capability: makes capability secrets and mints capability
 * URLs for tests and operators (lenscap(1)), with the format lenscapd
 * checks (common/capability_format.h).  It mints for whatever it is told:
 * lenscapd checks the grant in its policy on every fetch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "capability_format.h"
#include "cli.h"
#include "lenscap.h"
#include "log.h"
#include "num.h"

/* lenscap capability keygen -o FILE */
static int
keygen(int argc, char **argv)
{
	const char *out = NULL;
	int c, rc;

	while ((c = getopt(argc, argv, "o:")) != -1) {
		if (c != 'o')
			return cli_usage_error("capability keygen: unknown option");
		out = optarg;
	}
	if (out == NULL || optind != argc)
		return cli_usage_error("capability keygen: needs -o FILE and nothing else");
	if ((rc = capability_secret_generate(out)) != 0) {
		log_warnx("%s: %s", out, rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		return CLI_ERROR;
	}
	return CLI_OK;
}

/* The options of mint, as given. */
struct mint_opts {
	const char *secret, *id, *account, *device, *kind, *lifetime;
};

/* Parses mint's options into *o; 0 or -1 (usage). */
static int
mint_opts(int argc, char **argv, struct mint_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "k:i:a:d:K:t:")) != -1) {
		switch (c) {
		case 'k': o->secret = optarg; break;
		case 'i': o->id = optarg; break;
		case 'a': o->account = optarg; break;
		case 'd': o->device = optarg; break;
		case 'K': o->kind = optarg; break;
		case 't': o->lifetime = optarg; break;
		default: return -1;
		}
	}
	return optind == argc && o->secret && o->id && o->account && o->device &&
	       o->kind && o->lifetime ? 0 : -1;
}

/* lenscap capability mint -k SECRET -i KEYID -a ACCOUNT -d DEVICE -K KIND
 * -t LIFETIME_MS: prints /s/<capability>/<file>. */
static int
mint(int argc, char **argv)
{
	char text[CAPABILITY_TEXT_MAX + 1];
	struct capability_claims cl;
	struct capability_key key;
	struct mint_opts o;
	uint8_t *secret = NULL;
	uint64_t life;
	int rc;

	if (mint_opts(argc, argv, &o) != 0)
		return cli_usage_error("capability mint: needs -k, -i, -a, -d, -K and -t");
	memset(&cl, 0, sizeof(cl));
	if (num_parse_u64(o.lifetime, &life) != 0 || life > UINT64_MAX / 2 ||
	    (cl.kind = lc_kind_from_name(o.kind)) < 0 || !capability_key_id_ok(o.id) ||
	    !lc_valid_device(o.account) || !lc_valid_device(o.device))
		return cli_usage_error("capability mint: bad lifetime, kind, key id, "
		                       "account or device");
	if (sodium_init() < 0)
		return CLI_ERROR;
	if ((rc = capability_secret_load(o.secret, &secret)) != 0) {
		log_warnx("%s: %s", o.secret, rc == LC_EIO ? strerror(errno) :
		          rc == LC_EPERM ? "readable or writable by group or others" :
		          rc == LC_EFORMAT ? "not a file of exactly 32 bytes" : lc_strerror(rc));
		return CLI_ERROR;
	}
	cl.expires_ms = cli_now_ms() + life;
	memcpy(cl.account, o.account, strlen(o.account) + 1);
	memcpy(cl.device, o.device, strlen(o.device) + 1);
	key.id = o.id;
	key.secret = secret;
	rc = capability_mint(&key, &cl, text, sizeof(text));
	capability_secret_free(secret);
	if (rc < 0) {
		log_warnx("capability mint: %s", lc_strerror(rc));
		return CLI_ERROR;
	}
	printf("/s/%s/%s\n", text, capability_file_name(cl.kind));
	return CLI_OK;
}

int
cmd_capability(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("capability: needs keygen or mint");
	optind = 1;
	if (strcmp(argv[1], "keygen") == 0)
		return keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "mint") == 0)
		return mint(argc - 1, argv + 1);
	return cli_usage_error("capability: unknown subcommand '%s'", argv[1]);
}
