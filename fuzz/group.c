// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Group files (one address or CIDR a line, '#' comments), which
 * lib/site.c reads in read_group_file() for `NAME = file "PATH"`: the
 * input is the group file, named from a fixed site file. What parses must
 * be a prefix of the family it says, low end below high end.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "site.h"

static const char site_text[] =
	"management = none\n"
	"peers = file \"group\"\n";

static void write_site(void)
{
	FILE *f = fopen(fuzz_path("site"), "we");

	if (!f || fputs(site_text, f) < 0 || fclose(f)) {
		perror("fuzz: site");
		abort();
	}
}

static void check_prefixes(const struct ef_binding *b)
{
	for (size_t i = 0; i < b->nprefixes; i++) {
		struct ef_prefix pfx;
		const struct ef_prefix *p = &pfx;
		size_t len;

		ef_binding_prefix(b, i, &pfx);
		len = p->family == 4 ? 4 : 16;
		if ((p->family != 4 && p->family != 6) ||
		    memcmp(p->lo, p->hi, len) > 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "group" };
	static bool site_written;
	struct ef_diags d = { 0 };
	const struct ef_binding *b;
	struct ef_site *site;

	if (!site_written) {
		write_site();
		site_written = true;
	}
	fuzz_write_files(data, size, names, 1);
	site = ef_site_parse(fuzz_path("site"), &d);
	b = site ? ef_site_find(site, "peers") : NULL;
	if (b)
		check_prefixes(b);
	ef_site_free(site);
	fuzz_diags_done(&d);
	return 0;
}
