// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which policy is active (struct switcher): switch, switch --confirm and
 * its deadline, confirm, rollback, and the state recorded so that a
 * restart enforces the same policy. Compiling and applying a policy is
 * enforce.c's; answering the client is requests.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "daemon.h"
#include "log.h"
#include "site.h"

int switch_init(struct daemon *d)
{
	struct switcher *sw = &d->sw;
	int err;

	/* Unpredictable and never reused across restarts; kept below 2^53
	 * so that any JSON reader holds it exactly. */
	if (getrandom(&sw->id, sizeof(sw->id), GRND_NONBLOCK) != sizeof(sw->id))
		sw->id = (uint64_t)time(NULL) << 20;
	sw->id &= (UINT64_C(1) << 52) - 1;
	sw->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	err = sw->timerfd < 0 ? -errno : loop_add(d, sw->timerfd, TAG_CONFIRM);
	if (err)
		log_err("cannot make the confirm timer: %s", strerror(-err));
	return err;
}

/*
 * The record decides the policy after a restart: a directory others may
 * write is one where anyone of them could choose it. Not trusted.
 */
int switch_state_dir_safe(const struct daemon *d)
{
	struct stat st;

	if (stat(d->set.state_dir, &st) < 0)
		return -errno;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	return 0;
}

const char *switch_state_strerror(int err)
{
	return err == -EPERM ? "writable by others than the daemon's user" :
			       strerror(-err);
}

int switch_choose_start(struct daemon *d)
{
	const char *dir = d->set.state_dir;
	struct ef_state st;
	int err = switch_state_dir_safe(d);

	/* What the site says now is what a later reload compares with. */
	if (ef_site_policy(d->set.site_path, d->sw.site_policy, NULL))
		d->sw.site_policy[0] = '\0';

	err = err ?: ef_state_load(dir, &st);
	if (!err) {
		snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", st.policy);
		snprintf(d->sw.previous, sizeof(d->sw.previous), "%s",
			 st.previous);
		d->sw.from_record = true;
		return 0;
	}
	/* A corrupt record is reported and the site's policy used: never an
	 * open firewall. */
	if (switch_start_default(d))
		return -ENOENT;
	if (err != -ENOENT)
		log_err("state in %s is unreadable (%s); starting with policy %s",
			dir, switch_state_strerror(err), d->enf.policy);
	return 0;
}

/* The policy the operator named for when nothing else is recorded: the
 * site's `policy =` line, else --policy. */
static int named_policy(struct daemon *d, char name[EF_STATE_NAME_MAX])
{
	/* Read at start (switch_choose_start): not the file again. */
	if (d->sw.site_policy[0]) {
		snprintf(name, EF_STATE_NAME_MAX, "%s", d->sw.site_policy);
		return 0;
	}
	if (!d->set.default_policy)
		return -ENOENT;
	snprintf(name, EF_STATE_NAME_MAX, "%s", d->set.default_policy);
	return 0;
}

int switch_start_default(struct daemon *d)
{
	char name[EF_STATE_NAME_MAX];

	d->sw.from_record = false;
	if (named_policy(d, name)) {
		log_err("no policy to enforce: write 'policy = NAME' in %s (or give --policy NAME)",
			d->set.site_path);
		return -ENOENT;
	}
	snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", name);
	return 0;
}

int switch_reload(struct daemon *d, char **ret_why)
{
	char name[EF_STATE_NAME_MAX];

	/* The operator wrote another `policy =` since we last read it: the
	 * newest word on which policy to run is theirs. */
	if (!ef_site_policy(d->set.site_path, name, NULL) &&
	    strcmp(name, d->sw.site_policy)) {
		snprintf(d->sw.site_policy, sizeof(d->sw.site_policy), "%s",
			 name);
		if (strcmp(name, d->enf.policy)) {
			log_info("the site now names policy %s", name);
			return switch_to(d, name, 0, ret_why);
		}
	}
	return enforce_recompile(d, ret_why);
}

/* 0 once the active policy (and the one to go back to) is on disk. */
static int record_state(struct daemon *d, const char *previous)
{
	struct ef_state st = { 0 };
	int err = switch_state_dir_safe(d);

	snprintf(st.policy, sizeof(st.policy), "%s", d->enf.policy);
	if (previous && ef_state_name_valid(previous))
		snprintf(st.previous, sizeof(st.previous), "%s", previous);
	err = err ?: ef_state_save(d->set.state_dir, &st);
	if (err) {
		log_err("cannot record the active policy in %s: %s",
			d->set.state_dir, switch_state_strerror(err));
		return err;
	}
	snprintf(d->sw.previous, sizeof(d->sw.previous), "%s", st.previous);
	return 0;
}

/* *ret_why: the reason, for the client; err returned. */
static int fail(char **ret_why, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char **ret_why, int err, const char *fmt, ...)
{
	va_list ap;

	free(*ret_why);
	va_start(ap, fmt);
	vsay_why(ret_why, fmt, ap);
	va_end(ap);
	return err;
}

/* Makes NAME the active policy: compiled, reconciled. */
static int activate(struct daemon *d, const char *name, char **ret_why)
{
	char previous[EF_STATE_NAME_MAX], file[PATH_MAX];
	struct ef_model *m = NULL;
	int err = enforce_compile(d, name, false, &m, file, ret_why);

	if (err)
		return err;
	snprintf(previous, sizeof(previous), "%s", d->enf.policy);
	snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", name);
	err = enforce_reconcile(d, m, false, ret_why);
	if (err) {
		snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", previous);
		d->enf.recompile = true;	/* put the previous one back */
		watch_kick(d);
		return err;
	}
	d->enf.policy_file[0] = '\0';	/* another policy: nothing to compare */
	enforce_set_policy_file(d, file);
	return 0;
}

