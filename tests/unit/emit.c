// SPDX-License-Identifier: GPL-2.0-or-later
/* The nft text emitter: fields, rules, and a whole model. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "nft_emit.h"
#include "util.h"

static void expect_field(enum ef_type t, const void *lo, const void *hi,
			 const char *want)
{
	struct ef_strbuf sb = { 0 };
	char *got;

	ef_emit_field(&sb, t, lo, hi);
	got = ef_sb_steal(&sb);
	cr_assert_str_eq(got, want);
	free(got);
}

static void expect_v4(const char *lo, const char *hi, const char *want)
{
	uint8_t a[4], b[4];

	cr_assert_eq(inet_pton(AF_INET, lo, a), 1);
	cr_assert_eq(inet_pton(AF_INET, hi, b), 1);
	expect_field(EF_T_IPV4, a, b, want);
}

static void expect_v6(const char *lo, const char *hi, const char *want)
{
	uint8_t a[16], b[16];

	cr_assert_eq(inet_pton(AF_INET6, lo, a), 1);
	cr_assert_eq(inet_pton(AF_INET6, hi, b), 1);
	expect_field(EF_T_IPV6, a, b, want);
}

static void expect_port(unsigned int lo, unsigned int hi, const char *want)
{
	const uint8_t a[2] = { (uint8_t)(lo >> 8), (uint8_t)lo };
	const uint8_t b[2] = { (uint8_t)(hi >> 8), (uint8_t)hi };

	expect_field(EF_T_PORT, a, b, want);
}

static void expect_proto(uint8_t lo, uint8_t hi, const char *want)
{
	expect_field(EF_T_PROTO, &lo, &hi, want);
}

static void expect_rule(const struct ef_rule *r, const char *want)
{
	struct ef_strbuf sb = { 0 };
	char *got;

	ef_emit_rule(&sb, NULL, r);
	got = ef_sb_steal(&sb);
	cr_assert_str_eq(got, want);
	free(got);
}

Test(emit, ipv4_fields)
{
	expect_v4("192.0.2.1", "192.0.2.1", "192.0.2.1");
	expect_v4("192.0.2.0", "192.0.2.255", "192.0.2.0/24");
	expect_v4("10.0.0.0", "10.0.255.255", "10.0.0.0/16");
	expect_v4("198.51.100.192", "198.51.100.223", "198.51.100.192/27");
	expect_v4("0.0.0.0", "255.255.255.255", "0.0.0.0/0");
	expect_v4("128.0.0.0", "255.255.255.255", "128.0.0.0/1");
	/* Not a prefix: a range. */
	expect_v4("192.0.2.1", "192.0.2.5", "192.0.2.1-192.0.2.5");
	expect_v4("192.0.2.0", "192.0.2.254", "192.0.2.0-192.0.2.254");
	expect_v4("10.2.0.0", "10.255.255.255", "10.2.0.0-10.255.255.255");
	expect_v4("192.0.2.128", "192.0.3.127", "192.0.2.128-192.0.3.127");
}

