// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The drift matrix against the real kernel, each case in a network
 * namespace of its own: someone changes our table with nft, one reconcile
 * puts it right, sending no more than the change, and a foreign table is
 * never touched.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "helpers.h"
#include "nft_emit.h"
#include "reconcile.h"


struct fixture {
	struct ef_model *desired;
	struct ef_nl *nl;
};

/* Unlocked: the drift is made with nft (tests/kernel/lock.c). */
static struct ef_model *compile_copy(void)
{
	return kt_compile("edge-single-public", "edge-single-public",
			  EF_LOCK_OFF);
}

static void setup_with(struct fixture *f, struct ef_model *desired)
{
	struct ef_reconcile_report rep;

	kt_private_netns(true);
	f->desired = desired;
	cr_assert_eq(ef_nl_open(&f->nl), 0);
	cr_assert_eq(ef_reconcile(f->nl, f->desired, &rep, NULL), 0);
	cr_assert(rep.created);
}

static void teardown(struct fixture *f)
{
	ef_model_free(f->desired);
	ef_nl_close(f->nl);
}

static void nft(const char *cmd)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "nft %s", cmd);
	cr_assert_eq(kt_run(buf), 0, "nft %s failed", cmd);
}

/* One reconcile; then the table must match and a second one send nothing. */
static struct ef_delta_size correct(struct fixture *f)
{
	struct ef_reconcile_report rep, again;
	struct ef_model *live = NULL;
	uint32_t gen_before, gen_after;
	char *why = NULL;

	cr_assert_eq(ef_reconcile(f->nl, f->desired, &rep, &why), 0, "%s",
		     why ? why : "");
	cr_assert_eq(ef_nl_read(f->nl, &live, NULL), 0);
	cr_assert(ef_model_equal(f->desired, live), "not corrected");
	ef_model_free(live);
	cr_assert_eq(ef_nl_genid(f->nl, &gen_before), 0);
	cr_assert_eq(ef_reconcile(f->nl, f->desired, &again, NULL), 0);
	cr_assert_eq(ef_nl_genid(f->nl, &gen_after), 0);
	cr_assert_eq(gen_before, gen_after, "an equal pair sent a batch");
	cr_assert_eq(again.sent.elems_added + again.sent.elems_deleted +
			     again.sent.rules_added + again.sent.rules_deleted +
			     again.sent.objects, 0);
	return rep.sent;
}

static size_t rule_count(const struct ef_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nchains; i++)
		n += m->chains[i].nrules;
	return n;
}

static struct fixture f;

static void init(void)
{
	setup_with(&f, compile_copy());
}

static void fini(void)
{
	teardown(&f);
}

TestSuite(drift, .init = init, .fini = fini);

Test(drift, a_flush_table)
{
	struct ef_delta_size s;

	nft("flush table inet edgefw");
	s = correct(&f);
	/* nft flushes the chains; their rules come back, nothing else. */
	cr_assert_eq(s.rules_added, rule_count(f.desired));
	cr_assert_eq(s.rules_deleted + s.elems_deleted, 0);
}

Test(drift, b_delete_table)
{
	struct ef_delta_size s;

	nft("delete table inet edgefw");
	s = correct(&f);
	cr_assert_eq(s.elems_added, ef_model_elem_count(f.desired));
	cr_assert_eq(s.rules_added, rule_count(f.desired));
}

Test(drift, c_one_rule_deleted)
{
	struct ef_delta_size s;

	nft("-a list chain inet edgefw input | awk '/@in4 accept/ {print $NF}' "
	    "> /tmp/edgefw-handle");
	cr_assert_eq(kt_run("nft delete rule inet edgefw input handle "
			 "$(cat /tmp/edgefw-handle)"), 0);
	unlink("/tmp/edgefw-handle");
	s = correct(&f);
	cr_assert_eq(s.rules_added, 1, "sent %zu rules", s.rules_added);
	cr_assert_eq(s.objects + s.elems_added + s.rules_deleted, 0);
}

