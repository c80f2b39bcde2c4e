/*
 * Capabilities (capability_format.h): minting and opening the format, and the
 * secret files its keys live in.  Secrets stay in sodium_malloc'd
 * memory, are wiped when freed, and are never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "capability_format.h"

static const char mac_context[] = "lenscap capability v1"; /* and its NUL */

static const char *const verdict_names[] = {
	[CAPABILITY_OK] = "ok",
	[CAPABILITY_MALFORMED] = "malformed",
	[CAPABILITY_UNKNOWN_KEY] = "unknown_key",
	[CAPABILITY_BAD_MAC] = "bad_mac",
	[CAPABILITY_EXPIRED] = "expired",
};

const char *
capability_verdict_name(enum capability_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "malformed";
	return verdict_names[v];
}

int
capability_key_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CAPABILITY_KEY_ID_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789._-") == n;
}

const char *
capability_file_name(int kind)
{
	switch (kind) {
	case LC_KIND_HLS: return "index.m3u8";
	case LC_KIND_SNAPSHOT: return "snapshot.jpg";
	case LC_KIND_MJPEG: return "stream.mjpeg";
	default: return NULL;
	}
}

/* The MAC of b[0, n) under secret into mac; 0 or LC_ECRYPTO. */
static int
compute_mac(const uint8_t *secret, const uint8_t *b, size_t n,
            uint8_t mac[CAPABILITY_MAC_BYTES])
{
	crypto_generichash_state st;
	int rc = 0;

	if (crypto_generichash_init(&st, secret, CAPABILITY_SECRET_BYTES,
	                            CAPABILITY_MAC_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)mac_context,
	                              sizeof(mac_context)) != 0 ||
	    crypto_generichash_update(&st, b, n) != 0 ||
	    crypto_generichash_final(&st, mac, CAPABILITY_MAC_BYTES) != 0)
		rc = LC_ECRYPTO;
	sodium_memzero(&st, sizeof(st));
	return rc;
}

/* Appends a length-prefixed name s to b at *off (room checked by the
 * caller's bound). */
static void
put_name(uint8_t *b, size_t *off, const char *s)
{
	size_t n = strlen(s);

	b[(*off)++] = (uint8_t)n;
	memcpy(b + *off, s, n);
	*off += n;
}

