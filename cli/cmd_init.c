/*
 * lenscap init DIR: writes a complete, working starting point for
 * lenscapd into DIR: a commented policy, a fresh keyed-seal secret (the
 * camera face seals with it) and ingest key pair (Ed25519, for a policy
 * that chooses it), a self-signed server certificate and its key, and one
 * example camera
 * (cam-1, a device token) and account (alice, a session token) whose
 * tokens are made here and written to files only its owner may read; the
 * policy holds their digests only.  Never overwrites a file: if any of
 * them exists, nothing is written.  If anything fails half way, what was
 * written is removed again.  With -S the policy is for lenscapd.service,
 * which reads the secrets as its credentials, not from private/.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "cli.h"
#include "config.h"
#include "lenscap.h"
#include "log.h"
#include "num.h"
#include "policy.h"

/* The files init writes, relative to DIR; every one is new. */
enum {
	F_POLICY, F_CERT, F_INGEST_PUB, F_TLS_KEY, F_INGEST_SEC, F_SEAL_MAC,
	F_CAM_TOKEN, F_SESSION_TOKEN, F_COUNT
};
static const struct {
	const char *rel;
	mode_t mode;
} init_files[F_COUNT] = {
	[F_POLICY] = { "lenscap.json", 0644 },
	[F_CERT] = { "server.crt", 0644 },
	[F_INGEST_PUB] = { "ingest.pub", 0644 },
	[F_TLS_KEY] = { "private/server.key", 0600 },
	[F_INGEST_SEC] = { "private/ingest.sec", 0600 },
	[F_SEAL_MAC] = { "private/seal.mac", 0600 },
	[F_CAM_TOKEN] = { "tokens/cam-1.token", 0600 },
	[F_SESSION_TOKEN] = { "tokens/alice.token", 0600 },
};
/* The directories, in the order they are made: DIR itself, then these. */
static const struct {
	const char *rel;
	mode_t mode;
} init_dirs[] = { { "", 0755 }, { "private", 0700 }, { "tokens", 0700 } };
#define N_DIRS (sizeof(init_dirs) / sizeof(*init_dirs))

#define TOKEN_RAW_BYTES 32
#define TOKEN_CHARS 64 /* base64url of 32 bytes is 43; room to spare */
#define CERT_DAYS 3650

/* Where lenscapd.service's LoadCredential=key:.../private puts a copy of
 * each file of private/ for the service: "key_" and the file's name. */
#define UNIT_CREDENTIALS "/run/credentials/lenscapd.service/key_"

struct init {
	const char *dir, *backend, *host, *name;
	unsigned port;
	int for_unit; /* -S: name the secrets by the unit's credential paths */
	char path[F_COUNT][PATH_MAX];
	char dpath[N_DIRS][PATH_MAX];
	int made[F_COUNT], dmade[N_DIRS];
	char cam_digest[2 * LC_DIGEST_BYTES + 1];
	char session_digest[2 * LC_DIGEST_BYTES + 1];
};

/* Whether s is non-empty and every byte of it is in set. */
static int
only(const char *s, const char *set)
{
	return s[0] != '\0' && strspn(s, set) == strlen(s);
}

