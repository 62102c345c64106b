// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_load's check_host against a real machine, in a namespace of its own:
 * a zone interface it lacks and (host mode) an address it lacks are
 * warnings naming the site's line; the model is built all the same.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "load.h"
#include "util.h"

#define POLICY "../../policies/edge-single-public.policy"

/* The example's bindings, on lines that this test knows. */
static const char site_text[] =
	"zone external = eth0\n"
	"zone internal = eth1\n"
	"access_edge   = 198.51.100.10, 2001:db8:100::10\n"
	"webconf_edge  = 198.51.100.11, 2001:db8:100::11\n"
	"av_edge       = 198.51.100.12, 2001:db8:100::12\n"
	"edge_internal = 192.0.2.1, 2001:db8:200::1\n"
	"front_end = 192.0.2.10\ndirector = 192.0.2.10\n"
	"pic_partners = any\nremote_clients = any\nmsn_clients = any\n"
	"management = 203.0.113.0/24\n";

/* ef_load of POLICY with the site at `site`; its diagnostics, formatted. */
static char *load(const char *site, bool check_host)
{
	struct ef_load_opts opts = { .policy = POLICY, .site = site,
				     .transient = true,
				     .check_host = check_host };
	struct ef_diags d = { 0 };
	struct ef_loaded l;
	char *text;

	cr_assert_eq(ef_load(&opts, &d, &l), 0);
	cr_assert_not_null(l.model);
	cr_assert_eq(d.errors, 0);
	text = ef_diags_format(&d);
	ef_loaded_free(&l);
	ef_diags_free(&d);
	return text;
}

/* Asserts what ef_load says of `site`, "@" standing for its path. */
static void expect(const char *site, bool check_host, const char *want)
{
	struct ef_strbuf sb = { 0 };
	char *text = load(site, check_host), *want_here;

	for (const char *p = want; *p; p++) {
		if (*p == '@')
			ef_sb_printf(&sb, "%s", site);
		else
			ef_sb_putc(&sb, *p);
	}
	want_here = ef_sb_steal(&sb);
	cr_assert_str_eq(text, want_here);
	free(want_here);
	free(text);
}

Test(host, example_site_on_a_machine_that_lacks_some_of_it)
{
	char dir[] = "/tmp/edgefw-kernel-XXXXXX", site[64], rm[96];
	FILE *f;

	kt_private_netns(false);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(site, sizeof(site), "%s/s.site", dir);
	f = fopen(site, "w");
	cr_assert_not_null(f);
	cr_assert_geq(fputs(site_text, f), 0);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(site, 0644), 0);

	/* eth0 with the Access Edge's addresses, no eth1; the rest of the
	 * external addresses on lo. */
	cr_assert_eq(kt_run("ip link add eth0 type veth peer name peer0 && "
			    "ip addr add 198.51.100.10/24 dev eth0 && "
			    "ip addr add 2001:db8:100::10/64 dev eth0 nodad && "
			    "ip addr add 198.51.100.11/32 dev lo && "
			    "ip addr add 198.51.100.12/32 dev lo && "
			    "ip addr add 2001:db8:100::11/128 dev lo nodad && "
			    "ip addr add 2001:db8:100::12/128 dev lo nodad"), 0);
	expect(site, true,
	       "@:2:17: warning: this machine has no interface 'eth1': the rows of zone 'internal' will not match on it until it appears\n"
	       "zone internal = eth1\n"
	       "                ^\n"
	       "@:6:17: warning: this machine has no address 192.0.2.1: the rows of 'edge_internal' will not match it until it does\n"
	       "edge_internal = 192.0.2.1, 2001:db8:200::1\n"
	       "                ^\n"
	       "@:6:28: warning: this machine has no address 2001:db8:200::1: the rows of 'edge_internal' will not match it until it does\n"
	       "edge_internal = 192.0.2.1, 2001:db8:200::1\n"
	       "                           ^\n");
	/* check and compile may run elsewhere: they do not look. */
	expect(site, false, "");

	/* The machine the site describes: nothing to say. */
	cr_assert_eq(kt_run("ip link add eth1 type veth peer name peer1 && "
			    "ip addr add 192.0.2.1/24 dev eth1 && "
			    "ip addr add 2001:db8:200::1/64 dev eth1 nodad"), 0);
	expect(site, true, "");
	snprintf(rm, sizeof(rm), "rm -r %s", dir);
	cr_assert_eq(kt_run(rm), 0);
}
