// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Malformed policies, sites and group files: each must be reported at the
 * exact file:line:col with the exact message, and stop the run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compile.h"
#include "helpers.h"
#include "policy.h"
#include "util.h"

struct file {
	const char *name;
	const char *text;
	mode_t mode;
};

enum kind { POLICY, SITE };

/*
 * Writes `files` into a fresh directory, parses the first one as a policy
 * or a site, and checks the first diagnostic is an error in the file named
 * `where` (a name in that directory) at line:col saying `msg`; "@DIR" in
 * `msg` stands for the directory. Returns the number of errors.
 */
static size_t expect_error_in(enum kind kind, const struct file *files,
			      size_t n, const char *where, unsigned int line,
			      unsigned int col, const char *msg)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *paths[4], *want_file = NULL, *want_msg;
	size_t errors;

	cr_assert_leq(n, 4);
	tdir_init(&t);
	for (size_t i = 0; i < n; i++)
		paths[i] = tdir_write(&t, files[i].name, files[i].text,
				      files[i].mode ? files[i].mode : 0644);
	if (kind == POLICY)
		ef_policy_free(ef_policy_parse(paths[0], &d));
	else
		ef_site_free(ef_site_parse(paths[0], &d));
	cr_assert_neq(asprintf(&want_file, "%s/%s", t.path, where), -1);
	want_msg = subst_dir(msg, t.path);
	assert_first_error(&d, want_file, line, col, want_msg);
	errors = d.errors;
	free(want_file);
	free(want_msg);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	ef_diags_free(&d);
	tdir_fini(&t);
	return errors;
}

static void policy_error(const char *text, unsigned int line,
			 unsigned int col, const char *msg)
{
	const struct file f = { "p.policy", text, 0644 };

	expect_error_in(POLICY, &f, 1, "p.policy", line, col, msg);
}

/* `text` as a policy: its diagnostics, formatted, are `want` (in which
 * "@DIR" stands for the directory the policy is in). */
static void policy_formats(const char *text, const char *want)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path, *all, *want_here;

	tdir_init(&t);
	path = tdir_write(&t, "p.policy", text, 0644);
	ef_policy_free(ef_policy_parse(path, &d));
	all = ef_diags_format(&d);
	want_here = subst_dir(want, t.path);
	cr_assert_str_eq(all, want_here);
	free(want_here);
	free(all);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

static void site_error(const char *text, unsigned int line, unsigned int col,
		       const char *msg)
{
	const struct file f = { "s.site", text, 0644 };

	expect_error_in(SITE, &f, 1, "s.site", line, col, msg);
}

/* Policy and site parse cleanly; ef_compile must fail with `ret`. */
static void compile_error(const char *policy, const char *site, int ret,
			  const char *where, unsigned int line,
			  unsigned int col, const char *msg)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = (struct ef_model *)&d;	/* must be left alone */
	struct ef_policy *pol;
	struct ef_site *s;
	struct tdir t;
	char *ppath, *spath, *want_file = NULL, *want_msg;

	tdir_init(&t);
	ppath = tdir_write(&t, "p.policy", policy, 0644);
	spath = tdir_write(&t, "s.site", site, 0644);
	pol = ef_policy_parse(ppath, &d);
	s = ef_site_parse(spath, &d);
	cr_assert_eq(d.n, 0, "the inputs must parse cleanly");
	cr_assert_eq(ef_compile(pol, s, NULL, &d, &m), ret);
	cr_assert_eq(m, (struct ef_model *)&d, "a model on failure");
	cr_assert_neq(asprintf(&want_file, "%s/%s", t.path, where), -1);
	want_msg = subst_dir(msg, t.path);
	assert_first_error(&d, want_file, line, col, want_msg);
	free(want_msg);
	free(want_file);
	free(ppath);
	free(spath);
	ef_policy_free(pol);
	ef_site_free(s);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* Lines 1-4 of most policies below; a row goes on line 5. */
#define HEAD "policy t \"T\"\naddress web db\ngroup peers\nzone z {\n"
#define ROW(r) HEAD r "\n}\n"
#define NAME_RULE "names are [a-z][a-z0-9_-]*, at most 31 bytes"

/* --- policy statements */

Test(errors, unknown_statement)
{
	policy_error("policy t \"T\"\nfrobnicate x\n", 2, 1,
		     "unknown statement 'frobnicate': expected policy, address, group, feature, zone, no-nat or include");
}

Test(errors, statement_is_not_a_word)
{
	policy_error("policy t \"T\"\n\"address\" web\n", 2, 1,
		     "expected a statement (policy, address, group, feature, zone, no-nat or include), got a string");
}

Test(errors, missing_policy_statement)
{
	policy_error("address web\nzone z {\n\ttcp 80 any web \"n\"\n}\n", 1,
		     1, "missing 'policy NAME \"title\"' statement");
}

Test(errors, bad_policy_name)
{
	policy_error("policy Bad-Name \"T\"\n", 1, 8,
		     "invalid policy name 'Bad-Name': " NAME_RULE);
}

Test(errors, role_name_too_long)
{
	policy_error("policy t \"T\"\naddress abcdefghijklmnopqrstuvwxyz012345\n",
		     2, 9,
		     "invalid role name 'abcdefghijklmnopqrstuvwxyz012345': " NAME_RULE);
}

Test(errors, bad_zone_name)
{
	policy_error("policy t \"T\"\nzone 9lives {\n}\n", 2, 6,
		     "invalid zone name '9lives': " NAME_RULE);
}

Test(errors, any_is_not_a_role)
{
	policy_error("policy t \"T\"\ngroup peers any\n", 2, 13,
		     "'any' is a keyword, not a role name");
}

Test(errors, role_declared_twice)
{
	policy_error("policy t \"T\"\naddress web\ngroup peers web\n", 3, 13,
		     "role 'web' already declared at @DIR/p.policy:2");
}

Test(errors, no_roles)
{
	policy_error("policy t \"T\"\naddress\n", 2, 8,
		     "expected at least one role name");
}

Test(errors, missing_title)
{
	policy_error("policy t\n", 1, 9,
		     "expected the policy's title in double quotes, got end of line");
}

Test(errors, second_policy_statement)
{
	policy_error("policy t \"T\"\npolicy u \"U\"\n", 2, 1,
		     "a second 'policy' statement");
}

Test(errors, policy_statement_in_an_include)
{
	const struct file f[] = {
		{ "p.policy", "policy t \"T\"\ninclude \"i.policy\"\n", 0 },
		{ "i.policy", "# included\npolicy u \"U\"\n", 0 },
	};

	expect_error_in(POLICY, f, 2, "i.policy", 2, 1,
			"'policy' belongs in the top file, not in an included one");
}

/* The doc: `policy` is the first statement of the top file. */
/* The language asks for one 'policy' in the top file, anywhere in it. */
Test(errors, policy_statement_anywhere_in_top_file)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "p.policy",
			  "address web\npolicy t \"T\"\nzone z {\n\ttcp 80 any web \"n\"\n}\n",
			  0644);
	ef_policy_free(ef_policy_parse(path, &d));
	cr_assert_eq(d.errors, 0, "a 'policy' statement after another one is refused");
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* --- rows */

Test(errors, unknown_protocol)
{
	policy_error(ROW("\ticmp 80 any web \"n\""), 5, 2,
		     "unknown protocol 'icmp': expected tcp, udp or tcp,udp");
}

Test(errors, protocol_missing)
{
	policy_error(ROW("\t\"n\""), 5, 2,
		     "expected a protocol (tcp, udp or tcp,udp), got a string");
}

Test(errors, port_zero)
{
	policy_error(ROW("\ttcp 0 any web \"n\""), 5, 6,
		     "port out of range in '0': ports are 1 to 65535");
}

Test(errors, port_65536)
{
	policy_error(ROW("\ttcp 65536 any web \"n\""), 5, 6,
		     "port out of range in '65536': ports are 1 to 65535");
}

Test(errors, range_end_65536)
{
	policy_error(ROW("\tudp 1-65536 any web \"n\""), 5, 6,
		     "port out of range in '1-65536': ports are 1 to 65535");
}

Test(errors, huge_port)
{
	policy_error(ROW("\tudp 99999999999999999999 any web \"n\""), 5, 6,
		     "port out of range in '99999999999999999999': ports are 1 to 65535");
}

Test(errors, reversed_range)
{
	policy_error(ROW("\ttcp 90-80 any web \"n\""), 5, 6,
		     "empty port range '90-80': the first port is above the last");
}

Test(errors, bad_port_text)
{
	policy_error(ROW("\ttcp 8o any web \"n\""), 5, 6,
		     "invalid port '8o': expected a port or a range like 50000-59999");
	policy_error(ROW("\ttcp 80- any web \"n\""), 5, 6,
		     "invalid port '80-': expected a port or a range like 50000-59999");
	policy_error(ROW("\ttcp -80 any web \"n\""), 5, 6,
		     "invalid port '-80': expected a port or a range like 50000-59999");
}

Test(errors, port_missing)
{
	policy_error(ROW("\ttcp \"n\""), 5, 6,
		     "expected a port or a range like 50000-59999");
}

