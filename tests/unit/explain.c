// SPDX-License-Identifier: GPL-2.0-or-later
/* explain: the interpreter on compiled models of shipped scenarios. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "helpers.h"

#define POLICIES "../../policies/"
#define SITES "../../policies/examples/"

static struct ef_model *model_of(const char *policy, const char *site)
{
	struct ef_diags d = { 0 };
	struct ef_model *m = NULL;

	cr_assert_eq(compile_files(policy, site, NULL, &d, &m), 0);
	ef_diags_free(&d);
	return m;
}

static struct ef_flow flow(const char *from, const char *to, uint8_t proto,
			   uint16_t port, const char *iif, const char *oif)
{
	struct ef_flow f = { .proto = proto, .dport = port };

	f.family = strchr(to, ':') ? 6 : 4;
	cr_assert_eq(inet_pton(f.family == 4 ? AF_INET : AF_INET6, to,
			       f.daddr), 1);
	if (from)
		cr_assert_eq(inet_pton(f.family == 4 ? AF_INET : AF_INET6,
				       from, f.saddr), 1);
	strcpy(f.iif, iif ? iif : "");
	strcpy(f.oif, oif ? oif : "");
	return f;
}

static void explain(const struct ef_model *m, const struct ef_flow *f,
		    bool from, struct ef_explanation *x)
{
	struct ef_explain_models on = { m, NULL, m };

	cr_assert_eq(ef_explain(&on, f, from, x), 0);
	cr_assert_gt(x->nanswers, 0);
}

static bool has_row(const struct ef_rows *r, unsigned int id)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (r->id[i] == id)
			return true;
	return false;
}

#define ESP POLICIES "edge-single-public.policy", SITES "edge-single-public.site"

/* A row's flow is admitted by its element, the rows named. */
Test(explain, admitted_by_its_rows)
{
	struct ef_model *m = model_of(ESP);
	struct ef_flow f = flow(NULL, "198.51.100.10", IPPROTO_TCP, 443,
				"eth0", NULL);
	struct ef_explanation x;

	explain(m, &f, false, &x);
	cr_assert(x.from_assumed);
	cr_assert_eq(x.dir, EF_DIR_IN);
	cr_assert_eq(x.nanswers, 1);
	cr_assert_eq(x.answers[0].verdict, EF_V_ACCEPT);
	cr_assert_eq(x.answers[0].by, EF_BY_ROW);
	cr_assert_str_eq(x.answers[0].chain, "input");
	cr_assert(has_row(x.answers[0].rows, 5));
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* A table read back with a rule edgefwd did not write (drift, while it
 * fights another writer): explain cannot run it, so it must not give the
 * chain's verdict as certain; it counts the rules it could not run. */
Test(explain, says_when_a_rule_it_cannot_run_comes_first)
{
	struct ef_model *m = model_of(ESP);
	struct ef_chain *in = ef_model_find_chain(m, "input");
	struct ef_flow f = flow(NULL, "198.51.100.10", IPPROTO_TCP, 8080,
				"eth0", NULL);
	struct ef_flow ok = flow(NULL, "198.51.100.10", IPPROTO_TCP, 443,
				 "eth0", NULL);
	struct ef_explanation x;
	struct ef_rule *r;

	/* Appended to the chain: before its policy, after the rows. */
	explain(m, &ok, false, &x);
	cr_assert_eq(x.answers[0].unknown_rules, 0);
	ef_explanation_free(&x);
	r = ef_chain_add_rule(in);
	cr_assert_not_null(r);
	r->foreign = strdup("tcp dport 8080 accept");
	explain(m, &f, false, &x);
	cr_assert_eq(x.answers[0].verdict, EF_V_DROP);
	cr_assert_eq(x.answers[0].unknown_rules, 1);
	ef_explanation_free(&x);
	/* After the row that admits 443: it did not come first. */
	explain(m, &ok, false, &x);
	cr_assert_eq(x.answers[0].verdict, EF_V_ACCEPT);
	cr_assert_eq(x.answers[0].unknown_rules, 0);
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* No interface said: each zone's, and one of no zone. */
Test(explain, per_zone)
{
	struct ef_model *m = model_of(ESP);
	struct ef_flow f = flow(NULL, "198.51.100.10", IPPROTO_TCP, 443,
				NULL, NULL);
	struct ef_explanation x;

	explain(m, &f, false, &x);
	cr_assert_eq(x.nanswers, 3);
	cr_assert_eq(x.answers[0].verdict, EF_V_ACCEPT);
	cr_assert_str_eq(x.answers[0].ifnames[0], "eth0");
	cr_assert_eq(x.answers[1].verdict, EF_V_DROP);
	cr_assert_str_eq(x.answers[1].ifnames[0], "eth1");
	cr_assert_str_eq(x.answers[2].ifnames[0], "");
	cr_assert_eq(x.answers[1].reasons[0].kind, EF_R_ROW_ELSEWHERE);
	cr_assert_eq(x.answers[1].reasons[0].differs, EF_DIFF_ZONE);
	cr_assert_str_eq(x.answers[1].reasons[0].zone, "external");
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* Dropped: the reasons. */
Test(explain, why_dropped)
{
	struct ef_model *m = model_of(ESP);
	struct ef_flow nothing = flow(NULL, "198.51.100.10", IPPROTO_TCP,
				      8080, "eth0", NULL);
	struct ef_flow peer = flow("192.0.2.50", "192.0.2.1", IPPROTO_TCP,
				   5061, "eth1", NULL);
	struct ef_flow addr = flow(NULL, "198.51.100.11", IPPROTO_TCP, 5061,
				   "eth0", NULL);
	struct ef_flow ssh = flow(NULL, "198.51.100.10", IPPROTO_TCP, 22,
				  "eth0", NULL);
	struct ef_flow mgmt = flow("203.0.113.5", "198.51.100.10", IPPROTO_TCP,
				   22, "eth0", NULL);
	struct ef_explanation x;
	const struct ef_reason *r;

	explain(m, &nothing, false, &x);
	cr_assert_eq(x.answers[0].verdict, EF_V_DROP);
	cr_assert_eq(x.answers[0].reasons[0].kind, EF_R_NO_ROW);
	ef_explanation_free(&x);

	explain(m, &peer, true, &x);
	r = &x.answers[0].reasons[0];
	cr_assert_eq(r->differs, EF_DIFF_PEER);
	cr_assert_str_eq(r->group, "director");
	cr_assert(has_row(r->rows, 18));
	ef_explanation_free(&x);

	explain(m, &addr, false, &x);
	r = &x.answers[0].reasons[0];
	cr_assert_eq(r->differs, EF_DIFF_ADDR);
	cr_assert_str_eq(r->role, "access_edge");
	ef_explanation_free(&x);

	explain(m, &ssh, false, &x);
	cr_assert_eq(x.answers[0].reasons[0].kind, EF_R_MGMT_ONLY);
	ef_explanation_free(&x);

	explain(m, &mgmt, true, &x);
	cr_assert_eq(x.answers[0].verdict, EF_V_ACCEPT);
	cr_assert_eq(x.answers[0].by, EF_BY_MGMT);
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* Outbound: the output chain, by egress interface and source role. */
Test(explain, outbound)
{
	struct ef_model *m = model_of(ESP);
	struct ef_flow crl = flow("198.51.100.10", "203.0.113.9", IPPROTO_TCP,
				  80, NULL, "eth0");
	struct ef_flow other = flow("198.51.100.11", "203.0.113.9",
				    IPPROTO_TCP, 80, NULL, "eth0");
	struct ef_explanation x;

	explain(m, &crl, true, &x);
	cr_assert_eq(x.dir, EF_DIR_OUT);
	cr_assert_str_eq(x.answers[0].chain, "output");
	cr_assert_eq(x.answers[0].verdict, EF_V_ACCEPT);
	cr_assert(has_row(x.answers[0].rows, 2));
	ef_explanation_free(&x);
	explain(m, &other, true, &x);
	cr_assert_eq(x.answers[0].verdict, EF_V_DROP);
	cr_assert_str_eq(x.answers[0].reasons[0].role, "access_edge");
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* A gateway: the public address is translated first, then forward. */
Test(explain, nat_gateway)
{
	struct ef_model *m = model_of(POLICIES "edge-single-nat.policy",
				      SITES "edge-single-nat-gateway.site");
	struct ef_flow f = flow(NULL, "198.51.100.20", IPPROTO_TCP, 443,
				"eth0", NULL);
	struct ef_explanation x;
	uint8_t priv[4] = { 192, 0, 2, 66 };

	explain(m, &f, false, &x);
	cr_assert(x.gateway);
	cr_assert(x.dnat);
	cr_assert_eq(memcmp(x.dnat_to, priv, 4), 0);
	cr_assert_str_eq(x.answers[0].chain, "forward");
	cr_assert_eq(x.answers[0].verdict, EF_V_ACCEPT);
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* The source assumed is in no group, not management, not ours. */
Test(explain, assumed_source)
{
	struct ef_model *m = model_of(POLICIES "public-im-connectivity.policy",
				      SITES "public-im-connectivity.site");
	struct ef_flow f = flow(NULL, "2001:db8:100::10", IPPROTO_TCP, 5061,
				"eth0", NULL);
	struct ef_explanation x;
	char text[64];

	explain(m, &f, false, &x);
	inet_ntop(AF_INET6, x.flow.saddr, text, sizeof(text));
	cr_assert_str_eq(text, "2001:db8:eeee::1");
	ef_explanation_free(&x);
	ef_model_free(m);
}

/* The example site, and one line more, as a file of t. */
static char *site_plus(struct tdir *t, const char *line)
{
	FILE *f = fopen(SITES "edge-single-public.site", "r");
	char buf[16384];
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 256, f);
	fclose(f);
	buf[n] = '\0';
	strcat(buf, line);
	return tdir_write(t, "site", buf, 0644);
}

/* A flow only rows turned off would admit: the rows are named, with the
 * features the site turned off, and only those of its way. */
Test(explain, feature_off)
{
	struct tdir t;
	struct ef_model *m;
	struct ef_flow in = flow(NULL, "198.51.100.10", IPPROTO_TCP, 5269,
				 "eth0", NULL);
	struct ef_flow other = flow(NULL, "198.51.100.10", IPPROTO_TCP, 5270,
				    "eth0", NULL);
	struct ef_explanation x;
	const struct ef_reason *r;
	char *site;

	tdir_init(&t);
	site = site_plus(&t, "feature xmpp-federation = off\n");
	m = model_of(POLICIES "edge-single-public.policy", site);
	free(site);

	explain(m, &in, false, &x);
	cr_assert_eq(x.answers[0].verdict, EF_V_DROP);
	cr_assert_eq(x.answers[0].nreasons, 1);
	r = &x.answers[0].reasons[0];
	cr_assert_eq(r->kind, EF_R_FEATURE_OFF);
	cr_assert(has_row(r->rows, 1), "row 1: XMPP from any to the proxy");
	cr_assert(has_row(r->rows, 35));
	cr_assert(!has_row(r->rows, 36), "row 36 is the other way");
	ef_explanation_free(&x);

	explain(m, &other, false, &x);
	cr_assert_eq(x.answers[0].reasons[0].kind, EF_R_NO_ROW);
	ef_explanation_free(&x);
	ef_model_free(m);
	tdir_fini(&t);
}
