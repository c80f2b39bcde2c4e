/*
 * liblenscap: seal camera frames in a signed envelope that ties them to
 * their source device, and open them again against a keyring of trusted
 * keys.  The byte format is specified in lenscap-envelope(7).
 */
#ifndef LENSCAP_H
#define LENSCAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LC_WUR __attribute__((warn_unused_result))
#else
#define LC_WUR
#endif

/* Sizes, as macros for static buffers and as functions for bindings. */
#define LC_ENVELOPE_VERSION   1
#define LC_ALG_ED25519_SHA256 1
#define LC_ALG_MAC_AES256GCM  3 /* keyed seal: GMAC over header || body;
                                  2 stays unassigned (the vectors refuse it) */
#define LC_PUBLICKEY_BYTES    32
#define LC_SEED_BYTES         32
#define LC_KEY_ID_BYTES       16
#define LC_SIGNATURE_BYTES    64
#define LC_DIGEST_BYTES       32
#define LC_DEVICE_MAX         64 /* bytes, excluding the NUL */
#define LC_STREAM_ID_MAX      64
#define LC_CONTENT_TYPE_MAX   64
#define LC_HEADER_FIXED       86 /* bytes before the variable fields */
#define LC_HEADER_MIN (LC_HEADER_FIXED + 1 + 3 + LC_SIGNATURE_BYTES)
#define LC_HEADER_MAX (LC_HEADER_FIXED + LC_DEVICE_MAX + LC_STREAM_ID_MAX + \
                       LC_CONTENT_TYPE_MAX + LC_SIGNATURE_BYTES)
#define LC_KEY_ID_HEX_BYTES   (2 * LC_KEY_ID_BYTES + 1)
#define LC_MAC_SECRET_BYTES   32 /* a keyed-seal secret */
#define LC_TAG_BYTES          16 /* its tag, where Ed25519's signature is */
#define LC_MAC_SALT_BYTES     24 /* per-process salt, then an 8-byte counter */
#define LC_HEADER_MIN_MAC (LC_HEADER_FIXED + 1 + 3 + LC_TAG_BYTES)

size_t lc_header_max(void);
size_t lc_key_id_bytes(void);
size_t lc_digest_bytes(void);

/* Error codes: functions return 0 or one of these. */
#define LC_EINVAL    (-1)  /* bad argument */
#define LC_ENOMEM    (-2)  /* out of memory */
#define LC_ECRYPTO   (-3)  /* the crypto library failed */
#define LC_EIO       (-4)  /* a read or write failed; errno is set */
#define LC_EFORMAT   (-5)  /* a file or encoding is malformed */
#define LC_EPERM     (-6)  /* a secret key file is readable by others */
#define LC_EAGAIN    (-7)  /* more bytes are needed */
#define LC_EREJECTED (-8)  /* the frame is refused; see the reason */
#define LC_EEXIST    (-9)  /* the key or file exists already */
#define LC_ESPACE    (-10) /* the output buffer is too small */

/* A static English message for an LC_E* code. */
const char *lc_strerror(int err);

/*
 * Why a frame is refused.  One enum and one string table for the library,
 * the gate, the audit log, the metrics and the tests.  The names are
 * stable: they appear in logs and metrics.
 */
enum lc_drop {
	LC_DROP_NONE = 0,
	/* decided by lc_envelope_open() */
	LC_DROP_MALFORMED,
	LC_DROP_UNKNOWN_VERSION,
	LC_DROP_UNKNOWN_ALGORITHM,
	LC_DROP_UNKNOWN_KEY,
	LC_DROP_BAD_SIGNATURE,
	LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE,
	LC_DROP_TOO_LARGE,
	LC_DROP_LENGTH_MISMATCH,
	LC_DROP_DIGEST_MISMATCH,
	/* decided by the gate in lenscapd */
	LC_DROP_DEVICE_MISMATCH,
	LC_DROP_NOT_GRANTED,
	LC_DROP_STALE,
	LC_DROP_FUTURE,
	LC_DROP_SEQUENCE_REPLAY,
	LC_DROP_CONTENT_TYPE,
	LC_DROP_KIND_MISMATCH,
	LC_DROP_INTERNAL,
	/* decided by the gate on an hls route: the envelope's stream id is
	 * not the one its object's name gives (lc_hls_stream_id()) */
	LC_DROP_NAME_MISMATCH,
	LC_DROP_COUNT_
};

/* The stable snake_case name of a reason ("device_mismatch"). */
const char *lc_drop_name(enum lc_drop reason);
/* The reason with that name, or -1. */
int lc_drop_from_name(const char *name);