Test(emit, ipv6_fields)
{
	expect_v6("2001:db8::1", "2001:db8::1", "2001:db8::1");
	expect_v6("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		  "2001:db8::/32");
	expect_v6("2001:db8:200::10", "2001:db8:200::1f",
		  "2001:db8:200::10/124");
	expect_v6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0");
	expect_v6("2001:db8::1", "2001:db8::9", "2001:db8::1-2001:db8::9");
	expect_v6("::ffff:192.0.2.1", "::ffff:192.0.2.1", "::ffff:192.0.2.1");
}

Test(emit, port_fields)
{
	expect_port(443, 443, "443");
	expect_port(50000, 59999, "50000-59999");
	expect_port(1, 65535, "1-65535");
	expect_port(65535, 65535, "65535");
	expect_port(255, 256, "255-256");
}

Test(emit, proto_fields)
{
	expect_proto(6, 6, "tcp");
	expect_proto(17, 17, "udp");
	expect_proto(1, 1, "1");
	expect_proto(6, 17, "tcp-udp");
}

Test(emit, ifname_fields)
{
	char a[EF_IFNAME_LEN] = "eth0", b[EF_IFNAME_LEN] = "eth9";
	char longest[EF_IFNAME_LEN] = "abcdefghijklmno";

	expect_field(EF_T_IFNAME, a, a, "\"eth0\"");
	expect_field(EF_T_IFNAME, a, b, "\"eth0\"-\"eth9\"");
	expect_field(EF_T_IFNAME, longest, longest, "\"abcdefghijklmno\"");
}

Test(emit, element_key)
{
	struct ef_model *m = ef_model_new();
	static const enum ef_type t[] = { EF_T_IFNAME, EF_T_IPV4, EF_T_IPV4,
					  EF_T_PROTO, EF_T_PORT };
	struct ef_set *s = ef_model_add_set(m, "in4_peer", t, 5, true);
	uint8_t lo[EF_KEY_MAX] = { 0 }, hi[EF_KEY_MAX] = { 0 };
	char *k;

	memcpy(lo, "eth1", 4);
	memcpy(hi, "eth1", 4);
	memcpy(lo + 16, (uint8_t[]){ 192, 0, 2, 0 }, 4);
	memcpy(hi + 16, (uint8_t[]){ 192, 0, 2, 127 }, 4);
	memcpy(lo + 20, (uint8_t[]){ 198, 51, 100, 10 }, 4);
	memcpy(hi + 20, (uint8_t[]){ 198, 51, 100, 10 }, 4);
	lo[24] = hi[24] = 17;
	lo[28] = 0xc3, lo[29] = 0x50;	/* 50000 */
	hi[28] = 0xea, hi[29] = 0x5f;	/* 59999 */
	cr_assert_eq(add_elem_rows(s, lo, hi, "r9"), 0);
	k = elem_key(s, 0);
	cr_assert_str_eq(k,
			 "\"eth1\" . 192.0.2.0/25 . 198.51.100.10 . udp . 50000-59999");
	free(k);
	ef_model_free(m);
}

/* A group's address set: one field, ranges printed as nft does. */
Test(emit, one_field_element_keys)
{
	static const struct {
		const char *lo, *hi, *want;
	} v4[] = {
		{ "192.0.2.10", "192.0.2.11", "192.0.2.10/31" },
		{ "192.0.2.10", "192.0.2.12", "192.0.2.10-192.0.2.12" },
		{ "203.0.113.255", "203.0.114.0", "203.0.113.255-203.0.114.0" },
		{ "0.0.0.0", "255.255.255.255", "0.0.0.0/0" },
		{ "198.51.100.7", "198.51.100.7", "198.51.100.7" },
	}, v6[] = {
		{ "2001:db8:200::10", "2001:db8:200::21",
		  "2001:db8:200::10-2001:db8:200::21" },
		{ "2001:db8:f00::", "2001:db8:f00:ffff:ffff:ffff:ffff:ffff",
		  "2001:db8:f00::/48" },
		{ "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0" },
	};
	const enum ef_type t4 = EF_T_IPV4, t6 = EF_T_IPV6;
	struct ef_model *m = ef_model_new();
	struct ef_set *s4 = ef_model_add_set(m, "g4_x", &t4, 1, false);
	struct ef_set *s6 = ef_model_add_set(m, "g6_x", &t6, 1, false);

	cr_assert(s4 && s6);
	cr_assert_eq(ef_set_key_len(s4), 4);
	cr_assert_eq(ef_set_key_len(s6), 16);
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		uint8_t lo[EF_KEY_MAX] = { 0 }, hi[EF_KEY_MAX] = { 0 };
		char *k;

		cr_assert_eq(inet_pton(AF_INET, v4[i].lo, lo), 1);
		cr_assert_eq(inet_pton(AF_INET, v4[i].hi, hi), 1);
		cr_assert_eq(ef_set_add_elem(s4, lo, hi, NULL), 0);
		k = elem_key(s4, i);
		cr_assert_str_eq(k, v4[i].want);
		free(k);
	}
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		uint8_t lo[EF_KEY_MAX] = { 0 }, hi[EF_KEY_MAX] = { 0 };
		char *k;

		cr_assert_eq(inet_pton(AF_INET6, v6[i].lo, lo), 1);
		cr_assert_eq(inet_pton(AF_INET6, v6[i].hi, hi), 1);
		cr_assert_eq(ef_set_add_elem(s6, lo, hi, NULL), 0);
		k = elem_key(s6, i);
		cr_assert_str_eq(k, v6[i].want);
		free(k);
	}
	ef_model_free(m);
}

