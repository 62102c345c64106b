// SPDX-License-Identifier: GPL-2.0-or-later
/* The site parser and ef_prefix_parse. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "policy.h"
#include "util.h"

/* Parses `text` as t/s.site; the caller frees the site and the diags. */
static struct ef_site *parse_text(struct tdir *t, const char *text,
				  struct ef_diags *d)
{
	char *path = tdir_write(t, "s.site", text, 0644);
	struct ef_site *s = ef_site_parse(path, d);

	free(path);
	cr_assert_not_null(s);
	return s;
}

/* Asserts p is [lo, hi] of the given family (addresses as text). */
static void expect_prefix(const struct ef_prefix *p, int family,
			  const char *lo, const char *hi)
{
	uint8_t want_lo[16] = { 0 }, want_hi[16] = { 0 };
	int af = family == 4 ? AF_INET : AF_INET6;
	size_t len = family == 4 ? 4 : 16;

	cr_assert_eq(p->family, family);
	cr_assert_eq(inet_pton(af, lo, want_lo), 1, "bad test address %s", lo);
	cr_assert_eq(inet_pton(af, hi, want_hi), 1, "bad test address %s", hi);
	cr_assert_arr_eq(p->lo, want_lo, len, "lo is not %s", lo);
	cr_assert_arr_eq(p->hi, want_hi, len, "hi is not %s", hi);
}

/* The binding's i-th address or CIDR, whole. */
static struct ef_prefix prefix_at(const struct ef_binding *b, size_t i)
{
	struct ef_prefix p;

	cr_assert_lt(i, b->nprefixes);
	ef_binding_prefix(b, i, &p);
	return p;
}

static void expect_prefix_at(const struct ef_binding *b, size_t i, int family,
			     const char *lo, const char *hi)
{
	struct ef_prefix p = prefix_at(b, i);

	expect_prefix(&p, family, lo, hi);
}

static void expect_parse(const char *s, int family, const char *lo,
			 const char *hi)
{
	struct ef_prefix p;
	const char *why = NULL;

	cr_assert_eq(ef_prefix_parse(s, &p, &why), 0, "'%s': %s", s,
		     why ? why : "?");
	expect_prefix(&p, family, lo, hi);
}

static void expect_parse_error(const char *s, int err, const char *why)
{
	struct ef_prefix p;
	const char *got = NULL;

	cr_assert_eq(ef_prefix_parse(s, &p, &got), err, "'%s'", s);
	cr_assert_not_null(got, "'%s': no reason", s);
	cr_assert_str_eq(got, why, "'%s'", s);
}

