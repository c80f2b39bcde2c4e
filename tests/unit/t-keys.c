/* Unit tests for key files: modes, refusal to overwrite, strict parsing,
 * and the keyring's device rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lenscap.h"
#include "tap.h"

static char dir[] = "/tmp/lc-keys-XXXXXX";

static const char *
path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static int
write_file(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(path(name), "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(path(name), mode);
}

static void
test_secret_files(void)
{
	struct lc_secret_key *k = NULL, *back = NULL;
	struct stat st;
	char sec[256];

	ok(lc_key_generate(&k) == 0, "generate");
	snprintf(sec, sizeof(sec), "%s", path("k.sec"));
	is_int(lc_key_save_secret(k, sec), 0, "save secret");
	ok(stat(sec, &st) == 0 && (st.st_mode & 0777) == 0600, "secret file mode 0600");
	is_int(lc_key_save_secret(k, sec), LC_EEXIST, "no overwrite");
	is_int(lc_key_load_secret(sec, &back), 0, "load secret");
	ok(back && memcmp(lc_key_public(k), lc_key_public(back), 32) == 0,
	   "same public key after reload");
	ok(back && memcmp(lc_key_id(k), lc_key_id(back), 16) == 0, "same key id");
	lc_key_free(back);
	back = NULL;

	ok(chmod(sec, 0640) == 0, "chmod 0640");
	is_int(lc_key_load_secret(sec, &back), LC_EPERM, "group-readable refused");
	ok(chmod(sec, 0604) == 0, "chmod 0604");
	is_int(lc_key_load_secret(sec, &back), LC_EPERM, "world-readable refused");
	ok(back == NULL, "nothing written on failure");
	is_int(lc_key_load_secret(path("missing"), &back), LC_EIO, "missing file");
	ok(errno == ENOENT, "errno says why");
	is_int(lc_key_load_secret(dir, &back), LC_EFORMAT, "a directory is refused");

	ok(write_file("short.sec", "lenscap-secret-key-v1 AAAA\n", 0600) == 0, "w");
	is_int(lc_key_load_secret(path("short.sec"), &back), LC_EFORMAT, "short seed");
	ok(write_file("junk.sec", "lenscap-secret-key-v1 "
	              "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\njunk", 0600) == 0, "w");
	is_int(lc_key_load_secret(path("junk.sec"), &back), LC_EFORMAT,
	       "trailing junk");
	ok(write_file("pub.sec", "lenscap-public-key-v1 "
	              "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n", 0600) == 0, "w");
	is_int(lc_key_load_secret(path("pub.sec"), &back), LC_EFORMAT,
	       "a public key file is not a secret key");
	ok(write_file("ok.sec", "lenscap-secret-key-v1 "
	              "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n", 0600) == 0, "w");
	is_int(lc_key_load_secret(path("ok.sec"), &back), 0, "hand-written key loads");
	lc_key_free(back);
	lc_key_free(k);
	lc_key_free(NULL);
}

static void
test_public_files(void)
{
	struct lc_secret_key *k = NULL;
	uint8_t pk[32], id[16];
	char hex[LC_KEY_ID_HEX_BYTES], pub[256];
	uint8_t seed[32];

	memset(seed, 1, sizeof(seed));
	ok(lc_key_from_seed(seed, &k) == 0, "from seed");
	snprintf(pub, sizeof(pub), "%s", path("k.pub"));
	is_int(lc_key_save_public(lc_key_public(k), pub), 0, "save public");
	is_int(lc_key_load_public(pub, pk), 0, "load public");
	ok(memcmp(pk, lc_key_public(k), 32) == 0, "same public key");
	ok(lc_key_id_from_public(pk, id) == 0 &&
	   memcmp(id, lc_key_id(k), 16) == 0, "id derived from public key");
	lc_key_id_hex(id, hex);
	is_int(strlen(hex), 32, "hex id is 32 characters");
	is_int(lc_key_parse_public("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", pk),
	       0, "bare base64 public key");
	is_int(lc_key_parse_public("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ", pk),
	       LC_EFORMAT, "unpadded base64 refused");
	is_int(lc_key_parse_public("not base64 at all, not at all, not at all!!", pk),
	       LC_EFORMAT, "garbage refused");
	lc_key_free(k);
}

/* lc_keyring_allows: star is in kr for every device. */
static void
test_allows(struct lc_keyring *kr, const uint8_t *star)
{
	struct lc_secret_key *cam = NULL, *stranger = NULL;
	const char *own[] = { "cam-a" };
	enum lc_drop why;

	if (!ok(lc_key_generate(&cam) == 0 && lc_key_generate(&stranger) == 0 &&
	        lc_keyring_add(kr, lc_key_public(cam), own, 1) == 0, "setup: a camera key"))
		goto out;
	/* why starts as a reason no call answers, so each must write it. */
	why = LC_DROP_BAD_SIGNATURE;
	ok(lc_keyring_allows(kr, star, "cam-z", &why) == 0 && why == LC_DROP_NONE,
	   "allows: a wildcard key, any device");
	why = LC_DROP_BAD_SIGNATURE;
	ok(lc_keyring_allows(kr, lc_key_public(cam), "cam-a", &why) == 0 && why == LC_DROP_NONE,
	   "allows: a camera key, its own device");
	why = LC_DROP_BAD_SIGNATURE;
	ok(lc_keyring_allows(kr, lc_key_public(cam), "cam-b", &why) == 0 &&
	   why == LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE, "allows: not another device");
	why = LC_DROP_BAD_SIGNATURE;
	ok(lc_keyring_allows(kr, lc_key_public(stranger), "cam-a", &why) == 0 &&
	   why == LC_DROP_UNKNOWN_KEY, "allows: not a key outside the ring");
	is_int(lc_keyring_allows(NULL, star, "cam-a", &why), LC_EINVAL, "allows: NULL ring");
	is_int(lc_keyring_allows(kr, star, NULL, &why), LC_EINVAL, "allows: NULL device");
out:
	lc_key_free(cam);
	lc_key_free(stranger);
}