Test(emit, rules)
{
	struct ef_rule r;
	static const enum ef_field keys[] = { EF_F_IIFNAME, EF_F_SADDR6,
					      EF_F_DADDR6, EF_F_L4PROTO,
					      EF_F_DPORT };
	static const enum ef_field in4[] = { EF_F_IIFNAME, EF_F_DADDR4,
					     EF_F_L4PROTO, EF_F_DPORT };
	static const enum ef_field out6[] = { EF_F_OIFNAME, EF_F_SADDR6,
					      EF_F_L4PROTO, EF_F_DPORT };

	memset(&r, 0, sizeof(r));
	r.ct_state = EF_CT_ESTABLISHED | EF_CT_RELATED;
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r, "ct state established,related accept");

	memset(&r, 0, sizeof(r));
	r.ct_state = EF_CT_INVALID;
	r.verdict = EF_V_DROP;
	expect_rule(&r, "ct state invalid drop");

	memset(&r, 0, sizeof(r));
	r.iif_lo = true;
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r, "iif \"lo\" accept");

	memset(&r, 0, sizeof(r));
	r.oif_lo = true;
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r, "oif \"lo\" accept");

	memset(&r, 0, sizeof(r));
	r.l4proto = 58;
	r.icmpv6_type = true;
	r.type_lo = 133;
	r.type_hi = 136;
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r, "icmpv6 type 133-136 accept");

	memset(&r, 0, sizeof(r));
	r.nfproto = 10;
	strcpy(r.set, "in6_peer");
	r.nkeys = 5;
	memcpy(r.key, keys, sizeof(keys));
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r,
		    "iifname . ip6 saddr . ip6 daddr . meta l4proto . th dport @in6_peer accept");

	/* A group's rows, behind the lookup of the group's addresses: the
	 * peer is the source inbound, the destination outbound. */
	memset(&r, 0, sizeof(r));
	r.nfproto = 2;
	strcpy(r.peer_set, "g4_front_end");
	r.peer_key = EF_F_SADDR4;
	strcpy(r.set, "in4_front_end");
	r.nkeys = 4;
	memcpy(r.key, in4, sizeof(in4));
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r,
		    "ip saddr @g4_front_end iifname . ip daddr . meta l4proto . th dport @in4_front_end accept");
	memset(&r, 0, sizeof(r));
	r.nfproto = 10;
	strcpy(r.peer_set, "g6_director");
	r.peer_key = EF_F_DADDR6;
	strcpy(r.set, "out6_director");
	r.nkeys = 4;
	memcpy(r.key, out6, sizeof(out6));
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r,
		    "ip6 daddr @g6_director oifname . ip6 saddr . meta l4proto . th dport @out6_director accept");
	/* peer_key means nothing without a peer set. */
	r.peer_set[0] = '\0';
	expect_rule(&r,
		    "oifname . ip6 saddr . meta l4proto . th dport @out6_director accept");

	memset(&r, 0, sizeof(r));
	r.nfproto = 2;
	r.l4proto = 6;
	r.verdict = EF_V_DROP;
	expect_rule(&r, "meta nfproto ipv4 meta l4proto 6 drop");

	memset(&r, 0, sizeof(r));
	r.limit_rate = 10;
	r.limit_unit = 1;
	r.limit_burst = 5;
	r.log = true;
	strcpy(r.log_prefix, "edgefw drop input: ");
	r.log_level = 6;
	expect_rule(&r,
		    "limit rate 10/second burst 5 packets log prefix \"edgefw drop input: \" level info");
	r.limit_unit = 60;
	r.limit_rate = 3;
	r.log_level = 4;
	expect_rule(&r,
		    "limit rate 3/minute burst 5 packets log prefix \"edgefw drop input: \" level warn");
	r.limit_unit = 3600;
	r.log = false;
	r.verdict = EF_V_ACCEPT;
	expect_rule(&r, "limit rate 3/hour burst 5 packets accept");

	/* A counter counts before the limit; its counts are not the rule's
	 * text (golden_model_with_counters shows them). */
	memset(&r, 0, sizeof(r));
	r.nfproto = 10;
	r.counter = true;
	r.packets = 3;
	r.bytes = 180;
	expect_rule(&r, "meta nfproto ipv6 counter");
	r.limit_rate = 10;
	r.limit_unit = 1;
	r.limit_burst = 5;
	r.log = true;
	strcpy(r.log_prefix, "edgefw drop input ip6: ");
	r.log_level = 6;
	expect_rule(&r,
		    "meta nfproto ipv6 counter limit rate 10/second burst 5 packets log prefix \"edgefw drop input ip6: \" level info");

	memset(&r, 0, sizeof(r));
	r.foreign = (char *)"meta mark 0x1 accept";
	expect_rule(&r, "# not edgefw's: meta mark 0x1 accept");
}

