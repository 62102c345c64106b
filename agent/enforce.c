// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The active policy, compiled and kept in the kernel (struct enforce):
 * compiling a policy with the site as it is now, handing the model to the
 * reconciler, counting what it corrected, and noticing another writer
 * that fights us (struct fight). When to reconcile is decided by the
 * watchers, the timer and the requests; which policy, by switch.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "load.h"
#include "log.h"
#include "synced.h"
#include "util.h"

#define FIGHT_WINDOW 60
#define FIGHT_DELAY_SECS 5

void enforce_set_policy_file(struct daemon *d, const char *file)
{
	struct enforce *e = &d->enf;

	if (!strcmp(e->policy_file, file))
		return;
	/* Another directory's file of that name appeared or went. */
	if (e->policy_file[0])
		log_info("policy %s is now read from %s (was %s)", e->policy,
			 file, e->policy_file);
	snprintf(e->policy_file, sizeof(e->policy_file), "%s", file);
}

/* Cuts s to at most max bytes, at a character boundary (replies are
 * UTF-8 text). */
static void utf8_cut(char *s, size_t max)
{
	if (strlen(s) <= max)
		return;
	while (max && ef_utf8_cont((unsigned char)s[max]))
		max--;
	s[max] = '\0';
}

/* One log line per diagnostic line keeps file:line visible. */
static void log_diags(const struct ef_diags *diags)
{
	char *text = ef_diags_format(diags);

	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		log_msg(diags->errors ? LOG_ERR : LOG_WARNING, "%s", line);
	}
	free(text);
}

/* Why, for the client: the compile errors with their lines and carets. */
#define WHY_MAX 4000

void vsay_why(char **ret_why, const char *fmt, va_list ap)
{
	if (!ret_why)
		return;
	if (vasprintf(ret_why, fmt, ap) < 0)
		*ret_why = NULL;
	else
		utf8_cut(*ret_why, WHY_MAX);
}

int say_why(char **ret_why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay_why(ret_why, fmt, ap);
	va_end(ap);
	return 0;
}

static void diags_why(const struct ef_diags *diags, char **ret_why)
{
	char *text = ef_diags_format(diags);
	size_t len = text ? strlen(text) : 0;

	/* The last newline is the reply's. */
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	say_why(ret_why, "the policy does not compile: %s", text ? text : "");
	free(text);
}

int enforce_compile(struct daemon *d, const char *name, bool dry,
		    struct ef_model **ret, char file[PATH_MAX], char **ret_why)
{
	/* Warnings of interfaces and addresses this machine lacks go to
	 * the log; a dry run answers only whether it compiles. */
	struct ef_load_opts opts = { .site = d->set.site_path,
				     .check_host = !dry };
	struct ef_diags diags = { 0 };
	struct ef_loaded l;
	char path[PATH_MAX];
	const char *bad_dir;
	int err;

	if (ret_why)
		*ret_why = NULL;
	err = ef_policy_find(&d->set.policy_dirs, name, path, &bad_dir);
	if (err && bad_dir) {
		if (!dry)
			log_err("cannot look for policy %s in %s: %s", name,
				bad_dir, strerror(-err));
		say_why(ret_why, "cannot look for policy %s in %s: %s", name,
			bad_dir, strerror(-err));
	} else if (err) {
		say_why(ret_why, "no such policy");
	}
	if (err)
		return err;
	if (file)
		memcpy(file, path, PATH_MAX);
	opts.policy = path;
	err = ef_load(&opts, &diags, &l);
	/* A dry run logs nothing: anyone on the read-only socket may ask. */
	if (diags.n && !dry)
		log_diags(&diags);
	if (err == -ENOMEM && !diags.errors)
		say_why(ret_why, "out of memory");
	else if (err)
		diags_why(&diags, ret_why);
	ef_diags_free(&diags);
	if (err)
		return err;
	/* The site says how often, unless the command line did. */
	if (!dry && l.site->interval && !d->set.interval_set)
		d->enf.interval = l.site->interval;
	if (!dry)
		d->enf.exception_max = l.site->exception_max;
	*ret = l.model;
	l.model = NULL;
	ef_loaded_free(&l);
	return 0;
}

/*
 * A writer that changes the table back after every correction would have
 * us fight it forever: after --fight-limit corrections in a minute, say so
 * (once a minute) and correct at most every FIGHT_DELAY_SECS.
 */
void fight_window(struct daemon *d, time_t now)
{
	struct fight *f = &d->fight;

	if (now - f->start < FIGHT_WINDOW)
		return;
	f->fighting = f->count >= d->set.fight_limit;
	f->start = now;
	f->count = 0;
}

