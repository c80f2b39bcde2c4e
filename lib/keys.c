/*
 * liblenscap: Ed25519 keys and key files.  Secret keys live only in
 * sodium_malloc'd pages that are read-only once made and wiped on free.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

struct lc_secret_key {
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t seed[LC_SEED_BYTES];
	uint8_t pk[LC_PUBLICKEY_BYTES];
	uint8_t id[LC_KEY_ID_BYTES];
};

#define KEY_LINE_MAX LC_KEY_LINE_MAX

int
lc_crypto_init_(void)
{
	return sodium_init() < 0 ? LC_ECRYPTO : 0;
}

int
lc_key_id_from_public(const uint8_t pk[LC_PUBLICKEY_BYTES],
                      uint8_t id[LC_KEY_ID_BYTES])
{
	static const char ctx[] = "lenscap key id v1"; /* hashed with its NUL */
	uint8_t buf[sizeof(ctx) + LC_PUBLICKEY_BYTES];
	uint8_t full[LC_DIGEST_BYTES];

	memcpy(buf, ctx, sizeof(ctx));
	memcpy(buf + sizeof(ctx), pk, LC_PUBLICKEY_BYTES);
	if (lc_digest(buf, sizeof(buf), full) != 0)
		return LC_ECRYPTO;
	memcpy(id, full, LC_KEY_ID_BYTES);
	return 0;
}

void
lc_key_id_hex(const uint8_t id[LC_KEY_ID_BYTES], char out[LC_KEY_ID_HEX_BYTES])
{
	sodium_bin2hex(out, LC_KEY_ID_HEX_BYTES, id, LC_KEY_ID_BYTES);
}

int
lc_key_from_seed(const uint8_t seed[LC_SEED_BYTES], struct lc_secret_key **out)
{
	struct lc_secret_key *k;

	if (seed == NULL || out == NULL)
		return LC_EINVAL;
	if (lc_crypto_init_() != 0)
		return LC_ECRYPTO;
	k = sodium_malloc(sizeof(*k));
	if (k == NULL)
		return LC_ENOMEM;
	memcpy(k->seed, seed, LC_SEED_BYTES);
	if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0 ||
	    lc_key_id_from_public(k->pk, k->id) != 0) {
		lc_key_free(k);
		return LC_ECRYPTO;
	}
	if (sodium_mprotect_readonly(k) != 0) {
		lc_key_free(k);
		return LC_ECRYPTO;
	}
	*out = k;
	return 0;
}

/* lc_key_from_seed() in the shape lc_secret_random_() and
 * lc_secret_load_() call. */
static int
key_from_seed(const uint8_t *seed, void *out)
{
	return lc_key_from_seed(seed, out);
}

int
lc_key_generate(struct lc_secret_key **out)
{
	return lc_secret_random_(LC_SEED_BYTES, key_from_seed, out);
}

void
lc_key_free(struct lc_secret_key *sk)
{
	/* sodium_free wipes the pages; it needs them writable to do so. */
	if (sk == NULL)
		return;
	(void)sodium_mprotect_readwrite(sk);
	sodium_free(sk);
}

const uint8_t *
lc_key_public(const struct lc_secret_key *sk)
{
	return sk->pk;
}

const uint8_t *
lc_key_id(const struct lc_secret_key *sk)
{
	return sk->id;
}

const uint8_t *
lc_key_secret_bytes_(const struct lc_secret_key *sk)
{
	return sk->sk;
}

/* Writes all of buf to a new file; refuses to replace one. */
static int
write_new_file(const char *path, const char *buf, size_t len, unsigned mode)
{
	int fd, saved;
	size_t off = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		return errno == EEXIST ? LC_EEXIST : LC_EIO;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		(void)close(fd);
	(void)unlink(path);
	errno = saved;
	return LC_EIO;
}

/* Formats "prefix base64\n" into out (KEY_LINE_MAX bytes). */
static size_t
format_key_line(char *out, const char *prefix, const uint8_t *bin, size_t n)
{
	size_t plen = strlen(prefix);

	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, KEY_LINE_MAX - plen - 1, bin, n,
	                  sodium_base64_VARIANT_ORIGINAL);
	plen = strlen(out);
	out[plen++] = '\n';
	out[plen] = '\0';
	return plen;
}

int
lc_key_save_secret(const struct lc_secret_key *sk, const char *path)
{
	if (sk == NULL || path == NULL)
		return LC_EINVAL;
	return lc_secret_save_(path, LC_SECRET_PREFIX, sk->seed, LC_SEED_BYTES);
}

