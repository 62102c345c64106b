// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table lock: owned by the reconciler's socket and marked persist,
 * other processes cannot change the table; when the owner exits the rules
 * stay in force; the next reconciler takes the table over.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compile.h"
#include "helpers.h"
#include "reconcile.h"

#define FOREIGN_CHANGE \
	"nft add element inet edgefw in4 '{ \"eth0\" . 198.51.100.99 . tcp . 22 }' 2>/dev/null"

static struct ef_model *locked_model(bool lock)
{
	struct utsname u;

	kt_private_netns(true);
	cr_assert_eq(uname(&u), 0);
	if (lock && !ef_kernel_can_persist(u.release))
		cr_skip_test("kernel %s has no persistent tables", u.release);
	return kt_compile("edge-single-public", "edge-single-public",
			  lock ? EF_LOCK_ON : EF_LOCK_OFF);
}

static void reconcile(struct ef_nl *nl, const struct ef_model *m,
		      struct ef_reconcile_report *rep)
{
	char *why = NULL;
	int err = ef_reconcile(nl, m, rep, &why);

	cr_assert_eq(err, 0, "reconcile: %s %s", strerror(-err), why ? why : "");
}

static struct ef_model *live(void)
{
	struct ef_model *l = NULL;
	struct ef_nl *nl;

	cr_assert_eq(ef_nl_open(&nl), 0);
	cr_assert_eq(ef_nl_read(nl, &l, NULL), 0);
	ef_nl_close(nl);
	return l;
}

Test(lock, owner_refuses_foreign_change)
{
	struct ef_model *m = locked_model(true), *l;
	struct ef_reconcile_report rep;
	struct ef_nl *nl;

	cr_assert_eq(ef_nl_open(&nl), 0);
	reconcile(nl, m, &rep);
	cr_assert_neq(kt_run(FOREIGN_CHANGE), 0, "nft changed a locked table");
	cr_assert_neq(kt_run("nft delete table inet edgefw 2>/dev/null"), 0);
	l = live();
	cr_assert(l->table_flags & EF_TABLE_F_OWNER);
	cr_assert(ef_model_equal(m, l));
	ef_model_free(l);
	ef_nl_close(nl);
	ef_model_free(m);
}

Test(lock, rules_stay_and_next_reconciler_takes_over)
{
	struct ef_model *m = locked_model(true), *l;
	struct ef_reconcile_report rep;
	struct ef_nl *nl;

	cr_assert_eq(ef_nl_open(&nl), 0);
	reconcile(nl, m, &rep);
	ef_nl_close(nl);	/* the owner exits */

	/* Fail-closed: the rules are still in force, now ownerless. */
	l = live();
	cr_assert(l->table_flags & EF_TABLE_F_PERSIST);
	cr_assert_not(l->table_flags & EF_TABLE_F_OWNER);
	cr_assert(ef_model_equal(m, l));
	ef_model_free(l);

	/* A new reconciler adopts it with one message, and holds it. */
	cr_assert_eq(ef_nl_open(&nl), 0);
	reconcile(nl, m, &rep);
	cr_assert_eq(rep.sent.objects, 1);
	cr_assert_eq(rep.sent.elems_added + rep.sent.rules_added, 0);
	cr_assert_neq(kt_run(FOREIGN_CHANGE), 0, "nft changed a taken-over table");
	ef_nl_close(nl);
	ef_model_free(m);
}

Test(lock, off_leaves_the_table_open)
{
	struct ef_model *m = locked_model(false), *l;
	struct ef_reconcile_report rep;
	struct ef_nl *nl;

	cr_assert_eq(m->table_flags, 0);
	cr_assert_eq(ef_nl_open(&nl), 0);
	reconcile(nl, m, &rep);
	cr_assert_eq(kt_run(FOREIGN_CHANGE), 0);
	l = live();
	cr_assert_eq(l->table_flags, 0);
	ef_model_free(l);
	ef_nl_close(nl);
	ef_model_free(m);
}

Test(lock, kernel_release_gate)
{
	cr_assert(ef_kernel_can_persist("6.9.0"));
	cr_assert(ef_kernel_can_persist("6.18.44-fc-v657"));
	cr_assert(ef_kernel_can_persist("7.0.1"));
	cr_assert_not(ef_kernel_can_persist("6.8.12-amd64"));
	cr_assert_not(ef_kernel_can_persist("5.15.0"));
	cr_assert_not(ef_kernel_can_persist("garbage"));
}

/* A table made without an owner (by edgefwctl) cannot be adopted by a
 * flag change: the reconciler replaces it whole, in one batch. */
Test(lock, unowned_table_is_replaced_to_take_it)
{
	struct ef_model *m = locked_model(true), *l;
	struct ef_reconcile_report rep;
	struct ef_nl *nl;
	uint32_t flags = m->table_flags;

	m->table_flags = 0;
	cr_assert_eq(ef_nl_open(&nl), 0);
	reconcile(nl, m, &rep);
	ef_nl_close(nl);
	m->table_flags = flags;
	cr_assert_eq(ef_nl_open(&nl), 0);
	reconcile(nl, m, &rep);
	cr_assert(rep.created);
	l = live();
	cr_assert(l->table_flags & EF_TABLE_F_OWNER);
	cr_assert(ef_model_equal(m, l));
	ef_model_free(l);
	cr_assert_neq(kt_run(FOREIGN_CHANGE), 0);
	ef_nl_close(nl);
	ef_model_free(m);
}
