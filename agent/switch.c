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
#include <sys/random.h>
#include <sys/timerfd.h>

#include "daemon.h"
#include "log.h"

int switch_init(struct daemon *d)
{
	struct switcher *sw = &d->sw;

	/* Unpredictable and never reused across restarts; kept below 2^53
	 * so that any JSON reader holds it exactly. */
	if (getrandom(&sw->id, sizeof(sw->id), GRND_NONBLOCK) != sizeof(sw->id))
		sw->id = (uint64_t)time(NULL) << 20;
	sw->id &= (UINT64_C(1) << 52) - 1;
	sw->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sw->timerfd < 0)
		return -errno;
	return loop_add(d, sw->timerfd, TAG_CONFIRM);
}

/* The policy to start with: the recorded one, else the default. A corrupt
 * record is reported and the default used: never an open firewall. */
void switch_choose_start(struct daemon *d)
{
	struct ef_state st;
	int err = ef_state_load(d->set.state_dir, &st);

	if (!err) {
		snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", st.policy);
		snprintf(d->sw.previous, sizeof(d->sw.previous), "%s",
			 st.previous);
		return;
	}
	if (err != -ENOENT)
		log_err("state in %s is unreadable (%s); starting with policy %s",
			d->set.state_dir, strerror(-err), d->set.default_policy);
	snprintf(d->enf.policy, sizeof(d->enf.policy), "%s",
		 d->set.default_policy);
}

static void record_state(struct daemon *d, const char *previous)
{
	struct ef_state st = { 0 };

	snprintf(st.policy, sizeof(st.policy), "%s", d->enf.policy);
	if (previous && ef_state_name_valid(previous))
		snprintf(st.previous, sizeof(st.previous), "%s", previous);
	snprintf(d->sw.previous, sizeof(d->sw.previous), "%s", st.previous);
	if (ef_state_save(d->set.state_dir, &st) < 0)
		log_warn("cannot record the active policy in %s",
			 d->set.state_dir);
}

const char *switch_policy_why(int err)
{
	if (err == -ENOENT)
		return "no such policy";
	if (err == -EACCES || err == -EPERM)
		return "a policy directory cannot be read: see the log";
	return "the policy does not compile: see the log";
}

/* Makes NAME the active policy: compiled, reconciled. */
static int activate(struct daemon *d, const char *name, char *why, size_t len)
{
	char previous[EF_STATE_NAME_MAX], file[PATH_MAX];
	struct ef_model *m = NULL;
	int err = enforce_compile(d, name, &m, file, NULL);

	if (err) {
		snprintf(why, len, "%s", switch_policy_why(err));
		return err;
	}
	snprintf(previous, sizeof(previous), "%s", d->enf.policy);
	snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", name);
	err = enforce_reconcile(d, m, false);
	if (err) {
		snprintf(why, len, "the kernel refused the policy: see the log");
		snprintf(d->enf.policy, sizeof(d->enf.policy), "%s", previous);
		d->enf.recompile = true;	/* put the previous one back */
		watch_kick(d);
		return err;
	}
	d->enf.policy_file[0] = '\0';	/* another policy: nothing to compare */
	enforce_set_policy_file(d, file);
	return 0;
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
	      char *why, size_t len)
{
	struct switcher *sw = &d->sw;
	char previous[EF_STATE_NAME_MAX];
	int err;

	snprintf(previous, sizeof(previous), "%s",
		 sw->revert_to[0] ? sw->revert_to : d->enf.policy);
	err = activate(d, name, why, len);
	if (err)
		return err;
	if (confirm_secs) {
		/* Recorded only once confirmed: a restart goes back too. */
		snprintf(sw->revert_to, sizeof(sw->revert_to), "%s", previous);
		arm_confirm(d, confirm_secs);
		sw->id++;
		log_info("switched to policy %s (switch %" PRIu64 "); back to %s in %u s unless confirmed",
			 d->enf.policy, sw->id, previous, confirm_secs);
	} else {
		settle(d);
		record_state(d, previous);
		log_info("switched to policy %s", d->enf.policy);
	}
	return 0;
}

/* A confirm or rollback naming a switch: is it the one waiting? 0 if so
 * (or if it names none), else -ESTALE and why. */
static int not_this_switch(const struct daemon *d, uint64_t id, char *why,
			   size_t len)
{
	const struct switcher *sw = &d->sw;

	if (!id || (sw->revert_to[0] && id == sw->id))
		return 0;
	if (sw->revert_to[0])
		snprintf(why, len, "switch %" PRIu64 " is not the one waiting (switch %" PRIu64 " is): nothing done",
			 id, sw->id);
	else
		snprintf(why, len, "switch %" PRIu64 " is no longer waiting: nothing done",
			 id);
	return -ESTALE;
}

int switch_confirm(struct daemon *d, uint64_t id, char *why, size_t len)
{
	int err = not_this_switch(d, id, why, len);

	if (err)
		return err;
	if (!d->sw.revert_to[0]) {
		snprintf(why, len, "nothing to confirm");
		return -ENOENT;
	}
	record_state(d, d->sw.revert_to);
	log_info("switch to policy %s confirmed", d->enf.policy);
	settle(d);
	return 0;
}

/* Back to the policy before an unconfirmed switch, or the recorded one;
 * with an id, only that switch, if it still waits. */
int switch_rollback(struct daemon *d, uint64_t id, char *why, size_t len)
{
	char target[EF_STATE_NAME_MAX];
	int err = not_this_switch(d, id, why, len);

	if (err)
		return err;
	if (d->sw.revert_to[0])
		snprintf(target, sizeof(target), "%s", d->sw.revert_to);
	else if (d->sw.previous[0])
		snprintf(target, sizeof(target), "%s", d->sw.previous);
	else {
		snprintf(why, len, "no policy to go back to");
		return -ENOENT;
	}
	err = activate(d, target, why, len);
	if (err)
		return err;
	settle(d);
	record_state(d, NULL);
	log_info("rolled back to policy %s", d->enf.policy);
	return 0;
}

void switch_on_deadline(struct daemon *d)
{
	char why[160];

	loop_drain(d->sw.timerfd);
	if (d->sw.revert_to[0]) {
		log_warn("switch to %s was not confirmed in time: going back to %s",
			 d->enf.policy, d->sw.revert_to);
		switch_rollback(d, 0, why, sizeof(why));
	}
	/* Could not go back: try again, and say so. */
	if (d->sw.revert_to[0]) {
		log_err("could not go back to policy %s; trying again in %u s",
			d->sw.revert_to, d->enf.interval);
		arm_confirm(d, d->enf.interval);
	}
}
