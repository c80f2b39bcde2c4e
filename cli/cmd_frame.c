/*
 * lenscap seal, open and inspect: the envelope from the command line.
 * open writes the body only after every check has passed; inspect shows
 * the fields of an envelope it does not trust.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "io.h"
#include "lenscap.h"
#include "log.h"
#include "num.h"

#define OPEN_MAX_BODY_DEFAULT ((uint64_t)16 << 20)
#define OPEN_KEYS_MAX 64
#define OPEN_DEVICES_MAX 256

static const char *
key_error(int rc)
{
	return rc == LC_EIO ? strerror(errno) : lc_strerror(rc);
}

/* Reads the input, seals it, writes envelope || body. */
static int
seal_io(const struct lc_secret_key *sk, struct lc_mac_key *mk,
        const struct lc_seal_params *p, const char *in, const char *out)
{
	uint8_t *body = NULL, *sealed = NULL;
	size_t blen, slen;
	int rc, ret = CLI_ERROR;

	if (io_read_all(in, CLI_INPUT_MAX_DEFAULT, &body, &blen) != 0)
		return CLI_ERROR;
	slen = (mk != NULL ? lc_envelope_size_mac(p) : lc_envelope_size(p)) + blen;
	if ((sealed = malloc(slen)) == NULL) {
		log_warnx("out of memory");
		goto out;
	}
	rc = mk != NULL ? lc_envelope_seal_mac(mk, p, body, blen, sealed, slen, &slen)
	                : lc_envelope_seal(sk, p, body, blen, sealed, slen, &slen);
	if (rc != 0) {
		log_warnx("seal: %s", lc_strerror(rc));
		goto out;
	}
	ret = io_write_all(out, sealed, slen) == 0 ? CLI_OK : CLI_ERROR;
out:
	free(body);
	free(sealed);
	return ret;
}

int
cmd_seal(int argc, char **argv)
{
	struct lc_seal_params p = { .kind = LC_KIND_SNAPSHOT,
	                            .content_type = "image/jpeg" };
	struct lc_secret_key *sk = NULL;
	struct lc_mac_key *mk = NULL;
	const char *keyfile = NULL, *in = NULL, *out = NULL, *name = NULL;
	char name_id[LC_HLS_STREAM_ID_LEN + 1];
	int c, rc, time_set = 0;

	while ((c = getopt(argc, argv, "k:d:K:s:N:n:t:c:i:o:")) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'd': p.device = optarg; break;
		case 's': p.stream_id = optarg; break;
		case 'N': name = optarg; break;
		case 'c': p.content_type = optarg; break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'K':
			if ((p.kind = lc_kind_from_name(optarg)) < 0)
				return cli_usage_error("seal: -K takes snapshot, mjpeg or hls");
			break;
		case 'n':
			if (num_parse_u64(optarg, &p.seq) != 0)
				return cli_usage_error("seal: -n takes a whole number");
			break;
		case 't':
			if (num_parse_u64(optarg, &p.capture_ms) != 0)
				return cli_usage_error("seal: -t takes milliseconds since the epoch");
			time_set = 1;
			break;
		default:
			return cli_usage_error("seal: unknown option");
		}
	}
	if (keyfile == NULL || p.device == NULL || optind != argc)
		return cli_usage_error("seal: needs -k SECRET and -d DEVICE");
	if (!lc_valid_device(p.device))
		return cli_usage_error("seal: invalid device id");
	/* An HLS object's stream id is its name's (lenscap-envelope(7)). */
	if (name != NULL && (p.stream_id != NULL || lc_hls_stream_id(name, name_id) != 0))
		return cli_usage_error("seal: -N takes an object name of 1 to 255 bytes, without -s");
	if (name != NULL)
		p.stream_id = name_id;
	if (!lc_valid_stream_id(p.stream_id))
		return cli_usage_error("seal: invalid stream id");
	if (!lc_valid_content_type(p.content_type))
		return cli_usage_error("seal: invalid content type (want lower-case type/subtype)");
	if (!time_set)
		p.capture_ms = cli_now_ms();
	/* A keyed-seal secret (lenscap keygen -m) seals with the MAC. */
	if ((rc = lc_key_load_secret(keyfile, &sk)) == LC_EFORMAT &&
	    lc_mac_key_load(keyfile, &mk) == 0)
		rc = 0;
	if (rc != 0) {
		log_warnx("%s: %s", keyfile, key_error(rc));
		return CLI_ERROR;
	}
	rc = seal_io(sk, mk, &p, in, out);
	lc_key_free(sk);
	lc_mac_key_free(mk);
	return rc;
}

