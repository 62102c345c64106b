// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Timed exceptions (struct exceptions): a port an operator opens for a
 * while, which the kernel closes when the time is up. Each is elements
 * with a timeout in the runtime sets ex4/ex6 the compiled policy declares
 * (no reconcile adds or deletes them: this room does), and a line of the
 * record next to the state file, so that a restart opens again those not
 * yet expired, for the time they have left. Every add, revoke and expiry
 * is logged: who, what, and the note saying why. What the requests
 * answer is requests.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "daemon.h"
#include "log.h"
#include "nft_emit.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t exceptions_secs_left(const struct ef_exception *x)
{
	int64_t left = x->expires_ms - now_ms();

	return left > 0 ? (uint64_t)(left + 999) / 1000 : 0;
}

/* "exception 7 WHAT: tcp 8443 from any to ... (added by uid 0): "note"";
 * the uid unless WHAT says it already. */
static void say(const struct ef_exception *x, int prio, const char *what)
{
	struct ef_strbuf sb = { 0 };
	char by[40] = "";

	if (strncmp(what, "added", 5))
		snprintf(by, sizeof(by), " (added by uid %" PRIu32 ")", x->uid);
	ef_exception_text(&sb, x);
	log_msg(prio, "exception %" PRIu32 " %s: %s%s: \"%s\"", x->id, what,
		sb.buf ? sb.buf : "?", by, x->note);
	ef_sb_free(&sb);
}

static bool gateway(const struct ef_model *m)
{
	return m && ef_model_find_chain(m, "forward");
}

/* Writes the list to the record; says why not. */
static int save(struct daemon *d)
{
	const char *dir = d->set.state_dir;
	int err = switch_state_dir_safe(d);

	err = err ?: ef_exceptions_save(dir, &d->exc.list);
	if (err)
		log_err("cannot record the timed exceptions in %s: %s", dir,
			switch_state_strerror(err));
	return err;
}

/* Makes the kernel's runtime sets hold the list's exceptions, each for
 * the time it has left; *sent (may be NULL): what that took. */
static int apply(struct daemon *d, struct ef_delta_size *sent,
		 char **ret_why)
{
	struct ef_reconcile_report rep;
	const struct ef_model *m = ef_reconciler_model(&d->enf.rec);
	const struct ef_set *shape4 = m ? ef_model_find_set(m, EF_SET_EX4) : NULL;
	const struct ef_set *shape6 = m ? ef_model_find_set(m, EF_SET_EX6) : NULL;
	const struct ef_set *want[2];
	struct ef_model *sets = ef_model_new();
	int64_t now = now_ms();
	int err = 0;

	if (!shape4 || !shape6)
		err = -ENOENT;
	else if (!sets || !ef_model_add_set_like(sets, shape4) ||
		 !ef_model_add_set_like(sets, shape6))
		err = -ENOMEM;
	for (size_t i = 0; i < d->exc.list.n && !err; i++)
		err = ef_exception_elems(&d->exc.list.v[i], now, &sets->sets[0],
					 &sets->sets[1]);
	if (!err) {
		want[0] = &sets->sets[0];
		want[1] = &sets->sets[1];
		err = ef_reconciler_set_elems(&d->enf.rec, want, 2, &rep,
					      ret_why);
		/* Someone committed while our events were muted. */
		if (rep.unseen)
			watch_kick(d);
		if (!err && sent)
			*sent = rep.sent;
	}
	ef_model_free(sets);
	return err;
}

/* In gateway mode, "to this machine" would open every host behind the
 * gateway: such an exception (of a host-mode policy before) is closed. */
static bool drop_unfit(struct daemon *d)
{
	struct ef_exceptions *xs = &d->exc.list;
	bool dropped = false;

	if (!gateway(ef_reconciler_model(&d->enf.rec)))
		return false;
	for (size_t i = 0; i < xs->n;) {
		if (xs->v[i].nto) {
			i++;
			continue;
		}
		say(&xs->v[i], LOG_WARNING,
		    "closed: in gateway mode 'to this machine' would open every host behind it");
		ef_exceptions_remove(xs, i);
		dropped = true;
	}
	return dropped;
}

