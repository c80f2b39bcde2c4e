/*
 * policy-load-bench: how long policy_load takes on a large policy, how
 * much memory the loaded policy holds, and how many decisions per second
 * it answers.  Run by contrib/bench, not a test.
 *   policy-load-bench [N]      N devices, N accounts of 2 grants, N sessions
 *                              in 4 files (default 100000)
 *   policy-load-bench -a ACCOUNTS [-d PER] [-s SHARDS] [-w DIR [-b BASE]]
 *                              ACCOUNTS accounts of PER devices of their own
 *                              (default 3) and one session each, in SHARDS
 *                              files (default 100) beside a base file; with
 *                              -w, only write them into DIR (BASE: the base
 *                              file's text) and exit
 *   policy-load-bench -l DIR -a ACCOUNTS [-d PER]
 *                              load DIR, written earlier by -w with the same
 *                              -a and -d, instead of writing a policy
 *   -t THREADS                 parse on THREADS threads (policy_load_threads;
 *                              default 0, one per core)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"
#include "policy-gen.h"

struct bench_opts {
	size_t n, per, shards;
	int sharded;
	unsigned threads;
	const char *write_dir, *base_file, *load_dir;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process so far, user and system, in ms. */
static double
cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* CPU time of the calling thread so far, in ms: the loader's own, which
 * the load's wall time cannot be shorter than. */
