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
#include "util.h"

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

/* A try lost a race: nothing of it counts; -EAGAIN once tries run out. */
static int retry_later(struct ef_reconcile_report *rep, char **ret_why,
		       unsigned int try, unsigned int *seed)
{
	memset(&rep->sent, 0, sizeof(rep->sent));
	if (ret_why) {
		free(*ret_why);
		*ret_why = NULL;
	}
	back_off(try, seed);
	return -EAGAIN;
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
		err = retry_later(rep, ret_why, try, &seed);
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
	bool read = !ef_nl_genid(r->nl, &now);
	bool known = r->model && r->synced && ef_dirty_empty(&r->dirty) &&
		     read && now == r->synced_genid;

	if (ret_genid)
		*ret_genid = now;
	return known;
}

/*
 * Drift that events named, corrected from them: the model stands for the
 * table but for the objects in r->dirty, which are read back alone (a set
 * or a chain whole, an element of a hashed set by its key), diffed, and
 * the difference sent guarded by `genid`, read before any of them. The
 * generation had not moved since the events were counted (the caller
 * checked), so nothing else can differ; a commit after `genid` makes the
 * kernel refuse the batch. -ECANCELED: the named objects are not ones it
 * reads alone (the caller reads the table).
 */
struct partial {
	struct ef_model *fresh;		/* sets and chains read whole */
	struct ef_model view;		/* the model, those objects put in */
	struct ef_model *want, *have;	/* elements at the keys named */
};

static void partial_free(struct partial *p)
{
	free(p->view.sets);
	free(p->view.chains);
	ef_model_free(p->fresh);
	ef_model_free(p->want);
	ef_model_free(p->have);
}

/* A hashed set whose named keys alone are looked at. */
static bool by_key(const struct ef_set *set, const struct ef_dirty_object *o)
{
	/* A map's element is its key and its data: the probe below copies
	 * shapes without data types, so a map is read whole. */
	if (o->whole || !set->hashed || set->nfields != 1 || set->map)
		return false;
	for (size_t k = 0; k < o->nkeys; k++)
		if (o->keys[k].len != ef_set_key_len(set))
			return false;
	return true;
}

static struct ef_set *same_shape_in(struct ef_model *m, const struct ef_set *s)
{
	struct ef_set *set = ef_model_add_set(m, s->name, s->type, s->nfields,
					      s->counter);

	if (set) {
		set->hashed = s->hashed;
		set->size = s->size;
	}
	return set;
}

/* The model's elements at the named keys into p->want, the kernel's into
 * p->have: sets of the same shape that ef_diff compares. */
static int probe(struct ef_nl *nl, const struct ef_set *set,
		 const struct ef_dirty_object *o, struct partial *p)
{
	struct ef_set *want = same_shape_in(p->want, set);
	struct ef_set *have = same_shape_in(p->have, set);
	int err = want && have ? 0 : -ENOMEM;

	for (size_t k = 0; k < o->nkeys && !err; k++) {
		uint8_t key[EF_KEY_MAX] = { 0 };
		size_t e;

		memcpy(key, o->keys[k].key, o->keys[k].len);
		if (ef_set_find_key(set, key, &e))
			err = ef_set_copy_elem(want, set, e);
		err = err ?: ef_nl_get_elem(nl, have, key);
		if (err == -ENOENT)
			err = 0;
	}
	return err;
}

/* The view's object `v` (an entry of `size` bytes in an array of *n)
 * becomes the fresh one, or leaves the array when the kernel has none. */
static void put(void *arr, size_t *n, size_t size, void *v, const void *fresh)
{
	size_t i = (size_t)((char *)v - (char *)arr) / size;

	if (fresh) {
		memcpy(v, fresh, size);
		return;
	}
	memmove(v, (char *)v + size, (*n - i - 1) * size);
	(*n)--;
}