Test(errors, missing_note)
{
	policy_error(ROW("\ttcp 80 any web"), 5, 16,
		     "expected the row's note in double quotes, got end of line");
}

Test(errors, unterminated_string)
{
	policy_error(ROW("\ttcp 80 any web \"note"), 5, 17,
		     "unterminated string: a closing '\"' is missing on this line");
}

Test(errors, junk_after_the_note)
{
	policy_error(ROW("\ttcp 80 any web \"n\" extra"), 5, 21,
		     "expected end of line, got 'extra'");
}

Test(errors, row_end_not_a_name)
{
	policy_error(ROW("\ttcp 80 \"any\" web \"n\""), 5, 9,
		     "expected source ('any' or a role), got a string");
}

Test(errors, unknown_role)
{
	policy_error(ROW("\ttcp 80 any webb \"n\""), 5, 13,
		     "unknown role 'webb': declare it with 'address' or 'group'");
}

Test(errors, row_with_no_local_end)
{
	policy_error(ROW("\ttcp 80 any peers \"n\""), 5, 2,
		     "no local end: the source or the destination must be an address role");
	policy_error(ROW("\ttcp 80 any any \"n\""), 5, 2,
		     "no local end: the source or the destination must be an address role");
}

Test(errors, row_with_both_ends_local)
{
	policy_error(ROW("\ttcp 80 web db \"n\""), 5, 2,
		     "both ends are address roles: one end must be a peer ('any' or a group)");
}

Test(errors, no_nat_of_an_unknown_role_or_a_group)
{
	policy_error(HEAD "\ttcp 80 any web \"n\"\n}\nno-nat web dbx \"no\"\n",
		     7, 12, "unknown role 'dbx': declare it with 'address'");
	policy_error(HEAD "\ttcp 80 any web \"n\"\n}\nno-nat peers \"no\"\n",
		     7, 8,
		     "'peers' is a group of peers: only an address role is translated");
}

Test(errors, no_nat_without_roles_or_reason)
{
	policy_error(HEAD "\ttcp 80 any web \"n\"\n}\nno-nat \"no\"\n", 7, 8,
		     "expected at least one role name");
	policy_error(HEAD "\ttcp 80 any web \"n\"\n}\nno-nat web\n", 7, 11,
		     "expected why in double quotes (the scenario's words), got end of line");
}

Test(errors, zone_not_closed)
{
	policy_error(HEAD "\ttcp 80 any web \"n\"\n", 4, 1,
		     "zone 'z' is not closed: '}' missing");
}

Test(errors, zone_without_brace)
{
	policy_error("policy t \"T\"\nzone z\n", 2, 7,
		     "expected '{' after the zone name, got end of line");
}

/* --- includes */

/* top9 -> d1 -> ... -> d9: d9 is 9 includes deep, refused at its include. */
Test(errors, include_depth_over_8)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("data/depth/top9.policy", &d);

	assert_first_error(&d, "data/depth/d8.policy", 2, 9,
			   "includes nested deeper than 8");
	cr_assert_eq(d.errors, 1);
	ef_policy_free(p);
	ef_diags_free(&d);
}

Test(errors, include_cycle)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("data/cycle-a.policy", &d);

	assert_first_error(&d, "data/cycle-b.policy", 2, 9,
			   "include cycle: 'data/cycle-a.policy' includes itself");
	cr_assert_eq(d.errors, 1);
	ef_policy_free(p);
	ef_diags_free(&d);
}

Test(errors, include_self)
{
	policy_error("policy t \"T\"\ninclude \"p.policy\"\n", 2, 9,
		     "include cycle: '@DIR/p.policy' includes itself");
}

Test(errors, include_missing_file)
{
	policy_error("policy t \"T\"\ninclude \"nope.policy\"\n", 2, 9,
		     "'@DIR/nope.policy': No such file or directory");
}

Test(errors, include_without_a_string)
{
	policy_error("policy t \"T\"\ninclude nope.policy\n", 2, 9,
		     "expected a file name in double quotes");
	policy_error("policy t \"T\"\ninclude \"\"\n", 2, 9,
		     "expected a file name in double quotes");
}

Test(errors, include_of_a_world_writable_file)
{
	const struct file f[] = {
		{ "p.policy", "policy t \"T\"\ninclude \"i.policy\"\n", 0 },
		{ "i.policy", "address web\n", 0646 },
	};

	expect_error_in(POLICY, f, 2, "p.policy", 2, 9,
			"'@DIR/i.policy': writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)");
}

/* --- site files */

Test(errors, host_bits_set_in_cidr)
{
	site_error("peers = 192.0.2.1/24\nmanagement = none\n", 1, 9,
		   "'192.0.2.1/24': host bits set under the prefix length (write the network address)");
}

Test(errors, prefix_length_too_long)
{
	site_error("peers = 192.0.2.0/33\nmanagement = none\n", 1, 9,
		   "'192.0.2.0/33': prefix length above 32");
	site_error("peers = 192.0.2.1, 2001:db8::/129\nmanagement = none\n", 1,
		   20, "'2001:db8::/129': prefix length above 128");
}

Test(errors, v4_mapped_address)
{
	site_error("management = none\npeers = 192.0.2.1, ::ffff:192.0.2.10\n",
		   2, 20,
		   "'::ffff:192.0.2.10': an IPv4-mapped IPv6 address: write the IPv4 address");
	site_error("web = ::ffff:198.51.100.10\nmanagement = none\n", 1, 7,
		   "'::ffff:198.51.100.10': an IPv4-mapped IPv6 address: write the IPv4 address");
	site_error("management = ::ffff:203.0.113.0/120\n", 1, 14,
		   "'::ffff:203.0.113.0/120': an IPv4-mapped IPv6 address: write the IPv4 address");
}

Test(errors, prefix_length_leading_zero)
{
	site_error("peers = 192.0.2.0/024\nmanagement = none\n", 1, 9,
		   "'192.0.2.0/024': prefix length with a leading zero (write 24, not 024)");
}

Test(errors, group_file_v4_mapped_and_leading_zero)
{
	const struct file f[] = {
		{ "s.site", "peers = file \"g.txt\"\nmanagement = none\n", 0 },
		{ "g.txt", "192.0.2.0/24\n  ::ffff:192.0.2.7\n10.0.0.0/08\n", 0 },
	};

	cr_assert_eq(expect_error_in(SITE, f, 2, "g.txt", 2, 3,
				     "'::ffff:192.0.2.7': an IPv4-mapped IPv6 address: write the IPv4 address"),
		     2);
}

Test(errors, bad_address)
{
	site_error("management = none\npeers = 192.0.2.256\n", 2, 9,
		   "'192.0.2.256': not an IPv4 or IPv6 address");
}

Test(errors, value_not_a_word)
{
	site_error("web = \"192.0.2.1\"\nmanagement = none\n", 1, 7,
		   "expected an address, CIDR, 'file \"PATH\"', 'iface NAME', got a string");
	site_error("web = 192.0.2.1,\nmanagement = none\n", 1, 17,
		   "expected an address, CIDR, 'file \"PATH\"', 'iface NAME', got end of line");
}

Test(errors, missing_equals)
{
	site_error("web 192.0.2.1\nmanagement = none\n", 1, 5,
		   "expected '=' after 'web', got '192.0.2.1'");
}

Test(errors, site_line_not_a_binding)
{
	site_error("management = none\n= 192.0.2.1\n", 2, 1,
		   "expected 'NAME = VALUE', got '='");
	site_error("abcdefghijklmnopqrstuvwxyz012345 = 192.0.2.1\nmanagement = none\n",
		   1, 1, "name longer than 31 bytes");
	site_error("management = none\nweb = 192.0.2.1 192.0.2.2\n", 2, 17,
		   "expected end of line, got '192.0.2.2'");
}

/*
 * `text` as a site: an error at line:col saying `msg`, then a note at the
 * first place, first_line:1, saying `note`; shown with its line and caret.
 */
static void site_twice(const char *text, unsigned int line, unsigned int col,
		       const char *msg, unsigned int first_line,
		       const char *note)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path, *all, *want = NULL;

	tdir_init(&t);
	path = tdir_write(&t, "s.site", text, 0644);
	ef_site_free(ef_site_parse(path, &d));
	assert_first_error(&d, path, line, col, msg);
	all = ef_diags_format(&d);
	cr_assert_eq(d.errors, 1, "%s", all);
	cr_assert_eq(d.n, 2, "%s", all);
	cr_assert(d.v[1].note, "%s", all);
	cr_assert_not(d.v[1].warning);
	assert_diag(&d, 1, path, first_line, 1, note);
	cr_assert_neq(asprintf(&want, "%s:%u:1: note: %s\n", path, first_line,
			       note), -1);
	cr_assert_not_null(strstr(all, want), "%s", all);
	free(want);
	free(all);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(errors, duplicate_binding)
{
	site_twice("web = 192.0.2.1\nmanagement = none\nweb = 192.0.2.2\n", 3, 1,
		   "'web' already bound at line 1", 1, "'web' first bound here");
	/* `any` and `none` are values like others: given once. */
	site_twice("peers = any\nmanagement = none\npeers = none\n", 3, 1,
		   "'peers' already bound at line 1", 1,
		   "'peers' first bound here");
}