/* Parses the command line into in.  0 or a CLI_USAGE exit code. */
static int
parse_args(int argc, char **argv, struct init *in)
{
	static const char url_set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                              "0123456789-._~:/[]%";
	static const char host_set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "0123456789.-:";
	uint64_t port = 8443;
	int c;

	in->backend = "http://127.0.0.1:8080";
	in->host = "0.0.0.0";
	in->name = "localhost";
	while ((c = getopt(argc, argv, "b:l:n:p:S")) != -1) {
		switch (c) {
		case 'b': in->backend = optarg; break;
		case 'l': in->host = optarg; break;
		case 'n': in->name = optarg; break;
		case 'S': in->for_unit = 1; break;
		case 'p':
			if (num_parse_u64(optarg, &port) != 0 || port > 65533)
				return cli_usage_error("init: -p: a port from 0 to 65533");
			break;
		default: return cli_usage_error("init: unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("init: needs one DIR");
	in->dir = argv[optind];
	in->port = (unsigned)port;
	if (!only(in->backend, url_set) || (strncmp(in->backend, "http://", 7) != 0 &&
	                                    strncmp(in->backend, "https://", 8) != 0))
		return cli_usage_error("init: -b: an http:// or https:// URL");
	if (!only(in->host, host_set))
		return cli_usage_error("init: -l: an IPv4 or IPv6 address or a host name");
	if (!only(in->name, host_set) || strchr(in->name, ':') != NULL ||
	    strlen(in->name) > 253)
		return cli_usage_error("init: -n: a DNS name");
	return 0;
}

/* Fills in->path and in->dpath from in->dir.  0 or CLI_USAGE. */
static int
make_paths(struct init *in)
{
	for (size_t i = 0; i < F_COUNT; i++)
		if ((size_t)snprintf(in->path[i], PATH_MAX, "%s/%s", in->dir,
		                     init_files[i].rel) >= PATH_MAX)
			return cli_usage_error("init: path too long");
	for (size_t i = 0; i < N_DIRS; i++)
		if ((size_t)snprintf(in->dpath[i], PATH_MAX, "%s%s%s", in->dir,
		                     i == 0 ? "" : "/", init_dirs[i].rel) >= PATH_MAX)
			return cli_usage_error("init: path too long");
	return 0;
}

/* 0 if none of the files exists (nothing is written otherwise), or -1
 * after saying which does. */
static int
check_absent(const struct init *in)
{
	struct stat st;

	for (size_t i = 0; i < F_COUNT; i++) {
		if (lstat(in->path[i], &st) == 0) {
			log_warnx("init: %s exists; lenscap init never overwrites a "
			          "file, and wrote nothing", in->path[i]);
			return -1;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			log_warn("init: %s", in->path[i]);
			return -1;
		}
	}
	return 0;
}

/* Makes the directories that do not exist yet, remembering which.  An
 * existing one must be a directory.  0 or -1 after logging why. */
static int
make_dirs(struct init *in)
{
	struct stat st;

	for (size_t i = 0; i < N_DIRS; i++) {
		if (mkdir(in->dpath[i], init_dirs[i].mode) == 0) {
			in->dmade[i] = 1;
			/* exactly this mode, whatever the umask */
			if (chmod(in->dpath[i], init_dirs[i].mode) == -1) {
				log_warn("init: %s", in->dpath[i]);
				return -1;
			}
		} else if (errno != EEXIST || stat(in->dpath[i], &st) == -1 ||
		           !S_ISDIR(st.st_mode)) {
			log_warn("init: %s", in->dpath[i]);
			return -1;
		}
	}
	return 0;
}

/* Writes len bytes of buf to fd.  0, or -1 with errno set. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes len bytes of buf to the new file number f with its mode.  0 or
 * -1 after logging why. */
static int
write_new(struct init *in, int f, const void *buf, size_t len)
{
	int fd;

	fd = open(in->path[f], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          init_files[f].mode);
	if (fd == -1) {
		log_warn("init: %s", in->path[f]);
		return -1;
	}
	in->made[f] = 1;
	if (fchmod(fd, init_files[f].mode) == -1 || write_all(fd, buf, len) != 0)
		goto fail;
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		log_warn("init: %s", in->path[f]);
		return -1;
	}
	return 0;
fail:
	log_warn("init: %s", in->path[f]);
	(void)close(fd);
	return -1;
}

/* Removes every file and directory this run made. */
static void
roll_back(const struct init *in)
{
	for (size_t i = F_COUNT; i-- > 0;)
		if (in->made[i] && unlink(in->path[i]) == -1)
			log_warn("init: cannot remove %s", in->path[i]);
	for (size_t i = N_DIRS; i-- > 0;)
		if (in->dmade[i] && rmdir(in->dpath[i]) == -1)
			log_warn("init: cannot remove %s", in->dpath[i]);
}

/* Makes the ingest key pair: private/ingest.sec (0600) and ingest.pub.
 * 0 or -1 after logging why. */
static int
make_ingest_key(struct init *in)
{
	struct lc_secret_key *sk = NULL;
	int rc;

	if ((rc = lc_key_generate(&sk)) != 0) {
		log_warnx("init: ingest key: %s", lc_strerror(rc));
		return -1;
	}
	rc = lc_key_save_secret(sk, in->path[F_INGEST_SEC]);
	if (rc == 0) {
		in->made[F_INGEST_SEC] = 1;
		rc = lc_key_save_public(lc_key_public(sk), in->path[F_INGEST_PUB]);
		if (rc == 0)
			in->made[F_INGEST_PUB] = 1;
	}
	lc_key_free(sk);
	if (rc != 0) {
		log_warnx("init: ingest key: %s",
		          rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		return -1;
	}
	/* the public half is for everyone to read, whatever the umask */
	if (chmod(in->path[F_INGEST_PUB], init_files[F_INGEST_PUB].mode) == -1) {
		log_warn("init: %s", in->path[F_INGEST_PUB]);
		return -1;
	}
	return 0;
}

/* Makes the keyed seal's secret, private/seal.mac (0600).  0 or -1
 * after logging why. */
static int
make_seal_secret(struct init *in)
{
	struct lc_mac_key *k = NULL;
	int rc;

	if ((rc = lc_mac_key_generate(&k)) == 0 &&
	    (rc = lc_mac_key_save(k, in->path[F_SEAL_MAC])) == 0)
		in->made[F_SEAL_MAC] = 1;
	lc_mac_key_free(k);
	if (rc != 0) {
		log_warnx("init: keyed-seal secret: %s",
		          rc == LC_EIO ? strerror(errno) : lc_strerror(rc));
		return -1;
	}
	return 0;
}

/* Adds the subject alternative names: in->name, localhost, 127.0.0.1
 * and ::1.  A GnuTLS error code. */
static int
add_names(gnutls_x509_crt_t crt, const struct init *in)
{
	static const unsigned char v4[4] = { 127, 0, 0, 1 };
	static const unsigned char v6[16] = { [15] = 1 };
	int rc;

	rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, in->name,
	                                          (unsigned)strlen(in->name),
	                                          GNUTLS_FSAN_APPEND);
	if (rc == 0 && strcmp(in->name, "localhost") != 0)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
		                                          "localhost", 9,
		                                          GNUTLS_FSAN_APPEND);
	if (rc == 0)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4,
		                                          sizeof(v4), GNUTLS_FSAN_APPEND);
	if (rc == 0)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6,
		                                          sizeof(v6), GNUTLS_FSAN_APPEND);
	return rc;
}