Test(drift, d_foreign_element_added)
{
	struct ef_delta_size s;

	nft("add element inet edgefw in4 '{ \"eth0\" . 198.51.100.99 . tcp . 22 }'");
	s = correct(&f);
	cr_assert_eq(s.elems_deleted, 1);
	cr_assert_eq(s.elems_added + s.rules_added + s.objects, 0);
}

Test(drift, e_one_element_deleted)
{
	struct ef_delta_size s;

	nft("delete element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 443 }'");
	s = correct(&f);
	cr_assert_eq(s.elems_added, 1, "sent %zu elements", s.elems_added);
	cr_assert_eq(s.elems_deleted + s.rules_added + s.objects, 0);
}

Test(drift, f_policy_flipped_to_accept)
{
	struct ef_delta_size s;

	nft("chain inet edgefw input '{ policy accept; }'");
	s = correct(&f);
	cr_assert_eq(s.objects, 1);
	cr_assert_eq(s.elems_added + s.rules_added + s.rules_deleted, 0);
}

Test(drift, g_rule_inserted)
{
	struct ef_delta_size s;

	nft("insert rule inet edgefw input tcp dport 22 accept");
	s = correct(&f);
	cr_assert_eq(s.rules_deleted, 1);
	cr_assert_eq(s.rules_added + s.elems_added + s.objects, 0);
}

Test(drift, h_foreign_table_untouched)
{
	struct ef_delta_size s;

	nft("-f - <<'EOF'\n"
	    "table inet docker {\n"
	    " set addrs { type ipv4_addr; flags interval; elements = { 10.0.0.0/8 } }\n"
	    " chain forward { type filter hook forward priority 0; policy accept;"
	    " ip saddr @addrs counter accept; }\n"
	    "}\nEOF");
	/* It changes, and so does our table. */
	nft("add element inet docker addrs '{ 172.16.0.0/12 }'");
	nft("add rule inet docker forward ip daddr 192.0.2.0/24 drop");
	nft("delete element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 443 }'");
	cr_assert_eq(kt_run("nft list table inet docker > /tmp/edgefw-docker.1"), 0);
	s = correct(&f);
	cr_assert_eq(s.elems_added, 1);
	cr_assert_eq(kt_run("nft list table inet docker > /tmp/edgefw-docker.2"), 0);
	cr_assert_eq(kt_run("cmp -s /tmp/edgefw-docker.1 /tmp/edgefw-docker.2"), 0,
		     "the foreign table changed");
	unlink("/tmp/edgefw-docker.1");
	unlink("/tmp/edgefw-docker.2");
}

/* Somebody commits between our dump and our batch: the kernel refuses
 * the batch (the generation moved), and the reconciler tries again. */
Test(drift, genid_guards_the_batch)
{
	struct ef_model *live = NULL;
	struct ef_delta delta;
	uint32_t genid;
	int err;

	nft("delete element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 443 }'");
	cr_assert_eq(ef_nl_genid(f.nl, &genid), 0);
	cr_assert_eq(ef_plan(f.nl, f.desired, &live, &delta, NULL), 0);
	nft("add table inet racer");
	err = ef_nl_send_delta(f.nl, f.desired, &delta, genid, NULL);
	cr_assert_eq(err, -ERESTART, "a stale batch went through: %d", err);
	ef_delta_free(&delta);
	ef_model_free(live);
	/* The reconciler reads again and succeeds. */
	cr_assert_eq(correct(&f).elems_added, 1);
}

/* A reconciler that stays skips the read while the generation holds, and
 * reads again as soon as anyone commits. */
