/*
 * Loading a policy and what it names, and SIGHUP.  A policy of a million
 * accounts takes seconds of CPU to load and tens of milliseconds to free,
 * and the requests served meanwhile must not wait for either: both run
 * on a thread of their own at a lower priority (the loader's parsing
 * threads inherit it), and a reload loads on one core fewer than the
 * machine has.  A replaced policy is freed once no request holds it, on
 * such a thread too, never by the request that held it last.  The
 * threads end with their work, so nothing has to raise a priority again,
 * which an unprivileged process could not.  doc/performance.md has the
 * measurements.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "camera/seal.h"
#include "log.h"
#include "net/listeners.h"
#include "notify.h"
#include "reload.h"

#define RELOAD_NICE 10

int
reload_load_policy(const char *path, unsigned threads, struct lc_policy **out)
{
	uint64_t t0 = lcd_mono_us();
	int rc = policy_load_threads(path, threads, out, stderr);

	if (rc == 0)
		log_info("loaded %s in %.0f ms", path,
		         (double)(lcd_mono_us() - t0) / 1e3);
	return rc;
}

const char *
reload_load_ingest(const struct lc_policy *pol, struct seal_key **out)
{
	const char *path = policy_ingest_key(pol), *mac;
	const uint8_t *id;

	*out = NULL;
	if ((mac = policy_seal_mac(pol, &id)) != NULL)
		return seal_key_load_mac(mac, id, out) != 0 ? "MAC secret unusable" : NULL;
	if (path == NULL)
		return NULL;
	if (seal_key_load(path, out) != 0)
		return "ingest key unusable";
	if (seal_key_trusted(*out, pol) != 0) {
		seal_key_put(*out);
		*out = NULL;
		return "ingest key not trusted by the policy's keys";
	}
	return NULL;
}

int
reload_check_tls(const struct lc_policy *pol)
{
	int bad = 0;

	for (size_t i = 0; i < policy_listener_count(pol); i++)
		bad |= server_check_tls(policy_listener(pol, i)) != 0;
	return bad ? -1 : 0;
}

/* ---- work below the requests' priority --------------------------------- */

static void *
lowered(void *arg)
{
	void **job = arg;
	void *(*fn)(void *) = (void *(*)(void *))job[0];
	int nice;

	/* On Linux the nice value is a thread's: who 0 is this thread. */
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if ((nice != -1 || errno == 0) &&
	    setpriority(PRIO_PROCESS, 0, nice + RELOAD_NICE > 19 ? 19
	                                 : nice + RELOAD_NICE) == -1)
		log_warn("reload: working at the priority of the requests");
	return fn(job[1]);
}

/* fn(arg) on a thread at a lower priority, waited for; on this thread
 * if no thread can be had. */
static void
run_lowered(void *(*fn)(void *), void *arg)
{
	void *job[2] = { (void *)fn, arg };
	pthread_t t;

	if (pthread_create(&t, NULL, lowered, job) != 0)
		(void)fn(arg);
	else
		(void)pthread_join(t, NULL);
}

/* The threads a reload loads on: every online core but one, which is
 * left to the requests; at least one. */
static unsigned
reload_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 2 ? (unsigned)(n - 1) : 1;
}

/* What a reload reads: the policy, and the ingest key it names (its
 * trust is checked against every device, which takes long too). */
struct reload_job {
	const char *path;
	struct lc_policy *pol;
	struct seal_key *ingest;
	const char *ingest_why;
	int rc;
};

static void *
load_job(void *arg)
{
	struct reload_job *j = arg;

	j->rc = reload_load_policy(j->path, reload_threads(), &j->pol);
	if (j->rc == 0)
		j->ingest_why = reload_load_ingest(j->pol, &j->ingest);
	return NULL;
}

static void *
free_job(void *arg)
{
	policy_free(arg);
	return NULL;
}

/* A replaced policy, freed once no request holds it. */
static void *
free_replaced(void *arg)
{
	uint64_t t0 = lcd_mono_us();

	policy_free(arg);
	log_info("a replaced policy freed in %.0f ms", (double)(lcd_mono_us() - t0) / 1e3);
	return NULL;
}

