// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Against the real kernel: every test runs in a network namespace of its
 * own (Criterion runs each test in its own process; it unshares a fresh
 * netns first), so the machine's ruleset is never seen, and nothing is
 * left behind when the process ends.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "counters.h"
#include "diff.h"
#include "helpers.h"
#include "nft_emit.h"
#include "nl.h"
#include "policy.h"

static const char *const scenarios[][2] = {
	{ "edge-single-public", "edge-single-public" },
	{ "edge-single-nat", "edge-single-nat" },
	{ "edge-single-nat", "edge-single-nat-gateway" },
	{ "edge-scaled-dns-public", "edge-scaled-dns-public" },
	{ "edge-scaled-dns-nat", "edge-scaled-dns-nat" },
	{ "edge-scaled-dns-nat", "edge-scaled-dns-nat-gateway" },
	{ "edge-scaled-hlb", "edge-scaled-hlb" },
	{ "edge-scaled-hlb", "edge-scaled-hlb-gateway" },
	{ "reverse-proxy", "reverse-proxy" },
	{ "sip-xmpp-federation-pic", "sip-xmpp-federation-pic" },
	{ "public-im-connectivity", "public-im-connectivity" },
	{ "internal-servers", "internal-servers" },
};

/* The lock has tests/kernel/lock.c: unlocked here. */
static struct ef_model *compile_files(const char *policy, const char *site)
{
	return kt_compile(policy, site, EF_LOCK_OFF);
}

static struct ef_model *read_live(struct ef_nl *nl)
{
	struct ef_model *live = NULL;
	char *why = NULL;
	int err = ef_nl_read(nl, &live, &why);

	cr_assert_eq(err, 0, "read back: %s (%s)", strerror(-err),
		     why ? why : "");
	free(why);
	return live;
}

static void apply(struct ef_nl *nl, const struct ef_model *m)
{
	char *why = NULL;
	int err = ef_nl_replace(nl, m, &why);

	cr_assert_eq(err, 0, "apply: %s (%s)", strerror(-err), why ? why : "");
	free(why);
}

static void assert_live_equals(struct ef_nl *nl, const struct ef_model *m,
			       const char *what)
{
	struct ef_model *live = read_live(nl);

	if (!ef_model_equal(m, live)) {
		struct ef_strbuf a = { 0 }, b = { 0 };

		ef_emit_nft(&a, m, 0);
		ef_emit_nft(&b, live, 0);
		cr_assert_fail("%s: live table differs\n--- compiled\n%s\n--- live\n%s",
			       what, a.buf, b.buf);
	}
	ef_model_free(live);
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* How many row lists the elements of m point to. */
static size_t lists_held(const struct ef_model *m)
{
	const void **p = calloc(ef_model_elem_count(m) + 1, sizeof(*p));
	size_t n = 0, distinct = 0;

	cr_assert_not_null(p);
	for (size_t s = 0; s < m->nsets; s++)
		for (size_t i = 0; i < m->sets[s].nelems; i++)
			if (ef_elem_rows(&m->sets[s], i))
				p[n++] = ef_elem_rows(&m->sets[s], i);
	qsort(p, n, sizeof(*p), ptr_cmp);
	for (size_t i = 0; i < n; i++)
		distinct += !i || p[i] != p[i - 1];
	free(p);
	return distinct;
}

/* Read back equal, and holding as few row lists as compiled (shared). */
Test(apply, every_scenario_reads_back_equal)
{
	struct ef_nl *nl;

	kt_private_netns(false);
	cr_assert_eq(ef_nl_open(&nl), 0);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		struct ef_model *m = compile_files(scenarios[i][0],
						   scenarios[i][1]);
		struct ef_model *live;

		/* Applied over whatever the previous scenario left. */
		apply(nl, m);
		assert_live_equals(nl, m, scenarios[i][1]);
		live = read_live(nl);
		cr_assert_eq(lists_held(live), lists_held(m), "%s",
			     scenarios[i][1]);
		ef_model_free(live);
		ef_model_free(m);
	}
	ef_nl_close(nl);
}

Test(apply, missing_table_is_enoent)
{
	struct ef_model *live = NULL;
	struct ef_nl *nl;

	kt_private_netns(false);
	cr_assert_eq(ef_nl_open(&nl), 0);
	cr_assert_eq(ef_nl_read(nl, &live, NULL), -ENOENT);
	cr_assert_null(live);
	ef_nl_close(nl);
}

