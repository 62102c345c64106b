/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reconcile: read the live table, diff it against the desired model, send
 * only the delta, in one batch guarded by the generation read before the
 * dump; when someone else committed in between, read again and retry.
 */
#ifndef EDGEFW_RECONCILE_H
#define EDGEFW_RECONCILE_H

#include "diff.h"
#include "dirty.h"
#include "nl.h"

#define EF_RECONCILE_TRIES 5

struct ef_reconcile_report {
	bool unchanged;			/* the generation had not moved: no read */
	bool partial;			/* only the objects events named read */
	bool recorded;			/* the table taken as recorded: no read */
	bool created;			/* the table was made (anew) */
	struct ef_delta_size sent;	/* zero: nothing was sent */
	unsigned int tries;		/* batches refused for a race, plus one */
	uint32_t genid;			/* the generation the delta was based on */
	/* A batch was sent with the events muted, and the generation after
	 * it shows another commit: its events may be lost, so reconcile
	 * again soon (the reconciler reads the table then). */
	bool unseen;
};

/*
 * 0 when the live table matches `desired` (sending the delta if needed);
 * -EAGAIN when the ruleset kept changing under every try; other errors
 * from the kernel with *ret_why naming the object.
 */
int ef_reconcile(struct ef_nl *nl, const struct ef_model *desired,
		 struct ef_reconcile_report *rep, char **ret_why);

/*
 * A reconciler that stays (edgefwd) owns the last model it was given and
 * the generation at which the live table was known to equal it. While the
 * ruleset generation has not moved, a reconcile of the same model costs one
 * small request, and one of a new model (an address added, a policy
 * switched) is diffed against the old one without reading the table back;
 * the generation guard makes either safe against other writers.
 */
struct ef_monitor;

struct ef_reconciler {
	struct ef_nl *nl;
	/* Borrowed, may be NULL: the event socket of the process, muted
	 * while its own batches commit (ef_monitor_mute). */
	struct ef_monitor *events;
	struct ef_model *model;		/* owned: the last desired model */
	/* live == model at synced_genid, except for the objects events
	 * named since (dirty), which the next run reads back alone. */
	bool synced;
	uint32_t synced_genid;
	struct ef_dirty dirty;
	/* ef_reconciler_trust, for the first run only. */
	bool trusted;
	uint32_t trusted_genid, trusted_flags;
};

/* The reconciler sends through `nl`, which it borrows. */
void ef_reconciler_init(struct ef_reconciler *r, struct ef_nl *nl);
/* Takes `desired` over: pass the same object again to re-check it, a new
 * one to move to it (the old one is freed; if the new one could not be
 * applied, it is freed and the old one kept). */
int ef_reconciler_run(struct ef_reconciler *r, struct ef_model *desired,
		      struct ef_reconcile_report *rep, char **ret_why);
/* Makes the live table equal the model it holds again: nothing sent
 * while the generation shows nobody else committed; only the objects
 * events named read back while they are all it may differ in. -ENOENT:
 * no model. */
int ef_reconciler_recheck(struct ef_reconciler *r,
			  struct ef_reconcile_report *rep, char **ret_why);
/*
 * The last reconciler recorded that the table equaled the model the first
 * run will be given, with table flags `flags`, at generation `genid` (see
 * synced.h: the caller checked the model's fingerprint, the boot and the
 * namespace). If the generation is still `genid`, nobody has committed
 * since, and that run reads nothing back.
 */
void ef_reconciler_trust(struct ef_reconciler *r, uint32_t genid,
			 uint32_t flags);
/* Events were lost, or someone asked: the next run reads the table. */
void ef_reconciler_forget(struct ef_reconciler *r);
/*
 * Generation `genid` was committed, and an event said what it changed of
 * our table: nothing (`what` NULL or empty), or these objects. If the
 * table matched before it, it still does but for them; a generation
 * missed in between, or the table itself, and the next run reads all.
 */
void ef_reconciler_changed(struct ef_reconciler *r, uint32_t genid,
			   const struct ef_dirty *what);
/* The model it holds (NULL before the first run applied one). */
const struct ef_model *ef_reconciler_model(const struct ef_reconciler *r);
/* What a run would send now, without sending it: nothing read while the
 * table is known to match (*ret_live NULL then). As ef_plan. */
int ef_reconciler_plan(struct ef_reconciler *r, struct ef_model **ret_live,
		       struct ef_delta *ret, char **ret_why);
void ef_reconciler_fini(struct ef_reconciler *r);
/* Is the live table known to equal the model, nobody having committed
 * since? One small request; *ret_genid (may be NULL) gets the generation. */
bool ef_reconciler_known(struct ef_reconciler *r, uint32_t *ret_genid);

/* The delta, read-only: what `edgefwctl diff` shows. *ret_live (may be
 * NULL: no table) must outlive *ret. */
int ef_plan(struct ef_nl *nl, const struct ef_model *desired,
	    struct ef_model **ret_live, struct ef_delta *ret, char **ret_why);

#endif