/* Adds the keyed-seal secret in file to kr (it opens for every device);
 * 0 or CLI_ERROR. */
static int
add_mac_arg(struct lc_keyring *kr, const char *file)
{
	struct lc_mac_key *k;
	int rc;

	if ((rc = lc_mac_key_load(file, &k)) != 0) {
		log_warnx("%s: %s", file, key_error(rc));
		return CLI_ERROR;
	}
	rc = lc_keyring_add_mac(kr, k);
	lc_mac_key_free(k);
	if (rc != 0) {
		log_warnx("%s: %s", file, lc_strerror(rc));
		return CLI_ERROR;
	}
	return 0;
}

/*
 * Adds "-k FILE[=DEV,DEV...]" to the keyring.  Without a device list
 * the key may sign for any device.  0, CLI_USAGE or CLI_ERROR.
 */
static int
add_key_arg(struct lc_keyring *kr, char *arg)
{
	const char *devs[OPEN_DEVICES_MAX];
	char *eq = strrchr(arg, '='), *tok, *save = NULL;
	uint8_t pk[LC_PUBLICKEY_BYTES];
	size_t n = 0;
	int rc;

	if (eq != NULL) {
		*eq = '\0';
		for (tok = strtok_r(eq + 1, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if (n == OPEN_DEVICES_MAX || !lc_valid_device(tok))
				return cli_usage_error("open: bad device list in -k");
			devs[n++] = tok;
		}
		if (n == 0)
			return cli_usage_error("open: empty device list in -k");
	} else {
		devs[n++] = "*";
	}
	if ((rc = lc_key_load_public(arg, pk)) == LC_EFORMAT && eq == NULL)
		return add_mac_arg(kr, arg);
	if (rc != 0) {
		log_warnx("%s: %s", arg, key_error(rc));
		return CLI_ERROR;
	}
	if ((rc = lc_keyring_add(kr, pk, devs, n)) != 0) {
		log_warnx("%s: %s", arg, lc_strerror(rc));
		return CLI_ERROR;
	}
	return 0;
}

/* Opens the input against kr and writes the body if it passes. */
static int
open_io(const struct lc_keyring *kr, const char *device, uint64_t max,
        const char *in, const char *out)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_INTERNAL;
	uint8_t *buf = NULL;
	size_t len;
	int rc, ret;

	if (io_read_all(in, max + LC_HEADER_MAX, &buf, &len) != 0)
		return CLI_ERROR;
	rc = lc_envelope_open(buf, len, kr, max, &env, &why);
	if (rc == 0 && device != NULL && strcmp(env.device, device) != 0) {
		rc = LC_EREJECTED;
		why = LC_DROP_DEVICE_MISMATCH;
	}
	if (rc == LC_EREJECTED) {
		log_warnx("refused: %s", lc_drop_name(why));
		ret = CLI_REFUSED;
	} else if (rc != 0) {
		log_warnx("open: %s", lc_strerror(rc));
		ret = CLI_ERROR;
	} else {
		ret = io_write_all(out, env.body, env.body_len) == 0 ? CLI_OK : CLI_ERROR;
	}
	free(buf);
	return ret;
}

