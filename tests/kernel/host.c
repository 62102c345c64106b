// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_load's check_host against a real machine, in a namespace of its own:
 * a zone interface it lacks and (host mode) an address it lacks are
 * warnings naming the site's line; the model is built all the same.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "load.h"

#define POLICY "../../policies/edge-single-public.policy"
#define SITE "../../policies/examples/edge-single-public.site"

/* ef_load of the example with check_host; its diagnostics, formatted. */
static char *load(bool check_host)
{
	struct ef_load_opts opts = { .policy = POLICY, .site = SITE,
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

Test(host, example_site_on_a_machine_that_lacks_some_of_it)
{
	char *text;

	kt_private_netns(false);
	/* eth0 with the Access Edge's addresses, no eth1; the rest of the
	 * external addresses on lo. */
	cr_assert_eq(kt_run("ip link add eth0 type veth peer name peer0 && "
			    "ip addr add 198.51.100.10/24 dev eth0 && "
			    "ip addr add 2001:db8:100::10/64 dev eth0 nodad && "
			    "ip addr add 198.51.100.11/32 dev lo && "
			    "ip addr add 198.51.100.12/32 dev lo && "
			    "ip addr add 2001:db8:100::11/128 dev lo nodad && "
			    "ip addr add 2001:db8:100::12/128 dev lo nodad"), 0);
	text = load(true);
	cr_assert_str_eq(text,
		SITE ":14:17: warning: this machine has no interface 'eth1': the rows of zone 'internal' will not match on it until it appears\n"
		"zone internal = eth1\n"
		"                ^\n"
		SITE ":20:17: warning: this machine has no address 192.0.2.1: the rows of 'edge_internal' will not match it until it does\n"
		"edge_internal = 192.0.2.1, 2001:db8:200::1\n"
		"                ^\n"
		SITE ":20:28: warning: this machine has no address 2001:db8:200::1: the rows of 'edge_internal' will not match it until it does\n"
		"edge_internal = 192.0.2.1, 2001:db8:200::1\n"
		"                           ^\n");
	free(text);
	/* check and compile may run elsewhere: they do not look. */
	text = load(false);
	cr_assert_str_eq(text, "");
	free(text);

	/* The machine the site describes: nothing to say. */
	cr_assert_eq(kt_run("ip link add eth1 type veth peer name peer1 && "
			    "ip addr add 192.0.2.1/24 dev eth1 && "
			    "ip addr add 2001:db8:200::1/64 dev eth1 nodad"), 0);
	text = load(true);
	cr_assert_str_eq(text, "");
	free(text);
}
