/*
 * lenscap keygen: makes an Ed25519 key pair as BASE.sec (mode 0600) and
 * BASE.pub, or with -m a keyed-seal secret as BASE.mac (mode 0600), and
 * prints the key id.  Never overwrites a key.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lenscap.h"
#include "log.h"

/* -m: a keyed-seal secret in BASE.mac; prints its id. */
static int
keygen_mac(const char *base)
{
	struct lc_mac_key *k = NULL;
	char path[PATH_MAX], hex[LC_KEY_ID_HEX_BYTES];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s.mac", base) >= sizeof(path))
		return cli_usage_error("keygen: path too long");
	if ((rc = lc_mac_key_generate(&k)) != 0) {
		log_warnx("keygen: %s", lc_strerror(rc));
		return CLI_ERROR;
	}
	if ((rc = lc_mac_key_save(k, path)) != 0) {
		log_warnx("%s: %s", path, rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		lc_mac_key_free(k);
		return CLI_ERROR;
	}
	lc_key_id_hex(lc_mac_key_id(k), hex);
	printf("%s\n", hex);
	lc_mac_key_free(k);
	return CLI_OK;
}

int
cmd_keygen(int argc, char **argv)
{
	struct lc_secret_key *sk = NULL;
	char sec[PATH_MAX], pub[PATH_MAX], hex[LC_KEY_ID_HEX_BYTES];
	const char *base = NULL;
	int c, rc, mac = 0;

	while ((c = getopt(argc, argv, "mo:")) != -1) {
		if (c == 'm')
			mac = 1;
		else if (c == 'o')
			base = optarg;
		else
			return cli_usage_error("keygen: unknown option");
	}
	if (base == NULL || optind != argc)
		return cli_usage_error("keygen: needs -o BASE and nothing else");
	if (mac)
		return keygen_mac(base);
	if ((size_t)snprintf(sec, sizeof(sec), "%s.sec", base) >= sizeof(sec) ||
	    (size_t)snprintf(pub, sizeof(pub), "%s.pub", base) >= sizeof(pub))
		return cli_usage_error("keygen: path too long");

	if ((rc = lc_key_generate(&sk)) != 0) {
		log_warnx("keygen: %s", lc_strerror(rc));
		return CLI_ERROR;
	}
	if ((rc = lc_key_save_secret(sk, sec)) != 0) {
		log_warnx("%s: %s", sec, rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		goto fail;
	}
	if ((rc = lc_key_save_public(lc_key_public(sk), pub)) != 0) {
		log_warnx("%s: %s", pub, rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		(void)unlink(sec); /* no secret without its public half */
		goto fail;
	}
	lc_key_id_hex(lc_key_id(sk), hex);
	printf("%s\n", hex);
	lc_key_free(sk);
	return CLI_OK;
fail:
	lc_key_free(sk);
	return CLI_ERROR;
}