/* Fills crt as a self-signed TLS server certificate for key, valid from
 * an hour ago for CERT_DAYS days, and signs it.  A GnuTLS error code. */
static int
fill_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const struct init *in)
{
	unsigned char serial[16], kid[64];
	size_t kid_len = sizeof(kid);
	time_t now = time(NULL);
	int rc;

	randombytes_buf(serial, sizeof(serial));
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40); /* positive, 16 bytes */
	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt,
	                                              now + (time_t)CERT_DAYS * 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	                                        in->name, (unsigned)strlen(in->name))) < 0 ||
	    (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (rc = add_names(crt, in)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, kid, &kid_len)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len)) < 0)
		return rc;
	return gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
}

/* Makes an ECDSA P-256 key and a self-signed certificate for it, and
 * writes private/server.key (0600) and server.crt.  0 or -1 after
 * logging why. */
static int
make_server_cert(struct init *in)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = { NULL, 0 }, cpem = { NULL, 0 };
	int rc, ret = -1;

	if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0 ||
	    (rc = fill_cert(crt, key, in)) < 0 ||
	    (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0 ||
	    (rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
	                                            GNUTLS_PKCS_PLAIN, &kpem)) < 0) {
		log_warnx("init: server certificate: %s", gnutls_strerror(rc));
		goto out;
	}
	if (write_new(in, F_TLS_KEY, kpem.data, kpem.size) == 0 &&
	    write_new(in, F_CERT, cpem.data, cpem.size) == 0)
		ret = 0;
out:
	if (kpem.data != NULL) {
		sodium_memzero(kpem.data, kpem.size);
		gnutls_free(kpem.data);
	}
	gnutls_free(cpem.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	return ret;
}

/* Makes a fresh bearer token, writes it (and a newline) to the new file
 * f, and puts the hex SHA-256 of the token into digest.  0 or -1. */