/* Reads what r->dirty names into p. */
static int read_named(struct ef_reconciler *r, struct partial *p)
{
	const struct ef_model *m = r->model;
	const struct ef_dirty *d = &r->dirty;
	int err = 0;

	p->view = *m;
	p->view.sets = malloc((m->nsets + 1) * sizeof(*m->sets));
	p->view.chains = malloc((m->nchains + 1) * sizeof(*m->chains));
	p->fresh = ef_model_new();
	p->want = ef_model_new();
	p->have = ef_model_new();
	if (!p->view.sets || !p->view.chains || !p->fresh || !p->want ||
	    !p->have)
		return -ENOMEM;
	memcpy(p->view.sets, m->sets, m->nsets * sizeof(*m->sets));
	memcpy(p->view.chains, m->chains, m->nchains * sizeof(*m->chains));
	/* Objects we did not make: the whole read knows what to do. */
	for (size_t i = 0; i < d->n; i++)
		if (d->objs[i].chain ? !ef_model_find_chain(m, d->objs[i].name) :
				       !ef_model_find_set(m, d->objs[i].name))
			return -ECANCELED;
	for (size_t i = 0; i < d->n && !err; i++) {
		const struct ef_dirty_object *o = &d->objs[i];
		const struct ef_set *set = ef_model_find_set(m, o->name);

		if (o->chain)
			continue;
		if (by_key(set, o)) {
			err = probe(r->nl, set, o, p);
			continue;
		}
		err = ef_nl_read_set(r->nl, p->fresh, o->name);
		if (err == -ENOENT)
			err = 0;
	}
	for (size_t i = 0; i < d->n && !err; i++) {
		const struct ef_dirty_object *o = &d->objs[i];

		if (!o->chain && !by_key(ef_model_find_set(m, o->name), o))
			put(p->view.sets, &p->view.nsets, sizeof(*m->sets),
			    ef_model_find_set(&p->view, o->name),
			    ef_model_find_set(p->fresh, o->name));
	}
	/* Rules are read with the sets as the kernel has them now. */
	for (size_t i = 0; i < d->n && !err; i++) {
		if (!d->objs[i].chain)
			continue;
		err = ef_nl_read_chain(r->nl, p->fresh, &p->view,
				       d->objs[i].name);
		if (err == -ENOENT)
			err = 0;
	}
	for (size_t i = 0; i < d->n && !err; i++)
		if (d->objs[i].chain)
			put(p->view.chains, &p->view.nchains, sizeof(*m->chains),
			    ef_model_find_chain(&p->view, d->objs[i].name),
			    ef_model_find_chain(p->fresh, d->objs[i].name));
	for (size_t i = 0; i < p->want->nsets && !err; i++) {
		ef_set_sort(&p->want->sets[i]);
		ef_set_sort(&p->have->sets[i]);
	}
	return err;
}

/* Moves the ops of `from` to the end of `to`. */
static int append(struct ef_delta *to, struct ef_delta *from)
{
	if (!from->n)
		return 0;
	if (ef_grow((void **)&to->ops, &to->cap, to->n + from->n,
		    sizeof(*to->ops)))
		return -ENOMEM;
	memcpy(to->ops + to->n, from->ops, from->n * sizeof(*from->ops));
	to->n += from->n;
	free(from->ops);
	memset(from, 0, sizeof(*from));
	return 0;
}

static int correct(struct ef_reconciler *r, uint32_t genid,
		   struct ef_reconcile_report *rep, char **ret_why)
{
	struct partial p = { 0 };
	struct ef_delta delta = { 0 }, elems = { 0 };
	int err = read_named(r, &p);

	/* The objects read whole, then the elements looked up by key. */
	err = err ?: ef_diff(r->model, &p.view, &delta);
	err = err ?: ef_diff(p.want, p.have, &elems);
	err = err ?: append(&delta, &elems);
	if (!err) {
		rep->partial = true;
		rep->genid = genid;
		rep->sent = ef_delta_size(&delta);
		err = send_muted(r->nl, r->events, r->model, &delta, rep,
				 ret_why);
	}
	ef_delta_free(&elems);
	ef_delta_free(&delta);
	partial_free(&p);
	/* A dump that raced with a change: the whole read redoes it. */
	return err == -EINTR ? -ERESTART : err;
}

int ef_reconciler_run(struct ef_reconciler *r, struct ef_model *desired,
		      struct ef_reconcile_report *rep, char **ret_why)
{
	uint32_t now = 0;
	bool known = ef_reconciler_known(r, &now);
	int err = -ECANCELED;