int
cmd_open(int argc, char **argv)
{
	struct lc_keyring *kr = NULL;
	const char *device = NULL, *in = NULL, *out = NULL;
	uint64_t max = OPEN_MAX_BODY_DEFAULT;
	int c, rc = CLI_ERROR, nkeys = 0;

	if (lc_keyring_new(&kr) != 0) {
		log_warnx("out of memory");
		return CLI_ERROR;
	}
	while ((c = getopt(argc, argv, "k:d:m:i:o:")) != -1) {
		switch (c) {
		case 'k':
			if (++nkeys > OPEN_KEYS_MAX) {
				rc = cli_usage_error("open: at most %d keys", OPEN_KEYS_MAX);
				goto out;
			}
			if ((rc = add_key_arg(kr, optarg)) != 0)
				goto out;
			break;
		case 'd': device = optarg; break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'm':
			if (num_parse_u64(optarg, &max) != 0 || max > ((uint64_t)1 << 32)) {
				rc = cli_usage_error("open: -m takes bytes, at most 4 GiB");
				goto out;
			}
			break;
		default:
			rc = cli_usage_error("open: unknown option");
			goto out;
		}
	}
	if (nkeys == 0 || optind != argc) {
		rc = cli_usage_error("open: needs at least one -k PUBLIC");
		goto out;
	}
	if (device != NULL && !lc_valid_device(device)) {
		rc = cli_usage_error("open: invalid device id for -d");
		goto out;
	}
	rc = open_io(kr, device, max, in, out);
out:
	lc_keyring_free(kr);
	return rc;
}

static void
gen_str(yajl_gen g, const char *key, const char *val)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	yajl_gen_string(g, (const unsigned char *)val, strlen(val));
}

static void
gen_u64(yajl_gen g, const char *key, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	yajl_gen_number(g, num, (size_t)n);
}

static void
gen_hex(yajl_gen g, const char *key, const uint8_t *bin, size_t n)
{
	char hex[2 * LC_SIGNATURE_BYTES + 1];

	sodium_bin2hex(hex, sizeof(hex), bin, n);
	gen_str(g, key, hex);
}

/* The envelope's fields as one JSON object; nothing here is trusted. */
static void
gen_envelope(yajl_gen g, const struct lc_envelope *env, size_t total)
{
	yajl_gen_map_open(g);
	gen_u64(g, "version", (uint64_t)env->version);
	gen_u64(g, "algorithm", (uint64_t)env->alg);
	gen_str(g, "kind", lc_kind_name(env->kind));
	gen_hex(g, "key_id", env->key_id, LC_KEY_ID_BYTES);
	gen_str(g, "device", env->device);
	gen_str(g, "stream_id", env->stream_id);
	gen_u64(g, "seq", env->seq);
	gen_u64(g, "capture_ms", env->capture_ms);
	gen_str(g, "content_type", env->content_type);
	gen_u64(g, "body_len", env->body_len);
	gen_hex(g, "body_sha256", env->digest, LC_DIGEST_BYTES);
	gen_u64(g, "header_len", env->header_len);
	gen_u64(g, "bytes_after_header", total - env->header_len);
	gen_hex(g, "signature", env->signature, LC_SIGNATURE_BYTES);
	yajl_gen_string(g, (const unsigned char *)"verified", 8);
	yajl_gen_bool(g, 0);
	yajl_gen_map_close(g);
}

int
cmd_inspect(int argc, char **argv)
{
	struct lc_envelope env;
	enum lc_drop why = LC_DROP_MALFORMED;
	const unsigned char *json;
	const char *in = NULL;
	uint8_t *buf = NULL;
	size_t len, jlen;
	yajl_gen g;
	int c, rc, ret = CLI_ERROR;

	while ((c = getopt(argc, argv, "i:")) != -1) {
		if (c != 'i')
			return cli_usage_error("inspect: unknown option");
		in = optarg;
	}
	if (optind != argc)
		return cli_usage_error("inspect: takes only -i FILE");
	if (io_read_all(in, CLI_INPUT_MAX_DEFAULT, &buf, &len) != 0)
		return CLI_ERROR;
	rc = lc_envelope_parse(buf, len, &env, &why);
	if (rc != 0) {
		log_warnx("not an envelope: %s",
		          rc == LC_EAGAIN ? "truncated" : lc_drop_name(why));
		free(buf);
		return CLI_REFUSED;
	}
	if ((g = yajl_gen_alloc(NULL)) == NULL) {
		free(buf);
		return CLI_ERROR;
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	gen_envelope(g, &env, len);
	if (yajl_gen_get_buf(g, &json, &jlen) == yajl_gen_status_ok &&
	    io_write_all(NULL, json, jlen) == 0)
		ret = CLI_OK;
	yajl_gen_free(g);
	free(buf);
	return ret;
}