Test(site, good_site_every_statement)
{
	struct ef_diags d = { 0 };
	struct ef_site *s = ef_site_parse("data/site/good.site", &d);
	const struct ef_binding *b;
	const struct ef_zone_bind *z;
	char *text = ef_diags_format(&d);

	cr_assert_not_null(s);
	cr_assert_eq(d.n, 0, "%s", text);
	free(text);

	cr_assert_eq(s->mode, EF_MODE_GATEWAY);
	cr_assert_eq(s->output_policy, EF_V_ACCEPT);
	cr_assert_eq(s->management_port, 2222);
	cr_assert_eq(s->log_rate, 5);
	cr_assert_eq(s->log_unit, 60);
	cr_assert_eq(s->max_elements, 5000);
	cr_assert_eq(s->interval, 7);
	cr_assert_eq(s->exception_max, 7200);
	cr_assert_eq(s->lock, EF_LOCK_OFF);

	cr_assert_eq(s->nzones, 2);
	z = ef_site_find_zone(s, "external");
	cr_assert_not_null(z);
	cr_assert_eq(z->nifnames, 1);
	cr_assert_str_eq(z->ifnames[0], "eth0");
	cr_assert_eq(z->loc.line, 3);
	z = ef_site_find_zone(s, "internal");
	cr_assert_not_null(z);
	cr_assert_eq(z->nifnames, 3);
	cr_assert_str_eq(z->ifnames[0], "eth1");
	cr_assert_str_eq(z->ifnames[1], "eth2");
	cr_assert_str_eq(z->ifnames[2], "bond0.100");
	cr_assert_null(ef_site_find_zone(s, "dmz"));

	cr_assert_eq(s->nbinds, 5);
	b = ef_site_find(s, "web");
	cr_assert_not_null(b);
	cr_assert_eq(b->kind, EF_BIND_ADDRS);
	cr_assert_eq(b->loc.line, 6);
	cr_assert_eq(b->loc.col, 1);
	cr_assert_eq(b->nprefixes, 2);
	expect_prefix_at(b, 0, 4, "198.51.100.10", "198.51.100.10");
	expect_prefix_at(b, 1, 6, "2001:db8:100::10",
		      "2001:db8:100::10");
	cr_assert_eq(prefix_at(b, 1).loc.col, 22);

	b = ef_site_find(s, "web_if");
	cr_assert_not_null(b);
	cr_assert_eq(b->nprefixes, 0);
	cr_assert_eq(b->nifaces, 1);
	cr_assert_str_eq(b->ifaces[0], "eth1");

	b = ef_site_find(s, "db_local");
	cr_assert_not_null(b);
	cr_assert_eq(b->kind, EF_BIND_NONE);
	cr_assert_eq(b->nprefixes, 0);
	cr_assert_eq(b->nifaces, 0);

	b = ef_site_find(s, "partners");
	cr_assert_not_null(b);
	cr_assert_eq(b->kind, EF_BIND_ANY);
	cr_assert_eq(b->loc.line, 10);
	cr_assert_eq(b->nprefixes, 0);

	/* Group file entries keep their place, in the group file. */
	b = ef_site_find(s, "clients");
	cr_assert_not_null(b);
	cr_assert_eq(b->kind, EF_BIND_ADDRS);
	cr_assert_eq(b->nprefixes, 6);
	expect_prefix_at(b, 0, 4, "192.0.2.0", "192.0.2.255");
	expect_prefix_at(b, 1, 6, "2001:db8:1::",
		      "2001:db8:1:ffff:ffff:ffff:ffff:ffff");
	expect_prefix_at(b, 2, 4, "198.51.100.128", "198.51.100.255");
	cr_assert_str_eq(prefix_at(b, 2).loc.file, "data/site/groups/peers.txt");
	cr_assert_eq(prefix_at(b, 2).loc.line, 2);
	cr_assert_eq(prefix_at(b, 2).loc.col, 1);
	expect_prefix_at(b, 3, 6, "2001:db8:2::1", "2001:db8:2::1");
	cr_assert_eq(prefix_at(b, 3).loc.line, 3);
	cr_assert_eq(prefix_at(b, 3).loc.col, 3);
	expect_prefix_at(b, 4, 4, "192.0.2.77", "192.0.2.77");
	cr_assert_eq(prefix_at(b, 4).loc.line, 5);
	cr_assert_eq(prefix_at(b, 4).loc.col, 2);
	expect_prefix_at(b, 5, 4, "10.0.0.0", "10.255.255.255");
	cr_assert_str_eq(prefix_at(b, 5).loc.file, "data/site/good.site");

	cr_assert(s->management_set);
	cr_assert_eq(s->management.kind, EF_BIND_ADDRS);
	cr_assert_eq(s->management.nprefixes, 2);
	expect_prefix_at(&s->management, 0, 4, "203.0.113.0",
		      "203.0.113.255");
	expect_prefix_at(&s->management, 1, 6, "2001:db8:ffff::",
		      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert_null(ef_site_find(s, "management"));
	cr_assert_null(ef_site_find(s, "nobody"));

	cr_assert_eq(s->sources.n, 2);
	cr_assert_str_eq(s->sources.v[1]->path, "data/site/groups/peers.txt");
	ef_site_free(s);
	ef_diags_free(&d);
}

Test(site, defaults)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_site *s;

	tdir_init(&t);
	s = parse_text(&t, "management = none\n", &d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(s->mode, EF_MODE_HOST);
	cr_assert_eq(s->output_policy, EF_V_DROP);
	cr_assert_eq(s->management_port, 22);
	cr_assert_eq(s->log_rate, 10);
	cr_assert_eq(s->log_unit, 1);
	cr_assert_eq(s->max_elements, EF_DEFAULT_MAX_ELEMENTS);
	cr_assert_eq(s->interval, 30);
	cr_assert_eq(s->exception_max, 86400);
	cr_assert_eq(s->lock, EF_LOCK_AUTO);
	cr_assert(s->management_set);
	cr_assert_eq(s->management.kind, EF_BIND_NONE);
	cr_assert_eq(s->management.nprefixes, 0);
	cr_assert_eq(s->nzones, 0);
	cr_assert_eq(s->nbinds, 0);
	ef_site_free(s);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(site, explicit_host_drop_and_log_rates)
{
	static const struct {
		const char *text;
		uint32_t rate;
		uint64_t unit;
	} logs[] = {
		{ "off", 0, 0 },
		{ "1/second", 1, 1 },
		{ "100000/second", 100000, 1 },
		{ "7/minute", 7, 60 },
		{ "3/hour", 3, 3600 },
	};

	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		struct tdir t;
		struct ef_diags d = { 0 };
		struct ef_site *s;
		char text[256];

		snprintf(text, sizeof(text),
			 "mode = host\noutput = drop\nlog = %s\n"
			 "management = 192.0.2.0/24\n",
			 logs[i].text);
		tdir_init(&t);
		s = parse_text(&t, text, &d);
		cr_assert_eq(d.n, 0, "log = %s", logs[i].text);
		cr_assert_eq(s->mode, EF_MODE_HOST);
		cr_assert_eq(s->output_policy, EF_V_DROP);
		cr_assert_eq(s->log_rate, logs[i].rate, "log = %s",
			     logs[i].text);
		if (logs[i].rate)
			cr_assert_eq(s->log_unit, logs[i].unit, "log = %s",
				     logs[i].text);
		ef_site_free(s);
		ef_diags_free(&d);
		tdir_fini(&t);
	}
}

Test(site, mixed_values_ifaces_and_absolute_group_file)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_site *s;
	const struct ef_binding *b;
	char *group, *text = NULL;

	tdir_init(&t);
	group = tdir_write(&t, "g.txt", "192.0.2.9\n2001:db8::/32\n", 0644);
	cr_assert_neq(asprintf(&text,
			       "edge = 192.0.2.1, iface eth0, iface eth1.7, 2001:db8::1\n"
			       "peers = file \"%s\"\n"
			       "management = 198.51.100.0/24\n"
			       "max-elements = 100000000\n"
			       "management-port = 65535\n",
			       group), -1);
	s = parse_text(&t, text, &d);
	cr_assert_eq(d.n, 0);
	b = ef_site_find(s, "edge");
	cr_assert_eq(b->nprefixes, 2);
	cr_assert_eq(b->nifaces, 2);
	cr_assert_str_eq(b->ifaces[0], "eth0");
	cr_assert_str_eq(b->ifaces[1], "eth1.7");
	b = ef_site_find(s, "peers");
	cr_assert_eq(b->nprefixes, 2);
	cr_assert_str_eq(prefix_at(b, 0).loc.file, group);
	expect_prefix_at(b, 1, 6, "2001:db8::",
		      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert_eq(s->max_elements, 100000000);
	cr_assert_eq(s->management_port, 65535);
	free(text);
	free(group);
	ef_site_free(s);
	ef_diags_free(&d);
	tdir_fini(&t);
}

Test(site, shipped_example_sites_parse)
{
	static const char *const sites[] = {
		"edge-single-public", "edge-single-nat",
		"edge-scaled-dns-public", "edge-scaled-dns-nat",
		"edge-scaled-hlb", "edge-scaled-hlb-gateway",
		"edge-single-nat-gateway", "edge-scaled-dns-nat-gateway",
		"reverse-proxy", "sip-xmpp-federation-pic",
		"public-im-connectivity", "internal-servers",
	};

	for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		struct ef_diags d = { 0 };
		struct ef_site *s;
		char path[256];

		snprintf(path, sizeof(path), "../../policies/examples/%s.site",
			 sites[i]);
		s = ef_site_parse(path, &d);
		cr_assert_not_null(s);
		cr_assert_eq(d.n, 0, "%s", path);
		cr_assert(s->management_set, "%s", path);
		cr_assert_eq(s->mode, strstr(sites[i], "gateway") ?
			     EF_MODE_GATEWAY : EF_MODE_HOST, "%s", path);
		ef_site_free(s);
		ef_diags_free(&d);
	}
}