/* A hand-built model, printed exactly. */
static struct ef_model *golden_model(void)
{
	static const enum ef_type in4_t[] = { EF_T_IFNAME, EF_T_IPV4,
					      EF_T_PROTO, EF_T_PORT };
	static const enum ef_type mg_t[] = { EF_T_IPV4, EF_T_PROTO, EF_T_PORT };
	static const enum ef_field in4_f[] = { EF_F_IIFNAME, EF_F_DADDR4,
					       EF_F_L4PROTO, EF_F_DPORT };
	struct ef_model *m = ef_model_new();
	struct ef_set *s;
	struct ef_chain *c;
	struct ef_rule *r;
	uint8_t lo[EF_KEY_MAX] = { 0 }, hi[EF_KEY_MAX] = { 0 };

	s = ef_model_add_set(m, "in4", in4_t, 4, true);
	memcpy(lo, "eth0", 4);
	memcpy(lo + 16, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	lo[20] = 6;
	lo[24] = 0x01, lo[25] = 0xbb;	/* 443 */
	cr_assert_eq(add_elem_rows(s, lo, lo, "r1"), 0);
	memset(lo, 0, sizeof(lo));
	memcpy(lo, "eth1", 4);
	memcpy(hi, "eth1", 4);
	memcpy(lo + 16, (uint8_t[]){ 192, 0, 2, 0 }, 4);
	memcpy(hi + 16, (uint8_t[]){ 192, 0, 2, 255 }, 4);
	lo[20] = hi[20] = 17;
	lo[24] = 0xc3, lo[25] = 0x50;	/* 50000 */
	hi[24] = 0xea, hi[25] = 0x5f;	/* 59999 */
	cr_assert_eq(add_elem_rows(s, lo, hi, "r2,r3"), 0);
	cr_assert_eq(ef_elem_set_counts(s, 1, 7, 420), 0);

	cr_assert_not_null(ef_model_add_set(m, "mgmt4", mg_t, 3, false));

	c = ef_model_add_chain(m, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	r = ef_chain_add_rule(c);
	r->ct_state = EF_CT_ESTABLISHED | EF_CT_RELATED;
	r->verdict = EF_V_ACCEPT;
	r = ef_chain_add_rule(c);
	r->iif_lo = true;
	r->verdict = EF_V_ACCEPT;
	r = ef_chain_add_rule(c);
	r->nfproto = 2;
	strcpy(r->set, "in4");
	r->nkeys = 4;
	memcpy(r->key, in4_f, sizeof(in4_f));
	r->verdict = EF_V_ACCEPT;
	r = ef_chain_add_rule(c);
	r->nfproto = 2;
	r->counter = true;
	r->packets = 3;
	r->bytes = 180;
	r->limit_rate = 10;
	r->limit_unit = 1;
	r->limit_burst = 5;
	r->log = true;
	strcpy(r->log_prefix, "edgefw drop input ip: ");
	r->log_level = 6;

	c = ef_model_add_chain(m, "output", EF_HOOK_OUTPUT, -5, EF_V_ACCEPT);
	r = ef_chain_add_rule(c);
	r->oif_lo = true;
	r->verdict = EF_V_ACCEPT;
	return m;
}

/* Asserts m prints exactly as `want`; frees m. */
static void assert_model_text(struct ef_model *m, const char *want)
{
	struct ef_strbuf sb = { 0 };
	char *got;

	ef_emit_nft(&sb, m, 0);
	got = ef_sb_steal(&sb);
	cr_assert_str_eq(got, want, "got:\n%s", got);
	free(got);
	ef_model_free(m);
}

Test(emit, golden_model)
{
	static const char want[] =
		"table inet edgefw {\n"
		"\tset in4 {\n"
		"\t\ttype ifname . ipv4_addr . inet_proto . inet_service\n"
		"\t\tflags interval\n"
		"\t\tcounter\n"
		"\t\telements = { \"eth0\" . 192.0.2.1 . tcp . 443 comment \"r1\",\n"
		"\t\t\t     \"eth1\" . 192.0.2.0/24 . udp . 50000-59999 comment \"r2,r3\" }\n"
		"\t}\n"
		"\n"
		"\tset mgmt4 {\n"
		"\t\ttype ipv4_addr . inet_proto . inet_service\n"
		"\t\tflags interval\n"
		"\t}\n"
		"\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy drop;\n"
		"\t\tct state established,related accept\n"
		"\t\tiif \"lo\" accept\n"
		"\t\tiifname . ip daddr . meta l4proto . th dport @in4 accept\n"
		"\t\tmeta nfproto ipv4 counter limit rate 10/second burst 5 packets log prefix \"edgefw drop input ip: \" level info\n"
		"\t}\n"
		"\n"
		"\tchain output {\n"
		"\t\ttype filter hook output priority -5; policy accept;\n"
		"\t\toif \"lo\" accept\n"
		"\t}\n"
		"}\n";
	assert_model_text(golden_model(), want);
}

/* A group's two sets and the rule that looks them up, printed exactly. */
Test(emit, golden_group_model)
{
	static const char want[] =
		"table inet edgefw {\n"
		"\tset g4_peers {\n"
		"\t\ttype ipv4_addr\n"
		"\t\tflags interval\n"
		"\t\telements = { 192.0.2.10-192.0.2.12,\n"
		"\t\t\t     198.51.100.0/24 }\n"
		"\t}\n"
		"\n"
		"\tset in4_peers {\n"
		"\t\ttype ifname . ipv4_addr . inet_proto . inet_service\n"
		"\t\tflags interval\n"
		"\t\tcounter\n"
		"\t\telements = { \"eth0\" . 192.0.2.1 . tcp . 8443 comment \"r3\" }\n"
		"\t}\n"
		"\n"
		"\tset g6_peers {\n"
		"\t\ttype ipv6_addr\n"
		"\t\tflags interval\n"
		"\t}\n"
		"\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy drop;\n"
		"\t\tip saddr @g4_peers iifname . ip daddr . meta l4proto . th dport @in4_peers accept\n"
		"\t}\n"
		"}\n";
	static const enum ef_type in4_t[] = { EF_T_IFNAME, EF_T_IPV4,
					      EF_T_PROTO, EF_T_PORT };
	static const enum ef_field in4_f[] = { EF_F_IIFNAME, EF_F_DADDR4,
					       EF_F_L4PROTO, EF_F_DPORT };
	const enum ef_type t4 = EF_T_IPV4, t6 = EF_T_IPV6;
	struct ef_model *m = ef_model_new();
	uint8_t lo[EF_KEY_MAX] = { 0 }, hi[EF_KEY_MAX] = { 0 };
	struct ef_set *s;
	struct ef_chain *c;
	struct ef_rule *r;

	s = ef_model_add_set(m, "g4_peers", &t4, 1, false);
	cr_assert_not_null(s);
	memcpy(lo, (uint8_t[]){ 192, 0, 2, 10 }, 4);
	memcpy(hi, (uint8_t[]){ 192, 0, 2, 12 }, 4);
	cr_assert_eq(ef_set_add_elem(s, lo, hi, NULL), 0);
	memcpy(lo, (uint8_t[]){ 198, 51, 100, 0 }, 4);
	memcpy(hi, (uint8_t[]){ 198, 51, 100, 255 }, 4);
	cr_assert_eq(ef_set_add_elem(s, lo, hi, NULL), 0);
	s = ef_model_add_set(m, "in4_peers", in4_t, 4, true);
	cr_assert_not_null(s);
	memset(lo, 0, sizeof(lo));
	memcpy(lo, "eth0", 4);
	memcpy(lo + 16, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	lo[20] = 6;
	lo[24] = 0x20, lo[25] = 0xfb;	/* 8443 */
	cr_assert_eq(add_elem_rows(s, lo, lo, "r3"), 0);
	cr_assert_not_null(ef_model_add_set(m, "g6_peers", &t6, 1, false));
	c = ef_model_add_chain(m, "input", EF_HOOK_INPUT, 0, EF_V_DROP);
	r = ef_chain_add_rule(c);
	r->nfproto = 2;
	strcpy(r->peer_set, "g4_peers");
	r->peer_key = EF_F_SADDR4;
	strcpy(r->set, "in4_peers");
	r->nkeys = 4;
	memcpy(r->key, in4_f, sizeof(in4_f));
	r->verdict = EF_V_ACCEPT;
	assert_model_text(m, want);
}

Test(emit, golden_model_with_counters)
{
	struct ef_model *m = golden_model();
	struct ef_strbuf sb = { 0 };
	char *got;

	ef_emit_nft(&sb, m, EF_EMIT_COUNTERS);
	got = ef_sb_steal(&sb);
	cr_assert_not_null(strstr(got,
				  "\t\telements = { \"eth0\" . 192.0.2.1 . tcp . 443 counter packets 0 bytes 0 comment \"r1\",\n"
				  "\t\t\t     \"eth1\" . 192.0.2.0/24 . udp . 50000-59999 counter packets 7 bytes 420 comment \"r2,r3\" }\n"),
			   "got:\n%s", got);
	cr_assert_not_null(strstr(got,
				  "\t\tmeta nfproto ipv4 counter packets 3 bytes 180 limit rate 10/second burst 5 packets log prefix \"edgefw drop input ip: \" level info\n"),
			   "got:\n%s", got);
	free(got);
	ef_model_free(m);
}

Test(emit, empty_model)
{
	assert_model_text(ef_model_new(), "table inet edgefw {\n}\n");
}

/* The compiled edge-single-public prints as the shipped example says. */
Test(emit, compiled_policy_text)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;
	struct ef_strbuf sb = { 0 };
	char *got;

	cr_assert_eq(compile_files("../../policies/edge-single-public.policy",
				   "../../policies/examples/edge-single-public.site",
				   NULL, &d, &m), 0);
	ef_emit_nft(&sb, m, 0);
	got = ef_sb_steal(&sb);
	cr_assert_not_null(strstr(got,
				  "\tset mgmt4 {\n"
				  "\t\ttype ipv4_addr . inet_proto . inet_service\n"
				  "\t\tflags interval\n"
				  "\t\tcounter\n"
				  "\t\telements = { 203.0.113.0/24 . tcp . 22 comment \"mgmt\" }\n"
				  "\t}\n"));
	cr_assert_not_null(strstr(got,
				  "\t\tip6 saddr . meta l4proto . th dport @mgmt6 accept\n"));
	/* Timed exceptions: declared empty, their elements the daemon's. */
	cr_assert_not_null(strstr(got,
				  "\tset ex4 {\n"
				  "\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n"
				  "\t\tflags interval,timeout\n"
				  "\t\tcounter\n"
				  "\t}\n"), "%s", got);
	/* A group's addresses: one field, merged, no counter, no comment. */
	cr_assert_not_null(strstr(got,
				  "\tset g4_front_end {\n"
				  "\t\ttype ipv4_addr\n"
				  "\t\tflags interval\n"
				  "\t\telements = { 192.0.2.10/31 }\n"
				  "\t}\n"
				  "\n"
				  "\tset in4_front_end {\n"
				  "\t\ttype ifname . ipv4_addr . inet_proto . inet_service\n"
				  "\t\tflags interval\n"
				  "\t\tcounter\n"
				  "\t\telements = { \"eth1\" . 192.0.2.1 . tcp . 4443 comment \"r24\",\n"), "%s", got);
	/* Single addresses only: a hash set sized up front, no ranges. */
	cr_assert_not_null(strstr(got,
				  "\tset g6_director {\n"
				  "\t\ttype ipv6_addr\n"
				  "\t\tsize 64\n"
				  "\t\telements = { 2001:db8:200::10 }\n"
				  "\t}\n"), "%s", got);
	/* The lookups for any peer, then each group's. */
	cr_assert_not_null(strstr(got,
				  "\t\tiifname . ip daddr . meta l4proto . th dport @in4 accept\n"
				  "\t\tiifname . ip6 daddr . meta l4proto . th dport @in6 accept\n"
				  "\t\tip saddr @g4_front_end iifname . ip daddr . meta l4proto . th dport @in4_front_end accept\n"
				  "\t\tip6 saddr @g6_front_end iifname . ip6 daddr . meta l4proto . th dport @in6_front_end accept\n"
				  "\t\tip saddr @g4_director iifname . ip daddr . meta l4proto . th dport @in4_director accept\n"
				  "\t\tip6 saddr @g6_director iifname . ip6 daddr . meta l4proto . th dport @in6_director accept\n"
				  "\t\tip saddr . ip daddr . meta l4proto . th dport @ex4 accept\n"
				  "\t\tip6 saddr . ip6 daddr . meta l4proto . th dport @ex6 accept\n"
				  "\t\tmeta nfproto ipv4 counter limit rate 10/second burst 5 packets log prefix \"edgefw drop input ip: \" level info\n"
				  "\t\tmeta nfproto ipv6 counter limit rate 10/second burst 5 packets log prefix \"edgefw drop input ip6: \" level info\n"
				  "\t}\n"),
			   "%s", got);
	cr_assert_not_null(strstr(got,
				  "\t\toifname . ip saddr . meta l4proto . th dport @out4 accept\n"
				  "\t\toifname . ip6 saddr . meta l4proto . th dport @out6 accept\n"
				  "\t\tip daddr @g4_director oifname . ip saddr . meta l4proto . th dport @out4_director accept\n"
				  "\t\tip6 daddr @g6_director oifname . ip6 saddr . meta l4proto . th dport @out6_director accept\n"
				  "\t\tmeta nfproto ipv4 counter limit rate 10/second burst 5 packets log prefix \"edgefw drop output ip: \" level info\n"
				  "\t\tmeta nfproto ipv6 counter limit rate 10/second burst 5 packets log prefix \"edgefw drop output ip6: \" level info\n"
				  "\t}\n"),
			   "%s", got);
	/* The concatenated peer sets are gone. */
	cr_assert_null(strstr(got, "_peer"), "%s", got);
	free(got);
	ef_model_free(m);
	ef_diags_free(&d);
}

/* Times as nft writes them. */
Test(emit, milliseconds)
{
	static const struct {
		uint64_t ms;
		const char *text;
	} t[] = {
		{ 0, "0s" }, { 1, "1ms" }, { 1000, "1s" }, { 3600000, "1h" },
		{ 3599000, "59m59s" }, { 90061001, "1d1h1m1s1ms" },
		{ 86400000ull * 30, "30d" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct ef_strbuf sb = { 0 };
		char *got;

		ef_emit_ms(&sb, t[i].ms);
		got = ef_sb_steal(&sb);
		cr_assert_str_eq(got, t[i].text);
		free(got);
	}
}

/* A runtime set read back: flags timeout, and each element's time to
 * live and time left, where nft writes them. */
Test(emit, runtime_set_elements)
{
	struct ef_model *m = ef_model_new();
	static const enum ef_type types[] = { EF_T_IPV4, EF_T_IPV4,
					      EF_T_PROTO, EF_T_PORT };
	struct ef_set *set = ef_model_add_set(m, "ex4", types, 4, true);
	uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };
	struct ef_strbuf sb = { 0 };
	char *got;

	set->timeout = true;
	key[0] = 203, key[1] = 0, key[2] = 113, key[3] = 7;
	key[4] = 198, key[5] = 51, key[6] = 100, key[7] = 10;
	key[8] = 6;
	key[12] = 8443 >> 8, key[13] = 8443 & 0xff;
	memcpy(end, key, sizeof(end));
	cr_assert_eq(add_elem_rows(set, key, end, "exception 3"), 0);
	cr_assert_eq(ef_elem_set_times(set, 0, 3600000, 3599000), 0);
	cr_assert_eq(ef_elem_set_counts(set, 0, 2, 120), 0);
	ef_emit_nft(&sb, m, EF_EMIT_COUNTERS);
	got = ef_sb_steal(&sb);
	cr_assert_str_eq(got,
			 "table inet edgefw {\n"
			 "\tset ex4 {\n"
			 "\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n"
			 "\t\tflags interval,timeout\n"
			 "\t\tcounter\n"
			 "\t\telements = { 203.0.113.7 . 198.51.100.10 . tcp . 8443 counter packets 2 bytes 120 timeout 1h expires 59m59s comment \"exception 3\" }\n"
			 "\t}\n"
			 "}\n", "%s", got);
	free(got);
	ef_model_free(m);
}

/* Maps, nat chains, the NAT statements and ct status, as nft lists them. */
Test(emit, golden_nat_model)
{
	static const char want[] =
		"table inet edgefw {\n"
		"\tmap nat_dnat4 {\n"
		"\t\ttype ipv4_addr : ipv4_addr\n"
		"\t\telements = { 198.51.100.20 comment \"access_edge\" : 192.0.2.66 }\n"
		"\t}\n"
		"\n"
		"\tmap nat_snat4 {\n"
		"\t\ttype ipv4_addr : ipv4_addr\n"
		"\t\telements = { 192.0.2.66 comment \"access_edge\" : 198.51.100.20 }\n"
		"\t}\n"
		"\n"
		"\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tdnat ip to ip daddr map @nat_dnat4\n"
		"\t}\n"
		"\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\tsnat ip to ip saddr map @nat_snat4\n"
		"\t}\n"
		"\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy drop;\n"
		"\t\tct status dnat accept\n"
		"\t}\n"
		"}\n";
	assert_model_text(nat_model(), want);
}