/*
 * The record failed after `had` was replaced: a change that a restart
 * would undo is no change. Back to `had`, and say both.
 */
static int undo(struct daemon *d, const char *had, int err, char **ret_why)
{
	char *why = NULL;
	int back = activate(d, had, &why);

	if (back)
		log_err("could not go back to policy %s either: %s", had,
			why ? why : "?");
	else
		log_warn("back to policy %s: the change could not be recorded",
			 had);
	fail(ret_why, err, "cannot record the active policy in %s: %s; %s %s",
	     d->set.state_dir, switch_state_strerror(err),
	     back ? "and could not go back to" : "back to", had);
	free(why);
	return err;
}

static void arm_confirm(struct daemon *d, unsigned int secs)
{
	struct itimerspec it = { .it_value = { secs, 0 } };

	timerfd_settime(d->sw.timerfd, 0, &it, NULL);
	d->sw.confirm_by = secs ? time(NULL) + secs : 0;
}

/* No switch waits for its confirmation any more. */
static void settle(struct daemon *d)
{
	d->sw.revert_to[0] = '\0';
	arm_confirm(d, 0);
}

int switch_to(struct daemon *d, const char *name, unsigned int confirm_secs,
	      char **ret_why)
{
	struct switcher *sw = &d->sw;
	char previous[EF_STATE_NAME_MAX], had[EF_STATE_NAME_MAX];
	int err;

	*ret_why = NULL;
	snprintf(had, sizeof(had), "%s", d->enf.policy);
	snprintf(previous, sizeof(previous), "%s",
		 sw->revert_to[0] ? sw->revert_to : d->enf.policy);
	err = activate(d, name, ret_why);
	if (err)
		return err;
	if (confirm_secs) {
		/* Recorded only once confirmed: a restart goes back too. */
		snprintf(sw->revert_to, sizeof(sw->revert_to), "%s", previous);
		arm_confirm(d, confirm_secs);
		sw->id++;
		log_info("switched to policy %s (switch %" PRIu64 "); back to %s in %u s unless confirmed",
			 d->enf.policy, sw->id, previous, confirm_secs);
		return 0;
	}
	err = record_state(d, previous);
	if (err)
		return undo(d, had, err, ret_why);
	settle(d);
	log_info("switched to policy %s", d->enf.policy);
	return 0;
}

/* A confirm or rollback naming a switch: is it the one waiting? 0 if so
 * (or if it names none), else -ESTALE and why. */
static int not_this_switch(const struct daemon *d, uint64_t id,
			   char **ret_why)
{
	const struct switcher *sw = &d->sw;

	if (!id || (sw->revert_to[0] && id == sw->id))
		return 0;
	if (sw->revert_to[0])
		return fail(ret_why, -ESTALE, "switch %" PRIu64 " is not the one waiting (switch %" PRIu64 " is): nothing done",
			    id, sw->id);
	return fail(ret_why, -ESTALE, "switch %" PRIu64 " is no longer waiting: nothing done",
		    id);
}

int switch_confirm(struct daemon *d, uint64_t id, char **ret_why)
{
	int err;

	*ret_why = NULL;
	err = not_this_switch(d, id, ret_why);
	if (err)
		return err;
	if (!d->sw.revert_to[0])
		return fail(ret_why, -ENOENT, "nothing to confirm");
	err = record_state(d, d->sw.revert_to);
	if (err) {
		/* Not durable: as if the deadline had passed. */
		char had[EF_STATE_NAME_MAX];

		snprintf(had, sizeof(had), "%s", d->sw.revert_to);
		settle(d);
		return undo(d, had, err, ret_why);
	}
	log_info("switch to policy %s confirmed", d->enf.policy);
	settle(d);
	return 0;
}

/* Back to the policy before an unconfirmed switch, or the recorded one;
 * with an id, only that switch, if it still waits. */
int switch_rollback(struct daemon *d, uint64_t id, char **ret_why)
{
	char target[EF_STATE_NAME_MAX], had[EF_STATE_NAME_MAX];
	bool waiting = d->sw.revert_to[0];
	int err;

	*ret_why = NULL;
	err = not_this_switch(d, id, ret_why);
	if (err)
		return err;
	if (waiting)
		snprintf(target, sizeof(target), "%s", d->sw.revert_to);
	else if (d->sw.previous[0])
		snprintf(target, sizeof(target), "%s", d->sw.previous);
	else
		return fail(ret_why, -ENOENT, "no policy to go back to");
	snprintf(had, sizeof(had), "%s", d->enf.policy);
	err = activate(d, target, ret_why);
	if (err)
		return err;
	settle(d);
	/* An unconfirmed switch was never recorded: the record already
	 * names where it goes back to, written or not now. */
	err = record_state(d, NULL);
	if (err && !waiting)
		return undo(d, had, err, ret_why);
	log_info("rolled back to policy %s", d->enf.policy);
	return 0;
}

void switch_on_deadline(struct daemon *d)
{
	char *why = NULL;

	loop_drain(d->sw.timerfd);
	if (d->sw.revert_to[0]) {
		log_warn("switch to %s was not confirmed in time: going back to %s",
			 d->enf.policy, d->sw.revert_to);
		switch_rollback(d, 0, &why);
		free(why);
	}
	/* Could not go back: try again, and say so. */
	if (d->sw.revert_to[0]) {
		log_err("could not go back to policy %s; trying again in %u s",
			d->sw.revert_to, d->enf.interval);
		arm_confirm(d, d->enf.interval);
	}
}