void
reload_reap(struct lcd *d, int all)
{
	size_t keep = 0;

	for (size_t i = 0; i < d->nsuperseded; i++) {
		struct lc_policy *pol = d->superseded[i];

		if (all || policy_unshared(pol))
			run_lowered(free_replaced, pol);
		else
			d->superseded[keep++] = pol;
	}
	d->nsuperseded = keep;
	if (all) {
		free(d->superseded);
		d->superseded = NULL;
		d->superseded_room = 0;
	}
}

/* Keeps the replaced policy (the caller's reference) for reload_reap(),
 * and frees it at once if no request holds it.  Only out of memory is it
 * left to whoever holds it last. */
static void
supersede(struct lcd *d, struct lc_policy *old)
{
	size_t room = d->superseded_room > 0 ? 2 * d->superseded_room : 8;
	struct lc_policy **more;

	if (d->nsuperseded == d->superseded_room) {
		if (room > SIZE_MAX / sizeof(*more) ||
		    (more = realloc(d->superseded, room * sizeof(*more))) == NULL) {
			log_warnx("reload: out of memory: the replaced policy is freed by "
			          "the last request that holds it");
			policy_free(old);
			return;
		}
		d->superseded = more;
		d->superseded_room = room;
	}
	d->superseded[d->nsuperseded++] = old;
	reload_reap(d, 0);
}

/* ---- SIGHUP -------------------------------------------------------------- */

/* Checks what j read against the policy in force and makes the new
 * listeners' servers; NULL when it may take effect, else why not (logged;
 * nothing has changed). */
static const char *
refusal(struct lcd *d, const char *path, const struct lc_policy *old,
        const struct reload_job *j, struct listeners_plan *plan)
{
	const char *why = NULL;

	if (reload_check_tls(j->pol) != 0)
		why = "TLS material unusable";
	else if ((why = j->ingest_why) == NULL &&
	         (why = listeners_prepare(d, old, j->pol, plan)) == NULL &&
	         upstream_configure(d->up, policy_backend(j->pol)) != 0) {
		listeners_abandon(plan);
		why = "out of memory";
	}
	if (why != NULL)
		log_warnx("reload of %s refused: %s", path, why);
	return why;
}

/* Puts j's policy and ingest key in force, with the servers of plan.
 * The new servers accept before the replaced policy is freed: that takes
 * long for a large policy, and no listener should wait for it. */
static void
take_effect(struct lcd *d, const char *path, const char *portfile,
            struct reload_job *j, struct listeners_plan *plan)
{
	struct lc_policy *old;

	seal_key_install(d, j->ingest);
	j->ingest = NULL;
	old = lcd_swap_policy(d, j->pol);
	j->pol = NULL;
	listeners_commit(d, d->pol, plan);
	if (portfile != NULL && listeners_write_ports(d, portfile) != 0)
		log_warnx("%s: the listeners' ports could not be written", portfile);
	log_info("reloaded %s", path);
	supersede(d, old);
}

void
reload(struct lcd *d, const char *path, const char *portfile)
{
	struct audit_event ev = { .event = "reload" };
	struct reload_job j = { .path = path };
	/* Only this thread replaces the policy in force. */
	const struct lc_policy *old = d->pol;
	struct listeners_plan plan;
	char why[192];
	const char *no;
	int taken = 0;

	(void)notify_reloading();
	ev.detail = "refused: the old policy stays in force";
	run_lowered(load_job, &j);
	if (j.rc != 0) {
		log_warnx("reload of %s refused; the old policy stays in force", path);
	} else if ((no = refusal(d, path, old, &j, &plan)) != NULL) {
		(void)snprintf(why, sizeof(why), "refused: %s", no);
		ev.detail = why;
	} else {
		take_effect(d, path, portfile, &j, &plan);
		ev.detail = "policy in force";
		taken = 1;
	}
	if (taken)
		d->metrics.reloads++;
	else
		d->metrics.reload_failures++;
	seal_key_put(j.ingest);
	if (j.pol != NULL)
		run_lowered(free_job, j.pol);
	(void)audit_log(d->audit, &ev);
	(void)notify_send("READY=1");
}