static int
make_token(struct init *in, int f, char digest[2 * LC_DIGEST_BYTES + 1])
{
	unsigned char raw[TOKEN_RAW_BYTES];
	uint8_t d[LC_DIGEST_BYTES];
	char tok[TOKEN_CHARS];
	size_t n;
	int ret = -1;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(tok, sizeof(tok) - 1, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n = strlen(tok);
	if (lc_digest(tok, n, d) != 0) {
		log_warnx("init: digest failed");
		goto out;
	}
	sodium_bin2hex(digest, 2 * LC_DIGEST_BYTES + 1, d, sizeof(d));
	tok[n] = '\n';
	ret = write_new(in, f, tok, n + 1);
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(tok, sizeof(tok));
	return ret;
}

/* Formats one listener address, host:port or [host]:port, into buf. */
static void
listen_addr(char *buf, size_t size, const char *host, unsigned port)
{
	snprintf(buf, size, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host, port);
}

/* How to run the policy, at its top: by hand, or by lenscapd.service. */
static const char run_by_hand[] =
" * how to run it.  Check it, then serve it:\n"
" *     lenscapd -t -c lenscap.json\n"
" *     lenscapd -f -c lenscap.json\n";
static const char run_by_unit[] =
" * how to run it.  It is made for lenscapd.service, which reads the files\n"
" * in private/ as its credentials (LoadCredential=), so it names them by\n"
" * the paths the service sees; it passes lenscapd -t within the service\n"
" * only.  Serve it, and check and apply a change:\n"
" *     systemctl start lenscapd\n"
" *     systemctl reload lenscapd\n";

/* The policy, with every section explained.  Its %s are, in order: how
 * to run it, the assistant face's address and TLS key, the camera face's,
 * the admin address, the backend URL and its "plain" member, the keyed
 * seal's secret, the ingest key, the device token's digest, the session
 * token's. */
static const char policy_text[] =
"/*\n"
" * A lenscap policy made by `lenscap init` (" PACKAGE_STRING "): a complete\n"
" * starting point.  lenscap.policy(5) documents every key; lenscapd(8)\n"
"%s"
" * Relative paths are taken from this file's directory.  Secrets live in\n"
" * private/ (mode 0700, files 0600).  tokens/ holds the tokens made for\n"
" * the example camera and account: hand them out, then delete them (the\n"
" * policy keeps only their SHA-256 digests).\n"
" */\n"
"{\n"
"  // Where lenscapd listens.  Assistant platforms (Nest Hub, Echo Show)\n"
"  // fetch frames on the assistant face; cameras push frames on the camera\n"
"  // face.  Both speak TLS with server.crt, a self-signed certificate that\n"
"  // lenscap init made: replace it with one your clients trust.  To let\n"
"  // cameras prove themselves with client certificates, add\n"
"  // \"client_ca\": \"cameras-ca.crt\" to the camera face's tls and give the\n"
"  // devices \"cert_sha256\".  The admin listener serves /metrics and\n"
"  // /healthz over plain HTTP: keep it on loopback.\n"
"  \"listeners\": {\n"
"    \"assistant\": { \"listen\": \"%s\",\n"
"                   \"tls\": { \"cert\": \"server.crt\", \"key\": \"%s\" } },\n"
"    \"camera\": { \"listen\": \"%s\",\n"
"                \"tls\": { \"cert\": \"server.crt\", \"key\": \"%s\" } },\n"
"    \"admin\": { \"listen\": \"%s\", \"plain\": true }\n"
"  },\n"
"\n"
"  // The vendor backend, where lenscapd stores the frames it seals and\n"
"  // fetches the frames it checks.  It is not trusted: every frame it\n"
"  // serves passes the gate.  Use https:// with \"ca\" (or \"pin\") for a\n"
"  // backend that is not on this machine.\n"
"  \"backend\": { \"url\": \"%s\"%s,\n"
"               \"connect_timeout_ms\": 2000, \"timeout_ms\": 10000 },\n"
"\n"
"  // How lenscapd seals every pushed frame (lenscap-envelope(7), KEYED\n"
"  // SEAL): \"mac\", a MAC under private/seal.mac (made by lenscap init,\n"
"  // as `lenscap keygen -m` would; keep it 0600), which costs about an\n"
"  // eighth of an Ed25519 signature to check.  Every instance of a\n"
"  // deployment shares the secret, and an instance that holds it can seal\n"
"  // too.  Where instances that serve only assistants must hold no\n"
"  // secret, or for \"pass_sealed\" routes, whose clients verify frames\n"
"  // with a public key, use \"ed25519\": lenscapd then signs with\n"
"  // ingest_key.\n"
"  \"seal\": { \"use\": \"mac\", \"mac_secret\": \"%s\" },\n"
"\n"
"  // The Ed25519 key lenscapd signs with when \"seal\" uses \"ed25519\"\n"
"  // (made by lenscap init, as `lenscap keygen` would).  Keep it 0600.\n"
"  \"ingest_key\": \"%s\",\n"
"\n"
"  // The public keys lenscapd trusts, and the devices each may sign for.\n"
"  // The ingest key's public half must sign for every device (\"*\").  A\n"
"  // camera that seals its own frames adds its key for its device only.\n"
"  \"keys\": [\n"
"    { \"public_file\": \"ingest.pub\", \"devices\": [\"*\"] }\n"
"  ],\n"
"\n"
"  // The cameras, and how each proves which one it is: here a device\n"
"  // token (tokens/cam-1.token, sent as \"Authorization: Bearer TOKEN\"),\n"
"  // kept as its SHA-256 digest: printf %%s TOKEN | sha256sum.\n"
"  \"devices\": {\n"
"    \"cam-1\": { \"auth\": { \"token_sha256\": \"%s\" } }\n"
"  },\n"
"\n"
"  // The accounts, and the devices each may see.\n"
"  \"accounts\": {\n"
"    \"alice\": { \"devices\": [\"cam-1\"] }\n"
"  },\n"
"\n"
"  // Sessions: the digest of each bearer token an assistant presents, and\n"
"  // the account it belongs to (alice's is tokens/alice.token).\n"
"  \"sessions\": {\n"
"    \"static\": [\n"
"      { \"token_sha256\": \"%s\", \"account\": \"alice\" }\n"
"    ]\n"
"  },\n"
"\n"
"  // Which requests lenscapd takes on each face, and the backend path each\n"
"  // goes to: a camera PUTs stills and MJPEG streams, an assistant GETs\n"
"  // them; freshness_ms is how old a frame's capture time may be.\n"
"  \"routes\": [\n"
"    { \"face\": \"camera\", \"method\": \"PUT\",\n"
"      \"path\": \"/v1/cameras/{device}/snapshot\",\n"
"      \"backend\": \"/frames/{device}/latest.lcf\", \"media\": \"snapshot\" },\n"
"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
"      \"path\": \"/v1/cameras/{device}/snapshot\",\n"
"      \"backend\": \"/frames/{device}/latest.lcf\", \"media\": \"snapshot\",\n"
"      \"freshness_ms\": 30000 },\n"
"    { \"face\": \"camera\", \"method\": \"PUT\",\n"
"      \"path\": \"/v1/cameras/{device}/stream.mjpeg\",\n"
"      \"backend\": \"/streams/{device}/live.mjpeg\", \"media\": \"mjpeg\" },\n"
"    { \"face\": \"assistant\", \"method\": \"GET\",\n"
"      \"path\": \"/v1/cameras/{device}/stream.mjpeg\",\n"
"      \"backend\": \"/streams/{device}/live.mjpeg\", \"media\": \"mjpeg\",\n"
"      \"freshness_ms\": 5000 }\n"
"  ],\n"
"\n"
"  // Bounds on frames, connections and clocks (these are the defaults).\n"
"  \"limits\": {\n"
"    \"max_frame_bytes\": 4194304,\n"
"    \"drops_in_a_row\": 5,\n"
"    \"idle_timeout_ms\": 30000,\n"
"    \"max_connections\": 1024,\n"
"    \"max_connections_per_ip\": 64,\n"
"    \"clock_skew_ms\": 2000\n"
"  }\n"
"}\n";

/* Formats into buf how the policy names the secret file number f: by
 * its path in DIR, or for the unit by its credential path. */
static void
secret_path(char *buf, size_t size, int for_unit, int f)
{
	const char *rel = init_files[f].rel;

	if (for_unit)
		snprintf(buf, size, UNIT_CREDENTIALS "%s", strrchr(rel, '/') + 1);
	else
		snprintf(buf, size, "%s", rel);
}

/* The policy's text, for running by hand or by the unit, in memory the
 * caller frees, its length in *len; NULL after logging why. */
static char *
format_policy(const struct init *in, int for_unit, size_t *len)
{
	char a[300], c[300], m[300], tls_key[100], seal[100], ingest[100], *buf;
	const char *run = for_unit ? run_by_unit : run_by_hand;
	const char *plain = strncmp(in->backend, "http://", 7) == 0 ? ", \"plain\": true" : "";
	unsigned step = in->port == 0 ? 0 : 1;
	int n;

	listen_addr(a, sizeof(a), in->host, in->port);
	listen_addr(c, sizeof(c), in->host, in->port + step);
	listen_addr(m, sizeof(m), "127.0.0.1", in->port + 2 * step);
	secret_path(tls_key, sizeof(tls_key), for_unit, F_TLS_KEY);
	secret_path(seal, sizeof(seal), for_unit, F_SEAL_MAC);
	secret_path(ingest, sizeof(ingest), for_unit, F_INGEST_SEC);
	n = snprintf(NULL, 0, policy_text, run, a, tls_key, c, tls_key, m, in->backend,
	             plain, seal, ingest, in->cam_digest, in->session_digest);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		log_warnx("init: out of memory");
		return NULL;
	}
	(void)snprintf(buf, (size_t)n + 1, policy_text, run, a, tls_key, c, tls_key, m,
	               in->backend, plain, seal, ingest, in->cam_digest, in->session_digest);
	*len = (size_t)n;
	return buf;
}