Test(errors, duplicate_zone)
{
	site_twice("zone ext = eth0\nzone ext = eth1\nmanagement = none\n", 2, 6,
		   "zone 'ext' already bound at line 1", 1,
		   "zone 'ext' first bound here");
}

/* The last `output =` or `mode =` winning is how a line appended for a
 * test outlives it: every setting is given once. */
Test(errors, duplicate_settings)
{
	static const struct {
		const char *key, *first, *second;
	} twice[] = {
		{ "mode", "host", "gateway" },
		{ "output", "drop", "accept" },
		{ "lock", "off", "on" },
		{ "log", "off", "10/second" },
		{ "management-port", "22", "2222" },
		{ "interval", "30", "30" },
		{ "max-elements", "100", "1000000" },
		{ "management", "none", "192.0.2.0/24" },
		{ "policy", "edge-single-public", "reverse-proxy" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(twice); i++) {
		bool mgmt = !strcmp(twice[i].key, "management");
		char *text = NULL, *msg = NULL, *note = NULL;

		cr_assert_neq(asprintf(&text, "%s = %s\n\n# again\n%s = %s\n%s",
				       twice[i].key, twice[i].first,
				       twice[i].key, twice[i].second,
				       mgmt ? "" : "management = none\n"), -1);
		cr_assert_neq(asprintf(&msg, "'%s' already set at line 1",
				       twice[i].key), -1);
		cr_assert_neq(asprintf(&note, "'%s' first set here",
				       twice[i].key), -1);
		site_twice(text, 4, 1, msg, 1, note);
		free(text);
		free(msg);
		free(note);
	}
}

Test(errors, missing_management)
{
	site_error("# no management\nweb = 192.0.2.1\n", 1, 1,
		   "no 'management' network: set the network allowed to SSH in, or write 'management = none'");
}

/* --- `public`: one private IPv4 address to one public one */

Test(errors, public_of_an_ipv6_address)
{
	site_error("web = 192.0.2.1, 2001:db8::1 public 198.51.100.1\nmanagement = none\n",
		   1, 18,
		   "'2001:db8::1': IPv6 addresses are not translated: bind it without 'public'");
}

Test(errors, public_of_a_network)
{
	site_error("web = 192.0.2.64/30 public 198.51.100.20\nmanagement = none\n",
		   1, 7,
		   "'192.0.2.64/30' is a network: 'public' translates one address to one address");
}

Test(errors, public_address_not_one_ipv4_address)
{
	site_error("web = 192.0.2.1 public 2001:db8::5\nmanagement = none\n", 1,
		   24,
		   "'2001:db8::5': the public address of an IPv4 address is IPv4 (IPv6 is not translated)");
	site_error("web = 192.0.2.1 public 198.51.100.0/30\nmanagement = none\n",
		   1, 24,
		   "'198.51.100.0/30' is a network: give one public address per private address");
	site_error("web = 192.0.2.1 public\nmanagement = none\n", 1, 23,
		   "expected the public IPv4 address after 'public', got end of line");
	site_error("web = 192.0.2.1 public 198.51.100.256\nmanagement = none\n",
		   1, 24, "'198.51.100.256': not an IPv4 or IPv6 address");
}

Test(errors, public_only_after_an_address_of_a_role)
{
	site_error("web = iface eth0 public 198.51.100.20\nmanagement = none\n",
		   1, 18, "'public' follows one address, not 'iface' or 'file'");
	site_error("management = 203.0.113.0/24 public 198.51.100.1\n", 1, 29,
		   "'public' is for the addresses of a role, not for management");
}

/* The caret under the address that is mapped twice. */
Test(errors, two_private_addresses_on_one_public_one)
{
	site_error("management = none\n"
		   "web = 192.0.2.66 public 198.51.100.20\n"
		   "db = 192.0.2.67 public 198.51.100.20\n", 3, 24,
		   "198.51.100.20 is already the public address of 192.0.2.66 (line 2): translation is 1:1, one private address per public address");
}

Test(errors, one_private_address_on_two_public_ones)
{
	site_error("management = none\n"
		   "web = 192.0.2.66 public 198.51.100.20, 192.0.2.66 public 198.51.100.21\n",
		   2, 40,
		   "192.0.2.66 is already translated to 198.51.100.20 (line 2): translation is 1:1, one public address per private address");
}

Test(errors, one_public_address_for_two_roles)
{
	site_error("management = none\n"
		   "web = 192.0.2.66 public 198.51.100.20\n"
		   "db = 192.0.2.66 public 198.51.100.20\n", 3, 24,
		   "198.51.100.20 is already the public address of web (line 2): each Edge role needs a public address of its own");
}

Test(errors, iface_in_management)
{
	site_error("management = iface eth0\n", 1, 14,
		   "'iface' is not allowed here: give networks");
}

Test(errors, bad_mode_value)
{
	site_error("mode = router\nmanagement = none\n", 1, 8,
		   "mode must be 'host' or 'gateway'");
}

Test(errors, bad_output_value)
{
	site_error("output = reject\nmanagement = none\n", 1, 10,
		   "output must be 'drop' or 'accept'");
}

Test(errors, bad_log_rate)
{
	static const char *const bad[] = {
		"10/day", "0/second", "100001/second", "fast", "/second",
		"10/", "-1/second", "10/seconds", "1e3/second", "+5/second",
		"0x10/second",
	};
	const char *msg =
		"expected a log rate like 10/second (1..100000 per second, minute or hour) or 'off'";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "log = %s\nmanagement = none\n",
			 bad[i]);
		site_error(text, 1, 7, msg);
	}
}

Test(errors, management_port_zero)
{
	site_error("management-port = 0\nmanagement = none\n", 1, 19,
		   "port 0 is not a port");
}

Test(errors, management_port_out_of_range)
{
	site_error("management-port = 65536\nmanagement = none\n", 1, 19,
		   "number out of range: at most 65535");
	site_error("management-port = ssh\nmanagement = none\n", 1, 19,
		   "expected a number");
}

Test(errors, max_elements_out_of_range)
{
	site_error("max-elements = 100000001\nmanagement = none\n", 1, 16,
		   "number out of range: at most 100000000");
}

Test(errors, exception_max)
{
	static const char *const bad[] = {
		"1w", "1h30m", "-1h", "h", "1.5h", "1 h", "1H", "0x10",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text[128];

		snprintf(text, sizeof(text),
			 "exception-max = \"%s\"\nmanagement = none\n", bad[i]);
		/* Quoted, it is a string: no duration either. */
		site_error(text, 1, 17,
			   "expected a duration like 90s, 30m, 1h or 2d");
		snprintf(text, sizeof(text), "exception-max = %s\nmanagement = none\n",
			 bad[i]);
		if (!strchr(bad[i], ' '))
			site_error(text, 1, 17,
				   "expected a duration like 90s, 30m, 1h or 2d");
	}
	site_error("exception-max = 31d\nmanagement = none\n", 1, 17,
		   "duration out of range: 1s to 30d");
	site_error("exception-max = 0\nmanagement = none\n", 1, 17,
		   "duration out of range: 1s to 30d");
	site_error("exception-max = 2592001\nmanagement = none\n", 1, 17,
		   "duration out of range: 1s to 30d");
}

Test(errors, interface_names_too_long)
{
	site_error("zone ext = abcdefghijklmnop\nmanagement = none\n", 1, 12,
		   "expected an interface name (at most 15 bytes), got 'abcdefghijklmnop'");
	site_error("web = iface abcdefghijklmnop\nmanagement = none\n", 1, 13,
		   "expected an interface name (at most 15 bytes) after 'iface'");
}

/* --- group files */

Test(errors, group_file_with_a_bad_line)
{
	struct ef_diags d = { 0 };
	struct ef_site *s = ef_site_parse("data/site/bad-group.site", &d);

	/* The errors point into the group file, not at the site. */
	assert_first_error(&d, "data/site/groups/bad.txt", 3, 3,
			   "'198.51.100.300': not an IPv4 or IPv6 address");
	cr_assert_eq(d.errors, 2);
	cr_assert_str_eq(d.v[1].file, "data/site/groups/bad.txt");
	cr_assert_eq(d.v[1].line, 4);
	cr_assert_eq(d.v[1].col, 11);
	cr_assert_str_eq(d.v[1].msg, "one address or CIDR a line");
	ef_site_free(s);
	ef_diags_free(&d);
}

Test(errors, group_file_host_bits)
{
	const struct file f[] = {
		{ "s.site", "peers = file \"g.txt\"\nmanagement = none\n", 0 },
		{ "g.txt", "192.0.2.0/24\n\t 10.1.0.0/8  # comment\n", 0 },
	};

	expect_error_in(SITE, f, 2, "g.txt", 2, 3,
			"'10.1.0.0/8': host bits set under the prefix length (write the network address)");
}

/* An empty group says neither "no one" nor "everyone": `none` and `any`
 * are there to be said. */
