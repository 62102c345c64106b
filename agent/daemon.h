/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * edgefwd, room by room. Each room is a structure that one file owns and
 * writes; the others may read it.
 *
 *	edgefwd.c	start-up, the event loop, main		struct loop
 *	enforce.c	the active policy, compiled and kept	struct enforce
 *			in the kernel; a writer fighting it	struct fight
 *	switch.c	switch / confirm / rollback, the	struct switcher
 *			recorded state
 *	watch.c		nftables events, address changes, the	struct watch
 *			delayed reconcile they ask for
 *	exceptions.c	timed exceptions: opened, revoked,	struct exceptions
 *			expired, recorded, kept in the kernel
 *	control.c	control sockets, peer credentials,	struct control
 *			client I/O
 *	requests.c	what each request does and answers
 */
#ifndef EDGEFW_DAEMON_H
#define EDGEFW_DAEMON_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "counters.h"
#include "ctl_proto.h"
#include "exception.h"
#include "paths.h"
#include "reconcile.h"
#include "state.h"

/* What the command line said; read-only once the loop runs. */
struct settings {
	const char *site_path, *state_dir, *socket_path;
	/* The read-only socket (status, counters, ...) and the group that
	 * may use it besides the control group; NULL: none. */
	const char *read_socket_path, *read_group;
	/* Searched in order: the operator's own policies shadow shipped
	 * ones of the same name, and a package upgrade never touches them. */
	struct ef_policy_dirs policy_dirs;
	const char *user, *group;
	const char *default_policy;	/* --policy: if the site names none */
	bool interval_set;		/* --interval given: the site's is ignored */
	unsigned int client_timeout;	/* seconds a client may idle */
	/* Corrections within a minute that mean another writer fights us. */
	unsigned int fight_limit;
	bool foreground;
	char kernel[65];		/* uname -r, for status */
};

/* enforce.c: what is in force, and how the last reconcile went. */
struct enforce {
	char policy[EF_STATE_NAME_MAX];
	char policy_file[PATH_MAX];	/* where it was read from */
	unsigned int interval;		/* seconds between reconciles */
	struct ef_nl *nl;
	struct ef_reconciler rec;
	bool recompile;			/* files or addresses changed */
	time_t last_time;
	int last_result;
	unsigned long corrections, reconciles;
	unsigned int exception_max;	/* the site's: seconds */
};

/* enforce.c: another writer that changes the table back after every
 * correction (see fight_window). */
struct fight {
	char last_writer[64];	/* "nft[1234]": who committed last, not us */
	time_t start;		/* the current minute of corrections */
	unsigned int count;
	bool fighting;		/* then corrections wait FIGHT_DELAY_SECS */
	unsigned long fights;	/* how often that began */
};

/* switch.c: a switch waiting for its confirmation, and the record. */
struct switcher {
	char previous[EF_STATE_NAME_MAX]; /* recorded: where a rollback goes */
	/* switch --confirm: the policy to go back to unless confirmed */
	char revert_to[EF_STATE_NAME_MAX];
	time_t confirm_by;
	/* Names the waiting switch, so that a confirm or rollback meant for
	 * it cannot act on another one; starts at random, so ids of an
	 * earlier run of the daemon do not match either. */
	uint64_t id;
	int timerfd;		/* the confirm deadline */
	bool from_record;	/* the starting policy came from the record */
	char site_policy[EF_STATE_NAME_MAX]; /* its `policy =`, last read */
};

/* watch.c */
struct watch {
	struct ef_monitor *mon;
	struct nl_sock *rtnl;
	int kickfd;		/* a reconcile soon: events come in bursts */
};

/* exceptions.c */
struct exceptions {
	struct ef_exceptions list;	/* as recorded */
	bool started;		/* the record was read (or found corrupt) */
	bool out_of_sync;	/* the kernel refused them: again each second */
};

#define MAX_CLIENTS 128

struct client {
	int fd;
	bool read_only;		/* came in on the read-only socket */
	uid_t uid;		/* the peer's, when it connected */
	time_t last;		/* its last whole request (or connecting) */
	struct ef_ctl_reader in;
	char *out;		/* replies not yet taken by the socket */
	size_t out_off, out_len, out_cap;
	bool want_out;		/* the loop waits for room to write */
};

/* control.c */
struct control {
	int listenfd, readfd;
	gid_t ctl_gid, read_gid;
	struct client clients[MAX_CLIENTS];
};

/* edgefwd.c */
struct loop {
	int epfd, sigfd, tickfd;
	unsigned long ticks;	/* one a second */
	bool stop;
};

struct daemon {
	struct settings set;
	struct enforce enf;
	struct fight fight;
	struct switcher sw;
	struct watch watch;
	struct exceptions exc;
	struct control ctl;
	struct loop loop;
};

/* epoll tags: small numbers for our own descriptors, client index + 16. */
enum { TAG_SIG = 1, TAG_TICK, TAG_KICK, TAG_CONFIRM, TAG_LISTEN, TAG_MON,
       TAG_RTNL, TAG_READ_LISTEN, TAG_CLIENT = 16 };

/* edgefwd.c: the loop watches fd, and hands its events to `tag`'s room. */
int loop_add(struct daemon *d, int fd, uint64_t tag);
/* Reads a timerfd (or eventfd) empty. */
void loop_drain(int fd);