static void note_correction(struct daemon *d)
{
	struct fight *f = &d->fight;

	d->enf.corrections++;
	fight_window(d, time(NULL));
	if (++f->count == d->set.fight_limit) {
		f->fighting = true;
		f->fights++;
		log_warn("table inet %s was changed back %d times within %d s%s%s: correcting at most every %d s",
			 EF_TABLE, d->set.fight_limit, FIGHT_WINDOW,
			 f->last_writer[0] ? ", last by " : "", f->last_writer,
			 FIGHT_DELAY_SECS);
	}
}

unsigned int fight_delay(const struct daemon *d)
{
	return d->fight.fighting ? FIGHT_DELAY_SECS : 0;
}

int enforce_reconcile(struct daemon *d, struct ef_model *next, bool drift,
		      char **ret_why)
{
	struct enforce *e = &d->enf;
	const char *writer = d->fight.last_writer;
	struct ef_reconcile_report rep = { 0 };
	char *why = NULL;
	int err;

	if (next)
		err = ef_reconciler_run(&e->rec, next, &rep, &why);
	else
		err = ef_reconciler_recheck(&e->rec, &rep, &why);
	e->last_time = time(NULL);
	e->last_result = err;
	e->reconciles++;
	/* Someone committed while our events were muted: read soon. */
	if (rep.unseen)
		watch_kick(d);
	if (err) {
		log_err("reconcile of policy %s failed: %s%s%s", e->policy,
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
		say_why(ret_why, "the kernel refused the policy: %s%s%s",
			ef_nl_strerror(err), why ? ": " : "", why ? why : "");
		free(why);
		return err;
	}
	if (rep.recorded)
		log_info("table inet %s is as the last edgefwd left it (generation %u): not read back",
			 EF_TABLE, rep.genid);
	/* The table was read back, or changed: the runtime sets too. */
	if (!rep.unchanged)
		exceptions_sync(d);
	if (ef_delta_size_zero(&rep.sent))
		return 0;
	if (drift)
		note_correction(d);
	log_info("%s policy %s (generation %u, %zu elements): +%zu -%zu elements, +%zu -%zu rules, %zu other changes%s%s%s",
		 !drift ? "applied" : rep.partial ?
		 "drift corrected (what events named read back) for" :
		 "drift corrected for", e->policy,
		 rep.genid, ef_model_elem_count(ef_reconciler_model(&e->rec)),
		 rep.sent.elems_added, rep.sent.elems_deleted,
		 rep.sent.rules_added, rep.sent.rules_deleted, rep.sent.objects,
		 drift && writer[0] ? " (last changed by " : "",
		 drift ? writer : "", drift && writer[0] ? ")" : "");
	return 0;
}

int enforce_recompile(struct daemon *d, char **ret_why)
{
	char file[PATH_MAX];
	struct ef_model *m = NULL;
	int err = enforce_compile(d, d->enf.policy, false, &m, file, ret_why);

	d->enf.recompile = false;
	if (err) {
		log_err("policy %s no longer compiles; the running rules stay",
			d->enf.policy);
		return err;
	}
	err = enforce_reconcile(d, m, false, ret_why);
	if (!err)
		enforce_set_policy_file(d, file);
	return err;
}

/*
 * At exit, in sync: what the next edgefwd needs to trust the table without
 * reading it back (synced.h says why that is sound). Any failure only
 * costs the next start a read.
 */
void enforce_leave(struct daemon *d)
{
	const struct ef_model *m = ef_reconciler_model(&d->enf.rec);
	struct ef_synced rec;
	int err;

	watch_catch_up(d);
	if (!m || !ef_reconciler_known(&d->enf.rec, NULL))
		return;
	err = ef_synced_here(&rec);
	err = err ?: ef_model_fingerprint(m, &rec.fingerprint);
	if (err)
		return;
	rec.genid = d->enf.rec.synced_genid;
	/* A persistent table loses its owner with us; its rules stay. */
	rec.flags = m->table_flags & EF_TABLE_F_PERSIST ?
		    m->table_flags & ~EF_TABLE_F_OWNER : m->table_flags;
	err = ef_synced_save(d->set.state_dir, &rec);
	if (err)
		log_warn("cannot record the generation in sync in %s: %s",
			 d->set.state_dir, strerror(-err));
}

/* At start: the record of the last edgefwd, if it still describes the
 * table and the model `m` is the one it left. */
void enforce_recall(struct daemon *d, const struct ef_model *m)
{
	struct ef_synced rec, here;
	uint64_t fp;

	if (ef_synced_load(d->set.state_dir, &rec) || ef_synced_here(&here) ||
	    strcmp(rec.boot, here.boot) || rec.netns != here.netns ||
	    ef_model_fingerprint(m, &fp) || fp != rec.fingerprint)
		return;
	ef_reconciler_trust(&d->enf.rec, rec.genid, rec.flags);
}
