// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The site against a machine (host.c), on a machine made up here: zone
 * interfaces and host-mode addresses it lacks are warned of, where the
 * site names them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "host.h"
#include "util.h"

#define POL "policy t \"T\"\naddress web db\ngroup peers\nzone ext {\n" \
	    "\ttcp 443 peers web \"in\"\n\ttcp 5432 any db \"db\"\n}\n"

/* The machine of these tests: lo, eth0, eth1 and these addresses. */
static const struct ef_host *machine(void)
{
	static const char *const text[] = { "127.0.0.1", "192.0.2.1",
					    "198.51.100.5", "2001:db8::1" };
	static char ifnames[][EF_IFNAME_LEN] = { "lo", "eth0", "eth1" };
	static struct ef_prefix addrs[ARRAY_SIZE(text)];
	static struct ef_host h = { .ifnames = ifnames,
				    .nifnames = ARRAY_SIZE(ifnames),
				    .addrs = addrs, .naddrs = ARRAY_SIZE(addrs) };
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(text); i++)
		cr_assert_eq(ef_prefix_parse(text[i], &addrs[i], &why), 0);
	return &h;
}

/*
 * Parses POL and `site` (written as @DIR/s.site, and `file` as
 * @DIR/FILE_NAME if given) and checks them against machine(): the
 * diagnostics, formatted, must be `want`, warnings only.
 */
static void expect(const char *site, const char *file_name, const char *file,
		   const char *want)
{
	struct ef_diags d = { 0 };
	struct ef_policy *pol;
	struct ef_site *s;
	struct tdir t;
	char *ppath, *spath, *fpath = NULL, *all, *want_here;

	tdir_init(&t);
	ppath = tdir_write(&t, "p.policy", POL, 0644);
	spath = tdir_write(&t, "s.site", site, 0644);
	if (file)
		fpath = tdir_write(&t, file_name, file, 0644);
	pol = ef_policy_parse(ppath, &d);
	s = ef_site_parse(spath, &d);
	cr_assert_eq(d.n, 0, "the inputs must parse cleanly");
	ef_host_check(pol, s, machine(), &d);
	cr_assert_eq(d.errors, 0, "only warnings");
	all = ef_diags_format(&d);
	want_here = subst_dir(want, t.path);
	cr_assert_str_eq(all, want_here);
	free(want_here);
	free(all);
	ef_policy_free(pol);
	ef_site_free(s);
	ef_diags_free(&d);
	free(ppath);
	free(spath);
	free(fpath);
	tdir_fini(&t);
}

Test(host, everything_there_says_nothing)
{
	expect("zone ext = eth0, eth1\n"
	       "web = 192.0.2.1, 2001:db8::1, 198.51.100.0/28\n"
	       "db = none\npeers = 203.0.113.0/24\nmanagement = none\n",
	       NULL, NULL, "");
}

/* A misspelt interface compiles to rows that silently never match. */
Test(host, missing_zone_interface)
{
	expect("zone ext = eth0, eht1\n"
	       "zone unused = eth9\n"	/* not the policy's */
	       "web = 192.0.2.1\ndb = 192.0.2.1\n"
	       "peers = any\nmanagement = none\n", NULL, NULL,
	       "@DIR/s.site:1:18: warning: this machine has no interface 'eht1': the rows of zone 'ext' will not match on it until it appears\n"
	       "zone ext = eth0, eht1\n"
	       "                 ^\n");
}

Test(host, missing_addresses_in_host_mode)
{
	expect("zone ext = eth0\n"
	       "web = 192.0.2.1, 192.0.2.2, 2001:db8::2\n"
	       "db = 198.51.100.16/28, 198.51.100.0/29\n"
	       "peers = 203.0.113.7\nmanagement = none\n", NULL, NULL,
	       "@DIR/s.site:2:18: warning: this machine has no address 192.0.2.2: the rows of 'web' will not match it until it does\n"
	       "web = 192.0.2.1, 192.0.2.2, 2001:db8::2\n"
	       "                 ^\n"
	       "@DIR/s.site:2:29: warning: this machine has no address 2001:db8::2: the rows of 'web' will not match it until it does\n"
	       "web = 192.0.2.1, 192.0.2.2, 2001:db8::2\n"
	       "                            ^\n"
	       "@DIR/s.site:3:6: warning: this machine has no address in 198.51.100.16/28: the rows of 'db' will not match it until it does\n"
	       "db = 198.51.100.16/28, 198.51.100.0/29\n"
	       "     ^\n");
}

/* A gateway's address roles are other machines': only its interfaces
 * are its own. */
Test(host, gateway_checks_interfaces_only)
{
	expect("mode = gateway\nzone ext = eth7\n"
	       "web = 192.0.2.99\ndb = 192.0.2.98\n"
	       "peers = any\nmanagement = none\n", NULL, NULL,
	       "@DIR/s.site:2:12: warning: this machine has no interface 'eth7': the rows of zone 'ext' will not match on it until it appears\n"
	       "zone ext = eth7\n"
	       "           ^\n");
}

/* An address read from a file is warned of in that file. */
Test(host, address_from_a_file)
{
	expect("zone ext = eth0\nweb = file \"web.txt\"\ndb = none\n"
	       "peers = any\nmanagement = none\n",
	       "web.txt", "192.0.2.1\n  192.0.2.77\n",
	       "@DIR/web.txt:2:3: warning: this machine has no address 192.0.2.77: the rows of 'web' will not match it until it does\n"
	       "  192.0.2.77\n"
	       "  ^\n");
}

/* This machine as getifaddrs sees it: at least lo, with no duplicate. */
Test(host, read_this_machine)
{
	struct ef_host h;

	cr_assert_eq(ef_host_read(&h), 0);
	cr_assert_gt(h.nifnames, 0);
	for (size_t i = 0; i < h.nifnames; i++)
		for (size_t k = i + 1; k < h.nifnames; k++)
			cr_assert_str_neq(h.ifnames[i], h.ifnames[k]);
	ef_host_free(&h);
	cr_assert_null(h.ifnames);
}