Test(errors, group_file_empty)
{
	const struct file empty[] = {
		{ "s.site", "peers = file \"g.txt\"\nmanagement = none\n", 0 },
		{ "g.txt", "", 0 },
	};
	const struct file comments[] = {
		{ "s.site", "management = none\npeers = 192.0.2.1, file \"g.txt\"\n", 0 },
		{ "g.txt", "# nobody yet\n\n   \t# still nobody\n", 0 },
	};
	const struct file mgmt[] = {
		{ "s.site", "management = file \"m.txt\"\n", 0 },
		{ "m.txt", "# to be filled in\n", 0 },
	};

	expect_error_in(SITE, empty, 2, "s.site", 1, 14,
			"group file '@DIR/g.txt' holds no address: write 'none' (no peer) or 'any' (every peer) in the site if that is meant");
	expect_error_in(SITE, comments, 2, "s.site", 2, 25,
			"group file '@DIR/g.txt' holds no address: write 'none' (no peer) or 'any' (every peer) in the site if that is meant");
	expect_error_in(SITE, mgmt, 2, "s.site", 1, 19,
			"management file '@DIR/m.txt' holds no network: write 'management = none' if that is meant");
}

Test(errors, group_file_missing)
{
	site_error("management = none\npeers = file \"nope.txt\"\n", 2, 14,
		   "'@DIR/nope.txt': No such file or directory");
	site_error("management = none\npeers = file nope.txt\n", 2, 14,
		   "expected a file name in double quotes after 'file'");
}

Test(errors, group_file_world_writable)
{
	const struct file f[] = {
		{ "s.site", "peers = file \"g.txt\"\nmanagement = none\n", 0 },
		{ "g.txt", "192.0.2.0/24\n", 0666 },
	};

	expect_error_in(SITE, f, 2, "s.site", 1, 14,
			"'@DIR/g.txt': writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)");
}

/* --- text */

#define BAD_UTF8(byte) \
	"invalid UTF-8 (byte " #byte "): policy, site and group files are UTF-8 text"

/* A byte that is not UTF-8 in a note reached the kernel and came back as
 * JSON nobody could read: refused where it stands. */
Test(errors, invalid_utf8_in_a_note)
{
	policy_error(ROW("\ttcp 80 any web \"caf\xe9\""), 5, 21,
		     BAD_UTF8(0xe9));
}

Test(errors, invalid_utf8_in_names)
{
	policy_error("policy t \"T\"\naddress w\xff" "b\n", 2, 10,
		     BAD_UTF8(0xff));
	site_error("management = none\nzone ext = eth\xc0\n", 2, 15,
		   BAD_UTF8(0xc0));
	/* In a comment too: the file is text or it is not. */
	site_error("# caf\xe9\nmanagement = none\n", 1, 6,
		   BAD_UTF8(0xe9));
}

/* A byte order mark would make "mode" another word: refused. */
Test(errors, byte_order_mark)
{
	site_error("\xef\xbb\xbfmode = gateway\nmanagement = none\n", 1, 1,
		   "a byte order mark (U+FEFF) starts the file: save it as UTF-8 without one");
}

Test(errors, invalid_utf8_in_a_group_file)
{
	const struct file f[] = {
		{ "s.site", "peers = file \"g.txt\"\nmanagement = none\n", 0 },
		{ "g.txt", "192.0.2.1  # caf\xe9\n", 0 },
	};

	expect_error_in(SITE, f, 2, "g.txt", 1, 17, BAD_UTF8(0xe9));
}

Test(errors, invalid_utf8_sequences)
{
	static const struct {
		const char *bytes;
		unsigned int byte;
	} bad[] = {
		{ "\xc0\xaf", 0xc0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0xe0 },	/* overlong, three bytes */
		{ "\xed\xa0\x80", 0xed },	/* a UTF-16 surrogate */
		{ "\xf4\x90\x80\x80", 0xf4 },	/* above U+10FFFF */
		{ "\xf5\x80\x80\x80", 0xf5 },
		{ "\xe2\x82", 0xe2 },		/* cut short */
		{ "\x80", 0x80 },		/* a lone continuation */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text[128], msg[128];

		snprintf(text, sizeof(text), "policy t \"T %s\"\n", bad[i].bytes);
		snprintf(msg, sizeof(msg),
			 "invalid UTF-8 (byte 0x%02x): policy, site and group files are UTF-8 text",
			 bad[i].byte);
		policy_error(text, 1, 13, msg);
	}
}

Test(errors, valid_utf8_is_text)
{
	struct ef_diags d = { 0 };
	struct ef_policy *p;
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "p.policy",
			  ROW("\ttcp 80 any web \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\t\""),
			  0644);
	p = ef_policy_parse(path, &d);
	cr_assert_eq(d.n, 0);
	cr_assert_str_eq(p->rows[0].note, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\t");
	ef_policy_free(p);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* Every line with a bad byte is reported, and the rest of the file too. */
Test(errors, invalid_utf8_every_line_reported)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "p.policy",
			  ROW("\ttcp 80 any web \"\xff\xff\"\n\ttcp 0 any web \"\xfe\""),
			  0644);
	ef_policy_free(ef_policy_parse(path, &d));
	cr_assert_eq(d.errors, 3);
	assert_diag(&d, 0, path, 5, 18, BAD_UTF8(0xff));
	assert_diag(&d, 1, path, 6, 17, BAD_UTF8(0xfe));
	assert_diag(&d, 2, path, 6, 6,
		    "port out of range in '0': ports are 1 to 65535");
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(errors, control_character_in_a_string)
{
	const struct file f = { "p.policy", ROW("\ttcp 80 any web \"bell\x07\""),
				0644 };

	/* Said once: the string is still a string. */
	cr_assert_eq(expect_error_in(POLICY, &f, 1, "p.policy", 5, 22,
				     "control character U+0007 in a string"), 1);
	policy_error(ROW("\ttcp 80 any web \"\x1b[2Jclear\""), 5, 18,
		     "control character U+001B in a string");
	policy_error("policy t \"T\x7f\"\n", 1, 12,
		     "control character U+007F in a string");
	/* C1: U+009B is the terminal's CSI. */
	policy_error(ROW("\ttcp 80 any web \"a\xc2\x9b" "2J\""), 5, 19,
		     "control character U+009B in a string");
}

/* A NUL byte ends the text: reported where it is. */
Test(errors, nul_byte_has_a_place)
{
	static const char policy[] = "policy t \"T\"\naddress web\n\tzone\0z {\n";
	static const char group[] = "192.0.2.1\n192.0.2.2\0\n";
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path, *gpath, *spath;

	tdir_init(&t);
	path = tdir_write_bytes(&t, "p.policy", policy, sizeof(policy) - 1,
				0644);
	ef_policy_free(ef_policy_parse(path, &d));
	assert_first_error(&d, path, 3, 6, "a NUL byte: not a text file");
	cr_assert_eq(d.errors, 1);
	ef_diags_free(&d);

	gpath = tdir_write_bytes(&t, "g.txt", group, sizeof(group) - 1, 0644);
	spath = tdir_write(&t, "s.site", "peers = file \"g.txt\"\nmanagement = none\n",
			   0644);
	ef_site_free(ef_site_parse(spath, &d));
	assert_first_error(&d, gpath, 2, 10, "a NUL byte: not a text file");
	free(spath);
	free(gpath);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* A diagnostic never hands a terminal a control character or a byte
 * that is not UTF-8: the line shown has '?' for them, caret in place. */
Test(errors, shown_line_is_printable)
{
	policy_formats(ROW("\ttcp 80 any web \"\x1b[2J\xc2\x9b\xff\" x"),
		       "@DIR/p.policy:5:24: " BAD_UTF8(0xff) "\n"
		       "\ttcp 80 any web \"?[2J???\" x\n"
		       "\t                      ^\n"
		       "@DIR/p.policy:5:18: control character U+001B in a string\n"
		       "\ttcp 80 any web \"?[2J???\" x\n"
		       "\t                ^\n"
		       "@DIR/p.policy:5:27: expected end of line, got 'x'\n"
		       "\ttcp 80 any web \"?[2J???\" x\n"
		       "\t                         ^\n");
}

/* The caret stands under the column however many bytes the characters
 * before it take. */
Test(errors, caret_under_utf8_text)
{
	policy_formats(ROW("\ttcp 80 any web \"caf\xc3\xa9\" extra"),
		       "@DIR/p.policy:5:25: expected end of line, got 'extra'\n"
		       "\ttcp 80 any web \"caf\xc3\xa9\" extra\n"
		       "\t                      ^\n");
}

/* --- files refused whole */

Test(errors, world_writable_file_refused)
{
	struct ef_diags d = { 0 };
	struct ef_site *s;
	struct tdir t;
	char *path, *text, *want = NULL;
	char *buf = NULL;
	size_t len;

	tdir_init(&t);
	path = tdir_write(&t, "s.site", "management = none\n", 0666);
	cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &buf, &len, NULL), -EPERM);
	cr_assert_null(buf);
	s = ef_site_parse(path, &d);
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].file, path);
	cr_assert_eq(d.v[0].line, 0);
	cr_assert_str_eq(d.v[0].msg,
			 "writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)");
	text = ef_diags_format(&d);
	cr_assert_neq(asprintf(&want, "%s: writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)\n",
			       path), -1);
	cr_assert_str_eq(text, want);
	free(want);
	free(text);
	ef_site_free(s);
	ef_diags_free(&d);

	/* Group-writable for a group other than root's is as bad; a policy
	 * likewise. */
	free(path);
	path = tdir_write(&t, "p.policy", "policy t \"T\"\n", 0620);
	if (geteuid() == 0)
		cr_assert_eq(chown(path, 0, 1), 0);
	ef_policy_free(ef_policy_parse(path, &d));
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].msg,
			 "writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)");
	ef_diags_free(&d);
	free(path);
	tdir_fini(&t);
}