Test(drift, unchanged_generation_skips_the_read)
{
	struct ef_reconciler r = { .nl = f.nl };
	struct ef_reconcile_report rep;

	/* The reconciler owns its model. */
	ef_model_free(f.desired);
	f.desired = compile_copy();
	cr_assert_eq(ef_reconciler_run(&r, f.desired, &rep, NULL), 0);
	cr_assert_not(rep.unchanged, "the first run must read");
	cr_assert_eq(ef_reconciler_run(&r, f.desired, &rep, NULL), 0);
	cr_assert(rep.unchanged);
	nft("delete element inet edgefw in4 '{ \"eth0\" . 198.51.100.11 . tcp . 443 }'");
	cr_assert_eq(ef_reconciler_run(&r, f.desired, &rep, NULL), 0);
	cr_assert_not(rep.unchanged);
	cr_assert_eq(rep.sent.elems_added, 1);
	/* Our own commit does not count as a change by someone else. */
	cr_assert_eq(ef_reconciler_run(&r, f.desired, &rep, NULL), 0);
	cr_assert(rep.unchanged);
	ef_reconciler_fini(&r);
	f.desired = NULL;
}

/* A new model while the generation holds: diffed against the old one,
 * nothing read back, only the change sent; a foreign commit in between
 * is caught by the generation guard. */
Test(drift, new_model_diffs_against_the_last)
{
	struct ef_reconciler r = { .nl = f.nl };
	struct ef_reconcile_report rep;
	struct ef_model *next;
	struct ef_set *in4;
	struct ef_model *live = NULL;

	cr_assert_eq(ef_reconciler_run(&r, compile_copy(), &rep, NULL), 0);
	next = compile_copy();
	in4 = ef_model_find_set(next, "in4");
	ef_set_remove_elem(in4, 0);
	cr_assert_eq(ef_reconciler_run(&r, next, &rep, NULL), 0);
	cr_assert_eq(rep.sent.elems_deleted, 1);
	cr_assert_eq(rep.tries, 1);
	cr_assert_eq(ef_nl_read(f.nl, &live, NULL), 0);
	cr_assert(ef_model_equal(next, live));
	ef_model_free(live);
	/* Someone commits, then a new model: the generation moved, so the
	 * table is read back, and the change is still exactly one element. */
	nft("add table inet racer");
	next = compile_copy();
	cr_assert_eq(ef_reconciler_run(&r, next, &rep, NULL), 0);
	cr_assert_eq(rep.sent.elems_added, 1);
	cr_assert_eq(rep.sent.elems_deleted, 0);
	ef_reconciler_fini(&r);
}

/* Objects we could not have made: a chain with a 80-byte name, a set with
 * a catch-all element. They are read, and the reconcile removes them. */
Test(drift, odd_objects_are_read_and_removed)
{
	struct ef_delta_size s;

	nft("add chain inet edgefw "
	    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
	s = correct(&f);
	cr_assert_eq(s.objects, 1, "the long-named chain was not deleted");
	if (kt_run("nft add element inet edgefw mgmt4 '{ * }' 2>/dev/null") == 0) {
		s = correct(&f);
		cr_assert_geq(s.objects, 2, "the set was not made again");
	}
}

/* A group that outgrows its hash's capacity gets a set of the new size in
 * the same batch: the kernel would refuse elements beyond the old one. */
Test(drift, group_outgrowing_its_hash_gets_a_new_set)
{
	struct ef_model *next = compile_copy(), *live = NULL;
	struct ef_reconcile_report rep;
	struct ef_set *g = NULL;
	char *why = NULL;

	for (size_t i = 0; i < next->nsets && !g; i++)
		if (next->sets[i].hashed && next->sets[i].type[0] == EF_T_IPV6)
			g = &next->sets[i];
	cr_assert_not_null(g, "the edge site has a hash of IPv6 addresses");
	cr_assert_eq(g->size, 64);
	for (uint32_t i = 0; i < 200; i++) {
		uint8_t key[EF_KEY_MAX] = { 0 };
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99 };

		a[15] = (uint8_t)(i + 1);
		ef_key_put(g, 0, key, a);
		cr_assert_eq(ef_set_add_elem(g, key, key, NULL), 0);
	}
	ef_set_sort(g);
	g->size = 256;
	cr_assert_eq(ef_reconcile(f.nl, next, &rep, &why), 0, "%s",
		     why ? why : "");
	cr_assert_geq(rep.sent.objects, 2, "the set was not made anew");
	cr_assert_eq(ef_nl_read(f.nl, &live, NULL), 0);
	cr_assert(ef_model_equal(next, live));
	cr_assert_eq(ef_model_find_set(live, g->name)->size, 256);
	ef_model_free(live);
	ef_model_free(next);
}