/* `ADDR public ADDR`: the binding keeps the address and its mapping;
 * the same mapping said twice in a role is no clash. */
Test(site, public_addresses)
{
	static const uint8_t priv[4] = { 192, 0, 2, 66 };
	static const uint8_t pub[4] = { 198, 51, 100, 20 };
	struct ef_diags d = { 0 };
	const struct ef_binding *b;
	struct ef_site *s;
	struct tdir t;

	tdir_init(&t);
	s = parse_text(&t, "mode = gateway\nmanagement = none\n"
			   "web = 192.0.2.66 public 198.51.100.20, 2001:db8::20, "
			   "192.0.2.66 public 198.51.100.20, 192.0.2.70\n", &d);
	cr_assert_eq(d.n, 0);
	b = ef_site_find(s, "web");
	cr_assert_eq(b->nprefixes, 4);
	cr_assert_eq(b->nnat, 2);
	cr_assert_arr_eq(b->nat[0].priv, priv, 4);
	cr_assert_arr_eq(b->nat[0].pub, pub, 4);
	cr_assert_eq(b->nat[0].priv_loc.col, 7);
	cr_assert_eq(b->nat[0].pub_loc.col, 25);
	ef_site_free(s);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/*
 * The parser's own IPv4 reader takes exactly what inet_pton(AF_INET)
 * takes, to the same address: random strings of digits and dots, and
 * every case the two could differ on (leading zeros, 256, dots).
 */
Test(site, ipv4_read_as_inet_pton_does)
{
	static const char *const cases[] = {
		"0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.02.3.4",
		"1.2.3.04", "1.2.3.0", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3",
		"1.2.3.4.", "1.2.3.", "", ".", "0", "00.0.0.0", "1.2.3.4 ",
		"+1.2.3.4", "1.2.3.1000", "9.9.9.9",
	};
	unsigned int seed = 14;

	for (size_t i = 0; i < ARRAY_SIZE(cases) + 20000; i++) {
		char buf[24];
		const char *s = buf, *why;
		struct ef_prefix p;
		uint8_t want[4];
		bool ok;

		if (i < ARRAY_SIZE(cases)) {
			s = cases[i];
		} else {
			size_t n = (size_t)rand_r(&seed) % 16;

			for (size_t k = 0; k < n; k++)
				buf[k] = "0123456789.25."[rand_r(&seed) % 14];
			buf[n] = '\0';
		}
		ok = inet_pton(AF_INET, s, want) == 1;
		cr_assert_eq(!ef_prefix_parse(s, &p, &why) && p.family == 4, ok,
			     "'%s'", s);
		if (ok)
			cr_assert_arr_eq(p.lo, want, 4, "'%s'", s);
	}
}

Test(site, prefix_parse_good)
{
	expect_parse("192.0.2.1", 4, "192.0.2.1", "192.0.2.1");
	expect_parse("192.0.2.1/32", 4, "192.0.2.1", "192.0.2.1");
	expect_parse("192.0.2.0/24", 4, "192.0.2.0", "192.0.2.255");
	expect_parse("192.0.2.64/26", 4, "192.0.2.64", "192.0.2.127");
	expect_parse("10.0.0.0/8", 4, "10.0.0.0", "10.255.255.255");
	expect_parse("128.0.0.0/1", 4, "128.0.0.0", "255.255.255.255");
	expect_parse("0.0.0.0/0", 4, "0.0.0.0", "255.255.255.255");
	expect_parse("255.255.255.255", 4, "255.255.255.255",
		     "255.255.255.255");
	expect_parse("2001:db8::1", 6, "2001:db8::1", "2001:db8::1");
	expect_parse("2001:db8::1/128", 6, "2001:db8::1", "2001:db8::1");
	expect_parse("2001:db8::/32", 6, "2001:db8::",
		     "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	expect_parse("2001:db8:200::10/124", 6, "2001:db8:200::10",
		     "2001:db8:200::1f");
	expect_parse("2001:db8::/33", 6, "2001:db8::",
		     "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
	expect_parse("::/0", 6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	expect_parse("::1", 6, "::1", "::1");
	/* Close to a v4-mapped address, but not one. */
	expect_parse("::fffe:192.0.2.1", 6, "::fffe:c000:201", "::fffe:c000:201");
	expect_parse("64:ff9b::192.0.2.1", 6, "64:ff9b::c000:201",
		     "64:ff9b::c000:201");
	expect_parse("::/0", 6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* Prefix lengths 0 and 8 are written "0" and "8". */
	expect_parse("10.0.0.0/8", 4, "10.0.0.0", "10.255.255.255");
}

Test(site, prefix_parse_errors)
{
	const char *bad_addr = "not an IPv4 or IPv6 address";
	const char *bad_len = "invalid prefix length";
	const char *host_bits =
		"host bits set under the prefix length (write the network address)";
	const char *mapped =
		"an IPv4-mapped IPv6 address: write the IPv4 address";
	const char *zero =
		"prefix length with a leading zero (write 24, not 024)";

	expect_parse_error("", -EINVAL, bad_addr);
	expect_parse_error("/24", -EINVAL, bad_addr);
	expect_parse_error("192.0.2", -EINVAL, bad_addr);
	expect_parse_error("192.0.2.256", -EINVAL, bad_addr);
	expect_parse_error("1.2.3.4.5", -EINVAL, bad_addr);
	expect_parse_error("example.com", -EINVAL, bad_addr);
	expect_parse_error("2001:db8:::1", -EINVAL, bad_addr);
	expect_parse_error("2001:db8::g", -EINVAL, bad_addr);
	expect_parse_error("0000:0000:0000:0000:0000:0000:0000:0000:0000:0001",
			   -EINVAL, bad_addr);
	expect_parse_error("192.0.2.0/", -EINVAL, bad_len);
	expect_parse_error("192.0.2.0/x", -EINVAL, bad_len);
	expect_parse_error("192.0.2.0/-1", -EINVAL, bad_len);
	expect_parse_error("192.0.2.0/+8", -EINVAL, bad_len);
	expect_parse_error("192.0.2.0/1234", -EINVAL, bad_len);
	expect_parse_error("192.0.2.0/24/1", -EINVAL, bad_len);
	expect_parse_error("192.0.2.0/33", -ERANGE, "prefix length above 32");
	expect_parse_error("192.0.2.0/999", -ERANGE, "prefix length above 32");
	expect_parse_error("2001:db8::/129", -ERANGE,
			   "prefix length above 128");
	expect_parse_error("192.0.2.1/24", -EINVAL, host_bits);
	expect_parse_error("192.0.2.128/24", -EINVAL, host_bits);
	expect_parse_error("10.1.0.0/8", -EINVAL, host_bits);
	expect_parse_error("0.0.0.1/0", -EINVAL, host_bits);
	expect_parse_error("2001:db8::1/64", -EINVAL, host_bits);
	/* The kernel sees a v4-mapped peer as IPv4: an IPv6 rule for it
	 * would never match. */
	expect_parse_error("::ffff:192.0.2.1", -EINVAL, mapped);
	expect_parse_error("::FFFF:c000:0201", -EINVAL, mapped);
	expect_parse_error("::ffff:192.0.2.0/120", -EINVAL, mapped);
	expect_parse_error("::ffff:0:0/96", -EINVAL, mapped);
	/* Read as octal by some tools: 024 would be 20. */
	expect_parse_error("192.0.2.0/024", -EINVAL, zero);
	expect_parse_error("2001:db8::/032", -EINVAL, zero);
	expect_parse_error("0.0.0.0/00", -EINVAL, zero);
	/* Nor leading zeros in an IPv4 address (inet_pton refuses them). */
	expect_parse_error("192.0.2.010", -EINVAL, bad_addr);
	expect_parse_error("2001:db8:4000::/33", -EINVAL, host_bits);
	expect_parse("2001:db8:8000::/33", 6, "2001:db8:8000::",
		     "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
}

Test(site, group_paths_relative_to_the_site_file)
{
	char *p;

	p = ef_path_relative_to("data/site/good.site", "groups/peers.txt");
	cr_assert_str_eq(p, "data/site/groups/peers.txt");
	free(p);
	p = ef_path_relative_to("good.site", "peers.txt");
	cr_assert_str_eq(p, "./peers.txt");
	free(p);
	p = ef_path_relative_to("data/site/good.site", "/etc/edgefw/peers.txt");
	cr_assert_str_eq(p, "/etc/edgefw/peers.txt");
	free(p);
	p = ef_path_relative_to("/etc/edgefw/site", "../x");
	cr_assert_str_eq(p, "/etc/edgefw/../x");
	free(p);
}

/*
 * The site's policy is read before the site is parsed: only a refusal of
 * the whole file is said there (a FIFO at once, without blocking), a bad
 * line is left for the parser to say once.
 */
Test(site, policy_read_ahead, .timeout = 20)
{
	struct ef_diags d = { 0 };
	char name[EF_ROLE_MAX] = "";
	struct tdir t;
	char *path, *fifo = NULL, *all;

	tdir_init(&t);
	path = tdir_write(&t, "s.site",
			  "# caf\xe9\npolicy = reverse-proxy\nmode = sideways\n",
			  0644);
	cr_assert_eq(ef_site_policy(path, name, &d), 0);
	cr_assert_str_eq(name, "reverse-proxy");
	cr_assert_eq(d.n, 0);
	cr_assert_neq(asprintf(&fifo, "%s/fifo", t.path), -1);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	cr_assert_eq(ef_site_policy(fifo, name, &d), -EINVAL);
	all = ef_diags_format(&d);
	free(path);
	cr_assert_neq(asprintf(&path, "%s: not a regular file (a FIFO)\n", fifo),
		      -1);
	cr_assert_str_eq(all, path);
	free(all);
	free(fifo);
	free(path);
	ef_diags_free(&d);
	tdir_fini(&t);
}

/* An interface in two zones: a warning at the second, pointing at it. */
Test(site, interface_in_two_zones_is_a_warning)
{
	struct tdir t;
	struct ef_diags d = { 0 };
	struct ef_site *s;

	tdir_init(&t);
	s = parse_text(&t, "zone external = eth0\nzone internal = eth1, eth0\n"
			   "management = none\n", &d);
	cr_assert_not_null(s);
	cr_assert_eq(d.errors, 0);
	cr_assert_eq(d.n, 1);
	cr_assert(d.v[0].warning);
	cr_assert_eq(d.v[0].line, 2);
	cr_assert_eq(d.v[0].col, 23);
	cr_assert_str_eq(d.v[0].msg,
			 "interface 'eth0' is in zone 'external' too: both zones' rows apply on it");
	ef_site_free(s);
	ef_diags_free(&d);
	tdir_fini(&t);
}