Test(errors, file_over_the_size_limit)
{
	struct ef_diags d = { 0 };
	struct ef_site *s;
	struct tdir t;
	char *path = NULL, *buf = NULL;
	size_t len;
	int fd;

	tdir_init(&t);
	cr_assert_neq(asprintf(&path, "%s/big.site", t.path), -1);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	/* Sparse: costs no disk. */
	cr_assert_eq(ftruncate(fd, 17 << 20), 0);
	close(fd);
	cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &buf, &len, NULL), -EFBIG);
	cr_assert_null(buf);
	s = ef_site_parse(path, &d);
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].file, path);
	cr_assert_str_eq(d.v[0].msg, "larger than the 16 MiB limit");
	ef_site_free(s);
	ef_diags_free(&d);
	free(path);
	tdir_fini(&t);
}

Test(errors, size_limit_boundary)
{
	struct tdir t;
	char *path, *buf = NULL;
	char text[101];
	size_t len = 0;

	memset(text, 'x', 100);
	text[100] = '\0';
	tdir_init(&t);
	path = tdir_write(&t, "f", text, 0644);
	cr_assert_eq(ef_read_config_file(path, 100, &buf, &len, NULL), 0);
	cr_assert_eq(len, 100);
	cr_assert_str_eq(buf, text);
	free(buf);
	buf = NULL;
	cr_assert_eq(ef_read_config_file(path, 99, &buf, &len, NULL), -EFBIG);
	cr_assert_null(buf);
	free(path);
	tdir_fini(&t);
}

/* Parses `path` as a policy or a site; the diagnostics, formatted. */
static char *parse_formatted(const char *path, bool policy)
{
	struct ef_diags d = { 0 };
	char *all;

	if (policy)
		ef_policy_free(ef_policy_parse(path, &d));
	else
		ef_site_free(ef_site_parse(path, &d));
	all = ef_diags_format(&d);
	ef_diags_free(&d);
	return all;
}

/*
 * t/NAME holding `before` `odd` `after`, parsed, must say first, at
 * line:col `at`, that `odd` is not a regular file but `kind`.
 */
static void named_in(struct tdir *t, const char *name, const char *before,
		     const char *after, const char *at, const char *odd,
		     const char *kind)
{
	char *text = NULL, *path, *want = NULL, *all;

	cr_assert_neq(asprintf(&text, "%s%s%s", before, odd, after), -1);
	path = tdir_write(t, name, text, 0644);
	all = parse_formatted(path, strstr(name, ".policy"));
	cr_assert_neq(asprintf(&want, "%s:%s: '%s': not a regular file (%s)\n",
			       path, at, odd, kind), -1);
	cr_assert_eq(strncmp(all, want, strlen(want)), 0, "%s", all);
	free(all);
	free(want);
	free(path);
	free(text);
}

/*
 * Anything but a regular file is refused at once, named first: a FIFO
 * would hang the open until someone writes to it (a 'check' that never
 * ends, a daemon that hangs on reload), a device may act on being opened.
 * The timeout fails the test if anything blocks.
 */
Test(errors, not_a_regular_file, .timeout = 20)
{
	struct {
		const char *name, *kind;
		char *path;
	} odd[] = {
		{ "fifo", "a FIFO", NULL },
		{ "dir", "a directory", NULL },
		{ "sock", "a socket", NULL },
		{ "null", "a character device", NULL },
	};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct tdir t;
	char *buf = NULL;
	size_t len;
	int sk;

	tdir_init(&t);
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		cr_assert_neq(asprintf(&odd[i].path, "%s/%s", t.path,
				       odd[i].name), -1);
	cr_assert_eq(mkfifo(odd[0].path, 0644), 0);
	cr_assert_eq(mkdir(odd[1].path, 0755), 0);
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(sk, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", odd[2].path);
	cr_assert_eq(bind(sk, (struct sockaddr *)&sun, sizeof(sun)), 0);
	free(odd[3].path);
	odd[3].path = strdup("/dev/null");

	for (size_t i = 0; i < ARRAY_SIZE(odd); i++) {
		const char *path = odd[i].path, *kind = odd[i].kind;
		char *want = NULL;

		cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &buf, &len,
						 NULL), -EINVAL, "%s", path);
		cr_assert_null(buf);
		/* As the site, as the policy: the file's name, then why. */
		cr_assert_neq(asprintf(&want, "%s: not a regular file (%s)\n",
				       path, kind), -1);
		for (int policy = 0; policy < 2; policy++) {
			char *all = parse_formatted(path, policy);

			cr_assert_str_eq(all, want);
			free(all);
		}
		free(want);
		/* As an include, a group file, a management file: at the
		 * line that names it. */
		named_in(&t, "p.policy", "policy t \"T\"\ninclude \"", "\"\n",
			 "2:9", path, kind);
		named_in(&t, "s.site", "peers = file \"",
			 "\"\nmanagement = none\n", "1:14", path, kind);
		named_in(&t, "s.site", "management = file \"", "\"\n", "1:19",
			 path, kind);
	}
	close(sk);
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		free(odd[i].path);
	tdir_fini(&t);
}

/* Whole-file refusals start with the file's name. */
Test(errors, missing_file_named_first)
{
	struct ef_diags d = { 0 };
	char *all;

	ef_site_free(ef_site_parse("data/no-such.site", &d));
	all = ef_diags_format(&d);
	cr_assert_str_eq(all, "data/no-such.site: No such file or directory\n");
	free(all);
	ef_diags_free(&d);
}

/* --- compile */

#define CPOL "policy t \"T\"\naddress web db\nzone z {\n\ttcp 80 any web \"n\"\n\ttcp 81 any db \"m\"\n}\n"

Test(errors, unbound_address_role)
{
	compile_error(CPOL, "zone z = eth0\nweb = 192.0.2.1\nmanagement = none\n",
		      -EINVAL, "p.policy", 2, 13,
		      "address role 'db' is not bound in the site: bind it to addresses, 'iface NAME' or 'none'");
}

Test(errors, unbound_zone)
{
	compile_error(CPOL, "web = 192.0.2.1\ndb = none\nmanagement = none\n",
		      -EINVAL, "p.policy", 3, 1,
		      "zone 'z' is not bound in the site: add 'zone z = IFNAME'");
}

#define GPOL "policy t \"T\"\naddress web\ngroup front_end\nzone z {\n" \
	     "\ttcp 80 front_end web \"n\"\n}\n"
#define GSITE "zone z = eth0\nweb = 192.0.2.1\nmanagement = none\n"
#define UNBOUND "group role 'front_end' is not bound in the site: bind it to addresses, 'file \"PATH\"', 'any' or 'none'"

/* A group left out would admit any peer: it is refused, at the line of
 * the policy that declares it. */
Test(errors, unbound_group)
{
	compile_error(GPOL, GSITE, -EINVAL, "p.policy", 3, 7, UNBOUND);
}

/* A misspelt group is unbound, and its binding unused: the warning says
 * which role it may have meant. */
Test(errors, misspelt_group)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	struct tdir t;
	char *ppath, *spath;

	tdir_init(&t);
	ppath = tdir_write(&t, "p.policy", GPOL, 0644);
	spath = tdir_write(&t, "s.site", GSITE "front_edn = 192.0.2.10\n", 0644);
	cr_assert_eq(compile_files(ppath, spath, NULL, &d, &m), -EINVAL);
	cr_assert_null(m);
	assert_first_error(&d, ppath, 3, 7, UNBOUND);
	cr_assert_eq(d.n, 2);
	cr_assert(d.v[1].warning);
	assert_diag(&d, 1, spath, 4, 1,
		    "policy 't' has no role 'front_edn' (did you mean 'front_end'?); this binding is unused");
	free(ppath);
	free(spath);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(errors, address_role_bound_to_any)
{
	compile_error(GPOL, "zone z = eth0\nweb = any\nfront_end = any\nmanagement = none\n",
		      -EINVAL, "s.site", 2, 1,
		      "'web' is an address role of this machine, not a group: 'any' is for groups; bind it to addresses, 'iface NAME' or 'none'");
}

Test(errors, any_in_a_list)
{
	site_error("peers = 192.0.2.1, any\nmanagement = none\n", 1, 20,
		   "'any' stands alone: it cannot be listed with other values");
	site_error("peers = none, 192.0.2.1\nmanagement = none\n", 1, 13,
		   "expected end of line, got ','");
	site_error("management = 203.0.113.0/24, none\n", 1, 30,
		   "'none' stands alone: it cannot be listed with other values");
}

Test(errors, management_any)
{
	site_error("management = any\n", 1, 14,
		   "management cannot be 'any': give networks (0.0.0.0/0, ::/0 if that is meant) or 'none'");
}