/* ex4's elements, as the daemon wants them: one exception (tcp 8443 from
 * any to 198.51.100.10), given ttl_ms. */
static struct ef_set *exception_set(const struct ef_model *m, uint64_t ttl_ms,
				    unsigned int id)
{
	struct ef_set *set = ef_model_find_set(m, EF_SET_EX4);
	uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };
	static const uint8_t any_lo[4], any_hi[4] = { 255, 255, 255, 255 },
			     to[4] = { 198, 51, 100, 10 }, tcp = 6,
			     port[2] = { 8443 >> 8, 8443 & 0xff };
	struct ef_rows *rows = NULL;
	char comment[32];

	cr_assert(set && set->timeout);
	ef_key_put(set, 0, key, any_lo);
	ef_key_put(set, 0, end, any_hi);
	ef_key_put(set, 1, key, to);
	ef_key_put(set, 1, end, to);
	ef_key_put(set, 2, key, &tcp);
	ef_key_put(set, 2, end, &tcp);
	ef_key_put(set, 3, key, port);
	ef_key_put(set, 3, end, port);
	snprintf(comment, sizeof(comment), "exception %u", id);
	cr_assert_eq(ef_rows_parse(comment, &rows), 0);
	cr_assert_eq(ef_set_add_elem(set, key, end, rows), 0);
	ef_rows_put(rows);
	cr_assert_eq(ef_elem_set_times(set, set->nelems - 1, ttl_ms, 0), 0);
	return set;
}

/* The runtime set's elements are the daemon's: it adds them with their
 * time to live; a reconcile leaves them, even after a drift correction;
 * the kernel expires them; the table stays known to match throughout. */
Test(drift, runtime_elements_are_left_to_the_daemon)
{
	struct ef_reconciler r = { .nl = f.nl };
	struct ef_reconcile_report rep;
	struct ef_model *want = compile_copy(), *live = NULL;
	const struct ef_set *set = exception_set(want, 60000, 7);
	const struct ef_set *got;
	struct ef_reconcile_report sent;
	char *why = NULL;

	ef_model_free(f.desired);
	f.desired = compile_copy();
	cr_assert_eq(ef_reconciler_run(&r, f.desired, &rep, NULL), 0);
	cr_assert_eq(ef_reconciler_set_elems(&r, &set, 1, &sent, &why), 0,
		     "%s", why ? why : "");
	cr_assert_eq(sent.sent.elems_added, 1);
	cr_assert(ef_reconciler_known(&r, NULL), "our own commit is no drift");
	/* Again: nothing to send, the time left stands. */
	cr_assert_eq(ef_reconciler_set_elems(&r, &set, 1, &sent, NULL), 0);
	cr_assert(ef_delta_size_zero(&sent.sent));
	cr_assert_eq(ef_nl_read(f.nl, &live, NULL), 0);
	got = ef_model_find_set(live, EF_SET_EX4);
	cr_assert(got->timeout);
	cr_assert_eq(got->nelems, 1);
	cr_assert_eq(ef_elem_timeout(got, 0), 60000);
	cr_assert(ef_elem_expires(got, 0) > 50000 &&
		  ef_elem_expires(got, 0) <= 60000);
	cr_assert(ef_model_equal(f.desired, live));
	ef_model_free(live);

	/* Another writer deletes a rule: the correction puts it back and
	 * leaves the exception. */
	nft("flush chain inet edgefw input");
	cr_assert_eq(ef_reconciler_recheck(&r, &rep, NULL), 0);
	cr_assert_eq(rep.sent.elems_deleted, 0);
	cr_assert_gt(rep.sent.rules_added, 0);
	cr_assert_eq(ef_nl_read(f.nl, &live, NULL), 0);
	cr_assert_eq(ef_model_find_set(live, EF_SET_EX4)->nelems, 1);
	ef_model_free(live);

	/* A foreign element in it is the daemon's to remove, not the
	 * reconcile's; the daemon's set_elems does. */
	nft("add element inet edgefw ex4 '{ 192.0.2.0/24 . 198.51.100.10 . tcp . 22 }'");
	cr_assert_eq(ef_reconciler_recheck(&r, &rep, NULL), 0);
	cr_assert(ef_delta_size_zero(&rep.sent));
	cr_assert_eq(ef_reconciler_set_elems(&r, &set, 1, &sent, NULL), 0);
	cr_assert_eq(sent.sent.elems_deleted, 1);
	cr_assert_eq(sent.sent.elems_added, 0);

	/* None wanted: deleted. A short one: the kernel expires it. */
	ef_model_free(want);
	want = compile_copy();
	set = ef_model_find_set(want, EF_SET_EX4);
	cr_assert_eq(ef_reconciler_set_elems(&r, &set, 1, &sent, NULL), 0);
	cr_assert_eq(sent.sent.elems_deleted, 1);
	set = exception_set(want, 300, 8);
	cr_assert_eq(ef_reconciler_set_elems(&r, &set, 1, &sent, NULL), 0);
	cr_assert_eq(sent.sent.elems_added, 1);
	usleep(600 * 1000);
	cr_assert_eq(ef_nl_read(f.nl, &live, NULL), 0);
	cr_assert_eq(ef_model_find_set(live, EF_SET_EX4)->nelems, 0,
		     "not expired");
	ef_model_free(live);
	ef_model_free(want);
	ef_reconciler_fini(&r);
	f.desired = NULL;
}

