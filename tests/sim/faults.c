#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "simframe.h"

#define BOTH (MEDIA_SNAPSHOT | MEDIA_STREAM)

int faults_keyed_seal;

static const struct fault_kind kinds[F_COUNT] = {
	[F_NONE]              = { "none", "delivered", BOTH, 0, 0, 0 },
	[F_OTHER_DEVICE]      = { "other_device", "drop device_mismatch", BOTH, 0, 0, 0 },
	[F_OTHER_ACCOUNT]     = { "other_account", "drop device_mismatch", BOTH, 0, 0, 0 },
	[F_CORRUPT]           = { "corrupt", "drop digest_mismatch", BOTH, 0, 0, 0 },
	[F_TRUNCATED]         = { "truncated", "drop length_mismatch", BOTH, 0, 0, 0 },
	[F_EXTRA]             = { "extra_bytes", "drop length_mismatch", BOTH, 0, 0, 0 },
	[F_STALE]             = { "stale", "drop stale", BOTH, 0, 0, 0 },
	[F_FUTURE]            = { "future", "drop future", BOTH, 0, 0, 0 },
	[F_REPLAY]            = { "replay", "drop sequence_replay", MEDIA_STREAM, 0, 1, 0 },
	[F_UNKNOWN_KEY]       = { "unknown_key", "drop unknown_key", BOTH, 0, 0, 0 },
	[F_CAMERA_KEY]        = { "camera_key", "drop key_not_allowed_for_device", BOTH, 0, 0, 0 },
	[F_SWAP]              = { "swap", "drop device_mismatch", MEDIA_SNAPSHOT, 0, 0, 0 },
	[F_STALL]             = { "stall", "backend_error", BOTH, 0, 0, 1 },
	[F_RESET]             = { "reset", "backend_error", BOTH, 0, 0, 1 },
	[F_OVERSIZE]          = { "oversize", "drop too_large", BOTH, 0, 0, 1 },
	[F_MP_NO_BOUNDARY]    = { "mp_no_boundary", "drop malformed", MEDIA_STREAM, 1, 0, 1 },
	[F_MP_WRONG_BOUNDARY] = { "mp_wrong_boundary", "drop malformed no_boundary", MEDIA_STREAM, 1, 0, 1 },
	[F_MP_HUGE_HEADERS]   = { "mp_huge_headers", "drop malformed headers_too_large", MEDIA_STREAM, 0, 0, 1 },
	[F_MP_BOUNDARY_IN_BODY] = { "mp_boundary_in_body", "drop malformed length_mismatch", MEDIA_STREAM, 0, 0, 1 },
	[F_BYTEWISE]          = { "bytewise", "delivered", BOTH, 0, 0, 0 },
	[F_CHUNKED_EDGE]      = { "chunked_edge", "delivered", BOTH, 0, 0, 0 },
	[F_CHUNKED_BAD]       = { "chunked_bad", "backend_error", BOTH, 0, 0, 1 },
	[F_DRIP]              = { "drip", "delivered", BOTH, 0, 0, 0 },
	/* Bytes left on the idle connection: the answer itself passes, and
	 * no later request may read them (lenscapd closes it). */
	[F_STRAY]             = { "stray_reply", "delivered", MEDIA_SNAPSHOT, 0, 0, 0 },
	[F_SPLIT]             = { "split_reply", "delivered", MEDIA_SNAPSHOT, 0, 0, 0 },
	[F_DUP_LENGTH]        = { "duplicate_length", "backend_error", MEDIA_SNAPSHOT, 0, 0, 1 },
	[F_SLOW_FOREIGN]      = { "slow_foreign", "drop device_mismatch", MEDIA_SNAPSHOT, 0, 0, 1 },
	/* Read whole, then dropped: a still's connection is closed. */
	[F_BAD_SIGNATURE]     = { "bad_signature", "drop bad_signature", BOTH, 0, 0, 0 },
	[F_PADDED]            = { "padded", "drop digest_mismatch", BOTH, 0, 0, 0 },
};

const struct fault_kind *
fault_kind(enum fault f)
{
	return (unsigned)f < F_COUNT ? &kinds[f] : &kinds[F_NONE];
}

int
fault_from_name(const char *name)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(kinds[f].name, name) == 0)
			return f;
	return -1;
}