Test(errors, element_cap_exceeded)
{
	compile_error(CPOL,
		      "max-elements = 1\nzone z = eth0\nweb = 192.0.2.1\n"
		      "db = 192.0.2.2\nmanagement = none\n",
		      -E2BIG, "s.site", 1, 16,
		      "the compiled ruleset would hold more than 1 set elements; raise 'max-elements' if that is meant");
}

Test(errors, element_cap_counts_management)
{
	/* One row element and one management element: two. */
	compile_error(CPOL,
		      "max-elements = 1\nzone z = eth0\nweb = 192.0.2.1\n"
		      "db = none\nmanagement = 203.0.113.0/24\n",
		      -E2BIG, "s.site", 1, 16,
		      "the compiled ruleset would hold more than 1 set elements; raise 'max-elements' if that is meant");
}

/* --- gateway NAT: what Lync forbids, at the public address */

#define NPOL "policy t \"T\"\naddress web av edge_internal\ngroup peers\n" \
	"no-nat av \"the A/V Edge must not be NATed\"\n" \
	"zone external {\n\ttcp 443 any web \"w\"\n\tudp 3478 any av \"a\"\n}\n" \
	"zone internal {\n\ttcp 5061 peers edge_internal \"i\"\n}\n"
#define NSITE(lines) "mode = gateway\nzone external = eth0\nzone internal = eth1\n" \
	lines "management = none\n"

/* Each refused at the public address (the caret under the other role's
 * address for the last), in Lync's terms. */
Test(errors, public_where_lync_forbids_nat)
{
	static const struct {
		const char *site;
		unsigned int line, col;
		const char *msg;
	} cases[] = {
		{ "zone external = eth0\nzone internal = eth1\n"
		  "web = 192.0.2.66 public 198.51.100.20\nav = none\n"
		  "edge_internal = none\npeers = any\nmanagement = none\n", 3, 25,
		  "'public' needs 'mode = gateway': a host does not translate its own addresses (the firewall in front of it does)" },
		{ NSITE("web = 192.0.2.66\nav = none\nedge_internal = none\n"
			"peers = 192.0.2.10 public 198.51.100.30\n"), 7, 27,
		  "'peers' is a group of peers: only the Edge's own addresses (address roles) are translated" },
		{ NSITE("web = 192.0.2.66\nav = none\n"
			"edge_internal = 192.0.2.129 public 198.51.100.29\npeers = any\n"), 6, 36,
		  "NAT is never done for the Edge's internal interface: 'edge_internal' has rows in zone internal (@DIR/p.policy:10)" },
		{ NSITE("web = 192.0.2.66\nav = 192.0.2.68 public 198.51.100.22\n"
			"edge_internal = none\npeers = any\n"), 5, 24,
		  "'av' must not be translated: the A/V Edge must not be NATed (@DIR/p.policy:4)" },
		{ NSITE("web = 192.0.2.66 public 198.51.100.20\n"
			"av = 2001:db8::1, 192.0.2.66\nedge_internal = none\npeers = any\n"), 5, 19,
		  "this address of 'av' is translated for 'web' (line 4): each Edge role needs a public address of its own" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		compile_error(NPOL, cases[i].site, -EINVAL, "s.site",
			      cases[i].line, cases[i].col, cases[i].msg);
}

/* The shipped HLB policy: its own words. */
Test(errors, hlb_av_edge_must_not_be_translated)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	struct ef_policy *pol = ef_policy_parse("../../policies/edge-scaled-hlb.policy", &d);
	struct ef_site *s;
	const struct ef_diag *e;
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "s.site",
			  "mode = gateway\nzone external = eth0\nzone internal = eth1\n"
			  "access_edge = 192.0.2.61 public 198.51.100.61\n"
			  "av_edge = 192.0.2.63 public 198.51.100.63\n"
			  "edge_internal = none\naccess_edge_vip = none\n"
			  "webconf_edge_vip = none\nav_edge_vip = none\n"
			  "internal_vip = none\nfront_end = any\ndirector = any\n"
			  "federated_partners = any\nmanagement = none\n", 0644);
	s = ef_site_parse(path, &d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(ef_compile(pol, s, NULL, &d, &m), -EINVAL);
	cr_assert_eq(d.errors, 1);
	e = ef_diags_first_error(&d);
	cr_assert_eq(e->line, 5);
	cr_assert_eq(e->col, 29);
	cr_assert(strstr(e->msg, "'av_edge' must not be translated: with hardware load balancers the A/V Edge must not be NATed"),
		  "%s", e->msg);
	free(path);
	ef_site_free(s);
	ef_policy_free(pol);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* --- several errors in one run */

Test(errors, all_errors_of_a_file_are_reported)
{
	static const struct {
		unsigned int line, col;
		const char *msg;
	} want[] = {
		{ 6, 2, "unknown protocol 'icmp': expected tcp, udp or tcp,udp" },
		{ 7, 8, "port out of range in '0': ports are 1 to 65535" },
		{ 8, 8, "empty port range '90-80': the first port is above the last" },
		{ 9, 25, "expected the row's note in double quotes, got end of line" },
		{ 13, 1, "unknown statement 'frobnicate': expected policy, address, group, feature, zone, no-nat or include" },
		{ 10, 22, "unknown role 'nobody': declare it with 'address' or 'group'" },
		{ 11, 2, "no local end: the source or the destination must be an address role" },
	};
	struct ef_diags d = { 0 };
	struct ef_policy *p = ef_policy_parse("data/many-errors.policy", &d);
	char *text = ef_diags_format(&d);

	cr_assert_eq(d.errors, sizeof(want) / sizeof(want[0]), "%s", text);
	cr_assert_eq(d.n, d.errors);
	for (size_t i = 0; i < d.n; i++) {
		cr_assert_str_eq(d.v[i].file, "data/many-errors.policy");
		cr_assert_eq(d.v[i].line, want[i].line, "error %zu:\n%s", i, text);
		cr_assert_eq(d.v[i].col, want[i].col, "error %zu:\n%s", i, text);
		cr_assert_str_eq(d.v[i].msg, want[i].msg, "error %zu", i);
	}
	/* The good rows are still there: the parser went on. */
	cr_assert_eq(p->nrows, 2);
	free(text);
	ef_policy_free(p);
	ef_diags_free(&d);
}

Test(errors, all_errors_of_a_site_are_reported)
{
	struct ef_diags d = { 0 };
	struct ef_site *s;
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "s.site",
			  "mode = router\n"
			  "web = 192.0.2.1/24\n"
			  "log = often\n"
			  "zone ext = eth0\n"
			  "zone ext = eth1\n"
			  "peers = 192.0.2.0/24, nonsense\n",
			  0644);
	s = ef_site_parse(path, &d);
	cr_assert_eq(d.errors, 6);
	cr_assert_eq(d.n, 7);
	cr_assert_eq(d.v[0].line, 1);
	cr_assert_eq(d.v[1].line, 2);
	cr_assert_eq(d.v[2].line, 3);
	cr_assert_eq(d.v[3].line, 5);
	/* The zone bound twice: a note at the first binding. */
	cr_assert(d.v[4].note);
	cr_assert_eq(d.v[4].line, 4);
	cr_assert_eq(d.v[5].line, 6);
	cr_assert_str_eq(d.v[5].msg, "'nonsense': not an IPv4 or IPv6 address");
	/* Missing management comes last, at the top of the file. */
	cr_assert_eq(d.v[6].line, 1);
	cr_assert_eq(d.v[6].col, 1);
	free(path);
	ef_site_free(s);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* A note is another place of the diagnostic before it: not an error. */
Test(errors, note_is_not_an_error)
{
	struct ef_diags d = { 0 };
	struct ef_loc at = { "s.site", "mode = host\nmode = gateway\n", 2, 8 };
	struct ef_loc first = { "s.site", at.text, 1, 8 };
	char *text;

	ef_warn(&d, &at, "a warning");
	ef_note(&d, &first, "its note");
	cr_assert_eq(d.errors, 0);
	cr_assert_null(ef_diags_first_error(&d));
	text = ef_diags_format(&d);
	cr_assert_str_eq(text, "s.site:2:8: warning: a warning\n"
			       "mode = gateway\n       ^\n"
			       "s.site:1:8: note: its note\n"
			       "mode = host\n       ^\n");
	free(text);
	ef_diags_free(&d);
}

Test(errors, format_shows_line_and_caret)
{
	policy_formats(ROW("\ttcp  0 any web \"n\""),
		       "@DIR/p.policy:5:7: port out of range in '0': ports are 1 to 65535\n"
		       "\ttcp  0 any web \"n\"\n"
		       "\t     ^\n");
}

/* umask 002 leaves files group-writable: harmless for root's own group,
 * refused for any other group. */
Test(errors, group_writable_only_for_root_group)
{
	struct tdir t;
	char *path, *buf = NULL;
	size_t len;

	tdir_init(&t);
	path = tdir_write(&t, "s.site", "management = none\n", 0664);
	if (geteuid() == 0) {
		cr_assert_eq(chown(path, 0, 0), 0);
		cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &buf, &len, NULL), 0);
		free(buf);
		cr_assert_eq(chown(path, 0, 1), 0);
		cr_assert_eq(chmod(path, 0664), 0);
		buf = NULL;
		cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &buf, &len, NULL),
			     -EPERM);
		cr_assert_null(buf);
	}
	free(path);
	tdir_fini(&t);
}