int
lc_key_save_public(const uint8_t pk[LC_PUBLICKEY_BYTES], const char *path)
{
	char line[KEY_LINE_MAX];
	size_t len;

	if (pk == NULL || path == NULL)
		return LC_EINVAL;
	len = format_key_line(line, LC_PUBLIC_PREFIX, pk, LC_PUBLICKEY_BYTES);
	return write_new_file(path, line, len, 0644);
}

/*
 * Reads a small key file into buf (KEY_LINE_MAX bytes, NUL-terminated).
 * With secret set, refuses files that the group or others may access.
 */
static int
read_key_file(const char *path, char *buf, int secret)
{
	struct stat st;
	size_t off = 0;
	int fd, rc = LC_EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return LC_EIO;
	if (fstat(fd, &st) == -1)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		rc = LC_EFORMAT;
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		rc = LC_EPERM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + off, KEY_LINE_MAX - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		off += (size_t)n;
		if (off == KEY_LINE_MAX - 1) {
			rc = LC_EFORMAT; /* far longer than any key line */
			goto out;
		}
	}
	buf[off] = '\0';
	rc = 0;
out:
	(void)close(fd);
	return rc;
}

/*
 * Decodes "prefix base64[\n]" with exactly n bytes of payload.  With
 * bare_ok, the prefix may be absent.
 */
static int
parse_key_line(const char *text, const char *prefix, int bare_ok, uint8_t *bin,
               size_t n)
{
	size_t plen = strlen(prefix), len, got;
	const char *b64 = text;

	if (strncmp(text, prefix, plen) == 0)
		b64 = text + plen;
	else if (!bare_ok)
		return LC_EFORMAT;
	len = strlen(b64);
	if (len > 0 && b64[len - 1] == '\n')
		len--;
	if (len != sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) - 1)
		return LC_EFORMAT;
	if (sodium_base642bin(bin, n, b64, len, NULL, &got, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 || got != n)
		return LC_EFORMAT;
	return 0;
}

/*
 * The one rule for a secret of n bytes (a seed, a keyed-seal secret)
 * outside its key object: it lives in sodium_malloc'd memory, wiped and
 * freed as soon as make (which copies it into its object) returns.
 */
int
lc_secret_random_(size_t n, int (*make)(const uint8_t *secret, void *arg), void *arg)
{
	uint8_t *secret;
	int rc;

	if (lc_crypto_init_() != 0)
		return LC_ECRYPTO;
	if ((secret = sodium_malloc(n)) == NULL)
		return LC_ENOMEM;
	randombytes_buf(secret, n);
	rc = make(secret, arg);
	sodium_free(secret); /* wipes it */
	return rc;
}

int
lc_secret_load_(const char *path, const char *prefix, size_t n,
                int (*make)(const uint8_t *secret, void *arg), void *arg)
{
	char *line;
	uint8_t *secret;
	int rc;

	if (lc_crypto_init_() != 0)
		return LC_ECRYPTO;
	line = sodium_malloc(KEY_LINE_MAX);
	secret = sodium_malloc(n);
	if (line == NULL || secret == NULL)
		rc = LC_ENOMEM;
	else if ((rc = read_key_file(path, line, 1)) == 0 &&
	         (rc = parse_key_line(line, prefix, 0, secret, n)) == 0)
		rc = make(secret, arg);
	sodium_free(line); /* NULL is fine; both are wiped */
	sodium_free(secret);
	return rc;
}

int
lc_secret_save_(const char *path, const char *prefix, const uint8_t *secret, size_t n)
{
	char *line;
	size_t len;
	int rc;

	if ((line = sodium_malloc(KEY_LINE_MAX)) == NULL)
		return LC_ENOMEM;
	len = format_key_line(line, prefix, secret, n);
	rc = write_new_file(path, line, len, 0600);
	sodium_free(line);
	return rc;
}

int
lc_key_load_secret(const char *path, struct lc_secret_key **out)
{
	if (path == NULL || out == NULL)
		return LC_EINVAL;
	return lc_secret_load_(path, LC_SECRET_PREFIX, LC_SEED_BYTES, key_from_seed, out);
}

int
lc_key_parse_public(const char *text, uint8_t pk[LC_PUBLICKEY_BYTES])
{
	if (text == NULL || pk == NULL)
		return LC_EINVAL;
	return parse_key_line(text, LC_PUBLIC_PREFIX, 1, pk, LC_PUBLICKEY_BYTES);
}

int
lc_key_load_public(const char *path, uint8_t pk[LC_PUBLICKEY_BYTES])
{
	char line[KEY_LINE_MAX];
	int rc;

	if (path == NULL || pk == NULL)
		return LC_EINVAL;
	rc = read_key_file(path, line, 0);
	if (rc != 0)
		return rc;
	return parse_key_line(line, LC_PUBLIC_PREFIX, 0, pk, LC_PUBLICKEY_BYTES);
}