void exceptions_sync(struct daemon *d)
{
	struct ef_delta_size sent = { 0 };
	char *why = NULL;
	int err;

	if (!d->exc.started)
		return;
	if (drop_unfit(d))
		save(d);
	err = apply(d, &sent, &why);
	/* The kernel lost some, or another writer added some. */
	if (!err && !ef_delta_size_zero(&sent))
		log_info("timed exceptions put back as recorded in table inet %s: +%zu -%zu elements%s%s%s",
			 EF_TABLE, sent.elems_added, sent.elems_deleted,
			 d->fight.last_writer[0] ? " (last changed by " : "",
			 d->fight.last_writer,
			 d->fight.last_writer[0] ? ")" : "");
	if (err && !d->exc.out_of_sync)
		log_err("cannot put the timed exceptions into table inet %s: %s%s%s; trying again every second",
			EF_TABLE, ef_nl_strerror(err), why ? ": " : "",
			why ? why : "");
	else if (!err && d->exc.out_of_sync)
		log_info("the timed exceptions are in table inet %s again",
			 EF_TABLE);
	d->exc.out_of_sync = err != 0;
	free(why);
}

void exceptions_start(struct daemon *d)
{
	struct ef_exceptions *xs = &d->exc.list;
	const char *dir = d->set.state_dir;
	unsigned int line = 0;
	bool changed = false;
	int64_t now = now_ms();
	int err = switch_state_dir_safe(d);

	err = err ?: ef_exceptions_load(dir, xs, &line);
	if (err == -EINVAL && line)
		log_err("the record of timed exceptions %s/%s is corrupt (line %u): ignored, no exception is opened again",
			dir, EF_EXC_FILE, line);
	else if (err && err != -ENOENT)
		log_err("the record of timed exceptions %s/%s cannot be trusted (%s): ignored, no exception is opened again",
			dir, EF_EXC_FILE, switch_state_strerror(err));
	changed = drop_unfit(d);
	for (size_t i = 0; i < xs->n;) {
		struct ef_exception *x = &xs->v[i];
		char left[EF_DURATION_TEXT], what[80];

		if (x->expires_ms <= now) {
			say(x, LOG_INFO, "expired while edgefwd was not running");
			ef_exceptions_remove(xs, i);
			changed = true;
			continue;
		}
		snprintf(what, sizeof(what), "opened again for the %s it has left",
			 ef_duration_text(exceptions_secs_left(x), left));
		say(x, LOG_INFO, what);
		i++;
	}
	d->exc.started = true;
	if (changed)
		save(d);
	/* Also closes what the kernel holds that the record does not. */
	exceptions_sync(d);
}

void exceptions_stop(struct daemon *d)
{
	ef_exceptions_free(&d->exc.list);
}

void exceptions_tick(struct daemon *d)
{
	struct ef_exceptions *xs = &d->exc.list;
	bool changed = false;
	int64_t now = now_ms();

	if (!d->exc.started)
		return;
	/* The kernel closed them already. */
	for (size_t i = 0; i < xs->n;) {
		if (xs->v[i].expires_ms > now) {
			i++;
			continue;
		}
		say(&xs->v[i], LOG_INFO, "expired");
		ef_exceptions_remove(xs, i);
		changed = true;
	}
	if (changed)
		save(d);
	if (d->exc.out_of_sync)
		exceptions_sync(d);
}

/* What `to` opens: the role's addresses, the address, or (host mode
 * only) this machine. */
static int resolve_to(const struct daemon *d, const struct ef_ctl_allow *a,
		      struct ef_exception *x, char **ret_why)
{
	const struct ef_model *m = ef_reconciler_model(&d->enf.rec);
	const struct ef_model_role *role;
	struct ef_strbuf sb = { 0 };

