// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the drop log can be read, as /proc/sys/net/netfilter shows it:
 * here a directory of the test's own, holding nf_log_all_netns as the
 * initial network namespace's does, or not as any other's.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "drop_log.h"
#include "helpers.h"

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

Test(drop_log, initial_namespace_logs_to_the_kernel_log)
{
	struct tdir t;
	char *f;

	tdir_init(&t);
	f = tdir_write(&t, "nf_log_all_netns", "0\n", 0644);
	cr_assert(starts(ef_drop_log_where(t.path, true), "kernel log"),
		  "%s", ef_drop_log_where(t.path, true));
	free(f);
	tdir_fini(&t);
}

Test(drop_log, another_namespace_is_not_visible_unless_the_setting_says)
{
	struct tdir t;
	const char *w;
	char *f;

	tdir_init(&t);
	f = tdir_write(&t, "nf_conntrack_max", "262144\n", 0644);
	w = ef_drop_log_where(t.path, true);
	cr_assert(starts(w, "not visible unless net.netfilter.nf_log_all_netns is 1 "), "%s", w);
	cr_assert_not_null(strstr(w, "edgefwd runs in another network namespace"), "%s", w);
	free(f);
	tdir_fini(&t);
}

Test(drop_log, off_or_unknown)
{
	struct tdir t;

	tdir_init(&t);
	cr_assert(starts(ef_drop_log_where(t.path, false), "off: "));
	cr_assert(starts(ef_drop_log_where("/nonexistent/netfilter", false), "off: "));
	cr_assert(starts(ef_drop_log_where("/nonexistent/netfilter", true), "unknown: "));
	tdir_fini(&t);
}

/* Where these tests run: one answer or the other, never unknown. */
Test(drop_log, this_machine)
{
	const char *w = ef_drop_log_where(EF_PROC_NETFILTER, true);

	cr_assert(starts(w, "kernel log") || starts(w, "not visible"), "%s", w);
}