/* The kernel refuses a batch: nothing changes, the error names the set. */
Test(apply, refused_batch_changes_nothing)
{
	struct ef_model *good = compile_files("edge-single-public",
					      "edge-single-public");
	struct ef_model *bad = compile_files("edge-single-public",
					     "edge-single-public");
	struct ef_set *in4 = ef_model_find_set(bad, "in4");
	uint8_t key[EF_KEY_MAX] = { 0 }, end[EF_KEY_MAX] = { 0 };
	struct ef_nl *nl;
	char *why = NULL;
	int err;

	kt_private_netns(false);
	cr_assert_eq(ef_nl_open(&nl), 0);
	apply(nl, good);
	/* An element whose range overlaps the first one's: refused. */
	memcpy(key, ef_elem_key(in4, 0), ef_set_key_len(in4));
	memcpy(end, ef_elem_key_end(in4, 0), ef_set_key_len(in4));
	end[ef_set_key_len(in4) - 4 + 1]++;
	cr_assert_eq(ef_set_add_elem(in4, key, end, ef_elem_rows(in4, 0)), 0);
	err = ef_nl_replace(nl, bad, &why);
	cr_assert_neq(err, 0, "the kernel took overlapping elements");
	cr_assert(why && strstr(why, "elements of set in4"),
		  "error does not name the set: %s", why ? why : "(none)");
	free(why);
	assert_live_equals(nl, good, "after a refused batch");
	ef_model_free(good);
	ef_model_free(bad);
	ef_nl_close(nl);
}

/*
 * The emitted text is what nft accepts, and what nft makes of it is what
 * we make: load it with `nft -f` (tests only; the product never runs nft)
 * and read it back into the same model.
 */
Test(apply, nft_loads_our_text_to_the_same_model)
{
	char path[] = "/tmp/edgefw-nft-XXXXXX";
	struct ef_nl *nl;

	kt_private_netns(true);
	cr_assert_eq(ef_nl_open(&nl), 0);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		struct ef_model *m = compile_files(scenarios[i][0],
						   scenarios[i][1]);
		struct ef_strbuf sb = { 0 };
		char cmd[512];
		int fd = mkstemp(path);
		FILE *f;

		cr_assert(fd >= 0);
		f = fdopen(fd, "w");
		cr_assert(f);
		ef_emit_nft(&sb, m, 0);
		fputs("table inet edgefw\ndelete table inet edgefw\n", f);
		fputs(sb.buf, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
		cr_assert_eq(kt_run(cmd), 0, "nft -c rejects %s", scenarios[i][1]);
		snprintf(cmd, sizeof(cmd), "nft -f %s", path);
		cr_assert_eq(kt_run(cmd), 0, "nft -f rejects %s", scenarios[i][1]);
		assert_live_equals(nl, m, scenarios[i][1]);
		unlink(path);
		strcpy(path, "/tmp/edgefw-nft-XXXXXX");
		ef_sb_free(&sb);
		ef_model_free(m);
	}
	ef_nl_close(nl);
}

/* Other tables are never touched: not by apply, not by read-back. */
Test(apply, foreign_table_untouched)
{
	struct ef_model *m = compile_files("edge-single-public",
					   "edge-single-public");
	struct ef_nl *nl;

	kt_private_netns(true);
	cr_assert_eq(kt_run("nft -f - <<'EOF'\n"
			 "table inet other {\n"
			 " set s { type ipv4_addr; elements = { 192.0.2.7 } }\n"
			 " chain input { type filter hook input priority 10; policy accept;"
			 " ip saddr @s counter accept; }\n"
			 "}\nEOF"), 0);
	cr_assert_eq(kt_run("nft list table inet other > /tmp/edgefw-other.before"), 0);
	cr_assert_eq(ef_nl_open(&nl), 0);
	apply(nl, m);
	apply(nl, m);
	assert_live_equals(nl, m, "beside a foreign table");
	cr_assert_eq(kt_run("nft list table inet other > /tmp/edgefw-other.after"), 0);
	cr_assert_eq(kt_run("cmp -s /tmp/edgefw-other.before /tmp/edgefw-other.after"), 0,
		     "table inet other changed");
	unlink("/tmp/edgefw-other.before");
	unlink("/tmp/edgefw-other.after");
	ef_model_free(m);
	ef_nl_close(nl);
}

