// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reconcile: read (or trust) the live table, diff, send only the
 * delta in one generation-guarded batch, retry on a race. Never logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl_monitor.h"
#include "reconcile.h"

int ef_plan(struct ef_nl *nl, const struct ef_model *desired,
	    struct ef_model **ret_live, struct ef_delta *ret, char **ret_why)
{
	struct ef_model *live = NULL;
	int err;

	err = ef_nl_read(nl, &live, ret_why);
	if (err && err != -ENOENT)
		return err;
	err = ef_diff(desired, live, ret);
	if (err) {
		ef_model_free(live);
		return err;
	}
	*ret_live = live;
	return 0;
}

/* A few milliseconds, more each try, never the same for two racers. */
static void back_off(unsigned int try, unsigned int *seed)
{
	struct timespec ts = { 0, 0 };

	ts.tv_nsec = (long)(try * (1 + rand_r(seed) % 8)) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Rule changes name live rules by handle, which only a read-back has. */
static bool needs_handles(const struct ef_delta *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->ops[i].kind == EF_OP_DEL_RULE ||
		    d->ops[i].kind == EF_OP_ADD_RULE ||
		    d->ops[i].kind == EF_OP_FLUSH_CHAIN)
			return true;
	return false;
}

/*
 * Sends the delta with our own events muted, when there are any: the
 * kernel then builds no notification for it (unless someone else
 * listens), and our socket cannot overflow with our own commit. What
 * that costs is the events of other writers during the send; the caller
 * compares the generation afterwards (rep->unseen).
 */
static int send_muted(struct ef_nl *nl, struct ef_monitor *events,
		      const struct ef_model *desired,
		      const struct ef_delta *delta,
		      struct ef_reconcile_report *rep, char **ret_why)
{
	bool muted = events && !ef_delta_empty(delta) &&
		     !ef_monitor_mute(events, true);
	int err = ef_nl_send_delta(nl, desired, delta, rep->genid, ret_why);

	if (muted) {
		rep->unseen = true;	/* until the generation says */
		/* Deaf from now on would be worse than any error. */
		if (ef_monitor_mute(events, false) &&
		    ef_monitor_mute(events, false) && !err)
			err = -ENOTCONN;
	}
	return err;
}

/*
 * One reconcile. With `base` (a model the live table is known to equal at
 * generation `base_genid`), the first try diffs against it instead of
 * reading the table back; the generation guard catches anyone who
 * committed since, and the next try reads.
 */
static int run(struct ef_nl *nl, struct ef_monitor *events,
	       const struct ef_model *desired, const struct ef_model *base,
	       uint32_t base_genid, struct ef_reconcile_report *rep,
	       char **ret_why)
{
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)rep;
	int err = -EAGAIN;

	for (unsigned int try = 1; try <= EF_RECONCILE_TRIES; try++) {
		struct ef_model *live = NULL;
		struct ef_delta delta;

		rep->tries = try;
		if (base && try == 1) {
			rep->genid = base_genid;
			err = ef_diff(desired, base, &delta);
			if (!err && needs_handles(&delta)) {
				ef_delta_free(&delta);
				base = NULL;
				try--;
				continue;
			}
		} else {
			/* The generation first: a change after it, even
			 * during the dump, makes the kernel refuse us. */
			err = ef_nl_genid(nl, &rep->genid);
			err = err ?: ef_plan(nl, desired, &live, &delta, ret_why);
		}
		if (err)
			return err;
		rep->created = delta.n && delta.ops[0].kind <= EF_OP_ADD_TABLE;
		rep->sent = ef_delta_size(&delta);
		err = send_muted(nl, events, desired, &delta, rep, ret_why);
		ef_delta_free(&delta);
		ef_model_free(live);
		if (err != -ERESTART)
			break;
		memset(&rep->sent, 0, sizeof(rep->sent));
		if (ret_why) {
			free(*ret_why);
			*ret_why = NULL;
		}
		err = -EAGAIN;
		back_off(try, &seed);
	}
	return err;
}

int ef_reconcile(struct ef_nl *nl, const struct ef_model *desired,
		 struct ef_reconcile_report *rep, char **ret_why)
{
	memset(rep, 0, sizeof(*rep));
	return run(nl, NULL, desired, NULL, 0, rep, ret_why);
}

bool ef_reconciler_known(struct ef_reconciler *r, uint32_t *ret_genid)
{
	uint32_t now = 0;
	bool known = r->model && r->synced && !ef_nl_genid(r->nl, &now) &&
		     now == r->synced_genid;

	if (ret_genid)
		*ret_genid = now;
	return known;
}

int ef_reconciler_run(struct ef_reconciler *r, struct ef_model *desired,
		      struct ef_reconcile_report *rep, char **ret_why)
{
	uint32_t now = 0;
	bool known = ef_reconciler_known(r, &now);
	int err;

	memset(rep, 0, sizeof(*rep));
	/* Nobody committed since we matched this very model: done. */
	if (known && desired == r->model) {
		rep->unchanged = true;
		rep->genid = now;
		return 0;
	}
	err = run(r->nl, r->events, desired, known ? r->model : NULL, now,
		  rep, ret_why);
	if (err && desired != r->model) {
		/* Not applied: the last model stays the one we hold. */
		ef_model_free(desired);
		r->synced = false;
		return err;
	}
	if (desired != r->model) {
		ef_model_free(r->model);
		r->model = desired;
	}
	/* Matched at the generation our commit made (one more than the one
	 * we sent against), or at the one we read if we sent nothing. */
	r->synced = !err && !ef_nl_genid(r->nl, &now) &&
		    now == rep->genid + (ef_delta_size_zero(&rep->sent) ? 0 : 1);
	r->synced_genid = now;
	/*
	 * Muted, we saw no event of the send's time. Sound all the same:
	 * a commit before ours made the kernel refuse our batch (the
	 * generation guard); one after it, even one whose events were half
	 * sent when we joined again, had moved the generation before the
	 * read just above (the kernel counts a generation before it sends
	 * its events), so synced is false and the next run reads.
	 */
	rep->unseen = rep->unseen && !err && !r->synced;
	return err;
}

void ef_reconciler_init(struct ef_reconciler *r, struct ef_nl *nl)
{
	memset(r, 0, sizeof(*r));
	r->nl = nl;
}

int ef_reconciler_recheck(struct ef_reconciler *r,
			  struct ef_reconcile_report *rep, char **ret_why)
{
	if (!r->model)
		return -ENOENT;
	return ef_reconciler_run(r, r->model, rep, ret_why);
}

void ef_reconciler_forget(struct ef_reconciler *r)
{
	r->synced = false;
}

void ef_reconciler_untouched(struct ef_reconciler *r, uint32_t genid)
{
	if (r->synced && r->synced_genid + 1 == genid)
		r->synced_genid = genid;
}

const struct ef_model *ef_reconciler_model(const struct ef_reconciler *r)
{
	return r->model;
}

int ef_reconciler_plan(struct ef_reconciler *r, struct ef_model **ret_live,
		       struct ef_delta *ret, char **ret_why)
{
	*ret_live = NULL;
	if (ef_reconciler_known(r, NULL)) {
		memset(ret, 0, sizeof(*ret));
		return 0;
	}
	return ef_plan(r->nl, r->model, ret_live, ret, ret_why);
}

void ef_reconciler_fini(struct ef_reconciler *r)
{
	ef_model_free(r->model);
	r->model = NULL;
	r->synced = false;
}