enum lc_kind {
	LC_KIND_SNAPSHOT = 1,
	LC_KIND_MJPEG = 2,
	LC_KIND_HLS = 3
};

/* "snapshot", "mjpeg", "hls", or NULL. */
const char *lc_kind_name(int kind);
/* The kind with that name, or -1. */
int lc_kind_from_name(const char *name);

/*
 * Body digest (SHA-256 through GnuTLS, which uses the CPU's SHA
 * instructions), incremental so that a relay can verify a frame that
 * arrives in pieces.  A context is used by one thread at a time.
 */
struct lc_digest {
	void *hd;
};

int lc_digest_init(struct lc_digest *d) LC_WUR;
int lc_digest_update(struct lc_digest *d, const void *p, size_t n) LC_WUR;
/* Writes the digest and releases the context; it may be init'ed again. */
void lc_digest_final(struct lc_digest *d, uint8_t out[LC_DIGEST_BYTES]);
/* Releases a context without a result (on error paths). */
void lc_digest_abort(struct lc_digest *d);
int lc_digest(const void *p, size_t n, uint8_t out[LC_DIGEST_BYTES]) LC_WUR;

/*
 * Keys.  A secret key lives in sodium_malloc'd memory, is wiped on free,
 * and is never printed.  The key id is derived from the public key.
 */
struct lc_secret_key;

int lc_key_generate(struct lc_secret_key **out) LC_WUR;
int lc_key_from_seed(const uint8_t seed[LC_SEED_BYTES],
                     struct lc_secret_key **out) LC_WUR;
void lc_key_free(struct lc_secret_key *sk);
const uint8_t *lc_key_public(const struct lc_secret_key *sk);
const uint8_t *lc_key_id(const struct lc_secret_key *sk);

/* id = first 16 bytes of SHA-256("lenscap key id v1" || 0x00 || pk). */
int lc_key_id_from_public(const uint8_t pk[LC_PUBLICKEY_BYTES],
                          uint8_t id[LC_KEY_ID_BYTES]) LC_WUR;
/* Lower-case hex, NUL-terminated, into LC_KEY_ID_HEX_BYTES bytes. */
void lc_key_id_hex(const uint8_t id[LC_KEY_ID_BYTES],
                   char out[LC_KEY_ID_HEX_BYTES]);

/*
 * Key files are one text line: "lenscap-secret-key-v1 <base64 seed>" or
 * "lenscap-public-key-v1 <base64 public key>".  Saving a secret key
 * creates the file with mode 0600 and refuses to overwrite; loading one
 * that the group or others may read fails with LC_EPERM.
 */
int lc_key_save_secret(const struct lc_secret_key *sk, const char *path) LC_WUR;
int lc_key_load_secret(const char *path, struct lc_secret_key **out) LC_WUR;
int lc_key_save_public(const uint8_t pk[LC_PUBLICKEY_BYTES],
                       const char *path) LC_WUR;
int lc_key_load_public(const char *path, uint8_t pk[LC_PUBLICKEY_BYTES]) LC_WUR;
/* Parses the public key line (or bare base64) held in a string. */
int lc_key_parse_public(const char *text, uint8_t pk[LC_PUBLICKEY_BYTES]) LC_WUR;

/*
 * A keyring: the trusted public keys, each with the devices it may sign
 * for.  A device list of exactly "*" lets a key sign for every device
 * (lenscapd's own ingest key); a camera key lists its own device only.
 * Lookups are O(1) in the number of keys.  Not thread-safe to modify;
 * safe to read from many threads once built.
 */
struct lc_keyring;

int lc_keyring_new(struct lc_keyring **out) LC_WUR;
void lc_keyring_free(struct lc_keyring *kr);
/* Copies pk and the device ids.  LC_EEXIST if the key is there already. */
int lc_keyring_add(struct lc_keyring *kr, const uint8_t pk[LC_PUBLICKEY_BYTES],
                   const char *const *devices, size_t ndevices) LC_WUR;
size_t lc_keyring_size(const struct lc_keyring *kr);
/* Whether kr lets the key pk sign for device: *why is LC_DROP_NONE if
 * so, else what a frame it signs for device would be dropped for
 * (LC_DROP_UNKNOWN_KEY or LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE).  0, or
 * LC_EINVAL / LC_ECRYPTO. */
int lc_keyring_allows(const struct lc_keyring *kr, const uint8_t pk[LC_PUBLICKEY_BYTES],
                      const char *device, enum lc_drop *why) LC_WUR;