/* A missing set is for a reconcile to make. */
Test(drift, runtime_elements_of_a_missing_set)
{
	struct ef_reconciler r = { .nl = f.nl };
	struct ef_model *want = compile_copy();
	const struct ef_set *set = exception_set(want, 60000, 1);
	struct ef_reconcile_report rep;

	nft("flush chain inet edgefw input");
	nft("delete set inet edgefw ex4");
	cr_assert_eq(ef_reconciler_set_elems(&r, &set, 1, &rep, NULL), -ENOENT);
	ef_model_free(want);
}

/* Gateway NAT: the maps and nat chains drift and come back like the rest. */
static void init_nat(void)
{
	setup_with(&f, kt_compile("edge-single-nat", "edge-single-nat-gateway",
				  EF_LOCK_OFF));
}

TestSuite(nat_drift, .init = init_nat, .fini = fini);

/*
 * Each drift in turn, each put right by one reconcile that sends only
 * what it changed: a public address pointed elsewhere, a mapping nobody
 * compiled, a nat chain deleted, our SNAT swapped for masquerade (its
 * chain's one rule goes: deleted, or the chain flushed).
 */
Test(nat_drift, each_drift_corrected_alone)
{
	static const struct {
		const char *nft[2];
		size_t elems_deleted, elems_added, rules_added, gone;
	} cases[] = {
		{ { "delete element inet edgefw nat_dnat4 '{ 198.51.100.20 }'",
		    "add element inet edgefw nat_dnat4 '{ 198.51.100.20 : 192.0.2.99 }'" },
		  1, 1, 0, 0 },
		{ { "add element inet edgefw nat_snat4 '{ 192.0.2.99 : 198.51.100.99 }'" },
		  1, 0, 0, 0 },
		{ { "delete chain inet edgefw prerouting" }, 0, 0, 1, 1 },
		{ { "flush chain inet edgefw postrouting",
		    "add rule inet edgefw postrouting oifname eth0 masquerade" },
		  0, 0, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ef_delta_size s;

		for (size_t k = 0; k < 2 && cases[i].nft[k]; k++)
			nft(cases[i].nft[k]);
		s = correct(&f);
		cr_assert_eq(s.elems_deleted, cases[i].elems_deleted, "case %zu", i);
		cr_assert_eq(s.elems_added, cases[i].elems_added, "case %zu", i);
		cr_assert_eq(s.rules_added, cases[i].rules_added, "case %zu", i);
		cr_assert_eq(s.rules_deleted + s.objects, cases[i].gone,
			     "case %zu", i);
	}
}