Test(errors, interval_zero_or_huge)
{
	site_error("interval = 0\nmanagement = none\n", 1, 12,
		   "interval must be 1 to 86400 seconds");
	site_error("interval = 86401\nmanagement = none\n", 1, 12,
		   "number out of range: at most 86400");
}

Test(errors, lock_value)
{
	site_error("lock = maybe\nmanagement = none\n", 1, 8,
		   "lock (or auto) must be 'on' or 'off'");
}

/* A file owned by another user than root (or the reader) is refused:
 * that user could open the firewall. */
Test(errors, file_owned_by_another_user)
{
	struct tdir t;
	char *path, *buf = NULL;
	size_t len;

	if (geteuid() != 0)
		cr_skip_test("needs root to give a file away");
	tdir_init(&t);
	path = tdir_write(&t, "s.site", "management = none\n", 0644);
	cr_assert_eq(chown(path, 1, 0), 0);
	cr_assert_eq(ef_read_config_file(path, EF_FILE_MAX, &buf, &len, NULL), -EPERM);
	cr_assert_null(buf);
	free(path);
	tdir_fini(&t);
}

/* Fifty errors are enough: the rest of a wrong file is not reported. */
Test(errors, too_many_errors_stop)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	struct ef_strbuf sb = { 0 };
	char *path;

	for (int i = 0; i < 500; i++)
		ef_sb_printf(&sb, "frobnicate\n");
	tdir_init(&t);
	path = tdir_write(&t, "p.policy", sb.buf, 0644);
	ef_policy_free(ef_policy_parse(path, &d));
	cr_assert_geq(d.errors, 500);
	cr_assert_eq(d.n, 51);
	cr_assert_str_eq(d.v[50].msg, "too many errors; stopping here");
	ef_diags_free(&d);
	ef_sb_free(&sb);
	free(path);
	tdir_fini(&t);
}

/* A directory above the file that others can write is as bad as the file:
 * whoever writes it can put another file in its place. */
static void site_in_dir(mode_t dir_mode, uid_t dir_uid, bool link,
			const char *want_dir_msg)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *dir = NULL, *path, *open_path = NULL, *want = NULL;

	tdir_init(&t);
	cr_assert_neq(asprintf(&dir, "%s/sub", t.path), -1);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chmod(dir, dir_mode), 0);
	cr_assert_eq(chown(dir, dir_uid, 0), 0);
	path = tdir_write(&t, "sub/s.site", "management = none\n", 0644);
	open_path = path;
	if (link) {
		/* A link in a safe directory is judged where it leads. */
		cr_assert_neq(asprintf(&open_path, "%s/link.site", t.path), -1);
		cr_assert_eq(symlink(path, open_path), 0);
	}
	ef_site_free(ef_site_parse(open_path, &d));
	if (!want_dir_msg) {
		cr_assert_eq(d.errors, 0, "%s", d.n ? d.v[0].msg : "");
	} else {
		cr_assert_eq(d.errors, 1);
		cr_assert_str_eq(d.v[0].file, open_path);
		cr_assert_neq(asprintf(&want, "its directory %s %s",
				       dir, want_dir_msg), -1);
		cr_assert_str_eq(d.v[0].msg, want);
	}
	if (open_path != path)
		free(open_path);
	free(path);
	free(want);
	free(dir);
	ef_diags_free(&d);
	tdir_fini(&t);
}

#define DIR_REFUSED "is writable by others or by a group other than root, or owned by another user; refusing it (chmod go-w, chown root)"

Test(errors, directory_writable_by_others_refused)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to own the directories");
	site_in_dir(0777, 0, false, DIR_REFUSED);
	site_in_dir(0777, 0, true, DIR_REFUSED);
	site_in_dir(0755, 1, false, DIR_REFUSED);
	/* Sticky (as /tmp): others may add files, not replace ours. */
	site_in_dir(01777, 0, false, NULL);
	/* Root's own group (umask 002) is fine, as for files. */
	site_in_dir(0775, 0, false, NULL);
	site_in_dir(0755, 0, false, NULL);
}

/* A link in a directory others can write is refused wherever it leads:
 * they could point it at another (root's) file. */
Test(errors, link_in_unsafe_directory_refused)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *dir = NULL, *target, *link = NULL, *want = NULL;

	if (geteuid() != 0)
		cr_skip_test("needs root to own the directories");
	tdir_init(&t);
	target = tdir_write(&t, "s.site", "management = none\n", 0644);
	cr_assert_neq(asprintf(&dir, "%s/open", t.path), -1);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_neq(asprintf(&link, "%s/link.site", dir), -1);
	cr_assert_eq(symlink(target, link), 0);
	ef_site_free(ef_site_parse(link, &d));
	cr_assert_eq(d.errors, 1);
	cr_assert_neq(asprintf(&want, "its directory %s %s", dir,
			       DIR_REFUSED), -1);
	cr_assert_str_eq(d.v[0].msg, want);
	/* A relative path is judged from the working directory. */
	ef_diags_free(&d);
	cr_assert_eq(chdir(dir), 0);
	ef_site_free(ef_site_parse("link.site", &d));
	cr_assert_eq(d.errors, 1);
	cr_assert_str_eq(d.v[0].msg, want);
	cr_assert_eq(chdir("/"), 0);
	free(want);
	free(link);
	free(dir);
	free(target);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* The first message parsing `path` as a site gives, or NULL. */
static char *site_msg(const char *path)
{
	struct ef_diags d = { 0 };
	char *msg;

	ef_site_free(ef_site_parse(path, &d));
	msg = d.n ? strdup(d.v[0].msg) : NULL;
	ef_diags_free(&d);
	return msg;
}

static void assert_accepted(const char *path)
{
	char *msg = site_msg(path);

	cr_assert_null(msg, "%s: %s", path, msg);
}

/*
 * safe2/l1 -> ww/l2 -> s.site: the path as given and the real path pass
 * only through safe directories, but whoever writes ww can repoint l2.
 * Every directory the path is resolved through counts.
 */
Test(errors, link_through_link_in_open_directory_refused)
{
	struct ef_unsafe unsafe = { .path = NULL };
	struct tdir t;
	char *file, *ww, *safe2, *l1, *l2, *buf = NULL, *msg, *want = NULL;
	size_t len;

	tdir_init(&t);
	file = tdir_write(&t, "s.site", "management = none\n", 0644);
	ww = tdir_mkdir(&t, "ww", 0777);
	safe2 = tdir_mkdir(&t, "safe2", 0755);
	l2 = tdir_symlink(&t, "ww/l2", file);
	l1 = tdir_symlink(&t, "safe2/l1", l2);
	cr_assert_eq(ef_read_config_file(l1, EF_FILE_MAX, &buf, &len, &unsafe),
		     -EPERM);
	cr_assert_null(buf);
	cr_assert_eq(unsafe.what, EF_UNSAFE_DIR);
	cr_assert_str_eq(unsafe.path, ww);
	msg = site_msg(l1);
	cr_assert_neq(asprintf(&want, "its directory %s %s", ww,
			       DIR_REFUSED), -1);
	cr_assert_str_eq(msg, want);
	free(want);
	free(msg);
	/* The same through a relative link, from the link's directory. */
	cr_assert_eq(unlink(l1), 0);
	cr_assert_eq(symlink("../ww/l2", l1), 0);
	msg = site_msg(l1);
	cr_assert_neq(asprintf(&want, "its directory %s %s", ww,
			       DIR_REFUSED), -1);
	cr_assert_str_eq(msg, want);
	free(want);
	free(msg);
	free(unsafe.path);
	free(l1);
	free(l2);
	free(safe2);
	free(ww);
	free(file);
	tdir_fini(&t);
}

/* A link owned by another user is refused even in a sticky directory,
 * where others cannot replace it but its owner can (and the kernel follows
 * it unless fs.protected_symlinks says otherwise). */
Test(errors, link_owned_by_another_user_refused)
{
	struct ef_unsafe unsafe = { .path = NULL };
	struct tdir t;
	char *file, *sticky, *link, *buf = NULL, *msg, *want = NULL;
	size_t len;

	if (geteuid() != 0)
		cr_skip_test("needs root to give a link away");
	tdir_init(&t);
	file = tdir_write(&t, "s.site", "management = none\n", 0644);
	sticky = tdir_mkdir(&t, "sticky", 01777);
	link = tdir_symlink(&t, "sticky/evil", file);
	cr_assert_eq(lchown(link, 1, 1), 0);
	cr_assert_eq(ef_read_config_file(link, EF_FILE_MAX, &buf, &len, &unsafe),
		     -EPERM);
	cr_assert_eq(unsafe.what, EF_UNSAFE_LINK);
	cr_assert_str_eq(unsafe.path, link);
	msg = site_msg(link);
	cr_assert_neq(asprintf(&want, "its path goes through link %s owned by another user; refusing it",
			       link), -1);
	cr_assert_str_eq(msg, want);
	/* Root's own link there is fine. */
	cr_assert_eq(lchown(link, 0, 0), 0);
	assert_accepted(link);
	free(want);
	free(msg);
	free(unsafe.path);
	free(link);
	free(sticky);
	free(file);
	tdir_fini(&t);
}