static double
thread_cpu_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The "Vm...:" line key of /proc/self/status, in KiB; 0 if unknown. */
static long
status_kib(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Reads a whole small file into a fresh string; NULL on failure. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(1 << 20)) != NULL) {
		len = fread(buf, 1, (1 << 20) - 1, f);
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

static int
usage(void)
{
	fprintf(stderr, "usage: policy-load-bench [N >= 2]\n"
	        "       policy-load-bench -a ACCOUNTS [-d PER] [-s SHARDS] [-t THREADS] [-w DIR [-b BASE]]\n"
	        "       policy-load-bench -l DIR -a ACCOUNTS [-d PER] [-t THREADS]\n");
	return 2;
}

/* Parses the command line into o; 0 or -1. */
static int
parse(int argc, char **argv, struct bench_opts *o)
{
	int c;

	*o = (struct bench_opts){ .n = 100000, .per = 3, .shards = 100 };
	if (argc == 2 && argv[1][0] != '-')
		return (o->n = strtoul(argv[1], NULL, 10)) < 2 ? -1 : 0;
	while ((c = getopt(argc, argv, "a:b:d:l:s:t:w:")) != -1) {
		switch (c) {
		case 'a': o->n = strtoul(optarg, NULL, 10); o->sharded = 1; break;
		case 'b': o->base_file = optarg; break;
		case 'd': o->per = strtoul(optarg, NULL, 10); break;
		case 'l': o->load_dir = optarg; break;
		case 's': o->shards = strtoul(optarg, NULL, 10); break;
		case 't': o->threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': o->write_dir = optarg; break;
		default: return -1;
		}
	}
	if (optind != argc || o->n < 2 || o->per < 1 || o->shards < 1 ||
	    (o->write_dir != NULL && !o->sharded) ||
	    (o->load_dir != NULL && (!o->sharded || o->write_dir != NULL)))
		return -1;
	return 0;
}

/* Writes the policy o asks for into dir; 0 or -1. */
static int
write_policy(const struct bench_opts *o, const char *dir)
{
	char *base = NULL;
	int rc;

	if (!o->sharded)
		return policy_gen_dir(dir, o->n);
	if (o->base_file != NULL && (base = slurp(o->base_file)) == NULL)
		return -1;
	rc = policy_gen_shards(dir, o->n, o->per, o->shards, base);
	free(base);
	return rc;
}

/* Decisions and session lookups per second on pol, as lenscapd makes
 * them per request; -1 if a session's token is not found. */
static int
decide(const struct bench_opts *o, const struct lc_policy *pol)
{
	size_t rounds = 1000000, yes = 0, n = o->n, devs = o->sharded ? n * o->per : n;
	char name[32], devbuf[LC_DEVICE_MAX + 1];
	double t0, look_ms;

	/* One decision = route match + account lookup by name + grant check
	 * (token hashing measured apart). */
	t0 = now_ms();
	for (size_t i = 0; i < rounds; i++) {
		const struct policy_account *a;
		char path[64];
		size_t own = o->sharded ? (i % n) * o->per : i % n;

		snprintf(name, sizeof(name), "acct-%zu", i % n);
		/* Half asks for a granted device, half for a stranger's. */
		snprintf(path, sizeof(path), "/v1/cameras/cam-%zu/snapshot",
		         i % 2 ? (i * 7919) % devs : own);
		a = policy_account_by_name(pol, name);
		if (policy_route_match(pol, "assistant", "GET", path, devbuf) &&
		    policy_may_see(pol, a, devbuf))
			yes++;
	}
	look_ms = now_ms() - t0;
	printf("decisions: %.0f per second (%zu granted of %zu)\n",
	       (double)rounds / (look_ms / 1e3), yes, rounds);
	t0 = now_ms();
	for (size_t i = 0; i < rounds; i++) {
		snprintf(name, sizeof(name), "sess-token-%zu", i % n);
		if (policy_session_account(pol, name, strlen(name)) == NULL)
			return -1;
	}
	look_ms = now_ms() - t0;
	printf("session token lookups (SHA-256 + table): %.0f per second\n",
	       (double)rounds / (look_ms / 1e3));
	return 0;
}

int
main(int argc, char **argv)
{
	char tmp[] = "/tmp/lenscap-policy-bench-XXXXXX";
	const char *dir = tmp;
	struct lc_policy *pol = NULL;
	struct bench_opts o;
	long rss0, rss1, hwm;
	double t0, c0, tc0, load_ms, load_cpu_ms, own_cpu_ms;
	int rc;

	if (parse(argc, argv, &o) != 0)
		return usage();
	if (o.write_dir != NULL) {
		if (write_policy(&o, o.write_dir) != 0) {
			perror("policy-load-bench: writing the policy");
			return 3;
		}
		return 0;
	}
	if (o.load_dir != NULL)
		dir = o.load_dir;
	else if (mkdtemp(tmp) == NULL || write_policy(&o, tmp) != 0) {
		perror("policy-load-bench: writing the policy");
		return 3;
	}
	rss0 = status_kib("VmRSS");
	t0 = now_ms();
	c0 = cpu_ms();
	tc0 = thread_cpu_ms();
	rc = policy_load_threads(dir, o.threads, &pol, stderr);
	load_ms = now_ms() - t0;
	load_cpu_ms = cpu_ms() - c0;
	own_cpu_ms = thread_cpu_ms() - tc0;
	rss1 = status_kib("VmRSS");
	hwm = status_kib("VmHWM");
	/* A directory given is the caller's: left as it is. */
	if (o.load_dir == NULL && o.sharded)
		policy_gen_shards_remove(tmp, o.shards);
	else if (o.load_dir == NULL)
		policy_gen_remove(tmp);
	if (rc != 0) {
		fprintf(stderr, "policy-load-bench: %s\n", lc_strerror(rc));
		return 1;
	}
	printf("policy_load: %zu devices, %zu accounts, %zu sessions%s: %.1f ms "
	       "(CPU %.1f ms, of which the loading thread %.1f ms)\n",
	       policy_device_count(pol), policy_account_count(pol),
	       o.n, o.sharded ? " (sharded)" : "", load_ms, load_cpu_ms, own_cpu_ms);
	printf("memory: %.1f MiB held by the policy (RSS %.1f -> %.1f MiB), peak RSS %.1f MiB\n",
	       (double)(rss1 - rss0) / 1024, (double)rss0 / 1024, (double)rss1 / 1024,
	       (double)hwm / 1024);
	rc = decide(&o, pol);
	policy_free(pol);
	return rc == 0 ? 0 : 1;
}
