// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static bool sent_nothing(const struct ef_delta_size *s)
{
	return !s->elems_added && !s->elems_deleted && !s->rules_added &&
	       !s->rules_deleted && !s->objects;
}

int ef_reconcile(struct ef_nl *nl, const struct ef_model *desired,
		 struct ef_reconcile_report *rep, char **ret_why)
{
	struct ef_reconciler r = { .nl = nl };

	return ef_reconciler_run(&r, desired, rep, ret_why);
}

/*
 * Remembers the generation at which the live table was known to equal
 * `desired`: our own commit moved it by exactly one, or nothing was sent
 * and nothing moved while we read.
 */
static void note_synced(struct ef_reconciler *r, const struct ef_model *desired,
			const struct ef_reconcile_report *rep)
{
	uint32_t now;

	r->synced = NULL;
	if (ef_nl_genid(r->nl, &now))
		return;
	if (now == rep->genid + (sent_nothing(&rep->sent) ? 0 : 1)) {
		r->synced = desired;
		r->synced_genid = now;
	}
}

int ef_reconciler_run(struct ef_reconciler *r, const struct ef_model *desired,
		      struct ef_reconcile_report *rep, char **ret_why)
{
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)r;
	struct ef_nl *nl = r->nl;
	int err = -EAGAIN;

	memset(rep, 0, sizeof(*rep));
	/* Nobody committed since we last matched this very model: done,
	 * without reading 100 000 elements back. */
	if (r->synced == desired && !ef_nl_genid(nl, &rep->genid) &&
	    rep->genid == r->synced_genid) {
		rep->unchanged = true;
		return 0;
	}
	for (unsigned int try = 1; try <= EF_RECONCILE_TRIES; try++) {
		struct ef_model *live = NULL;
		struct ef_delta delta;

		rep->tries = try;
		/* The generation first: a change after it, even during the
		 * dump, makes the kernel refuse our batch. */
		err = ef_nl_genid(nl, &rep->genid);
		err = err ?: ef_plan(nl, desired, &live, &delta, ret_why);
		if (err)
			return err;
		rep->created = delta.n && delta.ops[0].kind <= EF_OP_ADD_TABLE;
		rep->sent = ef_delta_size(&delta);
		err = ef_nl_send_delta(nl, desired, &delta, rep->genid, ret_why);
		ef_delta_free(&delta);
		ef_model_free(live);
		if (!err)
			note_synced(r, desired, rep);
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