	if (a->to_addr.family) {
		x->to[0] = a->to_addr;
		x->nto = 1;
		return 0;
	}
	if (!a->to_role[0]) {
		if (!gateway(m))
			return 0;
		say_why(ret_why, "in gateway mode an exception needs 'to ROLE' or 'to ADDRESS': the host behind the gateway");
		return -EINVAL;
	}
	role = ef_model_find_role(m, a->to_role);
	if (!role) {
		for (size_t i = 0; i < m->nroles; i++)
			ef_sb_printf(&sb, "%s%s", i ? ", " : "", m->roles[i].name);
		say_why(ret_why, "policy %s has no address role '%s' bound to addresses (it has: %s)",
			d->enf.policy, a->to_role, sb.buf ? sb.buf : "none");
		ef_sb_free(&sb);
		return -ENOENT;
	}
	if (!role->naddrs || role->naddrs > EF_EXC_TO_MAX) {
		say_why(ret_why, "role '%s' stands for %zu addresses now; an exception opens 1 to %d: name an address",
			role->name, role->naddrs, EF_EXC_TO_MAX);
		return -EINVAL;
	}
	memcpy(x->to, role->addrs, role->naddrs * sizeof(x->to[0]));
	x->nto = role->naddrs;
	snprintf(x->role, sizeof(x->role), "%s", role->name);
	return 0;
}

/* Refused unless it opens something, and nothing an exception already
 * opens (one set takes no overlapping elements). */
static int check_new(const struct daemon *d, const struct ef_exception *x,
		     char **ret_why)
{
	const struct ef_exceptions *xs = &d->exc.list;

	if (ef_exception_empty(x)) {
		say_why(ret_why, "nothing to open: from and to have no address family in common");
		return -EINVAL;
	}
	for (size_t i = 0; i < xs->n; i++) {
		struct ef_strbuf sb = { 0 };

		if (!ef_exceptions_overlap(x, &xs->v[i]))
			continue;
		ef_exception_text(&sb, &xs->v[i]);
		say_why(ret_why, "it overlaps exception %" PRIu32 " (%s): revoke that one first",
			xs->v[i].id, sb.buf ? sb.buf : "?");
		ef_sb_free(&sb);
		return -EEXIST;
	}
	if (xs->n >= EF_EXC_MAX) {
		say_why(ret_why, "%d exceptions are open already: revoke one first",
			EF_EXC_MAX);
		return -E2BIG;
	}
	return 0;
}