/* Element i of a set, key as nft writes it, into cmd after `prefix`. */
static void nft_elem(char *cmd, size_t size, const char *prefix,
		     const struct ef_set *s, size_t i, const char *suffix)
{
	struct ef_strbuf key = { 0 };

	ef_emit_elem_key(&key, s, i);
	cr_assert_eq(key.err, 0);
	snprintf(cmd, size, "nft %s element inet edgefw %s '{ %s%s }'", prefix,
		 s->name, key.buf, suffix);
	ef_sb_free(&key);
}

/*
 * Row lists through the kernel: a list too long for its comment, cut,
 * reads back as the list compiled; a comment written by hand reads back
 * as foreign, and the diff replaces that element only.
 */
Test(apply, row_comments_read_back_as_compiled)
{
	struct ef_model *m = compile_files("edge-single-public",
					   "edge-single-public");
	struct ef_set *in4 = ef_model_find_set(m, "in4");
	struct ef_model *live;
	struct ef_rows *cut;
	unsigned int ids[200];
	struct ef_delta_size z;
	struct ef_delta d;
	struct ef_nl *nl;
	char cmd[1024];

	kt_private_netns(true);
	for (unsigned int i = 0; i < 200; i++)
		ids[i] = i + 1;
	cut = ef_rows_new(ids, 200);
	cr_assert_not_null(cut);
	cr_assert_eq(ef_elem_set_rows(in4, 0, cut), 0);
	ef_rows_put(cut);
	cr_assert_gt(ef_elem_rows(in4, 0)->cut, 0);
	cr_assert_eq(ef_nl_open(&nl), 0);
	apply(nl, m);
	assert_live_equals(nl, m, "a cut list");

	nft_elem(cmd, sizeof(cmd), "delete", in4, 1, "");
	cr_assert_eq(kt_run(cmd), 0, "%s", cmd);
	nft_elem(cmd, sizeof(cmd), "add", in4, 1, " comment \"by hand\"");
	cr_assert_eq(kt_run(cmd), 0, "%s", cmd);
	live = read_live(nl);
	cr_assert_not(ef_model_equal(m, live));
	cr_assert_eq(ef_diff(m, live, &d), 0);
	z = ef_delta_size(&d);
	cr_assert_eq(z.elems_deleted, 1);
	cr_assert_eq(z.elems_added, 1);
	cr_assert_eq(z.objects + z.rules_added + z.rules_deleted, 0);
	cr_assert(ef_elem_rows(d.ops[0].set, d.ops[0].elems[0])->foreign);
	ef_delta_free(&d);
	ef_model_free(live);
	ef_model_free(m);
	ef_nl_close(nl);
}

/*
 * The rules alone, for their counters: the chains as applied, every rule
 * that looks up no set read back equal (the drop counters among them),
 * the others foreign, for want of their sets.
 */
Test(apply, rules_read_alone)
{
	struct ef_model *m = compile_files("edge-single-public",
					   "edge-single-public");
	struct ef_model *live = NULL;
	struct ef_drop_count *drops;
	struct ef_nl *nl;
	size_t n;

	kt_private_netns(false);
	cr_assert_eq(ef_nl_open(&nl), 0);
	cr_assert_eq(ef_nl_read_rules(nl, &live), -ENOENT);
	apply(nl, m);
	cr_assert_eq(ef_nl_read_rules(nl, &live), 0);
	cr_assert_eq(live->nsets, 0);
	cr_assert_eq(live->nchains, m->nchains);
	for (size_t k = 0; k < m->nchains; k++) {
		const struct ef_chain *want = &m->chains[k];
		const struct ef_chain *got = ef_model_find_chain(live, want->name);

		cr_assert_not_null(got, "chain %s", want->name);
		cr_assert_eq(got->nrules, want->nrules, "chain %s", want->name);
		for (size_t i = 0; i < want->nrules; i++)
			cr_assert_eq(ef_rule_equal(&want->rules[i], &got->rules[i]),
				     !want->rules[i].set[0], "%s, rule %zu",
				     want->name, i);
	}
	cr_assert_eq(ef_drop_counters(m, live, &drops, &n), 0);
	cr_assert_eq(n, 4, "input and output, IPv4 and IPv6");
	free(drops);
	ef_model_free(live);
	ef_model_free(m);
	ef_nl_close(nl);
}
