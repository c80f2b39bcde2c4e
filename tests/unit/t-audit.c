/* Unit tests for the audit trail: fields, JSON validity of every line
 * under concurrent writers, rotation by reopen, and refusal of lines
 * that would not be valid JSON. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "audit.h"
#include "tap.h"

static char dir[] = "/tmp/lc-audit-XXXXXX";
static char path[128], rotated[128];

/* Reads every line of file; counts lines and lines that parse as JSON
 * objects.  Returns the first line's tree (caller frees) when want_first. */
static void
read_lines(const char *file, int *lines, int *valid, yajl_val *first)
{
	char line[4096], err[128];
	FILE *f = fopen(file, "r");

	*lines = *valid = 0;
	if (first != NULL)
		*first = NULL;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		yajl_val v = yajl_tree_parse(line, err, sizeof(err));

		(*lines)++;
		if (v != NULL && YAJL_IS_OBJECT(v))
			(*valid)++;
		if (first != NULL && *first == NULL)
			*first = v;
		else
			yajl_tree_free(v);
	}
	fclose(f);
}

static const char *
field(yajl_val v, const char *name)
{
	const char *p[] = { name, NULL };
	yajl_val s = yajl_tree_get(v, p, yajl_t_string);

	return s ? YAJL_GET_STRING(s) : NULL;
}

static void
test_fields(struct audit *a)
{
	uint8_t kid[LC_KEY_ID_BYTES];
	struct audit_event ev = {
		.event = "drop", .request_id = "r-1", .face = "assistant",
		.route = "/v1/cameras/{device}/snapshot", .account = "alice",
		.device = "cam-1", .envelope_device = "cam-9", .key_id = kid,
		.has_seq = 1, .seq = 18446744073709551615ULL,
		.reason = LC_DROP_DEVICE_MISMATCH,
	};
	yajl_val v;
	int lines, valid;

	memset(kid, 0xab, sizeof(kid));
	is_int(audit_log(a, &ev), 0, "a drop is logged");
	read_lines(path, &lines, &valid, &v);
	is_int(lines, 1, "one line");
	is_int(valid, 1, "it is a JSON object");
	ok(v && strcmp(field(v, "reason"), "device_mismatch") == 0, "reason name");
	ok(v && strcmp(field(v, "envelope_device"), "cam-9") == 0, "envelope device");
	ok(v && strcmp(field(v, "key_id"), "abababababababababababababababab") == 0,
	   "key id in hex");
	ok(v && field(v, "time") && strlen(field(v, "time")) == 24, "RFC 3339 time");
	{
		const char *p[] = { "seq", NULL };
		yajl_val s = v ? yajl_tree_get(v, p, yajl_t_number) : NULL;
		ok(s && strcmp(YAJL_GET_NUMBER(s), "18446744073709551615") == 0,
		   "full 64-bit sequence number");
	}
	ok(v && field(v, "detail") == NULL, "absent fields are left out");
	yajl_tree_free(v);
}

static void
test_bad_utf8(struct audit *a)
{
	struct audit_event ev = { .event = "deny", .device = "caf\xc3" };
	int lines, valid;
	uint64_t errs = audit_errors(a);

	ok(audit_log(a, &ev) != 0, "invalid UTF-8 is refused");
	is_int(audit_errors(a), errs + 1, "and counted as an error");
	read_lines(path, &lines, &valid, NULL);
	is_int(lines, valid, "no broken line was written");
}

static void *
writer(void *arg)
{
	struct audit *a = arg;
	struct audit_event ev = { .event = "drop", .account = "a-rather-long-name",
		.device = "cam-0123456789", .detail = "concurrent writer",
		.reason = LC_DROP_STALE };

	for (int i = 0; i < 2000; i++)
		if (audit_log(a, &ev) != 0)
			return (void *)1;
	return NULL;
}

static void
test_concurrent(struct audit *a)
{
	pthread_t t[4];
	int lines, valid, fails = 0;

	if (rename(path, rotated) != 0 || audit_reopen(a) != 0) {
		ok(0, "rotate");
		return;
	}
	ok(1, "rotated and reopened");
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, writer, a);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		fails += r != NULL;
	}
	is_int(fails, 0, "four writers logged without error");
	read_lines(path, &lines, &valid, NULL);
	is_int(lines, 8000, "the new file has all 8000 lines");
	is_int(valid, 8000, "every one a whole JSON object");
	read_lines(rotated, &lines, &valid, NULL);
	is_int(lines, 1, "the rotated file kept its line");
}

int
main(void)
{
	struct audit *a = NULL;

	tap_init();
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/audit.log.1", dir);
	is_int(audit_open("/nonexistent/dir/audit.log", &a), LC_EIO,
	       "unwritable path fails");
	ok(a == NULL, "nothing returned on failure");
	is_int(audit_open(path, &a), 0, "open");
	test_fields(a);
	test_bad_utf8(a);
	test_concurrent(a);
	audit_close(a);
	audit_close(NULL);
	unlink(path);
	unlink(rotated);
	rmdir(dir);
	return tap_done();
}