int exceptions_allow(struct daemon *d, const struct ef_ctl_allow *a,
		     uid_t uid, const struct ef_exception **ret,
		     char **ret_why)
{
	struct ef_exceptions *xs = &d->exc.list;
	struct ef_exception x = {
		.uid = (uint32_t)uid, .proto = a->proto,
		.port_lo = a->port_lo, .port_hi = a->port_hi, .from = a->from,
	};
	char want[EF_DURATION_TEXT], max[EF_DURATION_TEXT], what[64];
	char *why = NULL;
	int err;

	*ret_why = NULL;
	exceptions_tick(d);	/* one that just expired overlaps nothing */
	if (a->secs > d->enf.exception_max) {
		say_why(ret_why, "an exception for %s is longer than this site allows (exception-max = %s)",
			ef_duration_text(a->secs, want),
			ef_duration_text(d->enf.exception_max, max));
		return -EINVAL;
	}
	snprintf(x.note, sizeof(x.note), "%s", a->note);
	err = resolve_to(d, a, &x, ret_why) ?: check_new(d, &x, ret_why);
	if (err)
		return err;
	x.added_ms = now_ms();
	x.expires_ms = x.added_ms + (int64_t)a->secs * 1000;
	err = ef_exceptions_add(xs, &x);
	if (err)
		return err;
	err = apply(d, NULL, &why);
	if (err) {
		ef_exceptions_remove(xs, xs->n - 1);
		say_why(ret_why, "the kernel refused it: %s%s%s",
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
		free(why);
		return err;
	}
	err = save(d);
	if (err) {
		/* A hole a restart would not know of is no hole to open. */
		ef_exceptions_remove(xs, xs->n - 1);
		exceptions_sync(d);
		say_why(ret_why, "cannot record it in %s: %s; not opened",
			d->set.state_dir, switch_state_strerror(err));
		return err;
	}
	snprintf(what, sizeof(what), "added by uid %u for %s",
		 (unsigned int)uid, ef_duration_text(a->secs, want));
	say(&xs->v[xs->n - 1], LOG_NOTICE, what);
	*ret = &xs->v[xs->n - 1];
	return 0;
}

int exceptions_revoke(struct daemon *d, uint32_t id, uid_t uid,
		      char **ret_why)
{
	struct ef_exceptions *xs = &d->exc.list;
	long i = ef_exceptions_find(xs, id);
	struct ef_exception x;
	char what[48], *why = NULL;
	int err;

	*ret_why = NULL;
	if (i < 0) {
		say_why(ret_why, "no exception %" PRIu32 " (it may have expired; see edgefwctl exceptions)",
			id);
		return -ENOENT;
	}
	x = xs->v[i];
	ef_exceptions_remove(xs, (size_t)i);
	err = save(d);
	if (err) {
		ef_exceptions_add(xs, &x);
		say_why(ret_why, "cannot record it in %s: %s; exception %" PRIu32 " stays open",
			d->set.state_dir, switch_state_strerror(err), id);
		return err;
	}
	snprintf(what, sizeof(what), "revoked by uid %u", (unsigned int)uid);
	say(&x, LOG_NOTICE, what);
	err = apply(d, NULL, &why);
	if (err) {
		d->exc.out_of_sync = true;
		log_err("exception %" PRIu32 " is revoked, but the kernel refused to close it now: %s%s%s; trying again every second",
			id, ef_nl_strerror(err), why ? ": " : "",
			why ? why : "");
		say_why(ret_why, "revoked, but the kernel refused to close it now: %s%s%s; edgefwd tries again every second (and the kernel closes it when its time is up)",
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
	}
	free(why);
	return err;
}

/* The exception an element's comment names: its index, or -1. */
static long commented(const struct ef_exceptions *xs,
		      const struct ef_set *set, size_t i)
{
	const struct ef_rows *rows = ef_elem_rows(set, i);
	char text[EF_COMMENT_MAX];
	unsigned int id;
	int end = 0;

	if (!rows)
		return -1;
	ef_rows_text(rows, text, sizeof(text));
	if (sscanf(text, "exception %u%n", &id, &end) != 1 || text[end])
		return -1;
	return ef_exceptions_find(xs, id);
}

int exceptions_hits(struct daemon *d, struct ef_row_count **ret)
{
	const struct ef_exceptions *xs = &d->exc.list;
	struct ef_row_count *counts = calloc(xs->n + 1, sizeof(*counts));
	struct ef_model *live = ef_model_new();
	static const char *const names[] = { EF_SET_EX4, EF_SET_EX6 };
	int err = counts && live ? 0 : -ENOMEM;

	for (size_t s = 0; s < 2 && !err; s++) {
		const struct ef_set *set;

		err = ef_nl_read_set(d->enf.nl, live, names[s]);
		set = err ? NULL : &live->sets[s];
		for (size_t i = 0; set && i < set->nelems; i++) {
			long k = commented(xs, set, i);

			if (k < 0)
				continue;
			counts[k].packets += ef_elem_packets(set, i);
			counts[k].bytes += ef_elem_bytes(set, i);
		}
	}
	ef_model_free(live);
	if (err) {
		free(counts);
		return err;
	}
	*ret = counts;
	return 0;
}