/* ".." out of a directory others can write looks nothing up in it: they
 * cannot change where it leads. */
Test(errors, dot_dot_out_of_open_directory_accepted)
{
	struct tdir t;
	char *safe, *file, *ww, *cwd, *inner, *sub, *path = NULL, *msg;
	char *want = NULL;

	tdir_init(&t);
	safe = tdir_mkdir(&t, "safe", 0755);
	file = tdir_write(&t, "safe/s.site", "management = none\n", 0644);
	ww = tdir_mkdir(&t, "ww", 0777);
	cwd = tdir_mkdir(&t, "cwd", 0755);
	cr_assert_neq(asprintf(&path, "%s/ww/../safe/s.site", t.path), -1);
	assert_accepted(path);
	/* Relative paths, from a safe working directory and from ww. */
	cr_assert_eq(chdir(cwd), 0);
	assert_accepted("../safe/s.site");
	assert_accepted("./.././/safe/./s.site");
	cr_assert_eq(chdir(ww), 0);
	assert_accepted("../safe/s.site");
	assert_accepted("../ww/../safe/s.site");
	/* But a working directory below ww is reached through ww. */
	inner = tdir_mkdir(&t, "ww/inner", 0755);
	free(tdir_write(&t, "ww/inner/s.site", "management = none\n", 0644));
	cr_assert_eq(chdir(inner), 0);
	msg = site_msg("s.site");
	cr_assert_neq(asprintf(&want, "its directory %s %s", ww,
			       DIR_REFUSED), -1);
	cr_assert_str_eq(msg, want);
	cr_assert_eq(chdir("/"), 0);
	/* ".." after a link leaves the directory it leads to, as the kernel
	 * has it, not the link's. */
	sub = tdir_mkdir(&t, "safe/sub", 0755);
	free(path);
	path = tdir_symlink(&t, "lnk", sub);
	free(path);
	cr_assert_neq(asprintf(&path, "%s/lnk/../s.site", t.path), -1);
	assert_accepted(path);
	free(path);
	free(sub);
	free(want);
	free(msg);
	free(inner);
	free(cwd);
	free(ww);
	free(file);
	free(safe);
	tdir_fini(&t);
}

/* A loop of links ends with a clear error; a chain as long as the kernel
 * follows (40 links) is followed. */
Test(errors, link_loop)
{
	struct tdir t;
	char *file, *a, *b, *msg, name[16], prev[16] = "s.site";

	tdir_init(&t);
	file = tdir_write(&t, "s.site", "management = none\n", 0644);
	a = tdir_symlink(&t, "a", "b");
	b = tdir_symlink(&t, "b", "a");
	msg = site_msg(a);
	cr_assert_str_eq(msg, "Too many levels of symbolic links");
	free(msg);
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		free(tdir_symlink(&t, name, prev));
		memcpy(prev, name, sizeof(name));
	}
	free(a);
	cr_assert_neq(asprintf(&a, "%s/c40", t.path), -1);
	assert_accepted(a);
	free(a);
	free(b);
	free(file);
	tdir_fini(&t);
}

/* Opened, but its way cannot be checked (a directory above the working
 * directory that the reader may not search): refused, saying so, not
 * "no such file" or "permission denied" as if the file were the trouble.
 * The reader is another user, in a child, so that root here cleans up. */
Test(errors, way_that_cannot_be_checked_refused)
{
	struct tdir t;
	char *inner = NULL, *path;
	int status;
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("needs root to make the directories and change user");
	tdir_init(&t);
	cr_assert_eq(chmod(t.path, 0755), 0);
	cr_assert_neq(asprintf(&inner, "%s/priv", t.path), -1);
	cr_assert_eq(mkdir(inner, 0700), 0);
	free(inner);
	cr_assert_neq(asprintf(&inner, "%s/priv/inner", t.path), -1);
	cr_assert_eq(mkdir(inner, 0755), 0);
	path = tdir_write(&t, "priv/inner/s.site", "management = none\n", 0644);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ef_diags d = { 0 };
		bool right;

		if (chdir(inner) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		ef_site_free(ef_site_parse("s.site", &d));
		right = d.errors == 1 && !strcmp(d.v[0].msg,
			"cannot check the directories on its way (Permission denied); refusing it");
		if (!right && d.n)
			fprintf(stderr, "got: %s\n", d.v[0].msg);
		_exit(right ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the other user got another message (status %d)", status);
	free(path);
	free(inner);
	tdir_fini(&t);
}

/* --- features */

#define FHEAD "policy t \"T\"\naddress web\nfeature xmpp \"XMPP\"\nzone z {\n"

Test(errors, feature_declared_twice)
{
	policy_error(FHEAD "\ttcp 5269 any web \"x\" feature xmpp\n}\nfeature xmpp \"again\"\n",
		     7, 9, "feature 'xmpp' already declared at @DIR/p.policy:3");
}

Test(errors, feature_without_title)
{
	policy_error("policy t \"T\"\nfeature xmpp\n", 2, 13,
		     "expected the feature's title in double quotes, got end of line");
	policy_error("policy t \"T\"\nfeature \"XMPP\"\n", 2, 9,
		     "expected feature name, got a string");
	policy_error("policy t \"T\"\nfeature XMPP \"x\"\n", 2, 9,
		     "invalid feature name 'XMPP': " NAME_RULE);
}

Test(errors, feature_unknown_on_a_row)
{
	policy_error(FHEAD "\ttcp 5269 any web \"x\" feature xmpp,xmp\n}\n",
		     5, 36,
		     "unknown feature 'xmp': declare it with 'feature xmp \"title\"'");
}

Test(errors, feature_tag_malformed)
{
	policy_error(FHEAD "\ttcp 5269 any web \"x\" feature\n}\n", 5, 30,
		     "expected feature name, got end of line");
	policy_error(FHEAD "\ttcp 5269 any web \"x\" feature xmpp,\n}\n", 5, 36,
		     "expected feature name, got end of line");
	policy_error(FHEAD "\ttcp 5269 any web \"x\" feature xmpp xmpp\n}\n", 5,
		     36, "expected end of line, got 'xmpp'");
	policy_error(FHEAD "\ttcp 5269 any web \"x\" features xmpp\n}\n", 5, 23,
		     "expected end of line, got 'features'");
	policy_error(FHEAD "\ttcp 5269 any web \"x\" feature xmpp,xmpp\n}\n", 5,
		     36, "feature 'xmpp' is named twice on this row");
}

/* At most 32: a row's features are bits of a uint32_t. */
Test(errors, feature_33)
{
	char text[4096] = "policy t \"T\"\n";

	for (int i = 0; i < 33; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "feature f%d \"F\"\n", i);
	policy_error(text, 34, 9,
		     "more than 32 features: a row's features are a 32-bit mask");
}

/* A declared feature no row names: turning it off would change nothing. */
Test(errors, feature_unused_is_a_warning)
{
	policy_formats("policy t \"T\"\naddress web\nfeature xmpp \"XMPP\"\nfeature pic \"PIC\"\n"
		       "zone z {\n\ttcp 5269 any web \"x\" feature xmpp\n}\n",
		       "@DIR/p.policy:4:9: warning: feature 'pic' is declared but no row names it\n"
		       "feature pic \"PIC\"\n"
		       "        ^\n");
}

Test(errors, site_feature_malformed)
{
	site_error("management = none\nfeature xmpp = of\n", 2, 16,
		   "feature xmpp must be 'off' or 'on'");
	site_error("management = none\nfeature xmpp off\n", 2, 14,
		   "expected '=' after the feature name, got 'off'");
	site_error("management = none\nfeature = off\n", 2, 9,
		   "expected a feature name, got '='");
	site_error("management = none\nfeature xmpp = off on\n", 2, 20,
		   "expected end of line, got 'on'");
}

/* Each name once, as every setting: the first place in a note. */
Test(errors, site_feature_twice)
{
	struct ef_diags d = { 0 };
	struct tdir t;
	char *path;

	tdir_init(&t);
	path = tdir_write(&t, "s.site",
			  "management = none\nfeature xmpp = off\nfeature xmpp = on\n",
			  0644);
	ef_site_free(ef_site_parse(path, &d));
	assert_first_error(&d, path, 3, 9, "feature 'xmpp' already set at line 2");
	cr_assert_eq(d.errors, 1);
	cr_assert(d.v[1].note);
	assert_diag(&d, 1, path, 2, 9, "feature 'xmpp' first set here");
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* Fail closed: a name the policy does not declare is no feature turned
 * off, it is a typo; the error lists what the policy has. */
Test(errors, site_feature_unknown_to_the_policy)
{
	compile_error(FHEAD "\ttcp 5269 any web \"x\" feature xmpp\n}\n",
		      "zone z = eth0\nweb = 192.0.2.1\nmanagement = none\nfeature xmp = off\n",
		      -EINVAL, "s.site", 4, 9,
		      "policy 't' has no feature 'xmp': its features are xmpp");
	compile_error(CPOL,
		      "zone z = eth0\nweb = 192.0.2.1\ndb = none\nmanagement = none\nfeature xmpp = off\n",
		      -EINVAL, "s.site", 5, 9,
		      "policy 't' has no feature 'xmpp': it declares no features");
}