/* enforce.c */
/*
 * Compiles NAME with the site as it is now; its file goes to `file` (if
 * not NULL). For the policy to run, diagnostics are logged and the site's
 * interval taken; a dry run changes nothing and logs nothing. On failure
 * *ret_why (if not NULL; the caller frees) says why for the client: the
 * diagnostics with their lines and carets.
 */
int enforce_compile(struct daemon *d, const char *name, bool dry,
		    struct ef_model **ret, char file[PATH_MAX], char **ret_why);
/* Moves to `next` (taken over); NULL: the active model again, and a
 * change found there is drift. *ret_why as enforce_compile. */
int enforce_reconcile(struct daemon *d, struct ef_model *next, bool drift,
		      char **ret_why);
/* Compiles the active policy again (site or addresses changed). */
int enforce_recompile(struct daemon *d, char **ret_why);
/* The active policy now comes from `file`. */
void enforce_set_policy_file(struct daemon *d, const char *file);
/* Why a request failed, for the client: into *ret_why (if ret_why is not
 * NULL; the caller frees), cut to a few KiB at a character boundary.
 * Returns 0. */
int say_why(char **ret_why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vsay_why(char **ret_why, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* A new minute of the fight window, if one began. */
void fight_window(struct daemon *d, time_t now);
/* Seconds a correction waits while another writer fights us (else 0). */
unsigned int fight_delay(const struct daemon *d);
/* At exit: the generation in sync recorded for the next start; at start,
 * the record trusted if it still describes the table and `m`. */
void enforce_leave(struct daemon *d);
void enforce_recall(struct daemon *d, const struct ef_model *m);

/* switch.c */
int switch_init(struct daemon *d);
/* The policy to start with: the recorded one, else the one the site
 * names (else --policy). -ENOENT: none is named anywhere (logged). */
int switch_choose_start(struct daemon *d);
/* The recorded policy cannot be applied: the site's, then. */
int switch_start_default(struct daemon *d);
/* SIGHUP, reload: the files again; a new `policy =` in the site is a
 * switch to it. */
int switch_reload(struct daemon *d, char **ret_why);
/*
 * A change of policy is done once it is recorded, so that a restart keeps
 * it; one that cannot be recorded is undone. 0; else -errno and *ret_why
 * (the caller frees) saying why, for the client.
 */
int switch_to(struct daemon *d, const char *name, unsigned int confirm_secs,
	      char **ret_why);
int switch_confirm(struct daemon *d, uint64_t id, char **ret_why);
int switch_rollback(struct daemon *d, uint64_t id, char **ret_why);
void switch_on_deadline(struct daemon *d);
/* 0 if the state directory can be trusted (only the daemon's user may
 * write it): what is recorded there decides what a restart enforces. */
int switch_state_dir_safe(const struct daemon *d);
/* Why the record cannot be trusted or written, for people. */
const char *switch_state_strerror(int err);

/* watch.c */
int watch_open(struct daemon *d);
void watch_close(struct daemon *d);
/* A reconcile soon (at most every FIGHT_DELAY_SECS while fighting). */
void watch_kick(struct daemon *d);
void watch_on_monitor(struct daemon *d);
/* Reads the events already queued, so that an answer about the table
 * takes in every commit made before the request. */
void watch_catch_up(struct daemon *d);
void watch_on_rtnl(struct daemon *d);
void watch_on_kick(struct daemon *d);

/* exceptions.c */
/* Once the first policy is in force: the recorded exceptions still
 * unexpired are opened again, for the time they have left. */
void exceptions_start(struct daemon *d);
void exceptions_stop(struct daemon *d);
/* Each second: the expired ones are said and leave the record; a sync
 * the kernel refused is tried again. */
void exceptions_tick(struct daemon *d);
/* The table was read back or changed: the runtime sets may have been made
 * anew or touched by another writer; they get the exceptions back. */
void exceptions_sync(struct daemon *d);
/* 0 and the exception opened in *ret (valid until the next change);
 * else -errno and *ret_why (the caller frees), nothing opened. */
int exceptions_allow(struct daemon *d, const struct ef_ctl_allow *a,
		     uid_t uid, const struct ef_exception **ret,
		     char **ret_why);
int exceptions_revoke(struct daemon *d, uint32_t id, uid_t uid,
		      char **ret_why);
/* The seconds it has left, rounded up (0: none). */
uint64_t exceptions_secs_left(const struct ef_exception *x);
/* What each exception's elements counted in the live table, in the
 * order of the list (the caller frees *ret). 0 or -errno. */
int exceptions_hits(struct daemon *d, struct ef_row_count **ret);

/* control.c */
int control_open(struct daemon *d);
void control_close(struct daemon *d);
void control_on_accept(struct daemon *d, bool read_only);
void control_on_client(struct daemon *d, struct client *c, uint32_t events);
/* Each client's next whole request, if it has one, answered. */
void control_serve_round(struct daemon *d);
/* Requests still waiting after this turn: the loop must not sleep. */
bool control_requests_waiting(const struct daemon *d);
void control_drop_idle(struct daemon *d);

/* requests.c: the reply text to one request line. */
char *request_handle(struct daemon *d, const char *line, bool read_only,
		     uid_t uid);

#endif