static void
test_keyring(void)
{
	struct lc_keyring *kr;
	struct lc_secret_key *k;
	const char *bad[] = { "ok", "../etc" }, *star[] = { "*" };
	const char *mixed[] = { "*", "cam-a" };

	ok(lc_keyring_new(&kr) == 0 && lc_key_generate(&k) == 0, "setup");
	is_int(lc_keyring_add(kr, lc_key_public(k), bad, 2), LC_EINVAL,
	       "invalid device id refused");
	is_int(lc_keyring_add(kr, lc_key_public(k), mixed, 2), LC_EINVAL,
	       "\"*\" only alone");
	is_int(lc_keyring_size(kr), 0, "nothing added on failure");
	is_int(lc_keyring_add(kr, lc_key_public(k), star, 1), 0, "wildcard key");
	test_allows(kr, lc_key_public(k));
	lc_key_free(k);
	/* Many keys: the table grows and every key is still found. */
	int all = 1;
	for (int i = 0; i < 2000 && all; i++) {
		char dev[32];
		const char *d[] = { dev };
		uint8_t pk[32] = { 0 };
		pk[0] = (uint8_t)i;
		pk[1] = (uint8_t)(i >> 8);
		pk[31] = 0x55;
		snprintf(dev, sizeof(dev), "cam-%d", i);
		all = lc_keyring_add(kr, pk, d, 1) == 0;
	}
	ok(all, "2000 keys added");
	is_int(lc_keyring_size(kr), 2002, "size counts them");
	lc_keyring_free(kr);
	lc_keyring_free(NULL);
}

int
main(void)
{
	tap_init();
	if (mkdtemp(dir) == NULL)
		return 99;
	test_secret_files();
	test_public_files();
	test_keyring();
	{
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("cleanup failed");
	}
	return tap_done();
}