/* What a sealer says about a frame. */
struct lc_seal_params {
	const char *device;       /* [A-Za-z0-9], then [A-Za-z0-9._-]; 1..64 */
	int kind;                 /* enum lc_kind */
	const char *stream_id;    /* same charset, 0..64 bytes; NULL = "" */
	uint64_t seq;
	uint64_t capture_ms;      /* milliseconds since the Unix epoch */
	const char *content_type; /* "type/subtype", lower case, 3..64 bytes */
};

/* The envelope's fields as parsed.  Strings are NUL-terminated copies. */
struct lc_envelope {
	int version;
	int alg;
	int kind;
	uint8_t key_id[LC_KEY_ID_BYTES];
	uint64_t seq;
	uint64_t capture_ms;
	uint64_t body_len;
	uint8_t digest[LC_DIGEST_BYTES];
	char device[LC_DEVICE_MAX + 1];
	char stream_id[LC_STREAM_ID_MAX + 1];
	char content_type[LC_CONTENT_TYPE_MAX + 1];
	uint8_t signature[LC_SIGNATURE_BYTES];
	size_t header_len;   /* bytes of envelope before the body */
	const uint8_t *header; /* view of the envelope bytes (caller's buffer) */
	const uint8_t *body; /* view of the body in the caller's buffer */
};

/* Bytes the envelope for these parameters takes, or 0 if they are invalid. */
size_t lc_envelope_size(const struct lc_seal_params *p);

/*
 * Writes the signed envelope for a body of body_len bytes whose digest
 * is given (for callers that hash as the body streams in).  *written is
 * the envelope's size.  LC_EINVAL on bad parameters, LC_ESPACE if out is
 * too small.
 */
int lc_envelope_seal_header(const struct lc_secret_key *sk,
                            const struct lc_seal_params *p, uint64_t body_len,
                            const uint8_t digest[LC_DIGEST_BYTES],
                            uint8_t *out, size_t outlen, size_t *written) LC_WUR;

/* Writes envelope || body into out; *written = envelope size + body_len. */
int lc_envelope_seal(const struct lc_secret_key *sk,
                     const struct lc_seal_params *p, const uint8_t *body,
                     size_t body_len, uint8_t *out, size_t outlen,
                     size_t *written) LC_WUR;

/*
 * Parses the envelope at the start of buf without trusting it: no key,
 * no signature, no body check.  Allocates nothing.  Returns 0 with env
 * filled (env->body points past the header, whatever follows); LC_EAGAIN
 * if buf ends before the header does (env->header_len is then the size
 * needed once it is known, else 0); LC_EREJECTED with *why set if the
 * bytes cannot be an envelope.
 */
int lc_envelope_parse(const uint8_t *buf, size_t len, struct lc_envelope *env,
                      enum lc_drop *why) LC_WUR;

/*
 * Checks a parsed envelope's signature and that its key may sign for its
 * device.  Call after lc_envelope_parse() while env->header still points
 * at the envelope bytes.  0 or LC_EREJECTED with *why.
 */
int lc_envelope_verify(const struct lc_envelope *env,
                       const struct lc_keyring *kr, enum lc_drop *why) LC_WUR;

/*
 * Checks a body that was hashed elsewhere against a verified envelope.
 * 0 or LC_EREJECTED with *why (length_mismatch, digest_mismatch).
 */
int lc_envelope_check_body(const struct lc_envelope *env, uint64_t body_len,
                           const uint8_t digest[LC_DIGEST_BYTES],
                           enum lc_drop *why) LC_WUR;

/*
 * Opens a whole sealed frame: parse, verify, body length (bounded by
 * max_body, else too_large; the sealed bytes must end exactly where the
 * body does), and digest.  On 0, env holds every field and env->body is
 * a view of the body inside sealed.  LC_EREJECTED with *why set
 * otherwise; any other code is an internal error (*why = internal).
 */
int lc_envelope_open(const uint8_t *sealed, size_t len,
                     const struct lc_keyring *kr, uint64_t max_body,
                     struct lc_envelope *env, enum lc_drop *why) LC_WUR;

/*
 * The keyed seal (algorithm 3, lenscap-envelope(7) KEYED SEAL): for
 * frames that lenscapd seals and only lenscapd instances verify.  The tag
 * is AES-256-GCM with an empty plaintext and header || body as associated
 * data, under a key derived with HKDF-SHA256 from the shared secret and a
 * salt that each key object draws at random when it is made, with a
 * counter nonce: no nonce repeats under one derived key.  A key object
 * refuses to seal in a child process (the counter would repeat there).
 * Secrets live in sodium_malloc'd memory, are wiped on free, and are
 * never printed.  The key id is derived from the secret; MAC keys in a
 * keyring seal for every device.
 */