/* Writes lenscap.json.  0 or -1 after logging why. */
static int
write_policy(struct init *in)
{
	size_t len;
	char *buf = format_policy(in, in->for_unit, &len);
	int ret;

	if (buf == NULL)
		return -1;
	ret = write_new(in, F_POLICY, buf, len);
	free(buf);
	return ret;
}

/* Loads the policy at path, as lenscapd would.  0 or -1 after the loader
 * has said why. */
static int
load_ok(const char *path)
{
	struct lc_policy *pol = NULL;

	if (policy_load(path, &pol, stderr) != 0)
		return -1;
	policy_free(pol);
	return 0;
}

/* Loads the policy just written.  One for the unit names its secrets by
 * paths that exist within the service only: then the same policy naming
 * them in DIR is loaded instead, from a temporary file in DIR (relative
 * paths are taken from the policy's directory), which checks all the rest.
 * 0 or -1 after saying why. */
static int
check_written(const struct init *in)
{
	char tmp[PATH_MAX], *buf = NULL;
	size_t len;
	int fd, ret = -1;

	if (!in->for_unit)
		return load_ok(in->path[F_POLICY]);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.lenscap-init-XXXXXX", in->dir) >=
	    sizeof(tmp)) {
		log_warnx("init: path too long");
		return -1;
	}
	if ((buf = format_policy(in, 0, &len)) == NULL)
		return -1;
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("init: %s", tmp);
		goto out;
	}
	if (write_all(fd, buf, len) != 0 || close(fd) == -1)
		log_warn("init: %s", tmp);
	else
		ret = load_ok(tmp);
	if (unlink(tmp) == -1) {
		log_warn("init: cannot remove %s", tmp);
		ret = -1;
	}
