/*
 * liblenscap: error messages and the one table of drop reasons that the
 * library, the gate, the audit log and the metrics all speak.
 */
#include <string.h>

#include "lenscap.h"

const char *
lc_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case LC_EINVAL: return "invalid argument";
	case LC_ENOMEM: return "out of memory";
	case LC_ECRYPTO: return "cryptographic library failure";
	case LC_EIO: return "input/output error";
	case LC_EFORMAT: return "malformed data";
	case LC_EPERM: return "secret key file is accessible by group or others";
	case LC_EAGAIN: return "more data needed";
	case LC_EREJECTED: return "frame rejected";
	case LC_EEXIST: return "already exists";
	case LC_ESPACE: return "output buffer too small";
	default: return "unknown error";
	}
}

static const char *const drop_names[LC_DROP_COUNT_] = {
	[LC_DROP_NONE] = "none",
	[LC_DROP_MALFORMED] = "malformed",
	[LC_DROP_UNKNOWN_VERSION] = "unknown_version",
	[LC_DROP_UNKNOWN_ALGORITHM] = "unknown_algorithm",
	[LC_DROP_UNKNOWN_KEY] = "unknown_key",
	[LC_DROP_BAD_SIGNATURE] = "bad_signature",
	[LC_DROP_KEY_NOT_ALLOWED_FOR_DEVICE] = "key_not_allowed_for_device",
	[LC_DROP_TOO_LARGE] = "too_large",
	[LC_DROP_LENGTH_MISMATCH] = "length_mismatch",
	[LC_DROP_DIGEST_MISMATCH] = "digest_mismatch",
	[LC_DROP_DEVICE_MISMATCH] = "device_mismatch",
	[LC_DROP_NOT_GRANTED] = "not_granted",
	[LC_DROP_STALE] = "stale",
	[LC_DROP_FUTURE] = "future",
	[LC_DROP_SEQUENCE_REPLAY] = "sequence_replay",
	[LC_DROP_CONTENT_TYPE] = "content_type",
	[LC_DROP_KIND_MISMATCH] = "kind_mismatch",
	[LC_DROP_INTERNAL] = "internal",
	[LC_DROP_NAME_MISMATCH] = "name_mismatch",
};

const char *
lc_drop_name(enum lc_drop reason)
{
	if ((unsigned)reason >= LC_DROP_COUNT_)
		return "internal";
	return drop_names[reason];
}

int
lc_drop_from_name(const char *name)
{
	for (int i = 0; i < LC_DROP_COUNT_; i++)
		if (strcmp(drop_names[i], name) == 0)
			return i;
	return -1;
}

static const char *const kind_names[] = {
	[LC_KIND_SNAPSHOT] = "snapshot",
	[LC_KIND_MJPEG] = "mjpeg",
	[LC_KIND_HLS] = "hls",
};

const char *
lc_kind_name(int kind)
{
	if (kind < LC_KIND_SNAPSHOT || kind > LC_KIND_HLS)
		return NULL;
	return kind_names[kind];
}

int
lc_kind_from_name(const char *name)
{
	for (int i = LC_KIND_SNAPSHOT; i <= LC_KIND_HLS; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

size_t lc_header_max(void) { return LC_HEADER_MAX; }
size_t lc_key_id_bytes(void) { return LC_KEY_ID_BYTES; }
size_t lc_digest_bytes(void) { return LC_DIGEST_BYTES; }