int
schedule_enable(struct schedule *s, const char *list)
{
	char *copy = strdup(list), *save = NULL, *item;
	int f, rc = 0;

	if (copy == NULL)
		return -1;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		if (strcmp(item, "all") == 0) {
			memset(s->enabled + 1, 1, F_COUNT - 1);
		} else if ((f = fault_from_name(item)) > 0) {
			s->enabled[f] = 1;
		} else {
			fprintf(stderr, "chaos: no fault called \"%s\"\n", item);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

static int
possible(const struct schedule *s, enum fault f, unsigned media, uint64_t j)
{
	const struct fault_kind *k = &kinds[f];

	return s->enabled[f] && (k->media & media) != 0 &&
	       !(media == MEDIA_STREAM && k->first_only && j != 0) &&
	       !(media == MEDIA_STREAM && k->not_first && j == 0);
}

enum fault
schedule_pick(const struct schedule *s, const char *device, unsigned media,
              uint64_t k, uint64_t j)
{
	uint64_t r = sim_mix(s->seed ^ sim_mix(sim_hash(device) ^
	                     sim_mix((k << 24) ^ (j << 1) ^ media)));
	unsigned n = 0, pick;
	enum fault can[F_COUNT];

	if ((double)(r >> 11) * 0x1.0p-53 >= s->rate)
		return F_NONE;
	for (int f = 1; f < F_COUNT; f++)
		if (possible(s, (enum fault)f, media, j))
			can[n++] = (enum fault)f;
	if (n == 0)
		return F_NONE;
	pick = (unsigned)(sim_mix(r) % n);
	return can[pick];
}

/* --- the report ------------------------------------------------------------ */

static struct {
	pthread_mutex_t lock;
	FILE *f;
	atomic_ullong served[3], faulted[3], by_kind[F_COUNT], accepted;
} rep = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
report_open(FILE *f)
{
	rep.f = f;
}

static const char *
media_name(unsigned media)
{
	return media == MEDIA_SNAPSHOT ? "snapshot" : "mjpeg";
}

/* What lenscapd must do with a frame of fault f.  Under the keyed seal
 * a changed body fails the tag, which covers it: there is no digest to
 * mismatch (corrupt, padded). */
static const char *
expect_of(enum fault f)
{
	if (faults_keyed_seal && strcmp(kinds[f].expect, "drop digest_mismatch") == 0)
		return "drop bad_signature";
	return kinds[f].expect;
}

void
report_fault(const char *rid, const char *device, unsigned media,
             uint64_t frame, enum fault f)
{
	rep.by_kind[f]++;
	if (rep.f == NULL)
		return;
	pthread_mutex_lock(&rep.lock);
	fprintf(rep.f, "{\"rid\":\"%s\",\"device\":\"%s\",\"media\":\"%s\","
	        "\"frame\":%llu,\"fault\":\"%s\",\"expect\":\"%s\"}\n",
	        rid, device, media_name(media), (unsigned long long)frame,
	        kinds[f].name, expect_of(f));
	fflush(rep.f);
	pthread_mutex_unlock(&rep.lock);
}

void
report_served(unsigned media, int faulted)
{
	rep.served[media]++;
	if (faulted)
		rep.faulted[media]++;
}

void
report_accepted(void)
{
	rep.accepted++;
}

void
report_totals(void)
{
	if (rep.f == NULL)
		return;
	pthread_mutex_lock(&rep.lock);
	fprintf(rep.f, "{\"totals\":{\"snapshot\":{\"served\":%llu,\"faulted\":%llu},"
	        "\"mjpeg\":{\"served\":%llu,\"faulted\":%llu},\"faults\":{",
	        rep.served[MEDIA_SNAPSHOT], rep.faulted[MEDIA_SNAPSHOT],
	        rep.served[MEDIA_STREAM], rep.faulted[MEDIA_STREAM]);
	for (int f = 1; f < F_COUNT; f++)
		fprintf(rep.f, "%s\"%s\":%llu", f > 1 ? "," : "", kinds[f].name,
		        rep.by_kind[f]);
	fprintf(rep.f, "},\"connections\":%llu}}\n", rep.accepted);
	fflush(rep.f);
	pthread_mutex_unlock(&rep.lock);
}