	memset(rep, 0, sizeof(*rep));
	/* Nobody committed since we matched this very model: done. */
	if (known && desired == r->model) {
		rep->unchanged = true;
		rep->genid = now;
		return 0;
	}
	/* Nobody but the writers whose events we counted: their objects. */
	if (desired == r->model && r->synced && now == r->synced_genid &&
	    !ef_dirty_empty(&r->dirty)) {
		err = correct(r, now, rep, ret_why);
		if (err == -ERESTART || err == -ECANCELED) {
			if (ret_why) {
				free(*ret_why);
				*ret_why = NULL;
			}
			memset(rep, 0, sizeof(*rep));
		}
	}
	if (err == -ERESTART || err == -ECANCELED) {
		const struct ef_model *base = known ? r->model : NULL;
		struct ef_model recorded;

		/* As the last reconciler left it: its model, its flags. */
		if (r->trusted && !r->model && now == r->trusted_genid) {
			recorded = *desired;
			recorded.table_flags = r->trusted_flags;
			base = &recorded;
		}
		err = run(r->nl, r->events, desired, base, now, rep, ret_why);
		rep->recorded = base && base != r->model && rep->tries == 1;
	}
	r->trusted = false;
	ef_dirty_clear(&r->dirty);
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

void ef_reconciler_trust(struct ef_reconciler *r, uint32_t genid,
			 uint32_t flags)
{
	r->trusted = true;
	r->trusted_genid = genid;
	r->trusted_flags = flags;
}

void ef_reconciler_forget(struct ef_reconciler *r)
{
	r->synced = false;
	ef_dirty_clear(&r->dirty);
}

void ef_reconciler_changed(struct ef_reconciler *r, uint32_t genid,
			   const struct ef_dirty *what)
{
	/* Already in what we matched (our own commit, or read back). */
	if (!r->synced || (int32_t)(genid - r->synced_genid) <= 0)
		return;
	if (genid != r->synced_genid + 1) {
		ef_reconciler_forget(r);
		return;
	}
	r->synced_genid = genid;
	if (what)
		ef_dirty_merge(&r->dirty, what);
	if (r->dirty.table)
		ef_reconciler_forget(r);
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
	ef_reconciler_forget(r);
}

/* The live sets named as want[], into a new model: -EINVAL when one is
 * not of its shape (a reconcile makes it anew). */
static int read_runtime(struct ef_nl *nl, const struct ef_set *const *want,
			size_t n, struct ef_model **ret)
{
	struct ef_model *live = ef_model_new();
	int err = live ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !err; i++) {
		err = ef_nl_read_set(nl, live, want[i]->name);
		if (!err && !ef_set_same_shape(&live->sets[i], want[i]))
			err = -EINVAL;
	}
	if (err) {
		ef_model_free(live);
		return err;
	}
	*ret = live;
	return 0;
}

int ef_reconciler_set_elems(struct ef_reconciler *r,
			    const struct ef_set *const *want, size_t n,
			    struct ef_reconcile_report *rep, char **ret_why)
{
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)n;
	int err = -EAGAIN;

	for (unsigned int try = 1; try <= EF_RECONCILE_TRIES; try++) {
		struct ef_delta delta = { 0 };
		struct ef_model *live = NULL;
		uint32_t now = 0;
		bool sending = false;

		memset(rep, 0, sizeof(*rep));
		rep->tries = try;
		err = ef_nl_genid(r->nl, &rep->genid);
		err = err ?: read_runtime(r->nl, want, n, &live);
		for (size_t i = 0; i < n && !err; i++)
			err = ef_diff_set_elems(want[i], &live->sets[i], &delta);
		rep->sent = ef_delta_size(&delta);
		if (!err) {
			sending = true;
			err = send_muted(r->nl, r->events, r->model, &delta, rep,
					 ret_why);
		}
		ef_delta_free(&delta);
		ef_model_free(live);
		rep->unseen = rep->unseen && !err;
		if (!err && !ef_delta_size_zero(&rep->sent) &&
		    !ef_nl_genid(r->nl, &now) && now == rep->genid + 1) {
			/* Our commit alone: nothing unseen; and where the
			 * table matched the model before, it still does (the
			 * model does not look at these elements). */
			rep->unseen = false;
			if (r->synced && r->synced_genid == rep->genid)
				r->synced_genid = now;
		}
		/* Raced: a commit, a dump interrupted, an element that
		 * expired after we read it. */
		if (err != -ERESTART && err != -EINTR &&
		    !(err == -ENOENT && sending))
			return err;
		err = retry_later(rep, ret_why, try, &seed);
	}
	return err;
}