int
capability_mint(const struct capability_key *key,
                const struct capability_claims *cl, char *out, size_t outlen)
{
	uint8_t b[CAPABILITY_BIN_MAX];
	size_t off = 0, tlen;
	int rc;

	if (key == NULL || key->secret == NULL || !capability_key_id_ok(key->id) ||
	    (cl->key_id[0] != '\0' && strcmp(cl->key_id, key->id) != 0) ||
	    capability_file_name(cl->kind) == NULL ||
	    !lc_valid_device(cl->account) || !lc_valid_device(cl->device))
		return LC_EINVAL;
	b[off++] = CAPABILITY_VERSION;
	put_name(b, &off, key->id);
	for (int i = 7; i >= 0; i--)
		b[off++] = (uint8_t)(cl->expires_ms >> (8 * i));
	b[off++] = (uint8_t)cl->kind;
	put_name(b, &off, cl->account);
	put_name(b, &off, cl->device);
	if ((rc = compute_mac(key->secret, b, off, b + off)) != 0)
		return rc;
	off += CAPABILITY_MAC_BYTES;
	tlen = sodium_base64_ENCODED_LEN(off, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (tlen > outlen)
		return LC_ESPACE;
	sodium_bin2base64(out, outlen, b, off, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return (int)(tlen - 1);
}

/* Reads a length-prefixed name of 1..max bytes at b[*off] (of n) into
 * dst; 0 or -1. */
static int
get_name(const uint8_t *b, size_t n, size_t *off, char *dst, size_t max)
{
	size_t len;

	if (*off >= n)
		return -1;
	len = b[(*off)++];
	if (len == 0 || len > max || len > n - *off)
		return -1;
	memcpy(dst, b + *off, len);
	dst[len] = '\0';
	if (memchr(dst, '\0', len) != NULL)
		return -1;
	*off += len;
	return 0;
}

/* Decodes s[0, n) strictly (base64url, no padding, canonical) into b;
 * the byte count, or -1. */
static ssize_t
decode(const char *s, size_t n, uint8_t b[CAPABILITY_BIN_MAX])
{
	char again[CAPABILITY_TEXT_MAX + 1];
	const char *end = NULL;
	size_t len = 0;

	if (n == 0 || n > CAPABILITY_TEXT_MAX ||
	    sodium_base642bin(b, CAPABILITY_BIN_MAX, s, n, NULL, &len, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + n)
		return -1;
	/* One text per capability: unused bits must be zero. */
	sodium_bin2base64(again, sizeof(again), b, len,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (strlen(again) != n || memcmp(again, s, n) != 0)
		return -1;
	return (ssize_t)len;
}

/* Parses the layout of b[0, n) into cl; the offset of the MAC, or 0 if
 * it is not a capability. */
static size_t
parse(const uint8_t *b, size_t n, struct capability_claims *cl)
{
	size_t off = 1;

	if (n < 1 + CAPABILITY_MAC_BYTES || b[0] != CAPABILITY_VERSION)
		return 0;
	n -= CAPABILITY_MAC_BYTES;
	if (get_name(b, n, &off, cl->key_id, CAPABILITY_KEY_ID_MAX) != 0 ||
	    !capability_key_id_ok(cl->key_id) || n - off < 9)
		return 0;
	for (int i = 0; i < 8; i++)
		cl->expires_ms = cl->expires_ms << 8 | b[off++];
	cl->kind = b[off++];
	if (capability_file_name(cl->kind) == NULL ||
	    get_name(b, n, &off, cl->account, LC_DEVICE_MAX) != 0 ||
	    get_name(b, n, &off, cl->device, LC_DEVICE_MAX) != 0 ||
	    off != n || !lc_valid_device(cl->account) ||
	    !lc_valid_device(cl->device))
		return 0;
	return off;
}

enum capability_verdict
capability_open(const char *s, size_t n, const struct capability_key *keys,
                size_t nkeys, uint64_t now_ms, struct capability_claims *cl)
{
	uint8_t b[CAPABILITY_BIN_MAX], mac[CAPABILITY_MAC_BYTES];
	const struct capability_key *key = NULL;
	enum capability_verdict v;
	size_t at;
	ssize_t len;

	memset(cl, 0, sizeof(*cl));
	if ((len = decode(s, n, b)) < 0 || (at = parse(b, (size_t)len, cl)) == 0) {
		v = CAPABILITY_MALFORMED;
		goto fail;
	}
	for (size_t i = 0; i < nkeys && key == NULL; i++)
		if (keys[i].secret != NULL && strcmp(keys[i].id, cl->key_id) == 0)
			key = &keys[i];
	if (key == NULL) {
		v = CAPABILITY_UNKNOWN_KEY;
		goto fail;
	}
	if (compute_mac(key->secret, b, at, mac) != 0 ||
	    sodium_memcmp(mac, b + at, CAPABILITY_MAC_BYTES) != 0) {
		v = CAPABILITY_BAD_MAC;
		goto fail;
	}
	return now_ms >= cl->expires_ms ? CAPABILITY_EXPIRED : CAPABILITY_OK;
fail:
	memset(cl, 0, sizeof(*cl));
	return v;
}

int
capability_secret_load(const char *path, uint8_t **out)
{
	uint8_t *s = NULL, extra;
	struct stat st;
	ssize_t got;
	size_t have = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return LC_EIO;
	if (fstat(fd, &st) != 0) {
		rc = LC_EIO;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != CAPABILITY_SECRET_BYTES) {
		rc = LC_EFORMAT;
		goto fail;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		rc = LC_EPERM;
		goto fail;
	}
	if ((s = sodium_malloc(CAPABILITY_SECRET_BYTES)) == NULL) {
		rc = LC_ENOMEM;
		goto fail;
	}
	while (have < CAPABILITY_SECRET_BYTES) {
		got = read(fd, s + have, CAPABILITY_SECRET_BYTES - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? LC_EIO : LC_EFORMAT;
			goto fail;
		}
		have += (size_t)got;
	}
	if (read(fd, &extra, 1) != 0) {
		rc = LC_EFORMAT; /* grew while read */
		goto fail;
	}
	(void)close(fd);
	*out = s;
	return 0;
fail:
	sodium_free(s);
	(void)close(fd);
	return rc;
}

void
capability_secret_free(const uint8_t *secret)
{
	sodium_free((void *)(uintptr_t)secret); /* wipes; NULL is fine */
}

int
capability_secret_generate(const char *path)
{
	uint8_t *s;
	size_t off = 0;
	ssize_t put;
	int fd, rc = 0;

	if (sodium_init() < 0 || (s = sodium_malloc(CAPABILITY_SECRET_BYTES)) == NULL)
		return LC_ECRYPTO;
	randombytes_buf(s, CAPABILITY_SECRET_BYTES);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		rc = errno == EEXIST ? LC_EEXIST : LC_EIO;
		goto out;
	}
	while (off < CAPABILITY_SECRET_BYTES) {
		put = write(fd, s + off, CAPABILITY_SECRET_BYTES - off);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			rc = LC_EIO;
			break;
		}
		off += (size_t)put;
	}
	if (fsync(fd) != 0 && rc == 0)
		rc = LC_EIO;
	if (close(fd) != 0 && rc == 0)
		rc = LC_EIO;
	if (rc != 0)
		(void)unlink(path);
out:
	sodium_free(s);
	return rc;
}