out:
	free(buf);
	return ret;
}

/* Says what was made and how to use it. */
static void
report(const struct init *in)
{
	const char *d = in->dir;

	printf("lenscap init: a policy, its keys and a certificate in %s\n", d);
	if (in->for_unit)
		fputs("  made for lenscapd.service, which passes it the secrets:\n"
		      "  serve it:  systemctl start lenscapd\n", stdout);
	else
		printf("  check it:  lenscapd -t -c %s/lenscap.json\n"
		       "  serve it:  lenscapd -f -c %s/lenscap.json\n", d, d);
	printf("  camera cam-1's device token:   %s (mode 0600)\n"
	       "  account alice's session token: %s (mode 0600)\n"
	       "  hand the tokens out, then delete them; the policy keeps only"
	       " their digests.\n",
	       in->path[F_CAM_TOKEN], in->path[F_SESSION_TOKEN]);
}

int
cmd_init(int argc, char **argv)
{
	struct init *in;
	int rc;

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		log_warnx("init: out of memory");
		return CLI_ERROR;
	}
	if ((rc = parse_args(argc, argv, in)) != 0 || (rc = make_paths(in)) != 0)
		goto out;
	rc = CLI_ERROR;
	if (sodium_init() < 0) {
		log_warnx("init: libsodium failed to start");
		goto out;
	}
	if (check_absent(in) != 0)
		goto out;
	if (make_dirs(in) != 0 || make_ingest_key(in) != 0 ||
	    make_seal_secret(in) != 0 || make_server_cert(in) != 0 ||
	    make_token(in, F_CAM_TOKEN, in->cam_digest) != 0 ||
	    make_token(in, F_SESSION_TOKEN, in->session_digest) != 0 ||
	    write_policy(in) != 0) {
		roll_back(in);
		goto out;
	}
	if (check_written(in) != 0) {
		log_warnx("init: the policy made does not load; wrote nothing");
		roll_back(in);
		rc = CLI_REFUSED;
		goto out;
	}
	report(in);
	rc = CLI_OK;
out:
	free(in);
	return rc;
}