struct lc_mac_key;

int lc_mac_key_generate(struct lc_mac_key **out) LC_WUR;
int lc_mac_key_from_secret(const uint8_t secret[LC_MAC_SECRET_BYTES],
                           struct lc_mac_key **out) LC_WUR;
void lc_mac_key_free(struct lc_mac_key *k);
const uint8_t *lc_mac_key_id(const struct lc_mac_key *k);
/* id = first 16 bytes of SHA-256("lenscap mac key id v1" || 0x00 || secret). */
int lc_mac_key_id_from_secret(const uint8_t secret[LC_MAC_SECRET_BYTES],
                              uint8_t id[LC_KEY_ID_BYTES]) LC_WUR;
/* "lenscap-mac-secret-v1 <base64 secret>": saved with mode 0600 and never
 * over an existing file; loading one the group or others may access
 * fails with LC_EPERM. */
int lc_mac_key_save(const struct lc_mac_key *k, const char *path) LC_WUR;
int lc_mac_key_load(const char *path, struct lc_mac_key **out) LC_WUR;

/* Copies k's secret into kr (sodium_malloc'd, wiped with kr): frames
 * sealed with it open for every device.  LC_EEXIST if it is there. */
int lc_keyring_add_mac(struct lc_keyring *kr, const struct lc_mac_key *k) LC_WUR;

/* Bytes the keyed-seal envelope for p takes, or 0 if p is invalid. */
size_t lc_envelope_size_mac(const struct lc_seal_params *p);

/* Writes envelope || body sealed with k (algorithm 3) into out;
 * *written = envelope size + body_len.  Thread-safe on one k. */
int lc_envelope_seal_mac(struct lc_mac_key *k, const struct lc_seal_params *p,
                         const uint8_t *body, size_t body_len, uint8_t *out,
                         size_t outlen, size_t *written) LC_WUR;

/*
 * Incremental check of a keyed-seal frame whose body arrives in pieces of
 * any size (a carry buffer keeps GCM's 16-byte blocks).  init after
 * lc_envelope_parse(), while env->header still points at the envelope:
 * LC_EREJECTED with unknown_key if kr has no MAC key of its id.  final
 * refuses length_mismatch (the body was not body_len bytes) or
 * bad_signature (the tag), and releases v like abort.  A caller must not
 * trust any field of env before final returns 0.
 */
struct lc_mac_verifier {
	void *hd;
	uint8_t tag[LC_TAG_BYTES];
	uint8_t carry[16];
	size_t carry_len;
	uint64_t body_len, seen;
};

int lc_mac_verifier_init(struct lc_mac_verifier *v, const struct lc_envelope *env,
                         const struct lc_keyring *kr, enum lc_drop *why) LC_WUR;
int lc_mac_verifier_update(struct lc_mac_verifier *v, const void *p,
                           size_t n) LC_WUR;
int lc_mac_verifier_final(struct lc_mac_verifier *v, enum lc_drop *why) LC_WUR;
void lc_mac_verifier_abort(struct lc_mac_verifier *v);

/* The whole body at once: unknown_key, length_mismatch, bad_signature. */
int lc_envelope_check_mac(const struct lc_envelope *env,
                          const struct lc_keyring *kr, const uint8_t *body,
                          size_t body_len, enum lc_drop *why) LC_WUR;

/* Whether a string is a valid device id / stream id / content type. */
int lc_valid_device(const char *s);
int lc_valid_stream_id(const char *s);
int lc_valid_content_type(const char *s);

/* The length of an HLS object's stream id: "n-" and 32 hex digits. */
#define LC_HLS_STREAM_ID_LEN 34

/*
 * The stream id that binds an HLS object (a segment or a playlist) to its
 * name (lenscap-envelope(7), "HLS objects"): "n-" followed by the first 32
 * lower-case hex digits of SHA-256(name), written with its NUL to out.
 * name is the object's file name as the player asks for it ("seg-7.ts",
 * "index.m3u8"), 1 to 255 bytes.  0, LC_EINVAL or LC_ECRYPTO.
 */
int lc_hls_stream_id(const char *name, char out[LC_HLS_STREAM_ID_LEN + 1]) LC_WUR;

#ifdef __cplusplus
}
#endif
#endif
